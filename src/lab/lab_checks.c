// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The demo's expectations, each checked with real packets: what the probe
 * saw (open, filtered, answered...) and, read from the host's rule
 * counters, which rule of the policy decided. A check passes only when
 * both agree with the policy's promise.
 */
#include "lab/lab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/spawn.h"

/* Comments of the rules that decide each probe, from policy/rules/. */
#define RULE_CATCHALL   "catch-all: drop what no rule allowed"
#define RULE_CATCHICMP  "catch-all: drop unmatched ICMP "
#define RULE_WG         "vpn: WireGuard from the internet"
#define RULE_BREAKGLASS "break-glass: admin SSH from ADMIN_ALLOWLIST "
#define RULE_SSH4       "service: SSH (mesh-only"
#define RULE_SSH6       "service: SSH over IPv6"
#define RULE_PING       "mesh: ping from peers"
#define RULE_SPOOF      "mesh: drop spoofed IPv4 source in tunnel"
#define RULE_LOOPBACK   "loopback: the host talking to itself"
#define RULE_BAN4       "ban: source banned by xnft daemon"

#define TIMEOUT_MS 1500

/* What one check sends, where from, and what should happen. */
struct check_spec {
	const char *section;
	const char *what;
	struct lab_probe probe;
	enum lab_probe_result want;
	const char *rule;        /* counter that must rise; NULL: none */
	long long exact;         /* > 0: the counter must rise by exactly this */
};

struct runner {
	lab_stop_flag *stop;
	struct lab_report *rep;
	struct lab_counters *before, *after;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct lab_check *next_check(struct lab_report *rep, const char *section,
				    const char *what)
{
	if (rep->n_checks == LAB_MAX_CHECKS)
		return NULL;
	struct lab_check *c = &rep->checks[rep->n_checks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->section, sizeof(c->section), "%s", section);
	snprintf(c->what, sizeof(c->what), "%s", what);
	c->delta = -1;
	return c;
}

static void finish_check(struct lab_report *rep, struct lab_check *c, int pass)
{
	c->pass = pass;
	if (!pass)
		rep->n_failed++;
}

/*
 * Counter of `rule` after the probe minus before. Packets cross
 * wireguard-go in user space, so wait a little (bounded) for stragglers.
 */
static long long rule_delta(struct runner *r, const char *rule, long long want,
			    struct xerr *e)
{
	long long b = lab_counter_sum(r->before, rule), a = -1;

	if (b < 0)
		return xerr_set(e, 2, "no rule with the comment '%s' in the host's policy", rule),
		       -2;
	for (int i = 0; i < 20; i++) {
		if (lab_counters_read(LAB_NS_HOST, r->after, e))
			return -2;
		a = lab_counter_sum(r->after, rule);
		if (a - b >= want)
			break;
		sleep_ms(50);
	}
	return a - b;
}

static int run_check(struct runner *r, const struct check_spec *s, struct xerr *e)
{
	struct lab_probe p = s->probe;
	struct lab_check *c = next_check(r->rep, s->section, s->what);
	struct xerr perr;

	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	if (r->stop && *r->stop)
		return xerr_set(e, XNFT_EXIT_USAGE, "interrupted");
	snprintf(c->expected, sizeof(c->expected), "%s", lab_probe_result_name(s->want));
	if (s->rule && lab_counters_read(LAB_NS_HOST, r->before, e))
		return -1;
	if (lab_probe_run(&p, &perr)) {
		snprintf(c->seen, sizeof(c->seen), "error: %s", perr.msg);
		finish_check(r->rep, c, 0);
		return 0;
	}
	snprintf(c->seen, sizeof(c->seen), "%s", lab_probe_result_name(p.result));
	int pass = p.result == s->want;
	if (s->rule) {
		long long want = s->exact > 0 ? s->exact : 1;
		c->delta = rule_delta(r, s->rule, want, e);
		if (c->delta == -2)
			return -1;
		snprintf(c->rule, sizeof(c->rule), "%s", lab_counter_comment(r->before, s->rule));
		pass = pass && (s->exact > 0 ? c->delta == s->exact : c->delta >= 1);
	}
	finish_check(r->rep, c, pass);
	return 0;
}

#define TCP(ns_, src_, dst_, port_) \
	{ .ns = ns_, .kind = PROBE_TCP, .src = src_, .dst = dst_, .port = port_, \
	  .count = 1, .timeout_ms = TIMEOUT_MS }
#define UDP(ns_, src_, dst_, port_, n_) \
	{ .ns = ns_, .kind = PROBE_UDP, .src = src_, .dst = dst_, .port = port_, \
	  .count = n_, .timeout_ms = TIMEOUT_MS }
#define PING(ns_, src_, dst_) \
	{ .ns = ns_, .kind = PROBE_ICMP, .src = src_, .dst = dst_, .count = 1, \
	  .timeout_ms = TIMEOUT_MS }

static const struct check_spec checks[] = {
	{ "internet", "TCP 22 (SSH listening)",
	  TCP(LAB_NS_INTERNET, LAB_INET_HOST4, LAB_HOST_WAN4, LAB_TCP_SSH),
	  PROBE_FILTERED, RULE_CATCHALL, 0 },
	{ "internet", "TCP 80 (HTTP listening)",
	  TCP(LAB_NS_INTERNET, LAB_INET_HOST4, LAB_HOST_WAN4, LAB_TCP_HTTP),
	  PROBE_FILTERED, RULE_CATCHALL, 0 },
	{ "internet", "TCP 22 over IPv6",
	  TCP(LAB_NS_INTERNET, LAB_INET_HOST6, LAB_HOST_WAN6, LAB_TCP_SSH),
	  PROBE_FILTERED, RULE_CATCHALL, 0 },
	{ "internet", "UDP 53 (echo server listening)",
	  UDP(LAB_NS_INTERNET, LAB_INET_HOST4, LAB_HOST_WAN4, LAB_UDP_DNS, 1),
	  PROBE_NO_ANSWER, RULE_CATCHALL, 0 },
	{ "internet", "ICMP echo (ping)",
	  PING(LAB_NS_INTERNET, LAB_INET_HOST4, LAB_HOST_WAN4),
	  PROBE_NO_ANSWER, RULE_CATCHICMP, 0 },
	{ "internet", "UDP 51820 let in (junk: WG stays silent)",
	  UDP(LAB_NS_INTERNET, LAB_INET_HOST4, LAB_HOST_WAN4, LAB_WG_PORT, 1),
	  PROBE_NO_ANSWER, RULE_WG, 0 },
	{ "internet", "peer1's handshake via the internet", { .ns = NULL },
	  PROBE_ANSWERED, NULL, 0 },
	{ "break-glass", "TCP 22 from the admin's " LAB_ADMIN4,
	  TCP(LAB_NS_INTERNET, LAB_ADMIN4, LAB_HOST_WAN4, LAB_TCP_SSH),
	  PROBE_OPEN, RULE_BREAKGLASS, 0 },
	{ "mesh", "TCP 22 to " LAB_HOST_MESH4,
	  TCP(LAB_NS_PEER1, NULL, LAB_HOST_MESH4, LAB_TCP_SSH),
	  PROBE_OPEN, RULE_SSH4, 0 },
	{ "mesh", "TCP 22 to " LAB_HOST_MESH6,
	  TCP(LAB_NS_PEER1, NULL, LAB_HOST_MESH6, LAB_TCP_SSH),
	  PROBE_OPEN, RULE_SSH6, 0 },
	{ "mesh", "TCP 80 (listening, not a service)",
	  TCP(LAB_NS_PEER1, NULL, LAB_HOST_MESH4, LAB_TCP_HTTP),
	  PROBE_FILTERED, RULE_CATCHALL, 0 },
	{ "mesh", "ICMP echo (ping)",
	  PING(LAB_NS_PEER1, NULL, LAB_HOST_MESH4),
	  PROBE_ANSWERED, RULE_PING, 0 },
	{ "mesh", "TCP 22 from spoofed " LAB_SPOOF4,
	  TCP(LAB_NS_PEER1, LAB_SPOOF4, LAB_HOST_MESH4, LAB_TCP_SSH),
	  PROBE_FILTERED, RULE_SPOOF, 0 },
	{ "mesh", "3 UDP datagrams from spoofed " LAB_SPOOF4,
	  UDP(LAB_NS_PEER1, LAB_SPOOF4, LAB_HOST_MESH4, LAB_UDP_DNS, 3),
	  PROBE_NO_ANSWER, RULE_SPOOF, 3 },
	{ "host", "TCP 22 to 127.0.0.1",
	  TCP(LAB_NS_HOST, NULL, "127.0.0.1", LAB_TCP_SSH),
	  PROBE_OPEN, RULE_LOOPBACK, 0 },
	{ "host", "UDP 53 to 127.0.0.1 (echo server)",
	  UDP(LAB_NS_HOST, NULL, "127.0.0.1", LAB_UDP_DNS, 1),
	  PROBE_ANSWERED, RULE_LOOPBACK, 0 },
};

/*
 * The mesh works only because the handshake crossed the internet and the
 * policy; `lab up` timed it.
 */
static int handshake_check(struct lab_report *rep, const struct check_spec *s,
			   const struct lab_state *st, struct xerr *e)
{
	struct lab_check *c = next_check(rep, s->section, s->what);

	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	snprintf(c->expected, sizeof(c->expected), "completed");
	snprintf(c->seen, sizeof(c->seen), "%s", st->handshake_ms >= 0 ? "completed" : "none");
	if (st->handshake_ms >= 0)
		snprintf(c->note, sizeof(c->note), "%ld ms, %s -> %s:%d, real WireGuard",
			 st->handshake_ms, LAB_PEER1_WAN4, LAB_HOST_WAN4, LAB_WG_PORT);
	finish_check(rep, c, st->handshake_ms >= 0);
	return 0;
}

/* ----- the scanner: the ban daemon at work ----- */

/* Poll BANNED4 (bounded) until addr is in it; found is NULL-safe. */
static int wait_banned(struct runner *r, const char *addr, struct lab_set *set,
		       const struct lab_set_elem **found, long long *waited, struct xerr *e)
{
	long long t0 = clock_mono_ms();

	*found = NULL;
	do {
		if (r->stop && *r->stop)
			return xerr_set(e, XNFT_EXIT_USAGE, "interrupted");
		if (lab_set_read(LAB_NS_HOST, "BANNED4", set, e))
			return -1;
		*found = lab_set_find(set, addr);
		if (*found)
			break;
		sleep_ms(100);
	} while (clock_mono_ms() - t0 < 5000);
	*waited = clock_mono_ms() - t0;
	return 0;
}

static int scan_check(struct runner *r, struct lab_set *set, struct xerr *e)
{
	struct lab_scan scan = {
		.ns = LAB_NS_INTERNET, .src = LAB_INET_HOST4, .dst = LAB_HOST_WAN4,
		.lo = 1, .hi = LAB_SCAN_PORTS, .timeout_ms = 1200,
	};
	char what[96];
	const struct lab_set_elem *el;
	long long waited = 0;
	struct xerr perr;

	snprintf(what, sizeof(what), "scan of %d ports from %s", LAB_SCAN_PORTS, LAB_INET_HOST4);
	struct lab_check *c = next_check(r->rep, "scanner", what);
	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	snprintf(c->expected, sizeof(c->expected), "banned");
	if (lab_scan_run(&scan, &perr)) {
		snprintf(c->seen, sizeof(c->seen), "error: %s", perr.msg);
		finish_check(r->rep, c, 0);
		return 0;
	}
	if (wait_banned(r, LAB_INET_HOST4, set, &el, &waited, e))
		return -1;
	snprintf(c->seen, sizeof(c->seen), "%s", el ? "banned" : "not banned");
	if (el)
		snprintf(c->note, sizeof(c->note),
			 "by xnft daemon after %d events (in BANNED4, timeout %llds; %u open)",
			 LAB_BAN_THRESHOLD, el->timeout_s, scan.n_open);
	else
		snprintf(c->note, sizeof(c->note), "not in BANNED4 %lld ms after the scan (log: %s)",
			 waited, LAB_DAEMON_LOG);
	finish_check(r->rep, c, el && scan.n_open == 0);
	return 0;
}

/* The admin sent nothing the rules count, and the whitelist holds it anyway. */
static int admin_check(struct runner *r, struct lab_set *set, struct xerr *e)
{
	struct lab_check *c = next_check(r->rep, "scanner", "admin " LAB_ADMIN4 " not banned");

	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	if (lab_set_read(LAB_NS_HOST, "BANNED4", set, e))
		return -1;
	int banned = lab_set_find(set, LAB_ADMIN4) != NULL;
	snprintf(c->expected, sizeof(c->expected), "not banned");
	snprintf(c->seen, sizeof(c->seen), "%s", banned ? "banned" : "not banned");
	snprintf(c->note, sizeof(c->note), "%zu address%s in BANNED4", set->n,
		 set->n == 1 ? "" : "es");
	finish_check(r->rep, c, !banned);
	return 0;
}

static const struct check_spec after_ban[] = {
	{ "scanner", "next packet from the banned scanner",
	  TCP(LAB_NS_INTERNET, LAB_INET_HOST4, LAB_HOST_WAN4, LAB_TCP_SSH),
	  PROBE_FILTERED, RULE_BAN4, 0 },
	{ "scanner", "mesh peer still reaches SSH",
	  TCP(LAB_NS_PEER1, NULL, LAB_HOST_MESH4, LAB_TCP_SSH),
	  PROBE_OPEN, RULE_SSH4, 0 },
	{ "scanner", "admin still reaches SSH (break-glass)",
	  TCP(LAB_NS_INTERNET, LAB_ADMIN4, LAB_HOST_WAN4, LAB_TCP_SSH),
	  PROBE_OPEN, RULE_BREAKGLASS, 0 },
};

/*
 * After every other check: the attacker scans, the daemon (reading the
 * drop logs over NFLOG) bans it, and the ban rule drops what it sends next,
 * while the mesh and the admin are never banned.
 */
static int scanner_checks(struct runner *r, struct xerr *e)
{
	struct lab_set *set = malloc(sizeof(*set));
	int rc = 0;

	if (!set)
		return xerr_set(e, 2, "out of memory");
	if (scan_check(r, set, e)) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < sizeof(after_ban) / sizeof(after_ban[0]); i++) {
		if (run_check(r, &after_ban[i], e)) {
			rc = -1;
			goto out;
		}
	}
	rc = admin_check(r, set, e);
out:
	free(set);
	return rc;
}

/* ----- the outside view: xnft scan (nmap) from the internet against the proof ----- */

/* 1 if nmap is an executable file in one of PATH's directories. */
static int nmap_installed(void)
{
	const char *path = getenv("PATH");
	char file[4200];

	while (path && *path) {
		int n = (int)strcspn(path, ":");

		if (n > 0 && n < 4096) {
			snprintf(file, sizeof(file), "%.*s/nmap", n, path);
			if (!access(file, X_OK))
				return 1;
		}
		path += n + (path[n] == ':');
	}
	return 0;
}

void lab_outside_judge(struct lab_check *c, int exit_ok, const char *text)
{
	const char *status = strstr(text, "exited with status ");
	const char *said = status && strstr(status, ": ") ? strstr(status, ": ") + 2 : text;
	const char *drift = strstr(said, "CRITICAL ");
	const char *counts = strstr(said, ": ");
	unsigned long nopen, ndrift;

	if (!drift)
		drift = strstr(said, "warning ");
	c->pass = 0;
	if (exit_ok && counts &&
	    sscanf(counts, ": %lu %*s open, %lu drift", &nopen, &ndrift) == 2 && !ndrift) {
		snprintf(c->seen, sizeof(c->seen), "as proven");
		snprintf(c->note, sizeof(c->note),
			 "nmap from the internet: only udp/%d let in, %lu open - as proven",
			 LAB_WG_PORT, nopen);
		c->pass = 1;
	} else if (drift) {
		snprintf(c->seen, sizeof(c->seen), "drift");
		snprintf(c->note, sizeof(c->note), "%.*s", (int)strcspn(drift, ":\n"), drift);
	} else {
		snprintf(c->seen, sizeof(c->seen), "error");
		snprintf(c->note, sizeof(c->note), "%.*s", (int)strcspn(said, "\n"), said);
	}
}

/*
 * `xnft scan` (this binary) run inside the internet namespace against
 * target: its unbound packets leave from LAB_OUTSIDE4/6 (lab.c's routes),
 * never banned. The proof is the policy the lab applied, for any source on
 * the internet; the ports are few enough not to be banned mid-scan.
 */
static int outside_check(struct runner *r, const char *src, const char *target,
			 struct lab_set *set, struct xerr *e)
{
	char self[512], what[96];
	char *out = NULL;
	struct xerr serr;

	snprintf(what, sizeof(what), "xnft scan %s from %s", target, src);
	struct lab_check *c = next_check(r->rep, "outside", what);
	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	if (r->stop && *r->stop)
		return xerr_set(e, XNFT_EXIT_USAGE, "interrupted");
	snprintf(c->expected, sizeof(c->expected), "as proven");
	if (!nmap_installed()) {
		snprintf(c->seen, sizeof(c->seen), "no nmap");
		snprintf(c->note, sizeof(c->note), "nmap is not installed: apt-get install nmap");
		finish_check(r->rep, c, 0);
		return 0;
	}
	if (lab_self_exe(self, sizeof(self), e))
		return -1;
	char *argv[] = { "ip", "netns", "exec", LAB_NS_INTERNET, self, "scan", (char *)target,
			 "--expect", LAB_POLICY_DIR, "--class", "internet", "--ports",
			 LAB_OUTSIDE_PORTS, "--no-stealth", NULL };
	int ok = !spawn_capture(argv, &out, &serr);
	lab_outside_judge(c, ok, ok ? out : serr.msg);
	free(out);
	/* A scan banned halfway would see only drops: it must not count. */
	int v4 = strchr(src, ':') == NULL;
	if (lab_set_read(LAB_NS_HOST, v4 ? "BANNED4" : "BANNED6", set, e))
		return -1;
	if (lab_set_find(set, v4 ? src : LAB_OUTSIDE6_NET)) {
		snprintf(c->seen, sizeof(c->seen), "banned");
		snprintf(c->note, sizeof(c->note), "%s was banned during the scan: fewer ports", src);
		c->pass = 0;
	}
	finish_check(r->rep, c, c->pass);
	return 0;
}

/* The demo's last word: what the internet sees, by nmap, is what xnft proved. */
static int outside_checks(struct runner *r, struct xerr *e)
{
	struct lab_set *set = malloc(sizeof(*set));
	int rc;

	if (!set)
		return xerr_set(e, 2, "out of memory");
	rc = outside_check(r, LAB_OUTSIDE4, LAB_HOST_WAN4, set, e);
	if (!rc)
		rc = outside_check(r, LAB_OUTSIDE6, LAB_HOST_WAN6, set, e);
	free(set);
	return rc;
}

/*
 * The proof as two expectations: from the internet only the WireGuard port
 * opens a connection, over IPv4 and IPv6 (and the admin's break-glass SSH,
 * from the allowlist alone), and every intent holds.
 */
static int proof_checks(struct lab_report *rep, struct xerr *e)
{
	struct lab_proof *p = &rep->proof;
	size_t other;
	struct lab_check *c;

	if (lab_prove(p, e))
		return -1;
	other = p->wan_lines - p->wan_wireguard - p->wan_breakglass;
	c = next_check(rep, "proof", "new connections from eth0, any port");
	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	snprintf(c->expected, sizeof(c->expected), "UDP %d", LAB_WG_PORT);
	if (other)
		snprintf(c->seen, sizeof(c->seen), "%zu other", other);
	else
		snprintf(c->seen, sizeof(c->seen), "UDP %d", LAB_WG_PORT);
	snprintf(c->note, sizeof(c->note), "IPv4 and IPv6; break-glass SSH from %s only",
		 LAB_ADMIN4);
	finish_check(rep, c, !other && p->wan_wireguard >= 2 && p->wan_breakglass >= 1);
	c = next_check(rep, "proof", "the policy's intents (policy/intents)");
	if (!c)
		return xerr_set(e, 2, "lab: too many checks");
	snprintf(c->expected, sizeof(c->expected), "all hold");
	snprintf(c->seen, sizeof(c->seen), "%zu of %zu", p->held, p->intents);
	snprintf(c->note, sizeof(c->note), "read and proven in %ld ms, for every possible packet",
		 p->elapsed_ms);
	finish_check(rep, c, p->intents > 0 && p->held == p->intents);
	return 0;
}

int lab_run_checks(lab_stop_flag *stop, const struct lab_state *st, struct lab_report *rep,
		   struct xerr *e)
{
	struct runner r = { .stop = stop, .rep = rep };
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->policy_origin, sizeof(rep->policy_origin),
		 "xnft's built-in default policy, as written by\n"
		 "          xnft init --wan eth0 --mesh-if %s --mesh %s --mesh %s\n"
		 "                    --admin %s/32 --bogon-exempt 198.18.0.0/15 "
		 "--bogon-exempt 2001:2::/48", LAB_WG_HOST, LAB_MESH4, LAB_MESH6, LAB_ADMIN4);
	snprintf(rep->policy_dir, sizeof(rep->policy_dir), "%s", LAB_POLICY_DIR);
	rep->handshake_ms = st->handshake_ms;
	r.before = malloc(sizeof(*r.before));
	r.after = malloc(sizeof(*r.after));
	if (!r.before || !r.after) {
		rc = xerr_set(e, 2, "out of memory");
		goto out;
	}
	if (lab_counters_read(LAB_NS_HOST, r.before, e)) {
		rc = -1;
		goto out;
	}
	rep->policy_rules = (long)r.before->n;
	if (proof_checks(rep, e)) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check_spec *s = &checks[i];
		if (s->probe.ns ? run_check(&r, s, e) : handshake_check(rep, s, st, e)) {
			rc = -1;
			goto out;
		}
	}
	rc = scanner_checks(&r, e);
	if (!rc)
		rc = outside_checks(&r, e);
out:
	free(r.before);
	free(r.after);
	return rc;
}
