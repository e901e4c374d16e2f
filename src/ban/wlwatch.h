/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the whitelist is made of, watched live: the policy's mesh and admin
 * sets (nf_tables notifications: an `nft add element ... ADMIN_ALLOWLIST`
 * protects that address at once) and the host's own addresses (rtnetlink).
 * One fd to poll for both; reading it says whether the whitelist should be
 * read again. Changes to other sets (the ban sets, another tool's) are read
 * and ignored.
 */
#ifndef XNFT_BAN_WLWATCH_H
#define XNFT_BAN_WLWATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/config.h"
#include "core/err.h"

/* The policy's sets that are always on the whitelist. */
extern const char *const wl_policy_sets[];
extern const size_t wl_policy_nsets;

struct wlwatch;

/* Watch cfg's table (family and name are copied). */
int wlwatch_open(const struct xnft_config *cfg, struct wlwatch **out, struct xerr *e);
void wlwatch_set_target(struct wlwatch *w, const struct xnft_config *cfg);
int wlwatch_fd(const struct wlwatch *w);
/* Read what is pending (non-blocking): true when the whitelist must be read again. */
bool wlwatch_read(struct wlwatch *w);
void wlwatch_close(struct wlwatch *w);

#endif
