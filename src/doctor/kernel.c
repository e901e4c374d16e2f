// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft doctor, kernel: the hardening sysctls that complement the ruleset (seed 000). */
#include "doctor/doctor.h"

#include <stdio.h>
#include <string.h>

struct sysctl_want {
	const char *key;          /* dotted name, as sysctl(8) shows it */
	long long want;
	bool nonzero_ok;          /* any non-zero value passes (rp_filter 2 = loose) */
	enum doctor_level level;  /* when it differs */
	const char *why;
};

static const struct sysctl_want wants[] = {
	{ "net.ipv4.tcp_syncookies", 1, false, DOCTOR_WARN,
	  "without SYN cookies a SYN flood to any open port fills the backlog" },
	{ "net.ipv4.conf.all.rp_filter", 1, true, DOCTOR_WARN,
	  "reverse-path filtering drops spoofed sources the ruleset would have to catch alone" },
	{ "net.ipv4.conf.all.log_martians", 1, false, DOCTOR_WARN,
	  "martian packets (impossible sources) are a second opinion on spoofing; unlogged they go unseen" },
	{ "net.ipv4.conf.all.accept_redirects", 0, false, DOCTOR_FAIL,
	  "an ICMP redirect lets anyone on the link reroute this host's traffic" },
	{ "net.ipv6.conf.all.accept_redirects", 0, false, DOCTOR_FAIL,
	  "an ICMPv6 redirect lets anyone on the link reroute this host's traffic" },
	{ "net.ipv4.conf.all.send_redirects", 0, false, DOCTOR_WARN,
	  "a host that is not a router has no business telling others how to route" },
	{ "net.ipv4.conf.all.accept_source_route", 0, false, DOCTOR_FAIL,
	  "source-routed packets choose their own path past the filters" },
	{ "net.ipv6.conf.all.accept_source_route", 0, false, DOCTOR_FAIL,
	  "source-routed packets choose their own path past the filters" },
};

static void check_one(const struct doctor_opts *o, struct doctor_report *r,
		      const struct sysctl_want *w)
{
	char path[160], fix[256], id[48], want[24];
	long long v;
	bool ok;

	doctor_sysctl_path(w->key, path, sizeof(path));
	snprintf(id, sizeof(id), "sysctl.%s", strrchr(w->key, '.') + 1);
	if (!strncmp(w->key, "net.ipv6", 8))
		snprintf(id, sizeof(id), "sysctl.ipv6.%s", strrchr(w->key, '.') + 1);
	if (doctor_read_ll(o, path, &v)) {
		/* IPv6 switched off at boot has no /proc/sys/net/ipv6: nothing to redirect. */
		doctor_add(r, "kernel", id, DOCTOR_PASS, NULL, NULL, "%s: not present on this kernel",
			   w->key);
		return;
	}
	ok = w->nonzero_ok ? (v != 0) == (w->want != 0) : v == w->want;
	if (ok) {
		doctor_add(r, "kernel", id, DOCTOR_PASS, NULL, NULL, "%s = %lld", w->key, v);
		return;
	}
	snprintf(fix, sizeof(fix), "sysctl -w %s=%lld && echo '%s = %lld' >> " DOCTOR_SYSCTL_FILE,
		 w->key, w->want, w->key, w->want);
	doctor_add(r, "kernel", id, w->level, w->why, fix, "%s = %lld (want %lld)", w->key, v,
		   w->want);
	snprintf(want, sizeof(want), "%lld", w->want);
	doctor_add_change(r, DOCTOR_SYSCTL, w->key, want);
}

void doctor_check_kernel(const struct doctor_opts *o, struct doctor_report *r)
{
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		check_one(o, r, &wants[i]);
}
