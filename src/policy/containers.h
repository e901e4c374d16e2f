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

/* The managers xnft knows: name and bridge of the i-th, 0 <= i < count. */
size_t policy_containers_count(void);
const char *policy_containers_name(size_t i);
const char *policy_containers_bridge(size_t i);

/* The managers whose bridge rule is enabled (a rule line, not a comment) in text, as a mask. */
unsigned policy_containers_enabled(const char *text);

struct policy_tree;

/*
 * The day-two change (xnft containers add|del): in the rendered forward file
 * of t, enable the bridge rules of the managers in add and disable those in
 * del. Disabling comments the shipped example line out again and removes a
 * rule xnft or a person added for that bridge.
 */
int policy_containers_change(struct policy_tree *t, unsigned add, unsigned del, struct xerr *e);

#endif
