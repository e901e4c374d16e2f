// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One netlink dump read to its end (nldump.h).
 */
#include "core/nldump.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/common.h>
#include <linux/netfilter.h>

int nl_errno(int error)
{
	if (error == 0)
		return 0;   /* an ACK */
	if (error < 0 && error >= -4095)
		return -error;
	if (error > 0 && error <= 4095)
		return error;
	return EBADMSG;
}

/* One message of the dump: true at its end (DONE, or the kernel's error). */
static bool on_message(const struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		       struct nldump_result *r)
{
	if (nlh->nlmsg_type == NLMSG_DONE)
		return true;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		r->kernel_error = nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)) ? EBADMSG
										: nl_errno(err->error);
		return true;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->interrupted = true;
	if (r->cb_error || !cb || nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return false;
	errno = 0;
	if (cb(nlh, data) < MNL_CB_OK)
		r->cb_error = errno ? errno : EIO;
	return false;
}

static int wait_readable(struct mnl_socket *sock, int timeout_ms, struct xerr *e)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(sock), .events = POLLIN };
	int n;

	if (timeout_ms < 0)
		return 0;
	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "netlink: poll: %s", strerror(errno));
	if (n == 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "netlink dump: no answer from the kernel "
				"within %d ms", timeout_ms);
	return 0;
}

int nldump_run(struct mnl_socket *sock, void *buf, size_t buflen, const struct nlmsghdr *req,
	       int timeout_ms, mnl_cb_t cb, void *data, struct nldump_result *r, struct xerr *e)
{
	/* req may live in buf, which the answers overwrite */
	uint32_t portid = mnl_socket_get_portid(sock), seq = req->nlmsg_seq;
	bool done = false;

	memset(r, 0, sizeof(*r));
	if (mnl_socket_sendto(sock, req, req->nlmsg_len) < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "netlink request: %s", strerror(errno));
	while (!done) {
		const struct nlmsghdr *nlh = buf;
		ssize_t got;
		int left;

		if (wait_readable(sock, timeout_ms, e))
			return -1;
		got = mnl_socket_recvfrom(sock, buf, buflen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return xerr_set(e, XNFT_EXIT_USAGE, "netlink dump: %s", strerror(errno));
		left = (int)got;
		for (; mnl_nlmsg_ok(nlh, left) && !done; nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			done = on_message(nlh, cb, data, r);
		}
	}
	return 0;
}

/* 64 KiB: twice what one dump message takes */
#define NFT_DUMP_BUF (64u << 10)

int nldump_nft(uint16_t type, const char *what, mnl_cb_t cb, void *data,
	       struct nldump_result *r, struct xerr *e)
{
	struct mnl_socket *sock = mnl_socket_open(NETLINK_NETFILTER);
	char *buf = malloc(NFT_DUMP_BUF);
	struct nlmsghdr *nlh;
	int rc = -1;

	if (!sock || !buf || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s over netlink: %s", what,
			 buf ? strerror(errno) : "out of memory");
		goto out;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, 1);
	rc = nldump_run(sock, buf, NFT_DUMP_BUF, nlh, -1, cb, data, r, e);
out:
	if (sock)
		mnl_socket_close(sock);
	free(buf);
	return rc;
}
