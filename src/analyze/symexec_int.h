/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the symbolic evaluation (symexec.c) shares with the packet-words
 * compiler (pktbdd.c): the field mapping of values, the interval lists a
 * set's elements become, and the packets of a path.
 */
#ifndef XNFT_ANALYZE_SYMEXEC_INT_H
#define XNFT_ANALYZE_SYMEXEC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/hspace.h"
#include "analyze/symexec.h"
#include "core/ruleset.h"

typedef unsigned __int128 u128;

/* Addresses: an IPv4 value goes to the top 32 bits of the 128-bit field. */
struct fmap {
	enum hs_field f;
	bool v4addr;      /* IPv4 address in the 128-bit field */
	int nfproto;      /* -1, or 0/1 guard for address atoms */
};

static inline u128 to_field(const struct fmap *m, u128 v)
{
	return m->v4addr ? v << 96 : v;
}

static inline u128 low_fill(const struct fmap *m)
{
	return m->v4addr ? (((u128)1 << 96) - 1) : 0;
}

struct ivs {
	struct hs_interval *v;
	size_t n, cap;
	bool unknown;
	bool oom;
};

/* The intervals of term t (a value, prefix, range, set or set reference) appended to s. */
void term_ivs(const struct fmap *m, const struct rs_term *t, struct ivs *s, int depth);

/* The path's packets; with_v4_martians: also those prerouting sees before they are dropped. */
BDD path_domain(struct hspace *hs, enum sx_path p, bool with_v4_martians);

#endif
