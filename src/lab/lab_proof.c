// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What xnft proves about the lab host before the demo sends a packet: the
 * ruleset loaded in the host's namespace, read as `xnft exposure --live`
 * reads it, every new connection it accepts (for every possible packet, not
 * by probing), and the policy's intents proven against it. The demo's real
 * traffic comes after and must tell the same story.
 */
#include "lab/lab.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "analyze/exposure.h"
#include "analyze/symexec.h"
#include "analyze/verify.h"
#include "core/clock.h"
#include "core/netns.h"
#include "core/policy_load.h"
#include "core/ruleset.h"

#define LAB_WAN_IF "eth0"

static void add_lines(struct lab_proof *p, const struct ds_lines *l, int forward)
{
	for (size_t i = 0; i < l->n; i++) {
		struct lab_proof_line *o;
		char *body;

		if (p->nlines == LAB_PROOF_LINES) {
			p->truncated = 1;
			return;
		}
		o = &p->lines[p->nlines++];
		o->forward = forward;
		snprintf(o->iface, sizeof(o->iface), "%s", l->v[i].iface);
		body = ds_line_body(&l->v[i]);
		snprintf(o->text, sizeof(o->text), "%s", body ? body : l->v[i].text);
		free(body);
	}
	p->truncated |= l->truncated;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && !strcmp(s + n - k, tail);
}

/*
 * Sort the lines for new connections from the internet: to the WireGuard
 * port alone ("udp dport 51820", not "{ 51820, 53 }"), the admin's
 * break-glass SSH, or anything else.
 */
static void count_wan(struct lab_proof *p, const struct exposure *wan)
{
	char wg[32], ssh[32];

	snprintf(wg, sizeof(wg), ": udp dport %d", LAB_WG_PORT);
	snprintf(ssh, sizeof(ssh), ": tcp dport %d", LAB_TCP_SSH);
	p->wan_lines = wan->input.n;
	for (size_t i = 0; i < wan->input.n; i++) {
		const char *t = wan->input.v[i].text;

		if (ends_with(t, wg))
			p->wan_wireguard++;
		else if (!strncmp(t, "IPv4 source in @ADMIN_ALLOWLIST", 31) && ends_with(t, ssh))
			p->wan_breakglass++;
	}
}

static int prove_here(struct lab_proof *p, const struct ruleset *rs, struct xerr *e)
{
	const struct exposure_query every = { NULL, true }, wan = { LAB_WAN_IF, true };
	struct exposure all, from_wan;
	struct verify_result vr;
	struct sx_engine g;
	int rc;

	if (sx_engine_start(rs, &g, e))
		return -1;
	rc = exposure_compute(rs, &g, &every, &all, e);
	if (!rc) {
		add_lines(p, &all.input, 0);
		add_lines(p, &all.forward, 1);
		exposure_free(&all);
		rc = exposure_compute(rs, &g, &wan, &from_wan, e);
	}
	if (!rc) {
		count_wan(p, &from_wan);
		exposure_free(&from_wan);
		rc = verify_policy(LAB_POLICY_DIR "/nftables.conf", LAB_POLICY_DIR, rs, &g, NULL,
				   &vr, e);
	}
	if (!rc) {
		p->intents = vr.n;
		p->held = vr.held;
		verify_result_free(&vr);
	}
	sx_engine_stop(&g);
	return rc;
}

/* Runs in the host's namespace (netns_call): p is shared with the parent. */
static int prove_child(void *arg, struct xerr *e)
{
	struct lab_proof *p = arg;
	struct ruleset *rs = NULL;
	long long t0;
	int rc;

	t0 = clock_mono_ms();
	if (policy_load_live(&rs, e))
		return -1;
	rc = prove_here(p, rs, e);
	ruleset_free(rs);
	p->elapsed_ms = (long)(clock_mono_ms() - t0);
	return rc;
}

int lab_prove(struct lab_proof *out, struct xerr *e)
{
	struct lab_proof *shm = lab_shared_alloc(sizeof(*shm), e);
	int rc;

	if (!shm)
		return -1;
	memset(shm, 0, sizeof(*shm));
	rc = netns_call(LAB_NS_HOST, prove_child, shm, e);
	if (rc == 0)
		*out = *shm;
	munmap(shm, sizeof(*shm));
	if (rc)
		xerr_wrap(e, "proving what the ruleset in %s accepts", LAB_NS_HOST);
	return rc;
}
