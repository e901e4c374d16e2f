// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for src/apply/: state files and journal, the lock, key=value
 * files, SSH_CONNECTION parsing, the fallback policy and its values, the
 * policy bundler, and the table fingerprint. Nothing here touches a kernel.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "apply/apply_int.h"
#include "apply/fallback.h"
#include "apply/lock.h"
#include "apply/lockout.h"
#include "apply/state.h"
#include "apply/table.h"
#include "core/listing.h"

static char tmp[256];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/xnft-test-apply.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	setenv(STATE_DIR_ENV, tmp, 1);
	return 0;
}

static void rm_tree(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ---- state ----------------------------------------------------------------- */

static void test_state_roundtrip(void **state)
{
	struct xerr e;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	char path[512];

	(void)state;
	assert_int_equal(state_prepare(&e), 0);
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(state_read("nothing", &text, &len, &e), 1);
	assert_null(text);
	assert_int_equal(state_write_atomic("f", "hello\n", 6, &e), 0);
	assert_int_equal(state_read("f", &text, &len, &e), 0);
	assert_string_equal(text, "hello\n");
	assert_int_equal(len, 6);
	free(text);
	snprintf(path, sizeof(path), "%s/f", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(state_exists("f"));
	assert_int_equal(state_rename("f", "g", &e), 0);
	assert_false(state_exists("f"));
	assert_true(state_exists("g"));
	assert_int_equal(state_remove("g", &e), 0);
	assert_int_equal(state_remove("g", &e), 0);
}

static void test_state_not_a_dir(void **state)
{
	char file[512];
	struct xerr e;

	(void)state;
	snprintf(file, sizeof(file), "%s/plain", tmp);
	write_file(file, "x");
	setenv(STATE_DIR_ENV, file, 1);
	assert_int_equal(state_prepare(&e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_non_null(strstr(e.hint, STATE_DIR_ENV));
	setenv(STATE_DIR_ENV, tmp, 1);
}

static void test_state_space(void **state)
{
	struct xerr e;

	(void)state;
	assert_int_equal(state_check_space(1, &e), 0);
	assert_int_equal(state_check_space((size_t)1 << 62, &e), -1);
	assert_non_null(strstr(e.msg, "bytes free"));
}

static void test_kv(void **state)
{
	const char *t = "pid=42\nname=a=b\nempty=\nneg=-5\nbad=12x\n";
	char v[16];

	(void)state;
	assert_int_equal(kv_get(t, "pid", v, sizeof(v)), 0);
	assert_string_equal(v, "42");
	assert_int_equal(kv_get(t, "name", v, sizeof(v)), 0);
	assert_string_equal(v, "a=b");
	assert_int_equal(kv_get(t, "empty", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(kv_get(t, "missing", v, sizeof(v)), -1);
	assert_int_equal(kv_get(t, "pi", v, sizeof(v)), -1);
	assert_int_equal(kv_get_ll(t, "pid", 0), 42);
	assert_int_equal(kv_get_ll(t, "neg", 0), -5);
	assert_int_equal(kv_get_ll(t, "bad", 7), 7);
	assert_int_equal(kv_get_ll(t, "missing", 9), 9);
	/* a value longer than the buffer is cut, never overflows */
	assert_int_equal(kv_get("k=0123456789abcdefghij\n", "k", v, sizeof(v)), 0);
	assert_int_equal(strlen(v), sizeof(v) - 1);
}

static void test_journal(void **state)
{
	struct journal_entry *v = NULL, je;
	struct xerr e;
	size_t n = 0;

	(void)state;
	assert_int_equal(journal_read(&v, &n, &e), 0);
	assert_int_equal(n, 0);
	journal_append("1-2", "check", "ok", "loads: %d rules", 5);
	journal_append("1-2", "commit", "failed", "tab\there\nnewline");
	assert_int_equal(journal_read(&v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "1-2");
	assert_string_equal(v[0].step, "check");
	assert_string_equal(v[0].result, "ok");
	assert_string_equal(v[0].msg, "loads: 5 rules");
	assert_int_equal(v[0].pid, (long)getpid());
	assert_string_equal(v[1].msg, "tab here newline");
	free(v);
	assert_int_equal(journal_parse_line("12\tid\t3\tstep\tres\tmsg", &je), 0);
	assert_int_equal(je.t, 12);
	assert_int_equal(journal_parse_line("x\tid\t3\tstep\tres\tmsg", &je), -1);
	assert_int_equal(journal_parse_line("12\tid\t3\tstep", &je), -1);
	assert_int_equal(journal_parse_line("", &je), -1);
}

static void test_proc(void **state)
{
	unsigned long long start = proc_start_time(getpid());

	(void)state;
	assert_true(start > 0);
	assert_true(proc_is(getpid(), start));
	assert_false(proc_is(getpid(), start + 1));
	assert_int_equal(proc_start_time(0), 0);
	assert_int_equal(proc_start_time(-1), 0);
}

/* In a child: take the lock, say so on fd, wait until fd2 closes; with orphan, fork a sleeper first. */
static void lock_child(int ready, int hold, bool orphan)
{
	struct apply_lock l;
	struct xerr e;
	char c;

	if (lock_acquire(&l, "xnft apply /p", &e))
		_exit(3);
	if (orphan && fork() == 0) {
		/* a forked child (lint, the sandbox) that outlives its parent */
		while (read(hold, &c, 1) < 0)
			;
		_exit(0);
	}
	if (write(ready, "r", 1) != 1)
		_exit(4);
	if (!orphan) {
		while (read(hold, &c, 1) < 0)
			;
	}
	_exit(0);
}

static pid_t start_lock_child(bool orphan, int *hold_w)
{
	int ready[2], hold[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		lock_child(ready[1], hold[0], orphan);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*hold_w = hold[1];
	return pid;
}

static void test_lock(void **state)
{
	struct apply_lock a, b;
	struct lock_holder h;
	struct xerr e;
	int hold, status;
	pid_t pid;

	(void)state;
	assert_int_equal(lock_holder(&h), -1);
	/* another process holds it: refused, and the kernel names the holder */
	pid = start_lock_child(false, &hold);
	assert_int_equal(lock_holder(&h), 0);
	assert_int_equal(h.pid, (long)pid);
	assert_string_equal(h.what, "xnft apply /p");
	assert_int_equal(lock_acquire(&b, "second", &e), -1);
	assert_non_null(strstr(e.msg, "xnft apply /p"));
	assert_non_null(strstr(e.msg, "PID"));
	close(hold);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(lock_holder(&h), -1);

	/* its holder died, a forked child lives on with the descriptor: the lock is free */
	pid = start_lock_child(true, &hold);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(lock_holder(&h), -1);
	assert_int_equal(lock_acquire(&a, "third", &e), 0);
	lock_set_holder(&a, 77, "guard");
	lock_release(&a);
	close(hold);  /* the orphan ends */
	assert_int_equal(lock_acquire(&b, "second", &e), 0);
	lock_release(&b);
}

/* ---- SSH_CONNECTION ------------------------------------------------------- */

static void test_ssh_connection(void **state)
{
	struct lockout_conn c;

	(void)state;
	assert_int_equal(lockout_parse_ssh_connection("198.51.100.7 50022 203.0.113.1 22", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_string_equal(c.client, "198.51.100.7");
	assert_int_equal(c.client_port, 50022);
	assert_string_equal(c.server, "203.0.113.1");
	assert_int_equal(c.server_port, 22);
	assert_int_equal(c.from, LOCKOUT_FROM_ENV);
	assert_int_equal(lockout_parse_ssh_connection("2001:db8::7 1 2001:DB8::1 2222", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_string_equal(c.server, "2001:db8::1");
	assert_int_equal(c.server_port, 2222);
	/* a dual-stack sshd shows IPv4 clients mapped */
	assert_int_equal(lockout_parse_ssh_connection("::ffff:192.0.2.9 4000 ::ffff:192.0.2.1 22", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_string_equal(c.client, "192.0.2.9");
	assert_int_equal(lockout_parse_ssh_connection("fe80::1%eth0 4000 fe80::2%eth0 22", &c), 0);
	assert_string_equal(c.client, "fe80::1");

	static const char *const bad[] = {
		"", "garbage", "1.2.3.4 1 1.2.3.5", "1.2.3.4 1 1.2.3.5 22 extra",
		"1.2.3.4 0 1.2.3.5 22", "1.2.3.4 1 1.2.3.5 65536", "1.2.3.4 x 1.2.3.5 22",
		"1.2.3.4 1 2001:db8::1 22", "1.2.3.400 1 1.2.3.5 22",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lockout_parse_ssh_connection(bad[i], &c), -1);
	assert_int_equal(lockout_parse_ssh_connection(NULL, &c), -1);
}

/* ---- fallback ---------------------------------------------------------------- */

static void test_fallback_values(void **state)
{
	struct fallback_values v, w;
	char buf[5 * FALLBACK_LIST_MAX + 512];

	(void)state;
	assert_true(fallback_ifname_ok("wg0"));
	assert_false(fallback_ifname_ok(""));
	assert_false(fallback_ifname_ok("wg0\" accept"));
	assert_false(fallback_ifname_ok("averyveryverylongname"));
	assert_true(fallback_list_ok("198.51.100.7/32, 2001:db8::/64, 10.0.0.1-10.0.0.9"));
	assert_false(fallback_list_ok("1.2.3.4 } ; flush ruleset"));
	assert_false(fallback_list_ok(""));
	assert_false(fallback_list_ok(", 1.2.3.4"));

	memset(&v, 0, sizeof(v));
	snprintf(v.mesh_if, sizeof(v.mesh_if), "wg0");
	v.wg_port = 51820;
	v.ssh_port = 2222;
	snprintf(v.admin4, sizeof(v.admin4), "198.51.100.7/32");
	snprintf(v.mesh6, sizeof(v.mesh6), "fd10::/64");
	assert_true(fallback_values_format(&v, buf, sizeof(buf)) > 0);
	fallback_values_parse(buf, &w);
	assert_memory_equal(&v, &w, sizeof(v));

	fallback_values_parse("mesh_if=wg0\"\nwg_port=70000\nssh_port=-1\nadmin4=1.2.3.4 }\n", &w);
	assert_string_equal(w.mesh_if, "");
	assert_int_equal(w.wg_port, 0);
	assert_int_equal(w.ssh_port, 0);
	assert_string_equal(w.admin4, "");
	fallback_values_parse(NULL, &w);
	assert_int_equal(w.wg_port, 0);
}

static void test_fallback_text(void **state)
{
	struct fallback_values v;
	char *t;

	(void)state;
	memset(&v, 0, sizeof(v));
	t = fallback_policy_text(&v);
	assert_non_null(t);
	assert_non_null(strstr(t, "table inet xnft\ndelete table inet xnft\n"));
	assert_non_null(strstr(t, "iif lo counter accept"));
	assert_non_null(strstr(t, "ct state established,related counter accept"));
	assert_non_null(strstr(t, "policy drop;"));
	assert_non_null(strstr(t, "tcp dport 22 ct state new"));
	assert_null(strstr(t, "udp dport"));
	assert_null(strstr(t, "iifname"));
	assert_null(strstr(t, "elements"));
	free(t);

	snprintf(v.mesh_if, sizeof(v.mesh_if), "wg7");
	v.wg_port = 51999;
	v.ssh_port = 2200;
	snprintf(v.admin4, sizeof(v.admin4), "198.51.100.7/32");
	t = fallback_policy_text(&v);
	assert_non_null(t);
	assert_non_null(strstr(t, "udp dport 51999 counter accept"));
	assert_non_null(strstr(t, "iifname \"wg7\" ip saddr @MESH_PEERS tcp dport 2200"));
	assert_non_null(strstr(t, "elements = { 198.51.100.7/32 }"));
	free(t);
}

static void test_fallback_from_sources(void **state)
{
	struct fallback_values v;
	char dir[512], path[600];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pol", tmp);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/rules", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	write_file(path, "include \"rules/*.nft\"\n# define WG_PORT = 1\n");
	snprintf(path, sizeof(path), "%s/rules/00-a.nft", dir);
	write_file(path, "define MESH_IF = \"wg3\"   # comment\ndefine WG_PORT = 40000\n"
			 "  define SSH_PORT=2022\ndefine OTHER = 5\n");
	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	fallback_values_from_policy(NULL, path, dir, &v);
	assert_string_equal(v.mesh_if, "wg3");
	assert_int_equal(v.wg_port, 40000);
	assert_int_equal(v.ssh_port, 2022);
	assert_string_equal(v.admin4, "");
	assert_false(fallback_has_way_in(&v));

	/* the sets, read from the text when there is no model (the policy did not load) */
	snprintf(path, sizeof(path), "%s/rules/01-sets.nft", dir);
	write_file(path, "table inet xnft {\n\tset MESH_PEERS {\n\t\ttype ipv4_addr\n"
			 "\t\telements = { 10.10.0.0/24 }   # xnft-init: mesh4\n\t}\n"
			 "\tset ADMIN_ALLOWLIST {\n\t\telements = { 198.51.100.7/32, 203.0.113.0/24 }\n"
			 "\t}\n\tset OTHER {\n\t\telements = { 192.0.2.1 }\n\t}\n"
			 "\tset ADMIN_ALLOWLIST6 {\n\t\telements = { $(bad) }\n\t}\n}\n");
	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	fallback_values_from_policy(NULL, path, dir, &v);
	assert_string_equal(v.mesh4, "10.10.0.0/24");
	assert_string_equal(v.admin4, "198.51.100.7/32, 203.0.113.0/24");
	assert_string_equal(v.admin6, "");
	assert_true(fallback_has_way_in(&v));

	/* statements, not lines: two on a line, elements over two lines, an anonymous set */
	snprintf(path, sizeof(path), "%s/rules/02-more.nft", dir);
	write_file(path, "define OTHER2 = 1; define SSH_PORT = 2200\n"
			 "table inet xnft {\n\tchain c {\n\t\ttcp dport { 22, 80 } accept\n\t}\n"
			 "\tset ADMIN_ALLOWLIST6 {\n\t\telements = { 2001:db8::/64,   # one\n"
			 "\t\t\t2001:db8:1::/64 }\n\t}\n}\n");
	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	fallback_values_from_policy(NULL, path, dir, &v);
	assert_int_equal(v.ssh_port, 2200);
	assert_string_equal(v.mesh4, "10.10.0.0/24");
	assert_string_equal(v.admin6, "2001:db8::/64, 2001:db8:1::/64");
}

/* ---- bundle ---------------------------------------------------------------------- */

static void test_bundle(void **state)
{
	char dir[512], path[600], *out = NULL;
	struct xerr e;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/b", tmp);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/r", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/r/10-b.nft", dir);
	write_file(path, "# B\ninclude \"r/sub.inc\";  # nested\n");
	snprintf(path, sizeof(path), "%s/r/05-a.nft", dir);
	write_file(path, "A1\nA2");
	snprintf(path, sizeof(path), "%s/r/sub.inc", dir);
	write_file(path, "SUB\n");
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	write_file(path, "table inet xnft\n  include \"r/*.nft\"\n# include \"nope\"\n"
			 "include \"r/none-*.nft\"\nEND\n");
	assert_int_equal(apply_bundle(path, dir, "test", &out, &e), 0);
	assert_non_null(out);
	/* preamble, then files in glob order, nested include expanded, comment kept */
	assert_non_null(strstr(out, "table inet xnft\ndelete table inet xnft\n"));
	assert_true(strstr(out, "A1\nA2\n") < strstr(out, "# B\n"));
	assert_true(strstr(out, "# B\n") < strstr(out, "SUB\n"));
	assert_true(strstr(out, "SUB\n") < strstr(out, "# include \"nope\"\nEND\n"));
	assert_null(strstr(out, "include \"r/"));
	free(out);

	write_file(path, "include \"missing.nft\"\n");
	assert_int_equal(apply_bundle(path, dir, "test", &out, &e), -1);
	assert_non_null(strstr(e.msg, "missing.nft"));
	write_file(path, "table inet xnft; include \"r/sub.inc\"\n");
	assert_int_equal(apply_bundle(path, dir, "test", &out, &e), -1);
	write_file(path, "include \"r/sub.inc\" extra\n");
	assert_int_equal(apply_bundle(path, dir, "test", &out, &e), -1);
	snprintf(path, sizeof(path), "%s/loop.nft", dir);
	write_file(path, "include \"loop.nft\"\n");
	assert_int_equal(apply_bundle(path, dir, "test", &out, &e), -1);
	assert_non_null(strstr(e.msg, "deeper"));
}

/* ---- fingerprint ------------------------------------------------------------------ */

#define META "{\"metainfo\": {\"version\": \"1.0.6\"}}"
#define TBL(h) "{\"table\": {\"family\": \"inet\", \"name\": \"xnft\", \"handle\": " #h "}}"
#define RULE(h, pk, port) "{\"rule\": {\"family\": \"inet\", \"table\": \"xnft\", \"chain\": " \
	"\"input\", \"handle\": " #h ", \"expr\": [{\"match\": {\"op\": \"==\", \"left\": " \
	"{\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": " #port "}}, " \
	"{\"counter\": " pk "}, {\"accept\": null}]}}"
#define DYNSET(elems) "{\"set\": {\"family\": \"inet\", \"name\": \"d\", \"table\": \"xnft\", " \
	"\"type\": \"ipv4_addr\", \"handle\": 9, \"flags\": [\"dynamic\", \"timeout\"]" elems "}}"
#define OTHER "{\"table\": {\"family\": \"ip\", \"name\": \"filter\", \"handle\": 1}}"

/* The fingerprint of a listing made of one JSON text and, optionally, one dumped set. */
static int fingerprint_of(const char *json, struct setelem_set *set, char hex[TABLE_HASH_HEX],
			  bool *present, struct xerr *e)
{
	struct listing l = { .json = (char *)json };

	if (set) {
		l.sets.v = set;
		l.sets.n = 1;
	}
	return table_fingerprint(&l, hex, present, e);
}

static struct setelem_set dumped_set(uint32_t flags, uint8_t last_octet)
{
	static struct setelem_range r;
	struct setelem_set s = { .family = NFPROTO_INET, .flags = flags, .key_len = 4,
				 .v = &r, .n = 1 };

	memset(&r, 0, sizeof(r));
	r.lo[0] = r.hi[0] = 10;
	r.lo[3] = r.hi[3] = last_octet;
	snprintf(s.table, sizeof(s.table), "xnft");
	snprintf(s.name, sizeof(s.name), "MESH_PEERS");
	return s;
}

static void test_fingerprint(void **state)
{
	const char *a = "{\"nftables\": [" META ", " TBL(3) ", " RULE(4, "{\"packets\": 5, \"bytes\": 9}", 22)
			", " DYNSET("") "]}";
	const char *b = "{\"nftables\": [" META ", " OTHER ", " TBL(7) ", " RULE(12, "null", 22) ", "
			DYNSET(", \"elem\": [{\"elem\": {\"val\": \"1.2.3.4\", \"expires\": 5}}]") "]}";
	const char *c = "{\"nftables\": [" META ", " TBL(3) ", " RULE(4, "null", 23) ", " DYNSET("") "]}";
	const char *none = "{\"nftables\": [" META ", " OTHER "]}";
	char ha[TABLE_HASH_HEX], hb[TABLE_HASH_HEX], hc[TABLE_HASH_HEX];
	struct setelem_set s1, s2;
	struct xerr e;
	bool present;

	(void)state;
	assert_int_equal(fingerprint_of(a, NULL, ha, &present, &e), 0);
	assert_true(present);
	assert_int_equal(strlen(ha), 64);
	/* handles, counter values, other tables and run-time set contents do not count */
	assert_int_equal(fingerprint_of(b, NULL, hb, &present, &e), 0);
	assert_string_equal(ha, hb);
	assert_int_equal(fingerprint_of(c, NULL, hc, &present, &e), 0);
	assert_string_not_equal(ha, hc);
	assert_int_equal(fingerprint_of(none, NULL, hc, &present, &e), 0);
	assert_false(present);
	assert_string_equal(hc, "");
	assert_int_equal(fingerprint_of("{not json", NULL, hc, &present, &e), -1);
	assert_int_equal(fingerprint_of("", NULL, hc, &present, &e), 0);
	assert_false(present);

	/* dumped elements of a set the policy fills count; a dynamic set's do not */
	s1 = dumped_set(0, 1);
	assert_int_equal(fingerprint_of(a, &s1, hb, &present, &e), 0);
	assert_string_not_equal(ha, hb);
	s2 = dumped_set(0, 2);
	assert_int_equal(fingerprint_of(a, &s2, hc, &present, &e), 0);
	assert_string_not_equal(hb, hc);
	s1 = dumped_set(NFT_SET_TIMEOUT | NFT_SET_EVAL, 1);
	assert_int_equal(fingerprint_of(a, &s1, hb, &present, &e), 0);
	assert_string_equal(ha, hb);
}

static void test_restore_text(void **state)
{
	char *t = table_restore_text("", "empty");

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "# empty\ntable inet xnft\ndelete table inet xnft\n"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_state_not_a_dir),
		cmocka_unit_test(test_state_space),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_ssh_connection),
		cmocka_unit_test(test_fallback_values),
		cmocka_unit_test(test_fallback_text),
		cmocka_unit_test(test_fallback_from_sources),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_restore_text),
	};
	int rc;

	if (make_tmp(NULL))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rm_tree(tmp);
	return rc;
}
