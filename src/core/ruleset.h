/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ruleset model: what the kernel holds after a load, as C structs.
 *
 * It is built from libnftables' numeric JSON listing (`nft -j -nnn -y list
 * ruleset`), never from nft source text. It is meant for a packet tracer and
 * a header-space engine, so:
 *   - every value carries its bytes in network order and its bit width, with
 *     an integer view for convenience;
 *   - header fields, meta keys and conntrack keys are enums with a fixed
 *     table of offsets and widths (rs_field_info);
 *   - the protocol matches the listing leaves out (`tcp dport 22` implies
 *     `meta l4proto tcp`) are put back, marked implicit;
 *   - anything the loader does not understand becomes an RS_*_UNKNOWN node that
 *     keeps its JSON text. Nothing is dropped: an analysis must treat an
 *     unknown node as a free choice and say so.
 */
#ifndef XNFT_CORE_RULESET_H
#define XNFT_CORE_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

struct rs_set;
struct rs_chain;
struct rs_table;
struct rs_expr;
struct rs_elem;

/* ---- names -------------------------------------------------------------- */

enum rs_family {
	RS_FAM_UNKNOWN = 0,
	RS_FAM_IP,
	RS_FAM_IP6,
	RS_FAM_INET,
	RS_FAM_ARP,
	RS_FAM_BRIDGE,
	RS_FAM_NETDEV,
};

enum rs_hook {
	RS_HOOK_NONE = 0,       /* a regular chain */
	RS_HOOK_PREROUTING,
	RS_HOOK_INPUT,
	RS_HOOK_FORWARD,
	RS_HOOK_OUTPUT,
	RS_HOOK_POSTROUTING,
	RS_HOOK_INGRESS,
	RS_HOOK_EGRESS,
	RS_HOOK_UNKNOWN,
};

/* Value types: how a listed value becomes bytes. */
enum rs_dtype {
	RS_DT_UNKNOWN = 0,
	RS_DT_INTEGER,   /* big-endian number, `bits` wide */
	RS_DT_IPV4,
	RS_DT_IPV6,
	RS_DT_ETHER,     /* 48-bit link-layer address */
	RS_DT_IFNAME,    /* interface name: 16 bytes, NUL padded; "eth*" is a wildcard */
	RS_DT_IFINDEX,   /* iif/oif: the listing names the interface (str); index unknown */
	RS_DT_ETHERTYPE, /* 16-bit; numeric listings print it byte-swapped, the loader undoes it */
	RS_DT_STRING,    /* other text: ct helper, osf name, time of day, secmark */
	RS_DT_BOOL,      /* exthdr/fib existence; 1 bit */
	RS_DT_VERDICT,
};

/* Transport and network protocols a payload field belongs to. */
enum rs_proto {
	RS_PROTO_NONE = 0,
	RS_PROTO_ETHER,
	RS_PROTO_VLAN,
	RS_PROTO_ARP,
	RS_PROTO_IP,
	RS_PROTO_IP6,
	RS_PROTO_ICMP,
	RS_PROTO_ICMPV6,
	RS_PROTO_IGMP,
	RS_PROTO_TCP,
	RS_PROTO_UDP,
	RS_PROTO_UDPLITE,
	RS_PROTO_SCTP,
	RS_PROTO_DCCP,
	RS_PROTO_AH,
	RS_PROTO_ESP,
	RS_PROTO_COMP,
	RS_PROTO_TH,     /* any transport header: ports only */
	RS_PROTO_RAW,    /* @base,offset,len */
	RS_PROTO__COUNT,
};

/*
 * Payload fields. X(id, proto, "proto", "field", offset_bits, len_bits, dtype)
 * Offsets are from the start of the protocol's header.
 */
#define RS_FIELDS(X) \
	X(ETHER_DADDR,   ETHER, "ether", "daddr",   0, 48, ETHER) \
	X(ETHER_SADDR,   ETHER, "ether", "saddr",  48, 48, ETHER) \
	X(ETHER_TYPE,    ETHER, "ether", "type",   96, 16, ETHERTYPE) \
	X(VLAN_PCP,      VLAN, "vlan", "pcp",       0,  3, INTEGER) \
	X(VLAN_DEI,      VLAN, "vlan", "dei",       3,  1, INTEGER) \
	X(VLAN_CFI,      VLAN, "vlan", "cfi",       3,  1, INTEGER) \
	X(VLAN_ID,       VLAN, "vlan", "id",        4, 12, INTEGER) \
	X(VLAN_TYPE,     VLAN, "vlan", "type",     16, 16, ETHERTYPE) \
	X(ARP_HTYPE,     ARP, "arp", "htype",       0, 16, INTEGER) \
	X(ARP_PTYPE,     ARP, "arp", "ptype",      16, 16, ETHERTYPE) \
	X(ARP_HLEN,      ARP, "arp", "hlen",       32,  8, INTEGER) \
	X(ARP_PLEN,      ARP, "arp", "plen",       40,  8, INTEGER) \
	X(ARP_OPERATION, ARP, "arp", "operation",  48, 16, ETHERTYPE) \
	X(ARP_SADDR_ETHER, ARP, "arp", "saddr ether", 64, 48, ETHER) \
	X(ARP_SADDR_IP,  ARP, "arp", "saddr ip",  112, 32, IPV4) \
	X(ARP_DADDR_ETHER, ARP, "arp", "daddr ether", 144, 48, ETHER) \
	X(ARP_DADDR_IP,  ARP, "arp", "daddr ip",  192, 32, IPV4) \
	X(IP_VERSION,    IP, "ip", "version",       0,  4, INTEGER) \
	X(IP_HDRLENGTH,  IP, "ip", "hdrlength",     4,  4, INTEGER) \
	X(IP_DSCP,       IP, "ip", "dscp",          8,  6, INTEGER) \
	X(IP_ECN,        IP, "ip", "ecn",          14,  2, INTEGER) \
	X(IP_LENGTH,     IP, "ip", "length",       16, 16, INTEGER) \
	X(IP_ID,         IP, "ip", "id",           32, 16, INTEGER) \
	X(IP_FRAG_OFF,   IP, "ip", "frag-off",     48, 16, INTEGER) \
	X(IP_TTL,        IP, "ip", "ttl",          64,  8, INTEGER) \
	X(IP_PROTOCOL,   IP, "ip", "protocol",     72,  8, INTEGER) \
	X(IP_CHECKSUM,   IP, "ip", "checksum",     80, 16, INTEGER) \
	X(IP_SADDR,      IP, "ip", "saddr",        96, 32, IPV4) \
	X(IP_DADDR,      IP, "ip", "daddr",       128, 32, IPV4) \
	X(IP6_VERSION,   IP6, "ip6", "version",     0,  4, INTEGER) \
	X(IP6_DSCP,      IP6, "ip6", "dscp",        4,  6, INTEGER) \
	X(IP6_ECN,       IP6, "ip6", "ecn",        10,  2, INTEGER) \
	X(IP6_FLOWLABEL, IP6, "ip6", "flowlabel",  12, 20, INTEGER) \
	X(IP6_LENGTH,    IP6, "ip6", "length",     32, 16, INTEGER) \
	X(IP6_NEXTHDR,   IP6, "ip6", "nexthdr",    48,  8, INTEGER) \
	X(IP6_HOPLIMIT,  IP6, "ip6", "hoplimit",   56,  8, INTEGER) \
	X(IP6_SADDR,     IP6, "ip6", "saddr",      64, 128, IPV6) \
	X(IP6_DADDR,     IP6, "ip6", "daddr",     192, 128, IPV6) \
	X(ICMP_TYPE,     ICMP, "icmp", "type",      0,  8, INTEGER) \
	X(ICMP_CODE,     ICMP, "icmp", "code",      8,  8, INTEGER) \
	X(ICMP_CHECKSUM, ICMP, "icmp", "checksum", 16, 16, INTEGER) \
	X(ICMP_ID,       ICMP, "icmp", "id",       32, 16, INTEGER) \
	X(ICMP_SEQUENCE, ICMP, "icmp", "sequence", 48, 16, INTEGER) \
	X(ICMP_GATEWAY,  ICMP, "icmp", "gateway",  32, 32, IPV4) \
	X(ICMP_MTU,      ICMP, "icmp", "mtu",      48, 16, INTEGER) \
	X(ICMPV6_TYPE,   ICMPV6, "icmpv6", "type",      0,  8, INTEGER) \
	X(ICMPV6_CODE,   ICMPV6, "icmpv6", "code",      8,  8, INTEGER) \
	X(ICMPV6_CHECKSUM, ICMPV6, "icmpv6", "checksum", 16, 16, INTEGER) \
	X(ICMPV6_PPTR,   ICMPV6, "icmpv6", "parameter-problem", 32, 32, INTEGER) \
	X(ICMPV6_MTU,    ICMPV6, "icmpv6", "mtu",      32, 32, INTEGER) \
	X(ICMPV6_ID,     ICMPV6, "icmpv6", "id",       32, 16, INTEGER) \
	X(ICMPV6_SEQUENCE, ICMPV6, "icmpv6", "sequence", 48, 16, INTEGER) \
	X(ICMPV6_MAXDELAY, ICMPV6, "icmpv6", "max-delay", 32, 16, INTEGER) \
	X(ICMPV6_TADDR,  ICMPV6, "icmpv6", "taddr",    64, 128, IPV6) \
	X(ICMPV6_DADDR,  ICMPV6, "icmpv6", "daddr",   192, 128, IPV6) \
	X(IGMP_TYPE,     IGMP, "igmp", "type",      0,  8, INTEGER) \
	X(IGMP_MRT,      IGMP, "igmp", "mrt",       8,  8, INTEGER) \
	X(IGMP_CHECKSUM, IGMP, "igmp", "checksum", 16, 16, INTEGER) \
	X(IGMP_GROUP,    IGMP, "igmp", "group",    32, 32, IPV4) \
	X(TCP_SPORT,     TCP, "tcp", "sport",       0, 16, INTEGER) \
	X(TCP_DPORT,     TCP, "tcp", "dport",      16, 16, INTEGER) \
	X(TCP_SEQUENCE,  TCP, "tcp", "sequence",   32, 32, INTEGER) \
	X(TCP_ACKSEQ,    TCP, "tcp", "ackseq",     64, 32, INTEGER) \
	X(TCP_DOFF,      TCP, "tcp", "doff",       96,  4, INTEGER) \
	X(TCP_RESERVED,  TCP, "tcp", "reserved",  100,  4, INTEGER) \
	X(TCP_FLAGS,     TCP, "tcp", "flags",     104,  8, INTEGER) \
	X(TCP_WINDOW,    TCP, "tcp", "window",    112, 16, INTEGER) \
	X(TCP_CHECKSUM,  TCP, "tcp", "checksum",  128, 16, INTEGER) \
	X(TCP_URGPTR,    TCP, "tcp", "urgptr",    144, 16, INTEGER) \
	X(UDP_SPORT,     UDP, "udp", "sport",       0, 16, INTEGER) \
	X(UDP_DPORT,     UDP, "udp", "dport",      16, 16, INTEGER) \
	X(UDP_LENGTH,    UDP, "udp", "length",     32, 16, INTEGER) \
	X(UDP_CHECKSUM,  UDP, "udp", "checksum",   48, 16, INTEGER) \
	X(UDPLITE_SPORT, UDPLITE, "udplite", "sport",   0, 16, INTEGER) \
	X(UDPLITE_DPORT, UDPLITE, "udplite", "dport",  16, 16, INTEGER) \
	X(UDPLITE_CSUMCOV, UDPLITE, "udplite", "csumcov", 32, 16, INTEGER) \
	X(UDPLITE_CHECKSUM, UDPLITE, "udplite", "checksum", 48, 16, INTEGER) \
	X(SCTP_SPORT,    SCTP, "sctp", "sport",     0, 16, INTEGER) \
	X(SCTP_DPORT,    SCTP, "sctp", "dport",    16, 16, INTEGER) \
	X(SCTP_VTAG,     SCTP, "sctp", "vtag",     32, 32, INTEGER) \
	X(SCTP_CHECKSUM, SCTP, "sctp", "checksum", 64, 32, INTEGER) \
	X(DCCP_SPORT,    DCCP, "dccp", "sport",     0, 16, INTEGER) \
	X(DCCP_DPORT,    DCCP, "dccp", "dport",    16, 16, INTEGER) \
	X(DCCP_TYPE,     DCCP, "dccp", "type",     67,  4, INTEGER) \
	X(AH_NEXTHDR,    AH, "ah", "nexthdr",       0,  8, INTEGER) \
	X(AH_HDRLENGTH,  AH, "ah", "hdrlength",     8,  8, INTEGER) \
	X(AH_RESERVED,   AH, "ah", "reserved",     16, 16, INTEGER) \
	X(AH_SPI,        AH, "ah", "spi",          32, 32, INTEGER) \
	X(AH_SEQUENCE,   AH, "ah", "sequence",     64, 32, INTEGER) \
	X(ESP_SPI,       ESP, "esp", "spi",         0, 32, INTEGER) \
	X(ESP_SEQUENCE,  ESP, "esp", "sequence",   32, 32, INTEGER) \
	X(COMP_NEXTHDR,  COMP, "comp", "nexthdr",   0,  8, INTEGER) \
	X(COMP_FLAGS,    COMP, "comp", "flags",     8,  8, INTEGER) \
	X(COMP_CPI,      COMP, "comp", "cpi",      16, 16, INTEGER) \
	X(TH_SPORT,      TH, "th", "sport",         0, 16, INTEGER) \
	X(TH_DPORT,      TH, "th", "dport",        16, 16, INTEGER)

enum rs_field {
	RS_F_NONE = 0,
#define RS_FIELD_ENUM(id, proto, pname, fname, off, len, dt) RS_F_##id,
	RS_FIELDS(RS_FIELD_ENUM)
#undef RS_FIELD_ENUM
	RS_F_RAW,        /* raw payload: base/offset/len in the expression */
	RS_F__COUNT,
};

struct rs_field_info {
	enum rs_field id;
	enum rs_proto proto;
	const char *proto_name;
	const char *name;
	unsigned offset;   /* bits from the start of the header */
	unsigned bits;
	enum rs_dtype dtype;
};

/* NULL for RS_F_NONE, RS_F_RAW and out-of-range values. */
const struct rs_field_info *rs_field_info(enum rs_field f);
enum rs_field rs_field_lookup(const char *proto, const char *field);

/* meta keys. X(id, "name", bits, dtype) */
#define RS_META_KEYS(X) \
	X(LENGTH, "length", 32, INTEGER) \
	X(PROTOCOL, "protocol", 16, ETHERTYPE) \
	X(PRIORITY, "priority", 32, INTEGER) \
	X(RANDOM, "random", 32, INTEGER) \
	X(MARK, "mark", 32, INTEGER) \
	X(IIF, "iif", 32, IFINDEX) \
	X(IIFNAME, "iifname", 128, IFNAME) \
	X(IIFTYPE, "iiftype", 16, INTEGER) \
	X(OIF, "oif", 32, IFINDEX) \
	X(OIFNAME, "oifname", 128, IFNAME) \
	X(OIFTYPE, "oiftype", 16, INTEGER) \
	X(SKUID, "skuid", 32, INTEGER) \
	X(SKGID, "skgid", 32, INTEGER) \
	X(NFTRACE, "nftrace", 1, INTEGER) \
	X(RTCLASSID, "rtclassid", 32, INTEGER) \
	X(IBRNAME, "ibrname", 128, IFNAME) \
	X(OBRNAME, "obrname", 128, IFNAME) \
	X(IBRIDGENAME, "ibridgename", 128, IFNAME) \
	X(OBRIDGENAME, "obridgename", 128, IFNAME) \
	X(PKTTYPE, "pkttype", 8, INTEGER) \
	X(CPU, "cpu", 32, INTEGER) \
	X(IIFGROUP, "iifgroup", 32, INTEGER) \
	X(OIFGROUP, "oifgroup", 32, INTEGER) \
	X(CGROUP, "cgroup", 32, INTEGER) \
	X(NFPROTO, "nfproto", 8, INTEGER) \
	X(L4PROTO, "l4proto", 8, INTEGER) \
	X(SECPATH, "secpath", 1, BOOL) \
	X(IPSEC, "ipsec", 1, BOOL) \
	X(IIFKIND, "iifkind", 128, IFNAME) \
	X(OIFKIND, "oifkind", 128, IFNAME) \
	X(IBRPVID, "ibrpvid", 16, INTEGER) \
	X(IBRVPROTO, "ibrvproto", 16, ETHERTYPE) \
	X(TIME, "time", 64, INTEGER) \
	X(DAY, "day", 8, INTEGER) \
	X(HOUR, "hour", 32, STRING) \
	X(SECMARK, "secmark", 32, INTEGER) \
	X(SDIF, "sdif", 32, IFINDEX) \
	X(SDIFNAME, "sdifname", 128, IFNAME) \
	X(BRI_BROUTE, "broute", 8, INTEGER)

enum rs_meta_key {
	RS_META_NONE = 0,
#define RS_META_ENUM(id, name, bits, dt) RS_META_##id,
	RS_META_KEYS(RS_META_ENUM)
#undef RS_META_ENUM
	RS_META__COUNT,
};

/* conntrack keys. X(id, "name", bits, dtype); addresses take the family's type. */
#define RS_CT_KEYS(X) \
	X(STATE, "state", 32, INTEGER) \
	X(DIRECTION, "direction", 8, INTEGER) \
	X(STATUS, "status", 32, INTEGER) \
	X(MARK, "mark", 32, INTEGER) \
	X(EXPIRATION, "expiration", 32, INTEGER) \
	X(HELPER, "helper", 128, STRING) \
	X(L3PROTO, "l3proto", 8, INTEGER) \
	X(PROTOCOL, "protocol", 8, INTEGER) \
	X(SADDR, "saddr", 128, UNKNOWN) \
	X(DADDR, "daddr", 128, UNKNOWN) \
	X(IP_SADDR, "ip saddr", 32, IPV4) \
	X(IP_DADDR, "ip daddr", 32, IPV4) \
	X(IP6_SADDR, "ip6 saddr", 128, IPV6) \
	X(IP6_DADDR, "ip6 daddr", 128, IPV6) \
	X(PROTO_SRC, "proto-src", 16, INTEGER) \
	X(PROTO_DST, "proto-dst", 16, INTEGER) \
	X(LABEL, "label", 128, INTEGER) \
	X(BYTES, "bytes", 64, INTEGER) \
	X(PACKETS, "packets", 64, INTEGER) \
	X(AVGPKT, "avgpkt", 64, INTEGER) \
	X(ZONE, "zone", 16, INTEGER) \
	X(EVENTMASK, "event", 32, INTEGER) \
	X(SECMARK, "secmark", 32, INTEGER) \
	X(ID, "id", 32, INTEGER) \
	X(COUNT, "count", 32, INTEGER)

enum rs_ct_key {
	RS_CT_NONE = 0,
#define RS_CT_ENUM(id, name, bits, dt) RS_CT_##id,
	RS_CT_KEYS(RS_CT_ENUM)
#undef RS_CT_ENUM
	RS_CT__COUNT,
};

/* ct state bits (ct state is a bit mask with one bit set per packet). */
enum {
	RS_CTSTATE_INVALID = 1,
	RS_CTSTATE_ESTABLISHED = 2,
	RS_CTSTATE_RELATED = 4,
	RS_CTSTATE_NEW = 8,
	RS_CTSTATE_UNTRACKED = 64,
};

/* tcp flags bits */
enum {
	RS_TCP_FIN = 0x01, RS_TCP_SYN = 0x02, RS_TCP_RST = 0x04, RS_TCP_PSH = 0x08,
	RS_TCP_ACK = 0x10, RS_TCP_URG = 0x20, RS_TCP_ECE = 0x40, RS_TCP_CWR = 0x80,
};

/* nfproto values (meta nfproto) */
enum { RS_NFPROTO_IPV4 = 2, RS_NFPROTO_IPV6 = 10 };

enum rs_ct_dir { RS_CT_DIR_NONE = -1, RS_CT_DIR_ORIGINAL = 0, RS_CT_DIR_REPLY = 1 };

/* fib: what it looks up (flags) and what it returns (key). */
enum {
	RS_FIB_SADDR = 1 << 0, RS_FIB_DADDR = 1 << 1, RS_FIB_MARK = 1 << 2,
	RS_FIB_IIF = 1 << 3, RS_FIB_OIF = 1 << 4,
};
enum rs_fib_result { RS_FIB_R_NONE = 0, RS_FIB_R_OIF, RS_FIB_R_OIFNAME, RS_FIB_R_TYPE };

enum rs_binop { RS_BINOP_AND = 1, RS_BINOP_OR, RS_BINOP_XOR, RS_BINOP_LSHIFT, RS_BINOP_RSHIFT };

enum rs_expr_kind {
	RS_EX_UNKNOWN = 0,
	RS_EX_PAYLOAD,   /* key: enum rs_field; base/offset/len for RS_F_RAW */
	RS_EX_META,      /* key: enum rs_meta_key */
	RS_EX_CT,        /* key: enum rs_ct_key; dir */
	RS_EX_EXTHDR,    /* name (hbh, rt, frag, dst, mh, srh) and field; no field: existence */
	RS_EX_TCPOPT,    /* name and field; no field: existence */
	RS_EX_IPOPT,     /* ip option name and field */
	RS_EX_SCTPCHUNK, /* sctp chunk name and field */
	RS_EX_FIB,       /* key: enum rs_fib_result; flags: RS_FIB_* */
	RS_EX_SOCKET,    /* name: "transparent", "mark", "wildcard", "cgroupv2"; level */
	RS_EX_OSF,       /* name: "name" or "version"; ttl in flags */
	RS_EX_RT,        /* name: "classid", "nexthop", "mtu", "ipsec"; family */
	RS_EX_NUMGEN,    /* name: "inc" or "random"; mod, offset */
	RS_EX_HASH,      /* name: "jhash" or "symhash"; mod, seed, offset; sub[0] input (jhash) */
	RS_EX_CONCAT,    /* sub[] */
	RS_EX_BINOP,     /* key: enum rs_binop; sub[0] operand; arg the constant */
	RS_EX_MAP,       /* sub[0] the key; arg the map (anonymous set of pairs or @name) */
	RS_EX_VALUE,     /* a constant where an expression is expected; arg */
	RS_EX_XFRM,      /* ipsec in|out: name the key (reqid, spi, saddr, daddr), field "in" or
			    "out", off the spnum; family for addresses */
};

/* RS_EX_TCPOPT flags: an option by number, name its kind ("254"); offset/len in bits. */
#define RS_TCPOPT_RAW 1u

struct rs_expr {
	enum rs_expr_kind kind;
	enum rs_dtype dtype;  /* type of the value it yields */
	unsigned bits;        /* width of that value; 0 = unknown */
	int key;              /* see rs_expr_kind */
	int dir;              /* CT: enum rs_ct_dir */
	enum rs_family family; /* CT/RT addresses */
	unsigned flags;       /* FIB: RS_FIB_*; SOCKET: level; OSF: ttl mode; TCPOPT: RS_TCPOPT_RAW */
	unsigned base, offset, len; /* RS_F_RAW payload, EXTHDR/TCPOPT offsets (bits) */
	uint64_t mod, seed, off;    /* NUMGEN, HASH */
	char *name;           /* see rs_expr_kind */
	char *field;          /* EXTHDR/TCPOPT/IPOPT/SCTPCHUNK field */
	struct rs_expr **sub;
	size_t nsub;
	struct rs_term *arg;
	char *json;           /* RS_EX_UNKNOWN: the JSON text it came from */
};

/* ---- values ------------------------------------------------------------- */

#define RS_VALUE_BYTES 16

struct rs_value {
	enum rs_dtype dtype;
	unsigned bits;                 /* width; 0 when the type was not known */
	uint8_t b[RS_VALUE_BYTES];     /* network order: first (bits+7)/8 bytes */
	uint64_t num;                  /* integer view (low 64 bits) */
	char *str;                     /* names and strings as listed; else NULL */
	bool wildcard;                 /* IFNAME "eth*": matches names starting "eth" */
};

enum rs_verdict_kind {
	RS_VERDICT_NONE = 0,
	RS_VERDICT_ACCEPT,
	RS_VERDICT_DROP,
	RS_VERDICT_CONTINUE,
	RS_VERDICT_RETURN,
	RS_VERDICT_JUMP,
	RS_VERDICT_GOTO,
	RS_VERDICT_QUEUE,
};

struct rs_verdict {
	enum rs_verdict_kind kind;
	char *target;            /* JUMP/GOTO */
	struct rs_chain *chain;  /* JUMP/GOTO, resolved in the same table; NULL if absent */
};

enum rs_term_kind {
	RS_TERM_NONE = 0,
	RS_TERM_VALUE,
	RS_TERM_PREFIX,   /* v/plen */
	RS_TERM_RANGE,    /* v..hi inclusive */
	RS_TERM_CONCAT,   /* sub[] */
	RS_TERM_SET,      /* anonymous set: elems[] */
	RS_TERM_SETREF,   /* "@name": set_name, set */
	RS_TERM_VERDICT,  /* map data of a vmap */
	RS_TERM_EXPR,     /* an expression as a value (ct mark set meta mark) */
	RS_TERM_UNKNOWN,  /* json */
};

struct rs_term {
	enum rs_term_kind kind;
	struct rs_value v;
	struct rs_value hi;
	unsigned plen;
	struct rs_term *sub;
	size_t nsub;
	struct rs_elem *elems;
	size_t nelems;
	char *set_name;
	struct rs_set *set;
	struct rs_verdict verdict;
	struct rs_expr *expr;
	char *json;
};

struct rs_elem {
	struct rs_term key;
	struct rs_term *data;     /* maps and vmaps; NULL in plain sets */
	uint64_t timeout_ms;      /* 0 = none */
	uint64_t expires_ms;
	char *comment;
	bool has_counter;
	uint64_t packets, bytes;
};

/* ---- statements ---------------------------------------------------------- */

enum rs_op {
	RS_OP_EQ = 0,  /* ==, or membership when the right side is a set */
	RS_OP_NE,
	RS_OP_LT,
	RS_OP_GT,
	RS_OP_LE,
	RS_OP_GE,
	RS_OP_IN,      /* "in": (left & right) != 0 -- a flag of right is set */
	RS_OP_NOT,     /* "!":  (left & right) == 0 -- no flag of right is set */
};

enum rs_stmt_kind {
	RS_ST_UNKNOWN = 0,
	RS_ST_MATCH,
	RS_ST_VERDICT,
	RS_ST_VMAP,
	RS_ST_COUNTER,
	RS_ST_LOG,
	RS_ST_LIMIT,
	RS_ST_SET,       /* add/update/delete @set { elem [stmts] } */
	RS_ST_METER,
	RS_ST_QUOTA,
	RS_ST_CT_COUNT,  /* ct count / connlimit */
	RS_ST_MANGLE,    /* meta/ct/payload ... set; reset tcp option */
	RS_ST_NAT,
	RS_ST_NOTRACK,
	RS_ST_REJECT,
	RS_ST_QUEUE,
	RS_ST_DUP,
	RS_ST_FWD,
	RS_ST_OBJREF,    /* counter/quota/limit name, ct helper/timeout/expectation set */
	RS_ST_SYNPROXY,
	RS_ST_FLOW,      /* flow add @ft */
	RS_ST_TPROXY,
	RS_ST_LAST,
	RS_ST_XT,        /* iptables-nft compat expression: opaque */
};

struct rs_match {
	enum rs_op op;
	struct rs_expr *left;
	struct rs_term right;
	bool implicit;   /* put back by the loader (the listing drops it) */
};

enum rs_time_unit { RS_PER_SECOND = 1, RS_PER_MINUTE = 60, RS_PER_HOUR = 3600,
		    RS_PER_DAY = 86400, RS_PER_WEEK = 604800 };

struct rs_limit {
	uint64_t rate;
	unsigned per;        /* seconds: enum rs_time_unit */
	uint64_t burst;
	bool bytes;          /* rate in bytes (rate/burst scaled to bytes) */
	bool inv;            /* "over": matches when the rate is exceeded */
};

enum { RS_LOG_LEVEL_DEFAULT = -1 };
enum { RS_LOG_F_TCPSEQ = 1, RS_LOG_F_TCPOPT = 2, RS_LOG_F_IPOPT = 4, RS_LOG_F_SKUID = 8,
       RS_LOG_F_ETHER = 16 };

struct rs_log {
	char *prefix;        /* NULL = none */
	int group;           /* -1 = kernel log; else NFLOG group */
	int level;           /* syslog level 0..7 or RS_LOG_LEVEL_DEFAULT (warn) */
	unsigned flags;      /* RS_LOG_F_* */
	uint32_t snaplen, qthreshold;
};

enum rs_setop { RS_SETOP_ADD = 1, RS_SETOP_UPDATE, RS_SETOP_DELETE };

struct rs_stmt;

struct rs_setstmt {
	enum rs_setop op;
	struct rs_expr *elem;
	uint64_t timeout_ms;   /* per-element timeout given in the statement */
	char *set_name;        /* without "@" */
	struct rs_set *set;
	struct rs_stmt *stmts; /* limit, counter, quota ... attached to the element */
	size_t nstmts;
};

struct rs_meter {
	char *name;
	struct rs_expr *key;
	uint64_t timeout_ms;
	uint64_t size;
	struct rs_stmt *stmts;
	size_t nstmts;
};

struct rs_quota {
	uint64_t bytes, used;
	bool inv;              /* "over" */
};

struct rs_ct_count {
	uint64_t count;
	bool inv;              /* "over" */
};

struct rs_mangle {
	struct rs_expr *key;   /* the field written */
	struct rs_term value;  /* RS_TERM_NONE: `reset tcp option`, the option is stripped */
};

enum rs_nat_kind { RS_NAT_SNAT = 1, RS_NAT_DNAT, RS_NAT_MASQUERADE, RS_NAT_REDIRECT };
enum { RS_NAT_F_RANDOM = 1, RS_NAT_F_FULLY_RANDOM = 2, RS_NAT_F_PERSISTENT = 4,
       RS_NAT_F_NETMAP = 8, RS_NAT_F_PREFIX = 16 };

struct rs_nat {
	enum rs_nat_kind kind;
	enum rs_family family;  /* ip/ip6 in inet tables; UNKNOWN when not given */
	struct rs_term addr;    /* RS_TERM_NONE when absent */
	struct rs_term port;    /* RS_TERM_NONE when absent */
	unsigned flags;         /* RS_NAT_F_* */
};

struct rs_reject {
	char *type;             /* "icmp", "icmpv6", "icmpx", "tcp reset"; NULL = default */
	int code;               /* -1 = default */
};

struct rs_queue {
	struct rs_term num;
	unsigned flags;         /* 1 bypass, 2 fanout */
};

struct rs_dup {
	struct rs_term addr;    /* RS_TERM_NONE when absent */
	char *dev;
	struct rs_term devx;    /* the device from an expression (`fwd to ip daddr map {...}`);
				   RS_TERM_NONE when dev names it */
	enum rs_family family;
};

struct rs_objref {
	char *type;             /* "counter", "quota", "limit", "ct helper", "ct timeout",
				   "ct expectation", "synproxy", "secmark" */
	struct rs_term name;    /* a name, or a map from a key to names */
};

struct rs_counter {
	uint64_t packets, bytes;
};

struct rs_stmt {
	enum rs_stmt_kind kind;
	union {
		struct rs_match match;
		struct rs_verdict verdict;
		struct {                       /* RS_ST_VMAP */
			struct rs_expr *key;
			struct rs_term map;    /* anonymous set of pairs or @name */
		} vmap;
		struct rs_counter counter;
		struct rs_log log;
		struct rs_limit limit;
		struct rs_setstmt set;
		struct rs_meter meter;
		struct rs_quota quota;
		struct rs_ct_count ct_count;
		struct rs_mangle mangle;
		struct rs_nat nat;
		struct rs_reject reject;
		struct rs_queue queue;
		struct rs_dup dup;     /* RS_ST_DUP and RS_ST_FWD */
		struct rs_objref objref;
	} u;
	char *json;   /* RS_ST_UNKNOWN, and opaque kinds (SYNPROXY, FLOW, TPROXY, LAST, XT) */
};

/* ---- containers --------------------------------------------------------- */

struct rs_srcloc {
	char *file;   /* NULL when unknown */
	int line;     /* 1-based; 0 = unknown */
	char *text;   /* the rule as written, continuation lines joined */
};

struct rs_rule {
	struct rs_chain *chain;
	uint64_t handle;
	char *comment;
	struct rs_stmt *items;   /* in order; implicit matches included, marked */
	size_t nitems;
	const struct rs_stmt *verdict; /* the last VERDICT or VMAP item, or NULL */
	size_t nunknown;         /* unknown nodes anywhere in this rule */
	struct rs_srcloc loc;
};

enum rs_policy { RS_POLICY_ACCEPT = 0, RS_POLICY_DROP = 1 };

struct rs_chain {
	struct rs_table *table;
	char *name;
	uint64_t handle;
	bool base;
	char *type;              /* "filter", "nat", "route"; NULL for regular chains */
	enum rs_hook hook;
	int prio;
	enum rs_policy policy;
	char **devices;          /* netdev/ingress devices */
	size_t ndevices;
	char *comment;
	bool anonymous;          /* a `jump { ... }` chain read by core/bound.c */
	const struct rs_rule *bound_by;  /* anonymous: the rule that jumps to it */
	struct rs_rule *rules;
	size_t nrules, rules_cap;   /* rules_cap: the loader's, for grow_for_one */
};

enum {
	RS_SETF_CONSTANT = 1 << 0,
	RS_SETF_INTERVAL = 1 << 1,
	RS_SETF_TIMEOUT = 1 << 2,
	RS_SETF_DYNAMIC = 1 << 3,
};

#define RS_CONCAT_MAX 8

/* A set key or map data type; more than one part for a concatenation. */
struct rs_type {
	size_t n;
	struct {
		enum rs_dtype dtype;
		unsigned bits;
		char *name;      /* nft's type name: "ipv4_addr", "inet_service" */
	} part[RS_CONCAT_MAX];
};

struct rs_set {
	struct rs_table *table;
	char *name;
	uint64_t handle;
	bool is_map;
	struct rs_type key;
	struct rs_type data;     /* maps only */
	bool data_verdict;       /* a verdict map */
	unsigned flags;          /* RS_SETF_* */
	uint64_t timeout_ms;
	uint64_t gc_interval_ms;
	uint64_t size;           /* 0 = no limit given */
	char *policy;            /* "performance", "memory" or NULL */
	char *comment;
	struct rs_elem *elems;
	size_t nelems;
	struct rs_stmt *stmts;   /* per-element statements ("counter") */
	size_t nstmts;
};

/*
 * Whether a set's contents are decided at run time, a free choice for the
 * proofs, rather than listed: `flags dynamic` (rules add to it) or `flags
 * timeout` on a hash set (a daemon adds and expires single addresses, like
 * the ban sets). An interval set with timeouts holds prefixes a person
 * listed, each until the kernel expires it (xnft admin add --for): no rule
 * can add to it, so what it lists is what it holds.
 */
bool rs_set_filled_at_run_time(const struct rs_set *s);

/* Stateful objects and others: counters, quotas, limits, ct helpers, flowtables. */
struct rs_object {
	struct rs_table *table;
	char *type;              /* the JSON key: "counter", "quota", "ct helper", "flowtable" */
	char *name;
	uint64_t handle;
	char *json;
};

struct rs_table {
	enum rs_family family;
	char *name;
	uint64_t handle;
	char *comment;
	bool dormant;         /* flags dormant: its base chains are not attached to their hooks */
	struct rs_chain **chains;
	size_t nchains;
	struct rs_set **sets;
	size_t nsets;
	struct rs_object *objects;
	size_t nobjects, objects_cap;   /* objects_cap: the loader's, for grow_for_one */
};

struct ruleset {
	struct rs_table **tables;
	size_t ntables;
	size_t nunknown;         /* unknown nodes in the whole ruleset */
	char **unknown_kinds;    /* distinct JSON keys that became unknown nodes */
	size_t nunknown_kinds;
	/* the host's own addresses (live host or --local-addr): where a dnat goes, fib type */
	struct prefix *local;
	size_t nlocal;
	bool local_known;        /* false: not given, either way is possible */
	/* the host's bridge ports (--live): port i is a port of bridge i */
	char **brport, **brbridge;
	size_t nbrports;
	bool brports_known;      /* false: not given, any interface may be a bridge or port */
	/*
	 * br_netfilter for bridged IPv4 / IPv6 frames (net.bridge.bridge-nf-call-
	 * iptables / -ip6tables): whether the IP hooks see them too (--live
	 * reads the sysctls, --br-netfilter sets both; unknown on a file)
	 */
	enum rs_brnf { RS_BRNF_UNKNOWN = 0, RS_BRNF_OFF, RS_BRNF_ON } brnf4, brnf6;
};

struct ruleset_stats {
	size_t tables, chains, base_chains, rules, sets, maps, elements;
	size_t unknown, located;   /* unknown nodes; rules with a known source line */
};

/* ---- API ------------------------------------------------------------------ */

/*
 * Build the model from `nft -j -nnn -y list ruleset` text. Malformed JSON
 * or a top level that is not {"nftables": [...]} is an error; inside it,
 * anything unexpected becomes an unknown node.
 */
int ruleset_from_json(const char *json, size_t len, struct ruleset **out, struct xerr *e);
/* Add the elements of one set's own JSON listing (`nft -j list set ...`) to rs. */
int ruleset_add_set_json(struct ruleset *rs, const char *json, size_t len, struct xerr *e);
void ruleset_free(struct ruleset *rs);

/* Add one of the host's own addresses (marks them known); -1 out of memory. */
int ruleset_add_local(struct ruleset *rs, const struct prefix *p);

/* Port port of bridge bridge on this host (and the topology is known); -1 out of memory. */
int ruleset_add_brport(struct ruleset *rs, const char *port, const char *bridge);

void ruleset_stats(const struct ruleset *rs, struct ruleset_stats *st);

/* br_netfilter for family v6 (rs->brnf4 / brnf6). */
enum rs_brnf ruleset_brnf(const struct ruleset *rs, bool v6);

struct rs_table *ruleset_table(const struct ruleset *rs, enum rs_family fam, const char *name);
struct rs_chain *rs_table_chain(const struct rs_table *t, const char *name);
struct rs_set *rs_table_set(const struct rs_table *t, const char *name);

/*
 * A set (or map) of that name exists in some table: 0; else -1, e naming
 * the sets there are ("... it has @A, @B"), XNFT_EXIT_USAGE.
 */
int ruleset_require_set(const struct ruleset *rs, const char *name, struct xerr *e);

/* Rule as nft text ("tcp dport 22 accept"); implicit matches hidden unless show_implicit. */
char *ruleset_rule_format(const struct rs_rule *r, bool show_implicit);
char *rs_stmt_format(const struct rs_stmt *s);
char *rs_expr_format(const struct rs_expr *x);
char *rs_term_format(const struct rs_term *t);

const char *rs_family_name(enum rs_family f);
enum rs_family rs_family_lookup(const char *name);
const char *rs_hook_name(enum rs_hook h);
const char *rs_meta_name(enum rs_meta_key k);
const char *rs_ct_name(enum rs_ct_key k);
const char *rs_op_name(enum rs_op op);
const char *rs_verdict_name(enum rs_verdict_kind v);
const char *rs_proto_name(enum rs_proto p);
/* "second" ... "week" for a limit's per (enum rs_time_unit); "period" for any other. */
const char *rs_time_unit_name(unsigned per);

/* The protocol that carries a payload field's header (RS_PROTO_NONE for RAW). */
enum rs_proto rs_expr_proto(const struct rs_expr *x);

/* Type of a meta/ct key: width and dtype (0 bits when unknown). */
void rs_meta_type(enum rs_meta_key k, enum rs_dtype *dt, unsigned *bits);
void rs_ct_type(enum rs_ct_key k, enum rs_dtype *dt, unsigned *bits);

/* Parse nft's text for a value of a type into v (owned strings malloc'd). */
int rs_value_parse(struct rs_value *v, enum rs_dtype dt, unsigned bits, const char *text);
/* Same for a number from the listing. */
void rs_value_from_num(struct rs_value *v, enum rs_dtype dt, unsigned bits, uint64_t num);
/* A value from its big-endian bytes, as the kernel holds it; -1 out of memory. */
int rs_value_from_bytes(struct rs_value *v, enum rs_dtype dt, unsigned bits, const uint8_t *b,
			size_t len);

void rs_value_free(struct rs_value *v);
void rs_term_free(struct rs_term *t);
void rs_expr_free(struct rs_expr *x);
void rs_stmt_free(struct rs_stmt *s);

#endif
