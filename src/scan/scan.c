// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft scan's engine: nmap, spawned from an argument vector, its -oX report
 * written to a private temporary directory and read back with nmapxml.
 * TCP SYN (connect when not root: SYN needs raw sockets) and UDP.
 */
#include "scan/scan.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/spawn.h"

/* nmap's report for one host and a few thousand ports is well under this */
#define SCAN_REPORT_MAX (64u << 20)

/* "1-1024" plus every port the proof opens below 65536, as nmap's list. */
static char *default_ports(const bool *open)
{
	size_t cap = 16, len;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	len = (size_t)snprintf(s, cap, "1-1024");
	for (size_t p = 1025; p < 65536; p++) {
		if (!open[p])
			continue;
		if (len + 8 > cap) {
			char *g = realloc(s, cap * 2 + 8);

			if (!g) {
				free(s);
				return NULL;
			}
			s = g;
			cap = cap * 2 + 8;
		}
		len += (size_t)snprintf(s + len, cap - len, ",%zu", p);
	}
	return s;
}

static int read_report(const char *path, struct nmap_report *rep, struct xerr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (fd < 0 || fd_read_all(fd, SCAN_REPORT_MAX, &buf, &len)) {
		if (fd >= 0)
			close(fd);
		xerr_set(e, XNFT_EXIT_USAGE, "nmap wrote no readable report (%s)", path);
		return xerr_hint(e, "run the same nmap command by hand to see why");
	}
	close(fd);
	rc = nmapxml_parse(buf, len, "nmap report", rep, e);
	free(buf);
	return rc;
}

/*
 * One nmap run each. The first is judged both ways; the stealth scans of
 * the hardening checklist (NULL, XMAS, FIN) only for ports that reached the
 * host: a listening port answers them with silence, like a dropped one.
 */
struct scan_kind {
	const char *name;
	const char *flag;
	bool udp;          /* with -sU in the same run */
	bool judge_silent;
};

static const struct scan_kind root_kinds[] = {
	{ "syn", "-sS", true, true },
	{ "null", "-sN", false, false },
	{ "xmas", "-sX", false, false },
	{ "fin", "-sF", false, false },
};
/* without root, nmap can only connect() */
static const struct scan_kind user_kind = { "connect", "-sT", false, true };

/* nmap's argv: -oX into dir, the scan type, ports, rate, family, target. */
static int run_nmap(const struct scan_opts *o, const struct scan_kind *k, const char *ports,
		    const char *xml, struct xerr *e)
{
	char portarg[64 + 2 * 4096], rate[32];
	const char *argv[24];
	size_t n = 0;
	char *out = NULL;
	int rc;

	if (snprintf(portarg, sizeof(portarg), k->udp ? "T:%s,U:%s" : "T:%s", ports, ports) >=
	    (int)sizeof(portarg))
		return xerr_set(e, XNFT_EXIT_USAGE, "scan: the port list is too long for nmap's -p");
	argv[n++] = o->nmap ? o->nmap : "nmap";
	argv[n++] = "-n";
	argv[n++] = "-Pn";
	argv[n++] = "--max-retries";
	argv[n++] = "1";
	argv[n++] = "--host-timeout";
	argv[n++] = "300s";
	argv[n++] = k->flag;
	if (k->udp)
		argv[n++] = "-sU";
	if (o->max_rate) {
		snprintf(rate, sizeof(rate), "%u", o->max_rate);
		argv[n++] = "--max-rate";
		argv[n++] = rate;
	}
	if (o->ipv6)
		argv[n++] = "-6";
	argv[n++] = "-p";
	argv[n++] = portarg;
	argv[n++] = "-oX";
	argv[n++] = xml;
	argv[n++] = o->target;
	argv[n] = NULL;
	rc = spawn_capture((char *const *)argv, &out, e);
	if (rc) {
		/* nmap's own words say why: keep the last of them */
		if (out && *out) {
			size_t l = strlen(out);

			while (l && out[l - 1] == '\n')
				out[--l] = '\0';
			xerr_wrap(e, "nmap failed: %.300s", l > 300 ? out + l - 300 : out);
		} else {
			xerr_wrap(e, "nmap failed");
		}
		xerr_hint(e, "is nmap installed (apt-get install nmap) and is the target right?");
	}
	free(out);
	return rc;
}

static int append_drift(struct scan_result *r, const struct scan_drift *d, struct xerr *e)
{
	struct scan_drift *g = realloc(r->drift, (r->ndrift + 1) * sizeof(*g));

	if (!g)
		return xerr_set(e, XNFT_EXIT_USAGE, "scan: out of memory");
	r->drift = g;
	r->drift[r->ndrift++] = *d;
	return 0;
}

static int add_drift(struct scan_result *r, const struct nmap_port *p, const char *kind,
		     bool critical, struct xerr *e)
{
	struct scan_drift d = { .port = p->port, .critical = critical };

	snprintf(d.proto, sizeof(d.proto), "%s", p->proto);
	snprintf(d.observed, sizeof(d.observed), "%s", p->state);
	snprintf(d.scan, sizeof(d.scan), "%s", strcmp(p->proto, "udp") ? kind : "udp");
	return append_drift(r, &d, e);
}

/* nmap's "1-30,8080" list (<scaninfo services>, <extrareasons ports>): each port gets state. */
static void set_states(const char *list, const char *state, const char **states)
{
	const char *p = list;

	while (p && *p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long v = lo; v >= 0 && v <= hi && v < 65536; v++)
			states[v] = state;
		if (*end && *end != ',')
			return;
		p = *end ? end + 1 : end;
	}
}

/*
 * Every port's state for proto: listed ports, then the runs <extrareasons>
 * names, then the last <extraports> state (nmap before 7.90 names no runs;
 * with one folded state, that is it). Filtered when the report says nothing.
 */
static void port_states(const struct nmap_report *rep, const char *proto, const char **states)
{
	const char *fallback = rep->extra_state[0] ? rep->extra_state : "filtered";

	for (size_t p = 0; p < 65536; p++)
		states[p] = fallback;
	for (size_t i = 0; i < rep->nextras; i++)
		if (!strcmp(rep->extras[i].proto, proto))
			set_states(rep->extras[i].ports, rep->extras[i].state, states);
	for (size_t i = 0; i < rep->nports; i++)
		if (!strcmp(rep->ports[i].proto, proto))
			states[rep->ports[i].port] = rep->ports[i].state;
}

/*
 * A port reached the host when nmap saw it open or closed (the host's own
 * answer: a SYN-ACK, a RST, an ICMP port unreachable); filtered means the
 * firewall dropped the probe. Predicted closed but reached: critical.
 * Predicted open TCP but not open: silent. A UDP service's silence is its
 * normal answer, so only "closed" (nothing listening) is silent there.
 */
static int compare_proto(struct scan_result *r, const char *proto, const bool *predicted,
			 const char *services, const char *kind, bool judge_silent, struct xerr *e)
{
	const char **scanned = calloc(65536, sizeof(*scanned));
	const char **states = calloc(65536, sizeof(*states));
	bool tcp = !strcmp(proto, "tcp");
	int rc = 0;

	if (!scanned || !states) {
		free(scanned);
		free(states);
		return xerr_set(e, XNFT_EXIT_USAGE, "scan: out of memory");
	}
	set_states(services, "scanned", scanned);
	port_states(&r->report, proto, states);
	for (size_t port = 0; port < 65536 && !rc; port++) {
		struct nmap_port p = { .port = (uint16_t)port };
		bool open, reached;

		if (!scanned[port])
			continue;
		snprintf(p.proto, sizeof(p.proto), "%s", proto);
		snprintf(p.state, sizeof(p.state), "%s", states[port]);
		open = !strcmp(p.state, "open");
		reached = open || !strcmp(p.state, "closed");
		r->nopen += open;
		if (!predicted[port] && reached)
			rc = add_drift(r, &p, kind, true, e);
		else if (judge_silent && predicted[port] && (tcp ? !open : !strcmp(p.state, "closed")))
			rc = add_drift(r, &p, kind, false, e);
	}
	free(scanned);
	free(states);
	return rc;
}

static int compare_report(const struct scan_expect *x, struct scan_result *r, const char *kind,
			  bool judge_silent, struct xerr *e)
{
	if (compare_proto(r, "tcp", x->tcp, r->report.tcp_services, kind, judge_silent, e) ||
	    compare_proto(r, "udp", x->udp, r->report.udp_services, kind, judge_silent, e))
		return -1;
	return 0;
}

int scan_compare(const struct scan_expect *x, struct scan_result *r, struct xerr *e)
{
	return compare_report(x, r, "syn", true, e);
}

static int run_kinds(const struct scan_opts *o, const struct scan_expect *x, const char *ports,
		     const char *xml, struct scan_result *r, struct xerr *e)
{
	bool root = geteuid() == 0;
	size_t nkinds = root ? (o->no_stealth ? 1 : sizeof(root_kinds) / sizeof(root_kinds[0])) : 1;

	for (size_t i = 0; i < nkinds; i++) {
		const struct scan_kind *k = root ? &root_kinds[i] : &user_kind;
		struct scan_result more = { 0 };
		int rc;

		if (run_nmap(o, k, ports, xml, e))
			return -1;
		if (i == 0) {
			if (read_report(xml, &r->report, e) ||
			    compare_report(x, r, k->name, k->judge_silent, e))
				return -1;
			continue;
		}
		rc = read_report(xml, &more.report, e);
		if (!rc)
			rc = compare_report(x, &more, k->name, k->judge_silent, e);
		for (size_t d = 0; !rc && d < more.ndrift; d++)
			rc = append_drift(r, &more.drift[d], e);
		scan_result_free(&more);
		if (rc)
			return -1;
	}
	return 0;
}

int scan_run(const struct scan_opts *o, const struct scan_expect *x, struct scan_result *r,
	     struct xerr *e)
{
	char dir[] = "/tmp/xnft-scan.XXXXXX", xml[sizeof(dir) + 16];
	char *ports = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!o->ports) {
		bool *both = calloc(65536, sizeof(bool));

		if (both) {
			for (size_t p = 0; p < 65536; p++)
				both[p] = x->tcp[p] || x->udp[p];
			ports = default_ports(both);
			free(both);
		}
		if (!ports)
			return xerr_set(e, XNFT_EXIT_USAGE, "scan: out of memory");
	}
	if (!mkdtemp(dir)) {
		free(ports);
		return xerr_set(e, XNFT_EXIT_USAGE, "scan: cannot make a temporary directory in /tmp");
	}
	snprintf(xml, sizeof(xml), "%s/nmap.xml", dir);
	rc = run_kinds(o, x, o->ports ? o->ports : ports, xml, r, e);
	unlink(xml);
	rmdir(dir);
	free(ports);
	return rc;
}

void scan_result_free(struct scan_result *r)
{
	nmapxml_free(&r->report);
	free(r->drift);
	memset(r, 0, sizeof(*r));
}
