/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container and VM managers on a host running the policy: `xnft init
 * --containers NAME` lets each one's bridge open new connections out
 * through the WAN interface in the forward chain (replies are established
 * already), by uncommenting the rule the policy ships commented or adding
 * it. Nothing is published: a port another table DNATs to a guest stays
 * dropped by the forward chain until a rule allows it.
 */
#ifndef XNFT_POLICY_CONTAINERS_H
#define XNFT_POLICY_CONTAINERS_H

#include "core/err.h"

/* The file of the written policy that holds the forward chain. */
#define POLICY_FORWARD_FILE "rules/80-forward.nft"

/* "docker", "podman", "libvirt", "lxd", "incus" into a bit of *mask; else a clear error. */
int policy_containers_add(unsigned *mask, const char *name, struct xerr *e);

/* Enable the bridge rules of every manager in mask in DIR's forward chain. */
int policy_containers_write(const char *dir, unsigned mask, struct xerr *e);

#endif
