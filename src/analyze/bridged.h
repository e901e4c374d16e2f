/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hooks a frame bridged from one port of a bridge to another meets, in
 * order: the in port's ingress, bridge prerouting, forward, postrouting,
 * the out port's egress (br_forward.c); where br_netfilter hands it on
 * (net/bridge/br_netfilter_hooks.c), also IP prerouting from priority 0 of
 * bridge prerouting (br_nf_pre_routing), IP forward from -1 of bridge
 * forward (br_nf_forward) and IP postrouting after the bridge's
 * postrouting chains (br_nf_post_routing at NF_BR_PRI_LAST). A ruleset's
 * chain at br_netfilter's own priority was registered after it and runs
 * first. One table for the engine (symexec.c) and the tracer (trace.c),
 * so that both take the same order; checked against the kernel in
 * test_bridge.sh.
 */
#ifndef XNFT_ANALYZE_BRIDGED_H
#define XNFT_ANALYZE_BRIDGED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ruleset.h"

struct bridged_step {
	enum rs_hook hook;
	bool ip;        /* br_netfilter's IP hook (its frames only), else the bridge's chains */
	int lo, hi;     /* the bridge chains' priorities this step runs */
};

extern const struct bridged_step bridged_steps[];
extern const size_t bridged_nsteps;

#endif
