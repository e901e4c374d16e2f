/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parser tests kept as data: a case file holds one case per line, and each
 * test file knows how to read one. This reads them all into an array.
 */
#ifndef XNFT_TESTS_CASES_H
#define XNFT_TESTS_CASES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * read_case(line, lineno, out) fills the case at out (size bytes) and says
 * whether the line held one (comments and blank lines do not). Returns a
 * malloc'd array of *n cases, or NULL with a message when the file cannot be
 * read or memory runs out.
 */
static inline void *cases_load(const char *path, size_t size,
			       bool (*read_case)(char *line, int lineno, void *out), size_t *n)
{
	char line[4096], *one = malloc(size), *all = NULL;
	size_t cap = 0;
	int lineno = 0;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (!f || !one) {
		fprintf(stderr, "cannot open %s\n", path);
		free(one);
		if (f)
			fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!read_case(line, ++lineno, one))
			continue;
		if (*n == cap) {
			char *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(all, cap * size);
			if (!grown) {
				free(all);
				all = NULL;
				break;
			}
			all = grown;
		}
		memcpy(all + *n * size, one, size);
		(*n)++;
	}
	fclose(f);
	free(one);
	return all;
}

#endif
