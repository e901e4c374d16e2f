// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/json.h"

#include <stdio.h>
#include <stdlib.h>

static bool json_errors;

void cli_json_print(json_t *o, size_t flags)
{
	char *s;

	if (!o)
		return;
	json_object_set_new(o, "version", json_integer(CLI_JSON_VERSION));
	s = json_dumps(o, flags ? flags : JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

void cli_json_errors(bool on)
{
	json_errors = on;
}

bool cli_json_errors_on(void)
{
	return json_errors;
}

static json_t *diag_json(const struct nft_diag *x)
{
	return json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", x->file, "line", x->line,
			 "col", x->col, "message", x->msg, "text", x->text);
}

json_t *cli_json_failure(const struct xerr *e, const struct nft_diags *d)
{
	json_t *diags = json_array();

	for (size_t i = 0; d && diags && i < d->n; i++)
		json_array_append_new(diags, diag_json(&d->v[i]));
	return json_pack("{s:b, s:{s:s, s:s, s:s, s:i, s:i, s:i}, s:o}", "ok", 0, "error",
			 "message", e->msg, "hint", e->hint, "file", e->file, "line", e->line,
			 "col", e->col, "exit", e->code ? e->code : XNFT_EXIT_USAGE,
			 "diagnostics", diags ? diags : json_array());
}

void cli_error_diags(const struct xerr *e, const struct nft_diags *d)
{
	xerr_print(stderr, e);
	if (json_errors)
		cli_json_print(cli_json_failure(e, d), 0);
}

void cli_error(const struct xerr *e)
{
	cli_error_diags(e, NULL);
}
