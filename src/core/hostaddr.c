// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host addresses over rtnetlink (hostaddr.h). IFA_LOCAL is the address of
 * a point-to-point link's own end (IFA_ADDRESS is then the peer's), so it
 * wins when present.
 */
#include "core/hostaddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core/grow.h"
#include "core/rtnl.h"

struct addr_list {
	struct hostaddr *v;
	size_t n, cap;
};

struct ifa_attrs {
	const struct nlattr *local, *address;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct ifa_attrs *a = data;

	if (mnl_attr_get_type(attr) == IFA_LOCAL)
		a->local = attr;
	else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
		a->address = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct ifa_attrs a = { 0 };
	const struct nlattr *at;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	len = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	if (!len || mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &a) < 0)
		return MNL_CB_OK;
	at = a.local ? a.local : a.address;
	if (!at || mnl_attr_get_payload_len(at) != len)
		return MNL_CB_OK;
	if (grow_for_one(&l->v, &l->cap, l->n, sizeof(l->v[0]), 16)) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n].family = ifa->ifa_family;
	memcpy(l->v[l->n].addr, mnl_attr_get_payload(at), len);
	l->n++;
	return MNL_CB_OK;
}

int hostaddr_read(struct hostaddr **out, size_t *n, struct xerr *e)
{
	struct addr_list l = { 0 };

	*out = NULL;
	*n = 0;
	if (rtnl_dump(RTM_GETADDR, addr_cb, &l, "the host's addresses", e)) {
		free(l.v);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int hostaddr_watch_open(struct xerr *e)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot watch the host's addresses: %s",
				strerror(err));
	}
	return fd;
}

int hostaddr_watch_read(int fd)
{
	char buf[8192];
	int changed = 0;
	ssize_t got;

	/* bounded: addresses flapping without end must not hold the caller */
	for (int rounds = 0; rounds < 1024 && (got = recv(fd, buf, sizeof(buf), 0)) != 0;
	     rounds++) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				changed = 1;   /* news lost: read the addresses again */
			break;
		}
		changed = 1;
	}
	return changed;
}
