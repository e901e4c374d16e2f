// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft doctor, neighbours: the other tools on the host that change what it
 * accepts behind xnft's back: nftables.service's `flush ruleset`, ufw,
 * firewalld, iptables-legacy rules (invisible to nftables and to every
 * proof), and the container and VM managers that bridge and NAT around
 * table inet xnft.
 */
#include "doctor/doctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/exposure.h"
#include "core/policy_load.h"
#include "core/spawn.h"
#include "core/strbuf.h"

#define G "neighbours"

/* True when text has a line whose first word is `flush` followed by `ruleset`. */
static bool has_flush_ruleset(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l + strspn(l, " \t");

		if (!strncmp(p, "flush", 5) && (p[5] == ' ' || p[5] == '\t')) {
			p += 5 + strspn(p + 5, " \t");
			if (!strncmp(p, "ruleset", 7))
				return true;
		}
	}
	return false;
}

static void check_nftables_service(const struct doctor_opts *o, struct doctor_report *r)
{
	char *conf;
	bool flush;

	if (!doctor_unit_enabled(o, "nftables.service")) {
		doctor_add(r, G, "neighbours.nftables_service", DOCTOR_PASS, NULL, NULL,
			   "nftables.service is not enabled");
		return;
	}
	conf = doctor_read_file(o, "/etc/nftables.conf");
	flush = conf && has_flush_ruleset(conf);
	free(conf);
	doctor_add(r, G, "neighbours.nftables_service", flush ? DOCTOR_FAIL : DOCTOR_PASS,
		   "its `flush ruleset` deletes table inet xnft whenever nftables.service starts or reloads",
		   "systemctl disable nftables.service   # xnft.service loads the policy at boot",
		   flush ? "nftables.service is enabled and /etc/nftables.conf runs `flush ruleset`"
			 : "nftables.service is enabled; /etc/nftables.conf does not flush the ruleset");
}

/* A table of the live ruleset by family and name, or one holding chain (NULL: any chain). */
static bool live_has(const struct ruleset *rs, enum rs_family fam, const char *table,
		     const char *chain)
{
	for (size_t i = 0; rs && i < rs->ntables; i++) {
		const struct rs_table *t = rs->tables[i];

		if (t->family == fam && (!table || !strcmp(t->name, table)) &&
		    (!chain || rs_table_chain(t, chain)))
			return true;
	}
	return false;
}

static void check_managers(const struct doctor_opts *o, struct doctor_report *r,
			   const struct ruleset *rs)
{
	char *ufw = doctor_read_file(o, "/etc/ufw/ufw.conf");
	bool ufw_conf = ufw && (strstr(ufw, "\nENABLED=yes") || !strncmp(ufw, "ENABLED=yes", 11));
	/* ufw through iptables-nft leaves its chains in the live ruleset; firewalld its table */
	bool ufw_live = live_has(rs, RS_FAM_IP, "filter", "ufw-before-input");
	bool fwd_unit = doctor_unit_enabled(o, "firewalld.service");
	bool fwd_live = live_has(rs, RS_FAM_INET, "firewalld", NULL);

	free(ufw);
	doctor_add(r, G, "neighbours.ufw", ufw_conf || ufw_live ? DOCTOR_FAIL : DOCTOR_PASS,
		   "a second firewall manager rewrites rules xnft proved; each reload undoes the other",
		   "ufw disable && systemctl disable ufw.service",
		   "ufw is %s", ufw_conf ? "enabled (/etc/ufw/ufw.conf ENABLED=yes)"
			       : ufw_live ? "active (chain ufw-before-input in table ip filter)"
					  : "not enabled");
	doctor_add(r, G, "neighbours.firewalld", fwd_unit || fwd_live ? DOCTOR_FAIL : DOCTOR_PASS,
		   "a second firewall manager rewrites rules xnft proved; each reload undoes the other",
		   "systemctl disable --now firewalld.service",
		   "firewalld is %s", fwd_unit ? "enabled (firewalld.service)"
				    : fwd_live ? "running (table inet firewalld is loaded)"
					       : "not enabled");
}

/* Rules ("-A ...") in an iptables-legacy-save dump; -1 when the program cannot run. */
static long legacy_rule_count(const char *prog)
{
	char *argv[] = { (char *)prog, NULL };
	char *out = NULL;
	long n = 0;
	struct xerr e;

	if (spawn_capture(argv, &out, &e)) {
		free(out);
		return -1;
	}
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, "-A ", 3);
	free(out);
	return n;
}

/* The table names in /proc/net/ip(6)_tables_names, comma separated, into buf. */
static void legacy_tables(const struct doctor_opts *o, const char *file, char *buf, size_t n)
{
	char *text = doctor_read_file(o, file);
	struct fixbuf b = { buf, n, strlen(buf) };

	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		int w = (int)strcspn(l, "\n");

		if (w)
			fixbuf_addf(&b, "%s%.*s", b.len ? ", " : "", w, l);
	}
	free(text);
}

static void check_legacy(const struct doctor_opts *o, struct doctor_report *r)
{
	static const char why[] = "iptables-legacy rules run beside nftables, invisible to `nft list "
				  "ruleset` and to every proof xnft makes";
	static const char fix[] = "iptables-legacy-save; ip6tables-legacy-save   # move what is needed "
				  "into the policy, then: iptables-legacy -F; iptables-legacy -X";
	char tables[256] = "";
	bool real = !o->root || !strcmp(o->root, "/");
	long n4, n6;

	legacy_tables(o, "/proc/net/ip_tables_names", tables, sizeof(tables));
	legacy_tables(o, "/proc/net/ip6_tables_names", tables, sizeof(tables));
	if (!tables[0]) {
		doctor_add(r, G, "neighbours.iptables_legacy", DOCTOR_PASS, NULL, NULL,
			   "no iptables-legacy tables");
		return;
	}
	/* The dump lists the kernel's tables, so only for the host itself, not a fixture. */
	n4 = real ? legacy_rule_count("iptables-legacy-save") : -1;
	n6 = real ? legacy_rule_count("ip6tables-legacy-save") : -1;
	if (n4 < 0 && n6 < 0)
		doctor_add(r, G, "neighbours.iptables_legacy", DOCTOR_WARN, why, fix,
			   "iptables-legacy tables exist (%s); their rules could not be listed", tables);
	else if ((n4 > 0 ? n4 : 0) + (n6 > 0 ? n6 : 0) > 0)
		doctor_add(r, G, "neighbours.iptables_legacy", DOCTOR_FAIL, why, fix,
			   "%ld iptables-legacy rules (IPv4 %ld, IPv6 %ld) in tables %s",
			   (n4 > 0 ? n4 : 0) + (n6 > 0 ? n6 : 0), n4 > 0 ? n4 : 0, n6 > 0 ? n6 : 0,
			   tables);
	else
		doctor_add(r, G, "neighbours.iptables_legacy", DOCTOR_PASS, NULL, NULL,
			   "iptables-legacy tables exist (%s) but hold no rules", tables);
}

struct manager {
	const char *name;
	const char *bridge_prefix[3];                 /* interface names it creates */
	const char *table[3];                         /* family/name of its nftables tables */
	const char *chain;                            /* a chain it adds to ip filter/nat */
};

static const struct manager managers[] = {
	{ "docker", { "docker", "br-", NULL }, { NULL }, "DOCKER" },
	{ "podman", { "podman", "cni-podman", NULL }, { "inet/netavark", NULL }, "NETAVARK_FORWARD" },
	{ "libvirt", { "virbr", NULL }, { "ip/libvirt_network", "ip6/libvirt_network", NULL },
	  "LIBVIRT_FWO" },
	{ "lxd", { "lxdbr", NULL }, { "inet/lxd", NULL }, NULL },
	{ "incus", { "incusbr", NULL }, { "inet/incus", NULL }, NULL },
};

struct bridge_find {
	const struct manager *m;
	char *buf;
	size_t n;
};

static bool bridge_match(const char *name, void *arg)
{
	struct bridge_find *f = arg;

	for (size_t i = 0; i < 3 && f->m->bridge_prefix[i]; i++)
		if (!strncmp(name, f->m->bridge_prefix[i], strlen(f->m->bridge_prefix[i]))) {
			snprintf(f->buf, f->n, "%s", name);
			return true;
		}
	return false;
}

static const char *bridge_of(const struct doctor_opts *o, const struct manager *m, char *buf,
			     size_t n)
{
	struct bridge_find f = { m, buf, n };

	buf[0] = '\0';
	return doctor_each_iface(o, bridge_match, &f) ? buf : NULL;
}

static const char *table_of(const struct ruleset *rs, const struct manager *m, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; rs && i < rs->ntables && !buf[0]; i++) {
		const struct rs_table *t = rs->tables[i];
		char name[160];

		snprintf(name, sizeof(name), "%s/%s", rs_family_name(t->family), t->name);
		for (size_t k = 0; k < 3 && m->table[k]; k++)
			if (!strcmp(name, m->table[k]))
				snprintf(buf, n, "table %s %s", rs_family_name(t->family), t->name);
		if (!buf[0] && m->chain && rs_table_chain(t, m->chain))
			snprintf(buf, n, "chain %s in table %s %s", m->chain,
				 rs_family_name(t->family), t->name);
	}
	return buf[0] ? buf : NULL;
}

/*
 * Every port another table forwards with a dnat (Docker's `-p`, libvirt's,
 * a router's port forward), from exposure's forwarded section: new
 * connections to it never meet table inet xnft's input chain.
 */
static void check_published(struct doctor_report *r, const struct ruleset *rs)
{
	struct exposure_query q = { .only_new = true };
	struct exposure x;
	struct xerr e;

	if (!rs)
		return;
	xerr_clear(&e);
	if (exposure_compute(rs, NULL, &q, &x, &e)) {
		doctor_add(r, G, "neighbours.published", DOCTOR_WARN,
			   "published ports cannot be listed", "xnft exposure --live --new",
			   "the live ruleset's exposure cannot be computed: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < x.dnat.n; i++)
		doctor_add(r, G, "neighbours.published", DOCTOR_WARN,
			   "a published port is forwarded past table inet xnft's input chain: reachable "
			   "by whoever the forward path lets through",
			   "xnft exposure --live --new   # then unpublish it, or bind it to the mesh address",
			   "%s: %s", x.dnat.v[i].iface, x.dnat.v[i].text);
	if (!x.dnat.n)
		doctor_add(r, G, "neighbours.published", DOCTOR_PASS, NULL, NULL,
			   "no new connection is let through to a container, VM or other host by a dnat");
	exposure_free(&x);
}

static void check_containers(const struct doctor_opts *o, struct doctor_report *r,
			     const struct ruleset *rs)
{
	size_t found = 0;

	for (size_t i = 0; i < sizeof(managers) / sizeof(managers[0]); i++) {
		const struct manager *m = &managers[i];
		char br[64], tb[200], id[48];
		bool has_bridge = bridge_of(o, m, br, sizeof(br)) != NULL;
		bool has_table = table_of(rs, m, tb, sizeof(tb)) != NULL;

		if (!has_bridge && !has_table)
			continue;
		found++;
		snprintf(id, sizeof(id), "neighbours.%s", m->name);
		doctor_add(r, G, id, DOCTOR_WARN,
			   "its NAT publishes ports around table inet xnft's input chain, and a deny-all "
			   "forward chain cuts its guests off: check both",
			   "xnft exposure --live   # the forwarded section lists what is published",
			   "%s: %s%s%s%s", m->name, br[0] ? "bridge " : "", br, br[0] && tb[0] ? ", " : "",
			   tb);
	}
	if (!found)
		doctor_add(r, G, "neighbours.containers", DOCTOR_PASS, NULL, NULL,
			   "no Docker, Podman, libvirt, LXD or Incus bridges or tables");
	check_published(r, rs);
}

void doctor_check_neighbours(const struct doctor_opts *o, struct doctor_report *r)
{
	struct ruleset *rs = NULL;
	struct xerr e;

	xerr_clear(&e);
	if (policy_load_live(&rs, &e)) {
		rs = NULL;
		doctor_add(r, G, "neighbours.live_ruleset", DOCTOR_WARN,
			   "other tools' tables cannot be seen", "nft list tables",
			   "the live ruleset cannot be read: %s", e.msg);
	} else {
		doctor_add(r, G, "neighbours.live_ruleset", DOCTOR_PASS, NULL, NULL,
			   "the live ruleset was read: %zu %s", rs->ntables,
			   rs->ntables == 1 ? "table" : "tables");
	}
	check_nftables_service(o, r);
	check_managers(o, r, rs);
	check_legacy(o, r);
	check_containers(o, r, rs);
	ruleset_free(rs);
}
