// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify: each intent becomes a BDD over the header space and is checked
 * against the accept BDD of its hook path. Semantics in verify.h.
 */
#include "analyze/verify.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFINES_FILE_MAX (4 * 1024 * 1024)
#define INCLUDE_DEPTH 16
#define RESOLVE_ROUNDS 8

/* ---- the policy's defines ------------------------------------------------------ */

void verify_defines_free(struct verify_defines *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->name[i]);
		free(d->value[i]);
	}
	free(d->name);
	free(d->value);
	memset(d, 0, sizeof(*d));
}

static int def_set(struct verify_defines *d, const char *name, size_t nlen, const char *value,
		   size_t vlen)
{
	char **nn, **nv;
	char *v = strndup(value, vlen);

	if (!v)
		return -1;
	for (size_t i = 0; i < d->n; i++)
		if (strlen(d->name[i]) == nlen && !memcmp(d->name[i], name, nlen)) {
			free(d->value[i]);
			d->value[i] = v;
			return 0;
		}
	nn = realloc(d->name, (d->n + 1) * sizeof(*nn));
	if (nn)
		d->name = nn;
	nv = realloc(d->value, (d->n + 1) * sizeof(*nv));
	if (nv)
		d->value = nv;
	if (!nn || !nv) {
		free(v);
		return -1;
	}
	d->name[d->n] = strndup(name, nlen);
	if (!d->name[d->n]) {
		free(v);
		return -1;
	}
	d->value[d->n++] = v;
	return 0;
}

static void def_unset(struct verify_defines *d, const char *name, size_t nlen)
{
	for (size_t i = 0; i < d->n; i++)
		if (strlen(d->name[i]) == nlen && !memcmp(d->name[i], name, nlen)) {
			free(d->name[i]);
			free(d->value[i]);
			d->name[i] = d->name[d->n - 1];
			d->value[i] = d->value[d->n - 1];
			d->n--;
			return;
		}
}

static bool is_name_char(int c)
{
	return isalnum(c) || c == '_';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* End of the statement's text on this line: before a '#' outside quotes. */
static const char *text_end(const char *p, const char *end)
{
	bool q = false;

	for (const char *s = p; s < end; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == '#' && !q)
			end = s;
	}
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == ';'))
		end--;
	return end;
}

static bool word_at(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) > n && !memcmp(p, w, n) && (p[n] == ' ' || p[n] == '\t');
}

static int scan_file(const char *path, const char *incdir, struct verify_defines *d, int depth,
		     struct xerr *e);

static int include_one(const char *spec, size_t len, const char *incdir,
		       struct verify_defines *d, int depth, struct xerr *e)
{
	char pat[PATH_MAX];
	glob_t g;
	int rc = 0;

	if (len && spec[0] == '/')
		snprintf(pat, sizeof(pat), "%.*s", (int)len, spec);
	else
		snprintf(pat, sizeof(pat), "%s/%.*s", incdir, (int)len, spec);
	memset(&g, 0, sizeof(g));
	if (glob(pat, 0, NULL, &g) != 0) {
		globfree(&g);
		return 0;   /* libnftables reports a missing include better */
	}
	for (size_t i = 0; i < g.gl_pathc && !rc; i++)
		rc = scan_file(g.gl_pathv[i], incdir, d, depth + 1, e);
	globfree(&g);
	return rc;
}

static int scan_line(const char *p, const char *end, const char *incdir,
		     struct verify_defines *d, int depth, struct xerr *e)
{
	const char *n, *ne, *v;

	p = skip_ws(p, end);
	end = text_end(p, end);
	if (word_at(p, end, "include")) {
		p = skip_ws(p + 7, end);
		if (p < end && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));

			if (q)
				return include_one(p + 1, (size_t)(q - p - 1), incdir, d, depth, e);
		}
		return 0;
	}
	if (word_at(p, end, "undefine")) {
		n = skip_ws(p + 8, end);
		for (ne = n; ne < end && is_name_char(*ne); ne++)
			;
		def_unset(d, n, (size_t)(ne - n));
		return 0;
	}
	if (word_at(p, end, "define"))
		n = skip_ws(p + 6, end);
	else if (word_at(p, end, "redefine"))
		n = skip_ws(p + 8, end);
	else
		return 0;
	for (ne = n; ne < end && is_name_char(*ne); ne++)
		;
	v = skip_ws(ne, end);
	if (ne == n || v >= end || *v != '=')
		return 0;
	v = skip_ws(v + 1, end);
	if (def_set(d, n, (size_t)(ne - n), v, (size_t)(end - v)))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading defines");
	return 0;
}

static int scan_file(const char *path, const char *incdir, struct verify_defines *d, int depth,
		     struct xerr *e)
{
	FILE *f;
	char *buf;
	size_t len;
	const char *p, *end;
	int rc = 0;

	if (depth > INCLUDE_DEPTH)
		return 0;
	f = fopen(path, "rb");
	if (!f) {
		if (depth)
			return 0;
		xerr_at(e, XNFT_EXIT_USAGE, path, 0, 0, "cannot read the policy: %s",
			strerror(errno));
		return xerr_hint(e, "give a readable policy file or directory");
	}
	buf = malloc(DEFINES_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading %s", path);
	}
	len = fread(buf, 1, DEFINES_FILE_MAX, f);
	fclose(f);
	buf[len] = '\0';
	p = buf;
	end = buf + len;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		rc = scan_line(p, le, incdir, d, depth, e);
		p = nl ? nl + 1 : end;
	}
	free(buf);
	return rc;
}

int verify_defines_load(const char *entry, const char *incdir, struct verify_defines *d,
			struct xerr *e)
{
	memset(d, 0, sizeof(*d));
	if (scan_file(entry, incdir, d, 0, e)) {
		verify_defines_free(d);
		return -1;
	}
	return 0;
}

int verify_defines_lookup(void *ctx, const char *name, char *value, size_t size)
{
	const struct verify_defines *d = ctx;

	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->name[i], name)) {
			snprintf(value, size, "%s", d->value[i]);
			return 0;
		}
	return -1;
}

/* ---- intents with the defines put in ---------------------------------------------- */

/* text with every $NAME replaced by its value, rounds until none is left. */
static int substitute(const char *text, const struct verify_defines *d, char *out, size_t size,
		      const struct intent *it, struct xerr *e)
{
	char a[INTENT_LINE_MAX], b[INTENT_LINE_MAX];

	snprintf(a, sizeof(a), "%s", text);
	for (int round = 0; round < RESOLVE_ROUNDS; round++) {
		size_t o = 0;
		bool any = false, q = false;

		for (const char *p = a; *p && o + 1 < sizeof(b); p++) {
			char name[MATCH_NAME_MAX], val[INTENT_LINE_MAX];
			size_t n = 0;

			if (*p == '"')
				q = !q;
			if (*p == '#' && !q) {
				/* keep the comment out: it may hold a '$' */
				break;
			}
			if (*p != '$' || q || !is_name_char((unsigned char)p[1])) {
				b[o++] = *p;
				continue;
			}
			while (is_name_char((unsigned char)p[1 + n]) && n + 1 < sizeof(name)) {
				name[n] = p[1 + n];
				n++;
			}
			name[n] = '\0';
			if (verify_defines_lookup((void *)d, name, val, sizeof(val))) {
				xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, 0,
					"'$%s' is not defined by the policy", name);
				return xerr_hint(e, "define %s in the policy, or write its value in "
						 "the intent", name);
			}
			o += (size_t)snprintf(b + o, sizeof(b) - o, "%s", val);
			if (o >= sizeof(b)) {
				return xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, 0,
					       "the intent is longer than %d characters with the "
					       "defines put in", INTENT_LINE_MAX);
			}
			p += n;
			any = true;
		}
		b[o] = '\0';
		snprintf(a, sizeof(a), "%s", b);
		if (!any) {
			snprintf(out, size, "%s", a);
			return 0;
		}
	}
	return xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, 0,
		       "the defines in this intent refer to each other without end");
}

/* ---- proving ------------------------------------------------------------------------- */

static bool names_fragment(const struct match_list *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->cond[i].field == MF_FRAGMENT || m->cond[i].field == MF_IP_FRAG_OFF)
			return true;
	return false;
}

static enum sx_path path_of(enum intent_hook h)
{
	switch (h) {
	case INTENT_FORWARD: return SX_FORWARD;
	case INTENT_OUTPUT: return SX_OUTPUT;
	default: return SX_INPUT;
	}
}

static int add_condition(struct verify_item *vi, const char *text)
{
	char **v = realloc(vi->conditions, (vi->nconditions + 1) * sizeof(*v));

	if (!v)
		return -1;
	vi->conditions = v;
	v[vi->nconditions] = strdup(text);
	if (!v[vi->nconditions])
		return -1;
	vi->nconditions++;
	return 0;
}

/* The free choices the accept BDD of this very packet depends on. */
static int record_conditions(struct hspace *hs, const struct sx_result *sx,
			     struct verify_item *vi, const unsigned char *fv)
{
	BDD cube = hs_packet_bdd(hs, &vi->pkt, vi->path);
	BDD a = bdd_addref(bdd_and(sx->accept[vi->path], cube));
	BDD sup = bdd_addref(bdd_support(a));
	int *vars = NULL, n = 0, rc = 0;

	bdd_delref(cube);
	if (bdd_scanset(sup, &vars, &n) == 0) {
		for (int i = 0; i < n && !rc; i++) {
			const struct hs_freevar *f = hs_freevar_of(hs, vars[i]);
			size_t k;

			if (!f)
				continue;
			k = (size_t)(f - hs->fv);
			rc = add_condition(vi, fv[k] ? f->when_true : f->when_false);
		}
		free(vars);
	}
	bdd_delref(sup);
	bdd_delref(a);
	return rc;
}

static int counterexample(struct hspace *hs, const struct sx_result *sx, BDD bad,
			  struct verify_item *vi, bool with_choices, struct xerr *e)
{
	unsigned char *fv = calloc(hs->nfv ? hs->nfv : 1, 1);
	int rc;

	if (!fv)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	rc = hs_pick_packet(hs, bad, vi->path, true, &vi->pkt, fv, e);
	if (!rc && with_choices && record_conditions(hs, sx, vi, fv))
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	free(fv);
	return rc;
}

static int prove(struct hspace *hs, const struct ruleset *rs, const struct sx_result *sx,
		 const struct intent *it, struct verify_item *vi, BDD acc_wb, BDD acc_any,
		 struct xerr *e)
{
	BDD m, bad = bddfalse;
	enum sx_path p = vi->path;

	if (sx_match_list_bdd(hs, rs, &it->match, p, &m, e))
		return -1;
	switch (it->kind) {
	case INTENT_ACCEPT:
		if (!names_fragment(&it->match)) {
			BDD whole = hs_masked_eq(hs, HS_FRAGOFF, 0x3fff, 0);
			BDD x = bdd_addref(bdd_and(m, whole));

			bdd_delref(whole);
			bdd_delref(m);
			m = x;
		}
		bad = bdd_addref(bdd_apply(m, acc_wb, bddop_diff));
		break;
	case INTENT_DROP:
		bad = bdd_addref(bdd_and(m, acc_any));
		break;
	case INTENT_ONLY: {
		BDD allow = bddfalse;

		for (size_t i = 0; i < it->nallow; i++) {
			BDD a, x;

			if (sx_match_list_bdd(hs, rs, &it->allow[i], p, &a, e)) {
				bdd_delref(allow);
				bdd_delref(m);
				return -1;
			}
			x = bdd_addref(bdd_or(allow, a));
			bdd_delref(allow);
			bdd_delref(a);
			allow = x;
		}
		{
			BDD rest = bdd_addref(bdd_apply(m, allow, bddop_diff));

			bad = bdd_addref(bdd_and(rest, acc_any));
			bdd_delref(rest);
		}
		bdd_delref(allow);
		break;
	}
	}
	bdd_delref(m);
	if (hs_check(hs, e)) {
		bdd_delref(bad);
		return -1;
	}
	vi->holds = bad == bddfalse;
	if (!vi->holds) {
		vi->accepted = it->kind != INTENT_ACCEPT;
		if (counterexample(hs, sx, bad, vi, it->kind != INTENT_ACCEPT, e)) {
			bdd_delref(bad);
			return -1;
		}
	}
	bdd_delref(bad);
	return 0;
}

static int resolve_intent(const struct intent *it, const struct verify_defines *defs,
			  struct intents *one, char *resolved, size_t size, struct xerr *e)
{
	if (substitute(it->text, defs, resolved, size, it, e))
		return -1;
	if (intents_parse(one, it->file, resolved, strlen(resolved), e)) {
		e->line = it->line;
		return xerr_wrap(e, "with the policy's defines put in ('%s')", resolved);
	}
	if (one->n != 1) {
		intents_free(one);
		return xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, it->col,
			       "this intent does not stand alone once its defines are put in");
	}
	return 0;
}

int verify_intents(struct hspace *hs, const struct ruleset *rs, const struct sx_result *sx,
		   const struct intents *in, const struct verify_defines *defs,
		   struct verify_result *out, struct xerr *e)
{
	BDD wb[SX__NPATHS], any[SX__NPATHS];
	int rc = 0;

	out->items = calloc(in->n ? in->n : 1, sizeof(*out->items));
	if (!out->items)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	out->n = in->n;
	for (int p = 0; p < SX__NPATHS; p++) {
		wb[p] = sx_accept_wb(hs, sx, (enum sx_path)p);
		any[p] = sx_accept_any(hs, sx, (enum sx_path)p);
	}
	for (size_t i = 0; i < in->n && !rc; i++) {
		struct verify_item *vi = &out->items[i];
		struct intents one;

		vi->intent = &in->v[i];
		vi->path = path_of(in->v[i].hook);
		rc = resolve_intent(&in->v[i], defs, &one, vi->resolved, sizeof(vi->resolved), e);
		if (rc)
			break;
		one.v[0].file = in->v[i].file;
		one.v[0].line = in->v[i].line;
		rc = prove(hs, rs, sx, &one.v[0], vi, wb[vi->path], any[vi->path], e);
		if (rc && !e->file[0]) {
			snprintf(e->file, sizeof(e->file), "%s", in->v[i].file);
			e->line = in->v[i].line;
		}
		intents_free(&one);
		if (!rc) {
			if (vi->holds)
				out->held++;
			else
				out->violated++;
		}
	}
	for (int p = 0; p < SX__NPATHS; p++) {
		bdd_delref(wb[p]);
		bdd_delref(any[p]);
	}
	return rc;
}

static void items_free(struct verify_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < r->items[i].nconditions; k++)
			free(r->items[i].conditions[k]);
		free(r->items[i].conditions);
	}
	free(r->items);
	r->items = NULL;
	r->n = 0;
}

void verify_result_free(struct verify_result *r)
{
	if (!r)
		return;
	items_free(r);
	intents_free(&r->intents);
	memset(r, 0, sizeof(*r));
}

static int intents_next_to(const char *entry, char *buf, size_t size)
{
	const char *slash = strrchr(entry, '/');

	if (slash)
		snprintf(buf, size, "%.*s/intents", (int)(slash - entry), entry);
	else
		snprintf(buf, size, "intents");
	return 0;
}

int verify_policy(const char *entry, const char *incdir, const struct ruleset *rs,
		  const char *intents_path, struct verify_result *out, struct xerr *e)
{
	struct verify_defines defs;
	const struct ruleset *v[1] = { rs };
	struct hspace *hs = NULL;
	struct sx_result *sx = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (intents_path)
		snprintf(out->intents_path, sizeof(out->intents_path), "%s", intents_path);
	else
		intents_next_to(entry, out->intents_path, sizeof(out->intents_path));
	if (intents_load(&out->intents, out->intents_path, e))
		return -1;
	if (verify_defines_load(entry, incdir, &defs, e)) {
		verify_result_free(out);
		return -1;
	}
	rc = hs_new(v, 1, &hs, e);
	if (!rc)
		rc = sx_run(hs, rs, NULL, &sx, e);
	if (!rc)
		rc = verify_intents(hs, rs, sx, &out->intents, &defs, out, e);
	sx_result_free(sx);
	hs_free(hs);
	verify_defines_free(&defs);
	if (rc)
		verify_result_free(out);
	return rc;
}

char *verify_item_format(const struct verify_item *it)
{
	char pkt[PACKET_TEXT_MAX];
	size_t size = 8192, o = 0;
	char *s = malloc(size);

	if (!s)
		return NULL;
	o += (size_t)snprintf(s + o, size - o, "%s:%d: %s", it->intent->file, it->intent->line,
			      it->intent->text);
	if (it->holds) {
		snprintf(s + o, size - o, ": holds");
		return s;
	}
	packet_format_full(&it->pkt, pkt, sizeof(pkt));
	o += (size_t)snprintf(s + o, size - o, ": VIOLATED\n  %s on the %s path: %s\n",
			      it->accepted ? "accepted" : "not accepted", sx_path_name(it->path),
			      pkt);
	for (size_t i = 0; i < it->nconditions && o < size; i++)
		o += (size_t)snprintf(s + o, size - o, "%s%s%s", i ? ", " : "  conditions: ",
				      it->conditions[i], i + 1 == it->nconditions ? "\n" : "");
	if (o >= size)
		s[size - 1] = '\0';
	else if (o && s[o - 1] == '\n')
		s[o - 1] = '\0';
	return s;
}
