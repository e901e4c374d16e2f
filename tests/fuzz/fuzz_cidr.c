// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> prefix_parse -> prefix_format -> prefix_parse again: whatever
 * parses must format to text that parses to the same prefix and formats to
 * the same text. Ports, interface names and the init value checks that
 * build on them get the same bytes: they must not crash and must agree with
 * their own rules.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "policy/render.h"

static void round_trip(const char *text, unsigned flags)
{
	struct prefix p, q;
	struct xerr e;
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	if (prefix_parse_flags(&p, text, flags, &e) < 0) {
		if (!e.msg[0])
			abort();
		return;
	}
	/* An address-only parse refuses "/len", so it gets the address back alone. */
	if (flags & PREFIX_ADDR_ONLY)
		prefix_format_addr(&p, a, sizeof(a));
	else
		prefix_format(&p, a, sizeof(a));
	if (prefix_parse_flags(&q, a, flags, &e) < 0 || !prefix_equal(&p, &q))
		abort();
	if (flags & PREFIX_ADDR_ONLY)
		prefix_format_addr(&q, b, sizeof(b));
	else
		prefix_format(&q, b, sizeof(b));
	if (strcmp(a, b))
		abort();
	if (!prefix_contains(&p, &q) || !prefix_overlaps(&q, &p))
		abort();
}

static void init_values(const char *text)
{
	static struct policy_values v;
	struct xerr e;

	policy_values_defaults(&v);
	policy_values_add_mesh(&v, text, &e);
	policy_values_add_admin(&v, text, &e);
	policy_values_add_service(&v, text, &e);
	policy_values_exempt_bogon(&v, text, &e);
	policy_values_set_iface(v.mesh_if, "--mesh-if", text, &e);
	if (policy_values_validate(&v, &e) == 0 && v.n_mesh4 + v.n_mesh6 == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xerr e;
	unsigned port;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	round_trip(text, 0);
	round_trip(text, PREFIX_KEEP_HOST_BITS);
	round_trip(text, PREFIX_ADDR_ONLY);
	if (port_parse(&port, text, &e) == 0 && (port < 1 || port > 65535))
		abort();
	if (ifname_validate(text, &e) == 0 && (strlen(text) < 1 || strlen(text) > IFNAME_MAXLEN))
		abort();
	init_values(text);
	free(text);
	return 0;
}
