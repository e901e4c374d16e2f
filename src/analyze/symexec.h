/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Symbolic evaluation: a ruleset run on every packet at once. For each hook
 * path the result holds the BDD (over the header space of hspace.h and its
 * free variables) of the packets accepted and of those dropped; on request,
 * for every rule, the packets that reach it and the packets it matches.
 *
 * Paths and hooks (docs/design.md §2), the same as the concrete tracer (trace.h):
 *   input    prerouting, then input      (iif present, no oif)
 *   forward  prerouting, forward, postrouting (iif and oif)
 *   output   output, then postrouting    (oif present, no iif)
 *   bridged  bridge prerouting, forward, postrouting (a frame bridged from
 *            one port of a bridge to another: iif and oif the ports)
 * A packet on the input or forward path may have arrived through a bridge
 * port (hspace.h: an iif entry with via_port): before the IP hooks, the
 * bridge family's prerouting and input chains judge it with iifname the
 * port, meta ibrname the bridge, no output device and meta nfproto bridge
 * (br_handle_frame, br_pass_frame_up); the IP layer then sees iif the
 * bridge. A packet the IP layer sends out by a bridge (an oif entry with
 * via_port) then meets bridge output and postrouting with oifname the
 * port, meta obrname the bridge and no input device (br_dev_xmit). A frame
 * bridged from port to port (br_forward.c) is on the bridged path: the in
 * port's ingress, the bridge family's prerouting, forward and postrouting
 * chains, the out port's egress, with iifname and oifname the ports and
 * ibrname and obrname their bridge; no routing (no martian drop, no ttl
 * decrement), no IP defragmentation at a bridge hook. br_netfilter
 * (ruleset.h brnf4/brnf6: --live's sysctls, --br-netfilter; unknown on a
 * file: a free variable of kind HS_FV_HOST, both outcomes) also hands an
 * IPv4/IPv6 frame to IP prerouting at priority 0 of bridge prerouting (iif
 * the bridge, no oif), IP forward at -1 of bridge forward (iif and oif the
 * bridge) and IP postrouting after bridge postrouting (oif the bridge, no
 * iif), with the IP hooks' defragmentation and conntrack, as the tracer. Which interfaces are bridges and which their ports is a
 * free choice on a file (hspace.h: ports_assumed), the real ports with
 * --live. arp tables are not evaluated (ARP packets only).
 * Base chains of tables of family ip, ip6 and inet run, per hook in
 * priority order (ties: table order, then chain order); ip tables see only
 * IPv4 packets, ip6 tables only IPv6. In a base chain `accept` ends that
 * chain and the packet goes on to the next base chain; `drop` (and
 * `reject`) is final; the chain's policy applies to what falls off its
 * end. jump/goto/return, verdict maps (anonymous and named), sets,
 * intervals, concatenations, masks and prefixes are followed exactly.
 * `queue` counts as accept (a user-space program decides), and so does
 * `fwd to` (the packet leaves through another device). When the
 * ruleset loads conntrack for a packet's family (a ct expression or nat
 * chain in an inet table loads both, in an ip table IPv4's, in an ip6
 * table IPv6's), defragmentation runs at priority -400 of
 * prerouting and output: a fragment (more-fragments or an offset) is seen
 * by the chains before it and then held for reassembly; from there on the
 * whole datagram is judged as the unfragmented packet it becomes, so a
 * fragment itself is neither accepted nor dropped (it is in held[]), as the
 * tracer reports it held. A frame on a bridge port never meets that
 * defragmentation (an IP hook); a bridge table's ct loads
 * nf_conntrack_bridge, which holds fragments at -200 of bridge prerouting
 * (both families). IPv4 is reassembled before the input hook in
 * any case (ip_local_deliver), so an IPv4 fragment addressed to this host is
 * held there too. The forward path holds packets with a ttl / hop limit
 * of 2 or more: ip_forward() drops the others before any chain sees them
 * (time exceeded), so they are in no path's domain. At equal priority the
 * base chain registered last runs first (the listing's reverse order), as
 * the kernel does. Chains of type
 * nat only see the first packet of a connection (ct state new). A rule
 * without a verdict changes nothing, except `meta mark set CONSTANT`, which
 * later matches on meta mark see. A match on a field that a rule rewrote
 * in another way (payload set, dnat/snat, redirect) becomes a free
 * variable.
 *
 * An interface that is absent on the path (iif on output, oif on input)
 * reads as the empty name and index 0, as the kernel stores it: `oifname !=
 * "eth*"` holds on input, `oif eth0` does not. ct state in a chain at
 * prerouting or output with priority below -200 (before conntrack) is
 * always invalid (untracked after `notrack`), other ct keys have no value
 * there and their matches fail. An ingress chain whose listing names no
 * device (nft's JSON leaves them out) is taken as bound to the packet's
 * interface, whatever its name, as the tracer.
 *
 * State the analysis cannot know becomes a free variable (hspace.h):
 *   limit, quota, ct count          true = the statement matches (under)
 *   meter / set add|update {limit}  true = the attached limit passes
 *   membership in a set with flags dynamic or timeout, or one the
 *   ruleset adds to                 listed elements, or the variable
 *                                   "in the set at run time"
 *   fib, socket, osf, rt, numgen, hash, exthdr fields, tcp/ip options,
 *   raw payload, ct keys other than state, unknown nodes:
 *                                   one variable per match, no
 *                                   well-behaved value
 *
 * The universe (what conntrack lets exist):
 *   - tcp with ct state new/established/related: the flags without
 *     ECE/CWR/PSH are one conntrack accepts (SYN, SYN|URG, SYN|ACK, RST,
 *     RST|ACK, FIN|ACK, FIN|ACK|URG, ACK, ACK|URG); ct state new: SYN or
 *     ACK (loose pick-up), each with or without URG;
 *   - icmp: new only for requests (echo, timestamp, info, address mask),
 *     established for requests and replies, related only for errors
 *     (destination-unreachable, source-quench, redirect, time-exceeded,
 *     parameter-problem); icmpv6: new for echo-request and node info
 *     query, established for those and their replies, related for errors
 *     (types 1-4); neighbour discovery and MLD (130-136, 143) are always
 *     untracked.
 */
#ifndef XNFT_ANALYZE_SYMEXEC_H
#define XNFT_ANALYZE_SYMEXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/hspace.h"
#include "analyze/natpath.h"
#include "core/err.h"
#include "core/match.h"
#include "core/ruleset.h"

enum sx_path { SX_INPUT, SX_FORWARD, SX_OUTPUT, SX_BRIDGED, SX__NPATHS };

const char *sx_path_name(enum sx_path p);   /* "input", "forward", "output", "bridged" */

/*
 * The engine's path of a packet given in words (packet.h): bridged when it
 * names the bridge of both its ports (iif P ibrname B oif Q obrname B),
 * else packet_path()'s.
 */
enum sx_path sx_packet_path(const struct packet *p);

/*
 * Per rule, per path: NULL-rule entries never occur. What lint needs to
 * judge a rule without classifying statements itself (construct.h):
 * reach and match say whether it is reached and can match; modelled is
 * false for a rule of a chain the engine does not evaluate (arp) and for
 * every bridge rule (its chain also
 * sees ARP and other frames, which the IP paths do not hold), whose empty
 * reach means "not analysed", never "no packet reaches it"; may_stop says that the rule can end without a
 * verdict after its matches held (over a limit, a missed map lookup, no
 * conntrack entry for a ct value, synproxy on a packet it lets through),
 * so a later rule is not shadowed by it alone.
 */
struct sx_rule_info {
	const struct rs_rule *rule;
	BDD reach[SX__NPATHS];    /* packets (and free choices) that reach the rule */
	BDD match[SX__NPATHS];    /* the rule's own conditions where it is evaluated */
	bool modelled;            /* the engine's reach and match cover all it can see */
	bool may_stop;            /* a statement after its matches can end it without a verdict */
};

/* Whether the engine evaluates base chains of tables of family f (ip, ip6, inet, netdev ingress). */
bool sx_family_modelled(enum rs_family f);

/*
 * Whether the engine evaluates chain ch: a chain of a family it models or
 * of a bridge table (frames through a bridge port up to the IP layer, down
 * from it, or bridged from port to port: for IP packets; not ARP).
 */
bool sx_chain_modelled(const struct rs_chain *ch);

/* Whether rule r can end without a verdict in a statement other than a match (construct.h). */
bool sx_rule_may_stop(const struct rs_rule *r);

enum {
	SX_F_RULES = 1 << 0,      /* fill rules[] (lint) */
};

struct sx_opts {
	unsigned flags;                 /* SX_F_* */
	const struct rs_rule *skip;     /* evaluate as if this rule were not there (lint) */
};

/*
 * A dnat or redirect with one constant target at prerouting: the packets it
 * took were routed again (natpath.h) and judged with their new destination
 * (ct status dnat set) by the chains of the new path; their verdicts are in
 * the arriving path's accept/drop, over the packets as they arrived.
 */
struct sx_nat {
	const struct rs_rule *rule;     /* the rule with the dnat/redirect */
	struct natpath_target target;
	enum sx_path from;              /* the path the packets arrived on */
	enum sx_path to;                /* SX_INPUT: to this host; SX_FORWARD: on to the target */
	bool assumed;                   /* the host's addresses were not known: one of two outcomes */
	BDD accept;                     /* the packets as they arrived, accepted on that route */
};

struct sx_result {
	const struct ruleset *rs;
	struct sx_nat *nat;       /* destination NAT routes, in the order the rules took them */
	size_t nnat;
	BDD accept[SX__NPATHS];   /* accepted at the end of the path (inside the universe) */
	BDD drop[SX__NPATHS];     /* dropped by some base chain (inside the universe) */
	BDD domain[SX__NPATHS];   /* every packet of the path: universe and present interfaces */
	BDD held[SX__NPATHS];     /* fragments held for reassembly (neither accepted nor dropped) */
	struct sx_rule_info *rules;
	size_t nrules;
	size_t nfree_before;      /* hs->nfv before this run (its own variables come after) */
};

/*
 * Evaluate rs over hs (which must have been made with rs among its
 * rulesets, so that every interface name has its index). opts may be NULL.
 */
int sx_run(struct hspace *hs, const struct ruleset *rs, const struct sx_opts *opts,
	   struct sx_result **out, struct xerr *e);

/*
 * A header space made for one ruleset and one plain run over it: what
 * verify and exposure both start from, so that one process proving intents
 * and describing the exposure of the same model pays for it once.
 */
struct sx_engine {
	const struct ruleset *rs;
	struct hspace *hs;
	struct sx_result *sx;
};

int sx_engine_start(const struct ruleset *rs, struct sx_engine *g, struct xerr *e);
void sx_engine_stop(struct sx_engine *g);
void sx_result_free(struct sx_result *r);

/* The entry of a rule in r->rules (NULL when absent or SX_F_RULES was not given). */
const struct sx_rule_info *sx_rule(const struct sx_result *r, const struct rs_rule *rule);

/*
 * The BDD of one rule's conditions (its matches up to its verdict), as on
 * path p in a chain after conntrack, without mark rewrites: what lint
 * compares rules with. Returns bddfalse with e set on error.
 */
int sx_rule_bdd(struct hspace *hs, const struct rs_rule *rule, enum sx_path p, BDD *out,
		struct xerr *e);

/*
 * Packet words (an intent's MATCH or ALLOW, a PACKET) as a BDD over the
 * fields on path p. `@NAME` is looked up among rs's sets; `$NAME` must
 * have been resolved already (an unresolved one is an error). The result
 * is inside r->domain[p].
 */
int sx_match_list_bdd(struct hspace *hs, const struct ruleset *rs, const struct match_list *m,
		      enum sx_path p, BDD *out, struct xerr *e);

/*
 * Accepted for a well-behaved source: stateful variables at their
 * well-behaved values, the others (unknown matches) existentially.
 * Possibly accepted: some value of every free variable accepts it.
 * Both over the fields only.
 */
BDD sx_accept_wb(struct hspace *hs, const struct sx_result *r, enum sx_path p);
BDD sx_accept_any(struct hspace *hs, const struct sx_result *r, enum sx_path p);

/*
 * The same over the fields and the host's facts (HS_FV_HOST, e.g.
 * br_netfilter): a verdict that changes on one host only is a change.
 */
BDD sx_accept_wb_per_host(struct hspace *hs, const struct sx_result *r, enum sx_path p);
BDD sx_accept_any_per_host(struct hspace *hs, const struct sx_result *r, enum sx_path p);

#endif
