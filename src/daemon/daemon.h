/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `xnft daemon`: one thread, one poll loop over the event sources, the
 * control socket, nf_tables events and signals:
 *
 *   sources -> ban engine -> kernel writer (batched) -> SQLite history
 *                                   \-> notifications (worker thread)
 *
 * SIGHUP (or "reload" on the socket) re-reads the config; a bad config is
 * reported and the running one kept. SIGTERM/SIGINT stop it; the bans stay
 * in the kernel, where they expire on their own.
 */
#ifndef XNFT_DAEMON_DAEMON_H
#define XNFT_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* syslog(3) priorities, so the CLI can prefix journald's "<N>". */
enum { DAEMON_LOG_ERR = 3, DAEMON_LOG_WARNING = 4, DAEMON_LOG_NOTICE = 5, DAEMON_LOG_INFO = 6 };

struct daemon_opts {
	const char *config_path;     /* NULL: XNFT_DEFAULT_CONFIG */
	bool config_optional;        /* a missing config file means the defaults */
	const char *const *sources;  /* override [daemon] sources (--source) */
	size_t nsources;
	const char *socket_path;     /* override [daemon] socket */
	const char *db_path;         /* override [daemon] database */
	/* The daemon's log lines; src/cli prints them. */
	void (*log)(void *ctx, int prio, const char *msg);
	void *log_ctx;
};

/* Run until SIGTERM/SIGINT. Returns 0, or -1 with e set when it could not start. */
int daemon_run(const struct daemon_opts *o, struct xerr *e);

#endif
