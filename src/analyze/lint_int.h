/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint internals shared by the lint_*.c files (not a public contract).
 *
 * Most checks ask "which packets can reach this rule?". They get the answer
 * from one traversal per base chain over a coarse but exact-enough space of
 * "cells": the family (IPv4, IPv6, other) x the conntrack state (invalid,
 * established, related, new, untracked) x the input interface. Interfaces
 * are a finite set of representatives: lo, "no input interface" (locally
 * generated packets), every name the ruleset and the defines mention, one
 * per wildcard prefix, and "any other". A rule's conditions on these three
 * fields are evaluated exactly per cell; a rule with any other condition
 * (ports, addresses, a limit) is "partial": it may match some packets of a
 * cell, so it never removes the cell from the flow. The reach sets are
 * therefore over-approximations: a rule no cell reaches is really dead.
 */
#ifndef XNFT_ANALYZE_LINT_INT_H
#define XNFT_ANALYZE_LINT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/lint.h"

/* ---- cells ------------------------------------------------------------------ */

enum { LINT_NF_IPV4, LINT_NF_IPV6, LINT_NF_OTHER, LINT_NNF };
enum { LINT_CT_INVALID, LINT_CT_ESTABLISHED, LINT_CT_RELATED, LINT_CT_NEW,
       LINT_CT_UNTRACKED, LINT_NCT };
#define LINT_MAXIF 64

struct cells {
	uint64_t m[LINT_NNF][LINT_NCT];   /* bit i: interface representative i */
};

void cells_clear(struct cells *c);
void cells_all(struct cells *c, uint64_t ifaces);
bool cells_empty(const struct cells *c);
void cells_or(struct cells *d, const struct cells *a);
void cells_and(struct cells *d, const struct cells *a);
void cells_andnot(struct cells *d, const struct cells *a);
bool cells_meet(const struct cells *a, const struct cells *b);
/* Interfaces present in any cell. */
uint64_t cells_ifaces(const struct cells *c);
/* Keep only cells of these conntrack states (LINT_CT_* bits) / interfaces. */
void cells_keep_ct(struct cells *c, unsigned ctbits);
void cells_keep_if(struct cells *c, uint64_t ifaces);
/* The ct state bit nft uses for LINT_CT_* index i (1, 2, 4, 8, 64). */
uint64_t lint_ct_bit(int i);

/* Interface representatives. */
struct lint_ifaces {
	char *name[LINT_MAXIF];  /* NULL for "no input interface" */
	size_t n;
	int lo, none, other;     /* indexes */
	uint64_t mesh;           /* mesh interfaces (wg0 ...) */
	uint64_t all;
};

/* ---- per rule and chain -------------------------------------------------------- */

struct lint_rinfo {
	const struct rs_rule *r;
	struct cells admitted;   /* cells in which its nfproto/ct/iif conditions can hold */
	bool full;               /* it matches every packet of those cells */
	struct cells reach;      /* cells that may reach it (union over all paths) */
	struct cells matched;    /* reach & admitted */
	unsigned hooks;          /* 1 << enum rs_hook of the base chains reaching it */
	bool walked;             /* some traversal came to it (maybe with no cell left) */
	bool before_ct;          /* reached from a base chain that runs before conntrack */
	bool after_defrag;       /* reached where fragments are already reassembled */
	bool log_unlimited_outside; /* reached from outside the mesh with no limit on the way */
	bool traffic_outside;    /* matched by a packet from outside the mesh */
	const struct rs_rule *killer;  /* the rule that left no cell for it */
	bool reported_dead;      /* XL001 or XL006 said so already */
	const struct rs_rule *invalid_escape; /* an accept before it took invalid packets */
};

struct lint_cinfo {
	const struct rs_chain *c;
	struct lint_rinfo *ri;   /* c->nrules entries */
	bool referenced;         /* a jump/goto/vmap names it */
	bool walked;
	struct cells out;        /* base chains: cells that reach the chain's policy */
	struct cells acc;        /* base chains: cells some rule accepts */
	struct cells acc_all;    /* base chains: cells accepted whole (no drop took any part) */
};

struct lint_ctx {
	const struct ruleset *rs;
	const struct lint_source *src;
	struct lint_report *out;
	struct lint_ifaces ifs;
	struct lint_cinfo *ch;
	size_t nch;
	size_t budget;           /* rule visits left for the traversals */
	bool incomplete;
};

struct lint_cinfo *lint_chain_info(const struct lint_ctx *x, const struct rs_chain *c);
struct lint_rinfo *lint_rule_info(const struct lint_ctx *x, const struct rs_rule *r);

/* Base chains that run before conntrack (ct state reads invalid there). */
bool lint_chain_before_ct(const struct rs_chain *c);
/* Base chains that see packets after reassembly (fragment matches never fire). */
bool lint_chain_after_defrag(const struct rs_chain *c);

/* Build interface representatives and per-rule cells; then walk every base chain. */
int lint_cells_prepare(struct lint_ctx *x);
void lint_walk_all(struct lint_ctx *x);
void lint_ctx_free(struct lint_ctx *x);

/* ---- reading rules ------------------------------------------------------------- */

/* What a rule does in the end, statements like reject and nat included. */
enum lint_vk {
	LINT_V_NONE, LINT_V_ACCEPT, LINT_V_DROP, LINT_V_JUMP, LINT_V_GOTO, LINT_V_RETURN,
	LINT_V_VMAP, LINT_V_CONTINUE,
};
enum lint_vk lint_verdict(const struct rs_rule *r);
/* The jump/goto target of a rule whose verdict is JUMP or GOTO. */
const struct rs_verdict *lint_jump(const struct rs_rule *r);

/* The expression under `x & mask` (and the mask, if asked), or x itself. */
const struct rs_expr *lint_unmask(const struct rs_expr *x, const struct rs_term **mask);
bool lint_is_meta(const struct rs_expr *x, enum rs_meta_key k);
bool lint_is_ct(const struct rs_expr *x, enum rs_ct_key k);
bool lint_is_field(const struct rs_expr *x, enum rs_field f);
/* True when an expression (or a part of it) reads conntrack. */
bool lint_expr_uses_ct(const struct rs_expr *x);

/*
 * Evaluate a match on one value of its left side (after the mask): 1 true,
 * 0 false, -1 unknown (a dynamic set, an expression nft computes, ...).
 */
int lint_match_num(const struct rs_match *m, uint64_t x);
int lint_match_value(const struct rs_match *m, const struct rs_value *v);
int lint_match_ifname(const struct rs_match *m, const char *name);
/* Membership of a value in a term (a value, prefix, range, set or @set). */
int lint_term_has(const struct rs_term *t, const struct rs_value *v);

/* Statement kinds that stop some packets from matching (limit, quota, a map lookup...). */
bool lint_stmt_gates(const struct rs_stmt *s);
/*
 * A statement that loads a value which may be missing (construct.h: a map
 * lookup such as `meta mark set ip saddr map {...}`, `dnat to ip daddr map
 * @m`, `counter name tcp dport map {...}`, or a ct value without an entry),
 * or synproxy, which ends its rule for what is not part of a handshake.
 */
bool lint_stmt_may_miss(const struct rs_stmt *s);
/* A limit of any kind in the rule before item `upto` (global, meter, or set). */
bool lint_rule_limited_before(const struct rs_rule *r, size_t upto);
/* Index of the first log statement, or -1. */
int lint_rule_log_index(const struct rs_rule *r);

/* ---- reporting ---------------------------------------------------------------- */

struct lint_finding *lint_add(struct lint_ctx *x, const char *id, enum lint_severity sev,
			      const struct rs_rule *r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
struct lint_finding *lint_add_at(struct lint_report *out, const char *id,
				 enum lint_severity sev, const char *file, int line,
				 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void lint_hint(struct lint_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lint_where(struct lint_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lint_text(struct lint_finding *f, const char *text);

/* "file:line" of a rule for messages ("rules/20-mesh.nft:14"), or its chain and handle. */
void lint_rule_place(const struct rs_rule *r, char *buf, size_t len);

/* A define's value when the policy has it, or NULL. */
const char *lint_define(const struct lint_ctx *x, const char *name);

/* A declaration's place (`chain input`, `set BOGON_V4`), or NULL. */
const struct lint_srcline *lint_decl(const struct lint_ctx *x, const char *decl);
/* Where chain c is declared: in its own table's block when the sources show it. */
const struct lint_srcline *lint_chain_decl(const struct lint_ctx *x, const struct rs_chain *c);

/* The nearest rule before ri that decided packets ri is about (full, with a verdict). */
const struct rs_rule *lint_taker(const struct lint_ctx *x, const struct lint_rinfo *ri);

/* No verdict and no side effect anyone sees. */
bool lint_rule_no_effect(const struct lint_ctx *x, const struct rs_rule *r);
/* XL021: the drop that eats what a verdict-less limit rule meant to rate-limit. */
const struct rs_rule *lint_limit_then_drop(const struct lint_ctx *x, const struct rs_rule *r);

/* ---- the check families ---------------------------------------------------------- */

void lint_check_structure(struct lint_ctx *x);   /* XL001-XL005, XL007, XL008 */
void lint_check_shadow(struct lint_ctx *x);      /* XL006, XL009 */
void lint_check_conntrack(struct lint_ctx *x);   /* XL010-XL013 */
void lint_check_rates(struct lint_ctx *x);       /* XL020-XL022 */
void lint_check_icmp(struct lint_ctx *x);        /* XL030, XL031 */
void lint_check_mesh(struct lint_ctx *x);        /* XL040-XL042 */
void lint_check_ifnames(struct lint_ctx *x);     /* XL043-XL045 */
void lint_check_iif_boot(struct lint_ctx *x);    /* XL046 */
void lint_check_forward(struct lint_ctx *x);     /* XL050 */
void lint_check_sources(struct lint_ctx *x);     /* XL060 */
void lint_check_sets(struct lint_ctx *x);        /* XL061, XL062 */

/*
 * The policy is xnft's own (it defines table inet xnft), or lint has no
 * ruleset to tell: where xnft's promises (every log rate-limited, only its
 * own table replaced) make a warning elsewhere an error.
 */
bool lint_is_xnft_policy(const struct lint_ctx *x);

#endif
