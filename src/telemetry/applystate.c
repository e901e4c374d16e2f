// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Safe apply's state as metrics (applystate.h).
 */
#include "telemetry/applystate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/state.h"
#include "analyze/lint.h"
#include "analyze/verify.h"
#include "apply/table.h"
#include "core/policy_load.h"
#include "core/fdio.h"
#include "core/spawn.h"

static void last_commit(struct tm_apply *a)
{
	struct journal_entry *v = NULL;
	size_t n = 0;
	struct xerr ignored;

	if (journal_read(&v, &n, &ignored))
		return;
	for (size_t i = n; i-- > 0;) {
		if (strcmp(v[i].step, "commit"))
			continue;
		a->last_commit = v[i].t;
		a->last_commit_ok = !strcmp(v[i].result, "ok");
		break;
	}
	free(v);
}

static void boot_fallback(struct tm_apply *a)
{
	char *text = NULL, source[16] = "";
	struct xerr ignored;
	time_t boot_at;

	if (state_read(ST_BOOT_LAST, &text, NULL, &ignored) != 0)
		return;
	kv_get(text, "source", source, sizeof(source));
	boot_at = (time_t)kv_get_ll(text, "time", 0);
	free(text);
	/* booted into the fallback, and no commit went in since */
	a->fallback_active = !strcmp(source, "fallback") &&
			     !(a->last_commit_ok && a->last_commit >= boot_at);
}

int tm_apply_read(struct tm_apply *a, struct xerr *e)
{
	struct pending_info p;
	char *note = NULL, confirmed[72] = "";
	struct xerr ignored;

	memset(a, 0, sizeof(*a));
	if (table_fingerprint_live(a->fingerprint, &a->table_loaded, e))
		return xerr_wrap(e, "the fingerprint of the loaded table");
	if (state_read(ST_CONFIRMED_HASH, &note, NULL, &ignored) == 0) {
		kv_get(note, "fingerprint", confirmed, sizeof(confirmed));
		free(note);
	}
	a->confirmed_present = confirmed[0] != '\0';
	a->drift = a->confirmed_present && (!a->table_loaded || strcmp(confirmed, a->fingerprint));
	if (pending_read(&p, &ignored) == 0) {
		a->pending = true;
		a->pending_deadline = p.deadline;
	}
	last_commit(a);
	boot_fallback(a);
	return 0;
}

int tm_apply_analyse(struct tm_apply *a, const char *policy, struct xerr *e)
{
	char entry[4096], incdir[4096];
	struct ruleset *rs = NULL;
	struct lint_report lr = { 0 };
	struct verify_result vr;
	struct xerr ignored;

	if (policy_load_live(&rs, e))
		return xerr_wrap(e, "reading the loaded ruleset");
	if (lint_ruleset(rs, NULL, &lr, e)) {
		ruleset_free(rs);
		return xerr_wrap(e, "linting the loaded ruleset");
	}
	for (int sev = LINT_INFO; sev <= LINT_ERROR; sev++)
		a->lint[sev] = lint_count(&lr, (enum lint_severity)sev);
	lint_report_free(&lr);
	a->analysed = true;
	/* no policy files, or no intents: the intents series are left out */
	memset(&vr, 0, sizeof(vr));
	if (policy && !policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), &ignored) &&
	    !verify_policy(entry, incdir, rs, NULL, NULL, &vr, &ignored)) {
		a->intents_checked = true;
		a->intents_held = vr.held;
		a->intents_violated = vr.violated;
		verify_result_free(&vr);
	}
	ruleset_free(rs);
	return 0;
}

int tm_apply_read_child(struct tm_apply *a, const char *analyse_policy, struct xerr *e)
{
	struct tm_apply got;
	pid_t pid;
	int fd, status;
	size_t n;

	if (spawn_fork_piped(&pid, &fd, e))
		return -1;
	if (!pid) {
		struct xerr ignored;

		/* an answer of the wrong size tells the parent it failed */
		if (!tm_apply_read(&got, &ignored) &&
		    (!analyse_policy || !tm_apply_analyse(&got, analyse_policy, &ignored)))
			fd_write_all(fd, &got, sizeof(got));
		_exit(0);
	}
	n = spawn_fork_collect(pid, fd, &got, sizeof(got), &status);
	if (n != sizeof(got))
		return xerr_set(e, XNFT_EXIT_USAGE, "reading the apply state failed (in a child)");
	*a = got;
	return 0;
}

static void gauge(FILE *out, const char *name, const char *help, long long v)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

void tm_apply_write(FILE *out, const struct tm_apply *a)
{
	gauge(out, "xnft_table_loaded", "1 when table inet xnft is in the kernel.", a->table_loaded);
	fprintf(out, "# HELP xnft_table_info The loaded table's fingerprint (as xnft status shows it).\n"
		"# TYPE xnft_table_info gauge\nxnft_table_info{fingerprint=\"%.16s\"} 1\n",
		a->fingerprint);
	gauge(out, "xnft_policy_drift", "1 when the loaded table is not the confirmed policy.",
	      a->drift);
	gauge(out, "xnft_policy_confirmed", "1 when a confirmed policy exists (the boot policy).",
	      a->confirmed_present);
	gauge(out, "xnft_apply_last_timestamp_seconds", "When the last apply committed (0 never).",
	      (long long)a->last_commit);
	gauge(out, "xnft_apply_last_success", "1 when the kernel took the last apply's transaction.",
	      a->last_commit_ok);
	gauge(out, "xnft_apply_confirm_pending", "1 while an apply waits for xnft confirm.",
	      a->pending);
	gauge(out, "xnft_apply_confirm_deadline_timestamp_seconds",
	      "When the pending apply reverts unless confirmed (0 none).",
	      (long long)a->pending_deadline);
	gauge(out, "xnft_fallback_active", "1 when the host booted into the built-in fallback "
	      "policy and nothing was applied since.", a->fallback_active);
	if (a->analysed) {
		fputs("# HELP xnft_lint_findings Lint findings on the loaded ruleset, by severity.\n"
		      "# TYPE xnft_lint_findings gauge\n", out);
		for (int sev = LINT_INFO; sev <= LINT_ERROR; sev++)
			fprintf(out, "xnft_lint_findings{severity=\"%s\"} %zu\n",
				lint_severity_name((enum lint_severity)sev), a->lint[sev]);
	}
	if (a->intents_checked) {
		gauge(out, "xnft_intents_held", "The policy's intents proven on the loaded ruleset.",
		      (long long)a->intents_held);
		gauge(out, "xnft_intents_violated", "The policy's intents the loaded ruleset breaks.",
		      (long long)a->intents_violated);
	}
}
