// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the event sources share: the spec syntax, the parse-count-deliver
 * step every record goes through, line splitting with a bounded buffer, and
 * the poll loop.
 */
#include "events/source_int.h"
#include "core/strbuf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *evsource_default_spec(void)
{
	/* journald runs when its runtime directory exists. */
	return access("/run/systemd/journal/", F_OK) == 0 ? "journal" : "kmsg";
}

static bool has_word(const char *spec, const char *word, const char **arg)
{
	size_t n = strlen(word);

	if (strncmp(spec, word, n))
		return false;
	if (spec[n] == '\0') {
		*arg = NULL;
		return true;
	}
	if (spec[n] == ':') {
		*arg = spec + n + 1;
		return true;
	}
	return false;
}

static int parse_group(const char *text, unsigned *group, struct xerr *e)
{
	char *end;
	unsigned long v;

	if (!text || !*text || text[0] < '0' || text[0] > '9')
		goto bad;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > 65535)
		goto bad;
	*group = (unsigned)v;
	return 0;
bad:
	xerr_set(e, XNFT_EXIT_USAGE, "source 'nflog:%.32s': the group must be a number "
		 "0..65535", text ? text : "");
	return xerr_hint(e, "use the group of the policy's `log group N` statements, e.g. "
			 "nflog:5 (see xnft init --log)");
}

static int bad_spec(const char *spec, struct xerr *e)
{
	xerr_set(e, XNFT_EXIT_USAGE, "unknown event source '%.128s'", spec);
	return xerr_hint(e, "sources: nflog:GROUP, journal, journal-file:PATH, kmsg, file:PATH, "
			 "- (standard input)");
}

static int open_spec(struct evsource *s, const char *spec, struct xerr *e)
{
	const char *arg;
	unsigned group = 0;

	if (!strcmp(spec, "-") || !strcmp(spec, "stdin"))
		return source_file_open(s, NULL, true, e);
	if (has_word(spec, "nflog", &arg)) {
		if (parse_group(arg, &group, e) < 0)
			return -1;
		return source_nflog_open(s, group, e);
	}
	if ((has_word(spec, "journal", &arg) || has_word(spec, "journald", &arg)) && !arg)
		return source_journal_open(s, NULL, e);
	if (has_word(spec, "journal-file", &arg) && arg && *arg)
		return source_journal_open(s, arg, e);
	if (has_word(spec, "kmsg", &arg) && !arg)
		return source_kmsg_open(s, e);
	if (has_word(spec, "file", &arg) && arg && *arg)
		return source_file_open(s, arg, false, e);
	return bad_spec(spec, e);
}

int evsource_open(struct evsource **out, const char *spec, const struct evsource_opts *o,
		  struct xerr *e)
{
	struct evsource *s;

	*out = NULL;
	if (!spec)
		spec = evsource_default_spec();
	s = calloc(1, sizeof(*s));
	if (!s)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory opening source '%.128s'", spec);
	snprintf(s->spec, sizeof(s->spec), "%s", spec);
	if (o)
		s->opts = *o;
	logline_ctx_init(&s->llc);
	if (open_spec(s, spec, e) < 0) {
		free(s->lbuf);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

const char *evsource_spec(const struct evsource *s)
{
	return s->spec;
}

bool evsource_is_live(const struct evsource *s)
{
	return s->live;
}

const struct evsource_stats *evsource_stats(const struct evsource *s)
{
	return &s->stats;
}

int evsource_stats_note(const struct evsource *s, unsigned i, char *buf, size_t size)
{
	const struct evsource_stats *st = &s->stats;
	unsigned k = 0;

	if (st->unparsed && k++ == i) {
		snprintf(buf, size, "%llu record%s looked like a netfilter log line but could not "
			 "be parsed (the first, record %llu: \"%s\")", (unsigned long long)st->unparsed,
			 st->unparsed == 1 ? "" : "s", (unsigned long long)st->first_unparsed_at,
			 st->first_unparsed);
		return 1;
	}
	if (st->other && k++ == i) {
		struct fixbuf b = { buf, size, 0 };

		fixbuf_addf(&b, "%llu record%s %s not a netfilter log line (another kernel message, "
			    "say) and skipped", (unsigned long long)st->other,
			    st->other == 1 ? "" : "s", st->other == 1 ? "was" : "were");
		/* in the journal and kmsg most records are other kernel messages: no example */
		if (!s->mixed)
			fixbuf_addf(&b, " (the first, record %llu: \"%s\")",
				    (unsigned long long)st->first_other_at, st->first_other);
		return 1;
	}
	if (st->not_kernel && k++ == i) {
		snprintf(buf, size, "%llu packet log line%s did not come from the kernel and %s "
			 "ignored (a syslog tag other than \"kernel:\", or /dev/kmsg's user facility)",
			 (unsigned long long)st->not_kernel, st->not_kernel == 1 ? "" : "s",
			 st->not_kernel == 1 ? "was" : "were");
		return 1;
	}
	if (st->lost && k++ == i) {
		snprintf(buf, size, "the source reported losing records %llu time%s (%s)",
			 (unsigned long long)st->lost, st->lost == 1 ? "" : "s",
			 s->live ? "NFLOG socket buffer full: events came faster than they were read"
				 : "the kernel log buffer wrapped before it was read");
		return 1;
	}
	return 0;
}

void evsource_close(struct evsource *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->lbuf);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Records to events                                                   */
/* ------------------------------------------------------------------ */

/* The first record of a kind, printable and cut, with its record number. */
static void keep_example(const struct evsource *s, uint64_t *at, char *dst, size_t size,
			 const char *what, size_t len)
{
	size_t n = 0, max = size - 4;

	if (*at)
		return;
	*at = s->stats.records ? s->stats.records : 1;
	for (size_t i = 0; i < len && n < max; i++) {
		unsigned char c = (unsigned char)what[i];

		dst[n++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (len > max) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

void source_unparsed(struct evsource *s, const char *what, size_t len)
{
	s->stats.unparsed++;
	keep_example(s, &s->stats.first_unparsed_at, s->stats.first_unparsed,
		     sizeof(s->stats.first_unparsed), what, len);
}

void source_other(struct evsource *s, const char *what, size_t len)
{
	s->stats.other++;
	keep_example(s, &s->stats.first_other_at, s->stats.first_other,
		     sizeof(s->stats.first_other), what, len);
}

void source_not_kernel(struct evsource *s)
{
	s->stats.not_kernel++;
}

bool source_event(struct evsource *s, struct xevent *ev)
{
	if (s->opts.since_us && ev->time_src == EVENT_TIME_SOURCE && ev->time_us < s->opts.since_us) {
		s->stats.before_since++;
		return false;
	}
	s->stats.events++;
	if (s->cb && s->cb(ev, s->cb_arg) != 0)
		s->stopped = true;
	return s->stopped;
}

bool source_line(struct evsource *s, const char *line, size_t len, int64_t time_us,
		 int time_src)
{
	struct xevent ev;

	switch (logline_parse(&s->llc, line, len, time_us, time_src, &ev)) {
	case LOGLINE_EVENT:
		return source_event(s, &ev);
	case LOGLINE_BAD:
		source_unparsed(s, line, len);
		break;
	case LOGLINE_NOT_KERNEL:
		source_not_kernel(s);
		break;
	case LOGLINE_OTHER:
		/* another kernel message (link up, a driver): not a packet log, not a parse failure */
		source_other(s, line, len);
		break;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Line splitting                                                      */
/* ------------------------------------------------------------------ */

int source_feed_init(struct evsource *s, struct xerr *e)
{
	s->lcap = SOURCE_CHUNK + SOURCE_LINE_MAX;
	s->lbuf = malloc(s->lcap);
	if (!s->lbuf)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory for the line buffer of '%.128s'",
				s->spec);
	source_feed_reset(s);
	return 0;
}

void source_feed_reset(struct evsource *s)
{
	s->llen = s->lscanned = 0;
	s->skipping = false;
}

static bool one_line(struct evsource *s, const char *p, size_t n, int64_t recv_us)
{
	s->stats.records++;
	return source_line(s, p, n, recv_us, EVENT_TIME_RECEIVED);
}

bool source_feed(struct evsource *s, size_t n, int64_t recv_us)
{
	char *p = s->lbuf, *end = s->lbuf + s->llen + n;
	/* The first lscanned bytes were searched before: no newline there. */
	char *scan = s->lbuf + s->lscanned;
	size_t rest;

	for (;;) {
		char *nl = memchr(scan, '\n', (size_t)(end - scan));

		if (!nl)
			break;
		char *line = p;

		p = scan = nl + 1;
		if (s->skipping) {
			s->skipping = false;
		} else if (one_line(s, line, (size_t)(nl - line), recv_us)) {
			/* Keep the rest, unsearched, for the next read. */
			rest = (size_t)(end - p);
			memmove(s->lbuf, p, rest);
			s->llen = rest;
			s->lscanned = 0;
			return true;
		}
	}
	rest = (size_t)(end - p);
	if (s->skipping) {
		s->llen = s->lscanned = 0;
		return false;
	}
	if (rest >= SOURCE_LINE_MAX) {
		/* Too long for a kernel log line: count it once, drop it to its newline. */
		s->stats.records++;
		source_unparsed(s, p, rest);
		s->skipping = true;
		s->llen = s->lscanned = 0;
		return false;
	}
	memmove(s->lbuf, p, rest);
	s->llen = s->lscanned = rest;
	return false;
}

bool source_feed_pending(const struct evsource *s)
{
	return s->lscanned < s->llen;
}

bool source_feed_end(struct evsource *s, int64_t recv_us)
{
	bool stop = false;

	if (s->llen && !s->skipping)
		stop = one_line(s, s->lbuf, s->llen, recv_us);
	source_feed_reset(s);
	return stop;
}

/* ------------------------------------------------------------------ */
/* Reading and waiting                                                 */
/* ------------------------------------------------------------------ */

int evsource_read(struct evsource *s, event_cb cb, void *arg, struct xerr *e)
{
	int r;

	s->cb = cb;
	s->cb_arg = arg;
	s->stopped = false;
	s->busy = false;
	r = s->ops->read(s, e);
	s->cb = NULL;
	s->cb_arg = NULL;
	if (r < 0)
		return -1;
	if (s->stopped)
		return 2;
	return r;
}

int evsource_fd(struct evsource *s)
{
	return s->ops->fd ? s->ops->fd(s) : -1;
}

int evsource_timeout_ms(struct evsource *s)
{
	return s->ops->timeout_ms ? s->ops->timeout_ms(s) : -1;
}

int evsource_wait(struct evsource *s, int max_ms)
{
	struct pollfd pfd = { .fd = evsource_fd(s), .events = POLLIN };
	int t;

	if (s->busy)
		return 0;   /* the last read left data behind: read again at once */
	t = evsource_timeout_ms(s);
	if (max_ms >= 0 && (t < 0 || t > max_ms))
		t = max_ms;
	if (pfd.fd < 0 && t < 0)
		return 0;   /* nothing to wait on: read again */
	if (pfd.fd < 0) {
		usleep((useconds_t)t * 1000);
		return 0;
	}
	poll(&pfd, 1, t);
	return 0;
}

int evsource_run(struct evsource *s, event_cb cb, void *arg, volatile sig_atomic_t *stop,
		 struct xerr *e)
{
	for (;;) {
		int r;

		if (stop && *stop)
			return 0;
		r = evsource_read(s, cb, arg, e);
		if (r != 0)
			return r;
		if (stop && *stop)
			return 0;
		evsource_wait(s, stop ? 500 : -1);
	}
}

int source_errno(struct xerr *e, int err, const char *what, const char *spec)
{
	xerr_set(e, XNFT_EXIT_USAGE, "source '%.128s': %s: %s", spec, what, strerror(err));
	if (err == EPERM || err == EACCES)
		return xerr_hint(e, "run as root (reading the kernel's log and NFLOG needs "
				 "CAP_NET_ADMIN / CAP_SYSLOG)");
	return -1;
}
