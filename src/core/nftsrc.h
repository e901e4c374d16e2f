// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one rule every reader of an nft policy's files follows, so that trace,
 * lint, source locations, the boot bundle and the fallback all read the same
 * policy: which files an `include` names, how deep includes nest, how large
 * a file may be, and where one statement ends and the next begins.
 */
#ifndef XNFT_CORE_NFTSRC_H
#define XNFT_CORE_NFTSRC_H

#include <stdbool.h>
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

/* One statement of a policy file, as the statement walker hands it on. */
struct nftsrc_stmt {
	const char *file;
	int line;           /* where the statement starts */
	const char *text;   /* comments dropped; blanks, newlines and continuations one space */
	bool opener;        /* it ended at a '{' that opens a block (text is the block's head) */
};

/*
 * What a reader of statements tells the walker. Blocks are the reader's to
 * follow: the walker only says where one opens and closes.
 */
struct nftsrc_reader {
	/* Does a '{' after this text open a block, rather than an anonymous set or map? */
	bool (*opens_block)(void *ctx, const char *text);
	/* A statement or a block's head; a negative return stops the walk. */
	int (*statement)(void *ctx, const struct nftsrc_stmt *s);
	/* A '}' that closes a block. */
	void (*close)(void *ctx);
	/* In a block the reader does not read: the walker then only follows braces... */
	bool (*skipping)(void *ctx);        /* NULL: every block is read */
	/* ...and reports each '{' there with this. */
	void (*skip_open)(void *ctx);
};

/*
 * The common answer to opens_block: a '{' opens a block after `table`,
 * `chain`, `set`, `map` or `flowtable` (also after `add` or `create`), and
 * is an anonymous set, map or a define's value anywhere else. ctx is unused.
 */
bool nftsrc_opens_block(void *ctx, const char *text);

/* A name in a define, as nft reads one; longer ones are not taken. */
#define NFTSRC_NAME_MAX 128

/* What a `define`, `redefine` or `undefine` statement says. */
struct nftsrc_define {
	bool redefine;
	bool undefine;               /* value is NULL */
	char name[NFTSRC_NAME_MAX];  /* a letter, '_' or '.', then letters, digits, '/', '-', '_', '.' */
	const char *value;           /* the text after '=', into the statement's text */
};

/*
 * Whether text (a statement as the walker hands it on) is a define of a
 * name nft would take, with its '=' (undefine: without), and what it says.
 */
bool nftsrc_define(const char *text, struct nftsrc_define *d);

/* Whether text is `include "NAME"` with a NAME shorter than size; NAME into buf. */
bool nftsrc_include_name(const char *text, char *buf, size_t size);

/*
 * Splits text (file's contents) into statements at ';', newlines and block
 * braces, outside strings and comments, and hands them to r in order.
 * 0, or -1 when memory ran out or r->statement stopped the walk.
 */
int nftsrc_statements(const char *file, const char *text, size_t len,
		      const struct nftsrc_reader *r, void *ctx);

#endif
