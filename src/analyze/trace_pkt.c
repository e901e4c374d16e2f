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

/*
 * One extension header at `at`, in the fixed layout packet.h documents:
 * hbh and dst 8 bytes of PadN (hdrlength 0); rt 24 bytes, one address ::
 * (hdrlength 2; type 4 carries last-entry 0, flags 0 and the tag); frag 8
 * bytes, reserved 0, the id known only when the words gave it.
 */
static size_t build_exthdr(struct tctx *tc, size_t at, unsigned code, unsigned next)
{
	const struct packet *p = &tc->p;
	uint8_t *b = tc->nh, *k = tc->nhk;

	put8(b, k, at, next, 0xff);
	switch (code) {
	case MATCH_EH_RT:
		memset(k + at + 1, 0xff, PACKET_EH_RT_LEN - 1);
		put8(b, k, at + 1, 2, 0xff);
		put8(b, k, at + 2, p->rt_type, 0xff);
		put8(b, k, at + 3, p->rt_segleft, 0xff);
		if (p->rt_type == 4)
			put16(b, k, at + 6, p->srh_tag);
		return PACKET_EH_RT_LEN;
	case MATCH_EH_FRAG:
		memset(k + at + 1, 0xff, 3);
		put16(b, k, at + 2, (unsigned)((p->frag_off & 0x1fff) << 3 |
					       ((p->frag_off & 0x2000) != 0)));
		put32(b, k, at + 4, p->frag_id, p->known & PF_BIT(PF_FRAG_ID));
		return PACKET_EH_FRAG_LEN;
	default:   /* hbh, dst: PadN over the 6 option bytes */
		memset(k + at + 1, 0xff, PACKET_EH_OPT_LEN - 1);
		put8(b, k, at + 2, 1, 0xff);
		put8(b, k, at + 3, 4, 0xff);
		return PACKET_EH_OPT_LEN;
	}
}

static void build_ip6(struct tctx *tc)
{
	const struct packet *p = &tc->p;
	unsigned len = p->length > 40 ? p->length - 40u : 0, code, next;
	size_t at = 6;   /* where the next-header byte to fill is */

	tc->nhlen = 40;
	put8(tc->nh, tc->nhk, 0, 0x60, 0xf0);
	put16(tc->nh, tc->nhk, 4, len);
	put8(tc->nh, tc->nhk, 7, p->ttl, 0xff);
	put_addr(tc->nh, tc->nhk, 8, &p->saddr, 16);
	put_addr(tc->nh, tc->nhk, 24, &p->daddr, 16);
	/* the chain in order; the mobility header is the transport (l4proto 135) */
	for (unsigned i = 0; (code = match_exthdr_at(p->exthdr, i)) && code != MATCH_EH_MH; i++) {
		next = match_exthdr_at(p->exthdr, i + 1);
		next = next && next != MATCH_EH_MH ? match_exthdr_proto(next) : p->l4proto;
		put8(tc->nh, tc->nhk, at, match_exthdr_proto(code), 0xff);
		at = tc->nhlen;
		tc->nhlen += build_exthdr(tc, tc->nhlen, code, next);
	}
	put8(tc->nh, tc->nhk, at, p->l4proto, 0xff);
}

/* Where extension header `proto` starts, as ipv6_find_hdr() finds it; -1 when it does not. */
int hdr_exthdr_at(const struct tctx *tc, unsigned proto)
{
	unsigned code;
	int at = 40;

	if (tc->p.nfproto != MATCH_NFPROTO_IPV6)
		return -1;
	for (unsigned i = 0; (code = match_exthdr_at(tc->p.exthdr, i)); i++) {
		if (match_exthdr_proto(code) == proto)
			return code == MATCH_EH_MH ? (tc->has_th ? HDR_AT_TRANSPORT : -1) : at;
		/* past a non-first fragment's header lies payload, not headers */
		if (code == MATCH_EH_FRAG && (tc->p.frag_off & 0x1fff))
			return -1;
		at += code == MATCH_EH_RT ? PACKET_EH_RT_LEN : PACKET_EH_OPT_LEN;
	}
	return -1;
}

/* The chain's headers in front of frag: their bytes, and where the byte naming frag is. */
static size_t before_frag(const struct packet *p, size_t *names_frag)
{
	size_t at = 40;
	unsigned code;

	*names_frag = 6;
	for (unsigned i = 0; (code = match_exthdr_at(p->exthdr, i)) && code != MATCH_EH_FRAG; i++) {
		*names_frag = at;
		at += code == MATCH_EH_RT ? PACKET_EH_RT_LEN : PACKET_EH_OPT_LEN;
	}
	return at;
}

unsigned hdr_frag_data_len(const struct tctx *tc)
{
	size_t names, at = before_frag(&tc->p, &names) + PACKET_EH_FRAG_LEN;

	return tc->p.length > at ? tc->p.length - (unsigned)at : 0;
}

void hdr_strip_frag(struct tctx *tc)
{
	struct packet *p = &tc->p;
	size_t names, at = before_frag(p, &names);
	uint32_t chain = 0;
	unsigned code, n = 0;

	if (!packet_has_exthdr(p, MATCH_EH_FRAG) || at + PACKET_EH_FRAG_LEN > tc->nhlen)
		return;
	tc->nh[names] = tc->nh[at];   /* the header before it names what followed it */
	memmove(tc->nh + at, tc->nh + at + PACKET_EH_FRAG_LEN, tc->nhlen - at - PACKET_EH_FRAG_LEN);
	memmove(tc->nhk + at, tc->nhk + at + PACKET_EH_FRAG_LEN,
		tc->nhlen - at - PACKET_EH_FRAG_LEN);
	tc->nhlen -= PACKET_EH_FRAG_LEN;
	p->length = (uint16_t)(p->length - PACKET_EH_FRAG_LEN);
	put16(tc->nh, tc->nhk, 4, p->length > 40 ? p->length - 40u : 0);
	for (unsigned i = 0; (code = match_exthdr_at(p->exthdr, i)); i++)
		if (code != MATCH_EH_FRAG)
			chain |= (uint32_t)code << (3 * n++);
	p->exthdr = chain;
}

static void build_ports(struct tctx *tc, size_t len)
{
	tc->thlen = len;
	put16(tc->th, tc->thk, 0, tc->p.sport);
	put16(tc->th, tc->thk, 2, tc->p.dport);
}

/*
 * udplite, sctp, dccp, comp and igmp as xpkt sends them (packet.h): what the
 * words give is known; checksums, sequence numbers and the bodies are not.
 */
static void build_l4_extra(struct tctx *tc)
{
	const struct packet *p = &tc->p;

	switch (p->l4proto) {
	case 136:  /* udplite: coverage, checksum */
		build_ports(tc, 8);
		put16(tc->th, tc->thk, 4, p->csumcov);
		break;
	case 132:  /* sctp: vtag, checksum, then one chunk: type, flags 0, length */
		build_ports(tc, 12 + packet_sctp_chunk_len(p->l4type));
		put32(tc->th, tc->thk, 4, p->vtag, true);
		put8(tc->th, tc->thk, 12, p->l4type, 0xff);
		put8(tc->th, tc->thk, 13, 0, 0xff);
		put16(tc->th, tc->thk, 14, packet_sctp_chunk_len(p->l4type));
		break;
	case 33:   /* dccp: data offset, then reserved 0, type, extended sequence numbers */
		build_ports(tc, packet_dccp_len(p->l4type));
		put8(tc->th, tc->thk, 4, packet_dccp_len(p->l4type) / 4, 0xff);
		put8(tc->th, tc->thk, 8, (unsigned)p->l4type << 1 | 1, 0xff);
		break;
	case 108:  /* comp: next header (default a UDP datagram compressed), flags, cpi */
		tc->thlen = 4;
		put8(tc->th, tc->thk, 0, p->comp_nexthdr, 0xff);
		put8(tc->th, tc->thk, 1, p->comp_flags, 0xff);
		put16(tc->th, tc->thk, 2, p->cpi);
		break;
	case 2:    /* igmp: type, max response time, checksum, group (0.0.0.0 in a general query) */
		if (p->nfproto != MATCH_NFPROTO_IPV4)
			break;   /* IPv6 next header 2: no igmp words, nothing known */
		tc->thlen = 8;
		put8(tc->th, tc->thk, 0, p->l4type, 0xff);
		put8(tc->th, tc->thk, 1, p->igmp_mrt, 0xff);
		put32(tc->th, tc->thk, 4, 0, p->l4type == 0x11);
		break;
	default:
		break;
	}
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
		build_ports(tc, 8);
		put16(tc->th, tc->thk, 4, p->length > l3 ? p->length - l3 : 0);
		break;
	case 136: case 132: case 33: case 108: case 2:
		build_l4_extra(tc);
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
	case 135:  /* mh: payload proto 59 (none), hdrlength 0, type, reserved 0, checksum 0 */
		tc->thlen = PACKET_EH_MH_LEN;
		memset(tc->thk, 0xff, PACKET_EH_MH_LEN);
		put8(tc->th, tc->thk, 0, 59, 0xff);
		put8(tc->th, tc->thk, 2, p->mh_type, 0xff);
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
	/* a fragment the words did not give a chain for carries its fragment header alone */
	if (is_v6(&tc->p) && tc->fragment && !tc->p.exthdr)
		tc->p.exthdr = MATCH_EH_FRAG;
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
