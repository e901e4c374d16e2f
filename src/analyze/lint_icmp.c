// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP checks: redirects accepted (XL030) let a neighbour reroute this
 * host's traffic through itself. XL031 (NDP accepted without `ip6 hoplimit
 * 255`) is retired: the kernel's ndisc_rcv drops every NDP message whose hop
 * limit is not 255 before it acts on it, so the rule was never the weak layer.
 */
#include "analyze/lint_int.h"

enum { ICMP_REDIRECT = 5, ICMPV6_ND_REDIRECT = 137, IPPROTO_ICMP_ = 1, IPPROTO_ICMPV6_ = 58 };

/*
 * Does the rule accept type `type` of this ICMP flavour? Every type match
 * must allow it, and the rule must be about that protocol (a type match or
 * an explicit l4proto match), not merely let everything through.
 */
static bool admits_type(const struct rs_rule *r, enum rs_field type_field, uint64_t proto,
			uint64_t type)
{
	bool about = false;

	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];
		const struct rs_match *m = &s->u.match;

		if (s->kind != RS_ST_MATCH)
			continue;
		if (lint_is_field(m->left, type_field)) {
			if (lint_match_num(m, type) == 0)
				return false;
			about = true;
		} else if (!m->implicit && (lint_is_meta(m->left, RS_META_L4PROTO) ||
					     lint_is_field(m->left, RS_F_IP_PROTOCOL) ||
					     lint_is_field(m->left, RS_F_IP6_NEXTHDR))) {
			if (lint_match_num(m, proto) == 0)
				return false;
			about = true;
		}
	}
	return about;
}

/* Only a type match (and what it implies) before a drop: that type is gone. */
static bool drops_type(const struct rs_rule *r, enum rs_field type_field, uint64_t type)
{
	bool typed = false;

	if (lint_verdict(r) != LINT_V_DROP)
		return false;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];

		if (lint_stmt_gates(s))
			return false;
		if (s->kind != RS_ST_MATCH || s->u.match.implicit)
			continue;
		if (!lint_is_field(s->u.match.left, type_field) ||
		    lint_match_num(&s->u.match, type) != 1)
			return false;
		typed = true;
	}
	return typed;
}

static bool dropped_before(const struct rs_rule *r, enum rs_field f, uint64_t type)
{
	const struct rs_chain *c = r->chain;

	for (const struct rs_rule *p = c->rules; p < r; p++) {
		if (drops_type(p, f, type))
			return true;
	}
	return false;
}

static void redirect(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct rs_rule *r = ri->r;
	struct lint_finding *f;
	bool v6;

	/* only a redirect delivered to this host reroutes its traffic; forwarded ones are
	 * the destination's business */
	if (lint_verdict(r) != LINT_V_ACCEPT || cells_empty(&ri->matched) ||
	    !(ri->hooks & (1u << RS_HOOK_INPUT)))
		return;
	if (admits_type(r, RS_F_ICMPV6_TYPE, IPPROTO_ICMPV6_, ICMPV6_ND_REDIRECT) &&
	    !dropped_before(r, RS_F_ICMPV6_TYPE, ICMPV6_ND_REDIRECT))
		v6 = true;
	else if (admits_type(r, RS_F_ICMP_TYPE, IPPROTO_ICMP_, ICMP_REDIRECT) &&
		 !dropped_before(r, RS_F_ICMP_TYPE, ICMP_REDIRECT))
		v6 = false;
	else
		return;
	/*
	 * A warning: the kernel takes a redirect only from the current first-hop
	 * router (and a router ignores them), so it takes a host on the link that
	 * forges the router's address, one who can forge neighbour adverts too.
	 */
	f = lint_add(x, "XL030", LINT_WARNING, r,
		     "this rule accepts %s: a host on the link that poses as the router can tell "
		     "this host to send its traffic for a destination through itself (a man in "
		     "the middle); the kernel's own check is only that it comes from the router's "
		     "address",
		     v6 ? "ICMPv6 nd-redirect (type 137)" : "ICMP redirect (type 5)");
	lint_hint(f, "leave %s out of the accepted types, and drop it explicitly before: "
		  "`%s counter drop`", v6 ? "nd-redirect" : "redirect",
		  v6 ? "icmpv6 type nd-redirect" : "icmp type redirect");
}

void lint_check_icmp(struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++) {
			redirect(x, &x->ch[c].ri[i]);
		}
	}
}
