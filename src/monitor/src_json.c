// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The frame the JSON sources share (kernel.org's releases.json, the NVD's
 * CVE answer): one top-level array of items, each read by the source's own
 * parser; a body that is not JSON or has no such array is refused whole.
 */
#include "monitor/parse.h"

int mon_parse_json_items(const char *body, size_t len, const char *name, const char *format,
			 const char *key, mon_json_item_fn one, void *arg, struct mon_list *out,
			 struct xerr *e)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *items;
	size_t i, first = out->n;
	int rc = 0;

	if (!root)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "%s: not JSON (line %d: %s)", name, je.line,
				je.text);
	items = json_object_get(root, key);
	if (!json_is_array(items))
		rc = xerr_set(e, XNFT_EXIT_FINDINGS, "%s: not %s: no \"%s\" array", name, format,
			      key);
	for (i = 0; !rc && i < json_array_size(items); i++)
		rc = one(json_array_get(items, i), name, arg, out, e);
	json_decref(root);
	if (rc)
		out->n = first;
	return rc;
}
