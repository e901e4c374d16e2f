/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diff: the packets whose verdict differs between two rulesets, per hook
 * path, in readable lines (describe.h). Both rulesets are evaluated over one
 * header space (the interface names of both). A packet is compared by what
 * a well-behaved source gets (symexec.h: stateful matches at their
 * well-behaved values, the unmodelled ones either way): "now accepted" /
 * "no longer accepted". Packets whose fate changed only for some choice of
 * that state (over a limit, in a dynamic set) are listed apart as "now
 * possibly accepted" / "no longer possibly accepted".
 */
#ifndef XNFT_ANALYZE_DIFF_H
#define XNFT_ANALYZE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/describe.h"
#include "analyze/symexec.h"
#include "core/err.h"
#include "core/ruleset.h"

enum diff_kind { DIFF_NOW_ACCEPTED, DIFF_NO_LONGER, DIFF_NOW_POSSIBLY, DIFF_NO_LONGER_POSSIBLY,
		 DIFF__NKINDS };

struct diff_result {
	struct ds_lines lines[SX__NPATHS][DIFF__NKINDS];
	bool changed;
};

int diff_compute(const struct ruleset *old_rs, const struct ruleset *new_rs,
		 struct diff_result *out, struct xerr *e);

/*
 * The same from the two rulesets' symbolic runs in one header space hs
 * (made for both), for a caller that goes on using hs and b.
 */
int diff_compute_in(struct hspace *hs, const struct sx_result *a, const struct sx_result *b,
		    struct diff_result *out, struct xerr *e);
void diff_free(struct diff_result *d);

const char *diff_kind_name(enum diff_kind k);   /* "now accepted", ... */

#endif
