// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft sync-peers: MESH_PEERS / MESH_PEERS6 from WireGuard, in one transaction. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>

#include "cli/json.h"
#include "core/err.h"
#include "mesh/sync.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft sync-peers [--iface IF] [--keep-conntrack] [--json]\n"
		"Make MESH_PEERS and MESH_PEERS6 of table inet xnft equal to the AllowedIPs of\n"
		"WireGuard interface IF (default wg0), read from wireguard-go's API socket\n"
		"(%s) or the kernel module (generic netlink). One transaction deletes\n"
		"the elements that left and adds the new ones: the sets are never flushed, a\n"
		"peer that stays never loses a packet. The conntrack entries of a peer that\n"
		"left are deleted, so its open sessions (SSH) end at once.\n"
		"A missing or down interface is an error and the sets stay as they are.\n"
		"\n"
		"Options:\n"
		"  --iface IF        the WireGuard interface (default wg0)\n"
		"  --keep-conntrack  leave removed peers' conntrack entries\n"
		"  --json            the result as one JSON object (peers, source, set sizes,\n"
		"                    added, removed, conntrack_deleted)\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 in sync, 2 environment error (interface, set, kernel).\n",
		"/var/run/wireguard/IF.sock");
}

int cmd_sync_peers(int argc, char **argv)
{
	static const struct option options[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "keep-conntrack", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mesh_sync_opts o = { 0 };
	struct mesh_sync_result r;
	struct xerr e;
	bool json = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'i': o.iface = optarg; break;
		case 'k': o.keep_conntrack = true; break;
		case 'j': json = true; cli_json_errors(true); break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("sync-peers", argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("sync-peers", "takes no operand ('%s')", argv[optind]);
	if (mesh_sync(&o, &r, &e) < 0) {
		cli_error(&e);
		return XNFT_EXIT_USAGE;
	}
	if (json) {
		cli_json_print(json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "ok", 1,
					 "interface", o.iface ? o.iface : "wg0", "source", r.source,
					 "peers", (json_int_t)r.npeers, "mesh_peers", (json_int_t)r.n4,
					 "mesh_peers6", (json_int_t)r.n6, "added", (json_int_t)r.added,
					 "removed", (json_int_t)r.removed,
					 "conntrack_deleted", (json_int_t)r.ct_deleted), 0);
		return XNFT_EXIT_OK;
	}
	printf("%s: %zu %s (%s); MESH_PEERS %zu, MESH_PEERS6 %zu; +%zu -%zu %s in one "
	       "transaction; %zu conntrack %s of removed peers deleted\n",
	       o.iface ? o.iface : "wg0", r.npeers, cli_plural((long long)r.npeers, "peer", "peers"),
	       r.source, r.n4, r.n6, r.added, r.removed,
	       cli_plural((long long)(r.added + r.removed), "element", "elements"), r.ct_deleted,
	       cli_plural((long long)r.ct_deleted, "entry", "entries"));
	return XNFT_EXIT_OK;
}
