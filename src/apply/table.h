/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xnft's own table (`table inet xnft`) in the calling network namespace:
 * list it, fingerprint it, replace it in one transaction. Nothing here
 * reads or writes any other table: Docker's, libvirt's and Tailscale's
 * tables (with their iptables-nft `xt` expressions) stay as they are.
 */
#ifndef XNFT_APPLY_TABLE_H
#define XNFT_APPLY_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct listing;

#define TABLE_HASH_HEX 65

/* Whether `table inet xnft` exists in the calling namespace. */
int table_present(bool *present, struct xerr *e);

/*
 * The table as nft text without counter values (`nft -s list table inet
 * xnft`); "" when there is no such table. *out malloc'd.
 */
int table_list_text(char **out, struct xerr *e);


/*
 * A restore file: a comment saying where it came from, then "table inet
 * xnft", "delete table inet xnft" and the listing. Loaded, it replaces the
 * table in one transaction (an empty listing removes it). malloc'd.
 */
char *table_restore_text(const char *listing, const char *origin);

/* Load a restore file from the state directory in the calling namespace. */
int table_restore(const char *state_name, struct xerr *e);

/*
 * Load nft text in a child process in the calling namespace: a file (with
 * incdir on the include path, may be NULL), or, with path NULL, the buffer
 * text named name. libnftables aborts on some damaged input (an assertion
 * in its scope handling): in a child that costs the child, not the caller,
 * who goes on to the fallback. The kernel applies a file in one transaction
 * or not at all, so a child that died left the old table in place.
 */
int table_load_isolated(const char *path, const char *incdir, const char *name,
			const char *text, struct xerr *e);

/*
 * What is loaded now must be xnft's table with fingerprint want (want ""
 * means: no table at all). got receives the live fingerprint ("" = none).
 * -1 with e saying what is there instead.
 */
int table_expect(const char *want, char got[TABLE_HASH_HEX], struct xerr *e);

/* Load a restore file in a private namespace: does it reload at all? */
int table_verify_reload(const char *state_name, struct xerr *e);

/*
 * Load a policy entry file (its directory on the include path) in the
 * calling namespace: one transaction, since the entry file itself says
 * `table inet xnft` / `delete table inet xnft` before its includes.
 */
int table_commit_policy(const char *entry, const char *incdir, struct xerr *e);

/*
 * A fingerprint of xnft's table in a listing: SHA-256 of the table's objects with handles, counter
 * values, element expiry and the contents of timeout/dynamic sets left out,
 * since those change at run time without anyone changing the policy.
 * *present is false (and hex "") when the listing has no such table.
 */
int table_fingerprint(const struct listing *l, char hex[TABLE_HASH_HEX], bool *present,
		      struct xerr *e);

/* The same for the table loaded in the calling namespace now. */
int table_fingerprint_live(char hex[TABLE_HASH_HEX], bool *present, struct xerr *e);

/* SHA-256 of bytes, in hex: tells whether a state file changed. */
void table_bytes_hash(const void *data, size_t len, char hex[TABLE_HASH_HEX]);

#endif
