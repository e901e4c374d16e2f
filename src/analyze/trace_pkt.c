// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet's headers as bytes, so that every payload expression (named
 * fields and raw @nh/@th offsets alike) reads what the kernel would read.
 * Each byte has a "known" mask: the bits the packet words give. Bits they
 * cannot give (ip id, checksums, tcp window ...) are 0 and a read that
 * touches them is recorded as an assumption by the caller.
 */
#include <string.h>

#include "analyze/trace_int.h"

static void put8(uint8_t *b, uint8_t *k, size_t at, unsigned v, uint8_t known)
{
	b[at] = (uint8_t)v;
	k[at] = known;
}

static void put16(uint8_t *b, uint8_t *k, size_t at, unsigned v)
{
	put8(b, k, at, v >> 8, 0xff);
	put8(b, k, at + 1, v & 0xff, 0xff);
}

/* A 32-bit field, known when the packet words gave it. */
static void put32(uint8_t *b, uint8_t *k, size_t at, uint32_t v, bool known)
{
	for (int i = 0; i < 4; i++)
		put8(b, k, at + (size_t)i, (v >> (24 - 8 * i)) & 0xff, known ? 0xff : 0);
}

static void put_addr(uint8_t *b, uint8_t *k, size_t at, const struct prefix *a, size_t n)
{
	memcpy(b + at, a->addr, n);
	memset(k + at, 0xff, n);
}

static bool is_v6(const struct packet *p)
{
	return p->nfproto == MATCH_NFPROTO_IPV6;
}

static void build_ip4(struct tctx *tc)
{
	const struct packet *p = &tc->p;

	tc->nhlen = 20;
	put8(tc->nh, tc->nhk, 0, 0x45, 0xff);
	put16(tc->nh, tc->nhk, 2, p->length);
	put16(tc->nh, tc->nhk, 6, p->frag_off);
	put8(tc->nh, tc->nhk, 8, p->ttl, 0xff);
	put8(tc->nh, tc->nhk, 9, p->l4proto, 0xff);
	put_addr(tc->nh, tc->nhk, 12, &p->saddr, 4);
	put_addr(tc->nh, tc->nhk, 16, &p->daddr, 4);
}

static void build_ip6(struct tctx *tc)
{
	const struct packet *p = &tc->p;
	unsigned len = p->length > 40 ? p->length - 40u : 0;

	tc->nhlen = 40;
	put8(tc->nh, tc->nhk, 0, 0x60, 0xf0);
	put16(tc->nh, tc->nhk, 4, len);
	/* a fragment carries its fragment header first (nexthdr 44) */
	put8(tc->nh, tc->nhk, 6, tc->fragment ? 44 : p->l4proto, 0xff);
	put8(tc->nh, tc->nhk, 7, p->ttl, 0xff);
	put_addr(tc->nh, tc->nhk, 8, &p->saddr, 16);
	put_addr(tc->nh, tc->nhk, 24, &p->daddr, 16);
}

static void build_ports(struct tctx *tc, size_t len)
{
	tc->thlen = len;
	put16(tc->th, tc->thk, 0, tc->p.sport);
	put16(tc->th, tc->thk, 2, tc->p.dport);
}

static void build_transport(struct tctx *tc)
{
	const struct packet *p = &tc->p;
	unsigned l3 = (unsigned)tc->nhlen;

	switch (p->l4proto) {
	case 6:    /* tcp: data offset 5 (no options), flags */
		build_ports(tc, 20);
		put8(tc->th, tc->thk, 12, 0x50, 0xff);
		put8(tc->th, tc->thk, 13, p->tcp_flags, 0xff);
		break;
	case 17:   /* udp: length */
	case 136:  /* udplite: checksum coverage (unknown) */
		build_ports(tc, 8);
		if (p->l4proto == 17)
			put16(tc->th, tc->thk, 4, p->length > l3 ? p->length - l3 : 0);
		break;
	case 132:  /* sctp */
		build_ports(tc, 12);
		break;
	case 33:   /* dccp */
		build_ports(tc, 16);
		break;
	case 50:   /* esp: spi, then the sequence number (unknown: an SA's first, 1) */
		tc->thlen = 8;
		put32(tc->th, tc->thk, 0, p->spi, p->known & PF_BIT(PF_SPI));
		put32(tc->th, tc->thk, 4, 1, false);
		break;
	case 51:   /* ah: next header, length, reserved, spi, sequence; the unknown ones as a plain
		    * AH has them: length 4 (a 96-bit ICV), reserved 0, an SA's first sequence 1 */
		tc->thlen = 12;
		put8(tc->th, tc->thk, 1, 4, 0);
		put32(tc->th, tc->thk, 4, p->spi, p->known & PF_BIT(PF_SPI));
		put32(tc->th, tc->thk, 8, 1, false);
		break;
	case 1:
	case 58:   /* icmp, icmpv6: type and code */
		tc->thlen = 8;
		put8(tc->th, tc->thk, 0, p->icmp_type, 0xff);
		put8(tc->th, tc->thk, 1, p->icmp_code, 0xff);
		break;
	default:
		tc->thlen = 0;   /* nothing the words describe */
		break;
	}
}

/* RFC 826 over Ethernet: the hardware addresses are not in the packet words. */
static void build_arp(struct tctx *tc)
{
	const struct packet *p = &tc->p;

	tc->nhlen = 28;
	put16(tc->nh, tc->nhk, 0, 1);
	put16(tc->nh, tc->nhk, 2, 0x0800);
	put8(tc->nh, tc->nhk, 4, 6, 0xff);
	put8(tc->nh, tc->nhk, 5, 4, 0xff);
	put16(tc->nh, tc->nhk, 6, p->arp_op);
	put_addr(tc->nh, tc->nhk, 14, &p->saddr, 4);
	put_addr(tc->nh, tc->nhk, 24, &p->daddr, 4);
}

void hdr_build(struct tctx *tc)
{
	memset(tc->nh, 0, sizeof(tc->nh));
	memset(tc->nhk, 0, sizeof(tc->nhk));
	memset(tc->th, 0, sizeof(tc->th));
	memset(tc->thk, 0, sizeof(tc->thk));
	tc->fragment = (tc->p.frag_off & 0x3fff) != 0;
	tc->has_th = (tc->p.frag_off & 0x1fff) == 0;
	if (packet_is_arp(&tc->p)) {
		build_arp(tc);
		tc->has_th = false;
		tc->thlen = 0;
		return;
	}
	if (is_v6(&tc->p))
		build_ip6(tc);
	else
		build_ip4(tc);
	build_transport(tc);
}

static bool bit_at(const uint8_t *b, unsigned i)
{
	return (b[i / 8] >> (7 - i % 8)) & 1;
}

int hdr_read(struct tctx *tc, bool transport, unsigned off, unsigned bits, struct ev *out,
	     bool *unknown)
{
	const uint8_t *b = transport ? tc->th : tc->nh;
	const uint8_t *k = transport ? tc->thk : tc->nhk;
	size_t len = transport ? tc->thlen : tc->nhlen;

	memset(out, 0, sizeof(*out));
	*unknown = false;
	if (transport && !tc->has_th) {
		snprintf(tc->why, sizeof(tc->why), "a non-first fragment has no transport header");
		return EV_BREAK;
	}
	if (!bits || (size_t)off + bits > len * 8) {
		snprintf(tc->why, sizeof(tc->why), "the packet words do not describe %s bytes %u..%u",
			 transport ? "transport header" : "network header", off / 8,
			 (off + bits + 7) / 8);
		return EV_FREE;
	}
	for (unsigned i = off; i < off + bits; i++)
		if (!bit_at(k, i))
			*unknown = true;
	out->bits = bits;
	if (bits <= 64) {
		for (unsigned i = off; i < off + bits; i++)
			out->num = (out->num << 1) | bit_at(b, i);
		return EV_OK;
	}
	if (off % 8 || bits % 8 || bits > 128)
		return EV_FREE;
	out->wide = true;
	memcpy(out->b, b + off / 8, bits / 8);
	return EV_OK;
}

static void set_bit(uint8_t *b, unsigned i, bool on)
{
	uint8_t m = (uint8_t)(1u << (7 - i % 8));

	b[i / 8] = on ? (uint8_t)(b[i / 8] | m) : (uint8_t)(b[i / 8] & ~m);
}

void hdr_write(struct tctx *tc, bool transport, unsigned off, unsigned bits, const struct ev *v)
{
	uint8_t *b = transport ? tc->th : tc->nh;
	uint8_t *k = transport ? tc->thk : tc->nhk;
	size_t len = transport ? tc->thlen : tc->nhlen;

	if (!bits || (size_t)off + bits > len * 8)
		return;
	for (unsigned i = 0; i < bits; i++) {
		bool on;

		if (v->wide)
			on = i / 8 < sizeof(v->b) && ((v->b[i / 8] >> (7 - i % 8)) & 1);
		else
			on = bits - 1 - i < 64 && ((v->num >> (bits - 1 - i)) & 1);
		set_bit(b, off + i, on);
		set_bit(k, off + i, true);
	}
}

void link_write(struct tctx *tc, unsigned off, unsigned bits, const struct ev *v)
{
	if (!bits || bits > 64 || (size_t)off + bits > sizeof(tc->lh) * 8)
		return;
	for (unsigned i = 0; i < bits; i++) {
		bool on = v->wide ? (v->b[i / 8] >> (7 - i % 8)) & 1 : (v->num >> (bits - 1 - i)) & 1;

		set_bit(tc->lh, off + i, on);
		set_bit(tc->lhk, off + i, true);
	}
}

bool link_read(const struct tctx *tc, unsigned off, unsigned bits, struct ev *out)
{
	memset(out, 0, sizeof(*out));
	if (!bits || bits > 64 || (size_t)off + bits > sizeof(tc->lh) * 8)
		return false;
	for (unsigned i = off; i < off + bits; i++) {
		if (!bit_at(tc->lhk, i))
			return false;
		out->num = (out->num << 1) | bit_at(tc->lh, i);
	}
	out->bits = bits;
	return true;
}
