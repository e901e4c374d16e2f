// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Expressions and matches of the tracer: what the kernel's expression
 * would load into its register for this packet, and whether a match holds.
 * Values that do not exist for the packet (no transport header, no
 * conntrack entry) give EV_BREAK, as the kernel's NFT_BREAK; values the
 * tracer cannot know give EV_FREE with the reason in tc->why, and the rule
 * does not match (the caller records the assumption).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/construct.h"
#include "analyze/trace_int.h"
#include "core/rtnl.h"

/* ---- values ---------------------------------------------------------------- */

static uint64_t mask_bits(unsigned bits)
{
	return !bits || bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

void ev_from_num(struct ev *v, unsigned bits, uint64_t num)
{
	memset(v, 0, sizeof(*v));
	v->bits = bits;
	v->num = num & mask_bits(bits);
}

void ev_from_name(struct ev *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->bits = 128;
	v->wide = v->name = true;
	strncpy((char *)v->b, name ? name : "", sizeof(v->b));
}

static bool const_is_wide(const struct rs_value *c)
{
	return c->dtype == RS_DT_IPV6 || c->dtype == RS_DT_IFNAME || c->dtype == RS_DT_IFINDEX ||
	       c->dtype == RS_DT_STRING || c->bits > 64;
}

static void const_name(struct ev *out, const struct rs_value *c)
{
	char name[17] = "";
	size_t len;

	if (c->str)
		snprintf(name, sizeof(name), "%s", c->str);
	else
		memcpy(name, c->b, 16);
	len = strlen(name);
	if (len && (c->wildcard || name[len - 1] == '*')) {
		out->wild = true;
		if (name[len - 1] == '*')
			name[len - 1] = '\0';
	}
	ev_from_name(out, name);
	out->wild = c->wildcard || out->wild;
}

/* A constant of the model, in the representation of like (NULL: its own). */
void ev_const(struct ev *out, const struct rs_value *c, const struct ev *like)
{
	bool wide = like ? like->wide : const_is_wide(c);

	memset(out, 0, sizeof(*out));
	if (like && like->name) {
		const_name(out, c);
		return;
	}
	out->bits = like ? like->bits : c->bits;
	if (!wide) {
		out->num = c->num & mask_bits(out->bits);
		return;
	}
	out->wide = true;
	if (const_is_wide(c) || c->dtype == RS_DT_IPV4 || c->dtype == RS_DT_ETHER) {
		memcpy(out->b, c->b, sizeof(out->b));
		return;
	}
	/* a number against a wide value: right-aligned in its bytes */
	for (unsigned i = 0, n = out->bits / 8; i < 8 && i < n && n <= 16; i++)
		out->b[n - 1 - i] = (uint8_t)(c->num >> (8 * i));
}

static int ev_cmp(const struct ev *a, const struct ev *b)
{
	int d;

	if (a->wide || b->wide) {
		d = memcmp(a->b, b->b, sizeof(a->b));
		return d < 0 ? -1 : d > 0;
	}
	return a->num < b->num ? -1 : a->num > b->num;
}

static bool ev_eq(const struct ev *v, const struct ev *c)
{
	if (c->wild) {
		size_t n = strnlen((const char *)c->b, sizeof(c->b));

		return memcmp(v->b, c->b, n) == 0;
	}
	return ev_cmp(v, c) == 0;
}

static bool ev_prefix(const struct ev *v, const struct ev *c, unsigned plen)
{
	if (v->wide) {
		for (unsigned i = 0; i < plen && i < 128; i++) {
			unsigned m = 1u << (7 - i % 8);

			if ((v->b[i / 8] & m) != (c->b[i / 8] & m))
				return false;
		}
		return true;
	}
	unsigned width = v->bits && v->bits <= 64 ? v->bits : 64;
	uint64_t m;

	if (plen >= width)
		return v->num == c->num;
	if (!plen)
		return true;
	m = (mask_bits(plen) << (width - plen)) & mask_bits(width);
	return (v->num & m) == (c->num & m);
}

/* ---- formatting values ------------------------------------------------------------ */

static bool is_field(const struct rs_expr *x, enum rs_field f)
{
	return x && x->kind == RS_EX_PAYLOAD && x->key == (int)f;
}

static bool is_meta(const struct rs_expr *x, enum rs_meta_key k)
{
	return x && x->kind == RS_EX_META && x->key == (int)k;
}

static bool fmt_named(const struct rs_expr *x, const struct ev *v, char *buf, size_t size)
{
	const char *name = NULL;

	if (is_meta(x, RS_META_L4PROTO) || is_field(x, RS_F_IP_PROTOCOL) ||
	    is_field(x, RS_F_IP6_NEXTHDR) || (x && x->kind == RS_EX_CT && x->key == RS_CT_PROTOCOL))
		name = match_l4proto_name((unsigned)v->num);
	else if (is_meta(x, RS_META_NFPROTO))
		name = v->num == RS_NFPROTO_IPV4 ? "ipv4" : v->num == RS_NFPROTO_IPV6 ? "ipv6" : NULL;
	else if (x && x->kind == RS_EX_CT && x->key == RS_CT_STATE)
		name = match_ct_state_name((unsigned)v->num);
	else if (is_field(x, RS_F_ICMP_TYPE) || is_field(x, RS_F_ICMPV6_TYPE))
		name = match_icmp_type_name((unsigned)v->num, is_field(x, RS_F_ICMPV6_TYPE));
	if (is_field(x, RS_F_TCP_FLAGS)) {
		match_tcp_flags_format((unsigned)v->num, ",", buf, size);
		return true;
	}
	if (!name)
		return false;
	snprintf(buf, size, "%s", name);
	return true;
}

static void fmt_one(const struct rs_expr *x, const struct ev *v, char *buf, size_t size)
{
	enum rs_dtype dt = x ? x->dtype : RS_DT_UNKNOWN;

	if (dt == RS_DT_BOOL) {
		snprintf(buf, size, "%s", v->num ? "present" : "missing");
	} else if (v->name) {
		if (!v->b[0])
			snprintf(buf, size, "(none)");
		else
			snprintf(buf, size, "\"%.16s\"", (const char *)v->b);
	} else if (dt == RS_DT_IPV4 && !v->wide) {
		uint8_t a[4] = { (uint8_t)(v->num >> 24), (uint8_t)(v->num >> 16),
				 (uint8_t)(v->num >> 8), (uint8_t)v->num };

		inet_ntop(AF_INET, a, buf, (socklen_t)size);
	} else if (dt == RS_DT_IPV6 && v->wide) {
		inet_ntop(AF_INET6, v->b, buf, (socklen_t)size);
	} else if (fmt_named(x, v, buf, size)) {
		return;
	} else if (is_meta(x, RS_META_MARK) || (x && x->kind == RS_EX_CT && x->key == RS_CT_MARK) ||
		   is_field(x, RS_F_IP_FRAG_OFF) || (x && x->kind == RS_EX_BINOP)) {
		snprintf(buf, size, "0x%llx", (unsigned long long)v->num);
	} else if (v->wide) {
		snprintf(buf, size, "0x");
		for (size_t i = 0, n = strlen(buf); i < 16 && n + 3 < size; i++, n += 2)
			snprintf(buf + n, size - n, "%02x", v->b[i]);
	} else {
		snprintf(buf, size, "%llu", (unsigned long long)v->num);
	}
}

/* The value of x (parts for a concatenation) as words: "8.8.8.8 . 22". */
void ev_format(const struct rs_expr *x, const struct ev *v, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < size; i++) {
		const struct rs_expr *px = x && x->kind == RS_EX_CONCAT && i < x->nsub ? x->sub[i] :
					   x;
		char one[96];

		fmt_one(n > 1 ? px : x, &v[i], one, sizeof(one));
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " . " : "", one);
	}
}

/* ---- payload --------------------------------------------------------------- */

static bool hook_has_iif(const struct tctx *tc);

/* The type of what the Ethernet header carries (inside a VLAN tag, if any). */
static unsigned inner_ethertype(const struct packet *p)
{
	return packet_is_arp(p) ? 0x0806 : p->nfproto == MATCH_NFPROTO_IPV6 ? 0x86dd : 0x0800;
}

/* A frame with an 802.1Q tag (the word vlan id), in the bridge's hooks. */
static bool vlan_tagged(const struct tctx *tc)
{
	return tc->bridge_layer && (tc->p.known & PF_BIT(PF_VLAN_ID));
}

/*
 * A field of the 802.1Q header (TCI, then the inner type), from the word
 * vlan id; pcp and dei are not words: 0, said when a read touches them.
 */
static int vlan_read(struct tctx *tc, const struct rs_field_info *fi, struct ev *v)
{
	uint32_t hdr = (uint32_t)tc->p.vlan_id << 16 | inner_ethertype(&tc->p);

	if (fi->offset + fi->bits > 32) {
		snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of the link layer");
		return EV_FREE;
	}
	ev_from_num(v, fi->bits, (hdr >> (32 - fi->offset - fi->bits)) & ((1u << fi->bits) - 1));
	if (fi->offset < 4)
		tc_assume(tc, "vlan %s taken as 0 (the packet words give the vlan id only)",
			  fi->name);
	return EV_OK;
}

bool ev_link_header_absent(struct tctx *tc)
{
	/* a frame in bridge hooks (or br_netfilter's) and an ARP packet keep their own rules */
	if (tc->bridge_layer || tc->brnf_ip || packet_is_arp(&tc->p) ||
	    !cx_no_link_header(tc->hook, tc->r->path == PACKET_OUTPUT))
		return false;
	snprintf(tc->why, sizeof(tc->why), "a packet this host sends has no link-layer header "
		 "before neighbour output (the kernel ends the rule)");
	return true;
}

/*
 * A read of a received packet's link-layer header from a device without a
 * link layer (ARPHRD_NONE: tun, wg) ends the rule: nft_payload_eval checks
 * the MAC header's length, which is 0 there. Only --live knows the device.
 */
static bool link_header_empty(struct tctx *tc)
{
	unsigned type = 0;
	struct xerr e;

	xerr_clear(&e);
	if (!tc->o->live_routes || tc->bridge_layer || packet_is_arp(&tc->p) || !tc->p.iif[0] ||
	    !hook_has_iif(tc) || rtnl_link_type(tc->p.iif, &type, &e) || type != 65534)
		return false;
	snprintf(tc->why, sizeof(tc->why), "%s has no link-layer header (a device without a "
		 "link layer: the kernel ends the read)", tc->p.iif);
	return true;
}

/*
 * The Ethernet header of a packet received on lo: loopback_xmit ran
 * eth_type_trans on the header neighbour output built, lo's addresses all
 * zeros, then the packet's type; what a rule wrote since is read back.
 */
static bool lo_link_read(struct tctx *tc, unsigned off, unsigned bits, struct ev *v)
{
	unsigned type = inner_ethertype(&tc->p);

	if (tc->bridge_layer || strcmp(tc->p.iif, "lo") || !hook_has_iif(tc) || !bits ||
	    bits > 64 || off + bits > 14 * 8)
		return false;
	memset(v, 0, sizeof(*v));
	for (unsigned i = off; i < off + bits; i++) {
		unsigned bit = i >= 96 ? (type >> (111 - i)) & 1 : 0;

		if (tc->lhk[i / 8] >> (7 - i % 8) & 1)
			bit = tc->lh[i / 8] >> (7 - i % 8) & 1;
		v->num = v->num << 1 | bit;
	}
	v->bits = bits;
	return true;
}

static int payload_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	const struct rs_field_info *fi = rs_field_info((enum rs_field)x->key);
	bool transport, unknown = false;
	unsigned off, bits;
	int rc;

	if (cx_expr_link_layer(x) && (ev_link_header_absent(tc) || link_header_empty(tc)))
		return EV_BREAK;
	if (cx_expr_link_layer(x) && !(fi && fi->proto == RS_PROTO_VLAN) &&
	    lo_link_read(tc, fi ? fi->offset : x->offset, fi ? fi->bits : x->len, v))
		return EV_OK;
	if (x->key == RS_F_RAW) {
		if (x->base != 1 && x->base != 2) {
			snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of the %s header",
				 x->base ? "inner" : "link-layer");
			return EV_FREE;
		}
		transport = x->base == 2;
		off = x->offset;
		bits = x->len;
	} else if (x->key == RS_F_ETHER_TYPE &&
		   (tc->bridge_layer || hook_has_iif(tc) || tc->hook == RS_HOOK_EGRESS)) {
		/* an Ethernet frame carrying the packet (ip/ip6/inet: behind meta iiftype ether;
		 * at egress the device's header is built); nft_payload puts a VLAN tag the
		 * device took off back in front */
		ev_from_num(v, 16, vlan_tagged(tc) ? 0x8100 : inner_ethertype(&tc->p));
		return EV_OK;
	} else if (fi && fi->proto == RS_PROTO_VLAN && vlan_tagged(tc)) {
		return vlan_read(tc, fi, v);
	} else if (fi && fi->proto == RS_PROTO_ETHER && link_read(tc, fi->offset, fi->bits, v)) {
		return EV_OK;   /* a rule wrote it (ether saddr set ...) */
	} else if (fi && fi->proto == RS_PROTO_ARP && packet_is_arp(&tc->p)) {
		transport = false;   /* the ARP header is an ARP packet's network header */
		off = fi->offset;
		bits = fi->bits;
	} else if (!fi || fi->proto == RS_PROTO_ETHER || fi->proto == RS_PROTO_VLAN ||
		   fi->proto == RS_PROTO_ARP) {
		snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of the link layer");
		return EV_FREE;
	} else {
		transport = fi->proto != RS_PROTO_IP && fi->proto != RS_PROTO_IP6;
		off = fi->offset;
		bits = fi->bits;
	}
	rc = hdr_read(tc, transport, off, bits, v, &unknown);
	if (rc == EV_OK && unknown) {
		char *name = rs_expr_format(x);
		char val[96];

		fmt_one(x, v, val, sizeof(val));
		tc_assume(tc, "%s taken as %s (the packet words cannot give it)",
			  name ? name : "a header field", val);
		free(name);
	}
	return rc;
}

/* ---- meta ---------------------------------------------------------------------- */

/*
 * The kernel's input device at a hook: none at output and egress; at
 * postrouting the device a forwarded packet came in on (ip_output passes
 * skb->dev), none for the host's own packets.
 */
static bool hook_has_iif(const struct tctx *tc)
{
	/* br_forward.c: bridge postrouting and output run with no input device */
	if (tc->bridge_layer)
		return tc->hook != RS_HOOK_OUTPUT && tc->hook != RS_HOOK_POSTROUTING &&
		       tc->hook != RS_HOOK_EGRESS;
	if (tc->hook == RS_HOOK_POSTROUTING)
		return tc->r->path == PACKET_FORWARD;
	return tc->hook != RS_HOOK_OUTPUT && tc->hook != RS_HOOK_EGRESS;
}

static bool hook_has_oif(enum rs_hook h)
{
	return h == RS_HOOK_FORWARD || h == RS_HOOK_OUTPUT || h == RS_HOOK_POSTROUTING ||
	       h == RS_HOOK_EGRESS;
}

static unsigned pkttype_of(const struct packet *p)
{
	const uint8_t *d = p->daddr.addr;

	if (p->nfproto == MATCH_NFPROTO_IPV6)
		return d[0] == 0xff ? 2 : 0;
	if (d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255)
		return 1;
	return (d[0] & 0xf0) == 0xe0 ? 2 : 0;
}

/*
 * meta pkttype of an ARP packet or a bridged frame (skb->pkt_type from
 * eth_type_trans, kept by the bridge): the link-layer destination, which the
 * packet words do not give, is what such a packet usually has, said on the
 * rule. A frame the host sends is PACKET_HOST (0).
 */
static int pkttype_link(struct tctx *tc, struct ev *v)
{
	const struct packet *p = &tc->p;
	bool bridged = p->ibr[0] && p->obr[0];

	if (tc->r->path == PACKET_OUTPUT) {
		ev_from_num(v, 8, 0);
		return EV_OK;
	}
	if (packet_is_arp(p) && p->arp_op == 1) {
		ev_from_num(v, 8, 1);
		tc_assume(tc, "meta pkttype taken as broadcast (an ARP request is broadcast)");
	} else if (bridged && !packet_is_arp(p) && pkttype_of(p)) {
		/* a broadcast or multicast IP destination has such a MAC address too */
		ev_from_num(v, 8, pkttype_of(p));
	} else if (bridged) {
		ev_from_num(v, 8, 3);
		tc_assume(tc, "meta pkttype taken as other (a frame bridged to another host's "
			  "MAC address)");
	} else {
		ev_from_num(v, 8, 0);
		tc_assume(tc, "meta pkttype taken as host (%s sent to this host's MAC address)",
			  packet_is_arp(p) ? "an ARP reply" : "a frame");
	}
	return EV_OK;
}

/* An ARP frame this host sends, at the arp family's output hook. */
static bool arp_sent_frame(const struct tctx *tc)
{
	return packet_is_arp(&tc->p) && tc->r->path == PACKET_OUTPUT && !tc->bridge_layer;
}

/*
 * When the packet arrives: the word `meta time` when given (*given true),
 * else now. -1 when the clock cannot be read.
 */
static int arrival(const struct tctx *tc, struct timespec *ts, bool *given)
{
	*given = tc->p.known & PF_BIT(PF_TIME);
	if (*given) {
		ts->tv_sec = (time_t)tc->p.time;
		ts->tv_nsec = 0;
		return 0;
	}
	return clock_gettime(CLOCK_REALTIME, ts);
}

/*
 * meta day, time and hour at the packet's arrival (nft_meta): the day of the
 * week from the kernel's clock (0 = Sunday; 1970-01-01 was a Thursday; the
 * kernel's time zone taken as UTC, as it is unless something set it); the
 * time in nanoseconds since the epoch (nft writes dates in local time and
 * converts); the hour as nft lists it, local "HH:MM[:SS]", compared as text.
 */
static int meta_when(struct tctx *tc, enum rs_meta_key k, struct ev *v)
{
	static const char *const days[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					    "Thursday", "Friday", "Saturday" };
	struct timespec ts;
	char when[64];
	struct tm tm;
	bool given;

	if (arrival(tc, &ts, &given) || !localtime_r(&ts.tv_sec, &tm)) {
		snprintf(tc->why, sizeof(tc->why), "the time is unknown");
		return EV_FREE;
	}
	if (k == RS_META_DAY) {
		unsigned d = (unsigned)((4 + ts.tv_sec / 86400) % 7);

		ev_from_num(v, 8, d);
		tc_assume(tc, "meta day taken as %s, %s (the kernel counts days in UTC)",
			  given ? "that of the packet's meta time" : "today", days[d]);
		return EV_OK;
	}
	if (k == RS_META_HOUR) {
		strftime(when, sizeof(when), tm.tm_sec ? "%H:%M:%S" : "%H:%M", &tm);
		ev_from_name(v, when);
	} else {
		ev_from_num(v, 64, (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	}
	if (!given)   /* the word gives it exactly */
		tc_assume(tc, "meta %s taken as now, %s local time (the word meta time gives "
			  "another)", k == RS_META_HOUR ? "hour" : "time", when);
	return EV_OK;
}

/*
 * Whether the packet has a route (skb_dst) at this hook, else why not: an ARP
 * packet is never routed; in bridge hooks only the host's own packets,
 * routed before bridge output, have one (a bridged frame has none, a frame
 * for the host gets one after bridge input).
 */
static bool has_route(struct tctx *tc)
{
	if (packet_is_arp(&tc->p)) {
		snprintf(tc->why, sizeof(tc->why), "an ARP packet has no route");
		return false;
	}
	if (tc->bridge_layer && tc->r->path != PACKET_OUTPUT) {
		snprintf(tc->why, sizeof(tc->why), "a frame in bridge hooks has no route yet");
		return false;
	}
	return true;
}

/*
 * meta rtclassid (nft_meta: the route's realm, dst->tclassid): no route
 * before the routing decision ends the rule, like rt classid; after it a
 * plain route has no realm.
 */
static int meta_rtclassid(struct tctx *tc, struct ev *v)
{
	if (tc->hook == RS_HOOK_PREROUTING || tc->hook == RS_HOOK_INGRESS) {
		snprintf(tc->why, sizeof(tc->why), "no route yet at this hook");
		return EV_BREAK;
	}
	if (!has_route(tc))
		return EV_BREAK;
	ev_from_num(v, 32, 0);
	tc_assume(tc, "meta rtclassid taken as 0: no realm (a plain route)");
	return EV_OK;
}

/* Keys with a fixed default: "meta nftrace taken as 0". */
static int meta_default(struct tctx *tc, enum rs_meta_key k, struct ev *v)
{
	unsigned bits;
	enum rs_dtype dt;

	rs_meta_type(k, &dt, &bits);
	switch (k) {
	case RS_META_PRIORITY:
		ev_from_num(v, bits, tc->priority);
		if (!tc->priority_set)   /* else a rule before this one wrote it */
			tc_assume(tc, "meta priority taken as 0 (the packet words cannot give it)");
		return EV_OK;
	case RS_META_RTCLASSID:
		return meta_rtclassid(tc, v);
	case RS_META_NFTRACE: case RS_META_IIFGROUP:
	case RS_META_OIFGROUP: case RS_META_SECPATH: case RS_META_IPSEC:
		ev_from_num(v, bits, 0);
		tc_assume(tc, "meta %s taken as 0 (the packet words cannot give it)",
			  rs_meta_name(k));
		return EV_OK;
	case RS_META_DAY: case RS_META_TIME: case RS_META_HOUR:
		return meta_when(tc, k, v);
	case RS_META_CPU:
		snprintf(tc->why, sizeof(tc->why), "the cpu is not known (packet word: meta cpu N)");
		return EV_FREE;
	case RS_META_RANDOM:
		/* any 32-bit value is as likely: one is taken, and said */
		ev_from_num(v, bits, 0);
		tc_assume(tc, "meta random taken as 0 (a random number: any other is as likely)");
		return EV_OK;
	case RS_META_SDIF: case RS_META_SDIFNAME:
		/* no VRF (l3mdev) on the path: index 0 and the empty name */
		if (k == RS_META_SDIF)
			ev_from_num(v, bits, 0);
		else
			ev_from_name(v, "");
		tc_assume(tc, "meta %s taken as %s (the packet came through no VRF device)",
			  rs_meta_name(k), k == RS_META_SDIF ? "0" : "empty");
		return EV_OK;
	default:
		snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of meta %s",
			 rs_meta_name(k));
		return EV_FREE;
	}
}

/*
 * The type of the interface at this hook (none: the rule ends); "" is an
 * interface no rule names, which exists: taken as ether, like every one but lo.
 */
static int meta_iftype(struct tctx *tc, bool present, const char *ifname, struct ev *v)
{
	if (!present) {
		snprintf(tc->why, sizeof(tc->why), "no such interface at this hook");
		return EV_BREAK;
	}
	ev_from_num(v, 16, strcmp(ifname, "lo") ? 1 : 772);
	if (strcmp(ifname, "lo"))
		tc_assume(tc, "interface type of %s taken as ether",
			  ifname[0] ? ifname : "any other interface");
	return EV_OK;
}

/*
 * meta iifkind/oifkind (nft_meta: the device's rtnl_link_ops kind): no device
 * at this hook, or one with no kind (a physical NIC, lo), ends the rule. A
 * live ruleset's device is asked; otherwise the words cannot say.
 */
static int meta_ifkind(struct tctx *tc, bool present, const char *ifname, struct ev *v)
{
	char kind[IFNAME_MAXLEN + 1];
	struct xerr e;

	if (!present) {
		snprintf(tc->why, sizeof(tc->why), "no such interface at this hook");
		return EV_BREAK;
	}
	xerr_clear(&e);
	if (!tc->o->live_routes || !ifname[0] || rtnl_link_kind(ifname, kind, sizeof(kind), &e)) {
		snprintf(tc->why, sizeof(tc->why), "the kind of %s is not known (--live asks the "
			 "device)", ifname[0] ? ifname : "the interface");
		return EV_FREE;
	}
	if (!kind[0]) {
		snprintf(tc->why, sizeof(tc->why), "%s has no link kind (a physical device or lo)",
			 ifname);
		return EV_BREAK;
	}
	ev_from_name(v, kind);
	return EV_OK;
}

static int meta_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	const struct packet *p = &tc->p;
	const char *iif = hook_has_iif(tc) ? p->iif : "";
	const char *oif = hook_has_oif(tc->hook) ? p->oif : "";

	switch (x->key) {
	case RS_META_IIF: case RS_META_IIFNAME: ev_from_name(v, iif); return EV_OK;
	case RS_META_OIF: case RS_META_OIFNAME: ev_from_name(v, oif); return EV_OK;
	case RS_META_NFPROTO:   /* nft_pf(): a bridge hook is NFPROTO_BRIDGE's */
		ev_from_num(v, 8, tc->bridge_layer ? 7 : p->nfproto);
		return EV_OK;
	case RS_META_IBRNAME: case RS_META_IBRIDGENAME:
		/* nft_meta_get_bridge(): the bridge of a port, "" for any other device */
		ev_from_name(v, tc->bridge_layer && iif[0] ? p->ibr : "");
		return EV_OK;
	case RS_META_OBRNAME: case RS_META_OBRIDGENAME:
		ev_from_name(v, tc->bridge_layer && oif[0] ? p->obr : "");
		return EV_OK;
	case RS_META_L4PROTO:
		/* nft_meta: no transport protocol found (NFT_PKTINFO_L4PROTO) ends the rule */
		if (packet_is_arp(p)) {
			snprintf(tc->why, sizeof(tc->why), "an ARP packet has no transport protocol");
			return EV_BREAK;
		}
		ev_from_num(v, 8, p->l4proto);
		return EV_OK;
	case RS_META_PROTOCOL:
		ev_from_num(v, 16, packet_is_arp(p) ? 0x0806 :
			    p->nfproto == MATCH_NFPROTO_IPV6 ? 0x86dd : 0x0800);
		return EV_OK;
	case RS_META_MARK: ev_from_num(v, 32, p->mark); return EV_OK;
	case RS_META_LENGTH:
		/* arp_create() puts the Ethernet header in front before the arp
		 * output hook: the host's own ARP frame counts it (14 bytes) */
		ev_from_num(v, 32, p->length + (arp_sent_frame(tc) ? 14 : 0));
		return EV_OK;
	case RS_META_PKTTYPE:
		if (p->known & PF_BIT(PF_PKTTYPE)) {   /* the word meta pkttype */
			ev_from_num(v, 8, p->pkttype);
			return EV_OK;
		}
		if (packet_is_arp(p) || (p->ibr[0] && p->obr[0]))
			return pkttype_link(tc, v);
		ev_from_num(v, 8, pkttype_of(p));
		return EV_OK;
	case RS_META_CPU:
		if (!(p->known & PF_BIT(PF_CPU)))
			return meta_default(tc, RS_META_CPU, v);
		ev_from_num(v, 32, p->cpu);
		return EV_OK;
	case RS_META_IIFTYPE: return meta_iftype(tc, hook_has_iif(tc), iif, v);
	case RS_META_IIFGROUP: case RS_META_OIFGROUP:
		/* nft_meta_store_ifgroup: no device at this hook ends the rule */
		if (!(x->key == RS_META_IIFGROUP ? hook_has_iif(tc) : hook_has_oif(tc->hook))) {
			snprintf(tc->why, sizeof(tc->why), "no such interface at this hook");
			return EV_BREAK;
		}
		return meta_default(tc, (enum rs_meta_key)x->key, v);
	case RS_META_OIFTYPE: return meta_iftype(tc, hook_has_oif(tc->hook), oif, v);
	case RS_META_IIFKIND: return meta_ifkind(tc, hook_has_iif(tc), iif, v);
	case RS_META_OIFKIND: return meta_ifkind(tc, hook_has_oif(tc->hook), oif, v);
	default: return meta_default(tc, (enum rs_meta_key)x->key, v);
	}
}

/* ---- conntrack ----------------------------------------------------------------- */

unsigned ev_ct_state(const struct tctx *tc)
{
	if (tc->untracked)
		return RS_CTSTATE_UNTRACKED;
	if (tc->before_ct)
		return RS_CTSTATE_INVALID;
	return tc->p.ct_state;
}

static void ct_addr(struct ev *v, const struct prefix *a, bool v6)
{
	if (!v6) {
		ev_from_num(v, 32, (uint64_t)a->addr[0] << 24 | (uint64_t)a->addr[1] << 16 |
			    (uint64_t)a->addr[2] << 8 | a->addr[3]);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->bits = 128;
	v->wide = true;
	memcpy(v->b, a->addr, 16);
}

static int ct_tuple(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	const struct packet *p = &tc->p;
	bool reply = x->dir == RS_CT_DIR_REPLY;
	bool v6 = p->nfproto == MATCH_NFPROTO_IPV6;
	bool src;

	switch (x->key) {
	case RS_CT_IP_SADDR: case RS_CT_IP6_SADDR: case RS_CT_SADDR: src = true; break;
	case RS_CT_IP_DADDR: case RS_CT_IP6_DADDR: case RS_CT_DADDR: src = false; break;
	case RS_CT_PROTO_SRC:
		ev_from_num(v, 16, reply ? p->dport : p->sport);
		return EV_OK;
	default:
		ev_from_num(v, 16, reply ? p->sport : p->dport);
		return EV_OK;
	}
	if ((x->key == RS_CT_IP_SADDR || x->key == RS_CT_IP_DADDR) == v6) {
		snprintf(tc->why, sizeof(tc->why), "the connection is not of that family");
		return EV_BREAK;
	}
	ct_addr(v, src != reply ? &p->saddr : &p->daddr, v6);
	return EV_OK;
}

/*
 * ct keys a plain entry fixes (nft_ct_get_eval): zone 0 and no label or
 * secmark unless a rule set them; no helper (nfct_help is NULL: NFT_BREAK);
 * the counters (nft turns conntrack accounting on for them) of a new
 * connection's first packet: 1 packet of the packet's length, said so.
 * Expiration and id: trace_ctvals.c.
 */
static int ct_read_more(struct tctx *tc, const struct rs_expr *x, struct ev *v, bool known)
{
	const char *name = rs_ct_name((enum rs_ct_key)x->key);
	bool reply = x->dir == RS_CT_DIR_REPLY;

	switch (x->key) {
	case RS_CT_ZONE: case RS_CT_LABEL: case RS_CT_SECMARK:
		ev_from_num(v, x->key == RS_CT_ZONE ? 16 : x->key == RS_CT_LABEL ? 128 : 32, 0);
		tc_assume(tc, "ct %s taken as 0 (none set on the connection)", name);
		return EV_OK;
	case RS_CT_HELPER:
		tc_assume(tc, "ct helper: the connection has no helper (none assigned)");
		snprintf(tc->why, sizeof(tc->why), "ct helper has no value: no helper assigned");
		return EV_BREAK;
	case RS_CT_PACKETS: case RS_CT_BYTES: case RS_CT_AVGPKT:
		if (!known)
			break;
		ev_from_num(v, 64, reply ? 0 : x->key == RS_CT_PACKETS ? 1 : tc->p.length);
		tc_assume(tc, "ct %s taken as %u (the connection's first packet, %u bytes)", name,
			  reply ? 0 : x->key == RS_CT_PACKETS ? 1 : tc->p.length, tc->p.length);
		return EV_OK;
	case RS_CT_EXPIRATION:
		return ev_ct_expiration(tc, v, known);
	default:
		break;
	}
	snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of ct %s", name);
	return EV_FREE;
}

static int ct_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	unsigned st = ev_ct_state(tc);
	bool known = st == RS_CTSTATE_NEW;

	if (x->key == RS_CT_STATE) {
		ev_from_num(v, 32, st);
		return EV_OK;
	}
	if (st == RS_CTSTATE_INVALID || st == RS_CTSTATE_UNTRACKED) {
		snprintf(tc->why, sizeof(tc->why), "no conntrack entry (ct state %s)",
			 match_ct_state_name(st));
		return EV_BREAK;
	}
	switch (x->key) {
	case RS_CT_DIRECTION: case RS_CT_STATUS: case RS_CT_MARK:
		ev_from_num(v, x->key == RS_CT_DIRECTION ? 8 : 32,
			    x->key == RS_CT_MARK ? tc->ct_mark :
			    x->key == RS_CT_STATUS ? natpath_ct_status(tc->nat_changed) : 0);
		if (!known && !(x->key == RS_CT_MARK && tc->ct_mark_set))
			tc_assume(tc, "ct %s taken as %s (a new connection's value)",
				  rs_ct_name((enum rs_ct_key)x->key),
				  x->key == RS_CT_DIRECTION ? "original" : "0");
		return EV_OK;
	case RS_CT_L3PROTO: ev_from_num(v, 8, tc->p.nfproto); return EV_OK;
	case RS_CT_PROTOCOL: ev_from_num(v, 8, tc->p.l4proto); return EV_OK;
	case RS_CT_SADDR: case RS_CT_DADDR: case RS_CT_IP_SADDR: case RS_CT_IP_DADDR:
	case RS_CT_IP6_SADDR: case RS_CT_IP6_DADDR: case RS_CT_PROTO_SRC: case RS_CT_PROTO_DST:
		if (!known)
			tc_assume(tc, "the connection was opened in the packet's direction");
		return ct_tuple(tc, x, v);
	default:
		return ct_read_more(tc, x, v, known);
	}
}

/* ---- headers beyond the basic ones, fib, and the rest --------------------------------- */

/*
 * nft_exthdr's sctp chunk on an SCTP packet: the packet has one chunk
 * (packet.h), whose type, flags (0) and length are known; the rest of its
 * body the words do not give. A chunk of another type is not there.
 */
static int sctp_chunk_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	const char *have = match_sctp_chunk_name(tc->p.l4type);
	bool present = have && x->name && !strcmp(x->name, have);
	bool unknown;   /* type, flags and length are all known (trace_pkt.c) */

	if (!x->field) {
		ev_from_num(v, 1, present);
		return EV_OK;
	}
	if (!present) {
		snprintf(tc->why, sizeof(tc->why), "the packet's chunk is %s, not %s",
			 have ? have : "of another type", x->name ? x->name : "that one");
		return EV_BREAK;
	}
	if (!strcmp(x->field, "type") || !strcmp(x->field, "flags"))
		return hdr_read(tc, true, !strcmp(x->field, "type") ? 96 : 104, 8, v, &unknown);
	if (!strcmp(x->field, "length"))
		return hdr_read(tc, true, 112, 16, v, &unknown);
	snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of the %s chunk's %s",
		 have, x->field);
	return EV_FREE;
}

/* The IPv6 next-header number of an exthdr name nft lists ("srh" and "rt0" are routing headers). */
static int exthdr_proto(const char *name)
{
	static const struct { const char *name; int proto; } names[] = {
		{ "hbh", 0 }, { "rt", 43 }, { "rt0", 43 }, { "rt2", 43 }, { "rt4", 43 },
		{ "srh", 43 }, { "frag", 44 }, { "dst", 60 }, { "mh", 135 },
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, name))
			return names[i].proto;
	return -1;
}

/* Where a field lies in its header, in bits (nft's exthdr templates). */
static bool exthdr_field(const char *name, const char *field, unsigned *off, unsigned *bits)
{
	static const struct { const char *name, *field; unsigned off, bits; } fs[] = {
		{ "*", "nexthdr", 0, 8 }, { "*", "hdrlength", 8, 8 },
		{ "rt", "type", 16, 8 }, { "rt", "seg-left", 24, 8 },
		{ "srh", "type", 16, 8 }, { "srh", "seg-left", 24, 8 },
		{ "srh", "last-entry", 32, 8 }, { "srh", "flags", 40, 8 }, { "srh", "tag", 48, 16 },
		{ "srh", "sid[1]", 64, 128 }, { "rt0", "addr[1]", 64, 128 }, { "rt2", "addr", 64, 128 },
		{ "frag", "reserved", 8, 8 }, { "frag", "frag-off", 16, 13 },
		{ "frag", "reserved2", 29, 2 }, { "frag", "more-fragments", 31, 1 },
		{ "frag", "id", 32, 32 },
		{ "mh", "type", 16, 8 }, { "mh", "reserved", 24, 8 }, { "mh", "checksum", 32, 16 },
	};

	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if ((!strcmp(fs[i].name, "*") || !strcmp(fs[i].name, name)) &&
		    !strcmp(fs[i].field, field)) {
			*off = fs[i].off;
			*bits = fs[i].bits;
			return true;
		}
	return false;
}

/*
 * nft_exthdr over IPv6: ipv6_find_hdr() walks the chain from the IPv6
 * header (never past a non-first fragment's header); a header it does not
 * find is false for `exists` and ends the rule for a field (NFT_BREAK).
 */
static int ipv6_exthdr_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	int proto = exthdr_proto(x->name), at = -1;
	unsigned off, bits;
	bool unknown = false;
	int rc;

	if (proto >= 0)
		at = hdr_exthdr_at(tc, (unsigned)proto);
	if (!x->field) {
		ev_from_num(v, 1, at != -1);
		return EV_OK;
	}
	if (at == -1) {
		snprintf(tc->why, sizeof(tc->why), "the packet has no %s header",
			 x->name ? x->name : "such");
		return EV_BREAK;
	}
	if (!exthdr_field(x->name, x->field, &off, &bits)) {
		snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of %s %s",
			 x->name, x->field);
		return EV_FREE;
	}
	if (at == HDR_AT_TRANSPORT)
		rc = hdr_read(tc, true, off, bits, v, &unknown);
	else
		rc = hdr_read(tc, false, (unsigned)at * 8 + off, bits, v, &unknown);
	if (rc == EV_OK && unknown)
		tc_assume(tc, "%s %s taken as %llu (the packet words cannot give it: frag id N)",
			  x->name, x->field, (unsigned long long)v->num);
	return rc;
}

static int ext_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;

	if (x->kind == RS_EX_SCTPCHUNK && tc->has_th && tc->p.l4proto == MATCH_PROTO_SCTP)
		return sctp_chunk_read(tc, x, v);
	bool present = x->kind == RS_EX_EXTHDR && v6 && tc->fragment && x->name &&
		       !strcmp(x->name, "frag");

	if (x->kind == RS_EX_EXTHDR && v6)
		return ipv6_exthdr_read(tc, x, v);
	if (x->kind == RS_EX_TCPOPT && tc->p.l4proto == 6 && tc->has_th)
		tc_assume(tc, "the tcp header carries no options");
	if (!x->field) {
		ev_from_num(v, 1, present);
		return EV_OK;
	}
	if (present) {
		snprintf(tc->why, sizeof(tc->why), "the packet words say nothing of the fragment "
			 "header's %s", x->field);
		return EV_FREE;
	}
	/* nft_exthdr: an option or header that is not there loads nothing (NFT_BREAK) */
	if (x->kind == RS_EX_TCPOPT)
		snprintf(tc->why, sizeof(tc->why), "the packet has no tcp option %s",
			 x->name ? x->name : "of that kind");
	else
		snprintf(tc->why, sizeof(tc->why), "the packet has no %s header",
			 x->name ? x->name : "such");
	return EV_BREAK;
}

static const char *fib_if(const struct tctx *tc, const struct rs_expr *x)
{
	if (x->flags & RS_FIB_SADDR)
		return tc->p.iif[0] ? tc->p.iif : "(the input interface)";
	if (tc->p.oif[0])
		return tc->p.oif;
	return tc->r->routed == PACKET_INPUT ? "lo" : "(the output interface)";
}

/* The route type of the address fib looks up; *known when the host's addresses decide it. */
static unsigned fib_type(const struct tctx *tc, const struct rs_expr *x, bool *known)
{
	bool saddr = x->flags & RS_FIB_SADDR;
	const struct prefix *a = saddr ? &tc->p.saddr : &tc->p.daddr;
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;
	enum natpath_where w;

	*known = true;
	if (v6 ? a->addr[0] == 0xff : (a->addr[0] & 0xf0) == 0xe0)
		return 5;   /* multicast */
	w = natpath_addr_where(tc->rs, v6, a->addr);
	*known = w != NATPATH_EITHER;
	/* addressed to this host: the path says so */
	if (!strcmp(tc->p.iif, "lo") || (!saddr && tc->r->routed == PACKET_INPUT) ||
	    (saddr && tc->r->path == PACKET_OUTPUT))
		return 2;   /* local */
	return w == NATPATH_LOCAL ? 2 : 1;   /* local or unicast */
}

/*
 * fib ... oif|oifname: a local route gives no output interface (nft_fib4 and
 * nft_fib6 store nothing for RTN_LOCAL / RTF_LOCAL: `oif missing` holds,
 * `exists` does not); another route its interface.
 */
static int fib_oif(struct tctx *tc, const struct rs_expr *x, const char *what, struct ev *v)
{
	bool known;

	if (fib_type(tc, x, &known) == 2) {
		ev_from_name(v, "");
		if (!known)
			tc_assume(tc, "fib %s taken as a local address: no output interface", what);
		return EV_OK;
	}
	ev_from_name(v, fib_if(tc, x));
	tc_assume(tc, "fib %s found a route, via %s", what, fib_if(tc, x));
	return EV_OK;
}

static int fib_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	static const char *const types[] = { "unspec", "unicast", "local", "broadcast",
					     "anycast", "multicast" };
	const char *what = x->flags & RS_FIB_SADDR ? "saddr" : "daddr";

	if (x->key == RS_FIB_R_TYPE) {
		bool known;
		unsigned t = fib_type(tc, x, &known);

		ev_from_num(v, 32, t);
		if (!known)
			tc_assume(tc, "fib %s type taken as %s (what the packet's path implies; "
				  "--live or --local-addr give the host's addresses)", what,
				  types[t]);
		return EV_OK;
	}
	return fib_oif(tc, x, what, v);
}

/*
 * rt ip|ip6 nexthop (rt_nexthop, rt6_nexthop): the route's gateway, or the
 * destination itself when it has none, as a local route never has; a packet
 * of the other family ends the rule (NFT_BREAK).
 */
static int rt_nexthop(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;
	char addr[64];

	if ((x->family == RS_FAM_IP6) != v6) {
		snprintf(tc->why, sizeof(tc->why), "rt %s nexthop on an %s packet",
			 v6 ? "ip" : "ip6", v6 ? "IPv6" : "IPv4");
		return EV_BREAK;
	}
	ct_addr(v, &tc->p.daddr, v6);
	if (tc->r->routed == PACKET_INPUT)
		return EV_OK;
	inet_ntop(v6 ? AF_INET6 : AF_INET, tc->p.daddr.addr, addr, sizeof(addr));
	tc_assume(tc, "rt nexthop taken as %s, the destination (a route with no gateway)", addr);
	return EV_OK;
}

/*
 * rt mtu (nft_rt's tcpmss key, get_tcpmss): the TCP MSS the route allows,
 * the smaller MTU of the route out and the route back to the source less
 * the IP and TCP headers (40 bytes for IPv4, 60 for IPv6); an MTU above
 * 65535 gives TCP's default, 536. The packet words name no MTU: a route
 * through lo has lo's (65535 for IPv4, 65536 for IPv6), any other the
 * Ethernet default 1500, said so on the rule. (The kernel loads `rt mtu`
 * only in forward, output and postrouting chains.)
 */
static int rt_mtu(struct tctx *tc, struct ev *v)
{
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;
	bool lo = !strcmp(tc->p.oif, "lo");
	unsigned mtu = lo ? (v6 ? 65536 : 65535) : 1500;
	unsigned mss = mtu > 0xffff ? 536 : mtu - (v6 ? 60 : 40);

	ev_from_num(v, 16, mss);
	tc_assume(tc, "rt mtu taken as %u: the TCP MSS of a route through %s (MTU %u; the "
		  "packet words give no route MTU)", mss, lo ? "lo" : "an Ethernet device", mtu);
	return EV_OK;
}

/*
 * rt (nft_rt): no route before the routing decision (prerouting, ingress):
 * the rule ends there. After it, a plain route has no realm (classid 0)
 * and no IPsec transform (rt ipsec missing); the mtu is rt_mtu's.
 */
static int rt_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	bool classid = x->name && !strcmp(x->name, "classid");

	if (tc->hook == RS_HOOK_PREROUTING || tc->hook == RS_HOOK_INGRESS) {
		snprintf(tc->why, sizeof(tc->why), "no route yet at this hook");
		return EV_BREAK;
	}
	if (classid || (x->name && !strcmp(x->name, "ipsec"))) {
		ev_from_num(v, classid ? 32 : 1, 0);
		tc_assume(tc, "rt %s taken as %s (a plain route)", x->name,
			  classid ? "0: no realm" : "missing: no IPsec transform");
		return EV_OK;
	}
	if (x->name && !strcmp(x->name, "nexthop"))
		return rt_nexthop(tc, x, v);
	if (x->name && !strcmp(x->name, "mtu"))
		return rt_mtu(tc, v);
	snprintf(tc->why, sizeof(tc->why), "the route's %s is unknown", x->name ? x->name : "value");
	return EV_FREE;
}

/*
 * ipsec in|out (nft_xfrm): a packet that came through no IPsec tunnel has no
 * secpath, and a plain route no transform: every key is NFT_BREAK, so the
 * rule ends whatever the comparison (also with !=).
 */
static int xfrm_read(struct tctx *tc, const struct rs_expr *x)
{
	bool in = x->field && !strcmp(x->field, "in");

	tc_assume(tc, "ipsec %s: the packet %s (a plain packet; the packet words cannot "
		  "describe IPsec)", in ? "in" : "out",
		  in ? "came through no IPsec tunnel" : "is routed with no IPsec transform");
	snprintf(tc->why, sizeof(tc->why), "ipsec %s has no value: %s", in ? "in" : "out",
		 in ? "no secpath" : "no IPsec transform on the route");
	return EV_BREAK;
}

/*
 * osf (nft_osf_eval): only an IPv4 TCP SYN that is not a fragment has a
 * value, the sender's OS by the fingerprints nfnl_osf loaded; any other
 * packet ends the rule. None is taken as loaded ("unknown"), said so.
 */
static int osf_read(struct tctx *tc, struct ev *v)
{
	if (tc->p.nfproto != MATCH_NFPROTO_IPV4 || tc->p.l4proto != 6 || !tc->has_th) {
		snprintf(tc->why, sizeof(tc->why), "osf reads only an IPv4 TCP packet");
		return EV_BREAK;
	}
	if (!(tc->p.tcp_flags & MATCH_TCP_SYN)) {
		snprintf(tc->why, sizeof(tc->why), "osf reads only a SYN");
		return EV_BREAK;
	}
	ev_from_name(v, "unknown");
	tc_assume(tc, "osf taken as \"unknown\": no OS fingerprints loaded (nfnl_osf)");
	return EV_OK;
}

static int opaque_read(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	switch (x->kind) {
	case RS_EX_NUMGEN:
	case RS_EX_HASH:
		ev_from_num(v, 32, x->off);
		tc_assume(tc, "%s taken as %llu", x->kind == RS_EX_NUMGEN ? "numgen" : "hash",
			  (unsigned long long)x->off);
		return EV_OK;
	case RS_EX_SOCKET:
		snprintf(tc->why, sizeof(tc->why), "no socket is known for the packet");
		return EV_FREE;
	case RS_EX_OSF:
		return osf_read(tc, v);
	case RS_EX_RT:
		return rt_read(tc, x, v);
	case RS_EX_XFRM:
		return xfrm_read(tc, x);
	default:
		snprintf(tc->why, sizeof(tc->why), "an expression xnft does not model: %.160s",
			 x->json ? x->json : "?");
		return EV_FREE;
	}
}

/* ---- compound expressions ------------------------------------------------------------ */

static int ev_single(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	struct ev parts[RS_CONCAT_MAX];
	size_t n = 0;
	int rc = ev_expr(tc, x, parts, &n);

	if (rc)
		return rc;
	if (n != 1) {
		snprintf(tc->why, sizeof(tc->why), "a concatenation where one value is expected");
		return EV_FREE;
	}
	*v = parts[0];
	return EV_OK;
}

static void ev_bytes_op(struct ev *v, const struct ev *c, int op)
{
	for (size_t i = 0; i < sizeof(v->b); i++)
		v->b[i] = op == RS_BINOP_AND ? v->b[i] & c->b[i] :
			  op == RS_BINOP_OR ? v->b[i] | c->b[i] : v->b[i] ^ c->b[i];
}

static int binop_eval(struct tctx *tc, const struct rs_expr *x, struct ev *v)
{
	struct ev c;
	int rc;

	if (x->nsub != 1 || !x->arg || x->arg->kind != RS_TERM_VALUE) {
		snprintf(tc->why, sizeof(tc->why), "an operation xnft does not model");
		return EV_FREE;
	}
	rc = ev_single(tc, x->sub[0], v);
	if (rc)
		return rc;
	ev_const(&c, &x->arg->v, v);
	if (x->key == RS_BINOP_LSHIFT || x->key == RS_BINOP_RSHIFT) {
		unsigned s = (unsigned)(x->arg->v.num & 63);

		v->num = x->key == RS_BINOP_LSHIFT ? v->num << s : v->num >> s;
	} else if (v->wide) {
		ev_bytes_op(v, &c, x->key);
	} else {
		v->num = x->key == RS_BINOP_AND ? v->num & c.num :
			 x->key == RS_BINOP_OR ? v->num | c.num : v->num ^ c.num;
	}
	v->num &= mask_bits(v->bits);
	return EV_OK;
}

static int term_parts(struct tctx *tc, const struct rs_term *t, struct ev *parts, size_t *n)
{
	if (t->kind == RS_TERM_VALUE) {
		ev_const(&parts[0], &t->v, NULL);
		*n = 1;
		return EV_OK;
	}
	if (t->kind == RS_TERM_CONCAT && t->nsub <= RS_CONCAT_MAX) {
		for (size_t i = 0; i < t->nsub; i++) {
			if (t->sub[i].kind != RS_TERM_VALUE)
				goto free;
			ev_const(&parts[i], &t->sub[i].v, NULL);
		}
		*n = t->nsub;
		return EV_OK;
	}
free:
	snprintf(tc->why, sizeof(tc->why), "a map value xnft does not model");
	return EV_FREE;
}

static int map_eval(struct tctx *tc, const struct rs_expr *x, struct ev *parts, size_t *n)
{
	struct ev key[RS_CONCAT_MAX];
	const struct rs_term *data = NULL;
	size_t nk = 0;
	int rc;

	if (x->nsub != 1 || !x->arg)
		return opaque_read(tc, x, parts);
	rc = ev_expr(tc, x->sub[0], key, &nk);
	if (rc)
		return rc;
	rc = ev_map_lookup(tc, x->arg, key, nk, &data);
	if (rc)
		return rc;
	if (!data) {
		char k[160];

		ev_format(x->sub[0], key, nk, k, sizeof(k));
		snprintf(tc->why, sizeof(tc->why), "%s is not a key of the map", k);
		return EV_BREAK;
	}
	return term_parts(tc, data, parts, n);
}

static int concat_eval(struct tctx *tc, const struct rs_expr *x, struct ev *parts, size_t *n)
{
	if (x->nsub > RS_CONCAT_MAX) {
		snprintf(tc->why, sizeof(tc->why), "a concatenation of more than %d parts",
			 RS_CONCAT_MAX);
		return EV_FREE;
	}
	for (size_t i = 0; i < x->nsub; i++) {
		int rc = ev_single(tc, x->sub[i], &parts[i]);

		if (rc)
			return rc;
	}
	*n = x->nsub;
	return EV_OK;
}

int ev_expr(struct tctx *tc, const struct rs_expr *x, struct ev *parts, size_t *n)
{
	*n = 1;
	if (!x) {
		snprintf(tc->why, sizeof(tc->why), "a missing expression");
		return EV_FREE;
	}
	switch (x->kind) {
	case RS_EX_PAYLOAD: return payload_read(tc, x, parts);
	case RS_EX_META: return meta_read(tc, x, parts);
	case RS_EX_CT: return ct_read(tc, x, parts);
	case RS_EX_EXTHDR: case RS_EX_TCPOPT: case RS_EX_IPOPT: case RS_EX_SCTPCHUNK:
		return ext_read(tc, x, parts);
	case RS_EX_FIB: return fib_read(tc, x, parts);
	case RS_EX_CONCAT: return concat_eval(tc, x, parts, n);
	case RS_EX_BINOP: return binop_eval(tc, x, parts);
	case RS_EX_MAP: return map_eval(tc, x, parts, n);
	case RS_EX_VALUE:
		if (x->arg)
			return term_parts(tc, x->arg, parts, n);
		return opaque_read(tc, x, parts);
	default: return opaque_read(tc, x, parts);
	}
}

/* ---- sets and matches ---------------------------------------------------------------- */

static bool term_hit(const struct rs_term *t, const struct ev *v)
{
	struct ev c, h;

	switch (t->kind) {
	case RS_TERM_VALUE:
		if (t->v.dtype == RS_DT_BOOL && v->name)   /* fib ... oif missing/exists */
			return (v->b[0] != 0) == (t->v.num != 0);
		ev_const(&c, &t->v, v);
		return ev_eq(v, &c);
	case RS_TERM_PREFIX:
		ev_const(&c, &t->v, v);
		return ev_prefix(v, &c, t->plen);
	case RS_TERM_RANGE:
		ev_const(&c, &t->v, v);
		ev_const(&h, &t->hi, v);
		return ev_cmp(v, &c) >= 0 && ev_cmp(v, &h) <= 0;
	case RS_TERM_SET:
		for (size_t i = 0; i < t->nelems; i++)
			if (term_hit(&t->elems[i].key, v))
				return true;
		return false;
	default:
		return false;
	}
}

static bool key_hit(const struct rs_term *key, const struct ev *parts, size_t n)
{
	if (key->kind != RS_TERM_CONCAT)
		return n == 1 && term_hit(key, &parts[0]);
	if (key->nsub != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!term_hit(&key->sub[i], &parts[i]))
			return false;
	return true;
}

static const struct rs_elem *elems_hit(const struct rs_elem *el, size_t nel,
				       const struct ev *parts, size_t n)
{
	for (size_t i = 0; i < nel; i++)
		if (key_hit(&el[i].key, parts, n))
			return &el[i];
	return NULL;
}

static bool rt_hit(const struct tctx *tc, const struct rs_set *s, const struct ev *parts, size_t n)
{
	for (size_t i = 0; i < tc->nrt; i++) {
		const struct rt_elem *e = &tc->rt[i];
		size_t k = 0;

		if (e->set != s || e->n != n)
			continue;
		while (k < n && ev_eq(&parts[k], &e->key[k]))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static bool in_sets_has(const struct tctx *tc, const char *name)
{
	for (size_t i = 0; name && i < tc->o->nin_sets; i++)
		if (!strcmp(tc->o->in_sets[i], name))
			return true;
	return false;
}

static int set_lookup(struct tctx *tc, const struct rs_term *t, const struct ev *parts, size_t n,
		      const struct rs_elem **el, bool *in)
{
	const struct rs_set *s = t->set;
	const char *name = t->set_name ? t->set_name : "?";

	*el = NULL;
	*in = false;
	if (in_sets_has(tc, name) && !(s && s->is_map)) {
		*in = true;
		tc_assume(tc, "--in-set %s: the packet is in @%s", name, name);
		return EV_OK;
	}
	if (!s) {
		snprintf(tc->why, sizeof(tc->why), "set @%s is not in the ruleset", name);
		return EV_FREE;
	}
	*el = elems_hit(s->elems, s->nelems, parts, n);
	*in = *el || rt_hit(tc, s, parts, n);
	if (!*in && rs_set_filled_at_run_time(s) && !s->is_map)
		tc_assume(tc, "@%s is filled at run time: taken as not holding the packet "
			  "(--in-set %s traces the other case)", name, name);
	return EV_OK;
}

int ev_map_lookup(struct tctx *tc, const struct rs_term *map, const struct ev *parts, size_t n,
		  const struct rs_term **data)
{
	const struct rs_elem *el = NULL;
	bool in = false;
	int rc;

	*data = NULL;
	if (map->kind == RS_TERM_SET) {
		el = elems_hit(map->elems, map->nelems, parts, n);
	} else if (map->kind == RS_TERM_SETREF) {
		rc = set_lookup(tc, map, parts, n, &el, &in);
		if (rc)
			return rc;
	} else {
		snprintf(tc->why, sizeof(tc->why), "a map xnft does not model");
		return EV_FREE;
	}
	*data = el ? el->data : NULL;
	return EV_OK;
}

static int term_has(struct tctx *tc, const struct rs_term *t, const struct ev *parts, size_t n,
		    bool *in)
{
	const struct rs_elem *el;
	struct ev v;
	int rc;

	switch (t->kind) {
	case RS_TERM_VALUE: case RS_TERM_PREFIX: case RS_TERM_RANGE: case RS_TERM_CONCAT:
		*in = key_hit(t, parts, n);
		return EV_OK;
	case RS_TERM_SET:
		*in = elems_hit(t->elems, t->nelems, parts, n) != NULL;
		return EV_OK;
	case RS_TERM_SETREF:
		return set_lookup(tc, t, parts, n, &el, in);
	case RS_TERM_EXPR:
		rc = ev_single(tc, t->expr, &v);
		*in = !rc && n == 1 && ev_cmp(&parts[0], &v) == 0;
		return rc;
	default:
		snprintf(tc->why, sizeof(tc->why), "a value xnft does not model");
		return EV_FREE;
	}
}

static bool ev_any_bits(const struct ev *v, const struct ev *c)
{
	if (!v->wide)
		return (v->num & c->num) != 0;
	for (size_t i = 0; i < sizeof(v->b); i++)
		if (v->b[i] & c->b[i])
			return true;
	return false;
}

static int order_match(struct tctx *tc, const struct rs_match *m, const struct ev *v, size_t n,
		       bool *hit)
{
	struct ev c;
	int d;

	if (m->right.kind != RS_TERM_VALUE || n != 1) {
		snprintf(tc->why, sizeof(tc->why), "a comparison xnft does not model");
		return EV_FREE;
	}
	ev_const(&c, &m->right.v, v);
	if (m->op == RS_OP_IN || m->op == RS_OP_NOT) {
		*hit = ev_any_bits(v, &c) == (m->op == RS_OP_IN);
		return EV_OK;
	}
	d = ev_cmp(v, &c);
	*hit = m->op == RS_OP_LT ? d < 0 : m->op == RS_OP_GT ? d > 0 :
	       m->op == RS_OP_LE ? d <= 0 : d >= 0;
	return EV_OK;
}

int ev_match(struct tctx *tc, const struct rs_match *m, bool *hit, char *why, size_t size)
{
	struct ev parts[RS_CONCAT_MAX];
	size_t n = 0;
	bool in = false;
	int rc;

	*hit = false;
	rc = ev_expr(tc, m->left, parts, &n);
	if (rc)
		return rc;
	if (m->op == RS_OP_EQ || m->op == RS_OP_NE) {
		rc = term_has(tc, &m->right, parts, n, &in);
		*hit = (m->op == RS_OP_EQ) == in;
	} else {
		rc = order_match(tc, m, parts, n, hit);
	}
	if (!rc && !*hit) {
		char *left = rs_expr_format(m->left);
		char val[160];

		ev_format(m->left, parts, n, val, sizeof(val));
		snprintf(why, size, "%s is %s", left ? left : "the value", val);
		free(left);
	}
	return rc;
}
