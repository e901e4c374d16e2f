// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mesh.conf reader: src/mesh/inventory.c. A good inventory, and bad ones with
 * the exact file:line. Keys (src/mesh/keys.c) against RFC 7748's test vector.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "mesh/inventory.h"
#include "mesh/keys.h"

#define KEY_A "YMAanVSBlQ3tGBlRmh8m3wQTnlRy/8tTHNsNfL7xR0o="

static const char good[] =
	"# the lab's mesh\n"                                   /* 1 */
	"[mesh]\n"                                             /* 2 */
	"interface = wg0\n"                                    /* 3 */
	"port = 51820\n"                                       /* 4 */
	"network = 10.10.0.0/24\n"                             /* 5 */
	"network6 = fd10::/64\n"                               /* 6 */
	"\n"                                                   /* 7 */
	"[host hub]\n"                                         /* 8 */
	"address = 10.10.0.1\n"                                /* 9 */
	"address6 = fd10::1\n"                                 /* 10 */
	"role = hub\n"                                         /* 11 */
	"endpoint = 192.0.2.1:51820\n"                         /* 12 */
	"public_key = " KEY_A "\n"                             /* 13 */
	"services = tcp/22:ssh, tcp/5432:postgres\n"           /* 14 */
	"\n"                                                   /* 15 */
	"[host peer1]\n"                                       /* 16 */
	"address = 10.10.0.2\n"                                /* 17 */
	"keepalive = 25\n"                                     /* 18 */
	"reach = hub:ssh, hub:postgres\n"                      /* 19 */
	"allowed_ips = 192.168.50.0/24\n"                      /* 20 */
	"\n"                                                   /* 21 */
	"[host peer2]\n"                                       /* 22 */
	"address = 10.10.0.3   # roaming laptop\n"             /* 23 */
	"groups = admins\n"                                    /* 24 */
	"\n"                                                   /* 25 */
	"[group admins]\n"                                     /* 26 */
	"reach = hub:ssh\n";                                   /* 27 */

/* good with line `line` (1-based) replaced by repl ("" deletes it). */
static void variant(char *out, size_t size, int line, const char *repl)
{
	const char *p = good;
	size_t len = 0;

	for (int n = 1; *p; n++) {
		const char *nl = strchr(p, '\n');
		size_t l = (size_t)(nl - p) + 1;

		if (n == line)
			len += (size_t)snprintf(out + len, size - len, "%s%s", repl, *repl ? "\n" : "");
		else
			len += (size_t)snprintf(out + len, size - len, "%.*s", (int)l, p);
		p += l;
	}
}

static void refused_at(const char *text, int line, const char *msg)
{
	struct mesh_inventory *inv = NULL;
	struct xerr e;

	xerr_clear(&e);
	if (mesh_inventory_parse("m.conf", text, &inv, &e) == 0) {
		mesh_inventory_free(inv);
		fail_msg("parsed but should not:\n%s", text);
	}
	assert_null(inv);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	assert_string_equal(e.file, "m.conf");
	if (e.line != line || !strstr(e.msg, msg))
		fail_msg("got m.conf:%d: %s; expected line %d and '%s'", e.line, e.msg, line, msg);
}

static void refused_variant(int line, const char *repl, int err_line, const char *msg)
{
	char text[4096];

	variant(text, sizeof(text), line, repl);
	refused_at(text, err_line, msg);
}

static void test_good(void **state)
{
	struct mesh_inventory *inv = NULL;
	const struct mesh_host *hub, *p1, *p2;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	if (mesh_inventory_parse("m.conf", good, &inv, &e) < 0)
		fail_msg("m.conf:%d: %s", e.line, e.msg);
	assert_int_equal(inv->nhosts, 3);
	assert_string_equal(inv->iface, "wg0");
	assert_int_equal(inv->topology, MESH_TOPO_STAR);
	hub = mesh_host_find(inv, "hub");
	p1 = mesh_host_find(inv, "peer1");
	p2 = mesh_host_find(inv, "peer2");
	assert_non_null(hub);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_int_equal(hub->role, MESH_ROLE_HUB);
	assert_int_equal(hub->nservices, 2);
	assert_int_equal(hub->services[1].port, 5432);
	assert_int_equal(hub->services[1].proto, IPPROTO_TCP);
	assert_int_equal(hub->services[1].line, 14);
	assert_string_equal(hub->public_key, KEY_A);
	assert_int_equal(p1->keepalive, 25);
	assert_int_equal(p1->nreach, 2);
	assert_string_equal(p1->reach[1].service, "postgres");
	assert_int_equal(p1->nextra, 1);
	assert_int_equal(p2->addr4_line, 23);
	assert_true(mesh_direct_peers(inv, hub, p1));
	assert_false(mesh_direct_peers(inv, p1, p2));
	assert_null(mesh_host_find(inv, "nobody"));
	mesh_inventory_free(inv);
}

static void test_duplicate_address(void **state)
{
	(void)state;
	refused_variant(23, "address = 10.10.0.2", 23, "duplicate address: host peer2 has 10.10.0.2/32");
	refused_variant(22, "[host peer1]", 22, "host 'peer1' is defined twice (first at line 16)");
}

static void test_overlapping_allowed_ips(void **state)
{
	(void)state;
	refused_variant(24, "allowed_ips = 192.168.0.0/16", 24,
			"overlapping AllowedIPs: 192.168.0.0/16 of host peer2 overlaps 192.168.50.0/24");
	refused_variant(24, "allowed_ips = 10.10.0.0/28", 24, "overlaps 10.10.0.1/32 of host hub");
}

static void test_bad_key(void **state)
{
	(void)state;
	refused_variant(13, "public_key = AAAA", 13, "public_key of host hub is not 32 bytes of base64");
	/* 33 bytes: 44 characters would be 32, this is 48. */
	refused_variant(13, "public_key = YMAanVSBlQ3tGBlRmh8m3wQTnlRy/8tTHNsNfL7xR0oAAAA=", 13,
			"not 32 bytes of base64");
	refused_variant(13, "public_key = YMAanVSBlQ3tGBlRmh8m3wQTnlRy/8tTHNsNfL7xR0*=", 13,
			"not 32 bytes of base64");
}

static void test_hubless_star(void **state)
{
	(void)state;
	refused_variant(11, "role = peer", 8, "a star mesh without a hub");
	refused_variant(12, "", 8, "hub hub has no endpoint");
}

static void test_full_mesh_needs_no_hub(void **state)
{
	struct mesh_inventory *inv = NULL;
	char text[4096];
	struct xerr e;

	(void)state;
	variant(text, sizeof(text), 11, "role = peer");
	strcat(text, "[mesh]\ntopology = full\n");
	if (mesh_inventory_parse("m.conf", text, &inv, &e) < 0)
		fail_msg("m.conf:%d: %s", e.line, e.msg);
	assert_true(mesh_direct_peers(inv, &inv->hosts[1], &inv->hosts[2]));
	mesh_inventory_free(inv);
}

static void test_service_not_open(void **state)
{
	(void)state;
	refused_variant(19, "reach = hub:ssh, hub:http", 19,
			"peer1 may reach hub:http, but host hub does not open a service 'http'");
	refused_variant(27, "reach = peer1:ssh", 27, "group admins may reach peer1:ssh");
	refused_variant(19, "reach = nobody:ssh", 19, "there is no host 'nobody'");
	refused_variant(19, "reach = peer1:ssh", 19, "host peer1 may reach itself");
}

static void test_syntax_and_values(void **state)
{
	(void)state;
	refused_variant(18, "keepalive = 70000", 18, "keepalive: '70000' is not a whole number");
	refused_variant(18, "colour = blue", 18, "[host peer1]: unknown key 'colour'");
	refused_variant(18, "no equals sign", 18, "syntax error");
	refused_variant(16, "[hosts peer1]", 16, "unknown section [hosts peer1]");
	refused_variant(17, "address = 10.10.1.2", 17, "outside the mesh network 10.10.0.0/24");
	refused_variant(17, "address = fd10::2", 17, "not an IPv4 address");
	refused_variant(14, "services = tcp/22:ssh, sctp/9:x", 14, "protocol 'sctp'");
	refused_variant(14, "services = tcp/22:ssh, tcp/23:ssh", 14, "already has a service named 'ssh'");
	refused_variant(12, "endpoint = nohostport", 12, "not HOST:PORT");
	refused_variant(24, "groups = ops", 24, "group 'ops', which has no [group ops]");
	refused_variant(17, "", 16, "host peer1 has no address");
	refused_variant(3, "interface = wg/0", 3, "not an interface name");
	refused_variant(1, "address = 10.0.0.1", 1, "outside any section");
}

static void test_key_decode(void **state)
{
	unsigned char raw[32];

	(void)state;
	assert_int_equal(mesh_key_decode(KEY_A, raw), 0);
	assert_int_equal(mesh_key_decode("", raw), -1);
	assert_int_equal(mesh_key_decode("YMAanVSBlQ3tGBlRmh8m3wQTnlRy/8tTHNsNfL7xR0o", raw), -1);
	assert_true(mesh_name_valid("peer-1.lan"));
	assert_false(mesh_name_valid("-x"));
	assert_false(mesh_name_valid("a b"));
}

/* RFC 7748 section 6.1, Alice: the clamped scalar and its public key, in base64. */
static void test_keypair_rfc7748(void **state)
{
	struct mesh_keypair k, fresh;
	struct xerr e;

	(void)state;
	assert_int_equal(mesh_keypair_from_private(&k, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
						   &e), 0);
	assert_string_equal(k.pub, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
	assert_int_equal(mesh_keypair_from_private(&k, "short", &e), -1);
	assert_int_equal(mesh_keypair_new(&fresh, &e), 0);
	assert_int_equal(mesh_keypair_from_private(&k, fresh.priv, &e), 0);
	assert_string_equal(k.pub, fresh.pub);
}

static void test_psk_path(void **state)
{
	char a[128], b[128];

	(void)state;
	mesh_psk_path("/k", "peer1", "hub", a, sizeof(a));
	mesh_psk_path("/k", "hub", "peer1", b, sizeof(b));
	assert_string_equal(a, "/k/psk/hub+peer1.psk");
	assert_string_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_duplicate_address),
		cmocka_unit_test(test_overlapping_allowed_ips),
		cmocka_unit_test(test_bad_key),
		cmocka_unit_test(test_hubless_star),
		cmocka_unit_test(test_full_mesh_needs_no_hub),
		cmocka_unit_test(test_service_not_open),
		cmocka_unit_test(test_syntax_and_values),
		cmocka_unit_test(test_key_decode),
		cmocka_unit_test(test_keypair_rfc7748),
		cmocka_unit_test(test_psk_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
