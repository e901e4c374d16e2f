// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> mon_parse_nftables (netfilter.org's download listing, read by
 * xnft monitor). Never a crash; an error carries a message; a success is
 * exactly one release whose version starts with a digit, compared with the
 * host's nft.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>

#include "monitor/hostmatch.h"
#include "monitor/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mon_host_info host = { .kernel = "6.1.70", .nft = "1.0.6" };
	struct mon_list l = { 0 };
	struct xerr e;

	if (mon_parse_nftables((const char *)data, size, "fuzz", &l, &e) < 0) {
		if (!e.msg[0] || l.n)
			abort();
	} else {
		if (l.n != 1 || !isdigit((unsigned char)l.v[0].version[0]))
			abort();
		mon_match_host(&l.v[0], &host);
	}
	mon_list_free(&l);
	return 0;
}
