// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gates of safe apply. Each collects its findings as text for the
 * command to print; the protocol decides what a failure means (--force,
 * --force-intents).
 */
#include "apply/gates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "analyze/lint.h"
#include "analyze/trace.h"
#include "analyze/verify.h"
#include "core/packet.h"
#include "apply/apply_int.h"
#include "apply/lockout.h"
#include "apply/state.h"
#include "core/strbuf.h"

void gate_report_free(struct gate_report *g)
{
	if (!g)
		return;
	strbuf_free(&g->details);
}

/* ---- lint ------------------------------------------------------------------ */

static void lint_finding_text(struct strbuf *s, const struct lint_finding *f)
{
	if (f->file && f->line)
		strbuf_addf(s, "%s:%d: ", f->file, f->line);
	else if (f->where)
		strbuf_addf(s, "%s: ", f->where);
	strbuf_addf(s, "%s[%s]: %s\n", lint_severity_name(f->sev), f->id,
		    f->message ? f->message : "");
	if (f->text)
		strbuf_addf(s, "    %s\n", f->text);
	if (f->hint)
		strbuf_addf(s, "  fix: %s\n", f->hint);
}

/* The gate's report from lint's: errors fail it, with each one in the details. */
void gate_lint_report(const struct lint_report *rep, struct gate_report *g)
{
	size_t nerr = lint_count(rep, LINT_ERROR), nwarn = lint_count(rep, LINT_WARNING);

	for (size_t i = 0; i < rep->n; i++) {
		if (rep->v[i].sev == LINT_ERROR)
			lint_finding_text(&g->details, &rep->v[i]);
	}
	g->outcome = nerr ? GATE_FAIL : GATE_PASS;
	snprintf(g->summary, sizeof(g->summary), "%zu error%s, %zu warning%s%s", nerr,
		 nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s",
		 !nerr && nwarn ? " ('xnft lint' shows them)" : "");
	if (rep->incomplete)
		snprintf(g->summary + strlen(g->summary), sizeof(g->summary) - strlen(g->summary),
			 "; the ruleset was too large for the dead-code checks");
}

/* ---- intents ------------------------------------------------------------------ */

void gate_intents_report(const struct analysis *a, struct gate_report *g)
{
	const struct verify_result *r = &a->intents;
	const struct xerr *e = &a->intents_error;

	memset(g, 0, sizeof(*g));
	if (a->intents_unchecked) {
		g->outcome = GATE_FAIL;
		snprintf(g->summary, sizeof(g->summary), "the intents cannot be checked");
		if (e->file[0] && e->line)
			strbuf_addf(&g->details, "%s:%d: %s\n", e->file, e->line, e->msg);
		else
			strbuf_addf(&g->details, "%s\n", e->msg);
		return;
	}
	if (!a->have_intents) {
		g->outcome = GATE_PASS;
		snprintf(g->summary, sizeof(g->summary),
			 "no intents file (%s): nothing to prove", a->intents_path);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		char *t;

		if (r->items[i].holds)
			continue;
		t = verify_item_format(&r->items[i]);
		if (t) {
			strbuf_addf(&g->details, "%s%s", t, t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");
			free(t);
		}
	}
	g->outcome = r->violated ? GATE_FAIL : GATE_PASS;
	snprintf(g->summary, sizeof(g->summary), "%zu of %zu intent%s hold (%s)", r->held, r->n,
		 r->n == 1 ? "" : "s", r->intents_path);
}

/* ---- lockout ----------------------------------------------------------------- */

static void describe(struct strbuf *s, const struct lockout_conn *c)
{
	const char *fmt = c->family == AF_INET6 ? "  [%s]:%u -> [%s]:%u" : "  %s:%u -> %s:%u";
	char from[64];

	lockout_from_text(c->from, from, sizeof(from));
	strbuf_addf(s, fmt, c->client, c->client_port, c->server, c->server_port);
	strbuf_addf(s, " (from %s, arriving on %s)\n", from, c->iif[0] ? c->iif : "an unknown interface");
}

/* One packet of a session the gate traces: which way, and as which kind of traffic. */
enum conn_pkt { IN_ESTABLISHED, IN_NEW, REPLY_ESTABLISHED, REPLY_NEW, CONN_PKTS };

static const char *const conn_pkt_label[CONN_PKTS] = {
	"as established traffic",
	"as a new connection",
	"its replies (output, postrouting) as established traffic",
	"its replies to a new connection (syn+ack)",
};

/*
 * The packet words of one of a connection's packets. The client's come in
 * by the interface the route to it leaves by; this host's replies leave by
 * it (an output path: oif only).
 */
static void conn_words(const struct lockout_conn *c, enum conn_pkt k, char *buf, size_t n)
{
	const char *ip = c->family == AF_INET6 ? "ip6" : "ip";
	bool reply = k == REPLY_ESTABLISHED || k == REPLY_NEW;
	const char *flags = k == IN_NEW ? "syn" : k == REPLY_NEW ? "syn,ack" : "ack";
	struct fixbuf b = { buf, n, 0 };

	/*
	 * no route back: "lo" holds the place, and conn_packet() empties it to
	 * "an interface no rule names" (the word is still what makes it output)
	 */
	fixbuf_addf(&b, "%s %s ", reply ? "oif" : "iif", c->iif[0] ? c->iif : "lo");
	fixbuf_addf(&b, "%s saddr %s %s daddr %s tcp sport %u tcp dport %u tcp flags %s ct state %s",
		    ip, reply ? c->server : c->client, ip, reply ? c->client : c->server,
		    reply ? c->server_port : c->client_port, reply ? c->client_port : c->server_port,
		    flags, k == IN_NEW ? "new" : "established");
}

static int conn_packet(const struct lockout_conn *c, enum conn_pkt k, struct packet *p,
		       struct xerr *e)
{
	char words[512];

	conn_words(c, k, words, sizeof(words));
	if (packet_parse(p, words, e))
		return -1;
	if (!c->iif[0]) {
		p->iif[0] = '\0';
		p->oif[0] = '\0';
	}
	return 0;
}

/* Why the packet is dropped: the rule (file:line, text) or the chain's policy. */
static void drop_reason(struct strbuf *s, const struct trace_result *t, const char *base_dir)
{
	char where[512];

	if (t->kernel_drop) {
		strbuf_addf(s, "the kernel: %s\n", t->kernel_drop);
		return;
	}
	if (!t->decided_by) {
		strbuf_addf(s, "the policy (drop) of chain %s %s %s\n",
		       t->decided_chain ? rs_family_name(t->decided_chain->table->family) : "?",
		       t->decided_chain ? t->decided_chain->table->name : "?",
		       t->decided_chain ? t->decided_chain->name : "?");
		return;
	}
	trace_rule_where(t->decided_by, base_dir, where, sizeof(where));
	if (t->decided_by->loc.text) {
		strbuf_addf(s, "%s: %s\n", where, t->decided_by->loc.text);
	} else {
		char *txt = ruleset_rule_format(t->decided_by, false);

		strbuf_addf(s, "%s: %s\n", where, txt ? txt : "?");
		free(txt);
	}
}

/*
 * Trace one connection through the new ruleset: the client's packets as
 * established and as new ones (the admin must keep the session and be able
 * to open another), and this host's replies to both. Limits are taken as
 * not exceeded: a well-behaved admin. Returns the CONN_PKTS bits dropped.
 */
static unsigned lockout_trace_conn(const struct ruleset *rs, const struct lockout_conn *c,
				   const char *base_dir, struct strbuf *details)
{
	static const enum conn_pkt order[CONN_PKTS] = { IN_ESTABLISHED, REPLY_ESTABLISHED,
							IN_NEW, REPLY_NEW };
	struct trace_opts o = { 0 };
	unsigned cut = 0;

	for (size_t i = 0; i < CONN_PKTS; i++) {
		enum conn_pkt k = order[i];
		struct trace_result t;
		struct packet p;
		struct xerr e;

		xerr_clear(&e);
		if (conn_packet(c, k, &p, &e) || trace_packet(rs, &p, &o, &t, &e)) {
			if (!cut)
				describe(details, c);
			strbuf_addf(details, "    %s: cannot be traced (%s)\n", conn_pkt_label[k], e.msg);
			cut |= 1u << k;
			continue;
		}
		if (t.verdict != TRACE_V_ACCEPT) {
			if (!cut)
				describe(details, c);
			strbuf_addf(details, "    %s: DROPPED by ", conn_pkt_label[k]);
			drop_reason(details, &t, base_dir);
			cut |= 1u << k;
		}
		trace_result_free(&t);
	}
	return cut;
}

/* SSH_PORT of the last confirmed policy (fallback.values), or 0 when unknown. */
static uint16_t running_ssh_port(void)
{
	struct fallback_values *v = calloc(1, sizeof(*v));
	struct xerr ignored;
	char *text = NULL;
	uint16_t port = 0;

	if (v && state_read(ST_FALLBACK_VALUES, &text, NULL, &ignored) == 0) {
		fallback_values_parse(text, v);
		port = (uint16_t)v->ssh_port;
	}
	free(text);
	free(v);
	return port;
}

static void ports_text(const struct lockout_ports *p, char *buf, size_t n)
{
	struct fixbuf b = { buf, n, 0 };

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		fixbuf_addf(&b, "%s%u", i ? ", " : "", p->v[i]);
}

/*
 * A policy whose SSH_PORT is not a port sshd serves leaves new SSH
 * connections nowhere to go (the old port closed, nothing on the new one):
 * 1 when that is so, with the finding in the report.
 */
static int sshd_port_mismatch(const struct lockout_conns *c, uint16_t new_port,
			      uint16_t running_port, struct gate_report *g)
{
	char ports[128];

	if (!new_port || !c->sshd_ports.n || lockout_ports_has(&c->sshd_ports, new_port))
		return 0;
	ports_text(&c->sshd_ports, ports, sizeof(ports));
	strbuf_addf(&g->details, "  the new policy's SSH_PORT is %u, but sshd serves port %s", new_port,
		    ports);
	if (running_port && running_port != new_port)
		strbuf_addf(&g->details, " (the confirmed policy's SSH_PORT is %u)", running_port);
	strbuf_addf(&g->details, ": new SSH connections would be dropped on %s and find no sshd on "
		    "%u\n", ports, new_port);
	snprintf(g->hint, sizeof(g->hint), "make sshd listen on port %u as well (`Port %u` next to "
		 "the old one in sshd_config, then reload sshd) and apply again; or keep "
		 "`define SSH_PORT = %u`", new_port, new_port, c->sshd_ports.v[0]);
	return 1;
}

/* What to do about a connection the new policy cuts (bits: the packets dropped). */
static void lockout_hint(const struct lockout_conn *c, unsigned cut, char *hint, size_t n)
{
	const char *plen = c->family == AF_INET6 ? "128" : "32";

	if (cut & (1u << IN_ESTABLISHED | 1u << IN_NEW))
		snprintf(hint, n, "to keep SSH from %s, let its address in: add it to the admin "
			 "allowlist (`xnft init --admin %s/%s` writes a policy with it in "
			 "ADMIN_ALLOWLIST%s), or change the rule named above; or apply from a console",
			 c->client, c->client, plen, c->family == AF_INET6 ? "6" : "");
	else
		snprintf(hint, n, "the rule named above drops this host's SSH replies to %s: remove "
			 "it or let `ct state established` through before it in the output chain, "
			 "then apply again", c->client);
}

static void lockout_summary(const struct lockout_conns *c, size_t cut, bool port_bad,
			    struct gate_report *g)
{
	char ports[128];

	g->outcome = cut || port_bad ? GATE_FAIL : GATE_PASS;
	if (cut)
		snprintf(g->summary, sizeof(g->summary),
			 "%zu of %zu SSH connection(s) would be cut by the new policy (or could not "
			 "be opened again)", cut, c->n);
	else if (port_bad)
		snprintf(g->summary, sizeof(g->summary),
			 "the new policy moves SSH to a port sshd does not listen on");
	else if (c->n)
		snprintf(g->summary, sizeof(g->summary),
			 "%zu SSH connection(s) to this host stay open, as established "
			 "traffic and as new connections, both ways", c->n);
	else
		snprintf(g->summary, sizeof(g->summary),
			 "no SSH connection to this host (SSH_CONNECTION unset, no sshd session "
			 "socket, none in conntrack)");
	if (g->outcome == GATE_PASS) {
		for (size_t i = 0; i < c->n; i++)
			describe(&g->details, &c->v[i]);
		ports_text(&c->sshd_ports, ports, sizeof(ports));
		if (c->sshd_ports.n)
			strbuf_addf(&g->details, "  sshd serves port %s\n", ports);
	}
}

int gate_lockout(const struct ruleset *rs, const char *base_dir,
		 const struct fallback_values *hostv, struct gate_report *g, struct xerr *e)
{
	struct lockout_ports ports = { { 22 }, 1 };
	uint16_t new_port = hostv ? (uint16_t)hostv->ssh_port : 0, running = running_ssh_port();
	struct lockout_conns conns;
	size_t cut = 0;
	int port_bad;

	memset(g, 0, sizeof(*g));
	lockout_ports_add(&ports, new_port);
	lockout_ports_add(&ports, running);
	if (lockout_collect(&ports, &conns, e))
		return xerr_wrap(e, "lockout guard");
	for (size_t i = 0; i < conns.n; i++) {
		unsigned bits = lockout_trace_conn(rs, &conns.v[i], base_dir, &g->details);

		if (bits && !cut++)
			lockout_hint(&conns.v[i], bits, g->hint, sizeof(g->hint));
	}
	port_bad = sshd_port_mismatch(&conns, new_port, running, g);
	lockout_summary(&conns, cut, port_bad, g);
	lockout_conns_free(&conns);
	return 0;
}
