// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> wg_genl_feed (the kernel WireGuard module's WG_CMD_GET_DEVICE
 * dump, as sync-peers reads it). It must never crash or read outside the
 * buffer; an error carries a message; every prefix it keeps is a prefix of
 * its family with the host bits cleared, and there are never more of them
 * than whole allowed-IP attributes fit in the bytes given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "mesh/wgread.h"

/* The smallest allowed-IP nest: its header, family (8), a 4-byte address (8), the mask (8). */
#define MIN_ALLOWED_IP 28

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_genl_state st = { 0 };
	struct wg_allowed a = { 0 };
	struct xerr e;
	void *buf = malloc(size ? size : 1);   /* aligned, as a receive buffer is */
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	xerr_clear(&e);
	rc = wg_genl_feed(&st, buf, size, 0, 0, &a, &e);
	if (rc < -1 || rc > 1 || (rc < 0 && !e.msg[0]))
		abort();
	if (a.n > size / MIN_ALLOWED_IP)
		abort();
	for (size_t i = 0; i < a.n; i++) {
		struct prefix p = a.v[i];

		if ((p.family != AF_INET && p.family != AF_INET6) || p.len > prefix_max_len(p.family))
			abort();
		prefix_mask(&p);
		if (memcmp(&p, &a.v[i], sizeof(p)))
			abort();
	}
	wg_allowed_free(&a);
	free(buf);
	return 0;
}
