/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offender history in SQLite (/var/lib/xnft/bans.db): per banned address or
 * IPv6 network, how many times it was banned, when the last ban started,
 * how long it was and when it ends. Escalation reads it, so a repeat
 * offender is still a repeat offender after a restart; the daemon puts the
 * bans that have not ended back at start.
 */
#ifndef XNFT_BAN_STORE_H
#define XNFT_BAN_STORE_H

#include <stdint.h>

#include "ban/engine.h"
#include "core/err.h"

struct ban_store;

/*
 * Open or create the database (its directory must exist; a new file is
 * mode 0600). An error's hint names the cause: full, read-only, damaged,
 * not writable.
 */
int ban_store_open(const char *path, struct ban_store **out, struct xerr *e);
void ban_store_close(struct ban_store *s);

/* A ban_history_fn: ctx is the store. */
int ban_store_history(void *ctx, const struct ban_key *key, struct ban_history *h);

/* The row of key as the last ban left it: 1 found (b filled), 0 none, -1 error. */
int ban_store_lookup(struct ban_store *s, const struct ban_key *key, struct ban_active *b);

/* Record a ban (new or extended). Group many in one transaction with begin/commit. */
int ban_store_record(struct ban_store *s, const struct ban_active *b, struct xerr *e);

/* A ban lifted by hand: it ends now, the offence still counts. */
int ban_store_lift(struct ban_store *s, const struct ban_key *key, uint64_t now_ms,
		   struct xerr *e);

int ban_store_begin(struct ban_store *s, struct xerr *e);
int ban_store_commit(struct ban_store *s, struct xerr *e);
/* Abandon the transaction begin opened, if it is still open (after a failed record or commit). */
void ban_store_rollback(struct ban_store *s);

/* Every ban that has not ended by now_ms. */
int ban_store_active(struct ban_store *s, uint64_t now_ms,
		     int (*fn)(void *ctx, const struct ban_active *b), void *ctx, struct xerr *e);

/* Rows in the database (offenders with a history). */
int64_t ban_store_count(struct ban_store *s);

#endif
