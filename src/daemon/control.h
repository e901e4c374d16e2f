/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's control socket: a UNIX stream socket, mode 0600, owned by
 * root. A client writes one request line ("list", "status", "add ADDR
 * [DUR]", "del ADDR", "reload") and reads one JSON reply, then the daemon
 * closes the connection. The server never blocks: clients are polled with
 * the rest of the daemon's fds, and a client that stalls is dropped.
 */
#ifndef XNFT_DAEMON_CONTROL_H
#define XNFT_DAEMON_CONTROL_H

#include <poll.h>
#include <stddef.h>

#include "core/err.h"

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_REQUEST_MAX 1024

/* Client side: one request, its reply (malloc'd JSON text). */
int control_request(const char *path, const char *request, char **reply, struct xerr *e);

struct control_server;

/*
 * A reply made a piece at a time while the client reads it (the list of
 * 100k bans is megabytes, and the daemon must not hold it whole): fill
 * writes the next bytes of the reply, at most cap, into buf and returns
 * how many, 0 once the reply is complete; end releases ctx, also when the
 * client went away first.
 */
struct control_stream {
	size_t (*fill)(void *ctx, char *buf, size_t cap);
	void (*end)(void *ctx);
	void *ctx;
};

/*
 * The reply to one request: malloc'd JSON text; or NULL with stream->fill
 * set, to stream it; NULL without: out of memory.
 */
typedef char *(*control_handler)(void *ctx, const char *request, struct control_stream *stream);

/* Bind path (0600; a stale socket is replaced, a live daemon's is not). */
int control_listen(const char *path, struct control_server **out, struct xerr *e);

/* Fill up to max pollfds (listener and clients); returns how many. */
size_t control_pollfds(struct control_server *s, struct pollfd *fds, size_t max);

/* Act on the poll results of the fds control_pollfds() gave. */
void control_service(struct control_server *s, const struct pollfd *fds, size_t n,
		     control_handler h, void *ctx);

void control_close(struct control_server *s);

#endif
