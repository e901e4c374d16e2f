// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft metrics: the Prometheus exposition once (node_exporter's textfile collector). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/paths.h"
#include "telemetry/applystate.h"
#include "telemetry/expo.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft metrics [--policy POLICY] [--no-rules] [--no-analysis] [-o FILE]\n"
		"Print the Prometheus text exposition of what the kernel counts, read over\n"
		"netlink: per-rule packets and bytes (labelled table, chain, handle, file:line,\n"
		"comment), chain rule counts, set element counts and limits, named counters,\n"
		"conntrack entries, limit and statistics, safe apply's state (drift from\n"
		"the confirmed policy, confirm pending, fallback), lint findings and the\n"
		"policy's intents on the loaded ruleset. The daemon serves the same text on\n"
		"/metrics.\n"
		"\n"
		"Options:\n"
		"  --policy POLICY  policy files naming each rule's file:line\n"
		"                   (default " XNFT_DEFAULT_POLICY " when it exists)\n"
		"  --no-rules       leave out the per-rule series (very large rulesets)\n"
		"  --no-analysis    leave out lint and intents (seconds on a big ruleset)\n"
		"  -o, --output FILE  write FILE atomically (FILE.tmp, then renamed), as\n"
		"                   node_exporter's textfile collector wants\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 printed, 2 usage or environment error (not root, no netlink).\n");
}

struct metrics_opts {
	const char *policy;
	const char *output;
	bool per_rule;
	bool analyse;
};

static int parse(int argc, char **argv, struct metrics_opts *o)
{
	static const struct option longs[] = {
		{ "policy",   required_argument, NULL, 'p' },
		{ "no-rules", no_argument,       NULL, 'n' },
		{ "no-analysis", no_argument,    NULL, 'a' },
		{ "output",   required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->per_rule = true;
	o->analyse = true;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", longs, NULL)) != -1) {
		switch (c) {
		case 'p': o->policy = optarg; break;
		case 'n': o->per_rule = false; break;
		case 'a': o->analyse = false; break;
		case 'o': o->output = optarg; break;
		default: return cli_bad_option("metrics", argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("metrics", "unexpected argument '%s'", argv[optind]);
	if (!o->policy && !access(XNFT_DEFAULT_POLICY, R_OK))
		o->policy = XNFT_DEFAULT_POLICY;
	return -1;
}

/* FILE.tmp written whole, then renamed: the collector never reads half a file. */
static int write_file(const char *path, const char *text, size_t len, struct xerr *e)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return xerr_set(e, XNFT_EXIT_USAGE, "output path too long: %s", path);
	f = fopen(tmp, "we");
	if (!f)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", tmp, strerror(errno));
	if (fwrite(text, 1, len, f) != len || fclose(f)) {
		unlink(tmp);
		return xerr_set(e, XNFT_EXIT_USAGE, "writing %s: %s", tmp, strerror(errno));
	}
	if (rename(tmp, path)) {
		unlink(tmp);
		return xerr_set(e, XNFT_EXIT_USAGE, "renaming %s to %s: %s", tmp, path,
				strerror(errno));
	}
	return 0;
}

int cmd_metrics(int argc, char **argv)
{
	struct metrics_opts o = { 0 };
	struct expo_opts eo = { 0 };
	struct tm_apply apply;
	struct xerr e, ignored;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	xerr_clear(&e);
	eo.per_rule = o.per_rule;
	/* without it the rest of the page still stands: the gap shows as missing series */
	if (!tm_apply_read(&apply, &ignored)) {
		eo.apply = &apply;
		if (o.analyse)
			tm_apply_analyse(&apply, o.policy, &ignored);
	}
	eo.policy_entry = o.policy;
	if (expo_render(&eo, &text, &len, &e) ||
	    (o.output ? write_file(o.output, text, len, &e) : fwrite(text, 1, len, stdout) != len)) {
		if (!o.output && !e.msg[0])
			xerr_set(&e, XNFT_EXIT_USAGE, "writing the metrics: %s", strerror(errno));
		xerr_print(stderr, &e);
		free(text);
		return XNFT_EXIT_USAGE;
	}
	free(text);
	return XNFT_EXIT_OK;
}
