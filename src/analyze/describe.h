/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A region of the header space in words a person reads, decoded field by
 * field, never one line per cube:
 *
 *   from eth0: IPv4 source not in @BOGON_V4, ct state new: udp dport 51820
 *              — while under 30/minute per ip saddr (@wg4)
 *
 * The region is split by interface first (interfaces with the same
 * behaviour share one group: "from any interface except lo, wg0"), then
 * field by field in the header space's order (family, source, destination,
 * ct state, protocol, flags, ports, icmp, ttl, fragment, length, mark):
 * values of a field that lead to the same remainder form one class, named
 * with the ruleset's own sets and prefixes where they fit exactly ("source
 * not in @BOGON_V4"), else as values, ranges and prefixes. A field every
 * possible packet of the class satisfies is left out; a line ends as soon
 * as the remainder is every packet there can be.
 *
 * Conditions come from the free variables (hspace.h) of `full`, the same
 * region before they were quantified: a line says "while under 30/minute
 * per ip saddr (@wg4)" when all its packets need that choice, "partly: ..."
 * when some do.
 */
#ifndef XNFT_ANALYZE_DESCRIBE_H
#define XNFT_ANALYZE_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/hspace.h"
#include "analyze/symexec.h"
#include "core/err.h"

/* Lines one description may have; more are cut and `truncated` is set. */
#define DS_MAX_LINES 500

/* Distinct values of one field a split names one by one (see ds_lines.merged). */
#define DS_MAX_CLASSES 256

/* The fields a line may name, in its order; ds_part_name() gives their JSON names. */
#define DS_PARTS 14

struct ds_line {
	char *iface;      /* "from eth0", "from any other interface", "from wg0 to wg0" */
	char *text;       /* "IPv4 source not in @BOGON_V4, ct state new: udp dport 51820" */
	char **conds;     /* "while under 30/minute per ip saddr (@wg4)" */
	size_t nconds;
	/* The same, for programs: each field's match without its lead word ("not in
	 * @BOGON_V4", "new", "51820"; NULL = any), the interface names ("*" = any other
	 * interface), the family (4, 6; 0 = both) and the one protocol (-1 = several). */
	char *part[DS_PARTS];
	char **in_ifs, **out_ifs;
	size_t nin_ifs, nout_ifs;
	int family;
	int l4;
};

/* "family", "source", "destination", "ct_state", ... for part i; NULL past the end. */
const char *ds_part_name(size_t i);

struct ds_lines {
	struct ds_line *v;
	size_t n, cap;
	bool truncated;
	/* A field had more distinct classes than describe names one by one: the
	 * last of them stands for all the others and may show more than they
	 * accept (an over-approximation, said so), never less. */
	bool merged;
};

/*
 * Describe region (over the fields) among the packets of domain (what the
 * lines may take for granted: sx_result.domain[p] without held[p]). full
 * may be bddfalse (no conditions), else the region with its free
 * variables. only_iface, when not NULL, keeps the packets of that input
 * interface (output path: output interface) only.
 */
int ds_describe(struct hspace *hs, BDD region, BDD full, BDD domain, enum sx_path p,
		const char *only_iface, struct ds_lines *out, struct xerr *e);

void ds_lines_free(struct ds_lines *l);

/*
 * A line without its interface: "IPv4 ...: udp dport 51820 — while ..."
 * (malloc'd; NULL when out of memory).
 */
char *ds_line_body(const struct ds_line *l);

#endif
