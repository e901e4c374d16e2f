// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The safe-apply protocol, step by step. Until the commit step nothing in
 * the kernel changes, so every refusal before it leaves the host exactly as
 * it was; the commit itself is one libnftables transaction (the policy's
 * entry file creates, deletes and rebuilds `table inet xnft`), so the
 * kernel holds the old table or the new one, never neither.
 */
#include "apply/apply.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply_int.h"
#include "apply/fit.h"
#include "apply/gates.h"
#include "apply/lock.h"
#include "apply/state.h"
#include "core/paths.h"
#include "core/policy_load.h"
#include "core/ruleset.h"
#include "core/sandbox.h"
#include "core/spawn.h"
#include "core/strbuf.h"

#define SNAPSHOT_NEW "snapshot.new.nft"
#define SNAPSHOT_NEW_HASH "snapshot.new.hash"
/* Room kept beyond the files themselves (journal, temp files). */
#define STATE_SLACK (256u << 10)

void apply_result_free(struct apply_result *r)
{
	if (!r)
		return;
	nft_diags_free(&r->diags);
	free(r->details);
	r->details = NULL;
}

/* ---- step 1: check ------------------------------------------------------ */

struct loaded {
	char entry[4096], incdir[4096];
	struct ruleset *rs;
	size_t json_len;
	char hash[TABLE_HASH_HEX];
};

static int step_check(const struct apply_opts *o, struct apply_result *r, struct loaded *L,
		      struct xerr *e)
{
	struct ruleset_stats st;
	struct sandbox_result sr;
	bool present;

	if (policy_resolve(o->policy, L->entry, sizeof(L->entry), L->incdir, sizeof(L->incdir), e))
		return -1;
	if (sandbox_load(L->entry, L->incdir, &sr, e)) {
		r->diags = sr.diags;
		sr.diags.v = NULL;
		sr.diags.n = 0;
		sandbox_result_free(&sr);
		return -1;
	}
	L->json_len = listing_text_estimate(&sr.listing);
	if (table_fingerprint(&sr.listing, L->hash, &present, e) ||
	    policy_load_listing(&sr.listing, L->entry, &L->rs, e)) {
		sandbox_result_free(&sr);
		return xerr_wrap(e, "reading the listing of %s", L->entry);
	}
	sandbox_result_free(&sr);
	if (apply_fits(L->rs, L->entry, e))
		return -1;
	ruleset_stats(L->rs, &st);
	snprintf(r->hash, sizeof(r->hash), "%s", L->hash);
	apply_say(&o->progress, r->id, "check", "ok",
		  "%s loads in a private namespace: %zu chains, %zu rules, %zu sets (%zu elements)",
		  L->entry, st.chains, st.rules, st.sets + st.maps, st.elements);
	return 0;
}

/* ---- steps 2-4: gates -------------------------------------------------------- */

static int run_gate(const struct apply_opts *o, struct apply_result *r, const char *step,
		    struct gate_report *g, bool overridden, const char *flag, struct xerr *e)
{
	switch (g->outcome) {
	case GATE_PASS:
		apply_say(&o->progress, r->id, step, "ok", "%s", g->summary);
		if (g->details.s)
			apply_say(&o->progress, NULL, step, "", "%s", g->details.s);
		return 0;
	case GATE_FAIL:
		break;
	}
	if (overridden && flag) {
		apply_say(&o->progress, r->id, step, "forced", "%s; going on because of %s",
			  g->summary, flag);
		return 0;
	}
	r->refused_at = step;
	r->details = g->details.s ? strbuf_take(&g->details) : NULL;
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s: %s", step, g->summary);
	if (flag)
		xerr_hint(e, "fix the policy, or give %s to apply it anyway", flag);
	else if (g->hint[0])
		xerr_hint(e, "%s", g->hint);
	else
		xerr_hint(e, "fix the policy so the connection stays open (or apply from a console)");
	return -1;
}

/*
 * Lint runs in a child process while the intents are proven here (two
 * cores: analysis.h); the gates still report, and refuse, in their order.
 */
static int lint_and_intents(const struct apply_opts *o, struct loaded *L, struct gate_report *gl,
			    struct gate_report *gi, struct xerr *e)
{
	const struct analysis_request q = { o->policy, L->rs, false, false, NULL };
	struct analysis a;

	if (analysis_run(&q, &a, e))
		return xerr_wrap(e, "%s", !strcmp(a.failed, "lint") ? "lint" : "intents");
	gate_lint_report(&a.lint, gl);
	gate_intents_report(&a, gi);
	analysis_free(&a);
	return 0;
}

static int step_gates(const struct apply_opts *o, struct apply_result *r, struct loaded *L,
		      const struct fallback_values *hostv, struct xerr *e)
{
	struct gate_report gl = { 0 }, gi = { 0 }, g;
	int rc;

	apply_test_pause(&o->progress, r->id, "lint");
	rc = lint_and_intents(o, L, &gl, &gi, e);
	if (!rc)
		rc = run_gate(o, r, "lint", &gl, o->force, "--force", e);
	if (!rc) {
		apply_test_pause(&o->progress, r->id, "intents");
		rc = run_gate(o, r, "intents", &gi, o->force_intents, "--force-intents", e);
	}
	gate_report_free(&gl);
	gate_report_free(&gi);
	if (rc)
		return -1;

	apply_test_pause(&o->progress, r->id, "lockout");
	if (gate_lockout(L->rs, L->incdir, hostv, &g, e))
		return -1;
	rc = run_gate(o, r, "lockout", &g, false, NULL, e);
	gate_report_free(&g);
	return rc;
}

/* ---- step 5: snapshot ----------------------------------------------------------- */

/*
 * The loaded table is still the confirmed one when its fingerprint is the
 * one noted with confirmed.nft and the file has not changed since: the
 * snapshot is then a copy of a file this kernel has loaded. Listing a large
 * table as text and reloading it in a private namespace would cost as much
 * as the apply's own check. 1: not so (take it the long way), 0: written.
 */
static int snapshot_from_confirmed(const char *id, const char *name, size_t *len,
				   struct xerr *e)
{
	char *note = NULL, *text = NULL, *out = NULL, fp[TABLE_HASH_HEX], file[TABLE_HASH_HEX];
	char sum[TABLE_HASH_HEX], live[TABLE_HASH_HEX], head[256];
	struct xerr ignored;
	size_t nlen, tlen, hlen;
	bool present;
	int rc = 1;

	if (state_read(ST_CONFIRMED_HASH, &note, &nlen, &ignored) != 0 ||
	    kv_get(note, "fingerprint", fp, sizeof(fp)) || kv_get(note, "file", file, sizeof(file)) ||
	    state_read(ST_CONFIRMED, &text, &tlen, &ignored) != 0)
		goto out;
	table_bytes_hash(text, tlen, sum);
	if (strcmp(sum, file) || table_fingerprint_live(live, &present, &ignored) || !present ||
	    strcmp(live, fp))
		goto out;
	hlen = (size_t)snprintf(head, sizeof(head), "# snapshot: xnft's table before apply %s: "
				"the confirmed policy, unchanged (%.12s)\n", id, fp);
	out = malloc(hlen + tlen);
	if (!out) {
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		goto out;
	}
	memcpy(out, head, hlen);
	memcpy(out + hlen, text, tlen);
	*len = hlen + tlen;
	rc = restore_note_write(SNAPSHOT_NEW_HASH, fp, out, *len, e) ||
	     state_write_atomic(name, out, *len, e) ? -1 : 0;
out:
	free(note);
	free(text);
	free(out);
	return rc;
}

/*
 * List the table, write it as a restore file, check that it reloads; or,
 * when the table is the confirmed one, copy that (*copied).
 */
static int snapshot_take(const char *id, const char *name, size_t *len, bool *copied,
			 struct xerr *e)
{
	char origin[256], fp[TABLE_HASH_HEX], *listing = NULL, *text;
	bool present;
	int rc;

	rc = snapshot_from_confirmed(id, name, len, e);
	*copied = rc == 0;
	if (rc <= 0)
		return rc;

	/* the fingerprint a restore must bring back ("" when there is no table) */
	if (table_fingerprint_live(fp, &present, e) || table_list_text(&listing, e))
		return -1;
	snprintf(origin, sizeof(origin), "snapshot: xnft's table before apply %s%s", id,
		 listing[0] ? "" : " (there was none: restoring removes the table)");
	text = table_restore_text(listing, origin);
	free(listing);
	if (!text)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	*len = strlen(text);
	rc = restore_note_write(SNAPSHOT_NEW_HASH, present ? fp : "", text, *len, e) ||
	     state_write_atomic(name, text, *len, e) ? -1 : 0;
	free(text);
	if (rc)
		return -1;
	if (table_verify_reload(name, e))
		return xerr_hint(e, "the kernel's xnft table cannot be saved in a form that "
				 "reloads, so it could not be restored: fix it first "
				 "(xnft check --live), or load the policy with nft -f at a console");
	return 0;
}

/*
 * The snapshot does not depend on the new policy, so a child takes it while
 * the parent checks the policy and runs the gates: on a large table the
 * listing and the reload check cost as much as the check itself. It is
 * written under a temporary name and becomes the snapshot only at step 5.
 */
struct snap_job {
	pid_t pid;
	int fd;
};

struct snap_msg {
	int rc;
	size_t len;
	bool copied;             /* a copy of confirmed.nft, the table being that */
	struct xerr err;
};

static int snapshot_start(const char *id, struct apply_lock *lock, struct snap_job *sj,
			  struct xerr *e)
{
	if (spawn_fork_piped(&sj->pid, &sj->fd, e))
		return -1;
	if (sj->pid == 0) {
		struct snap_msg m;

		/* our copy only: the lock stays with the parent, and dies with it */
		close(lock->fd);
		signal(SIGPIPE, SIG_IGN);
		memset(&m, 0, sizeof(m));
		m.rc = snapshot_take(id, SNAPSHOT_NEW, &m.len, &m.copied, &m.err);
		if (write(sj->fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
			_exit(2);
		_exit(m.rc ? 1 : 0);
	}
	return 0;
}

static int snapshot_finish(struct snap_job *sj, size_t *len, bool *copied, struct xerr *e)
{
	struct snap_msg m;
	size_t got = 0;
	int status;

	memset(&m, 0, sizeof(m));
	got = spawn_fork_collect(sj->pid, sj->fd, &m, sizeof(m), &status);
	sj->pid = -1;
	sj->fd = -1;
	if (got != sizeof(m))
		return xerr_set(e, XNFT_EXIT_USAGE, "the snapshot process ended without a result");
	if (m.rc) {
		xerr_terminate(&m.err);
		*e = m.err;
		if (!e->code)
			e->code = XNFT_EXIT_USAGE;
		return -1;
	}
	*len = m.len;
	*copied = m.copied;
	return 0;
}

static void snapshot_abandon(struct snap_job *sj)
{
	struct xerr ignored;
	int status;

	if (sj->pid <= 0)
		return;
	kill(sj->pid, SIGKILL);
	close(sj->fd);
	while (waitpid(sj->pid, &status, 0) < 0 && errno == EINTR)
		;
	sj->pid = -1;
	state_remove(SNAPSHOT_NEW, &ignored);
	state_remove(SNAPSHOT_NEW_HASH, &ignored);
}

static int step_snapshot(const struct apply_opts *o, struct apply_result *r,
			 struct snap_job *sj, size_t need, struct xerr *e)
{
	struct xerr ignored;
	bool copied = false;
	size_t len = 0;

	if (snapshot_finish(sj, &len, &copied, e))
		return -1;
	/* what is still to be written: the candidate (later the boot policy) */
	if (state_check_space(need + STATE_SLACK, e)) {
		state_remove(SNAPSHOT_NEW, &ignored);
		state_remove(SNAPSHOT_NEW_HASH, &ignored);
		return -1;
	}
	if (o->dry_run) {
		state_remove(SNAPSHOT_NEW, &ignored);
		state_remove(SNAPSHOT_NEW_HASH, &ignored);
	} else if (state_rename(SNAPSHOT_NEW_HASH, ST_SNAPSHOT_HASH, e) ||
		   state_rename(SNAPSHOT_NEW, ST_SNAPSHOT, e)) {
		return -1;
	}
	if (copied)
		apply_say(&o->progress, r->id, "snapshot", "ok",
			  "xnft's table is the confirmed policy, unchanged: %s/%s is a copy of %s "
			  "(%zu bytes, fsynced), which this kernel has loaded%s", state_dir(),
			  o->dry_run ? SNAPSHOT_NEW : ST_SNAPSHOT, ST_CONFIRMED, len,
			  o->dry_run ? " (dry run: removed again)" : "");
	else
		apply_say(&o->progress, r->id, "snapshot", "ok",
			  "xnft's table saved to %s/%s (%zu bytes, fsynced) and reloads in a "
			  "private namespace%s", state_dir(),
			  o->dry_run ? SNAPSHOT_NEW : ST_SNAPSHOT, len,
			  o->dry_run ? " (dry run: removed again)" : "");
	return 0;
}

/* ---- dry run: what would change ---------------------------------------------- */

/* Rules of chain c as text, for a multiset comparison. */
static char **rule_texts(const struct rs_chain *c, size_t *n)
{
	char **v = c && c->nrules ? calloc(c->nrules, sizeof(*v)) : NULL;

	*n = v ? c->nrules : 0;
	for (size_t i = 0; i < *n; i++)
		v[i] = ruleset_rule_format(&c->rules[i], false);
	return v;
}

static void free_texts(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Lines of `a` not matched by a line of `b` (each match used once). */
static void chain_side(struct strbuf *out, const char *sign, const struct rs_chain *ca, char **a,
		       size_t na, char **b, size_t nb)
{
	bool *used = nb ? calloc(nb, sizeof(*used)) : NULL;

	for (size_t i = 0; i < na; i++) {
		bool found = false;

		for (size_t j = 0; a[i] && j < nb && !found; j++) {
			if (!used[j] && b[j] && !strcmp(a[i], b[j]))
				used[j] = found = true;
		}
		if (found)
			continue;
		strbuf_addf(out, "%s chain %s: %s", sign, ca->name, a[i] ? a[i] : "?");
		if (ca->rules[i].loc.file)
			strbuf_addf(out, "   (%s:%d)", ca->rules[i].loc.file, ca->rules[i].loc.line);
		strbuf_addf(out, "\n");
	}
	free(used);
}

static void diff_chain(struct strbuf *out, const struct rs_chain *old, const struct rs_chain *new)
{
	size_t na, nb;
	char **a = rule_texts(old, &na), **b = rule_texts(new, &nb);

	if (!old) {
		strbuf_addf(out, "+ chain %s (%zu rules)\n", new->name, new->nrules);
	} else if (!new) {
		strbuf_addf(out, "- chain %s (%zu rules)\n", old->name, old->nrules);
	} else {
		if (old->base != new->base || old->hook != new->hook || old->prio != new->prio ||
		    old->policy != new->policy)
			strbuf_addf(out, "~ chain %s: hook %s priority %d policy %s -> hook %s priority "
			       "%d policy %s\n", new->name, rs_hook_name(old->hook), old->prio,
			       old->policy == RS_POLICY_DROP ? "drop" : "accept",
			       rs_hook_name(new->hook), new->prio,
			       new->policy == RS_POLICY_DROP ? "drop" : "accept");
		chain_side(out, "-", old, a, na, b, nb);
		chain_side(out, "+", new, b, nb, a, na);
	}
	free_texts(a, na);
	free_texts(b, nb);
}

static char *table_changes(const struct rs_table *old, const struct rs_table *new)
{
	struct strbuf out = { 0 };

	for (size_t i = 0; new && i < new->nchains; i++)
		diff_chain(&out, old ? rs_table_chain(old, new->chains[i]->name) : NULL,
			   new->chains[i]);
	for (size_t i = 0; old && i < old->nchains; i++) {
		if (!new || !rs_table_chain(new, old->chains[i]->name))
			diff_chain(&out, old->chains[i], NULL);
	}
	for (size_t i = 0; new && i < new->nsets; i++) {
		const struct rs_set *s = new->sets[i];
		const struct rs_set *p = old ? rs_table_set(old, s->name) : NULL;

		if (!p)
			strbuf_addf(&out, "+ set %s (%zu elements)\n", s->name, s->nelems);
		else if (p->nelems != s->nelems && !rs_set_filled_at_run_time(s))
			strbuf_addf(&out, "~ set %s: %zu -> %zu elements\n", s->name, p->nelems,
			       s->nelems);
	}
	for (size_t i = 0; old && i < old->nsets; i++) {
		if (!new || !rs_table_set(new, old->sets[i]->name))
			strbuf_addf(&out, "- set %s (%zu elements)\n", old->sets[i]->name,
			       old->sets[i]->nelems);
	}
	return out.s ? strbuf_take(&out) : NULL;
}

static int step_dry_run(const struct apply_opts *o, struct apply_result *r,
			const struct loaded *L, struct xerr *e)
{
	char live_hash[TABLE_HASH_HEX];
	struct ruleset *live = NULL;
	bool present;

	if (table_fingerprint_live(live_hash, &present, e))
		return -1;
	r->unchanged = present && !strcmp(live_hash, L->hash);
	if (r->unchanged) {
		apply_say(&o->progress, r->id, "dry-run", "ok",
			  "the loaded table already is this policy (%.12s): nothing would change",
			  L->hash);
		return 0;
	}
	if (policy_load_live(&live, e))
		return -1;
	r->details = table_changes(ruleset_table(live, RS_FAM_INET, XNFT_TABLE_NAME),
				   ruleset_table(L->rs, RS_FAM_INET, XNFT_TABLE_NAME));
	ruleset_free(live);
	apply_say(&o->progress, r->id, "dry-run", "ok",
		  "would replace table %s %s (%s -> %.12s) in one transaction; nothing was changed",
		  XNFT_TABLE_FAMILY, XNFT_TABLE_NAME, present ? "loaded" : "absent", L->hash);
	return 0;
}

/* ---- steps 6-7: commit ---------------------------------------------------------- */

/* Load what will be kept: the bundle (candidate file) or, without one, the entry file. */
static int load_new(const struct loaded *L, bool bundled, struct xerr *e)
{
	if (bundled)
		return table_restore(ST_CANDIDATE, e);
	return table_commit_policy(L->entry, L->incdir, e);
}

static int commit_now(const struct apply_opts *o, struct apply_result *r, const struct loaded *L,
		      bool bundled, const char *fallback, struct xerr *e)
{
	char origin[256];
	struct xerr ignored;
	int rc;

	apply_test_pause(&o->progress, r->id, "commit");
	if (load_new(L, bundled, e)) {
		journal_append(r->id, "commit", "failed", "%s", e->msg);
		state_remove(ST_CANDIDATE, &ignored);
		return xerr_wrap(e, "the kernel refused the transaction (it kept the old table)");
	}
	apply_say(&o->progress, r->id, "commit", "ok",
		  "table %s %s replaced in one transaction (%.12s)", XNFT_TABLE_FAMILY,
		  XNFT_TABLE_NAME, L->hash);
	apply_test_pause(&o->progress, r->id, "committed");
	snprintf(origin, sizeof(origin), "confirmed: the table loaded by apply %s of %s", r->id,
		 o->policy);
	rc = bundled ? state_rename(ST_CANDIDATE, ST_CONFIRMED, e)
		     : apply_save_live(ST_CONFIRMED, origin, e);
	if (rc) {
		apply_record(r->id, o->policy, L->hash, "applied-boot-not-updated");
		journal_append(r->id, "confirm", "failed", "%s", e->msg);
		return xerr_wrap(e, "the new policy is loaded, but the boot policy was not updated");
	}
	apply_note_confirmed(L->hash);
	state_write_atomic(ST_FALLBACK_VALUES, fallback, strlen(fallback), &ignored);
	state_remove(ST_CANDIDATE, &ignored);
	apply_record(r->id, o->policy, L->hash, "confirmed");
	apply_say(&o->progress, r->id, "confirm", "confirmed",
		  "confirmed at once (no --confirm): %s/%s is the boot policy now", state_dir(),
		  ST_CONFIRMED);
	return 0;
}

static int commit_guarded(const struct apply_opts *o, struct apply_result *r,
			  const struct loaded *L, bool bundled, const char *fallback,
			  struct apply_lock *lock, struct xerr *e)
{
	struct guard_job *j = calloc(1, sizeof(*j));
	struct tm tm;
	char when[32] = "?";
	int rc;

	if (!j)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	snprintf(j->id, sizeof(j->id), "%s", r->id);
	snprintf(j->entry, sizeof(j->entry), "%s", L->entry);
	snprintf(j->incdir, sizeof(j->incdir), "%s", L->incdir);
	snprintf(j->policy, sizeof(j->policy), "%s", o->policy);
	snprintf(j->hash, sizeof(j->hash), "%s", L->hash);
	snprintf(j->fallback, sizeof(j->fallback), "%s", fallback);
	j->secs = o->confirm_secs;
	j->bundled = bundled;
	j->lock = lock;
	j->progress = o->progress;
	apply_test_pause(&o->progress, r->id, "commit");
	lock_hand_over(lock);
	rc = guard_start(j, &r->guard_pid, &r->deadline, e);
	free(j);
	if (rc)
		return -1;
	if (localtime_r(&r->deadline, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	apply_say(&o->progress, NULL, "guard", "pending",
		  "guard pid %ld restores the snapshot at %s (in %d s) unless 'xnft confirm' "
		  "comes first; it survives this shell", r->guard_pid, when, o->confirm_secs);
	return 0;
}

/* ---- the protocol ------------------------------------------------------------- */

static int refuse(struct apply_result *r, const char *step, struct xerr *e)
{
	if (!r->refused_at)
		r->refused_at = step;
	journal_append(r->id, step, "refused", "%s", e->msg);
	return -1;
}

/*
 * The candidate: the policy as one file, to be committed and kept. When the
 * includes are beyond the bundler, apply commits the entry file instead.
 */
static bool write_candidate(const struct apply_opts *o, struct apply_result *r,
			    const struct loaded *L, size_t *len)
{
	char origin[256], *text = NULL;
	struct xerr err;

	*len = 0;
	snprintf(origin, sizeof(origin), "the policy of apply %s", r->id);
	if (apply_bundle(L->entry, L->incdir, origin, &text, &err)) {
		apply_say(&o->progress, r->id, "bundle", "skipped",
			  "the policy is loaded from its files and kept as a listing (%s)", err.msg);
		return false;
	}
	*len = strlen(text);
	if (o->dry_run || state_write_atomic(ST_CANDIDATE, text, *len, &err)) {
		free(text);
		return false;
	}
	free(text);
	return true;
}

static int run_locked(const struct apply_opts *o, struct apply_result *r, struct apply_lock *lock,
		      struct xerr *e)
{
	struct fallback_values *hostv = calloc(1, sizeof(*hostv));
	char *fallback = malloc(sizeof(((struct guard_job *)0)->fallback));
	struct snap_job sj = { -1, -1 };
	struct xerr ignored;
	bool bundled = false;
	size_t blen = 0;
	struct loaded L;
	int rc = -1;

	memset(&L, 0, sizeof(L));
	if (!hostv || !fallback) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		goto out;
	}
	apply_test_pause(&o->progress, r->id, "lock");
	apply_clear_stale_pending(r->id, "xnft apply");
	if (snapshot_start(r->id, lock, &sj, e)) {
		refuse(r, "snapshot", e);
		goto out;
	}
	apply_test_pause(&o->progress, r->id, "check");
	if (step_check(o, r, &L, e)) {
		refuse(r, "check", e);
		goto out;
	}
	fallback_values_from_policy(L.rs, L.entry, L.incdir, hostv);
	if (fallback_values_format(hostv, fallback, sizeof(((struct guard_job *)0)->fallback)) < 0)
		fallback[0] = '\0';
	if (step_gates(o, r, &L, hostv, e)) {
		refuse(r, r->refused_at ? r->refused_at : "gates", e);
		goto out;
	}
	apply_test_pause(&o->progress, r->id, "snapshot");
	if (step_snapshot(o, r, &sj, L.json_len / 2, e)) {
		refuse(r, "snapshot", e);
		goto out;
	}
	if (o->dry_run) {
		rc = step_dry_run(o, r, &L, e);
		goto out;
	}
	bundled = write_candidate(o, r, &L, &blen);
	if (o->confirm_secs > 0)
		rc = commit_guarded(o, r, &L, bundled, fallback, lock, e);
	else
		rc = commit_now(o, r, &L, bundled, fallback, e);
out:
	snapshot_abandon(&sj);
	/* a failed or refused apply leaves no candidate (a guard that ran has cleaned up too) */
	if (rc)
		state_remove(ST_CANDIDATE, &ignored);
	ruleset_free(L.rs);
	free(hostv);
	free(fallback);
	return rc;
}

int apply_run(const struct apply_opts *o, struct apply_result *r, struct xerr *e)
{
	struct apply_lock lock;
	int rc;

	memset(r, 0, sizeof(*r));
	journal_new_id(r->id, sizeof(r->id));
	if (o->confirm_secs < 0 || o->confirm_secs > APPLY_CONFIRM_MAX) {
		r->refused_at = "usage";
		return xerr_set(e, XNFT_EXIT_USAGE, "--confirm takes 1 to %d seconds",
				APPLY_CONFIRM_MAX);
	}
	if (apply_state_absolute(e) || state_prepare(e)) {
		r->refused_at = "state";
		return -1;
	}
	if (lock_acquire(&lock, o->what, e)) {
		r->refused_at = "lock";
		journal_append(r->id, "lock", "refused", "%s", e->msg);
		return -1;
	}
	journal_append(r->id, "start", "start", "%s%s", o->what ? o->what : "xnft apply",
		       o->dry_run ? " (dry run)" : "");
	rc = run_locked(o, r, &lock, e);
	if (rc == 0 && o->confirm_secs > 0 && !o->dry_run) {
		/* the guard holds the lock now: close, never unlock */
		lock_forget(&lock);
		return 0;
	}
	if (rc == 0)
		journal_append(r->id, "done", o->dry_run ? "dry-run" : "confirmed", "%s",
			       o->policy);
	lock_release(&lock);
	return rc;
}
