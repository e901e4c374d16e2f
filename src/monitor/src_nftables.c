// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netfilter.org's nftables download page: HTML whose links name the release
 * tarballs, "nftables-1.0.9.tar.xz". The page carries no dates, so only the
 * newest release becomes a finding (monitor.c compares it with the host's).
 */
#include "monitor/parse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "monitor/hostmatch.h"

#define PREFIX "nftables-"

/* The version at p ("1.0.9" before ".tar"), copied to v; its length, or 0. */
static size_t version_at(const char *p, const char *end, char *v, size_t size)
{
	size_t n = 0;

	while (p + n < end && (isdigit((unsigned char)p[n]) || p[n] == '.'))
		n++;
	while (n && p[n - 1] == '.')
		n--;
	if (!n || n >= size || !isdigit((unsigned char)p[0]) || (size_t)(end - p) < n + 5 ||
	    memcmp(p + n, ".tar", 4))
		return 0;
	memcpy(v, p, n);
	v[n] = '\0';
	return n;
}

int mon_parse_nftables(const char *body, size_t len, const char *name, struct mon_list *out,
		       struct xerr *e)
{
	const char *p = body, *end = body + len;
	char newest[40] = "", v[40];
	struct mon_finding *f;

	while (p < end && (p = memmem(p, (size_t)(end - p), PREFIX, strlen(PREFIX)))) {
		p += strlen(PREFIX);
		if (version_at(p, end, v, sizeof(v)) &&
		    (!newest[0] || mon_version_cmp(v, newest) > 0))
			snprintf(newest, sizeof(newest), "%s", v);
	}
	if (!newest[0]) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s: no link to an nftables-X.Y.Z.tar.* release: "
			 "not netfilter.org's download listing", name);
		return -1;
	}
	if (!(f = mon_list_push(out)))
		return 0;
	f->source = MONITOR_SRC_NFTABLES;
	f->sev = MON_SEV_MEDIUM;
	snprintf(f->product, sizeof(f->product), "nftables");
	snprintf(f->version, sizeof(f->version), "%s", newest);
	snprintf(f->id, sizeof(f->id), "nftables:%s", newest);
	snprintf(f->title, sizeof(f->title), "nftables %s is the newest release", newest);
	snprintf(f->url, sizeof(f->url), "https://www.netfilter.org/projects/nftables/downloads.html");
	snprintf(f->text, sizeof(f->text), "nftables release %s", newest);
	return 0;
}
