// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lab's pieces that need no namespace: rule counters from nft's JSON,
 * WireGuard keys, and the process helpers it is built on (spawn, netns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/netns.h"
#include "core/spawn.h"
#include "lab/lab.h"

static const char listing[] =
	"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}},"
	"{\"table\": {\"family\": \"inet\", \"name\": \"xnft\", \"handle\": 1}},"
	"{\"rule\": {\"family\": \"inet\", \"table\": \"xnft\", \"chain\": \"input\", \"handle\": 4,"
	" \"comment\": \"loopback: the host talking to itself\", \"expr\": ["
	"{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iif\"}}, \"right\": \"lo\"}},"
	"{\"counter\": {\"packets\": 7, \"bytes\": 420}}, {\"accept\": null}]}},"
	"{\"rule\": {\"family\": \"inet\", \"table\": \"xnft\", \"chain\": \"input\", \"handle\": 5,"
	" \"comment\": \"catch-all: log what no rule allowed (rate-limited)\", \"expr\": ["
	"{\"counter\": {\"packets\": 2, \"bytes\": 120}}, {\"log\": {\"prefix\": \"XNFT-DROP: \"}}]}},"
	"{\"rule\": {\"family\": \"inet\", \"table\": \"xnft\", \"chain\": \"input\", \"handle\": 6,"
	" \"comment\": \"catch-all: drop what no rule allowed\", \"expr\": ["
	"{\"counter\": {\"packets\": 3, \"bytes\": 180}}, {\"drop\": null}]}},"
	"{\"rule\": {\"family\": \"inet\", \"table\": \"xnft\", \"chain\": \"forward\", \"handle\": 9,"
	" \"expr\": [{\"accept\": null}]}}"
	"]}";

static void counters_from_listing(void **state)
{
	struct lab_counters *c = calloc(1, sizeof(*c));
	struct xerr e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(lab_counters_parse(listing, c, &e), 0);
	/* The rule without a counter is not a counter. */
	assert_int_equal(c->n, 3);
	assert_string_equal(c->v[0].chain, "input");
	assert_int_equal(c->v[0].packets, 7);
	assert_int_equal(lab_counter_sum(c, "loopback:"), 7);
	assert_int_equal(lab_counter_sum(c, "catch-all:"), 5);
	assert_int_equal(lab_counter_sum(c, "catch-all: drop"), 3);
	assert_int_equal(lab_counter_sum(c, "no such rule"), -1);
	assert_string_equal(lab_counter_comment(c, "catch-all: drop"),
			    "catch-all: drop what no rule allowed");
	assert_null(lab_counter_comment(c, "no such rule"));
	free(c);
}

static void counters_reject_garbage(void **state)
{
	struct lab_counters *c = calloc(1, sizeof(*c));
	struct xerr e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(lab_counters_parse("{\"nftables\": [", c, &e), -1);
	assert_non_null(strstr(e.msg, "does not parse"));
	assert_int_equal(lab_counters_parse("{\"other\": []}", c, &e), -1);
	assert_int_equal(lab_counters_parse("", c, &e), -1);
	assert_int_equal(lab_counters_parse(NULL, c, &e), -1);
	/* Odd but valid shapes are skipped, not trusted. */
	assert_int_equal(lab_counters_parse("{\"nftables\": [1, {\"rule\": 3},"
					    "{\"rule\": {\"expr\": [{\"counter\": {\"packets\": \"x\"}}]}}]}",
					    c, &e), 0);
	assert_int_equal(c->n, 0);
	free(c);
}

static void wg_keys_are_curve25519(void **state)
{
	struct lab_wg_keys a, b;
	unsigned char sk[32], pk[32], derived[32];
	size_t len;
	struct xerr e;

	(void)state;
	assert_int_equal(lab_wg_genkey(&a, &e), 0);
	assert_int_equal(lab_wg_genkey(&b, &e), 0);
	assert_int_equal(strlen(a.priv), 44);
	assert_int_equal(strlen(a.pub), 44);
	assert_string_not_equal(a.priv, b.priv);
	assert_int_equal(sodium_base642bin(sk, sizeof(sk), a.priv, strlen(a.priv), NULL, &len,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(len, 32);
	assert_int_equal(sodium_base642bin(pk, sizeof(pk), a.pub, strlen(a.pub), NULL, &len,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	/* Clamped the way wg genkey clamps. */
	assert_int_equal(sk[0] & 7, 0);
	assert_int_equal(sk[31] & 0xc0, 0x40);
	assert_int_equal(crypto_scalarmult_curve25519_base(derived, sk), 0);
	assert_memory_equal(derived, pk, 32);
}

static void probe_names(void **state)
{
	(void)state;
	assert_string_equal(lab_probe_result_name(PROBE_FILTERED), "filtered");
	assert_string_equal(lab_probe_result_name(PROBE_NO_ANSWER), "no answer");
	assert_string_equal(lab_probe_result_name((enum lab_probe_result)99), "?");
}

static void spawn_exit_status(void **state)
{
	char *t[] = { "true", NULL };
	char *f[] = { "false", NULL };
	char *missing[] = { "xnft-no-such-program", NULL };
	struct xerr e;

	(void)state;
	assert_int_equal(spawn_run(t, &e), 0);
	assert_int_equal(spawn_run(f, &e), -1);
	assert_non_null(strstr(e.msg, "'false' exited with status 1"));
	assert_int_equal(spawn_run(missing, &e), -1);
	assert_non_null(strstr(e.msg, "cannot run 'xnft-no-such-program'"));
	assert_true(e.hint[0] != '\0');
}

static void spawn_capture_output(void **state)
{
	char *echo[] = { "echo", "hello", "lab", NULL };
	char *bad[] = { "ls", "/xnft-no-such-dir", NULL };
	char *out = (char *)1;
	struct xerr e;

	(void)state;
	assert_int_equal(spawn_capture(echo, &out, &e), 0);
	assert_string_equal(out, "hello lab\n");
	free(out);
	/* A failure has nothing to free, and the program's complaint is in the message. */
	assert_int_equal(spawn_capture(bad, &out, &e), -1);
	assert_null(out);
	assert_non_null(strstr(e.msg, "/xnft-no-such-dir"));
	assert_null(strchr(e.msg, '\n'));
}

static void spawn_start_and_stop(void **state)
{
	char *sleeper[] = { "sleep", "30", NULL };
	unsigned long long start;
	pid_t pid = 0;
	struct xerr e;

	(void)state;
	assert_int_equal(spawn_start(sleeper, NULL, &pid, &e), 0);
	assert_true(pid > 1);
	assert_int_equal(kill(pid, 0), 0);
	start = proc_start_time(pid);
	assert_true(start > 0);
	/* A start time that is not this process's: never signalled. */
	assert_int_equal(spawn_stop(pid, start + 1, 100), 0);
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(spawn_stop(pid, start, 2000), 0);
	/* Reaped: the PID is no longer ours, and stopping it again signals nothing. */
	assert_int_equal(kill(pid, 0), -1);
	assert_false(proc_is(pid, start));
	assert_int_equal(spawn_stop(pid, start, 100), 0);
	/* Without a start time there is nothing to verify, so nothing is signalled. */
	assert_int_equal(spawn_stop(pid, 0, 100), -1);
	assert_int_equal(spawn_stop(1, proc_start_time(1), 100), -1);
	assert_int_equal(spawn_start(sleeper, "/xnft-no-such-dir/log", &pid, &e), -1);
}

static int never_called(void *arg, struct xerr *e)
{
	(void)arg;
	return xerr_set(e, 2, "should not run");
}

static void netns_bad_names(void **state)
{
	struct xerr e;

	(void)state;
	assert_int_equal(netns_call("../../proc/self/ns/net", never_called, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "invalid network namespace name"));
	assert_int_equal(netns_call("", never_called, NULL, &e), -1);
	assert_int_equal(netns_call("xnft-no-such-netns", never_called, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not found"));
	assert_int_equal(lab_sysctl("xnft-no-such-netns", "../etc/passwd", "1", &e), -1);
	assert_non_null(strstr(e.msg, "invalid sysctl key"));
}

/* The outside view's verdict from what xnft scan printed, or spawn's message. */
static void outside_verdicts(void **state)
{
	struct lab_check c;

	(void)state;
	memset(&c, 0, sizeof(c));
	lab_outside_judge(&c, 1, "198.18.0.1: 0 ports open, 0 drift\n");
	assert_int_equal(c.pass, 1);
	assert_string_equal(c.seen, "as proven");
	assert_string_equal(c.note, "nmap from the internet: only udp/51820 let in, 0 open - as proven");

	memset(&c, 0, sizeof(c));
	lab_outside_judge(&c, 1, "198.18.0.1: 1 port open, 0 drift\n");
	assert_int_equal(c.pass, 1);
	assert_non_null(strstr(c.note, ", 1 open - as proven"));

	memset(&c, 0, sizeof(c));
	lab_outside_judge(&c, 0, "'ip netns exec xnft-lab-internet xnft scan 198.18.0.1' exited with "
			  "status 1: 198.18.0.1: 1 port open, 1 drift\n  CRITICAL 22/tcp open to syn: "
			  "the proof keeps it closed; something outside the proof lets it in");
	assert_int_equal(c.pass, 0);
	assert_string_equal(c.seen, "drift");
	assert_string_equal(c.note, "CRITICAL 22/tcp open to syn");

	memset(&c, 0, sizeof(c));
	lab_outside_judge(&c, 0, "'ip netns exec x xnft scan 2001:2::1' exited with status 2: xnft scan: "
			  "nmap failed\nmore");
	assert_int_equal(c.pass, 0);
	assert_string_equal(c.seen, "error");
	assert_string_equal(c.note, "xnft scan: nmap failed");

	/* exit 0 but not xnft scan's summary: never "as proven" */
	memset(&c, 0, sizeof(c));
	lab_outside_judge(&c, 1, "");
	assert_int_equal(c.pass, 0);
	assert_string_equal(c.seen, "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counters_from_listing),
		cmocka_unit_test(counters_reject_garbage),
		cmocka_unit_test(wg_keys_are_curve25519),
		cmocka_unit_test(probe_names),
		cmocka_unit_test(spawn_exit_status),
		cmocka_unit_test(spawn_capture_output),
		cmocka_unit_test(spawn_start_and_stop),
		cmocka_unit_test(netns_bad_names),
		cmocka_unit_test(outside_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
