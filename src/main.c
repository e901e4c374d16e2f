// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft: dispatch to one command per src/cli/ file, the way wg(8) does.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "init",  cmd_init,  "write the default deny-all mesh policy, filled with this host's values" },
	{ "check", cmd_check, "load a policy in a private network namespace, lint it, prove its intents" },
	{ "lint",  cmd_lint,  "find dead, shadowed and dangerous rules, with a fix for each (XL ids)" },
	{ "trace", cmd_trace, "follow one packet through a policy, rule by rule, to its verdict" },
	{ "exposure", cmd_exposure, "everything the policy accepts, per interface and source, for every packet" },
	{ "verify", cmd_verify, "prove the policy's intents for every packet; counterexample on failure" },
	{ "diff",  cmd_diff,  "the packets whose verdict changes between two policies" },
	{ "apply", cmd_apply, "load a policy safely: check, gates, snapshot, one transaction, confirm window" },
	{ "confirm", cmd_confirm, "keep the policy of a pending 'apply --confirm'" },
	{ "rollback", cmd_rollback, "back to the last confirmed policy, in one transaction" },
	{ "status", cmd_status, "loaded vs on-disk policy, pending confirmation, last applies, last boot" },
	{ "boot",  cmd_boot,  "at boot: load the confirmed policy, or the built-in fallback" },
	{ "events", cmd_events, "drop events from NFLOG, the journal, kmsg or a file, as JSON lines, logfmt or text" },
	{ "report", cmd_report, "what is dropped, from where, to which ports, over time" },
	{ "daemon", cmd_daemon, "ban sources of drop events: kernel ban sets, history, control socket" },
	{ "bans",  cmd_bans,  "list, add and lift the daemon's bans (list|add ADDR [DUR]|del ADDR)" },
	{ "allow", cmd_allow, "open a service to mesh peers: diff, check, then write (--apply: safe apply)" },
	{ "deny",  cmd_deny,  "close a service xnft allow opened (nothing to do when closed)" },
	{ "remove", cmd_remove, "close a service xnft allow opened (an error when it is not open)" },
	{ "services", cmd_services, "what the policy opens to mesh peers, with file:line" },
	{ "admin", cmd_admin, "break-glass SSH addresses: add|del|list CIDR" },
	{ "set",   cmd_set,   "elements of MESH_PEERS(6) and ADMIN_ALLOWLIST(6): add|del|list" },
	{ "containers", cmd_containers, "let a container/VM manager's guests connect out: add|del|list" },
	{ "doctor", cmd_doctor, "host checklist: sysctls, conntrack, policy state, WireGuard, other firewalls, containers" },
	{ "mesh",  cmd_mesh,  "the mesh inventory: hosts, keys, WireGuard configs, per-peer access" },
	{ "sync-peers", cmd_sync_peers, "MESH_PEERS from WireGuard in one transaction; removed peers' sessions cut" },
	{ "stats", cmd_stats, "per-rule counters with file:line: hottest rules, rules never hit, drops per chain" },
	{ "metrics", cmd_metrics, "the Prometheus exposition of rules, sets and conntrack, once (textfile collector)" },
	{ "scan",  cmd_scan,  "scan a host with nmap and compare what answers with the proof (drift both ways)" },
	{ "monitor", cmd_monitor, "upstream advisories (kernel, nftables, NVD, netfilter list and git) for this host" },
	{ "lab",   cmd_lab,   "network-namespace lab: internet, protected host, mesh peer (up|down|demo)" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft COMMAND [OPTIONS]\n"
		"Make a Linux host invisible to everyone outside its WireGuard mesh.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nRun 'xnft COMMAND --help' for a command's options. See xnft(8).\n"
		"Exit status: 0 fine, 1 findings or invalid input, 2 usage or environment error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return XNFT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return XNFT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("xnft %s\n", XNFT_VERSION);
		return XNFT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char program[64];

		if (strcmp(argv[1], commands[i].name))
			continue;
		snprintf(program, sizeof(program), "xnft %s", commands[i].name);
		xerr_program(program);
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "xnft: unknown command '%s'\n", argv[1]);
	fprintf(stderr, "  hint: run 'xnft --help' for the list of commands\n");
	return XNFT_EXIT_USAGE;
}
