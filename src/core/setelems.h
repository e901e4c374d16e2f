/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Named sets' elements read straight from the kernel over netlink
 * (libnftnl), for sets whose keys are plain big-endian values: IPv4 and
 * IPv6 addresses, ports, protocol numbers, link-layer addresses.
 *
 * Why: libnftables' JSON listing of a 100,000-element interval set costs
 * about a second, most of it merging intervals back into text; the netlink
 * dump of the same elements costs tens of milliseconds. Everything else
 * (maps, concatenations, host-order integers, per-element counters) stays
 * with the JSON listing: the dump names each such set that holds elements,
 * and the caller lists it alone (`list set` / `list map`) as JSON.
 *
 * A listing is then the terse JSON (`nft -t -j list ruleset`: every object
 * but named sets' elements), this dump, and those sets' own listings;
 * setelem_dump_apply() puts the dumped elements into the model that the
 * JSON built.
 */
#ifndef XNFT_CORE_SETELEMS_H
#define XNFT_CORE_SETELEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct ruleset;

#define SETELEM_KEY_MAX 16
#define SETELEM_NAME_MAX 256

/* One element as the kernel holds it: the values lo..hi (lo == hi for one value). */
struct setelem_range {
	uint8_t lo[SETELEM_KEY_MAX];
	uint8_t hi[SETELEM_KEY_MAX];
	uint64_t timeout_ms;     /* 0 = none */
	uint64_t expires_ms;     /* 0 = none */
	uint32_t comment;        /* offset + 1 into the set's comments; 0 = none */
};

struct setelem_set {
	uint32_t family;         /* NFPROTO_* */
	uint32_t flags;          /* the set's NFT_SET_* flags */
	uint32_t key_len;        /* bytes of each key */
	char table[SETELEM_NAME_MAX];
	char name[SETELEM_NAME_MAX];
	struct setelem_range *v; /* sorted by lo */
	size_t n;
	char *comments;          /* NUL-terminated strings back to back */
	size_t comments_len;
};

/* A named set with elements that only the JSON listing decodes. */
struct setelem_other {
	uint32_t family;         /* NFPROTO_* */
	bool is_map;
	char table[SETELEM_NAME_MAX];
	char name[SETELEM_NAME_MAX];
};

struct setelem_dump {
	struct setelem_set *v;
	size_t n;
	struct setelem_other *others;
	size_t nothers;
};

/*
 * Dump the elements of every named set with a plain key in the calling
 * network namespace, and name the other sets that hold elements. 1 when
 * the ruleset changed while it was dumped (a set went away, or the kernel
 * flagged the dump as interrupted): d is empty, read again. leave_open:
 * the netlink socket is left for the process exit to close (the first
 * netfilter socket closed after a commit waits for the kernel to finish
 * cleaning up that commit, ~10 ms: a process about to exit need not).
 */
int setelem_dump_read(struct setelem_dump *d, bool leave_open, struct xerr *e);

/*
 * Only the named sets names[] of table (family "inet", "ip", ...), those
 * with a plain key; a set that is not there is left out. 1 when the
 * ruleset kept changing under every read: d is empty, read again later.
 */
int setelem_read_named(const char *family, const char *table, const char *const *names,
		       size_t nnames, struct setelem_dump *d, struct xerr *e);

/* The ruleset generation of the calling namespace (it grows with every commit). */
int setelem_generation(uint32_t *gen, struct xerr *e);

void setelem_dump_free(struct setelem_dump *d);
void setelem_set_free(struct setelem_set *s);

/* One set as one flat buffer (for the sandbox's pipe), and back. */
void *setelem_set_pack(const struct setelem_set *s, size_t *len);
int setelem_set_unpack(const void *buf, size_t len, struct setelem_set *s);

/* Add a set to a dump (taking its contents); -1 when out of memory. */
int setelem_dump_take(struct setelem_dump *d, struct setelem_set *s);

/*
 * Fill the model's named sets from the dump. A set the model lacks, or
 * whose key is not what the dump read, is an error: the two listings come
 * from the same namespace and must agree.
 */
int setelem_dump_apply(const struct setelem_dump *d, struct ruleset *rs, struct xerr *e);

/* nft's family keyword for an NFPROTO_* value ("inet", "ip", ...); NULL if unknown. */
const char *setelem_family_name(uint32_t family);

#endif
