// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The LAPI bouncer's worker and the parser of its decision stream.
 *
 * Nothing is lost when a pull fails: the LAPI (1.4.6, StreamDecision)
 * moves its idea of what this bouncer has seen (its last pull) once it has
 * queried the decisions, before it writes the answer, and it goes on when
 * the client has gone; so a pull that timed out, was cut short, too large
 * or not JSON may have carried changes we never got. Only an HTTP 500 (its
 * query or that update failed) leaves the last pull where it was. After
 * any other failure a complete pull (startup=true) follows, and the daemon
 * reconciles with that list. With 100,000 decisions the LAPI takes seconds
 * to produce it, so it runs in a thread of its own while the deltas go on
 * every poll: a new decision never waits for a reconciliation.
 */
#include "crowdsec/lapi.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/curlapi.h"
#include "core/grow.h"

/* The answer-time estimate is the longest of this many recent change pulls. */
#define CS_ANSWER_WINDOW 8

/* Retries wait a poll, from the second failure in a row poll * 2^n, at most this long. */
#define CS_BACKOFF_MAX_MS 60000
#define CS_KEY_MAX 256

/* ---- the stream's format ------------------------------------------------------ */

int cs_parse_duration(const char *text, uint64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "h", 3600000.0 }, { "ms", 1.0 }, { "m", 60000.0 }, { "s", 1000.0 },
		{ "us", 0.001 }, { "\xc2\xb5s", 0.001 }, { "ns", 0.000001 },
	};
	const char *p = text;
	double total = 0;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		double v;
		size_t i;

		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno || v < 0)
			return -1;
		p = end;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);

			/* "m" must not take the "m" of "ms" */
			if (!strncmp(p, units[i].unit, n)) {
				total += v * units[i].ms;
				p += n;
				break;
			}
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
	}
	if (total > (double)CONFIG_BANTIME_MAX_MS)
		total = (double)CONFIG_BANTIME_MAX_MS;
	*ms = neg ? 0 : (uint64_t)total;
	return 0;
}

/* "crowdsec:ORIGIN:SCENARIO", cut to fit; the LAPI's strings are not trusted to be tidy. */
static void rule_of(json_t *o, char *buf, size_t size)
{
	const char *origin = json_string_value(json_object_get(o, "origin"));
	const char *scenario = json_string_value(json_object_get(o, "scenario"));

	snprintf(buf, size, CS_RULE_PREFIX "%s:%s", origin ? origin : "?", scenario ? scenario : "?");
	for (char *c = buf; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == '"' || *c == '\\' || (unsigned char)*c >= 0x7f)
			*c = '_';
	}
}

static void parse_list(json_t *list, bool deleted, unsigned plen6,
		       void (*fn)(void *ctx, const struct cs_decision *d), void *ctx,
		       struct cs_counts *counts)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o) {
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *scope = json_string_value(json_object_get(o, "scope"));
		const char *value = json_string_value(json_object_get(o, "value"));
		const char *dur = json_string_value(json_object_get(o, "duration"));
		json_t *id = json_object_get(o, "id");
		struct cs_decision d = { .deleted = deleted, .id = -1 };
		struct xerr e;

		if (!json_is_object(o) || !type || !scope || !value) {
			counts->malformed++;
			continue;
		}
		if (strcasecmp(type, "ban")) {
			counts->other_type++;
			continue;
		}
		if (strcasecmp(scope, "ip") && strcasecmp(scope, "range")) {
			counts->other_scope++;
			continue;
		}
		/* an Ip decision names one address: a prefix length in it is not ours to widen */
		if ((!strcasecmp(scope, "ip") ? strchr(value, '/') || ban_key_parse(value, plen6,
		     &d.key, &e) < 0 : ban_key_parse_range(value, plen6, &d.key, &e) < 0) ||
		    (!deleted && (!dur || cs_parse_duration(dur, &d.duration_ms) < 0))) {
			counts->malformed++;
			continue;
		}
		if (json_is_integer(id))
			d.id = json_integer_value(id);
		rule_of(o, d.rule, sizeof(d.rule));
		fn(ctx, &d);
	}
}

int cs_parse_stream(const char *text, size_t len, unsigned plen6,
		    void (*fn)(void *ctx, const struct cs_decision *d), void *ctx,
		    struct cs_counts *counts, struct xerr *e)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	json_t *nw, *del;

	if (!root)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "the LAPI's answer is not JSON (line %d: %s)",
				je.line, je.text);
	nw = json_object_get(root, "new");
	del = json_object_get(root, "deleted");
	if (!json_is_object(root) || (nw && !json_is_array(nw) && !json_is_null(nw)) ||
	    (del && !json_is_array(del) && !json_is_null(del))) {
		json_decref(root);
		return xerr_set(e, XNFT_EXIT_FINDINGS, "the LAPI's answer is not a decision stream "
				"(an object with lists 'new' and 'deleted')");
	}
	/* deletions first: a decision replaced in one answer ends up present */
	parse_list(del, true, plen6, fn, ctx, counts);
	parse_list(nw, false, plen6, fn, ctx, counts);
	json_decref(root);
	return 0;
}

/* ---- decisions by id ------------------------------------------------------------- */

/*
 * One address can hold several decisions (a scenario fired twice, cscli
 * added a longer one): the LAPI lists each one's end on its own, expired
 * ones among the deletions. The ban goes only when the last one does, so
 * the worker keeps, for every decision it was given, its id and address.
 */
struct live_slot {
	int64_t id;              /* LIVE_EMPTY, LIVE_GONE (a tombstone) or an id */
	struct ban_key key;
};

#define LIVE_EMPTY INT64_MIN
#define LIVE_GONE (INT64_MIN + 1)

struct live {
	struct live_slot *slot;
	size_t cap, used;        /* used: ids and tombstones */
};

static size_t live_hash(int64_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 7) & (cap - 1);
}

static void live_clear(struct live *l)
{
	free(l->slot);
	*l = (struct live){ 0 };
}

static struct live_slot *live_find(const struct live *l, int64_t id)
{
	if (!l->cap)
		return NULL;
	for (size_t i = live_hash(id, l->cap), n = 0; n < l->cap; i = (i + 1) & (l->cap - 1), n++) {
		if (l->slot[i].id == LIVE_EMPTY)
			return NULL;
		if (l->slot[i].id == id)
			return &l->slot[i];
	}
	return NULL;
}

static int live_grow(struct live *l)
{
	struct live nl = { .cap = l->cap ? l->cap * 2 : 1024 };

	if (!(nl.slot = malloc(nl.cap * sizeof(*nl.slot))))
		return -1;
	for (size_t i = 0; i < nl.cap; i++)
		nl.slot[i].id = LIVE_EMPTY;
	for (size_t i = 0; i < l->cap; i++) {
		size_t j;

		if (l->slot[i].id == LIVE_EMPTY || l->slot[i].id == LIVE_GONE)
			continue;
		for (j = live_hash(l->slot[i].id, nl.cap); nl.slot[j].id != LIVE_EMPTY;
		     j = (j + 1) & (nl.cap - 1))
			;
		nl.slot[j] = l->slot[i];
		nl.used++;
	}
	free(l->slot);
	*l = nl;
	return 0;
}

static int live_add(struct live *l, int64_t id, const struct ban_key *key)
{
	size_t i;

	if (live_find(l, id))
		return 0;
	if ((l->used + 1) * 4 > l->cap * 3 && live_grow(l) < 0)
		return -1;
	for (i = live_hash(id, l->cap); l->slot[i].id != LIVE_EMPTY; i = (i + 1) & (l->cap - 1))
		;
	l->slot[i] = (struct live_slot){ .id = id, .key = *key };
	l->used++;
	return 0;
}

/*
 * The same table counts decisions per address: then a slot's id is the
 * count and the hash is the key's. Returns the slot, or NULL.
 */
static size_t key_hash(const struct ban_key *key, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*key); i++)
		h = (h ^ ((const uint8_t *)key)[i]) * 0x100000001b3ull;
	return (size_t)(h >> 7) & (cap - 1);
}

static struct live_slot *count_find(const struct live *l, const struct ban_key *key)
{
	if (!l->cap)
		return NULL;
	for (size_t i = key_hash(key, l->cap), n = 0; n < l->cap; i = (i + 1) & (l->cap - 1), n++) {
		if (l->slot[i].id == LIVE_EMPTY)
			return NULL;
		if (l->slot[i].id != LIVE_GONE && !memcmp(&l->slot[i].key, key, sizeof(*key)))
			return &l->slot[i];
	}
	return NULL;
}

static int count_add(struct live *l, const struct ban_key *key)
{
	struct live_slot *s = count_find(l, key);
	size_t i;

	if (s) {
		s->id++;
		return 0;
	}
	if ((l->used + 1) * 4 > l->cap * 3) {
		/* rehash by key: grow a fresh table and count again */
		struct live nl = { .cap = l->cap ? l->cap * 2 : 1024 };

		if (!(nl.slot = malloc(nl.cap * sizeof(*nl.slot))))
			return -1;
		for (i = 0; i < nl.cap; i++)
			nl.slot[i].id = LIVE_EMPTY;
		for (i = 0; i < l->cap; i++) {
			size_t j;

			if (l->slot[i].id == LIVE_EMPTY || l->slot[i].id == LIVE_GONE)
				continue;
			for (j = key_hash(&l->slot[i].key, nl.cap); nl.slot[j].id != LIVE_EMPTY;
			     j = (j + 1) & (nl.cap - 1))
				;
			nl.slot[j] = l->slot[i];
			nl.used++;
		}
		free(l->slot);
		*l = nl;
	}
	for (i = key_hash(key, l->cap); l->slot[i].id != LIVE_EMPTY; i = (i + 1) & (l->cap - 1))
		;
	l->slot[i] = (struct live_slot){ .id = 1, .key = *key };
	l->used++;
	return 0;
}

/* One decision for key less; true when none is left. */
static bool count_drop(struct live *l, const struct ban_key *key)
{
	struct live_slot *s = count_find(l, key);

	if (!s)
		return true;
	if (--s->id > 0)
		return false;
	s->id = LIVE_GONE;
	return true;
}

/*
 * Follow one answer: forget the deleted decisions and learn the new ones;
 * a deletion whose address still has a decision is dropped from v (the
 * ban stays, its timeout is the longest decision's already), and so is,
 * with known_only, a deletion of a decision never given (the table was
 * just rebuilt from a complete list, which did not hold it). Returns the
 * new count; -1 when out of memory (the caller then pulls everything).
 */
static ssize_t live_follow(struct live *l, struct live *per_key, struct cs_decision *v, size_t n,
			   bool startup, bool known_only)
{
	size_t out = 0;

	if (startup) {
		live_clear(l);
		live_clear(per_key);
	}
	for (size_t i = 0; i < n; i++) {
		struct live_slot *s = v[i].id >= 0 ? live_find(l, v[i].id) : NULL;

		if (!v[i].deleted && v[i].id >= 0 && !s) {
			if (live_add(l, v[i].id, &v[i].key) < 0 || count_add(per_key, &v[i].key) < 0)
				return -1;
		} else if (v[i].deleted && s) {
			s->id = LIVE_GONE;
			if (!count_drop(per_key, &v[i].key))
				continue;   /* another decision holds the address */
		} else if (v[i].deleted && known_only && v[i].id >= 0) {
			continue;
		}
		v[out++] = v[i];
	}
	return (ssize_t)out;
}

/* ---- the worker ------------------------------------------------------------------ */

/* A complete pull running beside the deltas; its thread fills the result under lock. */
struct full_pull {
	pthread_t thread;
	bool running;            /* the worker's: started, not joined yet */
	bool done, ok;           /* under lock */
	struct cs_decision *v;   /* under lock: the list, once done and ok */
	size_t n;
	struct cs_counts counts;
	uint64_t nnew, ndel, ms;
	char err[256];
};

struct cs_bouncer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool stop;
	int efd;
	char url[CONFIG_PATH_MAX + 64];
	char key_hdr[CS_KEY_MAX + 16];
	char ca[CONFIG_PATH_MAX], cert[CONFIG_PATH_MAX], certkey[CONFIG_PATH_MAX];
	uint64_t poll_ms, timeout_ms, full_timeout_ms;
	size_t max_bytes;
	unsigned plen6;

	/* watcher */
	char login[128], password[256], host[64];
	char token[2048];        /* "Authorization: Bearer ..."; "" until logged in */
	struct ban_active *push; /* under lock: bans waiting to be pushed */
	size_t npush;
	bool wake;               /* under lock: a push waits, the worker must not sleep */

	struct live live;        /* the worker's own: the decisions it was given, by id */
	struct live per_key;     /* and how many name each address */

	/* the worker's: how long the last good change pulls took, a ring */
	uint64_t answer_ms[CS_ANSWER_WINDOW];
	unsigned nanswer, answer_next;

	struct full_pull full;
	bool want_full;          /* the worker's: a failure may have cost changes */
	uint64_t full_not_before, full_delay;   /* a failed complete pull's backoff */
	/* the worker's: the deltas received since the running complete pull began */
	struct cs_decision *since;
	size_t nsince, capsince;

	/* under lock */
	struct cs_decision *q;
	size_t nq, capq;
	bool q_full;
	struct cs_stats st;
};

/*
 * One request to path under the LAPI's URL: a GET, or a POST of post (JSON)
 * with hdr2 as a second header. The answer goes into body; *code is the
 * HTTP status. 0, or -1 with err filled when no answer came.
 */
static int request(struct cs_bouncer *cs, const char *path, const char *post, const char *hdr1,
		   const char *hdr2, uint64_t timeout_ms, struct curl_body *body, long *code, char *err,
		   size_t errsz)
{
	char url[sizeof(cs->url) + 64], cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	CURL *c = xcurl.easy_init();
	CURLcode rc;

	*code = 0;
	if (!c) {
		snprintf(err, errsz, "libcurl could not make a handle");
		return -1;
	}
	snprintf(url, sizeof(url), "%s%s", cs->url, path);
	if (hdr1)
		hdr = xcurl.slist_append(hdr, hdr1);
	if (hdr2)
		hdr = xcurl.slist_append(hdr, hdr2);
	xcurl.easy_setopt(c, CURLOPT_URL, url);
	xcurl.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (post)
		xcurl.easy_setopt(c, CURLOPT_POSTFIELDS, post);
	xcurl.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cs->timeout_ms);
	xcurl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curlapi_stop_on(c, &cs->stop);
	xcurl.easy_setopt(c, CURLOPT_WRITEFUNCTION, curlapi_body_cb);
	xcurl.easy_setopt(c, CURLOPT_WRITEDATA, body);
	xcurl.easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	xcurl.easy_setopt(c, CURLOPT_USERAGENT, "xnft-bouncer/" XNFT_VERSION);
	xcurl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	xcurl.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (cs->ca[0])
		xcurl.easy_setopt(c, CURLOPT_CAINFO, cs->ca);
	if (cs->cert[0]) {
		xcurl.easy_setopt(c, CURLOPT_SSLCERT, cs->cert);
		xcurl.easy_setopt(c, CURLOPT_SSLKEY, cs->certkey);
	}
	rc = xcurl.easy_perform(c);
	if (rc == CURLE_OK)
		xcurl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	xcurl.slist_free_all(hdr);
	xcurl.easy_cleanup(c);
	if (body->too_big) {
		snprintf(err, errsz, "the LAPI's answer is larger than %zu MiB: refused (raise "
			 "[crowdsec] max_response_mb if it is genuine)", cs->max_bytes >> 20);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "%s: %s", cs->url, cerr[0] ? cerr : xcurl.easy_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * One GET of the stream into body; 0, or -1 with err filled and *kept true
 * when the LAPI said it kept this bouncer's last pull (see the top).
 */
static int pull(struct cs_bouncer *cs, bool startup, struct curl_body *body, bool *kept, char *err,
		size_t errsz)
{
	long code;

	*kept = false;
	if (request(cs, startup ? "/v1/decisions/stream?startup=true" :
		    "/v1/decisions/stream?startup=false", NULL, cs->key_hdr, NULL,
		    startup ? cs->full_timeout_ms : cs->timeout_ms, body, &code, err, errsz) < 0)
		return -1;
	if (code == 401 || code == 403) {
		snprintf(err, errsz, "%s refused the API key (HTTP %ld): check [crowdsec] "
			 "api_key_file against 'cscli bouncers list'", cs->url, code);
		return -1;
	}
	if (code != 200) {
		snprintf(err, errsz, "%s answered HTTP %ld to the decision stream", cs->url, code);
		*kept = code == 500;
		return -1;
	}
	return 0;
}

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the watcher: the daemon's own bans as alerts ------------------------------------ */

/*
 * One alert with one decision, as POST /v1/alerts takes it. The decision's
 * origin is "crowdsec", as an agent's: cscli lists those by default, and
 * bouncers that keep to the LAPI's own origins take them.
 */
static json_t *alert_json(const struct cs_bouncer *cs, const struct ban_active *b, uint64_t now)
{
	char addr[PREFIX_STRLEN], scen[160], dur[32], msg[256], at[32];
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	const char *scope = "Ip";
	uint64_t left = b->until_ms > now ? b->until_ms - now : 0;

	ban_key_format(&b->key, addr, sizeof(addr));
	/* an IPv6 ban is a /64: a Range for the LAPI */
	if (strchr(addr, '/'))
		scope = "Range";
	snprintf(scen, sizeof(scen), CS_SCENARIO_PREFIX "%s/%s", cs->host, b->rule);
	snprintf(dur, sizeof(dur), "%llus", (unsigned long long)(left / 1000));
	snprintf(msg, sizeof(msg), "xnft on %s banned %s (rule %s, offence %u)", cs->host, addr,
		 b->rule, b->offence);
	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:b, s:[],"
			 " s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}",
			 "scenario", scen, "scenario_hash", "", "scenario_version", "",
			 "message", msg, "events_count", 1, "start_at", at, "stop_at", at,
			 "capacity", 0, "leakspeed", "0", "simulated", 0, "events",
			 "source", "scope", scope, "value", addr,
			 "decisions", "origin", "crowdsec", "type", "ban", "scope", scope, "value", addr,
			 "duration", dur, "scenario", scen);
}

static int login(struct cs_bouncer *cs, char *err, size_t errsz)
{
	struct curl_body body = { .max = 1 << 20 };
	json_t *req = json_pack("{s:s, s:s}", "machine_id", cs->login, "password", cs->password);
	char *post = req ? json_dumps(req, JSON_COMPACT) : NULL;
	const char *tok;
	json_t *ans;
	long code;
	int rc = -1;

	json_decref(req);
	if (post && request(cs, "/v1/watchers/login", post, "Content-Type: application/json", NULL,
			    cs->timeout_ms, &body, &code, err, errsz) == 0) {
		ans = body.data ? json_loads(body.data, 0, NULL) : NULL;
		tok = json_string_value(json_object_get(ans, "token"));
		if (code == 200 && tok && strlen(tok) < sizeof(cs->token) - 32 &&
		    !strpbrk(tok, "\r\n")) {
			snprintf(cs->token, sizeof(cs->token), "Authorization: Bearer %s", tok);
			rc = 0;
		} else {
			snprintf(err, errsz, "%s refused the machine login '%s' (HTTP %ld): check "
				 "[crowdsec] machine_credentials against 'cscli machines list'",
				 cs->url, cs->login, code);
		}
		json_decref(ans);
	}
	if (post)
		explicit_bzero(post, strlen(post));
	free(post);
	free(body.data);
	return rc;
}

#define CS_PUSH_BATCH 100
#define CS_PUSH_QUEUE 10000

/* Send what waits, a batch at a time; what fails stays queued for the next turn. */
static void push_pending(struct cs_bouncer *cs)
{
	uint64_t now = realtime_ms();

	for (;;) {
		struct ban_active batch[CS_PUSH_BATCH];
		struct curl_body body = { .max = 1 << 20 };
		json_t *arr = json_array();
		char err[256] = "", *post;
		size_t n;
		long code = 0;
		int rc;

		pthread_mutex_lock(&cs->lock);
		n = cs->npush < CS_PUSH_BATCH ? cs->npush : CS_PUSH_BATCH;
		memcpy(batch, cs->push, n * sizeof(*batch));
		pthread_mutex_unlock(&cs->lock);
		if (!n || atomic_load(&cs->stop)) {
			json_decref(arr);
			return;
		}
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, alert_json(cs, &batch[i], now));
		post = json_dumps(arr, JSON_COMPACT);
		json_decref(arr);
		rc = post ? 0 : -1;
		if (rc == 0 && !cs->token[0])
			rc = login(cs, err, sizeof(err));
		if (rc == 0)
			rc = request(cs, "/v1/alerts", post, "Content-Type: application/json",
				     cs->token, cs->timeout_ms, &body, &code, err, sizeof(err));
		if (rc == 0 && code == 401) {
			/* the token expired: once more with a new one */
			cs->token[0] = '\0';
			free(body.data);
			body = (struct curl_body){ .max = 1 << 20 };
			rc = login(cs, err, sizeof(err));
			if (rc == 0)
				rc = request(cs, "/v1/alerts", post, "Content-Type: application/json",
					     cs->token, cs->timeout_ms, &body, &code, err,
					     sizeof(err));
		}
		if (rc == 0 && code != 201 && code != 200) {
			snprintf(err, sizeof(err), "%s answered HTTP %ld to the alerts pushed", cs->url,
				 code);
			rc = -1;
		}
		free(post);
		free(body.data);
		pthread_mutex_lock(&cs->lock);
		if (rc < 0) {
			cs->st.push_failures++;
			snprintf(cs->st.push_error, sizeof(cs->st.push_error), "%s", err);
			pthread_mutex_unlock(&cs->lock);
			return;
		}
		memmove(cs->push, cs->push + n, (cs->npush - n) * sizeof(*cs->push));
		cs->npush -= n;
		cs->st.pushed += n;
		cs->st.push_error[0] = '\0';
		pthread_mutex_unlock(&cs->lock);
	}
}

void cs_bouncer_push(struct cs_bouncer *b, const struct ban_active *ban)
{
	if (!b || !b->st.watcher || !strncmp(ban->rule, CS_RULE_PREFIX, strlen(CS_RULE_PREFIX)))
		return;
	pthread_mutex_lock(&b->lock);
	if (b->npush == CS_PUSH_QUEUE) {
		b->st.push_dropped++;
	} else {
		b->push[b->npush++] = *ban;
		b->wake = true;
		pthread_cond_signal(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
}

struct collect {
	struct cs_decision *v;
	size_t n, cap;
	bool oom;
	uint64_t nnew, ndel;
};

static void collect_one(void *ctx, const struct cs_decision *d)
{
	struct collect *c = ctx;

	if (grow_for_one(&c->v, &c->cap, c->n, sizeof(c->v[0]), 256)) {
		c->oom = true;
		return;
	}
	c->v[c->n++] = *d;
	if (d->deleted)
		c->ndel++;
	else
		c->nnew++;
}

/* Hand a parsed answer to the daemon: a full list replaces whatever still waits. */
static void deliver(struct cs_bouncer *cs, struct collect *col, bool full)
{
	uint64_t one = 1;
	bool signal;

	pthread_mutex_lock(&cs->lock);
	/* an empty complete list still waiting must stay one: it lifts every LAPI ban */
	if (full || (!cs->nq && !cs->q_full)) {
		free(cs->q);
		cs->q = col->v;
		cs->nq = col->n;
		cs->capq = col->cap;
		cs->q_full = full;
		col->v = NULL;
	} else {
		if (cs->nq + col->n > cs->capq) {
			struct cs_decision *nq = realloc(cs->q, (cs->nq + col->n) * sizeof(*nq));

			if (!nq) {
				col->oom = true;
				pthread_mutex_unlock(&cs->lock);
				return;
			}
			cs->q = nq;
			cs->capq = cs->nq + col->n;
		}
		if (col->n)
			memcpy(cs->q + cs->nq, col->v, col->n * sizeof(*col->v));
		cs->nq += col->n;
	}
	cs->st.received_new += col->nnew;
	cs->st.received_deleted += col->ndel;
	signal = cs->nq || full;
	pthread_mutex_unlock(&cs->lock);
	if (signal) {
		ssize_t w = write(cs->efd, &one, sizeof(one));

		(void)w;   /* the counter only saturates: the fd is readable either way */
	}
}

/*
 * One pull, parsed, our own pushed bans dropped (they come back from the
 * LAPI: the engine has them already): col holds the decisions. false when
 * it failed: err says why, *kept whether the LAPI kept its place.
 */
static bool receive(struct cs_bouncer *cs, bool startup, struct collect *col,
		    struct cs_counts *counts, bool *kept, char *err, size_t errsz)
{
	struct curl_body body = { .max = cs->max_bytes };
	struct xerr e;
	char own[96];
	size_t m = 0;
	bool ok = false;

	if (pull(cs, startup, &body, kept, err, errsz) < 0)
		goto out;
	if (cs_parse_stream(body.data ? body.data : "", body.len, cs->plen6, collect_one, col, counts,
			    &e) < 0) {
		snprintf(err, errsz, "%s: %s", cs->url, e.msg);
		goto out;
	}
	if (col->oom) {
		snprintf(err, errsz, "out of memory holding the LAPI's decisions");
		goto out;
	}
	snprintf(own, sizeof(own), CS_RULE_PREFIX "crowdsec:" CS_SCENARIO_PREFIX "%s/", cs->host);
	for (size_t i = 0; i < col->n; i++) {
		if (strncmp(col->v[i].rule, own, strlen(own)))
			col->v[m++] = col->v[i];
	}
	col->n = m;
	ok = true;
out:
	free(body.data);
	return ok;
}

/*
 * Follow and deliver what pulls brought: a delta (nfull 0), or a complete
 * list of nfull decisions followed by the deltas received while it was
 * being pulled. false when out of memory (err says so).
 */
static bool hand_over(struct cs_bouncer *cs, struct collect *col, bool full, size_t nfull,
		      char *err, size_t errsz)
{
	struct cs_decision *rest = col->v ? col->v + nfull : NULL;
	ssize_t a = live_follow(&cs->live, &cs->per_key, col->v, nfull, full, false);
	ssize_t b = a < 0 ? -1 : live_follow(&cs->live, &cs->per_key, rest, col->n - nfull, false,
					     full);

	if (b < 0) {
		snprintf(err, errsz, "out of memory following the LAPI's decisions");
		return false;
	}
	if (b && (size_t)a != nfull)
		memmove(col->v + a, rest, (size_t)b * sizeof(*rest));
	col->n = (size_t)a + (size_t)b;
	deliver(cs, col, full);
	if (col->oom) {
		snprintf(err, errsz, "out of memory holding the LAPI's decisions");
		return false;
	}
	return true;
}

static void add_counts(struct cs_bouncer *cs, const struct cs_counts *counts)
{
	pthread_mutex_lock(&cs->lock);
	cs->st.skipped.other_type += counts->other_type;
	cs->st.skipped.other_scope += counts->other_scope;
	cs->st.skipped.malformed += counts->malformed;
	pthread_mutex_unlock(&cs->lock);
}

/* Keep a delta for the complete pull running: it goes after that list. */
static bool remember(struct cs_bouncer *cs, const struct collect *col, char *err, size_t errsz)
{
	if (cs->nsince + col->n > cs->capsince) {
		size_t cap = (cs->nsince + col->n) * 2;
		struct cs_decision *nv = realloc(cs->since, cap * sizeof(*nv));

		if (!nv) {
			snprintf(err, errsz, "out of memory holding the LAPI's decisions");
			return false;
		}
		cs->since = nv;
		cs->capsince = cap;
	}
	if (col->n)
		memcpy(cs->since + cs->nsince, col->v, col->n * sizeof(*col->v));
	cs->nsince += col->n;
	return true;
}

/* One pull of the worker and its delivery; false when it failed (err, *kept: as receive). */
static bool pull_once(struct cs_bouncer *cs, bool startup, bool *kept, char *err, size_t errsz)
{
	struct collect col = { 0 };
	struct cs_counts counts = { 0 };
	bool ok = receive(cs, startup, &col, &counts, kept, err, errsz) &&
		  (!cs->full.running || remember(cs, &col, err, errsz)) &&
		  hand_over(cs, &col, startup, startup ? col.n : 0, err, errsz);

	if (ok)
		add_counts(cs, &counts);
	free(col.v);
	return ok;
}

static void wait_ms(struct cs_bouncer *cs, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&cs->lock);
	while (!atomic_load(&cs->stop) && !cs->wake &&
	       pthread_cond_timedwait(&cs->cond, &cs->lock, &ts) != ETIMEDOUT)
		;
	cs->wake = false;
	pthread_mutex_unlock(&cs->lock);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The complete pull's thread: one GET, parsed; the worker takes the result. */
static void *full_worker(void *arg)
{
	struct cs_bouncer *cs = arg;
	struct collect col = { 0 };
	struct cs_counts counts = { 0 };
	char err[256] = "";
	uint64_t began = mono_ms();
	bool kept, ok = receive(cs, true, &col, &counts, &kept, err, sizeof(err));

	pthread_mutex_lock(&cs->lock);
	cs->full.done = true;
	cs->full.ok = ok;
	cs->full.v = ok ? col.v : NULL;
	cs->full.n = ok ? col.n : 0;
	cs->full.nnew = col.nnew;
	cs->full.ndel = col.ndel;
	cs->full.counts = counts;
	cs->full.ms = mono_ms() - began;
	snprintf(cs->full.err, sizeof(cs->full.err), "%s", err);
	cs->wake = true;
	pthread_cond_signal(&cs->cond);
	pthread_mutex_unlock(&cs->lock);
	if (!ok)
		free(col.v);
	return NULL;
}

/* Begin a complete pull beside the deltas; those from now on are kept for it. */
static void start_full(struct cs_bouncer *cs)
{
	cs->full.done = false;
	cs->nsince = 0;
	if (pthread_create(&cs->full.thread, NULL, full_worker, cs)) {
		cs->full_not_before = mono_ms() + cs->full_delay;
		return;
	}
	cs->full.running = true;
	cs->want_full = false;
	pthread_mutex_lock(&cs->lock);
	cs->st.reconciling = true;
	pthread_mutex_unlock(&cs->lock);
}

/*
 * A complete pull that ended: its list, then the deltas received while it
 * ran (newer than it), handed over as one complete list. A failed one is
 * tried again, backing off like the deltas.
 */
static void take_full(struct cs_bouncer *cs)
{
	struct collect col = { 0 };
	struct cs_counts counts = { 0 };
	char err[256] = "";
	uint64_t ms = 0;
	bool done, ok = false;
	size_t nfull;

	if (!cs->full.running)
		return;
	pthread_mutex_lock(&cs->lock);
	done = cs->full.done;
	if (done) {
		ok = cs->full.ok;
		col = (struct collect){ .v = cs->full.v, .n = cs->full.n, .cap = cs->full.n,
					.nnew = cs->full.nnew, .ndel = cs->full.ndel };
		counts = cs->full.counts;
		ms = cs->full.ms;
		snprintf(err, sizeof(err), "%s", cs->full.err);
		cs->full.v = NULL;
	}
	pthread_mutex_unlock(&cs->lock);
	if (!done)
		return;
	pthread_join(cs->full.thread, NULL);
	cs->full.running = false;
	nfull = col.n;
	if (ok && cs->nsince) {
		struct cs_decision *nv = realloc(col.v, (col.n + cs->nsince) * sizeof(*nv));

		ok = nv != NULL;
		if (nv) {
			memcpy(nv + col.n, cs->since, cs->nsince * sizeof(*nv));
			col.v = nv;
			col.n = col.cap = col.n + cs->nsince;
		} else {
			snprintf(err, sizeof(err), "out of memory holding the LAPI's decisions");
		}
	}
	if (ok)
		ok = hand_over(cs, &col, true, nfull, err, sizeof(err));
	free(col.v);
	cs->nsince = 0;
	if (ok) {
		add_counts(cs, &counts);
		cs->full_delay = cs->poll_ms;
	} else {
		cs->want_full = true;
		cs->full_delay = cs->full_delay * 2 > CS_BACKOFF_MAX_MS ? CS_BACKOFF_MAX_MS :
				 cs->full_delay * 2;
		cs->full_not_before = mono_ms() + cs->full_delay;
	}
	pthread_mutex_lock(&cs->lock);
	cs->st.reconciling = false;
	if (ok) {
		cs->st.full_pulls++;
		cs->st.full_ms_last = ms;
	} else if (!atomic_load(&cs->stop)) {
		cs->st.failures++;
		snprintf(cs->st.last_error, sizeof(cs->st.last_error), "complete pull: %s", err);
	}
	pthread_mutex_unlock(&cs->lock);
}

/*
 * Remember how long a good change pull took; give the longest of the last
 * CS_ANSWER_WINDOW, at most half a poll: the estimate of the answer time.
 */
static uint64_t answer_estimate(struct cs_bouncer *cs, uint64_t ms)
{
	uint64_t d = 0;

	cs->answer_ms[cs->answer_next] = ms;
	cs->answer_next = (cs->answer_next + 1) % CS_ANSWER_WINDOW;
	if (cs->nanswer < CS_ANSWER_WINDOW)
		cs->nanswer++;
	for (unsigned i = 0; i < cs->nanswer; i++)
		if (cs->answer_ms[i] > d)
			d = cs->answer_ms[i];
	return d > cs->poll_ms / 2 ? cs->poll_ms / 2 : d;
}

/*
 * poll bounds how old the kernel's view of the LAPI may get, not the time
 * between requests. A decision added just after the LAPI read its table for
 * one pull is read by the next and reaches us when that one's answer does:
 * the start-to-start period plus the answer time. So pulls start every
 * poll - d, d the answer time estimated from recent change pulls (at most
 * poll / 2: never more than two requests a poll).
 *
 * Pulls are counted from the start of the previous one: with
 * a large decision table a delta pull takes the LAPI a good part of a
 * second, and waiting a whole poll after it ended made a decision wait
 * poll + that long. A pull that overran its poll is followed at once; after
 * a failure the backoff counts from its end. The first pull asks for
 * everything; after a failure the next is a delta again (whatever the LAPI
 * has for us since its idea of our last pull), and once one succeeds a
 * complete pull starts beside the deltas if the failure may have cost
 * changes (or the LAPI was away: it may have come back with other data).
 */
static void *worker(void *arg)
{
	struct cs_bouncer *cs = arg;
	bool startup = true;
	uint64_t delay = cs->poll_ms, period = cs->poll_ms;
	unsigned failed_in_row = 0;

	cs->full_delay = cs->poll_ms;
	while (!atomic_load(&cs->stop)) {
		char err[256] = "";
		uint64_t began, due, now;
		bool ok, kept;

		take_full(cs);
		began = mono_ms();
		ok = pull_once(cs, startup, &kept, err, sizeof(err));
		pthread_mutex_lock(&cs->lock);
		cs->st.pulls++;
		cs->st.reachable = ok;
		if (ok) {
			cs->st.synced = true;
			cs->st.last_ok_ms = realtime_ms();
			if (!startup) {
				cs->st.pull_ms_last = mono_ms() - began;
				if (cs->st.pull_ms_last > cs->st.pull_ms_max)
					cs->st.pull_ms_max = cs->st.pull_ms_last;
				cs->st.answer_ms_estimate = answer_estimate(cs, cs->st.pull_ms_last);
				period = cs->poll_ms - cs->st.answer_ms_estimate;
				cs->st.period_ms = period;
			}
		} else if (!atomic_load(&cs->stop)) {
			cs->st.failures++;
			snprintf(cs->st.last_error, sizeof(cs->st.last_error), "%s", err);
		}
		pthread_mutex_unlock(&cs->lock);
		if (!ok && (startup || !kept))
			cs->want_full = true;
		if (ok && cs->want_full && !cs->full.running && mono_ms() >= cs->full_not_before)
			start_full(cs);
		if (cs->st.watcher)
			push_pending(cs);
		startup = false;
		/* one failure alone costs a poll, not more: the backoff starts at the second in a row */
		failed_in_row = ok ? 0 : failed_in_row + 1;
		delay = ok ? period : failed_in_row < 2 ? cs->poll_ms :
			(delay * 2 > CS_BACKOFF_MAX_MS ? CS_BACKOFF_MAX_MS : delay * 2);
		if (!ok && delay < cs->poll_ms)
			delay = cs->poll_ms;
		/* a failure backs off from its end: a LAPI that times out gets its rest */
		due = (ok ? began : mono_ms()) + delay;
		/*
		 * a push or an ended complete pull wakes us: handle it, but pull
		 * only when due, so a burst of pushes never makes pulls more often
		 */
		while (!atomic_load(&cs->stop) && (now = mono_ms()) < due) {
			wait_ms(cs, due - now);
			take_full(cs);
			if (cs->st.watcher)
				push_pending(cs);
		}
	}
	/* stop aborts the transfer in flight (curlapi_stop_on): the join is short */
	if (cs->full.running) {
		pthread_join(cs->full.thread, NULL);
		free(cs->full.v);
	}
	return NULL;
}

/* A secret file, ours alone to read, into buf (NUL-terminated); the length, or -1. */
static ssize_t read_key_text(const char *path, const char *what, char *buf, size_t size,
			     struct xerr *e)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "[crowdsec] %s %s: %s", what, path,
				strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "[crowdsec] %s %s is not a regular file readable by "
			 "its owner only", what, path);
		return xerr_hint(e, "chmod 600 the file");
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "[crowdsec] %s %s: %s", what, path,
				strerror(errno));
	buf[n] = '\0';
	return n;
}

/* The key file: one line. */
static int read_key(const char *path, char *key, size_t size, struct xerr *e)
{
	ssize_t n = read_key_text(path, "api_key_file", key, size, e);

	if (n < 0)
		return -1;
	key[strcspn(key, "\r\n")] = '\0';
	for (const char *c = key; *c; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return xerr_set(e, XNFT_EXIT_USAGE, "[crowdsec] api_key_file %s: the key "
					"holds a character a header cannot carry", path);
	}
	if (!key[0] || (size_t)n >= size - 1)
		return xerr_set(e, XNFT_EXIT_USAGE, "[crowdsec] api_key_file %s: %s", path,
				key[0] ? "the key is too long" : "the file is empty");
	return 0;
}

/* cscli's credentials file ("login: NAME", "password: SECRET"), ours alone to read. */
static int read_machine(const char *path, struct cs_bouncer *cs, struct xerr *e)
{
	char text[2048], *line, *save = NULL;
	int rc = read_key_text(path, "machine_credentials", text, sizeof(text), e);

	if (rc < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t\"'");
		v[strcspn(v, "\"'\r")] = '\0';
		if (!strcmp(line, "login"))
			snprintf(cs->login, sizeof(cs->login), "%s", v);
		else if (!strcmp(line, "password"))
			snprintf(cs->password, sizeof(cs->password), "%s", v);
	}
	explicit_bzero(text, sizeof(text));
	if (!cs->login[0] || !cs->password[0])
		return xerr_set(e, XNFT_EXIT_USAGE, "[crowdsec] machine_credentials %s: no 'login:' "
				"and 'password:' lines (write the file with 'cscli machines add NAME "
				"--auto -f FILE')", path);
	return 0;
}

int cs_bouncer_start(const struct xnft_config *cfg, struct cs_bouncer **out, struct xerr *e)
{
	char key[CS_KEY_MAX];
	struct cs_bouncer *cs;
	pthread_condattr_t ca;

	*out = NULL;
	if (!cfg->cs_url[0])
		return 0;
	if (read_key(cfg->cs_key_file, key, sizeof(key), e) < 0)
		return -1;
	if (curlapi_load(e) < 0)
		return xerr_wrap(e, "the CrowdSec bouncer needs libcurl");
	if (xcurl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return xerr_set(e, XNFT_EXIT_USAGE, "libcurl failed to initialise");
	if (!(cs = calloc(1, sizeof(*cs))))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	snprintf(cs->url, sizeof(cs->url), "%s", cfg->cs_url);
	snprintf(cs->key_hdr, sizeof(cs->key_hdr), "X-Api-Key: %s", key);
	explicit_bzero(key, sizeof(key));
	snprintf(cs->ca, sizeof(cs->ca), "%s", cfg->cs_ca_file);
	snprintf(cs->cert, sizeof(cs->cert), "%s", cfg->cs_cert_file);
	snprintf(cs->certkey, sizeof(cs->certkey), "%s", cfg->cs_certkey_file);
	cs->poll_ms = cfg->cs_poll_ms;
	cs->st.period_ms = cs->poll_ms;
	cs->timeout_ms = cfg->cs_timeout_ms;
	cs->full_timeout_ms = cfg->cs_full_timeout_ms;
	cs->max_bytes = cfg->cs_max_bytes;
	cs->plen6 = cfg->ipv6_prefix;
	if (gethostname(cs->host, sizeof(cs->host)) < 0 || !cs->host[0])
		snprintf(cs->host, sizeof(cs->host), "unknown");
	cs->host[strcspn(cs->host, ".")] = '\0';
	if (cfg->cs_machine_file[0]) {
		if (read_machine(cfg->cs_machine_file, cs, e) < 0 ||
		    !(cs->push = calloc(CS_PUSH_QUEUE, sizeof(*cs->push)))) {
			if (!cs->push && cs->login[0])
				xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			explicit_bzero(cs->password, sizeof(cs->password));
			free(cs);
			return -1;
		}
		cs->st.watcher = true;
	}
	if ((cs->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		free(cs->push);
		free(cs);
		return xerr_set(e, XNFT_EXIT_USAGE, "eventfd: %s", strerror(errno));
	}
	pthread_mutex_init(&cs->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cs->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&cs->thread, NULL, worker, cs)) {
		pthread_mutex_destroy(&cs->lock);
		pthread_cond_destroy(&cs->cond);
		close(cs->efd);
		free(cs->push);
		free(cs);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot start the CrowdSec bouncer thread");
	}
	*out = cs;
	return 0;
}

int cs_bouncer_fd(const struct cs_bouncer *b)
{
	return b ? b->efd : -1;
}

size_t cs_bouncer_take(struct cs_bouncer *b, struct cs_decision **v, bool *full)
{
	uint64_t cnt;
	size_t n;
	ssize_t r = read(b->efd, &cnt, sizeof(cnt));

	(void)r;   /* EAGAIN: nothing signalled; the queue says what there is */
	pthread_mutex_lock(&b->lock);
	*v = b->q;
	n = b->nq;
	*full = b->q_full;
	b->q = NULL;
	b->nq = b->capq = 0;
	b->q_full = false;
	pthread_mutex_unlock(&b->lock);
	return n;
}

void cs_bouncer_stats(struct cs_bouncer *b, struct cs_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	*st = b->st;
	st->push_waiting = b->npush;
	pthread_mutex_unlock(&b->lock);
	snprintf(st->url, sizeof(st->url), "%s", b->url);
}

void cs_bouncer_stop(struct cs_bouncer *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	atomic_store(&b->stop, true);
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	close(b->efd);
	live_clear(&b->live);
	live_clear(&b->per_key);
	free(b->since);
	explicit_bzero(b->password, sizeof(b->password));
	explicit_bzero(b->token, sizeof(b->token));
	free(b->push);
	free(b->q);
	free(b);
}
