// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft report: what is being dropped, from where, to which ports, and when.
 * Reads the source to its end (a live NFLOG group until Ctrl-C), counts,
 * and prints a summary as text or JSON.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/json.h"
#include "core/err.h"
#include "events/event.h"
#include "events/format.h"
#include "events/report.h"
#include "events/source.h"

#define DEFAULT_TOP 10
#define MAX_TOP 100000

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft report [--source SRC] [--since DUR] [--top N] [--json]\n"
		"Summarize the firewall's drop events: by category, top sources with the\n"
		"networks they fall in (/24 for IPv4, /64 for IPv6), top destination ports,\n"
		"and events over time (the interval is chosen from the span).\n"
		"\n"
		"Options:\n"
		"  --source SRC   where to read, as for xnft events: nflog:GROUP, journal,\n"
		"                 journal-file:PATH, kmsg, file:PATH, - (default: journal when\n"
		"                 journald runs, else kmsg). NFLOG is live: Ctrl-C prints the report\n"
		"  --since DUR    only events from the last DUR (90s, 10m, 2h, 1d), or 'all'\n"
		"                 (default)\n"
		"  --top N        entries in each top list (default 10)\n"
		"  --json         one JSON object instead of text\n"
		"  -h, --help     show this help\n"
		"\n"
		"Exit status: 0 reported, 2 usage error or the source cannot be read.\n");
}

enum {
	OPT_SOURCE = 1000,
	OPT_SINCE,
	OPT_TOP,
	OPT_JSON,
};

static const struct option options[] = {
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "since",  required_argument, NULL, OPT_SINCE },
	{ "top",    required_argument, NULL, OPT_TOP },
	{ "json",   no_argument,       NULL, OPT_JSON },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct report_args {
	const char *source;
	int64_t since_us;
	size_t top;
	bool json;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse_args(struct report_args *a, int argc, char **argv, struct xerr *e)
{
	unsigned long long top;
	int opt;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_SOURCE:
			a->source = optarg;
			break;
		case OPT_SINCE:
			if (event_parse_since(optarg, event_now_us(), &a->since_us, e) < 0)
				return -1;
			break;
		case OPT_TOP:
			if (cli_parse_number("report", "--top", optarg, 1, MAX_TOP, &top, e) < 0)
				return -1;
			a->top = (size_t)top;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case ':':
			return cli_usage_xerr(e, "report", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_xerr(e, "report", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_xerr(e, "report", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */
/* ------------------------------------------------------------------ */

static void local_time(int64_t us, char *buf, size_t size, bool seconds)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, size, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, size, "?");
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void print_counts(const char *title, const struct report_count *v, size_t n,
			 uint64_t total)
{
	printf("\n%s:\n", title);
	for (size_t i = 0; i < n; i++)
		printf("  %-24s %10llu  %5.1f%%\n", v[i].name, (unsigned long long)v[i].count,
		       pct(v[i].count, total));
}

static void net_text(const struct report_net *n, char *buf, size_t size)
{
	char a[64];

	event_addr_format(n->family, n->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, n->len);
}

static void print_sources(const struct report_summary *s)
{
	char a[64], net[80];

	printf("\nTop sources (%llu distinct, in %llu %s):\n",
	       (unsigned long long)s->distinct_sources, (unsigned long long)s->distinct_nets,
	       cli_plural((long long)s->distinct_nets, "network", "networks"));
	for (size_t i = 0; i < s->nsources; i++) {
		const struct report_source *src = &s->sources[i];

		event_addr_format(src->family, src->addr, a, sizeof(a));
		net_text(&src->net, net, sizeof(net));
		printf("  %-39s %10llu   in %s: %llu %s, %llu source%s\n", a,
		       (unsigned long long)src->count, net, (unsigned long long)src->net.count,
		       cli_plural((long long)src->net.count, "event", "events"),
		       (unsigned long long)src->net.sources, src->net.sources == 1 ? "" : "s");
	}
	if (s->untracked_events)
		printf("  (%llu %s from sources past the %u tracked are in the totals only)\n",
		       (unsigned long long)s->untracked_events,
		       cli_plural((long long)s->untracked_events, "event", "events"),
		       REPORT_MAX_SOURCES);
	printf("\nTop networks:\n");
	for (size_t i = 0; i < s->nnets; i++) {
		net_text(&s->nets[i], net, sizeof(net));
		printf("  %-43s %10llu   %llu source%s\n", net, (unsigned long long)s->nets[i].count,
		       (unsigned long long)s->nets[i].sources, s->nets[i].sources == 1 ? "" : "s");
	}
}

static void print_ports(const struct report_summary *s)
{
	char name[16];

	printf("\nTop destination ports:\n");
	for (size_t i = 0; i < s->nports; i++) {
		snprintf(name, sizeof(name), "%s/%u", s->ports[i].proto == 6 ? "tcp" : "udp",
			 s->ports[i].port);
		printf("  %-24s %10llu  %5.1f%%\n", name, (unsigned long long)s->ports[i].count,
		       pct(s->ports[i].count, s->events));
	}
	if (!s->nports)
		printf("  (no TCP or UDP events)\n");
}

#define BAR_WIDTH 40

static void print_histogram(const struct report_summary *s)
{
	char iv[16], t[32];
	uint64_t max = 0;

	if (!s->nbuckets)
		return;
	report_interval_name(s->interval_us, iv, sizeof(iv));
	for (size_t i = 0; i < s->nbuckets; i++)
		if (s->buckets[i].count > max)
			max = s->buckets[i].count;
	printf("\nEvents per %s:\n", iv);
	for (size_t i = 0; i < s->nbuckets; i++) {
		int bar = max ? (int)((s->buckets[i].count * BAR_WIDTH + max - 1) / max) : 0;

		local_time(s->buckets[i].start_us, t, sizeof(t), s->interval_us < 60 * 1000000LL);
		printf("  %s %10llu %.*s\n", t, (unsigned long long)s->buckets[i].count, bar,
		       "########################################");
	}
}

static void print_text(const struct report_summary *s, const char *spec)
{
	char a[32], b[32];

	printf("xnft report: %llu event%s from %s", (unsigned long long)s->events,
	       s->events == 1 ? "" : "s", spec);
	if (s->events) {
		local_time(s->first_us, a, sizeof(a), true);
		local_time(s->last_us, b, sizeof(b), true);
		printf(", %s to %s", a, b);
	}
	printf("\n");
	if (!s->events)
		return;
	print_counts("By category", s->categories, s->ncategories, s->events);
	print_counts("By hook", s->hooks, s->nhooks, s->events);
	print_counts("By interface", s->ifaces, s->nifaces, s->events);
	print_counts("By protocol", s->protos, s->nprotos, s->events);
	print_sources(s);
	print_ports(s);
	print_histogram(s);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static json_t *json_counts(const struct report_count *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:I}", "name", v[i].name,
						     "count", (json_int_t)v[i].count));
	return arr;
}

static json_t *json_net(const struct report_net *n)
{
	char net[80];

	net_text(n, net, sizeof(net));
	return json_pack("{s:s, s:I, s:I}", "network", net, "count", (json_int_t)n->count,
			 "sources", (json_int_t)n->sources);
}

static json_t *json_time(int64_t us)
{
	char t[40];

	event_time_rfc3339(us, t, sizeof(t));
	return json_string(t);
}

static json_t *json_report(const struct report_summary *s, const char *spec,
			   const struct evsource_stats *st)
{
	json_t *root = json_object(), *arr;
	char a[64], iv[16];

	json_object_set_new(root, "source", json_string(spec));
	json_object_set_new(root, "events", json_integer((json_int_t)s->events));
	json_object_set_new(root, "unparsed", json_integer((json_int_t)st->unparsed));
	json_object_set_new(root, "not_netfilter", json_integer((json_int_t)st->other));
	json_object_set_new(root, "not_kernel", json_integer((json_int_t)st->not_kernel));
	if (s->events) {
		json_object_set_new(root, "first", json_time(s->first_us));
		json_object_set_new(root, "last", json_time(s->last_us));
	}
	json_object_set_new(root, "categories", json_counts(s->categories, s->ncategories));
	json_object_set_new(root, "hooks", json_counts(s->hooks, s->nhooks));
	json_object_set_new(root, "interfaces", json_counts(s->ifaces, s->nifaces));
	json_object_set_new(root, "protocols", json_counts(s->protos, s->nprotos));
	json_object_set_new(root, "distinct_sources", json_integer((json_int_t)s->distinct_sources));
	json_object_set_new(root, "distinct_networks", json_integer((json_int_t)s->distinct_nets));
	json_object_set_new(root, "untracked_events", json_integer((json_int_t)s->untracked_events));
	arr = json_array();
	for (size_t i = 0; i < s->nsources; i++) {
		event_addr_format(s->sources[i].family, s->sources[i].addr, a, sizeof(a));
		json_array_append_new(arr, json_pack("{s:s, s:I, s:o}", "address", a, "count",
						     (json_int_t)s->sources[i].count, "network",
						     json_net(&s->sources[i].net)));
	}
	json_object_set_new(root, "sources", arr);
	arr = json_array();
	for (size_t i = 0; i < s->nnets; i++)
		json_array_append_new(arr, json_net(&s->nets[i]));
	json_object_set_new(root, "networks", arr);
	arr = json_array();
	for (size_t i = 0; i < s->nports; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i, s:I}", "proto",
						     s->ports[i].proto == 6 ? "tcp" : "udp", "port",
						     (int)s->ports[i].port, "count",
						     (json_int_t)s->ports[i].count));
	json_object_set_new(root, "ports", arr);
	report_interval_name(s->interval_us, iv, sizeof(iv));
	json_object_set_new(root, "interval", json_string(s->nbuckets ? iv : ""));
	json_object_set_new(root, "interval_seconds", json_integer((json_int_t)(s->interval_us / 1000000)));
	arr = json_array();
	for (size_t i = 0; i < s->nbuckets; i++)
		json_array_append_new(arr, json_pack("{s:o, s:I}", "start",
						     json_time(s->buckets[i].start_us), "count",
						     (json_int_t)s->buckets[i].count));
	json_object_set_new(root, "histogram", arr);
	return root;
}

/* ------------------------------------------------------------------ */

static void print_notes(const struct evsource *src)
{
	char note[512];

	for (unsigned i = 0; evsource_stats_note(src, i, note, sizeof(note)); i++)
		fprintf(stderr, "xnft report: %s\n", note);
}

static int print_report(struct report *r, const struct report_args *a, struct evsource *src,
			struct xerr *e)
{
	struct report_summary s;

	if (report_summarize(r, a->top, &s, e) < 0)
		return -1;
	if (a->json) {
		cli_json_print(json_report(&s, evsource_spec(src), evsource_stats(src)),
			       JSON_INDENT(2));
	} else {
		print_text(&s, evsource_spec(src));
	}
	report_summary_free(&s);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { .top = DEFAULT_TOP };
	struct evsource_opts o = { 0 };
	struct evsource *src = NULL;
	struct report *r = NULL;
	struct sigaction sa;
	struct xerr e;
	int ret, rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	xerr_clear(&e);
	rc = parse_args(&a, argc, argv, &e);
	cli_json_errors(a.json);
	if (rc < 0)
		goto fail;
	o.since_us = a.since_us;
	if (evsource_open(&src, a.source, &o, &e) < 0)
		goto fail;
	r = report_new(&e);
	if (!r)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (evsource_run(src, report_event_cb, r, &stop_requested, &e) < 0)
		goto fail;
	if (print_report(r, &a, src, &e) < 0)
		goto fail;
	print_notes(src);
	report_free(r);
	evsource_close(src);
	return XNFT_EXIT_OK;
fail:
	cli_error(&e);
	ret = e.code ? e.code : XNFT_EXIT_USAGE;
	if (src)
		print_notes(src);
	report_free(r);
	evsource_close(src);
	return ret;
}
