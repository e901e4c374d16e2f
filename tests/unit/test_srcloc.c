// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Source locations: the scanner on texts in memory (blocks, separators,
 * continuations, strings, comments, add/insert/flush commands) and on the
 * fixture tree in tests/unit/fixtures/srcloc (includes with a glob), paired
 * with the listing the kernel made of that tree; core/nftsrc.c's include
 * resolution and its statement walker on its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nftsrc.h"
#include "core/policy_load.h"
#include "core/ruleset.h"
#include "core/srcloc.h"

static struct srcloc scan(const char *text)
{
	struct srcloc s;
	struct xerr e;

	assert_int_equal(srcloc_scan_buffer("t.nft", text, NULL, 0, &s, &e), 0);
	return s;
}

static const struct srcloc_chain *find(const struct srcloc *s, const char *fam,
				       const char *table, const char *chain)
{
	const struct srcloc_chain *c = srcloc_find(s, fam, table, chain);

	if (!c)
		fail_msg("no chain %s %s %s", fam, table, chain);
	return c;
}

static void assert_stmt(const struct srcloc_chain *c, size_t i, int line, const char *text)
{
	assert_true(i < c->n);
	if (c->v[i].line != line || strcmp(c->v[i].text, text))
		fail_msg("stmt %zu: got %d '%s', want %d '%s'", i, c->v[i].line, c->v[i].text,
			 line, text);
}

static void test_blocks(void **state)
{
	struct srcloc s = scan(
		"table inet t {\n"                                   /* 1 */
		"\tset s { type ipv4_addr; elements = { 1.2.3.4 } }\n"
		"\tchain in {\n"
		"\t\ttype filter hook input priority 0; policy drop;\n"
		"\t\tiif lo accept\n"                                 /* 5 */
		"\n"
		"\t\t# tcp dport 1 accept\n"
		"\t\ttcp dport 22 accept # ssh\n"                     /* 8 */
		"\t}\n"
		"\tchain out { counter; return; }\n"                  /* 10 */
		"}\n"
		"table t2 {\n"
		"\tchain c {\n"
		"\t\tdrop\n"                                          /* 14 */
		"\t}\n"
		"}\n");
	const struct srcloc_chain *c;

	(void)state;
	c = find(&s, "inet", "t", "in");
	assert_int_equal(c->n, 2);
	assert_stmt(c, 0, 5, "iif lo accept");
	assert_stmt(c, 1, 8, "tcp dport 22 accept");
	c = find(&s, "inet", "t", "out");
	assert_int_equal(c->n, 2);
	assert_stmt(c, 0, 10, "counter");
	assert_stmt(c, 1, 10, "return");
	/* a table without a family is an ip table */
	c = find(&s, "ip", "t2", "c");
	assert_stmt(c, 0, 14, "drop");
	assert_null(srcloc_find(&s, "inet", "t", "s"));
	srcloc_free(&s);
}

/*
 * A netdev chain's devices from its header: nft 1.0.6's JSON listing leaves
 * them out, the source names them; a $variable leaves them unknown.
 */
static void test_header_devices(void **state)
{
	struct srcloc s = scan(
		"table netdev n {\n"
		"\tchain one {\n"
		"\t\ttype filter hook ingress device \"lo\" priority 0; policy accept;\n"
		"\t\tudp dport 9 drop\n"
		"\t}\n"
		"\tchain two {\n"
		"\t\ttype filter hook egress devices = { eth0, \"wg0\" } priority 0;\n"
		"\t}\n"
		"\tchain three {\n"
		"\t\ttype filter hook ingress device $WAN priority 0;\n"
		"\t}\n"
		"}\n");
	const struct srcloc_chain *c;

	(void)state;
	c = find(&s, "netdev", "n", "one");
	assert_int_equal(c->ndevices, 1);
	assert_string_equal(c->devices[0], "lo");
	assert_int_equal(c->n, 1);
	c = find(&s, "netdev", "n", "two");
	assert_int_equal(c->ndevices, 2);
	assert_string_equal(c->devices[0], "eth0");
	assert_string_equal(c->devices[1], "wg0");
	c = find(&s, "netdev", "n", "three");
	assert_int_equal(c->ndevices, 0);
	srcloc_free(&s);
}

static void test_continuations_and_sets(void **state)
{
	struct srcloc s = scan(
		"table inet t {\n"
		"\tchain c {\n"
		"\t\ttcp dport { 22,\n"                               /* 3 */
		"\t\t\t80 } accept\n"
		"\t\tudp dport 53 \\\n"                               /* 5 */
		"\t\t\taccept\n"
		"\t\tip saddr 1.2.3.4 counter; ip saddr 5.6.7.8 drop\n" /* 7 */
		"\t\tlog prefix \"a;b # c { \" drop\n"                /* 8 */
		"\t\tmeta mark set 1 comment \"}\"\n"                 /* 9 */
		"\t}\n"
		"}\n");
	const struct srcloc_chain *c = find(&s, "inet", "t", "c");

	(void)state;
	assert_int_equal(c->n, 6);
	assert_stmt(c, 0, 3, "tcp dport { 22, 80 } accept");
	assert_stmt(c, 1, 5, "udp dport 53 accept");
	assert_stmt(c, 2, 7, "ip saddr 1.2.3.4 counter");
	assert_stmt(c, 3, 7, "ip saddr 5.6.7.8 drop");
	assert_stmt(c, 4, 8, "log prefix \"a;b # c { \" drop");
	assert_stmt(c, 5, 9, "meta mark set 1 comment \"}\"");
	srcloc_free(&s);
}

static void test_commands(void **state)
{
	struct srcloc s = scan(
		"add table inet t\n"
		"add chain inet t c\n"
		"add rule inet t c tcp dport 22 accept\n"            /* 3 */
		"insert rule inet t c iif lo accept\n"               /* 4 */
		"add rule t c2 drop\n"                               /* 5 */
		"define X = {\n"
		"  1, 2\n"
		"}\n"
		"add element inet t s { 1.2.3.4 }\n"
		"add chain inet t d { type filter hook input priority 0; counter; }\n" /* 10 */
		"add rule inet t e position 3 accept\n");
	const struct srcloc_chain *c;

	(void)state;
	c = find(&s, "inet", "t", "c");
	assert_int_equal(c->n, 2);
	assert_stmt(c, 0, 4, "iif lo accept");
	assert_stmt(c, 1, 3, "tcp dport 22 accept");
	assert_false(c->uncertain);
	c = find(&s, "ip", "t", "c2");
	assert_stmt(c, 0, 5, "drop");
	c = find(&s, "inet", "t", "d");
	assert_int_equal(c->n, 1);
	assert_stmt(c, 0, 10, "counter");
	assert_true(find(&s, "inet", "t", "e")->uncertain);
	srcloc_free(&s);
}

static void test_flush_forgets(void **state)
{
	struct srcloc s = scan(
		"table inet t { chain c { drop; }; chain d { accept; }; }\n"
		"delete table inet t\n"
		"table inet t { chain c { counter; }; }\n"
		"table inet u { chain c { accept; }; }\n"
		"flush chain inet u c\n"
		"table inet u { chain c { drop; }; }\n");
	const struct srcloc_chain *c;

	(void)state;
	c = find(&s, "inet", "t", "c");
	assert_int_equal(c->n, 1);
	assert_stmt(c, 0, 3, "counter");
	assert_int_equal(find(&s, "inet", "t", "d")->n, 0);
	c = find(&s, "inet", "u", "c");
	assert_int_equal(c->n, 1);
	assert_stmt(c, 0, 6, "drop");
	srcloc_free(&s);
	s = scan("table inet t { chain c { drop; }; }\nflush ruleset\n");
	assert_int_equal(find(&s, "inet", "t", "c")->n, 0);
	srcloc_free(&s);
}

static void test_hostile_text(void **state)
{
	static const char *const texts[] = {
		"}}}}}}", "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{", "table", "table {",
		"\"unterminated", "table inet t { chain c { \"x", "add rule", "insert rule inet",
		"include", "include \"/nonexistent/file.nft\"", "\\", "#", ";;;;",
		"table inet t { chain c { tcp dport { 1, 2 accept } } } } }",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct srcloc s = scan(texts[i]);

		srcloc_free(&s);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

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

/* The fixture tree: includes by glob, paired with what the kernel listed. */
static void test_fixture_tree(void **state)
{
	const char *dirs[] = { FIXTURES "/srcloc" };
	struct srcloc s;
	struct xerr e;
	const struct srcloc_chain *c;

	(void)state;
	assert_int_equal(srcloc_scan(FIXTURES "/srcloc/nftables.conf", dirs, 1, &s, &e), 0);
	assert_int_equal(s.files, 3);
	c = find(&s, "inet", "sl", "input");
	assert_int_equal(c->n, 9);
	assert_string_equal(c->v[0].file, FIXTURES "/srcloc/nftables.conf");
	assert_stmt(c, 0, 14, "iif lo accept");
	assert_string_equal(c->v[1].file, FIXTURES "/srcloc/rules/00-base.nft");
	assert_stmt(c, 2, 13, "tcp dport $PORTS accept");
	assert_stmt(c, 3, 15, "tcp dport { 443, 8443 } counter accept");
	assert_string_equal(c->v[5].file, FIXTURES "/srcloc/rules/10-more.nft");
	assert_stmt(c, 8, 13, "udp dport 53 accept comment \"added; with a semicolon # and a hash\"");
	srcloc_free(&s);
}

static void test_pairing(void **state)
{
	struct ruleset *rs;
	struct ruleset_stats st;
	struct xerr e;
	size_t len;
	char *json = slurp(FIXTURES "/srcloc.json", &len);
	struct rs_chain *in;

	(void)state;
	assert_int_equal(policy_load_json(json, len, FIXTURES "/srcloc/nftables.conf", &rs, &e), 0);
	free(json);
	ruleset_stats(rs, &st);
	assert_int_equal(st.rules, 13);
	assert_int_equal(st.located, 13);
	in = rs_table_chain(ruleset_table(rs, RS_FAM_INET, "sl"), "input");
	assert_int_equal(in->rules[0].loc.line, 14);
	assert_string_equal(in->rules[0].loc.text, "iif lo accept");
	assert_int_equal(in->rules[2].loc.line, 13);
	assert_non_null(strstr(in->rules[2].loc.file, "00-base.nft"));
	ruleset_free(rs);
}

/* Counts that disagree leave the chain without locations: no guessing. */
static void test_pairing_mismatch(void **state)
{
	struct ruleset *rs;
	struct srcloc s;
	struct xerr e;
	size_t len;
	char *json = slurp(FIXTURES "/srcloc.json", &len);
	struct ruleset_stats st;

	(void)state;
	assert_int_equal(ruleset_from_json(json, len, &rs, &e), 0);
	free(json);
	s = scan("table inet sl { chain input { drop; }; chain web { counter; return; counter; }; }\n"
		 "table ip other { chain c { drop; }; }\n");
	assert_int_equal(srcloc_apply(&s, rs), 1);
	ruleset_stats(rs, &st);
	assert_int_equal(st.located, 4);
	assert_int_equal(rs_table_chain(ruleset_table(rs, RS_FAM_INET, "sl"), "input")->rules[0].loc.line, 0);
	srcloc_free(&s);
	ruleset_free(rs);
}

/* ---- the one include rule every reader uses ----------------------------------------- */

struct seen {
	char names[8][64];
	int n;
	int stop_at;   /* fail on this call (1-based), 0: never */
};

static int note_file(void *ctx, const char *path)
{
	struct seen *s = ctx;
	const char *base = strrchr(path, '/');

	assert_true(s->n < 8);
	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", base ? base + 1 : path);
	return s->n == s->stop_at ? -1 : 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_nftsrc_include(void **state)
{
	char first[] = "/tmp/xnft-nftsrc-a-XXXXXX", second[] = "/tmp/xnft-nftsrc-b-XXXXXX";
	char abs_glob[600], path[600];
	const char *dirs[2];
	struct seen s;
	size_t len = 0;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(first));
	assert_non_null(mkdtemp(second));
	dirs[0] = first;
	dirs[1] = second;
	write_file(first, "b.nft", "b\n");
	write_file(first, "a.nft", "a\n");
	write_file(second, "only2.nft", "x\n");
	write_file(second, "a.nft", "shadowed\n");

	/* a glob in name order, from the first directory that matches */
	memset(&s, 0, sizeof(s));
	assert_int_equal(nftsrc_include("*.nft", dirs, 2, note_file, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "a.nft");
	assert_string_equal(s.names[1], "b.nft");
	/* a plain name falls through to the second directory */
	memset(&s, 0, sizeof(s));
	assert_int_equal(nftsrc_include("only2.nft", dirs, 2, note_file, &s), 0);
	assert_int_equal(s.n, 1);
	/* nothing there, relative or absolute */
	memset(&s, 0, sizeof(s));
	assert_int_equal(nftsrc_include("none.nft", dirs, 2, note_file, &s), 1);
	assert_int_equal(nftsrc_include("none*.nft", dirs, 2, note_file, &s), 1);
	assert_int_equal(s.n, 0);
	/* an absolute glob; a failing callback stops the walk */
	snprintf(abs_glob, sizeof(abs_glob), "%s/*.nft", first);
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(nftsrc_include(abs_glob, dirs, 2, note_file, &s), -1);
	assert_int_equal(s.n, 1);

	/* whole regular files only */
	snprintf(path, sizeof(path), "%s/a.nft", first);
	text = nftsrc_read(path, &len);
	assert_non_null(text);
	assert_int_equal(len, 2);
	assert_string_equal(text, "a\n");
	free(text);
	assert_null(nftsrc_read(first, &len));
	assert_null(nftsrc_read("/dev/null", &len));

	for (const char *const *d = dirs; d < dirs + 2; d++) {
		const char *names[] = { "a.nft", "b.nft", "only2.nft" };

		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", *d, names[i]);
			unlink(path);
		}
		assert_int_equal(rmdir(*d), 0);
	}
}

/* What the statement walker handed on, as one line of text per event. */
struct events {
	char log[1024];
	size_t len;
	int skip_depth;   /* blocks opened by a `set` head are skipped */
	int stop_at;      /* stop at this statement (1-based); 0 never */
	int n;
};

static void note(struct events *ev, const char *fmt, const char *a, int line)
{
	ev->len += (size_t)snprintf(ev->log + ev->len, sizeof(ev->log) - ev->len, fmt, a, line);
	assert_true(ev->len < sizeof(ev->log));
}

static bool ev_opens(void *ctx, const char *text)
{
	(void)ctx;
	return !strncmp(text, "table", 5) || !strncmp(text, "chain", 5) || !strncmp(text, "set", 3);
}

static int ev_statement(void *ctx, const struct nftsrc_stmt *st)
{
	struct events *ev = ctx;

	assert_string_equal(st->file, "f.nft");
	note(ev, st->opener ? "open[%s]@%d\n" : "stmt[%s]@%d\n", st->text, st->line);
	if (st->opener && !strncmp(st->text, "set", 3))
		ev->skip_depth = 1;
	return ++ev->n == ev->stop_at ? -1 : 0;
}

static void ev_close(void *ctx)
{
	struct events *ev = ctx;

	if (ev->skip_depth)
		ev->skip_depth--;
	note(ev, "close%s@%d\n", "", 0);
}

static bool ev_skipping(void *ctx)
{
	return ((struct events *)ctx)->skip_depth > 0;
}

static void ev_skip_open(void *ctx)
{
	((struct events *)ctx)->skip_depth++;
}

static void test_nftsrc_statements(void **state)
{
	static const struct nftsrc_reader r = {
		ev_opens, ev_statement, ev_close, ev_skipping, ev_skip_open,
	};
	const char *text =
		"define A = { 1,\n  2 }   # a comment\n"
		"table inet t {\n"
		"\tchain c {\n"
		"\t\ttcp dport 22 \\\n accept; udp dport 53 accept\n"
		"\t\tmeta comment \"a # b; c\" drop\n"
		"\t}\n"
		"\tset s { type ipv4_addr; elements = { 1.2.3.4 } }\n"
		"}\n";
	struct events ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(nftsrc_statements("f.nft", text, strlen(text), &r, &ev), 0);
	assert_string_equal(ev.log,
			    "stmt[define A = { 1, 2 }]@1\n"
			    "open[table inet t]@3\n"
			    "open[chain c]@4\n"
			    "stmt[tcp dport 22 accept]@5\n"
			    "stmt[udp dport 53 accept]@6\n"
			    "stmt[meta comment \"a # b; c\" drop]@7\n"
			    "close@0\n"
			    "open[set s]@9\n"
			    "close@0\n"
			    "close@0\n"
			    "close@0\n");
	/* a reader that stops the walk stops it */
	memset(&ev, 0, sizeof(ev));
	ev.stop_at = 2;
	assert_int_equal(nftsrc_statements("f.nft", text, strlen(text), &r, &ev), -1);
	assert_int_equal(ev.n, 2);
}

/* The define and include statements every reader takes apart the same way. */
static void test_nftsrc_define_include(void **state)
{
	struct nftsrc_define d;
	char name[16];

	(void)state;
	assert_true(nftsrc_define("define WAN_IF = \"eth0\"", &d));
	assert_string_equal(d.name, "WAN_IF");
	assert_string_equal(d.value, "\"eth0\"");
	assert_false(d.redefine || d.undefine);
	/* nft's names: '-', '.' and '/' inside, '_' or '.' first */
	assert_true(nftsrc_define("redefine wan-if.v4/x = { eth0, eth1 }", &d));
	assert_true(d.redefine);
	assert_string_equal(d.name, "wan-if.v4/x");
	assert_string_equal(d.value, "{ eth0, eth1 }");
	assert_true(nftsrc_define("define _a=1", &d));
	assert_string_equal(d.value, "1");
	assert_true(nftsrc_define("undefine B", &d));
	assert_true(d.undefine);
	assert_string_equal(d.name, "B");
	assert_null(d.value);
	assert_false(nftsrc_define("define 1A = 1", &d));
	assert_false(nftsrc_define("define A B = 1", &d));
	assert_false(nftsrc_define("define A", &d));
	assert_false(nftsrc_define("defined A = 1", &d));
	assert_false(nftsrc_define("table inet t", &d));
	assert_true(nftsrc_include_name("include \"x/*.nft\"", name, sizeof(name)));
	assert_string_equal(name, "x/*.nft");
	assert_false(nftsrc_include_name("include \"a-name-of-sixteen\"", name, sizeof(name)));
	assert_false(nftsrc_include_name("include \"open", name, sizeof(name)));
	assert_false(nftsrc_include_name("included \"a\"", name, sizeof(name)));
	/* the block rule: table, chain, set, map, flowtable (also after add/create) */
	assert_true(nftsrc_opens_block(NULL, "table inet t"));
	assert_true(nftsrc_opens_block(NULL, "add set inet t s"));
	assert_false(nftsrc_opens_block(NULL, "define S ="));
	assert_false(nftsrc_opens_block(NULL, "ip saddr"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_header_devices),
		cmocka_unit_test(test_continuations_and_sets),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_flush_forgets),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_fixture_tree),
		cmocka_unit_test(test_pairing),
		cmocka_unit_test(test_pairing_mismatch),
		cmocka_unit_test(test_nftsrc_include),
		cmocka_unit_test(test_nftsrc_statements),
		cmocka_unit_test(test_nftsrc_define_include),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
