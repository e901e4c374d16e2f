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

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

static int attr_oif(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		*(uint32_t *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct rtmsg), attr_oif, data);
}

/* Send the request and read the one answer; the oif index or 0. */
static uint32_t ask(struct mnl_socket *nl, bool v6, const uint8_t *daddr, struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned seq = (unsigned)time(NULL), port = mnl_socket_get_portid(nl);
	struct rtmsg *rtm;
	uint32_t oif = 0;
	ssize_t n;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = v6 ? AF_INET6 : AF_INET;
	rtm->rtm_dst_len = v6 ? 128 : 32;
	mnl_attr_put(nlh, RTA_DST, v6 ? 16 : 4, daddr);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "route lookup: %s", strerror(errno));
		return 0;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, seq, port, on_route, &oif) < 0)
		xerr_set(e, XNFT_EXIT_USAGE, "route lookup: %s", strerror(errno));
	return oif;
}

int route_oif(bool v6, const uint8_t *daddr, char *oif, size_t size, struct xerr *e)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char name[IF_NAMESIZE];
	uint32_t idx = 0;

	if (!nl)
		return xerr_set(e, XNFT_EXIT_USAGE, "route lookup: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0)
		idx = ask(nl, v6, daddr, e);
	else
		xerr_set(e, XNFT_EXIT_USAGE, "route lookup: %s", strerror(errno));
	mnl_socket_close(nl);
	if (!idx || !if_indextoname(idx, name))
		return e->msg[0] ? -1 : xerr_set(e, XNFT_EXIT_USAGE, "no route to the address");
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
