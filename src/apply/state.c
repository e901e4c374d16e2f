// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state directory: atomic writes (temp + fsync + rename + fsync of the
 * directory, so a crash leaves the old file or the new one, never half of
 * one) and the journal, an append-only log of every step.
 */
#include "apply/state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/grow.h"
#include "core/paths.h"

/* The journal is cut to its newer half when it grows past this. */
#define JOURNAL_MAX (256u << 10)
/* No state file is larger than this (a listing of a huge set is far smaller). */
#define STATE_FILE_MAX (512u << 20)

const char *state_dir(void)
{
	const char *d = getenv(STATE_DIR_ENV);

	return d && *d ? d : XNFT_STATE_DIR;
}

int state_path(char *buf, size_t n, const char *name, struct xerr *e)
{
	if ((size_t)snprintf(buf, n, "%s/%s", state_dir(), name) >= n)
		return xerr_set(e, XNFT_EXIT_USAGE, "state directory path too long: %s",
				state_dir());
	return 0;
}

static int env_hint(struct xerr *e)
{
	return xerr_hint(e, "the state directory is %s (set %s to use another); it must be a "
			 "writable directory with free space", state_dir(), STATE_DIR_ENV);
}

static int fsync_dir(struct xerr *e)
{
	int fd = open(state_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd)) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "cannot sync directory %s: %s", state_dir(),
			 strerror(err));
		return env_hint(e);
	}
	close(fd);
	return 0;
}

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -1;
	return 0;
}

int state_prepare(struct xerr *e)
{
	const char *dir = state_dir();
	char probe[4096];
	struct stat st;
	int fd;

	if (mkdir_p(dir)) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot create state directory %s: %s", dir,
			 strerror(errno));
		return env_hint(e);
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		xerr_set(e, XNFT_EXIT_USAGE, "state directory %s is not a directory", dir);
		return env_hint(e);
	}
	/* Snapshots hold the firewall; nobody but root has to read them. */
	if ((st.st_mode & 077) && st.st_uid == geteuid())
		chmod(dir, 0700);
	if (state_path(probe, sizeof(probe), ".probe", e))
		return -1;
	fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fd_write_all(fd, "probe\n", 6) || fsync(fd)) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		unlink(probe);
		xerr_set(e, XNFT_EXIT_USAGE, "state directory %s is not writable: %s", dir,
			 strerror(err));
		return env_hint(e);
	}
	close(fd);
	unlink(probe);
	return 0;
}

int state_check_space(size_t need, struct xerr *e)
{
	struct statvfs vfs;
	unsigned long long avail;

	if (statvfs(state_dir(), &vfs)) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot read free space of %s: %s", state_dir(),
			 strerror(errno));
		return env_hint(e);
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < need) {
		xerr_set(e, XNFT_EXIT_USAGE,
			 "state directory %s has %llu bytes free, safe apply needs %zu",
			 state_dir(), avail, need);
		return xerr_hint(e, "free some space on that file system, or set %s to a "
				 "directory with room: the snapshot must be written before the "
				 "kernel is touched", STATE_DIR_ENV);
	}
	return 0;
}

int state_write_atomic(const char *name, const char *data, size_t len, struct xerr *e)
{
	char path[4096];

	if (state_path(path, sizeof(path), name, e))
		return -1;
	if (fd_replace_file(path, data, len, 0600)) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
		return env_hint(e);
	}
	return fsync_dir(e);
}

int state_read(const char *name, char **out, size_t *len, struct xerr *e)
{
	char path[4096];
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd;

	*out = NULL;
	if (len)
		*len = 0;
	if (state_path(path, sizeof(path), name, e))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 || fstat(fd, &st)) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return env_hint(e);
	}
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > STATE_FILE_MAX) {
		close(fd);
		return xerr_set(e, XNFT_EXIT_USAGE, "%s is not a regular file of sane size", path);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading %s", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return 0;
}

int state_remove(const char *name, struct xerr *e)
{
	char path[4096];

	if (state_path(path, sizeof(path), name, e))
		return -1;
	if (unlink(path) && errno != ENOENT)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

int state_rename(const char *from, const char *to, struct xerr *e)
{
	char a[4096], b[4096];

	if (state_path(a, sizeof(a), from, e) || state_path(b, sizeof(b), to, e))
		return -1;
	if (rename(a, b)) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot rename %s to %s: %s", a, b, strerror(errno));
		return env_hint(e);
	}
	return fsync_dir(e);
}

bool state_exists(const char *name)
{
	char path[4096];
	struct xerr e;

	if (state_path(path, sizeof(path), name, &e))
		return false;
	return access(path, F_OK) == 0;
}

/* ---- key=value --------------------------------------------------------- */

int kv_get(const char *text, const char *key, char *val, size_t n)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t vlen = len - klen - 1;

			if (vlen >= n)
				vlen = n - 1;
			memcpy(val, p + klen + 1, vlen);
			val[vlen] = '\0';
			return 0;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (n)
		val[0] = '\0';
	return -1;
}

long long kv_get_ll(const char *text, const char *key, long long dflt)
{
	char buf[64], *end;
	long long v;

	if (kv_get(text, key, buf, sizeof(buf)))
		return dflt;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return dflt;
	return v;
}

/* ---- journal ------------------------------------------------------------ */

void journal_new_id(char *buf, size_t n)
{
	snprintf(buf, n, "%lld-%ld", (long long)time(NULL), (long)getpid());
}

static void clean_field(char *s)
{
	for (; *s; s++) {
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
	}
}

/* Keep the newer half of a journal that grew too large. */
static void journal_trim(const char *path, off_t size)
{
	struct xerr ignored;
	char *text = NULL, *cut;
	size_t len;

	if ((size_t)size < JOURNAL_MAX)
		return;
	if (state_read(ST_JOURNAL, &text, &len, &ignored) || !text)
		goto out;
	cut = strchr(text + len / 2, '\n');
	if (cut)
		state_write_atomic(ST_JOURNAL, cut + 1, len - (size_t)(cut + 1 - text), &ignored);
out:
	free(text);
	(void)path;
}

void journal_append(const char *id, const char *step, const char *result,
		    const char *fmt, ...)
{
	char path[4096], msg[400], line[700];
	struct xerr ignored;
	struct stat st;
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clean_field(msg);
	n = snprintf(line, sizeof(line), "%lld\t%s\t%ld\t%s\t%s\t%s\n", (long long)time(NULL),
		     id ? id : "-", (long)getpid(), step, result, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (state_path(path, sizeof(path), ST_JOURNAL, &ignored))
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* One write of one line: concurrent writers never interleave within a line. */
	if (fd_write_all(fd, line, (size_t)n) == 0)
		fdatasync(fd);
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= JOURNAL_MAX) {
		close(fd);
		journal_trim(path, st.st_size);
		return;
	}
	close(fd);
}

/* Next tab-separated field of *p into dst; -1 when there is none. */
static int next_field(const char **p, char *dst, size_t n, bool last)
{
	const char *s = *p;
	const char *end = last ? s + strcspn(s, "\n") : strchr(s, '\t');
	size_t len;

	if (!end)
		return -1;
	len = (size_t)(end - s);
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	*p = *end ? end + 1 : end;
	return 0;
}

int journal_parse_line(const char *line, struct journal_entry *je)
{
	char t[32], pid[32];
	const char *p = line;
	char *end;

	memset(je, 0, sizeof(*je));
	if (next_field(&p, t, sizeof(t), false) || next_field(&p, je->id, sizeof(je->id), false) ||
	    next_field(&p, pid, sizeof(pid), false) ||
	    next_field(&p, je->step, sizeof(je->step), false) ||
	    next_field(&p, je->result, sizeof(je->result), false) ||
	    next_field(&p, je->msg, sizeof(je->msg), true))
		return -1;
	errno = 0;
	je->t = (time_t)strtoll(t, &end, 10);
	if (errno || end == t || *end)
		return -1;
	je->pid = strtol(pid, &end, 10);
	if (end == pid || *end)
		return -1;
	return 0;
}

int journal_read(struct journal_entry **v, size_t *n, struct xerr *e)
{
	char *text = NULL;
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	rc = state_read(ST_JOURNAL, &text, NULL, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		struct journal_entry je;

		if (nl)
			*nl = '\0';
		if (journal_parse_line(line, &je) == 0) {
			if (grow_for_one(v, &cap, *n, sizeof(**v), 64)) {
				free(text);
				return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			}
			(*v)[(*n)++] = je;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return 0;
}

