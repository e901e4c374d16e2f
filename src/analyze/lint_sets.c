// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Set elements: overlapping intervals (XL061; a policy that does not load
 * because of them gets the same id from its load diagnostic, lint.c), and
 * duplicate elements or two prefixes that are one prefix together (XL062).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lint_int.h"
#include "core/addr.h"

#define SPAN_BYTES RS_VALUE_BYTES

struct span {
	uint8_t lo[SPAN_BYTES], hi[SPAN_BYTES];
	unsigned plen;     /* prefix length, or 0 when the element is not a prefix */
	const struct rs_term *key;
};

static bool span_of(const struct rs_term *t, unsigned nbytes, struct span *s)
{
	memset(s, 0, sizeof(*s));
	s->key = t;
	switch (t->kind) {
	case RS_TERM_VALUE:
		memcpy(s->lo, t->v.b, nbytes);
		memcpy(s->hi, t->v.b, nbytes);
		return true;
	case RS_TERM_RANGE:
		memcpy(s->lo, t->v.b, nbytes);
		memcpy(s->hi, t->hi.b, nbytes);
		return true;
	case RS_TERM_PREFIX:
		if (t->plen > nbytes * 8)
			return false;
		s->plen = t->plen;
		addr_prefix_bounds(t->v.b, nbytes, t->plen, s->lo, s->hi);
		return true;
	default:
		return false;
	}
}

static int span_cmp(const void *a, const void *b, void *arg)
{
	const struct span *x = a, *y = b;
	unsigned n = *(const unsigned *)arg;
	int c = memcmp(x->lo, y->lo, n);

	return c ? c : memcmp(x->hi, y->hi, n);
}

/* a + 1 == b, big-endian over n bytes */
static bool next_to(const uint8_t *a, const uint8_t *b, unsigned n)
{
	uint8_t t[SPAN_BYTES];
	int i;

	memcpy(t, a, n);
	for (i = (int)n - 1; i >= 0 && ++t[i] == 0; i--)
		;
	return i >= 0 && !memcmp(t, b, n);
}

/* Two adjacent /L prefixes that are the two halves of one /L-1. */
static bool halves(const struct span *a, const struct span *b, unsigned n)
{
	unsigned bit;

	if (!a->plen || a->plen != b->plen || !next_to(a->hi, b->lo, n))
		return false;
	bit = a->plen - 1;
	return !(a->lo[bit / 8] & (0x80 >> (bit % 8)));
}

struct place {
	const struct rs_rule *rule;       /* an anonymous set in a rule */
	const struct rs_set *set;         /* a named set */
};

static struct lint_finding *report(struct lint_ctx *x, const struct place *p, const char *id,
				   enum lint_severity sev, const char *what)
{
	const struct lint_srcline *decl;
	struct lint_finding *f;
	char name[300];

	if (p->rule)
		return lint_add(x, id, sev, p->rule, "in the set of this rule: %s", what);
	snprintf(name, sizeof(name), "set %s", p->set->name);
	decl = lint_decl(x, name);
	if (!decl) {
		snprintf(name, sizeof(name), "map %s", p->set->name);
		decl = lint_decl(x, name);
	}
	f = lint_add_at(x->out, id, sev, decl ? decl->file : NULL, decl ? decl->line : 0,
			"in set @%s: %s", p->set->name, what);
	lint_where(f, "%s %s @%s", rs_family_name(p->set->table->family), p->set->table->name,
		   p->set->name);
	return f;
}

enum { K_DUP, K_OVERLAP, K_HALVES, K__N };

/* What a pair of sorted elements is; -1 when nothing is wrong. */
static int classify(const struct span *a, const struct span *b, unsigned n)
{
	if (!memcmp(a->lo, b->lo, n) && !memcmp(a->hi, b->hi, n))
		return K_DUP;
	if (memcmp(b->lo, a->hi, n) <= 0)
		return K_OVERLAP;
	if (halves(a, b, n))
		return K_HALVES;
	return -1;
}

struct tally {
	size_t count[K__N];
	const struct span *first[K__N][2];
};

static void say(struct lint_ctx *x, const struct place *p, const struct tally *t, int k)
{
	const struct span *a = t->first[k][0], *b = t->first[k][1];
	char *ta = rs_term_format(a->key), *tb = rs_term_format(b->key);
	struct lint_finding *f;
	char what[900], more[64] = "";

	if (t->count[k] > 1)
		snprintf(more, sizeof(more), " (and %zu more like it)", t->count[k] - 1);
	if (k == K_DUP)
		snprintf(what, sizeof(what), "%s is listed twice%s", ta ? ta : "an element", more);
	else if (k == K_OVERLAP)
		snprintf(what, sizeof(what), "%s and %s overlap%s: in an interval set nft refuses "
			 "the file (\"conflicting intervals specified\")", ta ? ta : "an element",
			 tb ? tb : "another", more);
	else
		snprintf(what, sizeof(what), "%s and %s are the two halves of one prefix%s",
			 ta ? ta : "an element", tb ? tb : "another", more);
	f = report(x, p, k == K_OVERLAP ? "XL061" : "XL062",
		   k == K_OVERLAP ? LINT_WARNING : LINT_INFO, what);
	if (k == K_DUP)
		lint_hint(f, "remove the duplicate");
	else if (k == K_OVERLAP)
		lint_hint(f, "keep only the wider element, or split them so they do not overlap");
	else
		lint_hint(f, "write the one prefix of length /%u instead", a->plen - 1);
	free(ta);
	free(tb);
}

static void tally_pairs(const struct span *v, size_t k, unsigned n, struct tally *t)
{
	const struct span *widest = &v[0];   /* the element reaching highest so far */

	for (size_t i = 1; i < k; i++) {
		int c = classify(&v[i - 1], &v[i], n);

		/* an earlier, wider element may cover this one too */
		if (c < 0 && memcmp(v[i].lo, widest->hi, n) <= 0) {
			c = K_OVERLAP;
			t->first[c][0] = t->count[c] ? t->first[c][0] : widest;
			t->first[c][1] = t->count[c] ? t->first[c][1] : &v[i];
			t->count[c]++;
		} else if (c >= 0) {
			t->first[c][0] = t->count[c] ? t->first[c][0] : &v[i - 1];
			t->first[c][1] = t->count[c] ? t->first[c][1] : &v[i];
			t->count[c]++;
		}
		if (memcmp(v[i].hi, widest->hi, n) > 0)
			widest = &v[i];
	}
}

static void check_elems(struct lint_ctx *x, const struct place *p, const struct rs_elem *els,
			size_t n, unsigned bits)
{
	unsigned nbytes = (bits + 7) / 8;
	struct tally t;
	struct span *v;
	size_t k = 0;

	if (n < 2 || !bits || nbytes > SPAN_BYTES)
		return;
	v = calloc(n, sizeof(*v));
	if (!v) {
		x->out->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		k += span_of(&els[i].key, nbytes, &v[k]);
	qsort_r(v, k, sizeof(*v), span_cmp, &nbytes);
	memset(&t, 0, sizeof(t));
	if (k > 1)
		tally_pairs(v, k, nbytes, &t);
	/* one finding per kind and set: a generated list must not print a line a pair */
	for (int i = 0; i < K__N; i++) {
		if (t.count[i])
			say(x, p, &t, i);
	}
	free(v);
}

static void rule_sets(struct lint_ctx *x, const struct rs_rule *r)
{
	struct place p = { .rule = r };

	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];
		const struct rs_expr *l;

		if (s->kind != RS_ST_MATCH || s->u.match.right.kind != RS_TERM_SET)
			continue;
		l = lint_unmask(s->u.match.left, NULL);
		if (l && l->kind != RS_EX_CONCAT && l->bits)
			check_elems(x, &p, s->u.match.right.elems, s->u.match.right.nelems,
				    l->bits);
	}
}

void lint_check_sets(struct lint_ctx *x)
{
	for (size_t t = 0; x->rs && t < x->rs->ntables; t++) {
		const struct rs_table *tb = x->rs->tables[t];

		for (size_t i = 0; i < tb->nsets; i++) {
			const struct rs_set *s = tb->sets[i];
			struct place p = { .set = s };

			if (s->key.n == 1)
				check_elems(x, &p, s->elems, s->nelems, s->key.part[0].bits);
		}
	}
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++)
			rule_sets(x, &x->ch[c].c->rules[i]);
	}
}
