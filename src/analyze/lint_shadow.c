// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shadowed rules (XL006) and redundant rules (XL009), exactly, with the
 * header-space engine (hspace.h, symexec.h): for every rule R, reach(R) is
 * the set of packets (with the free choices of limits, dynamic sets and
 * unknown matches) that get to R, and match(R) the packets its conditions
 * take. R is shadowed when reach(R) and match(R) never meet on any path
 * although packets do reach it; free variables stay free, so a rule that
 * only runs when an earlier limit is exceeded is not shadowed. R is
 * redundant when evaluating the ruleset without it gives the same accepted
 * and dropped sets on every path; only rules that do nothing but decide
 * (no counter, log, set update ...) are candidates, since the others have a
 * reason to exist besides their verdict. Rules with no packet at all reach
 * are dead code (XL001).
 *
 * When the engine cannot run (out of BDD nodes), the cells walk of
 * lint_cells.c still finds the rules whose interface, family or conntrack
 * state conditions exclude every packet that reaches them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/bddref.h"
#include "analyze/construct.h"
#include "analyze/lint_int.h"
#include "analyze/symexec.h"
#include "core/clock.h"

/* Skip-runs for XL009 at most: each is a whole evaluation of the ruleset. */
#define MAX_REDUNDANCY_RUNS 400

struct own;

struct engine {
	struct hspace *hs;
	struct sx_result *res;
	struct own *own;          /* each rule's own conditions (XL009), by own_base[chain] */
	size_t *own_base;
	size_t nown;
	bool marks;               /* the ruleset rewrites meta mark: no local redundancy */
	bool pure;                /* no rule does more than decide: whole runs can judge */
	struct rs_set **opened;   /* empty sets made "filled at run time" for the run */
	size_t nopened;
};

/* ---- without the engine ------------------------------------------------------------ */

static void shadowed_by_cells(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct rs_rule *t;
	struct lint_finding *f;
	char at[600];

	if (!ri->walked || ri->reported_dead || cells_empty(&ri->reach) ||
	    !cells_empty(&ri->matched))
		return;
	t = lint_taker(x, ri);
	if (t) {
		lint_rule_place(t, at, sizeof(at));
		f = lint_add(x, "XL006", LINT_WARNING, ri->r,
			     "this rule never matches: the rule at %s already decides every packet "
			     "it would match", at);
		lint_hint(f, "move it above %s if it must win, or delete it", at);
		return;
	}
	f = lint_add(x, "XL006", LINT_WARNING, ri->r,
		     "this rule never matches: every packet that reaches it has an interface, "
		     "family or conntrack state its conditions exclude");
	lint_hint(f, "put it where its packets go (the chain their jump leads to), fix its "
		  "conditions, or delete it");
}

/* ---- with the engine ------------------------------------------------------------------ */

static bool reached(const struct sx_rule_info *s)
{
	for (int p = 0; p < SX__NPATHS; p++) {
		if (s->reach[p] != bddfalse)
			return true;
	}
	return false;
}

static bool ever_matches(const struct sx_rule_info *s)
{
	for (int p = 0; p < SX__NPATHS; p++) {
		if (bdd_and(s->reach[p], s->match[p]) != bddfalse)
			return true;
	}
	return false;
}

/* b decides some packet a would match (on some path). */
static bool takes_from(const struct sx_rule_info *b, const struct sx_rule_info *a)
{
	for (int p = 0; p < SX__NPATHS; p++) {
		BDD t = AND(b->reach[p], b->match[p]);
		bool meet = bdd_and(t, a->match[p]) != bddfalse;

		unref(t);
		if (meet)
			return true;
	}
	return false;
}

static bool decides(const struct rs_rule *r)
{
	enum lint_vk vk = lint_verdict(r);

	return vk != LINT_V_NONE && vk != LINT_V_CONTINUE;
}

/* The nearest rule before r in its chain that decides packets r would match. */
static const struct rs_rule *shadower(const struct engine *g, const struct sx_rule_info *s)
{
	const struct rs_rule *r = s->rule;

	for (const struct rs_rule *b = r; b-- > r->chain->rules;) {
		const struct sx_rule_info *bi = sx_rule(g->res, b);

		if (bi && decides(b) && takes_from(bi, s))
			return b;
	}
	return NULL;
}

static void dead(struct lint_ctx *x, const struct engine *g, struct lint_rinfo *ri)
{
	const struct rs_rule *r = ri->r, *k = NULL;
	struct lint_finding *f;
	char at[600];

	/* the nearest rule before it that decides anything: the end of the road */
	for (const struct rs_rule *b = r; !k && b-- > r->chain->rules;) {
		const struct sx_rule_info *bi = sx_rule(g->res, b);

		if (bi && decides(b) && reached(bi))
			k = b;
	}
	ri->reported_dead = true;
	if (!k) {
		f = lint_add(x, "XL001", LINT_ERROR, r,
			     "dead code: no packet reaches this rule on any path");
		lint_hint(f, "move the rule where its packets go, or delete it");
		return;
	}
	lint_rule_place(k, at, sizeof(at));
	f = lint_add(x, "XL001", LINT_ERROR, r,
		     "dead code: no packet reaches this rule; together with the rules before it, "
		     "the rule at %s decides every packet that gets this far", at);
	lint_hint(f, "move this rule above %s, or delete it", at);
}

/* Where a table sits in the listing: at equal priority the later one registers later. */
static size_t table_index(const struct ruleset *rs, const struct rs_table *t)
{
	size_t i = 0;

	while (i < rs->ntables && rs->tables[i] != t)
		i++;
	return i;
}

/*
 * Packets a rule never gets may have been dropped by another table's base
 * chain that runs first on the same hook (Docker's FORWARD, policy drop):
 * name that chain, and the rule of it that drops them when one does. buf ""
 * when there is none.
 */
static void other_table_drop(const struct lint_ctx *x, const struct engine *g,
			     const struct sx_rule_info *s, char *buf, size_t n)
{
	const struct rs_chain *c = s->rule->chain;
	size_t ci = table_index(x->rs, c->table);

	buf[0] = '\0';
	for (size_t i = 0; i < x->rs->ntables && !buf[0]; i++) {
		const struct rs_table *t = x->rs->tables[i];

		for (size_t k = 0; t != c->table && k < t->nchains && !buf[0]; k++) {
			const struct rs_chain *o = t->chains[k];
			char at[600] = "";

			if (!o->base || o->hook != c->hook || o->prio > c->prio ||
			    (o->prio == c->prio && i < ci))
				continue;
			for (size_t r = 0; r < o->nrules && !at[0]; r++) {
				const struct sx_rule_info *bi = sx_rule(g->res, &o->rules[r]);

				if (bi && lint_verdict(&o->rules[r]) == LINT_V_DROP && takes_from(bi, s))
					lint_rule_place(&o->rules[r], at, sizeof(at));
			}
			if (at[0])
				snprintf(buf, n, "the rule at %s in table %s %s, chain %s, which runs "
					 "first on this hook", at, rs_family_name(t->family), t->name,
					 o->name);
			else if (o->policy == RS_POLICY_DROP)
				snprintf(buf, n, "the policy drop of table %s %s, chain %s, which runs "
					 "first on this hook", rs_family_name(t->family), t->name, o->name);
		}
	}
}

/* Its own conditions hold for no packet at all, wherever it is evaluated. */
static bool contradicts_itself(const struct sx_rule_info *s)
{
	for (int p = 0; p < SX__NPATHS; p++) {
		if (s->match[p] != bddfalse)
			return false;
	}
	return true;
}

static void shadowed(struct lint_ctx *x, const struct engine *g, const struct sx_rule_info *s)
{
	const struct rs_rule *b = shadower(g, s);
	struct lint_finding *f;
	char at[600], other[800];

	if (contradicts_itself(s)) {
		f = lint_add(x, "XL006", LINT_WARNING, s->rule,
			     "this rule never matches: no packet meets all of its conditions "
			     "together (matches that exclude each other, or a statement that ends "
			     "the rule for every packet its matches take, e.g. synproxy for what "
			     "is not TCP)");
		lint_hint(f, "fix its conditions, or delete it");
		return;
	}
	if (!b)
		other_table_drop(x, g, s, other, sizeof(other));
	if (!b && other[0]) {
		f = lint_add(x, "XL006", LINT_WARNING, s->rule,
			     "this rule never matches: the packets its conditions take are dropped "
			     "before they reach it, by %s", other);
		lint_hint(f, "let them through in that table (Docker: its DOCKER-USER chain), "
			  "or delete this rule");
		return;
	}
	if (!b) {
		f = lint_add(x, "XL006", LINT_WARNING, s->rule,
			     "this rule never matches: packets reach it, but none that its "
			     "conditions take (the rules before it decided all of those)");
		lint_hint(f, "move it above the rules that take its packets, fix its conditions, "
			  "or delete it");
		return;
	}
	lint_rule_place(b, at, sizeof(at));
	f = lint_add(x, "XL006", LINT_WARNING, s->rule,
		     "this rule never matches: every packet it would take was already decided by "
		     "the rule at %s (or the rules between them)", at);
	lint_hint(f, "move it above %s if it must win, or delete it", at);
}

/*
 * Whether the engine's results say anything of rule r: the engine runs
 * the IP paths (input, forward, output) through ip, ip6, inet and netdev
 * tables. An arp or bridge chain is not on them, nor is a dormant table's:
 * its rules get no reach there, which says nothing about the ARP requests
 * and bridged frames that do reach them (their counters count). Those get
 * the cells walk.
 */
static const struct sx_rule_info *engine_info(const struct engine *g, const struct rs_rule *r)
{
	const struct sx_rule_info *s = sx_rule(g->res, r);

	return s && s->modelled ? s : NULL;
}

static void shadow_rule(struct lint_ctx *x, const struct engine *g, struct lint_rinfo *ri)
{
	const struct sx_rule_info *s = engine_info(g, ri->r);

	if (!s) {
		if (!x->incomplete)
			shadowed_by_cells(x, ri);
		return;
	}
	if (!ri->walked || ri->reported_dead)
		return;
	if (!reached(s)) {
		dead(x, g, ri);
		return;
	}
	if (ever_matches(s))
		return;
	ri->reported_dead = true;
	shadowed(x, g, s);
}

/* ---- XL009 ------------------------------------------------------------------------------- */

/*
 * Redundancy is decided locally when it can be: the packets R decides, D =
 * reach(R) & match(R), are followed through the rules after R in its chain
 * (each rule's own conditions, computed once and cached): a later rule with
 * R's verdict takes its part of D, one with another verdict means R is not
 * redundant, a rule without a verdict lets them pass, and what is left at
 * the end of a base chain meets the policy. Free variables stay in D, so a
 * limit later on takes only the packets under it. Anything else (a jump on
 * the way, the end of a regular chain, a chain before conntrack, a ruleset
 * that rewrites marks) falls back to evaluating the whole ruleset without R,
 * which costs a full run: those are bounded by count (MAX_REDUNDANCY_RUNS).
 * The time bound is only a safety net for a pathological ruleset: a report
 * must not depend on how busy the machine is, so it sits far above what
 * the count allows on any ruleset seen (kube-proxy's: 0.7 s under ASan).
 */
#define REDUNDANCY_SECONDS 30.0

struct own {
	BDD m[SX__NPATHS];
	bool done;
};

/*
 * Nothing but matches, gates (limits, quotas) and a verdict: no reject,
 * counter, NAT, set update, tproxy... (what construct.h says a statement
 * changes or gives).
 */
static bool pure(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];
		const struct cx_stmt_desc *d = cx_stmt_desc(s);

		if (s->kind == RS_ST_MATCH || s->kind == RS_ST_VERDICT || s->kind == RS_ST_VMAP)
			continue;
		if (d->changes || d->verdict != CX_V_NONE || lint_stmt_may_miss(s) ||
		    !lint_stmt_gates(s))
			return false;
	}
	return true;
}

/*
 * Every rule of the ruleset is pure: then comparing accepted and dropped
 * sets with and without a rule is the whole story. Otherwise deleting a
 * rule can change what later rules do to the packets it decided (a dnat
 * after an accept in a NAT chain, a jumped-to chain's counters, a reject
 * instead of a drop), which the verdicts do not show.
 */
static bool ruleset_pure(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t c = 0; c < rs->tables[t]->nchains; c++) {
			const struct rs_chain *ch = rs->tables[t]->chains[c];

			for (size_t i = 0; i < ch->nrules; i++)
				if (!pure(&ch->rules[i]))
					return false;
		}
	return true;
}

/* Only matches, gates and a verdict: nothing it does but decide. */
static bool only_decides(const struct rs_rule *r)
{
	return decides(r) && pure(r);
}

static bool rewrites_marks(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t c = 0; c < rs->tables[t]->nchains; c++) {
			const struct rs_chain *ch = rs->tables[t]->chains[c];

			for (size_t i = 0; i < ch->nrules; i++)
				for (size_t k = 0; k < ch->rules[i].nitems; k++)
					if (ch->rules[i].items[k].kind == RS_ST_MANGLE)
						return true;
		}
	return false;
}

/* A rule's own conditions on every path, computed on first use. */
static const struct own *own_of(const struct lint_ctx *x, struct engine *g,
				const struct rs_rule *r)
{
	struct own *o = NULL;
	struct xerr e;

	for (size_t c = 0; g->own && c < x->nch && !o; c++) {
		if (x->ch[c].c == r->chain)
			o = &g->own[g->own_base[c] + (size_t)(r - r->chain->rules)];
	}
	if (!o || o->done)
		return o;
	for (int p = 0; p < SX__NPATHS; p++) {
		if (sx_rule_bdd(g->hs, r, (enum sx_path)p, &o->m[p], &e))
			return NULL;
	}
	o->done = true;
	return o;
}

enum { R_NOT = 0, R_YES = 1, R_UNSURE = -1 };

/* Follow d (owned) through the rules after r on path p. */
static int follow(const struct lint_ctx *x, struct engine *g, const struct rs_rule *r,
		  enum lint_vk vk, enum sx_path p, BDD d)
{
	const struct rs_chain *c = r->chain;
	int rc = R_YES;

	for (const struct rs_rule *l = r + 1; l < c->rules + c->nrules && d != bddfalse; l++) {
		enum lint_vk lv = lint_verdict(l);
		bool effects = !pure(l);
		const struct own *o;

		if ((lv == LINT_V_NONE || lv == LINT_V_CONTINUE) && !effects)
			continue;
		o = own_of(x, g, l);
		if (!o) {
			rc = R_UNSURE;
			break;
		}
		if (bdd_and(d, o->m[p]) == bddfalse)
			continue;
		/* without r these packets would be counted, logged, NATed, rejected ... here */
		if (effects) {
			rc = R_NOT;
			break;
		}
		if (lv != LINT_V_ACCEPT && lv != LINT_V_DROP) {
			rc = R_UNSURE;
			break;
		}
		if (lv != vk) {
			rc = R_NOT;
			break;
		}
		put(&d, MINUS(d, o->m[p]));
	}
	if (rc == R_YES && d != bddfalse) {
		/* what is left falls off the end */
		if (!c->base)
			rc = R_UNSURE;
		else if ((c->policy == RS_POLICY_DROP) != (vk == LINT_V_DROP))
			rc = R_NOT;
	}
	unref(d);
	return rc;
}

static int redundant_local(const struct lint_ctx *x, struct engine *g,
			   const struct lint_rinfo *ri)
{
	const struct sx_rule_info *s = sx_rule(g->res, ri->r);
	enum lint_vk vk = lint_verdict(ri->r);

	if (!s || g->marks || ri->before_ct || (vk != LINT_V_ACCEPT && vk != LINT_V_DROP))
		return R_UNSURE;
	for (int p = 0; p < SX__NPATHS; p++) {
		BDD d = AND(s->reach[p], s->match[p]);
		int rc = follow(x, g, ri->r, vk, (enum sx_path)p, d);

		if (rc != R_YES)
			return rc;
	}
	return hs_check(g->hs, &(struct xerr){ 0 }) ? R_UNSURE : R_YES;
}

static bool same_verdicts(const struct sx_result *a, const struct sx_result *b)
{
	for (int p = 0; p < SX__NPATHS; p++) {
		if (a->accept[p] != b->accept[p] || a->drop[p] != b->drop[p])
			return false;
	}
	return true;
}

/* The whole ruleset again without r. */
static int redundant_run(const struct lint_ctx *x, const struct engine *g, const struct rs_rule *r)
{
	struct sx_opts o = { .skip = r };
	struct sx_result *without = NULL;
	struct xerr e;
	int rc;

	if (sx_run(g->hs, x->rs, &o, &without, &e))
		return R_UNSURE;
	rc = same_verdicts(g->res, without) ? R_YES : R_NOT;
	sx_result_free(without);
	return rc;
}

static void report_redundant(struct lint_ctx *x, const struct rs_rule *r)
{
	struct lint_finding *f;

	f = lint_add(x, "XL009", LINT_INFO, r,
		     "redundant: without this rule every packet gets the same verdict (the rules "
		     "after it, or the chain's policy, decide the same)");
	lint_hint(f, "delete it, or give it a counter or a log if it is there to be seen");
}

static void check_redundant(struct lint_ctx *x, struct engine *g)
{
	long long start = clock_mono_ms();
	size_t runs = 0;

	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++) {
			struct lint_rinfo *ri = &x->ch[c].ri[i];
			int rc;

			if (ri->reported_dead || !ri->walked || !only_decides(ri->r) ||
			    !engine_info(g, ri->r))
				continue;
			if (clock_mono_ms() - start > REDUNDANCY_SECONDS * 1000) {
				x->out->unchecked++;
				continue;
			}
			rc = redundant_local(x, g, ri);
			/* a whole run compares verdicts only: not enough where rules do more */
			if (rc == R_UNSURE && !g->pure)
				rc = R_NOT;
			if (rc == R_UNSURE && runs < MAX_REDUNDANCY_RUNS) {
				runs++;
				rc = redundant_run(x, g, ri->r);
			}
			if (rc == R_UNSURE)
				x->out->unchecked++;
			else if (rc == R_YES)
				report_redundant(x, ri->r);
		}
	}
}

/*
 * A named set that is empty in the policy is one that gets its elements
 * later: `xnft init --admin`, a peer-sync script, `nft add element`. Rules
 * on it are not shadowed, they wait for it. For the engine's runs such a
 * set is marked dynamic (membership is a free choice, as for a set the
 * ruleset fills), and restored afterwards. This is the one place the lint
 * writes to the model it was given; nothing else sees the change.
 */
static void open_empty_sets(const struct lint_ctx *x, struct engine *g)
{
	size_t n = 0;

	for (size_t t = 0; t < x->rs->ntables; t++)
		n += x->rs->tables[t]->nsets;
	g->opened = calloc(n ? n : 1, sizeof(*g->opened));
	if (!g->opened)
		return;
	for (size_t t = 0; t < x->rs->ntables; t++) {
		for (size_t i = 0; i < x->rs->tables[t]->nsets; i++) {
			struct rs_set *s = x->rs->tables[t]->sets[i];

			if (s->nelems || s->is_map || (s->flags & RS_SETF_CONSTANT) ||
			    rs_set_filled_at_run_time(s))
				continue;
			s->flags |= RS_SETF_DYNAMIC;
			g->opened[g->nopened++] = s;
		}
	}
}

static void close_empty_sets(struct engine *g)
{
	for (size_t i = 0; i < g->nopened; i++)
		g->opened[i]->flags &= ~(unsigned)RS_SETF_DYNAMIC;
	free(g->opened);
	g->opened = NULL;
	g->nopened = 0;
}

static int engine_start(const struct lint_ctx *x, struct engine *g)
{
	const struct ruleset *one[1] = { x->rs };
	struct sx_opts o = { .flags = SX_F_RULES };
	struct xerr e;

	memset(g, 0, sizeof(*g));
	open_empty_sets(x, g);
	if (hs_new(one, 1, &g->hs, &e)) {
		close_empty_sets(g);
		return -1;
	}
	if (sx_run(g->hs, x->rs, &o, &g->res, &e)) {
		hs_free(g->hs);
		g->hs = NULL;
		close_empty_sets(g);
		return -1;
	}
	return 0;
}

static int engine_own(const struct lint_ctx *x, struct engine *g)
{
	size_t n = 0;

	g->own_base = calloc(x->nch ? x->nch : 1, sizeof(*g->own_base));
	for (size_t c = 0; g->own_base && c < x->nch; c++) {
		g->own_base[c] = n;
		n += x->ch[c].c->nrules;
	}
	g->own = calloc(n ? n : 1, sizeof(*g->own));
	g->nown = n;
	g->marks = rewrites_marks(x->rs);
	g->pure = ruleset_pure(x->rs);
	return g->own && g->own_base ? 0 : -1;
}

static void engine_stop(struct engine *g)
{
	for (size_t i = 0; g->own && i < g->nown; i++) {
		for (int p = 0; g->own[i].done && p < SX__NPATHS; p++)
			unref(g->own[i].m[p]);
	}
	free(g->own);
	free(g->own_base);
	sx_result_free(g->res);
	hs_free(g->hs);
	close_empty_sets(g);
}

void lint_check_shadow(struct lint_ctx *x)
{
	struct engine g;

	if (!x->rs)
		return;
	if (engine_start(x, &g)) {
		for (size_t c = 0; !x->incomplete && c < x->nch; c++)
			for (size_t i = 0; i < x->ch[c].c->nrules; i++)
				shadowed_by_cells(x, &x->ch[c].ri[i]);
		return;
	}
	for (size_t c = 0; c < x->nch; c++)
		for (size_t i = 0; i < x->ch[c].c->nrules; i++)
			shadow_rule(x, &g, &x->ch[c].ri[i]);
	if (engine_own(x, &g) == 0)
		check_redundant(x, &g);
	engine_stop(&g);
}
