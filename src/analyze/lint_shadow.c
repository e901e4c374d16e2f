// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shadowed rules (XL006): packets reach the rule, but none of them can
 * satisfy its conditions, because the rules before it already decided every
 * packet it would match.
 */
#include "analyze/lint_int.h"

static void shadowed_by_cells(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	struct lint_finding *f;

	if (!ri->walked || cells_empty(&ri->reach) || !cells_empty(&ri->matched))
		return;
	f = lint_add(x, "XL006", LINT_WARNING, ri->r,
		     "this rule never matches: every packet that reaches it has an interface, "
		     "family or conntrack state its conditions exclude (the rules before it "
		     "decided all the others)");
	lint_hint(f, "move it above the rules that take its packets, fix its conditions, or "
		  "delete it");
}

void lint_check_shadow(struct lint_ctx *x)
{
	if (x->incomplete)
		return;
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++)
			shadowed_by_cells(x, &x->ch[c].ri[i]);
	}
}
