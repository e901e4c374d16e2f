// SPDX-License-Identifier: GPL-2.0-or-later
/* The bridged path's hooks in order (bridged.h). */
#include "analyze/bridged.h"

#include <limits.h>

const struct bridged_step bridged_steps[] = {
	{ RS_HOOK_INGRESS, false, INT_MIN, INT_MAX },
	{ RS_HOOK_PREROUTING, false, INT_MIN, 0 },
	{ RS_HOOK_PREROUTING, true, 0, 0 },
	{ RS_HOOK_PREROUTING, false, 1, INT_MAX },
	{ RS_HOOK_FORWARD, false, INT_MIN, -1 },
	{ RS_HOOK_FORWARD, true, 0, 0 },
	{ RS_HOOK_FORWARD, false, 0, INT_MAX },
	{ RS_HOOK_POSTROUTING, false, INT_MIN, INT_MAX },
	{ RS_HOOK_POSTROUTING, true, 0, 0 },
	{ RS_HOOK_EGRESS, false, INT_MIN, INT_MAX },
};

const size_t bridged_nsteps = sizeof(bridged_steps) / sizeof(bridged_steps[0]);
