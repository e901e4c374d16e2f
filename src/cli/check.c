// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft check: load a policy in a private network namespace and report what
 * libnftables rejects, compiler style, or a one-line summary of what loaded.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <limits.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "apply/fit.h"
#include "cli/json.h"
#include "cli/printers.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/policy_load.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft check [POLICY] [--exposure [--new]] [--json] [-q]\n"
		"       xnft check --live [--exposure [--new]] [--json] [-q]\n"
		"Load POLICY (a file, or a directory holding nftables.conf; default\n"
		XNFT_DEFAULT_POLICY ") with libnftables inside a private network\n"
		"namespace and report every error as FILE:LINE:COL with the source line.\n"
		"The host's own ruleset is never touched. Without root, the namespace is\n"
		"made inside a user namespace. A policy that loads is then linted (as\n"
		"'xnft lint' does: errors and warnings are printed) and, when an\n"
		"'intents' file sits next to its entry file, its intents are proven\n"
		"(as 'xnft verify' does: violations are printed with a counterexample).\n"
		"A policy 'xnft apply' would refuse gets apply's message: one that\n"
		"creates no table is an error, one without table inet xnft a note.\n"
		"With --exposure it also prints what the ruleset accepts (as 'xnft\n"
		"exposure' does): every analysis from one load, lint in a second\n"
		"process at the same time.\n"
		"\n"
		"Options:\n"
		"  --live      read the ruleset loaded in the kernel now instead (needs root)\n"
		"  --exposure  also print what is accepted, per interface and source\n"
		"  --new       with --exposure: only what opens a connection (ct state new)\n"
		"  --json      print the result as one JSON object\n"
		"  -q, --quiet print nothing on success (but the exposure, if asked for)\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 the policy loads, creates a table, lints without errors\n"
		"and its intents hold; 1 it does not load (or is not a text file), creates\n"
		"no table, has lint errors or a violated intent (printed);\n"
		"2 usage error, missing policy, or no namespace could be made.\n");
}

struct check_opts {
	const char *policy;
	bool json, quiet, live, exposure, only_new;
	const struct ruleset *diff_from;   /* cli_check_change */
	void (*print_diff)(const struct diff_result *d, void *arg);
	void *diff_arg;
};

static int parse_args(int argc, char **argv, struct check_opts *o)
{
	static const struct option options[] = {
		{ "json",  no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "live",  no_argument, NULL, 'l' },
		{ "exposure", no_argument, NULL, 'x' },
		{ "new",   no_argument, NULL, 'n' },
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
		case 'x': o->exposure = true; break;
		case 'n': o->only_new = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("check", argv);
		}
	}
	if (cli_policy_operand("check", argc, argv, o->live, &o->policy) >= 0)
		return XNFT_EXIT_USAGE;
	if (o->only_new && !o->exposure)
		return cli_usage_error("check", "--new narrows --exposure: give both");
	if (!o->policy)
		o->policy = XNFT_DEFAULT_POLICY;
	return -1;
}

/* The source line, then a caret under the column (tabs kept so it lines up). */
static void print_caret(FILE *out, const struct nft_diag *d)
{
	size_t len = strlen(d->text);

	if (!d->text[0])
		return;
	/* an included file may hold anything: never send control bytes to the terminal */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d->text[i];

		fputc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c, out);
	}
	fputc('\n', out);
	if (d->col < 1)
		return;
	for (size_t i = 0; i + 1 < (size_t)d->col && i < len; i++)
		fputc(d->text[i] == '\t' ? '\t' : ' ', out);
	fputs("^\n", out);
}

static void print_diags(FILE *out, const struct nft_diags *d, const struct xerr *e)
{
	if (!d->n) {
		xerr_print(out, e);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct nft_diag *x = &d->v[i];
		struct xerr one;

		const char *id = lint_diag_id(x);

		xerr_clear(&one);
		xerr_at(&one, XNFT_EXIT_FINDINGS, x->file, x->line, x->col, "%s%s%s%s", x->msg,
			id ? " [" : "", id ? id : "", id ? "]" : "");
		xerr_print(out, &one);
		print_caret(out, x);
	}
}

static void json_print(json_t *o)
{
	cli_json_print(o, 0);
}

/* The one failure shape of every --json command, with the policy it is about. */
static void json_failure(const char *policy, const struct nft_diags *d, const struct xerr *e)
{
	json_t *o = cli_json_failure(e, d);

	if (o)
		json_object_set_new(o, "policy", json_string(policy));
	json_print(o);
}

static json_t *json_lint(const struct lint_report *lr)
{
	json_t *v = json_array();

	for (size_t i = 0; v && i < lr->n; i++)
		json_array_append_new(v, cli_lint_finding_json(&lr->v[i]));
	return v;
}

/* Lint errors and warnings, as `xnft lint` prints them; infos only counted. */
static void print_lint(const struct lint_report *lr)
{
	for (size_t i = 0; i < lr->n; i++) {
		if (lr->v[i].sev != LINT_INFO)
			cli_lint_print_finding(stderr, &lr->v[i]);
	}
}

static json_t *json_intents(const struct ruleset *rs, const char *base,
			    const struct verify_result *vr)
{
	json_t *v;

	if (!vr)
		return json_null();
	v = json_array();
	for (size_t i = 0; v && i < vr->n; i++)
		json_array_append_new(v, cli_verify_item_json(rs, base, &vr->items[i]));
	return v;
}

static void print_intents(const struct ruleset *rs, const char *base,
			  const struct verify_result *vr)
{
	if (!vr)
		return;
	for (size_t i = 0; i < vr->n; i++) {
		if (!vr->items[i].holds)
			cli_verify_print_item(stderr, rs, base, &vr->items[i]);
	}
	printf("intents: %zu of %zu hold", vr->held, vr->n);
	if (vr->violated)
		printf(", %zu violated", vr->violated);
	printf(" (%s)\n", vr->intents_path);
	if (vr->nnot_analysed)
		printf("intents: not analysed: %s (chains the engine does not evaluate)\n",
		       vr->not_analysed);
}

/* What xnft apply would say about this policy: null when it would take it. */
static json_t *json_refusal(const struct xerr *refusal)
{
	if (!refusal)
		return json_null();
	return json_pack("{s:s, s:s}", "message", refusal->msg, "hint", refusal->hint);
}

/* apply refuses a policy that builds no table; one that builds others gets a note. */
static void print_refusal(const struct ruleset *rs, const struct xerr *refusal)
{
	if (!refusal)
		return;
	if (!rs->ntables) {
		xerr_print(stderr, refusal);
		return;
	}
	printf("note: xnft apply would refuse it: %s\n  hint: %s\n", refusal->msg, refusal->hint);
}

static void print_summary(const struct check_opts *o, const struct ruleset *rs,
			  const struct lint_report *lr, const char *base,
			  const struct verify_result *vr, const struct exposure *x,
			  const struct xerr *refusal)
{
	size_t nerr = lint_count(lr, LINT_ERROR), nwarn = lint_count(lr, LINT_WARNING);
	bool ok = nerr == 0 && (!vr || !vr->violated) && rs->ntables;
	struct ruleset_stats st;

	ruleset_stats(rs, &st);
	if (o->json) {
		json_print(json_pack("{s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, "
				     "s:o, s:o, s:o, s:o}",
				     "policy", o->live ? "live" : o->policy, "ok", ok,
				     "tables", (int)st.tables, "chains", (int)st.chains,
				     "base_chains", (int)st.base_chains, "rules", (int)st.rules,
				     "sets", (int)st.sets, "maps", (int)st.maps,
				     "elements", (int)st.elements, "located", (int)st.located,
				     "unknown", (int)st.unknown, "lint", json_lint(lr),
				     "intents", json_intents(rs, base, vr),
				     "exposure", x ? cli_exposure_json(x) : json_null(),
				     "apply_refusal", json_refusal(refusal)));
		return;
	}
	print_lint(lr);
	print_refusal(rs, refusal);
	if (o->quiet && ok) {
		/* asked for by name, the exposure is not "something on success" */
		if (x)
			cli_exposure_print(o->live ? "live ruleset" : o->policy, x);
		return;
	}
	printf("%s: loads: %zu table%s, %zu chain%s (%zu base), %zu rule%s, %zu set%s, %zu map%s",
	       o->live ? "live ruleset" : o->policy, st.tables, st.tables == 1 ? "" : "s",
	       st.chains, st.chains == 1 ? "" : "s", st.base_chains, st.rules,
	       st.rules == 1 ? "" : "s", st.sets, st.sets == 1 ? "" : "s", st.maps,
	       st.maps == 1 ? "" : "s");
	if (!o->live)
		printf("; %zu of %zu rules with a source line", st.located, st.rules);
	if (st.unknown)
		printf("; %zu expression%s xnft does not model", st.unknown,
		       st.unknown == 1 ? "" : "s");
	printf("\nlint: %zu error%s, %zu warning%s, %zu info%s (details: xnft lint)\n", nerr,
	       nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s", lint_count(lr, LINT_INFO),
	       lint_count(lr, LINT_INFO) == 1 ? "" : "s");
	print_intents(rs, base, vr);
	if (x)
		cli_exposure_print(o->live ? "live ruleset" : o->policy, x);
}

/* Lint and prove what loaded; print it all. Frees rs. */
static int check_loaded(const struct check_opts *o, struct ruleset *rs)
{
	const struct analysis_request q = { o->live ? NULL : o->policy, rs, o->exposure, o->only_new,
					    o->diff_from };
	struct analysis a;
	bool refused;
	struct xerr e, refusal;
	int rc;

	xerr_clear(&e);
	xerr_clear(&refusal);
	refused = !o->live && apply_fits(rs, o->policy, &refusal);
	if (analysis_run(&q, &a, &e)) {
		cli_error(&e);
		ruleset_free(rs);
		return cli_exit_code(&e);
	}
	if (a.intents_unchecked) {
		cli_error(&a.intents_error);
		analysis_free(&a);
		ruleset_free(rs);
		return XNFT_EXIT_FINDINGS;
	}
	if (a.have_diff && o->print_diff)
		o->print_diff(&a.diff, o->diff_arg);
	print_summary(o, rs, &a.lint, a.incdir, a.have_intents ? &a.intents : NULL,
		      o->exposure ? &a.exposure : NULL, refused ? &refusal : NULL);
	rc = lint_count(&a.lint, LINT_ERROR) || (a.have_intents && a.intents.violated) ||
	     !rs->ntables ? XNFT_EXIT_FINDINGS : XNFT_EXIT_OK;
	analysis_free(&a);
	ruleset_free(rs);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct nft_diags diags = { 0 };
	struct check_opts o;
	struct ruleset *rs = NULL;
	struct xerr e;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cli_json_errors(o.json);
	xerr_clear(&e);
	rc = o.live ? policy_load_live(&rs, &e) : policy_load(o.policy, &rs, &diags, &e);
	if (rc) {
		if (o.json)
			json_failure(o.live ? "live" : o.policy, &diags, &e);
		else
			print_diags(stderr, &diags, &e);
		nft_diags_free(&diags);
		return cli_exit_code(&e);
	}
	return check_loaded(&o, rs);
}

int cli_check_ruleset(const char *policy, struct ruleset *rs, bool json)
{
	struct check_opts o = { .policy = policy, .json = json };

	return check_loaded(&o, rs);
}

int cli_check_change(const char *policy, const struct ruleset *old_rs, struct ruleset *rs,
		     bool json, void (*print_diff)(const struct diff_result *d, void *arg),
		     void *arg)
{
	struct check_opts o = { .policy = policy, .json = json, .diff_from = old_rs,
				.print_diff = print_diff, .diff_arg = arg };

	return check_loaded(&o, rs);
}
