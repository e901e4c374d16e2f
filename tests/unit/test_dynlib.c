// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Libraries loaded at run time (src/core/dynlib.c), on libc itself, which
 * every process has: the table filled, a missing library and a missing
 * symbol reported by name with the package hint, and one load for many
 * threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dynlib.h"

static struct {
	__typeof__(strlen) *strlen_;
	__typeof__(getpid) *getpid_;
} libc;

static const struct dynlib_sym libc_syms[] = {
	DYNLIB_SYM(libc, strlen_, "strlen"),
	DYNLIB_SYM(libc, getpid_, "getpid"),
};

static void test_load(void **state)
{
	struct xerr e;
	void *h = NULL;

	(void)state;
	memset(&libc, 0, sizeof(libc));
	assert_int_equal(dynlib_load("libc.so.6", "libc6", libc_syms, 2, &libc, &h, &e), 0);
	assert_non_null(h);
	assert_int_equal(libc.strlen_("mesh"), 4);
	assert_int_equal(libc.getpid_(), getpid());
}

static void test_missing_library(void **state)
{
	struct xerr e;
	void *h = &e;

	(void)state;
	assert_int_equal(dynlib_load("libxnft-no-such-library.so.0", "libxnft-nothing", libc_syms, 2,
				     &libc, &h, &e), -1);
	assert_null(h);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "cannot load libxnft-no-such-library.so.0"));
	assert_non_null(strstr(e.hint, "install the libxnft-nothing package"));
	/* no package: no hint */
	assert_int_equal(dynlib_load("libxnft-no-such-library.so.0", NULL, libc_syms, 2, &libc, &h,
				     &e), -1);
	assert_string_equal(e.hint, "");
}

static void test_missing_symbol(void **state)
{
	static struct {
		__typeof__(strlen) *strlen_;
		__typeof__(strlen) *nothing;
	} t;
	static const struct dynlib_sym syms[] = {
		DYNLIB_SYM(t, strlen_, "strlen"),
		DYNLIB_SYM(t, nothing, "xnft_no_such_function"),
	};
	struct xerr e;
	void *h = &e;

	(void)state;
	assert_int_equal(dynlib_load("libc.so.6", "libc6", syms, 2, &t, &h, &e), -1);
	assert_null(h);
	assert_string_equal(e.msg, "libc.so.6 has no symbol xnft_no_such_function "
			    "(too old a version?)");
	assert_non_null(strstr(e.hint, "upgrade the libc6 package"));
	/* nothing half-filled is left to call */
	assert_null(t.strlen_);
	assert_null(t.nothing);
}

static struct {
	__typeof__(strlen) *strlen_;
} shared;

static const struct dynlib_sym shared_syms[] = {
	DYNLIB_SYM(shared, strlen_, "strlen"),
};

static struct dynlib shared_lib = DYNLIB_INIT("libc.so.6", "libc6", shared_syms, &shared);

static void *get_shared(void *arg)
{
	struct xerr e;

	(void)arg;
	if (dynlib_get(&shared_lib, &e) < 0 || shared.strlen_("ban") != 3)
		return (void *)1;
	return NULL;
}

static void test_get_threads(void **state)
{
	pthread_t th[8];
	void *handle;

	(void)state;
	assert_int_equal(shared_lib.nsyms, 1);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, get_shared, NULL), 0);
	for (size_t i = 0; i < 8; i++) {
		void *r;

		assert_int_equal(pthread_join(th[i], &r), 0);
		assert_null(r);
	}
	assert_true(shared_lib.loaded);
	handle = shared_lib.handle;
	assert_null(get_shared(NULL));
	assert_ptr_equal(shared_lib.handle, handle);
}

static void test_get_retries(void **state)
{
	static struct {
		__typeof__(strlen) *strlen_;
	} t;
	static const struct dynlib_sym syms[] = {
		DYNLIB_SYM(t, strlen_, "strlen"),
	};
	static struct dynlib lib = DYNLIB_INIT("libxnft-no-such-library.so.0", "libxnft-nothing",
					       syms, &t);
	struct xerr e;

	(void)state;
	assert_int_equal(dynlib_get(&lib, &e), -1);
	assert_false(lib.loaded);
	/* not remembered: a library installed meanwhile is found on the next call */
	lib.soname = "libc.so.6";
	assert_int_equal(dynlib_get(&lib, &e), 0);
	assert_int_equal(t.strlen_("xnft"), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_symbol),
		cmocka_unit_test(test_get_threads),
		cmocka_unit_test(test_get_retries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
