/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state, shared by its files (not an API). */
#ifndef XNFT_DAEMON_INT_H
#define XNFT_DAEMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/control.h"
#include "ban/engine.h"
#include "ban/kernel.h"
#include "ban/notify.h"
#include "ban/store.h"
#include "ban/wlwatch.h"
#include "core/hostaddr.h"
#include "daemon/config.h"
#include "crowdsec/lapi.h"
#include "daemon/daemon.h"
#include "events/source.h"

#define DAEMON_MAX_SOURCES 16

/* One whitelist entry as read from the policy: the addresses lo..hi. */
struct wl_entry {
	int family;
	uint8_t lo[16], hi[16];
};
/* Flush at once when this many elements wait, whatever [daemon] batch says. */
#define DAEMON_FLUSH_MAX 50000
/* History rows kept in memory while the store fails (about 120 bytes each). */
#define DAEMON_HISTORY_QUEUE_MAX 200000
/* How often a failing store is tried again. */
#define DAEMON_STORE_RETRY_MS 30000

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

	/* by enum kw_set: the sets' `size` (0: none), the bans counted against it, and missing ones */
	uint32_t set_size[KW_NSETS];
	size_t set_bans[KW_NSETS];
	bool set_missing[KW_NSETS];
	bool set_counted;          /* set_bans is fresh this tick */
	bool full_logged;          /* "set full" said once for the current episode */
	bool kernel_full_logged;   /* the kernel's own "set full" said once, until a batch goes in */
	uint64_t refused_full;     /* new bans refused because their set was full */
	uint64_t put_back;         /* elements others deleted, put back */

	struct ban_active *rec;    /* bans to write to the store after the flush */
	size_t nrec, caprec;
	/*
	 * The history is best effort: without a store (it could not be opened)
	 * or when a write fails, bans go on from memory, the rows wait in rec
	 * (up to DAEMON_HISTORY_QUEUE_MAX) and the store is tried again at
	 * store_retry_at.
	 */
	uint64_t store_retry_at;   /* monotonic ms; 0 = the store works */
	uint64_t store_errors, store_lost;

	uint64_t started_ms;       /* realtime */
	uint64_t batches, elements, restores, reloads, reload_errors, kernel_errors;
	uint64_t source_errors;
	uint64_t flush_us;          /* time spent in kernel transactions */
	uint64_t next_mesh_sync;    /* monotonic ms of the next peer sync ([mesh]) */
	uint64_t mesh_syncs, mesh_sync_errors, mesh_added, mesh_removed, mesh_ct_deleted;
	uint64_t largest_batch;     /* most elements in one transaction */
	size_t wl_config, wl_policy;
	/*
	 * The whitelist's parts as last read. A read that fails keeps them:
	 * another tool committing while we read must never shrink the
	 * whitelist. The failed part is read again after wl_backoff_ms.
	 */
	struct wlwatch *wlw;
	struct wl_entry *wl_pol;
	size_t nwl_pol;
	struct hostaddr *wl_host;
	size_t nwl_host;
	uint64_t wl_retry_at;       /* monotonic ms of the next read after a failure; 0 none */
	uint64_t wl_backoff_ms;
	uint64_t wl_read_errors, wl_lifted;
	char policy_note[256];
	char last_error[512];
	struct daemon_metrics *metrics;  /* daemon_metrics.c; NULL when [metrics] is off */

	struct cs_bouncer *cs;      /* [crowdsec] bouncer; NULL when not configured */
	uint64_t cs_applied, cs_lifted, cs_refused;
	bool cs_applying;           /* daemon_apply_decision: a LAPI ban, logged in a summary */
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

/*
 * Whitelist: config + loopback + the host's addresses + the policy's mesh
 * and admin sets; bans it now covers are lifted. A part that cannot be
 * read keeps its last good contents and is read again with backoff.
 * daemon_whitelist also checks the policy's IPv6 ban prefix (start,
 * reload, re-apply); daemon_whitelist_refresh only reads the parts (a
 * whitelist set or an address changed, or a retry is due).
 */
int daemon_whitelist(struct daemon *d, struct xerr *e);
void daemon_whitelist_refresh(struct daemon *d);

/* Reload the config; the old one stays on error. */
int daemon_reload(struct daemon *d, struct xerr *e);

/* [crowdsec]: start the bouncer (none without a url), again on reload; apply what it received; status. */
int daemon_crowdsec_start(struct daemon *d, struct xerr *e);
void daemon_crowdsec_reload(struct daemon *d);
void daemon_crowdsec_apply(struct daemon *d);
struct json_t;
struct json_t *daemon_crowdsec_status(struct daemon *d, struct json_t *status);

/* The control socket's request handler: a malloc'd JSON reply, or a stream (control.h). */
char *daemon_control(void *ctx, const char *request, struct control_stream *stream);

#endif
