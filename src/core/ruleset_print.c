// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Printing the ruleset model back as nft text, for messages: a rule, a
 * statement, an expression or a term. The model itself is in ruleset.c.
 */
#include "core/ruleset.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/strbuf.h"

struct sym {
	uint64_t v;
	const char *name;
};

static const struct sym l4proto_syms[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 6, "tcp" }, { 17, "udp" }, { 33, "dccp" },
	{ 41, "ipv6" }, { 47, "gre" }, { 50, "esp" }, { 51, "ah" }, { 58, "ipv6-icmp" },
	{ 132, "sctp" }, { 136, "udplite" }, { 0, NULL },
};
static const struct sym nfproto_syms[] = { { 2, "ipv4" }, { 10, "ipv6" }, { 0, NULL } };
static const struct sym ctstate_syms[] = {
	{ 1, "invalid" }, { 2, "established" }, { 4, "related" }, { 8, "new" },
	{ 64, "untracked" }, { 0, NULL },
};
static const struct sym ctstatus_syms[] = {
	{ 1, "expected" }, { 2, "seen-reply" }, { 4, "assured" }, { 8, "confirmed" },
	{ 16, "snat" }, { 32, "dnat" }, { 512, "dying" }, { 0, NULL },
};
static const struct sym tcpflag_syms[] = {
	{ 1, "fin" }, { 2, "syn" }, { 4, "rst" }, { 8, "psh" }, { 16, "ack" },
	{ 32, "urg" }, { 64, "ecn" }, { 128, "cwr" }, { 0, NULL },
};
static const struct sym ctdir_syms[] = { { 0, "original" }, { 1, "reply" }, { 0, NULL } };
static const struct sym pkttype_syms[] = {
	{ 0, "host" }, { 1, "broadcast" }, { 2, "multicast" }, { 3, "other" }, { 0, NULL },
};
static const struct sym day_syms[] = {   /* meta day: 0 is Sunday, as the kernel counts */
	{ 0, "Sunday" }, { 1, "Monday" }, { 2, "Tuesday" }, { 3, "Wednesday" },
	{ 4, "Thursday" }, { 5, "Friday" }, { 6, "Saturday" }, { 0, NULL },
};
static const struct sym ethertype_syms[] = {
	{ 0x0800, "ip" }, { 0x86dd, "ip6" }, { 0x0806, "arp" }, { 0x8100, "8021q" },
	{ 0x88a8, "8021ad" }, { 0, NULL },
};
static const struct sym icmp_syms[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" }, { 4, "source-quench" },
	{ 5, "redirect" }, { 8, "echo-request" }, { 9, "router-advertisement" },
	{ 10, "router-solicitation" }, { 11, "time-exceeded" }, { 12, "parameter-problem" },
	{ 13, "timestamp-request" }, { 14, "timestamp-reply" }, { 0, NULL },
};
static const struct sym icmpv6_syms[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" }, { 3, "time-exceeded" },
	{ 4, "parameter-problem" }, { 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-listener-query" }, { 131, "mld-listener-report" },
	{ 132, "mld-listener-done" }, { 133, "nd-router-solicit" },
	{ 134, "nd-router-advert" }, { 135, "nd-neighbor-solicit" },
	{ 136, "nd-neighbor-advert" }, { 137, "nd-redirect" },
	{ 143, "mld2-listener-report" }, { 0, NULL },
};
static const struct sym fibtype_syms[] = {
	{ 0, "unspec" }, { 1, "unicast" }, { 2, "local" }, { 3, "broadcast" },
	{ 4, "anycast" }, { 5, "multicast" }, { 6, "blackhole" }, { 7, "unreachable" },
	{ 8, "prohibit" }, { 0, NULL },
};

static const struct sym *syms_for(const struct rs_expr *x, bool *flags)
{
	*flags = false;
	if (!x)
		return NULL;
	switch (x->kind) {
	case RS_EX_META:
		switch (x->key) {
		case RS_META_L4PROTO: return l4proto_syms;
		case RS_META_NFPROTO: return nfproto_syms;
		case RS_META_PKTTYPE: return pkttype_syms;
		case RS_META_PROTOCOL: return ethertype_syms;
		case RS_META_DAY: return day_syms;
		}
		return NULL;
	case RS_EX_CT:
		switch (x->key) {
		case RS_CT_STATE: *flags = true; return ctstate_syms;
		case RS_CT_STATUS: *flags = true; return ctstatus_syms;
		case RS_CT_DIRECTION: return ctdir_syms;
		case RS_CT_PROTOCOL: return l4proto_syms;
		case RS_CT_L3PROTO: return nfproto_syms;
		}
		return NULL;
	case RS_EX_PAYLOAD:
		switch (x->key) {
		case RS_F_IP_PROTOCOL: case RS_F_IP6_NEXTHDR: return l4proto_syms;
		case RS_F_TCP_FLAGS: *flags = true; return tcpflag_syms;
		case RS_F_ICMP_TYPE: return icmp_syms;
		case RS_F_ICMPV6_TYPE: return icmpv6_syms;
		case RS_F_ETHER_TYPE: case RS_F_VLAN_TYPE: case RS_F_ARP_PTYPE:
			return ethertype_syms;
		}
		return NULL;
	case RS_EX_FIB:
		return x->key == RS_FIB_R_TYPE ? fibtype_syms : NULL;
	case RS_EX_BINOP:
		return x->nsub ? syms_for(x->sub[0], flags) : NULL;
	default:
		return NULL;
	}
}

static const char *sym_name(const struct sym *t, uint64_t v)
{
	for (; t && t->name; t++) {
		if (t->v == v)
			return t->name;
	}
	return NULL;
}

/* Flags as "a,b" (sep ",") or "a|b"; false when some bit has no name. */
static bool fmt_flags(struct strbuf *b, const struct sym *t, uint64_t v, const char *sep)
{
	uint64_t left = v;
	int n = 0;

	for (const struct sym *s = t; s->name; s++) {
		if (s->v && (left & s->v) == s->v)
			left &= ~s->v;
	}
	if (left || !v)
		return false;
	for (const struct sym *s = t; s->name; s++) {
		if (s->v && (v & s->v) == s->v)
			strbuf_addf(b, "%s%s", n++ ? sep : "", s->name);
	}
	return true;
}

static void fmt_value(struct strbuf *b, const struct rs_value *v, const struct rs_expr *ctx,
		      const char *flag_sep)
{
	bool flags;
	const struct sym *syms = syms_for(ctx, &flags);
	const char *name;

	if (v->str && ctx && ctx->kind == RS_EX_META && ctx->key == RS_META_TIME) {
		strbuf_addf(b, "\"%s\"", v->str);   /* a date as nft wrote it, not nanoseconds */
		return;
	}
	switch (v->dtype) {
	case RS_DT_IPV4:
	case RS_DT_IPV6:
	case RS_DT_ETHER:
		if (v->str) {
			strbuf_addf(b, "%s", v->str);
			return;
		}
		break;
	case RS_DT_IFNAME:
	case RS_DT_IFINDEX:
	case RS_DT_STRING:
		strbuf_addf(b, "\"%s\"", v->str ? v->str : "");
		return;
	case RS_DT_BOOL:
		strbuf_addf(b, "%s", v->num ? "exists" : "missing");
		return;
	default:
		break;
	}
	if (v->dtype == RS_DT_IPV4 || v->dtype == RS_DT_IPV6 || v->dtype == RS_DT_ETHER) {
		char buf[64];

		if (v->dtype == RS_DT_IPV4)
			inet_ntop(AF_INET, v->b, buf, sizeof(buf));
		else if (v->dtype == RS_DT_IPV6)
			inet_ntop(AF_INET6, v->b, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
				 v->b[0], v->b[1], v->b[2], v->b[3], v->b[4], v->b[5]);
		strbuf_addf(b, "%s", buf);
		return;
	}
	if (syms && flags && flag_sep && fmt_flags(b, syms, v->num, flag_sep))
		return;
	if (syms && !flags && (name = sym_name(syms, v->num))) {
		strbuf_addf(b, "%s", name);
		return;
	}
	while (ctx && ctx->kind == RS_EX_BINOP && ctx->nsub)
		ctx = ctx->sub[0];
	if (ctx && ctx->kind == RS_EX_META && ctx->key == RS_META_PRIORITY) {
		/* a tc handle, as nft writes it */
		if (v->num == 0xffffffffu || !v->num)
			strbuf_addf(b, "%s", v->num ? "root" : "none");
		else
			strbuf_addf(b, "\"%llx:%llx\"", (unsigned long long)(v->num >> 16 & 0xffff),
				    (unsigned long long)(v->num & 0xffff));
		return;
	}
	if (ctx && ((ctx->kind == RS_EX_META && ctx->key == RS_META_MARK) ||
		    (ctx->kind == RS_EX_CT && ctx->key == RS_CT_MARK)))
		strbuf_addf(b, "0x%08llx", (unsigned long long)v->num);
	else if (v->dtype == RS_DT_ETHERTYPE || (syms && flags))
		strbuf_addf(b, "0x%llx", (unsigned long long)v->num);
	else
		strbuf_addf(b, "%llu", (unsigned long long)v->num);
}

static void fmt_expr(struct strbuf *b, const struct rs_expr *x);
static void fmt_term(struct strbuf *b, const struct rs_term *t, const struct rs_expr *ctx);
static void fmt_stmt(struct strbuf *b, const struct rs_stmt *s);

static const struct rs_expr *concat_part(const struct rs_expr *ctx, size_t i)
{
	if (ctx && ctx->kind == RS_EX_CONCAT && i < ctx->nsub)
		return ctx->sub[i];
	return NULL;
}

static void fmt_verdict(struct strbuf *b, const struct rs_verdict *v)
{
	strbuf_addf(b, "%s", rs_verdict_name(v->kind));
	if ((v->kind == RS_VERDICT_JUMP || v->kind == RS_VERDICT_GOTO) && v->target)
		strbuf_addf(b, " %s", v->target);
}

static void fmt_elem(struct strbuf *b, const struct rs_elem *el, const struct rs_expr *ctx)
{
	fmt_term(b, &el->key, ctx);
	if (el->timeout_ms)
		strbuf_addf(b, " timeout %llus", (unsigned long long)(el->timeout_ms / 1000));
	if (el->comment)
		strbuf_addf(b, " comment \"%s\"", el->comment);
	if (el->data) {
		strbuf_addf(b, " : ");
		fmt_term(b, el->data, NULL);
	}
}

static void fmt_term(struct strbuf *b, const struct rs_term *t, const struct rs_expr *ctx)
{
	switch (t->kind) {
	case RS_TERM_NONE:
		break;
	case RS_TERM_VALUE:
		fmt_value(b, &t->v, ctx, ",");
		break;
	case RS_TERM_PREFIX:
		fmt_value(b, &t->v, ctx, NULL);
		strbuf_addf(b, "/%u", t->plen);
		break;
	case RS_TERM_RANGE:
		fmt_value(b, &t->v, ctx, NULL);
		strbuf_addf(b, "-");
		fmt_value(b, &t->hi, ctx, NULL);
		break;
	case RS_TERM_CONCAT:
		for (size_t i = 0; i < t->nsub; i++) {
			strbuf_addf(b, "%s", i ? " . " : "");
			fmt_term(b, &t->sub[i], concat_part(ctx, i));
		}
		break;
	case RS_TERM_SET:
		strbuf_addf(b, "{ ");
		for (size_t i = 0; i < t->nelems; i++) {
			strbuf_addf(b, "%s", i ? ", " : "");
			fmt_elem(b, &t->elems[i], ctx);
		}
		strbuf_addf(b, " }");
		break;
	case RS_TERM_SETREF:
		strbuf_addf(b, "@%s", t->set_name ? t->set_name : "?");
		break;
	case RS_TERM_VERDICT:
		fmt_verdict(b, &t->verdict);
		break;
	case RS_TERM_EXPR:
		fmt_expr(b, t->expr);
		break;
	case RS_TERM_UNKNOWN:
		strbuf_addf(b, "<unknown %s>", t->json ? t->json : "");
		break;
	}
}

static bool meta_unqualified(int key)
{
	return key == RS_META_IIF || key == RS_META_OIF || key == RS_META_IIFNAME ||
	       key == RS_META_OIFNAME || key == RS_META_IIFGROUP || key == RS_META_OIFGROUP;
}

static void fmt_fib(struct strbuf *b, const struct rs_expr *x)
{
	static const char *const fl[] = { "saddr", "daddr", "mark", "iif", "oif" };
	static const char *const res[] = { "", "oif", "oifname", "type" };
	int n = 0;

	strbuf_addf(b, "fib ");
	for (unsigned i = 0; i < 5; i++) {
		if (x->flags & (1u << i))
			strbuf_addf(b, "%s%s", n++ ? " . " : "", fl[i]);
	}
	if (x->key > 0 && x->key < 4)
		strbuf_addf(b, " %s", res[x->key]);
}

static void fmt_binop(struct strbuf *b, const struct rs_expr *x)
{
	static const char *const ops[] = { "?", "&", "|", "^", "<<", ">>" };
	bool flags;
	const struct sym *syms = syms_for(x, &flags);

	if (x->nsub)
		fmt_expr(b, x->sub[0]);
	strbuf_addf(b, " %s ", x->key > 0 && x->key < 6 ? ops[x->key] : "?");
	if (x->arg && x->arg->kind == RS_TERM_VALUE && syms && flags) {
		strbuf_addf(b, "(");
		if (!fmt_flags(b, syms, x->arg->v.num, "|"))
			strbuf_addf(b, "0x%llx", (unsigned long long)x->arg->v.num);
		strbuf_addf(b, ")");
	} else if (x->arg && x->arg->kind == RS_TERM_VALUE && x->arg->v.dtype == RS_DT_INTEGER &&
		   x->key <= RS_BINOP_XOR) {
		strbuf_addf(b, "0x%llx", (unsigned long long)x->arg->v.num);
	} else if (x->arg) {
		fmt_term(b, x->arg, x->nsub ? x->sub[0] : NULL);
	}
}

static void fmt_expr(struct strbuf *b, const struct rs_expr *x)
{
	if (!x) {
		strbuf_addf(b, "?");
		return;
	}
	switch (x->kind) {
	case RS_EX_PAYLOAD:
		if (x->key == RS_F_RAW) {
			static const char *const bases[] = { "ll", "nh", "th", "ih" };

			strbuf_addf(b, "@%s,%u,%u", x->base < 4 ? bases[x->base] : "?", x->offset, x->len);
		} else {
			const struct rs_field_info *fi = rs_field_info((enum rs_field)x->key);

			strbuf_addf(b, "%s %s", fi ? fi->proto_name : "?", fi ? fi->name : "?");
		}
		break;
	case RS_EX_META:
		strbuf_addf(b, "%s%s", meta_unqualified(x->key) ? "" : "meta ",
			  rs_meta_name((enum rs_meta_key)x->key) ? rs_meta_name((enum rs_meta_key)x->key)
								 : (x->name ? x->name : "?"));
		break;
	case RS_EX_CT:
		strbuf_addf(b, "ct ");
		if (x->dir == RS_CT_DIR_ORIGINAL || x->dir == RS_CT_DIR_REPLY)
			strbuf_addf(b, "%s ", x->dir == RS_CT_DIR_ORIGINAL ? "original" : "reply");
		strbuf_addf(b, "%s", rs_ct_name((enum rs_ct_key)x->key) ? rs_ct_name((enum rs_ct_key)x->key)
							 : (x->name ? x->name : "?"));
		break;
	case RS_EX_EXTHDR:
		strbuf_addf(b, "exthdr %s%s%s", x->name ? x->name : "?", x->field ? " " : "",
			    x->field ? x->field : "");
		break;
	case RS_EX_TCPOPT:
		if ((x->flags & RS_TCPOPT_RAW) && x->field)   /* nft: tcp option @254,16,16 */
			strbuf_addf(b, "tcp option @%s,%u,%u", x->name ? x->name : "?", x->offset,
				    x->len);
		else
			strbuf_addf(b, "tcp option %s%s%s", x->name ? x->name : "?",
				    x->field ? " " : "", x->field ? x->field : "");
		break;
	case RS_EX_XFRM:
		strbuf_addf(b, "ipsec %s", x->field ? x->field : "?");
		if (x->off)
			strbuf_addf(b, " spnum %llu", (unsigned long long)x->off);
		if (x->family == RS_FAM_IP || x->family == RS_FAM_IP6)
			strbuf_addf(b, " %s", rs_family_name(x->family));
		strbuf_addf(b, " %s", x->name ? x->name : "?");
		break;
	case RS_EX_IPOPT:
		strbuf_addf(b, "ip option %s%s%s", x->name ? x->name : "?", x->field ? " " : "",
			    x->field ? x->field : "");
		break;
	case RS_EX_SCTPCHUNK:
		strbuf_addf(b, "sctp chunk %s%s%s", x->name ? x->name : "?", x->field ? " " : "",
			    x->field ? x->field : "");
		break;
	case RS_EX_FIB:
		fmt_fib(b, x);
		break;
	case RS_EX_SOCKET:
		strbuf_addf(b, "socket %s", x->name ? x->name : "?");
		break;
	case RS_EX_OSF:
		strbuf_addf(b, "osf %s%s", x->flags == 1 ? "ttl loose " : x->flags == 2 ? "ttl skip " : "",
			    x->name ? x->name : "?");
		break;
	case RS_EX_RT:
		strbuf_addf(b, "rt %s%s", x->family == RS_FAM_IP ? "ip " : x->family == RS_FAM_IP6 ?
			    "ip6 " : "", x->name ? x->name : "?");
		break;
	case RS_EX_NUMGEN:
		strbuf_addf(b, "numgen %s mod %llu", x->name ? x->name : "?", (unsigned long long)x->mod);
		if (x->off)
			strbuf_addf(b, " offset %llu", (unsigned long long)x->off);
		break;
	case RS_EX_HASH:
		strbuf_addf(b, "%s", x->name ? x->name : "?");
		if (x->nsub) {
			strbuf_addf(b, " ");
			fmt_expr(b, x->sub[0]);
		}
		strbuf_addf(b, " mod %llu", (unsigned long long)x->mod);
		if (x->seed)
			strbuf_addf(b, " seed 0x%llx", (unsigned long long)x->seed);
		if (x->off)
			strbuf_addf(b, " offset %llu", (unsigned long long)x->off);
		break;
	case RS_EX_CONCAT:
		for (size_t i = 0; i < x->nsub; i++) {
			strbuf_addf(b, "%s", i ? " . " : "");
			fmt_expr(b, x->sub[i]);
		}
		break;
	case RS_EX_BINOP:
		fmt_binop(b, x);
		break;
	case RS_EX_MAP:
		if (x->nsub)
			fmt_expr(b, x->sub[0]);
		strbuf_addf(b, " map ");
		if (x->arg)
			fmt_term(b, x->arg, x->nsub ? x->sub[0] : NULL);
		break;
	case RS_EX_VALUE:
		if (x->arg)
			fmt_term(b, x->arg, NULL);
		break;
	case RS_EX_UNKNOWN:
		strbuf_addf(b, "<unknown %s>", x->json ? x->json : "");
		break;
	}
}

static void fmt_match(struct strbuf *b, const struct rs_match *m)
{
	bool flags;
	const struct sym *syms = syms_for(m->left, &flags);

	if (m->op == RS_OP_NOT) {
		/* "!" lists `x & (a|b) == 0`: print it the way it is usually written */
		fmt_expr(b, m->left);
		strbuf_addf(b, " & (");
		if (m->right.kind != RS_TERM_VALUE || !syms ||
		    !fmt_flags(b, syms, m->right.v.num, "|"))
			fmt_term(b, &m->right, NULL);
		strbuf_addf(b, ") == 0");
		return;
	}
	bool masked = m->left && m->left->kind == RS_EX_BINOP && m->right.kind == RS_TERM_VALUE;

	fmt_expr(b, m->left);
	if ((m->op != RS_OP_EQ && m->op != RS_OP_IN) || (m->op == RS_OP_EQ && masked))
		strbuf_addf(b, " %s", rs_op_name(m->op));
	strbuf_addf(b, " ");
	if (masked)
		fmt_value(b, &m->right.v, m->left, "|");
	else
		fmt_term(b, &m->right, m->left);
}

static void fmt_limit(struct strbuf *b, const struct rs_limit *l)
{
	static const struct sym units[] = {
		{ 1, "second" }, { 60, "minute" }, { 3600, "hour" }, { 86400, "day" },
		{ 604800, "week" }, { 0, NULL },
	};
	const char *per = sym_name(units, l->per);

	strbuf_addf(b, "limit rate %s%llu%s/%s", l->inv ? "over " : "", (unsigned long long)l->rate,
		    l->bytes ? " bytes" : "", per ? per : "second");
	if (l->burst)
		strbuf_addf(b, " burst %llu %s", (unsigned long long)l->burst,
			    l->bytes ? "bytes" : "packets");
}

static void fmt_stmts(struct strbuf *b, const struct rs_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(b, " ");
		fmt_stmt(b, &v[i]);
	}
}

static void fmt_log(struct strbuf *b, const struct rs_log *l)
{
	static const char *const levels[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	};

	strbuf_addf(b, "log");
	if (l->prefix)
		strbuf_addf(b, " prefix \"%s\"", l->prefix);
	if (l->level >= 0 && l->level < 8)
		strbuf_addf(b, " level %s", levels[l->level]);
	if (l->group >= 0)
		strbuf_addf(b, " group %d", l->group);
	if (l->flags == 0x1f) {
		strbuf_addf(b, " flags all");
	} else if (l->flags) {
		static const char *const fl[] = { "tcp sequence", "tcp options", "ip options",
						   "skuid", "ether" };

		for (unsigned i = 0; i < 5; i++) {
			if (l->flags & (1u << i))
				strbuf_addf(b, " flags %s", fl[i]);
		}
	}
}

static void fmt_nat(struct strbuf *b, const struct rs_nat *n)
{
	static const char *const kinds[] = { "?", "snat", "dnat", "masquerade", "redirect" };
	static const char *const fl[] = { "random", "fully-random", "persistent", "netmap", "prefix" };
	int k = 0;

	strbuf_addf(b, "%s", n->kind >= 1 && n->kind <= 4 ? kinds[n->kind] : "?");
	if (n->family == RS_FAM_IP || n->family == RS_FAM_IP6)
		strbuf_addf(b, " %s", rs_family_name(n->family));
	if (n->addr.kind != RS_TERM_NONE || n->port.kind != RS_TERM_NONE)
		strbuf_addf(b, " to ");
	if (n->addr.kind != RS_TERM_NONE) {
		bool v6 = n->addr.kind == RS_TERM_VALUE && n->addr.v.dtype == RS_DT_IPV6;

		strbuf_addf(b, "%s", v6 && n->port.kind != RS_TERM_NONE ? "[" : "");
		fmt_term(b, &n->addr, NULL);
		strbuf_addf(b, "%s", v6 && n->port.kind != RS_TERM_NONE ? "]" : "");
	}
	if (n->port.kind != RS_TERM_NONE) {
		strbuf_addf(b, ":");
		fmt_term(b, &n->port, NULL);
	}
	for (unsigned i = 0; i < 5; i++) {
		if (n->flags & (1u << i))
			strbuf_addf(b, "%s%s", k++ ? "," : " ", fl[i]);
	}
}

/* synproxy's options as nft writes them, from the statement's listing; false when unreadable. */
static bool fmt_synproxy(struct strbuf *b, const char *json)
{
	json_t *j = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	json_t *o = json_object_get(j, "synproxy"), *fl, *f;
	size_t i;

	if (!json_is_object(o)) {
		json_decref(j);
		return false;
	}
	strbuf_addf(b, "synproxy");
	if (json_is_integer(json_object_get(o, "mss")))
		strbuf_addf(b, " mss %lld", (long long)json_integer_value(json_object_get(o, "mss")));
	if (json_is_integer(json_object_get(o, "wscale")))
		strbuf_addf(b, " wscale %lld",
			    (long long)json_integer_value(json_object_get(o, "wscale")));
	fl = json_object_get(o, "flags");
	if (json_is_string(fl))
		strbuf_addf(b, " %s", json_string_value(fl));
	json_array_foreach(fl, i, f)
		if (json_is_string(f))
			strbuf_addf(b, " %s", json_string_value(f));
	json_decref(j);
	return true;
}

/* tproxy [ip|ip6] to [ADDR][:PORT], from {"tproxy": {"family": ..., "addr": ..., "port": ...}} */
static bool fmt_tproxy(struct strbuf *b, const char *json)
{
	json_t *j = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	json_t *o = json_object_get(j, "tproxy");
	const char *fam = json_string_value(json_object_get(o, "family"));
	const char *addr = json_string_value(json_object_get(o, "addr"));
	json_t *port = json_object_get(o, "port");

	if (!json_is_object(o) || (!addr && !json_is_integer(port))) {
		json_decref(j);
		return false;
	}
	strbuf_addf(b, "tproxy%s%s to ", fam ? " " : "", fam ? fam : "");
	if (addr)
		strbuf_addf(b, strchr(addr, ':') && json_is_integer(port) ? "[%s]" : "%s", addr);
	if (json_is_integer(port))
		strbuf_addf(b, ":%lld", (long long)json_integer_value(port));
	json_decref(j);
	return true;
}

static void fmt_stmt(struct strbuf *b, const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH:
		fmt_match(b, &s->u.match);
		break;
	case RS_ST_VERDICT:
		fmt_verdict(b, &s->u.verdict);
		break;
	case RS_ST_VMAP:
		fmt_expr(b, s->u.vmap.key);
		strbuf_addf(b, " vmap ");
		fmt_term(b, &s->u.vmap.map, s->u.vmap.key);
		break;
	case RS_ST_COUNTER:
		strbuf_addf(b, "counter");
		break;
	case RS_ST_LOG:
		fmt_log(b, &s->u.log);
		break;
	case RS_ST_LIMIT:
		fmt_limit(b, &s->u.limit);
		break;
	case RS_ST_SET: {
		static const char *const ops[] = { "?", "add", "update", "delete" };

		strbuf_addf(b, "%s @%s { ", s->u.set.op >= 1 && s->u.set.op <= 3 ? ops[s->u.set.op] : "?",
			    s->u.set.set_name ? s->u.set.set_name : "?");
		fmt_expr(b, s->u.set.elem);
		if (s->u.set.timeout_ms)
			strbuf_addf(b, " timeout %llus", (unsigned long long)(s->u.set.timeout_ms / 1000));
		fmt_stmts(b, s->u.set.stmts, s->u.set.nstmts);
		strbuf_addf(b, " }");
		break;
	}
	case RS_ST_METER:
		strbuf_addf(b, "meter %s", s->u.meter.name ? s->u.meter.name : "?");
		if (s->u.meter.size)
			strbuf_addf(b, " size %llu", (unsigned long long)s->u.meter.size);
		strbuf_addf(b, " { ");
		fmt_expr(b, s->u.meter.key);
		if (s->u.meter.timeout_ms)
			strbuf_addf(b, " timeout %llus", (unsigned long long)(s->u.meter.timeout_ms / 1000));
		fmt_stmts(b, s->u.meter.stmts, s->u.meter.nstmts);
		strbuf_addf(b, " }");
		break;
	case RS_ST_QUOTA:
		strbuf_addf(b, "quota %s%llu bytes", s->u.quota.inv ? "over " : "",
			    (unsigned long long)s->u.quota.bytes);
		break;
	case RS_ST_CT_COUNT:
		strbuf_addf(b, "ct count %s%llu", s->u.ct_count.inv ? "over " : "",
			    (unsigned long long)s->u.ct_count.count);
		break;
	case RS_ST_MANGLE:
		if (s->u.mangle.value.kind == RS_TERM_NONE) {
			strbuf_addf(b, "reset ");
			fmt_expr(b, s->u.mangle.key);
			break;
		}
		fmt_expr(b, s->u.mangle.key);
		strbuf_addf(b, " set ");
		fmt_term(b, &s->u.mangle.value, s->u.mangle.key);
		break;
	case RS_ST_NAT:
		fmt_nat(b, &s->u.nat);
		break;
	case RS_ST_NOTRACK:
		strbuf_addf(b, "notrack");
		break;
	case RS_ST_REJECT:
		strbuf_addf(b, "reject");
		if (s->u.reject.type && !strcmp(s->u.reject.type, "tcp reset"))
			strbuf_addf(b, " with tcp reset");
		else if (s->u.reject.type)
			strbuf_addf(b, " with %s %d", s->u.reject.type, s->u.reject.code);
		break;
	case RS_ST_QUEUE:
		strbuf_addf(b, "queue");
		if (s->u.queue.num.kind != RS_TERM_NONE) {
			strbuf_addf(b, " num ");
			fmt_term(b, &s->u.queue.num, NULL);
		}
		if (s->u.queue.flags & 1)
			strbuf_addf(b, " bypass");
		if (s->u.queue.flags & 2)
			strbuf_addf(b, " fanout");
		break;
	case RS_ST_DUP:
	case RS_ST_FWD:
		strbuf_addf(b, "%s", s->kind == RS_ST_DUP ? "dup" : "fwd");
		if (s->u.dup.family == RS_FAM_IP || s->u.dup.family == RS_FAM_IP6)
			strbuf_addf(b, " %s", rs_family_name(s->u.dup.family));
		strbuf_addf(b, " to ");
		if (s->u.dup.addr.kind != RS_TERM_NONE) {
			fmt_term(b, &s->u.dup.addr, NULL);
			if (s->u.dup.dev || s->u.dup.devx.kind != RS_TERM_NONE)
				strbuf_addf(b, " device ");
		}
		if (s->u.dup.dev)
			strbuf_addf(b, "\"%s\"", s->u.dup.dev);
		else if (s->u.dup.devx.kind != RS_TERM_NONE)
			fmt_term(b, &s->u.dup.devx, NULL);
		break;
	case RS_ST_OBJREF:
		if (s->u.objref.type && !strncmp(s->u.objref.type, "ct ", 3))
			strbuf_addf(b, "%s set ", s->u.objref.type);
		else
			strbuf_addf(b, "%s name ", s->u.objref.type ? s->u.objref.type : "?");
		fmt_term(b, &s->u.objref.name, NULL);
		break;
	case RS_ST_SYNPROXY:
		if (!fmt_synproxy(b, s->json))
			strbuf_addf(b, "<opaque %s>", s->json ? s->json : "");
		break;
	case RS_ST_TPROXY:
		if (!fmt_tproxy(b, s->json))
			strbuf_addf(b, "<opaque %s>", s->json ? s->json : "");
		break;
	case RS_ST_FLOW:
	case RS_ST_LAST:
	case RS_ST_XT:
	case RS_ST_UNKNOWN:
		strbuf_addf(b, "<%s %s>", s->kind == RS_ST_UNKNOWN ? "unknown" : "opaque",
			    s->json ? s->json : "");
		break;
	}
}

char *ruleset_rule_format(const struct rs_rule *r, bool show_implicit)
{
	struct strbuf b = { 0 };
	int n = 0;

	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];

		if (s->kind == RS_ST_MATCH && s->u.match.implicit && !show_implicit)
			continue;
		strbuf_addf(&b, "%s", n++ ? " " : "");
		fmt_stmt(&b, s);
	}
	if (r->comment)
		strbuf_addf(&b, "%scomment \"%s\"", n ? " " : "", r->comment);
	return strbuf_take(&b);
}

char *rs_stmt_format(const struct rs_stmt *s)
{
	struct strbuf b = { 0 };

	fmt_stmt(&b, s);
	return strbuf_take(&b);
}

char *rs_expr_format(const struct rs_expr *x)
{
	struct strbuf b = { 0 };

	fmt_expr(&b, x);
	return strbuf_take(&b);
}

char *rs_term_format(const struct rs_term *t)
{
	struct strbuf b = { 0 };

	fmt_term(&b, t, NULL);
	return strbuf_take(&b);
}
