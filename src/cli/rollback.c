// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft rollback: back to the last confirmed policy, in one transaction. */
#include "cli/cli.h"

#include <stdio.h>

#include "apply/apply.h"
#include "core/err.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft rollback\n"
		"Replace table inet xnft with the last confirmed policy (the boot policy), in\n"
		"one transaction; no other table is touched. During the confirm window of\n"
		"'xnft apply --confirm', the guard restores its snapshot now instead.\n"
		"confirmed.nft is checked against confirmed.hash before it is loaded and the\n"
		"table against it after; when it cannot be used, a loaded table stays\n"
		"(NOT ROLLED BACK) and with no table the FALLBACK policy loads.\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 rolled back, 1 the guard did not revert or the FALLBACK policy\n"
		"was loaded, 2 environment error (no usable confirmed policy, lock held, kernel\n"
		"refused).\n");
}

int cmd_rollback(int argc, char **argv)
{
	struct apply_progress pr = { cli_step_progress, NULL };
	struct xerr e;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	if (argc > 1)
		return cli_usage_error("rollback", "takes no arguments");
	xerr_clear(&e);
	if (apply_rollback(&pr, &e)) {
		xerr_print(stderr, &e);
		return cli_exit_code(&e);
	}
	printf("rolled back\n");
	return XNFT_EXIT_OK;
}
