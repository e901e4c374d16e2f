// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intents file (src/analyze/intents.c) and the match words under it
 * (src/core/match.c), driven by tests/unit/intents_cases.txt: one case a
 * line, each its own TAP test.
 *
 *   ok    TEXT  =>  CANONICAL   intent_format() of each intent, " ; " between;
 *                               each canonical form parses back to itself
 *   hook  TEXT  =>  HOOKS       the hook of each intent
 *   err   TEXT  =>  L:C: MSG [|| HINT]   refused with exactly this message and hint
 *
 * TEXT is a whole intents file: "\n" and "\r" stand for newline and carriage
 * return, "(empty)" for nothing. Then: the shipped policy/intents parses
 * with no error, and the conditions themselves are checked field by field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/intents.h"

#define CASES FIXTURES "/../intents_cases.txt"
#define POLICY_INTENTS FIXTURES "/../../../policy/intents"

struct tcase {
	int line;
	char kind[8];
	char *input;
	char *expected;
	char *hint;
	char name[96];
};

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* "\n" -> newline, "\r" -> carriage return, in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 'n' || s[1] == 'r')) {
			*out++ = s[1] == 'n' ? '\n' : '\r';
			s++;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool read_case(char *line, int lineno, struct tcase *c);

/* cases_load reads any case type; this one is ours. */
static bool read_any(char *line, int lineno, void *out)
{
	return read_case(line, lineno, out);
}

static bool read_case(char *line, int lineno, struct tcase *c)
{
	char *s = trim(line), *arrow, *kind_end, *bars;

	if (!*s || *s == '#')
		return false;
	memset(c, 0, sizeof(*c));
	c->line = lineno;
	arrow = strstr(s, "  =>  ");
	kind_end = strpbrk(s, " \t");
	if (!arrow || !kind_end || kind_end > arrow) {
		fprintf(stderr, "%s:%d: a case is 'KIND TEXT  =>  EXPECTED'\n", CASES, lineno);
		exit(1);
	}
	*arrow = '\0';
	*kind_end = '\0';
	snprintf(c->kind, sizeof(c->kind), "%s", s);
	s = trim(kind_end + 1);
	snprintf(c->name, sizeof(c->name), "intents_cases.txt:%d %s %.60s", lineno, c->kind, s);
	c->input = strdup(strcmp(s, "(empty)") ? s : "");
	unescape(c->input);
	c->expected = trim(arrow + 6);
	bars = strstr(c->expected, " || ");
	if (bars) {
		*bars = '\0';
		c->hint = strdup(trim(bars + 4));
	} else {
		c->hint = strdup("");
	}
	c->expected = strdup(c->expected);
	return true;
}

/* intent_format() parses back, as one line, to an intent that formats the same. */
static void check_round_trip(const struct intent *it, int line)
{
	struct intents again;
	struct xerr e;
	char a[4096], b[4096];

	intent_format(it, a, sizeof(a));
	if (intents_parse(&again, "again", a, strlen(a), &e) < 0)
		fail_msg("line %d: its canonical form '%s' is refused: %d:%d: %s", line, a, e.line,
			 e.col, e.msg);
	assert_int_equal(again.n, 1);
	intent_format(&again.v[0], b, sizeof(b));
	if (strcmp(a, b))
		fail_msg("line %d: '%s' parses back as '%s'", line, a, b);
	assert_int_equal(again.v[0].hook, it->hook);
	intents_free(&again);
}

static void run_case(void **state)
{
	const struct tcase *c = *state;
	struct intents in;
	struct xerr e;
	char got[8192] = "", one[4096];

	xerr_clear(&e);
	if (!strcmp(c->kind, "err")) {
		char msg[sizeof(e.msg) + 32];

		if (intents_parse(&in, "case", c->input, strlen(c->input), &e) == 0) {
			size_t n = in.n;

			intents_free(&in);
			fail_msg("line %d: '%s' parsed (%zu intents) but should be refused with '%s'",
				 c->line, c->input, n, c->expected);
		}
		snprintf(msg, sizeof(msg), "%d:%d: %s", e.line, e.col, e.msg);
		if (strcmp(msg, c->expected))
			fail_msg("line %d: '%s'\n  error is    '%s'\n  expected    '%s'", c->line,
				 c->input, msg, c->expected);
		if (strcmp(e.hint, c->hint))
			fail_msg("line %d: '%s'\n  hint is     '%s'\n  expected    '%s'", c->line,
				 c->input, e.hint, c->hint);
		if (strcmp(e.file, "case") || e.code != XNFT_EXIT_FINDINGS)
			fail_msg("line %d: error file '%s' code %d", c->line, e.file, e.code);
		assert_int_equal(in.n, 0);
		return;
	}
	if (intents_parse(&in, "case", c->input, strlen(c->input), &e) < 0)
		fail_msg("line %d: '%s' was refused: %d:%d: %s", c->line, c->input, e.line, e.col,
			 e.msg);
	for (size_t i = 0; i < in.n; i++) {
		if (!strcmp(c->kind, "hook"))
			snprintf(one, sizeof(one), "%s", intent_hook_name(in.v[i].hook));
		else if (!strcmp(c->kind, "ok"))
			intent_format(&in.v[i], one, sizeof(one));
		else
			fail_msg("line %d: unknown kind '%s' (ok, hook, err)", c->line, c->kind);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " ; " : "", one);
		check_round_trip(&in.v[i], c->line);
		assert_string_equal(in.v[i].file, "case");
	}
	if (strcmp(got[0] ? got : "(none)", c->expected))
		fail_msg("line %d: '%s'\n  gives    '%s'\n  expected '%s'", c->line, c->input, got,
			 c->expected);
	intents_free(&in);
}

/* ---- the shipped intents and the conditions underneath ---------------------------- */

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

/* Line n (1-based) of text, trimmed, into buf. */
static void nth_line(const char *text, int n, char *buf, size_t size)
{
	char tmp[4096];
	const char *p = text;

	for (int i = 1; i < n && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	assert_non_null(p);
	snprintf(tmp, sizeof(tmp), "%.*s", (int)strcspn(p, "\n"), p);
	snprintf(buf, size, "%s", trim(tmp));
}

static void test_policy_intents(void **s)
{
	struct intents in;
	struct xerr e;
	size_t len, expects = 0;
	char *text = slurp(POLICY_INTENTS, &len), line[4096];

	(void)s;
	for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, "expect ", 7))
			expects++;
	xerr_clear(&e);
	if (intents_load(&in, POLICY_INTENTS, &e) < 0)
		fail_msg("%s:%d:%d: %s", e.file, e.line, e.col, e.msg);
	assert_true(expects >= 10);
	assert_int_equal(in.n, expects);
	for (size_t i = 0; i < in.n; i++) {
		nth_line(text, in.v[i].line, line, sizeof(line));
		assert_string_equal(in.v[i].text, line);
		assert_string_equal(in.v[i].file, POLICY_INTENTS);
		assert_int_equal(in.v[i].col, 1);
		assert_int_equal(in.v[i].hook, INTENT_INPUT);
		check_round_trip(&in.v[i], in.v[i].line);
	}
	/* The file's own first intent and its one 'expect only'. */
	assert_string_equal(in.v[0].text, "expect accept iif lo");
	assert_int_equal(in.v[0].kind, INTENT_ACCEPT);
	assert_int_equal(in.v[1].kind, INTENT_ONLY);
	assert_int_equal(in.v[1].nallow, 1);
	intents_free(&in);
	free(text);
}

static void test_conditions(void **s)
{
	struct match_src src = { "t", 1 };
	struct match_list m;
	struct xerr e;

	(void)s;
	assert_int_equal(match_parse(&m, "ip saddr 10.0.0.0/8 tcp dport { 22, 80-90, $P }",
				     &src, &e), 0);
	assert_int_equal(m.n, 4);
	assert_true(m.cond[0].implied);
	assert_int_equal(m.cond[0].field, MF_NFPROTO);
	assert_int_equal(m.cond[0].val[0].lo, MATCH_NFPROTO_IPV4);
	assert_int_equal(m.cond[1].field, MF_IP_SADDR);
	assert_int_equal(m.cond[1].val[0].kind, MV_PREFIX);
	assert_int_equal(m.cond[1].val[0].addr.len, 8);
	assert_int_equal(m.cond[1].col, 1);
	assert_true(m.cond[2].implied);
	assert_int_equal(m.cond[2].field, MF_L4PROTO);
	assert_int_equal(m.cond[2].val[0].lo, MATCH_PROTO_TCP);
	assert_int_equal(m.cond[2].col, 21);
	assert_int_equal(m.cond[3].field, MF_TCP_DPORT);
	assert_int_equal(m.cond[3].op, MOP_EQ);
	assert_int_equal(m.cond[3].nval, 3);
	assert_int_equal(m.cond[3].val[1].kind, MV_RANGE);
	assert_int_equal(m.cond[3].val[1].lo, 80);
	assert_int_equal(m.cond[3].val[1].hi, 90);
	assert_int_equal(m.cond[3].val[2].kind, MV_DEFINE);
	assert_string_equal(m.cond[3].val[2].name, "P");
	match_list_free(&m);

	assert_int_equal(match_parse(&m, "tcp flags & (syn|ack) == syn ip6 saddr != @BAN6 "
				     "ct state established,related", &src, &e), 0);
	assert_int_equal(m.n, 5);
	assert_int_equal(m.cond[1].op, MOP_MASK_EQ);
	assert_int_equal(m.cond[1].mask, MATCH_TCP_SYN | MATCH_TCP_ACK);
	assert_int_equal(m.cond[1].val[0].lo, MATCH_TCP_SYN);
	assert_int_equal(m.cond[3].op, MOP_NE);
	assert_int_equal(m.cond[3].val[0].kind, MV_SET);
	assert_string_equal(m.cond[3].val[0].name, "BAN6");
	assert_int_equal(m.cond[4].nval, 2);
	assert_int_equal(m.cond[4].val[0].lo, MATCH_CT_ESTABLISHED);
	assert_int_equal(m.cond[4].val[1].lo, MATCH_CT_RELATED);
	match_list_free(&m);

	/* Exact flags: the bits OR-ed into one value. */
	assert_int_equal(match_parse(&m, "tcp flags fin,psh,urg", &src, &e), 0);
	assert_int_equal(m.cond[1].nval, 1);
	assert_int_equal(m.cond[1].val[0].lo, MATCH_TCP_FIN | MATCH_TCP_PSH | MATCH_TCP_URG);
	match_list_free(&m);

	/* Explicit protocol words are not repeated as implied ones. */
	assert_int_equal(match_parse(&m, "meta l4proto tcp tcp dport 22", &src, &e), 0);
	assert_int_equal(m.n, 2);
	match_list_free(&m);

	/* th implies nothing; icmpv6 implies both. */
	assert_int_equal(match_parse(&m, "th dport 22", &src, &e), 0);
	assert_int_equal(m.n, 1);
	match_list_free(&m);
	assert_int_equal(match_parse(&m, "icmpv6 type nd-redirect", &src, &e), 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.cond[0].val[0].lo, MATCH_NFPROTO_IPV6);
	assert_int_equal(m.cond[1].val[0].lo, MATCH_PROTO_ICMPV6);
	assert_int_equal(m.cond[2].val[0].lo, 137);
	match_list_free(&m);

	/* Errors leave the list empty. */
	assert_int_equal(match_parse(&m, "tcp dport 22 udp dport 53", &src, &e), -1);
	assert_int_equal(m.n, 0);
	assert_null(m.cond);
}

static void test_locations(void **s)
{
	const char *text = "# intents\n\n  expect drop ct state invalid\n"
			   "expect hook forward only iifname wg0 oifname eth0 : tcp dport 443 or "
			   "udp dport 443\n";
	struct intents in;
	struct xerr e;

	(void)s;
	assert_int_equal(intents_parse(&in, "dir/intents", text, strlen(text), &e), 0);
	assert_int_equal(in.n, 2);
	assert_int_equal(in.v[0].line, 3);
	assert_int_equal(in.v[0].col, 3);
	assert_string_equal(in.v[0].text, "expect drop ct state invalid");
	assert_string_equal(in.v[0].file, "dir/intents");
	assert_int_equal(in.v[1].line, 4);
	assert_int_equal(in.v[1].kind, INTENT_ONLY);
	assert_true(in.v[1].hook_written);
	assert_int_equal(in.v[1].hook, INTENT_FORWARD);
	assert_int_equal(in.v[1].nallow, 2);
	assert_int_equal(in.v[1].allow[1].cond[1].field, MF_UDP_DPORT);
	intents_free(&in);

	assert_int_equal(intents_load(&in, FIXTURES "/no-such-intents", &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_string_equal(e.file, FIXTURES "/no-such-intents");

	/* A NUL byte is refused with its place. */
	assert_int_equal(intents_parse(&in, "bin", "expect\0drop", 11, &e), -1);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 7);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_policy_intents),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_locations),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests;
	size_t n = 0;
	struct tcase *cases = cases_load(CASES, sizeof(*cases), read_any, &n);
	int r;

	if (!cases)
		return 1;
	tests = calloc(n + nfixed, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL, &cases[i] };
	for (size_t i = 0; i < nfixed; i++)
		tests[n + i] = fixed[i];
	r = _cmocka_run_group_tests("intents", tests, n + nfixed, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		free(cases[i].input);
		free(cases[i].expected);
		free(cases[i].hint);
	}
	free(cases);
	free(tests);
	return r;
}
