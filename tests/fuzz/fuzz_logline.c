// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> kernel log line parser, /dev/kmsg record splitter, raw packet
 * decoder and the policy's log statement rewrite. Oracles: an event always
 * has an IPv4 or IPv6 source and destination; every output format writes
 * exactly one line; JSON output parses back with jansson and logfmt has no
 * raw control bytes; the raw pointer is the input; parsing the same bytes
 * twice gives the same event; the rewrite never shrinks a line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events/event.h"
#include "events/format.h"
#include "events/logline.h"
#include "policy/render.h"

#define NOW_US (1795435200LL * 1000000)

static void check_output(const struct xevent *ev)
{
	static char out[EVENT_LINE_MAX];
	json_error_t err;
	json_t *j;

	for (int f = EVENT_FMT_TEXT; f <= EVENT_FMT_LOGFMT; f++) {
		size_t n = event_format(ev, (enum event_format)f, out, sizeof(out));

		if (!n || out[n - 1] != '\n' || memchr(out, '\n', n - 1) || strlen(out) != n)
			abort();
		if (f == EVENT_FMT_LOGFMT) {
			for (size_t i = 0; i + 1 < n; i++) {
				if ((unsigned char)out[i] < 0x20)
					abort();
			}
		}
		if (f == EVENT_FMT_JSON) {
			j = json_loadb(out, n, 0, &err);
			if (!j || !json_is_object(j) || !json_object_get(j, "src"))
				abort();
			json_decref(j);
		}
	}
}

static void check_line(const uint8_t *data, size_t size)
{
	struct logline_ctx ctx;
	struct xevent ev, again;
	enum logline_result r;

	logline_ctx_init_at(&ctx, NOW_US, NOW_US - 100000LL * 1000000);
	/* event_init clears only the first byte of the strings: start both equal. */
	memset(&ev, 0, sizeof(ev));
	memset(&again, 0, sizeof(again));
	r = logline_parse(&ctx, (const char *)data, size, NOW_US, EVENT_TIME_RECEIVED, &ev);
	if (ev.raw != (const char *)data || ev.raw_len != size)
		abort();
	if (r != LOGLINE_EVENT)
		return;
	if (ev.family != 2 && ev.family != 10)
		abort();
	if (strlen(ev.prefix) >= sizeof(ev.prefix) || strlen(ev.category) > strlen(ev.prefix))
		abort();
	check_output(&ev);
	if (logline_parse(&ctx, (const char *)data, size, NOW_US, EVENT_TIME_RECEIVED, &again) != r ||
	    memcmp(&ev, &again, sizeof(ev)))
		abort();
}

static void check_kmsg(const uint8_t *data, size_t size)
{
	struct kmsg_record rec;

	if (logline_kmsg_record((const char *)data, size, &rec) < 0)
		return;
	if (rec.text < (const char *)data || rec.text + rec.text_len > (const char *)data + size ||
	    memchr(rec.text, '\n', rec.text_len))
		abort();
}

static void check_packet(const uint8_t *data, size_t size)
{
	struct xevent ev;

	event_init(&ev);
	if (event_from_packet(&ev, data, size) < 0)
		return;
	if (ev.family != 2 && ev.family != 10)
		abort();
	event_set_prefix(&ev, "XNFT-DROP: ", 11);
	check_output(&ev);
}

static void check_rewrite(const uint8_t *data, size_t size)
{
	size_t cap = size * 5 + 16;
	char *out = malloc(cap);
	int n;

	if (!out)
		return;
	n = policy_render_log_line((const char *)data, size, 65535, out, cap);
	if (n < 0 || (size_t)n < size)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_line(data, size);
	check_kmsg(data, size);
	check_packet(data, size);
	if (size < 4096)
		check_rewrite(data, size);
	return 0;
}
