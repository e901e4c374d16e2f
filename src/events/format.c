// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Event to one line of JSON, logfmt or text. Each writer appends to a
 * bounded buffer; the prefix is the only free text (an nft rule sets it), so
 * it is escaped for each format and the rest is known to be plain.
 */
#include "events/format.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= o->size)
		n = o->len + 1 < o->size ? o->size - o->len - 1 : 0;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

int event_format_parse(const char *name, enum event_format *f, struct xerr *e)
{
	if (!strcmp(name, "json"))
		*f = EVENT_FMT_JSON;
	else if (!strcmp(name, "logfmt"))
		*f = EVENT_FMT_LOGFMT;
	else if (!strcmp(name, "text"))
		*f = EVENT_FMT_TEXT;
	else {
		xerr_set(e, XNFT_EXIT_USAGE, "unknown format '%.64s'", name);
		return xerr_hint(e, "the formats are json (JSON lines), logfmt and text");
	}
	return 0;
}

void event_time_rfc3339(int64_t time_us, char *buf, size_t size)
{
	time_t secs = (time_t)(time_us / 1000000);
	long us = (long)(time_us % 1000000);
	struct tm tm;

	if (us < 0) {
		us += 1000000;
		secs--;
	}
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, size, "1970-01-01T00:00:00.000000Z");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

static const char *proto_text(const struct xevent *ev, char *num, size_t size)
{
	const char *name;

	if (!(ev->has & EVENT_HAS_PROTO))
		return "unknown";
	name = event_proto_name(ev->proto);
	if (name)
		return name;
	snprintf(num, size, "%u", ev->proto);
	return num;
}

/*
 * s in double quotes, '"' and '\\' escaped, and every byte outside printable
 * ASCII as \u00XX (JSON) or \xXX (logfmt): the prefix need not be UTF-8.
 */
static void put_quoted(struct out *o, const char *s, bool json)
{
	put(o, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };

			put(o, esc, 2);
		} else if (*p < 0x20 || *p >= 0x7f) {
			if (json)
				putf(o, "\\u%04x", *p);
			else
				putf(o, "\\x%02x", *p);
		} else {
			put(o, (const char *)p, 1);
		}
	}
	put(o, "\"", 1);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void json_key(struct out *o, const char *key)
{
	putf(o, "%s\"%s\":", o->len > 1 ? "," : "", key);
}

static void json_str(struct out *o, const char *key, const char *value)
{
	json_key(o, key);
	put_quoted(o, value, true);
}

static void json_num(struct out *o, const char *key, unsigned long long v)
{
	json_key(o, key);
	putf(o, "%llu", v);
}

static void json_true(struct out *o, const char *key)
{
	json_key(o, key);
	puts_(o, "true");
}

/* ------------------------------------------------------------------ */
/* logfmt                                                              */
/* ------------------------------------------------------------------ */

static bool logfmt_plain(const char *s)
{
	if (!*s)
		return true;   /* key= is an empty value */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p >= 0x7f)
			return false;
	}
	return true;
}

static void logfmt_str(struct out *o, const char *key, const char *value)
{
	putf(o, "%s%s=", o->len ? " " : "", key);
	if (logfmt_plain(value)) {
		puts_(o, value);
		return;
	}
	put_quoted(o, value, false);
}

static void logfmt_num(struct out *o, const char *key, unsigned long long v)
{
	putf(o, "%s%s=%llu", o->len ? " " : "", key, v);
}

/* ------------------------------------------------------------------ */
/* Both machine formats: the same keys in the same order               */
/* ------------------------------------------------------------------ */

struct kv_ops {
	void (*str)(struct out *o, const char *key, const char *value);
	void (*num)(struct out *o, const char *key, unsigned long long v);
	void (*flag)(struct out *o, const char *key);
};

static void logfmt_true(struct out *o, const char *key)
{
	putf(o, "%s%s=true", o->len ? " " : "", key);
}

static const struct kv_ops json_ops = { json_str, json_num, json_true };
static const struct kv_ops logfmt_ops = { logfmt_str, logfmt_num, logfmt_true };

static void machine_fields(struct out *o, const struct kv_ops *k, const struct xevent *ev)
{
	char t[40], a[64], num[8];

	event_time_rfc3339(ev->time_us, t, sizeof(t));
	k->str(o, "time", t);
	k->str(o, "category", ev->category);
	k->str(o, "prefix", ev->prefix);
	k->str(o, "hook", event_hook_name(ev->hook));
	k->str(o, "iface", event_iface(ev));
	k->str(o, "in", ev->in);
	k->str(o, "out", ev->out);
	k->str(o, "family", event_family_name(ev->family));
	k->str(o, "proto", proto_text(ev, num, sizeof(num)));
	event_addr_format(ev->family, ev->src, a, sizeof(a));
	k->str(o, "src", a);
	event_addr_format(ev->family, ev->dst, a, sizeof(a));
	k->str(o, "dst", a);
	if (ev->has & EVENT_HAS_PORTS) {
		k->num(o, "sport", ev->sport);
		k->num(o, "dport", ev->dport);
	}
	if (ev->has & EVENT_HAS_TCPFLAGS) {
		event_tcp_flags_format(ev->tcp_flags, a, sizeof(a));
		k->str(o, "tcp_flags", a);
	}
	if (ev->has & EVENT_HAS_ICMP) {
		k->num(o, "icmp_type", ev->icmp_type);
		k->num(o, "icmp_code", ev->icmp_code);
	}
	if (ev->has & EVENT_HAS_LEN)
		k->num(o, "len", ev->len);
	if (ev->has & EVENT_HAS_TTL)
		k->num(o, "ttl", ev->ttl);
	if (ev->flags & EVENT_F_FRAGMENT) {
		k->flag(o, "fragment");
		k->num(o, "frag_offset", ev->frag_off);
		if (ev->flags & EVENT_F_MORE_FRAGS)
			k->flag(o, "more_fragments");
	}
	if (ev->has & EVENT_HAS_MTU)
		k->num(o, "mtu", ev->mtu);
	if (ev->has & EVENT_HAS_MARK)
		k->num(o, "mark", ev->mark);
	if (ev->has & EVENT_HAS_UID) {
		k->num(o, "uid", ev->uid);
		k->num(o, "gid", ev->gid);
	}
	if (ev->has & EVENT_HAS_MAC) {
		snprintf(a, sizeof(a), "%02x:%02x:%02x:%02x:%02x:%02x", ev->mac_src[0],
			 ev->mac_src[1], ev->mac_src[2], ev->mac_src[3], ev->mac_src[4],
			 ev->mac_src[5]);
		k->str(o, "mac_src", a);
	}
	if (ev->flags & EVENT_F_INCOMPLETE)
		k->flag(o, "incomplete");
}

/* ------------------------------------------------------------------ */
/* Text                                                                */
/* ------------------------------------------------------------------ */

static void text_endpoint(struct out *o, const struct xevent *ev, const unsigned char *addr,
			  unsigned port)
{
	char a[64];

	event_addr_format(ev->family, addr, a, sizeof(a));
	if (!(ev->has & EVENT_HAS_PORTS))
		puts_(o, a);
	else if (ev->family == AF_INET6)
		putf(o, "[%s]:%u", a, port);
	else
		putf(o, "%s:%u", a, port);
}

/* Free text on one line: control and non-ASCII bytes become '?'. */
static void printable(char *dst, size_t size, const char *src)
{
	size_t n;

	for (n = 0; src[n] && n + 1 < size; n++) {
		unsigned char c = (unsigned char)src[n];

		dst[n] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	dst[n] = '\0';
}

static void text_line(struct out *o, const struct xevent *ev)
{
	time_t secs = (time_t)(ev->time_us / 1000000);
	struct tm tm;
	char num[8], flags[64], cat[EVENT_PREFIX_MAX], iface[EVENT_IFNAME_MAX];

	if (localtime_r(&secs, &tm))
		putf(o, "%04d-%02d-%02d %02d:%02d:%02d ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	/* The category and interface are free text: keep them on one line. */
	printable(cat, sizeof(cat), ev->category);
	printable(iface, sizeof(iface), event_iface(ev));
	putf(o, "%-14s ", cat[0] ? cat : "-");
	putf(o, "%-5s %-6s %-6s ", event_hook_name(ev->hook), iface[0] ? iface : "-",
	     proto_text(ev, num, sizeof(num)));
	text_endpoint(o, ev, ev->src, ev->sport);
	puts_(o, " -> ");
	text_endpoint(o, ev, ev->dst, ev->dport);
	if (ev->has & EVENT_HAS_TCPFLAGS) {
		event_tcp_flags_format(ev->tcp_flags, flags, sizeof(flags));
		putf(o, " %s", flags);
	}
	if (ev->has & EVENT_HAS_ICMP)
		putf(o, " type %u code %u", ev->icmp_type, ev->icmp_code);
	if (ev->flags & EVENT_F_FRAGMENT)
		putf(o, " frag %u%s", ev->frag_off, ev->flags & EVENT_F_MORE_FRAGS ? "+" : "");
	if (ev->has & EVENT_HAS_LEN)
		putf(o, " len %u", ev->len);
	if (ev->has & EVENT_HAS_TTL)
		putf(o, " ttl %u", ev->ttl);
	if (ev->flags & EVENT_F_INCOMPLETE)
		puts_(o, " (incomplete)");
}

size_t event_format(const struct xevent *ev, enum event_format f, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (size < 2) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	buf[0] = '\0';
	switch (f) {
	case EVENT_FMT_JSON:
		put(&o, "{", 1);
		machine_fields(&o, &json_ops, ev);
		put(&o, "}", 1);
		break;
	case EVENT_FMT_LOGFMT:
		machine_fields(&o, &logfmt_ops, ev);
		break;
	case EVENT_FMT_TEXT:
		text_line(&o, ev);
		break;
	}
	/* The line always ends in a newline, even cut short. */
	if (o.len + 1 >= o.size)
		o.len = o.size >= 2 ? o.size - 2 : 0;
	buf[o.len++] = '\n';
	buf[o.len] = '\0';
	return o.len;
}
