// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The admin's live SSH connections: SSH_CONNECTION, sshd's established
 * sockets (sock_diag) and a conntrack dump of established TCP connections
 * to or from this host's SSH ports, each located on the interface its
 * packets arrive by (an rtnetlink route lookup).
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
#include <netinet/tcp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "core/rtnl.h"
#include "core/strbuf.h"

void lockout_conns_free(struct lockout_conns *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

bool lockout_ports_has(const struct lockout_ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i] == port)
			return true;
	}
	return false;
}

void lockout_ports_add(struct lockout_ports *p, uint16_t port)
{
	if (port && !lockout_ports_has(p, port) && p->n < LOCKOUT_MAX_PORTS)
		p->v[p->n++] = port;
}

void lockout_from_text(unsigned from, char *buf, size_t n)
{
	static const char *const name[] = { "SSH_CONNECTION", "socket", "conntrack" };
	struct fixbuf b = { buf, n, 0 };

	buf[0] = '\0';
	for (unsigned i = 0; i < 3; i++) {
		if (from & (1u << i))
			fixbuf_addf(&b, "%s%s", b.len ? ", " : "", name[i]);
	}
}

static bool same_conn(const struct lockout_conn *x, const struct lockout_conn *y)
{
	return y->family == x->family && y->client_port == x->client_port &&
	       y->server_port == x->server_port && !strcmp(y->client, x->client) &&
	       !strcmp(y->server, x->server);
}

/* Add x, or note where else an already listed connection was found. */
static int push(struct lockout_conns *c, const struct lockout_conn *x)
{
	struct lockout_conn *v;

	for (size_t i = 0; i < c->n; i++) {
		if (same_conn(&c->v[i], x)) {
			c->v[i].from |= x->from;
			return 0;
		}
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
	c->from = LOCKOUT_FROM_ENV;
	return 0;
}

/* ---- route lookup ------------------------------------------------------- */

static int addr_bytes(int family, const char *s, unsigned char buf[16], size_t *len)
{
	*len = family == AF_INET ? 4 : 16;
	return inet_pton(family, s, buf) == 1 ? 0 : -1;
}

int lockout_route_iif(int family, const char *addr, char iif[IF_NAMESIZE])
{
	unsigned char buf[16];
	struct rtnl_route a;
	struct xerr ignored;   /* no route: the caller reports the interface as unknown */
	size_t len;

	iif[0] = '\0';
	if (addr_bytes(family, addr, buf, &len) || rtnl_route_get(family, buf, len, &a, &ignored))
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
	struct rtnl_route a;
	struct xerr ignored;
	size_t len;

	if (addr_bytes(family, addr, buf, &len) || rtnl_route_get(family, buf, len, &a, &ignored))
		return false;
	return a.type == RTN_LOCAL;
}

/* ---- sockets ----------------------------------------------------------- */

int lockout_conn_from_socket(const struct sockdiag_sock *s, struct lockout_conn *c)
{
	char a[INET6_ADDRSTRLEN];
	int fam;

	memset(c, 0, sizeof(*c));
	if (s->state != TCP_ESTABLISHED || (s->family != AF_INET && s->family != AF_INET6))
		return -1;
	inet_ntop(s->family, s->src, a, sizeof(a));
	fam = canon_addr(a, c->server);
	inet_ntop(s->family, s->dst, a, sizeof(a));
	if (fam < 0 || canon_addr(a, c->client) != fam) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	c->family = fam;
	c->server_port = s->sport;
	c->client_port = s->dport;
	c->from = LOCKOUT_FROM_SOCKET;
	return 0;
}

static bool inode_in(uint32_t ino, const uint32_t *v, size_t n)
{
	for (size_t i = 0; ino && i < n; i++) {
		if (v[i] == ino)
			return true;
	}
	return false;
}

/*
 * sshd's ports: those it listens on; for a socket-activated sshd (systemd
 * holds the listening socket) the local ports of its sessions on a known
 * SSH port. Its other sockets (a -L forward it opened) are not sessions.
 */
static void sshd_ports(const struct sockdiag_socks *ss, const uint32_t *ino, size_t nino,
		       const struct lockout_ports *known, struct lockout_ports *out)
{
	bool listens = false;

	for (size_t i = 0; i < ss->n; i++) {
		if (ss->v[i].state == TCP_LISTEN && inode_in(ss->v[i].inode, ino, nino)) {
			lockout_ports_add(out, ss->v[i].sport);
			listens = true;
		}
	}
	for (size_t i = 0; i < ss->n && !listens; i++) {
		if (ss->v[i].state == TCP_ESTABLISHED && inode_in(ss->v[i].inode, ino, nino) &&
		    lockout_ports_has(known, ss->v[i].sport))
			lockout_ports_add(out, ss->v[i].sport);
	}
}

/* The established sockets on a port sshd listens on or on one of the SSH ports. */
static int socket_conns(const struct lockout_ports *ports, struct lockout_conns *out,
			struct xerr *e)
{
	static const char *const names[] = LOCKOUT_SSHD_NAMES;
	struct sockdiag_socks ss;
	uint32_t *ino = NULL;
	size_t nino = 0;
	int rc = 0;

	if (sockdiag_tcp(SOCKDIAG_STATE(TCP_ESTABLISHED) | SOCKDIAG_STATE(TCP_LISTEN), &ss, e))
		return -1;
	if (sockdiag_inodes_of(names, sizeof(names) / sizeof(names[0]), &ino, &nino,
			       &out->sshd_procs, e)) {
		sockdiag_socks_free(&ss);
		return -1;
	}
	sshd_ports(&ss, ino, nino, ports, &out->sshd_ports);
	for (size_t i = 0; i < ss.n && !rc; i++) {
		const struct sockdiag_sock *s = &ss.v[i];
		struct lockout_conn c;

		if (!lockout_ports_has(ports, s->sport) && !lockout_ports_has(&out->sshd_ports, s->sport))
			continue;
		if (lockout_conn_from_socket(s, &c) == 0 && push(out, &c))
			rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	free(ino);
	sockdiag_socks_free(&ss);
	return rc;
}

/* ---- conntrack ---------------------------------------------------------- */

int lockout_ct_server_end(uint16_t osport, uint16_t odport, bool src_local, bool dst_local,
			  const struct lockout_ports *ports)
{
	if (dst_local && lockout_ports_has(ports, odport))
		return 'd';
	if (src_local && lockout_ports_has(ports, osport))
		return 's';
	return 0;
}

struct dump_ctx {
	const struct lockout_ports *ports;
	struct lockout_conns *out;
	bool oom;
};

/* One end of an entry's original direction as text: its family, or -1. */
static int ct_end(const struct nf_conntrack *ct, int fam, bool src, char out[INET6_ADDRSTRLEN])
{
	const void *a;

	if (fam == AF_INET)
		a = nfct_get_attr(ct, src ? ATTR_ORIG_IPV4_SRC : ATTR_ORIG_IPV4_DST);
	else if (fam == AF_INET6)
		a = nfct_get_attr(ct, src ? ATTR_ORIG_IPV6_SRC : ATTR_ORIG_IPV6_DST);
	else
		return -1;
	return a && inet_ntop(fam, a, out, INET6_ADDRSTRLEN) ? fam : -1;
}

static int on_conntrack(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *arg)
{
	struct dump_ctx *d = arg;
	char osrc[INET6_ADDRSTRLEN], odst[INET6_ADDRSTRLEN];
	uint16_t osport, odport;
	struct lockout_conn c;
	int fam, end;

	(void)type;
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_TCP ||
	    !nfct_attr_is_set(ct, ATTR_TCP_STATE) ||
	    nfct_get_attr_u8(ct, ATTR_TCP_STATE) != TCP_CONNTRACK_ESTABLISHED)
		return NFCT_CB_CONTINUE;
	osport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
	odport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	if (!lockout_ports_has(d->ports, osport) && !lockout_ports_has(d->ports, odport))
		return NFCT_CB_CONTINUE;
	fam = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	if (ct_end(ct, fam, true, osrc) < 0 || ct_end(ct, fam, false, odst) < 0)
		return NFCT_CB_CONTINUE;
	/* connections this host only forwards are someone else's */
	end = lockout_ct_server_end(osport, odport, is_local(fam, osrc), is_local(fam, odst),
				    d->ports);
	if (!end)
		return NFCT_CB_CONTINUE;
	memset(&c, 0, sizeof(c));
	c.family = fam;
	memcpy(c.client, end == 'd' ? osrc : odst, sizeof(c.client));
	memcpy(c.server, end == 'd' ? odst : osrc, sizeof(c.server));
	c.client_port = end == 'd' ? osport : odport;
	c.server_port = end == 'd' ? odport : osport;
	c.from = LOCKOUT_FROM_CONNTRACK;
	if (push(d->out, &c))
		d->oom = true;
	return NFCT_CB_CONTINUE;
}

int lockout_conntrack(const struct lockout_ports *ports, struct lockout_conns *out,
		      struct xerr *e)
{
	struct dump_ctx d = { ports, out, false };
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

int lockout_collect(const struct lockout_ports *ports, struct lockout_conns *out,
		    struct xerr *e)
{
	const char *env = getenv("SSH_CONNECTION");
	struct lockout_ports all = *ports;
	struct lockout_conn self;

	memset(out, 0, sizeof(*out));
	if (env && *env && lockout_parse_ssh_connection(env, &self) == 0) {
		if (push(out, &self))
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		lockout_ports_add(&all, self.server_port);
	}
	if (socket_conns(&all, out, e))
		goto fail;
	for (size_t i = 0; i < out->sshd_ports.n; i++)
		lockout_ports_add(&all, out->sshd_ports.v[i]);
	if (lockout_conntrack(&all, out, e))
		goto fail;
	for (size_t i = 0; i < out->n; i++)
		lockout_route_iif(out->v[i].family, out->v[i].client, out->v[i].iif);
	return 0;
fail:
	lockout_conns_free(out);
	return -1;
}
