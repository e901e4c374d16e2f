/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The concrete tracer: one packet (core/packet.h) through a ruleset model
 * (core/ruleset.h), rule by rule, the way the kernel would run it.
 *
 * Semantics (docs/design.md §2):
 *  - The packet's path picks the hooks: input = [ingress] prerouting input;
 *    forward = [ingress] prerouting forward postrouting [egress]; output =
 *    output postrouting [egress]. Ingress/egress only when a netdev (or inet
 *    ingress) chain is bound to the packet's interface.
 *  - At each hook every base chain of a family that sees the packet runs, in
 *    priority order: inet sees IPv4 and IPv6, ip only IPv4, ip6 only IPv6;
 *    bridge tables only for a frame through a bridge (below).
 *  - An ARP packet (packet.h) runs through the arp tables' chains at their
 *    input hook (received: [ingress] input) or output hook (sent: output
 *    [egress]), and netdev chains bound to its device; no other family
 *    sees it, and it has no conntrack entry. Its header is the ARP header
 *    (arp operation, sender/target ip; the hardware addresses are not in
 *    the packet words: a match on them records what it took them as).
 *  - A frame through a bridge (packet.h: ibrname/obrname) meets the bridge
 *    family's hooks on its port, as br_input.c/br_forward.c run them:
 *    bridged from port to port: bridge prerouting, forward, postrouting
 *    (netdev ingress/egress on the ports), and the IP prerouting, forward
 *    and postrouting hooks only where br_netfilter hands the frame to them
 *    (ruleset_brnf: on a file taken as not loaded, said; symexec.h gives
 *    where and with which devices); up to this host:
 *    bridge prerouting and input (iif the port), then the input path as
 *    received on the bridge device; sent through a bridge: the output path
 *    with the bridge device as oif, then bridge output and postrouting (oif
 *    the port). Only bridge tables run at a bridge hook; meta ibrname /
 *    obrname name the bridge of the port (empty where there is no port:
 *    bridge postrouting and output have no iif). An ARP frame goes the same
 *    way, its IP hooks being the arp ones. A packet not given as a
 *    bridge frame never meets bridge tables; the trace names those tables
 *    as not traced, since such frames do. At equal priority the kernel runs the
 *    chain created last first (measured: a new hook goes before the ones of
 *    its priority), so ties take the listing's reverse order, tables then
 *    chains; exact for a ruleset loaded in one go.
 *    `accept` ends one base chain, later base chains and hooks still run;
 *    drop (and reject) is final; the policy applies at the end of a base
 *    chain; jump/goto/return/continue, vmaps and maps are followed.
 *  - Conntrack runs at priority -200 of prerouting and output: before it
 *    (and at ingress) `ct state` is invalid (untracked after `notrack`) and
 *    other ct keys have no value; after it, the packet's ct state. nat
 *    chains run only for the first packet of a connection (ct state new, or
 *    related when not ICMP). When the ruleset uses conntrack for the packet's
 *    family (an ip table's ct match loads IPv4's only), defragmentation
 *    runs at -400: a fragment is seen only by chains below -400, then it is
 *    held for reassembly (the trace ends there, not dropped). Without
 *    conntrack, IPv4 is still reassembled before the input hook (IPv6 is
 *    not: its fragment header is handled after it). At a bridge hook only
 *    a bridge table's ct (nf_conntrack_bridge) reassembles, at -200 of
 *    bridge prerouting: the IP layer's never sees a frame on a port.
 *  - The NAT path (natpath.h): a dnat or redirect at prerouting sets ct
 *    status dnat, rewrites the destination and routes the packet again:
 *    to this host (input) or forwarded with the new address (its output
 *    interface then one no rule names); snat/masquerade set ct status
 *    snat. A packet to a loopback address from an interface other than lo
 *    is dropped by the kernel (kernel_drop): IPv6 before prerouting, IPv4
 *    after it. fib daddr type is local for the host's addresses when they
 *    are known (--live, --local-addr).
 *  - Forwarding decrements the ttl / hop limit before the forward hook, so
 *    forward and postrouting chains see one less than the words say; a
 *    packet with 1 or less is dropped by the kernel there (kernel_drop).
 *  - State the tracer cannot know is never ignored: it takes a documented
 *    default and records an assumption (struct trace_assumption) saying so:
 *    limits, meters, quotas and ct count are under their limit (all over
 *    with --over-limit: `limit rate over` then matches; ct count is 1, the
 *    packet's connection alone); a new connection's ct expiration is 0
 *    (not confirmed yet; at lo, its protocol's initial timeout), ct id
 *    equals none of a rule's values (trace_ctvals.c); sets filled at run
 *    time (timeout or dynamic flag) hold only their listed elements plus
 *    the names in in_sets, where every lookup hits; fib finds the route the
 *    path implies; socket/osf/rt/xt and unknown expressions do not match;
 *    header bytes the packet words cannot give (ip id, checksums, tcp
 *    window ...) are taken as 0.
 *
 * Errors (-1 and e) only for a packet with unresolved $DEFINEs, a chain
 * loop deeper than the kernel's jump stack, or out of memory.
 */
#ifndef XNFT_ANALYZE_TRACE_H
#define XNFT_ANALYZE_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "core/packet.h"
#include "core/ruleset.h"

#define TRACE_TEXT_MAX 256

/* The kernel's jump stack (NFT_JUMP_STACK_SIZE). */
#define TRACE_MAX_DEPTH 16

/*
 * Hooks of the longest path: a frame up through a bridge that a dnat then
 * forwards: bridge prerouting input, ingress prerouting forward postrouting
 * egress (and a netdev ingress on the port); a bridged frame through
 * br_netfilter: ingress, bridge prerouting, ip prerouting, bridge
 * prerouting after it, the same three of forward, bridge and ip
 * postrouting, egress.
 */
#define TRACE_MAX_HOOKS 11

struct trace_opts {
	bool over_limit;              /* every limit/meter/quota/ct count is over */
	const char *const *in_sets;   /* set names (no '@'): every lookup in them hits */
	size_t nin_sets;
	bool live_routes;             /* the ruleset is this namespace's: a packet a dnat
					 forwards leaves by the interface the kernel's route
					 gives (else one no rule names) */
};

enum trace_verdict { TRACE_V_NONE = 0, TRACE_V_ACCEPT, TRACE_V_DROP };

enum trace_fx_kind {
	TRACE_FX_COUNTER, TRACE_FX_LOG, TRACE_FX_SET, TRACE_FX_MANGLE, TRACE_FX_NAT,
	TRACE_FX_REJECT, TRACE_FX_NOTRACK, TRACE_FX_OTHER,
};

/* A side effect of a rule that matched so far: "log prefix "XNFT-DROP: "". */
struct trace_effect {
	enum trace_fx_kind kind;
	char text[TRACE_TEXT_MAX];
};

/* A default the verdict depends on: "limit rate 10/second burst 20 packets: under the limit". */
struct trace_assumption {
	const struct rs_rule *rule;   /* NULL: about the packet or the path */
	char text[TRACE_TEXT_MAX];
};

enum trace_step_kind {
	TRACE_STEP_RULE,     /* a rule was met */
	TRACE_STEP_RETURN,   /* end of a regular chain: back to the rule after the jump */
	TRACE_STEP_POLICY,   /* end of a base chain (or return from it): its policy */
};

struct trace_step {
	enum trace_step_kind kind;
	const struct rs_chain *chain;   /* the chain the rule is in, or that ended */
	const struct rs_rule *rule;     /* TRACE_STEP_RULE only */
	unsigned depth;                 /* 0 in the base chain, +1 per jump or goto */
	bool matched;                   /* every item held (the rule's statements ran) */
	int failed;                     /* index in rule->items of the item that failed, -1 */
	char why[TRACE_TEXT_MAX];       /* not matched: the item and the packet's value */
	enum rs_verdict_kind verdict;   /* matched: what it did; NONE = went on */
	const struct rs_chain *target;  /* JUMP/GOTO */
	bool decided;                   /* this step ended its base chain */
	size_t fx, nfx;                 /* effects fx .. fx+nfx-1 */
	size_t as, nas;                 /* assumptions as .. as+nas-1 */
};

/* One base chain run. */
struct trace_run {
	enum rs_hook hook;
	const struct rs_chain *chain;
	size_t step, nsteps;            /* steps step .. step+nsteps-1 */
	enum trace_verdict verdict;     /* NONE: not run (a nat chain for a non-new packet) */
	const struct rs_rule *by;       /* the deciding rule; NULL = the chain's policy */
	const char *skipped;            /* why it did not run, or NULL */
};

struct trace_hook {
	enum rs_hook hook;
	bool bridge;                    /* a hook of the bridge family (a frame on a port) */
	size_t run, nruns;              /* runs run .. run+nruns-1 */
	bool reached;                   /* false when an earlier hook dropped the packet */
	enum trace_verdict verdict;     /* ACCEPT also when no chain is bound here */
};

struct trace_result {
	struct packet pkt;              /* the packet as given (defaults filled in) */
	enum packet_path path;
	enum packet_path routed;        /* the path after a dnat/redirect routed it again */
	char nat_to[64];                /* that dnat's target ("192.168.1.10:80"); "" when none */
	struct trace_hook hooks[TRACE_MAX_HOOKS];
	size_t nhooks;
	struct trace_run *runs;
	size_t nruns;
	struct trace_step *steps;
	size_t nsteps;
	struct trace_effect *fx;
	size_t nfx;
	struct trace_assumption *as;
	size_t nas;
	enum trace_verdict verdict;     /* the packet's fate: ACCEPT or DROP */
	enum rs_hook decided_hook;      /* where it was decided (RS_HOOK_NONE: no chain ran) */
	const struct rs_chain *decided_chain;
	const struct rs_rule *decided_by;  /* NULL: the policy of decided_chain */
	bool held;                      /* a fragment held for reassembly (verdict ACCEPT) */
	const char *kernel_drop;        /* dropped by the kernel itself, not a rule: why */
	size_t caps[4];                 /* allocation sizes: runs, steps, fx, as */
};

/* Trace p (no unresolved defines) through rs. Free out with trace_result_free. */
int trace_packet(const struct ruleset *rs, const struct packet *p, const struct trace_opts *o,
		 struct trace_result *out, struct xerr *e);

void trace_result_free(struct trace_result *r);

const char *trace_verdict_name(enum trace_verdict v);   /* "accept", "drop", "none" */

/* ---- rendering (no printing: the caller prints) -------------------------- */

enum {
	TRACE_FMT_COLOR = 1 << 0,    /* ANSI: dim the rules that did not match */
	TRACE_FMT_MATCHED = 1 << 1,  /* only the rules that matched */
};

/*
 * The trace as text: a header with the packet in full words and the
 * defaults that were filled in, then hook by hook each rule met:
 *   "  rules/20-mesh.nft:22  [match]  iifname "wg0" ... drop   # mesh: ..."
 * File names are shown relative to base_dir when they are under it (NULL:
 * as recorded). malloc'd; NULL when out of memory.
 */
char *trace_format_text(const struct trace_result *r, const char *base_dir, unsigned flags);

/* The same as a JSON object (new reference); NULL when out of memory. */
json_t *trace_to_json(const struct trace_result *r, const char *base_dir);

/* "rules/20-mesh.nft:22", or "inet xnft input #5" when the line is unknown. */
void trace_rule_where(const struct rs_rule *r, const char *base_dir, char *buf, size_t size);

/* ---- the policy's defines ------------------------------------------------- */

/*
 * The model does not keep nft `define`s and the srcloc scanner does not
 * record them, so they are read from the policy files: the entry file and
 * what it includes (relative includes from the entry's directory, then
 * /etc, globs allowed), in load order; `define`/`redefine` set, `undefine`
 * removes; the last value wins. Values are kept as written ("eth0" with
 * its quotes, { 22, 80 } as a set) for packet_resolve().
 */
struct trace_defines {
	size_t n, cap;
	char **name;
	char **value;
	size_t files;                  /* files read */
};

int trace_defines_load(const char *policy, struct trace_defines *d, struct xerr *e);

/* The same on a text in memory (includes resolved against dir). */
int trace_defines_scan_text(const char *text, const char *dir, struct trace_defines *d,
			    struct xerr *e);

/* packet_lookup_fn over a struct trace_defines (ctx). */
int trace_defines_lookup(void *ctx, const char *name, char *value, size_t size);

void trace_defines_free(struct trace_defines *d);

#endif
