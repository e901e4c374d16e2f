// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/mfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"

#define MESH_FILE_MAX (16u * 1024 * 1024)

int mesh_file_read(const char *path, const char *what, char **text, struct xerr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	int rc;

	*text = NULL;
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s %s: %s", what, path,
				strerror(errno));
	rc = fd_read_all(fd, MESH_FILE_MAX, text, &len);
	close(fd);
	if (rc) {
		free(*text);
		*text = NULL;
		return xerr_set(e, XNFT_EXIT_USAGE, rc > 0 ? "%s %s is larger than 16 MiB" :
				"cannot read %s %s", what, path);
	}
	if (strlen(*text) != len) {
		free(*text);
		*text = NULL;
		return xerr_at(e, XNFT_EXIT_FINDINGS, path, 0, 0, "%s contains a NUL byte; it must "
			       "be a text file", what);
	}
	return 0;
}

int mesh_file_write(const char *path, const char *data, size_t len, mode_t mode, struct xerr *e)
{
	/* fd_replace_file: the umask may not take bits away; a key file must be exactly 0600 */
	if (fd_replace_file(path, data, len, mode))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
	return 0;
}
