/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which rules match, over time. Counters restart at zero whenever the table
 * is re-applied, so "never matched" cannot be read from one sample: each
 * `xnft stats` run compares the counters with the previous sample kept in
 * the state directory (stats.baseline) and remembers, per rule, when it was
 * last seen matching. A rule is followed across applies by its file:line
 * and text (or, without a location, by table, chain and handle), so the
 * baseline survives re-applies; a rule edited or moved starts anew.
 */
#ifndef XNFT_TELEMETRY_RULEUSE_H
#define XNFT_TELEMETRY_RULEUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "telemetry/counters.h"

#define RULEUSE_FILE "stats.baseline"

struct ruleuse {
	time_t first_seen;        /* when the baseline first saw this rule */
	time_t last_hit;          /* last sample in which it had matched; 0 never */
	double rate_pps, rate_bps; /* since the previous sample; < 0 unknown */
};

/*
 * Compare s with the stored baseline at time now, fill use[i] for each
 * rule s->rules[i], and store the new baseline. *since: when the baseline
 * began (now for a new one).
 */
int ruleuse_update(const struct tm_snapshot *s, time_t now, struct ruleuse *use, time_t *since,
		   struct xerr *e);

#endif
