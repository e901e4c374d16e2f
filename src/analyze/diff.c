// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff: both rulesets over one header space; the symmetric difference of
 * their accept BDDs, per path, described field by field.
 */
#include "analyze/diff.h"

#include <string.h>

#include "analyze/bddref.h"
#include "analyze/hspace.h"

static const char *const kind_names[DIFF__NKINDS] = {
	"now accepted", "no longer accepted", "now possibly accepted",
	"no longer possibly accepted",
};

const char *diff_kind_name(enum diff_kind k)
{
	return k < DIFF__NKINDS ? kind_names[k] : "?";
}

static int diff_path(struct hspace *hs, const struct sx_result *a, const struct sx_result *b,
		     enum sx_path p, struct diff_result *out, struct xerr *e)
{
	BDD wa = sx_accept_wb(hs, a, p), wb = sx_accept_wb(hs, b, p);
	BDD xa = sx_accept_any(hs, a, p), xb = sx_accept_any(hs, b, p);
	BDD heldboth = AND(a->held[p], b->held[p]);
	BDD dom = MINUS(a->domain[p], heldboth);
	BDD r[DIFF__NKINDS], full[DIFF__NKINDS];
	int rc = 0;

	r[DIFF_NOW_ACCEPTED] = MINUS(wb, wa);
	r[DIFF_NO_LONGER] = MINUS(wa, wb);
	{
		BDD x = MINUS(xb, xa), y = MINUS(xa, xb);

		r[DIFF_NOW_POSSIBLY] = MINUS(x, r[DIFF_NOW_ACCEPTED]);
		r[DIFF_NO_LONGER_POSSIBLY] = MINUS(y, r[DIFF_NO_LONGER]);
		unref(x);
		unref(y);
	}
	full[DIFF_NOW_ACCEPTED] = full[DIFF_NOW_POSSIBLY] = b->accept[p];
	full[DIFF_NO_LONGER] = full[DIFF_NO_LONGER_POSSIBLY] = a->accept[p];
	for (int k = 0; k < DIFF__NKINDS; k++) {
		if (!rc && r[k] != bddfalse) {
			out->changed = true;
			rc = ds_describe(hs, r[k], full[k], dom, p, NULL, &out->lines[p][k], e);
		}
		unref(r[k]);
	}
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
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (int p = 0; p < SX__NPATHS && !rc; p++)
		rc = diff_path(hs, a, b, (enum sx_path)p, out, e);
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
