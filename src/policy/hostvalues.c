// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One host's values for the shipped policy (render.h): their defaults, each
 * set from a command-line option and checked, the whole checked together,
 * and the WAN interface guessed from the routing table. render.c fills the
 * policy's files with them.
 */
#include "policy/render.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"

#define MESH_MIN_LEN4  8
#define MESH_MIN_LEN6  16
#define SERVICE_NAME_MAX 48

void policy_values_defaults(struct policy_values *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->wan_if, sizeof(v->wan_if), "eth0");
	snprintf(v->mesh_if, sizeof(v->mesh_if), "wg0");
	v->wg_port = 51820;
	v->ssh_port = 22;
	snprintf(v->mesh4[0], sizeof(v->mesh4[0]), "10.10.0.0/24");
	v->n_mesh4 = 1;
}

void policy_values_clear_mesh(struct policy_values *v)
{
	v->n_mesh4 = 0;
	v->n_mesh6 = 0;
}

int policy_values_set_iface(char dst[16], const char *what, const char *name, struct xerr *e)
{
	if (ifname_validate(name, e) < 0)
		return xerr_wrap(e, "%s", what);
	snprintf(dst, 16, "%s", name);
	return 0;
}

int policy_values_set_port(unsigned *dst, const char *what, const char *text, struct xerr *e)
{
	unsigned port;

	if (port_parse(&port, text, e) < 0)
		return xerr_wrap(e, "%s", what);
	*dst = port;
	return 0;
}

/* Parse a CIDR given to option, with the option and the text in every message. */
static int parse_option_prefix(struct prefix *p, const char *option, const char *text,
			       struct xerr *e)
{
	if (prefix_parse(p, text, e) < 0)
		return xerr_wrap(e, "%s", option);
	return 0;
}

/*
 * Add p to list (IPv4 or IPv6 half of one option) unless it overlaps an
 * element already there: nft refuses overlapping elements in an interval set.
 */
static int list_add(char list[][48], size_t *n, const struct prefix *p, const char *option,
		    const char *shown, struct xerr *e)
{
	for (size_t i = 0; i < *n; i++) {
		struct prefix q;

		if (prefix_parse(&q, list[i], e) < 0)
			return xerr_wrap(e, "%s: stored value", option);
		if (prefix_equal(&q, p)) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "%s %s is given twice", option, shown);
			return xerr_hint(e, "give each prefix once");
		}
		if (prefix_overlaps(&q, p)) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "%s %s overlaps %s, given before",
				 option, shown, list[i]);
			return xerr_hint(e, "give each network once, without overlaps: nft refuses "
					 "overlapping elements in an interval set");
		}
	}
	if (*n >= POLICY_MAX_LIST)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "%s: too many prefixes (at most %d)",
				option, POLICY_MAX_LIST);
	prefix_format(p, list[*n], 48);
	(*n)++;
	return 0;
}

static bool too_wide(const struct prefix *p)
{
	return p->len < (p->family == AF_INET6 ? MESH_MIN_LEN6 : MESH_MIN_LEN4);
}

int policy_values_add_mesh(struct policy_values *v, const char *cidr, struct xerr *e)
{
	struct prefix p;
	char shown[80];

	if (parse_option_prefix(&p, "--mesh", cidr, e) < 0)
		return -1;
	addr_shown(shown, sizeof(shown), cidr);
	if (too_wide(&p)) {
		if (p.len == 0)
			xerr_set(e, XNFT_EXIT_FINDINGS, "--mesh %s: the whole internet is not a mesh",
				 shown);
		else
			xerr_set(e, XNFT_EXIT_FINDINGS, "--mesh %s is far too wide for a mesh (shorter "
				 "than /%d): the whole internet is not a mesh", shown,
				 p.family == AF_INET6 ? MESH_MIN_LEN6 : MESH_MIN_LEN4);
		return xerr_hint(e, "give the mesh's own prefix, like 10.10.0.0/24 or fd10::/64 "
				 "(at least /%d for IPv4, /%d for IPv6)", MESH_MIN_LEN4, MESH_MIN_LEN6);
	}
	if (p.family == AF_INET6)
		return list_add(v->mesh6, &v->n_mesh6, &p, "--mesh", shown, e);
	return list_add(v->mesh4, &v->n_mesh4, &p, "--mesh", shown, e);
}

/* Address blocks reserved for examples in documentation: never a real admin. */
static const struct {
	const char *cidr;
	const char *rfc;
} doc_ranges[] = {
	{ "192.0.2.0/24",    "RFC 5737" },
	{ "198.51.100.0/24", "RFC 5737" },
	{ "203.0.113.0/24",  "RFC 5737" },
	{ "2001:db8::/32",   "RFC 3849" },
};

static int check_admin_real(const struct prefix *p, const char *shown, struct xerr *e)
{
	for (size_t i = 0; i < sizeof(doc_ranges) / sizeof(doc_ranges[0]); i++) {
		struct prefix doc;

		if (prefix_parse(&doc, doc_ranges[i].cidr, e) < 0)
			return -1;
		if (!prefix_contains(&doc, p))
			continue;
		xerr_set(e, XNFT_EXIT_FINDINGS, "--admin %s is inside the documentation range %s "
			 "(%s): no packet ever comes from there", shown, doc_ranges[i].cidr,
			 doc_ranges[i].rfc);
		return xerr_hint(e, "a break-glass address must be real: give the public address "
				 "you connect from when the mesh is down");
	}
	if (too_wide(p)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--admin %s would open break-glass SSH to %s",
			 shown, p->len ? "a large part of the internet" : "the whole internet");
		return xerr_hint(e, "give the addresses you administer from, as narrow as possible "
				 "(at least /%d for IPv4, /%d for IPv6)", MESH_MIN_LEN4, MESH_MIN_LEN6);
	}
	return 0;
}

int policy_values_add_admin(struct policy_values *v, const char *cidr, struct xerr *e)
{
	struct prefix p;
	char shown[80];

	if (parse_option_prefix(&p, "--admin", cidr, e) < 0)
		return -1;
	addr_shown(shown, sizeof(shown), cidr);
	if (check_admin_real(&p, shown, e) < 0)
		return -1;
	if (p.family == AF_INET6)
		return list_add(v->admin6, &v->n_admin6, &p, "--admin", shown, e);
	return list_add(v->admin4, &v->n_admin4, &p, "--admin", shown, e);
}

bool policy_service_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > SERVICE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Split "PROTO/PORT[:NAME]" into s, with every message naming the spec. */
static int parse_service(struct policy_service *s, const char *spec, struct xerr *e)
{
	char shown[80], buf[128], *slash, *colon;

	addr_shown(shown, sizeof(shown), spec);
	memset(s, 0, sizeof(*s));
	if (!spec || strnlen(spec, sizeof(buf)) >= sizeof(buf) || !(slash = strchr(spec, '/'))) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--service '%s': expected PROTO/PORT[:NAME]", shown);
		return xerr_hint(e, "write it like tcp/443:https or udp/53");
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	slash = buf + (slash - spec);
	*slash = '\0';
	colon = strchr(slash + 1, ':');
	if (colon)
		*colon = '\0';
	if (strcmp(buf, "tcp") && strcmp(buf, "udp")) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--service '%s': protocol '%s' is not tcp or udp",
			 shown, buf);
		return xerr_hint(e, "write it like tcp/443:https or udp/53 (lower case)");
	}
	snprintf(s->proto, sizeof(s->proto), "%s", buf);
	if (port_parse(&s->port, slash + 1, e) < 0)
		return xerr_wrap(e, "--service '%s'", shown);
	if (colon && !policy_service_name_ok(colon + 1)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--service '%s': the name must be 1..%d characters "
			 "from A-Z a-z 0-9 . _ -", shown, SERVICE_NAME_MAX);
		return xerr_hint(e, "the name goes into the rule's comment, like tcp/443:https");
	}
	snprintf(s->name, sizeof(s->name), "%s", colon ? colon + 1 : "");
	if (!colon)
		snprintf(s->name, sizeof(s->name), "%s/%u", s->proto, s->port);
	return 0;
}

int policy_values_add_service(struct policy_values *v, const char *spec, struct xerr *e)
{
	struct policy_service s;
	char shown[80];

	if (parse_service(&s, spec, e) < 0)
		return -1;
	addr_shown(shown, sizeof(shown), spec);
	for (size_t i = 0; i < v->n_services; i++) {
		const struct policy_service *o = &v->services[i];

		if (o->port == s.port && !strcmp(o->proto, s.proto)) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "--service '%s' repeats %s/%u, given before "
				 "as '%s'", shown, s.proto, s.port, o->name);
			return xerr_hint(e, "give each service once");
		}
	}
	if (v->n_services >= POLICY_MAX_LIST)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "--service: too many services (at most %d)",
				POLICY_MAX_LIST);
	v->services[v->n_services++] = s;
	return 0;
}

int policy_values_exempt_bogon(struct policy_values *v, const char *cidr, struct xerr *e)
{
	struct prefix p;
	char shown[80];

	if (parse_option_prefix(&p, "--bogon-exempt", cidr, e) < 0)
		return -1;
	addr_shown(shown, sizeof(shown), cidr);
	for (size_t i = 0; i < v->n_bogon_exempt; i++) {
		struct prefix q;

		if (prefix_parse(&q, v->bogon_exempt[i], e) == 0 && prefix_equal(&p, &q)) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "--bogon-exempt %s is given twice", shown);
			return xerr_hint(e, "give each prefix once");
		}
	}
	if (v->n_bogon_exempt >= POLICY_MAX_LIST)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "--bogon-exempt: too many prefixes (at most %d)",
				POLICY_MAX_LIST);
	prefix_format(&p, v->bogon_exempt[v->n_bogon_exempt++], 48);
	return 0;
}

static int validate_service_ports(const struct policy_values *v, struct xerr *e)
{
	for (size_t i = 0; i < v->n_services; i++) {
		const struct policy_service *s = &v->services[i];

		if (s->port == v->ssh_port) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "--service %s/%u: port %u is the SSH port, which "
				 "the policy already opens to mesh peers (rate-limited)",
				 s->proto, s->port, s->port);
			return xerr_hint(e, "drop this --service; to move SSH, use --ssh-port");
		}
		if (s->port == v->wg_port) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "--service %s/%u: port %u is the WireGuard port, "
				 "which the policy opens to everyone for handshakes",
				 s->proto, s->port, s->port);
			return xerr_hint(e, "drop this --service; to move WireGuard, use --wg-port");
		}
	}
	return 0;
}

#define LOG_GROUP_MAX 65535

int policy_values_set_log(struct policy_values *v, const char *spec, struct xerr *e)
{
	const char *num;
	unsigned long g = 0;

	if (!strcmp(spec, "kernel")) {
		v->log_nflog = false;
		v->log_group = 0;
		return 0;
	}
	if (strncmp(spec, "nflog:", 6))
		goto bad;
	num = spec + 6;
	if (!*num || strlen(num) > 5)
		goto bad;
	for (const char *p = num; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		g = g * 10 + (unsigned long)(*p - '0');
	}
	if (g > LOG_GROUP_MAX || (num[0] == '0' && num[1]))
		goto bad;
	v->log_nflog = true;
	v->log_group = (unsigned)g;
	return 0;
bad:
	xerr_set(e, XNFT_EXIT_FINDINGS, "--log '%.64s' is not kernel or nflog:GROUP", spec);
	return xerr_hint(e, "--log kernel logs to the kernel log (journal, dmesg); --log nflog:5 "
			 "sends the drops to NFLOG group 5 (0..65535), for xnft events --source nflog:5");
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '$' || c == '@';
}

/* The word before position i (skipping blanks): its start and length. */
static size_t word_before(const char *line, size_t i, size_t *start)
{
	size_t end = i;

	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	*start = end;
	while (*start > 0 && is_word_char(line[*start - 1]))
		(*start)--;
	return end - *start;
}

/* Is the `log` at i a log statement that has no group yet? */
static bool log_statement_at(const char *line, size_t len, size_t i)
{
	static const char *const not_after[] = { "jump", "goto", "chain", NULL };
	size_t j = i + 3, ws, wn;

	if (len - i < 3 || memcmp(line + i, "log", 3) || (i > 0 && is_word_char(line[i - 1])))
		return false;
	if (j < len && is_word_char(line[j]))
		return false;   /* "logging", "log_x" */
	/* A chain named log: `jump log`. */
	wn = word_before(line, i, &ws);
	for (const char *const *w = not_after; *w; w++) {
		if (wn == strlen(*w) && !memcmp(line + ws, *w, wn))
			return false;
	}
	while (j < len && (line[j] == ' ' || line[j] == '\t'))
		j++;
	return !(len - j >= 5 && !memcmp(line + j, "group", 5) &&
		 (len - j == 5 || !is_word_char(line[j + 5])));
}

int policy_render_log_line(const char *line, size_t len, unsigned group, char *out, size_t size)
{
	size_t o = 0;
	bool in_string = false;
	char ins[24];
	int insn = snprintf(ins, sizeof(ins), " group %u", group);

	for (size_t i = 0; i < len; i++) {
		char ch = line[i];

		if (!in_string && ch == '#') {
			/* A comment: the rest of the line stays as it is. */
			if (o + (len - i) >= size)
				return -1;
			memcpy(out + o, line + i, len - i);
			o += len - i;
			break;
		}
		if (ch == '"')
			in_string = !in_string;
		if (!in_string && log_statement_at(line, len, i)) {
			if (o + 3 + (size_t)insn >= size)
				return -1;
			memcpy(out + o, "log", 3);
			memcpy(out + o + 3, ins, (size_t)insn);
			o += 3 + (size_t)insn;
			i += 2;
			continue;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = ch;
	}
	out[o] = '\0';
	return (int)o;
}

int policy_values_validate(const struct policy_values *v, struct xerr *e)
{
	unsigned port;

	if (v->log_nflog && v->log_group > LOG_GROUP_MAX)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "--log nflog:%u: the group is out of range "
				"0..%u", v->log_group, LOG_GROUP_MAX);

	if (ifname_validate(v->wan_if, e) < 0)
		return xerr_wrap(e, "--wan");
	if (ifname_validate(v->mesh_if, e) < 0)
		return xerr_wrap(e, "--mesh-if");
	if (!strcmp(v->wan_if, v->mesh_if)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--wan and --mesh-if are both '%s'", v->wan_if);
		return xerr_hint(e, "the public interface and the WireGuard interface must differ");
	}
	port = v->wg_port;
	if (port < 1 || port > 65535)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "--wg-port %u is out of range 1..65535", port);
	port = v->ssh_port;
	if (port < 1 || port > 65535)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "--ssh-port %u is out of range 1..65535", port);
	if (v->wg_port == v->ssh_port) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--wg-port and --ssh-port are both %u", v->wg_port);
		return xerr_hint(e, "WireGuard and SSH need ports of their own");
	}
	if (v->n_mesh4 + v->n_mesh6 == 0) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "no mesh prefix: the policy needs at least one");
		return xerr_hint(e, "give the mesh's prefix with --mesh, like --mesh 10.10.0.0/24");
	}
	return validate_service_ports(v, e);
}

int policy_detect_wan(char dst[16], const char *route_path)
{
	char line[512], iface[64], best[16] = "";
	unsigned long dest, gw, mask, metric_best = ~0UL;
	unsigned flags, refcnt, use, metric;
	FILE *f = fopen(route_path ? route_path : "/proc/net/route", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... (hex words) */
		if (sscanf(line, "%63s %lx %lx %x %u %u %u %lx", iface, &dest, &gw, &flags,
			   &refcnt, &use, &metric, &mask) != 8)
			continue;
		if (dest != 0 || mask != 0 || !(flags & 0x1) || metric >= metric_best)
			continue;
		if (ifname_validate(iface, NULL) < 0)
			continue;
		snprintf(best, sizeof(best), "%s", iface);
		metric_best = metric;
	}
	fclose(f);
	if (!best[0])
		return 0;
	snprintf(dst, 16, "%s", best);
	return 1;
}
