// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log line parser against tests/unit/logline_cases.txt (each
 * case its own TAP test), then what no input may do: crash, read past the
 * line, or fail to come back on a 1 MB line or on random bytes. Also the
 * /dev/kmsg record splitter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "events/event.h"
#include "events/format.h"
#include "events/logline.h"

#define CASES FIXTURES "/../logline_cases.txt"
/* The clock of the cases: 2026-11-23T12:00:00Z, booted 100000 s before. */
#define NOW_US (1795435200LL * 1000000)
#define BOOT_US (NOW_US - 100000LL * 1000000)
#define RECV_US (NOW_US + 5 * 1000000LL)

struct tcase {
	char name[128];
	char *input;
	size_t input_len;
	char *expected;
	int line;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "<x " lines: \xNN and \\ escapes. */
static size_t unescape(char *s)
{
	size_t o = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			s[o++] = (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 3;
		} else if (s[i] == '\\' && s[i + 1] == '\\') {
			s[o++] = '\\';
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/*
 * logfmt tokens: KEY=VALUE with VALUE verbatim (quotes and escapes kept), or
 * !KEY. Fills key and value (bounded); returns the position after the token.
 */
static const char *next_token(const char *p, char *key, size_t ks, char *val, size_t vs, int *neg)
{
	size_t k = 0, v = 0;

	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	*neg = *p == '!';
	if (*neg)
		p++;
	while (*p && *p != '=' && *p != ' ' && k + 1 < ks)
		key[k++] = *p++;
	key[k] = '\0';
	if (*p == '=') {
		p++;
		if (*p == '"') {
			val[v++] = *p++;
			while (*p && *p != '"' && v + 2 < vs) {
				if (*p == '\\' && p[1])
					val[v++] = *p++;
				val[v++] = *p++;
			}
			if (*p == '"')
				val[v++] = *p++;
		} else {
			while (*p && *p != ' ' && v + 1 < vs)
				val[v++] = *p++;
		}
	}
	val[v] = '\0';
	return p;
}

/* The value of key in a logfmt line, verbatim; false when absent. */
static bool logfmt_get(const char *line, const char *key, char *val, size_t vs)
{
	char k[64], v[1024];
	int neg;
	const char *p = line;

	while ((p = next_token(p, k, sizeof(k), v, sizeof(v), &neg))) {
		if (!strcmp(k, key)) {
			snprintf(val, vs, "%s", v);
			return true;
		}
	}
	return false;
}

static const char *result_name(enum logline_result r)
{
	switch (r) {
	case LOGLINE_EVENT:      return "event";
	case LOGLINE_BAD:        return "bad";
	case LOGLINE_OTHER:      return "other";
	case LOGLINE_NOT_KERNEL: return "not_kernel";
	}
	return "?";
}

static void run_case(void **state)
{
	const struct tcase *c = *state;
	struct logline_ctx ctx;
	struct xevent ev;
	char line[EVENT_LINE_MAX], key[64], val[1024], got[1024];
	const char *p = c->expected;
	enum logline_result r;
	int neg, failed = 0;

	logline_ctx_init_at(&ctx, NOW_US, BOOT_US);
	r = logline_parse(&ctx, c->input, c->input_len, RECV_US, EVENT_TIME_RECEIVED, &ev);
	event_format(&ev, EVENT_FMT_LOGFMT, line, sizeof(line));
	line[strcspn(line, "\n")] = '\0';
	while ((p = next_token(p, key, sizeof(key), val, sizeof(val), &neg))) {
		if (!strcmp(key, "result")) {
			if (strcmp(val, result_name(r))) {
				print_message("line %d: result %s, expected %s\n", c->line,
					      result_name(r), val);
				failed++;
			}
			continue;
		}
		if (r != LOGLINE_EVENT)
			continue;
		if (neg) {
			if (logfmt_get(line, key, got, sizeof(got))) {
				print_message("line %d: %s=%s present, expected absent\n", c->line, key,
					      got);
				failed++;
			}
		} else if (!logfmt_get(line, key, got, sizeof(got)) || strcmp(got, val)) {
			print_message("line %d: %s: got '%s', expected '%s'\n", c->line, key,
				      logfmt_get(line, key, got, sizeof(got)) ? got : "(absent)", val);
			failed++;
		}
	}
	if (failed)
		print_message("  output: %s", line);
	assert_int_equal(failed, 0);
	/* The raw line is always the input. */
	assert_ptr_equal(ev.raw, c->input);
	assert_int_equal(ev.raw_len, c->input_len);
}

/* ------------------------------------------------------------------ */
/* No input may hurt                                                   */
/* ------------------------------------------------------------------ */

static const char GOOD[] = "XNFT-DROP: IN=eth0 OUT= SRC=203.0.113.5 DST=10.0.0.1 LEN=40 TOS=0x00 "
	"PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=54321 DPT=443 WINDOW=1024 RES=0x00 SYN URGP=0";

/* A 1 MB line: a valid event followed by a huge unknown token, and a huge prefix. */
static void test_megabyte_lines(void **state)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n + sizeof(GOOD));
	struct logline_ctx ctx;
	struct xevent ev;
	char out[EVENT_LINE_MAX];

	(void)state;
	if (!big) {
		fail_msg("out of memory");
		return;
	}
	logline_ctx_init_at(&ctx, NOW_US, BOOT_US);
	memcpy(big, GOOD, sizeof(GOOD) - 1);
	memset(big + sizeof(GOOD) - 1, 'A', n - sizeof(GOOD) + 1);
	big[sizeof(GOOD) - 1] = ' ';
	assert_int_equal(logline_parse(&ctx, big, n, RECV_US, EVENT_TIME_RECEIVED, &ev), LOGLINE_EVENT);
	assert_int_equal(ev.dport, 443);

	/* A prefix of a megabyte: kept cut to the prefix size. */
	memset(big, 'P', n);
	memcpy(big + n - sizeof(GOOD) + 1, GOOD + 11, sizeof(GOOD) - 12);
	assert_int_equal(logline_parse(&ctx, big, n - 11, RECV_US, EVENT_TIME_RECEIVED, &ev),
			 LOGLINE_EVENT);
	assert_int_equal(strlen(ev.prefix), EVENT_PREFIX_MAX - 1);
	assert_true(event_format(&ev, EVENT_FMT_JSON, out, sizeof(out)) < sizeof(out));

	/* A megabyte of "IN=": every candidate anchor is tried, in linear time. */
	for (size_t i = 0; i + 3 <= n; i += 3)
		memcpy(big + i, "IN=", 3);
	assert_int_equal(logline_parse(&ctx, big, n - n % 3, RECV_US, EVENT_TIME_RECEIVED, &ev),
			 LOGLINE_OTHER);

	/* A megabyte of brackets after the addresses. */
	memcpy(big, GOOD, sizeof(GOOD) - 1);
	memset(big + sizeof(GOOD) - 1, '[', n - sizeof(GOOD) + 1);
	big[sizeof(GOOD) - 1] = ' ';
	assert_int_equal(logline_parse(&ctx, big, n, RECV_US, EVENT_TIME_RECEIVED, &ev), LOGLINE_EVENT);
	free(big);
}

/* Random bytes and random cuts of a good line, mutated: the parser must only return. */
static void test_random_bytes(void **state)
{
	struct logline_ctx ctx;
	struct xevent ev;
	char buf[600], out[EVENT_LINE_MAX];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	logline_ctx_init_at(&ctx, NOW_US, BOOT_US);
	for (int i = 0; i < 200000; i++) {
		size_t len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i % 2) {
			len = x % sizeof(buf);
			for (size_t j = 0; j < len; j++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				buf[j] = (char)(x & 0xff);
			}
		} else {
			len = x % sizeof(GOOD);
			memcpy(buf, GOOD, len);
			if (len)
				buf[(x >> 20) % len] = (char)(x >> 40);
		}
		/* malloc'd copy, so ASan sees any read past the end. */
		char *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, buf, len);
		if (logline_parse(&ctx, copy, len, RECV_US, EVENT_TIME_RECEIVED, &ev) == LOGLINE_EVENT) {
			assert_true(ev.family == 2 || ev.family == 10);
			event_format(&ev, (enum event_format)(i % 3), out, sizeof(out));
			assert_non_null(memchr(out, '\n', sizeof(out)));
		}
		free(copy);
	}
}

/* Received time is kept when the line has no stamp; a source time is never replaced. */
static void test_time_sources(void **state)
{
	struct logline_ctx ctx;
	struct xevent ev;
	static const char stamped[] = "Apr 26 19:01:44 host kernel: XNFT-DROP: IN=eth0 OUT= "
		"SRC=1.2.3.4 DST=5.6.7.8 LEN=40";

	(void)state;
	logline_ctx_init_at(&ctx, NOW_US, BOOT_US);
	assert_int_equal(logline_parse(&ctx, GOOD, sizeof(GOOD) - 1, RECV_US, EVENT_TIME_RECEIVED,
				       &ev), LOGLINE_EVENT);
	assert_int_equal(ev.time_us, RECV_US);
	assert_int_equal(ev.time_src, EVENT_TIME_RECEIVED);
	assert_int_equal(logline_parse(&ctx, stamped, sizeof(stamped) - 1, 42, EVENT_TIME_SOURCE,
				       &ev), LOGLINE_EVENT);
	assert_int_equal(ev.time_us, 42);
	assert_int_equal(logline_parse(&ctx, stamped, sizeof(stamped) - 1, 42, EVENT_TIME_RECEIVED,
				       &ev), LOGLINE_EVENT);
	assert_int_equal(ev.time_src, EVENT_TIME_SOURCE);
	assert_int_equal(ev.time_us, 1777230104LL * 1000000);
}

static void test_kmsg_records(void **state)
{
	struct kmsg_record r;
	static const char rec[] = "4,1234,2234300628,-;XNFT-DROP: IN=eth0 OUT=\n SUBSYSTEM=net\n";
	static const char user[] = "12,7,99,-;hello";
	static const char cont[] = "6,1,2,c,more;text";

	(void)state;
	assert_int_equal(logline_kmsg_record(rec, sizeof(rec) - 1, &r), 0);
	assert_int_equal(r.prio, 4);
	assert_int_equal(r.seq, 1234);
	assert_int_equal(r.usec, 2234300628ULL);
	assert_int_equal(r.text_len, strlen("XNFT-DROP: IN=eth0 OUT="));
	assert_memory_equal(r.text, "XNFT-DROP: IN=eth0 OUT=", r.text_len);
	assert_int_equal(logline_kmsg_record(user, sizeof(user) - 1, &r), 0);
	assert_int_equal(r.prio >> 3, 1);
	assert_int_equal(logline_kmsg_record(cont, sizeof(cont) - 1, &r), 0);
	assert_int_equal(r.text_len, 4);
	assert_int_equal(logline_kmsg_record("", 0, &r), -1);
	assert_int_equal(logline_kmsg_record(";x", 2, &r), -1);
	assert_int_equal(logline_kmsg_record("a,b,c,-;x", 9, &r), -1);
	assert_int_equal(logline_kmsg_record("4,5;x", 5, &r), -1);
	assert_int_equal(logline_kmsg_record("99999999,1,1,-;x", 16, &r), -1);
	assert_int_equal(logline_kmsg_record("4,99999999999999999999999,1,-;x", 31, &r), -1);
}

/* ------------------------------------------------------------------ */

static bool read_case_line(FILE *f, char **buf, size_t *cap, int *lineno)
{
	for (;;) {
		ssize_t n = getline(buf, cap, f);

		if (n < 0)
			return false;
		(*lineno)++;
		while (n > 0 && ((*buf)[n - 1] == '\n'))
			(*buf)[--n] = '\0';
		if (n == 0 || (*buf)[0] == '#')
			continue;
		return true;
	}
}

static struct tcase *load_cases(size_t *count)
{
	FILE *f = fopen(CASES, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, ncap = 0;
	int lineno = 0;
	struct tcase *cases = NULL;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", CASES);
		exit(1);
	}
	while (read_case_line(f, &buf, &cap, &lineno)) {
		struct tcase c = { .line = lineno };
		bool esc = !strncmp(buf, "<x ", 3);

		if (buf[0] != '<' || (buf[1] != ' ' && buf[1] != '\0' && !esc)) {
			fprintf(stderr, "%s:%d: expected '< INPUT'\n", CASES, lineno);
			exit(1);
		}
		c.input = strdup(buf[1] ? buf + (esc ? 3 : 2) : "");
		c.input_len = esc ? unescape(c.input) : strlen(c.input);
		if (!read_case_line(f, &buf, &cap, &lineno) || strncmp(buf, "> ", 2)) {
			fprintf(stderr, "%s:%d: expected '> EXPECTED' after the input\n", CASES, lineno);
			exit(1);
		}
		c.expected = strdup(buf + 2);
		snprintf(c.name, sizeof(c.name), "logline_cases.txt:%d %.40s", c.line, c.expected);
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 64;
			cases = realloc(cases, ncap * sizeof(*cases));
			if (!cases)
				exit(1);
		}
		cases[n++] = c;
	}
	free(buf);
	fclose(f);
	*count = n;
	return cases;
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_megabyte_lines),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_time_sources),
		cmocka_unit_test(test_kmsg_records),
	};
	size_t n, nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct tcase *cases;
	struct CMUnitTest *tests;
	int r;

	setenv("TZ", "UTC", 1);
	tzset();
	cases = load_cases(&n);
	if (n < 40) {
		fprintf(stderr, "%s: only %zu cases\n", CASES, n);
		return 1;
	}
	tests = calloc(n + nfixed, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL, &cases[i] };
	memcpy(tests + n, fixed, sizeof(fixed));
	r = _cmocka_run_group_tests("logline", tests, n + nfixed, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		free(cases[i].input);
		free(cases[i].expected);
	}
	free(cases);
	free(tests);
	return r;
}
