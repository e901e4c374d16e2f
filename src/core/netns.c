// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Named network namespaces. Work inside one happens in a forked child, so
 * the caller's thread never changes namespace and cannot forget to come
 * back; the child's error comes home through a pipe.
 */
#include "core/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/spawn.h"

#define NETNS_RUN_DIR "/run/netns"

/* A name `ip netns` would accept and that cannot climb out of /run/netns. */
static int netns_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 200 || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	return strchr(name, '/') == NULL;
}

int netns_enter(const char *name, struct xerr *e)
{
	char path[256];
	int fd;

	if (!netns_name_ok(name))
		return xerr_set(e, 2, "invalid network namespace name '%s'", name ? name : "");
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		xerr_set(e, 2, "network namespace '%s' not found (%s: %s)", name, path,
			 strerror(errno));
		return xerr_hint(e, "'ip netns list' shows the namespaces that exist");
	}
	if (setns(fd, CLONE_NEWNET)) {
		int err = errno;
		close(fd);
		xerr_set(e, 2, "cannot enter network namespace '%s': %s", name, strerror(err));
		if (err == EPERM)
			xerr_hint(e, "entering a network namespace needs root (CAP_SYS_ADMIN)");
		return -1;
	}
	close(fd);
	return 0;
}

/* What the child sends home: its result and, on failure, its error. */
struct netns_reply {
	int rc;
	struct xerr err;
};

static void __attribute__((noreturn))
child_run(int wfd, const char *name, int (*fn)(void *, struct xerr *), void *arg)
{
	struct netns_reply r;

	memset(&r, 0, sizeof(r));
	xerr_clear(&r.err);
	r.rc = netns_enter(name, &r.err);
	if (r.rc == 0)
		r.rc = fn(arg, &r.err) ? -1 : 0;
	fd_write_all(wfd, &r, sizeof(r));
	close(wfd);
	/* _exit: the parent's stdio buffers and atexit handlers are not ours to run. */
	_exit(r.rc ? 1 : 0);
}

int netns_call(const char *name, int (*fn)(void *arg, struct xerr *e), void *arg,
	       struct xerr *e)
{
	struct netns_reply r;
	int fd, status;
	pid_t pid;

	if (!fn)
		return xerr_set(e, 2, "netns_call: no function");
	if (!netns_name_ok(name))
		return xerr_set(e, 2, "invalid network namespace name '%s'", name ? name : "");
	fflush(NULL);
	if (spawn_fork_piped(&pid, &fd, e))
		return -1;
	if (pid == 0)
		child_run(fd, name, fn, arg);
	size_t got = fd_read_full(fd, &r, sizeof(r));
	close(fd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return xerr_set(e, 2, "waitpid(%d): %s", (int)pid, strerror(errno));
	}
	if (got != sizeof(r)) {
		if (WIFSIGNALED(status))
			return xerr_set(e, 2, "work inside network namespace '%s' died with signal %d",
					name, WTERMSIG(status));
		return xerr_set(e, 2, "work inside network namespace '%s' ended without a result",
				name);
	}
	if (r.rc == 0)
		return 0;
	xerr_terminate(&r.err);
	if (e)
		*e = r.err;
	return -1;
}
