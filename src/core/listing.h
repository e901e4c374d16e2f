/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel holds in one network namespace, read the fast way: the
 * terse JSON listing (every table, chain, rule and set, but no named set's
 * elements), the elements of sets with plain keys over netlink, and a JSON
 * listing of each other set that holds elements. listing_model() turns
 * the three into the one ruleset model.
 */
#ifndef XNFT_CORE_LISTING_H
#define XNFT_CORE_LISTING_H

#include <stddef.h>

#include "core/err.h"
#include "core/nftctx.h"
#include "core/setelems.h"

struct ruleset;

struct listing {
	char *json;               /* `nft -t -j -nnn -y list ruleset`, malloc'd */
	struct setelem_dump sets; /* elements of the sets with plain keys */
	char **set_json;          /* `nft -j -nnn -y list set|map ...` of each other set */
	size_t nset_json;
};

/*
 * Read the calling namespace's ruleset. A ruleset that changed during the
 * read (a daemon adding bans, say) is read again, a few times at most, for
 * parts that all come from one generation of it; failing that, a read
 * whose every dump came whole is kept.
 */
int listing_read(struct listing *l, struct xerr *e);
/*
 * The same in its two parts, unchecked: the terse JSON, then the sets'
 * elements (1 when the ruleset changed during their dump). ctx: a
 * libnftables context to list with (its output flags are changed), or NULL
 * for one of their own. Why one would pass it: the first netfilter socket
 * closed after a commit waits ~10 ms for the kernel's clean-up of it; a
 * process about to exit passes the context that loaded the ruleset, and
 * the netlink sockets are then left for its exit to close.
 */
int listing_read_json(struct listing *l, struct nftctx *ctx, struct xerr *e);
int listing_read_sets(struct listing *l, struct nftctx *ctx, struct xerr *e);

/*
 * Anonymous chains (`jump { ... }`), which libnftables 1.0.6 lists only as
 * nft text, read as chains of their own (core/bound.c). ctx must be the
 * context of a private namespace: the chains are added to its ruleset.
 * A chain that cannot be read stays text (an unknown statement).
 */
int listing_read_anonymous(struct listing *l, struct nftctx *ctx, struct xerr *e);

/*
 * The same for a listing that must not be written (the host's, --live):
 * copy is the listing of the same ruleset loaded again in a private
 * namespace, where listing_read_anonymous read its anonymous chains. Each
 * bound chain's text in l becomes the jump of the copy's rule at the same
 * place (same chain, same position, same number of statements), and the
 * copy's anonymous chains are added. A rule with no such twin keeps its text.
 */
int listing_take_anonymous(struct listing *l, const struct listing *copy, struct xerr *e);

void listing_free(struct listing *l);

/* Append one set's own JSON listing (taking the string); -1 out of memory. */
int listing_add_set_json(struct listing *l, char *json);

/* About how long the listing would be as one JSON text, in bytes (a space estimate). */
size_t listing_text_estimate(const struct listing *l);

/* Build the model. */
int listing_model(const struct listing *l, struct ruleset **out, struct xerr *e);
/* Add the sets' elements to a model built from l->json alone. */
int listing_model_sets(const struct listing *l, struct ruleset *rs, struct xerr *e);

#endif
