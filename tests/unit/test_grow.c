// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The growing array (src/core/grow.c): room made only when full, the first
 * capacity then doubling, the elements kept across a move, and a size that
 * cannot be allocated refused with the array left as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/grow.h"

struct pair {
	int a, b;
};

static void doubles_from_first(void **state)
{
	struct pair *v = NULL;
	size_t n = 0, cap = 0, grew = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		size_t before = cap;

		assert_int_equal(grow_for_one(&v, &cap, n, sizeof(v[0]), 4), 0);
		assert_true(cap > n);
		if (cap != before) {
			assert_int_equal(cap, before ? before * 2 : 4);
			grew++;
		}
		v[n++] = (struct pair){ i, -i };
	}
	/* 4, 8, 16, 32, 64, 128 */
	assert_int_equal(grew, 6);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(v[i].a, i);
		assert_int_equal(v[i].b, -i);
	}
	free(v);
}

static void room_left_changes_nothing(void **state)
{
	struct pair *v = NULL, *was;
	size_t cap = 0;

	(void)state;
	assert_int_equal(grow_for_one(&v, &cap, 0, sizeof(v[0]), 8), 0);
	was = v;
	assert_int_equal(grow_for_one(&v, &cap, 7, sizeof(v[0]), 8), 0);
	assert_ptr_equal(v, was);
	assert_int_equal(cap, 8);
	free(v);
}

static void too_large_is_refused(void **state)
{
	char *v = malloc(4), *was = v;
	size_t cap = SIZE_MAX / 2 + 1;

	(void)state;
	assert_non_null(v);
	/* twice cap elements of 2 bytes overflow size_t: refused before realloc */
	assert_int_equal(grow_for_one(&v, &cap, cap, 2, 4), -1);
	assert_ptr_equal(v, was);
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(doubles_from_first),
		cmocka_unit_test(room_left_changes_nothing),
		cmocka_unit_test(too_large_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
