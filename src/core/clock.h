// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The monotonic clock in milliseconds: for timeouts and elapsed times,
 * which must not jump when the wall clock is set.
 */
#ifndef XNFT_CORE_CLOCK_H
#define XNFT_CORE_CLOCK_H

long long clock_mono_ms(void);
/* The same in microseconds, for durations shorter than a millisecond. */
long long clock_mono_us(void);

#endif
