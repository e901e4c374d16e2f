/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What became of the last apply, as the state directory records it: so
 * that `xnft confirm` after a revert can say it came too late, when the
 * guard reverted and why, instead of only "nothing is waiting".
 */
#ifndef XNFT_APPLY_LAST_H
#define XNFT_APPLY_LAST_H

#include <stdbool.h>
#include <time.h>

#include "core/err.h"

struct apply_last {
	char id[32];
	char policy[1024];
	char state[32];            /* confirmed, reverted, revert-failed, reverted-by-reboot, ... */
	time_t at;                 /* when that state was recorded */
	char why[400];             /* a revert: the guard's journal line saying why; else "" */
};

/* 0 and *l filled; 1 when no apply was ever recorded; -1 on error. */
int apply_last(struct apply_last *l, struct xerr *e);

/* The last apply ended in a revert (by its guard or by a reboot). */
bool apply_last_reverted(const struct apply_last *l);

#endif
