// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libnftables' numeric JSON listing -> the ruleset model.
 *
 * The listing is trusted to come from libnftables, but this code must not
 * crash or leak on any input (it is fuzzed): every lookup checks the JSON
 * type, and whatever does not fit the known shapes becomes an unknown node
 * that keeps its JSON text.
 */
#include "core/ruleset.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/grow.h"

struct loader {
	struct ruleset *rs;
	struct rs_rule *rule;      /* the rule being built; NULL for sets */
	enum rs_family family;
	bool oom;
};

/* Nesting limit: the listing never nests deeply; hostile input might. */
#define MAX_DEPTH 32

static void *xcalloc(struct loader *L, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		L->oom = true;
	return p;
}

static char *xstrdup(struct loader *L, const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		L->oom = true;
	return p;
}

static char *json_text(struct loader *L, const json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	if (j && !s)
		L->oom = true;
	return s;
}

/* Record an unknown node: counted in the rule and the ruleset, its kind listed once. */
static void note_unknown(struct loader *L, const json_t *j)
{
	const char *kind = "value";
	char **v;

	L->rs->nunknown++;
	if (L->rule)
		L->rule->nunknown++;
	if (json_is_object(j) && json_object_size(j) == 1)
		kind = json_object_iter_key(json_object_iter((json_t *)j));
	for (size_t i = 0; i < L->rs->nunknown_kinds; i++) {
		if (!strcmp(L->rs->unknown_kinds[i], kind))
			return;
	}
	v = realloc(L->rs->unknown_kinds, (L->rs->nunknown_kinds + 1) * sizeof(*v));
	if (!v) {
		L->oom = true;
		return;
	}
	L->rs->unknown_kinds = v;
	v[L->rs->nunknown_kinds] = xstrdup(L, kind);
	if (v[L->rs->nunknown_kinds])
		L->rs->nunknown_kinds++;
}

/* The single key of a {"key": value} object, or NULL. */
static const char *only_key(const json_t *j, json_t **val)
{
	void *it;

	if (!json_is_object(j) || json_object_size(j) != 1)
		return NULL;
	it = json_object_iter((json_t *)j);
	*val = json_object_iter_value(it);
	return json_object_iter_key(it);
}

static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static uint64_t get_u64(const json_t *o, const char *key, uint64_t dflt)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return dflt;
	return (uint64_t)json_integer_value(v);
}

static bool get_bool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* ---- types ----------------------------------------------------------------- */

struct type_name {
	const char *name;
	enum rs_dtype dtype;
	unsigned bits;
};

static const struct type_name type_names[] = {
	{ "ipv4_addr", RS_DT_IPV4, 32 }, { "ipv6_addr", RS_DT_IPV6, 128 },
	{ "ether_addr", RS_DT_ETHER, 48 }, { "inet_proto", RS_DT_INTEGER, 8 },
	{ "inet_service", RS_DT_INTEGER, 16 }, { "mark", RS_DT_INTEGER, 32 },
	{ "ifname", RS_DT_IFNAME, 128 }, { "iface_index", RS_DT_IFINDEX, 32 },
	{ "iface_type", RS_DT_INTEGER, 16 }, { "ether_type", RS_DT_ETHERTYPE, 16 },
	{ "icmp_type", RS_DT_INTEGER, 8 }, { "icmp_code", RS_DT_INTEGER, 8 },
	{ "icmpv6_type", RS_DT_INTEGER, 8 }, { "icmpv6_code", RS_DT_INTEGER, 8 },
	{ "icmpx_code", RS_DT_INTEGER, 8 }, { "ct_state", RS_DT_INTEGER, 32 },
	{ "ct_status", RS_DT_INTEGER, 32 }, { "ct_dir", RS_DT_INTEGER, 8 },
	{ "ct_label", RS_DT_INTEGER, 128 }, { "ct_event", RS_DT_INTEGER, 32 },
	{ "ct_id", RS_DT_INTEGER, 32 }, { "nf_proto", RS_DT_INTEGER, 8 },
	{ "pkt_type", RS_DT_INTEGER, 8 }, { "tcp_flag", RS_DT_INTEGER, 8 },
	{ "dccp_pkttype", RS_DT_INTEGER, 4 }, { "mh_type", RS_DT_INTEGER, 8 },
	{ "time", RS_DT_INTEGER, 64 }, { "day", RS_DT_INTEGER, 8 },
	{ "hour", RS_DT_STRING, 32 }, { "cgroupsv2", RS_DT_INTEGER, 64 },
	{ "realm", RS_DT_INTEGER, 32 }, { "classid", RS_DT_INTEGER, 32 },
	{ "uid", RS_DT_INTEGER, 32 }, { "gid", RS_DT_INTEGER, 32 },
	{ "boolean", RS_DT_BOOL, 1 }, { "verdict", RS_DT_VERDICT, 32 },
	{ "dscp", RS_DT_INTEGER, 6 }, { "ecn", RS_DT_INTEGER, 2 },
	{ "fib_addrtype", RS_DT_INTEGER, 32 }, { "integer", RS_DT_INTEGER, 0 },
	{ "string", RS_DT_STRING, 0 }, { "devgroup", RS_DT_INTEGER, 32 },
	{ "arp_op", RS_DT_ETHERTYPE, 16 }, { "secmark", RS_DT_STRING, 0 },
	{ "counter", RS_DT_STRING, 0 }, { "quota", RS_DT_STRING, 0 },
	{ "limit", RS_DT_STRING, 0 }, { "ipsec_dir", RS_DT_INTEGER, 8 },
	{ "igmp_type", RS_DT_INTEGER, 8 }, { "tcpopt_type", RS_DT_INTEGER, 8 },
};

static void type_part_set(struct loader *L, struct rs_type *t, size_t i, const char *name)
{
	t->part[i].dtype = RS_DT_UNKNOWN;
	t->part[i].bits = 0;
	t->part[i].name = xstrdup(L, name);
	for (size_t k = 0; name && k < sizeof(type_names) / sizeof(type_names[0]); k++) {
		if (!strcmp(type_names[k].name, name)) {
			t->part[i].dtype = type_names[k].dtype;
			t->part[i].bits = type_names[k].bits;
			return;
		}
	}
}

static void parse_type(struct loader *L, const json_t *j, struct rs_type *t)
{
	memset(t, 0, sizeof(*t));
	if (json_is_string(j)) {
		type_part_set(L, t, 0, json_string_value(j));
		t->n = 1;
	} else if (json_is_array(j)) {
		size_t n = json_array_size(j);

		for (size_t i = 0; i < n && i < RS_CONCAT_MAX; i++) {
			type_part_set(L, t, i, json_string_value(json_array_get(j, i)));
			t->n++;
		}
	}
}

/* A borrowed view of a type: no names, no ownership. */
struct tview {
	size_t n;
	enum rs_dtype dtype[RS_CONCAT_MAX];
	unsigned bits[RS_CONCAT_MAX];
};

static struct tview tview_of_type(const struct rs_type *t)
{
	struct tview v = { 0 };

	for (size_t i = 0; i < t->n && i < RS_CONCAT_MAX; i++) {
		v.dtype[i] = t->part[i].dtype;
		v.bits[i] = t->part[i].bits;
	}
	v.n = t->n;
	return v;
}

static struct tview tview_of_expr(const struct rs_expr *x)
{
	struct tview v = { 0 };

	if (!x)
		return v;
	if (x->kind == RS_EX_CONCAT) {
		for (size_t i = 0; i < x->nsub && i < RS_CONCAT_MAX; i++) {
			v.dtype[i] = x->sub[i]->dtype;
			v.bits[i] = x->sub[i]->bits;
		}
		v.n = x->nsub < RS_CONCAT_MAX ? x->nsub : RS_CONCAT_MAX;
		return v;
	}
	v.n = 1;
	v.dtype[0] = x->dtype;
	v.bits[0] = x->bits;
	return v;
}

static struct tview tview_single(enum rs_dtype dt, unsigned bits)
{
	struct tview v = { .n = 1 };

	v.dtype[0] = dt;
	v.bits[0] = bits;
	return v;
}

static struct tview tview_part(const struct tview *t, size_t i)
{
	if (t->n > 1 && i < t->n)
		return tview_single(t->dtype[i], t->bits[i]);
	return tview_single(RS_DT_UNKNOWN, 0);
}

/* ---- terms ------------------------------------------------------------------ */

static struct rs_expr *parse_expr(struct loader *L, const json_t *j, int depth);
static void parse_term(struct loader *L, const json_t *j, const struct tview *type,
		       const struct tview *data, struct rs_term *t, int depth);
static void parse_stmts(struct loader *L, const json_t *j, struct rs_stmt **out, size_t *n,
			int depth);

static void term_unknown(struct loader *L, const json_t *j, struct rs_term *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = RS_TERM_UNKNOWN;
	t->json = json_text(L, j);
	note_unknown(L, j);
}

static int parse_verdict(struct loader *L, const char *key, const json_t *val,
			 struct rs_verdict *v)
{
	static const struct {
		const char *name;
		enum rs_verdict_kind kind;
	} names[] = {
		{ "accept", RS_VERDICT_ACCEPT }, { "drop", RS_VERDICT_DROP },
		{ "continue", RS_VERDICT_CONTINUE }, { "return", RS_VERDICT_RETURN },
		{ "jump", RS_VERDICT_JUMP }, { "goto", RS_VERDICT_GOTO },
	};

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; key && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(key, names[i].name))
			continue;
		v->kind = names[i].kind;
		if (v->kind == RS_VERDICT_JUMP || v->kind == RS_VERDICT_GOTO) {
			const char *target = get_str(val, "target");

			if (!target)
				return -1;
			v->target = xstrdup(L, target);
		} else if (!json_is_null(val)) {
			return -1;
		}
		return 0;
	}
	return -1;
}

static void value_from_json(struct loader *L, const json_t *j, enum rs_dtype dt, unsigned bits,
			    struct rs_value *v)
{
	if (json_is_integer(j)) {
		rs_value_from_num(v, dt, bits, (uint64_t)json_integer_value(j));
	} else if (json_is_boolean(j)) {
		rs_value_from_num(v, RS_DT_BOOL, 1, json_is_true(j));
	} else if (json_is_string(j)) {
		if (rs_value_parse(v, dt, bits, json_string_value(j)))
			L->oom = true;
	} else {
		memset(v, 0, sizeof(*v));
	}
}

static bool is_scalar(const json_t *j)
{
	return json_is_integer(j) || json_is_string(j) || json_is_boolean(j);
}

/* A bare list of flag values (ct state established,related): one OR-ed value. */
static int parse_flag_list(struct loader *L, const json_t *j, const struct tview *type,
			   struct rs_term *t)
{
	uint64_t acc = 0;
	size_t i;
	json_t *x;

	json_array_foreach(j, i, x) {
		struct rs_value v;

		if (!json_is_integer(x) && !json_is_string(x))
			return -1;
		value_from_json(L, x, type->dtype[0], type->bits[0], &v);
		acc |= v.num;
		rs_value_free(&v);
	}
	memset(t, 0, sizeof(*t));
	t->kind = RS_TERM_VALUE;
	/* the parts are already in their final byte order: no second swap */
	rs_value_from_num(&t->v, RS_DT_INTEGER, type->bits[0] <= 64 ? type->bits[0] : 64, acc);
	if (type->dtype[0] != RS_DT_UNKNOWN)
		t->v.dtype = type->dtype[0];
	return 0;
}

static void parse_elem(struct loader *L, const json_t *j, const struct tview *type,
		       const struct tview *data, struct rs_elem *el, int depth)
{
	json_t *inner;
	const char *k;

	memset(el, 0, sizeof(*el));
	/* a map element is a [key, data] pair */
	if (json_is_array(j) && json_array_size(j) == 2) {
		struct tview none = tview_single(RS_DT_UNKNOWN, 0);

		parse_elem(L, json_array_get(j, 0), type, NULL, el, depth + 1);
		el->data = xcalloc(L, 1, sizeof(*el->data));
		if (el->data)
			parse_term(L, json_array_get(j, 1), data ? data : &none, NULL, el->data,
				   depth + 1);
		return;
	}
	k = only_key(j, &inner);
	if (k && !strcmp(k, "elem") && json_is_object(inner)) {
		parse_term(L, json_object_get(inner, "val"), type, NULL, &el->key, depth + 1);
		el->timeout_ms = get_u64(inner, "timeout", 0) * 1000;
		el->expires_ms = get_u64(inner, "expires", 0) * 1000;
		el->comment = xstrdup(L, get_str(inner, "comment"));
		if (json_is_object(json_object_get(inner, "counter"))) {
			json_t *c = json_object_get(inner, "counter");

			el->has_counter = true;
			el->packets = get_u64(c, "packets", 0);
			el->bytes = get_u64(c, "bytes", 0);
		}
		return;
	}
	parse_term(L, j, type, NULL, &el->key, depth + 1);
}

static void parse_set_elems(struct loader *L, const json_t *arr, const struct tview *type,
			    const struct tview *data, struct rs_elem **out, size_t *n, int depth)
{
	size_t cnt = json_is_array(arr) ? json_array_size(arr) : (arr ? 1 : 0);

	*out = NULL;
	*n = 0;
	if (!cnt)
		return;
	*out = xcalloc(L, cnt, sizeof(**out));
	if (!*out)
		return;
	for (size_t i = 0; i < cnt; i++) {
		const json_t *x = json_is_array(arr) ? json_array_get(arr, i) : arr;

		parse_elem(L, x, type, data, &(*out)[i], depth);
		(*n)++;
	}
}

static bool is_expr_key(const char *k)
{
	static const char *const keys[] = {
		"payload", "meta", "ct", "exthdr", "tcp option", "ip option", "sctp chunk",
		"fib", "socket", "osf", "rt", "ipsec", "numgen", "jhash", "symhash", "concat",
		"&", "|", "^", "<<", ">>", "map",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(k, keys[i]))
			return true;
	}
	return false;
}

static void parse_concat_term(struct loader *L, const json_t *val, const struct tview *type,
			      struct rs_term *t, int depth)
{
	size_t n = json_array_size(val);

	t->kind = RS_TERM_CONCAT;
	t->sub = xcalloc(L, n, sizeof(*t->sub));
	if (!t->sub)
		return;
	for (size_t i = 0; i < n; i++) {
		struct tview p = tview_part(type, i);

		parse_term(L, json_array_get(val, i), &p, NULL, &t->sub[i], depth + 1);
		t->nsub++;
	}
}

static void parse_term_object(struct loader *L, const json_t *j, const struct tview *type,
			      const struct tview *data, struct rs_term *t, int depth)
{
	json_t *val;
	const char *k = only_key(j, &val);

	if (!k)
		goto unknown;
	if (!strcmp(k, "prefix") && json_is_object(val) &&
	    is_scalar(json_object_get(val, "addr")) &&
	    json_is_integer(json_object_get(val, "len"))) {
		t->kind = RS_TERM_PREFIX;
		value_from_json(L, json_object_get(val, "addr"), type->dtype[0], type->bits[0], &t->v);
		t->plen = (unsigned)get_u64(val, "len", 0);
		if (t->plen > 128)
			t->plen = 128;
		return;
	}
	if (!strcmp(k, "range") && json_is_array(val) && json_array_size(val) == 2 &&
	    is_scalar(json_array_get(val, 0)) && is_scalar(json_array_get(val, 1))) {
		t->kind = RS_TERM_RANGE;
		value_from_json(L, json_array_get(val, 0), type->dtype[0], type->bits[0], &t->v);
		value_from_json(L, json_array_get(val, 1), type->dtype[0], type->bits[0], &t->hi);
		return;
	}
	if (!strcmp(k, "concat") && json_is_array(val)) {
		parse_concat_term(L, val, type, t, depth);
		return;
	}
	if (!strcmp(k, "set")) {
		t->kind = RS_TERM_SET;
		parse_set_elems(L, val, type, data, &t->elems, &t->nelems, depth + 1);
		return;
	}
	if (!strcmp(k, "elem") && json_is_object(val)) {
		parse_term(L, json_object_get(val, "val"), type, data, t, depth + 1);
		return;
	}
	if (parse_verdict(L, k, val, &t->verdict) == 0) {
		t->kind = RS_TERM_VERDICT;
		return;
	}
	rs_term_free(t);
	if (is_expr_key(k)) {
		t->kind = RS_TERM_EXPR;
		t->expr = parse_expr(L, j, depth + 1);
		return;
	}
unknown:
	term_unknown(L, j, t);
}

static void parse_term(struct loader *L, const json_t *j, const struct tview *type,
		       const struct tview *data, struct rs_term *t, int depth)
{
	struct tview none = tview_single(RS_DT_UNKNOWN, 0);

	memset(t, 0, sizeof(*t));
	if (!type || !type->n)
		type = &none;
	if (depth > MAX_DEPTH || !j) {
		term_unknown(L, j, t);
		return;
	}
	if (json_is_string(j) && json_string_value(j)[0] == '@') {
		t->kind = RS_TERM_SETREF;
		t->set_name = xstrdup(L, json_string_value(j) + 1);
	} else if (is_scalar(j)) {
		t->kind = RS_TERM_VALUE;
		value_from_json(L, j, type->dtype[0], type->bits[0], &t->v);
	} else if (json_is_array(j)) {
		if (parse_flag_list(L, j, type, t))
			term_unknown(L, j, t);
	} else if (json_is_object(j)) {
		parse_term_object(L, j, type, data, t, depth);
	} else {
		term_unknown(L, j, t);
	}
}

/* ---- expressions ------------------------------------------------------------ */

static struct rs_expr *expr_new(struct loader *L, enum rs_expr_kind kind)
{
	struct rs_expr *x = xcalloc(L, 1, sizeof(*x));

	if (x) {
		x->kind = kind;
		x->dir = RS_CT_DIR_NONE;
	}
	return x;
}

static struct rs_expr *expr_unknown(struct loader *L, const json_t *j)
{
	struct rs_expr *x = expr_new(L, RS_EX_UNKNOWN);

	if (x)
		x->json = json_text(L, j);
	note_unknown(L, j);
	return x;
}

static bool parse_payload(struct loader *L, const json_t *v, struct rs_expr *x)
{
	static const char *const bases[] = { "ll", "nh", "th", "ih" };
	const char *base = get_str(v, "base");
	const struct rs_field_info *fi;

	(void)L;
	if (base) {
		for (unsigned i = 0; i < 4; i++) {
			if (strcmp(base, bases[i]))
				continue;
			x->key = RS_F_RAW;
			x->base = i;
			x->offset = (unsigned)get_u64(v, "offset", 0);
			x->len = (unsigned)get_u64(v, "len", 0);
			x->dtype = RS_DT_INTEGER;
			x->bits = x->len;
			return true;
		}
		return false;
	}
	x->key = rs_field_lookup(get_str(v, "protocol"), get_str(v, "field"));
	fi = rs_field_info((enum rs_field)x->key);
	if (!fi)
		return false;
	x->dtype = fi->dtype;
	x->bits = fi->bits;
	return true;
}

static bool parse_meta(const json_t *v, struct rs_expr *x)
{
	const char *k = get_str(v, "key");

	for (int i = RS_META_NONE + 1; k && i < RS_META__COUNT; i++) {
		if (!strcmp(rs_meta_name((enum rs_meta_key)i), k)) {
			x->key = i;
			rs_meta_type((enum rs_meta_key)i, &x->dtype, &x->bits);
			return true;
		}
	}
	return false;
}

static bool parse_ct(const json_t *v, struct rs_expr *x)
{
	const char *k = get_str(v, "key");
	const char *dir = get_str(v, "dir");
	const char *fam = get_str(v, "family");

	if (dir)
		x->dir = !strcmp(dir, "original") ? RS_CT_DIR_ORIGINAL
			 : !strcmp(dir, "reply") ? RS_CT_DIR_REPLY : RS_CT_DIR_NONE;
	x->family = rs_family_lookup(fam);
	for (int i = RS_CT_NONE + 1; k && i < RS_CT__COUNT; i++) {
		if (strcmp(rs_ct_name((enum rs_ct_key)i), k))
			continue;
		x->key = i;
		rs_ct_type((enum rs_ct_key)i, &x->dtype, &x->bits);
		/* "ct original saddr" with a family names the address type */
		if (i == RS_CT_SADDR || i == RS_CT_DADDR) {
			if (x->family == RS_FAM_IP) {
				x->key = i == RS_CT_SADDR ? RS_CT_IP_SADDR : RS_CT_IP_DADDR;
				x->dtype = RS_DT_IPV4;
				x->bits = 32;
			} else if (x->family == RS_FAM_IP6) {
				x->key = i == RS_CT_SADDR ? RS_CT_IP6_SADDR : RS_CT_IP6_DADDR;
				x->dtype = RS_DT_IPV6;
				x->bits = 128;
			}
		}
		return true;
	}
	return false;
}

static unsigned fib_flag(const char *s)
{
	static const char *const names[] = { "saddr", "daddr", "mark", "iif", "oif" };

	for (unsigned i = 0; s && i < 5; i++) {
		if (!strcmp(s, names[i]))
			return 1u << i;
	}
	return 0;
}

static bool parse_fib(const json_t *v, struct rs_expr *x)
{
	const char *res = get_str(v, "result");
	json_t *fl = json_object_get(v, "flags");
	size_t i;
	json_t *f;

	if (!res)
		return false;
	if (!strcmp(res, "oif")) {
		x->key = RS_FIB_R_OIF;
		x->dtype = RS_DT_IFINDEX;
		x->bits = 32;
	} else if (!strcmp(res, "oifname")) {
		x->key = RS_FIB_R_OIFNAME;
		x->dtype = RS_DT_IFNAME;
		x->bits = 128;
	} else if (!strcmp(res, "type")) {
		x->key = RS_FIB_R_TYPE;
		x->dtype = RS_DT_INTEGER;
		x->bits = 32;
	} else {
		return false;
	}
	if (json_is_string(fl))
		x->flags |= fib_flag(json_string_value(fl));
	json_array_foreach(fl, i, f)
		x->flags |= fib_flag(json_string_value(f));
	return true;
}

static bool parse_named(struct loader *L, const json_t *v, const char *namekey, struct rs_expr *x)
{
	const char *name = get_str(v, namekey);

	if (!name)
		return false;
	x->name = xstrdup(L, name);
	return true;
}

static bool parse_hdr_field(struct loader *L, const json_t *v, struct rs_expr *x)
{
	if (!parse_named(L, v, "name", x))
		return false;
	x->field = xstrdup(L, get_str(v, "field"));
	x->offset = (unsigned)get_u64(v, "offset", 0);
	if (!x->field) {
		/* existence test: "exthdr frag exists" lists as == true */
		x->dtype = RS_DT_BOOL;
		x->bits = 1;
	} else {
		x->dtype = RS_DT_INTEGER;
		x->bits = 0;
	}
	return true;
}

/*
 * A tcp option by number: nft 1.0.6 lists `tcp option @254,16,16` as
 * {"base": 254, "offset": 16, "len": 16} (bits) and `tcp option 254 exists`
 * as its kind byte, {"base": 254, "offset": 0, "len": 8}, compared with true
 * (parse_match makes that one an existence test).
 */
static bool parse_tcpopt(struct loader *L, const json_t *v, struct rs_expr *x)
{
	char num[24], at[48];

	if (get_str(v, "name"))
		return parse_hdr_field(L, v, x);
	if (!json_is_integer(json_object_get(v, "base")))
		return false;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)get_u64(v, "base", 0));
	x->flags = RS_TCPOPT_RAW;
	x->offset = (unsigned)get_u64(v, "offset", 0);
	x->len = (unsigned)get_u64(v, "len", 0);
	snprintf(at, sizeof(at), "@%u,%u", x->offset, x->len);
	x->name = xstrdup(L, num);
	x->field = xstrdup(L, at);
	x->dtype = RS_DT_INTEGER;
	x->bits = x->len <= 64 ? x->len : 0;
	return x->name && x->field;
}

/* ipsec in|out [spnum N] KEY (nft_xfrm): the key and direction, as RS_EX_XFRM. */
static bool parse_xfrm(struct loader *L, const json_t *v, struct rs_expr *x)
{
	const char *dir = get_str(v, "dir");
	bool addr;

	if (!dir || !parse_named(L, v, "key", x))
		return false;
	x->field = xstrdup(L, dir);
	x->off = get_u64(v, "spnum", 0);
	x->family = rs_family_lookup(get_str(v, "family"));
	addr = !strcmp(x->name, "saddr") || !strcmp(x->name, "daddr");
	x->dtype = !addr ? RS_DT_INTEGER : x->family == RS_FAM_IP6 ? RS_DT_IPV6 : RS_DT_IPV4;
	x->bits = addr && x->family == RS_FAM_IP6 ? 128 : 32;
	return x->field != NULL;
}

static bool parse_hash(struct loader *L, const char *k, const json_t *v, struct rs_expr *x,
		       int depth)
{
	json_t *in = json_object_get(v, "expr");

	x->name = xstrdup(L, k);
	x->mod = get_u64(v, "mod", 0);
	x->seed = get_u64(v, "seed", 0);
	x->off = get_u64(v, "offset", 0);
	x->dtype = RS_DT_INTEGER;
	x->bits = 32;
	if (in) {
		x->sub = xcalloc(L, 1, sizeof(*x->sub));
		if (!x->sub)
			return true;
		x->sub[0] = parse_expr(L, in, depth + 1);
		x->nsub = x->sub[0] ? 1 : 0;
	}
	return true;
}

static bool parse_concat_expr(struct loader *L, const json_t *v, struct rs_expr *x, int depth)
{
	size_t n = json_array_size(v);

	if (!json_is_array(v) || !n)
		return false;
	x->sub = xcalloc(L, n, sizeof(*x->sub));
	if (!x->sub)
		return true;
	for (size_t i = 0; i < n; i++) {
		x->sub[i] = parse_expr(L, json_array_get(v, i), depth + 1);
		if (!x->sub[i])
			return true;
		x->nsub++;
		x->bits += x->sub[i]->bits;
	}
	x->dtype = RS_DT_UNKNOWN;
	return true;
}

static bool parse_binop(struct loader *L, const char *k, const json_t *v, struct rs_expr *x,
			int depth)
{
	static const char *const ops[] = { "", "&", "|", "^", "<<", ">>" };
	struct tview tv;

	if (!json_is_array(v) || json_array_size(v) != 2)
		return false;
	for (int i = 1; i < 6; i++) {
		if (!strcmp(k, ops[i]))
			x->key = i;
	}
	x->sub = xcalloc(L, 1, sizeof(*x->sub));
	x->arg = xcalloc(L, 1, sizeof(*x->arg));
	if (!x->sub || !x->arg)
		return true;
	x->sub[0] = parse_expr(L, json_array_get(v, 0), depth + 1);
	if (!x->sub[0])
		return true;
	x->nsub = 1;
	x->dtype = x->sub[0]->dtype;
	x->bits = x->sub[0]->bits;
	tv = tview_single(x->key >= RS_BINOP_LSHIFT ? RS_DT_INTEGER : x->dtype,
			  x->key >= RS_BINOP_LSHIFT ? 32 : x->bits);
	parse_term(L, json_array_get(v, 1), &tv, NULL, x->arg, depth + 1);
	return true;
}

static bool parse_map_expr(struct loader *L, const json_t *v, struct rs_expr *x, int depth)
{
	json_t *key = json_object_get(v, "key");
	json_t *data = json_object_get(v, "data");
	struct tview kt;

	if (!key || !data)
		return false;
	x->sub = xcalloc(L, 1, sizeof(*x->sub));
	x->arg = xcalloc(L, 1, sizeof(*x->arg));
	if (!x->sub || !x->arg)
		return true;
	x->sub[0] = parse_expr(L, key, depth + 1);
	if (!x->sub[0])
		return true;
	x->nsub = 1;
	kt = tview_of_expr(x->sub[0]);
	parse_term(L, data, &kt, NULL, x->arg, depth + 1);
	x->dtype = RS_DT_UNKNOWN;
	return true;
}

static bool parse_misc(struct loader *L, const char *k, const json_t *v, struct rs_expr *x)
{
	if (!strcmp(k, "socket")) {
		x->kind = RS_EX_SOCKET;
		x->flags = (unsigned)get_u64(v, "level", 0);
		x->dtype = RS_DT_INTEGER;
		x->bits = 32;
		return parse_named(L, v, "key", x);
	}
	if (!strcmp(k, "osf")) {
		const char *ttl = get_str(v, "ttl");

		x->kind = RS_EX_OSF;
		x->dtype = RS_DT_STRING;
		x->bits = 128;
		/* nft's osf ttl: "loose" 1, "skip" 2; none (global) 0 */
		x->flags = !ttl ? 0 : !strcmp(ttl, "loose") ? 1 : !strcmp(ttl, "skip") ? 2 : 0;
		return parse_named(L, v, "key", x);
	}
	if (!strcmp(k, "rt")) {
		x->kind = RS_EX_RT;
		x->family = rs_family_lookup(get_str(v, "family"));
		x->dtype = RS_DT_INTEGER;
		x->bits = 32;
		if (!parse_named(L, v, "key", x))
			return false;
		if (!strcmp(x->name, "nexthop")) {   /* an address of the family */
			x->dtype = x->family == RS_FAM_IP6 ? RS_DT_IPV6 : RS_DT_IPV4;
			x->bits = x->family == RS_FAM_IP6 ? 128 : 32;
		}
		return true;
	}
	if (!strcmp(k, "numgen")) {
		x->kind = RS_EX_NUMGEN;
		x->mod = get_u64(v, "mod", 0);
		x->off = get_u64(v, "offset", 0);
		x->dtype = RS_DT_INTEGER;
		x->bits = 32;
		return parse_named(L, v, "mode", x);
	}
	return false;
}

static bool parse_expr_kind(struct loader *L, const char *k, const json_t *v, struct rs_expr *x,
			    int depth)
{
	if (!strcmp(k, "payload"))
		return x->kind = RS_EX_PAYLOAD, parse_payload(L, v, x);
	if (!strcmp(k, "meta"))
		return x->kind = RS_EX_META, parse_meta(v, x);
	if (!strcmp(k, "ct"))
		return x->kind = RS_EX_CT, parse_ct(v, x);
	if (!strcmp(k, "exthdr"))
		return x->kind = RS_EX_EXTHDR, parse_hdr_field(L, v, x);
	if (!strcmp(k, "tcp option"))
		return x->kind = RS_EX_TCPOPT, parse_tcpopt(L, v, x);
	if (!strcmp(k, "ip option"))
		return x->kind = RS_EX_IPOPT, parse_hdr_field(L, v, x);
	if (!strcmp(k, "ipsec"))
		return x->kind = RS_EX_XFRM, parse_xfrm(L, v, x);
	if (!strcmp(k, "sctp chunk"))
		return x->kind = RS_EX_SCTPCHUNK, parse_hdr_field(L, v, x);
	if (!strcmp(k, "fib"))
		return x->kind = RS_EX_FIB, parse_fib(v, x);
	if (!strcmp(k, "jhash") || !strcmp(k, "symhash"))
		return x->kind = RS_EX_HASH, parse_hash(L, k, v, x, depth);
	if (!strcmp(k, "concat"))
		return x->kind = RS_EX_CONCAT, parse_concat_expr(L, v, x, depth);
	if (!strcmp(k, "map"))
		return x->kind = RS_EX_MAP, parse_map_expr(L, v, x, depth);
	if (!strcmp(k, "&") || !strcmp(k, "|") || !strcmp(k, "^") || !strcmp(k, "<<") ||
	    !strcmp(k, ">>"))
		return x->kind = RS_EX_BINOP, parse_binop(L, k, v, x, depth);
	return parse_misc(L, k, v, x);
}

static struct rs_expr *parse_expr(struct loader *L, const json_t *j, int depth)
{
	struct rs_expr *x;
	json_t *v;
	const char *k;

	if (depth > MAX_DEPTH || !j)
		return expr_unknown(L, j);
	if (is_scalar(j)) {
		/* a constant where an expression may stand (mangle values, map keys) */
		x = expr_new(L, RS_EX_VALUE);
		if (!x)
			return NULL;
		x->arg = xcalloc(L, 1, sizeof(*x->arg));
		if (x->arg)
			parse_term(L, j, NULL, NULL, x->arg, depth + 1);
		return x;
	}
	k = only_key(j, &v);
	if (!k)
		return expr_unknown(L, j);
	x = expr_new(L, RS_EX_UNKNOWN);
	if (!x)
		return NULL;
	if (!parse_expr_kind(L, k, v, x, depth)) {
		rs_expr_free(x);
		return expr_unknown(L, j);
	}
	return x;
}

/* ---- statements ----------------------------------------------------------- */

static int stmt_unknown(struct loader *L, const json_t *j, struct rs_stmt *s)
{
	rs_stmt_free(s);
	s->kind = RS_ST_UNKNOWN;
	s->json = json_text(L, j);
	note_unknown(L, j);
	return 0;
}

static int parse_match(struct loader *L, const json_t *v, struct rs_stmt *s, int depth)
{
	static const char *const ops[] = { "==", "!=", "<", ">", "<=", ">=", "in", "!" };
	const char *op = get_str(v, "op");
	json_t *left = json_object_get(v, "left");
	json_t *right = json_object_get(v, "right");
	struct tview tv;
	int found = -1;

	for (int i = 0; op && i < 8; i++) {
		if (!strcmp(op, ops[i]))
			found = i;
	}
	if (found < 0 || !left || !right)
		return -1;
	s->kind = RS_ST_MATCH;
	s->u.match.op = (enum rs_op)found;
	s->u.match.left = parse_expr(L, left, depth + 1);
	if (!s->u.match.left)
		return 0;
	if (s->u.match.left->kind == RS_EX_TCPOPT && (s->u.match.left->flags & RS_TCPOPT_RAW) &&
	    json_is_boolean(right)) {
		/* `tcp option 254 exists`: whether the option is there, not its kind byte */
		free(s->u.match.left->field);
		s->u.match.left->field = NULL;
		s->u.match.left->dtype = RS_DT_BOOL;
		s->u.match.left->bits = 1;
	}
	tv = tview_of_expr(s->u.match.left);
	parse_term(L, right, &tv, NULL, &s->u.match.right, depth + 1);
	return 0;
}

static unsigned time_unit(const char *per)
{
	static const struct {
		const char *name;
		unsigned secs;
	} units[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
		{ "week", 604800 },
	};

	for (size_t i = 0; per && i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(per, units[i].name))
			return units[i].secs;
	}
	return 1;
}

static uint64_t byte_unit(const char *u)
{
	if (!u || !strcmp(u, "bytes"))
		return 1;
	if (!strcmp(u, "kbytes"))
		return 1024;
	if (!strcmp(u, "mbytes"))
		return 1024 * 1024;
	if (!strcmp(u, "gbytes"))
		return 1024ULL * 1024 * 1024;
	return 1;
}

static int parse_limit(const json_t *v, struct rs_stmt *s)
{
	const char *ru = get_str(v, "rate_unit");
	const char *bu = get_str(v, "burst_unit");

	if (!json_is_object(v) || !json_is_integer(json_object_get(v, "rate")))
		return -1;
	s->kind = RS_ST_LIMIT;
	s->u.limit.rate = get_u64(v, "rate", 0);
	s->u.limit.per = time_unit(get_str(v, "per"));
	s->u.limit.burst = get_u64(v, "burst", 0);
	s->u.limit.inv = get_bool(v, "inv");
	s->u.limit.bytes = ru && strcmp(ru, "packets");
	if (s->u.limit.bytes) {
		s->u.limit.rate *= byte_unit(ru);
		s->u.limit.burst *= byte_unit(bu ? bu : "bytes");
	}
	return 0;
}

static unsigned log_flag(const char *f)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "tcp sequence", RS_LOG_F_TCPSEQ }, { "tcp options", RS_LOG_F_TCPOPT },
		{ "ip options", RS_LOG_F_IPOPT }, { "skuid", RS_LOG_F_SKUID },
		{ "ether", RS_LOG_F_ETHER },
		{ "all", RS_LOG_F_TCPSEQ | RS_LOG_F_TCPOPT | RS_LOG_F_IPOPT | RS_LOG_F_SKUID |
			 RS_LOG_F_ETHER },
	};

	for (size_t i = 0; f && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(f, names[i].name))
			return names[i].bit;
	}
	return 0;
}

static int parse_log(struct loader *L, const json_t *v, struct rs_stmt *s)
{
	static const char *const levels[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	};
	const char *level = get_str(v, "level");
	json_t *fl = json_object_get(v, "flags");
	size_t i;
	json_t *f;

	if (!json_is_object(v) && !json_is_null(v))
		return -1;
	s->kind = RS_ST_LOG;
	s->u.log.prefix = xstrdup(L, get_str(v, "prefix"));
	s->u.log.group = json_is_integer(json_object_get(v, "group"))
				 ? (int)(get_u64(v, "group", 0) & 0xffff) : -1;
	s->u.log.level = RS_LOG_LEVEL_DEFAULT;
	for (int k = 0; level && k < 8; k++) {
		if (!strcmp(level, levels[k]))
			s->u.log.level = k;
	}
	s->u.log.snaplen = (uint32_t)get_u64(v, "snaplen", 0);
	s->u.log.qthreshold = (uint32_t)get_u64(v, "queue-threshold", 0);
	if (json_is_string(fl))
		s->u.log.flags = log_flag(json_string_value(fl));
	json_array_foreach(fl, i, f)
		s->u.log.flags |= log_flag(json_string_value(f));
	return 0;
}

/* {"elem": {"val": EXPR, "timeout": N}} or a bare EXPR */
static struct rs_expr *parse_elem_expr(struct loader *L, const json_t *j, uint64_t *timeout_ms,
				       int depth)
{
	json_t *inner;
	const char *k = only_key(j, &inner);

	*timeout_ms = 0;
	if (k && !strcmp(k, "elem") && json_is_object(inner)) {
		*timeout_ms = get_u64(inner, "timeout", 0) * 1000;
		return parse_expr(L, json_object_get(inner, "val"), depth + 1);
	}
	return parse_expr(L, j, depth + 1);
}

static int parse_set_stmt(struct loader *L, const json_t *v, struct rs_stmt *s, int depth)
{
	static const char *const ops[] = { "", "add", "update", "delete" };
	const char *op = get_str(v, "op");
	const char *set = get_str(v, "set");
	struct rs_setstmt *st = &s->u.set;

	if (!op || !set || !json_object_get(v, "elem"))
		return -1;
	for (int i = 1; i < 4; i++) {
		if (!strcmp(op, ops[i]))
			st->op = (enum rs_setop)i;
	}
	if (!st->op)
		return -1;
	s->kind = RS_ST_SET;
	st->set_name = xstrdup(L, set[0] == '@' ? set + 1 : set);
	st->elem = parse_elem_expr(L, json_object_get(v, "elem"), &st->timeout_ms, depth);
	parse_stmts(L, json_object_get(v, "stmt"), &st->stmts, &st->nstmts, depth + 1);
	return 0;
}

static int parse_meter(struct loader *L, const json_t *v, struct rs_stmt *s, int depth)
{
	struct rs_meter *m = &s->u.meter;

	if (!json_is_object(v) || !json_object_get(v, "key"))
		return -1;
	s->kind = RS_ST_METER;
	m->name = xstrdup(L, get_str(v, "name"));
	m->size = get_u64(v, "size", 0);
	m->key = parse_elem_expr(L, json_object_get(v, "key"), &m->timeout_ms, depth);
	parse_stmts(L, json_object_get(v, "stmt"), &m->stmts, &m->nstmts, depth + 1);
	return 0;
}

static unsigned nat_flag(const char *f)
{
	static const char *const names[] = { "random", "fully-random", "persistent", "netmap",
					     "prefix" };

	for (unsigned i = 0; f && i < 5; i++) {
		if (!strcmp(f, names[i]))
			return 1u << i;
	}
	return 0;
}

static int parse_nat(struct loader *L, const char *k, const json_t *v, struct rs_stmt *s,
		     int depth)
{
	static const char *const kinds[] = { "", "snat", "dnat", "masquerade", "redirect" };
	struct rs_nat *n = &s->u.nat;
	json_t *addr, *port, *fl;
	struct tview at, pt = tview_single(RS_DT_INTEGER, 16);
	size_t i;
	json_t *f;

	for (int i2 = 1; i2 < 5; i2++) {
		if (!strcmp(k, kinds[i2]))
			n->kind = (enum rs_nat_kind)i2;
	}
	if (!n->kind || (!json_is_object(v) && !json_is_null(v)))
		return -1;
	s->kind = RS_ST_NAT;
	n->family = rs_family_lookup(get_str(v, "family"));
	at = tview_single(n->family == RS_FAM_IP6 ? RS_DT_IPV6 :
			  n->family == RS_FAM_IP ? RS_DT_IPV4 : RS_DT_UNKNOWN, 0);
	addr = json_object_get(v, "addr");
	port = json_object_get(v, "port");
	if (addr)
		parse_term(L, addr, &at, &at, &n->addr, depth + 1);
	if (port)
		parse_term(L, port, &pt, &pt, &n->port, depth + 1);
	fl = json_object_get(v, "flags");
	if (json_is_string(fl))
		n->flags |= nat_flag(json_string_value(fl));
	json_array_foreach(fl, i, f)
		n->flags |= nat_flag(json_string_value(f));
	if (json_is_string(json_object_get(v, "type_flags")))
		n->flags |= nat_flag(get_str(v, "type_flags"));
	return 0;
}

static int parse_reject(struct loader *L, const json_t *v, struct rs_stmt *s)
{
	if (!json_is_object(v) && !json_is_null(v))
		return -1;
	s->kind = RS_ST_REJECT;
	s->u.reject.type = xstrdup(L, get_str(v, "type"));
	s->u.reject.code = json_is_integer(json_object_get(v, "expr"))
				   ? (int)(get_u64(v, "expr", 0) & 0xff) : -1;
	return 0;
}

static int parse_dup(struct loader *L, const char *k, const json_t *v, struct rs_stmt *s,
		     int depth)
{
	struct rs_dup *d = &s->u.dup;
	json_t *addr = json_object_get(v, "addr");
	json_t *dev = json_object_get(v, "dev");
	struct tview at;

	if (!json_is_object(v))
		return -1;
	s->kind = !strcmp(k, "dup") ? RS_ST_DUP : RS_ST_FWD;
	d->family = rs_family_lookup(get_str(v, "family"));
	at = tview_single(RS_DT_UNKNOWN, 0);
	if (addr)
		parse_term(L, addr, &at, NULL, &d->addr, depth + 1);
	if (json_is_string(dev)) {
		d->dev = xstrdup(L, json_string_value(dev));
	} else if (dev) {
		/* `fwd to ip daddr map { ... }`: the device is looked up per packet */
		struct tview dt = tview_single(RS_DT_IFNAME, 128);

		parse_term(L, dev, &dt, NULL, &d->devx, depth + 1);
	}
	return 0;
}

static int parse_queue(struct loader *L, const json_t *v, struct rs_stmt *s, int depth)
{
	struct tview nt = tview_single(RS_DT_INTEGER, 16);
	json_t *fl = json_object_get(v, "flags");
	size_t i;
	json_t *f;

	if (!json_is_object(v) && !json_is_null(v))
		return -1;
	s->kind = RS_ST_QUEUE;
	if (json_object_get(v, "num"))
		parse_term(L, json_object_get(v, "num"), &nt, NULL, &s->u.queue.num, depth + 1);
	if (json_is_string(fl)) {
		s->u.queue.flags |= !strcmp(json_string_value(fl), "bypass") ? 1 : 0;
		s->u.queue.flags |= !strcmp(json_string_value(fl), "fanout") ? 2 : 0;
	}
	json_array_foreach(fl, i, f) {
		const char *name = json_string_value(f);

		s->u.queue.flags |= name && !strcmp(name, "bypass") ? 1 : 0;
		s->u.queue.flags |= name && !strcmp(name, "fanout") ? 2 : 0;
	}
	return 0;
}

static int parse_objref(struct loader *L, const char *k, const json_t *v, struct rs_stmt *s,
			int depth)
{
	struct tview st = tview_single(RS_DT_STRING, 0);

	s->kind = RS_ST_OBJREF;
	s->u.objref.type = xstrdup(L, k);
	parse_term(L, v, &st, &st, &s->u.objref.name, depth + 1);
	return 0;
}

static int parse_opaque(struct loader *L, enum rs_stmt_kind kind, const json_t *j,
			struct rs_stmt *s)
{
	s->kind = kind;
	s->json = json_text(L, j);
	if (kind == RS_ST_XT)
		note_unknown(L, j);
	return 0;
}

static int parse_stmt_kind(struct loader *L, const char *k, const json_t *v, const json_t *j,
			   struct rs_stmt *s, int depth)
{
	if (!strcmp(k, "match"))
		return json_is_object(v) ? parse_match(L, v, s, depth) : -1;
	if (parse_verdict(L, k, v, &s->u.verdict) == 0)
		return s->kind = RS_ST_VERDICT, 0;
	if (!strcmp(k, "vmap")) {
		struct tview kt, vt = tview_single(RS_DT_VERDICT, 32);

		if (!json_object_get(v, "key") || !json_object_get(v, "data"))
			return -1;
		s->kind = RS_ST_VMAP;
		s->u.vmap.key = parse_expr(L, json_object_get(v, "key"), depth + 1);
		kt = tview_of_expr(s->u.vmap.key);
		parse_term(L, json_object_get(v, "data"), &kt, &vt, &s->u.vmap.map, depth + 1);
		return 0;
	}
	if (!strcmp(k, "counter") || !strcmp(k, "quota") || !strcmp(k, "limit")) {
		if (json_is_string(v) || (json_is_object(v) && json_object_get(v, "map")))
			return parse_objref(L, k, v, s, depth);
		if (!strcmp(k, "limit"))
			return parse_limit(v, s);
		if (!strcmp(k, "counter")) {
			s->kind = RS_ST_COUNTER;
			s->u.counter.packets = get_u64(v, "packets", 0);
			s->u.counter.bytes = get_u64(v, "bytes", 0);
			return json_is_object(v) || json_is_null(v) ? 0 : -1;
		}
		if (!json_is_object(v))
			return -1;
		s->kind = RS_ST_QUOTA;
		s->u.quota.bytes = get_u64(v, "val", 0) * byte_unit(get_str(v, "val_unit"));
		s->u.quota.used = get_u64(v, "used", 0) * byte_unit(get_str(v, "used_unit"));
		s->u.quota.inv = get_bool(v, "inv");
		return 0;
	}
	if (!strcmp(k, "log"))
		return parse_log(L, v, s);
	if (!strcmp(k, "set"))
		return json_is_object(v) ? parse_set_stmt(L, v, s, depth) : -1;
	if (!strcmp(k, "meter"))
		return parse_meter(L, v, s, depth);
	if (!strcmp(k, "ct count")) {
		if (!json_is_object(v))
			return -1;
		s->kind = RS_ST_CT_COUNT;
		s->u.ct_count.count = get_u64(v, "val", 0);
		s->u.ct_count.inv = get_bool(v, "inv");
		return 0;
	}
	if (!strcmp(k, "mangle")) {
		json_t *key = json_object_get(v, "key"), *val = json_object_get(v, "value");
		struct tview kt;

		if (!key || !val)
			return -1;
		s->kind = RS_ST_MANGLE;
		s->u.mangle.key = parse_expr(L, key, depth + 1);
		kt = tview_of_expr(s->u.mangle.key);
		parse_term(L, val, &kt, &kt, &s->u.mangle.value, depth + 1);
		return 0;
	}
	if (!strcmp(k, "reset")) {
		/* reset tcp option NAME|NUMBER: the option is stripped (value RS_TERM_NONE) */
		json_t *opt = json_is_object(v) ? json_object_get(v, "tcp option") : NULL;

		if (!opt)
			return -1;
		s->kind = RS_ST_MANGLE;
		s->u.mangle.key = expr_new(L, RS_EX_TCPOPT);
		if (s->u.mangle.key && !parse_tcpopt(L, opt, s->u.mangle.key))
			return -1;
		if (s->u.mangle.key) {   /* the whole option goes: no field of it */
			free(s->u.mangle.key->field);
			s->u.mangle.key->field = NULL;
		}
		return 0;
	}
	if (!strcmp(k, "snat") || !strcmp(k, "dnat") || !strcmp(k, "masquerade") ||
	    !strcmp(k, "redirect"))
		return parse_nat(L, k, v, s, depth);
	if (!strcmp(k, "notrack"))
		return s->kind = RS_ST_NOTRACK, 0;
	if (!strcmp(k, "reject"))
		return parse_reject(L, v, s);
	if (!strcmp(k, "queue"))
		return parse_queue(L, v, s, depth);
	if (!strcmp(k, "dup") || !strcmp(k, "fwd"))
		return parse_dup(L, k, v, s, depth);
	if (!strcmp(k, "ct helper") || !strcmp(k, "ct timeout") || !strcmp(k, "ct expectation") ||
	    !strcmp(k, "secmark") || (!strcmp(k, "synproxy") && json_is_string(v)))
		return parse_objref(L, k, v, s, depth);
	if (!strcmp(k, "synproxy"))
		return parse_opaque(L, RS_ST_SYNPROXY, j, s);
	if (!strcmp(k, "flow"))
		return parse_opaque(L, RS_ST_FLOW, j, s);
	if (!strcmp(k, "tproxy"))
		return parse_opaque(L, RS_ST_TPROXY, j, s);
	if (!strcmp(k, "last"))
		return parse_opaque(L, RS_ST_LAST, j, s);
	if (!strcmp(k, "xt"))
		return parse_opaque(L, RS_ST_XT, j, s);
	return -1;
}

static void parse_stmt(struct loader *L, const json_t *j, struct rs_stmt *s, int depth)
{
	json_t *v;
	const char *k = only_key(j, &v);

	memset(s, 0, sizeof(*s));
	if (depth > MAX_DEPTH || !k || parse_stmt_kind(L, k, v, j, s, depth))
		stmt_unknown(L, j, s);
}

static void parse_stmts(struct loader *L, const json_t *j, struct rs_stmt **out, size_t *n,
			int depth)
{
	size_t cnt = json_is_array(j) ? json_array_size(j) : (json_is_object(j) ? 1 : 0);

	*out = NULL;
	*n = 0;
	if (!cnt)
		return;
	*out = xcalloc(L, cnt, sizeof(**out));
	if (!*out)
		return;
	for (size_t i = 0; i < cnt; i++) {
		parse_stmt(L, json_is_array(j) ? json_array_get(j, i) : j, &(*out)[i], depth + 1);
		(*n)++;
	}
}

/* ---- implied protocol matches ----------------------------------------------- */

#define PBIT(p) (1u << (p))

static void protos_of_expr(const struct rs_expr *x, unsigned *mask);

static void protos_of_term(const struct rs_term *t, unsigned *mask)
{
	if (!t)
		return;
	if (t->kind == RS_TERM_EXPR)
		protos_of_expr(t->expr, mask);
}

static void protos_of_expr(const struct rs_expr *x, unsigned *mask)
{
	if (!x)
		return;
	if (x->kind == RS_EX_PAYLOAD && x->key != RS_F_RAW)
		*mask |= PBIT(rs_expr_proto(x));
	/* tcp option: nft adds no dependency; the kernel reads "missing" on other packets */
	/* IPv6 extension headers and ip options: nft puts the IP version in front, also for
	 * `exthdr frag missing` (sctp chunk gets none) */
	if (x->kind == RS_EX_EXTHDR)
		*mask |= PBIT(RS_PROTO_IP6);
	if (x->kind == RS_EX_IPOPT)
		*mask |= PBIT(RS_PROTO_IP);
	for (size_t i = 0; i < x->nsub; i++)
		protos_of_expr(x->sub[i], mask);
	if (x->kind == RS_EX_MAP || x->kind == RS_EX_VALUE)
		protos_of_term(x->arg, mask);
}

static unsigned protos_of_stmt(const struct rs_stmt *s)
{
	unsigned mask = 0;

	switch (s->kind) {
	case RS_ST_MATCH:
		protos_of_expr(s->u.match.left, &mask);
		break;
	case RS_ST_VMAP:
		protos_of_expr(s->u.vmap.key, &mask);
		break;
	case RS_ST_SET:
		protos_of_expr(s->u.set.elem, &mask);
		break;
	case RS_ST_METER:
		protos_of_expr(s->u.meter.key, &mask);
		break;
	case RS_ST_MANGLE:
		protos_of_expr(s->u.mangle.key, &mask);
		protos_of_term(&s->u.mangle.value, &mask);
		break;
	case RS_ST_NAT:
		protos_of_term(&s->u.nat.addr, &mask);
		protos_of_term(&s->u.nat.port, &mask);
		break;
	case RS_ST_OBJREF:   /* limit name tcp dport map { ... } */
		protos_of_term(&s->u.objref.name, &mask);
		break;
	case RS_ST_DUP:
	case RS_ST_FWD:      /* fwd to ip daddr map { ... }: nft loads meta protocol ip first */
		protos_of_term(&s->u.dup.addr, &mask);
		protos_of_term(&s->u.dup.devx, &mask);
		break;
	case RS_ST_REJECT:   /* nft: icmp is IPv4's, icmpv6 IPv6's, a tcp reset TCP's */
		if (s->u.reject.type && !strcmp(s->u.reject.type, "icmp"))
			mask |= PBIT(RS_PROTO_IP);
		else if (s->u.reject.type && !strcmp(s->u.reject.type, "icmpv6"))
			mask |= PBIT(RS_PROTO_IP6);
		else if (s->u.reject.type && !strcmp(s->u.reject.type, "tcp reset"))
			mask |= PBIT(RS_PROTO_TCP);
		break;
	default:
		break;
	}
	return mask;
}

struct proto_dep {
	enum rs_proto proto;
	int nfproto;     /* meta nfproto it implies in inet tables; 0 = none */
	int ethertype;   /* meta protocol it implies in bridge/netdev tables; 0 = none */
	int l4proto;     /* meta l4proto it implies; -1 = none */
};

static const struct proto_dep deps[] = {
	{ RS_PROTO_IP, RS_NFPROTO_IPV4, 0x0800, -1 },
	{ RS_PROTO_IP6, RS_NFPROTO_IPV6, 0x86dd, -1 },
	{ RS_PROTO_ARP, 0, 0x0806, -1 },
	{ RS_PROTO_VLAN, 0, 0x8100, -1 },
	{ RS_PROTO_ICMP, RS_NFPROTO_IPV4, 0x0800, 1 },
	{ RS_PROTO_IGMP, RS_NFPROTO_IPV4, 0x0800, 2 },
	{ RS_PROTO_ICMPV6, RS_NFPROTO_IPV6, 0x86dd, 58 },
	{ RS_PROTO_TCP, 0, 0, 6 },
	{ RS_PROTO_UDP, 0, 0, 17 },
	{ RS_PROTO_UDPLITE, 0, 0, 136 },
	{ RS_PROTO_SCTP, 0, 0, 132 },
	{ RS_PROTO_DCCP, 0, 0, 33 },
	{ RS_PROTO_AH, 0, 0, 51 },
	{ RS_PROTO_ESP, 0, 0, 50 },
	{ RS_PROTO_COMP, 0, 0, 108 },
};

struct known {
	int nfproto, ethertype, l4proto;   /* -1 = not constrained yet */
	int iiftype;                       /* -1 = not constrained yet */
};

/* What an explicit (or implicit) `== value` match pins down. */
static void learn(const struct rs_stmt *s, struct known *k)
{
	const struct rs_match *m = &s->u.match;
	const struct rs_expr *x = m->left;
	int v;

	if (s->kind != RS_ST_MATCH || m->op != RS_OP_EQ || m->right.kind != RS_TERM_VALUE || !x)
		return;
	v = (int)m->right.v.num;
	if (x->kind == RS_EX_META && x->key == RS_META_NFPROTO)
		k->nfproto = v;
	else if (x->kind == RS_EX_META && x->key == RS_META_PROTOCOL)
		k->ethertype = v;
	else if (x->kind == RS_EX_META && x->key == RS_META_IIFTYPE)
		k->iiftype = v;
	else if (x->kind == RS_EX_PAYLOAD && x->key == RS_F_ETHER_TYPE)
		k->ethertype = v;
	else if ((x->kind == RS_EX_META && x->key == RS_META_L4PROTO) ||
		 (x->kind == RS_EX_PAYLOAD && (x->key == RS_F_IP_PROTOCOL ||
					       x->key == RS_F_IP6_NEXTHDR)))
		k->l4proto = v;
}

/*
 * s becomes the implicit match "x == v" nft adds in front of a statement (a
 * new expression of kind; NULL when out of memory); x's key and type are
 * the caller's to set before value_of_implicit().
 */
static struct rs_expr *implicit_eq(struct loader *L, struct rs_stmt *s, enum rs_expr_kind kind)
{
	struct rs_expr *x = expr_new(L, kind);

	memset(s, 0, sizeof(*s));
	s->kind = RS_ST_MATCH;
	s->u.match.op = RS_OP_EQ;
	s->u.match.implicit = true;
	s->u.match.left = x;
	return x;
}

static void value_of_implicit(struct rs_stmt *s, uint64_t v)
{
	const struct rs_expr *x = s->u.match.left;

	s->u.match.right.kind = RS_TERM_VALUE;
	rs_value_from_num(&s->u.match.right.v, RS_DT_INTEGER, x->bits, v);
	s->u.match.right.v.dtype = x->dtype;
}

static void implicit_match(struct loader *L, struct rs_stmt *s, enum rs_meta_key key, uint64_t v)
{
	struct rs_expr *x = implicit_eq(L, s, RS_EX_META);

	if (!x)
		return;
	x->key = key;
	rs_meta_type(key, &x->dtype, &x->bits);
	value_of_implicit(s, v);
}

/*
 * The implicit `ether type V` nft puts in front of a vlan or arp header
 * match in bridge and netdev tables: a link-layer read, which sees a VLAN
 * tag (0x8100) where meta protocol sees the type inside it.
 */
static void implicit_ether_type(struct loader *L, struct rs_stmt *s, uint64_t v)
{
	const struct rs_field_info *fi = rs_field_info(RS_F_ETHER_TYPE);
	struct rs_expr *x = implicit_eq(L, s, RS_EX_PAYLOAD);

	if (!x || !fi)
		return;
	x->key = RS_F_ETHER_TYPE;
	x->dtype = fi->dtype;
	x->bits = fi->bits;
	value_of_implicit(s, v);
}

/* Matches to insert before a statement that uses protocol mask `mask`. */
static size_t needed(enum rs_family fam, unsigned mask, struct known *k,
		     enum rs_meta_key *keys, uint64_t *vals, bool *ether)
{
	size_t n = 0;

	/* an ether header match in ip, ip6 and inet tables: nft adds meta iiftype ether */
	if ((mask & PBIT(RS_PROTO_ETHER)) && k->iiftype < 0 &&
	    (fam == RS_FAM_IP || fam == RS_FAM_IP6 || fam == RS_FAM_INET)) {
		keys[n] = RS_META_IIFTYPE;
		vals[n++] = 1;   /* ARPHRD_ETHER */
		k->iiftype = 1;
	}
	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++) {
		const struct proto_dep *d = &deps[i];

		if (!(mask & PBIT(d->proto)))
			continue;
		if (fam == RS_FAM_INET && d->nfproto && k->nfproto < 0) {
			keys[n] = RS_META_NFPROTO;
			vals[n++] = (uint64_t)d->nfproto;
			k->nfproto = d->nfproto;
		}
		if ((fam == RS_FAM_BRIDGE || fam == RS_FAM_NETDEV) && d->ethertype &&
		    k->ethertype < 0) {
			/* nft: ether type for a header right behind the Ethernet one */
			ether[n] = d->proto == RS_PROTO_VLAN || d->proto == RS_PROTO_ARP;
			keys[n] = RS_META_PROTOCOL;
			vals[n++] = (uint64_t)d->ethertype;
			k->ethertype = d->ethertype;
		}
		if (d->l4proto >= 0 && k->l4proto < 0) {
			keys[n] = RS_META_L4PROTO;
			vals[n++] = (uint64_t)d->l4proto;
			k->l4proto = d->l4proto;
		}
	}
	return n;
}

/*
 * ICMP fields that exist in one message type only: nft puts `icmp type T`
 * in front (redirect for the gateway, destination-unreachable for the mtu,
 * packet-too-big and mld-listener-query for ICMPv6) and lists the rule
 * without it. -1 when s needs none or an earlier match already names a type.
 */
static int icmp_type_needed(const struct rs_rule *r, size_t i)
{
	const struct rs_stmt *s = &r->items[i];
	const struct rs_expr *x = s->kind == RS_ST_MATCH ? s->u.match.left : NULL;
	int t;

	if (!x || x->kind != RS_EX_PAYLOAD)
		return -1;
	switch (x->key) {
	case RS_F_ICMP_GATEWAY: t = 5; break;
	case RS_F_ICMP_MTU: t = 3; break;
	case RS_F_ICMPV6_MTU: t = 2; break;
	case RS_F_ICMPV6_MAXDELAY: t = 130; break;
	default: return -1;
	}
	for (size_t k = 0; k < i; k++) {
		const struct rs_expr *y = r->items[k].kind == RS_ST_MATCH ?
					  r->items[k].u.match.left : NULL;

		if (y && y->kind == RS_EX_PAYLOAD &&
		    (y->key == RS_F_ICMP_TYPE || y->key == RS_F_ICMPV6_TYPE))
			return -1;
	}
	return t;
}

static void implicit_icmp_type(struct loader *L, struct rs_stmt *s, bool v6, int type)
{
	struct rs_expr *x = implicit_eq(L, s, RS_EX_PAYLOAD);
	const struct rs_field_info *fi;

	if (!x)
		return;
	x->key = v6 ? RS_F_ICMPV6_TYPE : RS_F_ICMP_TYPE;
	fi = rs_field_info((enum rs_field)x->key);
	x->dtype = fi->dtype;
	x->bits = fi->bits;
	value_of_implicit(s, (uint64_t)type);
}

/*
 * count zeroed elements of size bytes opened at index at of the array *arr
 * of *n elements (the ones from at on move up); the first new one, or NULL
 * (L->oom set, the array as it was) when memory runs out. Only a rule's
 * implied matches are inserted so, a few a rule, into the array that
 * parse_stmts made at its size: growing by count is enough there.
 */
static void *open_slots(struct loader *L, void *arr, size_t *n, size_t at, size_t count,
			size_t size)
{
	void *old;
	char *v;

	memcpy(&old, arr, sizeof(old));   /* arr is a T **: read the pointer without aliasing it */
	v = realloc(old, (*n + count) * size);
	if (!v) {
		L->oom = true;
		return NULL;
	}
	memcpy(arr, &v, sizeof(v));
	memmove(v + (at + count) * size, v + at * size, (*n - at) * size);
	memset(v + at * size, 0, count * size);
	*n += count;
	return v + at * size;
}

/*
 * A zeroed element at the end of *arr (a T **, *n elements of size bytes,
 * room for *cap), made by doubling (grow_for_one); NULL when out of memory.
 */
static void *append_zeroed(struct loader *L, void *arr, size_t *n, size_t *cap, size_t size)
{
	char *v;

	if (grow_for_one(arr, cap, *n, size, 8)) {
		L->oom = true;
		return NULL;
	}
	memcpy(&v, arr, sizeof(v));   /* arr is a T **: read the pointer without aliasing it */
	memset(v + *n * size, 0, size);
	return v + (*n)++ * size;
}

static bool insert_icmp_type(struct loader *L, struct rs_rule *r, size_t i)
{
	int t = icmp_type_needed(r, i);
	struct rs_stmt *slot;
	bool v6;

	if (t < 0)
		return false;
	/* a match on an ICMP field (icmp_type_needed checked it) */
	v6 = r->items[i].u.match.left->key == RS_F_ICMPV6_MTU ||
	     r->items[i].u.match.left->key == RS_F_ICMPV6_MAXDELAY;
	slot = open_slots(L, &r->items, &r->nitems, i, 1, sizeof(*slot));
	if (!slot)
		return false;
	implicit_icmp_type(L, slot, v6, t);
	return true;
}

static void add_implied(struct loader *L, struct rs_rule *r, enum rs_family fam)
{
	struct known k = { -1, -1, -1, -1 };
	enum rs_meta_key keys[8];
	uint64_t vals[8];
	bool ether[8] = { false };

	if (fam == RS_FAM_IP)
		k.nfproto = RS_NFPROTO_IPV4;
	else if (fam == RS_FAM_IP6)
		k.nfproto = RS_NFPROTO_IPV6;
	for (size_t i = 0; i < r->nitems && !L->oom; i++) {
		size_t n;

		memset(ether, 0, sizeof(ether));
		n = needed(fam, protos_of_stmt(&r->items[i]), &k, keys, vals, ether);
		if (n) {
			struct rs_stmt *v = open_slots(L, &r->items, &r->nitems, i, n, sizeof(*v));

			if (!v)
				return;
			for (size_t m = 0; m < n; m++) {
				if (ether[m])
					implicit_ether_type(L, &v[m], vals[m]);
				else
					implicit_match(L, &v[m], keys[m], vals[m]);
			}
			i += n;
		}
		if (insert_icmp_type(L, r, i))
			i++;
		learn(&r->items[i], &k);
	}
}

/* ---- objects ---------------------------------------------------------------- */

static struct rs_table *find_table(struct loader *L, const json_t *o)
{
	enum rs_family fam = rs_family_lookup(get_str(o, "family"));

	return ruleset_table(L->rs, fam, get_str(o, "table"));
}

static int push_ptr(struct loader *L, void ***v, size_t *n, void *p)
{
	void **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv) {
		L->oom = true;
		return -1;
	}
	nv[(*n)++] = p;
	*v = nv;
	return 0;
}

/* A new zeroed object of size bytes at the end of the pointer array *v; NULL when out of memory. */
static void *push_new(struct loader *L, void ***v, size_t *n, size_t size)
{
	void *p = xcalloc(L, 1, size);

	if (p && push_ptr(L, v, n, p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* A flag in nft's "flags": one name or a list of names (core/listing.c writes the list). */
static bool has_flag(const json_t *fl, const char *name)
{
	const json_t *f;
	size_t i;

	if (json_is_string(fl))
		return !strcmp(json_string_value(fl), name);
	json_array_foreach(fl, i, f)
		if (json_is_string(f) && !strcmp(json_string_value(f), name))
			return true;
	return false;
}

static void load_table(struct loader *L, const json_t *o)
{
	struct rs_table *t;
	const char *name = get_str(o, "name");
	enum rs_family fam = rs_family_lookup(get_str(o, "family"));

	if (!name || ruleset_table(L->rs, fam, name))
		return;
	t = push_new(L, (void ***)&L->rs->tables, &L->rs->ntables, sizeof(*t));
	if (!t)
		return;
	t->family = fam;
	t->name = xstrdup(L, name);
	t->handle = get_u64(o, "handle", 0);
	t->comment = xstrdup(L, get_str(o, "comment"));
	t->dormant = has_flag(json_object_get(o, "flags"), "dormant");
}

static enum rs_hook hook_lookup(const char *h)
{
	for (int i = RS_HOOK_PREROUTING; h && i < RS_HOOK_UNKNOWN; i++) {
		if (!strcmp(rs_hook_name((enum rs_hook)i), h))
			return (enum rs_hook)i;
	}
	return RS_HOOK_UNKNOWN;
}

/* A priority the listing gave by name (without -y). */
static int prio_value(const json_t *p)
{
	static const struct {
		const char *name;
		int v;
	} names[] = {
		{ "raw", -300 }, { "mangle", -150 }, { "dstnat", -100 }, { "filter", 0 },
		{ "security", 50 }, { "srcnat", 100 }, { "out", 100 },
	};
	const char *s = json_string_value(p);

	if (json_is_integer(p))
		return (int)json_integer_value(p);
	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name))
			return names[i].v;
	}
	return 0;
}

static void load_devices(struct loader *L, struct rs_chain *c, const json_t *o)
{
	json_t *dev = json_object_get(o, "dev");
	size_t i;
	json_t *d;

	if (!dev)
		dev = json_object_get(o, "devices");
	if (json_is_string(dev)) {
		char *s = xstrdup(L, json_string_value(dev));

		if (s && push_ptr(L, (void ***)&c->devices, &c->ndevices, s))
			free(s);
		return;
	}
	json_array_foreach(dev, i, d) {
		char *s = json_is_string(d) ? xstrdup(L, json_string_value(d)) : NULL;

		if (s && push_ptr(L, (void ***)&c->devices, &c->ndevices, s))
			free(s);
	}
}

static void load_chain(struct loader *L, const json_t *o)
{
	struct rs_table *t = find_table(L, o);
	const char *name = get_str(o, "name");
	const char *policy = get_str(o, "policy");
	struct rs_chain *c;

	if (!t || !name || rs_table_chain(t, name))
		return;
	c = push_new(L, (void ***)&t->chains, &t->nchains, sizeof(*c));
	if (!c)
		return;
	c->table = t;
	c->name = xstrdup(L, name);
	c->handle = get_u64(o, "handle", 0);
	c->comment = xstrdup(L, get_str(o, "comment"));
	c->anonymous = json_is_true(json_object_get(o, "xnft_anonymous"));
	if (get_str(o, "hook")) {
		c->base = true;
		c->type = xstrdup(L, get_str(o, "type"));
		c->hook = hook_lookup(get_str(o, "hook"));
		c->prio = prio_value(json_object_get(o, "prio"));
		c->policy = policy && !strcmp(policy, "drop") ? RS_POLICY_DROP : RS_POLICY_ACCEPT;
		load_devices(L, c, o);
	}
}

static void load_rule(struct loader *L, const json_t *o)
{
	struct rs_table *t = find_table(L, o);
	struct rs_chain *c = t ? rs_table_chain(t, get_str(o, "chain")) : NULL;
	json_t *expr = json_object_get(o, "expr");
	struct rs_rule *r;

	if (!c)
		return;
	r = append_zeroed(L, &c->rules, &c->nrules, &c->rules_cap, sizeof(*r));
	if (!r)
		return;
	r->chain = c;
	r->handle = get_u64(o, "handle", 0);
	r->comment = xstrdup(L, get_str(o, "comment"));
	L->rule = r;
	parse_stmts(L, json_is_array(expr) ? expr : NULL, &r->items, &r->nitems, 0);
	if (expr && !json_is_array(expr)) {
		/* a rule whose body is not a list: keep it as one unknown statement */
		r->items = xcalloc(L, 1, sizeof(*r->items));
		if (r->items) {
			stmt_unknown(L, expr, &r->items[0]);
			r->nitems = 1;
		}
	}
	add_implied(L, r, t->family);
	L->rule = NULL;
}

static unsigned set_flags(const json_t *fl)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "constant", RS_SETF_CONSTANT }, { "interval", RS_SETF_INTERVAL },
		{ "timeout", RS_SETF_TIMEOUT }, { "dynamic", RS_SETF_DYNAMIC },
	};
	unsigned f = 0;
	size_t i;
	json_t *x;

	json_array_foreach(fl, i, x) {
		const char *s = json_string_value(x);

		for (size_t k = 0; s && k < sizeof(names) / sizeof(names[0]); k++) {
			if (!strcmp(s, names[k].name))
				f |= names[k].bit;
		}
	}
	if (json_is_string(fl))
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (!strcmp(json_string_value(fl), names[k].name))
				f |= names[k].bit;
	return f;
}

static void load_set(struct loader *L, const json_t *o, bool is_map)
{
	struct rs_table *t = find_table(L, o);
	const char *name = get_str(o, "name");
	struct tview kt, dt;
	struct rs_set *s;

	if (!t || !name || rs_table_set(t, name))
		return;
	s = push_new(L, (void ***)&t->sets, &t->nsets, sizeof(*s));
	if (!s)
		return;
	s->table = t;
	s->name = xstrdup(L, name);
	s->handle = get_u64(o, "handle", 0);
	s->is_map = is_map;
	parse_type(L, json_object_get(o, "type"), &s->key);
	if (is_map) {
		parse_type(L, json_object_get(o, "map"), &s->data);
		s->data_verdict = s->data.n == 1 && s->data.part[0].dtype == RS_DT_VERDICT;
	}
	s->flags = set_flags(json_object_get(o, "flags"));
	s->timeout_ms = get_u64(o, "timeout", 0) * 1000;
	s->gc_interval_ms = get_u64(o, "gc-interval", 0) * 1000;
	s->size = get_u64(o, "size", 0);
	s->policy = xstrdup(L, get_str(o, "policy"));
	s->comment = xstrdup(L, get_str(o, "comment"));
	kt = tview_of_type(&s->key);
	dt = tview_of_type(&s->data);
	parse_set_elems(L, json_object_get(o, "elem"), &kt, is_map ? &dt : NULL, &s->elems,
			&s->nelems, 0);
	parse_stmts(L, json_object_get(o, "stmt"), &s->stmts, &s->nstmts, 0);
}

static void load_object(struct loader *L, const char *kind, const json_t *o)
{
	struct rs_table *t = find_table(L, o);
	struct rs_object *ob;

	if (!t)
		return;
	ob = append_zeroed(L, &t->objects, &t->nobjects, &t->objects_cap, sizeof(*ob));
	if (!ob)
		return;
	ob->table = t;
	ob->type = xstrdup(L, kind);
	ob->name = xstrdup(L, get_str(o, "name"));
	ob->handle = get_u64(o, "handle", 0);
	ob->json = json_text(L, o);
}

static void load_item(struct loader *L, const json_t *item)
{
	json_t *o;
	const char *k = only_key(item, &o);

	if (!k || !json_is_object(o) || !strcmp(k, "metainfo"))
		return;
	if (!strcmp(k, "table"))
		load_table(L, o);
	else if (!strcmp(k, "chain"))
		load_chain(L, o);
	else if (!strcmp(k, "rule"))
		load_rule(L, o);
	else if (!strcmp(k, "set"))
		load_set(L, o, false);
	else if (!strcmp(k, "map"))
		load_set(L, o, true);
	else
		load_object(L, k, o);
}

/* ---- references ------------------------------------------------------------- */

static void resolve_term(struct rs_table *t, struct rs_term *x);

static void resolve_expr(struct rs_table *t, struct rs_expr *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nsub; i++)
		resolve_expr(t, x->sub[i]);
	resolve_term(t, x->arg);
}

static void resolve_verdict(struct rs_table *t, struct rs_verdict *v)
{
	if (v->target)
		v->chain = rs_table_chain(t, v->target);
}

static void resolve_term(struct rs_table *t, struct rs_term *x)
{
	if (!x)
		return;
	if (x->kind == RS_TERM_SETREF)
		x->set = rs_table_set(t, x->set_name);
	if (x->kind == RS_TERM_VERDICT)
		resolve_verdict(t, &x->verdict);
	for (size_t i = 0; i < x->nsub; i++)
		resolve_term(t, &x->sub[i]);
	for (size_t i = 0; i < x->nelems; i++) {
		resolve_term(t, &x->elems[i].key);
		resolve_term(t, x->elems[i].data);
	}
	resolve_expr(t, x->expr);
}

static void resolve_stmt(struct rs_table *t, struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH:
		resolve_expr(t, s->u.match.left);
		resolve_term(t, &s->u.match.right);
		break;
	case RS_ST_VERDICT:
		resolve_verdict(t, &s->u.verdict);
		break;
	case RS_ST_VMAP:
		resolve_expr(t, s->u.vmap.key);
		resolve_term(t, &s->u.vmap.map);
		break;
	case RS_ST_SET:
		s->u.set.set = rs_table_set(t, s->u.set.set_name);
		resolve_expr(t, s->u.set.elem);
		for (size_t i = 0; i < s->u.set.nstmts; i++)
			resolve_stmt(t, &s->u.set.stmts[i]);
		break;
	case RS_ST_METER:
		resolve_expr(t, s->u.meter.key);
		break;
	case RS_ST_MANGLE:
		resolve_expr(t, s->u.mangle.key);
		resolve_term(t, &s->u.mangle.value);
		break;
	case RS_ST_NAT:
		resolve_term(t, &s->u.nat.addr);
		resolve_term(t, &s->u.nat.port);
		break;
	case RS_ST_OBJREF:
		resolve_term(t, &s->u.objref.name);
		break;
	default:
		break;
	}
}

static void resolve(struct ruleset *rs)
{
	for (size_t ti = 0; ti < rs->ntables; ti++) {
		struct rs_table *t = rs->tables[ti];

		for (size_t ci = 0; ci < t->nchains; ci++) {
			struct rs_chain *c = t->chains[ci];

			for (size_t ri = 0; ri < c->nrules; ri++) {
				struct rs_rule *r = &c->rules[ri];

				for (size_t i = 0; i < r->nitems; i++) {
					struct rs_verdict *v = &r->items[i].u.verdict;

					resolve_stmt(t, &r->items[i]);
					if (r->items[i].kind == RS_ST_VERDICT && v->chain &&
					    v->chain->anonymous)
						v->chain->bound_by = r;
				}
				r->verdict = NULL;
				for (size_t i = r->nitems; i-- > 0;) {
					if (r->items[i].kind == RS_ST_VERDICT ||
					    r->items[i].kind == RS_ST_VMAP) {
						r->verdict = &r->items[i];
						break;
					}
				}
			}
		}
		for (size_t si = 0; si < t->nsets; si++) {
			struct rs_set *s = t->sets[si];

			for (size_t i = 0; i < s->nelems; i++)
				resolve_term(t, s->elems[i].data);
		}
	}
}

int ruleset_from_json(const char *json, size_t len, struct ruleset **out, struct xerr *e)
{
	struct loader L = { 0 };
	json_error_t jerr;
	json_t *root, *items;
	size_t i;
	json_t *item;

	*out = NULL;
	root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	if (!root)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "ruleset listing is not JSON: %s (line %d)",
				jerr.text, jerr.line);
	items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		json_decref(root);
		return xerr_set(e, XNFT_EXIT_FINDINGS,
				"ruleset listing has no \"nftables\" array at its top level");
	}
	L.rs = calloc(1, sizeof(*L.rs));
	if (!L.rs) {
		json_decref(root);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	json_array_foreach(items, i, item) {
		load_item(&L, item);
		if (L.oom)
			break;
	}
	json_decref(root);
	if (L.oom) {
		ruleset_free(L.rs);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory loading the ruleset");
	}
	resolve(L.rs);
	*out = L.rs;
	return 0;
}

/* ---- one set's own listing ------------------------------------------------------- */

/* Give an already loaded set the elements of its own listing (`list set`). */
static int graft_elems(struct loader *L, const json_t *o, struct xerr *e)
{
	struct rs_table *t = find_table(L, o);
	const char *name = get_str(o, "name");
	struct rs_set *s = t && name ? rs_table_set(t, name) : NULL;
	struct tview kt, dt;

	if (!s)
		return xerr_set(e, XNFT_EXIT_USAGE, "set %s is listed alone but not in the ruleset",
				name ? name : "(unnamed)");
	if (s->nelems)
		return 0;
	kt = tview_of_type(&s->key);
	dt = tview_of_type(&s->data);
	parse_set_elems(L, json_object_get(o, "elem"), &kt, s->is_map ? &dt : NULL, &s->elems,
			&s->nelems, 0);
	for (size_t i = 0; i < s->nelems; i++)
		resolve_term(t, s->elems[i].data);
	return 0;
}

int ruleset_add_set_json(struct ruleset *rs, const char *json, size_t len, struct xerr *e)
{
	struct loader L = { .rs = rs };
	json_error_t jerr;
	json_t *root, *item, *o;
	size_t i;
	int rc = 0;

	root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	if (!root)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "set listing is not JSON: %s (line %d)",
				jerr.text, jerr.line);
	json_array_foreach(json_object_get(root, "nftables"), i, item) {
		const char *k = only_key(item, &o);

		if (k && json_is_object(o) && (!strcmp(k, "set") || !strcmp(k, "map")))
			rc = graft_elems(&L, o, e);
		if (rc || L.oom)
			break;
	}
	json_decref(root);
	if (!rc && L.oom)
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory loading a set's elements");
	return rc;
}
