// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Day-two changes on values (policy/change.c), the service names
 * (policy/catalog.c) and the WireGuard config reader (policy/wgconf.c):
 * what each accepts, what it refuses and why, without a tree or a kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policy/catalog.h"
#include "policy/change.h"
#include "policy/tempadmin.h"
#include "policy/wgconf.h"

static struct policy_values *mesh_values(void)
{
	struct policy_values *v = calloc(1, sizeof(*v));
	struct xerr e;

	assert_non_null(v);
	policy_values_defaults(v);
	assert_int_equal(policy_values_add_mesh(v, "fd10::/64", &e), 0);
	return v;
}

static void refused(int rc, const struct xerr *e, const char *want)
{
	assert_int_equal(rc, -1);
	if (!strstr(e->msg, want))
		fail_msg("message '%s' lacks '%s'", e->msg, want);
}

static void test_service_parse(void **s)
{
	struct policy_values *v = mesh_values();
	struct policy_service svc;
	struct xerr e;

	(void)s;
	assert_int_equal(change_service_parse(&svc, v, "https", NULL, NULL, &e), 0);
	assert_string_equal(svc.proto, "tcp");
	assert_int_equal(svc.port, 443);
	assert_string_equal(svc.name, "https");
	assert_int_equal(change_service_parse(&svc, v, "udp/6000-6010", "mesh", "game", &e), 0);
	assert_int_equal(svc.port_hi, 6010);
	assert_string_equal(svc.name, "game");
	assert_int_equal(change_service_parse(&svc, v, "tcp/8080", "10.10.0.7", NULL, &e), 0);
	assert_string_equal(svc.from, "10.10.0.7/32");
	assert_int_equal(change_service_parse(&svc, v, "tcp/8080", "fd10::7", NULL, &e), 0);
	assert_string_equal(svc.from, "fd10::7/128");
	assert_int_equal(change_service_parse(&svc, v, "tcp/8080-8080", NULL, NULL, &e), 0);
	assert_int_equal(svc.port_hi, 0);   /* a one-port range is the port */
	refused(change_service_parse(&svc, v, "tcp/0", NULL, NULL, &e), &e, "0");
	refused(change_service_parse(&svc, v, "tcp/65536", NULL, NULL, &e), &e, "65536");
	refused(change_service_parse(&svc, v, "tcp/90-80", NULL, NULL, &e), &e, "reversed");
	refused(change_service_parse(&svc, v, "icmp/8", NULL, NULL, &e), &e, "tcp or udp");
	refused(change_service_parse(&svc, v, "htps", NULL, NULL, &e), &e, "unknown service");
	assert_non_null(strstr(e.hint, "did you mean 'https'"));
	refused(change_service_parse(&svc, v, "https", "0.0.0.0/0", NULL, &e), &e, "whole internet");
	refused(change_service_parse(&svc, v, "https", "anywhere", NULL, &e), &e, "whole internet");
	refused(change_service_parse(&svc, v, "https", "8.8.8.8", NULL, &e), &e, "outside the mesh");
	refused(change_service_parse(&svc, v, "https", "10.10.0.1/24", NULL, &e), &e, "host bits");
	refused(change_service_parse(&svc, v, "https", NULL, "a\"b", &e), &e, "--name");
	refused(change_service_parse(&svc, v, "ssh", "0.0.0.0/0", NULL, &e), &e, "SSH");
	free(v);
}

static void test_allow_deny(void **s)
{
	struct policy_values *v = mesh_values();
	struct policy_service svc;
	struct xerr e;
	size_t removed;

	(void)s;
	assert_int_equal(change_service_parse(&svc, v, "https", NULL, NULL, &e), 0);
	assert_int_equal(change_allow(v, &svc, &e), 0);
	assert_int_equal(v->n_services, 1);
	refused(change_allow(v, &svc, &e), &e, "already open");
	assert_int_equal(change_service_parse(&svc, v, "tcp/400-500", NULL, NULL, &e), 0);
	refused(change_allow(v, &svc, &e), &e, "already open");   /* overlaps 443 */
	assert_int_equal(change_service_parse(&svc, v, "ssh", NULL, NULL, &e), 0);
	refused(change_allow(v, &svc, &e), &e, "SSH_PORT");
	assert_int_equal(change_service_parse(&svc, v, "udp/51000-52000", NULL, NULL, &e), 0);
	refused(change_allow(v, &svc, &e), &e, "WG_PORT");
	assert_int_equal(change_service_parse(&svc, v, "https", "10.10.0.9", NULL, &e), 0);
	assert_int_equal(change_allow(v, &svc, &e), 0);   /* one peer besides the mesh rule */
	assert_int_equal(change_service_parse(&svc, v, "https", NULL, NULL, &e), 0);
	assert_int_equal(change_deny(v, &svc, true, &removed, &e), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(v->n_services, 1);
	assert_string_equal(v->services[0].from, "10.10.0.9/32");
	assert_int_equal(change_deny(v, &svc, false, &removed, &e), 0);
	assert_int_equal(removed, 0);
	refused(change_deny(v, &svc, true, &removed, &e), &e, "not a service xnft opened");
	free(v);
}

static void test_admin_and_sets(void **s)
{
	struct policy_values *v = mesh_values();
	const char (*list)[48];
	size_t n;
	struct xerr e;

	(void)s;
	assert_int_equal(change_admin_add(v, "8.8.8.8/32", false, &e), 0);
	refused(change_admin_add(v, "8.8.8.8", false, &e), &e, "twice");
	refused(change_admin_add(v, "192.0.2.1", false, &e), &e, "documentation");
	refused(change_admin_add(v, "192.0.2.1", true, &e), &e, "documentation");
	refused(change_admin_add(v, "192.168.1.5", false, &e), &e, "private range");
	assert_int_equal(change_admin_add(v, "192.168.1.5", true, &e), 0);
	assert_int_equal(change_admin_del(v, "192.168.1.5/32", &e), 0);
	refused(change_admin_del(v, "9.9.9.9", &e), &e, "not in ADMIN_ALLOWLIST");
	assert_int_equal(change_set_add(v, "MESH_PEERS", "10.20.0.0/24", false, &e), 0);
	refused(change_set_add(v, "MESH_PEERS", "fd20::/64", false, &e), &e, "IPv4 prefixes");
	assert_non_null(strstr(e.hint, "MESH_PEERS6"));
	refused(change_set_add(v, "BANNED6", "2001:db8::/64", false, &e), &e, "ban daemon");
	refused(change_set_add(v, "NOPE", "10.0.0.0/8", false, &e), &e, "not a set");
	assert_int_equal(change_set_list(v, "MESH_PEERS", &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[1], "10.20.0.0/24");
	assert_int_equal(change_set_del(v, "MESH_PEERS", "10.20.0.0/24", &e), 0);
	refused(change_set_del(v, "MESH_PEERS", "10.20.0.0/24", &e), &e, "is not in MESH_PEERS");
	assert_int_equal(change_set_list(v, "ADMIN_ALLOWLIST", &list, &n, &e), 0);
	assert_int_equal(n, 1);
	free(v);
}

static void test_rate(void **s)
{
	struct policy_values *v = mesh_values();
	struct policy_service svc;
	struct xerr e;

	(void)s;
	assert_int_equal(change_service_parse(&svc, v, "https", NULL, NULL, &e), 0);
	assert_int_equal(change_service_rate(&svc, "20/minute", &e), 0);
	assert_int_equal(svc.rate, 20);
	assert_string_equal(svc.rate_unit, "minute");
	refused(change_service_rate(&svc, "0/minute", &e), &e, "--rate");
	refused(change_service_rate(&svc, "20/week", &e), &e, "second, minute, hour or day");
	refused(change_service_rate(&svc, "20", &e), &e, "N/UNIT");
	refused(change_service_rate(&svc, "/minute", &e), &e, "N/UNIT");
	refused(change_service_rate(&svc, "+5/second", &e), &e, "N/UNIT");
	refused(change_service_rate(&svc, "100001/second", &e), &e, "100000");
	assert_int_equal(change_service_rate(&svc, "20/minute", &e), 0);
	assert_int_equal(change_allow(v, &svc, &e), 0);
	assert_int_equal(change_service_parse(&svc, v, "https", NULL, NULL, &e), 0);
	refused(change_allow(v, &svc, &e), &e, "already open");
	assert_non_null(strstr(e.hint, "to change its rate"));
	free(v);
}

/* What render writes for v's services, read back: the same services, rendered again the same. */
static void test_rate_round_trip(void **s)
{
	struct policy_values *v = mesh_values(), *back = calloc(1, sizeof(*back));
	const char *path = "rules/40-services.nft";
	struct policy_service svc;
	unsigned seen[32] = { 0 };
	char *text = NULL, *again = NULL;
	struct xerr e;

	(void)s;
	assert_non_null(back);
	assert_int_equal(change_service_parse(&svc, v, "https", NULL, NULL, &e), 0);
	assert_int_equal(change_service_rate(&svc, "20/minute", &e), 0);
	assert_int_equal(change_allow(v, &svc, &e), 0);
	assert_int_equal(change_service_parse(&svc, v, "tcp/8000-8010", "fd10::7", "api", &e), 0);
	assert_int_equal(change_service_rate(&svc, "3/hour", &e), 0);
	assert_int_equal(change_allow(v, &svc, &e), 0);
	assert_int_equal(change_service_parse(&svc, v, "dns", NULL, NULL, &e), 0);
	assert_int_equal(change_allow(v, &svc, &e), 0);
	assert_int_equal(policy_render_file(v, path, &text, &e), 0);
	assert_non_null(strstr(text, "meter svc4_tcp_443 size 65536 { ip saddr timeout 1m limit "
			       "rate 20/minute burst 20 packets } counter accept"));
	assert_non_null(strstr(text, "meter svc6_tcp_443 "));
	assert_non_null(strstr(text, "tcp dport 443 ct state new counter drop comment \"service: "
			       "https over the per-source rate (mesh-only)\""));
	assert_non_null(strstr(text, "ip6 saddr fd10::7/128 tcp dport 8000-8010 ct state new meter "
			       "svc6_tcp_8000_8010_fd10__7_128 size 65536 { ip6 saddr timeout 1h"));
	assert_null(strstr(text, "svc4_tcp_8000"));   /* an IPv6 source needs no IPv4 meter */
	assert_int_equal(policy_read_text(back, path, text, strlen(text), seen, &e), 0);
	assert_int_equal(back->n_services, 3);
	assert_int_equal(back->services[0].rate, 20);
	assert_string_equal(back->services[0].rate_unit, "minute");
	assert_int_equal(back->services[1].rate, 3);
	assert_string_equal(back->services[1].from, "fd10::7/128");
	assert_int_equal(back->services[2].rate, 0);
	back->log_nflog = false;
	memcpy(back->mesh4, v->mesh4, sizeof(v->mesh4));
	back->n_mesh4 = v->n_mesh4;
	back->ssh_port = v->ssh_port;
	back->wg_port = v->wg_port;
	memcpy(back->wan_if, v->wan_if, sizeof(v->wan_if));
	memcpy(back->mesh_if, v->mesh_if, sizeof(v->mesh_if));
	assert_int_equal(policy_render_existing(back, path, text, strlen(text), &again, &e), 0);
	assert_string_equal(again, text);
	free(again);
	free(text);
	free(back);
	free(v);
}

static void test_for(void **s)
{
	unsigned secs = 0;
	struct xerr e;

	(void)s;
	assert_int_equal(tempadmin_parse_for("2h", &secs, &e), 0);
	assert_int_equal(secs, 7200);
	assert_int_equal(tempadmin_parse_for("1h30m", &secs, &e), 0);
	assert_int_equal(secs, 5400);
	assert_int_equal(tempadmin_parse_for("30d", &secs, &e), 0);
	refused(tempadmin_parse_for("31d", &secs, &e), &e, "30 days");
	refused(tempadmin_parse_for("0s", &secs, &e), &e, "at least 1s");
	refused(tempadmin_parse_for("1500ms", &secs, &e), &e, "whole seconds");
	refused(tempadmin_parse_for("soon", &secs, &e), &e, "not a duration");
}

static void test_catalog(void **s)
{
	(void)s;
	assert_non_null(catalog_find("node-exporter"));
	assert_int_equal(catalog_find("postgres")->port, 5432);
	assert_null(catalog_find("HTTPS"));
	assert_string_equal(catalog_suggest("postgress"), "postgres");
	assert_null(catalog_suggest("completely-unrelated"));
}

static void test_wgconf(void **s)
{
	struct wg_conf *c = calloc(1, sizeof(*c));
	struct policy_values *v = mesh_values();
	char notes[512];
	struct xerr e;

	(void)s;
	assert_int_equal(wgconf_parse("t.conf", "[Interface]\nListenPort = 4500\n"
				      "Address = 10.9.0.1/24\n[Peer]\nPublicKey = x\n"
				      "AllowedIPs = 10.9.0.2/32, 192.168.50.0/24\n"
				      "[Peer]\nPublicKey = y\nAllowedIPs = ::/0\n", c, &e), 0);
	assert_int_equal(c->listen_port, 4500);
	assert_int_equal(c->n_peers, 2);
	assert_int_equal(wgconf_to_values(c, "wg1", v, notes, sizeof(notes), &e), 0);
	assert_int_equal(v->wg_port, 4500);
	assert_string_equal(v->mesh_if, "wg1");
	assert_int_equal(v->n_mesh4, 2);
	assert_string_equal(v->mesh4[0], "10.9.0.0/24");
	assert_string_equal(v->mesh4[1], "192.168.50.0/24");
	assert_int_equal(v->n_mesh6, 0);
	assert_non_null(strstr(notes, "::/0 left out"));
	assert_int_equal(wgconf_parse("t.conf", "[Interface]\nAddress = 10.9.0.300/24\n", c, &e),
			 -1);
	assert_int_equal(e.line, 2);
	assert_int_equal(wgconf_parse("t.conf", "junk without equals\n", c, &e), -1);
	assert_int_equal(e.line, 1);
	assert_int_equal(wgconf_parse("t.conf", "[Peer]\nAllowedIPs = 0.0.0.0/0\n", c, &e), 0);
	refused(wgconf_to_values(c, "wg1", v, notes, sizeof(notes), &e), &e, "no mesh network");
	free(c);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_parse),
		cmocka_unit_test(test_allow_deny),
		cmocka_unit_test(test_admin_and_sets),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_rate_round_trip),
		cmocka_unit_test(test_for),
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_wgconf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
