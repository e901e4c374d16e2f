// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft containers add|del|list NAME...: on a tree already written, what
 * init --containers does: the bridge rules of the forward chain that let a
 * container or VM manager's guests open connections out.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/edit.h"
#include "cli/json.h"
#include "core/err.h"
#include "policy/containers.h"
#include "policy/values.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft containers add|del NAME... [OPTIONS]\n"
		"       xnft containers list [-p DIR] [--json]\n"
		"Let a container or VM manager's guests open new connections out through WAN_IF\n"
		"(add), or stop them (del), in the forward chain (rules/80-forward.nft), as\n"
		"xnft init --containers does. NAME is docker, podman, libvirt, lxd or incus\n"
		"(bridges docker0, podman0, virbr0, lxdbr0, incusbr0). Replies are established\n"
		"already; ports a manager publishes stay dropped until a rule allows them\n"
		"(xnft doctor lists them). list shows which managers' rules are enabled.\n"
		"\n");
	edit_usage_options(out, NULL, NULL);
	fprintf(out,
		"\n"
		"Exit status: 0 done (or nothing to change), 1 refused or unknown name, 2 usage\n"
		"or environment error.\n");
}

struct containers_change {
	unsigned add, del;
};

static int change_tree(struct policy_tree *t, void *arg, struct xerr *e)
{
	const struct containers_change *c = arg;

	return policy_containers_change(t, c->add, c->del, e);
}

static const struct policy_tree_file *forward_of(const struct policy_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->f[i].rel, POLICY_FORWARD_FILE))
			return &t->f[i];
	return NULL;
}

static int list_containers(const struct edit_opts *o)
{
	struct policy_tree t;
	const struct policy_tree_file *f;
	unsigned mask;
	json_t *a;
	struct xerr e;

	xerr_clear(&e);
	if (policy_tree_open(&t, o->dir, false, &e) < 0) {
		policy_tree_close(&t);
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	f = forward_of(&t);
	mask = f ? policy_containers_enabled(f->old) : 0;
	a = o->json ? json_array() : NULL;
	for (size_t i = 0; i < policy_containers_count(); i++) {
		if (!(mask & (1u << i)))
			continue;
		if (a)
			json_array_append_new(a, json_pack("{s:s, s:s}", "name",
							   policy_containers_name(i), "bridge",
							   policy_containers_bridge(i)));
		else
			printf("%s (bridge %s)\n", policy_containers_name(i),
			       policy_containers_bridge(i));
	}
	if (a)
		cli_json_print(json_pack("{s:s, s:o}", "policy", o->dir, "containers", a), 0);
	else if (!mask)
		fprintf(stderr, "xnft containers: no manager's guests may connect out in %s (add one "
			"with xnft containers add NAME)\n", o->dir);
	policy_tree_close(&t);
	return XNFT_EXIT_OK;
}

int cmd_containers(int argc, char **argv)
{
	struct edit_opts o;
	struct containers_change c = { 0 };
	struct xerr e;
	int rc = edit_parse(&o, "containers", argc, argv, usage);

	if (rc >= 0)
		return rc;
	if (o.nargs == 1 && !strcmp(o.args[0], "list"))
		return list_containers(&o);
	if (o.nargs < 2 || (strcmp(o.args[0], "add") && strcmp(o.args[0], "del")))
		return cli_usage_error("containers", "give add NAME..., del NAME... or list");
	if (o.name || o.rate || o.for_dur)
		return cli_usage_error("containers", "%s does not go with xnft containers",
				       o.name ? "--name" : o.rate ? "--rate" : "--for");
	xerr_clear(&e);
	for (int i = 1; i < o.nargs; i++) {
		if (policy_containers_add(!strcmp(o.args[0], "add") ? &c.add : &c.del, o.args[i],
					  &e) < 0) {
			cli_error(&e);
			return e.code ? e.code : XNFT_EXIT_USAGE;
		}
	}
	return edit_run_tree(&o, change_tree, &c);
}
