// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> mon_parse_feed (the Atom and RSS feeds of the netfilter-devel
 * archive and the netfilter git log, read by xnft monitor with libexpat).
 * Never a crash; an error carries a message and keeps nothing; every entry
 * kept is of severity MEDIUM or more, with an id of its source, and goes
 * through the rule mapping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/hostmatch.h"
#include "monitor/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mon_list l = { 0 };
	struct xerr e;

	if (mon_parse_feed((const char *)data, size, "fuzz", MONITOR_SRC_GIT, 0, &l, &e) < 0) {
		if (!e.msg[0] || l.n)
			abort();
	}
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].sev < MON_SEV_MEDIUM || strncmp(l.v[i].id, "git:", 4))
			abort();
		mon_map_rules(&l.v[i]);
	}
	mon_list_free(&l);
	return 0;
}
