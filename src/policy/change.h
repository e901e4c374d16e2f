/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Day-two changes to a host's values (policy/values.h holds the tree):
 * open or close a service to mesh peers, add or remove a break-glass
 * address. Each refuses what the policy exists to prevent, with the reason
 * and, where a human may insist, --force.
 */
#ifndef XNFT_POLICY_CHANGE_H
#define XNFT_POLICY_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "policy/render.h"

/*
 * `SERVICE|PROTO/PORT[-PORT] [from mesh|ADDR|CIDR] [--name TEXT]` as a
 * service rule: a known name maps to its protocol and port; from is NULL or
 * "mesh" for every mesh peer, else a prefix inside the mesh.
 */
int change_service_parse(struct policy_service *s, const struct policy_values *v,
			 const char *what, const char *from, const char *name, struct xerr *e);

/*
 * --rate N/UNIT: at most N new connections per UNIT (second, minute, hour,
 * day) from each source, with a burst of N; the rest are dropped.
 */
int change_service_rate(struct policy_service *s, const char *rate, struct xerr *e);

/* Add s to v's services; refuses SSH, the WireGuard port, a duplicate. */
int change_allow(struct policy_values *v, const struct policy_service *s, struct xerr *e);

/*
 * Remove the services equal to s (protocol, ports, source); *removed says
 * how many. With must_exist, none is an error that lists what is open.
 */
int change_deny(struct policy_values *v, const struct policy_service *s, bool must_exist,
		size_t *removed, struct xerr *e);

/* Add a break-glass prefix; a private range is refused unless force. */
int change_admin_add(struct policy_values *v, const char *cidr, bool force, struct xerr *e);

/* Remove one break-glass prefix, given exactly as listed. */
int change_admin_del(struct policy_values *v, const char *cidr, struct xerr *e);

/*
 * The policy's own named sets that live in owned lines: MESH_PEERS(6) and
 * ADMIN_ALLOWLIST(6). Other sets are refused with who owns them. add/del
 * take one element; list fills *list and *n (pointers into v).
 */
int change_set_add(struct policy_values *v, const char *set, const char *elem, bool force,
		   struct xerr *e);
int change_set_del(struct policy_values *v, const char *set, const char *elem, struct xerr *e);
int change_set_list(const struct policy_values *v, const char *set, const char (**list)[48],
		    size_t *n, struct xerr *e);

#endif
