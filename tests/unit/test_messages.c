// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pieces behind clearer messages (issue 13): the did-you-mean for nft
 * keyword typos (it must find `acept` and never fire on a correct line of
 * the shipped policy, the lint fixtures or the example rulesets) and the
 * date formats that replaced raw epochs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/didyoumean.h"
#include "core/timefmt.h"

#define SRC_ROOT FIXTURES "/../../.."

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("acept", "accept", 2), 1);
	assert_int_equal(edit_distance("drpo", "drop", 2), 1);      /* a swap is one edit */
	assert_int_equal(edit_distance("accpet", "accept", 2), 1);
	assert_int_equal(edit_distance("drop", "drop", 2), 0);
	assert_int_equal(edit_distance("dport", "drop", 1), 2);     /* capped: cap + 1 */
	assert_int_equal(edit_distance("", "accept", 2), 3);
}

static void test_typos_found(void **state)
{
	static const struct { const char *line, *want; } cases[] = {
		{ "\t\ttcp dport 22 acept", "did you mean 'accept' (not 'acept')?" },
		{ "iif lo counter drpo", "did you mean 'drop' (not 'drpo')?" },
		{ "ip saddr 10.0.0.1 rejct with icmp type host-unreachable",
		  "did you mean 'reject' (not 'rejct')?" },
		{ "tcp dport 22 conter accept", "did you mean 'counter' (not 'conter')?" },
		{ "retrun", "did you mean 'return' (not 'retrun')?" },
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out[0] = '\0';
		if (!nft_did_you_mean(cases[i].line, out, sizeof(out)))
			fail_msg("no suggestion for: %s", cases[i].line);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_no_false_alarm_line(void **state)
{
	static const char *const lines[] = {
		"iif lo accept",
		"meta l4proto tcp ct state new counter drop comment \"acept drpo\"",
		"ip saddr @ACEPT_SET drop",
		"iifname $DROPS_IF accept",
		"limit rate 6/minute burst 3 packets log prefix \"XNFT-DROP: \" drop",
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (nft_did_you_mean(lines[i], out, sizeof(out)))
			fail_msg("'%s' on a correct line: %s", out, lines[i]);
	}
}

/* Every line of every .nft file in dir: no suggestion. Returns the lines read. */
static size_t no_suggestion_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t lines = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char path[1024], line[4096], out[128];
		FILE *f;

		/* XL000-bad.nft holds a typo on purpose: it is the load failure lint reports */
		if (n < 5 || strcmp(de->d_name + n - 4, ".nft") || !strcmp(de->d_name, "XL000-bad.nft"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			lines++;
			if (line[strspn(line, " \t")] == '#')
				continue;
			if (nft_did_you_mean(line, out, sizeof(out)))
				fail_msg("%s: '%s' on a correct line: %s", path, out, line);
		}
		fclose(f);
	}
	closedir(d);
	return lines;
}

static void test_no_false_alarm_files(void **state)
{
	(void)state;
	assert_true(no_suggestion_in(SRC_ROOT "/policy/rules") > 100);
	assert_true(no_suggestion_in(SRC_ROOT "/tests/lint") > 100);
	assert_true(no_suggestion_in(FIXTURES) > 10);
}

static void test_time_formats(void **state)
{
	char buf[TIMEFMT_MAX];

	(void)state;
	timefmt_relative(1000 + 180, 1000, buf, sizeof(buf));
	assert_string_equal(buf, "in 3 min");
	timefmt_relative(1000 + 45, 1000, buf, sizeof(buf));
	assert_string_equal(buf, "in 45 s");
	timefmt_relative(1000, 1000 + 7200, buf, sizeof(buf));
	assert_string_equal(buf, "2 h ago");
	timefmt_relative(1000, 1000, buf, sizeof(buf));
	assert_string_equal(buf, "just now");
	timefmt_rfc3339(1796457645, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-05T08:00:45Z");
	timefmt_rfc3339(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	timefmt_local(0, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	timefmt_local(1796457645, buf, sizeof(buf));
	assert_int_equal(strlen(buf) > 20, 1);
	assert_int_equal(strspn(buf, "0123456789") == 4 && buf[4] == '-', 1);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_typos_found),
		cmocka_unit_test(test_no_false_alarm_line),
		cmocka_unit_test(test_no_false_alarm_files),
		cmocka_unit_test(test_time_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
