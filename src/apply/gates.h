/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The three gates between a policy that loads and the kernel: lint errors,
 * the policy's intents, and the admin's live SSH connections (lockout).
 * Each says pass or fail, with a readable report of why.
 */
#ifndef XNFT_APPLY_GATES_H
#define XNFT_APPLY_GATES_H

#include "apply/fallback.h"
#include "analyze/lint.h"
#include "core/err.h"
#include "core/ruleset.h"

enum gate_outcome { GATE_PASS = 0, GATE_FAIL };

struct gate_report {
	enum gate_outcome outcome;
	char summary[512];   /* one line for the progress output */
	char *details;       /* findings, one per line or block; malloc'd, may be NULL */
	char hint[512];      /* what to do about a failure; "" = the generic advice */
};

void gate_report_free(struct gate_report *g);

/* Lint the loaded policy; errors fail the gate. */
int gate_lint(const char *policy, const struct ruleset *rs, struct gate_report *g,
	      struct xerr *e);

/*
 * The same in two halves, lint running in a child process in between (so
 * that the intents gate can run meanwhile): a lint_async job from
 * lint_async_start(policy, rs, ...) is finished into the gate's report.
 */
int gate_lint_finish(struct lint_async *la, const struct ruleset *rs, struct gate_report *g,
		     struct xerr *e);

/*
 * The policy's intents file (`intents` next to its entry file), proved by
 * verify for every packet. No intents file: passes, saying so.
 */
int gate_intents(const char *entry, const char *incdir, const struct ruleset *rs,
		 struct gate_report *g, struct xerr *e);

/*
 * The admin's SSH connections (lockout.h: SSH_CONNECTION, sshd's sockets,
 * conntrack in both directions; SSH ports 22, the policy's SSH_PORT, the
 * last confirmed policy's and the ones sshd listens on) traced through the
 * new ruleset both ways: the client's packets (input) as established and
 * as a new connection, and this host's replies (output, postrouting) to
 * each. Any that would be dropped fails the gate, the report naming the
 * connection, the direction and the rule that drops it (file:line). So
 * does a policy whose SSH_PORT is not a port sshd listens on.
 */
int gate_lockout(const struct ruleset *rs, const char *base_dir,
		 const struct fallback_values *hostv, struct gate_report *g, struct xerr *e);

#endif
