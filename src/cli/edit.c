// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Day-two edits: values -> render -> diff -> check -> write -> apply.
 * Nothing is written before the diff and the check have run on a staged
 * copy, and a refused change leaves the tree as it was.
 */
#include "cli/edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/diff.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/printers.h"
#include "core/paths.h"
#include "core/ruleset.h"
#include "policy/values.h"

enum { OPT_POLICY = 1000, OPT_NAME, OPT_FOR, OPT_CONFIRM, OPT_DRY_RUN, OPT_APPLY, OPT_FORCE,
       OPT_JSON, OPT_RATE };

int edit_parse(struct edit_opts *o, const char *cmd, int argc, char **argv,
	       void (*usage)(FILE *out))
{
	static const struct option options[] = {
		{ "policy",  required_argument, NULL, OPT_POLICY },
		{ "name",    required_argument, NULL, OPT_NAME },
		{ "rate",    required_argument, NULL, OPT_RATE },
		{ "for",     required_argument, NULL, OPT_FOR },
		{ "confirm", required_argument, NULL, OPT_CONFIRM },
		{ "dry-run", no_argument,       NULL, OPT_DRY_RUN },
		{ "apply",   no_argument,       NULL, OPT_APPLY },
		{ "force",   no_argument,       NULL, OPT_FORCE },
		{ "json",    no_argument,       NULL, OPT_JSON },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->dir = XNFT_ETC_DIR;
	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
		case OPT_POLICY: o->dir = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_RATE: o->rate = optarg; break;
		case OPT_FOR: o->for_dur = optarg; break;
		case OPT_CONFIRM: o->confirm = optarg; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_APPLY: o->apply = true; break;
		case OPT_FORCE: o->force = true; break;
		case OPT_JSON: o->json = true; break;
		default: return cli_bad_option(cmd, argv);
		}
	}
	if (o->confirm && !o->apply)
		return cli_usage_error(cmd, "--confirm goes with --apply");
	if (o->apply && o->dry_run)
		return cli_usage_error(cmd, "--dry-run writes nothing, so there is nothing to apply");
	o->nargs = argc - optind;
	o->args = argv + optind;
	cli_json_errors(o->json);
	return -1;
}

void edit_usage_options(FILE *out, const char *for_help, const char *force_help)
{
	fputs("Options:\n"
	      "  -p, --policy DIR  the policy tree (default /etc/xnft)\n", out);
	if (for_help)
		fprintf(out, "  --for DURATION    %s\n", for_help);
	fputs("  --dry-run         show the diff and the check, write nothing\n"
	      "  --apply           then load it with the safe apply (xnft apply DIR)\n"
	      "  --confirm SECS    with --apply: keep it only if 'xnft confirm' comes in time\n",
	      out);
	fprintf(out, "  --force           %s\n",
		force_help ? force_help : "write even if xnft check of the changed tree fails");
	fputs("  --json            the diff and the check as JSON\n"
	      "  -h, --help        show this help\n", out);
}

struct diff_print {
	const struct edit_opts *o;
	const char *stage;
};

/* The diff as xnft diff prints it, then the line that introduces the check. */
static void print_diff(const struct diff_result *d, void *arg)
{
	const struct diff_print *p = arg;
	char after[512];

	snprintf(after, sizeof(after), "%s (after %s)", p->o->dir, p->o->cmd);
	if (p->o->json) {
		cli_diff_print_json(p->o->dir, after, d);
		return;
	}
	cli_diff_print_text(p->o->dir, after, d);
	printf("Check of the changed tree (staged as %s):\n", p->stage);
}

/*
 * The packets whose verdict the change flips (as xnft diff), then xnft
 * check of the changed tree, from one load of the old and new trees and
 * one engine over both (the check's: lint runs in its child meanwhile).
 * Returns the exit code of a load failure, or of a diff or check that could
 * not run (no --force overrides those), else 0 with *check_rc = xnft
 * check's exit code (0, or 1 for findings).
 */
static int diff_and_check(const struct edit_opts *o, const char *stage, int *check_rc)
{
	const char *paths[2] = { o->dir, stage };
	struct ruleset *rs[2] = { NULL, NULL };
	struct diff_print p = { o, stage };
	int rc = cli_load_policies(o->cmd, paths, 2, rs);

	if (rc)
		return rc;
	*check_rc = cli_check_change(stage, rs[0], rs[1], o->json, print_diff, &p);
	ruleset_free(rs[0]);
	return *check_rc == XNFT_EXIT_FINDINGS ? 0 : *check_rc;
}

/* The command again, with --apply instead of --dry-run: the one that makes a live change. */
static void print_live_next(const struct edit_opts *o)
{
	printf("A --for entry lives only in the kernel, never in the files. To add it:\n  xnft %s",
	       o->cmd);
	for (int i = 0; i < o->nargs; i++)
		printf(" %s", o->args[i]);
	printf(" --for %s -p %s --apply\n", o->for_dur, o->dir);
}

static void print_next(const struct edit_opts *o, bool live)
{
	if (o->json)
		return;
	if (live) {
		printf("%sThe kernel is untouched. ", o->dry_run ? "--dry-run: nothing written. " : "");
		print_live_next(o);
		return;
	}
	if (o->dry_run) {
		printf("--dry-run: nothing written. To make the change, run it again without "
		       "--dry-run.\n");
		return;
	}
	printf("The kernel is untouched. Next:\n  xnft apply %s --confirm 60\n"
	       "  xnft confirm    (from a second SSH session, once you can still get in)\n",
	       o->dir);
}

static int apply_tree(const struct edit_opts *o)
{
	char *argv[] = { "apply", (char *)o->dir, "--confirm", (char *)o->confirm, NULL };

	return cmd_apply(o->confirm ? 4 : 2, argv);
}

/* Put the reviewed live change into the kernel (no confirm: it only adds, and expires). */
static int apply_live(const struct edit_opts *o, edit_live_fn live, void *arg)
{
	struct xerr e;

	xerr_clear(&e);
	if (live(arg, &e) < 0) {
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	if (!o->json)
		printf("Added to the loaded ruleset for %s; the kernel removes it when the time is "
		       "up (xnft admin list shows the time left).\n", o->for_dur);
	return 0;
}

/* Stage, diff, check; then write unless --dry-run or live. */
static int review_and_write(const struct edit_opts *o, struct policy_tree *t, bool live)
{
	char stage[4096];
	struct xerr e;
	int rc, check_rc = 0;

	xerr_clear(&e);
	if (policy_tree_stage(t, stage, sizeof(stage), &e) < 0) {
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	rc = diff_and_check(o, stage, &check_rc);
	if (!rc && check_rc && o->force && !o->json)
		printf("--force: writing despite the check's findings\n");
	if (!rc && check_rc && !o->force) {
		if (!o->json)
			fprintf(stderr, "xnft %s: refused: the changed tree does not pass xnft "
				"check (nothing written)\n  hint: fix what it reports, or pass "
				"--force\n", o->cmd);
		rc = check_rc;
	}
	policy_tree_unstage(stage);
	if (rc || o->dry_run || live)
		return rc;
	if (policy_tree_write(t, &e) < 0) {
		cli_error(&e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	if (!o->json)
		printf("Wrote %zu %s under %s.\n", policy_tree_changed(t),
		       cli_plural((long long)policy_tree_changed(t), "file", "files"), o->dir);
	return 0;
}

/* The steps of one change; those a command does not need are NULL. */
struct edit_steps {
	edit_fn change;
	edit_tree_fn tree;
	edit_live_fn live;
};

static int run(const struct edit_opts *o, const struct edit_steps *steps, void *arg)
{
	edit_live_fn live = steps->live;
	struct policy_tree *t = calloc(1, sizeof(*t));
	struct policy_values *v = malloc(sizeof(*v));
	struct xerr e;
	int rc = XNFT_EXIT_USAGE;

	xerr_clear(&e);
	if (!t || !v) {
		xerr_set(&e, XNFT_EXIT_USAGE, "out of memory");
		goto fail;
	}
	if (policy_tree_open(t, o->dir, true, &e) < 0)
		goto fail;
	*v = t->v;
	if ((steps->change && steps->change(v, arg, &e) < 0) || policy_tree_render(t, v, &e) < 0 ||
	    (steps->tree && steps->tree(t, arg, &e) < 0))
		goto fail;
	if (!policy_tree_changed(t)) {
		if (!o->json)
			printf("xnft %s: nothing changes in %s\n", o->cmd, o->dir);
		rc = XNFT_EXIT_OK;
		goto out;
	}
	rc = review_and_write(o, t, live != NULL);
	policy_tree_close(t);   /* the tree lock ends here: apply takes its own */
	if (!rc && o->apply)
		rc = live ? apply_live(o, live, arg) : apply_tree(o);
	else if (!rc)
		print_next(o, live != NULL);
	goto out;
fail:
	cli_error(&e);
	rc = e.code ? e.code : XNFT_EXIT_USAGE;
out:
	if (t)
		policy_tree_close(t);
	free(t);
	free(v);
	return rc;
}

int edit_run(const struct edit_opts *o, edit_fn change, void *arg)
{
	const struct edit_steps steps = { .change = change };

	return run(o, &steps, arg);
}

int edit_run_live(const struct edit_opts *o, edit_fn change, edit_live_fn live, void *arg)
{
	const struct edit_steps steps = { .change = change, .live = live };

	return run(o, &steps, arg);
}

int edit_run_tree(const struct edit_opts *o, edit_tree_fn tree, void *arg)
{
	const struct edit_steps steps = { .tree = tree };

	return run(o, &steps, arg);
}
