// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/profile.h"

#include <stdio.h>
#include <string.h>

struct profile {
	const char *name;
	const char *iface;
	const char *port;
	const char *mesh[2];   /* NULL-padded */
};

static const struct profile profiles[] = {
	{ "tailscale", "tailscale0", "41641", { "100.64.0.0/10", "fd7a:115c:a1e0::/48" } },
	{ "headscale", "tailscale0", "41641", { "100.64.0.0/10", "fd7a:115c:a1e0::/48" } },
	{ "netbird", "wt0", "51820", { "100.64.0.0/10", NULL } },
};

int mesh_profile_apply(struct policy_values *v, const char *name, struct xerr *e)
{
	const struct profile *p = NULL;

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		p = !p && !strcmp(profiles[i].name, name) ? &profiles[i] : p;
	if (!p) {
		xerr_set(e, XNFT_EXIT_USAGE, "--profile: unknown profile '%s'", name);
		return xerr_hint(e, "profiles are tailscale, headscale and netbird");
	}
	policy_values_clear_mesh(v);
	v->wg_port_closed = true;
	if (policy_values_set_iface(v->mesh_if, "--profile", p->iface, e) < 0 ||
	    policy_values_set_port(&v->wg_port, "--profile", p->port, e) < 0 ||
	    policy_values_exempt_bogon(v, "100.64.0.0/10", e) < 0)
		return -1;
	for (size_t i = 0; i < 2 && p->mesh[i]; i++) {
		if (policy_values_add_mesh(v, p->mesh[i], e) < 0)
			return -1;
	}
	return 0;
}
