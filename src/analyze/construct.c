// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One definition per construct (construct.h): the tracer and the engine
 * both ask here when an expression ends a rule and what a statement can do.
 */
#include "analyze/construct.h"

#include <string.h>

#include <jansson.h>

enum cx_break cx_expr_break(const struct rs_expr *x)
{
	if (!x)
		return CX_BREAK_NEVER;
	if (x->kind == RS_EX_MAP)
		return CX_BREAK_MISS;
	/* nft_ct_get_eval: only the state has a value without an entry */
	if (x->kind == RS_EX_CT && x->key != RS_CT_STATE)
		return CX_BREAK_NO_CT;
	return CX_BREAK_NEVER;
}

#define DESC(v, stop, chg, fx, as) { .verdict = (v), .may_stop = (stop), .changes = (chg), \
				      .effect = (fx), .assumes = (as) }

static const struct cx_stmt_desc descs[] = {
	[RS_ST_UNKNOWN]  = DESC(CX_V_GIVEN, true, true, true, "not modelled: any verdict, or none"),
	[RS_ST_MATCH]    = DESC(CX_V_NONE, true, false, false, NULL),
	[RS_ST_VERDICT]  = DESC(CX_V_GIVEN, false, false, false, NULL),
	[RS_ST_VMAP]     = DESC(CX_V_GIVEN, true, false, false, NULL),
	[RS_ST_COUNTER]  = DESC(CX_V_NONE, false, false, true, NULL),
	[RS_ST_LOG]      = DESC(CX_V_NONE, false, false, true, NULL),
	[RS_ST_LIMIT]    = DESC(CX_V_NONE, true, false, false, "under or over the rate: either"),
	[RS_ST_SET]      = DESC(CX_V_NONE, true, true, true, NULL),
	[RS_ST_METER]    = DESC(CX_V_NONE, true, true, true, NULL),
	[RS_ST_QUOTA]    = DESC(CX_V_NONE, true, false, true, "under or over the quota: either"),
	[RS_ST_CT_COUNT] = DESC(CX_V_NONE, true, false, false, "under or over the count: either"),
	[RS_ST_MANGLE]   = DESC(CX_V_NONE, false, true, true, NULL),
	[RS_ST_NAT]      = DESC(CX_V_ACCEPT, false, true, true, NULL),
	[RS_ST_NOTRACK]  = DESC(CX_V_NONE, false, true, true, NULL),
	[RS_ST_REJECT]   = DESC(CX_V_DROP, false, false, true, NULL),
	[RS_ST_QUEUE]    = DESC(CX_V_ACCEPT, false, false, true, "userspace decides: taken as accept"),
	[RS_ST_DUP]      = DESC(CX_V_NONE, false, false, true, NULL),
	[RS_ST_FWD]      = DESC(CX_V_ACCEPT, false, false, true, "leaves through another device"),
	[RS_ST_OBJREF]   = DESC(CX_V_NONE, true, true, true, NULL),
	[RS_ST_SYNPROXY] = DESC(CX_V_STOLEN_SYN, false, false, true, NULL),
	[RS_ST_FLOW]     = DESC(CX_V_NONE, false, true, true, NULL),
	/* nft_tproxy_eval: no transparent socket for the packet is NFT_BREAK */
	[RS_ST_TPROXY]   = DESC(CX_V_NONE, true, true, true, "a transparent socket takes the packet: "
				"taken as found (trace), either (the engine)"),
	[RS_ST_LAST]     = DESC(CX_V_NONE, false, false, true, NULL),
	[RS_ST_XT]       = DESC(CX_V_GIVEN, true, true, true, "not modelled: any verdict, or none"),
};

static bool objref_is(const struct rs_stmt *s, const char *type)
{
	return s->kind == RS_ST_OBJREF && s->u.objref.type && !strcmp(s->u.objref.type, type);
}

enum rs_stmt_kind cx_stmt_kind(const struct rs_stmt *s)
{
	return objref_is(s, "synproxy") ? RS_ST_SYNPROXY : s->kind;
}

bool cx_stmt_needs_new_ct(const struct rs_stmt *s)
{
	return objref_is(s, "ct expectation");
}

int cx_tproxy_family(const struct rs_stmt *s)
{
	json_t *j = s->kind == RS_ST_TPROXY && s->json ? json_loads(s->json, 0, NULL) : NULL;
	/* the loader keeps the statement: {"tproxy": {"family": "ip", "port": 7954}} */
	const char *fam = json_string_value(json_object_get(json_object_get(j, "tproxy"),
							   "family"));
	int v = fam && !strcmp(fam, "ip") ? 4 : fam && !strcmp(fam, "ip6") ? 6 : 0;

	json_decref(j);
	return v;
}

int cx_ct_label_bit(const struct rs_term *t)
{
	return t->kind == RS_TERM_VALUE && !t->v.str && t->v.num < 128 ? (int)t->v.num : -1;
}

const struct cx_stmt_desc *cx_stmt_desc(const struct rs_stmt *s)
{
	size_t k = (size_t)cx_stmt_kind(s);

	return k < sizeof(descs) / sizeof(descs[0]) ? &descs[k] : &descs[RS_ST_UNKNOWN];
}

static size_t push_term(const struct rs_term *t, const struct rs_expr **out, size_t n, size_t max)
{
	if (t->kind == RS_TERM_EXPR && t->expr && n < max)
		out[n++] = t->expr;
	for (size_t i = 0; t->kind == RS_TERM_CONCAT && i < t->nsub; i++)
		n = push_term(&t->sub[i], out, n, max);
	return n;
}

size_t cx_stmt_reads(const struct rs_stmt *s, const struct rs_expr **out, size_t max)
{
	size_t n = 0;

	switch (s->kind) {
	case RS_ST_MANGLE:
		return push_term(&s->u.mangle.value, out, n, max);
	case RS_ST_NAT:
		n = push_term(&s->u.nat.addr, out, n, max);
		return push_term(&s->u.nat.port, out, n, max);
	case RS_ST_OBJREF:
		return push_term(&s->u.objref.name, out, n, max);
	case RS_ST_DUP: case RS_ST_FWD:
		/* nft_fwd/nft_dup read the address and device from registers a lookup fills */
		n = push_term(&s->u.dup.addr, out, n, max);
		return push_term(&s->u.dup.devx, out, n, max);
	default:
		return 0;
	}
}

static size_t walk(const struct rs_expr *x, const struct rs_expr **out, size_t n, size_t max,
		   int depth)
{
	if (!x || depth > 8)
		return n;
	for (size_t i = 0; i < x->nsub; i++)
		n = walk(x->sub[i], out, n, max, depth + 1);
	if (x->arg && x->arg->kind == RS_TERM_EXPR)
		n = walk(x->arg->expr, out, n, max, depth + 1);
	if (cx_expr_break(x) != CX_BREAK_NEVER && n < max)
		out[n++] = x;
	return n;
}

size_t cx_breaking_parts(const struct rs_expr *x, const struct rs_expr **out, size_t max)
{
	return walk(x, out, 0, max, 0);
}

bool cx_objref_inverted(const struct rs_rule *rule, const struct rs_stmt *s)
{
	const struct rs_table *t = rule && rule->chain ? rule->chain->table : NULL;
	const struct rs_objref *o = &s->u.objref;
	const char *name = o->name.kind == RS_TERM_VALUE ? o->name.v.str : NULL;
	bool inv = false;

	if (s->kind != RS_ST_OBJREF || !o->type || !name)
		return false;
	for (size_t i = 0; t && i < t->nobjects; i++) {
		const struct rs_object *ob = &t->objects[i];
		json_t *j;

		if (!ob->type || !ob->name || strcmp(ob->type, o->type) || strcmp(ob->name, name) ||
		    !ob->json)
			continue;
		/* the loader keeps the object's body: {"name": ..., "bytes": ..., "inv": true} */
		j = json_loads(ob->json, JSON_DECODE_ANY, NULL);
		inv = j && json_is_true(json_object_get(j, "inv"));
		json_decref(j);
	}
	return inv;
}

static const char *meta_depends(int key)
{
	switch (key) {
	case RS_META_CPU: return "depends on the cpu";
	case RS_META_TIME: case RS_META_DAY: case RS_META_HOUR: return "depends on the time";
	case RS_META_SDIF: case RS_META_SDIFNAME: return "depends on a VRF";
	case RS_META_SECPATH: case RS_META_IPSEC: return "depends on IPsec";
	case RS_META_RANDOM: return "random";
	default: return NULL;
	}
}

/* ct keys whose value no packet field gives (trace_ctvals.c: what trace takes). */
static const char *ct_depends(unsigned key)
{
	switch (key) {
	case RS_CT_EXPIRATION: return "depends on the time";
	case RS_CT_ID: return "random for each connection";
	default: return NULL;
	}
}

const char *cx_expr_depends(const struct rs_expr *x)
{
	if (!x)
		return NULL;
	switch (x->kind) {
	case RS_EX_META: return meta_depends(x->key);
	case RS_EX_CT: return ct_depends(x->key);
	case RS_EX_XFRM: return "depends on IPsec";
	case RS_EX_RT: return "depends on the route";
	case RS_EX_TCPOPT: return "depends on the tcp options";
	case RS_EX_OSF: return "depends on the OS fingerprints loaded";
	case RS_EX_SOCKET: return "depends on the host's sockets";
	case RS_EX_PAYLOAD: {
		const struct rs_field_info *fi = rs_field_info((enum rs_field)x->key);

		return fi && (fi->proto == RS_PROTO_ESP || fi->proto == RS_PROTO_AH) ?
		       "depends on the IPsec header" : NULL;
	}
	case RS_EX_BINOP: return x->nsub ? cx_expr_depends(x->sub[0]) : NULL;
	default: return NULL;
	}
}

bool cx_expr_link_layer(const struct rs_expr *x)
{
	const struct rs_field_info *fi;

	if (!x || x->kind != RS_EX_PAYLOAD)
		return false;
	if (x->key == RS_F_RAW)
		return x->base == 0;   /* @ll */
	fi = rs_field_info((enum rs_field)x->key);
	return fi && (fi->proto == RS_PROTO_ETHER || fi->proto == RS_PROTO_VLAN);
}

bool cx_stmt_writes_link(const struct rs_stmt *s)
{
	return s->kind == RS_ST_MANGLE && cx_expr_link_layer(s->u.mangle.key);
}

bool cx_no_link_header(enum rs_hook h, bool sent_by_host)
{
	return h == RS_HOOK_OUTPUT || (h == RS_HOOK_POSTROUTING && sent_by_host);
}

bool cx_stmt_needs_tcp(const struct rs_stmt *s)
{
	return s->kind == RS_ST_MANGLE && s->u.mangle.value.kind == RS_TERM_NONE &&
	       s->u.mangle.key && s->u.mangle.key->kind == RS_EX_TCPOPT;
}

static bool stateful_list(const struct rs_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == RS_ST_LIMIT || v[i].kind == RS_ST_QUOTA ||
		    v[i].kind == RS_ST_CT_COUNT)
			return true;
	return false;
}

bool cx_stmt_may_stop(const struct rs_stmt *s)
{
	const struct rs_expr *reads[4], *parts[4];
	size_t nr = cx_stmt_reads(s, reads, 4);

	for (size_t k = 0; k < nr; k++)
		if (cx_breaking_parts(reads[k], parts, 4))
			return true;
	switch (s->kind) {
	case RS_ST_OBJREF:
		return objref_is(s, "quota") || objref_is(s, "limit") || objref_is(s, "synproxy") ||
		       cx_stmt_needs_new_ct(s);
	case RS_ST_SET:
		return stateful_list(s->u.set.stmts, s->u.set.nstmts);
	case RS_ST_METER:
		return stateful_list(s->u.meter.stmts, s->u.meter.nstmts);
	case RS_ST_SYNPROXY:
		return true;
	case RS_ST_MANGLE:
		return cx_stmt_needs_tcp(s) || cx_stmt_writes_link(s);
	default:
		return cx_stmt_desc(s)->may_stop;
	}
}

/* `ip saddr @s` on a set declared with `counter` (or quota, last): the lookup counts per element */
static bool lookup_counts(const struct rs_stmt *s)
{
	const struct rs_term *t = &s->u.match.right;

	return t->kind == RS_TERM_SETREF && t->set && t->set->nstmts > 0;
}

bool cx_stmt_effect(const struct rs_stmt *s)
{
	if (s->kind == RS_ST_MATCH)
		return lookup_counts(s);
	return cx_stmt_desc(s)->effect;
}
