// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Raw IPv4/IPv6 packet to event: what NFLOG hands over is the packet from
 * its network header on, cut at the snap length. The fields are the ones
 * the kernel's own log line (nf_log_syslog) prints, so an event is the same
 * whichever way it arrived. Every read is bounds-checked: the bytes come
 * from the network.
 */
#include "events/event.h"

#include <string.h>
#include <sys/socket.h>

#define PROTO_HOPOPTS  0
#define PROTO_ICMP     1
#define PROTO_TCP      6
#define PROTO_UDP      17
#define PROTO_ROUTING  43
#define PROTO_FRAGMENT 44
#define PROTO_ESP      50
#define PROTO_AH       51
#define PROTO_ICMPV6   58
#define PROTO_NONE     59
#define PROTO_DSTOPTS  60
#define PROTO_SCTP     132
#define PROTO_UDPLITE  136

/* Extension headers walked before giving up (a chain of them is an attack). */
#define MAX_EXT_HEADERS 16

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Transport header at l4 (len bytes left). */
static void decode_l4(struct xevent *ev, const unsigned char *l4, size_t len)
{
	switch (ev->proto) {
	case PROTO_TCP:
		if (len < 20) {
			ev->flags |= EVENT_F_INCOMPLETE;
			return;
		}
		ev->sport = get16(l4);
		ev->dport = get16(l4 + 2);
		ev->tcp_seq = get32(l4 + 4);
		ev->tcp_ack = get32(l4 + 8);
		ev->tcp_flags = l4[13];
		ev->has |= EVENT_HAS_PORTS | EVENT_HAS_TCPFLAGS | EVENT_HAS_TCPSEQ;
		return;
	case PROTO_UDP:
	case PROTO_UDPLITE:
	case PROTO_SCTP:
		if (len < 8) {
			ev->flags |= EVENT_F_INCOMPLETE;
			return;
		}
		ev->sport = get16(l4);
		ev->dport = get16(l4 + 2);
		ev->has |= EVENT_HAS_PORTS;
		return;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (len < 4) {
			ev->flags |= EVENT_F_INCOMPLETE;
			return;
		}
		ev->icmp_type = l4[0];
		ev->icmp_code = l4[1];
		ev->has |= EVENT_HAS_ICMP;
		/* frag-needed (3/4) and packet-too-big (2) carry the MTU. */
		if (len >= 8 && ev->proto == PROTO_ICMP && l4[0] == 3 && l4[1] == 4) {
			ev->mtu = get16(l4 + 6);
			ev->has |= EVENT_HAS_MTU;
		} else if (len >= 8 && ev->proto == PROTO_ICMPV6 && l4[0] == 2) {
			uint32_t mtu = get32(l4 + 4);

			ev->mtu = mtu > 0xffff ? 0xffff : (uint16_t)mtu;
			ev->has |= EVENT_HAS_MTU;
		}
		return;
	}
}

static int decode_ipv4(struct xevent *ev, const unsigned char *p, size_t len)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	uint16_t frag;

	if (len < 20 || ihl < 20)
		return -1;
	ev->family = AF_INET;
	ev->tos = p[1];
	ev->len = get16(p + 2);
	ev->ip_id = get16(p + 4);
	frag = get16(p + 6);
	ev->ttl = p[8];
	ev->proto = p[9];
	memcpy(ev->src, p + 12, 4);
	memcpy(ev->dst, p + 16, 4);
	ev->has |= EVENT_HAS_PROTO | EVENT_HAS_LEN | EVENT_HAS_TTL | EVENT_HAS_TOS | EVENT_HAS_IPID;
	if (frag & 0x8000)
		ev->flags |= EVENT_F_CE;
	if (frag & 0x4000)
		ev->flags |= EVENT_F_DF;
	if (frag & 0x2000)
		ev->flags |= EVENT_F_MORE_FRAGS | EVENT_F_FRAGMENT;
	ev->frag_off = (uint16_t)((frag & 0x1fff) * 8);
	if (ev->frag_off)
		ev->flags |= EVENT_F_FRAGMENT;
	if (len < ihl) {
		ev->flags |= EVENT_F_INCOMPLETE;
		return 0;
	}
	if (!ev->frag_off)
		decode_l4(ev, p + ihl, len - ihl);
	return 0;
}

static int decode_ipv6(struct xevent *ev, const unsigned char *p, size_t len)
{
	uint32_t word0;
	size_t off = 40;
	unsigned next;

	if (len < 40)
		return -1;
	word0 = get32(p);
	ev->family = AF_INET6;
	ev->tos = (uint8_t)((word0 >> 20) & 0xff);
	ev->flowlabel = word0 & 0xfffff;
	ev->len = (uint16_t)(get16(p + 4) + 40 > 0xffff ? 0xffff : get16(p + 4) + 40);
	next = p[6];
	ev->ttl = p[7];
	memcpy(ev->src, p + 8, 16);
	memcpy(ev->dst, p + 24, 16);
	ev->has |= EVENT_HAS_LEN | EVENT_HAS_TTL | EVENT_HAS_TOS | EVENT_HAS_FLOWLBL;

	for (int i = 0; i < MAX_EXT_HEADERS; i++) {
		size_t hlen;

		if (next != PROTO_HOPOPTS && next != PROTO_ROUTING && next != PROTO_FRAGMENT &&
		    next != PROTO_DSTOPTS && next != PROTO_AH)
			break;
		if (len < off + 8) {
			ev->flags |= EVENT_F_INCOMPLETE;
			return 0;
		}
		if (next == PROTO_FRAGMENT) {
			uint16_t fo = get16(p + off + 2);

			ev->frag_off = fo & 0xfff8;
			ev->ip_id = get32(p + off + 4);
			ev->has |= EVENT_HAS_IPID;
			ev->flags |= EVENT_F_FRAGMENT;
			if (fo & 1)
				ev->flags |= EVENT_F_MORE_FRAGS;
			hlen = 8;
		} else if (next == PROTO_AH) {
			hlen = ((size_t)p[off + 1] + 2) * 4;
		} else {
			hlen = ((size_t)p[off + 1] + 1) * 8;
		}
		next = p[off];
		off += hlen;
		if (ev->frag_off)
			break;   /* the rest is not the start of the payload */
	}
	ev->proto = (uint8_t)next;
	ev->has |= EVENT_HAS_PROTO;
	if (ev->frag_off || next == PROTO_NONE || next == PROTO_ESP)
		return 0;
	if (len < off) {
		ev->flags |= EVENT_F_INCOMPLETE;
		return 0;
	}
	decode_l4(ev, p + off, len - off);
	return 0;
}

int event_from_packet(struct xevent *ev, const unsigned char *pkt, size_t len)
{
	if (!pkt || len < 1)
		return -1;
	switch (pkt[0] >> 4) {
	case 4:
		return decode_ipv4(ev, pkt, len);
	case 6:
		return decode_ipv6(ev, pkt, len);
	}
	return -1;
}
