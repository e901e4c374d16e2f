// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft allow | deny | remove | services: open and close services to mesh
 * peers in the owned lines of rules/40-services.nft, and list what is open.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/edit.h"
#include "core/err.h"
#include "policy/change.h"

static void usage_common(FILE *out)
{
	fprintf(out,
		"\n"
		"SERVICE is a known name (xnft services --known), PROTO/PORT or PROTO/PORT-PORT\n"
		"(tcp or udp). Without 'from', every mesh peer (MESH_PEERS/MESH_PEERS6); with\n"
		"'from ADDR|CIDR', one peer or part of the mesh. The services chain answers mesh\n"
		"peers only: a source outside the mesh, and SSH or a service from anywhere,\n"
		"are refused.\n"
		"\n");
	edit_usage_options(out, NULL, NULL);
	fprintf(out,
		"\n"
		"Prints the packets whose verdict changes (as xnft diff) and xnft check of the\n"
		"changed tree; only the lines marked xnft-init change, hand edits are kept.\n"
		"Without --apply the kernel is untouched. Exit status: 0 done (or nothing to\n"
		"change), 1 refused or invalid value, 2 usage or environment error.\n");
}

static void usage_allow(FILE *out)
{
	fprintf(out, "Usage: xnft allow SERVICE [from mesh|ADDR|CIDR] [--name TEXT] [--rate N/UNIT]\n"
		"                  [OPTIONS]\n"
		"Open SERVICE to mesh peers: one rule with a comment in rules/40-services.nft.\n"
		"  --name TEXT       the name in the rule's comment (default: the service's)\n"
		"  --rate N/UNIT     at most N new connections per UNIT (second, minute, hour,\n"
		"                    day) from each source, N at once; the rest are dropped\n"
		"                    (a per-source meter, as the policy limits SSH)\n");
	usage_common(out);
}

static void usage_deny(FILE *out)
{
	fprintf(out, "Usage: xnft deny SERVICE [from mesh|ADDR|CIDR] [OPTIONS]\n"
		"       xnft remove SERVICE [from mesh|ADDR|CIDR] [OPTIONS]\n"
		"Close what xnft allow opened (the same SERVICE and source). deny succeeds\n"
		"when it is already closed; remove says so and exits 1.\n");
	usage_common(out);
}

struct service_change {
	const struct edit_opts *o;
	const char *what, *from;
	bool open, must_exist;
};

static int change_service(struct policy_values *v, void *arg, struct xerr *e)
{
	struct service_change *c = arg;
	struct policy_service s;
	size_t removed;

	if (change_service_parse(&s, v, c->what, c->from, c->o->name, e) < 0)
		return -1;
	if (c->o->rate && change_service_rate(&s, c->o->rate, e) < 0)
		return -1;
	if (c->open)
		return change_allow(v, &s, e);
	return change_deny(v, &s, c->must_exist, &removed, e);
}

/* SERVICE [from SRC]: the operands of allow, deny and remove. */
static int service_operands(const struct edit_opts *o, struct service_change *c)
{
	if (o->nargs != 1 && !(o->nargs == 3 && !strcmp(o->args[1], "from")))
		return cli_usage_error(o->cmd, "give SERVICE or SERVICE from mesh|ADDR|CIDR");
	if (o->for_dur)
		return cli_usage_error(o->cmd, "--for is for xnft admin add and xnft set add");
	c->o = o;
	c->what = o->args[0];
	c->from = o->nargs == 3 ? o->args[2] : NULL;
	return -1;
}

static int run_service(const char *cmd, int argc, char **argv, bool open, bool must_exist)
{
	struct edit_opts o;
	struct service_change c = { .open = open, .must_exist = must_exist };
	int rc = edit_parse(&o, cmd, argc, argv, open ? usage_allow : usage_deny);

	if (rc >= 0)
		return rc;
	if (!open && (o.name || o.rate))
		return cli_usage_error(cmd, "%s goes with xnft allow", o.name ? "--name" : "--rate");
	rc = service_operands(&o, &c);
	if (rc >= 0)
		return rc;
	return edit_run(&o, change_service, &c);
}

int cmd_allow(int argc, char **argv)
{
	return run_service("allow", argc, argv, true, true);
}

int cmd_deny(int argc, char **argv)
{
	return run_service("deny", argc, argv, false, false);
}

int cmd_remove(int argc, char **argv)
{
	return run_service("remove", argc, argv, false, true);
}
