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

/* Append a formatted text to *s (malloc'd, grows; unchanged when out of memory). */
void apply_append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* Clear a pending file whose guard is gone (crash, reboot); journaled. */
void apply_clear_stale_pending(const char *id);

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

#endif
