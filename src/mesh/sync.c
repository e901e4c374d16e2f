// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/sync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/nftctx.h"
#include "core/setelems.h"
#include "mesh/wgread.h"

/* An element as lo..hi (big-endian, 4 or 16 bytes). */
struct range {
	int family;
	unsigned char lo[16], hi[16];
};

struct ranges {
	struct range *v;
	size_t n;
};

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static struct range prefix_range(const struct prefix *p)
{
	struct range r = { .family = p->family };
	size_t n = alen(p->family);

	memcpy(r.lo, p->addr, n);
	memcpy(r.hi, p->addr, n);
	for (size_t bit = p->len; bit < n * 8; bit++)
		r.hi[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
	return r;
}

static bool range_eq(const struct range *a, const struct range *b)
{
	size_t n = alen(a->family);

	return a->family == b->family && !memcmp(a->lo, b->lo, n) && !memcmp(a->hi, b->hi, n);
}

static bool ranges_have(const struct ranges *rs, const struct range *r)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (range_eq(&rs->v[i], r))
			return true;
	}
	return false;
}

static int ranges_push(struct ranges *rs, const struct range *r)
{
	struct range *v;

	if (ranges_have(rs, r))
		return 0;
	if (!(v = realloc(rs->v, (rs->n + 1) * sizeof(*v))))
		return -1;
	rs->v = v;
	rs->v[rs->n++] = *r;
	return 0;
}

/* "10.10.0.2/32" when lo..hi is one prefix, else "lo-hi". */
static void range_text(const struct range *r, char *buf, size_t size)
{
	size_t n = alen(r->family), len = n * 8;
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	struct prefix p = { .family = r->family };

	while (len > 0) {
		size_t bit = len - 1;
		unsigned char m = (unsigned char)(0x80 >> (bit % 8));

		if ((r->lo[bit / 8] & m) || !(r->hi[bit / 8] & m))
			break;
		len--;
	}
	memcpy(p.addr, r->lo, n);
	p.len = (unsigned)len;
	if (!memcmp(prefix_range(&p).hi, r->hi, n)) {
		prefix_format(&p, buf, size);
		return;
	}
	inet_ntop(r->family, r->lo, lo, sizeof(lo));
	inet_ntop(r->family, r->hi, hi, sizeof(hi));
	snprintf(buf, size, "%s-%s", lo, hi);
}

/* The sets as the kernel has them now. */
static int read_current(const struct mesh_sync_opts *o, struct ranges *cur, bool have[2],
			struct xerr *e)
{
	const char *names[2] = { o->set4, o->set6 };
	struct setelem_dump d = { 0 };
	int rc = 1;

	for (int tries = 0; rc == 1 && tries < 5; tries++)
		rc = setelem_read_named("inet", o->table, names, 2, &d, e);
	if (rc)
		return rc < 0 ? -1 : xerr_set(e, XNFT_EXIT_USAGE, "the ruleset kept changing while "
					      "MESH_PEERS was read; try again");
	for (size_t s = 0; s < d.n; s++) {
		int family = d.v[s].key_len == 4 ? AF_INET : AF_INET6;

		have[family == AF_INET6] = true;
		for (size_t i = 0; i < d.v[s].n; i++) {
			struct range r = { .family = family };

			memcpy(r.lo, d.v[s].v[i].lo, alen(family));
			memcpy(r.hi, d.v[s].v[i].hi, alen(family));
			if (ranges_push(cur, &r) < 0) {
				setelem_dump_free(&d);
				return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			}
		}
	}
	setelem_dump_free(&d);
	return 0;
}

/* The ranges of family in `of` missing from `in`, as "a, b, c"; how many. */
static size_t put_items(FILE *f, int family, const struct ranges *of, const struct ranges *in)
{
	char text[2 * INET6_ADDRSTRLEN + 2];
	size_t n = 0;

	for (size_t i = 0; i < of->n; i++) {
		if (of->v[i].family != family || ranges_have(in, &of->v[i]))
			continue;
		range_text(&of->v[i], text, sizeof(text));
		fprintf(f, "%s%s", n++ ? ", " : "", text);
	}
	return n;
}

static int build_batch(const struct mesh_sync_opts *o, const struct ranges *cur,
		       const struct ranges *want, char **cmd, struct mesh_sync_result *r)
{
	size_t len = 0;
	FILE *f = open_memstream(cmd, &len);

	if (!f)
		return -1;
	/* Deletions first: a new /32 inside an old /24 must not overlap it when added. */
	for (int pass = 0; pass < 2; pass++) {
		for (int fi = 0; fi < 2; fi++) {
			int family = fi ? AF_INET6 : AF_INET;
			const struct ranges *of = pass ? want : cur, *in = pass ? cur : want;
			char *items = NULL;
			size_t ilen = 0, n;
			FILE *g = open_memstream(&items, &ilen);

			if (!g) {
				fclose(f);
				return -1;
			}
			n = put_items(g, family, of, in);
			fclose(g);
			if (n)
				fprintf(f, "%s element inet %s %s { %s }\n", pass ? "add" : "delete",
					o->table, fi ? o->set6 : o->set4, items);
			*(pass ? &r->added : &r->removed) += n;
			free(items);
		}
	}
	return fclose(f) ? -1 : 0;
}

/* ---- conntrack --------------------------------------------------------------------- */

struct ct_ctx {
	const struct ranges *gone;
	struct nf_conntrack **v;
	size_t n;
	bool oom;
};

static bool in_gone(const struct ranges *gone, int family, const void *addr)
{
	size_t n = alen(family);

	for (size_t i = 0; addr && i < gone->n; i++) {
		if (gone->v[i].family == family && memcmp(addr, gone->v[i].lo, n) >= 0 &&
		    memcmp(addr, gone->v[i].hi, n) <= 0)
			return true;
	}
	return false;
}

static int on_conntrack(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct ct_ctx *c = data;
	int family = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	bool v4 = family == AF_INET;
	struct nf_conntrack **v;

	(void)type;
	if (family != AF_INET && family != AF_INET6)
		return NFCT_CB_CONTINUE;
	if (!in_gone(c->gone, family, nfct_get_attr(ct, v4 ? ATTR_ORIG_IPV4_SRC : ATTR_ORIG_IPV6_SRC)) &&
	    !in_gone(c->gone, family, nfct_get_attr(ct, v4 ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST)))
		return NFCT_CB_CONTINUE;
	if (!(v = realloc(c->v, (c->n + 1) * sizeof(*v))) || !(v[c->n] = nfct_clone(ct))) {
		if (v)
			c->v = v;
		c->oom = true;
		return NFCT_CB_STOP;
	}
	c->v = v;
	c->n++;
	return NFCT_CB_CONTINUE;
}

/* Delete every conntrack entry from or to the removed ranges. */
static int conntrack_cut(const struct ranges *gone, size_t *deleted, struct xerr *e)
{
	struct ct_ctx c = { .gone = gone };
	uint32_t family = AF_UNSPEC;
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	int rc = 0;

	if (!h)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open conntrack: %s", strerror(errno));
	nfct_callback_register(h, NFCT_T_ALL, on_conntrack, &c);
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0 && errno != ENOENT) {
		rc = xerr_set(e, XNFT_EXIT_USAGE, "conntrack dump failed: %s", strerror(errno));
		goto out;
	}
	if (c.oom)
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	for (size_t i = 0; i < c.n && !rc; i++) {
		/* ENOENT: the entry ended between the dump and now. */
		if (nfct_query(h, NFCT_Q_DESTROY, c.v[i]) == 0)
			(*deleted)++;
		else if (errno != ENOENT)
			rc = xerr_set(e, XNFT_EXIT_USAGE, "deleting a conntrack entry failed: %s",
				      strerror(errno));
	}
out:
	for (size_t i = 0; i < c.n; i++)
		nfct_destroy(c.v[i]);
	free(c.v);
	nfct_close(h);
	return rc;
}

/* ---- the sync -------------------------------------------------------------------------- */

static int want_from_wg(const struct mesh_sync_opts *o, struct ranges *want,
			struct mesh_sync_result *r, struct xerr *e)
{
	struct wg_allowed wa;

	if (wg_read_allowed(o->iface, &wa, e) < 0)
		return -1;
	r->npeers = wa.npeers;
	r->source = wa.source;
	for (size_t i = 0; i < wa.n; i++) {
		struct range rg = prefix_range(&wa.v[i]);

		if (ranges_push(want, &rg) < 0) {
			wg_allowed_free(&wa);
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		}
	}
	wg_allowed_free(&wa);
	return 0;
}

static int apply_batch(const char *cmd, struct xerr *e)
{
	struct nftctx *ctx = nftctx_new(0, e);
	int rc;

	if (!ctx)
		return -1;
	rc = nftctx_load_buffer(ctx, "sync-peers", cmd, NULL, e);
	nftctx_free(ctx);
	if (rc < 0)
		xerr_wrap(e, "the kernel refused the set update (nothing changed)");
	return rc;
}

static void count_after(const struct ranges *want, struct mesh_sync_result *r)
{
	for (size_t i = 0; i < want->n; i++)
		*(want->v[i].family == AF_INET ? &r->n4 : &r->n6) += 1;
}

int mesh_sync(const struct mesh_sync_opts *o_in, struct mesh_sync_result *r, struct xerr *e)
{
	struct mesh_sync_opts o = *o_in;
	struct ranges cur = { 0 }, want = { 0 }, gone = { 0 };
	bool have[2] = { false, false };
	char *cmd = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	o.iface = o.iface ? o.iface : "wg0";
	o.table = o.table ? o.table : "xnft";
	o.set4 = o.set4 ? o.set4 : "MESH_PEERS";
	o.set6 = o.set6 ? o.set6 : "MESH_PEERS6";
	if (want_from_wg(&o, &want, r, e) < 0 || read_current(&o, &cur, have, e) < 0)
		goto out;
	if (!have[0] || !have[1]) {
		xerr_set(e, XNFT_EXIT_USAGE, "no set %s in table inet %s", have[0] ? o.set6 : o.set4,
			 o.table);
		xerr_hint(e, "apply the xnft policy first (xnft apply)");
		goto out;
	}
	if (build_batch(&o, &cur, &want, &cmd, r) < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		goto out;
	}
	if (*cmd && apply_batch(cmd, e) < 0)
		goto out;
	count_after(&want, r);
	for (size_t i = 0; i < cur.n; i++) {
		if (!ranges_have(&want, &cur.v[i]) && ranges_push(&gone, &cur.v[i]) < 0) {
			xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			goto out;
		}
	}
	rc = gone.n && !o.keep_conntrack ? conntrack_cut(&gone, &r->ct_deleted, e) : 0;
out:
	free(cmd);
	free(cur.v);
	free(want.v);
	free(gone.v);
	return rc;
}
