// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel.org's releases.json: {"releases": [{"version": "6.1.76", "moniker":
 * "longterm", "released": {"timestamp": 1706..., "isodate": "2024-02-01"},
 * ...}, ...]}. Every release but linux-next (a daily snapshot, not a
 * release) becomes a MEDIUM finding; monitor.c keeps the recent ones and the
 * ones newer than the host's kernel in its series.
 */
#include "monitor/parse.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

static int bad(struct xerr *e, const char *name, const char *what)
{
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s: not kernel.org's releases.json: %s", name, what);
	return -1;
}

static int one_release(json_t *rel, const char *name, void *arg, struct mon_list *out,
		       struct xerr *e)
{
	time_t since = *(const time_t *)arg;
	const char *version = json_string_value(json_object_get(rel, "version"));
	const char *moniker = json_string_value(json_object_get(rel, "moniker"));
	json_t *released = json_object_get(rel, "released");
	json_t *ts = json_object_get(released, "timestamp");
	const char *iso = json_string_value(json_object_get(released, "isodate"));
	struct mon_finding *f;

	if (!json_is_object(rel) || !version || !moniker)
		return bad(e, name, "a release without a version or moniker");
	if (!strcmp(moniker, "linux-next"))
		return 0;
	if (ts && !json_is_integer(ts))
		return bad(e, name, "a release whose released.timestamp is not a number");
	if (ts && since && (time_t)json_integer_value(ts) < since && strcmp(moniker, "stable") &&
	    strcmp(moniker, "longterm"))
		return 0;
	if (!(f = mon_list_push(out)))
		return 0;
	f->source = MONITOR_SRC_KERNEL;
	f->sev = MON_SEV_MEDIUM;
	f->when = ts ? (time_t)json_integer_value(ts) : 0;
	snprintf(f->product, sizeof(f->product), "kernel");
	snprintf(f->version, sizeof(f->version), "%s", version);
	snprintf(f->series, sizeof(f->series), "%s", moniker);
	snprintf(f->id, sizeof(f->id), "kernel:%s", version);
	snprintf(f->title, sizeof(f->title), "Linux %s released (%s)", version, moniker);
	snprintf(f->published, sizeof(f->published), "%s", iso ? iso : "");
	snprintf(f->url, sizeof(f->url), "https://www.kernel.org/");
	snprintf(f->text, sizeof(f->text), "kernel release %s", version);
	return 0;
}

int mon_parse_kernel(const char *body, size_t len, const char *name, time_t since,
		     struct mon_list *out, struct xerr *e)
{
	return mon_parse_json_items(body, len, name, "kernel.org's releases.json", "releases",
				    one_release, &since, out, e);
}
