/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A did-you-mean for nft's bare "syntax error": libnftables says where it
 * gave up, not that `acept` was meant to be `accept`. A word of the failing
 * line one edit away from a verdict or statement keyword (and no nft word
 * itself) is the likely typo.
 */
#ifndef XNFT_CORE_DIDYOUMEAN_H
#define XNFT_CORE_DIDYOUMEAN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The first word of line (outside quotes, not $define or @set) one edit
 * (insert, delete, change or swap of two letters) from a verdict or
 * statement keyword: "did you mean 'accept' (not 'acept')?" in out.
 */
bool nft_did_you_mean(const char *line, char *out, size_t size);

/* Edits between a and b, each an insert, delete, change or swap of neighbours (max: cap + 1). */
unsigned edit_distance(const char *a, const char *b, unsigned cap);

#endif
