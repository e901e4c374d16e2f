// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft doctor: the host checklist, PASS/WARN/FAIL with the command that fixes each. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/json.h"
#include "core/err.h"
#include "core/paths.h"
#include "doctor/doctor.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft doctor [POLICY] [--json] [--fix] [--strict] [--root DIR]\n"
		"Check the host around the policy: kernel sysctls, conntrack, the policy's\n"
		"state (loaded = confirmed, boot unit, fallback, pending confirmation) and\n"
		"host values (ADMIN_ALLOWLIST, MESH_PEERS, interfaces, WireGuard port, key\n"
		"modes), and the neighbours (nftables.service, ufw, firewalld, iptables-legacy,\n"
		"Docker, Podman, libvirt, LXD, Incus). Each check is PASS, WARN or FAIL, with\n"
		"what was found, why it matters and the command that fixes it.\n"
		"POLICY: default " XNFT_DEFAULT_POLICY ".\n"
		"\n"
		"Options:\n"
		"  --json      print one JSON object\n"
		"  --fix       show, then make, the safe changes: sysctls (set now and kept in\n"
		"              " DOCTOR_SYSCTL_FILE ") and conntrack module options\n"
		"              (" DOCTOR_MODPROBE_FILE "); never a firewall rule\n"
		"  --strict    a WARN fails too (exit 1)\n"
		"  --root DIR  read /proc, /sys and /etc under DIR (tests, a mounted image)\n"
		"  -h, --help  show this help\n"
		"\n"
		"Needs root. Exit status: 0 every check passed (WARNs allowed unless --strict),\n"
		"1 a check failed, 2 usage or environment error (not root included).\n");
}

static void print_text(const struct doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->checks[i];

		printf("%-4s  %-10s %-32s %s\n", doctor_level_name(c->level), c->group, c->id,
		       c->found);
		if (c->level == DOCTOR_PASS)
			continue;
		printf("      %-10s why: %s\n", "", c->why);
		printf("      %-10s fix: %s\n", "", c->fix);
	}
	printf("%zu passed, %zu %s, %zu failed\n", doctor_count(r, DOCTOR_PASS),
	       doctor_count(r, DOCTOR_WARN), cli_plural((long long)doctor_count(r, DOCTOR_WARN),
							 "warning", "warnings"),
	       doctor_count(r, DOCTOR_FAIL));
}

static json_t *changes_json(const struct doctor_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nchanges; i++) {
		const struct doctor_change *c = &r->changes[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "kind",
			c->kind == DOCTOR_SYSCTL ? "sysctl" : "module_option", "key", c->key,
			"value", c->value, "file",
			c->kind == DOCTOR_SYSCTL ? DOCTOR_SYSCTL_FILE : DOCTOR_MODPROBE_FILE));
	}
	return a;
}

static void print_json(const struct doctor_report *r, const struct doctor_report *fixed,
		       bool strict)
{
	json_t *o = json_object(), *checks = json_array();
	size_t fails = doctor_count(r, DOCTOR_FAIL), warns = doctor_count(r, DOCTOR_WARN);

	if (!o || !checks)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->checks[i];

		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			"group", c->group, "id", c->id, "status", doctor_level_name(c->level),
			"found", c->found, "why", c->why, "fix", c->fix));
	}
	json_object_set_new(o, "ok", json_boolean(!fails && !(strict && warns)));
	json_object_set_new(o, "checks", checks);
	json_object_set_new(o, "summary", json_pack("{s:I, s:I, s:I}", "pass",
		(json_int_t)doctor_count(r, DOCTOR_PASS), "warn", (json_int_t)warns, "fail",
		(json_int_t)fails));
	json_object_set_new(o, "fixable", changes_json(r));
	json_object_set_new(o, "fixed", fixed ? changes_json(fixed) : json_array());
	cli_json_print(o, 0);
}

/* Show what --fix will write and set, before it does. */
static void show_changes(const struct doctor_report *r)
{
	static const struct { enum doctor_change_kind kind; const char *file; } files[] = {
		{ DOCTOR_SYSCTL, DOCTOR_SYSCTL_FILE }, { DOCTOR_MODOPT, DOCTOR_MODPROBE_FILE },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = doctor_change_file_text(r, files[i].kind);

		if (text)
			printf("--fix writes %s:\n%s", files[i].file, text);
		free(text);
	}
	for (size_t i = 0; i < r->nchanges; i++)
		if (r->changes[i].kind == DOCTOR_SYSCTL)
			printf("--fix sets now: sysctl %s=%s\n", r->changes[i].key, r->changes[i].value);
	printf("\n");
}

/* --fix: the changes of the first run made, then the checks run again. */
static int run_fix(const struct doctor_opts *o, bool json, struct doctor_report *r,
		   struct doctor_report *fixed, struct xerr *e)
{
	if (!r->nchanges) {
		if (!json)
			printf("--fix: nothing safe to change\n\n");
		return 0;
	}
	if (!json)
		show_changes(r);
	if (doctor_apply_changes(o, r, e))
		return -1;
	*fixed = *r;
	memset(r, 0, sizeof(*r));
	return doctor_run(o, r, e);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",   no_argument,       NULL, 'j' },
		{ "fix",    no_argument,       NULL, 'f' },
		{ "strict", no_argument,       NULL, 's' },
		{ "root",   required_argument, NULL, 'r' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct doctor_opts o = { .root = "/" };
	struct doctor_report r, fixed = { 0 };
	bool json = false, fix = false, strict = false;
	struct stat st;
	struct xerr e;
	int c, rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'j' || c == 'f' || c == 's') {
			json |= c == 'j';
			fix |= c == 'f';
			strict |= c == 's';
		} else if (c == 'r') {
			o.root = optarg;
		} else {
			return cli_bad_option("doctor", argv);
		}
	}
	cli_json_errors(json);
	rc = cli_policy_operand("doctor", argc, argv, 0, &o.policy);
	if (rc >= 0)
		return rc;
	xerr_clear(&e);
	if (stat(o.root, &st) || !S_ISDIR(st.st_mode)) {
		cli_usage_xerr(&e, "doctor", "--root %s: not a directory", o.root);
		cli_error(&e);
		return XNFT_EXIT_USAGE;
	}
	if (doctor_run(&o, &r, &e) || (fix && run_fix(&o, json, &r, &fixed, &e))) {
		cli_error(&e);
		doctor_report_free(&r);
		doctor_report_free(&fixed);
		return XNFT_EXIT_USAGE;
	}
	if (json)
		print_json(&r, fix ? &fixed : NULL, strict);
	else
		print_text(&r);
	rc = doctor_count(&r, DOCTOR_FAIL) || (strict && doctor_count(&r, DOCTOR_WARN))
		     ? XNFT_EXIT_FINDINGS : XNFT_EXIT_OK;
	doctor_report_free(&r);
	doctor_report_free(&fixed);
	return rc;
}
