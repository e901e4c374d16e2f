/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one shape of every command's --json output: each object printed on
 * stdout carries "version" (the schema, CLI_JSON_VERSION), and a failure is
 * an object of its own, the same for every command:
 *
 *   {"version": 1, "ok": false,
 *    "error": {"message", "hint", "file", "line", "col", "exit"},
 *    "diagnostics": [{"file", "line", "col", "message", "text"}, ...]}
 *
 * so a program reading stdout never gets nothing, or text, when a command
 * fails. The text error still goes to stderr for the human.
 */
#ifndef XNFT_CLI_JSON_H
#define XNFT_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "core/nftctx.h"

#define CLI_JSON_VERSION 1

/* Print o on stdout with "version" added (flags as json_dumps; 0 = indented, sorted); takes o. */
void cli_json_print(json_t *o, size_t flags);

/* From now on, errors printed with cli_error also go to stdout as JSON. */
void cli_json_errors(bool on);
bool cli_json_errors_on(void);

/* The error on stderr, and in --json mode the failure object on stdout. */
void cli_error(const struct xerr *e);

/* The same with libnftables' diagnostics of a policy that did not load (d may be NULL). */
void cli_error_diags(const struct xerr *e, const struct nft_diags *d);

/* The failure object alone (for commands that print their own text). */
json_t *cli_json_failure(const struct xerr *e, const struct nft_diags *d);

#endif
