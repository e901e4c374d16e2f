// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in fallback policy and the host values it is filled with. The
 * values are written into nft text, so each is checked against a strict
 * alphabet first: a tampered or odd value is dropped, never pasted in.
 */
#include "apply/fallback.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/state.h"
#include "core/nftsrc.h"
#include "core/paths.h"
#include "core/strbuf.h"

#define SCAN_MAX_FILES 64

int fallback_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@:") == n;
}

int fallback_list_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < FALLBACK_LIST_MAX && strspn(s, "0123456789abcdefABCDEF.:/-, ") == n &&
	       (isxdigit((unsigned char)s[0]) || s[0] == ':');
}

/* ---- defines from the sources ------------------------------------------- */

struct scan {
	char files[SCAN_MAX_FILES][1024];
	size_t nfiles;
	struct fallback_values *v;
	const char *incdir;
	int blocks;            /* blocks open */
	int set_block;         /* the block of the `set NAME {` being read, 0 outside one */
	char set[64];          /* its NAME */
};

/* A value as written: comment cut (outside quotes), blanks and quotes trimmed. */
static void clean_value(char *s)
{
	bool quoted = false;
	char *p, *end;

	for (p = s; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '#' && !quoted) {
			*p = '\0';
			break;
		}
	}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '"' && end > p + 1 && end[-1] == '"') {
		p++;
		end[-1] = '\0';
	}
	memmove(s, p, strlen(p) + 1);
}

static int port_value(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && !*end && v >= 1 && v <= 65535 ? (int)v : 0;
}

static void take_define(struct scan *sc, const char *name, char *value)
{
	clean_value(value);
	if (!strcmp(name, "MESH_IF") && fallback_ifname_ok(value))
		snprintf(sc->v->mesh_if, sizeof(sc->v->mesh_if), "%s", value);
	else if (!strcmp(name, "WG_PORT") && port_value(value))
		sc->v->wg_port = port_value(value);
	else if (!strcmp(name, "SSH_PORT") && port_value(value))
		sc->v->ssh_port = port_value(value);
}

static void scan_file(struct scan *sc, const char *path);

static int include_file(void *ctx, const char *path)
{
	scan_file(ctx, path);
	return 0;
}

static void scan_include(struct scan *sc, const char *name)
{
	const char *dirs[2] = { sc->incdir, "/etc" };

	nftsrc_include(name, dirs, 2, include_file, sc);
}

/* The list a set's name stands for in the fallback values, NULL for other sets. */
static char *set_list(struct fallback_values *v, const char *set)
{
	if (!strcmp(set, "ADMIN_ALLOWLIST"))
		return v->admin4;
	if (!strcmp(set, "ADMIN_ALLOWLIST6"))
		return v->admin6;
	if (!strcmp(set, "MESH_PEERS"))
		return v->mesh4;
	if (!strcmp(set, "MESH_PEERS6"))
		return v->mesh6;
	return NULL;
}

static bool starts_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(s, word, n) && isspace((unsigned char)s[n]);
}

/* A block opens: `set NAME {` is the one whose elements may be read. */
static void open_block(struct scan *sc, const char *head)
{
	size_t n;

	sc->blocks++;
	if (!starts_word(head, "set"))
		return;
	head += 4;
	n = strspn(head, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (n && n < sizeof(sc->set)) {
		memcpy(sc->set, head, n);
		sc->set[n] = '\0';
		sc->set_block = sc->blocks;
	}
}

static void close_block(void *ctx)
{
	struct scan *sc = ctx;

	if (sc->blocks && sc->blocks == sc->set_block) {
		sc->set_block = 0;
		sc->set[0] = '\0';
	}
	if (sc->blocks)
		sc->blocks--;
}

/*
 * `elements = { a, b }` in a `set NAME {`, as xnft init writes them: read
 * from the text when the policy does not load, so the fallback still knows
 * who may come in.
 */
static void take_elements(struct scan *sc, const char *p)
{
	char *list = sc->set_block == sc->blocks ? set_list(sc->v, sc->set) : NULL;
	const char *open, *close;
	size_t n;

	if (!list || !(open = strchr(p, '{')) || !(close = strchr(open, '}')))
		return;
	n = (size_t)(close - open - 1);
	if (n >= FALLBACK_LIST_MAX)
		return;
	memcpy(list, open + 1, n);
	list[n] = '\0';
	clean_value(list);
	if (!fallback_list_ok(list))
		list[0] = '\0';
}

/* `define NAME = value` */
static void scan_define(struct scan *sc, const char *p)
{
	struct nftsrc_define d;
	char *value;

	if (!nftsrc_define(p, &d) || d.redefine || d.undefine || !(value = strdup(d.value)))
		return;
	take_define(sc, d.name, value);
	free(value);
}

static int scan_statement(void *ctx, const struct nftsrc_stmt *st)
{
	struct scan *sc = ctx;
	const char *p = st->text;
	char name[4096];

	if (st->opener) {
		open_block(sc, p);
	} else if (sc->set_block && !strncmp(p, "elements", 8)) {
		take_elements(sc, p);
	} else if (starts_word(p, "define")) {
		scan_define(sc, p);
	} else if (nftsrc_include_name(p, name, sizeof(name))) {
		scan_include(sc, name);
	}
	return 0;
}

static const struct nftsrc_reader reader = {
	nftsrc_opens_block, scan_statement, close_block, NULL, NULL,
};

static void scan_file(struct scan *sc, const char *path)
{
	char *text;
	size_t len;

	for (size_t i = 0; i < sc->nfiles; i++) {
		if (!strcmp(sc->files[i], path))
			return;
	}
	if (sc->nfiles == SCAN_MAX_FILES)
		return;
	snprintf(sc->files[sc->nfiles++], sizeof(sc->files[0]), "%s", path);
	text = nftsrc_read(path, &len);
	if (!text)
		return;
	nftsrc_statements(path, text, len, &reader, sc);
	free(text);
}

/* ---- sets from the model ------------------------------------------------- */

static void set_elements(const struct rs_table *t, const char *name, char *out, size_t n)
{
	const struct rs_set *s = t ? rs_table_set(t, name) : NULL;
	size_t used = 0;

	out[0] = '\0';
	if (!s)
		return;
	for (size_t i = 0; i < s->nelems; i++) {
		char *txt = rs_term_format(&s->elems[i].key);
		int w;

		if (!txt)
			continue;
		w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", txt);
		free(txt);
		if (w < 0 || (size_t)w >= n - used) {
			/* too many to carry: an incomplete list would be worse than none */
			out[0] = '\0';
			return;
		}
		used += (size_t)w;
	}
	if (out[0] && !fallback_list_ok(out))
		out[0] = '\0';
}

void fallback_values_from_policy(const struct ruleset *rs, const char *entry,
				 const char *incdir, struct fallback_values *v)
{
	const struct rs_table *t = rs ? ruleset_table(rs, RS_FAM_INET, XNFT_TABLE_NAME) : NULL;
	struct scan *sc = calloc(1, sizeof(*sc));

	memset(v, 0, sizeof(*v));
	if (sc) {
		sc->v = v;
		sc->incdir = incdir ? incdir : ".";
		if (entry)
			scan_file(sc, entry);
		free(sc);
	}
	/* the loaded model, when there is one, knows the sets better than the text scan */
	if (!t)
		return;
	set_elements(t, "ADMIN_ALLOWLIST", v->admin4, sizeof(v->admin4));
	set_elements(t, "ADMIN_ALLOWLIST6", v->admin6, sizeof(v->admin6));
	set_elements(t, "MESH_PEERS", v->mesh4, sizeof(v->mesh4));
	set_elements(t, "MESH_PEERS6", v->mesh6, sizeof(v->mesh6));
}

/* ---- the state file ---------------------------------------------------------- */

int fallback_values_format(const struct fallback_values *v, char *buf, size_t n)
{
	int w = snprintf(buf, n,
			 "# host values for xnft's built-in fallback policy (written at confirm)\n"
			 "mesh_if=%s\nwg_port=%d\nssh_port=%d\nadmin4=%s\nadmin6=%s\n"
			 "mesh4=%s\nmesh6=%s\n",
			 v->mesh_if, v->wg_port, v->ssh_port, v->admin4, v->admin6, v->mesh4,
			 v->mesh6);

	return w < 0 || (size_t)w >= n ? -1 : w;
}

static void take_list(const char *text, const char *key, char *out, size_t n)
{
	if (kv_get(text, key, out, n) || !fallback_list_ok(out))
		out[0] = '\0';
}

void fallback_values_parse(const char *text, struct fallback_values *v)
{
	long long p;

	memset(v, 0, sizeof(*v));
	if (!text)
		return;
	if (kv_get(text, "mesh_if", v->mesh_if, sizeof(v->mesh_if)) ||
	    !fallback_ifname_ok(v->mesh_if))
		v->mesh_if[0] = '\0';
	p = kv_get_ll(text, "wg_port", 0);
	v->wg_port = p >= 1 && p <= 65535 ? (int)p : 0;
	p = kv_get_ll(text, "ssh_port", 0);
	v->ssh_port = p >= 1 && p <= 65535 ? (int)p : 0;
	take_list(text, "admin4", v->admin4, sizeof(v->admin4));
	take_list(text, "admin6", v->admin6, sizeof(v->admin6));
	take_list(text, "mesh4", v->mesh4, sizeof(v->mesh4));
	take_list(text, "mesh6", v->mesh6, sizeof(v->mesh6));
}

/* ---- the policy text ----------------------------------------------------------- */

static void set_decl(struct strbuf *b, const char *name, const char *type, const char *elems)
{
	strbuf_addf(b, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n", name, type);
	if (elems[0])
		strbuf_addf(b, "\t\telements = { %s }\n", elems);
	strbuf_addf(b, "\t}\n");
}

char *fallback_policy_text(const struct fallback_values *v)
{
	int ssh = v->ssh_port ? v->ssh_port : 22;
	struct strbuf b = { 0 };

	strbuf_addf(&b,
		"# xnft built-in FALLBACK policy: the confirmed policy did not load.\n"
		"# Loopback, established, NDP, break-glass SSH, mesh SSH, WireGuard; all else dropped.\n"
		"table inet xnft\ndelete table inet xnft\ntable inet xnft {\n"
		"\tcomment \"xnft FALLBACK policy: the confirmed policy failed to load\"\n");
	set_decl(&b, "ADMIN_ALLOWLIST", "ipv4_addr", v->admin4);
	set_decl(&b, "ADMIN_ALLOWLIST6", "ipv6_addr", v->admin6);
	set_decl(&b, "MESH_PEERS", "ipv4_addr", v->mesh4);
	set_decl(&b, "MESH_PEERS6", "ipv6_addr", v->mesh6);
	strbuf_addf(&b,
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy drop;\n"
		"\t\tiif lo counter accept comment \"fallback: loopback\"\n"
		"\t\tct state invalid counter drop comment \"fallback: invalid state\"\n"
		"\t\tct state established,related counter accept comment \"fallback: established\"\n"
		"\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } "
		"ip6 hoplimit 255 counter accept comment \"fallback: IPv6 neighbour discovery\"\n"
		"\t\tip saddr @ADMIN_ALLOWLIST tcp dport %d ct state new counter accept "
		"comment \"fallback: break-glass admin SSH\"\n"
		"\t\tip6 saddr @ADMIN_ALLOWLIST6 tcp dport %d ct state new counter accept "
		"comment \"fallback: break-glass admin SSH (IPv6)\"\n", ssh, ssh);
	if (v->mesh_if[0])
		strbuf_addf(&b,
			"\t\tiifname \"%s\" ip saddr @MESH_PEERS tcp dport %d ct state new counter "
			"accept comment \"fallback: SSH from mesh peers\"\n"
			"\t\tiifname \"%s\" ip6 saddr @MESH_PEERS6 tcp dport %d ct state new counter "
			"accept comment \"fallback: SSH from mesh peers (IPv6)\"\n",
			v->mesh_if, ssh, v->mesh_if, ssh);
	if (v->wg_port)
		strbuf_addf(&b, "\t\tudp dport %d counter accept comment \"fallback: WireGuard\"\n",
			v->wg_port);
	strbuf_addf(&b,
		"\t\tcounter drop comment \"fallback: everything else\"\n"
		"\t}\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy drop;\n"
		"\t\tct state established,related counter accept comment \"fallback: established\"\n"
		"\t}\n"
		"\tchain output {\n"
		"\t\ttype filter hook output priority filter; policy accept;\n"
		"\t}\n"
		"}\n");
	return strbuf_take(&b);
}
