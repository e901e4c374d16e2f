// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading an nft policy's files and resolving its includes: see nftsrc.h.
 */
#include "core/nftsrc.h"

#include <ctype.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/strbuf.h"

char *nftsrc_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > NFTSRC_MAX_BYTES) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf) {
		*len = fread(buf, 1, (size_t)st.st_size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* 1 when nothing matches the pattern, else as nftsrc_include */
static int include_pattern(const char *pattern, nftsrc_file_fn fn, void *ctx)
{
	struct stat st;
	glob_t g;
	int rc = 0;

	if (!has_glob(pattern))
		return stat(pattern, &st) ? 1 : (fn(ctx, pattern) < 0 ? -1 : 0);
	if (glob(pattern, 0, NULL, &g)) {
		globfree(&g);
		return 1;
	}
	for (size_t i = 0; i < g.gl_pathc && rc >= 0; i++)
		rc = fn(ctx, g.gl_pathv[i]);
	globfree(&g);
	return rc < 0 ? rc : 0;
}

int nftsrc_include(const char *name, const char *const *dirs, size_t ndirs,
		   nftsrc_file_fn fn, void *ctx)
{
	char path[4096];

	if (name[0] == '/')
		return include_pattern(name, fn, ctx);
	for (size_t i = 0; i < ndirs; i++) {
		int rc;

		if (!dirs[i])
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dirs[i], name) >= sizeof(path))
			continue;
		rc = include_pattern(path, fn, ctx);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

/* ---- statements ------------------------------------------------------------------- */

/* nft's scanner: a name starts with a letter, '_' or '.' and goes on with those, digits, '/' and '-'. */
static size_t name_length(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s) && *s != '_' && *s != '.')
		return 0;
	while (s[n] && (isalnum((unsigned char)s[n]) || strchr("/-_.", s[n])))
		n++;
	return n;
}

static bool starts_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(s, word, n) && isspace((unsigned char)s[n]);
}

bool nftsrc_opens_block(void *ctx, const char *text)
{
	static const char *const kw[] = { "table", "chain", "set", "map", "flowtable" };

	(void)ctx;
	if (starts_word(text, "add") || starts_word(text, "create"))
		text += strcspn(text, " ") + 1;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		if (starts_word(text, kw[i]))
			return true;
	}
	return false;
}

bool nftsrc_define(const char *text, struct nftsrc_define *d)
{
	size_t n;

	d->redefine = starts_word(text, "redefine");
	d->undefine = starts_word(text, "undefine");
	if (!d->redefine && !d->undefine && !starts_word(text, "define"))
		return false;
	text += strcspn(text, " \t");
	text += strspn(text, " \t");
	n = name_length(text);
	if (!n || n >= sizeof(d->name))
		return false;
	memcpy(d->name, text, n);
	d->name[n] = '\0';
	text += n;
	text += strspn(text, " \t");
	d->value = NULL;
	if (d->undefine)
		return true;
	if (*text != '=')
		return false;
	d->value = text + 1 + strspn(text + 1, " \t");
	return true;
}

bool nftsrc_include_name(const char *text, char *buf, size_t size)
{
	const char *q, *end;

	if (!starts_word(text, "include") || !(q = strchr(text, '"')) ||
	    !(end = strchr(q + 1, '"')) || (size_t)(end - q - 1) >= size)
		return false;
	memcpy(buf, q + 1, (size_t)(end - q - 1));
	buf[end - q - 1] = '\0';
	return true;
}

struct walk {
	const struct nftsrc_reader *r;
	void *ctx;
	const char *file;
	const char *p;
	const char *end;
	int line;
};

/* Whitespace collapses: no leading blank and never two in a row. */
static void add_char(struct strbuf *st, char c)
{
	if (c == ' ' && (!st->len || st->s[st->len - 1] == ' '))
		return;
	strbuf_add(st, &c, 1);
}

static bool continuation(const struct walk *w)
{
	const char *p = w->p;

	if (*p != '\\')
		return false;
	p++;
	if (p < w->end && *p == '\r')
		p++;
	return p < w->end && *p == '\n';
}

static void skip_continuation(struct walk *w)
{
	w->p++;
	if (*w->p == '\r')
		w->p++;
	w->p++;
	w->line++;
}

static void skip_comment(struct walk *w)
{
	while (w->p < w->end && *w->p != '\n')
		w->p++;
}

static void copy_string(struct walk *w, struct strbuf *st)
{
	add_char(st, *w->p++);
	while (w->p < w->end && *w->p != '"' && *w->p != '\n') {
		if (*w->p == '\\' && w->p + 1 < w->end && w->p[1] == '"')
			add_char(st, *w->p++);
		add_char(st, *w->p++);
	}
	if (w->p < w->end && *w->p == '"')
		add_char(st, *w->p++);
}

/* Collect one statement from w->p; stops before a closing '}' of the block. */
static void collect(struct walk *w, struct strbuf *st, bool *opener)
{
	int depth = 0;

	while (w->p < w->end && !st->oom) {
		char ch = *w->p;

		if (ch == '"') {
			copy_string(w, st);
		} else if (ch == '#') {
			skip_comment(w);
		} else if (continuation(w)) {
			skip_continuation(w);
			add_char(st, ' ');
		} else if (ch == '\n') {
			if (!depth)
				return;
			w->line++;
			w->p++;
			add_char(st, ' ');
		} else if (ch == ';' && !depth) {
			w->p++;
			return;
		} else if (ch == '}') {
			if (!depth)
				return;
			depth--;
			add_char(st, *w->p++);
		} else if (ch == '{') {
			if (!depth && w->r->opens_block(w->ctx, st->s ? st->s : "")) {
				w->p++;
				*opener = true;
				return;
			}
			depth++;
			add_char(st, *w->p++);
		} else {
			add_char(st, ch == '\t' || ch == '\r' ? ' ' : ch);
			w->p++;
		}
	}
}

/* In a skipped block: follow braces, strings and comments only. */
static void skip_step(struct walk *w)
{
	char ch = *w->p;

	if (ch == '"') {
		w->p++;
		while (w->p < w->end && *w->p != '"' && *w->p != '\n')
			w->p++;
		if (w->p < w->end && *w->p == '"')
			w->p++;
		return;
	}
	if (ch == '{')
		w->r->skip_open(w->ctx);
	w->p++;
}

/* One statement from w->p to the reader; negative to stop. */
static int statement(struct walk *w)
{
	struct nftsrc_stmt s = { w->file, w->line, NULL, false };
	struct strbuf st = { 0 };
	int rc = 0;

	collect(w, &st, &s.opener);
	/* trim the trailing space left by whitespace collapsing */
	while (st.len && st.s[st.len - 1] == ' ')
		st.s[--st.len] = '\0';
	if (st.oom)
		rc = -1;
	else if (st.len || s.opener) {
		s.text = st.s ? st.s : "";
		rc = w->r->statement(w->ctx, &s);
	}
	strbuf_free(&st);
	return rc;
}

int nftsrc_statements(const char *file, const char *text, size_t len,
		      const struct nftsrc_reader *r, void *ctx)
{
	struct walk w = { r, ctx, file, text, text + len, 1 };

	while (w.p < w.end) {
		char ch = *w.p;

		if (ch == '\n') {
			w.line++;
			w.p++;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == ';') {
			w.p++;
		} else if (ch == '#') {
			skip_comment(&w);
		} else if (continuation(&w)) {
			skip_continuation(&w);
		} else if (ch == '}') {
			r->close(ctx);
			w.p++;
		} else if (r->skipping && r->skipping(ctx)) {
			skip_step(&w);
		} else if (statement(&w) < 0) {
			return -1;
		}
	}
	return 0;
}
