// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A policy as one self-contained file: the entry file with every `include`
 * line replaced by the file(s) it names, the way nft reads them (relative
 * names looked up in the policy's directory, then /etc; globs expanded in
 * sorted order). Safe apply loads this bundle and keeps it as the boot
 * policy, so what boots is byte for byte what was committed, with its
 * comments, and no listing of a large table is needed to keep it.
 *
 * Anything the line-by-line expansion cannot be sure about (an include that
 * shares its line with other statements, a missing file, too deep or too
 * large) makes it give up; apply then commits the entry file itself and
 * keeps a listing of the loaded table instead.
 */
#include "apply/apply_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nftsrc.h"
#include "core/strbuf.h"

#define BUNDLE_MAX_BYTES (256u << 20)

struct bundle {
	struct strbuf text;
	const char *incdir;
	struct xerr *e;
};

static int grow(struct bundle *b, const char *p, size_t n)
{
	if (b->text.len + n + 1 > BUNDLE_MAX_BYTES)
		return xerr_set(b->e, XNFT_EXIT_USAGE, "policy larger than %u MiB", BUNDLE_MAX_BYTES >> 20);
	strbuf_add(&b->text, p, n);
	if (b->text.oom)
		return xerr_set(b->e, XNFT_EXIT_USAGE, "out of memory");
	return 0;
}

static int add_file(struct bundle *b, const char *path, int depth);

/*
 * An `include "NAME"` line: 1 with the name copied out; 0 when the line is
 * no include; -1 when it mentions include in a way this expansion does not
 * handle.
 */
static int include_line(const char *line, size_t len, char *name, size_t n)
{
	const char *p = line, *end = line + len, *q, *close;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(end - p) < 8 || strncmp(p, "include", 7) || !isspace((unsigned char)p[7])) {
		/* `include` later on the line (after a ';') is not expanded here */
		for (q = line; q + 8 <= end; q++) {
			if (!strncmp(q, "include", 7) && (q == line || !isalnum((unsigned char)q[-1])) &&
			    memchr(line, '#', (size_t)(q - line)) == NULL &&
			    (isspace((unsigned char)q[7]) || q[7] == '"'))
				return -1;
		}
		return 0;
	}
	q = p + 7;
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q >= end || *q != '"')
		return -1;
	close = memchr(q + 1, '"', (size_t)(end - q - 1));
	if (!close || (size_t)(close - q - 1) >= n)
		return -1;
	memcpy(name, q + 1, (size_t)(close - q - 1));
	name[close - q - 1] = '\0';
	for (p = close + 1; p < end; p++) {
		if (*p == '#')
			break;
		if (!isspace((unsigned char)*p) && *p != ';')
			return -1;
	}
	return 1;
}

struct nested {
	struct bundle *b;
	int depth;
};

static int add_included(void *ctx, const char *path)
{
	struct nested *n = ctx;

	return add_file(n->b, path, n->depth);
}

static int expand(struct bundle *b, const char *name, int depth)
{
	const char *dirs[2] = { b->incdir, "/etc" };
	struct nested n = { b, depth + 1 };
	int rc = nftsrc_include(name, dirs, 2, add_included, &n);

	if (rc <= 0)
		return rc;
	if (strpbrk(name, "*?["))
		return 0;  /* nft accepts a glob that matches nothing */
	return xerr_set(b->e, XNFT_EXIT_USAGE, "include \"%s\" not found", name);
}

static int add_file(struct bundle *b, const char *path, int depth)
{
	char *text, name[4096], mark[4300];
	size_t len = 0;
	int rc = 0;

	if (depth > NFTSRC_MAX_DEPTH)
		return xerr_set(b->e, XNFT_EXIT_USAGE, "includes nested deeper than %d", NFTSRC_MAX_DEPTH);
	text = nftsrc_read(path, &len);
	if (!text)
		return xerr_set(b->e, XNFT_EXIT_USAGE, "cannot read %s", path);
	snprintf(mark, sizeof(mark), "# ---- %s\n", path);
	rc = grow(b, mark, strlen(mark));
	for (size_t off = 0; off < len && rc == 0;) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - line) : len - off;
		int kind = include_line(line, llen, name, sizeof(name));

		if (kind < 0)
			rc = xerr_set(b->e, XNFT_EXIT_USAGE, "%s: an include this bundler does not expand",
				      path);
		else if (kind == 1)
			rc = expand(b, name, depth);
		else
			rc = grow(b, line, llen) || grow(b, "\n", 1) ? -1 : 0;
		off += llen + (nl ? 1 : 0);
	}
	free(text);
	return rc;
}

int apply_bundle(const char *entry, const char *incdir, const char *origin, char **out,
		 struct xerr *e)
{
	struct bundle b = { { 0 }, incdir, e };
	char head[1200];

	*out = NULL;
	snprintf(head, sizeof(head),
		 "# Written by xnft: %s\n"
		 "# The policy %s with its includes expanded in place. Loading it replaces\n"
		 "# `table inet xnft` in one transaction and touches no other table.\n"
		 "table inet xnft\ndelete table inet xnft\n", origin, entry);
	if (grow(&b, head, strlen(head)) || add_file(&b, entry, 0)) {
		strbuf_free(&b.text);
		return -1;
	}
	*out = strbuf_take(&b.text);
	return 0;
}
