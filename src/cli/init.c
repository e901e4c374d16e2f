// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft init: write the default policy tree, filled with this host's values.
 * Options are checked as they come (src/policy/render.c says what is
 * nonsense); nothing is written unless every value is fine.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/paths.h"
#include "mesh/profile.h"
#include "policy/embedded.h"
#include "policy/containers.h"
#include "policy/render.h"
#include "policy/values.h"
#include "policy/wgconf.h"

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
		"  --containers NAME   +  let the bridge of docker, podman, libvirt, lxd or incus\n"
		"                         open connections out through WAN_IF (forward chain);\n"
		"                         ports they publish stay dropped until a rule allows them\n"
		"  --force                on an existing tree: keep every value not given,\n"
		"                         replace the ones given, print what changed; only\n"
		"                         the lines marked xnft-init are rewritten (hand\n"
		"                         edits elsewhere stay as they are)\n"
		"  --from-wireguard[=IF]  WG_PORT, MESH_IF and the mesh networks from\n"
		"                         /etc/wireguard/IF.conf (default wg0): ListenPort,\n"
		"                         Address and the peers' AllowedIPs; options given\n"
		"                         win over the file\n"
		"  --wg-conf FILE         read that WireGuard config instead\n"
		"  --no-iface-check       no warning when --wan or --mesh-if names an\n"
		"                         interface this host lacks (a tree for another host)\n"
		"  --profile NAME         a mesh run by tailscale, headscale or netbird: its\n"
		"                         interface, 100.64.0.0/10 (out of BOGON_V4) and its\n"
		"                         port, which no rule opens (the daemon traverses NAT\n"
		"                         itself); options after it change what it set\n"
		"                         (--wg-port opens the port again)\n"
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
	OPT_FROM_WG,
	OPT_WG_CONF,
	OPT_NO_IFACE_CHECK,
	OPT_CONTAINERS,
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
	{ "from-wireguard", optional_argument, NULL, OPT_FROM_WG },
	{ "wg-conf",      required_argument, NULL, OPT_WG_CONF },
	{ "no-iface-check", no_argument,     NULL, OPT_NO_IFACE_CHECK },
	{ "containers",   required_argument, NULL, OPT_CONTAINERS },
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
	bool given[OPT_FORCE - OPT_WAN];   /* per option: on an existing tree it replaces the value */
	const char *from_wg;      /* --from-wireguard: the interface ("wg0" when no IF) */
	const char *wg_conf;      /* --wg-conf FILE: instead of /etc/wireguard/IF.conf */
	bool no_iface_check;
	unsigned containers;   /* policy/containers.h managers whose bridge rules to enable */
};

/* One option with its argument: the value goes through the policy's checks. */
static int apply_option(struct init_args *a, int opt, const char *arg, struct xerr *e)
{
	if (opt >= OPT_WAN && opt < OPT_FORCE)
		a->given[opt - OPT_WAN] = true;
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
		a->v.wg_port_closed = false;   /* a port given is a port to open, after --profile too */
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
	case OPT_FROM_WG:
		a->from_wg = arg ? arg : "wg0";
		return 0;
	case OPT_WG_CONF:
		a->wg_conf = arg;
		return 0;
	case OPT_NO_IFACE_CHECK:
		a->no_iface_check = true;
		return 0;
	case OPT_CONTAINERS:
		return policy_containers_add(&a->containers, arg, e);
	case OPT_PROFILE:
		/* on an existing tree (--force) what the profile sets replaces the tree's values */
		a->given[OPT_MESH_IF - OPT_WAN] = a->given[OPT_MESH - OPT_WAN] = true;
		a->given[OPT_WG_PORT - OPT_WAN] = a->given[OPT_BOGON_EXEMPT - OPT_WAN] = true;
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
	if (a->wg_conf && !a->from_wg)
		return cli_usage_xerr(e, "init", "--wg-conf goes with --from-wireguard");
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
	if (v->wg_port_closed)
		printf("  %-17s %u (UDP; no rule opens it: the mesh daemon traverses NAT)\n",
		       "WG_PORT", v->wg_port);
	else
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

/*
 * --from-wireguard: WG_PORT, MESH_IF and the mesh from the WireGuard
 * config, for each of them not given as an option (an option wins).
 */
static int values_from_wireguard(struct init_args *a, struct xerr *e)
{
	static const struct { int opt; unsigned field; } taken[] = {
		{ OPT_WG_PORT, PV_WG_PORT }, { OPT_MESH_IF, PV_MESH_IF }, { OPT_MESH, PV_MESH },
	};
	struct wg_conf *c = malloc(sizeof(*c));
	struct policy_values *w = malloc(sizeof(*w));
	char path[PATH_MAX], notes[1024];
	unsigned fields = 0;
	int rc = -1;

	if (!c || !w) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "/etc/wireguard/%s.conf", a->from_wg);
	*w = a->v;
	if (wgconf_read(a->wg_conf ? a->wg_conf : path, c, e) < 0 ||
	    wgconf_to_values(c, a->from_wg, w, notes, sizeof(notes), e) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		if (a->given[taken[i].opt - OPT_WAN])
			continue;
		fields |= taken[i].field;
		a->given[taken[i].opt - OPT_WAN] = true;
	}
	policy_values_overlay(&a->v, w, fields);
	a->mesh_given = true;
	printf("From %s (%zu %s): WG_PORT %u, MESH_IF %s\n%s", a->wg_conf ? a->wg_conf : path,
	       c->n_peers, cli_plural((long long)c->n_peers, "peer", "peers"), a->v.wg_port,
	       a->v.mesh_if, notes);
	rc = 0;
out:
	free(c);
	free(w);
	return rc;
}

/* --wan / --mesh-if naming an interface this host does not have: a typo, or a tree for another host. */
static void warn_missing_ifaces(const struct init_args *a)
{
	const char *names[2] = { a->given[OPT_WAN - OPT_WAN] ? a->v.wan_if : NULL,
				 a->given[OPT_MESH_IF - OPT_WAN] ? a->v.mesh_if : NULL };
	const char *opts[2] = { "--wan", "--mesh-if" };

	for (int i = 0; i < 2 && !a->no_iface_check; i++) {
		if (!names[i] || if_nametoindex(names[i]))
			continue;
		fprintf(stderr, "xnft init: warning: this host has no interface '%s' (%s); the "
			"policy matches it by name, so nothing arrives on it until it exists\n"
			"  hint: check the name with 'ip link'; pass --no-iface-check for a tree "
			"made for another host\n", names[i], opts[i]);
	}
}

/* The values the options given replace on an existing tree. */
static unsigned given_fields(const struct init_args *a)
{
	static const unsigned field_of[OPT_FORCE - OPT_WAN] = {
		PV_WAN, PV_MESH_IF, PV_MESH, PV_WG_PORT, PV_SSH_PORT, PV_ADMIN, PV_SERVICES,
		PV_BOGON, PV_LOG,
	};
	unsigned fields = 0;

	for (size_t i = 0; i < sizeof(field_of) / sizeof(field_of[0]); i++)
		fields |= a->given[i] ? field_of[i] : 0;
	return fields;
}

/* Each value that differs, old -> new; returns how many. */
static size_t print_value_changes(const struct policy_values *old, const struct policy_values *new)
{
	char a[1024], b[1024];
	const char *name;
	size_t n = 0;

	for (size_t i = 0; policy_values_row(old, i, &name, a, sizeof(a)) == 0; i++) {
		policy_values_row(new, i, &name, b, sizeof(b));
		if (!strcmp(a, b))
			continue;
		if (!n++)
			printf("Values changed:\n");
		printf("  %-17s %s -> %s\n", name, a, b);
	}
	return n;
}

/*
 * init --force on a tree xnft wrote: the tree's values, with only the
 * options given replacing theirs; only the owned lines are rendered again.
 */
static int reinit_tree(struct init_args *a, struct xerr *e)
{
	struct policy_tree *t = calloc(1, sizeof(*t));
	struct policy_values *nv = malloc(sizeof(*nv));
	size_t files;
	int ret = -1;

	if (!t || !nv) {
		free(t);
		free(nv);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	if (policy_tree_open(t, a->dir, true, e) < 0)
		goto out;
	*nv = t->v;
	policy_values_overlay(nv, &a->v, given_fields(a));
	if (policy_tree_render(t, nv, e) < 0)
		goto out;
	files = policy_tree_changed(t);
	if (policy_tree_write(t, e) < 0)
		goto out;
	printf("xnft init: %s exists; kept its values and hand edits, rendered the owned lines "
	       "again\n", a->dir);
	if (!print_value_changes(&t->v, nv))
		printf("No value changed.\n");
	printf("%zu %s rewritten.\n", files, cli_plural((long long)files, "file", "files"));
	if (given_fields(a) & PV_LOG && !nv->log_nflog)
		printf("Note: --log kernel does not take 'group N' out of log lines already "
		       "written: they are outside the owned lines.\n");
	printf("Next steps:\n  xnft check %s\n  xnft apply %s --confirm 60\n"
	       "  xnft confirm    (from a second SSH session, once you can still get in)\n",
	       a->dir, a->dir);
	ret = 0;
out:
	policy_tree_close(t);
	free(t);
	free(nv);
	return ret;
}

static bool tree_exists(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	return access(path, F_OK) == 0;
}

int cmd_init(int argc, char **argv)
{
	struct init_args *a;
	struct xerr e;
	char wan_note[160];
	int ret;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "xnft init: out of memory\n");
		return XNFT_EXIT_USAGE;
	}
	xerr_clear(&e);
	policy_values_defaults(&a->v);
	if (parse_args(a, argc, argv, &e) < 0)
		goto fail;
	if (a->from_wg && values_from_wireguard(a, &e) < 0)
		goto fail;
	warn_missing_ifaces(a);
	if (a->force && tree_exists(a->dir)) {
		/* the bridge rules are not values: enabled in place, like a hand edit */
		if (reinit_tree(a, &e) < 0 || policy_containers_write(a->dir, a->containers, &e) < 0)
			goto fail;
		free(a);
		return XNFT_EXIT_OK;
	}
	if (a->wan_given)
		snprintf(wan_note, sizeof(wan_note), "WAN_IF %s: given with --wan", a->v.wan_if);
	else if (policy_detect_wan(a->v.wan_if, NULL))
		snprintf(wan_note, sizeof(wan_note), "WAN_IF %s: the interface of the IPv4 default "
			 "route (choose another with --wan)", a->v.wan_if);
	else
		snprintf(wan_note, sizeof(wan_note), "no IPv4 default route found: WAN_IF falls back "
			 "to %s (give the public interface with --wan)", a->v.wan_if);
	if (policy_write_tree(&a->v, a->dir, a->force, &e) < 0 ||
	    policy_containers_write(a->dir, a->containers, &e) < 0)
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
