/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Printers shared by more than one command, so that `xnft check` shows lint
 * findings, intent violations and the exposure exactly as `xnft lint`,
 * `xnft verify` and `xnft exposure` do.
 */
#ifndef XNFT_CLI_PRINTERS_H
#define XNFT_CLI_PRINTERS_H

#include <stdio.h>

#include <jansson.h>

#include "analyze/diff.h"
#include "analyze/exposure.h"
#include "analyze/lint.h"
#include "analyze/verify.h"
#include "core/ruleset.h"

/* "file:line: severity[ID]: message", the rule, its comment and the fix. */
void cli_lint_print_finding(FILE *out, const struct lint_finding *f);
json_t *cli_lint_finding_json(const struct lint_finding *f);

/* An intent's result; a violation with its counterexample's trace. */
void cli_verify_print_item(FILE *out, const struct ruleset *rs, const char *base,
			   const struct verify_item *it);
json_t *cli_verify_item_json(const struct ruleset *rs, const char *base,
			     const struct verify_item *it);

/* What a ruleset accepts, per path and interface, as `xnft exposure` prints it. */
void cli_exposure_print(const char *policy, const struct exposure *x);
json_t *cli_exposure_json(const struct exposure *x);

/*
 * The structured fields of one line of a description (exposure, diff), added
 * to o beside its prose: interfaces, family, protocol, ports, source and
 * destination (with the named sets they are in and not in), every field.
 */
void cli_ds_line_fields(json_t *o, const struct ds_line *l);

/* xnft diff's output: the packets whose verdict changes from policy a to b. */
void cli_diff_print_text(const char *a, const char *b, const struct diff_result *d);
void cli_diff_print_json(const char *a, const char *b, const struct diff_result *d);

#endif
