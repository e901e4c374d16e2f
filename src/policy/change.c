// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of day-two changes: what a service or break-glass entry may
 * be, checked against the tree's own values before anything is rendered.
 */
#include "policy/change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "policy/catalog.h"

static int parse_ports(struct policy_service *s, const char *what, const char *ports,
		       struct xerr *e)
{
	char lo[16], *dash;

	if (strlen(ports) >= sizeof(lo))
		return xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': the port is too long", what);
	snprintf(lo, sizeof(lo), "%s", ports);
	dash = strchr(lo, '-');
	if (dash)
		*dash = '\0';
	if (port_parse(&s->port, lo, e) < 0 || (dash && port_parse(&s->port_hi, dash + 1, e) < 0))
		return xerr_wrap(e, "'%s'", what);
	if (dash && s->port_hi < s->port) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': the range %u-%u is reversed", what, s->port,
			 s->port_hi);
		return xerr_hint(e, "write the lower port first, like tcp/%u-%u", s->port_hi,
				 s->port);
	}
	if (s->port_hi == s->port)
		s->port_hi = 0;
	return 0;
}

static int parse_proto_port(struct policy_service *s, const char *what, struct xerr *e)
{
	const char *slash = strchr(what, '/');
	size_t n = (size_t)(slash - what);

	if (!(n == 3 && (!strncmp(what, "tcp", 3) || !strncmp(what, "udp", 3)))) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': the protocol must be tcp or udp", what);
		return xerr_hint(e, "write it like tcp/443, udp/53 or tcp/8000-8010");
	}
	snprintf(s->proto, sizeof(s->proto), "%.3s", what);
	if (parse_ports(s, what, slash + 1, e) < 0)
		return -1;
	if (s->port_hi)
		snprintf(s->name, sizeof(s->name), "%s-%u-%u", s->proto, s->port, s->port_hi);
	else
		snprintf(s->name, sizeof(s->name), "%s-%u", s->proto, s->port);
	return 0;
}

static int parse_known(struct policy_service *s, const struct policy_values *v, const char *what,
		       struct xerr *e)
{
	const struct catalog_entry *c = catalog_find(what);
	const char *near;
	char shown[80];

	if (!c) {
		addr_shown(shown, sizeof(shown), what);
		xerr_set(e, XNFT_EXIT_FINDINGS, "unknown service '%s'", shown);
		near = catalog_suggest(what);
		if (near)
			return xerr_hint(e, "did you mean '%s'? (xnft services --known lists the names; "
					 "or give PROTO/PORT like tcp/8443)", near);
		return xerr_hint(e, "xnft services --known lists the names; or give PROTO/PORT "
				 "like tcp/8443");
	}
	snprintf(s->proto, sizeof(s->proto), "%s", c->proto);
	s->port = !strcmp(c->name, "ssh") ? v->ssh_port : c->port;
	snprintf(s->name, sizeof(s->name), "%s", c->name);
	return 0;
}

static bool inside_mesh(const struct policy_values *v, const struct prefix *p)
{
	const char (*lists[2])[48] = { v->mesh4, v->mesh6 };
	size_t counts[2] = { v->n_mesh4, v->n_mesh6 };
	struct prefix m;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (prefix_parse(&m, lists[l][i], NULL) == 0 && prefix_contains(&m, p))
				return true;
	return false;
}

static int refuse_outside_mesh(const struct policy_service *s, const struct prefix *p,
			       const char *from, struct xerr *e)
{
	bool ssh = !strcmp(s->name, "ssh");

	if (p->len == 0)
		xerr_set(e, XNFT_EXIT_FINDINGS, "refused: %s from %s would open %s to the whole "
			 "internet, which is what this policy exists to prevent", s->name, from,
			 ssh ? "SSH" : "a service");
	else
		xerr_set(e, XNFT_EXIT_FINDINGS, "refused: %s is outside the mesh; the services "
			 "chain answers mesh peers only, so a rule from there would open %s to "
			 "the internet side", from, ssh ? "SSH" : "the service");
	if (ssh)
		return xerr_hint(e, "for break-glass SSH from a fixed address, use: xnft admin add "
				 "ADDR/32");
	return xerr_hint(e, "give 'from mesh' or a peer address inside MESH_PEERS/MESH_PEERS6; "
			 "a public service needs a hand-written rule and a reason in its comment "
			 "(no --force: xnft does not write one)");
}

static int parse_from(struct policy_service *s, const struct policy_values *v, const char *from,
		      struct xerr *e)
{
	struct prefix p;

	if (!from || !strcmp(from, "mesh"))
		return 0;
	if (!strcmp(from, "any") || !strcmp(from, "anywhere") || !strcmp(from, "internet"))
		from = "0.0.0.0/0";
	if (prefix_parse(&p, from, e) < 0)
		return xerr_wrap(e, "from");
	if (!inside_mesh(v, &p))
		return refuse_outside_mesh(s, &p, from, e);
	prefix_format(&p, s->from, sizeof(s->from));
	return 0;
}

int change_service_parse(struct policy_service *s, const struct policy_values *v,
			 const char *what, const char *from, const char *name, struct xerr *e)
{
	memset(s, 0, sizeof(*s));
	if (!what || !*what)
		return xerr_set(e, XNFT_EXIT_USAGE, "give a service name or PROTO/PORT");
	if ((strchr(what, '/') ? parse_proto_port(s, what, e) : parse_known(s, v, what, e)) < 0)
		return -1;
	if (parse_from(s, v, from, e) < 0)
		return -1;
	if (name && !policy_service_name_ok(name)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--name '%s': 1..48 characters from A-Z a-z 0-9 . _ -",
			 name);
		return xerr_hint(e, "the name goes into the rule's comment, like --name web");
	}
	if (name)
		snprintf(s->name, sizeof(s->name), "%s", name);
	return 0;
}

#define RATE_MAX 100000u

int change_service_rate(struct policy_service *s, const char *rate, struct xerr *e)
{
	static const char *const units[] = { "second", "minute", "hour", "day" };
	const char *slash = strchr(rate, '/');
	char digits[16];
	unsigned long n;
	char *stop;

	if (!slash || (size_t)(slash - rate) >= sizeof(digits) || slash == rate)
		goto bad;
	snprintf(digits, sizeof(digits), "%.*s", (int)(slash - rate), rate);
	if (digits[0] < '1' || digits[0] > '9')
		goto bad;
	n = strtoul(digits, &stop, 10);
	if (*stop || n > RATE_MAX)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(slash + 1, units[i]))
			continue;
		s->rate = (unsigned)n;
		snprintf(s->rate_unit, sizeof(s->rate_unit), "%s", units[i]);
		return 0;
	}
bad:
	xerr_set(e, XNFT_EXIT_FINDINGS, "--rate '%s': expected N/UNIT, N from 1 to %u and UNIT "
		 "second, minute, hour or day", rate, RATE_MAX);
	return xerr_hint(e, "like --rate 20/minute: each source may open 20 new connections a "
			 "minute (20 at once), the rest are dropped");
}

static unsigned hi_of(const struct policy_service *s)
{
	return s->port_hi ? s->port_hi : s->port;
}

static bool covers(const struct policy_service *s, unsigned port)
{
	return port >= s->port && port <= hi_of(s);
}

static bool overlaps(const struct policy_service *a, const struct policy_service *b)
{
	return !strcmp(a->proto, b->proto) && a->port <= hi_of(b) && b->port <= hi_of(a) &&
	       !strcmp(a->from, b->from);
}

int change_allow(struct policy_values *v, const struct policy_service *s, struct xerr *e)
{
	if (!strcmp(s->proto, "tcp") && covers(s, v->ssh_port)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "refused: tcp/%u is SSH_PORT, already open to every "
			 "mesh peer (rate-limited per source, in rules/40-services.nft)", v->ssh_port);
		return xerr_hint(e, "nothing to do for mesh peers; for break-glass SSH from outside "
				 "the mesh use: xnft admin add ADDR/32");
	}
	if (covers(s, v->wg_port)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "refused: port %u is WG_PORT, owned by WireGuard "
			 "(open to everyone for handshakes)", v->wg_port);
		return xerr_hint(e, "pick another port; to move WireGuard: xnft init DIR --force "
				 "--wg-port N");
	}
	for (size_t i = 0; i < v->n_services; i++) {
		const struct policy_service *o = &v->services[i];

		if (!overlaps(o, s))
			continue;
		xerr_set(e, XNFT_EXIT_FINDINGS, "refused: %s/%u%s is already open as '%s'",
			 s->proto, s->port, s->from[0] ? " from that source" : " to mesh peers",
			 o->name);
		if (o->rate != s->rate || strcmp(o->rate_unit, s->rate_unit))
			return xerr_hint(e, "to change its rate, xnft deny it, then xnft allow it "
					 "again with the new --rate (or without, for no limit)");
		return xerr_hint(e, "nothing to change; xnft services lists what is open");
	}
	if (v->n_services >= POLICY_MAX_LIST)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "refused: already %d services, the most xnft "
				"keeps", POLICY_MAX_LIST);
	v->services[v->n_services++] = *s;
	return 0;
}

static bool same_service(const struct policy_service *a, const struct policy_service *b)
{
	return !strcmp(a->proto, b->proto) && a->port == b->port && hi_of(a) == hi_of(b) &&
	       !strcmp(a->from, b->from);
}

int change_deny(struct policy_values *v, const struct policy_service *s, bool must_exist,
		size_t *removed, struct xerr *e)
{
	size_t kept = 0;

	*removed = 0;
	for (size_t i = 0; i < v->n_services; i++) {
		if (same_service(&v->services[i], s))
			(*removed)++;
		else
			v->services[kept++] = v->services[i];
	}
	v->n_services = kept;
	if (*removed || !must_exist)
		return 0;
	if (!strcmp(s->proto, "tcp") && s->port == v->ssh_port) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "tcp/%u is SSH_PORT: it is part of the policy, not a "
			 "service added with xnft allow", s->port);
		return xerr_hint(e, "mesh peers keep SSH; closing it is a hand edit of "
				 "rules/40-services.nft");
	}
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s/%u%s is not a service xnft opened", s->proto, s->port,
		 s->from[0] ? " from that source" : "");
	return xerr_hint(e, "xnft services lists what is open, and which lines are hand-written");
}

/* Ranges a break-glass address cannot be in when the mesh is down. */
static const char *const private_ranges[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128",
};

int change_admin_add(struct policy_values *v, const char *cidr, bool force, struct xerr *e)
{
	struct prefix p, r;

	if (prefix_parse(&p, cidr, e) < 0)
		return xerr_wrap(e, "admin add");
	for (size_t i = 0; !force && i < sizeof(private_ranges) / sizeof(private_ranges[0]); i++) {
		if (prefix_parse(&r, private_ranges[i], NULL) < 0 || !prefix_contains(&r, &p))
			continue;
		xerr_set(e, XNFT_EXIT_FINDINGS, "refused: %s is in the private range %s; break-glass "
			 "is for reaching SSH from the internet when the mesh is down, and no "
			 "packet from a private range arrives that way", cidr, private_ranges[i]);
		return xerr_hint(e, "give the public address you connect from; --force if this "
				 "host really is reached over a private network");
	}
	return policy_values_add_admin(v, cidr, e);
}

static int del_from(char list[][48], size_t *n, const struct prefix *p)
{
	struct prefix q;

	for (size_t i = 0; i < *n; i++) {
		if (prefix_parse(&q, list[i], NULL) < 0 || !prefix_equal(&q, p))
			continue;
		memmove(list[i], list[i + 1], (*n - i - 1) * sizeof(list[0]));
		(*n)--;
		return 1;
	}
	return 0;
}

int change_admin_del(struct policy_values *v, const char *cidr, struct xerr *e)
{
	struct prefix p;

	if (prefix_parse(&p, cidr, e) < 0)
		return xerr_wrap(e, "admin del");
	if (p.family == AF_INET6 ? del_from(v->admin6, &v->n_admin6, &p)
				 : del_from(v->admin4, &v->n_admin4, &p))
		return 0;
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s is not in ADMIN_ALLOWLIST%s", cidr,
		 p.family == AF_INET6 ? "6" : "");
	return xerr_hint(e, "xnft admin list shows the entries; give one exactly as listed");
}

enum owned_set { SET_MESH4, SET_MESH6, SET_ADMIN4, SET_ADMIN6 };

static const char *const owned_sets[] = { "MESH_PEERS", "MESH_PEERS6", "ADMIN_ALLOWLIST",
					  "ADMIN_ALLOWLIST6" };

static int find_set(const char *name, struct xerr *e)
{
	for (size_t i = 0; i < sizeof(owned_sets) / sizeof(owned_sets[0]); i++)
		if (!strcmp(owned_sets[i], name))
			return (int)i;
	if (!strncmp(name, "BANNED", 6)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s belongs to the ban daemon, not to the policy "
			 "files", name);
		return xerr_hint(e, "use xnft bans add|del ADDR");
	}
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s is not a set xnft keeps in the policy's owned lines",
		 name);
	return xerr_hint(e, "the sets are MESH_PEERS, MESH_PEERS6, ADMIN_ALLOWLIST and "
			 "ADMIN_ALLOWLIST6; other sets are hand edits of rules/00-tables.nft");
}

/* The element's family must be the set's: an IPv6 prefix goes to the set named ...6. */
static int check_family(int set, const char *elem, struct xerr *e)
{
	struct prefix p;
	bool six = set == SET_MESH6 || set == SET_ADMIN6;

	if (prefix_parse(&p, elem, e) < 0)
		return xerr_wrap(e, "%s", owned_sets[set]);
	if ((p.family == AF_INET6) == six)
		return 0;
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s holds %s prefixes, and %s is not one", owned_sets[set],
		 six ? "IPv6" : "IPv4", elem);
	return xerr_hint(e, "give it to %s%s", owned_sets[set & ~1], six ? "" : "6");
}

int change_set_add(struct policy_values *v, const char *set, const char *elem, bool force,
		   struct xerr *e)
{
	int s = find_set(set, e);

	if (s < 0 || check_family(s, elem, e) < 0)
		return -1;
	if (s == SET_MESH4 || s == SET_MESH6)
		return policy_values_add_mesh(v, elem, e);
	return change_admin_add(v, elem, force, e);
}

int change_set_del(struct policy_values *v, const char *set, const char *elem, struct xerr *e)
{
	struct prefix p;
	int s = find_set(set, e);

	if (s < 0 || check_family(s, elem, e) < 0)
		return -1;
	if (s == SET_ADMIN4 || s == SET_ADMIN6)
		return change_admin_del(v, elem, e);
	prefix_parse(&p, elem, NULL);
	if (s == SET_MESH4 ? del_from(v->mesh4, &v->n_mesh4, &p) : del_from(v->mesh6, &v->n_mesh6, &p))
		return 0;
	xerr_set(e, XNFT_EXIT_FINDINGS, "%s is not in %s", elem, set);
	return xerr_hint(e, "xnft set list %s shows the elements; give one exactly as listed", set);
}

int change_set_list(const struct policy_values *v, const char *set, const char (**list)[48],
		    size_t *n, struct xerr *e)
{
	switch (find_set(set, e)) {
	case SET_MESH4: *list = v->mesh4; *n = v->n_mesh4; return 0;
	case SET_MESH6: *list = v->mesh6; *n = v->n_mesh6; return 0;
	case SET_ADMIN4: *list = v->admin4; *n = v->n_admin4; return 0;
	case SET_ADMIN6: *list = v->admin6; *n = v->n_admin6; return 0;
	}
	return -1;
}
