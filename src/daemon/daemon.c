// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's loop. Everything but the webhooks runs on this one thread,
 * so the engine needs no locks and a ban is: event parsed, engine says
 * ban, element queued, and at most [daemon] batch later (2 ms by default)
 * one netlink transaction with every ban queued meanwhile. Under load the
 * batches grow by themselves; when traffic is light each ban goes alone.
 */
#include "daemon/daemon_int.h"
#include "daemon/daemon_metrics.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "core/duration.h"
#include "core/clock.h"
#include "core/dynlib.h"
#include "core/paths.h"
#include "mesh/sync.h"

#define TICK_MS 250             /* expiry, missing-set retries */
/*
 * Events one source may hand over per loop turn: a burst of forged lines is
 * read a slice at a time, with the control socket, the other sources (the
 * NFLOG path of a real scanner) and the kernel batch in between.
 */
#define EVENTS_PER_READ 1024
/* A deleted element whose ban ends sooner than this is taken for the kernel's expiry. */
#define EXPIRY_SLACK_MS 2000
#define POLL_MAX (5 + DAEMON_MAX_SOURCES + 1 + CONTROL_MAX_CLIENTS)

uint64_t daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t daemon_mono_ms(void)
{
	return (uint64_t)clock_mono_ms();
}

void daemon_log(struct daemon *d, int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (prio <= DAEMON_LOG_WARNING)
		snprintf(d->last_error, sizeof(d->last_error), "%s", msg);
	if (d->o->log)
		d->o->log(d->o->log_ctx, prio, msg);
}

/* ---- systemd's service manager ---------------------------------------------------- */

/* libsystemd is loaded (dlopen) when first needed: most xnft processes never do. */
static struct {
	__typeof__(sd_notify) *notify;
} sd;

static const struct dynlib_sym sd_syms[] = {
	DYNLIB_SYM(sd, notify, "sd_notify"),
};

static struct dynlib sd_lib = DYNLIB_INIT("libsystemd.so.0", "libsystemd0", sd_syms, &sd);

/*
 * sd_notify(0, state). Without NOTIFY_SOCKET sd_notify does nothing, and so
 * does this, without loading libsystemd. With it, a libsystemd that cannot
 * be loaded is logged (once): systemd would otherwise wait for READY=1 and
 * give up on the service in silence.
 */
static void notify_manager(struct daemon *d, const char *state)
{
	static bool reported;
	struct xerr e;

	if (!getenv("NOTIFY_SOCKET"))
		return;
	if (dynlib_get(&sd_lib, &e) < 0) {
		if (!reported)
			daemon_log(d, DAEMON_LOG_ERR, "cannot notify systemd (NOTIFY_SOCKET is set): "
				   "%s; %s", e.msg, e.hint);
		reported = true;
		return;
	}
	sd.notify(0, state);
}

/* notifier_start's 1: running on without webhooks, which is worth an error in the log. */
static void webhooks_unavailable(struct daemon *d, const struct xerr *e)
{
	daemon_log(d, DAEMON_LOG_ERR, "%s%s%s", e->msg, e->hint[0] ? "; " : "", e->hint);
}

/* ---- bans to the kernel, the store and the notifier ------------------------------ */

static void remember(struct daemon *d, const struct ban_active *b)
{
	if (d->nrec >= DAEMON_HISTORY_QUEUE_MAX) {
		/* the store has failed for long: the older half goes (one move per half) */
		size_t drop = d->nrec / 2;

		memmove(d->rec, d->rec + drop, (d->nrec - drop) * sizeof(*d->rec));
		d->nrec -= drop;
		d->store_lost += drop;
		daemon_log(d, DAEMON_LOG_ERR, "history: %d rows waited for the store; the %zu "
			   "oldest are dropped (%llu lost so far)", DAEMON_HISTORY_QUEUE_MAX, drop,
			   (unsigned long long)d->store_lost);
	}
	if (d->nrec == d->caprec) {
		size_t cap = d->caprec ? d->caprec * 2 : 64;
		struct ban_active *r = realloc(d->rec, cap * sizeof(*r));

		if (!r)
			return;   /* history is best effort; the ban itself is not */
		d->rec = r;
		d->caprec = cap;
	}
	d->rec[d->nrec++] = *b;
}

struct count_ctx {
	const struct kwriter *kw;
	size_t *n;
};

static int count_set(void *ctx, const struct ban_active *b)
{
	struct count_ctx *cc = ctx;

	cc->n[kw_set_of(cc->kw, &b->key)]++;
	return 0;
}

/*
 * A new ban (already in the engine) would overfill its set: the kernel
 * would refuse the whole batch it is in. The engine's total is enough while
 * it is under the size; past it the bans of each set are counted, once
 * a tick, and each new ban is added to that count (expiry only lowers it).
 */
static bool set_full(struct daemon *d, const struct ban_key *key)
{
	enum kw_set fi = kw_set_of(d->kw, key);
	struct ban_stats st;

	if (!d->set_size[fi])
		return false;
	ban_engine_stats(d->eng, &st);
	if (!d->set_counted && st.active > d->set_size[fi]) {
		struct count_ctx cc = { .kw = d->kw, .n = d->set_bans };

		memset(d->set_bans, 0, sizeof(d->set_bans));
		ban_engine_foreach(d->eng, count_set, &cc);
		d->set_counted = true;
	} else if (d->set_counted) {
		d->set_bans[fi]++;
	}
	return st.active > d->set_size[fi] && d->set_bans[fi] > d->set_size[fi];
}

static void refuse_full(struct daemon *d, const struct ban_key *key)
{
	enum kw_set fi = kw_set_of(d->kw, key);
	const char *set = kw_set_name(d->kw, fi);
	char addr[PREFIX_STRLEN];

	ban_engine_unban(d->eng, key);
	if (d->set_counted && d->set_bans[fi])
		d->set_bans[fi]--;
	d->refused_full++;
	if (d->full_logged)
		return;
	d->full_logged = true;
	ban_key_format(key, addr, sizeof(addr));
	daemon_log(d, DAEMON_LOG_WARNING, "ban set %s is full (size %u): %s and further new bans "
		   "are refused (counted in status: kernel.refused_full) until bans expire; raise "
		   "the set's size in the policy", set, d->set_size[fi], addr);
}

int daemon_apply_decision(struct daemon *d, const struct ban_decision *dec, bool renew)
{
	const struct ban_active *b = &dec->ban;
	uint64_t now = daemon_now_ms();
	char addr[PREFIX_STRLEN], dur[32], text[256];

	if (b->until_ms <= now)
		return 0;
	if (!dec->extended && set_full(d, &b->key)) {
		refuse_full(d, &b->key);
		return -1;
	}
	if (!dec->extended)
		daemon_metrics_ban(d, b);
	/* a new ban's element carries its whole length, not the length less the ms it took here */
	if (kw_queue_add(d->kw, &b->key, renew || dec->extended ? b->until_ms - now : b->bantime_ms,
			 renew || dec->extended) < 0) {
		daemon_log(d, DAEMON_LOG_ERR, "out of memory queueing a ban");
		return 0;
	}
	if (!d->pending_since)
		d->pending_since = daemon_mono_ms();
	remember(d, b);
	if (d->cs_applying)
		return 0;   /* the LAPI's bans: one summary line per batch, no webhook, no push back */
	/*
	 * The watcher: an extension is another alert and decision in the LAPI,
	 * worth it only when the end moved by a good part of the ban (a scan's
	 * events still in flight when the ban went in extend it by seconds).
	 */
	if (!dec->extended || b->until_ms >= dec->prev_until_ms + b->bantime_ms / 4)
		cs_bouncer_push(d->cs, b);
	ban_key_format(&b->key, addr, sizeof(addr));
	duration_format(b->bantime_ms, dur, sizeof(dur));
	if (dec->extended)
		snprintf(text, sizeof(text), "ban of %s extended by %s (rule %s, offence %u)", addr,
			 dur, b->rule, b->offence);
	else
		snprintf(text, sizeof(text), "banned %s for %s (rule %s, offence %u)", addr, dur,
			 b->rule, b->offence);
	daemon_log(d, DAEMON_LOG_NOTICE, "%s", text);
	notifier_post(d->notif, "xnft: ban", text);
	return 0;
}

/* The store failed: keep the rows, say so, try again later. */
static void store_failed(struct daemon *d, const struct xerr *e)
{
	d->store_errors++;
	d->store_retry_at = daemon_mono_ms() + DAEMON_STORE_RETRY_MS;
	daemon_log(d, DAEMON_LOG_WARNING, "%s (%s); %zu history row(s) kept in memory, trying "
		   "again in %d s", e->msg, e->hint, d->nrec, DAEMON_STORE_RETRY_MS / 1000);
}

/* Write the waiting rows in one transaction; on failure they all stay queued. */
static void store_records(struct daemon *d)
{
	struct xerr e;
	size_t i;

	if (!d->nrec || !d->store || (d->store_retry_at && daemon_mono_ms() < d->store_retry_at))
		return;
	if (ban_store_begin(d->store, &e) < 0) {
		store_failed(d, &e);
		return;
	}
	for (i = 0; i < d->nrec; i++) {
		if (ban_store_record(d->store, &d->rec[i], &e) < 0)
			break;
	}
	if (i < d->nrec || ban_store_commit(d->store, &e) < 0) {
		ban_store_rollback(d->store);
		store_failed(d, &e);
		return;
	}
	if (d->store_retry_at)
		daemon_log(d, DAEMON_LOG_NOTICE, "history: the store works again; %zu row(s) "
			   "written", d->nrec);
	d->store_retry_at = 0;
	d->nrec = 0;
}

/* ban_history_fn: none without a store (escalation then counts from 1). */
static int history_of(void *ctx, const struct ban_key *key, struct ban_history *h)
{
	struct daemon *d = ctx;

	memset(h, 0, sizeof(*h));
	return d->store ? ban_store_history(d->store, key, h) : 0;
}

/* Open the store; without it the daemon bans from memory and tries again later. */
static void store_open(struct daemon *d, bool at_start)
{
	struct xerr e;

	if (ban_store_open(d->cfg->db_path, &d->store, &e) == 0) {
		if (!at_start)
			daemon_log(d, DAEMON_LOG_NOTICE, "history: %s opened", d->cfg->db_path);
		d->store_retry_at = 0;
		store_records(d);
		return;
	}
	d->store_errors++;
	d->store_retry_at = daemon_mono_ms() + DAEMON_STORE_RETRY_MS;
	if (at_start)
		daemon_log(d, DAEMON_LOG_ERR, "%s; %s. Banning from memory meanwhile: repeat "
			   "offenders' past bans are not seen (escalation starts over), bans still "
			   "active in the history are not put back unless the kernel set holds them, "
			   "and new bans are kept in memory until the store works; trying again "
			   "every %d s", e.msg, e.hint, DAEMON_STORE_RETRY_MS / 1000);
	else
		daemon_log(d, DAEMON_LOG_WARNING, "%s; %zu history row(s) kept in memory, trying "
			   "again in %d s", e.msg, d->nrec, DAEMON_STORE_RETRY_MS / 1000);
}

static int timed_flush(struct daemon *d, int *kerr, struct xerr *e)
{
	uint64_t t0 = (uint64_t)clock_mono_us();
	int rc = kw_flush(d->kw, kerr, e);

	d->flush_us += (uint64_t)clock_mono_us() - t0;
	return rc;
}

void daemon_flush(struct daemon *d)
{
	size_t n = kw_pending(d->kw);
	int kerr = 0;
	struct xerr e;

	d->pending_since = 0;
	if (n) {
		if (d->kernel_missing) {
			/* the whole active list goes in when the sets come back */
			kw_discard(d->kw);
		} else if (timed_flush(d, &kerr, &e) < 0) {
			if (kerr == ENFILE) {
				/* expired elements the kernel has not collected yet still count */
				d->full_retry = daemon_mono_ms() + TICK_MS;
				d->pending_since = daemon_mono_ms();
				if (!d->kernel_full_logged)
					daemon_log(d, DAEMON_LOG_WARNING, "%s; %s", e.msg, e.hint);
				d->kernel_full_logged = true;
				return;
			} else if (kerr == ENOENT) {
				d->kernel_missing = true;
				kw_discard(d->kw);
				daemon_log(d, DAEMON_LOG_WARNING, "%s; bans are kept and go in "
					   "when the sets are back", e.msg);
			} else {
				d->kernel_errors++;
				daemon_log(d, DAEMON_LOG_ERR, "%s", e.msg);
			}
		} else {
			d->kernel_full_logged = false;
			d->batches++;
			d->elements += n;
			if (n > d->largest_batch)
				d->largest_batch = n;
		}
	}
	store_records(d);
}

/* ---- reconciling with the kernel --------------------------------------------------- */

struct restore_ctx {
	struct daemon *d;
	uint64_t now;
	size_t queued;
};

static int restore_one(void *ctx, const struct ban_active *b)
{
	struct restore_ctx *rc = ctx;

	if (b->until_ms <= rc->now)
		return 0;
	/* whitelisted since it began (a whitelist read that failed keeps the last good one) */
	if (ban_engine_key_exempt(rc->d->eng, &b->key))
		return 0;
	/* a range, and the policy now has no set for ranges: the batch must not fail for it */
	if (rc->d->set_missing[kw_set_of(rc->d->kw, &b->key)])
		return 0;
	if (kw_queue_add(rc->d->kw, &b->key, b->until_ms - rc->now, false) == 0)
		rc->queued++;
	return 0;
}

/*
 * The sets' sizes, read when they (re)appear: the policy may have changed
 * them. A policy from before ranges has no interval sets: ranges are refused.
 */
static void read_set_sizes(struct daemon *d)
{
	struct xerr e;

	for (int s = 0; s < KW_NSETS; s++) {
		d->set_missing[s] = false;
		if (kw_set_size(d->kw, (enum kw_set)s, &d->set_size[s], &e) < 0) {
			d->set_missing[s] = e.code == XNFT_EXIT_FINDINGS;
			if (!d->set_missing[s])
				daemon_log(d, DAEMON_LOG_WARNING, "%s", e.msg);
		}
	}
	d->set_counted = false;
	d->full_logged = false;
}

/*
 * Put every active ban back in one batch: the sets were recreated, or
 * kernel events were lost. A plain add leaves an element that is still
 * there as it is (timeout included), so nothing is listed first: listing
 * a set of a million elements takes the kernel seconds.
 */
static void restore(struct daemon *d, const char *why)
{
	struct restore_ctx rc = { .d = d, .now = daemon_now_ms() };

	ban_engine_expire(d->eng, rc.now);
	d->kernel_missing = false;
	read_set_sizes(d);
	ban_engine_foreach(d->eng, restore_one, &rc);
	if (!rc.queued)
		return;
	if (!d->pending_since)
		d->pending_since = daemon_mono_ms();
	daemon_flush(d);
	if (!d->kernel_missing) {
		d->restores++;
		daemon_log(d, DAEMON_LOG_NOTICE, "%s: put %zu ban(s) back in the kernel in one batch",
			   why, rc.queued);
	}
}

/* Elements other programs deleted from the ban sets: put back what is still banned. */
static void put_back_deleted(struct daemon *d)
{
	const struct ban_key *keys;
	size_t n = kw_monitor_deleted(d->kw, &keys), queued = 0;
	uint64_t now = daemon_now_ms();

	for (size_t i = 0; i < n; i++) {
		const struct ban_active *b = ban_engine_find(d->eng, &keys[i]);

		/* gone from the engine: lifted by hand or over; about to end: expired */
		if (!b || b->until_ms <= now + EXPIRY_SLACK_MS)
			continue;
		if (kw_queue_add(d->kw, &b->key, b->until_ms - now, false) == 0)
			queued++;
	}
	if (!queued)
		return;
	d->put_back += queued;
	if (!d->pending_since)
		d->pending_since = daemon_mono_ms();
	daemon_log(d, DAEMON_LOG_NOTICE, "%zu banned element(s) deleted from the ban sets by "
		   "another program: put back", queued);
}

/* What the nf_tables events said about our table and sets. */
static void on_kernel_events(struct daemon *d)
{
	unsigned ev = kw_monitor_read(d->kw);
	const struct ban_key *ignored;

	if (ev & KW_EV_TABLE_GONE)
		d->kernel_missing = true;
	if (ev & KW_EV_SETS_NEW) {
		struct xerr e;

		/* a re-applied policy may bring new mesh or admin addresses */
		if (daemon_whitelist(d, &e) < 0)
			daemon_log(d, DAEMON_LOG_WARNING, "whitelist: %s", e.msg);
		restore(d, "ban sets recreated");
	} else if ((ev & KW_EV_RESYNC) && !d->kernel_missing) {
		restore(d, "kernel events lost");
	} else if ((ev & KW_EV_ELEMS_GONE) && !d->kernel_missing) {
		put_back_deleted(d);
	}
	kw_monitor_deleted(d->kw, &ignored);   /* what is left was covered above */
	d->monitor_more = (ev & KW_EV_MORE) != 0;
}

struct adopt_ctx {
	struct daemon *d;
	uint64_t now;
	size_t kernel, stored, exempt, skipped;
};

/*
 * A ban found in the kernel set at start. One the store holds is known
 * already; one the whitelist covers now is taken out; any other is kept,
 * under the rule the store last saw for it ("adopted" when it never saw it),
 * and recorded, so the next start knows it.
 */
static int adopt_kernel(void *ctx, const struct kw_elem *el)
{
	struct adopt_ctx *ac = ctx;
	struct daemon *d = ac->d;
	struct ban_active b = { .key = el->key, .since_ms = ac->now }, row;
	uint64_t left = el->expires_ms ? el->expires_ms : el->timeout_ms;

	if (!left) {
		ac->skipped++;   /* no timeout: put there by hand, not ours to manage */
		return 0;
	}
	if (ban_engine_find(d->eng, &el->key))
		return 0;   /* the history had it */
	if (ban_engine_key_exempt(d->eng, &el->key)) {
		if (kw_queue_del(d->kw, &el->key) == 0)
			ac->exempt++;
		return 0;
	}
	b.until_ms = ac->now + left;
	b.bantime_ms = el->timeout_ms ? el->timeout_ms : left;
	b.offence = 1;
	snprintf(b.rule, sizeof(b.rule), "adopted");
	if (d->store && ban_store_lookup(d->store, &el->key, &row) == 1 && row.offence) {
		b.offence = row.offence;
		b.since_ms = row.since_ms;
		b.bantime_ms = row.bantime_ms;
		if (row.rule[0])
			snprintf(b.rule, sizeof(b.rule), "%s", row.rule);
	}
	if (ban_engine_adopt(d->eng, &b) == 0) {
		ac->kernel++;
		remember(d, &b);
	}
	return 0;
}

/* A ban from the store that has not ended: keep it (and put it back below). */
static int adopt_stored(void *ctx, const struct ban_active *b)
{
	struct adopt_ctx *ac = ctx;

	if ((b->key.family != AF_INET && b->key.family != AF_INET6) ||
	    ban_engine_find(ac->d->eng, &b->key))
		return 0;
	if (ban_engine_key_exempt(ac->d->eng, &b->key))
		return 0;   /* whitelisted since: let it go (the kernel pass takes it out) */
	if (ban_engine_adopt(ac->d->eng, b) == 0) {
		ac->stored++;
		/* put it back: a plain add leaves an element still there as it is */
		if (b->until_ms > ac->now)
			kw_queue_add(ac->d->kw, &b->key, b->until_ms - ac->now, false);
	}
	return 0;
}

static void reconcile(struct daemon *d)
{
	struct adopt_ctx ac = { .d = d, .now = daemon_now_ms() };
	bool missing = false;
	struct xerr e;

	/* the store first: it knows each ban's rule and offence */
	if (d->store && ban_store_active(d->store, ac.now, adopt_stored, &ac, &e) < 0)
		daemon_log(d, DAEMON_LOG_WARNING, "%s", e.msg);
	/* the one listing of the sets, at start */
	if (kw_list(d->kw, adopt_kernel, &ac, d->cfg->ipv6_prefix, &missing, &e) < 0) {
		d->kernel_missing = missing;
		daemon_log(d, DAEMON_LOG_WARNING, "%s", e.msg);
	}
	daemon_log(d, DAEMON_LOG_INFO, "reconciled: %zu ban(s) kept from the history, %zu found "
		   "only in the kernel set, %zu whitelisted ban(s) taken out of it%s", ac.stored,
		   ac.kernel, ac.exempt,
		   ac.skipped ? " (elements without a timeout left alone)" : "");
	if (d->kernel_missing)
		return;
	read_set_sizes(d);
	if (kw_pending(d->kw)) {
		if (!d->pending_since)
			d->pending_since = daemon_mono_ms();
		daemon_flush(d);
	}
}

/* ---- sources ------------------------------------------------------------------------- */

static int on_event(const struct xevent *ev, void *arg)
{
	struct daemon *d = arg;
	struct ban_event be = {
		.t_ms = daemon_now_ms(),
		.category = ev->category,
		.family = ev->family,
		.proto = (ev->has & EVENT_HAS_PROTO) ? ev->proto : 0,
		.dport = (ev->has & EVENT_HAS_PORTS) ? ev->dport : 0,
	};
	struct ban_decision dec;

	memcpy(be.src, ev->src, sizeof(be.src));
	daemon_metrics_event(d, ev->category);
	if (ban_engine_event(d->eng, &be, &dec) == 1)
		(void)daemon_apply_decision(d, &dec, false);
	return ++d->read_events >= EVENTS_PER_READ;   /* non-zero: the rest waits for the next turn */
}

static void close_sources(struct daemon *d)
{
	for (size_t i = 0; i < d->nsrc; i++)
		evsource_close(d->src[i]);
	d->nsrc = 0;
}

static int open_sources(struct daemon *d, struct xerr *e)
{
	const char *const *specs = d->o->nsources ? d->o->sources :
				   (const char *const *)d->cfg->sources;
	size_t n = d->o->nsources ? d->o->nsources : d->cfg->nsources;
	const char *def = NULL;
	char state[CONFIG_PATH_MAX], *slash;

	/* file sources keep their read position beside the history */
	snprintf(state, sizeof(state), "%s", d->cfg->db_path);
	slash = strrchr(state, '/');
	if (slash && slash != state)
		*slash = '\0';
	else
		snprintf(state, sizeof(state), "%s", slash ? "/" : ".");
	if (!n) {
		def = evsource_default_spec();
		specs = &def;
		n = 1;
	}
	if (n > DAEMON_MAX_SOURCES)
		return xerr_set(e, XNFT_EXIT_USAGE, "at most %d event sources", DAEMON_MAX_SOURCES);
	for (size_t i = 0; i < n; i++) {
		const char *spec = !strcmp(specs[i], "journald") ? "journal" : specs[i];
		bool line_src = strcmp(spec, "stdin") && strcmp(spec, "-") &&
				strncmp(spec, "nflog", 5);
		struct evsource_opts so = { .follow = true, .from_end = line_src, .state_dir = state };

		if (evsource_open(&d->src[d->nsrc], spec, &so, e) < 0) {
			close_sources(d);
			return -1;
		}
		if (evsource_stats(d->src[d->nsrc])->resumed[0])
			daemon_log(d, DAEMON_LOG_NOTICE, "source %s: %s", spec,
				   evsource_stats(d->src[d->nsrc])->resumed);
		d->src_more[d->nsrc++] = false;
	}
	return 0;
}

static void read_source(struct daemon *d, size_t i)
{
	struct xerr e;
	int rc;

	d->read_events = 0;
	rc = evsource_read(d->src[i], on_event, d, &e);
	d->src_more[i] = rc == 2;

	if (rc == 1 || rc < 0) {
		if (rc < 0) {
			d->source_errors++;
			daemon_log(d, DAEMON_LOG_ERR, "source %s: %s", evsource_spec(d->src[i]), e.msg);
		} else {
			daemon_log(d, DAEMON_LOG_INFO, "source %s: end of input",
				   evsource_spec(d->src[i]));
		}
		evsource_close(d->src[i]);
		d->src[i] = d->src[--d->nsrc];
		d->src_more[i] = d->src_more[d->nsrc];
	}
}

/* ---- reload ---------------------------------------------------------------------------- */

static bool same_sources(const struct xnft_config *a, const struct xnft_config *b)
{
	if (a->nsources != b->nsources)
		return false;
	for (size_t i = 0; i < a->nsources; i++) {
		if (strcmp(a->sources[i], b->sources[i]))
			return false;
	}
	return true;
}

int daemon_reload(struct daemon *d, struct xerr *e)
{
	struct xnft_config *ncfg, *old = d->cfg;
	struct notifier *nn = NULL;
	int rc;

	notify_manager(d, "RELOADING=1");
	if (config_load(d->config_path, &ncfg, e) < 0) {
		d->reload_errors++;
		notify_manager(d, "READY=1\nSTATUS=reload failed; running with the previous config");
		return -1;
	}
	if (d->o->socket_path)
		snprintf(ncfg->socket_path, sizeof(ncfg->socket_path), "%s", d->o->socket_path);
	if (d->o->db_path)
		snprintf(ncfg->db_path, sizeof(ncfg->db_path), "%s", d->o->db_path);
	rc = notifier_start(ncfg, &nn, e);
	if (rc < 0) {
		config_free(ncfg);
		d->reload_errors++;
		notify_manager(d, "READY=1");
		return -1;
	}
	if (rc > 0)
		webhooks_unavailable(d, e);
	if (strcmp(ncfg->socket_path, old->socket_path) || strcmp(ncfg->db_path, old->db_path) ||
	    ncfg->ipv6_prefix != old->ipv6_prefix)
		daemon_log(d, DAEMON_LOG_WARNING, "reload: socket, database and ipv6_prefix "
			   "change only at restart; keeping the running ones");
	snprintf(ncfg->socket_path, sizeof(ncfg->socket_path), "%s", old->socket_path);
	snprintf(ncfg->db_path, sizeof(ncfg->db_path), "%s", old->db_path);
	ncfg->ipv6_prefix = old->ipv6_prefix;
	if (ban_engine_reconfigure(d->eng, ncfg, e) < 0) {
		notifier_stop(nn);
		config_free(ncfg);
		d->reload_errors++;
		notify_manager(d, "READY=1");
		return -1;
	}
	d->cfg = ncfg;
	daemon_crowdsec_reload(d);
	kw_set_target(d->kw, ncfg);
	wlwatch_set_target(d->wlw, ncfg);
	/* a webhook in flight must not hold up the reload (and the bans after it) */
	notifier_release(d->notif);
	d->notif = nn;
	if (!d->o->nsources && !same_sources(old, ncfg)) {
		struct xerr se;

		close_sources(d);
		if (open_sources(d, &se) < 0)
			daemon_log(d, DAEMON_LOG_ERR, "reload: %s", se.msg);
	}
	config_free(old);
	if (daemon_whitelist(d, e) < 0)
		daemon_log(d, DAEMON_LOG_WARNING, "reload: whitelist: %s", e->msg);
	d->reloads++;
	daemon_log(d, DAEMON_LOG_NOTICE, "reloaded %s: %zu rule(s), %zu whitelist entries",
		   d->config_path, ncfg->nrules, ban_engine_whitelist_size(d->eng));
	restore(d, "reload");
	notify_manager(d, "READY=1\nSTATUS=running");
	return 0;
}

/* ---- start and loop ------------------------------------------------------------------------ */

static int make_parent(const char *path, mode_t mode)
{
	char dir[CONFIG_PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int setup_signals(struct daemon *d, struct xerr *e)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* MESH_PEERS from WireGuard ([mesh] sync_interface): logged when something changed or failed. */
static void mesh_sync_now(struct daemon *d, const char *why)
{
	struct mesh_sync_opts o = { .iface = d->cfg->mesh_iface, .table = d->cfg->table };
	struct mesh_sync_result r;
	struct xerr e;

	if (!d->cfg->mesh_iface[0])
		return;
	d->next_mesh_sync = daemon_mono_ms() + d->cfg->mesh_sync_ms;
	if (mesh_sync(&o, &r, &e) < 0) {
		d->mesh_sync_errors++;
		daemon_log(d, DAEMON_LOG_ERR, "peer sync (%s): %s; MESH_PEERS left as it was", why,
			   e.msg);
		return;
	}
	d->mesh_syncs++;
	d->mesh_added += r.added;
	d->mesh_removed += r.removed;
	d->mesh_ct_deleted += r.ct_deleted;
	if (r.added || r.removed)
		daemon_log(d, DAEMON_LOG_NOTICE, "peer sync (%s): %s: %zu peers; +%zu -%zu elements in "
			   "one transaction; %zu conntrack entries of removed peers deleted "
			   "(totals: %llu syncs, +%llu -%llu, %llu entries)", why, o.iface, r.npeers,
			   r.added, r.removed, r.ct_deleted, (unsigned long long)d->mesh_syncs,
			   (unsigned long long)d->mesh_added, (unsigned long long)d->mesh_removed,
			   (unsigned long long)d->mesh_ct_deleted);
}

static void on_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct xerr e;

			if (daemon_reload(d, &e) < 0)
				daemon_log(d, DAEMON_LOG_ERR, "reload refused, previous config kept: "
					   "%s:%d: %s", e.file[0] ? e.file : d->config_path, e.line,
					   e.msg);
			mesh_sync_now(d, "SIGHUP");
		} else {
			d->stop = true;
		}
	}
}

static int start(struct daemon *d, struct xerr *e)
{
	const struct daemon_opts *o = d->o;
	struct stat st;
	int rc;

	snprintf(d->config_path, sizeof(d->config_path), "%s",
		 o->config_path ? o->config_path : XNFT_DEFAULT_CONFIG);
	if (o->config_optional && stat(d->config_path, &st) < 0 && errno == ENOENT) {
		if (!(d->cfg = config_defaults(e)))
			return -1;
	} else if (config_load(d->config_path, &d->cfg, e) < 0) {
		return -1;
	}
	if (o->socket_path)
		snprintf(d->cfg->socket_path, sizeof(d->cfg->socket_path), "%s", o->socket_path);
	if (o->db_path)
		snprintf(d->cfg->db_path, sizeof(d->cfg->db_path), "%s", o->db_path);
	if (setup_signals(d, e) < 0)
		return -1;
	if (make_parent(d->cfg->db_path, 0700) < 0 || make_parent(d->cfg->socket_path, 0755) < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot create the directory of %s or %s: %s",
				d->cfg->db_path, d->cfg->socket_path, strerror(errno));
	/* a second daemon stops here, before it touches the store or the kernel set */
	if (control_listen(d->cfg->socket_path, &d->ctl, e) < 0)
		return -1;
	store_open(d, true);
	if (!(d->eng = ban_engine_new(d->cfg, e)))
		return -1;
	ban_engine_set_history(d->eng, history_of, d);
	if (kw_open(d->cfg, &d->kw, e) < 0)
		return -1;
	if ((d->monfd = kw_monitor_fd(d->kw, e)) < 0)
		return -1;
	/* watched before the first read: a change in between is not missed */
	if (wlwatch_open(d->cfg, &d->wlw, e) < 0)
		return -1;
	if (daemon_whitelist(d, e) < 0)
		return -1;
	reconcile(d);
	if (open_sources(d, e) < 0)
		return -1;
	rc = notifier_start(d->cfg, &d->notif, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		webhooks_unavailable(d, e);
	if (daemon_metrics_start(d, e) < 0)
		return -1;
	return daemon_crowdsec_start(d, e);
}

static void teardown(struct daemon *d)
{
	if (d->kw && kw_pending(d->kw))
		daemon_flush(d);
	d->store_retry_at = 0;   /* a last try */
	store_records(d);
	if (d->nrec && d->eng)
		daemon_log(d, DAEMON_LOG_ERR, "history: %zu row(s) could not be written and are "
			   "lost", d->nrec);
	daemon_metrics_stop(d);
	close_sources(d);
	control_close(d->ctl);
	cs_bouncer_stop(d->cs);
	notifier_stop(d->notif);
	kw_close(d->kw);
	wlwatch_close(d->wlw);
	free(d->wl_pol);
	free(d->wl_host);
	ban_engine_free(d->eng);
	ban_store_close(d->store);
	config_free(d->cfg);
	free(d->rec);
	if (d->sigfd > 0)
		close(d->sigfd);
}

static int poll_timeout(struct daemon *d, uint64_t now)
{
	uint64_t t = d->next_tick > now ? d->next_tick - now : 0;

	if (d->monitor_more || kw_monitor_pending(d->kw))
		return 0;
	for (size_t i = 0; i < d->nsrc; i++) {
		if (d->src_more[i])
			return 0;
	}
	if (d->pending_since) {
		uint64_t due = d->pending_since + d->cfg->batch_ms;

		if (due < d->full_retry)
			due = d->full_retry;

		t = due > now ? (due - now < t ? due - now : t) : 0;
	}
	for (size_t i = 0; i < d->nsrc; i++) {
		int st = evsource_timeout_ms(d->src[i]);

		if (st >= 0 && (uint64_t)st < t)
			t = (uint64_t)st;
	}
	return t > INT_MAX ? INT_MAX : (int)t;
}

/* Are the ban sets there again? One targeted request, not a listing. */
static bool sets_loaded(struct daemon *d)
{
	uint32_t size;
	struct xerr e;

	return kw_set_size(d->kw, KW_SET4, &size, &e) == 0 &&
	       kw_set_size(d->kw, KW_SET6, &size, &e) == 0;
}

static void housekeeping(struct daemon *d, uint64_t mono)
{
	if (mono < d->next_tick)
		return;
	d->next_tick = mono + TICK_MS;
	ban_engine_expire(d->eng, daemon_now_ms());
	/* a confirm guard killed outright: its window is reverted here, not at the next command */
	if (apply_reap_dead_guard("xnft daemon") == 1)
		daemon_log(d, DAEMON_LOG_WARNING, "reverted a confirm window whose guard had died (see "
			   "'xnft status')");
	if (d->wl_retry_at && mono >= d->wl_retry_at)
		daemon_whitelist_refresh(d);
	if (d->store_retry_at && mono >= d->store_retry_at) {
		if (!d->store)
			store_open(d, false);
		else
			store_records(d);
	}
	d->set_counted = false;
	if (d->kernel_missing && sets_loaded(d))
		restore(d, "ban sets loaded");
	if (mono >= d->next_mesh_sync)
		mesh_sync_now(d, "interval");
	daemon_metrics_tick(d, mono);
}

static void loop_once(struct daemon *d)
{
	struct pollfd fds[POLL_MAX];
	size_t n = 0, src0, ctl0;
	uint64_t mono = daemon_mono_ms();
	int rc;

	fds[n++] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = d->monfd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = wlwatch_fd(d->wlw), .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = cs_bouncer_fd(d->cs), .events = POLLIN };
	src0 = n;
	for (size_t i = 0; i < d->nsrc; i++)
		fds[n++] = (struct pollfd){ .fd = evsource_fd(d->src[i]), .events = POLLIN };
	ctl0 = n;
	n += control_pollfds(d->ctl, fds + n, POLL_MAX - n);
	rc = poll(fds, (nfds_t)n, poll_timeout(d, mono));
	if (rc < 0 && errno != EINTR) {
		daemon_log(d, DAEMON_LOG_ERR, "poll: %s", strerror(errno));
		d->stop = true;
		return;
	}
	if (fds[0].revents)
		on_signals(d);
	if (fds[1].revents || d->monitor_more || kw_monitor_pending(d->kw))
		on_kernel_events(d);
	/* before the sources: a line naming a newly whitelisted address must not ban it */
	if (fds[2].revents && wlwatch_read(d->wlw))
		daemon_whitelist_refresh(d);
	if (fds[3].revents)
		daemon_crowdsec_apply(d);
	/* Sources without an fd, or with a timeout, are read every round. */
	for (size_t i = d->nsrc; i-- > 0;) {
		if (i + src0 >= ctl0 || fds[src0 + i].fd < 0 || fds[src0 + i].revents || rc == 0 ||
		    d->src_more[i])
			read_source(d, i);
	}
	control_service(d->ctl, fds + ctl0, n - ctl0, daemon_control, d);
	mono = daemon_mono_ms();
	if (d->pending_since && mono >= d->full_retry &&
	    (mono >= d->pending_since + d->cfg->batch_ms || kw_pending(d->kw) >= DAEMON_FLUSH_MAX))
		daemon_flush(d);
	housekeeping(d, mono);
}

int daemon_run(const struct daemon_opts *o, struct xerr *e)
{
	struct daemon d = { .o = o, .sigfd = -1, .monfd = -1 };
	char status[256];

	d.started_ms = daemon_now_ms();
	if (start(&d, e) < 0) {
		teardown(&d);
		return -1;
	}
	{
		struct ban_stats st;

		ban_engine_stats(d.eng, &st);
		snprintf(status, sizeof(status), "READY=1\nSTATUS=%zu source(s), %zu rule(s), %zu "
			 "active ban(s)", d.nsrc, d.cfg->nrules, st.active);
		daemon_log(&d, DAEMON_LOG_NOTICE, "started: %zu source(s), %zu rule(s), %zu active "
			   "ban(s), %zu whitelist entries, control socket %s", d.nsrc, d.cfg->nrules,
			   st.active, ban_engine_whitelist_size(d.eng), d.cfg->socket_path);
	}
	notify_manager(&d, status);
	while (!d.stop)
		loop_once(&d);
	notify_manager(&d, "STOPPING=1");
	daemon_log(&d, DAEMON_LOG_NOTICE, "stopping; bans stay in the kernel until they expire");
	teardown(&d);
	return 0;
}
