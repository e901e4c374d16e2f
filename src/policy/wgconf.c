// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wg-quick configs through libinih (the INI reader xnft.conf uses too):
 * repeated [Peer] sections arrive as repeated keys of the same section.
 */
#include "policy/wgconf.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ini.h>

#include "core/fdio.h"
#include "core/initext.h"

#define WGCONF_FILE_MAX (1u << 20)
#define MESH_MIN4 8
#define MESH_MIN6 16

struct parse_ctx {
	struct wg_conf *c;
	struct xerr *e;
	const char *path;
	int peer_line;          /* the last [Peer] seen, to count peers */
	int long_line;          /* the first line longer than inih reads whole; 0 = none */
	bool failed;
};

/* "a, b ,c": each prefix into list; false with e set for one that is not. */
static bool add_prefixes(struct parse_ctx *x, const char *key, const char *value,
			 struct prefix *list, size_t *n)
{
	char buf[4096], *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf)) {
		xerr_set(x->e, XNFT_EXIT_FINDINGS, "%s is too long", key);
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (*n >= WGCONF_MAX_PREFIXES) {
			xerr_set(x->e, XNFT_EXIT_FINDINGS, "more than %d prefixes in %s",
				 WGCONF_MAX_PREFIXES, key);
			return false;
		}
		if (prefix_parse_flags(&list[*n], tok, PREFIX_KEEP_HOST_BITS, x->e) < 0) {
			xerr_wrap(x->e, "%s", key);
			return false;
		}
		(*n)++;
	}
	return true;
}

static bool interface_key(struct parse_ctx *x, const char *name, const char *value)
{
	if (!strcasecmp(name, "ListenPort")) {
		if (port_parse(&x->c->listen_port, value, x->e) < 0) {
			xerr_wrap(x->e, "ListenPort");
			return false;
		}
		return true;
	}
	if (!strcasecmp(name, "Address"))
		return add_prefixes(x, "Address", value, x->c->address, &x->c->n_address);
	return true;   /* PrivateKey, DNS, MTU, PostUp, ...: not ours */
}

static int on_key(void *arg, const char *section, const char *name, const char *value)
{
	struct parse_ctx *x = arg;
	bool ok = true;

	if (x->failed)
		return 0;
	if (!strcasecmp(section, "Interface"))
		ok = interface_key(x, name, value);
	else if (!strcasecmp(section, "Peer") && !strcasecmp(name, "PublicKey"))
		x->c->n_peers++;
	else if (!strcasecmp(section, "Peer") && !strcasecmp(name, "AllowedIPs"))
		ok = add_prefixes(x, "AllowedIPs", value, x->c->allowed, &x->c->n_allowed);
	x->failed = !ok;
	return ok;
}

/*
 * libinih would read a line longer than INI_MAX_LINE as several, misnumber
 * the lines and half-read a value: the shared reader refuses it by number.
 */
static void line_seen(void *ctx, int line, const char *text, int max)
{
	struct parse_ctx *x = ctx;

	(void)max;
	if (!text && !x->long_line)
		x->long_line = line;
}

int wgconf_parse(const char *path, const char *text, struct wg_conf *c, struct xerr *e)
{
	struct parse_ctx x = { .c = c, .e = e, .path = path };
	int line;

	struct ini_text in = { .text = text, .seen = line_seen, .ctx = &x };

	memset(c, 0, sizeof(*c));
	xerr_clear(e);
	line = ini_parse_stream(ini_text_reader, &in, on_key, &x);
	if (x.long_line) {
		xerr_clear(e);
		xerr_at(e, XNFT_EXIT_FINDINGS, path, x.long_line, 0, "line longer than %d characters",
			INI_MAX_LINE - 2);
		return xerr_hint(e, "split a long AllowedIPs or Address over several lines "
				 "of the same key (wg-quick accepts that too)");
	}
	if (line == 0)
		return 0;
	if (x.failed) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		xerr_at(e, XNFT_EXIT_FINDINGS, path, line > 0 ? line : 0, 0, "%s", msg);
	} else {
		xerr_at(e, XNFT_EXIT_FINDINGS, path, line > 0 ? line : 0, 0,
			"not a WireGuard config line (expected [Section] or Key = Value)");
	}
	return xerr_hint(e, "fix the file (wg-quick reads the same syntax), or give the values "
			 "with --wg-port, --mesh-if and --mesh instead");
}

int wgconf_read(const char *path, struct wg_conf *c, struct xerr *e)
{
	char *text = NULL;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
		return xerr_hint(e, "give the WireGuard config with --wg-conf FILE, or the values "
				 "with --wg-port, --mesh-if and --mesh");
	}
	rc = fd_read_all(fd, WGCONF_FILE_MAX, &text, &len);
	close(fd);
	if (rc < 0 || memchr(text, '\0', len)) {
		free(text);
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot read %s: not a text file of at most "
				"%u bytes", path, WGCONF_FILE_MAX);
	}
	rc = wgconf_parse(path, text, c, e);
	free(text);
	return rc;
}

static bool too_wide(const struct prefix *p)
{
	return p->len < (p->family == AF_INET6 ? MESH_MIN6 : MESH_MIN4);
}

static void note(char *notes, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(char *notes, size_t size, const char *fmt, ...)
{
	size_t used = strlen(notes);
	va_list ap;

	va_start(ap, fmt);
	if (used < size)
		vsnprintf(notes + used, size - used, fmt, ap);
	va_end(ap);
}

/* Candidate i is inside another candidate (the first of equal ones is kept). */
static bool covered(const struct prefix *cand, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++) {
		if (j == i || cand[j].family != cand[i].family || !prefix_contains(&cand[j], &cand[i]))
			continue;
		if (!prefix_equal(&cand[j], &cand[i]) || j < i)
			return true;
	}
	return false;
}

int wgconf_to_values(const struct wg_conf *c, const char *ifname, struct policy_values *v,
		     char *notes, size_t size, struct xerr *e)
{
	struct prefix cand[2 * WGCONF_MAX_PREFIXES];
	size_t n = 0;
	char text[PREFIX_STRLEN];

	notes[0] = '\0';
	if (policy_values_set_iface(v->mesh_if, "--from-wireguard", ifname, e) < 0)
		return -1;
	if (c->listen_port)
		v->wg_port = c->listen_port;
	else
		note(notes, size, "  - no ListenPort in the config: WG_PORT stays %u\n", v->wg_port);
	for (size_t i = 0; i < c->n_address + c->n_allowed; i++) {
		struct prefix p = i < c->n_address ? c->address[i] : c->allowed[i - c->n_address];

		prefix_mask(&p);
		if (too_wide(&p)) {
			prefix_format(&p, text, sizeof(text));
			note(notes, size, "  - %s left out: too wide for a mesh (a default route "
			     "through the tunnel?)\n", text);
			continue;
		}
		cand[n++] = p;
	}
	policy_values_clear_mesh(v);
	for (size_t i = 0; i < n; i++) {
		if (covered(cand, n, i))
			continue;
		prefix_format(&cand[i], text, sizeof(text));
		if (policy_values_add_mesh(v, text, e) < 0)
			return xerr_wrap(e, "--from-wireguard");
	}
	if (v->n_mesh4 + v->n_mesh6 == 0) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--from-wireguard: the config names no mesh network "
			 "(no usable Address or AllowedIPs)");
		return xerr_hint(e, "give the mesh with --mesh CIDR");
	}
	return 0;
}
