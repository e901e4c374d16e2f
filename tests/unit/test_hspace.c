// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The header space (src/analyze/hspace.c): field layout, value and interval
 * encodings counted exactly, interface classes with wildcards, the
 * universe's conntrack rules, and the way back from a BDD to a packet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/hspace.h"
#include "core/policy_load.h"

typedef unsigned __int128 u128;

static struct hspace *new_hs(const char *json)
{
	struct ruleset *rs = NULL;
	struct hspace *hs = NULL;
	const struct ruleset *v[1];
	struct xerr e;

	xerr_clear(&e);
	if (json) {
		assert_int_equal(policy_load_json(json, strlen(json), NULL, &rs, &e), 0);
		v[0] = rs;
	}
	assert_int_equal(hs_new(v, json ? 1 : 0, &hs, &e), 0);
	ruleset_free(rs);
	return hs;
}

/* How many values of field f a BDD over that field alone holds. */
static double count_field(struct hspace *hs, BDD b, enum hs_field f)
{
	BDD set = hs_field_set(hs, f);
	double n = bdd_satcountset(b, set);

	bdd_delref(set);
	return n;
}

static void test_layout(void **state)
{
	struct hspace *hs = new_hs(NULL);
	int next = 0;

	(void)state;
	/* the blocks tile the field variables, each field once, in some order */
	for (int placed = 0; placed < HS__NFIELDS; placed++) {
		int at = -1;

		for (int f = 0; f < HS__NFIELDS; f++)
			if (hs->field[f].first == next && hs->field[f].bits > 0)
				at = f;
		assert_true(at >= 0);
		next += hs->field[at].bits;
	}
	assert_int_equal(hs->nfieldvars, next);
	/* the source lies below every other field (a large set is then one shared block) */
	for (int f = 0; f < HS__NFIELDS; f++)
		if (f != HS_SADDR)
			assert_true(hs->field[f].first < hs->field[HS_SADDR].first);
	assert_int_equal(hs->field[HS_SADDR].bits, 128);
	assert_int_equal(hs->field[HS_DPORT].bits, 16);
	assert_int_equal(hs->field[HS_CTSTATE].bits, 3);
	assert_int_equal(hs->field[HS_NFPROTO].bits, 1);
	/* no rules: "lo" and "any other interface" */
	assert_int_equal(hs->nifs, 2);
	assert_string_equal(hs->ifs[1].name, "lo");
	hs_free(hs);
}

static void test_values_and_ranges(void **state)
{
	struct hspace *hs = new_hs(NULL);
	BDD b;

	(void)state;
	b = hs_eq(hs, HS_DPORT, 22);
	assert_true(count_field(hs, b, HS_DPORT) == 1.0);
	bdd_delref(b);
	b = hs_range(hs, HS_DPORT, 1000, 1999);
	assert_true(count_field(hs, b, HS_DPORT) == 1000.0);
	bdd_delref(b);
	b = hs_range(hs, HS_DPORT, 0, 65535);
	assert_int_equal(b, bddtrue);
	b = hs_range(hs, HS_DPORT, 5, 4);
	assert_int_equal(b, bddfalse);
	b = hs_masked_eq(hs, HS_TCPFLAGS, 0x12, 0x02);   /* syn without ack */
	assert_true(count_field(hs, b, HS_TCPFLAGS) == 64.0);
	bdd_delref(b);
	b = hs_masked_eq(hs, HS_TCPFLAGS, 0x02, 0x12);   /* value outside the mask */
	assert_int_equal(b, bddfalse);
	hs_free(hs);
}

static void test_intervals(void **state)
{
	struct hspace *hs = new_hs(NULL);
	struct hs_interval v[] = {
		{ 10, 20 }, { 15, 30 }, { 31, 31 }, { 100, 100 }, { 65535, 65535 }, { 0, 0 },
	};
	struct hs_interval *big;
	BDD b;

	(void)state;
	b = hs_intervals(hs, HS_DPORT, v, 6);
	/* 10..31 merged (22), 100, 65535, 0 */
	assert_true(count_field(hs, b, HS_DPORT) == 25.0);
	bdd_delref(b);
	/* a large interval set: 20,000 disjoint ranges of 2 addresses each */
	big = calloc(20000, sizeof(*big));
	assert_non_null(big);
	for (size_t i = 0; i < 20000; i++) {
		u128 base = ((u128)(0x0a000000u + (uint32_t)i * 4)) << 96;

		big[i].lo = base;
		big[i].hi = base + ((u128)1 << 96);   /* two IPv4 addresses, any low bits */
		big[i].hi |= ((u128)1 << 96) - 1;
	}
	b = hs_intervals(hs, HS_SADDR, big, 20000);
	free(big);
	{
		double two96 = 1.0, n;

		for (int i = 0; i < 96; i++)
			two96 *= 2.0;
		n = count_field(hs, b, HS_SADDR) / two96;
		assert_true(n > 39999.5 && n < 40000.5);
	}
	bdd_delref(b);
	hs_free(hs);
}

/*
 * hs_cofactor fixes the cube's variables as bdd_restrict does: cubes at the
 * top (family), in the middle (a port) and at the bottom (an address),
 * over a region that holds all three fields, and the constant cubes.
 */
static void test_cofactor(void **state)
{
	struct hspace *hs = new_hs(NULL);
	struct hs_interval addrs[64];
	BDD a, p, fam, r, cubes[5];

	(void)state;
	for (size_t i = 0; i < 64; i++) {
		addrs[i].lo = ((u128)(0x0a000000u + (uint32_t)i * 37)) << 96;
		addrs[i].hi = addrs[i].lo | ((((u128)1) << 96) - 1);
	}
	a = hs_intervals(hs, HS_SADDR, addrs, 64);
	p = hs_range(hs, HS_DPORT, 20, 443);
	fam = hs_eq(hs, HS_NFPROTO, 0);
	r = bdd_addref(bdd_ite(fam, bdd_and(a, p), bdd_or(a, p)));
	cubes[0] = hs_eq(hs, HS_NFPROTO, 1);
	cubes[1] = hs_eq(hs, HS_DPORT, 80);
	cubes[2] = hs_eq(hs, HS_SADDR, addrs[5].lo);
	cubes[3] = bdd_addref(bddtrue);
	cubes[4] = bdd_addref(bdd_and(cubes[0], cubes[1]));
	for (size_t i = 0; i < 5; i++) {
		BDD want = bdd_addref(bdd_restrict(r, cubes[i]));
		BDD got = hs_cofactor(r, cubes[i]);

		assert_int_equal(got, want);
		bdd_delref(got);
		bdd_delref(want);
		bdd_delref(cubes[i]);
	}
	/* the family fixed: IPv6 takes the union, IPv4 the intersection */
	cubes[0] = hs_eq(hs, HS_NFPROTO, 0);
	{
		BDD got = hs_cofactor(r, cubes[0]), both = bdd_addref(bdd_and(a, p));

		assert_int_equal(got, both);
		bdd_delref(both);
		bdd_delref(got);
	}
	bdd_delref(cubes[0]);
	bdd_delref(r);
	bdd_delref(fam);
	bdd_delref(p);
	bdd_delref(a);
	hs_free(hs);
}

static const char *IFACES_JSON =
	"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}},"
	"{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"input\", \"handle\": 1,"
	" \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}},"
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", \"handle\": 2,"
	" \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}},"
	" \"right\": \"eth*\"}}, {\"accept\": null}]}},"
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", \"handle\": 3,"
	" \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}},"
	" \"right\": {\"set\": [\"eth0\", \"wg0\"]}}}, {\"drop\": null}]}}]}";

static void test_iface_classes(void **state)
{
	struct hspace *hs = new_hs(IFACES_JSON);

	(void)state;
	/* any other, eth0, lo, wg0, eth* */
	assert_int_equal(hs->nifs, 5);
	assert_int_equal(hs_iface_index(hs, "eth0"), 1);
	assert_int_equal(hs_iface_index(hs, "wg0"), 3);
	assert_int_equal(hs_iface_index(hs, "lo"), 2);
	assert_true(hs->ifs[4].pattern);
	assert_string_equal(hs->ifs[4].name, "eth*");
	/* eth1 behaves as "a name matching eth* that no rule names" */
	assert_int_equal(hs_iface_index(hs, "eth1"), 4);
	assert_int_equal(hs_iface_index(hs, "ens3"), 0);
	assert_int_equal(hs_iface_index(hs, ""), 0);
	/* the class representatives behave like their class */
	assert_int_equal(hs_iface_index(hs, hs->ifs[4].repr), 4);
	assert_int_equal(hs_iface_index(hs, hs->ifs[0].repr), 0);
	hs_free(hs);
}

/* The universe holds a packet exactly when the words describe one conntrack lets exist. */
static bool in_universe(struct hspace *hs, const char *words)
{
	struct packet p;
	struct xerr e;
	BDD b, x;
	bool r;

	xerr_clear(&e);
	assert_int_equal(packet_parse(&p, words, &e), 0);
	b = hs_packet_bdd(hs, &p, packet_path(&p));
	x = bdd_addref(bdd_and(b, hs->universe));
	r = x != bddfalse;
	bdd_delref(x);
	bdd_delref(b);
	return r;
}

static void test_universe(void **state)
{
	struct hspace *hs = new_hs(NULL);

	(void)state;
	assert_true(in_universe(hs, "tcp dport 22 tcp flags syn ct state new"));
	assert_true(in_universe(hs, "tcp dport 22 tcp flags ack ct state new"));   /* loose pick-up */
	assert_false(in_universe(hs, "tcp dport 22 tcp flags syn,ack ct state new"));
	assert_false(in_universe(hs, "tcp dport 22 tcp flags 0x0 ct state new"));
	assert_true(in_universe(hs, "tcp dport 22 tcp flags 0x0 ct state invalid"));
	assert_false(in_universe(hs, "tcp flags fin,psh,urg ct state established"));
	assert_true(in_universe(hs, "tcp flags fin,psh,ack ct state established"));
	assert_true(in_universe(hs, "icmp type echo-request ct state new"));
	assert_false(in_universe(hs, "icmp type echo-reply ct state new"));
	assert_false(in_universe(hs, "icmp type destination-unreachable ct state new"));
	assert_true(in_universe(hs, "icmp type destination-unreachable ct state related"));
	assert_false(in_universe(hs, "icmpv6 type nd-neighbor-solicit ip6 hoplimit 255 ct state new"));
	assert_true(in_universe(hs, "icmpv6 type nd-neighbor-solicit ip6 hoplimit 255 ct state untracked"));
	assert_true(in_universe(hs, "udp dport 53 ct state new"));
	assert_true(in_universe(hs, "fragment meta l4proto udp ct state established"));
	hs_free(hs);
}

static void test_pick_packet(void **state)
{
	struct hspace *hs = new_hs(IFACES_JSON);
	struct packet p, q;
	char buf[PACKET_TEXT_MAX];
	struct xerr e;
	BDD r, x;

	(void)state;
	xerr_clear(&e);
	r = hs_eq(hs, HS_DPORT, 443);
	x = bdd_addref(bdd_and(r, hs->universe));
	bdd_delref(r);
	assert_int_equal(hs_pick_packet(hs, x, 0, true, &p, NULL, &e), 0);
	assert_int_equal(p.dport, 443);
	/* defaults where the region leaves room */
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.l4proto, 6);
	assert_int_equal(p.ct_state, MATCH_CT_NEW);
	assert_int_equal(p.tcp_flags, MATCH_TCP_SYN);
	/* the packet is in the region, and its words parse back to it */
	r = hs_packet_bdd(hs, &p, 0);
	assert_int_not_equal(bdd_and(r, x), bddfalse);
	bdd_delref(r);
	packet_format(&p, buf, sizeof(buf));
	assert_int_equal(packet_parse(&q, buf, &e), 0);
	assert_int_equal(q.dport, 443);
	assert_int_equal(q.sport, 40000);
	bdd_delref(x);
	/* an empty region has no packet */
	assert_int_equal(hs_pick_packet(hs, bddfalse, 0, true, &p, NULL, &e), -1);
	hs_free(hs);
}

/* An IPv6 atomic fragment: words -> region (HS_FRAG6_HDR) -> the same words. */
static void test_atomic_fragment(void **state)
{
	struct hspace *hs = new_hs(NULL);
	struct packet p, q;
	char buf[PACKET_TEXT_MAX];
	struct xerr e;
	BDD r, hdr, atomic;

	(void)state;
	xerr_clear(&e);
	hdr = hs_frag6_header(hs, true);
	atomic = bdd_addref(bdd_and(hdr, hs->universe));
	r = hs_frag6_header(hs, false);   /* not a fragment: offset 0, no more fragments */
	bdd_delref(hdr);
	hdr = bdd_addref(bdd_apply(atomic, r, bddop_diff));
	bdd_delref(atomic);
	bdd_delref(r);
	atomic = hdr;
	/* words with a fragment header at offset 0 are in it, the same words without are not */
	assert_int_equal(packet_parse(&p, "ip6 saddr 2001:db8::1 tcp dport 22 exthdr frag", &e), 0);
	r = hs_packet_bdd(hs, &p, 0);
	assert_int_not_equal(bdd_and(r, atomic), bddfalse);
	bdd_delref(r);
	assert_int_equal(packet_parse(&p, "ip6 saddr 2001:db8::1 tcp dport 22", &e), 0);
	r = hs_packet_bdd(hs, &p, 0);
	assert_int_equal(bdd_and(r, atomic), bddfalse);
	bdd_delref(r);
	/* a packet picked from the region says exthdr frag, offset 0, and parses back into it */
	assert_int_equal(hs_pick_packet(hs, atomic, 0, true, &p, NULL, &e), 0);
	assert_int_equal(p.nfproto, MATCH_NFPROTO_IPV6);
	assert_int_equal(p.exthdr, MATCH_EH_FRAG);
	assert_int_equal(p.frag_off, 0);
	assert_int_equal(p.dport, 9);   /* a whole packet: its ports are there */
	packet_format(&p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "exthdr frag"));
	assert_int_equal(packet_parse(&q, buf, &e), 0);
	r = hs_packet_bdd(hs, &q, 0);
	assert_int_not_equal(bdd_and(r, atomic), bddfalse);
	bdd_delref(r);
	bdd_delref(atomic);
	hs_free(hs);
}

static void test_freevars(void **state)
{
	struct hspace *hs = new_hs(NULL);
	int a, b, c;
	BDD wb;

	(void)state;
	a = hs_freevar(hs, "k1", HS_FV_STATE, 1, "while under", "over", NULL);
	b = hs_freevar(hs, "k2", HS_FV_SET, 0, "if in @S", "unless in @S", NULL);
	c = hs_freevar(hs, "k1", HS_FV_UNKNOWN, -1, "x", "y", NULL);
	assert_int_equal(a, c);   /* same key, same variable */
	assert_int_not_equal(a, b);
	assert_int_equal(hs->nfv, 2);
	assert_string_equal(hs_freevar_of(hs, b)->when_true, "if in @S");
	wb = hs_wellbehaved(hs);
	assert_int_equal(bdd_restrict(wb, bdd_ithvar(a)), bdd_nithvar(b));
	bdd_delref(wb);
	/* many variables: the manager grows */
	for (int i = 0; i < 300; i++) {
		char key[16];

		snprintf(key, sizeof(key), "v%d", i);
		assert_true(hs_freevar(hs, key, HS_FV_UNKNOWN, -1, "t", "f", NULL) >= 0);
	}
	assert_int_equal(hs->nfv, 302);
	hs_free(hs);
}

static void test_one_at_a_time(void **state)
{
	struct hspace *hs = new_hs(NULL), *other = NULL;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(hs_new(NULL, 0, &other, &e), -1);
	assert_null(other);
	hs_free(hs);
	assert_int_equal(hs_new(NULL, 0, &other, &e), 0);
	hs_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_values_and_ranges),
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_cofactor),
		cmocka_unit_test(test_iface_classes),
		cmocka_unit_test(test_universe),
		cmocka_unit_test(test_pick_packet),
		cmocka_unit_test(test_atomic_fragment),
		cmocka_unit_test(test_freevars),
		cmocka_unit_test(test_one_at_a_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
