// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify: each intent becomes a BDD over the header space and is checked
 * against the accept BDD of its hook path. Semantics in verify.h.
 */
#include "analyze/verify.h"
#include "analyze/bddref.h"

#include "analyze/exposure.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESOLVE_ROUNDS 8

/* ---- intents with the defines put in ---------------------------------------------- */

static bool is_name_char(int c)
{
	return isalnum(c) || c == '_';
}

/* text with every $NAME replaced by its value, rounds until none is left. */
static int substitute(const char *text, const struct trace_defines *d, char *out, size_t size,
		      const struct intent *it, struct xerr *e)
{
	char a[INTENT_LINE_MAX], b[INTENT_LINE_MAX];

	snprintf(a, sizeof(a), "%s", text);
	for (int round = 0; round < RESOLVE_ROUNDS; round++) {
		size_t o = 0;
		bool any = false, q = false;

		for (const char *p = a; *p && o + 1 < sizeof(b); p++) {
			char name[MATCH_NAME_MAX], val[INTENT_LINE_MAX];
			size_t n = 0;

			if (*p == '"')
				q = !q;
			if (*p == '#' && !q) {
				/* keep the comment out: it may hold a '$' */
				break;
			}
			if (*p != '$' || q || !is_name_char((unsigned char)p[1])) {
				b[o++] = *p;
				continue;
			}
			while (is_name_char((unsigned char)p[1 + n]) && n + 1 < sizeof(name)) {
				name[n] = p[1 + n];
				n++;
			}
			name[n] = '\0';
			if (trace_defines_lookup((void *)d, name, val, sizeof(val))) {
				xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, 0,
					"'$%s' is not defined by the policy", name);
				return xerr_hint(e, "define %s in the policy, or write its value in "
						 "the intent", name);
			}
			o += (size_t)snprintf(b + o, sizeof(b) - o, "%s", val);
			if (o >= sizeof(b)) {
				return xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, 0,
					       "the intent is longer than %d characters with the "
					       "defines put in", INTENT_LINE_MAX);
			}
			p += n;
			any = true;
		}
		b[o] = '\0';
		snprintf(a, sizeof(a), "%s", b);
		if (!any) {
			snprintf(out, size, "%s", a);
			return 0;
		}
	}
	return xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, 0,
		       "the defines in this intent refer to each other without end");
}

/* ---- proving ------------------------------------------------------------------------- */

static bool names_fragment(const struct match_list *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->cond[i].field == MF_FRAGMENT || m->cond[i].field == MF_IP_FRAG_OFF)
			return true;
	return false;
}

static enum sx_path path_of(enum intent_hook h)
{
	switch (h) {
	case INTENT_FORWARD: return SX_FORWARD;
	case INTENT_OUTPUT: return SX_OUTPUT;
	default: return SX_INPUT;
	}
}

static int add_condition(struct verify_item *vi, const char *text)
{
	char **v = realloc(vi->conditions, (vi->nconditions + 1) * sizeof(*v));

	if (!v)
		return -1;
	vi->conditions = v;
	v[vi->nconditions] = strdup(text);
	if (!v[vi->nconditions])
		return -1;
	vi->nconditions++;
	return 0;
}

/* A set's name from a free variable's key "set:TABLE/NAME:EXPR". */
static int note_trace_choice(struct verify_item *vi, const struct hs_freevar *f, unsigned char v)
{
	const char *slash, *colon;
	char **nv;

	if (f->kind == HS_FV_STATE && f->wb >= 0 && v != f->wb)
		vi->over_limit = true;
	if (f->kind != HS_FV_SET || !v)
		return 0;
	slash = strchr(f->key, '/');
	colon = slash ? strchr(slash, ':') : NULL;
	if (!colon)
		return 0;
	nv = realloc(vi->in_sets, (vi->nin_sets + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	vi->in_sets = nv;
	nv[vi->nin_sets] = strndup(slash + 1, (size_t)(colon - slash - 1));
	if (!nv[vi->nin_sets])
		return -1;
	vi->nin_sets++;
	return 0;
}

/* The free choices the accept BDD of this very packet depends on. */
static int record_conditions(struct hspace *hs, const struct sx_result *sx,
			     struct verify_item *vi, const unsigned char *fv)
{
	BDD cube = hs_packet_bdd(hs, &vi->pkt, vi->path);
	BDD a = AND(sx->accept[vi->path], cube);
	int *vars = NULL, n = 0, rc = 0;

	unref(cube);
	if (hs_support(a, &vars, &n) == 0) {
		for (int i = 0; i < n && !rc; i++) {
			const struct hs_freevar *f = hs_freevar_of(hs, vars[i]);
			size_t k;

			if (!f)
				continue;
			k = (size_t)(f - hs->fv);
			rc = add_condition(vi, fv[k] ? f->when_true : f->when_false);
			if (!rc)
				rc = note_trace_choice(vi, f, fv[k]);
		}
		free(vars);
	}
	unref(a);
	return rc;
}

static int counterexample(struct hspace *hs, const struct sx_result *sx, BDD bad,
			  struct verify_item *vi, bool with_choices, struct xerr *e)
{
	unsigned char *fv = calloc(hs->nfv ? hs->nfv : 1, 1);
	int rc;

	if (!fv)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	rc = hs_pick_packet(hs, bad, vi->path, true, &vi->pkt, fv, e);
	if (!rc && with_choices && record_conditions(hs, sx, vi, fv))
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	free(fv);
	return rc;
}

static int prove(struct hspace *hs, const struct ruleset *rs, const struct sx_result *sx,
		 const struct intent *it, struct verify_item *vi, BDD acc_wb, BDD acc_any,
		 struct xerr *e)
{
	BDD m, bad = bddfalse;
	enum sx_path p = vi->path;

	if (sx_match_list_bdd(hs, rs, &it->match, p, &m, e))
		return -1;
	switch (it->kind) {
	case INTENT_ACCEPT:
		if (!names_fragment(&it->match)) {
			/*
			 * nor an IPv6 atomic fragment: a stack sends one only when told
			 * to (RFC 8021), and the words of an intent cannot name one
			 */
			BDD whole = hs_unfragmented(hs);
			and_into(&m, whole);
			unref(whole);
		}
		bad = MINUS(m, acc_wb);
		break;
	case INTENT_DROP:
		bad = AND(m, acc_any);
		break;
	case INTENT_ONLY: {
		BDD allow = bddfalse;

		for (size_t i = 0; i < it->nallow; i++) {
			BDD a;

			if (sx_match_list_bdd(hs, rs, &it->allow[i], p, &a, e)) {
				unref(allow);
				unref(m);
				return -1;
			}
			or_into(&allow, a);
			unref(a);
		}
		{
			BDD rest = MINUS(m, allow);

			bad = AND(rest, acc_any);
			unref(rest);
		}
		unref(allow);
		break;
	}
	}
	unref(m);
	if (hs_check(hs, e)) {
		unref(bad);
		return -1;
	}
	vi->holds = bad == bddfalse;
	if (!vi->holds) {
		vi->accepted = it->kind != INTENT_ACCEPT;
		if (counterexample(hs, sx, bad, vi, it->kind != INTENT_ACCEPT, e)) {
			unref(bad);
			return -1;
		}
	}
	unref(bad);
	return 0;
}

static int resolve_intent(const struct intent *it, const struct trace_defines *defs,
			  struct intents *one, char *resolved, size_t size, struct xerr *e)
{
	if (substitute(it->text, defs, resolved, size, it, e))
		return -1;
	if (intents_parse(one, it->file, resolved, strlen(resolved), e)) {
		e->line = it->line;
		return xerr_wrap(e, "with the policy's defines put in ('%s')", resolved);
	}
	if (one->n != 1) {
		intents_free(one);
		return xerr_at(e, XNFT_EXIT_FINDINGS, it->file, it->line, it->col,
			       "this intent does not stand alone once its defines are put in");
	}
	return 0;
}

int verify_intents(struct hspace *hs, const struct ruleset *rs, const struct sx_result *sx,
		   const struct intents *in, const struct trace_defines *defs,
		   struct verify_result *out, struct xerr *e)
{
	BDD wb[SX__NPATHS], any[SX__NPATHS];
	int rc = 0;

	out->items = calloc(in->n ? in->n : 1, sizeof(*out->items));
	if (!out->items)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	out->n = in->n;
	/* tables of a family the engine does not evaluate (arp ones are said apart) */
	out->nnot_analysed = exposure_tables_not_analysed(rs, false, out->not_analysed,
							  sizeof(out->not_analysed));
	for (int p = 0; p < SX__NPATHS; p++) {
		wb[p] = sx_accept_wb(hs, sx, (enum sx_path)p);
		any[p] = sx_accept_any(hs, sx, (enum sx_path)p);
	}
	for (size_t i = 0; i < in->n && !rc; i++) {
		struct verify_item *vi = &out->items[i];
		struct intents one;

		vi->intent = &in->v[i];
		vi->path = path_of(in->v[i].hook);
		rc = resolve_intent(&in->v[i], defs, &one, vi->resolved, sizeof(vi->resolved), e);
		if (rc)
			break;
		one.v[0].file = in->v[i].file;
		one.v[0].line = in->v[i].line;
		rc = prove(hs, rs, sx, &one.v[0], vi, wb[vi->path], any[vi->path], e);
		if (rc && !e->file[0]) {
			snprintf(e->file, sizeof(e->file), "%s", in->v[i].file);
			e->line = in->v[i].line;
		}
		intents_free(&one);
		if (!rc) {
			if (vi->holds)
				out->held++;
			else
				out->violated++;
		}
	}
	for (int p = 0; p < SX__NPATHS; p++) {
		unref(wb[p]);
		unref(any[p]);
	}
	return rc;
}

static void items_free(struct verify_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < r->items[i].nconditions; k++)
			free(r->items[i].conditions[k]);
		free(r->items[i].conditions);
		for (size_t k = 0; k < r->items[i].nin_sets; k++)
			free(r->items[i].in_sets[k]);
		free(r->items[i].in_sets);
	}
	free(r->items);
	r->items = NULL;
	r->n = 0;
}

void verify_result_free(struct verify_result *r)
{
	if (!r)
		return;
	items_free(r);
	intents_free(&r->intents);
	memset(r, 0, sizeof(*r));
}

void verify_intents_next_to(const char *entry, char *buf, size_t size)
{
	const char *slash = strrchr(entry, '/');

	snprintf(buf, size, "%.*s/intents", slash ? (int)(slash - entry) : 1, slash ? entry : ".");
}

int verify_policy(const char *entry, const char *incdir, const struct ruleset *rs,
		  struct sx_engine *shared, const char *intents_path, struct verify_result *out,
		  struct xerr *e)
{
	struct trace_defines defs;
	struct sx_engine own, *g = shared ? shared : &own;
	int rc;

	(void)incdir;
	memset(out, 0, sizeof(*out));
	if (intents_path)
		snprintf(out->intents_path, sizeof(out->intents_path), "%s", intents_path);
	else
		verify_intents_next_to(entry, out->intents_path, sizeof(out->intents_path));
	if (intents_load(&out->intents, out->intents_path, e))
		return -1;
	if (trace_defines_load(entry, &defs, e)) {
		verify_result_free(out);
		return -1;
	}
	rc = shared ? 0 : sx_engine_start(rs, &own, e);
	if (!rc)
		rc = verify_intents(g->hs, rs, g->sx, &out->intents, &defs, out, e);
	if (!shared)
		sx_engine_stop(&own);
	trace_defines_free(&defs);
	if (rc)
		verify_result_free(out);
	return rc;
}

char *verify_item_format(const struct verify_item *it)
{
	char pkt[PACKET_TEXT_MAX];
	size_t size = 8192, o = 0;
	char *s = malloc(size);

	if (!s)
		return NULL;
	o += (size_t)snprintf(s + o, size - o, "%s:%d: %s", it->intent->file, it->intent->line,
			      it->intent->text);
	if (it->holds) {
		snprintf(s + o, size - o, ": holds");
		return s;
	}
	packet_format_full(&it->pkt, pkt, sizeof(pkt));
	o += (size_t)snprintf(s + o, size - o, ": VIOLATED\n  %s on the %s path: %s\n",
			      it->accepted ? "accepted" : "not accepted", sx_path_name(it->path),
			      pkt);
	for (size_t i = 0; i < it->nconditions && o < size; i++)
		o += (size_t)snprintf(s + o, size - o, "%s%s%s", i ? ", " : "  conditions: ",
				      it->conditions[i], i + 1 == it->nconditions ? "\n" : "");
	if (o >= size)
		s[size - 1] = '\0';
	else if (o && s[o - 1] == '\n')
		s[o - 1] = '\0';
	return s;
}

void verify_item_trace_opts(const struct verify_item *it, struct trace_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->over_limit = it->over_limit;
	o->in_sets = (const char *const *)it->in_sets;
	o->nin_sets = it->nin_sets;
}
