// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy's `define`s, for the $NAME words of a PACKET. The ruleset model
 * is built from the kernel's listing, where defines no longer exist, and the
 * srcloc scanner records rules only; so this reads the files again, the way
 * nft does: the entry file, then each `include` where it stands (relative
 * names from the policy's directory, then /etc; globs in name order).
 * It looks only at `define`, `redefine`, `undefine` and `include`
 * statements (split as every reader splits them: core/nftsrc.h);
 * everything else is left to libnftables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trace.h"
#include "core/nftsrc.h"
#include "core/policy_load.h"

struct dscan {
	struct trace_defines *d;
	const char *dirs[2];
	int depth;
	bool failed;      /* e is set */
	struct xerr *e;
};

static int scan_file(struct dscan *s, const char *path);

/* ---- the table of names ---------------------------------------------------------- */

static int find(const struct trace_defines *d, const char *name)
{
	for (size_t i = d->n; i-- > 0;)
		if (!strcmp(d->name[i], name))
			return (int)i;
	return -1;
}

static int set_define(struct trace_defines *d, const char *name, const char *value,
		      struct xerr *e)
{
	int i = find(d, name);
	char *v = strdup(value);

	if (!v)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading defines");
	if (i >= 0) {
		free(d->value[i]);
		d->value[i] = v;
		return 0;
	}
	if (d->n == d->cap) {
		size_t c = d->cap ? d->cap * 2 : 16;
		char **nn = realloc(d->name, c * sizeof(*nn));
		char **vv = nn ? realloc(d->value, c * sizeof(*vv)) : NULL;

		if (nn)
			d->name = nn;
		if (!vv) {
			free(v);
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading defines");
		}
		d->value = vv;
		d->cap = c;
	}
	d->name[d->n] = strdup(name);
	if (!d->name[d->n]) {
		free(v);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading defines");
	}
	d->value[d->n++] = v;
	return 0;
}

static void unset_define(struct trace_defines *d, const char *name)
{
	int i = find(d, name);

	if (i < 0)
		return;
	free(d->name[i]);
	free(d->value[i]);
	d->n--;
	memmove(&d->name[i], &d->name[i + 1], (d->n - (size_t)i) * sizeof(*d->name));
	memmove(&d->value[i], &d->value[i + 1], (d->n - (size_t)i) * sizeof(*d->value));
}

void trace_defines_free(struct trace_defines *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->name[i]);
		free(d->value[i]);
	}
	free(d->name);
	free(d->value);
	memset(d, 0, sizeof(*d));
}

int trace_defines_lookup(void *ctx, const char *name, char *value, size_t size)
{
	const struct trace_defines *d = ctx;
	int i = d ? find(d, name) : -1;

	if (i < 0)
		return -1;
	snprintf(value, size, "%s", d->value[i]);
	return 0;
}

/* ---- statements ------------------------------------------------------------------------ */

static int include_file(void *ctx, const char *path)
{
	return scan_file(ctx, path);
}

static int statement(struct dscan *s, const char *text)
{
	struct nftsrc_define d;
	char name[4096];

	if (nftsrc_include_name(text, name, sizeof(name)))
		/* nothing there: libnftables says so when it loads the policy */
		return nftsrc_include(name, s->dirs, 2, include_file, s) < 0 ? -1 : 0;
	if (!nftsrc_define(text, &d))
		return 0;
	if (d.undefine) {
		unset_define(s->d, d.name);
		return 0;
	}
	return set_define(s->d, d.name, d.value, s->e);
}

/* ---- the statements of a file, as nftsrc splits them ---------------------------------- */

static int read_statement(void *ctx, const struct nftsrc_stmt *st)
{
	struct dscan *s = ctx;
	int rc;

	if (st->opener)
		return 0;
	rc = statement(s, st->text);
	s->failed |= rc < 0;
	return rc;
}

/* blocks need no following: a define or include means the same in any of them */
static void close_block(void *ctx)
{
	(void)ctx;
}

static const struct nftsrc_reader reader = {
	nftsrc_opens_block, read_statement, close_block, NULL, NULL,
};

static int scan_text(struct dscan *s, const char *file, const char *text, size_t len)
{
	if (!nftsrc_statements(file, text, len, &reader, s))
		return 0;
	if (!s->failed)
		xerr_set(s->e, XNFT_EXIT_USAGE, "out of memory reading defines");
	return -1;
}

static int scan_file(struct dscan *s, const char *path)
{
	size_t len;
	char *text;
	int rc;

	if (s->depth >= NFTSRC_MAX_DEPTH)
		return 0;
	text = nftsrc_read(path, &len);
	if (!text)
		return 0;   /* unreadable: libnftables reports it better */
	s->d->files++;
	s->depth++;
	rc = scan_text(s, path, text, len);
	s->depth--;
	free(text);
	return rc;
}

int trace_defines_load(const char *policy, struct trace_defines *d, struct xerr *e)
{
	char entry[4096], incdir[4096];
	struct dscan s = { .d = d, .e = e };

	memset(d, 0, sizeof(*d));
	if (policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), e))
		return -1;
	s.dirs[0] = incdir;
	s.dirs[1] = "/etc";
	if (scan_file(&s, entry) < 0) {
		trace_defines_free(d);
		return -1;
	}
	return 0;
}

int trace_defines_scan_text(const char *text, const char *dir, struct trace_defines *d,
			    struct xerr *e)
{
	struct dscan s = { .d = d, .e = e, .dirs = { dir, NULL } };

	memset(d, 0, sizeof(*d));
	if (scan_text(&s, "", text, strlen(text)) < 0) {
		trace_defines_free(d);
		return -1;
	}
	d->files = 1;
	return 0;
}
