// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft lint: print what src/analyze/lint found, compiler style, or as JSON.
 */
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/printers.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/lint.h"
#include "core/err.h"
#include "core/paths.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft lint [POLICY] [--json] [-q]\n"
		"       xnft lint --live [--json] [-q]\n"
		"       xnft lint --ids\n"
		"Find what is wrong with a ruleset before it is applied: dead and shadowed\n"
		"rules, invalid-state drops placed too late, limits shared by every source,\n"
		"logs an outsider can flood, accepted redirects, input chains that accept\n"
		"every new connection, bogon checks that drop loopback or replies,\n"
		"`flush ruleset`, interface names that contradict the defines, and more.\n"
		"POLICY is a file or a directory holding nftables.conf\n"
		"(default " XNFT_DEFAULT_POLICY "); it is loaded in a private network namespace.\n"
		"Each finding has a stable id (XL001...), a severity, FILE:LINE, the rule\n"
		"and a fix; see docs/lint-ids.md and xnft(8).\n"
		"\n"
		"Options:\n"
		"  --live      lint the ruleset loaded in the kernel now (needs root)\n"
		"  --json      print the findings as one JSON object\n"
		"  -q, --quiet print findings only, no summary line\n"
		"  --ids       list every finding id with its severity and title\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 no error-severity finding (warnings and infos alone exit 0),\n"
		"1 errors found or the policy does not load, 2 usage error, missing policy,\n"
		"or no namespace could be made.\n");
}

struct lint_opts {
	const char *policy;
	bool json, quiet, live, ids;
};

static int parse_args(int argc, char **argv, struct lint_opts *o)
{
	static const struct option options[] = {
		{ "json",  no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "live",  no_argument, NULL, 'l' },
		{ "ids",   no_argument, NULL, 'i' },
		{ "help",  no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'l': o->live = true; break;
		case 'i': o->ids = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("lint", argv);
		}
	}
	if (cli_policy_operand("lint", argc, argv, o->live, &o->policy) >= 0)
		return XNFT_EXIT_USAGE;
	if (!o->policy)
		o->policy = XNFT_DEFAULT_POLICY;
	return -1;
}

/* ---- text ------------------------------------------------------------------------------ */

static void print_place(FILE *out, const struct lint_finding *f)
{
	if (f->file && f->line)
		fprintf(out, "%s:%d: ", f->file, f->line);
	else if (f->file)
		fprintf(out, "%s: ", f->file);
	else if (f->where)
		fprintf(out, "%s: ", f->where);
}

void cli_lint_print_finding(FILE *out, const struct lint_finding *f)
{
	print_place(out, f);
	fprintf(out, "%s[%s]: %s\n", lint_severity_name(f->sev), f->id,
		f->message ? f->message : "");
	if (f->text)
		fprintf(out, "    %s\n", f->text);
	/* the comment is part of the rule as written; say it when the text lacks it */
	if (f->comment && (!f->text || !strstr(f->text, f->comment)))
		fprintf(out, "    comment: \"%s\"\n", f->comment);
	if (f->hint)
		fprintf(out, "  fix: %s\n", f->hint);
}

static void print_summary(const struct lint_opts *o, const struct lint_report *r)
{
	size_t ne = lint_count(r, LINT_ERROR), nw = lint_count(r, LINT_WARNING);
	size_t ni = lint_count(r, LINT_INFO);

	printf("%s: %zu error%s, %zu warning%s, %zu info%s\n", o->live ? "live ruleset" : o->policy,
	       ne, ne == 1 ? "" : "s", nw, nw == 1 ? "" : "s", ni, ni == 1 ? "" : "s");
	if (r->incomplete)
		printf("  note: the ruleset was too large to follow every path; dead-code and "
		       "shadowing checks were skipped\n");
	if (r->unchecked)
		printf("  note: %zu rule%s not checked for redundancy (XL009): time limit\n",
		       r->unchecked, r->unchecked == 1 ? "" : "s");
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *cli_lint_finding_json(const struct lint_finding *f)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_string(f->id));
	json_object_set_new(o, "severity", json_string(lint_severity_name(f->sev)));
	json_object_set_new(o, "file", str_or_null(f->file));
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "where", str_or_null(f->where));
	json_object_set_new(o, "rule", str_or_null(f->text));
	json_object_set_new(o, "comment", str_or_null(f->comment));
	json_object_set_new(o, "message", str_or_null(f->message));
	json_object_set_new(o, "hint", str_or_null(f->hint));
	return o;
}

static void print_json(const struct lint_opts *o, const struct lint_report *r)
{
	json_t *all = json_object(), *v = json_array();

	if (!all || !v) {
		json_decref(all);
		json_decref(v);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(v, cli_lint_finding_json(&r->v[i]));
	json_object_set_new(all, "policy", json_string(o->live ? "live" : o->policy));
	json_object_set_new(all, "errors", json_integer((json_int_t)lint_count(r, LINT_ERROR)));
	json_object_set_new(all, "warnings", json_integer((json_int_t)lint_count(r, LINT_WARNING)));
	json_object_set_new(all, "infos", json_integer((json_int_t)lint_count(r, LINT_INFO)));
	json_object_set_new(all, "complete", json_boolean(!r->incomplete));
	json_object_set_new(all, "redundancy_unchecked", json_integer((json_int_t)r->unchecked));
	json_object_set_new(all, "findings", v);
	cli_json_print(all, 0);
}

static void print_ids(bool json)
{
	size_t n;
	const struct lint_id_info *v = lint_ids(&n);
	json_t *a = json ? json_array() : NULL;

	for (size_t i = 0; i < n; i++) {
		if (a)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}",
							   "id", v[i].id, "severity",
							   lint_severity_name(v[i].sev),
							   "family", v[i].family,
							   "title", v[i].title));
		else
			printf("%s  %-7s  %-10s  %s\n", v[i].id, lint_severity_name(v[i].sev),
			       v[i].family, v[i].title);
	}
	if (a)
		cli_json_print(json_pack("{s:o}", "ids", a), 0);
}

int cmd_lint(int argc, char **argv)
{
	struct lint_report r = { 0 };
	struct lint_opts o;
	struct xerr e;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cli_json_errors(o.json);
	if (o.ids) {
		print_ids(o.json);
		return XNFT_EXIT_OK;
	}
	xerr_clear(&e);
	rc = o.live ? lint_live(&r, &e) : lint_policy(o.policy, &r, &e);
	if (rc) {
		cli_error(&e);
		lint_report_free(&r);
		return cli_exit_code(&e);
	}
	if (o.json) {
		print_json(&o, &r);
	} else {
		for (size_t i = 0; i < r.n; i++)
			cli_lint_print_finding(stdout, &r.v[i]);
		if (!o.quiet)
			print_summary(&o, &r);
	}
	rc = lint_count(&r, LINT_ERROR) ? XNFT_EXIT_FINDINGS : XNFT_EXIT_OK;
	lint_report_free(&r);
	return rc;
}
