// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft boot: what systemd/xnft.service runs before the network comes up. */
#include "cli/cli.h"

#include <stdio.h>
#include <unistd.h>

#include "apply/apply.h"
#include "core/err.h"
#include "core/paths.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft boot [POLICY]\n"
		"Load the last confirmed policy (the state directory's confirmed.nft); on a\n"
		"host that never confirmed one, POLICY (default " XNFT_DEFAULT_POLICY ").\n"
		"confirmed.nft must match the hash noted in confirmed.hash, and the table it\n"
		"loads must be the one noted there. If that fails, load the built-in FALLBACK\n"
		"policy instead of leaving the host open: loopback, established, IPv6\n"
		"neighbour discovery, SSH from ADMIN_ALLOWLIST (break-glass) and from\n"
		"MESH_PEERS on the mesh interface, the WireGuard port; everything else\n"
		"dropped. It is filled with the values of the last confirmed policy, or, when\n"
		"none were recorded, with POLICY's defines and sets. When no remote way in is\n"
		"known at all, nothing is loaded (a fallback would make the host\n"
		"console-only) and boot says so and exits 2.\n"
		"Run by systemd/xnft.service; replaces only table inet xnft.\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 the policy loaded, 1 the FALLBACK policy loaded (the unit\n"
		"fails so it shows), 2 nothing could be loaded.\n");
}

int cmd_boot(int argc, char **argv)
{
	struct apply_progress pr = { cli_step_progress, NULL };
	struct boot_result r;
	struct xerr e;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	if (argc > 2) {
		return cli_usage_error("boot", "give at most one POLICY");
	}
	xerr_clear(&e);
	rc = apply_boot(argc == 2 ? argv[1] : NULL, &pr, &r, &e);
	if (rc < 0) {
		fprintf(stderr, "%sxnft boot: NO FIREWALL POLICY COULD BE LOADED\n",
			isatty(STDERR_FILENO) ? "" : "<0>");
		xerr_print(stderr, &e);
		return XNFT_EXIT_USAGE;
	}
	if (rc == 1) {
		/* under systemd, <2> sets each line's journal priority to crit (sd-daemon) */
		const char *crit = isatty(STDERR_FILENO) ? "" : "<2>";

		fprintf(stderr,
			"%sxnft boot: *** THE CONFIRMED POLICY FAILED TO LOAD: %s\n"
			"%sxnft boot: *** THE BUILT-IN FALLBACK POLICY IS ACTIVE: loaded %s\n"
			"%sxnft boot: *** fix the policy and run 'xnft apply --confirm 120'; "
			"'xnft status' shows this too\n", crit, r.why_fallback.msg, crit, r.loaded,
			crit);
		return XNFT_EXIT_FINDINGS;
	}
	printf("loaded %s\n", r.loaded);
	return XNFT_EXIT_OK;
}
