// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xpkt: packet tool for the integration tests. It runs in the network
 * namespace it is started in (`ip netns exec NS xpkt ...`) and does one of:
 *
 *   send     craft IPv4/IPv6 packets on a raw socket: any TCP flags, spoofed
 *            sources, chosen TTL/hop limit, two-fragment packets, ICMP and
 *            ICMPv6 of any type (NDP, redirects, errors) with a plausible body
 *   connect  one TCP connect: prints open, refused or filtered
 *   listen   a bounded TCP accept-and-close or UDP receive loop that prints
 *            what arrived and exits by itself
 *   ping     one echo request per try: prints reply or timeout
 *
 * Exit status: 0 done (whatever the network answered), 1 a system call
 * failed, 2 usage error. Every loop is bounded in count and in time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SYS	1
#define EXIT_USAGE	2

#define MAX_COUNT	100000
#define MAX_TIMEOUT_MS	600000
#define PKT_MAX		512
/* First fragment carries this many bytes of the L4 segment (multiple of 8). */
#define FRAG_SPLIT	16

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_FRAG6	44
#define PROTO_ESP	50
#define PROTO_AH	51
#define PROTO_ICMPV6	58
#define PROTO_IGMP	2
#define PROTO_DCCP	33
#define PROTO_COMP	108
#define PROTO_SCTP	132
#define PROTO_UDPLITE	136

struct addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t b[16];		/* network order; 4 bytes used for AF_INET */
};

static size_t addr_len(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

struct opts {
	const char *src;
	const char *dst;
	int proto;		/* PROTO_* or 0 */
	int sport;		/* -1: pick one per packet */
	int dport;
	int port;
	unsigned int tcp_flags;
	uint32_t spi;		/* esp, ah: the security parameters index */
	uint32_t vtag;		/* sctp verification tag */
	int l4type;		/* sctp chunk, dccp type, igmp type; -1: init, request, query */
	int csumcov;		/* udplite checksum coverage (0: all) */
	int cpi;		/* comp compression parameter index */
	int comp_nh;		/* comp next header (default udp) */
	int comp_flags;		/* comp flags (default 0) */
	int mrt;		/* igmp max response time; -1: 100 in a query, else 0 */
	int icmp_type;		/* -1: echo request */
	int icmp_code;
	int hop;		/* TTL / hop limit */
	bool frag;
	bool udp;
	long count;
	long timeout_ms;
	const char *iface;
};

static const char *prog = "xpkt";

static void usage(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  %s send [--src ADDR] --dst ADDR --proto tcp|udp|icmp|icmpv6 [--sport N] [--dport N]\n"
		"          [--flags syn,ack,fin,rst,psh,urg|none] [--icmp-type N] [--icmp-code N]\n"
		"          [--hoplimit N|--ttl N] [--frag] [--count N] [--iface IF]\n"
		"  %s connect --dst ADDR --port N [--src ADDR] [--sport N] [--timeout-ms N]\n"
		"  %s listen --port N [--udp] [--count N] [--timeout-ms N]\n"
		"  %s ping --dst ADDR [--src ADDR] [--count N] [--timeout-ms N]\n"
		"  %s send-batch [--gap-us N] FILE   (one packet a line: src=A dst=A proto=P\n"
		"          [sport=N] [dport=N] [flags=F] [icmp-type=N] [icmp-code=N] [ttl=N]\n"
		"          [spi=N (proto=esp|ah)] [tag=N] [frag2]; tag = IPv4 id / IPv6 flow label, frag2 = second\n"
		"          fragment only; proto=sctp|dccp|udplite|comp|igmp with [vtag=N] [chunk=N]\n"
		"          [dccp-type=N] [csumcov=N] [cpi=N] [comp-nexthdr=N] [comp-flags=N]\n"
		"          [igmp-type=N] [mrt=N]; IPv6 extension headers: ext=hbh,rt,frag,dst,mh\n"
		"          [frag-id=N] [frag-off=N] [frag-mf=0|1] [rt-type=N] [rt-segleft=N] [srh-tag=N]\n"
		"          [mh-type=N])\n"
		"send: without --sport each packet gets its own source port (a new flow);\n"
		"      --frag sends each packet as two fragments; ICMP errors and redirects\n"
		"      quote a TCP segment from --dst port --dport to --src port --sport.\n"
		"connect prints open, refused or filtered; ping prints reply or timeout.\n",
		prog, prog, prog, prog, prog);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(run '%s --help' for usage)\n", prog);
	return EXIT_USAGE;
}

static int sys_error(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, arg ? arg : "", strerror(errno));
	return EXIT_SYS;
}

/* parse_long: whole string must be a decimal number in [min, max]. */
static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_addr(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

static bool parse_flags(const char *s, unsigned int *out)
{
	static const struct { const char *name; unsigned int bit; } names[] = {
		{ "fin", TCP_FIN }, { "syn", TCP_SYN }, { "rst", TCP_RST },
		{ "psh", TCP_PSH }, { "ack", TCP_ACK }, { "urg", TCP_URG },
	};
	char buf[64];
	char *tok, *save = NULL;
	unsigned int flags = 0;

	if (strcmp(s, "none") == 0) {
		*out = 0;
		return true;
	}
	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(tok, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return false;
		flags |= names[i].bit;
	}
	if (!flags)
		return false;
	*out = flags;
	return true;
}

/* ---- byte helpers and checksums ---- */

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t sum_bytes(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header sum TCP, UDP and ICMPv6 checksums start from. */
static uint32_t pseudo_sum(const struct addr *src, const struct addr *dst,
			   int proto, size_t l4len)
{
	uint8_t ph[40];
	size_t n = addr_len(src);

	memset(ph, 0, sizeof(ph));
	memcpy(ph, src->b, n);
	memcpy(ph + n, dst->b, n);
	if (src->family == AF_INET) {
		ph[9] = (uint8_t)proto;
		put16(ph + 10, (unsigned int)l4len);
		return sum_bytes(ph, 12, 0);
	}
	put32(ph + 32, (uint32_t)l4len);
	ph[39] = (uint8_t)proto;
	return sum_bytes(ph, 40, 0);
}

static uint32_t random32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	return v;
}

/* ---- packet building ---- */

struct pkt {
	const struct opts *o;
	struct addr src;
	struct addr dst;
	int sport;
	long seq;		/* index of the packet in --count */
};

/*
 * An inner IP header + 8 bytes, as ICMP errors and redirects quote: a TCP
 * segment the destination sent to the source, from its port --dport to the
 * source's port --sport. Quote a real connection of the destination to get
 * a related error (PMTUD); the defaults 33333 -> 44444 match no connection
 * (an invalid error).
 */
static size_t build_quote(const struct pkt *p, uint8_t *b)
{
	size_t n = addr_len(&p->src), len;

	if (p->src.family == AF_INET) {
		memset(b, 0, 28);
		b[0] = 0x45;
		put16(b + 2, 40);
		b[8] = 64;
		b[9] = PROTO_TCP;
		memcpy(b + 12, p->dst.b, n);
		memcpy(b + 16, p->src.b, n);
		put16(b + 10, fold(sum_bytes(b, 20, 0)));
		len = 20;
	} else {
		memset(b, 0, 48);
		b[0] = 0x60;
		put16(b + 4, 20);
		b[6] = PROTO_TCP;
		b[7] = 64;
		memcpy(b + 8, p->dst.b, n);
		memcpy(b + 24, p->src.b, n);
		len = 40;
	}
	put16(b + len, p->o->dport ? (unsigned int)p->o->dport : 33333);
	put16(b + len + 2, p->o->sport > 0 ? (unsigned int)p->o->sport : 44444);
	put32(b + len + 4, random32());
	return len + 8;
}

static size_t build_tcp(const struct pkt *p, uint8_t *b)
{
	const struct opts *o = p->o;
	size_t len = 20;

	memset(b, 0, 20);
	put16(b, (unsigned int)p->sport);
	put16(b + 2, (unsigned int)o->dport);
	put32(b + 4, random32());
	if (o->tcp_flags & TCP_ACK)
		put32(b + 8, random32());
	b[12] = 5 << 4;
	b[13] = (uint8_t)o->tcp_flags;
	put16(b + 14, 1024);
	if (o->frag) {		/* enough bytes to split in two fragments */
		memset(b + 20, 'x', 16);
		len += 16;
	}
	put16(b + 16, fold(pseudo_sum(&p->src, &p->dst, PROTO_TCP, len) +
			   sum_bytes(b, len, 0)));
	return len;
}

static size_t build_udp(const struct pkt *p, uint8_t *b)
{
	int n = snprintf((char *)b + 8, 64, "xpkt datagram %ld\n", p->seq);
	size_t len = 8 + (size_t)n;
	uint16_t ck;

	put16(b, (unsigned int)p->sport);
	put16(b + 2, (unsigned int)p->o->dport);
	put16(b + 4, (unsigned int)len);
	put16(b + 6, 0);
	ck = fold(pseudo_sum(&p->src, &p->dst, PROTO_UDP, len) + sum_bytes(b, len, 0));
	put16(b + 6, ck ? ck : 0xffff);
	return len;
}

/*
 * ESP: spi, sequence number, then bytes that stand for the encrypted
 * payload. No SA matches it: the receiver drops it after the input hook.
 */
static size_t build_esp(const struct pkt *p, uint8_t *b)
{
	put32(b, p->o->spi);
	put32(b + 4, (uint32_t)p->seq + 1);
	memset(b + 8, 'x', 16);
	return 24;
}

/* AH: next header 59 (none), length 4 (24 bytes: a 12-byte ICV), spi, sequence, ICV. */
static size_t build_ah(const struct pkt *p, uint8_t *b)
{
	memset(b, 0, 24);
	b[0] = 59;
	b[1] = 4;
	put32(b + 4, p->o->spi);
	put32(b + 8, (uint32_t)p->seq + 1);
	return 24;
}

/* ---- sctp, dccp, udplite, comp, igmp: as xnft's tracer lays them out (packet.h) ---- */

/* CRC32c (Castagnoli, reflected), as SCTP's checksum (RFC 9260 appendix B). */
static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Bytes of the one chunk (xnft's packet_sctp_chunk_len()). */
static size_t sctp_chunk_len(int type)
{
	switch (type) {
	case 1: case 2: return 20;
	case 0: case 3: return 16;
	case 7: return 8;
	default: return 4;
	}
}

/*
 * SCTP: common header and one chunk of type --chunk (default INIT). An INIT
 * carries a non-zero initiate tag, a window, one stream each way and an
 * initial TSN, as conntrack reads them. The CRC32c goes in as the kernel
 * stores it: least significant byte first.
 */
static size_t build_sctp(const struct pkt *p, uint8_t *b)
{
	int type = p->o->l4type >= 0 ? p->o->l4type : 1;
	size_t clen = sctp_chunk_len(type), len = 12 + clen;
	uint32_t crc;

	memset(b, 0, len);
	put16(b, (unsigned int)p->sport);
	put16(b + 2, (unsigned int)p->o->dport);
	put32(b + 4, p->o->vtag);
	b[12] = (uint8_t)type;
	put16(b + 14, (unsigned int)clen);
	if (type == 1 || type == 2) {
		put32(b + 16, random32() | 1);
		put32(b + 20, 65536);
		put16(b + 24, 1);
		put16(b + 26, 1);
		put32(b + 28, random32());
	}
	crc = crc32c(b, len);
	for (int i = 0; i < 4; i++)
		b[8 + i] = (uint8_t)(crc >> (8 * i));
	return len;
}

/* Bytes of a DCCP packet (xnft's packet_dccp_len()). */
static size_t dccp_len(int type)
{
	size_t len = 16;

	if (type != 0 && type != 2)
		len += 8;
	if (type == 0 || type == 1 || type == 7)
		len += 4;
	return len;
}

/* DCCP, extended sequence numbers, checksum over the whole packet (CsCov 0). */
static size_t build_dccp(const struct pkt *p, uint8_t *b)
{
	int type = p->o->l4type >= 0 ? p->o->l4type : 0;
	size_t len = dccp_len(type);
	uint32_t seq = random32();

	memset(b, 0, len);
	put16(b, (unsigned int)p->sport);
	put16(b + 2, (unsigned int)p->o->dport);
	b[4] = (uint8_t)(len / 4);
	b[8] = (uint8_t)(type << 1 | 1);
	put32(b + 12, seq);
	if (len > 20)
		put32(b + 20, random32());   /* acknowledgement number, low bits */
	put16(b + 6, fold(pseudo_sum(&p->src, &p->dst, PROTO_DCCP, len) + sum_bytes(b, len, 0)));
	return len;
}

/* UDP-Lite: the header alone; the checksum covers --csumcov bytes (0: all 8). */
static size_t build_udplite(const struct pkt *p, uint8_t *b)
{
	size_t cov = p->o->csumcov && p->o->csumcov < 8 ? (size_t)p->o->csumcov : 8;
	uint16_t ck;

	put16(b, (unsigned int)p->sport);
	put16(b + 2, (unsigned int)p->o->dport);
	put16(b + 4, (unsigned int)p->o->csumcov);
	put16(b + 6, 0);
	ck = fold(pseudo_sum(&p->src, &p->dst, PROTO_UDPLITE, 8) + sum_bytes(b, cov, 0));
	put16(b + 6, ck ? ck : 0xffff);
	return 8;
}

/* IPComp: next header (default udp), flags (default 0), cpi; no compressed data. */
static size_t build_comp(const struct pkt *p, uint8_t *b)
{
	b[0] = (uint8_t)p->o->comp_nh;
	b[1] = (uint8_t)p->o->comp_flags;
	put16(b + 2, (unsigned int)p->o->cpi);
	return 4;
}

/* IGMP: a query (default) asks about all groups; other messages name 239.1.1.1. */
static size_t build_igmp(const struct pkt *p, uint8_t *b)
{
	int type = p->o->l4type >= 0 ? p->o->l4type : 0x11;

	b[0] = (uint8_t)type;
	b[1] = (uint8_t)(p->o->mrt >= 0 ? p->o->mrt : type == 0x11 ? 100 : 0);
	put16(b + 2, 0);
	put32(b + 4, type == 0x11 ? 0 : 0xef010101u);
	put16(b + 2, fold(sum_bytes(b, 8, 0)));
	return 8;
}

/* The body after type/code/checksum, shaped like the message type says. */
static size_t build_icmp_body(const struct pkt *p, int type, uint8_t *b)
{
	bool v6 = p->src.family == AF_INET6;
	size_t n = addr_len(&p->src);

	memset(b, 0, 4);
	if ((!v6 && (type == 3 || type == 11 || type == 12)) ||
	    (v6 && type >= 1 && type <= 4)) {		/* error */
		if (!v6 && type == 3 && p->o->icmp_code == 4)
			put16(b + 2, 576);		/* frag needed: next-hop MTU */
		if (v6 && type == 2)
			put32(b, 1280);			/* packet too big: MTU */
		return 4 + build_quote(p, b + 4);
	}
	if (!v6 && type == 5) {				/* redirect: gateway */
		memcpy(b, p->src.b, 4);
		return 4 + build_quote(p, b + 4);
	}
	if (v6 && (type == 135 || type == 136)) {	/* NS / NA: target */
		memcpy(b + 4, type == 135 ? p->dst.b : p->src.b, n);
		return 4 + n;
	}
	if (v6 && type == 137) {			/* redirect: target, destination */
		memcpy(b + 4, p->src.b, n);
		memcpy(b + 4 + n, p->dst.b, n);
		return 4 + 2 * n;
	}
	if (v6 && type == 134) {			/* RA: hop limit, flags, lifetimes */
		memset(b, 0, 12);
		return 12;
	}
	/*
	 * echo and anything else: identifier, sequence, some payload. Each
	 * packet of --count gets its own identifier: a new flow for conntrack,
	 * as separate sources' pings would be.
	 */
	put16(b, ((unsigned int)getpid() + (unsigned int)p->seq) & 0xffff);
	put16(b + 2, (unsigned int)p->seq & 0xffff);
	memset(b + 4, 'x', 16);
	return 20;
}

static size_t build_icmp(const struct pkt *p, uint8_t *b)
{
	bool v6 = p->src.family == AF_INET6;
	int type = p->o->icmp_type >= 0 ? p->o->icmp_type : (v6 ? 128 : 8);
	size_t len = 4 + build_icmp_body(p, type, b + 4);
	uint32_t sum = sum_bytes(b + 4, len - 4, 0);

	b[0] = (uint8_t)type;
	b[1] = (uint8_t)p->o->icmp_code;
	put16(b + 2, 0);
	sum = sum_bytes(b, 4, sum);
	if (v6)
		sum += pseudo_sum(&p->src, &p->dst, PROTO_ICMPV6, len);
	put16(b + 2, fold(sum));
	return len;
}

static size_t build_l4(const struct pkt *p, uint8_t *b)
{
	switch (p->o->proto) {
	case PROTO_TCP:
		return build_tcp(p, b);
	case PROTO_UDP:
		return build_udp(p, b);
	case PROTO_ESP:
		return build_esp(p, b);
	case PROTO_AH:
		return build_ah(p, b);
	case PROTO_SCTP:
		return build_sctp(p, b);
	case PROTO_DCCP:
		return build_dccp(p, b);
	case PROTO_UDPLITE:
		return build_udplite(p, b);
	case PROTO_COMP:
		return build_comp(p, b);
	case PROTO_IGMP:
		return build_igmp(p, b);
	default:
		return build_icmp(p, b);
	}
}

static size_t ip4_header(const struct pkt *p, uint8_t *b, size_t payload,
			 uint16_t id, unsigned int frag_field)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (unsigned int)(20 + payload));
	put16(b + 4, id);
	put16(b + 6, frag_field);
	b[8] = (uint8_t)p->o->hop;
	b[9] = (uint8_t)p->o->proto;
	memcpy(b + 12, p->src.b, 4);
	memcpy(b + 16, p->dst.b, 4);
	put16(b + 10, fold(sum_bytes(b, 20, 0)));
	return 20;
}

static size_t ip6_header(const struct pkt *p, uint8_t *b, size_t payload, int next)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, (unsigned int)payload);
	b[6] = (uint8_t)next;
	b[7] = (uint8_t)p->o->hop;
	memcpy(b + 8, p->src.b, 16);
	memcpy(b + 24, p->dst.b, 16);
	return 40;
}

/*
 * One IP datagram from an L4 segment: the part [off, off+len) of it, as a
 * fragment when `frag` (more: more fragments follow).
 */
static size_t build_ip(const struct pkt *p, uint8_t *out, const uint8_t *l4,
		       size_t off, size_t len, bool frag, bool more, uint32_t id)
{
	size_t h;

	if (p->src.family == AF_INET) {
		unsigned int ff = frag ? (unsigned int)(off / 8) | (more ? 0x2000 : 0) : 0;

		h = ip4_header(p, out, len, (uint16_t)(id ? id : 1), ff);
	} else if (frag) {
		h = ip6_header(p, out, 8 + len, PROTO_FRAG6);
		out[h] = (uint8_t)p->o->proto;
		out[h + 1] = 0;
		put16(out + h + 2, (unsigned int)(off | (more ? 1 : 0)));
		put32(out + h + 4, id);
		h += 8;
	} else {
		h = ip6_header(p, out, len, p->o->proto);
	}
	memcpy(out + h, l4 + off, len);
	return h + len;
}

/* ---- sockets ---- */

static socklen_t to_sockaddr(const struct addr *a, int port, unsigned int scope,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	s6->sin6_scope_id = scope;
	memcpy(&s6->sin6_addr, a->b, 16);
	return sizeof(*s6);
}

static int bind_iface(int fd, const char *iface)
{
	if (!iface)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface));
}

/* The source address the kernel would choose to reach dst. */
static int route_source(const struct addr *dst, const char *iface, unsigned int scope,
			struct addr *src)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(dst, 9, scope, &ss);
	int fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind_iface(fd, iface) < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	src->family = dst->family;
	if (dst->family == AF_INET)
		memcpy(src->b, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(src->b, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Milliseconds left until deadline, never negative. */
static int left_ms(long deadline)
{
	long left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

static void format_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t n, int *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)n);
		*port = ntohs(s4->sin_port);
		return;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)n);
	else
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)n);
	*port = ntohs(s6->sin6_port);
}

/* ---- option parsing shared by the subcommands ---- */

enum {
	OPT_SRC = 1000, OPT_DST, OPT_PROTO, OPT_SPORT, OPT_DPORT, OPT_PORT, OPT_FLAGS,
	OPT_ICMP_TYPE, OPT_ICMP_CODE, OPT_HOP, OPT_FRAG, OPT_COUNT, OPT_IFACE,
	OPT_UDP, OPT_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "src", required_argument, NULL, OPT_SRC },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "flags", required_argument, NULL, OPT_FLAGS },
	{ "icmp-type", required_argument, NULL, OPT_ICMP_TYPE },
	{ "icmp-code", required_argument, NULL, OPT_ICMP_CODE },
	{ "hoplimit", required_argument, NULL, OPT_HOP },
	{ "ttl", required_argument, NULL, OPT_HOP },
	{ "frag", no_argument, NULL, OPT_FRAG },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "udp", no_argument, NULL, OPT_UDP },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_proto_more(const char *s, int *proto);

static bool parse_proto(const char *s, int *proto)
{
	if (strcmp(s, "tcp") == 0)
		*proto = PROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = PROTO_UDP;
	else if (strcmp(s, "icmp") == 0)
		*proto = PROTO_ICMP;
	else if (strcmp(s, "icmpv6") == 0)
		*proto = PROTO_ICMPV6;
	else if (strcmp(s, "esp") == 0)
		*proto = PROTO_ESP;
	else if (strcmp(s, "ah") == 0)
		*proto = PROTO_AH;
	else
		return parse_proto_more(s, proto);
	return true;
}

/* The protocols only xnft's kernel differential sends (send-batch). */
static bool parse_proto_more(const char *s, int *proto)
{
	if (strcmp(s, "sctp") == 0)
		*proto = PROTO_SCTP;
	else if (strcmp(s, "dccp") == 0)
		*proto = PROTO_DCCP;
	else if (strcmp(s, "udplite") == 0)
		*proto = PROTO_UDPLITE;
	else if (strcmp(s, "comp") == 0)
		*proto = PROTO_COMP;
	else if (strcmp(s, "igmp") == 0)
		*proto = PROTO_IGMP;
	else
		return false;
	return true;
}

/* Numeric options: table of where each goes and its range. */
static long *num_target(struct opts *o, int c, long *tmp, long *min, long *max)
{
	*min = 0;
	*max = 65535;
	switch (c) {
	case OPT_SPORT: case OPT_DPORT: case OPT_PORT:
		*min = 1;
		return tmp;
	case OPT_ICMP_TYPE: case OPT_ICMP_CODE: case OPT_HOP:
		*max = 255;
		return tmp;
	case OPT_COUNT:
		*min = 1;
		*max = MAX_COUNT;
		return &o->count;
	case OPT_TIMEOUT:
		*min = 1;
		*max = MAX_TIMEOUT_MS;
		return &o->timeout_ms;
	default:
		return NULL;
	}
}

static int set_num(struct opts *o, int c, const char *arg)
{
	long tmp, min, max;
	long *t = num_target(o, c, &tmp, &min, &max);

	if (!parse_long(arg, min, max, t))
		return usage_error("bad number '%s' (out of range or not a number)", arg);
	switch (c) {
	case OPT_SPORT: o->sport = (int)tmp; break;
	case OPT_DPORT: o->dport = (int)tmp; break;
	case OPT_PORT: o->port = (int)tmp; break;
	case OPT_ICMP_TYPE: o->icmp_type = (int)tmp; break;
	case OPT_ICMP_CODE: o->icmp_code = (int)tmp; break;
	case OPT_HOP: o->hop = (int)tmp; break;
	default: break;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->sport = -1;
	o->icmp_type = -1;
	o->hop = 64;
	o->count = 1;
	o->l4type = o->mrt = -1;
	o->cpi = 2;
	o->comp_nh = PROTO_UDP;
	o->tcp_flags = TCP_SYN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SRC: o->src = optarg; break;
		case OPT_DST: o->dst = optarg; break;
		case OPT_IFACE: o->iface = optarg; break;
		case OPT_FRAG: o->frag = true; break;
		case OPT_UDP: o->udp = true; break;
		case OPT_PROTO:
			if (!parse_proto(optarg, &o->proto))
				return usage_error("unknown --proto '%s' (tcp, udp, icmp, icmpv6)", optarg);
			break;
		case OPT_FLAGS:
			if (!parse_flags(optarg, &o->tcp_flags))
				return usage_error("bad --flags '%s' (comma list of syn,ack,fin,rst,psh,urg, or none)", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case '?':
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		default:
			rc = set_num(o, c, optarg);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* ---- send ---- */

/* send_one: 0 sent, -1 a system call failed (errno), -2 too short to fragment. */
static int send_one(int fd, const struct pkt *p, const struct sockaddr_storage *ss, socklen_t sl)
{
	uint8_t l4[PKT_MAX], out[PKT_MAX];
	size_t l4len = build_l4(p, l4), n;
	uint32_t id = random32() | 1;

	if (!p->o->frag) {
		n = build_ip(p, out, l4, 0, l4len, false, false, 0);
		if (sendto(fd, out, n, 0, (const struct sockaddr *)ss, sl) < 0)
			return -1;
		return 0;
	}
	if (l4len <= FRAG_SPLIT)	/* nothing left for a second fragment */
		return -2;
	n = build_ip(p, out, l4, 0, FRAG_SPLIT, true, true, id);
	if (sendto(fd, out, n, 0, (const struct sockaddr *)ss, sl) < 0)
		return -1;
	n = build_ip(p, out, l4, FRAG_SPLIT, l4len - FRAG_SPLIT, true, false, id);
	if (sendto(fd, out, n, 0, (const struct sockaddr *)ss, sl) < 0)
		return -1;
	return 0;
}

static int check_send_opts(const struct opts *o, const struct addr *dst)
{
	if (!o->dst)
		return usage_error("send needs --dst%s", "");
	if (!o->proto)
		return usage_error("send needs --proto (tcp, udp, icmp, icmpv6)%s", "");
	if ((o->proto == PROTO_TCP || o->proto == PROTO_UDP) && !o->dport)
		return usage_error("--proto tcp/udp needs --dport%s", "");
	if (o->proto == PROTO_ICMP && dst->family != AF_INET)
		return usage_error("--proto icmp needs an IPv4 --dst, not '%s' (use icmpv6)", o->dst);
	if (o->proto == PROTO_ICMPV6 && dst->family != AF_INET6)
		return usage_error("--proto icmpv6 needs an IPv6 --dst, not '%s' (use icmp)", o->dst);
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	struct opts o;
	struct pkt p = { .o = &o };
	struct sockaddr_storage ss;
	unsigned int scope = 0;
	socklen_t sl;
	int rc, fd, base;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (o.dst && !parse_addr(o.dst, &p.dst))
		return usage_error("--dst '%s' is not an IPv4 or IPv6 address", o.dst);
	rc = check_send_opts(&o, &p.dst);
	if (rc)
		return rc;
	if (o.iface && !(scope = if_nametoindex(o.iface)))
		return usage_error("--iface '%s': no such interface in this namespace", o.iface);
	if (o.src) {
		if (!parse_addr(o.src, &p.src) || p.src.family != p.dst.family)
			return usage_error("--src '%s' is not an address of the same family as --dst", o.src);
	} else if (route_source(&p.dst, o.iface, scope, &p.src) < 0) {
		return sys_error("no source address to reach", o.dst);
	}
	fd = socket(p.dst.family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return sys_error("raw socket (needs CAP_NET_RAW)", NULL);
	if (bind_iface(fd, o.iface) < 0) {
		close(fd);
		return sys_error("SO_BINDTODEVICE", o.iface);
	}
	sl = to_sockaddr(&p.dst, 0, scope, &ss);
	base = 20000 + (int)(random32() % 30000);
	for (p.seq = 0; p.seq < o.count; p.seq++) {
		p.sport = o.sport > 0 ? o.sport : base + (int)(p.seq % 15000);
		rc = send_one(fd, &p, &ss, sl);
		if (rc < 0) {
			close(fd);
			if (rc == -2)
				return usage_error("--frag: this %s packet is too short to split in two",
						   p.dst.family == AF_INET ? "IPv4" : "IPv6");
			return sys_error("sendto", o.dst);
		}
	}
	close(fd);
	printf("sent %ld\n", o.count);
	return 0;
}

/* ---- connect ---- */

/* bind_source: bind to --src and/or --sport (port 0: the kernel picks). */
static int bind_source(int fd, const char *src, int port, int family)
{
	struct addr a = { .family = family };
	struct sockaddr_storage ss;
	socklen_t sl;

	if (!src && port <= 0)
		return 0;
	if (src && (!parse_addr(src, &a) || a.family != family))
		return usage_error("--src '%s' is not an address of the same family as --dst", src);
	sl = to_sockaddr(&a, port > 0 ? port : 0, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return sys_error("bind", src ? src : "source port");
	return 0;
}

static int cmd_connect(int argc, char **argv)
{
	struct opts o;
	struct addr dst;
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t sl, el = sizeof(int);
	int rc, fd, err = 0, n;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.dst || !o.port)
		return usage_error("connect needs --dst and --port%s", "");
	if (!parse_addr(o.dst, &dst))
		return usage_error("--dst '%s' is not an IPv4 or IPv6 address", o.dst);
	if (!o.timeout_ms)
		o.timeout_ms = 1000;
	fd = socket(dst.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sys_error("socket", NULL);
	rc = bind_source(fd, o.src, o.sport, dst.family);
	if (rc) {
		close(fd);
		return rc;
	}
	sl = to_sockaddr(&dst, o.port, 0, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto result;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		n = poll(&pfd, 1, (int)o.timeout_ms);
		if (n < 0) {
			rc = sys_error("poll", NULL);
			close(fd);
			return rc;
		}
		if (n == 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
	}
result:
	close(fd);
	switch (err) {
	case 0:
		puts("open");
		return 0;
	case ECONNREFUSED:
		puts("refused");
		return 0;
	case ETIMEDOUT:
		puts("filtered");
		return 0;
	default:
		errno = err;
		return sys_error("connect to", o.dst);
	}
}

/* ---- listen ---- */

static int listen_socket(const struct opts *o)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, zero = 0, one = 1;

	/* One dual-stack socket answers IPv4 (mapped) and IPv6. */
	fd = socket(AF_INET6, (o->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	s6.sin6_port = htons((uint16_t)o->port);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0 ||
	    (!o->udp && listen(fd, 128) < 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Print a datagram's payload, only printable bytes, on one line. */
static void print_payload(const char *buf, ssize_t n)
{
	ssize_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n' && i == n - 1)
			break;
		putchar(ch >= 0x20 && ch < 0x7f ? ch : '.');
	}
	putchar('\n');
}

static int receive_one(int fd, bool udp)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN], buf[2048];
	int port, cfd;
	ssize_t n;

	if (udp) {
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return -1;
		format_sockaddr(&ss, host, sizeof(host), &port);
		printf("received udp from %s port %d len %zd: ", host, port, n);
		print_payload(buf, n);
		return 0;
	}
	cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (cfd < 0)
		return -1;
	close(cfd);
	format_sockaddr(&ss, host, sizeof(host), &port);
	printf("accepted tcp from %s port %d\n", host, port);
	return 0;
}

static int cmd_listen(int argc, char **argv)
{
	struct opts o;
	struct pollfd pfd;
	long deadline, got = 0;
	int rc, fd;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.port)
		return usage_error("listen needs --port%s", "");
	if (!o.timeout_ms)
		o.timeout_ms = 10000;
	fd = listen_socket(&o);
	if (fd < 0) {
		char port[16];

		snprintf(port, sizeof(port), "%d", o.port);
		return sys_error("listen on port", port);
	}
	printf("listening %s %d\n", o.udp ? "udp" : "tcp", o.port);
	fflush(stdout);
	deadline = now_ms() + o.timeout_ms;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < o.count && left_ms(deadline) > 0) {
		int n = poll(&pfd, 1, left_ms(deadline));

		if (n < 0 && errno != EINTR) {
			rc = sys_error("poll", NULL);
			break;
		}
		if (n <= 0)
			continue;
		if (receive_one(fd, o.udp) < 0) {
			rc = sys_error(o.udp ? "recvfrom" : "accept", NULL);
			break;
		}
		got++;
		fflush(stdout);
	}
	close(fd);
	printf("done %ld\n", got);
	return rc;
}

/* ---- ping ---- */

/* Is buf (as a raw socket hands it over) an echo reply with our id from dst? */
static bool is_our_reply(const uint8_t *buf, ssize_t n, const struct addr *dst,
			 const struct sockaddr_storage *from, uint16_t id)
{
	size_t off = 0;

	if (dst->family == AF_INET) {
		if (n < 20)
			return false;
		off = (size_t)(buf[0] & 0x0f) * 4;	/* IPv4 raw sockets see the IP header */
		if (memcmp(&((const struct sockaddr_in *)from)->sin_addr, dst->b, 4))
			return false;
	} else if (memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr, dst->b, 16)) {
		return false;
	}
	if ((size_t)n < off + 8)
		return false;
	if (buf[off] != (dst->family == AF_INET ? 0 : 129))
		return false;
	return ((unsigned int)buf[off + 4] << 8 | buf[off + 5]) == id;
}

static bool wait_reply(int fd, const struct addr *dst, uint16_t id, long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[1500];

	while (left_ms(deadline) > 0) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, left_ms(deadline)) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n > 0 && is_our_reply(buf, n, dst, &from, id))
			return true;
	}
	return false;
}

static int cmd_ping(int argc, char **argv)
{
	struct opts o;
	struct addr dst;
	struct sockaddr_storage ss;
	uint8_t req[28];
	uint16_t id = (uint16_t)(random32() & 0xffff);
	socklen_t sl;
	long i;
	int rc, fd;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (!o.dst || !parse_addr(o.dst, &dst))
		return usage_error("ping needs --dst ADDR (IPv4 or IPv6)%s", "");
	if (!o.timeout_ms)
		o.timeout_ms = 1000;
	fd = socket(dst.family, SOCK_RAW | SOCK_CLOEXEC,
		    dst.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return sys_error("raw ICMP socket (needs CAP_NET_RAW)", NULL);
	rc = bind_source(fd, o.src, 0, dst.family);
	if (rc) {
		close(fd);
		return rc;
	}
	sl = to_sockaddr(&dst, 0, 0, &ss);
	for (i = 0; i < o.count; i++) {
		memset(req, 'x', sizeof(req));
		req[0] = dst.family == AF_INET ? 8 : 128;
		req[1] = 0;
		put16(req + 2, 0);
		put16(req + 4, id);
		put16(req + 6, (unsigned int)i & 0xffff);
		/* The kernel fills the ICMPv6 checksum; ICMPv4 is ours. */
		if (dst.family == AF_INET)
			put16(req + 2, fold(sum_bytes(req, sizeof(req), 0)));
		if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&ss, sl) < 0) {
			rc = sys_error("sendto", o.dst);
			close(fd);
			return rc;
		}
		if (wait_reply(fd, &dst, id, now_ms() + o.timeout_ms)) {
			close(fd);
			puts("reply");
			return 0;
		}
	}
	close(fd);
	puts("timeout");
	return 0;
}

/* ---- send-batch ---- */

/*
 * send-batch FILE: one packet per line, as key=value words:
 *   src=ADDR dst=ADDR proto=tcp|udp|icmp|icmpv6|esp|ah [sport=N] [dport=N] [spi=N]
 *   [flags=syn,ack|none] [icmp-type=N] [icmp-code=N] [ttl=N] [tag=N] [frag2]
 *   proto=sctp|dccp|udplite|comp|igmp, with [vtag=N] [chunk=N] (sctp: the one
 *   chunk's type, default 1 INIT), [dccp-type=N] (default 0 Request), [csumcov=N],
 *   [cpi=N] (default 2), [comp-nexthdr=N] (default 17 udp), [comp-flags=N]
 *   (default 0), [igmp-type=N] (default 0x11 query) [mrt=N]: the headers
 *   as xnft's tracer lays them out (src/core/packet.h), checksums correct
 * tag marks the packet so a trace can find it again: the IPv4 id (1..65535)
 * or the IPv6 flow label (1..1048575). frag2 sends only the second fragment
 * of the packet (a non-first fragment: offset 16 bytes, no more-fragments).
 * Lines starting with '#' and blank lines are skipped. Packets go out one
 * by one, --gap-us microseconds apart (default 300), so that whatever reads
 * their traces keeps up.
 */
/*
 * IPv6 extension headers (ext=hbh,rt,frag,dst,mh), byte for byte as xnft's
 * tracer lays them out (packet.h): hbh and dst 8 bytes of PadN; rt 24 bytes
 * with one address :: (type 4: last-entry 0, flags 0, srh-tag); frag 8 bytes
 * (frag-off in 8-byte units, frag-mf, frag-id); mh last, 8 bytes: payload
 * proto 59, type mh-type, checksum 0 (nothing on the path checks it).
 */
#define EXT_MAX 6
#define PROTO_HBH 0
#define PROTO_RT 43
#define PROTO_DST 60
#define PROTO_MH 135

static int batch_num(const char *v, long min, long max, long *out);

struct ext6 {
	uint8_t chain[EXT_MAX];	/* next-header numbers, in order */
	int n;
	uint32_t frag_id;
	unsigned int frag_off, frag_mf, rt_type, rt_segleft, srh_tag, mh_type;
};

struct batch_pkt {
	struct opts o;
	struct pkt p;
	unsigned long tag;
	bool frag2;
	struct ext6 ext;
};

static int ext_chain_parse(char *v, struct ext6 *x)
{
	static const struct { const char *name; uint8_t proto; } names[] = {
		{ "hbh", PROTO_HBH }, { "rt", PROTO_RT }, { "frag", PROTO_FRAG6 },
		{ "dst", PROTO_DST }, { "mh", PROTO_MH },
	};
	char *save = NULL;

	x->n = 0;
	for (char *w = strtok_r(v, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(w, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]) || x->n == EXT_MAX)
			return -1;
		x->chain[x->n++] = names[i].proto;
	}
	return x->n ? 0 : -1;
}

/* The ext-header words of send-batch; 1 when w is none of them. */
static int ext_word(struct batch_pkt *b, const char *w, char *v)
{
	struct ext6 *x = &b->ext;
	long n = 0;

	if (!strcmp(w, "ext")) {
		if (ext_chain_parse(v, x) < 0)
			return -1;
		if (x->chain[x->n - 1] == PROTO_MH)
			b->o.proto = PROTO_MH;
		return 0;
	}
	if (!strcmp(w, "frag-id"))
		return batch_num(v, 0, 4294967295L, &n) ? -1 : (x->frag_id = (uint32_t)n, 0);
	if (!strcmp(w, "frag-off"))
		return batch_num(v, 0, 8191, &n) ? -1 : (x->frag_off = (unsigned int)n, 0);
	if (!strcmp(w, "frag-mf"))
		return batch_num(v, 0, 1, &n) ? -1 : (x->frag_mf = (unsigned int)n, 0);
	if (!strcmp(w, "rt-type"))
		return batch_num(v, 0, 255, &n) ? -1 : (x->rt_type = (unsigned int)n, 0);
	if (!strcmp(w, "rt-segleft"))
		return batch_num(v, 0, 255, &n) ? -1 : (x->rt_segleft = (unsigned int)n, 0);
	if (!strcmp(w, "srh-tag"))
		return batch_num(v, 0, 65535, &n) ? -1 : (x->srh_tag = (unsigned int)n, 0);
	if (!strcmp(w, "mh-type"))
		return batch_num(v, 0, 255, &n) ? -1 : (x->mh_type = (unsigned int)n, 0);
	return 1;
}

/* One extension header with next header `next` at b; its length. */
static size_t ext_one(const struct ext6 *x, uint8_t proto, uint8_t next, uint8_t *b)
{
	switch (proto) {
	case PROTO_RT:
		memset(b, 0, 24);
		b[0] = next;
		b[1] = 2;
		b[2] = (uint8_t)x->rt_type;
		b[3] = (uint8_t)x->rt_segleft;
		if (x->rt_type == 4)
			put16(b + 6, x->srh_tag);
		return 24;
	case PROTO_FRAG6:
		memset(b, 0, 8);
		b[0] = next;
		put16(b + 2, x->frag_off << 3 | x->frag_mf);
		put32(b + 4, x->frag_id);
		return 8;
	case PROTO_MH:
		memset(b, 0, 8);
		b[0] = 59;
		b[2] = (uint8_t)x->mh_type;
		return 8;
	default:   /* hbh, dst: PadN over the six option bytes */
		memset(b, 0, 8);
		b[0] = next;
		b[2] = 1;
		b[3] = 4;
		return 8;
	}
}

/*
 * A UDP header and no data: the length xnft's packet words give (headers
 * only), so that a fragment's data is as long for the kernel as for the
 * tracer (nf_defrag_ipv6 refuses one with more to come that is not a
 * multiple of 8 bytes).
 */
static size_t build_udp_bare(const struct pkt *p, uint8_t *b)
{
	uint16_t ck;

	put16(b, (unsigned int)p->sport);
	put16(b + 2, (unsigned int)p->o->dport);
	put16(b + 4, 8);
	put16(b + 6, 0);
	ck = fold(pseudo_sum(&p->src, &p->dst, PROTO_UDP, 8) + sum_bytes(b, 8, 0));
	put16(b + 6, ck ? ck : 0xffff);
	return 8;
}

/* An IPv6 packet with the extension headers of b->ext in front of its L4 segment. */
static size_t build_ip6_ext(const struct batch_pkt *b, const uint8_t *l4, size_t l4len,
			    uint8_t *out)
{
	const struct ext6 *x = &b->ext;
	uint8_t hdrs[EXT_MAX * 24];
	size_t h = 0;

	for (int i = 0; i < x->n; i++) {
		uint8_t next = i + 1 < x->n ? x->chain[i + 1] : (uint8_t)b->o.proto;

		h += ext_one(x, x->chain[i], next, hdrs + h);
	}
	if (x->chain[x->n - 1] == PROTO_MH)
		l4len = 0;   /* the mobility header is the last header: nothing follows */
	ip6_header(&b->p, out, h + l4len, x->chain[0]);
	memcpy(out + 40, hdrs, h);
	memcpy(out + 40 + h, l4, l4len);
	return 40 + h + l4len;
}

static int batch_num(const char *v, long min, long max, long *out)
{
	return parse_long(v, min, max, out) ? 0 : -1;
}

/* The words of sctp, dccp, udplite, comp and igmp packets. */
static int batch_word_more(struct batch_pkt *b, const char *w, const char *v)
{
	long n = 0;

	if (!strcmp(w, "vtag"))
		return batch_num(v, 0, 4294967295L, &n) ? -1 : (b->o.vtag = (uint32_t)n, 0);
	if (!strcmp(w, "chunk") || !strcmp(w, "dccp-type") || !strcmp(w, "igmp-type"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.l4type = (int)n, 0);
	if (!strcmp(w, "csumcov"))
		return batch_num(v, 0, 65535, &n) ? -1 : (b->o.csumcov = (int)n, 0);
	if (!strcmp(w, "cpi"))
		return batch_num(v, 0, 65535, &n) ? -1 : (b->o.cpi = (int)n, 0);
	if (!strcmp(w, "mrt"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.mrt = (int)n, 0);
	if (!strcmp(w, "comp-nexthdr"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.comp_nh = (int)n, 0);
	if (!strcmp(w, "comp-flags"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.comp_flags = (int)n, 0);
	return -1;
}

static int batch_word(struct batch_pkt *b, char *w)
{
	char *v = strchr(w, '=');
	long n = 0;

	if (!strcmp(w, "frag2")) {
		b->frag2 = b->o.frag = true;
		return 0;
	}
	if (!v)
		return -1;
	*v++ = '\0';
	n = ext_word(b, w, v);
	if (n <= 0)
		return (int)n;
	if (!strcmp(w, "src"))
		return parse_addr(v, &b->p.src) ? 0 : -1;
	if (!strcmp(w, "dst"))
		return parse_addr(v, &b->p.dst) ? 0 : -1;
	if (!strcmp(w, "proto"))
		return parse_proto(v, &b->o.proto) ? 0 : -1;
	if (!strcmp(w, "flags"))
		return parse_flags(v, &b->o.tcp_flags) ? 0 : -1;
	if (!strcmp(w, "tag"))
		return batch_num(v, 1, 1048575, &n) ? -1 : (b->tag = (unsigned long)n, 0);
	if (!strcmp(w, "sport"))
		return batch_num(v, 1, 65535, &n) ? -1 : (b->o.sport = b->p.sport = (int)n, 0);
	if (!strcmp(w, "dport"))
		return batch_num(v, 1, 65535, &n) ? -1 : (b->o.dport = (int)n, 0);
	if (!strcmp(w, "icmp-type"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.icmp_type = (int)n, 0);
	if (!strcmp(w, "icmp-code"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.icmp_code = (int)n, 0);
	if (!strcmp(w, "ttl"))
		return batch_num(v, 0, 255, &n) ? -1 : (b->o.hop = (int)n, 0);
	if (!strcmp(w, "spi"))
		return batch_num(v, 0, 4294967295L, &n) ? -1 : (b->o.spi = (uint32_t)n, 0);
	return batch_word_more(b, w, v);
}

static int batch_parse(char *line, struct batch_pkt *b)
{
	char *save = NULL;

	memset(b, 0, sizeof(*b));
	b->o.sport = -1;
	b->o.icmp_type = -1;
	b->o.hop = 64;
	b->o.l4type = b->o.mrt = -1;
	b->o.cpi = 2;
	b->o.comp_nh = PROTO_UDP;
	b->o.tcp_flags = TCP_SYN;
	b->p.o = &b->o;
	b->p.sport = 40000;
	for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save))
		if (batch_word(b, w) < 0)
			return -1;
	b->p.seq = (long)b->tag;   /* its own ICMP identifier: a new flow each */
	if (!b->p.src.family || b->p.src.family != b->p.dst.family || !b->o.proto)
		return -1;
	if (b->o.proto == PROTO_IGMP && b->p.dst.family != AF_INET)
		return -1;
	if (b->ext.n && (b->p.dst.family != AF_INET6 || b->frag2))
		return -1;   /* extension headers are IPv6's; frag2 has its own fragment header */
	if ((b->o.proto == PROTO_ICMP) != (b->p.dst.family == AF_INET) &&
	    (b->o.proto == PROTO_ICMP || b->o.proto == PROTO_ICMPV6))
		return -1;
	return 0;
}

static void batch_tag6(uint8_t *out, unsigned long tag)
{
	out[1] = (uint8_t)((out[1] & 0xf0) | ((tag >> 16) & 0x0f));
	out[2] = (uint8_t)(tag >> 8);
	out[3] = (uint8_t)tag;
}

static int batch_send(int fd, struct batch_pkt *b)
{
	uint8_t l4[PKT_MAX], out[PKT_MAX];
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&b->p.dst, 0, 0, &ss);
	size_t l4len = b->o.proto == PROTO_MH ? 0 : build_l4(&b->p, l4), n;
	uint32_t id = b->tag ? (uint32_t)b->tag : (random32() | 1);

	if (b->ext.n) {
		if (b->o.proto == PROTO_UDP)
			l4len = build_udp_bare(&b->p, l4);
		/* a middle fragment: data a multiple of 8 bytes, as xnft's tracer takes it */
		if (b->ext.frag_off && b->ext.frag_mf)
			l4len &= ~(size_t)7;
		n = build_ip6_ext(b, l4, l4len, out);
	} else if (b->frag2) {
		if (l4len <= FRAG_SPLIT)
			return -2;
		n = build_ip(&b->p, out, l4, FRAG_SPLIT, l4len - FRAG_SPLIT, true, false, id);
	} else {
		n = build_ip(&b->p, out, l4, 0, l4len, false, false, b->tag ? id : 0);
	}
	if (b->p.dst.family == AF_INET6 && b->tag)
		batch_tag6(out, b->tag);
	return sendto(fd, out, n, 0, (const struct sockaddr *)&ss, sl) < 0 ? -1 : 0;
}

static int batch_socket(int fds[2], int family)
{
	int *fd = &fds[family == AF_INET6];

	if (*fd < 0)
		*fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	return *fd;
}

static void batch_pause(long gap_us)
{
	struct timespec ts = { gap_us / 1000000, (gap_us % 1000000) * 1000 };

	if (gap_us > 0)
		nanosleep(&ts, NULL);
}

static int batch_run(FILE *f, long gap_us, long *sent)
{
	int fds[2] = { -1, -1 }, rc = 0, fd;
	char line[1024];
	long lineno = 0;

	while (!rc && fgets(line, sizeof(line), f)) {
		struct batch_pkt b;
		char *s = line + strspn(line, " \t");

		lineno++;
		if (*s == '#' || *s == '\n' || !*s)
			continue;
		if (batch_parse(s, &b) < 0) {
			fprintf(stderr, "%s: send-batch: line %ld: bad packet\n", prog, lineno);
			rc = EXIT_USAGE;
		} else if ((fd = batch_socket(fds, b.p.dst.family)) < 0) {
			rc = sys_error("raw socket (needs CAP_NET_RAW)", NULL);
		} else if (batch_send(fd, &b) == 0) {
			(*sent)++;
			batch_pause(gap_us);
		} else {
			fprintf(stderr, "%s: send-batch: line %ld: %s\n", prog, lineno,
				errno ? strerror(errno) : "too short to fragment");
		}
		errno = 0;
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static int cmd_send_batch(int argc, char **argv)
{
	long gap_us = 300, sent = 0;
	FILE *f;
	int rc;

	if (argc == 4 && !strcmp(argv[1], "--gap-us")) {
		if (!parse_long(argv[2], 0, 1000000, &gap_us))
			return usage_error("bad --gap-us '%s' (0..1000000)", argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2)
		return usage_error("send-batch needs [--gap-us N] FILE%s", "");
	f = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!f)
		return sys_error("open", argv[1]);
	rc = batch_run(f, gap_us, &sent);
	if (f != stdin)
		fclose(f);
	printf("sent %ld\n", sent);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "send", cmd_send }, { "connect", cmd_connect },
		{ "listen", cmd_listen }, { "ping", cmd_ping },
		{ "send-batch", cmd_send_batch },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error("unknown command '%s' (send, connect, listen, ping)", argv[1]);
}
