// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Webhook worker. libcurl easy handles on one thread; a progress callback
 * aborts a transfer as soon as the daemon stops, so shutdown never waits
 * for a dead endpoint's timeout.
 *
 * libcurl is loaded with dlopen (core/curlapi.h) when the first notifier
 * starts, not linked: every other xnft process would pay for loading it.
 */
#include "ban/notify.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/curlapi.h"

#define MSG_MAX 512

struct msg {
	char title[128];
	char text[MSG_MAX];
};

struct notifier {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct msg *ring;
	size_t cap, head, n;
	atomic_bool stop;
	bool detached;         /* nobody joins: the worker frees everything itself */
	bool no_curl;          /* libcurl missing: no worker, every message fails */
	struct config_notify *ep;
	size_t nep;
	long timeout_ms;
	struct notify_stats st;
};

static int progress_cb(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct notifier *n = arg;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return atomic_load(&n->stop) ? 1 : 0;
}

static size_t discard_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* The body each service expects: ntfy takes text, Slack and Discord JSON. */
static char *body_for(const struct config_notify *ep, const struct msg *m, bool *json)
{
	json_t *o;
	char *s, full[MSG_MAX + 160];

	snprintf(full, sizeof(full), "%s: %s", m->title, m->text);
	*json = strcmp(ep->kind, "ntfy") != 0;
	if (!*json)
		return strdup(m->text);
	o = json_pack("{s:s}", !strcmp(ep->kind, "slack") ? "text" : "content", full);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static bool send_one(struct notifier *n, const struct config_notify *ep, const struct msg *m)
{
	CURL *c = xcurl.easy_init();
	struct curl_slist *hdr = NULL;
	char title_hdr[160];
	bool json, ok = false;
	char *body;
	long code = 0;

	if (!c)
		return false;
	body = body_for(ep, m, &json);
	if (!body) {
		xcurl.easy_cleanup(c);
		return false;
	}
	if (json) {
		hdr = xcurl.slist_append(hdr, "Content-Type: application/json");
	} else {
		snprintf(title_hdr, sizeof(title_hdr), "Title: %s", m->title);
		hdr = xcurl.slist_append(hdr, title_hdr);
		hdr = xcurl.slist_append(hdr, "Tags: no_entry");
	}
	xcurl.easy_setopt(c, CURLOPT_URL, ep->url);
	xcurl.easy_setopt(c, CURLOPT_POSTFIELDS, body);
	xcurl.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	xcurl.easy_setopt(c, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, n->timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	xcurl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	xcurl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	xcurl.easy_setopt(c, CURLOPT_XFERINFODATA, n);
	xcurl.easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
	xcurl.easy_setopt(c, CURLOPT_USERAGENT, "xnft-daemon/" XNFT_VERSION);
	xcurl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (xcurl.easy_perform(c) == CURLE_OK &&
	    xcurl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
		ok = code >= 200 && code < 300;
	xcurl.slist_free_all(hdr);
	xcurl.easy_cleanup(c);
	free(body);
	return ok;
}

static void destroy(struct notifier *n)
{
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	free(n->ring);
	free(n->ep);
	free(n);
}

static void *worker(void *arg)
{
	struct notifier *n = arg;

	for (;;) {
		struct msg m;

		pthread_mutex_lock(&n->lock);
		while (!n->n && !atomic_load(&n->stop))
			pthread_cond_wait(&n->cond, &n->lock);
		if (atomic_load(&n->stop)) {
			bool own = n->detached;

			pthread_mutex_unlock(&n->lock);
			if (own)
				destroy(n);
			return NULL;
		}
		m = n->ring[n->head];
		n->head = (n->head + 1) % n->cap;
		n->n--;
		pthread_mutex_unlock(&n->lock);
		for (size_t i = 0; i < n->nep; i++) {
			bool ok = send_one(n, &n->ep[i], &m);

			pthread_mutex_lock(&n->lock);
			if (ok)
				n->st.sent++;
			else
				n->st.failed++;
			pthread_mutex_unlock(&n->lock);
		}
	}
}

int notifier_start(const struct xnft_config *cfg, struct notifier **out, struct xerr *e)
{
	struct notifier *n;
	struct xerr le;
	bool have_curl;

	*out = NULL;
	if (!cfg->nnotify)
		return 0;
	have_curl = curlapi_load(&le) == 0;
	if (have_curl && xcurl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return xerr_set(e, XNFT_EXIT_USAGE, "libcurl failed to initialise");
	n = calloc(1, sizeof(*n));
	if (!n)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	n->cap = cfg->notify_queue ? cfg->notify_queue : 256;
	n->ring = calloc(n->cap, sizeof(*n->ring));
	n->ep = calloc(cfg->nnotify, sizeof(*n->ep));
	if (!n->ring || !n->ep) {
		free(n->ring);
		free(n->ep);
		free(n);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	memcpy(n->ep, cfg->notify, cfg->nnotify * sizeof(*n->ep));
	n->nep = cfg->nnotify;
	n->timeout_ms = (long)cfg->notify_timeout_ms;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	if (!have_curl) {
		n->no_curl = true;
		*out = n;
		if (e)
			*e = le;
		xerr_wrap(e, "webhooks disabled (every message counts as failed)");
		return 1;
	}
	if (pthread_create(&n->thread, NULL, worker, n)) {
		pthread_mutex_destroy(&n->lock);
		pthread_cond_destroy(&n->cond);
		free(n->ring);
		free(n->ep);
		free(n);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot start the notification thread");
	}
	*out = n;
	return 0;
}

void notifier_post(struct notifier *n, const char *title, const char *text)
{
	struct msg *m;

	if (!n)
		return;
	/* the worker holds the lock only to copy a message, never during HTTP */
	pthread_mutex_lock(&n->lock);
	if (n->no_curl) {
		n->st.failed += n->nep;
		pthread_mutex_unlock(&n->lock);
		return;
	}
	if (n->n == n->cap) {
		n->st.dropped++;
		pthread_mutex_unlock(&n->lock);
		return;
	}
	m = &n->ring[(n->head + n->n) % n->cap];
	snprintf(m->title, sizeof(m->title), "%s", title);
	snprintf(m->text, sizeof(m->text), "%s", text);
	n->n++;
	n->st.queued++;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

void notifier_stats(struct notifier *n, struct notify_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	*st = n->st;
	pthread_mutex_unlock(&n->lock);
}

/*
 * Ask the sender thread to stop; a detached one frees n itself on its way
 * out. False when there is no thread: n was NULL, or is freed now.
 */
static bool ask_stop(struct notifier *n, bool detach)
{
	if (!n)
		return false;
	if (n->no_curl) {
		destroy(n);
		return false;
	}
	pthread_mutex_lock(&n->lock);
	atomic_store(&n->stop, true);
	n->detached = detach;
	pthread_cond_signal(&n->cond);
	if (detach)
		pthread_detach(n->thread);
	pthread_mutex_unlock(&n->lock);
	return true;
}

void notifier_stop(struct notifier *n)
{
	if (!ask_stop(n, false))
		return;
	pthread_join(n->thread, NULL);
	destroy(n);
}

void notifier_release(struct notifier *n)
{
	ask_stop(n, true);
}
