/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's own addresses, every interface, read over rtnetlink (libmnl):
 * an RTM_GETADDR dump, and a socket that hears when an address comes or
 * goes. The ban daemon keeps them on its whitelist: a forged log line
 * naming the host itself must not make it ban its own address.
 */
#ifndef XNFT_CORE_HOSTADDR_H
#define XNFT_CORE_HOSTADDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hostaddr {
	int family;           /* AF_INET or AF_INET6 */
	uint8_t addr[16];     /* network order */
};

/* Every address of every interface in the calling namespace (*out malloc'd). */
int hostaddr_read(struct hostaddr **out, size_t *n, struct xerr *e);

/* A non-blocking socket that turns readable when an address is added or removed. */
int hostaddr_watch_open(struct xerr *e);
/* Read what is pending; 1 when an address changed (or news were lost), else 0. */
int hostaddr_watch_read(int fd);

#endif
