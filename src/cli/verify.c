// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft verify: prove the policy's intents for every packet; on a violation
 * print the intent, one counterexample packet and the choices it needs.
 */
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/printers.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/verify.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/policy_load.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft verify [POLICY] [--intents FILE] [--local-addr ADDR]...\n"
		"                   [--br-netfilter yes|no] [--json] [-v]\n"
		"Prove every intent of the policy for every packet (not a sample). POLICY is\n"
		"a file, or a directory holding nftables.conf (default " XNFT_DEFAULT_POLICY ").\n"
		"The intents are read from FILE, or from the file 'intents' next to the\n"
		"policy's entry file; $NAME is the policy's define NAME, @NAME its set.\n"
		"\n"
		"  expect accept MATCH          every such packet is accepted while its source\n"
		"                               is under every limit and in no dynamic set\n"
		"  expect drop MATCH            no such packet is accepted, whatever the limits\n"
		"                               and the dynamic sets hold\n"
		"  expect only MATCH : A or B   of MATCH, only A or B may be accepted\n"
		"\n"
		"Options:\n"
		"  --intents FILE  read the intents from FILE\n"
		"  --local-addr ADDR  an address of this host (repeatable): a dnat to it is\n"
		"                  delivered here, to another address forwarded\n"
		"  --br-netfilter yes|no  whether br_netfilter hands frames bridged port to\n"
		"                  port to the IP prerouting, forward and postrouting chains\n"
		"                  too (default: both); intents name packets to, through or\n"
		"                  from this host, not bridged frames, so no proof changes\n"
		"  --json          print the results as one JSON object\n"
		"  -v, --verbose   also list the intents that hold\n"
		"  -h, --help      show this help\n"
		"\n"
		"Exit status: 0 every intent holds, 1 an intent is violated (each printed with\n"
		"a counterexample packet) or the intents or policy are invalid, 2 usage error\n"
		"or missing file.\n");
}

struct verify_opts {
	const char *policy;
	const char *intents;
	bool json, verbose;
	struct cli_local local;
};

static int parse_args(int argc, char **argv, struct verify_opts *o)
{
	static const struct option options[] = {
		{ "intents", required_argument, NULL, 'i' },
		{ "local-addr", required_argument, NULL, 'L' },
		{ "br-netfilter", required_argument, NULL, 'B' },
		{ "json",    no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help",    no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (c) {
		case 'L':
			rc = cli_local_add("verify", &o->local, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'B':
			rc = cli_brnf_parse("verify", &o->local, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'i': o->intents = optarg; break;
		case 'j': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("verify", argv);
		}
	}
	if (cli_policy_operand("verify", argc, argv, 0, &o->policy) >= 0)
		return XNFT_EXIT_USAGE;
	if (!o->policy)
		o->policy = XNFT_DEFAULT_POLICY;
	return -1;
}

/* The tracer's account of a counterexample, with the choices that make it so. */
static int trace_item(const struct ruleset *rs, const struct verify_item *it,
		      struct trace_result *tr)
{
	struct trace_opts to;
	struct xerr e;

	verify_item_trace_opts(it, &to);
	xerr_clear(&e);
	return trace_packet(rs, &it->pkt, &to, tr, &e);
}

json_t *cli_verify_item_json(const struct ruleset *rs, const char *base,
			     const struct verify_item *it)
{
	struct trace_result tr;
	char pkt[PACKET_TEXT_MAX];
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:b}", "file", it->intent->file,
			      "line", it->intent->line, "intent", it->intent->text,
			      "resolved", it->resolved, "hook", sx_path_name(it->path),
			      "holds", it->holds);
	json_t *conds;

	if (!o || it->holds)
		return o;
	packet_format_full(&it->pkt, pkt, sizeof(pkt));
	json_object_set_new(o, "counterexample", json_string(pkt));
	json_object_set_new(o, "verdict", json_string(it->accepted ? "accept" : "drop"));
	conds = json_array();
	for (size_t i = 0; conds && i < it->nconditions; i++)
		json_array_append_new(conds, json_string(it->conditions[i]));
	json_object_set_new(o, "conditions", conds);
	if (!trace_item(rs, it, &tr)) {
		json_object_set_new(o, "trace", trace_to_json(&tr, base));
		trace_result_free(&tr);
	}
	return o;
}

static void print_json(const char *policy, const struct ruleset *rs, const char *base,
		       const struct verify_result *r)
{
	json_t *items = json_array(), *o;

	for (size_t i = 0; items && i < r->n; i++)
		json_array_append_new(items, cli_verify_item_json(rs, base, &r->items[i]));
	o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:o, s:s}", "policy", policy, "intents",
		      r->intents_path, "total", (int)r->n, "held", (int)r->held, "violated",
		      (int)r->violated, "results", items, "tables_not_analysed", r->not_analysed);
	cli_json_print(o, 0);
}

/* The intent, and for a violation its counterexample traced rule by rule. */
void cli_verify_print_item(FILE *out, const struct ruleset *rs, const char *base,
			   const struct verify_item *it)
{
	struct trace_result tr;
	char *s = verify_item_format(it);

	if (s)
		fprintf(out, "%s\n", s);
	free(s);
	if (it->holds || trace_item(rs, it, &tr))
		return;
	s = trace_format_text(&tr, base, TRACE_FMT_MATCHED);
	if (s)
		fprintf(out, "%s\n", s);
	free(s);
	trace_result_free(&tr);
}

static void print_text(const struct verify_opts *o, const struct ruleset *rs, const char *base,
		       const struct verify_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!r->items[i].holds || o->verbose)
			cli_verify_print_item(stdout, rs, base, &r->items[i]);
	}
	printf("%s: %zu of %zu intent%s hold%s", r->intents_path, r->held, r->n,
	       r->n == 1 ? "" : "s", r->held == 1 ? "s" : "");
	if (r->violated)
		printf(", %zu violated", r->violated);
	printf("\n");
	if (r->nnot_analysed)
		printf("Not analysed (chains the engine does not evaluate): %s.\n",
		       r->not_analysed);
}

int cmd_verify(int argc, char **argv)
{
	char entry[PATH_MAX], incdir[PATH_MAX];
	struct verify_result r;
	struct verify_opts o;
	struct ruleset *rs = NULL;
	struct xerr e;
	int rc;

	if (cli_start(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cli_json_errors(o.json);
	xerr_clear(&e);
	if (policy_resolve(o.policy, entry, sizeof(entry), incdir, sizeof(incdir), &e)) {
		cli_error(&e);
		return cli_exit_code(&e);
	}
	rc = cli_load_policy("verify", o.policy, 0, &rs);
	if (!rc)
		rc = cli_local_apply("verify", &o.local, rs);
	if (rc) {
		ruleset_free(rs);
		return rc;
	}
	rc = verify_policy(entry, incdir, rs, NULL, o.intents, &r, &e);
	if (rc) {
		ruleset_free(rs);
		cli_error(&e);
		return cli_exit_code(&e);
	}
	if (o.json)
		print_json(o.policy, rs, incdir, &r);
	else
		print_text(&o, rs, incdir, &r);
	ruleset_free(rs);
	rc = r.violated ? XNFT_EXIT_FINDINGS : XNFT_EXIT_OK;
	verify_result_free(&r);
	return rc;
}
