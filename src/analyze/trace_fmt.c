// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A trace as text for people and as JSON for machines. Nothing here prints:
 * the command (src/cli/trace.c) does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trace_int.h"

#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* "rules/20-mesh.nft:22", or "inet table chain #handle" */
#define PATH_MAX_WHERE 600

/* ---- a growing string ------------------------------------------------------------ */

struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t c = (b->len + (size_t)n + 1) * 2;
		char *v = realloc(b->s, c);

		if (!v) {
			b->oom = true;
			return;
		}
		b->s = v;
		b->cap = c;
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static char *sb_done(struct sb *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s ? b->s : strdup("");
}

/* ---- pieces ------------------------------------------------------------------------- */

static const char *rel(const char *file, const char *base)
{
	size_t n = base ? strlen(base) : 0;

	while (n > 1 && base[n - 1] == '/')
		n--;
	if (n && !strncmp(file, base, n) && file[n] == '/')
		return file + n + 1;
	return file;
}

void trace_rule_where(const struct rs_rule *r, const char *base_dir, char *buf, size_t size)
{
	const struct rs_chain *c = r->chain;

	if (r->loc.file && r->loc.line > 0) {
		snprintf(buf, size, "%s:%d", rel(r->loc.file, base_dir), r->loc.line);
		return;
	}
	snprintf(buf, size, "%s %s %s #%llu", c ? rs_family_name(c->table->family) : "?",
		 c ? c->table->name : "?", c ? c->name : "?", (unsigned long long)r->handle);
}

/* The rule's statements as nft text, without the implied matches and the comment. */
static char *rule_text(const struct rs_rule *r)
{
	struct sb b = { 0 };

	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];
		char *t;

		if (s->kind == RS_ST_MATCH && s->u.match.implicit)
			continue;
		t = rs_stmt_format(s);
		sb_add(&b, "%s%s", b.len ? " " : "", t ? t : "?");
		free(t);
	}
	return sb_done(&b);
}

static const char *chain_label(const struct rs_chain *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s %s", rs_family_name(c->table->family), c->table->name, c->name);
	return buf;
}

/* ---- text ---------------------------------------------------------------------------- */

struct tfmt {
	struct sb b;
	const struct trace_result *r;
	const char *base;
	unsigned flags;
	int width;   /* of the widest "file:line" */
};

static void text_header(struct tfmt *f)
{
	const struct trace_result *r = f->r;
	char given[PACKET_TEXT_MAX], full[PACKET_TEXT_MAX], defs[PACKET_TEXT_MAX * 2];
	static const char *const paths[] = { "input", "forward", "output" };

	packet_format(&r->pkt, given, sizeof(given));
	packet_format_full(&r->pkt, full, sizeof(full));
	packet_defaults_format(&r->pkt, defs, sizeof(defs));
	sb_add(&f->b, "packet:   %s\n", given[0] ? given : "(no words: every field defaulted)");
	sb_add(&f->b, "traced:   %s  (%s path)\n", full, paths[r->path]);
	if (r->nat_to[0])
		sb_add(&f->b, "routed:   after the dnat to %s: %s path\n", r->nat_to,
		       paths[r->routed]);
	if (defs[0])
		sb_add(&f->b, "defaults: %s\n", defs);
}

static void text_rule(struct tfmt *f, const struct trace_step *s)
{
	bool dim = !s->matched && (f->flags & TRACE_FMT_COLOR);
	int depth = 2 * (int)s->depth;
	char where[PATH_MAX_WHERE];
	char *text = rule_text(s->rule);

	trace_rule_where(s->rule, f->base, where, sizeof(where));
	sb_add(&f->b, "%s    %-*s  %-7s  %*s%s", dim ? DIM : "", f->width, where,
	       s->matched ? "[match]" : "[ -- ]", depth, "", text ? text : "?");
	if (s->rule->comment)
		sb_add(&f->b, "   # %s", s->rule->comment);
	if (!s->matched)
		sb_add(&f->b, "\n    %*s  %7s  %*s%s%s", f->width, "", "", depth, "", s->why,
		       dim ? RESET : "");
	sb_add(&f->b, "\n");
	free(text);
}

static void text_step(struct tfmt *f, const struct trace_step *s)
{
	int indent = 4 + f->width + 11 + 2 * (int)s->depth;
	char lab[160];

	switch (s->kind) {
	case TRACE_STEP_RULE:
		if (s->matched || !(f->flags & TRACE_FMT_MATCHED))
			text_rule(f, s);
		break;
	case TRACE_STEP_RETURN:
		sb_add(&f->b, "%*send of %s: return\n", indent, "", chain_label(s->chain, lab,
									     sizeof(lab)));
		break;
	case TRACE_STEP_POLICY:
		sb_add(&f->b, "%*send of chain: policy %s\n", indent, "",
		       s->chain->policy == RS_POLICY_DROP ? "drop" : "accept");
		break;
	}
}

static void text_run(struct tfmt *f, const struct trace_run *run)
{
	char lab[160], where[PATH_MAX_WHERE];

	sb_add(&f->b, "  %s  (%s, priority %d, policy %s)\n", chain_label(run->chain, lab,
								     sizeof(lab)),
	       run->chain->type ? run->chain->type : "filter", run->chain->prio,
	       run->chain->policy == RS_POLICY_DROP ? "drop" : "accept");
	if (run->skipped) {
		sb_add(&f->b, "    not run: %s\n", run->skipped);
		return;
	}
	for (size_t i = 0; i < run->nsteps; i++)
		text_step(f, &f->r->steps[run->step + i]);
	if (run->verdict == TRACE_V_NONE)
		return;
	if (run->by)
		trace_rule_where(run->by, f->base, where, sizeof(where));
	sb_add(&f->b, "  => %s%s%s\n", trace_verdict_name(run->verdict), run->by ? " by " : " (policy)",
	       run->by ? where : "");
}

static void text_hooks(struct tfmt *f)
{
	for (size_t h = 0; h < f->r->nhooks; h++) {
		const struct trace_hook *hk = &f->r->hooks[h];

		sb_add(&f->b, "\n%s%s%s%s", f->flags & TRACE_FMT_COLOR ? BOLD : "",
		       hk->bridge ? "bridge " : "", rs_hook_name(hk->hook),
		       f->flags & TRACE_FMT_COLOR ? RESET : "");
		if (!hk->reached) {
			sb_add(&f->b, ": not reached (dropped before)\n");
			continue;
		}
		if (!hk->nruns) {
			sb_add(&f->b, ": no base chain sees the packet here\n");
			continue;
		}
		sb_add(&f->b, "\n");
		for (size_t i = 0; i < hk->nruns; i++)
			text_run(f, &f->r->runs[hk->run + i]);
	}
}

static void text_verdict(struct tfmt *f)
{
	const struct trace_result *r = f->r;
	char lab[160], where[PATH_MAX_WHERE];

	sb_add(&f->b, "\nverdict: %s", trace_verdict_name(r->verdict));
	if (r->kernel_drop)
		sb_add(&f->b, " by the kernel: %s", r->kernel_drop);
	else if (r->held)
		sb_add(&f->b, " so far: the fragment is held for reassembly at %s",
		       rs_hook_name(r->decided_hook ? r->decided_hook : r->hooks[0].hook));
	else if (!r->decided_chain)
		sb_add(&f->b, " (no base chain sees the packet)");
	else if (r->decided_by) {
		trace_rule_where(r->decided_by, f->base, where, sizeof(where));
		sb_add(&f->b, " at %s, %s, by %s", rs_hook_name(r->decided_hook),
		       chain_label(r->decided_chain, lab, sizeof(lab)), where);
		if (r->decided_by->comment)
			sb_add(&f->b, " (%s)", r->decided_by->comment);
	} else {
		sb_add(&f->b, " at %s, by the policy of %s", rs_hook_name(r->decided_hook),
		       chain_label(r->decided_chain, lab, sizeof(lab)));
	}
	sb_add(&f->b, "\n");
}

static void text_assumptions(struct tfmt *f)
{
	const struct trace_result *r = f->r;
	char where[PATH_MAX_WHERE];

	if (!r->nas)
		return;
	sb_add(&f->b, "assumed (the verdict depends on these):\n");
	for (size_t i = 0; i < r->nas; i++) {
		if (r->as[i].rule)
			trace_rule_where(r->as[i].rule, f->base, where, sizeof(where));
		sb_add(&f->b, "  %s%s%s\n", r->as[i].rule ? where : "", r->as[i].rule ? ": " : "",
		       r->as[i].text);
	}
}

static int where_width(const struct trace_result *r, const char *base)
{
	char where[PATH_MAX_WHERE];
	int w = 0;

	for (size_t i = 0; i < r->nsteps; i++) {
		if (r->steps[i].kind != TRACE_STEP_RULE)
			continue;
		trace_rule_where(r->steps[i].rule, base, where, sizeof(where));
		if ((int)strlen(where) > w)
			w = (int)strlen(where);
	}
	return w;
}

char *trace_format_text(const struct trace_result *r, const char *base_dir, unsigned flags)
{
	struct tfmt f = { .r = r, .base = base_dir, .flags = flags };

	f.width = where_width(r, base_dir);
	text_header(&f);
	text_hooks(&f);
	text_verdict(&f);
	text_assumptions(&f);
	return sb_done(&f.b);
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void jset(json_t *o, const char *k, json_t *v)
{
	if (o && v)
		json_object_set_new(o, k, v);
	else
		json_decref(v);
}

static json_t *json_chain_id(const struct rs_chain *c)
{
	json_t *o = json_object();

	jset(o, "family", json_string(rs_family_name(c->table->family)));
	jset(o, "table", json_string(c->table->name));
	jset(o, "chain", json_string(c->name));
	return o;
}

static json_t *json_rule(const struct rs_rule *r, const char *base)
{
	json_t *o = json_chain_id(r->chain);
	char *text = rule_text(r);

	jset(o, "handle", json_integer((json_int_t)r->handle));
	if (r->loc.file && r->loc.line > 0) {
		jset(o, "file", json_string(rel(r->loc.file, base)));
		jset(o, "line", json_integer(r->loc.line));
	}
	jset(o, "text", json_string(text ? text : ""));
	if (r->comment)
		jset(o, "comment", json_string(r->comment));
	free(text);
	return o;
}

static json_t *json_texts_fx(const struct trace_result *r, size_t from, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(r->fx[from + i].text));
	return a;
}

static json_t *json_texts_as(const struct trace_result *r, size_t from, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(r->as[from + i].text));
	return a;
}

static json_t *json_step(const struct trace_result *r, const struct trace_step *s,
			 const char *base)
{
	static const char *const kinds[] = { "rule", "return", "policy" };
	json_t *o = s->kind == TRACE_STEP_RULE ? json_rule(s->rule, base) : json_chain_id(s->chain);

	jset(o, "kind", json_string(kinds[s->kind]));
	jset(o, "depth", json_integer(s->depth));
	if (s->kind == TRACE_STEP_POLICY)
		jset(o, "verdict", json_string(s->chain->policy == RS_POLICY_DROP ? "drop" : "accept"));
	if (s->kind != TRACE_STEP_RULE)
		return o;
	jset(o, "matched", json_boolean(s->matched));
	if (!s->matched)
		jset(o, "failed", json_string(s->why));
	if (s->matched && s->verdict != RS_VERDICT_NONE)
		jset(o, "verdict", json_string(rs_verdict_name(s->verdict)));
	if (s->target)
		jset(o, "target", json_string(s->target->name));
	jset(o, "decided", json_boolean(s->decided));
	jset(o, "effects", json_texts_fx(r, s->fx, s->nfx));
	jset(o, "assumed", json_texts_as(r, s->as, s->nas));
	return o;
}

static json_t *json_run(const struct trace_result *r, const struct trace_run *run,
			const char *base)
{
	json_t *o = json_chain_id(run->chain);
	json_t *steps = json_array();

	jset(o, "type", json_string(run->chain->type ? run->chain->type : "filter"));
	jset(o, "priority", json_integer(run->chain->prio));
	jset(o, "policy", json_string(run->chain->policy == RS_POLICY_DROP ? "drop" : "accept"));
	jset(o, "verdict", json_string(trace_verdict_name(run->verdict)));
	if (run->skipped)
		jset(o, "skipped", json_string(run->skipped));
	if (run->by)
		jset(o, "by", json_rule(run->by, base));
	for (size_t i = 0; steps && i < run->nsteps; i++)
		json_array_append_new(steps, json_step(r, &r->steps[run->step + i], base));
	jset(o, "steps", steps);
	return o;
}

static json_t *json_hooks(const struct trace_result *r, const char *base)
{
	json_t *a = json_array();

	for (size_t h = 0; a && h < r->nhooks; h++) {
		const struct trace_hook *hk = &r->hooks[h];
		json_t *o = json_object(), *runs = json_array();

		jset(o, "hook", json_string(rs_hook_name(hk->hook)));
		if (hk->bridge)   /* a hook of the bridge family, on a bridge port */
			jset(o, "family", json_string("bridge"));
		jset(o, "reached", json_boolean(hk->reached));
		if (hk->reached)
			jset(o, "verdict", json_string(trace_verdict_name(hk->verdict)));
		for (size_t i = 0; runs && i < hk->nruns; i++)
			json_array_append_new(runs, json_run(r, &r->runs[hk->run + i], base));
		jset(o, "chains", runs);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_defaults(const struct packet *p)
{
	struct packet_default d[PF__COUNT];
	size_t n = packet_defaults(p, d, PF__COUNT);
	json_t *a = json_array();

	for (size_t i = 0; a && i < n && i < PF__COUNT; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "words", d[i].words, "why",
						   d[i].why ? d[i].why : ""));
	return a;
}

static json_t *json_decided(const struct trace_result *r, const char *base)
{
	json_t *o;

	if (!r->decided_chain)
		return json_null();
	o = json_chain_id(r->decided_chain);
	jset(o, "hook", json_string(rs_hook_name(r->decided_hook)));
	jset(o, "by", json_string(r->decided_by ? "rule" : "policy"));
	if (r->decided_by)
		jset(o, "rule", json_rule(r->decided_by, base));
	return o;
}

static json_t *json_assumptions(const struct trace_result *r, const char *base)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nas; i++) {
		json_t *o = r->as[i].rule ? json_rule(r->as[i].rule, base) : json_object();

		jset(o, "assumed", json_string(r->as[i].text));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *trace_to_json(const struct trace_result *r, const char *base_dir)
{
	static const char *const paths[] = { "input", "forward", "output" };
	char given[PACKET_TEXT_MAX], full[PACKET_TEXT_MAX];
	json_t *o = json_object();

	if (!o)
		return NULL;
	packet_format(&r->pkt, given, sizeof(given));
	packet_format_full(&r->pkt, full, sizeof(full));
	jset(o, "packet", json_string(given));
	jset(o, "traced", json_string(full));
	jset(o, "path", json_string(paths[r->path]));
	if (r->nat_to[0]) {
		jset(o, "nat_to", json_string(r->nat_to));
		jset(o, "routed", json_string(paths[r->routed]));
	}
	jset(o, "defaults", json_defaults(&r->pkt));
	jset(o, "verdict", json_string(trace_verdict_name(r->verdict)));
	jset(o, "held", json_boolean(r->held));
	if (r->kernel_drop)
		jset(o, "kernel_drop", json_string(r->kernel_drop));
	jset(o, "decided", json_decided(r, base_dir));
	jset(o, "hooks", json_hooks(r, base_dir));
	jset(o, "assumptions", json_assumptions(r, base_dir));
	return o;
}
