// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/edit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "mesh/inventory.h"
#include "mesh/mfile.h"

/* A value with a newline or control byte could start a section of its own. */
static int value_check(const char *key, const char *value, struct xerr *e)
{
	for (const char *p = value; *p; p++) {
		if (iscntrl((unsigned char)*p))
			return xerr_set(e, XNFT_EXIT_USAGE, "%s: the value contains a control "
					"character", key);
	}
	if (!*value)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: empty value", key);
	return 0;
}

static int append_kv(struct strbuf *b, const char *key, const char *value, struct xerr *e)
{
	if (value_check(key, value, e) < 0)
		return -1;
	strbuf_addf(b, "%s = %s\n", key, value);
	return 0;
}

static int append_kvs(struct strbuf *b, const struct mesh_kv *kv, size_t n, struct xerr *e)
{
	for (size_t i = 0; i < n; i++) {
		if (append_kv(b, kv[i].key, kv[i].value, e) < 0)
			return -1;
	}
	return 0;
}

/* Check the new text whole, then replace the file (keeping its mode). */
static int commit(const char *path, const char *text, mode_t mode, struct xerr *e)
{
	struct mesh_inventory *inv;
	struct stat st;

	if (mesh_inventory_parse(path, text, &inv, e) < 0) {
		xerr_wrap(e, "refused, the inventory would not be valid (the file is unchanged)");
		return -1;
	}
	mesh_inventory_free(inv);
	if (!stat(path, &st))
		mode = st.st_mode & 07777;
	return mesh_file_write(path, text, strlen(text), mode, e);
}

/* commit() of the text built in b, which is emptied. */
static int commit_built(const char *path, struct strbuf *b, struct xerr *e)
{
	char *text = strbuf_take(b);
	int rc = text ? commit(path, text, 0644, e) : xerr_set(e, XNFT_EXIT_USAGE, "out of memory");

	free(text);
	return rc;
}

int mesh_edit_init(const char *path, const struct mesh_kv *kv, size_t n, struct xerr *e)
{
	struct strbuf b = { 0 };

	if (!access(path, F_OK)) {
		xerr_set(e, XNFT_EXIT_USAGE, "%s already exists", path);
		return xerr_hint(e, "edit it with 'xnft mesh add|remove', or delete it first");
	}
	strbuf_adds(&b, "# xnft mesh inventory: one [host NAME] per WireGuard host. See xnft(8).\n"
		    "[mesh]\n");
	if (append_kvs(&b, kv, n, e) < 0) {
		strbuf_free(&b);
		return -1;
	}
	return commit_built(path, &b, e);
}

int mesh_edit_add(const char *path, const char *name, const struct mesh_kv *kv, size_t n,
		  struct xerr *e)
{
	struct strbuf b = { 0 };
	char *text;
	size_t len;

	if (!mesh_name_valid(name))
		return xerr_set(e, XNFT_EXIT_USAGE, "'%s' is not a valid host name (1 to 31 "
				"letters, digits, '_', '-' or '.')", name);
	if (mesh_file_read(path, "inventory", &text, e) < 0)
		return -1;
	len = strlen(text);
	strbuf_add(&b, text, len);
	strbuf_addf(&b, "%s\n[host %s]\n", len && text[len - 1] != '\n' ? "\n" : "", name);
	free(text);
	if (append_kvs(&b, kv, n, e) < 0) {
		strbuf_free(&b);
		return -1;
	}
	return commit_built(path, &b, e);
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_host_header(const char *line, const char *name)
{
	char word[8], got[MESH_NAME_MAX + 1], close[2];

	line = skip_space(line);
	return *line == '[' && sscanf(line + 1, "%7s %32[^] \t] %1[]]", word, got, close) == 3 &&
	       !strcmp(word, "host") && !strcmp(got, name);
}

/*
 * Host NAME's section: [*start, *end) from its header to the next header,
 * less the blank and comment lines just above that header (they belong to it).
 */
static int find_section(const char *text, const char *name, const char **start, const char **end)
{
	const char *p = text, *content_end = NULL;

	*start = NULL;
	for (; *p; p = next_line(p)) {
		const char *s = skip_space(p);

		if (*s == '[') {
			if (*start)
				break;
			if (is_host_header(p, name))
				*start = p;
			content_end = NULL;
			continue;
		}
		if (*start && *s != '#' && *s != ';' && *s != '\n' && *s)
			content_end = next_line(p);
	}
	if (!*start)
		return -1;
	*end = *p ? (content_end ? content_end : next_line(*start)) : p;
	return 0;
}

static int no_such_host(const char *path, const char *name, struct xerr *e)
{
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s: no host '%s'", path, name);
	return xerr_hint(e, "'xnft mesh list' shows the hosts");
}

int mesh_edit_remove(const char *path, const char *name, struct xerr *e)
{
	const char *start, *end;
	struct strbuf b = { 0 };
	char *text;

	if (mesh_file_read(path, "inventory", &text, e) < 0)
		return -1;
	if (find_section(text, name, &start, &end) < 0) {
		free(text);
		return no_such_host(path, name, e);
	}
	strbuf_add(&b, text, (size_t)(start - text));
	strbuf_adds(&b, end);
	free(text);
	return commit_built(path, &b, e);
}

/* The line of [start, end) that sets key, or NULL. */
static const char *find_key(const char *start, const char *end, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = next_line(start); p < end; p = next_line(p)) {
		const char *s = skip_space(p);

		if (!strncmp(s, key, klen) && *skip_space(s + klen) == '=')
			return p;
	}
	return NULL;
}

int mesh_edit_set(const char *path, const char *name, const char *key, const char *value,
		  struct xerr *e)
{
	const char *start, *end, *at, *rest;
	struct strbuf b = { 0 };
	char *text;
	int rc = -1;

	if (mesh_file_read(path, "inventory", &text, e) < 0)
		return -1;
	if (find_section(text, name, &start, &end) < 0) {
		free(text);
		return no_such_host(path, name, e);
	}
	at = find_key(start, end, key);
	rest = at ? next_line(at) : next_line(start);
	if (!at)
		at = rest;
	strbuf_add(&b, text, (size_t)(at - text));
	if (append_kv(&b, key, value, e) == 0) {
		strbuf_adds(&b, rest);
		rc = commit_built(path, &b, e);
	}
	strbuf_free(&b);
	free(text);
	return rc;
}
