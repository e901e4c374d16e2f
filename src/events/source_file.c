// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * file:PATH and standard input. Without follow, read to the end and stop.
 * With follow, keep reading as the file grows and follow it the way
 * `tail -F` does: when PATH names another file (logrotate renamed the old
 * one and created a new one) read the old one to its end, then switch; when
 * the file shrinks (truncated in place, copytruncate) start over at 0.
 * inotify on the file and its directory wakes the reader; a one-second poll
 * timeout catches what inotify cannot see (network filesystems), and
 * without inotify the reader polls every quarter second.
 */
#include "events/source_int.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

struct file_src {
	int fd;               /* -1 while waiting for the file to appear */
	bool is_stdin;
	int inotify;          /* -1 without follow or without inotify */
	int wd_file;
	dev_t dev;
	ino_t ino;
	off_t pos;
	char path[PATH_MAX];
	char state[PATH_MAX];     /* where the position is kept; "" = not kept */
	off_t saved;              /* the position last written there */
	int64_t saved_us;
};

/* The position is written at most this often while lines come (and at close). */
#define POSITION_SAVE_US 1000000

static int file_watch(struct file_src *f)
{
	if (f->inotify < 0)
		return 0;
	if (f->wd_file >= 0)
		inotify_rm_watch(f->inotify, f->wd_file);
	f->wd_file = inotify_add_watch(f->inotify, f->path, IN_MODIFY | IN_ATTRIB |
				       IN_MOVE_SELF | IN_DELETE_SELF);
	return 0;
}

static int dir_watch(struct file_src *f)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", f->path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (inotify_add_watch(f->inotify, dir, IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
			      IN_DELETE) < 0)
		return -1;
	return 0;
}

/* Open PATH; 1 opened, 0 not there (yet), -1 another error (errno set). */
static int file_reopen(struct file_src *f)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO or a device would block or never end: not a log file (use - for a pipe). */
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pos = 0;
	file_watch(f);
	return 1;
}

/* ---- the kept position ---------------------------------------------------------- */

/* "<dir>/file-position.<hash of the path>": one file per followed log. */
static int state_path(struct file_src *f, const char *dir)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	int n;

	for (const char *p = f->path; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	n = snprintf(f->state, sizeof(f->state), "%s/file-position.%016llx", dir,
		     (unsigned long long)h);
	if (n < 0 || (size_t)n >= sizeof(f->state)) {
		f->state[0] = '\0';
		return -1;
	}
	return 0;
}

/* Bytes of the file handed on as lines (a partial line waits in the buffer). */
static off_t consumed(const struct evsource *s, const struct file_src *f)
{
	return f->pos > (off_t)s->llen ? f->pos - (off_t)s->llen : 0;
}

/* Write the position (a new file renamed over the old: never half written). */
static void save_position(struct evsource *s, struct file_src *f, int64_t now)
{
	char tmp[PATH_MAX + 8], text[PATH_MAX + 96];
	off_t at = consumed(s, f);
	int fd, n;

	if (!f->state[0] || f->fd < 0 || at == f->saved)
		return;
	n = snprintf(text, sizeof(text), "xnft-file-position 1\n%s\n%llu %llu %lld\n", f->path,
		     (unsigned long long)f->dev, (unsigned long long)f->ino, (long long)at);
	snprintf(tmp, sizeof(tmp), "%s.new", f->state);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;   /* best effort: the next start reads from the end instead */
	if (write(fd, text, (size_t)n) != n || close(fd) < 0 || rename(tmp, f->state) < 0) {
		unlink(tmp);
		return;
	}
	f->saved = at;
	f->saved_us = now;
}

/* The kept position of this path: 0 read, -1 none (or not this path's). */
static int load_position(const struct file_src *f, dev_t *dev, ino_t *ino, off_t *off)
{
	char line[PATH_MAX + 2], head[64];
	unsigned long long d, i;
	long long o;
	FILE *in = fopen(f->state, "re");
	int rc = -1;

	if (!in)
		return -1;
	if (fgets(head, sizeof(head), in) && !strcmp(head, "xnft-file-position 1\n") &&
	    fgets(line, sizeof(line), in) && !strncmp(line, f->path, strlen(f->path)) &&
	    !strcmp(line + strlen(f->path), "\n") && fscanf(in, "%llu %llu %lld", &d, &i, &o) == 3 &&
	    o >= 0) {
		*dev = (dev_t)d;
		*ino = (ino_t)i;
		*off = (off_t)o;
		rc = 0;
	}
	fclose(in);
	return rc;
}

/*
 * Start where the last reader stopped: at the kept offset of the same file,
 * or at the start of a file that replaced it (rotated while no one read).
 * At most SOURCE_CATCHUP_MAX bytes are read back; a cut line is skipped.
 * 1 resumed, 0 nothing kept (the caller starts as it would have), -1 error.
 */
static int resume(struct evsource *s, struct file_src *f)
{
	dev_t dev;
	ino_t ino;
	off_t off, size, from;
	struct stat st;
	struct fixbuf note = { s->stats.resumed, sizeof(s->stats.resumed), 0 };
	bool same;

	if (!f->state[0] || load_position(f, &dev, &ino, &off) < 0 || fstat(f->fd, &st) < 0)
		return 0;
	size = st.st_size;
	same = dev == f->dev && ino == f->ino && off <= size;
	from = same ? off : 0;
	if (size - from > (off_t)SOURCE_CATCHUP_MAX)
		from = size - (off_t)SOURCE_CATCHUP_MAX;
	/* from a byte before: if that one ends a line, skipping eats just it */
	if (from > (same ? off : 0) && lseek(f->fd, from - 1, SEEK_SET) >= 0) {
		f->pos = from - 1;
		s->skipping = true;
	} else if (lseek(f->fd, from, SEEK_SET) >= 0) {
		f->pos = from;
	} else {
		return -1;
	}
	f->saved = from;
	if (same)
		fixbuf_addf(&note, "resumed at byte %lld: %lld byte(s) written meanwhile to read",
			    (long long)from, (long long)(size - from));
	else
		fixbuf_addf(&note, "the file was replaced or truncated meanwhile: reading it from "
			    "byte %lld, %lld byte(s)", (long long)from, (long long)(size - from));
	if (from > (same ? off : 0))
		fixbuf_addf(&note, "; %lld older byte(s) skipped (catch-up is at most %u MiB)",
			    (long long)(from - (same ? off : 0)), SOURCE_CATCHUP_MAX >> 20);
	return 1;
}

static void drain_inotify(struct file_src *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (f->inotify < 0)
		return;
	while (read(f->inotify, buf, sizeof(buf)) > 0)
		;
}

/*
 * At the end of the data: has the file been replaced or truncated? Returns
 * 1 when there is something new to read, 0 when not, -1 on error.
 */
static int file_check_rotation(struct evsource *s, struct file_src *f, int64_t now)
{
	struct stat st, cur;

	if (f->fd < 0)
		return file_reopen(f);   /* waiting for the file to appear */
	if (stat(f->path, &st) == 0 && (st.st_ino != f->ino || st.st_dev != f->dev)) {
		/* Renamed away and replaced: what the old file had is read; a last line
		 * without its newline is complete now. */
		if (source_feed_end(s, now))
			return 1;
		if (file_reopen(f) < 0)
			return -1;
		s->stats.rotations++;
		return 1;
	}
	if (fstat(f->fd, &cur) == 0 && cur.st_size < f->pos) {
		/* Truncated in place: start over. */
		source_feed_reset(s);
		if (lseek(f->fd, 0, SEEK_SET) < 0)
			return -1;
		f->pos = 0;
		s->stats.rotations++;
		return 1;
	}
	return 0;
}

/* Standard input may be a pipe or a terminal: read only when it has data. */
static bool stdin_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static int file_read_some(struct evsource *s, struct xerr *e);

static int file_read(struct evsource *s, struct xerr *e)
{
	struct file_src *f = s->priv;
	int rc = file_read_some(s, e);
	int64_t now = event_now_us();

	if (now - f->saved_us >= POSITION_SAVE_US)
		save_position(s, f, now);
	return rc;
}

static int file_read_some(struct evsource *s, struct xerr *e)
{
	struct file_src *f = s->priv;
	int64_t now = event_now_us();

	if (source_feed_pending(s) && source_feed(s, 0, now))
		return 0;
	drain_inotify(f);
	for (int i = 0; i < SOURCE_BUDGET / 1024 + 1; i++) {
		ssize_t n;

		if (f->fd < 0 || (f->is_stdin && !stdin_ready(f->fd))) {
			if (f->is_stdin)
				return 0;
			int r = file_check_rotation(s, f, now);

			if (r < 0)
				return source_errno(e, errno, "reopening after rotation", s->spec);
			if (r == 0 || s->stopped)
				return 0;
			continue;
		}
		n = read(f->fd, s->lbuf + s->llen, s->lcap - s->llen);
		if (n > 0) {
			f->pos += n;
			if (source_feed(s, (size_t)n, now))
				return 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return source_errno(e, errno, "read", s->spec);
		/* End of the data for now. */
		if (!s->opts.follow || f->is_stdin) {
			source_feed_end(s, now);
			return 1;
		}
		int r = file_check_rotation(s, f, now);

		if (r < 0)
			return source_errno(e, errno, "reopening after rotation", s->spec);
		if (r == 0 || s->stopped)
			return 0;
	}
	s->busy = true;
	return 0;
}

static int file_fd(struct evsource *s)
{
	struct file_src *f = s->priv;

	if (f->is_stdin)
		return f->fd;
	return s->opts.follow ? f->inotify : -1;
}

static int file_timeout(struct evsource *s)
{
	struct file_src *f = s->priv;

	if (f->is_stdin || !s->opts.follow)
		return -1;
	return f->inotify >= 0 ? 1000 : 250;
}

static void file_close(struct evsource *s)
{
	struct file_src *f = s->priv;

	if (!f)
		return;
	save_position(s, f, 0);
	if (f->fd >= 0 && !f->is_stdin)
		close(f->fd);
	if (f->inotify >= 0)
		close(f->inotify);
	free(f);
	s->priv = NULL;
}

const struct source_ops source_file_ops = {
	.read = file_read,
	.fd = file_fd,
	.timeout_ms = file_timeout,
	.close = file_close,
};

int source_file_open(struct evsource *s, const char *path, bool is_stdin, struct xerr *e)
{
	struct file_src *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory opening '%.128s'", s->spec);
	f->fd = -1;
	f->inotify = -1;
	f->wd_file = -1;
	f->is_stdin = is_stdin;
	s->priv = f;
	s->ops = &source_file_ops;
	if (source_feed_init(s, e) < 0)
		return -1;
	if (is_stdin) {
		f->fd = STDIN_FILENO;
		return 0;
	}
	if (strlen(path) >= sizeof(f->path)) {
		file_close(s);
		return xerr_set(e, XNFT_EXIT_USAGE, "source 'file:...': the path is too long");
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (s->opts.follow) {
		f->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (f->inotify >= 0 && dir_watch(f) < 0) {
			close(f->inotify);
			f->inotify = -1;
		}
	}
	r = file_reopen(f);
	if (r < 0 || (r == 0 && !s->opts.follow)) {
		int err = r == 0 ? ENOENT : errno;

		file_close(s);
		source_errno(e, err, "cannot open the file", s->spec);
		if (err == ENOENT)
			xerr_hint(e, "check the path; with --follow xnft waits for the file to appear");
		return -1;
	}
	if (s->opts.state_dir && state_path(f, s->opts.state_dir) < 0) {
		file_close(s);
		return xerr_set(e, XNFT_EXIT_USAGE, "source '%.128s': the state directory's path "
				"is too long", s->spec);
	}
	s->opts.state_dir = NULL;   /* the caller's string: copied into f->state */
	r = r == 1 ? resume(s, f) : 0;
	if (r < 0) {
		int err = errno;

		file_close(s);
		return source_errno(e, err, "seeking to the kept position", s->spec);
	}
	if (r == 0 && f->fd >= 0 && s->opts.from_end) {
		off_t end = lseek(f->fd, 0, SEEK_END);

		f->pos = end > 0 ? end : 0;
	}
	return 0;
}
