// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counting events for `xnft report`. Addresses are kept as 16 bytes (IPv4
 * as ::ffff:a.b.c.d, so one table serves both families) in open-addressing
 * hash tables with linear probing; the histogram is a fixed array of
 * buckets that doubles its bucket width when the events span more time
 * than it holds.
 */
#include "events/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ------------------------------------------------------------------ */
/* Address tables                                                      */
/* ------------------------------------------------------------------ */

struct slot {
	uint64_t k0, k1;   /* the 16 address bytes */
	uint32_t count;    /* 0 = empty slot */
	uint32_t aux;      /* networks: distinct sources */
};

struct table {
	struct slot *slots;
	size_t cap;        /* power of two */
	size_t used;
	size_t max_used;   /* past this many entries, new keys are not added */
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static int table_init(struct table *t, size_t cap, size_t max_used)
{
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -1;
	t->cap = cap;
	t->used = 0;
	t->max_used = max_used;
	return 0;
}

static struct slot *table_probe(struct slot *slots, size_t cap, uint64_t k0, uint64_t k1)
{
	size_t i = (size_t)mix(k0, k1) & (cap - 1);

	for (;;) {
		struct slot *s = &slots[i];

		if (!s->count || (s->k0 == k0 && s->k1 == k1))
			return s;
		i = (i + 1) & (cap - 1);
	}
}

/* Grow at 3/4 full; returns -1 when memory runs out (the table stays as it was). */
static int table_grow(struct table *t)
{
	size_t cap = t->cap * 2;
	struct slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].count)
			*table_probe(slots, cap, t->slots[i].k0, t->slots[i].k1) = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* The slot of a key, added if there is room; NULL when the table is full. *is_new set. */
static struct slot *table_get(struct table *t, uint64_t k0, uint64_t k1, bool *is_new)
{
	struct slot *s = table_probe(t->slots, t->cap, k0, k1);

	*is_new = false;
	if (s->count)
		return s;
	if (t->used >= t->max_used)
		return NULL;
	if ((t->used + 1) * 4 > t->cap * 3) {
		if (table_grow(t) < 0)
			return NULL;
		s = table_probe(t->slots, t->cap, k0, k1);
	}
	s->k0 = k0;
	s->k1 = k1;
	t->used++;
	*is_new = true;
	return s;
}

/*
 * IPv4 sources, the bulk of them, in a table of their own with 8-byte slots:
 * four times as many fit in the CPU's caches, and the lookup is the one
 * random memory access per event.
 */
struct slot4 {
	uint32_t addr;     /* host order */
	uint32_t count;    /* 0 = empty slot */
};

struct table4 {
	struct slot4 *slots;
	size_t cap, used;
};

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static struct slot4 *table4_probe(struct slot4 *slots, size_t cap, uint32_t addr)
{
	size_t i = mix32(addr) & (cap - 1);

	while (slots[i].count && slots[i].addr != addr)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int table4_grow(struct table4 *t)
{
	size_t cap = t->cap * 2;
	struct slot4 *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].count)
			*table4_probe(slots, cap, t->slots[i].addr) = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* The slot of addr; a new one only when may_add. NULL when it cannot be added. */
static struct slot4 *table4_get(struct table4 *t, uint32_t addr, bool may_add)
{
	struct slot4 *s = table4_probe(t->slots, t->cap, addr);

	if (s->count)
		return s;
	if (!may_add)
		return NULL;
	if ((t->used + 1) * 4 > t->cap * 3) {
		if (table4_grow(t) < 0)
			return NULL;
		s = table4_probe(t->slots, t->cap, addr);
	}
	s->addr = addr;
	t->used++;
	return s;
}

static void key_of(int family, const unsigned char *addr, uint64_t *k0, uint64_t *k1)
{
	unsigned char b[16];

	if (family == AF_INET) {
		memset(b, 0, 10);
		b[10] = b[11] = 0xff;
		memcpy(b + 12, addr, 4);
	} else {
		memcpy(b, addr, 16);
	}
	memcpy(k0, b, 8);
	memcpy(k1, b + 8, 8);
}

static void addr_of_key(uint64_t k0, uint64_t k1, int *family, unsigned char *addr)
{
	unsigned char b[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memcpy(b, &k0, 8);
	memcpy(b + 8, &k1, 8);
	memset(addr, 0, 16);
	if (!memcmp(b, mapped, 12)) {
		*family = AF_INET;
		memcpy(addr, b + 12, 4);
	} else {
		*family = AF_INET6;
		memcpy(addr, b, 16);
	}
}

/* Keep the network bits: /24 of the IPv4 in the mapped form, /64 of IPv6. */
static void net_key(int family, uint64_t k0, uint64_t k1, uint64_t *n0, uint64_t *n1)
{
	unsigned char b[16];

	memcpy(b, &k0, 8);
	memcpy(b + 8, &k1, 8);
	if (family == AF_INET)
		b[15] = 0;
	else
		memset(b + 8, 0, 8);
	memcpy(n0, b, 8);
	memcpy(n1, b + 8, 8);
}

/* ------------------------------------------------------------------ */
/* Small name tables                                                   */
/* ------------------------------------------------------------------ */

#define NAMES_MAX 256

struct names {
	struct report_count *v;
	uint32_t *hash;    /* of each name: compared before the name */
	size_t n;
	size_t last;       /* the one hit last: runs of one category are common */
	uint64_t other;    /* past NAMES_MAX distinct names */
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void names_add(struct names *t, const char *name)
{
	uint32_t h;

	if (t->n && t->last < t->n && !strcmp(t->v[t->last].name, name)) {
		t->v[t->last].count++;
		return;
	}
	h = name_hash(name);
	for (size_t i = 0; i < t->n; i++) {
		if (t->hash[i] == h && !strcmp(t->v[i].name, name)) {
			t->v[i].count++;
			t->last = i;
			return;
		}
	}
	if (t->n >= NAMES_MAX) {
		t->other++;
		return;
	}
	snprintf(t->v[t->n].name, sizeof(t->v[t->n].name), "%s", name);
	t->hash[t->n] = h;
	t->v[t->n].count = 1;
	t->last = t->n++;
}

/* ------------------------------------------------------------------ */
/* Histogram                                                           */
/* ------------------------------------------------------------------ */

#define HIST_SLOTS 4096
#define SEC 1000000LL

/* Each width a multiple of the one before, so buckets merge exactly. */
static const int64_t widths[] = {
	SEC, 10 * SEC, 60 * SEC, 300 * SEC, 900 * SEC, 3600 * SEC, 6 * 3600 * SEC,
	86400 * SEC, 7 * 86400 * SEC, 364 * 86400 * SEC, 3640 * 86400 * SEC,
};
#define N_WIDTHS (sizeof(widths) / sizeof(widths[0]))

struct hist {
	int64_t cur_start, cur_end;  /* the slot hit last, [start, end): logs come in time order */
	int64_t cur;
	size_t wi;                 /* index into widths */
	int64_t origin;            /* start of slot 0, a multiple of the width */
	bool any;
	int64_t lo, hi;            /* first and last slot used */
	uint64_t n[HIST_SLOTS];
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Re-bucket into the next wider width so that [t_lo, t_hi] fits. */
static void hist_widen(struct hist *h, int64_t t_lo, int64_t t_hi)
{
	uint64_t old[HIST_SLOTS];
	int64_t old_origin = h->origin, old_w = widths[h->wi], w, center;
	int64_t lo = h->lo, hi = h->hi;

	memcpy(old, h->n, sizeof(old));
	do {
		h->wi++;
		w = widths[h->wi];
	} while (h->wi + 1 < N_WIDTHS && (t_hi - t_lo) / w + 2 >= HIST_SLOTS / 2);
	center = t_lo + (t_hi - t_lo) / 2;
	h->origin = floor_div(center, w) * w - (HIST_SLOTS / 2) * w;
	memset(h->n, 0, sizeof(h->n));
	h->lo = HIST_SLOTS;
	h->hi = -1;
	h->cur_start = h->cur_end = 0;
	for (int64_t i = lo; i <= hi; i++) {
		int64_t j;

		if (!old[i])
			continue;
		j = floor_div(old_origin + i * old_w - h->origin, w);
		if (j < 0)
			j = 0;
		if (j >= HIST_SLOTS)
			j = HIST_SLOTS - 1;
		h->n[j] += old[i];
		if (j < h->lo)
			h->lo = j;
		if (j > h->hi)
			h->hi = j;
	}
}

static void hist_add(struct hist *h, int64_t t)
{
	int64_t w = widths[h->wi], i;

	if (h->any && t >= h->cur_start && t < h->cur_end) {
		h->n[h->cur]++;
		return;
	}
	if (!h->any) {
		h->origin = floor_div(t, w) * w - (HIST_SLOTS / 2) * w;
		h->lo = h->hi = HIST_SLOTS / 2;
		h->any = true;
	}
	i = floor_div(t - h->origin, w);
	if ((i < 0 || i >= HIST_SLOTS) && h->wi + 1 < N_WIDTHS) {
		int64_t first = h->origin + h->lo * w, last = h->origin + (h->hi + 1) * w;

		hist_widen(h, t < first ? t : first, t > last ? t : last);
		w = widths[h->wi];
		i = floor_div(t - h->origin, w);
	}
	if (i < 0)
		i = 0;
	if (i >= HIST_SLOTS)
		i = HIST_SLOTS - 1;
	h->n[i]++;
	if (i < h->lo)
		h->lo = i;
	if (i > h->hi)
		h->hi = i;
	h->cur = i;
	h->cur_start = h->origin + i * w;
	h->cur_end = h->cur_start + w;
	if (i == 0 || i == HIST_SLOTS - 1)
		h->cur_end = h->cur_start;   /* clamped edge slots: never a fast hit */
}

/* ------------------------------------------------------------------ */
/* The report                                                          */
/* ------------------------------------------------------------------ */

struct report {
	uint64_t events;
	int64_t first_us, last_us;
	struct names categories, ifaces;
	uint64_t hook_n[EVENT_HOOK_POSTROUTING + 1];
	uint64_t proto_n[257];       /* by protocol number; [256]: unknown */
	struct table4 src4;          /* IPv4 sources */
	bool pending;                /* an IPv4 source whose slot was prefetched, not counted yet */
	uint32_t pending_addr;
	struct table sources;        /* IPv6 sources */
	uint64_t untracked;
	uint32_t tcp[65536], udp[65536];
	struct hist hist;
};

static int names_init(struct names *t)
{
	t->v = calloc(NAMES_MAX, sizeof(*t->v));
	t->hash = calloc(NAMES_MAX, sizeof(*t->hash));
	return t->v && t->hash ? 0 : -1;
}

static void names_free(struct names *t)
{
	free(t->v);
	free(t->hash);
}

struct report *report_new(struct xerr *e)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r || names_init(&r->categories) < 0 || names_init(&r->ifaces) < 0 ||
	    table_init(&r->sources, 1024, REPORT_MAX_SOURCES) < 0 ||
	    !(r->src4.slots = calloc(4096, sizeof(*r->src4.slots)))) {
		report_free(r);
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory for the report");
		return NULL;
	}
	r->src4.cap = 4096;
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	names_free(&r->categories);
	names_free(&r->ifaces);
	free(r->sources.slots);
	free(r->src4.slots);
	free(r);
}

static void sat_inc(uint32_t *c)
{
	if (*c != UINT32_MAX)
		(*c)++;
}

static void count4(struct report *r, uint32_t a)
{
	struct slot4 *s4 = table4_get(&r->src4, a, r->src4.used + r->sources.used < REPORT_MAX_SOURCES);

	if (!s4)
		r->untracked++;
	else
		sat_inc(&s4->count);
}

/* The source prefetched last is counted now (the report is about to be read). */
static void report_flush(struct report *r)
{
	if (r->pending)
		count4(r, r->pending_addr);
	r->pending = false;
}

/* One lookup per event: the networks are summed from the sources at the end. */
static void count_source(struct report *r, const struct xevent *ev)
{
	uint64_t k0, k1;
	struct slot *s;
	bool is_new, may_add = r->src4.used + r->sources.used < REPORT_MAX_SOURCES;

	if (ev->family == AF_INET) {
		uint32_t a = (uint32_t)ev->src[0] << 24 | (uint32_t)ev->src[1] << 16 |
			     (uint32_t)ev->src[2] << 8 | ev->src[3];

		/*
		 * The table lookup is a cache miss for most events: ask for this
		 * event's slot now and count the previous event, whose slot was
		 * asked for one event ago, so the two overlap.
		 */
		__builtin_prefetch(&r->src4.slots[mix32(a) & (r->src4.cap - 1)], 1);
		if (r->pending)
			count4(r, r->pending_addr);
		r->pending = true;
		r->pending_addr = a;
		return;
	}
	if (ev->family != AF_INET6) {
		r->untracked++;
		return;
	}
	key_of(ev->family, ev->src, &k0, &k1);
	if (may_add) {
		s = table_get(&r->sources, k0, k1, &is_new);
	} else {
		s = table_probe(r->sources.slots, r->sources.cap, k0, k1);
		if (!s->count)
			s = NULL;
	}
	if (!s) {
		r->untracked++;
		return;
	}
	sat_inc(&s->count);
}

void report_add(struct report *r, const struct xevent *ev)
{
	if (!r->events || ev->time_us < r->first_us)
		r->first_us = ev->time_us;
	if (!r->events || ev->time_us > r->last_us)
		r->last_us = ev->time_us;
	r->events++;
	names_add(&r->categories, ev->category[0] ? ev->category : "(none)");
	r->hook_n[ev->hook <= EVENT_HOOK_POSTROUTING ? ev->hook : EVENT_HOOK_UNKNOWN]++;
	names_add(&r->ifaces, event_iface(ev)[0] ? event_iface(ev) : "(none)");
	r->proto_n[ev->has & EVENT_HAS_PROTO ? ev->proto : 256]++;
	count_source(r, ev);
	if ((ev->has & EVENT_HAS_PORTS) && ev->proto == 6)
		sat_inc(&r->tcp[ev->dport]);
	else if ((ev->has & EVENT_HAS_PORTS) && ev->proto == 17)
		sat_inc(&r->udp[ev->dport]);
	hist_add(&r->hist, ev->time_us);
}

int report_event_cb(const struct xevent *ev, void *arg)
{
	report_add(arg, ev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Summary                                                             */
/* ------------------------------------------------------------------ */

static int cmp_count(const void *a, const void *b)
{
	const struct report_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int copy_names(const struct names *t, struct report_count **out, size_t *n)
{
	size_t extra = t->other ? 1 : 0;

	*out = calloc(t->n + extra + 1, sizeof(**out));
	if (!*out)
		return -1;
	memcpy(*out, t->v, t->n * sizeof(**out));
	if (extra) {
		snprintf((*out)[t->n].name, sizeof((*out)[t->n].name), "(other)");
		(*out)[t->n].count = t->other;
	}
	*n = t->n + extra;
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_count);
	return 0;
}

static void hook_label(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "%s", event_hook_name((enum event_hook)i));
}

static void proto_label(size_t i, char *buf, size_t size)
{
	const char *name = i < 256 ? event_proto_name((unsigned)i) : "(unknown)";

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%zu", i);
}

/* Non-zero counts of an array as named counts, by count. */
static int copy_counts(const uint64_t *v, size_t n, void (*label)(size_t, char *, size_t),
		       struct report_count **out, size_t *nout)
{
	size_t k = 0;

	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			continue;
		label(i, (*out)[k].name, sizeof((*out)[k].name));
		(*out)[k++].count = v[i];
	}
	*nout = k;
	if (k > 1)
		qsort(*out, k, sizeof(**out), cmp_count);
	return 0;
}

/* The top entries of a table, by count then by address. */
static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->k0 != y->k0)
		return memcmp(&x->k0, &y->k0, 8);
	return memcmp(&x->k1, &y->k1, 8);
}

/* Heap of the best `top` slots seen so far, its worst at the root. */
static void heap_down(struct slot *h, size_t n, size_t i)
{
	for (;;) {
		size_t w = i, l = 2 * i + 1, r = l + 1;
		struct slot tmp;

		if (l < n && cmp_slot(&h[l], &h[w]) > 0)
			w = l;
		if (r < n && cmp_slot(&h[r], &h[w]) > 0)
			w = r;
		if (w == i)
			return;
		tmp = h[i];
		h[i] = h[w];
		h[w] = tmp;
		i = w;
	}
}

static void heap_up(struct slot *h, size_t i)
{
	while (i > 0 && cmp_slot(&h[i], &h[(i - 1) / 2]) > 0) {
		struct slot tmp = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

/* The top entries of a table, by count then by address, without sorting them all. */
static struct slot *top_slots(const struct table *t, size_t top, size_t *n)
{
	size_t cap = top < t->used ? top : t->used, k = 0;
	struct slot *h = malloc((cap ? cap : 1) * sizeof(*h));

	if (!h)
		return NULL;
	for (size_t i = 0; i < t->cap && cap; i++) {
		const struct slot *s = &t->slots[i];

		if (!s->count)
			continue;
		if (k < cap) {
			h[k] = *s;
			heap_up(h, k++);
		} else if (cmp_slot(s, &h[0]) < 0) {
			h[0] = *s;
			heap_down(h, k, 0);
		}
	}
	if (k > 1)
		qsort(h, k, sizeof(*h), cmp_slot);
	*n = k;
	return h;
}

static void fill_net(const struct table *nets, int family, uint64_t k0, uint64_t k1,
		     struct report_net *out)
{
	uint64_t n0, n1;
	struct slot *s;

	net_key(family, k0, k1, &n0, &n1);
	addr_of_key(n0, n1, &out->family, out->addr);
	out->len = family == AF_INET ? REPORT_NET4_LEN : REPORT_NET6_LEN;
	s = table_probe(nets->slots, nets->cap, n0, n1);
	out->count = s->count;
	out->sources = s->aux;
}

/* The networks (/24, /64) of the tracked sources, with their events and source counts. */
static int sum_nets(const struct table *all, struct table *nets)
{
	if (table_init(nets, 4096, REPORT_MAX_SOURCES) < 0)
		return -1;
	for (size_t i = 0; i < all->cap; i++) {
		const struct slot *src = &all->slots[i];
		uint64_t n0, n1;
		unsigned char a[16];
		int family;
		struct slot *n;
		bool is_new;

		if (!src->count)
			continue;
		addr_of_key(src->k0, src->k1, &family, a);
		net_key(family, src->k0, src->k1, &n0, &n1);
		n = table_get(nets, n0, n1, &is_new);
		if (!n)
			return -1;
		n->count = n->count > UINT32_MAX - src->count ? UINT32_MAX : n->count + src->count;
		n->aux++;
	}
	return 0;
}

/* Both families in one table of 16-byte keys, as the summary works on them. */
static int all_sources(const struct report *r, struct table *all)
{
	if (table_init(all, 4096, (size_t)REPORT_MAX_SOURCES * 2) < 0)
		return -1;
	for (size_t i = 0; i < r->sources.cap; i++) {
		const struct slot *src = &r->sources.slots[i];
		struct slot *d;
		bool is_new;

		if (!src->count)
			continue;
		d = table_get(all, src->k0, src->k1, &is_new);
		if (!d)
			return -1;
		*d = *src;
	}
	for (size_t i = 0; i < r->src4.cap; i++) {
		const struct slot4 *src = &r->src4.slots[i];
		unsigned char a[4] = { (unsigned char)(src->addr >> 24), (unsigned char)(src->addr >> 16),
				       (unsigned char)(src->addr >> 8), (unsigned char)src->addr };
		uint64_t k0, k1;
		struct slot *d;
		bool is_new;

		if (!src->count)
			continue;
		key_of(AF_INET, a, &k0, &k1);
		d = table_get(all, k0, k1, &is_new);
		if (!d)
			return -1;
		d->count = src->count;
	}
	return 0;
}

static int summarize_addrs(const struct report *r, size_t top, struct report_summary *o)
{
	struct table nets = { 0 }, all = { 0 };
	size_t n;
	struct slot *v;
	int ret = -1;

	if (all_sources(r, &all) < 0 || sum_nets(&all, &nets) < 0)
		goto out;
	v = top_slots(&all, top, &n);
	if (!v)
		goto out;
	o->sources = calloc(n + 1, sizeof(*o->sources));
	if (!o->sources) {
		free(v);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct report_source *s = &o->sources[i];

		addr_of_key(v[i].k0, v[i].k1, &s->family, s->addr);
		s->count = v[i].count;
		fill_net(&nets, s->family, v[i].k0, v[i].k1, &s->net);
	}
	o->nsources = n;
	free(v);

	v = top_slots(&nets, top, &n);
	if (!v)
		goto out;
	o->nets = calloc(n + 1, sizeof(*o->nets));
	if (!o->nets) {
		free(v);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct report_net *t = &o->nets[i];

		addr_of_key(v[i].k0, v[i].k1, &t->family, t->addr);
		t->len = t->family == AF_INET ? REPORT_NET4_LEN : REPORT_NET6_LEN;
		t->count = v[i].count;
		t->sources = v[i].aux;
	}
	o->nnets = n;
	free(v);
	o->distinct_sources = all.used;
	o->distinct_nets = nets.used;
	o->untracked_events = r->untracked;
	ret = 0;
out:
	free(nets.slots);
	free(all.slots);
	return ret;
}

static int cmp_port(const void *a, const void *b)
{
	const struct report_port *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int summarize_ports(const struct report *r, size_t top, struct report_summary *o)
{
	size_t k = 0;
	struct report_port *v = malloc(2 * 65536 * sizeof(*v));

	if (!v)
		return -1;
	for (unsigned p = 0; p < 65536; p++) {
		if (r->tcp[p])
			v[k++] = (struct report_port){ 6, (uint16_t)p, r->tcp[p] };
		if (r->udp[p])
			v[k++] = (struct report_port){ 17, (uint16_t)p, r->udp[p] };
	}
	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_port);
	o->nports = k < top ? k : top;
	o->ports = v;
	return 0;
}

void report_interval_name(int64_t us, char *buf, size_t size)
{
	int64_t s = us / SEC;

	if (s % 86400 == 0)
		snprintf(buf, size, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(buf, size, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(buf, size, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

/* Display buckets: the narrowest width that gives at most 48 of them. */
#define DISPLAY_BUCKETS 48

static int summarize_hist(const struct report *r, struct report_summary *o)
{
	const struct hist *h = &r->hist;
	int64_t hw = widths[h->wi], w = hw, start, end;
	size_t wi = h->wi, n;

	if (!h->any)
		return 0;
	start = h->origin + h->lo * hw;
	end = h->origin + (h->hi + 1) * hw;
	while (wi + 1 < N_WIDTHS && (floor_div(end - 1, w) - floor_div(start, w) + 1) > DISPLAY_BUCKETS)
		w = widths[++wi];
	n = (size_t)(floor_div(end - 1, w) - floor_div(start, w) + 1);
	o->buckets = calloc(n, sizeof(*o->buckets));
	if (!o->buckets)
		return -1;
	o->nbuckets = n;
	o->interval_us = w;
	for (size_t i = 0; i < n; i++)
		o->buckets[i].start_us = (floor_div(start, w) + (int64_t)i) * w;
	for (int64_t i = h->lo; i <= h->hi; i++) {
		int64_t t = h->origin + i * hw;
		int64_t b = floor_div(t, w) - floor_div(start, w);

		if (h->n[i] && b >= 0 && (size_t)b < n)
			o->buckets[b].count += h->n[i];
	}
	return 0;
}

int report_summarize(struct report *r, size_t top, struct report_summary *out,
		     struct xerr *e)
{
	report_flush(r);
	memset(out, 0, sizeof(*out));
	out->events = r->events;
	out->first_us = r->first_us;
	out->last_us = r->last_us;
	if (copy_names(&r->categories, &out->categories, &out->ncategories) < 0 ||
	    copy_counts(r->hook_n, EVENT_HOOK_POSTROUTING + 1, hook_label, &out->hooks,
			&out->nhooks) < 0 ||
	    copy_names(&r->ifaces, &out->ifaces, &out->nifaces) < 0 ||
	    copy_counts(r->proto_n, 257, proto_label, &out->protos, &out->nprotos) < 0 ||
	    summarize_addrs(r, top, out) < 0 || summarize_ports(r, top, out) < 0 ||
	    summarize_hist(r, out) < 0) {
		report_summary_free(out);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory summarizing the report");
	}
	return 0;
}

void report_summary_free(struct report_summary *s)
{
	free(s->categories);
	free(s->hooks);
	free(s->ifaces);
	free(s->protos);
	free(s->sources);
	free(s->nets);
	free(s->ports);
	free(s->buckets);
	memset(s, 0, sizeof(*s));
}
