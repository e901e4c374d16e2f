/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole-file reads and atomic writes for the mesh's files (inventory, keys,
 * rendered configs): a write goes to a temporary file in the same directory
 * and is renamed over the old one, so a crash leaves the old file or the new
 * one, never half of either.
 */
#ifndef XNFT_MESH_MFILE_H
#define XNFT_MESH_MFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/* The whole text file (malloc'd, NUL-terminated); a NUL byte inside is an error. */
int mesh_file_read(const char *path, const char *what, char **text, struct xerr *e);

/* Replace path with data, created with mode (and chmod'ed to it). */
int mesh_file_write(const char *path, const char *data, size_t len, mode_t mode, struct xerr *e);

#endif
