// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mesh.conf reader. libinih does the INI syntax; our own line reader feeds
 * it so every key is known with its line (Debian's inih does not pass line
 * numbers to the handler) and so a section header is seen even when the
 * section is empty. Per-key checks happen as keys come; checks across hosts
 * run once the whole file is read.
 */
#include "mesh/inventory.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/initext.h"
#include "core/strbuf.h"
#include "mesh/mfile.h"

#define LINE_MAX_LEN 4096
#define HOSTS_MAX 65536

struct parse_ctx {
	struct mesh_inventory *inv;
	const char *name;
	struct ini_text in;     /* the whole input, read a line at a time */
	int line;
	bool failed;
	struct xerr err;
	enum { SEC_NONE, SEC_MESH, SEC_HOST, SEC_GROUP } sec;
};

static int fail(struct parse_ctx *c, int line, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parse_ctx *c, int line, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return 0;
	c->failed = true;
	xerr_at(&c->err, XNFT_EXIT_FINDINGS, c->name, line, 0, "%s", "");
	va_start(ap, fmt);
	vsnprintf(c->err.msg, sizeof(c->err.msg), fmt, ap);
	va_end(ap);
	if (hint)
		snprintf(c->err.hint, sizeof(c->err.hint), "%s", hint);
	return 0;
}

bool mesh_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= MESH_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-' &&
		    name[i] != '.')
			return false;
	}
	return true;
}

int mesh_key_decode(const char *text, unsigned char raw[32])
{
	size_t len = 0;
	const char *end = NULL;

	if (strlen(text) != 44 || sodium_init() < 0)
		return -1;
	if (sodium_base642bin(raw, 32, text, 44, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) || len != 32 || *end)
		return -1;
	return 0;
}

/* ---- the current section --------------------------------------------------------- */

static struct mesh_host *cur_host(struct parse_ctx *c)
{
	return &c->inv->hosts[c->inv->nhosts - 1];
}

static struct mesh_group *cur_group(struct parse_ctx *c)
{
	return &c->inv->groups[c->inv->ngroups - 1];
}

static int host_new(struct parse_ctx *c, const char *name)
{
	struct mesh_host *h;

	if (!mesh_name_valid(name))
		return fail(c, c->line, "a name is 1 to 31 letters, digits, '_', '-' or '.'",
			    "[host %s]: not a valid host name", name);
	if (mesh_host_find(c->inv, name))
		return fail(c, c->line, "give each host one section; merge the two",
			    "host '%s' is defined twice (first at line %d)", name,
			    mesh_host_find(c->inv, name)->line);
	if (c->inv->nhosts >= HOSTS_MAX)
		return fail(c, c->line, NULL, "more than %d hosts", HOSTS_MAX);
	h = realloc(c->inv->hosts, (c->inv->nhosts + 1) * sizeof(*h));
	if (!h)
		return fail(c, c->line, NULL, "out of memory");
	c->inv->hosts = h;
	h = &h[c->inv->nhosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->line = c->line;
	return 1;
}

static int group_new(struct parse_ctx *c, const char *name)
{
	struct mesh_group *g;

	if (!mesh_name_valid(name))
		return fail(c, c->line, "a name is 1 to 31 letters, digits, '_', '-' or '.'",
			    "[group %s]: not a valid group name", name);
	for (size_t i = 0; i < c->inv->ngroups; i++) {
		if (!strcmp(c->inv->groups[i].name, name))
			return fail(c, c->line, "merge the two sections",
				    "group '%s' is defined twice (first at line %d)", name,
				    c->inv->groups[i].line);
	}
	g = realloc(c->inv->groups, (c->inv->ngroups + 1) * sizeof(*g));
	if (!g)
		return fail(c, c->line, NULL, "out of memory");
	c->inv->groups = g;
	g = &g[c->inv->ngroups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->line = c->line;
	return 1;
}

static void see_header(struct parse_ctx *c, const char *line)
{
	char name[128], word[16], rest[128], extra[2];
	const char *s = line, *end;
	int n;

	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[')
		return;
	if (!(end = strchr(s, ']')) || (size_t)(end - s) >= sizeof(name)) {
		fail(c, c->line, "a section is [mesh], [host NAME] or [group NAME]",
		     "syntax error in section header");
		return;
	}
	memcpy(name, s + 1, (size_t)(end - s - 1));
	name[end - s - 1] = '\0';
	n = sscanf(name, "%15s %127s %1s", word, rest, extra);
	if (n == 1 && !strcmp(word, "mesh"))
		c->sec = SEC_MESH;
	else if (n == 2 && !strcmp(word, "host"))
		c->sec = host_new(c, rest) ? SEC_HOST : SEC_NONE;
	else if (n == 2 && !strcmp(word, "group"))
		c->sec = group_new(c, rest) ? SEC_GROUP : SEC_NONE;
	else
		fail(c, c->line, "a section is [mesh], [host NAME] or [group NAME]",
		     "unknown section [%s]", name);
}

/* ---- values -------------------------------------------------------------------------- */

/* Split "a, b ,c" into trimmed non-empty items; fn gets each. */
static int for_each_item(struct parse_ctx *c, const char *v,
			 int (*fn)(struct parse_ctx *c, char *item, void *arg), void *arg)
{
	char *dup = strdup(v), *save = NULL, *tok;
	int ok = 1;

	if (!dup)
		return fail(c, c->line, NULL, "out of memory");
	for (tok = strtok_r(dup, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*tok)
			ok = fn(c, tok, arg);
	}
	free(dup);
	return ok;
}

static int parse_prefix_value(struct parse_ctx *c, const char *key, const char *v, int family,
			      unsigned flags, struct prefix *p)
{
	struct xerr e;

	if (prefix_parse_flags(p, v, flags, &e) < 0)
		return fail(c, c->line, e.hint[0] ? e.hint : NULL, "%s: %s", key, e.msg);
	if (family && p->family != family)
		return fail(c, c->line, family == AF_INET ? "give an IPv4 address" :
			    "give an IPv6 address", "%s: %s is not an %s address", key, v,
			    family == AF_INET ? "IPv4" : "IPv6");
	return 1;
}

static int parse_number(struct parse_ctx *c, const char *key, const char *v, unsigned min,
			unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = isdigit((unsigned char)v[0]) ? strtoul(v, &end, 10) : 0;
	if (!isdigit((unsigned char)v[0]) || errno || *end || n < min || n > max)
		return fail(c, c->line, NULL, "%s: '%s' is not a whole number from %u to %u", key,
			    v, min, max);
	*out = (unsigned)n;
	return 1;
}

static int add_service(struct parse_ctx *c, char *item, void *arg)
{
	struct mesh_host *h = arg;
	struct mesh_service *s;
	char *slash = strchr(item, '/'), *colon = strchr(item, ':');
	struct xerr e;
	const char *hint = "write PROTO/PORT:NAME, e.g. tcp/22:ssh";

	if (!slash || !colon || colon < slash)
		return fail(c, c->line, hint, "services: '%s' is not PROTO/PORT:NAME", item);
	*slash = *colon = '\0';
	if (h->nservices >= MESH_SERVICES_MAX)
		return fail(c, c->line, NULL, "services: more than %d", MESH_SERVICES_MAX);
	s = &h->services[h->nservices];
	if (!strcmp(item, "tcp"))
		s->proto = IPPROTO_TCP;
	else if (!strcmp(item, "udp"))
		s->proto = IPPROTO_UDP;
	else
		return fail(c, c->line, hint, "services: protocol '%s' is not tcp or udp", item);
	if (port_parse(&s->port, slash + 1, &e) < 0)
		return fail(c, c->line, hint, "services: %s", e.msg);
	if (!mesh_name_valid(colon + 1))
		return fail(c, c->line, hint, "services: '%s' is not a valid service name",
			    colon + 1);
	if (mesh_service_find(h, colon + 1))
		return fail(c, c->line, "give each service of a host its own name",
			    "services: host %s already has a service named '%s'", h->name,
			    colon + 1);
	snprintf(s->name, sizeof(s->name), "%s", colon + 1);
	s->line = c->line;
	h->nservices++;
	return 1;
}

struct reach_list {
	struct mesh_reach *v;
	size_t *n;
};

static int add_reach(struct parse_ctx *c, char *item, void *arg)
{
	struct reach_list *l = arg;
	char *colon = strchr(item, ':');
	struct mesh_reach *r;

	if (!colon || !mesh_name_valid(colon + 1) || (*colon = '\0', !mesh_name_valid(item)))
		return fail(c, c->line, "write HOST:SERVICE, e.g. hub:ssh",
			    "reach: '%s' is not HOST:SERVICE", item);
	if (*l->n >= MESH_REACH_MAX)
		return fail(c, c->line, NULL, "reach: more than %d", MESH_REACH_MAX);
	r = &l->v[(*l->n)++];
	snprintf(r->host, sizeof(r->host), "%s", item);
	snprintf(r->service, sizeof(r->service), "%s", colon + 1);
	r->line = c->line;
	return 1;
}

static int add_extra(struct parse_ctx *c, char *item, void *arg)
{
	struct mesh_host *h = arg;

	if (h->nextra >= MESH_EXTRA_MAX)
		return fail(c, c->line, NULL, "allowed_ips: more than %d", MESH_EXTRA_MAX);
	if (!parse_prefix_value(c, "allowed_ips", item, 0, 0, &h->extra[h->nextra]))
		return 0;
	h->nextra++;
	h->extra_line = c->line;
	return 1;
}

static int add_group(struct parse_ctx *c, char *item, void *arg)
{
	struct mesh_host *h = arg;

	if (!mesh_name_valid(item))
		return fail(c, c->line, NULL, "groups: '%s' is not a valid group name", item);
	if (h->ngroups >= MESH_GROUPS_MAX)
		return fail(c, c->line, NULL, "groups: more than %d", MESH_GROUPS_MAX);
	snprintf(h->groups[h->ngroups++], MESH_NAME_MAX, "%s", item);
	h->groups_line = c->line;
	return 1;
}

static int endpoint_check(struct parse_ctx *c, const char *v)
{
	const char *colon = strrchr(v, ':');
	unsigned port;
	struct xerr e;

	if (!colon || colon == v || strlen(v) >= MESH_ENDPOINT_MAX ||
	    port_parse(&port, colon + 1, &e) < 0)
		return fail(c, c->line, "write HOST:PORT, e.g. hub.example.net:51820 or "
			    "[2001:db8::1]:51820", "endpoint: '%s' is not HOST:PORT", v);
	for (const char *p = v; *p; p++) {
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return fail(c, c->line, NULL, "endpoint: '%s' contains a space or a control "
				    "character", v);
	}
	return 1;
}

static int host_key(struct parse_ctx *c, struct mesh_host *h, const char *k, const char *v)
{
	unsigned char raw[32];

	if (!strcmp(k, "address"))
		return h->addr4_line = c->line,
		       parse_prefix_value(c, k, v, AF_INET, PREFIX_ADDR_ONLY, &h->addr4);
	if (!strcmp(k, "address6"))
		return h->addr6_line = c->line,
		       parse_prefix_value(c, k, v, AF_INET6, PREFIX_ADDR_ONLY, &h->addr6);
	if (!strcmp(k, "allowed_ips"))
		return for_each_item(c, v, add_extra, h);
	if (!strcmp(k, "endpoint")) {
		if (!endpoint_check(c, v))
			return 0;
		snprintf(h->endpoint, sizeof(h->endpoint), "%s", v);
		return 1;
	}
	if (!strcmp(k, "public_key")) {
		if (mesh_key_decode(v, raw) < 0)
			return fail(c, c->line, "a WireGuard key is 32 bytes in base64: 44 characters "
				    "ending in '='; make one with 'xnft mesh keys HOST'",
				    "public_key of host %s is not 32 bytes of base64", h->name);
		snprintf(h->public_key, sizeof(h->public_key), "%s", v);
		h->key_line = c->line;
		return 1;
	}
	if (!strcmp(k, "role")) {
		if (strcmp(v, "hub") && strcmp(v, "peer"))
			return fail(c, c->line, NULL, "role: '%s' is not hub or peer", v);
		h->role = !strcmp(v, "hub") ? MESH_ROLE_HUB : MESH_ROLE_PEER;
		return 1;
	}
	if (!strcmp(k, "keepalive"))
		return parse_number(c, k, v, 0, 65535, &h->keepalive);
	if (!strcmp(k, "services"))
		return for_each_item(c, v, add_service, h);
	if (!strcmp(k, "reach"))
		return for_each_item(c, v, add_reach,
				     &(struct reach_list){ h->reach, &h->nreach });
	if (!strcmp(k, "groups"))
		return for_each_item(c, v, add_group, h);
	return fail(c, c->line, "a host takes address, address6, allowed_ips, endpoint, "
		    "public_key, role, keepalive, services, reach and groups",
		    "[host %s]: unknown key '%s'", h->name, k);
}

static int mesh_key(struct parse_ctx *c, const char *k, const char *v)
{
	struct mesh_inventory *inv = c->inv;
	struct xerr e;

	if (!strcmp(k, "interface")) {
		if (ifname_validate(v, &e) < 0 || strchr(v, '*'))
			return fail(c, c->line, NULL, "interface: '%s' is not an interface name", v);
		snprintf(inv->iface, sizeof(inv->iface), "%s", v);
		return 1;
	}
	if (!strcmp(k, "port"))
		return parse_number(c, k, v, 1, 65535, &inv->port);
	if (!strcmp(k, "topology")) {
		if (strcmp(v, "star") && strcmp(v, "full"))
			return fail(c, c->line, NULL, "topology: '%s' is not star or full", v);
		inv->topology = !strcmp(v, "star") ? MESH_TOPO_STAR : MESH_TOPO_FULL;
		inv->topology_line = c->line;
		return 1;
	}
	if (!strcmp(k, "network"))
		return parse_prefix_value(c, k, v, AF_INET, 0, &inv->net4);
	if (!strcmp(k, "network6"))
		return parse_prefix_value(c, k, v, AF_INET6, 0, &inv->net6);
	return fail(c, c->line, "[mesh] takes interface, port, topology, network and network6",
		    "[mesh]: unknown key '%s'", k);
}

/* inih keeps "25 # seconds" whole; a '#' or ';' after whitespace starts a comment here. */
static void strip_comment(char *v)
{
	char *end;

	for (char *p = v; *p; p++) {
		if ((*p == '#' || *p == ';') && p > v && isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	}
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
}

static int handler(void *user, const char *section, const char *key, const char *raw)
{
	struct parse_ctx *c = user;
	char value[LINE_MAX_LEN];

	(void)section;
	if (c->failed)
		return 1;
	snprintf(value, sizeof(value), "%s", raw ? raw : "");
	strip_comment(value);
	if (!*value)
		return fail(c, c->line, NULL, "key '%s' has no value", key);
	switch (c->sec) {
	case SEC_MESH:
		return mesh_key(c, key, value);
	case SEC_HOST:
		return host_key(c, cur_host(c), key, value);
	case SEC_GROUP:
		if (strcmp(key, "reach"))
			return fail(c, c->line, "a group takes only 'reach'",
				    "[group %s]: unknown key '%s'", cur_group(c)->name, key);
		return for_each_item(c, value, add_reach,
				     &(struct reach_list){ cur_group(c)->reach,
							   &cur_group(c)->nreach });
	default:
		return fail(c, c->line, "start with [mesh] or [host NAME]",
			    "key '%s' outside any section", key);
	}
}

/* inih's reader hands each line here first (core/initext.h). */
static void line_seen(void *ctx, int line, const char *text, int max)
{
	struct parse_ctx *c = ctx;

	c->line = line;
	if (!text)
		fail(c, line, NULL, "line longer than %d characters", max - 2);
	else if (!c->failed)
		see_header(c, text);
}

/* ---- checks across hosts ----------------------------------------------------------- */

const struct mesh_host *mesh_host_find(const struct mesh_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (!strcmp(inv->hosts[i].name, name))
			return &inv->hosts[i];
	}
	return NULL;
}

const struct mesh_service *mesh_service_find(const struct mesh_host *h, const char *name)
{
	for (size_t i = 0; i < h->nservices; i++) {
		if (!strcmp(h->services[i].name, name))
			return &h->services[i];
	}
	return NULL;
}

bool mesh_direct_peers(const struct mesh_inventory *inv, const struct mesh_host *a,
		       const struct mesh_host *b)
{
	if (a == b)
		return false;
	return inv->topology == MESH_TOPO_FULL || a->role == MESH_ROLE_HUB ||
	       b->role == MESH_ROLE_HUB;
}

/* Everything a host's [Peer] entry routes to it: its addresses and allowed_ips. */
static size_t host_allowed(const struct mesh_host *h, struct prefix *out, int *lines)
{
	size_t n = 0;

	if (h->addr4.family) {
		lines[n] = h->addr4_line;
		out[n++] = h->addr4;
	}
	if (h->addr6.family) {
		lines[n] = h->addr6_line;
		out[n++] = h->addr6;
	}
	for (size_t i = 0; i < h->nextra; i++) {
		lines[n] = h->extra_line;
		out[n++] = h->extra[i];
	}
	return n;
}

static int check_overlap(struct parse_ctx *c, const struct mesh_host *a, const struct mesh_host *b)
{
	struct prefix pa[MESH_EXTRA_MAX + 2], pb[MESH_EXTRA_MAX + 2];
	int la[MESH_EXTRA_MAX + 2], lb[MESH_EXTRA_MAX + 2];
	size_t na = host_allowed(a, pa, la), nb = host_allowed(b, pb, lb);
	char sa[PREFIX_STRLEN], sb[PREFIX_STRLEN];

	for (size_t j = 0; j < nb; j++) {
		for (size_t i = 0; i < na; i++) {
			if (pa[i].family != pb[j].family || !prefix_overlaps(&pa[i], &pb[j]))
				continue;
			prefix_format(&pa[i], sa, sizeof(sa));
			prefix_format(&pb[j], sb, sizeof(sb));
			if (prefix_equal(&pa[i], &pb[j]) && j < 2 && i < 2)
				return fail(c, lb[j], "give every host its own address",
					    "duplicate address: host %s has %s, already host %s's "
					    "(line %d)", b->name, sb, a->name, la[i]);
			return fail(c, lb[j], "WireGuard routes an address to one peer only; "
				    "make the AllowedIPs disjoint",
				    "overlapping AllowedIPs: %s of host %s overlaps %s of host %s "
				    "(line %d)", sb, b->name, sa, a->name, la[i]);
		}
	}
	return 1;
}

static int check_host(struct parse_ctx *c, const struct mesh_host *h)
{
	const struct mesh_inventory *inv = c->inv;
	char s[PREFIX_STRLEN];

	if (!h->addr4.family && !h->addr6.family)
		return fail(c, h->line, "add 'address = 10.10.0.N' and/or 'address6 = fd10::N'",
			    "host %s has no address", h->name);
	if (h->addr4.family && inv->net4.family && !prefix_contains(&inv->net4, &h->addr4)) {
		prefix_format(&inv->net4, s, sizeof(s));
		return fail(c, h->addr4_line, NULL, "address of host %s is outside the mesh "
			    "network %s", h->name, s);
	}
	if (h->addr6.family && inv->net6.family && !prefix_contains(&inv->net6, &h->addr6)) {
		prefix_format(&inv->net6, s, sizeof(s));
		return fail(c, h->addr6_line, NULL, "address6 of host %s is outside the mesh "
			    "network6 %s", h->name, s);
	}
	for (size_t g = 0; g < h->ngroups; g++) {
		bool found = false;

		for (size_t i = 0; i < inv->ngroups; i++)
			found |= !strcmp(inv->groups[i].name, h->groups[g]);
		if (!found)
			return fail(c, h->groups_line, "add a [group NAME] section with its reach",
				    "host %s is in group '%s', which has no [group %s] section",
				    h->name, h->groups[g], h->groups[g]);
	}
	return 1;
}

static int check_reach(struct parse_ctx *c, const char *who, const struct mesh_reach *r)
{
	const struct mesh_host *t = mesh_host_find(c->inv, r->host);
	char hint[512];
	struct fixbuf b = { hint, sizeof(hint), 0 };

	if (!t)
		return fail(c, r->line, "name a host that has a [host NAME] section",
			    "%s may reach %s:%s, but there is no host '%s'", who, r->host,
			    r->service, r->host);
	if (!strcmp(t->name, who))
		return fail(c, r->line, "a host reaches its own services without the mesh",
			    "host %s may reach itself (%s:%s)", who, r->host, r->service);
	if (mesh_service_find(t, r->service))
		return 1;
	fixbuf_addf(&b, "add it to the services of host %s (e.g. 'services = tcp/PORT:%s'); "
		    "it opens:", t->name, r->service);
	for (size_t i = 0; i < t->nservices; i++)
		fixbuf_addf(&b, " %s", t->services[i].name);
	if (!t->nservices)
		fixbuf_addf(&b, " nothing");
	return fail(c, r->line, hint, "%s may reach %s:%s, but host %s does not open a "
		    "service '%s'", who, r->host, r->service, t->name, r->service);
}

static int check_star(struct parse_ctx *c)
{
	const struct mesh_inventory *inv = c->inv;
	const struct mesh_host *hub = NULL;

	if (inv->topology != MESH_TOPO_STAR || inv->nhosts < 2)
		return 1;
	for (size_t i = 0; i < inv->nhosts && !hub; i++)
		hub = inv->hosts[i].role == MESH_ROLE_HUB ? &inv->hosts[i] : NULL;
	if (!hub)
		return fail(c, inv->topology_line ? inv->topology_line : inv->hosts[0].line,
			    "give one host 'role = hub', or set 'topology = full' in [mesh]",
			    "a star mesh without a hub: no host has role = hub");
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct mesh_host *h = &inv->hosts[i];

		if (h->role == MESH_ROLE_HUB && !h->endpoint[0])
			return fail(c, h->line, "add 'endpoint = HOST:PORT' that the peers can reach",
				    "hub %s has no endpoint: its peers cannot find it", h->name);
	}
	return 1;
}

static int check_all(struct parse_ctx *c)
{
	const struct mesh_inventory *inv = c->inv;

	for (size_t i = 0; i < inv->nhosts; i++) {
		if (!check_host(c, &inv->hosts[i]))
			return 0;
		for (size_t j = 0; j < i; j++) {
			if (!check_overlap(c, &inv->hosts[j], &inv->hosts[i]))
				return 0;
		}
		for (size_t r = 0; r < inv->hosts[i].nreach; r++) {
			if (!check_reach(c, inv->hosts[i].name, &inv->hosts[i].reach[r]))
				return 0;
		}
	}
	for (size_t g = 0; g < inv->ngroups; g++) {
		for (size_t r = 0; r < inv->groups[g].nreach; r++) {
			char who[MESH_NAME_MAX + 8];

			snprintf(who, sizeof(who), "group %s", inv->groups[g].name);
			if (!check_reach(c, who, &inv->groups[g].reach[r]))
				return 0;
		}
	}
	return check_star(c);
}

/* ---- entry points -------------------------------------------------------------------- */

int mesh_inventory_parse(const char *name, const char *text, struct mesh_inventory **out,
			 struct xerr *e)
{
	struct parse_ctx c = { .name = name ? name : "<inventory>" };
	int rc;

	c.in = (struct ini_text){ .text = text ? text : "", .seen = line_seen, .ctx = &c };

	*out = NULL;
	if (!(c.inv = calloc(1, sizeof(*c.inv))))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	snprintf(c.inv->path, sizeof(c.inv->path), "%s", c.name);
	snprintf(c.inv->iface, sizeof(c.inv->iface), "wg0");
	c.inv->port = 51820;
	rc = ini_parse_stream(ini_text_reader, &c.in, handler, &c);
	if (!c.failed && rc > 0)
		fail(&c, rc, "a line is '[section]', 'key = value', or a comment after '#'",
		     "syntax error: expected '[section]' or 'key = value'");
	if (!c.failed)
		check_all(&c);
	if (c.failed) {
		*e = c.err;
		mesh_inventory_free(c.inv);
		return -1;
	}
	*out = c.inv;
	return 0;
}

int mesh_inventory_load(const char *path, struct mesh_inventory **out, struct xerr *e)
{
	char *text;
	int rc;

	*out = NULL;
	if (mesh_file_read(path, "inventory", &text, e) < 0) {
		if (e->code == XNFT_EXIT_USAGE && access(path, F_OK))
			xerr_hint(e, "create it with 'xnft mesh init' (or pass --inventory FILE)");
		return -1;
	}
	rc = mesh_inventory_parse(path, text, out, e);
	free(text);
	return rc;
}

void mesh_inventory_free(struct mesh_inventory *inv)
{
	if (!inv)
		return;
	free(inv->hosts);
	free(inv->groups);
	free(inv);
}
