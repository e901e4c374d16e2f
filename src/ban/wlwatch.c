// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whitelist watch (wlwatch.h): a netfilter netlink socket in the nf_tables
 * group and a routing one in the address groups, both in one epoll set. A
 * notification is matched on its table and set name only (the attributes
 * are read with libmnl; nothing else of the message matters). When the
 * kernel dropped notifications (ENOBUFS), nothing can be ruled out: read
 * the whitelist again.
 */
#include "ban/wlwatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "core/hostaddr.h"
#include "core/setelems.h"

#define RCVBUF_BYTES (4 << 20)

const char *const wl_policy_sets[] = {
	"MESH_PEERS", "MESH_PEERS6", "ADMIN_ALLOWLIST", "ADMIN_ALLOWLIST6",
};
const size_t wl_policy_nsets = sizeof(wl_policy_sets) / sizeof(wl_policy_sets[0]);

struct wlwatch {
	int ep, nft, addrs;
	char family[16];
	char table[CONFIG_NAME_MAX];
};

static int open_nft(struct xerr *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int grp = NFNLGRP_NFTABLES, big = RCVBUF_BYTES;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_NETFILTER);

	/* bound first: an unbound socket has no port and hears no group */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot watch nf_tables events: %s",
				strerror(err));
	}
	/* the ban writer's own elements come through here too: room for bursts */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fd;
}

int wlwatch_open(const struct xnft_config *cfg, struct wlwatch **out, struct xerr *e)
{
	struct wlwatch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN };

	*out = NULL;
	if (!w)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	w->nft = w->addrs = -1;
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0) {
		free(w);
		return xerr_set(e, XNFT_EXIT_USAGE, "epoll: %s", strerror(errno));
	}
	if ((w->nft = open_nft(e)) < 0 || (w->addrs = hostaddr_watch_open(e)) < 0) {
		wlwatch_close(w);
		return -1;
	}
	ev.data.fd = w->nft;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->nft, &ev) < 0) {
		wlwatch_close(w);
		return xerr_set(e, XNFT_EXIT_USAGE, "epoll: %s", strerror(errno));
	}
	ev.data.fd = w->addrs;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->addrs, &ev) < 0) {
		wlwatch_close(w);
		return xerr_set(e, XNFT_EXIT_USAGE, "epoll: %s", strerror(errno));
	}
	wlwatch_set_target(w, cfg);
	*out = w;
	return 0;
}

void wlwatch_set_target(struct wlwatch *w, const struct xnft_config *cfg)
{
	snprintf(w->family, sizeof(w->family), "%s", cfg->table_family);
	snprintf(w->table, sizeof(w->table), "%s", cfg->table);
}

int wlwatch_fd(const struct wlwatch *w)
{
	return w ? w->ep : -1;
}

struct names {
	uint16_t table_attr, name_attr;
	const char *table, *name;
};

static int name_cb(const struct nlattr *attr, void *data)
{
	struct names *n = data;
	uint16_t type = mnl_attr_get_type(attr);

	if ((type == n->table_attr || type == n->name_attr) &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
		if (type == n->table_attr)
			n->table = mnl_attr_get_str(attr);
		else
			n->name = mnl_attr_get_str(attr);
	}
	return MNL_CB_OK;
}

static bool is_policy_set(const char *name)
{
	for (size_t i = 0; i < wl_policy_nsets; i++)
		if (!strcmp(name, wl_policy_sets[i]))
			return true;
	return false;
}

/* Does this notification touch our table's whitelist sets (or the table itself)? */
static bool touches_whitelist(const struct wlwatch *w, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const char *fam;
	struct names n = { 0 };
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
		return false;
	fam = setelem_family_name(g->nfgen_family);
	if (!fam || strcmp(fam, w->family))
		return false;
	if (type == NFT_MSG_NEWSETELEM || type == NFT_MSG_DELSETELEM) {
		n.table_attr = NFTA_SET_ELEM_LIST_TABLE;
		n.name_attr = NFTA_SET_ELEM_LIST_SET;
	} else if (type == NFT_MSG_NEWSET || type == NFT_MSG_DELSET) {
		n.table_attr = NFTA_SET_TABLE;
		n.name_attr = NFTA_SET_NAME;
	} else if (type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE) {
		n.table_attr = NFTA_TABLE_NAME;
		n.name_attr = NFTA_TABLE_NAME;
	} else {
		return false;
	}
	mnl_attr_parse(nlh, sizeof(*g), name_cb, &n);
	if (!n.table || strcmp(n.table, w->table))
		return false;
	return type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE ||
	       (n.name && is_policy_set(n.name));
}

static bool read_nft(const struct wlwatch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 8] __attribute__((aligned(4)));
	bool changed = false;

	/* bounded: a flood of notifications must not hold the loop */
	for (int rounds = 0; rounds < 4096; rounds++) {
		ssize_t got = recv(w->nft, buf, sizeof(buf), 0);
		const struct nlmsghdr *nlh;
		int left;

		if (got < 0) {
			if (errno == ENOBUFS) {
				changed = true;   /* notifications lost: assume the worst */
				continue;
			}
			if (errno == EINTR)
				continue;
			return changed;
		}
		if (!got)
			return changed;
		left = (int)got;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			changed = changed || touches_whitelist(w, nlh);
	}
	return changed;
}

bool wlwatch_read(struct wlwatch *w)
{
	bool nft, addrs;

	if (!w)
		return false;
	nft = read_nft(w);
	addrs = hostaddr_watch_read(w->addrs) > 0;
	return nft || addrs;
}

void wlwatch_close(struct wlwatch *w)
{
	if (!w)
		return;
	if (w->nft >= 0)
		close(w->nft);
	if (w->addrs >= 0)
		close(w->addrs);
	if (w->ep >= 0)
		close(w->ep);
	free(w);
}
