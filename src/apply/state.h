/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The apply state directory (/var/lib/xnft, or $XNFT_STATE_DIR): the files
 * safe apply keeps between runs and across reboots, written atomically, and
 * the append-only journal of every step.
 *
 *   lock            flock()ed by the one apply (or guard) at work; holds who
 *   snapshot.nft    xnft's table before the last apply, as a restore file
 *   candidate.nft   the table an unconfirmed apply loaded, waiting for confirm
 *   confirmed.nft   the last confirmed table: what `xnft boot` loads
 *   confirmed.hash  the fingerprint of the table confirmed.nft loads, and a hash
 *                   of the file: tells the next apply the loaded table is still it
 *   fallback.values host values for the built-in fallback policy
 *   pending         the confirm guard: pid, start time, deadline
 *   confirm.request / rollback.request   messages to the guard
 *   boot.last       how the last `xnft boot` went
 *   journal         one line per step of every apply, confirm, revert, boot
 *
 * A restore file is self-contained nft text: "table inet xnft", "delete
 * table inet xnft", then the table as listed. Loading it is one transaction
 * that replaces xnft's table and nothing else (an empty listing removes it).
 */
#ifndef XNFT_APPLY_STATE_H
#define XNFT_APPLY_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "core/err.h"
#include "core/spawn.h" /* proc_start_time, proc_is: which guard is alive */

#define STATE_DIR_ENV       "XNFT_STATE_DIR"
#define ST_LOCK             "lock"
#define ST_SNAPSHOT         "snapshot.nft"
#define ST_CANDIDATE        "candidate.nft"
#define ST_CONFIRMED        "confirmed.nft"
#define ST_CONFIRMED_HASH   "confirmed.hash"
#define ST_FALLBACK_VALUES  "fallback.values"
#define ST_PENDING          "pending"
#define ST_CONFIRM_REQ      "confirm.request"
#define ST_ROLLBACK_REQ     "rollback.request"
#define ST_BOOT_LAST        "boot.last"
#define ST_JOURNAL          "journal"

/* The state directory: $XNFT_STATE_DIR when set and not empty, else /var/lib/xnft. */
const char *state_dir(void);

/* dir/name into buf; -1 with e set when it does not fit. */
int state_path(char *buf, size_t n, const char *name, struct xerr *e);

/*
 * Make sure the directory exists (created 0700), is a directory, and can
 * be written: a probe file is created, written, fsynced and removed, so a
 * read-only mount or a full disk is found before anything else happens.
 */
int state_prepare(struct xerr *e);

/* Refuse unless the file system holding the state dir has `need` bytes free. */
int state_check_space(size_t need, struct xerr *e);

/*
 * Write name atomically: a temporary file in the same directory, written,
 * fsynced, renamed over name, then the directory fsynced. Mode 0600.
 */
int state_write_atomic(const char *name, const char *data, size_t len, struct xerr *e);

/* Read a whole state file. 1 when it does not exist (*out NULL), 0 on success. */
int state_read(const char *name, char **out, size_t *len, struct xerr *e);

/* Remove a state file; a missing one is fine. */
int state_remove(const char *name, struct xerr *e);

/* Rename one state file over another (atomic), then fsync the directory. */
int state_rename(const char *from, const char *to, struct xerr *e);

bool state_exists(const char *name);

/* ---- key=value files (pending, boot.last, fallback.values) ------------- */

/* The value of `key` in "key=value" lines, copied into val; -1 when absent. */
int kv_get(const char *text, const char *key, char *val, size_t n);
long long kv_get_ll(const char *text, const char *key, long long dflt);

/* ---- journal ------------------------------------------------------------ */

struct journal_entry {
	time_t t;
	char id[32];      /* the apply (or boot, rollback) this line belongs to */
	long pid;
	char step[24];    /* check, lint, intents, lockout, snapshot, commit, guard, ... */
	char result[16];  /* start, ok, refused, failed, pending, confirmed, reverted, ... */
	char msg[400];
};

/*
 * Append one line: "epoch<TAB>id<TAB>pid<TAB>step<TAB>result<TAB>message".
 * Tabs and newlines in the message become spaces. Best effort: a journal
 * that cannot be written never stops an apply or a revert.
 */
void journal_append(const char *id, const char *step, const char *result,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Every line of the journal, oldest first (*v malloc'd). Missing journal: 0 lines. */
int journal_read(struct journal_entry **v, size_t *n, struct xerr *e);

/* Parse one journal line; 0 on success. */
int journal_parse_line(const char *line, struct journal_entry *je);

/* A fresh id for a run: "<epoch>-<pid>". */
void journal_new_id(char *buf, size_t n);

#endif
