/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PACKET: one concrete packet, written in packet words (match.h), e.g.
 *     iif eth0 ip saddr 203.0.113.5 tcp dport 22 tcp flags syn ct state new
 * `xnft trace` follows it through a ruleset. Every field has exactly one
 * value: sets, ranges, prefixes, patterns, '!=' and masks are refused with
 * a message saying what to write instead. `$NAME` (a define of the policy)
 * is kept unresolved until packet_resolve() puts the policy's value in.
 *
 * Words and fields: iif/iifname and oif/oifname name the interfaces (the
 * two spellings name the same interface and must agree); meta l4proto, ip
 * protocol and ip6 nexthdr all give the transport protocol (ip6 nexthdr
 * assumes no extension headers); ip ttl and ip6 hoplimit the hop limit;
 * tcp/udp/th sport/dport the ports; icmp and icmpv6 type/code the ICMP
 * header; `fragment` makes it a non-first fragment (ip frag-off 0x20b9:
 * more-fragments set, offset 1480 bytes), which carries no transport header,
 * so ports, tcp flags and icmp type/code cannot be given with it.
 *
 * IPv6 extension headers: `exthdr hbh,rt,frag,dst,mh` is the chain between
 * the IPv6 and the transport header, in order (hbh only first, each once but
 * dst twice, mh last; a non-first fragment ends at frag). The mobility
 * header is the transport protocol (meta l4proto 135, as ipv6_find_hdr and
 * conntrack take it). `frag id`, `frag frag-off` (8-byte units), `frag
 * more-fragments`, `rt type`, `rt seg-left`, `srh tag` (rt type 4) and `mh
 * type` set fields, and imply their header when no exthdr word is given
 * (order rt, frag, mh); `fragment` over IPv6 is a frag header with frag-off
 * 185 and more-fragments 1. The fixed layout: hbh and dst 8 bytes of PadN
 * (hdrlength 0); rt 24 bytes, one address :: (hdrlength 2, type 4: last-entry
 * 0, flags 0); frag 8 bytes, reserved 0; mh 8 bytes, payload proto 59,
 * hdrlength 0, reserved 0, checksum 0. ip6 nexthdr (the word) is the
 * transport protocol only without extension headers.
 *
 * An ARP packet (an `arp ...` word, or meta nfproto arp) is received (iif)
 * or sent (oif), never routed (a bridge may pass it on, below); it has its operation (`arp operation`,
 * default request) and the sender's and target's IPv4 addresses in saddr and
 * daddr (`arp saddr ip`, `arp daddr ip`: received, a neighbour 198.51.100.2
 * asks for this host 198.51.100.1; sent, the other way round; bridged, it
 * asks for another neighbour, 198.51.100.3). IP and
 * transport words cannot be given with it; it has no conntrack entry.
 *
 * A frame through a bridge names the bridge of its port: `iif P ibrname B`
 * arrives on port P of bridge B (for this host: bridge prerouting and input
 * with iif P, then the IP hooks with iif B); `oif Q obrname B` is sent by
 * this host through bridge B (the IP hooks with oif B, then bridge output
 * and postrouting with oif Q); `iif P ibrname B oif Q obrname B` is bridged
 * from port P to port Q (bridge prerouting, forward and postrouting only).
 *
 * Defaults for what is not given (packet_defaults() lists them in words):
 *  - path: iif only (or neither) = input, addressed to this host; iif and
 *    oif = forward; oif only = output, sent by this host.
 *  - iif/oif not given: "" = an interface no rule names ("any other interface").
 *  - meta nfproto ipv4, unless an IPv6 word is given (meta l4proto
 *    ipv6-icmp alone also means IPv6).
 *  - addresses: a host on the internet (8.8.8.8 / 2001:4860:4860::8888) and
 *    this host (198.51.100.1 / 2001:db8::1): input goes internet -> host,
 *    output host -> internet, forward internet -> another internet host
 *    (1.1.1.1 / 2606:4700:4700::1111). On loopback (iif or oif lo) both are
 *    127.0.0.1 / ::1.
 *  - meta l4proto tcp.
 *  - ports (tcp, udp, udplite, sctp, dccp): sport 40000 (ephemeral), dport 9
 *    (discard: a port no service uses).
 *  - tcp flags from ct state: new or untracked -> syn; otherwise ack.
 *  - ct state from the rest: tcp flags that conntrack refuses (no flags,
 *    FIN alone, FIN+PSH+URG, SYN+FIN, SYN+RST, ...) -> invalid; tcp flags
 *    with syn and without ack -> new; other tcp flags -> established; icmp
 *    errors (destination-unreachable, time-exceeded, parameter-problem,
 *    source-quench, packet-too-big) -> related (an error about one of this
 *    host's connections); echo-reply -> established; everything else new.
 *  - icmp type echo-request code 0; with only a code given, type
 *    destination-unreachable.
 *  - ip ttl / ip6 hoplimit 64; 255 for neighbour discovery (icmpv6 types
 *    133..137) and 1 for multicast listener discovery (130..132, 143), as
 *    those protocols require.
 *  - ip length: the headers alone (20 or 40, plus tcp 20, udp 8, icmp 8).
 *  - meta mark 0; not a fragment (frag-off 0); no extension headers; with a
 *    frag header an atomic fragment (frag-off 0, more-fragments 0) whose id
 *    is unknown (the tracer says what it takes it as); rt type 0, seg-left 0;
 *    mh type 0.
 *  - esp spi / ah spi (they imply meta l4proto esp / ah) and meta cpu have
 *    no default: not given, the tracer says what it takes them as.
 *  - meta time (a local date and time, 2026-12-07T10:00): when the packet
 *    arrives, for meta time, day and hour; not given, now.
 *  - meta pkttype (host, broadcast, multicast, other: what the link-layer
 *    destination made it) has no default: not given, the tracer takes it
 *    from the IP destination, or for an ARP packet or a bridged frame what
 *    such a frame usually is, and says so on the rule.
 *  - vlan id (0..4095): a frame bridged from port to port carries an 802.1Q
 *    tag with this id (its pcp and dei are not words: taken as 0, said);
 *    not given, the frame has no tag.
 *
 * sctp, dccp, udplite, comp and igmp (each word implies its protocol; igmp
 * IPv4), laid out as xpkt sends them (tests/tools/xpkt.c):
 *  - sctp vtag N, sctp chunk CHUNK: the common header and one chunk
 *    (packet_sctp_chunk_len() bytes), default init with tag 0. ct state: new
 *    for heartbeat, heartbeat-ack, shutdown-ack, and for init, init-ack,
 *    shutdown, error, cookie-echo with tag 0; invalid otherwise, as
 *    nf_conntrack_proto_sctp gives it.
 *  - dccp type TYPE (4 bits): extended sequence numbers, the subheaders of
 *    the type (packet_dccp_len()), default request; ct state new (the kernel
 *    tracks DCCP with the generic tracker since 6.16).
 *  - udplite csumcov N: the 8-byte header alone, default coverage 0 (all).
 *    Conntrack checks a received one's checksum with UDP's pseudo-header,
 *    which a correct UDP-Lite checksum fails: invalid when received, new when
 *    this host sends it (a coverage other than 0 or 8: invalid).
 *  - comp cpi N, comp nexthdr PROTO, comp flags N: the 4-byte IPComp header,
 *    default cpi 2 (DEFLATE), next header udp, flags 0.
 *  - igmp type TYPE, igmp mrt N: default membership-query with max response
 *    time 100 (10 s), other types 0; a query's group is 0.0.0.0, another
 *    message's group is not given.
 *  Ports of sctp, dccp and udplite are th sport/dport; their checksums are
 *  not words (the tracer takes 0 and says so).
 */
#ifndef XNFT_CORE_PACKET_H
#define XNFT_CORE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/match.h"

/* Enough for packet_format() / packet_format_full() of any packet. */
#define PACKET_TEXT_MAX 1024

/* The fields of one packet; a word like "tcp dport" sets one of them. */
enum packet_field {
	PF_IIF, PF_IIFNAME, PF_OIF, PF_OIFNAME,  /* iif and iifname share packet.iif */
	PF_NFPROTO, PF_L4PROTO, PF_MARK,
	PF_SADDR, PF_DADDR, PF_TTL, PF_LENGTH, PF_FRAG_OFF, PF_FRAGMENT,
	PF_SPORT, PF_DPORT, PF_TCP_FLAGS, PF_CT_STATE, PF_ICMP_TYPE, PF_ICMP_CODE,
	PF_ARP_OP, PF_IBRNAME, PF_OBRNAME,
	PF_SPI, PF_CPU, PF_TIME,   /* esp spi / ah spi share PF_SPI, as the ports do */
	PF_L4TYPE,                 /* sctp chunk (the first chunk's type), dccp type, igmp type */
	PF_VTAG, PF_CSUMCOV, PF_CPI, PF_IGMP_MRT,
	PF_EXTHDR, PF_FRAG_ID, PF_FRAG6_OFF, PF_FRAG6_MF, PF_RT_TYPE, PF_RT_SEGLEFT,
	PF_SRH_TAG, PF_MH_TYPE,    /* IPv6 extension headers */
	PF_COMP_NEXTHDR, PF_COMP_FLAGS,
	PF_PKTTYPE, PF_VLAN_ID,
	PF__COUNT
};

#define PF_BIT(f) ((uint64_t)1 << (f))

enum packet_path { PACKET_INPUT, PACKET_FORWARD, PACKET_OUTPUT };

struct packet {
	uint64_t given;        /* PF_BIT()s written, or implied by a word (tcp dport => l4proto) */
	uint64_t unresolved;   /* PF_BIT()s written as $NAME; their values are defaults until resolved */
	uint64_t known;        /* PF_BIT()s whose value came from the words: not a default, not a
				* define (an implied protocol counts: `meta l4proto $P udp dport 53`) */
	char define[PF__COUNT][MATCH_NAME_MAX];  /* the define's name, for unresolved fields */

	char iif[IFNAME_MAXLEN + 1];   /* "" = an interface no rule names */
	char oif[IFNAME_MAXLEN + 1];   /* "" = none (input) or one no rule names */
	char ibr[IFNAME_MAXLEN + 1];   /* the bridge iif is a port of; "" = not a bridge port */
	char obr[IFNAME_MAXLEN + 1];   /* the bridge oif is a port of; "" = not a bridge port */
	uint8_t nfproto;               /* MATCH_NFPROTO_IPV4, _IPV6 or _ARP */
	uint8_t l4proto;
	uint32_t mark;
	struct prefix saddr, daddr;    /* full-length addresses of the nfproto's family */
	uint8_t ttl;                   /* ip ttl or ip6 hoplimit */
	uint16_t length;               /* total length in bytes */
	uint16_t frag_off;             /* IPv4 layout: 0x2000 more fragments, low 13 bits offset/8 */
	uint16_t sport, dport;         /* 0 when the protocol has no ports or it is a fragment */
	uint8_t tcp_flags;             /* MATCH_TCP_* bits; 0 unless tcp */
	uint8_t ct_state;              /* exactly one MATCH_CT_* bit */
	uint8_t icmp_type, icmp_code;  /* icmp or icmpv6 by nfproto; 0 unless icmp */
	uint16_t arp_op;               /* ARP: the operation (1 request, 2 reply); else 0 */
	uint32_t spi;                  /* esp or ah spi; 0 (unknown to the tracer) unless given */
	uint32_t cpu;                  /* meta cpu; only meaningful when given (no default) */
	uint32_t time;                 /* meta time: seconds since the epoch; 0 = not given (now) */
	uint8_t l4type;                /* sctp: the one chunk's type; dccp, igmp: the type */
	uint32_t vtag;                 /* sctp verification tag */
	uint16_t csumcov;              /* udplite checksum coverage (0: the whole datagram) */
	uint16_t cpi;                  /* comp (IPComp) compression parameter index */
	uint8_t igmp_mrt;              /* igmp max response time, tenths of a second */
	/* IPv6 extension headers between the IPv6 and the transport header */
	uint32_t exthdr;               /* the chain, match_exthdr_at(); 0 = none */
	uint32_t frag_id;              /* frag id: 0 (unknown to the tracer) unless given */
	uint16_t frag6_off;            /* frag frag-off (8-byte units); frag_off holds it too */
	uint8_t frag6_mf;              /* frag more-fragments */
	uint8_t rt_type, rt_segleft;   /* rt type, rt seg-left */
	uint16_t srh_tag;              /* srh tag (rt type 4) */
	uint8_t mh_type;               /* mh type (the mobility header is the transport, 135) */
	uint8_t comp_nexthdr;          /* comp: the protocol of the compressed payload */
	uint8_t comp_flags;            /* comp: flags (reserved, 0 in RFC 3173) */
	uint8_t pkttype;               /* meta pkttype; only meaningful when given (no default) */
	uint16_t vlan_id;              /* the frame's 802.1Q tag when given; none when not */
};

/* Bytes of each extension header in the fixed layout (packet.h's comment). */
#define PACKET_EH_OPT_LEN 8    /* hbh, dst: PadN options, hdrlength 0 */
#define PACKET_EH_RT_LEN 24    /* rt: one address, hdrlength 2 */
#define PACKET_EH_FRAG_LEN 8
#define PACKET_EH_MH_LEN 8     /* mh: hdrlength 0 */

/* The bytes the extension headers in front of the transport header take. */
unsigned packet_exthdr_len(const struct packet *p);

/* The chain holds header code (MATCH_EH_*). */
bool packet_has_exthdr(const struct packet *p, unsigned code);

/* ip frag-off of the word `fragment`. */
#define PACKET_FRAGMENT_OFF 0x20b9

/*
 * Parse a PACKET. Errors carry file "packet", line 1 and the column of the
 * offending word; on error *p is zeroed.
 */
int packet_parse(struct packet *p, const char *text, struct xerr *e);

/* The same from conditions already parsed (every one must be a single value). */
int packet_from_match(struct packet *p, const struct match_list *m,
		      const struct match_src *src, struct xerr *e);

/*
 * argv words joined with spaces, then packet_parse: for the command line,
 * where one argument may also hold several words.
 */
int packet_parse_argv(struct packet *p, int argc, char **argv, struct xerr *e);

/* The words the user gave, canonical: packet_parse(packet_format(p)) equals p. */
void packet_format(const struct packet *p, char *buf, size_t size);

/*
 * Every field that matters for this packet, defaults included, as words;
 * parsing it gives the same values. Unresolved defines show as $NAME and the
 * defaults around them are provisional: resolve first.
 */
void packet_format_full(const struct packet *p, char *buf, size_t size);

/* A field not given and the value it took. */
struct packet_default {
	enum packet_field field;
	char words[96];      /* "ip saddr 8.8.8.8", "iif: any other interface" */
	const char *why;     /* "a host on the internet" */
};

/* The defaults of p, in order; returns how many (at most max are stored). */
size_t packet_defaults(const struct packet *p, struct packet_default *out, size_t max);

/* "ip saddr 8.8.8.8 (a host on the internet), tcp sport 40000 (...), ..."; "" when none. */
void packet_defaults_format(const struct packet *p, char *buf, size_t size);

enum packet_path packet_path(const struct packet *p);

bool packet_is_arp(const struct packet *p);

/* A frame through a bridge (ibrname or obrname given). */
bool packet_is_bridged(const struct packet *p);

bool packet_equal(const struct packet *a, const struct packet *b);

/* The value text of define NAME (as written in the policy), or -1 when there is none. */
typedef int (*packet_lookup_fn)(void *ctx, const char *name, char *value, size_t size);

/*
 * Put the values of the $NAMEs in (the tracer does this with the policy's
 * defines) and recompute the defaults. A define that is missing or whose
 * value is not a single value for its field is an error.
 */
int packet_resolve(struct packet *p, packet_lookup_fn lookup, void *ctx, struct xerr *e);

/* Bytes of an SCTP packet's one chunk of this type, and of a DCCP packet of this type. */
unsigned packet_sctp_chunk_len(unsigned type);
unsigned packet_dccp_len(unsigned type);

/* "ip saddr", "tcp dport", ...: the canonical words of a field in this packet. */
const char *packet_field_words(const struct packet *p, enum packet_field f);

#endif
