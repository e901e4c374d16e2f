/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands. Each lives in src/cli/<name>.c, parses its own argv (argv[0]
 * is the command name), calls into a feature directory and prints. Return
 * value is the process exit code (enum xnft_exit).
 */
#ifndef XNFT_CLI_H
#define XNFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/ruleset.h"

int cmd_init(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_exposure(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_bans(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_deny(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_services(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_containers(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_mesh(int argc, char **argv);
int cmd_sync_peers(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* "entry" for 1, "entries" otherwise: counts in messages agree with their noun. */
const char *cli_plural(long long n, const char *one, const char *many);

/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/*
 * When argv asks for help (cli_wants_help), print it with usage on stdout
 * and return 1, so a command starts `if (cli_help_shown(...)) return 0`.
 */
int cli_help_shown(int argc, char **argv, void (*usage)(FILE *out));

/*
 * The start of a command that can print its errors as JSON: cli_help_shown,
 * and when no help was asked for, errors go to stdout as JSON too from now
 * on if --json is among the arguments (cli_wants_json). 1 when help was shown.
 */
int cli_start(int argc, char **argv, void (*usage)(FILE *out));

/*
 * 1 when --json is among the arguments (before any "--"): a usage error
 * found while parsing them is then printed as the JSON failure object too.
 */
int cli_wants_json(int argc, char **argv);

/*
 * "xnft CMD: MESSAGE" and "  hint: run 'xnft CMD --help'" on stderr;
 * returns XNFT_EXIT_USAGE, so a parser can `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The same, as an error value for commands that print errors in one place:
 * e gets XNFT_EXIT_USAGE, "CMD: MESSAGE" and the --help hint; returns -1.
 */
struct xerr;
int cli_usage_xerr(struct xerr *e, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A whole number from min to max given to option opt of cmd (decimal, no
 * sign); else a usage error in e (cli_usage_xerr) and -1.
 */
int cli_parse_number(const char *cmd, const char *opt, const char *text, unsigned long long min,
		     unsigned long long max, unsigned long long *out, struct xerr *e);

/* The exit code for an error a feature returned: 1 for findings, else 2. */
int cli_exit_code(const struct xerr *e);

/* A safe-apply step's progress as "xnft STEP: MESSAGE" on stderr (confirm, rollback, boot). */
void cli_step_progress(void *arg, const char *step, const char *msg);

/* getopt_long's complaint about argv[optind - 1], as cli_usage_error. */
int cli_bad_option(const char *cmd, char **argv);

/*
 * The optional POLICY operand left after the options (argv[optind]): at most
 * one, and none with --live. *policy keeps its value when there is none.
 * Returns -1 when fine, else XNFT_EXIT_USAGE after printing why.
 */
int cli_policy_operand(const char *cmd, int argc, char **argv, int live, const char **policy);

struct ruleset;

/*
 * Load POLICY (or, with live, the kernel's ruleset now) for a command that
 * analyses it. A policy that does not load gets every diagnostic printed as
 * FILE:LINE:COL and a pointer to `xnft check`. Returns 0, or the exit code.
 */
int cli_load_policy(const char *cmd, const char *policy, int live, struct ruleset **rs);
/*
 * What `xnft check POLICY [--json]` prints and returns, for a policy the
 * caller has already loaded (lint, intents); frees rs.
 */
int cli_check_ruleset(const char *policy, struct ruleset *rs, bool json);

struct diff_result;

/*
 * The same for a change from old_rs to rs: the diff between them comes
 * from the check's own engine and is handed to print_diff (with arg)
 * before the check's report. Frees rs, not old_rs.
 */
int cli_check_change(const char *policy, const struct ruleset *old_rs, struct ruleset *rs,
		     bool json, void (*print_diff)(const struct diff_result *d, void *arg),
		     void *arg);

/* Several policies loaded side by side; on failure none is kept and the first error is printed. */
int cli_load_policies(const char *cmd, const char *const *policies, size_t n,
		      struct ruleset **rs);

/*
 * --local-addr ADDR (repeatable): the host's own addresses, for a policy
 * file (a live ruleset takes the host's): where a dnat goes, fib daddr type.
 */
#define CLI_LOCAL_MAX 32
struct cli_local {
	struct prefix v[CLI_LOCAL_MAX];
	size_t n;
	enum rs_brnf brnf;      /* --br-netfilter yes|no; unknown when not given */
};

/*
 * Warn (stderr) when no rule of rs names interface name: the analysis then
 * judges its packets as "any other interface", which is seldom what a user
 * typing the name meant. A name is looked up again only when it differs from the last.
 */
void cli_warn_unnamed_iface(const char *cmd, const struct ruleset *rs, const char *name);

/* Parse one --local-addr; prints the error and returns the exit code, else -1. */
int cli_local_add(const char *cmd, struct cli_local *l, const char *arg);
/*
 * --br-netfilter yes|no: whether the host's br_netfilter hands bridged IPv4
 * and IPv6 frames to the IP hooks; prints the error and returns the exit
 * code, else -1.
 */
int cli_brnf_parse(const char *cmd, struct cli_local *l, const char *arg);
/* What the analysis took for br_netfilter, said once: text, and a JSON value. */
const char *cli_brnf_text(enum rs_brnf v4, enum rs_brnf v6);
const char *cli_brnf_json(enum rs_brnf v4, enum rs_brnf v6);
/*
 * Give rs those addresses (none given: nothing changes) and --br-netfilter
 * (given: it overrides what --live read); the exit code, else 0.
 */
int cli_local_apply(const char *cmd, const struct cli_local *l, struct ruleset *rs);

#endif
