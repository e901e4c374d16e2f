// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> mon_parse_nvd (the NVD CVE API 2.0 answer, read by xnft
 * monitor). Never a crash; an error carries a message and keeps nothing;
 * every CVE kept has a CVE- id, a severity, at most MON_RANGES_MAX ranges,
 * and goes through the rule mapping and the host comparison.
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

	if (mon_parse_nvd((const char *)data, size, "fuzz", &l, &e) < 0) {
		if (!e.msg[0] || l.n)
			abort();
	}
	for (size_t i = 0; i < l.n; i++) {
		struct mon_finding *f = &l.v[i];

		if (strncmp(f->id, "CVE-", 4) || f->sev > MON_SEV_CRITICAL || f->nranges > MON_RANGES_MAX)
			abort();
		mon_map_rules(f);
		mon_match_host(f, &host);
	}
	mon_list_free(&l);
	return 0;
}
