/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The duration grammar (see duration.h). */

#include "core/duration.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/strbuf.h"

int duration_parse(const char *text, uint64_t *ms, struct xerr *e)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 604800000 },
	};
	const char *p = text;
	uint64_t total = 0;
	char shown[64];

	addr_shown(shown, sizeof(shown), text ? text : "");
	if (!text || !*text)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "empty duration: expected e.g. 60s, 10m, 1h, 1d");
	while (*p) {
		uint64_t n = 0, mul = 0;
		size_t ulen = 0;

		if (!isdigit((unsigned char)*p))
			goto bad;
		while (isdigit((unsigned char)*p)) {
			if (n > UINT64_MAX / 10 - 10)
				goto big;
			n = n * 10 + (uint64_t)(*p++ - '0');
		}
		if (!*p && p == text + strspn(text, "0123456789")) {
			mul = 1000;   /* a bare number: seconds */
		} else {
			for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
				size_t l = strlen(units[i].unit);

				if (!strncmp(p, units[i].unit, l) && l > ulen &&
				    !isalpha((unsigned char)p[l])) {
					mul = units[i].ms;
					ulen = l;
				}
			}
			if (!mul)
				goto bad;
			p += ulen;
		}
		if (n > (UINT64_MAX / 2) / mul || total + n * mul < total)
			goto big;
		total += n * mul;
		if (total > DURATION_MAX_MS)
			goto big;
	}
	*ms = total;
	return 0;
bad:
	xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' is not a duration", shown);
	return xerr_hint(e, "write a number with a unit: 500ms, 30s, 10m, 1h, 2d, 1w (or 1h30m)");
big:
	return xerr_set(e, XNFT_EXIT_FINDINGS, "duration '%s' is too large", shown);
}

void duration_format(uint64_t ms, char *buf, size_t size)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "w", 604800000 }, { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	struct fixbuf b = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	if (!ms) {
		snprintf(buf, size, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t n = ms / units[i].ms;

		if (!n)
			continue;
		ms -= n * units[i].ms;
		fixbuf_addf(&b, "%llu%s", (unsigned long long)n, units[i].unit);
	}
}
