/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the event sources: what every source shares (source.c) and each one's ops. */
#ifndef XNFT_EVENTS_SOURCE_INT_H
#define XNFT_EVENTS_SOURCE_INT_H

#include <stddef.h>

#include "events/logline.h"
#include "events/source.h"

/* Longest line kept; a longer one is counted unparsed and skipped to its newline. */
#define SOURCE_LINE_MAX (64 * 1024)
/* Bytes read per read() call of the line sources. */
#define SOURCE_CHUNK (128 * 1024)
/* Records handled per evsource_read() call before returning to the caller's loop. */
#define SOURCE_BUDGET 65536

struct source_ops {
	/* 0 more later, 1 end, -1 error; cb results are seen through s->stopped. */
	int (*read)(struct evsource *s, struct xerr *e);
	int (*fd)(struct evsource *s);
	int (*timeout_ms)(struct evsource *s);
	void (*close)(struct evsource *s);
};

struct evsource {
	const struct source_ops *ops;
	char spec[512];
	struct evsource_opts opts;
	struct evsource_stats stats;
	struct logline_ctx llc;
	bool mixed;          /* journal, kmsg: most records are other kernel messages */
	bool live;           /* NFLOG */
	/* The callback of the read in progress. */
	event_cb cb;
	void *cb_arg;
	bool stopped;
	bool busy;           /* the read stopped at its budget: more is there now, do not wait */
	/* Line splitting for file and stdin. */
	char *lbuf;
	size_t lcap, llen;
	size_t lscanned;     /* bytes at lbuf searched for a newline already */
	bool skipping;       /* inside an over-long line: drop up to its newline */
	void *priv;          /* the source's own state */
};

extern const struct source_ops source_file_ops;
extern const struct source_ops source_kmsg_ops;
extern const struct source_ops source_journal_ops;
extern const struct source_ops source_nflog_ops;

/* Each source's open: fills s->priv and s->ops; the spec's argument is arg. */
int source_file_open(struct evsource *s, const char *path, bool is_stdin, struct xerr *e);
int source_kmsg_open(struct evsource *s, struct xerr *e);
int source_journal_open(struct evsource *s, const char *path, struct xerr *e);
int source_nflog_open(struct evsource *s, unsigned group, struct xerr *e);

/*
 * One log line (no newline needed) with the source's time: parse it, count
 * it, hand the event to the callback. Returns true when the callback asked
 * to stop.
 */
bool source_line(struct evsource *s, const char *line, size_t len, int64_t time_us,
		 int time_src);

/* A record that did not come from the kernel: counted, never an event. */
void source_not_kernel(struct evsource *s);

/* An event a source built itself (NFLOG). Same return as source_line. */
bool source_event(struct evsource *s, struct xevent *ev);

/* A record that could not be used: counted, and kept as the example if first. */
void source_unparsed(struct evsource *s, const char *what, size_t len);
/* Count a record that is not a netfilter log line, keeping the first as an example. */
void source_other(struct evsource *s, const char *what, size_t len);

/*
 * Line splitting: append n bytes just read at s->lbuf + s->llen, then hand
 * every complete line to source_line. Returns true when stopped.
 */
bool source_feed(struct evsource *s, size_t n, int64_t recv_us);

/* Complete lines left in the buffer when a callback stopped the last feed. */
bool source_feed_pending(const struct evsource *s);

/* End of input: a last line without its newline is still a line. */
bool source_feed_end(struct evsource *s, int64_t recv_us);

/* Forget a partial line (the file was truncated or replaced). */
void source_feed_reset(struct evsource *s);

/* Allocate the line buffer (SOURCE_CHUNK + SOURCE_LINE_MAX). */
int source_feed_init(struct evsource *s, struct xerr *e);

/* errno text for an open failure, with a hint when it is a permission problem. */
int source_errno(struct xerr *e, int err, const char *what, const char *spec);

#endif
