/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Header space: every packet a hook can see, as boolean variables of one
 * BuDDy BDD manager, so that a set of packets is one BDD and "what does
 * this ruleset accept" is computed for all packets at once (symexec.h).
 *
 * Fields (docs/design.md §2), each a block of consecutive variables, most significant
 * bit first. Listed here in the order describe.c decodes a region in
 * (interface, family, source, destination, state, fragment, protocol...);
 * the blocks' order in the BDD is another (hspace.c: var_order, the
 * addresses last), so nothing may assume a field's variables lie above
 * those of the fields listed after it:
 *
 *   iif, oif    an index over the interface names the ruleset(s) mention:
 *               0 = "any other interface" (a name no rule names), then
 *               every exact name, then one class per wildcard pattern
 *               ("eth*": a name matching it that no rule names exactly)
 *   nfproto     1 bit: 0 = IPv4, 1 = IPv6
 *   saddr/daddr 128 bits; an IPv4 address is the top 32, the rest 0
 *   ct state    3 bits: index into invalid, established, related, new, untracked
 *   frag-off    16 bits, IPv4 layout (0x2000 more fragments, low 13 bits
 *               the offset); an IPv6 fragment header sets it the same way,
 *               and in IPv6 0x4000 (HS_FRAG6_HDR: DF in IPv4, unused by the
 *               IPv6 header) says the packet carries a fragment header: with
 *               offset 0 and no more fragments, an atomic fragment (RFC 6946)
 *   l4proto     8 bits (meta l4proto, ip protocol, ip6 nexthdr)
 *   tcp flags   8 bits
 *   sport/dport 16 bits each (th/tcp/udp/udplite/sctp/dccp)
 *   icmp type/code 8 bits each (icmp for IPv4, icmpv6 for IPv6)
 *   ttl         8 bits (ip ttl, ip6 hoplimit)
 *   length      16 bits (ip length / meta length: the whole packet)
 *   mark        32 bits (meta mark)
 *
 * After the fields come the free variables: one per stateful or unknown
 * match (a limit, a quota, a meter, a dynamic set's membership, fib, socket,
 * an expression xnft does not model). Each keeps a description for both of
 * its values ("while under 30/minute per source (@wg4)" / "over ...") and
 * the value a well-behaved source sees (under every limit, in no dynamic
 * set), when there is one.
 *
 * The universe (hs->universe) is the set of packets that can exist: values
 * inside each field's domain, IPv4 addresses with zero low bits, no ports,
 * flags or icmp header where the protocol has none or the packet is a
 * non-first fragment, and what conntrack allows (symexec.h has the list).
 * Results are always inside it.
 *
 * BuDDy keeps one global manager, so one struct hspace exists at a time:
 * hs_new() starts the manager, hs_free() ends it. Every BDD an hs_ or sx_
 * function returns carries one reference that the caller owns: release it
 * with bdd_delref() (or hs_unref()). BDDs stored inside struct hspace or
 * struct sx_result belong to them.
 */
#ifndef XNFT_ANALYZE_HSPACE_H
#define XNFT_ANALYZE_HSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bdd.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/match.h"
#include "core/packet.h"
#include "core/ruleset.h"

enum hs_field {
	HS_IIF, HS_OIF, HS_NFPROTO, HS_SADDR, HS_DADDR, HS_CTSTATE, HS_FRAGOFF, HS_L4PROTO,
	HS_TCPFLAGS, HS_SPORT, HS_DPORT, HS_ICMPTYPE, HS_ICMPCODE, HS_TTL,
	HS_LENGTH, HS_MARK,
	HS__NFIELDS
};

/* ct state index <-> bit (RS_CTSTATE_*). */
#define HS_NCTSTATES 5
extern const unsigned hs_ctstate_bits[HS_NCTSTATES];

/* Bits of IPv6-only fields an IPv4 address leaves zero. */
#define HS_ADDR_BITS 128

enum hs_fv_kind {
	HS_FV_STATE,    /* limit, quota, ct count, meter or set update with a limit */
	HS_FV_SET,      /* membership in a set whose contents change at run time */
	HS_FV_UNKNOWN,  /* fib, socket, osf, rt, a rewritten field, an unknown node */
	HS_FV_HOST,     /* a fact of the host a file does not give (br_netfilter) */
};

struct hs_freevar {
	int var;                  /* BDD variable */
	enum hs_fv_kind kind;
	int wb;                   /* value a well-behaved source sees: 1, 0, or -1 (none) */
	char *key;                /* identity: two matches with the same key share the variable */
	char *when_true;          /* "while under 30/minute per source (@wg4)" */
	char *when_false;         /* "over 30/minute per source (@wg4)" */
	const struct rs_rule *rule; /* the first rule that uses it; NULL when none */
	const struct rs_stmt *stmt; /* the statement it stands for (hs_stmt_freevar); NULL: none */
};

/* An address predicate the ruleset uses: describe.c names regions with them. */
struct hs_atom {
	enum hs_field field;      /* HS_SADDR or HS_DADDR */
	BDD pred;                 /* over nfproto and the field's variables */
	char *text;               /* "ip saddr @BOGON_V4" */
	char *neg;                /* "ip saddr != @BOGON_V4" */
	char *name;               /* the value as written: "@BOGON_V4", "127.0.0.0/8" */
};

struct hs_iface {
	char name[IFNAME_MAXLEN + 2];   /* exact name, or the pattern ("eth*") for a class */
	char repr[IFNAME_MAXLEN + 1];   /* a concrete name of the class ("" for index 0) */
	bool pattern;
	/*
	 * Through a bridge port (an iif when a ruleset has bridge chains at
	 * prerouting or input, an oif when at output or postrouting, both
	 * for a frame bridged from port to port): the
	 * frame came in (goes out) on interface `port` of bridge `bridge`
	 * (indices of plain entries). The IP layer sees the bridge (repr is
	 * the bridge's, name is ""), the bridge family's chains the port.
	 */
	bool via_port;
	size_t bridge, port;
};

struct hspace {
	int nfieldvars;                 /* variables before the free ones */
	struct { int first, bits; } field[HS__NFIELDS];
	struct hs_iface *ifs;           /* index 0 = "any other interface" */
	size_t nifs;
	size_t nplain;                  /* ifs[nplain..nifs) are through a bridge port */
	bool iif_ports, oif_ports;      /* which of iif and oif may take those */
	bool ports_assumed;             /* those are every pair: the host's bridges are not known */
	struct hs_freevar *fv;
	size_t nfv, fvcap;
	struct hs_atom *atoms;
	size_t natoms, atomcap;
	BDD universe;
	int bdd_error;                  /* last BuDDy error (0 = none): out of nodes */
};

/*
 * Start BuDDy and lay out the fields for the interface names the rulesets
 * mention (n may be 0). Fails when another hspace is alive or memory is short.
 * The node table starts at a size made for the values the rulesets' sets
 * list (a large blocklist: up to 40 MB at once).
 */
int hs_new(const struct ruleset *const *rs, size_t n, struct hspace **out, struct xerr *e);
/*
 * The same for a look at the layout only (which interface class a name
 * falls in): BuDDy's node table starts small whatever the sets hold.
 */
int hs_new_layout(const struct ruleset *const *rs, size_t n, struct hspace **out, struct xerr *e);
void hs_free(struct hspace *hs);

/* Release a BDD returned by an hs_/sx_ function. */
void hs_unref(BDD b);

/* A BDD failure (out of nodes) since the last check: -1 with e set, else 0. */
int hs_check(struct hspace *hs, struct xerr *e);

const char *hs_field_name(enum hs_field f);   /* "iif", "ip saddr", "tcp flags" ... */

/* The variable of bit `bit` (0 = most significant) of field f. */
int hs_var(const struct hspace *hs, enum hs_field f, int bit);

/* ct state is `bit` (one RS_CTSTATE_* value); bddfalse for anything else. */
BDD hs_ct_state(struct hspace *hs, unsigned bit);

/* field == value / field in [lo, hi] (numbers as unsigned __int128 for addresses). */
BDD hs_eq(struct hspace *hs, enum hs_field f, unsigned __int128 value);
BDD hs_range(struct hspace *hs, enum hs_field f, unsigned __int128 lo, unsigned __int128 hi);
/* (field & mask) == value over the field's width. */
BDD hs_masked_eq(struct hspace *hs, enum hs_field f, unsigned __int128 mask,
		 unsigned __int128 value);

/* An interval list (sorted or not, may overlap) over field f, as one BDD. */
struct hs_interval { unsigned __int128 lo, hi; };
BDD hs_intervals(struct hspace *hs, enum hs_field f, struct hs_interval *v, size_t n);

/*
 * a and not b, like bdd_apply(a, b, bddop_diff) but without walking what a
 * and b share: BuDDy's difference has no shortcut for equal operands, and
 * a region minus a part of it shares most of its nodes (a large address
 * set below everything else) with that part. The result is referenced.
 */
BDD hs_diff(BDD a, BDD b);

/*
 * r with the variables of cube (a conjunction of literals) fixed, like
 * bdd_restrict(r, cube) but without walking below the cube's last
 * variable: BuDDy's restrict walks and remakes all of r, a large address
 * set at the bottom included, to fix the interface or family at the top.
 * The result is referenced.
 */
BDD hs_cofactor(BDD r, BDD cube);

/* The interface index whose class a name falls in (0 when no rule names it). */
size_t hs_iface_index(const struct hspace *hs, const char *name);

/* The index of an arrival through port of bridge (plain indices), or 0 when there is none. */
size_t hs_port_index(const struct hspace *hs, size_t bridge, size_t port);

/* Field f (iif or oif) is through some bridge port (bddfalse when the space has none). */
BDD hs_via_port(struct hspace *hs, enum hs_field f);

/*
 * The interfaces of the IP paths: iif (oif) through a bridge port only
 * where bridge chains see that way (iif_ports, oif_ports).
 */
BDD hs_ip_ifaces(struct hspace *hs);

/*
 * A frame bridged from port to port (br_forward.c): iif and oif are port
 * entries of the same bridge, never the same named port (no hairpin mode).
 * bddfalse when the space has no port entries.
 */
BDD hs_bridged_pairs(struct hspace *hs);

/* Cube of all variables of a field / of all field variables / of all free variables. */
BDD hs_field_set(struct hspace *hs, enum hs_field f);
BDD hs_all_fields_set(struct hspace *hs);
BDD hs_freevars_set(struct hspace *hs);
/* The same, without / only the host's facts (HS_FV_HOST): diff compares per host. */
BDD hs_freevars_set_but_host(struct hspace *hs);
BDD hs_freevars_set_host(struct hspace *hs);

/*
 * Free variables. hs_freevar() returns the variable for key, creating it
 * with these descriptions when it is new. hs_wellbehaved() is the cube
 * fixing every free variable that has a well-behaved value to it.
 */
int hs_freevar(struct hspace *hs, const char *key, enum hs_fv_kind kind, int wb,
	       const char *when_true, const char *when_false, const struct rs_rule *rule);
/*
 * The variable of statement s of rule (a limit, a quota, a match xnft does
 * not model): keyed by the statement itself, so each statement of a
 * ruleset is a variable of its own, and the variable remembers s.
 */
int hs_stmt_freevar(struct hspace *hs, const struct rs_stmt *s, enum hs_fv_kind kind, int wb,
		    const char *when_true, const char *when_false, const struct rs_rule *rule);
const struct hs_freevar *hs_freevar_of(const struct hspace *hs, int var);
BDD hs_wellbehaved(struct hspace *hs);

/* Remember a predicate the ruleset uses on one field (deduplicated). */
void hs_atom_add(struct hspace *hs, enum hs_field f, BDD pred, const char *text,
		 const char *neg, const char *name);

/*
 * One concrete packet of region (which must not be false) on a hook path
 * (0 input, 1 forward, 2 output, 3 bridged from port to port as in enum
 * sx_path). With prefer_defaults,
 * fields the region leaves open take packet.h's defaults where possible
 * (sport 40000, ttl 64, mark 0, addresses of the internet and this host).
 * fv (may be NULL) receives the free variables' values, hs->nfv bytes.
 */
int hs_pick_packet(struct hspace *hs, BDD region, int path, bool prefer_defaults,
		   struct packet *out, unsigned char *fv, struct xerr *e);

/* The BDD of exactly this packet (all fields), for the given path. */
BDD hs_packet_bdd(struct hspace *hs, const struct packet *p, int path);

/* IPv6 frag-off: the packet carries a fragment header (hspace.h, frag-off). */
#define HS_FRAG6_HDR 0x4000

/*
 * The IPv6 packets that carry a fragment header: every fragment, and with
 * atomic the atomic fragments too (frag-off 0, no more fragments).
 */
BDD hs_frag6_header(struct hspace *hs, bool atomic);

/* Packets without an IPv6 fragment header and no fragment (IPv4 may have DF). */
BDD hs_unfragmented(struct hspace *hs);

/*
 * The variables b depends on, ascending, in a malloc'd array (*vars, *n).
 * Use this, not bdd_support(): BuDDy's keeps a buffer across bdd_done()
 * and bdd_init() that a second header space in one process would reuse.
 */
int hs_support(BDD b, int **vars, int *n);

/* Value of field f in a full assignment (as bdd_satone/fullsatone give). */
unsigned __int128 hs_field_value(const struct hspace *hs, enum hs_field f, const char *assign);

#endif
