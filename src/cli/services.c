// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft services: what the policy opens to mesh peers, with file:line, read
 * from the loaded policy (so hand-written rules show too); --known: the
 * service names xnft allow understands.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/json.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/ruleset.h"
#include "policy/catalog.h"
#include "policy/tempadmin.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft services [-p DIR] [--known] [--json]\n"
		"List every rule of the services chain that accepts: what it opens, the\n"
		"source it names (mesh peers when none: the chain is reached from MESH_IF\n"
		"only), its comment and file:line. Rules xnft allow wrote and hand-written\n"
		"ones alike. Then the temporary break-glass entries in the kernel (xnft admin\n"
		"add --for), with the time each has left, when there are any.\n"
		"\n"
		"Options:\n"
		"  -p, --policy DIR  the policy tree (default /etc/xnft)\n"
		"  --known           the service names xnft allow knows, with their ports\n"
		"  --json            as JSON\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 listed, 1 the policy does not load, 2 usage error.\n");
}

static const struct rs_chain *services_chain(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++) {
		const struct rs_table *tb = rs->tables[t];

		if (strcmp(tb->name, XNFT_TABLE_NAME))
			continue;
		for (size_t c = 0; c < tb->nchains; c++)
			if (!strcmp(tb->chains[c]->name, "services"))
				return tb->chains[c];
	}
	return NULL;
}

static bool accepts(const struct rs_rule *r)
{
	return r->verdict && r->verdict->kind == RS_ST_VERDICT &&
	       r->verdict->u.verdict.kind == RS_VERDICT_ACCEPT;
}

/*
 * The temporary break-glass entries loaded now, into j or printed; nothing
 * when there are none or they cannot be read (the list above is the files').
 */
static void temp_admin(json_t *j)
{
	struct tempadmin_entry *v = NULL;
	json_t *a;
	size_t n = 0;
	struct xerr e;

	xerr_clear(&e);
	if (tempadmin_list(&v, &n, &e) < 0 || n == 0) {
		free(v);
		return;
	}
	a = j ? json_array() : NULL;
	if (!j)
		printf("Temporary break-glass SSH, any interface (in the kernel only, xnft admin add "
		       "--for):\n");
	for (size_t i = 0; i < n; i++) {
		if (a)
			json_array_append_new(a, json_pack("{s:s, s:I}", "cidr", v[i].cidr,
							   "expires_s",
							   (json_int_t)(v[i].expires_ms / 1000)));
		else
			printf("  %s  %llus left\n", v[i].cidr,
			       (unsigned long long)(v[i].expires_ms / 1000));
	}
	if (a)
		json_object_set_new(j, "temporary_admin", a);
	free(v);
}

static int list_known(bool json)
{
	json_t *a = json ? json_array() : NULL;

	for (const struct catalog_entry *c = catalog_all(); c->name; c++) {
		if (a)
			json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s}", "name", c->name,
							   "proto", c->proto, "port", (int)c->port,
							   "what", c->what));
		else
			printf("%-14s %s/%-5u %s\n", c->name, c->proto, c->port, c->what);
	}
	if (a)
		cli_json_print(json_pack("{s:o}", "known", a), 0);
	return XNFT_EXIT_OK;
}

static void print_rule(const struct rs_rule *r, json_t *a)
{
	const char *file = r->loc.file ? r->loc.file : "?";
	const char *text = r->loc.text ? r->loc.text : "";

	if (a) {
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:s}", "file", file,
						   "line", r->loc.line, "rule", text,
						   "comment", r->comment ? r->comment : ""));
		return;
	}
	printf("%s:%d: %s\n    %s\n", file, r->loc.line, r->comment ? r->comment : "(no comment)",
	       text);
}

int cmd_services(int argc, char **argv)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "known",  no_argument,       NULL, 'k' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = XNFT_ETC_DIR;
	bool known = false, json = false;
	struct ruleset *rs = NULL;
	const struct rs_chain *ch;
	json_t *a;
	int c, rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:h", options, NULL)) != -1) {
		if (c == 'p')
			dir = optarg;
		else if (c == 'k')
			known = true;
		else if (c == 'j')
			json = true;
		else
			return cli_bad_option("services", argv);
	}
	if (optind != argc)
		return cli_usage_error("services", "unexpected operand '%s' (the tree is -p DIR)",
				       argv[optind]);
	cli_json_errors(json);
	if (known)
		return list_known(json);
	rc = cli_load_policy("services", dir, 0, &rs);
	if (rc)
		return rc;
	ch = services_chain(rs);
	a = json ? json_array() : NULL;
	if (!json)
		printf("Open to mesh peers (chain services, reached from MESH_IF only):\n");
	for (size_t i = 0; ch && i < ch->nrules; i++)
		if (accepts(&ch->rules[i]))
			print_rule(&ch->rules[i], a);
	if (!ch && !json)
		printf("  (this policy has no chain 'services' in table inet xnft)\n");
	if (a) {
		json_t *j = json_pack("{s:s, s:o}", "policy", dir, "open", a);

		temp_admin(j);
		cli_json_print(j, 0);
	} else {
		temp_admin(NULL);
	}
	ruleset_free(rs);
	return XNFT_EXIT_OK;
}
