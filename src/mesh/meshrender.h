/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `xnft mesh render HOST`: what one host of the inventory needs.
 *
 *   OUT/IF.conf                 its wg-quick config (0600): a [Peer] per
 *                               direct peer with AllowedIPs /32 and /128 (a
 *                               spoke routes the other spokes through the
 *                               hub), its private key and the PSKs from the
 *                               keys directory, as wg-quick and `wg syncconf`
 *                               expect them
 *   OUT/rules/18-mesh-peers.nft the policy's mesh part: a chain per peer with
 *                               the services it may reach, then a drop, and a
 *                               jump to it for that peer's new connections;
 *                               a service OUT's services chain serves (the
 *                               tree's values; SSH when OUT has no tree) is
 *                               handed on to it (return), not accepted
 *   OUT/nftables.conf           (when there) gains the include of that file
 *   OUT/rules/00-tables.nft     (when there) MESH_PEERS / MESH_PEERS6 hold the
 *                               peers' addresses (the `# xnft-init: mesh4`
 *                               and `mesh6` lines)
 *   OUT/intents                 (when there) one intent per peer, between
 *                               "# xnft mesh: begin" and "# xnft mesh: end"
 */
#ifndef XNFT_MESH_MESHRENDER_H
#define XNFT_MESH_MESHRENDER_H

#include <stdbool.h>

#include "core/err.h"
#include "mesh/inventory.h"
#include "policy/render.h"

#define MESH_PEERS_FILE "rules/18-mesh-peers.nft"

struct mesh_render_result {
	char wg_path[4096];
	char nft_path[4096];
	bool include_added, sets_updated, intents_updated;
	size_t npeers;       /* [Peer] entries in the wg-quick config */
	size_t nsources;     /* hosts with a chain in the policy's mesh part */
};

/* The wg-quick config text (malloc'd). */
int mesh_render_wg(const struct mesh_inventory *inv, const char *host, const char *keys_dir,
		   char **out, size_t *npeers, struct xerr *e);

/*
 * The policy's mesh part (malloc'd). A grant that served's services chain
 * serves (SSH_PORT, an unrestricted service) returns to it, so its limits
 * apply; any other grant is accepted in the peer's chain.
 */
int mesh_render_nft(const struct mesh_inventory *inv, const char *host,
		    const struct policy_values *served, char **out, size_t *nsources,
		    struct xerr *e);

/* Write everything above into dir. */
int mesh_render(const struct mesh_inventory *inv, const char *host, const char *keys_dir,
		const char *dir, struct mesh_render_result *res, struct xerr *e);

#endif
