// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/err.h"

#include <stdarg.h>
#include <string.h>

void xerr_clear(struct xerr *e)
{
	memset(e, 0, sizeof(*e));
}

void xerr_terminate(struct xerr *e)
{
	e->file[sizeof(e->file) - 1] = '\0';
	e->msg[sizeof(e->msg) - 1] = '\0';
	e->hint[sizeof(e->hint) - 1] = '\0';
}

static void set_msg(struct xerr *e, const char *fmt, va_list ap)
{
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int xerr_set(struct xerr *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	xerr_clear(e);
	e->code = code;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	return -1;
}

int xerr_vat(struct xerr *e, int code, const char *file, int line, int col,
	     const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	xerr_clear(e);
	e->code = code;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	e->line = line;
	e->col = col;
	set_msg(e, fmt, ap);
	return -1;
}

int xerr_at(struct xerr *e, int code, const char *file, int line, int col,
	    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = xerr_vat(e, code, file, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

int xerr_hint(struct xerr *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
	va_end(ap);
	return -1;
}

int xerr_wrap(struct xerr *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	return -1;
}

static char program[64] = "xnft";

void xerr_program(const char *name)
{
	snprintf(program, sizeof(program), "%s", name ? name : "xnft");
}

void xerr_print(FILE *out, const struct xerr *e)
{
	if (e->file[0] && e->line > 0 && e->col > 0)
		fprintf(out, "%s:%d:%d: error: %s\n", e->file, e->line, e->col, e->msg);
	else if (e->file[0] && e->line > 0)
		fprintf(out, "%s:%d: error: %s\n", e->file, e->line, e->msg);
	else if (e->file[0])
		fprintf(out, "%s: error: %s\n", e->file, e->msg);
	else
		fprintf(out, "%s: %s\n", program, e->msg);
	if (e->hint[0])
		fprintf(out, "  hint: %s\n", e->hint);
}
