/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Well-known service names for `xnft allow NAME`: the protocol and port a
 * user means by "https" or "postgres", and a did-you-mean for a typo.
 */
#ifndef XNFT_POLICY_CATALOG_H
#define XNFT_POLICY_CATALOG_H

#include <stddef.h>

struct catalog_entry {
	const char *name;
	const char *proto;   /* "tcp" or "udp" */
	unsigned port;
	const char *what;    /* for `xnft services --known` and messages */
};

/* The entry called name, or NULL. */
const struct catalog_entry *catalog_find(const char *name);

/* The closest known name (a few edits away) for a message, or NULL. */
const char *catalog_suggest(const char *name);

/* Every entry, in order; the array ends with a NULL name. */
const struct catalog_entry *catalog_all(void);

#endif
