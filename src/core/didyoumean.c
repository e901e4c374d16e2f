// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/didyoumean.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* What a typo is suggested to be: verdicts and statements. */
static const char *const keywords[] = {
	"accept", "drop", "reject", "jump", "goto", "return", "continue", "queue",
	"counter", "log", "limit", "comment", "masquerade", "snat", "dnat", "redirect",
	"notrack", "quota", "meter", "update", "flowtable", "synproxy", NULL,
};

/* Real nft words a keyword is one edit from: never "corrected". */
static const char *const other_words[] = {
	"meta", "ct", "ip", "ip6", "tcp", "udp", "icmp", "icmpv6", "iif", "oif", "iifname",
	"oifname", "saddr", "daddr", "dport", "sport", "flags", "state", "type", "hook",
	"priority", "policy", "filter", "nat", "input", "output", "forward", "chain", "table",
	"define", "include", "set", "map", "elements", "element", "flush", "add", "insert",
	"delete", "timeout", "size", "prefix", "level", "rate", "burst", "packets", "bytes",
	"second", "minute", "hour", "day", "week", "over", "mark", "length", "vmap", "with",
	"port", "group", "reset", "list", "limits", "counters", "quotas", "meters", "logs",
	"dump", "jumps", "dropped", "accepted", "comments", "queues", "returns", NULL,
};

static bool in_list(const char *const *list, const char *w)
{
	for (; *list; list++) {
		if (!strcmp(*list, w))
			return true;
	}
	return false;
}

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

unsigned edit_distance(const char *a, const char *b, unsigned cap)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[34][34];

	if (la > 32 || lb > 32 || (la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

/* The keyword word is a typo of, or NULL. Short words are too often names ("lo"). */
static const char *typo_of(const char *w)
{
	if (strlen(w) < 4 || in_list(keywords, w) || in_list(other_words, w))
		return NULL;
	for (const char *const *k = keywords; *k; k++) {
		if (edit_distance(w, *k, 1) <= 1)
			return *k;
	}
	return NULL;
}

bool nft_did_you_mean(const char *line, char *out, size_t size)
{
	bool quoted = false;

	for (const char *p = line; p && *p;) {
		char w[33];
		size_t n = 0;

		if (*p == '"')
			quoted = !quoted;
		if (quoted || !isalpha((unsigned char)*p) ||
		    (p > line && (isalnum((unsigned char)p[-1]) || strchr("$@_-.", p[-1])))) {
			p++;
			continue;
		}
		while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-')
			n++;
		if (n < sizeof(w)) {
			const char *k;

			memcpy(w, p, n);
			w[n] = '\0';
			k = typo_of(w);
			if (k) {
				snprintf(out, size, "did you mean '%s' (not '%s')?", k, w);
				return true;
			}
		}
		p += n;
	}
	return false;
}
