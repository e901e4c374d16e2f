// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify and diff (src/analyze/verify.c, diff.c) on the default policy's
 * listing: every shipped intent holds; a policy with SSH opened to the
 * internet, or without its WireGuard rule, fails with a counterexample the
 * tracer confirms; intents with errors are refused with their line; and
 * diff of the default policy against one serving PostgreSQL shows exactly
 * that region; a limit or quota added, removed or changed in rate is a
 * change "in some cases".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/analysis.h"
#include "analyze/diff.h"
#include "analyze/verify.h"
#include "core/policy_load.h"

#define POLICY_DIR FIXTURES "/../../../policy"

/* A listing of tests/unit/fixtures, as text. */
static char *fixture_json(const char *name)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *policy_json(void)
{
	return fixture_json("policy.json");
}

/* The listing with one more rule put first (or last) in chain `chain` of inet xnft. */
static char *with_rule(const char *chain, const char *expr, bool first)
{
	char *text = policy_json(), *out;
	json_error_t err;
	json_t *root = json_loads(text, 0, &err), *list, *rule, *x;
	size_t at = (size_t)-1, i;

	free(text);
	assert_non_null(root);
	list = json_object_get(root, "nftables");
	json_array_foreach(list, i, x) {
		json_t *r = json_object_get(x, "rule");

		if (r && !strcmp(json_string_value(json_object_get(r, "chain")), chain)) {
			if (first && at == (size_t)-1)
				at = i;
			if (!first)
				at = i + 1;
		}
	}
	assert_true(at != (size_t)-1);
	rule = json_pack("{s:{s:s, s:s, s:s, s:i, s:o}}", "rule", "family", "inet", "table", "xnft",
			 "chain", chain, "handle", 9999, "expr", json_loads(expr, 0, &err));
	assert_non_null(rule);
	json_array_insert_new(list, at, rule);
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

static struct ruleset *load(const char *json)
{
	struct ruleset *rs = NULL;
	struct xerr e;

	xerr_clear(&e);
	if (policy_load_json(json, strlen(json), NULL, &rs, &e))
		fail_msg("%s", e.msg);
	return rs;
}

struct run {
	struct ruleset *rs;
	struct hspace *hs;
	struct sx_result *sx;
	struct trace_defines defs;
	struct intents in;
	struct verify_result vr;
};

static int run_verify(struct run *r, const char *json, const char *intents_text, struct xerr *e)
{
	const struct ruleset *v[1];
	int rc;

	memset(r, 0, sizeof(*r));
	r->rs = load(json);
	v[0] = r->rs;
	assert_int_equal(trace_defines_load(POLICY_DIR, &r->defs, e), 0);
	if (intents_text)
		assert_int_equal(intents_parse(&r->in, "test-intents", intents_text,
					       strlen(intents_text), e), 0);
	else
		assert_int_equal(intents_load(&r->in, POLICY_DIR "/intents", e), 0);
	assert_int_equal(hs_new(v, 1, &r->hs, e), 0);
	assert_int_equal(sx_run(r->hs, r->rs, NULL, &r->sx, e), 0);
	rc = verify_intents(r->hs, r->rs, r->sx, &r->in, &r->defs, &r->vr, e);
	return rc;
}

static void run_free(struct run *r)
{
	verify_result_free(&r->vr);
	intents_free(&r->in);
	trace_defines_free(&r->defs);
	sx_result_free(r->sx);
	hs_free(r->hs);
	ruleset_free(r->rs);
}

static void test_default_policy_holds(void **state)
{
	char *json = policy_json();
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, NULL, &e), 0);
	assert_true(r.vr.n >= 18);
	for (size_t i = 0; i < r.vr.n; i++)
		if (!r.vr.items[i].holds) {
			char *s = verify_item_format(&r.vr.items[i]);

			fail_msg("%s", s);
		}
	assert_int_equal(r.vr.held, r.vr.n);
	assert_int_equal(r.vr.violated, 0);
	run_free(&r);
	free(json);
}

/* The counterexample of item i, traced with its choices, has the expected verdict. */
static void trace_confirms(const struct run *r, const struct verify_item *it)
{
	struct trace_opts to;
	struct trace_result tr;
	struct xerr e;

	xerr_clear(&e);
	verify_item_trace_opts(it, &to);
	assert_int_equal(trace_packet(r->rs, &it->pkt, &to, &tr, &e), 0);
	assert_int_equal(tr.verdict == TRACE_V_ACCEPT, it->accepted);
	trace_result_free(&tr);
}

static void test_ssh_open_to_internet(void **state)
{
	const char *rule = "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}},"
			   " \"right\": \"eth0\"}}, {\"match\": {\"op\": \"==\", \"left\": {\"payload\":"
			   " {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}},"
			   " {\"accept\": null}]";
	char *json = with_rule("input", rule, true);
	bool saw_ssh = false;
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, NULL, &e), 0);
	assert_true(r.vr.violated >= 2);
	for (size_t i = 0; i < r.vr.n; i++) {
		const struct verify_item *it = &r.vr.items[i];

		if (it->holds)
			continue;
		assert_true(it->accepted);
		assert_string_equal(it->pkt.iif, "eth0");
		assert_int_equal(it->pkt.dport, 22);
		trace_confirms(&r, it);
		if (strstr(it->intent->text, "$SSH_PORT") && it->intent->kind == INTENT_DROP)
			saw_ssh = true;
	}
	assert_true(saw_ssh);
	run_free(&r);
	free(json);
}

/* The listing with set ADMIN_ALLOWLIST's flags and elements replaced (JSON texts). */
static char *with_admin_set(const char *flags, const char *elems)
{
	char *text = policy_json(), *out;
	json_error_t err;
	json_t *root = json_loads(text, 0, &err), *x;
	size_t i;
	bool found = false;

	free(text);
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "nftables"), i, x) {
		json_t *s = json_object_get(x, "set");

		if (!s || strcmp(json_string_value(json_object_get(s, "name")), "ADMIN_ALLOWLIST"))
			continue;
		json_object_set_new(s, "flags", json_loads(flags, 0, &err));
		json_object_set_new(s, "elem", json_loads(elems, 0, &err));
		found = true;
	}
	assert_true(found);
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

/*
 * ADMIN_ALLOWLIST is an interval set with timeouts (for xnft admin add
 * --for): its listed elements, a temporary one included, are what it holds,
 * so the intents about the allowlist hold and the temporary admin gets in.
 * A hash set with timeouts (a ban set) is filled at run time instead: the
 * same intents then fail, since any source might be in it.
 */
static void test_timeout_sets(void **state)
{
	const char *intents =
		"expect accept iifname $WAN_IF ip saddr 8.8.4.4 tcp dport $SSH_PORT ct state new\n"
		"expect drop iifname $WAN_IF ip saddr 9.9.9.9 tcp dport $SSH_PORT ct state new\n";
	const char *temp = "[{\"elem\": {\"val\": \"8.8.4.4\", \"timeout\": 3, \"expires\": 2}}]";
	char *listed = with_admin_set("[\"interval\", \"timeout\"]", temp);
	char *hashed = with_admin_set("[\"timeout\"]", temp);
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, listed, intents, &e), 0);
	assert_int_equal(r.vr.held, 2);
	run_free(&r);
	assert_int_equal(run_verify(&r, listed, NULL, &e), 0);
	assert_int_equal(r.vr.violated, 0);
	run_free(&r);
	assert_int_equal(run_verify(&r, hashed, intents, &e), 0);
	assert_int_equal(r.vr.held, 1);   /* 8.8.4.4 gets in; 9.9.9.9 might be in the set */
	assert_false(r.vr.items[1].holds);
	run_free(&r);
	free(listed);
	free(hashed);
}

static void test_accept_violated(void **state)
{
	const char *intents =
		"expect accept iifname $WAN_IF ip saddr 8.8.8.8 udp dport $WG_PORT ct state new\n"
		"expect accept iifname $WAN_IF ip saddr 8.8.8.8 tcp dport 443 ct state new\n"
		"expect drop iifname $WAN_IF ip saddr 8.8.8.8 tcp dport 443 ct state new\n";
	char *json = policy_json();
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, intents, &e), 0);
	assert_int_equal(r.vr.n, 3);
	assert_true(r.vr.items[0].holds);
	assert_false(r.vr.items[1].holds);
	assert_false(r.vr.items[1].accepted);
	assert_int_equal(r.vr.items[1].pkt.dport, 443);
	assert_int_equal(r.vr.items[1].intent->line, 2);
	trace_confirms(&r, &r.vr.items[1]);
	assert_true(r.vr.items[2].holds);
	run_free(&r);
	free(json);
}

static void test_drop_needs_every_choice(void **state)
{
	/* the loopback spoof rule logs under a limit, then drops: no choice lets it in */
	const char *intents =
		"expect drop iifname $WAN_IF ip saddr 127.0.0.1\n"
		/* the SYN flood rule: over the limit the packet is dropped, under it not */
		"expect drop iifname $MESH_IF ip saddr @MESH_PEERS tcp dport $SSH_PORT ct state new tcp flags syn\n";
	char *json = policy_json();
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, intents, &e), 0);
	assert_true(r.vr.items[0].holds);
	assert_false(r.vr.items[1].holds);
	/* the counterexample says which choices let it through */
	assert_true(r.vr.items[1].nconditions >= 1);
	{
		bool under = false;

		for (size_t k = 0; k < r.vr.items[1].nconditions; k++)
			under |= strstr(r.vr.items[1].conditions[k], "while under") != NULL;
		assert_true(under);
	}
	run_free(&r);
	free(json);
}

/*
 * IPv6 atomic fragments (a fragment header at offset 0, no more fragments;
 * fixtures/atomic.nft, no conntrack): a drop intent covers them, so the
 * rule that accepts tcp dport 22 on exthdr frag exists breaks one, with an
 * atomic fragment as the counterexample the tracer confirms; the -450 drop
 * of them on eth0 breaks no accept intent (an accept intent speaks of
 * packets without a fragment header, as of unfragmented ones).
 */
static void test_atomic_fragment(void **state)
{
	const char *intents =
		"expect drop ip6 saddr 2001:db8::1 tcp dport 22 ct state new\n"
		"expect accept iifname \"eth0\" ip6 saddr 2001:db8::1 udp dport 53 ct state new\n";
	char *json = fixture_json("atomic.json");
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, intents, &e), 0);
	assert_int_equal(r.vr.n, 2);
	assert_false(r.vr.items[0].holds);
	assert_true(r.vr.items[0].accepted);
	assert_int_equal(r.vr.items[0].pkt.nfproto, MATCH_NFPROTO_IPV6);
	assert_int_equal(r.vr.items[0].pkt.exthdr, MATCH_EH_FRAG);
	assert_int_equal(r.vr.items[0].pkt.frag_off, 0);
	assert_int_equal(r.vr.items[0].pkt.dport, 22);
	trace_confirms(&r, &r.vr.items[0]);
	assert_true(r.vr.items[1].holds);
	run_free(&r);
	free(json);
}

/* The lines of two diffs are the same, in the same order. */
static void same_diff(const struct diff_result *x, const struct diff_result *y)
{
	assert_int_equal(x->changed, y->changed);
	for (int p = 0; p < SX__NPATHS; p++)
		for (int k = 0; k < DIFF__NKINDS; k++) {
			const struct ds_lines *a = &x->lines[p][k], *b = &y->lines[p][k];

			assert_int_equal(a->n, b->n);
			for (size_t i = 0; i < a->n; i++) {
				assert_string_equal(a->v[i].iface, b->v[i].iface);
				assert_string_equal(a->v[i].text, b->v[i].text);
			}
		}
}

/*
 * A change under review (the day-two commands): the check's engine, made
 * over both rulesets, gives the diff xnft diff gives, and the intents the
 * check proves alone.
 */
static void test_analysis_of_change(void **state)
{
	const char *rule = "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\","
			   " \"field\": \"dport\"}}, \"right\": 5432}}, {\"accept\": null}]";
	char *a = policy_json(), *b = with_rule("services", rule, false);
	struct ruleset *ra = load(a), *rb = load(b);
	struct analysis_request q = { POLICY_DIR, rb, false, false, ra };
	struct analysis alone, change;
	struct diff_result d;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(diff_compute(ra, rb, &d, &e), 0);
	assert_int_equal(analysis_run(&q, &change, &e), 0);
	assert_true(change.have_diff);
	same_diff(&d, &change.diff);
	q.diff_from = NULL;
	assert_int_equal(analysis_run(&q, &alone, &e), 0);
	assert_false(alone.have_diff);
	assert_true(alone.have_intents && change.have_intents);
	assert_int_equal(change.intents.n, alone.intents.n);
	assert_int_equal(change.intents.held, alone.intents.held);
	assert_int_equal(change.intents.violated, alone.intents.violated);
	for (size_t i = 0; i < alone.intents.n; i++)
		assert_int_equal(change.intents.items[i].holds, alone.intents.items[i].holds);
	analysis_free(&alone);
	analysis_free(&change);
	diff_free(&d);
	ruleset_free(ra);
	ruleset_free(rb);
	free(a);
	free(b);
}

static void test_intent_errors(void **state)
{
	char *json = policy_json();
	struct run r;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, "# x\nexpect drop iifname $NO_SUCH_DEFINE\n", &e), -1);
	assert_non_null(strstr(e.msg, "NO_SUCH_DEFINE"));
	assert_int_equal(e.line, 2);
	assert_string_equal(e.file, "test-intents");
	run_free(&r);
	xerr_clear(&e);
	assert_int_equal(run_verify(&r, json, "expect drop ip saddr @NO_SUCH_SET\n", &e), -1);
	assert_non_null(strstr(e.msg, "NO_SUCH_SET"));
	assert_int_equal(e.line, 1);
	run_free(&r);
	free(json);
}

static void test_diff_service(void **state)
{
	const char *rule = "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\","
			   " \"field\": \"dport\"}}, \"right\": 5432}}, {\"match\": {\"op\": \"in\","
			   " \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": 8}}, {\"accept\": null}]";
	char *a = policy_json(), *b = with_rule("services", rule, false);
	struct ruleset *ra = load(a), *rb = load(b);
	struct diff_result d;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(diff_compute(ra, rb, &d, &e), 0);
	assert_true(d.changed);
	for (int p = 0; p < SX__NPATHS; p++)
		for (int k = 0; k < DIFF__NKINDS; k++) {
			const struct ds_lines *l = &d.lines[p][k];

			if (p == SX_INPUT && k == DIFF_NOW_ACCEPTED) {
				assert_int_equal(l->n, 1);
				assert_string_equal(l->v[0].iface, "from wg0");
				assert_non_null(strstr(l->v[0].text, "@MESH_PEERS"));
				assert_non_null(strstr(l->v[0].text, "ct state new"));
				assert_non_null(strstr(l->v[0].text, "tcp dport 5432"));
				continue;
			}
			assert_int_equal(l->n, 0);
		}
	diff_free(&d);
	/* the same ruleset twice: nothing changes */
	assert_int_equal(diff_compute(ra, ra, &d, &e), 0);
	assert_false(d.changed);
	diff_free(&d);
	ruleset_free(ra);
	ruleset_free(rb);
	free(a);
	free(b);
}

/* "tcp dport 5432 <stmt> accept" in nftables JSON; stmt may be NULL. */
static char *pg_rule(const char *stmt)
{
	char *r;

	assert_true(asprintf(&r, "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\":"
			    " \"tcp\", \"field\": \"dport\"}}, \"right\": 5432}}, %s%s{\"accept\": null}]",
			    stmt ? stmt : "", stmt ? ", " : "") > 0);
	return r;
}

/* diff(a, b) on the policy with rule a / rule b added to services (NULL: none). */
static void diff_rules(const char *a, const char *b, struct diff_result *d)
{
	char *ja = a ? with_rule("services", a, false) : policy_json();
	char *jb = b ? with_rule("services", b, false) : policy_json();
	struct ruleset *ra = load(ja), *rb = load(jb);
	struct xerr e;

	xerr_clear(&e);
	assert_int_equal(diff_compute(ra, rb, d, &e), 0);
	ruleset_free(ra);
	ruleset_free(rb);
	free(ja);
	free(jb);
}

/*
 * Only the input path's `kind` lines (and, unless NUL, `kind2`'s) are there,
 * each on tcp dport 5432 with a condition naming cond; returns how many.
 */
static size_t only_kinds(const struct diff_result *d, enum diff_kind kind, enum diff_kind kind2,
			 const char *cond)
{
	size_t n = 0;

	for (int p = 0; p < SX__NPATHS; p++)
		for (int k = 0; k < DIFF__NKINDS; k++) {
			const struct ds_lines *l = &d->lines[p][k];

			if (p != SX_INPUT || (k != (int)kind && k != (int)kind2)) {
				assert_int_equal(l->n, 0);
				continue;
			}
			assert_true(l->n >= 1);
			for (size_t i = 0; i < l->n; i++) {
				bool named = false;

				assert_non_null(strstr(l->v[i].text, "tcp dport 5432"));
				for (size_t c = 0; c < l->v[i].nconds; c++)
					named |= strstr(l->v[i].conds[c], cond) != NULL;
				assert_true(named);
			}
			n += l->n;
		}
	return n;
}

/*
 * A change that only moves the state a packet needs keeps both projections
 * (well-behaved, some state) equal: the pointwise difference lists it as
 * "in some cases", in both directions; the same limit in two loads of a
 * file, or with a counter added, changes nothing.
 */
static void test_diff_condition(void **state)
{
	const char *lim10 = "{\"limit\": {\"rate\": 10, \"per\": \"second\"}}";
	const char *lim1000 = "{\"limit\": {\"rate\": 1000, \"per\": \"second\"}}";
	const char *counted = "{\"limit\": {\"rate\": 10, \"per\": \"second\"}}, {\"counter\":"
			      " {\"packets\": 0, \"bytes\": 0}}";
	const char *quota = "{\"quota\": {\"val\": 100, \"val_unit\": \"mbytes\"}}";
	char *plain = pg_rule(NULL), *r10 = pg_rule(lim10), *r1000 = pg_rule(lim1000);
	char *rc10 = pg_rule(counted), *rq = pg_rule(quota);
	struct diff_result d;

	(void)state;
	diff_rules(r10, plain, &d);      /* limit removed */
	assert_true(d.changed);
	assert_true(only_kinds(&d, DIFF_NOW_SOME, DIFF_NOW_SOME, "over 10/second") >= 1);
	diff_free(&d);
	diff_rules(plain, r10, &d);      /* limit added */
	assert_true(d.changed);
	assert_true(only_kinds(&d, DIFF_NO_LONGER_SOME, DIFF_NO_LONGER_SOME, "over 10/second") >= 1);
	diff_free(&d);
	diff_rules(r10, r1000, &d);      /* rate changed: both ways, two limits */
	assert_true(d.changed);
	assert_true(only_kinds(&d, DIFF_NOW_SOME, DIFF_NO_LONGER_SOME, "1000/second") >= 2);
	assert_true(d.lines[SX_INPUT][DIFF_NOW_SOME].n >= 1);
	assert_true(d.lines[SX_INPUT][DIFF_NO_LONGER_SOME].n >= 1);
	diff_free(&d);
	diff_rules(plain, rq, &d);       /* quota added */
	assert_true(only_kinds(&d, DIFF_NO_LONGER_SOME, DIFF_NO_LONGER_SOME, "over a quota") >= 1);
	diff_free(&d);
	diff_rules(r10, r10, &d);        /* the same rule, two loads: one limit */
	assert_false(d.changed);
	diff_free(&d);
	diff_rules(r10, rc10, &d);       /* a counter changes no verdict */
	assert_false(d.changed);
	diff_free(&d);
	assert_string_equal(diff_kind_name(DIFF_NOW_SOME), "now accepted in some cases");
	assert_string_equal(diff_kind_name(DIFF_NO_LONGER_SOME), "no longer accepted in some cases");
	free(plain);
	free(r10);
	free(r1000);
	free(rc10);
	free(rq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_policy_holds),
		cmocka_unit_test(test_ssh_open_to_internet),
		cmocka_unit_test(test_timeout_sets),
		cmocka_unit_test(test_analysis_of_change),
		cmocka_unit_test(test_accept_violated),
		cmocka_unit_test(test_drop_needs_every_choice),
		cmocka_unit_test(test_atomic_fragment),
		cmocka_unit_test(test_intent_errors),
		cmocka_unit_test(test_diff_service),
		cmocka_unit_test(test_diff_condition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
