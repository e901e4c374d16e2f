// SPDX-License-Identifier: GPL-2.0-or-later
#include "apply/fit.h"

#include <stdbool.h>
#include <string.h>

#include "core/paths.h"

static bool has_own_table(const struct ruleset *rs)
{
	for (size_t i = 0; i < rs->ntables; i++) {
		const struct rs_table *t = rs->tables[i];

		if (!strcmp(rs_family_name(t->family), XNFT_TABLE_FAMILY) &&
		    !strcmp(t->name, XNFT_TABLE_NAME))
			return true;
	}
	return false;
}

int apply_fits(const struct ruleset *rs, const char *entry, struct xerr *e)
{
	if (!has_own_table(rs)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s does not create table %s %s", entry,
			 XNFT_TABLE_FAMILY, XNFT_TABLE_NAME);
		return xerr_hint(e, "xnft apply replaces only its own table: the policy must build "
				 "`table %s %s` (xnft init writes one)", XNFT_TABLE_FAMILY,
				 XNFT_TABLE_NAME);
	}
	if (rs->ntables > 1) {
		xerr_set(e, XNFT_EXIT_FINDINGS,
			 "%s creates %zu tables; safe apply replaces only table %s %s", entry,
			 rs->ntables, XNFT_TABLE_FAMILY, XNFT_TABLE_NAME);
		return xerr_hint(e, "keep other tables (Docker's, your own) out of the xnft policy: "
				 "a rollback would not restore them");
	}
	return 0;
}
