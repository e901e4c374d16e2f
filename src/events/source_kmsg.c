// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /dev/kmsg: the kernel's log buffer, one record per read(). Without
 * from_end it starts with the oldest record still in the buffer. Only
 * records of the kernel facility become events: anyone allowed to write to
 * /dev/kmsg gets the user facility, so they cannot forge a drop. A reader
 * that falls behind gets EPIPE for the records the buffer overwrote; they
 * are counted as lost and reading goes on.
 */
#include "events/source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KMSG_PATH "/dev/kmsg"
/* A record is at most a few KiB (text plus dictionary). */
#define KMSG_RECORD_MAX 8192

struct kmsg_src {
	int fd;
	char rec[KMSG_RECORD_MAX];
};

static int kmsg_read(struct evsource *s, struct xerr *e)
{
	struct kmsg_src *k = s->priv;

	for (int i = 0; i < SOURCE_BUDGET; i++) {
		struct kmsg_record r;
		ssize_t n = read(k->fd, k->rec, sizeof(k->rec));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				s->stats.lost++;
				continue;
			}
			if (errno == EAGAIN)
				return s->opts.follow ? 0 : 1;
			if (errno == EINVAL) {
				/* A record larger than our buffer: skip it. */
				s->stats.records++;
				source_unparsed(s, "(a /dev/kmsg record over 8 KiB)", 32);
				continue;
			}
			return source_errno(e, errno, "read", s->spec);
		}
		if (n == 0)
			return s->opts.follow ? 0 : 1;
		s->stats.records++;
		if (logline_kmsg_record(k->rec, (size_t)n, &r) < 0) {
			source_unparsed(s, k->rec, (size_t)n);
			continue;
		}
		if (r.prio >> 3 != 0) {
			/* Not the kernel facility: written by a user process. */
			if (memmem(r.text, r.text_len, "IN=", 3))
				source_not_kernel(s);
			else
				s->stats.other++;
			continue;
		}
		if (source_line(s, r.text, r.text_len, s->llc.boot_us + (int64_t)r.usec,
				EVENT_TIME_SOURCE))
			return 0;
	}
	s->busy = true;
	return 0;
}

static int kmsg_fd(struct evsource *s)
{
	struct kmsg_src *k = s->priv;

	return s->opts.follow ? k->fd : -1;
}

static void kmsg_close(struct evsource *s)
{
	struct kmsg_src *k = s->priv;

	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k);
	s->priv = NULL;
}

const struct source_ops source_kmsg_ops = {
	.read = kmsg_read,
	.fd = kmsg_fd,
	.close = kmsg_close,
};

int source_kmsg_open(struct evsource *s, struct xerr *e)
{
	struct kmsg_src *k = calloc(1, sizeof(*k));

	if (!k)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory opening " KMSG_PATH);
	s->priv = k;
	s->ops = &source_kmsg_ops;
	s->mixed = true;
	k->fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		int err = errno;

		kmsg_close(s);
		return source_errno(e, err, "cannot open " KMSG_PATH, s->spec);
	}
	if (s->opts.from_end && lseek(k->fd, 0, SEEK_END) < 0) {
		int err = errno;

		kmsg_close(s);
		return source_errno(e, err, "cannot seek to the end of " KMSG_PATH, s->spec);
	}
	return 0;
}
