// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft daemon: run the ban daemon in the foreground (systemd runs it as
 * xnft-daemon.service), check its config, or ask a running one for its
 * status or a reload.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/control_client.h"
#include "cli/json.h"
#include "daemon/config.h"
#include "core/duration.h"
#include "core/err.h"
#include "daemon/daemon.h"

#define MAX_SOURCES 16

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft daemon [--config FILE] [--source SPEC]... [--socket PATH]\n"
		"                   [--database PATH]\n"
		"       xnft daemon --check [--config FILE]\n"
		"       xnft daemon --status [--json] [--config FILE | --socket PATH]\n"
		"       xnft daemon --reload [--config FILE | --socket PATH]\n"
		"Ban the sources of drop events: read events (NFLOG, journal, kmsg, a file,\n"
		"stdin), count them per source against the [ban.NAME] rules of the config,\n"
		"and put offenders into the policy's ban sets (BANNED4, BANNED6) with a\n"
		"timeout, many per kernel transaction; bans another program deletes are put\n"
		"back, and when a set is full (its size in the policy) new bans are refused\n"
		"and counted. Runs in the foreground and logs to\n"
		"stderr; SIGHUP reloads the config (a bad one is refused and the running\n"
		"one kept), SIGTERM stops it (bans stay in the kernel until they expire).\n"
		"Never banned: loopback, the host's own addresses, the policy's MESH_PEERS*\n"
		"and ADMIN_ALLOWLIST* (followed live) and [whitelist]. The history is best\n"
		"effort: a database that cannot be opened or written is retried while the\n"
		"daemon bans from memory. File sources resume where they stopped (the\n"
		"position is kept beside the database; at most 16 MiB are caught up).\n"
		"It warns when conntrack passes 80%% and 95%% full and when it drops packets;\n"
		"with [metrics] it serves Prometheus /metrics on the mesh address.\n"
		"With a [crowdsec] section it also enforces the ban decisions of a CrowdSec\n"
		"Local API, ranges in BANNED_NETS4/BANNED_NETS6, and pushes its own bans to\n"
		"it (see xnft.conf(5), \"Fleet\").\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   config file (default " XNFT_DEFAULT_CONFIG "; a missing\n"
		"                      default file means the built-in defaults, no rules)\n"
		"  -s, --source SPEC   event source, overrides [daemon] sources; repeatable:\n"
		"                      nflog:GROUP, journal, journal-file:PATH, kmsg,\n"
		"                      file:PATH, stdin\n"
		"      --socket PATH   control socket (default " XNFT_DEFAULT_SOCKET ")\n"
		"      --database PATH ban history (default " XNFT_DEFAULT_DATABASE ",\n"
		"                      created 0600)\n"
		"      --check         read and check the config, print a summary, exit\n"
		"                      (a warning when it has no [ban.NAME] rule)\n"
		"      --status        show a running daemon's state\n"
		"      --reload        make a running daemon re-read its config\n"
		"      --json          with --status: the daemon's JSON as it is\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 fine, 1 invalid config (FILE:LINE: message) or a refused\n"
		"reload, 2 usage error, or the daemon could not start or be reached.\n");
}

struct daemon_cli {
	const char *config, *socket, *database;
	const char *sources[MAX_SOURCES];
	size_t nsources;
	bool check, status, reload, json;
};

static int parse_args(int argc, char **argv, struct daemon_cli *o)
{
	static const struct option options[] = {
		{ "config",   required_argument, NULL, 'c' },
		{ "source",   required_argument, NULL, 's' },
		{ "socket",   required_argument, NULL, 'S' },
		{ "database", required_argument, NULL, 'D' },
		{ "check",    no_argument,       NULL, 'k' },
		{ "status",   no_argument,       NULL, 't' },
		{ "reload",   no_argument,       NULL, 'r' },
		{ "json",     no_argument,       NULL, 'j' },
		{ "help",     no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:s:h", options, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'S': o->socket = optarg; break;
		case 'D': o->database = optarg; break;
		case 'k': o->check = true; break;
		case 't': o->status = true; break;
		case 'r': o->reload = true; break;
		case 'j': o->json = true; break;
		case 's':
			if (o->nsources == MAX_SOURCES) {
				fprintf(stderr, "xnft daemon: at most %d --source\n", MAX_SOURCES);
				return XNFT_EXIT_USAGE;
			}
			o->sources[o->nsources++] = optarg;
			break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("daemon", argv);
		}
	}
	if (optind < argc) {
		return cli_usage_error("daemon", "unexpected argument '%s'", argv[optind]);
	}
	if ((int)o->check + (int)o->status + (int)o->reload > 1 || (o->json && !o->status)) {
		fprintf(stderr, "xnft daemon: --check, --status and --reload go alone "
			"(--json only with --status)\n");
		return XNFT_EXIT_USAGE;
	}
	return -1;
}

/* ---- running ---------------------------------------------------------------------- */

static void log_line(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	/* Under systemd, "<N>" lets journald keep each line's priority (SyslogLevelPrefix). */
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", prio, msg);
	else
		fprintf(stderr, "xnft daemon: %s\n", msg);
	fflush(stderr);
}

static int run(const struct daemon_cli *o)
{
	struct daemon_opts d = {
		.config_path = o->config,
		.config_optional = !o->config,
		.sources = o->sources,
		.nsources = o->nsources,
		.socket_path = o->socket,
		.db_path = o->database,
		.log = log_line,
	};
	struct xerr e;

	if (daemon_run(&d, &e) < 0) {
		fprintf(stderr, "xnft daemon: ");
		xerr_print(stderr, &e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	return XNFT_EXIT_OK;
}

static int check(const struct daemon_cli *o)
{
	const char *path = o->config ? o->config : XNFT_DEFAULT_CONFIG;
	struct xnft_config *cfg;
	struct xerr e;
	char w[32], b[32];

	if (config_load(path, &cfg, &e) < 0) {
		xerr_print(stderr, &e);
		return e.code;
	}
	printf("%s: ok: %zu %s, %zu %s, %zu whitelist %s, %zu %s\n", path,
	       cfg->nrules, cli_plural(cfg->nrules, "rule", "rules"), cfg->nsources,
	       cli_plural(cfg->nsources, "source", "sources"),
	       cfg->nwhitelist, cli_plural((long long)cfg->nwhitelist, "entry", "entries"),
	       cfg->nnotify, cli_plural(cfg->nnotify, "webhook", "webhooks"));
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct config_rule *r = &cfg->rules[i];

		duration_format(r->window_ms, w, sizeof(w));
		duration_format(r->bantime_ms, b, sizeof(b));
		printf("  ban.%s: %u %s in %s -> ban %s%s\n", r->name, r->threshold,
		       cli_plural(r->threshold, "event", "events"), w, b,
		       r->enabled ? "" : " (disabled)");
	}
	if (cfg->cs_url[0])
		printf("  crowdsec: bouncer of %s, key in %s%s%s\n", cfg->cs_url, cfg->cs_key_file,
		       cfg->cs_machine_file[0] ? "; watcher with " : "", cfg->cs_machine_file);
	if (!cfg->nrules)
		printf("  warning: no [ban.NAME] rule: the daemon reads events but never bans anyone%s; "
		       "add one (see xnft.conf(5))\n", cfg->cs_url[0] ? " of its own" : "");
	config_free(cfg);
	return XNFT_EXIT_OK;
}

/* Ask the daemon o names (--socket, --config); errors printed, NULL with *rc set. */
static json_t *ask(const struct daemon_cli *o, const char *req, int *rc)
{
	return cli_daemon_ask(o->socket, o->config, req, rc);
}

static long long num(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(o, a);

	if (b)
		x = json_object_get(x, b);
	return json_integer_value(x);
}

static const char *str(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(o, a);
	const char *s;

	if (b)
		x = json_object_get(x, b);
	s = json_string_value(x);
	return s ? s : "";
}

/* [crowdsec]: whether the LAPI answers, and what became of its decisions. */
static void print_crowdsec(json_t *j)
{
	json_t *c = json_object_get(j, "crowdsec");

	printf("  crowdsec: %s %s; %lld %s (%lld failed); %lld new, %lld deleted received; "
	       "%lld applied, %lld lifted, %lld refused (whitelist); skipped: %lld other type, "
	       "%lld other scope, %lld malformed\n", str(j, "crowdsec", "url"),
	       json_is_true(json_object_get(c, "reachable")) ? "reachable" : "NOT REACHABLE",
	       num(j, "crowdsec", "pulls"), cli_plural(num(j, "crowdsec", "pulls"), "pull", "pulls"),
	       num(j, "crowdsec", "failures"), num(j, "crowdsec", "received_new"),
	       num(j, "crowdsec", "received_deleted"), num(j, "crowdsec", "applied"),
	       num(j, "crowdsec", "lifted"), num(j, "crowdsec", "refused"),
	       num(j, "crowdsec", "skipped_type"), num(j, "crowdsec", "skipped_scope"),
	       num(j, "crowdsec", "malformed"));
	printf("  crowdsec pulls: one every %lld ms (poll minus the answer time, estimated at "
	       "%lld ms; the last change pull %lld ms, the longest %lld ms)\n",
	       num(j, "crowdsec", "period_ms"), num(j, "crowdsec", "answer_ms_estimate"),
	       num(j, "crowdsec", "pull_ms_last"), num(j, "crowdsec", "pull_ms_max"));
	if (*str(j, "crowdsec", "last_error"))
		printf("  crowdsec last problem: %s\n", str(j, "crowdsec", "last_error"));
	if (json_is_true(json_object_get(c, "reconciling")) || num(j, "crowdsec", "full_pulls"))
		printf("  crowdsec reconciliation after failures: %s; %lld complete %s, the last "
		       "%lld ms\n", json_is_true(json_object_get(c, "reconciling")) ?
		       "a complete pull runs beside the deltas" : "none running",
		       num(j, "crowdsec", "full_pulls"), cli_plural(num(j, "crowdsec", "full_pulls"),
		       "pull", "pulls"), num(j, "crowdsec", "full_ms_last"));
	if (json_object_get(c, "watcher")) {
		json_t *w = json_object_get(c, "watcher");

		printf("  crowdsec watcher: %lld own %s pushed, %lld waiting, %lld failed %s, %lld "
		       "dropped\n", num(w, "pushed", NULL),
		       cli_plural(num(w, "pushed", NULL), "ban", "bans"), num(w, "waiting", NULL),
		       num(w, "failures", NULL), cli_plural(num(w, "failures", NULL), "push",
		       "pushes"), num(w, "dropped", NULL));
		if (*str(w, "last_error", NULL))
			printf("  crowdsec watcher problem: %s\n", str(w, "last_error", NULL));
	}
}

static void print_status(json_t *j)
{
	json_t *srcs = json_object_get(j, "sources"), *s;
	size_t i;

	printf("xnft daemon: running, pid %lld, up %llds, config %s (%lld %s)\n",
	       num(j, "pid", NULL), num(j, "uptime_s", NULL), str(j, "config", NULL),
	       num(j, "rules", NULL), cli_plural(num(j, "rules", NULL), "rule", "rules"));
	json_array_foreach(srcs, i, s) {
		printf("  source %s: %lld %s, %lld %s, %lld unparsed, %lld lost\n",
		       str(s, "spec", NULL), num(s, "records", NULL),
		       cli_plural(num(s, "records", NULL), "record", "records"), num(s, "events", NULL),
		       cli_plural(num(s, "events", NULL), "event", "events"), num(s, "unparsed", NULL),
		       num(s, "lost", NULL));
	}
	printf("  engine: %lld %s, %lld matched a rule, %lld whitelisted; %lld %s, %lld %s\n",
	       num(j, "engine", "events"), cli_plural(num(j, "engine", "events"), "event", "events"),
	       num(j, "engine", "matched"), num(j, "engine", "whitelisted"),
	       num(j, "engine", "bans"), cli_plural(num(j, "engine", "bans"), "ban", "bans"),
	       num(j, "engine", "extensions"),
	       cli_plural(num(j, "engine", "extensions"), "extension", "extensions"));
	printf("  tracked: %lld of %lld %s, %lld evicted, %lld KiB; %lld active %s\n",
	       num(j, "engine", "offenders"), num(j, "engine", "max_offenders"),
	       cli_plural(num(j, "engine", "max_offenders"), "offender", "offenders"),
	       num(j, "engine", "evictions"), num(j, "engine", "memory_bytes") / 1024,
	       num(j, "engine", "active"), cli_plural(num(j, "engine", "active"), "ban", "bans"));
	printf("  kernel: %s @%s @%s %s; %lld %s, %lld %s, %lld %s, %lld %s\n",
	       str(j, "kernel", "table"), str(j, "kernel", "set4"), str(j, "kernel", "set6"),
	       json_is_true(json_object_get(json_object_get(j, "kernel"), "loaded")) ?
	       "loaded" : "NOT LOADED (bans wait)", num(j, "kernel", "batches"),
	       cli_plural(num(j, "kernel", "batches"), "batch", "batches"),
	       num(j, "kernel", "elements"),
	       cli_plural(num(j, "kernel", "elements"), "element", "elements"),
	       num(j, "kernel", "restores"),
	       cli_plural(num(j, "kernel", "restores"), "restore", "restores"),
	       num(j, "kernel", "errors"), cli_plural(num(j, "kernel", "errors"), "error", "errors"));
	printf("  ban sets: size %lld / %lld, ranges %lld / %lld (0: none); %lld new %s refused, "
	       "set full; %lld %s put back after others deleted them\n", num(j, "kernel", "size4"),
	       num(j, "kernel", "size6"), num(j, "kernel", "size_nets4"),
	       num(j, "kernel", "size_nets6"), num(j, "kernel", "refused_full"),
	       cli_plural(num(j, "kernel", "refused_full"), "ban", "bans"),
	       num(j, "kernel", "put_back"),
	       cli_plural(num(j, "kernel", "put_back"), "element", "elements"));
	printf("  whitelist: %lld %s (loopback, %lld host %s, %lld from the config; %s), "
	       "%lld %s lifted by it\n",
	       num(j, "whitelist", "entries"),
	       cli_plural(num(j, "whitelist", "entries"), "entry", "entries"),
	       num(j, "whitelist", "host"),
	       cli_plural(num(j, "whitelist", "host"), "address", "addresses"),
	       num(j, "whitelist", "config"), str(j, "whitelist", "note"),
	       num(j, "whitelist", "lifted"),
	       cli_plural(num(j, "whitelist", "lifted"), "ban", "bans"));
	printf("  history: %s, %lld %s waiting, %lld store %s, %lld %s lost\n",
	       json_is_true(json_object_get(json_object_get(j, "history"), "writable")) ?
	       "stored" : "NOT STORED (kept in memory, retried)", num(j, "history", "queued"),
	       cli_plural(num(j, "history", "queued"), "row", "rows"),
	       num(j, "history", "errors"), cli_plural(num(j, "history", "errors"), "error", "errors"),
	       num(j, "history", "lost"), cli_plural(num(j, "history", "lost"), "row", "rows"));
	printf("  notify: %lld queued, %lld sent, %lld failed, %lld dropped\n",
	       num(j, "notify", "queued"), num(j, "notify", "sent"), num(j, "notify", "failed"),
	       num(j, "notify", "dropped"));
	if (json_object_get(j, "crowdsec"))
		print_crowdsec(j);
	printf("  reloads: %lld (%lld refused)\n", num(j, "reloads", NULL),
	       num(j, "reload_errors", NULL));
	if (*str(j, "last_error", NULL))
		printf("  last problem: %s\n", str(j, "last_error", NULL));
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon_cli o;
	json_t *j;
	int rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	cli_json_errors(o.json);
	if (o.check)
		return check(&o);
	if (o.status || o.reload) {
		j = ask(&o, o.status ? "status" : "reload", &rc);
		if (!j)
			return rc;
		if (o.status && o.json) {
			cli_json_print(j, 0);
			return XNFT_EXIT_OK;
		}
		if (o.status)
			print_status(j);
		else if (o.reload)
			printf("xnft daemon: config reloaded (%lld %s)\n", num(j, "rules", NULL),
			       cli_plural(num(j, "rules", NULL), "rule", "rules"));
		json_decref(j);
		return XNFT_EXIT_OK;
	}
	return run(&o);
}
