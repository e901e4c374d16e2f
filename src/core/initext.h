/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inih over a text already in memory, a line at a time, so that every INI
 * reader (the daemon's config, the mesh inventory) knows the line inih is
 * on and refuses an over-long line by its number instead of letting inih
 * split it into two lines with the wrong numbers.
 */
#ifndef XNFT_CORE_INITEXT_H
#define XNFT_CORE_INITEXT_H

#include <stddef.h>

struct ini_text {
	const char *text;   /* the whole input, NUL-terminated */
	size_t pos;         /* where the next line starts */
	int line;           /* the line last handed to inih, from 1 */
	/*
	 * Each line before inih parses it: its text, or NULL when it is longer
	 * than max - 2 characters (inih then sees an empty line instead).
	 */
	void (*seen)(void *ctx, int line, const char *text, int max);
	void *ctx;
};

/* The reader for ini_parse_stream(ini_text_reader, &an_ini_text, handler, user). */
char *ini_text_reader(char *str, int num, void *stream);

#endif
