// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/timefmt.h"

#include <stdio.h>

void timefmt_local(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, size, "-");
}

/* The largest unit that fits, once: "3 min", not "3 min 12 s". */
static void span(long long s, char *buf, size_t size)
{
	static const struct { long long secs; const char *unit; } units[] = {
		{ 86400, "d" }, { 3600, "h" }, { 60, "min" }, { 1, "s" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s >= units[i].secs || units[i].secs == 1) {
			snprintf(buf, size, "%lld %s", s / units[i].secs, units[i].unit);
			return;
		}
	}
}

void timefmt_relative(time_t t, time_t now, char *buf, size_t size)
{
	long long d = (long long)t - (long long)now;
	char s[32];

	if (!d) {
		snprintf(buf, size, "just now");
		return;
	}
	span(d > 0 ? d : -d, s, sizeof(s));
	snprintf(buf, size, d > 0 ? "in %s" : "%s ago", s);
}

void timefmt_rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		if (size)
			buf[0] = '\0';
	}
}
