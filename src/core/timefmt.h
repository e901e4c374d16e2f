/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Times as people and programs read them: a local date with its zone for
 * messages ("2026-12-07 14:03:10 UTC"), how far away it is ("in 3 min",
 * "2 h ago"), and RFC 3339 in UTC for JSON. One place, so every command
 * prints them alike and none prints a raw epoch.
 */
#ifndef XNFT_CORE_TIMEFMT_H
#define XNFT_CORE_TIMEFMT_H

#include <stddef.h>
#include <time.h>

#define TIMEFMT_MAX 48

/* "2026-12-07 14:03:10 UTC" (local time and zone); "-" for 0. */
void timefmt_local(time_t t, char *buf, size_t size);

/* "in 3 min", "in 45 s", "2 h ago", "just now": t seen from now. */
void timefmt_relative(time_t t, time_t now, char *buf, size_t size);

/* "2026-12-07T14:03:10Z"; "" for 0. */
void timefmt_rfc3339(time_t t, char *buf, size_t size);

#endif
