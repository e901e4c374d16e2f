/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Notifications to ntfy, Slack and Discord webhooks and to email (SMTP,
 * through libcurl). For the ban path a worker thread
 * does the HTTP; the ban path only copies a message into a bounded queue
 * and never waits: when the queue is full the message is dropped and
 * counted, and a webhook that hangs costs its own timeout, on the worker.
 */
#ifndef XNFT_BAN_NOTIFY_H
#define XNFT_BAN_NOTIFY_H

#include <stdint.h>

#include "daemon/config.h"
#include "core/err.h"

struct notifier;

struct notify_stats {
	uint64_t queued, sent, failed, dropped;
};

/*
 * Start the worker for cfg's [notify] endpoints; *out is NULL when there are
 * none. Loads libcurl (dlopen) the first time. Returns 1 when libcurl cannot
 * be loaded: *out is then a notifier that counts every message as failed,
 * and e says what is missing (the caller logs it and runs on without
 * webhooks). -1 on other errors.
 */
int notifier_start(const struct xnft_config *cfg, struct notifier **out, struct xerr *e);

/* Queue a message for every endpoint. Never blocks. NULL notifier: nothing. */
void notifier_post(struct notifier *n, const char *title, const char *text);

/*
 * Send now, on the caller's thread, to every endpoint (a one-shot command
 * such as xnft monitor, which must know what was delivered before it
 * records it). Each endpoint is bounded by [notify] timeout. Returns how
 * many endpoints failed; NULL notifier: 0.
 */
size_t notifier_send(struct notifier *n, const char *title, const char *text);

void notifier_stats(struct notifier *n, struct notify_stats *st);

/* Abort what is in flight, join the worker, free. */
void notifier_stop(struct notifier *n);

/*
 * Stop without waiting (a reload): the worker aborts what is in flight and
 * frees itself; the caller must not touch n again.
 */
void notifier_release(struct notifier *n);

#endif
