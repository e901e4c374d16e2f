/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition (format 0.0.4) of what the kernel counts:
 * the same text for `xnft metrics` (node_exporter's textfile collector)
 * and the daemon's /metrics. Names follow the Prometheus naming guide:
 * xnft_ prefix, base units, counters end in _total; per-rule series carry
 * table, chain, handle, file:line and comment and can be turned off for
 * very large rulesets.
 */
#ifndef XNFT_TELEMETRY_EXPO_H
#define XNFT_TELEMETRY_EXPO_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"

struct tm_apply;
struct tm_elem_cache;

struct expo_opts {
	bool per_rule;            /* xnft_rule_* series, one pair per rule with a counter */
	const char *family;       /* only this table ("inet" + "xnft"); NULL: every table */
	const char *table;
	const char *policy_entry; /* policy files naming the rules' file:line; NULL: none */
	const struct tm_apply *apply; /* safe apply's state (applystate.h); NULL: left out */
	struct tm_elem_cache *elem_cache; /* big sets' element counts between scrapes; NULL none */
	/* more series (the daemon's bans and events); NULL: none */
	void (*extra)(FILE *out, void *data);
	void *extra_data;
};

/* The whole exposition in *text (malloc'd, *len bytes). */
int expo_render(const struct expo_opts *o, char **text, size_t *len, struct xerr *e);

/* One label value escaped as the format wants (\\, \", \n). */
void expo_label(FILE *out, const char *value);

#endif
