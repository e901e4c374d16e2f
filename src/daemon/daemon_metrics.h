/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's telemetry: /metrics ([metrics] in xnft.conf) and the
 * conntrack watch. The daemon's own figures (bans, events by category,
 * conntrack warnings) are published once a second as exposition text
 * under a lock; the HTTP threads read the kernel themselves and add that
 * text, so a scrape never touches the ban path's state.
 */
#ifndef XNFT_DAEMON_METRICS_H
#define XNFT_DAEMON_METRICS_H

#include <stddef.h>

struct daemon;
struct xerr;

/* The conntrack watch, and the endpoint when [metrics] asks for it. */
int daemon_metrics_start(struct daemon *d, struct xerr *e);
void daemon_metrics_stop(struct daemon *d);

/* Once a tick: conntrack fill and drops (logged as they change), the published figures. */
void daemon_metrics_tick(struct daemon *d, unsigned long long mono_ms);

/* One event of this category was read. */
void daemon_metrics_event(struct daemon *d, const char *category);

struct ban_active;

/* A new ban was made (not an extension): counted by its origin and family. */
void daemon_metrics_ban(struct daemon *d, const struct ban_active *b);

#define DAEMON_ORIGIN_MAX 32

/*
 * Where the ban under rule came from, as the metrics' origin label and
 * `xnft bans list` show it: "xnft" (a [ban.NAME] rule of the daemon),
 * "manual" (xnft bans add), "adopted" (found in the kernel set, unknown to
 * the store), or the CrowdSec decision's origin (crowdsec, cscli, lists,
 * CAPI, ...) for a ban pulled from the LAPI; buf (DAEMON_ORIGIN_MAX) holds
 * the latter.
 */
const char *daemon_ban_origin(const char *rule, char *buf, size_t size);

#endif
