// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Routes and links over rtnetlink: see rtnl.h.
 */
#include "core/rtnl.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "core/grow.h"
#include "core/nldump.h"

/* A dump of this host's links or addresses is small: two seconds is a kernel that does not answer. */
#define DUMP_TIMEOUT_MS 2000

/* Send the request built in buf and run cb on the answer (NULL: an ack is expected). */
static int exchange(char *buf, size_t size, mnl_cb_t cb, void *data, const char *what,
		    struct xerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned port;
	ssize_t n;
	int rc = -1;

	if (!nl)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", what, strerror(errno));
	nlh->nlmsg_seq = (unsigned)time(NULL);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	port = mnl_socket_get_portid(nl);
	n = mnl_socket_recvfrom(nl, buf, size);
	if (n >= 0 && mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, port, cb, data) >= 0)
		rc = 0;
out:
	if (rc)
		xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", what, strerror(errno));
	mnl_socket_close(nl);
	return rc;
}

static int route_attr(const struct nlattr *a, void *data)
{
	struct rtnl_route *r = data;

	if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		r->oif = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct rtnl_route *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_ERROR;
	r->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof(*rtm), route_attr, r);
}

int rtnl_route_get(int family, const void *addr, size_t alen, struct rtnl_route *out,
		   struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	memset(out, 0, sizeof(*out));
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, addr);
	return exchange(buf, sizeof(buf), on_route, out, "route lookup", e);
}

struct link_kind {
	char *kind;
	size_t size;
};

static int info_attr(const struct nlattr *a, void *data)
{
	struct link_kind *k = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(k->kind, k->size, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		return mnl_attr_parse_nested(a, info_attr, data);
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return MNL_CB_ERROR;
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, data);
}

int rtnl_link_kind(const char *name, char *kind, size_t size, struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct link_kind k = { kind, size };
	struct ifinfomsg *ifi;

	if (size)
		kind[0] = '\0';
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return exchange(buf, sizeof(buf), on_link, &k, "link lookup", e);
}

static int on_link_type(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return MNL_CB_ERROR;
	ifi = mnl_nlmsg_get_payload(nlh);
	*(unsigned *)data = ifi->ifi_type;
	return MNL_CB_OK;
}

int rtnl_link_type(const char *name, unsigned *type, struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return exchange(buf, sizeof(buf), on_link_type, type, "link lookup", e);
}

int rtnl_link_add(const char *name, const char *kind, struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_str(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return exchange(buf, sizeof(buf), NULL, NULL, "adding a link", e);
}

/* ---- bridge ports ---------------------------------------------------------------- */

struct link {
	uint32_t index, master;
	char name[16];
	char kind[16];
};

struct links {
	struct link *v;
	size_t n, cap;
};

static int dump_link_attr(const struct nlattr *a, void *data)
{
	struct link *l = data;
	struct link_kind k = { l->kind, sizeof(l->kind) };

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		return link_attr(a, &k);
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *ls = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link l = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	l.index = (uint32_t)ifi->ifi_index;
	mnl_attr_parse(nlh, sizeof(*ifi), dump_link_attr, &l);
	if (grow_for_one(&ls->v, &ls->cap, ls->n, sizeof(*ls->v), 16) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	ls->v[ls->n++] = l;
	return MNL_CB_OK;
}

/* The ports of the links that are bridges, from the links' list. */
static int ports_of(const struct links *ls, struct rtnl_brport **out, size_t *n)
{
	size_t cap = 0;

	for (size_t i = 0; i < ls->n; i++)
		for (size_t k = 0; ls->v[i].master && k < ls->n; k++) {
			struct rtnl_brport *v;

			if (ls->v[k].index != ls->v[i].master || strcmp(ls->v[k].kind, "bridge"))
				continue;
			if (grow_for_one(out, &cap, *n, sizeof(**out), 16))
				return -1;
			v = &(*out)[(*n)++];
			snprintf(v->port, sizeof(v->port), "%s", ls->v[i].name);
			snprintf(v->bridge, sizeof(v->bridge), "%s", ls->v[k].name);
		}
	return 0;
}

int rtnl_dump(uint16_t type, int (*cb)(const struct nlmsghdr *nlh, void *data), void *data,
	      const char *what, struct xerr *e)
{
	char buf[32768] __attribute__((aligned(4)));
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nldump_result r;
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int rc;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		if (nl)
			mnl_socket_close(nl);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open a routing netlink socket: %s",
				strerror(err));
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	rc = nldump_run(nl, buf, sizeof(buf), nlh, DUMP_TIMEOUT_MS, cb, data, &r, e);
	mnl_socket_close(nl);
	if (rc == 0 && (r.kernel_error || r.cb_error || r.interrupted))
		rc = xerr_set(e, XNFT_EXIT_USAGE, "reading %s: %s", what,
			      r.interrupted ? "they changed during the read" :
			      strerror(r.kernel_error ? r.kernel_error : r.cb_error));
	return rc;
}

int rtnl_bridge_ports(struct rtnl_brport **out, size_t *n, struct xerr *e)
{
	struct links ls = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	rc = rtnl_dump(RTM_GETLINK, link_cb, &ls, "the host's links", e);
	if (!rc && ports_of(&ls, out, n)) {
		free(*out);
		*out = NULL;
		*n = 0;
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	free(ls.v);
	return rc;
}
