// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Routes and links over rtnetlink through libmnl, in the calling network
 * namespace: one request, its answer matched by sequence number and port.
 */
#ifndef XNFT_CORE_RTNL_H
#define XNFT_CORE_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct nlmsghdr;

struct rtnl_route {
	int type;         /* RTN_LOCAL, RTN_UNICAST, ... */
	uint32_t oif;     /* the output interface's index, 0 when none */
};

/* The kernel's route to addr (alen 4 or 16 bytes, network order) of family AF_INET/AF_INET6. */
int rtnl_route_get(int family, const void *addr, size_t alen, struct rtnl_route *out,
		   struct xerr *e);

/*
 * A whole-table dump of rtnetlink message type `type` (RTM_GETLINK,
 * RTM_GETADDR, ...) for every family, each answer to cb(nlh, data); a
 * callback error, a kernel error or a dump interrupted by a change is an
 * error "reading WHAT: ...". 0 or -1 (e set).
 */
int rtnl_dump(uint16_t type, int (*cb)(const struct nlmsghdr *nlh, void *data), void *data,
	      const char *what, struct xerr *e);

/* A bridge port: the link `port` whose master is the bridge `bridge`. */
struct rtnl_brport {
	char port[16];
	char bridge[16];
};

/*
 * Every bridge port in the calling namespace (an RTM_GETLINK dump: a link
 * whose IFLA_MASTER is a link of IFLA_INFO_KIND "bridge"); *out malloc'd,
 * NULL when there is none.
 */
int rtnl_bridge_ports(struct rtnl_brport **out, size_t *n, struct xerr *e);

/*
 * The kind of link name ("veth", "bridge", "wireguard", ...) into kind[0..size);
 * "" for a device with none (a physical NIC, lo). -1 (e set) when there is no
 * such link or the kernel does not answer.
 */
int rtnl_link_kind(const char *name, char *kind, size_t size, struct xerr *e);

/* The ARPHRD_* type of link name (1 Ethernet, 772 loopback, 65534 none: tun, wg); -1 (e set) if none. */
int rtnl_link_type(const char *name, unsigned *type, struct xerr *e);

/* Create a link named name of the given kind ("dummy", ...); -1 (e set) when the kernel refuses. */
int rtnl_link_add(const char *name, const char *kind, struct xerr *e);

#endif
