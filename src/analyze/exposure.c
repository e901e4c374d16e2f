// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exposure: the accept BDDs of the input and forward paths, free choices
 * quantified, described field by field.
 */
#include "analyze/exposure.h"

#include <string.h>

#include "analyze/hspace.h"
#include "analyze/symexec.h"

/* b & keep, released and re-referenced: keep == bddtrue leaves b as it is. */
static BDD narrow(BDD b, BDD keep)
{
	BDD r = bdd_addref(bdd_and(b, keep));

	bdd_delref(b);
	return r;
}

/*
 * With only_new the domain shrinks too: every packet a line may take for
 * granted is then in state new, so lines do not repeat "ct state new".
 */
static int describe_path(struct hspace *hs, const struct sx_result *sx, enum sx_path p,
			 const struct exposure_query *q, struct ds_lines *out, struct xerr *e)
{
	BDD keep = q->only_new ? hs_ct_state(hs, RS_CTSTATE_NEW) : bdd_addref(bddtrue);
	BDD any = narrow(sx_accept_any(hs, sx, p), keep);
	BDD full = narrow(bdd_addref(sx->accept[p]), keep);
	BDD dom = narrow(bdd_addref(bdd_apply(sx->domain[p], sx->held[p], bddop_diff)), keep);
	int rc = ds_describe(hs, any, full, dom, p, q->only_iface, out, e);

	bdd_delref(dom);
	bdd_delref(full);
	bdd_delref(any);
	bdd_delref(keep);
	return rc;
}

int exposure_compute(const struct ruleset *rs, struct sx_engine *shared,
		     const struct exposure_query *q, struct exposure *out, struct xerr *e)
{
	static const struct exposure_query every = { NULL, false };
	struct sx_engine own, *g = shared ? shared : &own;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!q)
		q = &every;
	out->only_new = q->only_new;
	if (!shared && sx_engine_start(rs, &own, e))
		return -1;
	rc = describe_path(g->hs, g->sx, SX_INPUT, q, &out->input, e);
	if (!rc)
		rc = describe_path(g->hs, g->sx, SX_FORWARD, q, &out->forward, e);
	if (!rc) {
		out->nfree = g->hs->nfv;
		for (size_t i = 0; i < g->hs->nfv; i++)
			out->nunknown += g->hs->fv[i].kind == HS_FV_UNKNOWN;
	}
	if (!shared)
		sx_engine_stop(&own);
	if (rc)
		exposure_free(out);
	return rc;
}

void exposure_free(struct exposure *x)
{
	ds_lines_free(&x->input);
	ds_lines_free(&x->forward);
	memset(x, 0, sizeof(*x));
}
