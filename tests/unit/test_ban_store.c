// SPDX-License-Identifier: GPL-2.0-or-later
/* Ban history in SQLite: src/ban/store.c. Records survive a reopen; lifted and ended bans are not active. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ban/store.h"

#define T0 1700000000000ull

static int count_active(void *ctx, const struct ban_active *b)
{
	int *n = ctx;

	(void)b;
	(*n)++;
	return 0;
}

static void test_roundtrip(void **state)
{
	char dir[] = "/tmp/xnft-test-store.XXXXXX", path[128], wal[160];
	struct ban_store *s;
	struct ban_history h;
	struct ban_active b = { .since_ms = T0, .until_ms = T0 + 3600000, .bantime_ms = 3600000,
				.offence = 2 };
	struct ban_key other;
	struct xerr e;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bans.db", dir);
	assert_int_equal(ban_key_parse("2001:db8:7::1", 64, &b.key, &e), 0);
	assert_int_equal(ban_key_parse("198.51.100.1", 64, &other, &e), 0);
	snprintf(b.rule, sizeof(b.rule), "scan");
	assert_int_equal(ban_store_open(path, &s, &e), 0);
	assert_int_equal(ban_store_begin(s, &e), 0);
	assert_int_equal(ban_store_record(s, &b, &e), 0);
	assert_int_equal(ban_store_commit(s, &e), 0);
	ban_store_close(s);

	assert_int_equal(ban_store_open(path, &s, &e), 0);
	assert_int_equal(ban_store_history(s, &b.key, &h), 0);
	assert_int_equal(h.offences, 2);
	assert_int_equal(h.last_ban_ms, T0);
	assert_int_equal(h.last_bantime_ms, 3600000);
	assert_int_equal(ban_store_history(s, &other, &h), 0);
	assert_int_equal(h.offences, 0);
	assert_int_equal(ban_store_active(s, T0 + 1000, count_active, &n, &e), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(ban_store_active(s, T0 + 3600000, count_active, &n, &e), 0);
	assert_int_equal(n, 0);
	/* lifted: no longer active, the offence still counts */
	assert_int_equal(ban_store_lift(s, &b.key, T0 + 5, &e), 0);
	n = 0;
	assert_int_equal(ban_store_active(s, T0 + 10, count_active, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ban_store_history(s, &b.key, &h), 0);
	assert_int_equal(h.offences, 2);
	/* a third offence replaces the row */
	b.offence = 3;
	assert_int_equal(ban_store_record(s, &b, &e), 0);
	assert_int_equal(ban_store_count(s), 1);
	ban_store_close(s);
	unlink(path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	rmdir(dir);
}

static void test_open_errors(void **state)
{
	struct ban_store *s;
	struct xerr e;

	(void)state;
	assert_int_equal(ban_store_open("/nonexistent-dir/x/bans.db", &s, &e), -1);
	assert_null(s);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/x/bans.db"));
	assert_true(e.hint[0] != '\0');
}

static void test_private_and_damaged(void **state)
{
	char dir[] = "/tmp/xnft-test-store.XXXXXX", path[128];
	struct ban_store *s;
	struct ban_active b = { .since_ms = T0, .until_ms = T0 + 1000, .bantime_ms = 1000,
				.offence = 1, .rule = "scan" }, row;
	struct stat st;
	struct xerr e;
	mode_t old = umask(022);
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bans.db", dir);
	assert_int_equal(ban_store_open(path, &s, &e), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the row of a key, with its rule, for adoption at start */
	assert_int_equal(ban_key_parse("192.0.2.4", 64, &b.key, &e), 0);
	assert_int_equal(ban_store_lookup(s, &b.key, &row), 0);
	assert_int_equal(ban_store_record(s, &b, &e), 0);
	assert_int_equal(ban_store_lookup(s, &b.key, &row), 1);
	assert_string_equal(row.rule, "scan");
	assert_int_equal(row.until_ms, T0 + 1000);
	ban_store_close(s);
	/* a file that is not a database: the hint says so, not "writable" */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 512; i++)
		fputs("not a database ", f);
	fclose(f);
	assert_int_equal(ban_store_open(path, &s, &e), -1);
	assert_non_null(strstr(e.hint, "damaged or not an SQLite database"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_private_and_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
