/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in fallback policy: what `xnft boot` loads when the confirmed
 * policy does not, so a host never comes up open. It is compiled in, and
 * filled with the host values recorded when a policy was last confirmed
 * (state file fallback.values):
 *
 *   - loopback; established/related; invalid dropped;
 *   - IPv6 neighbour discovery (hop limit 255), without which nothing on
 *     IPv6 works, established connections included;
 *   - break-glass SSH from ADMIN_ALLOWLIST / ADMIN_ALLOWLIST6 on any interface;
 *   - SSH from MESH_PEERS / MESH_PEERS6 on the mesh interface;
 *   - the WireGuard UDP port, so the mesh itself can come up;
 *   - everything else in input and forward dropped; output open.
 *
 * What is not known is left out, never guessed open: without recorded
 * values the fallback is loopback + established + NDP only, and the admin
 * needs the console.
 */
#ifndef XNFT_APPLY_FALLBACK_H
#define XNFT_APPLY_FALLBACK_H

#include <net/if.h>

#include "core/err.h"
#include "core/ruleset.h"

#define FALLBACK_LIST_MAX 4096
/* The table comment that marks the fallback when it is loaded. */
#define FALLBACK_COMMENT "xnft FALLBACK policy"

struct fallback_values {
	char mesh_if[IF_NAMESIZE];         /* "" = unknown */
	int wg_port;                       /* 0 = unknown */
	int ssh_port;                      /* 0 = unknown: 22 is used */
	char admin4[FALLBACK_LIST_MAX];    /* "198.51.100.7/32, 203.0.113.0/24"; "" = none */
	char admin6[FALLBACK_LIST_MAX];
	char mesh4[FALLBACK_LIST_MAX];
	char mesh6[FALLBACK_LIST_MAX];
};

/*
 * Read the values from a policy: the defines MESH_IF, WG_PORT and SSH_PORT
 * in its source files (the entry and what it includes), and the elements of
 * the sets ADMIN_ALLOWLIST(6) and MESH_PEERS(6) of table inet xnft in its
 * model. Values that look wrong are left out.
 */
void fallback_values_from_policy(const struct ruleset *rs, const char *entry,
				 const char *incdir, struct fallback_values *v);

/* "key=value" lines for the state file, and back (invalid values dropped). */
int fallback_values_format(const struct fallback_values *v, char *buf, size_t n);
void fallback_values_parse(const char *text, struct fallback_values *v);

/* The fallback as a restore file (replaces table inet xnft in one transaction). malloc'd. */
char *fallback_policy_text(const struct fallback_values *v);

/* True when a value may be written into the fallback ruleset text. */
int fallback_ifname_ok(const char *s);
int fallback_list_ok(const char *s);

#endif
