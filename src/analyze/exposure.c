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

int exposure_compute(const struct ruleset *rs, const char *only_iface, struct exposure *out,
		     struct xerr *e)
{
	const struct ruleset *v[1] = { rs };
	struct hspace *hs = NULL;
	struct sx_result *sx = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = hs_new(v, 1, &hs, e);
	if (!rc)
		rc = sx_run(hs, rs, NULL, &sx, e);
	if (!rc)
		rc = describe_path(hs, sx, SX_INPUT, only_iface, &out->input, e);
	if (!rc)
		rc = describe_path(hs, sx, SX_FORWARD, only_iface, &out->forward, e);
	if (!rc) {
		out->nfree = hs->nfv;
		for (size_t i = 0; i < hs->nfv; i++)
			out->nunknown += hs->fv[i].kind == HS_FV_UNKNOWN;
	}
	sx_result_free(sx);
	hs_free(hs);
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
