// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Anonymous chains (`udp dport 53 jump { ip saddr 10.0.0.0/8 accept }`).
 *
 * The kernel holds such a chain as a bound chain (NFT_CHAIN_BINDING, named
 * `__chain%d` by nft) that only its rule's jump reaches. libnftables 1.0.6
 * has no JSON printer for it: the listing carries the whole statement as
 * its nft text ("jump {\n\tip saddr 10.0.0.0/8 accept\n}"), and nft refuses
 * to list a bound chain by name. Copying the bound chain's rules over
 * netlink into a chain that can be listed does not work either: its
 * anonymous sets are bound to the original rules and cannot be bound again.
 *
 * So, in the private namespace where a policy file was loaded (and only
 * there: the host's ruleset is never written), the body nft itself printed
 * is loaded again as a regular chain of the same table, which nft parses,
 * and that chain's JSON listing replaces the text: the statement becomes a
 * plain jump/goto to it, and the chain is marked "xnft_anonymous" for the
 * loader. Nested anonymous chains come back as text again and are handled
 * the same way. A body that does not load stays text: the loader keeps it
 * as an unknown statement, which the analyses widen and report.
 */
#include "core/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/nftctx.h"

/* Anonymous chains read per listing at most: a bound against runaway nesting. */
#define BOUND_MAX 4096

/* "jump" or "goto" when s is the text of a statement with an anonymous chain. */
static const char *bound_kind(const char *s)
{
	if (!strncmp(s, "jump {", 6))
		return "jump";
	if (!strncmp(s, "goto {", 6))
		return "goto";
	return NULL;
}

/* Load the body of text (between its outer braces) as chain name; -1 when nft refuses. */
static int load_body(struct nftctx *ctx, const char *fam, const char *table, const char *name,
		     const char *text)
{
	const char *open = strchr(text, '{'), *close = strrchr(text, '}');
	struct xerr ignored;
	char *buf;
	int rc, len;

	if (!open || !close || close < open)
		return -1;
	len = (int)(close - open - 1);
	if (asprintf(&buf, "table %s %s {\nchain %s {\n%.*s\n}\n}\n", fam, table, name, len,
		     open + 1) < 0)
		return -1;
	rc = nftctx_load_buffer(ctx, name, buf, NULL, &ignored);
	free(buf);
	return rc;
}

/* Append the chain and rule objects of one chain's listing to arr. */
static int append_chain(struct nftctx *ctx, json_t *arr, const char *fam, const char *table,
			const char *name)
{
	char cmd[512], *out = NULL;
	struct xerr ignored;
	json_t *doc, *items;
	size_t i;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "list chain %s %s %s", fam, table, name);
	if (nftctx_run(ctx, cmd, &out, &ignored))
		return -1;
	doc = json_loads(out, 0, NULL);
	free(out);
	items = json_object_get(doc, "nftables");
	if (!json_is_array(items))
		goto out;
	for (i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i), *chain = json_object_get(it, "chain");

		if (chain)
			json_object_set_new(chain, "xnft_anonymous", json_true());
		if ((chain || json_object_get(it, "rule")) && json_array_append(arr, it))
			goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* Replace expr[j] of rule (a bound chain's text) by a jump to a chain of its own. */
static void bind_one(struct nftctx *ctx, json_t *arr, json_t *rule, json_t *expr, size_t j,
		     unsigned *count)
{
	const char *text = json_string_value(json_array_get(expr, j));
	const char *kind = bound_kind(text);
	const char *fam = json_string_value(json_object_get(rule, "family"));
	const char *table = json_string_value(json_object_get(rule, "table"));
	json_int_t handle = json_integer_value(json_object_get(rule, "handle"));
	char name[64];
	json_t *verdict;

	if (!fam || !table || *count >= BOUND_MAX)
		return;
	/* the rule's handle keeps the name unique in its table: handles are */
	snprintf(name, sizeof(name), "xnft_anon_%lld_%zu", (long long)handle, j);
	if (load_body(ctx, fam, table, name, text) || append_chain(ctx, arr, fam, table, name))
		return;
	verdict = json_pack("{s:{s:s}}", kind, "target", name);
	if (verdict && json_array_set_new(expr, j, verdict) == 0)
		(*count)++;
}

int listing_read_anonymous(struct listing *l, struct nftctx *ctx, struct xerr *e)
{
	json_t *doc, *arr;
	unsigned count = 0;
	char *text;

	if (!l->json || !strstr(l->json, " {\\n"))
		return 0;   /* no statement printed as nft text: nothing to read */
	doc = json_loads(l->json, 0, NULL);
	arr = json_object_get(doc, "nftables");
	if (!json_is_array(arr)) {
		json_decref(doc);
		return 0;   /* the loader reports a malformed listing */
	}
	/* the array grows while it is walked: nested chains come after their parent */
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *rule = json_object_get(json_array_get(arr, i), "rule");
		json_t *expr = json_object_get(rule, "expr");

		for (size_t j = 0; j < json_array_size(expr); j++) {
			const char *s = json_string_value(json_array_get(expr, j));

			if (s && bound_kind(s))
				bind_one(ctx, arr, rule, expr, j, &count);
		}
	}
	if (!count) {
		json_decref(doc);
		return 0;
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading anonymous chains");
	free(l->json);
	l->json = text;
	return 0;
}
