// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff, for the chains the engine does not evaluate (symexec.h:
 * sx_chain_modelled: arp tables) or evaluates for IP packets only (bridge
 * and netdev chains also see ARP and other frames): their
 * verdicts are not in the accept BDDs, so a change there would read as "no
 * packet changes its verdict". Instead those chains of the two rulesets
 * are compared as written (hooks and policies, rules in order, and their
 * tables' sets) and every difference is listed with the rule's file:line,
 * as a change whose packets are not known: an over-approximation that says
 * so.
 */
#include "analyze/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *diff_table_assumed(const struct diff_table_change *c)
{
	enum rs_family f = c->family;

	if (c->ip_judged)
		return "IP packets are judged by the engine (a change is listed above); assumed: "
		       "ARP and other frames this chain sees may change their verdict (not "
		       "modelled)";
	if (f == RS_FAM_ARP)
		return "arp tables filter ARP only: no IP packet changes its verdict by it, ARP "
		       "packets may";
	return "assumed: any packet its chains see may change its verdict (xnft does not evaluate "
	       "this family: an over-approximation)";
}

/* A chain that sees every frame of its device, ARP and the rest, not only IP packets. */
static bool sees_frames(const struct rs_chain *c)
{
	return c->table->family == RS_FAM_BRIDGE || c->table->family == RS_FAM_NETDEV ||
	       (c->base && c->hook == RS_HOOK_INGRESS);
}

/*
 * Whether the engine's verdicts cover everything chain c sees: a bridge or
 * netdev chain it evaluates sees ARP and other frames too, which it does not.
 */
static bool covered(const struct rs_chain *c)
{
	return sx_chain_modelled(c) && !sees_frames(c);
}

/* An attached base chain the engine does not cover. */
static bool table_runs(const struct rs_table *t)
{
	if (!t || t->dormant)
		return false;
	for (size_t c = 0; c < t->nchains; c++)
		if (t->chains[c]->base && !covered(t->chains[c]))
			return true;
	return false;
}

/* A chain the engine covers on both sides (NULL: absent) is its business. */
static bool evaluated(const struct rs_chain *a, const struct rs_chain *b)
{
	return (!a || covered(a)) && (!b || covered(b));
}

/* Whether the IP packets a change in t (chain c, or NULL) touches are judged by the engine. */
static bool ip_judged(const struct rs_table *t, const struct rs_chain *c)
{
	if (c)
		return sx_chain_modelled(c) && sees_frames(c);
	if (t->family != RS_FAM_BRIDGE && t->family != RS_FAM_NETDEV)
		return false;
	for (size_t i = 0; i < t->nchains; i++)
		if (t->chains[i]->base && !sx_chain_modelled(t->chains[i]))
			return false;
	return true;
}

static const struct rs_table *find_table(const struct ruleset *rs, const struct rs_table *like)
{
	for (size_t t = 0; t < rs->ntables; t++)
		if (rs->tables[t]->family == like->family && like->name && rs->tables[t]->name &&
		    !strcmp(rs->tables[t]->name, like->name))
			return rs->tables[t];
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One change; a NULL rule names the chain (or table, chain NULL) only. */
static int add_change(struct diff_result *d, const struct rs_table *t, const struct rs_chain *c,
		      const char *what, const struct rs_rule *r, struct xerr *e)
{
	struct diff_table_change *v = realloc(d->tables, (d->ntables + 1) * sizeof(*v)), *x;

	if (!v)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	d->tables = v;
	x = &v[d->ntables];
	memset(x, 0, sizeof(*x));
	x->family = t->family;
	x->ip_judged = ip_judged(t, c);
	x->table = strdup(t->name ? t->name : "?");
	x->chain = c ? dup_or_null(c->name) : NULL;
	x->what = strdup(what);
	if (r) {
		x->file = dup_or_null(r->loc.file);
		x->line = r->loc.line;
		x->text = r->loc.text ? strdup(r->loc.text) : ruleset_rule_format(r, false);
	}
	d->ntables++;
	d->changed = true;
	if (!x->table || !x->what || (c && c->name && !x->chain) || (r && !x->text))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	return 0;
}

/* What the rule does, as the model reads it, without its comment (which changes nothing). */
static char *rule_key(const struct rs_rule *r)
{
	char *s = ruleset_rule_format(r, true);
	size_t n, k;

	if (!s || !r->comment)
		return s;
	n = strlen(s);
	k = strlen(r->comment) + sizeof(" comment \"\"") - 1;
	if (n >= k)
		s[n - k] = '\0';
	return s;
}

static bool same_rule(const struct rs_rule *a, const struct rs_rule *b, bool *oom)
{
	char *x = rule_key(a), *y = rule_key(b);
	bool same = x && y && !strcmp(x, y);

	*oom |= !x || !y;
	free(x);
	free(y);
	return same;
}

static bool same_hook(const struct rs_chain *a, const struct rs_chain *b)
{
	if (a->base != b->base || a->hook != b->hook || a->prio != b->prio ||
	    a->policy != b->policy || a->ndevices != b->ndevices ||
	    strcmp(a->type ? a->type : "", b->type ? b->type : ""))
		return false;
	for (size_t i = 0; i < a->ndevices; i++)
		if (strcmp(a->devices[i] ? a->devices[i] : "", b->devices[i] ? b->devices[i] : ""))
			return false;
	return true;
}

/*
 * A rule no frame but an IP packet can match: a match on an IP or
 * transport header field (a non-IP frame has none: the rule ends), or on
 * meta l4proto. Its change in a bridge chain the engine evaluates is all in
 * the engine's lines.
 */
static bool ip_only(const struct rs_rule *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *st = &r->items[i];
		const struct rs_expr *x;
		enum rs_proto p;

		if (st->kind != RS_ST_MATCH)
			continue;
		x = st->u.match.left;
		p = rs_expr_proto(x);
		if ((p >= RS_PROTO_IP && p <= RS_PROTO_TH) ||
		    (x && x->kind == RS_EX_META && x->key == RS_META_L4PROTO))
			return true;
	}
	return false;
}

/* A rule whose change the engine's lines say all of (a bridge chain it evaluates, IP only). */
static bool judged(const struct rs_chain *c, const struct rs_rule *r)
{
	return ip_judged(c->table, c) && ip_only(r);
}

/* The rules of a chain in both: what lies between their common head and tail differs. */
static int diff_rules(const struct rs_table *ta, const struct rs_table *tb, const struct rs_chain *a,
		      const struct rs_chain *b, struct diff_result *d, struct xerr *e)
{
	size_t head = 0, tail = 0;
	bool oom = false;
	int rc = 0;

	while (head < a->nrules && head < b->nrules && same_rule(&a->rules[head], &b->rules[head], &oom))
		head++;
	while (tail < a->nrules - head && tail < b->nrules - head &&
	       same_rule(&a->rules[a->nrules - 1 - tail], &b->rules[b->nrules - 1 - tail], &oom))
		tail++;
	if (oom)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	for (size_t i = head; !rc && i < a->nrules - tail; i++)
		if (!judged(a, &a->rules[i]))
			rc = add_change(d, ta, a, "rule removed", &a->rules[i], e);
	for (size_t i = head; !rc && i < b->nrules - tail; i++)
		if (!judged(b, &b->rules[i]))
			rc = add_change(d, tb, b, "rule added", &b->rules[i], e);
	return rc;
}

static bool same_set(const struct rs_set *a, const struct rs_set *b, bool *oom)
{
	if (a->flags != b->flags || a->nelems != b->nelems || a->is_map != b->is_map)
		return false;
	for (size_t i = 0; i < a->nelems; i++) {
		char *x = rs_term_format(&a->elems[i].key), *y = rs_term_format(&b->elems[i].key);
		char *xd = a->elems[i].data ? rs_term_format(a->elems[i].data) : NULL;
		char *yd = b->elems[i].data ? rs_term_format(b->elems[i].data) : NULL;
		bool same = x && y && !strcmp(x, y) && !xd == !yd && (!xd || !strcmp(xd, yd));

		*oom |= !x || !y;
		free(x);
		free(y);
		free(xd);
		free(yd);
		if (!same)
			return false;
	}
	return true;
}

static int diff_sets(const struct rs_table *ta, const struct rs_table *tb, struct diff_result *d,
		     struct xerr *e)
{
	char what[300];
	bool oom = false;
	int rc = 0;

	for (size_t i = 0; !rc && i < ta->nsets; i++) {
		const struct rs_set *o = ta->sets[i], *n = rs_table_set(tb, o->name);

		if (n && same_set(o, n, &oom))
			continue;
		snprintf(what, sizeof(what), "set @%s %s", o->name, n ? "changed" : "removed");
		rc = add_change(d, n ? tb : ta, NULL, what, NULL, e);
	}
	for (size_t i = 0; !rc && i < tb->nsets; i++) {
		if (rs_table_set(ta, tb->sets[i]->name))
			continue;
		snprintf(what, sizeof(what), "set @%s added", tb->sets[i]->name);
		rc = add_change(d, tb, NULL, what, NULL, e);
	}
	if (!rc && oom)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	return rc;
}

/* Every rule of a chain only one side has, as removed (ta) or added. */
static int whole_chain(const struct rs_table *t, const struct rs_chain *c, const char *what,
		       const char *rule_what, struct diff_result *d, struct xerr *e)
{
	bool all_judged = covered(c) || (ip_judged(t, c) && c->policy != RS_POLICY_DROP);
	int rc;

	for (size_t i = 0; all_judged && i < c->nrules; i++)
		all_judged = judged(c, &c->rules[i]);
	/* the engine's lines say all of it: nothing it does touches a frame other than IP */
	if (all_judged)
		return 0;
	rc = add_change(d, t, c, what, NULL, e);
	for (size_t i = 0; !rc && i < c->nrules; i++)
		if (!judged(c, &c->rules[i]))
			rc = add_change(d, t, c, rule_what, &c->rules[i], e);
	return rc;
}

static int diff_table(const struct rs_table *ta, const struct rs_table *tb, struct diff_result *d,
		      struct xerr *e)
{
	int rc = 0;

	if (!table_runs(ta) && !table_runs(tb))
		return 0;
	/* absent or dormant on one side: all its chains the engine leaves out changed */
	if (!ta->name || ta->dormant || !tb->name || tb->dormant) {
		const struct rs_table *t = table_runs(ta) ? ta : tb;
		bool gone = t == ta;

		for (size_t c = 0; !rc && c < t->nchains; c++)
			rc = whole_chain(t, t->chains[c], gone ? "chain removed (its table is gone or "
					 "dormant)" : "chain added (with its table)",
					 gone ? "rule removed" : "rule added", d, e);
		return rc;
	}
	for (size_t c = 0; !rc && c < ta->nchains; c++) {
		const struct rs_chain *o = ta->chains[c], *n = rs_table_chain(tb, o->name);

		if (evaluated(o, n))
			continue;
		if (!n)
			rc = whole_chain(ta, o, "chain removed", "rule removed", d, e);
		else if (!same_hook(o, n))
			rc = add_change(d, tb, n, "chain's hook, priority, type or policy changed",
					NULL, e);
		if (!rc && n)
			rc = diff_rules(ta, tb, o, n, d, e);
	}
	for (size_t c = 0; !rc && c < tb->nchains; c++)
		if (!rs_table_chain(ta, tb->chains[c]->name) && !evaluated(NULL, tb->chains[c]))
			rc = whole_chain(tb, tb->chains[c], "chain added", "rule added", d, e);
	if (!rc)
		rc = diff_sets(ta, tb, d, e);
	return rc;
}

int diff_tables(const struct ruleset *a, const struct ruleset *b, struct diff_result *d,
		struct xerr *e)
{
	static const struct rs_table none = { 0 };
	int rc = 0;

	for (size_t t = 0; !rc && t < a->ntables; t++) {
		const struct rs_table *o = a->tables[t], *n = find_table(b, o);

		rc = diff_table(o, n ? n : &none, d, e);
	}
	for (size_t t = 0; !rc && t < b->ntables; t++) {
		const struct rs_table *n = b->tables[t];

		if (!find_table(a, n))
			rc = diff_table(&none, n, d, e);
	}
	return rc;
}

void diff_tables_free(struct diff_result *d)
{
	for (size_t i = 0; i < d->ntables; i++) {
		free(d->tables[i].table);
		free(d->tables[i].chain);
		free(d->tables[i].what);
		free(d->tables[i].file);
		free(d->tables[i].text);
	}
	free(d->tables);
	d->tables = NULL;
	d->ntables = 0;
}
