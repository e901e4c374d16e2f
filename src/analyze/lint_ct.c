// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conntrack and forwarding checks: an invalid-state drop that comes after
 * an accept which takes invalid packets (XL010), ct matched before
 * conntrack has run (XL011), fragment matches where packets are already
 * reassembled (XL012), and a forward chain that drops replies (XL050).
 */
#include <string.h>

#include "analyze/construct.h"
#include "analyze/lint_int.h"

static void accepts_every_new(struct lint_ctx *x);

/* ---- XL010 ------------------------------------------------------------------------------ */

static void late_invalid_drop(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	struct lint_finding *f;
	char at[600];

	if (!ri->invalid_escape)
		return;
	lint_rule_place(ri->invalid_escape, at, sizeof(at));
	f = lint_add(x, "XL010", LINT_ERROR, ri->r,
		     "this invalid-state drop comes too late: the accept at %s takes packets in "
		     "ct state invalid before they get here, so forged or out-of-window packets "
		     "reach what it accepts", at);
	lint_hint(f, "put `ct state invalid drop` first (before any jump to services and any "
		  "accept), or restrict the accept at %s to `ct state new`", at);
}

/* ---- XL011 ------------------------------------------------------------------------------ */

static bool stmt_uses_ct(const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH: return lint_expr_uses_ct(s->u.match.left);
	case RS_ST_VMAP: return lint_expr_uses_ct(s->u.vmap.key);
	case RS_ST_SET: return lint_expr_uses_ct(s->u.set.elem);
	case RS_ST_METER: return lint_expr_uses_ct(s->u.meter.key);
	case RS_ST_MANGLE: return lint_expr_uses_ct(s->u.mangle.key);
	case RS_ST_CT_COUNT: return true;
	default: return false;
	}
}

static void ct_before_conntrack(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct rs_rule *r = ri->r;
	struct lint_finding *f;
	bool uses = false;

	if (!ri->before_ct)
		return;
	for (size_t i = 0; i < r->nitems && !uses; i++)
		uses = stmt_uses_ct(&r->items[i]);
	if (!uses)
		return;
	f = lint_add(x, "XL011", LINT_ERROR, r,
		     "conntrack has not run yet where this rule runs (a base chain at priority "
		     "below -200 on prerouting/output): every packet has ct state invalid here "
		     "(untracked after notrack), so this ct match never does what it says");
	lint_hint(f, "move the rule to a chain at priority -200 or later (e.g. `priority "
		  "filter`), or match on header fields instead");
}

/* ---- XL012 ------------------------------------------------------------------------------ */

static bool fragment_match(const struct rs_stmt *s)
{
	const struct rs_term *mask = NULL;
	const struct rs_expr *l;

	if (s->kind != RS_ST_MATCH)
		return false;
	l = lint_unmask(s->u.match.left, &mask);
	if (l && l->kind == RS_EX_EXTHDR && l->name && !strcmp(l->name, "frag"))
		return true;
	if (!l || l->kind != RS_EX_PAYLOAD || l->key != RS_F_IP_FRAG_OFF)
		return false;
	/* the DF bit (0x4000) survives reassembly; offset and MF (0x3fff) do not */
	return !mask || (mask->v.num & 0x3fff);
}

/*
 * The kernel reassembles only in a namespace where something uses
 * conntrack (or tproxy/socket, which ask for defrag themselves): a ct
 * expression or ct statement, NAT, synproxy, a flowtable. In a ruleset with
 * none of them the input chain does see fragments.
 */
static bool stmt_enables_defrag(const struct rs_stmt *s)
{
	switch (cx_stmt_kind(s)) {   /* a named synproxy object is a synproxy */
	case RS_ST_NAT:
	case RS_ST_SYNPROXY:
	case RS_ST_FLOW:
	case RS_ST_TPROXY:
		return true;
	default:
		return stmt_uses_ct(s);
	}
}

static bool ruleset_defrags(const struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++) {
		const struct rs_chain *ch = x->ch[c].c;

		for (size_t i = 0; i < ch->nrules; i++) {
			for (size_t k = 0; k < ch->rules[i].nitems; k++) {
				if (stmt_enables_defrag(&ch->rules[i].items[k]))
					return true;
			}
		}
	}
	return false;
}

static void fragment_after_defrag(struct lint_ctx *x, const struct lint_rinfo *ri,
				  bool defrags)
{
	const struct rs_rule *r = ri->r;
	struct lint_finding *f;
	bool frag = false;

	if (!ri->after_defrag || !defrags)
		return;
	for (size_t i = 0; i < r->nitems && !frag; i++)
		frag = fragment_match(&r->items[i]);
	if (!frag)
		return;
	f = lint_add(x, "XL012", LINT_ERROR, r,
		     "this fragment match never fires: this ruleset uses conntrack, so where the "
		     "rule runs (input, forward, output, or prerouting after priority -400) the "
		     "kernel has already reassembled the packet and no fragment is left to see");
	lint_hint(f, "match fragments in a prerouting chain at a priority below -400, e.g. "
		  "`type filter hook prerouting priority -450`");
}

void lint_check_conntrack(struct lint_ctx *x)
{
	bool defrags = ruleset_defrags(x);

	accepts_every_new(x);
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++) {
			const struct lint_rinfo *ri = &x->ch[c].ri[i];

			late_invalid_drop(x, ri);
			ct_before_conntrack(x, ri);
			fragment_after_defrag(x, ri, defrags);
		}
	}
}

/* ---- XL013 ------------------------------------------------------------------------------ */

static bool input_filter(const struct rs_chain *c)
{
	return c->base && c->hook == RS_HOOK_INPUT && (!c->type || !strcmp(c->type, "filter"));
}

static bool sees_row(const struct rs_chain *c, int f)
{
	switch (c->table->family) {
	case RS_FAM_INET: return f == LINT_NF_IPV4 || f == LINT_NF_IPV6;
	case RS_FAM_IP: return f == LINT_NF_IPV4;
	case RS_FAM_IP6: return f == LINT_NF_IPV6;
	default: return false;
	}
}

/*
 * New connections of family row f from an interface the ruleset does not
 * name: does every input filter chain accept all of them (no drop, reject
 * or limit takes any part)? A packet must pass every base chain of its hook.
 */
static bool input_takes_all_new(const struct lint_ctx *x, int f, const struct lint_cinfo **at)
{
	uint64_t other = 1ULL << x->ifs.other;
	bool any = false;

	for (size_t c = 0; c < x->nch; c++) {
		const struct lint_cinfo *ci = &x->ch[c];

		if (!input_filter(ci->c) || !ci->walked)
			continue;
		/* a chain of another family does not see these packets */
		if (!sees_row(ci->c, f))
			continue;
		if (!(ci->acc_all.m[f][LINT_CT_NEW] & other))
			return false;
		if (!any)
			*at = ci;
		any = true;
	}
	return any;
}

static void accepts_every_new(struct lint_ctx *x)
{
	const struct lint_cinfo *ci = NULL;
	const struct lint_srcline *decl;
	struct lint_finding *f;
	bool v4, v6;

	if (!x->rs || x->incomplete)
		return;
	v4 = input_takes_all_new(x, LINT_NF_IPV4, &ci);
	v6 = input_takes_all_new(x, LINT_NF_IPV6, &ci);
	if (!v4 && !v6)
		return;
	decl = lint_chain_decl(x, ci->c);
	f = lint_add_at(x->out, "XL013", LINT_WARNING, decl ? decl->file : NULL,
			decl ? decl->line : 0,
			"the input chains accept every new %s connection from an interface this "
			"ruleset does not name (any port, any source): as a host firewall it "
			"filters nothing that comes in", v4 && v6 ? "IPv4 and IPv6" : v4 ? "IPv4"
											 : "IPv6");
	lint_where(f, "%s %s %s", rs_family_name(ci->c->table->family), ci->c->table->name,
		   ci->c->name);
	lint_hint(f, "end chain %s with `policy drop` (after `ct state established,related "
		  "accept`, `iif lo accept` and the services you mean to offer)", ci->c->name);
}

/* ---- XL050 ------------------------------------------------------------------------------ */

static void forward_chain(struct lint_ctx *x, const struct lint_cinfo *ci)
{
	const struct rs_chain *c = ci->c;
	const struct lint_srcline *decl;
	struct cells est = ci->acc;
	struct lint_finding *f;
	bool routes;

	if (!c->base || c->hook != RS_HOOK_FORWARD || c->policy != RS_POLICY_DROP)
		return;
	cells_keep_ct(&est, (1u << LINT_CT_ESTABLISHED) | (1u << LINT_CT_RELATED));
	if (!cells_empty(&est))
		return;
	routes = !cells_empty(&ci->acc);
	decl = lint_chain_decl(x, c);
	f = lint_add_at(x->out, "XL050", routes ? LINT_ERROR : LINT_WARNING,
			decl ? decl->file : NULL, decl ? decl->line : 0,
			"forward chain %s drops by policy and no rule accepts ct state "
			"established/related: %s", c->name,
			routes ? (x->ifs.mesh ? "the connections it accepts get their replies "
						"dropped (hub routing between mesh peers breaks)"
					      : "the connections it accepts get their replies "
						"dropped")
			       : "forwarded replies are dropped even when another table (Docker's) "
				 "accepts them, so container networking breaks");
	lint_where(f, "%s %s %s", rs_family_name(c->table->family), c->table->name, c->name);
	lint_hint(f, "add `ct state invalid drop` then `ct state established,related accept` "
		  "at the top of chain %s", c->name);
}

void lint_check_forward(struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++)
		forward_chain(x, &x->ch[c]);
}
