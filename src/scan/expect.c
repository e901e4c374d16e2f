// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The proof side of xnft scan: which ports `xnft exposure --json` says a
 * source class can open. Internet: lines that need no named source set,
 * arriving on an interface other than lo or a WireGuard one (wg*). Mesh:
 * lines for a MESH_PEERS set or arriving on wg*. Admin lines (a source in
 * ADMIN_ALLOWLIST) belong to neither: a scanner is not an admin.
 */
#include "scan/scan.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static bool iface_is_mesh(const char *name)
{
	return !strncmp(name, "wg", 2);
}

/* The line's "in" interfaces: true when any is lo, any is a mesh one. */
static void line_ifaces(json_t *line, bool *lo, bool *mesh)
{
	json_t *in = json_object_get(json_object_get(line, "interfaces"), "in");
	size_t i;
	json_t *v;

	*lo = *mesh = false;
	json_array_foreach(in, i, v) {
		const char *n = json_string_value(v);

		if (!n)
			continue;
		*lo |= !strcmp(n, "lo");
		*mesh |= iface_is_mesh(n);
	}
}

static size_t count_sets(json_t *line, bool *mesh_set)
{
	json_t *sets = json_object_get(json_object_get(line, "source"), "in_sets");
	size_t i;
	json_t *v;

	*mesh_set = false;
	json_array_foreach(sets, i, v) {
		const char *n = json_string_value(v);

		if (n && !strncmp(n, "MESH_PEERS", 10))
			*mesh_set = true;
	}
	return json_array_size(sets);
}

static bool line_applies(json_t *line, enum scan_class cls, bool ipv6)
{
	const char *fam = json_string_value(json_object_get(line, "family"));
	bool lo, mesh_if, mesh_set;
	size_t nsets = count_sets(line, &mesh_set);

	line_ifaces(line, &lo, &mesh_if);
	if (lo || (fam && strcmp(fam, ipv6 ? "ipv6" : "ipv4")))
		return false;
	if (cls == SCAN_CLASS_MESH)
		return mesh_set || (mesh_if && !nsets);
	return !mesh_if && !nsets;
}

/* "22", "1-1024", "{ 22, 8080 }", null (every port): mark them in open[]. */
static int mark_ports(const char *spec, bool *open, struct xerr *e, const char *path)
{
	const char *p = spec;

	if (!spec) {
		for (size_t i = 0; i < 65536; i++)
			open[i] = true;
		return 0;
	}
	while (*p) {
		char *end;
		long lo, hi;

		if (strchr("{}, ", *p)) {
			p++;
			continue;
		}
		lo = strtol(p, &end, 10);
		if (end == p || lo < 0 || lo > 65535)
			return xerr_set(e, XNFT_EXIT_FINDINGS, "%s: dport \"%s\" is not a port list xnft scan reads",
					path, spec);
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p || hi < lo || hi > 65535)
				return xerr_set(e, XNFT_EXIT_FINDINGS, "%s: bad port range in \"%s\"", path, spec);
		}
		for (long v = lo; v <= hi; v++)
			open[v] = true;
		p = end;
	}
	return 0;
}

static int add_line(json_t *line, struct scan_expect *x, struct xerr *e, const char *path)
{
	const char *proto = json_string_value(json_object_get(line, "protocol"));
	const char *dport = json_string_value(json_object_get(json_object_get(line, "ports"), "dport"));

	x->nlines++;
	if (!proto || !strcmp(proto, "tcp"))
		if (mark_ports(dport, x->tcp, e, path))
			return -1;
	if (!proto || !strcmp(proto, "udp"))
		if (mark_ports(dport, x->udp, e, path))
			return -1;
	return 0;
}

int scan_expect_from_json(json_t *root, const char *name, enum scan_class cls, bool ipv6,
			  struct scan_expect *x, struct xerr *e)
{
	json_t *input = json_object_get(root, "input"), *line;
	size_t i;

	memset(x, 0, sizeof(*x));
	if (!json_is_array(input)) {
		xerr_set(e, XNFT_EXIT_USAGE, "%s: no \"input\" array: not the output of xnft exposure --json",
			 name);
		return xerr_hint(e, "give the output of 'xnft exposure POLICY --new --json'");
	}
	json_array_foreach(input, i, line)
		if (line_applies(line, cls, ipv6) && add_line(line, x, e, name))
			return -1;
	return 0;
}

int scan_expect_load(const char *path, enum scan_class cls, bool ipv6, struct scan_expect *x,
		     struct xerr *e)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	int rc;

	if (!root) {
		memset(x, 0, sizeof(*x));
		xerr_at(e, XNFT_EXIT_USAGE, path, je.line, je.column, "%s", je.text);
		return xerr_hint(e, "give the output of 'xnft exposure POLICY --new --json'");
	}
	rc = scan_expect_from_json(root, path, cls, ipv6, x, e);
	json_decref(root);
	return rc;
}
