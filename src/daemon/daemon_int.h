/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state, shared by its files (not an API). */
#ifndef XNFT_DAEMON_INT_H
#define XNFT_DAEMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ban/control.h"
#include "ban/engine.h"
#include "ban/kernel.h"
#include "ban/notify.h"
#include "ban/store.h"
#include "core/config.h"
#include "daemon/daemon.h"
#include "events/source.h"

#define DAEMON_MAX_SOURCES 16
/* Flush at once when this many elements wait, whatever [daemon] batch says. */
#define DAEMON_FLUSH_MAX 50000

struct daemon {
	const struct daemon_opts *o;
	char config_path[CONFIG_PATH_MAX];
	struct xnft_config *cfg;
	struct ban_engine *eng;
	struct ban_store *store;
	struct kwriter *kw;
	struct notifier *notif;
	struct control_server *ctl;
	struct evsource *src[DAEMON_MAX_SOURCES];
	bool src_more[DAEMON_MAX_SOURCES];   /* the last read stopped at its budget */
	size_t nsrc;
	size_t read_events;        /* events of the source being read, this turn */
	int sigfd, monfd;

	bool stop;
	bool kernel_missing;       /* the ban sets are not loaded: retry */
	uint64_t pending_since;    /* monotonic ms of the oldest unflushed element; 0 = none */
	uint64_t next_tick;        /* monotonic ms of the next housekeeping */
	uint64_t full_retry;       /* monotonic ms: a set was full, send again from then on */
	bool monitor_more;         /* kernel events left for the next turn */

	/* [0] IPv4, [1] IPv6: the sets' `size` (0: none) and the bans counted against it */
	uint32_t set_size[2];
	size_t fam_bans[2];
	bool fam_counted;          /* fam_bans is fresh this tick */
	bool full_logged;          /* "set full" said once for the current episode */
	bool kernel_full_logged;   /* the kernel's own "set full" said once, until a batch goes in */
	uint64_t refused_full;     /* new bans refused because their set was full */
	uint64_t put_back;         /* elements others deleted, put back */

	struct ban_active *rec;    /* bans to write to the store after the flush */
	size_t nrec, caprec;

	uint64_t started_ms;       /* realtime */
	uint64_t batches, elements, restores, reloads, reload_errors, kernel_errors;
	uint64_t source_errors;
	uint64_t flush_us;          /* time spent in kernel transactions */
	uint64_t largest_batch;     /* most elements in one transaction */
	size_t wl_config, wl_policy;
	char policy_note[256];
	char last_error[512];
};

uint64_t daemon_now_ms(void);    /* CLOCK_REALTIME */
uint64_t daemon_mono_ms(void);   /* CLOCK_MONOTONIC */

void daemon_log(struct daemon *d, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Queue a decision for the kernel, the store and the notifier. -1: a new
 * ban refused because its set is full (the engine forgets it, counted).
 */
int daemon_apply_decision(struct daemon *d, const struct ban_decision *dec, bool renew);
/* Send what is queued now; logs failures. */
void daemon_flush(struct daemon *d);

/* Whitelist: config + loopback + the policy's mesh and admin sets. */
int daemon_whitelist(struct daemon *d, struct xerr *e);

/* Reload the config; the old one stays on error. */
int daemon_reload(struct daemon *d, struct xerr *e);

/* The control socket's request handler: a malloc'd JSON reply, or a stream (control.h). */
char *daemon_control(void *ctx, const char *request, struct control_stream *stream);

#endif
