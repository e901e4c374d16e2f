// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft bans: list, add and lift bans through the running daemon's control
 * socket, so the daemon's state, its history and the kernel set stay one.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/control.h"
#include "daemon/config.h"
#include "cli/control_client.h"
#include "cli/json.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/timefmt.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft bans list [--json]\n"
		"       xnft bans add ADDR [DURATION]\n"
		"       xnft bans del ADDR\n"
		"Show and change the bans of the running xnft daemon (its control socket).\n"
		"ADDR is an IPv4 address, or an IPv6 address (its /64 is banned) or /64;\n"
		"del also takes a range a CrowdSec Range decision banned (198.51.100.0/24).\n"
		"Whitelisted addresses, the host's own, the unspecified and broadcast\n"
		"addresses and multicast are refused.\n"
		"DURATION is like 90s, 30m, 1h, 7d; without it, the escalated ban time of the\n"
		"first [ban.NAME] rule (one hour if there is none). Adding a banned address\n"
		"again sets its ban to end DURATION from now.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE  find the socket in FILE's [daemon] socket\n"
		"                     (default " XNFT_DEFAULT_CONFIG ")\n"
		"      --socket PATH  the control socket (default " XNFT_DEFAULT_SOCKET ")\n"
		"      --json         list: the daemon's JSON as it is\n"
		"  -h, --help         show this help\n"
		"\n"
		"Exit status: 0 done, 1 refused (bad address, whitelisted), 2 usage error or\n"
		"the daemon cannot be reached.\n");
}

struct bans_cli {
	const char *config, *socket;
	bool json;
	int argc;
	char **argv;
};

/* Ask the daemon o names (--socket, --config); errors printed, NULL with *rc set. */
static json_t *ask(const struct bans_cli *o, const char *req, int *rc)
{
	return cli_daemon_ask(o->socket, o->config, req, rc);
}

static void fmt_time(long long t, char *buf, size_t size)
{
	timefmt_local((time_t)t, buf, size);
}

static void fmt_dur(long long s, char *buf, size_t size)
{
	duration_format((uint64_t)(s > 0 ? s : 0) * 1000, buf, size);
}

/* The daemon's list with "version" and RFC 3339 times beside its epoch seconds; takes j. */
static void print_json(json_t *j)
{
	static const char *const keys[] = { "since", "until" };
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(j, "bans"), i, b) {
		for (size_t k = 0; k < 2; k++) {
			char name[32], text[TIMEFMT_MAX];
			json_t *t = json_object_get(b, keys[k]);

			if (!json_is_integer(t))
				continue;
			snprintf(name, sizeof(name), "%s_rfc3339", keys[k]);
			timefmt_rfc3339((time_t)json_integer_value(t), text, sizeof(text));
			json_object_set_new(b, name, json_string(text));
		}
	}
	cli_json_print(j, 0);
}

static int do_list(const struct bans_cli *o)
{
	json_t *j, *bans, *b;
	int rc;
	size_t i;

	j = ask(o, "list", &rc);
	if (!j)
		return rc;
	if (o->json) {
		print_json(j);
		return XNFT_EXIT_OK;
	}
	bans = json_object_get(j, "bans");
	if (!json_array_size(bans)) {
		printf("no active bans\n");
	} else {
		printf("%-40s %-12s %-7s %-23s %-10s %-10s %s\n", "ADDRESS", "RULE", "OFFENCE",
		       "UNTIL", "LEFT", "BANTIME", "ORIGIN");
	}
	json_array_foreach(bans, i, b) {
		char until[TIMEFMT_MAX], left[32], len[32];

		fmt_time(json_integer_value(json_object_get(b, "until")), until, sizeof(until));
		fmt_dur(json_integer_value(json_object_get(b, "remaining_s")), left, sizeof(left));
		fmt_dur(json_integer_value(json_object_get(b, "bantime_s")), len, sizeof(len));
		printf("%-40s %-12s %-7lld %-23s %-10s %-10s %s\n",
		       json_string_value(json_object_get(b, "addr")),
		       json_string_value(json_object_get(b, "rule")),
		       json_integer_value(json_object_get(b, "offence")), until, left, len,
		       json_string_value(json_object_get(b, "origin")));
	}
	json_decref(j);
	return XNFT_EXIT_OK;
}

static bool plain_word(const char *s)
{
	if (!*s || strlen(s) > 100)
		return false;
	for (; *s; s++) {
		if (*s <= ' ' || *s > '~')
			return false;
	}
	return true;
}

static int do_change(const struct bans_cli *o, bool add)
{
	char req[CONTROL_REQUEST_MAX];
	const char *addr = o->argv[1], *dur = o->argc > 2 ? o->argv[2] : NULL;
	json_t *j, *b;
	int rc;

	if (!plain_word(addr)) {
		fprintf(stderr, "xnft bans: '%s' is not an address\n", addr);
		return XNFT_EXIT_FINDINGS;
	}
	if (dur && !plain_word(dur)) {
		fprintf(stderr, "xnft bans: '%s' is not a duration: give one word like 90s, 30m, "
			"1h or 7d\n", dur);
		return XNFT_EXIT_FINDINGS;
	}
	snprintf(req, sizeof(req), "%s %s%s%s", add ? "add" : "del", addr, dur ? " " : "",
		 dur ? dur : "");
	j = ask(o, req, &rc);
	if (!j)
		return rc;
	if (add) {
		char until[TIMEFMT_MAX], in[32], len[32];
		long long t;

		b = json_object_get(j, "ban");
		t = json_integer_value(json_object_get(b, "until"));
		fmt_time(t, until, sizeof(until));
		timefmt_relative((time_t)t, time(NULL), in, sizeof(in));
		fmt_dur(json_integer_value(json_object_get(b, "bantime_s")), len, sizeof(len));
		printf("banned %s for %s, until %s (%s)\n",
		       json_string_value(json_object_get(b, "addr")), len, until, in);
		if (json_string_value(json_object_get(j, "warning")))
			printf("  warning: %s\n", json_string_value(json_object_get(j, "warning")));
	} else {
		printf("%s %s\n", json_string_value(json_object_get(j, "addr")),
		       json_is_true(json_object_get(j, "removed")) ? "unbanned" :
		       "was not banned (removed from the kernel set if it was there)");
	}
	json_decref(j);
	return XNFT_EXIT_OK;
}

int cmd_bans(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bans_cli o = { 0 };
	int c;

	optind = 1;
	opterr = 0;
	/* options may come before or after the subcommand */
	while ((c = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'S': o.socket = optarg; break;
		case 'j': o.json = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("bans", argv);
		}
	}
	cli_json_errors(o.json);
	o.argc = argc - optind;
	o.argv = argv + optind;
	if (o.argc == 1 && !strcmp(o.argv[0], "list"))
		return do_list(&o);
	if (!o.json && (o.argc == 2 || o.argc == 3) && !strcmp(o.argv[0], "add"))
		return do_change(&o, true);
	if (!o.json && o.argc == 2 && !strcmp(o.argv[0], "del"))
		return do_change(&o, false);
	return cli_usage_error("bans", "expected 'list', 'add ADDR [DURATION]' or 'del ADDR'");
}
