// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The values of an existing policy tree: read back from its owned lines,
 * re-rendered, staged for diff and check, written atomically under a lock.
 */
#include "policy/values.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/strbuf.h"
#include "policy/embedded.h"

#define TREE_FILE_MAX (4u << 20)

static int tree_path(char *buf, size_t size, const char *dir, const char *rel, struct xerr *e)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, rel) >= size)
		return xerr_set(e, XNFT_EXIT_USAGE, "path too long: %s/%s", dir, rel);
	return 0;
}

/* 1 and the text when dir/rel exists, 0 when it does not. */
static int read_tree_file(const char *dir, const char *rel, char **text, size_t *len,
			  struct xerr *e)
{
	char path[PATH_MAX];
	int fd, r;

	if (tree_path(path, sizeof(path), dir, rel, e) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	r = fd_read_all(fd, TREE_FILE_MAX, text, len);
	close(fd);
	if (r < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	return 1;
}

static int take_lock(struct policy_tree *t, struct xerr *e)
{
	t->lock_fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->lock_fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot open %s: %s", t->dir, strerror(errno));
	if (flock(t->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	xerr_set(e, XNFT_EXIT_USAGE, "%s is being changed by another xnft command right now",
		 t->dir);
	return xerr_hint(e, "wait for it to finish, then run this again (nothing was written)");
}

static int not_xnft_tree(const char *dir, const char *file, const char *key, struct xerr *e)
{
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s is not a policy tree written by xnft init: %s/%s has "
		 "no '# xnft-init: %s' line", dir, dir, file, key);
	return xerr_hint(e, "give the directory xnft init wrote (default /etc/xnft), or create "
			 "one with xnft init DIR; nothing was written");
}

static int read_values(struct policy_tree *t, struct xerr *e)
{
	unsigned seen[64] = { 0 };
	size_t n = policy_marker_count();
	const char *file;

	char path[PATH_MAX];

	memset(&t->v, 0, sizeof(t->v));
	for (size_t i = 0; i < t->n; i++) {
		if (tree_path(path, sizeof(path), t->dir, t->f[i].rel, e) < 0 ||
		    policy_read_text(&t->v, path, t->f[i].old, t->f[i].old_len, seen, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < n && i < 64; i++) {
		const char *key = policy_marker_key(i, &file);

		if (seen[i] != 1 && !(seen[i] == 0 && policy_marker_optional(i)))
			return not_xnft_tree(t->dir, file, key, e);
	}
	return 0;
}

int policy_tree_open(struct policy_tree *t, const char *dir, bool lock, struct xerr *e)
{
	struct stat st;
	int r;

	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
	if (snprintf(t->dir, sizeof(t->dir), "%s", dir) >= (int)sizeof(t->dir))
		return xerr_set(e, XNFT_EXIT_USAGE, "path too long: %s", dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", dir,
			 stat(dir, &st) < 0 ? strerror(errno) : "not a directory");
		return xerr_hint(e, "give the policy directory xnft init wrote, or create one with "
				 "xnft init DIR");
	}
	/* absolute: the staged copy links to the tree's files from another directory */
	if (!realpath(dir, t->dir))
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", dir, strerror(errno));
	if (lock && take_lock(t, e) < 0)
		return -1;
	for (const struct embedded_file *f = embedded_policy; f->path; f++) {
		struct policy_tree_file *tf = &t->f[t->n];

		if (t->n >= POLICY_TREE_MAX_FILES)
			break;
		r = read_tree_file(dir, f->path, &tf->old, &tf->old_len, e);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		snprintf(tf->rel, sizeof(tf->rel), "%s", f->path);
		t->n++;
	}
	return read_values(t, e);
}

int policy_tree_render(struct policy_tree *t, const struct policy_values *v, struct xerr *e)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < t->n; i++) {
		free(t->f[i].new);
		t->f[i].new = NULL;
		if (tree_path(path, sizeof(path), t->dir, t->f[i].rel, e) < 0 ||
		    policy_render_existing(v, path, t->f[i].old, t->f[i].old_len, &t->f[i].new,
					   e) < 0)
			return -1;
	}
	return 0;
}

static bool file_changed(const struct policy_tree_file *f)
{
	return f->new && (strlen(f->new) != f->old_len || memcmp(f->new, f->old, f->old_len));
}

size_t policy_tree_changed(const struct policy_tree *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += file_changed(&t->f[i]);
	return n;
}

static const struct policy_tree_file *changed_file(const struct policy_tree *t, const char *rel)
{
	for (size_t i = 0; i < t->n; i++) {
		if (file_changed(&t->f[i]) && !strcmp(t->f[i].rel, rel))
			return &t->f[i];
	}
	return NULL;
}

static bool holds_changed(const struct policy_tree *t, const char *rel)
{
	size_t n = strlen(rel);

	for (size_t i = 0; i < t->n; i++) {
		if (file_changed(&t->f[i]) && !strncmp(t->f[i].rel, rel, n) && t->f[i].rel[n] == '/')
			return true;
	}
	return false;
}

/* A file of the stage: a new private file, no fsync (the stage is thrown away). */
static int write_staged(const char *path, const char *data, struct xerr *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), rc;

	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot create %s: %s", path, strerror(errno));
	rc = fd_write_all(fd, data, strlen(data));
	if (close(fd) < 0 || rc < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* dst mirrors src (rel below the tree): changed files written, the rest symlinked. */
static int stage_dir(const struct policy_tree *t, const char *rel, const char *dst,
		     struct xerr *e)
{
	char src[PATH_MAX], from[PATH_MAX], to[PATH_MAX], sub[128];
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (tree_path(src, sizeof(src), t->dir, rel, e) < 0 || !(d = opendir(src)))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s: %s", src, strerror(errno));
	while (ret == 0 && (de = readdir(d))) {
		const struct policy_tree_file *f;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel && strcmp(rel, ".") ? "/" : "",
			 de->d_name);
		if (!strcmp(rel, "."))
			snprintf(sub, sizeof(sub), "%s", de->d_name);
		if (tree_path(from, sizeof(from), src, de->d_name, e) < 0 ||
		    tree_path(to, sizeof(to), dst, de->d_name, e) < 0) {
			ret = -1;
		} else if ((f = changed_file(t, sub))) {
			ret = write_staged(to, f->new, e);
		} else if (holds_changed(t, sub)) {
			ret = mkdir(to, 0700) < 0 ? xerr_set(e, XNFT_EXIT_USAGE, "cannot create %s: %s",
							     to, strerror(errno))
						  : stage_dir(t, sub, to, e);
		} else if (symlink(from, to) < 0) {
			ret = xerr_set(e, XNFT_EXIT_USAGE, "cannot link %s: %s", to, strerror(errno));
		}
	}
	closedir(d);
	return ret;
}

int policy_tree_stage(const struct policy_tree *t, char *stage, size_t size, struct xerr *e)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(stage, size, "%s/xnft-stage.XXXXXX", tmp && *tmp ? tmp : "/tmp") >= size)
		return xerr_set(e, XNFT_EXIT_USAGE, "temp directory path too long");
	if (!mkdtemp(stage))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot create a temp directory %s: %s", stage,
				strerror(errno));
	if (stage_dir(t, ".", stage, e) < 0) {
		policy_tree_unstage(stage);
		return -1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void policy_tree_unstage(const char *stage)
{
	if (stage && *stage)
		nftw(stage, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int policy_tree_write(const struct policy_tree *t, struct xerr *e)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < t->n; i++) {
		if (!file_changed(&t->f[i]))
			continue;
		if (tree_path(path, sizeof(path), t->dir, t->f[i].rel, e) < 0 ||
		    policy_write_atomic(path, t->f[i].new, strlen(t->f[i].new), e) < 0)
			return -1;
	}
	return 0;
}

void policy_tree_close(struct policy_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->f[i].old);
		free(t->f[i].new);
		t->f[i].old = t->f[i].new = NULL;
	}
	t->n = 0;
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	t->lock_fd = -1;
}

void policy_values_overlay(struct policy_values *dst, const struct policy_values *given,
			   unsigned fields)
{
	if (fields & PV_WAN)
		memcpy(dst->wan_if, given->wan_if, sizeof(dst->wan_if));
	if (fields & PV_MESH_IF)
		memcpy(dst->mesh_if, given->mesh_if, sizeof(dst->mesh_if));
	if (fields & PV_WG_PORT) {
		dst->wg_port = given->wg_port;
		dst->wg_port_closed = given->wg_port_closed;
	}
	if (fields & PV_SSH_PORT)
		dst->ssh_port = given->ssh_port;
	if (fields & PV_MESH) {
		memcpy(dst->mesh4, given->mesh4, sizeof(dst->mesh4));
		memcpy(dst->mesh6, given->mesh6, sizeof(dst->mesh6));
		dst->n_mesh4 = given->n_mesh4;
		dst->n_mesh6 = given->n_mesh6;
	}
	if (fields & PV_ADMIN) {
		memcpy(dst->admin4, given->admin4, sizeof(dst->admin4));
		memcpy(dst->admin6, given->admin6, sizeof(dst->admin6));
		dst->n_admin4 = given->n_admin4;
		dst->n_admin6 = given->n_admin6;
	}
	if (fields & PV_SERVICES) {
		memcpy(dst->services, given->services, sizeof(dst->services));
		dst->n_services = given->n_services;
	}
	if (fields & PV_BOGON) {
		memcpy(dst->bogon_exempt, given->bogon_exempt, sizeof(dst->bogon_exempt));
		dst->n_bogon_exempt = given->n_bogon_exempt;
	}
	if (fields & PV_LOG) {
		dst->log_nflog = given->log_nflog;
		dst->log_group = given->log_group;
	}
}

static void join_list(char *text, size_t size, const char (*list)[48], size_t n)
{
	struct fixbuf b = { text, size, 0 };

	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		fixbuf_addf(&b, "%s%s", i ? " " : "", list[i]);
	if (!n)
		snprintf(text, size, "(empty)");
}

static void join_services(char *text, size_t size, const struct policy_values *v)
{
	struct fixbuf b = { text, size, 0 };

	snprintf(text, size, "(SSH only)");
	for (size_t i = 0; i < v->n_services; i++) {
		const struct policy_service *s = &v->services[i];
		char hi[8] = "";

		if (s->port_hi)
			snprintf(hi, sizeof(hi), "-%u", s->port_hi);
		fixbuf_addf(&b, "%s%s/%u%s:%s%s%s", i ? " " : "", s->proto, s->port, hi, s->name,
			    s->from[0] ? "@" : "", s->from);
	}
}

int policy_values_row(const struct policy_values *v, size_t i, const char **name, char *text,
		      size_t size)
{
	static const char *const names[] = { "WAN_IF", "MESH_IF", "WG_PORT", "SSH_PORT",
		"MESH_PEERS", "MESH_PEERS6", "ADMIN_ALLOWLIST", "ADMIN_ALLOWLIST6", "services",
		"bogon exemptions" };

	if (i >= sizeof(names) / sizeof(names[0]))
		return -1;
	*name = names[i];
	switch (i) {
	case 0: snprintf(text, size, "%s", v->wan_if); break;
	case 1: snprintf(text, size, "%s", v->mesh_if); break;
	case 2:
		snprintf(text, size, "%u%s", v->wg_port, v->wg_port_closed ? " (no rule opens it)" : "");
		break;
	case 3: snprintf(text, size, "%u", v->ssh_port); break;
	case 4: join_list(text, size, v->mesh4, v->n_mesh4); break;
	case 5: join_list(text, size, v->mesh6, v->n_mesh6); break;
	case 6: join_list(text, size, v->admin4, v->n_admin4); break;
	case 7: join_list(text, size, v->admin6, v->n_admin6); break;
	case 8: join_services(text, size, v); break;
	default: join_list(text, size, v->bogon_exempt, v->n_bogon_exempt); break;
	}
	return 0;
}
