// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft doctor, policy values: are the host values in the policy
 * (break-glass, mesh peers, interfaces, WireGuard port and keys, IPv6)
 * sane. Its apply state is policy_state.c's.
 */
#include "doctor/doctor.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "analyze/trace.h"
#include "apply/fallback.h"
#include "core/addr.h"
#include "core/paths.h"
#include "core/policy_load.h"
#include "core/spawn.h"
#include "core/strbuf.h"

#define G "policy"

struct range { const char *cidr; const char *what; };

/* Addresses a break-glass source can never be: it must reach the host over the internet. */
static const struct range unroutable[] = {
	{ "0.0.0.0/0", "everyone" }, { "::/0", "everyone" },
	{ "192.0.2.0/24", "documentation" }, { "198.51.100.0/24", "documentation" },
	{ "203.0.113.0/24", "documentation" }, { "2001:db8::/32", "documentation" },
	{ "10.0.0.0/8", "private" }, { "172.16.0.0/12", "private" }, { "192.168.0.0/16", "private" },
	{ "100.64.0.0/10", "shared (CGNAT)" }, { "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" }, { "fc00::/7", "private (ULA)" },
	{ "fe80::/10", "link-local" }, { "::1/128", "loopback" },
};

/* What is wrong with p as a break-glass source, or NULL. */
static const char *unroutable_kind(const struct prefix *p)
{
	for (size_t i = 0; i < sizeof(unroutable) / sizeof(unroutable[0]); i++) {
		struct prefix q;
		struct xerr ignored;

		if (prefix_parse(&q, unroutable[i].cidr, &ignored) || q.family != p->family)
			continue;
		if (q.len == 0 ? p->len == 0 : prefix_contains(&q, p))
			return unroutable[i].what;
	}
	return NULL;
}

/* Each element of "a, b, c" parsed; fn is called on each; returns how many. */
static size_t each_prefix(const char *list, void (*fn)(const struct prefix *, const char *, void *),
			  void *arg)
{
	char buf[FALLBACK_LIST_MAX], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		struct prefix p;
		struct xerr ignored;

		if (prefix_parse_flags(&p, t, PREFIX_KEEP_HOST_BITS, &ignored))
			continue;
		fn(&p, t, arg);
		n++;
	}
	return n;
}

struct admin_scan { char bad[400]; struct fixbuf out; bool open; };

static void admin_one(const struct prefix *p, const char *text, void *arg)
{
	struct admin_scan *a = arg;
	const char *kind = unroutable_kind(p);

	if (!kind)
		return;
	a->open |= p->len == 0;
	fixbuf_addf(&a->out, "%s%s (%s)", a->out.len ? ", " : "", text, kind);
}

static void check_admin(struct doctor_report *r, const struct fallback_values *v)
{
	struct admin_scan a = { .open = false };
	size_t n;

	a.out = (struct fixbuf){ a.bad, sizeof(a.bad), 0 };
	n = each_prefix(v->admin4, admin_one, &a) + each_prefix(v->admin6, admin_one, &a);

	if (!n)
		doctor_add(r, G, "policy.admin_allowlist", DOCTOR_WARN,
			   "with the mesh down there is no way in but the console",
			   "xnft admin add YOUR.PUBLIC.ADDR/32   # or edit ADMIN_ALLOWLIST",
			   "ADMIN_ALLOWLIST and ADMIN_ALLOWLIST6 are empty: no break-glass SSH");
	else if (a.out.len)
		doctor_add(r, G, "policy.admin_allowlist", a.open ? DOCTOR_FAIL : DOCTOR_WARN,
			   a.open ? "break-glass SSH is open to the whole internet"
				  : "break-glass SSH must come from a public address you own; this one "
				    "cannot reach the host over the internet",
			   "edit ADMIN_ALLOWLIST in the policy (or: xnft admin del CIDR), then xnft apply",
			   "ADMIN_ALLOWLIST holds %s", a.bad);
	else
		doctor_add(r, G, "policy.admin_allowlist", DOCTOR_PASS, NULL, NULL,
			   "%zu routable break-glass %s", n, n == 1 ? "source" : "sources");
}

static void mesh_one(const struct prefix *p, const char *text, void *arg)
{
	(void)text;
	*(bool *)arg |= p->len == 0;
}

static void check_mesh_peers(struct doctor_report *r, const struct fallback_values *v)
{
	bool any = false;
	size_t n = each_prefix(v->mesh4, mesh_one, &any) + each_prefix(v->mesh6, mesh_one, &any);

	doctor_add(r, G, "policy.mesh_peers", any ? DOCTOR_FAIL : DOCTOR_PASS,
		   "everyone on the internet counts as a mesh peer: the policy protects nothing",
		   "list the peers' tunnel addresses in MESH_PEERS (xnft sync-peers, or edit the set)",
		   any ? "MESH_PEERS holds 0.0.0.0/0 or ::/0" : "%zu mesh peer %s", n,
		   n == 1 ? "prefix" : "prefixes");
}

/* A define's value without its quotes; "" when absent. */
static void define_value(struct trace_defines *d, const char *name, char *buf, size_t n)
{
	char raw[128];
	size_t len;

	buf[0] = '\0';
	if (trace_defines_lookup(d, name, raw, sizeof(raw)))
		return;
	len = strlen(raw);
	if (len >= 2 && raw[0] == '"' && raw[len - 1] == '"')
		snprintf(buf, n, "%.*s", (int)(len - 2), raw + 1);
	else
		snprintf(buf, n, "%s", raw);
}

static bool same_name(const char *name, void *arg)
{
	return !strcmp(name, arg);
}

static void check_iface(const struct doctor_opts *o, struct doctor_report *r, const char *define,
			const char *name)
{
	char id[48], fix[160];
	bool present;

	snprintf(id, sizeof(id), "policy.%s", define);
	for (char *p = id; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (!name[0])
		return;
	present = doctor_each_iface(o, same_name, (void *)name);
	snprintf(fix, sizeof(fix), "ip -br link   # then set %s in the policy to the right name", define);
	doctor_add(r, G, id, present ? DOCTOR_PASS : DOCTOR_FAIL,
		   "rules on a missing interface never match: what they allow or protect does not happen",
		   fix, "%s = %s: %s", define, name, present ? "present" : "NO SUCH INTERFACE");
}

/* ListenPort in /etc/wireguard/IF.conf; 0 when not there. */
static long wg_listen_port(const struct doctor_opts *o, const char *ifname, bool *have_conf)
{
	char path[128];
	char *text, *line;
	long port = 0;

	snprintf(path, sizeof(path), "/etc/wireguard/%s.conf", ifname);
	text = doctor_read_file(o, path);
	*have_conf = text != NULL;
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line + strspn(line, " \t");

		if (!strncasecmp(p, "ListenPort", 10)) {
			p += 10;
			p += strspn(p, " \t=");
			port = strtol(p, NULL, 10);
		}
	}
	free(text);
	return port;
}

/*
 * The port the interface listens on now, from WireGuard itself (`wg show`:
 * the kernel's netlink or wireguard-go's UAPI socket); -1 when unknown.
 * Only on "/": a fixture root has no live WireGuard.
 */
static long wg_live_port(const struct doctor_opts *o, const char *ifname)
{
	char *argv[] = { "wg", "show", (char *)ifname, "listen-port", NULL };
	char *out = NULL, *end;
	struct xerr e;
	long port = -1;

	if ((!o->root || !strcmp(o->root, "/")) && !spawn_capture(argv, &out, &e) && out) {
		port = strtol(out, &end, 10);
		if (end == out)
			port = -1;
	}
	free(out);
	return port;
}

static void check_wg_port(const struct doctor_opts *o, struct doctor_report *r,
			  const struct fallback_values *v)
{
	char fix[200], where[64];
	bool have;
	long port;

	if (!v->mesh_if[0] || !v->wg_port)
		return;
	port = wg_listen_port(o, v->mesh_if, &have);
	snprintf(where, sizeof(where), "/etc/wireguard/%s.conf", v->mesh_if);
	if (!have && (port = wg_live_port(o, v->mesh_if)) >= 0) {
		have = true;
		snprintf(where, sizeof(where), "wg show %s", v->mesh_if);
	}
	snprintf(fix, sizeof(fix), "set ListenPort = %d in /etc/wireguard/%s.conf%s", v->wg_port,
		 v->mesh_if, port ? " (or WG_PORT to the port it listens on, in the policy)" : "");
	if (!have) {
		snprintf(fix, sizeof(fix), "wg show %s listen-port   # compare with WG_PORT by hand",
			 v->mesh_if);
		doctor_add(r, G, "policy.wg_port", DOCTOR_WARN,
			   "the ListenPort cannot be compared with WG_PORT", fix,
			   "no /etc/wireguard/%s.conf and no WireGuard interface %s to ask", v->mesh_if,
			   v->mesh_if);
	} else if (port != v->wg_port)
		doctor_add(r, G, "policy.wg_port", DOCTOR_FAIL,
			   "the policy opens one port and WireGuard listens on another: no peer can connect",
			   fix, "WireGuard %s listens on %ld%s (%s), the policy's WG_PORT is %d",
			   v->mesh_if, port, port ? "" : " (no ListenPort: a random port at each start)",
			   where, v->wg_port);
	else
		doctor_add(r, G, "policy.wg_port", DOCTOR_PASS, NULL, NULL,
			   "WireGuard %s listens on WG_PORT %d (%s)", v->mesh_if, v->wg_port, where);
}

/* Private keys and the configs holding them: readable by owner only. */
static void check_key_modes(const struct doctor_opts *o, struct doctor_report *r)
{
	char dir[PATH_MAX], bad[400] = "", fix[512] = "chmod 600";
	struct fixbuf b = { bad, sizeof(bad), 0 }, fb = { fix, sizeof(fix), strlen(fix) };
	size_t n = 0;
	struct dirent *d;
	DIR *dp;

	if (doctor_path(o, "/etc/wireguard", dir, sizeof(dir)) || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		char path[PATH_MAX * 2];
		struct stat st;
		size_t len = strlen(d->d_name);

		if (d->d_name[0] == '.' || len < 4 || (strcmp(d->d_name + len - 4, ".key") &&
		    (len < 5 || strcmp(d->d_name + len - 5, ".conf"))))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		n++;
		if (!(st.st_mode & 077))
			continue;
		fixbuf_addf(&b, "%s%s (%03o)", b.len ? ", " : "", d->d_name, st.st_mode & 0777);
		fixbuf_addf(&fb, " /etc/wireguard/%s", d->d_name);
	}
	closedir(dp);
	if (b.len)
		doctor_add(r, G, "policy.key_modes", DOCTOR_FAIL,
			   "anyone who can read a WireGuard private key can join the mesh as this host",
			   fix, "readable by others: %s", bad);
	else
		doctor_add(r, G, "policy.key_modes", DOCTOR_PASS, NULL, NULL,
			   "%zu WireGuard key and config files, none readable by others", n);
}

/* IPv6 on while the policy leaves it unfiltered is an open second door. */
static void check_ipv6(const struct doctor_opts *o, struct doctor_report *r, const struct ruleset *rs)
{
	long long off = 0;
	bool v6_on = !doctor_read_ll(o, "/proc/sys/net/ipv6/conf/all/disable_ipv6", &off) && !off;
	bool v6_filtered = false;

	for (size_t i = 0; i < rs->ntables; i++)
		v6_filtered |= rs->tables[i]->family == RS_FAM_INET ||
			       rs->tables[i]->family == RS_FAM_IP6;
	doctor_add(r, G, "policy.ipv6", v6_on && !v6_filtered ? DOCTOR_FAIL : DOCTOR_PASS,
		   "IPv6 is on and no table of the policy filters it: everything is reachable over IPv6",
		   "use an inet table (as the shipped policy), or: sysctl -w net.ipv6.conf.all.disable_ipv6=1",
		   "IPv6 %s; the policy %s IPv6", v6_on ? "enabled" : "disabled",
		   v6_filtered ? "filters" : "does not filter");
}

void doctor_check_policy(const struct doctor_opts *o, struct doctor_report *r)
{
	const char *policy = o->policy ? o->policy : XNFT_DEFAULT_POLICY;
	char entry[PATH_MAX], incdir[PATH_MAX], wan[64];
	struct fallback_values *v = calloc(1, sizeof(*v));
	struct trace_defines defs = { 0 };
	struct ruleset *rs = NULL;
	struct xerr e;

	doctor_check_policy_state(o, r);
	check_key_modes(o, r);
	xerr_clear(&e);
	if (!v || policy_resolve(policy, entry, sizeof(entry), incdir, sizeof(incdir), &e) ||
	    policy_load(policy, &rs, NULL, &e)) {
		doctor_add(r, G, "policy.values", DOCTOR_FAIL,
			   "its host values (break-glass, mesh peers, interfaces) cannot be checked",
			   "xnft check   # shows why it does not load",
			   "policy %s does not load: %s", policy, v ? e.msg : "out of memory");
		free(v);
		return;
	}
	doctor_add(r, G, "policy.values", DOCTOR_PASS, NULL, NULL,
		   "policy %s loads: its host values are checked", policy);
	fallback_values_from_policy(rs, entry, incdir, v);
	check_admin(r, v);
	check_mesh_peers(r, v);
	check_iface(o, r, "MESH_IF", v->mesh_if);
	if (!trace_defines_load(policy, &defs, &e)) {
		define_value(&defs, "WAN_IF", wan, sizeof(wan));
		check_iface(o, r, "WAN_IF", wan);
	}
	trace_defines_free(&defs);
	check_wg_port(o, r, v);
	check_ipv6(o, r, rs);
	ruleset_free(rs);
	free(v);
}
