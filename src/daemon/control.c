// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control socket. Each client: read until a newline (at most
 * CONTROL_REQUEST_MAX bytes), answer, write the reply as the socket takes
 * it, close. Only root or the daemon's own user may talk to it (the mode
 * says so, and SO_PEERCRED checks it again).
 */
#include "daemon/control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

#define CLIENT_TIMEOUT_MS 5000    /* without progress */
#define STREAM_BUF (64 * 1024)      /* a streamed reply is written from a buffer this big */

struct client {
	int fd;
	char req[CONTROL_REQUEST_MAX + 1];
	size_t rlen;
	char *out;
	size_t olen, opos;
	struct control_stream st;   /* st.fill set: out is refilled from it */
	unsigned long long started_ms;
};

struct control_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client c[CONTROL_MAX_CLIENTS];
	size_t nc;
};

static int fill_addr(struct sockaddr_un *sa, const char *path, struct xerr *e)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return xerr_set(e, XNFT_EXIT_USAGE, "control socket path too long: %s", path);
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int control_request(const char *path, const char *request, char **reply, struct xerr *e)
{
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = 30 };
	size_t len = 0, cap = 4096, rl = strlen(request);
	char *buf;
	int fd;

	*reply = NULL;
	if (fill_addr(&sa, path, e) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "cannot reach the daemon at %s: %s", path, strerror(err));
		return xerr_hint(e, err == EACCES ? "the control socket is root's: run as root" :
				 "is it running? systemctl status xnft-daemon (or start it with "
				 "'xnft daemon')");
	}
	/* MSG_NOSIGNAL: a daemon that refuses this user closes at once; say so, not SIGPIPE */
	if (send(fd, request, rl, MSG_NOSIGNAL) != (ssize_t)rl ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		int err = errno;

		/* turned away: the daemon may have said why before it closed, read on */
		if (err != EPIPE && err != ECONNRESET) {
			close(fd);
			return xerr_set(e, XNFT_EXIT_USAGE, "writing to %s: %s", path,
					strerror(err));
		}
	} else {
		shutdown(fd, SHUT_WR);
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				close(fd);
				return xerr_set(e, XNFT_EXIT_USAGE, "reply from the daemon too large");
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			free(buf);
			close(fd);
			xerr_set(e, XNFT_EXIT_USAGE, "reading from %s: %s", path, strerror(err));
			if (err == ECONNRESET)
				xerr_hint(e, "the daemon closed the connection: only root and the "
					  "daemon's own user may use its control socket");
			return -1;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (!len) {
		free(buf);
		xerr_set(e, XNFT_EXIT_USAGE, "the daemon closed the connection without a reply");
		return xerr_hint(e, "only root and the daemon's own user may use its control socket; "
				 "else see the daemon's log");
	}
	*reply = buf;
	return 0;
}

int control_listen(const char *path, struct control_server **out, struct xerr *e)
{
	struct control_server *s;
	struct sockaddr_un sa;
	mode_t old;
	int fd, probe;

	*out = NULL;
	if (fill_addr(&sa, path, e) < 0)
		return -1;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		xerr_set(e, XNFT_EXIT_USAGE, "another xnft daemon is listening on %s", path);
		return xerr_hint(e, "stop it first (systemctl stop xnft-daemon), or give this one "
				 "another [daemon] socket");
	}
	if (probe >= 0)
		close(probe);
	unlink(path);   /* stale: nobody answered */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "socket: %s", strerror(errno));
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		umask(old);
		close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "cannot bind the control socket %s: %s", path,
			 strerror(err));
		return xerr_hint(e, "does its directory exist and is it writable?");
	}
	umask(old);
	chmod(path, 0600);
	if (listen(fd, 16) < 0) {
		close(fd);
		unlink(path);
		return xerr_set(e, XNFT_EXIT_USAGE, "listen on %s: %s", path, strerror(errno));
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		unlink(path);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	s->fd = fd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	*out = s;
	return 0;
}

size_t control_pollfds(struct control_server *s, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	if (!s || !max)
		return 0;
	fds[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	for (size_t i = 0; i < s->nc && n < max; i++)
		fds[n++] = (struct pollfd){ .fd = s->c[i].fd,
					    .events = s->c[i].out ? POLLOUT : POLLIN };
	return n;
}

static void drop_client(struct control_server *s, size_t i)
{
	close(s->c[i].fd);
	if (s->c[i].st.end)
		s->c[i].st.end(s->c[i].st.ctx);
	free(s->c[i].out);
	s->c[i] = s->c[--s->nc];
}

static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* Tell a client it is turned away (best effort: the socket may not take it), then close. */
static void refuse(int fd, bool busy)
{
	static const char busy_msg[] = "{\"ok\":false,\"error\":\"the daemon is busy with other "
		"clients\",\"hint\":\"try again\"}\n";
	static const char peer_msg[] = "{\"ok\":false,\"error\":\"this user may not use the "
		"daemon's control socket\",\"hint\":\"run as root or as the daemon's user\"}\n";
	const char *m = busy ? busy_msg : peer_msg;
	char sink[CONTROL_REQUEST_MAX];

	/* a request left unread would turn the close into a reset that hides the reply */
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	if (send(fd, m, strlen(m), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* nothing more to do: the client sees the connection close */
	}
	close(fd);
}

static void accept_clients(struct control_server *s, unsigned long long now)
{
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (s->nc == CONTROL_MAX_CLIENTS || !peer_allowed(fd)) {
			refuse(fd, s->nc == CONTROL_MAX_CLIENTS);
			continue;
		}
		memset(&s->c[s->nc], 0, sizeof(s->c[0]));
		s->c[s->nc].fd = fd;
		s->c[s->nc].started_ms = now;
		s->nc++;
	}
}

/* Read what the client sent; true when the request is complete (or must be answered). */
static bool read_request(struct client *c, bool *dead)
{
	for (;;) {
		ssize_t n = read(c->fd, c->req + c->rlen, CONTROL_REQUEST_MAX - c->rlen);
		char *nl;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			*dead = errno != EAGAIN;
			return false;
		}
		c->rlen += (size_t)n;
		c->req[c->rlen] = '\0';
		if ((nl = memchr(c->req, '\n', c->rlen))) {
			*nl = '\0';
			return true;
		}
		if (!n || c->rlen == CONTROL_REQUEST_MAX)
			return true;   /* EOF without newline, or too long: answer what we have */
	}
}

/* Write what the socket takes; true when the reply is out (or the client gone). */
static bool write_reply(struct client *c, unsigned long long now_ms)
{
	for (;;) {
		ssize_t n;

		if (c->opos == c->olen) {
			if (!c->st.fill)
				return true;
			c->olen = c->st.fill(c->st.ctx, c->out, STREAM_BUF);
			c->opos = 0;
			if (!c->olen)
				return true;
		}
		n = send(c->fd, c->out + c->opos, c->olen - c->opos, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? false : true;
		c->opos += (size_t)n;
		c->started_ms = now_ms;   /* a long reply that moves is not a stalled client */
	}
}

/* The handler's answer: a string, or a stream with a buffer to write it from. */
static bool start_reply(struct client *c, control_handler h, void *ctx)
{
	c->out = h(ctx, c->req, &c->st);
	if (c->out) {
		c->olen = strlen(c->out);
		return true;
	}
	if (!c->st.fill)
		return false;
	c->out = malloc(STREAM_BUF);
	return c->out != NULL;
}

void control_service(struct control_server *s, const struct pollfd *fds, size_t n,
		     control_handler h, void *ctx)
{
	unsigned long long now_ms;

	if (!s)
		return;
	now_ms = (unsigned long long)clock_mono_ms();
	/* Clients first: accepting reorders nothing, dropping does. */
	for (size_t k = 1; k < n; k++) {
		for (size_t i = 0; i < s->nc; i++) {
			struct client *c = &s->c[i];
			bool dead = false;

			if (c->fd != fds[k].fd || !fds[k].revents)
				continue;
			if (!c->out) {
				if (!read_request(c, &dead)) {
					if (dead)
						drop_client(s, i);
					break;
				}
				if (!start_reply(c, h, ctx)) {
					drop_client(s, i);
					break;
				}
			}
			if (write_reply(c, now_ms))
				drop_client(s, i);
			break;
		}
	}
	for (size_t i = 0; i < s->nc;) {
		if (now_ms - s->c[i].started_ms > CLIENT_TIMEOUT_MS)
			drop_client(s, i);
		else
			i++;
	}
	if (n && fds[0].fd == s->fd && (fds[0].revents & POLLIN))
		accept_clients(s, now_ms);
}

void control_close(struct control_server *s)
{
	if (!s)
		return;
	while (s->nc)
		drop_client(s, 0);
	close(s->fd);
	unlink(s->path);
	free(s);
}
