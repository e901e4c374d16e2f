// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The admin's live SSH connections: SSH_CONNECTION and a conntrack dump of
 * established TCP connections to this host's SSH ports, each located on the
 * interface its packets arrive by (an rtnetlink route lookup).
 */
#include "apply/lockout.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

void lockout_conns_free(struct lockout_conns *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int push(struct lockout_conns *c, const struct lockout_conn *x)
{
	struct lockout_conn *v;

	for (size_t i = 0; i < c->n; i++) {
		const struct lockout_conn *y = &c->v[i];

		if (y->family == x->family && y->client_port == x->client_port &&
		    y->server_port == x->server_port && !strcmp(y->client, x->client) &&
		    !strcmp(y->server, x->server))
			return 0;
	}
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	v[c->n++] = *x;
	c->v = v;
	return 0;
}

/* ---- SSH_CONNECTION ----------------------------------------------------- */

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Canonical text of an address; the family it is of, or -1. */
static int canon_addr(const char *s, char out[INET6_ADDRSTRLEN])
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[INET6_ADDRSTRLEN + 8];
	size_t len = strlen(s);

	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len + 1);
	/* a link-local peer comes with its zone: fe80::1%eth0 */
	tmp[strcspn(tmp, "%")] = '\0';
	if (inet_pton(AF_INET, tmp, buf) == 1) {
		inet_ntop(AF_INET, buf, out, INET6_ADDRSTRLEN);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, tmp, buf) == 1) {
		/* an IPv4 client of a dual-stack sshd shows as ::ffff:a.b.c.d */
		if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)buf)) {
			inet_ntop(AF_INET, buf + 12, out, INET6_ADDRSTRLEN);
			return AF_INET;
		}
		inet_ntop(AF_INET6, buf, out, INET6_ADDRSTRLEN);
		return AF_INET6;
	}
	return -1;
}

int lockout_parse_ssh_connection(const char *value, struct lockout_conn *c)
{
	char buf[256], *f[5], *save = NULL;
	int nf = 0, fam1, fam2;

	memset(c, 0, sizeof(*c));
	if (!value || strlen(value) >= sizeof(buf))
		return -1;
	memcpy(buf, value, strlen(value) + 1);
	for (char *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (nf == 4)
			return -1;
		f[nf++] = t;
	}
	if (nf != 4)
		return -1;
	fam1 = canon_addr(f[0], c->client);
	fam2 = canon_addr(f[2], c->server);
	if (fam1 < 0 || fam1 != fam2 || parse_port(f[1], &c->client_port) ||
	    parse_port(f[3], &c->server_port)) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	c->family = fam1;
	c->source = "SSH_CONNECTION";
	return 0;
}

/* ---- route lookup ------------------------------------------------------- */

struct route_answer {
	int type;       /* RTN_LOCAL, RTN_UNICAST, ... */
	int oif;
};

static int route_get(int family, const void *addr, size_t alen, struct route_answer *a)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
		char attrs[64];
	} req;
	union {
		struct nlmsghdr h;
		char buf[4096];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct rtattr *rta;
	ssize_t n;
	int fd, rc = -1;

	memset(&req, 0, sizeof(req));
	memset(a, 0, sizeof(*a));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.rtm_family = (unsigned char)family;
	req.r.rtm_dst_len = (unsigned char)(alen * 8);
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
	rta->rta_type = RTA_DST;
	rta->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), addr, alen);
	req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(rta->rta_len);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		goto out;
	n = recv(fd, &ans, sizeof(ans), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct rtmsg)) || ans.h.nlmsg_type != RTM_NEWROUTE)
		goto out;
	{
		struct rtmsg *r = NLMSG_DATA(&ans.h);
		int len = (int)ans.h.nlmsg_len - (int)NLMSG_LENGTH(sizeof(*r));

		a->type = r->rtm_type;
		for (rta = RTM_RTA(r); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
			if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= sizeof(int))
				memcpy(&a->oif, RTA_DATA(rta), sizeof(int));
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int addr_bytes(int family, const char *s, unsigned char buf[16], size_t *len)
{
	*len = family == AF_INET ? 4 : 16;
	return inet_pton(family, s, buf) == 1 ? 0 : -1;
}

int lockout_route_iif(int family, const char *addr, char iif[IF_NAMESIZE])
{
	unsigned char buf[16];
	struct route_answer a;
	size_t len;

	iif[0] = '\0';
	if (addr_bytes(family, addr, buf, &len) || route_get(family, buf, len, &a))
		return -1;
	/* a client on this host itself talks over loopback */
	if (a.type == RTN_LOCAL) {
		snprintf(iif, IF_NAMESIZE, "lo");
		return 0;
	}
	if (!a.oif || !if_indextoname((unsigned)a.oif, iif)) {
		iif[0] = '\0';
		return -1;
	}
	return 0;
}

static bool is_local(int family, const char *addr)
{
	unsigned char buf[16];
	struct route_answer a;
	size_t len;

	if (addr_bytes(family, addr, buf, &len) || route_get(family, buf, len, &a))
		return false;
	return a.type == RTN_LOCAL;
}

/* ---- conntrack ---------------------------------------------------------- */

struct dump_ctx {
	const uint16_t *ports;
	size_t nports;
	struct lockout_conns *out;
	bool oom;
};

static int on_conntrack(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *arg)
{
	struct dump_ctx *d = arg;
	struct lockout_conn c;
	uint16_t dport;
	bool wanted = false;
	int fam;

	(void)type;
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_TCP ||
	    !nfct_attr_is_set(ct, ATTR_TCP_STATE) ||
	    nfct_get_attr_u8(ct, ATTR_TCP_STATE) != TCP_CONNTRACK_ESTABLISHED)
		return NFCT_CB_CONTINUE;
	dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	for (size_t i = 0; i < d->nports; i++)
		wanted |= d->ports[i] == dport;
	if (!wanted)
		return NFCT_CB_CONTINUE;
	memset(&c, 0, sizeof(c));
	fam = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	if (fam == AF_INET) {
		inet_ntop(AF_INET, nfct_get_attr(ct, ATTR_ORIG_IPV4_SRC), c.client, sizeof(c.client));
		inet_ntop(AF_INET, nfct_get_attr(ct, ATTR_ORIG_IPV4_DST), c.server, sizeof(c.server));
	} else if (fam == AF_INET6) {
		inet_ntop(AF_INET6, nfct_get_attr(ct, ATTR_ORIG_IPV6_SRC), c.client, sizeof(c.client));
		inet_ntop(AF_INET6, nfct_get_attr(ct, ATTR_ORIG_IPV6_DST), c.server, sizeof(c.server));
	} else {
		return NFCT_CB_CONTINUE;
	}
	c.family = fam;
	c.client_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
	c.server_port = dport;
	c.source = "conntrack";
	/* connections this host only forwards are someone else's */
	if (!is_local(fam, c.server))
		return NFCT_CB_CONTINUE;
	if (push(d->out, &c))
		d->oom = true;
	return NFCT_CB_CONTINUE;
}

int lockout_conntrack(const uint16_t *ports, size_t nports, struct lockout_conns *out,
		      struct xerr *e)
{
	struct dump_ctx d = { ports, nports, out, false };
	struct nfct_handle *h;
	uint32_t family = AF_UNSPEC;
	int rc;

	h = nfct_open(CONNTRACK, 0);
	if (!h)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open conntrack: %s", strerror(errno));
	nfct_callback_register(h, NFCT_T_ALL, on_conntrack, &d);
	rc = nfct_query(h, NFCT_Q_DUMP, &family);
	if (rc < 0) {
		int err = errno;

		nfct_close(h);
		/* no connection tracking in this kernel or namespace: nothing is tracked */
		if (err == ENOENT || err == EPROTONOSUPPORT || err == EOPNOTSUPP)
			return 0;
		xerr_set(e, XNFT_EXIT_USAGE, "conntrack dump failed: %s", strerror(err));
		return xerr_hint(e, "reading conntrack needs CAP_NET_ADMIN: run as root");
	}
	nfct_close(h);
	if (d.oom)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	return 0;
}

int lockout_collect(const uint16_t *ports, size_t nports, struct lockout_conns *out,
		    struct xerr *e)
{
	uint16_t all[LOCKOUT_MAX_PORTS + 1];
	const char *env = getenv("SSH_CONNECTION");
	struct lockout_conn self;
	size_t n = 0;

	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < nports && n < LOCKOUT_MAX_PORTS; i++)
		all[n++] = ports[i];
	if (env && *env && lockout_parse_ssh_connection(env, &self) == 0) {
		lockout_route_iif(self.family, self.client, self.iif);
		if (push(out, &self))
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		all[n++] = self.server_port;
	}
	if (lockout_conntrack(all, n, out, e)) {
		lockout_conns_free(out);
		return -1;
	}
	for (size_t i = 0; i < out->n; i++) {
		if (!out->v[i].iif[0])
			lockout_route_iif(out->v[i].family, out->v[i].client, out->v[i].iif);
	}
	return 0;
}
