/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bouncer of CrowdSec's Local API (LAPI): a worker thread pulls
 * /v1/decisions/stream (everything at start, then the changes; after a
 * failure, everything again in a second thread while the changes go on)
 * and hands the ban decisions to the daemon's loop through a
 * queue and an eventfd. The daemon's loop never waits for the LAPI: a
 * dead or slow LAPI costs the worker its timeout, nothing else.
 */
#ifndef XNFT_CROWDSEC_LAPI_H
#define XNFT_CROWDSEC_LAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ban/engine.h"
#include "daemon/config.h"
#include "core/err.h"

/* Every ban the LAPI gave carries a rule name with this prefix: "crowdsec:cscli:manual". */
#define CS_RULE_PREFIX "crowdsec:"

/* One decision of the stream, as the daemon needs it. */
struct cs_decision {
	bool deleted;            /* from the stream's "deleted" list */
	int64_t id;              /* the LAPI's decision id; -1 when it gave none */
	struct ban_key key;
	uint64_t duration_ms;    /* time left; 0 for a deleted one */
	char rule[BAN_RULE_NAME_MAX];   /* CS_RULE_PREFIX origin:scenario */
};

/* What parsing one answer found besides the decisions it kept. */
struct cs_counts {
	uint64_t other_type;     /* captcha, throttle, ...: skipped */
	uint64_t other_scope;    /* country, AS, username: not addresses */
	uint64_t malformed;      /* a value or duration that does not parse */
};

/*
 * Parse a /v1/decisions/stream answer ({"new": [...], "deleted": [...]},
 * either may be null). fn sees each Ip or Range decision of type ban; an
 * IPv6 address is masked to plen6, a range kept as wide as it is. -1 (e says why) when the text is not such an object.
 */
int cs_parse_stream(const char *text, size_t len, unsigned plen6,
		    void (*fn)(void *ctx, const struct cs_decision *d), void *ctx,
		    struct cs_counts *counts, struct xerr *e);

/* A Go duration as the LAPI writes it ("3h59m58.5s", "-2s"); negative gives 0. */
int cs_parse_duration(const char *text, uint64_t *ms);

struct cs_bouncer;

struct cs_stats {
	char url[CONFIG_PATH_MAX];   /* the LAPI this bouncer pulls from */
	bool reachable;          /* the last pull succeeded */
	bool synced;             /* at least one pull succeeded since start */
	uint64_t pulls, failures;
	uint64_t received_new, received_deleted;
	struct cs_counts skipped;
	uint64_t last_ok_ms;     /* realtime of the last good pull; 0 none */
	uint64_t pull_ms_last, pull_ms_max;   /* how long good delta pulls took (the LAPI's share of the latency) */
	uint64_t answer_ms_estimate;   /* the longest of the recent ones, at most poll / 2 */
	uint64_t period_ms;      /* pulls start this far apart: poll - answer_ms_estimate */
	bool reconciling;        /* a complete pull runs beside the deltas */
	uint64_t full_pulls;     /* complete pulls after a failure that succeeded */
	uint64_t full_ms_last;   /* how long the last of them took */
	char last_error[256];
	/* watcher: the daemon's own bans pushed as alerts */
	bool watcher;
	uint64_t pushed, push_failures, push_dropped;
	size_t push_waiting;
	char push_error[256];
};

/* The scenario of a pushed ban: "xnft/HOST/RULE". Its own come back; they are skipped. */
#define CS_SCENARIO_PREFIX "xnft/"

/*
 * Push one of the daemon's own bans to the LAPI (the watcher; nothing
 * without [crowdsec] machine_credentials). Never blocks: a full queue
 * drops and counts. Bans whose rule starts with CS_RULE_PREFIX are refused
 * here, so a LAPI decision is never pushed back.
 */
void cs_bouncer_push(struct cs_bouncer *b, const struct ban_active *ban);

/*
 * Start pulling when cfg has a [crowdsec] url (*out NULL when not). Reads
 * the API key file (refused unless mode 0600 or stricter) and loads libcurl.
 */
int cs_bouncer_start(const struct xnft_config *cfg, struct cs_bouncer **out, struct xerr *e);

/* Readable when decisions wait (level-triggered until taken). */
int cs_bouncer_fd(const struct cs_bouncer *b);

/*
 * Take the decisions received so far (the caller frees *v). *full: the
 * batch is a complete list (a startup pull): every LAPI ban missing from it
 * is gone. A full batch is always handed over alone, never mixed with deltas.
 */
size_t cs_bouncer_take(struct cs_bouncer *b, struct cs_decision **v, bool *full);

void cs_bouncer_stats(struct cs_bouncer *b, struct cs_stats *st);

/* Abort what is in flight, join the worker, free. NULL: nothing. */
void cs_bouncer_stop(struct cs_bouncer *b);

#endif
