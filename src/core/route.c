// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A route lookup over rtnetlink (route.h).
 */
#include "core/route.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/rtnl.h"

int route_oif(bool v6, const uint8_t *daddr, char *oif, size_t size, struct xerr *e)
{
	struct rtnl_route r;
	char name[IF_NAMESIZE];

	if (rtnl_route_get(v6 ? AF_INET6 : AF_INET, daddr, v6 ? 16 : 4, &r, e))
		return -1;
	if (!r.oif || !if_indextoname(r.oif, name))
		return xerr_set(e, XNFT_EXIT_USAGE, "no route to the address");
	snprintf(oif, size, "%s", name);
	return 0;
}

int iface_first_ipv4(const char *ifname, uint8_t *addr)
{
	struct ifaddrs *all, *i;
	int rc = -1;

	if (getifaddrs(&all))
		return -1;
	/* the dump lists an interface's IPv4 addresses primary first */
	for (i = all; i && rc; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, ifname))
			continue;
		memcpy(addr, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		rc = 0;
	}
	freeifaddrs(all);
	return rc;
}
