// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft status: what is loaded (fingerprint) against the on-disk policy
 * (drift) and against what the last apply loaded, the confirm window, the
 * lock, the last boot and the last runs from the journal.
 */
#include "apply/apply.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply/apply_int.h"
#include "apply/lock.h"
#include "apply/state.h"
#include "core/paths.h"
#include "core/policy_load.h"
#include "core/sandbox.h"

static void policy_fingerprint(struct apply_status *s)
{
	char entry[4096], incdir[4096];
	struct sandbox_result r;
	struct xerr e;
	bool present;

	memset(&r, 0, sizeof(r));
	if (policy_resolve(s->policy, entry, sizeof(entry), incdir, sizeof(incdir), &e) ||
	    sandbox_load(entry, incdir, &r, &e)) {
		if (e.file[0] && e.line)
			snprintf(s->policy_error, sizeof(s->policy_error), "%s:%d: %s", e.file,
				 e.line, e.msg);
		else
			snprintf(s->policy_error, sizeof(s->policy_error), "%s", e.msg);
		sandbox_result_free(&r);
		return;
	}
	if (table_fingerprint(&r.listing, s->policy_hash, &present, &e) == 0 && present)
		s->policy_loaded = true;
	else
		snprintf(s->policy_error, sizeof(s->policy_error), "%s",
			 present ? e.msg : "the policy does not create table inet xnft");
	sandbox_result_free(&r);
}

static bool is_final(const struct journal_entry *je)
{
	static const char *const steps[] = { "done", "rollback", "boot", "fallback", "confirm",
					     "revert" };
	static const char *const results[] = { "refused", "failed", "confirmed", "reverted",
					       "stale", "discarded", "dry-run" };

	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		if (!strcmp(je->result, results[i]))
			return true;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (!strcmp(je->step, steps[i]) && strcmp(je->result, "retry"))
			return true;
	}
	return false;
}

static void summarise(struct status_apply *a, const struct journal_entry *first,
		      const struct journal_entry *last, const struct apply_status *s)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", first->id);
	a->started = first->t;
	a->ended = last->t;
	snprintf(a->policy, sizeof(a->policy), "%s", first->msg);
	snprintf(a->last_step, sizeof(a->last_step), "%s", last->step);
	snprintf(a->msg, sizeof(a->msg), "%s", last->msg);
	if (is_final(last)) {
		snprintf(a->result, sizeof(a->result), "%s", last->result);
	} else if (!strcmp(last->result, "pending") && s->pending && s->pend.alive &&
		   !strcmp(s->pend.id, first->id)) {
		snprintf(a->result, sizeof(a->result), "pending");
	} else if (last->pid > 0 && kill((pid_t)last->pid, 0) == 0) {
		snprintf(a->result, sizeof(a->result), "running");
	} else {
		snprintf(a->result, sizeof(a->result), "interrupted");
	}
}

static void last_runs(struct apply_status *s)
{
	struct journal_entry *v;
	struct xerr ignored;
	size_t n;

	if (journal_read(&v, &n, &ignored))
		return;
	/* newest run first: walk back over the start lines */
	for (size_t i = n; i-- > 0 && s->napplies < STATUS_MAX_APPLIES;) {
		const struct journal_entry *last = NULL;

		if (strcmp(v[i].step, "start"))
			continue;
		struct status_apply *a = &s->applies[s->napplies];

		for (size_t k = i; k < n; k++) {
			if (!strcmp(v[k].id, v[i].id))
				last = &v[k];
		}
		summarise(a, &v[i], last, s);
		for (size_t k = i; k < n; k++) {
			struct status_step *st;

			if (strcmp(v[k].id, v[i].id))
				continue;
			if (a->nsteps == STATUS_MAX_STEPS) {
				memmove(a->steps, a->steps + 1, sizeof(a->steps[0]) * (STATUS_MAX_STEPS - 1));
				a->nsteps--;
			}
			st = &a->steps[a->nsteps++];
			st->t = v[k].t;
			snprintf(st->step, sizeof(st->step), "%s", v[k].step);
			snprintf(st->result, sizeof(st->result), "%s", v[k].result);
			snprintf(st->msg, sizeof(st->msg), "%s", v[k].msg);
		}
		s->napplies++;
	}
	free(v);
}

const char *live_kind_text(enum live_kind k)
{
	switch (k) {
	case LIVE_CONFIRMED: return "the confirmed policy";
	case LIVE_FALLBACK:  return "the built-in FALLBACK policy";
	case LIVE_PENDING:   return "the UNCONFIRMED policy of the pending apply";
	case LIVE_OTHER:     return "a table that is NEITHER the confirmed nor the fallback policy";
	case LIVE_NONE:      break;
	}
	return "NO xnft TABLE (the host is not filtered by xnft)";
}

/* Which known table the loaded one is: by fingerprint, the fallback by its comment. */
static void classify_live(struct apply_status *s)
{
	char *note = NULL, *text = NULL;
	struct xerr ignored;

	if (state_read(ST_CONFIRMED_HASH, &note, NULL, &ignored) == 0)
		kv_get(note, "fingerprint", s->confirmed_hash, sizeof(s->confirmed_hash));
	free(note);
	if (!s->live_present) {
		s->live_kind = LIVE_NONE;
	} else if (s->confirmed_hash[0] && s->confirmed_present &&
		   !strcmp(s->confirmed_hash, s->live_hash)) {
		s->live_kind = LIVE_CONFIRMED;
	} else if (s->pending && s->pend.alive && s->applied_hash[0] &&
		   !strcmp(s->applied_hash, s->live_hash)) {
		s->live_kind = LIVE_PENDING;
	} else if (table_list_text(&text, &ignored) == 0 && strstr(text, FALLBACK_COMMENT)) {
		s->live_kind = LIVE_FALLBACK;
	} else {
		s->live_kind = LIVE_OTHER;
	}
	free(text);
}

int apply_status(const char *policy, struct apply_status *s, struct xerr *e)
{
	char *text = NULL, path[4096];
	struct lock_holder h;
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (apply_state_absolute(e))
		return -1;
	/* a window whose guard was killed is reverted before anything is shown */
	s->reaped = apply_reap_dead_guard("xnft status") == 1;
	if (table_fingerprint_live(s->live_hash, &s->live_present, e))
		return -1;
	if (state_read(ST_APPLIED, &text, NULL, e) == 0) {
		kv_get(text, "hash", s->applied_hash, sizeof(s->applied_hash));
		if (!policy) {
			kv_get(text, "policy", s->policy, sizeof(s->policy));
			if (s->policy[0] == '(')
				s->policy[0] = '\0';
		}
		free(text);
	}
	if (policy)
		snprintf(s->policy, sizeof(s->policy), "%s", policy);
	else if (!s->policy[0])
		snprintf(s->policy, sizeof(s->policy), "%s", XNFT_DEFAULT_POLICY);
	policy_fingerprint(s);
	s->drift = s->policy_loaded && (!s->live_present || strcmp(s->live_hash, s->policy_hash));
	s->changed_since_apply = s->applied_hash[0] &&
				 (!s->live_present || strcmp(s->live_hash, s->applied_hash));
	if (state_path(path, sizeof(path), ST_CONFIRMED, e) == 0 && stat(path, &st) == 0) {
		struct xerr ce;

		s->confirmed_present = true;
		s->confirmed_at = st.st_mtime;
		/* what boot would find: a damaged file means the fallback at the next boot */
		if (restore_check(ST_CONFIRMED, ST_CONFIRMED_HASH, &ce)) {
			s->confirmed_damaged = true;
			snprintf(s->confirmed_error, sizeof(s->confirmed_error), "%s", ce.msg);
		}
	}
	s->pending = pending_read(&s->pend, e) == 0;
	classify_live(s);
	if (lock_holder(&h) == 0) {
		s->lock_pid = h.pid;
		s->lock_since = h.since;
		snprintf(s->lock_what, sizeof(s->lock_what), "%s", h.what);
	}
	text = NULL;
	if (state_read(ST_BOOT_LAST, &text, NULL, e) == 0) {
		kv_get(text, "source", s->boot_source, sizeof(s->boot_source));
		kv_get(text, "reason", s->boot_reason, sizeof(s->boot_reason));
		s->boot_at = (time_t)kv_get_ll(text, "time", 0);
		free(text);
	}
	last_runs(s);
	xerr_clear(e);
	return 0;
}
