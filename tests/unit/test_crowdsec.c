// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CrowdSec bouncer's pure parts: src/crowdsec/lapi.c's stream and
 * duration parsers, [crowdsec] in xnft.conf, and the cap on an answer's size
 * (core/curlapi.c's sink, which the LAPI client and xnft monitor share).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/curlapi.h"
#include "daemon/config.h"
#include "crowdsec/lapi.h"

struct got {
	struct cs_decision d[16];
	size_t n;
};

static void keep(void *ctx, const struct cs_decision *d)
{
	struct got *g = ctx;

	assert_true(g->n < 16);
	g->d[g->n++] = *d;
}

static int parse(const char *text, struct got *g, struct cs_counts *c)
{
	struct xerr e;

	memset(g, 0, sizeof(*g));
	memset(c, 0, sizeof(*c));
	return cs_parse_stream(text, strlen(text), 64, keep, g, c, &e);
}

static void test_duration(void **state)
{
	uint64_t ms = 1;

	(void)state;
	assert_int_equal(cs_parse_duration("3h59m58.5s", &ms), 0);
	assert_int_equal(ms, 14398500);
	assert_int_equal(cs_parse_duration("1m30s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(cs_parse_duration("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(cs_parse_duration("1h0m0.000001234s", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(cs_parse_duration("-2.5s", &ms), 0);
	assert_int_equal(ms, 0);
	/* capped, not overflowed */
	assert_int_equal(cs_parse_duration("99999999999h", &ms), 0);
	assert_int_equal(ms, CONFIG_BANTIME_MAX_MS);
	assert_int_equal(cs_parse_duration("", &ms), -1);
	assert_int_equal(cs_parse_duration("5", &ms), -1);
	assert_int_equal(cs_parse_duration("5x", &ms), -1);
	assert_int_equal(cs_parse_duration("h", &ms), -1);
	assert_int_equal(cs_parse_duration("1h-5m", &ms), -1);
}

static void test_stream(void **state)
{
	struct got g;
	struct cs_counts c;

	(void)state;
	assert_int_equal(parse("{\"new\": ["
		"{\"type\":\"ban\",\"scope\":\"Ip\",\"value\":\"203.0.113.7\",\"duration\":\"1h\","
		" \"origin\":\"cscli\",\"scenario\":\"manual 'x' ban\"},"
		"{\"type\":\"ban\",\"scope\":\"ip\",\"value\":\"2001:db8:1:2::9\",\"duration\":\"2m\","
		" \"origin\":\"crowdsec\",\"scenario\":\"crowdsecurity/ssh-bf\"},"
		"{\"type\":\"captcha\",\"scope\":\"Ip\",\"value\":\"203.0.113.8\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Range\",\"value\":\"198.51.100.0/24\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Country\",\"value\":\"XX\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Ip\",\"value\":\"203.0.113.0/24\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Ip\",\"value\":\"203.0.113.9\",\"duration\":\"soon\"},"
		"{\"type\":\"ban\",\"scope\":\"Ip\",\"value\":42,\"duration\":\"1h\"},"
		"17],"
		"\"deleted\": [{\"type\":\"ban\",\"scope\":\"Ip\",\"value\":\"192.0.2.1\","
		" \"duration\":\"-5s\",\"origin\":\"lists\",\"scenario\":\"firehol\"}]}", &g, &c), 0);
	assert_int_equal(g.n, 4);
	/* deletions come first */
	assert_true(g.d[0].deleted);
	assert_string_equal(g.d[0].rule, "crowdsec:lists:firehol");
	assert_false(g.d[1].deleted);
	assert_int_equal(g.d[1].key.family, AF_INET);
	assert_int_equal(g.d[1].duration_ms, 3600000);
	/* a scenario's words stay; only control characters, '"' and '\\' are replaced */
	assert_string_equal(g.d[1].rule, "crowdsec:cscli:manual 'x' ban");
	assert_int_equal(g.d[2].key.family, AF_INET6);
	assert_int_equal(g.d[2].key.plen, 64);
	assert_int_equal(g.d[2].duration_ms, 120000);
	/* a Range keeps its width */
	assert_int_equal(g.d[3].key.family, AF_INET);
	assert_int_equal(g.d[3].key.plen, 24);
	assert_int_equal(c.other_type, 1);
	assert_int_equal(c.other_scope, 1);
	assert_int_equal(c.malformed, 4);
}

static void test_stream_ranges(void **state)
{
	static const uint8_t net6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };
	struct got g;
	struct cs_counts c;
	char shown[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(parse("{\"new\": ["
		"{\"type\":\"ban\",\"scope\":\"Range\",\"value\":\"198.51.100.77/24\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"range\",\"value\":\"2001:db8:1::/48\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Range\",\"value\":\"2001:db8:2::5\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Range\",\"value\":\"0.0.0.0/0\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Range\",\"value\":\"10.0.0.0/33\",\"duration\":\"1h\"},"
		"{\"type\":\"ban\",\"scope\":\"Range\",\"value\":\"nets\",\"duration\":\"1h\"}"
		"]}", &g, &c), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(c.malformed, 2);
	/* host bits are cleared; the width is the decision's */
	ban_key_format(&g.d[0].key, shown, sizeof(shown));
	assert_string_equal(shown, "198.51.100.0/24");
	assert_int_equal(g.d[1].key.plen, 48);
	assert_memory_equal(g.d[1].key.addr, net6, 16);
	/* a bare IPv6 address is banned with its /64, as an Ip decision is */
	assert_int_equal(g.d[2].key.plen, 64);
	/* a /0 parses: refusing it is the whitelist's job (it holds loopback) */
	assert_int_equal(g.d[3].key.plen, 0);
}

static void test_stream_empty_and_bad(void **state)
{
	struct got g;
	struct cs_counts c;

	(void)state;
	/* the LAPI writes null for an empty list */
	assert_int_equal(parse("{\"new\":null,\"deleted\":null}", &g, &c), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(parse("{}", &g, &c), 0);
	assert_int_equal(parse("", &g, &c), -1);
	assert_int_equal(parse("[]", &g, &c), -1);
	assert_int_equal(parse("{\"new\":{}}", &g, &c), -1);
	assert_int_equal(parse("{\"new\":[], \"new\":[]}", &g, &c), -1);
	assert_int_equal(parse("{\"new\": [ {\"value\": ", &g, &c), -1);
}

static void test_rule_is_bounded_and_clean(void **state)
{
	char text[4096];
	struct got g;
	struct cs_counts c;

	(void)state;
	snprintf(text, sizeof(text), "{\"new\":[{\"type\":\"ban\",\"scope\":\"Ip\",\"value\":"
		 "\"198.51.100.1\",\"duration\":\"1h\",\"origin\":\"a\\nb\\\"c\",\"scenario\":"
		 "\"%0300d\"}]}", 0);
	assert_int_equal(parse(text, &g, &c), 0);
	assert_int_equal(g.n, 1);
	assert_true(strlen(g.d[0].rule) < BAN_RULE_NAME_MAX);
	assert_null(strpbrk(g.d[0].rule, "\n\"\\"));
}

static struct xnft_config *conf(const char *text, struct xerr *e)
{
	struct xnft_config *c = NULL;

	xerr_clear(e);
	config_parse("t.conf", text, &c, e);
	return c;
}

static void test_config(void **state)
{
	struct xnft_config *c;
	struct xerr e;

	(void)state;
	c = conf("[crowdsec]\nurl = https://lapi.example:8080/\napi_key_file = /etc/xnft/cs.key\n"
		 "poll = 5s\ntimeout = 2s\nfull_timeout = 5m\nmax_response_mb = 8\n"
		 "ca_cert = /etc/ssl/ca.pem\n"
		 "cert = /etc/xnft/c.pem\nkey = /etc/xnft/c.key\n"
		 "machine_credentials = /etc/xnft/cs-machine.yaml\n", &e);
	assert_non_null(c);
	assert_string_equal(c->cs_url, "https://lapi.example:8080");
	assert_string_equal(c->cs_key_file, "/etc/xnft/cs.key");
	assert_string_equal(c->cs_machine_file, "/etc/xnft/cs-machine.yaml");
	assert_int_equal(c->cs_poll_ms, 5000);
	assert_int_equal(c->cs_timeout_ms, 2000);
	assert_int_equal(c->cs_full_timeout_ms, 300000);
	assert_int_equal(c->cs_max_bytes, 8u << 20);
	config_free(c);

	c = conf("", &e);
	assert_non_null(c);
	assert_string_equal(c->cs_url, "");
	assert_int_equal(c->cs_poll_ms, 10000);
	assert_int_equal(c->cs_full_timeout_ms, 120000);
	config_free(c);

	assert_null(conf("[crowdsec]\nurl = ftp://x\n", &e));
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "[crowdsec] url"));
	assert_null(conf("[crowdsec]\n# the LAPI\nurl = http://x\n", &e));
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "api_key_file is not"));
	assert_non_null(strstr(e.hint, "cscli bouncers add"));
	assert_null(conf("[crowdsec]\napi_key_file = key\n", &e));
	assert_non_null(strstr(e.msg, "absolute path"));
	assert_null(conf("[crowdsec]\nurl = http://x\napi_key_file = /k\ncert = /c\n", &e));
	assert_non_null(strstr(e.msg, "cert and key"));
	assert_null(conf("[crowdsec]\nmax_response_mb = 0\n", &e));
	assert_null(conf("[crowdsec]\npoll = 1ms\n", &e));
	assert_null(conf("[crowdsec]\nlapi = http://x\n", &e));
	assert_non_null(strstr(e.msg, "unknown key 'lapi'"));
}

/* An answer of exactly max bytes is kept; one byte more is refused ("a larger answer"). */
static void test_answer_cap(void **state)
{
	char chunk[100];
	struct curl_body b = { .max = 250 };

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	assert_int_equal(curlapi_body_cb(chunk, 1, 100, &b), 100);
	assert_int_equal(curlapi_body_cb(chunk, 2, 50, &b), 100);
	assert_int_equal(curlapi_body_cb(chunk, 1, 50, &b), 50);
	assert_int_equal(b.len, 250);
	assert_int_equal(strlen(b.data), 250);
	assert_false(b.too_big);
	assert_int_equal(curlapi_body_cb(chunk, 1, 1, &b), 0);
	assert_true(b.too_big);
	assert_int_equal(b.len, 250);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_ranges),
		cmocka_unit_test(test_stream_empty_and_bad),
		cmocka_unit_test(test_rule_is_bounded_and_clean),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_answer_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
