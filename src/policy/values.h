/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One owner of a host's values in an existing policy tree. The values live
 * in the lines marked `# xnft-init: KEY` (and the service rules rendered
 * after the services marker); they are read back from there, changed in
 * memory, and the tree re-rendered: only owned lines change, every other
 * byte (hand edits included) is kept, and rendering the same values again
 * gives the same bytes. init --force and the day-two commands (allow, deny,
 * admin, set) all go through here.
 */
#ifndef XNFT_POLICY_VALUES_H
#define XNFT_POLICY_VALUES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "policy/render.h"

#define POLICY_TREE_MAX_FILES 32

struct policy_tree_file {
	char rel[64];      /* relative to the tree: "rules/00-tables.nft" */
	char *old;         /* as on disk */
	size_t old_len;
	char *new;         /* after policy_tree_render; NULL before */
};

struct policy_tree {
	char dir[PATH_MAX];
	int lock_fd;                   /* flock on the directory; -1 when not held */
	struct policy_values v;        /* the values the tree holds now */
	struct policy_tree_file f[POLICY_TREE_MAX_FILES];
	size_t n;
};

/*
 * Read the tree at dir: every file of the shipped policy that it has, and
 * the values of its owned lines. Refuses a missing directory, a tree
 * without xnft's markers ("not a tree written by xnft init") and, with
 * lock, a tree another xnft command is editing (flock on the directory).
 */
int policy_tree_open(struct policy_tree *t, const char *dir, bool lock, struct xerr *e);

/* Render every file with v; files whose text does not change keep new == old text. */
int policy_tree_render(struct policy_tree *t, const struct policy_values *v, struct xerr *e);

/* How many files policy_tree_render changed. */
size_t policy_tree_changed(const struct policy_tree *t);

/*
 * A loadable copy of the rendered tree in a new temp directory (the changed
 * files written, everything else symlinked), for diff and check before the
 * tree itself is touched. policy_tree_unstage removes it.
 */
int policy_tree_stage(const struct policy_tree *t, char *stage, size_t size, struct xerr *e);
void policy_tree_unstage(const char *stage);

/* Write the changed files, each atomically (temp file + rename). */
int policy_tree_write(const struct policy_tree *t, struct xerr *e);

/* The values an option of init sets, as bits for policy_values_overlay. */
enum policy_value_field {
	PV_WAN = 1u << 0, PV_MESH_IF = 1u << 1, PV_WG_PORT = 1u << 2, PV_SSH_PORT = 1u << 3,
	PV_MESH = 1u << 4, PV_ADMIN = 1u << 5, PV_SERVICES = 1u << 6, PV_BOGON = 1u << 7,
	PV_LOG = 1u << 8,
};

/* Copy into dst the values of given named by fields (lists replaced whole); keep the rest. */
void policy_values_overlay(struct policy_values *dst, const struct policy_values *given,
			   unsigned fields);

/*
 * One value as a line of text for people: 0 and name/text filled for i in
 * 0..n-1, -1 past the end. Two value sets compare line by line.
 */
int policy_values_row(const struct policy_values *v, size_t i, const char **name, char *text,
		      size_t size);

/* Free the texts and release the lock. */
void policy_tree_close(struct policy_tree *t);

#endif
