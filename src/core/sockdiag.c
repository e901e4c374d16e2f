// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP sockets from sock_diag, and their owners from /proc (sockdiag.h).
 */
#include "core/sockdiag.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>

#include "core/nldump.h"

/* How long the kernel may take to answer one message of the dump. */
#define SOCKDIAG_TIMEOUT_MS 5000

void sockdiag_socks_free(struct sockdiag_socks *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int sockdiag_parse(const struct nlmsghdr *nlh, struct sockdiag_sock *s)
{
	const struct inet_diag_msg *m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return -1;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return -1;
	memset(s, 0, sizeof(*s));
	s->family = m->idiag_family;
	s->state = m->idiag_state;
	memcpy(s->src, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(s->dst, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	s->inode = m->idiag_inode;
	return 0;
}

static int on_sock(const struct nlmsghdr *nlh, void *data)
{
	struct sockdiag_socks *out = data;
	struct sockdiag_sock s, *v;

	if (sockdiag_parse(nlh, &s))
		return MNL_CB_OK;
	v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	v[out->n++] = s;
	out->v = v;
	return MNL_CB_OK;
}

static int dump_family(struct mnl_socket *sock, int family, unsigned states,
		       struct sockdiag_socks *out, struct xerr *e)
{
	char buf[32768];           /* nldump.h: holds any one dump message */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	struct nldump_result r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)family;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = states;
	if (nldump_run(sock, buf, sizeof(buf), nlh, SOCKDIAG_TIMEOUT_MS, on_sock, out, &r, e))
		return xerr_wrap(e, "sock_diag (%s TCP sockets)", family == AF_INET ? "IPv4" : "IPv6");
	if (r.cb_error)
		return xerr_set(e, XNFT_EXIT_USAGE, "sock_diag: %s", strerror(r.cb_error));
	/* a kernel built without IPv6 has no AF_INET6 sockets to show */
	if (r.kernel_error && !(family == AF_INET6 && r.kernel_error == ENOENT))
		return xerr_set(e, XNFT_EXIT_USAGE, "sock_diag (%s TCP sockets): %s",
				family == AF_INET ? "IPv4" : "IPv6", strerror(r.kernel_error));
	return 0;
}

int sockdiag_tcp(unsigned states, struct sockdiag_socks *out, struct xerr *e)
{
	struct mnl_socket *sock;
	int rc;

	out->v = NULL;
	out->n = 0;
	sock = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!sock)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open a sock_diag socket: %s",
				strerror(errno));
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = xerr_set(e, XNFT_EXIT_USAGE, "cannot bind a sock_diag socket: %s",
			      strerror(errno));
	} else {
		rc = dump_family(sock, AF_INET, states, out, e);
		if (!rc)
			rc = dump_family(sock, AF_INET6, states, out, e);
	}
	mnl_socket_close(sock);
	if (rc)
		sockdiag_socks_free(out);
	return rc;
}

/* ---- owners ------------------------------------------------------------------ */

struct inode_list {
	uint32_t *v;
	size_t n;
};

static int inode_add(struct inode_list *l, uint32_t ino)
{
	uint32_t *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	v[l->n++] = ino;
	l->v = v;
	return 0;
}

/* True when /proc/PID/comm is one of names[]. */
static bool comm_is(int procfd, const char *pid, const char *const *names, size_t nnames)
{
	char path[64], comm[32];
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/comm", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (got <= 0)
		return false;
	comm[got] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	for (size_t i = 0; i < nnames; i++) {
		if (!strcmp(comm, names[i]))
			return true;
	}
	return false;
}

/* The socket inodes among /proc/PID/fd/ *: -1 only when out of memory. */
static int socket_fds(int procfd, const char *pid, struct inode_list *l)
{
	char path[64], link[64];
	struct dirent *d;
	DIR *dir;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!rc && (d = readdir(dir))) {
		ssize_t n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);
		unsigned ino;

		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%u]", &ino) == 1)
			rc = inode_add(l, ino);
	}
	closedir(dir);
	return rc;
}

int sockdiag_inodes_of(const char *const *names, size_t nnames, uint32_t **inodes, size_t *n,
		       size_t *nprocs, struct xerr *e)
{
	struct inode_list l = { NULL, 0 };
	struct dirent *d;
	DIR *proc;
	int rc = 0;

	*inodes = NULL;
	*n = *nprocs = 0;
	proc = opendir("/proc");
	if (!proc)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot read /proc: %s", strerror(errno));
	while (!rc && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
		    !comm_is(dirfd(proc), d->d_name, names, nnames))
			continue;
		(*nprocs)++;
		rc = socket_fds(dirfd(proc), d->d_name, &l);
	}
	closedir(proc);
	if (rc) {
		free(l.v);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	*inodes = l.v;
	*n = l.n;
	return 0;
}
