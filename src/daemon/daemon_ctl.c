// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's answers on the control socket (JSON, one document per
 * request) and its whitelist, which always holds the policy's mesh and
 * admin sets: a firewall that bans the admin's own break-glass address, or
 * a mesh peer, because someone forged log lines naming it, has lost.
 */
#include "daemon/daemon_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/duration.h"
#include "core/grow.h"
#include "core/policy_load.h"
#include "core/setelems.h"
#include "daemon/daemon_metrics.h"

/* ---- whitelist ------------------------------------------------------------------- */

#define WL_BACKOFF_FIRST_MS 250
#define WL_BACKOFF_MAX_MS 30000

struct wl_list {
	struct wl_entry *v;
	size_t n, cap;
};

static int wl_push(struct wl_list *l, int family, const uint8_t *lo, const uint8_t *hi)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (grow_for_one(&l->v, &l->cap, l->n, sizeof(l->v[0]), 32))
		return -1;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n].family = family;
	memcpy(l->v[l->n].lo, lo, len);
	memcpy(l->v[l->n].hi, hi, len);
	l->n++;
	return 0;
}

static int add_term(struct wl_list *l, const struct rs_term *t)
{
	uint8_t lo[16] = { 0 }, hi[16] = { 0 };
	unsigned bits = t->v.bits;
	int family = bits == 32 ? AF_INET : bits == 128 ? AF_INET6 : 0;
	size_t len = family == AF_INET ? 4 : 16;

	if (!family)
		return 0;
	memcpy(lo, t->v.b, len);
	memcpy(hi, t->v.b, len);
	if (t->kind == RS_TERM_PREFIX) {
		for (size_t i = 0; i < len; i++) {
			unsigned keep = t->plen > i * 8 ? t->plen - (unsigned)i * 8 : 0;

			if (keep < 8) {
				lo[i] &= (uint8_t)(0xff << (8 - keep));
				hi[i] |= (uint8_t)(0xff >> keep);
			}
		}
	} else if (t->kind == RS_TERM_RANGE) {
		memcpy(hi, t->hi.b, len);
	} else if (t->kind != RS_TERM_VALUE) {
		return 0;
	}
	return wl_push(l, family, lo, hi);
}

static int whitelist_from_ruleset(const struct rs_table *t, struct wl_list *l)
{
	for (size_t s = 0; t && s < wl_policy_nsets; s++) {
		const struct rs_set *set = rs_table_set(t, wl_policy_sets[s]);

		for (size_t i = 0; set && i < set->nelems; i++) {
			if (add_term(l, &set->elems[i].key) < 0)
				return -1;
		}
	}
	return 0;
}

/* The live sets, straight from the kernel: a few small dumps, not the whole ruleset. */
static int whitelist_from_kernel(struct daemon *d, struct wl_list *l, bool *found,
				 struct xerr *e)
{
	struct setelem_dump dump;
	int rc = setelem_read_named(d->cfg->table_family, d->cfg->table, wl_policy_sets,
				    wl_policy_nsets, &dump, e);

	if (rc == 1)
		return xerr_set(e, XNFT_EXIT_USAGE, "the ruleset changed under every read of the "
				"whitelist sets");
	if (rc < 0)
		return -1;
	*found = dump.n > 0;
	for (size_t i = 0; i < dump.n && rc == 0; i++) {
		const struct setelem_set *set = &dump.v[i];
		int family = set->key_len == 4 ? AF_INET : set->key_len == 16 ? AF_INET6 : 0;

		for (size_t k = 0; family && k < set->n && rc == 0; k++)
			rc = wl_push(l, family, set->v[k].lo, set->v[k].hi);
	}
	setelem_dump_free(&dump);
	if (rc < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading the whitelist sets");
	return 0;
}

/* The prefix the policy matches set6 with: the mask of `ip6 saddr & MASK @set6`. */
static int set6_prefix(const struct rs_table *t, const char *set6)
{
	for (size_t c = 0; c < t->nchains; c++) {
		const struct rs_chain *ch = t->chains[c];

		for (size_t r = 0; r < ch->nrules; r++) {
			for (size_t i = 0; i < ch->rules[r].nitems; i++) {
				const struct rs_stmt *st = &ch->rules[r].items[i];
				const struct rs_expr *l = st->u.match.left;
				unsigned ones = 0;

				if (st->kind != RS_ST_MATCH || st->u.match.right.kind != RS_TERM_SETREF ||
				    !st->u.match.right.set_name ||
				    strcmp(st->u.match.right.set_name, set6) || !l)
					continue;
				if (l->kind != RS_EX_BINOP || l->key != RS_BINOP_AND || !l->arg)
					return 128;
				for (size_t b = 0; b < 16 && l->arg->v.b[b] == 0xff; b++)
					ones += 8;
				if (ones < 128)
					for (uint8_t m = l->arg->v.b[ones / 8]; m & 0x80; m <<= 1)
						ones++;
				return (int)ones;
			}
		}
	}
	return -1;
}

/* The wait before the next read after a failed one: doubling, capped. */
static uint64_t next_backoff(const struct daemon *d)
{
	if (!d->wl_backoff_ms)
		return WL_BACKOFF_FIRST_MS;
	return d->wl_backoff_ms * 2 > WL_BACKOFF_MAX_MS ? WL_BACKOFF_MAX_MS : d->wl_backoff_ms * 2;
}

static void check_set6(struct daemon *d, const struct rs_table *t)
{
	int plen = t ? set6_prefix(t, d->cfg->set6) : -1;

	if (plen >= 0 && (unsigned)plen != d->cfg->ipv6_prefix)
		daemon_log(d, DAEMON_LOG_WARNING, "the policy matches @%s per /%d but "
			   "ipv6_prefix = %u: IPv6 bans would never match; set ipv6_prefix = %d "
			   "in [daemon]", d->cfg->set6, plen, d->cfg->ipv6_prefix, plen);
}

/*
 * Read the policy's whitelist sets into l; *table: the policy has our table.
 * The live policy's sets are dumped alone; with check, the whole ruleset is
 * listed too, for the IPv6 prefix check (best effort: it only warns). A
 * policy file is loaded (in a private namespace) and its sets taken from
 * the model.
 */
static int read_policy_sets(struct daemon *d, bool check, struct wl_list *l, bool *table,
			    struct xerr *e)
{
	bool live = !strcmp(d->cfg->policy, "live");
	const struct rs_table *t;
	struct ruleset *rs = NULL;
	int rc = 0;

	*table = false;
	if (live) {
		if (whitelist_from_kernel(d, l, table, e) < 0)
			return -1;
		if (!check || policy_load_live(&rs, e) < 0)
			return 0;
	} else if (policy_load(d->cfg->policy, &rs, NULL, e) < 0) {
		return -1;
	}
	t = ruleset_table(rs, rs_family_lookup(d->cfg->table_family), d->cfg->table);
	if (!live) {
		rc = whitelist_from_ruleset(t, l);
		*table = t != NULL;
	}
	if (check)
		check_set6(d, t);
	ruleset_free(rs);
	if (rc < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading the whitelist sets");
	return 0;
}

/* The policy part: replaced only by a read that worked. */
static bool refresh_policy_part(struct daemon *d, bool check)
{
	struct wl_list l = { 0 };
	bool table;
	struct xerr pe;

	if (read_policy_sets(d, check, &l, &table, &pe) < 0) {
		free(l.v);
		d->wl_read_errors++;
		snprintf(d->policy_note, sizeof(d->policy_note), "policy not read (%s); keeping "
			 "the %zu entries read before", pe.msg, d->nwl_pol);
		daemon_log(d, DAEMON_LOG_WARNING, "whitelist: %s; the %zu entries last read from "
			   "MESH_PEERS*, ADMIN_ALLOWLIST* stay on it, reading again in %llu ms",
			   pe.msg, d->nwl_pol, (unsigned long long)next_backoff(d));
		return false;
	}
	free(d->wl_pol);
	d->wl_pol = l.v;
	d->nwl_pol = l.n;
	if (!table)
		snprintf(d->policy_note, sizeof(d->policy_note), "table %s %s (or its MESH_PEERS*, "
			 "ADMIN_ALLOWLIST* sets) not loaded yet", d->cfg->table_family,
			 d->cfg->table);
	else
		snprintf(d->policy_note, sizeof(d->policy_note), "%zu entr%s from MESH_PEERS*, "
			 "ADMIN_ALLOWLIST* (%s)", l.n, l.n == 1 ? "y" : "ies", d->cfg->policy);
	return true;
}

static bool refresh_host_part(struct daemon *d)
{
	struct hostaddr *v;
	size_t n;
	struct xerr he;

	if (hostaddr_read(&v, &n, &he) < 0) {
		d->wl_read_errors++;
		daemon_log(d, DAEMON_LOG_WARNING, "whitelist: %s; keeping the %zu host address(es) "
			   "read before", he.msg, d->nwl_host);
		return false;
	}
	free(d->wl_host);
	d->wl_host = v;
	d->nwl_host = n;
	return true;
}

static int build_whitelist(struct daemon *d, struct xerr *e)
{
	if (ban_engine_set_whitelist(d->eng, d->cfg->whitelist, d->cfg->nwhitelist, e) < 0)
		return -1;
	for (size_t i = 0; i < d->nwl_pol; i++) {
		const struct wl_entry *w = &d->wl_pol[i];

		if (ban_engine_whitelist_add_range(d->eng, w->family, w->lo, w->hi, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < d->nwl_host; i++) {
		const struct hostaddr *h = &d->wl_host[i];

		if (ban_engine_whitelist_add_range(d->eng, h->family, h->addr, h->addr, e) < 0)
			return -1;
	}
	d->wl_config = d->cfg->nwhitelist;
	d->wl_policy = d->nwl_pol;
	return 0;
}

static void lift_one(void *ctx, const struct ban_active *b)
{
	struct daemon *d = ctx;
	char shown[PREFIX_STRLEN];
	struct xerr e;

	ban_key_format(&b->key, shown, sizeof(shown));
	if (kw_queue_del(d->kw, &b->key) < 0)
		daemon_log(d, DAEMON_LOG_ERR, "out of memory lifting the ban of %s", shown);
	if (d->store && ban_store_lift(d->store, &b->key, daemon_now_ms(), &e) < 0)
		daemon_log(d, DAEMON_LOG_WARNING, "%s", e.msg);
	d->wl_lifted++;
	daemon_log(d, DAEMON_LOG_NOTICE, "ban of %s lifted: it is on the whitelist now", shown);
}

static int whitelist_update(struct daemon *d, bool check, struct xerr *e)
{
	bool pol = refresh_policy_part(d, check), host = refresh_host_part(d);

	if (pol && host) {
		d->wl_retry_at = 0;
		d->wl_backoff_ms = 0;
	} else {
		d->wl_backoff_ms = next_backoff(d);
		d->wl_retry_at = daemon_mono_ms() + d->wl_backoff_ms;
	}
	if (build_whitelist(d, e) < 0)
		return -1;
	if (d->kw && ban_engine_lift_exempt(d->eng, lift_one, d)) {
		if (!d->pending_since)
			d->pending_since = daemon_mono_ms();
		daemon_flush(d);
	}
	return 0;
}

int daemon_whitelist(struct daemon *d, struct xerr *e)
{
	return whitelist_update(d, true, e);
}

void daemon_whitelist_refresh(struct daemon *d)
{
	struct xerr e;

	if (whitelist_update(d, false, &e) < 0)
		daemon_log(d, DAEMON_LOG_ERR, "whitelist: %s", e.msg);
}

/* ---- replies --------------------------------------------------------------------- */

static char *reply(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	char *out = NULL;

	json_decref(o);
	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	free(s);
	return out;
}

static char *reply_error(const char *msg, const char *hint)
{
	return reply(json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg, "hint", hint ? hint : ""));
}

static json_t *ban_json(const struct ban_active *b, uint64_t now)
{
	char addr[PREFIX_STRLEN], origin[DAEMON_ORIGIN_MAX];

	ban_key_format(&b->key, addr, sizeof(addr));
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
			 "addr", addr, "family", b->key.family == AF_INET ? "ipv4" : "ipv6",
			 "rule", b->rule, "origin", daemon_ban_origin(b->rule, origin, sizeof(origin)),
			 "offence", (json_int_t)b->offence,
			 "since", (json_int_t)(b->since_ms / 1000),
			 "until", (json_int_t)(b->until_ms / 1000),
			 "bantime_s", (json_int_t)(b->bantime_ms / 1000),
			 "remaining_s", (json_int_t)(b->until_ms > now ?
						     (b->until_ms - now + 999) / 1000 : 0));
}

/*
 * `list` is streamed: the keys of the active bans are taken when the
 * request comes (18 bytes a ban), and each piece of the reply is made from
 * the engine as the client reads, a ban that ended meanwhile left out. The
 * reply of 100k bans is 14 MB; built whole it left the daemon 126 MB
 * larger for good.
 */
struct list_stream {
	struct daemon *d;
	struct ban_key *keys;
	size_t n, next;
	uint64_t now;
	int part;        /* 0: the head, 1: the bans, 2: the tail, 3: done */
	bool first;      /* no ban written yet (no comma before it) */
};

static int take_key(void *ctx, const struct ban_active *b)
{
	struct list_stream *ls = ctx;

	if (b->until_ms > ls->now)
		ls->keys[ls->n++] = b->key;
	return 0;
}

/* Append the next bans that fit in cap; false when one does not fit. */
static bool list_fill_bans(struct list_stream *ls, char *buf, size_t cap, size_t *len)
{
	for (; ls->next < ls->n; ls->next++) {
		const struct ban_active *b = ban_engine_find(ls->d->eng, &ls->keys[ls->next]);
		json_t *o;
		char *one;
		size_t l;

		if (!b || b->until_ms <= ls->now)
			continue;
		o = ban_json(b, ls->now);
		one = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!one)
			continue;
		l = strlen(one);
		if (*len + l + 1 > cap) {
			free(one);
			return false;
		}
		if (!ls->first)
			buf[(*len)++] = ',';
		memcpy(buf + *len, one, l);
		*len += l;
		ls->first = false;
		free(one);
	}
	return true;
}

static size_t list_fill(void *ctx, char *buf, size_t cap)
{
	static const char head[] = "{\"ok\":true,\"bans\":[", tail[] = "]}\n";
	struct list_stream *ls = ctx;
	size_t len = 0;

	if (ls->part == 0) {
		memcpy(buf, head, sizeof(head) - 1);
		len = sizeof(head) - 1;
		ls->part = 1;
	}
	if (ls->part == 1 && list_fill_bans(ls, buf, cap, &len))
		ls->part = 2;
	if (ls->part == 2 && len + sizeof(tail) - 1 <= cap) {
		memcpy(buf + len, tail, sizeof(tail) - 1);
		len += sizeof(tail) - 1;
		ls->part = 3;
	}
	return len;
}

static void list_end(void *ctx)
{
	struct list_stream *ls = ctx;

	free(ls->keys);
	free(ls);
}

static char *do_list(struct daemon *d, struct control_stream *st)
{
	struct list_stream *ls = calloc(1, sizeof(*ls));
	struct ban_stats bs;

	if (!ls)
		return NULL;
	ls->d = d;
	ls->now = daemon_now_ms();
	ls->first = true;
	ban_engine_expire(d->eng, ls->now);
	ban_engine_stats(d->eng, &bs);
	ls->keys = malloc((bs.active ? bs.active : 1) * sizeof(*ls->keys));
	if (!ls->keys) {
		free(ls);
		return NULL;
	}
	ban_engine_foreach(d->eng, take_key, ls);
	*st = (struct control_stream){ .fill = list_fill, .end = list_end, .ctx = ls };
	return NULL;
}

static char *do_status(struct daemon *d)
{
	struct ban_stats st;
	struct notify_stats ns;
	json_t *srcs = json_array();
	char table[96];

	ban_engine_stats(d->eng, &st);
	notifier_stats(d->notif, &ns);
	for (size_t i = 0; i < d->nsrc; i++) {
		const struct evsource_stats *s = evsource_stats(d->src[i]);

		json_array_append_new(srcs, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
			"spec", evsource_spec(d->src[i]), "records", (json_int_t)s->records,
			"events", (json_int_t)s->events, "unparsed", (json_int_t)s->unparsed,
			"not_kernel", (json_int_t)s->not_kernel, "lost", (json_int_t)s->lost));
	}
	snprintf(table, sizeof(table), "%s %s", d->cfg->table_family, d->cfg->table);
	return reply(daemon_crowdsec_status(d, json_pack(
		"{s:b, s:i, s:I, s:s, s:i, s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:s},"
		" s:{s:I, s:I, s:I, s:I}, s:{s:b, s:I, s:I, s:I}, s:I, s:I, s:s}",
		"ok", 1, "pid", (int)getpid(),
		"uptime_s", (json_int_t)((daemon_now_ms() - d->started_ms) / 1000),
		"config", d->config_path, "rules", (int)d->cfg->nrules, "sources", srcs,
		"engine",
		"events", (json_int_t)st.events, "matched", (json_int_t)st.matched,
		"whitelisted", (json_int_t)st.whitelisted,
		"whitelist_overlap", (json_int_t)st.whitelist_overlap,
		"bans", (json_int_t)st.bans, "extensions", (json_int_t)st.extensions,
		"evictions", (json_int_t)st.evictions, "offenders", (json_int_t)st.offenders,
		"max_offenders", (json_int_t)d->cfg->max_offenders,
		"active", (json_int_t)st.active, "memory_bytes", (json_int_t)st.memory,
		"kernel",
		"table", table, "set4", d->cfg->set4, "set6", d->cfg->set6,
		"nets4", d->cfg->nets4, "nets6", d->cfg->nets6,
		"loaded", !d->kernel_missing, "batches", (json_int_t)d->batches,
		"elements", (json_int_t)d->elements, "restores", (json_int_t)d->restores,
		"errors", (json_int_t)d->kernel_errors,
		"flush_us", (json_int_t)d->flush_us, "largest_batch", (json_int_t)d->largest_batch,
		"size4", (json_int_t)d->set_size[KW_SET4], "size6", (json_int_t)d->set_size[KW_SET6],
		/* 0: the policy has no set for ranges, which are then refused */
		"size_nets4", (json_int_t)d->set_size[KW_NETS4],
		"size_nets6", (json_int_t)d->set_size[KW_NETS6],
		"refused_full", (json_int_t)d->refused_full, "put_back", (json_int_t)d->put_back,
		"whitelist",
		"entries", (json_int_t)ban_engine_whitelist_size(d->eng),
		"config", (json_int_t)d->wl_config, "policy", (json_int_t)d->wl_policy,
		"host", (json_int_t)d->nwl_host, "read_errors", (json_int_t)d->wl_read_errors,
		"lifted", (json_int_t)d->wl_lifted, "note", d->policy_note,
		"notify",
		"queued", (json_int_t)ns.queued, "sent", (json_int_t)ns.sent,
		"failed", (json_int_t)ns.failed, "dropped", (json_int_t)ns.dropped,
		"history",
		"writable", d->store && !d->store_retry_at, "queued", (json_int_t)d->nrec,
		"errors", (json_int_t)d->store_errors, "lost", (json_int_t)d->store_lost,
		"reloads", (json_int_t)d->reloads, "reload_errors", (json_int_t)d->reload_errors,
		"last_error", d->last_error)));
}

static char *do_add(struct daemon *d, const char *addr, const char *dur)
{
	struct ban_decision dec;
	struct ban_key key;
	uint64_t ms = 0, now = daemon_now_ms();
	struct xerr e;

	if (ban_key_parse(addr, d->cfg->ipv6_prefix, &key, &e) < 0)
		return reply_error(e.msg, e.hint);
	if (dur && *dur && duration_parse(dur, &ms, &e) < 0)
		return reply_error(e.msg, e.hint);
	if (dur && *dur && (ms < 1000 || ms > CONFIG_BANTIME_MAX_MS))
		return reply_error("a ban lasts from 1s to 3650d", "give a duration like 1h or 7d");
	if (ban_engine_ban(d->eng, &key, ms, now, &dec, &e) < 0)
		return reply_error(e.msg, e.hint);
	if (daemon_apply_decision(d, &dec, true) < 0)
		return reply_error("the ban set is full: new bans are refused until bans expire",
				   "raise the size of the ban sets in the policy");
	daemon_flush(d);
	if (d->kernel_missing)
		return reply(json_pack("{s:b, s:o, s:s}", "ok", 1, "ban", ban_json(&dec.ban, now),
				       "warning", "the ban sets are not loaded: the ban goes in "
				       "when the policy is"));
	return reply(json_pack("{s:b, s:o}", "ok", 1, "ban", ban_json(&dec.ban, now)));
}

static char *do_del(struct daemon *d, const char *addr)
{
	struct ban_key key;
	struct xerr e;
	int had;
	char shown[PREFIX_STRLEN];

	/* a range too: a LAPI's Range ban can be lifted by hand (the next complete pull brings it back) */
	if (ban_key_parse_range(addr, d->cfg->ipv6_prefix, &key, &e) < 0)
		return reply_error(e.msg, e.hint);
	had = ban_engine_unban(d->eng, &key);
	d->set_counted = false;   /* the bans against the set size are counted again */
	if (kw_queue_del(d->kw, &key) < 0)
		return reply_error("out of memory", NULL);
	d->pending_since = daemon_mono_ms();
	daemon_flush(d);
	if (d->store && ban_store_lift(d->store, &key, daemon_now_ms(), &e) < 0)
		daemon_log(d, DAEMON_LOG_WARNING, "%s", e.msg);
	ban_key_format(&key, shown, sizeof(shown));
	daemon_log(d, DAEMON_LOG_NOTICE, "ban of %s lifted by hand", shown);
	return reply(json_pack("{s:b, s:s, s:b}", "ok", 1, "addr", shown, "removed", had));
}

static char *do_reload(struct daemon *d)
{
	struct xerr e;
	char where[700];

	if (daemon_reload(d, &e) < 0) {
		snprintf(where, sizeof(where), "%s:%d: %s", e.file[0] ? e.file : d->config_path,
			 e.line, e.msg);
		daemon_log(d, DAEMON_LOG_ERR, "reload refused, previous config kept: %s", where);
		return reply_error(where, e.hint[0] ? e.hint : "fix the file; the daemon keeps "
				   "running with its previous config");
	}
	return reply(json_pack("{s:b, s:i}", "ok", 1, "rules", (int)d->cfg->nrules));
}

char *daemon_control(void *ctx, const char *request, struct control_stream *stream)
{
	struct daemon *d = ctx;
	char buf[CONTROL_REQUEST_MAX + 1], *argv[4] = { 0 }, *save = NULL, *tok;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", request);
	for (tok = strtok_r(buf, " \t\r", &save); tok && argc < 4; tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	for (const char *p = request; *p; p++) {
		if (!isprint((unsigned char)*p) && *p != '\t' && *p != '\r')
			return reply_error("request with unprintable bytes", NULL);
	}
	if (!argc)
		return reply_error("empty request", "requests: list, status, add ADDR [DUR], "
				   "del ADDR, reload");
	if (!strcmp(argv[0], "list") && argc == 1)
		return do_list(d, stream);
	if (!strcmp(argv[0], "status") && argc == 1)
		return do_status(d);
	if (!strcmp(argv[0], "add") && (argc == 2 || argc == 3))
		return do_add(d, argv[1], argv[2]);
	if (!strcmp(argv[0], "del") && argc == 2)
		return do_del(d, argv[1]);
	if (!strcmp(argv[0], "reload") && argc == 1)
		return do_reload(d);
	return reply_error("unknown request", "requests: list, status, add ADDR [DUR], del ADDR, "
			   "reload");
}
