// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One pipeline for the analyses of a loaded policy: see analysis.h.
 */
#include "analyze/analysis.h"

#include <string.h>
#include <unistd.h>

#include "analyze/hspace.h"
#include "analyze/symexec.h"
#include "core/policy_load.h"

/* The intents file next to the policy's entry file; 0 with *have = false when there is none. */
static int find_intents(const struct analysis_request *q, struct analysis *a, char *entry,
			size_t entry_len, struct xerr *e)
{
	a->have_intents = false;
	if (!q->policy)
		return 0;
	if (policy_resolve(q->policy, entry, entry_len, a->incdir, sizeof(a->incdir), e))
		return -1;
	verify_intents_next_to(entry, a->intents_path, sizeof(a->intents_path));
	a->have_intents = access(a->intents_path, F_OK) == 0;
	return 0;
}

/* Intents that do not parse, or name what the policy lacks, are a finding, not a failure. */
static int prove_intents(const char *entry, const struct analysis_request *q, struct analysis *a,
			 struct sx_engine *g, struct xerr *e)
{
	if (!verify_policy(entry, a->incdir, q->rs, g, a->intents_path, &a->intents, e))
		return 0;
	a->have_intents = false;
	if (e->code != XNFT_EXIT_FINDINGS)
		return -1;
	a->intents_unchecked = true;
	a->intents_error = *e;
	xerr_clear(e);
	return 0;
}

/*
 * The engine of q->rs; with q->diff_from, made over both rulesets' header
 * space, and the diff computed from it on the way.
 */
static int start_engine(const struct analysis_request *q, struct analysis *a,
			struct sx_engine *g, struct xerr *e)
{
	const struct ruleset *both[2] = { q->diff_from, q->rs };
	struct sx_result *old = NULL;
	int rc;

	if (!q->diff_from)
		return sx_engine_start(q->rs, g, e);
	memset(g, 0, sizeof(*g));
	g->rs = q->rs;
	rc = hs_new(both, 2, &g->hs, e);
	if (!rc)
		rc = sx_run(g->hs, q->diff_from, NULL, &old, e);
	if (!rc)
		rc = sx_run(g->hs, q->rs, NULL, &g->sx, e);
	if (!rc)
		rc = diff_compute_in(g->hs, old, g->sx, &a->diff, e);
	sx_result_free(old);
	if (rc) {
		sx_engine_stop(g);
		return -1;
	}
	a->have_diff = true;
	return 0;
}

/*
 * The exposure (when asked) and the intents (when there are any), both
 * from one engine: the exposure first, so that it sees the engine exactly
 * as `xnft exposure` would.
 */
static int run_engine(const struct analysis_request *q, struct analysis *a, struct xerr *e)
{
	char entry[PATH_MAX];
	struct sx_engine g;
	int rc = 0;

	if (find_intents(q, a, entry, sizeof(entry), e))
		return -1;
	if (!q->exposure && !a->have_intents && !q->diff_from)
		return 0;
	if (start_engine(q, a, &g, e))
		return -1;
	if (q->exposure)
		rc = exposure_compute(q->rs, &g, &(struct exposure_query){ NULL, q->only_new },
				      &a->exposure, e);
	if (!rc && a->have_intents) {
		rc = prove_intents(entry, q, a, &g, e);
		if (rc && q->exposure)
			exposure_free(&a->exposure);
	}
	sx_engine_stop(&g);
	if (rc && a->have_diff) {
		diff_free(&a->diff);
		a->have_diff = false;
	}
	return rc;
}

/* Lint the loaded policy (the live ruleset has no sources: model only). */
static int run_lint(const struct analysis_request *q, struct lint_report *lr, struct xerr *e)
{
	if (!q->policy)
		return lint_ruleset(q->rs, NULL, lr, e);
	return lint_check(q->policy, q->rs, lr, e);
}

/* Undo what run_engine made, after it succeeded. */
static void engine_free(const struct analysis_request *q, struct analysis *a)
{
	if (a->have_intents)
		verify_result_free(&a->intents);
	a->have_intents = false;
	if (q->exposure)
		exposure_free(&a->exposure);
	if (a->have_diff)
		diff_free(&a->diff);
	a->have_diff = false;
}

int analysis_run(const struct analysis_request *q, struct analysis *a, struct xerr *e)
{
	struct lint_async la;
	struct xerr le;
	int lrc, erc;

	memset(a, 0, sizeof(*a));
	xerr_clear(&le);
	if (lint_async_start(q->policy, q->rs, &la, &le)) {
		if (run_lint(q, &a->lint, e)) {
			lint_report_free(&a->lint);
			a->failed = "lint";
			return -1;
		}
		erc = run_engine(q, a, e);
	} else {
		erc = run_engine(q, a, e);
		lrc = lint_async_finish(&la, q->rs, &a->lint, &le);
		if (lrc) {
			*e = le;
			if (!erc)
				engine_free(q, a);
			lint_report_free(&a->lint);
			a->failed = "lint";
			return -1;
		}
	}
	if (erc) {
		lint_report_free(&a->lint);
		a->failed = "engine";
	}
	return erc;
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	if (a->have_intents)
		verify_result_free(&a->intents);
	if (a->have_diff)
		diff_free(&a->diff);
	exposure_free(&a->exposure);
	lint_report_free(&a->lint);
	memset(a, 0, sizeof(*a));
}
