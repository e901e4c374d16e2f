// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor/hostmatch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "core/spawn.h"
#include "core/strbuf.h"

/* The leading "X.Y.Z" of s (digits and dots) into dst. */
static void numeric_prefix(const char *s, char *dst, size_t size)
{
	size_t n = 0;

	while (s[n] && (isdigit((unsigned char)s[n]) || s[n] == '.'))
		n++;
	while (n && s[n - 1] == '.')
		n--;
	snprintf(dst, size, "%.*s", (int)n, s);
}

static void detect_kernel(struct mon_host_info *h)
{
	struct utsname u;
	const char *deb;
	char upstream[40];

	if (uname(&u) < 0)
		return;
	numeric_prefix(u.release, h->kernel, sizeof(h->kernel));
	snprintf(h->kernel_shown, sizeof(h->kernel_shown), "%s", u.release);
	/* Debian's uname -r names the ABI (6.1.0-18); uname -v the upstream release (Debian 6.1.76-1) */
	if ((deb = strstr(u.version, "Debian ")) && isdigit((unsigned char)deb[7])) {
		numeric_prefix(deb + 7, upstream, sizeof(upstream));
		snprintf(h->kernel, sizeof(h->kernel), "%s", upstream);
		snprintf(h->kernel_shown, sizeof(h->kernel_shown), "%.40s (Debian %.40s)", u.release,
			 upstream);
	}
}

/* "nftables v1.0.6 (Lester Gooch #5)" from nft --version. */
static void detect_nft(struct mon_host_info *h)
{
	char *argv[] = { "nft", "--version", NULL }, *out = NULL, *v;
	struct xerr e;

	if (spawn_capture(argv, &out, &e) == 0 && out && (v = strstr(out, " v")))
		numeric_prefix(v + 2, h->nft, sizeof(h->nft));
	free(out);
}

void mon_host_detect(const struct xnft_config *cfg, struct mon_host_info *h)
{
	memset(h, 0, sizeof(*h));
	if (cfg->mon_kernel_version[0]) {
		numeric_prefix(cfg->mon_kernel_version, h->kernel, sizeof(h->kernel));
		snprintf(h->kernel_shown, sizeof(h->kernel_shown), "%s", cfg->mon_kernel_version);
	} else {
		detect_kernel(h);
	}
	if (cfg->mon_nft_version[0])
		numeric_prefix(cfg->mon_nft_version, h->nft, sizeof(h->nft));
	else
		detect_nft(h);
}

/* One dot-separated part: its number, *p moved past it and its dot; rc: -1 when "-rcN" follows. */
static unsigned long part(const char **p, int *rc)
{
	char *end;
	unsigned long v = strtoul(*p, &end, 10);

	*p = end;
	if (**p == '.')
		(*p)++;
	else if (**p == '-' && !strncasecmp(*p + 1, "rc", 2))
		*rc = -1;
	return v;
}

int mon_version_cmp(const char *a, const char *b)
{
	int rca = 0, rcb = 0;

	while (isdigit((unsigned char)*a) || isdigit((unsigned char)*b)) {
		unsigned long x = isdigit((unsigned char)*a) ? part(&a, &rca) : 0;
		unsigned long y = isdigit((unsigned char)*b) ? part(&b, &rcb) : 0;

		if (x != y)
			return x < y ? -1 : 1;
		if (rca || rcb)
			break;
	}
	return rca - rcb;
}

bool mon_has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; (p = strcasestr(p, word)); p++) {
		bool left = p == text || !isalnum((unsigned char)p[-1]);
		/* a plural still names the thing: "fragments", "sets" */
		const char *end = p + n + ((p[n] == 's' || p[n] == 'S') && isalpha((unsigned char)word[n - 1]));
		bool right = !isalnum((unsigned char)*end) || !isalnum((unsigned char)word[n - 1]);

		if (left && right)
			return true;
	}
	return false;
}

/* Keywords -> the default policy's rule files (policy/rules/). First match order is the listing order. */
static const struct {
	const char *file;
	const char *words[12];
} rule_words[] = {
	{ "30-established.nft", { "conntrack", "nf_conntrack", "ct state", "ctinfo",
				  "expectation", "nf_ct", "established", NULL } },
	{ "20-mesh.nft", { "wireguard", "wg", NULL } },
	{ "50-vpn-endpoint.nft", { "wireguard", "wg", "limit", "meter", "connlimit", "quota",
				   "dynset", NULL } },
	{ "60-icmp.nft", { "icmp", "icmpv6", "ndisc", "neighbour discovery", "neighbor discovery",
			   "pmtu", NULL } },
	{ "15-antiscan.nft", { "fragment", "defrag", "frag", "tcp flags", "synproxy", "syn",
			       "osf", NULL } },
	{ "25-bogons.nft", { "fib", "rpfilter", "reverse path", "bogon", NULL } },
	{ "00-tables.nft", { "nft_set", "set element", "pipapo", "rbtree", "nft_set_hash",
			     "catchall", "set_elem", NULL } },
	{ "70-logging.nft", { "nflog", "nfnetlink_log", "nft_log", "log", NULL } },
	{ "80-forward.nft", { "nat", "masquerade", "dnat", "snat", "flowtable", "forward",
			      "bridge", "br_netfilter", NULL } },
	{ "10-loopback.nft", { "loopback", NULL } },
};

void mon_map_rules(struct mon_finding *f)
{
	struct fixbuf b = { f->rules, sizeof(f->rules), 0 };

	f->rules[0] = '\0';
	if (f->product[0]) {
		/* a release touches no rule in particular: the whole policy is loaded by it */
		snprintf(f->rules, sizeof(f->rules), "nftables.conf (all rules)");
		return;
	}
	for (size_t i = 0; i < sizeof(rule_words) / sizeof(rule_words[0]); i++) {
		for (const char *const *w = rule_words[i].words; *w; w++) {
			if (!mon_has_word(f->title, *w) && !mon_has_word(f->text, *w))
				continue;
			fixbuf_addf(&b, "%s%s", b.len ? ", " : "", rule_words[i].file);
			break;
		}
	}
	if (!b.len)
		snprintf(f->rules, sizeof(f->rules), "nftables.conf (no rule file in particular: "
			 "nf_tables core)");
}

/* Is v inside r? */
static bool in_range(const char *v, const struct mon_range *r)
{
	int lo, hi;

	if (r->exact[0])
		return mon_version_cmp(v, r->exact) == 0;
	lo = r->start[0] ? mon_version_cmp(v, r->start) : 1;
	hi = r->end[0] ? mon_version_cmp(v, r->end) : -1;
	return (lo > 0 || (lo == 0 && r->start_incl)) && (hi < 0 || (hi == 0 && r->end_incl));
}

static void match_ranges(struct mon_finding *f, const struct mon_host_info *h)
{
	bool any = false;

	for (size_t i = 0; i < f->nranges; i++) {
		const struct mon_range *r = &f->ranges[i];
		bool kernel = !strcmp(r->product, "kernel");
		const char *v = kernel ? h->kernel : h->nft;
		const char *shown = kernel ? h->kernel_shown : h->nft;

		if (!v[0])
			continue;
		any = true;
		if (!in_range(v, r))
			continue;
		f->host = MON_HOST_AFFECTED;
		if (r->end[0] && !r->end_incl)
			snprintf(f->host_note, sizeof(f->host_note), "this host runs %s %s; fixed in "
				 "%s: affected", kernel ? "Linux" : "nftables", shown, r->end);
		else
			snprintf(f->host_note, sizeof(f->host_note), "this host runs %s %s; in the "
				 "vulnerable range (no fixed version named): affected",
				 kernel ? "Linux" : "nftables", shown);
		return;
	}
	if (any) {
		f->host = MON_HOST_NOT_AFFECTED;
		snprintf(f->host_note, sizeof(f->host_note), "this host runs Linux %s, nftables %s: "
			 "outside every vulnerable range named", h->kernel_shown[0] ? h->kernel_shown
			 : "?", h->nft[0] ? h->nft : "?");
	}
}

/* Same "X.Y" series? */
static bool same_series(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	size_t na = da ? strcspn(da + 1, ".-") + (size_t)(da + 1 - a) : strlen(a);
	size_t nb = db ? strcspn(db + 1, ".-") + (size_t)(db + 1 - b) : strlen(b);

	return na == nb && !strncmp(a, b, na);
}

static void match_release(struct mon_finding *f, const struct mon_host_info *h)
{
	bool kernel = !strcmp(f->product, "kernel");
	const char *v = kernel ? h->kernel : h->nft, *shown = kernel ? h->kernel_shown : h->nft;

	if (!v[0] || (kernel && !same_series(v, f->version)))
		return;
	if (mon_version_cmp(v, f->version) < 0) {
		f->host = MON_HOST_BEHIND;
		snprintf(f->host_note, sizeof(f->host_note), "this host runs %s %s; %s is newer: "
			 "update", kernel ? "Linux" : "nftables", shown, f->version);
	} else {
		f->host = MON_HOST_CURRENT;
		snprintf(f->host_note, sizeof(f->host_note), "this host runs %s %s: up to date",
			 kernel ? "Linux" : "nftables", shown);
	}
}

void mon_match_host(struct mon_finding *f, const struct mon_host_info *h)
{
	f->host = MON_HOST_UNKNOWN;
	f->host_note[0] = '\0';
	if (f->product[0])
		match_release(f, h);
	else if (f->nranges)
		match_ranges(f, h);
}
