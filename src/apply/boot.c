// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft boot: what the systemd unit runs before the network comes up. It
 * loads the last confirmed table; on a host that never confirmed one, the
 * on-disk policy; and when that fails, the built-in fallback, so the host
 * never comes up without a firewall. A confirm window that was open when
 * the host went down is over: the confirmed policy is what loads.
 */
#include "apply/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/apply_int.h"
#include "apply/fallback.h"
#include "apply/state.h"
#include "core/nftctx.h"
#include "core/paths.h"
#include "core/policy_load.h"

const char *boot_source_name(enum boot_source s)
{
	switch (s) {
	case BOOT_CONFIRMED: return "confirmed";
	case BOOT_POLICY:    return "policy";
	case BOOT_FALLBACK:  return "fallback";
	case BOOT_NONE:      break;
	}
	return "none";
}

static void record_boot(const char *id, enum boot_source src, const char *reason)
{
	char buf[1024];
	struct xerr ignored;
	int n;

	n = snprintf(buf, sizeof(buf), "id=%s\ntime=%lld\nsource=%s\nreason=%s\n", id,
		     (long long)time(NULL), boot_source_name(src), reason ? reason : "");
	if (n > 0 && (size_t)n < sizeof(buf))
		state_write_atomic(ST_BOOT_LAST, buf, (size_t)n, &ignored);
}

static void forget_pending(const char *id)
{
	struct pending_info p;
	struct xerr ignored;

	if (pending_read(&p, &ignored) != 0)
		return;
	/* At boot no guard can be alive: the window closed with the reboot. */
	journal_append(id, "boot", "discarded",
		       "apply %s was waiting for confirm when the host went down: not confirmed, "
		       "the confirmed policy loads instead", p.id);
	apply_record(p.id, p.policy, "", "reverted-by-reboot");
	state_remove(ST_PENDING, &ignored);
	state_remove(ST_CANDIDATE, &ignored);
	state_remove(ST_CONFIRM_REQ, &ignored);
	state_remove(ST_ROLLBACK_REQ, &ignored);
}

static int load_primary(const char *policy, enum boot_source *src, struct xerr *e)
{
	char entry[4096], incdir[4096];

	if (state_exists(ST_CONFIRMED)) {
		*src = BOOT_CONFIRMED;
		return table_restore(ST_CONFIRMED, e);
	}
	*src = BOOT_POLICY;
	if (policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), e))
		return xerr_wrap(e, "no confirmed policy in %s, and the on-disk policy", state_dir());
	return table_commit_policy(entry, incdir, e);
}

static int load_fallback(struct xerr *e)
{
	struct fallback_values v;
	struct nftctx *ctx;
	char *text = NULL, *policy;
	struct xerr ignored;
	int rc;

	if (state_read(ST_FALLBACK_VALUES, &text, NULL, &ignored) < 0)
		text = NULL;
	fallback_values_parse(text, &v);
	free(text);
	policy = fallback_policy_text(&v);
	if (!policy)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	ctx = nftctx_new(0, e);
	rc = ctx ? nftctx_load_buffer(ctx, "xnft-fallback", policy, NULL, e) : -1;
	nftctx_free(ctx);
	free(policy);
	return rc;
}

int apply_boot(const char *policy, const struct apply_progress *pr, struct boot_result *r,
	       struct xerr *e)
{
	enum boot_source src;
	struct xerr err;
	char id[32];

	memset(r, 0, sizeof(*r));
	journal_new_id(id, sizeof(id));
	if (apply_state_absolute(&err) || state_prepare(&err))
		apply_say(pr, NULL, "boot", "warning", "%s (going on without state)", err.msg);
	journal_append(id, "start", "start", "xnft boot");
	forget_pending(id);
	if (load_primary(policy ? policy : XNFT_DEFAULT_POLICY, &src, &err) == 0) {
		r->source = src;
		record_boot(id, src, "");
		apply_say(pr, id, "boot", "ok", "loaded the %s policy (%s)",
			  src == BOOT_CONFIRMED ? "last confirmed" : "on-disk",
			  src == BOOT_CONFIRMED ? ST_CONFIRMED : policy ? policy : XNFT_DEFAULT_POLICY);
		return 0;
	}
	if (err.file[0] && err.line > 0) {
		char msg[sizeof(err.msg)];

		snprintf(msg, sizeof(msg), "%s:%d: %s", err.file, err.line, err.msg);
		memcpy(err.msg, msg, sizeof(msg));
	}
	r->why_fallback = err;
	apply_say(pr, id, "boot", "failed", "the %s policy did not load: %s",
		  src == BOOT_CONFIRMED ? "confirmed" : "on-disk", err.msg);
	if (load_fallback(e)) {
		record_boot(id, BOOT_NONE, e->msg);
		journal_append(id, "fallback", "failed", "%s", e->msg);
		return xerr_wrap(e, "the built-in fallback policy did not load either");
	}
	r->source = BOOT_FALLBACK;
	record_boot(id, BOOT_FALLBACK, err.msg);
	apply_say(pr, id, "fallback", "loaded",
		  "the built-in FALLBACK policy is loaded: loopback, established, break-glass and "
		  "mesh SSH, WireGuard; everything else is dropped");
	return 1;
}
