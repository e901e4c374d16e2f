// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model, on listings captured from the kernel
 * (the JSON files in tests/unit/fixtures, made by regen.sh there from the .nft next
 * to them): every construct, the implied protocol matches, sets and maps,
 * unknown nodes, and the text a rule prints back as.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ruleset.h"

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct ruleset *load(const char *name)
{
	struct ruleset *rs = NULL;
	struct xerr e;
	size_t len;
	char *json = slurp(name, &len);

	if (ruleset_from_json(json, len, &rs, &e))
		fail_msg("%s: %s", name, e.msg);
	free(json);
	return rs;
}

static struct rs_chain *chain(struct ruleset *rs, enum rs_family fam, const char *table,
			      const char *name)
{
	struct rs_table *t = ruleset_table(rs, fam, table);
	struct rs_chain *c;

	assert_non_null(t);
	c = rs_table_chain(t, name);
	assert_non_null(c);
	return c;
}

/* The rule of a chain that prints as `text` (implicit matches hidden). */
static struct rs_rule *rule(struct rs_chain *c, const char *text)
{
	for (size_t i = 0; i < c->nrules; i++) {
		char *s = ruleset_rule_format(&c->rules[i], false);
		int same = s && !strcmp(s, text);

		free(s);
		if (same)
			return &c->rules[i];
	}
	for (size_t i = 0; i < c->nrules; i++) {
		char *s = ruleset_rule_format(&c->rules[i], false);

		print_message("# %s\n", s);
		free(s);
	}
	fail_msg("no rule prints as: %s", text);
	return NULL;
}

static struct rs_rule *in_rule(struct ruleset *rs, const char *text)
{
	return rule(chain(rs, RS_FAM_INET, "t", "in"), text);
}

static const struct rs_match *match_at(const struct rs_rule *r, size_t i)
{
	assert_true(i < r->nitems);
	assert_int_equal(r->items[i].kind, RS_ST_MATCH);
	return &r->items[i].u.match;
}

static void assert_implicit_meta(const struct rs_rule *r, size_t i, enum rs_meta_key key,
				 uint64_t v)
{
	const struct rs_match *m = match_at(r, i);

	assert_true(m->implicit);
	assert_int_equal(m->left->kind, RS_EX_META);
	assert_int_equal(m->left->key, key);
	assert_int_equal(m->op, RS_OP_EQ);
	assert_int_equal(m->right.kind, RS_TERM_VALUE);
	assert_int_equal(m->right.v.num, v);
}

static void assert_payload(const struct rs_expr *x, enum rs_field f)
{
	assert_non_null(x);
	assert_int_equal(x->kind, RS_EX_PAYLOAD);
	assert_int_equal(x->key, f);
}

/* ---- whole-file properties ----------------------------------------------- */

static void test_constructs_no_unknown(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct ruleset_stats st;

	(void)state;
	ruleset_stats(rs, &st);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(st.tables, 5);
	assert_int_equal(st.sets, 5);
	assert_int_equal(st.maps, 3);
	assert_true(st.rules > 90);
	assert_int_equal(st.located, 0);
	ruleset_free(rs);
}

static void test_examples_no_unknown(void **state)
{
	static const char *const files[] = {
		"ex_load_balancing.json", "ex_sets_and_maps.json", "ex_overview.json",
		"more.json", "policy.json", "srcloc.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct ruleset *rs = load(files[i]);
		struct ruleset_stats st;

		ruleset_stats(rs, &st);
		if (st.unknown)
			fail_msg("%s: %zu unknown nodes", files[i], st.unknown);
		assert_true(st.rules > 0);
		ruleset_free(rs);
	}
}

static void test_chains(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_chain *in = chain(rs, RS_FAM_INET, "t", "in");
	struct rs_chain *nat = chain(rs, RS_FAM_INET, "t", "nat");
	struct rs_chain *web = chain(rs, RS_FAM_INET, "t", "web");
	struct rs_chain *ing = chain(rs, RS_FAM_NETDEV, "nd", "ing");

	(void)state;
	assert_true(in->base);
	assert_string_equal(in->type, "filter");
	assert_int_equal(in->hook, RS_HOOK_INPUT);
	assert_int_equal(in->prio, 0);
	assert_int_equal(in->policy, RS_POLICY_DROP);
	assert_int_equal(nat->hook, RS_HOOK_PREROUTING);
	assert_int_equal(nat->prio, -100);
	assert_string_equal(nat->type, "nat");
	assert_false(web->base);
	assert_int_equal(web->nrules, 2);
	assert_int_equal(ing->hook, RS_HOOK_INGRESS);
	assert_int_equal(ing->prio, -500);
	ruleset_free(rs);
}

/* ---- matches ---------------------------------------------------------------- */

static void test_implied_tcp(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_rule *r = in_rule(rs, "tcp dport 22 accept");
	const struct rs_match *m;
	char *full;

	(void)state;
	assert_int_equal(r->nitems, 3);
	assert_implicit_meta(r, 0, RS_META_L4PROTO, 6);
	m = match_at(r, 1);
	assert_false(m->implicit);
	assert_payload(m->left, RS_F_TCP_DPORT);
	assert_int_equal(m->left->bits, 16);
	assert_int_equal(m->right.v.num, 22);
	assert_int_equal(m->right.v.bits, 16);
	assert_int_equal(m->right.v.b[0], 0);
	assert_int_equal(m->right.v.b[1], 22);
	assert_non_null(r->verdict);
	assert_int_equal(r->verdict->u.verdict.kind, RS_VERDICT_ACCEPT);
	full = ruleset_rule_format(r, true);
	assert_string_equal(full, "meta l4proto tcp tcp dport 22 accept");
	free(full);
	/* th has no protocol of its own */
	r = in_rule(rs, "th dport 53 accept");
	assert_int_equal(r->nitems, 2);
	/* `meta l4proto tcp tcp dport 9`: the listing drops the explicit match; it comes back */
	r = in_rule(rs, "tcp dport 9 accept");
	assert_implicit_meta(r, 0, RS_META_L4PROTO, 6);
	ruleset_free(rs);
}

static void test_implied_inet_families(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_rule *r;
	const struct rs_match *m;

	(void)state;
	r = in_rule(rs, "ip saddr 1.2.3.4 drop");
	assert_implicit_meta(r, 0, RS_META_NFPROTO, RS_NFPROTO_IPV4);
	m = match_at(r, 1);
	assert_payload(m->left, RS_F_IP_SADDR);
	assert_int_equal(m->right.v.dtype, RS_DT_IPV4);
	assert_int_equal(m->right.v.num, 0x01020304);
	assert_memory_equal(m->right.v.b, "\x01\x02\x03\x04", 4);

	r = in_rule(rs, "icmp type echo-request accept");
	assert_int_equal(r->nitems, 4);
	assert_implicit_meta(r, 0, RS_META_NFPROTO, RS_NFPROTO_IPV4);
	assert_implicit_meta(r, 1, RS_META_L4PROTO, 1);
	assert_payload(match_at(r, 2)->left, RS_F_ICMP_TYPE);
	assert_int_equal(match_at(r, 2)->right.v.num, 8);

	r = in_rule(rs, "icmpv6 type nd-neighbor-solicit ip6 hoplimit 255 accept");
	assert_implicit_meta(r, 0, RS_META_NFPROTO, RS_NFPROTO_IPV6);
	assert_implicit_meta(r, 1, RS_META_L4PROTO, 58);
	assert_payload(match_at(r, 3)->left, RS_F_IP6_HOPLIMIT);
	assert_false(match_at(r, 3)->implicit);
	assert_int_equal(r->nitems, 5);

	/* `ip protocol tcp` pins the transport: no implicit l4proto after it */
	r = in_rule(rs, "ip protocol tcp accept");
	assert_int_equal(r->nitems, 3);
	assert_implicit_meta(r, 0, RS_META_NFPROTO, RS_NFPROTO_IPV4);

	/* in an ip table, ip needs nothing and icmp only its protocol */
	r = rule(chain(rs, RS_FAM_IP, "v4", "c"), "ip saddr 1.2.3.4 accept");
	assert_int_equal(r->nitems, 2);
	r = rule(chain(rs, RS_FAM_IP, "v4", "c"), "icmp type echo-request accept");
	assert_implicit_meta(r, 0, RS_META_L4PROTO, 1);
	assert_int_equal(r->nitems, 3);
	ruleset_free(rs);
}

static void test_implied_bridge_netdev(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_rule *r;

	(void)state;
	r = rule(chain(rs, RS_FAM_NETDEV, "nd", "ing"), "ip saddr 1.2.3.4 drop");
	assert_implicit_meta(r, 0, RS_META_PROTOCOL, 0x0800);
	/* in front of a vlan header nft reads the Ethernet header's type, which sees the tag
	 * (meta protocol sees the type inside it) */
	r = rule(chain(rs, RS_FAM_BRIDGE, "br", "f"), "vlan id 5 drop");
	assert_true(match_at(r, 0)->implicit);
	assert_int_equal(match_at(r, 0)->left->kind, RS_EX_PAYLOAD);
	assert_int_equal(match_at(r, 0)->left->key, RS_F_ETHER_TYPE);
	assert_int_equal(match_at(r, 0)->right.v.num, 0x8100);
	/* ether types are listed byte-swapped; the model holds the real value */
	r = rule(chain(rs, RS_FAM_BRIDGE, "br", "f"), "ether type ip accept");
	assert_int_equal(match_at(r, 0)->right.v.num, 0x0800);
	assert_int_equal(match_at(r, 0)->right.v.b[0], 0x08);
	r = rule(chain(rs, RS_FAM_ARP, "a", "in"), "arp operation 0x1 accept");
	assert_int_equal(match_at(r, 0)->right.v.num, 1);
	ruleset_free(rs);
}

static void test_prefix_range_sets(void **state)
{
	struct ruleset *rs = load("constructs.json");
	const struct rs_match *m;
	struct rs_rule *r;

	(void)state;
	m = match_at(in_rule(rs, "ip saddr 10.0.0.0/8 drop"), 1);
	assert_int_equal(m->right.kind, RS_TERM_PREFIX);
	assert_int_equal(m->right.plen, 8);
	assert_int_equal(m->right.v.b[0], 10);

	m = match_at(in_rule(rs, "tcp dport 1000-2000 drop"), 1);
	assert_int_equal(m->right.kind, RS_TERM_RANGE);
	assert_int_equal(m->right.v.num, 1000);
	assert_int_equal(m->right.hi.num, 2000);

	m = match_at(in_rule(rs, "tcp dport { 22, 80, 443 } accept"), 1);
	assert_int_equal(m->right.kind, RS_TERM_SET);
	assert_int_equal(m->right.nelems, 3);
	assert_int_equal(m->right.elems[2].key.v.num, 443);
	assert_null(m->right.elems[0].data);

	m = match_at(in_rule(rs, "ip saddr { 1.1.1.1, 2.2.2.0/24 } drop"), 1);
	assert_int_equal(m->right.elems[1].key.kind, RS_TERM_PREFIX);
	assert_int_equal(m->right.elems[1].key.plen, 24);

	r = in_rule(rs, "ip saddr != @s4 drop");
	m = match_at(r, 1);
	assert_int_equal(m->op, RS_OP_NE);
	assert_int_equal(m->right.kind, RS_TERM_SETREF);
	assert_string_equal(m->right.set_name, "s4");
	assert_non_null(m->right.set);
	assert_true(m->right.set->flags & RS_SETF_INTERVAL);

	m = match_at(in_rule(rs, "ip saddr . ip daddr { 1.1.1.1 . 2.2.2.2 } drop"), 1);
	assert_int_equal(m->left->kind, RS_EX_CONCAT);
	assert_int_equal(m->left->nsub, 2);
	assert_int_equal(m->left->bits, 64);
	assert_int_equal(m->right.elems[0].key.kind, RS_TERM_CONCAT);
	assert_int_equal(m->right.elems[0].key.sub[1].v.dtype, RS_DT_IPV4);
	assert_int_equal(m->right.elems[0].key.sub[1].v.num, 0x02020202);

	/* masked lookup: the /64 ban of the policy */
	m = match_at(in_rule(rs, "ip6 saddr & ffff:ffff:ffff:ffff:: @s6 drop"), 1);
	assert_int_equal(m->left->kind, RS_EX_BINOP);
	assert_int_equal(m->left->key, RS_BINOP_AND);
	assert_payload(m->left->sub[0], RS_F_IP6_SADDR);
	assert_int_equal(m->left->arg->v.dtype, RS_DT_IPV6);
	assert_int_equal(m->left->arg->v.b[7], 0xff);
	assert_int_equal(m->left->arg->v.b[8], 0);
	ruleset_free(rs);
}

static void test_flags_and_ct(void **state)
{
	struct ruleset *rs = load("constructs.json");
	const struct rs_match *m;
	struct rs_rule *r;

	(void)state;
	m = match_at(in_rule(rs, "ct state established,related accept"), 0);
	assert_int_equal(m->left->kind, RS_EX_CT);
	assert_int_equal(m->left->key, RS_CT_STATE);
	assert_int_equal(m->op, RS_OP_IN);
	assert_int_equal(m->right.v.num, RS_CTSTATE_ESTABLISHED | RS_CTSTATE_RELATED);

	m = match_at(in_rule(rs, "tcp flags syn accept"), 1);
	assert_int_equal(m->op, RS_OP_IN);
	assert_int_equal(m->right.v.num, RS_TCP_SYN);

	m = match_at(in_rule(rs, "tcp flags & (fin|syn|rst|psh|ack|urg) == 0 drop"), 1);
	assert_int_equal(m->op, RS_OP_NOT);
	assert_int_equal(m->right.v.num, 0x3f);

	r = in_rule(rs, "ct state new tcp flags & (syn|ack) == syn accept");
	m = match_at(r, 2);
	assert_int_equal(m->left->kind, RS_EX_BINOP);
	assert_int_equal(m->left->arg->v.num, RS_TCP_SYN | RS_TCP_ACK);
	assert_int_equal(m->right.v.num, RS_TCP_SYN);
	assert_implicit_meta(r, 1, RS_META_L4PROTO, 6);

	m = match_at(in_rule(rs, "ct original ip daddr 1.2.3.4 accept"), 0);
	assert_int_equal(m->left->key, RS_CT_IP_DADDR);
	assert_int_equal(m->left->dir, RS_CT_DIR_ORIGINAL);
	assert_int_equal(m->right.v.dtype, RS_DT_IPV4);

	m = match_at(in_rule(rs, "ct status dnat accept"), 0);
	assert_int_equal(m->right.v.num, 32);
	m = match_at(in_rule(rs, "ct helper \"ftp\" accept"), 0);
	assert_string_equal(m->right.v.str, "ftp");
	ruleset_free(rs);
}

static void test_meta_and_misc(void **state)
{
	struct ruleset *rs = load("constructs.json");
	const struct rs_match *m;

	(void)state;
	m = match_at(in_rule(rs, "iif \"lo\" accept"), 0);
	assert_int_equal(m->left->key, RS_META_IIF);
	assert_int_equal(m->right.v.dtype, RS_DT_IFINDEX);
	assert_string_equal(m->right.v.str, "lo");

	m = match_at(in_rule(rs, "iifname \"wg0\" oifname != \"eth*\" accept"), 1);
	assert_int_equal(m->right.v.dtype, RS_DT_IFNAME);
	assert_true(m->right.v.wildcard);
	assert_memory_equal(m->right.v.b, "eth\0", 4);

	m = match_at(in_rule(rs, "meta l4proto { tcp, udp } accept"), 0);
	assert_int_equal(m->right.nelems, 2);
	assert_int_equal(m->right.elems[1].key.v.num, 17);

	/* nft puts meta nfproto ipv6 in front of an IPv6 extension header */
	assert_implicit_meta(in_rule(rs, "exthdr frag exists drop"), 0, RS_META_NFPROTO, 10);
	m = match_at(in_rule(rs, "exthdr frag exists drop"), 1);
	assert_int_equal(m->left->kind, RS_EX_EXTHDR);
	assert_string_equal(m->left->name, "frag");
	assert_int_equal(m->right.v.num, 1);

	m = match_at(in_rule(rs, "fib daddr type local accept"), 0);
	assert_int_equal(m->left->kind, RS_EX_FIB);
	assert_int_equal(m->left->key, RS_FIB_R_TYPE);
	assert_int_equal(m->left->flags, RS_FIB_DADDR);
	assert_int_equal(m->right.v.num, 2);

	m = match_at(in_rule(rs, "fib saddr . iif oif missing drop"), 0);
	assert_int_equal(m->left->flags, RS_FIB_SADDR | RS_FIB_IIF);

	m = match_at(in_rule(rs, "socket transparent 1 accept"), 0);
	assert_int_equal(m->left->kind, RS_EX_SOCKET);
	m = match_at(in_rule(rs, "numgen random mod 2 0 accept"), 0);
	assert_int_equal(m->left->kind, RS_EX_NUMGEN);
	assert_int_equal(m->left->mod, 2);
	m = match_at(in_rule(rs, "osf name \"Linux\" drop"), 0);
	assert_int_equal(m->left->kind, RS_EX_OSF);
	/* nft adds no meta l4proto tcp before a tcp option (nft --debug=netlink) */
	m = match_at(in_rule(rs, "tcp option maxseg size 1400 accept"), 0);
	assert_int_equal(m->left->kind, RS_EX_TCPOPT);
	assert_string_equal(m->left->field, "size");
	m = match_at(in_rule(rs, "meta hour \"17:00\"-\"19:00\" drop"), 0);
	assert_int_equal(m->right.kind, RS_TERM_RANGE);
	m = match_at(in_rule(rs, "meta mark & 0xff == 0x00000010 accept"), 0);
	assert_int_equal(m->left->arg->v.num, 0xff);
	m = match_at(in_rule(rs, "udp sport 53 udp dport >= 1024 accept"), 2);
	assert_int_equal(m->op, RS_OP_GE);
	ruleset_free(rs);
}

/* ---- statements ---------------------------------------------------------------- */

static const struct rs_stmt *stmt_of(const struct rs_rule *r, enum rs_stmt_kind kind)
{
	for (size_t i = 0; i < r->nitems; i++) {
		if (r->items[i].kind == kind)
			return &r->items[i];
	}
	fail_msg("no statement of kind %d", kind);
	return NULL;
}

static void test_limits_sets_meters(void **state)
{
	struct ruleset *rs = load("constructs.json");
	const struct rs_stmt *s;
	struct rs_rule *r;

	(void)state;
	s = stmt_of(in_rule(rs, "limit rate 10/second burst 20 packets counter log prefix \"X: \" accept"),
		    RS_ST_LIMIT);
	assert_int_equal(s->u.limit.rate, 10);
	assert_int_equal(s->u.limit.per, RS_PER_SECOND);
	assert_int_equal(s->u.limit.burst, 20);
	assert_false(s->u.limit.inv);
	assert_false(s->u.limit.bytes);

	s = stmt_of(in_rule(rs, "limit rate over 1048576 bytes/second burst 102400 bytes drop"),
		    RS_ST_LIMIT);
	assert_true(s->u.limit.bytes);
	assert_true(s->u.limit.inv);
	assert_int_equal(s->u.limit.rate, 1048576);

	r = in_rule(rs, "update @dyn { ip saddr limit rate over 30/second burst 60 packets } counter drop");
	assert_implicit_meta(r, 0, RS_META_NFPROTO, RS_NFPROTO_IPV4);
	s = stmt_of(r, RS_ST_SET);
	assert_int_equal(s->u.set.op, RS_SETOP_UPDATE);
	assert_string_equal(s->u.set.set_name, "dyn");
	assert_non_null(s->u.set.set);
	assert_true(s->u.set.set->flags & RS_SETF_TIMEOUT);
	assert_payload(s->u.set.elem, RS_F_IP_SADDR);
	assert_int_equal(s->u.set.nstmts, 1);
	assert_int_equal(s->u.set.stmts[0].kind, RS_ST_LIMIT);
	assert_true(s->u.set.stmts[0].u.limit.inv);
	assert_int_equal(s->u.set.stmts[0].u.limit.burst, 60);

	s = stmt_of(in_rule(rs, "add @dyn { ip saddr } accept"), RS_ST_SET);
	assert_int_equal(s->u.set.op, RS_SETOP_ADD);
	s = stmt_of(in_rule(rs, "delete @dyn { ip saddr }"), RS_ST_SET);
	assert_int_equal(s->u.set.op, RS_SETOP_DELETE);

	s = stmt_of(in_rule(rs, "meter mtr size 1024 { ip saddr timeout 10s limit rate 5/minute burst 5 packets } accept"),
		    RS_ST_METER);
	assert_string_equal(s->u.meter.name, "mtr");
	assert_int_equal(s->u.meter.size, 1024);
	assert_int_equal(s->u.meter.timeout_ms, 10000);
	assert_int_equal(s->u.meter.stmts[0].u.limit.per, RS_PER_MINUTE);

	s = stmt_of(in_rule(rs, "ct count over 10 drop"), RS_ST_CT_COUNT);
	assert_int_equal(s->u.ct_count.count, 10);
	assert_true(s->u.ct_count.inv);

	s = stmt_of(in_rule(rs, "quota over 10485760 bytes drop"), RS_ST_QUOTA);
	assert_true(s->u.quota.inv);
	s = stmt_of(in_rule(rs, "quota name \"q1\" drop"), RS_ST_OBJREF);
	assert_string_equal(s->u.objref.type, "quota");
	s = stmt_of(in_rule(rs, "counter name \"c1\""), RS_ST_OBJREF);
	assert_string_equal(s->u.objref.name.v.str, "c1");
	ruleset_free(rs);
}

static void test_log_mangle_misc(void **state)
{
	struct ruleset *rs = load("constructs.json");
	const struct rs_stmt *s;

	(void)state;
	s = stmt_of(in_rule(rs, "log prefix \"nflog\" group 2 accept"), RS_ST_LOG);
	assert_string_equal(s->u.log.prefix, "nflog");
	assert_int_equal(s->u.log.group, 2);
	assert_int_equal(s->u.log.level, RS_LOG_LEVEL_DEFAULT);
	s = stmt_of(in_rule(rs, "log flags all"), RS_ST_LOG);
	assert_int_equal(s->u.log.flags, 0x1f);
	assert_int_equal(s->u.log.group, -1);

	s = stmt_of(in_rule(rs, "meta mark set 0x00000005"), RS_ST_MANGLE);
	assert_int_equal(s->u.mangle.key->key, RS_META_MARK);
	assert_int_equal(s->u.mangle.value.v.num, 5);
	s = stmt_of(in_rule(rs, "ct mark set meta mark"), RS_ST_MANGLE);
	assert_int_equal(s->u.mangle.value.kind, RS_TERM_EXPR);
	assert_int_equal(s->u.mangle.value.expr->kind, RS_EX_META);

	s = stmt_of(in_rule(rs, "reject with icmpx 3"), RS_ST_REJECT);
	assert_string_equal(s->u.reject.type, "icmpx");
	assert_int_equal(s->u.reject.code, 3);
	s = stmt_of(in_rule(rs, "meta l4proto tcp reject with tcp reset"), RS_ST_REJECT);
	assert_string_equal(s->u.reject.type, "tcp reset");

	stmt_of(in_rule(rs, "notrack"), RS_ST_NOTRACK);
	s = stmt_of(rule(chain(rs, RS_FAM_IP, "v4", "c"), "ip saddr 1.1.1.1 dup to 1.2.3.4 device \"lo\""),
		    RS_ST_DUP);
	assert_string_equal(s->u.dup.dev, "lo");
	assert_int_equal(s->u.dup.addr.v.dtype, RS_DT_IPV4);

	assert_non_null(in_rule(rs, "ip saddr 1.2.3.4 counter accept comment \"a comment\"")->comment);
	ruleset_free(rs);
}

static void test_nat(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_chain *nat = chain(rs, RS_FAM_INET, "t", "nat");
	struct rs_chain *post = chain(rs, RS_FAM_INET, "t", "postnat");
	const struct rs_stmt *s;

	(void)state;
	s = stmt_of(rule(nat, "tcp dport 8080 dnat ip to 10.0.0.1:80"), RS_ST_NAT);
	assert_int_equal(s->u.nat.kind, RS_NAT_DNAT);
	assert_int_equal(s->u.nat.family, RS_FAM_IP);
	assert_int_equal(s->u.nat.addr.v.num, 0x0a000001);
	assert_int_equal(s->u.nat.port.v.num, 80);
	s = stmt_of(rule(nat, "tcp dport 8081 dnat ip6 to [::1]:80"), RS_ST_NAT);
	assert_int_equal(s->u.nat.addr.v.dtype, RS_DT_IPV6);
	s = stmt_of(rule(nat, "tcp dport 8082 redirect to :22"), RS_ST_NAT);
	assert_int_equal(s->u.nat.kind, RS_NAT_REDIRECT);
	assert_int_equal(s->u.nat.addr.kind, RS_TERM_NONE);
	s = stmt_of(rule(nat, "ip daddr 1.1.1.1 dnat ip to 10.0.0.1-10.0.0.9"), RS_ST_NAT);
	assert_int_equal(s->u.nat.addr.kind, RS_TERM_RANGE);
	s = stmt_of(rule(post, "oifname \"eth0\" masquerade"), RS_ST_NAT);
	assert_int_equal(s->u.nat.kind, RS_NAT_MASQUERADE);
	s = stmt_of(rule(post, "meta l4proto tcp masquerade to :1024-2048 random,persistent"), RS_ST_NAT);
	assert_int_equal(s->u.nat.flags, RS_NAT_F_RANDOM | RS_NAT_F_PERSISTENT);
	assert_int_equal(s->u.nat.port.kind, RS_TERM_RANGE);
	s = stmt_of(rule(post, "ip saddr 10.0.0.0/8 snat ip to 1.2.3.4"), RS_ST_NAT);
	assert_int_equal(s->u.nat.kind, RS_NAT_SNAT);
	ruleset_free(rs);
}

static void test_vmaps_and_jumps(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_chain *web = chain(rs, RS_FAM_INET, "t", "web");
	const struct rs_stmt *s;
	struct rs_rule *r;

	(void)state;
	r = in_rule(rs, "tcp dport vmap @vm");
	s = r->verdict;
	assert_non_null(s);
	assert_int_equal(s->kind, RS_ST_VMAP);
	assert_non_null(s->u.vmap.map.set);
	assert_true(s->u.vmap.map.set->is_map);
	assert_true(s->u.vmap.map.set->data_verdict);
	assert_int_equal(s->u.vmap.map.set->nelems, 4);
	assert_ptr_equal(s->u.vmap.map.set->elems[2].data->verdict.chain, web);
	assert_int_equal(s->u.vmap.map.set->elems[3].data->verdict.kind, RS_VERDICT_GOTO);

	s = in_rule(rs, "tcp dport vmap { 22 : accept, 25 : drop }")->verdict;
	assert_int_equal(s->u.vmap.map.kind, RS_TERM_SET);
	assert_int_equal(s->u.vmap.map.elems[1].data->verdict.kind, RS_VERDICT_DROP);

	s = in_rule(rs, "meta l4proto vmap { tcp : jump web, udp : accept }")->verdict;
	assert_ptr_equal(s->u.vmap.map.elems[0].data->verdict.chain, web);

	s = in_rule(rs, "jump web")->verdict;
	assert_int_equal(s->u.verdict.kind, RS_VERDICT_JUMP);
	assert_ptr_equal(s->u.verdict.chain, web);
	s = in_rule(rs, "goto web")->verdict;
	assert_int_equal(s->u.verdict.kind, RS_VERDICT_GOTO);
	assert_null(in_rule(rs, "counter name \"c1\"")->verdict);
	ruleset_free(rs);
}

static void test_named_sets(void **state)
{
	struct ruleset *rs = load("constructs.json");
	struct rs_table *t = ruleset_table(rs, RS_FAM_INET, "t");
	struct rs_set *s;

	(void)state;
	s = rs_table_set(t, "s4");
	assert_int_equal(s->key.n, 1);
	assert_int_equal(s->key.part[0].dtype, RS_DT_IPV4);
	assert_int_equal(s->nelems, 3);
	assert_int_equal(s->elems[0].key.kind, RS_TERM_RANGE);
	assert_int_equal(s->elems[1].key.kind, RS_TERM_PREFIX);
	assert_int_equal(s->elems[2].key.kind, RS_TERM_VALUE);

	s = rs_table_set(t, "s6");
	assert_int_equal(s->timeout_ms, 3600000);
	assert_int_equal(s->size, 1000);
	assert_int_equal(s->elems[0].timeout_ms, 30000);
	assert_string_equal(s->elems[0].comment, "x");

	s = rs_table_set(t, "cc");
	assert_int_equal(s->key.n, 2);
	assert_string_equal(s->key.part[1].name, "inet_service");
	assert_int_equal(s->elems[0].key.kind, RS_TERM_CONCAT);
	assert_int_equal(s->elems[0].key.sub[0].kind, RS_TERM_PREFIX);
	assert_int_equal(s->elems[0].key.sub[1].v.num, 22);
	assert_int_equal(s->elems[1].key.sub[1].kind, RS_TERM_RANGE);

	s = rs_table_set(t, "m");
	assert_true(s->is_map);
	assert_false(s->data_verdict);
	assert_int_equal(s->elems[0].data->v.dtype, RS_DT_IPV4);

	s = rs_table_set(t, "ifs");
	assert_int_equal(s->key.part[0].dtype, RS_DT_IFNAME);
	assert_string_equal(s->elems[1].key.v.str, "wg0");
	assert_int_equal(t->nobjects, 2);
	assert_null(rs_table_set(t, "nope"));
	ruleset_free(rs);
}

static void test_more_listing(void **state)
{
	struct ruleset *rs = load("more.json");
	struct rs_chain *c = chain(rs, RS_FAM_INET, "q", "c");
	struct rs_rule *r;

	(void)state;
	r = rule(chain(rs, RS_FAM_BRIDGE, "br2", "f"), "meta protocol ip6 accept");
	assert_int_equal(match_at(r, 0)->right.v.num, 0x86dd);
	/* an explicit nfproto is kept and counts: only l4proto comes back */
	r = rule(c, "meta nfproto ipv4 tcp dport 1 accept");
	assert_false(match_at(r, 0)->implicit);
	assert_implicit_meta(r, 1, RS_META_L4PROTO, 6);
	assert_int_equal(r->nitems, 4);
	/* ip protocol icmp pins l4proto; the nfproto it needs is implicit */
	r = rule(c, "ip protocol icmp icmp type destination-unreachable accept");
	assert_implicit_meta(r, 0, RS_META_NFPROTO, RS_NFPROTO_IPV4);
	assert_int_equal(r->nitems, 4);
	r = rule(c, "tcp dport 21 ct helper set \"ftp-standard\"");
	assert_int_equal(r->items[2].kind, RS_ST_OBJREF);
	assert_string_equal(r->items[2].u.objref.type, "ct helper");
	r = rule(c, "ip6 saddr . ip6 daddr vmap { ::1 . ::2 : accept }");
	assert_int_equal(r->verdict->u.vmap.map.elems[0].key.kind, RS_TERM_CONCAT);
	assert_int_equal(r->verdict->u.vmap.map.elems[0].key.sub[1].v.b[15], 2);
	assert_int_equal(c->rules[c->nrules - 1].items[0].kind, RS_ST_SYNPROXY);
	assert_string_equal(ruleset_table(rs, RS_FAM_INET, "q")->objects[0].type, "ct helper");
	ruleset_free(rs);
}

static void test_load_balancing(void **state)
{
	struct ruleset *rs = load("ex_load_balancing.json");
	struct rs_chain *c = chain(rs, RS_FAM_IP, "nat", "prerouting");
	const struct rs_nat *n;

	(void)state;
	n = &c->rules[0].items[0].u.nat;
	assert_int_equal(c->rules[0].items[0].kind, RS_ST_NAT);
	assert_int_equal(n->addr.kind, RS_TERM_EXPR);
	assert_int_equal(n->addr.expr->kind, RS_EX_MAP);
	assert_int_equal(n->addr.expr->sub[0]->kind, RS_EX_NUMGEN);
	assert_int_equal(n->addr.expr->arg->nelems, 2);
	assert_int_equal(n->addr.expr->arg->elems[1].data->v.dtype, RS_DT_IPV4);
	/* jhash ip saddr . tcp dport: its tcp needs an implicit l4proto */
	assert_implicit_meta(&c->rules[3], 0, RS_META_L4PROTO, 6);
	ruleset_free(rs);
}

static void test_policy_snapshot(void **state)
{
	struct ruleset *rs = load("policy.json");
	struct rs_chain *in = chain(rs, RS_FAM_INET, "xnft", "input");
	struct rs_rule *r;
	char *full;

	(void)state;
	assert_int_equal(in->policy, RS_POLICY_DROP);
	r = rule(in, "tcp flags & (syn|ack) == syn ct state new update @synflood4 { ip saddr limit rate over 30/second burst 60 packets } counter jump synflood_drop comment \"antiscan: SYN flood, one IPv4 source over 30/s\"");
	full = ruleset_rule_format(r, true);
	assert_non_null(strstr(full, "meta l4proto tcp tcp flags"));
	assert_non_null(strstr(full, "ct state new meta nfproto ipv4 update @synflood4"));
	free(full);
	assert_non_null(r->verdict->u.verdict.chain);
	ruleset_free(rs);
}

/* ---- unknown and malformed input ------------------------------------------------- */

static void test_unknown_nodes(void **state)
{
	static const char json[] =
		"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\",\"handle\":1}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"c\",\"handle\":1}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"handle\":2,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"frobnicate\":{\"x\":1}},\"right\":1}},"
		"{\"xt\":{\"type\":\"match\",\"name\":\"conntrack\"}},"
		"{\"wibble\":42},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"nosuchkey\"}},\"right\":{\"strange\":[1]}}},"
		"{\"accept\":null}]}},"
		"{\"flowtable\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"ft\"}},"
		"{\"nosuchobject\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"z\"}}]}";
	struct ruleset *rs = NULL;
	struct xerr e;
	struct rs_rule *r;
	char *text;

	(void)state;
	assert_int_equal(ruleset_from_json(json, strlen(json), &rs, &e), 0);
	r = &chain(rs, RS_FAM_INET, "t", "c")->rules[0];
	assert_int_equal(r->nitems, 5);
	assert_int_equal(r->items[0].u.match.left->kind, RS_EX_UNKNOWN);
	assert_non_null(strstr(r->items[0].u.match.left->json, "frobnicate"));
	assert_int_equal(r->items[1].kind, RS_ST_XT);
	assert_int_equal(r->items[2].kind, RS_ST_UNKNOWN);
	assert_string_equal(r->items[2].json, "{\"wibble\":42}");
	assert_int_equal(r->items[3].u.match.left->kind, RS_EX_UNKNOWN);
	assert_int_equal(r->items[3].u.match.right.kind, RS_TERM_UNKNOWN);
	assert_int_equal(r->nunknown, 5);
	assert_int_equal(rs->nunknown, 5);
	assert_int_equal(rs->nunknown_kinds, 5);
	assert_int_equal(r->verdict->u.verdict.kind, RS_VERDICT_ACCEPT);
	text = ruleset_rule_format(r, false);
	assert_non_null(strstr(text, "<unknown {\"wibble\":42}>"));
	free(text);
	assert_int_equal(ruleset_table(rs, RS_FAM_INET, "t")->nobjects, 2);
	ruleset_free(rs);
}

/* A chain's rules and a table's objects are appended by doubling: each kept, in order, zeroed where unset. */
static void test_many_rules_and_objects(void **state)
{
	enum { NRULES = 1000, NOBJECTS = 100 };
	size_t cap = 200 + NRULES * 140 + NOBJECTS * 100, len;
	char *json = malloc(cap);
	struct ruleset *rs = NULL;
	struct rs_table *t;
	struct rs_chain *c;
	struct xerr e;

	(void)state;
	assert_non_null(json);
	len = (size_t)snprintf(json, cap,
			       "{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\",\"handle\":1}},"
			       "{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"c\",\"handle\":2}}");
	for (int i = 0; i < NRULES; i++)
		len += (size_t)snprintf(json + len, cap - len,
					",{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\","
					"\"handle\":%d,\"expr\":[{\"%s\":null}]}}",
					10 + i, i % 2 ? "accept" : "drop");
	for (int i = 0; i < NOBJECTS; i++)
		len += (size_t)snprintf(json + len, cap - len,
					",{\"counter\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"n%d\"}}",
					i);
	len += (size_t)snprintf(json + len, cap - len, "]}");
	assert_true(len < cap);
	assert_int_equal(ruleset_from_json(json, len, &rs, &e), 0);
	free(json);
	c = chain(rs, RS_FAM_INET, "t", "c");
	assert_int_equal(c->nrules, NRULES);
	for (int i = 0; i < NRULES; i++) {
		const struct rs_rule *r = &c->rules[i];

		assert_ptr_equal(r->chain, c);
		assert_int_equal(r->handle, 10 + i);
		assert_null(r->comment);
		assert_int_equal(r->nitems, 1);
		assert_int_equal(r->verdict->u.verdict.kind,
				 i % 2 ? RS_VERDICT_ACCEPT : RS_VERDICT_DROP);
	}
	t = ruleset_table(rs, RS_FAM_INET, "t");
	assert_int_equal(t->nobjects, NOBJECTS);
	for (int i = 0; i < NOBJECTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		assert_string_equal(t->objects[i].name, name);
		assert_string_equal(t->objects[i].type, "counter");
		assert_ptr_equal(t->objects[i].table, t);
		assert_int_equal(t->objects[i].handle, 0);
	}
	ruleset_free(rs);
}

/* Statements this kernel cannot load (no queue, flowtable or tproxy modules),
 * written the way libnftables lists them. */
static void test_handwritten_statements(void **state)
{
	static const char json[] =
		"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"c\"}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"queue\":{\"num\":{\"range\":[1,3]},\"flags\":[\"bypass\",\"fanout\"]}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"fwd\":{\"dev\":\"eth1\"}},{\"flow\":{\"op\":\"add\",\"flowtable\":\"@ft\"}},"
		"{\"tproxy\":{\"family\":\"ip\",\"port\":8080}},{\"last\":null},"
		"{\"limit\":\"lim\"},{\"ct timeout\":\"tmo\"},{\"synproxy\":\"sp\"}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"base\":\"th\",\"offset\":16,\"len\":16}},\"right\":22}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"symhash\":{\"mod\":2,\"offset\":100}},\"right\":101}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"rt\":{\"key\":\"classid\"}},\"right\":5}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"ip option\":{\"name\":\"rr\",\"field\":\"ptr\"}},\"right\":4}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"sctp chunk\":{\"name\":\"data\"}},\"right\":true}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"<<\":[{\"meta\":{\"key\":\"mark\"}},8]},\"right\":256}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"ct\":{\"key\":\"saddr\",\"family\":\"ip6\",\"dir\":\"reply\"}},\"right\":\"::1\"}},"
		"{\"drop\":null}]}}]}";
	struct ruleset *rs = NULL;
	struct rs_chain *c;
	struct xerr e;
	const struct rs_rule *r;

	(void)state;
	assert_int_equal(ruleset_from_json(json, strlen(json), &rs, &e), 0);
	assert_int_equal(rs->nunknown, 0);
	c = chain(rs, RS_FAM_INET, "t", "c");
	r = &c->rules[0];
	assert_int_equal(r->items[0].kind, RS_ST_QUEUE);
	assert_int_equal(r->items[0].u.queue.flags, 3);
	assert_int_equal(r->items[0].u.queue.num.kind, RS_TERM_RANGE);
	r = &c->rules[1];
	assert_int_equal(r->items[0].kind, RS_ST_FWD);
	assert_string_equal(r->items[0].u.dup.dev, "eth1");
	assert_int_equal(r->items[1].kind, RS_ST_FLOW);
	assert_int_equal(r->items[2].kind, RS_ST_TPROXY);
	assert_int_equal(r->items[3].kind, RS_ST_LAST);
	assert_int_equal(r->items[4].kind, RS_ST_OBJREF);
	assert_string_equal(r->items[4].u.objref.type, "limit");
	assert_string_equal(r->items[5].u.objref.type, "ct timeout");
	assert_string_equal(r->items[6].u.objref.type, "synproxy");
	r = &c->rules[2];
	assert_int_equal(r->items[0].u.match.left->key, RS_F_RAW);
	assert_int_equal(r->items[0].u.match.left->base, 2);
	assert_int_equal(r->items[0].u.match.left->bits, 16);
	assert_int_equal(r->items[1].u.match.left->kind, RS_EX_HASH);
	assert_int_equal(r->items[2].u.match.left->kind, RS_EX_RT);
	/* nft puts meta nfproto ipv4 in front of an ip option; a sctp chunk gets nothing */
	assert_implicit_meta(r, 3, RS_META_NFPROTO, 2);
	assert_int_equal(r->items[4].u.match.left->kind, RS_EX_IPOPT);
	assert_int_equal(r->items[5].u.match.left->kind, RS_EX_SCTPCHUNK);
	assert_int_equal(r->items[6].u.match.left->key, RS_BINOP_LSHIFT);
	assert_int_equal(r->items[7].u.match.left->key, RS_CT_IP6_SADDR);
	assert_int_equal(r->items[7].u.match.left->dir, RS_CT_DIR_REPLY);
	assert_int_equal(r->items[7].u.match.right.v.dtype, RS_DT_IPV6);
	for (size_t i = 0; i < c->nrules; i++)
		free(ruleset_rule_format(&c->rules[i], true));
	ruleset_free(rs);
}

/*
 * Matches nft adds and its listing drops (issue 24): the IP version in front of
 * an IPv6 extension header, the ICMP type in front of a field of one message type
 * (nft --debug=netlink shows both); an explicit type keeps nft from adding one.
 */
static void test_implied_types(void **state)
{
	static const char json[] =
		"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"c\"}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"icmpv6\",\"field\":\"max-delay\"}},\"right\":0}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"icmp\",\"field\":\"type\"}},\"right\":3}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"icmp\",\"field\":\"mtu\"}},\"right\":5}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"exthdr\":{\"name\":\"frag\"}},\"right\":false}}]}}]}";
	struct ruleset *rs = NULL;
	const struct rs_chain *c;
	const struct rs_rule *r;
	struct xerr e;

	(void)state;
	assert_int_equal(ruleset_from_json(json, strlen(json), &rs, &e), 0);
	c = chain(rs, RS_FAM_INET, "t", "c");
	r = &c->rules[0];   /* meta nfproto ipv6, meta l4proto ipv6-icmp, icmpv6 type 130, max-delay */
	assert_int_equal(r->nitems, 4);
	assert_implicit_meta(r, 0, RS_META_NFPROTO, 10);
	assert_implicit_meta(r, 1, RS_META_L4PROTO, 58);
	assert_true(r->items[2].u.match.implicit);
	assert_int_equal(r->items[2].u.match.left->key, RS_F_ICMPV6_TYPE);
	assert_int_equal(r->items[2].u.match.right.v.num, 130);
	assert_int_equal(r->items[3].u.match.left->key, RS_F_ICMPV6_MAXDELAY);
	r = &c->rules[1];   /* the rule names the type: nothing more than the protocol */
	assert_int_equal(r->nitems, 4);
	assert_false(r->items[2].u.match.implicit);
	assert_int_equal(r->items[3].u.match.left->key, RS_F_ICMP_MTU);
	r = &c->rules[2];   /* exthdr frag missing: meta nfproto ipv6 first */
	assert_int_equal(r->nitems, 2);
	assert_implicit_meta(r, 0, RS_META_NFPROTO, 10);
	assert_int_equal(r->items[1].u.match.left->kind, RS_EX_EXTHDR);
	ruleset_free(rs);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = { "", "not json", "[1,2]", "{\"nftables\":{}}", "{}" };
	static const char *const odd[] = {
		"{\"nftables\":[]}",
		"{\"nftables\":[1,\"x\",null,{\"rule\":5},{\"table\":{}},{\"chain\":{\"name\":\"c\"}}]}",
		"{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"t\"}},"
		"{\"chain\":{\"family\":\"ip\",\"table\":\"t\",\"name\":\"c\",\"hook\":\"input\",\"prio\":\"filter\"}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c\",\"expr\":{\"accept\":null}}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c\",\"expr\":[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ip\",\"field\":\"saddr\"}},\"right\":{\"prefix\":{\"addr\":\"1.2.3.4\",\"len\":999}}}}]}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"nochain\",\"expr\":[]}},"
		"{\"set\":{\"family\":\"ip\",\"table\":\"t\",\"name\":\"s\",\"type\":[1,2],\"elem\":[[1],{\"elem\":5},{\"range\":[1]}]}}]}",
	};
	struct ruleset *rs;
	struct xerr e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ruleset_from_json(bad[i], strlen(bad[i]), &rs, &e), -1);
		assert_null(rs);
		assert_true(e.msg[0]);
	}
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		assert_int_equal(ruleset_from_json(odd[i], strlen(odd[i]), &rs, &e), 0);
		ruleset_free(rs);
	}
}

/* ---- values -------------------------------------------------------------------------- */

/* Constructs nft 1.0.6 lists that the loader reads (issue 24): none is unknown. */
static void test_issue24_constructs(void **state)
{
	static const char json[] =
		"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"c\"}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"match\":{\"op\":\"!=\",\"left\":{\"ipsec\":{\"key\":\"saddr\",\"family\":\"ip\",\"dir\":\"in\",\"spnum\":1}},\"right\":\"1.2.3.4\"}},"
		"{\"match\":{\"op\":\"!=\",\"left\":{\"tcp option\":{\"base\":254,\"offset\":16,\"len\":16}},\"right\":0}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"tcp option\":{\"base\":254,\"offset\":0,\"len\":8}},\"right\":true}},"
		"{\"reset\":{\"tcp option\":{\"name\":\"sack\"}}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"rt\":{\"key\":\"nexthop\",\"family\":\"ip6\"}},\"right\":\"2001:db8::1\"}},"
		"{\"match\":{\"op\":\"<\",\"left\":{\"meta\":{\"key\":\"time\"}},\"right\":\"2030-01-01 00:00:00\"}},"
		"{\"accept\":null}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"c\",\"expr\":["
		"{\"fwd\":{\"dev\":{\"map\":{\"key\":{\"payload\":{\"protocol\":\"ip\",\"field\":\"daddr\"}},"
		"\"data\":{\"set\":[[\"10.0.0.1\",\"lo\"]]}}}}}]}}]}";
	struct ruleset *rs = NULL;
	struct rs_chain *c;
	struct xerr e;
	const struct rs_rule *r;
	const struct rs_stmt *it;
	char *text;
	size_t n;

	(void)state;
	assert_int_equal(ruleset_from_json(json, strlen(json), &rs, &e), 0);
	assert_int_equal(rs->nunknown, 0);
	c = chain(rs, RS_FAM_INET, "t", "c");
	r = &c->rules[0];
	it = r->items;
	n = r->nitems;
	text = ruleset_rule_format(r, false);
	assert_string_equal(text, "ipsec in spnum 1 ip saddr != 1.2.3.4 tcp option @254,16,16 != 0 "
			    "tcp option 254 exists reset tcp option sack "
			    "rt ip6 nexthop 2001:db8::1 meta time < \"2030-01-01 00:00:00\" accept");
	free(text);
	assert_true(n >= 7);
	assert_int_equal(it[0].u.match.left->kind, RS_EX_XFRM);
	assert_string_equal(it[0].u.match.left->field, "in");
	assert_int_equal(it[0].u.match.right.v.dtype, RS_DT_IPV4);
	assert_true(it[1].u.match.left->flags & RS_TCPOPT_RAW);
	assert_string_equal(it[1].u.match.left->field, "@16,16");
	assert_int_equal(it[1].u.match.left->bits, 16);
	assert_null(it[2].u.match.left->field);       /* exists: presence, not the kind byte */
	assert_int_equal(it[2].u.match.left->dtype, RS_DT_BOOL);
	assert_int_equal(it[3].kind, RS_ST_MANGLE);   /* reset: no value */
	assert_int_equal(it[3].u.mangle.value.kind, RS_TERM_NONE);
	assert_int_equal(it[4].u.match.right.v.dtype, RS_DT_IPV6);
	/* meta time: the date as the kernel's nanoseconds (local time, as nft wrote it) */
	assert_int_equal(it[5].u.match.right.v.dtype, RS_DT_INTEGER);
	assert_true(it[5].u.match.right.v.num > 1893000000ULL * 1000000000ULL);
	assert_true(it[5].u.match.right.v.num < 1894000000ULL * 1000000000ULL);
	/* meta day prints its day, as nft writes it */
	{
		struct rs_expr day = { .kind = RS_EX_META, .key = RS_META_DAY };
		struct rs_stmt st = { .kind = RS_ST_MATCH };

		st.u.match.op = RS_OP_EQ;
		st.u.match.left = &day;
		st.u.match.right.kind = RS_TERM_VALUE;
		rs_value_from_num(&st.u.match.right.v, RS_DT_INTEGER, 8, 1);
		text = rs_stmt_format(&st);
		assert_string_equal(text, "meta day Monday");
		free(text);
	}
	/* fwd to ... map: the lookup is read (it can miss) and carries ip's dependency */
	r = &c->rules[1];
	it = &r->items[r->nitems - 1];
	assert_int_equal(it->kind, RS_ST_FWD);
	assert_int_equal(it->u.dup.devx.kind, RS_TERM_EXPR);
	assert_int_equal(it->u.dup.devx.expr->kind, RS_EX_MAP);
	assert_int_equal(r->items[0].kind, RS_ST_MATCH);
	assert_true(r->items[0].u.match.implicit);
	text = ruleset_rule_format(r, false);
	assert_string_equal(text, "fwd to ip daddr map { 10.0.0.1 : \"lo\" }");
	free(text);
	ruleset_free(rs);
}

static void test_values(void **state)
{
	struct rs_value v;

	(void)state;
	rs_value_from_num(&v, RS_DT_ETHERTYPE, 16, 8);
	assert_int_equal(v.num, 0x0800);
	assert_int_equal(v.b[0], 0x08);
	assert_int_equal(v.b[1], 0x00);
	rs_value_from_num(&v, RS_DT_INTEGER, 4, 0xff);
	assert_int_equal(v.num, 0xf);

	assert_int_equal(rs_value_parse(&v, RS_DT_IPV6, 128, "2001:db8::1"), 0);
	assert_int_equal(v.b[0], 0x20);
	assert_int_equal(v.b[15], 1);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_ETHER, 48, "aa:bb:cc:dd:ee:ff"), 0);
	assert_int_equal(v.num, 0xaabbccddeeffULL);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_UNKNOWN, 0, "10.1.2.3"), 0);
	assert_int_equal(v.dtype, RS_DT_IPV4);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_INTEGER, 32, "0x10"), 0);
	assert_int_equal(v.num, 16);
	rs_value_free(&v);
	/* meta priority's tc handles, as nft lists them: hex MAJOR:MINOR, root, none */
	assert_int_equal(rs_value_parse(&v, RS_DT_INTEGER, 32, "1:1234"), 0);
	assert_int_equal(v.dtype, RS_DT_INTEGER);
	assert_int_equal(v.num, 0x00011234);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_INTEGER, 32, "root"), 0);
	assert_int_equal(v.num, 0xffffffffu);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_INTEGER, 32, "none"), 0);
	assert_int_equal(v.num, 0);
	rs_value_free(&v);
	/* a symbol the numeric listing still spells out stays a string */
	assert_int_equal(rs_value_parse(&v, RS_DT_INTEGER, 32, "1:2:3"), 0);
	assert_int_equal(v.dtype, RS_DT_STRING);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_INTEGER, 32, "bulk"), 0);
	assert_int_equal(v.dtype, RS_DT_STRING);
	rs_value_free(&v);
	assert_int_equal(rs_value_parse(&v, RS_DT_IPV4, 32, "not-an-address"), 0);
	assert_int_equal(v.dtype, RS_DT_STRING);
	rs_value_free(&v);
}

static void test_names(void **state)
{
	const struct rs_field_info *fi;

	(void)state;
	fi = rs_field_info(rs_field_lookup("ip6", "saddr"));
	assert_non_null(fi);
	assert_int_equal(fi->offset, 64);
	assert_int_equal(fi->bits, 128);
	assert_int_equal(fi->proto, RS_PROTO_IP6);
	assert_int_equal(rs_field_lookup("tcp", "nonsense"), RS_F_NONE);
	assert_null(rs_field_info(RS_F_RAW));
	assert_string_equal(rs_meta_name(RS_META_L4PROTO), "l4proto");
	assert_string_equal(rs_ct_name(RS_CT_STATE), "state");
	assert_int_equal(rs_family_lookup("netdev"), RS_FAM_NETDEV);
	assert_string_equal(rs_hook_name(RS_HOOK_POSTROUTING), "postrouting");
	assert_string_equal(rs_op_name(RS_OP_NOT), "!");
	assert_string_equal(rs_verdict_name(RS_VERDICT_GOTO), "goto");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs_no_unknown),
		cmocka_unit_test(test_examples_no_unknown),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_implied_tcp),
		cmocka_unit_test(test_implied_inet_families),
		cmocka_unit_test(test_implied_bridge_netdev),
		cmocka_unit_test(test_prefix_range_sets),
		cmocka_unit_test(test_flags_and_ct),
		cmocka_unit_test(test_meta_and_misc),
		cmocka_unit_test(test_limits_sets_meters),
		cmocka_unit_test(test_log_mangle_misc),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_vmaps_and_jumps),
		cmocka_unit_test(test_named_sets),
		cmocka_unit_test(test_more_listing),
		cmocka_unit_test(test_load_balancing),
		cmocka_unit_test(test_policy_snapshot),
		cmocka_unit_test(test_unknown_nodes),
		cmocka_unit_test(test_handwritten_statements),
		cmocka_unit_test(test_implied_types),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_issue24_constructs),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_many_rules_and_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
