/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The three gates between a policy that loads and the kernel: lint errors,
 * the policy's intents, and the admin's live SSH connections (lockout).
 * Each says pass or fail, with a readable report of why.
 */
#ifndef XNFT_APPLY_GATES_H
#define XNFT_APPLY_GATES_H

#include "apply/fallback.h"
#include "analyze/analysis.h"
#include "analyze/lint.h"
#include "core/err.h"
#include "core/ruleset.h"
#include "core/strbuf.h"

enum gate_outcome { GATE_PASS = 0, GATE_FAIL };

struct gate_report {
	enum gate_outcome outcome;
	char summary[512];   /* one line for the progress output */
	struct strbuf details; /* findings, one per line or block; empty when none */
	char hint[512];      /* what to do about a failure; "" = the generic advice */
};

void gate_report_free(struct gate_report *g);

/* The lint gate from lint's report: errors fail it. */
void gate_lint_report(const struct lint_report *rep, struct gate_report *g);

/*
 * The intents gate from the analysis (analysis.h): the intents file next to
 * the entry file, proved for every packet. No intents file: passes, saying
 * so; one that cannot be checked fails.
 */
void gate_intents_report(const struct analysis *a, struct gate_report *g);

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
