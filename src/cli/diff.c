// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft diff: which packets change verdict between two policies, readable.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/diff.h"
#include "cli/json.h"
#include "cli/printers.h"
#include "core/err.h"
#include "core/policy_load.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft diff OLD NEW [--local-addr ADDR]... [--br-netfilter yes|no] [--json]\n"
		"Compare two policies for every packet and show the packets whose verdict\n"
		"changed, per hook path (input, forward, output, and bridged: frames a\n"
		"bridge passes from port to port) and interface: \"now accepted\" and \"no\n"
		"longer accepted\" for a well-behaved source (under every limit, in no\n"
		"dynamic set); changes that need a state of the limits or sets\n"
		"are listed as \"now possibly accepted\" / \"no longer possibly accepted\".\n"
		"A change of only the state a packet needs (a limit, quota or meter added,\n"
		"removed or given another rate, a dynamic set's or meta cpu test changed)\n"
		"is \"now accepted in some cases\" / \"no longer accepted in some cases\",\n"
		"with the states: \"tcp dport 22 \xe2\x80\x94 over 10/second\".\n"
		"OLD and NEW are policy files, or directories holding nftables.conf; each is\n"
		"loaded in a private network namespace. Packets a dnat or redirect sends\n"
		"elsewhere are judged where they go (a port opened behind a port forward\n"
		"shows as a change of the packets that arrive for it). A bridge's chains\n"
		"are evaluated for IP packets that pass through its ports: up to this host,\n"
		"down from it, or bridged from port to port (\"bridged: ... from port eth1\n"
		"to port eth2\"); any interface may be a bridge (said once). Chains the\n"
		"engine does not evaluate (arp), and a bridge's or netdev chain's rules\n"
		"for other frames (ARP), are compared as written: each rule, chain or set\n"
		"that differs is listed with its file:line and counts as a change.\n"
		"\n"
		"Options:\n"
		"  --local-addr ADDR  an address of this host (repeatable): a dnat to it is\n"
		"              delivered here, to another address forwarded\n"
		"  --br-netfilter yes|no  whether br_netfilter hands bridged IP frames to the\n"
		"              IP prerouting, forward and postrouting chains too (the bridge\n"
		"              as iif/oif), so an inet forward change shows on the bridged\n"
		"              path; default: both outcomes, as conditions (said once)\n"
		"  --json      print the changes as one JSON object\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 no packet changes verdict, 1 some do or may (or a policy does\n"
		"not load), 2 usage or environment error.\n");
}

static json_t *lines_json(const struct ds_lines *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++) {
		json_t *c = json_array();

		for (size_t k = 0; c && k < l->v[i].nconds; k++)
			json_array_append_new(c, json_string(l->v[i].conds[k]));
		json_t *o = json_pack("{s:s, s:s, s:o}", "interface", l->v[i].iface,
				      "packets", l->v[i].text, "conditions", c ? c : json_array());

		if (o)
			cli_ds_line_fields(o, &l->v[i]);
		json_array_append_new(a, o);
	}
	return a;
}

/* The changes in tables the engine does not evaluate (diff.h). */
static json_t *tables_json(const struct diff_result *d)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < d->ntables; i++) {
		const struct diff_table_change *t = &d->tables[i];
		json_t *o = json_pack("{s:s, s:s, s:s*, s:s, s:s*, s:i, s:s*, s:s, s:b}", "family",
				      rs_family_name(t->family), "table", t->table, "chain", t->chain,
				      "change", t->what, "file", t->file, "line", t->line, "rule",
				      t->text, "assumed", diff_table_assumed(t), "ip_judged",
				      t->ip_judged);

		json_array_append_new(a, o);
	}
	return a;
}

void cli_diff_print_json(const char *a, const char *b, const struct diff_result *d)
{
	json_t *paths = json_object(), *o;

	for (int p = 0; paths && p < SX__NPATHS; p++) {
		json_t *kinds = json_object();

		for (int k = 0; kinds && k < DIFF__NKINDS; k++)
			json_object_set_new(kinds, diff_kind_name((enum diff_kind)k),
					    lines_json(&d->lines[p][k]));
		json_object_set_new(paths, sx_path_name((enum sx_path)p), kinds);
	}
	o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:b, s:s}", "old", a, "new", b, "changed",
		      d->changed, "paths", paths, "tables_not_evaluated", tables_json(d),
		      "bridge_ports_assumed", d->bridge_ports, "br_netfilter",
		      cli_brnf_json(d->brnf4, d->brnf6));
	cli_json_print(o, 0);
}

/*
 * A change in a table the engine does not evaluate: an ARP change for an
 * arp table, else "not modelled"; file:line and what was assumed.
 */
static void print_table_change(const struct diff_table_change *t)
{
	printf("%s: %s table %s", t->family == RS_FAM_ARP ? "ARP change" :
	       t->ip_judged ? "frames other than IP" : "not modelled", rs_family_name(t->family),
	       t->table);
	if (t->chain)
		printf(", chain %s", t->chain);
	printf(": %s", t->what);
	if (t->file && t->line)
		printf(" at %s:%d", t->file, t->line);
	if (t->text)
		printf(": %s", t->text);
	printf(" \xe2\x80\x94 %s\n", diff_table_assumed(t));
}

/* Some line on the bridged path: what br_netfilter was taken as is said once. */
static bool bridged_changed(const struct diff_result *d)
{
	for (int k = 0; k < DIFF__NKINDS; k++)
		if (d->lines[SX_BRIDGED][k].n)
			return true;
	return false;
}

void cli_diff_print_text(const char *a, const char *b, const struct diff_result *d)
{
	if (!d->changed) {
		printf("%s -> %s: no packet changes its verdict\n", a, b);
		return;
	}
	printf("%s -> %s:\n", a, b);
	for (int p = 0; p < SX__NPATHS; p++)
		for (int k = 0; k < DIFF__NKINDS; k++) {
			const struct ds_lines *l = &d->lines[p][k];

			for (size_t i = 0; i < l->n; i++) {
				const struct ds_line *x = &l->v[i];

				printf("%s: %s: %s, %s", sx_path_name((enum sx_path)p),
				       diff_kind_name((enum diff_kind)k), x->iface, x->text);
				for (size_t c = 0; c < x->nconds; c++)
					printf("%s%s", c ? ", " : " \xe2\x80\x94 ", x->conds[c]);
				printf("\n");
			}
			if (l->truncated)
				printf("%s: %s: ... (cut after %d lines)\n",
				       sx_path_name((enum sx_path)p), diff_kind_name((enum diff_kind)k),
				       DS_MAX_LINES);
			if (l->merged)
				printf("%s: %s: (over-approximated: more than %d distinct cases of one "
				       "field, the last line stands for the rest)\n",
				       sx_path_name((enum sx_path)p), diff_kind_name((enum diff_kind)k),
				       DS_MAX_CLASSES);
		}
	for (size_t i = 0; i < d->ntables; i++)
		print_table_change(&d->tables[i]);
	if (bridged_changed(d))
		printf("%s.\n", cli_brnf_text(d->brnf4, d->brnf6));
	if (d->bridge_ports)
		printf("Bridge ports: the host's bridges are not known, so any interface but lo may be "
		       "a bridge and any other its port; \"a bridge via a port\" lines are packets "
		       "that arrived through one, and a frame may be bridged between any two ports "
		       "of one bridge (an over-approximation).\n");
}

int cmd_diff(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "local-addr", required_argument, NULL, 'L' },
		{ "br-netfilter", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ruleset *rs[2] = { NULL, NULL }, *a, *b;
	struct diff_result d;
	struct cli_local local = { .n = 0 };
	bool json = false;
	struct xerr e;
	int c, rc;

	if (cli_start(argc, argv, usage))
		return XNFT_EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'j') {
			json = true;
			continue;
		}
		if (c == 'L' || c == 'B') {
			rc = c == 'L' ? cli_local_add("diff", &local, optarg) :
					cli_brnf_parse("diff", &local, optarg);
			if (rc >= 0)
				return rc;
			continue;
		}
		return cli_bad_option("diff", argv);
	}
	cli_json_errors(json);
	if (argc - optind != 2) {
		return cli_usage_error("diff", "give two policies, OLD and NEW");
	}
	rc = cli_load_policies("diff", (const char *const *)&argv[optind], 2, rs);
	if (rc)
		return rc;
	a = rs[0];
	b = rs[1];
	rc = cli_local_apply("diff", &local, a);
	if (!rc)
		rc = cli_local_apply("diff", &local, b);
	if (rc) {
		ruleset_free(a);
		ruleset_free(b);
		return rc;
	}
	xerr_clear(&e);
	rc = diff_compute(a, b, &d, &e);
	ruleset_free(a);
	ruleset_free(b);
	if (rc) {
		cli_error(&e);
		return XNFT_EXIT_USAGE;
	}
	if (json)
		cli_diff_print_json(argv[optind], argv[optind + 1], &d);
	else
		cli_diff_print_text(argv[optind], argv[optind + 1], &d);
	rc = d.changed ? XNFT_EXIT_FINDINGS : XNFT_EXIT_OK;
	diff_free(&d);
	return rc;
}
