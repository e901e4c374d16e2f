/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The default policy tree, compiled into the binary from policy/ at build time. */
#ifndef XNFT_POLICY_EMBEDDED_H
#define XNFT_POLICY_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path;    /* relative to the policy root, e.g. "rules/20-mesh.nft" */
	const char *content;
	size_t size;
};

/* Terminated by an entry whose path is NULL. */
extern const struct embedded_file embedded_policy[];

/* The embedded file at path, or NULL. */
const struct embedded_file *embedded_policy_find(const char *path);

#endif
