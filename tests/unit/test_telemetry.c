// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Telemetry pieces that need no kernel: label escaping of the exposition,
 * the [metrics] section of xnft.conf, where the endpoint may listen, and
 * the conntrack warning levels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "telemetry/conntrack.h"
#include "telemetry/expo.h"
#include "telemetry/httpd.h"

static char *label(const char *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	expo_label(f, v);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_label_escaping(void **state)
{
	char *s;

	(void)state;
	s = label("say \"hi\"\\now\nthen");
	assert_string_equal(s, "say \\\"hi\\\"\\\\now\\nthen");
	free(s);
	s = label(NULL);
	assert_string_equal(s, "");
	free(s);
}

static struct xnft_config *parse(const char *text, struct xerr *e)
{
	struct xnft_config *c = NULL;

	xerr_clear(e);
	if (config_parse("t.conf", text, &c, e) < 0)
		return NULL;
	return c;
}

static void test_metrics_section(void **state)
{
	struct xnft_config *c;
	struct xerr e;

	(void)state;
	c = parse("[daemon]\nbatch = 1ms\n", &e);
	assert_non_null(c);
	assert_false(c->metrics_enabled);
	assert_string_equal(c->metrics_listen, "mesh");
	assert_string_equal(c->metrics_mesh_if, "wg0");
	assert_true(c->metrics_rules);
	assert_true(c->metrics_analysis);
	config_free(c);

	c = parse("[metrics]\nlisten = 10.10.0.1:9100\nmesh_if = tun0\nrules = no\nforce = yes\n"
		  "analysis = no\n", &e);
	assert_non_null(c);
	assert_true(c->metrics_enabled);
	assert_string_equal(c->metrics_listen, "10.10.0.1:9100");
	assert_string_equal(c->metrics_mesh_if, "tun0");
	assert_false(c->metrics_rules);
	assert_true(c->metrics_force);
	assert_false(c->metrics_analysis);
	config_free(c);

	assert_null(parse("[metrics]\nenabled = maybe\n", &e));
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "[metrics] enabled: 'maybe' is not yes or no"));
	assert_null(parse("[metrics]\ncolour = blue\n", &e));
	assert_non_null(strstr(e.hint, "enabled, listen, mesh_if, force, rules and analysis"));
	assert_null(parse("[metrics]\nlisten = 1.2.3.4 :80\n", &e));
	assert_non_null(strstr(e.msg, "is not an address:port or mesh[:port]"));
}

/* resolve and format: "" when refused (the message then in e) */
static const char *where(const char *listen, const char *mesh_if, bool force, struct xerr *e)
{
	static char buf[160];
	struct sockaddr_storage ss;

	xerr_clear(e);
	if (httpd_resolve(listen, mesh_if, force, &ss, e))
		return "";
	httpd_format(&ss, buf, sizeof(buf));
	return buf;
}

static void test_listen(void **state)
{
	struct xerr e;

	(void)state;
	assert_string_equal(where("127.0.0.1:9100", "wg0", false, &e), "127.0.0.1:9100");
	assert_string_equal(where("127.0.0.1", "wg0", false, &e), "127.0.0.1:9586");
	assert_string_equal(where("mesh", "lo", false, &e), "127.0.0.1:9586");
	assert_string_equal(where("mesh:9200", "lo", false, &e), "127.0.0.1:9200");
	assert_string_equal(where("0.0.0.0:9100", "wg0", true, &e), "0.0.0.0:9100");

	assert_string_equal(where("0.0.0.0:9100", "wg0", false, &e), "");
	assert_non_null(strstr(e.msg, "is not an address of this host"));
	assert_non_null(strstr(e.hint, "force = yes"));
	assert_string_equal(where("192.0.2.1:9100", "wg0", false, &e), "");
	assert_non_null(strstr(e.msg, "192.0.2.1:9100 is not an address of this host"));
	assert_string_equal(where("mesh", "nosuchif0", false, &e), "");
	assert_non_null(strstr(e.msg, "interface nosuchif0 has no address"));
	assert_string_equal(where("127.0.0.1:0", "wg0", false, &e), "");
	assert_non_null(strstr(e.msg, "'0' is not a port"));
	assert_string_equal(where("127.0.0.1:http", "wg0", false, &e), "");
	assert_string_equal(where("::1:80", "wg0", false, &e), "");
	assert_non_null(strstr(e.msg, "[ADDR6]:PORT"));
	assert_string_equal(where("[::1:80", "wg0", false, &e), "");
	assert_string_equal(where("example.org:80", "wg0", false, &e), "");
	assert_non_null(strstr(e.msg, "is not an IP address"));
}

static void test_conntrack_levels(void **state)
{
	struct ct_health h = { .loaded = true, .max = 1000 };

	(void)state;
	h.count = 799;
	assert_int_equal(ct_fill_level(&h), 0);
	h.count = 800;
	assert_int_equal(ct_fill_level(&h), 80);
	h.count = 950;
	assert_int_equal(ct_fill_level(&h), 95);
	h.max = 0;
	assert_int_equal(ct_fill_level(&h), 0);
	assert_string_equal(ct_stat_name(CT_EARLY_DROP), "early_drop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_metrics_section),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_conntrack_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
