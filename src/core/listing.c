// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One namespace's ruleset, read in three parts (see listing.h). The terse
 * listing still prints anonymous sets inside the rules that use them;
 * only named sets come back empty, and those are filled from the dump or
 * from their own listing.
 */
#include "core/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "core/nftctx.h"
#include "core/nldump.h"
#include "core/ruleset.h"

#define LISTING_TRIES 4

void listing_free(struct listing *l)
{
	if (!l)
		return;
	free(l->json);
	setelem_dump_free(&l->sets);
	for (size_t i = 0; i < l->nset_json; i++)
		free(l->set_json[i]);
	free(l->set_json);
	memset(l, 0, sizeof(*l));
}

int listing_add_set_json(struct listing *l, char *json)
{
	char **v = realloc(l->set_json, (l->nset_json + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->set_json = v;
	v[l->nset_json++] = json;
	return 0;
}

/* `list set` or `list map` of each set the dump left to JSON. */
static int list_other_sets(struct nftctx *ctx, struct listing *l, struct xerr *e)
{
	for (size_t i = 0; i < l->sets.nothers; i++) {
		const struct setelem_other *o = &l->sets.others[i];
		const char *fam = setelem_family_name(o->family);
		char cmd[2 * SETELEM_NAME_MAX + 64];
		char *json = NULL;

		if (!fam)
			continue;
		snprintf(cmd, sizeof(cmd), "list %s %s %s %s", o->is_map ? "map" : "set", fam,
			 o->table, o->name);
		if (nftctx_run(ctx, cmd, &json, e))
			return -1;
		if (listing_add_set_json(l, json)) {
			free(json);
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		}
	}
	return 0;
}

/* ctx given: set to the output wanted; else a context of its own (freed after). */
static struct nftctx *list_ctx(struct nftctx *given, unsigned flags, struct xerr *e)
{
	if (!given)
		return nftctx_new(flags, e);
	nftctx_set_output(given, flags);
	return given;
}

/* ---- tables with flags ------------------------------------------------------------------ */

/*
 * libnftables 1.0.6 prints a table with exactly one flag (dormant, owner,
 * persist) from freed memory (fixed upstream in 2023): the JSON listing
 * then holds garbage, or is not JSON at all. So the tables' flags are read
 * over netlink (NFT_MSG_GETTABLE), and the listing of a table with flags
 * is put together from listings that print no table object: its chains
 * (with their rules) and its sets, behind a table object written here.
 */
struct flagged {
	uint32_t family;
	uint32_t flags;
	char name[NFT_TABLE_MAXNAMELEN];
};

struct flagged_list {
	struct flagged *v;   /* every table, in the kernel's order */
	size_t n;
	size_t nflagged;     /* how many of them have flags */
	bool oom;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct flagged_list *fl = data;
	struct nftnl_table *t = nftnl_table_alloc();
	struct flagged *v;

	if (!t || nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		fl->oom = !t;
		return t ? MNL_CB_OK : MNL_CB_ERROR;
	}
	if (nftnl_table_get_str(t, NFTNL_TABLE_NAME)) {
		v = realloc(fl->v, (fl->n + 1) * sizeof(*v));
		if (!v) {
			fl->oom = true;
			nftnl_table_free(t);
			return MNL_CB_ERROR;
		}
		fl->v = v;
		v += fl->n++;
		v->family = nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
		v->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
		snprintf(v->name, sizeof(v->name), "%s", nftnl_table_get_str(t, NFTNL_TABLE_NAME));
		fl->nflagged += v->flags != 0;
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

/* The tables of the calling namespace, with their flags. */
static int read_flagged(struct flagged_list *fl, struct xerr *e)
{
	struct nldump_result r;

	memset(fl, 0, sizeof(*fl));
	if (nldump_nft(NFT_MSG_GETTABLE, "the tables", table_cb, fl, &r, e))
		goto fail;
	if (fl->oom || r.kernel_error || r.cb_error) {
		xerr_set(e, XNFT_EXIT_USAGE, "reading the tables over netlink: %s",
			 fl->oom ? "out of memory" : strerror(r.kernel_error ? r.kernel_error
								       : r.cb_error));
		goto fail;
	}
	return 0;
fail:
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
	return -1;
}

/* Whether a listed object (a one-key object) belongs to table fam/name; any when name is NULL. */
static bool of_table(const json_t *o, const char *fam, const char *name)
{
	const char *key;
	json_t *v;

	if (!name)
		return true;
	json_object_foreach((json_t *)o, key, v) {
		const char *t = json_string_value(json_object_get(v, "table"));
		const char *f = json_string_value(json_object_get(v, "family"));

		return t && f && !strcmp(t, name) && !strcmp(f, fam);
	}
	return false;
}

/* Append the objects of one listing (not its metainfo) of table fam/name (any: NULL) to out. */
static int append_listing(struct nftctx *ctx, const char *cmd, const char *fam, const char *name,
			  json_t *out, struct xerr *e)
{
	char *text = NULL;
	json_t *j, *arr, *o;
	size_t i;

	if (nftctx_run(ctx, cmd, &text, e))
		return -1;
	j = json_loads(text, 0, NULL);
	free(text);
	arr = j ? json_object_get(j, "nftables") : NULL;
	if (!json_is_array(arr)) {
		json_decref(j);
		return xerr_set(e, XNFT_EXIT_USAGE, "'nft %s' did not list JSON", cmd);
	}
	json_array_foreach(arr, i, o)
		if (!json_object_get(o, "metainfo") && of_table(o, fam, name) &&
		    json_array_append(out, o))
			break;
	json_decref(j);
	return 0;
}

/* The flags as nft names them, for the table object written here. */
static json_t *flag_names(uint32_t flags)
{
	static const char *const names[] = { "dormant", "owner", "persist" };
	json_t *a = json_array();

	for (size_t i = 0; a && i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

/*
 * What one table with flags holds: its chains with their rules, sets, maps,
 * counters, quotas and limits (nft lists its other objects only with the
 * table itself).
 */
static int list_flagged(struct nftctx *ctx, const struct flagged *t, const json_t *chains,
			json_t *out, struct xerr *e)
{
	static const char *const kinds[] = { "sets", "counters", "quotas", "limits" };
	const char *fam = setelem_family_name(t->family);
	char cmd[3 * NFT_TABLE_MAXNAMELEN + 64];
	size_t i;
	json_t *o;

	json_array_append_new(out, json_pack("{s:{s:s,s:s,s:o}}", "table", "family", fam,
					     "name", t->name, "flags", flag_names(t->flags)));
	json_array_foreach(chains, i, o) {
		const char *cn = json_string_value(json_object_get(json_object_get(o, "chain"),
								   "name"));

		if (!cn || !of_table(o, fam, t->name))
			continue;
		snprintf(cmd, sizeof(cmd), "list chain %s %s %s", fam, t->name, cn);
		if (append_listing(ctx, cmd, NULL, NULL, out, e))
			return -1;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(cmd, sizeof(cmd), "list %s table %s %s", kinds[i], fam, t->name);
		if (append_listing(ctx, cmd, NULL, NULL, out, e))
			return -1;
	}
	snprintf(cmd, sizeof(cmd), "list maps %s", fam);
	return append_listing(ctx, cmd, fam, t->name, out, e);
}

/* The listing table by table, those with flags put together by list_flagged. */
static int list_by_table(struct nftctx *ctx, const struct flagged_list *fl, char **json,
			 struct xerr *e)
{
	json_t *out = json_array(), *chains = json_array(), *top = NULL;
	int rc = -1;

	if (!out || !chains) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		goto done;
	}
	if (append_listing(ctx, "list chains", NULL, NULL, chains, e))
		goto done;
	for (size_t i = 0; i < fl->n; i++) {
		const struct flagged *t = &fl->v[i];
		const char *fam = setelem_family_name(t->family);
		char cmd[NFT_TABLE_MAXNAMELEN + 32];

		if (!fam)
			continue;
		if (t->flags) {
			if (list_flagged(ctx, t, chains, out, e))
				goto done;
			continue;
		}
		snprintf(cmd, sizeof(cmd), "list table %s %s", fam, t->name);
		if (append_listing(ctx, cmd, NULL, NULL, out, e))
			goto done;
	}
	top = json_pack("{s:O}", "nftables", out);
	*json = top ? json_dumps(top, JSON_COMPACT) : NULL;
	if (!*json) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		goto done;
	}
	rc = 0;
done:
	json_decref(top);
	json_decref(out);
	json_decref(chains);
	return rc;
}

int listing_read_json(struct listing *l, struct nftctx *given, struct xerr *e)
{
	struct nftctx *ctx = list_ctx(given, NFTCTX_JSON | NFTCTX_NUMERIC | NFTCTX_TERSE, e);
	struct flagged_list fl;
	int rc;

	if (!ctx)
		return -1;
	free(l->json);
	l->json = NULL;
	rc = read_flagged(&fl, e);
	if (!rc && fl.nflagged)
		rc = list_by_table(ctx, &fl, &l->json, e);
	else if (!rc)
		rc = nftctx_run(ctx, "list ruleset", &l->json, e);
	free(fl.v);
	if (ctx != given)
		nftctx_free(ctx);
	return rc;
}

int listing_read_sets(struct listing *l, struct nftctx *given, struct xerr *e)
{
	struct nftctx *ctx;
	int rc;

	setelem_dump_free(&l->sets);
	rc = setelem_dump_read(&l->sets, given != NULL, e);
	if (rc || !l->sets.nothers)
		return rc;
	/* without -t: these sets' elements are wanted */
	ctx = list_ctx(given, NFTCTX_JSON | NFTCTX_NUMERIC, e);
	rc = ctx ? list_other_sets(ctx, l, e) : -1;
	if (ctx != given)
		nftctx_free(ctx);
	return rc;
}

/*
 * One try. 0: one generation of the ruleset throughout. 1: a commit came
 * in between, but every part was read whole (usable). 2: a dump saw the
 * change itself (a set went away, or the kernel flagged it): not usable.
 */
static int read_once(struct listing *l, struct xerr *e)
{
	uint32_t before, after;
	int rc;

	if (setelem_generation(&before, e) || listing_read_json(l, NULL, e))
		return -1;
	rc = listing_read_sets(l, NULL, e);
	if (rc)
		return rc < 0 ? -1 : 2;
	if (setelem_generation(&after, e))
		return -1;
	return after != before ? 1 : 0;
}

int listing_read(struct listing *l, struct xerr *e)
{
	int rc = 2;

	memset(l, 0, sizeof(*l));
	/*
	 * A daemon adding bans commits often: read again for a read that saw
	 * one generation; after a few tries a read whose parts were each read
	 * whole will do (bans coming and going during it are what it shows).
	 */
	for (int attempt = 0; attempt < LISTING_TRIES && rc > 0; attempt++) {
		listing_free(l);
		rc = read_once(l, e);
		if (rc == 1 && attempt == LISTING_TRIES - 1)
			rc = 0;
	}
	if (rc == 2)
		xerr_set(e, XNFT_EXIT_USAGE,
			 "the ruleset changed under every one of %d reads of it: try again",
			 LISTING_TRIES);
	if (rc)
		listing_free(l);
	return rc ? -1 : 0;
}

size_t listing_text_estimate(const struct listing *l)
{
	/* one element of a JSON listing ("11.22.33.0/24" in its prefix object) is about 60 bytes */
	size_t n = l->json ? strlen(l->json) : 0;

	for (size_t i = 0; i < l->sets.n; i++)
		n += l->sets.v[i].n * 60;
	for (size_t i = 0; i < l->nset_json; i++)
		n += strlen(l->set_json[i]);
	return n;
}

int listing_model_sets(const struct listing *l, struct ruleset *rs, struct xerr *e)
{
	if (setelem_dump_apply(&l->sets, rs, e))
		return -1;
	for (size_t i = 0; i < l->nset_json; i++)
		if (ruleset_add_set_json(rs, l->set_json[i], strlen(l->set_json[i]), e))
			return -1;
	return 0;
}

int listing_model(const struct listing *l, struct ruleset **out, struct xerr *e)
{
	struct ruleset *rs;

	*out = NULL;
	if (!l->json)
		return xerr_set(e, XNFT_EXIT_USAGE, "no ruleset listing");
	if (ruleset_from_json(l->json, strlen(l->json), &rs, e))
		return -1;
	if (listing_model_sets(l, rs, e)) {
		ruleset_free(rs);
		return -1;
	}
	*out = rs;
	return 0;
}
