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

#include "core/nftctx.h"
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

int listing_read_json(struct listing *l, struct nftctx *given, struct xerr *e)
{
	struct nftctx *ctx = list_ctx(given, NFTCTX_JSON | NFTCTX_NUMERIC | NFTCTX_TERSE, e);
	int rc;

	if (!ctx)
		return -1;
	free(l->json);
	l->json = NULL;
	rc = nftctx_run(ctx, "list ruleset", &l->json, e);
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
