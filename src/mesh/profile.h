/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `xnft init --profile NAME`: the policy values of a mesh run by another
 * control plane instead of a hand-made WireGuard config. Each of these
 * daemons traverses NAT itself (STUN, hole punching, relays), so no rule
 * opens its UDP port to the internet (wg_port_closed).
 *
 *   tailscale, headscale   tailscale0, 100.64.0.0/10 and fd7a:115c:a1e0::/48,
 *                          tailscaled's UDP port 41641
 *   netbird                wt0, 100.64.0.0/10, UDP 51820
 *
 * 100.64.0.0/10 is shared address space, a bogon on the WAN: it is taken
 * out of BOGON_V4, as these meshes hand it out.
 */
#ifndef XNFT_MESH_PROFILE_H
#define XNFT_MESH_PROFILE_H

#include "core/err.h"
#include "policy/render.h"

/* Set v's interface, mesh prefixes, port and bogon exemption for profile name. */
int mesh_profile_apply(struct policy_values *v, const char *name, struct xerr *e);

#endif
