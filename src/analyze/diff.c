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

static const char *const kind_names[DIFF__NKINDS] = {
	"now accepted", "no longer accepted", "now possibly accepted",
	"no longer possibly accepted",
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

static int diff_path(struct hspace *hs, const struct sx_result *a, const struct sx_result *b,
		     enum sx_path p, struct diff_result *out, struct xerr *e)
{
	/* per host fact (br_netfilter on a file): a change on one host only is a change */
	BDD wa = sx_accept_wb_per_host(hs, a, p), wb = sx_accept_wb_per_host(hs, b, p);
	BDD xa = sx_accept_any_per_host(hs, a, p), xb = sx_accept_any_per_host(hs, b, p);
	BDD host = hs_freevars_set_host(hs);
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
	unref(host);
	full[DIFF_NOW_ACCEPTED] = full[DIFF_NOW_POSSIBLY] = b->accept[p];
	full[DIFF_NO_LONGER] = full[DIFF_NO_LONGER_POSSIBLY] = a->accept[p];
	for (int k = 0; k < DIFF__NKINDS; k++) {
		if (!rc && r[k] != bddfalse) {
			out->changed = true;
			rc = describe_per_host(hs, r[k], full[k], dom, p, &out->lines[p][k], e);
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
