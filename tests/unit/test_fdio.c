// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pipes between xnft's processes (src/core/fdio.c, spawn_fork_piped in
 * src/core/spawn.c): a child's whole output read back, its cut past a
 * limit with the writer never blocked, and the pipe's ends in each process;
 * a child's fixed-size answer collected (spawn_fork_collect); a file replaced
 * whole (fd_replace_file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/spawn.h"

/* A child writing n bytes of 'a'..'z' back; its exit status says whether all went out. */
static pid_t writer(size_t n, int *fd)
{
	struct xerr e;
	pid_t pid;

	assert_int_equal(spawn_fork_piped(&pid, fd, &e), 0);
	if (pid == 0) {
		char *buf = malloc(n ? n : 1);

		for (size_t i = 0; buf && i < n; i++)
			buf[i] = (char)('a' + i % 26);
		_exit(buf && fd_write_all(*fd, buf, n) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_true(*fd >= 0);
	return pid;
}

static int exit_status(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_whole(void **state)
{
	size_t sizes[] = { 0, 1, 4095, 4096, 4097, 300000 };

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char *out = NULL;
		size_t len = 7;
		int fd;
		pid_t pid = writer(sizes[k], &fd);

		assert_int_equal(fd_read_all(fd, 1 << 20, &out, &len), 0);
		close(fd);
		assert_int_equal(exit_status(pid), 0);
		assert_int_equal(len, sizes[k]);
		assert_int_equal(out[len], '\0');
		for (size_t i = 0; i < len; i++)
			assert_int_equal(out[i], 'a' + i % 26);
		free(out);
	}
}

static void test_cut(void **state)
{
	char *out = NULL;
	size_t len = 0;
	int fd;
	/* far more than a pipe holds: the writer only ends if the rest is read */
	pid_t pid = writer(1 << 20, &fd);

	(void)state;
	assert_int_equal(fd_read_all(fd, 10000, &out, &len), 1);
	close(fd);
	assert_int_equal(exit_status(pid), 0);
	assert_int_equal(len, 10000);
	assert_int_equal(strlen(out), 10000);
	assert_int_equal(out[9999], 'a' + 9999 % 26);
	free(out);
}

static void test_ends(void **state)
{
	struct xerr e;
	char c = 0;
	pid_t pid;
	int fd;

	(void)state;
	assert_int_equal(spawn_fork_piped(&pid, &fd, &e), 0);
	if (pid == 0) {
		/* the child's end writes; reading it fails */
		_exit(read(fd, &c, 1) < 0 && write(fd, "x", 1) == 1 ? 0 : 1);
	}
	assert_int_equal(fd_read_full(fd, &c, 1), 1);
	assert_int_equal(c, 'x');
	/* the parent's end reads; its write end is closed, so the stream ends */
	assert_int_equal(fd_read_full(fd, &c, 1), 0);
	assert_true(write(fd, "y", 1) < 0);
	close(fd);
	assert_int_equal(exit_status(pid), 0);
}

static void test_collect(void **state)
{
	char answer[8];
	int fd, status = -1;
	pid_t pid = writer(5, &fd);

	(void)state;
	/* the child answers 5 bytes of the 8 asked for, then exits 0 */
	memset(answer, 0, sizeof(answer));
	assert_int_equal(spawn_fork_collect(pid, fd, answer, sizeof(answer), &status), 5);
	assert_memory_equal(answer, "abcde", 5);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* reaped: no child of that pid is left to wait for */
	assert_int_equal(waitpid(pid, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_replace_file(void **state)
{
	char dir[] = "/tmp/xnft-fdio.XXXXXX", path[64], tmp[96], buf[16] = "";
	struct stat st;
	mode_t old_umask;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	/* a temporary left by a dead process with our pid does not stand in the way */
	f = fopen(tmp, "w");
	assert_non_null(f);
	fclose(f);
	old_umask = umask(077);
	assert_int_equal(fd_replace_file(path, "old", 3, 0640), 0);
	assert_int_equal(fd_replace_file(path, "new\n", 4, 0640), 0);
	umask(old_umask);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 4);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "new\n");
	assert_int_equal(access(tmp, F_OK), -1);
	/* a directory that is not there: an error, nothing left behind */
	snprintf(path, sizeof(path), "%s/no/f", dir);
	errno = 0;
	assert_int_equal(fd_replace_file(path, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* What is written to stderr while it is muted goes nowhere; after it, to stderr again. */
static void test_stderr_mute(void **state)
{
	int p[2], outer, m;
	char buf[16];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	outer = dup(STDERR_FILENO);
	assert_true(outer >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	close(p[1]);
	m = fd_stderr_mute();
	assert_true(m >= 0);
	assert_int_equal(fd_write_all(STDERR_FILENO, "hidden", 6), 0);
	fd_stderr_restore(m);
	assert_int_equal(fd_write_all(STDERR_FILENO, "shown", 5), 0);
	assert_true(dup2(outer, STDERR_FILENO) >= 0);   /* the pipe's last writer goes */
	close(outer);
	n = (ssize_t)fd_read_full(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "shown", 5);
}

/* 1 when fd is /dev/null, open for reading and writing. */
static int is_devnull_rw(int fd, const struct stat *null)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	return fstat(fd, &st) == 0 && st.st_rdev == null->st_rdev && fl >= 0 &&
	       (fl & O_ACCMODE) == O_RDWR && !(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/*
 * In a child: stdio onto /dev/null, also when stdin was closed (open then
 * hands out descriptor 0, which must stay open and inheritable).
 */
static void test_stdio_to_devnull(void **state)
{
	struct stat null;
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(stat("/dev/null", &null), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(STDIN_FILENO);
		fd_stdio_to_devnull();
		_exit(is_devnull_rw(0, &null) && is_devnull_rw(1, &null) &&
		      is_devnull_rw(2, &null) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_ends),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_replace_file),
		cmocka_unit_test(test_stderr_mute),
		cmocka_unit_test(test_stdio_to_devnull),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
