/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One https GET for the monitor, through the project's libcurl table
 * (core/curlapi.h): https only, redirects included (each one checked here,
 * at most 5), connect and total timeouts, a size cap on the (decoded)
 * answer, and a conditional request when the validators of the last
 * answer are given.
 */
#ifndef XNFT_MONITOR_FETCH_H
#define XNFT_MONITOR_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct mon_fetch_opts {
	const char *ca_file;        /* NULL/"" = the system's CA bundle */
	long timeout_ms, connect_timeout_ms;
	size_t max_bytes;
	const char *etag;           /* the last answer's ETag: If-None-Match; NULL/"" = none */
	const char *last_modified;  /* its Last-Modified: If-Modified-Since */
	const char *api_key;        /* sent as "apiKey: KEY" (the NVD's header); NULL = none */
};

struct mon_body {
	char *data;                 /* NUL-terminated; NULL when not modified */
	size_t len;
	bool not_modified;          /* 304: nothing new since the validators */
	long status;                /* the last HTTP status (also on failure; 0 = none) */
	char etag[256];
	char last_modified[64];
	char final_url[1024];       /* after redirects */
};

/* Load libcurl (dlopen) and initialise it; -1 with e naming the package when missing. */
int mon_fetch_init(struct xerr *e);

/*
 * GET url into b. -1 with a message saying what went wrong (not https, a
 * redirect to a URL that is not https, timeout, too big, truncated, an HTTP
 * error status, TLS) and what to do; b is then empty.
 */
int mon_fetch(const char *url, const struct mon_fetch_opts *o, struct mon_body *b, struct xerr *e);

void mon_body_free(struct mon_body *b);

#endif
