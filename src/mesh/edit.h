/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Changes to mesh.conf made by `xnft mesh init|add|remove|keys`. Each edits
 * the text (comments and order the admin wrote stay as they are), checks the
 * whole result as `xnft mesh check` would, and only then replaces the file,
 * atomically. A change that would make the inventory invalid is refused and
 * the file is left as it was.
 */
#ifndef XNFT_MESH_EDIT_H
#define XNFT_MESH_EDIT_H

#include <stddef.h>

#include "core/err.h"

struct mesh_kv {
	const char *key;
	const char *value;
};

/* A new inventory holding only [mesh] with these keys; an existing file is never overwritten. */
int mesh_edit_init(const char *path, const struct mesh_kv *kv, size_t n, struct xerr *e);

/* Append [host NAME] with these keys. */
int mesh_edit_add(const char *path, const char *name, const struct mesh_kv *kv, size_t n,
		  struct xerr *e);

/* Delete host NAME's section. */
int mesh_edit_remove(const char *path, const char *name, struct xerr *e);

/* Set one key of host NAME's section (replaced where it is, else added under the header). */
int mesh_edit_set(const char *path, const char *name, const char *key, const char *value,
		  struct xerr *e);

#endif
