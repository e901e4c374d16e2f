// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft monitor [--dry-run] [--since DUR] [--json] [--config FILE]: upstream
 * advisories mapped to rule files and to this host; new HIGH/CRITICAL ones
 * notified, MEDIUM ones in a digest.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/json.h"
#include "daemon/config.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/secret.h"
#include "monitor/alert.h"
#include "monitor/monitor.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft monitor [--dry-run] [--since DUR] [--json] [--config FILE]\n"
		"Fetch the upstream sources of the [monitor] section of xnft.conf over https:\n"
		"kernel.org's releases, nftables releases (netfilter.org), the NVD CVE API\n"
		"(CVSS v3.1 severity), the netfilter-devel archive feed and the netfilter git\n"
		"log feed. Each finding is mapped to the rule file it most likely touches and\n"
		"to this host's running kernel and nft (\"this host runs 6.1.0-18; fixed in\n"
		"6.1.76: affected\"). New HIGH and CRITICAL findings that may touch this host\n"
		"are sent one by one (20 a run at most) to the [notify] endpoints (ntfy, Slack,\n"
		"Discord, email), the other new ones of MEDIUM severity or more in one digest;\n"
		"what was sent is remembered in [monitor] database, so nothing is sent twice.\n"
		"A source that fails is reported and the others still run.\n"
		"\n"
		"Options:\n"
		"  --dry-run        fetch and show; send nothing and write no state\n"
		"  --since DUR      the window for CVEs, releases and feed entries (default\n"
		"                   [monitor] since, 7d; at most 120d, the NVD's limit)\n"
		"  --json           print the result as JSON\n"
		"  --config FILE    the config (default " XNFT_DEFAULT_CONFIG "; when it does not\n"
		"                   exist, the built-in defaults)\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 every source read, nothing new of HIGH or CRITICAL severity\n"
		"that may touch this host; 1 such a finding; 2 a source or a notification\n"
		"failed, or a usage, config or state error.\n");
}

static const char *status_name(enum mon_status s)
{
	static const char *const names[] = { "ok", "not-modified", "failed", "off" };

	return names[s];
}

static void print_text(const struct mon_report *r, size_t nnotify)
{
	size_t nnew = 0;

	printf("host: Linux %s, nftables %s\n", r->host_kernel[0] ? r->host_kernel : "unknown",
	       r->host_nft[0] ? r->host_nft : "unknown");
	for (size_t i = 0; i < r->nsrc; i++) {
		const struct mon_source_result *q = &r->src[i];

		printf("source %-16s %s", q->name, status_name(q->status));
		if (q->status == MON_SRC_OK)
			printf(", %zu %s", q->items, cli_plural((long long)q->items, "finding",
							      "findings"));
		printf("\n");
	}
	for (size_t i = 0; i < r->findings.n; i++) {
		const struct mon_finding *f = &r->findings.v[i];

		nnew += f->is_new;
		printf("%-8s %s%s\n  source: %s%s%s\n  rule files: %s\n", mon_severity_name(f->sev),
		       f->title, f->is_new ? " (new)" : "", mon_source_label(f->source),
		       f->published[0] ? ", " : "", f->published, f->rules);
		if (f->host_note[0])
			printf("  %s\n", f->host_note);
		if (f->url[0])
			printf("  %s\n", f->url);
	}
	printf("%zu %s, %zu new", r->findings.n, cli_plural((long long)r->findings.n, "finding",
	       "findings"), nnew);
	if (r->dry_run)
		printf("; dry run: nothing sent, no state written\n");
	else if (!nnotify)
		printf("; no [notify] endpoint: nothing sent\n");
	else
		printf("; %zu %s sent, %zu failed\n", r->sent, cli_plural((long long)r->sent,
		       "notification", "notifications"), r->send_failed);
}

static json_t *finding_json(const struct mon_finding *f)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:b}",
			 "id", f->id, "source", mon_source_label(f->source), "severity",
			 mon_severity_name(f->sev), "title", f->title, "url", f->url,
			 "published", f->published, "cvss", f->cvss > 0 ? json_real(f->cvss)
			 : json_null(), "rules", f->rules, "host", mon_host_name(f->host),
			 "host_note", f->host_note, "new", f->is_new, "notified", f->notified);
}

static void print_json(const struct mon_report *r)
{
	json_t *src = json_array(), *fs = json_array();

	for (size_t i = 0; src && i < r->nsrc; i++) {
		const struct mon_source_result *q = &r->src[i];

		json_array_append_new(src, json_pack("{s:s, s:s, s:s, s:i, s:s*}", "name", q->name,
						     "url", q->url, "status", status_name(q->status),
						     "findings", (int)q->items, "error",
						     q->status == MON_SRC_FAILED ? q->error : NULL));
	}
	for (size_t i = 0; fs && i < r->findings.n; i++)
		json_array_append_new(fs, finding_json(&r->findings.v[i]));
	cli_json_print(json_pack("{s:{s:s, s:s}, s:b, s:o, s:o, s:{s:i, s:i}}", "host", "kernel",
				 r->host_kernel, "nft", r->host_nft, "dry_run", r->dry_run,
				 "sources", src ? src : json_array(), "findings",
				 fs ? fs : json_array(), "notifications", "sent", (int)r->sent,
				 "failed", (int)r->send_failed), 0);
}

/* The config: the one named, or the default one, or (default missing) the defaults. */
static int load_config(const char *path, struct xnft_config **cfg, struct xerr *e)
{
	if (path || access(XNFT_DEFAULT_CONFIG, F_OK) == 0)
		return config_load(path ? path : XNFT_DEFAULT_CONFIG, cfg, e);
	*cfg = config_defaults(e);
	return *cfg ? 0 : -1;
}

static int exit_code(const struct mon_report *r)
{
	if (r->nfailed || r->send_failed)
		return XNFT_EXIT_USAGE;
	for (size_t i = 0; i < r->findings.n; i++)
		if (r->findings.v[i].is_new && mon_alert_urgent(&r->findings.v[i]))
			return XNFT_EXIT_FINDINGS;
	return XNFT_EXIT_OK;
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mon_opts o = { 0 };
	const char *config = NULL;
	struct xnft_config *cfg;
	struct mon_report r;
	struct xerr e;
	bool json = false;
	int c, rc;

	xerr_clear(&e);
	optind = 1;
	opterr = 0;
	cli_json_errors(cli_wants_json(argc, argv));
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.dry_run = true; break;
		case 's':
			if (duration_parse(optarg, &o.since_ms, &e) < 0 || o.since_ms < 60000 ||
			    o.since_ms > 120ull * 86400000)
				return cli_usage_error("monitor", "--since: '%s' is not a duration "
						       "from 1m to 120d (e.g. 7d, 36h)", optarg);
			break;
		case 'j': json = true; break;
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("monitor", argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("monitor", "unexpected argument '%s'", argv[optind]);
	if (load_config(config, &cfg, &e) < 0) {
		/* 2, not the config reader's 1: exit 1 means new findings to the timer's unit */
		cli_error(&e);
		return XNFT_EXIT_USAGE;
	}
	/* a webhook URL is a credential: whoever reads it can post as us */
	if (cfg->nnotify && cfg->path[0] && secret_exposed(cfg->path))
		fprintf(stderr, "xnft monitor: warning: %s holds [notify] endpoints and other users "
			"can read it\n  hint: chmod 600 %s\n", cfg->path, cfg->path);
	if (monitor_run(cfg, &o, &r, &e) < 0) {
		cli_error(&e);
		monitor_report_free(&r);
		config_free(cfg);
		return XNFT_EXIT_USAGE;
	}
	for (size_t i = 0; i < r.nsrc; i++)
		if (r.src[i].status == MON_SRC_FAILED)
			fprintf(stderr, "xnft monitor: source %s (%s): %s\n", r.src[i].name,
				r.src[i].url, r.src[i].error);
	if (r.send_failed)
		fprintf(stderr, "xnft monitor: %zu %s failed; the findings stay unseen and are sent "
			"again next run\n", r.send_failed, cli_plural((long long)r.send_failed,
			"notification", "notifications"));
	if (json)
		print_json(&r);
	else
		print_text(&r, cfg->nnotify);
	rc = exit_code(&r);
	monitor_report_free(&r);
	config_free(cfg);
	return rc;
}
