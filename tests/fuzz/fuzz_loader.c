// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> the ruleset loader (JSON -> model), every rule printed back, the
 * model freed; the same bytes through the source-location scanner and the
 * libnftables diagnostics parser. None may crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/nftctx.h"
#include "core/ruleset.h"
#include "core/srcloc.h"

static void walk_model(struct ruleset *rs)
{
	struct ruleset_stats st;

	ruleset_stats(rs, &st);
	for (size_t t = 0; t < rs->ntables; t++) {
		const struct rs_table *tb = rs->tables[t];

		for (size_t c = 0; c < tb->nchains; c++) {
			const struct rs_chain *ch = tb->chains[c];

			for (size_t r = 0; r < ch->nrules; r++) {
				free(ruleset_rule_format(&ch->rules[r], true));
				free(ruleset_rule_format(&ch->rules[r], false));
			}
		}
		for (size_t s = 0; s < tb->nsets; s++) {
			const struct rs_set *set = tb->sets[s];

			for (size_t i = 0; i < set->nelems; i++) {
				free(rs_term_format(&set->elems[i].key));
				if (set->elems[i].data)
					free(rs_term_format(set->elems[i].data));
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *rs = NULL;
	struct nft_diags d = { 0 };
	struct srcloc sl;
	struct xerr e;
	char *text;

	if (ruleset_from_json((const char *)data, size, &rs, &e) == 0) {
		walk_model(rs);
		srcloc_apply(&(struct srcloc){ 0 }, rs);
		ruleset_free(rs);
	} else if (!e.msg[0]) {
		abort();   /* a failure must say why */
	}

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (srcloc_scan_buffer("fuzz.nft", text, NULL, 0, &sl, &e) == 0)
		srcloc_free(&sl);
	nft_diags_parse(text, &d);
	nft_diags_free(&d);
	free(text);
	return 0;
}
