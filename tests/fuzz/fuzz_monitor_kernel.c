// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> mon_parse_kernel (kernel.org's releases.json, read by xnft
 * monitor). It must never crash; an error carries a message and keeps no
 * finding; every finding kept is a kernel release with a version, then goes
 * through the rule mapping and the host comparison.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/hostmatch.h"
#include "monitor/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mon_host_info host = { .kernel = "6.1.70", .kernel_shown = "6.1.70",
						   .nft = "1.0.6" };
	struct mon_list l = { 0 };
	struct xerr e;

	if (mon_parse_kernel((const char *)data, size, "fuzz", 1700000000, &l, &e) < 0) {
		if (!e.msg[0] || l.n)
			abort();
	}
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].product, "kernel") || !l.v[i].version[0])
			abort();
		mon_map_rules(&l.v[i]);
		mon_match_host(&l.v[i], &host);
	}
	mon_list_free(&l);
	return 0;
}
