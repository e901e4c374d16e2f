// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/initext.h"

#include <stdio.h>
#include <string.h>

char *ini_text_reader(char *str, int num, void *stream)
{
	struct ini_text *in = stream;
	const char *start = in->text + in->pos, *nl;
	size_t len;

	if (!*start)
		return NULL;
	nl = strchr(start, '\n');
	len = nl ? (size_t)(nl - start) + 1 : strlen(start);
	in->pos += len;
	in->line++;
	if (len >= (size_t)num) {
		snprintf(str, (size_t)num, "\n");
		in->seen(in->ctx, in->line, NULL, num);
		return str;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	in->seen(in->ctx, in->line, str, num);
	return str;
}
