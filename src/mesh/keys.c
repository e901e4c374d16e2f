// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mesh/mfile.h"

static int sodium_ready(struct xerr *e)
{
	if (sodium_init() < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "libsodium failed to initialise");
	return 0;
}

/* raw -> base64 public key; raw is the clamped private key. */
static int derive(struct mesh_keypair *k, const unsigned char sk[32], struct xerr *e)
{
	unsigned char pk[crypto_scalarmult_curve25519_BYTES];

	if (crypto_scalarmult_curve25519_base(pk, sk))
		return xerr_set(e, XNFT_EXIT_USAGE, "Curve25519 public key derivation failed");
	sodium_bin2base64(k->priv, sizeof(k->priv), sk, 32, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(k->pub, sizeof(k->pub), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int mesh_keypair_new(struct mesh_keypair *k, struct xerr *e)
{
	unsigned char sk[crypto_scalarmult_curve25519_SCALARBYTES];
	int rc;

	if (sodium_ready(e) < 0)
		return -1;
	randombytes_buf(sk, sizeof(sk));
	/* Clamp as Curve25519 and `wg genkey` do. */
	sk[0] &= 248;
	sk[31] &= 127;
	sk[31] |= 64;
	rc = derive(k, sk, e);
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

int mesh_keypair_from_private(struct mesh_keypair *k, const char *priv, struct xerr *e)
{
	unsigned char sk[32];
	int rc;

	if (sodium_ready(e) < 0)
		return -1;
	if (mesh_key_decode(priv, sk) < 0)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "not a WireGuard private key (32 bytes of "
				"base64)");
	/* wg(8) clamps on use too: a key written unclamped gives the same public key. */
	sk[0] &= 248;
	sk[31] &= 127;
	sk[31] |= 64;
	rc = derive(k, sk, e);
	snprintf(k->priv, sizeof(k->priv), "%s", priv);
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

void mesh_psk_path(const char *dir, const char *a, const char *b, char *buf, size_t size)
{
	if (strcmp(a, b) > 0) {
		const char *t = a;

		a = b;
		b = t;
	}
	snprintf(buf, size, "%s/psk/%s+%s.psk", dir, a, b);
}

static int make_dir(const char *path, struct xerr *e)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot create %s: %s", path, strerror(errno));
	/* A keys directory others can list would tell them which hosts exist. */
	if (chmod(path, 0700))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot chmod 0700 %s: %s", path,
				strerror(errno));
	return 0;
}

static int write_line(const char *path, const char *text, struct xerr *e)
{
	char buf[MESH_KEY_B64 + 2];
	int n = snprintf(buf, sizeof(buf), "%s\n", text);
	int rc = mesh_file_write(path, buf, (size_t)n, 0600, e);

	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* Keep the host's private key when there (and not rotating), else make one. */
static int host_keypair(const char *dir, const char *host, bool rotate,
			struct mesh_keys_result *res, struct xerr *e)
{
	char path[4096 + 8], *text = NULL;
	int rc;

	snprintf(res->key_path, sizeof(res->key_path), "%s/%s.key", dir, host);
	if (!rotate && !access(res->key_path, F_OK)) {
		if (mesh_file_read(res->key_path, "private key", &text, e) < 0)
			return -1;
		text[strcspn(text, "\r\n")] = '\0';
		rc = mesh_keypair_from_private(&res->keys, text, e);
		sodium_memzero(text, strlen(text));
		free(text);
		if (rc < 0)
			return xerr_wrap(e, "%s", res->key_path);
	} else {
		if (mesh_keypair_new(&res->keys, e) < 0 || write_line(res->key_path, res->keys.priv, e))
			return -1;
		res->key_made = true;
	}
	snprintf(path, sizeof(path), "%s/%s.pub", dir, host);
	return write_line(path, res->keys.pub, e);
}

static int make_psk(const char *path, struct xerr *e)
{
	unsigned char raw[32];
	char b64[MESH_KEY_B64];
	int rc;

	randombytes_buf(raw, 32);
	sodium_bin2base64(b64, sizeof(b64), raw, 32, sodium_base64_VARIANT_ORIGINAL);
	rc = write_line(path, b64, e);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

int mesh_keys_make(const struct mesh_inventory *inv, const char *host, const char *dir,
		   bool rotate, struct mesh_keys_result *res, struct xerr *e)
{
	const struct mesh_host *h = mesh_host_find(inv, host);
	char path[4096 + 2 * MESH_NAME_MAX + 16];

	memset(res, 0, sizeof(*res));
	if (!h) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s: no host '%s'", inv->path, host);
		return xerr_hint(e, "'xnft mesh list' shows the hosts");
	}
	if (sodium_ready(e) < 0 || make_dir(dir, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/psk", dir);
	if (make_dir(path, e) < 0 || host_keypair(dir, host, rotate, res, e) < 0)
		return -1;
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (!mesh_direct_peers(inv, h, &inv->hosts[i]))
			continue;
		mesh_psk_path(dir, host, inv->hosts[i].name, path, sizeof(path));
		if (!access(path, F_OK)) {
			res->psk_kept++;
			continue;
		}
		if (make_psk(path, e) < 0)
			return -1;
		res->psk_made++;
	}
	return 0;
}
