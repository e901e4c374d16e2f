/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Temporary break-glass entries (`xnft admin add CIDR --for 2h`): elements
 * of the loaded ADMIN_ALLOWLIST(6) with a timeout, which the kernel itself
 * removes when the time is up. They are never written to the policy files,
 * so nothing brings one back after its time (a reboot, a re-apply of the
 * files); the kernel's set is the truth about them.
 */
#ifndef XNFT_POLICY_TEMPADMIN_H
#define XNFT_POLICY_TEMPADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The longest --for: longer than this belongs in the files (xnft admin add CIDR). */
#define TEMPADMIN_MAX_SECS (30u * 86400)

/* --for DURATION ("90s", "2h", "1h30m") as whole seconds, 1 .. TEMPADMIN_MAX_SECS. */
int tempadmin_parse_for(const char *text, unsigned *secs, struct xerr *e);

/*
 * Add the n prefixes cidrs[] (already checked as admin add checks them) to
 * the loaded ADMIN_ALLOWLIST / ADMIN_ALLOWLIST6 of table inet xnft with a
 * timeout of secs, all in one transaction; one already there as a temporary
 * entry starts its time again. A table that is not loaded, or a set without
 * the timeout flag (a policy from before --for), is a clear error and
 * nothing is added.
 */
int tempadmin_add(char *const *cidrs, size_t n, unsigned secs, struct xerr *e);

/* One temporary entry in the kernel now. */
struct tempadmin_entry {
	char cidr[48];
	uint64_t timeout_ms;   /* as added */
	uint64_t expires_ms;   /* time left */
};

/*
 * The entries with a timeout in the loaded ADMIN_ALLOWLIST(6), IPv4 first;
 * *n = 0 when the table is not loaded. *v is malloc'd (free it).
 */
int tempadmin_list(struct tempadmin_entry **v, size_t *n, struct xerr *e);

#endif
