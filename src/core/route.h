/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One route lookup over rtnetlink (RTM_GETROUTE), in the calling
 * namespace: the interface the kernel would send a packet to an address
 * out of. The tracer asks it, for a live ruleset, where a packet goes after
 * a dnat sent it on.
 */
#ifndef XNFT_CORE_ROUTE_H
#define XNFT_CORE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* daddr: 4 or 16 bytes, network order. The interface's name in oif; -1 (e set) when none. */
int route_oif(bool v6, const uint8_t *daddr, char *oif, size_t size, struct xerr *e);

/*
 * The first (primary) IPv4 address of interface ifname, where a redirect
 * sends what arrives on it (nf_nat_redirect_ipv4); -1 when it has none.
 */
int iface_first_ipv4(const char *ifname, uint8_t *addr);

#endif
