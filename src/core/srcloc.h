/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Source locations of rules. libnftables does not hand them out, so a light
 * scanner (not a parser of the nft language) walks the entry file and its
 * includes in load order and records, per chain, the rule statements it sees
 * with their file and line. In a fresh namespace the kernel lists a chain's
 * rules in creation order, so the n-th recorded statement is the n-th rule.
 * When the counts disagree, the chain's locations stay unknown: no guessing.
 */
#ifndef XNFT_CORE_SRCLOC_H
#define XNFT_CORE_SRCLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct ruleset;

struct srcloc_stmt {
	char *file;
	int line;        /* 1-based line of the statement's first character */
	char *text;      /* the rule as written: whitespace collapsed, continuations joined */
};

struct srcloc_chain {
	char *family;    /* as written; "ip" when the source gave none */
	char *table;
	char *chain;
	bool uncertain;  /* positions we cannot follow (add rule ... position, delete rule) */
	struct srcloc_stmt *v;
	size_t n;
	/* the devices its header names (`device "lo"`, `devices = { a, b }`): nft's
	 * JSON listing leaves them out; none when not given or a $variable */
	char **devices;
	size_t ndevices;
};

struct srcloc {
	struct srcloc_chain *chains;
	size_t n;
	size_t files;    /* files read, the entry file included */
};

/*
 * Scan `entry` and what it includes. Relative includes are looked up in
 * dirs[] in order (globs allowed). A file that cannot be read is skipped:
 * libnftables reports it with a better message when it loads the ruleset.
 */
int srcloc_scan(const char *entry, const char *const *dirs, size_t ndirs,
		struct srcloc *out, struct xerr *e);

/* The same on a text in memory (`name` is used as its file name). */
int srcloc_scan_buffer(const char *name, const char *text, const char *const *dirs,
		       size_t ndirs, struct srcloc *out, struct xerr *e);

void srcloc_free(struct srcloc *s);

const struct srcloc_chain *srcloc_find(const struct srcloc *s, const char *family,
				       const char *table, const char *chain);

/*
 * Fill rule->loc for every chain whose rule count matches the scan, and a
 * base chain's devices where the listing has none and its header names them.
 * Returns how many chains were left without locations.
 */
size_t srcloc_apply(const struct srcloc *s, struct ruleset *rs);

/* Only the devices (a scan of a text listing, whose lines are not the policy's). */
void srcloc_apply_devices(const struct srcloc *s, struct ruleset *rs);

#endif
