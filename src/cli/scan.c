// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft scan TARGET --expect-json FILE: nmap against TARGET, compared with the
 * proof for the scanner's source class; exit 1 on drift.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/exposure.h"
#include "cli/json.h"
#include "cli/printers.h"
#include "core/err.h"
#include "scan/history.h"
#include "scan/scan.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft scan TARGET --expect POLICY|--expect-json FILE [--class internet|mesh]\n"
		"                 [--ports SPEC]\n"
		"                 [--max-rate N] [--history FILE] [--no-stealth] [--json]\n"
		"Scan TARGET with nmap (as root: TCP SYN and UDP, then the NULL, XMAS and FIN\n"
		"scans; TCP connect otherwise; IPv6 when TARGET is an IPv6 address) and compare what answered with the proof:\n"
		"TARGET's POLICY (a file or a directory, loaded here as xnft exposure does), or\n"
		"FILE: 'xnft exposure POLICY --new --json' of it. Drift both\n"
		"ways: a port the proof keeps closed that the host answered on (critical:\n"
		"something outside the proof lets it in), and a TCP port the proof opens\n"
		"that is not open (or a UDP one that is closed): its service is down.\n"
		"\n"
		"Options:\n"
		"  --expect POLICY     the proof: what POLICY accepts (ct state new)\n"
		"  --expect-json FILE  the proof, as xnft exposure --new --json printed it\n"
		"  --class CLASS       where the scan comes from: internet (default: lines\n"
		"                      that need no named source set, not on lo or wg*) or\n"
		"                      mesh (lines for MESH_PEERS or arriving on wg*)\n"
		"  --ports SPEC        nmap's port list, e.g. 1-1024,8080 (default: 1-1024\n"
		"                      and every port the proof opens)\n"
		"  --max-rate N        probes per second (default 25: under the default\n"
		"                      policy's 30/s SYN budget, so no probe is lost to it)\n"
		"  --nmap PROGRAM      the nmap to run (default nmap from PATH)\n"
		"  --history FILE      record the run in this SQLite file (made 0600) and\n"
		"                      mark drift that the last scan of TARGET from the\n"
		"                      same class did not have as new\n"
		"  --no-stealth        skip the NULL, XMAS and FIN scans\n"
		"  --json              print the result as JSON\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 no drift, 1 drift, 2 usage error, bad proof, nmap missing or failed.\n");
}

/* --expect POLICY: the policy loaded in a private namespace, its exposure (ct state new) as the proof. */
static int expect_policy(const char *policy, const struct scan_opts *o, struct scan_expect *x,
			 struct xerr *e)
{
	const struct exposure_query q = { .only_new = true };
	struct ruleset *rs = NULL;
	struct exposure ex;
	json_t *j;
	int rc = cli_load_policy("scan", policy, 0, &rs);

	if (rc)
		return rc;
	rc = exposure_compute(rs, NULL, &q, &ex, e);
	ruleset_free(rs);
	if (rc) {
		xerr_print(stderr, e);
		return cli_exit_code(e);
	}
	j = cli_exposure_json(&ex);
	exposure_free(&ex);
	rc = j ? scan_expect_from_json(j, policy, o->cls, o->ipv6, x, e) : -1;
	json_decref(j);
	if (rc) {
		if (!j)
			xerr_set(e, XNFT_EXIT_USAGE, "scan: out of memory");
		xerr_print(stderr, e);
		return XNFT_EXIT_USAGE;
	}
	return 0;
}

static void print_text(const char *target, const struct scan_result *r)
{
	printf("%s: %zu %s open, %zu drift\n", target, r->nopen, cli_plural((long long)r->nopen,
	       "port", "ports"), r->ndrift);
	for (size_t i = 0; i < r->ndrift; i++) {
		const struct scan_drift *d = &r->drift[i];

		if (d->critical)
			printf("  CRITICAL %u/%s %s to %s: the proof keeps it closed; something outside the proof lets it in%s\n",
			       d->port, d->proto, d->observed, d->scan, d->is_new ? " (new)" : "");
		else
			printf("  warning  %u/%s %s to %s: the proof opens it; its service is not answering%s\n",
			       d->port, d->proto, d->observed, d->scan, d->is_new ? " (new)" : "");
	}
}

/* "new" is null without --history: there was nothing to compare with. */
static void print_json(const char *target, const char *cls, const struct scan_result *r,
		       bool history)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->ndrift; i++) {
		const struct scan_drift *d = &r->drift[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:s, s:b, s:o}", "severity",
						   d->critical ? "critical" : "warning", "scan", d->scan,
						   "protocol", d->proto, "port", (int)d->port, "observed",
						   d->observed, "predicted_open", !d->critical,
						   "new", history ? json_boolean(d->is_new) : json_null()));
	}
	cli_json_print(json_pack("{s:s, s:s, s:i, s:o}", "target", target, "class", cls,
				 "open", (int)r->nopen, "drift", a ? a : json_array()), 0);
}

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expect-json", required_argument, NULL, 'e' },
		{ "expect", required_argument, NULL, 'E' },
		{ "class", required_argument, NULL, 'c' },
		{ "ports", required_argument, NULL, 'p' },
		{ "max-rate", required_argument, NULL, 'r' },
		{ "nmap", required_argument, NULL, 'n' },
		{ "history", required_argument, NULL, 'H' },
		{ "no-stealth", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan_opts o = { .cls = SCAN_CLASS_INTERNET, .max_rate = 25 };
	const char *expect = NULL, *policy = NULL, *cls = "internet", *history = NULL;
	struct scan_expect *x;
	struct scan_result r;
	struct xerr e;
	bool json = false;
	int c, rc;

	xerr_clear(&e);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': expect = optarg; break;
		case 'E': policy = optarg; break;
		case 'c':
			cls = optarg;
			if (!strcmp(optarg, "mesh"))
				o.cls = SCAN_CLASS_MESH;
			else if (strcmp(optarg, "internet"))
				return cli_usage_error("scan", "--class is internet or mesh, not '%s'", optarg);
			break;
		case 'p': o.ports = optarg; break;
		case 'r': {
			unsigned long long v;

			if (cli_parse_number("scan", "--max-rate", optarg, 0, 1000000, &v, &e)) {
				xerr_print(stderr, &e);
				return XNFT_EXIT_USAGE;
			}
			o.max_rate = (unsigned)v;
			break;
		}
		case 'n': o.nmap = optarg; break;
		case 'H': history = optarg; break;
		case 'S': o.no_stealth = true; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("scan", argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("scan", "give one TARGET (an address or a host name)");
	if (!expect == !policy)
		return cli_usage_error("scan", "give the proof with --expect POLICY or --expect-json FILE (one of them)");
	o.target = argv[optind];
	o.ipv6 = strchr(o.target, ':') != NULL;
	x = malloc(sizeof(*x));
	if (!x)
		return XNFT_EXIT_USAGE;
	if (policy && (rc = expect_policy(policy, &o, x, &e))) {
		free(x);
		return rc;
	}
	if ((expect && scan_expect_load(expect, o.cls, o.ipv6, x, &e)) || scan_run(&o, x, &r, &e)) {
		free(x);
		xerr_print(stderr, &e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	if (history && scan_history_record(history, o.target, cls, &r, &e)) {
		scan_result_free(&r);
		free(x);
		xerr_print(stderr, &e);
		return XNFT_EXIT_USAGE;
	}
	if (json)
		print_json(o.target, cls, &r, history != NULL);
	else
		print_text(o.target, &r);
	rc = r.ndrift ? XNFT_EXIT_FINDINGS : XNFT_EXIT_OK;
	scan_result_free(&r);
	free(x);
	return rc;
}
