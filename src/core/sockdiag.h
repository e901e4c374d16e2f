/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TCP sockets of the calling network namespace, read from the kernel
 * (NETLINK_SOCK_DIAG, inet_diag), and which process owns them (by the
 * socket's inode in /proc/PID/fd). The lockout gate finds the admin's SSH
 * sessions this way: the sockets exist whether or not conntrack has ever
 * seen the connection, and whatever SSH_CONNECTION says.
 */
#ifndef XNFT_CORE_SOCKDIAG_H
#define XNFT_CORE_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "core/err.h"

struct sockdiag_sock {
	int family;                 /* AF_INET or AF_INET6 (v4-mapped addresses as the kernel has them) */
	uint8_t state;              /* TCP_ESTABLISHED, TCP_LISTEN, ... (netinet/tcp.h) */
	unsigned char src[16];      /* this host's end, network order (4 bytes used for IPv4) */
	unsigned char dst[16];      /* the peer; zero for a listening socket */
	uint16_t sport, dport;      /* host order */
	uint32_t inode;             /* 0: the socket has none (closing) */
};

struct sockdiag_socks {
	struct sockdiag_sock *v;
	size_t n;
};

void sockdiag_socks_free(struct sockdiag_socks *s);

/* The bit of a TCP state in a states mask: SOCKDIAG_STATE(TCP_LISTEN). */
#define SOCKDIAG_STATE(st) (1u << (st))

/*
 * Every IPv4 and IPv6 TCP socket in one of the states of the mask, in the
 * calling namespace. Needs no privilege (the kernel shows every socket of
 * the namespace; inodes of other users' sockets included).
 */
int sockdiag_tcp(unsigned states, struct sockdiag_socks *out, struct xerr *e);

/*
 * One inet_diag answer message into *s: 0, or -1 when it is not a
 * well-formed SOCK_DIAG_BY_FAMILY message of AF_INET or AF_INET6.
 */
int sockdiag_parse(const struct nlmsghdr *nlh, struct sockdiag_sock *s);

/*
 * The socket inodes held open by processes whose name (comm) is one of
 * names[] (nnames of them), from /proc/PID/fd. A process that goes away
 * while it is read, or whose fds cannot be read, is skipped. *inodes is
 * malloc'd (NULL when none); *nprocs counts the processes that matched.
 */
int sockdiag_inodes_of(const char *const *names, size_t nnames, uint32_t **inodes, size_t *n,
		       size_t *nprocs, struct xerr *e);

#endif
