// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PACKET words (src/core/packet.c over src/core/match.c), driven by
 * tests/unit/packet_cases.txt: one case a line, each its own TAP test.
 *
 *   ok    WORDS  =>  CANONICAL   parses; packet_format() gives CANONICAL, and
 *                                parsing that gives the same packet again
 *   full  WORDS  =>  FULL        packet_format_full() (every field, defaults too)
 *   dflt  WORDS  =>  TEXT        packet_defaults_format()
 *   err   WORDS  =>  L:C: MSG [|| HINT]   refused with exactly this message and hint
 *
 * "(empty)" stands for an empty text; '#' lines and blank lines are skipped.
 * A few behaviours that do not fit one line (define resolution, argv) are
 * tested as plain functions at the end.
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

#include "core/packet.h"

#define CASES FIXTURES "/../packet_cases.txt"

struct tcase {
	int line;
	char kind[8];
	char *input;
	char *expected;
	char *hint;     /* err only; "" when the expected error has no hint */
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

/* One line of the cases file into c; false for comments and blank lines. */
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
		fprintf(stderr, "%s:%d: a case is 'KIND WORDS  =>  EXPECTED'\n", CASES, lineno);
		exit(1);
	}
	*arrow = '\0';
	*kind_end = '\0';
	snprintf(c->kind, sizeof(c->kind), "%s", s);
	c->input = strdup(trim(kind_end + 1));
	c->expected = trim(arrow + 6);
	bars = strstr(c->expected, " || ");
	if (bars) {
		*bars = '\0';
		c->hint = strdup(trim(bars + 4));
	} else {
		c->hint = strdup("");
	}
	c->expected = strdup(c->expected);
	if (!strcmp(c->input, "(empty)"))
		c->input[0] = '\0';
	snprintf(c->name, sizeof(c->name), "packet_cases.txt:%d %s %.60s", lineno, c->kind,
		 c->input);
	return true;
}

static void run_case(void **state)
{
	const struct tcase *c = *state;
	struct packet p, q;
	struct xerr e;
	char got[PACKET_TEXT_MAX], again[PACKET_TEXT_MAX];

	xerr_clear(&e);
	if (!strcmp(c->kind, "err")) {
		char msg[sizeof(e.msg) + 32];

		if (packet_parse(&p, c->input, &e) == 0) {
			packet_format(&p, got, sizeof(got));
			fail_msg("line %d: '%s' parsed (as '%s') but should be refused with '%s'",
				 c->line, c->input, got, c->expected);
		}
		snprintf(msg, sizeof(msg), "%d:%d: %s", e.line, e.col, e.msg);
		if (strcmp(msg, c->expected))
			fail_msg("line %d: '%s'\n  error is    '%s'\n  expected    '%s'", c->line,
				 c->input, msg, c->expected);
		if (strcmp(e.hint, c->hint))
			fail_msg("line %d: '%s'\n  hint is     '%s'\n  expected    '%s'", c->line,
				 c->input, e.hint, c->hint);
		if (e.code != XNFT_EXIT_FINDINGS || strcmp(e.file, "packet"))
			fail_msg("line %d: error code %d file '%s'", c->line, e.code, e.file);
		return;
	}
	if (packet_parse(&p, c->input, &e) < 0)
		fail_msg("line %d: '%s' was refused: %d:%d: %s", c->line, c->input, e.line, e.col,
			 e.msg);
	if (!strcmp(c->kind, "ok")) {
		packet_format(&p, got, sizeof(got));
		if (strcmp(got[0] ? got : "(empty)", c->expected))
			fail_msg("line %d: '%s'\n  formats as '%s'\n  expected   '%s'", c->line,
				 c->input, got, c->expected);
		if (packet_parse(&q, got, &e) < 0)
			fail_msg("line %d: its own format '%s' is refused: %s", c->line, got, e.msg);
		if (!packet_equal(&p, &q))
			fail_msg("line %d: '%s' parses back to a different packet", c->line, got);
		packet_format(&q, again, sizeof(again));
		assert_string_equal(got, again);
	} else if (!strcmp(c->kind, "full")) {
		packet_format_full(&p, got, sizeof(got));
		if (strcmp(got, c->expected))
			fail_msg("line %d: '%s'\n  full form is '%s'\n  expected    '%s'", c->line,
				 c->input, got, c->expected);
		if (packet_parse(&q, got, &e) < 0)
			fail_msg("line %d: the full form is refused: %s", c->line, e.msg);
		packet_format_full(&q, again, sizeof(again));
		if (strcmp(got, again))
			fail_msg("line %d: the full form of the full form differs: '%s'", c->line,
				 again);
	} else if (!strcmp(c->kind, "dflt")) {
		packet_defaults_format(&p, got, sizeof(got));
		if (strcmp(got, c->expected))
			fail_msg("line %d: '%s'\n  defaults are '%s'\n  expected     '%s'", c->line,
				 c->input, got, c->expected);
	} else {
		fail_msg("line %d: unknown kind '%s' (ok, full, dflt, err)", c->line, c->kind);
	}
}

/* ---- behaviours beyond one line ---------------------------------------------- */

static int lookup(void *ctx, const char *name, char *value, size_t size)
{
	(void)ctx;
	if (!strcmp(name, "WAN_IF"))
		snprintf(value, size, "\"eth0\"");
	else if (!strcmp(name, "SSH_PORT"))
		snprintf(value, size, "$REAL_SSH");
	else if (!strcmp(name, "REAL_SSH"))
		snprintf(value, size, "2222");
	else if (!strcmp(name, "PORTS"))
		snprintf(value, size, "{ 22, 80 }");
	else if (!strcmp(name, "LOOP"))
		snprintf(value, size, "$LOOP");
	else if (!strcmp(name, "LO"))
		snprintf(value, size, "lo");
	else
		return -1;
	return 0;
}

static void test_resolve(void **s)
{
	struct packet p;
	struct xerr e;
	char buf[PACKET_TEXT_MAX];

	(void)s;
	assert_int_equal(packet_parse(&p, "iifname $WAN_IF tcp dport $SSH_PORT", &e), 0);
	assert_int_equal(p.unresolved, PF_BIT(PF_IIFNAME) | PF_BIT(PF_DPORT));
	assert_string_equal(p.define[PF_DPORT], "SSH_PORT");
	assert_int_equal(packet_resolve(&p, lookup, NULL, &e), 0);
	assert_int_equal(p.unresolved, 0);
	assert_string_equal(p.iif, "eth0");
	assert_int_equal(p.dport, 2222);
	packet_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "iifname eth0 tcp dport 2222");

	/* Defaults that depend on a define follow its value. */
	assert_int_equal(packet_parse(&p, "iif $LO", &e), 0);
	assert_int_equal(packet_resolve(&p, lookup, NULL, &e), 0);
	prefix_format_addr(&p.saddr, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1");

	assert_int_equal(packet_parse(&p, "tcp dport $PORTS", &e), 0);
	assert_int_equal(packet_resolve(&p, lookup, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "lists 2 values"));

	assert_int_equal(packet_parse(&p, "tcp dport $NOPE", &e), 0);
	assert_int_equal(packet_resolve(&p, lookup, NULL, &e), -1);
	assert_string_equal(e.msg, "'$NOPE' is not defined by the policy");

	assert_int_equal(packet_parse(&p, "tcp dport $LOOP", &e), 0);
	assert_int_equal(packet_resolve(&p, lookup, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "loop"));
}

static void test_argv(void **s)
{
	char *argv[] = { "iifname", "eth*", "tcp", "dport", "22" };
	char *ok[] = { "iif", "eth0", "tcp", "dport", "ssh" };
	struct packet p;
	struct xerr e;

	(void)s;
	assert_int_equal(packet_parse_argv(&p, 5, ok, &e), 0);
	assert_int_equal(p.dport, 22);
	assert_int_equal(packet_parse_argv(&p, 5, argv, &e), -1);
	assert_non_null(strstr(e.msg, "is a pattern"));
}

static void test_fields(void **s)
{
	struct packet p;
	struct xerr e;
	struct packet_default d[PF__COUNT + 4];
	size_t n;

	(void)s;
	assert_int_equal(packet_parse(&p, "iif eth0 ip saddr 203.0.113.5 tcp dport 22 "
				      "tcp flags syn ct state new", &e), 0);
	assert_string_equal(p.iif, "eth0");
	assert_int_equal(p.nfproto, MATCH_NFPROTO_IPV4);
	assert_int_equal(p.l4proto, MATCH_PROTO_TCP);
	assert_int_equal(p.saddr.addr[0], 203);
	assert_int_equal(p.saddr.len, 32);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 22);
	assert_int_equal(p.tcp_flags, MATCH_TCP_SYN);
	assert_int_equal(p.ct_state, MATCH_CT_NEW);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(packet_path(&p), PACKET_INPUT);
	assert_int_equal(p.given, PF_BIT(PF_IIF) | PF_BIT(PF_NFPROTO) | PF_BIT(PF_SADDR) |
			 PF_BIT(PF_L4PROTO) | PF_BIT(PF_DPORT) | PF_BIT(PF_TCP_FLAGS) |
			 PF_BIT(PF_CT_STATE));
	n = packet_defaults(&p, d, 2);
	assert_int_equal(n, 7);
	assert_int_equal(d[0].field, PF_OIF);
	assert_string_equal(packet_field_words(&p, PF_DPORT), "tcp dport");

	assert_int_equal(packet_parse(&p, "iif eth0 oif wg0", &e), 0);
	assert_int_equal(packet_path(&p), PACKET_FORWARD);
	assert_int_equal(packet_parse(&p, "oifname eth0", &e), 0);
	assert_int_equal(packet_path(&p), PACKET_OUTPUT);
	assert_int_equal(packet_parse(&p, "fragment", &e), 0);
	assert_int_equal(p.frag_off, PACKET_FRAGMENT_OFF);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.tcp_flags, 0);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_fields),
	};
	struct CMUnitTest *tests = NULL;
	size_t n = 0;
	struct tcase *cases = cases_load(CASES, sizeof(*cases), read_any, &n);
	int r;

	if (!cases)
		return 1;
	tests = calloc(n + 3, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL, &cases[i] };
	for (size_t i = 0; i < 3; i++)
		tests[n + i] = fixed[i];
	r = _cmocka_run_group_tests("packet", tests, n + 3, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		free(cases[i].input);
		free(cases[i].expected);
		free(cases[i].hint);
	}
	free(cases);
	free(tests);
	return r;
}
