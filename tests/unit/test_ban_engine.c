// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ban engine: src/ban/engine.c. Thresholds in sliding windows, escalation
 * from history, whitelist (incl. IPv6 /64 overlap), LRU eviction under the
 * cap, reload keeping windows, manual bans, expiry.
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
#include <sys/socket.h>

#include "ban/engine.h"

#define T0 1700000000000ull   /* a realistic wall clock, ms */

static struct xnft_config *cfg_of(const char *text)
{
	struct xnft_config *c = NULL;
	struct xerr e;

	if (config_parse("t.conf", text, &c, &e) < 0)
		fail_msg("config: %d: %s", e.line, e.msg);
	return c;
}

static const char base_cfg[] =
	"[daemon]\nmax_offenders = 100\n"
	"[escalation]\nfactor = 2\nmax = 1d\nforget = 7d\n"
	"[ban.scan]\ncategories = TCPFL-*\nthreshold = 3\nwindow = 10s\nbantime = 1h\n"
	"[ban.ssh]\ncategories = DROP\nports = 22\nprotocols = tcp\nthreshold = 2\nwindow = 5s\n"
	"bantime = 10m\n";

struct fixture {
	struct xnft_config *cfg;
	struct ban_engine *eng;
	struct ban_history hist;   /* what the fake store says for every key */
	int history_calls;
};

static int fake_history(void *ctx, const struct ban_key *key, struct ban_history *h)
{
	struct fixture *f = ctx;

	(void)key;
	f->history_calls++;
	*h = f->hist;
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct xerr e;

	f->cfg = cfg_of(base_cfg);
	f->eng = ban_engine_new(f->cfg, &e);
	assert_non_null(f->eng);
	ban_engine_set_history(f->eng, fake_history, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ban_engine_free(f->eng);
	config_free(f->cfg);
	free(f);
	return 0;
}

static struct ban_event ev4(const char *src, const char *cat, uint64_t t, uint16_t dport)
{
	struct ban_event ev = { .t_ms = t, .category = cat, .family = AF_INET, .proto = 6,
				.dport = dport };

	assert_int_equal(inet_pton(AF_INET, src, ev.src), 1);
	return ev;
}

static struct ban_event ev6(const char *src, const char *cat, uint64_t t)
{
	struct ban_event ev = { .t_ms = t, .category = cat, .family = AF_INET6, .proto = 6,
				.dport = 443 };

	assert_int_equal(inet_pton(AF_INET6, src, ev.src), 1);
	return ev;
}

static int feed(struct fixture *f, struct ban_event ev, struct ban_decision *d)
{
	return ban_engine_event(f->eng, &ev, d);
}

static void test_threshold_in_window(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	char buf[PREFIX_STRLEN];

	assert_int_equal(feed(f, ev4("198.51.100.7", "TCPFL-NULL", T0, 80), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.7", "XNFT-TCPFL-XMAS", T0 + 1000, 81), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.7", "TCPFL-FIN", T0 + 2000, 82), &d), 1);
	ban_key_format(&d.ban.key, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.7");
	assert_string_equal(d.ban.rule, "scan");
	assert_int_equal(d.ban.offence, 1);
	assert_int_equal(d.ban.bantime_ms, 3600000);
	assert_int_equal(d.ban.until_ms, T0 + 2000 + 3600000);
	assert_false(d.extended);
	assert_non_null(ban_engine_find(f->eng, &d.ban.key));
}

static void test_window_slides(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;

	/* three events, but never three within 10 s */
	assert_int_equal(feed(f, ev4("198.51.100.8", "TCPFL-NULL", T0, 1), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.8", "TCPFL-NULL", T0 + 6000, 1), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.8", "TCPFL-NULL", T0 + 10000, 1), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.8", "TCPFL-NULL", T0 + 16500, 1), &d), 0);
	/* now 10000, 16500 and 17000 are within 10 s */
	assert_int_equal(feed(f, ev4("198.51.100.8", "TCPFL-NULL", T0 + 17000, 1), &d), 1);
}

static void test_other_categories_and_ports_ignored(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_stats st;

	for (int i = 0; i < 50; i++) {
		assert_int_equal(feed(f, ev4("198.51.100.9", "SYNFLOOD", T0 + (uint64_t)i, 1), &d), 0);
		assert_int_equal(feed(f, ev4("198.51.100.9", "DROP", T0 + (uint64_t)i, 23), &d), 0);
	}
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.offenders, 0);
	assert_int_equal(st.matched, 0);
	assert_int_equal(st.events, 100);
	/* DROP to port 22 over TCP: two in 5 s */
	assert_int_equal(feed(f, ev4("198.51.100.9", "DROP", T0 + 100, 22), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.9", "DROP", T0 + 200, 22), &d), 1);
	assert_string_equal(d.ban.rule, "ssh");
	assert_int_equal(d.ban.bantime_ms, 600000);
}

static void test_escalation(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;

	f->hist = (struct ban_history){ .offences = 1, .last_ban_ms = T0 - 3600000,
					.last_bantime_ms = 3600000 };
	for (int i = 0; i < 3; i++)
		feed(f, ev4("198.51.100.10", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	assert_int_equal(d.ban.offence, 2);
	assert_int_equal(d.ban.bantime_ms, 2 * 3600000);
	/* fourth offence: 8h; sixth would be 32h, capped at 1d */
	f->hist.offences = 3;
	for (int i = 0; i < 3; i++)
		feed(f, ev4("198.51.100.11", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	assert_int_equal(d.ban.offence, 4);
	assert_int_equal(d.ban.bantime_ms, 8 * 3600000);
	f->hist.offences = 5;
	for (int i = 0; i < 3; i++)
		feed(f, ev4("198.51.100.12", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	assert_int_equal(d.ban.bantime_ms, 86400000);
	/* history older than forget (7d) no longer counts */
	f->hist = (struct ban_history){ .offences = 4, .last_ban_ms = T0 - 8 * 86400000ull };
	for (int i = 0; i < 3; i++)
		feed(f, ev4("198.51.100.13", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	assert_int_equal(d.ban.offence, 1);
	assert_int_equal(d.ban.bantime_ms, 3600000);
}

static void test_escalate_math(void **state)
{
	struct xnft_config *c = cfg_of("[escalation]\nenabled = no\n");

	(void)state;
	assert_int_equal(ban_escalate(c, 1000, 5), 1000);
	c->esc_enabled = true;
	c->esc_factor = 3;
	c->esc_max_ms = 0;
	assert_int_equal(ban_escalate(c, 1000, 1), 1000);
	assert_int_equal(ban_escalate(c, 1000, 3), 9000);
	assert_int_equal(ban_escalate(c, 1000, 100000), CONFIG_BANTIME_MAX_MS);
	c->esc_max_ms = 500;   /* a cap below the base never shortens the base */
	assert_int_equal(ban_escalate(c, 1000, 2), 1000);
	config_free(c);
}

static void test_extension_renews(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	uint64_t until;

	for (int i = 0; i < 3; i++)
		feed(f, ev4("198.51.100.14", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	until = d.ban.until_ms;
	/* events still arriving (a lagging log) a minute later: the ban is extended */
	for (int i = 0; i < 2; i++)
		assert_int_equal(feed(f, ev4("198.51.100.14", "TCPFL-NULL", T0 + 60000 + (uint64_t)i,
					     1), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.14", "TCPFL-NULL", T0 + 60002, 1), &d), 1);
	assert_true(d.extended);
	assert_int_equal(d.ban.offence, 1);
	assert_int_equal(d.ban.until_ms, T0 + 60002 + 3600000);
	assert_true(d.ban.until_ms > until);
	/* the end before, for the watcher to weigh the extension */
	assert_int_equal(d.prev_until_ms, until);
}

static void test_whitelist(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_stats st;
	struct prefix p[2];
	struct xerr e;

	assert_int_equal(prefix_parse(&p[0], "10.10.0.0/24", &e), 0);
	assert_int_equal(prefix_parse(&p[1], "2001:db8:1:2::5", &e), 0);
	assert_int_equal(ban_engine_set_whitelist(f->eng, p, 2, &e), 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(feed(f, ev4("10.10.0.7", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d), 0);
		assert_int_equal(feed(f, ev4("127.0.0.1", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d), 0);
		assert_int_equal(feed(f, ev4("127.9.9.9", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d), 0);
		assert_int_equal(feed(f, ev6("::1", "TCPFL-NULL", T0 + (uint64_t)i), &d), 0);
		assert_int_equal(feed(f, ev6("2001:db8:1:2::5", "TCPFL-NULL", T0 + (uint64_t)i), &d), 0);
	}
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.whitelisted, 5000);
	assert_int_equal(st.offenders, 0);
	assert_int_equal(st.bans, 0);
	/* another address of the same /64: counted, but the /64 holds a whitelisted address */
	for (int i = 0; i < 3; i++)
		assert_int_equal(feed(f, ev6("2001:db8:1:2::6", "TCPFL-NULL", T0 + (uint64_t)i), &d), 0);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.whitelist_overlap, 1);
	assert_int_equal(st.active, 0);
	/* next door to the whitelist: banned */
	for (int i = 0; i < 3; i++)
		feed(f, ev4("10.10.1.7", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.active, 1);
	assert_true(ban_engine_whitelisted(f->eng, AF_INET, (const uint8_t[4]){ 10, 10, 0, 255 }));
	assert_false(ban_engine_whitelisted(f->eng, AF_INET, (const uint8_t[4]){ 10, 10, 1, 0 }));
}

static void test_whitelist_ranges(void **state)
{
	struct fixture *f = *state;
	uint8_t lo[4] = { 192, 0, 2, 10 }, hi[4] = { 192, 0, 2, 20 };
	struct xerr e;

	assert_int_equal(ban_engine_whitelist_add_range(f->eng, AF_INET, lo, hi, &e), 0);
	assert_true(ban_engine_whitelisted(f->eng, AF_INET, (const uint8_t[4]){ 192, 0, 2, 15 }));
	assert_false(ban_engine_whitelisted(f->eng, AF_INET, (const uint8_t[4]){ 192, 0, 2, 21 }));
	assert_int_equal(ban_engine_whitelist_size(f->eng), 3);
}

static void test_ipv6_per_64(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	char buf[PREFIX_STRLEN];

	/* three addresses of one /64 count as one source */
	assert_int_equal(feed(f, ev6("2001:db8:aa:bb::1", "TCPFL-NULL", T0), &d), 0);
	assert_int_equal(feed(f, ev6("2001:db8:aa:bb:ffff::2", "TCPFL-NULL", T0 + 1), &d), 0);
	assert_int_equal(feed(f, ev6("2001:db8:aa:bb:1:2:3:4", "TCPFL-NULL", T0 + 2), &d), 1);
	ban_key_format(&d.ban.key, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:aa:bb::/64");
	assert_int_equal(d.ban.key.plen, 64);
	/* the next /64 is a different source */
	assert_int_equal(feed(f, ev6("2001:db8:aa:bc::1", "TCPFL-NULL", T0 + 3), &d), 0);
}

static void test_lru_eviction(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_stats st;
	char a[32];

	/* 1.0.0.0 gets two events, then 200 others push it out (cap 100) */
	feed(f, ev4("1.0.0.0", "TCPFL-NULL", T0, 1), &d);
	feed(f, ev4("1.0.0.0", "TCPFL-NULL", T0 + 1, 1), &d);
	for (int i = 1; i <= 200; i++) {
		snprintf(a, sizeof(a), "1.0.%d.%d", i / 256, i % 256);
		feed(f, ev4(a, "TCPFL-NULL", T0 + 2, 1), &d);
		/* 1.0.0.5 keeps being seen: it must survive */
		if (i > 5)
			feed(f, ev4("1.0.0.5", "TCPFL-NULL", T0 + 2, 1), &d);
	}
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.offenders, 100);
	assert_true(st.evictions >= 100);
	/* 1.0.0.5 was banned (kept seen), 1.0.0.0 forgotten: one more event does not ban it */
	assert_int_equal(feed(f, ev4("1.0.0.0", "TCPFL-NULL", T0 + 3, 1), &d), 0);
	{
		struct ban_key k;

		ban_key_parse("1.0.0.5", 64, &k, NULL);
		assert_non_null(ban_engine_find(f->eng, &k));
	}
}

static void test_bans_survive_eviction(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_stats st;
	char a[32];

	for (int i = 0; i < 3; i++)
		feed(f, ev4("203.0.113.1", "TCPFL-NULL", T0 + (uint64_t)i, 1), &d);
	for (int i = 0; i < 500; i++) {
		snprintf(a, sizeof(a), "2.0.%d.%d", i / 256, i % 256);
		feed(f, ev4(a, "TCPFL-NULL", T0 + 10, 1), &d);
	}
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.offenders, 100);
}

static void test_manual_and_expiry(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_key k;
	struct ban_stats st;
	struct xerr e;
	struct prefix p;

	assert_int_equal(ban_key_parse("2001:db8:5::99", 64, &k, &e), 0);
	assert_int_equal(ban_engine_ban(f->eng, &k, 5000, T0, &d, &e), 0);
	assert_int_equal(d.ban.until_ms, T0 + 5000);
	assert_string_equal(d.ban.rule, "manual");
	/* again: extends, same key */
	assert_int_equal(ban_engine_ban(f->eng, &k, 9000, T0 + 1000, &d, &e), 0);
	assert_true(d.extended);
	assert_int_equal(d.ban.until_ms, T0 + 10000);
	/* default length: first rule's, escalated */
	assert_int_equal(ban_key_parse("192.0.2.99", 64, &k, &e), 0);
	assert_int_equal(ban_engine_ban(f->eng, &k, 0, T0, &d, &e), 0);
	assert_int_equal(d.ban.bantime_ms, 3600000);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.active, 2);
	assert_int_equal(ban_engine_expire(f->eng, T0 + 10000), 1);
	assert_int_equal(ban_engine_unban(f->eng, &k), 1);
	assert_int_equal(ban_engine_unban(f->eng, &k), 0);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.active, 0);
	/* whitelisted: refused with a reason */
	assert_int_equal(prefix_parse(&p, "192.0.2.0/24", &e), 0);
	ban_engine_set_whitelist(f->eng, &p, 1, &e);
	assert_int_equal(ban_engine_ban(f->eng, &k, 0, T0, &d, &e), -1);
	assert_non_null(strstr(e.msg, "whitelisted"));
	ban_key_parse("127.0.0.1", 64, &k, &e);
	assert_int_equal(ban_engine_ban(f->eng, &k, 0, T0, &d, &e), -1);
	/* bad keys */
	assert_int_equal(ban_key_parse("10.0.0.0/8", 64, &k, &e), -1);
	assert_int_equal(ban_key_parse("2001:db8::/48", 64, &k, &e), -1);
	assert_int_equal(ban_key_parse("2001:db8::/64", 64, &k, &e), 0);
	assert_int_equal(ban_key_parse("nonsense", 64, &k, &e), -1);
}

static void test_unbannable_addresses(void **state)
{
	struct fixture *f = *state;
	static const char *const refused[] = {
		"0.0.0.0", "255.255.255.255", "224.0.0.1", "239.255.255.250", "::", "ff02::1",
	};
	struct ban_decision d;
	struct ban_key k;
	struct ban_stats st;
	struct xerr e;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(ban_key_parse(refused[i], 64, &k, &e), 0);
		assert_true(ban_engine_key_exempt(f->eng, &k));
		assert_int_equal(ban_engine_ban(f->eng, &k, 0, T0, &d, &e), -1);
		assert_true(strstr(e.msg, "unspecified") || strstr(e.msg, "broadcast") ||
			    strstr(e.msg, "multicast"));
	}
	assert_int_equal(ban_key_parse("223.255.255.255", 64, &k, &e), 0);
	assert_false(ban_engine_key_exempt(f->eng, &k));
	/* a forged line naming one counts as whitelisted and bans nothing */
	for (int i = 0; i < 5; i++)
		assert_int_equal(feed(f, ev4("255.255.255.255", "TCPFL-NULL", T0 + i, 1), &d), 0);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.whitelisted, 5);
	assert_int_equal(st.active, 0);
}

static int lifted_count;

static void count_lifted(void *ctx, const struct ban_active *b)
{
	char buf[PREFIX_STRLEN];

	ban_key_format(&b->key, buf, sizeof(buf));
	assert_string_equal(buf, (const char *)ctx);
	lifted_count++;
}

static void test_lift_whitelisted_later(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_key k;
	struct ban_stats st;
	struct xerr e;
	struct prefix p;

	assert_int_equal(ban_key_parse("192.0.2.7", 64, &k, &e), 0);
	assert_int_equal(ban_engine_ban(f->eng, &k, 0, T0, &d, &e), 0);
	assert_int_equal(ban_key_parse("198.51.100.9", 64, &k, &e), 0);
	assert_int_equal(ban_engine_ban(f->eng, &k, 0, T0, &d, &e), 0);
	lifted_count = 0;
	assert_int_equal(ban_engine_lift_exempt(f->eng, count_lifted, "192.0.2.7"), 0);
	/* 192.0.2.7 becomes whitelisted: its ban goes, the other stays */
	assert_int_equal(prefix_parse(&p, "192.0.2.0/28", &e), 0);
	assert_int_equal(ban_engine_set_whitelist(f->eng, &p, 1, &e), 0);
	assert_int_equal(ban_engine_lift_exempt(f->eng, count_lifted, "192.0.2.7"), 1);
	assert_int_equal(lifted_count, 1);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.active, 1);
	assert_non_null(ban_engine_find(f->eng, &k));
}

static void test_reconfigure_keeps_windows(void **state)
{
	struct fixture *f = *state;
	struct xnft_config *c2;
	struct ban_decision d;
	struct ban_stats st;
	struct xerr e;

	feed(f, ev4("198.51.100.50", "TCPFL-NULL", T0, 1), &d);
	feed(f, ev4("198.51.100.50", "TCPFL-NULL", T0 + 1, 1), &d);
	feed(f, ev4("198.51.100.51", "DROP", T0, 22), &d);
	/* same "scan" rule (now second), "ssh" gone, cap down to 20 */
	c2 = cfg_of("[daemon]\nmax_offenders = 20\n"
		    "[ban.new]\ncategories = ICMP4-DROP\nthreshold = 1\nwindow = 1s\nbantime = 1s\n"
		    "[ban.scan]\ncategories = TCPFL-*\nthreshold = 3\nwindow = 10s\nbantime = 1h\n");
	assert_int_equal(ban_engine_reconfigure(f->eng, c2, &e), 0);
	config_free(f->cfg);
	f->cfg = c2;
	assert_int_equal(feed(f, ev4("198.51.100.50", "TCPFL-NULL", T0 + 2, 1), &d), 1);
	assert_string_equal(d.ban.rule, "scan");
	assert_int_equal(feed(f, ev4("198.51.100.51", "DROP", T0 + 1, 22), &d), 0);
	assert_int_equal(feed(f, ev4("198.51.100.52", "ICMP4-DROP", T0 + 1, 0), &d), 1);
	ban_engine_stats(f->eng, &st);
	assert_int_equal(st.active, 2);
}

static void test_garbage_events(void **state)
{
	struct fixture *f = *state;
	struct ban_decision d;
	struct ban_event ev = { .t_ms = 0, .category = NULL, .family = 99 };

	assert_int_equal(ban_engine_event(f->eng, &ev, &d), 0);
	ev.family = AF_INET;
	assert_int_equal(ban_engine_event(f->eng, &ev, &d), 0);
	ev.category = "";
	assert_int_equal(ban_engine_event(f->eng, &ev, &d), 0);
	ev.category = "TCPFL-NULL-with-a-very-long-tail-that-goes-on-and-on-and-on-and-on-and-on-"
		      "and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on";
	assert_int_equal(ban_engine_event(f->eng, &ev, &d), 0);
}

static void test_many_offenders_memory(void **state)
{
	struct xnft_config *c = cfg_of("[daemon]\nmax_offenders = 200000\n"
				       "[ban.scan]\ncategories = DROP\nthreshold = 5\nwindow = 1m\n"
				       "bantime = 1h\n");
	struct ban_engine *eng;
	struct ban_decision d;
	struct ban_stats st;
	struct xerr e;

	(void)state;
	eng = ban_engine_new(c, &e);
	for (uint32_t i = 0; i < 250000; i++) {
		struct ban_event ev = { .t_ms = T0 + i, .category = "DROP", .family = AF_INET };
		uint32_t a = htonl(0x0b000000u + i);

		memcpy(ev.src, &a, 4);
		assert_int_equal(ban_engine_event(eng, &ev, &d), 0);
	}
	ban_engine_stats(eng, &st);
	assert_int_equal(st.offenders, 200000);
	assert_int_equal(st.evictions, 50000);
	/* about 80 bytes per tracked source */
	assert_true(st.memory / st.offenders < 128);
	ban_engine_free(eng);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threshold_in_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_slides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_categories_and_ports_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation, setup, teardown),
		cmocka_unit_test(test_escalate_math),
		cmocka_unit_test_setup_teardown(test_extension_renews, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitelist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitelist_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_per_64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bans_survive_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbannable_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lift_whitelisted_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_keeps_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_events, setup, teardown),
		cmocka_unit_test(test_many_offenders_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
