// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Named sets' elements over netlink. Two dumps: NFT_MSG_GETSET finds the
 * named sets and their key types, NFT_MSG_GETSETELEM reads the elements of
 * each set whose key is a plain big-endian value. Interval sets come back
 * as start and end elements (the end one past the last value); they are
 * sorted and paired here into inclusive ranges, as nft itself does before
 * printing them.
 */
#include "core/setelems.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "core/grow.h"
#include "core/nldump.h"
#include "core/ruleset.h"

#define NL_BUF_SIZE (256u << 10)

/* A dump that saw the ruleset change under it (read_elems' 1 is "undecodable"). */
#define DUMP_CHANGED 2
/* Dumps of one set taken before giving up on a ruleset that keeps changing. */
#define SET_DUMP_TRIES 16

/* ---- plain key types ------------------------------------------------------ */

/* nft's datatype ids (the set's NFTA_SET_KEY_TYPE) whose values are big-endian bytes. */
static const struct {
	uint32_t type;
	uint32_t len;
} plain_keys[] = {
	{ 7, 4 },   /* ipv4_addr */
	{ 8, 16 },  /* ipv6_addr */
	{ 9, 6 },   /* ether_addr */
	{ 12, 1 },  /* inet_proto */
	{ 13, 2 },  /* inet_service */
};

static bool key_is_plain(uint32_t type, uint32_t len)
{
	for (size_t i = 0; i < sizeof(plain_keys) / sizeof(plain_keys[0]); i++)
		if (plain_keys[i].type == type && plain_keys[i].len == len)
			return true;
	return false;
}

/* ---- netlink ------------------------------------------------------------- */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf;
};

static int nl_open(struct nl *nl, struct xerr *e)
{
	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_BUF_SIZE);
	if (!nl->buf)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		if (nl->sock)
			mnl_socket_close(nl->sock);
		free(nl->buf);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open a netfilter netlink socket: %s",
				strerror(err));
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1;
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
}

/*
 * Send a dump request and feed every answer to cb. DUMP_CHANGED when the
 * ruleset changed while it was dumped (the kernel flagged the dump, or the
 * table or set went away after it was listed): the caller reads again.
 */
static int nl_dump(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
		   struct xerr *e)
{
	struct nldump_result r;
	int err;

	if (nldump_run(nl->sock, nl->buf, NL_BUF_SIZE, req, -1, cb, data, &r, e))
		return -1;
	err = r.cb_error ? r.cb_error : r.kernel_error == ENOENT ? 0 : r.kernel_error;
	if (err)
		return xerr_set(e, XNFT_EXIT_USAGE, "netlink dump: %s", strerror(err));
	return r.interrupted || r.kernel_error == ENOENT ? DUMP_CHANGED : 0;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

/* The ruleset's generation: every committed change increments it. */
static int nl_generation(struct nl *nl, uint32_t *gen, struct xerr *e)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	ssize_t got;
	int rc;

	memset(req, 0, sizeof(req));
	*gen = 0;
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETGEN, NFPROTO_UNSPEC, 0, nl->seq++);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "netlink request: %s", strerror(errno));
	got = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF_SIZE);
	if (got < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "netlink: %s", strerror(errno));
	rc = mnl_cb_run(nl->buf, (size_t)got, nlh->nlmsg_seq, nl->portid, gen_cb, gen);
	if (rc < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "reading the ruleset's generation: %s",
				strerror(errno));
	return 0;
}

int setelem_generation(uint32_t *gen, struct xerr *e)
{
	struct nl nl;
	int rc;

	if (nl_open(&nl, e))
		return -1;
	rc = nl_generation(&nl, gen, e);
	nl_close(&nl);
	return rc;
}

/* ---- the named sets -------------------------------------------------------- */

struct set_meta {
	uint32_t family;
	uint32_t flags;
	bool plain;
	char table[SETELEM_NAME_MAX];
	char name[SETELEM_NAME_MAX];
	uint32_t key_len;
};

struct meta_list {
	struct set_meta *v;
	size_t n, cap;
	bool oom;
};

static bool set_is_plain(const struct nftnl_set *s, uint32_t flags)
{
	if (flags & (NFT_SET_MAP | NFT_SET_OBJECT | NFT_SET_CONCAT | NFT_SET_EXPR))
		return false;
	/* per-element statements (counter, limit) live in the JSON listing */
	if (nftnl_set_is_set(s, NFTNL_SET_EXPR) || nftnl_set_is_set(s, NFTNL_SET_EXPRESSIONS))
		return false;
	return key_is_plain(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
			    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN));
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct meta_list *ml = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct set_meta *m;
	const char *table, *name;

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		ml->oom = !s;
		return s ? MNL_CB_OK : MNL_CB_ERROR;
	}
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	if (!table || !name || (nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS)) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	if (grow_for_one(&ml->v, &ml->cap, ml->n, sizeof(ml->v[0]), 16)) {
		nftnl_set_free(s);
		ml->oom = true;
		return MNL_CB_ERROR;
	}
	m = &ml->v[ml->n++];
	memset(m, 0, sizeof(*m));
	m->family = nftnl_set_get_u32(s, NFTNL_SET_FAMILY);
	m->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	m->plain = set_is_plain(s, m->flags);
	m->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	snprintf(m->table, sizeof(m->table), "%s", table);
	snprintf(m->name, sizeof(m->name), "%s", name);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int read_sets(struct nl *nl, struct meta_list *ml, struct xerr *e)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int rc;

	memset(ml, 0, sizeof(*ml));
	memset(req, 0, sizeof(req));
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSET, NFPROTO_UNSPEC, NLM_F_DUMP, nl->seq++);
	rc = nl_dump(nl, nlh, set_cb, ml, e);
	if (rc && !ml->oom) {
		free(ml->v);
		return rc;
	}
	if (ml->oom) {
		free(ml->v);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory listing the sets");
	}
	return 0;
}

/* ---- one set's elements ------------------------------------------------- */

/* An element as dumped: an interval set's end element marks one past its range. */
struct raw_elem {
	struct setelem_range r;
	uint32_t flags;          /* NFT_SET_ELEM_* */
	bool has_key_end;        /* concatenated ranges carry their own end */
};

struct elem_list {
	const struct set_meta *meta;
	struct raw_elem *v;
	size_t n, cap;
	char *comments;
	size_t comments_len, comments_cap;
	size_t seen;             /* elements the kernel sent, decoded or not */
	bool oom;
	bool undecodable;        /* keep reading: a dump must be drained */
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	const struct nftnl_udata **tb = data;
	uint8_t type = nftnl_udata_type(attr);

	if (type <= NFTNL_UDATA_SET_ELEM_MAX)
		tb[type] = attr;
	return 0;
}

/* Keep an element's comment; 0 when it has none. */
static uint32_t keep_comment(struct elem_list *el, struct nftnl_set_elem *x)
{
	const struct nftnl_udata *tb[NFTNL_UDATA_SET_ELEM_MAX + 1] = { 0 };
	uint32_t len = 0;
	const void *ud = nftnl_set_elem_get(x, NFTNL_SET_ELEM_USERDATA, &len);
	const char *text;
	size_t tlen, need;
	uint32_t off;

	if (!ud || nftnl_udata_parse(ud, len, udata_cb, tb) < 0 ||
	    !tb[NFTNL_UDATA_SET_ELEM_COMMENT])
		return 0;
	text = nftnl_udata_get(tb[NFTNL_UDATA_SET_ELEM_COMMENT]);
	tlen = strnlen(text, nftnl_udata_len(tb[NFTNL_UDATA_SET_ELEM_COMMENT]));
	need = el->comments_len + tlen + 1;
	if (need > UINT32_MAX - 1)
		return 0;
	if (need > el->comments_cap) {
		size_t cap = need * 2;
		char *c = realloc(el->comments, cap);

		if (!c) {
			el->oom = true;
			return 0;
		}
		el->comments = c;
		el->comments_cap = cap;
	}
	off = (uint32_t)el->comments_len;
	memcpy(el->comments + off, text, tlen);
	el->comments[off + tlen] = '\0';
	el->comments_len = need;
	return off + 1;
}

static int raw_push(struct elem_list *el, struct nftnl_set_elem *x)
{
	uint32_t klen = 0, elen = 0;
	const void *key = nftnl_set_elem_get(x, NFTNL_SET_ELEM_KEY, &klen);
	const void *end = nftnl_set_elem_get(x, NFTNL_SET_ELEM_KEY_END, &elen);
	struct raw_elem *r;

	if (grow_for_one(&el->v, &el->cap, el->n, sizeof(el->v[0]), 256)) {
		el->oom = true;
		return -1;
	}
	el->seen++;
	if (el->undecodable)
		return 0;
	r = &el->v[el->n];
	memset(r, 0, sizeof(*r));
	if (nftnl_set_elem_is_set(x, NFTNL_SET_ELEM_FLAGS))
		r->flags = nftnl_set_elem_get_u32(x, NFTNL_SET_ELEM_FLAGS);
	if ((r->flags & NFT_SET_ELEM_CATCHALL) || !key || klen != el->meta->key_len ||
	    klen > SETELEM_KEY_MAX || (end && elen != klen)) {
		el->undecodable = true;
		return 0;
	}
	memcpy(r->r.lo, key, klen);
	memcpy(r->r.hi, end ? end : key, klen);
	r->has_key_end = end != NULL;
	if (nftnl_set_elem_is_set(x, NFTNL_SET_ELEM_TIMEOUT))
		r->r.timeout_ms = nftnl_set_elem_get_u64(x, NFTNL_SET_ELEM_TIMEOUT);
	if (nftnl_set_elem_is_set(x, NFTNL_SET_ELEM_EXPIRATION))
		r->r.expires_ms = nftnl_set_elem_get_u64(x, NFTNL_SET_ELEM_EXPIRATION);
	r->r.comment = keep_comment(el, x);
	el->n++;
	return 0;
}

static int push_cb(struct nftnl_set_elem *x, void *data)
{
	return raw_push(data, x);
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_list *el = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		el->oom = !s;
		return MNL_CB_ERROR;
	}
	nftnl_set_elem_foreach(s, push_cb, el);
	nftnl_set_free(s);
	return el->oom ? MNL_CB_ERROR : MNL_CB_OK;
}

static int read_elems(struct nl *nl, struct elem_list *el, struct xerr *e)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!s)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	/* attribute padding goes to the kernel too: no stack garbage in it */
	memset(req, 0, sizeof(req));
	nftnl_set_set_str(s, NFTNL_SET_TABLE, el->meta->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, el->meta->name);
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSETELEM, (uint16_t)el->meta->family,
				    NLM_F_DUMP, nl->seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	rc = nl_dump(nl, nlh, elem_cb, el, e);
	if (el->oom)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading set %s",
				el->meta->name);
	if (rc)
		return rc;
	return el->undecodable ? 1 : 0;
}

/* ---- intervals -------------------------------------------------------------- */

static size_t sort_key_len;

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_elem *x = a, *y = b;
	int d = memcmp(x->r.lo, y->r.lo, sort_key_len);

	if (d)
		return d;
	/* an end and a start on one value: [a, v) then [v, b) */
	return (int)(y->flags & NFT_SET_ELEM_INTERVAL_END) -
	       (int)(x->flags & NFT_SET_ELEM_INTERVAL_END);
}

/* v - 1 in place, big-endian; v is not zero. */
static void be_decrement(uint8_t *v, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		if (v[i]--)
			return;
	}
}

/*
 * Pair starts with the end that follows them. An end with no open start is
 * the marker nft puts at 0; two starts in a row, or an end inside a
 * concatenated range, is a shape this reader does not know: 1.
 */
static int pair_intervals(struct elem_list *el)
{
	size_t out = 0, len = el->meta->key_len;
	struct raw_elem *open = NULL;

	sort_key_len = len;
	if (el->n)
		qsort(el->v, el->n, sizeof(*el->v), raw_cmp);
	for (size_t i = 0; i < el->n; i++) {
		struct raw_elem *x = &el->v[i];

		if (x->has_key_end) {
			if (open)
				return 1;
			el->v[out++] = *x;
		} else if (x->flags & NFT_SET_ELEM_INTERVAL_END) {
			if (!open)
				continue;
			memcpy(open->r.hi, x->r.lo, len);
			be_decrement(open->r.hi, len);
			el->v[out++] = *open;
			open = NULL;
		} else {
			if (open)
				return 1;
			/* the slot being read is at or past out: keep a copy */
			el->v[out] = *x;
			open = &el->v[out];
		}
	}
	if (open) {
		memset(open->r.hi, 0xff, len);
		out++;
	}
	el->n = out;
	return 0;
}

/* ---- the dump ---------------------------------------------------------------- */

void setelem_set_free(struct setelem_set *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->comments);
	s->v = NULL;
	s->comments = NULL;
	s->n = 0;
	s->comments_len = 0;
}

void setelem_dump_free(struct setelem_dump *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		setelem_set_free(&d->v[i]);
	free(d->v);
	free(d->others);
	d->v = NULL;
	d->n = 0;
	d->others = NULL;
	d->nothers = 0;
}

int setelem_dump_take(struct setelem_dump *d, struct setelem_set *s)
{
	struct setelem_set *v = realloc(d->v, (d->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	d->v = v;
	d->v[d->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

/* Move what was read of one set into the dump; 1 when it cannot be decoded. */
static int keep_set(struct setelem_dump *d, struct elem_list *el)
{
	struct setelem_set s = { 0 };

	if ((el->meta->flags & NFT_SET_INTERVAL) && pair_intervals(el))
		return 1;
	if (!(el->meta->flags & NFT_SET_INTERVAL)) {
		sort_key_len = el->meta->key_len;
		if (el->n)
			qsort(el->v, el->n, sizeof(*el->v), raw_cmp);
	}
	s.family = el->meta->family;
	s.flags = el->meta->flags;
	s.key_len = el->meta->key_len;
	memcpy(s.table, el->meta->table, sizeof(s.table));
	memcpy(s.name, el->meta->name, sizeof(s.name));
	s.n = el->n;
	s.v = el->n ? malloc(el->n * sizeof(*s.v)) : NULL;
	if (el->n && !s.v)
		return -1;
	for (size_t i = 0; i < el->n; i++)
		s.v[i] = el->v[i].r;
	s.comments = el->comments;
	s.comments_len = el->comments_len;
	el->comments = NULL;
	if (setelem_dump_take(d, &s)) {
		setelem_set_free(&s);
		return -1;
	}
	return 0;
}

static int add_other(struct setelem_dump *d, const struct set_meta *m)
{
	struct setelem_other *v = realloc(d->others, (d->nothers + 1) * sizeof(*v));

	if (!v)
		return -1;
	d->others = v;
	v = &d->others[d->nothers++];
	memset(v, 0, sizeof(*v));
	v->family = m->family;
	v->is_map = (m->flags & (NFT_SET_MAP | NFT_SET_OBJECT)) != 0;
	memcpy(v->table, m->table, sizeof(v->table));
	memcpy(v->name, m->name, sizeof(v->name));
	return 0;
}

/*
 * Dump one set's elements with no commit in between: the kernel does not
 * flag a set element dump that a commit cut through (elements can be
 * skipped or seen twice), so the ruleset generation is read before and
 * after, and the dump taken again when it moved. DUMP_CHANGED when it kept
 * moving.
 */
static int read_elems_steady(struct nl *nl, struct elem_list *el, struct xerr *e)
{
	uint32_t before, after;
	int rc = DUMP_CHANGED;

	for (int attempt = 0; attempt < SET_DUMP_TRIES && rc == DUMP_CHANGED; attempt++) {
		free(el->v);
		free(el->comments);
		*el = (struct elem_list){ .meta = el->meta };
		if (nl_generation(nl, &before, e))
			return -1;
		rc = read_elems(nl, el, e);
		if (rc >= 0 && rc != DUMP_CHANGED && nl_generation(nl, &after, e))
			return -1;
		if (rc >= 0 && rc != DUMP_CHANGED && after != before)
			rc = DUMP_CHANGED;
	}
	return rc;
}

/* Read one set: into the dump when decodable, else named among the others. */
static int dump_one(struct nl *nl, const struct set_meta *m, struct setelem_dump *d,
		    struct xerr *e)
{
	struct set_meta probe = *m;
	struct elem_list el = { .meta = &probe };
	int rc;

	/* a set left to the JSON listing is read only to learn whether it is empty */
	if (!m->plain)
		probe.key_len = 0;
	rc = read_elems_steady(nl, &el, e);
	if (rc == 0 && m->plain)
		rc = keep_set(d, &el);
	if (rc == 1 || (rc == 0 && !m->plain && el.seen))
		rc = add_other(d, m);
	if (rc == DUMP_CHANGED)
		rc = 1;
	if (rc < 0 && !e->msg[0])
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading set %s", m->name);
	free(el.v);
	free(el.comments);
	return rc;
}

int setelem_dump_read(struct setelem_dump *d, bool leave_open, struct xerr *e)
{
	struct meta_list ml;
	struct nl nl;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	xerr_clear(e);
	if (nl_open(&nl, e))
		return -1;
	rc = read_sets(&nl, &ml, e);
	if (rc == 0) {
		for (size_t i = 0; i < ml.n && rc == 0; i++)
			rc = dump_one(&nl, &ml.v[i], d, e);
		free(ml.v);
	} else {
		rc = rc == DUMP_CHANGED ? 1 : -1;
	}
	if (leave_open)
		free(nl.buf);
	else
		nl_close(&nl);
	if (rc)
		setelem_dump_free(d);
	return rc;
}

static bool name_in(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

int setelem_read_named(const char *family, const char *table, const char *const *names,
		       size_t nnames, struct setelem_dump *d, struct xerr *e)
{
	struct meta_list ml;
	struct nl nl;
	int rc = DUMP_CHANGED;
	bool listed;

	memset(d, 0, sizeof(*d));
	xerr_clear(e);
	if (nl_open(&nl, e))
		return -1;
	for (int attempt = 0; attempt < SET_DUMP_TRIES && rc == DUMP_CHANGED; attempt++)
		rc = read_sets(&nl, &ml, e);
	listed = rc == 0;   /* read_sets keeps ml only when it succeeds */
	for (size_t i = 0; rc == 0 && i < ml.n; i++) {
		const struct set_meta *m = &ml.v[i];
		const char *fam = setelem_family_name(m->family);

		if (m->plain && fam && !strcmp(fam, family) && !strcmp(m->table, table) &&
		    name_in(m->name, names, nnames))
			rc = dump_one(&nl, m, d, e);
	}
	if (listed)
		free(ml.v);
	nl_close(&nl);
	if (rc == DUMP_CHANGED)
		rc = 1;
	if (rc)
		setelem_dump_free(d);
	return rc;
}

/* ---- the sandbox's pipe ------------------------------------------------------ */

struct packed_head {
	uint32_t family;
	uint32_t flags;
	uint32_t key_len;
	uint64_t n;
	uint64_t comments_len;
	char table[SETELEM_NAME_MAX];
	char name[SETELEM_NAME_MAX];
};

void *setelem_set_pack(const struct setelem_set *s, size_t *len)
{
	struct packed_head h = { 0 };
	size_t ranges = s->n * sizeof(*s->v);
	char *buf, *p;

	*len = sizeof(h) + ranges + s->comments_len;
	buf = malloc(*len);
	if (!buf)
		return NULL;
	h.family = s->family;
	h.flags = s->flags;
	h.key_len = s->key_len;
	h.n = s->n;
	h.comments_len = s->comments_len;
	memcpy(h.table, s->table, sizeof(h.table));
	memcpy(h.name, s->name, sizeof(h.name));
	p = buf;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (ranges)
		memcpy(p, s->v, ranges);
	p += ranges;
	if (s->comments_len)
		memcpy(p, s->comments, s->comments_len);
	return buf;
}

int setelem_set_unpack(const void *buf, size_t len, struct setelem_set *s)
{
	struct packed_head h;
	const char *p = buf;

	memset(s, 0, sizeof(*s));
	if (len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	p += sizeof(h);
	if (h.key_len > SETELEM_KEY_MAX || h.n > (len - sizeof(h)) / sizeof(*s->v) ||
	    h.comments_len != len - sizeof(h) - h.n * sizeof(*s->v) ||
	    (h.comments_len && p[h.n * sizeof(*s->v) + h.comments_len - 1] != '\0'))
		return -1;
	s->family = h.family;
	s->flags = h.flags;
	s->key_len = h.key_len;
	memcpy(s->table, h.table, sizeof(s->table));
	memcpy(s->name, h.name, sizeof(s->name));
	s->table[sizeof(s->table) - 1] = '\0';
	s->name[sizeof(s->name) - 1] = '\0';
	s->n = h.n;
	s->v = h.n ? malloc(h.n * sizeof(*s->v)) : NULL;
	s->comments = h.comments_len ? malloc(h.comments_len) : NULL;
	if ((h.n && !s->v) || (h.comments_len && !s->comments)) {
		setelem_set_free(s);
		return -1;
	}
	if (h.n)
		memcpy(s->v, p, h.n * sizeof(*s->v));
	if (h.comments_len)
		memcpy(s->comments, p + h.n * sizeof(*s->v), h.comments_len);
	s->comments_len = h.comments_len;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].comment > s->comments_len) {
			setelem_set_free(s);
			return -1;
		}
	}
	return 0;
}

/* ---- into the model ------------------------------------------------------------ */

static const struct {
	uint32_t nfproto;
	enum rs_family family;
	const char *name;
} families[] = {
	{ NFPROTO_INET, RS_FAM_INET, "inet" }, { NFPROTO_IPV4, RS_FAM_IP, "ip" },
	{ NFPROTO_IPV6, RS_FAM_IP6, "ip6" },   { NFPROTO_ARP, RS_FAM_ARP, "arp" },
	{ NFPROTO_BRIDGE, RS_FAM_BRIDGE, "bridge" }, { NFPROTO_NETDEV, RS_FAM_NETDEV, "netdev" },
};

const char *setelem_family_name(uint32_t family)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].nfproto == family)
			return families[i].name;
	return NULL;
}

static enum rs_family family_of(uint32_t nfproto)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].nfproto == nfproto)
			return families[i].family;
	return RS_FAM_UNKNOWN;
}

/* The prefix length when lo..hi is exactly one prefix; -1 otherwise. */
static int prefix_len(const uint8_t *lo, const uint8_t *hi, size_t len)
{
	size_t bits = len * 8, host = 0;

	/* count the trailing bits where lo has 0 and hi has 1 */
	while (host < bits) {
		size_t byte = len - 1 - host / 8;
		unsigned bit = 1u << (host % 8);

		if ((lo[byte] & bit) || !(hi[byte] & bit))
			break;
		host++;
	}
	for (size_t i = host; i < bits; i++) {
		size_t byte = len - 1 - i / 8;
		unsigned bit = 1u << (i % 8);

		if ((lo[byte] & bit) != (hi[byte] & bit))
			return -1;
	}
	return (int)(bits - host);
}

/* The term nft would list: one value, an address prefix, or a range. */
static int range_term(const struct setelem_range *r, enum rs_dtype dt, unsigned bits,
		      size_t len, struct rs_term *t)
{
	bool is_addr = dt == RS_DT_IPV4 || dt == RS_DT_IPV6;
	int plen = is_addr ? prefix_len(r->lo, r->hi, len) : -1;

	memset(t, 0, sizeof(*t));
	if (!memcmp(r->lo, r->hi, len)) {
		t->kind = RS_TERM_VALUE;
		return rs_value_from_bytes(&t->v, dt, bits, r->lo, len);
	}
	if (plen >= 0) {
		t->kind = RS_TERM_PREFIX;
		t->plen = (unsigned)plen;
		return rs_value_from_bytes(&t->v, dt, bits, r->lo, len);
	}
	t->kind = RS_TERM_RANGE;
	if (rs_value_from_bytes(&t->v, dt, bits, r->lo, len))
		return -1;
	return rs_value_from_bytes(&t->hi, dt, bits, r->hi, len);
}

static int fill_set(struct rs_set *set, const struct setelem_set *s, struct xerr *e)
{
	enum rs_dtype dt = set->key.part[0].dtype;
	unsigned bits = set->key.part[0].bits ? set->key.part[0].bits : s->key_len * 8;

	if (set->is_map || set->key.n != 1 || bits != s->key_len * 8 || set->nelems)
		return xerr_set(e, XNFT_EXIT_USAGE,
				"set %s: the kernel's element dump does not fit the listed set "
				"(key of %u bytes)", s->name, s->key_len);
	set->elems = s->n ? calloc(s->n, sizeof(*set->elems)) : NULL;
	if (s->n && !set->elems)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	for (size_t i = 0; i < s->n; i++) {
		const struct setelem_range *r = &s->v[i];
		struct rs_elem *el = &set->elems[i];

		set->nelems++;
		el->timeout_ms = r->timeout_ms;
		el->expires_ms = r->expires_ms;
		if (range_term(r, dt, bits, s->key_len, &el->key) ||
		    (r->comment && !(el->comment = strdup(s->comments + r->comment - 1))))
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	return 0;
}

int setelem_dump_apply(const struct setelem_dump *d, struct ruleset *rs, struct xerr *e)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct setelem_set *s = &d->v[i];
		struct rs_table *t = ruleset_table(rs, family_of(s->family), s->table);
		struct rs_set *set = t ? rs_table_set(t, s->name) : NULL;

		if (!set)
			return xerr_set(e, XNFT_EXIT_USAGE,
					"set %s %s %s is in the kernel's element dump but not in "
					"its listing", setelem_family_name(s->family), s->table,
					s->name);
		if (fill_set(set, s, e))
			return -1;
	}
	return 0;
}
