// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft.conf reader: src/daemon/config.c. Good files, and bad ones with the exact file:line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/config.h"
#include "core/duration.h"

static struct xnft_config *parse_ok(const char *text)
{
	struct xnft_config *c = NULL;
	struct xerr e;

	xerr_clear(&e);
	if (config_parse("t.conf", text, &c, &e) < 0)
		fail_msg("did not parse: t.conf:%d: %s (hint: %s)\n%s", e.line, e.msg, e.hint, text);
	return c;
}

/* text is refused at line with a message containing msg. */
static void refused_at(const char *text, int line, const char *msg)
{
	struct xnft_config *c = NULL;
	struct xerr e;

	xerr_clear(&e);
	if (config_parse("t.conf", text, &c, &e) == 0) {
		config_free(c);
		fail_msg("parsed but should not:\n%s", text);
	}
	assert_null(c);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	assert_string_equal(e.file, "t.conf");
	if (e.line != line || !strstr(e.msg, msg))
		fail_msg("got t.conf:%d: %s; expected line %d and '%s'", e.line, e.msg, line, msg);
}

static const char full[] =
	"# a full config\n"
	"[daemon]\n"
	"sources = nflog:5, file:/var/log/kern.log\n"
	"policy = live\n"
	"table = inet xnft\n"
	"set4 = BANNED4\n"
	"set6 = BANNED6\n"
	"nets4 = NETS4\n"
	"nets6 = NETS6\n"
	"socket = /run/xnft/d.sock\n"
	"database = /var/lib/xnft/b.db   # inline comment\n"
	"max_offenders = 5000\n"
	"ipv6_prefix = 64\n"
	"batch = 5ms\n"
	"\n"
	"[escalation]\n"
	"enabled = yes\n"
	"factor = 2.5\n"
	"max = 1w\n"
	"forget = 30d\n"
	"\n"
	"[whitelist]\n"
	"addresses = 192.0.2.7, 2001:db8::/32\n"
	"addresses = 203.0.113.0/24\n"
	"\n"
	"[notify]\n"
	"ntfy = https://ntfy.example/bans\n"
	"slack = https://hooks.example/x\n"
	"timeout = 3s\n"
	"queue = 10\n"
	"\n"
	"[ban.scan]\n"
	"categories = TCPFL-*, XNFT-DROP\n"
	"ports = any\n"
	"threshold = 10\n"
	"window = 60s\n"
	"bantime = 1h\n"
	"\n"
	"[ban.ssh]\n"
	"categories = DROP\n"
	"ports = 22, ssh, 8000-8100\n"
	"protocols = tcp\n"
	"threshold = 3\n"
	"window = 1m30s\n"
	"bantime = 2d\n"
	"enabled = no\n";

static void test_full(void **state)
{
	struct xnft_config *c = parse_ok(full);

	(void)state;
	assert_int_equal(c->nsources, 2);
	assert_string_equal(c->sources[0], "nflog:5");
	assert_string_equal(c->sources[1], "file:/var/log/kern.log");
	assert_string_equal(c->policy, "live");
	assert_string_equal(c->table_family, "inet");
	assert_string_equal(c->table, "xnft");
	assert_string_equal(c->nets4, "NETS4");
	assert_string_equal(c->nets6, "NETS6");
	assert_string_equal(c->db_path, "/var/lib/xnft/b.db");
	assert_string_equal(c->socket_path, "/run/xnft/d.sock");
	assert_int_equal(c->max_offenders, 5000);
	assert_int_equal(c->ipv6_prefix, 64);
	assert_int_equal(c->batch_ms, 5);
	assert_true(c->esc_enabled);
	assert_true(c->esc_factor > 2.49 && c->esc_factor < 2.51);
	assert_int_equal(c->esc_max_ms, 7ull * 86400000);
	assert_int_equal(c->esc_forget_ms, 30ull * 86400000);
	assert_int_equal(c->nwhitelist, 3);
	assert_int_equal(c->whitelist[1].family, AF_INET6);
	assert_int_equal(c->whitelist[1].len, 32);
	assert_int_equal(c->nnotify, 2);
	assert_string_equal(c->notify[0].kind, "ntfy");
	assert_int_equal(c->notify_timeout_ms, 3000);
	assert_int_equal(c->notify_queue, 10);
	assert_int_equal(c->nrules, 2);
	assert_string_equal(c->rules[0].name, "scan");
	assert_int_equal(c->rules[0].line, 32);
	assert_int_equal(c->rules[0].ncategories, 2);
	assert_int_equal(c->rules[0].nports, 0);
	assert_int_equal(c->rules[0].threshold, 10);
	assert_int_equal(c->rules[0].window_ms, 60000);
	assert_int_equal(c->rules[0].bantime_ms, 3600000);
	assert_true(c->rules[0].enabled);
	assert_int_equal(c->rules[1].nports, 3);
	assert_int_equal(c->rules[1].ports[1].lo, 22);
	assert_int_equal(c->rules[1].ports[2].lo, 8000);
	assert_int_equal(c->rules[1].ports[2].hi, 8100);
	assert_int_equal(c->rules[1].window_ms, 90000);
	assert_false(c->rules[1].enabled);
	config_free(c);
}

static void test_defaults(void **state)
{
	struct xnft_config *c = parse_ok("");

	(void)state;
	assert_int_equal(c->nrules, 0);
	assert_int_equal(c->nsources, 0);
	assert_string_equal(c->set4, "BANNED4");
	assert_string_equal(c->set6, "BANNED6");
	assert_string_equal(c->nets4, "BANNED_NETS4");
	assert_string_equal(c->nets6, "BANNED_NETS6");
	assert_string_equal(c->socket_path, XNFT_DEFAULT_SOCKET);
	assert_string_equal(c->db_path, XNFT_DEFAULT_DATABASE);
	assert_int_equal(c->ipv6_prefix, 64);
	assert_true(c->esc_enabled);
	config_free(c);
	c = parse_ok("; only comments\n# here\n\n");
	assert_int_equal(c->nrules, 0);
	config_free(c);
}

static void test_matching(void **state)
{
	struct xnft_config *c = parse_ok(full);
	const struct config_rule *scan = &c->rules[0], *ssh = &c->rules[1];

	(void)state;
	assert_true(config_rule_matches_category(scan, "TCPFL-NULL"));
	assert_true(config_rule_matches_category(scan, "XNFT-TCPFL-XMAS"));
	assert_true(config_rule_matches_category(scan, "XNFT-TCPFL-FIN: "));
	assert_true(config_rule_matches_category(scan, "DROP"));
	assert_false(config_rule_matches_category(scan, "FWD-DROP"));
	assert_false(config_rule_matches_category(scan, "SYNFLOOD"));
	assert_false(config_rule_matches_category(scan, NULL));
	assert_true(config_rule_matches_port(scan, 17, 53));
	assert_true(config_rule_matches_port(ssh, 6, 22));
	assert_true(config_rule_matches_port(ssh, 6, 8050));
	assert_false(config_rule_matches_port(ssh, 6, 23));
	assert_false(config_rule_matches_port(ssh, 17, 22));
	config_free(c);
}

static void test_durations(void **state)
{
	uint64_t ms;
	struct xerr e;
	char buf[32];

	(void)state;
	assert_int_equal(duration_parse("90", &ms, &e), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(duration_parse("500ms", &ms, &e), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(duration_parse("1h30m", &ms, &e), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(duration_parse("2w", &ms, &e), 0);
	assert_int_equal(ms, 14ull * 86400000);
	assert_int_equal(duration_parse("1m30", &ms, &e), -1);
	assert_int_equal(duration_parse("", &ms, &e), -1);
	assert_int_equal(duration_parse("-5s", &ms, &e), -1);
	assert_int_equal(duration_parse("5 s", &ms, &e), -1);
	assert_int_equal(duration_parse("5x", &ms, &e), -1);
	assert_int_equal(duration_parse("5mss", &ms, &e), -1);
	assert_int_equal(duration_parse("99999999999999999999s", &ms, &e), -1);
	assert_int_equal(duration_parse("999999999999999w", &ms, &e), -1);
	duration_format(5400000, buf, sizeof(buf));
	assert_string_equal(buf, "1h30m");
	duration_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	duration_format(86400000 + 1, buf, sizeof(buf));
	assert_string_equal(buf, "1d1ms");
	/* a short buffer holds the text cut at its size */
	for (size_t size = 1; size <= sizeof("1w1d1h1m1s1ms"); size++) {
		char small[sizeof("1w1d1h1m1s1ms")];

		duration_format(694861001, small, size);
		assert_int_equal(strlen(small), size - 1);
		assert_memory_equal(small, "1w1d1h1m1s1ms", size - 1);
	}
}

static const char rule_ok[] = "[ban.x]\ncategories = DROP\nthreshold = 1\nwindow = 1s\nbantime = 1s\n";

static void test_bad(void **state)
{
	(void)state;
	refused_at("[daemon]\nsourcez = kmsg\n", 2, "unknown key 'sourcez'");
	refused_at("[deamon]\nsources = kmsg\n", 1, "unknown section [deamon]");
	refused_at("sources = kmsg\n", 1, "outside any section");
	refused_at("[daemon]\n\n\nsources = kmsg, carrier-pigeon\n", 4, "carrier-pigeon");
	refused_at("[daemon]\nsources = kmsg, kmsg\n", 2, "listed twice");
	refused_at("[daemon]\nsources = file:relative.log\n", 2, "not an event source");
	refused_at("[daemon]\nsources = ,\n", 2, "empty list");
	refused_at("[daemon]\nmax_offenders = 10x\n", 2, "max_offenders");
	refused_at("[daemon]\nmax_offenders = 3\n", 2, "max_offenders");
	refused_at("[daemon]\nipv6_prefix = 129\n", 2, "ipv6_prefix");
	refused_at("[daemon]\nipv6_prefix = -64\n", 2, "ipv6_prefix");
	refused_at("[daemon]\ntable = xnft\n", 2, "FAMILY NAME");
	refused_at("[daemon]\ntable = arp xnft\n", 2, "FAMILY NAME");
	refused_at("[daemon]\nset4 = BAN NED\n", 2, "not a set name");
	refused_at("[daemon]\nsocket = run/x.sock\n", 2, "absolute path");
	refused_at("[daemon]\npolicy = here\n", 2, "neither an absolute path nor 'live'");
	refused_at("[daemon]\nbatch = 2s\n", 2, "out of range");
	refused_at("[daemon]\nsources =\n", 2, "empty value");
	refused_at("[daemon]\nthis line has no equals sign\n", 2, "syntax error");
	refused_at("[daemon\nsources = kmsg\n", 1, "syntax error");
	refused_at("[escalation]\nfactor = 0.5\n", 2, "factor");
	refused_at("[escalation]\nfactor = nan\n", 2, "factor");
	refused_at("[escalation]\nfactor = 1e999\n", 2, "factor");
	refused_at("[escalation]\nenabled = maybe\n", 2, "yes or no");
	refused_at("[escalation]\nmax = forever\n", 2, "not a duration");
	refused_at("[whitelist]\naddresses = 10.0.0.1/8\n", 2, "host bits");
	refused_at("[whitelist]\naddresses = 10.0.0.300\n", 2, "10.0.0.300");
	refused_at("[whitelist]\nhosts = 10.0.0.1\n", 2, "unknown key 'hosts'");
	refused_at("[notify]\nntfy = ftp://x\n", 2, "URL");
	refused_at("[notify]\nteams = https://x\n", 2, "unknown key 'teams'");
	refused_at("[notify]\nqueue = 0\n", 2, "queue");
	refused_at("[ban.x]\ncategories = DROP\nthreshold = 0\n", 3, "threshold");
	refused_at("[ban.x]\ncategories = DROP\nthreshold = 1\nwindow = 1s\n", 1,
		   "missing key 'bantime'");
	refused_at("[daemon]\n[ban.x]\n", 2, "missing key 'categories'");
	refused_at("[ban.x]\ncategories = DROP\nthreshold = 1\nwindow = 0s\nbantime = 1s\n", 4,
		   "out of range");
	refused_at("[ban.x]\ncategories = DROP\nthreshold = 1\nwindow = 1s\nbantime = 100ms\n", 5,
		   "out of range");
	refused_at("[ban.x]\nports = 0-70000\n", 2, "not a port");
	refused_at("[ban.x]\nports = 30-20\n", 2, "not a port");
	refused_at("[ban.x]\nports = nosuchservice\n", 2, "not a port");
	refused_at("[ban.x]\nprotocols = carrier\n", 2, "unknown protocol");
	refused_at("[ban.x]\ncategories = DROP: X\n", 2, "not a log category");
	refused_at("[ban.x]\nbantme = 1h\n", 2, "unknown key 'bantme'");
	refused_at("[ban.bad name]\n", 1, "rule name");
	refused_at("[ban.]\n", 1, "rule name");
	refused_at("[ban.x]\ncategories = DROP\nthreshold = 1\nwindow = 1s\nbantime = 1s\n"
		   "[ban.x]\n", 6, "defined twice (first at line 1)");
}

static void test_bad_empty_daemon_is_fine(void **state)
{
	struct xnft_config *c = parse_ok("[daemon]\n");

	(void)state;
	config_free(c);
}

static void test_first_error_wins(void **state)
{
	(void)state;
	refused_at("[daemon]\nbogus = 1\n[escalation]\nalso = bad\n", 2, "bogus");
}

static void test_long_and_binary_lines(void **state)
{
	char *big = malloc(1 << 20);
	char bin[] = "[daemon]\nsources = k\0msg\n";
	struct xnft_config *c = NULL;
	struct xerr e;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	memcpy(big, "[daemon]\nsources = ", 19);
	assert_int_equal(config_parse("t.conf", big, &c, &e), -1);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "line longer than"));
	free(big);
	/* a NUL cuts the text; what is before it must still be checked */
	assert_int_equal(config_parse("t.conf", bin, &c, &e), -1);
	assert_int_equal(e.line, 2);
	/* continuation lines append to a list key */
	c = parse_ok(rule_ok);
	config_free(c);
	c = parse_ok("[whitelist]\naddresses = 192.0.2.1\n  192.0.2.2, 192.0.2.3\n");
	assert_int_equal(c->nwhitelist, 3);
	config_free(c);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/xnft-test-config.XXXXXX";
	struct xnft_config *c;
	struct xerr e;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	assert_non_null(f);
	fputs("[ban.scan]\ncategories = TCPFL-*\nthreshold = 2\nwindow = 10s\nbantime = 1h\n"
	      "bantime = soon\n", f);
	fclose(f);
	assert_int_equal(config_load(path, &c, &e), -1);
	assert_string_equal(e.file, path);
	assert_int_equal(e.line, 6);
	assert_non_null(strstr(e.msg, "[ban.scan] bantime"));
	unlink(path);
	assert_int_equal(config_load(path, &c, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "cannot read config"));
	assert_true(e.hint[0] != '\0');
}

/* The shipped, documented example parses and says what it documents. */
static void test_example(void **state)
{
	struct xnft_config *c;
	struct xerr e;

	(void)state;
	if (config_load(FIXTURES "/../../../etc/xnft.conf.example", &c, &e) < 0)
		fail_msg("etc/xnft.conf.example:%d: %s", e.line, e.msg);
	assert_int_equal(c->nrules, 3);
	assert_string_equal(c->sources[0], "journal");
	assert_string_equal(c->policy, "live");
	assert_int_equal(c->ipv6_prefix, 64);
	config_free(c);
}

/* [mesh]: the daemon's peer sync; off unless an interface is named. */
static void test_mesh_sync(void **state)
{
	struct xnft_config *c;

	(void)state;
	c = parse_ok("[daemon]\n");
	assert_string_equal(c->mesh_iface, "");
	assert_int_equal(c->mesh_sync_ms, 30000);
	config_free(c);
	c = parse_ok("[mesh]\nsync_interface = wg0\nsync_interval = 5s  # often\n");
	assert_string_equal(c->mesh_iface, "wg0");
	assert_int_equal(c->mesh_sync_ms, 5000);
	config_free(c);
	refused_at("[mesh]\nsync_interface = wg/0\n", 2, "sync_interface: 'wg/0' is not an interface");
	refused_at("[mesh]\n\nsync_interval = 500ms\n", 3, "sync_interval");
	refused_at("[mesh]\nsync = wg0\n", 2, "[mesh]: unknown key 'sync'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_empty_daemon_is_fine),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_long_and_binary_lines),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_mesh_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
