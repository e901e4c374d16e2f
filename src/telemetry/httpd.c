// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /metrics over libmicrohttpd (httpd.h).
 */
#include "telemetry/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "core/dynlib.h"

static struct {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *response_from_buffer;
	__typeof__(MHD_add_response_header) *add_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_lookup_connection_value) *lookup;
} mhd;

static const struct dynlib_sym mhd_syms[] = {
	DYNLIB_SYM(mhd, start_daemon, "MHD_start_daemon"),
	DYNLIB_SYM(mhd, stop_daemon, "MHD_stop_daemon"),
	DYNLIB_SYM(mhd, response_from_buffer, "MHD_create_response_from_buffer"),
	DYNLIB_SYM(mhd, add_header, "MHD_add_response_header"),
	DYNLIB_SYM(mhd, queue_response, "MHD_queue_response"),
	DYNLIB_SYM(mhd, destroy_response, "MHD_destroy_response"),
	DYNLIB_SYM(mhd, lookup, "MHD_lookup_connection_value"),
};
static struct dynlib mhd_lib = DYNLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12", mhd_syms,
					   &mhd);

struct httpd {
	struct MHD_Daemon *mhd;
	httpd_render_fn render;
	void *ctx;
};

/* ---- where to listen -------------------------------------------------------------- */

static int parse_listen(const char *listen, char *host, size_t hn, unsigned *port,
			struct xerr *e)
{
	const char *colon;
	char *end;
	unsigned long p = HTTPD_DEFAULT_PORT;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close - listen - 1 >= (long)hn)
			return xerr_set(e, XNFT_EXIT_USAGE, "listen '%s': ']' missing", listen);
		snprintf(host, hn, "%.*s", (int)(close - listen - 1), listen + 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return xerr_set(e, XNFT_EXIT_USAGE, "listen '%s': expected [ADDR6]:PORT", listen);
	} else {
		colon = strrchr(listen, ':');
		if (colon && strchr(listen, ':') != colon)
			return xerr_set(e, XNFT_EXIT_USAGE, "listen '%s': write an IPv6 address as "
					"[ADDR6]:PORT", listen);
		snprintf(host, hn, "%.*s", colon ? (int)(colon - listen) : (int)strlen(listen), listen);
	}
	if (colon) {
		p = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || p == 0 || p > 65535)
			return xerr_set(e, XNFT_EXIT_USAGE, "listen '%s': '%s' is not a port (1-65535)",
					listen, colon + 1);
	}
	*port = (unsigned)p;
	return 0;
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (!a || a->sa_family != b->ss_family)
		return false;
	if (a->sa_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr, 4);
	return a->sa_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

/* The interface holding the address in ss ("" when none), or the first address of ifname. */
static int find_address(struct sockaddr_storage *ss, const char *ifname, char *owner, size_t n,
			struct xerr *e)
{
	struct ifaddrs *all, *i;
	bool found = false;

	if (getifaddrs(&all))
		return xerr_set(e, XNFT_EXIT_USAGE, "reading this host's addresses: %s",
				strerror(errno));
	owner[0] = '\0';
	for (i = all; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (ifname && !strcmp(i->ifa_name, ifname)) {
			uint16_t port = ((struct sockaddr_in *)ss)->sin_port;

			memset(ss, 0, sizeof(*ss));
			memcpy(ss, i->ifa_addr, i->ifa_addr->sa_family == AF_INET
						    ? sizeof(struct sockaddr_in)
						    : sizeof(struct sockaddr_in6));
			((struct sockaddr_in *)ss)->sin_port = port;   /* same offset in both */
			found = true;
		} else if (!ifname && same_addr(i->ifa_addr, ss)) {
			found = true;
		}
		if (found)
			snprintf(owner, n, "%s", i->ifa_name);
	}
	freeifaddrs(all);
	return 0;
}

static bool is_loopback(const char *ifname)
{
	return !strcmp(ifname, "lo");
}

int httpd_resolve(const char *listen, const char *mesh_if, bool force,
		  struct sockaddr_storage *ss, struct xerr *e)
{
	char host[128], owner[IF_NAMESIZE + 1], shown[160];
	unsigned port;
	bool mesh;

	if (parse_listen(listen, host, sizeof(host), &port, e))
		return xerr_hint(e, "[metrics] listen = mesh, mesh:PORT, ADDR:PORT or [ADDR6]:PORT");
	memset(ss, 0, sizeof(*ss));
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	mesh = !strcmp(host, "mesh");
	if (mesh) {
		if (find_address(ss, mesh_if, owner, sizeof(owner), e))
			return -1;
		if (!owner[0]) {
			xerr_set(e, XNFT_EXIT_USAGE, "[metrics] listen = mesh: interface %s has no "
				 "address", mesh_if);
			return xerr_hint(e, "bring %s up, set [metrics] mesh_if, or give listen = "
					 "ADDR:PORT", mesh_if);
		}
		return 0;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1)
		ss->ss_family = AF_INET;
	else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1)
		ss->ss_family = AF_INET6;
	else
		return xerr_set(e, XNFT_EXIT_USAGE, "[metrics] listen: '%s' is not an IP address",
				host);
	httpd_format(ss, shown, sizeof(shown));
	if (find_address(ss, NULL, owner, sizeof(owner), e))
		return -1;
	if (!owner[0] && !force) {
		xerr_set(e, XNFT_EXIT_USAGE, "[metrics] listen: %s is not an address of this host "
			 "(or, like 0.0.0.0, of every interface)", shown);
		return xerr_hint(e, "give the mesh address (listen = mesh), or set force = yes to "
				 "listen there anyway");
	}
	if (owner[0] && strcmp(owner, mesh_if) && !is_loopback(owner) && !force) {
		xerr_set(e, XNFT_EXIT_USAGE, "[metrics] listen: %s is on %s, not on the mesh "
			 "interface %s", shown, owner, mesh_if);
		return xerr_hint(e, "the exporter names every rule of the firewall: keep it on the "
				 "mesh, or set force = yes");
	}
	return 0;
}

void httpd_format(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(((const struct sockaddr_in6 *)ss)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(((const struct sockaddr_in *)ss)->sin_port));
	}
}

/* ---- serving ---------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = mhd.response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return rc;
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", (void *)msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT);
}

/* A request announcing a body: refused before the body is read. */
static bool has_body(struct MHD_Connection *c)
{
	const char *len = mhd.lookup(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len && strcmp(len, "0")) ||
	       mhd.lookup(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **state)
{
	static int first_call;
	struct httpd *h = cls;
	char *text = NULL;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	/* the first call has only the headers: answer a body-less GET at once, refuse bodies */
	if (!*state) {
		*state = &first_call;
		if (strcmp(method, "GET") && strcmp(method, "HEAD"))
			return text_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
		if (has_body(c))
			return text_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "no request body here\n");
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return text_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "no request body here\n");
	}
	if (strcmp(url, "/metrics"))
		return text_reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	if (h->render(h->ctx, &text, &len))
		return text_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "reading the counters failed; see the daemon's log\n");
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
		     MHD_RESPMEM_MUST_FREE);
}

int httpd_start(const struct sockaddr_storage *ss, httpd_render_fn render, void *ctx,
		struct httpd **out, struct xerr *e)
{
	struct httpd *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	char where[160];

	if (dynlib_get(&mhd_lib, e))
		return xerr_wrap(e, "the metrics endpoint");
	if (!(h = calloc(1, sizeof(*h))))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	h->render = render;
	h->ctx = ctx;
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = mhd.start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTPD_THREADS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_MEMORY_LIMIT,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_CONNECTIONS,
				  MHD_OPTION_END);
	if (!h->mhd) {
		int err = errno;

		free(h);
		httpd_format(ss, where, sizeof(where));
		xerr_set(e, XNFT_EXIT_USAGE, "the metrics endpoint cannot listen on %s: %s", where,
			 err ? strerror(err) : "libmicrohttpd refused");
		return xerr_hint(e, "is another process (a second daemon?) listening there?");
	}
	*out = h;
	return 0;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	mhd.stop_daemon(h->mhd);
	free(h);
}
