// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> the two parsers a listing added: a packed set dump (as the
 * sandbox's pipe carries it: setelem_set_unpack, then setelem_dump_apply
 * into a model holding a set of every plain key type, the first byte
 * choosing which) and one set's own JSON listing (ruleset_add_set_json into
 * the same model). None may crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/netfilter.h>

#include "core/ruleset.h"
#include "core/setelems.h"

static const char model_json[] =
	"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"a4\", \"table\": \"t\", \"type\": \"ipv4_addr\","
	" \"handle\": 2, \"flags\": [\"interval\"]}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"a6\", \"table\": \"t\", \"type\": \"ipv6_addr\","
	" \"handle\": 3, \"flags\": [\"interval\"]}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"p\", \"table\": \"t\", \"type\": \"inet_service\","
	" \"handle\": 4}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"pr\", \"table\": \"t\", \"type\": \"inet_proto\","
	" \"handle\": 5}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"m\", \"table\": \"t\", \"type\": \"ether_addr\","
	" \"handle\": 6}},"
	"{\"map\": {\"family\": \"inet\", \"name\": \"v\", \"table\": \"t\", \"type\": \"ipv4_addr\","
	" \"map\": \"verdict\", \"handle\": 7}},"
	"{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"c\", \"handle\": 8}}]}";

static const struct {
	const char *name;
	uint32_t key_len;
} plain_sets[] = { { "a4", 4 }, { "a6", 16 }, { "p", 2 }, { "pr", 1 }, { "m", 6 } };

static void walk_sets(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++) {
		for (size_t s = 0; s < rs->tables[t]->nsets; s++) {
			const struct rs_set *set = rs->tables[t]->sets[s];

			for (size_t i = 0; i < set->nelems; i++)
				free(rs_term_format(&set->elems[i].key));
		}
	}
}

static struct ruleset *model(void)
{
	struct ruleset *rs = NULL;
	struct xerr e;

	if (ruleset_from_json(model_json, strlen(model_json), &rs, &e))
		abort();
	return rs;
}

/* The bytes as a packed set, aimed at one of the model's sets. */
static void as_dump(const uint8_t *data, size_t size)
{
	struct setelem_dump d = { 0 };
	struct setelem_set s;
	struct ruleset *rs;
	struct xerr e;
	size_t which;

	if (size < 1 || setelem_set_unpack(data + 1, size - 1, &s))
		return;
	which = data[0] % (sizeof(plain_sets) / sizeof(plain_sets[0]));
	s.family = NFPROTO_INET;
	snprintf(s.table, sizeof(s.table), "t");
	snprintf(s.name, sizeof(s.name), "%s", plain_sets[which].name);
	if (data[0] & 0x80)
		s.key_len = plain_sets[which].key_len;
	rs = model();
	if (setelem_dump_take(&d, &s) == 0 && setelem_dump_apply(&d, rs, &e) == 0)
		walk_sets(rs);
	setelem_dump_free(&d);
	setelem_set_free(&s);
	ruleset_free(rs);
}

/* The bytes as one set's own JSON listing. */
static void as_set_json(const uint8_t *data, size_t size)
{
	struct ruleset *rs = model();
	struct xerr e;

	xerr_clear(&e);
	if (ruleset_add_set_json(rs, (const char *)data, size, &e) == 0)
		walk_sets(rs);
	else if (!e.msg[0])
		abort();   /* a failure must say why */
	ruleset_free(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_dump(data, size);
	as_set_json(data, size);
	return 0;
}
