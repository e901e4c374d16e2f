// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> config_parse (xnft.conf). It must never crash; an error must
 * carry a message and a line inside the text; a config that parses must
 * keep the promises the daemon relies on (every rule complete and within
 * bounds, durations formatting back to what they were), and its rules must
 * match categories and ports without crashing. Durations get the bytes too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ban/engine.h"
#include "daemon/config.h"
#include "core/duration.h"

static void check_rules(const struct xnft_config *c)
{
	static const char *const cats[] = { "XNFT-TCPFL-NULL", "DROP", "", "XNFT-", "TCPFL-XMAS: " };

	for (size_t i = 0; i < c->nrules; i++) {
		const struct config_rule *r = &c->rules[i];

		if (!r->ncategories || !r->threshold || r->threshold > CONFIG_THRESHOLD_MAX ||
		    !r->window_ms || r->bantime_ms < 1000 || r->bantime_ms > CONFIG_BANTIME_MAX_MS)
			abort();
		for (size_t j = 0; j < sizeof(cats) / sizeof(cats[0]); j++)
			(void)config_rule_matches_category(r, cats[j]);
		for (size_t j = 0; j < r->nports; j++) {
			if (r->ports[j].lo > r->ports[j].hi)
				abort();
			(void)config_rule_matches_port(r, 6, r->ports[j].lo);
		}
	}
	if (c->ipv6_prefix < 16 || c->ipv6_prefix > 128 || c->max_offenders < 16 ||
	    c->esc_factor < 1.0)
		abort();
}

static void check_duration(const char *text)
{
	uint64_t ms, again;
	char buf[64];
	struct xerr e;

	if (duration_parse(text, &ms, &e) < 0) {
		if (!e.msg[0])
			abort();
		return;
	}
	duration_format(ms, buf, sizeof(buf));
	if (duration_parse(buf, &again, &e) < 0 || again != ms)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xnft_config *c = NULL;
	char *text = malloc(size + 1);
	struct xerr e;
	int lines = 1;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size && text[i]; i++)
		lines += text[i] == '\n';
	if (config_parse("fuzz.conf", text, &c, &e) < 0) {
		if (!e.msg[0] || e.line < 0 || e.line > lines || c)
			abort();
	} else {
		check_rules(c);
		config_free(c);
	}
	if (size < 64)
		check_duration(text);
	free(text);
	return 0;
}
