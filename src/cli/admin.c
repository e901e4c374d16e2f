// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft admin add|del|list: the break-glass addresses (ADMIN_ALLOWLIST and
 * ADMIN_ALLOWLIST6), which reach SSH on any interface when the mesh is down.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/edit.h"
#include "cli/json.h"
#include "core/err.h"
#include "policy/change.h"
#include "policy/values.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft admin add CIDR [OPTIONS]\n"
		"       xnft admin del CIDR [OPTIONS]\n"
		"       xnft admin list [-p DIR] [--json]\n"
		"Break-glass addresses: sources that reach SSH on any interface, so the admin\n"
		"gets in when the mesh is down. Written to the owned line of ADMIN_ALLOWLIST\n"
		"(IPv4) or ADMIN_ALLOWLIST6 in rules/00-tables.nft. Refused: documentation\n"
		"ranges (never a real source), prefixes wider than /8 (IPv4) or /16 (IPv6),\n"
		"duplicates and overlaps, and private ranges (unless --force).\n"
		"\n"
		"Options:\n"
		"  -p, --policy DIR  the policy tree (default /etc/xnft)\n"
		"  --dry-run         show the diff and the check, write nothing\n"
		"  --apply           then load it with the safe apply (xnft apply DIR)\n"
		"  --confirm SECS    with --apply: keep it only if 'xnft confirm' comes in time\n"
		"  --force           allow a private range; write even if the check fails\n"
		"  --json            the diff and the check as JSON\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 done, 1 refused or invalid value, 2 usage or environment error.\n");
}

struct admin_change {
	const char *cidr;
	bool add, force;
};

static int change_admin(struct policy_values *v, void *arg, struct xerr *e)
{
	const struct admin_change *c = arg;

	if (c->add)
		return change_admin_add(v, c->cidr, c->force, e);
	return change_admin_del(v, c->cidr, e);
}

static int list_admin(const struct edit_opts *o)
{
	struct policy_tree t;
	struct xerr e;

	xerr_clear(&e);
	if (policy_tree_open(&t, o->dir, false, &e) < 0) {
		policy_tree_close(&t);
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	if (o->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < t.v.n_admin4 + t.v.n_admin6; i++)
			json_array_append_new(a, json_string(i < t.v.n_admin4 ? t.v.admin4[i] :
							     t.v.admin6[i - t.v.n_admin4]));
		cli_json_print(json_pack("{s:s, s:o}", "policy", o->dir, "admin", a), 0);
		policy_tree_close(&t);
		return XNFT_EXIT_OK;
	}
	for (size_t i = 0; i < t.v.n_admin4; i++)
		printf("%s\n", t.v.admin4[i]);
	for (size_t i = 0; i < t.v.n_admin6; i++)
		printf("%s\n", t.v.admin6[i]);
	if (!t.v.n_admin4 && !t.v.n_admin6)
		fprintf(stderr, "xnft admin: no break-glass address in %s (add one with xnft admin "
			"add CIDR)\n", o->dir);
	policy_tree_close(&t);
	return XNFT_EXIT_OK;
}

int cmd_admin(int argc, char **argv)
{
	struct edit_opts o;
	struct admin_change c = { 0 };
	int rc = edit_parse(&o, "admin", argc, argv, usage);

	if (rc >= 0)
		return rc;
	if (o.nargs == 1 && !strcmp(o.args[0], "list"))
		return list_admin(&o);
	if (o.nargs != 2 || (strcmp(o.args[0], "add") && strcmp(o.args[0], "del")))
		return cli_usage_error("admin", "give add CIDR, del CIDR or list");
	if (o.name)
		return cli_usage_error("admin", "--name goes with xnft allow");
	if (o.for_dur)
		return cli_usage_error("admin", "--for is not supported yet (see xnft(8), DAY-TWO "
				       "CHANGES): add the address, and del it when done");
	c.add = !strcmp(o.args[0], "add");
	c.cidr = o.args[1];
	c.force = o.force;
	return edit_run(&o, change_admin, &c);
}
