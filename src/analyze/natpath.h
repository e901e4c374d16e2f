/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The NAT path: what the kernel does to a packet around the ruleset's own
 * nat statements, and the routing decisions that follow. One definition,
 * read by the concrete tracer (trace*.c) and the symbolic engine
 * (symexec.c), so that both give each construct the same meaning:
 *
 *  - ct status: a nat statement sets IPS_DST_NAT (dnat, redirect: at
 *    prerouting and output) or IPS_SRC_NAT (snat, masquerade: at
 *    postrouting and input) in the connection's status only when it
 *    changes the tuple (nf_nat_setup_info): a dnat to the address and port
 *    the packet already has, or a redirect of a packet to the input
 *    interface's first address without a new port, leaves the status as it
 *    was. A new connection has no other bit a rule can test before it is
 *    confirmed.
 *  - the target: what a dnat/redirect writes, when it is one constant
 *    (an address and/or a port); redirect goes to this host.
 *  - the route after a destination rewrite at prerouting: to this host
 *    (input) when the new destination is one of its addresses, else
 *    forwarded with the new address. The host's addresses are those of
 *    the live host (--live) or --local-addr; loopback addresses are always
 *    local; the original destination of a packet addressed to this host
 *    is local. With none given, a dnat to another address may go either
 *    way: both are taken (an over-approximation, said so).
 *  - martians: a packet to 127.0.0.0/8 or ::1 that arrives on an interface
 *    other than lo is dropped by the kernel: IPv6 in ipv6_rcv() before
 *    prerouting, IPv4 at the routing decision after prerouting (also after
 *    a dnat to such an address).
 *  - fib daddr type: local for the host's addresses (and loopback).
 */
#ifndef XNFT_ANALYZE_NATPATH_H
#define XNFT_ANALYZE_NATPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ruleset.h"

/* ct status bits (IPS_SRC_NAT, IPS_DST_NAT). */
enum { NATPATH_CT_SNAT = 1u << 4, NATPATH_CT_DNAT = 1u << 5 };

/* Which bindings a nat statement sets up (the tracer's NAT_SRC/NAT_DST). */
enum { NATPATH_SRC = 1, NATPATH_DST = 2 };

/* The ct status of a new connection after the bindings in `done` (NATPATH_SRC/DST). */
unsigned natpath_ct_status(unsigned done);

/* The binding a nat chain at hook h sets up. */
unsigned natpath_binding(enum rs_hook h);

/* What a dnat or redirect writes. */
struct natpath_target {
	bool redirect;          /* to this host: the address of the input interface */
	bool has_addr, has_port;
	bool v6;
	uint8_t addr[16];       /* network order; IPv4 in addr[0..3] */
	uint16_t port;
};

/*
 * The target of s (a dnat or redirect) for a packet of family v6; false
 * when it is not one constant address and/or port (a range, a map, an
 * expression): the caller then takes the destination as unknown.
 */
bool natpath_target(const struct rs_nat *n, bool v6, struct natpath_target *t);

/* "192.168.1.10:80", "192.168.1.10", ":22" (this host), "[2001:db8::2]:80". */
void natpath_target_format(const struct natpath_target *t, char *buf, size_t size);

enum natpath_where { NATPATH_LOCAL, NATPATH_REMOTE, NATPATH_EITHER };

enum natpath_change { NATPATH_CHANGED, NATPATH_SAME, NATPATH_MAYBE };

/*
 * Whether t changes the destination of a packet to daddr:dport (ports:
 * its protocol has them): only then is ct status dnat set. MAYBE: a
 * redirect that keeps the port, of a packet addressed to this host, changes
 * it only when the address is not the input interface's first one.
 */
enum natpath_change natpath_changes(const struct natpath_target *t, const uint8_t *daddr,
				    bool ports, uint16_t dport, bool orig_local);

/* Whether addr is one of the host's addresses (loopback always is). */
enum natpath_where natpath_addr_where(const struct ruleset *rs, bool v6, const uint8_t *addr);

/*
 * Where a packet goes after its destination was rewritten to t at
 * prerouting; orig_local: its old destination was this host's (input).
 */
enum natpath_where natpath_route(const struct ruleset *rs, const struct natpath_target *t,
				 bool orig_local);

bool natpath_loopback(bool v6, const uint8_t *addr);

/* A loopback destination on an interface other than lo: the kernel drops it. */
bool natpath_martian(bool v6, const uint8_t *daddr, const char *iif);

/* Why, in words, for traces and reports. */
extern const char natpath_martian_why[];

#endif
