// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft monitor without the network: each source's parser on the fixture
 * samples of the integration test (placeholders filled here) and on cut,
 * wrong and hostile bodies; version order, keyword matching, the rule-file
 * mapping and the host verdicts; the [monitor] and email keys of the config;
 * secret files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/config.h"
#include "core/secret.h"
#include "monitor/hostmatch.h"
#include "monitor/parse.h"

#define SAMPLES FIXTURES "/../../integration/fixtures_monitor/"
#define NOW 1706788800   /* 2024-02-01T12:00:00Z */

/* A sample with its date placeholders filled: "now" is NOW, "old" 60 days before. */
static char *sample(const char *name, size_t *len)
{
	static const char *const subst[][2] = {
		{ "@NOW_TS@", "1706788800" }, { "@OLD_TS@", "1701604800" },
		{ "@NOW_DATE@", "2024-02-01" }, { "@OLD_DATE@", "2023-12-03" },
		{ "@NOW_ISO@", "2024-02-01T12:00:00Z" }, { "@OLD_ISO@", "2023-12-03T12:00:00Z" },
		{ "@NOW_RFC822@", "Thu, 01 Feb 2024 12:00:00 +0000" },
	};
	char path[512], *text, *at;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), SAMPLES "%s", name);
	assert_non_null(f = fopen(path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(text = calloc(1, (size_t)n * 2 + 1));
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (size_t i = 0; i < sizeof(subst) / sizeof(subst[0]); i++) {
		while ((at = strstr(text, subst[i][0]))) {
			size_t k = strlen(subst[i][0]), v = strlen(subst[i][1]);

			memmove(at + v, at + k, strlen(at + k) + 1);
			memcpy(at, subst[i][1], v);
		}
	}
	*len = strlen(text);
	return text;
}

static const struct mon_finding *find(const struct mon_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

static void versions_in_order(void **state)
{
	(void)state;
	assert_true(mon_version_cmp("6.1.9", "6.1.76") < 0);
	assert_true(mon_version_cmp("6.1.76", "6.1.9") > 0);
	assert_true(mon_version_cmp("6.8-rc3", "6.8") < 0);
	assert_true(mon_version_cmp("6.8", "6.8.0") == 0);
	assert_true(mon_version_cmp("1.0.10", "1.0.9") > 0);
	assert_true(mon_version_cmp("6.1.0-18-amd64", "6.1.76") < 0);
	assert_true(mon_version_cmp("", "1") < 0);
}

static void words_not_parts_of_words(void **state)
{
	(void)state;
	assert_true(mon_has_word("netfilter: nf_nat: fix", "nat"));
	assert_false(mon_has_word("an alternative", "nat"));
	assert_true(mon_has_word("drop fragments early", "fragment"));
	assert_true(mon_has_word("fixes CVE-2024-1086", "cve-"));
	assert_true(mon_has_word("Use-After-Free in x", "use-after-free"));
	assert_false(mon_has_word("reset", "set"));
}

static void rules_mapped(void **state)
{
	struct mon_finding f = { 0 };

	(void)state;
	snprintf(f.title, sizeof(f.title), "netfilter: conntrack: avoid crash");
	mon_map_rules(&f);
	assert_string_equal(f.rules, "30-established.nft");
	snprintf(f.title, sizeof(f.title), "WireGuard: handshake");
	mon_map_rules(&f);
	assert_string_equal(f.rules, "20-mesh.nft, 50-vpn-endpoint.nft");
	snprintf(f.title, sizeof(f.title), "nf_tables: verdict");
	mon_map_rules(&f);
	assert_non_null(strstr(f.rules, "nf_tables core"));
	snprintf(f.product, sizeof(f.product), "kernel");
	mon_map_rules(&f);
	assert_string_equal(f.rules, "nftables.conf (all rules)");
}

static void host_verdicts(void **state)
{
	struct mon_host_info h = { .kernel = "6.1.70", .kernel_shown = "6.1.0-17-amd64",
				   .nft = "1.0.6" };
	struct mon_finding f = { .nranges = 2 };

	(void)state;
	f.ranges[0] = (struct mon_range){ .product = "kernel", .start = "5.16", .start_incl = true,
					  .end = "6.1.76" };
	f.ranges[1] = (struct mon_range){ .product = "kernel", .start = "6.2", .start_incl = true,
					  .end = "6.6.15" };
	mon_match_host(&f, &h);
	assert_int_equal(f.host, MON_HOST_AFFECTED);
	assert_string_equal(f.host_note, "this host runs Linux 6.1.0-17-amd64; fixed in 6.1.76: affected");
	snprintf(h.kernel, sizeof(h.kernel), "6.1.76");
	mon_match_host(&f, &h);
	assert_int_equal(f.host, MON_HOST_NOT_AFFECTED);
	/* an nftables range: the host's nft */
	f = (struct mon_finding){ .nranges = 1 };
	f.ranges[0] = (struct mon_range){ .product = "nftables", .end = "1.0.6", .end_incl = true };
	mon_match_host(&f, &h);
	assert_int_equal(f.host, MON_HOST_AFFECTED);
	/* releases: the host's series only for the kernel */
	f = (struct mon_finding){ .product = "kernel", .version = "6.1.80" };
	mon_match_host(&f, &h);
	assert_int_equal(f.host, MON_HOST_BEHIND);
	f = (struct mon_finding){ .product = "kernel", .version = "6.7.4" };
	mon_match_host(&f, &h);
	assert_int_equal(f.host, MON_HOST_UNKNOWN);
	f = (struct mon_finding){ .product = "nftables", .version = "1.0.6" };
	mon_match_host(&f, &h);
	assert_int_equal(f.host, MON_HOST_CURRENT);
}

static void kernel_releases(void **state)
{
	struct mon_list l = { 0 };
	struct xerr e;
	size_t len;
	char *t = sample("releases.json", &len);

	(void)state;
	assert_int_equal(mon_parse_kernel(t, len, "k", NOW - 7 * 86400, &l, &e), 0);
	/* mainline and stable of the window, both longterm (dated or not); no linux-next */
	assert_int_equal(l.n, 4);
	assert_non_null(find(&l, "kernel:6.1.76"));
	assert_null(find(&l, "kernel:next-20240205"));
	assert_int_equal(find(&l, "kernel:6.7.4")->when, NOW);
	/* cut in half: an error, nothing kept */
	assert_int_equal(mon_parse_kernel(t, len / 2, "k", 0, &l, &e), -1);
	assert_non_null(strstr(e.msg, "not JSON"));
	assert_int_equal(mon_parse_kernel("{\"releases\": 3}", 15, "k", 0, &l, &e), -1);
	assert_string_equal(e.msg, "k: not kernel.org's releases.json: no \"releases\" array");
	assert_int_equal(mon_parse_kernel("{\"releases\": [{\"version\": 1}]}", 30, "k", 0, &l, &e), -1);
	assert_int_equal(l.n, 4);
	mon_list_free(&l);
	free(t);
}

static void nftables_listing(void **state)
{
	struct mon_list l = { 0 };
	struct xerr e;
	size_t len;
	char *t = sample("downloads.html", &len);

	(void)state;
	assert_int_equal(mon_parse_nftables(t, len, "n", &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].version, "1.0.9");
	assert_int_equal(mon_parse_nftables("<html>nftables-</html>", 22, "n", &l, &e), -1);
	assert_non_null(strstr(e.msg, "download listing"));
	assert_int_equal(mon_parse_nftables("nftables-1.2.3.ta", 17, "n", &l, &e), -1);
	mon_list_free(&l);
	free(t);
}

static void nvd_answer(void **state)
{
	struct mon_list l = { 0 };
	const struct mon_finding *f;
	struct xerr e;
	size_t len;
	char *t = sample("nvd.json", &len);

	(void)state;
	assert_int_equal(mon_parse_nvd(t, len, "nvd", &l, &e), 0);
	assert_int_equal(l.n, 5);
	assert_non_null(f = find(&l, "CVE-2024-1086"));
	assert_int_equal(f->sev, MON_SEV_HIGH);
	assert_int_equal(f->nranges, 4);
	assert_string_equal(f->ranges[1].end, "6.1.76");
	assert_true(f->ranges[1].start_incl && !f->ranges[1].end_incl);
	assert_int_equal(f->when, NOW);
	/* the Primary score wins over the Secondary listed first */
	assert_int_equal(find(&l, "CVE-2023-39197")->sev, MON_SEV_HIGH);
	assert_int_equal(find(&l, "CVE-2099-0001")->sev, MON_SEV_CRITICAL);
	assert_string_equal(find(&l, "CVE-2099-0001")->ranges[0].product, "nftables");
	/* not scored yet */
	assert_int_equal(find(&l, "CVE-2099-0002")->sev, MON_SEV_MEDIUM);
	assert_int_equal(mon_parse_nvd(t, len - 10, "nvd", &l, &e), -1);
	assert_int_equal(mon_parse_nvd("{\"message\": 1}", 14, "nvd", &l, &e), -1);
	assert_string_equal(e.msg, "nvd: not an NVD CVE API 2.0 answer: no \"vulnerabilities\" "
			    "array");
	assert_non_null(strstr(e.msg, "vulnerabilities"));
	assert_int_equal(mon_parse_nvd("{\"vulnerabilities\": [{\"cve\": {}}]}", 34, "nvd", &l, &e), -1);
	assert_int_equal(l.n, 5);
	mon_list_free(&l);
	free(t);
}

static void feeds(void **state)
{
	static const char bomb[] =
		"<?xml version=\"1.0\"?><!DOCTYPE feed [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><feed><entry><title>&b; overflow"
		"</title></entry></feed>";
	struct mon_list l = { 0 };
	struct xerr e;
	size_t len;
	char *atom = sample("list.atom", &len);
	char *rss;

	(void)state;
	assert_int_equal(mon_parse_feed(atom, len, "list", MONITOR_SRC_LIST, NOW - 86400, &l, &e), 0);
	/* use-after-free (HIGH; its reply and v2 folded in) and crash (MEDIUM); not the doc patch,
	 * not the old entry */
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].sev, MON_SEV_HIGH);
	assert_string_equal(l.v[0].title, "[PATCH nf] netfilter: nf_tables: fix use-after-free in "
			    "set element catchall removal");
	/* keyed by the thread's subject: the reply and the v2 of the patch are the same finding */
	assert_string_equal(l.v[0].id, "list:netfilter: nf_tables: fix use-after-free in set element "
			    "catchall removal");
	assert_string_equal(l.v[0].url, "https://lore.kernel.org/netfilter-devel/"
			    "20240201120000.1234-1-pablo@netfilter.org/");
	assert_int_equal(l.v[1].sev, MON_SEV_MEDIUM);
	/* no window: the old entry too */
	assert_int_equal(mon_parse_feed(atom, len, "list", MONITOR_SRC_LIST, 0, &l, &e), 0);
	assert_int_equal(l.n, 5);
	l.n = 0;
	rss = sample("list.rss", &len);
	assert_int_equal(mon_parse_feed(rss, len, "rss", MONITOR_SRC_LIST, NOW - 86400, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].when, NOW);
	/* the RSS copy of the atom thread has the same key: remembered once across both */
	assert_string_equal(l.v[0].id, "list:netfilter: nf_tables: fix use-after-free in set element "
			    "catchall removal");
	assert_int_equal(mon_parse_feed(rss, len / 2, "rss", MONITOR_SRC_LIST, 0, &l, &e), -1);
	assert_non_null(strstr(e.msg, "not a whole XML feed"));
	assert_int_equal(mon_parse_feed("<html/>", 7, "x", MONITOR_SRC_GIT, 0, &l, &e), -1);
	assert_non_null(strstr(e.msg, "not an Atom or RSS feed"));
	assert_int_equal(mon_parse_feed(bomb, strlen(bomb), "x", MONITOR_SRC_GIT, 0, &l, &e), -1);
	assert_non_null(strstr(e.msg, "entity"));
	assert_int_equal(l.n, 2);
	mon_list_free(&l);
	free(atom);
	free(rss);
}

static void times(void **state)
{
	(void)state;
	assert_int_equal(mon_parse_iso_time("2024-02-01T12:00:00Z"), NOW);
	assert_int_equal(mon_parse_iso_time("2024-02-01T12:00:00.987"), NOW);
	assert_int_equal(mon_parse_iso_time("2024-02-01T13:00:00+01:00"), NOW);
	assert_int_equal(mon_parse_iso_time("Thu, 01 Feb 2024 12:00:00 +0000"), NOW);
	assert_int_equal(mon_parse_iso_time("2024-02-01"), NOW - 12 * 3600);
	assert_int_equal(mon_parse_iso_time("yesterday"), 0);
}

static void config_keys(void **state)
{
	struct xnft_config *c;
	struct xerr e;

	(void)state;
	assert_int_equal(config_parse("t", "", &c, &e), 0);
	assert_string_equal(c->mon_url[MONITOR_SRC_KERNEL], "https://www.kernel.org/releases.json");
	assert_string_equal(c->mon_db_path, "/var/lib/xnft/monitor.db");
	config_free(c);
	assert_int_equal(config_parse("t", "[monitor]\ngit_url = off\nmax_response_kb = 64\n"
				      "since = 3d\nkernel_version = 6.1.0-18-amd64\n"
				      "[notify]\nemail = smtps://mail.example.org\n"
				      "email_from = a@example.org\nemail_to = b@example.org, c@example.org\n",
				      &c, &e), 0);
	assert_string_equal(c->mon_url[MONITOR_SRC_GIT], "");
	assert_int_equal(c->mon_max_bytes, 64 << 10);
	assert_int_equal(c->mon_since_ms, 3ull * 86400000);
	assert_string_equal(c->notify[0].kind, "email");
	assert_string_equal(c->notify_email_to, "b@example.org, c@example.org");
	config_free(c);
	assert_int_equal(config_parse("t", "[monitor]\nnvd_url = http://x\n", &c, &e), -1);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "not an https:// URL"));
	assert_int_equal(config_parse("t", "[monitor]\nsince = 1y\n", &c, &e), -1);
	assert_int_equal(config_parse("t", "[monitor]\nfeeds = 1\n", &c, &e), -1);
	assert_non_null(strstr(e.hint, "kernel_url"));
	assert_int_equal(config_parse("t", "[notify]\nemail = https://x\n", &c, &e), -1);
	assert_int_equal(config_parse("t", "[notify]\nemail_from = nobody\n", &c, &e), -1);
}

static void secrets(void **state)
{
	char path[] = "/tmp/xnft-secret.XXXXXX", buf[64];
	struct xerr e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "user:pass\nrest\n", 15), 15);
	close(fd);
	assert_int_equal(secret_read(path, "k", buf, sizeof(buf), &e), 0);
	assert_string_equal(buf, "user:pass");
	assert_int_equal(secret_read(path, "k", buf, 6, &e), -1);
	assert_non_null(strstr(e.msg, "longer than"));
	chmod(path, 0644);
	assert_int_equal(secret_read(path, "k", buf, sizeof(buf), &e), -1);
	assert_non_null(strstr(e.msg, "readable by its owner only"));
	assert_non_null(strstr(e.hint, "chmod 600"));
	unlink(path);
	assert_int_equal(secret_read(path, "k", buf, sizeof(buf), &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(versions_in_order),
		cmocka_unit_test(words_not_parts_of_words),
		cmocka_unit_test(rules_mapped),
		cmocka_unit_test(host_verdicts),
		cmocka_unit_test(kernel_releases),
		cmocka_unit_test(nftables_listing),
		cmocka_unit_test(nvd_answer),
		cmocka_unit_test(feeds),
		cmocka_unit_test(times),
		cmocka_unit_test(config_keys),
		cmocka_unit_test(secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
