// SPDX-License-Identifier: GPL-2.0-or-later
/* Room for one more element (grow.h). */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_for_one(void *array, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t ncap;
	void *old, *grown;

	if (n < *cap)
		return 0;
	/* twice the capacity, in bytes, must fit in a size_t */
	if (*cap > SIZE_MAX / 2 / size || first > SIZE_MAX / size)
		return -1;
	ncap = *cap ? *cap * 2 : first;
	/* array is a T **: copy the pointer out and back rather than alias it as void ** */
	memcpy(&old, array, sizeof(old));
	grown = realloc(old, ncap * size);
	if (!grown)
		return -1;
	memcpy(array, &grown, sizeof(grown));
	*cap = ncap;
	return 0;
}
