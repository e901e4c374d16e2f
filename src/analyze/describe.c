// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoding a BDD region into readable lines, field by field (describe.h).
 * The split of a function by one field finds the distinct remainders below
 * the field's block of variables: each "exit" node is one class, and the
 * values of the field that lead to it are computed by one walk per class.
 */
#include "analyze/describe.h"
#include "analyze/bddref.h"
#include "analyze/inttab.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/grow.h"
#include "core/strbuf.h"

typedef unsigned __int128 u128;

#define MAX_CLASSES DS_MAX_CLASSES
#define MAX_IVS 64
#define LIST_MAX 8

/* ---- node tuples seen by a walk ---------------------------------------------------- */

/*
 * The walks below read BDDs without making nodes: on a region holding a
 * large address set, making (or only looking up) its nodes again for each
 * question is what cost the time. What a walk has seen is kept in an
 * inttab keyed by the node, pair or triple of nodes.
 */

/* A node's variable; terminals lie below every variable. */
static int var_of(int node)
{
	return node < 2 ? INT_MAX : bdd_var(node);
}

/* The upper of two nodes' variables. */
static int top_var(int a, int b)
{
	return var_of(a) < var_of(b) ? var_of(a) : var_of(b);
}

static int child(int node, int var, bool high)
{
	if (node < 2 || bdd_var(node) != var)
		return node;
	return high ? bdd_high(node) : bdd_low(node);
}

/* a implies b, pair by pair; pairs already shown to hold are in seen. */
static bool implies(struct inttab *seen, int a, int b)
{
	int v;

	if (a == bddfalse || b == bddtrue || a == b)
		return true;
	if (b == bddfalse || a == bddtrue)
		return false;
	if (inttab_find(seen, a, b, 0) >= 0)
		return true;
	v = top_var(a, b);
	if (!implies(seen, child(a, v, false), child(b, v, false)) ||
	    !implies(seen, child(a, v, true), child(b, v, true)))
		return false;
	/* a pair seen twice is walked twice when memory is short: slower, still right */
	inttab_add(seen, a, b, 0, NULL);
	return true;
}

static bool subset(BDD a, BDD b)
{
	struct inttab seen;
	bool r;

	inttab_init(&seen, 2, false, 64);
	r = implies(&seen, a, b);
	inttab_free(&seen);
	return r;
}

/* ---- a small map from node to BDD ------------------------------------------ */

static void imap_init(struct inttab *m)
{
	inttab_init(m, 1, true, 1024);
}

static void unref_value(uint64_t val)
{
	unref((BDD)val);
}

static void imap_free(struct inttab *m, bool release)
{
	if (release)
		inttab_each_value(m, unref_value);
	inttab_free(m);
}

static bool imap_get(const struct inttab *m, int key, int64_t *val)
{
	ptrdiff_t slot = inttab_find(m, key, 0, 0);

	if (slot < 0)
		return false;
	*val = (int64_t)m->vals[slot];
	return true;
}

static int imap_put(struct inttab *m, int key, int64_t val)
{
	size_t slot;

	if (inttab_add(m, key, 0, 0, &slot) < 0)
		return -1;
	m->vals[slot] = (uint64_t)val;
	return 0;
}

/* ---- variable sets, made once per description ------------------------------------- */

/* BuDDy is one global manager, so one description runs at a time too. */
static struct {
	BDD field[HS__NFIELDS];    /* the field's variables */
	BDD others[HS__NFIELDS];   /* every field variable but the field's */
	bool ready;
} cubes;

static void cubes_make(struct hspace *hs)
{
	int *vars = malloc((size_t)hs->nfieldvars * sizeof(*vars));

	for (int f = 0; f < HS__NFIELDS; f++) {
		int k = 0;

		cubes.field[f] = hs_field_set(hs, (enum hs_field)f);
		if (vars)
			for (int v = 0; v < hs->nfieldvars; v++)
				if (v < hs->field[f].first || v >= hs->field[f].first + hs->field[f].bits)
					vars[k++] = v;
		cubes.others[f] = vars ? ref(bdd_makeset(vars, k)) : bddtrue;
	}
	free(vars);
	cubes.ready = true;
}

static void cubes_free(void)
{
	for (int f = 0; f < HS__NFIELDS && cubes.ready; f++) {
		unref(cubes.field[f]);
		unref(cubes.others[f]);
	}
	cubes.ready = false;
}

/* ---- splitting a function by one field ----------------------------------------- */

struct klass {
	BDD set;     /* values of the field (over its variables) */
	BDD rest;    /* the remainder (not depending on the field) */
};

struct splitter {
	int lo, hi;        /* the field's variables */
	struct inttab seen;
	int exits[MAX_CLASSES];
	size_t nexits;
	bool too_many;
	bool oom;
};

static bool is_exit(const struct splitter *s, int node)
{
	return node < 2 || bdd_var(node) > s->hi;
}

/* Exit index bit: which exits a node leads to, as a 64-bit summary. */
static uint64_t exit_bit(size_t i)
{
	return (uint64_t)1 << (i % 64);
}

/*
 * Collect the exits under node; returns the summary of the exits it leads
 * to (kept per node in s->seen, so that each class's walk skips the parts
 * of a large block, a blocklist say, that cannot lead to it).
 */
static uint64_t find_exits(struct splitter *s, int node)
{
	int64_t got;
	uint64_t m;

	if (s->oom || s->too_many)
		return 0;
	if (is_exit(s, node)) {
		if (node == bddfalse)
			return 0;
		for (size_t i = 0; i < s->nexits; i++)
			if (s->exits[i] == node)
				return exit_bit(i);
		if (s->nexits == MAX_CLASSES) {
			s->too_many = true;
			return 0;
		}
		s->exits[s->nexits++] = node;
		return exit_bit(s->nexits - 1);
	}
	if (imap_get(&s->seen, node, &got))
		return (uint64_t)got;
	m = find_exits(s, bdd_low(node));
	m |= find_exits(s, bdd_high(node));
	if (imap_put(&s->seen, node, (int64_t)m))
		s->oom = true;
	return m;
}

/* The values of the field that lead from node to exit x (the xi-th). */
static BDD reach_exit(struct splitter *s, struct inttab *memo, int node, int x, size_t xi)
{
	int64_t got;
	BDD l, h, r;

	if (is_exit(s, node))
		return node == x ? bddtrue : bddfalse;
	if (imap_get(&s->seen, node, &got) && !((uint64_t)got & exit_bit(xi)))
		return bddfalse;
	if (imap_get(memo, node, &got))
		return ref((BDD)got);
	l = reach_exit(s, memo, bdd_low(node), x, xi);
	h = reach_exit(s, memo, bdd_high(node), x, xi);
	r = ref(bdd_ite(bdd_ithvar(bdd_var(node)), h, l));
	unref(l);
	unref(h);
	if (imap_put(memo, node, ref(r)))
		s->oom = true;
	return r;
}

/* The smallest value in set (over field f's variables only), as its cube. */
static BDD lowest_value(struct hspace *hs, BDD set, enum hs_field f)
{
	u128 v = 0;
	int node = set;

	for (int bit = 0; bit < hs->field[f].bits; bit++) {
		v <<= 1;
		if (node < 2 || bdd_var(node) != hs_var(hs, f, bit))
			continue;   /* the bit is free: 0 is the smaller */
		if (bdd_low(node) != bddfalse) {
			node = bdd_low(node);
		} else {
			node = bdd_high(node);
			v |= 1;
		}
	}
	return hs_eq(hs, f, v);
}

/*
 * Past MAX_CLASSES the values left (set, over f's variables) become one
 * class whose remainder is what any of them leads to: more than the truth
 * for some of those values, never less, so a line may over-report what is
 * accepted and never drops it. *merged records that it happened.
 */
static void tail_class(BDD g, enum hs_field f, BDD set, struct klass *k, bool *merged)
{
	BDD in = AND(g, set);

	k->set = ref(set);
	k->rest = ref(bdd_exist(in, cubes.field[f]));
	unref(in);
	*merged = true;
}

/*
 * The same split when other fields' variables lie above f's (the addresses
 * sit below everything else): the class of the smallest value left is every
 * value whose cofactor of g is that value's. Classes come in the order of
 * their smallest values, as split_field's walk finds them.
 */
static int split_below(struct hspace *hs, BDD g, enum hs_field f, struct klass **out, size_t *n,
		       bool *merged)
{
	BDD left = ref(bdd_exist(g, cubes.others[f]));
	struct klass *k = calloc(MAX_CLASSES + 1, sizeof(*k));
	size_t m = 0;

	*out = NULL;
	*n = 0;
	if (!k) {
		unref(left);
		return -1;
	}
	while (left != bddfalse && left >= 0 && m < MAX_CLASSES) {
		BDD v = lowest_value(hs, left, f);

		k[m].rest = ref(bdd_restrict(g, v));
		k[m].set = ref(bdd_appall(g, k[m].rest, bddop_biimp, cubes.others[f]));
		put(&left, MINUS(left, k[m].set));
		unref(v);
		m++;
	}
	if (left != bddfalse && left >= 0)
		tail_class(g, f, left, &k[m++], merged);
	unref(left);
	*out = k;
	*n = m;
	return 0;
}

/* The values of f in g that none of the n classes has: one tail class. */
static void split_tail(BDD g, enum hs_field f, struct klass *k, size_t *n, bool *merged)
{
	BDD left = ref(bdd_exist(g, cubes.others[f]));

	for (size_t i = 0; i < *n; i++)
		put(&left, MINUS(left, k[i].set));
	if (left != bddfalse)
		tail_class(g, f, left, &k[(*n)++], merged);
	unref(left);
}

/*
 * Split g by field f: n classes, each a set of values and the remainder.
 * The walk below needs f's variables above every other one g depends on
 * (top); else split_below.
 */
static int split_field(struct hspace *hs, BDD g, enum hs_field f, bool top, struct klass **out,
		       size_t *n, bool *merged)
{
	struct splitter s = { .lo = hs->field[f].first, .hi = hs->field[f].first + hs->field[f].bits - 1 };
	struct klass *k;

	if (!top)
		return split_below(hs, g, f, out, n, merged);
	*out = NULL;
	*n = 0;
	imap_init(&s.seen);
	find_exits(&s, g);
	if (s.oom) {
		imap_free(&s.seen, false);
		return -1;
	}
	k = calloc(s.nexits + 1, sizeof(*k));
	if (!k) {
		imap_free(&s.seen, false);
		return -1;
	}
	for (size_t i = 0; i < s.nexits; i++) {
		struct inttab memo;

		imap_init(&memo);
		k[i].set = reach_exit(&s, &memo, g, s.exits[i], i);
		k[i].rest = ref(s.exits[i]);
		imap_free(&memo, true);
	}
	imap_free(&s.seen, false);
	if (s.too_many && !s.oom)
		split_tail(g, f, k, &s.nexits, merged);
	if (s.oom) {
		for (size_t i = 0; i < s.nexits; i++) {
			unref(k[i].set);
			unref(k[i].rest);
		}
		free(k);
		return -1;
	}
	*out = k;
	*n = s.nexits;
	return 0;
}

static void classes_free(struct klass *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unref(k[i].set);
		unref(k[i].rest);
	}
	free(k);
}

/* ---- text buffers ------------------------------------------------------------------- */

/* Text pieces grow without a limit (core/strbuf.h): no description is cut short. */
static void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* The text so far, "" before anything was added. */
static const char *sb_text(const struct strbuf *b)
{
	return b->s ? b->s : "";
}

/* ---- values of a field ------------------------------------------------------------------ */

static bool has_value(struct hspace *hs, BDD set, enum hs_field f, u128 v)
{
	BDD x = hs_eq(hs, f, v);
	BDD a = AND(set, x);
	bool r = a != bddfalse;

	unref(a);
	unref(x);
	return r;
}

struct ivlist {
	u128 lo[MAX_IVS], hi[MAX_IVS];
	size_t n;
	bool more;
};

static void iv_push(struct ivlist *l, u128 lo, u128 hi)
{
	if (l->n && l->hi[l->n - 1] + 1 == lo) {
		l->hi[l->n - 1] = hi;
		return;
	}
	if (l->n == MAX_IVS) {
		l->more = true;
		return;
	}
	l->lo[l->n] = lo;
	l->hi[l->n] = hi;
	l->n++;
}

/* In order: the subtree at `bit` of a field of `bits` bits, value prefix v. */
static void iv_walk(const struct hspace *hs, enum hs_field f, int node, int bit, u128 v,
		    struct ivlist *l)
{
	int bits = hs->field[f].bits;
	int width = bits - bit;
	u128 span = width >= 128 ? ~(u128)0 : (((u128)1 << width) - 1);
	u128 base = width >= 128 ? 0 : v << width;

	if (l->more || node == bddfalse)
		return;
	if (width <= 0) {
		/* past the field: the set does not depend on what follows */
		iv_push(l, v, v);
		return;
	}
	if (node == bddtrue) {
		iv_push(l, base, base | span);
		return;
	}
	if (bdd_var(node) > hs->field[f].first + bit) {
		/* this bit is free here */
		iv_walk(hs, f, node, bit + 1, v << 1, l);
		iv_walk(hs, f, node, bit + 1, (v << 1) | 1, l);
		return;
	}
	iv_walk(hs, f, bdd_low(node), bit + 1, v << 1, l);
	iv_walk(hs, f, bdd_high(node), bit + 1, (v << 1) | 1, l);
}

static void intervals_of(const struct hspace *hs, enum hs_field f, BDD set, struct ivlist *l)
{
	memset(l, 0, sizeof(*l));
	iv_walk(hs, f, set, 0, 0, l);
}

static void num_range(struct strbuf *b, u128 lo, u128 hi, bool hex)
{
	if (hex)
		sb_add(b, "0x%llx", (unsigned long long)lo);
	else
		sb_add(b, "%llu", (unsigned long long)lo);
	if (hi != lo) {
		if (hex)
			sb_add(b, "-0x%llx", (unsigned long long)hi);
		else
			sb_add(b, "-%llu", (unsigned long long)hi);
	}
}

static void ivs_text(struct strbuf *b, const struct ivlist *l, bool hex)
{
	if (l->n > 1)
		sb_add(b, "{ ");
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			sb_add(b, ", ");
		num_range(b, l->lo[i], l->hi[i], hex);
	}
	if (l->more)
		sb_add(b, ", ...");
	if (l->n > 1)
		sb_add(b, " }");
}

/* A numeric field: its values, or "!= ..." when the complement is shorter. */
static void number_label(struct hspace *hs, enum hs_field f, BDD set, BDD all, struct strbuf *b,
			 bool hex)
{
	struct ivlist in, out;
	BDD comp = MINUS(all, set);

	intervals_of(hs, f, set, &in);
	intervals_of(hs, f, comp, &out);
	unref(comp);
	if ((out.n < in.n || in.more) && !out.more && out.n) {
		sb_add(b, "!= ");
		ivs_text(b, &out, hex);
	} else {
		ivs_text(b, &in, hex);
	}
}

typedef const char *(*namer)(unsigned v, bool v6);

static const char *l4_name(unsigned v, bool v6)
{
	(void)v6;
	if (v == 58)
		return "icmpv6";
	return match_l4proto_name(v);
}

static const char *ct_name(unsigned v, bool v6)
{
	(void)v6;
	return v < HS_NCTSTATES ? match_ct_state_name(hs_ctstate_bits[v]) : NULL;
}

static const char *icmp_name(unsigned v, bool v6)
{
	return match_icmp_type_name(v, v6);
}

static const char *flags_name(unsigned v, bool v6)
{
	static char buf[8][64];
	static unsigned slot;
	char *s = buf[slot++ % 8];

	(void)v6;
	match_tcp_flags_format(v, "|", s, 64);
	return s;
}

/*
 * tcp flags as a rule writes them: the fewest flag bits m and value v with
 * in = { x : x & m == v } among the flags possible here (in and out
 * together). "syn" for one flag that must be set, else "& (syn | ack) ==
 * syn"; with ne, "!=" (in is then the values left out). false when the
 * set is not of that shape.
 */
static bool flags_masked(const unsigned *in, unsigned nin, const unsigned *out, unsigned nout,
			 bool ne, struct strbuf *b)
{
	for (unsigned bits = 1; bits <= 8 && nin; bits++)
		for (unsigned m = 1; m < 256; m++) {
			unsigned v = in[0] & m;
			char mt[64], vt[64];
			bool fits = true;

			if ((unsigned)__builtin_popcount(m) != bits)
				continue;
			for (unsigned i = 0; i < nin && fits; i++)
				fits = (in[i] & m) == v;
			for (unsigned i = 0; i < nout && fits; i++)
				fits = (out[i] & m) != v;
			if (!fits)
				continue;
			match_tcp_flags_format(m, " | ", mt, sizeof(mt));
			match_tcp_flags_format(v, " | ", vt, sizeof(vt));
			if (bits == 1 && v == m && !ne)
				sb_add(b, "%s", vt);
			else
				sb_add(b, "& %s%s%s %s %s", bits > 1 ? "(" : "", mt, bits > 1 ? ")" : "",
				       ne ? "!=" : "==", v ? vt : "0");
			return true;
		}
	return false;
}

/* The values (at most 256) of a small field in set, ascending; returns how many. */
static unsigned values_of(const struct hspace *hs, enum hs_field f, BDD set, unsigned *out)
{
	struct ivlist l;
	unsigned n = 0;

	memset(&l, 0, sizeof(l));
	iv_walk(hs, f, set, 0, 0, &l);
	for (size_t i = 0; i < l.n; i++)
		for (u128 v = l.lo[i]; v <= l.hi[i] && n < 256; v++)
			out[n++] = (unsigned)v;
	return n;
}

/* A field of at most 8 bits: every value checked, names where there are some. */
static void small_label(struct hspace *hs, enum hs_field f, BDD set, BDD all, namer nm, bool v6,
			struct strbuf *b, const char *sep)
{
	unsigned in[256], out[256], nin, nout;
	const unsigned *v;
	unsigned nv;
	BDD yes = AND(set, all), no = MINUS(all, set);

	nin = values_of(hs, f, yes, in);
	nout = values_of(hs, f, no, out);
	unref(yes);
	unref(no);
	v = in;
	nv = nin;
	if (nout < nin && nout) {
		sb_add(b, "!= ");
		v = out;
		nv = nout;
	}
	if (nv > LIST_MAX && !nm) {
		struct ivlist l = { 0 };

		for (unsigned i = 0; i < nv; i++)
			iv_push(&l, v[i], v[i]);
		ivs_text(b, &l, false);
		return;
	}
	if (nv > 1 && !sep)
		sb_add(b, "{ ");
	for (unsigned i = 0; i < nv; i++) {
		const char *name = nm ? nm(v[i], v6) : NULL;

		if (i && i >= 2 * LIST_MAX) {
			sb_add(b, ", ... (%u values)", nv);
			break;
		}
		if (i)
			sb_add(b, "%s", sep ? sep : ", ");
		if (name)
			sb_add(b, "%s", name);
		else
			sb_add(b, "%u", v[i]);
	}
	if (nv > 1 && !sep)
		sb_add(b, " }");
}

/* ---- addresses ----------------------------------------------------------------------- */

static void addr_text(u128 v, bool v6, unsigned len, struct strbuf *b)
{
	struct prefix p = { .family = v6 ? AF_INET6 : AF_INET, .len = len };
	char buf[PREFIX_STRLEN];

	for (int i = 15; i >= 0; i--) {
		p.addr[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	if (len == (v6 ? 128u : 32u))
		prefix_format_addr(&p, buf, sizeof(buf));
	else
		prefix_format(&p, buf, sizeof(buf));
	sb_add(b, "%s", buf);
}

/* An interval of addresses as prefixes; returns how many were written (at most max). */
static size_t prefixes_text(u128 lo, u128 hi, bool v6, struct strbuf *b, size_t max, size_t done)
{
	int width = v6 ? 128 : 32;
	size_t n = 0;

	if (!v6) {
		lo >>= 96;
		hi >>= 96;
	}
	while (lo <= hi && n + done < max) {
		int k = 0;

		while (k < width) {
			u128 size = (u128)1 << (k + 1);

			if ((lo & (size - 1)) || (k + 1 < 128 && lo + size - 1 > hi) || k + 1 >= width)
				break;
			k++;
		}
		if (k == width - 1 && !(lo & (((u128)1 << k) - 1)) && lo + (((u128)1 << k) - 1) <= hi &&
		    lo == 0 && hi == (width >= 128 ? ~(u128)0 : (((u128)1 << width) - 1)))
			k = width;
		if (n + done)
			sb_add(b, ", ");
		addr_text(v6 ? lo : lo << 96, v6, (unsigned)(width - k), b);
		n++;
		if (k >= width || lo + (((u128)1 << k) - 1) == (width >= 128 ? ~(u128)0 : (((u128)1 << width) - 1)))
			break;
		lo += (u128)1 << k;
	}
	return n;
}

static bool addr_list(struct hspace *hs, enum hs_field f, BDD set, bool v6, struct strbuf *b)
{
	struct ivlist l;
	size_t n = 0;

	intervals_of(hs, f, set, &l);
	if (l.more)
		return false;
	for (size_t i = 0; i < l.n && n < LIST_MAX; i++)
		n += prefixes_text(l.lo[i], l.hi[i], v6, b, LIST_MAX, n);
	return n < LIST_MAX || l.n == 0;
}

/*
 * Name a set of addresses with the ruleset's own predicates where they fit
 * exactly: "in @MESH_PEERS", "not in @BOGON_V4 and not in 127.0.0.0/8".
 */
static bool addr_atoms(struct hspace *hs, enum hs_field f, BDD set, BDD all, int fam,
		       struct strbuf *b)
{
	BDD famc = hs_eq(hs, HS_NFPROTO, (u128)fam);
	BDD want = AND(set, all), have = ref(all);
	const char *lits[64];
	BDD preds[64];
	bool neg[64];
	size_t n = 0;
	bool ok;

	for (size_t i = 0; i < hs->natoms && n < 64; i++) {
		const struct hs_atom *a = &hs->atoms[i];
		BDD p;

		if (a->field != f)
			continue;
		p = hs_cofactor(a->pred, famc);
		if (p == bddfalse || subset(all, p)) {
			unref(p);
			continue;
		}
		if (subset(want, p)) {
			neg[n] = false;
		} else {
			BDD np = MINUS(all, p);

			if (!subset(want, np) || subset(all, np)) {
				unref(np);
				unref(p);
				continue;
			}
			unref(p);
			p = np;
			neg[n] = true;
		}
		/* skip a literal that says nothing new */
		{
			BDD nh = AND(have, p);

			if (nh == have) {
				unref(nh);
				unref(p);
				continue;
			}
			put(&have, nh);
		}
		preds[n] = p;
		lits[n] = a->name;
		n++;
	}
	ok = have == want;
	if (ok && n) {
		/* drop literals the others imply */
		for (size_t i = 0; i < n; i++) {
			BDD t = ref(all);

			for (size_t j = 0; j < n; j++)
				if (j != i && preds[j] != bddfalse)
					put(&t, AND(t, preds[j]));
			if (t == want) {
				unref(preds[i]);
				preds[i] = bddfalse;
			}
			unref(t);
		}
		for (size_t i = 0, w = 0; i < n; i++) {
			if (preds[i] == bddfalse)
				continue;
			sb_add(b, "%s%s %s", w++ ? " and " : "", neg[i] ? "not in" : "in", lits[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		unref(preds[i]);
	unref(have);
	unref(want);
	unref(famc);
	return ok && n;
}

/*
 * How many addresses a set too scattered to list holds, counted over the
 * field's own variables:
 * "in 5,000 addresses", or "in about 2^70 addresses" past what a double
 * counts exactly.
 */
static void addr_count(struct hspace *hs, enum hs_field f, BDD set, struct strbuf *b)
{
	/* log2 of the assignments of every variable, less those of the other variables */
	BDD only = ref(bdd_exist(set, cubes.others[f]));
	double ln = only == bddfalse ? -1 :
		    bdd_satcountln(only) - (bdd_varnum() - hs->field[f].bits);

	unref(only);
	if (ln < 0)
		sb_add(b, "in no address");
	else if (ln < 50)
		sb_add(b, "in %.0f addresses", pow(2.0, ln));
	else
		sb_add(b, "in about 2^%.0f addresses", ln);
}

/*
 * Address labels already made in this description: each interface group
 * asks again for the same set among the same addresses, and on a large set
 * the answer costs a few passes over it.
 */
#define LABEL_MEMO 32

static struct {
	struct { enum hs_field f; int fam; BDD set, all; char *text; } v[LABEL_MEMO];
	size_t n;
} labels;

static void labels_free(void)
{
	for (size_t i = 0; i < labels.n; i++) {
		unref(labels.v[i].set);
		unref(labels.v[i].all);
		free(labels.v[i].text);
	}
	labels.n = 0;
}

static const char *label_known(enum hs_field f, int fam, BDD set, BDD all)
{
	for (size_t i = 0; i < labels.n; i++)
		if (labels.v[i].f == f && labels.v[i].fam == fam && labels.v[i].set == set &&
		    labels.v[i].all == all)
			return labels.v[i].text;
	return NULL;
}

static void label_keep(enum hs_field f, int fam, BDD set, BDD all, const char *text)
{
	char *t;

	if (labels.n == LABEL_MEMO || !(t = strdup(text)))
		return;
	labels.v[labels.n].f = f;
	labels.v[labels.n].fam = fam;
	labels.v[labels.n].set = ref(set);
	labels.v[labels.n].all = ref(all);
	labels.v[labels.n].text = t;
	labels.n++;
}

static void addr_label_made(struct hspace *hs, enum hs_field f, BDD set, BDD all, int fam,
			    struct strbuf *b);

static void addr_label(struct hspace *hs, enum hs_field f, BDD set, BDD all, int fam,
		       struct strbuf *b)
{
	const char *known = label_known(f, fam, set, all);
	struct strbuf t = { 0 };

	if (known) {
		sb_add(b, "%s", known);
		return;
	}
	addr_label_made(hs, f, set, all, fam, &t);
	label_keep(f, fam, set, all, sb_text(&t));
	sb_add(b, "%s", sb_text(&t));
	strbuf_free(&t);
}

/* The label itself: the ruleset's own sets, else addresses, else a count. */
static void addr_label_made(struct hspace *hs, enum hs_field f, BDD set, BDD all, int fam,
			    struct strbuf *b)
{
	struct strbuf t = { 0 };
	BDD comp;

	if (fam >= 0 && addr_atoms(hs, f, set, all, fam, b))
		return;
	if (addr_list(hs, f, set, fam == 1, &t)) {
		sb_add(b, "%s", sb_text(&t));
		strbuf_free(&t);
		return;
	}
	strbuf_free(&t);
	comp = MINUS(all, set);
	if (addr_list(hs, f, comp, fam == 1, &t))
		sb_add(b, "not in { %s }", sb_text(&t));
	else
		addr_count(hs, f, set, b);
	strbuf_free(&t);
	unref(comp);
}

/* ---- lines ----------------------------------------------------------------------- */

enum { P_FAM, P_SRC, P_DST, P_CT, P_FRAG, P_PROTO, P_FLAGS, P_SPORT, P_DPORT, P_ITYPE,
       P_ICODE, P_TTL, P_LEN, P_MARK, P__N };

struct group;

/*
 * The choice nodes under each node triple (full, region, sel) walked so
 * far in this description, as a mask of `leaf` indexes. The lines of a
 * description differ in the fields above the addresses and meet again in
 * the address set's block, the largest part of every walk: walked once,
 * it answers for each later line. Every sel walked stays referenced, so
 * that no node of a triple kept here is freed and its number reused.
 */
#define NLEAVES 64

struct choices {
	struct inttab memo;      /* (full, region, sel) -> mask; initialised by the first line */
	BDD leaf[NLEAVES];
	size_t nleaves;
	BDD *sels;
	size_t nsels;
	bool off;                /* more than NLEAVES, or memory short: each line walks alone */
};

struct dctx {
	struct hspace *hs;
	enum sx_path path;
	BDD region, full, fvset;
	struct ds_lines *out;
	const char *iface;
	const struct group *gin, *gout;  /* the interfaces of the lines being made */
	char *part[P__N];
	int fam;                 /* 0 IPv4, 1 IPv6, -1 both */
	int l4;                  /* the one protocol of the line, or -1 */
	int failed;
	struct choices ch;
	bool ports_plain;        /* bridged path, projected: iif and oif are the ports (plain) */
};

static const enum hs_field order[] = {
	HS_NFPROTO, HS_SADDR, HS_DADDR, HS_CTSTATE, HS_FRAGOFF, HS_L4PROTO, HS_TCPFLAGS,
	HS_SPORT, HS_DPORT, HS_ICMPTYPE, HS_ICMPCODE, HS_TTL, HS_LENGTH, HS_MARK,
};

#define NORDER (sizeof(order) / sizeof(order[0]))

/* Whether order[i]'s variables lie above those of every field decoded after it. */
static bool on_top(const struct hspace *hs, size_t i)
{
	int end = hs->field[order[i]].first + hs->field[order[i]].bits;

	for (size_t j = i + 1; j < NORDER; j++)
		if (hs->field[order[j]].first < end)
			return false;
	return true;
}

static int add_cond(struct ds_line *l, const char *text)
{
	char **v;

	for (size_t i = 0; i < l->nconds; i++)
		if (!strcmp(l->conds[i], text))
			return 0;
	v = realloc(l->conds, (l->nconds + 1) * sizeof(*v));
	if (!v)
		return -1;
	l->conds = v;
	v[l->nconds] = strdup(text);
	if (!v[l->nconds])
		return -1;
	l->nconds++;
	return 0;
}

/*
 * What is left of full, region and sel for the line's packets once every
 * field is decided: the free variables lie below the fields, so these small
 * BDDs over the free choices (full's, and the region's where its domain
 * holds some: fragments held) say all the line needs of them. out maps each
 * to itself, referenced.
 */
static void choice_nodes(struct inttab *seen, int nfieldvars, int f, int r, int s,
			 struct inttab *out)
{
	int v;

	if (f == bddfalse || r == bddfalse || s == bddfalse || seen->oom ||
	    inttab_add(seen, f, r, s, NULL) != 1)
		return;
	v = top_var(f, r);
	if (var_of(s) < v)
		v = var_of(s);
	if (v >= nfieldvars) {
		BDD fr = AND(f, r), t = AND(fr, s);
		int64_t had;

		unref(fr);
		if (t == bddfalse || imap_get(out, t, &had))
			unref(t);
		else if (imap_put(out, t, t))
			seen->oom = true;
		return;
	}
	choice_nodes(seen, nfieldvars, child(f, v, false), child(r, v, false), child(s, v, false),
		     out);
	choice_nodes(seen, nfieldvars, child(f, v, true), child(r, v, true), child(s, v, true), out);
}

static uint64_t leaf_bit(struct choices *ch, BDD t)
{
	for (size_t i = 0; i < ch->nleaves; i++)
		if (ch->leaf[i] == t) {
			unref(t);
			return (uint64_t)1 << i;
		}
	if (ch->nleaves == NLEAVES) {
		unref(t);
		ch->off = true;
		return 0;
	}
	ch->leaf[ch->nleaves] = t;
	return (uint64_t)1 << ch->nleaves++;
}

/* Keep m as the mask of (f, r, s), absent before; false: memory short. */
static bool memo_put(struct inttab *memo, int f, int r, int s, uint64_t m)
{
	size_t slot;

	if (inttab_add(memo, f, r, s, &slot) != 1)
		return false;
	memo->vals[slot] = m;
	return true;
}

/* choice_nodes with the answers kept in ch: the mask of the choice nodes under (f, r, s). */
static uint64_t choice_mask(struct choices *ch, int nfieldvars, int f, int r, int s)
{
	ptrdiff_t slot;
	uint64_t m;
	int vf, vr, vs, v;

	if (f == bddfalse || r == bddfalse || s == bddfalse || ch->off)
		return 0;
	slot = inttab_find(&ch->memo, f, r, s);
	if (slot >= 0)
		return ch->memo.vals[slot];
	/* each node's variable asked once: this walk covers a large address block */
	vf = var_of(f);
	vr = var_of(r);
	vs = var_of(s);
	v = vf < vr ? vf : vr;
	if (vs < v)
		v = vs;
	if (v >= nfieldvars) {
		BDD fr = AND(f, r), t = AND(fr, s);

		unref(fr);
		if (t == bddfalse) {
			unref(t);
			m = 0;
		} else {
			m = leaf_bit(ch, t);
		}
	} else {
		m = choice_mask(ch, nfieldvars, vf == v ? bdd_low(f) : f, vr == v ? bdd_low(r) : r,
				vs == v ? bdd_low(s) : s);
		m |= choice_mask(ch, nfieldvars, vf == v ? bdd_high(f) : f, vr == v ? bdd_high(r) : r,
				 vs == v ? bdd_high(s) : s);
	}
	if (!ch->off && !memo_put(&ch->memo, f, r, s, m))
		ch->off = true;
	return m;
}

/* The variables the choice nodes depend on, ascending (malloc'd). */
static int choices_support(const struct inttab *nodes, int **vars, int *n)
{
	int nv = bdd_varnum(), k = 0;
	bool *in = calloc((size_t)nv, sizeof(*in));

	*vars = NULL;
	*n = 0;
	if (!in)
		return -1;
	for (size_t i = 0; i < nodes->cap; i++) {
		int *v, m;

		if (!inttab_used(nodes, i) || hs_support(inttab_key(nodes, i)[0], &v, &m) < 0)
			continue;
		for (int j = 0; j < m; j++)
			if (v[j] < nv)
				in[v[j]] = true;
		free(v);
	}
	*vars = malloc((size_t)nv * sizeof(**vars));
	for (int v = 0; *vars && v < nv; v++)
		if (in[v])
			(*vars)[k++] = v;
	free(in);
	*n = k;
	return *vars ? 0 : -1;
}

/* What the choices at t allow with free variable var fixed to val. */
static bool allows(BDD t, int var, bool val)
{
	BDD x = ref(bdd_restrict(t, val ? bdd_ithvar(var) : bdd_nithvar(var)));
	bool r = x != bddfalse;

	unref(x);
	return r;
}

/*
 * The line's choice nodes into out, from the walks kept in c->ch; -1 when
 * they cannot answer (out is then empty: the line walks alone).
 */
static int choices_of_line(struct dctx *c, BDD sel, struct inttab *out)
{
	struct choices *ch = &c->ch;
	BDD *v;
	uint64_t m;

	if (ch->off)
		return -1;
	v = realloc(ch->sels, (ch->nsels + 1) * sizeof(*v));
	if (!v) {
		ch->off = true;
		return -1;
	}
	ch->sels = v;
	v[ch->nsels++] = ref(sel);
	if (!ch->memo.width)
		inttab_init(&ch->memo, 3, true, 64);
	m = choice_mask(ch, c->hs->nfieldvars, c->full, c->region, sel);
	if (ch->off)
		return -1;
	for (size_t i = 0; i < ch->nleaves; i++) {
		if (!(m & ((uint64_t)1 << i)))
			continue;
		if (imap_put(out, ch->leaf[i], ref(ch->leaf[i]))) {
			unref(ch->leaf[i]);
			imap_free(out, true);
			ch->off = true;
			return -1;
		}
	}
	return 0;
}

static void choices_free(struct choices *ch)
{
	inttab_free(&ch->memo);
	for (size_t i = 0; i < ch->nleaves; i++)
		unref(ch->leaf[i]);
	for (size_t i = 0; i < ch->nsels; i++)
		unref(ch->sels[i]);
	free(ch->sels);
	memset(ch, 0, sizeof(*ch));
}

/*
 * The free choices every (or some) packet of the line needs: with the
 * variable at 1 and at 0, whether some packet is still in the region (at
 * one of the choice nodes), and whether one value lets through all the
 * other does.
 */
static int line_conditions(struct dctx *c, struct ds_line *l, BDD sel)
{
	struct hspace *hs = c->hs;
	struct inttab seen, nodes;
	int *vars = NULL, n = 0, rc = 0;
	bool oom = false;

	if (c->full == bddfalse || !hs->nfv)
		return 0;
	imap_init(&nodes);
	if (choices_of_line(c, sel, &nodes)) {
		inttab_init(&seen, 3, false, 64);
		choice_nodes(&seen, hs->nfieldvars, c->full, c->region, sel, &nodes);
		oom = seen.oom;
		inttab_free(&seen);
	}
	if (oom || choices_support(&nodes, &vars, &n)) {
		imap_free(&nodes, true);
		return -1;
	}
	for (int i = 0; i < n && !rc; i++) {
		const struct hs_freevar *f = hs_freevar_of(hs, vars[i]);
		bool some1 = false, some0 = false, differ = false, more1 = true;

		if (!f)
			continue;
		for (size_t k = 0; k < nodes.cap; k++) {
			bool a1, a0;

			if (!inttab_used(&nodes, k))
				continue;
			a1 = allows(inttab_key(&nodes, k)[0], f->var, true);
			a0 = allows(inttab_key(&nodes, k)[0], f->var, false);
			some1 |= a1;
			some0 |= a0;
			differ |= a1 != a0;
			more1 &= !a0 || a1;
		}
		if (!some0)
			rc = add_cond(l, f->when_true);
		else if (!some1)
			rc = add_cond(l, f->when_false);
		else if (differ) {
			char buf[600];

			snprintf(buf, sizeof(buf), "some only %s", more1 ? f->when_true : f->when_false);
			rc = add_cond(l, buf);
		}
	}
	free(vars);
	imap_free(&nodes, true);
	return rc;
}

static char *line_text(const struct dctx *c)
{
	struct strbuf b = { 0 };
	bool head = false, tail = false;
	const char *proto = c->part[P_PROTO];

	if (c->part[P_FAM] || c->part[P_SRC]) {
		sb_add(&b, "%s%s%s", c->part[P_FAM] ? c->part[P_FAM] : "",
		       c->part[P_FAM] && c->part[P_SRC] ? " " : "",
		       c->part[P_SRC] ? c->part[P_SRC] : "");
		head = true;
	}
	for (int p = P_DST; p <= P_FRAG; p++)
		if (c->part[p]) {
			sb_add(&b, "%s%s", head ? ", " : "", c->part[p]);
			head = true;
		}
	for (int p = P_PROTO; p < P__N; p++) {
		if (!c->part[p])
			continue;
		sb_add(&b, "%s%s", tail ? (p >= P_TTL ? ", " : " ") : (head ? ": " : ""), c->part[p]);
		tail = true;
	}
	(void)proto;
	if (!head && !tail)
		sb_add(&b, "everything");
	else if (!tail)
		sb_add(&b, ": everything");
	return strbuf_take(&b);
}

static const char *const part_names[P__N] = {
	"family", "source", "destination", "ct_state", "fragment", "protocol", "tcp_flags",
	"sport", "dport", "icmp_type", "icmp_code", "ttl", "length", "mark",
};

/* The word each part's text starts with, dropped in the structured copy. */
static const char *const part_leads[P__N] = {
	[P_SRC] = "source ", [P_DST] = "destination ", [P_CT] = "ct state ",
	[P_PROTO] = "meta l4proto ", [P_FLAGS] = "flags ", [P_SPORT] = "sport ",
	[P_DPORT] = "dport ", [P_ITYPE] = "type ", [P_ICODE] = "code ",
};

_Static_assert(P__N == DS_PARTS, "describe.h's DS_PARTS counts the parts");

const char *ds_part_name(size_t i)
{
	return i < P__N ? part_names[i] : NULL;
}

static char *part_value(const char *text, int p)
{
	const char *v = part_leads[p] ? strstr(text, part_leads[p]) : NULL;

	return strdup(v ? v + strlen(part_leads[p]) : text);
}

static int group_names(const struct hspace *hs, const struct group *g, char ***out, size_t *n);

/* The structured copy of the line's parts and interfaces. */
static int emit_fields(const struct dctx *c, struct ds_line *l)
{
	for (int p = 0; p < P__N; p++) {
		if (c->part[p] && !(l->part[p] = part_value(c->part[p], p)))
			return -1;
	}
	l->family = c->fam == 0 ? 4 : c->fam == 1 ? 6 : 0;
	l->l4 = c->l4;
	if (c->gin && group_names(c->hs, c->gin, &l->in_ifs, &l->nin_ifs))
		return -1;
	if (c->gout && group_names(c->hs, c->gout, &l->out_ifs, &l->nout_ifs))
		return -1;
	return 0;
}

static int emit(struct dctx *c, BDD sel)
{
	struct ds_lines *o = c->out;
	struct ds_line *l;

	if (o->n == DS_MAX_LINES) {
		o->truncated = true;
		return 0;
	}

	if (grow_for_one(&o->v, &o->cap, o->n, sizeof(*o->v), 16))
		return -1;
	l = &o->v[o->n];
	memset(l, 0, sizeof(*l));
	l->iface = strdup(c->iface);
	l->text = line_text(c);
	o->n++;
	if (!l->iface || !l->text || emit_fields(c, l))
		return -1;
	return line_conditions(c, l, sel);
}

/* The protocol word in front of ports: "tcp" when the line has one protocol with ports. */
static const char *port_proto(int l4)
{
	switch (l4) {
	case 6: return "tcp";
	case 17: return "udp";
	case 33: return "dccp";
	case 132: return "sctp";
	case 136: return "udplite";
	default: return "th";
	}
}

/* How much of piece (within all) set holds: 0 none, 1 some, 2 all; -1 when all has none. */
static int share(BDD set, BDD all, BDD piece)
{
	BDD a = AND(set, piece), w = AND(all, piece);
	int r = w == bddfalse ? -1 : a == bddfalse ? 0 : a == w ? 2 : 1;

	unref(a);
	unref(w);
	return r;
}

/*
 * IPv6 frag-off when the set tells packets with a fragment header
 * (HS_FRAG6_HDR) from those without, among the unfragmented: in words, the
 * fragments by offset as IPv4's are. False when it does not: the caller
 * says it as for IPv4.
 */
static bool frag6_label(struct hspace *hs, BDD set, BDD all, struct strbuf *b)
{
	BDD whole = hs_masked_eq(hs, HS_FRAGOFF, 0x3fff, 0);
	BDD hdr = hs_masked_eq(hs, HS_FRAGOFF, HS_FRAG6_HDR, HS_FRAG6_HDR);
	BDD plain = DIFF(whole, hdr), atomic = AND(whole, hdr), frag = NOT(whole);
	int p = share(set, all, plain), a = share(set, all, atomic), fr = share(set, all, frag);
	bool said = (p == 2 && a == 0) || (p == 0 && a == 2);
	const char *sep = "";

	if (said) {
		if (p == 2) {
			sb_add(b, "without an IPv6 fragment header");
			sep = " or ";
		}
		if (a == 2 && fr == 2) {
			sb_add(b, "with an IPv6 fragment header");
			fr = 0;
		} else if (a == 2) {
			sb_add(b, "an atomic fragment");
			sep = " or ";
		}
		if (fr == 2) {
			sb_add(b, "%sa fragment", sep);
		} else if (fr == 1) {
			BDD fs = AND(set, frag), fa = AND(all, frag);

			sb_add(b, "%sip frag-off ", sep);
			number_label(hs, HS_FRAGOFF, fs, fa, b, true);
			unref(fs);
			unref(fa);
		}
	}
	unref(whole);
	unref(hdr);
	unref(plain);
	unref(atomic);
	unref(frag);
	return said;
}

static char *label(struct dctx *c, enum hs_field f, BDD set, BDD all, int *fam_out, int *l4_out)
{
	struct hspace *hs = c->hs;
	struct strbuf b = { 0 };
	bool v6 = c->fam == 1;

	switch (f) {
	case HS_NFPROTO: {
		bool a = has_value(hs, set, f, 0), d = has_value(hs, set, f, 1);

		*fam_out = a && d ? -1 : d ? 1 : 0;
		if (a && d)
			return NULL;
		sb_add(&b, "%s", d ? "IPv6" : "IPv4");
		break;
	}
	case HS_SADDR:
		sb_add(&b, "%s", c->fam < 0 ? "source " : "source ");
		addr_label(hs, f, set, all, c->fam, &b);
		break;
	case HS_DADDR:
		sb_add(&b, "destination ");
		addr_label(hs, f, set, all, c->fam, &b);
		break;
	case HS_CTSTATE:
		sb_add(&b, "ct state ");
		small_label(hs, f, set, all, ct_name, v6, &b, ",");
		break;
	case HS_L4PROTO: {
		unsigned vals[256], cnt = values_of(hs, f, set, vals), one = cnt ? vals[0] : 0;

		*l4_out = cnt == 1 ? (int)one : -1;
		if (cnt == 1 && l4_name(one, v6)) {
			sb_add(&b, "%s", l4_name(one, v6));
			break;
		}
		sb_add(&b, "meta l4proto ");
		small_label(hs, f, set, all, l4_name, v6, &b, NULL);
		break;
	}
	case HS_TCPFLAGS: {
		unsigned in[256], out[256], nin, nout;
		BDD yes = AND(set, all), no = MINUS(all, set);

		nin = values_of(hs, f, yes, in);
		nout = values_of(hs, f, no, out);
		unref(yes);
		unref(no);
		sb_add(&b, "%sflags ", c->part[P_PROTO] && c->l4 == 6 ? "" : "tcp ");
		/* the match as written, not its values one by one (a 16-way list for syn) */
		if ((nin > 2 && flags_masked(in, nin, out, nout, false, &b)) ||
		    (nout > 2 && flags_masked(out, nout, in, nin, true, &b)))
			break;
		small_label(hs, f, set, all, flags_name, v6, &b, NULL);
		break;
	}
	case HS_SPORT:
	case HS_DPORT:
		if (!c->part[P_PROTO] || c->l4 < 0 || !strcmp(port_proto(c->l4), "th"))
			sb_add(&b, "%s ", c->part[P_PROTO] && c->l4 < 0 ? "th" : port_proto(c->l4));
		sb_add(&b, "%s ", f == HS_SPORT ? "sport" : "dport");
		number_label(hs, f, set, all, &b, false);
		break;
	case HS_ICMPTYPE:
		sb_add(&b, "%stype ", c->part[P_PROTO] && (c->l4 == 1 || c->l4 == 58) ? "" :
		       v6 ? "icmpv6 " : "icmp ");
		small_label(hs, f, set, all, icmp_name, v6, &b, NULL);
		break;
	case HS_ICMPCODE:
		sb_add(&b, "%scode ", c->part[P_PROTO] || c->part[P_ITYPE] ? "" : v6 ? "icmpv6 " : "icmp ");
		small_label(hs, f, set, all, NULL, v6, &b, NULL);
		break;
	case HS_TTL:
		sb_add(&b, "%s ", c->fam == 1 ? "ip6 hoplimit" : c->fam == 0 ? "ip ttl" : "ttl");
		small_label(hs, f, set, all, NULL, v6, &b, NULL);
		break;
	case HS_FRAGOFF: {
		BDD whole = hs_masked_eq(hs, f, 0x3fff, 0);
		BDD a = AND(set, all), w = AND(whole, all);

		if (c->fam == 1 && frag6_label(hs, set, all, &b))
			;   /* the IPv6 fragment header, in words */
		else if (a == w)
			sb_add(&b, "not a fragment");
		else if (subset(a, w) == false && subset(w, a) == false)
			sb_add(&b, "ip frag-off "), number_label(hs, f, set, all, &b, true);
		else if (a != w && subset(w, a))
			sb_add(&b, "fragments too");
		else
			sb_add(&b, "ip frag-off "), number_label(hs, f, set, all, &b, true);
		unref(a);
		unref(w);
		unref(whole);
		break;
	}
	case HS_LENGTH:
		sb_add(&b, "length ");
		number_label(hs, f, set, all, &b, false);
		break;
	case HS_MARK:
		sb_add(&b, "meta mark ");
		number_label(hs, f, set, all, &b, true);
		break;
	default:
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_take(&b);
}

static int part_of(enum hs_field f)
{
	switch (f) {
	case HS_NFPROTO: return P_FAM;
	case HS_SADDR: return P_SRC;
	case HS_DADDR: return P_DST;
	case HS_CTSTATE: return P_CT;
	case HS_L4PROTO: return P_PROTO;
	case HS_TCPFLAGS: return P_FLAGS;
	case HS_SPORT: return P_SPORT;
	case HS_DPORT: return P_DPORT;
	case HS_ICMPTYPE: return P_ITYPE;
	case HS_ICMPCODE: return P_ICODE;
	case HS_TTL: return P_TTL;
	case HS_FRAGOFF: return P_FRAG;
	case HS_LENGTH: return P_LEN;
	default: return P_MARK;
	}
}

/* The values of field f that some packet of ctx has (over f's variables). */
static BDD project(BDD ctx, enum hs_field f)
{
	return ref(bdd_exist(ctx, cubes.others[f]));
}

/* The one value of a small field in set (within all), or -1. */
static int single_value(struct hspace *hs, BDD set, BDD all, enum hs_field f)
{
	unsigned vals[256], n;
	BDD s = AND(set, all);

	n = values_of(hs, f, s, vals);
	unref(s);
	return n == 1 ? (int)vals[0] : -1;
}

/* The packets of the context whose field f is in set, f quantified. */
static BDD class_ctx(enum hs_field f, BDD ctx, BDD set)
{
	/* in one pass: ctx & set of a large address set is never made */
	return ref(bdd_appex(ctx, set, bddop_and, cubes.field[f]));
}

/* Cube of the transport-header fields (tcp flags, ports, icmp type and code). */
static BDD transport_set(struct hspace *hs)
{
	static const enum hs_field t[] = { HS_TCPFLAGS, HS_SPORT, HS_DPORT, HS_ICMPTYPE,
					   HS_ICMPCODE };
	BDD r = bddtrue;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		BDD x = hs_field_set(hs, t[i]);

		put(&r, AND(r, x));
		unref(x);
	}
	return r;
}

struct mclass {
	BDD cx;       /* its packets (the field quantified) */
	BDD d;        /* protocols: the remainder with the transport header quantified */
	BDD e;        /* protocols: its packets, transport header quantified */
	bool plain;   /* protocols: the remainder does not look at the transport header */
	bool whole;   /* the remainder holds every packet it can */
};

static void mclass_free(struct mclass *m)
{
	unref(m->cx);
	unref(m->d);
	unref(m->e);
}

static void mclass_make(enum hs_field f, BDD ctx, const struct klass *k, BDD tset,
			struct mclass *m)
{
	memset(m, 0, sizeof(*m));
	m->cx = class_ctx(f, ctx, k->set);
	m->whole = subset(m->cx, k->rest);
	if (f == HS_L4PROTO) {
		BDD in = AND(m->cx, k->rest), back;

		m->d = ref(bdd_exist(in, tset));
		m->e = ref(bdd_exist(m->cx, tset));
		back = AND(m->cx, m->d);
		m->plain = back == in;
		unref(back);
		unref(in);
	}
}

/* Whether class j says the same as group i on the packets both can have. */
static bool same_story(enum hs_field f, const struct mclass *gi, BDD ri, const struct mclass *cj,
		       BDD rj)
{
	BDD both, a, b;
	bool same;

	if (gi->whole && cj->whole)
		return true;
	if (f == HS_L4PROTO) {
		/* protocols: only when neither looks at its own header */
		if (!gi->plain || !cj->plain)
			return false;
		both = AND(gi->e, cj->e);
		a = AND(both, gi->d);
		b = AND(both, cj->d);
	} else {
		both = AND(gi->cx, cj->cx);
		a = AND(both, ri);
		b = AND(both, rj);
	}
	/* disjoint contexts agree vacuously: that says nothing */
	same = both != bddfalse && a == b;
	unref(a);
	unref(b);
	unref(both);
	return same;
}

/*
 * Classes whose remainders agree wherever both can have packets say the
 * same thing: they join, and the joined remainder is each one's own on its
 * packets (ite on the contexts).
 */
static size_t merge_classes(struct hspace *hs, enum hs_field f, BDD ctx, struct klass *k, size_t n)
{
	struct mclass *g = calloc(n ? n : 1, sizeof(*g));
	BDD tset = transport_set(hs);
	size_t m = 0;

	if (!g) {
		unref(tset);
		return n;
	}
	for (size_t j = 0; j < n; j++) {
		struct mclass cj;
		size_t i;

		mclass_make(f, ctx, &k[j], tset, &cj);
		for (i = 0; i < m; i++)
			if (same_story(f, &g[i], k[i].rest, &cj, k[j].rest))
				break;
		if (i == m) {
			g[m] = cj;
			k[m++] = k[j];
			continue;
		}
		if (f == HS_L4PROTO)
			/* both plain: the remainders without the transport header */
			put(&k[i].rest, ref(bdd_ite(g[i].e, g[i].d, cj.d)));
		else
			put(&k[i].rest, ref(bdd_ite(g[i].cx, k[i].rest, k[j].rest)));
		put(&k[i].set, OR(k[i].set, k[j].set));
		put(&g[i].cx, OR(g[i].cx, cj.cx));
		if (f == HS_L4PROTO)
			put(&g[i].d, ref(bdd_ite(g[i].e, g[i].d, cj.d)));
		put(&g[i].e, OR(g[i].e, cj.e));
		g[i].whole = g[i].whole && cj.whole;
		g[i].plain = g[i].plain && cj.plain;
		mclass_free(&cj);
		unref(k[j].set);
		unref(k[j].rest);
	}
	for (size_t i = 0; i < m; i++)
		mclass_free(&g[i]);
	free(g);
	unref(tset);
	return m;
}

/*
 * g: what is left of the region (fields from order[i] on); ctx: every
 * packet there can be in this branch (same fields); sel: the choices made.
 */
static int decode(struct dctx *c, size_t i, BDD g, BDD ctx, BDD sel);

/*
 * Whether the packets of rest (within ctx) are told apart by an address
 * beyond what ctx already says of addresses: then the address is printed,
 * and an address means different things per family.
 */
static bool uses_addresses(BDD rest, BDD ctx)
{
	BDD cube = AND(cubes.field[HS_SADDR], cubes.field[HS_DADDR]);
	BDD g = AND(rest, ctx), free_of, back;
	bool yes;

	free_of = ref(bdd_exist(g, cube));
	back = AND(free_of, ctx);
	yes = back != g;
	unref(back);
	unref(free_of);
	unref(g);
	unref(cube);
	return yes;
}

/* One class of field order[i]: its label, then the next fields of its remainder. */
static int decode_class(struct dctx *c, size_t i, BDD set, BDD rest, BDD ctx, BDD sel,
			bool alone)
{
	struct hspace *hs = c->hs;
	enum hs_field f = order[i];
	BDD nctx = class_ctx(f, ctx, set);
	BDD allf = project(ctx, f);
	BDD nsel;
	int p = part_of(f), fam = c->fam, l4 = c->l4;
	char *txt = NULL, *old;
	int ofam = c->fam, ol4 = c->l4, rc;
	bool quiet;

	/* a class every possible packet is in says nothing */
	quiet = subset(allf, set);
	if (!quiet && alone) {
		BDD x = AND(ctx, rest);

		quiet = subset(x, set);
		unref(x);
	}
	if (f == HS_NFPROTO)
		fam = single_value(hs, set, allf, f);
	if (f == HS_L4PROTO)
		l4 = single_value(hs, set, allf, f);
	c->fam = fam;
	c->l4 = l4;
	if (!quiet)
		txt = label(c, f, set, allf, &fam, &l4);
	old = c->part[p];
	c->part[p] = txt;
	nsel = AND(sel, set);
	rc = decode(c, i + 1, rest, nctx, nsel);
	unref(nsel);
	c->part[p] = old;
	c->fam = ofam;
	c->l4 = ol4;
	free(txt);
	unref(allf);
	unref(nctx);
	return rc;
}

static int decode(struct dctx *c, size_t i, BDD g, BDD ctx, BDD sel)
{
	struct hspace *hs = c->hs;
	struct klass *k;
	size_t n;
	int rc = 0;

	if (c->failed || c->out->truncated || g == bddfalse || ctx == bddfalse)
		return 0;
	if (subset(ctx, g) || i >= NORDER)
		return emit(c, sel);
	/* only the packets there can be: no class of impossible values */
	g = AND(g, ctx);
	rc = g == bddfalse ? 0 : split_field(hs, g, order[i], on_top(hs, i), &k, &n, &c->out->merged);
	unref(g);
	if (rc || g == bddfalse)
		return rc;
	n = merge_classes(hs, order[i], ctx, k, n);
	for (size_t j = 0; j < n && !rc && !c->out->truncated; j++) {
		BDD allf;
		bool both;

		if (order[i] != HS_NFPROTO) {
			rc = decode_class(c, i, k[j].set, k[j].rest, ctx, sel, n == 1);
			continue;
		}
		/*
		 * Both families in one class whose remainder constrains an
		 * address: an address is an IPv4 or an IPv6 one, so the class is
		 * taken family by family (else an IPv6 address would print as
		 * the IPv4 address of its first 32 bits).
		 */
		allf = project(ctx, HS_NFPROTO);
		both = single_value(hs, k[j].set, allf, HS_NFPROTO) < 0;
		unref(allf);
		if (both) {
			BDD nctx = class_ctx(HS_NFPROTO, ctx, k[j].set);

			both = uses_addresses(k[j].rest, nctx);
			unref(nctx);
		}
		if (!both) {
			rc = decode_class(c, i, k[j].set, k[j].rest, ctx, sel, n == 1);
			continue;
		}
		for (int v6 = 0; v6 < 2 && !rc; v6++) {
			BDD fam = hs_eq(hs, HS_NFPROTO, (unsigned)v6), one = AND(k[j].set, fam);

			if (one != bddfalse)
				rc = decode_class(c, i, one, k[j].rest, ctx, sel, false);
			unref(one);
			unref(fam);
		}
	}
	classes_free(k, n);
	return rc;
}

/* ---- interfaces ------------------------------------------------------------------- */

/*
 * Interfaces whose packets have the same rest. An arrival through a bridge
 * port (hspace.h) that behaves as its bridge does is folded into the
 * bridge's group: in member, not in idx, and not named ("from br0" covers
 * it); one that behaves otherwise is named "br0 via port eth1".
 */
struct group {
	size_t idx[64];
	size_t n;
	BDD rest;
	unsigned char *member;   /* hs->nifs flags: every index of the group, folded ones too */
	size_t count;
	bool out_only;           /* a group of oif */
};

static void groups_free(struct group *gs, size_t n)
{
	for (size_t g = 0; g < n; g++) {
		unref(gs[g].rest);
		free(gs[g].member);
	}
	free(gs);
}

static void iface_name(const struct hspace *hs, size_t i, struct strbuf *b)
{
	if (hs->ifs[i].via_port) {
		/* 0: a name no rule names */
		if (hs->ifs[i].bridge == 0)
			sb_add(b, "a bridge");
		else
			iface_name(hs, hs->ifs[i].bridge, b);
		if (hs->ifs[i].port == 0) {
			sb_add(b, " via a port");
		} else {
			sb_add(b, " via port ");
			iface_name(hs, hs->ifs[i].port, b);
		}
	} else if (i == 0)
		sb_add(b, "any other interface");
	else if (hs->ifs[i].pattern)
		sb_add(b, "other %s", hs->ifs[i].name);
	else
		sb_add(b, "%s", hs->ifs[i].name);
}

/* The group's interface names: "*" for any other interface. */
static int group_names(const struct hspace *hs, const struct group *g, char ***out, size_t *n)
{
	*out = calloc(g->n ? g->n : 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -1;
	for (size_t i = 0; i < g->n; i++) {
		struct strbuf t = { 0 };

		if (hs->ifs[g->idx[i]].via_port)
			iface_name(hs, g->idx[i], &t);
		(*out)[i] = strdup(hs->ifs[g->idx[i]].via_port ? sb_text(&t) :
				   g->idx[i] ? hs->ifs[g->idx[i]].name : "*");
		strbuf_free(&t);
		if (!(*out)[i])
			return -1;
		(*n)++;
	}
	return 0;
}

/*
 * After a bridge's name, the ports through which an arrival is not in this
 * group (said only when the space has such arrivals at all).
 */
static void ports_left_out(const struct hspace *hs, const struct group *g, size_t bridge,
			   struct strbuf *b)
{
	size_t all = 0, out = 0, w = 0;

	for (size_t i = hs->nplain; i < hs->nifs; i++)
		if (hs->ifs[i].bridge == bridge) {
			all++;
			out += !g->member[i];
		}
	if (!out)
		return;
	if (out == all) {
		sb_add(b, " (not via a bridge port)");
		return;
	}
	sb_add(b, " (not via port ");
	for (size_t i = hs->nplain; i < hs->nifs; i++)
		if (hs->ifs[i].bridge == bridge && !g->member[i]) {
			if (w++)
				sb_add(b, ", ");
			if (hs->ifs[i].port == 0)
				sb_add(b, "a port no rule names");
			else
				iface_name(hs, hs->ifs[i].port, b);
		}
	sb_add(b, ")");
}

static void group_text(const struct hspace *hs, const struct group *g, struct strbuf *b)
{
	bool has0 = false;
	/* through a bridge port only where bridge chains see that way (hspace.h) */
	bool ports = g->out_only ? hs->oif_ports : hs->iif_ports;
	size_t total = ports ? hs->nifs : hs->nplain;

	for (size_t i = 0; i < g->n; i++)
		has0 |= g->idx[i] == 0;
	if (g->count == total) {
		sb_add(b, "any interface");
		return;
	}
	if (ports) {
		/* with bridge port arrivals: each name, and the ports it leaves out */
		for (size_t i = 0, w = 0; i < g->n; i++) {
			size_t x = g->idx[i];

			if (x == 0)
				continue;
			if (w++)
				sb_add(b, ", ");
			iface_name(hs, x, b);
			if (!hs->ifs[x].via_port)
				ports_left_out(hs, g, x, b);
		}
		if (has0) {
			sb_add(b, "%s", g->n > 1 ? ", any other interface" : "any other interface");
			ports_left_out(hs, g, 0, b);
		}
		return;
	}
	if (has0 && g->n > 1 && total - g->n <= 3) {
		size_t w = 0;

		sb_add(b, "any interface except ");
		for (size_t i = 1; i < total; i++) {
			bool in = false;

			for (size_t k = 0; k < g->n; k++)
				in |= g->idx[k] == i;
			if (in)
				continue;
			if (w++)
				sb_add(b, ", ");
			iface_name(hs, i, b);
		}
		return;
	}
	for (size_t i = 0, w = 0; i < g->n; i++) {
		if (g->idx[i] == 0)
			continue;
		if (w++)
			sb_add(b, ", ");
		iface_name(hs, g->idx[i], b);
	}
	if (has0)
		sb_add(b, "%s", g->n > 1 ? ", any other interface" : "any other interface");
}

/* One port of a frame bridged on: "port eth1", "any other port" (a name no rule names). */
static void port_text(const struct hspace *hs, size_t port, struct strbuf *b)
{
	if (port == 0) {
		sb_add(b, "any other port");
		return;
	}
	sb_add(b, "port ");
	iface_name(hs, port, b);
}

/*
 * The ports of a group on the bridged path: each port once when the group
 * holds it on every bridge it may be a port of, else "port P of B".
 */
static void bridged_group_text(const struct hspace *hs, const struct group *g, struct strbuf *b)
{
	size_t w = 0;

	if (g->count == hs->nifs - hs->nplain) {
		sb_add(b, "any port");
		return;
	}
	for (size_t p = 0; p < hs->nplain; p++) {
		size_t in = 0, all = 0;

		for (size_t k = hs->nplain; k < hs->nifs; k++)
			if (hs->ifs[k].port == p) {
				all++;
				in += g->member[k];
			}
		if (!in)
			continue;
		for (size_t k = hs->nplain; k < hs->nifs; k++) {
			if (hs->ifs[k].port != p || !g->member[k])
				continue;
			if (w++)
				sb_add(b, ", ");
			port_text(hs, p, b);
			if (in == all)
				break;
			sb_add(b, " of ");
			if (hs->ifs[k].bridge == 0)
				sb_add(b, "any other bridge");
			else
				iface_name(hs, hs->ifs[k].bridge, b);
		}
	}
}

/*
 * The ports of a group on the bridged path after project_ports(): "any
 * port" when it holds every port from (to) which the domain lets a packet
 * of pred (the group's packets, with for oif the in ports chosen) be
 * bridged, else each one: "from any port to port eth3" does not count
 * eth3 itself, which no frame leaves by.
 */
static void plain_ports_text(struct hspace *hs, const struct group *g, BDD domain, BDD pred,
			     enum hs_field f, struct strbuf *b)
{
	size_t possible = 0, w = 0;
	BDD d = AND(domain, pred);

	for (size_t i = 0; i < hs->nplain; i++) {
		BDD x = hs_eq(hs, f, i), y = AND(d, x);

		possible += y != bddfalse;
		unref(y);
		unref(x);
	}
	unref(d);
	/* one named port is said by name: "any port" would hide which */
	if (g->count >= possible && (g->count > 1 || g->idx[0] == 0)) {
		sb_add(b, "any port");
		return;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (w++)
			sb_add(b, ", ");
		port_text(hs, g->idx[i], b);
	}
}

/* Interfaces of field f grouped by what is left of r for each; NULL member: out of memory. */
static size_t group_ifaces(struct hspace *hs, BDD r, enum hs_field f, struct group *gs,
			   size_t max)
{
	size_t ng = 0;

	for (size_t i = 0; i < hs->nifs; i++) {
		const struct hs_iface *x = &hs->ifs[i];
		BDD cube = hs_eq(hs, f, i);
		BDD rest = hs_cofactor(r, cube);
		size_t k;

		unref(cube);
		if (rest == bddfalse)
			continue;
		/* folded into its bridge's group when it behaves the same */
		for (k = 0; x->via_port && k < ng; k++)
			if (gs[k].rest == rest && gs[k].member && gs[k].member[x->bridge])
				break;
		if (!x->via_port || k == ng)
			for (k = 0; k < ng; k++)
				if (gs[k].rest == rest && gs[k].n < 64)
					break;
		if (k == ng) {
			if (ng == max) {
				unref(rest);
				continue;
			}
			gs[ng].n = 0;
			gs[ng].count = 0;
			gs[ng].out_only = f == HS_OIF;
			gs[ng].rest = ref(rest);
			gs[ng].member = calloc(hs->nifs, 1);
			ng++;
		}
		if (!x->via_port || !gs[k].member || !gs[k].member[x->bridge])
			gs[k].idx[gs[k].n++] = i;
		if (gs[k].member)
			gs[k].member[i] = 1;
		gs[k].count++;
		unref(rest);
	}
	return ng;
}

static BDD group_pred(struct hspace *hs, const struct group *g, enum hs_field f)
{
	BDD r = bddfalse;

	for (size_t i = 0; g->member && i < hs->nifs; i++) {
		BDD x;

		if (!g->member[i])
			continue;
		x = hs_eq(hs, f, i);

		put(&r, OR(r, x));
		unref(x);
	}
	return r;
}

/* The fields after the interfaces, for one group (or group pair). */
static int describe_group(struct dctx *c, BDD rest, BDD domain, BDD ifpred, const char *text)
{
	BDD ctx, cube, ifs;
	int rc;

	/* every packet there can be with these interfaces, interfaces quantified */
	ifs = hs_field_set(c->hs, HS_IIF);
	cube = hs_field_set(c->hs, HS_OIF);
	put(&ifs, AND(ifs, cube));
	unref(cube);
	cube = AND(domain, ifpred);
	ctx = ref(bdd_exist(cube, ifs));
	unref(cube);
	/* the other interface is fixed here (absent, or chosen): drop its variables */
	rest = ref(bdd_exist(rest, ifs));
	unref(ifs);
	c->iface = text;
	c->fam = -1;
	c->l4 = -1;
	rc = decode(c, 0, rest, ctx, ifpred);
	unref(rest);
	unref(ctx);
	return rc;
}

static int describe_path(struct dctx *c, BDD r, BDD domain)
{
	struct hspace *hs = c->hs;
	enum hs_field first = c->path == SX_OUTPUT ? HS_OIF : HS_IIF;
	struct group *gs = calloc(hs->nifs, sizeof(*gs));
	size_t ng;
	int rc = 0;

	if (!gs)
		return -1;
	ng = group_ifaces(hs, r, first, gs, hs->nifs);
	for (size_t g = 0; g < ng; g++)
		if (!gs[g].member)
			rc = -1;
	for (size_t g = 0; g < ng && !rc; g++) {
		struct strbuf t = { 0 };
		BDD pred = group_pred(hs, &gs[g], first);

		sb_add(&t, "%s ", c->path == SX_OUTPUT ? "to" : "from");
		if (c->ports_plain)
			plain_ports_text(hs, &gs[g], domain, gs[g].rest, HS_IIF, &t);
		else if (c->path == SX_BRIDGED)
			bridged_group_text(hs, &gs[g], &t);
		else
			group_text(hs, &gs[g], &t);
		c->gin = c->path == SX_OUTPUT ? NULL : &gs[g];
		c->gout = c->path == SX_OUTPUT ? &gs[g] : NULL;
		if (c->path != SX_FORWARD && c->path != SX_BRIDGED) {
			rc = describe_group(c, gs[g].rest, domain, pred, sb_text(&t));
		} else {
			struct group *os = calloc(hs->nifs, sizeof(*os));
			size_t no = os ? group_ifaces(hs, gs[g].rest, HS_OIF, os, hs->nifs) : 0;

			if (!os)
				rc = -1;
			for (size_t o = 0; o < no; o++)
				if (!os[o].member)
					rc = -1;
			for (size_t o = 0; o < no && !rc; o++) {
				struct strbuf u = { 0 };
				BDD op = group_pred(hs, &os[o], HS_OIF);
				BDD both = AND(pred, op);

				sb_add(&u, "%s to ", sb_text(&t));
				if (c->ports_plain) {
					BDD x = AND(pred, os[o].rest);

					plain_ports_text(hs, &os[o], domain, x, HS_OIF, &u);
					unref(x);
				} else if (c->path == SX_BRIDGED) {
					bridged_group_text(hs, &os[o], &u);
				} else {
					group_text(hs, &os[o], &u);
				}
				c->gout = &os[o];
				rc = describe_group(c, os[o].rest, domain, both, sb_text(&u));
				strbuf_free(&u);
				unref(both);
				unref(op);
			}
			if (os)
				groups_free(os, no);
		}
		strbuf_free(&t);
		unref(pred);
	}
	groups_free(gs, ng);
	return rc;
}

/*
 * Record r's part for iif entry k and every oif entry of its bridge
 * ([lo, hi), their cubes in ocube) at seen[port * n + port]; false when a
 * pair differs from what another bridge left there.
 */
static bool pairs_of_entry(struct hspace *hs, BDD r, size_t k, size_t lo, size_t hi,
			   const BDD *ocube, BDD *seen)
{
	BDD icube = hs_eq(hs, HS_IIF, k), rk = hs_cofactor(r, icube);
	bool same = true;

	unref(icube);
	for (size_t m = lo; m < hi && same; m++) {
		size_t at = hs->ifs[k].port * hs->nplain + hs->ifs[m].port;
		BDD x = hs_cofactor(rk, ocube[m - lo]);

		if (seen[at] == (BDD)-1) {
			seen[at] = x;
			continue;
		}
		same = seen[at] == x;
		unref(x);
	}
	unref(rk);
	return same;
}

/* The entries of each bridge in turn (layout_ports() keeps them together). */
static bool pairs_by_bridge(struct hspace *hs, BDD r, BDD *seen, BDD *ocube)
{
	bool same = true;

	for (size_t lo = hs->nplain, hi; lo < hs->nifs && same; lo = hi) {
		for (hi = lo; hi < hs->nifs && hs->ifs[hi].bridge == hs->ifs[lo].bridge; hi++)
			ocube[hi - lo] = hs_eq(hs, HS_OIF, hi);
		for (size_t k = lo; k < hi && same; k++)
			same = pairs_of_entry(hs, r, k, lo, hi, ocube, seen);
		for (size_t m = lo; m < hi; m++)
			unref(ocube[m - lo]);
	}
	return same;
}

/*
 * A region of the bridged path over the ports alone: iif P and oif Q
 * (plain indices) where each bridge that has both ports leaves the same
 * packets, which is so unless a rule tells bridges apart (meta ibrname)
 * under a free topology; under --live a port has one bridge. *out is the
 * projection, or bddfalse with 0 returned when some bridges differ.
 */
static int project_ports(struct hspace *hs, BDD r, BDD *out)
{
	size_t n = hs->nplain;
	BDD *seen = malloc(n * n * sizeof(*seen)), *ocube = malloc(hs->nifs * sizeof(*ocube));
	bool same;

	*out = bddfalse;
	if (!seen || !ocube) {
		free(seen);
		free(ocube);
		return -1;
	}
	for (size_t i = 0; i < n * n; i++)
		seen[i] = (BDD)-1;
	same = pairs_by_bridge(hs, r, seen, ocube);
	for (size_t i = 0; i < n * n; i++) {
		BDD pi, po, x;

		if (seen[i] == (BDD)-1)
			continue;
		if (same && seen[i] != bddfalse) {
			pi = hs_eq(hs, HS_IIF, i / n);
			po = hs_eq(hs, HS_OIF, i % n);
			x = AND(pi, po);
			put(&x, AND(x, seen[i]));
			or_into(out, x);
			unref(x);
			unref(po);
			unref(pi);
		}
		unref(seen[i]);
	}
	free(seen);
	free(ocube);
	return same;
}

/*
 * The bridged path's region, full and domain over the ports alone when no
 * bridge differs (c->ports_plain), so that lines say "from port eth1 to
 * port eth2" once, not once per bridge that may hold them.
 */
static int bridged_by_ports(struct dctx *c, BDD *region, BDD *domain)
{
	BDD r, f, d;
	int rc = project_ports(c->hs, *region, &r);

	if (rc <= 0)
		return rc;
	rc = project_ports(c->hs, c->full, &f);
	if (rc > 0)
		rc = project_ports(c->hs, *domain, &d);
	else
		d = bddfalse;
	if (rc <= 0) {
		unref(r);
		unref(f);
		unref(d);
		return rc;
	}
	put(region, r);
	put(domain, d);
	c->full = f;
	c->ports_plain = true;
	return 1;
}

/* Packets of path p from interface i (to it on output); bridged, unprojected: from port i. */
static BDD from_iface(struct hspace *hs, enum sx_path p, size_t i, bool ports_plain)
{
	BDD r = bddfalse;

	if (p != SX_BRIDGED || ports_plain)
		return hs_eq(hs, p == SX_OUTPUT ? HS_OIF : HS_IIF, i);
	for (size_t k = hs->nplain; k < hs->nifs; k++)
		if (hs->ifs[k].port == i) {
			BDD x = hs_eq(hs, HS_IIF, k);

			or_into(&r, x);
			unref(x);
		}
	return r;
}

int ds_describe(struct hspace *hs, BDD region, BDD full, BDD dom, enum sx_path p,
		const char *only_iface, struct ds_lines *out, struct xerr *e)
{
	struct dctx c = { .hs = hs, .path = p, .full = full, .out = out };
	BDD domain = ref(dom), r, x;
	int rc;

	memset(out, 0, sizeof(*out));
	r = AND(region, domain);
	if (p == SX_BRIDGED && bridged_by_ports(&c, &r, &domain) < 0) {
		unref(r);
		unref(domain);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory describing a region");
	}
	if (only_iface) {
		x = from_iface(hs, p, hs_iface_index(hs, only_iface), c.ports_plain);
		put(&r, AND(r, x));
		unref(x);
	}
	c.region = r;
	c.fvset = hs_freevars_set(hs);
	cubes_make(hs);
	rc = describe_path(&c, r, domain);
	choices_free(&c.ch);
	cubes_free();
	labels_free();
	unref(c.fvset);
	unref(r);
	unref(domain);
	if (c.ports_plain)
		unref(c.full);
	if (rc || hs_check(hs, e)) {
		ds_lines_free(out);
		if (rc && !e->msg[0])
			xerr_set(e, XNFT_EXIT_USAGE, "out of memory describing a region");
		return -1;
	}
	return 0;
}

void ds_lines_free(struct ds_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].iface);
		free(l->v[i].text);
		for (size_t k = 0; k < l->v[i].nconds; k++)
			free(l->v[i].conds[k]);
		free(l->v[i].conds);
		for (size_t k = 0; k < DS_PARTS; k++)
			free(l->v[i].part[k]);
		for (size_t k = 0; k < l->v[i].nin_ifs; k++)
			free(l->v[i].in_ifs[k]);
		free(l->v[i].in_ifs);
		for (size_t k = 0; k < l->v[i].nout_ifs; k++)
			free(l->v[i].out_ifs[k]);
		free(l->v[i].out_ifs);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

char *ds_line_body(const struct ds_line *l)
{
	static const char dash[] = " \xe2\x80\x94 ";
	size_t len = strlen(l->text) + 1;
	char *s;

	for (size_t i = 0; i < l->nconds; i++)
		len += sizeof(dash) + strlen(l->conds[i]);
	s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, l->text);
	for (size_t i = 0; i < l->nconds; i++) {
		strcat(s, i ? ", " : dash);
		strcat(s, l->conds[i]);
	}
	return s;
}
