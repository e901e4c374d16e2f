// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The analyses of one loaded policy, run the one way every command runs
 * them: the policy is loaded once by the caller; lint runs in a child
 * process while this one runs a single engine for the exposure and the
 * intents (in turn when no child can be made).
 */
#ifndef XNFT_ANALYZE_ANALYSIS_H
#define XNFT_ANALYZE_ANALYSIS_H

#include <limits.h>
#include <stdbool.h>

#include "analyze/diff.h"
#include "analyze/exposure.h"
#include "analyze/lint.h"
#include "analyze/verify.h"
#include "core/err.h"

struct analysis_request {
	const char *policy;          /* NULL: the live ruleset (no sources, no intents) */
	const struct ruleset *rs;    /* what loaded */
	bool exposure, only_new;     /* compute the exposure (ct state new only) */
	/*
	 * A change under review (the day-two commands): also the diff from
	 * this ruleset to rs, from the same engine, so rs is evaluated once
	 * for the diff and the intents, while lint already runs in its child.
	 */
	const struct ruleset *diff_from;
};

struct analysis {
	struct lint_report lint;
	struct exposure exposure;    /* when asked */
	struct verify_result intents;
	bool have_intents;           /* an intents file was found and proven */
	struct diff_result diff;     /* when diff_from was given */
	bool have_diff;
	bool intents_unchecked;      /* one was found but does not parse or names what the policy
				      * lacks: intents_error says where */
	struct xerr intents_error;
	char intents_path[PATH_MAX + 16];  /* where the intents file is looked for, "" when live */
	char incdir[PATH_MAX];       /* the policy's directory, "" for the live ruleset */
	const char *failed;          /* on failure: "lint" or "engine" */
};

/*
 * Lint, exposure and intents of q->rs into *a (zeroed first). On failure
 * nothing is left to free and e says why; a lint failure is the one
 * reported when both fail.
 */
int analysis_run(const struct analysis_request *q, struct analysis *a, struct xerr *e);
void analysis_free(struct analysis *a);

#endif
