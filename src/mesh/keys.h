/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WireGuard keys for the hosts of the inventory, made as wg(8) makes them:
 * a random Curve25519 private key, clamped, and its public key from
 * crypto_scalarmult_base (libsodium); a pre-shared key per pair of hosts
 * that are each other's [Peer]. Every file is mode 0600 in a 0700 directory:
 *
 *   DIR/HOST.key          private key (base64), never printed unless asked
 *   DIR/HOST.pub          public key (also written to the inventory)
 *   DIR/psk/A+B.psk       pre-shared key of hosts A and B (names sorted)
 */
#ifndef XNFT_MESH_KEYS_H
#define XNFT_MESH_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "mesh/inventory.h"

#define MESH_DEFAULT_KEYS_DIR "/etc/xnft/keys"

struct mesh_keypair {
	char priv[MESH_KEY_B64];
	char pub[MESH_KEY_B64];
};

struct mesh_keys_result {
	struct mesh_keypair keys;
	bool key_made;        /* false: HOST.key was there and is kept */
	size_t psk_made, psk_kept;
	char key_path[4096];
};

/* A new clamped private key and its public key. */
int mesh_keypair_new(struct mesh_keypair *k, struct xerr *e);

/* The public key of a base64 private key. */
int mesh_keypair_from_private(struct mesh_keypair *k, const char *priv, struct xerr *e);

/*
 * Keys of host in dir: its key pair (kept when there, unless rotate) and a
 * PSK with each of its direct peers (kept when there). The inventory's
 * public_key is not touched here; the caller writes res->keys.pub there.
 */
int mesh_keys_make(const struct mesh_inventory *inv, const char *host, const char *dir,
		   bool rotate, struct mesh_keys_result *res, struct xerr *e);

/* DIR/psk/A+B.psk for the pair, names sorted so both ends agree. */
void mesh_psk_path(const char *dir, const char *a, const char *b, char *buf, size_t size);

#endif
