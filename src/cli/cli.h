/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands. Each lives in src/cli/<name>.c, parses its own argv (argv[0]
 * is the command name), calls into a feature directory and prints. Return
 * value is the process exit code (enum xnft_exit).
 */
#ifndef XNFT_CLI_H
#define XNFT_CLI_H

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

/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

#endif
