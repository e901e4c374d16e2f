// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's streamed replies (src/daemon/control.c): a reply made
 * a piece at a time reaches the client whole, in order, however many
 * refills and partial writes it takes; a plain string reply still works;
 * the stream's end is called once, also when the client leaves early.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/control.h"

#define PIECES 300000  /* "p000000," ...: 2.4 MB, many buffers, more than a socket holds */
#define PIECE 8

struct stream_state {
	size_t next;       /* the next piece to write */
	int ended;         /* how often end() was called */
};

static struct stream_state st;

static size_t fill(void *ctx, char *buf, size_t cap)
{
	struct stream_state *s = ctx;
	size_t len = 0;

	/* whole pieces, never cut, then a newline */
	while (s->next < PIECES && len + PIECE <= cap) {
		char piece[PIECE + 1];

		snprintf(piece, sizeof(piece), "p%06zu,", s->next++);
		memcpy(buf + len, piece, PIECE);   /* not its NUL: cap may end right here */
		len += PIECE;
	}
	if (s->next == PIECES && len < cap) {
		buf[len++] = '\n';
		s->next++;
	}
	return len;
}

static void end(void *ctx)
{
	((struct stream_state *)ctx)->ended++;
}

static char *handler(void *ctx, const char *request, struct control_stream *stream)
{
	(void)ctx;
	if (!strcmp(request, "list")) {
		*stream = (struct control_stream){ .fill = fill, .end = end, .ctx = &st };
		return NULL;
	}
	return strdup("plain\n");
}

static char *expected(void)
{
	char *s = malloc(PIECES * PIECE + 2);

	for (size_t i = 0; i < PIECES; i++)
		snprintf(s + i * PIECE, PIECE + 1, "p%06zu,", i);
	strcpy(s + PIECES * PIECE, "\n");
	return s;
}

/* Serve until the child exits (bounded); its exit status. */
static int serve(struct control_server *srv, pid_t child)
{
	int status = -1;

	for (int round = 0; round < 3000; round++) {
		struct pollfd fds[CONTROL_MAX_CLIENTS + 1];
		size_t n = control_pollfds(srv, fds, CONTROL_MAX_CLIENTS + 1);

		poll(fds, (nfds_t)n, 10);
		control_service(srv, fds, n, handler, NULL);
		if (waitpid(child, &status, WNOHANG) == child)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return -1;
}

static void sock_path(char *dir, char *path, size_t size)
{
	strcpy(dir, "/tmp/xnft-test-control.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, size, "%s/s.sock", dir);
}

static void test_streamed_reply_whole(void **state)
{
	char dir[64], path[128];
	struct control_server *srv;
	struct xerr e;
	pid_t child;

	(void)state;
	memset(&st, 0, sizeof(st));
	sock_path(dir, path, sizeof(path));
	assert_int_equal(control_listen(path, &srv, &e), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char *reply = NULL, *want = expected();
		int ok = control_request(path, "list", &reply, &e) == 0 && !strcmp(reply, want);

		free(reply);
		ok = ok && control_request(path, "other", &reply, &e) == 0 &&
		     !strcmp(reply, "plain\n");
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(serve(srv, child), 0);
	assert_int_equal(st.next, PIECES + 1);
	assert_int_equal(st.ended, 1);
	control_close(srv);
	rmdir(dir);
}

static void test_client_leaves_early(void **state)
{
	char dir[64], path[128];
	struct control_server *srv;
	struct xerr e;
	pid_t child;

	(void)state;
	memset(&st, 0, sizeof(st));
	sock_path(dir, path, sizeof(path));
	assert_int_equal(control_listen(path, &srv, &e), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		char buf[100];

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    write(fd, "list\n", 5) != 5 || read(fd, buf, sizeof(buf)) <= 0)
			_exit(1);
		_exit(0);   /* gone with most of the reply unread */
	}
	assert_int_equal(serve(srv, child), 0);
	/* the server notices at its next write, or drops the client at its timeout */
	for (int round = 0; round < 700 && !st.ended; round++) {
		struct pollfd fds[CONTROL_MAX_CLIENTS + 1];
		size_t n = control_pollfds(srv, fds, CONTROL_MAX_CLIENTS + 1);

		poll(fds, (nfds_t)n, 10);
		control_service(srv, fds, n, handler, NULL);
	}
	assert_int_equal(st.ended, 1);
	assert_true(st.next < PIECES);   /* the rest was never made */
	control_close(srv);
	assert_int_equal(st.ended, 1);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streamed_reply_whole),
		cmocka_unit_test(test_client_leaves_early),
	};

	signal(SIGPIPE, SIG_IGN);   /* as the daemon does */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
