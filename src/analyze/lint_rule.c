// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading rules for the lint: what a rule does in the end, and what one of
 * its matches says about one value (a conntrack state, an interface name,
 * an ICMP type, an address). Unknown stays unknown (-1): a dynamic set, a
 * value nft computes at run time, an expression xnft does not model.
 */
#include <string.h>

#include "analyze/construct.h"
#include "analyze/lint_int.h"
#include "core/addr.h"

/*
 * The verdict written, or else the one a statement gives (construct.h):
 * reject drops; nat, queue and fwd accept; synproxy steals the packets it
 * answers (for the lint: they do not get through, and the rule may stop
 * for the others, cx_stmt_may_stop).
 */
enum lint_vk lint_verdict(const struct rs_rule *r)
{
	if (r->verdict && r->verdict->kind == RS_ST_VMAP)
		return LINT_V_VMAP;
	if (r->verdict) {
		switch (r->verdict->u.verdict.kind) {
		case RS_VERDICT_ACCEPT:
		case RS_VERDICT_QUEUE: return LINT_V_ACCEPT;
		case RS_VERDICT_DROP: return LINT_V_DROP;
		case RS_VERDICT_JUMP: return LINT_V_JUMP;
		case RS_VERDICT_GOTO: return LINT_V_GOTO;
		case RS_VERDICT_RETURN: return LINT_V_RETURN;
		case RS_VERDICT_CONTINUE: return LINT_V_CONTINUE;
		default: break;
		}
	}
	for (size_t i = 0; i < r->nitems; i++) {
		switch (cx_stmt_desc(&r->items[i])->verdict) {
		case CX_V_ACCEPT: return LINT_V_ACCEPT;
		case CX_V_DROP:
		case CX_V_STOLEN_SYN: return LINT_V_DROP;
		default: break;
		}
	}
	return LINT_V_NONE;
}

const struct rs_verdict *lint_jump(const struct rs_rule *r)
{
	if (!r->verdict || r->verdict->kind != RS_ST_VERDICT)
		return NULL;
	if (r->verdict->u.verdict.kind != RS_VERDICT_JUMP &&
	    r->verdict->u.verdict.kind != RS_VERDICT_GOTO)
		return NULL;
	return &r->verdict->u.verdict;
}

const struct rs_expr *lint_unmask(const struct rs_expr *x, const struct rs_term **mask)
{
	if (mask)
		*mask = NULL;
	if (x && x->kind == RS_EX_BINOP && x->key == RS_BINOP_AND && x->nsub == 1 && x->arg &&
	    x->arg->kind == RS_TERM_VALUE) {
		if (mask)
			*mask = x->arg;
		return x->sub[0];
	}
	return x;
}

bool lint_is_meta(const struct rs_expr *x, enum rs_meta_key k)
{
	x = lint_unmask(x, NULL);
	return x && x->kind == RS_EX_META && x->key == (int)k;
}

bool lint_is_ct(const struct rs_expr *x, enum rs_ct_key k)
{
	x = lint_unmask(x, NULL);
	return x && x->kind == RS_EX_CT && x->key == (int)k;
}

bool lint_is_field(const struct rs_expr *x, enum rs_field f)
{
	x = lint_unmask(x, NULL);
	return x && x->kind == RS_EX_PAYLOAD && x->key == (int)f;
}

bool lint_expr_uses_ct(const struct rs_expr *x)
{
	if (!x)
		return false;
	if (x->kind == RS_EX_CT)
		return true;
	for (size_t i = 0; i < x->nsub; i++) {
		if (lint_expr_uses_ct(x->sub[i]))
			return true;
	}
	return false;
}

/* ---- values ----------------------------------------------------------------------- */

static bool is_name_type(enum rs_dtype dt)
{
	return dt == RS_DT_IFNAME || dt == RS_DT_IFINDEX || dt == RS_DT_STRING;
}

/* An interface name against a listed name that may end in '*'. */
static bool name_matches(const struct rs_value *pat, const char *name)
{
	const char *p = pat->str;
	size_t n;

	if (!p || !name)
		return false;
	n = strlen(p);
	if (n && p[n - 1] == '*')
		return !strncmp(p, name, n - 1);
	if (pat->wildcard)
		return !strncmp(p, name, n);
	return !strcmp(p, name);
}

static unsigned width(const struct rs_value *v)
{
	return v->bits ? v->bits : 64;
}

/* -1, 0, 1 as a is below, equal to or above b. */
static int value_cmp(const struct rs_value *a, const struct rs_value *b)
{
	unsigned w = width(a) > width(b) ? width(a) : width(b);
	unsigned nb = (w + 7) / 8;
	int c;

	if (w <= 64)
		return a->num < b->num ? -1 : a->num > b->num;
	if (nb > RS_VALUE_BYTES)
		nb = RS_VALUE_BYTES;
	c = memcmp(a->b, b->b, nb);
	return c < 0 ? -1 : c > 0;
}

static bool in_prefix(const struct rs_value *v, const struct rs_value *p, unsigned plen)
{
	unsigned char a[RS_VALUE_BYTES], b[RS_VALUE_BYTES];

	if (plen > RS_VALUE_BYTES * 8)
		return false;
	addr_prefix_bounds(v->b, RS_VALUE_BYTES, plen, a, NULL);
	addr_prefix_bounds(p->b, RS_VALUE_BYTES, plen, b, NULL);
	return !memcmp(a, b, sizeof(a));
}

static int set_has(const struct rs_set *s, const struct rs_value *v)
{
	bool runtime = rs_set_filled_at_run_time(s);

	for (size_t i = 0; i < s->nelems; i++) {
		if (lint_term_has(&s->elems[i].key, v) == 1)
			return 1;
	}
	/* a set the ruleset fills at run time may hold anything later */
	return runtime ? -1 : 0;
}

int lint_term_has(const struct rs_term *t, const struct rs_value *v)
{
	int r = 0;

	switch (t->kind) {
	case RS_TERM_VALUE:
		if (is_name_type(v->dtype))
			return name_matches(&t->v, v->str);
		return value_cmp(v, &t->v) == 0;
	case RS_TERM_PREFIX:
		return in_prefix(v, &t->v, t->plen);
	case RS_TERM_RANGE:
		return value_cmp(v, &t->v) >= 0 && value_cmp(v, &t->hi) <= 0;
	case RS_TERM_SET:
		for (size_t i = 0; i < t->nelems; i++) {
			int h = lint_term_has(&t->elems[i].key, v);

			if (h == 1)
				return 1;
			if (h < 0)
				r = -1;
		}
		return r;
	case RS_TERM_SETREF:
		return t->set ? set_has(t->set, v) : -1;
	default:
		return -1;
	}
}

static int not3(int v)
{
	return v < 0 ? -1 : !v;
}

static int compare_op(enum rs_op op, const struct rs_term *right, const struct rs_value *v)
{
	int c;

	if (right->kind != RS_TERM_VALUE || is_name_type(v->dtype))
		return -1;
	c = value_cmp(v, &right->v);
	switch (op) {
	case RS_OP_LT: return c < 0;
	case RS_OP_GT: return c > 0;
	case RS_OP_LE: return c <= 0;
	case RS_OP_GE: return c >= 0;
	default: return -1;
	}
}

int lint_match_value(const struct rs_match *m, const struct rs_value *v)
{
	const struct rs_term *mask = NULL;
	struct rs_value x = *v;

	lint_unmask(m->left, &mask);
	if (mask) {
		if (width(v) > 64 || is_name_type(v->dtype))
			return -1;
		rs_value_from_num(&x, v->dtype, v->bits, v->num & mask->v.num);
	}
	switch (m->op) {
	case RS_OP_EQ: return lint_term_has(&m->right, &x);
	case RS_OP_NE: return not3(lint_term_has(&m->right, &x));
	case RS_OP_IN:
	case RS_OP_NOT:
		if (m->right.kind != RS_TERM_VALUE || width(&x) > 64)
			return -1;
		return ((x.num & m->right.v.num) != 0) == (m->op == RS_OP_IN);
	default:
		return compare_op(m->op, &m->right, &x);
	}
}

int lint_match_num(const struct rs_match *m, uint64_t n)
{
	const struct rs_expr *x = lint_unmask(m->left, NULL);
	struct rs_value v;

	rs_value_from_num(&v, RS_DT_INTEGER, x && x->bits ? x->bits : 64, n);
	return lint_match_value(m, &v);
}

int lint_match_ifname(const struct rs_match *m, const char *name)
{
	struct rs_value v;

	if (!name)   /* no such interface: equality never holds */
		return m->op == RS_OP_NE;
	memset(&v, 0, sizeof(v));
	v.dtype = RS_DT_IFNAME;
	v.bits = 128;
	v.str = (char *)name;
	return lint_match_value(m, &v);
}

/* ---- statements: what construct.h says of them ------------------------------------ */

bool lint_stmt_may_miss(const struct rs_stmt *s)
{
	const struct rs_expr *reads[4], *parts[4];
	size_t nr = cx_stmt_reads(s, reads, 4);

	for (size_t k = 0; k < nr; k++)
		if (cx_breaking_parts(reads[k], parts, 4))
			return true;
	return cx_stmt_desc(s)->verdict == CX_V_STOLEN_SYN;
}

bool lint_stmt_gates(const struct rs_stmt *s)
{
	/* a verdict map's missing key is the walk's own business (walk_vmap) */
	return s->kind != RS_ST_MATCH && s->kind != RS_ST_VMAP && cx_stmt_may_stop(s);
}

static bool limits(const struct rs_stmt *s)
{
	if (s->kind == RS_ST_LIMIT)
		return !s->u.limit.inv;
	if (s->kind == RS_ST_OBJREF)
		return s->u.objref.type && !strcmp(s->u.objref.type, "limit");
	if (s->kind == RS_ST_METER) {
		for (size_t i = 0; i < s->u.meter.nstmts; i++) {
			if (limits(&s->u.meter.stmts[i]))
				return true;
		}
	}
	if (s->kind == RS_ST_SET) {
		for (size_t i = 0; i < s->u.set.nstmts; i++) {
			if (limits(&s->u.set.stmts[i]))
				return true;
		}
	}
	return false;
}

bool lint_rule_limited_before(const struct rs_rule *r, size_t upto)
{
	for (size_t i = 0; i < upto && i < r->nitems; i++) {
		if (limits(&r->items[i]))
			return true;
	}
	return false;
}

int lint_rule_log_index(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		if (r->items[i].kind == RS_ST_LOG)
			return (int)i;
	}
	return -1;
}
