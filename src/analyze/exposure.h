/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exposure: what a ruleset accepts, for every packet, as readable lines
 * (describe.h): the input path (packets for this host) per input interface
 * and source class, and the forward path (packets routed through it).
 * With a bridge forward chain, also the frames a bridge passes from one of
 * its ports to another (not this host's exposure, but what a bridge
 * firewall lets through: the bridged path of symexec.h).
 * Packets addressed to this host that a dnat at prerouting sends on to
 * another host (port forwards) are not "accepted for this host": they are
 * listed apart, as they arrived, with the target they are forwarded to
 * ("tcp dport 8080 → 192.168.1.10:80"). A redirect, or a dnat to one of the
 * host's own addresses, stays with the host's lines.
 * A line holds what is accepted for SOME choice of the state the analysis
 * cannot know, and says which choices it needs ("while under 30/minute per
 * ip saddr (@wg4)", "unless ip saddr is in @BANNED4").
 */
#ifndef XNFT_ANALYZE_EXPOSURE_H
#define XNFT_ANALYZE_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/describe.h"
#include "analyze/symexec.h"
#include "core/err.h"
#include "core/ruleset.h"

/* Which accepted packets to describe; all zero describes every one. */
struct exposure_query {
	const char *only_iface;  /* packets arriving on this interface only, or NULL */
	bool only_new;           /* packets in ct state new only: who can open what */
};

struct exposure {
	struct ds_lines input;
	struct ds_lines forward;
	struct ds_lines dnat;    /* port forwards: lines end in " → TARGET" */
	struct ds_lines bridged; /* frames bridged port to port ("from port eth1 to port eth2") */
	bool has_bridged;        /* a bridge forward chain exists: bridged is described */
	/* the bridges whose ports those are: "br0, br1"; "a bridge" when not known */
	char bridges[256];
	bool only_new;           /* the lines cover ct state new only */
	size_t nfree;            /* free choices the ruleset has (limits, sets, unknowns) */
	size_t nunknown;         /* of which matches xnft does not model */
	/* tables with base chains the engine does not evaluate ("" none) */
	char not_analysed[512];
	size_t nnot_analysed;
	/* arp tables: they filter ARP only, no IP packet meets them ("arp a", "" none) */
	char arp_tables[256];
	size_t narp_tables;
	/* any interface was taken as a possible bridge port: the topology was not known */
	bool bridge_ports;
	/* br_netfilter for bridged IPv4 / IPv6 frames (ruleset.h; unknown: both outcomes) */
	enum rs_brnf brnf4, brnf6;
};

/*
 * The tables of rs with attached base chains that the engine does not
 * evaluate, "bridge br, ..." in buf: the arp ones (arp) or all others.
 * Returns how many.
 */
size_t exposure_tables_not_analysed(const struct ruleset *rs, bool arp, char *buf, size_t size);

/*
 * q: NULL for every accepted packet. shared: an engine started for rs (see
 * symexec.h) or NULL to start one here.
 */
int exposure_compute(const struct ruleset *rs, struct sx_engine *shared,
		     const struct exposure_query *q, struct exposure *out, struct xerr *e);
void exposure_free(struct exposure *x);

#endif
