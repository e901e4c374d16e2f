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
 *
 * The host's ruleset (--live) is never written: its printed text is loaded
 * again in a private namespace, read there as above, and the host's listing
 * takes the chains from that copy, renamed to the kernel's own bound chains
 * and rule handles (listing_take_anonymous, at the end of this file).
 */
#include "core/listing.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "core/nftctx.h"
#include "core/nldump.h"
#include "core/setelems.h"

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

/* ---- a live ruleset: the chains read from a copy ------------------------------------ */

static const char *str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The family/table/chain of a rule or chain object, as one key. */
static void chain_key(const json_t *o, const char *name_key, char *key, size_t size)
{
	snprintf(key, size, "%s %s %s", str_of(o, "family"), str_of(o, "table"),
		 str_of(o, name_key));
}

/* The n-th rule object of chain key in items (its place in the chain's rule list). */
static json_t *nth_rule(json_t *items, const char *key, size_t n)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *r = json_object_get(json_array_get(items, i), "rule");
		char k[768];

		if (!r)
			continue;
		chain_key(r, "chain", k, sizeof(k));
		if (!strcmp(k, key) && n-- == 0)
			return r;
	}
	return NULL;
}

/* Whether object it (a chain or a rule) belongs to a chain the copy read as anonymous. */
static bool of_anonymous(json_t *anon, json_t *it)
{
	json_t *c = json_object_get(it, "chain"), *r = json_object_get(it, "rule");
	const char *name = c ? json_string_value(json_object_get(c, "name")) :
			   json_string_value(json_object_get(r, "chain"));

	return name && json_object_get(anon, name);
}

/*
 * Swap each bound chain's text in host's rules for the jump of the copy's
 * rule at the same place; 1 when some was swapped.
 */
/* Whether a rule's statements hold a bound chain's text. */
static bool has_bound_text(const json_t *expr)
{
	for (size_t j = 0; j < json_array_size(expr); j++) {
		const char *s = json_string_value(json_array_get(expr, j));

		if (s && bound_kind(s))
			return true;
	}
	return false;
}

static int swap_texts(json_t *host, json_t *copy)
{
	json_t *counts = json_object();
	int swapped = 0;

	for (size_t i = 0; counts && i < json_array_size(host); i++) {
		json_t *r = json_object_get(json_array_get(host, i), "rule");
		json_t *expr = json_object_get(r, "expr"), *twin, *texpr;
		char key[768];
		size_t n;

		if (!r)
			continue;
		chain_key(r, "chain", key, sizeof(key));
		n = (size_t)json_integer_value(json_object_get(counts, key));
		json_object_set_new(counts, key, json_integer((json_int_t)n + 1));
		if (!has_bound_text(expr))
			continue;   /* only these look for their twin: the copy is walked per rule */
		twin = nth_rule(copy, key, n);
		texpr = json_object_get(twin, "expr");
		if (json_array_size(texpr) != json_array_size(expr))
			continue;
		for (size_t j = 0; j < json_array_size(expr); j++) {
			const char *s = json_string_value(json_array_get(expr, j));
			json_t *t = json_array_get(texpr, j);

			if (!s || !bound_kind(s) || !json_object_get(t, bound_kind(s)))
				continue;
			if (json_array_set(expr, j, t) == 0)
				swapped = 1;
		}
	}
	json_decref(counts);
	return swapped;
}

/* ---- the kernel's own names for a live ruleset's bound chains --------------------------- */

/*
 * The copy names its anonymous chains after its own rule handles; the
 * kernel names a bound chain "__chain%d" and numbers its rules with
 * handles of its own, which `nft monitor trace` shows. A rule dump over
 * netlink gives both: each rule's jumps to bound chains, and the rules of
 * each bound chain in order. The host's listing then uses them, so that a
 * trace names the rules the kernel names.
 */
struct krule {
	char key[768];                 /* "family table chain" */
	uint64_t handle;
	char bound[4][NFT_CHAIN_MAXNAMELEN];   /* the bound chains it jumps to, in order */
	size_t nbound;
};

struct krules {
	struct krule *v;
	size_t n;
	bool oom;
};

static const char *family_name(uint32_t f)
{
	const char *name = setelem_family_name(f);

	return name ? name : "?";
}

static bool is_bound_name(const char *chain)
{
	return chain && !strncmp(chain, "__chain", 7);
}

static int jump_cb(struct nftnl_expr *x, void *data)
{
	struct krule *k = data;
	const char *name = nftnl_expr_get_str(x, NFTNL_EXPR_NAME);
	const char *target;
	int32_t verdict;

	if (!name || strcmp(name, "immediate") || !nftnl_expr_is_set(x, NFTNL_EXPR_IMM_CHAIN))
		return MNL_CB_OK;
	verdict = (int32_t)nftnl_expr_get_u32(x, NFTNL_EXPR_IMM_VERDICT);
	target = nftnl_expr_get_str(x, NFTNL_EXPR_IMM_CHAIN);
	if ((verdict == NFT_JUMP || verdict == NFT_GOTO) && is_bound_name(target) &&
	    k->nbound < sizeof(k->bound) / sizeof(k->bound[0]))
		snprintf(k->bound[k->nbound++], sizeof(k->bound[0]), "%s", target);
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct krules *kr = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct krule k = { .nbound = 0 }, *v;
	const char *chain;
	bool in_bound;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		kr->oom = !r;
		return r ? MNL_CB_OK : MNL_CB_ERROR;
	}
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	snprintf(k.key, sizeof(k.key), "%s %s %s",
		 family_name(nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY)),
		 nftnl_rule_get_str(r, NFTNL_RULE_TABLE), chain ? chain : "");
	k.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	nftnl_expr_foreach(r, jump_cb, &k);
	in_bound = is_bound_name(chain);
	nftnl_rule_free(r);
	if (!k.nbound && !in_bound)
		return MNL_CB_OK;
	v = realloc(kr->v, (kr->n + 1) * sizeof(*v));
	if (!v) {
		kr->oom = true;
		return MNL_CB_ERROR;
	}
	kr->v = v;
	kr->v[kr->n++] = k;
	return MNL_CB_OK;
}

/* The rules that jump to bound chains, and the bound chains' rules; -1 when unread. */
static int read_krules(struct krules *kr)
{
	struct nldump_result r;
	struct xerr e;

	memset(kr, 0, sizeof(*kr));
	xerr_clear(&e);
	if (nldump_nft(NFT_MSG_GETRULE, "the rules", rule_cb, kr, &r, &e) == 0 && !kr->oom &&
	    !r.kernel_error && !r.cb_error && !r.interrupted)
		return 0;
	free(kr->v);
	memset(kr, 0, sizeof(*kr));
	return -1;
}

static const struct krule *krule_at(const struct krules *kr, const char *key, uint64_t handle)
{
	for (size_t i = 0; i < kr->n; i++)
		if (kr->v[i].handle == handle && !strcmp(kr->v[i].key, key))
			return &kr->v[i];
	return NULL;
}

/* Rename chain `from` of table (fam, table) to `to` in items, its rules taking kernel handles. */
static void rename_chain(json_t *items, const struct krules *kr, const char *fam,
			 const char *table, const char *from, const char *to)
{
	char key[768];
	size_t n = 0;

	snprintf(key, sizeof(key), "%s %s %s", fam, table, to);
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		json_t *c = json_object_get(it, "chain"), *r = json_object_get(it, "rule");

		if (c && !strcmp(str_of(c, "name"), from) && !strcmp(str_of(c, "table"), table) &&
		    !strcmp(str_of(c, "family"), fam))
			json_object_set_new(c, "name", json_string(to));
		if (!r || strcmp(str_of(r, "chain"), from) || strcmp(str_of(r, "table"), table) ||
		    strcmp(str_of(r, "family"), fam))
			continue;
		json_object_set_new(r, "chain", json_string(to));
		/* the bound chain's n-th rule in the kernel */
		for (size_t k = 0, seen = 0; k < kr->n; k++) {
			if (strcmp(kr->v[k].key, key) || seen++ != n)
				continue;
			json_object_set_new(r, "handle", json_integer((json_int_t)kr->v[k].handle));
			break;
		}
		n++;
	}
}

/*
 * Give the anonymous chains of items (xnft_anon_*, read from a copy) the
 * kernel's names and rule handles: each rule's k-th jump to an anonymous
 * chain goes to the k-th bound chain the kernel's rule of that handle jumps
 * to. Nested chains follow, as their rules come after their parents'.
 */
static void kernel_names(json_t *items, const struct krules *kr)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *r = json_object_get(json_array_get(items, i), "rule");
		json_t *expr = json_object_get(r, "expr");
		const struct krule *k;
		char key[768];
		size_t nb = 0;

		if (!r)
			continue;
		chain_key(r, "chain", key, sizeof(key));
		k = krule_at(kr, key, (uint64_t)json_integer_value(json_object_get(r, "handle")));
		for (size_t j = 0; k && j < json_array_size(expr); j++) {
			json_t *x = json_array_get(expr, j);
			json_t *v = json_object_get(x, "jump") ? json_object_get(x, "jump") :
				    json_object_get(x, "goto");
			char from[NFT_CHAIN_MAXNAMELEN];

			if (!v || strncmp(str_of(v, "target"), "xnft_anon_", 10) || nb >= k->nbound)
				continue;
			snprintf(from, sizeof(from), "%s", str_of(v, "target"));
			rename_chain(items, kr, str_of(r, "family"), str_of(r, "table"), from,
				     k->bound[nb]);
			json_object_set_new(v, "target", json_string(k->bound[nb++]));
		}
	}
}

int listing_take_anonymous(struct listing *l, const struct listing *copy, struct xerr *e)
{
	json_t *hdoc, *cdoc, *host, *items, *anon;
	struct krules kr;
	char *text = NULL;
	int rc = 0;

	if (!l->json || !copy->json || !strstr(l->json, " {\\n"))
		return 0;
	hdoc = json_loads(l->json, 0, NULL);
	cdoc = json_loads(copy->json, 0, NULL);
	host = json_object_get(hdoc, "nftables");
	items = json_object_get(cdoc, "nftables");
	anon = json_object();
	if (!json_is_array(host) || !json_is_array(items) || !anon)
		goto out;
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *c = json_object_get(json_array_get(items, i), "chain");

		if (json_is_true(json_object_get(c, "xnft_anonymous")))
			json_object_set_new(anon, str_of(c, "name"), json_true());
	}
	if (!json_object_size(anon) || !swap_texts(host, items))
		goto out;
	/* the copy's anonymous chains and their rules, named as its jumps name them */
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);

		if (of_anonymous(anon, it) && json_array_append(host, it))
			goto out;
	}
	if (read_krules(&kr) == 0) {
		kernel_names(host, &kr);
		free(kr.v);
	}
	text = json_dumps(hdoc, JSON_COMPACT);
	if (!text) {
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading anonymous chains");
		goto out;
	}
	free(l->json);
	l->json = text;
out:
	json_decref(anon);
	json_decref(hdoc);
	json_decref(cdoc);
	return rc;
}
