// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> packet words. Whatever match_parse accepts must format to words
 * that parse again and format the same; whatever packet_parse accepts must
 * format (given words and full form) to text that parses to the same packet.
 * Refusals must say why. Defines are resolved with a lookup that answers
 * some names and not others.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "core/packet.h"

static int lookup(void *ctx, const char *name, char *value, size_t size)
{
	static const char *const values[] = { "22", "\"eth0\"", "{ 1, 2 }", "$A", "10.0.0.1",
					      "new", "lo" };

	(void)ctx;
	if (!name[0] || name[0] == 'Z')
		return -1;
	strncpy(value, values[(unsigned char)name[0] % 7], size - 1);
	value[size - 1] = '\0';
	return 0;
}

static void check_match(const char *text)
{
	struct match_src src = { "fuzz", 1 };
	struct match_list m, again;
	struct xerr e;
	static char a[65536], b[65536];

	if (match_parse(&m, text, &src, &e) < 0) {
		if (!e.msg[0] || m.n || m.cond)
			abort();
		return;
	}
	match_format(&m, a, sizeof(a));
	if (strlen(a) + 1 < sizeof(a)) {
		/*
		 * Canonical words can be more than the written ones ("tcp flags 86"
		 * is "syn|rst|ack|ecn"): past the parser's word limit the round
		 * trip is not asked for, as past the buffer above.
		 */
		if (match_parse(&again, a, &src, &e) < 0) {
			if (strstr(e.msg, "too many words"))
				goto out;
			abort();
		}
		match_format(&again, b, sizeof(b));
		if (strcmp(a, b) || again.n != m.n)
			abort();
		match_list_free(&again);
	}
out:
	match_list_free(&m);
}

static void check_packet(const char *text)
{
	struct packet p, q;
	struct xerr e;
	char a[PACKET_TEXT_MAX], b[PACKET_TEXT_MAX];

	if (packet_parse(&p, text, &e) < 0) {
		if (!e.msg[0])
			abort();
		return;
	}
	packet_format(&p, a, sizeof(a));
	if (packet_parse(&q, a, &e) < 0 || !packet_equal(&p, &q))
		abort();
	packet_format_full(&p, a, sizeof(a));
	if (packet_parse(&q, a, &e) < 0)
		abort();
	/* With $NAMEs left, defaults are provisional: only a resolved full form is fixed. */
	packet_format_full(&q, b, sizeof(b));
	if (!p.unresolved && strcmp(a, b))
		abort();
	packet_defaults_format(&p, a, sizeof(a));
	if (packet_resolve(&p, lookup, NULL, &e) == 0 && p.unresolved)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_match(text);
	check_packet(text);
	free(text);
	return 0;
}
