// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lint: the catalogue of finding ids, the findings list, and the driver
 * that loads a policy, reads its sources and runs every family of checks
 * (lint_*.c). Nothing here prints.
 */
#include "analyze/lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lint_int.h"
#include "core/grow.h"
#include "core/policy_load.h"

/*
 * Stable ids: never renumber, never reuse. Grouped by tens: 00x structure,
 * 01x conntrack, 02x rate limits, 03x ICMP, 04x mesh and interfaces,
 * 05x forwarding, 06x sources and sets. docs/lint-ids.md says why and how
 * to fix each; keep the two in step.
 */
static const struct lint_id_info catalogue[] = {
	{ "XL000", LINT_ERROR, "load", "the policy does not load" },
	{ "XL001", LINT_ERROR, "structure", "dead code: no packet reaches the rule" },
	{ "XL002", LINT_ERROR, "structure", "jump or goto to a chain that does not exist" },
	{ "XL003", LINT_ERROR, "structure", "jump loop" },
	{ "XL004", LINT_WARNING, "structure", "rule with no effect (no verdict, no side effect)" },
	{ "XL005", LINT_INFO, "structure", "rule without a comment" },
	{ "XL006", LINT_WARNING, "structure", "shadowed rule: never matches given the rules before it" },
	{ "XL007", LINT_WARNING, "structure", "regular chain that nothing jumps to" },
	{ "XL008", LINT_INFO, "structure", "rule with expressions xnft does not model" },
	{ "XL009", LINT_INFO, "structure", "redundant rule: removing it changes no verdict" },
	{ "XL010", LINT_ERROR, "conntrack", "ct state invalid drop after an accept that takes invalid packets" },
	{ "XL011", LINT_ERROR, "conntrack", "ct matched before conntrack (priority < -200)" },
	{ "XL012", LINT_ERROR, "conntrack", "fragment match after reassembly (never fires)" },
	{ "XL013", LINT_WARNING, "conntrack", "input accepts every new connection" },
	{ "XL020", LINT_ERROR, "rate", "limit without a per-source key on traffic" },
	{ "XL021", LINT_ERROR, "rate", "limit with no verdict followed by a drop on the same match" },
	{ "XL022", LINT_ERROR, "rate", "log without a rate limit, reachable from outside the mesh" },
	{ "XL030", LINT_WARNING, "icmp", "ICMP/ICMPv6 redirect accepted" },
	{ "XL031", LINT_INFO, "icmp", "retired, never reported: NDP without hop limit 255 "
				      "(the kernel drops it itself)" },
	{ "XL040", LINT_ERROR, "mesh", "break-glass rule reachable only through the mesh interface" },
	{ "XL041", LINT_ERROR, "mesh", "bogon check before the loopback accept" },
	{ "XL042", LINT_ERROR, "mesh", "bogon check before the established/related accept" },
	{ "XL043", LINT_ERROR, "interfaces", "interface name contradicts a define" },
	{ "XL044", LINT_WARNING, "interfaces", "interface name that no define names" },
	{ "XL045", LINT_INFO, "interfaces", "literal interface name where a define holds it" },
	{ "XL046", LINT_ERROR, "interfaces", "iif/oif on an interface that may not exist at boot" },
	{ "XL050", LINT_ERROR, "forward", "forward policy drop without an established/related accept" },
	{ "XL060", LINT_ERROR, "source", "flush ruleset in the policy" },
	{ "XL061", LINT_ERROR, "sets", "overlapping interval elements" },
	{ "XL062", LINT_INFO, "sets", "adjacent or duplicate elements" },
};

const struct lint_id_info *lint_ids(size_t *n)
{
	*n = sizeof(catalogue) / sizeof(catalogue[0]);
	return catalogue;
}

const struct lint_id_info *lint_id_lookup(const char *id)
{
	for (size_t i = 0; id && i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
		if (!strcmp(catalogue[i].id, id))
			return &catalogue[i];
	}
	return NULL;
}

const char *lint_severity_name(enum lint_severity s)
{
	switch (s) {
	case LINT_ERROR: return "error";
	case LINT_WARNING: return "warning";
	default: return "info";
	}
}

/* ---- the findings list --------------------------------------------------------- */

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static struct lint_finding *grow(struct lint_report *out)
{
	if (grow_for_one(&out->v, &out->cap, out->n, sizeof(*out->v), 16)) {
		out->oom = true;
		return NULL;
	}
	memset(&out->v[out->n], 0, sizeof(out->v[0]));
	return &out->v[out->n++];
}

static struct lint_finding *vadd(struct lint_report *out, const char *id, enum lint_severity sev,
				 const char *file, int line, const char *fmt, va_list ap)
{
	const struct lint_id_info *info = lint_id_lookup(id);
	struct lint_finding *f = grow(out);

	if (!f)
		return NULL;
	f->id = info ? info->id : "XL000";
	f->sev = sev;
	f->file = file ? strdup(file) : NULL;
	f->line = line;
	f->message = vfmt(fmt, ap);
	if (!f->message || (file && !f->file))
		out->oom = true;
	return f;
}

struct lint_finding *lint_add_at(struct lint_report *out, const char *id,
				 enum lint_severity sev, const char *file, int line,
				 const char *fmt, ...)
{
	struct lint_finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = vadd(out, id, sev, file, line, fmt, ap);
	va_end(ap);
	return f;
}

static char *chain_where(const struct rs_chain *c)
{
	char *s = NULL;

	if (asprintf(&s, "%s %s %s", rs_family_name(c->table->family), c->table->name,
		     c->name) < 0)
		return NULL;
	return s;
}

struct lint_finding *lint_add(struct lint_ctx *x, const char *id, enum lint_severity sev,
			      const struct rs_rule *r, const char *fmt, ...)
{
	struct lint_finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = vadd(x->out, id, sev, r ? r->loc.file : NULL, r ? r->loc.line : 0, fmt, ap);
	va_end(ap);
	if (!f || !r)
		return f;
	f->rule = r;
	f->where = chain_where(r->chain);
	f->text = r->loc.text ? strdup(r->loc.text) : ruleset_rule_format(r, false);
	f->comment = r->comment ? strdup(r->comment) : NULL;
	if (!f->where || !f->text || (r->comment && !f->comment))
		x->out->oom = true;
	return f;
}

void lint_hint(struct lint_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	free(f->hint);
	va_start(ap, fmt);
	f->hint = vfmt(fmt, ap);
	va_end(ap);
}

void lint_where(struct lint_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	free(f->where);
	va_start(ap, fmt);
	f->where = vfmt(fmt, ap);
	va_end(ap);
}

void lint_text(struct lint_finding *f, const char *text)
{
	if (!f)
		return;
	free(f->text);
	f->text = text ? strdup(text) : NULL;
}

void lint_rule_place(const struct rs_rule *r, char *buf, size_t len)
{
	if (r->loc.file && r->loc.line)
		snprintf(buf, len, "%s:%d", r->loc.file, r->loc.line);
	else
		snprintf(buf, len, "chain %s, rule handle %llu", r->chain->name,
			 (unsigned long long)r->handle);
}

size_t lint_count(const struct lint_report *r, enum lint_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].sev == sev;
	return n;
}

void lint_report_free(struct lint_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct lint_finding *f = &r->v[i];

		free(f->file);
		free(f->where);
		free(f->text);
		free(f->comment);
		free(f->message);
		free(f->hint);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* File, then line, then id: the order a reader walks the policy in. */
static int finding_cmp(const void *a, const void *b)
{
	const struct lint_finding *x = a, *y = b;
	int c;

	if (!x->file != !y->file)
		return x->file ? -1 : 1;
	if (x->file && (c = strcmp(x->file, y->file)))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if ((c = strcmp(x->id, y->id)))
		return c;
	if (x->where && y->where && (c = strcmp(x->where, y->where)))
		return c;
	return 0;
}

static void report_sort(struct lint_report *r)
{
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(r->v[0]), finding_cmp);
}

/* ---- load diagnostics ------------------------------------------------------------ */

const char *lint_diag_id(const struct nft_diag *d)
{
	if (strstr(d->msg, "conflicting intervals") || strstr(d->msg, "overlaps with an existing"))
		return "XL061";
	if (strstr(d->msg, "Too many links") || strstr(d->msg, "Too many levels of symbolic"))
		return "XL003";
	if (strstr(d->msg, "No such file or directory") &&
	    (strstr(d->text, "jump") || strstr(d->text, "goto") || strstr(d->text, "vmap")))
		return "XL002";
	return NULL;
}

static const char *diag_hint(const char *id)
{
	if (!strcmp(id, "XL061"))
		return "remove the element another one already covers, or merge them into one "
		       "prefix or range (or give the set `auto-merge`)";
	if (!strcmp(id, "XL003"))
		return "a chain may not jump back to a chain that jumps to it: break the cycle "
		       "with goto/return, or move the shared rules into a third chain";
	if (!strcmp(id, "XL002"))
		return "declare the chain before the rule that jumps to it, or fix the name";
	return "fix the line shown; `xnft check` prints every load error with its column";
}

int lint_from_diags(const struct nft_diags *d, struct lint_report *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct nft_diag *g = &d->v[i];
		const char *id = lint_diag_id(g);
		struct lint_finding *f;

		f = lint_add_at(out, id ? id : "XL000", LINT_ERROR, g->file[0] ? g->file : NULL,
				g->line, "the policy does not load: %s", g->msg);
		lint_hint(f, "%s", diag_hint(id ? id : "XL000"));
		if (f && g->text[0])
			lint_text(f, g->text);
	}
	report_sort(out);
	return out->oom ? -1 : 0;
}

/* ---- the driver ---------------------------------------------------------------------- */

int lint_ruleset(const struct ruleset *rs, const struct lint_source *src,
		 struct lint_report *out, struct xerr *e)
{
	struct lint_ctx x = { .rs = rs, .src = src, .out = out };

	if (lint_cells_prepare(&x)) {
		lint_ctx_free(&x);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory preparing the lint");
	}
	lint_walk_all(&x);
	lint_check_structure(&x);
	lint_check_shadow(&x);
	lint_check_conntrack(&x);
	lint_check_rates(&x);
	lint_check_icmp(&x);
	lint_check_mesh(&x);
	lint_check_ifnames(&x);
	lint_check_iif_boot(&x);
	lint_check_forward(&x);
	lint_check_sources(&x);
	lint_check_sets(&x);
	out->incomplete = x.incomplete;
	lint_ctx_free(&x);
	report_sort(out);
	if (out->oom)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory collecting lint findings");
	return 0;
}

static int scan_policy(const char *policy, struct lint_source *src, struct xerr *e)
{
	char entry[4096], incdir[4096];

	if (policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), e))
		return -1;
	return lint_source_scan(entry, incdir, src, e);
}

int lint_check(const char *policy, const struct ruleset *rs, struct lint_report *out,
	       struct xerr *e)
{
	struct lint_source src;
	int rc;

	if (scan_policy(policy, &src, e))
		return -1;
	rc = lint_ruleset(rs, &src, out, e);
	lint_source_free(&src);
	return rc;
}

int lint_policy(const char *policy, struct lint_report *out, struct xerr *e)
{
	struct nft_diags diags = { 0 };
	struct ruleset *rs = NULL;
	struct lint_source src;
	int rc;

	if (policy_load(policy, &rs, &diags, e)) {
		if (e->code != XNFT_EXIT_FINDINGS) {
			nft_diags_free(&diags);
			return -1;
		}
		rc = diags.n ? lint_from_diags(&diags, out) : -1;
		nft_diags_free(&diags);
		if (rc == 0 && scan_policy(policy, &src, e) == 0) {
			/* a flush ruleset is worth saying even when the load failed */
			struct lint_ctx x = { .src = &src, .out = out };

			lint_check_sources(&x);
			lint_source_free(&src);
			report_sort(out);
		}
		return rc;
	}
	rc = lint_check(policy, rs, out, e);
	ruleset_free(rs);
	return rc;
}

int lint_live(struct lint_report *out, struct xerr *e)
{
	struct ruleset *rs = NULL;
	int rc;

	if (policy_load_live(&rs, e))
		return -1;
	rc = lint_ruleset(rs, NULL, out, e);
	ruleset_free(rs);
	return rc;
}
