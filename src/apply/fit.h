/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether `xnft apply` would take a ruleset at all: it replaces only its own
 * table, so the policy must build `table inet xnft` and nothing else. One
 * test, shared by apply's check step and `xnft check`, so the two never
 * disagree about a policy.
 */
#ifndef XNFT_APPLY_FIT_H
#define XNFT_APPLY_FIT_H

#include "core/err.h"
#include "core/ruleset.h"

/* 0 when apply takes rs (loaded from entry); else -1, code XNFT_EXIT_FINDINGS, with a hint. */
int apply_fits(const struct ruleset *rs, const char *entry, struct xerr *e);

#endif
