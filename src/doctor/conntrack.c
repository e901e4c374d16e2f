// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft doctor, conntrack (seed 003): table fill, hash size, drops, timeouts, loose pickup, helpers. */
#include "doctor/doctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

#define NF "/proc/sys/net/netfilter/"

/* Full at these shares of nf_conntrack_max: new connections are dropped when it is. */
#define CT_WARN_PERCENT 75
#define CT_FAIL_PERCENT 90
/* Seed 003: hashsize = nf_conntrack_max / 4; past 8 entries a bucket, lookups slow down. */
#define CT_MAX_PER_BUCKET 8
/* Seed 003: 5 days (the default) keeps dead connections; 15 hours is plenty. */
#define CT_ESTABLISHED_MAX 86400
#define CT_ESTABLISHED_WANT 54000

static void check_fill(const struct doctor_opts *o, struct doctor_report *r, long long max)
{
	long long count, pct;
	char fix[200];

	if (doctor_read_ll(o, NF "nf_conntrack_count", &count))
		return;
	pct = max > 0 ? count * 100 / max : 0;
	snprintf(fix, sizeof(fix), "sysctl -w net.netfilter.nf_conntrack_max=%lld", max * 2);
	doctor_add(r, "conntrack", "conntrack.count",
		   pct >= CT_FAIL_PERCENT ? DOCTOR_FAIL : pct >= CT_WARN_PERCENT ? DOCTOR_WARN : DOCTOR_PASS,
		   "when the table is full the kernel drops new connections, the mesh's and the admin's too",
		   fix, "%lld of %lld entries in use (%lld%%)", count, max, pct);
}

static void check_buckets(const struct doctor_opts *o, struct doctor_report *r, long long max)
{
	long long buckets;
	char fix[200], want[32];

	if (doctor_read_ll(o, NF "nf_conntrack_buckets", &buckets) || buckets <= 0)
		return;
	if (max <= buckets * CT_MAX_PER_BUCKET) {
		doctor_add(r, "conntrack", "conntrack.buckets", DOCTOR_PASS, NULL, NULL,
			   "%lld buckets for %lld entries", buckets, max);
		return;
	}
	snprintf(want, sizeof(want), "%lld", max / 4);
	snprintf(fix, sizeof(fix), "echo %s > /sys/module/nf_conntrack/parameters/hashsize && "
		 "echo 'options nf_conntrack hashsize=%s' > " DOCTOR_MODPROBE_FILE, want, want);
	doctor_add(r, "conntrack", "conntrack.buckets", DOCTOR_WARN,
		   "long hash chains make every packet's lookup slow when the table fills (hashsize = max / 4)",
		   fix, "%lld buckets for %lld entries (%lld per bucket)", buckets, max, max / buckets);
	doctor_add_change(r, DOCTOR_MODOPT, "nf_conntrack hashsize", want);
}

/* Sum the hex per-CPU column named col of /proc/net/stat/nf_conntrack; -1 when absent. */
static long long stat_sum(const char *text, const char *col)
{
	const char *line = strchr(text, '\n');
	size_t idx = 0, len = strlen(col);
	const char *h = text;
	long long sum = 0;
	bool found = false;

	if (!line)
		return -1;
	while (h < line) {
		size_t w = strcspn(h, " \t\n");

		if (w == len && !strncmp(h, col, len)) {
			found = true;
			break;
		}
		h += w;
		h += strspn(h, " \t");
		idx++;
	}
	if (!found)
		return -1;
	for (const char *p = line + 1; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		const char *f = p + strspn(p, " \t");

		for (size_t i = 0; i < idx && *f && *f != '\n'; i++) {
			f += strcspn(f, " \t\n");
			f += strspn(f, " \t");
		}
		if (*f && *f != '\n')
			sum += strtoll(f, NULL, 16);
	}
	return sum;
}

static void check_stats(const struct doctor_opts *o, struct doctor_report *r)
{
	static const char *const cols[] = { "drop", "early_drop", "insert_failed" };
	char *text = doctor_read_file(o, "/proc/net/stat/nf_conntrack");
	char found[300] = "";
	struct fixbuf b = { found, sizeof(found), 0 };
	bool bad = false;

	if (!text)
		return;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		long long v = stat_sum(text, cols[i]);

		if (v < 0)
			continue;
		bad |= v > 0;
		fixbuf_addf(&b, "%s%s %lld", b.len ? ", " : "", cols[i], v);
	}
	free(text);
	doctor_add(r, "conntrack", "conntrack.drops", bad ? DOCTOR_WARN : DOCTOR_PASS,
		   "conntrack dropped or failed to insert connections: the table was full or clashed",
		   "conntrack -S   # per CPU; then raise net.netfilter.nf_conntrack_max",
		   "since boot, all CPUs: %s", found);
}

static void check_sysctls(const struct doctor_opts *o, struct doctor_report *r)
{
	long long v;

	if (!doctor_read_ll(o, NF "nf_conntrack_tcp_timeout_established", &v)) {
		char fix[160];

		/* Not a --fix change: an idle SSH session older than the timeout would be cut. */
		snprintf(fix, sizeof(fix), "sysctl -w net.netfilter.nf_conntrack_tcp_timeout_established=%d",
			 CT_ESTABLISHED_WANT);
		doctor_add(r, "conntrack", "conntrack.established_timeout",
			   v > CT_ESTABLISHED_MAX ? DOCTOR_WARN : DOCTOR_PASS,
			   "dead connections stay in the table for days and fill it (idle sessions longer "
			   "than the new timeout are cut, so --fix leaves it to you)",
			   fix, "nf_conntrack_tcp_timeout_established = %lld s", v);
	}
	if (!doctor_read_ll(o, NF "nf_conntrack_tcp_loose", &v)) {
		doctor_add(r, "conntrack", "conntrack.tcp_loose", v ? DOCTOR_WARN : DOCTOR_PASS,
			   "loose pickup makes any mid-stream TCP packet (a spoofed ACK) an established connection",
			   "sysctl -w net.netfilter.nf_conntrack_tcp_loose=0",
			   "nf_conntrack_tcp_loose = %lld", v);
		if (v)
			doctor_add_change(r, DOCTOR_SYSCTL, "net.netfilter.nf_conntrack_tcp_loose", "0");
	}
	if (doctor_read_ll(o, NF "nf_conntrack_helper", &v)) {
		doctor_add(r, "conntrack", "conntrack.helper", DOCTOR_PASS, NULL, NULL,
			   "automatic helper assignment is not in this kernel (removed in 6.0)");
		return;
	}
	doctor_add(r, "conntrack", "conntrack.helper", v ? DOCTOR_FAIL : DOCTOR_PASS,
		   "automatic helpers (FTP, SIP, ...) open expected connections the ruleset never allowed",
		   "sysctl -w net.netfilter.nf_conntrack_helper=0", "nf_conntrack_helper = %lld", v);
	if (v)
		doctor_add_change(r, DOCTOR_SYSCTL, "net.netfilter.nf_conntrack_helper", "0");
}

void doctor_check_conntrack(const struct doctor_opts *o, struct doctor_report *r)
{
	long long max;

	if (doctor_read_ll(o, NF "nf_conntrack_max", &max)) {
		doctor_add(r, "conntrack", "conntrack.loaded", DOCTOR_PASS, NULL, NULL,
			   "conntrack is not loaded in this network namespace: nothing to check");
		return;
	}
	check_fill(o, r, max);
	check_buckets(o, r, max);
	check_stats(o, r);
	check_sysctls(o, r);
}
