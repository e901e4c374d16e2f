// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft confirm: keep the policy of a pending `xnft apply --confirm`. */
#include "cli/cli.h"

#include <stdio.h>

#include <time.h>

#include "apply/apply.h"
#include "apply/last.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/timefmt.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft confirm\n"
		"Keep the policy loaded by 'xnft apply --confirm SECS': its guard stops the\n"
		"countdown and the policy becomes the boot policy (what 'xnft boot' loads).\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 confirmed, 1 nothing was pending or it was too late (the guard\n"
		"reverted), 2 environment error (the guard is gone, killed: its window is then\n"
		"reverted; or it did not answer).\n");
}

/* Nothing waits: when the last apply was reverted, say so, when and why. */
static void print_nothing_pending(void)
{
	char when[TIMEFMT_MAX], ago[32];
	struct apply_last l;
	struct xerr e;

	if (apply_last(&l, &e) || !apply_last_reverted(&l)) {
		fprintf(stderr, "xnft confirm: no apply is waiting for confirmation\n");
		return;
	}
	timefmt_local(l.at, when, sizeof(when));
	timefmt_relative(l.at, time(NULL), ago, sizeof(ago));
	fprintf(stderr, "xnft confirm: too late: apply %s of %s was reverted at %s (%s)%s%s\n",
		l.id, l.policy, when, ago, l.why[0] ? ": " : "", l.why);
	fprintf(stderr, "  hint: the previous policy is loaded again; run 'xnft apply %s "
		"--confirm SECS' again and confirm within the window\n", l.policy);
}

int cmd_confirm(int argc, char **argv)
{
	struct apply_progress pr = { cli_step_progress, NULL };
	struct xerr e;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	if (argc > 1)
		return cli_usage_error("confirm", "takes no arguments");
	xerr_clear(&e);
	rc = apply_confirm(&pr, &e);
	if (rc == 1) {
		print_nothing_pending();
		return XNFT_EXIT_FINDINGS;
	}
	if (rc) {
		xerr_print(stderr, &e);
		return cli_exit_code(&e);
	}
	printf("confirmed\n");
	return XNFT_EXIT_OK;
}
