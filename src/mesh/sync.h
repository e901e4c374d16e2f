/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `xnft sync-peers`: MESH_PEERS / MESH_PEERS6 made equal to the AllowedIPs
 * WireGuard has now, in ONE nftables transaction that deletes the elements
 * that left and adds the new ones. The set is never flushed, so a peer that
 * stays is never out of it, not even for a moment (SPEC section 4, failure
 * mode 16). A peer that left loses its conntrack entries too, so an
 * established session (its SSH) ends instead of living on through the
 * established/related fast path.
 */
#ifndef XNFT_MESH_SYNC_H
#define XNFT_MESH_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct mesh_sync_opts {
	const char *iface;        /* WireGuard interface; default "wg0" */
	const char *table;        /* default "xnft" (family inet) */
	const char *set4, *set6;  /* default MESH_PEERS, MESH_PEERS6 */
	bool keep_conntrack;      /* true: leave the conntrack entries of removed peers */
};

struct mesh_sync_result {
	size_t npeers;            /* peers WireGuard has */
	size_t n4, n6;            /* elements of the sets after the sync */
	size_t added, removed;    /* elements */
	size_t ct_deleted;        /* conntrack entries of removed peers */
	const char *source;       /* where the peers were read */
};

int mesh_sync(const struct mesh_sync_opts *o, struct mesh_sync_result *r, struct xerr *e);

#endif
