// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft init: write the default policy tree, filled with this host's values.
 * Options are checked as they come (src/policy/render.c says what is
 * nonsense); nothing is written unless every value is fine.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/paths.h"
#include "mesh/profile.h"
#include "policy/embedded.h"
#include "policy/render.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft init [DIR] [OPTIONS]\n"
		"Write the default deny-all mesh policy to DIR (default " XNFT_ETC_DIR "), filled\n"
		"with this host's values: nftables.conf, intents and rules/NN-name.nft.\n"
		"The public internet reaches only the WireGuard port; SSH and the services\n"
		"answer mesh peers only. Options marked + may be given more than once.\n"
		"\n"
		"Options:\n"
		"  --wan IF               public interface (default: the interface of the IPv4\n"
		"                         default route; eth0 when there is none)\n"
		"  --mesh-if IF           WireGuard interface (default wg0)\n"
		"  --mesh CIDR         +  mesh prefix, IPv4 or IPv6 (default 10.10.0.0/24);\n"
		"                         the first --mesh replaces the default\n"
		"  --wg-port N            WireGuard UDP port, the one port open to everyone\n"
		"                         (default 51820)\n"
		"  --ssh-port N           SSH port, open to mesh peers (default 22)\n"
		"  --admin CIDR        +  break-glass SSH source, reachable even when the mesh is\n"
		"                         down; must be a real address you connect from\n"
		"                         (default: none)\n"
		"  --service PROTO/PORT[:NAME]  +\n"
		"                         open a service to mesh peers, e.g. tcp/443:https;\n"
		"                         PROTO is tcp or udp, NAME 1..48 of A-Z a-z 0-9 . _ -\n"
		"  --bogon-exempt CIDR +  drop one range from BOGON_V4/BOGON_V6, exactly as\n"
		"                         listed, e.g. 100.64.0.0/10 for Tailscale's CGNAT range\n"
		"  --log kernel|nflog:N   where the drop logs go: the kernel log (default), or\n"
		"                         NFLOG group N (`log group N prefix ...`), read by\n"
		"                         xnft events --source nflog:N; needed when the policy\n"
		"                         runs in a network namespace (the kernel log does not\n"
		"                         print drops from other namespaces)\n"
		"  --force                overwrite an existing DIR/nftables.conf\n"
		"  --profile NAME         a mesh run by tailscale, headscale or netbird: its\n"
		"                         interface, 100.64.0.0/10 (out of BOGON_V4) and its\n"
		"                         port; options after it change what it set\n"
		"  -h, --help             show this help\n"
		"\n"
		"Then: xnft check DIR, and load it with xnft apply DIR --confirm 60, then\n"
		"xnft confirm from a second SSH session (the lockout gate, the confirm\n"
		"window and the boot record need xnft apply: never load it with nft -f).\n"
		"Exit status: 0 written, 1 invalid value, 2 usage error or DIR not writable.\n");
}

enum {
	OPT_WAN = 1000,
	OPT_MESH_IF,
	OPT_MESH,
	OPT_WG_PORT,
	OPT_SSH_PORT,
	OPT_ADMIN,
	OPT_SERVICE,
	OPT_BOGON_EXEMPT,
	OPT_LOG,
	OPT_FORCE,
	OPT_PROFILE,
};

static const struct option options[] = {
	{ "wan",          required_argument, NULL, OPT_WAN },
	{ "mesh-if",      required_argument, NULL, OPT_MESH_IF },
	{ "mesh",         required_argument, NULL, OPT_MESH },
	{ "wg-port",      required_argument, NULL, OPT_WG_PORT },
	{ "ssh-port",     required_argument, NULL, OPT_SSH_PORT },
	{ "admin",        required_argument, NULL, OPT_ADMIN },
	{ "service",      required_argument, NULL, OPT_SERVICE },
	{ "bogon-exempt", required_argument, NULL, OPT_BOGON_EXEMPT },
	{ "log",          required_argument, NULL, OPT_LOG },
	{ "force",        no_argument,       NULL, OPT_FORCE },
	{ "profile",      required_argument, NULL, OPT_PROFILE },
	{ "help",         no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct init_args {
	struct policy_values v;
	const char *dir;
	bool force;
	bool wan_given;
	bool mesh_given;
};

/* One option with its argument: the value goes through the policy's checks. */
static int apply_option(struct init_args *a, int opt, const char *arg, struct xerr *e)
{
	switch (opt) {
	case OPT_WAN:
		a->wan_given = true;
		return policy_values_set_iface(a->v.wan_if, "--wan", arg, e);
	case OPT_MESH_IF:
		return policy_values_set_iface(a->v.mesh_if, "--mesh-if", arg, e);
	case OPT_MESH:
		if (!a->mesh_given)
			policy_values_clear_mesh(&a->v);
		a->mesh_given = true;
		return policy_values_add_mesh(&a->v, arg, e);
	case OPT_WG_PORT:
		return policy_values_set_port(&a->v.wg_port, "--wg-port", arg, e);
	case OPT_SSH_PORT:
		return policy_values_set_port(&a->v.ssh_port, "--ssh-port", arg, e);
	case OPT_ADMIN:
		return policy_values_add_admin(&a->v, arg, e);
	case OPT_SERVICE:
		return policy_values_add_service(&a->v, arg, e);
	case OPT_BOGON_EXEMPT:
		return policy_values_exempt_bogon(&a->v, arg, e);
	case OPT_LOG:
		return policy_values_set_log(&a->v, arg, e);
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_PROFILE:
		a->mesh_given = true;
		return mesh_profile_apply(&a->v, arg, e);
	}
	return cli_usage_xerr(e, "init", "unexpected option '%s'", arg ? arg : "?");
}

static int parse_args(struct init_args *a, int argc, char **argv, struct xerr *e)
{
	int opt;

	opterr = 0;
	optind = 0;   /* glibc: start over, so the command can run twice in one process */
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt == '?')
			return cli_usage_xerr(e, "init", "unknown option '%s'", argv[optind - 1]);
		if (opt == ':')
			return cli_usage_xerr(e, "init", "option '%s' needs a value", argv[optind - 1]);
		if (apply_option(a, opt, optarg, e) < 0)
			return -1;
	}
	if (argc - optind > 1)
		return cli_usage_xerr(e, "init", "too many arguments: '%s' (only one DIR)",
				   argv[optind + 1]);
	a->dir = argc - optind == 1 ? argv[optind] : XNFT_ETC_DIR;
	return 0;
}

static void print_list(const char *name, const char (*list)[48], size_t n)
{
	printf("  %-17s", name);
	if (!n)
		printf(" (empty)");
	for (size_t i = 0; i < n; i++)
		printf(" %s", list[i]);
	printf("\n");
}

static void print_values(const struct policy_values *v)
{
	printf("Values:\n");
	printf("  %-17s %s\n", "WAN_IF", v->wan_if);
	printf("  %-17s %s\n", "MESH_IF", v->mesh_if);
	printf("  %-17s %u (UDP, the one port open to everyone)\n", "WG_PORT", v->wg_port);
	printf("  %-17s %u (TCP, mesh peers and ADMIN_ALLOWLIST only)\n", "SSH_PORT",
	       v->ssh_port);
	print_list("MESH_PEERS", v->mesh4, v->n_mesh4);
	print_list("MESH_PEERS6", v->mesh6, v->n_mesh6);
	print_list("ADMIN_ALLOWLIST", v->admin4, v->n_admin4);
	print_list("ADMIN_ALLOWLIST6", v->admin6, v->n_admin6);
	printf("  %-17s", "services");
	if (!v->n_services)
		printf(" (SSH only)");
	for (size_t i = 0; i < v->n_services; i++)
		printf(" %s/%u:%s", v->services[i].proto, v->services[i].port, v->services[i].name);
	printf("\n");
	if (v->n_bogon_exempt)
		print_list("bogon exemptions", v->bogon_exempt, v->n_bogon_exempt);
	if (v->log_nflog)
		printf("  %-17s NFLOG group %u (read with: xnft events --source nflog:%u)\n", "logs",
		       v->log_group, v->log_group);
	else
		printf("  %-17s the kernel log (read with: xnft events)\n", "logs");
}

static void print_result(const struct init_args *a, const char *wan_note)
{
	char abs[PATH_MAX];
	const char *dir = realpath(a->dir, abs) ? abs : a->dir;

	printf("xnft init: wrote the default policy to %s\n", dir);
	for (const struct embedded_file *f = embedded_policy; f->path; f++)
		printf("  %s/%s\n", dir, f->path);
	print_values(&a->v);
	printf("Notes:\n");
	printf("  - %s\n", wan_note);
	if (!a->mesh_given)
		printf("  - no --mesh given: using the shipped default 10.10.0.0/24\n");
	if (!a->v.n_admin4 && !a->v.n_admin6)
		printf("  - no --admin given: there is no break-glass SSH; when the mesh is down\n"
		       "    you need the console (add one with --admin CIDR)\n");
	printf("Next steps:\n");
	printf("  xnft check %s\n", dir);
	printf("  xnft apply %s --confirm 60\n", dir);
	printf("  xnft confirm    (from a second SSH session, once you can still get in)\n");
}

int cmd_init(int argc, char **argv)
{
	struct init_args *a;
	struct xerr e;
	char wan_note[160];
	int ret;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return XNFT_EXIT_OK;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "xnft init: out of memory\n");
		return XNFT_EXIT_USAGE;
	}
	xerr_clear(&e);
	policy_values_defaults(&a->v);
	if (parse_args(a, argc, argv, &e) < 0)
		goto fail;
	if (a->wan_given)
		snprintf(wan_note, sizeof(wan_note), "WAN_IF %s: given with --wan", a->v.wan_if);
	else if (policy_detect_wan(a->v.wan_if, NULL))
		snprintf(wan_note, sizeof(wan_note), "WAN_IF %s: the interface of the IPv4 default "
			 "route (choose another with --wan)", a->v.wan_if);
	else
		snprintf(wan_note, sizeof(wan_note), "no IPv4 default route found: WAN_IF falls back "
			 "to %s (give the public interface with --wan)", a->v.wan_if);
	if (policy_write_tree(&a->v, a->dir, a->force, &e) < 0)
		goto fail;
	print_result(a, wan_note);
	free(a);
	return XNFT_EXIT_OK;
fail:
	xerr_print(stderr, &e);
	ret = e.code ? e.code : XNFT_EXIT_USAGE;
	free(a);
	return ret;
}
