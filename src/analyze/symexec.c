// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Symbolic evaluation of a ruleset over the header space: the same walk as
 * the concrete tracer, but with a BDD of packets where the tracer has one
 * packet. Semantics in symexec.h.
 */
#include "analyze/bddref.h"
#include "analyze/bridged.h"
#include "analyze/construct.h"
#include "analyze/symexec.h"
#include "analyze/symexec_int.h"
#include "analyze/natpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_DEPTH 64
#define CONNTRACK_PRIO (-200)
#define DEFRAG_PRIO (-400)

static const char *const path_names[SX__NPATHS] = { "input", "forward", "output", "bridged" };

const char *sx_path_name(enum sx_path p)
{
	return p < SX__NPATHS ? path_names[p] : "?";
}

enum sx_path sx_packet_path(const struct packet *p)
{
	if (p->ibr[0] && p->obr[0])
		return SX_BRIDGED;
	return (enum sx_path)packet_path(p);
}

/* ---- context ------------------------------------------------------------- */

struct setcache {
	const void *key;
	int field;
	bool v4;
	BDD bdd;
};

struct markpiece {
	BDD region;
	bool orig;        /* the packet's own mark */
	uint32_t value;   /* else this constant */
};

/* Packets a dnat/redirect with one constant target took at prerouting (natpath.h). */
struct natcut {
	const struct rs_rule *rule;
	const struct rs_stmt *stmt;
	struct natpath_target t;
	BDD region;
};

/* What rules change on the way, saved around a NAT branch. */
struct sxstate {
	struct markpiece *marks;
	size_t nmarks;
	BDD rewritten[HS__NFIELDS];
	BDD notrack, left, dnat, snat;
};

/* The bridge family's hooks a frame meets: none, up from a port, down to one, port to port. */
enum bridge_way { BR_NONE = 0, BR_UP, BR_DOWN, BR_ACROSS };

struct ctx {
	struct hspace *hs;
	const struct ruleset *rs;
	const struct sx_opts *opts;
	struct sx_result *res;
	struct xerr *e;
	int failed;
	enum sx_path path;
	bool iif_present, oif_present;
	bool before_conntrack;
	enum bridge_way bridge_layer; /* a bridge chain: iif (oif) is the port (hs_iface.via_port) */
	bool after_defrag;            /* fragments were reassembled before this chain */
	bool frag6_stripped;          /* nf_defrag_ipv6 ran: atomic fragments lost the header */
	bool ttl_dec;                 /* forwarding: chains see the ttl one lower */
	struct markpiece *marks;
	size_t nmarks;
	BDD rewritten[HS__NFIELDS];   /* packets whose field a rule rewrote (not mark) */
	BDD notrack;                  /* packets a `notrack` made untracked */
	BDD left;                     /* packets sent out by `fwd to`: accepted, no later hook */
	BDD dnat;                     /* packets a dnat/redirect took: ct status dnat */
	BDD snat;                     /* packets a snat/masquerade took: ct status snat */
	struct natcut *cuts;          /* those routed again after prerouting */
	size_t ncuts;
	enum rs_hook hook;            /* of the base chain running */
	struct setcache *cache;
	size_t ncache, cachecap;
	char **dynsets;               /* "table/name" of sets the ruleset adds to */
	size_t ndynsets;
	size_t nrules_seen;
	bool uses_ct;                 /* conntrack (and defragmentation) is loaded ... */
	bool ct4, ct6;                /* ... for IPv4, for IPv6 (an ip table's ct loads IPv4's) */
	bool ct_br;                   /* a bridge table uses ct: nf_conntrack_bridge runs */
	bool windowed;                /* run_hook runs only chains of priority prio_lo..prio_hi */
	int prio_lo, prio_hi;         /* (a bridge hook around br_netfilter's: run_bridged) */
};

static int fail_oom(struct ctx *c)
{
	if (!c->failed)
		xerr_set(c->e, XNFT_EXIT_USAGE, "out of memory during the analysis");
	c->failed = 1;
	return -1;
}

/* ---- values ---------------------------------------------------------------- */

static u128 value_u128(const struct rs_value *v)
{
	unsigned nbytes;
	u128 x = 0;

	if (v->bits == 0 || v->bits <= 64)
		return v->num;
	nbytes = (v->bits + 7) / 8;
	if (nbytes > RS_VALUE_BYTES)
		nbytes = RS_VALUE_BYTES;
	for (unsigned i = 0; i < nbytes; i++)
		x = (x << 8) | v->b[i];
	return x;
}

static void ivs_add(struct ivs *s, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *nv = realloc(s->v, cap * sizeof(*s->v));

		if (!nv) {
			s->oom = true;
			return;
		}
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
}

static void elems_ivs(const struct fmap *m, const struct rs_elem *el, size_t n, struct ivs *s,
		      int depth)
{
	for (size_t i = 0; i < n && !s->oom; i++)
		term_ivs(m, &el[i].key, s, depth + 1);
}

void term_ivs(const struct fmap *m, const struct rs_term *t, struct ivs *s, int depth)
{
	unsigned vbits = t->v.bits ? t->v.bits : (m->v4addr ? 32 : 128);
	u128 lo, hi, host;

	if (depth > 8) {
		s->unknown = true;
		return;
	}
	switch (t->kind) {
	case RS_TERM_VALUE:
		if (t->v.str && t->v.dtype != RS_DT_IPV4 && t->v.dtype != RS_DT_IPV6) {
			s->unknown = true;
			return;
		}
		lo = to_field(m, value_u128(&t->v));
		ivs_add(s, lo, lo | low_fill(m));
		return;
	case RS_TERM_PREFIX:
		if (t->plen >= vbits) {
			host = 0;
		} else {
			unsigned hb = vbits - t->plen;

			host = hb >= 128 ? ~(u128)0 : (((u128)1 << hb) - 1);
		}
		lo = value_u128(&t->v) & ~host;
		hi = lo | host;
		ivs_add(s, to_field(m, lo), to_field(m, hi) | low_fill(m));
		return;
	case RS_TERM_RANGE:
		lo = value_u128(&t->v);
		hi = value_u128(&t->hi);
		if (hi < lo)
			return;
		ivs_add(s, to_field(m, lo), to_field(m, hi) | low_fill(m));
		return;
	case RS_TERM_SET:
		elems_ivs(m, t->elems, t->nelems, s, depth);
		return;
	case RS_TERM_SETREF:
		if (!t->set) {
			s->unknown = true;
			return;
		}
		elems_ivs(m, t->set->elems, t->set->nelems, s, depth);
		return;
	default:
		s->unknown = true;
		return;
	}
}

/* Concrete membership of a small number x in a term (ct state, nfproto). */
/* The elements of an anonymous set or of a resolved named one; false for any other term. */
static bool term_elems(const struct rs_term *t, const struct rs_elem **el, size_t *n)
{
	*el = NULL;
	*n = 0;
	if (t->kind == RS_TERM_SET) {
		*el = t->elems;
		*n = t->nelems;
		return true;
	}
	if (t->kind == RS_TERM_SETREF && t->set) {
		*el = t->set->elems;
		*n = t->set->nelems;
		return true;
	}
	return false;
}

static bool term_has_num(const struct rs_term *t, uint64_t x, int depth)
{
	if (depth > 8)
		return false;
	switch (t->kind) {
	case RS_TERM_VALUE:
		return t->v.num == x;
	case RS_TERM_RANGE:
		return x >= t->v.num && x <= t->hi.num;
	case RS_TERM_SET:
	case RS_TERM_SETREF: {
		const struct rs_elem *el;
		size_t n;

		term_elems(t, &el, &n);
		for (size_t i = 0; i < n; i++)
			if (term_has_num(&el[i].key, x, depth + 1))
				return true;
		return false;
	}
	default:
		return false;
	}
}

static bool ifname_value_matches(const struct rs_value *v, const char *name)
{
	size_t n;

	if (!v->str)
		return false;
	n = strlen(v->str);
	if (v->wildcard || (n && v->str[n - 1] == '*')) {
		if (n && v->str[n - 1] == '*')
			n--;
		return !strncmp(v->str, name, n);
	}
	return !strcmp(v->str, name);
}

static bool term_has_name(const struct rs_term *t, const char *name, int depth)
{
	if (depth > 8)
		return false;
	switch (t->kind) {
	case RS_TERM_VALUE:
		return ifname_value_matches(&t->v, name);
	case RS_TERM_SET:
	case RS_TERM_SETREF: {
		const struct rs_elem *el;
		size_t n;

		term_elems(t, &el, &n);
		for (size_t i = 0; i < n; i++)
			if (term_has_name(&el[i].key, name, depth + 1))
				return true;
		return false;
	}
	default:
		return false;
	}
}

/* ---- free variables --------------------------------------------------------------- */

static void rate_text(const struct rs_limit *l, char *buf, size_t size)
{
	snprintf(buf, size, "%llu%s/%s", (unsigned long long)l->rate, l->bytes ? " bytes" : "",
		 rs_time_unit_name(l->per));
}

/*
 * A limit, quota or connection count passes a well-behaved source (ok) and
 * stops the excess; `over` (inv) turns that round. Fills the texts of the
 * variable's true and false sides; returns the well-behaved value.
 */
static int pass_or_excess(bool inv, const char *ok, const char *excess, char *t, char *f,
			  size_t size)
{
	snprintf(t, size, "%s", inv ? excess : ok);
	snprintf(f, size, "%s", inv ? ok : excess);
	return inv ? 0 : 1;
}

/* The variable of a statement that may or may not pass; -1 on error. */
static int stmt_var(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
		    const char *per, int *wb_out)
{
	char t[256], f[256], rate[64], ok[256], excess[256];
	int wb = -1;
	enum hs_fv_kind kind = HS_FV_STATE;
	int var;

	switch (s->kind) {
	case RS_ST_LIMIT:
		rate_text(&s->u.limit, rate, sizeof(rate));
		snprintf(ok, sizeof(ok), "while under %s%s", rate, per);
		snprintf(excess, sizeof(excess), "over %s%s", rate, per);
		wb = pass_or_excess(s->u.limit.inv, ok, excess, t, f, sizeof(t));
		break;
	case RS_ST_QUOTA:
		snprintf(ok, sizeof(ok), "within a quota of %llu bytes%s",
			 (unsigned long long)s->u.quota.bytes, per);
		snprintf(excess, sizeof(excess), "over a quota of %llu bytes%s",
			 (unsigned long long)s->u.quota.bytes, per);
		wb = pass_or_excess(s->u.quota.inv, ok, excess, t, f, sizeof(t));
		break;
	case RS_ST_CT_COUNT:
		snprintf(ok, sizeof(ok), "while at most %llu connections%s",
			 (unsigned long long)s->u.ct_count.count, per);
		snprintf(excess, sizeof(excess), "over %llu connections%s",
			 (unsigned long long)s->u.ct_count.count, per);
		wb = pass_or_excess(s->u.ct_count.inv, ok, excess, t, f, sizeof(t));
		break;
	case RS_ST_OBJREF: {
		char *txt = rs_stmt_format(s);

		/* a `quota q { over N }` object matches over its quota (construct.h) */
		snprintf(ok, sizeof(ok), "while %s is within its limit", txt ? txt : s->u.objref.type);
		snprintf(excess, sizeof(excess), "when %s is over its limit",
			 txt ? txt : s->u.objref.type);
		free(txt);
		wb = pass_or_excess(cx_objref_inverted(rule, s), ok, excess, t, f, sizeof(t));
		break;
	}
	default: {
		char *txt = rs_stmt_format(s);

		kind = HS_FV_UNKNOWN;
		snprintf(t, sizeof(t), "if %s (not modelled)", txt ? txt : "an unknown statement");
		snprintf(f, sizeof(f), "unless %s (not modelled)", txt ? txt : "an unknown statement");
		free(txt);
		break;
	}
	}
	var = hs_stmt_freevar(c->hs, s, kind, wb, t, f, rule);
	if (var < 0)
		fail_oom(c);
	if (wb_out)
		*wb_out = wb;
	return var;
}

static BDD var_bdd(int var)
{
	return var < 0 ? bddfalse : ref(bdd_ithvar(var));
}

/* An unknown match: one variable for this statement. */
static BDD unknown_match(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
			 const char *why)
{
	char t[320], f[320];
	char *txt = s ? rs_stmt_format(s) : NULL;
	int var;

	snprintf(t, sizeof(t), "if %s (%s)", txt ? txt : "?", why);
	snprintf(f, sizeof(f), "unless %s (%s)", txt ? txt : "?", why);
	free(txt);
	var = hs_stmt_freevar(c->hs, s, HS_FV_UNKNOWN, -1, t, f, rule);
	if (var < 0)
		fail_oom(c);
	return var_bdd(var);
}

/* Statements attached to a set element or meter: the rule goes on when all pass. */
static BDD attached_stmts(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *st,
			  size_t n, const char *per)
{
	BDD r = bddtrue;

	for (size_t i = 0; i < n; i++) {
		const struct rs_stmt *s = &st[i];

		if (s->kind == RS_ST_COUNTER || s->kind == RS_ST_LOG)
			continue;
		int var = stmt_var(c, rule, s, per, NULL);

		if (var < 0) {
			unref(r);
			return bddfalse;
		}
		and_into(&r, bdd_ithvar(var));
	}
	return r;
}

static bool set_is_dynamic(const struct ctx *c, const struct rs_set *set)
{
	char key[512];

	if (!set)
		return false;
	if (rs_set_filled_at_run_time(set))
		return true;
	snprintf(key, sizeof(key), "%s/%s", set->table ? set->table->name : "", set->name);
	for (size_t i = 0; i < c->ndynsets; i++)
		if (!strcmp(c->dynsets[i], key))
			return true;
	return false;
}

/* "if ip saddr is in @BANNED4 (filled at run time)": one variable per set and key. */
static BDD dynset_var(struct ctx *c, const struct rs_rule *rule, const struct rs_expr *left,
		      const struct rs_set *set)
{
	char *ktxt = rs_expr_format(left);
	char key[600], t[400], f[400];
	int var;

	snprintf(key, sizeof(key), "set:%s/%s:%s", set->table ? set->table->name : "", set->name,
		 ktxt ? ktxt : "?");
	snprintf(t, sizeof(t), "if %s is in @%s (filled at run time)", ktxt ? ktxt : "?",
		 set->name);
	snprintf(f, sizeof(f), "unless %s is in @%s", ktxt ? ktxt : "?", set->name);
	free(ktxt);
	var = hs_freevar(c->hs, key, HS_FV_SET, 0, t, f, rule);
	if (var < 0)
		fail_oom(c);
	return var_bdd(var);
}

/* ---- expressions to fields ------------------------------------------------------- */

enum lkind {
	L_FIELD,     /* a numeric header-space field: fm */
	L_IIF, L_OIF,
	L_IBRNAME, L_OBRNAME, /* meta ibrname / obrname: the bridge of the port */
	L_CTSTATE,
	L_NFPROTO,   /* meta nfproto, ct l3proto: values 2 / 10 */
	L_ETHERTYPE, /* meta protocol, ether type: 0x0800 / 0x86dd */
	L_IIFTYPE,   /* meta iiftype: 772 for lo, ether (1) for any other input device */
	L_FRAGHDR,   /* exthdr frag exists */
	L_CTSTATUS,  /* ct status: the NAT bits (natpath.h) */
	L_FIBTYPE,   /* fib daddr type */
	L_MARK,
	L_CONCAT,
	L_UNKNOWN,
};

static enum lkind classify(const struct rs_expr *x, struct fmap *fm)
{
	fm->v4addr = false;
	fm->nfproto = -1;
	if (!x)
		return L_UNKNOWN;
	switch (x->kind) {
	case RS_EX_PAYLOAD:
		switch (x->key) {
		case RS_F_IP_SADDR: fm->f = HS_SADDR; fm->v4addr = true; fm->nfproto = 0; return L_FIELD;
		case RS_F_IP_DADDR: fm->f = HS_DADDR; fm->v4addr = true; fm->nfproto = 0; return L_FIELD;
		case RS_F_IP6_SADDR: fm->f = HS_SADDR; fm->nfproto = 1; return L_FIELD;
		case RS_F_IP6_DADDR: fm->f = HS_DADDR; fm->nfproto = 1; return L_FIELD;
		case RS_F_IP_PROTOCOL: case RS_F_IP6_NEXTHDR: fm->f = HS_L4PROTO; return L_FIELD;
		case RS_F_IP_TTL: case RS_F_IP6_HOPLIMIT: fm->f = HS_TTL; return L_FIELD;
		case RS_F_IP_LENGTH: fm->f = HS_LENGTH; return L_FIELD;
		case RS_F_IP_FRAG_OFF: fm->f = HS_FRAGOFF; return L_FIELD;
		case RS_F_TCP_SPORT: case RS_F_UDP_SPORT: case RS_F_UDPLITE_SPORT:
		case RS_F_SCTP_SPORT: case RS_F_DCCP_SPORT: case RS_F_TH_SPORT:
			fm->f = HS_SPORT; return L_FIELD;
		case RS_F_TCP_DPORT: case RS_F_UDP_DPORT: case RS_F_UDPLITE_DPORT:
		case RS_F_SCTP_DPORT: case RS_F_DCCP_DPORT: case RS_F_TH_DPORT:
			fm->f = HS_DPORT; return L_FIELD;
		case RS_F_TCP_FLAGS: fm->f = HS_TCPFLAGS; return L_FIELD;
		case RS_F_ICMP_TYPE: case RS_F_ICMPV6_TYPE: fm->f = HS_ICMPTYPE; return L_FIELD;
		case RS_F_ICMP_CODE: case RS_F_ICMPV6_CODE: fm->f = HS_ICMPCODE; return L_FIELD;
		case RS_F_ETHER_TYPE: return L_ETHERTYPE;   /* behind meta iiftype ether */
		default: return L_UNKNOWN;
		}
	case RS_EX_META:
		switch (x->key) {
		case RS_META_IIF: case RS_META_IIFNAME: return L_IIF;
		case RS_META_OIF: case RS_META_OIFNAME: return L_OIF;
		case RS_META_IBRNAME: case RS_META_IBRIDGENAME: return L_IBRNAME;
		case RS_META_OBRNAME: case RS_META_OBRIDGENAME: return L_OBRNAME;
		case RS_META_NFPROTO: return L_NFPROTO;
		case RS_META_PROTOCOL: return L_ETHERTYPE;
		case RS_META_IIFTYPE: return L_IIFTYPE;
		case RS_META_L4PROTO: fm->f = HS_L4PROTO; return L_FIELD;
		case RS_META_LENGTH: fm->f = HS_LENGTH; return L_FIELD;
		case RS_META_MARK: fm->f = HS_MARK; return L_MARK;
		default: return L_UNKNOWN;
		}
	case RS_EX_CT:
		if (x->dir != RS_CT_DIR_NONE)
			return L_UNKNOWN;
		switch (x->key) {
		case RS_CT_STATE: return L_CTSTATE;
		case RS_CT_STATUS: return L_CTSTATUS;
		case RS_CT_L3PROTO: return L_NFPROTO;
		case RS_CT_PROTOCOL: fm->f = HS_L4PROTO; return L_FIELD;
		default: return L_UNKNOWN;
		}
	case RS_EX_EXTHDR:
		if (x->name && !strcmp(x->name, "frag") && !x->field)
			return L_FRAGHDR;
		return L_UNKNOWN;
	case RS_EX_CONCAT:
		return L_CONCAT;
	case RS_EX_FIB:
		return x->key == RS_FIB_R_TYPE && x->flags == RS_FIB_DADDR ? L_FIBTYPE : L_UNKNOWN;
	default:
		return L_UNKNOWN;
	}
}

/* ---- predicates ------------------------------------------------------------------- */

struct pred_in {
	enum rs_op op;
	const struct rs_expr *left;    /* without the binop */
	bool masked;
	u128 mask;
	const struct rs_term *right;
	const struct rs_rule *rule;
	const struct rs_stmt *stmt;    /* for unknown-variable identity */
};

static BDD pred(struct ctx *c, const struct pred_in *in, int depth);

/* Bits outside `keep` read as 0: the value the comparison sees is field & keep. */
static BDD apply_mask(struct ctx *c, BDD p, enum hs_field f, u128 keep)
{
	struct hspace *hs = c->hs;
	int bits = hs->field[f].bits;
	BDD cube = bddtrue, r;

	for (int b = bits - 1; b >= 0; b--) {
		if ((keep >> (bits - 1 - b)) & 1)
			continue;
		and_into(&cube, bdd_nithvar(hs_var(hs, f, b)));
	}
	if (cube == bddtrue)
		return ref(p);
	r = ref(bdd_restrict(p, cube));
	unref(cube);
	return r;
}

static BDD cached_set(struct ctx *c, const struct rs_set *set, const struct fmap *fm,
		      const struct rs_term *t, bool *unknown)
{
	struct ivs s = { 0 };
	BDD b;

	for (size_t i = 0; i < c->ncache; i++)
		if (c->cache[i].key == set && c->cache[i].field == (int)fm->f &&
		    c->cache[i].v4 == fm->v4addr)
			return ref(c->cache[i].bdd);
	term_ivs(fm, t, &s, 0);
	if (s.oom) {
		free(s.v);
		fail_oom(c);
		return bddfalse;
	}
	if (s.unknown) {
		free(s.v);
		*unknown = true;
		return bddfalse;
	}
	b = hs_intervals(c->hs, fm->f, s.v, s.n);
	free(s.v);
	if (c->ncache == c->cachecap) {
		size_t cap = c->cachecap ? c->cachecap * 2 : 16;
		void *nv = realloc(c->cache, cap * sizeof(*c->cache));

		if (!nv)
			return b;
		c->cache = nv;
		c->cachecap = cap;
	}
	c->cache[c->ncache].key = set;
	c->cache[c->ncache].field = (int)fm->f;
	c->cache[c->ncache].v4 = fm->v4addr;
	c->cache[c->ncache].bdd = ref(b);
	c->ncache++;
	return b;
}

/* field OP right over a numeric field; sets *unknown when the shape is not modelled. */
/*
 * ttl after ip_forward() decremented it: the chain sees x - 1 where the
 * packet (the header space) says x, so every bound moves up by one.
 */
static BDD ttl_dec_pred(struct ctx *c, enum rs_op op, const struct rs_term *t, bool *unknown)
{
	struct fmap fm = { .f = HS_TTL, .nfproto = -1 };
	struct ivs s = { 0 };
	BDD p;
	u128 v;

	if (op == RS_OP_IN || op == RS_OP_NOT) {
		*unknown = true;
		return bddfalse;
	}
	if (op == RS_OP_LT || op == RS_OP_GT || op == RS_OP_LE || op == RS_OP_GE) {
		if (t->kind != RS_TERM_VALUE) {
			*unknown = true;
			return bddfalse;
		}
		v = value_u128(&t->v) + 1;
		switch (op) {
		case RS_OP_LT: return hs_range(c->hs, HS_TTL, 0, v - 1);
		case RS_OP_LE: return hs_range(c->hs, HS_TTL, 0, v > 255 ? 255 : v);
		case RS_OP_GT: return v >= 255 ? bddfalse : hs_range(c->hs, HS_TTL, v + 1, 255);
		default: return v > 255 ? bddfalse : hs_range(c->hs, HS_TTL, v, 255);
		}
	}
	term_ivs(&fm, t, &s, 0);
	if (s.oom || s.unknown) {
		free(s.v);
		if (s.oom)
			fail_oom(c);
		*unknown = true;
		return bddfalse;
	}
	{
		size_t k = 0;

		/* a seen value of 255 would need a ttl of 256: no packet */
		for (size_t i = 0; i < s.n; i++) {
			if (s.v[i].lo >= 255)
				continue;
			s.v[k].lo = s.v[i].lo + 1;
			s.v[k].hi = s.v[i].hi >= 255 ? 255 : s.v[i].hi + 1;
			k++;
		}
		s.n = k;
	}
	p = hs_intervals(c->hs, HS_TTL, s.v, s.n);
	free(s.v);
	if (op == RS_OP_NE)
		put(&p, NOT(p));
	return p;
}

static BDD field_pred(struct ctx *c, const struct fmap *fm, enum rs_op op, const struct rs_term *t,
		      bool *unknown)
{
	struct hspace *hs = c->hs;
	u128 v, fmax;
	struct ivs s = { 0 };
	BDD p = bddfalse;
	int bits = hs->field[fm->f].bits;

	fmax = bits >= 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
	if (fm->f == HS_TTL && c->ttl_dec)
		return ttl_dec_pred(c, op, t, unknown);
	if (op == RS_OP_IN || op == RS_OP_NOT) {
		if (t->kind != RS_TERM_VALUE) {
			*unknown = true;
			return bddfalse;
		}
		v = to_field(fm, value_u128(&t->v));
		if (op == RS_OP_NOT)
			return hs_masked_eq(hs, fm->f, v, 0);
		p = hs_masked_eq(hs, fm->f, v, 0);
		put(&p, NOT(p));
		return p;
	}
	if (op == RS_OP_LT || op == RS_OP_GT || op == RS_OP_LE || op == RS_OP_GE) {
		if (t->kind != RS_TERM_VALUE) {
			*unknown = true;
			return bddfalse;
		}
		v = value_u128(&t->v);
		switch (op) {
		case RS_OP_LT:
			return v == 0 ? bddfalse : hs_range(hs, fm->f, 0, to_field(fm, v - 1) | low_fill(fm));
		case RS_OP_LE:
			return hs_range(hs, fm->f, 0, to_field(fm, v) | low_fill(fm));
		case RS_OP_GT:
			return to_field(fm, v) >= fmax ? bddfalse :
			       hs_range(hs, fm->f, to_field(fm, v + 1), fmax);
		default:
			return hs_range(hs, fm->f, to_field(fm, v), fmax);
		}
	}
	if (t->kind == RS_TERM_SETREF && t->set) {
		p = cached_set(c, t->set, fm, t, unknown);
	} else {
		term_ivs(fm, t, &s, 0);
		if (s.oom) {
			free(s.v);
			fail_oom(c);
			return bddfalse;
		}
		if (s.unknown) {
			free(s.v);
			*unknown = true;
			return bddfalse;
		}
		p = hs_intervals(hs, fm->f, s.v, s.n);
		free(s.v);
	}
	if (op == RS_OP_NE)
		put(&p, NOT(p));
	return p;
}

/* Small-domain evaluation: the bits a ct state / nfproto value would have. */
static bool concrete(enum rs_op op, bool masked, uint64_t mask, const struct rs_term *t,
		     uint64_t x, bool *unknown)
{
	uint64_t y = masked ? (x & mask) : x;

	switch (op) {
	case RS_OP_EQ: return term_has_num(t, y, 0);
	case RS_OP_NE: return !term_has_num(t, y, 0);
	case RS_OP_IN:
		if (t->kind == RS_TERM_VALUE)
			return (y & t->v.num) != 0;
		return term_has_num(t, y, 0);
	case RS_OP_NOT:
		if (t->kind == RS_TERM_VALUE)
			return (y & t->v.num) == 0;
		*unknown = true;
		return false;
	default:
		if (t->kind != RS_TERM_VALUE) {
			*unknown = true;
			return false;
		}
		switch (op) {
		case RS_OP_LT: return y < t->v.num;
		case RS_OP_GT: return y > t->v.num;
		case RS_OP_LE: return y <= t->v.num;
		default: return y >= t->v.num;
		}
	}
}

static BDD ctstate_pred(struct ctx *c, const struct pred_in *in, bool *unknown)
{
	struct hspace *hs = c->hs;
	BDD r = bddfalse;
	uint64_t mask = (uint64_t)in->mask;

	for (unsigned i = 0; i < HS_NCTSTATES; i++) {
		if (!concrete(in->op, in->masked, mask, in->right, hs_ctstate_bits[i], unknown))
			continue;
		BDD x = hs_eq(hs, HS_CTSTATE, i);

		or_into(&r, x);
		unref(x);
	}
	if (c->before_conntrack || c->notrack != bddfalse) {
		bool inv = concrete(in->op, in->masked, mask, in->right, RS_CTSTATE_INVALID, unknown);
		bool untr = concrete(in->op, in->masked, mask, in->right, RS_CTSTATE_UNTRACKED,
				     unknown);

		/* untracked after notrack; before conntrack every other packet is invalid */
		BDD a = untr ? ref(c->notrack) : bddfalse;
		BDD b = c->before_conntrack ? (inv ? NOT(c->notrack) : bddfalse) :
					     DIFF(r, c->notrack);

		put(&r, OR(a, b));
		unref(a);
		unref(b);
	}
	return r;
}

/*
 * ct status of a new connection: the dnat bit where a dnat/redirect took
 * the packet, nothing else (natpath.h). An established or related
 * packet's connection may or may not have been NAT'd: a free choice.
 * Invalid and untracked packets have no entry: the match fails.
 */
static BDD ctstatus_pred(struct ctx *c, const struct pred_in *in, bool *unknown)
{
	uint64_t mask = (uint64_t)in->mask;
	BDD isnew = hs_ct_state(c->hs, RS_CTSTATE_NEW), r = bddfalse, old, v;

	/* the four combinations of the NAT bits a new connection can have */
	for (unsigned done = 0; done < 4; done++) {
		BDD d = done & NATPATH_DST ? ref(c->dnat) : NOT(c->dnat);
		BDD sn = done & NATPATH_SRC ? ref(c->snat) : NOT(c->snat);

		if (concrete(in->op, in->masked, mask, in->right, natpath_ct_status(done), unknown)) {
			BDD x = AND(d, sn);

			and_into(&x, isnew);
			or_into(&r, x);
			unref(x);
		}
		unref(d);
		unref(sn);
	}
	unref(isnew);
	old = hs_ct_state(c->hs, RS_CTSTATE_ESTABLISHED);
	v = hs_ct_state(c->hs, RS_CTSTATE_RELATED);
	or_into(&old, v);
	unref(v);
	v = in->stmt ? unknown_match(c, in->rule, in->stmt, "the connection's NAT status "
				     "is not known after its first packet") : bddfalse;
	and_into(&old, v);
	unref(v);
	or_into(&r, old);
	unref(old);
	return r;
}

/* daddr is one of the host's addresses (those known, and loopback). */
static BDD local_daddr(struct ctx *c)
{
	struct hspace *hs = c->hs;
	BDD r = hs_masked_eq(hs, HS_DADDR, (u128)0xff << 120, (u128)127 << 120), x, fam;

	fam = hs_eq(hs, HS_NFPROTO, 0);
	and_into(&r, fam);
	unref(fam);
	x = hs_eq(hs, HS_DADDR, 1);
	fam = hs_eq(hs, HS_NFPROTO, 1);
	and_into(&x, fam);
	unref(fam);
	or_into(&r, x);
	unref(x);
	for (size_t i = 0; i < c->rs->nlocal; i++) {
		const struct prefix *p = &c->rs->local[i];
		bool v6 = p->family == AF_INET6;
		u128 a = 0, m = 0;

		for (unsigned b = 0; b < 16; b++)
			a = (a << 8) | p->addr[b];
		for (unsigned b = 0; b < p->len; b++)
			m |= (u128)1 << (127 - b);
		x = hs_masked_eq(hs, HS_DADDR, m, a & m);
		fam = hs_eq(hs, HS_NFPROTO, v6);
		and_into(&x, fam);
		unref(fam);
		or_into(&r, x);
		unref(x);
	}
	hs_atom_add(hs, HS_DADDR, r, "ip daddr this host", "ip daddr != this host", "this host");
	return r;
}

/*
 * fib daddr type, as the tracer reads it: local on the input path (the
 * packet is addressed to this host), elsewhere local for the host's
 * addresses and unicast for others when they are known (--live,
 * --local-addr); multicast for multicast addresses. Unknown otherwise.
 */
static BDD fibtype_pred(struct ctx *c, const struct pred_in *in, bool *unknown)
{
	uint64_t mask = (uint64_t)in->mask;
	bool mc = concrete(in->op, in->masked, mask, in->right, 5, unknown);
	bool lo = concrete(in->op, in->masked, mask, in->right, 2, unknown);
	bool uc = concrete(in->op, in->masked, mask, in->right, 1, unknown);
	BDD multi, loc, r, x;

	if (c->path != SX_INPUT && !c->rs->local_known) {
		*unknown = true;
		return bddfalse;
	}
	multi = hs_masked_eq(c->hs, HS_DADDR, (u128)0xf0 << 120, (u128)0xe0 << 120);
	x = hs_eq(c->hs, HS_NFPROTO, 0);
	and_into(&multi, x);
	unref(x);
	x = hs_masked_eq(c->hs, HS_DADDR, (u128)0xff << 120, (u128)0xff << 120);
	{
		BDD f6 = hs_eq(c->hs, HS_NFPROTO, 1);

		and_into(&x, f6);
		unref(f6);
	}
	or_into(&multi, x);
	unref(x);
	loc = c->path == SX_INPUT ? bddtrue : local_daddr(c);
	r = mc ? ref(multi) : bddfalse;
	if (lo) {
		x = DIFF(loc, multi);
		or_into(&r, x);
		unref(x);
	}
	if (uc) {
		BDD either = OR(loc, multi);

		x = NOT(either);
		unref(either);
		or_into(&r, x);
		unref(x);
	}
	unref(loc);
	unref(multi);
	return r;
}

/*
 * The name a bridge chain reads for iif/oif (the port: nft_meta_get_eval
 * on the hook's device) or ibrname/obrname (the port's bridge,
 * nft_meta_bridge_get_eval); a plain entry is no bridge port: its
 * bridge name is "".
 */
static const char *bridge_layer_name(const struct hspace *hs, size_t i, bool bridge)
{
	const struct hs_iface *f = &hs->ifs[i];

	if (!f->via_port)
		return bridge ? "" : f->repr;
	return bridge ? f->repr : hs->ifs[f->port].repr;
}

static BDD iface_pred(struct ctx *c, const struct pred_in *in, enum lkind k, bool *unknown)
{
	struct hspace *hs = c->hs;
	bool oif = k == L_OIF || k == L_OBRNAME;
	BDD r = bddfalse;

	/*
	 * An interface absent on the path reads as name "" and index 0: the
	 * path's domain pins it to index 0, which behaves exactly so.
	 */
	if (in->masked || (in->op != RS_OP_EQ && in->op != RS_OP_NE)) {
		*unknown = true;
		return bddfalse;
	}
	for (size_t i = 0; i < hs->nifs; i++) {
		const char *name = hs->ifs[i].repr;
		bool m;

		/*
		 * up from a port no output device, down to one no input device
		 * (br_forward.c); ibrname/obrname exist only at a bridge hook
		 */
		if ((c->bridge_layer == BR_UP && oif) || (c->bridge_layer == BR_DOWN && !oif) ||
		    (c->bridge_layer == BR_ACROSS && !(oif ? c->oif_present : c->iif_present)) ||
		    (!c->bridge_layer && k != L_IIF && k != L_OIF) ||
		    (!c->bridge_layer && !(oif ? c->oif_present : c->iif_present)))
			name = "";
		else if (c->bridge_layer)
			name = bridge_layer_name(hs, i, k == L_IBRNAME || k == L_OBRNAME);
		m = term_has_name(in->right, name, 0);
		if (in->op == RS_OP_NE)
			m = !m;
		if (m) {
			BDD x = hs_eq(hs, oif ? HS_OIF : HS_IIF, i);

			or_into(&r, x);
			unref(x);
		}
	}
	return r;
}

/*
 * meta iiftype as the tracer takes it: lo is a loopback device (772), any
 * other input device Ethernet (1); with no input device the rule ends.
 */
static BDD iiftype_pred(struct ctx *c, const struct pred_in *in, bool *unknown)
{
	struct hspace *hs = c->hs;
	bool eth = concrete(in->op, in->masked, (uint64_t)in->mask, in->right, 1, unknown);
	bool loop = concrete(in->op, in->masked, (uint64_t)in->mask, in->right, 772, unknown);
	BDD lo = bddfalse, r;

	if (!c->iif_present || *unknown)
		return bddfalse;
	for (size_t i = 1; i < hs->nifs; i++)
		if (!strcmp(hs->ifs[i].repr, "lo")) {
			BDD x = hs_eq(hs, HS_IIF, i);

			or_into(&lo, x);
			unref(x);
		}
	r = eth ? NOT(lo) : bddfalse;
	if (loop)
		or_into(&r, lo);
	unref(lo);
	return r;
}

static BDD nfproto_pred(struct ctx *c, const struct pred_in *in, uint64_t v4, uint64_t v6,
			bool *unknown)
{
	bool a = concrete(in->op, in->masked, (uint64_t)in->mask, in->right, v4, unknown);
	bool b = concrete(in->op, in->masked, (uint64_t)in->mask, in->right, v6, unknown);

	if (a && b)
		return bddtrue;
	if (!a && !b)
		return bddfalse;
	return hs_eq(c->hs, HS_NFPROTO, b ? 1 : 0);
}

static BDD fraghdr_pred(struct ctx *c, const struct pred_in *in, bool *unknown)
{
	struct hspace *hs = c->hs;
	bool want;
	BDD exists;

	if (in->right->kind != RS_TERM_VALUE || in->masked ||
	    (in->op != RS_OP_EQ && in->op != RS_OP_NE)) {
		*unknown = true;
		return bddfalse;
	}
	want = in->right->v.num != 0;
	if (in->op == RS_OP_NE)
		want = !want;
	if (c->after_defrag)
		exists = bddfalse;
	else
		exists = hs_frag6_header(hs, !c->frag6_stripped);
	if (!want)
		put(&exists, NOT(exists));
	return exists;
}

/* Mark: the packet's own mark where no rule set it, the constant where one did. */
static BDD mark_pred(struct ctx *c, const struct pred_in *in, const struct fmap *fm,
		     bool *unknown)
{
	BDD orig = field_pred(c, fm, in->op, in->right, unknown);
	BDD r, setr = bddfalse;

	if (*unknown) {
		unref(orig);
		return bddfalse;
	}
	if (in->masked)
		put(&orig, apply_mask(c, orig, HS_MARK, in->mask));
	if (!c->nmarks)
		return orig;
	r = bddfalse;
	for (size_t i = 0; i < c->nmarks; i++) {
		const struct markpiece *mp = &c->marks[i];
		bool u = false;
		bool hit = concrete(in->op, in->masked, (uint64_t)in->mask, in->right, mp->value, &u);

		or_into(&setr, mp->region);
		if (hit && !u)
			or_into(&r, mp->region);
	}
	{
		BDD keep = DIFF(orig, setr);

		or_into(&r, keep);
		unref(keep);
	}
	unref(orig);
	unref(setr);
	return r;
}

static BDD concat_elem(struct ctx *c, const struct pred_in *in, const struct rs_term *key,
		       bool *unknown, int depth)
{
	const struct rs_expr *x = in->left;
	BDD r = bddtrue;

	if (key->kind != RS_TERM_CONCAT || key->nsub != x->nsub) {
		*unknown = true;
		return bddfalse;
	}
	for (size_t i = 0; i < x->nsub && r != bddfalse; i++) {
		struct pred_in part = *in;
		BDD p;

		part.op = RS_OP_EQ;
		part.left = x->sub[i];
		part.masked = false;
		part.right = &key->sub[i];
		if (x->sub[i] && x->sub[i]->kind == RS_EX_BINOP) {
			*unknown = true;
			unref(r);
			return bddfalse;
		}
		p = pred(c, &part, depth + 1);
		if (p == (BDD)-1) {
			*unknown = true;
			unref(r);
			return bddfalse;
		}
		and_into(&r, p);
		unref(p);
	}
	return r;
}

/* OR of many BDDs, pairwise so that each step stays small; takes their references. */
static BDD or_tree(BDD *v, size_t n)
{
	while (n > 1) {
		size_t k = 0;

		for (size_t i = 0; i < n; i += 2) {
			if (i + 1 < n) {
				BDD x = OR(v[i], v[i + 1]);

				unref(v[i]);
				unref(v[i + 1]);
				v[k++] = x;
			} else {
				v[k++] = v[i];
			}
		}
		n = k;
	}
	return n ? v[0] : bddfalse;
}

static BDD concat_pred(struct ctx *c, const struct pred_in *in, bool *unknown, int depth)
{
	const struct rs_term *t = in->right;
	const struct rs_elem *el = NULL;
	size_t n = 0;
	BDD *parts, r;

	if (in->masked || (in->op != RS_OP_EQ && in->op != RS_OP_NE)) {
		*unknown = true;
		return bddfalse;
	}
	if (t->kind == RS_TERM_CONCAT) {
		r = concat_elem(c, in, t, unknown, depth);
		goto out;
	}
	if (!term_elems(t, &el, &n)) {
		*unknown = true;
		return bddfalse;
	}
	for (size_t i = 0; i < c->ncache; i++)
		if (c->cache[i].key == t->set && t->set && c->cache[i].field == -1) {
			r = ref(c->cache[i].bdd);
			goto out;
		}
	parts = calloc(n ? n : 1, sizeof(*parts));
	if (!parts) {
		fail_oom(c);
		return bddfalse;
	}
	for (size_t i = 0; i < n; i++) {
		parts[i] = concat_elem(c, in, &el[i].key, unknown, depth);
		if (*unknown) {
			for (size_t j = 0; j <= i; j++)
				unref(parts[j]);
			free(parts);
			return bddfalse;
		}
	}
	r = or_tree(parts, n);
	free(parts);
	if (t->kind == RS_TERM_SETREF && c->ncache < c->cachecap) {
		c->cache[c->ncache].key = t->set;
		c->cache[c->ncache].field = -1;
		c->cache[c->ncache].v4 = false;
		c->cache[c->ncache].bdd = ref(r);
		c->ncache++;
	}
out:
	if (in->op == RS_OP_NE)
		put(&r, NOT(r));
	return r;
}

/*
 * The predicate of `left OP right`, or (BDD)-1 when it is not modelled (the
 * caller makes it a free variable). Dynamic set membership is added by the
 * caller.
 */
static BDD pred(struct ctx *c, const struct pred_in *in, int depth)
{
	struct fmap fm;
	bool unknown = false;
	enum lkind k;
	BDD p = bddfalse;

	if (depth > 8)
		return (BDD)-1;
	k = classify(in->left, &fm);
	switch (k) {
	case L_FIELD: {
		u128 keep = ~(u128)0;

		p = field_pred(c, &fm, in->op, in->right, &unknown);
		if (unknown)
			break;
		if (in->masked && fm.f == HS_TTL && c->ttl_dec) {
			unknown = true;
			break;
		}
		if (in->masked)
			keep = to_field(&fm, in->mask) | low_fill(&fm);
		/* reassembled: more-fragments and offset read 0 */
		if (fm.f == HS_FRAGOFF && c->after_defrag)
			keep &= 0x4000;
		if (keep != ~(u128)0)
			put(&p, apply_mask(c, p, fm.f, keep));
		break;
	}
	case L_MARK:
		p = mark_pred(c, in, &fm, &unknown);
		break;
	case L_IIF:
	case L_OIF:
	case L_IBRNAME:
	case L_OBRNAME:
		p = iface_pred(c, in, k, &unknown);
		break;
	case L_CTSTATE:
		p = ctstate_pred(c, in, &unknown);
		break;
	case L_NFPROTO:
		/* nft_pf(): a bridge chain's meta nfproto is NFPROTO_BRIDGE (7) */
		if (c->bridge_layer && in->left->kind == RS_EX_META)
			p = nfproto_pred(c, in, 7, 7, &unknown);
		else
			p = nfproto_pred(c, in, RS_NFPROTO_IPV4, RS_NFPROTO_IPV6, &unknown);
		break;
	case L_ETHERTYPE:
		p = nfproto_pred(c, in, 0x0800, 0x86dd, &unknown);
		break;
	case L_IIFTYPE:
		p = iiftype_pred(c, in, &unknown);
		break;
	case L_FRAGHDR:
		p = fraghdr_pred(c, in, &unknown);
		break;
	case L_CTSTATUS:
		p = c->before_conntrack ? bddfalse : ctstatus_pred(c, in, &unknown);
		break;
	case L_FIBTYPE:
		p = fibtype_pred(c, in, &unknown);
		break;
	case L_CONCAT:
		p = concat_pred(c, in, &unknown, depth);
		break;
	default:
		/* before conntrack a ct key has no value: the rule stops there */
		if (in->left && in->left->kind == RS_EX_CT && c->before_conntrack) {
			p = bddfalse;
			break;
		}
		/* nor has rt before the routing decision (nft_rt): no route yet */
		if (in->left && in->left->kind == RS_EX_RT &&
		    (c->hook == RS_HOOK_PREROUTING || c->hook == RS_HOOK_INGRESS)) {
			p = bddfalse;
			break;
		}
		unknown = true;
		break;
	}
	if (unknown) {
		unref(p);
		return (BDD)-1;
	}
	/* a field another rule rewrote is unknown there */
	if (k == L_FIELD && c->rewritten[fm.f] != bddfalse) {
		BDD v = in->stmt ? unknown_match(c, in->rule, in->stmt, "field rewritten by a rule")
				 : bddfalse;
		BDD a = AND(c->rewritten[fm.f], v), b = DIFF(p, c->rewritten[fm.f]);

		put(&p, OR(a, b));
		unref(a);
		unref(b);
		unref(v);
	}
	return p;
}

static const struct rs_set *setref_of(const struct rs_term *t)
{
	return t->kind == RS_TERM_SETREF ? t->set : NULL;
}

/*
 * Address predicates the ruleset uses (`ip saddr @BOGON_V4`, `ip6 saddr
 * fe80::/10`): describe.c names regions of addresses with them.
 */
static void remember_atom(struct ctx *c, const struct rs_match *m, BDD p)
{
	struct fmap fm;
	enum lkind k = classify(m->left, &fm);
	char *l, *r, t[600], n[600];
	BDD pos, g;

	if (m->implicit || k != L_FIELD || (fm.f != HS_SADDR && fm.f != HS_DADDR) ||
	    (m->op != RS_OP_EQ && m->op != RS_OP_NE))
		return;
	l = rs_expr_format(m->left);
	r = rs_term_format(&m->right);
	if (!l || !r) {
		free(l);
		free(r);
		return;
	}
	snprintf(t, sizeof(t), "%s %s", l, r);
	snprintf(n, sizeof(n), "%s != %s", l, r);
	pos = m->op == RS_OP_EQ ? ref(p) : NOT(p);
	g = hs_eq(c->hs, HS_NFPROTO, (u128)fm.nfproto);
	and_into(&pos, g);
	unref(g);
	hs_atom_add(c->hs, fm.f, pos, t, n, r);
	unref(pos);
	free(l);
	free(r);
}

/*
 * A tcp option match (nft_exthdr): a packet with no tcp header has no
 * option, so `missing` holds and `exists` or a field read does not (the
 * read ends the rule); what a TCP packet carries is unknown to the packet
 * space: either, said so.
 */
static BDD tcpopt_match(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	const struct rs_match *m = &s->u.match;
	const struct rs_term *r = &m->right;
	bool absent_holds = !m->left->field && r->kind == RS_TERM_VALUE &&
			    (m->op == RS_OP_EQ || m->op == RS_OP_NE) &&
			    (r->v.num == 0) == (m->op == RS_OP_EQ);
	BDD tcp = hs_eq(c->hs, HS_L4PROTO, 6);
	BDD v = unknown_match(c, rule, s, cx_expr_depends(m->left));
	BDD p = AND(tcp, v);

	if (absent_holds) {
		BDD other = NOT(tcp);

		or_into(&p, other);
		unref(other);
	}
	unref(v);
	unref(tcp);
	return p;
}

/* osf (construct.h): only an IPv4 TCP SYN may match, on what fingerprints say */
static BDD osf_match(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	BDD p = unknown_match(c, rule, s, cx_expr_depends(s->u.match.left));
	BDD v4 = hs_eq(c->hs, HS_NFPROTO, 0), tcp = hs_eq(c->hs, HS_L4PROTO, 6);
	BDD syn = hs_masked_eq(c->hs, HS_TCPFLAGS, MATCH_TCP_SYN, MATCH_TCP_SYN);
	BDD whole = hs_masked_eq(c->hs, HS_FRAGOFF, 0x1fff, 0);   /* a first fragment has the header */

	and_into(&p, v4);
	and_into(&p, tcp);
	and_into(&p, syn);
	and_into(&p, whole);
	unref(v4);
	unref(tcp);
	unref(syn);
	unref(whole);
	return p;
}

static BDD match_bdd(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	const struct rs_match *m = &s->u.match;
	struct pred_in in = { .op = m->op, .left = m->left, .right = &m->right, .rule = rule,
			      .stmt = s };
	const struct rs_set *set = setref_of(&m->right);
	BDD p;

	if (m->left && m->left->kind == RS_EX_TCPOPT)
		return tcpopt_match(c, rule, s);
	if (m->left && m->left->kind == RS_EX_OSF)
		return osf_match(c, rule, s);
	if (m->left && m->left->kind == RS_EX_BINOP) {
		const struct rs_expr *x = m->left;

		if (x->key != RS_BINOP_AND || !x->nsub || !x->arg || x->arg->kind != RS_TERM_VALUE)
			return unknown_match(c, rule, s, "not modelled");
		in.left = x->sub[0];
		in.masked = true;
		in.mask = value_u128(&x->arg->v);
	}
	p = pred(c, &in, 0);
	if (p == (BDD)-1) {
		const char *dep = cx_expr_depends(m->left);

		return unknown_match(c, rule, s, dep ? dep : "not modelled");
	}
	if (c->hs->bdd_error)
		return p;
	remember_atom(c, m, p);
	if (set && set_is_dynamic(c, set) && (m->op == RS_OP_EQ || m->op == RS_OP_NE)) {
		BDD v = dynset_var(c, rule, m->left, set);

		/* membership: listed elements, or put there at run time */
		if (m->op == RS_OP_EQ) {
			or_into(&p, v);
		} else {
			BDD nv = NOT(v);

			and_into(&p, nv);
			unref(nv);
		}
		unref(v);
	}
	return p;
}

/* ---- rules and chains -------------------------------------------------------------- */

struct outc {
	BDD acc, drop, ret;
};

static void outc_free(struct outc *o)
{
	unref(o->acc);
	unref(o->drop);
	unref(o->ret);
	o->acc = o->drop = o->ret = bddfalse;
}

static int eval_chain(struct ctx *c, const struct rs_chain *ch, BDD in, struct outc *o, int depth);

static struct sx_rule_info *rule_info(struct ctx *c, const struct rs_rule *rule)
{
	struct sx_result *r = c->res;

	if (!r || !r->rules)
		return NULL;
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].rule == rule)
			return &r->rules[i];
	return NULL;
}

static void set_mark(struct ctx *c, BDD region, uint32_t value)
{
	struct markpiece *v;

	for (size_t i = 0; i < c->nmarks; i++)
		put(&c->marks[i].region, DIFF(c->marks[i].region, region));
	for (size_t i = 0; i < c->nmarks; i++)
		if (c->marks[i].value == value) {
			or_into(&c->marks[i].region, region);
			return;
		}
	v = realloc(c->marks, (c->nmarks + 1) * sizeof(*v));
	if (!v) {
		fail_oom(c);
		return;
	}
	c->marks = v;
	v[c->nmarks].region = ref(region);
	v[c->nmarks].orig = false;
	v[c->nmarks].value = value;
	c->nmarks++;
}

/* A dnat/redirect at prerouting: ct status dnat, and a cut to route again (natpath.h). */
static BDD cut_changes(struct ctx *c, const struct natcut *k, enum sx_path p);

/*
 * A nat statement's bindings: a source one (snat, masquerade: taken as a
 * new source, as the tracer does) or a destination one at prerouting,
 * which sets ct status dnat where it changes the tuple and, with one
 * constant target, becomes a cut to route again after prerouting.
 */
static void note_dnat(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
		      BDD region)
{
	const struct rs_nat *n = &s->u.nat;

	if ((n->kind == RS_NAT_SNAT || n->kind == RS_NAT_MASQUERADE) &&
	    natpath_binding(c->hook) == NATPATH_SRC)
		or_into(&c->snat, region);
	if (region == bddfalse || c->hook != RS_HOOK_PREROUTING ||
	    (n->kind != RS_NAT_DNAT && n->kind != RS_NAT_REDIRECT))
		return;
	for (int v6 = 0; v6 < 2; v6++) {
		BDD fam = hs_eq(c->hs, HS_NFPROTO, v6), r = AND(region, fam), ch;
		struct natpath_target t;
		struct natcut *k;

		unref(fam);
		if (r == bddfalse || !natpath_target(n, v6, &t)) {
			or_into(&c->dnat, r);   /* not one constant: taken as a change */
			unref(r);
			continue;
		}
		k = realloc(c->cuts, (c->ncuts + 1) * sizeof(*k));
		if (!k) {
			unref(r);
			fail_oom(c);
			return;
		}
		c->cuts = k;
		k += c->ncuts++;
		*k = (struct natcut){ rule, s, t, r };
		ch = cut_changes(c, k, c->path);
		and_into(&ch, r);
		or_into(&c->dnat, ch);
		unref(ch);
	}
}

static void rewrite(struct ctx *c, enum hs_field f, BDD region)
{
	or_into(&c->rewritten[f], region);
}

static void side_effect(struct ctx *c, const struct rs_stmt *s, BDD region)
{
	struct fmap fm;

	if (region == bddfalse)
		return;
	if (s->kind == RS_ST_NOTRACK) {
		/* conntrack skips the packet only when notrack runs before it */
		if (c->before_conntrack)
			or_into(&c->notrack, region);
		return;
	}
	if (s->kind == RS_ST_NAT) {
		bool dst = s->u.nat.kind == RS_NAT_DNAT || s->u.nat.kind == RS_NAT_REDIRECT;

		rewrite(c, dst ? HS_DADDR : HS_SADDR, region);
		rewrite(c, dst ? HS_DPORT : HS_SPORT, region);
		return;
	}
	if (s->kind != RS_ST_MANGLE || !s->u.mangle.key)
		return;
	switch (classify(s->u.mangle.key, &fm)) {
	case L_MARK:
		if (s->u.mangle.value.kind == RS_TERM_VALUE && !s->u.mangle.value.v.str)
			set_mark(c, region, (uint32_t)s->u.mangle.value.v.num);
		else
			rewrite(c, HS_MARK, region);
		return;
	case L_FIELD:
		rewrite(c, fm.f, region);
		return;
	default:
		return;
	}
}

/* Apply one verdict to region m (inside *cur). */
static int apply_verdict(struct ctx *c, const struct rs_verdict *v, BDD m, BDD *cur,
			 struct outc *o, int depth)
{
	struct outc sub = { bddfalse, bddfalse, bddfalse };

	if (m == bddfalse)
		return 0;
	switch (v->kind) {
	case RS_VERDICT_ACCEPT:
	case RS_VERDICT_QUEUE:
		or_into(&o->acc, m);
		break;
	case RS_VERDICT_DROP:
		or_into(&o->drop, m);
		break;
	case RS_VERDICT_RETURN:
		or_into(&o->ret, m);
		break;
	case RS_VERDICT_JUMP:
	case RS_VERDICT_GOTO:
		if (!v->chain)
			return 0;   /* the kernel refuses such a ruleset; nothing happens here */
		if (eval_chain(c, v->chain, m, &sub, depth + 1))
			return -1;
		or_into(&o->acc, sub.acc);
		or_into(&o->drop, sub.drop);
		if (v->kind == RS_VERDICT_GOTO)
			or_into(&o->ret, sub.ret);
		put(cur, DIFF(*cur, m));
		if (v->kind == RS_VERDICT_JUMP)
			or_into(cur, sub.ret);
		outc_free(&sub);
		return 0;
	default:
		return 0;   /* continue */
	}
	put(cur, DIFF(*cur, m));
	return 0;
}

/*
 * Verdict v for the packets of *cur that meet the rule's conditions so far
 * (*cond) and also `where`; those leave the rule's conditions. Consumes
 * `where`.
 */
static int verdict_where(struct ctx *c, const struct rs_verdict *v, BDD where, BDD *cond,
			 BDD *cur, struct outc *o, int depth)
{
	BDD m = AND(*cur, *cond);
	int rc;

	and_into(&m, where);
	rc = apply_verdict(c, v, m, cur, o, depth);
	unref(m);
	put(cond, DIFF(*cond, where));
	unref(where);
	return rc;
}

static int unknown_verdicts(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
			    BDD *cond, BDD *cur, struct outc *o, int depth);

/*
 * A verdict map: each element's verdict on the packets its key takes. An
 * element whose data was not read as a verdict, and what a map filled at
 * run time may hold beyond its listed elements, may give any verdict: both
 * are kept possible (unknown_verdicts), never dropped silently.
 */
static int apply_vmap(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s, BDD m,
		      BDD *cur, struct outc *o, int depth)
{
	const struct rs_term *t = &s->u.vmap.map;
	const struct rs_elem *el = NULL;
	size_t n = 0;
	BDD left = ref(m);

	term_elems(t, &el, &n);
	for (size_t i = 0; i < n && left != bddfalse; i++) {
		struct pred_in in = { .op = RS_OP_EQ, .left = s->u.vmap.key, .right = &el[i].key,
				      .rule = rule, .stmt = s };
		BDD k, km;

		if (!el[i].data)
			continue;
		k = pred(c, &in, 0);
		if (k == (BDD)-1) {
			/* an element key we cannot model: it may or may not match */
			char key[96];
			int var;

			snprintf(key, sizeof(key), "vmap:%p:%zu", (const void *)s, i);
			var = hs_freevar(c->hs, key, HS_FV_UNKNOWN, -1,
					 "if a verdict map key not modelled matches",
					 "unless a verdict map key not modelled matches", rule);
			if (var < 0) {
				unref(left);
				return fail_oom(c);
			}
			k = ref(bdd_ithvar(var));
		}
		km = AND(left, k);
		unref(k);
		put(&left, DIFF(left, km));
		if (el[i].data->kind == RS_TERM_VERDICT ?
		    apply_verdict(c, &el[i].data->verdict, km, cur, o, depth) :
		    unknown_verdicts(c, rule, s, &km, cur, o, depth)) {
			unref(km);
			unref(left);
			return -1;
		}
		unref(km);
	}
	if (t->kind == RS_TERM_SETREF && t->set && set_is_dynamic(c, t->set) &&
	    unknown_verdicts(c, rule, s, &left, cur, o, depth)) {
		unref(left);
		return -1;
	}
	unref(left);
	return 0;
}

/*
 * tproxy (construct.h): TCP or UDP of the family it names, and a transparent
 * socket that takes the packet (both outcomes, said so).
 */
static BDD tproxy_cond(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	int fam = cx_tproxy_family(s);
	BDD tcp = hs_eq(c->hs, HS_L4PROTO, 6), udp = hs_eq(c->hs, HS_L4PROTO, 17);
	BDD r = unknown_match(c, rule, s, "whether a transparent socket takes it");

	or_into(&tcp, udp);
	unref(udp);
	and_into(&r, tcp);
	unref(tcp);
	if (fam) {
		BDD f = hs_eq(c->hs, HS_NFPROTO, fam == 6);

		and_into(&r, f);
		unref(f);
	}
	return r;
}

/*
 * ct expectation set (construct.h): a new connection goes on; a later packet
 * only if its connection has a ct helper (both outcomes, said so).
 */
static BDD expectation_cond(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	BDD later = hs_ct_state(c->hs, RS_CTSTATE_ESTABLISHED);
	BDD related = hs_ct_state(c->hs, RS_CTSTATE_RELATED);
	BDD helper = unknown_match(c, rule, s, "whether the connection has a ct helper");
	BDD r = hs_ct_state(c->hs, RS_CTSTATE_NEW);

	or_into(&later, related);
	unref(related);
	and_into(&helper, later);
	unref(later);
	or_into(&r, helper);
	unref(helper);
	return r;
}

/*
 * A link-layer write (construct.h: cx_no_link_header) in an ip, ip6 or inet
 * table ends its rule on a packet the host sends, at output and
 * postrouting; a received or forwarded one has a MAC header (a tunnel's is
 * empty, which nft_payload_set_eval does not check) and the rule goes on.
 */
static BDD link_write_cond(const struct ctx *c, const struct rs_rule *rule)
{
	enum rs_family f = rule->chain && rule->chain->table ? rule->chain->table->family :
			   RS_FAM_UNKNOWN;

	if (c->bridge_layer || (f != RS_FAM_IP && f != RS_FAM_IP6 && f != RS_FAM_INET))
		return bddtrue;
	return cx_no_link_header(c->hook, c->path == SX_OUTPUT) ? bddfalse : bddtrue;
}

static BDD stateful_cond(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	char per[160] = "";
	char *k;

	switch (s->kind) {
	case RS_ST_LIMIT:
	case RS_ST_QUOTA:
	case RS_ST_CT_COUNT:
		return var_bdd(stmt_var(c, rule, s, "", NULL));
	case RS_ST_OBJREF:
		if (s->u.objref.type && (!strcmp(s->u.objref.type, "limit") ||
					 !strcmp(s->u.objref.type, "quota")))
			return var_bdd(stmt_var(c, rule, s, "", NULL));
		return cx_stmt_needs_new_ct(s) ? expectation_cond(c, rule, s) : bddtrue;
	case RS_ST_SET:
		if (!s->u.set.nstmts || s->u.set.op == RS_SETOP_DELETE)
			return bddtrue;
		k = rs_expr_format(s->u.set.elem);
		snprintf(per, sizeof(per), " per %s (@%s)", k ? k : "key",
			 s->u.set.set_name ? s->u.set.set_name : "?");
		free(k);
		return attached_stmts(c, rule, s->u.set.stmts, s->u.set.nstmts, per);
	case RS_ST_METER:
		k = rs_expr_format(s->u.meter.key);
		snprintf(per, sizeof(per), " per %s (meter %s)", k ? k : "key",
			 s->u.meter.name ? s->u.meter.name : "?");
		free(k);
		return attached_stmts(c, rule, s->u.meter.stmts, s->u.meter.nstmts, per);
	case RS_ST_UNKNOWN:
	case RS_ST_XT:
	case RS_ST_SYNPROXY:
		return unknown_match(c, rule, s, "not modelled");
	case RS_ST_TPROXY:   /* no transparent socket ends the rule (construct.h) */
		return tproxy_cond(c, rule, s);
	case RS_ST_MANGLE:
		return cx_stmt_writes_link(s) ? link_write_cond(c, rule) : bddtrue;
	default:
		return bddtrue;
	}
}

/*
 * A statement the loader could not read (an unknown node, an iptables
 * compat expression, an anonymous chain that stayed text) may end the rule
 * with a verdict: accept and drop are both kept possible, each on a
 * variable of its own that exposure reports, and the rule goes on only
 * where neither is taken. *cond is the rule's condition so far.
 */
static int unknown_verdicts(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
			    BDD *cond, BDD *cur, struct outc *o, int depth)
{
	static const enum rs_verdict_kind kinds[] = { RS_VERDICT_ACCEPT, RS_VERDICT_DROP };
	char *txt = rs_stmt_format(s), at[300] = "";
	int rc = 0;

	if (rule->loc.file)
		snprintf(at, sizeof(at), " at %s:%d", rule->loc.file, rule->loc.line);
	for (size_t i = 0; i < 2 && !rc; i++) {
		struct rs_verdict v = { .kind = kinds[i] };
		const char *what = i ? "drops" : "accepts";
		char key[64], t[640], f[640];
		BDD var;

		snprintf(key, sizeof(key), "stmtv:%p:%zu", (const void *)s, i);
		snprintf(t, sizeof(t), "if %.300s%s %s (not modelled)", txt ? txt : "?", at, what);
		snprintf(f, sizeof(f), "unless %.300s%s %s (not modelled)", txt ? txt : "?", at, what);
		var = var_bdd(hs_freevar(c->hs, key, HS_FV_UNKNOWN, -1, t, f, rule));
		rc = verdict_where(c, &v, var, cond, cur, o, depth);
	}
	free(txt);
	return rc;
}

/* The packets that have a conntrack entry here: not invalid, not untracked. */
static BDD has_ct_entry(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	struct rs_expr state = { .kind = RS_EX_CT, .key = RS_CT_STATE, .dir = RS_CT_DIR_NONE };
	struct rs_term none = { .kind = RS_TERM_VALUE,
				.v = { .bits = 32, .num = RS_CTSTATE_INVALID | RS_CTSTATE_UNTRACKED } };
	struct pred_in in = { .op = RS_OP_NOT, .left = &state, .right = &none, .rule = rule,
			      .stmt = s };
	BDD p = pred(c, &in, 0);

	return p == (BDD)-1 ? unknown_match(c, rule, s, "conntrack entry not modelled") : p;
}

/* The packets whose key is in map x (a lookup that misses ends the rule). */
static BDD map_hit(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
		   const struct rs_expr *x)
{
	struct pred_in in = { .op = RS_OP_EQ, .rule = rule, .stmt = s };
	BDD p;

	if (x->nsub != 1 || !x->arg || (x->arg->kind == RS_TERM_SETREF && x->arg->set &&
					 set_is_dynamic(c, x->arg->set)))
		return unknown_match(c, rule, s, "whether the map has the key");
	in.left = x->sub[0];
	in.right = x->arg;
	p = pred(c, &in, 0);
	return p == (BDD)-1 ? unknown_match(c, rule, s, "whether the map has the key") : p;
}

/*
 * Where every value statement s loads exists (construct.h): a missed map
 * lookup or a ct key without an entry ends the rule before s acts.
 */
static BDD reads_load(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s)
{
	const struct rs_expr *reads[4], *parts[16];
	size_t nr = cx_stmt_reads(s, reads, 4);
	BDD r = bddtrue;

	for (size_t i = 0; i < nr && r != bddfalse; i++) {
		size_t np = cx_breaking_parts(reads[i], parts, 16);

		for (size_t k = 0; k < np && r != bddfalse; k++) {
			BDD x = cx_expr_break(parts[k]) == CX_BREAK_MISS ?
				map_hit(c, rule, s, parts[k]) : has_ct_entry(c, rule, s);

			and_into(&r, x);
			unref(x);
		}
	}
	return r;
}

/*
 * synproxy (construct.h): what is not TCP ends the rule; a SYN, and the ACK
 * that completes its handshake, are answered and stolen (accepted, for the
 * analysis: the port answers); any other TCP packet goes on (*cond). An IPv6
 * packet may be dropped first: nft_synproxy checks its TCP checksum with the
 * IPv4 routine, which fails unless the device verified it (both outcomes).
 */
static int synproxy_answers(struct ctx *c, const struct rs_rule *rule, const struct rs_stmt *s,
			    BDD *cond, BDD *cur, struct outc *o, int depth)
{
	struct rs_verdict acc = { .kind = RS_VERDICT_ACCEPT }, drop = { .kind = RS_VERDICT_DROP };
	BDD tcp = hs_eq(c->hs, HS_L4PROTO, 6);
	BDD answered = hs_masked_eq(c->hs, HS_TCPFLAGS, MATCH_TCP_SYN | MATCH_TCP_ACK, 0);
	BDD fails = unknown_match(c, rule, s, "an IPv6 packet fails its IPv4 checksum check, unless "
				  "the device verified it");
	BDD v6 = hs_eq(c->hs, HS_NFPROTO, 1);
	int rc;

	put(&answered, NOT(answered));
	and_into(cond, tcp);
	unref(tcp);
	and_into(&fails, v6);
	unref(v6);
	rc = verdict_where(c, &drop, fails, cond, cur, o, depth);
	if (rc) {
		unref(answered);
		return rc;
	}
	return verdict_where(c, &acc, answered, cond, cur, o, depth);
}

static int eval_rule(struct ctx *c, const struct rs_rule *rule, BDD *cur, struct outc *o,
		     int depth)
{
	struct sx_rule_info *info = rule_info(c, rule);
	BDD cond = bddtrue, m;
	const struct rs_stmt *term = NULL;

	if (info)
		or_into(&info->reach[c->path], *cur);
	for (size_t i = 0; i < rule->nitems && cond != bddfalse; i++) {
		const struct rs_stmt *s = &rule->items[i];
		BDD x;

		switch (cx_stmt_kind(s)) {
		case RS_ST_MATCH:
			x = match_bdd(c, rule, s);
			and_into(&cond, x);
			unref(x);
			break;
		case RS_ST_VERDICT:
		case RS_ST_VMAP:
		case RS_ST_REJECT:
		case RS_ST_QUEUE:
			term = s;
			break;
		case RS_ST_FWD:
			/* a device map that misses ends the rule: the packet goes on */
			x = reads_load(c, rule, s);
			and_into(&cond, x);
			unref(x);
			term = s;
			break;
		case RS_ST_NAT:
			/* nat rewrites the packet and ends its chain with accept */
			x = reads_load(c, rule, s);
			and_into(&cond, x);
			unref(x);
			x = AND(*cur, cond);
			note_dnat(c, rule, s, x);
			side_effect(c, s, x);
			unref(x);
			term = s;
			break;
		case RS_ST_MANGLE:
		case RS_ST_NOTRACK:
			x = reads_load(c, rule, s);
			and_into(&cond, x);
			unref(x);
			if (cx_stmt_needs_tcp(s)) {
				x = hs_eq(c->hs, HS_L4PROTO, 6);
				and_into(&cond, x);
				unref(x);
			}
			if (cx_stmt_writes_link(s)) {
				x = link_write_cond(c, rule);
				and_into(&cond, x);
				unref(x);
			}
			x = AND(*cur, cond);
			side_effect(c, s, x);
			unref(x);
			break;
		case RS_ST_SYNPROXY:
			x = reads_load(c, rule, s);   /* a named one's name from a map */
			and_into(&cond, x);
			unref(x);
			if (synproxy_answers(c, rule, s, &cond, cur, o, depth)) {
				unref(cond);
				return -1;
			}
			break;
		case RS_ST_UNKNOWN:
		case RS_ST_XT:
			if (unknown_verdicts(c, rule, s, &cond, cur, o, depth)) {
				unref(cond);
				return -1;
			}
			x = stateful_cond(c, rule, s);
			and_into(&cond, x);
			unref(x);
			break;
		default:
			x = reads_load(c, rule, s);
			and_into(&cond, x);
			unref(x);
			x = stateful_cond(c, rule, s);
			and_into(&cond, x);
			unref(x);
			break;
		}
		if (term)
			break;
	}
	if (info)
		or_into(&info->match[c->path], cond);
	m = AND(*cur, cond);
	unref(cond);
	if (c->failed || c->hs->bdd_error) {
		unref(m);
		return -1;
	}
	if (term && m != bddfalse) {
		struct rs_verdict v = { .kind = RS_VERDICT_DROP };
		int rc = 0;

		if (term->kind == RS_ST_VERDICT)
			rc = apply_verdict(c, &term->u.verdict, m, cur, o, depth);
		else if (term->kind == RS_ST_VMAP)
			rc = apply_vmap(c, rule, term, m, cur, o, depth);
		else {
			if (term->kind == RS_ST_QUEUE || term->kind == RS_ST_NAT ||
			    term->kind == RS_ST_FWD)
				v.kind = RS_VERDICT_ACCEPT;
			if (term->kind == RS_ST_FWD)
				or_into(&c->left, m);
			rc = apply_verdict(c, &v, m, cur, o, depth);
		}
		unref(m);
		return rc;
	}
	unref(m);
	return 0;
}

/* ---- runs of plain rules ------------------------------------------------------------- */

/*
 * A rule whose only effect is its verdict: matches (counters and logs
 * change no packet) ending in accept or drop. 0 when it is not one.
 */
static enum rs_verdict_kind plain_verdict(const struct rs_rule *rule)
{
	const struct rs_stmt *last = rule->nitems ? &rule->items[rule->nitems - 1] : NULL;

	if (!last || last->kind != RS_ST_VERDICT ||
	    (last->u.verdict.kind != RS_VERDICT_ACCEPT && last->u.verdict.kind != RS_VERDICT_DROP))
		return RS_VERDICT_NONE;
	for (size_t i = 0; i + 1 < rule->nitems; i++) {
		enum rs_stmt_kind k = rule->items[i].kind;

		if (k != RS_ST_MATCH && k != RS_ST_COUNTER && k != RS_ST_LOG)
			return RS_VERDICT_NONE;
	}
	return last->u.verdict.kind;
}

/* How many plain rules from ch->rules[i] on share one verdict. */
static size_t plain_run(const struct rs_chain *ch, size_t i, enum rs_verdict_kind *v)
{
	size_t n = 0;

	*v = plain_verdict(&ch->rules[i]);
	while (*v != RS_VERDICT_NONE && i + n < ch->nrules && plain_verdict(&ch->rules[i + n]) == *v)
		n++;
	return n;
}

static BDD plain_cond(struct ctx *c, const struct rs_rule *rule)
{
	BDD cond = bddtrue;

	for (size_t i = 0; i < rule->nitems && cond != bddfalse; i++) {
		if (rule->items[i].kind == RS_ST_MATCH) {
			BDD x = match_bdd(c, rule, &rule->items[i]);

			and_into(&cond, x);
			unref(x);
		}
	}
	return cond;
}

/*
 * n plain rules with one verdict, at once: the first of them to match
 * gives the same verdict as any other would, so the packets they take are
 * those of cur that match any of them. Rule by rule, cur and the verdict's
 * region grew at every rule (three operations on large BDDs each); here the
 * conditions are joined in a balanced tree and applied once.
 */
static int eval_run(struct ctx *c, const struct rs_rule *rules, size_t n,
		    enum rs_verdict_kind kind, BDD *cur, struct outc *o, int depth)
{
	struct rs_verdict v = { .kind = kind };
	BDD *conds = malloc(n * sizeof(*conds)), any, m;
	int rc;

	if (!conds)
		return fail_oom(c);
	for (size_t i = 0; i < n; i++)
		conds[i] = plain_cond(c, &rules[i]);
	any = or_tree(conds, n);
	free(conds);
	m = AND(*cur, any);
	unref(any);
	if (c->failed || c->hs->bdd_error) {
		unref(m);
		return -1;
	}
	rc = apply_verdict(c, &v, m, cur, o, depth);
	unref(m);
	return rc;
}

/* Runs are taken at once unless the caller wants each rule's own reach (lint). */
static bool runs_allowed(const struct ctx *c)
{
	return !(c->res && c->res->rules) && !(c->opts && c->opts->skip);
}

static int eval_chain(struct ctx *c, const struct rs_chain *ch, BDD in, struct outc *o, int depth)
{
	BDD cur = ref(in);

	o->acc = o->drop = o->ret = bddfalse;
	if (depth > MAX_DEPTH) {
		unref(cur);
		xerr_set(c->e, XNFT_EXIT_FINDINGS, "chain %s: jumps nest deeper than %d (a loop?)",
			 ch->name, MAX_DEPTH);
		c->failed = 1;
		return -1;
	}
	for (size_t i = 0; i < ch->nrules && cur != bddfalse;) {
		enum rs_verdict_kind v;
		size_t n = runs_allowed(c) ? plain_run(ch, i, &v) : 0;
		int rc;

		if (c->opts && c->opts->skip == &ch->rules[i]) {
			i++;
			continue;
		}
		if (n >= 2) {
			rc = eval_run(c, &ch->rules[i], n, v, &cur, o, depth);
			i += n;
		} else {
			rc = eval_rule(c, &ch->rules[i], &cur, o, depth);
			i++;
		}
		if (rc) {
			unref(cur);
			outc_free(o);
			return -1;
		}
	}
	or_into(&o->ret, cur);
	unref(cur);
	return 0;
}

/* ---- hooks and paths --------------------------------------------------------------- */

struct basech {
	const struct rs_chain *ch;
	size_t order;
};

static int base_cmp(const void *pa, const void *pb)
{
	const struct basech *a = pa, *b = pb;

	if (a->ch->prio != b->ch->prio)
		return a->ch->prio < b->ch->prio ? -1 : 1;
	/* equal priority: the hook registered last runs first (the listing's reverse) */
	return a->order > b->order ? -1 : a->order < b->order;
}

bool sx_family_modelled(enum rs_family f)
{
	return f == RS_FAM_IP || f == RS_FAM_IP6 || f == RS_FAM_INET || f == RS_FAM_NETDEV;
}

bool sx_chain_modelled(const struct rs_chain *ch)
{
	const struct rs_table *t = ch->table;

	if (t->family != RS_FAM_BRIDGE)
		return sx_family_modelled(t->family);
	/* forward: frames bridged from port to port, on the bridged path */
	return true;
}

bool sx_rule_may_stop(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++)
		if (r->items[i].kind != RS_ST_MATCH && cx_stmt_may_stop(&r->items[i]))
			return true;
	return false;
}

static bool family_ok(enum rs_family f, enum rs_hook hook, enum bridge_way bridge)
{
	/* a frame on a bridge port: up before the IP layer (br_input.c), down after it */
	if (bridge == BR_UP)
		return f == RS_FAM_BRIDGE && (hook == RS_HOOK_PREROUTING || hook == RS_HOOK_INPUT);
	if (bridge == BR_DOWN)
		return f == RS_FAM_BRIDGE && (hook == RS_HOOK_OUTPUT || hook == RS_HOOK_POSTROUTING);
	/* bridged from port to port (br_forward.c): the ports' ingress and egress too */
	if (bridge == BR_ACROSS && hook != RS_HOOK_INGRESS && hook != RS_HOOK_EGRESS)
		return f == RS_FAM_BRIDGE && (hook == RS_HOOK_PREROUTING ||
					      hook == RS_HOOK_FORWARD ||
					      hook == RS_HOOK_POSTROUTING);
	if (hook == RS_HOOK_INGRESS || hook == RS_HOOK_EGRESS)
		return f == RS_FAM_NETDEV || (f == RS_FAM_INET && hook == RS_HOOK_INGRESS);
	return f == RS_FAM_IP || f == RS_FAM_IP6 || f == RS_FAM_INET;
}

static bool wanted(const struct rs_table *t, const struct rs_chain *ch, enum rs_hook hook,
		   enum bridge_way bridge)
{
	/* a dormant table's base chains are not attached to their hooks */
	return ch->base && ch->hook == hook && !t->dormant && family_ok(t->family, hook, bridge);
}

static size_t base_chains(const struct ruleset *rs, enum rs_hook hook, enum bridge_way bridge,
			  struct basech **out)
{
	size_t n = 0, k = 0;
	struct basech *v;

	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t i = 0; i < rs->tables[t]->nchains; i++)
			if (wanted(rs->tables[t], rs->tables[t]->chains[i], hook, bridge))
				n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return (size_t)-1;
	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t i = 0; i < rs->tables[t]->nchains; i++)
			if (wanted(rs->tables[t], rs->tables[t]->chains[i], hook, bridge)) {
				v[k].ch = rs->tables[t]->chains[i];
				v[k].order = k;
				k++;
			}
	if (n > 1)
		qsort(v, n, sizeof(*v), base_cmp);
	*out = v;
	return n;
}

/* Loopback destinations from an interface other than lo, of one family (natpath.h). */
static BDD martians(struct hspace *hs, bool v6)
{
	BDD r = v6 ? hs_eq(hs, HS_DADDR, 1) :
		     hs_masked_eq(hs, HS_DADDR, (u128)0xff << 120, (u128)127 << 120);
	BDD x = hs_eq(hs, HS_NFPROTO, v6);

	and_into(&r, x);
	unref(x);
	/* lines that split on it can name it */
	hs_atom_add(hs, HS_DADDR, r, v6 ? "ip6 daddr ::1" : "ip daddr 127.0.0.0/8",
		    v6 ? "ip6 daddr != ::1" : "ip daddr != 127.0.0.0/8", v6 ? "::1" : "127.0.0.0/8");
	/* lo's class: lo itself, or what a name no rule names falls in */
	x = hs_eq(hs, HS_IIF, hs_iface_index(hs, "lo"));
	put(&r, DIFF(r, x));
	unref(x);
	return r;
}

/* The path's packets; with_v4_martians: also those prerouting sees before they are dropped. */
BDD path_domain(struct hspace *hs, enum sx_path p, bool with_v4_martians)
{
	BDD d = ref(hs->universe), x;

	/* bridged: no routing, so no martian or ttl check (br_forward.c) */
	x = p == SX_BRIDGED ? hs_bridged_pairs(hs) : hs_ip_ifaces(hs);
	and_into(&d, x);
	unref(x);
	if (p == SX_BRIDGED)
		return d;
	/* the kernel drops martians (IPv6 before prerouting, IPv4 after it) */
	if (p != SX_OUTPUT) {
		x = martians(hs, true);
		put(&d, DIFF(d, x));
		unref(x);
		x = with_v4_martians ? bddfalse : martians(hs, false);
		put(&d, DIFF(d, x));
		unref(x);
	}

	if (p == SX_INPUT) {
		x = hs_eq(hs, HS_OIF, 0);
		and_into(&d, x);
		unref(x);
	} else if (p == SX_OUTPUT) {
		x = hs_eq(hs, HS_IIF, 0);
		and_into(&d, x);
		unref(x);
	} else {
		/* ip_forward() drops what would leave with a ttl / hop limit of 0 */
		x = hs_range(hs, HS_TTL, 2, 255);
		and_into(&d, x);
		unref(x);
	}
	return d;
}

/* nat chains see the first packet of a connection: new, or related when not ICMP. */
static BDD nat_sees(struct hspace *hs)
{
	BDD r = hs_ct_state(hs, RS_CTSTATE_NEW), rel = hs_ct_state(hs, RS_CTSTATE_RELATED), x;

	x = hs_eq(hs, HS_L4PROTO, 1);
	put(&rel, DIFF(rel, x));
	unref(x);
	x = hs_eq(hs, HS_L4PROTO, 58);
	put(&rel, DIFF(rel, x));
	unref(x);
	or_into(&r, rel);
	unref(rel);
	return r;
}

/*
 * The packets whose interface is one the chain is bound to (ingress,
 * egress); port_only: a frame bridged on meets its ports' hooks, never the
 * bridge device's (it does not go up through the bridge).
 */
static BDD bound_to(struct hspace *hs, const struct rs_chain *ch, enum hs_field f, bool port_only)
{
	BDD r = bddfalse;

	/*
	 * A listing without devices: nft 1.0.6's JSON never lists a netdev or
	 * inet ingress chain's devices, and nft refuses such a chain without
	 * one, so they are not known: taken as bound to the packet's interface,
	 * whatever its name (one a rule names or not), as the tracer takes it
	 * and says. At ingress and egress the interface is always present.
	 */
	if (!ch->ndevices)
		return bddtrue;

	for (size_t d = 0; d < ch->ndevices; d++) {
		size_t i = hs_iface_index(hs, ch->devices[d]);
		BDD x;

		if (i == 0 || hs->ifs[i].pattern)
			continue;
		x = hs_eq(hs, f, i);
		or_into(&r, x);
		unref(x);
		/* through a bridge port: the port's ingress and the bridge's (egress too) */
		for (size_t k = hs->nplain; k < hs->nifs; k++)
			if ((hs->ifs[k].bridge == i && !port_only) || hs->ifs[k].port == i) {
				x = hs_eq(hs, f, k);
				or_into(&r, x);
				unref(x);
			}
	}
	return r;
}

static int run_base(struct ctx *c, const struct rs_chain *ch, BDD *alive, BDD *dropped)
{
	enum rs_family fam = ch->table->family;
	BDD sees = ref(*alive), x, gone;
	struct outc o;

	if (fam == RS_FAM_IP || fam == RS_FAM_IP6) {
		x = hs_eq(c->hs, HS_NFPROTO, fam == RS_FAM_IP6);
		and_into(&sees, x);
		unref(x);
	}
	if (ch->type && !strcmp(ch->type, "nat")) {
		x = nat_sees(c->hs);
		and_into(&sees, x);
		unref(x);
	}
	if (ch->hook == RS_HOOK_INGRESS || ch->hook == RS_HOOK_EGRESS) {
		x = bound_to(c->hs, ch, ch->hook == RS_HOOK_INGRESS ? HS_IIF : HS_OIF,
			     c->bridge_layer == BR_ACROSS);
		and_into(&sees, x);
		unref(x);
	}
	c->hook = ch->hook;
	c->ttl_dec = c->path == SX_FORWARD && (ch->hook == RS_HOOK_FORWARD ||
					       ch->hook == RS_HOOK_POSTROUTING ||
					       ch->hook == RS_HOOK_EGRESS);
	/* down to a bridge port the IP layer's conntrack has been */
	c->before_conntrack = ch->hook == RS_HOOK_INGRESS ||
			      ((ch->hook == RS_HOOK_PREROUTING || ch->hook == RS_HOOK_OUTPUT) &&
			       ch->prio < CONNTRACK_PRIO && c->bridge_layer != BR_DOWN);
	if (eval_chain(c, ch, sees, &o, 0)) {
		unref(sees);
		return -1;
	}
	unref(sees);
	gone = ref(o.drop);
	if (ch->policy == RS_POLICY_DROP)
		or_into(&gone, o.ret);
	outc_free(&o);
	or_into(dropped, gone);
	put(alive, DIFF(*alive, gone));
	unref(gone);
	return 0;
}

/*
 * With conntrack loaded, defragmentation runs at -400 of prerouting and
 * output: a fragment goes no further on its own (symexec.h).
 */
static void hold_fragments(struct ctx *c, BDD *alive, BDD *held, bool v4, bool v6)
{
	BDD whole = hs_masked_eq(c->hs, HS_FRAGOFF, 0x3fff, 0);
	BDD frag = DIFF(*alive, whole);

	if (!v4 || !v6) {
		/* only the families whose conntrack (and defragmentation) is loaded */
		BDD fam = hs_eq(c->hs, HS_NFPROTO, v6 ? 1 : 0);

		put(&frag, v4 || v6 ? AND(frag, fam) : bddfalse);
		unref(fam);
		put(&whole, NOT(frag));
	}

	or_into(held, frag);
	put(alive, AND(*alive, whole));
	unref(frag);
	unref(whole);
	/* the "reassembled" atomic fragment goes on without its header (trace.c) */
	c->frag6_stripped |= v6;
}

/*
 * Whether hook reassembles fragments, from priority *prio on: the IP
 * layer's defragmentation at -400 of prerouting and output where conntrack
 * is loaded; on a bridge port only nf_conntrack_bridge's, in its conntrack
 * hook at -200 of bridge prerouting, for both families (the IP layer's
 * never sees a frame there: br_netfilter is not loaded). As the tracer.
 */
static bool defrag_at(const struct ctx *c, enum rs_hook hook, int *prio, bool *v4, bool *v6)
{
	if (c->bridge_layer) {
		*prio = CONNTRACK_PRIO;
		*v4 = *v6 = true;
		return c->ct_br && c->bridge_layer != BR_DOWN && hook == RS_HOOK_PREROUTING;
	}
	*prio = DEFRAG_PRIO;
	*v4 = c->ct4;
	*v6 = c->ct6;
	return c->uses_ct && (hook == RS_HOOK_PREROUTING || hook == RS_HOOK_OUTPUT);
}

static int run_hook(struct ctx *c, enum rs_hook hook, BDD *alive, BDD *dropped, BDD *held)
{
	int defrag_prio;
	bool v4, v6, defrag = defrag_at(c, hook, &defrag_prio, &v4, &v6);
	struct basech *v;
	size_t n = base_chains(c->rs, hook, c->bridge_layer, &v);

	if (n == (size_t)-1)
		return fail_oom(c);
	c->after_defrag = false;
	if (hook == RS_HOOK_INPUT && !c->bridge_layer) {
		/* ip_local_deliver() reassembles IPv4 before the input hook, conntrack or not */
		BDD v4 = hs_eq(c->hs, HS_NFPROTO, 0), only = AND(*alive, v4), rest = DIFF(*alive, v4);

		hold_fragments(c, &only, held, true, false);
		put(alive, OR(only, rest));
		unref(only);
		unref(rest);
		unref(v4);
	}
	for (size_t i = 0; i < n; i++) {
		if (c->windowed && (v[i].ch->prio < c->prio_lo || v[i].ch->prio > c->prio_hi))
			continue;
		if (defrag && v[i].ch->prio >= defrag_prio) {
			hold_fragments(c, alive, held, v4, v6);
			defrag = false;
		}
		if (run_base(c, v[i].ch, alive, dropped)) {
			free(v);
			return -1;
		}
		if (c->left != bddfalse)
			put(alive, DIFF(*alive, c->left));
	}
	if (defrag)
		hold_fragments(c, alive, held, v4, v6);
	free(v);
	return 0;
}

/* ---- the NAT path (natpath.h) ------------------------------------------------------- */

/* The variables a cut rewrites: the packets' values there are forgotten. */
static BDD cut_cube(struct hspace *hs, const struct natpath_target *t, bool daddr, bool oif)
{
	BDD cube = bddtrue, x;

	if (t->has_addr || daddr) {
		x = hs_field_set(hs, HS_DADDR);
		and_into(&cube, x);
		unref(x);
	}
	if (t->has_port) {
		x = hs_field_set(hs, HS_DPORT);
		and_into(&cube, x);
		unref(x);
	}
	if (oif) {
		x = hs_field_set(hs, HS_OIF);
		and_into(&cube, x);
		unref(x);
	}
	return cube;
}

/* r with the target's destination written in (cube: what is forgotten first). */
static BDD retarget(struct ctx *c, BDD r, BDD cube, const struct natpath_target *t)
{
	BDD n = ref(bdd_exist(r, cube)), x;

	if (t->has_addr) {
		u128 a = 0;

		for (unsigned b = 0; b < 16; b++)
			a = (a << 8) | t->addr[b];
		x = hs_eq(c->hs, HS_DADDR, a);
		and_into(&n, x);
		unref(x);
	}
	if (t->has_port) {
		x = hs_eq(c->hs, HS_DPORT, t->port);
		and_into(&n, x);
		unref(x);
	}
	and_into(&n, c->hs->universe);
	return n;
}

/* The branch's state: what rules did to the packets of r, in the new coordinates. */
static void state_enter(struct ctx *c, struct sxstate *sv, BDD r, BDD cube,
			const struct natpath_target *t, bool status)
{
	BDD x;

	sv->marks = c->marks;
	sv->nmarks = c->nmarks;
	memcpy(sv->rewritten, c->rewritten, sizeof(sv->rewritten));
	sv->notrack = c->notrack;
	sv->left = c->left;
	sv->dnat = c->dnat;
	sv->snat = c->snat;
	c->marks = sv->nmarks ? calloc(sv->nmarks, sizeof(*c->marks)) : NULL;
	c->nmarks = c->marks ? sv->nmarks : 0;
	if (sv->nmarks && !c->marks)
		fail_oom(c);
	for (size_t i = 0; i < c->nmarks; i++) {
		x = AND(sv->marks[i].region, r);
		c->marks[i] = sv->marks[i];
		c->marks[i].region = retarget(c, x, cube, t);
		unref(x);
	}
	for (int f = 0; f < HS__NFIELDS; f++) {
		x = AND(sv->rewritten[f], r);
		/* the destination is exact now */
		c->rewritten[f] = f == HS_DADDR || f == HS_DPORT ? bddfalse : retarget(c, x, cube, t);
		unref(x);
	}
	x = AND(sv->notrack, r);
	c->notrack = retarget(c, x, cube, t);
	unref(x);
	c->left = bddfalse;
	c->dnat = status ? bddtrue : bddfalse;
	c->snat = bddfalse;   /* no source binding before prerouting ends */
}

static void state_leave(struct ctx *c, struct sxstate *sv)
{
	for (size_t i = 0; i < c->nmarks; i++)
		unref(c->marks[i].region);
	free(c->marks);
	for (int f = 0; f < HS__NFIELDS; f++)
		unref(c->rewritten[f]);
	unref(c->notrack);
	unref(c->left);
	unref(c->snat);
	c->marks = sv->marks;
	c->nmarks = sv->nmarks;
	memcpy(c->rewritten, sv->rewritten, sizeof(c->rewritten));
	c->notrack = sv->notrack;
	c->left = sv->left;
	c->dnat = sv->dnat;
	c->snat = sv->snat;
}

static int run_hooks(struct ctx *c, const enum rs_hook *hooks, BDD *alive, BDD *dropped,
		     BDD *held)
{
	for (size_t h = 0; hooks[h] != RS_HOOK_NONE; h++)
		if (run_hook(c, hooks[h], alive, dropped, held))
			return -1;
	return 0;
}

/*
 * br_handle_frame(): a frame that arrived through a bridge port meets the
 * bridge family's prerouting and input chains (iif the port, ibrname the
 * bridge, no output device) before it goes up as received on the bridge
 * (br_pass_frame_up), routed to this host or forwarded. br_dev_xmit(): a
 * packet the IP layer sends out by a bridge meets bridge output and
 * postrouting (oif the port, obrname the bridge, no input device).
 */
static int run_bridge(struct ctx *c, enum bridge_way way, BDD *alive, BDD *dropped, BDD *held)
{
	static const enum rs_hook up[] = { RS_HOOK_PREROUTING, RS_HOOK_INPUT, RS_HOOK_NONE };
	static const enum rs_hook down[] = { RS_HOOK_OUTPUT, RS_HOOK_POSTROUTING, RS_HOOK_NONE };
	BDD via = hs_via_port(c->hs, way == BR_UP ? HS_IIF : HS_OIF), on = AND(*alive, via);
	bool iifp = c->iif_present, oifp = c->oif_present;
	int rc;

	unref(via);
	if (on == bddfalse)
		return 0;
	put(alive, DIFF(*alive, on));
	c->bridge_layer = way;
	c->iif_present = way == BR_UP;
	c->oif_present = way == BR_DOWN;
	rc = run_hooks(c, way == BR_UP ? up : down, &on, dropped, held);
	c->bridge_layer = BR_NONE;
	c->iif_present = iifp;
	c->oif_present = oifp;
	or_into(alive, on);
	unref(on);
	return rc;
}

static int add_nat(struct ctx *c, const struct natcut *k, enum sx_path from, bool local,
		   bool assumed, BDD accept)
{
	struct sx_result *res = c->res;
	struct sx_nat *v = realloc(res->nat, (res->nnat + 1) * sizeof(*v));

	if (!v)
		return fail_oom(c);
	res->nat = v;
	v[res->nnat++] = (struct sx_nat){ k->rule, k->t, from, local ? SX_INPUT : SX_FORWARD,
					  assumed, ref(accept) };
	return 0;
}

/* x, judged in the new coordinates, back over the packets r as they arrived. */
static void back(BDD *x, BDD cube, BDD r)
{
	BDD y = ref(bdd_exist(*x, cube));

	put(x, AND(y, r));
	unref(y);
}

/*
 * The packets r of cut k, routed to this host (local) or forwarded: judged
 * in their new coordinates, the verdicts taken back to the packets as they
 * arrived and added to acc/dropped/held.
 */
static int run_cut(struct ctx *c, enum sx_path from, const struct natcut *k, BDD r, bool local,
		   bool assumed, bool status, BDD *acc, BDD *dropped, BDD *held)
{
	static const enum rs_hook in[] = { RS_HOOK_INPUT, RS_HOOK_NONE };
	static const enum rs_hook fw[] = { RS_HOOK_FORWARD, RS_HOOK_POSTROUTING, RS_HOOK_EGRESS,
					   RS_HOOK_NONE };
	bool daddr = k->t.redirect && from != SX_INPUT;
	enum sx_path path = c->path;
	bool iifp = c->iif_present, oifp = c->oif_present;
	BDD cube = cut_cube(c->hs, &k->t, daddr, !local);
	BDD a = retarget(c, r, cube, &k->t), d = bddfalse, h = bddfalse, x;
	struct sxstate sv;
	int rc;

	/* a dnat to a loopback address from another interface: a martian now */
	x = martians(c->hs, k->t.v6);
	put(&a, DIFF(a, x));
	unref(x);
	if (!local) {
		x = hs_range(c->hs, HS_TTL, 2, 255);
		and_into(&a, x);
		unref(x);
	}
	if (r == bddfalse) {
		unref(a);
		unref(cube);
		return 0;
	}
	state_enter(c, &sv, r, cube, &k->t, status);
	c->path = local ? SX_INPUT : SX_FORWARD;
	c->iif_present = true;
	c->oif_present = !local;
	rc = run_hooks(c, local ? in : fw, &a, &d, &h);
	if (!rc && !local)
		rc = run_bridge(c, BR_DOWN, &a, &d, &h);
	or_into(&a, c->left);
	state_leave(c, &sv);
	c->path = path;
	c->iif_present = iifp;
	c->oif_present = oifp;
	back(&a, cube, r);
	back(&d, cube, r);
	back(&h, cube, r);
	if (!rc)
		rc = add_nat(c, k, from, local, assumed, a);
	or_into(acc, a);
	or_into(dropped, d);
	or_into(held, h);
	unref(a);
	unref(d);
	unref(h);
	unref(cube);
	return rc;
}

/*
 * The packets r of cut k, with or without ct status dnat (status), routed
 * where the target says; when it is not known whether the target is one
 * of this host's addresses, that is a free choice, reported, and both
 * routes are judged.
 */
/* The free choice "the target is one of this host's addresses" (not known). */
static BDD natlocal_var(struct ctx *c, const struct natcut *k)
{
	char key[64], to[64], t[160], f[160];
	int var;

	natpath_target_format(&k->t, to, sizeof(to));
	snprintf(key, sizeof(key), "natlocal:%p", (const void *)k->stmt);
	snprintf(t, sizeof(t), "if the dnat target %s is this host (--local-addr not given)", to);
	snprintf(f, sizeof(f), "unless the dnat target %s is this host (--local-addr not given)",
		 to);
	var = hs_freevar(c->hs, key, HS_FV_UNKNOWN, -1, t, f, k->rule);
	if (var < 0)
		fail_oom(c);
	return var_bdd(var);
}

static int route_cut(struct ctx *c, enum sx_path p, const struct natcut *k, BDD r, bool status,
		     BDD *acc, BDD *dropped, BDD *held)
{
	enum natpath_where w = natpath_route(c->rs, &k->t, p == SX_INPUT);
	int rc;
	BDD v, x;

	if (w != NATPATH_EITHER)
		return run_cut(c, p, k, r, w == NATPATH_LOCAL, false, status, acc, dropped, held);
	v = natlocal_var(c, k);
	if (c->failed)
		return -1;
	x = AND(r, v);
	rc = run_cut(c, p, k, x, true, true, status, acc, dropped, held);
	unref(x);
	x = DIFF(r, v);
	if (!rc)
		rc = run_cut(c, p, k, x, false, true, status, acc, dropped, held);
	unref(x);
	unref(v);
	return rc;
}

/*
 * The packets of cut k whose destination the target changes: only those
 * get ct status dnat (natpath_changes(), here over all packets at once).
 */
static BDD cut_changes(struct ctx *c, const struct natcut *k, enum sx_path p)
{
	BDD ch = bddfalse, x;

	if (k->t.has_port) {
		x = hs_eq(c->hs, HS_DPORT, k->t.port);
		put(&ch, NOT(x));
		unref(x);
	}
	if (k->t.has_addr) {
		enum natpath_where w = natpath_route(c->rs, &k->t, p == SX_INPUT);
		u128 a = 0;

		for (unsigned b = 0; b < 16; b++)
			a = (a << 8) | k->t.addr[b];
		x = hs_eq(c->hs, HS_DADDR, a);
		put(&x, NOT(x));
		/* what was addressed to this host cannot have had a remote target's address */
		if (p == SX_INPUT && w == NATPATH_REMOTE) {
			put(&x, bddtrue);
		} else if (p == SX_INPUT && w == NATPATH_EITHER) {
			BDD v = natlocal_var(c, k), nv = NOT(v);

			put(&x, OR(x, nv));
			unref(nv);
			unref(v);
		}
		or_into(&ch, x);
		unref(x);
	} else if (k->t.redirect && p != SX_INPUT) {
		put(&ch, bddtrue);
	} else if (k->t.redirect) {
		char key[64];
		int var;

		snprintf(key, sizeof(key), "natsame:%p", (const void *)k->stmt);
		var = hs_freevar(c->hs, key, HS_FV_UNKNOWN, -1,
				 "if it was not sent to its input interface's first address (the "
				 "redirect then sets ct status dnat)",
				 "if it was sent to its input interface's first address (the "
				 "redirect then leaves ct status as it is)", k->rule);
		if (var < 0)
			fail_oom(c);
		x = var_bdd(var);
		or_into(&ch, x);
		unref(x);
	}
	return ch;
}

/* The routing decision after prerouting: martians dropped, NAT'd packets routed again. */
static int route_again(struct ctx *c, enum sx_path p, BDD *alive, BDD *dropped, BDD *held,
		       BDD *acc)
{
	BDD m = martians(c->hs, false);

	put(alive, DIFF(*alive, m));
	unref(m);
	for (size_t i = 0; i < c->ncuts; i++) {
		const struct natcut *k = &c->cuts[i];
		BDD r = AND(k->region, *alive), ch, x;
		int rc;

		if (r == bddfalse)
			continue;
		put(alive, DIFF(*alive, r));
		ch = cut_changes(c, k, p);
		x = AND(r, ch);
		rc = route_cut(c, p, k, x, true, acc, dropped, held);
		unref(x);
		x = DIFF(r, ch);
		if (!rc)
			rc = route_cut(c, p, k, x, false, acc, dropped, held);
		unref(x);
		unref(ch);
		unref(r);
		if (rc)
			return -1;
	}
	return 0;
}

/*
 * The bridged frames br_netfilter hands to the IP hooks: those of a family
 * whose bridge-nf-call-iptables (-ip6tables) is 1 (ruleset_brnf); on a
 * file, where the host is not known, a free variable says whether it is.
 */
static BDD brnf_region(struct ctx *c)
{
	BDD r = bddfalse;

	for (int v6 = 0; v6 < 2; v6++) {
		enum rs_brnf b = ruleset_brnf(c->rs, v6);
		BDD fam, x;
		int var;

		if (b == RS_BRNF_OFF)
			continue;
		fam = hs_eq(c->hs, HS_NFPROTO, v6);
		if (b == RS_BRNF_UNKNOWN) {
			var = hs_freevar(c->hs, "br_netfilter", HS_FV_HOST, -1,
					 "if br_netfilter is loaded (bridge-nf-call-iptables=1)",
					 "if br_netfilter is not loaded", NULL);
			if (var < 0) {
				fail_oom(c);
				unref(fam);
				return r;
			}
			x = var_bdd(var);
			and_into(&fam, x);
			unref(x);
		}
		or_into(&r, fam);
		unref(fam);
	}
	return r;
}

/*
 * br_netfilter's IP hook at its step of bridged.h: a drop drops the
 * frame, the bridge chains after it run when br_netfilter resumes the
 * frame. IP prerouting sees iif the bridge and no oif, forward
 * iif and oif the bridge, postrouting oif the bridge and no iif; its
 * defragmentation and conntrack run as on the IP paths; no routing and no
 * ttl decrement (ip_forward() does not run).
 */
static int run_bridged_ip(struct ctx *c, enum rs_hook hook, BDD region, BDD *alive,
			  BDD *dropped, BDD *held)
{
	BDD on = AND(*alive, region);
	int rc;

	if (on == bddfalse)
		return 0;
	put(alive, DIFF(*alive, on));
	c->bridge_layer = BR_NONE;
	c->iif_present = hook != RS_HOOK_POSTROUTING;
	c->oif_present = hook != RS_HOOK_PREROUTING;
	rc = run_hook(c, hook, &on, dropped, held);
	c->bridge_layer = BR_ACROSS;
	or_into(alive, on);
	unref(on);
	return rc;
}

/*
 * br_handle_frame() -> br_forward(): a frame bridged from one port to
 * another meets the in port's ingress, bridge prerouting (iif the port),
 * forward (iif and oif the ports), postrouting (oif only: __br_forward
 * passes no input device on), the out port's egress, and the IP hooks
 * only through br_netfilter (run_bridged_ip); ibrname/obrname name the
 * bridge where their port is present. No routing, no ttl decrement, no IP
 * defragmentation at a bridge hook (nf_conntrack_bridge's only:
 * defrag_at). ct state is the packet's own (its field), invalid before
 * conntrack's priority in prerouting, as the tracer takes it.
 */
static int run_bridged(struct ctx *c)
{
	BDD alive = path_domain(c->hs, SX_BRIDGED, false), dropped = bddfalse, held = bddfalse;
	BDD brnf = brnf_region(c);
	int rc = 0;

	c->path = SX_BRIDGED;
	c->bridge_layer = BR_ACROSS;
	for (size_t i = 0; !rc && !c->failed && i < bridged_nsteps; i++) {
		const struct bridged_step *st = &bridged_steps[i];

		if (st->ip) {
			rc = run_bridged_ip(c, st->hook, brnf, &alive, &dropped, &held);
			continue;
		}
		/* br_forward.c: no output device before forward, no input device after it */
		c->iif_present = st->hook != RS_HOOK_POSTROUTING && st->hook != RS_HOOK_EGRESS;
		c->oif_present = st->hook != RS_HOOK_INGRESS && st->hook != RS_HOOK_PREROUTING;
		c->windowed = true;
		c->prio_lo = st->lo;
		c->prio_hi = st->hi;
		rc = run_hook(c, st->hook, &alive, &dropped, &held);
		c->windowed = false;
	}
	if (c->failed)
		rc = -1;
	unref(brnf);
	c->bridge_layer = BR_NONE;
	or_into(&alive, c->left);
	c->res->accept[SX_BRIDGED] = alive;
	c->res->drop[SX_BRIDGED] = dropped;
	c->res->held[SX_BRIDGED] = held;
	c->res->domain[SX_BRIDGED] = path_domain(c->hs, SX_BRIDGED, false);
	return rc;
}

static int run_path(struct ctx *c, enum sx_path p)
{
	static const enum rs_hook hooks[SX__NPATHS][5] = {
		[SX_INPUT] = { RS_HOOK_INGRESS, RS_HOOK_PREROUTING, RS_HOOK_INPUT, RS_HOOK_NONE },
		[SX_FORWARD] = { RS_HOOK_INGRESS, RS_HOOK_PREROUTING, RS_HOOK_FORWARD,
				 RS_HOOK_POSTROUTING, RS_HOOK_EGRESS },
		[SX_OUTPUT] = { RS_HOOK_OUTPUT, RS_HOOK_POSTROUTING, RS_HOOK_EGRESS, RS_HOOK_NONE },
	};
	/* prerouting still sees an IPv4 martian: route_again() drops it */
	BDD alive, dropped = bddfalse, held = bddfalse;
	BDD nat = bddfalse;

	if (p == SX_BRIDGED)
		return run_bridged(c);
	alive = path_domain(c->hs, p, true);
	c->path = p;
	c->iif_present = p != SX_OUTPUT;
	c->oif_present = p != SX_INPUT;
	c->frag6_stripped = false;
	for (size_t h = 0; h < 5 && hooks[p][h] != RS_HOOK_NONE; h++)
		if ((hooks[p][h] == RS_HOOK_PREROUTING &&
		     run_bridge(c, BR_UP, &alive, &dropped, &held)) ||
		    run_hook(c, hooks[p][h], &alive, &dropped, &held) ||
		    (hooks[p][h] == RS_HOOK_PREROUTING &&
		     route_again(c, p, &alive, &dropped, &held, &nat))) {
			unref(alive);
			unref(dropped);
			unref(held);
			unref(nat);
			return -1;
		}
	if (p != SX_INPUT && run_bridge(c, BR_DOWN, &alive, &dropped, &held)) {
		unref(alive);
		unref(dropped);
		unref(held);
		unref(nat);
		return -1;
	}
	or_into(&alive, c->left);
	or_into(&alive, nat);
	unref(nat);
	c->res->accept[p] = alive;
	c->res->drop[p] = dropped;
	c->res->held[p] = held;
	c->res->domain[p] = path_domain(c->hs, p, false);
	return 0;
}

static void ctx_reset_state(struct ctx *c)
{
	for (size_t i = 0; i < c->nmarks; i++)
		unref(c->marks[i].region);
	free(c->marks);
	c->marks = NULL;
	c->nmarks = 0;
	for (int f = 0; f < HS__NFIELDS; f++) {
		unref(c->rewritten[f]);
		c->rewritten[f] = bddfalse;
	}
	unref(c->notrack);
	c->notrack = bddfalse;
	unref(c->left);
	c->left = bddfalse;
	unref(c->dnat);
	c->dnat = bddfalse;
	unref(c->snat);
	c->snat = bddfalse;
	for (size_t i = 0; i < c->ncuts; i++)
		unref(c->cuts[i].region);
	free(c->cuts);
	c->cuts = NULL;
	c->ncuts = 0;
}

static void ctx_free(struct ctx *c)
{
	ctx_reset_state(c);
	for (size_t i = 0; i < c->ncache; i++)
		unref(c->cache[i].bdd);
	free(c->cache);
	for (size_t i = 0; i < c->ndynsets; i++)
		free(c->dynsets[i]);
	free(c->dynsets);
}

static int add_dynset(struct ctx *c, const struct rs_table *t, const char *name)
{
	char key[512];
	char **v;

	if (!name)
		return 0;
	snprintf(key, sizeof(key), "%s/%s", t->name, name);
	for (size_t i = 0; i < c->ndynsets; i++)
		if (!strcmp(c->dynsets[i], key))
			return 0;
	v = realloc(c->dynsets, (c->ndynsets + 1) * sizeof(*v));
	if (!v)
		return -1;
	c->dynsets = v;
	v[c->ndynsets] = strdup(key);
	if (!v[c->ndynsets])
		return -1;
	c->ndynsets++;
	return 0;
}

static bool expr_has_ct(const struct rs_expr *x, int depth);

static bool term_has_ct(const struct rs_term *t, int depth)
{
	if (!t || depth > 16)
		return false;
	if (t->kind == RS_TERM_EXPR)
		return expr_has_ct(t->expr, depth + 1);
	for (size_t i = 0; i < t->nsub; i++)
		if (term_has_ct(&t->sub[i], depth + 1))
			return true;
	return false;
}

static bool expr_has_ct(const struct rs_expr *x, int depth)
{
	if (!x || depth > 16)
		return false;
	if (x->kind == RS_EX_CT)
		return true;
	for (size_t i = 0; i < x->nsub; i++)
		if (expr_has_ct(x->sub[i], depth + 1))
			return true;
	return term_has_ct(x->arg, depth + 1);
}

/* A ct expression, nat, ct count or ct object anywhere: conntrack gets loaded. */
static bool stmt_needs_ct(const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH:
		return expr_has_ct(s->u.match.left, 0) || term_has_ct(&s->u.match.right, 0);
	case RS_ST_VMAP: return expr_has_ct(s->u.vmap.key, 0);
	case RS_ST_SET: return expr_has_ct(s->u.set.elem, 0);
	case RS_ST_METER: return expr_has_ct(s->u.meter.key, 0);
	case RS_ST_MANGLE:
		return expr_has_ct(s->u.mangle.key, 0) || term_has_ct(&s->u.mangle.value, 0);
	case RS_ST_NAT: case RS_ST_CT_COUNT: return true;
	case RS_ST_OBJREF: return s->u.objref.type && !strncmp(s->u.objref.type, "ct ", 3);
	default: return false;
	}
}

static int ctx_init(struct ctx *c, struct hspace *hs, const struct ruleset *rs,
		    const struct sx_opts *opts, struct xerr *e)
{
	memset(c, 0, sizeof(*c));
	c->hs = hs;
	c->rs = rs;
	c->opts = opts;
	c->e = e;
	c->notrack = bddfalse;
	c->left = bddfalse;
	c->dnat = bddfalse;
	c->snat = bddfalse;
	for (int f = 0; f < HS__NFIELDS; f++)
		c->rewritten[f] = bddfalse;
	for (size_t t = 0; t < rs->ntables; t++) {
		const struct rs_table *tb = rs->tables[t];
		bool f4 = tb->family == RS_FAM_INET || tb->family == RS_FAM_IP;
		bool f6 = tb->family == RS_FAM_INET || tb->family == RS_FAM_IP6;

		for (size_t i = 0; i < tb->nchains; i++) {
			bool ct = tb->chains[i]->base && tb->chains[i]->type &&
				  !strcmp(tb->chains[i]->type, "nat");

			for (size_t r = 0; r < tb->chains[i]->nrules; r++) {
				const struct rs_rule *ru = &tb->chains[i]->rules[r];

				c->nrules_seen++;
				for (size_t k = 0; k < ru->nitems; k++)
					ct |= stmt_needs_ct(&ru->items[k]);
				for (size_t k = 0; k < ru->nitems; k++)
					if (ru->items[k].kind == RS_ST_SET &&
					    ru->items[k].u.set.op != RS_SETOP_DELETE &&
					    add_dynset(c, tb, ru->items[k].u.set.set_name))
						return fail_oom(c);
			}
			/* conntrack registers per family: netdev and others load none */
			c->ct4 |= ct && f4;
			c->ct6 |= ct && f6;
			c->ct_br |= ct && tb->family == RS_FAM_BRIDGE;
		}
	}
	c->uses_ct = c->ct4 || c->ct6;
	return 0;
}

int sx_run(struct hspace *hs, const struct ruleset *rs, const struct sx_opts *opts,
	   struct sx_result **out, struct xerr *e)
{
	struct sx_result *r = calloc(1, sizeof(*r));
	struct ctx c;

	*out = NULL;
	if (!r)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	r->rs = rs;
	r->nfree_before = hs->nfv;
	if (ctx_init(&c, hs, rs, opts, e)) {
		ctx_free(&c);
		free(r);
		return -1;
	}
	c.res = r;
	if (opts && (opts->flags & SX_F_RULES)) {
		r->rules = calloc(c.nrules_seen ? c.nrules_seen : 1, sizeof(*r->rules));
		if (!r->rules) {
			ctx_free(&c);
			free(r);
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		}
		for (size_t t = 0; t < rs->ntables; t++)
			for (size_t i = 0; i < rs->tables[t]->nchains; i++)
				for (size_t k = 0; k < rs->tables[t]->chains[i]->nrules; k++) {
					struct sx_rule_info *ri = &r->rules[r->nrules++];

					ri->rule = &rs->tables[t]->chains[i]->rules[k];
					/*
					 * a bridge chain also sees ARP and other frames,
					 * which the engine's IP paths do not hold: its
					 * empty reach or match says nothing of those
					 */
					ri->modelled = sx_chain_modelled(rs->tables[t]->chains[i]) &&
						       rs->tables[t]->family != RS_FAM_BRIDGE &&
						       !rs->tables[t]->dormant;
					ri->may_stop = sx_rule_may_stop(ri->rule);
				}
	}
	for (int p = 0; p < SX__NPATHS; p++) {
		ctx_reset_state(&c);
		if (run_path(&c, (enum sx_path)p) || hs_check(hs, e)) {
			ctx_free(&c);
			sx_result_free(r);
			return -1;
		}
	}
	ctx_free(&c);
	*out = r;
	return 0;
}

int sx_engine_start(const struct ruleset *rs, struct sx_engine *g, struct xerr *e)
{
	const struct ruleset *one[1] = { rs };

	memset(g, 0, sizeof(*g));
	g->rs = rs;
	if (hs_new(one, 1, &g->hs, e))
		return -1;
	if (sx_run(g->hs, rs, NULL, &g->sx, e)) {
		sx_engine_stop(g);
		return -1;
	}
	return 0;
}

void sx_engine_stop(struct sx_engine *g)
{
	sx_result_free(g->sx);
	hs_free(g->hs);
	memset(g, 0, sizeof(*g));
}

void sx_result_free(struct sx_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nnat; i++)
		unref(r->nat[i].accept);
	free(r->nat);
	for (int p = 0; p < SX__NPATHS; p++) {
		unref(r->accept[p]);
		unref(r->drop[p]);
		unref(r->domain[p]);
		unref(r->held[p]);
	}
	for (size_t i = 0; i < r->nrules; i++)
		for (int p = 0; p < SX__NPATHS; p++) {
			unref(r->rules[i].reach[p]);
			unref(r->rules[i].match[p]);
		}
	free(r->rules);
	free(r);
}

const struct sx_rule_info *sx_rule(const struct sx_result *r, const struct rs_rule *rule)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].rule == rule)
			return &r->rules[i];
	return NULL;
}

int sx_rule_bdd(struct hspace *hs, const struct rs_rule *rule, enum sx_path p, BDD *out,
		struct xerr *e)
{
	const struct ruleset empty = { 0 };
	struct ctx c;
	BDD cond = bddtrue;

	*out = bddfalse;
	if (ctx_init(&c, hs, &empty, NULL, e))
		return -1;
	c.path = p;
	c.iif_present = p != SX_OUTPUT;
	c.oif_present = p != SX_INPUT;
	c.after_defrag = c.uses_ct && p != SX_OUTPUT;
	for (size_t i = 0; i < rule->nitems && cond != bddfalse; i++) {
		const struct rs_stmt *s = &rule->items[i];
		BDD x;

		if (s->kind == RS_ST_VERDICT || s->kind == RS_ST_VMAP || s->kind == RS_ST_REJECT ||
		    s->kind == RS_ST_QUEUE || s->kind == RS_ST_FWD)
			break;
		x = reads_load(&c, rule, s);
		and_into(&cond, x);
		unref(x);
		if (s->kind == RS_ST_MANGLE || s->kind == RS_ST_NAT || s->kind == RS_ST_NOTRACK)
			continue;
		x = s->kind == RS_ST_MATCH ? match_bdd(&c, rule, s) : stateful_cond(&c, rule, s);
		and_into(&cond, x);
		unref(x);
	}
	ctx_free(&c);
	if (c.failed || hs_check(hs, e)) {
		unref(cond);
		return -1;
	}
	*out = cond;
	return 0;
}

/* What path p accepts from a well-behaved source, the free variables fv (consumed) taken away. */
static BDD accept_wb_over(struct hspace *hs, const struct sx_result *r, enum sx_path p, BDD fv)
{
	BDD wb = hs_wellbehaved(hs);
	BDD a = AND(r->accept[p], wb), x;

	x = ref(bdd_exist(a, fv));
	unref(a);
	unref(wb);
	unref(fv);
	return x;
}

BDD sx_accept_wb(struct hspace *hs, const struct sx_result *r, enum sx_path p)
{
	return accept_wb_over(hs, r, p, hs_freevars_set(hs));
}

BDD sx_accept_wb_per_host(struct hspace *hs, const struct sx_result *r, enum sx_path p)
{
	return accept_wb_over(hs, r, p, hs_freevars_set_but_host(hs));
}

BDD sx_accept_any_per_host(struct hspace *hs, const struct sx_result *r, enum sx_path p)
{
	BDD fv = hs_freevars_set_but_host(hs);
	BDD x = ref(bdd_exist(r->accept[p], fv));

	unref(fv);
	return x;
}

BDD sx_accept_any(struct hspace *hs, const struct sx_result *r, enum sx_path p)
{
	BDD fv = hs_freevars_set(hs);
	BDD x = ref(bdd_exist(r->accept[p], fv));

	unref(fv);
	return x;
}
