/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's notifications, through the [notify] endpoints
 * (ban/notify.c): one message per new HIGH or CRITICAL finding that may
 * touch this host (at most 20 a run), one digest for the new MEDIUM ones,
 * the HIGH ones whose version ranges leave this host out and the urgent
 * ones past 20. A finding counts as notified
 * only when every endpoint took it.
 */
#ifndef XNFT_MONITOR_ALERT_H
#define XNFT_MONITOR_ALERT_H

#include "daemon/config.h"
#include "monitor/monitor.h"

/* Is f one that gets its own message (HIGH or CRITICAL, this host not known to be out of range)? */
bool mon_alert_urgent(const struct mon_finding *f);

struct notifier;

/*
 * Start the notifier of cfg's [notify] endpoints (*n NULL when there are
 * none): before anything is fetched, so a bad email secret file stops the
 * run early. -1 with e when it cannot start.
 */
int mon_alert_open(const struct xnft_config *cfg, struct notifier **n, struct xerr *e);

/*
 * Send the new findings of r: urgent ones one by one, the digest ones in one
 * message; sets f->notified and r->sent / r->send_failed. NULL n: nothing.
 */
void mon_alert_send(struct notifier *n, struct mon_report *r);

#endif
