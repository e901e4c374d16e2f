// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mesh checks: a break-glass rule that only mesh packets reach (XL040), and
 * bogon checks placed where loopback traffic (XL041) or replies of
 * established connections (XL042) still reach them.
 */
#include <string.h>
#include <strings.h>

#include "analyze/lint_int.h"

static bool has_word(const char *s, const char *w)
{
	return s && strcasestr(s, w) != NULL;
}

static bool saddr_match(const struct rs_match *m)
{
	return lint_is_field(m->left, RS_F_IP_SADDR) || lint_is_field(m->left, RS_F_IP6_SADDR);
}

/* ---- XL040 ------------------------------------------------------------------------------ */

static bool breakglass(const struct rs_rule *r)
{
	if (has_word(r->comment, "break-glass") || has_word(r->comment, "breakglass") ||
	    has_word(r->comment, "break glass"))
		return true;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_match *m = &r->items[i].u.match;

		if (r->items[i].kind == RS_ST_MATCH && saddr_match(m) && m->op == RS_OP_EQ &&
		    m->right.kind == RS_TERM_SETREF &&
		    (has_word(m->right.set_name, "admin") ||
		     has_word(m->right.set_name, "breakglass") ||
		     has_word(m->right.set_name, "break_glass")))
			return true;
	}
	return false;
}

static void breakglass_mesh_only(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	const struct lint_ifaces *fs = &x->ifs;
	uint64_t ifs = cells_ifaces(&ri->matched);
	struct lint_finding *f;

	if (lint_verdict(ri->r) != LINT_V_ACCEPT || !ifs || !breakglass(ri->r))
		return;
	if (ifs & ~(fs->mesh | (1ULL << fs->lo) | (1ULL << fs->none)))
		return;
	if (!(ifs & fs->mesh))
		return;
	f = lint_add(x, "XL040", LINT_ERROR, ri->r,
		     "this break-glass rule is reached only by packets from the mesh interface: "
		     "when the mesh is down, which is when break-glass is needed, it never fires");
	lint_hint(f, "move it into the input chain before the jump for the mesh interface, "
		  "without an interface match (it has its own allowlist and rate limit)");
}

/* ---- XL041, XL042 ---------------------------------------------------------------------- */

/*
 * A bogon check drops sources from ranges a host or its provider uses
 * itself: private, shared, link-local (the cloud metadata service), unique
 * local, and loopback. Any of these in a dropped saddr set is enough.
 */
static bool bogon_term(const struct rs_term *t, bool loopback)
{
	static const char *const v4[] = { "10.0.0.1", "172.16.0.1", "192.168.0.1",
					   "169.254.169.254", "100.64.0.1", "127.0.0.1" };
	static const char *const v6[] = { "fd00::1", "fe80::1", "::1" };
	/* the loopback address is last in each list */
	size_t n4 = sizeof(v4) / sizeof(v4[0]) - !loopback;
	size_t n6 = sizeof(v6) / sizeof(v6[0]) - !loopback;
	struct rs_value v;

	for (size_t i = 0; i < n4; i++) {
		if (rs_value_parse(&v, RS_DT_IPV4, 32, v4[i]) == 0 && lint_term_has(t, &v) == 1) {
			rs_value_free(&v);
			return true;
		}
		rs_value_free(&v);
	}
	for (size_t i = 0; i < n6; i++) {
		if (rs_value_parse(&v, RS_DT_IPV6, 128, v6[i]) == 0 && lint_term_has(t, &v) == 1) {
			rs_value_free(&v);
			return true;
		}
		rs_value_free(&v);
	}
	return false;
}

/*
 * With loopback false, only ranges a reply can honestly come from count: a
 * 127/8 source on a real interface is forged whatever its state.
 */
static bool bogon_drop(const struct rs_rule *r, bool loopback)
{
	if (lint_verdict(r) != LINT_V_DROP)
		return false;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_match *m = &r->items[i].u.match;

		if (r->items[i].kind == RS_ST_MATCH && saddr_match(m) && m->op == RS_OP_EQ &&
		    bogon_term(&m->right, loopback))
			return true;
	}
	return false;
}

static void bogon_loopback(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	struct lint_finding *f;

	if (!(cells_ifaces(&ri->matched) & (1ULL << x->ifs.lo)))
		return;
	f = lint_add(x, "XL041", LINT_ERROR, ri->r,
		     "loopback traffic reaches this bogon check: the host's own packets on lo "
		     "come from 127.0.0.1, ::1 or its own private addresses, and are dropped");
	lint_hint(f, "accept `iif lo` before every bogon check, or limit the check to the public "
		  "interface (`iifname $WAN_IF`)");
}

static void bogon_established(struct lint_ctx *x, const struct lint_rinfo *ri)
{
	struct cells est = ri->matched;
	struct lint_finding *f;

	cells_keep_ct(&est, (1u << LINT_CT_ESTABLISHED) | (1u << LINT_CT_RELATED));
	/* from an interface: locally generated packets (output) have their own story */
	cells_keep_if(&est, ~((1ULL << x->ifs.lo) | (1ULL << x->ifs.none)));
	if (cells_empty(&est))
		return;
	f = lint_add(x, "XL042", LINT_ERROR, ri->r,
		     "replies of this host's own connections reach this bogon check: answers from "
		     "a private DNS resolver or the cloud metadata service (169.254.169.254) "
		     "come from bogon addresses and are dropped");
	lint_hint(f, "accept `ct state established,related` before the bogon check, or check "
		  "only new connections (`ct state new ip saddr @BOGON_V4 drop`)");
}

void lint_check_mesh(struct lint_ctx *x)
{
	for (size_t c = 0; c < x->nch; c++) {
		for (size_t i = 0; i < x->ch[c].c->nrules; i++) {
			const struct lint_rinfo *ri = &x->ch[c].ri[i];

			breakglass_mesh_only(x, ri);
			if (cells_empty(&ri->matched))
				continue;
			if (bogon_drop(ri->r, true))
				bogon_loopback(x, ri);
			if (bogon_drop(ri->r, false))
				bogon_established(x, ri);
		}
	}
}
