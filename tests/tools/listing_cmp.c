// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listing_cmp [-n] FILE [INCLUDE_DIR]: load FILE into a fresh network namespace
 * (with -n: into the calling one, which must have no ruleset)
 * and read it back twice, through libnftables' full JSON listing and
 * through the fast listing (terse JSON + netlink element dump + lone set
 * listings). Every named set must hold the same values both ways (compared
 * as merged intervals, since either side may split or join adjacent
 * ranges), with the same comments and timeouts, and the rest of the model
 * the same counts. Prints one line per set; exits 1 on any difference.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/listing.h"
#include "core/nftctx.h"
#include "core/ruleset.h"

struct span {
	uint8_t lo[RS_VALUE_BYTES], hi[RS_VALUE_BYTES];
};

static size_t span_len;

static int span_cmp(const void *a, const void *b)
{
	return memcmp(((const struct span *)a)->lo, ((const struct span *)b)->lo, span_len);
}

/* The values a set's key term covers, as one inclusive span; -1 for other terms. */
static int term_span(const struct rs_term *t, size_t len, struct span *s)
{
	memset(s, 0, sizeof(*s));
	switch (t->kind) {
	case RS_TERM_VALUE:
		memcpy(s->lo, t->v.b, len);
		memcpy(s->hi, t->v.b, len);
		return 0;
	case RS_TERM_RANGE:
		memcpy(s->lo, t->v.b, len);
		memcpy(s->hi, t->hi.b, len);
		return 0;
	case RS_TERM_PREFIX:
		for (size_t i = 0; i < len; i++) {
			unsigned keep = t->plen >= (i + 1) * 8 ? 8 : t->plen > i * 8 ? t->plen - i * 8 : 0;
			uint8_t mask = (uint8_t)(0xff00u >> keep);

			s->lo[i] = t->v.b[i] & mask;
			s->hi[i] = (uint8_t)(t->v.b[i] | (uint8_t)~mask);
		}
		return 0;
	default:
		return -1;
	}
}

/* 1 when b starts right after a ends (a.hi + 1 == b.lo) or inside it. */
static int joins(const struct span *a, const struct span *b, size_t len)
{
	uint8_t next[RS_VALUE_BYTES];
	int carry = 1;

	if (memcmp(b->lo, a->hi, len) <= 0)
		return 1;
	memcpy(next, a->hi, len);
	for (size_t i = len; i-- > 0 && carry;) {
		next[i]++;
		carry = next[i] == 0;
	}
	return !carry && memcmp(next, b->lo, len) == 0;
}

/* The set's values as sorted, merged spans; -1 when a key is not a plain value. */
static int set_spans(const struct rs_set *set, size_t len, struct span **out, size_t *n)
{
	struct span *v = calloc(set->nelems ? set->nelems : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < set->nelems; i++) {
		if (term_span(&set->elems[i].key, len, &v[i])) {
			free(v);
			return -1;
		}
	}
	span_len = len;
	qsort(v, set->nelems, sizeof(*v), span_cmp);
	for (size_t i = 0; i < set->nelems; i++) {
		if (k && joins(&v[k - 1], &v[i], len)) {
			if (memcmp(v[i].hi, v[k - 1].hi, len) > 0)
				memcpy(v[k - 1].hi, v[i].hi, len);
		} else {
			v[k++] = v[i];
		}
	}
	*out = v;
	*n = k;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Comments and timeouts of a set, sorted, as one string. */
static char *set_extras(const struct rs_set *set)
{
	char **v = calloc(set->nelems ? set->nelems : 1, sizeof(*v));
	size_t cap = 1, len = 0;
	char *out;

	for (size_t i = 0; i < set->nelems; i++) {
		char buf[600];

		snprintf(buf, sizeof(buf), "%s/%llu", set->elems[i].comment ? set->elems[i].comment : "",
			 (unsigned long long)set->elems[i].timeout_ms);
		v[i] = strdup(buf);
		cap += strlen(buf) + 1;
	}
	qsort(v, set->nelems, sizeof(*v), cmp_str);
	out = calloc(1, cap);
	for (size_t i = 0; i < set->nelems; i++) {
		len += (size_t)sprintf(out + len, "%s,", v[i]);
		free(v[i]);
	}
	free(v);
	return out;
}

static int compare_set(const struct rs_table *t, const struct rs_set *a, const struct rs_set *b)
{
	size_t len = a->key.n == 1 && a->key.part[0].bits ? (a->key.part[0].bits + 7) / 8 : 0;
	struct span *sa = NULL, *sb = NULL;
	size_t na = 0, nb = 0;
	char *ea, *eb;
	int same;

	if (len && len <= RS_VALUE_BYTES && set_spans(a, len, &sa, &na) == 0 &&
	    set_spans(b, len, &sb, &nb) == 0)
		same = na == nb && (!na || !memcmp(sa, sb, na * sizeof(*sa)));
	else
		same = a->nelems == b->nelems;
	ea = set_extras(a);
	eb = set_extras(b);
	same = same && !strcmp(ea, eb);
	printf("%s %s %s: %zu elements (JSON) / %zu (fast)%s\n", rs_family_name(t->family),
	       t->name, a->name, a->nelems, b->nelems, same ? ", same values" : ", DIFFERENT");
	if (!same && len)
		printf("  spans %zu / %zu; extras %s / %s\n", na, nb, ea, eb);
	free(sa);
	free(sb);
	free(ea);
	free(eb);
	return same ? 0 : 1;
}

static int compare(const struct ruleset *a, const struct ruleset *b)
{
	struct ruleset_stats sa, sb;
	int bad = 0;

	ruleset_stats(a, &sa);
	ruleset_stats(b, &sb);
	if (sa.tables != sb.tables || sa.chains != sb.chains || sa.rules != sb.rules ||
	    sa.sets != sb.sets || sa.maps != sb.maps || sa.elements != sb.elements) {
		printf("model counts differ: %zu/%zu tables, %zu/%zu rules, %zu/%zu elements\n",
		       sa.tables, sb.tables, sa.rules, sb.rules, sa.elements, sb.elements);
		bad = 1;
	}
	for (size_t ti = 0; ti < a->ntables; ti++) {
		const struct rs_table *t = a->tables[ti];
		const struct rs_table *u = ruleset_table(b, t->family, t->name);

		for (size_t si = 0; si < t->nsets; si++) {
			const struct rs_set *s = u ? rs_table_set(u, t->sets[si]->name) : NULL;

			if (!s) {
				printf("set %s missing from the fast listing\n", t->sets[si]->name);
				bad = 1;
				continue;
			}
			bad |= compare_set(t, t->sets[si], s);
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct ruleset *full = NULL, *fast = NULL;
	struct listing l;
	struct nftctx *ctx;
	struct xerr e;
	char *json = NULL;
	int bad, here = argc > 1 && !strcmp(argv[1], "-n");

	argc -= here;
	argv += here;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: listing_cmp [-n] FILE [INCLUDE_DIR]\n");
		return 2;
	}
	if (!here && unshare(CLONE_NEWNET)) {
		perror("listing_cmp: unshare(CLONE_NEWNET) (run as root)");
		return 2;
	}
	ctx = nftctx_new(0, &e);
	if (!ctx || (argc == 3 && nftctx_add_include_path(ctx, argv[2], &e)) ||
	    nftctx_load_file(ctx, argv[1], NULL, &e)) {
		fprintf(stderr, "listing_cmp: %s: %s\n", argv[1], e.msg);
		return 2;
	}
	nftctx_free(ctx);
	ctx = nftctx_new(NFTCTX_JSON | NFTCTX_NUMERIC, &e);
	if (!ctx || nftctx_run(ctx, "list ruleset", &json, &e) ||
	    ruleset_from_json(json, strlen(json), &full, &e)) {
		fprintf(stderr, "listing_cmp: full listing: %s\n", e.msg);
		return 2;
	}
	nftctx_free(ctx);
	free(json);
	if (listing_read(&l, &e) || listing_model(&l, &fast, &e)) {
		fprintf(stderr, "listing_cmp: fast listing: %s\n", e.msg);
		return 1;
	}
	printf("dumped %zu sets, %zu listed alone\n", l.sets.n, l.nset_json);
	listing_free(&l);
	bad = compare(full, fast);
	ruleset_free(full);
	ruleset_free(fast);
	printf("%s\n", bad ? "DIFFERENT" : "identical");
	return bad;
}
