// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gates of safe apply. Each collects its findings as text for the
 * command to print; the protocol decides what a failure means (--force,
 * --force-intents).
 */
#include "apply/gates.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lint.h"
#include "apply/lockout.h"

void gate_report_free(struct gate_report *g)
{
	if (!g)
		return;
	free(g->details);
	g->details = NULL;
}

/* Append a formatted line to *s (malloc'd, grows). */
static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(char **s, const char *fmt, ...)
{
	size_t old = *s ? strlen(*s) : 0;
	va_list ap;
	char *ns;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ns = realloc(*s, old + (size_t)n + 1);
	if (!ns)
		return;
	va_start(ap, fmt);
	vsnprintf(ns + old, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*s = ns;
}

/* ---- lint ------------------------------------------------------------------ */

static void lint_finding_text(char **s, const struct lint_finding *f)
{
	if (f->file && f->line)
		append(s, "%s:%d: ", f->file, f->line);
	else if (f->where)
		append(s, "%s: ", f->where);
	append(s, "%s[%s]: %s\n", lint_severity_name(f->sev), f->id, f->message ? f->message : "");
	if (f->text)
		append(s, "    %s\n", f->text);
	if (f->hint)
		append(s, "  fix: %s\n", f->hint);
}

int gate_lint(const char *policy, const struct ruleset *rs, struct gate_report *g,
	      struct xerr *e)
{
	struct lint_report rep;
	size_t nerr, nwarn;

	memset(g, 0, sizeof(*g));
	memset(&rep, 0, sizeof(rep));
	if (lint_check(policy, rs, &rep, e)) {
		lint_report_free(&rep);
		return xerr_wrap(e, "lint");
	}
	nerr = lint_count(&rep, LINT_ERROR);
	nwarn = lint_count(&rep, LINT_WARNING);
	for (size_t i = 0; i < rep.n; i++) {
		if (rep.v[i].sev == LINT_ERROR)
			lint_finding_text(&g->details, &rep.v[i]);
	}
	g->outcome = nerr ? GATE_FAIL : GATE_PASS;
	snprintf(g->summary, sizeof(g->summary), "%zu error%s, %zu warning%s%s", nerr,
		 nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s",
		 nerr ? "" : " (see 'xnft lint' for warnings)");
	if (rep.incomplete)
		snprintf(g->summary + strlen(g->summary), sizeof(g->summary) - strlen(g->summary),
			 "; the ruleset was too large for the dead-code checks");
	lint_report_free(&rep);
	return 0;
}

/* ---- intents ------------------------------------------------------------------ */

int gate_intents(const char *policy, const char *incdir, const struct ruleset *rs,
		 struct gate_report *g, struct xerr *e)
{
	(void)policy;
	(void)incdir;
	(void)rs;
	(void)e;
	memset(g, 0, sizeof(*g));
	g->outcome = GATE_UNAVAILABLE;
	snprintf(g->summary, sizeof(g->summary),
		 "NOT CHECKED: the verify engine is not part of this build");
	return 0;
}

/* ---- lockout ----------------------------------------------------------------- */

static void describe(char **s, const struct lockout_conn *c)
{
	const char *fmt = c->family == AF_INET6 ? "  [%s]:%u -> [%s]:%u" : "  %s:%u -> %s:%u";

	append(s, fmt, c->client, c->client_port, c->server, c->server_port);
	append(s, " (from %s, arriving on %s)\n", c->source, c->iif[0] ? c->iif : "an unknown interface");
}

/*
 * Trace one connection through the new ruleset, as an established packet
 * and as a new one. Needs the concrete tracer; until it is part of the
 * build the connection cannot be judged.
 */
static enum gate_outcome lockout_trace_conn(const struct ruleset *rs, const struct lockout_conn *c,
					    char **details)
{
	(void)rs;
	(void)c;
	(void)details;
	return GATE_UNAVAILABLE;
}

int gate_lockout(const struct ruleset *rs, const struct fallback_values *hostv,
		 struct gate_report *g, struct xerr *e)
{
	uint16_t ports[2] = { 22, 0 };
	struct lockout_conns conns;
	size_t nports = 1, cut = 0, unknown = 0;

	memset(g, 0, sizeof(*g));
	if (hostv && hostv->ssh_port && hostv->ssh_port != 22)
		ports[nports++] = (uint16_t)hostv->ssh_port;
	if (lockout_collect(ports, nports, &conns, e))
		return xerr_wrap(e, "lockout guard");
	for (size_t i = 0; i < conns.n; i++) {
		enum gate_outcome o = lockout_trace_conn(rs, &conns.v[i], &g->details);

		if (o == GATE_FAIL)
			cut++;
		else if (o == GATE_UNAVAILABLE)
			unknown++;
	}
	if (cut) {
		g->outcome = GATE_FAIL;
		snprintf(g->summary, sizeof(g->summary),
			 "%zu of %zu SSH connection(s) would be cut by the new policy", cut, conns.n);
	} else if (unknown) {
		g->outcome = GATE_UNAVAILABLE;
		snprintf(g->summary, sizeof(g->summary),
			 "NOT CHECKED: %zu SSH connection(s) found, but the packet tracer is not "
			 "part of this build", conns.n);
		for (size_t i = 0; i < conns.n; i++)
			describe(&g->details, &conns.v[i]);
	} else {
		g->outcome = GATE_PASS;
		snprintf(g->summary, sizeof(g->summary),
			 conns.n ? "%zu SSH connection(s) stay open (established and new)"
				 : "no SSH connection to this host (%zu)", conns.n);
	}
	lockout_conns_free(&conns);
	return 0;
}
