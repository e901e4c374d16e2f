// SPDX-License-Identifier: GPL-2.0-or-later
#include "policy/embedded.h"

#include <string.h>

const struct embedded_file *embedded_policy_find(const char *path)
{
	for (const struct embedded_file *f = embedded_policy; f->path; f++) {
		if (!strcmp(f->path, path))
			return f;
	}
	return NULL;
}
