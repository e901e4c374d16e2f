/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Events as text, one line each: JSON lines and logfmt that promtail/Loki and
 * Vector read as they are, and a short line for people.
 *
 * Both machine formats carry the same keys. The low-cardinality ones are
 * meant as labels (category, hook, iface, proto, family); addresses, ports
 * and numbers are plain fields. Time is RFC 3339 in UTC with microseconds.
 * Optional keys appear only when the event has the value.
 *
 *   time category prefix hook iface in out family proto src dst sport dport
 *   tcp_flags icmp_type icmp_code len ttl fragment frag_offset more_fragments
 *   mtu mark uid gid mac_src incomplete
 */
#ifndef XNFT_EVENTS_FORMAT_H
#define XNFT_EVENTS_FORMAT_H

#include <stddef.h>

#include "core/err.h"
#include "events/event.h"

enum event_format {
	EVENT_FMT_TEXT = 0,
	EVENT_FMT_JSON,
	EVENT_FMT_LOGFMT,
};

/* Longest line event_format() writes, newline and NUL included. */
#define EVENT_LINE_MAX 4096

/* "json", "logfmt", "text"; -1 with e set otherwise. */
int event_format_parse(const char *name, enum event_format *f, struct xerr *e);

/*
 * One event as one line ending in '\n', into buf (EVENT_LINE_MAX bytes
 * always suffice). Returns the length written, without the NUL.
 */
size_t event_format(const struct xevent *ev, enum event_format f, char *buf, size_t size);

/* "2026-04-26T19:01:44.300628Z". buf: at least 32 bytes. */
void event_time_rfc3339(int64_t time_us, char *buf, size_t size);

#endif
