// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A growing string: the one builder for text of any length. Out of memory
 * is sticky: every later add is ignored and strbuf_take() returns NULL,
 * so a writer checks once at the end, and never hands on a truncated text.
 */
#ifndef XNFT_CORE_STRBUF_H
#define XNFT_CORE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;        /* NUL-terminated once anything was added; NULL before */
	size_t len, cap;
	bool oom;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The text (malloc'd; "" when nothing was added), NULL after out of memory; b is empty after. */
char *strbuf_take(struct strbuf *b);
void strbuf_free(struct strbuf *b);

/*
 * A caller's fixed-size buffer filled in pieces, for text with a known
 * bound (a packet's words, a list of flags): what does not fit is cut, and
 * the text stays NUL-terminated.
 */
struct fixbuf {
	char *buf;
	size_t size, len;
};

void fixbuf_addf(struct fixbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
