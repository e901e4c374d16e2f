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
#include "core/ruleset.h"
#include "core/sandbox.h"

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

static int load_primary(const char *policy, enum boot_source *src, char *said, size_t n,
			struct xerr *e)
{
	char entry[4096], incdir[4096], got[TABLE_HASH_HEX];
	bool present = false;

	if (state_exists(ST_CONFIRMED)) {
		*src = BOOT_CONFIRMED;
		if (restore_verified(ST_CONFIRMED, ST_CONFIRMED_HASH, got, e))
			return -1;
		snprintf(said, n, "the last confirmed policy (%s/%s, checked against %s): table "
			 "%s %s %.12s", state_dir(), ST_CONFIRMED, ST_CONFIRMED_HASH,
			 XNFT_TABLE_FAMILY, XNFT_TABLE_NAME, got);
		return 0;
	}
	*src = BOOT_POLICY;
	if (policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), e))
		return xerr_wrap(e, "no confirmed policy in %s, and the on-disk policy", state_dir());
	if (table_commit_policy(entry, incdir, e))
		return xerr_wrap(e, "no confirmed policy in %s, and the on-disk policy", state_dir());
	if (table_present(&present, e) || !present)
		return xerr_set(e, XNFT_EXIT_USAGE, "the on-disk policy %s loaded, but no table "
				"%s %s is there afterwards", entry, XNFT_TABLE_FAMILY, XNFT_TABLE_NAME);
	snprintf(said, n, "the on-disk policy %s (nothing was confirmed yet in %s)", entry,
		 state_dir());
	return 0;
}

/*
 * The fallback's values: those recorded at the last confirm; when they hold
 * no way in (a lost state directory, a host that never confirmed), the
 * on-disk policy's own defines and sets, read in a private namespace.
 */
static void boot_fallback_values(const char *policy, struct fallback_values *v, char *from,
				 size_t n)
{
	char entry[4096], incdir[4096];
	struct ruleset *rs = NULL;
	struct sandbox_result sr;
	struct xerr ignored;

	fallback_values_state(v);
	snprintf(from, n, "%s/%s", state_dir(), ST_FALLBACK_VALUES);
	if (fallback_has_way_in(v) ||
	    policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), &ignored))
		return;
	memset(&sr, 0, sizeof(sr));
	if (sandbox_load(entry, incdir, &sr, &ignored) == 0)
		policy_load_listing(&sr.listing, entry, &rs, &ignored);
	sandbox_result_free(&sr);
	fallback_values_from_policy(rs, entry, incdir, v);
	ruleset_free(rs);
	snprintf(from, n, "the on-disk policy %s (%s/%s holds no way in)", entry, state_dir(),
		 ST_FALLBACK_VALUES);
}

static int load_fallback(const char *policy, char *said, size_t n, struct xerr *e)
{
	struct fallback_values *v = calloc(1, sizeof(*v));
	char from[1200], what[1500];
	int rc;

	if (!v)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	boot_fallback_values(policy, v, from, sizeof(from));
	fallback_describe(v, what, sizeof(what));
	if (!fallback_has_way_in(v)) {
		free(v);
		xerr_set(e, XNFT_EXIT_USAGE, "NOTHING WAS LOADED: no remote way in is known "
			 "(no admin allowlist, no mesh peers with a WireGuard port, in %s), and "
			 "a fallback without one would leave this host reachable from the console "
			 "only; the host has NO xnft table", from);
		return xerr_hint(e, "fix the policy and run 'xnft apply' (from the console, or "
				 "over SSH now that nothing is filtered)");
	}
	rc = fallback_load(v, e);
	free(v);
	if (rc == 0)
		snprintf(said, n, "%s, with the values of %s", what, from);
	return rc;
}

int apply_boot(const char *policy, const struct apply_progress *pr, struct boot_result *r,
	       struct xerr *e)
{
	const char *pol = policy ? policy : XNFT_DEFAULT_POLICY;
	enum boot_source src;
	struct xerr err;
	char id[32];

	memset(r, 0, sizeof(*r));
	journal_new_id(id, sizeof(id));
	if (apply_state_absolute(&err) || state_prepare(&err))
		apply_say(pr, NULL, "boot", "warning", "%s (going on without state)", err.msg);
	journal_append(id, "start", "start", "xnft boot");
	forget_pending(id);
	if (load_primary(pol, &src, r->loaded, sizeof(r->loaded), &err) == 0) {
		r->source = src;
		record_boot(id, src, "");
		apply_say(pr, id, "boot", "ok", "loaded %s", r->loaded);
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
	if (load_fallback(pol, r->loaded, sizeof(r->loaded), e)) {
		record_boot(id, BOOT_NONE, e->msg);
		journal_append(id, "fallback", "failed", "%s", e->msg);
		snprintf(r->loaded, sizeof(r->loaded), "NOTHING");
		return xerr_wrap(e, "the %s policy did not load (%s), and", src == BOOT_CONFIRMED ?
				 "confirmed" : "on-disk", err.msg);
	}
	r->source = BOOT_FALLBACK;
	record_boot(id, BOOT_FALLBACK, err.msg);
	apply_say(pr, id, "fallback", "loaded", "loaded %s", r->loaded);
	return 1;
}
