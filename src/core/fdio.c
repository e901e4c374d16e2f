// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

size_t fd_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

int fd_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, got = 0;
	char *buf = malloc(cap), scratch[4096];
	bool cut = false;

	*out = NULL;
	*len = 0;
	for (;;) {
		char *dst = got < max ? buf + got : scratch;
		size_t room = got < max ? cap - 1 - got : sizeof(scratch);
		ssize_t n;

		if (!buf)
			return -1;
		if (got < max && got + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
			continue;
		}
		if (got < max && room > max - got)
			room = max - got;
		n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0) {
				buf[got] = '\0';
				*out = buf;
				*len = got;
				return cut ? 1 : 0;
			}
			break;
		}
		if (dst == scratch)
			cut = true;
		else
			got += (size_t)n;
	}
	free(buf);
	return -1;
}

int fd_replace_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4200];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* a file by that name is left from a dead process that had our pid */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) || fd_write_all(fd, data, len) || fsync(fd))
		goto fail;
	err = close(fd);
	fd = -1;
	if (err || rename(tmp, path))
		goto fail;
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = err;
	return -1;
}

int fd_stderr_mute(void)
{
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	if (null >= 0)
		close(null);
	if (null < 0 && saved >= 0) {
		close(saved);
		return -1;
	}
	return saved;
}

void fd_stdio_to_devnull(void)
{
	/* no O_CLOEXEC: when a stdio descriptor was closed, open returns it, and it stays */
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

void fd_stderr_restore(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, STDERR_FILENO);
	close(saved);
}
