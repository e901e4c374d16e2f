// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/curlapi.h"

#define MAX_REDIRECTS 5

struct sink {
	struct curl_body body;
	char etag[256];
	char last_modified[64];
};

/* A header's value, without surrounding blanks, into dst when line is "name: value". */
static void header_value(const char *line, size_t len, const char *name, char *dst, size_t size)
{
	size_t n = strlen(name);

	if (len <= n + 1 || strncasecmp(line, name, n) || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	if (len < size)
		snprintf(dst, size, "%.*s", (int)len, line);
}

static size_t header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	/* a new response (after a redirect or a 100) starts with its status line */
	if (n > 5 && !strncmp(p, "HTTP/", 5))
		s->etag[0] = s->last_modified[0] = '\0';
	header_value(p, n, "ETag", s->etag, sizeof(s->etag));
	header_value(p, n, "Last-Modified", s->last_modified, sizeof(s->last_modified));
	return n;
}

int mon_fetch_init(struct xerr *e)
{
	if (curlapi_load(e) < 0)
		return xerr_wrap(e, "xnft monitor fetches over https with libcurl");
	if (xcurl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return xerr_set(e, XNFT_EXIT_USAGE, "libcurl failed to initialise");
	return 0;
}

static struct curl_slist *request_headers(const struct mon_fetch_opts *o)
{
	struct curl_slist *h = NULL;
	char line[512];

	if (o->etag && o->etag[0]) {
		snprintf(line, sizeof(line), "If-None-Match: %s", o->etag);
		h = xcurl.slist_append(h, line);
	}
	if (o->last_modified && o->last_modified[0]) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", o->last_modified);
		h = xcurl.slist_append(h, line);
	}
	if (o->api_key && o->api_key[0]) {
		snprintf(line, sizeof(line), "apiKey: %s", o->api_key);
		h = xcurl.slist_append(h, line);
	}
	return h;
}

/* The message for a transfer libcurl gave up on. */
static int transfer_error(CURLcode rc, const struct sink *s, const struct mon_fetch_opts *o,
			  const char *cerr, struct xerr *e)
{
	if (s->body.too_big) {
		xerr_set(e, XNFT_EXIT_USAGE, "the answer is larger than %zu KiB: refused",
			 o->max_bytes >> 10);
		return xerr_hint(e, "raise [monitor] max_response_kb if the source really is this big");
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		xerr_set(e, XNFT_EXIT_USAGE, "no complete answer within %ld ms (%s)", o->timeout_ms,
			 cerr[0] ? cerr : "timed out");
		return xerr_hint(e, "check the network and the URL, or raise [monitor] timeout");
	}
	if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING) {
		xerr_set(e, XNFT_EXIT_USAGE, "the answer is truncated: %s",
			 cerr[0] ? cerr : xcurl.easy_strerror(rc));
		return xerr_hint(e, "the server closed the connection early; the next run retries");
	}
	xerr_set(e, XNFT_EXIT_USAGE, "%s", cerr[0] ? cerr : xcurl.easy_strerror(rc));
	if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_COULDNT_RESOLVE_PROXY)
		return xerr_hint(e, "check this host's DNS and outgoing https (a firewall in the way?) "
				 "and the URL in [monitor]");
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	    rc == CURLE_SSL_CONNECT_ERROR)
		xerr_hint(e, "the server's certificate is not trusted: set [monitor] ca_file if it "
			  "uses a private CA");
	return -1;
}

/* https only, redirects left to mon_fetch, bounded in time; the body and headers into s. */
static void set_request(CURL *c, const char *url, const struct mon_fetch_opts *o,
			struct curl_slist *hdr, struct sink *s, char *cerr)
{
	xcurl.easy_setopt(c, CURLOPT_URL, url);
	xcurl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	xcurl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	xcurl.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	xcurl.easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	xcurl.easy_setopt(c, CURLOPT_WRITEFUNCTION, curlapi_body_cb);
	xcurl.easy_setopt(c, CURLOPT_WRITEDATA, &s->body);
	xcurl.easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	xcurl.easy_setopt(c, CURLOPT_HEADERDATA, s);
	xcurl.easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	xcurl.easy_setopt(c, CURLOPT_USERAGENT, "xnft-monitor/" XNFT_VERSION);
	/* decoded size counts against the cap: a compressed bomb stops there too */
	xcurl.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (o->ca_file && o->ca_file[0])
		xcurl.easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
}

/* One request, no redirect followed; *redirect gets a 3xx answer's Location. */
static int get_once(const char *url, const struct mon_fetch_opts *o, struct sink *s, long *code,
		    char *redirect, size_t rsize, struct xerr *e)
{
	CURL *c = xcurl.easy_init();
	struct curl_slist *hdr;
	char cerr[CURL_ERROR_SIZE] = "";
	char *loc = NULL;
	CURLcode rc;

	if (!c)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	hdr = request_headers(o);
	set_request(c, url, o, hdr, s, cerr);
	rc = xcurl.easy_perform(c);
	if (rc == CURLE_OK) {
		xcurl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
		if (xcurl.easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
			snprintf(redirect, rsize, "%s", loc);
	}
	xcurl.slist_free_all(hdr);
	xcurl.easy_cleanup(c);
	return rc == CURLE_OK ? 0 : transfer_error(rc, s, o, cerr, e);
}

int mon_fetch(const char *url, const struct mon_fetch_opts *o, struct mon_body *b, struct xerr *e)
{
	struct sink s = { .body.max = o->max_bytes };
	char cur[sizeof(b->final_url)], next[sizeof(b->final_url)];
	long code = 0;

	memset(b, 0, sizeof(*b));
	snprintf(cur, sizeof(cur), "%s", url);
	for (int hop = 0;; hop++) {
		if (strncasecmp(cur, "https://", 8)) {
			xerr_set(e, XNFT_EXIT_USAGE, "%s %s is not an https:// URL: refused",
				 hop ? "redirected to" : "the URL", cur);
			return xerr_hint(e, "%s", hop ? "the source must stay on https; check its "
					 "URL in [monitor]" : "give [monitor] an https:// URL");
		}
		next[0] = '\0';
		code = 0;
		free(s.body.data);
		s.body.data = NULL;
		s.body.len = s.body.cap = 0;
		if (get_once(cur, o, &s, &code, next, sizeof(next), e) < 0) {
			free(s.body.data);
			return -1;
		}
		b->status = code;
		if (code < 300 || code >= 400 || code == 304)
			break;
		if (!next[0] || hop == MAX_REDIRECTS) {
			free(s.body.data);
			return xerr_set(e, XNFT_EXIT_USAGE, "HTTP %ld: %s", code, next[0] ?
					"more than 5 redirects" : "a redirect without a Location");
		}
		snprintf(cur, sizeof(cur), "%s", next);
	}
	snprintf(b->final_url, sizeof(b->final_url), "%s", cur);
	if (code == 304) {
		free(s.body.data);
		b->not_modified = true;
		return 0;
	}
	if (code < 200 || code >= 300) {
		free(s.body.data);
		xerr_set(e, XNFT_EXIT_USAGE, "HTTP %ld from %s", code, cur);
		return xerr_hint(e, "%s", code == 404 ? "check the URL in [monitor]"
				 : "the source is unavailable or refuses us; the next run retries");
	}
	b->data = s.body.data ? s.body.data : strdup("");
	b->len = s.body.len;
	snprintf(b->etag, sizeof(b->etag), "%s", s.etag);
	snprintf(b->last_modified, sizeof(b->last_modified), "%s", s.last_modified);
	if (!b->data)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	return 0;
}

void mon_body_free(struct mon_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
