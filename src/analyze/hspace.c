// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Header space over BuDDy: field layout, interface classes, value and
 * interval encodings, free variables, the universe of packets that can
 * exist, and the way back from a BDD to one concrete packet.
 */
#include "analyze/hspace.h"
#include "analyze/inttab.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/grow.h"

typedef unsigned __int128 u128;

const unsigned hs_ctstate_bits[HS_NCTSTATES] = {
	RS_CTSTATE_INVALID, RS_CTSTATE_ESTABLISHED, RS_CTSTATE_RELATED, RS_CTSTATE_NEW,
	RS_CTSTATE_UNTRACKED,
};

static const char *const field_names[HS__NFIELDS] = {
	[HS_IIF] = "iif", [HS_OIF] = "oif", [HS_NFPROTO] = "meta nfproto",
	[HS_SADDR] = "saddr", [HS_DADDR] = "daddr", [HS_CTSTATE] = "ct state",
	[HS_L4PROTO] = "meta l4proto", [HS_TCPFLAGS] = "tcp flags", [HS_SPORT] = "sport",
	[HS_DPORT] = "dport", [HS_ICMPTYPE] = "icmp type", [HS_ICMPCODE] = "icmp code",
	[HS_TTL] = "ttl", [HS_FRAGOFF] = "ip frag-off", [HS_LENGTH] = "length",
	[HS_MARK] = "meta mark",
};

/* BuDDy has one manager; its error hook has no context argument. */
static struct hspace *live_hs;
static int pending_error;

/*
 * Node table: start small or sized by the sets (nodes_to_start), grow on
 * demand, stop at about 400 MiB of nodes.
 */
#define HS_NODES_INITIAL 20000
#define HS_NODES_PER_ELEM 100
#define HS_NODES_START_MAX 2000000
#define HS_NODES_MAX 16000000
#define HS_CACHE 5000
#define HS_CACHE_RATIO 24
#define HS_FREEVAR_CHUNK 64

static void bdd_err_hook(int code)
{
	pending_error = code;
	if (live_hs)
		live_hs->bdd_error = code;
}

const char *hs_field_name(enum hs_field f)
{
	return f < HS__NFIELDS ? field_names[f] : "?";
}

void hs_unref(BDD b)
{
	bdd_delref(b);
}

int hs_check(struct hspace *hs, struct xerr *e)
{
	if (!hs->bdd_error)
		return 0;
	xerr_set(e, XNFT_EXIT_USAGE, "the analysis ran out of memory (BDD: %s)",
		 bdd_errstring(hs->bdd_error));
	return xerr_hint(e, "the ruleset is too large to analyse in one piece; "
			 "split very large sets or run on a machine with more memory");
}

int hs_var(const struct hspace *hs, enum hs_field f, int bit)
{
	return hs->field[f].first + bit;
}

/* ---- building blocks ------------------------------------------------------ */

static u128 field_mask(const struct hspace *hs, enum hs_field f)
{
	int bits = hs->field[f].bits;

	return bits >= 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
}

static bool bit_of(const struct hspace *hs, enum hs_field f, u128 v, int bit)
{
	int shift = hs->field[f].bits - 1 - bit;

	return (v >> shift) & 1;
}

BDD hs_masked_eq(struct hspace *hs, enum hs_field f, u128 mask, u128 value)
{
	BDD r = bddtrue;

	mask &= field_mask(hs, f);
	if (value & ~mask)
		return bddfalse;
	for (int bit = hs->field[f].bits - 1; bit >= 0; bit--) {
		BDD v, n;

		if (!bit_of(hs, f, mask, bit))
			continue;
		v = bit_of(hs, f, value, bit) ? bdd_ithvar(hs_var(hs, f, bit)) :
						 bdd_nithvar(hs_var(hs, f, bit));
		n = bdd_addref(bdd_and(v, r));
		bdd_delref(r);
		r = n;
	}
	return r;
}

BDD hs_eq(struct hspace *hs, enum hs_field f, u128 value)
{
	return hs_masked_eq(hs, f, ~(u128)0, value);
}

/* x <= hi (le) or x >= lo (!le), built from the least significant bit up. */
static BDD cmp_bdd(struct hspace *hs, enum hs_field f, u128 bound, bool le)
{
	BDD r = bddtrue;

	for (int bit = hs->field[f].bits - 1; bit >= 0; bit--) {
		BDD v = bdd_ithvar(hs_var(hs, f, bit)), n;
		bool b = bit_of(hs, f, bound, bit);

		if (le)
			n = b ? bdd_ite(v, r, bddtrue) : bdd_ite(v, bddfalse, r);
		else
			n = b ? bdd_ite(v, r, bddfalse) : bdd_ite(v, bddtrue, r);
		n = bdd_addref(n);
		bdd_delref(r);
		r = n;
	}
	return r;
}

BDD hs_range(struct hspace *hs, enum hs_field f, u128 lo, u128 hi)
{
	BDD a, b, r;

	hi &= field_mask(hs, f);
	if (lo > hi)
		return bddfalse;
	a = cmp_bdd(hs, f, lo, false);
	b = cmp_bdd(hs, f, hi, true);
	r = bdd_addref(bdd_and(a, b));
	bdd_delref(a);
	bdd_delref(b);
	return r;
}

static int iv_cmp(const void *pa, const void *pb)
{
	const struct hs_interval *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->hi < b->hi ? -1 : a->hi > b->hi;
}

/* Sort and merge overlapping or adjacent intervals in place; returns the count. */
static size_t iv_normalize(struct hs_interval *v, size_t n)
{
	size_t out = 0;

	if (!n)
		return 0;
	if (n > 1)
		qsort(v, n, sizeof(*v), iv_cmp);
	for (size_t i = 1; i < n; i++) {
		if (v[i].lo <= v[out].hi || (v[out].hi != ~(u128)0 && v[i].lo == v[out].hi + 1)) {
			if (v[i].hi > v[out].hi)
				v[out].hi = v[i].hi;
		} else {
			v[++out] = v[i];
		}
	}
	return out + 1;
}

/*
 * The subtree under `bit` covers [base, base + 2^(bits-bit) - 1]; v[0..n)
 * are the sorted, disjoint intervals that touch it.
 */
static BDD iv_build(struct hspace *hs, enum hs_field f, int bit, u128 base,
		    const struct hs_interval *v, size_t n)
{
	int width = hs->field[f].bits - bit;
	u128 top = width >= 128 ? ~(u128)0 : base + (((u128)1 << width) - 1);
	u128 mid;
	size_t k, lo_n;
	BDD l, h, r;

	if (!n)
		return bddfalse;
	if (v[0].lo <= base && v[0].hi >= top)
		return bddtrue;
	if (width <= 0)
		return bddfalse;
	mid = base + ((u128)1 << (width - 1));
	/* first interval reaching into the upper half */
	{
		size_t a = 0, b = n;

		while (a < b) {
			size_t m = a + (b - a) / 2;

			if (v[m].hi >= mid)
				b = m;
			else
				a = m + 1;
		}
		k = a;
	}
	lo_n = (k < n && v[k].lo < mid) ? k + 1 : k;
	l = iv_build(hs, f, bit + 1, base, v, lo_n);
	h = iv_build(hs, f, bit + 1, mid, v + k, n - k);
	r = bdd_addref(bdd_ite(bdd_ithvar(hs_var(hs, f, bit)), h, l));
	bdd_delref(l);
	bdd_delref(h);
	return r;
}

BDD hs_intervals(struct hspace *hs, enum hs_field f, struct hs_interval *v, size_t n)
{
	u128 m = field_mask(hs, f);

	for (size_t i = 0; i < n; i++) {
		v[i].lo &= m;
		v[i].hi &= m;
		if (v[i].hi < v[i].lo)
			v[i].hi = v[i].lo;
	}
	n = iv_normalize(v, n);
	return iv_build(hs, f, 0, 0, v, n);
}

static BDD cube_of(struct hspace *hs, int first, int count)
{
	int *vars;
	BDD r;

	if (count <= 0)
		return bddtrue;
	vars = malloc((size_t)count * sizeof(*vars));
	if (!vars)
		return bddfalse;
	for (int i = 0; i < count; i++)
		vars[i] = first + i;
	r = bdd_addref(bdd_makeset(vars, count));
	free(vars);
	(void)hs;
	return r;
}

BDD hs_field_set(struct hspace *hs, enum hs_field f)
{
	return cube_of(hs, hs->field[f].first, hs->field[f].bits);
}

BDD hs_all_fields_set(struct hspace *hs)
{
	return cube_of(hs, 0, hs->nfieldvars);
}

BDD hs_freevars_set(struct hspace *hs)
{
	int *vars;
	BDD r;

	if (!hs->nfv)
		return bddtrue;
	vars = malloc(hs->nfv * sizeof(*vars));
	if (!vars)
		return bddfalse;
	for (size_t i = 0; i < hs->nfv; i++)
		vars[i] = hs->fv[i].var;
	r = bdd_addref(bdd_makeset(vars, (int)hs->nfv));
	free(vars);
	return r;
}

/* The cube of the free variables whose kind is (host) or is not (!host) HS_FV_HOST. */
static BDD freevars_by_host(struct hspace *hs, bool host)
{
	BDD r = bddtrue;

	for (size_t i = 0; i < hs->nfv; i++)
		if ((hs->fv[i].kind == HS_FV_HOST) == host) {
			BDD v = bdd_addref(bdd_ithvar(hs->fv[i].var)), x;

			x = bdd_addref(bdd_and(r, v));
			bdd_delref(r);
			bdd_delref(v);
			r = x;
		}
	return r;
}

BDD hs_freevars_set_but_host(struct hspace *hs)
{
	return freevars_by_host(hs, false);
}

BDD hs_freevars_set_host(struct hspace *hs)
{
	return freevars_by_host(hs, true);
}

/* ---- interface classes --------------------------------------------------- */

struct names {
	char (*v)[IFNAME_MAXLEN + 2];
	size_t n, cap;
};

static int names_add(struct names *ns, const char *s, bool wildcard)
{
	char buf[IFNAME_MAXLEN + 2];

	if (!s || !*s || strlen(s) > IFNAME_MAXLEN + (wildcard ? 1 : 0))
		return 0;
	snprintf(buf, sizeof(buf), "%s%s", s, wildcard && s[strlen(s) - 1] != '*' ? "*" : "");
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], buf))
			return 0;
	if (grow_for_one(&ns->v, &ns->cap, ns->n, sizeof(*ns->v), 16))
		return -1;
	memcpy(ns->v[ns->n++], buf, sizeof(buf));
	return 0;
}

static bool is_iface_expr(const struct rs_expr *x)
{
	if (!x || x->kind != RS_EX_META)
		return false;
	/* a bridge's name (meta ibrname) is an interface's too: the IP layer's iif */
	return x->key == RS_META_IIF || x->key == RS_META_IIFNAME || x->key == RS_META_OIF ||
	       x->key == RS_META_OIFNAME || x->key == RS_META_IBRNAME ||
	       x->key == RS_META_IBRIDGENAME || x->key == RS_META_OBRNAME ||
	       x->key == RS_META_OBRIDGENAME;
}

static int collect_term(struct names *ns, const struct rs_expr *x, const struct rs_term *t,
			int depth);

static int collect_elems(struct names *ns, const struct rs_expr *x, const struct rs_elem *el,
			 size_t n, int depth)
{
	for (size_t i = 0; i < n; i++)
		if (collect_term(ns, x, &el[i].key, depth + 1))
			return -1;
	return 0;
}

static int collect_term(struct names *ns, const struct rs_expr *x, const struct rs_term *t,
			int depth)
{
	if (!x || !t || depth > 8)
		return 0;
	if (x->kind == RS_EX_CONCAT) {
		if (t->kind == RS_TERM_CONCAT) {
			for (size_t i = 0; i < t->nsub && i < x->nsub; i++)
				if (collect_term(ns, x->sub[i], &t->sub[i], depth + 1))
					return -1;
			return 0;
		}
	} else if (!is_iface_expr(x)) {
		return 0;
	}
	switch (t->kind) {
	case RS_TERM_VALUE:
		return x->kind == RS_EX_CONCAT ? 0 : names_add(ns, t->v.str, t->v.wildcard);
	case RS_TERM_SET:
		return collect_elems(ns, x, t->elems, t->nelems, depth);
	case RS_TERM_SETREF:
		return t->set ? collect_elems(ns, x, t->set->elems, t->set->nelems, depth) : 0;
	default:
		return 0;
	}
}

static int collect_stmt(struct names *ns, const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH:
		return collect_term(ns, s->u.match.left, &s->u.match.right, 0);
	case RS_ST_VMAP:
		return collect_term(ns, s->u.vmap.key, &s->u.vmap.map, 0);
	default:
		return 0;
	}
}

static int collect_names(struct names *ns, const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++) {
		const struct rs_table *tb = rs->tables[t];

		for (size_t c = 0; c < tb->nchains; c++) {
			const struct rs_chain *ch = tb->chains[c];

			/* an ingress/egress chain's devices: the packets it sees are theirs */
			for (size_t d = 0; ch->base && d < ch->ndevices; d++)
				if (ch->devices[d] && names_add(ns, ch->devices[d], false))
					return -1;
			for (size_t r = 0; r < ch->nrules; r++)
				for (size_t i = 0; i < ch->rules[r].nitems; i++)
					if (collect_stmt(ns, &ch->rules[r].items[i]))
						return -1;
		}
	}
	return 0;
}

static bool pattern_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern) - 1;   /* without the '*' */

	return !strncmp(pattern, name, n);
}

/* Whether `name` would behave as class `self` (its longest matching pattern, no exact). */
static bool repr_ok(const struct hspace *hs, size_t self, const char *name)
{
	size_t best = 0, bestlen = 0;

	if (strlen(name) > IFNAME_MAXLEN || !name[0])
		return false;
	for (size_t i = 1; i < hs->nifs; i++) {
		const struct hs_iface *f = &hs->ifs[i];

		if (!f->pattern) {
			if (!strcmp(f->name, name))
				return false;
		} else if (pattern_matches(f->name, name) && strlen(f->name) > bestlen) {
			best = i;
			bestlen = strlen(f->name);
		}
	}
	return best == self;
}

static void pick_repr(struct hspace *hs, size_t self)
{
	struct hs_iface *f = &hs->ifs[self];
	char prefix[IFNAME_MAXLEN + 2] = "";
	char cand[IFNAME_MAXLEN + 24];

	if (f->pattern)
		snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(f->name) - 1, f->name);
	if (f->pattern && repr_ok(hs, self, prefix)) {
		snprintf(f->repr, sizeof(f->repr), "%s", prefix);
		return;
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(cand, sizeof(cand), "%s%s%d", prefix, f->pattern ? "" : "other", i);
		if (repr_ok(hs, self, cand)) {
			snprintf(f->repr, sizeof(f->repr), "%s", cand);
			return;
		}
	}
	f->repr[0] = '\0';
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * A bridge table with an attached chain at prerouting or input (out:
 * output or postrouting): frames up to this host (down from it) meet it.
 */
static bool bridged_way(const struct ruleset *const *rs, size_t n, bool out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; rs[i] && t < rs[i]->ntables; t++) {
			const struct rs_table *tb = rs[i]->tables[t];

			for (size_t c = 0; tb->family == RS_FAM_BRIDGE && !tb->dormant &&
					   c < tb->nchains; c++) {
				enum rs_hook h = tb->chains[c]->hook;

				if (tb->chains[c]->base &&
				    (out ? h == RS_HOOK_OUTPUT || h == RS_HOOK_POSTROUTING :
					   h == RS_HOOK_PREROUTING || h == RS_HOOK_INPUT))
					return true;
			}
		}
	return false;
}

/* A bridge forward chain: frames bridged from port to port (br_forward.c) meet it. */
static bool bridged_across(const struct ruleset *const *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; rs[i] && t < rs[i]->ntables; t++) {
			const struct rs_table *tb = rs[i]->tables[t];

			for (size_t c = 0; tb->family == RS_FAM_BRIDGE && !tb->dormant &&
					   c < tb->nchains; c++)
				if (tb->chains[c]->base && tb->chains[c]->hook == RS_HOOK_FORWARD)
					return true;
		}
	return false;
}

static bool bridged(const struct ruleset *const *rs, size_t n)
{
	return bridged_way(rs, n, false) || bridged_way(rs, n, true) || bridged_across(rs, n);
}

/* Two indices may stand for one device: the same exact name. */
static bool same_device(const struct hspace *hs, size_t a, size_t b)
{
	return a == b && a != 0 && !hs->ifs[a].pattern;
}

/* The host's bridge ports, when every ruleset that has bridge chains knows them (--live). */
static bool topology_known(const struct ruleset *const *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rs[i] && bridged(&rs[i], 1) && !rs[i]->brports_known)
			return false;
	return true;
}

/* Whether port p of bridge b is one of the known pairs (by the classes their names fall in). */
static bool known_pair(const struct hspace *hs, const struct ruleset *const *rs, size_t n,
		       size_t b, size_t p)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; rs[i] && k < rs[i]->nbrports; k++)
			if (hs_iface_index(hs, rs[i]->brbridge[k]) == b &&
			    hs_iface_index(hs, rs[i]->brport[k]) == p)
				return true;
	return false;
}

/*
 * Without the host's bridge topology any interface but lo may be a bridge
 * and any other (not lo) one of its ports: one entry per pair after the
 * plain ones (hs_iface.via_port). With it (--live), one per real port.
 */
static int layout_ports(struct hspace *hs, const struct ruleset *const *rs, size_t nrs)
{
	size_t lo = hs_iface_index(hs, "lo"), n = hs->nplain, k = n;
	struct hs_iface *v = realloc(hs->ifs, (n + n * n) * sizeof(*v));
	bool known = topology_known(rs, nrs);

	if (!v)
		return -1;
	hs->ifs = v;
	hs->ports_assumed = !known;
	for (size_t b = 0; b < n; b++)
		for (size_t p = 0; p < n; p++) {
			if (b == lo || p == lo || same_device(hs, b, p) ||
			    (known && !known_pair(hs, rs, nrs, b, p)))
				continue;
			memset(&v[k], 0, sizeof(v[k]));
			memcpy(v[k].repr, v[b].repr, sizeof(v[k].repr));
			v[k].via_port = true;
			v[k].bridge = b;
			v[k].port = p;
			k++;
		}
	hs->nifs = k;
	return 0;
}

size_t hs_port_index(const struct hspace *hs, size_t bridge, size_t port)
{
	for (size_t i = hs->nplain; i < hs->nifs; i++)
		if (hs->ifs[i].bridge == bridge && hs->ifs[i].port == port)
			return i;
	return 0;
}

BDD hs_via_port(struct hspace *hs, enum hs_field f)
{
	if (hs->nifs == hs->nplain)
		return bddfalse;
	return hs_range(hs, f, hs->nplain, hs->nifs - 1);
}

static int layout_ifaces(struct hspace *hs, const struct ruleset *const *rs, size_t n)
{
	struct names ns = { 0 };
	size_t k = 1;

	if (names_add(&ns, "lo", false))
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (rs[i] && collect_names(&ns, rs[i]))
			goto oom;
	if (ns.n > 1)
		qsort(ns.v, ns.n, sizeof(*ns.v), name_cmp);
	hs->ifs = calloc(ns.n + 1, sizeof(*hs->ifs));
	if (!hs->ifs)
		goto oom;
	/* exact names first, then the patterns */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ns.n; i++) {
			bool pat = ns.v[i][strlen(ns.v[i]) - 1] == '*';

			if (pat != (pass == 1))
				continue;
			snprintf(hs->ifs[k].name, sizeof(hs->ifs[k].name), "%s", ns.v[i]);
			snprintf(hs->ifs[k].repr, sizeof(hs->ifs[k].repr), "%s", ns.v[i]);
			hs->ifs[k].pattern = pat;
			k++;
		}
	}
	hs->nifs = k;
	hs->nplain = k;
	hs->iif_ports = bridged_way(rs, n, false);
	hs->oif_ports = bridged_way(rs, n, true);
	snprintf(hs->ifs[0].name, sizeof(hs->ifs[0].name), "%s", "");
	pick_repr(hs, 0);
	for (size_t i = 1; i < hs->nifs; i++)
		if (hs->ifs[i].pattern)
			pick_repr(hs, i);
	free(ns.v);
	return bridged(rs, n) ? layout_ports(hs, rs, n) : 0;
oom:
	free(ns.v);
	return -1;
}

size_t hs_iface_index(const struct hspace *hs, const char *name)
{
	size_t best = 0, bestlen = 0;

	if (!name || !name[0])
		return 0;
	for (size_t i = 1; i < hs->nifs; i++) {
		const struct hs_iface *f = &hs->ifs[i];

		if (!f->pattern && !strcmp(f->name, name))
			return i;
		if (f->pattern && f->repr[0] && pattern_matches(f->name, name) &&
		    strlen(f->name) > bestlen) {
			best = i;
			bestlen = strlen(f->name);
		}
	}
	return best;
}

/* ---- free variables and atoms ----------------------------------------------- */

int hs_freevar(struct hspace *hs, const char *key, enum hs_fv_kind kind, int wb,
	       const char *when_true, const char *when_false, const struct rs_rule *rule)
{
	struct hs_freevar *fv;

	for (size_t i = 0; i < hs->nfv; i++)
		if (!strcmp(hs->fv[i].key, key))
			return hs->fv[i].var;
	if (hs->nfv == hs->fvcap) {
		size_t cap = hs->fvcap + HS_FREEVAR_CHUNK;
		void *nv = realloc(hs->fv, cap * sizeof(*hs->fv));

		if (!nv)
			return -1;
		hs->fv = nv;
		hs->fvcap = cap;
	}
	if (hs->nfieldvars + (int)hs->nfv >= bdd_varnum() && bdd_extvarnum(HS_FREEVAR_CHUNK) < 0)
		return -1;
	fv = &hs->fv[hs->nfv];
	memset(fv, 0, sizeof(*fv));
	fv->var = hs->nfieldvars + (int)hs->nfv;
	fv->kind = kind;
	fv->wb = wb;
	fv->key = strdup(key);
	fv->when_true = strdup(when_true);
	fv->when_false = strdup(when_false);
	fv->rule = rule;
	if (!fv->key || !fv->when_true || !fv->when_false) {
		free(fv->key);
		free(fv->when_true);
		free(fv->when_false);
		return -1;
	}
	hs->nfv++;
	return fv->var;
}

int hs_stmt_freevar(struct hspace *hs, const struct rs_stmt *s, enum hs_fv_kind kind, int wb,
		    const char *when_true, const char *when_false, const struct rs_rule *rule)
{
	char key[64];
	int var;

	snprintf(key, sizeof(key), "stmt:%p", (const void *)s);
	var = hs_freevar(hs, key, kind, wb, when_true, when_false, rule);
	if (var >= 0)
		hs->fv[var - hs->nfieldvars].stmt = s;
	return var;
}

const struct hs_freevar *hs_freevar_of(const struct hspace *hs, int var)
{
	int i = var - hs->nfieldvars;

	if (i < 0 || (size_t)i >= hs->nfv)
		return NULL;
	return &hs->fv[i];
}

BDD hs_wellbehaved(struct hspace *hs)
{
	BDD r = bddtrue;

	for (size_t i = hs->nfv; i-- > 0;) {
		const struct hs_freevar *fv = &hs->fv[i];
		BDD n;

		if (fv->wb < 0)
			continue;
		n = bdd_addref(bdd_and(fv->wb ? bdd_ithvar(fv->var) : bdd_nithvar(fv->var), r));
		bdd_delref(r);
		r = n;
	}
	return r;
}

void hs_atom_add(struct hspace *hs, enum hs_field f, BDD pred, const char *text,
		 const char *neg, const char *name)
{
	struct hs_atom *a;

	if (pred == bddtrue || pred == bddfalse || !text || !neg)
		return;
	for (size_t i = 0; i < hs->natoms; i++)
		if (hs->atoms[i].field == f && hs->atoms[i].pred == pred)
			return;
	if (grow_for_one(&hs->atoms, &hs->atomcap, hs->natoms, sizeof(*hs->atoms), 32))
		return;
	a = &hs->atoms[hs->natoms];
	a->field = f;
	a->text = strdup(text);
	a->neg = strdup(neg);
	a->name = name ? strdup(name) : NULL;
	if (!a->text || !a->neg || (name && !a->name)) {
		free(a->text);
		free(a->neg);
		free(a->name);
		return;
	}
	a->pred = bdd_addref(pred);
	hs->natoms++;
}

/* ---- difference ------------------------------------------------------------------ */

/* Pairs (a, b) already subtracted (an inttab of width 2), with their results (each referenced). */
static void diffmemo_init(struct inttab *m)
{
	inttab_init(m, 2, true, 1024);
}

static bool diffmemo_get(const struct inttab *m, int a, int b, BDD *out)
{
	ptrdiff_t slot = inttab_find(m, a, b, 0);

	if (slot < 0)
		return false;
	*out = (BDD)m->vals[slot];
	return true;
}

static void delref_value(uint64_t val)
{
	bdd_delref((BDD)val);
}

/* Drops the memo's references to its results and its memory. */
static void diffmemo_free(struct inttab *m)
{
	inttab_each_value(m, delref_value);
	inttab_free(m);
}

/* Keep r (referencing it) as the result of (a, b). */
static void diffmemo_put(struct inttab *m, int a, int b, BDD r)
{
	size_t slot;

	if (inttab_add(m, a, b, 0, &slot) != 1)
		return;
	m->vals[slot] = (uint64_t)bdd_addref(r);
}

static BDD diff_rec(struct inttab *m, BDD a, BDD b)
{
	BDD lo, hi, r;
	int va, vb, v;

	if (a == b || a == bddfalse || b == bddtrue)
		return bddfalse;
	if (b == bddfalse)
		return a;
	if (a == bddtrue)
		return bdd_not(b);
	if (diffmemo_get(m, a, b, &r))
		return r;
	if (m->oom)
		return bdd_apply(a, b, bddop_diff);
	va = bdd_var(a);
	vb = bdd_var(b);
	v = va < vb ? va : vb;
	/* referenced while the next node is made (a garbage collection may run) */
	lo = bdd_addref(diff_rec(m, va == v ? bdd_low(a) : a, vb == v ? bdd_low(b) : b));
	hi = bdd_addref(diff_rec(m, va == v ? bdd_high(a) : a, vb == v ? bdd_high(b) : b));
	r = lo == hi ? lo : bdd_ite(bdd_ithvar(v), hi, lo);
	diffmemo_put(m, a, b, r);
	bdd_delref(lo);
	bdd_delref(hi);
	return r;
}

/*
 * The last difference made, its operands and result referenced (so that
 * their numbers cannot be reused): the engine subtracts the same drop from
 * the same packets twice, in the chain and again for the hook.
 */
static struct { BDD a, b, r; bool set; } last_diff;

static void last_diff_clear(void)
{
	if (last_diff.set) {
		bdd_delref(last_diff.a);
		bdd_delref(last_diff.b);
		bdd_delref(last_diff.r);
	}
	last_diff.set = false;
}

BDD hs_diff(BDD a, BDD b)
{
	struct inttab m;
	bool oom;
	BDD r;

	if (last_diff.set && last_diff.a == a && last_diff.b == b)
		return bdd_addref(last_diff.r);
	diffmemo_init(&m);
	r = bdd_addref(diff_rec(&m, a, b));
	oom = m.oom;
	diffmemo_free(&m);
	if (oom) {
		/* the memo could not hold every result: made again the plain way */
		bdd_delref(r);
		r = bdd_addref(bdd_apply(a, b, bddop_diff));
	}
	last_diff_clear();
	last_diff.a = bdd_addref(a);
	last_diff.b = bdd_addref(b);
	last_diff.r = bdd_addref(r);
	last_diff.set = true;
	return r;
}

/* ---- cofactor ------------------------------------------------------------------ */

/* cube: what is left of the cube at r's level and below; last: its last variable. */
static BDD cofactor_rec(struct inttab *m, BDD r, BDD cube, int last)
{
	BDD lo, hi, res;
	int v;

	if (r < 2 || bdd_var(r) > last)
		return r;
	v = bdd_var(r);
	while (cube >= 2 && bdd_var(cube) < v)
		cube = bdd_low(cube) == bddfalse ? bdd_high(cube) : bdd_low(cube);
	if (cube >= 2 && bdd_var(cube) == v) {
		/* one way down: nothing made here, nothing to remember */
		bool one = bdd_low(cube) == bddfalse;

		return cofactor_rec(m, one ? bdd_high(r) : bdd_low(r),
				    one ? bdd_high(cube) : bdd_low(cube), last);
	}
	if (diffmemo_get(m, r, cube, &res))
		return res;
	if (m->oom)
		return bdd_restrict(r, cube);
	/* referenced while the next node is made (a garbage collection may run) */
	lo = bdd_addref(cofactor_rec(m, bdd_low(r), cube, last));
	hi = bdd_addref(cofactor_rec(m, bdd_high(r), cube, last));
	res = lo == hi ? lo : bdd_ite(bdd_ithvar(v), hi, lo);
	diffmemo_put(m, r, cube, res);
	bdd_delref(lo);
	bdd_delref(hi);
	return res;
}

BDD hs_cofactor(BDD r, BDD cube)
{
	struct inttab m;
	int last = -1;
	bool oom;
	BDD res;

	for (BDD c = cube; c >= 2; c = bdd_low(c) == bddfalse ? bdd_high(c) : bdd_low(c))
		last = bdd_var(c);
	diffmemo_init(&m);
	res = bdd_addref(cofactor_rec(&m, r, cube, last));
	oom = m.oom;
	diffmemo_free(&m);
	if (oom) {
		/* the memo could not hold every result: made again the plain way */
		bdd_delref(res);
		res = bdd_addref(bdd_restrict(r, cube));
	}
	return res;
}

/* ---- the universe ------------------------------------------------------------ */

static BDD and2(BDD a, BDD b)
{
	return bdd_addref(bdd_and(a, b));
}

/* r = r & x, consuming x. */
static void and_in(BDD *r, BDD x)
{
	BDD n = and2(*r, x);

	bdd_delref(*r);
	bdd_delref(x);
	*r = n;
}

static BDD or_in(BDD a, BDD b)
{
	BDD n = bdd_addref(bdd_or(a, b));

	bdd_delref(a);
	bdd_delref(b);
	return n;
}

static BDD imp(BDD a, BDD b)
{
	BDD n = bdd_addref(bdd_imp(a, b));

	bdd_delref(a);
	bdd_delref(b);
	return n;
}

static BDD not_(BDD a)
{
	BDD n = bdd_addref(bdd_not(a));

	bdd_delref(a);
	return n;
}

static BDD values_in(struct hspace *hs, enum hs_field f, const unsigned *v, size_t n)
{
	BDD r = bddfalse;

	for (size_t i = 0; i < n; i++)
		r = or_in(r, hs_eq(hs, f, v[i]));
	return r;
}

BDD hs_ct_state(struct hspace *hs, unsigned bit)
{
	for (unsigned i = 0; i < HS_NCTSTATES; i++)
		if (hs_ctstate_bits[i] == bit)
			return hs_eq(hs, HS_CTSTATE, i);
	return bddfalse;
}

static BDD l4_is(struct hspace *hs, unsigned proto)
{
	return hs_eq(hs, HS_L4PROTO, proto);
}

static BDD icmp_is(struct hspace *hs, bool v6)
{
	BDD fam = hs_eq(hs, HS_NFPROTO, v6);

	and_in(&fam, l4_is(hs, v6 ? 58 : 1));
	return fam;
}

/* ICMP types conntrack gives state `bit` (new/established/related), per family. */
static BDD icmp_state_rule(struct hspace *hs, bool v6, unsigned bit, const unsigned *types,
			   size_t n)
{
	BDD when = icmp_is(hs, v6);

	and_in(&when, hs_ct_state(hs, bit));
	return imp(when, values_in(hs, HS_ICMPTYPE, types, n));
}

static BDD conntrack_rules(struct hspace *hs, BDD nonfirst)
{
	static const unsigned tcp_valid[] = { 0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10,
					      0x30 };
	static const unsigned tcp_new[] = { 0x02, 0x22, 0x10, 0x30 };
	static const unsigned v4_new[] = { 8, 13, 15, 17 };
	static const unsigned v4_est[] = { 0, 8, 13, 14, 15, 16, 17, 18 };
	static const unsigned v4_rel[] = { 3, 4, 5, 11, 12 };
	static const unsigned v6_new[] = { 128, 139 };
	static const unsigned v6_est[] = { 128, 129, 139, 140 };
	static const unsigned v6_rel[] = { 1, 2, 3, 4 };
	static const unsigned v6_noct[] = { 130, 131, 132, 133, 134, 135, 136, 143 };
	BDD r = bddtrue, tcp, tracked, flags, x;
	/* flags without ECE, CWR, PSH */
	u128 m = 0x37;

	tcp = l4_is(hs, 6);
	and_in(&tcp, not_(bdd_addref(nonfirst)));
	tracked = or_in(or_in(hs_ct_state(hs, RS_CTSTATE_NEW), hs_ct_state(hs, RS_CTSTATE_ESTABLISHED)),
			hs_ct_state(hs, RS_CTSTATE_RELATED));
	flags = bddfalse;
	for (size_t i = 0; i < sizeof(tcp_valid) / sizeof(tcp_valid[0]); i++)
		flags = or_in(flags, hs_masked_eq(hs, HS_TCPFLAGS, m, tcp_valid[i]));
	and_in(&r, imp(and2(tcp, tracked), flags));
	flags = bddfalse;
	for (size_t i = 0; i < sizeof(tcp_new) / sizeof(tcp_new[0]); i++)
		flags = or_in(flags, hs_masked_eq(hs, HS_TCPFLAGS, m, tcp_new[i]));
	and_in(&r, imp(and2(tcp, x = hs_ct_state(hs, RS_CTSTATE_NEW)), flags));
	bdd_delref(x);
	bdd_delref(tcp);
	bdd_delref(tracked);

	x = icmp_state_rule(hs, false, RS_CTSTATE_NEW, v4_new, 4);
	and_in(&x, icmp_state_rule(hs, false, RS_CTSTATE_ESTABLISHED, v4_est, 8));
	and_in(&x, icmp_state_rule(hs, false, RS_CTSTATE_RELATED, v4_rel, 5));
	and_in(&x, icmp_state_rule(hs, true, RS_CTSTATE_NEW, v6_new, 2));
	and_in(&x, icmp_state_rule(hs, true, RS_CTSTATE_ESTABLISHED, v6_est, 4));
	and_in(&x, icmp_state_rule(hs, true, RS_CTSTATE_RELATED, v6_rel, 4));
	{
		BDD nd = icmp_is(hs, true);

		and_in(&nd, values_in(hs, HS_ICMPTYPE, v6_noct, 8));
		and_in(&x, imp(nd, hs_ct_state(hs, RS_CTSTATE_UNTRACKED)));
	}
	/* a non-first fragment has no icmp header to judge */
	and_in(&r, or_in(x, bdd_addref(nonfirst)));
	return r;
}

BDD hs_ip_ifaces(struct hspace *hs)
{
	BDD r = hs_range(hs, HS_IIF, 0, (hs->iif_ports ? hs->nifs : hs->nplain) - 1);
	BDD o = hs_range(hs, HS_OIF, 0, (hs->oif_ports ? hs->nifs : hs->nplain) - 1);
	BDD n = bdd_addref(bdd_and(r, o));

	bdd_delref(r);
	bdd_delref(o);
	return n;
}

/* iif and oif both index k: a frame that would leave by the port it came in. */
static BDD same_entry(struct hspace *hs, size_t k)
{
	BDD i = hs_eq(hs, HS_IIF, k), o = hs_eq(hs, HS_OIF, k);
	BDD n = bdd_addref(bdd_and(i, o));

	bdd_delref(i);
	bdd_delref(o);
	return n;
}

BDD hs_bridged_pairs(struct hspace *hs)
{
	BDD r = bddfalse;

	/* layout_ports() puts the entries of one bridge next to each other */
	for (size_t lo = hs->nplain, hi; lo < hs->nifs; lo = hi) {
		BDD i, o, x;

		for (hi = lo; hi < hs->nifs && hs->ifs[hi].bridge == hs->ifs[lo].bridge; hi++)
			;
		i = hs_range(hs, HS_IIF, lo, hi - 1);
		o = hs_range(hs, HS_OIF, lo, hi - 1);
		x = bdd_addref(bdd_and(i, o));
		bdd_delref(i);
		bdd_delref(o);
		r = or_in(r, x);
	}
	/*
	 * br_forward.c should_deliver(): not back out the port it came in by
	 * (no hairpin mode); one index stands for one device only when it is
	 * an exact name, so classes keep the pair (two devices of "eth*")
	 */
	for (size_t k = hs->nplain; k < hs->nifs; k++)
		if (same_device(hs, hs->ifs[k].port, hs->ifs[k].port))
			and_in(&r, not_(same_entry(hs, k)));
	return r;
}

static BDD make_universe(struct hspace *hs)
{
	static const unsigned port_protos[] = { 6, 17, 33, 132, 136 };
	BDD u, x, nonfirst, icmp;
	u128 low96 = ((u128)1 << 96) - 1;

	/* through a bridge port only where bridge chains see that way, or bridged across */
	u = or_in(hs_ip_ifaces(hs), hs_bridged_pairs(hs));
	and_in(&u, hs_range(hs, HS_CTSTATE, 0, HS_NCTSTATES - 1));
	/* IPv4 addresses live in the top 32 bits */
	x = hs_masked_eq(hs, HS_SADDR, low96, 0);
	and_in(&x, hs_masked_eq(hs, HS_DADDR, low96, 0));
	and_in(&u, imp(hs_eq(hs, HS_NFPROTO, 0), x));
	nonfirst = not_(hs_masked_eq(hs, HS_FRAGOFF, 0x1fff, 0));
	/* ports only for protocols that have them, and not in non-first fragments */
	x = values_in(hs, HS_L4PROTO, port_protos, 5);
	and_in(&x, not_(bdd_addref(nonfirst)));
	{
		BDD noports = hs_eq(hs, HS_SPORT, 0);

		and_in(&noports, hs_eq(hs, HS_DPORT, 0));
		and_in(&u, imp(not_(x), noports));
	}
	x = l4_is(hs, 6);
	and_in(&x, not_(bdd_addref(nonfirst)));
	and_in(&u, imp(not_(x), hs_eq(hs, HS_TCPFLAGS, 0)));
	icmp = or_in(icmp_is(hs, false), icmp_is(hs, true));
	and_in(&icmp, not_(bdd_addref(nonfirst)));
	x = hs_eq(hs, HS_ICMPTYPE, 0);
	and_in(&x, hs_eq(hs, HS_ICMPCODE, 0));
	and_in(&u, imp(not_(icmp), x));
	and_in(&u, conntrack_rules(hs, nonfirst));
	bdd_delref(nonfirst);
	return u;
}

/* ---- life cycle ---------------------------------------------------------------- */

static const int field_bits[HS__NFIELDS] = {
	[HS_IIF] = 0, [HS_OIF] = 0, [HS_NFPROTO] = 1, [HS_SADDR] = 128, [HS_DADDR] = 128,
	[HS_CTSTATE] = 3, [HS_L4PROTO] = 8, [HS_TCPFLAGS] = 8, [HS_SPORT] = 16,
	[HS_DPORT] = 16, [HS_ICMPTYPE] = 8, [HS_ICMPCODE] = 8, [HS_TTL] = 8,
	[HS_FRAGOFF] = 16, [HS_LENGTH] = 16, [HS_MARK] = 32,
};

/*
 * The fields' blocks of variables, top to bottom. The source address comes
 * last: a set of 20,000 scattered addresses (a blocklist matches the
 * source) is a large block, and below every other field it is one shared
 * copy, where above them each of its paths carried its own copy of what the
 * rules say of state, protocol and ports. The destination sits high, just
 * below the family: what the domain says of it (martians, this host's
 * addresses) is then decided once above everything, not copied below each
 * port a rule names (measured on a 20,000-address blocklist and on 1,000
 * rules with a 100,000-interval set: with the destination just above the
 * source 1.25 s / 57 MiB and 0.75 s / 60 MiB, here 1.2 s / 57 MiB and
 * 0.6 s / 51 MiB).
 */
static const enum hs_field var_order[HS__NFIELDS] = {
	HS_IIF, HS_OIF, HS_NFPROTO, HS_DADDR, HS_CTSTATE, HS_FRAGOFF, HS_L4PROTO, HS_TCPFLAGS,
	HS_SPORT, HS_DPORT, HS_ICMPTYPE, HS_ICMPCODE, HS_TTL, HS_LENGTH, HS_MARK,
	HS_SADDR,
};

static int bits_for(size_t n)
{
	int b = 1;

	while (((size_t)1 << b) < n)
		b++;
	return b;
}

/*
 * The node table to start with. BuDDy doubles a full table, and each time
 * collects garbage and empties its operation caches: the exposure of a
 * ruleset with 20,000 scattered addresses went through six of them, from
 * 20,000 to 1.28 million nodes, 12% of its instructions. Sized by the
 * single values the rulesets' sets list, within [HS_NODES_INITIAL,
 * HS_NODES_START_MAX] (40 MB): a small policy starts as small as before,
 * and so do prefixes and ranges, which share most of their nodes (100,000
 * adjacent /24 networks would only take memory). 100 nodes a value,
 * measured: the counts move with the table's exact size (BuDDy's hashing
 * and garbage collections fall differently); at 64 (1.28 million for
 * 20,000) lint took 8% more instructions than with a growing table, at
 * 100 lint takes 22% fewer and exposure 4% fewer than at 64, for 78 MiB
 * in all instead of 60.
 */
static int nodes_to_start(const struct ruleset *const *rs, size_t n)
{
	size_t elems = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; rs[i] && t < rs[i]->ntables; t++)
			for (size_t k = 0; k < rs[i]->tables[t]->nsets; k++) {
				const struct rs_set *set = rs[i]->tables[t]->sets[k];

				for (size_t j = 0; j < set->nelems; j++)
					elems += set->elems[j].key.kind == RS_TERM_VALUE;
			}
	if (elems > HS_NODES_START_MAX / HS_NODES_PER_ELEM)
		return HS_NODES_START_MAX;
	if (elems * HS_NODES_PER_ELEM < HS_NODES_INITIAL)
		return HS_NODES_INITIAL;
	return (int)(elems * HS_NODES_PER_ELEM);
}

static int hs_start(const struct ruleset *const *rs, size_t n, int nodes, struct hspace **out,
		    struct xerr *e)
{
	struct hspace *hs;
	int first = 0;

	*out = NULL;
	if (live_hs || bdd_isrunning())
		return xerr_set(e, XNFT_EXIT_USAGE, "internal: a header space is already in use");
	hs = calloc(1, sizeof(*hs));
	if (!hs || layout_ifaces(hs, rs, n)) {
		if (hs)
			free(hs->ifs);
		free(hs);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory laying out the header space");
	}
	for (size_t i = 0; i < HS__NFIELDS; i++) {
		enum hs_field f = var_order[i];

		hs->field[f].first = first;
		hs->field[f].bits = field_bits[f] ? field_bits[f] : bits_for(hs->nifs);
		first += hs->field[f].bits;
	}
	hs->nfieldvars = first;
	pending_error = 0;
	/* the caches follow the table only when it grows: as large as they would have grown */
	if (bdd_init(nodes, nodes / HS_CACHE_RATIO > HS_CACHE ? nodes / HS_CACHE_RATIO : HS_CACHE) < 0) {
		free(hs->ifs);
		free(hs);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot start the BDD library (out of memory)");
	}
	live_hs = hs;
	bdd_error_hook(bdd_err_hook);
	bdd_gbc_hook(NULL);
	bdd_resize_hook(NULL);
	bdd_setmaxincrease(4000000);
	bdd_setminfreenodes(40);
	bdd_setmaxnodenum(HS_NODES_MAX);
	/*
	 * BuDDy keeps six operation caches, each of (nodes / ratio) entries of
	 * 24 bytes: at 4 they took twice the memory of the nodes themselves
	 * (a 20,000-address blocklist: 164 MiB; 94 at 24) and were not faster
	 * (at 32 they start to be slower).
	 */
	bdd_setcacheratio(HS_CACHE_RATIO);
	bdd_setvarnum(first + HS_FREEVAR_CHUNK);
	hs->universe = make_universe(hs);
	if (hs_check(hs, e)) {
		hs_free(hs);
		return -1;
	}
	*out = hs;
	return 0;
}

int hs_new(const struct ruleset *const *rs, size_t n, struct hspace **out, struct xerr *e)
{
	return hs_start(rs, n, nodes_to_start(rs, n), out, e);
}

int hs_new_layout(const struct ruleset *const *rs, size_t n, struct hspace **out, struct xerr *e)
{
	return hs_start(rs, n, HS_NODES_INITIAL, out, e);
}

void hs_free(struct hspace *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->nfv; i++) {
		free(hs->fv[i].key);
		free(hs->fv[i].when_true);
		free(hs->fv[i].when_false);
	}
	for (size_t i = 0; i < hs->natoms; i++) {
		free(hs->atoms[i].text);
		free(hs->atoms[i].neg);
		free(hs->atoms[i].name);
	}
	free(hs->fv);
	free(hs->atoms);
	free(hs->ifs);
	if (live_hs == hs) {
		last_diff_clear();
		bdd_done();
		live_hs = NULL;
	}
	free(hs);
}

/* ---- support ----------------------------------------------------------------------- */

static int support_walk(BDD b, struct inttab *seen, unsigned char *mark, int nvars)
{
	int r;

	if (b < 2)
		return 0;
	r = inttab_add(seen, b, 0, 0, NULL);
	if (r <= 0)
		return r;
	if (bdd_var(b) < nvars)
		mark[bdd_var(b)] = 1;
	if (support_walk(bdd_low(b), seen, mark, nvars))
		return -1;
	return support_walk(bdd_high(b), seen, mark, nvars);
}

int hs_support(BDD b, int **vars, int *n)
{
	int nvars = bdd_varnum(), k = 0;
	unsigned char *mark = calloc((size_t)(nvars > 0 ? nvars : 1), 1);
	struct inttab seen;
	int *v;

	*vars = NULL;
	*n = 0;
	if (!mark)
		return -1;
	inttab_init(&seen, 1, false, 1024);
	if (support_walk(b, &seen, mark, nvars)) {
		inttab_free(&seen);
		free(mark);
		return -1;
	}
	inttab_free(&seen);
	for (int i = 0; i < nvars; i++)
		k += mark[i];
	v = malloc((size_t)(k ? k : 1) * sizeof(*v));
	if (!v) {
		free(mark);
		return -1;
	}
	k = 0;
	for (int i = 0; i < nvars; i++)
		if (mark[i])
			v[k++] = i;
	free(mark);
	*vars = v;
	*n = k;
	return 0;
}

/* ---- packets ----------------------------------------------------------------------- */

static u128 addr_value(const struct prefix *p)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = (v << 8) | p->addr[i];
	return v;
}

static void addr_set(struct prefix *p, u128 v, bool v6)
{
	memset(p, 0, sizeof(*p));
	p->family = v6 ? AF_INET6 : AF_INET;
	p->len = v6 ? 128 : 32;
	for (int i = 15; i >= 0; i--) {
		p->addr[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	if (!v6)
		memset(p->addr + 4, 0, 12);
}

static size_t ct_index(unsigned bit)
{
	for (size_t i = 0; i < HS_NCTSTATES; i++)
		if (hs_ctstate_bits[i] == bit)
			return i;
	return 0;
}

/* A frame up from a bridge port (iif P ibrname B) arrived through P of B. */
static size_t packet_if(const struct hspace *hs, const char *dev, const char *br)
{
	size_t i = hs_iface_index(hs, dev);

	if (br[0]) {
		size_t v = hs_port_index(hs, hs_iface_index(hs, br), i);

		if (v)
			return v;
	}
	return i;
}

BDD hs_frag6_header(struct hspace *hs, bool atomic)
{
	BDD r = not_(hs_masked_eq(hs, HS_FRAGOFF, 0x3fff, 0));

	if (atomic)
		r = or_in(r, hs_masked_eq(hs, HS_FRAGOFF, HS_FRAG6_HDR, HS_FRAG6_HDR));
	and_in(&r, hs_eq(hs, HS_NFPROTO, 1));
	return r;
}

BDD hs_unfragmented(struct hspace *hs)
{
	BDD r = hs_masked_eq(hs, HS_FRAGOFF, 0x3fff, 0);

	and_in(&r, not_(hs_frag6_header(hs, true)));
	return r;
}

/* frag-off of p in the header space: an IPv6 fragment header sets HS_FRAG6_HDR. */
static uint16_t packet_frag_off(const struct packet *p)
{
	if (p->nfproto == MATCH_NFPROTO_IPV6 && packet_has_exthdr(p, MATCH_EH_FRAG))
		return (uint16_t)(p->frag_off | HS_FRAG6_HDR);
	return p->frag_off;
}

BDD hs_packet_bdd(struct hspace *hs, const struct packet *p, int path)
{
	bool v6 = p->nfproto == MATCH_NFPROTO_IPV6;
	BDD r = hs_eq(hs, HS_NFPROTO, v6);

	and_in(&r, hs_eq(hs, HS_IIF, path == 2 ? 0 : packet_if(hs, p->iif, p->ibr)));
	and_in(&r, hs_eq(hs, HS_OIF, path == 0 ? 0 : packet_if(hs, p->oif, p->obr)));
	and_in(&r, hs_eq(hs, HS_SADDR, addr_value(&p->saddr)));
	and_in(&r, hs_eq(hs, HS_DADDR, addr_value(&p->daddr)));
	and_in(&r, hs_eq(hs, HS_CTSTATE, ct_index(p->ct_state)));
	and_in(&r, hs_eq(hs, HS_L4PROTO, p->l4proto));
	and_in(&r, hs_eq(hs, HS_TCPFLAGS, p->tcp_flags));
	and_in(&r, hs_eq(hs, HS_SPORT, p->sport));
	and_in(&r, hs_eq(hs, HS_DPORT, p->dport));
	and_in(&r, hs_eq(hs, HS_ICMPTYPE, p->icmp_type));
	and_in(&r, hs_eq(hs, HS_ICMPCODE, p->icmp_code));
	and_in(&r, hs_eq(hs, HS_TTL, p->ttl));
	and_in(&r, hs_eq(hs, HS_FRAGOFF, packet_frag_off(p)));
	and_in(&r, hs_eq(hs, HS_LENGTH, p->length));
	and_in(&r, hs_eq(hs, HS_MARK, p->mark));
	return r;
}

/* Narrow *r to field == value when that leaves something. */
static void prefer(struct hspace *hs, BDD *r, enum hs_field f, u128 value)
{
	BDD x = hs_eq(hs, f, value);
	BDD n = and2(*r, x);

	bdd_delref(x);
	if (n == bddfalse)
		return;
	bdd_delref(*r);
	*r = n;
}

/* Fix field f to the smallest value left in *r. */
static u128 fix_lowest(struct hspace *hs, BDD *r, enum hs_field f)
{
	u128 v = 0;

	for (int bit = 0; bit < hs->field[f].bits; bit++) {
		int var = hs_var(hs, f, bit);
		BDD n = and2(*r, bdd_nithvar(var));

		v <<= 1;
		if (n == bddfalse) {
			n = and2(*r, bdd_ithvar(var));
			v |= 1;
		}
		bdd_delref(*r);
		*r = n;
	}
	return v;
}

unsigned __int128 hs_field_value(const struct hspace *hs, enum hs_field f, const char *assign)
{
	u128 v = 0;

	for (int bit = 0; bit < hs->field[f].bits; bit++)
		v = (v << 1) | (assign[hs_var(hs, f, bit)] > 0 ? 1 : 0);
	return v;
}

static u128 addr_text(const char *s)
{
	struct prefix p;
	struct xerr e;

	if (prefix_parse(&p, s, &e))
		return 0;
	return addr_value(&p);
}

static void prefer_addresses(struct hspace *hs, BDD *r, int path, bool v6, bool lo)
{
	const char *src, *dst;

	if (lo) {
		src = dst = v6 ? "::1" : "127.0.0.1";
	} else if (path == 2) {
		src = v6 ? "2001:db8::1" : "198.51.100.1";
		dst = v6 ? "2001:4860:4860::8888" : "8.8.8.8";
	} else {
		src = v6 ? "2001:4860:4860::8888" : "8.8.8.8";
		dst = path == 1 || path == 3 ? (v6 ? "2606:4700:4700::1111" : "1.1.1.1") :
				  (v6 ? "2001:db8::1" : "198.51.100.1");
	}
	prefer(hs, r, HS_SADDR, addr_text(src));
	prefer(hs, r, HS_DADDR, addr_text(dst));
}

static void fill_iface(const struct hspace *hs, char *dst, size_t idx, bool present,
		       bool need_name)
{
	dst[0] = '\0';
	if (!present || idx >= hs->nifs)
		return;
	if (idx == 0 && !need_name)
		return;
	snprintf(dst, IFNAME_MAXLEN + 1, "%s", hs->ifs[idx].repr);
}

static void fill_given(struct packet *p, int path)
{
	bool v6 = p->nfproto == MATCH_NFPROTO_IPV6;
	bool nonfirst = (p->frag_off & 0x1fff) != 0;
	bool ports = !nonfirst && (p->l4proto == 6 || p->l4proto == 17 || p->l4proto == 33 ||
				   p->l4proto == 132 || p->l4proto == 136);
	bool icmp = !nonfirst && ((v6 && p->l4proto == 58) || (!v6 && p->l4proto == 1));

	p->given = PF_BIT(PF_NFPROTO) | PF_BIT(PF_L4PROTO) | PF_BIT(PF_MARK) |
		   PF_BIT(PF_SADDR) | PF_BIT(PF_DADDR) | PF_BIT(PF_TTL) | PF_BIT(PF_CT_STATE);
	if (path != 2 && p->iif[0])
		p->given |= PF_BIT(PF_IIF);
	if (path != 0 && p->oif[0])
		p->given |= PF_BIT(PF_OIF);
	if (!v6)
		p->given |= PF_BIT(PF_LENGTH) | PF_BIT(PF_FRAG_OFF);
	else if (nonfirst)
		p->given |= PF_BIT(PF_FRAGMENT);
	if (ports)
		p->given |= PF_BIT(PF_SPORT) | PF_BIT(PF_DPORT);
	if (!nonfirst && p->l4proto == 6)
		p->given |= PF_BIT(PF_TCP_FLAGS);
	if (icmp)
		p->given |= PF_BIT(PF_ICMP_TYPE) | PF_BIT(PF_ICMP_CODE);
	p->known = p->given;
}

/*
 * HS_FRAG6_HDR in words: an IPv6 packet with a fragment header says so
 * (exthdr frag); an atomic fragment's offset and more-fragments are 0.
 */
static void frag6_words(struct packet *p)
{
	if (p->nfproto != MATCH_NFPROTO_IPV6 || !(p->frag_off & HS_FRAG6_HDR))
		return;
	p->frag_off &= (uint16_t)~HS_FRAG6_HDR;
	p->exthdr = MATCH_EH_FRAG;
	p->frag6_off = p->frag_off & 0x1fff;
	p->frag6_mf = (p->frag_off & 0x2000) != 0;
	p->given |= PF_BIT(PF_EXTHDR);
	p->known |= PF_BIT(PF_EXTHDR);
}

/* A name of class port that is not the bridge's (both may be names no rule names). */
static void port_name(const struct hspace *hs, size_t port, const char *bridge, char *dst)
{
	char cand[IFNAME_MAXLEN + 24];

	snprintf(dst, IFNAME_MAXLEN + 1, "%s", hs->ifs[port].repr);
	for (int i = 0; i < 1000 && !strcmp(dst, bridge); i++) {
		snprintf(cand, sizeof(cand), "port%d", i);
		if (repr_ok(hs, port, cand))
			snprintf(dst, IFNAME_MAXLEN + 1, "%s", cand);
	}
}

int hs_pick_packet(struct hspace *hs, BDD region, int path, bool prefer_defaults,
		   struct packet *out, unsigned char *fv, struct xerr *e)
{
	BDD r = bdd_addref(region);
	size_t iif, oif;
	bool v6, lo;
	unsigned ct;

	memset(out, 0, sizeof(*out));
	if (region == bddfalse)
		return xerr_set(e, XNFT_EXIT_USAGE, "internal: no packet in an empty region");
	/* free variables first: well-behaved values where possible */
	for (size_t i = 0; i < hs->nfv; i++) {
		int var = hs->fv[i].var;
		int want = hs->fv[i].wb >= 0 ? hs->fv[i].wb : 0;
		BDD n = and2(r, want ? bdd_ithvar(var) : bdd_nithvar(var));

		if (n == bddfalse) {
			n = and2(r, want ? bdd_nithvar(var) : bdd_ithvar(var));
			want = !want;
		}
		bdd_delref(r);
		r = n;
		if (fv)
			fv[i] = (unsigned char)want;
	}
	if (prefer_defaults)
		prefer(hs, &r, HS_NFPROTO, 0);
	v6 = fix_lowest(hs, &r, HS_NFPROTO) != 0;
	iif = (size_t)fix_lowest(hs, &r, HS_IIF);
	oif = (size_t)fix_lowest(hs, &r, HS_OIF);
	lo = (path != 2 && iif < hs->nifs && !strcmp(hs->ifs[iif].name, "lo")) ||
	     (path != 0 && oif < hs->nifs && !strcmp(hs->ifs[oif].name, "lo"));
	if (prefer_defaults) {
		prefer(hs, &r, HS_CTSTATE, ct_index(RS_CTSTATE_NEW));
		prefer(hs, &r, HS_L4PROTO, 6);
		prefer(hs, &r, HS_FRAGOFF, 0);
		if (v6)   /* else an atomic fragment: a whole packet still */
			prefer(hs, &r, HS_FRAGOFF, HS_FRAG6_HDR);
		prefer_addresses(hs, &r, path, v6, lo);
		prefer(hs, &r, HS_SPORT, 40000);
		prefer(hs, &r, HS_DPORT, 9);
		prefer(hs, &r, HS_TTL, 64);
		prefer(hs, &r, HS_MARK, 0);
	}
	ct = hs_ctstate_bits[fix_lowest(hs, &r, HS_CTSTATE) % HS_NCTSTATES];
	out->l4proto = (uint8_t)fix_lowest(hs, &r, HS_L4PROTO);
	if (prefer_defaults) {
		prefer(hs, &r, HS_TCPFLAGS, ct == RS_CTSTATE_NEW || ct == RS_CTSTATE_UNTRACKED ?
					    RS_TCP_SYN : RS_TCP_ACK);
		prefer(hs, &r, HS_ICMPTYPE, v6 ? 128 : 8);
		prefer(hs, &r, HS_LENGTH, (v6 ? 40 : 20) + (out->l4proto == 6 ? 20 : 8));
	}
	addr_set(&out->saddr, fix_lowest(hs, &r, HS_SADDR), v6);
	addr_set(&out->daddr, fix_lowest(hs, &r, HS_DADDR), v6);
	out->tcp_flags = (uint8_t)fix_lowest(hs, &r, HS_TCPFLAGS);
	out->sport = (uint16_t)fix_lowest(hs, &r, HS_SPORT);
	out->dport = (uint16_t)fix_lowest(hs, &r, HS_DPORT);
	out->icmp_type = (uint8_t)fix_lowest(hs, &r, HS_ICMPTYPE);
	out->icmp_code = (uint8_t)fix_lowest(hs, &r, HS_ICMPCODE);
	out->ttl = (uint8_t)fix_lowest(hs, &r, HS_TTL);
	out->frag_off = (uint16_t)fix_lowest(hs, &r, HS_FRAGOFF);
	out->length = (uint16_t)fix_lowest(hs, &r, HS_LENGTH);
	out->mark = (uint32_t)fix_lowest(hs, &r, HS_MARK);
	bdd_delref(r);
	out->nfproto = v6 ? MATCH_NFPROTO_IPV6 : MATCH_NFPROTO_IPV4;
	out->ct_state = (uint8_t)ct;
	if ((path == 0 || path == 3) && iif < hs->nifs && hs->ifs[iif].via_port) {
		/*
		 * through a bridge port: the words of a frame up from it, or
		 * bridged on (packet.h);
		 * a routed one has none (with ibrname they say bridged), so it is
		 * given as from the bridge
		 */
		fill_iface(hs, out->ibr, hs->ifs[iif].bridge, true, true);
		port_name(hs, hs->ifs[iif].port, out->ibr, out->iif);
	} else {
		fill_iface(hs, out->iif, iif, path != 2, path == 1);
	}
	if ((path == 2 || path == 3) && oif < hs->nifs && hs->ifs[oif].via_port) {
		/* sent or bridged through a bridge port: oif Q obrname B (packet.h) */
		fill_iface(hs, out->obr, hs->ifs[oif].bridge, true, true);
		port_name(hs, hs->ifs[oif].port, out->obr, out->oif);
	} else {
		fill_iface(hs, out->oif, oif, path != 0, true);
	}
	fill_given(out, path);
	frag6_words(out);
	if (out->ibr[0]) {
		out->given |= PF_BIT(PF_IBRNAME);
		out->known |= PF_BIT(PF_IBRNAME);
	}
	if (out->obr[0]) {
		out->given |= PF_BIT(PF_OBRNAME);
		out->known |= PF_BIT(PF_OBRNAME);
	}
	return hs_check(hs, e);
}
