// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ban engine. Offenders live in one array indexed by uint32 (no allocation
 * per address, so a million of them cost tens of MiB, not hundreds), hashed
 * with a keyed SipHash (an attacker picks its source addresses; it must not
 * pick our hash chains), and kept on a least-recently-seen list for
 * eviction. Each offender holds, per rule it has matched, the times of its
 * last events within the rule's window: an exact sliding window.
 */
#include "ban/engine.h"

#include <arpa/inet.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NIL UINT32_MAX

struct hit {
	struct hit *next;
	uint32_t rule;
	uint32_t n, cap;
	uint64_t t[];          /* oldest first */
};

struct offender {
	struct ban_key key;
	uint8_t used;
	uint32_t hnext;        /* hash chain, or free list */
	uint32_t prev, next;   /* LRU: prev is more recent */
	uint64_t seen_ms;
	struct hit *hits;
};

struct ban_node {
	struct ban_node *next;
	struct ban_active b;
};

struct wl_range {
	int family;
	uint8_t lo[16], hi[16];
};

struct ban_engine {
	const struct xnft_config *cfg;
	unsigned char hkey[crypto_shorthash_KEYBYTES];

	struct offender *tab;
	uint32_t tab_len, tab_cap;      /* slots in use (ever), slots allocated */
	uint32_t free_head;
	uint32_t *buckets;
	uint32_t nbuckets;              /* power of two */
	uint32_t lru_head, lru_tail;    /* most, least recently seen */
	size_t count;
	size_t hit_bytes;

	struct ban_node **bans;
	size_t nbans_buckets, nbans;

	struct wl_range *wl;
	size_t nwl;

	ban_history_fn history;
	void *history_ctx;

	struct ban_stats st;
};

/* ---- keys ------------------------------------------------------------------ */

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void mask_addr(uint8_t *a, unsigned plen, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = plen > i * 8 ? plen - (unsigned)i * 8 : 0;

		if (bits < 8)
			a[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

void ban_engine_key(const struct ban_engine *eng, int family, const uint8_t *addr,
		    struct ban_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = (uint8_t)family;
	key->plen = family == AF_INET ? 32 : (uint8_t)eng->cfg->ipv6_prefix;
	memcpy(key->addr, addr, addr_len(family));
	mask_addr(key->addr, key->plen, addr_len(family));
}

static bool key_eq(const struct ban_key *a, const struct ban_key *b)
{
	return a->family == b->family && a->plen == b->plen && !memcmp(a->addr, b->addr, 16);
}

static uint64_t key_hash(const struct ban_engine *eng, const struct ban_key *k)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)k, sizeof(*k), eng->hkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

void ban_key_format(const struct ban_key *key, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(key->family == AF_INET ? AF_INET : AF_INET6, key->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (key->plen == (key->family == AF_INET ? 32 : 128))
		snprintf(buf, size, "%s", a);
	else
		snprintf(buf, size, "%s/%u", a, key->plen);
}

int ban_key_parse(const char *text, unsigned plen6, struct ban_key *key, struct xerr *e)
{
	struct prefix p;

	if (prefix_parse_flags(&p, text, PREFIX_KEEP_HOST_BITS, e) < 0)
		return -1;
	if (p.family == AF_INET && p.len != 32)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': IPv4 bans are single addresses", text);
	if (p.family == AF_INET6 && p.len != 128 && p.len != plen6)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': IPv6 bans cover a /%u, not a /%u",
				text, plen6, p.len);
	memset(key, 0, sizeof(*key));
	key->family = (uint8_t)p.family;
	key->plen = p.family == AF_INET ? 32 : (uint8_t)plen6;
	memcpy(key->addr, p.addr, 16);
	mask_addr(key->addr, key->plen, addr_len(p.family));
	return 0;
}

int ban_key_parse_range(const char *text, unsigned plen6, struct ban_key *key, struct xerr *e)
{
	struct prefix p;

	if (prefix_parse_flags(&p, text, PREFIX_KEEP_HOST_BITS, e) < 0)
		return -1;
	memset(key, 0, sizeof(*key));
	key->family = (uint8_t)p.family;
	/* a single IPv6 address is banned with its prefix, as everywhere else */
	key->plen = p.family == AF_INET6 && p.len == 128 ? (uint8_t)plen6 : (uint8_t)p.len;
	memcpy(key->addr, p.addr, 16);
	mask_addr(key->addr, key->plen, addr_len(p.family));
	return 0;
}

/* ---- whitelist --------------------------------------------------------------- */

static void range_of(const struct prefix *p, struct wl_range *r)
{
	size_t len = addr_len(p->family);

	memset(r, 0, sizeof(*r));
	r->family = p->family;
	memcpy(r->lo, p->addr, len);
	mask_addr(r->lo, p->len, len);
	memcpy(r->hi, r->lo, len);
	for (size_t i = 0; i < len; i++) {
		unsigned bits = p->len > i * 8 ? p->len - (unsigned)i * 8 : 0;

		if (bits < 8)
			r->hi[i] |= (uint8_t)(0xff >> bits);
	}
}

int ban_engine_set_whitelist(struct ban_engine *eng, const struct prefix *p, size_t n,
			     struct xerr *e)
{
	struct prefix lo4 = { .family = AF_INET, .addr = { 127 }, .len = 8 };
	struct prefix lo6 = { .family = AF_INET6, .addr = { [15] = 1 }, .len = 128 };
	struct wl_range *wl = calloc(n + 2, sizeof(*wl));

	if (!wl)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	range_of(&lo4, &wl[0]);
	range_of(&lo6, &wl[1]);
	for (size_t i = 0; i < n; i++)
		range_of(&p[i], &wl[i + 2]);
	free(eng->wl);
	eng->wl = wl;
	eng->nwl = n + 2;
	return 0;
}

int ban_engine_whitelist_add_range(struct ban_engine *eng, int family, const uint8_t *lo,
				   const uint8_t *hi, struct xerr *e)
{
	struct wl_range *wl = realloc(eng->wl, (eng->nwl + 1) * sizeof(*wl));
	size_t len = addr_len(family);

	if (!wl)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	eng->wl = wl;
	wl = &eng->wl[eng->nwl++];
	memset(wl, 0, sizeof(*wl));
	wl->family = family;
	memcpy(wl->lo, lo, len);
	memcpy(wl->hi, hi, len);
	return 0;
}

size_t ban_engine_whitelist_size(const struct ban_engine *eng)
{
	return eng->nwl;
}

bool ban_engine_whitelisted(const struct ban_engine *eng, int family, const uint8_t *addr)
{
	size_t len = addr_len(family);

	for (size_t i = 0; i < eng->nwl; i++) {
		const struct wl_range *r = &eng->wl[i];

		if (r->family == family && memcmp(addr, r->lo, len) >= 0 &&
		    memcmp(addr, r->hi, len) <= 0)
			return true;
	}
	return false;
}

const char *ban_addr_unbannable(int family, const uint8_t *addr)
{
	static const uint8_t zero[16], ones4[4] = { 255, 255, 255, 255 };

	if (family == AF_INET) {
		if (!memcmp(addr, zero, 4))
			return "the unspecified address";
		if (!memcmp(addr, ones4, 4))
			return "the broadcast address";
		if ((addr[0] & 0xf0) == 0xe0)
			return "a multicast address";
		return NULL;
	}
	if (!memcmp(addr, zero, 16))
		return "the unspecified address";
	if (addr[0] == 0xff)
		return "a multicast address";
	return NULL;
}

/* Does the banned network of key share an address with the whitelist? */
static bool key_overlaps_whitelist(const struct ban_engine *eng, const struct ban_key *key)
{
	struct prefix p = { .family = key->family, .len = key->plen };
	struct wl_range k;
	size_t len = addr_len(key->family);

	memcpy(p.addr, key->addr, 16);
	range_of(&p, &k);
	for (size_t i = 0; i < eng->nwl; i++) {
		const struct wl_range *r = &eng->wl[i];

		if (r->family == key->family && memcmp(k.lo, r->hi, len) <= 0 &&
		    memcmp(r->lo, k.hi, len) <= 0)
			return true;
	}
	return false;
}

/*
 * Why no ban may cover key: its first or its last address is one no packet
 * comes from (a /0 starts at the unspecified address; a range reaching the
 * end of the IPv4 space holds the broadcast address, of the IPv6 space
 * multicast). NULL when it may.
 */
static const char *key_unbannable(const struct ban_key *key)
{
	struct prefix p = { .family = key->family, .len = key->plen };
	struct wl_range k;

	memcpy(p.addr, key->addr, 16);
	range_of(&p, &k);
	return ban_addr_unbannable(key->family, k.lo) ? ban_addr_unbannable(key->family, k.lo) :
							 ban_addr_unbannable(key->family, k.hi);
}

bool ban_keys_overlap(const struct ban_key *a, const struct ban_key *b)
{
	struct prefix pa = { .family = a->family, .len = a->plen };
	struct prefix pb = { .family = b->family, .len = b->plen };
	struct wl_range ra, rb;
	size_t len = addr_len(a->family);

	if (a->family != b->family)
		return false;
	memcpy(pa.addr, a->addr, 16);
	memcpy(pb.addr, b->addr, 16);
	range_of(&pa, &ra);
	range_of(&pb, &rb);
	return memcmp(ra.lo, rb.hi, len) <= 0 && memcmp(rb.lo, ra.hi, len) <= 0;
}

bool ban_engine_key_exempt(const struct ban_engine *eng, const struct ban_key *key)
{
	return key_unbannable(key) || key_overlaps_whitelist(eng, key);
}

/* ---- offender table ------------------------------------------------------------- */

static void free_hits(struct ban_engine *eng, struct offender *o)
{
	struct hit *h = o->hits, *next;

	for (; h; h = next) {
		next = h->next;
		eng->hit_bytes -= sizeof(*h) + h->cap * sizeof(h->t[0]);
		free(h);
	}
	o->hits = NULL;
}

static void lru_unlink(struct ban_engine *eng, uint32_t i)
{
	struct offender *o = &eng->tab[i];

	if (o->prev != NIL)
		eng->tab[o->prev].next = o->next;
	else
		eng->lru_head = o->next;
	if (o->next != NIL)
		eng->tab[o->next].prev = o->prev;
	else
		eng->lru_tail = o->prev;
	o->prev = o->next = NIL;
}

static void lru_push_front(struct ban_engine *eng, uint32_t i)
{
	struct offender *o = &eng->tab[i];

	o->prev = NIL;
	o->next = eng->lru_head;
	if (eng->lru_head != NIL)
		eng->tab[eng->lru_head].prev = i;
	eng->lru_head = i;
	if (eng->lru_tail == NIL)
		eng->lru_tail = i;
}

static uint32_t *bucket_of(struct ban_engine *eng, const struct ban_key *k)
{
	return &eng->buckets[key_hash(eng, k) & (eng->nbuckets - 1)];
}

static uint32_t off_find(struct ban_engine *eng, const struct ban_key *k)
{
	if (!eng->nbuckets)
		return NIL;
	for (uint32_t i = *bucket_of(eng, k); i != NIL; i = eng->tab[i].hnext) {
		if (key_eq(&eng->tab[i].key, k))
			return i;
	}
	return NIL;
}

static void off_remove(struct ban_engine *eng, uint32_t i)
{
	struct offender *o = &eng->tab[i];
	uint32_t *pp = bucket_of(eng, &o->key);

	while (*pp != i)
		pp = &eng->tab[*pp].hnext;
	*pp = o->hnext;
	lru_unlink(eng, i);
	free_hits(eng, o);
	o->used = 0;
	o->hnext = eng->free_head;
	eng->free_head = i;
	eng->count--;
}

static int rehash(struct ban_engine *eng, uint32_t nb)
{
	uint32_t *b = malloc((size_t)nb * sizeof(*b));

	if (!b)
		return -1;
	memset(b, 0xff, (size_t)nb * sizeof(*b));
	free(eng->buckets);
	eng->buckets = b;
	eng->nbuckets = nb;
	for (uint32_t i = 0; i < eng->tab_len; i++) {
		struct offender *o = &eng->tab[i];
		uint32_t *pp;

		if (!o->used)
			continue;
		pp = bucket_of(eng, &o->key);
		o->hnext = *pp;
		*pp = i;
	}
	return 0;
}

/* A free slot, growing the array up to the cap; NIL when out of memory. */
static uint32_t off_slot(struct ban_engine *eng)
{
	uint32_t i;

	if (eng->free_head != NIL) {
		i = eng->free_head;
		eng->free_head = eng->tab[i].hnext;
		return i;
	}
	if (eng->tab_len == eng->tab_cap) {
		size_t cap = eng->tab_cap ? (size_t)eng->tab_cap * 2 : 1024;
		struct offender *t;

		if (cap > eng->cfg->max_offenders)
			cap = eng->cfg->max_offenders;
		if (cap <= eng->tab_cap || cap >= NIL)
			return NIL;
		t = realloc(eng->tab, cap * sizeof(*t));
		if (!t)
			return NIL;
		eng->tab = t;
		eng->tab_cap = (uint32_t)cap;
	}
	return eng->tab_len++;
}

static uint32_t off_get(struct ban_engine *eng, const struct ban_key *k, uint64_t now)
{
	uint32_t i = off_find(eng, k), *pp;
	struct offender *o;

	if (i != NIL) {
		lru_unlink(eng, i);
		lru_push_front(eng, i);
		eng->tab[i].seen_ms = now;
		return i;
	}
	while (eng->count >= eng->cfg->max_offenders && eng->lru_tail != NIL) {
		off_remove(eng, eng->lru_tail);
		eng->st.evictions++;
	}
	if (eng->count + 1 > (size_t)eng->nbuckets / 2 + eng->nbuckets / 4 || !eng->nbuckets) {
		uint32_t nb = eng->nbuckets ? eng->nbuckets * 2 : 1024;

		if (rehash(eng, nb) < 0)
			return NIL;
	}
	i = off_slot(eng);
	if (i == NIL)
		return NIL;
	o = &eng->tab[i];
	memset(o, 0, sizeof(*o));
	o->key = *k;
	o->used = 1;
	o->seen_ms = now;
	pp = bucket_of(eng, k);
	o->hnext = *pp;
	*pp = i;
	o->prev = o->next = NIL;
	lru_push_front(eng, i);
	eng->count++;
	return i;
}

/* ---- sliding windows ---------------------------------------------------------------- */

static struct hit *hit_get(struct ban_engine *eng, struct offender *o, uint32_t rule)
{
	struct hit *h;

	for (h = o->hits; h; h = h->next) {
		if (h->rule == rule)
			return h;
	}
	h = malloc(sizeof(*h) + sizeof(h->t[0]));
	if (!h)
		return NULL;
	h->rule = rule;
	h->n = 0;
	h->cap = 1;
	h->next = o->hits;
	o->hits = h;
	eng->hit_bytes += sizeof(*h) + sizeof(h->t[0]);
	return h;
}

/* Record an event at now; true when the rule's threshold is reached. */
static bool hit_add(struct ban_engine *eng, struct offender *o, struct hit **hp,
		    const struct config_rule *r, uint64_t now)
{
	struct hit *h = *hp;
	uint64_t cutoff = now > r->window_ms ? now - r->window_ms : 0;
	uint32_t drop = 0;

	while (drop < h->n && h->t[drop] <= cutoff && now >= r->window_ms)
		drop++;
	if (drop) {
		memmove(h->t, h->t + drop, (h->n - drop) * sizeof(h->t[0]));
		h->n -= drop;
	}
	if (h->n >= r->threshold) {   /* threshold lowered by a reload */
		uint32_t keep = r->threshold - 1;

		memmove(h->t, h->t + (h->n - keep), keep * sizeof(h->t[0]));
		h->n = keep;
	}
	if (h->n == h->cap) {
		uint32_t cap = h->cap * 2 > r->threshold ? r->threshold : h->cap * 2;
		struct hit *nh, **pp;

		if (cap <= h->cap)
			cap = h->cap + 1;
		nh = realloc(h, sizeof(*h) + cap * sizeof(h->t[0]));
		if (!nh)
			return false;
		for (pp = &o->hits; *pp != h; pp = &(*pp)->next)
			;
		*pp = nh;
		eng->hit_bytes += (cap - nh->cap) * sizeof(nh->t[0]);
		nh->cap = cap;
		*hp = h = nh;
	}
	h->t[h->n++] = now;
	if (h->n < r->threshold)
		return false;
	h->n = 0;
	return true;
}

/* ---- active bans ---------------------------------------------------------------------- */

static struct ban_node **ban_slot(const struct ban_engine *eng, const struct ban_key *k)
{
	struct ban_node **pp;

	if (!eng->nbans_buckets)
		return NULL;
	pp = &eng->bans[key_hash(eng, k) & (eng->nbans_buckets - 1)];
	while (*pp && !key_eq(&(*pp)->b.key, k))
		pp = &(*pp)->next;
	return pp;
}

const struct ban_active *ban_engine_find(const struct ban_engine *eng, const struct ban_key *key)
{
	struct ban_node **pp = ban_slot(eng, key);

	return pp && *pp ? &(*pp)->b : NULL;
}

static int bans_grow(struct ban_engine *eng)
{
	size_t nb = eng->nbans_buckets ? eng->nbans_buckets * 2 : 256;
	struct ban_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < eng->nbans_buckets; i++) {
		struct ban_node *n = eng->bans[i], *next;

		for (; n; n = next) {
			size_t j = key_hash(eng, &n->b.key) & (nb - 1);

			next = n->next;
			n->next = b[j];
			b[j] = n;
		}
	}
	free(eng->bans);
	eng->bans = b;
	eng->nbans_buckets = nb;
	return 0;
}

static struct ban_active *ban_put(struct ban_engine *eng, const struct ban_active *b)
{
	struct ban_node **pp, *n;

	if (eng->nbans >= eng->nbans_buckets && bans_grow(eng) < 0)
		return NULL;
	pp = ban_slot(eng, &b->key);
	if (*pp) {
		(*pp)->b = *b;
		return &(*pp)->b;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->b = *b;
	*pp = n;
	eng->nbans++;
	return &n->b;
}

static int ban_del(struct ban_engine *eng, const struct ban_key *k)
{
	struct ban_node **pp = ban_slot(eng, k), *n;

	if (!pp || !*pp)
		return 0;
	n = *pp;
	*pp = n->next;
	free(n);
	eng->nbans--;
	return 1;
}

int ban_engine_adopt(struct ban_engine *eng, const struct ban_active *b)
{
	return ban_put(eng, b) ? 0 : -1;
}

size_t ban_engine_expire(struct ban_engine *eng, uint64_t now_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < eng->nbans_buckets; i++) {
		struct ban_node **pp = &eng->bans[i];

		while (*pp) {
			struct ban_node *x = *pp;

			if (x->b.until_ms <= now_ms) {
				*pp = x->next;
				free(x);
				eng->nbans--;
				n++;
			} else {
				pp = &x->next;
			}
		}
	}
	return n;
}

size_t ban_engine_lift_exempt(struct ban_engine *eng,
			      void (*fn)(void *ctx, const struct ban_active *b), void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < eng->nbans_buckets; i++) {
		struct ban_node **pp = &eng->bans[i];

		while (*pp) {
			struct ban_node *x = *pp;

			if (!ban_engine_key_exempt(eng, &x->b.key)) {
				pp = &x->next;
				continue;
			}
			*pp = x->next;
			eng->nbans--;
			n++;
			fn(ctx, &x->b);
			free(x);
		}
	}
	return n;
}

void ban_engine_foreach(const struct ban_engine *eng,
			int (*fn)(void *ctx, const struct ban_active *b), void *ctx)
{
	for (size_t i = 0; i < eng->nbans_buckets; i++) {
		for (const struct ban_node *n = eng->bans[i]; n; n = n->next) {
			if (fn(ctx, &n->b))
				return;
		}
	}
}

/* ---- decisions ------------------------------------------------------------------------------ */

uint64_t ban_escalate(const struct xnft_config *cfg, uint64_t base_ms, unsigned offence)
{
	double t;
	uint64_t cap = cfg->esc_max_ms ? cfg->esc_max_ms : CONFIG_BANTIME_MAX_MS;

	if (!cfg->esc_enabled || offence <= 1)
		return base_ms;
	if (cap < base_ms)
		return base_ms;
	t = (double)base_ms * pow(cfg->esc_factor, (double)(offence - 1));
	if (!(t < (double)cap))
		return cap;
	return (uint64_t)t;
}

static unsigned previous_offences(struct ban_engine *eng, const struct ban_key *key, uint64_t now)
{
	struct ban_history h = { 0 };

	if (!eng->history || eng->history(eng->history_ctx, key, &h) < 0 || !h.offences)
		return 0;
	if (eng->cfg->esc_forget_ms && now > h.last_ban_ms &&
	    now - h.last_ban_ms > eng->cfg->esc_forget_ms)
		return 0;
	return h.offences;
}

static int decide(struct ban_engine *eng, const struct ban_key *key, const char *rule,
		  uint64_t base_ms, uint64_t now, struct ban_decision *d)
{
	struct ban_node **pp = ban_slot(eng, key);
	struct ban_active b = { .key = *key, .since_ms = now };
	const struct ban_active *cur = pp && *pp ? &(*pp)->b : NULL;

	memset(d, 0, sizeof(*d));
	if (key_overlaps_whitelist(eng, key)) {
		eng->st.whitelist_overlap++;
		return 0;
	}
	if (cur && cur->until_ms > now) {
		struct ban_active ext = *cur;

		if (now + cur->bantime_ms <= cur->until_ms)
			return 0;
		ext.until_ms = now + cur->bantime_ms;
		d->prev_until_ms = cur->until_ms;   /* before: cur is the stored ban itself */
		(*pp)->b = ext;
		d->ban = ext;
		d->extended = true;
		eng->st.extensions++;
		return 1;
	}
	b.offence = previous_offences(eng, key, now) + 1;
	b.bantime_ms = ban_escalate(eng->cfg, base_ms, b.offence);
	b.until_ms = now + b.bantime_ms;
	snprintf(b.rule, sizeof(b.rule), "%s", rule);
	if (!ban_put(eng, &b))
		return 0;
	d->ban = b;
	eng->st.bans++;
	return 1;
}

int ban_engine_event(struct ban_engine *eng, const struct ban_event *ev, struct ban_decision *d)
{
	const struct xnft_config *cfg = eng->cfg;
	struct ban_key key;
	struct offender *o;
	uint32_t i;
	bool matched = false;
	int rc = 0;

	eng->st.events++;
	if (ev->family != AF_INET && ev->family != AF_INET6)
		return 0;
	for (size_t r = 0; r < cfg->nrules && !matched; r++) {
		const struct config_rule *cr = &cfg->rules[r];

		matched = cr->enabled && config_rule_matches_category(cr, ev->category) &&
			  config_rule_matches_port(cr, ev->proto, ev->dport);
	}
	if (!matched)
		return 0;
	/* no packet comes from these: a line naming one is forged or broken */
	if (ban_engine_whitelisted(eng, ev->family, ev->src) ||
	    ban_addr_unbannable(ev->family, ev->src)) {
		eng->st.whitelisted++;
		return 0;
	}
	eng->st.matched++;
	ban_engine_key(eng, ev->family, ev->src, &key);
	i = off_get(eng, &key, ev->t_ms);
	if (i == NIL)
		return 0;
	o = &eng->tab[i];
	for (size_t r = 0; r < cfg->nrules; r++) {
		const struct config_rule *cr = &cfg->rules[r];
		struct hit *h;

		if (!cr->enabled || !config_rule_matches_category(cr, ev->category) ||
		    !config_rule_matches_port(cr, ev->proto, ev->dport))
			continue;
		h = hit_get(eng, o, (uint32_t)r);
		if (!h || !hit_add(eng, o, &h, cr, ev->t_ms) || rc)
			continue;
		rc = decide(eng, &key, cr->name, cr->bantime_ms, ev->t_ms, d);
	}
	return rc;
}

int ban_engine_ban(struct ban_engine *eng, const struct ban_key *key, uint64_t bantime_ms,
		   uint64_t now_ms, struct ban_decision *d, struct xerr *e)
{
	struct ban_active b = { .key = *key, .since_ms = now_ms };
	const struct ban_active *cur = ban_engine_find(eng, key);
	char shown[PREFIX_STRLEN];

	memset(d, 0, sizeof(*d));
	ban_key_format(key, shown, sizeof(shown));
	if (key_unbannable(key))
		return xerr_set(e, XNFT_EXIT_FINDINGS, "%s is or holds %s: no packet comes from it, "
				"so it is not banned", shown, key_unbannable(key));
	if (key_overlaps_whitelist(eng, key)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s is whitelisted (or holds a whitelisted address): "
			 "not banned", shown);
		return xerr_hint(e, "the whitelist is [whitelist] in xnft.conf plus loopback, the "
				 "host's own addresses and the policy's MESH_PEERS and "
				 "ADMIN_ALLOWLIST sets");
	}
	if (cur && cur->until_ms > now_ms) {
		b = *cur;
		b.until_ms = now_ms + (bantime_ms ? bantime_ms : cur->bantime_ms);
		if (bantime_ms)
			b.bantime_ms = bantime_ms;
		d->extended = true;
		d->prev_until_ms = cur->until_ms;
	} else {
		uint64_t base = eng->cfg->nrules ? eng->cfg->rules[0].bantime_ms : 3600000;

		b.offence = previous_offences(eng, key, now_ms) + 1;
		b.bantime_ms = bantime_ms ? bantime_ms : ban_escalate(eng->cfg, base, b.offence);
		b.until_ms = now_ms + b.bantime_ms;
		snprintf(b.rule, sizeof(b.rule), "manual");
	}
	if (!ban_put(eng, &b))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory banning %s", shown);
	if (d->extended)
		eng->st.extensions++;
	else
		eng->st.bans++;
	d->ban = b;
	return 0;
}

int ban_engine_unban(struct ban_engine *eng, const struct ban_key *key)
{
	uint32_t i = off_find(eng, key);

	if (i != NIL)
		free_hits(eng, &eng->tab[i]);
	return ban_del(eng, key);
}

/* ---- life cycle --------------------------------------------------------------------------------- */

struct ban_engine *ban_engine_new(const struct xnft_config *cfg, struct xerr *e)
{
	struct ban_engine *eng;

	if (sodium_init() < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "libsodium failed to initialise");
		return NULL;
	}
	eng = calloc(1, sizeof(*eng));
	if (!eng) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		return NULL;
	}
	eng->cfg = cfg;
	crypto_shorthash_keygen(eng->hkey);
	eng->free_head = eng->lru_head = eng->lru_tail = NIL;
	if (ban_engine_set_whitelist(eng, NULL, 0, e) < 0) {
		ban_engine_free(eng);
		return NULL;
	}
	return eng;
}

int ban_engine_reconfigure(struct ban_engine *eng, const struct xnft_config *cfg, struct xerr *e)
{
	const struct xnft_config *old = eng->cfg;
	uint32_t *map;

	map = malloc((old->nrules + 1) * sizeof(*map));
	if (!map)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	for (size_t r = 0; r < old->nrules; r++) {
		map[r] = NIL;
		for (size_t n = 0; n < cfg->nrules; n++) {
			if (!strcmp(old->rules[r].name, cfg->rules[n].name))
				map[r] = (uint32_t)n;
		}
	}
	for (uint32_t i = 0; i < eng->tab_len; i++) {
		struct offender *o = &eng->tab[i];
		struct hit **pp = &o->hits;

		if (!o->used)
			continue;
		while (*pp) {
			struct hit *h = *pp;

			if (map[h->rule] == NIL) {
				*pp = h->next;
				eng->hit_bytes -= sizeof(*h) + h->cap * sizeof(h->t[0]);
				free(h);
			} else {
				h->rule = map[h->rule];
				pp = &h->next;
			}
		}
	}
	free(map);
	eng->cfg = cfg;
	while (eng->count > cfg->max_offenders && eng->lru_tail != NIL) {
		off_remove(eng, eng->lru_tail);
		eng->st.evictions++;
	}
	return 0;
}

void ban_engine_set_history(struct ban_engine *eng, ban_history_fn fn, void *ctx)
{
	eng->history = fn;
	eng->history_ctx = ctx;
}

void ban_engine_stats(const struct ban_engine *eng, struct ban_stats *st)
{
	*st = eng->st;
	st->offenders = eng->count;
	st->active = eng->nbans;
	st->memory = (size_t)eng->tab_cap * sizeof(struct offender) +
		     (size_t)eng->nbuckets * sizeof(uint32_t) + eng->hit_bytes +
		     eng->nbans * sizeof(struct ban_node) + eng->nbans_buckets * sizeof(void *);
}

void ban_engine_free(struct ban_engine *eng)
{
	if (!eng)
		return;
	for (uint32_t i = 0; i < eng->tab_len; i++) {
		if (eng->tab[i].used)
			free_hits(eng, &eng->tab[i]);
	}
	free(eng->tab);
	free(eng->buckets);
	for (size_t i = 0; i < eng->nbans_buckets; i++) {
		struct ban_node *n = eng->bans[i], *next;

		for (; n; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(eng->bans);
	free(eng->wl);
	free(eng);
}
