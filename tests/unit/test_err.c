// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Errors as values (src/core/err.c) and the diagnostics parsed from
 * libnftables' error text (nft_diags_parse in src/core/nftctx.c); the
 * string builders (src/core/strbuf.c) and the monotonic clock (clock.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/nftctx.h"
#include "core/strbuf.h"

static char *print_to_string(const struct xerr *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xerr_print(f, e);
	fclose(f);
	return buf;
}

static void test_set_and_clear(void **state)
{
	struct xerr e;

	(void)state;
	assert_int_equal(xerr_set(&e, XNFT_EXIT_USAGE, "bad %s %d", "thing", 7), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_string_equal(e.msg, "bad thing 7");
	assert_string_equal(e.file, "");
	assert_int_equal(e.line, 0);
	xerr_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	/* a NULL error is allowed: callers that do not care pass none */
	assert_int_equal(xerr_set(NULL, 1, "x"), -1);
	assert_int_equal(xerr_at(NULL, 1, "f", 1, 1, "x"), -1);
	assert_int_equal(xerr_hint(NULL, "x"), -1);
	assert_int_equal(xerr_wrap(NULL, "x"), -1);
}

static void test_at_hint_wrap(void **state)
{
	struct xerr e;

	(void)state;
	xerr_at(&e, XNFT_EXIT_FINDINGS, "/p/rules/10-lo.nft", 8, 28, "syntax error");
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	assert_string_equal(e.file, "/p/rules/10-lo.nft");
	assert_int_equal(e.line, 8);
	assert_int_equal(e.col, 28);
	assert_int_equal(xerr_hint(&e, "fix line %d", 8), -1);
	assert_string_equal(e.hint, "fix line 8");
	assert_int_equal(xerr_wrap(&e, "loading %s", "policy"), -1);
	assert_string_equal(e.msg, "loading policy: syntax error");
	/* the location survives a wrap */
	assert_int_equal(e.line, 8);
	xerr_at(&e, 1, NULL, 0, 0, "no file");
	assert_string_equal(e.file, "");
}

static void test_truncation(void **state)
{
	struct xerr e;
	char big[4000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	xerr_at(&e, 1, big, 1, 1, "%s", big);
	assert_int_equal(strlen(e.file), sizeof(e.file) - 1);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	xerr_hint(&e, "%s", big);
	assert_int_equal(strlen(e.hint), sizeof(e.hint) - 1);
	xerr_wrap(&e, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

static void test_print(void **state)
{
	struct xerr e;
	char *s;

	(void)state;
	xerr_at(&e, 1, "a.nft", 3, 5, "boom");
	xerr_hint(&e, "do this");
	s = print_to_string(&e);
	assert_string_equal(s, "a.nft:3:5: error: boom\n  hint: do this\n");
	free(s);
	xerr_at(&e, 1, "a.nft", 3, 0, "boom");
	s = print_to_string(&e);
	assert_string_equal(s, "a.nft:3: error: boom\n");
	free(s);
	xerr_at(&e, 1, "a.nft", 0, 0, "boom");
	s = print_to_string(&e);
	assert_string_equal(s, "a.nft: error: boom\n");
	free(s);
	xerr_set(&e, 2, "boom");
	s = print_to_string(&e);
	assert_string_equal(s, "xnft: boom\n");
	free(s);
	/* the same prefix as every command's own messages: "xnft CMD: " */
	xerr_program("xnft check");
	s = print_to_string(&e);
	assert_string_equal(s, "xnft check: boom\n");
	free(s);
	xerr_program(NULL);
}

/* ---- nft_diags_parse ------------------------------------------------------ */

static void test_diag_included(void **state)
{
	static const char text[] =
		"In file included from /p/nftables.conf:4:1-26:\n"
		"/p/rules/10-lo.nft:8:28-28: Error: syntax error, unexpected '}'\n"
		"\t\tiif lo accept counter drop }\n"
		"\t\t                          ^\n";
	struct nft_diags d = { 0 };

	(void)state;
	assert_int_equal(nft_diags_parse(text, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, "/p/rules/10-lo.nft");
	assert_int_equal(d.v[0].line, 8);
	assert_int_equal(d.v[0].col, 28);
	assert_string_equal(d.v[0].msg, "syntax error, unexpected '}'");
	assert_string_equal(d.v[0].text, "\t\tiif lo accept counter drop }");
	nft_diags_free(&d);
	assert_null(d.v);
	assert_int_equal(d.n, 0);
}

static void test_diag_several(void **state)
{
	static const char text[] =
		"bad.conf:8:17-17: Error: syntax error, unexpected '}', expecting newline or semicolon\n"
		"\t\tiif lo accept }\n"
		"\t\t              ^\n"
		"bad.conf:4:29-46: Error: conflicting intervals specified\n"
		"\t\telements = { 240.0.0.0/4, 255.255.255.255/32 }\n"
		"\t\t             ~~~~~~~~~~~  ^^^^^^^^^^^^^^^^^^\n"
		"/a:b/c.nft:12:3-9: Error: Could not process rule: No such file or directory\n"
		"  jump nothere\n"
		"       ^^^^^^^\n";
	struct nft_diags d = { 0 };

	(void)state;
	assert_int_equal(nft_diags_parse(text, &d), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[0].line, 8);
	assert_int_equal(d.v[1].line, 4);
	assert_int_equal(d.v[1].col, 29);
	assert_string_equal(d.v[1].msg, "conflicting intervals specified");
	/* a colon in the file name does not confuse the location */
	assert_string_equal(d.v[2].file, "/a:b/c.nft");
	assert_int_equal(d.v[2].line, 12);
	assert_int_equal(d.v[2].col, 3);
	assert_string_equal(d.v[2].text, "  jump nothere");
	nft_diags_free(&d);
}

static void test_diag_without_location(void **state)
{
	static const char text[] =
		"internal:0:0-0: Error: Could not open file \"/x\": No such file or directory\n"
		"\n"
		"Error: Could not process rule: Operation not supported\n"
		"list table inet zzz\n"
		"                ^^^\n";
	struct nft_diags d = { 0 };

	(void)state;
	assert_int_equal(nft_diags_parse(text, &d), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].file, "");
	assert_int_equal(d.v[0].line, 0);
	assert_string_equal(d.v[0].msg, "Could not open file \"/x\": No such file or directory");
	assert_string_equal(d.v[1].file, "");
	assert_string_equal(d.v[1].msg, "Could not process rule: Operation not supported");
	assert_string_equal(d.v[1].text, "list table inet zzz");
	nft_diags_free(&d);
}

static void test_diag_garbage(void **state)
{
	static const char *const texts[] = {
		"", "\n\n\n", "no error here", "x:1:2-3: Warning: something\n",
		"Error: ", "f:99999999999:1-1: Error: huge line\n", ":1:1-1: Error: m\n",
		"f:a:b-c: Error: letters\n", "Error: first\nError: second\nError: third",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct nft_diags d = { 0 };

		assert_int_equal(nft_diags_parse(texts[i], &d), 0);
		for (size_t k = 0; k < d.n; k++)
			assert_true(d.v[k].line >= 0);
		nft_diags_free(&d);
	}
	assert_int_equal(nft_diags_parse(NULL, NULL), 0);
}

/* A caller's own located-error helper, the way the parsers write theirs. */
static int located(struct xerr *e, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = xerr_vat(e, XNFT_EXIT_FINDINGS, "f.nft", 7, col, fmt, ap);
	va_end(ap);
	return rc;
}

static void test_vat(void **state)
{
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(located(&e, 3, "bad %s %d", "thing", 42), -1);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	assert_string_equal(e.file, "f.nft");
	assert_int_equal(e.line, 7);
	assert_int_equal(e.col, 3);
	assert_string_equal(e.msg, "bad thing 42");
}

static void test_strbuf(void **state)
{
	struct strbuf b = { 0 };
	char *s;

	(void)state;
	s = strbuf_take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* far past any fixed scratch size: nothing cut */
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&b, "line %04d\n", i);
	strbuf_adds(&b, "end");
	strbuf_add(&b, "xyz", 1);
	assert_int_equal(b.len, 1000 * 10 + 4);
	s = strbuf_take(&b);
	assert_non_null(s);
	assert_int_equal(strlen(s), 1000 * 10 + 4);
	assert_memory_equal(s, "line 0000\nline 0001\n", 20);
	assert_string_equal(s + 10000, "endx");
	free(s);
	assert_null(b.s);
	/* out of memory is sticky: no partial text is handed on */
	strbuf_adds(&b, "kept?");
	b.oom = true;
	strbuf_adds(&b, "more");
	assert_null(strbuf_take(&b));
	assert_null(b.s);
}

static void test_fixbuf(void **state)
{
	char buf[8] = "";
	struct fixbuf f = { buf, sizeof(buf), 0 }, none = { NULL, 0, 0 };

	(void)state;
	fixbuf_addf(&f, "%s", "abc");
	fixbuf_addf(&f, "%d", 12);
	assert_string_equal(buf, "abc12");
	/* what does not fit is cut; the text stays terminated and stops growing */
	fixbuf_addf(&f, "%s", "xyzzy");
	assert_string_equal(buf, "abc12xy");
	assert_int_equal(f.len, 7);
	fixbuf_addf(&f, "more");
	assert_string_equal(buf, "abc12xy");
	fixbuf_addf(&none, "nothing");
	assert_int_equal(none.len, 0);
}

static void test_clock(void **state)
{
	long long us0, ms, us1;

	(void)state;
	us0 = clock_mono_us();
	ms = clock_mono_ms();
	us1 = clock_mono_us();
	/* one clock in two units: the reading in ms lies between the two in us */
	assert_true(us0 > 0);
	assert_true(us0 <= us1);
	assert_true(us0 / 1000 <= ms);
	assert_true(ms <= us1 / 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_clear),
		cmocka_unit_test(test_at_hint_wrap),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_diag_included),
		cmocka_unit_test(test_diag_several),
		cmocka_unit_test(test_diag_without_location),
		cmocka_unit_test(test_diag_garbage),
		cmocka_unit_test(test_vat),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_fixbuf),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
