// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Events around the parser: the prefix catalogue against the shipped policy
 * and docs/log-prefixes.md, raw packet decoding (NFLOG), the output formats,
 * the file source (line splitting, over-long lines, rotation, truncation),
 * report counting, durations, and the policy's NFLOG rendering.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "events/event.h"
#include "events/format.h"
#include "events/logline.h"
#include "events/report.h"
#include "events/source.h"
#include "policy/embedded.h"
#include "policy/render.h"

#define DOC_PREFIXES FIXTURES "/../../../docs/log-prefixes.md"

static const char LINE[] = "XNFT-DROP: IN=eth0 OUT= SRC=203.0.113.5 DST=10.0.0.1 LEN=40 TOS=0x00 "
	"PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=54321 DPT=443 WINDOW=1024 RES=0x00 SYN URGP=0";

/* ------------------------------------------------------------------ */
/* Catalogue                                                           */
/* ------------------------------------------------------------------ */

static bool in_catalogue(const char *cat, size_t n)
{
	for (const char *const *c = event_catalogue; *c; c++) {
		if (strlen(*c) == n && !memcmp(*c, cat, n))
			return true;
	}
	return false;
}

/* Every `prefix "XNFT-...: "` of the embedded policy is catalogued with a hook. */
static void test_catalogue_covers_policy(void **state)
{
	size_t found = 0;

	(void)state;
	for (const struct embedded_file *f = embedded_policy; f->path; f++) {
		const char *p = f->content, *end = f->content + f->size;

		while ((p = memmem(p, (size_t)(end - p), "prefix \"XNFT-", 13))) {
			const char *cat = p + 13, *q = memchr(cat, '"', (size_t)(end - cat));
			size_t n;
			char name[64];

			assert_non_null(q);
			n = (size_t)(q - cat);
			while (n && (cat[n - 1] == ' ' || cat[n - 1] == ':'))
				n--;
			snprintf(name, sizeof(name), "%.*s", (int)n, cat);
			if (!in_catalogue(cat, n))
				fail_msg("%s: prefix XNFT-%s is not in the event catalogue", f->path, name);
			assert_int_not_equal(event_catalogue_hook(name), EVENT_HOOK_UNKNOWN);
			found++;
			p = q;
		}
	}
	assert_true(found >= 20);
}

/* The catalogue and docs/log-prefixes.md list the same prefixes. */
static void test_catalogue_matches_doc(void **state)
{
	FILE *f = fopen(DOC_PREFIXES, "r");
	char line[512];
	size_t doc = 0, cat = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "| `XNFT-"), *q;

		if (!p)
			continue;
		p += 8;
		q = strchr(p, '`');
		assert_non_null(q);
		if (!in_catalogue(p, (size_t)(q - p)))
			fail_msg("docs/log-prefixes.md lists XNFT-%.*s, the catalogue does not",
				 (int)(q - p), p);
		doc++;
	}
	fclose(f);
	for (const char *const *c = event_catalogue; *c; c++)
		cat++;
	assert_int_equal(doc, cat);
	assert_int_equal(event_catalogue_hook("FRAGMENT"), EVENT_HOOK_PREROUTING);
	assert_int_equal(event_catalogue_hook("FWD-DROP"), EVENT_HOOK_FORWARD);
	assert_int_equal(event_catalogue_hook("DROP"), EVENT_HOOK_INPUT);
	assert_int_equal(event_catalogue_hook("NOPE"), EVENT_HOOK_UNKNOWN);
}

static void test_set_prefix(void **state)
{
	struct xevent ev;

	(void)state;
	event_init(&ev);
	event_set_prefix(&ev, "XNFT-SSH-RATELIMIT: ", 20);
	assert_string_equal(ev.category, "SSH-RATELIMIT");
	assert_int_equal(ev.hook, EVENT_HOOK_INPUT);
	event_init(&ev);
	event_set_prefix(&ev, "XNFT-", 5);
	assert_string_equal(ev.category, "");
	event_init(&ev);
	snprintf(ev.in, sizeof(ev.in), "eth0");
	snprintf(ev.out, sizeof(ev.out), "eth1");
	event_set_prefix(&ev, "fw:", 3);
	assert_string_equal(ev.category, "fw");
	assert_int_equal(ev.hook, EVENT_HOOK_FORWARD);
	event_init(&ev);
	event_set_prefix(&ev, "", 0);
	assert_string_equal(ev.prefix, "");
	assert_int_equal(ev.hook, EVENT_HOOK_UNKNOWN);
}

/* ------------------------------------------------------------------ */
/* Raw packets (NFLOG)                                                 */
/* ------------------------------------------------------------------ */

static size_t ipv4(unsigned char *p, uint8_t proto, uint16_t frag, size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + l4len) >> 8);
	p[3] = (uint8_t)(20 + l4len);
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = (uint8_t)(frag >> 8);
	p[7] = (uint8_t)frag;
	p[8] = 52;
	p[9] = proto;
	memcpy(p + 12, "\xcb\x00\x71\x05", 4);   /* 203.0.113.5 */
	memcpy(p + 16, "\x0a\x00\x00\x01", 4);   /* 10.0.0.1 */
	return 20;
}

static size_t ipv6(unsigned char *p, uint8_t next, size_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[1] = 0x00;
	p[2] = 0x12;
	p[3] = 0x34;   /* flow label 0x01234 */
	p[4] = (uint8_t)(payload >> 8);
	p[5] = (uint8_t)payload;
	p[6] = next;
	p[7] = 64;
	memcpy(p + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
	memcpy(p + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	return 40;
}

static void tcp(unsigned char *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(p, 0, 20);
	p[0] = (uint8_t)(sport >> 8);
	p[1] = (uint8_t)sport;
	p[2] = (uint8_t)(dport >> 8);
	p[3] = (uint8_t)dport;
	p[12] = 0x50;
	p[13] = flags;
}

static void test_packet_ipv4(void **state)
{
	unsigned char p[128];
	struct xevent ev;
	size_t n = ipv4(p, 6, 0x4000, 20);
	char a[64];

	(void)state;
	tcp(p + n, 54321, 443, EVENT_TCP_SYN);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 20), 0);
	assert_int_equal(ev.family, AF_INET);
	event_addr_format(ev.family, ev.src, a, sizeof(a));
	assert_string_equal(a, "203.0.113.5");
	assert_int_equal(ev.proto, 6);
	assert_int_equal(ev.sport, 54321);
	assert_int_equal(ev.dport, 443);
	assert_int_equal(ev.tcp_flags, EVENT_TCP_SYN);
	assert_true(ev.has & EVENT_HAS_TCPFLAGS);
	assert_true(ev.flags & EVENT_F_DF);
	assert_false(ev.flags & EVENT_F_FRAGMENT);
	assert_int_equal(ev.len, 40);
	assert_int_equal(ev.ttl, 52);

	/* Captured short: the TCP header is cut. */
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 10), 0);
	assert_true(ev.flags & EVENT_F_INCOMPLETE);
	assert_false(ev.has & EVENT_HAS_PORTS);

	/* A later fragment: offset 185 * 8, no transport header. */
	n = ipv4(p, 17, 185, 8);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 8), 0);
	assert_true(ev.flags & EVENT_F_FRAGMENT);
	assert_int_equal(ev.frag_off, 1480);
	assert_false(ev.has & EVENT_HAS_PORTS);

	/* First fragment: MF, ports present. */
	n = ipv4(p, 17, 0x2000, 8);
	memcpy(p + n, "\x13\x88\x00\x35\x00\x08\x00\x00", 8);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 8), 0);
	assert_true(ev.flags & EVENT_F_MORE_FRAGS);
	assert_int_equal(ev.dport, 53);

	/* ICMP frag-needed with its MTU. */
	n = ipv4(p, 1, 0, 8);
	memcpy(p + n, "\x03\x04\x00\x00\x00\x00\x05\xdc", 8);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 8), 0);
	assert_int_equal(ev.icmp_type, 3);
	assert_int_equal(ev.icmp_code, 4);
	assert_int_equal(ev.mtu, 1500);
}

static void test_packet_ipv6(void **state)
{
	unsigned char p[256];
	struct xevent ev;
	size_t n = ipv6(p, 6, 20);
	char a[64];

	(void)state;
	tcp(p + n, 1, 22, EVENT_TCP_FIN | EVENT_TCP_PSH | EVENT_TCP_URG);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 20), 0);
	assert_int_equal(ev.family, AF_INET6);
	event_addr_format(ev.family, ev.src, a, sizeof(a));
	assert_string_equal(a, "2001:db8::5");
	assert_int_equal(ev.dport, 22);
	assert_int_equal(ev.tcp_flags, 0x29);
	assert_int_equal(ev.flowlabel, 0x01234);
	assert_int_equal(ev.len, 60);

	/* Hop-by-hop, then a first fragment (M set), then UDP. */
	n = ipv6(p, 0, 8 + 8 + 8);
	memset(p + n, 0, 8);
	p[n] = 44;                 /* next: fragment */
	memset(p + n + 8, 0, 8);
	p[n + 8] = 17;             /* next: UDP */
	p[n + 11] = 1;             /* offset 0, M */
	memcpy(p + n + 12, "\xde\xad\xbe\xef", 4);
	memcpy(p + n + 16, "\x13\x88\x01\xbb\x00\x08\x00\x00", 8);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 24), 0);
	assert_int_equal(ev.proto, 17);
	assert_true(ev.flags & EVENT_F_FRAGMENT);
	assert_true(ev.flags & EVENT_F_MORE_FRAGS);
	assert_int_equal(ev.ip_id, 0xdeadbeef);
	assert_int_equal(ev.dport, 443);

	/* A later fragment: no ports. */
	p[n + 10] = 0x05;
	p[n + 11] = 0xc8;          /* offset 1480 */
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 24), 0);
	assert_int_equal(ev.frag_off, 1480);
	assert_false(ev.has & EVENT_HAS_PORTS);

	/* ICMPv6 packet too big. */
	n = ipv6(p, 58, 8);
	memcpy(p + n, "\x02\x00\x00\x00\x00\x00\x05\x00", 8);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 8), 0);
	assert_int_equal(ev.icmp_type, 2);
	assert_int_equal(ev.mtu, 1280);

	/* An endless chain of destination options stops; a cut chain is incomplete. */
	n = ipv6(p, 60, 200);
	for (size_t i = 0; i < 200; i += 8) {
		memset(p + n + i, 0, 8);
		p[n + i] = 60;
	}
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 200), 0);
	event_init(&ev);
	assert_int_equal(event_from_packet(&ev, p, n + 4), 0);
	assert_true(ev.flags & EVENT_F_INCOMPLETE);
}

static void test_packet_garbage(void **state)
{
	unsigned char p[64];
	struct xevent ev;
	uint64_t x = 88172645463325252ULL;

	(void)state;
	assert_int_equal(event_from_packet(&ev, NULL, 0), -1);
	memset(p, 0, sizeof(p));
	assert_int_equal(event_from_packet(&ev, p, sizeof(p)), -1);
	p[0] = 0x45;
	assert_int_equal(event_from_packet(&ev, p, 19), -1);
	p[0] = 0x60;
	assert_int_equal(event_from_packet(&ev, p, 39), -1);
	p[0] = 0x41;   /* IHL below 5 */
	assert_int_equal(event_from_packet(&ev, p, sizeof(p)), -1);
	for (int i = 0; i < 100000; i++) {
		size_t len;
		unsigned char *q;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = x % 80;
		q = malloc(len ? len : 1);
		assert_non_null(q);
		for (size_t j = 0; j < len; j++)
			q[j] = (unsigned char)(x >> (j % 56));
		if (len)
			q[0] = (unsigned char)((i & 1) ? 0x45 + (x & 0x0a) : 0x60);
		event_init(&ev);
		event_from_packet(&ev, q, len);
		free(q);
	}
}

/* ------------------------------------------------------------------ */
/* Formats                                                             */
/* ------------------------------------------------------------------ */

static void parse_line(const char *line, struct xevent *ev)
{
	struct logline_ctx ctx;

	logline_ctx_init_at(&ctx, 1795435200LL * 1000000, 0);
	assert_int_equal(logline_parse(&ctx, line, strlen(line), 1795435200LL * 1000000,
				       EVENT_TIME_RECEIVED, ev), LOGLINE_EVENT);
}

static void test_format_json(void **state)
{
	struct xevent ev;
	char out[EVENT_LINE_MAX];
	json_t *j;
	json_error_t err;

	(void)state;
	parse_line(LINE, &ev);
	event_format(&ev, EVENT_FMT_JSON, out, sizeof(out));
	assert_int_equal(out[strlen(out) - 1], '\n');
	j = json_loads(out, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-11-23T12:00:00.000000Z");
	assert_string_equal(json_string_value(json_object_get(j, "category")), "DROP");
	assert_string_equal(json_string_value(json_object_get(j, "hook")), "input");
	assert_string_equal(json_string_value(json_object_get(j, "src")), "203.0.113.5");
	assert_int_equal(json_integer_value(json_object_get(j, "dport")), 443);
	assert_string_equal(json_string_value(json_object_get(j, "tcp_flags")), "syn");
	assert_null(json_object_get(j, "icmp_type"));
	json_decref(j);

	/* A hostile prefix: quotes, backslashes, control and high bytes stay valid JSON. */
	event_set_prefix(&ev, "a\"b\\c\n\x01\xff ", 10);
	event_format(&ev, EVENT_FMT_JSON, out, sizeof(out));
	j = json_loads(out, 0, &err);
	assert_non_null(j);
	json_decref(j);
	assert_non_null(strstr(out, "\"prefix\":\"a\\\"b\\\\c\\u000a\\u0001\\u00ff \""));
	/* logfmt quotes the same bytes, with \xXX for the unprintable ones */
	event_format(&ev, EVENT_FMT_LOGFMT, out, sizeof(out));
	assert_non_null(strstr(out, " prefix=\"a\\\"b\\\\c\\x0a\\x01\\xff \" "));
}

static void test_format_logfmt_text(void **state)
{
	struct xevent ev;
	char out[EVENT_LINE_MAX];

	(void)state;
	parse_line(LINE, &ev);
	event_format(&ev, EVENT_FMT_LOGFMT, out, sizeof(out));
	assert_non_null(strstr(out, "time=2026-11-23T12:00:00.000000Z category=DROP prefix=\"XNFT-DROP: \" "
			       "hook=input iface=eth0 in=eth0 out= family=ipv4 proto=tcp src=203.0.113.5 "
			       "dst=10.0.0.1 sport=54321 dport=443 tcp_flags=syn len=40 ttl=52\n"));
	event_format(&ev, EVENT_FMT_TEXT, out, sizeof(out));
	assert_non_null(strstr(out, "DROP"));
	assert_non_null(strstr(out, "203.0.113.5:54321 -> 10.0.0.1:443 syn"));
	/* Tiny buffers: cut, still a line, never past the end. */
	for (size_t n = 0; n < 40; n++) {
		char small[40];

		memset(small, 'x', sizeof(small));
		event_format(&ev, EVENT_FMT_JSON, small, n);
		if (n >= 2)
			assert_int_equal(small[strlen(small) - 1], '\n');
		for (size_t i = n; i < sizeof(small); i++)
			assert_int_equal(small[i], 'x');
	}
}

static void test_format_names(void **state)
{
	char buf[64];
	enum event_format f;
	struct xerr e;

	(void)state;
	event_tcp_flags_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	event_tcp_flags_format(0xff, buf, sizeof(buf));
	assert_string_equal(buf, "fin,syn,rst,psh,ack,urg,ecn,cwr");
	/* a short buffer holds the text cut at its size */
	for (size_t size = 1; size <= sizeof("fin,syn,rst,psh,ack,urg,ecn,cwr"); size++) {
		event_tcp_flags_format(0xff, buf, size);
		assert_int_equal(strlen(buf), size - 1);
		assert_memory_equal(buf, "fin,syn,rst,psh,ack,urg,ecn,cwr", size - 1);
	}
	assert_int_equal(event_format_parse("json", &f, &e), 0);
	assert_int_equal(f, EVENT_FMT_JSON);
	assert_int_equal(event_format_parse("yaml", &f, &e), -1);
	assert_string_equal(event_proto_name(58), "icmpv6");
	assert_null(event_proto_name(200));
}

/* ------------------------------------------------------------------ */
/* Durations                                                           */
/* ------------------------------------------------------------------ */

static void test_durations(void **state)
{
	int64_t us;
	struct xerr e;

	(void)state;
	assert_int_equal(event_parse_duration("90", &us, &e), 0);
	assert_int_equal(us, 90LL * 1000000);
	assert_int_equal(event_parse_duration("1h30m", &us, &e), 0);
	assert_int_equal(us, 5400LL * 1000000);
	assert_int_equal(event_parse_duration("2d", &us, &e), 0);
	assert_int_equal(us, 172800LL * 1000000);
	assert_int_equal(event_parse_duration("1w", &us, &e), 0);
	/* the one grammar: xnft.conf's milliseconds too */
	assert_int_equal(event_parse_duration("500ms", &us, &e), 0);
	assert_int_equal(us, 500000);
	assert_int_equal(event_parse_duration("", &us, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_int_equal(event_parse_duration("10x", &us, &e), -1);
	assert_int_equal(event_parse_duration("m", &us, &e), -1);
	assert_int_equal(event_parse_duration("-5m", &us, &e), -1);
	assert_int_equal(event_parse_duration("1h30", &us, &e), -1);
	assert_int_equal(event_parse_duration("99999999999d", &us, &e), -1);
	assert_int_equal(event_parse_duration("5000w", &us, &e), -1);
	assert_int_equal(event_parse_since("all", 1000, &us, &e), 0);
	assert_int_equal(us, 0);
	assert_int_equal(event_parse_since("10s", 100LL * 1000000, &us, &e), 0);
	assert_int_equal(us, 90LL * 1000000);
	assert_int_equal(event_parse_since("soon", 1000, &us, &e), -1);
}

/* ------------------------------------------------------------------ */
/* File source                                                         */
/* ------------------------------------------------------------------ */

struct collect {
	unsigned events;
	unsigned dports[64];
	unsigned stop_after;
};

static int collect_cb(const struct xevent *ev, void *arg)
{
	struct collect *c = arg;

	if (c->events < 64)
		c->dports[c->events] = ev->dport;
	c->events++;
	return c->stop_after && c->events >= c->stop_after;
}

static void write_file(const char *path, const char *mode, const char *data, size_t n)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* "XNFT-DROP ... DPT=<port> ..." */
static size_t line_for(char *buf, size_t size, unsigned port)
{
	return (size_t)snprintf(buf, size, "XNFT-DROP: IN=eth0 OUT= SRC=203.0.113.5 DST=10.0.0.1 "
				"LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=1 DPT=%u "
				"WINDOW=0 RES=0x00 SYN URGP=0\n", port);
}

static void drain(struct evsource *s, struct collect *c)
{
	struct xerr e;

	for (int i = 0; i < 100; i++) {
		int r = evsource_read(s, collect_cb, c, &e);

		assert_true(r >= 0);
		if (r != 0)
			return;
		if (i > 2)
			return;   /* following: nothing more after a few rounds */
	}
}

static void test_file_lines(void **state)
{
	char dir[] = "/tmp/xnft-test-events.XXXXXX", path[128], l[256];
	size_t big = 200 * 1024;
	char *data = malloc(big + 4096);
	size_t n = 0;
	struct evsource *s;
	struct evsource_opts o = { 0 };
	struct collect c = { 0 };
	struct xerr e;

	(void)state;
	assert_non_null(data);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kern.log", dir);
	n += line_for(data + n, 4096, 1);
	n += (size_t)snprintf(data + n, 4096, "garbage line\n");
	memset(data + n, 'Z', big);          /* an over-long line */
	n += big;
	data[n++] = '\n';
	n += line_for(data + n, 4096, 2);
	n += line_for(data + n, 4096, 3);
	data[n - 1] = '\r';                  /* CRLF */
	data[n++] = '\n';
	n += line_for(data + n, 4096, 4) - 1; /* no final newline */
	write_file(path, "w", data, n);
	snprintf(l, sizeof(l), "file:%s", path);
	assert_int_equal(evsource_open(&s, l, &o, &e), 0);
	assert_int_equal(evsource_run(s, collect_cb, &c, NULL, &e), 1);
	assert_int_equal(c.events, 4);
	assert_int_equal(c.dports[0], 1);
	assert_int_equal(c.dports[3], 4);
	/* "garbage line" is no netfilter log line; the over-long one cannot be parsed */
	assert_int_equal(evsource_stats(s)->other, 1);
	assert_int_equal(evsource_stats(s)->first_other_at, 2);
	assert_string_equal(evsource_stats(s)->first_other, "garbage line");
	assert_int_equal(evsource_stats(s)->unparsed, 1);
	assert_int_equal(evsource_stats(s)->first_unparsed_at, 3);
	assert_int_equal(evsource_stats(s)->records, 6);
	evsource_close(s);

	/* A callback that stops: the rest comes with the next read. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(evsource_open(&s, l, &o, &e), 0);
	assert_int_equal(evsource_read(s, collect_cb, &c, &e), 2);
	assert_int_equal(c.events, 1);
	c.stop_after = 0;
	assert_int_equal(evsource_run(s, collect_cb, &c, NULL, &e), 1);
	assert_int_equal(c.events, 4);
	evsource_close(s);

	unlink(path);
	rmdir(dir);
	free(data);
}

static void test_file_follow(void **state)
{
	char dir[] = "/tmp/xnft-test-events.XXXXXX", path[128], old[160], spec[160], l[256];
	struct evsource *s;
	struct evsource_opts o = { .follow = true };
	struct collect c = { 0 };
	struct xerr e;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kern.log", dir);
	snprintf(old, sizeof(old), "%s/kern.log.1", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	n = line_for(l, sizeof(l), 1);
	write_file(path, "w", l, n);
	assert_int_equal(evsource_open(&s, spec, &o, &e), 0);
	assert_true(evsource_fd(s) >= 0);       /* inotify */
	drain(s, &c);
	assert_int_equal(c.events, 1);

	/* Grows, and a line written in two halves. */
	n = line_for(l, sizeof(l), 2);
	write_file(path, "a", l, 20);
	drain(s, &c);
	assert_int_equal(c.events, 1);
	write_file(path, "a", l + 20, n - 20);
	drain(s, &c);
	assert_int_equal(c.events, 2);
	assert_int_equal(c.dports[1], 2);

	/* Rotated: the old file gets one more line (its writer had it open), then a new file. */
	assert_int_equal(rename(path, old), 0);
	n = line_for(l, sizeof(l), 3);
	write_file(old, "a", l, n);
	n = line_for(l, sizeof(l), 4);
	write_file(path, "w", l, n);
	drain(s, &c);
	assert_int_equal(c.events, 4);
	assert_int_equal(c.dports[2], 3);
	assert_int_equal(c.dports[3], 4);
	assert_int_equal(evsource_stats(s)->rotations, 1);

	/* Truncated in place (seen when the file is shorter than what was read), then written. */
	write_file(path, "w", "", 0);
	drain(s, &c);
	n = line_for(l, sizeof(l), 5);
	write_file(path, "w", l, n);
	drain(s, &c);
	assert_int_equal(c.events, 5);
	assert_int_equal(c.dports[4], 5);
	assert_int_equal(evsource_stats(s)->rotations, 2);

	/* Deleted, then created again. */
	unlink(path);
	drain(s, &c);
	n = line_for(l, sizeof(l), 6);
	write_file(path, "w", l, n);
	drain(s, &c);
	assert_int_equal(c.events, 6);
	assert_int_equal(c.dports[5], 6);
	evsource_close(s);

	/* Following a file that does not exist yet: it is waited for. */
	unlink(path);
	assert_int_equal(evsource_open(&s, spec, &o, &e), 0);
	drain(s, &c);
	write_file(path, "w", l, n);
	drain(s, &c);
	assert_int_equal(c.events, 7);
	evsource_close(s);

	/* Starting at the end: only what comes after. */
	o.from_end = true;
	assert_int_equal(evsource_open(&s, spec, &o, &e), 0);
	drain(s, &c);
	assert_int_equal(c.events, 7);
	write_file(path, "a", l, n);
	drain(s, &c);
	assert_int_equal(c.events, 8);
	evsource_close(s);

	unlink(path);
	unlink(old);
	rmdir(dir);
}

static void test_file_position(void **state)
{
	char dir[] = "/tmp/xnft-test-events.XXXXXX", path[128], old[160], spec[160], l[256];
	struct evsource *s;
	struct evsource_opts o = { .follow = true, .from_end = true, .state_dir = dir };
	struct collect c = { 0 };
	struct xerr e;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kern.log", dir);
	snprintf(old, sizeof(old), "%s/kern.log.1", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	n = line_for(l, sizeof(l), 1);
	write_file(path, "w", l, n);
	/* nothing kept yet: from the end, as asked */
	assert_int_equal(evsource_open(&s, spec, &o, &e), 0);
	assert_string_equal(evsource_stats(s)->resumed, "");
	n = line_for(l, sizeof(l), 2);
	write_file(path, "a", l, n);
	n = line_for(l, sizeof(l), 3);
	write_file(path, "a", l, 20);            /* half a line when the reader stops */
	drain(s, &c);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.dports[0], 2);
	evsource_close(s);

	/* written while no one read: the cut line whole, and the next one */
	write_file(path, "a", l + 20, n - 20);
	n = line_for(l, sizeof(l), 4);
	write_file(path, "a", l, n);
	assert_int_equal(evsource_open(&s, spec, &o, &e), 0);
	assert_non_null(strstr(evsource_stats(s)->resumed, "resumed at byte"));
	drain(s, &c);
	assert_int_equal(c.events, 3);
	assert_int_equal(c.dports[1], 3);
	assert_int_equal(c.dports[2], 4);
	evsource_close(s);

	/* rotated while no one read: the new file from its start */
	assert_int_equal(rename(path, old), 0);
	n = line_for(l, sizeof(l), 5);
	write_file(path, "w", l, n);
	assert_int_equal(evsource_open(&s, spec, &o, &e), 0);
	assert_non_null(strstr(evsource_stats(s)->resumed, "replaced or truncated"));
	drain(s, &c);
	assert_int_equal(c.events, 4);
	assert_int_equal(c.dports[3], 5);
	evsource_close(s);

	unlink(path);
	unlink(old);
	{
		char entry[256];
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(entry, sizeof(entry), "%s/%s", dir, de->d_name);
			unlink(entry);
		}
		if (d)
			closedir(d);
	}
	rmdir(dir);
}

static void test_source_specs(void **state)
{
	struct evsource *s;
	struct evsource_opts o = { 0 };
	struct xerr e;

	(void)state;
	assert_int_equal(evsource_open(&s, "bogus", &o, &e), -1);
	assert_non_null(strstr(e.hint, "nflog:GROUP"));
	assert_int_equal(evsource_open(&s, "nflog:65536", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "nflog:", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "nflog:-1", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "file:", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "file:/nonexistent/x.log", &o, &e), -1);
	assert_non_null(strstr(e.msg, "No such file"));
	assert_int_equal(evsource_open(&s, "file:/tmp", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "journal-file:/nonexistent.journal", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "kmsgx", &o, &e), -1);
	assert_int_equal(evsource_open(&s, "-", &o, &e), 0);
	assert_false(evsource_is_live(s));
	assert_string_equal(evsource_spec(s), "-");
	evsource_close(s);
	assert_non_null(evsource_default_spec());
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

static void add_event(struct report *r, const char *src, unsigned port, int64_t t, const char *cat)
{
	struct xevent ev;

	event_init(&ev);
	ev.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(ev.family, src, ev.src), 1);
	ev.proto = 6;
	ev.has = EVENT_HAS_PROTO | EVENT_HAS_PORTS;
	ev.dport = (uint16_t)port;
	ev.time_us = t;
	snprintf(ev.in, sizeof(ev.in), "eth0");
	event_set_prefix(&ev, cat, strlen(cat));
	report_add(r, &ev);
}

static void test_report_counts(void **state)
{
	struct xerr e;
	struct report *r = report_new(&e);
	struct report_summary s;
	int64_t t0 = 1795435200LL * 1000000;
	char a[64];

	(void)state;
	assert_non_null(r);
	for (int i = 0; i < 30; i++)
		add_event(r, "203.0.113.5", 22, t0 + i * 1000000LL, "XNFT-DROP: ");
	for (int i = 0; i < 10; i++)
		add_event(r, "203.0.113.9", 23, t0 + i * 1000000LL, "XNFT-SYNFLOOD: ");
	add_event(r, "2001:db8:1:2::1", 443, t0, "XNFT-DROP: ");
	add_event(r, "2001:db8:1:2::2", 443, t0, "XNFT-DROP: ");
	add_event(r, "2001:db8:1:3::2", 443, t0 + 3600LL * 1000000, "XNFT-DROP: ");
	assert_int_equal(report_summarize(r, 3, &s, &e), 0);
	assert_int_equal(s.events, 43);
	assert_string_equal(s.categories[0].name, "DROP");
	assert_int_equal(s.categories[0].count, 33);
	assert_int_equal(s.distinct_sources, 5);
	assert_int_equal(s.distinct_nets, 3);
	assert_int_equal(s.nsources, 3);
	event_addr_format(s.sources[0].family, s.sources[0].addr, a, sizeof(a));
	assert_string_equal(a, "203.0.113.5");
	assert_int_equal(s.sources[0].count, 30);
	assert_int_equal(s.sources[0].net.count, 40);
	assert_int_equal(s.sources[0].net.sources, 2);
	event_addr_format(s.nets[1].family, s.nets[1].addr, a, sizeof(a));
	assert_string_equal(a, "2001:db8:1:2::");
	assert_int_equal(s.nets[1].len, 64);
	assert_int_equal(s.nets[1].sources, 2);
	assert_int_equal(s.ports[0].port, 22);
	assert_int_equal(s.ports[0].count, 30);
	/* One hour and a bit: 48 buckets at most, of a nice width. */
	assert_true(s.nbuckets <= 48 && s.nbuckets >= 2);
	assert_int_equal(s.interval_us, 300LL * 1000000);
	uint64_t sum = 0;

	for (size_t i = 0; i < s.nbuckets; i++)
		sum += s.buckets[i].count;
	assert_int_equal(sum, 43);
	report_summary_free(&s);
	report_free(r);
}

/* Events spread over years and out of order: the histogram widens and keeps every count. */
static void test_report_histogram_span(void **state)
{
	struct xerr e;
	struct report *r = report_new(&e);
	struct report_summary s;
	int64_t t0 = 1795435200LL * 1000000;
	uint64_t sum = 0;
	char name[16];

	(void)state;
	for (int i = 0; i < 1000; i++)
		add_event(r, "198.51.100.1", 80, t0 + (int64_t)((i * 7919) % 1000) * 86400LL * 1000000 / 3,
			  "XNFT-DROP: ");
	add_event(r, "198.51.100.1", 80, 0, "XNFT-DROP: ");   /* 1970 */
	assert_int_equal(report_summarize(r, 10, &s, &e), 0);
	for (size_t i = 0; i < s.nbuckets; i++)
		sum += s.buckets[i].count;
	assert_int_equal(sum, 1001);
	assert_true(s.nbuckets <= 48);
	report_interval_name(s.interval_us, name, sizeof(name));
	assert_string_equal(name, "3640d");
	report_summary_free(&s);
	report_free(r);
}

static void test_report_many_sources(void **state)
{
	struct xerr e;
	struct report *r = report_new(&e);
	struct report_summary s;
	struct xevent ev;

	(void)state;
	event_init(&ev);
	ev.family = AF_INET;
	for (uint32_t i = 0; i < 200000; i++) {
		ev.src[0] = (unsigned char)(i >> 24);
		ev.src[1] = (unsigned char)(i >> 16);
		ev.src[2] = (unsigned char)(i >> 8);
		ev.src[3] = (unsigned char)i;
		report_add(r, &ev);
	}
	assert_int_equal(report_summarize(r, 5, &s, &e), 0);
	assert_int_equal(s.distinct_sources, 200000);
	assert_int_equal(s.distinct_nets, 200000 / 256 + 1);
	assert_int_equal(s.nets[0].sources, 256);
	report_summary_free(&s);
	report_free(r);
}

/* ------------------------------------------------------------------ */
/* Policy: log statements to NFLOG                                     */
/* ------------------------------------------------------------------ */

static void rewrite(const char *in, unsigned group, const char *want)
{
	char out[512];

	assert_int_equal(policy_render_log_line(in, strlen(in), group, out, sizeof(out)),
			 (int)strlen(want));
	assert_string_equal(out, want);
}

static void test_render_log_line(void **state)
{
	char small[20];

	(void)state;
	rewrite("\t\tlimit rate 10/second counter log prefix \"XNFT-DROP: \" comment \"log it\"", 5,
		"\t\tlimit rate 10/second counter log group 5 prefix \"XNFT-DROP: \" comment \"log it\"");
	rewrite("log prefix \"a log b\"", 0, "log group 0 prefix \"a log b\"");
	rewrite("log", 7, "log group 7");
	rewrite("counter log group 3 prefix \"x\"", 9, "counter log group 3 prefix \"x\"");
	rewrite("# we log prefix things here", 5, "# we log prefix things here");
	rewrite("tcp dport 22 jump log", 5, "tcp dport 22 jump log");
	rewrite("ip saddr @blog counter", 5, "ip saddr @blog counter");
	rewrite("counter logx", 5, "counter logx");
	rewrite("counter log flags all log prefix \"y\" # log", 65535,
		"counter log group 65535 flags all log group 65535 prefix \"y\" # log");
	assert_int_equal(policy_render_log_line("log prefix \"x\"", 14, 1, small, 10), -1);
}

static void test_render_policy_nflog(void **state)
{
	struct policy_values v;
	struct xerr e;
	size_t logs = 0, groups = 0;

	(void)state;
	policy_values_defaults(&v);
	assert_int_equal(policy_values_set_log(&v, "nflog:42", &e), 0);
	assert_true(v.log_nflog);
	assert_int_equal(v.log_group, 42);
	for (const struct embedded_file *f = embedded_policy; f->path; f++) {
		char *out;
		const char *p;

		assert_int_equal(policy_render_file(&v, f->path, &out, &e), 0);
		for (p = f->content; (p = strstr(p, "counter log prefix")); p++)
			logs++;
		for (p = out; (p = strstr(p, "counter log group 42 prefix")); p++)
			groups++;
		assert_null(strstr(out, "counter log prefix"));
		free(out);
	}
	assert_true(logs >= 20);
	assert_int_equal(groups, logs);

	assert_int_equal(policy_values_set_log(&v, "kernel", &e), 0);
	assert_false(v.log_nflog);
	assert_int_equal(policy_values_set_log(&v, "nflog:65536", &e), -1);
	assert_int_equal(policy_values_set_log(&v, "nflog:", &e), -1);
	assert_int_equal(policy_values_set_log(&v, "nflog:01", &e), -1);
	assert_int_equal(policy_values_set_log(&v, "nflog:1x", &e), -1);
	assert_int_equal(policy_values_set_log(&v, "syslog", &e), -1);
	assert_non_null(strstr(e.hint, "nflog:5"));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_covers_policy),
		cmocka_unit_test(test_catalogue_matches_doc),
		cmocka_unit_test(test_set_prefix),
		cmocka_unit_test(test_packet_ipv4),
		cmocka_unit_test(test_packet_ipv6),
		cmocka_unit_test(test_packet_garbage),
		cmocka_unit_test(test_format_json),
		cmocka_unit_test(test_format_logfmt_text),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_file_lines),
		cmocka_unit_test(test_file_follow),
		cmocka_unit_test(test_file_position),
		cmocka_unit_test(test_source_specs),
		cmocka_unit_test(test_report_counts),
		cmocka_unit_test(test_report_histogram_span),
		cmocka_unit_test(test_report_many_sources),
		cmocka_unit_test(test_render_log_line),
		cmocka_unit_test(test_render_policy_nflog),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
