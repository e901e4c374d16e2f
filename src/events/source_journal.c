// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The systemd journal (sd-journal): the local system journal, or one
 * journal file. Only entries with _TRANSPORT=kernel are read: journald sets
 * that field itself for what it reads from the kernel, so a local user who
 * runs `logger "XNFT-DROP: IN=... SRC=<victim> ..."` cannot make xnft see
 * (or the ban engine ban) anything. The match does the filtering; the field
 * is checked again on every entry all the same.
 */
#include "events/source_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "core/clock.h"
#include "core/dynlib.h"

/* libsystemd is loaded (dlopen) when a journal source opens, not linked. */
static struct {
	__typeof__(sd_journal_get_data) *journal_get_data;
	__typeof__(sd_journal_process) *journal_process;
	__typeof__(sd_journal_next) *journal_next;
	__typeof__(sd_journal_get_realtime_usec) *journal_get_realtime_usec;
	__typeof__(sd_journal_get_timeout) *journal_get_timeout;
	__typeof__(sd_journal_close) *journal_close;
	__typeof__(sd_journal_seek_realtime_usec) *journal_seek_realtime_usec;
	__typeof__(sd_journal_seek_tail) *journal_seek_tail;
	__typeof__(sd_journal_previous) *journal_previous;
	__typeof__(sd_journal_seek_head) *journal_seek_head;
	__typeof__(sd_journal_open_files) *journal_open_files;
	__typeof__(sd_journal_open) *journal_open;
	__typeof__(sd_journal_add_match) *journal_add_match;
	__typeof__(sd_journal_set_data_threshold) *journal_set_data_threshold;
	__typeof__(sd_journal_get_fd) *journal_get_fd;
} sd;

static const struct dynlib_sym sd_syms[] = {
	DYNLIB_SYM(sd, journal_get_data, "sd_journal_get_data"),
	DYNLIB_SYM(sd, journal_process, "sd_journal_process"),
	DYNLIB_SYM(sd, journal_next, "sd_journal_next"),
	DYNLIB_SYM(sd, journal_get_realtime_usec, "sd_journal_get_realtime_usec"),
	DYNLIB_SYM(sd, journal_get_timeout, "sd_journal_get_timeout"),
	DYNLIB_SYM(sd, journal_close, "sd_journal_close"),
	DYNLIB_SYM(sd, journal_seek_realtime_usec, "sd_journal_seek_realtime_usec"),
	DYNLIB_SYM(sd, journal_seek_tail, "sd_journal_seek_tail"),
	DYNLIB_SYM(sd, journal_previous, "sd_journal_previous"),
	DYNLIB_SYM(sd, journal_seek_head, "sd_journal_seek_head"),
	DYNLIB_SYM(sd, journal_open_files, "sd_journal_open_files"),
	DYNLIB_SYM(sd, journal_open, "sd_journal_open"),
	DYNLIB_SYM(sd, journal_add_match, "sd_journal_add_match"),
	DYNLIB_SYM(sd, journal_set_data_threshold, "sd_journal_set_data_threshold"),
	DYNLIB_SYM(sd, journal_get_fd, "sd_journal_get_fd"),
};

static struct dynlib sd_lib = DYNLIB_INIT("libsystemd.so.0", "libsystemd0", sd_syms, &sd);

/* MESSAGE bytes read per entry; a kernel log line is about 1 KiB at most. */
#define JOURNAL_DATA_MAX (64 * 1024)

static const char TRANSPORT_MATCH[] = "_TRANSPORT=kernel";

struct journal_src {
	sd_journal *j;
	int fd;               /* sd_journal_get_fd when following */
};

static int journal_error(struct evsource *s, struct xerr *e, int r, const char *what)
{
	return source_errno(e, -r, what, s->spec);
}

/* The entry's field NAME (without "NAME="); 0 if found. */
static int journal_field(sd_journal *j, const char *name, const char **v, size_t *n)
{
	const void *d;
	size_t len, nl = strlen(name);
	int r = sd.journal_get_data(j, name, &d, &len);

	if (r < 0)
		return r;
	if (len < nl + 1)
		return -EBADMSG;
	*v = (const char *)d + nl + 1;
	*n = len - nl - 1;
	return 0;
}

static int journal_read(struct evsource *s, struct xerr *e)
{
	struct journal_src *js = s->priv;

	if (s->opts.follow && js->fd >= 0) {
		int r = sd.journal_process(js->j);

		if (r < 0)
			return journal_error(s, e, r, "sd_journal_process");
	}
	for (int i = 0; i < SOURCE_BUDGET; i++) {
		const char *msg, *tr;
		size_t mlen, tlen;
		uint64_t usec;
		int r = sd.journal_next(js->j);

		if (r < 0)
			return journal_error(s, e, r, "reading the journal");
		if (r == 0)
			return s->opts.follow ? 0 : 1;
		s->stats.records++;
		if (journal_field(js->j, "_TRANSPORT", &tr, &tlen) < 0 || tlen != 6 ||
		    memcmp(tr, "kernel", 6)) {
			source_not_kernel(s);
			continue;
		}
		if (journal_field(js->j, "MESSAGE", &msg, &mlen) < 0) {
			s->stats.other++;
			continue;
		}
		if (sd.journal_get_realtime_usec(js->j, &usec) < 0)
			usec = (uint64_t)event_now_us();
		if (source_line(s, msg, mlen, (int64_t)usec, EVENT_TIME_SOURCE))
			return 0;
	}
	s->busy = true;
	return 0;
}

static int journal_fd(struct evsource *s)
{
	struct journal_src *js = s->priv;

	return s->opts.follow ? js->fd : -1;
}

static int journal_timeout(struct evsource *s)
{
	struct journal_src *js = s->priv;
	uint64_t t;
	uint64_t now_us;

	if (!s->opts.follow || sd.journal_get_timeout(js->j, &t) < 0 || t == (uint64_t)-1)
		return -1;
	now_us = (uint64_t)clock_mono_us();
	if (t <= now_us)
		return 0;
	t = (t - now_us + 999) / 1000;
	return t > 60000 ? 60000 : (int)t;
}

static void journal_close(struct evsource *s)
{
	struct journal_src *js = s->priv;

	if (!js)
		return;
	if (js->j)
		sd.journal_close(js->j);
	free(js);
	s->priv = NULL;
}

const struct source_ops source_journal_ops = {
	.read = journal_read,
	.fd = journal_fd,
	.timeout_ms = journal_timeout,
	.close = journal_close,
};

static int journal_position(struct evsource *s, struct journal_src *js, struct xerr *e)
{
	int r;

	if (s->opts.since_us > 0) {
		r = sd.journal_seek_realtime_usec(js->j, (uint64_t)s->opts.since_us);
	} else if (s->opts.from_end) {
		/* On the last entry, so the next read returns only what comes after it. */
		r = sd.journal_seek_tail(js->j);
		if (r >= 0)
			r = sd.journal_previous(js->j);
	} else {
		r = sd.journal_seek_head(js->j);
	}
	if (r < 0)
		return journal_error(s, e, r, "positioning in the journal");
	return 0;
}

int source_journal_open(struct evsource *s, const char *path, struct xerr *e)
{
	struct journal_src *js = calloc(1, sizeof(*js));
	int r;

	if (!js)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory opening the journal");
	js->fd = -1;
	s->priv = js;
	s->ops = &source_journal_ops;
	s->mixed = true;
	if (!path && access("/run/systemd/journal/", F_OK) != 0 && access("/var/log/journal/", F_OK) != 0) {
		journal_close(s);
		xerr_set(e, XNFT_EXIT_USAGE, "source 'journal': this host has no journal (journald does not "
			 "run and /var/log/journal does not exist)");
		return xerr_hint(e, "read the kernel log with --source kmsg, or a log file with "
				 "--source file:PATH");
	}
	if (dynlib_get(&sd_lib, e) < 0) {
		journal_close(s);
		return xerr_wrap(e, "source '%.128s': reading the journal needs libsystemd", s->spec);
	}
	if (path) {
		const char *paths[] = { path, NULL };

		r = sd.journal_open_files(&js->j, paths, 0);
	} else {
		r = sd.journal_open(&js->j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	}
	if (r < 0) {
		journal_close(s);
		source_errno(e, -r, path ? "cannot open the journal file" : "cannot open the journal",
			     s->spec);
		if (-r == ENOENT || -r == EBADMSG || -r == EPROTONOSUPPORT)
			xerr_hint(e, "give a journal file (*.journal), e.g. one written by "
				  "systemd-journal-remote");
		return -1;
	}
	r = sd.journal_add_match(js->j, TRANSPORT_MATCH, 0);
	if (r >= 0)
		r = sd.journal_set_data_threshold(js->j, JOURNAL_DATA_MAX);
	if (r < 0) {
		journal_close(s);
		return source_errno(e, -r, "setting up the journal", s->spec);
	}
	if (s->opts.follow) {
		/* Asked before reading, so no entry written meanwhile is missed. */
		js->fd = sd.journal_get_fd(js->j);
		if (js->fd < 0) {
			r = js->fd;
			journal_close(s);
			return source_errno(e, -r, "watching the journal", s->spec);
		}
	}
	if (journal_position(s, js, e) < 0) {
		journal_close(s);
		return -1;
	}
	return 0;
}
