// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft scan's two halves without nmap: the -oX reader (src/scan/nmapxml.c)
 * on a report, a cut one, garbage and an entity bomb; the comparison with
 * the proof (scan_compare) on listed and folded ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scan/nmapxml.h"
#include "scan/scan.h"

/* 22 and 8080 scanned over TCP, 51820 over UDP; 22 open, 8080 filtered with the bulk. */
static const char report[] =
	"<?xml version=\"1.0\"?>\n<nmaprun>\n"
	"<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"3\" services=\"22,80,8080\"/>\n"
	"<scaninfo type=\"udp\" protocol=\"udp\" numservices=\"1\" services=\"51820\"/>\n"
	"<host><status state=\"up\"/><address addr=\"198.18.0.1\" addrtype=\"ipv4\"/>\n"
	"<address addr=\"02:00:00:00:00:01\" addrtype=\"mac\"/>\n"
	"<ports><extraports state=\"filtered\" count=\"3\">\n"
	"<extrareasons reason=\"no-response\" count=\"2\" proto=\"tcp\" ports=\"80,8080\"/>\n"
	"<extrareasons reason=\"no-response\" count=\"1\" proto=\"udp\" ports=\"51820\"/>\n"
	"</extraports>\n"
	"<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\"/></port>\n"
	"</ports></host>\n"
	"<runstats><finished exit=\"success\"/></runstats></nmaprun>\n";

static void parses_a_report(void **state)
{
	struct nmap_report r;
	struct xerr e;

	(void)state;
	assert_int_equal(nmapxml_parse(report, strlen(report), "t", &r, &e), 0);
	assert_int_equal(r.nports, 1);
	assert_string_equal(r.ports[0].addr, "198.18.0.1");
	assert_string_equal(r.ports[0].proto, "tcp");
	assert_int_equal(r.ports[0].port, 22);
	assert_string_equal(r.ports[0].state, "open");
	assert_int_equal(r.nextras, 2);
	assert_string_equal(r.extras[0].ports, "80,8080");
	assert_string_equal(r.extras[0].state, "filtered");
	assert_string_equal(r.tcp_services, "22,80,8080");
	assert_int_equal(r.nhosts_up, 1);
	assert_true(r.finished);
	nmapxml_free(&r);
}

static void refuses_cut_and_garbage(void **state)
{
	const char *cut_at = strstr(report, "<runstats>");
	const char bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
			    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><nmaprun>&b;</nmaprun>";
	struct nmap_report r;
	struct xerr e;

	(void)state;
	/* cut inside the document: not well-formed */
	assert_int_equal(nmapxml_parse(report, 100, "t", &r, &e), -1);
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "nmap XML report"));
	/* cut between elements, before <finished>: still refused */
	assert_int_equal(nmapxml_parse(report, (size_t)(cut_at - report), "t", &r, &e), -1);
	assert_int_equal(nmapxml_parse("garbage", 7, "t", &r, &e), -1);
	assert_int_equal(nmapxml_parse("", 0, "t", &r, &e), -1);
	/* well-formed XML, but not a whole nmap report */
	assert_int_equal(nmapxml_parse(bomb, strlen(bomb), "t", &r, &e), -1);
	assert_null(r.ports);
}

static void compares_with_the_proof(void **state)
{
	struct scan_expect *x = calloc(1, sizeof(*x));
	struct scan_result res = { 0 };
	struct xerr e;

	(void)state;
	assert_non_null(x);
	x->tcp[8080] = true;  /* the proof opens 8080, not 22 */
	x->udp[51820] = true;
	assert_int_equal(nmapxml_parse(report, strlen(report), "t", &res.report, &e), 0);
	assert_int_equal(scan_compare(x, &res, &e), 0);
	assert_int_equal(res.nopen, 1);
	assert_int_equal(res.ndrift, 2);
	/* 22 open though the proof keeps it closed */
	assert_true(res.drift[0].critical);
	assert_int_equal(res.drift[0].port, 22);
	/* 8080 folded into the filtered bulk though the proof opens it: silent */
	assert_false(res.drift[1].critical);
	assert_int_equal(res.drift[1].port, 8080);
	assert_string_equal(res.drift[1].observed, "filtered");
	/* 51820/udp filtered: a UDP service's silence is not drift */
	scan_result_free(&res);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_report),
		cmocka_unit_test(refuses_cut_and_garbage),
		cmocka_unit_test(compares_with_the_proof),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
