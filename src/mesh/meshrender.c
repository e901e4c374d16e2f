// SPDX-License-Identifier: GPL-2.0-or-later
#include "mesh/meshrender.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mesh/keys.h"
#include "mesh/mfile.h"
#include "policy/values.h"

static const struct mesh_host *host_or_fail(const struct mesh_inventory *inv, const char *host,
					    struct xerr *e)
{
	const struct mesh_host *h = mesh_host_find(inv, host);

	if (!h) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s: no host '%s'", inv->path, host);
		xerr_hint(e, "'xnft mesh list' shows the hosts");
	}
	return h;
}

static int stream_done(FILE *f, char **buf, struct xerr *e)
{
	if (fclose(f) || !*buf) {
		free(*buf);
		*buf = NULL;
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	return 0;
}

/* "10.10.0.2/32" for an address; the network's length for an interface Address. */
static void addr_with_len(const struct prefix *p, unsigned len, char *buf, size_t size)
{
	char a[PREFIX_STRLEN];

	prefix_format_addr(p, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, len);
}

static void put_allowed(FILE *f, const struct mesh_host *x, bool *first)
{
	char s[PREFIX_STRLEN];

	if (x->addr4.family) {
		addr_with_len(&x->addr4, 32, s, sizeof(s));
		fprintf(f, "%s%s", *first ? "" : ", ", s);
		*first = false;
	}
	if (x->addr6.family) {
		addr_with_len(&x->addr6, 128, s, sizeof(s));
		fprintf(f, "%s%s", *first ? "" : ", ", s);
		*first = false;
	}
	for (size_t i = 0; i < x->nextra; i++) {
		prefix_format(&x->extra[i], s, sizeof(s));
		fprintf(f, "%s%s", *first ? "" : ", ", s);
		*first = false;
	}
}

/* The first line of a key file (0600, made by `xnft mesh keys`); "" when there is none. */
static int read_key(const char *path, bool required, char out[MESH_KEY_B64], struct xerr *e)
{
	unsigned char raw[32];
	char *text;

	out[0] = '\0';
	if (!required && access(path, F_OK))
		return 0;
	if (mesh_file_read(path, "key file", &text, e) < 0)
		return xerr_hint(e, "make the keys with 'xnft mesh keys HOST' (or pass --keys-dir DIR)");
	text[strcspn(text, "\r\n")] = '\0';
	if (mesh_key_decode(text, raw) < 0) {
		free(text);
		return xerr_set(e, XNFT_EXIT_FINDINGS, "%s is not a WireGuard key (32 bytes of base64)",
				path);
	}
	snprintf(out, MESH_KEY_B64, "%s", text);
	free(text);
	return 0;
}

/*
 * The keys go into the config itself, as wg-quick expects them: `wg syncconf
 * IF <(wg-quick strip FILE)`, the documented reload, would otherwise take the
 * PSKs away from every peer. The file is 0600, like the key files.
 */
static int wg_interface(FILE *f, const struct mesh_inventory *inv, const struct mesh_host *h,
			const char *keys_dir, struct xerr *e)
{
	char a4[PREFIX_STRLEN], a6[PREFIX_STRLEN], key[MESH_KEY_B64], path[4096 + MESH_NAME_MAX + 8];

	snprintf(path, sizeof(path), "%s/%s.key", keys_dir, h->name);
	if (read_key(path, true, key, e) < 0)
		return -1;
	fprintf(f, "[Interface]\nAddress = ");
	if (h->addr4.family) {
		addr_with_len(&h->addr4, inv->net4.family ? inv->net4.len : 32, a4, sizeof(a4));
		fprintf(f, "%s%s", a4, h->addr6.family ? ", " : "");
	}
	if (h->addr6.family) {
		addr_with_len(&h->addr6, inv->net6.family ? inv->net6.len : 128, a6, sizeof(a6));
		fprintf(f, "%s", a6);
	}
	fprintf(f, "\nPrivateKey = %s\n", key);
	explicit_bzero(key, sizeof(key));
	if (h->endpoint[0] || h->role == MESH_ROLE_HUB)
		fprintf(f, "ListenPort = %u\n", inv->port);
	if (h->role == MESH_ROLE_HUB && inv->topology == MESH_TOPO_STAR)
		fprintf(f, "# Hub: spokes reach each other through this host; it needs\n"
			"# net.ipv4.ip_forward=1 (and net.ipv6.conf.all.forwarding=1).\n");
	return 0;
}

static int wg_peer(FILE *f, const struct mesh_inventory *inv, const struct mesh_host *h,
		   const struct mesh_host *x, const char *keys_dir, struct xerr *e)
{
	char psk[4096 + 2 * MESH_NAME_MAX + 16], key[MESH_KEY_B64];
	bool first = true;

	if (!x->public_key[0]) {
		xerr_at(e, XNFT_EXIT_FINDINGS, inv->path, x->line, 0, "host %s has no public_key",
			x->name);
		return xerr_hint(e, "run 'xnft mesh keys %s' on (or for) that host", x->name);
	}
	fprintf(f, "\n# %s (%s)\n[Peer]\nPublicKey = %s\nAllowedIPs = ", x->name,
		x->role == MESH_ROLE_HUB ? "hub" : "peer", x->public_key);
	put_allowed(f, x, &first);
	/* A spoke reaches the other spokes through the hub, so the hub's [Peer] routes them. */
	if (inv->topology == MESH_TOPO_STAR && h->role != MESH_ROLE_HUB && x->role == MESH_ROLE_HUB) {
		for (size_t i = 0; i < inv->nhosts; i++) {
			const struct mesh_host *o = &inv->hosts[i];

			if (o != h && !mesh_direct_peers(inv, h, o))
				put_allowed(f, o, &first);
		}
	}
	fprintf(f, "\n");
	if (x->endpoint[0])
		fprintf(f, "Endpoint = %s\n", x->endpoint);
	if (h->keepalive)
		fprintf(f, "PersistentKeepalive = %u\n", h->keepalive);
	mesh_psk_path(keys_dir, h->name, x->name, psk, sizeof(psk));
	if (read_key(psk, false, key, e) < 0)
		return -1;
	if (key[0])
		fprintf(f, "PresharedKey = %s\n", key);
	explicit_bzero(key, sizeof(key));
	return 0;
}

static int wg_text(FILE *f, const struct mesh_inventory *inv, const struct mesh_host *h,
		   const char *keys_dir, size_t *npeers, struct xerr *e)
{
	fprintf(f, "# %s.conf for host %s, made by 'xnft mesh render %s' from %s.\n"
		"# Change the inventory and render again rather than editing this file.\n",
		inv->iface, h->name, h->name, inv->path);
	if (wg_interface(f, inv, h, keys_dir, e) < 0)
		return -1;
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (!mesh_direct_peers(inv, h, &inv->hosts[i]))
			continue;
		if (wg_peer(f, inv, h, &inv->hosts[i], keys_dir, e) < 0)
			return -1;
		(*npeers)++;
	}
	return 0;
}

int mesh_render_wg(const struct mesh_inventory *inv, const char *host, const char *keys_dir,
		   char **out, size_t *npeers, struct xerr *e)
{
	const struct mesh_host *h = host_or_fail(inv, host, e);
	size_t len = 0;
	FILE *f;

	*out = NULL;
	*npeers = 0;
	if (!h)
		return -1;
	if (!(f = open_memstream(out, &len)))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	if (wg_text(f, inv, h, keys_dir, npeers, e) < 0) {
		fclose(f);
		/* the text holds a private key: wipe it before it goes */
		if (*out)
			explicit_bzero(*out, len);
		free(*out);
		*out = NULL;
		return -1;
	}
	return stream_done(f, out, e);
}

/* ---- the policy's mesh part ---------------------------------------------------------- */

/* nft chain names take no '-' unquoted: peer_NAME with '-' and '.' as '_'. */
static void chain_name(const struct mesh_host *x, char *buf, size_t size)
{
	snprintf(buf, size, "peer_%s", x->name);
	for (char *p = buf; *p; p++) {
		if (*p == '-' || *p == '.')
			*p = '_';
	}
}

static bool in_group(const struct mesh_host *x, const char *group)
{
	for (size_t i = 0; i < x->ngroups; i++) {
		if (!strcmp(x->groups[i], group))
			return true;
	}
	return false;
}

/* Call fn for every service of h that x may reach (its own reach, then its groups'). */
static size_t for_each_grant(const struct mesh_inventory *inv, const struct mesh_host *h,
			     const struct mesh_host *x,
			     void (*fn)(void *arg, const struct mesh_service *s), void *arg)
{
	const struct mesh_service *seen[MESH_SERVICES_MAX];
	size_t n = 0;

	for (size_t g = 0; g <= inv->ngroups; g++) {
		const struct mesh_reach *r = g ? inv->groups[g - 1].reach : x->reach;
		size_t nr = g ? inv->groups[g - 1].nreach : x->nreach;

		if (g && !in_group(x, inv->groups[g - 1].name))
			continue;
		for (size_t i = 0; i < nr; i++) {
			const struct mesh_service *s = strcmp(r[i].host, h->name) ? NULL :
						       mesh_service_find(h, r[i].service);
			bool dup = false;

			for (size_t k = 0; s && k < n; k++)
				dup |= seen[k] == s;
			if (!s || dup || n >= MESH_SERVICES_MAX)
				continue;
			seen[n++] = s;
			if (fn)
				fn(arg, s);
		}
	}
	return n;
}

struct grant_out {
	FILE *f;
	const struct mesh_host *x;
	const struct policy_values *served;   /* the host's policy values */
};

/* The host's services chain has a rule for s open to every peer: SSH_PORT, or an unrestricted --service. */
static bool services_chain_serves(const struct policy_values *v, const struct mesh_service *s)
{
	const char *proto = s->proto == IPPROTO_TCP ? "tcp" : "udp";

	if (s->proto == IPPROTO_TCP && s->port == v->ssh_port)
		return true;
	for (size_t i = 0; i < v->n_services; i++) {
		const struct policy_service *p = &v->services[i];
		unsigned hi = p->port_hi ? p->port_hi : p->port;

		if (!strcmp(p->proto, proto) && !p->from[0] && s->port >= p->port && s->port <= hi)
			return true;
	}
	return false;
}

/*
 * A grant the host's services chain serves returns to mesh_input, which
 * jumps there: that rule's per-source limit and log apply (an accept here
 * would bypass them and leave them dead). Any other grant is accepted here.
 */
static void put_grant(void *arg, const struct mesh_service *s)
{
	struct grant_out *g = arg;
	bool served = services_chain_serves(g->served, s);

	fprintf(g->f, "\t\t%s dport %u counter %s comment \"peer %s: %s%s\"\n",
		s->proto == IPPROTO_TCP ? "tcp" : "udp", s->port, served ? "return" : "accept",
		g->x->name, s->name, served ? " (on to the services chain)" : "");
}

static void nft_peer_chain(FILE *f, const struct mesh_inventory *inv, const struct mesh_host *h,
			   const struct mesh_host *x, const struct policy_values *served)
{
	char chain[MESH_NAME_MAX + 8];
	struct grant_out g = { f, x, served };

	chain_name(x, chain, sizeof(chain));
	fprintf(f, "\tchain %s {\n", chain);
	for_each_grant(inv, h, x, put_grant, &g);
	fprintf(f, "\t\tmeta l4proto { tcp, udp } counter drop comment \"peer %s: no other "
		"service of %s\"\n\t}\n", x->name, h->name);
}

static void nft_peer_jumps(FILE *f, const struct mesh_host *x)
{
	char chain[MESH_NAME_MAX + 8], a[PREFIX_STRLEN];

	chain_name(x, chain, sizeof(chain));
	if (x->addr4.family) {
		prefix_format_addr(&x->addr4, a, sizeof(a));
		fprintf(f, "\t\tip saddr %s ct state new counter jump %s comment \"peer %s: "
			"what it may reach\"\n", a, chain, x->name);
	}
	if (x->addr6.family) {
		prefix_format_addr(&x->addr6, a, sizeof(a));
		fprintf(f, "\t\tip6 saddr %s ct state new counter jump %s comment \"peer %s: "
			"what it may reach (IPv6)\"\n", a, chain, x->name);
	}
}

static int chain_names_distinct(const struct mesh_inventory *inv, struct xerr *e)
{
	char a[MESH_NAME_MAX + 8], b[MESH_NAME_MAX + 8];

	for (size_t i = 0; i < inv->nhosts; i++) {
		chain_name(&inv->hosts[i], a, sizeof(a));
		for (size_t j = 0; j < i; j++) {
			chain_name(&inv->hosts[j], b, sizeof(b));
			if (!strcmp(a, b)) {
				xerr_at(e, XNFT_EXIT_FINDINGS, inv->path, inv->hosts[i].line, 0,
					"hosts %s and %s give the same nft chain name %s",
					inv->hosts[j].name, inv->hosts[i].name, a);
				return xerr_hint(e, "rename one: '-' and '.' both become '_'");
			}
		}
	}
	return 0;
}

int mesh_render_nft(const struct mesh_inventory *inv, const char *host,
		    const struct policy_values *served, char **out, size_t *nsources, struct xerr *e)
{
	const struct mesh_host *h = host_or_fail(inv, host, e);
	size_t len = 0;
	FILE *f;

	*out = NULL;
	*nsources = 0;
	if (!h || chain_names_distinct(inv, e) < 0)
		return -1;
	if (!(f = open_memstream(out, &len)))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	fprintf(f, "# SPDX-License-Identifier: GPL-2.0-or-later\n#\n"
		"# %s: what each mesh peer may reach on host %s, made by\n"
		"# 'xnft mesh render %s' from %s. Change the inventory and render\n"
		"# again rather than editing this file.\n#\n"
		"# A peer's new connections go to its own chain: the services the\n"
		"# inventory grants it, then a drop (WireGuard authenticates a peer, it\n"
		"# does not authorise it). Included before 20-mesh.nft, so these rules come\n"
		"# first in mesh_input; established traffic and ping are left to it. A\n"
		"# grant the services chain (40-services.nft) serves returns, so its\n"
		"# per-source limits apply; the others are accepted here.\n\n"
		"table inet xnft {\n", MESH_PEERS_FILE, h->name, h->name, inv->path);
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (&inv->hosts[i] != h)
			nft_peer_chain(f, inv, h, &inv->hosts[i], served);
	}
	fprintf(f, "\n\tchain mesh_input {\n");
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (&inv->hosts[i] == h)
			continue;
		nft_peer_jumps(f, &inv->hosts[i]);
		(*nsources)++;
	}
	fprintf(f, "\t}\n}\n");
	return stream_done(f, out, e);
}

/* ---- writing into a policy directory --------------------------------------------------- */

static void put_intent_grant(void *arg, const struct mesh_service *s)
{
	struct grant_out *g = arg;

	fprintf(g->f, "%s%s dport %u", ftell(g->f) ? " or " : "",
		s->proto == IPPROTO_TCP ? "tcp" : "udp", s->port);
}

/* One intent for peer x on host h: exactly its grants among new TCP/UDP connections. */
static void intent_line(FILE *f, const struct mesh_inventory *inv, const struct mesh_host *h,
			const struct mesh_host *x)
{
	char a[PREFIX_STRLEN], *allow = NULL;
	size_t len = 0;
	FILE *g = open_memstream(&allow, &len);
	struct grant_out go = { g, x, NULL };
	size_t n = 0;

	if (x->addr4.family)
		prefix_format_addr(&x->addr4, a, sizeof(a));
	else
		prefix_format_addr(&x->addr6, a, sizeof(a));
	if (g) {
		n = for_each_grant(inv, h, x, put_intent_grant, &go);
		if (fclose(g))
			n = 0;
	}
	fprintf(f, "expect %s iifname $MESH_IF %s saddr %s ct state new meta l4proto { tcp, udp }%s%s"
		"   # peer %s\n", n ? "only" : "drop", x->addr4.family ? "ip" : "ip6", a,
		n ? " : " : "", n && allow ? allow : "", x->name);
	free(allow);
}

#define INTENTS_BEGIN "# xnft mesh: begin (made by 'xnft mesh render'; render again to change)\n"
#define INTENTS_END   "# xnft mesh: end\n"

static int update_intents(const char *path, const struct mesh_inventory *inv,
			  const struct mesh_host *h, struct xerr *e)
{
	char *text, *out = NULL, *b, *en;
	size_t len = 0;
	FILE *f;
	int rc;

	if (mesh_file_read(path, "intents", &text, e) < 0)
		return -1;
	if (!(f = open_memstream(&out, &len))) {
		free(text);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	b = strstr(text, "# xnft mesh: begin");
	en = b ? strstr(b, INTENTS_END) : NULL;
	fprintf(f, "%.*s", (int)(b ? (size_t)(b - text) : strlen(text)), text);
	if (!b && text[0] && text[strlen(text) - 1] != '\n')
		fputc('\n', f);
	fputs(INTENTS_BEGIN, f);
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (&inv->hosts[i] != h)
			intent_line(f, inv, h, &inv->hosts[i]);
	}
	fputs(INTENTS_END, f);
	if (en)
		fputs(en + strlen(INTENTS_END), f);
	free(text);
	if (stream_done(f, &out, e) < 0)
		return -1;
	rc = mesh_file_write(path, out, strlen(out), 0644, e);
	free(out);
	return rc;
}

/* Entry file: include the mesh part just before 20-mesh.nft, once. */
static int add_include(const char *path, bool *added, struct xerr *e)
{
	static const char inc[] = "include \"" MESH_PEERS_FILE "\"\n";
	char *text, *at, *out;
	int rc;

	*added = false;
	if (mesh_file_read(path, "policy entry file", &text, e) < 0)
		return -1;
	if (strstr(text, "\"" MESH_PEERS_FILE "\"")) {
		free(text);
		return 0;
	}
	at = strstr(text, "include \"rules/20-mesh.nft\"");
	if (!at) {
		free(text);
		xerr_at(e, XNFT_EXIT_FINDINGS, path, 0, 0, "no 'include \"rules/20-mesh.nft\"' line "
			"to put the mesh part before");
		return xerr_hint(e, "add 'include \"%s\"' before the rules that jump to "
				 "mesh_input yourself", MESH_PEERS_FILE);
	}
	if (!(out = malloc(strlen(text) + sizeof(inc)))) {
		free(text);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	sprintf(out, "%.*s%s%s", (int)(at - text), text, inc, at);
	rc = mesh_file_write(path, out, strlen(out), 0644, e);
	*added = rc == 0;
	free(out);
	free(text);
	return rc;
}

static void put_set_elements(FILE *f, const struct mesh_inventory *inv, const struct mesh_host *h,
			     int family)
{
	char a[PREFIX_STRLEN];
	size_t n = 0;

	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct prefix *p = family == AF_INET ? &inv->hosts[i].addr4 :
					 &inv->hosts[i].addr6;

		if (&inv->hosts[i] == h || !p->family)
			continue;
		prefix_format_addr(p, a, sizeof(a));
		fprintf(f, "%s%s", n++ ? ", " : "elements = { ", a);
	}
	fprintf(f, n ? " }   " : "# elements = { }  (empty: no peer has such an address)   ");
}

/* rules/00-tables.nft: the `# xnft-init: mesh4|mesh6` lines get the peers' addresses. */
static int update_sets(const char *path, const struct mesh_inventory *inv,
		       const struct mesh_host *h, bool *updated, struct xerr *e)
{
	char *text, *out = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	*updated = false;
	if (mesh_file_read(path, "policy file", &text, e) < 0)
		return -1;
	if (!(f = open_memstream(&out, &len))) {
		free(text);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	for (char *l = text, *nl; *l; l = nl) {
		char *m4 = NULL, *m6 = NULL, *end = strchr(l, '\n');

		nl = end ? end + 1 : l + strlen(l);
		m4 = strstr(l, "# xnft-init: mesh4");
		m6 = strstr(l, "# xnft-init: mesh6");
		m4 = m4 && m4 < nl ? m4 : NULL;
		m6 = m6 && m6 < nl ? m6 : NULL;
		if (!m4 && !m6) {
			fwrite(l, 1, (size_t)(nl - l), f);
			continue;
		}
		fwrite(l, 1, strspn(l, " \t"), f);
		put_set_elements(f, inv, h, m4 ? AF_INET : AF_INET6);
		fwrite(m4 ? m4 : m6, 1, (size_t)(nl - (m4 ? m4 : m6)), f);
		*updated = true;
	}
	free(text);
	if (stream_done(f, &out, e) < 0)
		return -1;
	rc = *updated ? mesh_file_write(path, out, strlen(out), 0644, e) : 0;
	free(out);
	return rc;
}

static int make_dirs(const char *dir, struct xerr *e)
{
	char rules[4096 + 8];

	snprintf(rules, sizeof(rules), "%s/rules", dir);
	if ((mkdir(dir, 0755) && errno != EEXIST) || (mkdir(rules, 0755) && errno != EEXIST))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot create %s: %s", rules, strerror(errno));
	return 0;
}

static int write_text(const char *path, char *text, mode_t mode, struct xerr *e)
{
	int rc = mesh_file_write(path, text, strlen(text), mode, e);

	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

/*
 * What dir's services chain serves: the values of the policy tree there, or
 * the shipped ones (SSH) when dir holds none that xnft init wrote.
 */
static void served_values(const char *dir, struct policy_values *v)
{
	struct policy_tree *t = calloc(1, sizeof(*t));
	struct xerr ignored;

	policy_values_defaults(v);
	if (t && policy_tree_open(t, dir, false, &ignored) == 0)
		*v = t->v;
	if (t)
		policy_tree_close(t);
	free(t);
}

int mesh_render(const struct mesh_inventory *inv, const char *host, const char *keys_dir,
		const char *dir, struct mesh_render_result *res, struct xerr *e)
{
	const struct mesh_host *h = host_or_fail(inv, host, e);
	struct policy_values *served = malloc(sizeof(*served));
	char *wg, *nft, path[4096 + 64];
	int rc;

	memset(res, 0, sizeof(*res));
	if (!served) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		return -1;
	}
	served_values(dir, served);
	if (!h || mesh_render_wg(inv, host, keys_dir, &wg, &res->npeers, e) < 0) {
		free(served);
		return -1;
	}
	rc = mesh_render_nft(inv, host, served, &nft, &res->nsources, e);
	free(served);
	if (rc < 0) {
		free(wg);
		return -1;
	}
	if (make_dirs(dir, e) < 0) {
		free(wg);
		free(nft);
		return -1;
	}
	snprintf(res->wg_path, sizeof(res->wg_path), "%s/%s.conf", dir, inv->iface);
	snprintf(res->nft_path, sizeof(res->nft_path), "%s/%s", dir, MESH_PEERS_FILE);
	/* wg-quick warns about a config others can read; it names the key files. */
	if (write_text(res->wg_path, wg, 0600, e) < 0) {
		free(nft);
		return -1;
	}
	if (write_text(res->nft_path, nft, 0644, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	if (!access(path, F_OK) && add_include(path, &res->include_added, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/rules/00-tables.nft", dir);
	if (!access(path, F_OK) && update_sets(path, inv, h, &res->sets_updated, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/intents", dir);
	if (!access(path, F_OK)) {
		if (update_intents(path, inv, h, e) < 0)
			return -1;
		res->intents_updated = true;
	}
	return 0;
}
