// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What only the policy's source files show: its defines (the host's
 * interface names, to check rules against) and `flush ruleset` commands,
 * which leave no trace in a listing. A statement scanner, not a parser: it
 * reads the statements core/nftsrc.h splits (comments dropped), follows
 * includes in load order, drops strings' quotes, and looks at the first
 * words of each statement.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/lint_int.h"
#include "core/nftsrc.h"

struct scan {
	struct lint_source *out;
	const char *dirs[2];
	size_t ndirs;
	int depth;
	bool oom;
	char table[300];   /* "inet fw4": the table block the scan is in, or "" */
};

static void scan_file(struct scan *S, const char *path);

/* ---- results ------------------------------------------------------------------------ */

static char *dup_or(struct scan *S, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		S->oom = true;
	return d;
}

static void add_define(struct scan *S, const char *name, const char *value, bool quoted,
		       const char *file, int line)
{
	struct lint_source *o = S->out;
	struct lint_define *v = realloc(o->defines, (o->ndefines + 1) * sizeof(*v));

	if (!v) {
		S->oom = true;
		return;
	}
	o->defines = v;
	v = &v[o->ndefines++];
	v->name = dup_or(S, name);
	v->value = dup_or(S, value);
	v->quoted = quoted;
	v->file = dup_or(S, file);
	v->line = line;
}

static void add_line(struct scan *S, struct lint_srcline **vp, size_t *np, const char *text,
		     const char *file, int line)
{
	struct lint_srcline *v = realloc(*vp, (*np + 1) * sizeof(*v));

	if (!v) {
		S->oom = true;
		return;
	}
	*vp = v;
	v = &v[(*np)++];
	v->file = dup_or(S, file);
	v->line = line;
	v->text = dup_or(S, text);
}

static void add_decl_once(struct scan *S, const char *decl, const char *file, int line)
{
	struct lint_source *o = S->out;

	for (size_t i = 0; i < o->ndecls; i++) {
		if (!strcmp(o->decls[i].text, decl))
			return;
	}
	add_line(S, &o->decls, &o->ndecls, decl, file, line);
}

/*
 * `chain NAME` / `set NAME` / `map NAME` opening a block: where it is
 * declared, as "chain NAME" (the first of that name) and under its table,
 * "inet fw4 chain NAME" (two tables may each have a chain of that name).
 */
static void add_decl(struct scan *S, const char *text, const char *file, int line)
{
	char decl[300], in_table[620];
	size_t n = strcspn(text, " ");
	size_t k = strcspn(text + n + 1, " {");

	if (!text[n] || !k || k > 256)
		return;
	snprintf(decl, sizeof(decl), "%.*s %.*s", (int)n, text, (int)k, text + n + 1);
	add_decl_once(S, decl, file, line);
	if (S->table[0]) {
		snprintf(in_table, sizeof(in_table), "%s %s", S->table, decl);
		add_decl_once(S, in_table, file, line);
	}
}

/* `table [FAMILY] NAME {`: remember "FAMILY NAME" (ip when not given). */
static void enter_table(struct scan *S, const char *text)
{
	char w1[128] = "", w2[128] = "";
	int n = sscanf(text, "table %127[^ {] %127[^ {]", w1, w2);

	if (n == 2)
		snprintf(S->table, sizeof(S->table), "%s %s", w1, w2);
	else if (n == 1)
		snprintf(S->table, sizeof(S->table), "ip %s", w1);
	else
		S->table[0] = '\0';
}

void lint_source_free(struct lint_source *s)
{
	for (size_t i = 0; i < s->ndefines; i++) {
		free(s->defines[i].name);
		free(s->defines[i].value);
		free(s->defines[i].file);
	}
	for (size_t i = 0; i < s->nflushes; i++) {
		free(s->flushes[i].file);
		free(s->flushes[i].text);
	}
	for (size_t i = 0; i < s->ndecls; i++) {
		free(s->decls[i].file);
		free(s->decls[i].text);
	}
	free(s->defines);
	free(s->flushes);
	free(s->decls);
	memset(s, 0, sizeof(*s));
}

/* ---- statements ------------------------------------------------------------------------ */

/* Copy src into dst (cap bytes) collapsing whitespace and removing quotes. */
static bool clean(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	bool quoted = false;

	for (; *src && n + 1 < cap; src++) {
		if (*src == '"') {
			quoted = true;
			continue;
		}
		if (isspace((unsigned char)*src)) {
			if (n && dst[n - 1] != ' ')
				dst[n++] = ' ';
			continue;
		}
		dst[n++] = *src;
	}
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
	return quoted;
}

static bool starts_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(s, w, n) && (!s[n] || isspace((unsigned char)s[n]));
}

static void include_pattern(struct scan *S, const char *pattern);

/* `define NAME = VALUE` (or redefine) */
static void statement_define(struct scan *S, const char *s, const char *file, int line)
{
	struct nftsrc_define d;
	char value[1024];
	bool quoted;

	if (!nftsrc_define(s, &d) || d.undefine)
		return;
	quoted = clean(value, sizeof(value), d.value);
	add_define(S, d.name, value, quoted, file, line);
}

static void statement(struct scan *S, const char *s, const char *file, int line)
{
	char text[1024];

	while (*s == ' ' || *s == '\t' || *s == '{' || *s == '}')
		s++;
	if (nftsrc_include_name(s, text, sizeof(text))) {
		include_pattern(S, text);
	} else if (starts_word(s, "define") || starts_word(s, "redefine")) {
		statement_define(S, s, file, line);
	} else if (starts_word(s, "flush")) {
		clean(text, sizeof(text), s);
		if (!strcmp(text, "flush ruleset") || !strncmp(text, "flush ruleset ", 14))
			add_line(S, &S->out->flushes, &S->out->nflushes, text, file, line);
	} else if (starts_word(s, "chain") || starts_word(s, "set") || starts_word(s, "map")) {
		clean(text, sizeof(text), s);
		add_decl(S, text, file, line);
	} else if (starts_word(s, "table")) {
		clean(text, sizeof(text), s);
		enter_table(S, text);
	}
}

/* ---- the statements of a file, as nftsrc splits them ------------------------------------- */

static int read_statement(void *ctx, const struct nftsrc_stmt *st)
{
	struct scan *S = ctx;

	statement(S, st->text, st->file, st->line);
	return S->oom ? -1 : 0;
}

/* a table's name stays until the next `table`: only block heads are looked at */
static void close_block(void *ctx)
{
	(void)ctx;
}

static const struct nftsrc_reader reader = {
	nftsrc_opens_block, read_statement, close_block, NULL, NULL,
};

static void scan_text(struct scan *S, const char *file, const char *t, size_t len)
{
	if (nftsrc_statements(file, t, len, &reader, S) < 0)
		S->oom = true;
}

static void scan_file(struct scan *S, const char *path)
{
	size_t len = 0;
	char *text;

	if (S->depth >= NFTSRC_MAX_DEPTH)
		return;
	text = nftsrc_read(path, &len);
	if (!text)
		return;
	S->out->files++;
	S->depth++;
	scan_text(S, path, text, len);
	S->depth--;
	free(text);
}

static int include_file(void *ctx, const char *path)
{
	scan_file(ctx, path);
	return 0;
}

static void include_pattern(struct scan *S, const char *pattern)
{
#ifdef XNFT_FUZZING
	/* fuzzed text must not read the build machine's files */
	return;
#endif
	nftsrc_include(pattern, S->dirs, S->ndirs, include_file, S);
}

int lint_source_scan(const char *entry, const char *incdir, struct lint_source *out,
		     struct xerr *e)
{
	struct scan S = { .out = out };

	memset(out, 0, sizeof(*out));
	if (incdir)
		S.dirs[S.ndirs++] = incdir;
	S.dirs[S.ndirs++] = "/etc";
	scan_file(&S, entry);
	if (S.oom) {
		lint_source_free(out);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading the policy's sources");
	}
	return 0;
}

int lint_source_scan_buffer(const char *name, const char *text, struct lint_source *out,
			    struct xerr *e)
{
	struct scan S = { .out = out };

	memset(out, 0, sizeof(*out));
	S.depth = 1;
	out->files = 1;
	scan_text(&S, name, text, strlen(text));
	if (S.oom) {
		lint_source_free(out);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading the policy's sources");
	}
	return 0;
}

/* ---- defines ----------------------------------------------------------------------------- */

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '*' ||
	       c == '$' || c == ':' || c == '/' || c == '@';
}

void lint_define_names(const char *value, void (*fn)(const char *name, void *arg), void *arg)
{
	char name[64];

	while (value && *value) {
		size_t n = 0;

		while (*value && !name_char(*value))
			value++;
		while (name_char(value[n]))
			n++;
		if (n && n < sizeof(name) && value[0] != '$') {
			memcpy(name, value, n);
			name[n] = '\0';
			fn(name, arg);
		}
		value += n;
	}
}

/* IFNAMSIZ is 16: at most 15 characters, and not a number or an address. */
static bool ifname_like(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 15 || !isalpha((unsigned char)s[0]))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-*") == n;
}

static void check_name(const char *name, void *arg)
{
	bool *all = arg;

	if (!ifname_like(name))
		*all = false;
}

static bool iface_suffix(const char *name)
{
	static const char *const suf[] = {
		"_IF", "_IFS", "IFACE", "IFACES", "_DEV", "_DEVS", "IFNAME", "IFNAMES",
		"INTERFACE", "INTERFACES", "_NIC", "_NICS",
	};
	size_t n = strlen(name);

	/* int_if1, ext_if2: a number after the suffix */
	while (n && isdigit((unsigned char)name[n - 1]))
		n--;
	if ((n == 2 && !strncasecmp(name, "IF", 2)) || (n == 5 && !strncasecmp(name, "IFACE", 5)))
		return true;
	for (size_t i = 0; i < sizeof(suf) / sizeof(suf[0]); i++) {
		size_t k = strlen(suf[i]);

		if (n > k && !strncasecmp(name + n - k, suf[i], k))
			return true;
	}
	return false;
}

bool lint_define_is_iface(const struct lint_define *d)
{
	bool all = true;

	if (!d->value || !d->value[0])
		return false;
	lint_define_names(d->value, check_name, &all);
	if (!all)
		return false;
	if (iface_suffix(d->name))
		return true;
	/* `define WAN = "eth0"`: a quoted name under a name that says what it is */
	return d->quoted && (strstr(d->name, "WAN") || strstr(d->name, "LAN") ||
			     strstr(d->name, "MESH") || strstr(d->name, "DMZ") ||
			     strstr(d->name, "VPN") || strstr(d->name, "WG"));
}

const struct lint_srcline *lint_chain_decl(const struct lint_ctx *x, const struct rs_chain *c)
{
	const struct lint_srcline *l;
	char decl[600];

	snprintf(decl, sizeof(decl), "%s %s chain %s", rs_family_name(c->table->family),
		 c->table->name, c->name);
	l = lint_decl(x, decl);
	if (l)
		return l;
	snprintf(decl, sizeof(decl), "chain %s", c->name);
	return lint_decl(x, decl);
}

const struct lint_srcline *lint_decl(const struct lint_ctx *x, const char *decl)
{
	for (size_t i = 0; x->src && i < x->src->ndecls; i++) {
		if (!strcmp(x->src->decls[i].text, decl))
			return &x->src->decls[i];
	}
	return NULL;
}

/* ---- XL060 ---------------------------------------------------------------------------------- */

bool lint_is_xnft_policy(const struct lint_ctx *x)
{
	for (size_t t = 0; x->rs && t < x->rs->ntables; t++) {
		const struct rs_table *tb = x->rs->tables[t];

		if (tb->family == RS_FAM_INET && !strcmp(tb->name, "xnft"))
			return true;
	}
	return !x->rs;
}

void lint_check_sources(struct lint_ctx *x)
{
	/*
	 * An error in xnft's own policy, which `xnft apply` loads on a running
	 * host next to Docker's and libvirt's tables; a warning elsewhere: every
	 * distribution's /etc/nftables.conf starts with it, loaded at boot
	 * before anyone else's tables.
	 */
	enum lint_severity sev = lint_is_xnft_policy(x) ? LINT_ERROR : LINT_WARNING;

	for (size_t i = 0; x->src && i < x->src->nflushes; i++) {
		const struct lint_srcline *l = &x->src->flushes[i];
		struct lint_finding *f;

		f = lint_add_at(x->out, "XL060", sev, l->file, l->line,
				"`flush ruleset` deletes every table of every family, Docker's, "
				"libvirt's and Tailscale's included; their networking breaks "
				"until they rebuild their rules");
		lint_text(f, l->text);
		lint_hint(f, "replace only your own table: `table inet NAME` then "
			  "`delete table inet NAME` before its definition (one transaction)");
	}
}
