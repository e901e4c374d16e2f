/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors as values. A function that can fail fills a struct xerr and returns
 * -1; the caller adds nothing or passes it up. Only main() and the command
 * files in src/cli/ print one, so every message reaches the user once, with
 * the file, line and a hint on what to do.
 */
#ifndef XNFT_CORE_ERR_H
#define XNFT_CORE_ERR_H

#include <stdarg.h>
#include <stdio.h>

/* Exit codes shared by every command (docs/design.md §1). */
enum xnft_exit {
	XNFT_EXIT_OK = 0,
	XNFT_EXIT_FINDINGS = 1, /* findings, violation, invalid input */
	XNFT_EXIT_USAGE = 2,    /* usage or environment error */
};

struct xerr {
	int code;        /* an enum xnft_exit value */
	char file[512];  /* "" when the error has no source location */
	int line;        /* 1-based; 0 = unknown */
	int col;         /* 1-based; 0 = unknown */
	char msg[1024];
	char hint[512];  /* what the user can do about it; may be "" */
};

void xerr_clear(struct xerr *e);

/* An error that came from another process through a pipe: make sure its strings end. */
void xerr_terminate(struct xerr *e);

/* Set code and message; returns -1 so callers can write `return xerr_set(...)`. */
int xerr_set(struct xerr *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, with a source location. */
int xerr_at(struct xerr *e, int code, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The same from a va_list, for a caller's own located-error helper. */
int xerr_vat(struct xerr *e, int code, const char *file, int line, int col,
	     const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Set the hint of an error already set; returns -1. */
int xerr_hint(struct xerr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the message with more context ("loading policy: <old msg>"). */
int xerr_wrap(struct xerr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * "file:line:col: error: msg" then "  hint: ..." — for main and src/cli only.
 * An error without a file is "xnft CMD: msg", the prefix every command's
 * own messages use (xerr_program names the command).
 */
void xerr_print(FILE *out, const struct xerr *e);

/* The prefix of errors without a file: "xnft check"; main sets it once. Default "xnft". */
void xerr_program(const char *name);

#endif
