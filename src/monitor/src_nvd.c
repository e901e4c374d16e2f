// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NVD CVE API 2.0 answer: {"vulnerabilities": [{"cve": {"id", "published",
 * "descriptions": [{"lang", "value"}], "metrics": {"cvssMetricV31": [{"type":
 * "Primary", "cvssData": {"baseScore", "baseSeverity"}}]}, "configurations":
 * [{"nodes": [{"cpeMatch": [{"vulnerable", "criteria", "versionEndExcluding",
 * ...}]}]}]}}]}. Severity is CVSS v3.1's (the NVD's own "Primary" score when
 * there are several); a CVE not scored yet counts as MEDIUM. The kernel and
 * nftables version ranges are kept for the host comparison.
 */
#include "monitor/parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static enum mon_severity severity_of(const char *s)
{
	return !strcasecmp(s, "CRITICAL") ? MON_SEV_CRITICAL : !strcasecmp(s, "HIGH") ? MON_SEV_HIGH
	       : !strcasecmp(s, "LOW") ? MON_SEV_LOW : !strcasecmp(s, "NONE") ? MON_SEV_NONE
	       : MON_SEV_MEDIUM;
}

static void score(json_t *metrics, struct mon_finding *f)
{
	json_t *list = json_object_get(metrics, "cvssMetricV31"), *pick = NULL, *m;
	size_t i;

	json_array_foreach(list, i, m) {
		if (!pick || !strcmp(str(m, "type"), "Primary"))
			pick = m;
	}
	f->sev = MON_SEV_MEDIUM;
	if (!pick)
		return;
	m = json_object_get(pick, "cvssData");
	f->sev = severity_of(str(m, "baseSeverity"));
	f->cvss = json_number_value(json_object_get(m, "baseScore"));
}

/* "cpe:2.3:o:linux:linux_kernel:6.1:*:...": the product we follow, and the version field. */
static const char *product_of(const char *cpe, char *version, size_t size)
{
	char f[6][64];
	const char *p = cpe;

	for (int i = 0; i < 6; i++) {
		size_t n = strcspn(p, ":");

		snprintf(f[i], sizeof(f[i]), "%.*s", (int)(n < 63 ? n : 63), p);
		p += n;
		if (*p)
			p++;
		else if (i < 5)
			return NULL;
	}
	snprintf(version, size, "%s", f[5]);
	if (!strcmp(f[3], "linux") && !strcmp(f[4], "linux_kernel"))
		return "kernel";
	if (!strcmp(f[3], "netfilter") && !strcmp(f[4], "nftables"))
		return "nftables";
	return NULL;
}

static void one_match(json_t *m, struct mon_finding *f)
{
	struct mon_range *r;
	const char *product;
	char version[64];

	if (!json_is_true(json_object_get(m, "vulnerable")) || f->nranges >= MON_RANGES_MAX ||
	    !(product = product_of(str(m, "criteria"), version, sizeof(version))))
		return;
	r = &f->ranges[f->nranges++];
	memset(r, 0, sizeof(*r));
	snprintf(r->product, sizeof(r->product), "%s", product);
	r->start_incl = json_object_get(m, "versionStartIncluding") != NULL;
	snprintf(r->start, sizeof(r->start), "%s", str(m, r->start_incl ? "versionStartIncluding"
						      : "versionStartExcluding"));
	r->end_incl = json_object_get(m, "versionEndIncluding") != NULL;
	snprintf(r->end, sizeof(r->end), "%s", str(m, r->end_incl ? "versionEndIncluding"
						  : "versionEndExcluding"));
	if (!r->start[0] && !r->end[0] && strcmp(version, "*") && strcmp(version, "-"))
		snprintf(r->exact, sizeof(r->exact), "%s", version);
}

static void ranges(json_t *configs, struct mon_finding *f)
{
	json_t *c, *node, *m;
	size_t i, j, k;

	json_array_foreach(configs, i, c) {
		json_array_foreach(json_object_get(c, "nodes"), j, node) {
			json_array_foreach(json_object_get(node, "cpeMatch"), k, m)
				one_match(m, f);
		}
	}
}

static int one_cve(json_t *v, const char *name, void *arg, struct mon_list *out,
		   struct xerr *e)
{
	json_t *cve = json_object_get(v, "cve"), *d;
	const char *id = str(cve, "id"), *desc = "";
	struct mon_finding *f;
	size_t i;

	(void)arg;
	if (!json_is_object(cve) || strncmp(id, "CVE-", 4) || strlen(id) > 40)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "%s: a vulnerability without a CVE id", name);
	json_array_foreach(json_object_get(cve, "descriptions"), i, d) {
		if (!desc[0] || !strcmp(str(d, "lang"), "en"))
			desc = str(d, "value");
	}
	if (!(f = mon_list_push(out)))
		return 0;
	f->source = MONITOR_SRC_NVD;
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->published, sizeof(f->published), "%s", str(cve, "published"));
	f->when = mon_parse_iso_time(f->published);
	snprintf(f->text, sizeof(f->text), "%s", desc);
	snprintf(f->title, sizeof(f->title), "%s: %.200s%s", id, desc, strlen(desc) > 200 ? "..." : "");
	snprintf(f->url, sizeof(f->url), "https://nvd.nist.gov/vuln/detail/%s", id);
	score(json_object_get(cve, "metrics"), f);
	ranges(json_object_get(cve, "configurations"), f);
	return 0;
}

int mon_parse_nvd(const char *body, size_t len, const char *name, struct mon_list *out,
		  struct xerr *e)
{
	return mon_parse_json_items(body, len, name, "an NVD CVE API 2.0 answer",
				    "vulnerabilities", one_cve, NULL, out, e);
}
