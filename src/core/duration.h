/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one duration grammar: every option, config key and command that takes
 * a span of time reads it here ("500ms", "90s", "10m", "1h30m", "2d", "1w";
 * a bare number is seconds) and prints it back in the same form.
 */
#ifndef XNFT_CORE_DURATION_H
#define XNFT_CORE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Longer than any timeout the kernel or a config can use (a hundred years). */
#define DURATION_MAX_MS (36500ull * 86400 * 1000)

/* "90s", "500ms", "10m", "1h30m", "2d", "1w"; a bare number is seconds. */
int duration_parse(const char *text, uint64_t *ms, struct xerr *e);

/* "1h30m" style, the shortest exact form ("0s" for 0). */
void duration_format(uint64_t ms, char *buf, size_t size);

#endif
