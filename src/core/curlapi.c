// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one table of libcurl's functions, for every feature that loads it,
 * the one sink for an answer read into memory, and the one way to stop a
 * transfer from another thread.
 */
#include "core/curlapi.h"

#include <stdlib.h>
#include <string.h>

#include "core/dynlib.h"

struct curl_api xcurl;

static const struct dynlib_sym curl_syms[] = {
	DYNLIB_SYM(xcurl, global_init, "curl_global_init"),
	DYNLIB_SYM(xcurl, easy_init, "curl_easy_init"),
	DYNLIB_SYM(xcurl, easy_setopt, "curl_easy_setopt"),
	DYNLIB_SYM(xcurl, easy_perform, "curl_easy_perform"),
	DYNLIB_SYM(xcurl, easy_getinfo, "curl_easy_getinfo"),
	DYNLIB_SYM(xcurl, easy_cleanup, "curl_easy_cleanup"),
	DYNLIB_SYM(xcurl, easy_strerror, "curl_easy_strerror"),
	DYNLIB_SYM(xcurl, slist_append, "curl_slist_append"),
	DYNLIB_SYM(xcurl, slist_free_all, "curl_slist_free_all"),
};

static struct dynlib curl_lib = DYNLIB_INIT("libcurl.so.4", "libcurl4", curl_syms, &xcurl);

int curlapi_load(struct xerr *e)
{
	return dynlib_get(&curl_lib, e);
}

size_t curlapi_body_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct curl_body *b = arg;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->too_big = true;
		return 0;   /* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(grown = realloc(b->data, cap)))
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int stop_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		   curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load((atomic_bool *)arg) ? 1 : 0;
}

void curlapi_stop_on(CURL *c, atomic_bool *stop)
{
	xcurl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	xcurl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stop_cb);
	xcurl.easy_setopt(c, CURLOPT_XFERINFODATA, stop);
}
