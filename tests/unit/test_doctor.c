// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft doctor's readers and checks on a fixture root (no privilege, no
 * namespace): the kernel and conntrack groups from a fake /proc, a unit
 * enabled by its .wants link, and --fix's files and live sysctls written
 * under the root.
 */
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

#include "core/spawn.h"
#include "doctor/doctor.h"

static char root[64];

/* Write text to root/path, making the directories on the way. */
static void put(const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct doctor_check *find(const struct doctor_report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->checks[i].id, id))
			return &r->checks[i];
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/xnft-test-doctor.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char *argv[] = { "rm", "-rf", "--", root, NULL };
	struct xerr e;

	(void)state;
	return spawn_run(argv, &e);
}

static void test_kernel_fixture(void **state)
{
	struct doctor_opts o = { .root = root };
	struct doctor_report r = { 0 };
	const struct doctor_check *c;

	(void)state;
	put("/proc/sys/net/ipv4/tcp_syncookies", "1\n");
	put("/proc/sys/net/ipv4/conf/all/rp_filter", "2\n");
	put("/proc/sys/net/ipv4/conf/all/accept_redirects", "1\n");
	doctor_check_kernel(&o, &r);
	assert_non_null(c = find(&r, "sysctl.tcp_syncookies"));
	assert_int_equal(c->level, DOCTOR_PASS);
	assert_non_null(c = find(&r, "sysctl.rp_filter"));
	assert_int_equal(c->level, DOCTOR_PASS);   /* 2 (loose) is on */
	assert_non_null(c = find(&r, "sysctl.accept_redirects"));
	assert_int_equal(c->level, DOCTOR_FAIL);
	assert_non_null(strstr(c->fix, "sysctl -w net.ipv4.conf.all.accept_redirects=0"));
	assert_non_null(c = find(&r, "sysctl.ipv6.accept_redirects"));
	assert_int_equal(c->level, DOCTOR_PASS);   /* no IPv6 in the fixture: not present */
	assert_int_equal(r.nchanges, 1);
	assert_string_equal(r.changes[0].key, "net.ipv4.conf.all.accept_redirects");
	assert_string_equal(r.changes[0].value, "0");
	doctor_report_free(&r);
}

static void test_conntrack_fixture(void **state)
{
	struct doctor_opts o = { .root = root };
	struct doctor_report r = { 0 };
	const struct doctor_check *c;

	(void)state;
	put("/proc/sys/net/netfilter/nf_conntrack_max", "1000\n");
	put("/proc/sys/net/netfilter/nf_conntrack_count", "900\n");
	put("/proc/sys/net/netfilter/nf_conntrack_buckets", "100\n");
	put("/proc/net/stat/nf_conntrack",
	    "entries  drop early_drop insert_failed\n"
	    "00000001  0000000a 00000000 00000000\n"
	    "00000001  00000001 00000000\n");   /* a short line: its missing column counts 0 */
	doctor_check_conntrack(&o, &r);
	assert_non_null(c = find(&r, "conntrack.count"));
	assert_int_equal(c->level, DOCTOR_FAIL);
	assert_non_null(c = find(&r, "conntrack.buckets"));
	assert_int_equal(c->level, DOCTOR_WARN);
	assert_non_null(c = find(&r, "conntrack.drops"));
	assert_int_equal(c->level, DOCTOR_WARN);
	assert_non_null(strstr(c->found, "drop 11, early_drop 0, insert_failed 0"));
	assert_null(find(&r, "conntrack.tcp_loose"));   /* not in the fixture: not judged */
	assert_int_equal(r.nchanges, 1);
	assert_int_equal(r.changes[0].kind, DOCTOR_MODOPT);
	assert_string_equal(r.changes[0].value, "250");
	doctor_report_free(&r);
}

/* A quiet table: no drop, early_drop or insert_failed on any CPU passes; no conntrack at all is said. */
static void test_conntrack_quiet(void **state)
{
	struct doctor_opts o = { .root = root };
	struct doctor_report r = { 0 };
	const struct doctor_check *c;

	(void)state;
	doctor_check_conntrack(&o, &r);   /* the root has no nf_conntrack_max yet */
	assert_non_null(c = find(&r, "conntrack.loaded"));
	assert_int_equal(c->level, DOCTOR_PASS);
	assert_int_equal(r.n, 1);
	doctor_report_free(&r);
	memset(&r, 0, sizeof(r));
	put("/proc/sys/net/netfilter/nf_conntrack_max", "1000\n");
	put("/proc/sys/net/netfilter/nf_conntrack_count", "10\n");
	put("/proc/net/stat/nf_conntrack",
	    "entries  drop early_drop insert_failed\n"
	    "00000001  00000000 00000000 00000000\n"
	    "00000001  00000000 00000000 00000000\n");
	doctor_check_conntrack(&o, &r);
	assert_null(find(&r, "conntrack.loaded"));
	assert_non_null(c = find(&r, "conntrack.drops"));
	assert_int_equal(c->level, DOCTOR_PASS);
	assert_non_null(strstr(c->found, "drop 0, early_drop 0, insert_failed 0"));
	assert_non_null(c = find(&r, "conntrack.count"));
	assert_int_equal(c->level, DOCTOR_PASS);
	doctor_report_free(&r);
}

static void test_unit_enabled(void **state)
{
	struct doctor_opts o = { .root = root };
	char link[512];

	(void)state;
	assert_false(doctor_unit_enabled(&o, "xnft.service"));
	put("/etc/systemd/system/multi-user.target.wants/.keep", "");
	snprintf(link, sizeof(link), "%s/etc/systemd/system/multi-user.target.wants/xnft.service",
		 root);
	assert_int_equal(symlink("/nonexistent/xnft.service", link), 0);
	assert_true(doctor_unit_enabled(&o, "xnft.service"));   /* the link, not its target */
	assert_false(doctor_unit_enabled(&o, "nftables.service"));
}

static void test_fix_writes_under_root(void **state)
{
	struct doctor_opts o = { .root = root };
	struct doctor_report r = { 0 };
	struct xerr e;
	char *text;
	long long v;

	(void)state;
	put("/proc/sys/net/ipv4/conf/all/accept_redirects", "1\n");
	put("/etc/sysctl.d/.keep", "");
	doctor_add_change(&r, DOCTOR_SYSCTL, "net.ipv4.conf.all.accept_redirects", "0");
	text = doctor_change_file_text(&r, DOCTOR_SYSCTL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nnet.ipv4.conf.all.accept_redirects = 0\n"));
	free(text);
	assert_null(doctor_change_file_text(&r, DOCTOR_MODOPT));   /* nothing of that kind */
	xerr_clear(&e);
	assert_int_equal(doctor_apply_changes(&o, &r, &e), 0);
	assert_int_equal(doctor_read_ll(&o, "/proc/sys/net/ipv4/conf/all/accept_redirects", &v), 0);
	assert_int_equal(v, 0);
	text = doctor_read_file(&o, DOCTOR_SYSCTL_FILE);
	assert_non_null(text);
	assert_non_null(strstr(text, "net.ipv4.conf.all.accept_redirects = 0"));
	free(text);
	doctor_report_free(&r);
}

static void test_fix_missing_dir_is_an_error(void **state)
{
	struct doctor_opts o = { .root = "/nonexistent-xnft-root" };
	struct doctor_report r = { 0 };
	struct xerr e;

	(void)state;
	doctor_add_change(&r, DOCTOR_MODOPT, "nf_conntrack hashsize", "250");
	xerr_clear(&e);
	assert_int_equal(doctor_apply_changes(&o, &r, &e), -1);
	assert_int_equal(e.code, 2);
	assert_non_null(strstr(e.msg, "/nonexistent-xnft-root/etc/modprobe.d/xnft-doctor.conf"));
	doctor_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_fixture),
		cmocka_unit_test(test_conntrack_quiet),
		cmocka_unit_test(test_conntrack_fixture),
		cmocka_unit_test(test_unit_enabled),
		cmocka_unit_test(test_fix_writes_under_root),
		cmocka_unit_test(test_fix_missing_dir_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
