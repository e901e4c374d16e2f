/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet words: nft's own match words, as xnft reads them in a PACKET
 * (`xnft trace PACKET`, packet.h) and in an intents file (intents.h). A
 * sequence of words becomes a list of field constraints over the header
 * space of docs/design.md §2. Rulesets never come through here: they are read from
 * libnftables' JSON (ruleset.h). This grammar describes packets, so where
 * nft's rule semantics and a packet description differ, the packet wins
 * (tcp flags, below) and the difference is written down here.
 *
 * Grammar (whitespace separates words; it is optional around punctuation):
 *
 *   match    := item*
 *   item     := 'fragment' | selector [op] value
 *   selector := 'iif' | 'iifname' | 'oif' | 'oifname' | 'mark'
 *             | 'meta' ('iif'|'iifname'|'oif'|'oifname'|'nfproto'|'l4proto'|'mark')
 *             | 'ip'  ('saddr'|'daddr'|'protocol'|'ttl'|'length'|'frag-off')
 *             | 'ip6' ('saddr'|'daddr'|'nexthdr'|'hoplimit')
 *             | ('tcp'|'udp'|'th') ('sport'|'dport') | 'tcp' 'flags'
 *             | 'ct' 'state' | ('icmp'|'icmpv6') ('type'|'code')
 *             | 'arp' 'operation' | 'arp' ('saddr'|'daddr') 'ip'
 *             | ['meta'] ('ibrname'|'obrname')
 *             | ('esp'|'ah') 'spi' | 'meta' 'cpu' | 'cpu' | 'meta' 'time' | 'time'
 *   op       := '==' | '!=' | '<' | '<=' | '>' | '>='
 *             | '&' bits ['==' | '!=']          (tcp flags, ct state, meta mark, ip frag-off)
 *   value    := one | one (',' one)+            (comma lists: tcp flags, ct state only)
 *             | '{' one (',' one)* [','] '}'    (anonymous set: any of these)
 *             | '@NAME'                         (a named set of the policy, kept unresolved)
 *   one      := NUMBER | NAME | ADDRESS | PREFIX | lo '-' hi | '$NAME' | '"string"'
 *   bits     := bit ('|' bit)* | '(' bit ('|' bit)* ')'
 *
 * Values: decimal or 0x-hex numbers; a time as a local date and time
 * (2026-12-07T10:00, "2026-12-07 10:00:30", 2026-12-07); names as nft spells them (echo-request,
 * nd-neighbor-solicit, ipv6-icmp or icmpv6, ssh/http/... for ports);
 * addresses and prefixes (10.0.0.0/8, host bits must be clear); ranges
 * written lo-hi (also "lo - hi"); '<' etc. become ranges. `$NAME` (an nft
 * define) stays unresolved with its name. Interface names may be quoted;
 * `iifname`/`oifname` accept a trailing '*' wildcard, `iif`/`oif` do not.
 * A '#' outside quotes starts a comment to the end of the text.
 *
 * Semantics that differ from an nft rule:
 *  - `tcp flags fin,psh,urg` (also `fin|psh|urg`) says the packet's flags
 *    are exactly FIN+PSH+URG (nft rules would test "any of these bits").
 *    `tcp flags 0x0` is a packet with no flags. The mask form
 *    `tcp flags & (syn|ack) == syn` means what it means in nft.
 *  - `ct state new,established` is "one of these states" (the same in nft:
 *    a packet has exactly one state).
 *  - `arp operation` (request, reply or a number) and `arp saddr ip` /
 *    `arp daddr ip` (the sender's and the target's IPv4 address) describe an
 *    ARP packet (meta nfproto arp): one that tables of family arp see.
 *  - `ibrname` / `obrname` name the bridge whose port iif / oif is (a frame
 *    through a bridge: tables of family bridge see it, packet.h).
 *  - `fragment` (not an nft word) is a non-first fragment, IPv4 or IPv6: it
 *    carries no transport header, so ports, tcp flags and icmp type/code
 *    cannot be given with it.
 *
 * Implied protocols are recorded as nft does (`tcp dport` => meta l4proto
 * tcp; `ip saddr` => meta nfproto ipv4; icmp => ipv4 + icmp; icmpv6 =>
 * ipv6 + ipv6-icmp; `th` implies nothing; arp words => arp) as conditions flagged `implied`,
 * placed before the condition that implies them. Words that no packet can
 * satisfy together (ip and ip6 fields, tcp and udp ports) are errors.
 */
#ifndef XNFT_CORE_MATCH_H
#define XNFT_CORE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

/* Longest define or set name kept, NUL included. */
#define MATCH_NAME_MAX 64

/* Most words one match may have: longer input is refused, not cut. */
#define MATCH_MAX_TOKENS 512

enum match_field {
	MF_IIF, MF_IIFNAME, MF_OIF, MF_OIFNAME,
	MF_NFPROTO, MF_L4PROTO, MF_MARK,
	MF_IP_SADDR, MF_IP_DADDR, MF_IP6_SADDR, MF_IP6_DADDR,
	MF_IP_PROTOCOL, MF_IP6_NEXTHDR, MF_IP_TTL, MF_IP6_HOPLIMIT,
	MF_IP_LENGTH, MF_IP_FRAG_OFF,
	MF_TCP_SPORT, MF_TCP_DPORT, MF_UDP_SPORT, MF_UDP_DPORT, MF_TH_SPORT, MF_TH_DPORT,
	MF_TCP_FLAGS, MF_CT_STATE,
	MF_ICMP_TYPE, MF_ICMP_CODE, MF_ICMPV6_TYPE, MF_ICMPV6_CODE,
	MF_FRAGMENT,
	MF_ARP_OP, MF_ARP_SADDR_IP, MF_ARP_DADDR_IP,
	MF_IBRNAME, MF_OBRNAME,
	MF_ESP_SPI, MF_AH_SPI, MF_CPU, MF_TIME,
	MF_SCTP_VTAG, MF_SCTP_CHUNK, MF_DCCP_TYPE, MF_UDPLITE_CSUMCOV, MF_COMP_CPI,
	MF_IGMP_TYPE, MF_IGMP_MRT,
	/* IPv6 extension headers: the chain (VT_EXTHDR), then fields of its headers */
	MF_EXTHDR, MF_FRAG_ID, MF_FRAG6_OFF, MF_FRAG6_MF, MF_RT_TYPE, MF_RT_SEGLEFT,
	MF_SRH_TAG, MF_MH_TYPE,
	MF_COMP_NEXTHDR, MF_COMP_FLAGS,
	MF_PKTTYPE, MF_VLAN_ID,
	MF__COUNT
};

/* nfproto values (as the kernel's NFPROTO_*). */
#define MATCH_NFPROTO_IPV4 2
#define MATCH_NFPROTO_IPV6 10
#define MATCH_NFPROTO_ARP 3

/* ct state bits, as the kernel and nft's JSON number them. */
enum {
	MATCH_CT_INVALID = 0x01, MATCH_CT_ESTABLISHED = 0x02, MATCH_CT_RELATED = 0x04,
	MATCH_CT_NEW = 0x08, MATCH_CT_UNTRACKED = 0x40,
};

/* tcp flag bits. */
enum {
	MATCH_TCP_FIN = 0x01, MATCH_TCP_SYN = 0x02, MATCH_TCP_RST = 0x04, MATCH_TCP_PSH = 0x08,
	MATCH_TCP_ACK = 0x10, MATCH_TCP_URG = 0x20, MATCH_TCP_ECN = 0x40, MATCH_TCP_CWR = 0x80,
};

/* IP protocol numbers used by the implications. */
enum {
	MATCH_PROTO_ICMP = 1, MATCH_PROTO_TCP = 6, MATCH_PROTO_UDP = 17,
	MATCH_PROTO_ICMPV6 = 58, MATCH_PROTO_IGMP = 2, MATCH_PROTO_DCCP = 33,
	MATCH_PROTO_COMP = 108, MATCH_PROTO_SCTP = 132, MATCH_PROTO_UDPLITE = 136,
};

enum match_vkind {
	MV_NUM,        /* lo (== hi): numbers, flags, states, protocols, types */
	MV_RANGE,      /* lo..hi inclusive, lo < hi */
	MV_PREFIX,     /* addr: an address (full length) or a prefix */
	MV_ADDR_RANGE, /* addr..addr_hi, both full length */
	MV_IFNAME,     /* name: an interface name, may end in '*' (iifname/oifname) */
	MV_DEFINE,     /* name: "$NAME" written, name holds NAME; unresolved */
	MV_SET,        /* name: "@NAME" written, name holds NAME; unresolved */
};

struct match_value {
	enum match_vkind kind;
	uint32_t lo, hi;
	struct prefix addr, addr_hi;
	char name[MATCH_NAME_MAX];
};

enum match_op {
	MOP_EQ,      /* the field is one of the values */
	MOP_NE,      /* the field is none of the values */
	MOP_MASK_EQ, /* (field & mask) == val[0].lo */
	MOP_MASK_NE, /* (field & mask) != val[0].lo */
};

struct match_cond {
	enum match_field field;
	enum match_op op;
	bool implied;            /* added from another condition, not written */
	uint32_t mask;           /* MOP_MASK_*: the bits compared */
	size_t nval;             /* >= 1, except MF_FRAGMENT which has none */
	struct match_value *val;
	int col;                 /* 1-based column of the field's first word (implied: its cause's) */
};

struct match_list {
	size_t n, cap;
	struct match_cond *cond;
};

/* Where the text came from, for error locations. file may be "". */
struct match_src {
	const char *file;
	int line;
};

/* One word of the input, pointing into the caller's text. */
enum match_tok_kind { MTOK_WORD, MTOK_STRING, MTOK_PUNCT };

struct match_tok {
	enum match_tok_kind kind;
	const char *s;    /* not NUL-terminated; a string's text without its quotes */
	size_t len;
	int col;          /* 1-based column of its first character (the quote for a string) */
};

struct match_toks {
	size_t n;
	struct match_tok *v;
};

/*
 * Split text[0..len) into words. col0 is the column of text[0] in its line.
 * Punctuation tokens: { } , ( ) | & == != < <= > >= ; everything else up to
 * whitespace or punctuation is a word; "..." is a string. Stops at '#'.
 */
int match_tokenize(struct match_toks *out, const char *text, size_t len, int col0,
		   const struct match_src *src, struct xerr *e);
void match_toks_free(struct match_toks *t);

/* Parse words t[0..n). end_col is the column just after the last word (for "got nothing"). */
int match_parse_toks(struct match_list *out, const struct match_tok *t, size_t n, int end_col,
		     const struct match_src *src, struct xerr *e);

/* Tokenize and parse a whole text (a PACKET, one line). */
int match_parse(struct match_list *out, const char *text, const struct match_src *src,
		struct xerr *e);

/*
 * The combined conditions of a and b (b may be NULL) can hold for one
 * packet as far as protocols go (IPv4 vs IPv6, one transport protocol,
 * fragments without transport header). match_parse runs this on its own
 * result; intents run it on MATCH plus each ALLOW.
 */
int match_check(const struct match_list *a, const struct match_list *b,
		const struct match_src *src, struct xerr *e);

void match_list_free(struct match_list *m);

/* The written conditions again, in canonical words (implied ones left out). "" when empty. */
void match_format(const struct match_list *m, char *buf, size_t size);

/* One condition (also an implied one) in canonical words. */
void match_cond_format(const struct match_cond *c, char *buf, size_t size);

/* "tcp dport", "meta l4proto", "fragment". */
const char *match_field_name(enum match_field f);

/* Canonical names of values, NULL when the number has none. */
const char *match_l4proto_name(unsigned proto);
const char *match_arp_op_name(unsigned op);   /* "request", "reply", ... or NULL */
const char *match_icmp_type_name(unsigned type, bool v6);
const char *match_icmp_code_name(unsigned code, bool v6);
const char *match_ct_state_name(unsigned bit);
const char *match_sctp_chunk_name(unsigned type);   /* "init", "data", ... or NULL */
const char *match_dccp_type_name(unsigned type);    /* "request", "response", ... or NULL */
const char *match_igmp_type_name(unsigned type);    /* "membership-query", ... or NULL */
const char *match_pkttype_name(unsigned type);   /* "host", "broadcast", ... or NULL */

/* "fin,psh,urg", or "0x0" for no flags; sep is "," or "|". */
void match_tcp_flags_format(unsigned flags, const char *sep, char *buf, size_t size);

/* An interface name as a word: bare when it is a plain name, quoted otherwise. */
void match_ifname_format(const char *name, char *buf, size_t size);

/* A `meta time` value (seconds since the epoch) as the word writes it: 2026-12-07T10:00:00, local. */
void match_time_format(uint32_t secs, char *buf, size_t size);

/*
 * `exthdr hbh,rt,frag`: an IPv6 extension header chain, in order, packed in
 * one number (3 bits a header, the first in the lowest bits, 0 ends it).
 */
#define MATCH_EXTHDR_MAX 6
enum { MATCH_EH_HBH = 1, MATCH_EH_RT, MATCH_EH_FRAG, MATCH_EH_DST, MATCH_EH_MH };

/* The i-th header's code (MATCH_EH_*), 0 past the chain's end. */
unsigned match_exthdr_at(uint32_t chain, unsigned i);

/* Its IPv6 next-header number (0, 43, 44, 60, 135) and name ("hbh", ...). */
unsigned match_exthdr_proto(unsigned code);
const char *match_exthdr_name(unsigned code);

/* "hbh,rt,frag"; "" for none. */
void match_exthdr_format(uint32_t chain, char *buf, size_t size);

#endif
