/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of src/apply/: not an interface for others. */
#ifndef XNFT_APPLY_INT_H
#define XNFT_APPLY_INT_H

#include "apply/apply.h"
#include "apply/fallback.h"
#include "apply/lock.h"

/* State file recording the last apply: id, policy, hash, state. */
#define ST_APPLIED "applied"

/* A progress line (also journaled when id is not NULL). */
void apply_say(const struct apply_progress *pr, const char *id, const char *step,
	       const char *result, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* XNFT_TEST_PAUSE_AT: stop here when the hook names this step. */
void apply_test_pause(const struct apply_progress *pr, const char *id, const char *step);

/* Make a relative $XNFT_STATE_DIR absolute (the guard changes to /). */
int apply_state_absolute(struct xerr *e);

/* Record the last apply in ST_APPLIED. */
void apply_record(const char *id, const char *policy, const char *hash, const char *state);

/*
 * Note the fingerprint of the table confirmed.nft loads, just written or
 * renamed into place, with a hash of the file (ST_CONFIRMED_HASH); without
 * a fingerprint the note is removed.
 */
void apply_note_confirmed(const char *fingerprint);

/* Write the listing of the live table as a restore file (state name). */
int apply_save_live(const char *name, const char *origin, struct xerr *e);

/*
 * A confirm window whose guard is gone (killed, even by SIGKILL or the OOM
 * killer) can never be confirmed: revert it now (snapshot, else confirmed,
 * else fallback), journaled as found by `who`. The caller holds the lock.
 * 1 when a window was reverted (or cleaned up after a confirm that had
 * gone through), 0 when there was none or its guard is alive.
 */
int apply_clear_stale_pending(const char *id, const char *who);


/*
 * The policy as one self-contained restore file: a "table/delete table"
 * preamble, then the entry file with its includes expanded in place.
 * -1 (e set) when the includes are beyond what the expansion is sure of:
 * the caller then commits the entry file and keeps a listing instead.
 */
int apply_bundle(const char *entry, const char *incdir, const char *origin, char **out,
		 struct xerr *e);

/* What the guard needs, prepared by apply before the fork. */
struct guard_job {
	char id[32];
	char entry[4096];
	char incdir[4096];
	char policy[1024];
	char hash[TABLE_HASH_HEX];
	int secs;
	bool bundled;                                 /* commit ST_CANDIDATE, keep it */
	char fallback[5 * FALLBACK_LIST_MAX + 512];  /* fallback.values text */
	struct apply_lock *lock;
	struct apply_progress progress;               /* used only before detaching */
};

/*
 * Start the detached guard: it commits the policy, reports over a pipe,
 * then waits for confirm or its deadline. Returns once it has reported;
 * -1 with e set when the commit failed (the kernel kept the old table).
 */
int guard_start(const struct guard_job *j, long *pid, time_t *deadline, struct xerr *e);

/*
 * Revert apply id: the snapshot, else the confirmed policy, else the
 * fallback; journaled as exactly what loaded; the window's files removed.
 * deadline_ms (CLOCK_BOOTTIME ms, 0 = none) adds how late the restore was.
 */
void apply_revert(const char *id, const char *policy, const char *hash, const char *why,
		  long long deadline_ms);

/* ---- restore.c: putting a known table back ------------------------------ */

#define ST_SNAPSHOT_HASH "snapshot.hash"

/* Note what a restore file loads: its table's fingerprint ("" = none) and a hash of data. */
int restore_note_write(const char *note_name, const char *fingerprint, const char *data,
		       size_t len, struct xerr *e);

/*
 * Load state file name after checking it against its note, in a child
 * process; then check the kernel holds the table the note names. got is
 * the live fingerprint afterwards. -1 with e saying what was wrong.
 */
int restore_verified(const char *name, const char *note_name, char got[TABLE_HASH_HEX],
		     struct xerr *e);

/* Only the check of the file against its note, without loading it. */
int restore_check(const char *name, const char *note_name, struct xerr *e);

enum restore_source {
	RESTORE_NOTHING = 0, RESTORE_SNAPSHOT, RESTORE_CONFIRMED, RESTORE_FALLBACK, RESTORE_KEPT
};

const char *restore_source_text(enum restore_source s);

enum restore_source restore_chain(const char *id, bool from_snapshot, char *why, size_t n,
				  struct xerr *e);

/* The recorded fallback values (ST_FALLBACK_VALUES); all unknown when there are none. */
void fallback_values_state(struct fallback_values *v);

/* True when the fallback with these values lets someone in from outside. */
bool fallback_has_way_in(const struct fallback_values *v);

/* One line saying exactly what the fallback with these values lets in. */
void fallback_describe(const struct fallback_values *v, char *buf, size_t n);

/* Load the fallback with these values (in a child), then check a table is there. */
int fallback_load(const struct fallback_values *v, struct xerr *e);

#endif
