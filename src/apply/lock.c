// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The apply lock: POSIX record locks on two bytes of the lock file, plus a
 * few lines in it saying who holds it. Record locks belong to a process,
 * not to an open file, so a forked child (lint, the sandbox) does not hold
 * them: an orphaned child of a killed apply cannot keep the lock, and the
 * kernel names the real holder (F_GETLK).
 *
 *   byte 0  the apply (rollback, a revert by the next command) at work
 *   byte 1  the same, or the confirm guard during its window
 *
 * Everyone takes both. apply hands byte 1 to its guard while it still
 * holds byte 0, so nobody can come in between.
 */
#include "apply/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/state.h"

static void parse_holder(const char *text, struct lock_holder *h)
{
	memset(h, 0, sizeof(*h));
	h->pid = (long)kv_get_ll(text, "pid", 0);
	h->since = (time_t)kv_get_ll(text, "since", 0);
	kv_get(text, "cmd", h->what, sizeof(h->what));
}

static int read_holder_fd(int fd, struct lock_holder *h)
{
	char buf[1024];
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);

	if (r <= 0)
		return -1;
	buf[r] = '\0';
	parse_holder(buf, h);
	return h->pid > 0 ? 0 : -1;
}

#define LOCK_BYTE_APPLY 0
#define LOCK_BYTE_GUARD 1

static int range_set(int fd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, F_SETLK, &fl);
}

/* The pid holding a lock on bytes 0-1, 0 when nobody does. */
static long range_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 2 };

	if (fcntl(fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		return 0;
	return (long)fl.l_pid;
}

static int busy(int fd, struct xerr *e)
{
	long real = range_holder(fd);
	struct lock_holder h;
	char when[64] = "an unknown time";
	struct tm tm;

	/* the kernel names the holder; the file may be older (killed between lock and write) */
	if (read_holder_fd(fd, &h) || (real > 0 && h.pid != real)) {
		memset(&h, 0, sizeof(h));
		h.pid = real;
	}
	if (h.pid <= 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "another xnft apply is running (lock %s/%s)",
			 state_dir(), ST_LOCK);
		return xerr_hint(e, "wait for it to finish, then try again");
	}
	if (h.since && localtime_r(&h.since, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	xerr_set(e, XNFT_EXIT_USAGE, "another apply holds the lock: PID %ld (%s) since %s",
		 h.pid, h.what[0] ? h.what : "?", when);
	return xerr_hint(e, "wait for it to finish; during a confirm window, run 'xnft confirm' "
			 "to keep the new policy or 'xnft rollback' to revert it now");
}

int lock_acquire(struct apply_lock *l, const char *what, struct xerr *e)
{
	char path[4096];
	int fd;

	l->fd = -1;
	if (state_path(path, sizeof(path), ST_LOCK, e))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open lock %s: %s", path,
				strerror(errno));
	if (range_set(fd, F_WRLCK, LOCK_BYTE_APPLY, 2)) {
		int rc = errno == EACCES || errno == EAGAIN ? busy(fd, e)
					      : xerr_set(e, XNFT_EXIT_USAGE, "cannot lock %s: %s",
							 path, strerror(errno));
		close(fd);
		return rc;
	}
	l->fd = fd;
	lock_set_holder(l, (long)getpid(), what);
	return 0;
}

void lock_set_holder(struct apply_lock *l, long pid, const char *what)
{
	char buf[512];
	int n;

	if (l->fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "pid=%ld\nsince=%lld\ncmd=%s\n", pid,
		     (long long)time(NULL), what ? what : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (ftruncate(l->fd, 0) == 0 && pwrite(l->fd, buf, (size_t)n, 0) == n)
		fdatasync(l->fd);
}

int lock_holder(struct lock_holder *h)
{
	char path[4096];
	struct xerr e;
	long real;
	int fd, rc = -1;

	memset(h, 0, sizeof(*h));
	if (state_path(path, sizeof(path), ST_LOCK, &e))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	real = range_holder(fd);
	if (real > 0) {
		if (read_holder_fd(fd, h) || h->pid != real) {
			memset(h, 0, sizeof(*h));
			h->pid = real;
		}
		rc = 0;
	}
	close(fd);
	return rc;
}

void lock_release(struct apply_lock *l)
{
	if (l->fd < 0)
		return;
	range_set(l->fd, F_UNLCK, LOCK_BYTE_APPLY, 2);
	close(l->fd);
	l->fd = -1;
}

void lock_forget(struct apply_lock *l)
{
	if (l->fd < 0)
		return;
	/* closing drops this process's locks; the guard holds its own byte */
	close(l->fd);
	l->fd = -1;
}

void lock_hand_over(struct apply_lock *l)
{
	if (l->fd >= 0)
		range_set(l->fd, F_UNLCK, LOCK_BYTE_GUARD, 1);
}

int lock_take_over(struct apply_lock *l, struct xerr *e)
{
	if (l->fd < 0 || range_set(l->fd, F_WRLCK, LOCK_BYTE_GUARD, 1))
		return xerr_set(e, XNFT_EXIT_USAGE, "the guard could not take over the apply lock "
				"(%s): another apply came in; nothing was committed",
				l->fd < 0 ? "no lock" : strerror(errno));
	return 0;
}
