/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Named network namespaces (the ones `ip netns add` pins in /run/netns):
 * run a function inside one, in a forked child, so the caller's own
 * namespace never changes.
 */
#ifndef XNFT_CORE_NETNS_H
#define XNFT_CORE_NETNS_H

#include <sys/types.h>

#include "core/err.h"

/* Move the calling thread into /run/netns/<name>. */
int netns_enter(const char *name, struct xerr *e);

/*
 * Fork; the child enters namespace `name` and returns fn(arg, &err). The
 * child's error travels back to the parent through a pipe. Returns fn's
 * result (0 or -1 with e set).
 */
int netns_call(const char *name, int (*fn)(void *arg, struct xerr *e), void *arg,
	       struct xerr *e);

#endif
