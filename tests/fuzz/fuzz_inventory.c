// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> mesh_inventory_parse (mesh.conf). It must never crash; an error
 * must carry a message and a line inside the text; an inventory that parses
 * must keep the promises render relies on: every host has an address, every
 * key decodes to 32 bytes, every reach names a host that opens the service.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mesh/inventory.h"

static void check_inventory(const struct mesh_inventory *inv)
{
	unsigned char raw[32];

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct mesh_host *h = &inv->hosts[i];

		if (!h->addr4.family && !h->addr6.family)
			abort();
		if (h->public_key[0] && mesh_key_decode(h->public_key, raw) < 0)
			abort();
		for (size_t r = 0; r < h->nreach; r++) {
			const struct mesh_host *t = mesh_host_find(inv, h->reach[r].host);

			if (!t || t == h || !mesh_service_find(t, h->reach[r].service))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesh_inventory *inv = NULL;
	char *text = malloc(size + 1);
	struct xerr e;
	int lines = 1;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size && text[i]; i++)
		lines += text[i] == '\n';
	if (mesh_inventory_parse("fuzz.conf", text, &inv, &e) < 0) {
		if (!e.msg[0] || e.line < 0 || e.line > lines || inv)
			abort();
	} else {
		check_inventory(inv);
		mesh_inventory_free(inv);
	}
	free(text);
	return 0;
}
