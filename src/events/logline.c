// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel packet log line parser. The layout it reads is the kernel's
 * (net/netfilter/nf_log_syslog.c):
 *
 *   <prefix>IN=<if> OUT=<if> [PHYSIN= PHYSOUT=] [MAC=..|MACSRC= MACDST= [VPROTO= VID=] MACPROTO=]
 *   IPv4: SRC= DST= LEN= TOS= PREC= TTL= ID= [CE] [DF] [MF] [FRAG:off8] [OPT (hex)]
 *   IPv6: SRC= DST= LEN= TC= HOPLIMIT= FLOWLBL= [OPT ( ] [FRAG:off INCOMPLETE? ID:hex] [ )]
 *   PROTO=TCP [INCOMPLETE [n bytes]] SPT= DPT= [SEQ= ACK=] WINDOW= RES= <flag words> URGP= [OPT (hex)]
 *   PROTO=UDP|UDPLITE SPT= DPT= LEN=
 *   PROTO=ICMP TYPE= CODE= [ID= SEQ=|PARAMETER=|GATEWAY=] [ [<quoted packet>] ] [MTU=]
 *   PROTO=ICMPv6 TYPE= CODE= [ID= SEQ=|POINTER=] [ [<quoted packet>] ] [MTU=]
 *   PROTO=AH|ESP SPI=, PROTO=<number>
 *   [UID= GID=] [MARK=0x..]
 *
 * The prefix is whatever the rule says, spaces included, so the line is
 * anchored on "IN=<ifname> OUT=" and the prefix is what lies between the
 * header (syslog/dmesg stamps) and that anchor. Fields are space-separated
 * tokens read once, left to right; the quoted packet of an ICMP error is
 * skipped by bracket depth so its addresses never replace the outer ones.
 */
#include "events/logline.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Small scanners                                                      */
/* ------------------------------------------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal digits only, 1..10 of them, value <= max. */
static bool dec_u32(const char *p, const char *end, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (p >= end || end - p > 10)
		return false;
	for (; p < end; p++) {
		if (!is_digit(*p))
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Hex with an optional 0x, 1..8 digits. */
static bool hex_u32(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (p >= end || end - p > 8)
		return false;
	for (; p < end; p++) {
		int h = hex_value(*p);

		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return true;
}

static bool parse_ipv4(const char *p, const char *end, unsigned char out[16])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;

		while (p < end && is_digit(*p)) {
			if (++digits > 3)
				return false;
			v = v * 10 + (unsigned)(*p++ - '0');
		}
		if (!digits || v > 255)
			return false;
		out[i] = (unsigned char)v;
		if (i < 3) {
			if (p >= end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

/* The kernel prints IPv6 in full (%pI6): 8 groups of 4 hex digits. */
static bool parse_ipv6_full(const char *p, unsigned char out[16])
{
	for (int g = 0; g < 8; g++) {
		int h0 = hex_value(p[0]), h1 = hex_value(p[1]);
		int h2 = hex_value(p[2]), h3 = hex_value(p[3]);

		if ((h0 | h1 | h2 | h3) < 0 || (g < 7 && p[4] != ':'))
			return false;
		out[2 * g] = (unsigned char)(h0 << 4 | h1);
		out[2 * g + 1] = (unsigned char)(h2 << 4 | h3);
		p += 5;
	}
	return true;
}

/* AF_INET, AF_INET6, or 0 when the text is not an address. */
static int parse_addr(const char *p, const char *end, unsigned char out[16])
{
	size_t n = (size_t)(end - p);
	char buf[64];

	/* An IPv6 address has a ':' in its first five characters; IPv4 never has one. */
	if (!memchr(p, ':', n < 5 ? n : 5))
		return parse_ipv4(p, end, out) ? AF_INET : 0;
	if (n == 39 && parse_ipv6_full(p, out))
		return AF_INET6;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? AF_INET6 : 0;
}

/* "aa:bb:..": up to max bytes; returns how many, 0 on bad text. */
static size_t parse_mac(const char *p, const char *end, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (end - p >= 2 && n < max) {
		int h = hex_value(p[0]), l = hex_value(p[1]);

		if (h < 0 || l < 0)
			return 0;
		out[n++] = (unsigned char)(h << 4 | l);
		p += 2;
		if (p == end)
			return n;
		if (*p != ':')
			return 0;
		p++;
	}
	return 0;
}

/* Token [t, t+n) is the literal word; the constant size lets the compiler inline the compare. */
#define token_is(t, n, word) ((n) == sizeof(word) - 1 && !memcmp((t), (word), sizeof(word) - 1))

/* ------------------------------------------------------------------ */
/* Fields                                                              */
/* ------------------------------------------------------------------ */

struct pstate {
	struct xevent *ev;
	int src_family, dst_family;
	bool seen_proto;     /* PROTO= read: later LEN=, ID=, SEQ= belong to L4/ICMP */
	bool proto_done;     /* the protocol's last field was read */
	bool seen_spt, seen_dpt;
	bool seen_type, seen_code;
	bool prev_frag6;     /* the last token was IPv6 "FRAG:n" */
	bool bad;
	int depth;           /* inside the [quoted packet] of an ICMP error */
};

static const struct {
	const char *word;
	uint8_t bit;
} tcp_flag_words[] = {
	{ "CWR", EVENT_TCP_CWR }, { "ECE", EVENT_TCP_ECE }, { "URG", EVENT_TCP_URG },
	{ "ACK", EVENT_TCP_ACK }, { "PSH", EVENT_TCP_PSH }, { "RST", EVENT_TCP_RST },
	{ "SYN", EVENT_TCP_SYN }, { "FIN", EVENT_TCP_FIN },
};

static void set_proto(struct pstate *st, const char *v, const char *end)
{
	struct xevent *ev = st->ev;
	size_t n = (size_t)(end - v);
	uint32_t num;

	st->seen_proto = true;
	ev->has |= EVENT_HAS_PROTO;
	if (token_is(v, n, "TCP")) {
		ev->proto = 6;
	} else if (token_is(v, n, "UDP")) {
		ev->proto = 17;
	} else if (token_is(v, n, "UDPLITE")) {
		ev->proto = 136;
	} else if (token_is(v, n, "ICMP")) {
		ev->proto = 1;
	} else if (token_is(v, n, "ICMPv6")) {
		ev->proto = 58;
	} else if (token_is(v, n, "AH")) {
		ev->proto = 51;
		st->proto_done = true;
	} else if (token_is(v, n, "ESP")) {
		ev->proto = 50;
		st->proto_done = true;
	} else if (dec_u32(v, end, 255, &num)) {
		ev->proto = (uint8_t)num;
		st->proto_done = true;   /* nothing follows a numeric protocol */
	} else {
		st->bad = true;
	}
}

/* A word without '=' or ':' (flags, INCOMPLETE, OPT ...). */
static void field_word(struct pstate *st, const char *t, size_t n)
{
	struct xevent *ev = st->ev;

	if (!st->seen_proto) {
		if (token_is(t, n, "DF")) {
			ev->flags |= EVENT_F_DF;
		} else if (token_is(t, n, "MF")) {
			ev->flags |= EVENT_F_MORE_FRAGS | EVENT_F_FRAGMENT;
		} else if (token_is(t, n, "CE")) {
			ev->flags |= EVENT_F_CE;
		} else if (token_is(t, n, "INCOMPLETE")) {
			/* After IPv6 "FRAG:n" it is the more-fragments flag. */
			if (st->prev_frag6)
				ev->flags |= EVENT_F_MORE_FRAGS;
			else
				ev->flags |= EVENT_F_INCOMPLETE;
		} else if (token_is(t, n, "TRUNCATED")) {
			ev->flags |= EVENT_F_INCOMPLETE;
		}
		return;
	}
	if (token_is(t, n, "INCOMPLETE") || token_is(t, n, "TRUNCATED")) {
		ev->flags |= EVENT_F_INCOMPLETE;
		st->proto_done = true;
		return;
	}
	if (ev->proto == 6 && n == 3 && !st->proto_done) {
		for (size_t i = 0; i < sizeof(tcp_flag_words) / sizeof(tcp_flag_words[0]); i++) {
			if (!memcmp(t, tcp_flag_words[i].word, 3)) {
				ev->tcp_flags |= tcp_flag_words[i].bit;
				return;
			}
		}
	}
}

static void field_mac(struct pstate *st, const char *v, const char *end, bool src_only)
{
	unsigned char mac[32];
	size_t n;

	/* Ethernet, the usual case: only the source bytes, 18..34 of 41 characters. */
	if (!src_only && end - v == 41 && v[17] == ':' && v[35] == ':' &&
	    parse_mac(v + 18, v + 35, st->ev->mac_src, 6) == 6) {
		st->ev->has |= EVENT_HAS_MAC;
		return;
	}
	n = parse_mac(v, end, mac, sizeof(mac));

	if (src_only && n == 6) {
		memcpy(st->ev->mac_src, mac, 6);
		st->ev->has |= EVENT_HAS_MAC;
	} else if (!src_only && n == 14) {
		/* Ethernet header: destination, source, ethertype. */
		memcpy(st->ev->mac_src, mac + 6, 6);
		st->ev->has |= EVENT_HAS_MAC;
	}
}

static void field_addr(struct pstate *st, const char *v, const char *end, bool is_src)
{
	unsigned char a[16] = { 0 };
	int fam = parse_addr(v, end, a);

	if (!fam) {
		st->bad = true;
		return;
	}
	if (is_src) {
		memcpy(st->ev->src, a, 16);
		st->src_family = fam;
	} else {
		memcpy(st->ev->dst, a, 16);
		st->dst_family = fam;
	}
}

/* KEY=VALUE before PROTO=: the IP header and the link layer. */
static void field_ip(struct pstate *st, const char *k, size_t kn, const char *v, const char *end)
{
	struct xevent *ev = st->ev;
	uint32_t num;

	/* Keys that are not kept are common (PREC, MACDST, MACPROTO ...): cheap way out first. */
	switch (k[0]) {
	case 'S': case 'D': case 'L': case 'T': case 'H': case 'I': case 'F': case 'M': case 'P':
		break;
	default:
		return;
	}
	if (token_is(k, kn, "SRC")) {
		field_addr(st, v, end, true);
	} else if (token_is(k, kn, "DST")) {
		field_addr(st, v, end, false);
	} else if (token_is(k, kn, "LEN")) {
		if (dec_u32(v, end, 65535, &num)) {
			ev->len = (uint16_t)num;
			ev->has |= EVENT_HAS_LEN;
		} else {
			st->bad = true;
		}
	} else if (token_is(k, kn, "TTL") || token_is(k, kn, "HOPLIMIT")) {
		if (dec_u32(v, end, 255, &num)) {
			ev->ttl = (uint8_t)num;
			ev->has |= EVENT_HAS_TTL;
		}
	} else if (token_is(k, kn, "TOS") || token_is(k, kn, "PREC")) {
		if (hex_u32(v, end, &num) && num <= 255) {
			ev->tos |= (uint8_t)num;
			ev->has |= EVENT_HAS_TOS;
		}
	} else if (token_is(k, kn, "TC")) {
		if (dec_u32(v, end, 255, &num)) {
			ev->tos = (uint8_t)num;
			ev->has |= EVENT_HAS_TOS;
		}
	} else if (token_is(k, kn, "ID")) {
		if (dec_u32(v, end, 65535, &num)) {
			ev->ip_id = num;
			ev->has |= EVENT_HAS_IPID;
		}
	} else if (token_is(k, kn, "FLOWLBL")) {
		if (dec_u32(v, end, 0xfffff, &num)) {
			ev->flowlabel = num;
			ev->has |= EVENT_HAS_FLOWLBL;
		}
	} else if (token_is(k, kn, "MAC")) {
		field_mac(st, v, end, false);
	} else if (token_is(k, kn, "MACSRC")) {
		field_mac(st, v, end, true);
	}
	/* MACDST, MACPROTO, VPROTO, VID, PHYSIN, PHYSOUT, TUNNEL: not kept. */
}

/* KEY=VALUE after PROTO=. */
static void field_l4(struct pstate *st, const char *k, size_t kn, const char *v, const char *end)
{
	struct xevent *ev = st->ev;
	uint32_t num;

	/* WINDOW, RES, ID, PARAMETER, GATEWAY, POINTER, SPI are not kept. */
	switch (k[0]) {
	case 'S': case 'D': case 'U': case 'L': case 'A': case 'T': case 'C': case 'M': case 'G':
		break;
	default:
		return;
	}

	if (token_is(k, kn, "SPT") || token_is(k, kn, "DPT")) {
		bool spt = k[0] == 'S';

		if (!dec_u32(v, end, 65535, &num)) {
			st->bad = true;
			return;
		}
		if (spt) {
			ev->sport = (uint16_t)num;
			st->seen_spt = true;
		} else {
			ev->dport = (uint16_t)num;
			st->seen_dpt = true;
		}
	} else if (token_is(k, kn, "URGP")) {
		/* The flag words come just before URGP: now they are all read. */
		if (ev->proto == 6)
			ev->has |= EVENT_HAS_TCPFLAGS;
		st->proto_done = true;
	} else if (token_is(k, kn, "LEN")) {
		/* UDP's own length: its last field. */
		if (ev->proto == 17 || ev->proto == 136)
			st->proto_done = true;
	} else if (token_is(k, kn, "SEQ") || token_is(k, kn, "ACK")) {
		if (ev->proto == 6 && dec_u32(v, end, 0xffffffffu, &num)) {
			if (k[0] == 'S')
				ev->tcp_seq = num;
			else
				ev->tcp_ack = num;
			ev->has |= EVENT_HAS_TCPSEQ;
		}
	} else if (token_is(k, kn, "TYPE") || token_is(k, kn, "CODE")) {
		if (!dec_u32(v, end, 255, &num)) {
			st->bad = true;
			return;
		}
		if (k[0] == 'T') {
			ev->icmp_type = (uint8_t)num;
			st->seen_type = true;
		} else {
			ev->icmp_code = (uint8_t)num;
			st->seen_code = true;
		}
	} else if (token_is(k, kn, "MTU")) {
		if (dec_u32(v, end, 0xffffffffu, &num)) {
			ev->mtu = num > 0xffff ? 0xffff : (uint16_t)num;
			ev->has |= EVENT_HAS_MTU;
		}
	} else if (token_is(k, kn, "UID") || token_is(k, kn, "GID")) {
		if (dec_u32(v, end, 0xffffffffu, &num)) {
			if (k[0] == 'U')
				ev->uid = num;
			else
				ev->gid = num;
			ev->has |= EVENT_HAS_UID;
		}
	} else if (token_is(k, kn, "MARK")) {
		if (hex_u32(v, end, &num)) {
			ev->mark = num;
			ev->has |= EVENT_HAS_MARK;
		}
	}
	/* WINDOW, RES, ID/SEQ of an echo, PARAMETER, GATEWAY, POINTER, SPI: not kept. */
}

/* "FRAG:n" and IPv6 "ID:hex". */
static void field_colon(struct pstate *st, const char *k, size_t kn, const char *v, const char *end)
{
	struct xevent *ev = st->ev;
	uint32_t num;

	if (token_is(k, kn, "FRAG")) {
		if (!dec_u32(v, end, 65535, &num)) {
			st->bad = true;
			return;
		}
		/* IPv4 prints the offset in 8-byte units, IPv6 in bytes. */
		if (st->src_family == AF_INET)
			num *= 8;
		ev->frag_off = num > 0xffff ? 0xffff : (uint16_t)num;
		ev->flags |= EVENT_F_FRAGMENT;
		st->prev_frag6 = st->src_family == AF_INET6;
	} else if (token_is(k, kn, "ID")) {
		if (hex_u32(v, end, &num)) {
			ev->ip_id = num;
			ev->has |= EVENT_HAS_IPID;
		}
	}
}

static void field_token(struct pstate *st, const char *t, const char *end, const char *eq)
{
	size_t n = (size_t)(end - t);
	bool frag6 = st->prev_frag6;

	st->prev_frag6 = false;
	/* The quoted packet of an ICMP error and "[n bytes]" of INCOMPLETE. */
	if (st->depth > 0 || *t == '[') {
		for (const char *p = t; p < end && *p == '['; p++)
			st->depth++;
		for (const char *p = end; p > t && p[-1] == ']' && st->depth > 0; p--)
			st->depth--;
		return;
	}
	if (*t == '(' || *t == ')')
		return;   /* OPT (hex) and IPv6's OPT ( ... ) */
	if (!eq) {
		const char *colon = NULL;

		for (const char *p = t; p < end; p++) {
			if (*p == ':') {
				colon = p;
				break;
			}
		}

		if (colon && !st->seen_proto) {
			field_colon(st, t, (size_t)(colon - t), colon + 1, end);
			return;
		}
		st->prev_frag6 = frag6;
		field_word(st, t, n);
		st->prev_frag6 = false;
		return;
	}
	if (token_is(t, (size_t)(eq - t), "PROTO")) {
		if (!st->seen_proto)
			set_proto(st, eq + 1, end);
		return;
	}
	if (st->seen_proto)
		field_l4(st, t, (size_t)(eq - t), eq + 1, end);
	else
		field_ip(st, t, (size_t)(eq - t), eq + 1, end);
}

/* Copy an interface name (at most 15 bytes; no space, control byte or '/', as Linux has it). */
static bool copy_ifname(char dst[EVENT_IFNAME_MAX], const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	if (n >= EVENT_IFNAME_MAX)
		return false;
	for (const char *q = p; q < end; q++) {
		if ((unsigned char)*q <= ' ' || *q == 0x7f || *q == '/')
			return false;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	return true;
}

/*
 * Find "IN=<if> OUT=" in [p, end): sets *in_at (the 'I'), *out_val (after
 * "OUT="). The prefix may contain anything, so every "IN=" is a candidate;
 * the search jumps from '=' to '=' (the first one is usually IN's).
 */
static bool find_anchor(const char *p, const char *end, const char **in_at, const char **in_end,
			const char **out_val)
{
	const char *c = p + 2;

	while (c < end) {
		const char *v, *sp;

		c = memchr(c, '=', (size_t)(end - c));
		if (!c)
			return false;
		if (c[-2] != 'I' || c[-1] != 'N') {
			c++;
			continue;
		}
		v = c + 1;
		sp = v;
		while (sp < end && *sp != ' ' && sp - v < EVENT_IFNAME_MAX)
			sp++;
		if (end - sp >= 5 && !memcmp(sp, " OUT=", 5)) {
			*in_at = c - 2;
			*in_end = sp;
			*out_val = sp + 5;
			return true;
		}
		c++;
	}
	return false;
}

/*
 * The end of the token at p (the next space, or end) and its first '=',
 * eight bytes at a time: this loop sees every byte of every line, so it is
 * the parser's hot spot. The word test is the classic "has a zero byte" bit
 * trick; its lowest set bit is exact, which is the only one used.
 */
#define BYTES_01 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

static inline uint64_t byte_hits(uint64_t w, uint64_t pattern)
{
	uint64_t x = w ^ pattern;

	return (x - BYTES_01) & ~x & BYTES_80;
}

static const char *token_end(const char *p, const char *end, const char **eq)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - p >= 8) {
		uint64_t w, sp, eqs;
		unsigned i;

		memcpy(&w, p, 8);
		sp = byte_hits(w, BYTES_01 * ' ');
		eqs = *eq ? 0 : byte_hits(w, BYTES_01 * '=');
		if (!(sp | eqs)) {
			p += 8;
			continue;
		}
		i = (unsigned)__builtin_ctzll(sp | eqs) >> 3;
		if (!sp || (eqs && (unsigned)__builtin_ctzll(eqs) >> 3 == i)) {
			*eq = p + i;    /* an '=' before any space: go on for the space */
			p += i + 1;
			continue;
		}
		return p + i;
	}
#endif
	for (; p < end && *p != ' '; p++) {
		if (*p == '=' && !*eq)
			*eq = p;
	}
	return p;
}

static void check_complete(struct pstate *st)
{
	struct xevent *ev = st->ev;

	if (st->seen_spt && st->seen_dpt)
		ev->has |= EVENT_HAS_PORTS;
	if (st->seen_type && st->seen_code)
		ev->has |= EVENT_HAS_ICMP;
	if (ev->frag_off)
		return;   /* a later fragment has no transport header to print */
	if (!st->seen_proto) {
		ev->flags |= EVENT_F_INCOMPLETE;
		return;
	}
	if (st->proto_done)
		return;
	switch (ev->proto) {
	case 6: case 17: case 136:
	case 1: case 58:
		/* ICMP has no closing field: TYPE and CODE are enough. */
		if ((ev->proto == 1 || ev->proto == 58) && st->seen_type && st->seen_code)
			return;
		ev->flags |= EVENT_F_INCOMPLETE;
		return;
	}
}

static enum logline_result parse_fields(struct xevent *ev, const char *in_val, const char *in_end,
					const char *out_val, const char *end)
{
	struct pstate st = { .ev = ev };
	const char *p = out_val;
	const char *out_end = memchr(out_val, ' ', (size_t)(end - out_val));

	if (!out_end)
		out_end = end;
	if (!copy_ifname(ev->in, in_val, in_end) || !copy_ifname(ev->out, out_val, out_end))
		return LOGLINE_BAD;
	p = out_end;
	while (p < end) {
		const char *t, *eq = NULL;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		t = p;
		p = token_end(p, end, &eq);
		field_token(&st, t, p, eq);
		if (st.bad)
			return LOGLINE_BAD;
	}
	if (!st.src_family || st.src_family != st.dst_family)
		return LOGLINE_BAD;
	ev->family = (uint8_t)st.src_family;
	check_complete(&st);
	return LOGLINE_EVENT;
}

/* ------------------------------------------------------------------ */
/* Header: priority, syslog or RFC 3339 stamp, host, tag, dmesg stamp  */
/* ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at p (all present before end) as a number; -1 if not digits. */
static int digits_n(const char *p, const char *end, int n)
{
	int v = 0;

	if (end - p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* ".123456": microseconds from up to 9 fraction digits; advances *pp. */
static int64_t fraction_us(const char **pp, const char *end)
{
	const char *p = *pp;
	int64_t us = 0;
	int n = 0;

	if (p >= end || *p != '.')
		return 0;
	p++;
	while (p < end && is_digit(*p)) {
		if (n < 6) {
			us = us * 10 + (*p - '0');
			n++;
		}
		p++;
	}
	while (n++ < 6)
		us *= 10;
	*pp = p;
	return us;
}

/* "HH:MM:SS" at p; seconds of the day or -1. */
static int clock_secs(const char *p, const char *end)
{
	int h = digits_n(p, end, 2), m, s;

	if (h < 0 || end - p < 8 || p[2] != ':' || p[5] != ':')
		return -1;
	m = digits_n(p + 3, end, 2);
	s = digits_n(p + 6, end, 2);
	if (m < 0 || s < 0 || h > 23 || m > 59 || s > 60)
		return -1;
	return h * 3600 + m * 60 + s;
}

/* "2026-04-26T19:01:44[.frac][Z|+hh:mm|+hhmm]": UTC microseconds, advances *pp. */
static bool rfc3339(const char **pp, const char *end, int64_t *us)
{
	const char *p = *pp;
	int y = digits_n(p, end, 4), mo, d, secs, off = 0;
	int64_t t;

	if (y < 0 || end - p < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' '))
		return false;
	mo = digits_n(p + 5, end, 2);
	d = digits_n(p + 8, end, 2);
	secs = clock_secs(p + 11, end);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || secs < 0)
		return false;
	p += 19;
	t = (days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + secs) * 1000000;
	t += fraction_us(&p, end);
	if (p < end && *p == 'Z') {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1, oh = digits_n(p + 1, end, 2), om;

		if (oh < 0)
			return false;
		p += 3;
		if (p < end && *p == ':')
			p++;
		om = digits_n(p, end, 2);
		if (om < 0)
			return false;
		p += 2;
		off = sign * (oh * 3600 + om * 60);
	}
	*us = t - (int64_t)off * 1000000;
	*pp = p;
	return true;
}

static int month_number(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++) {
		if (!memcmp(months + 3 * i, p, 3))
			return i + 1;
	}
	return 0;
}

/* Local time of (year, month, day, hour), cached per hour: mktime is slow. */
static int64_t local_hour_us(struct logline_ctx *c, int year, int mon, int day, int hour)
{
	int64_t key = ((int64_t)year * 100 + mon) * 10000 + day * 100 + hour;
	struct tm tm = { 0 };
	time_t t;

	if (key == c->hour_key)
		return c->hour_base_us;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	c->hour_key = key;
	c->hour_base_us = (int64_t)t * 1000000;
	return c->hour_base_us;
}

/* "Apr 26 19:01:44[.frac]" (day may be " 6"): local time, year guessed; advances *pp. */
static bool bsd_stamp(struct logline_ctx *c, const char **pp, const char *end, int64_t *us)
{
	const char *p = *pp;
	int mon, day, secs, year;
	int64_t t;

	if (end - p < 15 || p[3] != ' ')
		return false;
	mon = month_number(p);
	if (!mon)
		return false;
	if (p[4] == ' ')
		day = digits_n(p + 5, end, 1);
	else
		day = digits_n(p + 4, end, 2);
	if (day < 1 || day > 31 || p[6] != ' ')
		return false;
	secs = clock_secs(p + 7, end);
	if (secs < 0)
		return false;
	p += 15;
	year = c->now_year;
	t = local_hour_us(c, year, mon, day, secs / 3600) + (int64_t)(secs % 3600) * 1000000;
	/* A stamp more than a day ahead of now is from last year (logs cross New Year). */
	if (t > c->now_us + 86400LL * 1000000) {
		year--;
		t = local_hour_us(c, year, mon, day, secs / 3600) + (int64_t)(secs % 3600) * 1000000;
	}
	t += fraction_us(&p, end);
	*us = t;
	*pp = p;
	return true;
}

/* "[  12345.678901]": seconds since boot in microseconds; advances *pp. */
static bool dmesg_stamp(const char **pp, const char *end, int64_t *us)
{
	const char *p = *pp;
	int64_t secs = 0;
	int n = 0;

	if (p >= end || *p != '[')
		return false;
	p++;
	while (p < end && *p == ' ')
		p++;
	while (p < end && is_digit(*p)) {
		if (++n > 12)
			return false;
		secs = secs * 10 + (*p++ - '0');
	}
	if (!n || p >= end || *p != '.')
		return false;
	secs = secs * 1000000 + fraction_us(&p, end);
	if (p >= end || *p != ']')
		return false;
	p++;
	if (p < end && *p == ' ')
		p++;
	*us = secs;
	*pp = p;
	return true;
}

/* A non-empty run of non-space bytes followed by one space; advances *pp. */
static bool word_space(const char **pp, const char *end, const char **w, size_t *wn)
{
	const char *p = *pp, *s = p;

	while (p < end && *p != ' ')
		p++;
	if (p == s || p >= end)
		return false;
	*w = s;
	*wn = (size_t)(p - s);
	*pp = p + 1;
	return true;
}

/* The tag of a kernel message: "kernel:" (rsyslog may add "[pid]" to none of them). */
static bool kernel_tag(const char *w, size_t n)
{
	return n == 7 && !memcmp(w, "kernel:", 7);
}

struct header {
	const char *prefix;        /* where the log prefix starts */
	int64_t time_us;
	bool has_time;
	bool not_kernel;           /* a syslog header with another tag */
};

static void parse_header(struct logline_ctx *c, const char *p, const char *end, struct header *h)
{
	int64_t t, boot;
	const char *w;
	size_t wn;

	h->time_us = 0;
	h->has_time = false;
	h->not_kernel = false;
	/* "<4>" syslog priority. */
	if (p < end && *p == '<') {
		const char *q = p + 1;

		while (q < end && is_digit(*q) && q - p <= 3)
			q++;
		if (q < end && *q == '>' && q > p + 1)
			p = q + 1;
	}
	if (rfc3339(&p, end, &t) || bsd_stamp(c, &p, end, &t)) {
		h->time_us = t;
		h->has_time = true;
		if (p < end && *p == ' ')
			p++;
		/* host and tag */
		if (word_space(&p, end, &w, &wn) && word_space(&p, end, &w, &wn)) {
			if (!kernel_tag(w, wn))
				h->not_kernel = true;
		} else {
			h->not_kernel = true;
		}
	}
	if (dmesg_stamp(&p, end, &boot) && !h->has_time) {
		h->time_us = c->boot_us + boot;
		h->has_time = true;
	}
	h->prefix = p;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */

static void ctx_set(struct logline_ctx *c, int64_t now_us, int64_t boot_us)
{
	time_t now = (time_t)(now_us / 1000000);
	struct tm tm;

	memset(c, 0, sizeof(*c));
	c->now_us = now_us;
	c->boot_us = boot_us;
	c->hour_key = -1;
	if (localtime_r(&now, &tm))
		c->now_year = tm.tm_year + 1900;
	else
		c->now_year = 1970;
}

void logline_ctx_init_at(struct logline_ctx *c, int64_t now_us, int64_t boot_us)
{
	ctx_set(c, now_us, boot_us);
}

void logline_ctx_init(struct logline_ctx *c)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ctx_set(c, (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000,
		((int64_t)rt.tv_sec - mono.tv_sec) * 1000000 + (rt.tv_nsec - mono.tv_nsec) / 1000);
}

static const char XNFT_TAG[] = "XNFT-";

/*
 * event_set_prefix, remembered: logs repeat a handful of prefixes, and the
 * catalogue lookup is the costliest part of a short line. The hook of an
 * unknown prefix depends on whether both interfaces are set, so that is part
 * of the key. Entries are replaced round-robin.
 */
static void set_prefix_cached(struct logline_ctx *c, struct xevent *ev, const char *prefix,
			      size_t len)
{
	bool fwd = ev->in[0] && ev->out[0];
	struct logline_prefix_cache *pc;

	len = strnlen(prefix, len < EVENT_PREFIX_MAX ? len : EVENT_PREFIX_MAX - 1);
	for (unsigned i = 0; i < LOGLINE_PREFIX_CACHE; i++) {
		pc = &c->prefixes[i];
		if (pc->valid && pc->len == len && pc->fwd == fwd && !memcmp(pc->prefix, prefix, len)) {
			memcpy(ev->prefix, pc->prefix, len + 1);
			memcpy(ev->category, pc->category, pc->category_len + 1);
			ev->hook = pc->hook;
			return;
		}
	}
	event_set_prefix(ev, prefix, len);
	pc = &c->prefixes[c->prefix_next++ % LOGLINE_PREFIX_CACHE];
	memcpy(pc->prefix, ev->prefix, len + 1);
	pc->len = len;
	pc->category_len = strlen(ev->category);
	memcpy(pc->category, ev->category, pc->category_len + 1);
	pc->hook = ev->hook;
	pc->fwd = fwd;
	pc->valid = true;
}

enum logline_result logline_parse(struct logline_ctx *c, const char *line, size_t len,
				  int64_t time_us, int time_src, struct xevent *ev)
{
	const char *end = line + len;
	const char *in_at, *in_end, *out_val, *prefix;
	struct header h;
	enum logline_result r;

	event_init(ev);
	ev->raw = line;
	ev->raw_len = len;
	ev->time_us = time_us;
	ev->time_src = (uint8_t)time_src;
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (!find_anchor(line, end, &in_at, &in_end, &out_val))
		return LOGLINE_OTHER;
	parse_header(c, line, in_at, &h);
	if (h.not_kernel)
		return LOGLINE_NOT_KERNEL;
	if (h.has_time && time_src == EVENT_TIME_RECEIVED) {
		ev->time_us = h.time_us;
		ev->time_src = EVENT_TIME_SOURCE;
	}
	r = parse_fields(ev, in_at + 3, in_end, out_val, end);
	if (r != LOGLINE_EVENT)
		return r;
	/* A header this parser does not know stays in front: our prefix still starts at "XNFT-". */
	prefix = h.prefix;
	if (in_at - prefix > 5 && memcmp(prefix, XNFT_TAG, 5)) {
		const char *x = memmem(prefix, (size_t)(in_at - prefix), XNFT_TAG, 5);

		if (x)
			prefix = x;
	}
	set_prefix_cached(c, ev, prefix, (size_t)(in_at - prefix));
	return LOGLINE_EVENT;
}

int logline_kmsg_record(const char *rec, size_t len, struct kmsg_record *r)
{
	const char *p = rec, *end = rec + len, *semi, *nl;
	uint64_t v[3] = { 0, 0, 0 };

	memset(r, 0, sizeof(*r));
	semi = memchr(rec, ';', len);
	if (!semi)
		return -1;
	for (int i = 0; i < 3; i++) {
		int n = 0;

		while (p < semi && is_digit(*p)) {
			if (++n > 20)
				return -1;
			v[i] = v[i] * 10 + (uint64_t)(*p++ - '0');
		}
		if (!n || p >= semi || *p != ',')
			return -1;
		p++;
	}
	if (v[0] > 0xffff)
		return -1;
	r->prio = (unsigned)v[0];
	r->seq = v[1];
	r->usec = v[2];
	r->text = semi + 1;
	nl = memchr(r->text, '\n', (size_t)(end - r->text));
	r->text_len = (size_t)((nl ? nl : end) - r->text);
	return 0;
}
