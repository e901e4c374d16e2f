// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one rule every reader of an nft policy's files follows, so that trace,
 * lint, source locations, the boot bundle and the fallback all read the same
 * policy: which files an `include` names, how deep includes nest, and how
 * large a file may be.
 */
#ifndef XNFT_CORE_NFTSRC_H
#define XNFT_CORE_NFTSRC_H

#include <stddef.h>

/* nft's own include nesting limit */
#define NFTSRC_MAX_DEPTH 16
/* one policy file; larger ones are not read at all, never read in part */
#define NFTSRC_MAX_BYTES (64u << 20)

/*
 * A regular file's whole text, NUL-terminated, its length in *len; NULL when
 * the path is no regular file (an include of /dev/stdin must not block a
 * reader), cannot be read, is larger than NFTSRC_MAX_BYTES, or memory ran out.
 */
char *nftsrc_read(const char *path, size_t *len);

/* Called for each file an include names; a negative return stops the walk. */
typedef int (*nftsrc_file_fn)(void *ctx, const char *path);

/*
 * The files `include "NAME"` reads, as nft finds them: an absolute NAME as
 * it is, a relative one in the first of dirs (the policy's directory, then
 * /etc) where it matches; a glob expands in name order. Calls fn for each.
 * Returns 1 when nothing matched, else the first negative result of fn, else 0.
 */
int nftsrc_include(const char *name, const char *const *dirs, size_t ndirs,
		   nftsrc_file_fn fn, void *ctx);

#endif
