// SPDX-License-Identifier: GPL-2.0-or-later
/* Prefixes, ports and interface names: src/core/addr.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"

/* text parses and formats as canon. */
static void parses_as(const char *text, const char *canon)
{
	struct prefix p;
	struct xerr e;
	char buf[PREFIX_STRLEN];

	xerr_clear(&e);
	if (prefix_parse(&p, text, &e) < 0)
		fail_msg("'%s' did not parse: %s", text, e.msg);
	prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, canon);
}

/* text is refused with a message containing msg and a hint containing hint (or no hint). */
static void refused(const char *text, const char *msg, const char *hint)
{
	struct prefix p;
	struct xerr e;

	xerr_clear(&e);
	memset(&p, 0xaa, sizeof(p));
	if (prefix_parse(&p, text, &e) == 0)
		fail_msg("'%s' parsed but should not", text);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	if (!strstr(e.msg, msg))
		fail_msg("message for '%s' is '%s', expected to contain '%s'", text, e.msg, msg);
	if (hint && !strstr(e.hint, hint))
		fail_msg("hint for '%s' is '%s', expected to contain '%s'", text, e.hint, hint);
	assert_int_equal(p.family, 0);
	assert_int_equal(p.len, 0);
}

static void test_parse_ipv4(void **s)
{
	(void)s;
	parses_as("10.10.0.0/24", "10.10.0.0/24");
	parses_as("10.10.0.5", "10.10.0.5/32");
	parses_as("0.0.0.0/0", "0.0.0.0/0");
	parses_as("255.255.255.255/32", "255.255.255.255/32");
	parses_as("192.168.0.0/16", "192.168.0.0/16");
	parses_as("172.16.0.0/12", "172.16.0.0/12");
	parses_as("10.10.0.128/25", "10.10.0.128/25");
}

static void test_parse_ipv6(void **s)
{
	(void)s;
	parses_as("fd10::/64", "fd10::/64");
	parses_as("FD10:0000:0000:0000::/64", "fd10::/64");
	parses_as("2001:db8::1", "2001:db8::1/128");
	parses_as("::/0", "::/0");
	parses_as("::1", "::1/128");
	parses_as("fe80::/10", "fe80::/10");
	parses_as("2001:0db8:0000:0000:0001:0000:0000:0000/80", "2001:db8:0:0:1::/80");
	parses_as("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104");
}

static void test_parse_fields(void **s)
{
	struct prefix p;
	struct xerr e;
	const unsigned char v4[16] = { 10, 10, 0, 0 };
	const unsigned char v6[16] = { 0xfd, 0x10 };

	(void)s;
	assert_int_equal(prefix_parse(&p, "10.10.0.0/24", &e), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_memory_equal(p.addr, v4, 16);
	assert_int_equal(prefix_parse(&p, "fd10::/64", &e), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 64);
	assert_memory_equal(p.addr, v6, 16);
	assert_int_equal(prefix_max_len(AF_INET), 32);
	assert_int_equal(prefix_max_len(AF_INET6), 128);
}

static void test_host_bits(void **s)
{
	(void)s;
	refused("10.10.0.1/24", "host bits set beyond /24", "did you mean 10.10.0.0/24?");
	refused("10.10.0.255/16", "host bits", "did you mean 10.10.0.0/16?");
	refused("1.2.3.4/0", "host bits", "did you mean 0.0.0.0/0?");
	refused("10.10.0.129/25", "host bits", "did you mean 10.10.0.128/25?");
	refused("fd10::1/64", "host bits set beyond /64", "did you mean fd10::/64?");
	refused("2001:db8:ffff::/33", "host bits", "did you mean 2001:db8:8000::/33?");
}

static void test_keep_host_bits(void **s)
{
	struct prefix p;
	struct xerr e;
	char buf[PREFIX_STRLEN];

	(void)s;
	assert_int_equal(prefix_parse_flags(&p, "10.10.0.1/24", PREFIX_KEEP_HOST_BITS, &e), 0);
	prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "10.10.0.1/24");
	prefix_mask(&p);
	prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "10.10.0.0/24");
	prefix_format_addr(&p, buf, sizeof(buf));
	assert_string_equal(buf, "10.10.0.0");
}

static void test_addr_only(void **s)
{
	struct prefix p;
	struct xerr e;

	(void)s;
	assert_int_equal(prefix_parse_flags(&p, "10.0.0.1", PREFIX_ADDR_ONLY, &e), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(prefix_parse_flags(&p, "10.0.0.0/8", PREFIX_ADDR_ONLY, &e), -1);
	assert_non_null(strstr(e.msg, "single address"));
}

static void test_bad_addresses(void **s)
{
	(void)s;
	refused("", "empty address", NULL);
	refused("10.10.0", "'10.10.0' is not an IPv4", "four decimal numbers");
	refused("10.10.0.256/24", "is not an IPv4", NULL);
	refused("010.10.0.0/24", "is not an IPv4", "leading zeros");
	refused("10.10.0.0 /24", "is not an IPv4", NULL);
	refused(" 10.10.0.0/24", "is not an IPv4", NULL);
	refused("/24", "is not an IPv4", NULL);
	refused("eth0", "'eth0' is not an IPv4 or IPv6", NULL);
	refused("fd10:::/64", "is not an IPv6", "fd10::/64");
	refused("fe80::1%eth0", "is not an IPv6", NULL);
	refused("1:2:3:4:5:6:7:8:9", "is not an IPv6", NULL);
	refused("10.0.0.0/8/8", "prefix length '8/8' is not a number", NULL);
	refused("0x0a.0.0.0/8", "is not an IPv4", NULL);
	refused("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "too long", NULL);
}

static void test_bad_lengths(void **s)
{
	(void)s;
	refused("10.0.0.0/33", "prefix length 33 is too long for IPv4 (at most 32)", NULL);
	refused("fd10::/129", "prefix length 129 is too long for IPv6 (at most 128)", NULL);
	refused("10.0.0.0/", "prefix length '' is not a number 0..32", NULL);
	refused("10.0.0.0/-8", "is not a number", NULL);
	refused("10.0.0.0/+8", "is not a number", NULL);
	refused("10.0.0.0/08", "is not a number", NULL);
	refused("10.0.0.0/ 8", "is not a number", NULL);
	refused("10.0.0.0/8 ", "is not a number", NULL);
	refused("10.0.0.0/1000", "is not a number", NULL);
	refused("fd10::/6x", "is not a number 0..128", NULL);
}

static void test_unprintable_shown_safely(void **s)
{
	struct prefix p;
	struct xerr e;

	(void)s;
	assert_int_equal(prefix_parse(&p, "10.0.0.\x01/8", &e), -1);
	assert_non_null(strstr(e.msg, "'10.0.0.?/8'"));
}

static void test_addr_shown(void **s)
{
	char buf[8];

	(void)s;
	addr_shown(buf, sizeof(buf), "abc");
	assert_string_equal(buf, "abc");
	addr_shown(buf, sizeof(buf), "abcdefghij");
	assert_string_equal(buf, "abcd...");
	addr_shown(buf, sizeof(buf), "a\tb\xff");
	assert_string_equal(buf, "a?b?");
	addr_shown(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "");
}

static struct prefix P(const char *text)
{
	struct prefix p;
	struct xerr e;

	if (prefix_parse(&p, text, &e) < 0)
		fail_msg("'%s': %s", text, e.msg);
	return p;
}

static void test_contains_overlaps(void **s)
{
	struct prefix a = P("10.0.0.0/8"), b = P("10.10.0.0/24"), c = P("10.10.0.128/25");
	struct prefix d = P("192.168.0.0/16"), all = P("0.0.0.0/0"), h = P("10.10.0.200");
	struct prefix v6 = P("fd10::/64"), v6h = P("fd10::5"), v6all = P("::/0");
	struct prefix bogon = P("240.0.0.0/4"), bcast = P("255.255.255.255");

	(void)s;
	assert_true(prefix_contains(&a, &b));
	assert_false(prefix_contains(&b, &a));
	assert_true(prefix_contains(&b, &b));
	assert_true(prefix_contains(&b, &c));
	assert_true(prefix_contains(&c, &h));
	assert_false(prefix_contains(&d, &b));
	assert_true(prefix_contains(&all, &d));
	assert_true(prefix_overlaps(&a, &b));
	assert_true(prefix_overlaps(&b, &a));
	assert_false(prefix_overlaps(&a, &d));
	assert_true(prefix_overlaps(&bogon, &bcast));
	assert_true(prefix_contains(&v6, &v6h));
	assert_true(prefix_contains(&v6all, &v6));
	/* Families never mix, not even ::/0 and 0.0.0.0/0. */
	assert_false(prefix_contains(&v6all, &a));
	assert_false(prefix_overlaps(&all, &v6all));
	assert_true(prefix_equal(&b, &b));
	assert_false(prefix_equal(&b, &c));
}

static void port_ok(const char *text, unsigned want)
{
	unsigned port;
	struct xerr e;

	if (port_parse(&port, text, &e) < 0)
		fail_msg("port '%s': %s", text, e.msg);
	assert_int_equal(port, want);
}

static void port_bad(const char *text, const char *msg)
{
	unsigned port = 7;
	struct xerr e;

	xerr_clear(&e);
	assert_int_equal(port_parse(&port, text, &e), -1);
	assert_int_equal(port, 0);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	if (!strstr(e.msg, msg))
		fail_msg("port '%s': message '%s' lacks '%s'", text ? text : "(null)", e.msg, msg);
}

static void test_ports(void **s)
{
	(void)s;
	port_ok("1", 1);
	port_ok("22", 22);
	port_ok("51820", 51820);
	port_ok("65535", 65535);
	port_bad("0", "port 0 cannot be used");
	port_bad("00", "port 0 cannot be used");
	port_bad("65536", "port '65536' is out of range");
	port_bad("99999999999999999999", "out of range");
	port_bad("022", "no leading zeros");
	port_bad("", "empty port");
	port_bad(NULL, "empty port");
	port_bad("+22", "'+22' is not a port number");
	port_bad("-22", "is not a port number");
	port_bad(" 22", "is not a port number");
	port_bad("22 ", "is not a port number");
	port_bad("0x16", "is not a port number");
	port_bad("22a", "is not a port number");
	port_bad("ssh", "is not a port number");
}

static void ifname_ok(const char *name)
{
	struct xerr e;

	if (ifname_validate(name, &e) < 0)
		fail_msg("interface '%s': %s", name, e.msg);
}

static void ifname_bad(const char *name, const char *msg)
{
	struct xerr e;

	xerr_clear(&e);
	assert_int_equal(ifname_validate(name, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	if (!strstr(e.msg, msg))
		fail_msg("interface: message '%s' lacks '%s'", e.msg, msg);
}

static void test_ifnames(void **s)
{
	(void)s;
	ifname_ok("eth0");
	ifname_ok("wg0");
	ifname_ok("enp0s31f6");
	ifname_ok("tailscale0");
	ifname_ok("a");
	ifname_ok("123456789012345");
	ifname_ok("wg*");
	ifname_ok("br-1234.5_x@y");
	ifname_bad("", "empty interface name");
	ifname_bad(NULL, "empty interface name");
	ifname_bad("1234567890123456", "longer than 15 characters");
	ifname_bad(".", "not a valid interface name");
	ifname_bad("..", "not a valid interface name");
	ifname_bad("eth0/1", "contains '/'");
	ifname_bad("eth 0", "contains whitespace");
	ifname_bad("eth0\t", "contains whitespace");
	ifname_bad("eth0:1", "contains ':'");
	ifname_bad("et\"h0", "quote");
	ifname_bad("eth\\0", "quote or backslash");
	ifname_bad("eth\x01", "unprintable");
	ifname_bad("eth\xc3\xa9", "unprintable");
	ifname_bad("*", "wildcard");
	ifname_bad("w*g", "wildcard");
	ifname_bad("wg**", "wildcard");
}

static void test_prefix_bounds(void **state)
{
	const unsigned char a[4] = { 10, 1, 0xb7, 9 };
	unsigned char lo[4], hi[4], same[4];

	(void)state;
	addr_prefix_bounds(a, 4, 20, lo, hi);
	assert_memory_equal(lo, ((unsigned char[]){ 10, 1, 0xb0, 0 }), 4);
	assert_memory_equal(hi, ((unsigned char[]){ 10, 1, 0xbf, 0xff }), 4);
	addr_prefix_bounds(a, 4, 32, lo, hi);
	assert_memory_equal(lo, a, 4);
	assert_memory_equal(hi, a, 4);
	addr_prefix_bounds(a, 4, 0, lo, hi);
	assert_memory_equal(lo, ((unsigned char[]){ 0, 0, 0, 0 }), 4);
	assert_memory_equal(hi, ((unsigned char[]){ 0xff, 0xff, 0xff, 0xff }), 4);
	/* in place, the way prefix_mask uses it */
	memcpy(same, a, 4);
	addr_prefix_bounds(same, 4, 9, same, NULL);
	assert_memory_equal(same, ((unsigned char[]){ 10, 0, 0, 0 }), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_keep_host_bits),
		cmocka_unit_test(test_addr_only),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_unprintable_shown_safely),
		cmocka_unit_test(test_addr_shown),
		cmocka_unit_test(test_contains_overlaps),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ifnames),
		cmocka_unit_test(test_prefix_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
