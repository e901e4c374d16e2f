// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading an nft policy's files and resolving its includes: see nftsrc.h.
 */
#include "core/nftsrc.h"

#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *nftsrc_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > NFTSRC_MAX_BYTES) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf) {
		*len = fread(buf, 1, (size_t)st.st_size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* 1 when nothing matches the pattern, else as nftsrc_include */
static int include_pattern(const char *pattern, nftsrc_file_fn fn, void *ctx)
{
	struct stat st;
	glob_t g;
	int rc = 0;

	if (!has_glob(pattern))
		return stat(pattern, &st) ? 1 : (fn(ctx, pattern) < 0 ? -1 : 0);
	if (glob(pattern, 0, NULL, &g)) {
		globfree(&g);
		return 1;
	}
	for (size_t i = 0; i < g.gl_pathc && rc >= 0; i++)
		rc = fn(ctx, g.gl_pathv[i]);
	globfree(&g);
	return rc < 0 ? rc : 0;
}

int nftsrc_include(const char *name, const char *const *dirs, size_t ndirs,
		   nftsrc_file_fn fn, void *ctx)
{
	char path[4096];

	if (name[0] == '/')
		return include_pattern(name, fn, ctx);
	for (size_t i = 0; i < ndirs; i++) {
		int rc;

		if (!dirs[i])
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dirs[i], name) >= sizeof(path))
			continue;
		rc = include_pattern(path, fn, ctx);
		if (rc <= 0)
			return rc;
	}
	return 1;
}
