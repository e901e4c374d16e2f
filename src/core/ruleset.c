// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model: name tables, values, lookups and freeing. Building it
 * from JSON is in ruleset_json.c; printing it back as nft text for messages
 * in ruleset_print.c.
 */
#include "core/ruleset.h"
#include "core/strbuf.h"

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

bool rs_set_filled_at_run_time(const struct rs_set *s)
{
	if (s->flags & RS_SETF_DYNAMIC)
		return true;
	return (s->flags & RS_SETF_TIMEOUT) && !(s->flags & RS_SETF_INTERVAL);
}

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

const char *rs_time_unit_name(unsigned per)
{
	switch (per) {
	case RS_PER_SECOND: return "second";
	case RS_PER_MINUTE: return "minute";
	case RS_PER_HOUR: return "hour";
	case RS_PER_DAY: return "day";
	case RS_PER_WEEK: return "week";
	default: return "period";
	}
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

/* An IPv4, IPv6 or Ethernet address into v's bytes and number; -1 when text is not one. */
static int value_from_address(struct rs_value *v, enum rs_dtype dt, const char *text)
{
	unsigned bytes = dt == RS_DT_IPV4 ? 4 : dt == RS_DT_IPV6 ? 16 : 6;
	bool ok = dt == RS_DT_ETHER ? parse_ether(text, v->b) == 0
		  : inet_pton(dt == RS_DT_IPV4 ? AF_INET : AF_INET6, text, v->b) == 1;

	if (!ok)
		return -1;
	v->bits = bytes * 8;
	v->num = num_from_bytes(v->b, bytes);
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
	case RS_DT_IPV6:
	case RS_DT_ETHER:
		if (value_from_address(v, dt, text) == 0)
			return 0;
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
	for (size_t i = 0; i < rs->nbrports; i++) {
		free(rs->brport[i]);
		free(rs->brbridge[i]);
	}
	free(rs->brport);
	free(rs->brbridge);
	free(rs);
}

int ruleset_add_brport(struct ruleset *rs, const char *port, const char *bridge)
{
	char **p = realloc(rs->brport, (rs->nbrports + 1) * sizeof(*p)), **b;

	if (!p)
		return -1;
	rs->brport = p;
	b = realloc(rs->brbridge, (rs->nbrports + 1) * sizeof(*b));
	if (!b)
		return -1;
	rs->brbridge = b;
	p[rs->nbrports] = strdup(port);
	b[rs->nbrports] = strdup(bridge);
	if (!p[rs->nbrports] || !b[rs->nbrports]) {
		free(p[rs->nbrports]);
		free(b[rs->nbrports]);
		return -1;
	}
	rs->nbrports++;
	rs->brports_known = true;
	return 0;
}

enum rs_brnf ruleset_brnf(const struct ruleset *rs, bool v6)
{
	return v6 ? rs->brnf6 : rs->brnf4;
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

int ruleset_require_set(const struct ruleset *rs, const char *name, struct xerr *e)
{
	char have[600] = "";
	struct fixbuf b = { have, sizeof(have), 0 };
	size_t n = 0;

	for (size_t i = 0; i < rs->ntables; i++) {
		const struct rs_table *t = rs->tables[i];

		if (rs_table_set(t, name))
			return 0;
		for (size_t k = 0; k < t->nsets; k++, n++)
			fixbuf_addf(&b, "%s@%s", n ? ", " : "", t->sets[k]->name);
	}
	xerr_set(e, XNFT_EXIT_USAGE, "no set @%s in the ruleset (%s%s)", name,
		 n ? "it has " : "it has no named sets", have);
	return xerr_hint(e, "give the name of one of its sets");
}
