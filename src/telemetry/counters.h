/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel counts, read over netlink (libmnl/libnftnl) in one pass:
 * every rule's counter with its comment and verdict, each chain's rule
 * count, each named set's element count and size limit, and the named
 * counters. Never by running nft, never through the JSON listing: a scrape
 * of a 10,000-rule table and a 100,000-element set must stay cheap.
 *
 * Source locations: the kernel lists a chain's rules in creation order, so
 * the scan of the policy files that made them (core/srcloc) names each
 * rule's file:line and text, chain by chain, when the counts agree.
 */
#ifndef XNFT_TELEMETRY_COUNTERS_H
#define XNFT_TELEMETRY_COUNTERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TM_NAME_MAX 256

struct tm_rule {
	uint32_t family;          /* NFPROTO_* */
	char table[TM_NAME_MAX];
	char chain[TM_NAME_MAX];
	uint64_t handle;
	bool has_counter;         /* a rule without `counter` counts nothing */
	char *counter_name;       /* `counter name X`: the named counter's figures are its own */
	uint64_t packets, bytes;
	bool drops;               /* its verdict is drop or reject */
	bool catch_all;           /* drops with no match at all: the end of a chain */
	char *comment;            /* NULL when none */
	char *file;               /* NULL when the location is unknown */
	int line;
	char *text;               /* the rule as written (with file) */
};

struct tm_chain {
	uint32_t family;
	char table[TM_NAME_MAX];
	char name[TM_NAME_MAX];
	bool base;                /* hooked into the stack */
	bool policy_drop;
	size_t rules;
	uint64_t packets, bytes;  /* sums over its rules' counters */
};

struct tm_set {
	uint32_t family;
	char table[TM_NAME_MAX];
	char name[TM_NAME_MAX];
	uint32_t size_limit;      /* 0 = none */
	size_t elements;          /* an interval counts once */
};

struct tm_counter {
	uint32_t family;
	char table[TM_NAME_MAX];
	char name[TM_NAME_MAX];
	uint64_t packets, bytes;
};

struct tm_snapshot {
	struct tm_rule *rules;
	size_t nrules;
	struct tm_chain *chains;
	size_t nchains;
	struct tm_set *sets;
	size_t nsets;
	struct tm_counter *counters;
	size_t ncounters;
	size_t unlocated_chains;  /* chains whose rules could not be paired with the source */
};

/*
 * Element counts kept between scrapes. The kernel resumes each message of a
 * set's element dump by walking the set from its start, so counting a
 * 100,000-element set costs hundreds of milliseconds: a set that held at
 * least `big` elements is counted again only when its count is older than
 * max_age_s. Shared by the daemon's HTTP threads (its own lock).
 */
struct tm_elem_cache_entry;
struct tm_elem_cache {
	pthread_mutex_t lock;
	size_t big;
	unsigned max_age_s;
	struct tm_elem_cache_entry *v;
	size_t n;
};

void tm_elem_cache_init(struct tm_elem_cache *c, size_t big, unsigned max_age_s);
void tm_elem_cache_free(struct tm_elem_cache *c);

/*
 * Read the calling namespace's counters. table: only this table ("inet",
 * "xnft" style: family and name), or NULL/"" for every table.
 * with_elements: count set elements (one more dump per set), through
 * cache when not NULL.
 */
int tm_read(struct tm_snapshot *s, const char *family, const char *table, bool with_elements,
	    struct tm_elem_cache *cache, struct xerr *e);

/*
 * Name each rule's file:line and text from the policy files of policy (a
 * file, or a directory holding nftables.conf). 0 also when it cannot be
 * read (the rules stay without locations);
 * the number of chains left without locations is in s->unlocated_chains.
 */
int tm_locate(struct tm_snapshot *s, const char *policy, struct xerr *e);

void tm_snapshot_free(struct tm_snapshot *s);

/* "inet", "ip", ... for an NFPROTO_* value. */
const char *tm_family_name(uint32_t family);

/* The chain of a rule in s (NULL when the dump lost it). */
const struct tm_chain *tm_rule_chain(const struct tm_snapshot *s, const struct tm_rule *r);

#endif
