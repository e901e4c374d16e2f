// SPDX-License-Identifier: GPL-2.0-or-later
/* Growing and freeing the int-keyed hash table (inttab.h explains it). */
#include "analyze/inttab.h"

#include <stdlib.h>
#include <string.h>

void inttab_init(struct inttab *t, unsigned width, bool with_values, size_t first_cap)
{
	memset(t, 0, sizeof(*t));
	t->width = width;
	t->with_values = with_values;
	t->first_cap = first_cap >= 2 ? first_cap : 2;
}

void inttab_free(struct inttab *t)
{
	free(t->keys);
	free(t->vals);
	inttab_init(t, t->width, t->with_values, t->first_cap);
}

void inttab_each_value(const struct inttab *t, void (*fn)(uint64_t val))
{
	/* copied out of t: fn may not change them, but the compiler cannot know */
	const int *keys = t->keys;
	const uint64_t *vals = t->vals;
	const size_t cap = t->cap, w = t->width;

	for (size_t i = 0; i < cap; i++)
		if (keys[w * i] >= 0)
			fn(vals[i]);
}

/*
 * Every key of t (w ints, w its width: a constant in each call below, so
 * the loops are made for it) and its value into the larger arrays keys
 * and vals of cap slots, first all marked empty. Only a slot's first int
 * is marked: filling every int (a memset) counted more instructions.
 */
static inline void rehash(const struct inttab *t, int *keys, uint64_t *vals, size_t cap,
			  unsigned w)
{
	for (size_t i = 0; i < cap; i++)
		keys[w * i] = -1;
	for (size_t i = 0; i < t->cap; i++) {
		const int *k = &t->keys[w * i];
		size_t h;

		if (k[0] < 0)
			continue;
		for (h = inttab_hash(k[0], w > 1 ? k[1] : 0, w > 2 ? k[2] : 0, w, cap); keys[w * h] >= 0;
		     h = (h + 1) & (cap - 1))
			;
		memcpy(&keys[w * h], k, w * sizeof(*keys));
		if (vals)
			vals[h] = t->vals[i];
	}
}

int inttab_grow(struct inttab *t)
{
	size_t cap = t->cap ? t->cap * 2 : t->first_cap;
	int *keys = malloc(cap * t->width * sizeof(*keys));
	uint64_t *vals = t->with_values ? malloc(cap * sizeof(*vals)) : NULL;

	if (!keys || (t->with_values && !vals)) {
		free(keys);
		free(vals);
		t->oom = true;
		return -1;
	}
	if (t->width == 1)
		rehash(t, keys, vals, cap, 1);
	else if (t->width == 2)
		rehash(t, keys, vals, cap, 2);
	else
		rehash(t, keys, vals, cap, 3);
	free(t->keys);
	free(t->vals);
	t->keys = keys;
	t->vals = vals;
	t->cap = cap;
	return 0;
}
