// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Other programs are started from an argv with posix_spawnp, never through a
 * shell, and every exit status is checked: a failing `ip` must stop the
 * caller, not scroll past.
 */
#include "core/spawn.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fdio.h"

extern char **environ;

/* Captured output beyond this is dropped: a runaway child must not eat memory. */
#define SPAWN_CAPTURE_MAX (4u << 20)

/* "ip -n ns addr add ..." for messages, shortened to fit. */
static void argv_text(char *const argv[], char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] && used + 1 < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/*
 * The child gets default signal handling: an ignored SIGPIPE or a handler we
 * installed for Ctrl-C must not leak into programs we run.
 */
static int spawn_attrs(posix_spawnattr_t *attr, int new_session)
{
	sigset_t all, none;
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;

	if (posix_spawnattr_init(attr))
		return -1;
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(attr, &all);
	posix_spawnattr_setsigmask(attr, &none);
	/* A daemon we start must outlive the terminal and ignore its Ctrl-C. */
	if (new_session)
		flags |= POSIX_SPAWN_SETSID;
	posix_spawnattr_setflags(attr, flags);
	return 0;
}

/* Describe how a child ended; 0 for a clean exit 0. */
static int check_status(char *const argv[], int status, const char *output, struct xerr *e)
{
	char cmd[256];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	argv_text(argv, cmd, sizeof(cmd));
	if (WIFEXITED(status))
		xerr_set(e, 2, "'%s' exited with status %d%s%.*s", cmd, WEXITSTATUS(status),
			 output && *output ? ": " : "", 400, output ? output : "");
	else if (WIFSIGNALED(status))
		xerr_set(e, 2, "'%s' was killed by signal %d", cmd, WTERMSIG(status));
	else
		xerr_set(e, 2, "'%s' ended abnormally (status 0x%x)", cmd, (unsigned)status);
	/* Trailing newline of the program's message would break the one-line format. */
	size_t n = e ? strlen(e->msg) : 0;
	while (n && (e->msg[n - 1] == '\n' || e->msg[n - 1] == ' '))
		e->msg[--n] = '\0';
	return -1;
}

static int wait_child(pid_t pid, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, 0);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int start_error(char *const argv[], int err, struct xerr *e)
{
	xerr_set(e, 2, "cannot run '%s': %s", argv[0], strerror(err));
	if (err == ENOENT)
		xerr_hint(e, "install the program that provides '%s' (see tools/debian-packages.txt)",
			  argv[0]);
	return -1;
}

int spawn_run(char *const argv[], struct xerr *e)
{
	posix_spawnattr_t attr;
	pid_t pid;
	int status, rc;

	if (!argv || !argv[0])
		return xerr_set(e, 2, "spawn_run: empty argument vector");
	if (spawn_attrs(&attr, 0))
		return xerr_set(e, 2, "posix_spawnattr_init: %s", strerror(errno));
	rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (rc)
		return start_error(argv, rc, e);
	if (wait_child(pid, &status))
		return xerr_set(e, 2, "waitpid(%d): %s", (int)pid, strerror(errno));
	return check_status(argv, status, NULL, e);
}

int spawn_capture(char *const argv[], char **out, struct xerr *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pipefd[2], status, rc;
	pid_t pid;
	char *text;

	if (out)
		*out = NULL;
	if (!argv || !argv[0])
		return xerr_set(e, 2, "spawn_capture: empty argument vector");
	if (pipe2(pipefd, O_CLOEXEC))
		return xerr_set(e, 2, "pipe: %s", strerror(errno));
	if (posix_spawn_file_actions_init(&fa)) {
		close(pipefd[0]);
		close(pipefd[1]);
		return xerr_set(e, 2, "posix_spawn_file_actions_init failed");
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	if (spawn_attrs(&attr, 0)) {
		posix_spawn_file_actions_destroy(&fa);
		close(pipefd[0]);
		close(pipefd[1]);
		return xerr_set(e, 2, "posix_spawnattr_init: %s", strerror(errno));
	}
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return start_error(argv, rc, e);
	}
	/* more than SPAWN_CAPTURE_MAX is cut: the messages are at its start */
	if (fd_read_all(pipefd[0], SPAWN_CAPTURE_MAX - 1, &text, &(size_t){ 0 }) < 0)
		text = NULL;
	close(pipefd[0]);
	if (wait_child(pid, &status)) {
		free(text);
		return xerr_set(e, 2, "waitpid(%d): %s", (int)pid, strerror(errno));
	}
	if (check_status(argv, status, text, e)) {
		free(text);
		return -1;
	}
	if (!text)
		return xerr_set(e, 2, "out of memory reading the output of '%s'", argv[0]);
	if (out)
		*out = text;
	else
		free(text);
	return 0;
}

int spawn_start(char *const argv[], const char *log_path, pid_t *pid, struct xerr *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const char *sink = log_path ? log_path : "/dev/null";
	int rc;

	if (!argv || !argv[0])
		return xerr_set(e, 2, "spawn_start: empty argument vector");
	/* Open the log here, so a bad path is our error, not a silent child death. */
	int fd = open(sink, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return xerr_set(e, 2, "cannot open %s: %s", sink, strerror(errno));
	if (posix_spawn_file_actions_init(&fa)) {
		close(fd);
		return xerr_set(e, 2, "posix_spawn_file_actions_init failed");
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	if (spawn_attrs(&attr, 1)) {
		posix_spawn_file_actions_destroy(&fa);
		close(fd);
		return xerr_set(e, 2, "posix_spawnattr_init: %s", strerror(errno));
	}
	rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fd);
	if (rc)
		return start_error(argv, rc, e);
	return 0;
}

/* Fields of /proc/PID/stat after the command name; NULL when the process is gone. */
static const char *proc_stat_fields(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold spaces or parentheses, so use the last ')'. */
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p + 2 : NULL;
}

static int state_is_dead(char state)
{
	return state == 'Z' || state == 'X';
}

unsigned long long proc_start_time(pid_t pid)
{
	char buf[1024];
	const char *p = proc_stat_fields(pid, buf, sizeof(buf));
	int field;

	if (!p || state_is_dead(*p))
		return 0;
	/* p is at field 3 (the state); the start time is field 22. */
	for (field = 3; *p && field < 22; p++) {
		if (*p == ' ')
			field++;
	}
	if (field != 22 || !isdigit((unsigned char)*p))
		return 0;
	return strtoull(p, NULL, 10);
}

bool proc_is(pid_t pid, unsigned long long start)
{
	unsigned long long now = proc_start_time(pid);

	return now != 0 && now == start;
}

/*
 * Gone: reaped by us, or not our child and either absent or a zombie that
 * its new parent has yet to reap (some container inits never do).
 */
static int process_gone(pid_t pid)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	char buf[512];
	const char *p;

	if (r == pid)
		return 1;
	if (r == 0)
		return 0;
	if (kill(pid, 0) && errno == ESRCH)
		return 1;
	p = proc_stat_fields(pid, buf, sizeof(buf));
	return !p || state_is_dead(*p);
}

static int wait_gone(pid_t pid, int timeout_ms)
{
	long long deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		if (process_gone(pid))
			return 1;
		if (clock_mono_ms() >= deadline)
			return 0;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

int spawn_stop(pid_t pid, unsigned long long start, int timeout_ms)
{
	if (pid <= 1 || start == 0)
		return -1;
	if (process_gone(pid))
		return 0;
	/* The PID names another process now: ours is gone, and that one is not ours to signal. */
	if (!proc_is(pid, start))
		return 0;
	if (kill(pid, SIGTERM) && errno == ESRCH)
		return process_gone(pid) ? 0 : -1;
	if (wait_gone(pid, timeout_ms))
		return 0;
	if (proc_is(pid, start))
		kill(pid, SIGKILL);
	return wait_gone(pid, 2000) ? 0 : -1;
}

int spawn_fork_piped(pid_t *pid, int *fd, struct xerr *e)
{
	int fds[2];

	*pid = -1;
	*fd = -1;
	if (pipe2(fds, O_CLOEXEC))
		return xerr_set(e, XNFT_EXIT_USAGE, "pipe: %s", strerror(errno));
	*pid = fork();
	if (*pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return xerr_set(e, XNFT_EXIT_USAGE, "fork: %s", strerror(errno));
	}
	close(fds[*pid ? 1 : 0]);
	*fd = fds[*pid ? 0 : 1];
	return 0;
}

size_t spawn_fork_collect(pid_t pid, int fd, void *answer, size_t len, int *status)
{
	size_t got = fd_read_full(fd, answer, len);

	close(fd);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return got;
}
