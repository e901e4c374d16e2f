// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The record keeping both apply and its guard write: progress lines into
 * the journal, the `applied` and confirmed-fingerprint state files, the
 * saved live table, and the test pauses. Its own file so that the guard
 * (guard.c) depends on it and not on the protocol (apply.c) that starts
 * the guard.
 */
#include "apply/apply.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply_int.h"
#include "apply/state.h"
#include "core/paths.h"
#include "core/ruleset.h"

void apply_say(const struct apply_progress *pr, const char *id, const char *step,
	       const char *result, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pr && pr->fn)
		pr->fn(pr->arg, step, msg);
	if (id)
		journal_append(id, step, result, "%s", msg);
}

void apply_test_pause(const struct apply_progress *pr, const char *id, const char *step)
{
	const char *at = getenv(APPLY_PAUSE_ENV);
	const char *s = getenv(APPLY_PAUSE_SECS_ENV);
	struct timespec left;
	long secs = 30;

	if (!at || strcmp(at, step))
		return;
	if (s && *s)
		secs = strtol(s, NULL, 10);
	if (secs < 0 || secs > 3600)
		secs = 30;
	apply_say(pr, id, step, "paused", "test pause (%s=%s): pid %ld waits %ld s", APPLY_PAUSE_ENV,
		  step, (long)getpid(), secs);
	left.tv_sec = secs;
	left.tv_nsec = 0;
	while (nanosleep(&left, &left) && errno == EINTR)
		;
}

int apply_state_absolute(struct xerr *e)
{
	const char *d = getenv(STATE_DIR_ENV);
	char cwd[PATH_MAX], abs[PATH_MAX + 256];

	if (!d || !*d || d[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return xerr_set(e, XNFT_EXIT_USAGE, "state directory %s: cannot read the current "
				"directory: %s", d, strerror(errno));
	if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", strcmp(cwd, "/") ? cwd : "", d) >=
	    sizeof(abs))
		return xerr_set(e, XNFT_EXIT_USAGE, "state directory path too long: %s", d);
	if (setenv(STATE_DIR_ENV, abs, 1))
		return xerr_set(e, XNFT_EXIT_USAGE, "setenv: %s", strerror(errno));
	return 0;
}

void apply_record(const char *id, const char *policy, const char *hash, const char *state)
{
	char buf[2048];
	struct xerr ignored;
	int n;

	n = snprintf(buf, sizeof(buf), "id=%s\ntime=%lld\npolicy=%s\nhash=%s\nstate=%s\n", id,
		     (long long)time(NULL), policy ? policy : "", hash ? hash : "", state);
	if (n > 0 && (size_t)n < sizeof(buf))
		state_write_atomic(ST_APPLIED, buf, (size_t)n, &ignored);
}

void apply_note_confirmed(const char *fingerprint)
{
	char *text = NULL, sum[TABLE_HASH_HEX], note[256];
	struct xerr ignored;
	size_t len = 0;
	int n = -1;

	if (fingerprint && *fingerprint && state_read(ST_CONFIRMED, &text, &len, &ignored) == 0) {
		table_bytes_hash(text, len, sum);
		n = snprintf(note, sizeof(note), "fingerprint=%s\nfile=%s\n", fingerprint, sum);
	}
	free(text);
	if (n < 0 || (size_t)n >= sizeof(note) ||
	    state_write_atomic(ST_CONFIRMED_HASH, note, (size_t)n, &ignored))
		state_remove(ST_CONFIRMED_HASH, &ignored);
}

int apply_save_live(const char *name, const char *origin, struct xerr *e)
{
	char *listing = NULL, *text;
	int rc;

	if (table_list_text(&listing, e))
		return -1;
	text = table_restore_text(listing, origin);
	free(listing);
	if (!text)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	rc = state_write_atomic(name, text, strlen(text), e);
	free(text);
	return rc;
}
