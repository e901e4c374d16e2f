/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Safe apply's state as metrics: the last commit (when, and whether the
 * kernel took it), what is loaded (its fingerprint) and whether it is the
 * confirmed policy, a pending confirmation and its deadline, and whether
 * the host booted into the built-in fallback and still runs it. Read from
 * the state directory and one listing of xnft's table; no policy is loaded.
 */
#ifndef XNFT_TELEMETRY_APPLYSTATE_H
#define XNFT_TELEMETRY_APPLYSTATE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "core/err.h"

struct tm_apply {
	bool table_loaded;        /* inet xnft is in the kernel */
	char fingerprint[72];     /* of the loaded table; "" none */
	bool confirmed_present;
	bool drift;               /* loaded table != the confirmed one */
	time_t last_commit;       /* 0: never */
	bool last_commit_ok;
	bool pending;
	time_t pending_deadline;
	bool fallback_active;     /* booted into the fallback; nothing applied since */

	/* the loaded ruleset analysed (tm_apply_analyse) */
	bool analysed;
	size_t lint[3];           /* findings by enum lint_severity */
	bool intents_checked;     /* the policy's intents file was read */
	size_t intents_held, intents_violated;
};

int tm_apply_read(struct tm_apply *a, struct xerr *e);

/*
 * Lint the loaded ruleset, and prove the intents of policy (a file or a
 * directory; its `intents` file and defines) against it. Seconds of CPU
 * for a 10,000-rule table: the daemon does it rarely.
 */
int tm_apply_analyse(struct tm_apply *a, const char *policy, struct xerr *e);

/*
 * The same in a child process: the listing behind the fingerprint takes
 * hundreds of MiB for a 100,000-element set, which a long-lived daemon
 * would otherwise keep as its high-water mark. With analyse_policy, also
 * tm_apply_analyse (else a->analysed is false).
 */
int tm_apply_read_child(struct tm_apply *a, const char *analyse_policy, struct xerr *e);

/* The series (xnft_apply_*, xnft_policy_*, xnft_fallback_active). */
void tm_apply_write(FILE *out, const struct tm_apply *a);

#endif
