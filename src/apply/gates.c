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

void gate_report_free(struct gate_report *g)
{
	if (!g)
		return;
	free(g->details);
	g->details = NULL;
}

/* ---- lint ------------------------------------------------------------------ */

static void lint_finding_text(char **s, const struct lint_finding *f)
{
	if (f->file && f->line)
		apply_append(s, "%s:%d: ", f->file, f->line);
	else if (f->where)
		apply_append(s, "%s: ", f->where);
	apply_append(s, "%s[%s]: %s\n", lint_severity_name(f->sev), f->id,
		     f->message ? f->message : "");
	if (f->text)
		apply_append(s, "    %s\n", f->text);
	if (f->hint)
		apply_append(s, "  fix: %s\n", f->hint);
}

/* The gate's report from lint's: errors fail it, with each one in the details. */
static void lint_gate_report(const struct lint_report *rep, struct gate_report *g)
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

int gate_lint(const char *policy, const struct ruleset *rs, struct gate_report *g,
	      struct xerr *e)
{
	struct lint_report rep;

	memset(g, 0, sizeof(*g));
	memset(&rep, 0, sizeof(rep));
	if (lint_check(policy, rs, &rep, e)) {
		lint_report_free(&rep);
		return xerr_wrap(e, "lint");
	}
	lint_gate_report(&rep, g);
	lint_report_free(&rep);
	return 0;
}

int gate_lint_finish(struct lint_async *la, const struct ruleset *rs, struct gate_report *g,
		     struct xerr *e)
{
	struct lint_report rep;

	memset(g, 0, sizeof(*g));
	if (lint_async_finish(la, rs, &rep, e)) {
		lint_report_free(&rep);
		return xerr_wrap(e, "lint");
	}
	lint_gate_report(&rep, g);
	lint_report_free(&rep);
	return 0;
}

/* ---- intents ------------------------------------------------------------------ */

int gate_intents(const char *entry, const char *incdir, const struct ruleset *rs,
		 struct gate_report *g, struct xerr *e)
{
	struct verify_result r;
	char path[4200];
	const char *slash = strrchr(entry, '/');
	struct stat st;

	memset(g, 0, sizeof(*g));
	snprintf(path, sizeof(path), "%.*s/intents", slash ? (int)(slash - entry) : 1,
		 slash ? entry : ".");
	if (stat(path, &st)) {
		g->outcome = GATE_PASS;
		snprintf(g->summary, sizeof(g->summary),
			 "no intents file (%s): nothing to prove", path);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (verify_policy(entry, incdir, rs, NULL, path, &r, e)) {
		verify_result_free(&r);
		if (e->code != XNFT_EXIT_FINDINGS)
			return xerr_wrap(e, "intents");
		/* intents that do not parse, or name what the policy lacks, fail the gate */
		g->outcome = GATE_FAIL;
		snprintf(g->summary, sizeof(g->summary), "the intents cannot be checked");
		if (e->file[0] && e->line)
			apply_append(&g->details, "%s:%d: %s\n", e->file, e->line, e->msg);
		else
			apply_append(&g->details, "%s\n", e->msg);
		xerr_clear(e);
		return 0;
	}
	for (size_t i = 0; i < r.n; i++) {
		char *t;

		if (r.items[i].holds)
			continue;
		t = verify_item_format(&r.items[i]);
		if (t) {
			apply_append(&g->details, "%s%s", t, t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");
			free(t);
		}
	}
	g->outcome = r.violated ? GATE_FAIL : GATE_PASS;
	snprintf(g->summary, sizeof(g->summary), "%zu of %zu intent%s hold (%s)", r.held, r.n,
		 r.n == 1 ? "" : "s", r.intents_path);
	verify_result_free(&r);
	return 0;
}

/* ---- lockout ----------------------------------------------------------------- */

static void describe(char **s, const struct lockout_conn *c)
{
	const char *fmt = c->family == AF_INET6 ? "  [%s]:%u -> [%s]:%u" : "  %s:%u -> %s:%u";

	apply_append(s, fmt, c->client, c->client_port, c->server, c->server_port);
	apply_append(s, " (from %s, arriving on %s)\n", c->source, c->iif[0] ? c->iif : "an unknown interface");
}

/* The packet words of one connection's packet: established (ack) or new (syn). */
static void conn_words(const struct lockout_conn *c, bool established, char *buf, size_t n)
{
	const char *ip = c->family == AF_INET6 ? "ip6" : "ip";
	int w = 0;

	if (c->iif[0])
		w = snprintf(buf, n, "iif %s ", c->iif);
	snprintf(buf + w, n - (size_t)w,
		 "%s saddr %s %s daddr %s tcp sport %u tcp dport %u tcp flags %s ct state %s", ip,
		 c->client, ip, c->server, c->client_port, c->server_port,
		 established ? "ack" : "syn", established ? "established" : "new");
}

/* Why the packet is dropped: the rule (file:line, text) or the chain's policy. */
static void drop_reason(char **s, const struct trace_result *t, const char *base_dir)
{
	char where[512];

	if (!t->decided_by) {
		apply_append(s, "the policy (drop) of chain %s %s %s\n",
		       t->decided_chain ? rs_family_name(t->decided_chain->table->family) : "?",
		       t->decided_chain ? t->decided_chain->table->name : "?",
		       t->decided_chain ? t->decided_chain->name : "?");
		return;
	}
	trace_rule_where(t->decided_by, base_dir, where, sizeof(where));
	if (t->decided_by->loc.text) {
		apply_append(s, "%s: %s\n", where, t->decided_by->loc.text);
	} else {
		char *txt = ruleset_rule_format(t->decided_by, false);

		apply_append(s, "%s: %s\n", where, txt ? txt : "?");
		free(txt);
	}
}

/*
 * Trace one connection through the new ruleset, as an established packet
 * and as a new one (the admin must keep the session and be able to open
 * another). Limits are taken as not exceeded: a well-behaved admin.
 */
static enum gate_outcome lockout_trace_conn(const struct ruleset *rs, const struct lockout_conn *c,
					    const char *base_dir, char **details)
{
	static const char *const label[2] = { "as a new connection", "as established traffic" };
	enum gate_outcome out = GATE_PASS;
	struct trace_opts o = { 0 };

	for (int est = 1; est >= 0; est--) {
		struct trace_result t;
		struct packet p;
		char words[512];
		struct xerr e;

		conn_words(c, est, words, sizeof(words));
		if (packet_parse(&p, words, &e) || trace_packet(rs, &p, &o, &t, &e)) {
			if (out == GATE_PASS)
				describe(details, c);
			apply_append(details, "    %s: cannot be traced (%s)\n", label[est], e.msg);
			out = GATE_FAIL;
			continue;
		}
		if (t.verdict != TRACE_V_ACCEPT) {
			if (out == GATE_PASS)
				describe(details, c);
			apply_append(details, "    %s: DROPPED by ", label[est]);
			drop_reason(details, &t, base_dir);
			out = GATE_FAIL;
		}
		trace_result_free(&t);
	}
	return out;
}

int gate_lockout(const struct ruleset *rs, const char *base_dir,
		 const struct fallback_values *hostv, struct gate_report *g, struct xerr *e)
{
	uint16_t ports[2] = { 22, 0 };
	struct lockout_conns conns;
	size_t nports = 1, cut = 0;

	memset(g, 0, sizeof(*g));
	if (hostv && hostv->ssh_port && hostv->ssh_port != 22)
		ports[nports++] = (uint16_t)hostv->ssh_port;
	if (lockout_collect(ports, nports, &conns, e))
		return xerr_wrap(e, "lockout guard");
	for (size_t i = 0; i < conns.n; i++) {
		enum gate_outcome o = lockout_trace_conn(rs, &conns.v[i], base_dir, &g->details);

		if (o == GATE_FAIL)
			cut++;
	}
	if (cut) {
		g->outcome = GATE_FAIL;
		snprintf(g->summary, sizeof(g->summary),
			 "%zu of %zu SSH connection(s) would be cut by the new policy", cut, conns.n);
	} else {
		g->outcome = GATE_PASS;
		if (conns.n)
			snprintf(g->summary, sizeof(g->summary),
				 "%zu SSH connection(s) to this host stay open, as established "
				 "traffic and as new connections", conns.n);
		else
			snprintf(g->summary, sizeof(g->summary),
				 "no SSH connection to this host (SSH_CONNECTION unset, none in "
				 "conntrack)");
	if (!cut && conns.n) {
		for (size_t i = 0; i < conns.n; i++)
			describe(&g->details, &conns.v[i]);
	}
	}
	lockout_conns_free(&conns);
	return 0;
}
