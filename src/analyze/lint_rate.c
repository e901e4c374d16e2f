// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rate-limit checks. A limit does one of two jobs: it gates a log (a
 * rate-limited log: fine, that is how logs must be written) or it rate-limits
 * traffic. Only the second kind can be shared by every source (XL020) or be
 * undone by a drop on the same match (XL021). Logs an outsider can trigger
 * must have a limit before them (XL022).
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/lint_int.h"

static const struct rs_limit *global_limit(const struct rs_rule *r, size_t *at)
{
	for (size_t i = 0; i < r->nitems; i++) {
		if (r->items[i].kind == RS_ST_LIMIT) {
			*at = i;
			return &r->items[i].u.limit;
		}
	}
	return NULL;
}

/* A meter or a set update holding a limit: one bucket per key. */
static bool keyed_limit(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];

		if ((s->kind == RS_ST_METER || s->kind == RS_ST_SET) && lint_stmt_gates(s))
			return true;
	}
	return false;
}

/* ---- XL020 ------------------------------------------------------------------------------ */

enum limited_kind { LIM_TRAFFIC, LIM_ICMP, LIM_SYN };

static bool icmp_field(const struct rs_expr *l)
{
	if (l && l->kind == RS_EX_CONCAT) {
		for (size_t i = 0; i < l->nsub; i++) {
			if (icmp_field(l->sub[i]))
				return true;
		}
		return false;
	}
	return lint_is_field(l, RS_F_ICMP_TYPE) || lint_is_field(l, RS_F_ICMP_CODE) ||
	       lint_is_field(l, RS_F_ICMPV6_TYPE) || lint_is_field(l, RS_F_ICMPV6_CODE);
}

static bool match_is_icmp(const struct rs_match *m)
{
	const struct rs_expr *l = m->left;

	/* `icmpv6 type . icmpv6 code { ... }` as fw4 writes it counts too */
	if (icmp_field(l))
		return true;
	if (!lint_is_meta(l, RS_META_L4PROTO) && !lint_is_field(l, RS_F_IP_PROTOCOL) &&
	    !lint_is_field(l, RS_F_IP6_NEXTHDR))
		return false;
	/* icmp (1) or ipv6-icmp (58), and not tcp (6) */
	return (lint_match_num(m, 1) == 1 || lint_match_num(m, 58) == 1) &&
	       lint_match_num(m, 6) == 0;
}

static bool rule_matches(const struct rs_rule *r, bool (*pred)(const struct rs_match *))
{
	for (size_t i = 0; i < r->nitems; i++) {
		if (r->items[i].kind == RS_ST_MATCH && pred(&r->items[i].u.match))
			return true;
	}
	return false;
}

static bool match_is_tcp_flags(const struct rs_match *m)
{
	return lint_is_field(m->left, RS_F_TCP_FLAGS);
}

/* Some jump or goto to chain c is about TCP flags (fw4's `jump syn_flood`). */
static bool jumped_for_syn(const struct lint_ctx *x, const struct rs_chain *c)
{
	for (size_t k = 0; k < x->nch; k++) {
		const struct rs_chain *ch = x->ch[k].c;

		for (size_t i = 0; i < ch->nrules; i++) {
			const struct rs_verdict *v = lint_jump(&ch->rules[i]);

			if (v && v->chain == c && rule_matches(&ch->rules[i], match_is_tcp_flags))
				return true;
		}
	}
	return false;
}

/* `limit rate N return` followed by a drop: under the rate goes back, the rest is dropped. */
static bool returns_then_drop(const struct rs_rule *r)
{
	const struct rs_chain *c = r->chain;

	if (lint_verdict(r) != LINT_V_RETURN)
		return false;
	for (size_t i = (size_t)(r - c->rules) + 1; i < c->nrules; i++) {
		if (lint_verdict(&c->rules[i]) == LINT_V_DROP)
			return true;
	}
	return false;
}

/* Does the limit limit traffic (not gate a log), and which kind? -1: it does not. */
static int limited_traffic(const struct lint_ctx *x, const struct rs_rule *r,
			   const struct rs_limit *l)
{
	enum lint_vk vk = lint_verdict(r);

	/* under the rate it accepts (or returns to a drop), or over it drops/diverts */
	if (!(!l->inv && (vk == LINT_V_ACCEPT || returns_then_drop(r))) &&
	    !(l->inv && (vk == LINT_V_DROP || vk == LINT_V_JUMP || vk == LINT_V_GOTO)))
		return -1;
	if (rule_matches(r, match_is_icmp))
		return LIM_ICMP;
	if (rule_matches(r, match_is_tcp_flags) || jumped_for_syn(x, r->chain))
		return LIM_SYN;
	return LIM_TRAFFIC;
}

static void shared_limit(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	static const char *const what[] = { "", " (ICMP)", " (new TCP connections: SYN)" };
	const struct rs_rule *r = ri->r;
	const struct rs_limit *l;
	struct lint_finding *f;
	enum lint_severity sev;
	int kind;
	size_t at;

	l = global_limit(r, &at);
	if (!l || keyed_limit(r) || !ri->walked || cells_empty(&ri->matched))
		return;
	kind = limited_traffic(x, r, l);
	if (kind < 0)
		return;
	/*
	 * A shared ICMP or SYN budget is what distributions ship (fw4's
	 * syn_flood): one sender can starve the rest, but nothing gets in that
	 * should not. A warning; an error only for other traffic from outside.
	 */
	sev = ri->traffic_outside && kind == LIM_TRAFFIC ? LINT_ERROR : LINT_WARNING;
	f = lint_add(x, "XL020", sev, r,
		     "`limit rate %s%llu/%s`%s without a per-source key is one budget shared by "
		     "every sender: one source%s can use it all and lock everyone else out",
		     l->inv ? "over " : "", (unsigned long long)l->rate, rs_time_unit_name(l->per),
		     what[kind], !ri->traffic_outside ? "" : x->ifs.mesh ? " from outside the mesh"
								 : " anywhere");
	lint_hint(f, "give each source its own bucket: `update @NAME { ip saddr limit rate "
		  "%llu/%s }` with `set NAME { type ipv4_addr; flags dynamic, timeout; timeout "
		  "1m; }` (ip6 saddr and an ipv6_addr set for IPv6), or a meter",
		  (unsigned long long)l->rate, rs_time_unit_name(l->per));
}

/* ---- XL021 ------------------------------------------------------------------------------ */

/* Index of the first statement that limits traffic (not "over"), or -1. */
static int first_limit(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		if (lint_rule_limited_before(r, i + 1))
			return (int)i;
	}
	return -1;
}

static bool match_in(const struct rs_stmt *s, char *const *texts, size_t n)
{
	char *t = rs_stmt_format(s);
	bool found = false;

	for (size_t i = 0; t && i < n && !found; i++)
		found = texts[i] && !strcmp(texts[i], t);
	free(t);
	return found;
}

/* Every written match of b is one of a's (texts): b matches whatever a matches. */
static bool matches_subset(const struct rs_rule *b, char *const *texts, size_t n)
{
	for (size_t i = 0; i < b->nitems; i++) {
		const struct rs_stmt *s = &b->items[i];

		if (s->kind == RS_ST_MATCH && !s->u.match.implicit && !match_in(s, texts, n))
			return false;
	}
	return true;
}

static bool gated(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		if (lint_stmt_gates(&r->items[i]))
			return true;
	}
	return false;
}

static const struct rs_rule *drop_after(const struct rs_rule *a, char *const *texts, size_t n)
{
	const struct rs_chain *c = a->chain;

	for (size_t i = (size_t)(a - c->rules) + 1; i < c->nrules; i++) {
		const struct rs_rule *b = &c->rules[i];
		enum lint_vk vk = lint_verdict(b);

		if (!matches_subset(b, texts, n) || gated(b))
			continue;
		if (vk == LINT_V_DROP)
			return b;
		if (vk != LINT_V_NONE && vk != LINT_V_CONTINUE)
			return NULL;
	}
	return NULL;
}

const struct rs_rule *lint_limit_then_drop(const struct lint_ctx *x, const struct rs_rule *r)
{
	enum lint_vk vk = lint_verdict(r);
	const struct rs_rule *b = NULL;
	int li = first_limit(r), log = lint_rule_log_index(r);
	char **texts;
	size_t n = 0;

	(void)x;
	/* a limit before a log gates the log: that is a rate-limited log */
	if ((vk != LINT_V_NONE && vk != LINT_V_CONTINUE) || li < 0 || log > li)
		return NULL;
	texts = calloc(r->nitems ? r->nitems : 1, sizeof(*texts));
	if (!texts)
		return NULL;
	for (size_t i = 0; i < r->nitems; i++) {
		if (r->items[i].kind == RS_ST_MATCH && !r->items[i].u.match.implicit)
			texts[n++] = rs_stmt_format(&r->items[i]);
	}
	b = drop_after(r, texts, n);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	return b;
}

static void limit_then_drop(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct rs_rule *b = lint_limit_then_drop(x, ri->r);
	struct lint_finding *f;
	char at[600];

	if (!b)
		return;
	lint_rule_place(b, at, sizeof(at));
	f = lint_add(x, "XL021", LINT_ERROR, ri->r,
		     "this limit has no verdict, so packets under the rate just go on to the "
		     "drop at %s, which matches them too: everything it was meant to rate-limit "
		     "is dropped", at);
	lint_hint(f, "end this rule with `accept` (under the rate: accepted; over it: the drop "
		  "below), or drop the excess directly with `limit rate over ... drop`");
}

/* ---- XL022 ------------------------------------------------------------------------------ */

static void unlimited_log(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	struct lint_finding *f;

	if (!ri->log_unlimited_outside)
		return;
	/* it lets nothing in: an error only where xnft promises every log is limited */
	f = lint_add(x, "XL022", lint_is_xnft_policy(x) ? LINT_ERROR : LINT_WARNING, ri->r,
		     "an outsider reaches this log with no rate limit on the way: every packet "
		     "they send writes a log line, and a flood fills the journal and the disk");
	lint_hint(f, "put `limit rate 10/second burst 20 packets` before `log` (a rule of its "
		  "own, followed by the drop), as policy/rules/15-antiscan.nft does");
}

void lint_check_rates(struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++) {
			const struct lint_rinfo *ri = &x->ch[c].ri[i];

			shared_limit(x, ri);
			limit_then_drop(x, ri);
			unlimited_log(x, ri);
		}
	}
}
