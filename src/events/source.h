/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Event sources. One spec string names a source:
 *
 *   nflog:GROUP         NFLOG group 0..65535 (libnetfilter_log): the policy's
 *                       `log group N` statements; the only way to see events
 *                       from a network namespace other than the first
 *   journal             the system journal, kernel transport only
 *                       (_TRANSPORT=kernel): a local user's `logger` lines
 *                       are never read ("journald" is the same)
 *   journal-file:PATH   one journal file, same rule
 *   kmsg                /dev/kmsg, kernel facility only (a user writing to
 *                       /dev/kmsg gets the user facility)
 *   file:PATH           a log file; with follow, followed across rotation
 *                       (rename + new file) and truncation
 *   -                   standard input ("stdin" is the same)
 *
 * A source reads without blocking; the caller polls evsource_fd() (and
 * evsource_timeout_ms()) between reads, so one loop can serve many sources
 * (the daemon) or one (`xnft events`). Events go to a callback, one struct
 * on the stack at a time: nothing is allocated per event.
 */
#ifndef XNFT_EVENTS_SOURCE_H
#define XNFT_EVENTS_SOURCE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "events/event.h"

struct evsource;

struct evsource_opts {
	bool follow;        /* keep reading as the source grows; NFLOG is always live */
	bool from_end;      /* skip what the source holds now (kmsg, journal, file) */
	int64_t since_us;   /* drop events whose source time is before this; 0 = keep all */
	/*
	 * file: keep the read position (device, inode, offset) in a file in
	 * this directory and resume from it at the next open (copied; NULL =
	 * no position kept). See SOURCE_CATCHUP_MAX.
	 */
	const char *state_dir;
};

/* At most this many bytes written while no one read a file are read when resuming. */
#define SOURCE_CATCHUP_MAX (16u << 20)

struct evsource_stats {
	uint64_t records;        /* lines, journal entries, kmsg records, NFLOG packets */
	uint64_t events;         /* handed to the callback */
	uint64_t unparsed;       /* looked like a packet log (or was too long to tell) but
				  * could not be parsed; never fatal */
	uint64_t other;          /* not a netfilter log line: another kernel message (or, in
				  * a file, anything else); skipped */
	uint64_t not_kernel;     /* not from the kernel: kmsg user facility, a syslog line
				  * with another tag; never turned into events */
	uint64_t before_since;   /* older than since_us */
	uint64_t lost;           /* the source reported losing records (kmsg overrun,
				  * NFLOG socket buffer full) */
	uint64_t rotations;      /* file: reopened after a rename or truncation */
	char resumed[256];       /* file: how reading resumed from a kept position; "" = it did not */
	uint64_t first_unparsed_at;      /* record number of the example below (1-based) */
	char first_unparsed[160];        /* the first unparsed record, printable, cut */
	uint64_t first_other_at;         /* the same for the first record counted in other */
	char first_other[160];
};

/* The source used when none is named: the journal when journald runs, else kmsg. */
const char *evsource_default_spec(void);

/*
 * Open a source from its spec. Errors name the spec and say what to do
 * (a missing file, no permission for NFLOG or /dev/kmsg, a group that
 * another program holds). XNFT_EXIT_USAGE for all of them.
 */
int evsource_open(struct evsource **out, const char *spec, const struct evsource_opts *o,
		  struct xerr *e);

/* "nflog:5", "file:/var/log/kern.log", ... as opened. */
const char *evsource_spec(const struct evsource *s);

/* True for NFLOG: it never ends by itself. */
bool evsource_is_live(const struct evsource *s);

/*
 * Read what is there now, without blocking, handing each event to cb.
 * Returns 0 when more may come later (poll, then call again), 1 at the end
 * of the input, 2 when cb asked to stop, -1 on an error (e set).
 * Bounded work per call, so one busy source cannot starve the others.
 */
int evsource_read(struct evsource *s, event_cb cb, void *arg, struct xerr *e);

/* The fd to poll for POLLIN before the next read, or -1 (then just call read again). */
int evsource_fd(struct evsource *s);

/* Call read again after at most this many ms even without POLLIN; -1 = no limit. */
int evsource_timeout_ms(struct evsource *s);

/*
 * Wait until the source may have more (poll on its fd and timeout, capped
 * at max_ms; -1 = no cap); at once when the last read stopped at its budget
 * with more to read. Returns 0, also when a signal interrupted it.
 */
int evsource_wait(struct evsource *s, int max_ms);

/*
 * Read until the end of the input, until cb asks to stop, or until *stop
 * becomes non-zero (a signal handler sets it). Same return values as
 * evsource_read; 0 when *stop ended it.
 */
int evsource_run(struct evsource *s, event_cb cb, void *arg, volatile sig_atomic_t *stop,
		 struct xerr *e);

const struct evsource_stats *evsource_stats(const struct evsource *s);

/*
 * What the user should hear about after a read, one sentence at a time
 * (unparsed records with the first example, records not from the kernel,
 * records the source lost): fills buf with note number i (0, 1, ...) and
 * returns 1, or returns 0 when there are no more.
 */
int evsource_stats_note(const struct evsource *s, unsigned i, char *buf, size_t size);

void evsource_close(struct evsource *s);

#endif
