// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A scattered blocklist through the engine and describe.c (issue 12 item 5):
 * 200 random addresses, IPv4 and IPv6, from a fixed seed, in two sets
 * dropped in front of an accept-all chain. What the engine accepts must be
 * exactly their complement, checked against the addresses this test made
 * (every one blocked, and no other address: the blocked ones counted), and
 * the description must name the sets; a region without a set to name must
 * be decoded to the addresses themselves, under the BDD variable order that
 * puts the addresses below every other field.
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

#include "analyze/describe.h"
#include "analyze/symexec.h"
#include "core/policy_load.h"
#include "core/strbuf.h"

typedef unsigned __int128 u128;

#define N4 150
#define N6 50

struct addrs {
	uint32_t v4[N4];
	u128 v6[N6];
};

/* xorshift64: the same addresses on every run. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool have4(const struct addrs *a, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (a->v4[i] == v)
			return true;
	return false;
}

static bool have6(const struct addrs *a, size_t n, u128 v)
{
	for (size_t i = 0; i < n; i++)
		if (a->v6[i] == v)
			return true;
	return false;
}

/* Public unicast-looking addresses, all different: 1-126 or 128-223 first octet; 2001:db8::/32. */
static void make_addrs(struct addrs *a)
{
	uint64_t s = 0x5eed2026u;

	for (size_t i = 0; i < N4;) {
		uint32_t v = (uint32_t)next_random(&s);
		uint32_t top = 1 + (v >> 24) % 223;

		if (top == 127 || top == 10)
			continue;
		v = (top << 24) | (v & 0x00ffff00) | (1 + (v & 0xff) % 254);
		if (!have4(a, i, v))
			a->v4[i++] = v;
	}
	for (size_t i = 0; i < N6;) {
		u128 v = ((u128)0x20010db8u << 96) | ((u128)(next_random(&s) >> 16) << 48) |
			 (next_random(&s) & 0xffff);

		if (!have6(a, i, v))
			a->v6[i++] = v;
	}
}

static void fmt4(uint32_t v, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

static void fmt6(u128 v, char *buf, size_t n)
{
	unsigned char b[16];

	for (int i = 15; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	assert_non_null(inet_ntop(AF_INET6, b, buf, (socklen_t)n));
}

/* The ruleset as libnftables lists it: two sets, dropped at input, then accept all. */
static char *ruleset_json(const struct addrs *a)
{
	struct strbuf b = { 0 };
	char t[64];

	strbuf_addf(&b, "{\"nftables\": ["
		    "{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}},"
		    "{\"set\": {\"family\": \"inet\", \"name\": \"bl4\", \"table\": \"t\", "
		    "\"type\": \"ipv4_addr\", \"handle\": 2, \"elem\": [");
	for (size_t i = 0; i < N4; i++) {
		fmt4(a->v4[i], t, sizeof(t));
		strbuf_addf(&b, "%s\"%s\"", i ? ", " : "", t);
	}
	strbuf_addf(&b, "]}},"
		    "{\"set\": {\"family\": \"inet\", \"name\": \"bl6\", \"table\": \"t\", "
		    "\"type\": \"ipv6_addr\", \"handle\": 3, \"elem\": [");
	for (size_t i = 0; i < N6; i++) {
		fmt6(a->v6[i], t, sizeof(t));
		strbuf_addf(&b, "%s\"%s\"", i ? ", " : "", t);
	}
	strbuf_addf(&b, "]}},"
		    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"input\", "
		    "\"handle\": 4, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, "
		    "\"policy\": \"accept\"}},"
		    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", "
		    "\"handle\": 5, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": "
		    "{\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": \"@bl4\"}}, "
		    "{\"drop\": null}]}},"
		    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", "
		    "\"handle\": 6, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": "
		    "{\"protocol\": \"ip6\", \"field\": \"saddr\"}}, \"right\": \"@bl6\"}}, "
		    "{\"drop\": null}]}}"
		    "]}");
	assert_non_null(b.s);
	return strbuf_take(&b);
}

struct world {
	struct ruleset *rs;
	struct hspace *hs;
	struct sx_result *sx;
	BDD domain;    /* input packets there can be, as exposure takes them */
};

static void world_open(struct world *w, const struct addrs *a)
{
	char *json = ruleset_json(a);
	const struct ruleset *v[1];
	struct xerr e;

	xerr_clear(&e);
	if (policy_load_json(json, strlen(json), NULL, &w->rs, &e))
		fail_msg("%s", e.msg);
	free(json);
	v[0] = w->rs;
	assert_int_equal(hs_new(v, 1, &w->hs, &e), 0);
	if (sx_run(w->hs, w->rs, NULL, &w->sx, &e))
		fail_msg("sx_run: %s", e.msg);
	w->domain = bdd_addref(bdd_apply(w->sx->domain[SX_INPUT], w->sx->held[SX_INPUT],
					 bddop_diff));
}

static void world_close(struct world *w)
{
	bdd_delref(w->domain);
	sx_result_free(w->sx);
	hs_free(w->hs);
	ruleset_free(w->rs);
}

/* Every field but the source address. */
static BDD all_but_saddr(struct hspace *hs)
{
	BDD all = hs_all_fields_set(hs), s = hs_field_set(hs, HS_SADDR);
	BDD r = bdd_addref(bdd_exist(all, s));

	bdd_delref(all);
	bdd_delref(s);
	return r;
}

/* The sources of family v6 that some input packet of the domain is dropped for. */
static BDD blocked_sources(struct world *w, bool v6)
{
	BDD fam = hs_eq(w->hs, HS_NFPROTO, v6);
	BDD dropped = bdd_addref(bdd_apply(w->domain, w->sx->accept[SX_INPUT], bddop_diff));
	BDD mine = bdd_addref(bdd_and(dropped, fam));
	BDD others = all_but_saddr(w->hs);
	BDD r = bdd_addref(bdd_exist(mine, others));

	bdd_delref(others);
	bdd_delref(mine);
	bdd_delref(dropped);
	bdd_delref(fam);
	return r;
}

static bool holds(struct hspace *hs, BDD set, u128 v)
{
	BDD x = hs_eq(hs, HS_SADDR, v), y = bdd_addref(bdd_and(set, x));
	bool r = y != bddfalse;

	bdd_delref(y);
	bdd_delref(x);
	return r;
}

static void test_complement(void **state)
{
	struct addrs a = { 0 };
	struct world w;

	(void)state;
	make_addrs(&a);
	world_open(&w, &a);
	for (int v6 = 0; v6 < 2; v6++) {
		BDD blocked = blocked_sources(&w, v6), s = hs_field_set(w.hs, HS_SADDR);
		size_t n = v6 ? N6 : N4, in = 0;

		/* every address of the list is blocked ... */
		for (size_t i = 0; i < n; i++)
			in += holds(w.hs, blocked, v6 ? a.v6[i] : (u128)a.v4[i] << 96);
		assert_int_equal(in, n);
		/* ... and no other: as many blocked sources as listed addresses */
		assert_true(bdd_satcountset(blocked, s) == (double)n);
		/* a neighbour of each listed address that is not listed itself passes */
		for (size_t i = 0; i < n; i++) {
			u128 next = v6 ? a.v6[i] + 1 : (u128)(a.v4[i] + 1) << 96;
			bool listed = v6 ? have6(&a, N6, a.v6[i] + 1) : have4(&a, N4, a.v4[i] + 1);

			assert_int_equal(holds(w.hs, blocked, next), listed);
		}
		bdd_delref(s);
		bdd_delref(blocked);
	}
	world_close(&w);
}

static bool any_line_has(const struct ds_lines *l, const char *text)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, text))
			return true;
	return false;
}

/* exposure's words: the sets by name, both families, nothing else left out. */
static void test_named(void **state)
{
	struct addrs a = { 0 };
	struct world w;
	struct ds_lines out;
	struct xerr e;

	(void)state;
	make_addrs(&a);
	world_open(&w, &a);
	xerr_clear(&e);
	assert_int_equal(ds_describe(w.hs, w.sx->accept[SX_INPUT], bddfalse, w.domain, SX_INPUT,
				     NULL, &out, &e), 0);
	assert_true(out.n >= 2);
	assert_true(any_line_has(&out, "IPv4 source not in @bl4"));
	assert_true(any_line_has(&out, "IPv6 source not in @bl6"));
	for (size_t i = 0; i < out.n; i++)
		assert_null(strstr(out.v[i].text, "addresses"));   /* no count: named */
	ds_lines_free(&out);
	world_close(&w);
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;

	return x < y ? -1 : x > y;
}

/*
 * No set to name these five: describe.c finds the addresses itself, below
 * every other field, and lists them in order.
 */
static void test_decoded(void **state)
{
	struct addrs a = { 0 };
	struct world w;
	struct ds_lines out;
	struct strbuf want = { 0 };
	uint32_t five[5];
	BDD region, fam, x;
	struct xerr e;
	char t[64];

	(void)state;
	make_addrs(&a);
	world_open(&w, &a);
	memcpy(five, a.v4 + 10, sizeof(five));
	qsort(five, 5, sizeof(five[0]), cmp_u32);
	fam = hs_eq(w.hs, HS_NFPROTO, 0);
	region = bdd_addref(bdd_and(w.domain, fam));
	strbuf_addf(&want, "IPv4 source not in { ");
	for (size_t i = 0; i < 5; i++) {
		x = hs_eq(w.hs, HS_SADDR, (u128)five[i] << 96);
		BDD r = bdd_addref(bdd_apply(region, x, bddop_diff));

		bdd_delref(region);
		bdd_delref(x);
		region = r;
		fmt4(five[i], t, sizeof(t));
		strbuf_addf(&want, "%s%s", i ? ", " : "", t);
	}
	strbuf_addf(&want, " }");
	xerr_clear(&e);
	assert_int_equal(ds_describe(w.hs, region, bddfalse, w.domain, SX_INPUT, NULL, &out, &e), 0);
	assert_true(out.n >= 1);
	for (size_t i = 0; i < out.n; i++)
		assert_non_null(strstr(out.v[i].text, want.s));
	ds_lines_free(&out);
	strbuf_free(&want);
	bdd_delref(region);
	bdd_delref(fam);
	world_close(&w);
}

/* The lines of region (within w's domain) in one string, one per line. */
static char *described(struct world *w, BDD region)
{
	struct strbuf b = { 0 };
	struct ds_lines out;
	struct xerr e;

	xerr_clear(&e);
	assert_int_equal(ds_describe(w->hs, region, bddfalse, w->domain, SX_INPUT, NULL, &out, &e), 0);
	for (size_t i = 0; i < out.n; i++)
		strbuf_addf(&b, "%s\n", out.v[i].text);
	ds_lines_free(&out);
	assert_non_null(b.s);
	return strbuf_take(&b);
}

/* *r &= x, both released. */
static void and_with(BDD *r, BDD x)
{
	BDD n = bdd_addref(bdd_and(*r, x));

	bdd_delref(*r);
	bdd_delref(x);
	*r = n;
}

/* tcp (dport 22 when port) packets of family v6 within w's domain, with frag-off in `frag`. */
static BDD port22(struct world *w, bool v6, BDD frag, bool port)
{
	BDD r = bdd_addref(bdd_and(w->domain, frag));

	and_with(&r, hs_eq(w->hs, HS_NFPROTO, v6));
	and_with(&r, hs_eq(w->hs, HS_L4PROTO, 6));
	if (port)
		and_with(&r, hs_eq(w->hs, HS_DPORT, 22));
	return r;
}

static void expect_words(struct world *w, bool v6, BDD frag, const char *want)
{
	BDD r = port22(w, v6, frag, strstr(want, "dport 22") != NULL);
	char *text = described(w, r);

	if (!strstr(text, want))
		fail_msg("want '%s' in:\n%s", want, text);
	free(text);
	bdd_delref(r);
	bdd_delref(frag);
}

/*
 * An IPv6 fragment header (HS_FRAG6_HDR) in words where the region tells
 * packets with one from those without; "not a fragment" where it does not,
 * as before; IPv4's 0x4000 is DF, never a fragment header.
 */
static void test_frag6_header(void **state)
{
	struct addrs a = { 0 };
	struct world w;
	BDD whole, hdr, first;

	(void)state;
	make_addrs(&a);
	world_open(&w, &a);
	whole = hs_masked_eq(w.hs, HS_FRAGOFF, 0x3fff, 0);
	hdr = hs_masked_eq(w.hs, HS_FRAGOFF, HS_FRAG6_HDR, HS_FRAG6_HDR);
	first = hs_masked_eq(w.hs, HS_FRAGOFF, 0x3fff, 0x2000);
	expect_words(&w, true, hs_unfragmented(w.hs),
		     "IPv6, without an IPv6 fragment header: tcp dport 22\n");
	expect_words(&w, true, hs_frag6_header(w.hs, true),
		     "IPv6, with an IPv6 fragment header: ");
	expect_words(&w, true, bdd_addref(bdd_and(whole, hdr)),
		     "IPv6, an atomic fragment: tcp dport 22\n");
	expect_words(&w, true, bdd_addref(bdd_ite(hdr, bdd_or(whole, first), first)),
		     "IPv6, an atomic fragment or ip frag-off { 0x2000, 0x6000, 0xa000, 0xe000 }: "
		     "tcp dport 22\n");
	expect_words(&w, true, bdd_addref(whole), "IPv6, not a fragment: tcp dport 22\n");
	/* IPv4 fragments are held (ip_local_deliver): out of the domain, nothing to say */
	expect_words(&w, false, bdd_addref(whole), "IPv4: tcp dport 22\n");
	expect_words(&w, false, bdd_addref(bdd_and(whole, hdr)), "IPv4, ip frag-off { 0x4000, 0xc000 }");
	bdd_delref(whole);
	bdd_delref(hdr);
	bdd_delref(first);
	world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complement),
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_decoded),
		cmocka_unit_test(test_frag6_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
