/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's notifications, through the [notify] endpoints
 * (ban/notify.c): one message per new HIGH or CRITICAL finding that may
 * touch this host, one digest for the new MEDIUM ones and the HIGH ones
 * whose version ranges leave this host out. A finding counts as notified
 * only when every endpoint took it.
 */
#ifndef XNFT_MONITOR_ALERT_H
#define XNFT_MONITOR_ALERT_H

#include "core/config.h"
#include "monitor/monitor.h"

/* Is f one that gets its own message (HIGH or CRITICAL, this host not known to be out of range)? */
bool mon_alert_urgent(const struct mon_finding *f);

/*
 * Send the new findings of r: urgent ones one by one, MEDIUM in one digest;
 * sets f->notified and r->sent / r->send_failed. No endpoints: nothing sent
 * and nothing failed. -1 only when the notifier cannot start (e).
 */
int mon_alert_send(const struct xnft_config *cfg, struct mon_report *r, struct xerr *e);

#endif
