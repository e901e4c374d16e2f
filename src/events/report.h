/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `xnft report`: counts over a stream of events. Adding an event is a few
 * hash lookups and array increments, no allocation except when a table
 * grows, so a million log lines are counted as fast as they are parsed.
 *
 * What is counted: events by category, hook, interface and protocol; by
 * source address and by the network it falls in (/24 for IPv4, /64 for
 * IPv6: the unit a scanner usually rotates within and the ban engine bans
 * IPv6 in); by destination port (TCP, UDP); and over time, in buckets whose
 * width adapts to the span so memory stays fixed.
 *
 * Memory is bounded: at most REPORT_MAX_SOURCES source addresses are
 * tracked (the networks are summed from them when the report is made);
 * events from further new sources are counted in the totals and in
 * untracked_events. Per-address counts saturate at 2^32 - 1.
 */
#ifndef XNFT_EVENTS_REPORT_H
#define XNFT_EVENTS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "events/event.h"

#define REPORT_MAX_SOURCES (1u << 20)
#define REPORT_NET4_LEN 24
#define REPORT_NET6_LEN 64

struct report;

struct report_count {
	char name[EVENT_PREFIX_MAX];
	uint64_t count;
};

struct report_net {
	int family;
	unsigned char addr[16];
	unsigned len;                /* REPORT_NET4_LEN or REPORT_NET6_LEN */
	uint64_t count;              /* events from the network */
	uint64_t sources;            /* distinct source addresses in it */
};

struct report_source {
	int family;
	unsigned char addr[16];
	uint64_t count;
	struct report_net net;       /* the network it falls in */
};

struct report_port {
	uint8_t proto;               /* 6 or 17 */
	uint16_t port;
	uint64_t count;
};

struct report_bucket {
	int64_t start_us;
	uint64_t count;
};

struct report_summary {
	uint64_t events;
	int64_t first_us, last_us;               /* time span of the events */
	struct report_count *categories; size_t ncategories;   /* all, by count */
	struct report_count *hooks;      size_t nhooks;
	struct report_count *ifaces;     size_t nifaces;
	struct report_count *protos;     size_t nprotos;
	struct report_source *sources;   size_t nsources;      /* top N */
	uint64_t distinct_sources;
	uint64_t untracked_events;       /* from sources past the tracking cap */
	struct report_net *nets;         size_t nnets;         /* top N */
	uint64_t distinct_nets;
	struct report_port *ports;       size_t nports;        /* top N */
	int64_t interval_us;             /* histogram bucket width */
	struct report_bucket *buckets;   size_t nbuckets;      /* first to last, gaps as 0 */
};

struct report *report_new(struct xerr *e);
void report_free(struct report *r);

/* Count one event. Never fails: past a limit it counts in the totals only. */
void report_add(struct report *r, const struct xevent *ev);

/* report_add as an event_cb (arg is the report); always returns 0. */
int report_event_cb(const struct xevent *ev, void *arg);

/*
 * Sorted results with at most top entries per top list; the histogram has
 * about 48 buckets at most, of a width from 1 s to 1 day (or more) chosen
 * from the span.
 */
int report_summarize(struct report *r, size_t top, struct report_summary *out,
		     struct xerr *e);

void report_summary_free(struct report_summary *s);

/* "1s", "10s", "1m", "5m", "15m", "1h", "6h", "1d", "7d", "364d", "3640d". */
void report_interval_name(int64_t us, char *buf, size_t size);

#endif
