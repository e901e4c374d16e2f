/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the tracer: the state of one trace (struct tctx), the value of an
 * expression (struct ev) and the functions trace.c, trace_eval.c and
 * trace_stmt.c share. Not an interface for anyone else.
 */
#ifndef XNFT_ANALYZE_TRACE_INT_H
#define XNFT_ANALYZE_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/natpath.h"
#include "analyze/trace.h"

/* The value of an expression, or one part of a concatenation. */
struct ev {
	unsigned bits;      /* width; 0 = a constant of no fixed width */
	bool wide;          /* b holds the value: > 64 bits, a name or a string */
	bool name;          /* an interface name, NUL padded to 16 bytes */
	bool wild;          /* constants only: "eth*" (b holds "eth") */
	uint64_t num;       /* the value when !wide */
	uint8_t b[16];
};

/* What evaluating an expression or a statement gave. */
enum ev_rc {
	EV_OK = 0,
	EV_BREAK,    /* the value does not exist (no transport header, no conntrack): no match */
	EV_FREE,     /* the tracer cannot know: no match, assumption recorded */
	EV_ERR,      /* out of memory */
};

/* An element a rule put into a set during this trace (add/update/delete). */
struct rt_elem {
	const struct rs_set *set;
	struct ev key[RS_CONCAT_MAX];
	size_t n;
};

#define HDR_MAX 128   /* an IPv6 header and its extension headers (96 bytes at most) */

/* NAT manipulation types: source at postrouting/input, destination at prerouting/output. */
enum { NAT_SRC = NATPATH_SRC, NAT_DST = NATPATH_DST };
unsigned nat_type_of(enum rs_hook h);

struct tctx {
	const struct ruleset *rs;
	const struct trace_opts *o;
	struct trace_result *r;
	struct packet p;                 /* the packet now (mark and NAT may change it) */
	uint8_t nh[HDR_MAX], nhk[HDR_MAX];   /* network header and its known bits */
	size_t nhlen;
	uint8_t th[HDR_MAX], thk[HDR_MAX];   /* transport header and its known bits */
	size_t thlen;
	bool has_th;                     /* false for a non-first fragment */
	uint8_t lh[14], lhk[14];         /* Ethernet header: only what a rule wrote is known */
	bool fragment;                   /* frag-off says fragment (MF or offset) */
	uint32_t ct_mark;
	bool ct_mark_set;                /* a rule set it during this trace */
	uint8_t ct_labels[16];           /* bit N: ct label N, set during this trace */
	uint32_t priority;               /* meta priority: 0, or what a rule set */
	bool priority_set;               /* a rule set it during this trace */
	bool untracked;                  /* notrack ran before conntrack */
	bool uses_ct;                    /* conntrack (and defrag) runs for this family */
	bool bridge_ct;                  /* a bridge table uses ct: nf_conntrack_bridge runs */
	bool stolen;                     /* netdev fwd: the packet left */
	bool bridge_layer;               /* running the bridge family's hooks (a frame on a port) */
	bool brnf_ip;                    /* br_netfilter's IP hooks for a bridged frame */
	bool windowed;                   /* chains_at: only priorities prio_lo..prio_hi */
	int prio_lo, prio_hi;            /* (a bridge hook around br_netfilter's) */
	unsigned nat_done;               /* NAT_SRC/NAT_DST bindings a nat rule set up */
	unsigned nat_changed;            /* ... of which changed the tuple: ct status (natpath.h) */
	struct natpath_target dnat;      /* what a dnat/redirect wrote ... */
	bool dnat_exact;                 /* ... when it was one constant */
	enum rs_hook hook;               /* the hook and base chain running */
	const struct rs_chain *base;
	bool before_ct;
	const struct rs_rule *rule;      /* the rule being evaluated */
	enum rs_verdict_kind verdict;    /* what the rule decided */
	const struct rs_chain *target;
	char why[TRACE_TEXT_MAX];        /* why the last expression gave BREAK/FREE */
	struct rt_elem *rt;
	size_t nrt, crt;
	bool oom;
};

/* ---- trace.c: recording ---- */
void tc_assume(struct tctx *tc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tc_effect(struct tctx *tc, enum trace_fx_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- trace_eval.c: expressions and matches ---- */
void ev_from_num(struct ev *v, unsigned bits, uint64_t num);
void ev_from_name(struct ev *v, const char *name);
void ev_const(struct ev *out, const struct rs_value *c, const struct ev *like);
void ev_format(const struct rs_expr *x, const struct ev *v, size_t n, char *buf, size_t size);
int ev_expr(struct tctx *tc, const struct rs_expr *x, struct ev *parts, size_t *n);
/* A link-layer read or write ends the rule here (construct.h): why set, true. */
bool ev_link_header_absent(struct tctx *tc);
int ev_match(struct tctx *tc, const struct rs_match *m, bool *hit, char *why, size_t size);
/* Find parts in a map (anonymous set of pairs or @name); *data NULL on a miss. */
int ev_map_lookup(struct tctx *tc, const struct rs_term *map, const struct ev *parts, size_t n,
		  const struct rs_term **data);
unsigned ev_ct_state(const struct tctx *tc);

/* ---- trace_ctvals.c: ct expiration and ct id ---- */
/* known: the packet opens the connection (ct state new). */
int ev_ct_expiration(struct tctx *tc, struct ev *v, bool known);
/* A `ct id ==/!= ...` match; -1 when m is not one. */
int ev_ct_id_match(struct tctx *tc, const struct rs_match *m, bool *hit, char *why,
		   size_t size);

/* ---- trace_pkt.c: the packet's headers ---- */
void hdr_build(struct tctx *tc);

/* hdr_exthdr_at(): the header is the transport header (the mobility header). */
#define HDR_AT_TRANSPORT (-2)
int hdr_exthdr_at(const struct tctx *tc, unsigned proto);

/* Bytes behind an IPv6 fragment header (what reassembly puts together). */
unsigned hdr_frag_data_len(const struct tctx *tc);

/* nf_defrag_ipv6 on an atomic fragment: the fragment header goes, the rest stays. */
void hdr_strip_frag(struct tctx *tc);
int hdr_read(struct tctx *tc, bool transport, unsigned off, unsigned bits, struct ev *out,
	     bool *unknown);
void hdr_write(struct tctx *tc, bool transport, unsigned off, unsigned bits, const struct ev *v);
/* The Ethernet header: what `ether saddr set` and the like wrote; a read is
 * true only when every bit of it was written. */
void link_write(struct tctx *tc, unsigned off, unsigned bits, const struct ev *v);
bool link_read(const struct tctx *tc, unsigned off, unsigned bits, struct ev *out);

/* ---- trace_stmt.c: statements ---- */
/* Run the rule's items; *failed = index of the item that stopped it, or -1. */
int stmt_run_rule(struct tctx *tc, const struct rs_rule *r, int *failed, char *why, size_t size);
bool ruleset_uses_ct(const struct ruleset *rs, bool v6);
/* A bridge table reads or sets conntrack state: nf_conntrack_bridge is loaded. */
bool ruleset_bridge_uses_ct(const struct ruleset *rs);

#endif
