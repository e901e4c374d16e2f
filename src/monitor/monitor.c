// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One run of xnft monitor: every source fetched and parsed on its own (a
 * failure is recorded and the next source runs), findings mapped to rule
 * files and the host, new ones notified, then the state saved in one
 * transaction. A finding whose notification failed is not marked seen and
 * its source's validators are not saved, so the next run fetches it whole
 * and tries again.
 */
#include "monitor/monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban/notify.h"
#include "core/grow.h"
#include "core/secret.h"
#include "monitor/alert.h"
#include "monitor/fetch.h"
#include "monitor/hostmatch.h"
#include "monitor/parse.h"
#include "monitor/store.h"

/* A hostile or broken source cannot make a run hold more than this many findings. */
#define MON_FINDINGS_MAX 50000

struct run {
	const struct xnft_config *cfg;
	const struct mon_opts *o;
	struct mon_report *r;
	struct mon_store *st;
	struct mon_host_info host;
	time_t since;
	char api_key[256];
	char etag[MON_QUERIES_MAX][256];
	char last_modified[MON_QUERIES_MAX][64];
};

struct mon_finding *mon_list_push(struct mon_list *l)
{
	if ((l->n == l->cap && l->n >= MON_FINDINGS_MAX) ||
	    grow_for_one(&l->v, &l->cap, l->n, sizeof(l->v[0]), 64)) {
		l->oom = true;
		return NULL;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

void mon_list_free(struct mon_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *mon_severity_name(enum mon_severity s)
{
	static const char *const names[] = { "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

	return s <= MON_SEV_CRITICAL ? names[s] : "?";
}

const char *mon_host_name(enum mon_host h)
{
	static const char *const names[] = { "unknown", "affected", "not-affected", "behind",
					     "current" };

	return h <= MON_HOST_CURRENT ? names[h] : "?";
}

const char *mon_source_label(int source)
{
	static const char *const names[MONITOR_SRC_COUNT] = {
		[MONITOR_SRC_KERNEL] = "kernel", [MONITOR_SRC_NFTABLES] = "nftables",
		[MONITOR_SRC_NVD] = "nvd", [MONITOR_SRC_LIST] = "netfilter-devel",
		[MONITOR_SRC_GIT] = "netfilter-git",
	};

	return source >= 0 && source < MONITOR_SRC_COUNT ? names[source] : "?";
}

static struct mon_source_result *add_query(struct mon_report *r, int source, const char *name)
{
	struct mon_source_result *q;

	if (r->nsrc == MON_QUERIES_MAX)
		return NULL;
	q = &r->src[r->nsrc++];
	memset(q, 0, sizeof(*q));
	q->source = source;
	snprintf(q->name, sizeof(q->name), "%s", name);
	return q;
}

/* The NVD query for one keyword, over a window rounded to whole hours (so repeated runs can be conditional). */
static void nvd_url(const struct run *run, const char *keyword, char *url, size_t size)
{
	time_t end = (run->o->now / 3600 + 1) * 3600, start = run->since / 3600 * 3600;
	char a[32], b[32];
	struct tm tm;

	strftime(a, sizeof(a), "%Y-%m-%dT%H:%M:%S.000Z", gmtime_r(&start, &tm));
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S.000Z", gmtime_r(&end, &tm));
	snprintf(url, size, "%s%skeywordSearch=%s&pubStartDate=%s&pubEndDate=%s",
		 run->cfg->mon_url[MONITOR_SRC_NVD],
		 strchr(run->cfg->mon_url[MONITOR_SRC_NVD], '?') ? "&" : "?", keyword, a, b);
}

static void plan_queries(struct run *run)
{
	const struct xnft_config *cfg = run->cfg;
	struct mon_source_result *q;

	for (int s = 0; s < MONITOR_SRC_COUNT; s++) {
		char kw[sizeof(cfg->mon_nvd_keywords)], *save = NULL;

		if (s != MONITOR_SRC_NVD || !cfg->mon_url[s][0]) {
			if ((q = add_query(run->r, s, mon_source_label(s)))) {
				snprintf(q->url, sizeof(q->url), "%s", cfg->mon_url[s]);
				q->status = cfg->mon_url[s][0] ? MON_SRC_OK : MON_SRC_OFF;
			}
			continue;
		}
		snprintf(kw, sizeof(kw), "%s", cfg->mon_nvd_keywords);
		for (char *k = strtok_r(kw, ", ", &save); k; k = strtok_r(NULL, ", ", &save)) {
			char name[48];

			snprintf(name, sizeof(name), "nvd:%s", k);
			if ((q = add_query(run->r, s, name)))
				nvd_url(run, k, q->url, sizeof(q->url));
		}
	}
}

static int parse(const struct run *run, const struct mon_source_result *q, const struct mon_body *b,
		 struct mon_list *out, struct xerr *e)
{
	switch (q->source) {
	case MONITOR_SRC_KERNEL:
		return mon_parse_kernel(b->data, b->len, q->name, run->since, out, e);
	case MONITOR_SRC_NFTABLES:
		return mon_parse_nftables(b->data, b->len, q->name, out, e);
	case MONITOR_SRC_NVD:
		return mon_parse_nvd(b->data, b->len, q->name, out, e);
	default:
		return mon_parse_feed(b->data, b->len, q->name, q->source, run->since, out, e);
	}
}

/* A CVE that an earlier NVD keyword found (only the NVD's queries overlap: a feed is not searched). */
static bool already_listed(const struct mon_list *l, const struct mon_finding *f)
{
	if (f->source != MONITOR_SRC_NVD)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].source == MONITOR_SRC_NVD && !strcmp(l->v[i].id, f->id))
			return true;
	return false;
}

/* A release is news when it is recent, or when the host is behind it. */
static bool worth_reporting(const struct run *run, const struct mon_finding *f)
{
	if (!f->product[0])
		return true;
	if (f->host == MON_HOST_BEHIND)
		return true;
	if (!strcmp(f->product, "nftables"))
		return f->host == MON_HOST_UNKNOWN;
	return f->when && f->when >= run->since && f->host != MON_HOST_CURRENT;
}

/* Text from the network goes to terminals, mail headers and chat: no control bytes (escape sequences). */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void keep_findings(struct run *run, unsigned qi, struct mon_list *got)
{
	struct mon_report *r = run->r;

	for (size_t i = 0; i < got->n; i++) {
		struct mon_finding *f = &got->v[i], *kept;

		clean(f->id);
		clean(f->title);
		clean(f->text);
		clean(f->url);
		clean(f->published);
		clean(f->version);
		mon_map_rules(f);
		mon_match_host(f, &run->host);
		if (!worth_reporting(run, f) || already_listed(&r->findings, f))
			continue;
		f->is_new = !mon_store_seen(run->st, f->id);
		f->query = qi;
		if (!(kept = mon_list_push(&r->findings)))
			break;
		*kept = *f;
		r->src[qi].items++;
	}
}

static void fail_query(struct mon_source_result *q, const struct xerr *e)
{
	q->status = MON_SRC_FAILED;
	snprintf(q->error, sizeof(q->error), "%s%s%s", e->msg, e->hint[0] ? "; " : "", e->hint);
}

static void run_query(struct run *run, unsigned qi)
{
	struct mon_source_result *q = &run->r->src[qi];
	const struct xnft_config *cfg = run->cfg;
	struct mon_fetch_opts fo = {
		.ca_file = cfg->mon_ca_file, .timeout_ms = (long)cfg->mon_timeout_ms,
		.connect_timeout_ms = (long)cfg->mon_connect_timeout_ms,
		.max_bytes = cfg->mon_max_bytes,
		.api_key = q->source == MONITOR_SRC_NVD ? run->api_key : NULL,
	};
	struct mon_list got = { 0 };
	struct mon_body b;
	struct xerr e;

	xerr_clear(&e);
	/* a dry run shows what the sources hold now: no conditional request */
	if (!run->o->dry_run)
		mon_store_validators(run->st, q->name, q->url, run->etag[qi], sizeof(run->etag[qi]),
				     run->last_modified[qi], sizeof(run->last_modified[qi]));
	fo.etag = run->etag[qi];
	fo.last_modified = run->last_modified[qi];
	if (mon_fetch(q->url, &fo, &b, &e) < 0) {
		if (q->source == MONITOR_SRC_NVD && (b.status == 403 || b.status == 429) &&
		    !run->api_key[0])
			xerr_hint(&e, "the NVD rate-limits clients without an API key: request one and "
				  "name its file in [monitor] nvd_api_key_file");
		fail_query(q, &e);
		return;
	}
	if (b.not_modified) {
		q->status = MON_SRC_NOT_MODIFIED;
		return;
	}
	snprintf(run->etag[qi], sizeof(run->etag[qi]), "%s", b.etag);
	snprintf(run->last_modified[qi], sizeof(run->last_modified[qi]), "%s", b.last_modified);
	if (parse(run, q, &b, &got, &e) < 0) {
		fail_query(q, &e);
	} else {
		q->status = MON_SRC_OK;
		keep_findings(run, qi, &got);
	}
	mon_list_free(&got);
	mon_body_free(&b);
}

/* Seen: every new finding but those whose notification failed; validators: sources with no such finding. */
static int save_state(struct run *run, struct xerr *e)
{
	struct mon_report *r = run->r;
	const struct mon_finding **seen = calloc(r->findings.n + 1, sizeof(*seen));
	struct mon_validators v[MON_QUERIES_MAX];
	bool retry[MON_QUERIES_MAX] = { false };
	size_t nseen = 0, nv = 0;
	int rc;

	if (!seen)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	for (size_t i = 0; i < r->findings.n; i++) {
		const struct mon_finding *f = &r->findings.v[i];
		bool wanted = f->sev >= MON_SEV_MEDIUM;

		if (!f->is_new)
			continue;
		if (wanted && !f->notified && run->cfg->nnotify)
			retry[f->query] = true;
		else
			seen[nseen++] = f;
	}
	for (size_t i = 0; i < r->nsrc; i++) {
		if (r->src[i].status != MON_SRC_OK || retry[i])
			continue;
		v[nv++] = (struct mon_validators){ r->src[i].name, r->src[i].url, run->etag[i],
						   run->last_modified[i] };
	}
	rc = mon_store_commit(run->st, seen, nseen, v, nv, e);
	free(seen);
	return rc;
}

int monitor_run(const struct xnft_config *cfg, const struct mon_opts *o, struct mon_report *r,
		struct xerr *e)
{
	struct mon_opts opts = *o;
	struct notifier *n = NULL;
	struct run *run;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->dry_run = o->dry_run;
	if (!opts.now)
		opts.now = time(NULL);
	if (!opts.since_ms)
		opts.since_ms = cfg->mon_since_ms;
	if (!(run = calloc(1, sizeof(*run))))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	run->cfg = cfg;
	run->o = &opts;
	run->r = r;
	run->since = opts.now - (time_t)(opts.since_ms / 1000);
	mon_host_detect(cfg, &run->host);
	snprintf(r->host_kernel, sizeof(r->host_kernel), "%s", run->host.kernel_shown);
	snprintf(r->host_nft, sizeof(r->host_nft), "%s", run->host.nft);
	if (cfg->mon_nvd_key_file[0] && secret_read(cfg->mon_nvd_key_file,
						    "[monitor] nvd_api_key_file", run->api_key,
						    sizeof(run->api_key), e) < 0)
		goto out;
	if (mon_fetch_init(e) < 0 || (!o->dry_run && mon_alert_open(cfg, &n, e) < 0) ||
	    mon_store_open(cfg->mon_db_path, o->dry_run, &run->st, e) < 0)
		goto out;
	plan_queries(run);
	for (unsigned i = 0; i < r->nsrc; i++) {
		if (r->src[i].status != MON_SRC_OFF)
			run_query(run, i);
		r->nfailed += r->src[i].status == MON_SRC_FAILED;
	}
	mon_alert_send(n, r);
	rc = o->dry_run ? 0 : save_state(run, e);
out:
	notifier_stop(n);
	mon_store_close(run->st);
	explicit_bzero(run->api_key, sizeof(run->api_key));
	free(run);
	return rc;
}

void monitor_report_free(struct mon_report *r)
{
	mon_list_free(&r->findings);
}
