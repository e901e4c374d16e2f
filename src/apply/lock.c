// SPDX-License-Identifier: GPL-2.0-or-later
/* The apply lock: flock() plus a few lines saying who holds it. */
#include "apply/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

static int busy(int fd, struct xerr *e)
{
	struct lock_holder h;
	char when[64] = "an unknown time";
	struct tm tm;

	if (read_holder_fd(fd, &h)) {
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
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int rc = errno == EWOULDBLOCK ? busy(fd, e)
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
	int fd, rc = -1;

	memset(h, 0, sizeof(*h));
	if (state_path(path, sizeof(path), ST_LOCK, &e))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Held when a shared lock cannot be had. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
	} else if (errno == EWOULDBLOCK) {
		rc = read_holder_fd(fd, h);
	}
	close(fd);
	return rc;
}

void lock_release(struct apply_lock *l)
{
	if (l->fd < 0)
		return;
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}

void lock_forget(struct apply_lock *l)
{
	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
}
