/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A thin wrapper over libnftables: one context with buffered output and
 * error streams, and the kernel's or the parser's complaints turned into
 * diagnostics with file, line and column.
 */
#ifndef XNFT_CORE_NFTCTX_H
#define XNFT_CORE_NFTCTX_H

#include <stddef.h>

#include "core/err.h"

struct nftctx;

/* One complaint of libnftables about a ruleset, located in its source. */
struct nft_diag {
	char file[512];
	int line;        /* 1-based; 0 when libnftables gave no location */
	int col;         /* 1-based first column of the offending token */
	char msg[512];   /* "syntax error, unexpected '}'" (no "Error: ") */
	char text[512];  /* the source line, when libnftables printed it */
};

struct nft_diags {
	struct nft_diag *v;
	size_t n;
};

void nft_diags_free(struct nft_diags *d);

/* Output and behaviour flags for nftctx_new, named after nft's options. */
enum nftctx_flags {
	NFTCTX_JSON     = 1 << 0, /* -j */
	NFTCTX_NUMERIC  = 1 << 1, /* -nnn -y: numeric protocols, services, priorities */
	NFTCTX_HANDLES  = 1 << 2, /* -a */
	NFTCTX_ECHO     = 1 << 3, /* -e */
	NFTCTX_DRY_RUN  = 1 << 4, /* -c */
	NFTCTX_STATELESS = 1 << 5, /* -s: no counter values */
	NFTCTX_TERSE    = 1 << 6, /* -t: no named set's elements */
};

struct nftctx *nftctx_new(unsigned flags, struct xerr *e);
/* Change an existing context's output flags (NFTCTX_DRY_RUN is left as it is). */
void nftctx_set_output(struct nftctx *ctx, unsigned flags);
void nftctx_free(struct nftctx *ctx);

int nftctx_add_include_path(struct nftctx *ctx, const char *dir, struct xerr *e);

/*
 * Load (or with NFTCTX_DRY_RUN, only check) a ruleset file in the network
 * namespace of the calling thread. On failure returns -1, fills e from the
 * first diagnostic and, when diags is not NULL, stores every diagnostic.
 */
int nftctx_load_file(struct nftctx *ctx, const char *path,
		     struct nft_diags *diags, struct xerr *e);

/* Same for a buffer; name is used in messages in place of a file name. */
int nftctx_load_buffer(struct nftctx *ctx, const char *name, const char *text,
		       struct nft_diags *diags, struct xerr *e);

/*
 * Run one command ("list ruleset", "list table inet xnft") and return its
 * output in *out (malloc'd, caller frees).
 */
int nftctx_run(struct nftctx *ctx, const char *cmd, char **out, struct xerr *e);

/* Parse libnftables' error text into diagnostics (exposed for tests). */
int nft_diags_parse(const char *errtext, struct nft_diags *d);

#endif
