/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ban engine: drop events in, ban decisions out. No I/O and no clock of
 * its own (every call carries the time), so it is tested without a kernel.
 *
 *  - rules from [ban.NAME]: events whose category and destination port match
 *    are counted per source in a sliding window; the threshold-th event
 *    within the window bans the source;
 *  - escalation: a repeat offender's ban is bantime * factor^(previous
 *    offences within 'forget'), capped; the history comes from a callback
 *    (the daemon's SQLite store), so it survives restarts;
 *  - IPv6 sources are counted and banned per prefix (/64 by default);
 *  - whitelist: loopback always, plus what the daemon adds (config, the
 *    policy's mesh and admin sets); a whitelisted address is never counted,
 *    and an IPv6 prefix that contains a whitelisted address is never banned;
 *  - bounded memory: at most max_offenders sources are tracked; the least
 *    recently seen is forgotten first. Active bans are kept apart and are
 *    never evicted.
 */
#ifndef XNFT_BAN_ENGINE_H
#define XNFT_BAN_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "daemon/config.h"
#include "core/err.h"

/* What is banned: an IPv4 address, or an IPv6 network (address masked to plen). */
struct ban_key {
	uint8_t family;     /* AF_INET or AF_INET6 */
	uint8_t plen;       /* 32, or the IPv6 ban prefix */
	uint8_t addr[16];   /* network order, masked */
};

/* The engine's view of one drop event (the daemon fills it from an event). */
struct ban_event {
	uint64_t t_ms;          /* when, in ms of CLOCK_REALTIME */
	const char *category;   /* log prefix: "XNFT-TCPFL-NULL" or "TCPFL-NULL" */
	int family;             /* AF_INET or AF_INET6 */
	uint8_t src[16];
	uint8_t proto;          /* IP protocol number; 0 when unknown */
	uint16_t dport;         /* 0 when the protocol has none */
};

/* A source's past bans, as far as escalation needs them. */
struct ban_history {
	unsigned offences;       /* bans so far */
	uint64_t last_ban_ms;    /* when the last one started */
	uint64_t last_bantime_ms;
};

/* Fill h for key; return 0 (h zeroed when the source has no history) or -1. */
typedef int (*ban_history_fn)(void *ctx, const struct ban_key *key, struct ban_history *h);

#define BAN_RULE_NAME_MAX 64

/* An active ban. */
struct ban_active {
	struct ban_key key;
	uint64_t since_ms;       /* when this ban started */
	uint64_t until_ms;       /* when it ends */
	uint64_t bantime_ms;     /* its length, after escalation */
	unsigned offence;        /* 1 for a first offence */
	char rule[BAN_RULE_NAME_MAX];   /* the rule, "manual" or "adopted" */
};

/* What an event (or a manual ban) decided. */
struct ban_decision {
	struct ban_active ban;   /* the ban as it now stands */
	bool extended;           /* it was already banned: the end moved later */
	uint64_t prev_until_ms;  /* when extended: the end before */
};

struct ban_stats {
	uint64_t events;          /* events fed */
	uint64_t matched;         /* events some rule counted */
	uint64_t whitelisted;     /* events from whitelisted sources, ignored */
	uint64_t whitelist_overlap; /* thresholds reached by an IPv6 prefix holding a whitelisted address */
	uint64_t bans;            /* new bans */
	uint64_t extensions;      /* bans extended */
	uint64_t evictions;       /* offenders forgotten to stay under the cap */
	size_t offenders;         /* tracked now */
	size_t active;            /* active bans now */
	size_t memory;            /* bytes held by the offender table and windows */
};

struct ban_engine;

struct ban_engine *ban_engine_new(const struct xnft_config *cfg, struct xerr *e);
void ban_engine_free(struct ban_engine *eng);

/*
 * The engine reads cfg (rules, escalation, caps) as it goes: the caller
 * keeps it alive until ban_engine_reconfigure() or ban_engine_free().
 * Reconfigure (SIGHUP): counting windows of rules that keep their name
 * survive; active bans, offenders and the whitelist stay. A smaller
 * max_offenders evicts at once.
 */
int ban_engine_reconfigure(struct ban_engine *eng, const struct xnft_config *cfg, struct xerr *e);

/* Replace the whitelist (loopback is always on it). */
int ban_engine_set_whitelist(struct ban_engine *eng, const struct prefix *p, size_t n,
			     struct xerr *e);
/* Add the addresses lo..hi (inclusive, network order) to the whitelist. */
int ban_engine_whitelist_add_range(struct ban_engine *eng, int family, const uint8_t *lo,
				   const uint8_t *hi, struct xerr *e);
/* Entries on the whitelist, loopback's two included. */
size_t ban_engine_whitelist_size(const struct ban_engine *eng);
bool ban_engine_whitelisted(const struct ban_engine *eng, int family, const uint8_t *addr);

/* Do the networks of a and b share an address? */
bool ban_keys_overlap(const struct ban_key *a, const struct ban_key *b);

/*
 * key may not be banned: whitelisted, holding a whitelisted address, or
 * unbannable (its first or last address is one no packet comes from).
 */
bool ban_engine_key_exempt(const struct ban_engine *eng, const struct ban_key *key);

/*
 * Lift every active ban that the whitelist now covers (it changed after the
 * ban began); fn sees each before it goes. Returns how many.
 */
size_t ban_engine_lift_exempt(struct ban_engine *eng,
			      void (*fn)(void *ctx, const struct ban_active *b), void *ctx);

void ban_engine_set_history(struct ban_engine *eng, ban_history_fn fn, void *ctx);

/* The key an address is banned under (IPv6 masked to the ban prefix). */
void ban_engine_key(const struct ban_engine *eng, int family, const uint8_t *addr,
		    struct ban_key *key);

/* Feed one event. Returns 1 and fills d when it bans or extends a ban, else 0. */
int ban_engine_event(struct ban_engine *eng, const struct ban_event *ev, struct ban_decision *d);

/*
 * Ban by hand (`xnft bans add`): bantime 0 means the escalated default
 * (the first rule's bantime, else one hour). A whitelisted key is refused.
 */
int ban_engine_ban(struct ban_engine *eng, const struct ban_key *key, uint64_t bantime_ms,
		   uint64_t now_ms, struct ban_decision *d, struct xerr *e);

/* Lift a ban; returns 1 if there was one, else 0. The window counts are cleared too. */
int ban_engine_unban(struct ban_engine *eng, const struct ban_key *key);

/* Take over a ban found in the kernel set or the store at start. */
int ban_engine_adopt(struct ban_engine *eng, const struct ban_active *b);

const struct ban_active *ban_engine_find(const struct ban_engine *eng, const struct ban_key *key);

/* Drop bans that ended by now_ms (the kernel expires its elements itself). */
size_t ban_engine_expire(struct ban_engine *eng, uint64_t now_ms);

/* Every active ban, in no particular order; stop early when fn returns non-zero. */
void ban_engine_foreach(const struct ban_engine *eng,
			int (*fn)(void *ctx, const struct ban_active *b), void *ctx);

void ban_engine_stats(const struct ban_engine *eng, struct ban_stats *st);

/* "198.51.100.7", "2001:db8:1:2::/64" or a range "203.0.113.0/24". */
void ban_key_format(const struct ban_key *key, char *buf, size_t size);

/*
 * Why no ban may name addr (the unspecified or broadcast address, or
 * multicast: no packet comes from them), or NULL when it may.
 */
const char *ban_addr_unbannable(int family, const uint8_t *addr);

/* Parse an address or prefix the way `xnft bans add` takes it; IPv6 masked to plen6. */
int ban_key_parse(const char *text, unsigned plen6, struct ban_key *key, struct xerr *e);

/*
 * Parse a range (a CrowdSec Range decision): any prefix, kept as wide as
 * it is (host bits cleared); a bare IPv6 address gets plen6.
 */
int ban_key_parse_range(const char *text, unsigned plen6, struct ban_key *key, struct xerr *e);

/* The escalated ban length for the (offence)-th ban of a rule with this base. */
uint64_t ban_escalate(const struct xnft_config *cfg, uint64_t base_ms, unsigned offence);

#endif
