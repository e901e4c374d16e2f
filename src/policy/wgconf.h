/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parts of a wg-quick config (/etc/wireguard/IF.conf) that init needs:
 * [Interface] ListenPort and Address, and every [Peer]'s AllowedIPs. Keys
 * are never kept (PrivateKey and PresharedKey are skipped unread).
 */
#ifndef XNFT_POLICY_WGCONF_H
#define XNFT_POLICY_WGCONF_H

#include <stddef.h>

#include "core/addr.h"
#include "core/err.h"
#include "policy/render.h"

#define WGCONF_MAX_PREFIXES 256

struct wg_conf {
	unsigned listen_port;                       /* 0: none given */
	struct prefix address[WGCONF_MAX_PREFIXES]; /* host bits kept: 10.10.0.1/24 */
	size_t n_address;
	struct prefix allowed[WGCONF_MAX_PREFIXES];
	size_t n_allowed;
	size_t n_peers;
};

/* Parse text (path for messages); -1 with file:line for a value that is not valid. */
int wgconf_parse(const char *path, const char *text, struct wg_conf *c, struct xerr *e);

/* Read and parse path. */
int wgconf_read(const char *path, struct wg_conf *c, struct xerr *e);

/*
 * Fill v from c: WG_PORT from ListenPort, MESH_IF = ifname, the mesh
 * prefixes from the Address networks and the peers' AllowedIPs (those
 * inside another left out; default routes and prefixes too wide for a
 * mesh skipped, each with a note in notes).
 */
int wgconf_to_values(const struct wg_conf *c, const char *ifname, struct policy_values *v,
		     char *notes, size_t size, struct xerr *e);

#endif
