// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PACKET: packet words -> one concrete packet with stated defaults, and back
 * to words. The defaults and their reasons are documented in packet.h.
 */
#include "core/packet.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/strbuf.h"

/* Addresses the defaults use (packet.h says why). */
#define REMOTE4 "8.8.8.8"
#define REMOTE6 "2001:4860:4860::8888"
#define HOST4 "198.51.100.1"
#define HOST6 "2001:db8::1"
#define OTHER4 "1.1.1.1"
#define OTHER6 "2606:4700:4700::1111"
#define LOOP4 "127.0.0.1"
#define LOOP6 "::1"

#define DEFAULT_SPORT 40000
#define DEFAULT_DPORT 9
#define DEFAULT_TTL 64

static const enum packet_field field_of[MF__COUNT] = {
	[MF_IIF] = PF_IIF, [MF_IIFNAME] = PF_IIFNAME, [MF_OIF] = PF_OIF,
	[MF_OIFNAME] = PF_OIFNAME, [MF_NFPROTO] = PF_NFPROTO, [MF_L4PROTO] = PF_L4PROTO,
	[MF_MARK] = PF_MARK, [MF_IP_SADDR] = PF_SADDR, [MF_IP_DADDR] = PF_DADDR,
	[MF_IP6_SADDR] = PF_SADDR, [MF_IP6_DADDR] = PF_DADDR, [MF_IP_PROTOCOL] = PF_L4PROTO,
	[MF_IP6_NEXTHDR] = PF_L4PROTO, [MF_IP_TTL] = PF_TTL, [MF_IP6_HOPLIMIT] = PF_TTL,
	[MF_IP_LENGTH] = PF_LENGTH, [MF_IP_FRAG_OFF] = PF_FRAG_OFF,
	[MF_TCP_SPORT] = PF_SPORT, [MF_TCP_DPORT] = PF_DPORT, [MF_UDP_SPORT] = PF_SPORT,
	[MF_UDP_DPORT] = PF_DPORT, [MF_TH_SPORT] = PF_SPORT, [MF_TH_DPORT] = PF_DPORT,
	[MF_TCP_FLAGS] = PF_TCP_FLAGS, [MF_CT_STATE] = PF_CT_STATE,
	[MF_ICMP_TYPE] = PF_ICMP_TYPE, [MF_ICMP_CODE] = PF_ICMP_CODE,
	[MF_ICMPV6_TYPE] = PF_ICMP_TYPE, [MF_ICMPV6_CODE] = PF_ICMP_CODE,
	[MF_FRAGMENT] = PF_FRAGMENT,
	[MF_ARP_OP] = PF_ARP_OP, [MF_ARP_SADDR_IP] = PF_SADDR, [MF_ARP_DADDR_IP] = PF_DADDR,
	[MF_IBRNAME] = PF_IBRNAME, [MF_OBRNAME] = PF_OBRNAME,
	[MF_ESP_SPI] = PF_SPI, [MF_AH_SPI] = PF_SPI, [MF_CPU] = PF_CPU, [MF_TIME] = PF_TIME,
	[MF_SCTP_VTAG] = PF_VTAG, [MF_SCTP_CHUNK] = PF_L4TYPE, [MF_DCCP_TYPE] = PF_L4TYPE,
	[MF_IGMP_TYPE] = PF_L4TYPE, [MF_UDPLITE_CSUMCOV] = PF_CSUMCOV, [MF_COMP_CPI] = PF_CPI,
	[MF_IGMP_MRT] = PF_IGMP_MRT,
	[MF_EXTHDR] = PF_EXTHDR, [MF_FRAG_ID] = PF_FRAG_ID, [MF_FRAG6_OFF] = PF_FRAG6_OFF,
	[MF_FRAG6_MF] = PF_FRAG6_MF, [MF_RT_TYPE] = PF_RT_TYPE, [MF_RT_SEGLEFT] = PF_RT_SEGLEFT,
	[MF_SRH_TAG] = PF_SRH_TAG, [MF_MH_TYPE] = PF_MH_TYPE,
	[MF_COMP_NEXTHDR] = PF_COMP_NEXTHDR, [MF_COMP_FLAGS] = PF_COMP_FLAGS,
	[MF_PKTTYPE] = PF_PKTTYPE, [MF_VLAN_ID] = PF_VLAN_ID,
};

/* The mobility header's protocol number: IPv6 takes it as the transport (not in ipv6_ext_hdr). */
#define PROTO_MH 135

#define NEIGHBOUR4 "198.51.100.2"
#define NEIGHBOUR4_OTHER "198.51.100.3"

/* ---- small facts --------------------------------------------------------- */

static bool is_v6(const struct packet *p)
{
	return p->nfproto == MATCH_NFPROTO_IPV6;
}

static bool non_first_fragment(const struct packet *p)
{
	return (p->frag_off & 0x1fff) != 0;
}

static bool proto_has_ports(unsigned l4)
{
	return l4 == 6 || l4 == 17 || l4 == 33 || l4 == 132 || l4 == 136;
}

static bool has_ports(const struct packet *p)
{
	return !non_first_fragment(p) && proto_has_ports(p->l4proto);
}

static bool is_tcp(const struct packet *p)
{
	return !non_first_fragment(p) && p->l4proto == MATCH_PROTO_TCP;
}

/*
 * An icmp header to judge: icmp in IPv4, icmpv6 in IPv6, as the analysis's
 * header space has it. The other pairings ("ip6 nexthdr icmp") carry the
 * protocol number only: a type named from the wrong table would not parse.
 */
static bool is_icmp(const struct packet *p)
{
	if (non_first_fragment(p))
		return false;
	return p->nfproto == MATCH_NFPROTO_IPV6 ? p->l4proto == MATCH_PROTO_ICMPV6
						 : p->l4proto == MATCH_PROTO_ICMP;
}

/* Which icmp table a type/code is named from: icmpv6 for l4proto 58. */
static bool icmp_v6(const struct packet *p)
{
	return p->l4proto == MATCH_PROTO_ICMPV6;
}

static bool given(const struct packet *p, enum packet_field f)
{
	return p->given & PF_BIT(f);
}

static bool unresolved(const struct packet *p, enum packet_field f)
{
	return p->unresolved & PF_BIT(f);
}

enum packet_path packet_path(const struct packet *p)
{
	bool in = given(p, PF_IIF) || given(p, PF_IIFNAME);
	bool out = given(p, PF_OIF) || given(p, PF_OIFNAME);

	if (in && out)
		return PACKET_FORWARD;
	return out ? PACKET_OUTPUT : PACKET_INPUT;
}

bool packet_is_arp(const struct packet *p)
{
	return p->nfproto == MATCH_NFPROTO_ARP;
}

bool packet_is_bridged(const struct packet *p)
{
	return p->ibr[0] || p->obr[0];
}

static bool on_loopback(const struct packet *p)
{
	return !strcmp(p->iif, "lo") || !strcmp(p->oif, "lo");
}

/* conntrack's table of tcp flag combinations it accepts (PSH, ECE, CWR ignored). */
static bool tcp_flags_valid(unsigned f)
{
	switch (f & (MATCH_TCP_FIN | MATCH_TCP_SYN | MATCH_TCP_RST | MATCH_TCP_ACK |
		     MATCH_TCP_URG)) {
	case MATCH_TCP_SYN:
	case MATCH_TCP_SYN | MATCH_TCP_URG:
	case MATCH_TCP_SYN | MATCH_TCP_ACK:
	case MATCH_TCP_RST:
	case MATCH_TCP_RST | MATCH_TCP_ACK:
	case MATCH_TCP_FIN | MATCH_TCP_ACK:
	case MATCH_TCP_FIN | MATCH_TCP_ACK | MATCH_TCP_URG:
	case MATCH_TCP_ACK:
	case MATCH_TCP_ACK | MATCH_TCP_URG:
		return true;
	default:
		return false;
	}
}

/* ---- sctp, dccp, udplite, comp and igmp ------------------------------------- */

static bool is_l4(const struct packet *p, unsigned proto)
{
	return !non_first_fragment(p) && p->l4proto == proto;
}

/* IGMP is IPv4's: an IPv6 packet with next header 2 has no header the igmp words describe. */
static bool is_igmp4(const struct packet *p)
{
	return is_l4(p, MATCH_PROTO_IGMP) && !is_v6(p);
}

/* The protocol a field of these headers belongs to (PF_L4TYPE: sctp, dccp or igmp). */
static bool l4_extra_fits(const struct packet *p, enum packet_field f)
{
	switch (f) {
	case PF_L4TYPE:
		return is_l4(p, MATCH_PROTO_SCTP) || is_l4(p, MATCH_PROTO_DCCP) ||
		       is_igmp4(p);
	case PF_VTAG: return is_l4(p, MATCH_PROTO_SCTP);
	case PF_CSUMCOV: return is_l4(p, MATCH_PROTO_UDPLITE);
	case PF_CPI: return is_l4(p, MATCH_PROTO_COMP);
	case PF_IGMP_MRT: return is_igmp4(p);
	case PF_COMP_NEXTHDR: case PF_COMP_FLAGS: return is_l4(p, MATCH_PROTO_COMP);
	default: return false;
	}
}

/*
 * Bytes of the one SCTP chunk: INIT and INIT ACK carry their 16-byte fixed
 * part, DATA and SACK their 12-byte one, SHUTDOWN its cumulative TSN, the
 * others only the chunk header (xpkt sends the same).
 */
unsigned packet_sctp_chunk_len(unsigned type)
{
	switch (type) {
	case 1: case 2: return 20;
	case 0: case 3: return 16;
	case 7: return 8;
	default: return 4;
	}
}

/*
 * Bytes of a DCCP packet (RFC 4340 5.1-5.6), extended sequence numbers: the
 * generic header, the acknowledgement subheader of every type but Request
 * and Data, the service code of Request and Response, Reset's code and data.
 */
unsigned packet_dccp_len(unsigned type)
{
	unsigned len = 16;

	if (type != 0 && type != 2)
		len += 8;
	if (type == 0 || type == 1 || type == 7)
		len += 4;
	return len;
}

/*
 * nf_conntrack_proto_sctp: a packet with no conntrack entry opens one only
 * when its chunk moves the state machine out of NONE; DATA, SACK and the like
 * do not, and ABORT, SHUTDOWN COMPLETE and COOKIE ACK out of the blue are
 * refused (RFC 9260 8.4). HEARTBEAT, HEARTBEAT ACK and SHUTDOWN ACK open one
 * whatever their tag; INIT (8.5.1), INIT ACK, SHUTDOWN, ERROR and COOKIE
 * ECHO only with tag 0, the tag the new entry expects (measured on 6.18).
 */
static bool sctp_opens(const struct packet *p)
{
	switch (p->l4type) {
	case 4: case 5: case 8: return true;
	case 1: case 2: case 7: case 9: case 10: return p->vtag == 0;
	default: return false;
	}
}

/* UDP-Lite's coverage: 0 (all) or from its 8-byte header to the datagram's end. */
static bool udplite_coverage_ok(const struct packet *p)
{
	return p->csumcov == 0 || p->csumcov == 8;
}

/*
 * nf_conntrack_proto_udp.c checks a UDP-Lite checksum at prerouting (with
 * the default net.netfilter.nf_conntrack_checksum=1) over UDP's pseudo-header
 * (protocol 17), so a datagram checksummed as RFC 3828 says (protocol 136)
 * fails it: every received UDP-Lite packet is invalid. This host's own are
 * not checked.
 */
static bool udplite_ct_ok(const struct packet *p)
{
	return udplite_coverage_ok(p) && packet_path(p) == PACKET_OUTPUT;
}

/* ct state of these protocols' first packets, MATCH_CT_NEW when nothing refuses them. */
static uint8_t l4_extra_ct(const struct packet *p)
{
	if (is_l4(p, MATCH_PROTO_SCTP) && !sctp_opens(p))
		return MATCH_CT_INVALID;
	if (is_l4(p, MATCH_PROTO_UDPLITE) && !udplite_ct_ok(p))
		return MATCH_CT_INVALID;
	return MATCH_CT_NEW;
}

static unsigned l4_extra_len(const struct packet *p)
{
	switch (p->l4proto) {
	case MATCH_PROTO_SCTP: return 12 + packet_sctp_chunk_len(p->l4type);
	case MATCH_PROTO_DCCP: return packet_dccp_len(p->l4type);
	case MATCH_PROTO_UDPLITE: case MATCH_PROTO_IGMP: return 8;
	case MATCH_PROTO_COMP: return 4;
	default: return 0;
	}
}

/* IPComp's next header and flags: a compressed UDP datagram, no flags (packet.h). */
static void complete_comp(struct packet *p, uint64_t known)
{
	bool comp = is_l4(p, MATCH_PROTO_COMP);

	if (!(known & PF_BIT(PF_COMP_NEXTHDR)))
		p->comp_nexthdr = comp ? MATCH_PROTO_UDP : 0;
	if (!(known & PF_BIT(PF_COMP_FLAGS)))
		p->comp_flags = 0;
}

/* Defaults of the fields these headers have (packet.h); zero for the others. */
static void complete_l4_extra(struct packet *p, uint64_t known)
{
	if (!(known & PF_BIT(PF_L4TYPE)))
		p->l4type = 0;
	if (!(known & PF_BIT(PF_VTAG)))
		p->vtag = 0;
	if (!(known & PF_BIT(PF_CSUMCOV)))
		p->csumcov = 0;
	if (!(known & PF_BIT(PF_CPI)))
		p->cpi = 0;
	if (!(known & PF_BIT(PF_IGMP_MRT)))
		p->igmp_mrt = 0;
	complete_comp(p, known);
	if (!(known & PF_BIT(PF_L4TYPE)) && is_l4(p, MATCH_PROTO_SCTP))
		p->l4type = 1;      /* init */
	if (!(known & PF_BIT(PF_L4TYPE)) && is_igmp4(p))
		p->l4type = 0x11;   /* membership-query */
	if (!(known & PF_BIT(PF_CPI)) && is_l4(p, MATCH_PROTO_COMP))
		p->cpi = 2;         /* DEFLATE's well-known CPI (RFC 2394) */
	if (!(known & PF_BIT(PF_IGMP_MRT)) && is_igmp4(p) && p->l4type == 0x11)
		p->igmp_mrt = 100;  /* a query's default: 10 s (RFC 2236) */
}

static bool icmp_is_error(unsigned type, bool v6)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool icmp_is_echo_reply(unsigned type, bool v6)
{
	return type == (v6 ? 129u : 0u);
}

/* ---- from conditions ---------------------------------------------------- */

struct builder {
	struct packet *p;
	const struct match_cond *by[PF__COUNT];  /* the condition that set each field */
	const struct match_list *m;
	const struct match_src *src;
	struct xerr *e;
};

static int berr(const struct builder *b, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int berr(const struct builder *b, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = xerr_vat(b->e, XNFT_EXIT_FINDINGS, b->src->file ? b->src->file : "", b->src->line,
		      col, fmt, ap);
	va_end(ap);
	return rc;
}

/* The written condition an implied one comes from (same column, not implied). */
static const struct match_cond *cause_of(const struct builder *b, const struct match_cond *c)
{
	if (!c->implied)
		return c;
	for (size_t i = 0; i < b->m->n; i++)
		if (!b->m->cond[i].implied && b->m->cond[i].col == c->col)
			return &b->m->cond[i];
	return c;
}

static void cond_words(const struct builder *b, const struct match_cond *c, char *buf,
		       size_t size)
{
	match_cond_format(cause_of(b, c), buf, size);
}

/* A condition that cannot describe one packet: say what to write instead. */
static int not_single(const struct builder *b, const struct match_cond *c)
{
	const char *fname = match_field_name(c->field);
	const struct match_value *v = c->nval ? &c->val[0] : NULL;
	char words[256], one[PREFIX_STRLEN];

	match_cond_format(c, words, sizeof(words));
	if (c->op == MOP_MASK_EQ || c->op == MOP_MASK_NE) {
		berr(b, c->col, "'%s' tests some bits; one packet has exact values", words);
		return xerr_hint(b->e, "write the value it has, e.g. %s",
				 c->field == MF_TCP_FLAGS ? "tcp flags syn,ack" : "meta mark 0x1");
	}
	if (c->op == MOP_NE) {
		berr(b, c->col, "'%s' describes many packets; a packet has one %s", words, fname);
		return xerr_hint(b->e, "write the value it has: '%s VALUE'", fname);
	}
	if (c->nval > 1) {
		berr(b, c->col, "'%s' lists %zu values; a packet has one %s", words, c->nval, fname);
		return xerr_hint(b->e, "pick one value and trace again for the others");
	}
	switch (v->kind) {
	case MV_RANGE:
		berr(b, c->col, "'%s' is a range; a packet has one %s", words, fname);
		return xerr_hint(b->e, "pick one, e.g. '%s %u'", fname, v->lo);
	case MV_ADDR_RANGE:
		prefix_format_addr(&v->addr, one, sizeof(one));
		berr(b, c->col, "'%s' is a range; a packet has one address", words);
		return xerr_hint(b->e, "pick one, e.g. '%s %s'", fname, one);
	case MV_PREFIX: {
		struct prefix host = v->addr;

		host.addr[v->addr.family == AF_INET6 ? 15 : 3] |= 1;
		prefix_format_addr(&host, one, sizeof(one));
		berr(b, c->col, "'%s' is a prefix; a packet has one address", words);
		return xerr_hint(b->e, "pick one, e.g. '%s %s'", fname, one);
	}
	case MV_SET:
		berr(b, c->col, "'%s' is a named set; a packet has one %s", words, fname);
		return xerr_hint(b->e, "give one element of @%s", v->name);
	case MV_IFNAME:
		berr(b, c->col, "'%s' is a pattern; a packet passes one interface", words);
		return xerr_hint(b->e, "give the interface's name, e.g. '%s %.*s0'", fname,
				 (int)(strlen(v->name) - 1), v->name);
	default:
		return berr(b, c->col, "'%s' is not one value", words);
	}
}

static bool single(const struct match_cond *c)
{
	const struct match_value *v;

	if (c->field == MF_FRAGMENT)
		return true;
	if (c->op != MOP_EQ || c->nval != 1)
		return false;
	v = &c->val[0];
	switch (v->kind) {
	case MV_NUM: case MV_DEFINE:
		return true;
	case MV_PREFIX:
		return v->addr.len == prefix_max_len(v->addr.family);
	case MV_IFNAME:
		return !strchr(v->name, '*');
	default:
		return false;
	}
}

static int conflict(const struct builder *b, const struct match_cond *c,
		    const struct match_cond *by, const char *why)
{
	char a[256], o[256];

	cond_words(b, c, a, sizeof(a));
	cond_words(b, by, o, sizeof(o));
	berr(b, cause_of(b, c)->col, "'%s' contradicts '%s' at column %d: %s", a, o,
	     cause_of(b, by)->col, why);
	return xerr_hint(b->e, "a packet has one value for each field; drop one of them");
}

/* The number a field holds now, to compare an implied value with. */
static uint32_t num_of(const struct packet *p, enum packet_field f)
{
	switch (f) {
	case PF_NFPROTO: return p->nfproto;
	case PF_L4PROTO: return p->l4proto;
	case PF_MARK: return p->mark;
	case PF_TTL: return p->ttl;
	case PF_LENGTH: return p->length;
	case PF_FRAG_OFF: return p->frag_off;
	case PF_SPORT: return p->sport;
	case PF_DPORT: return p->dport;
	case PF_TCP_FLAGS: return p->tcp_flags;
	case PF_CT_STATE: return p->ct_state;
	case PF_ICMP_TYPE: return p->icmp_type;
	case PF_ICMP_CODE: return p->icmp_code;
	case PF_ARP_OP: return p->arp_op;
	case PF_SPI: return p->spi;
	case PF_CPU: return p->cpu;
	case PF_TIME: return p->time;
	case PF_L4TYPE: return p->l4type;
	case PF_VTAG: return p->vtag;
	case PF_CSUMCOV: return p->csumcov;
	case PF_CPI: return p->cpi;
	case PF_IGMP_MRT: return p->igmp_mrt;
	case PF_EXTHDR: return p->exthdr;
	case PF_FRAG_ID: return p->frag_id;
	case PF_FRAG6_OFF: return p->frag6_off;
	case PF_FRAG6_MF: return p->frag6_mf;
	case PF_RT_TYPE: return p->rt_type;
	case PF_RT_SEGLEFT: return p->rt_segleft;
	case PF_SRH_TAG: return p->srh_tag;
	case PF_MH_TYPE: return p->mh_type;
	case PF_COMP_NEXTHDR: return p->comp_nexthdr;
	case PF_COMP_FLAGS: return p->comp_flags;
	case PF_PKTTYPE: return p->pkttype;
	case PF_VLAN_ID: return p->vlan_id;
	default: return 0;
	}
}

static void set_num(struct packet *p, enum packet_field f, uint32_t n)
{
	switch (f) {
	case PF_NFPROTO: p->nfproto = (uint8_t)n; break;
	case PF_L4PROTO: p->l4proto = (uint8_t)n; break;
	case PF_MARK: p->mark = n; break;
	case PF_TTL: p->ttl = (uint8_t)n; break;
	case PF_LENGTH: p->length = (uint16_t)n; break;
	case PF_FRAG_OFF: p->frag_off = (uint16_t)n; break;
	case PF_SPORT: p->sport = (uint16_t)n; break;
	case PF_DPORT: p->dport = (uint16_t)n; break;
	case PF_TCP_FLAGS: p->tcp_flags = (uint8_t)n; break;
	case PF_CT_STATE: p->ct_state = (uint8_t)n; break;
	case PF_ICMP_TYPE: p->icmp_type = (uint8_t)n; break;
	case PF_ICMP_CODE: p->icmp_code = (uint8_t)n; break;
	case PF_ARP_OP: p->arp_op = (uint16_t)n; break;
	case PF_SPI: p->spi = n; break;
	case PF_CPU: p->cpu = n; break;
	case PF_TIME: p->time = n; break;
	case PF_L4TYPE: p->l4type = (uint8_t)n; break;
	case PF_VTAG: p->vtag = n; break;
	case PF_CSUMCOV: p->csumcov = (uint16_t)n; break;
	case PF_CPI: p->cpi = (uint16_t)n; break;
	case PF_IGMP_MRT: p->igmp_mrt = (uint8_t)n; break;
	case PF_EXTHDR: p->exthdr = n; break;
	case PF_FRAG_ID: p->frag_id = n; break;
	case PF_FRAG6_OFF: p->frag6_off = (uint16_t)n; break;
	case PF_FRAG6_MF: p->frag6_mf = (uint8_t)n; break;
	case PF_RT_TYPE: p->rt_type = (uint8_t)n; break;
	case PF_RT_SEGLEFT: p->rt_segleft = (uint8_t)n; break;
	case PF_SRH_TAG: p->srh_tag = (uint16_t)n; break;
	case PF_MH_TYPE: p->mh_type = (uint8_t)n; break;
	case PF_COMP_NEXTHDR: p->comp_nexthdr = (uint8_t)n; break;
	case PF_COMP_FLAGS: p->comp_flags = (uint8_t)n; break;
	case PF_PKTTYPE: p->pkttype = (uint8_t)n; break;
	case PF_VLAN_ID: p->vlan_id = (uint16_t)n; break;
	default: break;
	}
}

static int take_implied(struct builder *b, const struct match_cond *c, enum packet_field f)
{
	struct packet *p = b->p;
	uint32_t n = c->val[0].lo;

	if (given(p, f) && !unresolved(p, f) && num_of(p, f) != n)
		return conflict(b, c, b->by[f], "no packet has both");
	set_num(p, f, n);
	p->given |= PF_BIT(f);
	p->known |= PF_BIT(f);
	if (!b->by[f])
		b->by[f] = c;
	return 0;
}

/* iif and iifname (oif and oifname) name one interface: they must agree. */
static int take_ifname(struct builder *b, const struct match_cond *c, enum packet_field f)
{
	struct packet *p = b->p;
	bool in = f == PF_IIF || f == PF_IIFNAME;
	enum packet_field other = in ? (f == PF_IIF ? PF_IIFNAME : PF_IIF) :
				       (f == PF_OIF ? PF_OIFNAME : PF_OIF);
	char *name = in ? p->iif : p->oif;

	if (given(p, other) && !unresolved(p, other) && strcmp(name, c->val[0].name))
		return conflict(b, c, b->by[other], in ? "a packet arrives on one interface" :
				"a packet leaves on one interface");
	snprintf(name, IFNAME_MAXLEN + 1, "%s", c->val[0].name);
	return 0;
}

static int take_written(struct builder *b, const struct match_cond *c, enum packet_field f)
{
	struct packet *p = b->p;
	const struct match_value *v = c->nval ? &c->val[0] : NULL;

	if (!single(c))
		return not_single(b, c);
	if (b->by[f] && !b->by[f]->implied) {
		char a[256];

		match_cond_format(c, a, sizeof(a));
		berr(b, c->col, "'%s': the packet's %s was already given at column %d", a,
		     match_field_name(b->by[f]->field), b->by[f]->col);
		return xerr_hint(b->e, "a packet has one value for each field; keep one");
	}
	if (v && v->kind == MV_DEFINE) {
		p->unresolved |= PF_BIT(f);
		snprintf(p->define[f], sizeof(p->define[f]), "%s", v->name);
	} else if (f == PF_IIF || f == PF_IIFNAME || f == PF_OIF || f == PF_OIFNAME) {
		if (take_ifname(b, c, f) < 0)
			return -1;
	} else if (f == PF_IBRNAME || f == PF_OBRNAME) {
		snprintf(f == PF_IBRNAME ? p->ibr : p->obr, IFNAME_MAXLEN + 1, "%s", v->name);
	} else if (f == PF_SADDR || f == PF_DADDR) {
		*(f == PF_SADDR ? &p->saddr : &p->daddr) = v->addr;
	} else if (f != PF_FRAGMENT) {
		if (given(p, f) && !unresolved(p, f) && num_of(p, f) != v->lo)
			return conflict(b, c, b->by[f], "no packet has both");
		set_num(p, f, v->lo);
	}
	if (!v || v->kind != MV_DEFINE)
		p->known |= PF_BIT(f);
	p->given |= PF_BIT(f);
	b->by[f] = c;
	return 0;
}

/* ---- defaults ------------------------------------------------------------ */

static void addr_set(struct prefix *a, bool v6, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->family = v6 ? AF_INET6 : AF_INET;
	a->len = prefix_max_len(a->family);
	inet_pton(a->family, text, a->addr);
}

static void default_addresses(struct packet *p, uint64_t known)
{
	bool v6 = is_v6(p), lo = on_loopback(p);
	enum packet_path path = packet_path(p);
	const char *remote = v6 ? REMOTE6 : REMOTE4, *host = v6 ? HOST6 : HOST4;

	if (packet_is_arp(p)) {   /* ARP speaks with the neighbours on the link */
		if (!(known & PF_BIT(PF_SADDR)))
			addr_set(&p->saddr, false, path == PACKET_OUTPUT ? HOST4 : NEIGHBOUR4);
		if (!(known & PF_BIT(PF_DADDR)))
			addr_set(&p->daddr, false, path == PACKET_INPUT ? HOST4 :
				 path == PACKET_OUTPUT ? NEIGHBOUR4 : NEIGHBOUR4_OTHER);
		return;
	}
	if (!(known & PF_BIT(PF_SADDR)))
		addr_set(&p->saddr, v6, lo ? (v6 ? LOOP6 : LOOP4) :
			 path == PACKET_OUTPUT ? host : remote);
	if (!(known & PF_BIT(PF_DADDR)))
		addr_set(&p->daddr, v6, lo ? (v6 ? LOOP6 : LOOP4) :
			 path == PACKET_OUTPUT ? remote :
			 path == PACKET_FORWARD ? (v6 ? OTHER6 : OTHER4) : host);
}

static uint8_t ct_from_tcp_flags(unsigned f)
{
	if (!tcp_flags_valid(f))
		return MATCH_CT_INVALID;
	if ((f & MATCH_TCP_SYN) && !(f & MATCH_TCP_ACK))
		return MATCH_CT_NEW;
	return MATCH_CT_ESTABLISHED;
}

/* Neighbour discovery and MLD (130-136, 143): conntrack leaves them untracked. */
static bool icmpv6_untracked(const struct packet *p)
{
	return is_icmp(p) && icmp_v6(p) &&
	       ((p->icmp_type >= 130 && p->icmp_type <= 136) || p->icmp_type == 143);
}

static uint8_t ct_default(const struct packet *p, uint64_t known)
{
	if (icmpv6_untracked(p))
		return MATCH_CT_UNTRACKED;
	if (is_tcp(p) && (known & PF_BIT(PF_TCP_FLAGS)))
		return ct_from_tcp_flags(p->tcp_flags);
	if (l4_extra_ct(p) != MATCH_CT_NEW)
		return l4_extra_ct(p);
	if (is_icmp(p) && icmp_is_error(p->icmp_type, icmp_v6(p)))
		return MATCH_CT_RELATED;
	if (is_icmp(p) && icmp_is_echo_reply(p->icmp_type, icmp_v6(p)))
		return MATCH_CT_ESTABLISHED;
	return MATCH_CT_NEW;
}

static uint8_t ttl_default(const struct packet *p)
{
	if (is_icmp(p) && icmp_v6(p)) {
		if (p->icmp_type >= 133 && p->icmp_type <= 137)
			return 255;
		if ((p->icmp_type >= 130 && p->icmp_type <= 132) || p->icmp_type == 143)
			return 1;
	}
	return DEFAULT_TTL;
}

static unsigned l4_header_len(const struct packet *p)
{
	if (non_first_fragment(p))
		return 0;
	switch (p->l4proto) {
	case MATCH_PROTO_TCP: return 20;
	case MATCH_PROTO_UDP: case MATCH_PROTO_ICMP: case MATCH_PROTO_ICMPV6: case 136: return 8;
	case 50: return 8;    /* esp: spi, sequence */
	case 51: return 12;   /* ah: next header, length, reserved, spi, sequence (no ICV) */
	case PROTO_MH: return PACKET_EH_MH_LEN;
	default: return l4_extra_len(p);
	}
}

/* A field given but meaningless for this packet (ports of icmp, flags of a fragment). */
static int check_transport(struct builder *b)
{
	static const enum packet_field fs[] = { PF_SPORT, PF_DPORT, PF_TCP_FLAGS,
						PF_ICMP_TYPE, PF_ICMP_CODE, PF_SPI, PF_L4TYPE,
						PF_VTAG, PF_CSUMCOV, PF_CPI, PF_IGMP_MRT,
						PF_COMP_NEXTHDR, PF_COMP_FLAGS };
	struct packet *p = b->p;

	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		enum packet_field f = fs[i];
		bool ok = f == PF_TCP_FLAGS ? is_tcp(p) :
			  (f == PF_SPORT || f == PF_DPORT) ? has_ports(p) :
			  f == PF_SPI ? !non_first_fragment(p) && (p->l4proto == 50 ||
								   p->l4proto == 51) :
			  f == PF_ICMP_TYPE || f == PF_ICMP_CODE ? is_icmp(p) :
			  l4_extra_fits(p, f);
		const struct match_cond *c = b->by[f];
		char a[256], l4[32];
		const char *name;

		if (!given(p, f) || ok || !c)
			continue;
		cond_words(b, c, a, sizeof(a));
		if (non_first_fragment(p)) {
			const struct match_cond *fr = b->by[PF_FRAGMENT] ? b->by[PF_FRAGMENT] :
						      b->by[PF_FRAG_OFF] ? b->by[PF_FRAG_OFF] :
						      b->by[PF_FRAG6_OFF];

			berr(b, c->col, "'%s' cannot be given for a non-first fragment (column %d): "
			     "it carries no transport header", a, fr ? fr->col : 0);
			return xerr_hint(b->e, "drop '%s', or drop the fragment", a);
		}
		name = match_l4proto_name(p->l4proto);
		if (!name) {
			snprintf(l4, sizeof(l4), "%u", p->l4proto);
			name = l4;
		}
		berr(b, c->col, "'%s' does not fit the transport protocol %s: it has no such header",
		     a, name);
		return xerr_hint(b->e, "give a protocol that has it (tcp or udp for ports), or "
				 "drop '%s'", a);
	}
	return 0;
}

/* An ARP packet: no IP or transport header, received or sent, no conntrack entry. */
static int complete_arp(struct builder *b)
{
	static const enum packet_field ip_only[] = {
		PF_L4PROTO, PF_TTL, PF_LENGTH, PF_FRAG_OFF, PF_FRAGMENT, PF_SPORT, PF_DPORT,
		PF_TCP_FLAGS, PF_CT_STATE, PF_ICMP_TYPE, PF_ICMP_CODE,
		PF_L4TYPE, PF_VTAG, PF_CSUMCOV, PF_CPI, PF_IGMP_MRT, PF_COMP_NEXTHDR, PF_COMP_FLAGS,
		PF_EXTHDR, PF_FRAG_ID,
		PF_FRAG6_OFF, PF_FRAG6_MF, PF_RT_TYPE, PF_RT_SEGLEFT, PF_SRH_TAG, PF_MH_TYPE,
	};
	struct packet *p = b->p;
	char a[256];

	for (size_t i = 0; i < sizeof(ip_only) / sizeof(ip_only[0]); i++) {
		const struct match_cond *c = b->by[ip_only[i]];

		if (!given(p, ip_only[i]) || !c)
			continue;
		cond_words(b, c, a, sizeof(a));
		berr(b, c->col, "'%s' does not fit an ARP packet: it has no IP header, no "
		     "transport header and no conntrack entry", a);
		return xerr_hint(b->e, "drop '%s', or drop the arp words", a);
	}
	if (packet_path(p) == PACKET_FORWARD && !packet_is_bridged(p)) {
		berr(b, b->by[PF_OIF] ? b->by[PF_OIF]->col : b->by[PF_OIFNAME]->col,
		     "an ARP packet is received (iif) or sent (oif), not forwarded");
		return xerr_hint(b->e, "give iif for a received one, oif for one this host sends "
				 "(or ibrname and obrname for one a bridge passes on)");
	}
	p->l4proto = 0;
	p->ttl = 0;
	p->length = 28;   /* Ethernet/IPv4 ARP */
	p->ct_state = MATCH_CT_INVALID;
	if (!(p->known & PF_BIT(PF_ARP_OP)))
		p->arp_op = 1;
	if (!(p->known & PF_BIT(PF_MARK)))
		p->mark = 0;
	default_addresses(p, p->known);
	return 0;
}

/* A VLAN tag is modelled on a frame bridged from port to port only. */
static int check_vlan(struct builder *b, bool bridged)
{
	const struct match_cond *v = b->by[PF_VLAN_ID];

	if (v && b->p->vlan_id > 4095) {
		berr(b, v->col, "'vlan id %u' is out of range: a VLAN id is 0..4095", b->p->vlan_id);
		return xerr_hint(b->e, "write the 12-bit id of the tag, e.g. vlan id 5");
	}
	if (!v || bridged)
		return 0;
	berr(b, v->col, "'vlan id' is traced on a frame bridged from one port to another only");
	return xerr_hint(b->e, "give both ports: iif P ibrname B oif Q obrname B vlan id %u",
			 b->p->vlan_id);
}

/*
 * A bridge names the port's bridge: ibrname goes with iif, obrname with
 * oif, and a frame from one port to another is bridged inside one bridge.
 */
static int check_bridge(struct builder *b)
{
	struct packet *p = b->p;
	bool in = given(p, PF_IIF) || given(p, PF_IIFNAME);
	bool out = given(p, PF_OIF) || given(p, PF_OIFNAME);
	const struct match_cond *ib = b->by[PF_IBRNAME], *ob = b->by[PF_OBRNAME];

	if (ib && !in) {
		berr(b, ib->col, "'ibrname' names the bridge of the input port, but no iif is given");
		return xerr_hint(b->e, "give the port the frame arrives on: iif PORT ibrname %s",
				 p->ibr);
	}
	if (ob && !out) {
		berr(b, ob->col, "'obrname' names the bridge of the output port, but no oif is given");
		return xerr_hint(b->e, "give the port the frame leaves by: oif PORT obrname %s",
				 p->obr);
	}
	if ((ib || ob) && in && out &&
	    (!ib || !ob || (!unresolved(p, PF_IBRNAME) && !unresolved(p, PF_OBRNAME) &&
			    strcmp(p->ibr, p->obr)))) {
		berr(b, (ib ? ib : ob)->col, "a frame from one port to another is bridged inside one "
		     "bridge: give ibrname and obrname, the same");
		return xerr_hint(b->e, "a packet routed between a bridge and another interface is "
				 "traced with the bridge itself as iif or oif");
	}
	return check_vlan(b, ib && ob && in && out);
}

/* ---- IPv6 extension headers -------------------------------------------------- */

bool packet_has_exthdr(const struct packet *p, unsigned code)
{
	for (unsigned i = 0; match_exthdr_at(p->exthdr, i); i++)
		if (match_exthdr_at(p->exthdr, i) == code)
			return true;
	return false;
}

unsigned packet_exthdr_len(const struct packet *p)
{
	unsigned n = 0;

	for (unsigned i = 0, c; (c = match_exthdr_at(p->exthdr, i)); i++)
		n += c == MATCH_EH_RT ? PACKET_EH_RT_LEN : c == MATCH_EH_MH ? 0 : PACKET_EH_OPT_LEN;
	return n;   /* the mobility header is the transport header: l4_header_len() */
}

/* An IPv6 fragment the word `fragment` describes, and nothing else about its header. */
static bool fragment_word_only(const struct packet *p)
{
	return is_v6(p) && p->frag_off == PACKET_FRAGMENT_OFF && p->exthdr == MATCH_EH_FRAG &&
	       !(p->given & (PF_BIT(PF_FRAG6_OFF) | PF_BIT(PF_FRAG6_MF)));
}

#define EXTHDR_WORDS (PF_BIT(PF_EXTHDR) | PF_BIT(PF_FRAG_ID) | PF_BIT(PF_FRAG6_OFF) | \
		      PF_BIT(PF_FRAG6_MF) | PF_BIT(PF_RT_TYPE) | PF_BIT(PF_RT_SEGLEFT) | \
		      PF_BIT(PF_SRH_TAG) | PF_BIT(PF_MH_TYPE))

/* The first extension-header word written, for messages. */
static const struct match_cond *first_exthdr_word(const struct builder *b)
{
	const struct match_cond *first = NULL;

	for (int f = PF_EXTHDR; f <= PF_MH_TYPE; f++)
		if (b->by[f] && (!first || cause_of(b, b->by[f])->col < first->col))
			first = cause_of(b, b->by[f]);
	return first;
}

/* The header a field word needs, and the chain it implies alone (RFC 8200's order). */
static uint32_t implied_chain(const struct packet *p)
{
	uint32_t chain = 0;
	unsigned n = 0;

	if (given(p, PF_RT_TYPE) || given(p, PF_RT_SEGLEFT) || given(p, PF_SRH_TAG))
		chain |= (uint32_t)MATCH_EH_RT << (3 * n++);
	if (given(p, PF_FRAG_ID) || given(p, PF_FRAG6_OFF) || given(p, PF_FRAG6_MF) ||
	    given(p, PF_FRAGMENT))
		chain |= (uint32_t)MATCH_EH_FRAG << (3 * n++);
	if (given(p, PF_MH_TYPE) || p->l4proto == PROTO_MH)
		chain |= (uint32_t)MATCH_EH_MH << (3 * n++);
	return chain;
}

/* The bits that put mh after the last header of chain. */
static uint32_t append_mh(uint32_t chain)
{
	unsigned n = 0;

	while (match_exthdr_at(chain, n))
		n++;
	return (uint32_t)MATCH_EH_MH << (3 * n);
}

/* A chain IPv6 allows (RFC 8200 4.1): hbh first, each once but dst (twice), mh last. */
static int check_chain(struct builder *b, const struct match_cond *c)
{
	uint32_t chain = b->p->exthdr;
	unsigned seen[8] = { 0 }, code;
	char a[256];

	cond_words(b, c, a, sizeof(a));
	for (unsigned i = 0; (code = match_exthdr_at(chain, i)); i++) {
		if (code == MATCH_EH_HBH && i) {
			berr(b, c->col, "'%s': hop-by-hop options come right after the IPv6 header "
			     "or not at all", a);
			return xerr_hint(b->e, "put hbh first");
		}
		if (++seen[code] > (code == MATCH_EH_DST ? 2u : 1u)) {
			berr(b, c->col, "'%s': IPv6 allows %s %s", a, match_exthdr_name(code),
			     code == MATCH_EH_DST ? "at most twice" : "once");
			return xerr_hint(b->e, "drop the repeated %s", match_exthdr_name(code));
		}
		if (code == MATCH_EH_MH && match_exthdr_at(chain, i + 1)) {
			berr(b, c->col, "'%s': the mobility header is the last header (its next "
			     "header is always 59, none)", a);
			return xerr_hint(b->e, "put mh last");
		}
		if (code == MATCH_EH_FRAG && non_first_fragment(b->p) &&
		    match_exthdr_at(chain, i + 1)) {
			berr(b, c->col, "'%s': a non-first fragment carries the rest of the packet "
			     "after its fragment header, no more headers", a);
			return xerr_hint(b->e, "end the chain with frag, or make it the first "
					 "fragment (frag frag-off 0)");
		}
	}
	return 0;
}

/* Each field word needs its header in the chain the words gave. */
static int check_needed(struct builder *b)
{
	static const struct { enum packet_field f; unsigned code; } need[] = {
		{ PF_FRAG_ID, MATCH_EH_FRAG }, { PF_FRAG6_OFF, MATCH_EH_FRAG },
		{ PF_FRAG6_MF, MATCH_EH_FRAG }, { PF_FRAGMENT, MATCH_EH_FRAG },
		{ PF_RT_TYPE, MATCH_EH_RT }, { PF_RT_SEGLEFT, MATCH_EH_RT },
		{ PF_SRH_TAG, MATCH_EH_RT }, { PF_MH_TYPE, MATCH_EH_MH },
	};
	struct packet *p = b->p;
	char a[256], ch[64];

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!given(p, need[i].f) || packet_has_exthdr(p, need[i].code) || !b->by[need[i].f])
			continue;
		cond_words(b, b->by[need[i].f], a, sizeof(a));
		match_exthdr_format(p->exthdr, ch, sizeof(ch));
		berr(b, cause_of(b, b->by[need[i].f])->col, "'%s' needs a %s header, but 'exthdr "
		     "%s' has none", a, match_exthdr_name(need[i].code), ch);
		return xerr_hint(b->e, "add %s to the exthdr list", match_exthdr_name(need[i].code));
	}
	return 0;
}

/* The fragment header's offset and M flag, in frag_off's IPv4 layout too. */
static int complete_frag6(struct builder *b)
{
	struct packet *p = b->p;
	const struct match_cond *c = b->by[PF_FRAG6_OFF] ? b->by[PF_FRAG6_OFF] : b->by[PF_FRAG6_MF];
	char a[256];

	if (!given(p, PF_FRAG6_OFF) && !given(p, PF_FRAG6_MF)) {
		p->frag6_off = p->frag_off & 0x1fff;
		p->frag6_mf = (p->frag_off & 0x2000) != 0;
		return 0;
	}
	cond_words(b, c, a, sizeof(a));
	if (given(p, PF_FRAGMENT)) {
		berr(b, c->col, "'%s' and 'fragment' at column %d both say where the fragment "
		     "lies", a, b->by[PF_FRAGMENT]->col);
		return xerr_hint(b->e, "keep one: 'fragment' is frag frag-off 185 frag "
				 "more-fragments 1");
	}
	if (p->frag6_off > 0x1fff || p->frag6_mf > 1) {
		berr(b, c->col, "'%s' is out of range: frag-off is 0..8191 (8-byte units), "
		     "more-fragments 0 or 1", a);
		return xerr_hint(b->e, "give a value in range");
	}
	p->frag_off = (uint16_t)(p->frag6_off | (p->frag6_mf ? 0x2000 : 0));
	return 0;
}

/* The transport protocol behind a mobility header is the mobility header itself. */
static int complete_mh(struct builder *b)
{
	struct packet *p = b->p;
	char a[256];

	/* meta l4proto 135 is the mobility header: it ends a chain given without it */
	if (!packet_has_exthdr(p, MATCH_EH_MH) && p->l4proto == PROTO_MH && given(p, PF_EXTHDR) &&
	    !non_first_fragment(p))
		p->exthdr |= append_mh(p->exthdr);
	if (!packet_has_exthdr(p, MATCH_EH_MH))
		return 0;
	if ((p->known & PF_BIT(PF_L4PROTO)) && p->l4proto != PROTO_MH && b->by[PF_L4PROTO]) {
		cond_words(b, b->by[PF_L4PROTO], a, sizeof(a));
		berr(b, cause_of(b, b->by[PF_L4PROTO])->col, "'%s' contradicts the mobility header: "
		     "IPv6 takes it as the transport protocol (135)", a);
		return xerr_hint(b->e, "drop '%s', or drop mh", a);
	}
	p->l4proto = PROTO_MH;
	p->known |= PF_BIT(PF_L4PROTO);
	p->given |= PF_BIT(PF_L4PROTO);
	if (!(p->known & PF_BIT(PF_MH_TYPE)))
		p->mh_type = 0;
	return 0;
}

/*
 * IPv6 extension headers: the chain given or implied by the field words,
 * checked as IPv6 allows it, and the defaults of its fields.
 */
static int complete_exthdr(struct builder *b)
{
	struct packet *p = b->p;
	const struct match_cond *c = first_exthdr_word(b);
	char a[256];

	if (!is_v6(p)) {
		if (!c)
			return 0;
		cond_words(b, c, a, sizeof(a));
		berr(b, c->col, "'%s' is an IPv6 extension header, but this is an IPv4 packet", a);
		return xerr_hint(b->e, "give IPv6 addresses (ip6 saddr ...) or meta nfproto ipv6");
	}
	if (b->by[PF_L4PROTO] && b->by[PF_L4PROTO]->field == MF_IP6_NEXTHDR && c) {
		cond_words(b, b->by[PF_L4PROTO], a, sizeof(a));
		berr(b, b->by[PF_L4PROTO]->col, "'%s' names the transport protocol, but with "
		     "extension headers ip6 nexthdr is the first header's type", a);
		return xerr_hint(b->e, "write meta l4proto for the transport protocol");
	}
	if (!given(p, PF_EXTHDR))
		p->exthdr = implied_chain(p);
	if (check_needed(b) < 0 || complete_frag6(b) < 0 || complete_mh(b) < 0)
		return -1;
	if (given(p, PF_EXTHDR) && check_chain(b, b->by[PF_EXTHDR]) < 0)
		return -1;
	if (given(p, PF_SRH_TAG)) {
		if (given(p, PF_RT_TYPE) && p->rt_type != 4) {
			cond_words(b, b->by[PF_SRH_TAG], a, sizeof(a));
			berr(b, b->by[PF_SRH_TAG]->col, "'%s' is a field of a segment routing "
			     "header, rt type 4, not %u", a, p->rt_type);
			return xerr_hint(b->e, "drop 'rt type', or make it 4");
		}
		p->rt_type = 4;
	}
	return 0;
}

/* Fill every field not given, and check the ones given fit together. */
static int complete(struct builder *b)
{
	struct packet *p = b->p;
	uint64_t known = p->known;

	if (!(known & PF_BIT(PF_NFPROTO))) {
		bool icmpv6 = (known & PF_BIT(PF_L4PROTO)) &&
			      p->l4proto == MATCH_PROTO_ICMPV6;

		p->nfproto = icmpv6 ? MATCH_NFPROTO_IPV6 : MATCH_NFPROTO_IPV4;
	}
	if (check_bridge(b) < 0)
		return -1;
	if (packet_is_arp(p))
		return complete_arp(b);
	if (given(p, PF_FRAGMENT)) {
		if ((known & PF_BIT(PF_FRAG_OFF)) && !non_first_fragment(p)) {
			char a[64];

			cond_words(b, b->by[PF_FRAG_OFF], a, sizeof(a));
			berr(b, b->by[PF_FRAG_OFF]->col, "'%s' is not a non-first fragment, but "
			     "'fragment' at column %d says it is", a, b->by[PF_FRAGMENT]->col);
			return xerr_hint(b->e, "drop one of them");
		}
		if (!(known & PF_BIT(PF_FRAG_OFF)))
			p->frag_off = PACKET_FRAGMENT_OFF;
	}
	if (complete_exthdr(b) < 0)
		return -1;
	known = p->known;
	if (!(known & PF_BIT(PF_L4PROTO)))
		p->l4proto = MATCH_PROTO_TCP;
	if (check_transport(b) < 0)
		return -1;
	if (!has_ports(p))
		p->sport = p->dport = 0;
	else {
		if (!(known & PF_BIT(PF_SPORT)))
			p->sport = DEFAULT_SPORT;
		if (!(known & PF_BIT(PF_DPORT)))
			p->dport = DEFAULT_DPORT;
	}
	if (!is_icmp(p)) {
		p->icmp_type = p->icmp_code = 0;
	} else {
		if (!(known & PF_BIT(PF_ICMP_TYPE)))
			p->icmp_type = given(p, PF_ICMP_CODE) ? (icmp_v6(p) ? 1 : 3) :
				       (icmp_v6(p) ? 128 : 8);
		if (!(known & PF_BIT(PF_ICMP_CODE)))
			p->icmp_code = 0;
	}
	complete_l4_extra(p, known);
	if (!(known & PF_BIT(PF_CT_STATE)))
		p->ct_state = ct_default(p, known);
	if (!is_tcp(p))
		p->tcp_flags = 0;
	else if (!(known & PF_BIT(PF_TCP_FLAGS)))
		p->tcp_flags = p->ct_state == MATCH_CT_NEW || p->ct_state == MATCH_CT_UNTRACKED ?
			       MATCH_TCP_SYN : MATCH_TCP_ACK;
	if (!(known & PF_BIT(PF_TTL)))
		p->ttl = ttl_default(p);
	if (!(known & PF_BIT(PF_LENGTH)))
		p->length = (uint16_t)((is_v6(p) ? 40 + packet_exthdr_len(p) : 20) +
				       l4_header_len(p));
	if (!(known & PF_BIT(PF_MARK)))
		p->mark = 0;
	if (!(known & PF_BIT(PF_SPI)))
		p->spi = 0;
	if (!(known & PF_BIT(PF_CPU)))
		p->cpu = 0;
	if (!(known & PF_BIT(PF_TIME)))
		p->time = 0;
	if (!(known & PF_BIT(PF_PKTTYPE)))
		p->pkttype = 0;
	if (!(known & PF_BIT(PF_VLAN_ID)))
		p->vlan_id = 0;
	default_addresses(p, known);
	return 0;
}

int packet_from_match(struct packet *p, const struct match_list *m,
		      const struct match_src *src, struct xerr *e)
{
	struct builder b = { .p = p, .m = m, .src = src, .e = e };

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < m->n; i++) {
		const struct match_cond *c = &m->cond[i];
		enum packet_field f = field_of[c->field];
		int r = c->implied ? take_implied(&b, c, f) : take_written(&b, c, f);

		if (r < 0)
			goto fail;
	}
	if (complete(&b) < 0)
		goto fail;
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	return -1;
}

int packet_parse(struct packet *p, const char *text, struct xerr *e)
{
	struct match_src src = { "packet", 1 };
	struct match_list m;
	int r;

	memset(p, 0, sizeof(*p));
	if (match_parse(&m, text, &src, e) < 0)
		return -1;
	r = packet_from_match(p, &m, &src, e);
	match_list_free(&m);
	return r;
}

int packet_parse_argv(struct packet *p, int argc, char **argv, struct xerr *e)
{
	size_t len = 1;
	char *text;
	int r;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	text = malloc(len);
	if (!text)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading the packet");
	text[0] = '\0';
	/*
	 * Plain joining: `xnft trace tcp dport 22` and `xnft trace 'tcp dport 22'`
	 * read the same, and a name the shell unquoted (eth*) is a word anyway.
	 */
	for (int i = 0; i < argc; i++) {
		strcat(text, i ? " " : "");
		strcat(text, argv[i]);
	}
	r = packet_parse(p, text, e);
	free(text);
	return r;
}

/* ---- formatting --------------------------------------------------------- */

/* The protocol word for ports: tcp/udp when that is the packet's protocol. */
static const char *port_word(const struct packet *p, bool full)
{
	bool known = full || (p->known & PF_BIT(PF_L4PROTO));

	if (known && p->l4proto == MATCH_PROTO_TCP)
		return "tcp";
	if (known && p->l4proto == MATCH_PROTO_UDP)
		return "udp";
	return "th";
}

static const char *words_of(const struct packet *p, enum packet_field f, bool full)
{
	bool v6 = is_v6(p);

	switch (f) {
	case PF_IIF: return "iif";
	case PF_IIFNAME: return "iifname";
	case PF_OIF: return "oif";
	case PF_OIFNAME: return "oifname";
	case PF_NFPROTO: return "meta nfproto";
	case PF_L4PROTO: return "meta l4proto";
	case PF_MARK: return "meta mark";
	case PF_SADDR: return packet_is_arp(p) ? "arp saddr ip" : v6 ? "ip6 saddr" : "ip saddr";
	case PF_DADDR: return packet_is_arp(p) ? "arp daddr ip" : v6 ? "ip6 daddr" : "ip daddr";
	case PF_ARP_OP: return "arp operation";
	case PF_IBRNAME: return "meta ibrname";
	case PF_OBRNAME: return "meta obrname";
	case PF_TTL: return v6 ? "ip6 hoplimit" : "ip ttl";
	case PF_LENGTH: return "ip length";
	case PF_FRAG_OFF: return "ip frag-off";
	case PF_FRAGMENT: return "fragment";
	case PF_SPORT:
		return !strcmp(port_word(p, full), "tcp") ? "tcp sport" :
		       !strcmp(port_word(p, full), "udp") ? "udp sport" : "th sport";
	case PF_DPORT:
		return !strcmp(port_word(p, full), "tcp") ? "tcp dport" :
		       !strcmp(port_word(p, full), "udp") ? "udp dport" : "th dport";
	case PF_TCP_FLAGS: return "tcp flags";
	case PF_CT_STATE: return "ct state";
	case PF_ICMP_TYPE: return icmp_v6(p) ? "icmpv6 type" : "icmp type";
	case PF_ICMP_CODE: return icmp_v6(p) ? "icmpv6 code" : "icmp code";
	case PF_SPI: return p->l4proto == 51 ? "ah spi" : "esp spi";
	case PF_CPU: return "meta cpu";
	case PF_TIME: return "meta time";
	case PF_L4TYPE:
		return p->l4proto == MATCH_PROTO_SCTP ? "sctp chunk" :
		       p->l4proto == MATCH_PROTO_DCCP ? "dccp type" : "igmp type";
	case PF_VTAG: return "sctp vtag";
	case PF_CSUMCOV: return "udplite csumcov";
	case PF_CPI: return "comp cpi";
	case PF_IGMP_MRT: return "igmp mrt";
	case PF_EXTHDR: return "exthdr";
	case PF_FRAG_ID: return "frag id";
	case PF_FRAG6_OFF: return "frag frag-off";
	case PF_FRAG6_MF: return "frag more-fragments";
	case PF_RT_TYPE: return "rt type";
	case PF_RT_SEGLEFT: return "rt seg-left";
	case PF_SRH_TAG: return "srh tag";
	case PF_MH_TYPE: return "mh type";
	case PF_COMP_NEXTHDR: return "comp nexthdr";
	case PF_COMP_FLAGS: return "comp flags";
	case PF_PKTTYPE: return "meta pkttype";
	case PF_VLAN_ID: return "vlan id";
	default: return "?";
	}
}

const char *packet_field_words(const struct packet *p, enum packet_field f)
{
	return words_of(p, f, true);
}

static void value_of(const struct packet *p, enum packet_field f, char *buf, size_t size)
{
	const char *name = NULL;

	if (unresolved(p, f)) {
		snprintf(buf, size, "$%s", p->define[f]);
		return;
	}
	switch (f) {
	case PF_IIF: case PF_IIFNAME:
		match_ifname_format(p->iif, buf, size);
		return;
	case PF_OIF: case PF_OIFNAME:
		match_ifname_format(p->oif, buf, size);
		return;
	case PF_IBRNAME: case PF_OBRNAME:
		match_ifname_format(f == PF_IBRNAME ? p->ibr : p->obr, buf, size);
		return;
	case PF_SADDR:
		prefix_format_addr(&p->saddr, buf, size);
		return;
	case PF_DADDR:
		prefix_format_addr(&p->daddr, buf, size);
		return;
	case PF_TCP_FLAGS:
		match_tcp_flags_format(p->tcp_flags, ",", buf, size);
		return;
	case PF_MARK: case PF_FRAG_OFF:
		snprintf(buf, size, "0x%x", num_of(p, f));
		return;
	case PF_NFPROTO: name = packet_is_arp(p) ? "arp" : is_v6(p) ? "ipv6" : "ipv4"; break;
	case PF_ARP_OP: name = match_arp_op_name(p->arp_op); break;
	case PF_L4PROTO: name = match_l4proto_name(p->l4proto); break;
	case PF_COMP_NEXTHDR: name = match_l4proto_name(p->comp_nexthdr); break;
	case PF_CT_STATE: name = match_ct_state_name(p->ct_state); break;
	case PF_ICMP_TYPE: name = match_icmp_type_name(p->icmp_type, icmp_v6(p)); break;
	case PF_ICMP_CODE:
		/* The code names belong to destination-unreachable; other types get numbers. */
		if (p->icmp_type == (icmp_v6(p) ? 1 : 3))
			name = match_icmp_code_name(p->icmp_code, icmp_v6(p));
		break;
	case PF_L4TYPE:
		name = p->l4proto == MATCH_PROTO_SCTP ? match_sctp_chunk_name(p->l4type) :
		       p->l4proto == MATCH_PROTO_DCCP ? match_dccp_type_name(p->l4type) :
		       match_igmp_type_name(p->l4type);
		break;
	case PF_FRAGMENT: buf[0] = '\0'; return;
	case PF_PKTTYPE: name = match_pkttype_name(p->pkttype); break;
	case PF_TIME:
		match_time_format(p->time, buf, size);
		return;
	case PF_EXTHDR:
		match_exthdr_format(p->exthdr, buf, size);
		return;
	default: break;
	}
	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%u", num_of(p, f));
}

static void add_field(struct fixbuf *o, const struct packet *p, enum packet_field f, bool full)
{
	char v[PREFIX_STRLEN + MATCH_NAME_MAX];

	value_of(p, f, v, sizeof(v));
	fixbuf_addf(o, "%s%s%s%s", o->len ? " " : "", words_of(p, f, full), v[0] ? " " : "", v);
}

/* The order words are written in. */
static const enum packet_field word_order[] = {
	PF_IIF, PF_IIFNAME, PF_OIF, PF_OIFNAME, PF_IBRNAME, PF_OBRNAME, PF_NFPROTO, PF_L4PROTO,
	PF_MARK, PF_ARP_OP,
	PF_SADDR, PF_DADDR, PF_TTL, PF_LENGTH, PF_FRAG_OFF, PF_FRAGMENT,
	PF_SPORT, PF_DPORT, PF_TCP_FLAGS, PF_ICMP_TYPE, PF_ICMP_CODE, PF_SPI,
	PF_L4TYPE, PF_VTAG, PF_CSUMCOV, PF_COMP_NEXTHDR, PF_COMP_FLAGS, PF_CPI, PF_IGMP_MRT,
	PF_CT_STATE,
	PF_CPU, PF_TIME, PF_PKTTYPE, PF_VLAN_ID,
	PF_EXTHDR, PF_FRAG_ID, PF_FRAG6_OFF, PF_FRAG6_MF, PF_RT_TYPE, PF_RT_SEGLEFT, PF_SRH_TAG,
	PF_MH_TYPE,
};

#define NWORDS (sizeof(word_order) / sizeof(word_order[0]))

/* The protocols the other written words already imply. */
static void implied_by_words(const struct packet *p, bool *nf, bool *l4)
{
	uint64_t v4_or_v6 = PF_BIT(PF_SADDR) | PF_BIT(PF_DADDR) | PF_BIT(PF_TTL) |
			    PF_BIT(PF_LENGTH) | PF_BIT(PF_FRAG_OFF) | PF_BIT(PF_ICMP_TYPE) |
			    PF_BIT(PF_ICMP_CODE) | PF_BIT(PF_ARP_OP);
	bool ports = (p->given & (PF_BIT(PF_SPORT) | PF_BIT(PF_DPORT))) &&
		     strcmp(port_word(p, false), "th");
	uint64_t l4_words = PF_BIT(PF_L4TYPE) | PF_BIT(PF_VTAG) | PF_BIT(PF_CSUMCOV) |
			    PF_BIT(PF_CPI) | PF_BIT(PF_IGMP_MRT) | PF_BIT(PF_COMP_NEXTHDR) |
			    PF_BIT(PF_COMP_FLAGS);

	*nf = (p->given & (v4_or_v6 | EXTHDR_WORDS)) != 0 ||
	      (p->l4proto == MATCH_PROTO_IGMP && (p->given & l4_words));   /* igmp: IPv4 */
	*l4 = ports || (p->given & (PF_BIT(PF_TCP_FLAGS) | PF_BIT(PF_ICMP_TYPE) |
				    PF_BIT(PF_ICMP_CODE) | PF_BIT(PF_SPI) | PF_BIT(PF_MH_TYPE) |
				    l4_words)) ||
	      (p->l4proto == PROTO_MH && packet_has_exthdr(p, MATCH_EH_MH) &&
	       given(p, PF_EXTHDR));
}

void packet_format(const struct packet *p, char *buf, size_t size)
{
	struct fixbuf o = { buf, size, 0 };
	bool nf, l4;

	if (!size)
		return;
	buf[0] = '\0';
	implied_by_words(p, &nf, &l4);
	for (size_t i = 0; i < NWORDS; i++) {
		enum packet_field f = word_order[i];

		if (!given(p, f))
			continue;
		if (f == PF_NFPROTO && nf && !unresolved(p, f))
			continue;
		if (f == PF_L4PROTO && l4 && !unresolved(p, f))
			continue;
		add_field(&o, p, f, false);
	}
}

/* Whether the full form writes field f for this packet. */
static bool relevant(const struct packet *p, enum packet_field f)
{
	if (packet_is_arp(p) && f != PF_IIF && f != PF_OIF && f != PF_NFPROTO && f != PF_MARK &&
	    f != PF_ARP_OP && f != PF_SADDR && f != PF_DADDR && f != PF_IBRNAME &&
	    f != PF_OBRNAME && f != PF_PKTTYPE && f != PF_VLAN_ID)
		return false;
	switch (f) {
	case PF_IBRNAME: return p->ibr[0] || unresolved(p, PF_IBRNAME);
	case PF_OBRNAME: return p->obr[0] || unresolved(p, PF_OBRNAME);
	case PF_ARP_OP: return packet_is_arp(p);
	case PF_IIF: return p->iif[0] || unresolved(p, PF_IIF);
	case PF_OIF: return p->oif[0] || unresolved(p, PF_OIF);
	case PF_IIFNAME: case PF_OIFNAME: return false;
	case PF_LENGTH: case PF_FRAG_OFF: return !is_v6(p);
	case PF_FRAGMENT: return fragment_word_only(p);
	case PF_SPORT: case PF_DPORT: return has_ports(p);
	case PF_TCP_FLAGS: return is_tcp(p);
	case PF_ICMP_TYPE: case PF_ICMP_CODE: return is_icmp(p);
	case PF_L4TYPE: case PF_VTAG: case PF_CSUMCOV: case PF_CPI: return l4_extra_fits(p, f);
	case PF_IGMP_MRT: case PF_COMP_NEXTHDR: case PF_COMP_FLAGS: return l4_extra_fits(p, f);
	case PF_SPI: case PF_CPU: case PF_TIME: case PF_FRAG_ID: case PF_PKTTYPE:
	case PF_VLAN_ID:
		return given(p, f);   /* no default to show */
	case PF_EXTHDR: return p->exthdr && !fragment_word_only(p);
	case PF_FRAG6_OFF: case PF_FRAG6_MF:
		return packet_has_exthdr(p, MATCH_EH_FRAG) && !relevant(p, PF_FRAGMENT);
	case PF_RT_TYPE: case PF_RT_SEGLEFT: return packet_has_exthdr(p, MATCH_EH_RT);
	case PF_SRH_TAG: return packet_has_exthdr(p, MATCH_EH_RT) && p->rt_type == 4;
	case PF_MH_TYPE: return p->l4proto == PROTO_MH && !non_first_fragment(p);
	default: return true;
	}
}

void packet_format_full(const struct packet *p, char *buf, size_t size)
{
	struct fixbuf o = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < NWORDS; i++)
		if (relevant(p, word_order[i]))
			add_field(&o, p, word_order[i], true);
}

/* ---- the defaults in words ------------------------------------------------- */

static const char *addr_why(const struct packet *p, bool source)
{
	enum packet_path path = packet_path(p);

	if (on_loopback(p))
		return "loopback";
	if (packet_is_arp(p) && path == PACKET_FORWARD)
		return source ? "a neighbour on the link" : "another neighbour on the link";
	if (packet_is_arp(p))
		return (path == PACKET_OUTPUT) == source ? "this host" : "a neighbour on the link";
	if (path == PACKET_OUTPUT)
		return source ? "this host" : "a host on the internet";
	if (path == PACKET_FORWARD && !source)
		return "another host on the internet";
	return source ? "a host on the internet" : "this host";
}

static const char *ct_why(const struct packet *p)
{
	if (is_tcp(p) && given(p, PF_TCP_FLAGS)) {
		if (p->ct_state == MATCH_CT_INVALID)
			return "conntrack refuses these tcp flags";
		if (p->ct_state == MATCH_CT_NEW)
			return "syn without ack opens a connection";
		return "tcp flags of a packet inside a connection";
	}
	if (p->ct_state == MATCH_CT_INVALID && is_l4(p, MATCH_PROTO_SCTP))
		return "conntrack opens no association with this chunk";
	if (p->ct_state == MATCH_CT_INVALID && is_l4(p, MATCH_PROTO_UDPLITE))
		return udplite_coverage_ok(p) ? "conntrack checks a received UDP-Lite checksum as "
		       "UDP's, which a correct one fails" : "conntrack refuses this checksum coverage";
	if (p->ct_state == MATCH_CT_RELATED)
		return "an icmp error about one of this host's connections";
	if (p->ct_state == MATCH_CT_ESTABLISHED)
		return "a reply to this host's echo request";
	if (p->ct_state == MATCH_CT_UNTRACKED && icmpv6_untracked(p))
		return "conntrack does not track neighbour discovery and MLD";
	return "the first packet of a connection";
}

static const char *why_of(const struct packet *p, enum packet_field f)
{
	switch (f) {
	case PF_NFPROTO:
		return is_v6(p) ? "ipv6-icmp is IPv6's protocol" : "no IPv6 word given";
	case PF_L4PROTO: return "no protocol given";
	case PF_MARK: return "no mark set";
	case PF_SADDR: return addr_why(p, true);
	case PF_DADDR: return addr_why(p, false);
	case PF_TTL:
		return p->ttl == 255 ? "neighbour discovery requires 255" :
		       p->ttl == 1 ? "multicast listener discovery requires 1" :
		       "a usual initial value";
	case PF_LENGTH: return "headers only";
	case PF_FRAG_OFF: return "a whole packet, not a fragment";
	case PF_SPORT: return "an ephemeral port";
	case PF_DPORT: return "discard: a port no service uses";
	case PF_TCP_FLAGS:
		return p->tcp_flags == MATCH_TCP_SYN ? "opens a connection" :
		       "a packet inside a connection";
	case PF_CT_STATE: return ct_why(p);
	case PF_ICMP_TYPE: return given(p, PF_ICMP_CODE) ? "the type that has codes" :
				  "a ping";
	case PF_ICMP_CODE: return "the first code";
	case PF_ARP_OP: return "who has the target address";
	case PF_L4TYPE:
		return p->l4proto == MATCH_PROTO_SCTP ? "the chunk that opens an association" :
		       p->l4proto == MATCH_PROTO_DCCP ? "the packet that opens a connection" :
		       "a router asks which groups have members";
	case PF_VTAG: return "no tag given: an INIT's, 0";
	case PF_CSUMCOV: return "the checksum covers the whole datagram";
	case PF_CPI: return "DEFLATE's well-known index";
	case PF_COMP_NEXTHDR: return "a compressed UDP datagram";
	case PF_COMP_FLAGS: return "reserved, 0";
	case PF_IGMP_MRT: return p->igmp_mrt ? "a query's default, 10 s" : "unused outside a query";
	case PF_FRAG6_OFF: case PF_FRAG6_MF: return "an atomic fragment: the whole packet";
	case PF_RT_TYPE: return p->rt_type == 4 ? "srh tag is a segment routing header's" :
				"a routing header of type 0";
	case PF_RT_SEGLEFT: return "no segment left: the header is done with";
	case PF_SRH_TAG: return "untagged";
	case PF_MH_TYPE: return "binding refresh request";
	default: return "";
	}
}

static void add_default(struct packet_default *out, size_t max, size_t *n,
			enum packet_field f, const char *words, const char *why)
{
	if (*n < max) {
		out[*n].field = f;
		snprintf(out[*n].words, sizeof(out[*n].words), "%s", words);
		out[*n].why = why;
	}
	(*n)++;
}

size_t packet_defaults(const struct packet *p, struct packet_default *out, size_t max)
{
	enum packet_path path = packet_path(p);
	size_t n = 0;

	if (path != PACKET_OUTPUT && !given(p, PF_IIF) && !given(p, PF_IIFNAME))
		add_default(out, max, &n, PF_IIF, "iif: any other interface",
			    "no interface given: one that no rule names");
	if (path == PACKET_INPUT)
		add_default(out, max, &n, PF_OIF, "oif: none", "addressed to this host: input");
	if (path == PACKET_OUTPUT)
		add_default(out, max, &n, PF_IIF, "iif: none", "sent by this host: output");
	for (size_t i = 0; i < NWORDS; i++) {
		enum packet_field f = word_order[i];
		char words[96], v[PREFIX_STRLEN + 8];

		if (f == PF_IIF || f == PF_IIFNAME || f == PF_OIF || f == PF_OIFNAME ||
		    f == PF_IBRNAME || f == PF_OBRNAME ||
		    f == PF_FRAGMENT || given(p, f) || !relevant(p, f))
			continue;
		if (f == PF_FRAG_OFF && given(p, PF_FRAGMENT))
			continue;
		value_of(p, f, v, sizeof(v));
		snprintf(words, sizeof(words), "%s %s", words_of(p, f, true), v);
		add_default(out, max, &n, f, words, why_of(p, f));
	}
	return n;
}

void packet_defaults_format(const struct packet *p, char *buf, size_t size)
{
	struct packet_default d[PF__COUNT + 4];
	size_t n = packet_defaults(p, d, sizeof(d) / sizeof(d[0]));
	struct fixbuf o = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < sizeof(d) / sizeof(d[0]); i++)
		fixbuf_addf(&o, "%s%s (%s)", i ? ", " : "", d[i].words, d[i].why);
}

/* ---- comparing and resolving ------------------------------------------------ */

bool packet_equal(const struct packet *a, const struct packet *b)
{
	if (a->given != b->given || a->unresolved != b->unresolved || a->known != b->known)
		return false;
	for (int f = 0; f < PF__COUNT; f++)
		if ((a->unresolved & PF_BIT(f)) && strcmp(a->define[f], b->define[f]))
			return false;
	return !strcmp(a->iif, b->iif) && !strcmp(a->oif, b->oif) &&
	       !strcmp(a->ibr, b->ibr) && !strcmp(a->obr, b->obr) &&
	       a->nfproto == b->nfproto && a->l4proto == b->l4proto && a->mark == b->mark &&
	       prefix_equal(&a->saddr, &b->saddr) && prefix_equal(&a->daddr, &b->daddr) &&
	       a->ttl == b->ttl && a->length == b->length && a->frag_off == b->frag_off &&
	       a->sport == b->sport && a->dport == b->dport && a->tcp_flags == b->tcp_flags &&
	       a->ct_state == b->ct_state && a->icmp_type == b->icmp_type &&
	       a->icmp_code == b->icmp_code && a->arp_op == b->arp_op && a->spi == b->spi &&
	       a->cpu == b->cpu && a->time == b->time && a->l4type == b->l4type &&
	       a->vtag == b->vtag && a->csumcov == b->csumcov && a->cpi == b->cpi &&
	       a->igmp_mrt == b->igmp_mrt && a->comp_nexthdr == b->comp_nexthdr &&
	       a->comp_flags == b->comp_flags && a->exthdr == b->exthdr &&
	       a->frag_id == b->frag_id && a->frag6_off == b->frag6_off &&
	       a->frag6_mf == b->frag6_mf && a->rt_type == b->rt_type &&
	       a->rt_segleft == b->rt_segleft && a->srh_tag == b->srh_tag &&
	       a->mh_type == b->mh_type && a->pkttype == b->pkttype &&
	       a->vlan_id == b->vlan_id;
}

/* Defines may name other defines; this many rounds is more than any policy nests. */
#define RESOLVE_ROUNDS 8

/* text with each $NAME word replaced by its value; -1 when a define is missing. */
static int substitute(const char *text, char *out, size_t size, packet_lookup_fn lookup,
		      void *ctx, bool *changed, struct xerr *e)
{
	struct match_src src = { "packet", 1 };
	struct match_toks toks;
	struct fixbuf o = { out, size, 0 };

	out[0] = '\0';
	*changed = false;
	if (match_tokenize(&toks, text, strlen(text), 1, &src, e) < 0)
		return -1;
	for (size_t i = 0; i < toks.n; i++) {
		const struct match_tok *t = &toks.v[i];
		char name[MATCH_NAME_MAX], value[512];

		if (t->kind == MTOK_WORD && t->s[0] == '$' && t->len - 1 < sizeof(name)) {
			memcpy(name, t->s + 1, t->len - 1);
			name[t->len - 1] = '\0';
			if (lookup(ctx, name, value, sizeof(value)) < 0) {
				match_toks_free(&toks);
				xerr_at(e, XNFT_EXIT_FINDINGS, "packet", 1, 0,
					"'$%s' is not defined by the policy", name);
				return xerr_hint(e, "give the value itself, or define %s in the "
						 "policy", name);
			}
			fixbuf_addf(&o, "%s%s", o.len ? " " : "", value);
			*changed = true;
		} else if (t->kind == MTOK_STRING) {
			fixbuf_addf(&o, "%s\"%.*s\"", o.len ? " " : "", (int)t->len, t->s);
		} else {
			fixbuf_addf(&o, "%s%.*s", o.len ? " " : "", (int)t->len, t->s);
		}
	}
	match_toks_free(&toks);
	return 0;
}

int packet_resolve(struct packet *p, packet_lookup_fn lookup, void *ctx, struct xerr *e)
{
	char a[PACKET_TEXT_MAX * 2], b[PACKET_TEXT_MAX * 2];
	struct packet q;
	bool changed = true;

	if (!p->unresolved)
		return 0;
	packet_format(p, a, sizeof(a));
	for (int round = 0; changed; round++) {
		if (round == RESOLVE_ROUNDS)
			return xerr_set(e, XNFT_EXIT_FINDINGS, "the defines in '%s' refer to each "
					"other in a loop", a);
		if (substitute(a, b, sizeof(b), lookup, ctx, &changed, e) < 0)
			return -1;
		memcpy(a, b, sizeof(a));
	}
	if (packet_parse(&q, a, e) < 0) {
		e->col = 0;
		xerr_wrap(e, "with the policy's defines put in ('%s')", a);
		return -1;
	}
	if (q.unresolved)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' still names a define after putting "
				"in the policy's values", a);
	*p = q;
	return 0;
}
