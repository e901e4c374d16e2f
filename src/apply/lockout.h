/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lockout guard's input: the admin's live SSH connections. The caller's
 * own (SSH_CONNECTION="client_ip client_port server_ip server_port") and
 * every established TCP connection to this host's SSH port(s) that the
 * kernel's connection tracking knows (libnetfilter_conntrack), each with
 * the interface its packets arrive on (the route back to the client).
 */
#ifndef XNFT_APPLY_LOCKOUT_H
#define XNFT_APPLY_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#include <net/if.h>
#include <netinet/in.h>

#include "core/err.h"

#define LOCKOUT_MAX_PORTS 8

struct lockout_conn {
	int family;                        /* AF_INET or AF_INET6 */
	char client[INET6_ADDRSTRLEN];     /* the remote end */
	uint16_t client_port;
	char server[INET6_ADDRSTRLEN];     /* this host's address */
	uint16_t server_port;
	char iif[IF_NAMESIZE];             /* where its packets arrive; "" unknown */
	const char *source;                /* "SSH_CONNECTION" or "conntrack" */
};

struct lockout_conns {
	struct lockout_conn *v;
	size_t n;
};

void lockout_conns_free(struct lockout_conns *c);

/*
 * Parse an SSH_CONNECTION value. 0 and *c filled, or -1 when it is not
 * four fields with two valid addresses of one family and two ports.
 */
int lockout_parse_ssh_connection(const char *value, struct lockout_conn *c);

/*
 * Every established TCP connection from conntrack (calling namespace) whose
 * original destination port is one of ports[] and whose destination is an
 * address of this host. A kernel without connection tracking gives none.
 */
int lockout_conntrack(const uint16_t *ports, size_t nports, struct lockout_conns *out,
		      struct xerr *e);

/*
 * Both of the above, without duplicates: SSH_CONNECTION first (from the
 * environment variable, when set), its server port added to ports.
 */
int lockout_collect(const uint16_t *ports, size_t nports, struct lockout_conns *out,
		    struct xerr *e);

/* The interface the route to addr leaves by (where the peer's packets come in). */
int lockout_route_iif(int family, const char *addr, char iif[IF_NAMESIZE]);

#endif
