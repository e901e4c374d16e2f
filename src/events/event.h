/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One drop event, whatever it came from: a kernel log line (journald,
 * /dev/kmsg, a file, stdin) or an NFLOG packet. Every source fills this
 * struct, every consumer (events, report, the ban engine) reads it.
 *
 * It is small and fixed-size on purpose: a source fills one on its stack and
 * hands it to a callback, so the hot path never allocates. Optional fields
 * hold a value only when their EVENT_HAS_* bit is set in `has`.
 */
#ifndef XNFT_EVENTS_EVENT_H
#define XNFT_EVENTS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* nft's log prefix limit (NF_LOG_PREFIXLEN), NUL included. */
#define EVENT_PREFIX_MAX 128
/* Linux IFNAMSIZ, NUL included. */
#define EVENT_IFNAME_MAX 16

enum event_hook {
	EVENT_HOOK_UNKNOWN = 0,
	EVENT_HOOK_PREROUTING,
	EVENT_HOOK_INPUT,
	EVENT_HOOK_FORWARD,
	EVENT_HOOK_OUTPUT,
	EVENT_HOOK_POSTROUTING,
};

enum event_time_src {
	EVENT_TIME_RECEIVED = 0,  /* the source had no time: when xnft read it */
	EVENT_TIME_SOURCE,        /* the journal's, the syslog stamp's, the kernel's */
};

/* TCP flag bits as in byte 13 of the TCP header (nft's order). */
enum {
	EVENT_TCP_FIN = 0x01,
	EVENT_TCP_SYN = 0x02,
	EVENT_TCP_RST = 0x04,
	EVENT_TCP_PSH = 0x08,
	EVENT_TCP_ACK = 0x10,
	EVENT_TCP_URG = 0x20,
	EVENT_TCP_ECE = 0x40,
	EVENT_TCP_CWR = 0x80,
};

/* Which optional fields hold a value (struct xevent.has). */
enum {
	EVENT_HAS_PROTO    = 1u << 0,   /* proto */
	EVENT_HAS_PORTS    = 1u << 1,   /* sport and dport (TCP, UDP, UDP-Lite, SCTP) */
	EVENT_HAS_TCPFLAGS = 1u << 2,   /* tcp_flags (0 = a NULL scan) */
	EVENT_HAS_ICMP     = 1u << 3,   /* icmp_type, icmp_code (ICMP or ICMPv6) */
	EVENT_HAS_LEN      = 1u << 4,   /* len */
	EVENT_HAS_TTL      = 1u << 5,   /* ttl (IPv4) or hop limit (IPv6) */
	EVENT_HAS_TOS      = 1u << 6,   /* tos (IPv4 TOS byte) or traffic class */
	EVENT_HAS_IPID     = 1u << 7,   /* ip_id (IPv4 ID, IPv6 fragment id) */
	EVENT_HAS_MAC      = 1u << 8,   /* mac_src */
	EVENT_HAS_MARK     = 1u << 9,   /* mark (the kernel logs it only when non-zero) */
	EVENT_HAS_UID      = 1u << 10,  /* uid and gid of the local socket */
	EVENT_HAS_TCPSEQ   = 1u << 11,  /* tcp_seq, tcp_ack (`log flags tcp sequence`) */
	EVENT_HAS_FLOWLBL  = 1u << 12,  /* flowlabel (IPv6) */
	EVENT_HAS_MTU      = 1u << 13,  /* mtu of an ICMP frag-needed / ICMPv6 too-big */
};

/* Packet facts (struct xevent.flags). */
enum {
	EVENT_F_FRAGMENT   = 1u << 0,   /* a fragment: more fragments follow or offset > 0 */
	EVENT_F_MORE_FRAGS = 1u << 1,   /* IPv4 MF, IPv6 M flag */
	EVENT_F_DF         = 1u << 2,   /* IPv4 don't-fragment */
	EVENT_F_CE         = 1u << 3,   /* IPv4 "evil"/congestion bit the kernel prints as CE */
	EVENT_F_INCOMPLETE = 1u << 4,   /* headers cut short: the kernel said INCOMPLETE or
					 * TRUNCATED, the capture was short, or the line
					 * ended before the protocol's last field */
};

struct xevent {
	int64_t time_us;                  /* microseconds since the epoch, UTC */
	uint8_t time_src;                 /* enum event_time_src */
	uint8_t family;                   /* AF_INET or AF_INET6 */
	uint8_t hook;                     /* enum event_hook */
	uint8_t proto;                    /* IP protocol number of the last header */
	uint8_t tcp_flags;                /* EVENT_TCP_* */
	uint8_t icmp_type, icmp_code;
	uint8_t ttl;
	uint8_t tos;
	uint16_t sport, dport;
	uint16_t len;                     /* IP total length (IPv6: payload + 40) */
	uint16_t frag_off;                /* fragment offset in bytes */
	uint16_t mtu;
	uint32_t ip_id;
	uint32_t flowlabel;
	uint32_t mark;
	uint32_t uid, gid;
	uint32_t tcp_seq, tcp_ack;
	uint32_t has;                     /* EVENT_HAS_* */
	uint32_t flags;                   /* EVENT_F_* */
	unsigned char src[16], dst[16];   /* network order; IPv4 uses the first 4 bytes */
	unsigned char mac_src[6];
	char in[EVENT_IFNAME_MAX];        /* "" when the packet had none */
	char out[EVENT_IFNAME_MAX];
	char prefix[EVENT_PREFIX_MAX];    /* the log prefix as logged: "XNFT-DROP: " */
	char category[EVENT_PREFIX_MAX];  /* "DROP": the prefix without "XNFT-" and ": " */
	/*
	 * The input line (line sources) or NULL (NFLOG). Points into the
	 * source's buffer: valid only until the callback returns.
	 */
	const char *raw;
	size_t raw_len;
};

/*
 * A consumer of events. Return 0 to go on, anything else to stop reading
 * (the source's read or run function then returns that value's sign).
 */
typedef int (*event_cb)(const struct xevent *ev, void *arg);

/* Clear an event: every number and flag, raw, and the strings (to ""). */
void event_init(struct xevent *ev);

/*
 * Set prefix (cut to EVENT_PREFIX_MAX - 1 bytes), category and hook from a
 * log prefix as the kernel or NFLOG gives it. The hook comes from the
 * catalogue of the default policy's prefixes; other prefixes get FORWARD
 * when the packet has both an input and an output interface (only the
 * forward hook sees both), else UNKNOWN. Call it after in/out are set.
 */
void event_set_prefix(struct xevent *ev, const char *prefix, size_t len);

/* The hook a catalogued category is logged from; EVENT_HOOK_UNKNOWN if not one of ours. */
enum event_hook event_catalogue_hook(const char *category);

/* The categories of the default policy's log prefixes (docs/log-prefixes.md), NULL-terminated. */
extern const char *const event_catalogue[];

/* "input", "forward", ... "unknown". */
const char *event_hook_name(enum event_hook h);

/* "tcp", "udp", "icmp", "icmpv6", ...; NULL for a protocol without a name here. */
const char *event_proto_name(unsigned proto);

/* "ipv4", "ipv6" or "unknown". */
const char *event_family_name(int family);

/* The interface a report groups by: the input interface, else the output one. */
const char *event_iface(const struct xevent *ev);

/* Address text, compressed as inet_ntop writes it. buf: at least 46 bytes. */
void event_addr_format(int family, const unsigned char *addr, char *buf, size_t size);

/* TCP flags as nft's words joined by ',' ("syn,ack"; "none" for 0). buf: at least 40 bytes. */
void event_tcp_flags_format(unsigned flags, char *buf, size_t size);

/*
 * Decode a raw IPv4/IPv6 packet (network header first, as NFLOG hands it
 * over) into ev: family, addresses, length, TTL, fragment facts, protocol,
 * ports, TCP flags, ICMP type/code. A capture cut short sets
 * EVENT_F_INCOMPLETE. Returns 0, or -1 when the bytes are not an IP packet
 * (ev's packet fields are then left unset).
 */
int event_from_packet(struct xevent *ev, const unsigned char *pkt, size_t len);

/*
 * A duration for --since: "90s", "10m", "1h30m", "2d", "1w"; a bare number
 * is seconds. Fills *usec; -1 with e set for anything else.
 */
int event_parse_duration(const char *text, int64_t *usec, struct xerr *e);

/*
 * --since: a duration back from now_us, or "all" (from the start: *since_us
 * becomes 0). -1 with e set for anything else.
 */
int event_parse_since(const char *text, int64_t now_us, int64_t *since_us, struct xerr *e);

/* Microseconds since the epoch, now (CLOCK_REALTIME). */
int64_t event_now_us(void);

#endif
