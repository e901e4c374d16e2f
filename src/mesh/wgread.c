// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/wgread.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/grow.h"
#include "core/nldump.h"

#define UAPI_REPLY_MAX (16u * 1024 * 1024)

void wg_allowed_free(struct wg_allowed *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int push_prefix(struct wg_allowed *a, const struct prefix *p)
{
	if (grow_for_one(&a->v, &a->cap, a->n, sizeof(a->v[0]), 64))
		return -1;
	a->v[a->n++] = *p;
	return 0;
}

/* ---- userspace API ----------------------------------------------------------------- */

int wg_parse_uapi(const char *reply, struct wg_allowed *out, struct xerr *e)
{
	const char *line = reply;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[128];
		struct prefix p;
		struct xerr pe;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			if (!strncmp(buf, "public_key=", 11))
				out->npeers++;
			else if (!strncmp(buf, "allowed_ip=", 11)) {
				if (prefix_parse_flags(&p, buf + 11, PREFIX_KEEP_HOST_BITS, &pe) < 0)
					return xerr_set(e, XNFT_EXIT_USAGE, "WireGuard sent an "
							"allowed_ip that is not a prefix: %s", buf + 11);
				prefix_mask(&p);
				if (push_prefix(out, &p) < 0)
					return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			} else if (!strncmp(buf, "errno=", 6) && strcmp(buf, "errno=0"))
				return xerr_set(e, XNFT_EXIT_USAGE, "WireGuard's API answered %s", buf);
		}
		line += len + (nl ? 1 : 0);
	}
	return 0;
}

/* Read the reply up to the blank line that ends it (the daemon keeps the connection open). */
static char *uapi_reply(int fd)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;

		if (len + 4097 > cap) {
			char *b = cap >= UAPI_REPLY_MAX ? NULL : realloc(buf, cap = cap * 2 + 8192);

			if (!b) {
				free(buf);
				return NULL;
			}
			buf = b;
		}
		n = read(fd, buf + len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((len == 1 && buf[0] == '\n') || strstr(buf, "\n\n"))
			return buf;
	}
	free(buf);
	return NULL;
}

static int uapi_read(const char *path, struct wg_allowed *out, struct xerr *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	static const char req[] = "get=1\n\n";
	char *reply;
	int fd, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "socket: %s", strerror(errno));
	/* A hung daemon must not hang the sync: bounded reads. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "cannot connect to WireGuard's API %s: %s", path,
			 strerror(err));
		return xerr_hint(e, "is the WireGuard daemon (wireguard-go) for this interface "
				 "running?");
	}
	reply = fd_write_all(fd, req, sizeof(req) - 1) < 0 ? NULL : uapi_reply(fd);
	close(fd);
	if (!reply)
		return xerr_set(e, XNFT_EXIT_USAGE, "no complete reply from WireGuard's API %s",
				path);
	rc = wg_parse_uapi(reply, out, e);
	free(reply);
	out->source = "userspace API socket";
	return rc;
}

/* ---- kernel: generic netlink -------------------------------------------------------- */

static int family_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

/* One WGALLOWEDIP nest; a malformed one is left out (its peer gains nothing by it). */
static void allowed_ip(const struct nlattr *nest, struct wg_genl_state *st,
		       struct wg_allowed *out)
{
	const struct nlattr *a;
	struct prefix p = { 0 };
	const void *addr = NULL;
	size_t alen = 0;
	int cidr = -1;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case WGALLOWEDIP_A_FAMILY:
			if (mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
				p.family = mnl_attr_get_u16(a);
			break;
		case WGALLOWEDIP_A_IPADDR:
			addr = mnl_attr_get_payload(a);
			alen = mnl_attr_get_payload_len(a);
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			if (mnl_attr_validate(a, MNL_TYPE_U8) >= 0)
				cidr = mnl_attr_get_u8(a);
			break;
		}
	}
	if (!addr || cidr < 0 || (p.family != AF_INET && p.family != AF_INET6) ||
	    alen != (p.family == AF_INET ? 4u : 16u) || (unsigned)cidr > prefix_max_len(p.family))
		return;
	memcpy(p.addr, addr, alen);
	p.len = (unsigned)cidr;
	prefix_mask(&p);
	st->oom |= push_prefix(out, &p) < 0;
}

/*
 * A peer whose allowed IPs did not fit comes again in the next message with
 * its public key and the rest of them (the UAPI header says to coalesce
 * adjacent peers): it counts once.
 */
static void peer_key(const struct nlattr *a, struct wg_genl_state *st, struct wg_allowed *out)
{
	if (mnl_attr_get_payload_len(a) != WG_KEY_LEN)
		return;
	if (st->have_key && !memcmp(st->last_key, mnl_attr_get_payload(a), WG_KEY_LEN))
		return;
	memcpy(st->last_key, mnl_attr_get_payload(a), WG_KEY_LEN);
	st->have_key = true;
	out->npeers++;
}

static void peer_attrs(const struct nlattr *peer, struct wg_genl_state *st,
		       struct wg_allowed *out)
{
	const struct nlattr *a, *ip;

	mnl_attr_for_each_nested(a, peer) {
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY)
			peer_key(a, st, out);
		if (mnl_attr_get_type(a) != WGPEER_A_ALLOWEDIPS)
			continue;
		mnl_attr_for_each_nested(ip, a)
			allowed_ip(ip, st, out);
	}
}

struct device_ctx {
	struct wg_genl_state *st;
	struct wg_allowed *out;
};

static int device_cb(const struct nlmsghdr *nlh, void *data)
{
	struct device_ctx *c = data;
	const struct nlattr *a, *peer;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != WGDEVICE_A_PEERS)
			continue;
		mnl_attr_for_each_nested(peer, a)
			peer_attrs(peer, c->st, c->out);
	}
	return MNL_CB_OK;
}

/* A dump's NLMSG_DONE carries its result: a negative errno when it broke off. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = 0;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		errno = nl_errno(err);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* NLMSG_ERROR: an ACK (0) ends the answer, anything else is the kernel's errno. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = nl_errno(err->error);
	return MNL_CB_ERROR;
}

/* not const: libmnl 1.0.4 takes the array without const */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb };

/*
 * The buffer holds whole messages only. libmnl stops quietly at a message
 * cut short, and (1.0.4) takes an nlmsg_len of 2 GiB or more as negative,
 * so as fitting, and steps past the buffer: neither reaches it.
 */
static bool whole_messages(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)(p + off);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			return false;
		if (MNL_ALIGN(nlh->nlmsg_len) >= len - off)
			return true;   /* the last one (its padding may be left out) */
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	return off == len;
}

int wg_genl_feed(struct wg_genl_state *st, const void *buf, size_t len, unsigned seq,
		 unsigned portid, struct wg_allowed *out, struct xerr *e)
{
	struct device_ctx c = { st, out };
	int rc;

	if (!whole_messages(buf, len))
		return xerr_set(e, XNFT_EXIT_USAGE, "WireGuard's kernel module sent a netlink "
				"message that does not fit the %zu bytes received", len);
	errno = 0;
	rc = mnl_cb_run2(buf, len, seq, portid, device_cb, &c, ctl_cbs, NLMSG_MIN_TYPE);
	if (rc == MNL_CB_ERROR)
		return xerr_set(e, XNFT_EXIT_USAGE, "WireGuard's kernel module answered: %s",
				errno ? strerror(errno) : "a malformed message");
	if (st->oom)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	return rc == MNL_CB_STOP ? 0 : 1;
}

/* One request, answers until done: 0, or -errno from the kernel. */
static int gn_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned portid = mnl_socket_get_portid(nl), seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc = MNL_CB_OK;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (rc > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	return rc < 0 ? -errno : 0;
}

/* The WG_CMD_GET_DEVICE dump, every buffer through wg_genl_feed. */
static int device_dump(struct mnl_socket *nl, struct nlmsghdr *nlh, struct wg_allowed *out,
		       struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned portid = mnl_socket_get_portid(nl), seq = nlh->nlmsg_seq;
	struct wg_genl_state st = { 0 };
	ssize_t n;
	int rc = 1;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "generic netlink: %s", strerror(errno));
	while (rc > 0 && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		rc = wg_genl_feed(&st, buf, (size_t)n, seq, portid, out, e);
	if (rc > 0)   /* the socket ended before NLMSG_DONE: the list may be cut short */
		return xerr_set(e, XNFT_EXIT_USAGE, "generic netlink: the peer list ended early: %s",
				strerror(errno));
	return rc;
}

static struct nlmsghdr *gn_request(char *buf, uint16_t type, uint16_t flags, uint8_t cmd,
				   uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int kernel_read(const char *iface, struct wg_allowed *out, struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	struct nlmsghdr *nlh;
	uint16_t family = 0;
	int rc;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		if (nl)
			mnl_socket_close(nl);
		return xerr_set(e, XNFT_EXIT_USAGE, "generic netlink: %s", strerror(errno));
	}
	nlh = gn_request(buf, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	rc = gn_talk(nl, nlh, family_cb, &family);
	if (rc < 0 || !family) {
		mnl_socket_close(nl);
		xerr_set(e, XNFT_EXIT_USAGE, "%s is not a WireGuard interface: no userspace API "
			 "socket %s/%s.sock and no WireGuard kernel module", iface, WG_UAPI_DIR,
			 iface);
		return xerr_hint(e, "start wireguard-go or load the wireguard module");
	}
	nlh = gn_request(buf, family, NLM_F_ACK | NLM_F_DUMP, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, iface);
	rc = device_dump(nl, nlh, out, e);
	mnl_socket_close(nl);
	if (rc < 0) {
		xerr_wrap(e, "%s", iface);
		return xerr_hint(e, "is %s a WireGuard interface?", iface);
	}
	out->source = "kernel (generic netlink)";
	return 0;
}

/* ---- the interface ------------------------------------------------------------------- */

static int iface_up(const char *iface, struct xerr *e)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (strlen(iface) >= sizeof(ifr.ifr_name))
		return xerr_set(e, XNFT_EXIT_USAGE, "interface name too long: %s", iface);
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "socket: %s", strerror(errno));
	memcpy(ifr.ifr_name, iface, strlen(iface) + 1);
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	if (rc < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "no interface %s in this network namespace", iface);
		return xerr_hint(e, "bring the WireGuard interface up first (wg-quick up %s), or "
				 "name another with --iface", iface);
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		xerr_set(e, XNFT_EXIT_USAGE, "interface %s is down; MESH_PEERS is left as it is",
			 iface);
		return xerr_hint(e, "ip link set %s up (or wg-quick up %s)", iface, iface);
	}
	return 0;
}

int wg_read_allowed(const char *iface, struct wg_allowed *out, struct xerr *e)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int rc;

	memset(out, 0, sizeof(*out));
	if (iface_up(iface, e) < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s/%s.sock", WG_UAPI_DIR, iface) >= (int)sizeof(path))
		return xerr_set(e, XNFT_EXIT_USAGE, "interface name too long: %s", iface);
	rc = access(path, F_OK) ? kernel_read(iface, out, e) : uapi_read(path, out, e);
	if (rc < 0)
		wg_allowed_free(out);
	return rc;
}
