/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One apply at a time: POSIX record locks (fcntl) on <state dir>/lock. The
 * file also says who holds it (pid, command, since when), so a second apply
 * can name the holder. The kernel drops the lock when the holder dies, even
 * by kill -9, and a forked child never holds it (an orphaned lint or sandbox
 * child of a killed apply does not block the next one). The confirm guard
 * takes it over from apply and holds it until the window closes.
 */
#ifndef XNFT_APPLY_LOCK_H
#define XNFT_APPLY_LOCK_H

#include <time.h>

#include "core/err.h"

struct apply_lock {
	int fd;   /* -1 when not held */
};

struct lock_holder {
	long pid;
	time_t since;
	char what[256];  /* "xnft apply --confirm 30 /etc/xnft" */
};

/*
 * Take the lock without waiting. When another process holds it: -1 with
 * e->code = XNFT_EXIT_USAGE and a message naming the holder.
 */
int lock_acquire(struct apply_lock *l, const char *what, struct xerr *e);

/* Say who holds it now (the guard takes over from apply). */
void lock_set_holder(struct apply_lock *l, long pid, const char *what);

/* Read who holds the lock; -1 when nobody does (or the file is unreadable). */
int lock_holder(struct lock_holder *h);

/* Unlock and close. */
void lock_release(struct apply_lock *l);

/* Close our descriptor: apply's part of the lock ends, the guard's stays. */
void lock_forget(struct apply_lock *l);

/* apply, before starting its guard: free the guard's part (apply keeps its own). */
void lock_hand_over(struct apply_lock *l);

/* The guard, on the descriptor it inherited: take its part; -1 when someone else has. */
int lock_take_over(struct apply_lock *l, struct xerr *e);

#endif
