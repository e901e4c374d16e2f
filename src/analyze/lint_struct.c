// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Structure checks: dead code (XL001), jumps to missing chains (XL002),
 * jump loops (XL003), rules with no effect (XL004), rules without a
 * comment (XL005), chains nothing jumps to (XL007) and rules with
 * expressions xnft does not model (XL008).
 */
#include <stdlib.h>

#include "analyze/construct.h"
#include "analyze/lint_int.h"

/* ---- XL001 -------------------------------------------------------------------------- */

static void dead_rule(struct lint_ctx *x, struct lint_rinfo *ri, const struct rs_rule *k)
{
	const struct rs_verdict *j = k ? lint_jump(k) : NULL;
	struct lint_finding *f;
	char at[600];

	ri->reported_dead = true;
	if (!k) {
		f = lint_add(x, "XL001", LINT_ERROR, ri->r,
			     "no packet reaches this rule: the rules before it decide every "
			     "packet");
		lint_hint(f, "move the rule above the rules that decide first, or delete it");
		return;
	}
	lint_rule_place(k, at, sizeof(at));
	if (j) {
		f = lint_add(x, "XL001", LINT_ERROR, ri->r,
			     "dead code: the packets this rule is about were all sent by `%s %s` "
			     "(%s) to chain %s, which always ends in a verdict, so none comes back",
			     j->kind == RS_VERDICT_GOTO ? "goto" : "jump", j->target, at,
			     j->target);
		lint_hint(f, "move this rule above the %s at %s (a check meant for those packets "
			  "must run before they leave), or into chain %s",
			  j->kind == RS_VERDICT_GOTO ? "goto" : "jump", at, j->target);
		return;
	}
	f = lint_add(x, "XL001", LINT_ERROR, ri->r,
		     "dead code: every packet that gets here already got its verdict at %s", at);
	lint_hint(f, "move this rule above %s, or delete it", at);
}

const struct rs_rule *lint_taker(const struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct rs_chain *c = ri->r->chain;
	const struct lint_cinfo *ci = lint_chain_info(x, c);

	for (size_t j = (size_t)(ri->r - c->rules); ci && j-- > 0;) {
		const struct lint_rinfo *p = &ci->ri[j];
		enum lint_vk vk = lint_verdict(p->r);

		if (vk != LINT_V_NONE && vk != LINT_V_CONTINUE && p->full &&
		    cells_meet(&p->matched, &ri->admitted))
			return p->r;
	}
	return NULL;
}

/* Reached, never matched, and a jump before it took the packets it is about. */
static void dead_after_jump(struct lint_ctx *x, struct lint_rinfo *ri)
{
	const struct rs_rule *t = lint_taker(x, ri);

	if (t && lint_jump(t))
		dead_rule(x, ri, t);
}

static void check_dead(struct lint_ctx *x)
{
	if (x->incomplete)
		return;
	for (size_t c = 0; c < x->nch; c++) {
		const struct lint_cinfo *ci = &x->ch[c];

		for (size_t i = 0; ci->walked && i < ci->c->nrules; i++) {
			struct lint_rinfo *ri = &ci->ri[i];

			if (!ri->walked)
				continue;
			if (cells_empty(&ri->reach))
				dead_rule(x, ri, ri->killer);
			else if (cells_empty(&ri->matched))
				dead_after_jump(x, ri);
		}
	}
}

/* ---- jumps: XL002, XL003, XL007 -------------------------------------------------------- */

typedef void (*target_fn)(struct lint_ctx *x, const struct rs_rule *r,
			  const struct rs_verdict *v, void *arg);

/* Every jump/goto of a rule: its verdict, and the verdicts of a verdict map. */
static void rule_targets(struct lint_ctx *x, const struct rs_rule *r, target_fn fn, void *arg)
{
	const struct rs_verdict *j = lint_jump(r);
	const struct rs_term *map;

	if (j) {
		fn(x, r, j, arg);
		return;
	}
	if (!r->verdict || r->verdict->kind != RS_ST_VMAP)
		return;
	map = &r->verdict->u.vmap.map;
	if (map->kind == RS_TERM_SETREF && map->set) {
		for (size_t i = 0; i < map->set->nelems; i++) {
			const struct rs_term *d = map->set->elems[i].data;

			if (d && d->kind == RS_TERM_VERDICT && d->verdict.target)
				fn(x, r, &d->verdict, arg);
		}
		return;
	}
	for (size_t i = 0; map->kind == RS_TERM_SET && i < map->nelems; i++) {
		const struct rs_term *d = map->elems[i].data;

		if (d && d->kind == RS_TERM_VERDICT && d->verdict.target)
			fn(x, r, &d->verdict, arg);
	}
}

static void missing_target(struct lint_ctx *x, const struct rs_rule *r,
			   const struct rs_verdict *v, void *arg)
{
	struct lint_finding *f;
	struct lint_cinfo *ci;

	(void)arg;
	if (v->chain) {
		ci = lint_chain_info(x, v->chain);
		if (ci)
			ci->referenced = true;
		return;
	}
	f = lint_add(x, "XL002", LINT_ERROR, r,
		     "%s to chain %s, which does not exist in table %s %s: the kernel refuses "
		     "the whole ruleset", v->kind == RS_VERDICT_GOTO ? "goto" : "jump",
		     v->target ? v->target : "(none)", rs_family_name(r->chain->table->family),
		     r->chain->table->name);
	lint_hint(f, "declare `chain %s { }` in the same table before this rule, or fix the name",
		  v->target ? v->target : "NAME");
}

struct dfs {
	const struct rs_chain **stack;
	size_t n, cap;
	const struct rs_chain **done;
	size_t ndone;
};

static bool in_list(const struct rs_chain *const *v, size_t n, const struct rs_chain *c)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == c)
			return true;
	}
	return false;
}

static void dfs_chain(struct lint_ctx *x, struct dfs *d, const struct rs_chain *c);

static void dfs_edge(struct lint_ctx *x, const struct rs_rule *r, const struct rs_verdict *v,
		     void *arg)
{
	struct dfs *d = arg;
	struct lint_finding *f;

	if (!v->chain)
		return;
	if (in_list(d->stack, d->n, v->chain)) {
		f = lint_add(x, "XL003", LINT_ERROR, r,
			     "jump loop: chain %s is already on the way to this rule, so %s %s "
			     "closes a cycle; the kernel refuses the ruleset (ELOOP)",
			     v->chain->name, v->kind == RS_VERDICT_GOTO ? "goto" : "jump",
			     v->chain->name);
		lint_hint(f, "no chain may jump, directly or not, to a chain that jumps to it: "
			  "move the shared rules into a chain of their own");
		return;
	}
	if (!in_list(d->done, d->ndone, v->chain))
		dfs_chain(x, d, v->chain);
}

static void dfs_chain(struct lint_ctx *x, struct dfs *d, const struct rs_chain *c)
{
	if (d->n >= d->cap || d->ndone >= d->cap)
		return;
	d->stack[d->n++] = c;
	for (size_t i = 0; i < c->nrules; i++)
		rule_targets(x, &c->rules[i], dfs_edge, d);
	d->n--;
	d->done[d->ndone++] = c;
}

static void check_loops(struct lint_ctx *x)
{
	struct dfs d = { 0 };

	d.cap = x->nch;
	d.stack = calloc(d.cap ? d.cap : 1, sizeof(*d.stack));
	d.done = calloc(d.cap ? d.cap : 1, sizeof(*d.done));
	if (!d.stack || !d.done) {
		x->out->oom = true;
	} else {
		for (size_t i = 0; i < x->nch; i++) {
			if (!in_list(d.done, d.ndone, x->ch[i].c))
				dfs_chain(x, &d, x->ch[i].c);
		}
	}
	free(d.stack);
	free(d.done);
}

static void check_targets(struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++) {
		const struct rs_chain *ch = x->ch[c].c;

		for (size_t i = 0; i < ch->nrules; i++)
			rule_targets(x, &ch->rules[i], missing_target, NULL);
	}
}

static void check_unreferenced(struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++) {
		const struct lint_cinfo *ci = &x->ch[c];
		const struct rs_chain *ch = ci->c;
		const struct lint_srcline *decl;
		struct lint_finding *f;

		if (ch->base || ci->referenced)
			continue;
		decl = lint_chain_decl(x, ch);
		f = lint_add_at(x->out, "XL007", LINT_WARNING, decl ? decl->file : NULL,
				decl ? decl->line : 0,
				"chain %s is not a base chain and no rule jumps to it: "
				"its %zu rule%s never run", ch->name, ch->nrules,
				ch->nrules == 1 ? "" : "s");
		lint_where(f, "%s %s %s", rs_family_name(ch->table->family), ch->table->name,
			   ch->name);
		lint_hint(f, "add `jump %s` where its packets should go, or delete the chain",
			  ch->name);
	}
}

/* ---- per rule: XL004, XL005, XL008 ------------------------------------------------------- */

bool lint_rule_no_effect(const struct lint_ctx *x, const struct rs_rule *r)
{
	enum lint_vk vk = lint_verdict(r);

	(void)x;
	if (vk != LINT_V_NONE && vk != LINT_V_CONTINUE)
		return false;
	/* what each statement leaves behind is the construct table's to say */
	for (size_t i = 0; i < r->nitems; i++) {
		if (cx_stmt_effect(&r->items[i]))
			return false;
	}
	return true;
}

static void check_rule(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct rs_rule *r = ri->r;
	struct lint_finding *f;

	if (lint_rule_no_effect(x, r) && !lint_limit_then_drop(x, r)) {
		f = lint_add(x, "XL004", LINT_WARNING, r,
			     "this rule has no effect: no verdict, and nothing it does (no "
			     "counter, log, set update, mark or nat) is seen by anyone");
		lint_hint(f, "give it a verdict (accept, drop, jump ...), or delete it");
	}
	if (!r->comment || !r->comment[0]) {
		f = lint_add(x, "XL005", LINT_INFO, r,
			     "rule without a comment: a reader cannot tell why it is there");
		lint_hint(f, "add `comment \"why this rule exists\"` at its end");
	}
	if (r->nunknown) {
		f = lint_add(x, "XL008", LINT_INFO, r,
			     "%zu expression%s in this rule %s not modelled by xnft: the analysis "
			     "treats %s as free (any value)", r->nunknown,
			     r->nunknown == 1 ? "" : "s", r->nunknown == 1 ? "is" : "are",
			     r->nunknown == 1 ? "it" : "them");
		lint_hint(f, "nothing to fix in the ruleset; conclusions about this rule are "
			  "weaker (`xnft trace` shows what it assumes)");
	}
}

void lint_check_structure(struct lint_ctx *x)
{
	if (!x->rs)
		return;
	check_targets(x);
	check_loops(x);
	check_unreferenced(x);
	check_dead(x);
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++)
			check_rule(x, &x->ch[c].ri[i]);
	}
}
