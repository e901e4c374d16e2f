/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's state, in SQLite ([monitor] database, made 0600): the items
 * already notified or digested (so nothing is sent twice across runs) and
 * each source's HTTP validators (ETag, Last-Modified) for the next run's
 * conditional request. Read-only for --dry-run: a missing file is then an
 * empty state, and nothing is created.
 */
#ifndef XNFT_MONITOR_STORE_H
#define XNFT_MONITOR_STORE_H

#include <stdbool.h>

#include "core/err.h"
#include "monitor/monitor.h"

struct mon_store;

int mon_store_open(const char *path, bool readonly, struct mon_store **out, struct xerr *e);
void mon_store_close(struct mon_store *st);

bool mon_store_seen(struct mon_store *st, const char *id);

/* The validators saved for name, when they were saved for this very URL. */
void mon_store_validators(struct mon_store *st, const char *name, const char *url, char *etag,
			  size_t etag_size, char *last_modified, size_t lm_size);

/* In one transaction: these findings are seen; these sources' validators. -1 with e. */
struct mon_validators {
	const char *name, *url, *etag, *last_modified;
};
int mon_store_commit(struct mon_store *st, const struct mon_finding *const *seen, size_t nseen,
		     const struct mon_validators *v, size_t nv, struct xerr *e);

#endif
