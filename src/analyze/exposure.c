// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exposure: the accept BDDs of the input and forward paths, free choices
 * quantified, described field by field.
 */
#include "analyze/exposure.h"

#include <string.h>

#include "analyze/hspace.h"
#include "analyze/symexec.h"

static int describe_path(struct hspace *hs, const struct sx_result *sx, enum sx_path p,
			 const char *only_iface, struct ds_lines *out, struct xerr *e)
{
	BDD any = sx_accept_any(hs, sx, p);
	BDD dom = bdd_addref(bdd_apply(sx->domain[p], sx->held[p], bddop_diff));
	int rc = ds_describe(hs, any, sx->accept[p], dom, p, only_iface, out, e);

	bdd_delref(dom);
	bdd_delref(any);
	return rc;
}

int exposure_compute(const struct ruleset *rs, struct sx_engine *shared, const char *only_iface,
		     struct exposure *out, struct xerr *e)
{
	struct sx_engine own, *g = shared ? shared : &own;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!shared && sx_engine_start(rs, &own, e))
		return -1;
	rc = describe_path(g->hs, g->sx, SX_INPUT, only_iface, &out->input, e);
	if (!rc)
		rc = describe_path(g->hs, g->sx, SX_FORWARD, only_iface, &out->forward, e);
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
