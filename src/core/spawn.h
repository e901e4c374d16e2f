/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start other programs from an argument vector (posix_spawnp), never from a
 * shell string, and check how they ended.
 */
#ifndef XNFT_CORE_SPAWN_H
#define XNFT_CORE_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/err.h"

/* Run argv to completion; -1 with e set unless it exits 0. Output is inherited. */
int spawn_run(char *const argv[], struct xerr *e);

/* Same, with stdout and stderr captured into *out (malloc'd, may be NULL). */
int spawn_capture(char *const argv[], char **out, struct xerr *e);

/* Start argv in the background; *pid is the child's. stdio to /dev/null unless log_path. */
int spawn_start(char *const argv[], const char *log_path, pid_t *pid, struct xerr *e);

/*
 * Fork with a pipe from the child back to the parent: the way xnft runs its
 * own code in a child (a sandbox, a namespace, lint, a snapshot) and reads
 * its result. Both return 0: the parent with *pid the child and *fd the
 * read end, the child with *pid 0 and *fd the write end (the other end is
 * closed in each). -1 with e set, *pid and *fd -1, when there is no child.
 */
int spawn_fork_piped(pid_t *pid, int *fd, struct xerr *e);

/*
 * The parent's end of spawn_fork_piped: read the child's answer (up to len
 * bytes, until it closes its end), close fd, reap the child into *status.
 * How many bytes came: a child that died before answering sends fewer.
 */
size_t spawn_fork_collect(pid_t pid, int fd, void *answer, size_t len, int *status);

/* Start time of a process (field 22 of /proc/PID/stat, in clock ticks); 0 when it is gone or a zombie. */
unsigned long long proc_start_time(pid_t pid);

/* True when pid is alive and started at `start` (so not a reused pid). */
bool proc_is(pid_t pid, unsigned long long start);

/*
 * SIGTERM the process we started (pid, with the start time read when it was
 * started), wait up to timeout_ms, then SIGKILL. A pid that now names another
 * process is never signalled: ours is gone, and 0 is returned.
 */
int spawn_stop(pid_t pid, unsigned long long start, int timeout_ms);

#endif
