// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"

int secret_read(const char *path, const char *what, char *buf, size_t size, struct xerr *e)
{
	struct stat st;
	size_t n, len;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "%s %s is not a regular file readable by its owner only",
			 what, path);
		return xerr_hint(e, "chmod 600 %s", path);
	}
	n = fd_read_full(fd, buf, size - 1);
	close(fd);
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (!buf[0])
		return xerr_set(e, XNFT_EXIT_USAGE, "%s %s: the first line is empty", what, path);
	if (len == size - 1)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s %s: longer than %zu bytes", what, path,
				size - 2);
	for (const char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return xerr_set(e, XNFT_EXIT_USAGE, "%s %s: holds a control character", what,
					path);
	return 0;
}

bool secret_exposed(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & 044);
}
