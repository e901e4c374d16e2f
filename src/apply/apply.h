/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Safe apply (docs/design.md §3): check -> lint gate -> intents gate -> lockout guard
 * -> snapshot of xnft's table -> one transaction that replaces only that
 * table -> with a confirm window, a detached guard that restores the
 * snapshot unless `xnft confirm` arrives. Plus confirm, rollback, boot and
 * the status of it all. Nothing here prints: progress goes through a
 * callback, results and findings come back as values.
 *
 * Test-only hook: XNFT_TEST_PAUSE_AT=<step> makes apply (or the guard)
 * stop at that step for XNFT_TEST_PAUSE_SECS seconds (default 30), after
 * saying so on the progress callback and in the journal, so a fault test
 * can kill it there. Steps: lock check lint intents lockout snapshot commit
 * committed guard-commit guard-wait. Never set it on a real host.
 */
#ifndef XNFT_APPLY_APPLY_H
#define XNFT_APPLY_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "apply/table.h"
#include "core/err.h"
#include "core/nftctx.h"

#define APPLY_PAUSE_ENV      "XNFT_TEST_PAUSE_AT"
#define APPLY_PAUSE_SECS_ENV "XNFT_TEST_PAUSE_SECS"
#define APPLY_CONFIRM_MAX    86400

/* Progress lines: step name and a message, one call per line. */
struct apply_progress {
	void (*fn)(void *arg, const char *step, const char *msg);
	void *arg;
};

struct apply_opts {
	const char *policy;        /* file or directory holding nftables.conf */
	int confirm_secs;          /* 0: the apply is confirmed at once */
	bool force;                /* lint errors do not refuse */
	bool force_intents;        /* intents failures do not refuse */
	bool dry_run;              /* steps 1-5, then say what would change */
	const char *what;          /* the command line, for the lock's holder text */
	struct apply_progress progress;
};

struct apply_result {
	char id[32];
	const char *refused_at;    /* the step that refused (static), NULL otherwise */
	struct nft_diags diags;    /* step check: libnftables' complaints */
	char *details;             /* findings of the refusing gate, or dry-run changes */
	time_t deadline;           /* confirm window end (wall clock) */
	long guard_pid;
	char hash[TABLE_HASH_HEX]; /* fingerprint of the new table */
	bool unchanged;            /* the new table equals the loaded one */
};

void apply_result_free(struct apply_result *r);

/*
 * Run the protocol. 0 on success (with confirm_secs, the guard is waiting).
 * A refusal (invalid policy, gate, lock, state dir) is -1 with e set and
 * r->refused_at naming the step; the kernel was not touched in that case.
 */
int apply_run(const struct apply_opts *o, struct apply_result *r, struct xerr *e);

/* ---- the confirm window ------------------------------------------------- */

struct pending_info {
	long pid;                  /* the guard */
	unsigned long long start;  /* its start time, against pid reuse */
	time_t deadline;
	int secs;
	char id[32];
	char policy[1024];
	bool alive;                /* the guard process is still there */
};

/* 0 and *p filled when a confirmation is pending; 1 when none; -1 on error. */
int pending_read(struct pending_info *p, struct xerr *e);

/*
 * A confirm window whose guard is dead (SIGKILL, the OOM killer) is
 * reverted by whoever notices it first: the next apply, confirm, rollback,
 * status, boot, and the daemon. This takes the lock without waiting (when
 * it is busy, its holder deals with the window) and reverts as the guard
 * would have, journaled as done by `who`. 1 when a window was reverted or
 * cleaned up, 0 otherwise. Cheap when nothing is pending (one open()).
 */
int apply_reap_dead_guard(const char *who);

/*
 * Tell the guard to keep the new policy; wait (bounded) until it has made
 * it the boot policy. 1 when nothing is pending.
 */
int apply_confirm(const struct apply_progress *pr, struct xerr *e);

/*
 * Back to the last confirmed policy, in one transaction. During a confirm
 * window: tell the guard to restore its snapshot now, and wait for it.
 */
int apply_rollback(const struct apply_progress *pr, struct xerr *e);

/* ---- boot ------------------------------------------------------------------ */

enum boot_source { BOOT_NONE = 0, BOOT_CONFIRMED, BOOT_POLICY, BOOT_FALLBACK };

struct boot_result {
	enum boot_source source;
	struct xerr why_fallback;  /* what failed before the fallback loaded */
	char loaded[2048];         /* exactly what was loaded, for the messages */
};

const char *boot_source_name(enum boot_source s);

/*
 * At boot: load the last confirmed policy; when there is none yet, the
 * policy at `policy` (default /etc/xnft); when that fails or is missing, the
 * built-in fallback. The confirmed policy is checked against its note
 * before it is loaded and the table against it after; the fallback loads
 * only when a remote way in is known (the recorded values, else the
 * on-disk policy's), never one that would leave the host console-only.
 * 0 when the confirmed (or on-disk) policy loaded; 1 when the fallback did
 * (r->why_fallback says why); -1 when nothing loaded. r->loaded says what.
 */
int apply_boot(const char *policy, const struct apply_progress *pr, struct boot_result *r,
	       struct xerr *e);

/* ---- status ------------------------------------------------------------------ */

#define STATUS_MAX_APPLIES 5
#define STATUS_MAX_STEPS 16

struct status_step {
	time_t t;
	char step[24];
	char result[16];
	char msg[400];
};

struct status_apply {
	char id[32];
	time_t started, ended;
	char policy[512];
	char last_step[24];
	char result[16];           /* confirmed, pending, reverted, refused, failed, interrupted, ... */
	char msg[400];
	struct status_step steps[STATUS_MAX_STEPS]; /* every step, the last ones when more */
	size_t nsteps;
};

/* What the loaded table is, by its fingerprint. */
enum live_kind {
	LIVE_NONE = 0,        /* no table inet xnft: the host is open */
	LIVE_CONFIRMED,       /* the table noted in confirmed.hash */
	LIVE_FALLBACK,        /* the built-in fallback */
	LIVE_PENDING,         /* what a pending apply loaded, waiting for confirm */
	LIVE_OTHER,           /* none of these: unconfirmed or changed by hand */
};

struct apply_status {
	enum live_kind live_kind;
	char confirmed_hash[TABLE_HASH_HEX]; /* noted in confirmed.hash, "" unknown */
	bool reaped;               /* this status reverted a window whose guard was dead */
	bool live_present;
	char live_hash[TABLE_HASH_HEX];
	bool policy_loaded;        /* the on-disk policy loaded in the sandbox */
	char policy[1024];
	char policy_hash[TABLE_HASH_HEX];
	char policy_error[1024];
	bool drift;                /* the loaded table differs from the on-disk policy */
	char applied_hash[TABLE_HASH_HEX]; /* what the last apply loaded */
	bool changed_since_apply;  /* the loaded table differs from what apply loaded */
	bool confirmed_present;
	bool confirmed_damaged;    /* confirmed.nft is not the file its note records */
	char confirmed_error[1024];
	time_t confirmed_at;
	bool pending;
	struct pending_info pend;
	long lock_pid;             /* 0 = unlocked */
	char lock_what[256];
	time_t lock_since;
	char boot_source[16];      /* "" never booted with xnft */
	time_t boot_at;
	char boot_reason[400];
	struct status_apply applies[STATUS_MAX_APPLIES]; /* newest first */
	size_t napplies;
};

int apply_status(const char *policy, struct apply_status *s, struct xerr *e);

/* "the confirmed policy", "NO TABLE (the host is open)", ... */
const char *live_kind_text(enum live_kind k);

#endif
