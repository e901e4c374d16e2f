/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one parser of the kernel's packet log lines (nf_log_syslog):
 *
 *   XNFT-DROP: IN=eth0 OUT= MAC=... SRC=203.0.113.5 DST=10.0.0.1 LEN=40 TOS=0x00
 *   PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=54321 DPT=443 WINDOW=1024 RES=0x00 SYN URGP=0
 *
 * IPv4 and IPv6, every field the kernel prints (MAC forms, fragments, `log
 * flags all` extras, ICMP bodies with the quoted packet in brackets, UID,
 * MARK), behind any of the headers a log line picks up on its way: a syslog
 * or journalctl stamp with host and "kernel:" tag, an RFC 3339 stamp, a
 * dmesg "[12345.678901]" stamp, a "<4>" priority.
 *
 * One pass over the line, no regex, no allocation, bounded work per byte:
 * a 1 MB line or binary garbage costs time in proportion and nothing else.
 */
#ifndef XNFT_EVENTS_LOGLINE_H
#define XNFT_EVENTS_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events/event.h"

enum logline_result {
	LOGLINE_BAD = -1,    /* has the packet-log shape (IN= ... OUT=) but not its fields */
	LOGLINE_OTHER = 0,   /* not a packet log line (another kernel message, a non-kernel tag) */
	LOGLINE_EVENT = 1,   /* ev is filled */
	LOGLINE_NOT_KERNEL = 2,  /* a packet log under a syslog header whose tag is not
				  * "kernel:": another program wrote it */
};

#define LOGLINE_PREFIX_CACHE 16

/* A prefix seen before and what it gave. */
struct logline_prefix_cache {
	bool valid, fwd;
	uint8_t hook;
	size_t len, category_len;
	char prefix[EVENT_PREFIX_MAX];
	char category[EVENT_PREFIX_MAX];
};

/* State kept across lines: the clock references and caches for stamps and prefixes. */
struct logline_ctx {
	int64_t now_us;      /* a syslog stamp has no year: the one that puts it nearest before now */
	int64_t boot_us;     /* wall-clock time of boot, for "[secs.usec]" stamps */
	int64_t hour_key;    /* cache: (year, month, day, hour) of hour_base_us, local time */
	int64_t hour_base_us;
	int now_year;
	struct logline_prefix_cache prefixes[LOGLINE_PREFIX_CACHE];
	unsigned prefix_next;
};

/* References from the system clocks (realtime, monotonic). */
void logline_ctx_init(struct logline_ctx *c);

/* Fixed references, for tests and replays. */
void logline_ctx_init_at(struct logline_ctx *c, int64_t now_us, int64_t boot_us);

/*
 * Parse one line (without its newline; len bytes, NULs allowed). ev is
 * cleared and filled; ev->raw points at line. The event's time: time_us
 * with time_src as given; when time_src is EVENT_TIME_RECEIVED and the line
 * has a stamp of its own, the stamp's time (EVENT_TIME_SOURCE) instead.
 * A line with a syslog header whose tag is not "kernel" is
 * LOGLINE_NOT_KERNEL: it did not come from the kernel.
 */
enum logline_result logline_parse(struct logline_ctx *c, const char *line, size_t len,
				  int64_t time_us, int time_src, struct xevent *ev);

/* One /dev/kmsg record: "PRIO,SEQ,USEC,FLAGS[,...];TEXT\n[ KEY=VALUE\n]...". */
struct kmsg_record {
	unsigned prio;       /* facility << 3 | level; facility 0 is the kernel */
	uint64_t seq;
	uint64_t usec;       /* since boot */
	const char *text;    /* into the record, without the newline */
	size_t text_len;
};

/* Split a record; 0, or -1 when it does not have the record's form. */
int logline_kmsg_record(const char *rec, size_t len, struct kmsg_record *r);

#endif
