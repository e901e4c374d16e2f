// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft stats: per-rule counters with file:line; hottest rules; rules never hit. */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/json.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/timefmt.h"
#include "telemetry/counters.h"
#include "telemetry/ruleuse.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft stats [POLICY|--live] [--top N] [--unused [--since DUR]] [--json]\n"
		"The kernel's rule counters, each rule named by its file:line in POLICY\n"
		"(default " XNFT_DEFAULT_POLICY "): per-chain totals, the hottest rules with\n"
		"their rate since the previous run, and the share of drops each catch-all\n"
		"rule takes. Every run updates a baseline in the state directory\n"
		"(" RULEUSE_FILE "), which follows each rule across re-applies by its\n"
		"file:line and text, so --unused lists the rules never matched since the\n"
		"baseline began, even when the table was re-applied in between.\n"
		"\n"
		"Options:\n"
		"  --live        name rules by table, chain and handle only (no policy files)\n"
		"  --top N       how many of the hottest rules to show (default 10)\n"
		"  --unused      list the rules with a counter that never matched\n"
		"  --since DUR   with --unused: not matched in the last DUR (30s, 10m, 24h, 7d)\n"
		"  --json        one JSON object\n"
		"  -h, --help    show this help\n"
		"\n"
		"Exit status: 0 fine, 2 usage or environment error (not root, no netlink).\n");
}

struct stats_opts {
	const char *policy;
	bool live, unused, json;
	unsigned long long top;
	uint64_t since_ms;
};

static int parse(int argc, char **argv, struct stats_opts *o)
{
	static const struct option longs[] = {
		{ "live",   no_argument,       NULL, 'l' },
		{ "top",    required_argument, NULL, 't' },
		{ "unused", no_argument,       NULL, 'u' },
		{ "since",  required_argument, NULL, 's' },
		{ "json",   no_argument,       NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct xerr e;
	int c;

	o->top = 10;
	optind = 1;
	opterr = 0;
	xerr_clear(&e);
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'l': o->live = true; break;
		case 'u': o->unused = true; break;
		case 'j': o->json = true; break;
		case 't':
			if (cli_parse_number("stats", "--top", optarg, 1, 100000, &o->top, &e)) {
				xerr_print(stderr, &e);
				return XNFT_EXIT_USAGE;
			}
			break;
		case 's':
			if (duration_parse(optarg, &o->since_ms, &e))
				return cli_usage_error("stats", "--since %s: %s", optarg, e.msg);
			break;
		default: return cli_bad_option("stats", argv);
		}
	}
	if (o->since_ms && !o->unused)
		return cli_usage_error("stats", "--since goes with --unused");
	c = cli_policy_operand("stats", argc, argv, o->live, &o->policy);
	if (!o->policy && !o->live)
		o->policy = XNFT_DEFAULT_POLICY;
	return c;
}

static bool unused(const struct stats_opts *o, const struct tm_rule *r, const struct ruleuse *u,
		   time_t now)
{
	if (!r->has_counter)
		return false;
	if (!o->since_ms)
		return !u->last_hit;
	return !u->last_hit || u->last_hit < now - (time_t)(o->since_ms / 1000);
}

static void rule_name(const struct tm_rule *r, char *buf, size_t n)
{
	if (r->file)
		snprintf(buf, n, "%s:%d", r->file, r->line);
	else
		snprintf(buf, n, "%s %s %s #%" PRIu64, tm_family_name(r->family), r->table, r->chain,
			 r->handle);
}

static json_t *rule_json(const struct tm_rule *r, const struct ruleuse *u)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:b,s:I,s:I}", "family", tm_family_name(r->family),
			      "table", r->table, "chain", r->chain, "handle", (json_int_t)r->handle,
			      "counter", r->has_counter, "packets", (json_int_t)r->packets,
			      "bytes", (json_int_t)r->bytes);

	if (r->file) {
		json_object_set_new(o, "file", json_string(r->file));
		json_object_set_new(o, "line", json_integer(r->line));
		json_object_set_new(o, "text", json_string(r->text));
	}
	if (r->comment)
		json_object_set_new(o, "comment", json_string(r->comment));
	if (u->rate_pps >= 0)
		json_object_set_new(o, "packets_per_second", json_real(u->rate_pps));
	json_object_set_new(o, "last_hit", u->last_hit ? json_integer(u->last_hit) : json_null());
	return o;
}

/* Indices of the rules, hottest first. */
static const struct tm_snapshot *sort_snap;
static int by_packets(const void *a, const void *b)
{
	uint64_t pa = sort_snap->rules[*(const size_t *)a].packets;
	uint64_t pb = sort_snap->rules[*(const size_t *)b].packets;

	return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static size_t *hottest(const struct tm_snapshot *s)
{
	size_t *idx = malloc((s->nrules + 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < s->nrules; i++)
		idx[i] = i;
	sort_snap = s;
	qsort(idx, s->nrules, sizeof(*idx), by_packets);
	return idx;
}

static uint64_t dropped_total(const struct tm_snapshot *s)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].drops)
			sum += s->rules[i].packets;
	return sum;
}

static void print_text(const struct stats_opts *o, const struct tm_snapshot *s,
		       const struct ruleuse *use, const size_t *idx, time_t since, time_t now)
{
	uint64_t drops = dropped_total(s);
	char name[600], when[64];
	size_t shown = 0, nounused = 0, nocounter = 0;

	timefmt_local(since, when, sizeof(when));
	if (o->unused) {
		for (size_t i = 0; i < s->nrules; i++) {
			const struct tm_rule *r = &s->rules[i];

			nocounter += !r->has_counter;
			if (!unused(o, r, &use[i], now))
				continue;
			rule_name(r, name, sizeof(name));
			printf("%-40s %s  %s\n", name, r->comment ? r->comment : "-",
			       r->text ? r->text : "");
			nounused++;
		}
		printf("%zu %s never matched since %s%s", nounused,
		       cli_plural((long long)nounused, "rule", "rules"), when,
		       nocounter ? "" : "\n");
		if (nocounter)
			printf("; %zu without a counter (add `counter` to count them)\n", nocounter);
		return;
	}
	printf("%-28s %6s %14s %16s\n", "CHAIN", "RULES", "PACKETS", "BYTES");
	for (size_t i = 0; i < s->nchains; i++)
		printf("%-28.28s %6zu %14" PRIu64 " %16" PRIu64 "\n", s->chains[i].name,
		       s->chains[i].rules, s->chains[i].packets, s->chains[i].bytes);
	printf("\nhottest rules (rate since the previous run):\n");
	for (size_t k = 0; k < s->nrules && shown < o->top; k++, shown++) {
		const struct tm_rule *r = &s->rules[idx[k]];

		rule_name(r, name, sizeof(name));
		printf("  %-40s %12" PRIu64 " pkts", name, r->packets);
		if (use[idx[k]].rate_pps >= 0)
			printf(" %10.1f/s", use[idx[k]].rate_pps);
		printf("  %s\n", r->comment ? r->comment : "-");
	}
	printf("\ndrops per catch-all (%" PRIu64 " dropped by rules in all):\n", drops);
	for (size_t i = 0; i < s->nrules; i++) {
		if (!s->rules[i].catch_all)
			continue;
		rule_name(&s->rules[i], name, sizeof(name));
		printf("  %-40s %12" PRIu64 " pkts %5.1f%%  %s\n", name, s->rules[i].packets,
		       drops ? 100.0 * (double)s->rules[i].packets / (double)drops : 0.0,
		       s->rules[i].comment ? s->rules[i].comment : "-");
	}
	if (s->unlocated_chains)
		printf("\n%zu %s without file:line (not from the policy's files, or changed since)\n",
		       s->unlocated_chains, cli_plural((long long)s->unlocated_chains, "chain", "chains"));
}

static void print_json(const struct stats_opts *o, const struct tm_snapshot *s,
		       const struct ruleuse *use, time_t since, time_t now)
{
	json_t *all = json_object(), *rules = json_array(), *chains = json_array();
	uint64_t drops = dropped_total(s);

	for (size_t i = 0; i < s->nrules; i++) {
		json_t *r;

		if (o->unused && !unused(o, &s->rules[i], &use[i], now))
			continue;
		r = rule_json(&s->rules[i], &use[i]);
		if (s->rules[i].catch_all)
			json_object_set_new(r, "drop_share",
					    json_real(drops ? (double)s->rules[i].packets /
								      (double)drops : 0.0));
		json_array_append_new(rules, r);
	}
	for (size_t i = 0; i < s->nchains; i++)
		json_array_append_new(chains, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "family",
							tm_family_name(s->chains[i].family),
							"table", s->chains[i].table, "chain",
							s->chains[i].name, "rules",
							(json_int_t)s->chains[i].rules, "packets",
							(json_int_t)s->chains[i].packets, "bytes",
							(json_int_t)s->chains[i].bytes));
	json_object_set_new(all, "baseline_since", json_integer(since));
	json_object_set_new(all, "rules", rules);
	json_object_set_new(all, "chains", chains);
	cli_json_print(all, 0);
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { 0 };
	struct tm_snapshot s;
	struct ruleuse *use = NULL;
	size_t *idx = NULL;
	time_t since, now = time(NULL);
	struct xerr e;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	xerr_clear(&e);
	if (tm_read(&s, NULL, NULL, false, NULL, &e)) {
		xerr_print(stderr, &e);
		return XNFT_EXIT_USAGE;
	}
	if (!o.live)
		tm_locate(&s, o.policy, &e);
	use = calloc(s.nrules + 1, sizeof(*use));
	idx = hottest(&s);
	rc = XNFT_EXIT_USAGE;
	if (!use || !idx)
		xerr_set(&e, XNFT_EXIT_USAGE, "out of memory");
	else if (!ruleuse_update(&s, now, use, &since, &e))
		rc = XNFT_EXIT_OK;
	if (rc == XNFT_EXIT_OK && o.json)
		print_json(&o, &s, use, since, now);
	else if (rc == XNFT_EXIT_OK)
		print_text(&o, &s, use, idx, since, now);
	else
		xerr_print(stderr, &e);
	free(idx);
	free(use);
	tm_snapshot_free(&s);
	return rc;
}
