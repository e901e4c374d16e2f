// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft admin add|del|list: the break-glass addresses (ADMIN_ALLOWLIST and
 * ADMIN_ALLOWLIST6), which reach SSH on any interface when the mesh is down.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
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
		"Usage: xnft admin add CIDR [--for DURATION] [OPTIONS]\n"
		"       xnft admin del CIDR [OPTIONS]\n"
		"       xnft admin list [-p DIR] [--json]\n"
		"Break-glass addresses: sources that reach SSH on any interface, so the admin\n"
		"gets in when the mesh is down. Written to the owned line of ADMIN_ALLOWLIST\n"
		"(IPv4) or ADMIN_ALLOWLIST6 in rules/00-tables.nft. Refused: documentation\n"
		"ranges (never a real source), prefixes wider than /8 (IPv4) or /16 (IPv6),\n"
		"duplicates and overlaps, and private ranges (unless --force).\n"
		"\n"
		"With --for DURATION (90s, 30m, 2h, 1h30m; 1s to 30d) the entry is temporary:\n"
		"it is checked and shown like any other, never written to the files, and with\n"
		"--apply added to the loaded set with a timeout, so the kernel itself removes\n"
		"it when the time is up (nothing brings it back: not a reboot, not a re-apply,\n"
		"which also ends it early). list shows such entries with the time they have left.\n"
		"\n");
	edit_usage_options(out, "add: a temporary entry the kernel expires (needs --apply)",
			   "allow a private range; write even if the check fails");
	fprintf(out,
		"\n"
		"Exit status: 0 done, 1 refused or invalid value, 2 usage or environment error.\n");
}

struct admin_change {
	char *cidr;
	bool add, force;
	unsigned secs;       /* --for; 0: a permanent entry */
};

static int change_admin(struct policy_values *v, void *arg, struct xerr *e)
{
	const struct admin_change *c = arg;

	if (c->add)
		return change_admin_add(v, c->cidr, c->force, e);
	return change_admin_del(v, c->cidr, e);
}

static int add_live(void *arg, struct xerr *e)
{
	struct admin_change *c = arg;

	return tempadmin_add(&c->cidr, 1, c->secs, e);
}

/*
 * The temporary entries in the kernel now. Reading them needs
 * CAP_NET_ADMIN: without it (or any other failure) the files' entries are
 * still listed, with a note that the temporary ones could not be read.
 */
static bool read_temp(struct tempadmin_entry **tv, size_t *tn)
{
	struct xerr e;

	xerr_clear(&e);
	if (tempadmin_list(tv, tn, &e) == 0)
		return true;
	fprintf(stderr, "xnft admin: note: temporary entries (--for) not shown: %s\n", e.msg);
	return false;
}

static json_t *temp_json(const struct tempadmin_entry *tv, size_t tn)
{
	json_t *a = json_array();

	for (size_t i = 0; i < tn; i++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "cidr", tv[i].cidr,
						   "timeout_s", (json_int_t)(tv[i].timeout_ms / 1000),
						   "expires_s", (json_int_t)(tv[i].expires_ms / 1000)));
	return a;
}

static void print_admin_json(const struct edit_opts *o, const struct policy_values *v,
			     const struct tempadmin_entry *tv, size_t tn, bool have_temp)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n_admin4 + v->n_admin6; i++)
		json_array_append_new(a, json_string(i < v->n_admin4 ? v->admin4[i] :
						     v->admin6[i - v->n_admin4]));
	cli_json_print(json_pack("{s:s, s:o, s:o}", "policy", o->dir, "admin", a, "temporary",
				 have_temp ? temp_json(tv, tn) : json_null()), 0);
}

static void print_admin_text(const struct edit_opts *o, const struct policy_values *v,
			     const struct tempadmin_entry *tv, size_t tn)
{
	for (size_t i = 0; i < v->n_admin4; i++)
		printf("%s\n", v->admin4[i]);
	for (size_t i = 0; i < v->n_admin6; i++)
		printf("%s\n", v->admin6[i]);
	for (size_t i = 0; i < tn; i++)
		printf("%s  temporary: %llus left of %llus (loaded only, not in the files)\n",
		       tv[i].cidr, (unsigned long long)(tv[i].expires_ms / 1000),
		       (unsigned long long)(tv[i].timeout_ms / 1000));
	if (!v->n_admin4 && !v->n_admin6 && !tn)
		fprintf(stderr, "xnft admin: no break-glass address in %s (add one with xnft admin "
			"add CIDR)\n", o->dir);
}

static int list_admin(const struct edit_opts *o)
{
	struct policy_tree t;
	struct tempadmin_entry *tv = NULL;
	size_t tn = 0;
	struct xerr e;
	bool have_temp;

	xerr_clear(&e);
	if (policy_tree_open(&t, o->dir, false, &e) < 0) {
		policy_tree_close(&t);
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	have_temp = read_temp(&tv, &tn);
	if (o->json)
		print_admin_json(o, &t.v, tv, tn, have_temp);
	else
		print_admin_text(o, &t.v, tv, tn);
	free(tv);
	policy_tree_close(&t);
	return XNFT_EXIT_OK;
}

int cmd_admin(int argc, char **argv)
{
	struct edit_opts o;
	struct admin_change c = { 0 };
	struct xerr e;
	int rc = edit_parse(&o, "admin", argc, argv, usage);

	if (rc >= 0)
		return rc;
	xerr_clear(&e);
	if (o.nargs == 1 && !strcmp(o.args[0], "list"))
		return list_admin(&o);
	if (o.nargs != 2 || (strcmp(o.args[0], "add") && strcmp(o.args[0], "del")))
		return cli_usage_error("admin", "give add CIDR, del CIDR or list");
	if (o.name || o.rate)
		return cli_usage_error("admin", "%s goes with xnft allow", o.name ? "--name" : "--rate");
	c.add = !strcmp(o.args[0], "add");
	c.cidr = o.args[1];
	c.force = o.force;
	if (!o.for_dur)
		return edit_run(&o, change_admin, &c);
	if (!c.add)
		return cli_usage_error("admin", "--for goes with add; a temporary entry ends by "
				       "itself");
	if (o.confirm)
		return cli_usage_error("admin", "--confirm: a --for entry only adds and expires by "
				       "itself, there is nothing to confirm");
	rc = tempadmin_parse_for(o.for_dur, &c.secs, &e);
	if (rc < 0) {
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	return edit_run_live(&o, change_admin, add_live, &c);
}
