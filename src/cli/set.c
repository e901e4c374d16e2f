// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft set add|del|list SET ELEMENT...: the policy's own named sets whose
 * elements live in owned lines (MESH_PEERS(6), ADMIN_ALLOWLIST(6)).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/edit.h"
#include "cli/json.h"
#include "core/err.h"
#include "policy/change.h"
#include "policy/tempadmin.h"
#include "policy/values.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft set add|del SET ELEMENT... [OPTIONS]\n"
		"       xnft set add ADMIN_ALLOWLIST|ADMIN_ALLOWLIST6 ELEMENT... --for DURATION\n"
		"       xnft set list SET [-p DIR] [--json]\n"
		"Change the elements of the policy's own sets, in their owned lines of\n"
		"rules/00-tables.nft: MESH_PEERS, MESH_PEERS6 (mesh prefixes: at least /8 or\n"
		"/16, no overlaps), ADMIN_ALLOWLIST, ADMIN_ALLOWLIST6 (as xnft admin). The\n"
		"ban sets belong to the daemon (xnft bans). With --for, the elements are\n"
		"temporary break-glass entries, in the kernel only, expired by the kernel (as\n"
		"xnft admin add --for); the mesh sets have no timeouts.\n"
		"\n");
	edit_usage_options(out, "add to an ADMIN set for this long (needs --apply)",
			   "allow a private admin range; write even if the check fails");
	fprintf(out,
		"\n"
		"Exit status: 0 done, 1 refused or invalid value, 2 usage or environment error.\n");
}

struct set_change {
	const struct edit_opts *o;
	bool add;
	unsigned secs;       /* --for; 0: permanent */
};

static int change_set(struct policy_values *v, void *arg, struct xerr *e)
{
	const struct set_change *c = arg;
	const char *set = c->o->args[1];

	for (int i = 2; i < c->o->nargs; i++) {
		const char *elem = c->o->args[i];

		if ((c->add ? change_set_add(v, set, elem, c->o->force, e)
			    : change_set_del(v, set, elem, e)) < 0)
			return -1;
	}
	return 0;
}

static int add_live(void *arg, struct xerr *e)
{
	const struct set_change *c = arg;

	return tempadmin_add(c->o->args + 2, (size_t)(c->o->nargs - 2), c->secs, e);
}

/* --for: only add, only to the break-glass sets (the ones with the timeout flag). */
static int temp_set_change(const struct edit_opts *o, struct set_change *c)
{
	struct xerr e;

	if (!c->add)
		return cli_usage_error("set", "--for goes with add; a temporary element ends by "
				       "itself");
	if (strcmp(o->args[1], "ADMIN_ALLOWLIST") && strcmp(o->args[1], "ADMIN_ALLOWLIST6"))
		return cli_usage_error("set", "--for is for ADMIN_ALLOWLIST and ADMIN_ALLOWLIST6, "
				       "the sets with timeouts (a mesh peer is not temporary)");
	if (o->confirm)
		return cli_usage_error("set", "--confirm: a --for element only adds and expires by "
				       "itself, there is nothing to confirm");
	xerr_clear(&e);
	if (tempadmin_parse_for(o->for_dur, &c->secs, &e) < 0) {
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	return edit_run_live(o, change_set, add_live, c);
}

static int list_set(const struct edit_opts *o)
{
	struct policy_tree t;
	const char (*list)[48];
	size_t n;
	struct xerr e;
	int rc = XNFT_EXIT_OK;

	xerr_clear(&e);
	if (policy_tree_open(&t, o->dir, false, &e) < 0 ||
	    change_set_list(&t.v, o->args[1], &list, &n, &e) < 0) {
		cli_error(&e);
		rc = e.code ? e.code : XNFT_EXIT_USAGE;
	} else if (o->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_string(list[i]));
		cli_json_print(json_pack("{s:s, s:s, s:o}", "policy", o->dir, "set", o->args[1],
					 "elements", a), 0);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i]);
	}
	policy_tree_close(&t);
	return rc;
}

int cmd_set(int argc, char **argv)
{
	struct edit_opts o;
	struct set_change c = { .o = &o };
	int rc = edit_parse(&o, "set", argc, argv, usage);

	if (rc >= 0)
		return rc;
	if (o.nargs == 2 && !strcmp(o.args[0], "list"))
		return list_set(&o);
	if (o.nargs < 3 || (strcmp(o.args[0], "add") && strcmp(o.args[0], "del")))
		return cli_usage_error("set", "give add SET ELEMENT..., del SET ELEMENT... or "
				       "list SET");
	if (o.name || o.rate)
		return cli_usage_error("set", "%s goes with xnft allow", o.name ? "--name" : "--rate");
	c.add = !strcmp(o.args[0], "add");
	if (o.for_dur)
		return temp_set_change(&o, &c);
	return edit_run(&o, change_set, &c);
}
