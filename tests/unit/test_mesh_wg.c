// SPDX-License-Identifier: GPL-2.0-or-later
/* WireGuard's userspace API reply, as src/mesh/wgread.c parses it for sync-peers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "mesh/wgread.h"

static void test_reply(void **state)
{
	static const char reply[] =
		"private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\n"
		"listen_port=51820\n"
		"public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\n"
		"endpoint=[abcd:23::33%2]:51820\n"
		"allowed_ip=10.10.0.2/32\n"
		"allowed_ip=fd10::2/128\n"
		"last_handshake_time_sec=1\n"
		"public_key=58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376\n"
		"allowed_ip=192.168.4.7/24\n"   /* host bits: masked to the network */
		"protocol_version=1\n"
		"errno=0\n\n";
	struct wg_allowed a = { 0 };
	struct xerr e;
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(wg_parse_uapi(reply, &a, &e), 0);
	assert_int_equal(a.npeers, 2);
	assert_int_equal(a.n, 3);
	prefix_format(&a.v[0], buf, sizeof(buf));
	assert_string_equal(buf, "10.10.0.2/32");
	prefix_format(&a.v[1], buf, sizeof(buf));
	assert_string_equal(buf, "fd10::2/128");
	prefix_format(&a.v[2], buf, sizeof(buf));
	assert_string_equal(buf, "192.168.4.0/24");
	wg_allowed_free(&a);
}

static void test_errors(void **state)
{
	struct wg_allowed a = { 0 };
	struct xerr e;

	(void)state;
	assert_int_equal(wg_parse_uapi("errno=19\n\n", &a, &e), -1);
	assert_non_null(strstr(e.msg, "errno=19"));
	wg_allowed_free(&a);
	assert_int_equal(wg_parse_uapi("public_key=00\nallowed_ip=10.0.0.300/32\n\n", &a, &e), -1);
	assert_non_null(strstr(e.msg, "not a prefix"));
	wg_allowed_free(&a);
	assert_int_equal(wg_parse_uapi("errno=0\n\n", &a, &e), 0);
	assert_int_equal(a.n, 0);
	wg_allowed_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
