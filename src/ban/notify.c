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
#include <time.h>

#include "core/curlapi.h"
#include "core/secret.h"
#include "core/strbuf.h"

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
	char ca_file[CONFIG_PATH_MAX];         /* "" = the system's CAs */
	char mail_from[256], mail_to[512];
	char smtp_user[256], smtp_pass[256];   /* from [notify] email_secret_file */
};

static size_t discard_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* The body each service expects: ntfy takes text, Slack and Discord JSON. */
static char *body_for(const struct config_notify *ep, const char *title, const char *text,
		      bool *json)
{
	json_t *o;
	char *s, *full;

	*json = strcmp(ep->kind, "ntfy") != 0;
	if (!*json)
		return strdup(text);
	if (asprintf(&full, "%s: %s", title, text) < 0)
		return NULL;
	o = json_pack("{s:s}", !strcmp(ep->kind, "slack") ? "text" : "content", full);
	free(full);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* The options every transfer shares: bounded in time, aborted when we stop. */
static void common_opts(struct notifier *n, CURL *c, const char *url)
{
	xcurl.easy_setopt(c, CURLOPT_URL, url);
	xcurl.easy_setopt(c, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, n->timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curlapi_stop_on(c, &n->stop);
	if (n->ca_file[0])
		xcurl.easy_setopt(c, CURLOPT_CAINFO, n->ca_file);
}

struct mail_body {
	const char *p;
	size_t left;
};

static size_t mail_read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct mail_body *b = arg;
	size_t n = size * nmemb < b->left ? size * nmemb : b->left;

	memcpy(buf, b->p, n);
	b->p += n;
	b->left -= n;
	return n;
}

/* A header value from text that may come from the network: no line breaks, no control bytes. */
static void header_safe(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; *src && i + 1 < size; src++)
		dst[i++] = (unsigned char)*src < 0x20 || *src == 0x7f ? ' ' : *src;
	dst[i] = '\0';
}

/* One RFC 5322 message with CRLF line ends; NULL when out of memory. */
static char *mail_text(const struct notifier *n, const char *title, const char *text)
{
	char subject[256], date[64];
	struct strbuf b = { 0 };
	time_t now = time(NULL);
	struct tm tm;

	header_safe(subject, sizeof(subject), title);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	strbuf_addf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		    n->mail_from, n->mail_to, subject, date);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			strbuf_adds(&b, "\r\n");
		else if (*p != '\r')
			strbuf_add(&b, p, 1);
	}
	strbuf_adds(&b, "\r\n");
	return strbuf_take(&b);
}

/*
 * Email through libcurl's SMTP. A password is never sent in clear: with
 * credentials, smtp:// must upgrade with STARTTLS (smtps:// is TLS from the
 * start); without, STARTTLS is used when the server offers it.
 */
static bool send_email(struct notifier *n, const struct config_notify *ep, const char *title,
		       const char *text)
{
	CURL *c = xcurl.easy_init();
	struct curl_slist *rcpt = NULL;
	char from[260], to[sizeof(n->mail_to)], *save = NULL;
	char *msg = mail_text(n, title, text);
	struct mail_body body;
	bool ok = false;

	if (!c || !msg)
		goto out;
	snprintf(to, sizeof(to), "%s", n->mail_to);
	for (char *t = strtok_r(to, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char one[520];
		size_t len;

		while (*t == ' ')
			t++;
		for (len = strlen(t); len && t[len - 1] == ' '; len--)
			;
		snprintf(one, sizeof(one), "<%.*s>", (int)len, t);
		rcpt = xcurl.slist_append(rcpt, one);
	}
	snprintf(from, sizeof(from), "<%s>", n->mail_from);
	body = (struct mail_body){ .p = msg, .left = strlen(msg) };
	common_opts(n, c, ep->url);
	xcurl.easy_setopt(c, CURLOPT_MAIL_FROM, from);
	xcurl.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	xcurl.easy_setopt(c, CURLOPT_UPLOAD, 1L);
	xcurl.easy_setopt(c, CURLOPT_READFUNCTION, mail_read_cb);
	xcurl.easy_setopt(c, CURLOPT_READDATA, &body);
	xcurl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	xcurl.easy_setopt(c, CURLOPT_USE_SSL, n->smtp_user[0] ? (long)CURLUSESSL_ALL
			  : (long)CURLUSESSL_TRY);
	if (n->smtp_user[0]) {
		xcurl.easy_setopt(c, CURLOPT_USERNAME, n->smtp_user);
		xcurl.easy_setopt(c, CURLOPT_PASSWORD, n->smtp_pass);
	}
	ok = rcpt && xcurl.easy_perform(c) == CURLE_OK;
out:
	xcurl.slist_free_all(rcpt);
	if (c)
		xcurl.easy_cleanup(c);
	free(msg);
	return ok;
}

static bool send_one(struct notifier *n, const struct config_notify *ep, const char *title,
		     const char *text)
{
	CURL *c;
	struct curl_slist *hdr = NULL;
	char title_hdr[160];
	bool json, ok = false;
	char *body;
	long code = 0;

	if (!strcmp(ep->kind, "email"))
		return send_email(n, ep, title, text);
	if (!(c = xcurl.easy_init()))
		return false;
	body = body_for(ep, title, text, &json);
	if (!body) {
		xcurl.easy_cleanup(c);
		return false;
	}
	if (json) {
		hdr = xcurl.slist_append(hdr, "Content-Type: application/json");
	} else {
		header_safe(title_hdr + 7, sizeof(title_hdr) - 7, title);
		memcpy(title_hdr, "Title: ", 7);
		hdr = xcurl.slist_append(hdr, title_hdr);
		hdr = xcurl.slist_append(hdr, "Tags: no_entry");
	}
	common_opts(n, c, ep->url);
	xcurl.easy_setopt(c, CURLOPT_POSTFIELDS, body);
	xcurl.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
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
	explicit_bzero(n->smtp_pass, sizeof(n->smtp_pass));
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
			bool ok = send_one(n, &n->ep[i], m.title, m.text);

			pthread_mutex_lock(&n->lock);
			if (ok)
				n->st.sent++;
			else
				n->st.failed++;
			pthread_mutex_unlock(&n->lock);
		}
	}
}

/* Email endpoints need a sender and recipients; SMTP AUTH's "user:password" comes from a 0600 file. */
static int email_setup(struct notifier *n, const struct xnft_config *cfg, struct xerr *e)
{
	char cred[sizeof(n->smtp_user) + sizeof(n->smtp_pass)], *colon;
	bool email = false;

	for (size_t i = 0; i < n->nep; i++)
		email = email || !strcmp(n->ep[i].kind, "email");
	if (!email)
		return 0;
	if (!cfg->notify_email_from[0] || !cfg->notify_email_to[0]) {
		xerr_set(e, XNFT_EXIT_USAGE, "[notify] email needs email_from and email_to");
		return xerr_hint(e, "add e.g. email_from = xnft@%s and email_to = admin@example.org "
				 "to [notify] in %s", "this-host", cfg->path[0] ? cfg->path : "xnft.conf");
	}
	snprintf(n->mail_from, sizeof(n->mail_from), "%s", cfg->notify_email_from);
	snprintf(n->mail_to, sizeof(n->mail_to), "%s", cfg->notify_email_to);
	if (!cfg->notify_email_secret[0])
		return 0;
	if (secret_read(cfg->notify_email_secret, "[notify] email_secret_file", cred, sizeof(cred),
			e) < 0)
		return -1;
	if (!(colon = strchr(cred, ':')) || colon == cred ||
	    (size_t)(colon - cred) >= sizeof(n->smtp_user) || strlen(colon + 1) >= sizeof(n->smtp_pass))
		return xerr_set(e, XNFT_EXIT_USAGE, "[notify] email_secret_file %s: the first line "
				"is not USER:PASSWORD", cfg->notify_email_secret);
	*colon = '\0';
	snprintf(n->smtp_user, sizeof(n->smtp_user), "%s", cred);
	snprintf(n->smtp_pass, sizeof(n->smtp_pass), "%s", colon + 1);
	explicit_bzero(cred, sizeof(cred));
	return 0;
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
	snprintf(n->ca_file, sizeof(n->ca_file), "%s", cfg->notify_ca_file);
	if (email_setup(n, cfg, e) < 0) {
		free(n->ring);
		free(n->ep);
		free(n);
		return -1;
	}
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

size_t notifier_send(struct notifier *n, const char *title, const char *text)
{
	size_t failed = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n->nep; i++) {
		bool ok = !n->no_curl && send_one(n, &n->ep[i], title, text);

		failed += !ok;
		pthread_mutex_lock(&n->lock);
		n->st.queued++;
		if (ok)
			n->st.sent++;
		else
			n->st.failed++;
		pthread_mutex_unlock(&n->lock);
	}
	return failed;
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
