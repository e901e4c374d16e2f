/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one way every command reads a ruleset: a policy file (or a directory
 * holding nftables.conf) loaded in a private namespace, the ruleset loaded
 * in the kernel now, or a JSON listing (tests). Each returns the model, with
 * source locations when the ruleset came from files.
 */
#ifndef XNFT_CORE_POLICY_LOAD_H
#define XNFT_CORE_POLICY_LOAD_H

#include <stddef.h>

#include "core/err.h"
#include "core/listing.h"
#include "core/nftctx.h"
#include "core/ruleset.h"

#define POLICY_ENTRY_NAME "nftables.conf"

/*
 * Where a POLICY argument points: the entry file and the directory whose
 * files it includes (the entry file's directory). Missing or unreadable:
 * -1 with e->code = XNFT_EXIT_USAGE and a hint.
 */
int policy_resolve(const char *path_or_dir, char *entry, size_t entry_len,
		   char *incdir, size_t incdir_len, struct xerr *e);

/*
 * Load a policy in a private network namespace and build its model.
 * On a ruleset that does not load: -1, e->code = XNFT_EXIT_FINDINGS and
 * every diagnostic in diags (may be NULL). On an environment problem
 * (no namespace, missing file): -1, e->code = XNFT_EXIT_USAGE.
 */
int policy_load(const char *path_or_dir, struct ruleset **out, struct nft_diags *diags,
		struct xerr *e);

/*
 * Load up to POLICY_LOAD_MAX policies side by side, each in its own
 * sandbox. out, diags (may be NULL) and e have n entries, each set as
 * policy_load would. Returns -1 when any failed; the others still load.
 */
#define POLICY_LOAD_MAX 4
int policy_load_many(const char *const *paths, size_t n, struct ruleset **out,
		     struct nft_diags *diags, struct xerr *e);

/* The ruleset in the kernel of the calling namespace, read only. No locations. */
int policy_load_live(struct ruleset **out, struct xerr *e);

/* A listing read in some namespace; with src_entry, locations from that file. */
int policy_load_listing(const struct listing *l, const char *src_entry, struct ruleset **out,
			struct xerr *e);

/* A `nft -j -nnn -y list ruleset` text; with src_entry, locations from that file. */
int policy_load_json(const char *json, size_t len, const char *src_entry,
		     struct ruleset **out, struct xerr *e);

#endif
