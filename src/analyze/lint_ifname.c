// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interface names against the policy's defines. The defines say which
 * interfaces this host has (WAN_IF, MESH_IF); a rule on another name is a
 * typo (XL043: "wg1" where MESH_IF is "wg0") or a leftover (XL044), and a
 * rule that spells out a define's value instead of using the define
 * (XL045) silently stays behind when `xnft init` changes the define.
 *
 * `iif`/`oif` match an interface index, resolved when the rule is loaded:
 * an interface that does not exist yet (WireGuard, a tunnel, a bridge, when
 * xnft boot runs before the network) makes the whole file fail to load.
 * `iifname`/`oifname` compare names at packet time and always load (XL046).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "analyze/lint_int.h"

struct ifdef_match {
	const char *name;      /* the interface name a rule uses */
	const struct lint_define *exact;   /* a define holding exactly this name */
	const struct lint_define *similar; /* one holding a name with the same stem */
	char similar_name[64];  /* a copy: the scanner's buffer is gone once it returns */
	const struct lint_define *cover;   /* a define a wildcard name covers */
	const struct lint_define *cur;
};

/* "wg0" -> 2 ("wg"); "eth0.100" -> 3 */
static size_t stem_len(const char *s)
{
	size_t n = 0;

	while (s[n] && !isdigit((unsigned char)s[n]) && s[n] != '.' && s[n] != '*')
		n++;
	return n;
}

static void compare_name(const char *dname, void *arg)
{
	struct ifdef_match *m = arg;
	size_t n = strlen(m->name), sd = stem_len(dname), sn = stem_len(m->name);

	if (!strcmp(dname, m->name)) {
		m->exact = m->cur;
	} else if (n && m->name[n - 1] == '*' && !strncmp(dname, m->name, n - 1)) {
		m->cover = m->cur;
	} else if (sd && sd == sn && !strncmp(dname, m->name, sd) && !m->similar) {
		m->similar = m->cur;
		snprintf(m->similar_name, sizeof(m->similar_name), "%s", dname);
	}
}

static bool iface_defines(const struct lint_ctx *x)
{
	for (size_t i = 0; x->src && i < x->src->ndefines; i++) {
		if (lint_define_is_iface(&x->src->defines[i]))
			return true;
	}
	return false;
}

static void classify(const struct lint_ctx *x, struct ifdef_match *m)
{
	for (size_t i = 0; i < x->src->ndefines; i++) {
		const struct lint_define *d = &x->src->defines[i];

		if (!lint_define_is_iface(d))
			continue;
		m->cur = d;
		lint_define_names(d->value, compare_name, m);
	}
}

/* The rule's source spells the name out ("wg0" or a bare wg0) instead of $DEFINE. */
static bool spelled_out(const char *text, const char *name, const char *define)
{
	char ref[160];
	size_t n = strlen(name);

	snprintf(ref, sizeof(ref), "$%s", define);
	if (!text || strstr(text, ref))
		return false;
	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		char before = p == text ? ' ' : p[-1], after = p[n];

		if ((before == ' ' || before == '"' || before == '{' || before == ',') &&
		    (after == ' ' || after == '"' || after == '}' || after == ',' || !after))
			return true;
	}
	return false;
}

static void one_name(struct lint_ctx *x, const struct rs_rule *r, const char *name)
{
	struct ifdef_match m = { .name = name };
	struct lint_finding *f;

	if (!strcmp(name, "lo"))
		return;
	classify(x, &m);
	if (m.exact) {
		if (!spelled_out(r->loc.text, name, m.exact->name))
			return;
		f = lint_add(x, "XL045", LINT_INFO, r,
			     "interface \"%s\" is written out, but $%s holds it (%s:%d): when the "
			     "define changes, this rule stays behind", name, m.exact->name,
			     m.exact->file, m.exact->line);
		lint_hint(f, "write $%s instead of \"%s\"", m.exact->name, name);
		return;
	}
	if (m.cover)
		return;
	if (m.similar) {
		f = lint_add(x, "XL043", LINT_ERROR, r,
			     "interface \"%s\" contradicts the policy's defines: $%s is \"%s\" "
			     "(%s:%d) and no define names \"%s\", so this rule is about an "
			     "interface the host does not have (a typo?)", name, m.similar->name,
			     m.similar_name, m.similar->file, m.similar->line, name);
		lint_hint(f, "write $%s, or add a define for \"%s\" if the host really has it",
			  m.similar->name, name);
		return;
	}
	f = lint_add(x, "XL044", LINT_WARNING, r,
		     "interface \"%s\" is not named by any define of the policy: the host's "
		     "interfaces are its defines, and this one is not among them", name);
	lint_hint(f, "add `define NAME_IF = \"%s\"` with the others and use $NAME_IF, or remove "
		  "the rule if the interface is gone", name);
}

static void names_of(struct lint_ctx *x, const struct rs_rule *r, const struct rs_term *t)
{
	if (t->kind == RS_TERM_VALUE && t->v.str)
		one_name(x, r, t->v.str);
	for (size_t i = 0; t->kind == RS_TERM_SET && i < t->nelems; i++)
		names_of(x, r, &t->elems[i].key);
}

static bool is_ifname(const struct rs_expr *l)
{
	return lint_is_meta(l, RS_META_IIF) || lint_is_meta(l, RS_META_IIFNAME) ||
	       lint_is_meta(l, RS_META_OIF) || lint_is_meta(l, RS_META_OIFNAME);
}

/* Calls fn on every match statement of every rule lint reads, with its rule. */
static void each_match(struct lint_ctx *x,
		       void (*fn)(struct lint_ctx *x, const struct rs_rule *r, const struct rs_match *m))
{
	for (size_t c = 0; c < x->nch; c++) {
		const struct rs_chain *ch = x->ch[c].c;

		for (size_t i = 0; i < ch->nrules; i++) {
			const struct rs_rule *r = &ch->rules[i];

			for (size_t k = 0; k < r->nitems; k++)
				if (r->items[k].kind == RS_ST_MATCH)
					fn(x, r, &r->items[k].u.match);
		}
	}
}

static void ifname_match(struct lint_ctx *x, const struct rs_rule *r, const struct rs_match *m)
{
	if (is_ifname(m->left))
		names_of(x, r, &m->right);
}

void lint_check_ifnames(struct lint_ctx *x)
{
	if (!x->rs || !iface_defines(x))
		return;
	each_match(x, ifname_match);
}

/* ---- XL046: iif/oif on an interface that may not exist at boot --------------- */

/* Interfaces a daemon or the network configuration creates, after xnft boot. */
static bool created_later(const char *name)
{
	static const char *const prefixes[] = { "wg", "tun", "tap", "tailscale", "docker",
						"br-", "virbr", "veth", "ppp", "wt", "nb-", "zt",
						"vxlan", "gre", "ipsec", "bond", "vlan" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

struct define_of {
	const char *name;
	const struct lint_define *found, *cur;
};

static void define_holds(const char *dname, void *arg)
{
	struct define_of *d = arg;

	if (!d->found && !strcmp(dname, d->name))
		d->found = d->cur;
}

static const struct lint_define *iface_define_of(const struct lint_ctx *x, const char *name)
{
	struct define_of d = { .name = name };

	for (size_t i = 0; x->src && i < x->src->ndefines && !d.found; i++) {
		if (!lint_define_is_iface(&x->src->defines[i]))
			continue;
		d.cur = &x->src->defines[i];
		lint_define_names(d.cur->value, define_holds, &d);
	}
	return d.found;
}

static void boot_name(struct lint_ctx *x, const struct rs_rule *r, bool out, const char *name)
{
	const struct lint_define *d;
	struct lint_finding *f;
	char via[200] = "";
	bool later;

	if (!strcmp(name, "lo"))
		return;
	d = iface_define_of(x, name);
	later = created_later(name) || (d && !strcmp(d->name, "MESH_IF"));
	if (d)
		snprintf(via, sizeof(via), " ($%s, %s:%d)", d->name, d->file, d->line);
	f = lint_add(x, "XL046", later ? LINT_ERROR : LINT_WARNING, r,
		     "`%s \"%s\"`%s matches an interface index fixed when the policy loads: %s, "
		     "the whole policy fails to load and the host boots on the fallback",
		     out ? "oif" : "iif", name, via,
		     later ? "this interface is created after boot (by WireGuard, a tunnel or a "
			     "bridge), so when xnft boot runs before the network"
			   : "if the interface is missing or renamed when xnft boot runs");
	if (d)
		lint_hint(f, "write `%s $%s`: names are compared per packet and always load",
			  out ? "oifname" : "iifname", d->name);
	else
		lint_hint(f, "write `%s \"%s\"`: names are compared per packet and always load",
			  out ? "oifname" : "iifname", name);
}

static void boot_names_of(struct lint_ctx *x, const struct rs_rule *r, bool out,
			  const struct rs_term *t)
{
	if (t->kind == RS_TERM_VALUE && t->v.str)
		boot_name(x, r, out, t->v.str);
	for (size_t i = 0; t->kind == RS_TERM_SET && i < t->nelems; i++)
		boot_names_of(x, r, out, &t->elems[i].key);
}

static void iif_boot_match(struct lint_ctx *x, const struct rs_rule *r, const struct rs_match *m)
{
	if (lint_is_meta(m->left, RS_META_IIF) || lint_is_meta(m->left, RS_META_OIF))
		boot_names_of(x, r, lint_is_meta(m->left, RS_META_OIF), &m->right);
}

void lint_check_iif_boot(struct lint_ctx *x)
{
	if (!x->rs)
		return;
	each_match(x, iif_boot_match);
}
