// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exposure: the accept BDDs of the input and forward paths, free choices
 * quantified, described field by field.
 */
#include "analyze/exposure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/bddref.h"
#include "analyze/hspace.h"
#include "analyze/symexec.h"

/* b & keep, released and re-referenced: keep == bddtrue leaves b as it is. */
static BDD narrow(BDD b, BDD keep)
{
	put(&b, AND(b, keep));
	return b;
}

/*
 * accept (with its free variables) described over the path's domain. With
 * only_new the domain shrinks too: every packet a line may take for
 * granted is then in state new, so lines do not repeat "ct state new".
 */
static int describe_accepted(struct hspace *hs, const struct sx_result *sx, enum sx_path p,
			     BDD accept, bool forwarded, const struct exposure_query *q,
			     struct ds_lines *out, struct xerr *e)
{
	BDD keep = q->only_new ? hs_ct_state(hs, RS_CTSTATE_NEW) : ref(bddtrue);

	/* what is forwarded has a ttl / hop limit of 2 or more: no need to say so */
	if (forwarded) {
		BDD ttl = hs_range(hs, HS_TTL, 2, 255);

		keep = narrow(keep, ttl);
		unref(ttl);
	}
	BDD fv = hs_freevars_set(hs);
	BDD any = narrow(ref(bdd_exist(accept, fv)), keep);
	BDD full = narrow(ref(accept), keep);
	BDD dom = narrow(MINUS(sx->domain[p], sx->held[p]), keep);
	int rc = ds_describe(hs, any, full, dom, p, q->only_iface, out, e);

	unref(dom);
	unref(full);
	unref(any);
	unref(fv);
	unref(keep);
	return rc;
}

static bool forwarded(const struct sx_nat *n)
{
	return n->from == SX_INPUT && n->to == SX_FORWARD;
}

/* Each port forward's lines, their text ending in " → TARGET", appended to out. */
static int describe_dnat(struct hspace *hs, const struct sx_result *sx,
			 const struct exposure_query *q, struct ds_lines *out, struct xerr *e)
{
	for (size_t i = 0; i < sx->nnat; i++) {
		struct ds_lines one = { 0 };
		char to[64];

		if (!forwarded(&sx->nat[i]) || sx->nat[i].accept == bddfalse)
			continue;
		if (describe_accepted(hs, sx, SX_INPUT, sx->nat[i].accept, true, q, &one, e))
			return -1;
		natpath_target_format(&sx->nat[i].target, to, sizeof(to));
		for (size_t k = 0; k < one.n; k++) {
			struct ds_line *l = &one.v[k], *v;
			char *text;

			if (asprintf(&text, "%s \xe2\x86\x92 %s", l->text, to) < 0)
				text = NULL;
			v = out->n == out->cap ? realloc(out->v, (out->cap * 2 + 8) * sizeof(*v))
					       : out->v;
			if (!text || !v) {
				free(text);
				ds_lines_free(&one);
				return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			}
			if (v != out->v) {
				out->v = v;
				out->cap = out->cap * 2 + 8;
			}
			free(l->text);
			l->text = text;
			out->v[out->n++] = *l;
		}
		out->truncated |= one.truncated;
		out->merged |= one.merged;
		free(one.v);
	}
	return 0;
}

/* What this host accepts for itself: the input path without the port forwards. */
static int describe_input(struct hspace *hs, const struct sx_result *sx,
			  const struct exposure_query *q, struct ds_lines *out, struct xerr *e)
{
	BDD own = ref(sx->accept[SX_INPUT]);
	int rc;

	for (size_t i = 0; i < sx->nnat; i++) {
		if (!forwarded(&sx->nat[i]))
			continue;
		put(&own, MINUS(own, sx->nat[i].accept));
	}
	rc = describe_accepted(hs, sx, SX_INPUT, own, false, q, out, e);
	unref(own);
	return rc;
}

size_t exposure_tables_not_analysed(const struct ruleset *rs, bool arp, char *buf, size_t size)
{
	size_t o = 0, n = 0;

	if (size)
		buf[0] = '\0';
	for (size_t t = 0; t < rs->ntables; t++) {
		const struct rs_table *tb = rs->tables[t];
		bool base = false;

		/* an attached chain the engine leaves out */
		for (size_t c = 0; c < tb->nchains && !base; c++)
			base = tb->chains[c]->base && !sx_chain_modelled(tb->chains[c]);
		if (!base || tb->dormant || (tb->family == RS_FAM_ARP) != arp)
			continue;
		if (o < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s %s", n ? ", " : "",
					      rs_family_name(tb->family), tb->name ? tb->name : "?");
		n++;
	}
	return n;
}

/* An attached bridge forward chain: frames bridged from port to port meet it. */
static bool has_bridge_forward(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t c = 0; rs->tables[t]->family == RS_FAM_BRIDGE && !rs->tables[t]->dormant &&
				   c < rs->tables[t]->nchains; c++)
			if (rs->tables[t]->chains[c]->base &&
			    rs->tables[t]->chains[c]->hook == RS_HOOK_FORWARD)
				return true;
	return false;
}

/* The host's bridges (--live), each once; "a bridge" when any interface may be one. */
static void bridge_names(const struct ruleset *rs, bool assumed, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	if (assumed) {
		snprintf(buf, size, "a bridge");
		return;
	}
	for (size_t k = 0; k < rs->nbrports && o < size; k++) {
		size_t j;

		for (j = 0; j < k && strcmp(rs->brbridge[j], rs->brbridge[k]); j++)
			;
		if (j == k)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
					      rs->brbridge[k]);
	}
	if (!buf[0])
		snprintf(buf, size, "no bridge (this host has none)");
}

int exposure_compute(const struct ruleset *rs, struct sx_engine *shared,
		     const struct exposure_query *q, struct exposure *out, struct xerr *e)
{
	static const struct exposure_query every = { NULL, false };
	struct sx_engine own, *g = shared ? shared : &own;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!q)
		q = &every;
	out->only_new = q->only_new;
	if (!shared && sx_engine_start(rs, &own, e))
		return -1;
	rc = describe_input(g->hs, g->sx, q, &out->input, e);
	if (!rc)
		rc = describe_dnat(g->hs, g->sx, q, &out->dnat, e);
	if (!rc)
		rc = describe_accepted(g->hs, g->sx, SX_FORWARD, g->sx->accept[SX_FORWARD], false,
				       q, &out->forward, e);
	if (!rc && has_bridge_forward(rs)) {
		out->has_bridged = true;
		bridge_names(rs, g->hs->ports_assumed, out->bridges, sizeof(out->bridges));
		rc = describe_accepted(g->hs, g->sx, SX_BRIDGED, g->sx->accept[SX_BRIDGED], false,
				       q, &out->bridged, e);
	}
	if (!rc) {
		out->nnot_analysed = exposure_tables_not_analysed(rs, false, out->not_analysed,
								  sizeof(out->not_analysed));
		out->narp_tables = exposure_tables_not_analysed(rs, true, out->arp_tables,
								sizeof(out->arp_tables));
		out->bridge_ports = g->hs->ports_assumed;
		out->brnf4 = ruleset_brnf(rs, false);
		out->brnf6 = ruleset_brnf(rs, true);
		out->nfree = g->hs->nfv;
		for (size_t i = 0; i < g->hs->nfv; i++)
			out->nunknown += g->hs->fv[i].kind == HS_FV_UNKNOWN;
	}
	if (!shared)
		sx_engine_stop(&own);
	if (rc)
		exposure_free(out);
	return rc;
}

void exposure_free(struct exposure *x)
{
	ds_lines_free(&x->input);
	ds_lines_free(&x->forward);
	ds_lines_free(&x->dnat);
	ds_lines_free(&x->bridged);
	memset(x, 0, sizeof(*x));
}
