// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ct expiration and ct id in the tracer: values of the conntrack entry that
 * the packet words do not give, known as far as the kernel fixes them.
 *
 * ct expiration (nft_ct_get_eval: nf_ct_expires(), the entry's time left,
 * in ms): conntrack's protocol handler (priority -200) gives a new entry
 * the timeout of its first state, UDP's nf_conntrack_udp_timeout (30 s), a
 * TCP SYN's SYN_SENT timeout (120 s), ... but as a relative time: it
 * becomes a deadline only when the entry is confirmed, after the packet's
 * last hook (input, or postrouting). nf_ct_expires() subtracts the clock
 * from it all the same, so every chain that sees a connection's first
 * packet before that reads 0 (measured: 0 at input on a host up for hours;
 * a host up for less than the timeout plus 5 minutes, or for more than
 * 2^31 jiffies, reads something else), said so. A packet the host sent to
 * itself was confirmed on its way out: at lo's input it reads the whole
 * timeout (measured: 30s for UDP), less what passed since (under a jiffy,
 * most of the time). nft lists the value in seconds, as the
 * timeouts are: the tracer's value is in seconds too. On a later packet it
 * depends on the connection's history: not known.
 *
 * ct id (nf_ct_get_id): a siphash of the entry keyed at boot, random for
 * every connection: taken as none of the values a rule names (each hits
 * with a chance of 1 in 2^32), said so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trace_int.h"

#define CT_SYSCTL_DIR "/proc/sys/net/netfilter/"

/* The timeout conntrack gives a new connection of a protocol, and the sysctl that sets it. */
struct ct_new_timeout {
	int l4proto;            /* -1: any other protocol (the generic tracker) */
	const char *what;
	const char *sysctl;
	unsigned secs;          /* the kernel's default */
};

static const struct ct_new_timeout ct_new_timeouts[] = {
	{ 6, "a TCP SYN's (SYN_SENT)", "nf_conntrack_tcp_timeout_syn_sent", 120 },
	{ 17, "a new UDP connection's", "nf_conntrack_udp_timeout", 30 },
	{ 136, "a new UDP-Lite connection's", "nf_conntrack_udp_timeout", 30 },
	{ 1, "a new ICMP connection's", "nf_conntrack_icmp_timeout", 30 },
	{ 58, "a new ICMPv6 connection's", "nf_conntrack_icmpv6_timeout", 30 },
	{ 132, "an SCTP INIT's (COOKIE_WAIT)", "nf_conntrack_sctp_timeout_cookie_wait", 3 },
	{ 47, "a new GRE connection's", "nf_conntrack_gre_timeout", 30 },
	{ -1, "a new connection's (the generic tracker)", "nf_conntrack_generic_timeout", 600 },
};

static const struct ct_new_timeout *ct_new_timeout_of(unsigned l4proto)
{
	size_t n = sizeof(ct_new_timeouts) / sizeof(ct_new_timeouts[0]);

	for (size_t i = 0; i + 1 < n; i++)
		if (ct_new_timeouts[i].l4proto == (int)l4proto)
			return &ct_new_timeouts[i];
	return &ct_new_timeouts[n - 1];
}

/* This host's value of a conntrack sysctl, in seconds; -1 when it cannot be read. */
static int ct_sysctl_secs(const char *name, unsigned *secs)
{
	char path[128];
	unsigned v;
	FILE *f;
	int got;

	snprintf(path, sizeof(path), CT_SYSCTL_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	got = fscanf(f, "%u", &v);
	fclose(f);
	if (got != 1)
		return -1;
	*secs = v;
	return 0;
}

int ev_ct_expiration(struct tctx *tc, struct ev *v, bool known)
{
	const struct ct_new_timeout *t = ct_new_timeout_of(tc->p.l4proto);
	unsigned secs = t->secs;
	bool host = false;

	if (!known) {
		snprintf(tc->why, sizeof(tc->why), "ct expiration of an older connection depends "
			 "on when its packets came");
		return EV_FREE;
	}
	/* --live: the ruleset is this namespace's, and so are the timeouts (per netns) */
	if (tc->o->live_routes)
		host = !ct_sysctl_secs(t->sysctl, &secs);
	if (strcmp(tc->p.iif, "lo")) {
		ev_from_num(v, 32, 0);
		tc_assume(tc, "ct expiration taken as 0: the new entry is not confirmed before the "
			  "packet's last hook, and the kernel reads its timeout (%us, %s) against "
			  "the clock (0 unless the host has been up for less than %us, or for more "
			  "than 2^31 jiffies: 24 days at HZ 1000)", secs, t->sysctl, secs + 300);
		return EV_OK;
	}
	ev_from_num(v, 32, secs);
	tc_assume(tc, "ct expiration taken as %us: %s initial timeout (%s, %s), the host's "
		  "own packet being confirmed on its way out (a jiffy may have passed since)",
		  secs, t->what, t->sysctl,
		  host ? "this host's" : "the kernel's default; --live reads the host's");
	return EV_OK;
}

/*
 * `ct id OP values`: the id is random; == (a value, a range, a set) is
 * taken as not holding and != as holding. Other comparisons (<, >) and ct
 * id inside a concatenation or a map key stay "taken as not matching"
 * (ev_match). -1: m is not a plain `ct id` match.
 */
int ev_ct_id_match(struct tctx *tc, const struct rs_match *m, bool *hit, char *why,
		   size_t size)
{
	struct ev parts[RS_CONCAT_MAX];
	size_t n = 0;
	int rc;

	if (!m->left || m->left->kind != RS_EX_CT || m->left->key != RS_CT_ID ||
	    (m->op != RS_OP_EQ && m->op != RS_OP_NE))
		return -1;
	rc = ev_expr(tc, m->left, parts, &n);
	if (rc != EV_FREE)
		return rc;   /* no conntrack entry: the rule ends (EV_BREAK) */
	*hit = m->op == RS_OP_NE;
	tc_assume(tc, "ct id is random for each connection (a hash keyed at boot): taken as none "
		  "of the rule's values, so %s %s", m->op == RS_OP_NE ? "!=" : "==",
		  *hit ? "holds" : "does not hold");
	if (!*hit)
		snprintf(why, size, "ct id is random: taken as none of these values");
	return EV_OK;
}
