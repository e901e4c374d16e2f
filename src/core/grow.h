/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Room for one more element at the end of a growing array, the one rule for
 * the arrays that collect what a dump or a file holds: the capacity doubles
 * (first elements the first time), so n appends cost O(n) in all.
 */
#ifndef XNFT_CORE_GROW_H
#define XNFT_CORE_GROW_H

#include <stddef.h>

/*
 * array points to the array's pointer (a T **), *cap is its capacity and n
 * the elements in use, each size bytes. When n == *cap, the array is
 * reallocated to twice *cap elements (first when it has none). -1 when
 * memory runs out (the array and *cap stay as they were), else 0.
 */
int grow_for_one(void *array, size_t *cap, size_t n, size_t size, size_t first);

#endif
