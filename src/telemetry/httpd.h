/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's Prometheus endpoint: GET/HEAD /metrics over libmicrohttpd,
 * in its own small thread pool so that a scrape never waits on the ban
 * path (nor the other way round). Anything else is answered 404 (other
 * paths) or 405 (other methods); a request with a body is refused (413);
 * headers past a few KiB, and a client silent for 5 s, end the connection.
 *
 * libmicrohttpd is loaded at run time (core/dynlib): linked, it and GnuTLS
 * with its dozen dependencies would be loaded by every `xnft` command; only
 * the daemon with [metrics] on needs it.
 */
#ifndef XNFT_TELEMETRY_HTTPD_H
#define XNFT_TELEMETRY_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/err.h"

#define HTTPD_DEFAULT_PORT 9586
#define HTTPD_TIMEOUT_S 5
#define HTTPD_MEMORY_LIMIT (16 * 1024)
#define HTTPD_THREADS 4
#define HTTPD_CONNECTIONS 64

/* Produce the page (malloc'd text); called from the server's threads. */
typedef int (*httpd_render_fn)(void *ctx, char **text, size_t *len);

struct httpd;

/*
 * Where to listen: "ADDR:PORT", "[ADDR6]:PORT", "mesh" or "mesh:PORT"
 * (the first address of mesh_if). The address must be one of this host's;
 * unless force, it must sit on mesh_if or loopback: the exporter names
 * every rule of the firewall and must not face the internet by mistake.
 */
int httpd_resolve(const char *listen, const char *mesh_if, bool force,
		  struct sockaddr_storage *ss, struct xerr *e);

int httpd_start(const struct sockaddr_storage *ss, httpd_render_fn render, void *ctx,
		struct httpd **out, struct xerr *e);
void httpd_stop(struct httpd *h);

/* "192.0.2.1:9586" / "[2001:db8::1]:9586". */
void httpd_format(const struct sockaddr_storage *ss, char *buf, size_t n);

#endif
