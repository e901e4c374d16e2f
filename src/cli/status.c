// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft status: loaded vs on-disk policy, confirm window, lock, boot, last applies. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "apply/apply.h"
#include "cli/json.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/timefmt.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft status [POLICY] [--json] [-v]\n"
		"Show what safe apply knows: the fingerprint of the loaded table inet xnft\n"
		"against POLICY on disk (drift; default: the policy of the last apply, else\n"
		XNFT_DEFAULT_POLICY ") and against what the last apply loaded, a pending\n"
		"confirmation and its seconds left, who holds the apply lock, how the last\n"
		"boot went (and whether the FALLBACK policy was used), and the last runs from\n"
		"the journal with their result.\n"
		"\n"
		"Options:\n"
		"  --json      print one JSON object (every run with its steps)\n"
		"  -v, --verbose  every step of each run, not only the last one\n"
		"  -h, --help  show this help\n"
		"\n"
		"A confirm window whose guard is gone (killed) is reverted first.\n"
		"\n"
		"Exit status: 0 the loaded table is the confirmed policy (by fingerprint), as\n"
		"on disk, and nothing is pending; 1 otherwise: no table, an unconfirmed or\n"
		"unknown table, the FALLBACK policy, drift, a pending confirmation, or a\n"
		"confirmed.nft that no longer matches confirmed.hash (boot would fall back);\n"
		"2 environment error.\n");
}

static void fmt_time(time_t t, char *buf, size_t n)
{
	timefmt_local(t, buf, n);
}

static long secs_left(const struct apply_status *s)
{
	long left = (long)(s->pend.deadline - time(NULL));

	return left > 0 ? left : 0;
}

static bool fallback_active(const struct apply_status *s)
{
	return !strcmp(s->boot_source, "fallback") && s->live_present && s->applies[0].id[0] &&
	       strstr(s->applies[0].policy, "xnft boot");
}

/* Fine: the confirmed policy is loaded, as on disk, and nothing is pending. */
static bool status_is_fine(const struct apply_status *s)
{
	return s->live_kind == LIVE_CONFIRMED && !s->drift && !s->pending && !fallback_active(s) &&
	       !s->confirmed_damaged;
}

static void print_text(const struct apply_status *s, bool verbose)
{
	char t[TIMEFMT_MAX], t2[TIMEFMT_MAX];

	if (s->reaped)
		printf("reverted:   the guard of a confirm window had died: this status reverted "
		       "it (see the last run below)\n");
	printf("loaded:     %s\n", live_kind_text(s->live_kind));
	if (s->live_present)
		printf("            table inet xnft, fingerprint %.12s\n", s->live_hash);
	if (s->policy_loaded)
		printf("policy:     %s (%.12s): %s\n", s->policy, s->policy_hash,
		       s->drift ? "DRIFT: differs from the loaded table" : "matches the loaded table");
	else
		printf("policy:     %s: does not load: %s\n", s->policy, s->policy_error);
	if (s->applied_hash[0])
		printf("last apply: loaded %.12s; %s\n", s->applied_hash,
		       s->changed_since_apply ? "the kernel's table has CHANGED since"
					      : "still loaded");
	fmt_time(s->confirmed_at, t, sizeof(t));
	printf("boot:       %s\n", s->confirmed_present ? "confirmed.nft" : "no confirmed policy yet");
	if (s->confirmed_present)
		printf("            confirmed %s\n", t);
	if (s->confirmed_damaged)
		printf("            DAMAGED: %s; the next boot would load the FALLBACK policy: run "
		       "'xnft apply' to write it again\n", s->confirmed_error);
	if (s->pending) {
		fmt_time(s->pend.deadline, t, sizeof(t));
		timefmt_relative(s->pend.deadline, time(NULL), t2, sizeof(t2));
		if (s->pend.alive)
			printf("pending:    apply %s of %s: reverted at %s (%s) unless "
			       "'xnft confirm'\n", s->pend.id, s->pend.policy, t, t2);
		else
			printf("pending:    apply %s: its guard (pid %ld) is GONE and its files could "
			       "not be cleared; what is loaded is said above\n", s->pend.id,
			       s->pend.pid);
	} else {
		printf("pending:    none\n");
	}
	if (s->lock_pid) {
		fmt_time(s->lock_since, t, sizeof(t));
		printf("lock:       held by pid %ld (%s) since %s\n", s->lock_pid, s->lock_what, t);
	} else {
		printf("lock:       free\n");
	}
	if (s->boot_source[0]) {
		fmt_time(s->boot_at, t, sizeof(t));
		if (!strcmp(s->boot_source, "fallback"))
			printf("last boot:  %s: the FALLBACK policy was loaded: %s\n", t,
			       s->boot_reason);
		else
			printf("last boot:  %s: loaded the %s policy\n", t, s->boot_source);
	}
	if (s->napplies)
		printf("last runs:\n");
	for (size_t i = 0; i < s->napplies; i++) {
		const struct status_apply *a = &s->applies[i];

		fmt_time(a->started, t, sizeof(t));
		fmt_time(a->ended, t2, sizeof(t2));
		printf("  %s  %-12s %s\n", t, a->result, a->policy);
		if (!verbose) {
			printf("  %23s  %s at %s: %s\n", "", a->last_step, t2 + 11, a->msg);
			continue;
		}
		for (size_t k = 0; k < a->nsteps; k++) {
			fmt_time(a->steps[k].t, t2, sizeof(t2));
			printf("  %23s  %s %-9s %-10s %s\n", "", t2 + 11, a->steps[k].step,
			       a->steps[k].result, a->steps[k].msg);
		}
	}
}

/* Beside each epoch field KEY, KEY_rfc3339 ("2026-12-07T14:03:10Z", null when unset). */
static void add_rfc3339(json_t *o, const char *key, time_t t)
{
	char name[64], text[TIMEFMT_MAX];

	if (!o)
		return;
	snprintf(name, sizeof(name), "%s_rfc3339", key);
	timefmt_rfc3339(t, text, sizeof(text));
	json_object_set_new(o, name, text[0] ? json_string(text) : json_null());
}

static const char *live_kind_json(enum live_kind k)
{
	static const char *const names[] = { "none", "confirmed", "fallback", "pending", "other" };

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "other";
}

static void print_json(const struct apply_status *s)
{
	json_t *o = json_object(), *runs = json_array(), *pend = json_null(), *x;

	if (!o || !runs)
		return;
	for (size_t i = 0; i < s->napplies; i++) {
		const struct status_apply *a = &s->applies[i];
		json_t *steps = json_array();

		for (size_t k = 0; steps && k < a->nsteps; k++) {
			x = json_pack("{s:I, s:s, s:s, s:s}", "time", (json_int_t)a->steps[k].t,
				      "step", a->steps[k].step, "result", a->steps[k].result,
				      "message", a->steps[k].msg);
			add_rfc3339(x, "time", a->steps[k].t);
			json_array_append_new(steps, x);
		}
		x = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o}",
			      "id", a->id, "started", (json_int_t)a->started,
			      "ended", (json_int_t)a->ended, "command", a->policy,
			      "result", a->result, "last_step", a->last_step,
			      "message", a->msg, "steps", steps ? steps : json_array());
		add_rfc3339(x, "started", a->started);
		add_rfc3339(x, "ended", a->ended);
		json_array_append_new(runs, x);
	}
	if (s->pending) {
		pend = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "id", s->pend.id, "policy",
				 s->pend.policy, "guard_pid", (json_int_t)s->pend.pid, "deadline",
				 (json_int_t)s->pend.deadline, "seconds_left", (json_int_t)secs_left(s),
				 "guard_alive", s->pend.alive);
		add_rfc3339(pend, "deadline", s->pend.deadline);
	}
	json_object_set_new(o, "loaded", json_boolean(s->live_present));
	json_object_set_new(o, "loaded_is", json_string(live_kind_json(s->live_kind)));
	json_object_set_new(o, "confirmed_hash", json_string(s->confirmed_hash));
	json_object_set_new(o, "reverted_dead_guard", json_boolean(s->reaped));
	json_object_set_new(o, "healthy", json_boolean(status_is_fine(s)));
	json_object_set_new(o, "loaded_hash", json_string(s->live_hash));
	json_object_set_new(o, "policy", json_string(s->policy));
	json_object_set_new(o, "policy_loads", json_boolean(s->policy_loaded));
	json_object_set_new(o, "policy_hash", json_string(s->policy_hash));
	json_object_set_new(o, "policy_error", json_string(s->policy_error));
	json_object_set_new(o, "drift", json_boolean(s->drift));
	json_object_set_new(o, "applied_hash", json_string(s->applied_hash));
	json_object_set_new(o, "changed_since_apply", json_boolean(s->changed_since_apply));
	json_object_set_new(o, "confirmed_policy", json_boolean(s->confirmed_present));
	json_object_set_new(o, "confirmed_at", json_integer((json_int_t)s->confirmed_at));
	add_rfc3339(o, "confirmed_at", s->confirmed_at);
	json_object_set_new(o, "confirmed_damaged", json_boolean(s->confirmed_damaged));
	json_object_set_new(o, "confirmed_error", json_string(s->confirmed_error));
	json_object_set_new(o, "pending", pend ? pend : json_null());
	x = s->lock_pid ? json_pack("{s:I, s:s, s:I}", "pid", (json_int_t)s->lock_pid, "command",
				    s->lock_what, "since", (json_int_t)s->lock_since) : NULL;
	add_rfc3339(x, "since", s->lock_since);
	json_object_set_new(o, "lock", x ? x : json_null());
	x = s->boot_source[0] ? json_pack("{s:s, s:I, s:s, s:b}", "source", s->boot_source, "time",
					  (json_int_t)s->boot_at, "reason", s->boot_reason,
					  "fallback", !strcmp(s->boot_source, "fallback")) : NULL;
	add_rfc3339(x, "time", s->boot_at);
	json_object_set_new(o, "last_boot", x ? x : json_null());
	json_object_set_new(o, "fallback_active", json_boolean(fallback_active(s)));
	json_object_set_new(o, "runs", runs);
	cli_json_print(o, 0);
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",    no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help",    no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct apply_status *s;
	const char *policy = NULL;
	bool json = false, verbose = false;
	struct xerr e;
	int c, rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hv", options, NULL)) != -1) {
		if (c == 'j' || c == 'v') {
			json |= c == 'j';
			verbose |= c == 'v';
			continue;
		}
		return cli_bad_option("status", argv);
	}
	if (optind < argc)
		policy = argv[optind++];
	cli_json_errors(json);
	if (optind < argc)
		return cli_usage_error("status", "give at most one POLICY, not '%s' too",
				       argv[optind]);
	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "xnft status: out of memory\n");
		return XNFT_EXIT_USAGE;
	}
	xerr_clear(&e);
	if (apply_status(policy, s, &e)) {
		cli_error(&e);
		free(s);
		return XNFT_EXIT_USAGE;
	}
	if (json)
		print_json(s);
	else
		print_text(s, verbose);
	rc = status_is_fine(s) ? XNFT_EXIT_OK : XNFT_EXIT_FINDINGS;
	free(s);
	return rc;
}
