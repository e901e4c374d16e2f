// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft mesh init|add|remove|list|check|keys|render: the mesh inventory
 * (/etc/xnft/mesh.conf) and what is made from it.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/json.h"
#include "core/err.h"
#include "mesh/edit.h"
#include "mesh/inventory.h"
#include "mesh/keys.h"
#include "mesh/meshrender.h"

#define KV_MAX 64

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft mesh SUBCOMMAND [--inventory FILE] ...\n"
		"The WireGuard mesh's inventory (default %s) and what is made from it.\n"
		"\n"
		"  init [--interface IF] [--port N] [--topology star|full] [--network CIDR]\n"
		"       [--network6 CIDR]             write a new inventory with its [mesh] section\n"
		"  add HOST --address A [--address6 A] [--endpoint HOST:PORT] [--public-key KEY]\n"
		"       [--role hub|peer] [--keepalive SECS] [--service PROTO/PORT:NAME]...\n"
		"       [--reach HOST:SERVICE]... [--allowed-ips CIDR]... [--group NAME]...\n"
		"                                     add a host (the result is checked first)\n"
		"  remove HOST                        delete a host's section\n"
		"  list [--json]                      the hosts, their addresses, role and access\n"
		"  check [--json]                     validate the inventory (file:line errors)\n"
		"  keys HOST [--keys-dir DIR] [--rotate] [--show-private]\n"
		"                                     the host's WireGuard key pair and a pre-shared\n"
		"                                     key per peer, files 0600 (default %s);\n"
		"                                     the public key goes into the inventory\n"
		"  render HOST [--out DIR] [--keys-dir DIR]\n"
		"                                     write DIR/IF.conf (wg-quick) and the policy's\n"
		"                                     mesh part DIR/" MESH_PEERS_FILE "\n"
		"                                     (a chain per peer: its services, then a drop);\n"
		"                                     in DIR (default /etc/xnft) also include it from\n"
		"                                     nftables.conf, fill MESH_PEERS(6) in\n"
		"                                     rules/00-tables.nft, one intent per peer\n"
		"\n"
		"Options:\n"
		"  --inventory FILE  the inventory to read and edit\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 fine, 1 invalid inventory or refused change, 2 usage or\n"
		"environment error.\n", MESH_DEFAULT_INVENTORY, MESH_DEFAULT_KEYS_DIR);
}

static int print_err(struct xerr *e)
{
	xerr_print(stderr, e);
	return cli_exit_code(e);
}

/* Options shared by init and add: each --key VALUE becomes "key = VALUE" in the file. */
static const struct option kv_options[] = {
	{ "inventory", required_argument, NULL, 'i' },
	{ "interface", required_argument, NULL, 'k' },
	{ "port", required_argument, NULL, 'k' },
	{ "topology", required_argument, NULL, 'k' },
	{ "network", required_argument, NULL, 'k' },
	{ "network6", required_argument, NULL, 'k' },
	{ "address", required_argument, NULL, 'k' },
	{ "address6", required_argument, NULL, 'k' },
	{ "endpoint", required_argument, NULL, 'k' },
	{ "public-key", required_argument, NULL, 'k' },
	{ "role", required_argument, NULL, 'k' },
	{ "keepalive", required_argument, NULL, 'k' },
	{ "service", required_argument, NULL, 'k' },
	{ "reach", required_argument, NULL, 'k' },
	{ "allowed-ips", required_argument, NULL, 'k' },
	{ "group", required_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The inventory key an option writes ("--service" -> "services"). */
static const char *option_key(const char *opt)
{
	static const char *const map[][2] = {
		{ "public-key", "public_key" }, { "service", "services" },
		{ "allowed-ips", "allowed_ips" }, { "group", "groups" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(opt, map[i][0]))
			return map[i][1];
	}
	return opt;
}

static bool option_allowed(const char *key, bool mesh_section)
{
	static const char *const mesh_keys[] = { "interface", "port", "topology", "network",
						 "network6" };
	bool is_mesh = false;

	for (size_t i = 0; i < sizeof(mesh_keys) / sizeof(mesh_keys[0]); i++)
		is_mesh |= !strcmp(key, mesh_keys[i]);
	return is_mesh == mesh_section;
}

/* Parse init/add options; -1 when fine, else the exit code. */
static int parse_kv(const char *sub, int argc, char **argv, bool mesh_section,
		    const char **inventory, struct mesh_kv *kv, size_t *n)
{
	int c, idx;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", kv_options, &idx)) != -1) {
		const char *key;

		switch (c) {
		case 'i': *inventory = optarg; break;
		case 'k':
			key = option_key(kv_options[idx].name);
			if (!option_allowed(key, mesh_section))
				return cli_usage_error("mesh", "%s does not take --%s", sub,
						       kv_options[idx].name);
			if (*n >= KV_MAX)
				return cli_usage_error("mesh", "too many options");
			kv[(*n)++] = (struct mesh_kv){ key, optarg };
			break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("mesh", argv);
		}
	}
	return -1;
}

static int sub_init(int argc, char **argv, const char *inventory)
{
	struct mesh_kv kv[KV_MAX];
	size_t n = 0;
	struct xerr e;
	int rc = parse_kv("init", argc, argv, true, &inventory, kv, &n);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error("mesh", "init takes no operand ('%s')", argv[optind]);
	if (mesh_edit_init(inventory, kv, n, &e) < 0)
		return print_err(&e);
	printf("wrote %s\n", inventory);
	return XNFT_EXIT_OK;
}

static int sub_add(int argc, char **argv, const char *inventory)
{
	struct mesh_kv kv[KV_MAX];
	size_t n = 0;
	struct xerr e;
	int rc = parse_kv("add", argc, argv, false, &inventory, kv, &n);

	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error("mesh", "add takes one HOST name");
	if (mesh_edit_add(inventory, argv[optind], kv, n, &e) < 0)
		return print_err(&e);
	printf("added host %s to %s\n", argv[optind], inventory);
	return XNFT_EXIT_OK;
}

/* Options of the subcommands that take only --inventory; -1 when fine, else the exit code. */
static int parse_plain(int argc, char **argv, const char **inventory, bool *json)
{
	static const struct option options[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'i': *inventory = optarg; break;
		case 'j':
			if (!json)
				return cli_usage_error("mesh", "remove does not take --json");
			*json = true;
			cli_json_errors(true);
			break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("mesh", argv);
		}
	}
	return -1;
}

static int sub_remove(int argc, char **argv, const char *inventory)
{
	struct xerr e;
	int rc = parse_plain(argc, argv, &inventory, NULL);

	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error("mesh", "remove takes one HOST name");
	if (mesh_edit_remove(inventory, argv[optind], &e) < 0)
		return print_err(&e);
	printf("removed host %s from %s\n", argv[optind], inventory);
	return XNFT_EXIT_OK;
}

static void print_host(const struct mesh_host *h)
{
	char a4[PREFIX_STRLEN] = "-", a6[PREFIX_STRLEN] = "-";

	if (h->addr4.family)
		prefix_format_addr(&h->addr4, a4, sizeof(a4));
	if (h->addr6.family)
		prefix_format_addr(&h->addr6, a6, sizeof(a6));
	printf("%-16s %-4s %-15s %-24s %-5s %s\n", h->name, h->role == MESH_ROLE_HUB ? "hub" : "peer",
	       a4, a6, h->public_key[0] ? "yes" : "no", h->endpoint[0] ? h->endpoint : "(roaming)");
	for (size_t i = 0; i < h->nservices; i++)
		printf("  opens    %s/%u (%s)\n", h->services[i].proto == 6 ? "tcp" : "udp",
		       h->services[i].port, h->services[i].name);
	for (size_t i = 0; i < h->nreach; i++)
		printf("  reaches  %s:%s\n", h->reach[i].host, h->reach[i].service);
	for (size_t i = 0; i < h->ngroups; i++)
		printf("  group    %s\n", h->groups[i]);
}

static json_t *host_json(const struct mesh_host *h)
{
	char a4[PREFIX_STRLEN] = "", a6[PREFIX_STRLEN] = "";
	json_t *svc = json_array(), *reach = json_array(), *groups = json_array();

	if (h->addr4.family)
		prefix_format_addr(&h->addr4, a4, sizeof(a4));
	if (h->addr6.family)
		prefix_format_addr(&h->addr6, a6, sizeof(a6));
	for (size_t i = 0; i < h->nservices; i++)
		json_array_append_new(svc, json_pack("{s:s, s:s, s:I}", "name", h->services[i].name,
						     "proto", h->services[i].proto == 6 ? "tcp" : "udp",
						     "port", (json_int_t)h->services[i].port));
	for (size_t i = 0; i < h->nreach; i++)
		json_array_append_new(reach, json_pack("{s:s, s:s}", "host", h->reach[i].host,
						       "service", h->reach[i].service));
	for (size_t i = 0; i < h->ngroups; i++)
		json_array_append_new(groups, json_string(h->groups[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "name", h->name,
			 "role", h->role == MESH_ROLE_HUB ? "hub" : "peer", "address", a4,
			 "address6", a6, "endpoint", h->endpoint, "public_key", h->public_key,
			 "keepalive", (json_int_t)h->keepalive, "services", svc, "reach", reach,
			 "groups", groups);
}

static void print_json(const struct mesh_inventory *inv)
{
	json_t *hosts = json_array();

	for (size_t i = 0; i < inv->nhosts; i++)
		json_array_append_new(hosts, host_json(&inv->hosts[i]));
	cli_json_print(json_pack("{s:b, s:s, s:s, s:I, s:s, s:o}", "ok", 1, "inventory", inv->path,
				 "interface", inv->iface, "port", (json_int_t)inv->port, "topology",
				 inv->topology == MESH_TOPO_STAR ? "star" : "full", "hosts", hosts), 0);
}

static int sub_list_check(int argc, char **argv, const char *inventory, bool list)
{
	struct mesh_inventory *inv;
	size_t hubs = 0;
	struct xerr e;
	bool json = false;
	int rc = parse_plain(argc, argv, &inventory, &json);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error("mesh", "%s takes no operand ('%s')", list ? "list" : "check",
				       argv[optind]);
	if (mesh_inventory_load(inventory, &inv, &e) < 0) {
		cli_error(&e);
		return cli_exit_code(&e);
	}
	for (size_t i = 0; i < inv->nhosts; i++)
		hubs += inv->hosts[i].role == MESH_ROLE_HUB;
	if (json) {
		print_json(inv);
	} else if (list) {
		printf("%-16s %-4s %-15s %-24s %-5s %s\n", "HOST", "ROLE", "ADDRESS", "ADDRESS6",
		       "KEY", "ENDPOINT");
		for (size_t i = 0; i < inv->nhosts; i++)
			print_host(&inv->hosts[i]);
	} else {
		printf("%s: valid: %zu %s (%zu %s), %s topology, interface %s, port %u\n", inventory,
		       inv->nhosts, cli_plural((long long)inv->nhosts, "host", "hosts"), hubs,
		       cli_plural((long long)hubs, "hub", "hubs"),
		       inv->topology == MESH_TOPO_STAR ? "star" : "full", inv->iface, inv->port);
	}
	mesh_inventory_free(inv);
	return XNFT_EXIT_OK;
}

struct keys_opts {
	const char *inventory, *dir, *out;
	bool rotate, show_private;
};

/* keys and render: -1 when fine, else the exit code. */
static int parse_keys(const char *sub, int argc, char **argv, struct keys_opts *o)
{
	static const struct option options[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "keys-dir", required_argument, NULL, 'd' },
		{ "rotate", no_argument, NULL, 'r' },
		{ "show-private", no_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'i': o->inventory = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'r': o->rotate = true; break;
		case 's': o->show_private = true; break;
		case 'o': o->out = optarg; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("mesh", argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("mesh", "%s takes one HOST name", sub);
	if (!strcmp(sub, "keys") && o->out)
		return cli_usage_error("mesh", "keys does not take --out");
	if (!strcmp(sub, "render") && (o->rotate || o->show_private))
		return cli_usage_error("mesh", "render does not take --%s",
				       o->rotate ? "rotate" : "show-private");
	return -1;
}

static int sub_keys(int argc, char **argv, const char *inventory)
{
	struct keys_opts o = { inventory, MESH_DEFAULT_KEYS_DIR, NULL, false, false };
	struct mesh_keys_result res;
	struct mesh_inventory *inv;
	const char *host;
	bool known;
	struct xerr e;
	int rc = parse_keys("keys", argc, argv, &o);

	if (rc >= 0)
		return rc;
	host = argv[optind];
	if (mesh_inventory_load(o.inventory, &inv, &e) < 0)
		return print_err(&e);
	rc = mesh_keys_make(inv, host, o.dir, o.rotate, &res, &e);
	known = rc == 0 && !strcmp(mesh_host_find(inv, host)->public_key, res.keys.pub);
	mesh_inventory_free(inv);
	if (rc < 0 || (!known && mesh_edit_set(o.inventory, host, "public_key", res.keys.pub, &e)))
		return print_err(&e);
	printf("host %s: public key %s\n", host, res.keys.pub);
	printf("  private key %s %s (mode 0600)\n", res.key_path, res.key_made ? "written" : "kept");
	if (o.show_private)
		printf("  private key: %s\n", res.keys.priv);
	printf("  pre-shared keys: %zu made, %zu kept, in %s/psk\n", res.psk_made, res.psk_kept,
	       o.dir);
	if (!known)
		printf("  public key written to %s\n", o.inventory);
	return XNFT_EXIT_OK;
}

static int sub_render(int argc, char **argv, const char *inventory)
{
	struct keys_opts o = { inventory, MESH_DEFAULT_KEYS_DIR, "/etc/xnft", false, false };
	struct mesh_render_result res;
	struct mesh_inventory *inv;
	struct xerr e;
	int rc = parse_keys("render", argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (mesh_inventory_load(o.inventory, &inv, &e) < 0)
		return print_err(&e);
	rc = mesh_render(inv, argv[optind], o.dir, o.out, &res, &e);
	mesh_inventory_free(inv);
	if (rc < 0)
		return print_err(&e);
	printf("%s: wg-quick config, %zu %s (install as /etc/wireguard/%s)\n", res.wg_path,
	       res.npeers, cli_plural((long long)res.npeers, "peer", "peers"),
	       strrchr(res.wg_path, '/') + 1);
	printf("%s: per-peer access for %zu %s\n", res.nft_path, res.nsources,
	       cli_plural((long long)res.nsources, "host", "hosts"));
	if (res.include_added)
		printf("%s/nftables.conf: now includes %s\n", o.out, MESH_PEERS_FILE);
	if (res.sets_updated)
		printf("%s/rules/00-tables.nft: MESH_PEERS and MESH_PEERS6 hold the peers\n", o.out);
	if (res.intents_updated)
		printf("%s/intents: one intent per peer\n", o.out);
	printf("next: xnft check %s, then xnft apply %s\n", o.out, o.out);
	return XNFT_EXIT_OK;
}

int cmd_mesh(int argc, char **argv)
{
	const char *inventory = MESH_DEFAULT_INVENTORY, *sub = argc > 1 ? argv[1] : "";

	if (argc < 2 || !strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? XNFT_EXIT_USAGE : XNFT_EXIT_OK;
	}
	if (!strcmp(sub, "init"))
		return sub_init(argc - 1, argv + 1, inventory);
	if (!strcmp(sub, "add"))
		return sub_add(argc - 1, argv + 1, inventory);
	if (!strcmp(sub, "remove"))
		return sub_remove(argc - 1, argv + 1, inventory);
	if (!strcmp(sub, "render"))
		return sub_render(argc - 1, argv + 1, inventory);
	if (!strcmp(sub, "keys"))
		return sub_keys(argc - 1, argv + 1, inventory);
	if (!strcmp(sub, "list") || !strcmp(sub, "check"))
		return sub_list_check(argc - 1, argv + 1, inventory, !strcmp(sub, "list"));
	return cli_usage_error("mesh", "unknown subcommand '%s' (init, add, remove, list, check, keys, render)",
			       sub);
}
