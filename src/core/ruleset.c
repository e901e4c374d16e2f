// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model: name tables, values, lookups, freeing, and printing a
 * rule back as nft text for messages. Building it from JSON is in
 * ruleset_json.c.
 */
#include "core/ruleset.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- name tables --------------------------------------------------------- */

static const struct rs_field_info fields[RS_F__COUNT] = {
#define RS_FIELD_INFO(id, pr, pname, fname, off, len, dt) \
	[RS_F_##id] = { RS_F_##id, RS_PROTO_##pr, pname, fname, off, len, RS_DT_##dt },
	RS_FIELDS(RS_FIELD_INFO)
#undef RS_FIELD_INFO
};

const struct rs_field_info *rs_field_info(enum rs_field f)
{
	if (f <= RS_F_NONE || f >= RS_F_RAW)
		return NULL;
	return &fields[f];
}

enum rs_field rs_field_lookup(const char *proto, const char *field)
{
	if (!proto || !field)
		return RS_F_NONE;
	for (int f = RS_F_NONE + 1; f < RS_F_RAW; f++) {
		if (!strcmp(fields[f].proto_name, proto) && !strcmp(fields[f].name, field))
			return (enum rs_field)f;
	}
	return RS_F_NONE;
}

struct key_info {
	const char *name;
	unsigned bits;
	enum rs_dtype dtype;
};

static const struct key_info meta_keys[RS_META__COUNT] = {
#define RS_META_INFO(id, nm, b, dt) [RS_META_##id] = { nm, b, RS_DT_##dt },
	RS_META_KEYS(RS_META_INFO)
#undef RS_META_INFO
};

static const struct key_info ct_keys[RS_CT__COUNT] = {
#define RS_CT_INFO(id, nm, b, dt) [RS_CT_##id] = { nm, b, RS_DT_##dt },
	RS_CT_KEYS(RS_CT_INFO)
#undef RS_CT_INFO
};

const char *rs_meta_name(enum rs_meta_key k)
{
	if (k <= RS_META_NONE || k >= RS_META__COUNT)
		return NULL;
	return meta_keys[k].name;
}

const char *rs_ct_name(enum rs_ct_key k)
{
	if (k <= RS_CT_NONE || k >= RS_CT__COUNT)
		return NULL;
	return ct_keys[k].name;
}

void rs_meta_type(enum rs_meta_key k, enum rs_dtype *dt, unsigned *bits)
{
	int ok = k > RS_META_NONE && k < RS_META__COUNT;

	*dt = ok ? meta_keys[k].dtype : RS_DT_UNKNOWN;
	*bits = ok ? meta_keys[k].bits : 0;
}

void rs_ct_type(enum rs_ct_key k, enum rs_dtype *dt, unsigned *bits)
{
	int ok = k > RS_CT_NONE && k < RS_CT__COUNT;

	*dt = ok ? ct_keys[k].dtype : RS_DT_UNKNOWN;
	*bits = ok ? ct_keys[k].bits : 0;
}

static const char *const family_names[] = {
	[RS_FAM_UNKNOWN] = "unknown", [RS_FAM_IP] = "ip", [RS_FAM_IP6] = "ip6",
	[RS_FAM_INET] = "inet", [RS_FAM_ARP] = "arp", [RS_FAM_BRIDGE] = "bridge",
	[RS_FAM_NETDEV] = "netdev",
};

const char *rs_family_name(enum rs_family f)
{
	if ((unsigned)f >= sizeof(family_names) / sizeof(family_names[0]))
		return "unknown";
	return family_names[f];
}

enum rs_family rs_family_lookup(const char *name)
{
	for (size_t i = 1; name && i < sizeof(family_names) / sizeof(family_names[0]); i++) {
		if (!strcmp(family_names[i], name))
			return (enum rs_family)i;
	}
	return RS_FAM_UNKNOWN;
}

static const char *const hook_names[] = {
	[RS_HOOK_NONE] = "", [RS_HOOK_PREROUTING] = "prerouting", [RS_HOOK_INPUT] = "input",
	[RS_HOOK_FORWARD] = "forward", [RS_HOOK_OUTPUT] = "output",
	[RS_HOOK_POSTROUTING] = "postrouting", [RS_HOOK_INGRESS] = "ingress",
	[RS_HOOK_EGRESS] = "egress", [RS_HOOK_UNKNOWN] = "unknown",
};

const char *rs_hook_name(enum rs_hook h)
{
	if ((unsigned)h >= sizeof(hook_names) / sizeof(hook_names[0]))
		return "unknown";
	return hook_names[h];
}

const char *rs_op_name(enum rs_op op)
{
	static const char *const names[] = { "==", "!=", "<", ">", "<=", ">=", "in", "!" };

	if ((unsigned)op >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[op];
}

const char *rs_verdict_name(enum rs_verdict_kind v)
{
	static const char *const names[] = {
		"", "accept", "drop", "continue", "return", "jump", "goto", "queue",
	};

	if ((unsigned)v >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[v];
}

static const char *const proto_names[RS_PROTO__COUNT] = {
	[RS_PROTO_NONE] = "", [RS_PROTO_ETHER] = "ether", [RS_PROTO_VLAN] = "vlan",
	[RS_PROTO_ARP] = "arp", [RS_PROTO_IP] = "ip", [RS_PROTO_IP6] = "ip6",
	[RS_PROTO_ICMP] = "icmp", [RS_PROTO_ICMPV6] = "icmpv6", [RS_PROTO_IGMP] = "igmp",
	[RS_PROTO_TCP] = "tcp", [RS_PROTO_UDP] = "udp", [RS_PROTO_UDPLITE] = "udplite",
	[RS_PROTO_SCTP] = "sctp", [RS_PROTO_DCCP] = "dccp", [RS_PROTO_AH] = "ah",
	[RS_PROTO_ESP] = "esp", [RS_PROTO_COMP] = "comp", [RS_PROTO_TH] = "th",
	[RS_PROTO_RAW] = "raw",
};

const char *rs_proto_name(enum rs_proto p)
{
	if ((unsigned)p >= RS_PROTO__COUNT)
		return "";
	return proto_names[p];
}

enum rs_proto rs_expr_proto(const struct rs_expr *x)
{
	const struct rs_field_info *fi;

	if (!x || x->kind != RS_EX_PAYLOAD)
		return RS_PROTO_NONE;
	fi = rs_field_info((enum rs_field)x->key);
	return fi ? fi->proto : RS_PROTO_NONE;
}

/* ---- values --------------------------------------------------------------- */

static void put_be(uint8_t *b, unsigned bits, uint64_t num)
{
	unsigned nbytes = bits ? (bits + 7) / 8 : 8;

	if (nbytes > 8)
		nbytes = 8;
	memset(b, 0, RS_VALUE_BYTES);
	for (unsigned i = 0; i < nbytes; i++)
		b[nbytes - 1 - i] = (uint8_t)(num >> (8 * i));
}

void rs_value_from_num(struct rs_value *v, enum rs_dtype dt, unsigned bits, uint64_t num)
{
	memset(v, 0, sizeof(*v));
	v->dtype = dt == RS_DT_UNKNOWN ? RS_DT_INTEGER : dt;
	v->bits = bits;
	/* nft 1.0.6 lists ether types and arp opcodes in host order (0x0800 as 8) */
	if (dt == RS_DT_ETHERTYPE)
		num = ((num & 0xff) << 8) | ((num >> 8) & 0xff);
	if (bits && bits < 64)
		num &= (1ULL << bits) - 1;
	v->num = num;
	put_be(v->b, bits > 64 ? 64 : bits, num);
}

static uint64_t num_from_bytes(const uint8_t *b, unsigned nbytes)
{
	uint64_t n = 0;
	unsigned start = nbytes > 8 ? nbytes - 8 : 0;

	for (unsigned i = start; i < nbytes; i++)
		n = (n << 8) | b[i];
	return n;
}

int rs_value_from_bytes(struct rs_value *v, enum rs_dtype dt, unsigned bits, const uint8_t *b,
			size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (len > RS_VALUE_BYTES)
		len = RS_VALUE_BYTES;
	if (dt != RS_DT_IPV4 && dt != RS_DT_IPV6 && dt != RS_DT_ETHER) {
		rs_value_from_num(v, dt, bits, num_from_bytes(b, (unsigned)len));
		return 0;
	}
	memset(v, 0, sizeof(*v));
	v->dtype = dt;
	v->bits = bits;
	memcpy(v->b, b, len);
	v->num = num_from_bytes(b, (unsigned)len);
	/* the same text the JSON listing gives, for messages */
	if (dt == RS_DT_ETHER)
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
			 b[3], b[4], b[5]);
	else if (!inet_ntop(dt == RS_DT_IPV4 ? AF_INET : AF_INET6, b, text, sizeof(text)))
		text[0] = '\0';
	v->str = strdup(text);
	return v->str ? 0 : -1;
}

static int parse_ether(const char *s, uint8_t *b)
{
	unsigned x[6];
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &x[0], &x[1], &x[2], &x[3], &x[4], &x[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (x[i] > 255)
			return -1;
		b[i] = (uint8_t)x[i];
	}
	return 0;
}

static int parse_uint(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

/*
 * A tc handle as nft prints meta priority (its tchandle type): "root" is
 * TC_H_ROOT, "none" is 0, "MAJOR:MINOR" are hex halves ("1:1234" is
 * 0x00011234). -1 when text is not one.
 */
static int parse_tchandle(const char *s, uint64_t *out)
{
	unsigned long major, minor;
	char *end;

	if (!strcmp(s, "root") || !strcmp(s, "none")) {
		*out = s[0] == 'r' ? 0xffffffffu : 0;
		return 0;
	}
	if (!isxdigit((unsigned char)*s) && *s != ':')
		return -1;
	major = *s == ':' ? 0 : strtoul(s, &end, 16);
	if (*s == ':')
		end = (char *)s;
	if (*end != ':' || major > 0xffff)
		return -1;
	s = end + 1;
	minor = *s ? strtoul(s, &end, 16) : 0;
	if ((*s && *end) || minor > 0xffff || (*s && !isxdigit((unsigned char)*s)))
		return -1;
	*out = (uint64_t)major << 16 | minor;
	return 0;
}

/*
 * A date of meta time as nft writes it, local time: "2030-01-01 00:00:00"
 * (also without seconds, or the date alone), as nanoseconds since the epoch,
 * the kernel's value. -1 when text is not one.
 */
static int parse_datetime(const char *s, uint64_t *out)
{
	static const char *const forms[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm = { .tm_isdst = -1 };
		const char *end = strptime(s, forms[i], &tm);
		time_t t;

		if (!end || *end)
			continue;
		t = mktime(&tm);
		if (t < 0)
			return -1;
		*out = (uint64_t)t * 1000000000ULL;
		return 0;
	}
	return -1;
}

static enum rs_dtype guess_dtype(const char *s)
{
	uint8_t b[16];
	uint64_t n;

	if (inet_pton(AF_INET, s, b) == 1)
		return RS_DT_IPV4;
	if (strchr(s, ':') && inet_pton(AF_INET6, s, b) == 1)
		return RS_DT_IPV6;
	if (parse_ether(s, b) == 0)
		return RS_DT_ETHER;
	if (parse_uint(s, &n) == 0)
		return RS_DT_INTEGER;
	return RS_DT_STRING;
}

static int value_from_name(struct rs_value *v, enum rs_dtype dt, unsigned bits, const char *s)
{
	size_t len = strlen(s);

	v->dtype = dt;
	v->bits = bits ? bits : (dt == RS_DT_IFINDEX ? 32 : 128);
	if (dt == RS_DT_IFNAME && len && s[len - 1] == '*') {
		v->wildcard = true;
		len--;
	}
	if (dt != RS_DT_IFINDEX)
		memcpy(v->b, s, len < RS_VALUE_BYTES ? len : RS_VALUE_BYTES);
	return 0;
}

int rs_value_parse(struct rs_value *v, enum rs_dtype dt, unsigned bits, const char *text)
{
	uint64_t n;

	memset(v, 0, sizeof(*v));
	if (!text)
		return -1;
	v->str = strdup(text);
	if (!v->str)
		return -1;
	if (dt == RS_DT_UNKNOWN)
		dt = guess_dtype(text);
	v->dtype = dt;
	switch (dt) {
	case RS_DT_IPV4:
		v->bits = 32;
		if (inet_pton(AF_INET, text, v->b) == 1) {
			v->num = num_from_bytes(v->b, 4);
			return 0;
		}
		break;
	case RS_DT_IPV6:
		v->bits = 128;
		if (inet_pton(AF_INET6, text, v->b) == 1) {
			v->num = num_from_bytes(v->b, 16);
			return 0;
		}
		break;
	case RS_DT_ETHER:
		v->bits = 48;
		if (parse_ether(text, v->b) == 0) {
			v->num = num_from_bytes(v->b, 6);
			return 0;
		}
		break;
	case RS_DT_IFNAME:
	case RS_DT_IFINDEX:
	case RS_DT_STRING:
		return value_from_name(v, dt, bits, text);
	case RS_DT_INTEGER:
	case RS_DT_ETHERTYPE:
	case RS_DT_BOOL:
		if (parse_uint(text, &n) == 0 ||
		    (dt == RS_DT_INTEGER && bits == 32 && parse_tchandle(text, &n) == 0) ||
		    (dt == RS_DT_INTEGER && bits == 64 && parse_datetime(text, &n) == 0)) {
			char *keep = v->str;

			rs_value_from_num(v, dt, bits, n);
			v->str = keep;
			return 0;
		}
		break;
	default:
		break;
	}
	/* a symbol the numeric listing still printed as text (e.g. "1:2") */
	v->dtype = RS_DT_STRING;
	v->bits = bits;
	memset(v->b, 0, sizeof(v->b));
	memcpy(v->b, text, strlen(text) < RS_VALUE_BYTES ? strlen(text) : RS_VALUE_BYTES);
	return 0;
}

/* ---- freeing --------------------------------------------------------------- */

void rs_value_free(struct rs_value *v)
{
	if (!v)
		return;
	free(v->str);
	v->str = NULL;
}

static void elem_free(struct rs_elem *el)
{
	rs_term_free(&el->key);
	if (el->data) {
		rs_term_free(el->data);
		free(el->data);
	}
	free(el->comment);
}

static void verdict_free(struct rs_verdict *v)
{
	free(v->target);
	v->target = NULL;
}

void rs_term_free(struct rs_term *t)
{
	if (!t)
		return;
	rs_value_free(&t->v);
	rs_value_free(&t->hi);
	for (size_t i = 0; i < t->nsub; i++)
		rs_term_free(&t->sub[i]);
	free(t->sub);
	for (size_t i = 0; i < t->nelems; i++)
		elem_free(&t->elems[i]);
	free(t->elems);
	free(t->set_name);
	verdict_free(&t->verdict);
	rs_expr_free(t->expr);
	free(t->json);
	memset(t, 0, sizeof(*t));
}

void rs_expr_free(struct rs_expr *x)
{
	if (!x)
		return;
	free(x->name);
	free(x->field);
	for (size_t i = 0; i < x->nsub; i++)
		rs_expr_free(x->sub[i]);
	free(x->sub);
	if (x->arg) {
		rs_term_free(x->arg);
		free(x->arg);
	}
	free(x->json);
	free(x);
}

static void stmts_free(struct rs_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rs_stmt_free(&v[i]);
	free(v);
}

void rs_stmt_free(struct rs_stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case RS_ST_MATCH:
		rs_expr_free(s->u.match.left);
		rs_term_free(&s->u.match.right);
		break;
	case RS_ST_VERDICT:
		verdict_free(&s->u.verdict);
		break;
	case RS_ST_VMAP:
		rs_expr_free(s->u.vmap.key);
		rs_term_free(&s->u.vmap.map);
		break;
	case RS_ST_LOG:
		free(s->u.log.prefix);
		break;
	case RS_ST_SET:
		rs_expr_free(s->u.set.elem);
		free(s->u.set.set_name);
		stmts_free(s->u.set.stmts, s->u.set.nstmts);
		break;
	case RS_ST_METER:
		free(s->u.meter.name);
		rs_expr_free(s->u.meter.key);
		stmts_free(s->u.meter.stmts, s->u.meter.nstmts);
		break;
	case RS_ST_MANGLE:
		rs_expr_free(s->u.mangle.key);
		rs_term_free(&s->u.mangle.value);
		break;
	case RS_ST_NAT:
		rs_term_free(&s->u.nat.addr);
		rs_term_free(&s->u.nat.port);
		break;
	case RS_ST_REJECT:
		free(s->u.reject.type);
		break;
	case RS_ST_QUEUE:
		rs_term_free(&s->u.queue.num);
		break;
	case RS_ST_DUP:
	case RS_ST_FWD:
		rs_term_free(&s->u.dup.addr);
		free(s->u.dup.dev);
		rs_term_free(&s->u.dup.devx);
		break;
	case RS_ST_OBJREF:
		free(s->u.objref.type);
		rs_term_free(&s->u.objref.name);
		break;
	default:
		break;
	}
	free(s->json);
	memset(s, 0, sizeof(*s));
}

static void rule_free(struct rs_rule *r)
{
	free(r->comment);
	stmts_free(r->items, r->nitems);
	free(r->loc.file);
	free(r->loc.text);
}

static void chain_free(struct rs_chain *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->type);
	for (size_t i = 0; i < c->ndevices; i++)
		free(c->devices[i]);
	free(c->devices);
	free(c->comment);
	for (size_t i = 0; i < c->nrules; i++)
		rule_free(&c->rules[i]);
	free(c->rules);
	free(c);
}

static void type_free(struct rs_type *t)
{
	for (size_t i = 0; i < t->n && i < RS_CONCAT_MAX; i++)
		free(t->part[i].name);
	t->n = 0;
}

static void set_free(struct rs_set *s)
{
	if (!s)
		return;
	free(s->name);
	type_free(&s->key);
	type_free(&s->data);
	free(s->policy);
	free(s->comment);
	for (size_t i = 0; i < s->nelems; i++)
		elem_free(&s->elems[i]);
	free(s->elems);
	stmts_free(s->stmts, s->nstmts);
	free(s);
}

static void table_free(struct rs_table *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->comment);
	for (size_t i = 0; i < t->nchains; i++)
		chain_free(t->chains[i]);
	free(t->chains);
	for (size_t i = 0; i < t->nsets; i++)
		set_free(t->sets[i]);
	free(t->sets);
	for (size_t i = 0; i < t->nobjects; i++) {
		free(t->objects[i].type);
		free(t->objects[i].name);
		free(t->objects[i].json);
	}
	free(t->objects);
	free(t);
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->ntables; i++)
		table_free(rs->tables[i]);
	free(rs->tables);
	for (size_t i = 0; i < rs->nunknown_kinds; i++)
		free(rs->unknown_kinds[i]);
	free(rs->unknown_kinds);
	free(rs->local);
	free(rs);
}

int ruleset_add_local(struct ruleset *rs, const struct prefix *p)
{
	struct prefix *v = realloc(rs->local, (rs->nlocal + 1) * sizeof(*v));

	if (!v)
		return -1;
	rs->local = v;
	v[rs->nlocal++] = *p;
	rs->local_known = true;
	return 0;
}

/* ---- lookups and counts --------------------------------------------------- */

struct rs_table *ruleset_table(const struct ruleset *rs, enum rs_family fam, const char *name)
{
	for (size_t i = 0; rs && name && i < rs->ntables; i++) {
		if (rs->tables[i]->family == fam && rs->tables[i]->name &&
		    !strcmp(rs->tables[i]->name, name))
			return rs->tables[i];
	}
	return NULL;
}

struct rs_chain *rs_table_chain(const struct rs_table *t, const char *name)
{
	for (size_t i = 0; t && name && i < t->nchains; i++) {
		if (t->chains[i]->name && !strcmp(t->chains[i]->name, name))
			return t->chains[i];
	}
	return NULL;
}

struct rs_set *rs_table_set(const struct rs_table *t, const char *name)
{
	if (name && name[0] == '@')
		name++;
	for (size_t i = 0; t && name && i < t->nsets; i++) {
		if (t->sets[i]->name && !strcmp(t->sets[i]->name, name))
			return t->sets[i];
	}
	return NULL;
}

void ruleset_stats(const struct ruleset *rs, struct ruleset_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!rs)
		return;
	st->tables = rs->ntables;
	st->unknown = rs->nunknown;
	for (size_t i = 0; i < rs->ntables; i++) {
		const struct rs_table *t = rs->tables[i];

		for (size_t c = 0; c < t->nchains; c++) {
			const struct rs_chain *ch = t->chains[c];

			st->chains++;
			st->base_chains += ch->base;
			st->rules += ch->nrules;
			for (size_t r = 0; r < ch->nrules; r++)
				st->located += ch->rules[r].loc.line > 0;
		}
		for (size_t s = 0; s < t->nsets; s++) {
			if (t->sets[s]->is_map)
				st->maps++;
			else
				st->sets++;
			st->elements += t->sets[s]->nelems;
		}
	}
}

/* ---- printing --------------------------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!b->p || b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 128) + (size_t)n + 1;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

static char *sb_done(struct sb *b)
{
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	if (!b->p)
		return strdup("");
	return b->p;
}

struct sym {
	uint64_t v;
	const char *name;
};

static const struct sym l4proto_syms[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 6, "tcp" }, { 17, "udp" }, { 33, "dccp" },
	{ 41, "ipv6" }, { 47, "gre" }, { 50, "esp" }, { 51, "ah" }, { 58, "ipv6-icmp" },
	{ 132, "sctp" }, { 136, "udplite" }, { 0, NULL },
};
static const struct sym nfproto_syms[] = { { 2, "ipv4" }, { 10, "ipv6" }, { 0, NULL } };
static const struct sym ctstate_syms[] = {
	{ 1, "invalid" }, { 2, "established" }, { 4, "related" }, { 8, "new" },
	{ 64, "untracked" }, { 0, NULL },
};
static const struct sym ctstatus_syms[] = {
	{ 1, "expected" }, { 2, "seen-reply" }, { 4, "assured" }, { 8, "confirmed" },
	{ 16, "snat" }, { 32, "dnat" }, { 512, "dying" }, { 0, NULL },
};
static const struct sym tcpflag_syms[] = {
	{ 1, "fin" }, { 2, "syn" }, { 4, "rst" }, { 8, "psh" }, { 16, "ack" },
	{ 32, "urg" }, { 64, "ecn" }, { 128, "cwr" }, { 0, NULL },
};
static const struct sym ctdir_syms[] = { { 0, "original" }, { 1, "reply" }, { 0, NULL } };
static const struct sym pkttype_syms[] = {
	{ 0, "host" }, { 1, "broadcast" }, { 2, "multicast" }, { 3, "other" }, { 0, NULL },
};
static const struct sym day_syms[] = {   /* meta day: 0 is Sunday, as the kernel counts */
	{ 0, "Sunday" }, { 1, "Monday" }, { 2, "Tuesday" }, { 3, "Wednesday" },
	{ 4, "Thursday" }, { 5, "Friday" }, { 6, "Saturday" }, { 0, NULL },
};
static const struct sym ethertype_syms[] = {
	{ 0x0800, "ip" }, { 0x86dd, "ip6" }, { 0x0806, "arp" }, { 0x8100, "8021q" },
	{ 0x88a8, "8021ad" }, { 0, NULL },
};
static const struct sym icmp_syms[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" }, { 4, "source-quench" },
	{ 5, "redirect" }, { 8, "echo-request" }, { 9, "router-advertisement" },
	{ 10, "router-solicitation" }, { 11, "time-exceeded" }, { 12, "parameter-problem" },
	{ 13, "timestamp-request" }, { 14, "timestamp-reply" }, { 0, NULL },
};
static const struct sym icmpv6_syms[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" }, { 3, "time-exceeded" },
	{ 4, "parameter-problem" }, { 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-listener-query" }, { 131, "mld-listener-report" },
	{ 132, "mld-listener-done" }, { 133, "nd-router-solicit" },
	{ 134, "nd-router-advert" }, { 135, "nd-neighbor-solicit" },
	{ 136, "nd-neighbor-advert" }, { 137, "nd-redirect" },
	{ 143, "mld2-listener-report" }, { 0, NULL },
};
static const struct sym fibtype_syms[] = {
	{ 0, "unspec" }, { 1, "unicast" }, { 2, "local" }, { 3, "broadcast" },
	{ 4, "anycast" }, { 5, "multicast" }, { 6, "blackhole" }, { 7, "unreachable" },
	{ 8, "prohibit" }, { 0, NULL },
};

static const struct sym *syms_for(const struct rs_expr *x, bool *flags)
{
	*flags = false;
	if (!x)
		return NULL;
	switch (x->kind) {
	case RS_EX_META:
		switch (x->key) {
		case RS_META_L4PROTO: return l4proto_syms;
		case RS_META_NFPROTO: return nfproto_syms;
		case RS_META_PKTTYPE: return pkttype_syms;
		case RS_META_PROTOCOL: return ethertype_syms;
		case RS_META_DAY: return day_syms;
		}
		return NULL;
	case RS_EX_CT:
		switch (x->key) {
		case RS_CT_STATE: *flags = true; return ctstate_syms;
		case RS_CT_STATUS: *flags = true; return ctstatus_syms;
		case RS_CT_DIRECTION: return ctdir_syms;
		case RS_CT_PROTOCOL: return l4proto_syms;
		case RS_CT_L3PROTO: return nfproto_syms;
		}
		return NULL;
	case RS_EX_PAYLOAD:
		switch (x->key) {
		case RS_F_IP_PROTOCOL: case RS_F_IP6_NEXTHDR: return l4proto_syms;
		case RS_F_TCP_FLAGS: *flags = true; return tcpflag_syms;
		case RS_F_ICMP_TYPE: return icmp_syms;
		case RS_F_ICMPV6_TYPE: return icmpv6_syms;
		case RS_F_ETHER_TYPE: case RS_F_VLAN_TYPE: case RS_F_ARP_PTYPE:
			return ethertype_syms;
		}
		return NULL;
	case RS_EX_FIB:
		return x->key == RS_FIB_R_TYPE ? fibtype_syms : NULL;
	case RS_EX_BINOP:
		return x->nsub ? syms_for(x->sub[0], flags) : NULL;
	default:
		return NULL;
	}
}

static const char *sym_name(const struct sym *t, uint64_t v)
{
	for (; t && t->name; t++) {
		if (t->v == v)
			return t->name;
	}
	return NULL;
}

/* Flags as "a,b" (sep ",") or "a|b"; false when some bit has no name. */
static bool fmt_flags(struct sb *b, const struct sym *t, uint64_t v, const char *sep)
{
	uint64_t left = v;
	int n = 0;

	for (const struct sym *s = t; s->name; s++) {
		if (s->v && (left & s->v) == s->v)
			left &= ~s->v;
	}
	if (left || !v)
		return false;
	for (const struct sym *s = t; s->name; s++) {
		if (s->v && (v & s->v) == s->v)
			sb_printf(b, "%s%s", n++ ? sep : "", s->name);
	}
	return true;
}

static void fmt_value(struct sb *b, const struct rs_value *v, const struct rs_expr *ctx,
		      const char *flag_sep)
{
	bool flags;
	const struct sym *syms = syms_for(ctx, &flags);
	const char *name;

	if (v->str && ctx && ctx->kind == RS_EX_META && ctx->key == RS_META_TIME) {
		sb_printf(b, "\"%s\"", v->str);   /* a date as nft wrote it, not nanoseconds */
		return;
	}
	switch (v->dtype) {
	case RS_DT_IPV4:
	case RS_DT_IPV6:
	case RS_DT_ETHER:
		if (v->str) {
			sb_printf(b, "%s", v->str);
			return;
		}
		break;
	case RS_DT_IFNAME:
	case RS_DT_IFINDEX:
	case RS_DT_STRING:
		sb_printf(b, "\"%s\"", v->str ? v->str : "");
		return;
	case RS_DT_BOOL:
		sb_printf(b, "%s", v->num ? "exists" : "missing");
		return;
	default:
		break;
	}
	if (v->dtype == RS_DT_IPV4 || v->dtype == RS_DT_IPV6 || v->dtype == RS_DT_ETHER) {
		char buf[64];

		if (v->dtype == RS_DT_IPV4)
			inet_ntop(AF_INET, v->b, buf, sizeof(buf));
		else if (v->dtype == RS_DT_IPV6)
			inet_ntop(AF_INET6, v->b, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
				 v->b[0], v->b[1], v->b[2], v->b[3], v->b[4], v->b[5]);
		sb_printf(b, "%s", buf);
		return;
	}
	if (syms && flags && flag_sep && fmt_flags(b, syms, v->num, flag_sep))
		return;
	if (syms && !flags && (name = sym_name(syms, v->num))) {
		sb_printf(b, "%s", name);
		return;
	}
	while (ctx && ctx->kind == RS_EX_BINOP && ctx->nsub)
		ctx = ctx->sub[0];
	if (ctx && ctx->kind == RS_EX_META && ctx->key == RS_META_PRIORITY) {
		/* a tc handle, as nft writes it */
		if (v->num == 0xffffffffu || !v->num)
			sb_printf(b, "%s", v->num ? "root" : "none");
		else
			sb_printf(b, "\"%llx:%llx\"", (unsigned long long)(v->num >> 16 & 0xffff),
				  (unsigned long long)(v->num & 0xffff));
		return;
	}
	if (ctx && ((ctx->kind == RS_EX_META && ctx->key == RS_META_MARK) ||
		    (ctx->kind == RS_EX_CT && ctx->key == RS_CT_MARK)))
		sb_printf(b, "0x%08llx", (unsigned long long)v->num);
	else if (v->dtype == RS_DT_ETHERTYPE || (syms && flags))
		sb_printf(b, "0x%llx", (unsigned long long)v->num);
	else
		sb_printf(b, "%llu", (unsigned long long)v->num);
}

static void fmt_expr(struct sb *b, const struct rs_expr *x);
static void fmt_term(struct sb *b, const struct rs_term *t, const struct rs_expr *ctx);
static void fmt_stmt(struct sb *b, const struct rs_stmt *s);

static const struct rs_expr *concat_part(const struct rs_expr *ctx, size_t i)
{
	if (ctx && ctx->kind == RS_EX_CONCAT && i < ctx->nsub)
		return ctx->sub[i];
	return NULL;
}

static void fmt_verdict(struct sb *b, const struct rs_verdict *v)
{
	sb_printf(b, "%s", rs_verdict_name(v->kind));
	if ((v->kind == RS_VERDICT_JUMP || v->kind == RS_VERDICT_GOTO) && v->target)
		sb_printf(b, " %s", v->target);
}

static void fmt_elem(struct sb *b, const struct rs_elem *el, const struct rs_expr *ctx)
{
	fmt_term(b, &el->key, ctx);
	if (el->timeout_ms)
		sb_printf(b, " timeout %llus", (unsigned long long)(el->timeout_ms / 1000));
	if (el->comment)
		sb_printf(b, " comment \"%s\"", el->comment);
	if (el->data) {
		sb_printf(b, " : ");
		fmt_term(b, el->data, NULL);
	}
}

static void fmt_term(struct sb *b, const struct rs_term *t, const struct rs_expr *ctx)
{
	switch (t->kind) {
	case RS_TERM_NONE:
		break;
	case RS_TERM_VALUE:
		fmt_value(b, &t->v, ctx, ",");
		break;
	case RS_TERM_PREFIX:
		fmt_value(b, &t->v, ctx, NULL);
		sb_printf(b, "/%u", t->plen);
		break;
	case RS_TERM_RANGE:
		fmt_value(b, &t->v, ctx, NULL);
		sb_printf(b, "-");
		fmt_value(b, &t->hi, ctx, NULL);
		break;
	case RS_TERM_CONCAT:
		for (size_t i = 0; i < t->nsub; i++) {
			sb_printf(b, "%s", i ? " . " : "");
			fmt_term(b, &t->sub[i], concat_part(ctx, i));
		}
		break;
	case RS_TERM_SET:
		sb_printf(b, "{ ");
		for (size_t i = 0; i < t->nelems; i++) {
			sb_printf(b, "%s", i ? ", " : "");
			fmt_elem(b, &t->elems[i], ctx);
		}
		sb_printf(b, " }");
		break;
	case RS_TERM_SETREF:
		sb_printf(b, "@%s", t->set_name ? t->set_name : "?");
		break;
	case RS_TERM_VERDICT:
		fmt_verdict(b, &t->verdict);
		break;
	case RS_TERM_EXPR:
		fmt_expr(b, t->expr);
		break;
	case RS_TERM_UNKNOWN:
		sb_printf(b, "<unknown %s>", t->json ? t->json : "");
		break;
	}
}

static bool meta_unqualified(int key)
{
	return key == RS_META_IIF || key == RS_META_OIF || key == RS_META_IIFNAME ||
	       key == RS_META_OIFNAME || key == RS_META_IIFGROUP || key == RS_META_OIFGROUP;
}

static void fmt_fib(struct sb *b, const struct rs_expr *x)
{
	static const char *const fl[] = { "saddr", "daddr", "mark", "iif", "oif" };
	static const char *const res[] = { "", "oif", "oifname", "type" };
	int n = 0;

	sb_printf(b, "fib ");
	for (unsigned i = 0; i < 5; i++) {
		if (x->flags & (1u << i))
			sb_printf(b, "%s%s", n++ ? " . " : "", fl[i]);
	}
	if (x->key > 0 && x->key < 4)
		sb_printf(b, " %s", res[x->key]);
}

static void fmt_binop(struct sb *b, const struct rs_expr *x)
{
	static const char *const ops[] = { "?", "&", "|", "^", "<<", ">>" };
	bool flags;
	const struct sym *syms = syms_for(x, &flags);

	if (x->nsub)
		fmt_expr(b, x->sub[0]);
	sb_printf(b, " %s ", x->key > 0 && x->key < 6 ? ops[x->key] : "?");
	if (x->arg && x->arg->kind == RS_TERM_VALUE && syms && flags) {
		sb_printf(b, "(");
		if (!fmt_flags(b, syms, x->arg->v.num, "|"))
			sb_printf(b, "0x%llx", (unsigned long long)x->arg->v.num);
		sb_printf(b, ")");
	} else if (x->arg && x->arg->kind == RS_TERM_VALUE && x->arg->v.dtype == RS_DT_INTEGER &&
		   x->key <= RS_BINOP_XOR) {
		sb_printf(b, "0x%llx", (unsigned long long)x->arg->v.num);
	} else if (x->arg) {
		fmt_term(b, x->arg, x->nsub ? x->sub[0] : NULL);
	}
}

static void fmt_expr(struct sb *b, const struct rs_expr *x)
{
	if (!x) {
		sb_printf(b, "?");
		return;
	}
	switch (x->kind) {
	case RS_EX_PAYLOAD:
		if (x->key == RS_F_RAW) {
			static const char *const bases[] = { "ll", "nh", "th", "ih" };

			sb_printf(b, "@%s,%u,%u", x->base < 4 ? bases[x->base] : "?", x->offset, x->len);
		} else {
			const struct rs_field_info *fi = rs_field_info((enum rs_field)x->key);

			sb_printf(b, "%s %s", fi ? fi->proto_name : "?", fi ? fi->name : "?");
		}
		break;
	case RS_EX_META:
		sb_printf(b, "%s%s", meta_unqualified(x->key) ? "" : "meta ",
			  rs_meta_name((enum rs_meta_key)x->key) ? rs_meta_name((enum rs_meta_key)x->key)
								 : (x->name ? x->name : "?"));
		break;
	case RS_EX_CT:
		sb_printf(b, "ct ");
		if (x->dir == RS_CT_DIR_ORIGINAL || x->dir == RS_CT_DIR_REPLY)
			sb_printf(b, "%s ", x->dir == RS_CT_DIR_ORIGINAL ? "original" : "reply");
		sb_printf(b, "%s", rs_ct_name((enum rs_ct_key)x->key) ? rs_ct_name((enum rs_ct_key)x->key)
							 : (x->name ? x->name : "?"));
		break;
	case RS_EX_EXTHDR:
		sb_printf(b, "exthdr %s%s%s", x->name ? x->name : "?", x->field ? " " : "",
			  x->field ? x->field : "");
		break;
	case RS_EX_TCPOPT:
		if ((x->flags & RS_TCPOPT_RAW) && x->field)   /* nft: tcp option @254,16,16 */
			sb_printf(b, "tcp option @%s,%u,%u", x->name ? x->name : "?", x->offset,
				  x->len);
		else
			sb_printf(b, "tcp option %s%s%s", x->name ? x->name : "?",
				  x->field ? " " : "", x->field ? x->field : "");
		break;
	case RS_EX_XFRM:
		sb_printf(b, "ipsec %s", x->field ? x->field : "?");
		if (x->off)
			sb_printf(b, " spnum %llu", (unsigned long long)x->off);
		if (x->family == RS_FAM_IP || x->family == RS_FAM_IP6)
			sb_printf(b, " %s", rs_family_name(x->family));
		sb_printf(b, " %s", x->name ? x->name : "?");
		break;
	case RS_EX_IPOPT:
		sb_printf(b, "ip option %s%s%s", x->name ? x->name : "?", x->field ? " " : "",
			  x->field ? x->field : "");
		break;
	case RS_EX_SCTPCHUNK:
		sb_printf(b, "sctp chunk %s%s%s", x->name ? x->name : "?", x->field ? " " : "",
			  x->field ? x->field : "");
		break;
	case RS_EX_FIB:
		fmt_fib(b, x);
		break;
	case RS_EX_SOCKET:
		sb_printf(b, "socket %s", x->name ? x->name : "?");
		break;
	case RS_EX_OSF:
		sb_printf(b, "osf %s", x->name ? x->name : "?");
		break;
	case RS_EX_RT:
		sb_printf(b, "rt %s%s", x->family == RS_FAM_IP ? "ip " : x->family == RS_FAM_IP6 ?
			  "ip6 " : "", x->name ? x->name : "?");
		break;
	case RS_EX_NUMGEN:
		sb_printf(b, "numgen %s mod %llu", x->name ? x->name : "?", (unsigned long long)x->mod);
		if (x->off)
			sb_printf(b, " offset %llu", (unsigned long long)x->off);
		break;
	case RS_EX_HASH:
		sb_printf(b, "%s", x->name ? x->name : "?");
		if (x->nsub) {
			sb_printf(b, " ");
			fmt_expr(b, x->sub[0]);
		}
		sb_printf(b, " mod %llu", (unsigned long long)x->mod);
		if (x->seed)
			sb_printf(b, " seed 0x%llx", (unsigned long long)x->seed);
		if (x->off)
			sb_printf(b, " offset %llu", (unsigned long long)x->off);
		break;
	case RS_EX_CONCAT:
		for (size_t i = 0; i < x->nsub; i++) {
			sb_printf(b, "%s", i ? " . " : "");
			fmt_expr(b, x->sub[i]);
		}
		break;
	case RS_EX_BINOP:
		fmt_binop(b, x);
		break;
	case RS_EX_MAP:
		if (x->nsub)
			fmt_expr(b, x->sub[0]);
		sb_printf(b, " map ");
		if (x->arg)
			fmt_term(b, x->arg, x->nsub ? x->sub[0] : NULL);
		break;
	case RS_EX_VALUE:
		if (x->arg)
			fmt_term(b, x->arg, NULL);
		break;
	case RS_EX_UNKNOWN:
		sb_printf(b, "<unknown %s>", x->json ? x->json : "");
		break;
	}
}

static void fmt_match(struct sb *b, const struct rs_match *m)
{
	bool flags;
	const struct sym *syms = syms_for(m->left, &flags);

	if (m->op == RS_OP_NOT) {
		/* "!" lists `x & (a|b) == 0`: print it the way it is usually written */
		fmt_expr(b, m->left);
		sb_printf(b, " & (");
		if (m->right.kind != RS_TERM_VALUE || !syms ||
		    !fmt_flags(b, syms, m->right.v.num, "|"))
			fmt_term(b, &m->right, NULL);
		sb_printf(b, ") == 0");
		return;
	}
	bool masked = m->left && m->left->kind == RS_EX_BINOP && m->right.kind == RS_TERM_VALUE;

	fmt_expr(b, m->left);
	if ((m->op != RS_OP_EQ && m->op != RS_OP_IN) || (m->op == RS_OP_EQ && masked))
		sb_printf(b, " %s", rs_op_name(m->op));
	sb_printf(b, " ");
	if (masked)
		fmt_value(b, &m->right.v, m->left, "|");
	else
		fmt_term(b, &m->right, m->left);
}

static void fmt_limit(struct sb *b, const struct rs_limit *l)
{
	static const struct sym units[] = {
		{ 1, "second" }, { 60, "minute" }, { 3600, "hour" }, { 86400, "day" },
		{ 604800, "week" }, { 0, NULL },
	};
	const char *per = sym_name(units, l->per);

	sb_printf(b, "limit rate %s%llu%s/%s", l->inv ? "over " : "", (unsigned long long)l->rate,
		  l->bytes ? " bytes" : "", per ? per : "second");
	if (l->burst)
		sb_printf(b, " burst %llu %s", (unsigned long long)l->burst,
			  l->bytes ? "bytes" : "packets");
}

static void fmt_stmts(struct sb *b, const struct rs_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_printf(b, " ");
		fmt_stmt(b, &v[i]);
	}
}

static void fmt_log(struct sb *b, const struct rs_log *l)
{
	static const char *const levels[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	};

	sb_printf(b, "log");
	if (l->prefix)
		sb_printf(b, " prefix \"%s\"", l->prefix);
	if (l->level >= 0 && l->level < 8)
		sb_printf(b, " level %s", levels[l->level]);
	if (l->group >= 0)
		sb_printf(b, " group %d", l->group);
	if (l->flags == 0x1f) {
		sb_printf(b, " flags all");
	} else if (l->flags) {
		static const char *const fl[] = { "tcp sequence", "tcp options", "ip options",
						   "skuid", "ether" };

		for (unsigned i = 0; i < 5; i++) {
			if (l->flags & (1u << i))
				sb_printf(b, " flags %s", fl[i]);
		}
	}
}

static void fmt_nat(struct sb *b, const struct rs_nat *n)
{
	static const char *const kinds[] = { "?", "snat", "dnat", "masquerade", "redirect" };
	static const char *const fl[] = { "random", "fully-random", "persistent", "netmap", "prefix" };
	int k = 0;

	sb_printf(b, "%s", n->kind >= 1 && n->kind <= 4 ? kinds[n->kind] : "?");
	if (n->family == RS_FAM_IP || n->family == RS_FAM_IP6)
		sb_printf(b, " %s", rs_family_name(n->family));
	if (n->addr.kind != RS_TERM_NONE || n->port.kind != RS_TERM_NONE)
		sb_printf(b, " to ");
	if (n->addr.kind != RS_TERM_NONE) {
		bool v6 = n->addr.kind == RS_TERM_VALUE && n->addr.v.dtype == RS_DT_IPV6;

		sb_printf(b, "%s", v6 && n->port.kind != RS_TERM_NONE ? "[" : "");
		fmt_term(b, &n->addr, NULL);
		sb_printf(b, "%s", v6 && n->port.kind != RS_TERM_NONE ? "]" : "");
	}
	if (n->port.kind != RS_TERM_NONE) {
		sb_printf(b, ":");
		fmt_term(b, &n->port, NULL);
	}
	for (unsigned i = 0; i < 5; i++) {
		if (n->flags & (1u << i))
			sb_printf(b, "%s%s", k++ ? "," : " ", fl[i]);
	}
}

static void fmt_stmt(struct sb *b, const struct rs_stmt *s)
{
	switch (s->kind) {
	case RS_ST_MATCH:
		fmt_match(b, &s->u.match);
		break;
	case RS_ST_VERDICT:
		fmt_verdict(b, &s->u.verdict);
		break;
	case RS_ST_VMAP:
		fmt_expr(b, s->u.vmap.key);
		sb_printf(b, " vmap ");
		fmt_term(b, &s->u.vmap.map, s->u.vmap.key);
		break;
	case RS_ST_COUNTER:
		sb_printf(b, "counter");
		break;
	case RS_ST_LOG:
		fmt_log(b, &s->u.log);
		break;
	case RS_ST_LIMIT:
		fmt_limit(b, &s->u.limit);
		break;
	case RS_ST_SET: {
		static const char *const ops[] = { "?", "add", "update", "delete" };

		sb_printf(b, "%s @%s { ", s->u.set.op >= 1 && s->u.set.op <= 3 ? ops[s->u.set.op] : "?",
			  s->u.set.set_name ? s->u.set.set_name : "?");
		fmt_expr(b, s->u.set.elem);
		if (s->u.set.timeout_ms)
			sb_printf(b, " timeout %llus", (unsigned long long)(s->u.set.timeout_ms / 1000));
		fmt_stmts(b, s->u.set.stmts, s->u.set.nstmts);
		sb_printf(b, " }");
		break;
	}
	case RS_ST_METER:
		sb_printf(b, "meter %s", s->u.meter.name ? s->u.meter.name : "?");
		if (s->u.meter.size)
			sb_printf(b, " size %llu", (unsigned long long)s->u.meter.size);
		sb_printf(b, " { ");
		fmt_expr(b, s->u.meter.key);
		if (s->u.meter.timeout_ms)
			sb_printf(b, " timeout %llus", (unsigned long long)(s->u.meter.timeout_ms / 1000));
		fmt_stmts(b, s->u.meter.stmts, s->u.meter.nstmts);
		sb_printf(b, " }");
		break;
	case RS_ST_QUOTA:
		sb_printf(b, "quota %s%llu bytes", s->u.quota.inv ? "over " : "",
			  (unsigned long long)s->u.quota.bytes);
		break;
	case RS_ST_CT_COUNT:
		sb_printf(b, "ct count %s%llu", s->u.ct_count.inv ? "over " : "",
			  (unsigned long long)s->u.ct_count.count);
		break;
	case RS_ST_MANGLE:
		if (s->u.mangle.value.kind == RS_TERM_NONE) {
			sb_printf(b, "reset ");
			fmt_expr(b, s->u.mangle.key);
			break;
		}
		fmt_expr(b, s->u.mangle.key);
		sb_printf(b, " set ");
		fmt_term(b, &s->u.mangle.value, s->u.mangle.key);
		break;
	case RS_ST_NAT:
		fmt_nat(b, &s->u.nat);
		break;
	case RS_ST_NOTRACK:
		sb_printf(b, "notrack");
		break;
	case RS_ST_REJECT:
		sb_printf(b, "reject");
		if (s->u.reject.type && !strcmp(s->u.reject.type, "tcp reset"))
			sb_printf(b, " with tcp reset");
		else if (s->u.reject.type)
			sb_printf(b, " with %s %d", s->u.reject.type, s->u.reject.code);
		break;
	case RS_ST_QUEUE:
		sb_printf(b, "queue");
		if (s->u.queue.num.kind != RS_TERM_NONE) {
			sb_printf(b, " num ");
			fmt_term(b, &s->u.queue.num, NULL);
		}
		if (s->u.queue.flags & 1)
			sb_printf(b, " bypass");
		if (s->u.queue.flags & 2)
			sb_printf(b, " fanout");
		break;
	case RS_ST_DUP:
	case RS_ST_FWD:
		sb_printf(b, "%s", s->kind == RS_ST_DUP ? "dup" : "fwd");
		if (s->u.dup.family == RS_FAM_IP || s->u.dup.family == RS_FAM_IP6)
			sb_printf(b, " %s", rs_family_name(s->u.dup.family));
		sb_printf(b, " to ");
		if (s->u.dup.addr.kind != RS_TERM_NONE) {
			fmt_term(b, &s->u.dup.addr, NULL);
			if (s->u.dup.dev || s->u.dup.devx.kind != RS_TERM_NONE)
				sb_printf(b, " device ");
		}
		if (s->u.dup.dev)
			sb_printf(b, "\"%s\"", s->u.dup.dev);
		else if (s->u.dup.devx.kind != RS_TERM_NONE)
			fmt_term(b, &s->u.dup.devx, NULL);
		break;
	case RS_ST_OBJREF:
		if (s->u.objref.type && !strncmp(s->u.objref.type, "ct ", 3))
			sb_printf(b, "%s set ", s->u.objref.type);
		else
			sb_printf(b, "%s name ", s->u.objref.type ? s->u.objref.type : "?");
		fmt_term(b, &s->u.objref.name, NULL);
		break;
	case RS_ST_SYNPROXY:
	case RS_ST_FLOW:
	case RS_ST_TPROXY:
	case RS_ST_LAST:
	case RS_ST_XT:
	case RS_ST_UNKNOWN:
		sb_printf(b, "<%s %s>", s->kind == RS_ST_UNKNOWN ? "unknown" : "opaque",
			  s->json ? s->json : "");
		break;
	}
}

char *ruleset_rule_format(const struct rs_rule *r, bool show_implicit)
{
	struct sb b = { 0 };
	int n = 0;

	for (size_t i = 0; i < r->nitems; i++) {
		const struct rs_stmt *s = &r->items[i];

		if (s->kind == RS_ST_MATCH && s->u.match.implicit && !show_implicit)
			continue;
		sb_printf(&b, "%s", n++ ? " " : "");
		fmt_stmt(&b, s);
	}
	if (r->comment)
		sb_printf(&b, "%scomment \"%s\"", n ? " " : "", r->comment);
	return sb_done(&b);
}

char *rs_stmt_format(const struct rs_stmt *s)
{
	struct sb b = { 0 };

	fmt_stmt(&b, s);
	return sb_done(&b);
}

char *rs_expr_format(const struct rs_expr *x)
{
	struct sb b = { 0 };

	fmt_expr(&b, x);
	return sb_done(&b);
}

char *rs_term_format(const struct rs_term *t)
{
	struct sb b = { 0 };

	fmt_term(&b, t, NULL);
	return sb_done(&b);
}

int ruleset_require_set(const struct ruleset *rs, const char *name, struct xerr *e)
{
	char have[600] = "";
	size_t len = 0, n = 0;

	for (size_t i = 0; i < rs->ntables; i++) {
		const struct rs_table *t = rs->tables[i];

		if (rs_table_set(t, name))
			return 0;
		for (size_t k = 0; k < t->nsets && len < sizeof(have); k++, n++)
			len += (size_t)snprintf(have + len, sizeof(have) - len, "%s@%s",
						n ? ", " : "", t->sets[k]->name);
	}
	xerr_set(e, XNFT_EXIT_USAGE, "no set @%s in the ruleset (%s%s)", name,
		 n ? "it has " : "it has no named sets", have);
	return xerr_hint(e, "give the name of one of its sets");
}
