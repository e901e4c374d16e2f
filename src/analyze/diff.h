/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diff: the packets whose verdict differs between two rulesets, per hook
 * path, in readable lines (describe.h). Both rulesets are evaluated over one
 * header space (the interface names of both). A packet is compared by what
 * a well-behaved source gets (symexec.h: stateful matches at their
 * well-behaved values, the unmodelled ones either way): "now accepted" /
 * "no longer accepted". Packets whose fate changed only for some choice of
 * that state (over a limit, in a dynamic set) are listed apart as "now
 * possibly accepted" / "no longer possibly accepted". What is left of the
 * difference taken pointwise, with those choices (a limit added, removed or
 * changed in rate, a condition on a set or the cpu dropped: the packets
 * reach the same verdict, but in other states), is "now accepted in some
 * cases" / "no longer accepted in some cases", with the states it needs.
 * The same condition written in the same chain of both files is one choice.
 * Frames bridged from port to port are the bridged path ("bridged: ...").
 * Chains the engine does not evaluate (arp; symexec.h) are compared as
 * written (difftab.c): each rule, chain or set that differs is a change of
 * packets not known, listed with its file:line and what was assumed, and
 * makes the result "changed" (an over-approximation). So are bridge and
 * netdev chains, whose IP packets the engine judges but whose ARP and
 * other frames it does not.
 */
#ifndef XNFT_ANALYZE_DIFF_H
#define XNFT_ANALYZE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/describe.h"
#include "analyze/symexec.h"
#include "core/err.h"
#include "core/ruleset.h"

enum diff_kind { DIFF_NOW_ACCEPTED, DIFF_NO_LONGER, DIFF_NOW_POSSIBLY, DIFF_NO_LONGER_POSSIBLY,
		 DIFF_NOW_SOME, DIFF_NO_LONGER_SOME, DIFF__NKINDS };

/* A difference in a table the engine does not evaluate. */
struct diff_table_change {
	enum rs_family family;
	char *table;
	char *chain;         /* NULL: the table itself or one of its sets */
	char *what;          /* "rule added", "rule removed", "chain added", "set @s changed" ... */
	char *file;          /* the rule's file (the new one for an added rule); NULL unknown */
	int line;            /* 0: unknown, or not a rule */
	char *text;          /* the rule as written; NULL when the change is not a rule */
	bool ip_judged;      /* a bridge chain the engine evaluates: only other frames are not */
};

struct diff_result {
	struct ds_lines lines[SX__NPATHS][DIFF__NKINDS];
	struct diff_table_change *tables;
	size_t ntables;
	bool changed;        /* some packet's verdict changed, or a table not evaluated did */
	bool bridge_ports;   /* any interface was taken as a possible bridge port (hspace.h) */
	enum rs_brnf brnf4, brnf6;   /* br_netfilter for bridged frames (the new ruleset's host) */
};

int diff_compute(const struct ruleset *old_rs, const struct ruleset *new_rs,
		 struct diff_result *out, struct xerr *e);

/*
 * The same from the two rulesets' symbolic runs in one header space hs
 * (made for both), for a caller that goes on using hs and b.
 */
int diff_compute_in(struct hspace *hs, const struct sx_result *a, const struct sx_result *b,
		    struct diff_result *out, struct xerr *e);
void diff_free(struct diff_result *d);

const char *diff_kind_name(enum diff_kind k);   /* "now accepted", ... */

/* The not-evaluated tables of a and b compared as written, appended to d (difftab.c). */
int diff_tables(const struct ruleset *a, const struct ruleset *b, struct diff_result *d,
		struct xerr *e);
void diff_tables_free(struct diff_result *d);

/* What such a change is taken to mean ("arp tables filter ARP only ..."). */
const char *diff_table_assumed(const struct diff_table_change *c);

#endif
