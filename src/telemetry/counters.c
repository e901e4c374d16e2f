// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counters over netlink (counters.h): four dumps on one socket (chains,
 * rules, sets, counter objects) and, for element counts, one per set.
 */
#include "telemetry/counters.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "core/nldump.h"
#include "core/policy_load.h"
#include "core/setelems.h"
#include "core/srcloc.h"

#define TM_BUF_LEN (64 * 1024)
#define TM_TIMEOUT_MS 5000

struct tm_reader {
	struct mnl_socket *sock;
	uint32_t seq;
	char *buf;
	struct tm_snapshot *s;
	uint32_t family;          /* NFPROTO_UNSPEC: every table */
	const char *table;        /* NULL: every table */
	size_t *count;            /* element count of the set being dumped */
};

const char *tm_family_name(uint32_t family)
{
	const char *n = setelem_family_name(family);

	return n ? n : "unknown";
}

static uint32_t family_value(const char *name)
{
	static const uint32_t all[] = { NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_ARP,
					NFPROTO_BRIDGE, NFPROTO_NETDEV };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(setelem_family_name(all[i]), name))
			return all[i];
	return NFPROTO_UNSPEC;
}

static bool wanted(const struct tm_reader *rd, uint32_t family, const char *table)
{
	return !rd->table || (family == rd->family && table && !strcmp(rd->table, table));
}

/* Grow *v (of *n items of size sz) by one zeroed item; NULL out of memory. */
static void *grow(void *vp, size_t *n, size_t sz)
{
	void **v = vp;
	char *p = realloc(*v, (*n + 1) * sz);

	if (!p)
		return NULL;
	*v = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, TM_NAME_MAX, "%s", src ? src : "");
}

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct tm_reader *rd = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct tm_chain *tc;
	int rc = MNL_CB_ERROR;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	rc = MNL_CB_OK;
	if (!wanted(rd, nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
		    nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE)))
		goto out;
	tc = grow(&rd->s->chains, &rd->s->nchains, sizeof(*tc));
	if (!tc) {
		rc = MNL_CB_ERROR;
		goto out;
	}
	tc->family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	copy_name(tc->table, nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
	copy_name(tc->name, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	tc->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
	tc->policy_drop = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
			  nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP;
out:
	nftnl_chain_free(c);
	return rc;
}

static int on_comment(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0)
		*comment = nftnl_udata_get(attr);
	return 0;
}

/* Expressions that only count, log or decide: a rule of nothing else matches everything. */
static bool matches_nothing(const char *name)
{
	static const char *const passive[] = { "counter", "objref", "log", "immediate", "reject",
					       "notrack" };

	for (size_t i = 0; i < sizeof(passive) / sizeof(passive[0]); i++)
		if (!strcmp(name, passive[i]))
			return true;
	return false;
}

static int on_expr(struct nftnl_expr *x, void *data)
{
	struct tm_rule *r = data;
	const char *name = nftnl_expr_get_str(x, NFTNL_EXPR_NAME);

	if (!name)
		return 0;
	if (!strcmp(name, "counter")) {
		r->has_counter = true;
		r->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
		r->bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
	} else if (!strcmp(name, "objref") && nftnl_expr_is_set(x, NFTNL_EXPR_OBJREF_IMM_NAME) &&
		   nftnl_expr_get_u32(x, NFTNL_EXPR_OBJREF_IMM_TYPE) == NFT_OBJECT_COUNTER) {
		free(r->counter_name);
		r->counter_name = strdup(nftnl_expr_get_str(x, NFTNL_EXPR_OBJREF_IMM_NAME));
		r->has_counter = r->counter_name != NULL;
	} else if (!strcmp(name, "reject")) {
		r->drops = true;
	} else if (!strcmp(name, "immediate") && nftnl_expr_is_set(x, NFTNL_EXPR_IMM_VERDICT) &&
		   (int)nftnl_expr_get_u32(x, NFTNL_EXPR_IMM_VERDICT) == NF_DROP) {
		r->drops = true;
	}
	if (!matches_nothing(name))
		r->catch_all = false;
	return 0;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct tm_reader *rd = data;
	struct nftnl_rule *nr = nftnl_rule_alloc();
	const char *comment = NULL;
	struct tm_rule *r;
	int rc = MNL_CB_ERROR;

	if (!nr)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, nr) < 0)
		goto out;
	rc = MNL_CB_OK;
	if (!wanted(rd, nftnl_rule_get_u32(nr, NFTNL_RULE_FAMILY),
		    nftnl_rule_get_str(nr, NFTNL_RULE_TABLE)))
		goto out;
	r = grow(&rd->s->rules, &rd->s->nrules, sizeof(*r));
	if (!r) {
		rc = MNL_CB_ERROR;
		goto out;
	}
	r->family = nftnl_rule_get_u32(nr, NFTNL_RULE_FAMILY);
	copy_name(r->table, nftnl_rule_get_str(nr, NFTNL_RULE_TABLE));
	copy_name(r->chain, nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN));
	r->handle = nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE);
	r->catch_all = true;
	nftnl_expr_foreach(nr, on_expr, r);
	r->catch_all = r->catch_all && r->drops;
	if (nftnl_rule_is_set(nr, NFTNL_RULE_USERDATA)) {
		uint32_t len = 0;
		const void *ud = nftnl_rule_get_data(nr, NFTNL_RULE_USERDATA, &len);

		nftnl_udata_parse(ud, len, on_comment, &comment);
	}
	if (comment && !(r->comment = strndup(comment, 4096)))
		rc = MNL_CB_ERROR;
out:
	nftnl_rule_free(nr);
	return rc;
}

static int on_set(const struct nlmsghdr *nlh, void *data)
{
	struct tm_reader *rd = data;
	struct nftnl_set *ns = nftnl_set_alloc();
	struct tm_set *ts;
	int rc = MNL_CB_ERROR;

	if (!ns)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, ns) < 0)
		goto out;
	rc = MNL_CB_OK;
	/* anonymous sets (a rule's `{ 22, 80 }`) belong to their rule, not to the metrics */
	if (!wanted(rd, nftnl_set_get_u32(ns, NFTNL_SET_FAMILY),
		    nftnl_set_get_str(ns, NFTNL_SET_TABLE)) ||
	    (nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS))
		goto out;
	ts = grow(&rd->s->sets, &rd->s->nsets, sizeof(*ts));
	if (!ts) {
		rc = MNL_CB_ERROR;
		goto out;
	}
	ts->family = nftnl_set_get_u32(ns, NFTNL_SET_FAMILY);
	copy_name(ts->table, nftnl_set_get_str(ns, NFTNL_SET_TABLE));
	copy_name(ts->name, nftnl_set_get_str(ns, NFTNL_SET_NAME));
	if (nftnl_set_is_set(ns, NFTNL_SET_DESC_SIZE))
		ts->size_limit = nftnl_set_get_u32(ns, NFTNL_SET_DESC_SIZE);
out:
	nftnl_set_free(ns);
	return rc;
}

/* Count the elements of one answer without decoding them; an interval's end does not count. */
static int on_elems(const struct nlmsghdr *nlh, void *data)
{
	struct tm_reader *rd = data;
	const struct nlattr *a, *el, *f;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			bool end = false;

			mnl_attr_for_each_nested(f, el)
				if (mnl_attr_get_type(f) == NFTA_SET_ELEM_FLAGS &&
				    mnl_attr_get_payload_len(f) >= 4)
					end = ntohl(mnl_attr_get_u32(f)) & NFT_SET_ELEM_INTERVAL_END;
			if (!end)
				(*rd->count)++;
		}
	}
	return MNL_CB_OK;
}

static int on_obj(const struct nlmsghdr *nlh, void *data)
{
	struct tm_reader *rd = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct tm_counter *tc;
	int rc = MNL_CB_ERROR;

	if (!o)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0)
		goto out;
	rc = MNL_CB_OK;
	if (!wanted(rd, nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY),
		    nftnl_obj_get_str(o, NFTNL_OBJ_TABLE)) ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER)
		goto out;
	tc = grow(&rd->s->counters, &rd->s->ncounters, sizeof(*tc));
	if (!tc) {
		rc = MNL_CB_ERROR;
		goto out;
	}
	tc->family = nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY);
	copy_name(tc->table, nftnl_obj_get_str(o, NFTNL_OBJ_TABLE));
	copy_name(tc->name, nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
	tc->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	tc->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
out:
	nftnl_obj_free(o);
	return rc;
}

static int dump(struct tm_reader *rd, uint16_t type, const char *what, mnl_cb_t cb,
		struct xerr *e)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(rd->buf, type, (uint16_t)rd->family,
						      NLM_F_DUMP, rd->seq++);
	struct nldump_result r;

	/* the kernel filters rule, set and object dumps by table (the same attribute number) */
	if (rd->table)
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, rd->table);
	if (nldump_run(rd->sock, rd->buf, TM_BUF_LEN, nlh, TM_TIMEOUT_MS, cb, rd, &r, e))
		return xerr_wrap(e, "reading %s", what);
	if (r.kernel_error && r.kernel_error != ENOENT)
		return xerr_set(e, XNFT_EXIT_USAGE, "reading %s from the kernel: %s", what,
				strerror(r.kernel_error));
	if (r.cb_error)
		return xerr_set(e, XNFT_EXIT_USAGE, "reading %s: %s", what, strerror(r.cb_error));
	return 0;
}

static int count_elements(struct tm_reader *rd, struct tm_set *ts, struct xerr *e)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(rd->buf, NFT_MSG_GETSETELEM,
						      (uint16_t)ts->family, NLM_F_DUMP, rd->seq++);
	struct nldump_result r;

	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, ts->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, ts->name);
	rd->count = &ts->elements;
	if (nldump_run(rd->sock, rd->buf, TM_BUF_LEN, nlh, TM_TIMEOUT_MS, on_elems, rd, &r, e))
		return xerr_wrap(e, "reading the elements of set %s", ts->name);
	/* a set deleted since the set dump simply has no elements now */
	if (r.kernel_error && r.kernel_error != ENOENT)
		return xerr_set(e, XNFT_EXIT_USAGE, "reading the elements of set %s: %s", ts->name,
				strerror(r.kernel_error));
	return 0;
}

/* A rule counting into a named counter shows that counter's figures. */
static void fill_named(struct tm_snapshot *s, struct tm_rule *r)
{
	for (size_t i = 0; r->counter_name && i < s->ncounters; i++) {
		const struct tm_counter *c = &s->counters[i];

		if (c->family == r->family && !strcmp(c->table, r->table) &&
		    !strcmp(c->name, r->counter_name)) {
			r->packets = c->packets;
			r->bytes = c->bytes;
			return;
		}
	}
}

struct tm_elem_cache_entry {
	uint32_t family;
	char table[TM_NAME_MAX];
	char name[TM_NAME_MAX];
	size_t elements;
	time_t at;
};

void tm_elem_cache_init(struct tm_elem_cache *c, size_t big, unsigned max_age_s)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->big = big;
	c->max_age_s = max_age_s;
}

void tm_elem_cache_free(struct tm_elem_cache *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Under c->lock. */
static struct tm_elem_cache_entry *cache_find(struct tm_elem_cache *c, const struct tm_set *ts)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].family == ts->family && !strcmp(c->v[i].table, ts->table) &&
		    !strcmp(c->v[i].name, ts->name))
			return &c->v[i];
	return NULL;
}

/* A recent count of a big set; false when it must be counted now. */
static bool cached_count(struct tm_elem_cache *c, struct tm_set *ts, time_t now)
{
	const struct tm_elem_cache_entry *ce;
	bool hit;

	pthread_mutex_lock(&c->lock);
	ce = cache_find(c, ts);
	hit = ce && ce->elements >= c->big && now < ce->at + (time_t)c->max_age_s;
	if (hit)
		ts->elements = ce->elements;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void cache_store(struct tm_elem_cache *c, const struct tm_set *ts, time_t now)
{
	struct tm_elem_cache_entry *ce;

	pthread_mutex_lock(&c->lock);
	ce = cache_find(c, ts);
	if (!ce && (ce = grow(&c->v, &c->n, sizeof(*ce)))) {
		ce->family = ts->family;
		copy_name(ce->table, ts->table);
		copy_name(ce->name, ts->name);
	}
	if (ce) {
		ce->elements = ts->elements;
		ce->at = now;
	}
	pthread_mutex_unlock(&c->lock);
}

static int count_all_elements(struct tm_reader *rd, struct tm_elem_cache *cache, struct xerr *e)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < rd->s->nsets; i++) {
		struct tm_set *ts = &rd->s->sets[i];

		if (cache && cached_count(cache, ts, now))
			continue;
		if (count_elements(rd, ts, e))
			return -1;
		if (cache)
			cache_store(cache, ts, now);
	}
	return 0;
}

static void add_to_chains(struct tm_snapshot *s)
{
	for (size_t i = 0; i < s->nrules; i++) {
		fill_named(s, &s->rules[i]);
		struct tm_chain *c = (struct tm_chain *)tm_rule_chain(s, &s->rules[i]);

		if (!c)
			continue;
		c->rules++;
		c->packets += s->rules[i].packets;
		c->bytes += s->rules[i].bytes;
	}
}

int tm_read(struct tm_snapshot *s, const char *family, const char *table, bool with_elements,
	    struct tm_elem_cache *cache, struct xerr *e)
{
	struct tm_reader rd = { .s = s, .seq = 1 };
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (table && *table) {
		rd.table = table;
		rd.family = family_value(family ? family : "");
		if (rd.family == NFPROTO_UNSPEC)
			return xerr_set(e, XNFT_EXIT_USAGE, "unknown table family '%s'",
					family ? family : "");
	}
	rd.buf = malloc(TM_BUF_LEN);
	rd.sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!rd.buf || !rd.sock || mnl_socket_bind(rd.sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "netfilter netlink socket: %s", strerror(errno));
		xerr_hint(e, "reading counters needs root (CAP_NET_ADMIN)");
		goto out;
	}
	if (dump(&rd, NFT_MSG_GETCHAIN, "chains", on_chain, e) ||
	    dump(&rd, NFT_MSG_GETRULE, "rules", on_rule, e) ||
	    dump(&rd, NFT_MSG_GETSET, "sets", on_set, e) ||
	    dump(&rd, NFT_MSG_GETOBJ, "named counters", on_obj, e))
		goto out;
	if (with_elements && count_all_elements(&rd, cache, e))
		goto out;
	add_to_chains(s);
	rc = 0;
out:
	if (rd.sock)
		mnl_socket_close(rd.sock);
	free(rd.buf);
	if (rc)
		tm_snapshot_free(s);
	return rc;
}

const struct tm_chain *tm_rule_chain(const struct tm_snapshot *s, const struct tm_rule *r)
{
	for (size_t i = 0; i < s->nchains; i++) {
		const struct tm_chain *c = &s->chains[i];

		if (c->family == r->family && !strcmp(c->name, r->chain) &&
		    !strcmp(c->table, r->table))
			return c;
	}
	return NULL;
}

/* Pair a chain's rules, in kernel order, with the statements the scan saw. */
static bool locate_chain(struct tm_snapshot *s, const struct tm_chain *c,
			 const struct srcloc_chain *sc)
{
	size_t k = 0;

	if (!sc || sc->uncertain || sc->n != c->rules)
		return false;
	for (size_t i = 0; i < s->nrules; i++) {
		struct tm_rule *r = &s->rules[i];

		if (r->family != c->family || strcmp(r->table, c->table) || strcmp(r->chain, c->name))
			continue;
		r->file = strdup(sc->v[k].file);
		r->line = sc->v[k].line;
		r->text = strdup(sc->v[k].text);
		k++;
	}
	return true;
}

int tm_locate(struct tm_snapshot *s, const char *policy, struct xerr *e)
{
	char entry[4096], incdir[4096];
	const char *dirs[2] = { incdir, "/etc" };
	struct srcloc sl;
	struct xerr ignored;

	(void)e;
	s->unlocated_chains = 0;
	if (policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), &ignored) ||
	    srcloc_scan(entry, dirs, 2, &sl, &ignored)) {
		s->unlocated_chains = s->nchains;
		return 0;
	}
	for (size_t i = 0; i < s->nchains; i++) {
		const struct tm_chain *c = &s->chains[i];

		if (c->rules && !locate_chain(s, c, srcloc_find(&sl, tm_family_name(c->family),
								c->table, c->name)))
			s->unlocated_chains++;
	}
	srcloc_free(&sl);
	return 0;
}

void tm_snapshot_free(struct tm_snapshot *s)
{
	for (size_t i = 0; i < s->nrules; i++) {
		free(s->rules[i].comment);
		free(s->rules[i].counter_name);
		free(s->rules[i].file);
		free(s->rules[i].text);
	}
	free(s->rules);
	free(s->chains);
	free(s->sets);
	free(s->counters);
	memset(s, 0, sizeof(*s));
}
