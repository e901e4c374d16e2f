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

#include "core/policy_load.h"

/* ---- whitelist ------------------------------------------------------------------- */

static const char *const policy_sets[] = {
	"MESH_PEERS", "MESH_PEERS6", "ADMIN_ALLOWLIST", "ADMIN_ALLOWLIST6",
};

static int add_term(struct ban_engine *eng, const struct rs_term *t, struct xerr *e)
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
	return ban_engine_whitelist_add_range(eng, family, lo, hi, e);
}

static size_t whitelist_from_ruleset(struct daemon *d, const struct ruleset *rs, struct xerr *e)
{
	const struct rs_table *t = ruleset_table(rs, rs_family_lookup(d->cfg->table_family),
						 d->cfg->table);
	size_t n = 0;

	if (!t)
		return 0;
	for (size_t s = 0; s < sizeof(policy_sets) / sizeof(policy_sets[0]); s++) {
		const struct rs_set *set = rs_table_set(t, policy_sets[s]);

		for (size_t i = 0; set && i < set->nelems; i++) {
			if (add_term(d->eng, &set->elems[i].key, e) < 0)
				return n;
			n++;
		}
	}
	return n;
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

int daemon_whitelist(struct daemon *d, struct xerr *e)
{
	struct ruleset *rs = NULL;
	struct xerr pe;
	int rc;

	if (ban_engine_set_whitelist(d->eng, d->cfg->whitelist, d->cfg->nwhitelist, e) < 0)
		return -1;
	d->wl_config = d->cfg->nwhitelist;
	d->wl_policy = 0;
	if (!strcmp(d->cfg->policy, "live"))
		rc = policy_load_live(&rs, &pe);
	else
		rc = policy_load(d->cfg->policy, &rs, NULL, &pe);
	if (rc < 0) {
		snprintf(d->policy_note, sizeof(d->policy_note), "policy not read: %s", pe.msg);
		daemon_log(d, DAEMON_LOG_WARNING, "whitelist: %s (config and loopback only until "
			   "the policy is loaded)", pe.msg);
		return 0;
	}
	d->wl_policy = whitelist_from_ruleset(d, rs, e);
	if (!ruleset_table(rs, rs_family_lookup(d->cfg->table_family), d->cfg->table))
		snprintf(d->policy_note, sizeof(d->policy_note), "table %s %s not loaded yet",
			 d->cfg->table_family, d->cfg->table);
	else
		snprintf(d->policy_note, sizeof(d->policy_note), "%zu entries from MESH_PEERS*, "
			 "ADMIN_ALLOWLIST* (%s)", d->wl_policy, d->cfg->policy);
	{
		const struct rs_table *t = ruleset_table(rs, rs_family_lookup(d->cfg->table_family),
							 d->cfg->table);
		int plen = t ? set6_prefix(t, d->cfg->set6) : -1;

		if (plen >= 0 && (unsigned)plen != d->cfg->ipv6_prefix)
			daemon_log(d, DAEMON_LOG_WARNING, "the policy matches @%s per /%d but "
				   "ipv6_prefix = %u: IPv6 bans would never match; set ipv6_prefix = %d "
				   "in [daemon]", d->cfg->set6, plen, d->cfg->ipv6_prefix, plen);
	}
	ruleset_free(rs);
	return 0;
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
	char addr[PREFIX_STRLEN];

	ban_key_format(&b->key, addr, sizeof(addr));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
			 "addr", addr, "family", b->key.family == AF_INET ? "ipv4" : "ipv6",
			 "rule", b->rule, "offence", (json_int_t)b->offence,
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
	return reply(json_pack(
		"{s:b, s:i, s:I, s:s, s:i, s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:s},"
		" s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:s}",
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
		"loaded", !d->kernel_missing, "batches", (json_int_t)d->batches,
		"elements", (json_int_t)d->elements, "restores", (json_int_t)d->restores,
		"errors", (json_int_t)d->kernel_errors,
		"flush_us", (json_int_t)d->flush_us, "largest_batch", (json_int_t)d->largest_batch,
		"size4", (json_int_t)d->set_size[0], "size6", (json_int_t)d->set_size[1],
		"refused_full", (json_int_t)d->refused_full, "put_back", (json_int_t)d->put_back,
		"whitelist",
		"entries", (json_int_t)ban_engine_whitelist_size(d->eng),
		"config", (json_int_t)d->wl_config, "policy", (json_int_t)d->wl_policy,
		"note", d->policy_note,
		"notify",
		"queued", (json_int_t)ns.queued, "sent", (json_int_t)ns.sent,
		"failed", (json_int_t)ns.failed, "dropped", (json_int_t)ns.dropped,
		"reloads", (json_int_t)d->reloads, "reload_errors", (json_int_t)d->reload_errors,
		"last_error", d->last_error));
}

static char *do_add(struct daemon *d, const char *addr, const char *dur)
{
	struct ban_decision dec;
	struct ban_key key;
	uint64_t ms = 0, now = daemon_now_ms();
	struct xerr e;

	if (ban_key_parse(addr, d->cfg->ipv6_prefix, &key, &e) < 0)
		return reply_error(e.msg, e.hint);
	if (dur && *dur && config_parse_duration(dur, &ms, &e) < 0)
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

	if (ban_key_parse(addr, d->cfg->ipv6_prefix, &key, &e) < 0)
		return reply_error(e.msg, e.hint);
	had = ban_engine_unban(d->eng, &key);
	d->fam_counted = false;   /* the bans against the set size are counted again */
	if (kw_queue_del(d->kw, &key) < 0)
		return reply_error("out of memory", NULL);
	d->pending_since = daemon_mono_ms();
	daemon_flush(d);
	if (ban_store_lift(d->store, &key, daemon_now_ms(), &e) < 0)
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
