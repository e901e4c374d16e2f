// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's /metrics and conntrack watch (daemon_metrics.h).
 */
#include "daemon/daemon_metrics.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/paths.h"
#include "crowdsec/lapi.h"
#include "daemon/daemon_int.h"
#include "telemetry/applystate.h"
#include "telemetry/conntrack.h"
#include "telemetry/counters.h"
#include "telemetry/expo.h"
#include "telemetry/httpd.h"

#define DM_CATEGORIES 64          /* more distinct categories count as "other" */
#define DM_ORIGINS 64
#define DM_PUBLISH_MS 1000
/* safe apply's state costs a listing of the table: read again at most this often */
#define DM_APPLY_STATE_S 15
/* lint and intents on the loaded ruleset: seconds of CPU on a big table */
#define DM_ANALYSIS_S 300
/* sets of this many elements or more are counted again at most every DM_BIG_SET_S */
#define DM_BIG_SET 10000
#define DM_BIG_SET_S 30

struct dm_count {
	char name[BAN_RULE_NAME_MAX];
	uint64_t n[2];                /* per family for bans; [0] alone for events */
};

struct daemon_metrics {
	struct httpd *http;
	pthread_mutex_t lock;
	char *published;              /* under lock: the daemon's series */
	char policy[CONFIG_PATH_MAX]; /* under lock: files naming rules' file:line */
	bool per_rule;                /* under lock */
	bool analysis;                /* under lock: [metrics] analysis */
	uint64_t scrapes, scrape_errors; /* under lock */
	struct tm_apply apply;        /* under lock: the last reading */
	bool apply_valid;             /* under lock */
	struct tm_elem_cache elems;   /* its own lock */
	pthread_t refresher;          /* reads the apply state, away from scrapes and bans */
	bool refresher_on;
	bool stopping;                /* under lock */
	pthread_cond_t wake;          /* with lock: stopping was set */

	struct dm_count events[DM_CATEGORIES + 1];
	size_t nevents;
	struct dm_count bans[DM_ORIGINS + 1];   /* bans made, by origin and family */
	size_t nbans;
	uint64_t next_publish;
	struct ct_health ct;          /* the last reading */
	bool ct_read;
	int ct_level;                 /* 0, 80, 95: the warning given */
	uint64_t ct_warnings;
};

/* The counter of name among v's *n (cap + 1 slots): a new name past cap counts as "other". */
static struct dm_count *dm_slot(struct dm_count *v, size_t *n, size_t cap, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	i = *n < cap ? (*n)++ : cap;
	if (i == cap)
		*n = cap + 1;
	snprintf(v[i].name, sizeof(v[i].name), "%s", i == cap ? "other" : name);
	return &v[i];
}

void daemon_metrics_event(struct daemon *d, const char *category)
{
	struct daemon_metrics *m = d->metrics;

	if (m)
		dm_slot(m->events, &m->nevents, DM_CATEGORIES, category)->n[0]++;
}

const char *daemon_ban_origin(const char *rule, char *buf, size_t size)
{
	size_t n = strlen(CS_RULE_PREFIX), i;

	if (!strcmp(rule, "manual") || !strcmp(rule, "adopted"))
		return rule;
	if (strncmp(rule, CS_RULE_PREFIX, n))
		return "xnft";
	/* the LAPI's origin, as a label value: letters, digits, '-' and '_' */
	for (i = 0; i + 1 < size && rule[n + i] && rule[n + i] != ':'; i++)
		buf[i] = isalnum((unsigned char)rule[n + i]) || rule[n + i] == '-' ? rule[n + i] : '_';
	buf[i] = '\0';
	return i ? buf : "crowdsec";
}

void daemon_metrics_ban(struct daemon *d, const struct ban_active *b)
{
	struct daemon_metrics *m = d->metrics;
	char buf[DAEMON_ORIGIN_MAX];

	if (m)
		dm_slot(m->bans, &m->nbans, DM_ORIGINS,
			daemon_ban_origin(b->rule, buf, sizeof(buf)))->n[b->key.family == AF_INET6]++;
}

/* ---- conntrack watch ----------------------------------------------------------------- */

static void conntrack_watch(struct daemon *d, struct daemon_metrics *m)
{
	struct ct_health now;
	struct xerr e;
	int level;

	if (ct_health_read(&now, &e) || !now.loaded)
		return;
	level = ct_fill_level(&now);
	if (level > m->ct_level) {
		m->ct_warnings++;
		daemon_log(d, level >= 95 ? DAEMON_LOG_ERR : DAEMON_LOG_WARNING,
			   "conntrack table %d%% full (%" PRIu64 " of %" PRIu64 " entries): new "
			   "connections will be dropped when it fills; raise nf_conntrack_max",
			   (int)(ct_fill_ratio(&now) * 100), now.count, now.max);
	} else if (level < m->ct_level) {
		daemon_log(d, DAEMON_LOG_NOTICE, "conntrack table back under %d%% (%" PRIu64
			   " of %" PRIu64 " entries)", m->ct_level, now.count, now.max);
	}
	m->ct_level = level;
	if (m->ct_read && (now.stat[CT_DROP] > m->ct.stat[CT_DROP] ||
			   now.stat[CT_EARLY_DROP] > m->ct.stat[CT_EARLY_DROP]))
		daemon_log(d, DAEMON_LOG_WARNING, "conntrack dropped %" PRIu64 " packet(s) and "
			   "evicted %" PRIu64 " connection(s) early: the table is full "
			   "(\"nf_conntrack: table full, dropping packet\")",
			   now.stat[CT_DROP] - m->ct.stat[CT_DROP],
			   now.stat[CT_EARLY_DROP] - m->ct.stat[CT_EARLY_DROP]);
	m->ct = now;
	m->ct_read = true;
}

/* ---- the daemon's series ------------------------------------------------------------- */

struct origin_count {
	struct dm_count v[DM_ORIGINS + 1];
	size_t n;
};

static int count_origin(void *ctx, const struct ban_active *b)
{
	struct origin_count *oc = ctx;
	char buf[DAEMON_ORIGIN_MAX];

	dm_slot(oc->v, &oc->n, DM_ORIGINS,
		daemon_ban_origin(b->rule, buf, sizeof(buf)))->n[b->key.family == AF_INET6]++;
	return 0;
}

/* One series per origin and family of v. */
static void write_by_origin(FILE *out, const char *name, const struct dm_count *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int f = 0; f < 2; f++) {
			fprintf(out, "%s{family=\"%s\",origin=\"", name, f ? "ipv6" : "ipv4");
			expo_label(out, v[i].name);
			fprintf(out, "\"} %" PRIu64 "\n", v[i].n[f]);
		}
}

static void write_bans(FILE *out, struct daemon *d, const struct daemon_metrics *m)
{
	struct origin_count *oc = calloc(1, sizeof(*oc));
	struct ban_stats st;

	ban_engine_stats(d->eng, &st);
	fputs("# HELP xnft_bans_active Bans in force now, by family and origin (xnft, manual, "
	      "adopted, or the CrowdSec decision's origin).\n# TYPE xnft_bans_active gauge\n", out);
	if (oc) {
		ban_engine_foreach(d->eng, count_origin, oc);
		write_by_origin(out, "xnft_bans_active", oc->v, oc->n);
		free(oc);
	}
	fputs("# HELP xnft_bans_total Bans made since the daemon started, by family and origin.\n"
	      "# TYPE xnft_bans_total counter\n", out);
	write_by_origin(out, "xnft_bans_total", m->bans, m->nbans);
	fprintf(out, "# HELP xnft_ban_extensions_total Bans extended by a repeat offence.\n"
		"# TYPE xnft_ban_extensions_total counter\nxnft_ban_extensions_total %" PRIu64 "\n",
		st.extensions);
}

static void write_events(FILE *out, const struct daemon_metrics *m, struct daemon *d)
{
	fputs("# HELP xnft_events_total Drop events read, by category (the log prefix).\n"
	      "# TYPE xnft_events_total counter\n", out);
	for (size_t i = 0; i < m->nevents; i++) {
		fputs("xnft_events_total{category=\"", out);
		expo_label(out, m->events[i].name);
		fprintf(out, "\"} %" PRIu64 "\n", m->events[i].n[0]);
	}
	fprintf(out, "# HELP xnft_daemon_start_time_seconds When the daemon started.\n"
		"# TYPE xnft_daemon_start_time_seconds gauge\n"
		"xnft_daemon_start_time_seconds %" PRIu64 "\n"
		"# HELP xnft_conntrack_fill_warning_level The conntrack warning in force: 0, 80 or 95 (percent).\n"
		"# TYPE xnft_conntrack_fill_warning_level gauge\n"
		"xnft_conntrack_fill_warning_level %d\n"
		"# HELP xnft_conntrack_fill_warnings_total Conntrack fill warnings given.\n"
		"# TYPE xnft_conntrack_fill_warnings_total counter\n"
		"xnft_conntrack_fill_warnings_total %" PRIu64 "\n",
		d->started_ms / 1000, m->ct_level, m->ct_warnings);
}

static void publish(struct daemon *d, struct daemon_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return;
	write_bans(out, d, m);
	write_events(out, m, d);
	if (fclose(out)) {
		free(text);
		return;
	}
	pthread_mutex_lock(&m->lock);
	free(m->published);
	m->published = text;
	snprintf(m->policy, sizeof(m->policy), "%s",
		 strcmp(d->cfg->policy, "live") ? d->cfg->policy : "");
	m->per_rule = d->cfg->metrics_rules;
	m->analysis = d->cfg->metrics_analysis;
	pthread_mutex_unlock(&m->lock);
}

void daemon_metrics_tick(struct daemon *d, unsigned long long mono_ms)
{
	struct daemon_metrics *m = d->metrics;

	if (!m || mono_ms < m->next_publish)
		return;
	m->next_publish = mono_ms + DM_PUBLISH_MS;
	conntrack_watch(d, m);
	if (m->http || !mono_ms)
		publish(d, m);
}

/* ---- serving (HTTP threads) ------------------------------------------------------------ */

struct scrape_extra {
	const char *published;
	uint64_t scrapes, errors;
};

static void add_published(FILE *out, void *data)
{
	const struct scrape_extra *x = data;

	if (x->published)
		fputs(x->published, out);
	fprintf(out, "# HELP xnft_scrapes_total Scrapes of /metrics answered.\n"
		"# TYPE xnft_scrapes_total counter\nxnft_scrapes_total %" PRIu64 "\n"
		"# HELP xnft_scrape_errors_total Scrapes that could not read the kernel.\n"
		"# TYPE xnft_scrape_errors_total counter\nxnft_scrape_errors_total %" PRIu64 "\n",
		x->scrapes, x->errors);
}

/*
 * The refresher thread: safe apply's state every DM_APPLY_STATE_S, with lint
 * and intents every DM_ANALYSIS_S, each in a child process. A scrape only
 * copies the last reading, so a slow analysis never makes a scrape late.
 */
static void *refresh_apply_state(void *arg)
{
	struct daemon_metrics *m = arg;
	time_t analysed_at = 0;
	char policy[CONFIG_PATH_MAX];

	pthread_mutex_lock(&m->lock);
	while (!m->stopping) {
		time_t now = time(NULL);
		bool analyse = m->analysis && now >= analysed_at + DM_ANALYSIS_S, valid;
		struct tm_apply fresh;
		struct timespec until;
		struct xerr ignored;

		snprintf(policy, sizeof(policy), "%s", m->policy[0] ? m->policy
					: (access(XNFT_DEFAULT_POLICY, R_OK) ? "" : XNFT_DEFAULT_POLICY));
		pthread_mutex_unlock(&m->lock);
		valid = !tm_apply_read_child(&fresh, analyse && policy[0] ? policy : NULL, &ignored);
		pthread_mutex_lock(&m->lock);
		if (valid && analyse)
			analysed_at = now;
		if (valid && !analyse && m->analysis) {  /* keep the last analysis */
			fresh.analysed = m->apply.analysed;
			memcpy(fresh.lint, m->apply.lint, sizeof(fresh.lint));
			fresh.intents_checked = m->apply.intents_checked;
			fresh.intents_held = m->apply.intents_held;
			fresh.intents_violated = m->apply.intents_violated;
		}
		if (valid)
			m->apply = fresh;
		m->apply_valid = valid;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += DM_APPLY_STATE_S;
		while (!m->stopping && pthread_cond_timedwait(&m->wake, &m->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* The last reading of the apply state; false before the first. */
static bool apply_state(struct daemon_metrics *m, struct tm_apply *out)
{
	bool valid;

	pthread_mutex_lock(&m->lock);
	*out = m->apply;
	valid = m->apply_valid;
	pthread_mutex_unlock(&m->lock);
	return valid;
}

static int render(void *ctx, char **text, size_t *len)
{
	struct daemon_metrics *m = ctx;
	struct scrape_extra x = { 0 };
	struct expo_opts eo = { .extra = add_published, .extra_data = &x, .elem_cache = &m->elems };
	struct tm_apply apply;
	char policy[CONFIG_PATH_MAX];
	char *published;
	struct xerr e;
	int rc;

	pthread_mutex_lock(&m->lock);
	published = m->published ? strdup(m->published) : NULL;
	snprintf(policy, sizeof(policy), "%s", m->policy);
	eo.per_rule = m->per_rule;
	x.scrapes = ++m->scrapes;
	x.errors = m->scrape_errors;
	pthread_mutex_unlock(&m->lock);
	x.published = published;
	eo.policy_entry = policy[0] ? policy : (access(XNFT_DEFAULT_POLICY, R_OK) ? NULL
										   : XNFT_DEFAULT_POLICY);
	if (apply_state(m, &apply))
		eo.apply = &apply;
	rc = expo_render(&eo, text, len, &e);
	free(published);
	if (rc) {
		pthread_mutex_lock(&m->lock);
		m->scrape_errors++;
		pthread_mutex_unlock(&m->lock);
	}
	return rc;
}

int daemon_metrics_start(struct daemon *d, struct xerr *e)
{
	struct daemon_metrics *m;
	struct sockaddr_storage ss;
	char where[160];
	int rc;

	/* the conntrack watch runs with or without the endpoint */
	if (d->cfg->metrics_enabled &&
	    httpd_resolve(d->cfg->metrics_listen, d->cfg->metrics_mesh_if, d->cfg->metrics_force,
			  &ss, e))
		return -1;
	if (!(m = calloc(1, sizeof(*m))))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	tm_elem_cache_init(&m->elems, DM_BIG_SET, DM_BIG_SET_S);
	/* the daemon's own origins are there from the start, so rate() has a zero to start from */
	dm_slot(m->bans, &m->nbans, DM_ORIGINS, "xnft");
	dm_slot(m->bans, &m->nbans, DM_ORIGINS, "manual");
	d->metrics = m;
	daemon_metrics_tick(d, 0);   /* the first figures before the first scrape */
	if (!d->cfg->metrics_enabled)
		return 0;
	rc = pthread_create(&m->refresher, NULL, refresh_apply_state, m);
	if (rc) {
		daemon_metrics_stop(d);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot start the metrics thread: %s",
				strerror(rc));
	}
	m->refresher_on = true;
	if (httpd_start(&ss, render, m, &m->http, e)) {
		daemon_metrics_stop(d);
		return -1;
	}
	httpd_format(&ss, where, sizeof(where));
	daemon_log(d, DAEMON_LOG_NOTICE, "metrics on http://%s/metrics", where);
	return 0;
}

void daemon_metrics_stop(struct daemon *d)
{
	struct daemon_metrics *m = d->metrics;

	if (!m)
		return;
	httpd_stop(m->http);   /* its threads are joined: nobody reads m after this */
	if (m->refresher_on) {
		pthread_mutex_lock(&m->lock);
		m->stopping = true;
		pthread_cond_signal(&m->wake);
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->refresher, NULL);
	}
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	tm_elem_cache_free(&m->elems);
	free(m->published);
	free(m);
	d->metrics = NULL;
}
