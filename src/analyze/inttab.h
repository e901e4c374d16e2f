/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inttab: a hash table keyed by one, two or three non-negative ints, each
 * key with an optional 64-bit value. The analysis walks BDDs node by node
 * and remembers here what it learnt of a node, a pair or a triple of nodes
 * (describe.c's walks, hspace.c's difference, cofactor and support), so it
 * is the hot path of the exposure figure, and kept small on purpose:
 *
 *   - Open addressing with linear probing: one array of keys (`width` ints
 *     a slot) and beside it one array of values, no allocation per key, so
 *     a lookup reads one or two cache lines.
 *   - A slot is empty when its key's first int is negative (-1). Keys are
 *     BDD node numbers, never negative, so nothing else marks a free slot;
 *     a key whose first int is negative is refused.
 *   - The capacity is a power of two and never more than half used: before
 *     the insert that would pass half, it doubles and every key is placed
 *     again (rehashing at once: no table is kept while it is walked).
 *   - Nothing is ever removed: a walk fills its table and frees it whole.
 *
 * A key is passed as three ints (a, b, c); those past the table's width are
 * ignored (pass 0). inttab_find and inttab_add are inline, and branch once
 * on the width to a probe made for that width, so the hot loops compare
 * and hash without a loop over the key's ints. Growing and freeing live in
 * inttab.c.
 *
 * Use:
 *	struct inttab t;
 *	inttab_init(&t, 2, true, 1024);
 *	ptrdiff_t s = inttab_find(&t, a, b, 0);          (-1: absent)
 *	if (inttab_add(&t, a, b, 0, &slot) == 1)          (1: added at slot)
 *		t.vals[slot] = x;
 *	for (size_t i = 0; i < t.cap; i++)
 *		if (inttab_used(&t, i)) ... inttab_key(&t, i)[0] ... t.vals[i]
 *	inttab_free(&t);
 */
#ifndef XNFT_ANALYZE_INTTAB_H
#define XNFT_ANALYZE_INTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inttab {
	int *keys;           /* width ints a slot; keys[width * i] < 0: slot i is empty */
	uint64_t *vals;      /* a value a slot, where made with_values; else NULL */
	size_t cap, n;       /* slots (0 or a power of two) and keys held */
	size_t first_cap;    /* the slots of the first allocation (a power of two) */
	unsigned width;      /* ints a key: 1, 2 or 3 */
	bool with_values;
	bool oom;            /* a grow failed: some key could not be added */
};

/*
 * An empty table of keys of width ints (1 to 3), with a value each or not;
 * nothing is allocated before the first add, then first_cap slots (a power
 * of two). A table must be initialised: a zeroed one has no width.
 */
void inttab_init(struct inttab *t, unsigned width, bool with_values, size_t first_cap);

/* Frees the slots; t stays initialised (same width and values), empty. */
void inttab_free(struct inttab *t);

/* Doubles the slots (first_cap the first time); -1 and oom when memory is short. */
int inttab_grow(struct inttab *t);

/* Calls fn with each value held (t made with values), as when releasing them. */
void inttab_each_value(const struct inttab *t, void (*fn)(uint64_t val));

static inline bool inttab_used(const struct inttab *t, size_t slot)
{
	return t->keys[t->width * slot] >= 0;
}

static inline const int *inttab_key(const struct inttab *t, size_t slot)
{
	return &t->keys[t->width * slot];
}

/* The first slot to probe for the key (a, b, c), of w ints, in a table of cap slots. */
static inline size_t inttab_hash(int a, int b, int c, unsigned w, size_t cap)
{
	uint64_t h = (uint64_t)(unsigned)a * 0x9e3779b97f4a7c15u;

	if (w > 1)
		h ^= (uint64_t)(unsigned)b * 0xc2b2ae3d27d4eb4fu + (h >> 29);
	if (w > 2)
		h ^= (uint64_t)(unsigned)c * 0x165667b19e3779f9u + (h >> 31);
	return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

/*
 * The slot holding the key (a, b, c), or the empty slot where it would go:
 * *found says which. w is the table's width, a constant at each call below.
 */
static inline size_t inttab_probe(const struct inttab *t, int a, int b, int c, unsigned w,
				  bool *found)
{
	size_t h = inttab_hash(a, b, c, w, t->cap);

	for (; t->keys[w * h] >= 0; h = (h + 1) & (t->cap - 1)) {
		const int *k = &t->keys[w * h];

		if (k[0] == a && (w < 2 || k[1] == b) && (w < 3 || k[2] == c)) {
			*found = true;
			return h;
		}
	}
	*found = false;
	return h;
}

static inline size_t inttab_probe_w(const struct inttab *t, int a, int b, int c, bool *found)
{
	switch (t->width) {
	case 1:
		return inttab_probe(t, a, b, c, 1, found);
	case 2:
		return inttab_probe(t, a, b, c, 2, found);
	default:
		return inttab_probe(t, a, b, c, 3, found);
	}
}

/* The slot holding the key (a, b, c), or -1; ints past the table's width are ignored. */
static inline ptrdiff_t inttab_find(const struct inttab *t, int a, int b, int c)
{
	bool found;
	size_t h;

	if (!t->cap)
		return -1;
	h = inttab_probe_w(t, a, b, c, &found);
	return found ? (ptrdiff_t)h : -1;
}

/*
 * Adds the key (a, b, c; ints past the table's width are ignored): 1 when
 * added, 0 when it was there already (*slot, unless slot is NULL, is its
 * slot either way; its value, where made with_values, is the caller's to
 * set on 1), -1 when memory is short (t->oom) or a < 0.
 */
static inline int inttab_add(struct inttab *t, int a, int b, int c, size_t *slot)
{
	bool found;
	size_t h;
	int *k;

	if (a < 0 || ((t->n + 1) * 2 > t->cap && inttab_grow(t)))
		return -1;
	h = inttab_probe_w(t, a, b, c, &found);
	if (slot)
		*slot = h;
	if (found)
		return 0;
	k = &t->keys[t->width * h];
	k[0] = a;
	if (t->width > 1)
		k[1] = b;
	if (t->width > 2)
		k[2] = c;
	t->n++;
	return 1;
}

#endif
