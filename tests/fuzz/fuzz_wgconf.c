// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> wgconf_parse (a wg-quick config for init --from-wireguard). It
 * must never crash; an error carries a message and a line inside the text;
 * a config that parses keeps its counts in bounds and turns into values
 * that are valid or refused with a message, never half-filled.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/render.h"
#include "policy/wgconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_conf *c = malloc(sizeof(*c));
	struct policy_values *v = malloc(sizeof(*v));
	char *text = malloc(size + 1), notes[1024];
	struct xerr e;
	int lines = 1;

	if (!c || !v || !text)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size && text[i]; i++)
		lines += text[i] == '\n';
	if (wgconf_parse("fuzz.conf", text, c, &e) < 0) {
		if (!e.msg[0] || e.line < 0 || e.line > lines)
			abort();
		goto out;
	}
	if (c->n_address > WGCONF_MAX_PREFIXES || c->n_allowed > WGCONF_MAX_PREFIXES ||
	    c->listen_port > 65535)
		abort();
	policy_values_defaults(v);
	if (wgconf_to_values(c, "wg0", v, notes, sizeof(notes), &e) < 0) {
		if (!e.msg[0])
			abort();
	} else if (v->n_mesh4 + v->n_mesh6 == 0 || policy_values_validate(v, &e) < 0) {
		/* a valid config gives a mesh; only the WG port clashing with SSH may refuse */
		if (v->n_mesh4 + v->n_mesh6 == 0 || v->wg_port != v->ssh_port)
			abort();
	}
out:
	free(c);
	free(v);
	free(text);
	return 0;
}
