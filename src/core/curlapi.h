/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcurl, loaded with dlopen by the features that talk HTTP (webhooks,
 * the CrowdSec client): linked, it and the ~30 libraries it needs would load
 * in every xnft command. <curl/curl.h> still gives the types and constants;
 * calls go through `xcurl` (its members are not named curl_easy_setopt and
 * curl_easy_getinfo, which curl.h may define as type-checking macros).
 */
#ifndef XNFT_CORE_CURLAPI_H
#define XNFT_CORE_CURLAPI_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "core/err.h"

struct curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
};

/* Filled by curlapi_load; use only after it returned 0. */
extern struct curl_api xcurl;

/* Load libcurl unless loaded (any thread); -1 with e naming the package when it is missing. */
int curlapi_load(struct xerr *e);

/*
 * A response body kept in memory, NUL-terminated, of at most max bytes:
 * curlapi_body_cb is the CURLOPT_WRITEFUNCTION, the body its WRITEDATA.
 * A larger answer stops the transfer (CURLE_WRITE_ERROR) with too_big set.
 */
struct curl_body {
	char *data;
	size_t len, cap, max;
	bool too_big;
};

size_t curlapi_body_cb(char *p, size_t size, size_t nmemb, void *arg);

/*
 * Abort c's transfer (CURLE_ABORTED_BY_CALLBACK) once *stop is set, checked
 * while it runs, so a thread asked to stop does not wait out a slow server.
 */
void curlapi_stop_on(CURL *c, atomic_bool *stop);

#endif
