// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft doctor: the report, the readers under a root directory, and --fix. */
#include "doctor/doctor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/grow.h"
#include "core/strbuf.h"

const char *doctor_level_name(enum doctor_level level)
{
	return level == DOCTOR_FAIL ? "FAIL" : level == DOCTOR_WARN ? "WARN" : "PASS";
}

void doctor_add(struct doctor_report *r, const char *group, const char *id, enum doctor_level level,
		const char *why, const char *fix, const char *found_fmt, ...)
{
	struct doctor_check *c;
	va_list ap;

	if (grow_for_one(&r->checks, &r->cap, r->n, sizeof(*r->checks), 32)) {
		r->oom = true;
		return;
	}
	c = &r->checks[r->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->group, sizeof(c->group), "%s", group);
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->level = level;
	if (level != DOCTOR_PASS) {
		snprintf(c->why, sizeof(c->why), "%s", why ? why : "");
		snprintf(c->fix, sizeof(c->fix), "%s", fix ? fix : "");
	}
	va_start(ap, found_fmt);
	vsnprintf(c->found, sizeof(c->found), found_fmt, ap);
	va_end(ap);
}

void doctor_add_change(struct doctor_report *r, enum doctor_change_kind kind, const char *key,
		       const char *value)
{
	struct doctor_change *c;

	if (grow_for_one(&r->changes, &r->capchanges, r->nchanges, sizeof(*r->changes), 32)) {
		r->oom = true;
		return;
	}
	c = &r->changes[r->nchanges++];
	c->kind = kind;
	snprintf(c->key, sizeof(c->key), "%s", key);
	snprintf(c->value, sizeof(c->value), "%s", value);
}

void doctor_report_free(struct doctor_report *r)
{
	free(r->checks);
	free(r->changes);
	memset(r, 0, sizeof(*r));
}

size_t doctor_count(const struct doctor_report *r, enum doctor_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->checks[i].level == level;
	return n;
}

int doctor_path(const struct doctor_opts *o, const char *path, char *buf, size_t n)
{
	const char *root = o->root && strcmp(o->root, "/") ? o->root : "";
	int len = snprintf(buf, n, "%s%s", root, path);

	return len < 0 || (size_t)len >= n ? -1 : 0;
}

char *doctor_read_file(const struct doctor_opts *o, const char *path)
{
	char full[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int fd;

	if (doctor_path(o, path, full, sizeof(full)))
		return NULL;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fd_read_all(fd, 1 << 20, &text, &len) < 0)
		text = NULL;
	close(fd);
	return text;
}

int doctor_read_line(const struct doctor_opts *o, const char *path, char *buf, size_t n)
{
	char *text = doctor_read_file(o, path);

	if (!text)
		return -1;
	snprintf(buf, n, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
	return 0;
}

int doctor_read_ll(const struct doctor_opts *o, const char *path, long long *v)
{
	char line[64], *end;

	if (doctor_read_line(o, path, line, sizeof(line)))
		return -1;
	errno = 0;
	*v = strtoll(line, &end, 10);
	return errno || end == line ? -1 : 0;
}

void doctor_sysctl_path(const char *key, char *buf, size_t n)
{
	snprintf(buf, n, "/proc/sys/%s", key);
	for (char *p = buf + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
}

bool doctor_unit_enabled(const struct doctor_opts *o, const char *unit)
{
	char dir[PATH_MAX], link[PATH_MAX * 2];
	struct stat st;
	struct dirent *d;
	bool found = false;
	DIR *dp;

	if (doctor_path(o, "/etc/systemd/system", dir, sizeof(dir)))
		return false;
	dp = opendir(dir);
	if (!dp)
		return false;
	while (!found && (d = readdir(dp))) {
		size_t len = strlen(d->d_name);

		if (len < 6 || strcmp(d->d_name + len - 6, ".wants"))
			continue;
		snprintf(link, sizeof(link), "%s/%s/%s", dir, d->d_name, unit);
		/* the link itself: in a mounted image or a fixture its target may be elsewhere */
		found = lstat(link, &st) == 0;
	}
	closedir(dp);
	return found;
}

bool doctor_each_iface(const struct doctor_opts *o, bool (*fn)(const char *name, void *arg),
		       void *arg)
{
	char dir[PATH_MAX];
	struct dirent *d;
	bool hit = false;
	DIR *dp;

	if (!o->root || !strcmp(o->root, "/")) {
		struct if_nameindex *ifs = if_nameindex();

		for (size_t i = 0; ifs && ifs[i].if_name && !hit; i++)
			hit = fn(ifs[i].if_name, arg);
		if (ifs)
			if_freenameindex(ifs);
		return hit;
	}
	if (doctor_path(o, "/sys/class/net", dir, sizeof(dir)) || !(dp = opendir(dir)))
		return false;
	while (!hit && (d = readdir(dp)))
		if (d->d_name[0] != '.')
			hit = fn(d->d_name, arg);
	closedir(dp);
	return hit;
}

int doctor_run(const struct doctor_opts *o, struct doctor_report *r, struct xerr *e)
{
	memset(r, 0, sizeof(*r));
	/* half the checks read the loaded ruleset and the apply state: without root they would
	 * all fail and hide the real findings */
	if (geteuid() != 0)
		return xerr_set(e, 2, "needs root: it reads the loaded ruleset, the apply state and "
				"the policy in a private namespace"),
		       xerr_hint(e, "run it as root (sudo xnft doctor)");
	doctor_check_kernel(o, r);
	doctor_check_conntrack(o, r);
	doctor_check_policy(o, r);
	doctor_check_neighbours(o, r);
	if (r->oom)
		return xerr_set(e, 2, "out of memory while checking the host");
	return 0;
}

char *doctor_change_file_text(const struct doctor_report *r, enum doctor_change_kind kind)
{
	struct strbuf b = { 0 };
	bool any = false;

	strbuf_addf(&b, "# Written by 'xnft doctor --fix': the host checklist's %s.\n",
		    kind == DOCTOR_SYSCTL ? "kernel settings" : "conntrack module options");
	for (size_t i = 0; i < r->nchanges; i++) {
		const struct doctor_change *c = &r->changes[i];

		if (c->kind != kind)
			continue;
		any = true;
		if (kind == DOCTOR_SYSCTL)
			strbuf_addf(&b, "%s = %s\n", c->key, c->value);
		else
			strbuf_addf(&b, "options %s=%s\n", c->key, c->value);
	}
	if (!any) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_take(&b);
}

/* Write a file atomically (temporary beside it, renamed over it), mode 0644. */
static int write_file(const struct doctor_opts *o, const char *path, const char *text,
		      struct xerr *e)
{
	char full[PATH_MAX];

	if (doctor_path(o, path, full, sizeof(full)))
		return xerr_set(e, 2, "%s: path too long", path);
	if (fd_replace_file(full, text, strlen(text), 0644))
		return xerr_set(e, 2, "%s: cannot write: %s", full, strerror(errno)),
		       xerr_hint(e, "run as root; check that the directory exists");
	return 0;
}

/* net.ipv4.conf.all.rp_filter -> /proc/sys/net/ipv4/conf/all/rp_filter */
static int sysctl_write_live(const struct doctor_opts *o, const char *key, const char *value,
			     struct xerr *e)
{
	char rel[160], full[PATH_MAX];
	int fd;

	doctor_sysctl_path(key, rel, sizeof(rel));
	if (doctor_path(o, rel, full, sizeof(full)))
		return xerr_set(e, 2, "%s: path too long", rel);
	fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || fd_write_all(fd, value, strlen(value))) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		xerr_set(e, 2, "setting %s = %s: %s: %s", key, value, full, strerror(err));
		return xerr_hint(e, "run as root; the setting is kept in " DOCTOR_SYSCTL_FILE
				 " for the next boot either way");
	}
	close(fd);
	return 0;
}

int doctor_apply_changes(const struct doctor_opts *o, const struct doctor_report *r,
			 struct xerr *e)
{
	static const struct { enum doctor_change_kind kind; const char *path; } files[] = {
		{ DOCTOR_SYSCTL, DOCTOR_SYSCTL_FILE },
		{ DOCTOR_MODOPT, DOCTOR_MODPROBE_FILE },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = doctor_change_file_text(r, files[i].kind);
		int rc = text ? write_file(o, files[i].path, text, e) : 0;

		free(text);
		if (rc)
			return -1;
	}
	for (size_t i = 0; i < r->nchanges; i++)
		if (r->changes[i].kind == DOCTOR_SYSCTL &&
		    sysctl_write_live(o, r->changes[i].key, r->changes[i].value, e))
			return -1;
	return 0;
}
