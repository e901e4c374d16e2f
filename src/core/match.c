// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet words -> field constraints. The grammar and its semantics are in
 * match.h; this file has the name tables, the tokenizer, the parser, the
 * implied protocols, the contradiction check and the formatter.
 */
#include "core/match.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/grow.h"
#include "core/strbuf.h"

/* ---- name tables --------------------------------------------------------- */

struct name_num {
	const char *name;
	unsigned num;
};

/* The first name of a number is the one printed. */
static const struct name_num l4proto_names[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "dccp", 33 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
	{ "comp", 108 }, { "sctp", 132 }, { "udplite", 136 }, { NULL, 0 },
};

static const struct name_num icmp_type_names[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 }, { "source-quench", 4 },
	{ "redirect", 5 }, { "echo-request", 8 }, { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 }, { "info-request", 15 },
	{ "info-reply", 16 }, { "address-mask-request", 17 }, { "address-mask-reply", 18 },
	{ NULL, 0 },
};

static const struct name_num icmpv6_type_names[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 }, { "time-exceeded", 3 },
	{ "parameter-problem", 4 }, { "echo-request", 128 }, { "echo-reply", 129 },
	{ "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 }, { "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 }, { "nd-neighbor-advert", 136 }, { "nd-redirect", 137 },
	{ "router-renumbering", 138 }, { "ind-neighbor-solicit", 141 },
	{ "ind-neighbor-advert", 142 }, { "mld2-listener-report", 143 }, { NULL, 0 },
};

static const struct name_num icmp_code_names[] = {
	{ "net-unreachable", 0 }, { "host-unreachable", 1 }, { "prot-unreachable", 2 },
	{ "port-unreachable", 3 }, { "frag-needed", 4 }, { "net-prohibited", 9 },
	{ "host-prohibited", 10 }, { "admin-prohibited", 13 }, { NULL, 0 },
};

static const struct name_num icmpv6_code_names[] = {
	{ "no-route", 0 }, { "admin-prohibited", 1 }, { "addr-unreachable", 3 },
	{ "port-unreachable", 4 }, { "policy-fail", 5 }, { "reject-route", 6 }, { NULL, 0 },
};

static const struct name_num ct_state_names[] = {
	{ "invalid", MATCH_CT_INVALID }, { "established", MATCH_CT_ESTABLISHED },
	{ "related", MATCH_CT_RELATED }, { "new", MATCH_CT_NEW },
	{ "untracked", MATCH_CT_UNTRACKED }, { NULL, 0 },
};

static const struct name_num tcp_flag_names[] = {
	{ "fin", MATCH_TCP_FIN }, { "syn", MATCH_TCP_SYN }, { "rst", MATCH_TCP_RST },
	{ "psh", MATCH_TCP_PSH }, { "ack", MATCH_TCP_ACK }, { "urg", MATCH_TCP_URG },
	{ "ecn", MATCH_TCP_ECN }, { "cwr", MATCH_TCP_CWR }, { "none", 0 }, { NULL, 0 },
};

static const struct name_num nfproto_names[] = {
	{ "ipv4", MATCH_NFPROTO_IPV4 }, { "ipv6", MATCH_NFPROTO_IPV6 },
	{ "arp", MATCH_NFPROTO_ARP }, { NULL, 0 },
};

/* ARP operations (RFC 826, 903, 2390), as nft names them. */
static const struct name_num arp_op_names[] = {
	{ "request", 1 }, { "reply", 2 }, { "rrequest", 3 }, { "rreply", 4 },
	{ "inrequest", 8 }, { "inreply", 9 }, { "nak", 10 }, { NULL, 0 },
};

/* SCTP chunk types (RFC 9260, 5061, 3758), as nft names them. */
static const struct name_num sctp_chunk_names[] = {
	{ "data", 0 }, { "init", 1 }, { "init-ack", 2 }, { "sack", 3 }, { "heartbeat", 4 },
	{ "heartbeat-ack", 5 }, { "abort", 6 }, { "shutdown", 7 }, { "shutdown-ack", 8 },
	{ "error", 9 }, { "cookie-echo", 10 }, { "cookie-ack", 11 }, { "ecne", 12 },
	{ "cwr", 13 }, { "shutdown-complete", 14 }, { "asconf-ack", 128 },
	{ "forward-tsn", 192 }, { "asconf", 193 }, { NULL, 0 },
};

/* DCCP packet types (RFC 4340), as nft names them. */
static const struct name_num dccp_type_names[] = {
	{ "request", 0 }, { "response", 1 }, { "data", 2 }, { "ack", 3 }, { "dataack", 4 },
	{ "closereq", 5 }, { "close", 6 }, { "reset", 7 }, { "sync", 8 }, { "syncack", 9 },
	{ NULL, 0 },
};

/* IGMP message types (RFC 1112, 2236, 3376), as nft names them. */
static const struct name_num igmp_type_names[] = {
	{ "membership-query", 0x11 }, { "membership-report-v1", 0x12 },
	{ "membership-report-v2", 0x16 }, { "membership-report-v3", 0x22 },
	{ "leave-group", 0x17 }, { NULL, 0 },
};

/* skb->pkt_type, as nft names it (meta pkttype) */
static const struct name_num pkttype_names[] = {
	{ "host", 0 }, { "broadcast", 1 }, { "multicast", 2 }, { "other", 3 }, { NULL, 0 },
};

/* Well-known services, so "tcp dport ssh" reads as in nft (which asks /etc/services). */
static const struct name_num service_names[] = {
	{ "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 }, { "domain", 53 },
	{ "bootps", 67 }, { "bootpc", 68 }, { "tftp", 69 }, { "http", 80 }, { "pop3", 110 },
	{ "ntp", 123 }, { "imap", 143 }, { "snmp", 161 }, { "ldap", 389 }, { "https", 443 },
	{ "syslog", 514 }, { "submission", 587 }, { "imaps", 993 }, { "pop3s", 995 },
	{ "mysql", 3306 }, { "postgresql", 5432 }, { NULL, 0 },
};

static const char *num_name(const struct name_num *t, unsigned num)
{
	for (; t->name; t++)
		if (t->num == num)
			return t->name;
	return NULL;
}

static bool name_num_lookup(const struct name_num *t, const char *s, size_t len, unsigned *num)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && !memcmp(t->name, s, len)) {
			*num = t->num;
			return true;
		}
	return false;
}

const char *match_l4proto_name(unsigned proto)
{
	return num_name(l4proto_names, proto);
}

/* ---- IPv6 extension header chains ---- */

static const struct {
	const char *name;
	unsigned proto;
} exthdr_kinds[] = {
	[MATCH_EH_HBH] = { "hbh", 0 }, [MATCH_EH_RT] = { "rt", 43 },
	[MATCH_EH_FRAG] = { "frag", 44 }, [MATCH_EH_DST] = { "dst", 60 },
	[MATCH_EH_MH] = { "mh", 135 },
};

#define EXTHDR_KINDS (sizeof(exthdr_kinds) / sizeof(exthdr_kinds[0]))

unsigned match_exthdr_at(uint32_t chain, unsigned i)
{
	return i < MATCH_EXTHDR_MAX ? (chain >> (3 * i)) & 7u : 0;
}

unsigned match_exthdr_proto(unsigned code)
{
	return code && code < EXTHDR_KINDS ? exthdr_kinds[code].proto : 0;
}

const char *match_exthdr_name(unsigned code)
{
	return code && code < EXTHDR_KINDS ? exthdr_kinds[code].name : "?";
}

void match_exthdr_format(uint32_t chain, char *buf, size_t size)
{
	struct fixbuf o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	for (unsigned i = 0; match_exthdr_at(chain, i); i++)
		fixbuf_addf(&o, "%s%s", i ? "," : "", match_exthdr_name(match_exthdr_at(chain, i)));
}

static unsigned exthdr_code(const char *s, size_t len)
{
	for (unsigned c = 1; c < EXTHDR_KINDS; c++)
		if (strlen(exthdr_kinds[c].name) == len && !strncmp(exthdr_kinds[c].name, s, len))
			return c;
	return 0;
}

const char *match_icmp_type_name(unsigned type, bool v6)
{
	return num_name(v6 ? icmpv6_type_names : icmp_type_names, type);
}

const char *match_icmp_code_name(unsigned code, bool v6)
{
	return num_name(v6 ? icmpv6_code_names : icmp_code_names, code);
}

const char *match_arp_op_name(unsigned op)
{
	return num_name(arp_op_names, op);
}

const char *match_pkttype_name(unsigned type)
{
	return num_name(pkttype_names, type);
}

const char *match_ct_state_name(unsigned bit)
{
	return num_name(ct_state_names, bit);
}

const char *match_sctp_chunk_name(unsigned type)
{
	return num_name(sctp_chunk_names, type);
}

const char *match_dccp_type_name(unsigned type)
{
	return num_name(dccp_type_names, type);
}

const char *match_igmp_type_name(unsigned type)
{
	return num_name(igmp_type_names, type);
}

/* ---- fields --------------------------------------------------------------- */

enum vtype {
	VT_NONE, VT_IFACE, VT_IFNAME, VT_NFPROTO, VT_PROTO, VT_MARK, VT_IPV4, VT_IPV6,
	VT_U8, VT_U16, VT_U32, VT_TIME, VT_FRAGOFF, VT_PORT, VT_TCPFLAGS, VT_CTSTATE,
	VT_ICMP_TYPE, VT_ICMP_CODE, VT_ICMP6_TYPE, VT_ICMP6_CODE, VT_ARPOP,
	VT_SCTP_CHUNK, VT_DCCP_TYPE, VT_IGMP_TYPE,
	VT_EXTHDR,
	VT_PKTTYPE,
};

struct field_info {
	const char *name;     /* canonical words */
	enum vtype vt;
	unsigned nfproto;     /* implied nfproto, 0 = none */
	int l4proto;          /* implied l4proto, -1 = none */
	bool transport;       /* reads the transport header */
};

static const struct field_info fields[MF__COUNT] = {
	[MF_IIF] = { "iif", VT_IFACE, 0, -1, false },
	[MF_IIFNAME] = { "iifname", VT_IFNAME, 0, -1, false },
	[MF_OIF] = { "oif", VT_IFACE, 0, -1, false },
	[MF_OIFNAME] = { "oifname", VT_IFNAME, 0, -1, false },
	[MF_NFPROTO] = { "meta nfproto", VT_NFPROTO, 0, -1, false },
	[MF_L4PROTO] = { "meta l4proto", VT_PROTO, 0, -1, false },
	[MF_MARK] = { "meta mark", VT_MARK, 0, -1, false },
	[MF_IP_SADDR] = { "ip saddr", VT_IPV4, MATCH_NFPROTO_IPV4, -1, false },
	[MF_IP_DADDR] = { "ip daddr", VT_IPV4, MATCH_NFPROTO_IPV4, -1, false },
	[MF_IP6_SADDR] = { "ip6 saddr", VT_IPV6, MATCH_NFPROTO_IPV6, -1, false },
	[MF_IP6_DADDR] = { "ip6 daddr", VT_IPV6, MATCH_NFPROTO_IPV6, -1, false },
	[MF_IP_PROTOCOL] = { "ip protocol", VT_PROTO, MATCH_NFPROTO_IPV4, -1, false },
	[MF_IP6_NEXTHDR] = { "ip6 nexthdr", VT_PROTO, MATCH_NFPROTO_IPV6, -1, false },
	[MF_IP_TTL] = { "ip ttl", VT_U8, MATCH_NFPROTO_IPV4, -1, false },
	[MF_IP6_HOPLIMIT] = { "ip6 hoplimit", VT_U8, MATCH_NFPROTO_IPV6, -1, false },
	[MF_IP_LENGTH] = { "ip length", VT_U16, MATCH_NFPROTO_IPV4, -1, false },
	[MF_IP_FRAG_OFF] = { "ip frag-off", VT_FRAGOFF, MATCH_NFPROTO_IPV4, -1, false },
	[MF_TCP_SPORT] = { "tcp sport", VT_PORT, 0, MATCH_PROTO_TCP, true },
	[MF_TCP_DPORT] = { "tcp dport", VT_PORT, 0, MATCH_PROTO_TCP, true },
	[MF_UDP_SPORT] = { "udp sport", VT_PORT, 0, MATCH_PROTO_UDP, true },
	[MF_UDP_DPORT] = { "udp dport", VT_PORT, 0, MATCH_PROTO_UDP, true },
	[MF_TH_SPORT] = { "th sport", VT_PORT, 0, -1, true },
	[MF_TH_DPORT] = { "th dport", VT_PORT, 0, -1, true },
	[MF_TCP_FLAGS] = { "tcp flags", VT_TCPFLAGS, 0, MATCH_PROTO_TCP, true },
	[MF_CT_STATE] = { "ct state", VT_CTSTATE, 0, -1, false },
	[MF_ICMP_TYPE] = { "icmp type", VT_ICMP_TYPE, MATCH_NFPROTO_IPV4, MATCH_PROTO_ICMP, true },
	[MF_ICMP_CODE] = { "icmp code", VT_ICMP_CODE, MATCH_NFPROTO_IPV4, MATCH_PROTO_ICMP, true },
	[MF_ICMPV6_TYPE] = { "icmpv6 type", VT_ICMP6_TYPE, MATCH_NFPROTO_IPV6, MATCH_PROTO_ICMPV6,
			     true },
	[MF_ICMPV6_CODE] = { "icmpv6 code", VT_ICMP6_CODE, MATCH_NFPROTO_IPV6, MATCH_PROTO_ICMPV6,
			     true },
	[MF_FRAGMENT] = { "fragment", VT_NONE, 0, -1, false },
	[MF_ARP_OP] = { "arp operation", VT_ARPOP, MATCH_NFPROTO_ARP, -1, false },
	[MF_ARP_SADDR_IP] = { "arp saddr ip", VT_IPV4, MATCH_NFPROTO_ARP, -1, false },
	[MF_ARP_DADDR_IP] = { "arp daddr ip", VT_IPV4, MATCH_NFPROTO_ARP, -1, false },
	[MF_IBRNAME] = { "meta ibrname", VT_IFACE, 0, -1, false },
	[MF_OBRNAME] = { "meta obrname", VT_IFACE, 0, -1, false },
	[MF_ESP_SPI] = { "esp spi", VT_U32, 0, 50, true },
	[MF_AH_SPI] = { "ah spi", VT_U32, 0, 51, true },
	[MF_CPU] = { "meta cpu", VT_U32, 0, -1, false },
	[MF_TIME] = { "meta time", VT_TIME, 0, -1, false },
	[MF_SCTP_VTAG] = { "sctp vtag", VT_U32, 0, MATCH_PROTO_SCTP, true },
	[MF_SCTP_CHUNK] = { "sctp chunk", VT_SCTP_CHUNK, 0, MATCH_PROTO_SCTP, true },
	[MF_DCCP_TYPE] = { "dccp type", VT_DCCP_TYPE, 0, MATCH_PROTO_DCCP, true },
	[MF_UDPLITE_CSUMCOV] = { "udplite csumcov", VT_U16, 0, MATCH_PROTO_UDPLITE, true },
	[MF_COMP_CPI] = { "comp cpi", VT_U16, 0, MATCH_PROTO_COMP, true },
	[MF_IGMP_TYPE] = { "igmp type", VT_IGMP_TYPE, MATCH_NFPROTO_IPV4, MATCH_PROTO_IGMP, true },
	[MF_IGMP_MRT] = { "igmp mrt", VT_U8, MATCH_NFPROTO_IPV4, MATCH_PROTO_IGMP, true },
	[MF_EXTHDR] = { "exthdr", VT_EXTHDR, MATCH_NFPROTO_IPV6, -1, false },
	[MF_FRAG_ID] = { "frag id", VT_U32, MATCH_NFPROTO_IPV6, -1, false },
	[MF_FRAG6_OFF] = { "frag frag-off", VT_U16, MATCH_NFPROTO_IPV6, -1, false },
	[MF_FRAG6_MF] = { "frag more-fragments", VT_U8, MATCH_NFPROTO_IPV6, -1, false },
	[MF_RT_TYPE] = { "rt type", VT_U8, MATCH_NFPROTO_IPV6, -1, false },
	[MF_RT_SEGLEFT] = { "rt seg-left", VT_U8, MATCH_NFPROTO_IPV6, -1, false },
	[MF_SRH_TAG] = { "srh tag", VT_U16, MATCH_NFPROTO_IPV6, -1, false },
	[MF_MH_TYPE] = { "mh type", VT_U8, MATCH_NFPROTO_IPV6, 135, true },
	[MF_COMP_NEXTHDR] = { "comp nexthdr", VT_PROTO, 0, MATCH_PROTO_COMP, true },
	[MF_COMP_FLAGS] = { "comp flags", VT_U8, 0, MATCH_PROTO_COMP, true },
	[MF_PKTTYPE] = { "meta pkttype", VT_PKTTYPE, 0, -1, false },
	[MF_VLAN_ID] = { "vlan id", VT_U16, 0, -1, false },
};

/* How each field is written: first word, second word (NULL for one word). */
static const struct {
	const char *w1, *w2;
	enum match_field field;
} selectors[] = {
	{ "iif", NULL, MF_IIF }, { "iifname", NULL, MF_IIFNAME },
	{ "oif", NULL, MF_OIF }, { "oifname", NULL, MF_OIFNAME },
	{ "mark", NULL, MF_MARK }, { "fragment", NULL, MF_FRAGMENT },
	{ "ibrname", NULL, MF_IBRNAME }, { "obrname", NULL, MF_OBRNAME },
	{ "meta", "iif", MF_IIF }, { "meta", "iifname", MF_IIFNAME },
	{ "meta", "oif", MF_OIF }, { "meta", "oifname", MF_OIFNAME },
	{ "meta", "nfproto", MF_NFPROTO }, { "meta", "l4proto", MF_L4PROTO },
	{ "meta", "mark", MF_MARK },
	{ "meta", "ibrname", MF_IBRNAME }, { "meta", "obrname", MF_OBRNAME },
	{ "ip", "saddr", MF_IP_SADDR }, { "ip", "daddr", MF_IP_DADDR },
	{ "ip", "protocol", MF_IP_PROTOCOL }, { "ip", "ttl", MF_IP_TTL },
	{ "ip", "length", MF_IP_LENGTH }, { "ip", "frag-off", MF_IP_FRAG_OFF },
	{ "ip6", "saddr", MF_IP6_SADDR }, { "ip6", "daddr", MF_IP6_DADDR },
	{ "ip6", "nexthdr", MF_IP6_NEXTHDR }, { "ip6", "hoplimit", MF_IP6_HOPLIMIT },
	{ "tcp", "sport", MF_TCP_SPORT }, { "tcp", "dport", MF_TCP_DPORT },
	{ "tcp", "flags", MF_TCP_FLAGS },
	{ "udp", "sport", MF_UDP_SPORT }, { "udp", "dport", MF_UDP_DPORT },
	{ "th", "sport", MF_TH_SPORT }, { "th", "dport", MF_TH_DPORT },
	{ "ct", "state", MF_CT_STATE },
	{ "icmp", "type", MF_ICMP_TYPE }, { "icmp", "code", MF_ICMP_CODE },
	{ "icmpv6", "type", MF_ICMPV6_TYPE }, { "icmpv6", "code", MF_ICMPV6_CODE },
	{ "arp", "operation", MF_ARP_OP }, { "arp", "saddr", MF_ARP_SADDR_IP },
	{ "arp", "daddr", MF_ARP_DADDR_IP },
	{ "esp", "spi", MF_ESP_SPI }, { "ah", "spi", MF_AH_SPI },
	{ "meta", "cpu", MF_CPU }, { "cpu", NULL, MF_CPU },
	{ "meta", "time", MF_TIME }, { "time", NULL, MF_TIME },
	{ "sctp", "vtag", MF_SCTP_VTAG }, { "sctp", "chunk", MF_SCTP_CHUNK },
	{ "dccp", "type", MF_DCCP_TYPE }, { "udplite", "csumcov", MF_UDPLITE_CSUMCOV },
	{ "comp", "cpi", MF_COMP_CPI },
	{ "igmp", "type", MF_IGMP_TYPE }, { "igmp", "mrt", MF_IGMP_MRT },
	{ "exthdr", NULL, MF_EXTHDR }, { "frag", "id", MF_FRAG_ID },
	{ "frag", "frag-off", MF_FRAG6_OFF }, { "frag", "more-fragments", MF_FRAG6_MF },
	{ "rt", "type", MF_RT_TYPE }, { "rt", "seg-left", MF_RT_SEGLEFT },
	{ "srh", "tag", MF_SRH_TAG }, { "mh", "type", MF_MH_TYPE },
	{ "comp", "nexthdr", MF_COMP_NEXTHDR }, { "comp", "flags", MF_COMP_FLAGS },
	{ "meta", "pkttype", MF_PKTTYPE }, { "pkttype", NULL, MF_PKTTYPE },
	{ "vlan", "id", MF_VLAN_ID },
};

#define NSELECTORS (sizeof(selectors) / sizeof(selectors[0]))

const char *match_field_name(enum match_field f)
{
	return (unsigned)f < MF__COUNT ? fields[f].name : "?";
}

/* What a value of this type looks like, for "expected ..." messages. */
static const char *vt_expected(enum vtype vt)
{
	switch (vt) {
	case VT_IFACE: return "an interface name";
	case VT_IFNAME: return "an interface name or a pattern like \"eth*\"";
	case VT_NFPROTO: return "ipv4, ipv6 or arp";
	case VT_PROTO: return "a protocol name (tcp, udp, icmp, ipv6-icmp, ...) or number 0..255";
	case VT_MARK: return "a mark number (decimal or 0x-hex, 32 bits)";
	case VT_IPV4: return "an IPv4 address, prefix or range";
	case VT_IPV6: return "an IPv6 address, prefix or range";
	case VT_U8: return "a number 0..255";
	case VT_U16: return "a number 0..65535";
	case VT_U32: return "a number 0..4294967295";
	case VT_TIME: return "a local date and time like 2026-12-07T10:00";
	case VT_FRAGOFF: return "a frag-off number 0..65535";
	case VT_PORT: return "a port number or range";
	case VT_TCPFLAGS: return "tcp flags (fin, syn, rst, psh, ack, urg, ecn, cwr) or a number";
	case VT_CTSTATE: return "a conntrack state (new, established, related, invalid, untracked)";
	case VT_ICMP_TYPE: return "an icmp type (echo-request, destination-unreachable, ...) "
				  "or number";
	case VT_ICMP_CODE: return "an icmp code (port-unreachable, frag-needed, ...) or number";
	case VT_ICMP6_TYPE: return "an icmpv6 type (echo-request, nd-neighbor-solicit, ...) "
				   "or number";
	case VT_ICMP6_CODE: return "an icmpv6 code (no-route, port-unreachable, ...) or number";
	case VT_ARPOP: return "an arp operation (request, reply, ...) or number";
	case VT_SCTP_CHUNK: return "an sctp chunk type (init, data, sack, heartbeat, ...) or "
				   "number";
	case VT_DCCP_TYPE: return "a dccp type (request, response, data, ack, ...) or number";
	case VT_IGMP_TYPE: return "an igmp type (membership-query, membership-report-v2, "
				  "leave-group, ...) or number";
	case VT_EXTHDR: return "IPv6 extension headers in order, like hbh,rt,frag "
			       "(hbh, rt, frag, dst, mh)";
	case VT_PKTTYPE: return "a packet type (host, broadcast, multicast, other) or number";
	case VT_NONE: break;
	}
	return "a value";
}

static uint32_t vt_max(enum vtype vt)
{
	switch (vt) {
	case VT_MARK: case VT_U32: case VT_TIME: return 0xffffffffu;
	case VT_U16: case VT_FRAGOFF: case VT_PORT: case VT_ARPOP: return 65535;
	case VT_CTSTATE: return 0xffu;
	case VT_DCCP_TYPE: return 15;   /* a 4-bit field */
	default: return 255;
	}
}

/* Value types whose numbers print as hex (nft does the same). */
static bool vt_hex(enum vtype vt)
{
	return vt == VT_MARK || vt == VT_FRAGOFF;
}

static const struct name_num *vt_names(enum vtype vt)
{
	switch (vt) {
	case VT_NFPROTO: return nfproto_names;
	case VT_PROTO: return l4proto_names;
	case VT_PORT: return service_names;
	case VT_TCPFLAGS: return tcp_flag_names;
	case VT_CTSTATE: return ct_state_names;
	case VT_ICMP_TYPE: return icmp_type_names;
	case VT_ICMP_CODE: return icmp_code_names;
	case VT_ICMP6_TYPE: return icmpv6_type_names;
	case VT_ICMP6_CODE: return icmpv6_code_names;
	case VT_ARPOP: return arp_op_names;
	case VT_SCTP_CHUNK: return sctp_chunk_names;
	case VT_DCCP_TYPE: return dccp_type_names;
	case VT_IGMP_TYPE: return igmp_type_names;
	case VT_PKTTYPE: return pkttype_names;
	default: return NULL;
	}
}

/* Fields whose values are bits that the mask form '&' can test. */
static bool vt_maskable(enum vtype vt)
{
	return vt == VT_TCPFLAGS || vt == VT_CTSTATE || vt == VT_MARK || vt == VT_FRAGOFF;
}

/* Fields where '<', '>' and ranges make sense. */
static bool vt_ordered(enum vtype vt)
{
	switch (vt) {
	case VT_PROTO: case VT_MARK: case VT_U8: case VT_U16: case VT_U32: case VT_FRAGOFF:
	case VT_PORT: case VT_ICMP_TYPE: case VT_ICMP_CODE: case VT_ICMP6_TYPE: case VT_ICMP6_CODE:
		return true;
	default:
		return false;
	}
}

/* ---- tokenizer ------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Characters that end a word. */
static bool is_punct(char c)
{
	return strchr("{},()|&=!<>\"#", c) != NULL;
}

static int tok_push(struct match_toks *out, size_t *cap, enum match_tok_kind kind,
		    const char *s, size_t len, int col, const struct match_src *src,
		    struct xerr *e)
{
	if (out->n >= MATCH_MAX_TOKENS)
		return xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, col,
			       "too many words (more than %d) in one match", MATCH_MAX_TOKENS);
	if (grow_for_one(&out->v, cap, out->n, sizeof(out->v[0]), 16))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading packet words");
	out->v[out->n++] = (struct match_tok){ kind, s, len, col };
	return 0;
}

static int tok_punct_len(const char *p, const char *end, int col, const struct match_src *src,
			 struct xerr *e)
{
	bool eq_next = p + 1 < end && p[1] == '=';

	switch (*p) {
	case '=':
		if (eq_next)
			return 2;
		xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, col, "a lone '=' compares nothing");
		return xerr_hint(e, "write '==' (or no operator at all) to test for a value");
	case '!':
		if (eq_next)
			return 2;
		xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, col,
			"a lone '!' is not understood here");
		return xerr_hint(e, "write '!=' to exclude a value, e.g. ct state != established");
	case '<': case '>':
		return eq_next ? 2 : 1;
	default:
		return 1;
	}
}

int match_tokenize(struct match_toks *out, const char *text, size_t len, int col0,
		   const struct match_src *src, struct xerr *e)
{
	const char *p = text, *end = text + len;
	size_t cap = 0;

	out->n = 0;
	out->v = NULL;
	while (p < end) {
		int col = col0 + (int)(p - text);
		unsigned char c = (unsigned char)*p;

		if (is_space(*p)) {
			p++;
		} else if (c < 0x20 || c >= 0x7f) {
			xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, col,
				"unexpected byte 0x%02x: packet words are plain ASCII text", c);
			goto fail;
		} else if (*p == '#') {
			break;
		} else if (*p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));

			if (!q) {
				xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, col,
					"a string opened here is never closed");
				xerr_hint(e, "add the closing '\"'");
				goto fail;
			}
			if (tok_push(out, &cap, MTOK_STRING, p + 1, (size_t)(q - p - 1), col, src, e))
				goto fail;
			p = q + 1;
		} else if (is_punct(*p)) {
			int n = tok_punct_len(p, end, col, src, e);

			if (n < 0 || tok_push(out, &cap, MTOK_PUNCT, p, (size_t)n, col, src, e))
				goto fail;
			p += n;
		} else {
			const char *q = p;

			while (q < end && !is_space(*q) && !is_punct(*q) &&
			       (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f)
				q++;
			if (tok_push(out, &cap, MTOK_WORD, p, (size_t)(q - p), col, src, e))
				goto fail;
			p = q;
		}
	}
	return 0;
fail:
	match_toks_free(out);
	return -1;
}

void match_toks_free(struct match_toks *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* ---- small helpers ------------------------------------------------------- */

static bool tok_is(const struct match_tok *t, const char *s)
{
	return t && t->kind != MTOK_STRING && strlen(s) == t->len && !memcmp(t->s, s, t->len);
}

/* The token's text for a message: unprintables as '?', long ones cut. */
static void tok_shown(const struct match_tok *t, char *buf, size_t size)
{
	char tmp[128];
	size_t n = t->len < sizeof(tmp) - 1 ? t->len : sizeof(tmp) - 1;

	memcpy(tmp, t->s, n);
	tmp[n] = '\0';
	if (t->kind == MTOK_STRING) {
		char inner[120];

		addr_shown(inner, sizeof(inner), tmp);
		snprintf(buf, size, "\"%s\"", inner);
	} else {
		addr_shown(buf, size > 60 ? 60 : size, tmp);
	}
}

/* Levenshtein distance, for "did you mean" hints; large for long words. */
static unsigned edit_distance(const char *a, size_t la, const char *b)
{
	unsigned row[40];
	size_t lb = strlen(b);

	if (la >= 39 || lb >= 39)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The closest of names to the word, or NULL when none is close. */
static const char *closest(const struct match_tok *t, const char *const *names, size_t n)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < n; i++) {
		unsigned d = edit_distance(t->s, t->len, names[i]);

		if (d < best_d && d < strlen(names[i])) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}

static const char *closest_name(const struct match_tok *t, const struct name_num *tab)
{
	const char *names[40];
	size_t n = 0;

	for (; tab && tab->name && n < 40; tab++)
		names[n++] = tab->name;
	return closest(t, names, n);
}

/*
 * A number: decimal without leading zeros, or 0x-hex. 0 on success, -1 when
 * the text is not a number, -2 when it is one but above max.
 */
static int parse_number(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	bool hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (!len)
		return -1;
	if (hex) {
		for (i = 2; i < len; i++) {
			char c = s[i];
			int d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (d < 0)
				return -1;
			if (v <= 0xffffffffu)
				v = v * 16 + (unsigned)d;
		}
	} else {
		if (len > 1 && s[0] == '0')
			return -1;
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			if (v <= 0xffffffffu)
				v = v * 10 + (unsigned)(s[i] - '0');
		}
	}
	if (v > max)
		return -2;
	*out = (uint32_t)v;
	return 0;
}

/* "[A-Za-z_][A-Za-z0-9_.-]*" */
static bool valid_ident(const char *s, size_t len)
{
	if (!len || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* ---- the match list ---------------------------------------------------- */

static void cond_free(struct match_cond *c)
{
	free(c->val);
	c->val = NULL;
	c->nval = 0;
}

void match_list_free(struct match_list *m)
{
	for (size_t i = 0; i < m->n; i++)
		cond_free(&m->cond[i]);
	free(m->cond);
	m->cond = NULL;
	m->n = m->cap = 0;
}

/* Append c (taking its values) to m; on failure c's values are freed. */
static int list_push(struct match_list *m, struct match_cond *c, struct xerr *e)
{
	if (grow_for_one(&m->cond, &m->cap, m->n, sizeof(m->cond[0]), 8)) {
		cond_free(c);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading packet words");
	}
	m->cond[m->n++] = *c;
	return 0;
}

static int cond_add_value(struct match_cond *c, const struct match_value *v, struct xerr *e)
{
	struct match_value *nv = realloc(c->val, (c->nval + 1) * sizeof(*nv));

	if (!nv)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading packet words");
	c->val = nv;
	c->val[c->nval++] = *v;
	return 0;
}

/* ---- the parser ------------------------------------------------------------ */

struct parser {
	const struct match_tok *t;
	size_t n, i;
	int end_col;
	const struct match_src *src;
	struct xerr *e;
};

static const struct match_tok *peek(const struct parser *ps)
{
	return ps->i < ps->n ? &ps->t[ps->i] : NULL;
}

static int perr(const struct parser *ps, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(const struct parser *ps, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = xerr_vat(ps->e, XNFT_EXIT_FINDINGS, ps->src->file ? ps->src->file : "",
		      ps->src->line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* "expected WHAT after 'AFTER', got 'TOK'" (or "got nothing" at the end). */
static int expected(const struct parser *ps, const char *what, const char *after)
{
	const struct match_tok *t = peek(ps);
	char shown[64];

	if (!t)
		return perr(ps, ps->end_col, "expected %s after '%s', got nothing", what, after);
	tok_shown(t, shown, sizeof(shown));
	return perr(ps, t->col, "expected %s after '%s', got '%s'", what, after, shown);
}

/* The third word a selector has ("ip" in `arp saddr ip`), or NULL. */
static const char *third_word(enum match_field f)
{
	return f == MF_ARP_SADDR_IP || f == MF_ARP_DADDR_IP ? "ip" : NULL;
}

/* The third word of a selector, after `after`. */
static int selector_third(struct parser *ps, const char *after, const char *w3, const char **last)
{
	const struct match_tok *t = peek(ps);
	char shown[64];

	if (t && tok_is(t, w3)) {
		*last = w3;
		ps->i++;
		return 0;
	}
	if (!t)
		return perr(ps, ps->end_col, "expected '%s' after '%s', got nothing", w3, after);
	tok_shown(t, shown, sizeof(shown));
	perr(ps, t->col, "expected '%s' after '%s', got '%s'", w3, after, shown);
	return xerr_hint(ps->e, "the packet words give the ARP addresses as IPv4 ones only "
			 "(`arp saddr ip 192.0.2.1`)");
}

/* The selector at ps->i: one, two or three words naming a field. */
static int parse_selector(struct parser *ps, enum match_field *f, const char **last)
{
	const struct match_tok *t = peek(ps), *t2;
	const char *firsts[NSELECTORS], *seconds[NSELECTORS];
	size_t nfirst = 0, nsecond = 0;
	char shown[64], list[256] = "";
	struct fixbuf lb = { list, sizeof(list), 0 };
	bool known = false;

	for (size_t i = 0; i < NSELECTORS; i++) {
		if (t->kind == MTOK_WORD && tok_is(t, selectors[i].w1)) {
			known = true;
			if (!selectors[i].w2) {
				*f = selectors[i].field;
				*last = selectors[i].w1;
				ps->i++;
				return 0;
			}
		}
		if (!i || strcmp(selectors[i - 1].w1, selectors[i].w1))
			firsts[nfirst++] = selectors[i].w1;
	}
	tok_shown(t, shown, sizeof(shown));
	if (!known) {
		const char *near = t->kind == MTOK_WORD ? closest(t, firsts, nfirst) : NULL;

		perr(ps, t->col, "expected a match word (iif, iifname, oif, oifname, meta, ip, ip6, "
		     "tcp, udp, th, ct, icmp, icmpv6, arp, ibrname, obrname, fragment), got '%s'", shown);
		if (near)
			return xerr_hint(ps->e, "did you mean '%s'?", near);
		return xerr_hint(ps->e, "a packet is described field by field, e.g. "
				 "iif eth0 ip saddr 203.0.113.5 tcp dport 22 ct state new");
	}
	ps->i++;
	t2 = peek(ps);
	for (size_t i = 0; i < NSELECTORS; i++) {
		if (!tok_is(t, selectors[i].w1) || !selectors[i].w2)
			continue;
		if (t2 && tok_is(t2, selectors[i].w2)) {
			*f = selectors[i].field;
			*last = selectors[i].w2;
			ps->i++;
			return third_word(*f) ? selector_third(ps, selectors[i].w2,
							      third_word(*f), last) : 0;
		}
		seconds[nsecond++] = selectors[i].w2;
	}
	for (size_t i = 0; i < nsecond; i++)
		fixbuf_addf(&lb, "%s%s", i == 0 ? "" : i + 1 == nsecond ? " or " : ", ", seconds[i]);
	expected(ps, list, shown);
	if (t2 && t2->kind == MTOK_WORD) {
		const char *near = closest(t2, seconds, nsecond);

		if (near)
			xerr_hint(ps->e, "did you mean '%s %s'?", shown, near);
	}
	return -1;
}

/* "$NAME" or "@NAME" into v. */
static int parse_ref(struct parser *ps, const struct match_tok *t, struct match_value *v)
{
	char shown[64];

	if (!valid_ident(t->s + 1, t->len - 1) || t->len - 1 >= MATCH_NAME_MAX) {
		tok_shown(t, shown, sizeof(shown));
		perr(ps, t->col, "'%s' is not a valid %s name", shown,
		     t->s[0] == '$' ? "define" : "set");
		return xerr_hint(ps->e, "names start with a letter or '_' and hold letters, digits, "
				 "'_', '.' or '-' (at most %d characters)", MATCH_NAME_MAX - 1);
	}
	v->kind = t->s[0] == '$' ? MV_DEFINE : MV_SET;
	memcpy(v->name, t->s + 1, t->len - 1);
	v->name[t->len - 1] = '\0';
	return 0;
}

/* A number or a name of vt from s[0..len); same return values as parse_number. */
static int parse_scalar(enum vtype vt, const char *s, size_t len, uint32_t *out)
{
	const struct name_num *names = vt_names(vt);
	unsigned num;

	if (names && name_num_lookup(names, s, len, &num)) {
		*out = num;
		return 0;
	}
	if (vt == VT_NFPROTO)
		return -1;
	return parse_number(s, len, vt_max(vt), out);
}

static int value_error(struct parser *ps, const struct match_tok *t, enum vtype vt,
		       const char *after, int why)
{
	char shown[64];
	const char *near;

	tok_shown(t, shown, sizeof(shown));
	if (why == -2)
		return perr(ps, t->col, vt_hex(vt) ? "'%s' after '%s' is out of range: at most 0x%x" :
			    "'%s' after '%s' is out of range: at most %u", shown, after, vt_max(vt));
	perr(ps, t->col, "expected %s after '%s', got '%s'", vt_expected(vt), after, shown);
	if (t->kind == MTOK_WORD && t->len > 1 && t->s[0] == '0' && t->s[1] >= '0' &&
	    t->s[1] <= '9') {
		size_t z = 0;

		while (z + 1 < t->len && t->s[z] == '0')
			z++;
		return xerr_hint(ps->e, "numbers have no leading zeros: write %.*s",
				 (int)(t->len - z), t->s + z);
	}
	near = t->kind == MTOK_WORD ? closest_name(t, vt_names(vt)) : NULL;
	if (near)
		return xerr_hint(ps->e, "did you mean '%s'?", near);
	return -1;
}

/* An address, prefix or address range of the family vt wants. */
static int parse_addr_value(struct parser *ps, const struct match_tok *t, enum vtype vt,
			    const char *after, struct match_value *v)
{
	int family = vt == VT_IPV6 ? AF_INET6 : AF_INET;
	char text[160], shown[64];
	const char *dash;
	struct xerr sub;

	tok_shown(t, shown, sizeof(shown));
	if (t->len >= sizeof(text))
		return value_error(ps, t, vt, after, -1);
	memcpy(text, t->s, t->len);
	text[t->len] = '\0';
	dash = strchr(text, '-');
	xerr_clear(&sub);
	if (dash) {
		char lo[160];

		memcpy(lo, text, (size_t)(dash - text));
		lo[dash - text] = '\0';
		if (prefix_parse_flags(&v->addr, lo, PREFIX_ADDR_ONLY, &sub) < 0 ||
		    prefix_parse_flags(&v->addr_hi, dash + 1, PREFIX_ADDR_ONLY, &sub) < 0)
			goto bad;
		v->kind = MV_ADDR_RANGE;
	} else {
		if (prefix_parse(&v->addr, text, &sub) < 0)
			goto bad;
		v->kind = MV_PREFIX;
	}
	if (v->addr.family != family || (dash && v->addr_hi.family != family)) {
		perr(ps, t->col, "expected %s after '%s', got '%s' (an %s address)",
		     vt_expected(vt), after, shown, family == AF_INET ? "IPv6" : "IPv4");
		return xerr_hint(ps->e, "IPv4 addresses go with 'ip', IPv6 ones with 'ip6'");
	}
	if (dash && memcmp(v->addr.addr, v->addr_hi.addr, 16) > 0) {
		perr(ps, t->col, "the range '%s' runs backwards", shown);
		return xerr_hint(ps->e, "write the lower address first");
	}
	if (dash && !memcmp(v->addr.addr, v->addr_hi.addr, 16))
		v->kind = MV_PREFIX;
	return 0;
bad:
	perr(ps, t->col, "bad address after '%s': %s", after, sub.msg);
	if (sub.hint[0])
		xerr_hint(ps->e, "%s", sub.hint);
	return -1;
}

static int parse_ifname_value(struct parser *ps, const struct match_tok *t, enum vtype vt,
			      const char *after, struct match_value *v)
{
	char name[IFNAME_MAXLEN + 2], shown[64];
	struct xerr sub;

	tok_shown(t, shown, sizeof(shown));
	xerr_clear(&sub);
	if (t->len > IFNAME_MAXLEN) {
		perr(ps, t->col, "expected %s after '%s', got '%s': longer than %d characters, "
		     "the Linux limit", vt_expected(vt), after, shown, IFNAME_MAXLEN);
		return xerr_hint(ps->e, "check the name with 'ip -br link'");
	}
	memcpy(name, t->s, t->len);
	name[t->len] = '\0';
	if (ifname_validate(name, &sub) < 0) {
		perr(ps, t->col, "expected %s after '%s', got '%s': %s", vt_expected(vt), after,
		     shown, sub.msg);
		if (sub.hint[0])
			xerr_hint(ps->e, "%s", sub.hint);
		return -1;
	}
	if (vt == VT_IFACE && strchr(name, '*')) {
		perr(ps, t->col, "'%s' after '%s' is a pattern, but '%s' takes one existing "
		     "interface", shown, after, after);
		return xerr_hint(ps->e, "for a pattern use %sname \"%s\"", after, name);
	}
	v->kind = MV_IFNAME;
	snprintf(v->name, sizeof(v->name), "%s", name);
	return 0;
}

/* A scalar or a range "lo-hi" (one word) of an ordered type. */
static int parse_scalar_or_range(struct parser *ps, const struct match_tok *t, enum vtype vt,
				 const char *after, struct match_value *v)
{
	uint32_t lo, hi;
	int r = parse_scalar(vt, t->s, t->len, &lo);

	if (r == 0) {
		v->kind = MV_NUM;
		v->lo = v->hi = lo;
		return 0;
	}
	if (r == -2 || !vt_ordered(vt))
		return value_error(ps, t, vt, after, r);
	/* "1024-65535", "echo-reply-echo-request": try each '-' as the split. */
	for (size_t k = 1; k + 1 < t->len; k++) {
		if (t->s[k] != '-')
			continue;
		if (parse_scalar(vt, t->s, k, &lo) || parse_scalar(vt, t->s + k + 1,
								    t->len - k - 1, &hi))
			continue;
		if (lo > hi) {
			char shown[64];

			tok_shown(t, shown, sizeof(shown));
			perr(ps, t->col, "the range '%s' runs backwards", shown);
			return xerr_hint(ps->e, "write it as %u-%u", hi, lo);
		}
		v->kind = lo == hi ? MV_NUM : MV_RANGE;
		v->lo = lo;
		v->hi = hi;
		return 0;
	}
	return value_error(ps, t, vt, after, r);
}

/* tcp flags, ct state and bit masks: bit ('|' bit)*, OR-ed into v->lo. */
static int parse_bits(struct parser *ps, enum vtype vt, const char *after, uint32_t *bits)
{
	*bits = 0;
	for (;;) {
		const struct match_tok *t = peek(ps);
		uint32_t b;
		int r;

		if (!t || t->kind != MTOK_WORD)
			return expected(ps, vt_expected(vt), after);
		r = parse_scalar(vt, t->s, t->len, &b);
		if (r < 0)
			return value_error(ps, t, vt, after, r);
		*bits |= b;
		ps->i++;
		t = peek(ps);
		if (!tok_is(t, "|"))
			return 0;
		after = "|";
		ps->i++;
	}
}

/* One value (not a set): $NAME, a name, number, range, address or interface. */
/*
 * A time: local date and time, 'T' or a space between them (quote it then),
 * seconds and time optional. Seconds since the epoch, as one number.
 */
static int parse_time_value(struct parser *ps, const struct match_tok *t, const char *after,
			    struct match_value *v)
{
	static const char *const forms[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
					     "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	char text[64];

	if (t->len >= sizeof(text))
		return value_error(ps, t, VT_TIME, after, -1);
	memcpy(text, t->s, t->len);
	text[t->len] = '\0';
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm = { .tm_isdst = -1 };
		const char *end = strptime(text, forms[i], &tm);
		time_t secs;

		if (!end || *end)
			continue;
		secs = mktime(&tm);
		if (secs < 0 || (uint64_t)secs > 0xffffffffu)
			return value_error(ps, t, VT_TIME, after, -2);
		v->kind = MV_NUM;
		v->lo = v->hi = (uint32_t)secs;
		return 0;
	}
	return value_error(ps, t, VT_TIME, after, -1);
}

static int parse_one(struct parser *ps, enum vtype vt, const char *after,
		     struct match_value *v)
{
	const struct match_tok *t = peek(ps);

	memset(v, 0, sizeof(*v));
	if (!t || t->kind == MTOK_PUNCT)
		return expected(ps, vt_expected(vt), after);
	if (t->kind == MTOK_WORD && t->s[0] == '$') {
		ps->i++;
		return parse_ref(ps, t, v);
	}
	if (t->kind == MTOK_WORD && t->s[0] == '@') {
		char shown[64];

		tok_shown(t, shown, sizeof(shown));
		perr(ps, t->col, "a named set '%s' cannot be an element of another set", shown);
		return xerr_hint(ps->e, "write '%s %s' on its own", after, shown);
	}
	if (vt == VT_TIME) {
		ps->i++;
		return parse_time_value(ps, t, after, v);
	}
	if (vt == VT_EXTHDR) {
		ps->i++;
		v->kind = MV_NUM;
		v->lo = v->hi = t->kind == MTOK_WORD ? exthdr_code(t->s, t->len) : 0;
		return v->lo ? 0 : value_error(ps, t, vt, after, -1);
	}
	if (t->kind == MTOK_STRING && vt != VT_IFACE && vt != VT_IFNAME)
		return value_error(ps, t, vt, after, -1);
	if (vt == VT_IFACE || vt == VT_IFNAME) {
		ps->i++;
		return parse_ifname_value(ps, t, vt, after, v);
	}
	if (vt == VT_IPV4 || vt == VT_IPV6) {
		ps->i++;
		if (parse_addr_value(ps, t, vt, after, v) < 0)
			return -1;
	} else if (vt == VT_TCPFLAGS) {
		if (parse_bits(ps, vt, after, &v->lo) < 0)
			return -1;
		v->kind = MV_NUM;
		v->hi = v->lo;
		return 0;
	} else {
		ps->i++;
		if (parse_scalar_or_range(ps, t, vt, after, v) < 0)
			return -1;
		if (vt == VT_CTSTATE && !match_ct_state_name(v->lo)) {
			char shown[64];

			tok_shown(t, shown, sizeof(shown));
			perr(ps, t->col, "'%s' is not one conntrack state", shown);
			return xerr_hint(ps->e, "name the state: new, established, related, invalid "
					 "or untracked");
		}
	}
	/* "22 - 80": a range with spaces around the dash. */
	if (tok_is(peek(ps), "-") && (v->kind == MV_NUM || v->kind == MV_PREFIX) &&
	    (vt_ordered(vt) || vt == VT_IPV4 || vt == VT_IPV6)) {
		struct match_value hi;

		ps->i++;
		if (parse_one(ps, vt, "-", &hi) < 0)
			return -1;
		if (v->kind == MV_NUM && hi.kind == MV_NUM) {
			if (v->lo > hi.lo) {
				perr(ps, t->col, "the range %u - %u runs backwards", v->lo, hi.lo);
				return xerr_hint(ps->e, "write it as %u-%u", hi.lo, v->lo);
			}
			v->kind = v->lo == hi.lo ? MV_NUM : MV_RANGE;
			v->hi = hi.lo;
			return 0;
		}
		if (v->kind == MV_PREFIX && hi.kind == MV_PREFIX &&
		    v->addr.len == prefix_max_len(v->addr.family) &&
		    hi.addr.len == prefix_max_len(hi.addr.family)) {
			if (memcmp(v->addr.addr, hi.addr.addr, 16) > 0) {
				perr(ps, t->col, "the address range runs backwards");
				return xerr_hint(ps->e, "write the lower address first");
			}
			if (memcmp(v->addr.addr, hi.addr.addr, 16)) {
				v->kind = MV_ADDR_RANGE;
				v->addr_hi = hi.addr;
			}
			return 0;
		}
		return perr(ps, t->col, "a range runs from one single value to another");
	}
	return 0;
}

/* '{' one (',' one)* [','] '}' */
static int parse_set(struct parser *ps, struct match_cond *c, enum vtype vt, const char *fname)
{
	const struct match_tok *open = peek(ps);
	char after[64];

	snprintf(after, sizeof(after), "%s {", fname);
	ps->i++;
	for (;;) {
		const struct match_tok *t = peek(ps);
		struct match_value v;

		if (!t) {
			perr(ps, open->col, "the set opened here is never closed");
			return xerr_hint(ps->e, "end it with '}'");
		}
		if (tok_is(t, "}")) {
			if (!c->nval)
				return perr(ps, t->col, "an empty set '{ }' matches nothing");
			ps->i++;
			return 0;
		}
		if (tok_is(t, "{"))
			return perr(ps, t->col, "sets cannot be nested");
		if (parse_one(ps, vt, after, &v) < 0 || cond_add_value(c, &v, ps->e) < 0)
			return -1;
		t = peek(ps);
		if (tok_is(t, ","))
			ps->i++;
		else if (!t)
			continue;
		else if (!tok_is(t, "}"))
			return expected(ps, "',' or '}'", "a set element");
		snprintf(after, sizeof(after), ",");
	}
}

/* "22, 80" written without braces: say how to write it, with the user's values. */
static int list_needs_braces(struct parser *ps, enum match_field f, size_t first)
{
	char set[256] = "", shown[64];
	struct fixbuf b = { set, sizeof(set), 0 };
	size_t i;

	for (i = first; i < ps->n && b.len + 1 < sizeof(set); i++) {
		const struct match_tok *t = &ps->t[i];

		if (tok_is(t, ",")) {
			fixbuf_addf(&b, ", ");
			continue;
		}
		if (i > first && !tok_is(&ps->t[i - 1], ","))
			break;
		tok_shown(t, shown, sizeof(shown));
		fixbuf_addf(&b, "%s", shown);
	}
	perr(ps, ps->t[ps->i].col, "a list of values for '%s' needs braces", fields[f].name);
	return xerr_hint(ps->e, "write it as a set: %s { %s }", fields[f].name, set);
}

/* hbh,rt,frag: the headers after the first, each in the next 3 bits. */
static int parse_exthdr_rest(struct parser *ps, struct match_cond *c)
{
	unsigned n = 1;

	while (tok_is(peek(ps), ",")) {
		struct match_value v;
		const struct match_tok *comma = peek(ps);

		ps->i++;
		if (c->val[0].kind != MV_NUM)
			return perr(ps, comma->col, "a define cannot be part of a header list");
		if (parse_one(ps, VT_EXTHDR, ",", &v) < 0)
			return -1;
		if (n == MATCH_EXTHDR_MAX)
			return perr(ps, comma->col, "more than %d extension headers: IPv6 allows "
				    "each at most once (dst twice)", MATCH_EXTHDR_MAX);
		c->val[0].lo |= v.lo << (3 * n++);
		c->val[0].hi = c->val[0].lo;
	}
	return 0;
}

/* The value(s) after a field and its (in)equality operator. */
static int parse_values(struct parser *ps, struct match_cond *c, enum vtype vt, const char *after)
{
	const struct match_tok *t = peek(ps);
	struct match_value v;
	size_t first;

	if (tok_is(t, "{"))
		return parse_set(ps, c, vt, fields[c->field].name);
	if (t && t->kind == MTOK_WORD && t->s[0] == '@') {
		memset(&v, 0, sizeof(v));
		ps->i++;
		if (parse_ref(ps, t, &v) < 0)
			return -1;
		return cond_add_value(c, &v, ps->e);
	}
	first = ps->i;
	if (parse_one(ps, vt, after, &v) < 0 || cond_add_value(c, &v, ps->e) < 0)
		return -1;
	if (!tok_is(peek(ps), ","))
		return 0;
	if (vt == VT_TCPFLAGS) {
		/* fin,psh,urg: the packet's flags, all of them. */
		while (tok_is(peek(ps), ",")) {
			uint32_t bits;

			ps->i++;
			if (c->val[0].kind != MV_NUM)
				return perr(ps, ps->t[ps->i - 1].col,
					    "a define cannot be part of a flag list");
			if (parse_bits(ps, vt, ",", &bits) < 0)
				return -1;
			c->val[0].lo |= bits;
			c->val[0].hi = c->val[0].lo;
		}
		return 0;
	}
	if (vt == VT_EXTHDR)
		return parse_exthdr_rest(ps, c);
	if (vt == VT_CTSTATE) {
		while (tok_is(peek(ps), ",")) {
			ps->i++;
			if (parse_one(ps, vt, ",", &v) < 0 || cond_add_value(c, &v, ps->e) < 0)
				return -1;
		}
		return 0;
	}
	return list_needs_braces(ps, c->field, first);
}

/* '<' '<=' '>' '>=' N: a range. */
static int parse_relational(struct parser *ps, struct match_cond *c, enum vtype vt)
{
	const struct match_tok *op = peek(ps), *t;
	struct match_value v = { 0 };
	uint32_t n, max = vt_max(vt);
	char opname[3] = { 0 };
	int r;

	memcpy(opname, op->s, op->len);
	ps->i++;
	t = peek(ps);
	if (!vt_ordered(vt))
		return perr(ps, op->col, "'%s' cannot be compared with '%s'", fields[c->field].name,
			    opname);
	if (!t || t->kind != MTOK_WORD)
		return expected(ps, vt_expected(vt), opname);
	r = parse_scalar(vt, t->s, t->len, &n);
	if (r < 0)
		return value_error(ps, t, vt, opname, r);
	ps->i++;
	if ((!strcmp(opname, "<") && n == 0) || (!strcmp(opname, ">") && n == max))
		return perr(ps, op->col, "no value is %s %u", opname, n);
	if (opname[0] == '<') {
		v.lo = 0;
		v.hi = opname[1] ? n : n - 1;
	} else {
		v.lo = opname[1] ? n : n + 1;
		v.hi = max;
	}
	v.kind = v.lo == v.hi ? MV_NUM : MV_RANGE;
	return cond_add_value(c, &v, ps->e);
}

/* '&' bits ['=='|'!='] bits */
static int parse_mask(struct parser *ps, struct match_cond *c, enum vtype vt)
{
	const struct match_tok *amp = peek(ps), *t;
	struct match_value v = { 0 };
	const char *after = "&";
	bool paren;

	if (!vt_maskable(vt))
		return perr(ps, amp->col, "'%s' cannot be masked with '&'", fields[c->field].name);
	ps->i++;
	for (int side = 0; side < 2; side++) {
		uint32_t bits;

		paren = tok_is(peek(ps), "(");
		if (paren)
			ps->i++;
		if (parse_bits(ps, vt, paren ? "(" : after, &bits) < 0)
			return -1;
		if (paren) {
			if (!tok_is(peek(ps), ")"))
				return expected(ps, "'|' or ')'", "a flag");
			ps->i++;
		}
		if (side == 1) {
			v.lo = v.hi = bits;
			break;
		}
		c->mask = bits;
		t = peek(ps);
		c->op = MOP_MASK_EQ;
		after = "the mask";
		if (tok_is(t, "==") || tok_is(t, "!=")) {
			c->op = tok_is(t, "!=") ? MOP_MASK_NE : MOP_MASK_EQ;
			after = tok_is(t, "!=") ? "!=" : "==";
			ps->i++;
		}
	}
	if (v.lo & ~c->mask) {
		perr(ps, amp->col, "'%s & ...' compares bits outside its mask: it can never be "
		     "equal", fields[c->field].name);
		return xerr_hint(ps->e, "put every bit of the value into the mask too");
	}
	v.kind = MV_NUM;
	return cond_add_value(c, &v, ps->e);
}

/* One item: a selector with its operator and value(s). */
static int parse_item(struct parser *ps, struct match_list *out)
{
	struct match_cond c = { 0 };
	const struct match_tok *t = peek(ps);
	const char *last = "";
	enum vtype vt;
	int r;

	c.col = t->col;
	if (t->kind != MTOK_WORD) {
		char shown[64];

		tok_shown(t, shown, sizeof(shown));
		perr(ps, t->col, "expected a match word such as iif, ip saddr or tcp dport, got '%s'",
		     shown);
		if (tok_is(t, ","))
			xerr_hint(ps->e, "only tcp flags and ct state take a list without braces");
		return -1;
	}
	if (parse_selector(ps, &c.field, &last) < 0)
		return -1;
	vt = fields[c.field].vt;
	if (vt == VT_NONE)
		return list_push(out, &c, ps->e);
	t = peek(ps);
	if (tok_is(t, "==") || tok_is(t, "!=")) {
		c.op = tok_is(t, "!=") ? MOP_NE : MOP_EQ;
		ps->i++;
		r = parse_values(ps, &c, vt, c.op == MOP_NE ? "!=" : "==");
	} else if (tok_is(t, "<") || tok_is(t, "<=") || tok_is(t, ">") || tok_is(t, ">=")) {
		r = parse_relational(ps, &c, vt);
	} else if (tok_is(t, "&")) {
		r = parse_mask(ps, &c, vt);
	} else {
		r = parse_values(ps, &c, vt, last);
	}
	if (r < 0) {
		cond_free(&c);
		return -1;
	}
	return list_push(out, &c, ps->e);
}

/* An implied condition "meta nfproto X" / "meta l4proto X". */
static int push_implied(struct match_list *out, enum match_field f, unsigned num, int col,
			struct xerr *e)
{
	struct match_cond c = { .field = f, .op = MOP_EQ, .implied = true, .col = col };
	struct match_value v = { .kind = MV_NUM, .lo = num, .hi = num };

	if (cond_add_value(&c, &v, e) < 0)
		return -1;
	return list_push(out, &c, e);
}

/* The single concrete number of c, or -1 (set, range, define, negation...). */
static long single_num(const struct match_cond *c)
{
	if (c->op != MOP_EQ || c->nval != 1 || c->val[0].kind != MV_NUM)
		return -1;
	return c->val[0].lo;
}

/* Move the written conditions of in to out, each after the protocols it implies. */
static int add_implied(struct match_list *in, struct match_list *out, struct xerr *e)
{
	long nf = -1, l4 = -1;

	for (size_t i = 0; i < in->n; i++) {
		struct match_cond *c = &in->cond[i];
		const struct field_info *fi = &fields[c->field];

		if (fi->nfproto && nf != (long)fi->nfproto) {
			if (push_implied(out, MF_NFPROTO, fi->nfproto, c->col, e) < 0)
				return -1;
			nf = fi->nfproto;
		}
		if (fi->l4proto >= 0 && l4 != fi->l4proto) {
			if (push_implied(out, MF_L4PROTO, (unsigned)fi->l4proto, c->col, e) < 0)
				return -1;
			l4 = fi->l4proto;
		}
		if (c->field == MF_NFPROTO && single_num(c) >= 0)
			nf = single_num(c);
		if (c->field == MF_L4PROTO && single_num(c) >= 0)
			l4 = single_num(c);
		if (list_push(out, c, e) < 0)
			return -1;
		c->val = NULL;
		c->nval = 0;
	}
	return 0;
}

int match_parse_toks(struct match_list *out, const struct match_tok *t, size_t n, int end_col,
		     const struct match_src *src, struct xerr *e)
{
	struct parser ps = { .t = t, .n = n, .end_col = end_col, .src = src, .e = e };
	struct match_list written = { 0 };

	memset(out, 0, sizeof(*out));
	while (ps.i < ps.n)
		if (parse_item(&ps, &written) < 0)
			goto fail;
	if (add_implied(&written, out, e) < 0)
		goto fail;
	match_list_free(&written);
	if (match_check(out, NULL, src, e) < 0) {
		match_list_free(out);
		return -1;
	}
	return 0;
fail:
	match_list_free(&written);
	match_list_free(out);
	return -1;
}

int match_parse(struct match_list *out, const char *text, const struct match_src *src,
		struct xerr *e)
{
	struct match_toks toks;
	size_t len = text ? strlen(text) : 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (match_tokenize(&toks, text ? text : "", len, 1, src, e) < 0)
		return -1;
	r = match_parse_toks(out, toks.v, toks.n, (int)len + 1, src, e);
	match_toks_free(&toks);
	return r;
}

/* ---- contradictions ------------------------------------------------------ */

/* The protocols a condition allows, as bitmaps; all set when it says nothing. */
struct proto_space {
	unsigned nf;           /* bit 0 IPv4, bit 1 IPv6 */
	uint64_t l4[4];        /* 256 protocol numbers */
};

static void space_all(struct proto_space *s)
{
	s->nf = 7;
	memset(s->l4, 0xff, sizeof(s->l4));
}

static void l4_set(struct proto_space *s, unsigned lo, unsigned hi)
{
	for (unsigned p = lo; p <= hi && p < 256; p++)
		s->l4[p / 64] |= 1ull << (p % 64);
}

static unsigned nf_bit(unsigned nfproto)
{
	return nfproto == MATCH_NFPROTO_IPV4 ? 1 : nfproto == MATCH_NFPROTO_IPV6 ? 2 :
	       nfproto == MATCH_NFPROTO_ARP ? 4 : 0;
}

/* Numbers of c as a set of protocols; false when c has a define or set (unknown). */
static bool cond_l4_values(const struct match_cond *c, struct proto_space *s)
{
	memset(s->l4, 0, sizeof(s->l4));
	for (size_t i = 0; i < c->nval; i++) {
		if (c->val[i].kind != MV_NUM && c->val[i].kind != MV_RANGE)
			return false;
		l4_set(s, c->val[i].lo, c->val[i].hi);
	}
	if (c->op == MOP_NE)
		for (int i = 0; i < 4; i++)
			s->l4[i] = ~s->l4[i];
	return true;
}

static void cond_space(const struct match_cond *c, struct proto_space *s)
{
	const struct field_info *fi = &fields[c->field];

	space_all(s);
	if (fi->nfproto)
		s->nf = nf_bit(fi->nfproto);
	if (fi->l4proto >= 0) {
		memset(s->l4, 0, sizeof(s->l4));
		l4_set(s, (unsigned)fi->l4proto, (unsigned)fi->l4proto);
	}
	if (c->field == MF_TH_SPORT || c->field == MF_TH_DPORT) {
		static const unsigned with_ports[] = { 6, 17, 33, 132, 136 };

		memset(s->l4, 0, sizeof(s->l4));
		for (size_t i = 0; i < sizeof(with_ports) / sizeof(with_ports[0]); i++)
			l4_set(s, with_ports[i], with_ports[i]);
	}
	if ((c->field == MF_L4PROTO || c->field == MF_IP_PROTOCOL) &&
	    (c->op == MOP_EQ || c->op == MOP_NE)) {
		struct proto_space v;

		if (cond_l4_values(c, &v))
			memcpy(s->l4, v.l4, sizeof(s->l4));
	}
	if (c->field == MF_NFPROTO && (c->op == MOP_EQ || c->op == MOP_NE)) {
		unsigned bits = 0;

		for (size_t i = 0; i < c->nval; i++) {
			if (c->val[i].kind != MV_NUM)
				return;
			bits |= nf_bit(c->val[i].lo);
		}
		s->nf = c->op == MOP_NE ? (7 & ~bits) : bits;
	}
}

/* "'ip saddr'" or, for protocol conditions, "'meta l4proto udp'". */
static void cond_label(const struct match_cond *c, char *buf, size_t size)
{
	if (c->field == MF_NFPROTO || c->field == MF_L4PROTO || c->field == MF_IP_PROTOCOL)
		match_cond_format(c, buf, size);
	else
		snprintf(buf, size, "%s", fields[c->field].name);
}

static int contradiction(const struct match_cond *c, const struct match_cond *by,
			 const char *why, const struct match_src *src, struct xerr *e)
{
	char a[128], b[128];

	cond_label(c, a, sizeof(a));
	cond_label(by, b, sizeof(b));
	if (by->col == c->col)
		xerr_at(e, XNFT_EXIT_FINDINGS, src->file ? src->file : "", src->line, c->col,
			"'%s' can never match: %s", a, why);
	else
		xerr_at(e, XNFT_EXIT_FINDINGS, src->file ? src->file : "", src->line, c->col,
			"'%s' contradicts '%s' at column %d: %s", a, b, by->col, why);
	return xerr_hint(e, "no packet has both; drop one of them (or write two lines)");
}

static bool is_th_port(const struct match_cond *c)
{
	return c && (c->field == MF_TH_SPORT || c->field == MF_TH_DPORT);
}

static const char *l4_why(const struct match_cond *c, const struct match_cond *by)
{
	if (is_th_port(c) || is_th_port(by))
		return "'th' ports exist only in tcp, udp, udplite, sctp and dccp";
	return "a packet has one transport protocol";
}

int match_check(const struct match_list *a, const struct match_list *b,
		const struct match_src *src, struct xerr *e)
{
	const struct match_list *lists[2] = { a, b };
	const struct match_cond *nf_by = NULL, *l4_by = NULL, *frag_by = NULL, *trans_by = NULL;
	struct proto_space cur;

	space_all(&cur);
	for (int li = 0; li < 2; li++) {
		for (size_t i = 0; lists[li] && i < lists[li]->n; i++) {
			const struct match_cond *c = &lists[li]->cond[i];
			struct proto_space s;
			bool l4_changed = false, l4_empty = true;

			if (c->implied)
				continue;
			cond_space(c, &s);
			if (!(cur.nf & s.nf))
				return contradiction(c, nf_by ? nf_by : c,
						     (cur.nf | s.nf) & 4 ?
						     "an ARP packet has no IP header" :
						     "a packet is either IPv4 or IPv6", src, e);
			if ((cur.nf & s.nf) != cur.nf) {
				cur.nf &= s.nf;
				nf_by = c;
			}
			for (int k = 0; k < 4; k++) {
				uint64_t x = cur.l4[k] & s.l4[k];

				l4_changed |= x != cur.l4[k];
				l4_empty &= !x;
			}
			if (l4_empty)
				return contradiction(c, l4_by ? l4_by : c, l4_why(c, l4_by), src, e);
			if (l4_changed) {
				for (int k = 0; k < 4; k++)
					cur.l4[k] &= s.l4[k];
				l4_by = c;
			}
			if (c->field == MF_FRAGMENT && !frag_by)
				frag_by = c;
			if (fields[c->field].transport && !trans_by)
				trans_by = c;
			if (frag_by && trans_by)
				return contradiction(c, c == frag_by ? trans_by : frag_by,
						     "a non-first fragment carries no transport header",
						     src, e);
		}
	}
	return 0;
}

/* ---- formatting --------------------------------------------------------- */

void match_tcp_flags_format(unsigned flags, const char *sep, char *buf, size_t size)
{
	struct fixbuf o = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	if (!(flags & 0xff)) {
		fixbuf_addf(&o, "0x0");
		return;
	}
	for (const struct name_num *t = tcp_flag_names; t->name; t++)
		if (t->num && (flags & t->num))
			fixbuf_addf(&o, "%s%s", o.len ? sep : "", t->name);
}

static bool plain_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

void match_time_format(uint32_t secs, char *buf, size_t size)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!size)
		return;
	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, size, "%u", secs);
}

void match_ifname_format(const char *name, char *buf, size_t size)
{
	bool plain = name[0] != '\0' && strcmp(name, "or") && strcmp(name, "-");

	for (const char *p = name; *p; p++)
		plain &= plain_word_char(*p);
	snprintf(buf, size, plain ? "%s" : "\"%s\"", name);
}

/* Bits of a bitmask type joined by sep: "fin|psh|urg", "established,related". */
static void bits_format(enum vtype vt, uint32_t bits, const char *sep, char *buf, size_t size)
{
	struct fixbuf o = { buf, size, 0 };

	buf[0] = '\0';
	if (vt == VT_TCPFLAGS) {
		match_tcp_flags_format(bits, sep, buf, size);
		return;
	}
	if (vt == VT_CTSTATE) {
		for (const struct name_num *t = ct_state_names; t->name; t++)
			if (bits & t->num)
				fixbuf_addf(&o, "%s%s", o.len ? sep : "", t->name);
		if (!(bits & ~0x4fu) && o.len)
			return;
	}
	o.len = 0;
	fixbuf_addf(&o, "0x%x", bits);
}

static void num_format(enum vtype vt, uint32_t n, char *buf, size_t size)
{
	const struct name_num *names = vt_names(vt);
	const char *name = names && vt != VT_PORT ? num_name(names, n) : NULL;

	if (vt == VT_TCPFLAGS || vt == VT_CTSTATE)
		bits_format(vt, n, ",", buf, size);
	else if (vt == VT_EXTHDR)
		match_exthdr_format(n, buf, size);
	else if (vt == VT_TIME)
		match_time_format(n, buf, size);
	else if (name)
		snprintf(buf, size, "%s", name);
	else if (vt_hex(vt))
		snprintf(buf, size, "0x%x", n);
	else
		snprintf(buf, size, "%u", n);
}

static void value_format(enum vtype vt, const struct match_value *v, bool in_set, char *buf,
			 size_t size)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	switch (v->kind) {
	case MV_DEFINE:
		snprintf(buf, size, "$%s", v->name);
		break;
	case MV_SET:
		snprintf(buf, size, "@%s", v->name);
		break;
	case MV_IFNAME:
		match_ifname_format(v->name, buf, size);
		break;
	case MV_PREFIX:
		if (v->addr.len == prefix_max_len(v->addr.family))
			prefix_format_addr(&v->addr, buf, size);
		else
			prefix_format(&v->addr, buf, size);
		break;
	case MV_ADDR_RANGE:
		prefix_format_addr(&v->addr, a, sizeof(a));
		prefix_format_addr(&v->addr_hi, b, sizeof(b));
		snprintf(buf, size, "%s-%s", a, b);
		break;
	case MV_RANGE:
		if (vt_hex(vt))
			snprintf(buf, size, "0x%x-0x%x", v->lo, v->hi);
		else
			snprintf(buf, size, "%u-%u", v->lo, v->hi);
		break;
	case MV_NUM:
		if (vt == VT_TCPFLAGS && in_set)
			match_tcp_flags_format(v->lo, "|", buf, size);
		else
			num_format(vt, v->lo, buf, size);
		break;
	}
}

static void mask_format(enum vtype vt, uint32_t bits, char *buf, size_t size)
{
	char tmp[160];

	bits_format(vt, bits, "|", tmp, sizeof(tmp));
	snprintf(buf, size, strchr(tmp, '|') ? "(%s)" : "%s", tmp);
}

void match_cond_format(const struct match_cond *c, char *buf, size_t size)
{
	const struct field_info *fi = &fields[c->field];
	struct fixbuf o = { buf, size, 0 };
	char v[256];

	if (!size)
		return;
	buf[0] = '\0';
	fixbuf_addf(&o, "%s", fi->name);
	if (fi->vt == VT_NONE)
		return;
	if (c->op == MOP_MASK_EQ || c->op == MOP_MASK_NE) {
		mask_format(fi->vt, c->mask, v, sizeof(v));
		fixbuf_addf(&o, " & %s %s ", v, c->op == MOP_MASK_NE ? "!=" : "==");
		bits_format(fi->vt, c->nval ? c->val[0].lo : 0, "|", v, sizeof(v));
		fixbuf_addf(&o, "%s", v);
		return;
	}
	fixbuf_addf(&o, c->op == MOP_NE ? " != " : " ");
	if (c->nval == 1) {
		value_format(fi->vt, &c->val[0], false, v, sizeof(v));
		fixbuf_addf(&o, "%s", v);
		return;
	}
	if (fi->vt == VT_CTSTATE) {
		for (size_t i = 0; i < c->nval; i++) {
			value_format(fi->vt, &c->val[i], true, v, sizeof(v));
			fixbuf_addf(&o, "%s%s", i ? "," : "", v);
		}
		return;
	}
	fixbuf_addf(&o, "{ ");
	for (size_t i = 0; i < c->nval; i++) {
		value_format(fi->vt, &c->val[i], true, v, sizeof(v));
		fixbuf_addf(&o, "%s%s", i ? ", " : "", v);
	}
	fixbuf_addf(&o, " }");
}

void match_format(const struct match_list *m, char *buf, size_t size)
{
	struct fixbuf o = { buf, size, 0 };
	char tmp[1024];

	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		if (m->cond[i].implied)
			continue;
		match_cond_format(&m->cond[i], tmp, sizeof(tmp));
		fixbuf_addf(&o, "%s%s", o.len ? " " : "", tmp);
	}
}
