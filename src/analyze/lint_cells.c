// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lint's reachability: cells (family x conntrack state x input
 * interface, see lint_int.h), each rule's conditions on them, and one walk
 * per base chain that follows jump, goto, return and verdict maps the way
 * the kernel does, recording which cells may reach each rule.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/lint_int.h"

/* The kernel refuses deeper jump stacks; a walk never needs more. */
#define MAX_DEPTH 16
#define WALK_BUDGET 2000000

/* ---- cells -------------------------------------------------------------------------- */

void cells_clear(struct cells *c)
{
	memset(c, 0, sizeof(*c));
}

void cells_all(struct cells *c, uint64_t ifaces)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			c->m[f][s] = ifaces;
}

bool cells_empty(const struct cells *c)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			if (c->m[f][s])
				return false;
	return true;
}

void cells_or(struct cells *d, const struct cells *a)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			d->m[f][s] |= a->m[f][s];
}

void cells_and(struct cells *d, const struct cells *a)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			d->m[f][s] &= a->m[f][s];
}

void cells_andnot(struct cells *d, const struct cells *a)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			d->m[f][s] &= ~a->m[f][s];
}

bool cells_meet(const struct cells *a, const struct cells *b)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			if (a->m[f][s] & b->m[f][s])
				return true;
	return false;
}

uint64_t cells_ifaces(const struct cells *c)
{
	uint64_t u = 0;

	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			u |= c->m[f][s];
	return u;
}

void cells_keep_ct(struct cells *c, unsigned ctbits)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			if (!(ctbits & (1u << s)))
				c->m[f][s] = 0;
}

void cells_keep_if(struct cells *c, uint64_t ifaces)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			c->m[f][s] &= ifaces;
}

uint64_t lint_ct_bit(int i)
{
	static const uint64_t bits[LINT_NCT] = {
		RS_CTSTATE_INVALID, RS_CTSTATE_ESTABLISHED, RS_CTSTATE_RELATED,
		RS_CTSTATE_NEW, RS_CTSTATE_UNTRACKED,
	};

	return i >= 0 && i < LINT_NCT ? bits[i] : 0;
}

/* ---- lookups ------------------------------------------------------------------------- */

struct lint_cinfo *lint_chain_info(const struct lint_ctx *x, const struct rs_chain *c)
{
	for (size_t i = 0; i < x->nch; i++) {
		if (x->ch[i].c == c)
			return &x->ch[i];
	}
	return NULL;
}

struct lint_rinfo *lint_rule_info(const struct lint_ctx *x, const struct rs_rule *r)
{
	struct lint_cinfo *ci = lint_chain_info(x, r->chain);

	if (!ci || r < ci->c->rules || r >= ci->c->rules + ci->c->nrules)
		return NULL;
	return &ci->ri[r - ci->c->rules];
}

const char *lint_define(const struct lint_ctx *x, const char *name)
{
	if (!x->src)
		return NULL;
	for (size_t i = x->src->ndefines; i-- > 0;) {
		if (!strcmp(x->src->defines[i].name, name))
			return x->src->defines[i].value;
	}
	return NULL;
}

void lint_ctx_free(struct lint_ctx *x)
{
	for (size_t i = 0; i < x->nch; i++)
		free(x->ch[i].ri);
	free(x->ch);
	for (size_t i = 0; i < x->ifs.n; i++)
		free(x->ifs.name[i]);
	memset(&x->ifs, 0, sizeof(x->ifs));
	x->ch = NULL;
	x->nch = 0;
}

/* ---- interface representatives --------------------------------------------------------- */

static int if_find(const struct lint_ifaces *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->name[i] && !strcmp(f->name[i], name))
			return (int)i;
	}
	return -1;
}

/* A name as listed ("eth*" stands for every name starting with "eth"). */
static int if_add(struct lint_ifaces *f, const char *listed)
{
	size_t len = strlen(listed);
	char *name;
	int at;

	if (len && listed[len - 1] == '*') {
		/* one representative of "some eth... not named elsewhere" */
		name = malloc(len + 1);
		if (!name)
			return -1;
		memcpy(name, listed, len - 1);
		name[len - 1] = '\x7f';
		name[len] = '\0';
	} else {
		name = strdup(listed);
		if (!name)
			return -1;
	}
	at = if_find(f, name);
	/* the last slot stays for "any other interface" */
	if (at >= 0 || f->n + 1 >= LINT_MAXIF) {
		free(name);
		return 0;
	}
	f->name[f->n++] = name;
	return 0;
}

static int if_add_term(struct lint_ifaces *f, const struct rs_term *t)
{
	int rc = 0;

	if (t->kind == RS_TERM_VALUE && t->v.str)
		return if_add(f, t->v.str);
	if (t->kind == RS_TERM_SET)
		for (size_t i = 0; i < t->nelems && !rc; i++)
			rc = if_add_term(f, &t->elems[i].key);
	if (t->kind == RS_TERM_SETREF && t->set)
		for (size_t i = 0; i < t->set->nelems && !rc; i++)
			rc = if_add_term(f, &t->set->elems[i].key);
	return rc;
}

static bool is_iif(const struct rs_expr *x)
{
	return lint_is_meta(x, RS_META_IIF) || lint_is_meta(x, RS_META_IIFNAME);
}

static int if_collect_rules(struct lint_ctx *x)
{
	for (size_t t = 0; t < x->rs->ntables; t++) {
		const struct rs_table *tb = x->rs->tables[t];

		for (size_t c = 0; c < tb->nchains; c++) {
			const struct rs_chain *ch = tb->chains[c];

			for (size_t r = 0; r < ch->nrules; r++) {
				const struct rs_rule *ru = &ch->rules[r];

				for (size_t i = 0; i < ru->nitems; i++) {
					const struct rs_stmt *s = &ru->items[i];

					if (s->kind == RS_ST_MATCH && is_iif(s->u.match.left) &&
					    if_add_term(&x->ifs, &s->u.match.right))
						return -1;
				}
			}
		}
	}
	return 0;
}

static void add_define_name(const char *name, void *arg)
{
	if_add(arg, name);
}

static bool mesh_define(const struct lint_define *d)
{
	return lint_define_is_iface(d) &&
	       (strstr(d->name, "MESH") || strstr(d->name, "WG") || strstr(d->name, "VPN") ||
		strstr(d->name, "TAILSCALE") || strstr(d->name, "TUN"));
}

static void mark_mesh_name(const char *name, void *arg)
{
	struct lint_ifaces *f = arg;
	int at = if_find(f, name);

	if (at >= 0)
		f->mesh |= 1ULL << at;
}

static bool looks_mesh(const char *name)
{
	static const char *const pre[] = { "wg", "wt", "tailscale", "nebula", "zt", "tun" };

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		if (!strncmp(name, pre[i], strlen(pre[i])))
			return true;
	}
	return false;
}

static void if_mark_mesh(struct lint_ctx *x)
{
	bool by_define = false;

	for (size_t i = 0; x->src && i < x->src->ndefines; i++) {
		if (mesh_define(&x->src->defines[i])) {
			lint_define_names(x->src->defines[i].value, mark_mesh_name, &x->ifs);
			by_define = true;
		}
	}
	if (by_define)
		return;
	/* no define says which is the mesh: go by the usual names */
	for (size_t i = 0; i < x->ifs.n; i++) {
		if (x->ifs.name[i] && looks_mesh(x->ifs.name[i]))
			x->ifs.mesh |= 1ULL << i;
	}
}

static int if_prepare(struct lint_ctx *x)
{
	struct lint_ifaces *f = &x->ifs;

	f->lo = 0;
	f->name[f->n++] = strdup("lo");
	f->none = 1;
	f->name[f->n++] = NULL;
	if (!f->name[0])
		return -1;
	for (size_t i = 0; x->src && i < x->src->ndefines; i++) {
		if (lint_define_is_iface(&x->src->defines[i]))
			lint_define_names(x->src->defines[i].value, add_define_name, f);
	}
	if (if_collect_rules(x))
		return -1;
	/* a name no rule and no define mentions */
	f->other = (int)f->n;
	f->name[f->n++] = strdup("\x01other");
	if (!f->name[f->other])
		return -1;
	f->all = f->n >= 64 ? ~0ULL : (1ULL << f->n) - 1;
	if_mark_mesh(x);
	return 0;
}

/* ---- what a rule says about the cells ----------------------------------------------------- */

static const uint64_t nf_values[LINT_NNF] = { RS_NFPROTO_IPV4, RS_NFPROTO_IPV6, 7 /* arp */ };

/* Restrict c by one match; false when it says nothing exact about the cells. */
static bool restrict_nfproto(const struct rs_match *m, struct cells *c)
{
	int keep[LINT_NNF];

	for (int f = 0; f < LINT_NNF; f++) {
		keep[f] = lint_match_num(m, nf_values[f]);
		if (keep[f] < 0)
			return false;
	}
	for (int f = 0; f < LINT_NNF; f++)
		if (!keep[f])
			memset(c->m[f], 0, sizeof(c->m[f]));
	return true;
}

static bool restrict_ct(const struct rs_match *m, struct cells *c)
{
	unsigned keep = 0;

	for (int s = 0; s < LINT_NCT; s++) {
		int v = lint_match_num(m, lint_ct_bit(s));

		if (v < 0)
			return false;
		if (v)
			keep |= 1u << s;
	}
	cells_keep_ct(c, keep);
	return true;
}

static bool restrict_iif(const struct lint_ifaces *f, const struct rs_match *m, struct cells *c)
{
	uint64_t keep = 0;

	for (size_t i = 0; i < f->n; i++) {
		int v = lint_match_ifname(m, f->name[i]);

		if (v < 0)
			return false;
		if (v)
			keep |= 1ULL << i;
	}
	cells_keep_if(c, keep);
	return true;
}

/*
 * Any ct key but state needs a conntrack entry: with none (invalid,
 * untracked) the kernel's ct expression ends the rule, `!=` included.
 */
static bool needs_ct_entry(const struct rs_expr *l)
{
	l = lint_unmask(l, NULL);
	return l && l->kind == RS_EX_CT && l->key != RS_CT_STATE;
}

static bool restrict_by(const struct lint_ifaces *f, const struct rs_match *m, struct cells *c)
{
	const struct rs_expr *l = m->left;

	if (needs_ct_entry(l)) {
		cells_keep_ct(c, (1u << LINT_CT_ESTABLISHED) | (1u << LINT_CT_RELATED) |
				 (1u << LINT_CT_NEW));
		return false;
	}
	if (lint_is_meta(l, RS_META_NFPROTO))
		return restrict_nfproto(m, c);
	if (lint_is_ct(l, RS_CT_STATE) && lint_unmask(l, NULL)->dir == RS_CT_DIR_NONE)
		return restrict_ct(m, c);
	if (is_iif(l))
		return restrict_iif(f, m, c);
	return false;
}

static void rule_cells(const struct lint_ctx *x, struct lint_rinfo *ri)
{
	const struct rs_rule *r = ri->r;

	cells_all(&ri->admitted, x->ifs.all);
	ri->full = true;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];

		if (s->kind == RS_ST_MATCH) {
			if (!restrict_by(&x->ifs, &s->u.match, &ri->admitted))
				ri->full = false;
		} else if (lint_stmt_gates(s)) {
			ri->full = false;
		}
	}
}

static int chains_prepare(struct lint_ctx *x)
{
	size_t n = 0;

	for (size_t t = 0; t < x->rs->ntables; t++)
		n += x->rs->tables[t]->nchains;
	x->ch = calloc(n ? n : 1, sizeof(*x->ch));
	if (!x->ch)
		return -1;
	for (size_t t = 0; t < x->rs->ntables; t++) {
		const struct rs_table *tb = x->rs->tables[t];

		for (size_t c = 0; c < tb->nchains; c++) {
			struct lint_cinfo *ci = &x->ch[x->nch++];

			ci->c = tb->chains[c];
			ci->ri = calloc(ci->c->nrules ? ci->c->nrules : 1, sizeof(*ci->ri));
			if (!ci->ri)
				return -1;
			for (size_t r = 0; r < ci->c->nrules; r++) {
				ci->ri[r].r = &ci->c->rules[r];
				rule_cells(x, &ci->ri[r]);
			}
		}
	}
	return 0;
}

int lint_cells_prepare(struct lint_ctx *x)
{
	x->budget = WALK_BUDGET;
	if (if_prepare(x))
		return -1;
	if (!x->rs)
		return 0;
	return chains_prepare(x);
}

/* ---- the walk ---------------------------------------------------------------------------- */

struct walk {
	enum rs_hook hook;
	bool before_ct, after_defrag;
	struct cells acc;                 /* accepted so far in this base chain */
	struct cells esc;                 /* invalid packets (not loopback) accepted so far */
	struct cells drops;               /* cells some drop, reject or drop map took part of */
	struct cells acc_all;             /* cells a full accept took whole, none dropped before */
	const struct rs_rule *esc_rule;   /* the first accept that took them */
};

static void walk_chain(struct lint_ctx *x, struct walk *w, const struct rs_chain *c,
		       struct cells *flow, bool limited, int depth);

static uint64_t outsiders(const struct lint_ctx *x)
{
	const struct lint_ifaces *f = &x->ifs;

	return f->all & ~(1ULL << f->lo) & ~(1ULL << f->none) & ~f->mesh;
}

static bool only_invalid(const struct cells *c)
{
	for (int f = 0; f < LINT_NNF; f++)
		for (int s = 0; s < LINT_NCT; s++)
			if (s != LINT_CT_INVALID && c->m[f][s])
				return false;
	return !cells_empty(c);
}

/* An `oif lo`/`oifname "lo"` rule: the host's packets to itself, as `iif lo` is. */
static bool only_to_lo(const struct lint_ctx *x, const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_match *m = &r->items[i].u.match;
		bool lo_only = true;

		if (r->items[i].kind != RS_ST_MATCH || (!lint_is_meta(m->left, RS_META_OIF) &&
							 !lint_is_meta(m->left, RS_META_OIFNAME)))
			continue;
		for (size_t k = 0; k < x->ifs.n && lo_only; k++) {
			int v = lint_match_ifname(m, x->ifs.name[k]);

			lo_only = (int)k == x->ifs.lo ? v == 1 : v == 0;
		}
		if (lo_only)
			return true;
	}
	return false;
}

/* What the rule's cells tell the checks that come later. */
static void note(struct lint_ctx *x, struct walk *w, struct lint_rinfo *ri,
		 const struct cells *m, bool limited)
{
	const struct rs_rule *r = ri->r;
	int log = lint_rule_log_index(r);
	uint64_t out = cells_ifaces(m) & outsiders(x);
	enum lint_vk vk = lint_verdict(r);

	if (out)
		ri->traffic_outside = true;
	if (out && log >= 0 && !limited && !lint_rule_limited_before(r, (size_t)log))
		ri->log_unlimited_outside = true;
	/* a drop of invalid packets only, on no other condition (not fw4's NAT-leak
	 * drop on one output interface, which no accept elsewhere can make late) */
	if (vk == LINT_V_DROP && ri->full && only_invalid(&ri->admitted) && !ri->invalid_escape &&
	    cells_meet(&w->esc, &ri->admitted))
		ri->invalid_escape = w->esc_rule;
	if (vk == LINT_V_DROP)
		cells_or(&w->drops, m);
	if (vk == LINT_V_ACCEPT && ri->full) {
		struct cells whole = *m;

		cells_andnot(&whole, &w->drops);
		cells_or(&w->acc_all, &whole);
	}
	if (vk == LINT_V_ACCEPT && !only_to_lo(x, r)) {
		struct cells inv = *m;

		cells_or(&w->acc, m);
		cells_keep_ct(&inv, 1u << LINT_CT_INVALID);
		cells_keep_if(&inv, ~(1ULL << x->ifs.lo));
		if (!cells_empty(&inv)) {
			cells_or(&w->esc, &inv);
			if (!w->esc_rule)
				w->esc_rule = r;
		}
	}
}

static void call(struct lint_ctx *x, struct walk *w, const struct rs_verdict *v,
		 struct cells *sub, bool limited, int depth)
{
	if (!v->chain || cells_empty(sub))
		return;
	walk_chain(x, w, v->chain, sub, limited, depth + 1);
}

/* One verdict applied to the cells m that chose it; flow and ret are updated. */
static void apply(struct lint_ctx *x, struct walk *w, const struct rs_verdict *v, bool full,
		  const struct cells *m, struct cells *flow, struct cells *ret, bool limited,
		  int depth)
{
	struct cells sub = *m;

	switch (v->kind) {
	case RS_VERDICT_ACCEPT:
	case RS_VERDICT_DROP:
	case RS_VERDICT_QUEUE:
		if (full)
			cells_andnot(flow, m);
		break;
	case RS_VERDICT_RETURN:
		cells_or(ret, m);
		if (full)
			cells_andnot(flow, m);
		break;
	case RS_VERDICT_JUMP:
		call(x, w, v, &sub, limited, depth);
		if (full) {
			cells_andnot(flow, m);
			cells_or(flow, &sub);
		}
		break;
	case RS_VERDICT_GOTO:
		call(x, w, v, &sub, limited, depth);
		cells_or(ret, &sub);
		if (full)
			cells_andnot(flow, m);
		break;
	default:
		break;
	}
}

static const struct rs_term *vmap_elems(const struct rs_stmt *s, size_t *n)
{
	const struct rs_term *map = &s->u.vmap.map;

	if (map->kind == RS_TERM_SET) {
		*n = map->nelems;
		return map;
	}
	if (map->kind == RS_TERM_SETREF && map->set) {
		*n = map->set->nelems;
		return map;
	}
	*n = 0;
	return NULL;
}

static const struct rs_elem *vmap_elem(const struct rs_term *map, size_t i)
{
	return map->kind == RS_TERM_SET ? &map->elems[i] : &map->set->elems[i];
}

/* A verdict map: each element's verdict for the cells its key selects. */
static void walk_vmap(struct lint_ctx *x, struct walk *w, const struct lint_rinfo *ri,
		      const struct cells *m, struct cells *flow, struct cells *ret, bool limited,
		      int depth)
{
	const struct rs_stmt *s = ri->r->verdict;
	const struct rs_term *map;
	size_t n;

	map = vmap_elems(s, &n);
	for (size_t i = 0; map && i < n; i++) {
		const struct rs_elem *el = vmap_elem(map, i);
		struct rs_match fake = { .op = RS_OP_EQ, .left = s->u.vmap.key, .right = el->key };
		struct cells sel = *m;
		bool exact = restrict_by(&x->ifs, &fake, &sel);

		if (!el->data || el->data->kind != RS_TERM_VERDICT)
			continue;
		/* `ct state vmap { established : accept, ... }` accepts as a rule does */
		if (el->data->verdict.kind == RS_VERDICT_ACCEPT)
			cells_or(&w->acc, &sel);
		if (el->data->verdict.kind == RS_VERDICT_DROP)
			cells_or(&w->drops, &sel);
		apply(x, w, &el->data->verdict, ri->full && exact, &sel, flow, ret, limited, depth);
	}
}

static bool spend(struct lint_ctx *x)
{
	if (!x->budget) {
		x->incomplete = true;
		return false;
	}
	x->budget--;
	return true;
}

static void walk_rule(struct lint_ctx *x, struct walk *w, struct lint_rinfo *ri,
		      struct cells *flow, struct cells *ret, bool limited, int depth)
{
	const struct rs_rule *r = ri->r;
	bool lim = limited || lint_rule_limited_before(r, r->nitems);
	struct rs_verdict v = { 0 };
	struct cells m = *flow;

	cells_or(&ri->reach, flow);
	cells_and(&m, &ri->admitted);
	cells_or(&ri->matched, &m);
	if (cells_empty(&m))
		return;
	note(x, w, ri, &m, limited);
	switch (lint_verdict(r)) {
	case LINT_V_VMAP:
		walk_vmap(x, w, ri, &m, flow, ret, lim, depth);
		return;
	case LINT_V_ACCEPT:
		v.kind = RS_VERDICT_ACCEPT;
		break;
	case LINT_V_DROP:
		v.kind = RS_VERDICT_DROP;
		break;
	case LINT_V_JUMP:
	case LINT_V_GOTO:
	case LINT_V_RETURN:
		v = r->verdict->u.verdict;
		break;
	default:
		return;
	}
	apply(x, w, &v, ri->full, &m, flow, ret, lim, depth);
}

static void walk_chain(struct lint_ctx *x, struct walk *w, const struct rs_chain *c,
		       struct cells *flow, bool limited, int depth)
{
	struct lint_cinfo *ci = lint_chain_info(x, c);
	const struct rs_rule *killer = NULL;
	struct cells ret;

	if (!ci || depth > MAX_DEPTH) {
		x->incomplete = x->incomplete || depth > MAX_DEPTH;
		return;
	}
	ci->walked = true;
	cells_clear(&ret);
	for (size_t i = 0; i < c->nrules && spend(x); i++) {
		struct lint_rinfo *ri = &ci->ri[i];

		ri->walked = true;
		ri->hooks |= 1u << w->hook;
		ri->before_ct |= w->before_ct;
		ri->after_defrag |= w->after_defrag;
		if (cells_empty(flow)) {
			if (!ri->killer)
				ri->killer = killer;
			continue;
		}
		walk_rule(x, w, ri, flow, &ret, limited, depth);
		if (cells_empty(flow))
			killer = ri->r;
	}
	/* what falls off the end, and what returned, goes on in the caller */
	cells_or(flow, &ret);
}

/* The families a table's base chain sees, as LINT_NF_* bits. */
static unsigned family_rows(enum rs_family fam)
{
	switch (fam) {
	case RS_FAM_IP: return 1u << LINT_NF_IPV4;
	case RS_FAM_IP6: return 1u << LINT_NF_IPV6;
	case RS_FAM_INET: return (1u << LINT_NF_IPV4) | (1u << LINT_NF_IPV6);
	case RS_FAM_ARP: return 1u << LINT_NF_OTHER;
	default: return (1u << LINT_NNF) - 1;
	}
}

static void base_input(const struct lint_ctx *x, const struct rs_chain *c, struct cells *in,
		       bool before_ct)
{
	uint64_t ifs = x->ifs.all & ~(1ULL << x->ifs.none);
	unsigned rows = family_rows(c->table->family);

	/* locally generated packets have no input interface; postrouting sees both */
	if (c->hook == RS_HOOK_OUTPUT)
		ifs = 1ULL << x->ifs.none;
	else if (c->hook == RS_HOOK_POSTROUTING)
		ifs = x->ifs.all;
	cells_all(in, ifs);
	for (int f = 0; f < LINT_NNF; f++)
		if (!(rows & (1u << f)))
			memset(in->m[f], 0, sizeof(in->m[f]));
	/* before conntrack, a packet has no entry: ct state reads invalid (or untracked) */
	if (before_ct)
		cells_keep_ct(in, (1u << LINT_CT_INVALID) | (1u << LINT_CT_UNTRACKED));
}

bool lint_chain_before_ct(const struct rs_chain *c)
{
	return c->base && (c->hook == RS_HOOK_PREROUTING || c->hook == RS_HOOK_OUTPUT) &&
	       c->prio < -200;
}

bool lint_chain_after_defrag(const struct rs_chain *c)
{
	if (!c->base)
		return false;
	switch (c->hook) {
	case RS_HOOK_INPUT:
	case RS_HOOK_FORWARD:
	case RS_HOOK_OUTPUT:
	case RS_HOOK_POSTROUTING:
		return true;
	case RS_HOOK_PREROUTING:
		return c->prio > -400;
	default:
		return false;
	}
}

static void walk_base(struct lint_ctx *x, struct lint_cinfo *ci)
{
	const struct rs_chain *c = ci->c;
	struct walk w = { .hook = c->hook };
	struct cells flow;

	w.before_ct = lint_chain_before_ct(c);
	w.after_defrag = lint_chain_after_defrag(c);
	base_input(x, c, &flow, w.before_ct);
	walk_chain(x, &w, c, &flow, false, 0);
	ci->out = flow;
	ci->acc = w.acc;
	/* what falls off the end of a policy-accept chain, no drop having taken part of it */
	if (c->policy == RS_POLICY_ACCEPT) {
		cells_andnot(&flow, &w.drops);
		cells_or(&w.acc_all, &flow);
	}
	ci->acc_all = w.acc_all;
}

void lint_walk_all(struct lint_ctx *x)
{
	for (size_t i = 0; x->rs && i < x->nch; i++) {
		if (x->ch[i].c->base)
			walk_base(x, &x->ch[i]);
	}
}
