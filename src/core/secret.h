/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secrets (an API key, an SMTP password) come from a file only its owner can
 * read, never from argv or a world-readable config: a command line is
 * visible to every local user in /proc.
 */
#ifndef XNFT_CORE_SECRET_H
#define XNFT_CORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/*
 * The first line of path into buf (NUL-terminated, without its newline).
 * Refused with a message naming what (e.g. "[monitor] nvd_api_key_file")
 * and path: a file that is not regular, is readable or writable by group or
 * others, is empty, longer than buf, or holds a control character.
 */
int secret_read(const char *path, const char *what, char *buf, size_t size, struct xerr *e);

/* Can users other than the owner read path (group or others)? false when it cannot be stat'ed. */
bool secret_exposed(const char *path);

#endif
