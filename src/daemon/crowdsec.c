// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's side of the CrowdSec bouncer: decisions the worker received
 * become bans through the same engine, kernel writer and store as the
 * daemon's own. The whitelist wins over the LAPI; a ban the LAPI deletes
 * is lifted only if it came from the LAPI, never one of the daemon's own.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "daemon/daemon_int.h"

/* Refusals logged one by one before they are only counted. */
#define CS_REFUSALS_LOGGED 20

int daemon_crowdsec_start(struct daemon *d, struct xerr *e)
{
	if (cs_bouncer_start(d->cfg, &d->cs, e) < 0)
		return -1;
	if (d->cs)
		daemon_log(d, DAEMON_LOG_NOTICE, "crowdsec: pulling decisions from %s every %llu ms",
			   d->cfg->cs_url, (unsigned long long)d->cfg->cs_poll_ms);
	return 0;
}

/*
 * After a reload: a bouncer for the new [crowdsec] (its first pull asks for
 * everything, so the reconciliation follows). If it cannot start (say the
 * key file became unreadable) the running one goes on with the old settings.
 */
void daemon_crowdsec_reload(struct daemon *d)
{
	struct cs_bouncer *nb;
	struct xerr e;

	if (cs_bouncer_start(d->cfg, &nb, &e) < 0) {
		daemon_log(d, DAEMON_LOG_ERR, "reload: crowdsec: %s; %s", e.msg, d->cs ?
			   "the running bouncer goes on with the previous settings" :
			   "no bouncer");
		return;
	}
	cs_bouncer_stop(d->cs);
	d->cs = nb;
}

static bool from_lapi(const struct ban_active *b)
{
	return !strncmp(b->rule, CS_RULE_PREFIX, strlen(CS_RULE_PREFIX));
}

static void lift(struct daemon *d, const struct ban_key *key)
{
	struct xerr e;

	ban_engine_unban(d->eng, key);
	d->set_counted = false;
	if (kw_queue_del(d->kw, key) == 0 && !d->pending_since)
		d->pending_since = daemon_mono_ms();
	if (d->store && ban_store_lift(d->store, key, daemon_now_ms(), &e) < 0)
		daemon_log(d, DAEMON_LOG_WARNING, "%s", e.msg);
	d->cs_lifted++;
}

static void refuse(struct daemon *d, const struct cs_decision *c, const char *why)
{
	char addr[PREFIX_STRLEN];

	d->cs_refused++;
	if (d->cs_refused > CS_REFUSALS_LOGGED)
		return;
	ban_key_format(&c->key, addr, sizeof(addr));
	daemon_log(d, DAEMON_LOG_WARNING, "crowdsec: decision %s for %s refused: %s%s", c->rule,
		   addr, why, d->cs_refused == CS_REFUSALS_LOGGED ? " (further refusals are only "
		   "counted: status crowdsec.refused)" : "");
}

struct overlap {
	const struct kwriter *kw;
	const struct ban_key *key;
	struct ban_key other;
	bool found;
};

static int find_overlap(void *ctx, const struct ban_active *b)
{
	struct overlap *o = ctx;

	if (kw_set_of(o->kw, &b->key) != kw_set_of(o->kw, o->key) ||
	    !memcmp(&b->key, o->key, sizeof(b->key)) || !ban_keys_overlap(&b->key, o->key))
		return 0;
	o->other = b->key;
	o->found = true;
	return 1;
}

/*
 * Why a range may not go into its interval set, or NULL: the policy has
 * no such set, or another banned range overlaps it (an interval set holds
 * no overlapping intervals: the kernel would refuse the whole batch).
 */
static const char *range_refused(struct daemon *d, const struct ban_key *key, char *buf,
				 size_t size)
{
	enum kw_set set = kw_set_of(d->kw, key);
	struct overlap o = { .kw = d->kw, .key = key };
	char other[PREFIX_STRLEN];

	if (set != KW_NETS4 && set != KW_NETS6)
		return NULL;
	if (d->set_missing[set]) {
		snprintf(buf, size, "the loaded policy has no set %s for ranges (apply the shipped "
			 "policy's 00-tables.nft and 15-antiscan.nft)", kw_set_name(d->kw, set));
		return buf;
	}
	ban_engine_foreach(d->eng, find_overlap, &o);
	if (!o.found)
		return NULL;
	ban_key_format(&o.other, other, sizeof(other));
	snprintf(buf, size, "overlaps the banned range %s", other);
	return buf;
}

static void ban_one(struct daemon *d, const struct cs_decision *c, uint64_t now)
{
	const struct ban_active *cur = ban_engine_find(d->eng, &c->key);
	struct ban_decision dec;
	char why[256];
	struct xerr e;

	if (c->duration_ms < 1000)
		return;   /* ends before the kernel would see it */
	if (ban_engine_key_exempt(d->eng, &c->key)) {
		refuse(d, c, "whitelisted (or holds a whitelisted address, or no packet comes "
		       "from it)");
		return;
	}
	if (!cur && range_refused(d, &c->key, why, sizeof(why))) {
		refuse(d, c, why);
		return;
	}
	/* the LAPI repeats decisions at every startup pull: only a later end is news */
	if (cur && cur->until_ms > now && cur->until_ms + 1000 >= now + c->duration_ms)
		return;
	if (ban_engine_ban(d->eng, &c->key, c->duration_ms, now, &dec, &e) < 0) {
		refuse(d, c, e.msg);
		return;
	}
	if (!dec.extended) {
		snprintf(dec.ban.rule, sizeof(dec.ban.rule), "%s", c->rule);
		ban_engine_adopt(d->eng, &dec.ban);
	}
	if (daemon_apply_decision(d, &dec, dec.extended) == 0)
		d->cs_applied++;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ban_key));
}

struct stale {
	const struct ban_key *present;   /* sorted */
	size_t npresent;
	struct ban_key *gone;
	size_t ngone, cap;
};

static int find_stale(void *ctx, const struct ban_active *b)
{
	struct stale *s = ctx;

	if (!from_lapi(b) || bsearch(&b->key, s->present, s->npresent, sizeof(b->key), cmp_key))
		return 0;
	if (grow_for_one(&s->gone, &s->cap, s->ngone, sizeof(s->gone[0]), 64))
		return 1;
	s->gone[s->ngone++] = b->key;
	return 0;
}

/* A complete list came: the LAPI's bans missing from it were deleted while we did not hear. */
static void reconcile_full(struct daemon *d, const struct cs_decision *v, size_t n)
{
	struct stale s = { 0 };
	struct ban_key *present = malloc((n ? n : 1) * sizeof(*present));

	if (!present) {
		daemon_log(d, DAEMON_LOG_ERR, "crowdsec: out of memory reconciling; stale bans "
			   "expire on their own");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].deleted)
			present[s.npresent++] = v[i].key;
	}
	qsort(present, s.npresent, sizeof(*present), cmp_key);
	s.present = present;
	ban_engine_foreach(d->eng, find_stale, &s);
	for (size_t i = 0; i < s.ngone; i++)
		lift(d, &s.gone[i]);
	if (s.ngone)
		daemon_log(d, DAEMON_LOG_NOTICE, "crowdsec: %zu ban(s) no longer in the LAPI lifted",
			   s.ngone);
	free(s.gone);
	free(present);
}

void daemon_crowdsec_apply(struct daemon *d)
{
	struct cs_decision *v;
	uint64_t now = daemon_now_ms();
	bool full;
	size_t n = cs_bouncer_take(d->cs, &v, &full);
	uint64_t applied = d->cs_applied, lifted = d->cs_lifted, refused = d->cs_refused;

	d->cs_applying = true;
	for (size_t i = 0; i < n; i++) {
		const struct ban_active *cur = ban_engine_find(d->eng, &v[i].key);

		if (!v[i].deleted)
			ban_one(d, &v[i], now);
		else if (cur && from_lapi(cur))
			lift(d, &v[i].key);
	}
	d->cs_applying = false;
	if (full)
		reconcile_full(d, v, n);
	free(v);
	if (d->cs_applied != applied || d->cs_lifted != lifted || d->cs_refused != refused)
		daemon_log(d, DAEMON_LOG_NOTICE, "crowdsec: %llu ban(s) applied or extended, %llu "
			   "lifted, %llu refused%s", (unsigned long long)(d->cs_applied - applied),
			   (unsigned long long)(d->cs_lifted - lifted),
			   (unsigned long long)(d->cs_refused - refused), full ? " (full list)" : "");
}

json_t *daemon_crowdsec_status(struct daemon *d, json_t *status)
{
	struct cs_stats st;

	if (!status || !d->cs)
		return status;
	cs_bouncer_stats(d->cs, &st);
	json_object_set_new(status, "crowdsec", json_pack(
		"{s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:s}",
		"url", st.url, "reachable", st.reachable, "synced", st.synced,
		"pulls", (json_int_t)st.pulls, "failures", (json_int_t)st.failures,
		"received_new", (json_int_t)st.received_new,
		"received_deleted", (json_int_t)st.received_deleted,
		"applied", (json_int_t)d->cs_applied, "lifted", (json_int_t)d->cs_lifted,
		"refused", (json_int_t)d->cs_refused,
		"skipped_type", (json_int_t)st.skipped.other_type,
		"skipped_scope", (json_int_t)st.skipped.other_scope,
		"malformed", (json_int_t)st.skipped.malformed,
		"last_ok_ms", (json_int_t)st.last_ok_ms, "pull_ms_last", (json_int_t)st.pull_ms_last,
		"pull_ms_max", (json_int_t)st.pull_ms_max, "last_error", st.last_error));
	/* what poll means now: pulls start period_ms apart so that answer time + period <= poll */
	json_object_set_new(json_object_get(status, "crowdsec"), "period_ms",
			    json_integer((json_int_t)st.period_ms));
	json_object_set_new(json_object_get(status, "crowdsec"), "answer_ms_estimate",
			    json_integer((json_int_t)st.answer_ms_estimate));
	/* the complete pulls that follow a failure, beside the deltas */
	json_object_set_new(json_object_get(status, "crowdsec"), "reconciling",
			    json_boolean(st.reconciling));
	json_object_set_new(json_object_get(status, "crowdsec"), "full_pulls",
			    json_integer((json_int_t)st.full_pulls));
	json_object_set_new(json_object_get(status, "crowdsec"), "full_ms_last",
			    json_integer((json_int_t)st.full_ms_last));
	if (st.watcher)
		json_object_set_new(json_object_get(status, "crowdsec"), "watcher", json_pack(
			"{s:I, s:I, s:I, s:I, s:s}", "pushed", (json_int_t)st.pushed,
			"failures", (json_int_t)st.push_failures, "dropped", (json_int_t)st.push_dropped,
			"waiting", (json_int_t)st.push_waiting, "last_error", st.push_error));
	return status;
}
