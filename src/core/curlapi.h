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

#endif
