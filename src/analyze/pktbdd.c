// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet words (an intent's MATCH or ALLOW, a PACKET) compiled to a BDD
 * over the header space: sx_match_list_bdd() of symexec.h.
 */
#include "analyze/bddref.h"
#include "analyze/symexec.h"
#include "analyze/symexec_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static enum hs_field mf_field(enum match_field f, bool *v4addr)
{
	*v4addr = false;
	switch (f) {
	case MF_IP_SADDR: *v4addr = true; return HS_SADDR;
	case MF_IP_DADDR: *v4addr = true; return HS_DADDR;
	case MF_IP6_SADDR: return HS_SADDR;
	case MF_IP6_DADDR: return HS_DADDR;
	case MF_L4PROTO: case MF_IP_PROTOCOL: case MF_IP6_NEXTHDR: return HS_L4PROTO;
	case MF_IP_TTL: case MF_IP6_HOPLIMIT: return HS_TTL;
	case MF_IP_LENGTH: return HS_LENGTH;
	case MF_IP_FRAG_OFF: return HS_FRAGOFF;
	case MF_TCP_SPORT: case MF_UDP_SPORT: case MF_TH_SPORT: return HS_SPORT;
	case MF_TCP_DPORT: case MF_UDP_DPORT: case MF_TH_DPORT: return HS_DPORT;
	case MF_TCP_FLAGS: return HS_TCPFLAGS;
	case MF_ICMP_TYPE: case MF_ICMPV6_TYPE: return HS_ICMPTYPE;
	case MF_ICMP_CODE: case MF_ICMPV6_CODE: return HS_ICMPCODE;
	case MF_MARK: return HS_MARK;
	case MF_NFPROTO: return HS_NFPROTO;
	case MF_CT_STATE: return HS_CTSTATE;
	default: return HS__NFIELDS;
	}
}

static u128 prefix_u128(const struct prefix *p)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = (v << 8) | p->addr[i];
	return v;
}

static const struct rs_set *find_set(const struct ruleset *rs, const char *name)
{
	for (size_t t = 0; t < rs->ntables; t++) {
		const struct rs_set *s = rs_table_set(rs->tables[t], name);

		if (s)
			return s;
	}
	return NULL;
}

static BDD iface_value(struct hspace *hs, enum hs_field f, const struct match_value *v)
{
	size_t n = strlen(v->name);
	BDD r = bddfalse, x;

	if (n && v->name[n - 1] == '*') {
		/* names that no rule names may match the pattern too */
		for (size_t i = 0; i < hs->nifs; i++)
			if (i == 0 || !strncmp(hs->ifs[i].repr, v->name, n - 1)) {
				x = hs_eq(hs, f, i);
				or_into(&r, x);
				unref(x);
			}
		return r;
	}
	return hs_eq(hs, f, hs_iface_index(hs, v->name));
}

static int value_bdd(struct hspace *hs, const struct ruleset *rs, const struct match_cond *mc,
		     const struct match_value *v, enum hs_field f, bool v4addr, BDD *out,
		     const struct match_src *src, struct xerr *e)
{
	struct fmap fm = { .f = f, .v4addr = v4addr, .nfproto = -1 };
	u128 lo, hi;

	(void)mc;
	*out = bddfalse;
	switch (v->kind) {
	case MV_NUM:
	case MV_RANGE:
		if (f == HS_CTSTATE) {
			BDD r = bddfalse, x;

			for (unsigned i = 0; i < HS_NCTSTATES; i++)
				if (hs_ctstate_bits[i] >= v->lo && hs_ctstate_bits[i] <= v->hi) {
					x = hs_eq(hs, f, i);
					or_into(&r, x);
					unref(x);
				}
			*out = r;
			return 0;
		}
		if (f == HS_NFPROTO) {
			*out = v->lo == MATCH_NFPROTO_IPV4 ? hs_eq(hs, f, 0) :
			       v->lo == MATCH_NFPROTO_IPV6 ? hs_eq(hs, f, 1) : bddfalse;
			return 0;
		}
		*out = hs_range(hs, f, v->lo, v->hi);
		return 0;
	case MV_PREFIX: {
		unsigned max = v->addr.family == AF_INET6 ? 128 : 32;
		unsigned hb = max - (v->addr.len > max ? max : v->addr.len);
		u128 host = hb >= 128 ? ~(u128)0 : (((u128)1 << hb) - 1);

		lo = prefix_u128(&v->addr);
		if (v4addr) {
			lo >>= 96;
			lo &= ~host;
			*out = hs_range(hs, f, to_field(&fm, lo), to_field(&fm, lo | host) | low_fill(&fm));
		} else {
			lo &= ~host;
			*out = hs_range(hs, f, lo, lo | host);
		}
		return 0;
	}
	case MV_ADDR_RANGE:
		lo = prefix_u128(&v->addr);
		hi = prefix_u128(&v->addr_hi);
		if (v4addr) {
			lo >>= 96;
			hi >>= 96;
			*out = hs_range(hs, f, to_field(&fm, lo), to_field(&fm, hi) | low_fill(&fm));
		} else {
			*out = hs_range(hs, f, lo, hi);
		}
		return 0;
	case MV_SET: {
		const struct rs_set *set = find_set(rs, v->name);
		struct rs_term t = { .kind = RS_TERM_SETREF };
		struct ivs s = { 0 };

		if (!set) {
			xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, mc->col,
				"'@%s' is not a set of the policy", v->name);
			return xerr_hint(e, "name one of the policy's named sets, or write the "
					 "addresses themselves");
		}
		t.set = (struct rs_set *)set;
		term_ivs(&fm, &t, &s, 0);
		if (s.oom || s.unknown) {
			free(s.v);
			return xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, mc->col,
				       "set @%s holds elements that are not single values, "
				       "prefixes or ranges", v->name);
		}
		*out = hs_intervals(hs, f, s.v, s.n);
		free(s.v);
		return 0;
	}
	default:
		return xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, mc->col,
			       "'$%s' was not resolved", v->name);
	}
}

static BDD match_cond_values(struct hspace *hs, const struct ruleset *rs,
			     const struct match_cond *mc, enum hs_field f, bool v4addr,
			     const struct match_src *src, struct xerr *e);

static int cond_bdd(struct hspace *hs, const struct ruleset *rs, const struct match_cond *mc,
		    enum sx_path p, BDD *out, const struct match_src *src, struct xerr *e)
{
	enum hs_field f;
	bool v4addr;
	BDD r = bddfalse;

	*out = bddfalse;
	for (size_t i = 0; mc->field == MF_NFPROTO && i < mc->nval; i++)
		if (mc->val[i].kind == MV_NUM && mc->val[i].lo == MATCH_NFPROTO_ARP)
			return xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, mc->col,
				       "ARP packets cannot be analysed: the engine does not model "
				       "the arp family (xnft trace follows one ARP packet)");
	if (mc->field == MF_FRAGMENT) {
		BDD z = hs_masked_eq(hs, HS_FRAGOFF, 0x1fff, 0);

		*out = NOT(z);
		unref(z);
		return 0;
	}
	if (mc->field == MF_IIF || mc->field == MF_IIFNAME || mc->field == MF_OIF ||
	    mc->field == MF_OIFNAME) {
		bool oif = mc->field == MF_OIF || mc->field == MF_OIFNAME;

		if ((oif && p == SX_INPUT) || (!oif && p == SX_OUTPUT)) {
			*out = bddfalse;
			return 0;
		}
		for (size_t i = 0; i < mc->nval; i++) {
			BDD x;

			if (mc->val[i].kind != MV_IFNAME)
				return xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, mc->col,
					       "'$%s' was not resolved", mc->val[i].name);
			x = iface_value(hs, oif ? HS_OIF : HS_IIF, &mc->val[i]);
			or_into(&r, x);
			unref(x);
		}
		if (mc->op == MOP_NE) {
			BDD d = hs_range(hs, oif ? HS_OIF : HS_IIF, 0, hs->nifs - 1);

			put(&r, DIFF(d, r));
			unref(d);
		}
		*out = r;
		return 0;
	}
	f = mf_field(mc->field, &v4addr);
	if (f == HS__NFIELDS)
		return xerr_at(e, XNFT_EXIT_FINDINGS, src->file, src->line, mc->col,
			       "'%s' cannot be analysed", match_field_name(mc->field));
	if (mc->op == MOP_MASK_EQ || mc->op == MOP_MASK_NE) {
		if (f == HS_CTSTATE) {
			for (unsigned i = 0; i < HS_NCTSTATES; i++) {
				bool hit = (hs_ctstate_bits[i] & mc->mask) == mc->val[0].lo;

				if (hit == (mc->op == MOP_MASK_EQ)) {
					BDD x = hs_eq(hs, f, i);

					or_into(&r, x);
					unref(x);
				}
			}
			*out = r;
			return 0;
		}
		r = hs_masked_eq(hs, f, mc->mask, mc->val[0].lo);
		if (mc->op == MOP_MASK_NE)
			put(&r, NOT(r));
	} else {
		r = match_cond_values(hs, rs, mc, f, v4addr, src, e);
		if (r == (BDD)-1)
			return -1;
	}
	if (f == HS_SPORT || f == HS_DPORT || f == HS_TCPFLAGS || f == HS_ICMPTYPE ||
	    f == HS_ICMPCODE) {
		/* these words speak of the transport header: not a non-first fragment */
		BDD whole = hs_masked_eq(hs, HS_FRAGOFF, 0x1fff, 0);

		and_into(&r, whole);
		unref(whole);
	}
	*out = r;
	return 0;
}

static BDD match_cond_values(struct hspace *hs, const struct ruleset *rs,
			     const struct match_cond *mc, enum hs_field f, bool v4addr,
			     const struct match_src *src, struct xerr *e)
{
	BDD r = bddfalse;

	for (size_t i = 0; i < mc->nval; i++) {
		BDD x;

		if (value_bdd(hs, rs, mc, &mc->val[i], f, v4addr, &x, src, e)) {
			unref(r);
			return (BDD)-1;
		}
		or_into(&r, x);
		unref(x);
	}
	if (mc->op == MOP_NE)
		put(&r, NOT(r));
	if (v4addr || f == HS_SADDR || f == HS_DADDR) {
		BDD g = hs_eq(hs, HS_NFPROTO, v4addr ? 0 : 1);

		and_into(&r, g);
		unref(g);
	}
	return r;
}

int sx_match_list_bdd(struct hspace *hs, const struct ruleset *rs, const struct match_list *m,
		      enum sx_path p, BDD *out, struct xerr *e)
{
	static const struct match_src nosrc = { "", 0 };
	BDD r = path_domain(hs, p, false);

	*out = bddfalse;
	for (size_t i = 0; i < m->n && r != bddfalse; i++) {
		BDD x;

		if (cond_bdd(hs, rs, &m->cond[i], p, &x, &nosrc, e)) {
			unref(r);
			return -1;
		}
		and_into(&r, x);
		unref(x);
	}
	if (hs_check(hs, e)) {
		unref(r);
		return -1;
	}
	*out = r;
	return 0;
}
