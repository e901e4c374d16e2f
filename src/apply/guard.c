// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The confirm guard. `xnft apply --confirm SECS` hands the commit to a
 * process of its own: forked twice (so it is no session leader and no child
 * of the shell), in a new session, SIGHUP and SIGINT ignored, stdio on
 * /dev/null, every other descriptor closed, working directory /. It commits
 * the policy, reports to apply over a pipe, then waits: for `xnft confirm`
 * (SIGUSR1 or the file confirm.request), for `xnft rollback` (SIGUSR2 or
 * rollback.request), for SIGTERM (treated as "revert now": a shutdown or a
 * logind session cleanup must not leave an unconfirmed policy behind), or
 * for its deadline, when it restores the snapshot in one transaction.
 *
 * It sleeps in sigtimedwait for at most GUARD_TICK at a time, so it never
 * spins and still notices a request file or a wall-clock deadline soon.
 * Because the guard, not apply, makes the commit, killing apply at any
 * moment (even kill -9) cannot leave a new policy without its guard.
 */
#include "apply/apply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply_int.h"
#include "apply/state.h"
#include "core/fdio.h"
#include "core/paths.h"
#include "core/spawn.h"
#include "core/timefmt.h"

#define GUARD_TICK_MS 500
#define REVERT_TRIES 5
#define CONTROL_WAIT_MS 60000

struct guard_msg {
	int ok;
	long pid;
	long long deadline;
	struct xerr err;
};

/* ---- pending ------------------------------------------------------------- */

int pending_read(struct pending_info *p, struct xerr *e)
{
	char *text = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = state_read(ST_PENDING, &text, NULL, e);
	if (rc)
		return rc;
	p->pid = (long)kv_get_ll(text, "pid", 0);
	p->start = (unsigned long long)kv_get_ll(text, "start", 0);
	p->deadline = (time_t)kv_get_ll(text, "deadline", 0);
	p->secs = (int)kv_get_ll(text, "secs", 0);
	kv_get(text, "id", p->id, sizeof(p->id));
	kv_get(text, "policy", p->policy, sizeof(p->policy));
	p->alive = p->pid > 0 && proc_is((pid_t)p->pid, p->start);
	free(text);
	return 0;
}

static int pending_write(const struct guard_job *j, time_t deadline, struct xerr *e)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "pid=%ld\nstart=%llu\ndeadline=%lld\nsecs=%d\nid=%s\npolicy=%s\n",
		     (long)getpid(), proc_start_time(getpid()), (long long)deadline, j->secs, j->id,
		     j->policy);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return xerr_set(e, XNFT_EXIT_USAGE, "pending state too long");
	return state_write_atomic(ST_PENDING, buf, (size_t)n, e);
}

/* ---- the guard process ------------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	/* CLOCK_BOOTTIME keeps counting through a suspend: the window is real time */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_msg(int fd, const struct guard_msg *m)
{
	const char *p = (const char *)m;
	size_t left = sizeof(*m);

	while (left) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;  /* apply is gone: nobody to tell, the guard goes on */
		p += w;
		left -= (size_t)w;
	}
}

static void close_other_fds(int keep1, int keep2)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int dfd;

	if (!d) {
		for (int fd = 3; fd < 4096; fd++) {
			if (fd != keep1 && fd != keep2)
				close(fd);
		}
		return;
	}
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (fd > 2 && fd != keep1 && fd != keep2 && fd != dfd)
			close(fd);
	}
	closedir(d);
}

/*
 * Every signal that would end the guard without a revert is ignored:
 * SIGHUP (the session ends), SIGINT, SIGQUIT, SIGALRM, SIGVTALRM, SIGPROF,
 * SIGXCPU, SIGXFSZ, SIGPWR, SIGIO, SIGSTKFLT, the real-time signals, and
 * the stop signals. Left alone: SIGTERM, SIGUSR1 and SIGUSR2 (blocked and
 * waited for), SIGCHLD (the restore runs in a child the guard waits for),
 * SIGCONT, and the faults the guard itself would raise (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT): ignoring those would hide a
 * bug, and the next xnft command reverts a dead guard's window anyway.
 */
static bool guard_keeps_default(int sig)
{
	static const int keep[] = { SIGKILL, SIGSTOP, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD,
				    SIGCONT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
				    SIGABRT, SIGWINCH, SIGURG };

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (keep[i] == sig)
			return true;
	}
	return false;
}

static void ignore_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		if (!guard_keeps_default(sig))
			signal(sig, SIG_IGN);  /* EINVAL for the libc's own: fine */
	}
}

static void detach(int keep1, int keep2)
{
	ignore_signals();
	if (chdir("/"))
		_exit(2);
	umask(077);
	fd_stdio_to_devnull();
	close_other_fds(keep1, keep2);
}

static void guard_cleanup(void)
{
	struct xerr ignored;

	state_remove(ST_CANDIDATE, &ignored);
	state_remove(ST_CONFIRM_REQ, &ignored);
	state_remove(ST_ROLLBACK_REQ, &ignored);
	state_remove(ST_PENDING, &ignored);
}

/*
 * Put back what was there before apply id: the snapshot, or when it cannot
 * be used the confirmed policy, or the fallback; journaled as exactly
 * that. Shared by the guard and by whoever finds a dead guard's window.
 */
void apply_revert(const char *id, const char *policy, const char *hash, const char *why,
		  long long deadline_ms)
{
	enum restore_source src;
	char failed[1200], timing[96] = "";
	struct xerr e;
	int tries;

	for (tries = 1; tries <= REVERT_TRIES; tries++) {
		src = restore_chain(id, true, failed, sizeof(failed), &e);
		if (src != RESTORE_NOTHING && src != RESTORE_KEPT)
			break;
		journal_append(id, "revert", "retry", "try %d of %d: %s", tries, REVERT_TRIES,
			       e.msg);
		if (tries < REVERT_TRIES)
			sleep(1);
	}
	/* bench/bench_apply.sh reads "restored N ms after it" */
	if (deadline_ms)
		snprintf(timing, sizeof(timing), " (restored %lld ms after it)",
			 now_ms() - deadline_ms);
	if (src == RESTORE_SNAPSHOT) {
		journal_append(id, "revert", "reverted", "%s: the snapshot was restored in one "
			       "transaction and the loaded table checked against it%s", why, timing);
		apply_record(id, policy, hash, "reverted");
	} else if (src == RESTORE_CONFIRMED || src == RESTORE_FALLBACK) {
		/* the result first: the line is cut at its size, each failure has its own line */
		journal_append(id, "revert", "reverted",
			       "%s: %s is loaded instead, checked after loading; the snapshot could "
			       "not be used: %s", why, restore_source_text(src), failed);
		apply_record(id, policy, hash, src == RESTORE_FALLBACK ? "reverted-to-fallback"
								       : "reverted-to-confirmed");
	} else {
		journal_append(id, "revert", "failed",
			       "%s, but nothing known could be loaded (%s): %s; run 'xnft rollback' "
			       "or load a policy from a console", why, e.msg,
			       src == RESTORE_KEPT ? "the unconfirmed policy is STILL LOADED"
						   : "NO xnft TABLE IS LOADED");
		apply_record(id, policy, hash, "revert-failed");
	}
	guard_cleanup();
}

static void guard_revert(const struct guard_job *j, const char *why, long long deadline)
{
	char because[256];

	if (deadline)
		snprintf(because, sizeof(because), "%s (the guard woke %lld ms after the deadline)", why,
			 now_ms() - deadline);
	else
		snprintf(because, sizeof(because), "%s", why);
	apply_revert(j->id, j->policy, j->hash, because, deadline);
}

static void guard_promote(const struct guard_job *j)
{
	struct xerr e;

	if (state_rename(ST_CANDIDATE, ST_CONFIRMED, &e)) {
		journal_append(j->id, "confirm", "failed",
			       "%s; the new policy stays loaded but is not the boot policy", e.msg);
		apply_record(j->id, j->policy, j->hash, "applied-boot-not-updated");
		guard_cleanup();
		return;
	}
	apply_note_confirmed(j->hash);
	if (j->fallback[0])
		state_write_atomic(ST_FALLBACK_VALUES, j->fallback, strlen(j->fallback), &e);
	apply_record(j->id, j->policy, j->hash, "confirmed");
	journal_append(j->id, "confirm", "confirmed",
		       "confirmed in time: %s/%s is the boot policy now", state_dir(), ST_CONFIRMED);
	guard_cleanup();
}

static int do_commit(const struct guard_job *j, struct xerr *e)
{
	char origin[256];
	int rc;

	apply_test_pause(NULL, j->id, "guard-commit");
	rc = j->bundled ? table_restore(ST_CANDIDATE, e)
			: table_commit_policy(j->entry, j->incdir, e);
	if (rc) {
		journal_append(j->id, "commit", "failed", "%s", e->msg);
		xerr_wrap(e, "the kernel refused the transaction (it kept the old table)");
		return -1;
	}
	journal_append(j->id, "commit", "ok", "table %s %s replaced in one transaction (%.12s)",
		       XNFT_TABLE_FAMILY, XNFT_TABLE_NAME, j->hash);
	snprintf(origin, sizeof(origin), "candidate: the table loaded by apply %s of %s", j->id,
		 j->policy);
	if (!j->bundled && apply_save_live(ST_CANDIDATE, origin, e)) {
		journal_append(j->id, "guard", "failed", "cannot keep the candidate: %s", e->msg);
		xerr_wrap(e, "the policy was loaded, but the guard could not save it for confirm, "
			  "so it restored the snapshot");
		return 1;
	}
	apply_record(j->id, j->policy, j->hash, "pending");
	return 0;
}

static void guard_wait(const struct guard_job *j, long long deadline)
{
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	for (;;) {
		long long left = deadline - now_ms();
		struct timespec ts;
		int sig;

		if (state_exists(ST_CONFIRM_REQ)) {
			guard_promote(j);
			return;
		}
		if (state_exists(ST_ROLLBACK_REQ)) {
			guard_revert(j, "rollback requested", 0);
			return;
		}
		if (left <= 0) {
			guard_revert(j, "no confirm before the deadline", deadline);
			return;
		}
		if (left > GUARD_TICK_MS)
			left = GUARD_TICK_MS;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		sig = sigtimedwait(&set, &si, &ts);
		if (sig == SIGTERM) {
			guard_revert(j, "the guard was terminated (SIGTERM) before confirm", 0);
			return;
		}
		/* SIGUSR1/SIGUSR2 only wake it: the request files say what is wanted */
	}
}

static void guard_main(const struct guard_job *j, int report_fd)
{
	struct guard_msg m;
	long long deadline;
	sigset_t set;

	memset(&m, 0, sizeof(m));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	detach(report_fd, j->lock->fd);

	m.pid = (long)getpid();
	if (lock_take_over(j->lock, &m.err)) {
		journal_append(j->id, "guard", "failed", "%s", m.err.msg);
		send_msg(report_fd, &m);
		_exit(1);
	}
	{
		struct xerr ignored;

		/* requests left from an earlier window must not act on this one */
		state_remove(ST_CONFIRM_REQ, &ignored);
		state_remove(ST_ROLLBACK_REQ, &ignored);
	}
	/* provisional: the window is counted from the end of the commit below */
	if (pending_write(j, time(NULL) + j->secs, &m.err)) {
		send_msg(report_fd, &m);
		_exit(2);
	}
	journal_append(j->id, "guard", "start", "guard pid %ld, %d s window", m.pid, j->secs);
	switch (do_commit(j, &m.err)) {
	case 0:
		break;
	case 1:
		/* a commit that went through but cannot be confirmed must not stay */
		guard_revert(j, "the candidate could not be saved", 0);
		send_msg(report_fd, &m);
		_exit(1);
	default:
		guard_cleanup();
		send_msg(report_fd, &m);
		_exit(1);
	}
	/* the admin gets the whole window after the new policy is in */
	deadline = now_ms() + (long long)j->secs * 1000;
	m.deadline = (long long)time(NULL) + j->secs;
	if (pending_write(j, (time_t)m.deadline, &m.err)) {
		guard_revert(j, "the pending state could not be written", 0);
		send_msg(report_fd, &m);
		_exit(1);
	}
	{
		char what[256], when[32] = "?";
		time_t t = (time_t)m.deadline;
		struct tm tm;

		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(what, sizeof(what), "xnft apply guard of %s: reverts at %s unless confirmed",
			 j->id, when);
		lock_set_holder(j->lock, m.pid, what);
	}
	m.ok = 1;
	send_msg(report_fd, &m);
	close(report_fd);
	{
		char until[TIMEFMT_MAX];

		timefmt_local((time_t)m.deadline, until, sizeof(until));
		journal_append(j->id, "guard", "pending", "waiting for 'xnft confirm' until %s",
			       until);
	}
	apply_test_pause(NULL, j->id, "guard-wait");
	guard_wait(j, deadline);
	_exit(0);
}

int guard_start(const struct guard_job *j, long *pid, time_t *deadline, struct xerr *e)
{
	struct guard_msg m;
	size_t got = 0;
	int fd, status;
	pid_t child;

	if (spawn_fork_piped(&child, &fd, e))
		return -1;
	if (child == 0) {
		pid_t g;

		setsid();
		g = fork();
		if (g != 0)
			_exit(g < 0 ? 1 : 0);
		guard_main(j, fd);
		_exit(0);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	memset(&m, 0, sizeof(m));
	got = fd_read_full(fd, &m, sizeof(m));
	close(fd);
	if (got != sizeof(m)) {
		xerr_set(e, XNFT_EXIT_USAGE, "the confirm guard ended before it reported");
		return xerr_hint(e, "see 'xnft status' and the journal in %s", state_dir());
	}
	*pid = m.pid;
	*deadline = (time_t)m.deadline;
	if (!m.ok) {
		*e = m.err;
		if (!e->code)
			e->code = XNFT_EXIT_USAGE;
		return -1;
	}
	return 0;
}

/* ---- a guard that died -------------------------------------------------------- */

static void last_result(const char *id, char *result, char *msg, size_t msgn);

int apply_clear_stale_pending(const char *id, const char *who)
{
	char result[16], msg[400], why[600], when[32] = "?";
	struct pending_info p;
	struct xerr ignored;
	struct tm tm;

	if (pending_read(&p, &ignored) != 0 || p.alive)
		return 0;
	last_result(p.id, result, msg, sizeof(msg));
	if (!strcmp(result, "confirmed") || !strcmp(result, "reverted")) {
		/* it finished its work and died before removing its files */
		journal_append(id, "guard", "stale", "the guard of apply %s (pid %ld) ended as "
			       "'%s' without cleaning up; %s removed its files", p.id, p.pid,
			       result, who);
		guard_cleanup();
		return 1;
	}
	if (localtime_r(&p.deadline, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(why, sizeof(why), "the guard (pid %ld) is gone without confirm or revert "
		 "(killed?); its window %s at %s; %s found it and reverted", p.pid,
		 p.deadline <= time(NULL) ? "had expired" : "would have ended", when, who);
	journal_append(id, "guard", "stale", "apply %s: %s", p.id, why);
	apply_revert(p.id, p.policy, "", why, 0);
	return 1;
}

int apply_reap_dead_guard(const char *who)
{
	struct apply_lock lock;
	struct pending_info p;
	struct xerr e;
	char id[32];
	int rc;

	if (pending_read(&p, &e) != 0 || p.alive)
		return 0;
	if (lock_acquire(&lock, who, &e))
		return 0;
	journal_new_id(id, sizeof(id));
	rc = apply_clear_stale_pending(id, who);
	lock_release(&lock);
	return rc;
}

/* ---- confirm and rollback ------------------------------------------------------ */

/* The last journal result of run `id`, into result (may be ""). */
static void last_result(const char *id, char *result, char *msg, size_t msgn)
{
	struct journal_entry *v;
	struct xerr ignored;
	size_t n;

	result[0] = msg[0] = '\0';
	if (journal_read(&v, &n, &ignored))
		return;
	for (size_t i = n; i-- > 0;) {
		if (strcmp(v[i].id, id))
			continue;
		snprintf(result, 16, "%s", v[i].result);
		snprintf(msg, msgn, "%s", v[i].msg);
		break;
	}
	free(v);
}

/* Wait (bounded) until the guard is gone and has cleared its pending file. */
static int wait_guard_done(const struct pending_info *p)
{
	for (int i = 0; i < CONTROL_WAIT_MS / 20; i++) {
		if (!state_exists(ST_PENDING) || !proc_is((pid_t)p->pid, p->start))
			return 0;
		usleep(20000);
	}
	return -1;
}

static int ask_guard(const struct pending_info *p, const char *req, int sig, struct xerr *e)
{
	if (state_write_atomic(req, p->id, strlen(p->id), e))
		return -1;
	/* the signal only wakes it early: the guard checks the file every tick anyway */
	kill((pid_t)p->pid, sig);
	if (wait_guard_done(p)) {
		xerr_set(e, XNFT_EXIT_USAGE, "the guard (pid %ld) did not answer within %d s",
			 p->pid, CONTROL_WAIT_MS / 1000);
		return xerr_hint(e, "see 'xnft status'");
	}
	return 0;
}

/* The pending apply that confirm and rollback ask its guard about (pending_read's answer). */
static int pending_for_request(struct pending_info *p, struct xerr *e)
{
	if (apply_state_absolute(e))
		return -1;
	return pending_read(p, e);
}

int apply_confirm(const struct apply_progress *pr, struct xerr *e)
{
	char result[16], msg[400];
	struct pending_info p;
	int rc = pending_for_request(&p, e);

	if (rc)
		return rc;
	if (!p.alive) {
		bool reverted = apply_reap_dead_guard("xnft confirm") == 1;

		last_result(p.id, result, msg, sizeof(msg));
		xerr_set(e, XNFT_EXIT_USAGE,
			 "the guard of apply %s (pid %ld) is gone: nothing can be confirmed%s%s", p.id,
			 p.pid, reverted ? "; the window was reverted: " : "", reverted ? msg : "");
		return xerr_hint(e, "run 'xnft apply' again to load and confirm the policy; see "
				 "'xnft status'");
	}
	if (ask_guard(&p, ST_CONFIRM_REQ, SIGUSR1, e))
		return -1;
	last_result(p.id, result, msg, sizeof(msg));
	if (!strcmp(result, "confirmed")) {
		apply_say(pr, NULL, "confirm", result, "apply %s confirmed: %s", p.id, msg);
		return 0;
	}
	xerr_set(e, XNFT_EXIT_FINDINGS, "apply %s was not confirmed: %s (%s)", p.id,
		 msg[0] ? msg : "no result in the journal", result[0] ? result : "?");
	return xerr_hint(e, "the confirm came too late or the guard failed; see 'xnft status'");
}

/*
 * The confirmed policy could not be used: keep a table that is there (a
 * working policy is better than the fallback), load the fallback when there
 * is none. Either way the rollback failed, and says what is loaded now.
 */
static int rollback_failed(const struct apply_progress *pr, const char *id, struct xerr *e)
{
	char said[1500], why[sizeof(e->msg)];
	struct fallback_values *v;
	struct xerr fe;
	bool present = false;

	snprintf(why, sizeof(why), "%s", e->msg);
	journal_append(id, "rollback", "failed", "%s", why);
	if (table_present(&present, &fe) == 0 && present) {
		xerr_set(e, XNFT_EXIT_USAGE, "NOT ROLLED BACK: %s; the table that was loaded stays",
			 why);
		return xerr_hint(e, "see 'xnft status'; apply a policy again to write a new "
				 "confirmed policy");
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	fallback_values_state(v);
	fallback_describe(v, said, sizeof(said));
	if (fallback_has_way_in(v) && fallback_load(v, &fe) == 0) {
		apply_say(pr, id, "fallback", "loaded", "loaded %s", said);
		xerr_set(e, XNFT_EXIT_FINDINGS, "NOT ROLLED BACK: %s; no table was loaded, so %s "
			 "is loaded now", why, said);
	} else {
		xerr_set(e, XNFT_EXIT_USAGE, "NOT ROLLED BACK: %s; NO xnft TABLE IS LOADED (%s)",
			 why, fallback_has_way_in(v) ? fe.msg : "no remote way in is recorded for "
			 "the fallback");
	}
	free(v);
	return xerr_hint(e, "fix the policy and run 'xnft apply'");
}

static int rollback_to_confirmed(const struct apply_progress *pr, struct xerr *e)
{
	char got[TABLE_HASH_HEX];
	struct apply_lock lock;
	char id[32];
	int rc;

	journal_new_id(id, sizeof(id));
	if (state_prepare(e) || lock_acquire(&lock, "xnft rollback", e))
		return -1;
	journal_append(id, "start", "start", "xnft rollback");
	if (apply_clear_stale_pending(id, "xnft rollback") == 1) {
		/* the dead guard's window was reverted just now: that was the rollback */
		lock_release(&lock);
		apply_say(pr, NULL, "rollback", "ok", "the apply whose guard had died was reverted "
			  "(see 'xnft status')");
		return 0;
	}
	if (!state_exists(ST_CONFIRMED)) {
		lock_release(&lock);
		journal_append(id, "rollback", "refused", "no confirmed policy");
		xerr_set(e, XNFT_EXIT_USAGE, "no confirmed policy to roll back to in %s",
			 state_dir());
		return xerr_hint(e, "a policy becomes the confirmed one with 'xnft apply' "
				 "(and 'xnft confirm' when --confirm was given)");
	}
	rc = restore_verified(ST_CONFIRMED, ST_CONFIRMED_HASH, got, e);
	if (rc) {
		rc = rollback_failed(pr, id, e);
	} else {
		apply_record(id, "(rollback)", got, "rolled-back");
		apply_say(pr, id, "rollback", "ok",
			  "table %s %s restored from %s/%s in one transaction (checked against %s: "
			  "%.12s)", XNFT_TABLE_FAMILY, XNFT_TABLE_NAME, state_dir(), ST_CONFIRMED,
			  ST_CONFIRMED_HASH, got);
	}
	lock_release(&lock);
	return rc;
}

int apply_rollback(const struct apply_progress *pr, struct xerr *e)
{
	char result[16], msg[400];
	struct pending_info p;
	int rc = pending_for_request(&p, e);

	if (rc < 0)
		return -1;
	if (rc == 1 || !p.alive)
		return rollback_to_confirmed(pr, e);
	if (ask_guard(&p, ST_ROLLBACK_REQ, SIGUSR2, e))
		return -1;
	last_result(p.id, result, msg, sizeof(msg));
	if (!strcmp(result, "reverted")) {
		apply_say(pr, NULL, "rollback", result, "apply %s reverted: %s", p.id, msg);
		return 0;
	}
	xerr_set(e, XNFT_EXIT_FINDINGS, "apply %s ended as '%s': %s", p.id, result, msg);
	return xerr_hint(e, "see 'xnft status'");
}
