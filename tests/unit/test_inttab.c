// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The int-keyed hash table (src/analyze/inttab.c): a key added once and
 * found again with its value, across every doubling; keys of one, two and
 * three ints told apart by any of them; the edge keys 0 and INT_MAX; a
 * negative first int (the empty-slot mark) refused; a walk over the slots
 * that meets each key exactly once; and a freed table ready for reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>

#include "analyze/inttab.h"

static void add_then_find(void **state)
{
	struct inttab t;
	size_t slot = 0, again = 0;

	(void)state;
	inttab_init(&t, 1, true, 16);
	assert_int_equal(inttab_find(&t, 7, 0, 0), -1);
	assert_int_equal(t.cap, 0);
	assert_int_equal(inttab_add(&t, 7, 0, 0, &slot), 1);
	assert_int_equal(t.cap, 16);
	t.vals[slot] = 700;
	assert_int_equal(inttab_find(&t, 7, 0, 0), (ptrdiff_t)slot);
	assert_int_equal(inttab_add(&t, 7, 0, 0, &again), 0);
	assert_int_equal(again, slot);
	assert_int_equal(t.vals[slot], 700);
	assert_int_equal(t.n, 1);
	assert_int_equal(inttab_find(&t, 8, 0, 0), -1);
	inttab_free(&t);
}

static void edge_keys(void **state)
{
	struct inttab t;
	size_t s0 = 0, smax = 0;

	(void)state;
	inttab_init(&t, 2, true, 4);
	assert_int_equal(inttab_add(&t, 0, 0, 0, &s0), 1);
	t.vals[s0] = 1;
	assert_int_equal(inttab_add(&t, INT_MAX, INT_MAX, 0, &smax), 1);
	t.vals[smax] = UINT64_MAX;
	assert_int_equal(inttab_add(&t, -1, 5, 0, NULL), -1);
	assert_int_equal(inttab_add(&t, INT_MIN, 0, 0, NULL), -1);
	assert_false(t.oom);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.vals[inttab_find(&t, 0, 0, 0)], 1);
	assert_int_equal(t.vals[inttab_find(&t, INT_MAX, INT_MAX, 0)], UINT64_MAX);
	assert_int_equal(inttab_find(&t, -1, 5, 0), -1);
	/* the second int may be negative: only the first marks an empty slot */
	assert_int_equal(inttab_add(&t, 0, -1, 0, NULL), 1);
	assert_true(inttab_find(&t, 0, -1, 0) >= 0);
	inttab_free(&t);
}

/*
 * Key i of width w: distinct for distinct i; keys 2j and 2j + 1 differ in
 * the last int only. The ints past the width vary with i: ignored.
 */
static void key_of(int i, unsigned w, int *k)
{
	k[0] = i / 2;
	k[1] = w > 2 ? 3 : w > 1 ? i % 2 : i;
	k[2] = w > 2 ? (i % 2 ? INT_MAX : 0) : -i;
}

static void many_keys_every_width(void **state)
{
	enum { N = 100000 };

	(void)state;
	for (unsigned w = 1; w <= 3; w++) {
		struct inttab t;
		size_t grew = 0, cap = 0, seen = 0;
		int n = w == 1 ? N / 2 : N;   /* width 1 has one key per i / 2 */

		inttab_init(&t, w, true, 64);
		for (int i = 0; i < n; i++) {
			int k[3];
			size_t slot = 0;

			key_of(w == 1 ? 2 * i : i, w, k);
			assert_int_equal(inttab_add(&t, k[0], k[1], k[2], &slot), 1);
			t.vals[slot] = (uint64_t)i * 3;
			if (t.cap != cap) {
				assert_int_equal(t.cap, cap ? cap * 2 : 64);
				cap = t.cap;
				grew++;
			}
			assert_true(t.n * 2 <= t.cap);
		}
		assert_true(grew > 5);
		assert_int_equal(t.n, (size_t)n);
		for (int i = 0; i < n; i++) {
			int k[3];
			ptrdiff_t slot;

			key_of(w == 1 ? 2 * i : i, w, k);
			/* other values in the ignored ints find the same key */
			k[2] += w < 3;
			k[1] += w < 2;
			slot = inttab_find(&t, k[0], k[1], k[2]);
			assert_true(slot >= 0);
			assert_int_equal(t.vals[slot], (uint64_t)i * 3);
			assert_int_equal(inttab_add(&t, k[0], k[1], k[2], NULL), 0);
		}
		for (size_t i = 0; i < t.cap; i++)
			seen += inttab_used(&t, i);
		assert_int_equal(seen, (size_t)n);
		assert_int_equal(inttab_find(&t, n, 1, 1), -1);
		inttab_free(&t);
	}
}

static void set_without_values(void **state)
{
	struct inttab t;

	(void)state;
	inttab_init(&t, 3, false, 2);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(inttab_add(&t, 1, 2, i, NULL), 1);
		assert_int_equal(inttab_add(&t, 1, i, 2, NULL), i == 2 ? 0 : 1);
	}
	assert_null(t.vals);
	assert_int_equal(t.n, 1999);
	for (int i = 0; i < 1000; i++)
		assert_true(inttab_find(&t, 1, i, 2) >= 0);
	assert_int_equal(inttab_find(&t, 2, 1, 2), -1);
	assert_int_equal(inttab_key(&t, (size_t)inttab_find(&t, 1, 9, 2))[1], 9);
	inttab_free(&t);
}

static void freed_table_is_empty_and_reusable(void **state)
{
	struct inttab t;

	(void)state;
	inttab_init(&t, 1, false, 8);
	for (int i = 0; i < 100; i++)
		assert_int_equal(inttab_add(&t, i, 0, 0, NULL), 1);
	inttab_free(&t);
	assert_int_equal(t.cap, 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.width, 1);
	assert_int_equal(inttab_find(&t, 5, 0, 0), -1);
	assert_int_equal(inttab_add(&t, 5, 0, 0, NULL), 1);
	assert_int_equal(t.cap, 8);
	inttab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_then_find),
		cmocka_unit_test(edge_keys),
		cmocka_unit_test(many_keys_every_width),
		cmocka_unit_test(set_without_values),
		cmocka_unit_test(freed_table_is_empty_and_reusable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
