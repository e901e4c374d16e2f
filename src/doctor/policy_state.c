// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft doctor, policy state: is the table loaded the one that was
 * confirmed (else what differs, as xnft diff says it), will it come back at
 * boot, is the fallback in use or a confirmation pending.
 */
#include "doctor/doctor.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/diff.h"
#include "apply/apply.h"
#include "apply/state.h"
#include "apply/table.h"
#include "core/policy_load.h"

#define G "policy"

/* The fingerprint confirmed.hash recorded for the confirmed table; "" when none. */
static void confirmed_fingerprint(char *fp, size_t n)
{
	struct xerr ignored;
	char *note = NULL;
	size_t len;

	fp[0] = '\0';
	if (state_read(ST_CONFIRMED_HASH, &note, &len, &ignored) == 0 && note &&
	    kv_get(note, "fingerprint", fp, n))
		fp[0] = '\0';
	free(note);
}

/* The loaded table inet xnft as a policy directory of its own (dir made by the caller). */
static int write_loaded_table(const char *dir, struct xerr *e)
{
	char *listing = NULL, *text = NULL, path[PATH_MAX];
	FILE *f;
	int rc = -1;

	if (table_list_text(&listing, e))
		return -1;
	text = table_restore_text(listing, "xnft doctor: the table loaded now");
	snprintf(path, sizeof(path), "%s/" POLICY_ENTRY_NAME, dir);
	f = text ? fopen(path, "we") : NULL;
	if (f) {
		rc = fputs(text, f) < 0 ? -1 : 0;
		rc |= fclose(f) ? -1 : 0;
	}
	if (rc)
		xerr_set(e, 2, "%s: cannot write the loaded table", path);
	free(listing);
	free(text);
	return rc;
}

/* The first difference diff_compute found, "input, now accepted: from wan0: ..." (+ how many more). */
static void first_difference(const struct diff_result *d, char *buf, size_t n)
{
	size_t total = 0;

	buf[0] = '\0';
	for (int p = 0; p < SX__NPATHS; p++)
		for (int k = 0; k < DIFF__NKINDS; k++) {
			const struct ds_lines *l = &d->lines[p][k];

			if (l->n && !buf[0])
				snprintf(buf, n, "%s, %s: %s: %s", sx_path_name((enum sx_path)p),
					 diff_kind_name((enum diff_kind)k), l->v[0].iface, l->v[0].text);
			total += l->n;
		}
	/* a change in a table the engine does not evaluate (an arp table ...) */
	for (size_t i = 0; i < d->ntables; i++, total++)
		if (!buf[0])
			snprintf(buf, n, "%s table %s: %s", rs_family_name(d->tables[i].family),
				 d->tables[i].table, d->tables[i].what);
	if (total > 1)
		snprintf(buf + strlen(buf), n - strlen(buf), " (and %zu more)", total - 1);
}

/* What differs between the confirmed policy and the loaded table, as `xnft diff` says it. */
static void loaded_vs_confirmed(char *buf, size_t n)
{
	char confirmed[PATH_MAX], dir[] = "/tmp/xnft-doctor.XXXXXX", entry[PATH_MAX];
	struct ruleset *old_rs = NULL, *new_rs = NULL;
	struct diff_result d;
	struct xerr e;

	snprintf(buf, n, "the verdicts are the same (only counters, comments or handles differ)");
	xerr_clear(&e);
	if (!mkdtemp(dir)) {
		snprintf(buf, n, "what differs is unknown: no temporary directory");
		return;
	}
	snprintf(entry, sizeof(entry), "%s/" POLICY_ENTRY_NAME, dir);
	if (state_path(confirmed, sizeof(confirmed), ST_CONFIRMED, &e) ||
	    policy_load(confirmed, &old_rs, NULL, &e) || write_loaded_table(dir, &e) ||
	    policy_load(dir, &new_rs, NULL, &e) || diff_compute(old_rs, new_rs, &d, &e)) {
		snprintf(buf, n, "what differs is unknown: %s", e.msg);
	} else {
		if (d.changed)
			first_difference(&d, buf, n);
		diff_free(&d);
	}
	ruleset_free(old_rs);
	ruleset_free(new_rs);
	unlink(entry);
	rmdir(dir);
}

static bool fallback_active(const struct apply_status *s)
{
	/* As `xnft status` judges it: the last boot fell back and nothing was applied since. */
	return !strcmp(s->boot_source, "fallback") && s->live_present && s->applies[0].id[0] &&
	       strstr(s->applies[0].policy, "xnft boot");
}

/* The loaded table against the confirmed one. */
static void check_loaded(struct doctor_report *r, const struct apply_status *s)
{
	char fp[TABLE_HASH_HEX], apply[PATH_MAX + 96], drift[PATH_MAX + 128];

	/* the policy apply_status judged: the one given, or the last applied, or the default */
	snprintf(apply, sizeof(apply), "xnft apply %s --confirm 120; then, from a second SSH "
		 "session: xnft confirm", s->policy);
	snprintf(drift, sizeof(drift), "xnft status -v; %s", apply);

	confirmed_fingerprint(fp, sizeof(fp));
	if (!s->live_present)
		doctor_add(r, G, "policy.loaded", DOCTOR_FAIL,
			   "without table inet xnft the host is open to everything",
			   apply, "no table inet xnft is loaded");
	else if (!fp[0])
		doctor_add(r, G, "policy.loaded", DOCTOR_WARN,
			   "a policy that was never confirmed is not what `xnft boot` loads",
			   apply,
			   "table inet xnft %.12s is loaded, but no policy was ever confirmed", s->live_hash);
	else if (strcmp(fp, s->live_hash)) {
		char what[400];

		loaded_vs_confirmed(what, sizeof(what));
		doctor_add(r, G, "policy.loaded", DOCTOR_WARN,
			   "the loaded table is not the confirmed one: a reboot brings back something else",
			   drift,
			   "loaded table %.12s differs from the confirmed %.12s: %s", s->live_hash, fp,
			   what);
	} else
		doctor_add(r, G, "policy.loaded", DOCTOR_PASS, NULL, NULL,
			   "the loaded table inet xnft is the confirmed one (%.12s)", fp);
}

static void check_pending(struct doctor_report *r, const struct apply_status *s)
{
	if (s->pending)
		doctor_add(r, G, "policy.pending", s->pend.alive ? DOCTOR_WARN : DOCTOR_FAIL,
			   s->pend.alive ? "the policy is reverted unless confirmed"
					 : "the guard is gone: nothing will confirm or revert this policy",
			   s->pend.alive ? "xnft confirm" : "xnft rollback   # back to the confirmed policy",
			   "apply %s of %s waits for confirmation%s", s->pend.id, s->pend.policy,
			   s->pend.alive ? "" : " (its guard is GONE)");
	else
		doctor_add(r, G, "policy.pending", DOCTOR_PASS, NULL, NULL, "no confirmation pending");
}

void doctor_check_policy_state(const struct doctor_opts *o, struct doctor_report *r)
{
	const char *policy = o->policy;
	struct apply_status *s = calloc(1, sizeof(*s));
	struct xerr e;

	xerr_clear(&e);
	if (!s || apply_status(policy, s, &e)) {
		doctor_add(r, G, "policy.state", DOCTOR_FAIL, "without it nothing below can be judged",
			   "xnft status", "the apply state cannot be read: %s", s ? e.msg : "out of memory");
		free(s);
		return;
	}
	doctor_add(r, G, "policy.state", DOCTOR_PASS, NULL, NULL,
		   "the apply state and the live table were read");
	check_loaded(r, s);
	if (doctor_unit_enabled(o, "xnft.service"))
		doctor_add(r, G, "policy.boot_unit", DOCTOR_PASS, NULL, NULL, "xnft.service is enabled");
	else
		doctor_add(r, G, "policy.boot_unit", DOCTOR_FAIL,
			   "without it the host boots with no firewall until someone applies one",
			   "systemctl enable xnft.service", "xnft.service is not enabled");
	doctor_add(r, G, "policy.fallback", fallback_active(s) ? DOCTOR_FAIL : DOCTOR_PASS,
		   "the confirmed policy did not load at boot; only mesh and break-glass SSH work",
		   "xnft status   # why the confirmed policy failed; fix it, then xnft apply --confirm 120",
		   fallback_active(s) ? "the built-in FALLBACK policy is loaded: %s"
				      : "the fallback policy is not in use%s",
		   fallback_active(s) ? s->boot_reason : "");
	check_pending(r, s);
	free(s);
}
