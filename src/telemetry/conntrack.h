/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conntrack health of the calling network namespace: the table's fill
 * (/proc/sys/net/netfilter) and the kernel's per-CPU statistics
 * (/proc/net/stat/nf_conntrack, the same figures `conntrack -S` prints
 * from ctnetlink), summed over the CPUs. Seed 003's "table full, dropping
 * packet" shows as `drop` and `early_drop` growing.
 */
#ifndef XNFT_TELEMETRY_CONNTRACK_H
#define XNFT_TELEMETRY_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum ct_stat {
	CT_FOUND, CT_INVALID, CT_INSERT_FAILED, CT_DROP, CT_EARLY_DROP, CT_SEARCH_RESTART,
	CT_NSTATS
};

struct ct_health {
	bool loaded;              /* false: nf_conntrack is not loaded, nothing else is set */
	uint64_t count, max, buckets;
	uint64_t stat[CT_NSTATS];
};

/* The column name of a statistic in /proc/net/stat/nf_conntrack ("early_drop"). */
const char *ct_stat_name(enum ct_stat s);

/* Read both; a missing nf_conntrack module is not an error (h->loaded false). */
int ct_health_read(struct ct_health *h, struct xerr *e);

/* count / max, 0 when max is unknown. */
double ct_fill_ratio(const struct ct_health *h);

/*
 * The fill level a warning is due for: 0 below 80 %, 80, or 95. The daemon
 * warns when the level rises and says so again when it falls back.
 */
int ct_fill_level(const struct ct_health *h);

#endif
