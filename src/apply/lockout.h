/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lockout guard's input: the admin's live SSH connections, found three
 * ways and merged: the caller's own (SSH_CONNECTION="client_ip client_port
 * server_ip server_port", which sudo strips), every established TCP socket
 * in this namespace on a port sshd listens on or an SSH port (sock_diag:
 * found whether or not conntrack has seen the connection), and every established connection to or from this
 * host's SSH port(s) that conntrack knows, in either direction (an entry
 * picked up mid-stream from the server's side has the SSH port as its
 * original source port). Each comes with the interface its packets arrive
 * on (the route back to the client). Also: the ports sshd serves.
 */
#ifndef XNFT_APPLY_LOCKOUT_H
#define XNFT_APPLY_LOCKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>
#include <netinet/in.h>

#include "core/err.h"
#include "core/sockdiag.h"

#define LOCKOUT_MAX_PORTS 16

/* Where a connection was found, as a bit each (a connection may have several). */
enum {
	LOCKOUT_FROM_ENV = 1 << 0,        /* SSH_CONNECTION */
	LOCKOUT_FROM_SOCKET = 1 << 1,     /* an established socket of sshd (sock_diag) */
	LOCKOUT_FROM_CONNTRACK = 1 << 2,
};

/* Process names of sshd: the daemon and, from OpenSSH 9.8, its per-session child. */
#define LOCKOUT_SSHD_NAMES { "sshd", "sshd-session" }

/* A set of TCP ports, in the order they were added. */
struct lockout_ports {
	uint16_t v[LOCKOUT_MAX_PORTS];
	size_t n;
};

bool lockout_ports_has(const struct lockout_ports *p, uint16_t port);
void lockout_ports_add(struct lockout_ports *p, uint16_t port);

struct lockout_conn {
	int family;                        /* AF_INET or AF_INET6 */
	char client[INET6_ADDRSTRLEN];     /* the remote end */
	uint16_t client_port;
	char server[INET6_ADDRSTRLEN];     /* this host's address */
	uint16_t server_port;
	char iif[IF_NAMESIZE];             /* where its packets arrive; "" unknown */
	unsigned from;                     /* LOCKOUT_FROM_* */
};

/* "SSH_CONNECTION, socket, conntrack": where c was found. */
void lockout_from_text(unsigned from, char *buf, size_t n);

struct lockout_conns {
	struct lockout_conn *v;
	size_t n;
	struct lockout_ports sshd_ports;   /* ports sshd listens on (see lockout_collect) */
	size_t sshd_procs;                 /* sshd processes seen in /proc */
};

void lockout_conns_free(struct lockout_conns *c);

/*
 * Parse an SSH_CONNECTION value. 0 and *c filled, or -1 when it is not
 * four fields with two valid addresses of one family and two ports.
 */
int lockout_parse_ssh_connection(const char *value, struct lockout_conn *c);

/*
 * The SSH session of one socket from sock_diag (server = the socket's
 * local end; a v4-mapped IPv6 address becomes IPv4). -1 for a socket that
 * is not an established IPv4/IPv6 TCP connection.
 */
int lockout_conn_from_socket(const struct sockdiag_sock *s, struct lockout_conn *c);

/*
 * Which end of a conntrack entry (original direction osport -> odport) is
 * this host's SSH server: 'd' the original destination (the client opened
 * it, as usual), 's' the original source (the entry was picked up from the
 * server's side), 0 neither. dst_local/src_local: that address is this
 * host's.
 */
int lockout_ct_server_end(uint16_t osport, uint16_t odport, bool src_local, bool dst_local,
			  const struct lockout_ports *ports);

/*
 * Every established TCP connection from conntrack (calling namespace) to
 * or from one of the ports at an address of this host, added to out
 * without duplicates. A kernel without connection tracking gives none.
 */
int lockout_conntrack(const struct lockout_ports *ports, struct lockout_conns *out,
		      struct xerr *e);

/*
 * All three, merged: SSH_CONNECTION (when set), every established socket
 * whose local port is one of ports or one sshd listens on (found by the
 * listening socket's inode in /proc/PID/fd of a process named sshd:
 * out->sshd_ports), then conntrack for all those ports.
 */
int lockout_collect(const struct lockout_ports *ports, struct lockout_conns *out,
		    struct xerr *e);

/* The interface the route to addr leaves by (where the peer's packets come in). */
int lockout_route_iif(int family, const char *addr, char iif[IF_NAMESIZE]);

#endif
