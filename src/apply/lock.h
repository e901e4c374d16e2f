/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One apply at a time: an flock() on <state dir>/lock. The file also says
 * who holds it (pid, command, since when), so a second apply can name the
 * holder. The kernel drops the lock when the holder dies, even by kill -9;
 * the confirm guard inherits it and holds it until the window closes.
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

/*
 * Close our descriptor without unlocking: after a fork the guard shares the
 * same open file, and an unlock here would drop its lock too.
 */
void lock_forget(struct apply_lock *l);

#endif
