// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Statements of the tracer: a rule's items in order, as the kernel runs
 * its expressions. A match that fails, a map lookup that misses, a limit
 * over its rate (or a `limit rate over` under it) stops the rule; a
 * verdict ends it. Side effects are recorded as they happen, so a rule
 * that stops half-way shows only the effects before the stop, as in the
 * kernel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "analyze/construct.h"
#include "analyze/trace_int.h"
#include "core/route.h"

/* ---- stateful statements --------------------------------------------------- */

/* limit/quota/ct count: under unless --over-limit. Whether the rule goes on. */
static bool stateful(struct tctx *tc, bool inv, const char *what, const char *per)
{
	bool over = tc->o->over_limit;

	tc_assume(tc, "%s%s%s: %s the limit%s", what, per ? " per " : "", per ? per : "",
		  over ? "over" : "under", over ? " (--over-limit)" : "");
	snprintf(tc->why, sizeof(tc->why), "%s the limit (%s)", over ? "over" : "under",
		 over ? "--over-limit" : "assumed; --over-limit for the other case");
	return inv ? over : !over;
}

/*
 * ct count (nft_connlimit): the kernel adds the packet's connection to the
 * rule's (or the key's) list and compares the list's length; the rule goes
 * on unless (count > N) xor over. The other connections of the key are
 * unknown: taken as none, so the count is 1, the new one, said so.
 * --over-limit takes the count as over N instead (stateful()).
 */
static bool ct_count_alone(struct tctx *tc, const struct rs_stmt *s, const char *text,
			   const char *per)
{
	bool over = s->u.ct_count.count < 1;
	bool go = over == s->u.ct_count.inv;

	tc_assume(tc, "%s%s%s: taken as the only connection of %s: count 1 (the kernel counts "
		  "this one; --over-limit for more)", text, per ? " per " : "", per ? per : "",
		  per ? "its key" : "the rule");
	snprintf(tc->why, sizeof(tc->why), "count 1 is %s %llu (taken as the only connection)",
		 over ? "over" : "not over", (unsigned long long)s->u.ct_count.count);
	return go;
}

static bool stateful_stmt(struct tctx *tc, const struct rs_stmt *s, const char *per)
{
	char *text = rs_stmt_format(s);
	bool inv = s->kind == RS_ST_LIMIT ? s->u.limit.inv :
		   s->kind == RS_ST_QUOTA ? s->u.quota.inv : s->u.ct_count.inv;
	bool go;

	if (!text) {
		tc->oom = true;
		return false;
	}
	if (s->kind == RS_ST_CT_COUNT && !tc->o->over_limit)
		go = ct_count_alone(tc, s, text, per);
	else
		go = stateful(tc, inv, text, per);
	free(text);
	return go;
}

/* ---- sets and meters ------------------------------------------------------------- */

static void rt_update(struct tctx *tc, const struct rs_set *s, enum rs_setop op,
		      const struct ev *key, size_t n)
{
	for (size_t i = 0; i < tc->nrt; i++) {
		struct rt_elem *e = &tc->rt[i];

		if (e->set != s || e->n != n || memcmp(e->key, key, n * sizeof(*key)))
			continue;
		if (op == RS_SETOP_DELETE)
			*e = tc->rt[--tc->nrt];
		return;
	}
	if (op == RS_SETOP_DELETE || !s)
		return;
	if (tc->nrt == tc->crt) {
		size_t c = tc->crt ? tc->crt * 2 : 8;
		struct rt_elem *v = realloc(tc->rt, c * sizeof(*v));

		if (!v) {
			tc->oom = true;
			return;
		}
		tc->rt = v;
		tc->crt = c;
	}
	tc->rt[tc->nrt].set = s;
	tc->rt[tc->nrt].n = n;
	memcpy(tc->rt[tc->nrt].key, key, n * sizeof(*key));
	tc->nrt++;
}

/* The statements attached to a set element or a meter, keyed by per. */
static bool elem_stmts(struct tctx *tc, const struct rs_stmt *v, size_t n, const char *per)
{
	for (size_t i = 0; i < n; i++) {
		const struct rs_stmt *s = &v[i];

		if ((s->kind == RS_ST_LIMIT || s->kind == RS_ST_QUOTA || s->kind == RS_ST_CT_COUNT) &&
		    !stateful_stmt(tc, s, per))
			return false;
	}
	return true;
}

static const char *setop_name(enum rs_setop op)
{
	return op == RS_SETOP_ADD ? "add" : op == RS_SETOP_DELETE ? "delete" : "update";
}

static int keyed(struct tctx *tc, const struct rs_expr *key, struct ev *parts, size_t *n,
		 char *per, size_t per_size, char *val, size_t val_size)
{
	int rc = ev_expr(tc, key, parts, n);
	char *k;

	if (rc)
		return rc;
	k = rs_expr_format(key);
	snprintf(per, per_size, "%s", k ? k : "key");
	free(k);
	ev_format(key, parts, *n, val, val_size);
	return EV_OK;
}

static int run_set(struct tctx *tc, const struct rs_setstmt *st, bool *go)
{
	struct ev parts[RS_CONCAT_MAX];
	char per[160], val[160], where[200];
	size_t n = 0;
	int rc = keyed(tc, st->elem, parts, &n, per, sizeof(per), val, sizeof(val));

	if (rc) {
		*go = false;
		return rc;
	}
	tc_effect(tc, TRACE_FX_SET, "%s @%s { %s }", setop_name(st->op),
		  st->set_name ? st->set_name : "?", val);
	rt_update(tc, st->set, st->op, parts, n);
	snprintf(where, sizeof(where), "%s (@%s)", per, st->set_name ? st->set_name : "?");
	*go = elem_stmts(tc, st->stmts, st->nstmts, where);
	return EV_OK;
}

static int run_meter(struct tctx *tc, const struct rs_meter *m, bool *go)
{
	struct ev parts[RS_CONCAT_MAX];
	char per[160], val[160], where[200];
	size_t n = 0;
	int rc = keyed(tc, m->key, parts, &n, per, sizeof(per), val, sizeof(val));

	if (rc) {
		*go = false;
		return rc;
	}
	tc_effect(tc, TRACE_FX_SET, "meter %s { %s }", m->name ? m->name : "?", val);
	snprintf(where, sizeof(where), "%s (meter %s)", per, m->name ? m->name : "?");
	*go = elem_stmts(tc, m->stmts, m->nstmts, where);
	return EV_OK;
}

/* ---- verdicts and maps ---------------------------------------------------------- */

static int run_vmap(struct tctx *tc, const struct rs_stmt *s, bool *go, char *why, size_t size)
{
	struct ev parts[RS_CONCAT_MAX];
	const struct rs_term *data = NULL;
	size_t n = 0;
	int rc = ev_expr(tc, s->u.vmap.key, parts, &n);

	if (!rc)
		rc = ev_map_lookup(tc, &s->u.vmap.map, parts, n, &data);
	if (rc) {
		*go = false;
		return rc;
	}
	if (!data || data->kind != RS_TERM_VERDICT) {
		char *k = rs_expr_format(s->u.vmap.key);
		char val[160];

		ev_format(s->u.vmap.key, parts, n, val, sizeof(val));
		snprintf(why, size, "%s is %s, %s", k ? k : "the key", val,
			 data ? "mapped to something other than a verdict" : "not a key of the map");
		free(k);
		*go = false;
		return EV_OK;
	}
	tc->verdict = data->verdict.kind;
	tc->target = data->verdict.chain;
	return EV_OK;
}

/* ---- changes to the packet ---------------------------------------------------------- */

static int mangle_value(struct tctx *tc, const struct rs_term *t, const struct ev *like,
			struct ev *v)
{
	struct ev parts[RS_CONCAT_MAX];
	size_t n = 0;
	int rc;

	if (t->kind == RS_TERM_VALUE) {
		ev_const(v, &t->v, like);
		return EV_OK;
	}
	if (t->kind != RS_TERM_EXPR)
		return EV_FREE;
	rc = ev_expr(tc, t->expr, parts, &n);
	if (rc || n != 1)
		return rc ? rc : EV_FREE;
	*v = parts[0];
	return EV_OK;
}

static void apply_mangle(struct tctx *tc, const struct rs_expr *k, const struct ev *v)
{
	const struct rs_field_info *fi;

	if (k->kind == RS_EX_META && k->key == RS_META_MARK) {
		tc->p.mark = (uint32_t)v->num;
	} else if (k->kind == RS_EX_META && k->key == RS_META_PRIORITY) {
		tc->priority = (uint32_t)v->num;
		tc->priority_set = true;
	} else if (k->kind == RS_EX_CT && k->key == RS_CT_MARK) {
		unsigned st = ev_ct_state(tc);

		if (st != RS_CTSTATE_INVALID && st != RS_CTSTATE_UNTRACKED) {
			tc->ct_mark = (uint32_t)v->num;
			tc->ct_mark_set = true;
		}
	} else if (k->kind == RS_EX_CT && k->key == RS_CT_LABEL && !v->wide && v->num < 128) {
		unsigned st = ev_ct_state(tc);

		/* nft_ct_set_eval: no entry, nothing set; the rule goes on */
		if (st != RS_CTSTATE_INVALID && st != RS_CTSTATE_UNTRACKED)
			tc->ct_labels[v->num / 8] |= (uint8_t)(1u << (v->num % 8));
	} else if (k->kind == RS_EX_PAYLOAD && (fi = rs_field_info((enum rs_field)k->key)) &&
		   fi->proto == RS_PROTO_ETHER) {
		link_write(tc, fi->offset, fi->bits, v);   /* the link layer, not the transport header */
	} else if (k->kind == RS_EX_PAYLOAD && (fi = rs_field_info((enum rs_field)k->key)) &&
		   fi->proto != RS_PROTO_VLAN) {
		/* arp fields are an ARP packet's network header, as nft reads them */
		hdr_write(tc, fi->proto != RS_PROTO_IP && fi->proto != RS_PROTO_IP6 &&
			  fi->proto != RS_PROTO_ARP, fi->offset, fi->bits, v);
	} else {
		char *t = rs_expr_format(k);

		tc_assume(tc, "later rules see %s unchanged", t ? t : "the value");
		free(t);
	}
}

static int run_mangle(struct tctx *tc, const struct rs_stmt *s, const char *text)
{
	struct ev like, v;
	size_t n = 0;
	int rc;

	tc_effect(tc, TRACE_FX_MANGLE, "%s", text);
	if (!s->u.mangle.key)
		return EV_OK;
	/* the current value gives the width; it may not exist (no ct); ct label set
	 * ORs a bit in, reading nothing (construct.h) */
	if ((s->u.mangle.key->kind == RS_EX_CT && s->u.mangle.key->key == RS_CT_LABEL) ||
	    ev_expr(tc, s->u.mangle.key, &like, &n) != EV_OK || n != 1)
		ev_from_num(&like, s->u.mangle.key->bits, 0);
	rc = mangle_value(tc, &s->u.mangle.value, &like, &v);
	if (rc == EV_OK)
		apply_mangle(tc, s->u.mangle.key, &v);
	else
		tc_assume(tc, "the value of '%s' is unknown: later rules see the old one", text);
	return EV_OK;
}

/* The destination a dnat/redirect wrote, for the routing decision after prerouting. */
static void note_dnat(struct tctx *tc, const struct rs_nat *nat)
{
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;

	tc->dnat_exact = natpath_target(nat, v6, &tc->dnat);
	if (!tc->dnat_exact) {
		tc->nat_changed |= NAT_DST;
		return;
	}
	/* a live host says where a redirect goes: its input interface's first address */
	if (tc->dnat.redirect && !v6 && tc->o->live_routes && tc->p.iif[0] &&
	    iface_first_ipv4(tc->p.iif, tc->dnat.addr) == 0)
		tc->dnat.has_addr = true;
	switch (natpath_changes(&tc->dnat, tc->p.daddr.addr, tc->has_th, tc->p.dport,
				tc->r->path == PACKET_INPUT)) {
	case NATPATH_MAYBE:
		tc_assume(tc, "the packet was sent to its input interface's first address: the "
			  "redirect leaves the destination as it is (no ct status dnat)");
		break;
	case NATPATH_CHANGED:
		tc->nat_changed |= NAT_DST;
		break;
	case NATPATH_SAME:
		break;
	}
	if (tc->dnat.has_addr)
		memcpy(tc->p.daddr.addr, tc->dnat.addr, 16);
	if (tc->dnat.has_port && tc->has_th)
		tc->p.dport = tc->dnat.port;
	if (tc->hook == RS_HOOK_OUTPUT)
		tc_assume(tc, "after a dnat at output the packet keeps the output path");
}

static void nat_apply(struct tctx *tc, const struct rs_nat *nat)
{
	bool dst = nat->kind == RS_NAT_DNAT || nat->kind == RS_NAT_REDIRECT;
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;
	struct ev like, v;

	if (nat->addr.kind != RS_TERM_NONE) {
		ev_from_num(&like, v6 ? 128 : 32, 0);
		like.wide = v6;
		if (mangle_value(tc, &nat->addr, &like, &v) == EV_OK)
			hdr_write(tc, false, v6 ? (dst ? 192 : 64) : (dst ? 128 : 96), v6 ? 128 : 32, &v);
		else
			tc_assume(tc, "the NAT address is not a single value: later rules see the old one");
	}
	if (nat->port.kind != RS_TERM_NONE && tc->has_th) {
		ev_from_num(&like, 16, 0);
		if (mangle_value(tc, &nat->port, &like, &v) == EV_OK)
			hdr_write(tc, true, dst ? 16 : 0, 16, &v);
	}
	if (dst && (tc->hook == RS_HOOK_PREROUTING || tc->hook == RS_HOOK_OUTPUT))
		note_dnat(tc, nat);
}

static void run_nat(struct tctx *tc, const struct rs_stmt *s, const char *text)
{
	tc_effect(tc, TRACE_FX_NAT, "%s", text);
	if (s->u.nat.kind == RS_NAT_MASQUERADE || s->u.nat.kind == RS_NAT_SNAT)
		tc->nat_changed |= NAT_SRC;   /* taken as a new source */
	if (s->u.nat.kind == RS_NAT_MASQUERADE)
		tc_assume(tc, "masquerade: the source becomes the output interface's address");
	else
		nat_apply(tc, &s->u.nat);
	tc->verdict = RS_VERDICT_ACCEPT;   /* nat ends its chain with accept */
	tc->nat_done |= nat_type_of(tc->hook);
}

/* ---- named objects ---------------------------------------------------------------- */

/* The object's name may come from a map lookup, which can miss (NFT_BREAK). */
static int objref_name(struct tctx *tc, const struct rs_objref *o, bool *go, char *why,
		       size_t size)
{
	struct ev parts[RS_CONCAT_MAX];
	size_t n = 0;
	int rc;

	if (o->name.kind != RS_TERM_EXPR)
		return EV_OK;
	rc = ev_expr(tc, o->name.expr, parts, &n);
	if (rc == EV_FREE)
		tc_assume(tc, "the object's name: %s", tc->why);
	if (rc) {
		snprintf(why, size, "%s", tc->why);
		*go = false;
	}
	return rc;
}

static void run_synproxy(struct tctx *tc, const char *text, bool *go, char *why, size_t size);

/*
 * ct expectation set (construct.h): no entry ends the rule; a confirmed one
 * does too, unless its connection has a helper (not in the packet words:
 * taken as none, said so).
 */
static void run_expectation(struct tctx *tc, const char *text, bool *go, char *why, size_t size)
{
	unsigned st = ev_ct_state(tc);

	if (st == RS_CTSTATE_INVALID || st == RS_CTSTATE_UNTRACKED) {
		snprintf(why, size, "no conntrack entry (ct state %s) to expect from",
			 match_ct_state_name(st));
		*go = false;
		return;
	}
	if (st != RS_CTSTATE_NEW) {
		tc_assume(tc, "%s: the connection taken as having no ct helper (its first packet "
			  "went by)", text);
		snprintf(why, size, "a later packet of a connection with no ct helper");
		*go = false;
		return;
	}
	tc_effect(tc, TRACE_FX_OTHER, "%s", text);
}

static int run_objref(struct tctx *tc, const struct rs_stmt *s, const char *text, bool *go,
		      char *why, size_t size)
{
	const struct rs_objref *o = &s->u.objref;
	int rc = objref_name(tc, o, go, why, size);

	if (rc)
		return rc == EV_ERR ? -1 : 0;
	if (cx_stmt_kind(s) == RS_ST_SYNPROXY) {
		run_synproxy(tc, text, go, why, size);
		return 0;
	}
	if (cx_stmt_needs_new_ct(s)) {
		run_expectation(tc, text, go, why, size);
		return 0;
	}
	if (o->type && (!strcmp(o->type, "quota") || !strcmp(o->type, "limit"))) {
		*go = stateful(tc, cx_objref_inverted(tc->rule, s), text, NULL);
		return 0;
	}
	tc_effect(tc, o->type && !strcmp(o->type, "counter") ? TRACE_FX_COUNTER : TRACE_FX_OTHER,
		  "%s", text);
	return 0;
}

/*
 * synproxy (construct.h, nft_synproxy): a packet that is not TCP ends the
 * rule; a SYN is answered with a SYN-ACK and stolen; an ACK is taken as the
 * one that completes that handshake (answered and stolen; one without a
 * valid cookie is dropped); any other TCP packet goes on. Over IPv6 every
 * TCP packet is dropped (the checksum check, below).
 */
static void run_synproxy(struct tctx *tc, const char *text, bool *go, char *why, size_t size)
{
	if (tc->p.l4proto != 6 || !tc->has_th) {
		snprintf(why, size, "not a TCP packet: synproxy ends the rule");
		*go = false;
		return;
	}
	if (tc->p.nfproto == MATCH_NFPROTO_IPV6) {
		/* nft_synproxy_do_eval checks every packet's TCP checksum with nf_ip_checksum,
		 * the IPv4 routine: an IPv6 packet fails it unless its device verified it */
		tc_effect(tc, TRACE_FX_OTHER, "%s", text);
		tc_assume(tc, "%s: an IPv6 packet is dropped (the kernel checks its TCP checksum "
			  "as IPv4's; taken as not verified by the device)", text);
		tc->verdict = RS_VERDICT_DROP;
		return;
	}
	if (!(tc->p.tcp_flags & (MATCH_TCP_SYN | MATCH_TCP_ACK)))
		return;
	tc_effect(tc, TRACE_FX_OTHER, "%s", text);
	if (tc->p.tcp_flags & MATCH_TCP_SYN) {
		tc_assume(tc, "%s: the SYN is answered with a SYN-ACK and stolen", text);
	} else {
		tc_assume(tc, "%s: the ACK is taken as completing the handshake (answered and "
			  "stolen; without a valid cookie it is dropped)", text);
	}
	tc->stolen = true;
	tc->verdict = RS_VERDICT_ACCEPT;
}

/*
 * tproxy (construct.h): not TCP or UDP, or the other family than the one
 * it names, ends the rule; whether a transparent socket takes the packet
 * is not in the packet words: taken as found (the rule goes on), said so.
 */
static void run_tproxy(struct tctx *tc, const struct rs_stmt *s, const char *text, bool *go,
		       char *why, size_t size)
{
	int fam = cx_tproxy_family(s);
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;

	if ((tc->p.l4proto != 6 && tc->p.l4proto != 17) || !tc->has_th) {
		snprintf(why, size, "not a TCP or UDP packet: tproxy ends the rule");
		*go = false;
		return;
	}
	if (fam && fam != (v6 ? 6 : 4)) {
		snprintf(why, size, "an IPv%d packet: 'tproxy ip%s' ends the rule", v6 ? 6 : 4,
			 fam == 6 ? "6" : "");
		*go = false;
		return;
	}
	tc_effect(tc, TRACE_FX_OTHER, "%s", text);
	tc_assume(tc, "%s: a transparent socket taken as found (without one the rule ends)",
		  text);
}

/* ---- one statement ----------------------------------------------------------------- */

/*
 * ct label N (construct.h): bit N of the labels this trace set (a new
 * connection has none; a later packet's earlier ones are taken as none, said
 * so); no conntrack entry ends the rule. -1: not such a match.
 */
static int label_match(struct tctx *tc, const struct rs_match *m, bool *hit, char *why,
		       size_t size)
{
	int bit = m->left && m->left->kind == RS_EX_CT && m->left->key == RS_CT_LABEL ?
		  cx_ct_label_bit(&m->right) : -1;
	unsigned st = ev_ct_state(tc);
	bool has, only = true;

	if (bit < 0 || (m->op != RS_OP_IN && m->op != RS_OP_EQ && m->op != RS_OP_NE))
		return -1;
	if (st == RS_CTSTATE_INVALID || st == RS_CTSTATE_UNTRACKED) {
		snprintf(tc->why, sizeof(tc->why), "no conntrack entry (ct state %s)",
			 match_ct_state_name(st));
		return EV_BREAK;
	}
	if (st != RS_CTSTATE_NEW)
		tc_assume(tc, "ct label: the connection's earlier labels taken as none");
	has = tc->ct_labels[bit / 8] & (1u << (bit % 8));
	for (size_t i = 0; i < sizeof(tc->ct_labels); i++)
		only &= tc->ct_labels[i] == (i == (size_t)bit / 8 ? (1u << (bit % 8)) : 0);
	*hit = m->op == RS_OP_IN ? has : (m->op == RS_OP_EQ) == only;
	if (!*hit)
		snprintf(why, size, "the connection's labels %s label %d%s", has ? "have" : "lack",
			 bit, has && !only ? " and others" : "");
	return EV_OK;
}

static int run_match(struct tctx *tc, const struct rs_stmt *s, bool *go, char *why, size_t size,
		     const char *text)
{
	int rc = label_match(tc, &s->u.match, go, why, size);

	if (rc < 0)
		rc = ev_ct_id_match(tc, &s->u.match, go, why, size);
	if (rc < 0)
		rc = ev_match(tc, &s->u.match, go, why, size);

	if (rc == EV_BREAK)
		snprintf(why, size, "%s", tc->why);
	if (rc == EV_FREE) {
		tc_assume(tc, "%s: taken as not matching (%s)", text, tc->why);
		snprintf(why, size, "taken as not matching: %s", tc->why);
	}
	if (rc)
		*go = false;
	return rc == EV_ERR ? -1 : 0;
}

/*
 * reset tcp option (construct.h): with no tcp header (another protocol, a
 * fragment) the rule ends; on a TCP packet the option is stripped if it is
 * there, and the packet goes on.
 */
static void run_reset(struct tctx *tc, const char *text, bool *go, char *why, size_t size)
{
	if (tc->p.l4proto != 6 || !tc->has_th) {
		snprintf(why, size, "no tcp header to reset an option in");
		*go = false;
		return;
	}
	tc_effect(tc, TRACE_FX_MANGLE, "%s", text);
	tc_assume(tc, "the tcp header carries no options: '%s' strips nothing", text);
}

static void run_other(struct tctx *tc, const struct rs_stmt *s, const char *text)
{
	switch (s->kind) {
	case RS_ST_NOTRACK:
		if (tc->before_ct)
			tc->untracked = true;
		tc_effect(tc, TRACE_FX_NOTRACK, "%s%s", text,
			  tc->before_ct ? "" : " (no effect: conntrack already ran)");
		break;
	case RS_ST_REJECT:
		tc_effect(tc, TRACE_FX_REJECT, "%s", text);
		tc->verdict = RS_VERDICT_DROP;
		break;
	case RS_ST_QUEUE:
		tc_effect(tc, TRACE_FX_OTHER, "%s", text);
		/* nf_queue: with no program bound to the queue the packet is dropped, or
		 * with bypass goes on as if accepted (nfqnl_enqueue_packet: -ESRCH) */
		tc_assume(tc, "%s: userspace decides; taken as accept (with no program reading "
			  "the queue the kernel %s)", text,
			  s->u.queue.flags & 1 ? "accepts it: bypass" : "drops it");
		tc->verdict = RS_VERDICT_ACCEPT;
		break;
	case RS_ST_FWD:
		tc_effect(tc, TRACE_FX_OTHER, "%s", text);
		tc_assume(tc, "%s: the packet leaves through another device; not traced further", text);
		tc->stolen = true;
		tc->verdict = RS_VERDICT_ACCEPT;
		break;
	default:   /* dup, flow add, last, ct helper/timeout set ... */
		tc_effect(tc, TRACE_FX_OTHER, "%s", text);
		break;
	}
}

static int run_kind(struct tctx *tc, const struct rs_stmt *s, bool *go, char *why, size_t size,
		    const char *text)
{
	switch (s->kind) {
	case RS_ST_MATCH: return run_match(tc, s, go, why, size, text);
	case RS_ST_VERDICT:
		tc->verdict = s->u.verdict.kind;
		tc->target = s->u.verdict.chain;
		return 0;
	case RS_ST_VMAP: return run_vmap(tc, s, go, why, size) == EV_ERR ? -1 : 0;
	case RS_ST_COUNTER: tc_effect(tc, TRACE_FX_COUNTER, "counter"); return 0;
	case RS_ST_LOG: tc_effect(tc, TRACE_FX_LOG, "%s", text); return 0;
	case RS_ST_LIMIT: case RS_ST_QUOTA: case RS_ST_CT_COUNT:
		*go = stateful_stmt(tc, s, NULL);
		return 0;
	case RS_ST_SET: return run_set(tc, &s->u.set, go) == EV_ERR ? -1 : 0;
	case RS_ST_METER: return run_meter(tc, &s->u.meter, go) == EV_ERR ? -1 : 0;
	case RS_ST_MANGLE:
		if (cx_stmt_writes_link(s) && ev_link_header_absent(tc)) {
			*go = false;   /* nft_payload_set_eval: no MAC header is NFT_BREAK */
			return 0;
		}
		if (cx_stmt_needs_tcp(s)) {
			run_reset(tc, text, go, why, size);
			return 0;
		}
		return run_mangle(tc, s, text);
	case RS_ST_NAT: run_nat(tc, s, text); return 0;
	case RS_ST_OBJREF: return run_objref(tc, s, text, go, why, size);
	case RS_ST_SYNPROXY: run_synproxy(tc, text, go, why, size); return 0;
	case RS_ST_TPROXY: run_tproxy(tc, s, text, go, why, size); return 0;
	case RS_ST_XT: case RS_ST_UNKNOWN:
		tc_assume(tc, "%.200s: a statement xnft does not model, taken as not matching", text);
		snprintf(why, size, "taken as not matching: xnft does not model it");
		*go = false;
		return 0;
	default:
		run_other(tc, s, text);
		return 0;
	}
}

/*
 * The values a statement loads before it acts (construct.h): a map lookup
 * that misses or a ct key without an entry ends the rule right there, as
 * NFT_BREAK does, with none of the statement's effects. EV_OK when all load.
 */
static int reads_load(struct tctx *tc, const struct rs_stmt *s, char *why, size_t size)
{
	const struct rs_expr *reads[4];
	size_t nr = cx_stmt_reads(s, reads, 4);

	for (size_t i = 0; i < nr; i++) {
		struct ev parts[RS_CONCAT_MAX];
		size_t n = 0;
		int rc = ev_expr(tc, reads[i], parts, &n);

		if (rc == EV_BREAK || rc == EV_ERR) {
			snprintf(why, size, "%s", tc->why);
			return rc;
		}
	}
	return EV_OK;
}

/* The expression a statement is about: what an implied match was put back for. */
static const struct rs_expr *subject(const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH: return s->u.match.left;
	case RS_ST_VMAP: return s->u.vmap.key;
	case RS_ST_SET: return s->u.set.elem;
	case RS_ST_METER: return s->u.meter.key;
	case RS_ST_MANGLE: return s->u.mangle.key;
	default: return NULL;
	}
}

/* "meta l4proto tcp (implied by tcp dport)" for an implicit item. */
static void item_words(const struct rs_rule *r, size_t i, char *buf, size_t size)
{
	char *t = rs_stmt_format(&r->items[i]);
	char *next = NULL;

	if (r->items[i].kind == RS_ST_MATCH && r->items[i].u.match.implicit) {
		for (size_t k = i + 1; k < r->nitems && !next; k++) {
			const struct rs_stmt *s = &r->items[k];

			if (s->kind == RS_ST_MATCH && s->u.match.implicit)
				continue;
			next = subject(s) ? rs_expr_format(subject(s)) : rs_stmt_format(s);
			break;
		}
	}
	snprintf(buf, size, "%s%s%s%s", t ? t : "?", next ? " (implied by " : "",
		 next ? next : "", next ? ")" : "");
	free(t);
	free(next);
}

int stmt_run_rule(struct tctx *tc, const struct rs_rule *r, int *failed, char *why, size_t size)
{
	tc->verdict = RS_VERDICT_NONE;
	tc->target = NULL;
	*failed = -1;
	why[0] = '\0';
	for (size_t i = 0; i < r->nitems; i++) {
		char text[TRACE_TEXT_MAX], detail[TRACE_TEXT_MAX] = "";
		bool go = true;

		item_words(r, i, text, sizeof(text));
		tc->why[0] = '\0';
		switch (reads_load(tc, &r->items[i], detail, sizeof(detail))) {
		case EV_OK: break;
		case EV_BREAK: go = false; break;
		default: return -1;
		}
		if (go && (run_kind(tc, &r->items[i], &go, detail, sizeof(detail), text) < 0 ||
			   tc->oom))
			return -1;
		if (!go) {
			*failed = (int)i;
			snprintf(why, size, "%.150s: %.100s", text, detail[0] ? detail :
				 tc->why[0] ? tc->why : "does not hold");
			return 0;
		}
		if (tc->verdict != RS_VERDICT_NONE)
			break;
	}
	return 0;
}

/* ---- does the ruleset load conntrack (and with it defragmentation)? ---------------------- */

static bool expr_uses_ct(const struct rs_expr *x);

static bool term_uses_ct(const struct rs_term *t)
{
	if (!t)
		return false;
	if (t->kind == RS_TERM_EXPR)
		return expr_uses_ct(t->expr);
	for (size_t i = 0; i < t->nsub; i++)
		if (term_uses_ct(&t->sub[i]))
			return true;
	return false;
}

static bool expr_uses_ct(const struct rs_expr *x)
{
	if (!x)
		return false;
	if (x->kind == RS_EX_CT)
		return true;
	for (size_t i = 0; i < x->nsub; i++)
		if (expr_uses_ct(x->sub[i]))
			return true;
	return term_uses_ct(x->arg);
}

static bool stmt_uses_ct(const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH: return expr_uses_ct(s->u.match.left) || term_uses_ct(&s->u.match.right);
	case RS_ST_VMAP: return expr_uses_ct(s->u.vmap.key);
	case RS_ST_SET: return expr_uses_ct(s->u.set.elem);
	case RS_ST_METER: return expr_uses_ct(s->u.meter.key);
	case RS_ST_MANGLE:
		return expr_uses_ct(s->u.mangle.key) || term_uses_ct(&s->u.mangle.value);
	case RS_ST_NAT: case RS_ST_CT_COUNT: return true;
	case RS_ST_OBJREF: return s->u.objref.type && !strncmp(s->u.objref.type, "ct ", 3);
	default: return false;
	}
}

static bool chain_uses_ct(const struct rs_chain *c)
{
	if (c->base && c->type && !strcmp(c->type, "nat"))
		return true;
	for (size_t i = 0; i < c->nrules; i++)
		for (size_t k = 0; k < c->rules[i].nitems; k++)
			if (stmt_uses_ct(&c->rules[i].items[k]))
				return true;
	return false;
}

/*
 * Conntrack (and with it defragmentation) is loaded per family: a ct
 * expression in an ip table registers IPv4's hooks only, inet both.
 */
bool ruleset_bridge_uses_ct(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t c = 0; rs->tables[t]->family == RS_FAM_BRIDGE &&
				   c < rs->tables[t]->nchains; c++)
			if (chain_uses_ct(rs->tables[t]->chains[c]))
				return true;
	return false;
}

bool ruleset_uses_ct(const struct ruleset *rs, bool v6)
{
	for (size_t t = 0; t < rs->ntables; t++) {
		enum rs_family f = rs->tables[t]->family;

		if (f != RS_FAM_INET && f != (v6 ? RS_FAM_IP6 : RS_FAM_IP))
			continue;
		for (size_t c = 0; c < rs->tables[t]->nchains; c++)
			if (chain_uses_ct(rs->tables[t]->chains[c]))
				return true;
	}
	return false;
}
