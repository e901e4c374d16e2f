/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole reads and writes on file descriptors: pipes between xnft's own
 * processes and files written in one piece. A short read or write is
 * continued, an interrupted one retried.
 */
#ifndef XNFT_CORE_FDIO_H
#define XNFT_CORE_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all of buf; -1 with errno on failure (ENOSPC when write(2) wrote nothing). */
int fd_write_all(int fd, const void *buf, size_t len);

/* Read until len bytes came or the stream ended; how many came (errno set on an error). */
size_t fd_read_full(int fd, void *buf, size_t len);

/*
 * Read fd to its end into *out (malloc'd, NUL-terminated; *len bytes before
 * the NUL). Past max bytes the rest is read and dropped, so that the writer
 * never blocks: 1, with the first max bytes. 0 when all of it came; -1 on a
 * read error or out of memory (*out NULL).
 */
int fd_read_all(int fd, size_t max, char **out, size_t *len);

/*
 * Replace path whole or not at all: the data goes to a temporary file beside
 * it (exactly `mode` whatever the umask, never through a link), is synced,
 * then renamed over path. 0, or -1 with errno, path untouched and the
 * temporary removed. Syncing the directory is the caller's choice.
 */
int fd_replace_file(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Shut this process's stderr (onto /dev/null) for a library call that
 * prints there what the caller handles itself (libnftables' "stmt ops chain
 * have no json callback" for every anonymous chain). Returns what
 * fd_stderr_restore() takes back; -1 when nothing was shut.
 */
int fd_stderr_mute(void);
void fd_stderr_restore(int saved);

/*
 * stdin, stdout and stderr to /dev/null, for a process that outlives the
 * terminal it was started from (the guard, the lab's daemons); they stay
 * as they were when /dev/null cannot be opened.
 */
void fd_stdio_to_devnull(void);

#endif
