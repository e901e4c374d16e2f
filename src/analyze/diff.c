// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff: both rulesets over one header space; the symmetric difference of
 * their accept BDDs, per path, described field by field.
 */
#include "analyze/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/bddref.h"
#include "analyze/hspace.h"
#include "core/strbuf.h"

static const char *const kind_names[DIFF__NKINDS] = {
	"now accepted", "no longer accepted", "now possibly accepted",
	"no longer possibly accepted", "now accepted in some cases",
	"no longer accepted in some cases",
};

const char *diff_kind_name(enum diff_kind k)
{
	return k < DIFF__NKINDS ? kind_names[k] : "?";
}

/* Line d holds only when: its condition "if ..." from the rules becomes "only if ...". */
static int line_only(struct ds_line *d, const char *when)
{
	size_t k = 0;
	char **c, *t;

	while (k < d->nconds && strcmp(d->conds[k], when))
		k++;
	if (asprintf(&t, "only %s", when) < 0)
		return -1;
	if (k == d->nconds) {
		c = realloc(d->conds, (d->nconds + 1) * sizeof(*c));
		if (!c) {
			free(t);
			return -1;
		}
		d->conds = c;
		d->nconds++;
	} else {
		free(d->conds[k]);
	}
	d->conds[k] = t;
	return 0;
}

/*
 * Move the lines of part to the end of out; when when is not NULL, each
 * says it holds on one kind of host only ("only if br_netfilter is loaded").
 */
static int take_lines(struct ds_lines *out, struct ds_lines *part, const char *when)
{
	struct ds_line *v = realloc(out->v, (out->n + part->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	out->v = v;
	for (size_t i = 0; when && i < part->n; i++)
		if (line_only(&part->v[i], when))
			return -1;
	memcpy(out->v + out->n, part->v, part->n * sizeof(*v));
	out->n += part->n;
	out->cap = out->n;
	out->truncated |= part->truncated;
	out->merged |= part->merged;
	free(part->v);
	memset(part, 0, sizeof(*part));
	return 0;
}

/* Describe region into out, after the lines already there. */
static int describe_more(struct hspace *hs, BDD region, BDD full, BDD dom, enum sx_path p,
			 const char *when, struct ds_lines *out, struct xerr *e)
{
	struct ds_lines part;

	if (ds_describe(hs, region, full, dom, p, NULL, &part, e))
		return -1;
	if (take_lines(out, &part, when)) {
		ds_lines_free(&part);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory describing a change");
	}
	return 0;
}

/*
 * Describe change r (over the fields and the host's facts): what changes
 * on every host plainly, then, per host fact, what changes only with one
 * of its values, each line saying which.
 */
static int describe_per_host(struct hspace *hs, BDD r, BDD full, BDD dom, enum sx_path p,
			     struct ds_lines *out, struct xerr *e)
{
	BDD host = hs_freevars_set_host(hs), all = ref(bdd_forall(r, host));
	int rc = all != bddfalse ? ds_describe(hs, all, full, dom, p, NULL, out, e) : 0;

	for (size_t i = 0; !rc && i < hs->nfv; i++) {
		const struct hs_freevar *f = &hs->fv[i];

		for (int val = 1; !rc && val >= 0 && f->kind == HS_FV_HOST; val--) {
			BDD on = ref(bdd_restrict(r, val ? bdd_ithvar(f->var) : bdd_nithvar(f->var)));
			BDD off = ref(bdd_restrict(r, val ? bdd_nithvar(f->var) : bdd_ithvar(f->var)));
			BDD only = MINUS(on, off), x = ref(bdd_exist(only, host));

			if (x != bddfalse)
				rc = describe_more(hs, x, full, dom, p, val ? f->when_true : f->when_false,
						   out, e);
			unref(x);
			unref(only);
			unref(on);
			unref(off);
		}
	}
	unref(all);
	unref(host);
	return rc;
}

/* Two statements in the same chain of the same table (rule may be NULL). */
static bool same_chain(const struct rs_rule *x, const struct rs_rule *y)
{
	const struct rs_chain *cx = x ? x->chain : NULL, *cy = y ? y->chain : NULL;

	return cx && cy && cx->table && cy->table && cx->name && cy->name &&
	       cx->table->family == cy->table->family && !strcmp(cx->table->name, cy->table->name) &&
	       !strcmp(cx->name, cy->name);
}

/*
 * Both written alike: what the descriptions leave out (a limit's burst)
 * still tells two statements apart. Variables that are no statement of
 * their rule (a verdict map key, a dnat target) go by their descriptions.
 */
static bool same_statement(const struct hs_freevar *x, const struct hs_freevar *y)
{
	const struct rs_stmt *sx = x->stmt, *sy = y->stmt;
	char *tx, *ty;
	bool same;

	if (!sx || !sy)
		return !sx && !sy;
	tx = rs_stmt_format(sx);
	ty = rs_stmt_format(sy);
	same = tx && ty && !strcmp(tx, ty);
	free(tx);
	free(ty);
	return same;
}

/* The same condition (limit, quota, unknown match ...) written in the same chain. */
static bool same_condition(const struct hs_freevar *x, const struct hs_freevar *y)
{
	return x->kind == y->kind && x->wb == y->wb && !strcmp(x->when_true, y->when_true) &&
	       !strcmp(x->when_false, y->when_false) && same_chain(x->rule, y->rule) &&
	       same_statement(x, y);
}

/*
 * What a rule does, as one text: its statements but counters and logs,
 * which change no verdict (malloc'd; NULL: no rule, or out of memory).
 */
static char *rule_decides(const struct rs_rule *rule)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; rule && i < rule->nitems; i++) {
		const struct rs_stmt *s = &rule->items[i];
		char *t;

		if (s->kind == RS_ST_COUNTER || s->kind == RS_ST_LOG)
			continue;
		t = rs_stmt_format(s);
		strbuf_addf(&b, "%s%s", b.len ? " " : "", t ? t : "?");
		free(t);
	}
	return rule ? strbuf_take(&b) : NULL;
}

/* One pass of pair_conditions: with alike, only conditions whose rules decide alike. */
static int pair_pass(const struct hspace *hs, size_t mine, size_t theirs, char **decides,
		     bool alike, bool *taken, bool *paired, bddPair *pair)
{
	int n = 0;

	for (size_t y = theirs; y < hs->nfv; y++)
		for (size_t x = mine; x < theirs && !paired[y]; x++) {
			if (taken[x] || !same_condition(&hs->fv[x], &hs->fv[y]))
				continue;
			if (alike && (!decides[x] || !decides[y] || strcmp(decides[x], decides[y])))
				continue;
			taken[x] = paired[y] = true;
			bdd_setpair(pair, hs->fv[y].var, hs->fv[x].var);
			n++;
		}
	return n;
}

/*
 * Which of the second run's own free variables stand for the same condition
 * as one of the first run's: statement variables are keyed by the statement
 * (hs_stmt_freevar), so `limit rate 10/second` in both files is two variables and
 * a pointwise comparison would see a change everywhere it is used. A
 * condition pairs first with one in a rule that decides alike (a rule added
 * before it with the same limit does not shift it), then the k-th left of
 * a chain in one file with the k-th left in the other; a variable the
 * second run uses too (a dynamic set's membership) is already shared. Fills
 * pair with the renaming; returns how many, -1 when out of memory.
 */
static int pair_conditions(const struct hspace *hs, const struct sx_result *first,
			   const struct sx_result *second, bddPair *pair)
{
	size_t mine = first->nfree_before, theirs = second->nfree_before, nfv = hs->nfv;
	BDD used = bddfalse;
	int *vars = NULL, nvars = 0, n = -1;
	bool *taken = calloc(nfv ? nfv : 1, sizeof(*taken));
	bool *paired = calloc(nfv ? nfv : 1, sizeof(*paired));
	char **decides = calloc(nfv ? nfv : 1, sizeof(*decides));

	for (int p = 0; p < SX__NPATHS; p++)
		or_into(&used, second->accept[p]);
	if (taken && paired && decides && !hs_support(used, &vars, &nvars)) {
		/* a variable the second run uses too is one already: not to be paired */
		for (int i = 0; i < nvars; i++)
			if (vars[i] >= hs->nfieldvars && (size_t)(vars[i] - hs->nfieldvars) < nfv)
				taken[vars[i] - hs->nfieldvars] = true;
		for (size_t i = mine; i < nfv; i++)
			decides[i] = rule_decides(hs->fv[i].rule);
		n = pair_pass(hs, mine, theirs, decides, true, taken, paired, pair);
		n += pair_pass(hs, mine, theirs, decides, false, taken, paired, pair);
	}
	for (size_t i = 0; decides && i < nfv; i++)
		free(decides[i]);
	unref(used);
	free(vars);
	free(decides);
	free(paired);
	free(taken);
	return n;
}

/*
 * The accept BDDs of a and b with their free variables, for a pointwise
 * comparison: the run that came second has its conditions renamed to the
 * first's where they are the same (pair_conditions).
 */
static int pointwise_accepts(struct hspace *hs, const struct sx_result *a,
			     const struct sx_result *b, BDD ca[SX__NPATHS], BDD cb[SX__NPATHS],
			     struct xerr *e)
{
	bool b_second = a->nfree_before <= b->nfree_before;
	const struct sx_result *first = b_second ? a : b, *second = b_second ? b : a;
	BDD *renamed = b_second ? cb : ca, *kept = b_second ? ca : cb;
	bddPair *pair = bdd_newpair();
	int n = pair ? pair_conditions(hs, first, second, pair) : -1;

	for (int p = 0; p < SX__NPATHS; p++) {
		kept[p] = ref(first->accept[p]);
		renamed[p] = n > 0 ? ref(bdd_replace(second->accept[p], pair))
				   : ref(second->accept[p]);
	}
	if (pair)
		bdd_freepair(pair);
	if (n < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	return 0;
}

/* The packets of change (with free variables fv) not in listed1 or listed2. */
static BDD unlisted(BDD change, BDD fv, BDD listed1, BDD listed2)
{
	BDD any = ref(bdd_exist(change, fv)), r = MINUS(any, listed1);

	put(&r, MINUS(r, listed2));
	unref(any);
	return r;
}

/*
 * One path. ca and cb are the accept BDDs with their free variables
 * (pointwise_accepts): what changed only in which state of a limit or set
 * lets a packet through keeps both projections, and is listed as "now
 * (no longer) accepted in some cases" with the states it needs.
 */
static int diff_path(struct hspace *hs, const struct sx_result *a, const struct sx_result *b,
		     BDD ca, BDD cb, enum sx_path p, struct diff_result *out, struct xerr *e)
{
	/* per host fact (br_netfilter on a file): a change on one host only is a change */
	BDD wa = sx_accept_wb_per_host(hs, a, p), wb = sx_accept_wb_per_host(hs, b, p);
	BDD xa = sx_accept_any_per_host(hs, a, p), xb = sx_accept_any_per_host(hs, b, p);
	BDD host = hs_freevars_set_host(hs);
	BDD heldboth = AND(a->held[p], b->held[p]);
	BDD dom = MINUS(a->domain[p], heldboth);
	BDD gain = MINUS(cb, ca), loss = MINUS(ca, cb), fv = hs_freevars_set_but_host(hs);
	BDD r[DIFF__NKINDS], full[DIFF__NKINDS];
	int rc = 0;

	r[DIFF_NOW_ACCEPTED] = MINUS(wb, wa);
	r[DIFF_NO_LONGER] = MINUS(wa, wb);
	{
		BDD x = MINUS(xb, xa), y = MINUS(xa, xb);

		r[DIFF_NOW_POSSIBLY] = MINUS(x, r[DIFF_NOW_ACCEPTED]);
		r[DIFF_NO_LONGER_POSSIBLY] = MINUS(y, r[DIFF_NO_LONGER]);
		/* the rest of the pointwise difference: the kinds above cover x and y */
		r[DIFF_NOW_SOME] = unlisted(gain, fv, r[DIFF_NOW_ACCEPTED], x);
		r[DIFF_NO_LONGER_SOME] = unlisted(loss, fv, r[DIFF_NO_LONGER], y);
		unref(x);
		unref(y);
	}
	unref(host);
	full[DIFF_NOW_ACCEPTED] = full[DIFF_NOW_POSSIBLY] = b->accept[p];
	full[DIFF_NO_LONGER] = full[DIFF_NO_LONGER_POSSIBLY] = a->accept[p];
	full[DIFF_NOW_SOME] = gain;
	full[DIFF_NO_LONGER_SOME] = loss;
	for (int k = 0; k < DIFF__NKINDS; k++) {
		if (!rc && r[k] != bddfalse) {
			out->changed = true;
			rc = describe_per_host(hs, r[k], full[k], dom, p, &out->lines[p][k], e);
		}
		unref(r[k]);
	}
	unref(fv);
	unref(gain);
	unref(loss);
	unref(dom);
	unref(heldboth);
	unref(wa);
	unref(wb);
	unref(xa);
	unref(xb);
	return rc;
}

int diff_compute(const struct ruleset *old_rs, const struct ruleset *new_rs,
		 struct diff_result *out, struct xerr *e)
{
	const struct ruleset *v[2] = { old_rs, new_rs };
	struct hspace *hs = NULL;
	struct sx_result *a = NULL, *b = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = hs_new(v, 2, &hs, e);
	if (!rc)
		rc = sx_run(hs, old_rs, NULL, &a, e);
	if (!rc)
		rc = sx_run(hs, new_rs, NULL, &b, e);
	if (!rc)
		rc = diff_compute_in(hs, a, b, out, e);
	sx_result_free(a);
	sx_result_free(b);
	hs_free(hs);
	return rc;
}

int diff_compute_in(struct hspace *hs, const struct sx_result *a, const struct sx_result *b,
		    struct diff_result *out, struct xerr *e)
{
	BDD ca[SX__NPATHS], cb[SX__NPATHS];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pointwise_accepts(hs, a, b, ca, cb, e);
	for (int p = 0; p < SX__NPATHS && !rc; p++)
		rc = diff_path(hs, a, b, ca[p], cb[p], (enum sx_path)p, out, e);
	for (int p = 0; p < SX__NPATHS; p++) {
		unref(ca[p]);
		unref(cb[p]);
	}
	if (!rc)
		rc = diff_tables(a->rs, b->rs, out, e);
	out->bridge_ports = hs->ports_assumed;
	out->brnf4 = ruleset_brnf(b->rs, false);
	out->brnf6 = ruleset_brnf(b->rs, true);
	if (rc)
		diff_free(out);
	return rc;
}

void diff_free(struct diff_result *d)
{
	for (int p = 0; p < SX__NPATHS; p++)
		for (int k = 0; k < DIFF__NKINDS; k++)
			ds_lines_free(&d->lines[p][k]);
	diff_tables_free(d);
	memset(d, 0, sizeof(*d));
}
