// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> intents file. Whatever parses must format, intent by intent, to
 * a line that parses to one intent formatting the same, with the same hook;
 * every intent keeps a line number inside the input; a refusal says why
 * and where.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/intents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[65536], b[65536];
	struct intents in, again;
	struct xerr e;
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (intents_parse(&in, "fuzz", (const char *)data, size, &e) < 0) {
		if (!e.msg[0] || e.line < 1 || (size_t)e.line > lines || in.n)
			abort();
		return 0;
	}
	for (size_t i = 0; i < in.n; i++) {
		const struct intent *it = &in.v[i];

		if (it->line < 1 || (size_t)it->line > lines || !it->text ||
		    (it->kind == INTENT_ONLY) != (it->nallow > 0))
			abort();
		intent_format(it, a, sizeof(a));
		if (strlen(a) + 1 >= sizeof(a))
			continue;
		if (intents_parse(&again, "again", a, strlen(a), &e) < 0 || again.n != 1)
			abort();
		intent_format(&again.v[0], b, sizeof(b));
		if (strcmp(a, b) || again.v[0].hook != it->hook)
			abort();
		intents_free(&again);
	}
	intents_free(&in);
	return 0;
}
