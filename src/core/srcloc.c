// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The source-location scanner: statements, blocks and includes of nft files,
 * just enough to know which line each rule came from.
 *
 * It reads statements the way nft separates them (nftsrc_statements: newline
 * or ';' outside braces, '\' joins lines, '#' starts a comment outside
 * strings) and keeps a stack of blocks: table, chain, and blocks it skips
 * (sets, maps, flowtables, stateful objects). Inside a chain, a statement
 * that is not a chain header (type/policy/comment/devices) is a rule.
 * Outside blocks, `add rule` and `insert rule` commands add rules, and
 * flush/delete commands forget them.
 */
#include "core/srcloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nftsrc.h"
#include "core/ruleset.h"

#define MAX_BLOCKS 32
#define MAX_WORDS 8

enum block_kind { BLK_TOP, BLK_TABLE, BLK_CHAIN, BLK_SKIP };

struct block {
	enum block_kind kind;
	char family[16];
	char table[256];
	char chain[256];
};

struct scan {
	struct srcloc *out;
	const char *const *dirs;
	size_t ndirs;
	struct block stack[MAX_BLOCKS];
	int depth;        /* stack[0] is the top level */
	int skip_extra;   /* braces opened beyond the stack's capacity or in skipped blocks */
	int includes;     /* current include nesting */
	bool oom;
};

/* ---- results ----------------------------------------------------------------- */

static void chain_clear(struct srcloc_chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].file);
		free(c->v[i].text);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

void srcloc_free(struct srcloc *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		chain_clear(&s->chains[i]);
		for (size_t k = 0; k < s->chains[i].ndevices; k++)
			free(s->chains[i].devices[k]);
		free(s->chains[i].devices);
		free(s->chains[i].family);
		free(s->chains[i].table);
		free(s->chains[i].chain);
	}
	free(s->chains);
	memset(s, 0, sizeof(*s));
}

const struct srcloc_chain *srcloc_find(const struct srcloc *s, const char *family,
				       const char *table, const char *chain)
{
	for (size_t i = 0; s && i < s->n; i++) {
		const struct srcloc_chain *c = &s->chains[i];

		if (!strcmp(c->family, family) && !strcmp(c->table, table) &&
		    !strcmp(c->chain, chain))
			return c;
	}
	return NULL;
}

static struct srcloc_chain *chain_get(struct scan *S, const char *family, const char *table,
				      const char *chain)
{
	struct srcloc *s = S->out;
	struct srcloc_chain *v, *c;

	c = (struct srcloc_chain *)srcloc_find(s, family, table, chain);
	if (c)
		return c;
	v = realloc(s->chains, (s->n + 1) * sizeof(*v));
	if (!v) {
		S->oom = true;
		return NULL;
	}
	s->chains = v;
	c = &v[s->n];
	memset(c, 0, sizeof(*c));
	c->family = strdup(family);
	c->table = strdup(table);
	c->chain = strdup(chain);
	if (!c->family || !c->table || !c->chain) {
		free(c->family);
		free(c->table);
		free(c->chain);
		S->oom = true;
		return NULL;
	}
	s->n++;
	return c;
}

static void record(struct scan *S, const char *family, const char *table, const char *chain,
		   const char *file, int line, const char *text, bool prepend)
{
	struct srcloc_chain *c = chain_get(S, family, table, chain);
	struct srcloc_stmt *v;

	if (!c)
		return;
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v) {
		S->oom = true;
		return;
	}
	c->v = v;
	if (prepend)
		memmove(&v[1], &v[0], c->n * sizeof(*v));
	v = prepend ? &v[0] : &v[c->n];
	v->file = strdup(file);
	v->text = strdup(text);
	v->line = line;
	c->n++;
	if (!v->file || !v->text)
		S->oom = true;
}

/* Forget rules: of one chain, of a table (chain NULL) or of everything (table NULL). */
static void forget(struct scan *S, const char *family, const char *table, const char *chain)
{
	for (size_t i = 0; i < S->out->n; i++) {
		struct srcloc_chain *c = &S->out->chains[i];

		if (table && (strcmp(c->family, family) || strcmp(c->table, table)))
			continue;
		if (chain && strcmp(c->chain, chain))
			continue;
		chain_clear(c);
		c->uncertain = false;
	}
}

static void mark_uncertain(struct scan *S, const char *family, const char *table,
			   const char *chain)
{
	struct srcloc_chain *c = chain_get(S, family, table, chain);

	if (c)
		c->uncertain = true;
}

/* ---- words ---------------------------------------------------------------------- */

struct words {
	char buf[1024];
	const char *w[MAX_WORDS];
	size_t n;
	const char *rest[MAX_WORDS]; /* rest[i]: the statement text from word i on */
};

static void split_words(const char *text, struct words *W)
{
	const char *p = text;
	char *o = W->buf;
	char *end = W->buf + sizeof(W->buf) - 1;

	W->n = 0;
	while (*p && W->n < MAX_WORDS && o < end) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		W->rest[W->n] = p;
		W->w[W->n++] = o;
		if (*p == '"') {
			/* a quoted word keeps its content without the quotes */
			p++;
			while (*p && *p != '"' && o < end)
				*o++ = *p++;
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ' ' && o < end)
				*o++ = *p++;
		}
		*o++ = '\0';
	}
}

static bool is_family(const char *w)
{
	return rs_family_lookup(w) != RS_FAM_UNKNOWN;
}

static bool word_is(const struct words *W, size_t i, const char *s)
{
	return i < W->n && !strcmp(W->w[i], s);
}

/*
 * "[family] table [chain]" starting at word i: fills the names and returns
 * the index after them, or 0 when the words are missing.
 */
static size_t object_ref(const struct words *W, size_t i, bool with_chain, char *family,
			 char *table, char *chain)
{
	size_t need = with_chain ? 2 : 1;

	if (i + need < W->n && is_family(W->w[i])) {
		snprintf(family, 16, "%s", W->w[i]);
		i++;
	} else {
		snprintf(family, 16, "ip");
	}
	if (i + need > W->n)
		return 0;
	snprintf(table, 256, "%s", W->w[i++]);
	if (with_chain)
		snprintf(chain, 256, "%s", W->w[i++]);
	return i;
}

/* ---- blocks ----------------------------------------------------------------------- */

static struct block *top(struct scan *S)
{
	return &S->stack[S->depth];
}

static void push(struct scan *S, enum block_kind kind, const char *family, const char *table,
		 const char *chain)
{
	struct block *b;

	if (S->depth + 1 >= MAX_BLOCKS) {
		S->skip_extra++;
		return;
	}
	b = &S->stack[++S->depth];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	snprintf(b->family, sizeof(b->family), "%s", family ? family : "");
	snprintf(b->table, sizeof(b->table), "%s", table ? table : "");
	snprintf(b->chain, sizeof(b->chain), "%s", chain ? chain : "");
}

static void pop(struct scan *S)
{
	if (S->skip_extra)
		S->skip_extra--;
	else if (S->depth > 0)
		S->depth--;
}

static bool is_object_keyword(const char *w)
{
	static const char *const kw[] = {
		"set", "map", "flowtable", "counter", "quota", "limit", "ct", "secmark",
		"synproxy", "meter",
	};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		if (!strcmp(w, kw[i]))
			return true;
	}
	return false;
}

/* Does a '{' after these words open a block (rather than an anonymous set)? */
static bool opens_block(void *ctx, const char *text)
{
	struct scan *S = ctx;
	struct words W;
	size_t i = 0;

	split_words(text, &W);
	if (!W.n)
		return false;
	switch (top(S)->kind) {
	case BLK_TOP:
		if (word_is(&W, 0, "add") || word_is(&W, 0, "create"))
			i = 1;
		return word_is(&W, i, "table") || (i == 1 && (word_is(&W, 1, "chain") ||
			(W.n > 1 && is_object_keyword(W.w[1]))));
	case BLK_TABLE:
		return true;
	default:
		return false;
	}
}

static void open_block(struct scan *S, const char *text)
{
	char family[16], table[256], chain[256];
	struct block *b = top(S);
	struct words W;
	size_t i = 0;

	split_words(text, &W);
	if (b->kind == BLK_TABLE) {
		/* copies: the new block is the stack slot after b */
		snprintf(family, sizeof(family), "%s", b->family);
		snprintf(table, sizeof(table), "%s", b->table);
		if (word_is(&W, 0, "chain") && W.n >= 2)
			push(S, BLK_CHAIN, family, table, W.w[1]);
		else
			push(S, BLK_SKIP, NULL, NULL, NULL);
		return;
	}
	if (word_is(&W, 0, "add") || word_is(&W, 0, "create"))
		i = 1;
	if (word_is(&W, i, "table") && object_ref(&W, i + 1, false, family, table, chain))
		push(S, BLK_TABLE, family, table, NULL);
	else if (word_is(&W, i, "chain") && object_ref(&W, i + 1, true, family, table, chain))
		push(S, BLK_CHAIN, family, table, chain);
	else
		push(S, BLK_SKIP, NULL, NULL, NULL);
}

/* ---- statements --------------------------------------------------------------------- */

static void scan_file(struct scan *S, const char *path);

static int include_file(void *ctx, const char *path)
{
	scan_file(ctx, path);
	return 0;
}

static void include_pattern(struct scan *S, const char *pattern)
{
#ifdef XNFT_FUZZING
	/* fuzzed text must not read the build machine's files */
	(void)S;
	(void)pattern;
	return;
#endif
	nftsrc_include(pattern, S->dirs, S->ndirs, include_file, S);
}

static bool is_chain_header(const struct words *W)
{
	static const char *const kw[] = { "type", "policy", "comment", "devices", "device" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		if (word_is(W, 0, kw[i]))
			return true;
	}
	return false;
}

/* `add rule [family] table chain body`, `insert rule ...` */
static void top_rule_command(struct scan *S, const struct words *W, const char *file, int line)
{
	char family[16], table[256], chain[256];
	bool insert = word_is(W, 0, "insert");
	size_t i = object_ref(W, 2, true, family, table, chain);

	if (!i)
		return;
	if (word_is(W, i, "position") || word_is(W, i, "handle") || word_is(W, i, "index")) {
		mark_uncertain(S, family, table, chain);
		return;
	}
	record(S, family, table, chain, file, line, i < W->n ? W->rest[i] : "", insert);
}

static void top_command(struct scan *S, const struct words *W, const char *file, int line)
{
	char family[16], table[256], chain[256];
	bool drop = word_is(W, 0, "delete") || word_is(W, 0, "flush") || word_is(W, 0, "destroy");

	if ((word_is(W, 0, "add") || word_is(W, 0, "insert")) && word_is(W, 1, "rule")) {
		top_rule_command(S, W, file, line);
	} else if (drop && word_is(W, 1, "ruleset")) {
		forget(S, NULL, NULL, NULL);
	} else if (drop && word_is(W, 1, "table") && object_ref(W, 2, false, family, table, chain)) {
		forget(S, family, table, NULL);
	} else if (drop && word_is(W, 1, "chain") && object_ref(W, 2, true, family, table, chain)) {
		forget(S, family, table, chain);
	} else if ((word_is(W, 0, "delete") || word_is(W, 0, "replace")) && word_is(W, 1, "rule") &&
		   object_ref(W, 2, true, family, table, chain)) {
		mark_uncertain(S, family, table, chain);
	}
}

/* One device name of a header at *p (quoted or not, up to , } ; or a space); "" at the end. */
static size_t device_word(const char **p, char *out, size_t size)
{
	const char *s = *p + strspn(*p, " ,");
	size_t n = 0;
	bool q = *s == '"';

	s += q;
	while (*s && (q ? *s != '"' : !strchr(" ,};", *s)) && n + 1 < size)
		out[n++] = *s++;
	out[n] = '\0';
	*p = s + (q && *s == '"');
	return n;
}

/*
 * A base chain's header `... device "lo" ...` or `devices = { a, b }`:
 * the devices to chain c (a $variable leaves them unknown).
 */
static void header_devices(struct scan *S, struct srcloc_chain *c, const char *text)
{
	const char *p = strstr(text, "device");
	bool many;
	char name[IFNAME_MAXLEN + 1];

	while (p && ((p > text && p[-1] != ' ') || !strchr(" s", p[6])))
		p = strstr(p + 1, "device");
	if (!c || !p || c->ndevices)
		return;
	many = p[6] == 's';
	p += many ? 7 : 6;
	p += strspn(p, " =");
	if (many && *p++ != '{')
		return;
	while (device_word(&p, name, sizeof(name)) && name[0] != '$') {
		char **v = realloc(c->devices, (c->ndevices + 1) * sizeof(*v));

		if (v)
			c->devices = v;
		if (!v || !(v[c->ndevices] = strdup(name))) {
			S->oom = true;
			return;
		}
		c->ndevices++;
		if (!many)
			break;
	}
}

static int end_statement(void *ctx, const struct nftsrc_stmt *st)
{
	struct scan *S = ctx;
	struct block *b = top(S);
	struct words W;

	if (st->opener) {
		open_block(S, st->text);
		return S->oom ? -1 : 0;
	}
	split_words(st->text, &W);
	if (word_is(&W, 0, "include") && W.n >= 2) {
		include_pattern(S, W.w[1]);
		return S->oom ? -1 : 0;
	}
	if (b->kind == BLK_CHAIN && !is_chain_header(&W))
		record(S, b->family, b->table, b->chain, st->file, st->line, st->text, false);
	else if (b->kind == BLK_CHAIN && word_is(&W, 0, "type"))
		header_devices(S, chain_get(S, b->family, b->table, b->chain), st->text);
	else if (b->kind == BLK_TOP)
		top_command(S, &W, st->file, st->line);
	return S->oom ? -1 : 0;
}

static void reader_close(void *ctx)
{
	pop(ctx);
}

static bool reader_skipping(void *ctx)
{
	struct scan *S = ctx;

	return top(S)->kind == BLK_SKIP || S->skip_extra;
}

static void reader_skip_open(void *ctx)
{
	push(ctx, BLK_SKIP, NULL, NULL, NULL);
}

static const struct nftsrc_reader reader = {
	opens_block, end_statement, reader_close, reader_skipping, reader_skip_open,
};

static void scan_text(struct scan *S, const char *file, const char *text, size_t len)
{
	if (nftsrc_statements(file, text, len, &reader, S) < 0)
		S->oom = true;
}

static void scan_file(struct scan *S, const char *path)
{
	size_t len;
	char *text;

	if (S->includes >= NFTSRC_MAX_DEPTH)
		return;
	text = nftsrc_read(path, &len);
	if (!text)
		return;
	S->out->files++;
	S->includes++;
	scan_text(S, path, text, len);
	S->includes--;
	free(text);
}

static int finish(struct scan *S, struct xerr *e)
{
	if (S->oom) {
		srcloc_free(S->out);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory scanning source locations");
	}
	return 0;
}

int srcloc_scan(const char *entry, const char *const *dirs, size_t ndirs,
		struct srcloc *out, struct xerr *e)
{
	struct scan S = { .out = out, .dirs = dirs, .ndirs = ndirs };

	memset(out, 0, sizeof(*out));
	scan_file(&S, entry);
	return finish(&S, e);
}

int srcloc_scan_buffer(const char *name, const char *text, const char *const *dirs,
		       size_t ndirs, struct srcloc *out, struct xerr *e)
{
	struct scan S = { .out = out, .dirs = dirs, .ndirs = ndirs };

	memset(out, 0, sizeof(*out));
	S.includes = 1;
	out->files = 1;
	scan_text(&S, name, text, strlen(text));
	return finish(&S, e);
}

/* ---- pairing with the listing ------------------------------------------------------ */

static int set_loc(struct rs_rule *r, const struct srcloc_stmt *st)
{
	char *file = strdup(st->file);
	char *text = strdup(st->text);

	if (!file || !text) {
		free(file);
		free(text);
		return -1;
	}
	free(r->loc.file);
	free(r->loc.text);
	r->loc.file = file;
	r->loc.text = text;
	r->loc.line = st->line;
	return 0;
}

/*
 * An anonymous chain's rules are written inside the rule that jumps to it:
 * they take its file and line (their own text comes from the model).
 */
static int inherit_loc(struct rs_chain *c)
{
	const struct rs_srcloc *from = &c->bound_by->loc;

	for (size_t i = 0; from->file && i < c->nrules; i++) {
		char *file = strdup(from->file);

		if (!file)
			return -1;
		free(c->rules[i].loc.file);
		c->rules[i].loc.file = file;
		c->rules[i].loc.line = from->line;
	}
	return 0;
}

/* The header's devices to a chain the listing gave none (out of memory: still none). */
static void take_devices(struct rs_chain *c, const struct srcloc_chain *sc)
{
	char **v = calloc(sc->ndevices, sizeof(*v));

	for (size_t i = 0; v && i < sc->ndevices; i++)
		if (!(v[i] = strdup(sc->devices[i]))) {
			while (i--)
				free(v[i]);
			free(v);
			return;
		}
	if (!v)
		return;
	c->devices = v;
	c->ndevices = sc->ndevices;
}

/*
 * The source's account of chain c of table t (NULL when none); a base
 * chain the listing gave no devices takes the source's.
 */
static const struct srcloc_chain *source_chain(const struct srcloc *s, const struct rs_table *t,
					       struct rs_chain *c)
{
	const struct srcloc_chain *sc = srcloc_find(s, rs_family_name(t->family), t->name, c->name);

	if (sc && c->base && !c->ndevices && sc->ndevices)
		take_devices(c, sc);
	return sc;
}

void srcloc_apply_devices(const struct srcloc *s, struct ruleset *rs)
{
	for (size_t ti = 0; ti < rs->ntables; ti++)
		for (size_t ci = 0; ci < rs->tables[ti]->nchains; ci++)
			source_chain(s, rs->tables[ti], rs->tables[ti]->chains[ci]);
}

size_t srcloc_apply(const struct srcloc *s, struct ruleset *rs)
{
	size_t missed = 0;

	for (size_t ti = 0; ti < rs->ntables; ti++) {
		struct rs_table *t = rs->tables[ti];

		for (size_t ci = 0; ci < t->nchains; ci++) {
			struct rs_chain *c = t->chains[ci];
			const struct srcloc_chain *sc = source_chain(s, t, c);

			if (!c->nrules)
				continue;
			/* nested ones come after their parent in the listing */
			if (c->anonymous && c->bound_by) {
				missed += inherit_loc(c) != 0;
				continue;
			}
			if (!sc || sc->uncertain || sc->n != c->nrules) {
				missed++;
				continue;
			}
			for (size_t i = 0; i < c->nrules; i++) {
				if (set_loc(&c->rules[i], &sc->v[i]))
					break;
			}
		}
	}
	return missed;
}
