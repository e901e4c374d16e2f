/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What each construct does, said once: the concrete tracer (trace_stmt.c),
 * the symbolic engine (symexec.c) and lint (through the engine's per-rule
 * results) read these definitions instead of each deciding on its own.
 *
 * The kernel runs a rule's expressions in order; an expression that cannot
 * load its value sets NFT_BREAK and the rule ends there, with no verdict
 * and none of the later statements' effects:
 *   - a map lookup whose key is not in the map (nft_lookup, nft_map: the
 *     data a `dnat to ip daddr map @m`, `meta mark set ... map`, `quota
 *     name ... map` would use is never loaded);
 *   - a ct key other than `state` on a packet with no conntrack entry
 *     (invalid, untracked, or before conntrack ran): nft_ct_get_eval;
 *   - osf on anything but an IPv4 TCP SYN that is not a non-first fragment
 *     (nft_osf_eval; such a SYN reads the sender's OS, "unknown" with no
 *     fingerprints loaded), == and != alike.
 * A statement that reads such an expression for its value (a mangle's
 * value, a NAT target, an object's name, the device or address of fwd and
 * dup) therefore ends the rule on a miss
 * exactly like a failed match does.
 */
#ifndef XNFT_ANALYZE_CONSTRUCT_H
#define XNFT_ANALYZE_CONSTRUCT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ruleset.h"

/* When an expression stops the rule (NFT_BREAK). */
enum cx_break {
	CX_BREAK_NEVER = 0,
	CX_BREAK_MISS,      /* a map lookup: its key is not in the map */
	CX_BREAK_NO_CT,     /* a ct key: the packet has no conntrack entry */
};

enum cx_break cx_expr_break(const struct rs_expr *x);

/* The verdict a statement can give. */
enum cx_verdict {
	CX_V_NONE = 0,      /* goes on to the next statement */
	CX_V_GIVEN,         /* the verdict written (verdict, vmap: any) */
	CX_V_ACCEPT,        /* queue, fwd, nat: accept for the analysis */
	CX_V_DROP,          /* reject */
	CX_V_STOLEN_SYN,    /* synproxy: a TCP SYN and its handshake's ACK are answered and
			       stolen; every other packet goes on */
};

struct cx_stmt_desc {
	enum cx_verdict verdict;
	bool may_stop;      /* can end the rule without a verdict (over a limit, a missed lookup) */
	bool changes;       /* changes the packet, its conntrack entry or a set */
	bool effect;        /* leaves a trace someone can see without a verdict (a
			       counter, a log line, a set element, a mark): cx_stmt_effect */
	const char *assumes;/* what the analysis must assume about it; NULL when exact */
};

const struct cx_stmt_desc *cx_stmt_desc(const struct rs_stmt *s);

/*
 * Whether statement s, run on a packet, leaves a trace outside the rule's
 * verdict that someone can see: a counter or quota the listing shows, a log
 * line, an element added to a set or meter (fail2ban, sshguard and CrowdSec
 * read them with `nft list set`), a changed packet, mark or conntrack entry,
 * a NAT, a named limit's tokens (other rules share them), a match on a set
 * whose elements count. A plain limit or ct count, a match, a verdict: none
 * (the verdict is the rule's own, not a side effect).
 */
bool cx_stmt_effect(const struct rs_stmt *s);

/*
 * The expressions statement s loads before it acts (a mangle's value, a
 * NAT address or port, an object's name map), each of which (or any part
 * of which) may break the rule. Fills out[0..max) and returns how many
 * there are. A match's own operands are not listed: a match that breaks
 * does not match, which matching already says.
 */
size_t cx_stmt_reads(const struct rs_stmt *s, const struct rs_expr **out, size_t max);

/*
 * Every sub-expression of x (x included) that can break, depth first,
 * into out[0..max); returns how many there are.
 */
size_t cx_breaking_parts(const struct rs_expr *x, const struct rs_expr **out, size_t max);

/*
 * Whether statement s can end its rule without a verdict once reached: a
 * match that fails, a limit/quota/ct count (or a named quota or limit, a
 * set update or meter with one attached) over its limit, a verdict map
 * whose key it lacks, synproxy letting a packet through to the next rule,
 * a value that does not load (cx_stmt_reads).
 */
bool cx_stmt_may_stop(const struct rs_stmt *s);

/*
 * What a match on x depends on when no header of the packet carries it and
 * nothing in the ruleset decides it ("depends on the cpu", "depends on the
 * time", IPsec, a VRF, the route): the engine takes both outcomes and says
 * this on the condition. NULL when xnft does not model x ("not modelled").
 */
const char *cx_expr_depends(const struct rs_expr *x);

/*
 * Whether x is read at the link layer (nft's NFT_PAYLOAD_LL_HEADER: ether,
 * vlan, @ll,...). nft_payload_eval and nft_payload_set_eval end the rule
 * (NFT_BREAK) when the packet has no MAC header (skb_mac_header_was_set).
 */
bool cx_expr_link_layer(const struct rs_expr *x);

/* Whether statement s writes at the link layer (ether saddr set, @ll,0,8 set 1). */
bool cx_stmt_writes_link(const struct rs_stmt *s);

/*
 * Whether an IP packet has no link-layer header at hook h of an ip, ip6 or
 * inet table: one the host sends gets its MAC header only at neighbour
 * output, after postrouting (output, and postrouting when sent_by_host).
 * A received or forwarded one keeps the header eth_type_trans set (lo's is
 * zeros); one from a device without a link layer (a tun or wg device:
 * ARPHRD_NONE) has an empty one, which ends a read (nft_payload_eval checks
 * its length) but not a write (nft_payload_set_eval does not).
 */
bool cx_no_link_header(enum rs_hook h, bool sent_by_host);

/*
 * Whether statement s ends its rule on a packet that is not TCP: `reset tcp
 * option` (nft_exthdr_tcp_strip_eval finds no tcp header: NFT_BREAK; nft
 * 1.0.6 puts no `meta l4proto tcp` in front of it).
 */
bool cx_stmt_needs_tcp(const struct rs_stmt *s);

/*
 * A named quota or limit object that matches when over (`quota q { over
 * 100 mbytes }`): its "inv" in the table's object listing. rule: the rule
 * that refers to it (its table holds the object); s: an RS_ST_OBJREF with a
 * constant name. false for anything else.
 */
bool cx_objref_inverted(const struct rs_rule *rule, const struct rs_stmt *s);

/*
 * What statement s does, by kind: a named synproxy object (`synproxy name
 * "sp"`, an RS_ST_OBJREF) does what an inline synproxy does (nft_synproxy's
 * object runs the same eval), so it is RS_ST_SYNPROXY; anything else is its
 * own kind. The tracer and the engine switch on this, not on s->kind.
 */
enum rs_stmt_kind cx_stmt_kind(const struct rs_stmt *s);

/*
 * `ct expectation set "e"` (nft_ct_expect_obj_eval) ends the rule on a
 * packet with no conntrack entry (invalid, untracked), and on a confirmed
 * entry (a later packet: ct state established or related) unless that
 * connection has a ct helper; a new connection's first packet goes on.
 */
bool cx_stmt_needs_new_ct(const struct rs_stmt *s);

/*
 * tproxy (nft_tproxy_eval): a packet that is not TCP or UDP ends the rule,
 * and so does one of the other family than `tproxy ip` / `tproxy ip6` names
 * (in an inet table). The family the statement names: 4, 6, or 0 for its
 * table's (`tproxy to` in an ip or ip6 table).
 */
int cx_tproxy_family(const struct rs_stmt *s);

/*
 * ct labels: nft turns `ct label N` into a 128-bit mask with bit N; `ct
 * label N` tests that bit, `== N` and `!= N` compare the whole mask, and
 * `ct label set N` ORs the bit into the connection's labels
 * (nf_connlabels_replace). The label's number N of such a constant, or -1
 * when t is none (a name /etc/connlabel.conf resolves, a set).
 */
int cx_ct_label_bit(const struct rs_term *t);

#endif
