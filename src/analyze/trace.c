// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracer's walk: the hooks of the packet's path, the base chains at each
 * hook in the kernel's order, and inside a chain the rules, jumps, gotos and
 * returns. Expressions and statements are in trace_eval.c/trace_stmt.c.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/bridged.h"
#include "analyze/trace_int.h"
#include "core/route.h"

/* Conntrack and defragmentation hook priorities (prerouting and output). */
#define PRIO_CONNTRACK (-200)
#define PRIO_DEFRAG (-400)

/* Rules met by one trace at most: a bound against pathological models. */
#define MAX_STEPS 1000000

const char *trace_verdict_name(enum trace_verdict v)
{
	return v == TRACE_V_ACCEPT ? "accept" : v == TRACE_V_DROP ? "drop" : "none";
}

/* ---- growing the result's arrays -------------------------------------------------- */

/* A new zeroed element at the end of *arr; NULL (and *arr kept) when out of memory. */
static void *push(struct tctx *tc, void *arrp, size_t *n, size_t *cap, size_t size)
{
	void **arr = arrp;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *v = realloc(*arr, c * size);

		if (!v) {
			tc->oom = true;
			return NULL;
		}
		*arr = v;
		*cap = c;
	}
	memset((char *)*arr + *n * size, 0, size);
	return (char *)*arr + (*n)++ * size;
}

#define PUSH(tc, arr, n, capi) push((tc), &(arr), &(n), &(tc)->r->caps[capi], sizeof(*(arr)))

void tc_assume(struct tctx *tc, const char *fmt, ...)
{
	struct trace_result *r = tc->r;
	char text[TRACE_TEXT_MAX];
	struct trace_assumption *a;
	size_t from = r->nsteps ? r->steps[r->nsteps - 1].as : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* within one rule, once is enough (a set looked up twice) */
	for (size_t i = from; i < r->nas; i++)
		if (r->as[i].rule == tc->rule && !strcmp(r->as[i].text, text))
			return;
	a = PUSH(tc, r->as, r->nas, 3);
	if (!a)
		return;
	a->rule = tc->rule;
	memcpy(a->text, text, sizeof(text));
}

void tc_effect(struct tctx *tc, enum trace_fx_kind k, const char *fmt, ...)
{
	struct trace_effect *f = PUSH(tc, tc->r->fx, tc->r->nfx, 2);
	va_list ap;

	if (!f)
		return;
	f->kind = k;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

/* ---- one base chain ------------------------------------------------------------------ */

struct frame {
	const struct rs_chain *chain;
	size_t next;
	unsigned depth;
};

struct walk {
	struct frame stack[TRACE_MAX_DEPTH + 1];
	size_t sp;
	const struct rs_chain *cur;
	size_t next;
	unsigned depth;
	size_t steps;
};

static struct trace_step *new_step(struct tctx *tc, enum trace_step_kind k,
				   const struct rs_chain *c, unsigned depth)
{
	struct trace_step *s = PUSH(tc, tc->r->steps, tc->r->nsteps, 1);

	if (!s)
		return NULL;
	s->kind = k;
	s->chain = c;
	s->depth = depth;
	s->failed = -1;
	s->fx = tc->r->nfx;
	s->as = tc->r->nas;
	return s;
}

/* Evaluate one rule into a new step; NULL on error. */
static struct trace_step *rule_step(struct tctx *tc, const struct rs_rule *rule, unsigned depth)
{
	struct trace_step *s = new_step(tc, TRACE_STEP_RULE, rule->chain, depth);
	size_t idx = tc->r->nsteps - 1;
	char why[TRACE_TEXT_MAX];
	int failed;

	if (!s)
		return NULL;
	tc->rule = rule;
	if (stmt_run_rule(tc, rule, &failed, why, sizeof(why)) < 0 || tc->oom) {
		tc->oom = true;
		return NULL;
	}
	s = &tc->r->steps[idx];   /* the arrays may have moved */
	s->rule = rule;
	s->failed = failed;
	s->matched = failed < 0;
	memcpy(s->why, why, sizeof(why));
	s->verdict = s->matched ? tc->verdict : RS_VERDICT_NONE;
	s->target = s->matched ? tc->target : NULL;
	s->nfx = tc->r->nfx - s->fx;
	s->nas = tc->r->nas - s->as;
	tc->rule = NULL;
	return s;
}

static int end_of_chain(struct tctx *tc, struct walk *w, struct trace_run *run)
{
	struct trace_step *s;

	if (w->sp == 0) {
		s = new_step(tc, TRACE_STEP_POLICY, run->chain, 0);
		if (!s)
			return -1;
		s->decided = true;
		run->verdict = run->chain->policy == RS_POLICY_DROP ? TRACE_V_DROP : TRACE_V_ACCEPT;
		run->by = NULL;
		return 1;
	}
	s = new_step(tc, TRACE_STEP_RETURN, w->cur, w->depth);
	if (!s)
		return -1;
	w->sp--;
	w->cur = w->stack[w->sp].chain;
	w->next = w->stack[w->sp].next;
	w->depth = w->stack[w->sp].depth;
	return 0;
}

static int jump(struct tctx *tc, struct walk *w, struct trace_step *s, struct xerr *e)
{
	if (!s->target) {
		tc_assume(tc, "the jump target is missing from the ruleset: taken as continue");
		return 0;
	}
	if (s->verdict == RS_VERDICT_JUMP) {
		if (w->sp >= TRACE_MAX_DEPTH)
			return xerr_set(e, XNFT_EXIT_FINDINGS, "chain %s: jumps nest deeper than %d "
					"(a loop?)", s->target->name, TRACE_MAX_DEPTH);
		w->stack[w->sp++] = (struct frame){ w->cur, w->next, w->depth };
	}
	w->cur = s->target;
	w->next = 0;
	w->depth++;
	return 0;
}

/* What a matched rule's verdict does to the walk: 1 = the run is decided. */
static int apply_verdict(struct tctx *tc, struct walk *w, struct trace_step *s,
			 struct trace_run *run, struct xerr *e)
{
	switch (s->verdict) {
	case RS_VERDICT_ACCEPT: case RS_VERDICT_QUEUE:
		run->verdict = TRACE_V_ACCEPT;
		break;
	case RS_VERDICT_DROP:
		run->verdict = TRACE_V_DROP;
		break;
	case RS_VERDICT_JUMP: case RS_VERDICT_GOTO:
		return jump(tc, w, s, e);
	case RS_VERDICT_RETURN:
		w->next = w->cur->nrules;   /* as if the chain ended here */
		return 0;
	default:
		return 0;
	}
	s->decided = true;
	run->by = s->rule;
	return 1;
}

static int run_chain(struct tctx *tc, struct trace_run *run, struct xerr *e)
{
	struct walk w = { .cur = run->chain };
	int rc;

	for (;;) {
		struct trace_step *s;

		if (++w.steps > MAX_STEPS)
			return xerr_set(e, XNFT_EXIT_FINDINGS, "the trace met more than %d rules in "
					"chain %s", MAX_STEPS, run->chain->name);
		if (w.next >= w.cur->nrules) {
			rc = end_of_chain(tc, &w, run);
			if (rc)
				return rc < 0 ? -1 : 0;
			continue;
		}
		s = rule_step(tc, &w.cur->rules[w.next++], w.depth);
		if (!s)
			return -1;
		if (!s->matched)
			continue;
		rc = apply_verdict(tc, &w, s, run, e);
		if (rc)
			return rc < 0 ? -1 : 0;
		if (tc->stolen)
			return 0;
	}
}

/* ---- base chains at a hook ------------------------------------------------------------ */

struct bc {
	const struct rs_chain *c;
	size_t ti, ci;
};

/*
 * Priority order. At equal priority the kernel runs the hook registered last
 * first (a new hook goes before the ones of its priority): for a ruleset
 * loaded in one go that is the listing's reverse order, tables and chains.
 */
static int bc_cmp(const void *a, const void *b)
{
	const struct bc *x = a, *y = b;

	if (x->c->prio != y->c->prio)
		return x->c->prio < y->c->prio ? -1 : 1;
	if (x->ti != y->ti)
		return x->ti > y->ti ? -1 : 1;
	return x->ci > y->ci ? -1 : x->ci < y->ci;
}

static bool bound_to(const struct rs_chain *c, const char *dev)
{
	/*
	 * nft 1.0.6's JSON lists netdev chains without their devices (and nft
	 * refuses such a chain without one): not known, so taken as bound to
	 * the packet's interface whatever its name, one the words leave out
	 * too (a frame at ingress always has one), as the engine takes it
	 */
	if (!c->ndevices)
		return true;
	for (size_t i = 0; dev[0] && i < c->ndevices; i++)
		if (c->devices[i] && !strcmp(c->devices[i], dev))
			return true;
	return false;
}

static bool chain_sees(const struct tctx *tc, const struct rs_chain *c, enum rs_hook h)
{
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;

	if (!c->base || c->hook != h || c->table->dormant)   /* dormant: not attached */
		return false;
	/* at a bridge hook only bridge tables run (the port's ingress/egress aside) */
	if (tc->bridge_layer && c->table->family != RS_FAM_NETDEV &&
	    !(c->table->family == RS_FAM_INET && h == RS_HOOK_INGRESS))
		return c->table->family == RS_FAM_BRIDGE;
	/* an ARP packet meets arp tables (and netdev ones, which see every frame) */
	if (packet_is_arp(&tc->p) && c->table->family != RS_FAM_NETDEV)
		return c->table->family == RS_FAM_ARP;
	switch (c->table->family) {
	case RS_FAM_INET:
		return h != RS_HOOK_INGRESS || bound_to(c, tc->p.iif);
	case RS_FAM_IP: return !v6;
	case RS_FAM_IP6: return v6;
	case RS_FAM_NETDEV:
		return (h == RS_HOOK_INGRESS && bound_to(c, tc->p.iif)) ||
		       (h == RS_HOOK_EGRESS && bound_to(c, tc->p.oif));
	default: return false;   /* bridge: only at bridge hooks, above */
	}
}

/* The base chains that see the packet at h, in the kernel's order. */
static struct bc *chains_at(struct tctx *tc, enum rs_hook h, size_t *n)
{
	const struct ruleset *rs = tc->rs;
	struct bc *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t t = 0; t < rs->ntables; t++) {
		for (size_t c = 0; c < rs->tables[t]->nchains; c++) {
			const struct rs_chain *ch = rs->tables[t]->chains[c];

			if (!chain_sees(tc, ch, h) ||
			    (tc->windowed && (ch->prio < tc->prio_lo || ch->prio > tc->prio_hi)))
				continue;
			struct bc *b = push(tc, &v, n, &cap, sizeof(*v));

			if (!b) {
				free(v);
				return NULL;
			}
			*b = (struct bc){ ch, t, c };
		}
	}
	if (*n)
		qsort(v, *n, sizeof(*v), bc_cmp);
	return v;
}

static bool pre_ct_hook(enum rs_hook h)
{
	return h == RS_HOOK_PREROUTING || h == RS_HOOK_OUTPUT;
}

/* nat chains see only a connection's first packet (ICMP errors are translated, not run). */
unsigned nat_type_of(enum rs_hook h)
{
	return natpath_binding(h);
}

static const char *nat_skip(const struct tctx *tc, const struct rs_chain *c)
{
	unsigned st = ev_ct_state(tc);

	if (!c->type || strcmp(c->type, "nat"))
		return NULL;
	/* nf_nat_inet_fn() stops at the first nat chain that set up a binding */
	if (tc->nat_done & nat_type_of(c->hook))
		return "an earlier nat chain already set up this connection's NAT";
	if (st == RS_CTSTATE_NEW)
		return NULL;
	if (st == RS_CTSTATE_RELATED && tc->p.l4proto != 1 && tc->p.l4proto != 58)
		return NULL;
	return "a nat chain sees only the first packet of a connection";
}

/*
 * Whether hook h reassembles fragments, and from which priority on: the IP
 * layer's defragmentation at -400 of prerouting and output when conntrack
 * is loaded for the family; at a bridge hook only nf_conntrack_bridge's,
 * inside its conntrack hook at -200 of bridge prerouting (the IP layer's
 * never sees a frame on a bridge port: br_netfilter is not loaded).
 */
static bool defrag_at(const struct tctx *tc, enum rs_hook h, int *prio)
{
	if (tc->bridge_layer) {
		*prio = PRIO_CONNTRACK;
		return tc->bridge_ct && h == RS_HOOK_PREROUTING;
	}
	*prio = PRIO_DEFRAG;
	return tc->uses_ct && pre_ct_hook(h);
}

/*
 * nf_defrag_ipv6 refuses (-EPROTO) a fragment with more to come whose data is
 * not a multiple of 8 bytes: the packet goes on as it is, fragment header and all.
 */
static bool defrag_refuses(const struct tctx *tc)
{
	return tc->p.nfproto == MATCH_NFPROTO_IPV6 && (tc->p.frag_off & 0x2000) &&
	       hdr_frag_data_len(tc) % 8;
}

/* The fragment waits in the reassembly queue of hook h from *prio on. */
static bool defrag_holds(const struct tctx *tc, enum rs_hook h, int *prio)
{
	return tc->fragment && defrag_at(tc, h, prio) && !defrag_refuses(tc);
}

/*
 * A non-first fragment's data is not in the packet words (it is no transport
 * header): whether defrag takes one with more to come depends on its length.
 */
static void defrag_say_length(struct tctx *tc)
{
	if (tc->p.nfproto == MATCH_NFPROTO_IPV6 && (tc->p.frag_off & 0x2000) &&
	    (tc->p.frag_off & 0x1fff))
		tc_assume(tc, "the fragment's data is taken as a multiple of 8 bytes, so "
			  "reassembly holds it (the packet words cannot give its length)");
}

/* 1 when the packet is held here for reassembly. */
static bool held_by_defrag(const struct tctx *tc, const struct rs_chain *c, enum rs_hook h)
{
	int prio;

	return defrag_holds(tc, h, &prio) && c->prio >= prio;
}

/*
 * An atomic fragment (offset 0, no more fragments) is a whole packet to
 * nf_defrag_ipv6: it "reassembles" it, and the fragment header is gone from
 * there on (checked against the kernel in test_cx_exthdr).
 */
static void defrag_atomic(struct tctx *tc, enum rs_hook h, const struct rs_chain *c)
{
	int prio;

	if (defrag_at(tc, h, &prio) && (!c || c->prio >= prio) &&
	    tc->p.nfproto == MATCH_NFPROTO_IPV6 && !tc->fragment &&
	    packet_has_exthdr(&tc->p, MATCH_EH_FRAG))
		hdr_strip_frag(tc);
}

static int run_base(struct tctx *tc, enum rs_hook h, const struct rs_chain *c, struct xerr *e)
{
	struct trace_run *run = PUSH(tc, tc->r->runs, tc->r->nruns, 0);

	if (!run)
		return -1;
	run->hook = h;
	run->chain = c;
	run->step = tc->r->nsteps;
	tc->hook = h;
	tc->base = c;
	tc->before_ct = h == RS_HOOK_INGRESS || (pre_ct_hook(h) && c->prio < PRIO_CONNTRACK);
	if ((h == RS_HOOK_INGRESS || h == RS_HOOK_EGRESS) && !c->ndevices)
		tc_assume(tc, "%s chain %s: the listing names no device (nft's JSON leaves them "
			  "out); taken as bound to the packet's interface%s%s", rs_hook_name(h),
			  c->name, (h == RS_HOOK_INGRESS ? tc->p.iif : tc->p.oif)[0] ? " " : "",
			  h == RS_HOOK_INGRESS ? tc->p.iif : tc->p.oif);
	run->skipped = nat_skip(tc, c);
	if (!run->skipped) {
		size_t ri = tc->r->nruns - 1;

		if (run_chain(tc, run, e) < 0)
			return -1;
		run = &tc->r->runs[ri];
	}
	run->nsteps = tc->r->nsteps - run->step;
	return 0;
}

static void decide(struct tctx *tc, enum rs_hook h, const struct trace_run *run)
{
	tc->r->verdict = run->verdict;
	tc->r->decided_hook = h;
	tc->r->decided_chain = run->chain;
	tc->r->decided_by = run->by;
}

/*
 * ip_forward()/ip6_forward() decrement the ttl before the forward hook and
 * drop a packet that would reach 0 (time exceeded) before any chain sees it.
 * 1 when the kernel dropped the packet.
 */
static int forward_ttl(struct tctx *tc)
{
	size_t at = tc->p.nfproto == MATCH_NFPROTO_IPV6 ? 7 : 8;

	if (tc->nh[at] <= 1) {
		tc->r->kernel_drop = "the kernel does not forward a packet whose ttl / hop limit "
				     "is 1 or less (time exceeded)";
		tc->r->verdict = TRACE_V_DROP;
		return 1;
	}
	tc->nh[at]--;
	return 0;
}

/* Run the chains of one hook; 1 when the packet's fate is sealed here. */
static int run_hook(struct tctx *tc, enum rs_hook h, struct trace_hook *hk, struct xerr *e)
{
	size_t n;
	struct bc *v;
	int rc = 0, prio;

	if (h == RS_HOOK_FORWARD && !tc->bridge_layer && !tc->brnf_ip && forward_ttl(tc))
		return 1;
	/* ip_local_deliver() reassembles IPv4 before the input hook, conntrack or not */
	if (h == RS_HOOK_INPUT && !tc->bridge_layer && tc->fragment &&
	    tc->p.nfproto == MATCH_NFPROTO_IPV4) {
		tc->r->held = true;
		return 1;
	}
	v = chains_at(tc, h, &n);
	if (!v && n)
		return -1;
	hk->hook = h;
	hk->reached = true;
	hk->verdict = TRACE_V_ACCEPT;
	hk->run = tc->r->nruns;
	for (size_t i = 0; i < n && !rc; i++) {
		defrag_atomic(tc, h, v[i].c);
		if (held_by_defrag(tc, v[i].c, h)) {
			defrag_say_length(tc);
			tc->r->held = true;
			rc = 1;
			break;
		}
		if (run_base(tc, h, v[i].c, e) < 0) {
			rc = -1;
			break;
		}
		if (tc->r->runs[tc->r->nruns - 1].verdict != TRACE_V_NONE)
			decide(tc, h, &tc->r->runs[tc->r->nruns - 1]);
		if (tc->r->verdict == TRACE_V_DROP || tc->stolen) {
			hk->verdict = tc->r->verdict;
			rc = 1;
		}
	}
	if (!rc && defrag_holds(tc, h, &prio)) {
		defrag_say_length(tc);
		tc->r->held = true;   /* no chain after defrag's priority: it still holds it */
		rc = 1;
	}
	if (!rc)
		defrag_atomic(tc, h, NULL);
	hk->nruns = tc->r->nruns - hk->run;
	free(v);
	return rc;
}

/* ---- the path ---------------------------------------------------------------------------- */

/* The hooks after prerouting when a packet is routed to p (input or forward). */
static size_t routed_hooks(enum packet_path p, enum rs_hook *h)
{
	static const enum rs_hook fw[] = { RS_HOOK_FORWARD, RS_HOOK_POSTROUTING, RS_HOOK_EGRESS };

	if (p == PACKET_INPUT) {
		h[0] = RS_HOOK_INPUT;
		return 1;
	}
	memcpy(h, fw, sizeof(fw));
	return 3;
}

static void kernel_drops(struct tctx *tc, const char *why)
{
	tc->r->kernel_drop = why;
	tc->r->verdict = TRACE_V_DROP;
}

/* The interface a packet a dnat forwards leaves by. */
static void route_out(struct tctx *tc, bool v6)
{
	struct xerr e;

	xerr_clear(&e);
	if (tc->o->live_routes &&
	    route_oif(v6, tc->p.daddr.addr, tc->p.oif, sizeof(tc->p.oif), &e) == 0)
		return;
	tc->p.oif[0] = '\0';
	tc_assume(tc, "forwarded after the dnat: the output interface taken as one no rule "
		  "names%s%s", e.msg[0] ? " (" : "", e.msg[0] ? "the route lookup failed)" : "");
}

/*
 * The routing decision after prerouting (natpath.h): a martian is dropped;
 * a destination a dnat/redirect rewrote is routed again. Returns 1 when the
 * kernel dropped the packet; *to is the path from here on.
 */
static int route_after_prerouting(struct tctx *tc, enum packet_path *to)
{
	bool v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;
	enum natpath_where w;

	*to = tc->r->path;
	if (natpath_martian(v6, tc->p.daddr.addr, tc->p.iif)) {
		kernel_drops(tc, natpath_martian_why);
		return 1;
	}
	if (!(tc->nat_done & NAT_DST))
		return 0;
	if (!tc->dnat_exact) {
		tc_assume(tc, "the dnat target is not one address and port: the packet keeps the "
			  "path its words give");
		return 0;
	}
	natpath_target_format(&tc->dnat, tc->r->nat_to, sizeof(tc->r->nat_to));
	w = natpath_route(tc->rs, &tc->dnat, tc->r->path == PACKET_INPUT);
	if (w == NATPATH_EITHER) {
		tc_assume(tc, "the dnat target %s taken as not an address of this host "
			  "(--local-addr or --live says which are)", tc->r->nat_to);
		w = NATPATH_REMOTE;
	}
	*to = w == NATPATH_LOCAL ? PACKET_INPUT : PACKET_FORWARD;
	if (*to == PACKET_FORWARD && tc->r->path != PACKET_FORWARD)
		route_out(tc, v6);
	return 0;
}

/*
 * ARP (arp_rcv, arp_xmit) has two hooks of its own, which the hook numbers
 * of input and output name: received = [ingress] input, sent = output
 * [egress]. No prerouting, no routing, no conntrack.
 */
static size_t arp_hooks(enum packet_path p, enum rs_hook *h)
{
	if (p == PACKET_OUTPUT) {
		h[0] = RS_HOOK_OUTPUT;
		h[1] = RS_HOOK_EGRESS;
	} else {
		h[0] = RS_HOOK_INGRESS;
		h[1] = RS_HOOK_INPUT;
	}
	return 2;
}

static size_t path_hooks(enum packet_path p, enum rs_hook *h)
{
	static const enum rs_hook in[] = { RS_HOOK_INGRESS, RS_HOOK_PREROUTING, RS_HOOK_INPUT };
	static const enum rs_hook fw[] = { RS_HOOK_INGRESS, RS_HOOK_PREROUTING, RS_HOOK_FORWARD,
					   RS_HOOK_POSTROUTING, RS_HOOK_EGRESS };
	static const enum rs_hook out[] = { RS_HOOK_OUTPUT, RS_HOOK_POSTROUTING, RS_HOOK_EGRESS };
	const enum rs_hook *v = p == PACKET_INPUT ? in : p == PACKET_FORWARD ? fw : out;
	size_t n = p == PACKET_INPUT ? 3 : p == PACKET_FORWARD ? 5 : 3;

	memcpy(h, v, n * sizeof(*h));
	return n;
}

static bool hook_needed(struct tctx *tc, enum rs_hook h)
{
	size_t n = 0;
	struct bc *v;

	if (h != RS_HOOK_INGRESS && h != RS_HOOK_EGRESS)
		return true;
	v = chains_at(tc, h, &n);
	free(v);
	return n > 0;
}

static int walk_path(struct tctx *tc, struct xerr *e)
{
	enum rs_hook hooks[TRACE_MAX_HOOKS];
	size_t n = packet_is_arp(&tc->p) ? arp_hooks(tc->r->path, hooks) :
		   path_hooks(tc->r->path, hooks);
	bool sealed = false, v6 = tc->p.nfproto == MATCH_NFPROTO_IPV6;

	for (size_t i = 0; i < n; i++) {
		struct trace_hook *hk;
		int rc;

		/* ipv6_rcv() drops a martian before prerouting */
		if (!sealed && hooks[i] == RS_HOOK_PREROUTING && v6 &&
		    natpath_martian(v6, tc->p.daddr.addr, tc->p.iif)) {
			kernel_drops(tc, natpath_martian_why);
			sealed = true;
		}
		if (!hook_needed(tc, hooks[i]))
			continue;
		hk = &tc->r->hooks[tc->r->nhooks++];
		hk->hook = hooks[i];
		if (sealed)
			continue;
		rc = run_hook(tc, hooks[i], hk, e);
		if (rc < 0)
			return -1;
		sealed = rc > 0;
		if (!sealed && hooks[i] == RS_HOOK_PREROUTING) {
			sealed = route_after_prerouting(tc, &tc->r->routed) > 0;
			n = i + 1 + routed_hooks(tc->r->routed, hooks + i + 1);
		}
	}
	return 0;
}

/* ---- frames through a bridge ---------------------------------------------------------- */

/*
 * Run hooks h[0..n) at the bridge layer (those after the one that sealed
 * the frame's fate are listed as not reached). 1 when its fate is sealed,
 * -1 on error.
 */
static int run_bridge_hooks(struct tctx *tc, const enum rs_hook *h, size_t n, struct xerr *e)
{
	int rc = 0;

	tc->bridge_layer = true;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct trace_hook *hk;

		if (!hook_needed(tc, h[i]))
			continue;
		hk = &tc->r->hooks[tc->r->nhooks++];
		hk->hook = h[i];
		hk->bridge = h[i] != RS_HOOK_INGRESS && h[i] != RS_HOOK_EGRESS;
		if (!rc)
			rc = run_hook(tc, h[i], hk, e);
	}
	tc->bridge_layer = false;
	return rc;
}

/*
 * Whether br_netfilter hands this bridged frame to the IP hooks: where
 * bridge-nf-call-iptables (-ip6tables) is 1 (ruleset_brnf, as the engine);
 * on a file the host is not known and the trace takes it as not loaded.
 */
static bool brnf_calls(struct tctx *tc)
{
	enum rs_brnf b = ruleset_brnf(tc->rs, tc->p.nfproto == MATCH_NFPROTO_IPV6);

	if (packet_is_arp(&tc->p))
		return false;   /* arptables' forward hook: no nft arp chain has it */
	if (b == RS_BRNF_UNKNOWN)
		tc_assume(tc, "br_netfilter taken as not loaded: no IP hook sees the bridged frame "
			  "(--br-netfilter yes|no chooses; --live reads the host's)");
	else if (b == RS_BRNF_ON)
		tc_assume(tc, "br_netfilter is loaded (bridge-nf-call-%s=1): the IP hooks see the "
			  "bridged frame with the bridge as iif/oif",
			  tc->p.nfproto == MATCH_NFPROTO_IPV6 ? "ip6tables" : "iptables");
	return b == RS_BRNF_ON;
}

/*
 * br_netfilter's IP hook h for a bridged frame (as the engine's
 * run_bridged_ip): prerouting with iif the bridge and no oif, forward
 * with both the bridge, postrouting with oif the bridge and no iif; no
 * ttl decrement (ip_forward() does not run).
 */
static int run_brnf_hook(struct tctx *tc, enum rs_hook h, struct trace_hook *hk, struct xerr *e)
{
	char iif[sizeof(tc->p.iif)], oif[sizeof(tc->p.oif)];
	int rc;

	memcpy(iif, tc->p.iif, sizeof(iif));
	memcpy(oif, tc->p.oif, sizeof(oif));
	snprintf(tc->p.iif, sizeof(tc->p.iif), "%s", h == RS_HOOK_POSTROUTING ? "" : tc->p.ibr);
	snprintf(tc->p.oif, sizeof(tc->p.oif), "%s", h == RS_HOOK_PREROUTING ? "" : tc->p.obr);
	tc->brnf_ip = true;
	rc = run_hook(tc, h, hk, e);
	tc->brnf_ip = false;
	memcpy(tc->p.iif, iif, sizeof(iif));
	memcpy(tc->p.oif, oif, sizeof(oif));
	return rc;
}

/* Whether a bridge step is listed: the first window of a hook always, a later one with chains. */
static bool step_listed(struct tctx *tc, const struct bridged_step *st)
{
	size_t n = 0;
	struct bc *v;

	if (st->lo == INT_MIN && st->hook != RS_HOOK_INGRESS && st->hook != RS_HOOK_EGRESS)
		return true;
	v = chains_at(tc, st->hook, &n);
	free(v);
	return n > 0;
}

/*
 * A frame bridged from port to port (br_forward.c), with br_netfilter's
 * IP hooks where brnf_calls() says so, in bridged.h's order (as the
 * engine's run_bridged()). Steps after the one that sealed the frame's fate
 * are listed as not reached. -1 on error.
 */
static int walk_bridged_forward(struct tctx *tc, struct xerr *e)
{
	bool brnf = brnf_calls(tc);
	int rc = 0;

	for (size_t i = 0; i < bridged_nsteps && rc >= 0; i++) {
		const struct bridged_step *st = &bridged_steps[i];
		struct trace_hook *hk;
		bool listed;

		if (st->ip && !brnf)
			continue;
		tc->bridge_layer = !st->ip;
		tc->windowed = !st->ip;
		tc->prio_lo = st->lo;
		tc->prio_hi = st->hi;
		listed = st->ip || step_listed(tc, st);
		if (listed && tc->r->nhooks < TRACE_MAX_HOOKS) {
			hk = &tc->r->hooks[tc->r->nhooks++];
			hk->hook = st->hook;
			hk->bridge = !st->ip && st->hook != RS_HOOK_INGRESS &&
				     st->hook != RS_HOOK_EGRESS;
			if (!rc)
				rc = st->ip ? run_brnf_hook(tc, st->hook, hk, e) :
					      run_hook(tc, st->hook, hk, e);
		}
		tc->windowed = false;
		tc->bridge_layer = false;
	}
	return rc < 0 ? -1 : 0;
}

static bool fate_sealed(const struct tctx *tc)
{
	return tc->r->verdict == TRACE_V_DROP || tc->r->held || tc->stolen;
}

/*
 * br_handle_frame: a frame on a port meets the bridge hooks; one for this
 * host goes up as received on the bridge device (br_pass_frame_up), one
 * this host sends through the bridge device comes down to the port
 * (br_dev_xmit); a frame for another port is bridged, no IP hook at all.
 */
static int walk_bridged(struct tctx *tc, struct xerr *e)
{
	static const enum rs_hook in[] = { RS_HOOK_INGRESS, RS_HOOK_PREROUTING, RS_HOOK_INPUT };
	static const enum rs_hook out[] = { RS_HOOK_OUTPUT, RS_HOOK_POSTROUTING, RS_HOOK_EGRESS };
	const struct packet *w = &tc->r->pkt;
	int rc;

	switch (tc->r->path) {
	case PACKET_FORWARD:
		return walk_bridged_forward(tc, e);
	case PACKET_INPUT:
		rc = run_bridge_hooks(tc, in, 3, e);
		if (rc)
			return rc < 0 ? -1 : 0;
		snprintf(tc->p.iif, sizeof(tc->p.iif), "%s", w->ibr);
		return walk_path(tc, e);
	default:
		snprintf(tc->p.oif, sizeof(tc->p.oif), "%s", w->obr);
		if (walk_path(tc, e) < 0)
			return -1;
		if (fate_sealed(tc))
			return 0;
		snprintf(tc->p.oif, sizeof(tc->p.oif), "%s", w->oif);
		return run_bridge_hooks(tc, out, 3, e) < 0 ? -1 : 0;
	}
}

static void result_init(struct trace_result *r, const struct packet *p)
{
	memset(r, 0, sizeof(*r));
	r->pkt = *p;
	r->path = packet_path(p);
	r->routed = r->path;
	r->verdict = TRACE_V_ACCEPT;   /* no chain at all: the kernel lets it through */
	r->decided_hook = RS_HOOK_NONE;
}

/*
 * Tables of the bridge family, for a packet not given as a frame through a
 * bridge (no ibrname/obrname): their chains see the frames that arrive on
 * and leave by bridge ports, which this packet's words do not describe, so
 * the trace says that it left them out rather than looking complete. An
 * arp table sees only ARP packets, which the tracer follows.
 */
static void note_not_traced(struct tctx *tc)
{
	for (size_t t = 0; t < tc->rs->ntables; t++) {
		const struct rs_table *tb = tc->rs->tables[t];
		bool base = false;

		for (size_t c = 0; c < tb->nchains && !base; c++)
			base = tb->chains[c]->base;
		if (base && tb->family == RS_FAM_BRIDGE && !packet_is_bridged(&tc->p))
			tc_assume(tc, "bridge table %s is not traced: the packet words name no bridge "
				  "port (iif P ibrname B); a frame through a bridge is judged by it too",
				  tb->name ? tb->name : "?");
	}
}

int trace_packet(const struct ruleset *rs, const struct packet *p, const struct trace_opts *o,
		 struct trace_result *out, struct xerr *e)
{
	static const struct trace_opts none = { 0 };
	struct tctx tc = { .rs = rs, .o = o ? o : &none, .r = out, .p = *p };
	int rc;

	result_init(out, p);
	if (p->unresolved)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "the packet still holds $%s: resolve the "
				"policy's defines first", p->define[__builtin_ctz(p->unresolved)]);
	tc.uses_ct = ruleset_uses_ct(rs, p->nfproto == MATCH_NFPROTO_IPV6);
	tc.bridge_ct = ruleset_bridge_uses_ct(rs);
	hdr_build(&tc);
	note_not_traced(&tc);
	rc = packet_is_bridged(p) ? walk_bridged(&tc, e) : walk_path(&tc, e);
	free(tc.rt);
	if (rc < 0 || tc.oom) {
		if (tc.oom)
			xerr_set(e, XNFT_EXIT_USAGE, "out of memory tracing the packet");
		trace_result_free(out);
		return -1;
	}
	return 0;
}

void trace_result_free(struct trace_result *r)
{
	if (!r)
		return;
	free(r->runs);
	free(r->steps);
	free(r->fx);
	free(r->as);
	r->runs = NULL;
	r->steps = NULL;
	r->fx = NULL;
	r->as = NULL;
	r->nruns = r->nsteps = r->nfx = r->nas = 0;
	memset(r->caps, 0, sizeof(r->caps));
}
