// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The concrete tracer (src/analyze/trace*.c) on captured listings:
 * tests/unit/fixtures/trace/{hooks,jumps,matches,policy,family,link}.json, made from the
 * .nft files next to them by regen.sh. Most cases are one line of the table
 * below: a packet, the options, the verdict and the rule that decides it
 * (by comment; "policy" for a chain's policy), the rules that must have
 * matched and must not have, and an assumption the verdict must record.
 * What does not fit a line (chain order, held fragments, formatting,
 * defines) follows as plain tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trace.h"
#include "core/policy_load.h"

#define FIX FIXTURES "/trace/"
#define POLICY_ENTRY FIXTURES "/../../../policy/nftables.conf"

static struct ruleset *fixtures[6];
static const char *const fixture_names[] = { "hooks", "jumps", "matches", "policy", "family",
					      "link" };
enum { HOOKS, JUMPS, MATCHES, POLICY, FAMILY, LINK };

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 6; i++) {
		char path[512];
		struct xerr e;
		size_t len;
		char *text;

		snprintf(path, sizeof(path), FIX "%s.json", fixture_names[i]);
		text = slurp(path, &len);
		xerr_clear(&e);
		if (policy_load_json(text, len, i == POLICY ? POLICY_ENTRY : NULL, &fixtures[i], &e))
			return -1;
		free(text);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 6; i++)
		ruleset_free(fixtures[i]);
	return 0;
}

/* ---- helpers --------------------------------------------------------------------- */

static void trace(int fx, const char *words, bool over, const char *in_set,
		  struct trace_result *r)
{
	const char *sets[1] = { in_set };
	struct trace_opts o = { .over_limit = over, .in_sets = sets, .nin_sets = in_set ? 1 : 0 };
	struct packet p;
	struct xerr e;

	xerr_clear(&e);
	if (packet_parse(&p, words, &e))
		fail_msg("packet '%s': %s", words, e.msg);
	if (trace_packet(fixtures[fx], &p, &o, r, &e))
		fail_msg("trace '%s': %s", words, e.msg);
}

static const struct trace_step *step_of(const struct trace_result *r, const char *comment)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct trace_step *s = &r->steps[i];

		if (s->kind == TRACE_STEP_RULE && s->rule->comment &&
		    !strcmp(s->rule->comment, comment))
			return s;
	}
	return NULL;
}

static bool did_match(const struct trace_result *r, const char *comment)
{
	const struct trace_step *s = step_of(r, comment);

	return s && s->matched;
}

static bool assumed(const struct trace_result *r, const char *text)
{
	for (size_t i = 0; i < r->nas; i++)
		if (strstr(r->as[i].text, text))
			return true;
	return false;
}

static const char *decider(const struct trace_result *r)
{
	if (!r->decided_chain)
		return "none";
	if (!r->decided_by)
		return "policy";
	return r->decided_by->comment ? r->decided_by->comment : "?";
}

/* ---- the table ---------------------------------------------------------------------- */

struct tcase {
	int fx;
	const char *words;
	bool over;
	const char *in_set;
	const char *verdict;    /* "accept" / "drop" */
	const char *by;         /* comment of the deciding rule, or "policy" */
	const char *matched;    /* a rule (comment) that must have matched, or NULL */
	const char *unmatched;  /* a rule met that must not have matched, or NULL */
	const char *assume;     /* text an assumption must contain, or NULL */
};

static const struct tcase cases[] = {
	/* hooks: accept ends one base chain, the later ones still run */
	{ HOOKS, "iif eth0 tcp dport 22", 0, NULL, "accept", "a-late-ssh", "a-early-ssh", NULL, NULL },
	{ HOOKS, "iif eth0 tcp dport 22", 0, NULL, "accept", "a-late-ssh", "b-v4-only", NULL, NULL },
	{ HOOKS, "iif eth0 tcp dport 80", 0, NULL, "drop", "a-early-http", NULL, NULL, NULL },
	{ HOOKS, "iif eth0 tcp dport 23", 0, NULL, "drop", "a-late-telnet", "d-tie-first", NULL, NULL },
	{ HOOKS, "iif eth0 ip6 saddr 2001:db8::5 tcp dport 22", 0, NULL, "accept", "a-late-ssh",
	  "c-v6-ssh", NULL, NULL },
	{ HOOKS, "iif eth0 ip6 saddr 2001:db8::5 tcp dport 24", 0, NULL, "drop", "policy", NULL,
	  "c-v6-ssh", NULL },
	{ HOOKS, "iif eth0 tcp dport 9", 0, NULL, "accept", "policy", "a-pre-eth0", NULL, NULL },
	{ HOOKS, "iif eth0 oif wg0 tcp dport 9", 0, NULL, "accept", "policy", "a-post-iif-eth0", NULL, NULL },
	{ HOOKS, "iif eth0 oif wg0 tcp dport 9", 0, NULL, "accept", "policy", "a-fwd-to-wg0", NULL, NULL },
	{ HOOKS, "iif eth0 oif eth1 tcp dport 9", 0, NULL, "drop", "policy", NULL, "a-fwd-to-wg0", NULL },
	/* forwarding decrements the ttl before the forward hook */
	{ HOOKS, "iif eth0 oif wg0 ip ttl 64 tcp dport 9", 0, NULL, "accept", "policy", "a-fwd-ttl-63",
	  NULL, NULL },
	{ HOOKS, "iif eth0 oif wg0 ip ttl 63 tcp dport 9", 0, NULL, "accept", "policy", NULL,
	  "a-fwd-ttl-63", NULL },
	{ HOOKS, "oif eth0 tcp dport 25", 0, NULL, "drop", "a-out-smtp", NULL, NULL, NULL },
	{ HOOKS, "oif eth0 tcp dport 26", 0, NULL, "accept", "policy", NULL, "a-post-iif-eth0", NULL },
	{ HOOKS, "iif eth0 tcp dport 9", 0, NULL, "accept", "policy", "d-raw-invalid", "d-raw-new", NULL },
	{ HOOKS, "iif eth0 udp dport 4789", 0, NULL, "accept", "policy", "d-untracked", NULL, NULL },
	/* dnat to 10.0.0.9:80, not known as this host's: forwarded (to no interface a rule names) */
	{ HOOKS, "iif eth0 tcp dport 8080", 0, NULL, "drop", "policy", "a-dnat", "a-fwd-to-wg0",
	  "not an address of this host" },
	{ HOOKS, "iif lo ip saddr 127.0.0.9", 0, NULL, "drop", "e-ingress-lo", NULL, NULL,
	  "names no device" },
	/* jumps, gotos, returns, continue, verdict maps */
	{ JUMPS, "tcp dport 22 ip saddr 10.1.1.1", 0, NULL, "accept", "sub-accept", "named-vmap", NULL, NULL },
	{ JUMPS, "tcp dport 22 ip saddr 8.8.8.8", 0, NULL, "drop", "policy", "in-end", "sub-accept", NULL },
	{ JUMPS, "tcp dport 23", 0, NULL, "drop", "named-vmap", NULL, NULL, NULL },
	{ JUMPS, "tcp dport 24", 0, NULL, "drop", "policy", "tail-only", NULL, NULL },
	{ JUMPS, "tcp dport 25", 0, NULL, "accept", "named-vmap", NULL, NULL, NULL },
	{ JUMPS, "tcp dport 26", 0, NULL, "accept", "after-deep", "sub-end", "named-vmap", NULL },
	{ JUMPS, "tcp dport 30", 0, NULL, "accept", "after-continue", "continue-30", NULL, NULL },
	{ JUMPS, "udp dport 1", 0, NULL, "drop", "policy", "in-end", NULL, NULL },
	{ JUMPS, "udp dport 1", 0, NULL, "drop", "policy", "sub-return", "base-return", NULL },
	{ JUMPS, "udp dport 2", 0, NULL, "drop", "policy", "tail-only", NULL, NULL },
	{ JUMPS, "udp dport 3", 0, NULL, "drop", "anon-vmap", NULL, NULL, NULL },
	{ JUMPS, "udp dport 4", 0, NULL, "drop", "policy", "base-return", NULL, NULL },
	/* stateful defaults and dynamic sets */
	{ MATCHES, "iif eth0 ip saddr 45.33.32.156 tcp dport 9", 0, NULL, "drop", "policy", NULL,
	  "banned", "@banned is filled at run time" },
	{ MATCHES, "iif eth0 ip saddr 45.33.32.156 tcp dport 9", 0, "banned", "drop", "banned",
	  NULL, NULL, "--in-set banned" },
	{ MATCHES, "iif eth0 ip6 saddr 2001:db8:1:2::5 tcp dport 9", 0, "banned6", "drop", "banned6",
	  NULL, NULL, NULL },
	{ MATCHES, "iif eth0 tcp dport 9", 0, NULL, "drop", "policy", NULL, "flood", "under the limit" },
	{ MATCHES, "iif eth0 tcp dport 9", 1, NULL, "drop", "flood", NULL, NULL, "over the limit" },
	{ MATCHES, "iif eth0 tcp dport 100", 0, NULL, "accept", "limit-under", NULL, "global-over", NULL },
	{ MATCHES, "iif eth0 tcp dport 101", 0, NULL, "accept", "meter", NULL, NULL, "meter m1" },
	{ MATCHES, "iif eth0 tcp dport 102", 0, NULL, "accept", "after-quota", NULL, "quota-over", NULL },
	{ MATCHES, "iif eth0 tcp dport 103", 0, NULL, "accept", "after-ctcount", NULL, "ctcount-over", NULL },
	{ MATCHES, "iif eth0 tcp dport 104", 0, NULL, "accept", "in-seen", "add-seen", NULL, NULL },
	/* sets, intervals, prefixes, concatenations, interfaces */
	{ MATCHES, "ip saddr 10.1.2.3 tcp dport 22", 0, NULL, "accept", "ssh-from-nets", NULL, NULL, NULL },
	{ MATCHES, "ip saddr 1.2.3.5 tcp dport 22", 0, NULL, "accept", "ssh-from-nets", NULL, NULL, NULL },
	{ MATCHES, "ip saddr 192.168.1.1 tcp dport 22", 0, NULL, "accept", "ssh-from-nets", NULL, NULL, NULL },
	{ MATCHES, "ip saddr 192.168.1.2 tcp dport 22", 0, NULL, "drop", "policy", NULL, "ssh-from-nets",
	  "ip dscp taken as 0" },
	{ MATCHES, "ip saddr 1.1.1.1 tcp dport 85", 0, NULL, "accept", "concat", NULL, NULL, NULL },
	{ MATCHES, "ip saddr 1.1.1.1 tcp dport 91", 0, NULL, "drop", "policy", NULL, "concat", NULL },
	{ MATCHES, "ip saddr 8.8.8.8 tcp dport 53", 0, NULL, "accept", "anon-concat", NULL, NULL, NULL },
	{ MATCHES, "ip saddr 8.8.8.8 udp dport 53", 0, NULL, "accept", "dns-not-nets", NULL, NULL, NULL },
	{ MATCHES, "ip saddr 10.0.0.1 udp dport 53", 0, NULL, "drop", "policy", NULL, "dns-not-nets", NULL },
	{ MATCHES, "ip6 saddr 2001:db8::1 tcp dport 22", 0, NULL, "accept", "v6-nets", NULL, NULL, NULL },
	{ MATCHES, "iifname wg0 tcp dport 2000", 0, NULL, "accept", "ifname-set-wildcard", NULL, NULL, NULL },
	{ MATCHES, "iifname tun3 tcp dport 2000", 0, NULL, "accept", "ifname-set-wildcard", NULL, NULL, NULL },
	{ MATCHES, "iifname eth7 tcp dport 2000", 0, NULL, "drop", "policy", NULL, "ifname-set-wildcard", NULL },
	{ MATCHES, "iifname eth7 tcp dport 2001", 0, NULL, "accept", "ifname-wildcard", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 2001", 0, NULL, "drop", "policy", NULL, "ifname-wildcard", NULL },
	{ MATCHES, "iif lo", 0, NULL, "accept", "iif-lo", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 1005", 0, NULL, "accept", "port-range", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 3001", 0, NULL, "accept", "port-set", NULL, NULL, NULL },
	{ MATCHES, "tcp sport 4000 tcp dport 9", 0, NULL, "accept", "port-ne", NULL, NULL, NULL },
	/* tcp flags: in, masks, "!"; ct state */
	{ MATCHES, "tcp dport 5000 tcp flags syn", 0, NULL, "accept", "flags-in-syn", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 5000 tcp flags syn,ack", 0, NULL, "accept", "flags-in-syn", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 5001 tcp flags syn,ack", 0, NULL, "accept", "flags-mask", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 5001 tcp flags syn", 0, NULL, "drop", "policy", NULL, "flags-mask", NULL },
	{ MATCHES, "tcp dport 5002 tcp flags 0x0", 0, NULL, "accept", "flags-null", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 5003 tcp flags ack", 0, NULL, "accept", "flags-not", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 5003 tcp flags syn", 0, NULL, "drop", "policy", NULL, "flags-not", NULL },
	{ MATCHES, "tcp dport 9 tcp flags ack", 0, NULL, "accept", "ct-est", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 9 tcp flags fin", 0, NULL, "drop", "ct-invalid", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 9 ct state related", 0, NULL, "accept", "ct-est", NULL, NULL, NULL },
	/* icmp, meta, implied protocols */
	{ MATCHES, "icmp type echo-request", 0, NULL, "accept", "icmp-echo", NULL, NULL, NULL },
	{ MATCHES, "icmp type echo-request icmp code 1", 0, NULL, "drop", "policy", NULL, "icmp-echo", NULL },
	{ MATCHES, "icmpv6 type nd-neighbor-solicit", 0, NULL, "accept", "ndp", NULL, NULL, NULL },
	{ MATCHES, "icmpv6 type nd-neighbor-solicit ip6 hoplimit 64", 0, NULL, "drop", "policy", NULL,
	  "ndp", NULL },
	{ MATCHES, "udp dport 6000", 0, NULL, "accept", "l4-udp", NULL, NULL, NULL },
	{ MATCHES, "ip6 saddr 2001:db9::1 udp dport 6001", 0, NULL, "accept", "nfproto-v6", NULL, NULL, NULL },
	{ MATCHES, "udp dport 6001", 0, NULL, "drop", "policy", NULL, "nfproto-v6", NULL },
	{ MATCHES, "meta mark 0x110", 0, NULL, "accept", "mark-mask", NULL, NULL, NULL },
	{ MATCHES, "meta mark 0x11 tcp dport 9", 0, NULL, "drop", "policy", NULL, "mark-mask", NULL },
	{ MATCHES, "tcp dport 7000", 0, NULL, "accept", "mark-seen", "mark-set", NULL, NULL },
	{ MATCHES, "ip ttl 3", 0, NULL, "drop", "ttl-low", NULL, NULL, NULL },
	{ MATCHES, "udp dport 8000", 0, NULL, "accept", "th-dport", NULL, NULL, NULL },
	{ MATCHES, "tcp dport 8001", 0, NULL, "accept", "fib-local", NULL, NULL, "fib daddr type taken as local" },
	{ MATCHES, "tcp dport 8002", 0, NULL, "accept", "numgen", NULL, "socket", "numgen taken as 0" },
	{ MATCHES, "tcp dport 8003", 0, NULL, "drop", "policy", NULL, "socket", "no socket" },
	{ MATCHES, "iif eth0 udp dport 22 ip saddr 10.1.1.1", 0, NULL, "drop", "policy", NULL,
	  "ssh-from-nets", NULL },
	{ MATCHES, "tcp dport 9", 0, NULL, "drop", "policy", NULL, "oif-in-input", NULL },
	/* conntrack, and defragmentation with it, is loaded per family */
	{ FAMILY, "iif eth0 ip6 saddr 2001:db8::1 meta l4proto udp fragment", 0, NULL, "drop",
	  "v6-frag-at-input", NULL, NULL, NULL },
	{ FAMILY, "iif eth0 tcp dport 9 tcp flags fin", 0, NULL, "drop", "v4-invalid", NULL, NULL, NULL },
	/* ARP packets and frames in bridge hooks (the kernel's answers: test_cx_families.sh):
	 * no transport protocol and no route end the rule; pkttype from the link layer */
	{ LINK, "iifname eth0 arp operation request", 0, NULL, "accept", "policy", "arp-broadcast",
	  "arp-l4proto", "meta pkttype taken as broadcast" },
	{ LINK, "iifname eth0 arp operation request", 0, NULL, "accept", "policy", NULL,
	  "arp-rtclassid", NULL },
	/* the word meta pkttype gives it: exact, nothing assumed */
	{ LINK, "iifname eth0 meta pkttype host arp operation request", 0, NULL, "accept", "policy",
	  "arp-host", "arp-broadcast", NULL },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 pkttype host udp dport 7", 0,
	  NULL, "accept", "policy", "br-pre-host", "br-pre-other", NULL },
	{ LINK, "iifname eth0 arp operation reply", 0, NULL, "accept", "policy", "arp-host",
	  "arp-broadcast", "taken as host (an ARP reply" },
	/* at netdev egress the frame's header is built: nft's implied ether type reads it */
	{ LINK, "oifname lo arp operation request", 0, NULL, "accept", "policy", "nd-egress-arp",
	  NULL, NULL },
	{ LINK, "iifname eth0 arp operation request", 0, NULL, "accept", "policy", "arp-in-length",
	  NULL, NULL },
	{ LINK, "oifname eth0 arp operation reply", 0, NULL, "accept", "policy", "arp-out-length",
	  NULL, NULL },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 udp dport 7", 0, NULL, "accept",
	  "policy", "br-pre-other", "br-pre-host", "meta pkttype taken as other" },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 udp dport 7", 0, NULL, "accept",
	  "policy", "br-pre-l4proto", "br-fwd-rtclassid", NULL },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 ip daddr 255.255.255.255 udp dport 7",
	  0, NULL, "accept", "policy", NULL, "br-pre-other", NULL },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 arp operation reply", 0, NULL,
	  "accept", "policy", "br-pre-other", "br-pre-l4proto", NULL },
	/* ether saddr set writes the link layer (before: the transport header's bytes 6..11) */
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 tcp dport 9", 0, NULL, "accept",
	  "policy", "br-saddr-seen", "br-ackseq", NULL },
	/* an 802.1Q tag (the word vlan id): nft's implied ether type reads 8021q, meta protocol
	 * the type inside (the device took the tag off); no tag, no vlan match */
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 vlan id 5 udp dport 7", 0, NULL,
	  "accept", "policy", "br-vlan5", "br-ether-ip", NULL },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 vlan id 5 udp dport 7", 0, NULL,
	  "accept", "policy", "br-vlan-inner", NULL, NULL },
	{ LINK, "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 udp dport 7", 0, NULL, "accept",
	  "policy", "br-ether-ip", "br-vlan5", NULL },
	{ LINK, "iifname wgp1 ibrname wg0 udp dport 7", 0, NULL, "accept", "policy", "br-pre-host",
	  "br-in-rtclassid", NULL },
	{ LINK, "oifname wgp1 obrname wg0 udp dport 7", 0, NULL, "accept", "policy",
	  "br-out-rtclassid", NULL, NULL },
	{ LINK, "oifname wgp1 obrname wg0 udp dport 7", 0, NULL, "accept", "policy", "br-out-host",
	  NULL, NULL },
	/* the default policy */
	{ POLICY, "iif lo", 0, NULL, "accept", "loopback: the host talking to itself", NULL, NULL, NULL },
	{ POLICY, "iif lo ip6 saddr ::1 udp dport 53", 0, NULL, "accept",
	  "loopback: the host talking to itself", NULL, NULL, NULL },
	{ POLICY, "iif eth0 tcp dport 22", 0, NULL, "drop", "catch-all: drop what no rule allowed",
	  NULL, NULL, "limit rate 10/second burst 20 packets: under the limit" },
	{ POLICY, "iif wg0 ip saddr 10.10.0.2 tcp dport 22", 0, NULL, "accept",
	  "service: SSH (mesh-only, per-source 10/min)", "mesh: authenticated peers go to mesh_input",
	  NULL, NULL },
	{ POLICY, "iif wg0 ip saddr 192.0.2.1 tcp dport 22", 0, NULL, "drop",
	  "mesh: drop spoofed IPv4 source in tunnel", NULL, NULL, NULL },
	{ POLICY, "iif eth0 udp dport 51820", 0, NULL, "accept",
	  "vpn: WireGuard from the internet (per-source 30/min)", NULL, NULL, NULL },
	{ POLICY, "iif eth0 ip6 saddr 2606:4700::1 udp dport 51820", 0, NULL, "accept",
	  "vpn: WireGuard over IPv6 (per-source 30/min)", NULL, NULL, NULL },
	{ POLICY, "iif eth0 tcp dport 80 tcp flags 0x0", 0, NULL, "drop",
	  "antiscan: drop TCP NULL scan (no flags)", NULL, NULL, NULL },
	{ POLICY, "iif eth0 ip saddr 45.33.32.156 tcp dport 80", 0, NULL, "drop",
	  "catch-all: drop what no rule allowed", NULL, "ban: source banned by xnft daemon", NULL },
	{ POLICY, "iif eth0 ip saddr 45.33.32.156 tcp dport 80", 0, "BANNED4", "drop",
	  "ban: source banned by xnft daemon", NULL, NULL, NULL },
	{ POLICY, "iif eth0 tcp dport 22", 1, NULL, "drop", "antiscan: drop SYN flood excess",
	  "antiscan: SYN flood, one IPv4 source over 30/s", NULL, NULL },
	{ POLICY, "iif eth0 ip saddr 10.1.2.3 tcp dport 443", 0, NULL, "drop",
	  "bogons: drop new IPv4 from a bogon on WAN", NULL, NULL, NULL },
	{ POLICY, "iif eth0 ip saddr 10.1.2.3 tcp dport 443 tcp flags ack", 0, NULL, "accept",
	  "conntrack: established/related fast path", NULL, NULL, NULL },
	{ POLICY, "iif eth0 icmpv6 type nd-redirect", 0, NULL, "drop",
	  "antiscan: drop ICMPv6 nd-redirect (MITM vector)", NULL, NULL, NULL },
	{ POLICY, "iif eth0 oif wg0 ip daddr 10.10.0.2 tcp dport 22", 0, NULL, "drop",
	  "forward: drop what no rule allowed", NULL, NULL, NULL },
	{ POLICY, "iif wg0 oif wg0 ip saddr 10.10.0.2 ip daddr 10.10.0.3 tcp dport 22", 0, NULL,
	  "accept", "forward: hub mode, IPv4 mesh peer to mesh peer", NULL, NULL, NULL },
	{ POLICY, "oif eth0 tcp dport 443", 0, NULL, "accept", "policy", NULL, NULL, NULL },
};

static void run_case(void **state)
{
	const struct tcase *c = *state;
	struct trace_result r;

	trace(c->fx, c->words, c->over, c->in_set, &r);
	if (strcmp(trace_verdict_name(r.verdict), c->verdict) || strcmp(decider(&r), c->by))
		fail_msg("'%s': %s by '%s', expected %s by '%s'", c->words,
			 trace_verdict_name(r.verdict), decider(&r), c->verdict, c->by);
	if (c->matched && !did_match(&r, c->matched))
		fail_msg("'%s': rule '%s' did not match", c->words, c->matched);
	if (c->unmatched && (!step_of(&r, c->unmatched) || did_match(&r, c->unmatched)))
		fail_msg("'%s': rule '%s' was not met, or matched", c->words, c->unmatched);
	if (c->assume && !assumed(&r, c->assume))
		fail_msg("'%s': no assumption says '%s'", c->words, c->assume);
	trace_result_free(&r);
}

/* ---- what does not fit the table ------------------------------------------------------- */

static void test_chain_order(void **state)
{
	static const char *const order[] = { "in_early", "in", "in", "in2", "in_late" };
	/* at priority 0, d (created after b) runs first: the kernel's tie order */
	static const char *const tables[] = { "a", "d", "b", "d", "a" };
	struct trace_result r;
	size_t k = 0;

	(void)state;
	trace(HOOKS, "iif eth0 tcp dport 9", false, NULL, &r);
	for (size_t i = 0; i < r.nruns; i++) {
		if (r.runs[i].hook != RS_HOOK_INPUT)
			continue;
		assert_true(k < 5);
		assert_string_equal(r.runs[i].chain->name, order[k]);
		assert_string_equal(r.runs[i].chain->table->name, tables[k]);
		k++;
	}
	assert_int_equal(k, 5);
	trace_result_free(&r);
}

static void test_drop_is_final(void **state)
{
	struct trace_result r;

	(void)state;
	trace(HOOKS, "iif eth0 tcp dport 80", false, NULL, &r);
	assert_int_equal(r.verdict, TRACE_V_DROP);
	assert_null(step_of(&r, "b-v4-only"));
	assert_int_equal(r.decided_hook, RS_HOOK_INPUT);
	trace_result_free(&r);
	trace(HOOKS, "oif eth0 tcp dport 25", false, NULL, &r);
	assert_int_equal(r.nhooks, 2);
	assert_false(r.hooks[1].reached);   /* postrouting */
	trace_result_free(&r);
}

static void test_ttl_expires(void **state)
{
	struct trace_result r;

	(void)state;
	trace(HOOKS, "iif eth0 oif wg0 ip ttl 1 tcp dport 9", false, NULL, &r);
	assert_int_equal(r.verdict, TRACE_V_DROP);
	assert_non_null(r.kernel_drop);
	assert_null(step_of(&r, "a-fwd-to-wg0"));
	trace_result_free(&r);
}

static void test_fragments_held(void **state)
{
	struct trace_result r;

	(void)state;
	trace(HOOKS, "iif eth0 meta l4proto udp fragment", false, NULL, &r);
	assert_true(did_match(&r, "d-frag4"));
	assert_true(r.held);
	assert_int_equal(r.verdict, TRACE_V_ACCEPT);
	assert_null(step_of(&r, "d-frag-after-defrag"));
	trace_result_free(&r);
	trace(HOOKS, "iif eth0 ip6 saddr 2001:db8::1 meta l4proto udp fragment", false, NULL, &r);
	assert_true(did_match(&r, "d-frag6"));
	assert_true(r.held);
	trace_result_free(&r);
	/* the same in the matches table: its input chain never sees a fragment */
	trace(MATCHES, "meta l4proto udp fragment", false, NULL, &r);
	assert_true(r.held);
	assert_null(step_of(&r, "frag-off"));
	trace_result_free(&r);
}

static void test_nat_only_new(void **state)
{
	struct trace_result r;
	bool skipped = false;

	(void)state;
	trace(HOOKS, "iif eth0 tcp dport 8080 tcp flags ack ct state established", false, NULL, &r);
	for (size_t i = 0; i < r.nruns; i++)
		if (!strcmp(r.runs[i].chain->name, "nat_pre"))
			skipped = r.runs[i].skipped != NULL;
	assert_true(skipped);
	assert_null(step_of(&r, "a-dnat"));
	trace_result_free(&r);
	trace(HOOKS, "iif eth0 tcp dport 8080", false, NULL, &r);
	assert_true(did_match(&r, "a-dnat"));
	assert_true(step_of(&r, "a-dnat")->nfx > 0);
	/* the binding is set up: the next nat chain of the hook does not run */
	assert_null(step_of(&r, "a-nat2"));
	trace_result_free(&r);
	trace(HOOKS, "iif eth0 tcp dport 8081", false, NULL, &r);
	assert_true(did_match(&r, "a-nat2"));
	trace_result_free(&r);
}

static void test_why_and_depth(void **state)
{
	const struct trace_step *s;
	struct trace_result r;

	(void)state;
	trace(MATCHES, "iif eth0 udp dport 22 ip saddr 10.1.1.1", false, NULL, &r);
	s = step_of(&r, "ssh-from-nets");
	assert_non_null(s);
	assert_non_null(strstr(s->why, "implied by tcp dport"));
	assert_non_null(strstr(s->why, "udp"));
	trace_result_free(&r);
	trace(MATCHES, "ip saddr 10.0.0.1 udp dport 53", false, NULL, &r);
	assert_non_null(strstr(step_of(&r, "dns-not-nets")->why, "10.0.0.1"));
	trace_result_free(&r);
	trace(JUMPS, "tcp dport 22 ip saddr 10.1.1.1", false, NULL, &r);
	assert_int_equal(step_of(&r, "sub-accept")->depth, 1);
	assert_int_equal(step_of(&r, "named-vmap")->depth, 0);
	trace_result_free(&r);
	trace(JUMPS, "tcp dport 26", false, NULL, &r);
	assert_int_equal(step_of(&r, "sub-end")->depth, 2);
	assert_non_null(strstr(step_of(&r, "named-vmap")->why, "not a key"));
	trace_result_free(&r);
}

static void test_effects(void **state)
{
	const struct trace_step *s;
	struct trace_result r;
	bool log = false;

	(void)state;
	trace(MATCHES, "iif eth0 tcp dport 104", false, NULL, &r);
	s = step_of(&r, "add-seen");
	assert_true(s->nfx >= 2);
	assert_non_null(strstr(r.fx[s->fx].text, "add @seen { 8.8.8.8 }"));
	trace_result_free(&r);
	trace(POLICY, "iif eth0 tcp dport 22", false, NULL, &r);
	for (size_t i = 0; i < r.nfx; i++)
		log = log || (r.fx[i].kind == TRACE_FX_LOG && strstr(r.fx[i].text, "XNFT-DROP"));
	assert_true(log);
	trace_result_free(&r);
}

static void test_locations(void **state)
{
	struct trace_result r;
	char where[512];

	(void)state;
	trace(POLICY, "iif wg0 ip saddr 192.0.2.1 tcp dport 22", false, NULL, &r);
	assert_non_null(r.decided_by);
	trace_rule_where(r.decided_by, FIXTURES "/../../../policy", where, sizeof(where));
	assert_int_equal(strncmp(where, "rules/20-mesh.nft:", 18), 0);
	trace_result_free(&r);
}

static void test_format(void **state)
{
	struct trace_result r;
	json_t *j;
	char *t;

	(void)state;
	trace(POLICY, "iif wg0 ip saddr 192.0.2.1 tcp dport 22", false, NULL, &r);
	t = trace_format_text(&r, FIXTURES "/../../../policy", 0);
	assert_non_null(t);
	assert_non_null(strstr(t, "defaults: "));
	assert_non_null(strstr(t, "[match]  iifname \"wg0\" ip saddr != @MESH_PEERS counter drop"));
	assert_non_null(strstr(t, "# mesh: drop spoofed IPv4 source in tunnel"));
	assert_non_null(strstr(t, "[ -- ]"));
	assert_non_null(strstr(t, "verdict: drop at input"));
	assert_null(strstr(t, "\033["));
	free(t);
	t = trace_format_text(&r, NULL, TRACE_FMT_COLOR | TRACE_FMT_MATCHED);
	assert_null(strstr(t, "[ -- ]"));
	free(t);
	j = trace_to_json(&r, FIXTURES "/../../../policy");
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "drop");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
		j, "decided"), "rule"), "file")), "rules/20-mesh.nft");
	assert_true(json_array_size(json_object_get(j, "hooks")) >= 2);
	json_decref(j);
	trace_result_free(&r);
}

static void test_unresolved_define(void **state)
{
	struct trace_result r;
	struct packet p;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(packet_parse(&p, "iifname $WAN_IF tcp dport 22", &e), 0);
	assert_int_equal(trace_packet(fixtures[POLICY], &p, NULL, &r, &e), -1);
	assert_non_null(strstr(e.msg, "$WAN_IF"));
}

/* A define's value is read whole, however long (it was cut at 8 KiB without a word). */
static void test_define_long_value(void **state)
{
	static char text[20000], v[20000];
	struct trace_defines d;
	struct xerr e;
	size_t n;

	(void)state;
	xerr_clear(&e);
	n = (size_t)snprintf(text, sizeof(text), "define PORTS = {");
	for (int port = 1000; n + 16 < sizeof(text) - 8; port++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " %d,\n", port);
	snprintf(text + n, sizeof(text) - n, " 9 }\n");
	assert_true(strlen(text) > 16000);
	assert_int_equal(trace_defines_scan_text(text, NULL, &d, &e), 0);
	assert_int_equal(trace_defines_lookup(&d, "PORTS", v, sizeof(v)), 0);
	assert_true(strlen(v) > 12000);
	assert_int_equal(strncmp(v, "{ 1000, 1001,", 13), 0);
	assert_string_equal(v + strlen(v) - 5, ", 9 }");
	trace_defines_free(&d);
}

static void test_defines(void **state)
{
	struct trace_defines d;
	struct packet p;
	struct xerr e;
	char v[64];

	(void)state;
	xerr_clear(&e);
	assert_int_equal(trace_defines_scan_text(
		"define A = \"eth0\"  # a comment\n"
		"define PORTS = { 22,\n 80 }\n"
		"table inet t { chain c { tcp dport 1 accept; } }\n"
		"define B = 1; redefine B = 2\n"
		"define C = 3\nundefine C\n"
		"define D = $A\n", NULL, &d, &e), 0);
	assert_int_equal(trace_defines_lookup(&d, "A", v, sizeof(v)), 0);
	assert_string_equal(v, "\"eth0\"");
	assert_int_equal(trace_defines_lookup(&d, "PORTS", v, sizeof(v)), 0);
	/* blanks and newlines collapse to one blank, as core/nftsrc.c reads every statement */
	assert_string_equal(v, "{ 22, 80 }");
	assert_int_equal(trace_defines_lookup(&d, "B", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	assert_int_equal(trace_defines_lookup(&d, "C", v, sizeof(v)), -1);
	assert_int_equal(packet_parse(&p, "iifname $D tcp dport 22", &e), 0);
	assert_int_equal(packet_resolve(&p, trace_defines_lookup, &d, &e), 0);
	assert_string_equal(p.iif, "eth0");
	trace_defines_free(&d);
	/* the shipped policy, includes followed */
	assert_int_equal(trace_defines_load(FIXTURES "/../../../policy", &d, &e), 0);
	assert_true(d.files > 5);
	assert_int_equal(trace_defines_lookup(&d, "WG_PORT", v, sizeof(v)), 0);
	assert_string_equal(v, "51820");
	assert_int_equal(packet_parse(&p, "iifname $WAN_IF udp dport $WG_PORT", &e), 0);
	assert_int_equal(packet_resolve(&p, trace_defines_lookup, &d, &e), 0);
	assert_int_equal(p.dport, 51820);
	trace_defines_free(&d);
}

/*
 * Statements that take the packet over, from JSON (queue does not load on a
 * kernel without nft_queue, so a file could not be traced here): queue's
 * fate without a reader, a named synproxy, tproxy's family, ct expectation.
 */
static void test_stealing_statements(void **state)
{
	static const char json[] =
		"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"in\",\"type\":\"filter\","
		"\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}},"
#define RULE(c, port, stmt) "{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\"," \
	"\"comment\":\"" c "\",\"expr\":[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{" \
	"\"protocol\":\"th\",\"field\":\"dport\"}},\"right\":" port "}}," stmt "]}}"
		RULE("qb", "1", "{\"queue\":{\"num\":3,\"flags\":[\"bypass\"]}}") ","
		RULE("q", "2", "{\"queue\":{\"num\":3}}") ","
		RULE("sp", "3", "{\"synproxy\":\"sp\"}") ","
		RULE("tp6", "4", "{\"tproxy\":{\"family\":\"ip6\",\"port\":4}},{\"accept\":null}") ","
		RULE("exp", "5", "{\"ct expectation\":\"e\"},{\"accept\":null}") ","
		RULE("on", "{\"range\":[0,65535]}", "{\"accept\":null}") "]}";
#undef RULE
	struct { const char *words, *rule, *decider, *said; bool matched; } c[] = {
		{ "ip saddr 192.0.2.1 udp dport 1", "qb", "qb", "the kernel accepts it: bypass", true },
		{ "ip saddr 192.0.2.1 udp dport 2", "q", "q", "the kernel drops it", true },
		{ "ip saddr 192.0.2.1 tcp dport 3 tcp flags syn", "sp", "sp", "the SYN is answered", true },
		{ "ip saddr 192.0.2.1 udp dport 3", "sp", "on", NULL, false },
		{ "ip saddr 192.0.2.1 tcp dport 4", "tp6", "on", NULL, false },
		{ "ip6 saddr 2001:db8::1 tcp dport 4", "tp6", "tp6", "transparent socket taken as found",
		  true },
		{ "ip saddr 192.0.2.1 udp dport 5", "exp", "exp", NULL, true },
		{ "ip saddr 192.0.2.1 udp dport 5 ct state established", "exp", "on",
		  "taken as having no ct helper", false },
	};
	struct ruleset *rs = NULL;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	if (ruleset_from_json(json, strlen(json), &rs, &e))
		fail_msg("load: %s", e.msg);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct trace_opts o = { 0 };
		struct trace_result r;
		struct packet p;

		if (packet_parse(&p, c[i].words, &e) || trace_packet(rs, &p, &o, &r, &e))
			fail_msg("'%s': %s", c[i].words, e.msg);
		if (did_match(&r, c[i].rule) != c[i].matched || strcmp(decider(&r), c[i].decider) ||
		    (c[i].said && !assumed(&r, c[i].said)))
			fail_msg("'%s': rule %s matched %d (want %d), decided by %s (want %s)",
				 c[i].words, c[i].rule, did_match(&r, c[i].rule), c[i].matched,
				 decider(&r), c[i].decider);
		assert_int_equal(r.verdict, TRACE_V_ACCEPT);
		trace_result_free(&r);
	}
	ruleset_free(rs);
}

/*
 * A link-layer read or write (fixtures/linklayer.nft) on a packet the host
 * sends ends the rule at output and postrouting (no MAC header before
 * neighbour output); a received one's write goes on, its read is stated;
 * lo's header is zeros, then the packet's type.
 */
static void test_link_layer(void **state)
{
	static const struct {
		const char *words, *matched, *missed, *said, *by;
	} c[] = {
		{ "oifname eth0 ip saddr 10.0.0.1 ip daddr 8.8.8.8 udp dport 7702", NULL,
		  "out-ll-set", NULL, "policy" },
		{ "oifname eth0 ip saddr 10.0.0.1 ip daddr 8.8.8.8 udp dport 7703", NULL,
		  "out-ll-read", NULL, "policy" },
		{ "oifname eth0 ip6 saddr 2001:db8::1 ip6 daddr 2001:db8::2 udp dport 7704",
		  "out-other", "out-ether-set", NULL, "policy" },
		{ "oifname eth0 ip saddr 10.0.0.1 ip daddr 8.8.8.8 udp dport 7700", "out-other",
		  "post-ll-set", NULL, "policy" },
		{ "iifname eth0 oifname eth1 ip saddr 10.0.0.1 ip daddr 8.8.8.8 udp dport 7700",
		  "post-ll-set", NULL, NULL, "post-ll-set" },
		{ "iifname eth0 ip saddr 8.8.8.8 ip daddr 10.0.0.1 udp dport 7700", "in-ll-set",
		  NULL, NULL, "in-ll-set" },
		{ "iifname eth0 ip saddr 8.8.8.8 ip daddr 10.0.0.1 udp dport 7701", NULL,
		  "in-ll-read", "the packet words say nothing of the link-layer header", "policy" },
		{ "iifname lo ip saddr 127.0.0.1 ip daddr 127.0.0.1 udp dport 7701", "in-ll-read",
		  NULL, NULL, "in-ll-read" },
	};
	struct ruleset *rs = NULL;
	struct xerr e;
	size_t len;
	char *text = slurp(FIXTURES "/linklayer.json", &len);

	(void)state;
	xerr_clear(&e);
	if (policy_load_json(text, len, NULL, &rs, &e))
		fail_msg("load: %s", e.msg);
	free(text);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct trace_opts o = { 0 };
		struct trace_result r;
		struct packet p;

		if (packet_parse(&p, c[i].words, &e) || trace_packet(rs, &p, &o, &r, &e))
			fail_msg("'%s': %s", c[i].words, e.msg);
		if (c[i].matched && !did_match(&r, c[i].matched))
			fail_msg("'%s': rule %s does not match", c[i].words, c[i].matched);
		if (c[i].missed && (did_match(&r, c[i].missed) || !step_of(&r, c[i].missed)))
			fail_msg("'%s': rule %s matches or is not met", c[i].words, c[i].missed);
		if (c[i].said && !assumed(&r, c[i].said))
			fail_msg("'%s': not said: %s", c[i].words, c[i].said);
		if (strcmp(decider(&r), c[i].by))
			fail_msg("'%s': decided by %s, not %s", c[i].words, decider(&r), c[i].by);
		trace_result_free(&r);
	}
	ruleset_free(rs);
}

/*
 * ct expiration, ct id and ct count (trace_ctvals.c, trace_stmt.c): a new
 * connection's entry read before it is confirmed (0), or the whole initial
 * timeout for the host's own packet at lo, a random id that equals none of
 * the rule's values, and a count of 1 (the connection alone), each said on
 * its rule.
 */
static void test_ct_values(void **state)
{
	static const char json[] =
		"{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"in\",\"type\":\"filter\","
		"\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}},"
#define RULE(c, port, stmt) "{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\"," \
	"\"comment\":\"" c "\",\"expr\":[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{" \
	"\"protocol\":\"th\",\"field\":\"dport\"}},\"right\":" port "}}," stmt "]}}"
#define CT(key, op, right) "{\"match\":{\"op\":\"" op "\",\"left\":{\"ct\":{\"key\":\"" key \
	"\"}},\"right\":" right "}}"
		RULE("exp30", "1", CT("expiration", "==", "30")) ","
		RULE("exp120", "1", CT("expiration", "==", "120")) ","
		RULE("expne", "1", CT("expiration", "!=", "{\"range\":[1,29]}")) ","
		RULE("exp0", "1", CT("expiration", "==", "0")) ","
		RULE("id", "2", CT("id", "==", "{\"set\":[0,7]}")) ","
		RULE("idne", "2", CT("id", "!=", "7")) ","
		RULE("cnt1", "3", "{\"ct count\":{\"val\":1}}") ","
		RULE("cnt0", "3", "{\"ct count\":{\"val\":0}}") ","
		RULE("over0", "3", "{\"ct count\":{\"val\":0,\"inv\":true}}") ","
		RULE("over1", "3", "{\"ct count\":{\"val\":1,\"inv\":true}}") "]}";
#undef CT
#undef RULE
	static const struct {
		const char *words;
		bool over;
		const char *matched, *missed, *said;
	} c[] = {
		{ "iif eth0 ip saddr 192.0.2.1 udp dport 1", false, "exp0", "exp30",
		  "ct expiration taken as 0: the new entry is not confirmed" },
		{ "ip saddr 192.0.2.1 udp dport 1", false, "expne", "exp30", NULL },
		{ "iif lo ip saddr 127.0.0.1 udp dport 1", false, "exp30", "exp0",
		  "ct expiration taken as 30s: a new UDP connection's initial timeout" },
		{ "iif lo ip6 saddr ::1 tcp dport 1 tcp flags syn", false, "exp120", "exp30",
		  "120s: a TCP SYN's (SYN_SENT) initial timeout (nf_conntrack_tcp_timeout_syn_sent" },
		{ "ip saddr 192.0.2.1 udp dport 1 ct state established", false, NULL, "exp30",
		  "ct expiration of an older connection depends on when its packets came" },
		{ "ip saddr 192.0.2.1 udp dport 1 ct state untracked", false, NULL, "expne", NULL },
		{ "ip saddr 192.0.2.1 udp dport 2", false, "idne", "id",
		  "ct id is random for each connection" },
		{ "ip saddr 192.0.2.1 udp dport 2 ct state untracked", false, NULL, "idne", NULL },
		{ "ip saddr 192.0.2.1 udp dport 3", false, "cnt1", "cnt0",
		  "ct count 1: taken as the only connection of the rule: count 1" },
		{ "ip saddr 192.0.2.1 udp dport 3", false, "over0", "over1", NULL },
		{ "ip saddr 192.0.2.1 udp dport 3", true, "over1", "cnt1", "over the limit" },
	};
	struct ruleset *rs = NULL;
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	if (ruleset_from_json(json, strlen(json), &rs, &e))
		fail_msg("load: %s", e.msg);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct trace_opts o = { .over_limit = c[i].over };
		struct trace_result r;
		struct packet p;

		if (packet_parse(&p, c[i].words, &e) || trace_packet(rs, &p, &o, &r, &e))
			fail_msg("'%s': %s", c[i].words, e.msg);
		if (c[i].matched && !did_match(&r, c[i].matched))
			fail_msg("'%s': rule %s does not match", c[i].words, c[i].matched);
		if (c[i].missed && (did_match(&r, c[i].missed) || !step_of(&r, c[i].missed)))
			fail_msg("'%s': rule %s matches or is not met", c[i].words, c[i].missed);
		if (c[i].said && !assumed(&r, c[i].said))
			fail_msg("'%s': not said: %s", c[i].words, c[i].said);
		trace_result_free(&r);
	}
	ruleset_free(rs);
}

/*
 * sctp, dccp, udplite, comp and igmp: the headers the tracer lays out
 * (fixtures/trace/l4proto.nft), read by named fields and by raw offsets, and
 * the ct state conntrack gives their first packets.
 */
static void test_l4proto(void **state)
{
	static const struct {
		const char *words, *by;
		const char *hit, *miss;      /* a rule (comment) that matches, one that does not */
		const char *assumption;     /* NULL: none to check */
	} c[] = {
		{ "sctp vtag 5 sctp chunk init", "invalid", "vtag5", "dataflags", NULL },
		{ "sctp chunk data", "invalid", "dataflags", "init", NULL },
		{ "meta l4proto sctp", "new", "init", "streams",
		  "say nothing of the init chunk's num-inbound-streams" },
		{ "meta l4proto sctp", "new", "sctpsum", "vtag5", "sctp checksum taken as 0" },
		{ "dccp type ack", "new", "rawdccp", "init", NULL },
		{ "ip6 saddr 2001:db8::2 dccp type ack", "new", "dccpack", "cov8", NULL },
		{ "udplite csumcov 8", "invalid", "cov8", "dccpack", NULL },
		{ "oif eth0 udplite csumcov 8", "none", NULL, NULL, NULL },
		{ "comp cpi 300", "new", "cpi300", "compnh", NULL },
		{ "igmp type leave-group", "new", "leave", "rawigmp", NULL },
		{ "meta l4proto igmp", "new", "rawigmp", "leave", NULL },
	};
	struct ruleset *rs = NULL;
	struct xerr e;
	size_t len;
	char *text = slurp(FIX "l4proto.json", &len);

	(void)state;
	xerr_clear(&e);
	assert_int_equal(policy_load_json(text, len, NULL, &rs, &e), 0);
	free(text);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct trace_result r;
		struct packet p;

		assert_int_equal(packet_parse(&p, c[i].words, &e), 0);
		assert_int_equal(trace_packet(rs, &p, NULL, &r, &e), 0);
		if (strcmp(decider(&r), c[i].by))
			fail_msg("'%s': decided by %s, not %s", c[i].words, decider(&r), c[i].by);
		if (c[i].hit && !did_match(&r, c[i].hit))
			fail_msg("'%s': %s does not match", c[i].words, c[i].hit);
		if (c[i].miss && did_match(&r, c[i].miss))
			fail_msg("'%s': %s matches", c[i].words, c[i].miss);
		if (c[i].assumption && !assumed(&r, c[i].assumption))
			fail_msg("'%s': no assumption '%s'", c[i].words, c[i].assumption);
		trace_result_free(&r);
	}
	ruleset_free(rs);
}

/* ---- IPv6 extension headers (fixtures/trace/exthdr.nft: conntrack in use) ---------------- */

/* The steps point into the ruleset: it lives until the test ends. */
static struct ruleset *exthdr_rs;

static void trace_exthdr(const char *words, struct trace_result *r)
{
	struct trace_opts o = { 0 };
	struct packet p;
	struct xerr e;

	xerr_clear(&e);
	if (!exthdr_rs) {
		size_t len;
		char *text = slurp(FIX "exthdr.json", &len);

		if (policy_load_json(text, len, NULL, &exthdr_rs, &e))
			fail_msg("exthdr.json: %s", e.msg);
		free(text);
	}
	if (packet_parse(&p, words, &e))
		fail_msg("packet '%s': %s", words, e.msg);
	if (trace_packet(exthdr_rs, &p, &o, r, &e))
		fail_msg("trace '%s': %s", words, e.msg);
}

static int exthdr_teardown(void **state)
{
	(void)state;
	ruleset_free(exthdr_rs);
	exthdr_rs = NULL;
	return 0;
}

#define V6 "iif eth0 ip6 saddr 2001:db8::2 ip6 daddr 2001:db8::1 "

static void test_exthdr_reads(void **state)
{
	struct trace_result r;

	(void)state;
	trace_exthdr(V6 "udp dport 53 exthdr hbh,rt,dst rt seg-left 2", &r);
	assert_true(did_match(&r, "hbh-exists"));
	assert_true(did_match(&r, "hbh-next-rt"));
	assert_true(did_match(&r, "rt-segleft-2"));
	assert_false(did_match(&r, "srh-tag-7"));   /* a type-0 header's bytes there are 0 */
	assert_true(did_match(&r, "dst-exists"));
	assert_true(did_match(&r, "ip6-nexthdr-hbh"));
	assert_true(did_match(&r, "raw-hbh-next"));  /* @nh reads the headers after the IPv6 one */
	assert_false(did_match(&r, "early-frag"));
	assert_string_equal(decider(&r), "udp");
	trace_result_free(&r);
	trace_exthdr(V6 "exthdr hbh,mh mh type 3", &r);
	assert_true(did_match(&r, "mh-type-3"));
	assert_false(did_match(&r, "ip6-nexthdr-hbh") && !did_match(&r, "hbh-exists"));
	assert_string_equal(decider(&r), "policy");  /* the transport is the mobility header */
	assert_int_equal(r.verdict, TRACE_V_DROP);
	trace_result_free(&r);
	trace_exthdr(V6 "udp dport 53 srh tag 7", &r);
	assert_true(did_match(&r, "srh-tag-7"));
	assert_false(did_match(&r, "hbh-exists"));
	trace_result_free(&r);
}

static void test_exthdr_defrag(void **state)
{
	struct trace_result r;

	(void)state;
	/* an atomic fragment: the header is there before -400, gone after */
	trace_exthdr(V6 "udp dport 53 exthdr hbh,frag frag id 9", &r);
	assert_true(did_match(&r, "early-frag"));
	assert_true(did_match(&r, "early-frag-id"));
	assert_non_null(step_of(&r, "late-frag"));
	assert_false(did_match(&r, "late-frag"));
	assert_true(did_match(&r, "hbh-exists"));
	assert_false(r.held);
	assert_string_equal(decider(&r), "udp");
	trace_result_free(&r);
	/* the id not given: taken as 0, said so */
	trace_exthdr(V6 "udp dport 53 exthdr frag", &r);
	assert_false(did_match(&r, "early-frag-id"));
	assert_true(assumed(&r, "frag id taken as 0"));
	trace_result_free(&r);
	/* a first fragment of 8 data bytes waits for the rest */
	trace_exthdr(V6 "udp dport 53 frag more-fragments 1", &r);
	assert_true(did_match(&r, "early-frag"));
	assert_true(r.held);
	assert_null(step_of(&r, "late-frag"));
	trace_result_free(&r);
	/* a middle fragment's length is not in the words: held, and said so */
	trace_exthdr(V6 "meta l4proto udp frag frag-off 3 frag more-fragments 1", &r);
	assert_true(r.held);
	assert_true(assumed(&r, "taken as a multiple of 8 bytes"));
	trace_result_free(&r);
	/* 20 bytes with more to come: defrag refuses it, it goes on with its header */
	trace_exthdr(V6 "tcp dport 22 frag more-fragments 1", &r);
	assert_false(r.held);
	assert_true(did_match(&r, "late-frag"));
	assert_string_equal(decider(&r), "tcp");
	trace_result_free(&r);
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *t = calloc(n + 18, sizeof(*t));
	char (*names)[160] = calloc(n, sizeof(*names));
	size_t k = 0;
	int rc;

	if (!t || !names)
		return 1;
	for (size_t i = 0; i < n; i++, k++) {
		snprintf(names[i], sizeof(names[i]), "%s: %s%s%s%s -> %s", fixture_names[cases[i].fx],
			 cases[i].words, cases[i].over ? " --over-limit" : "",
			 cases[i].in_set ? " --in-set " : "", cases[i].in_set ? cases[i].in_set : "",
			 cases[i].verdict);
		t[k] = (struct CMUnitTest){ names[i], run_case, NULL, NULL, (void *)&cases[i] };
	}
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_chain_order);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_drop_is_final);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_ttl_expires);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_fragments_held);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_nat_only_new);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_why_and_depth);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_effects);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_locations);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_format);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_unresolved_define);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_defines);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_define_long_value);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_l4proto);
	t[k++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_exthdr_reads, exthdr_teardown);
	t[k++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_exthdr_defrag, exthdr_teardown);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_stealing_statements);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_ct_values);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_link_layer);
	rc = _cmocka_run_group_tests("trace", t, k, setup, teardown);
	free(t);
	free(names);
	return rc;
}
