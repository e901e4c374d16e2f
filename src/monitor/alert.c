// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor/alert.h"

#include <stdio.h>
#include <stdlib.h>

#include "ban/notify.h"
#include "core/strbuf.h"

/* A digest longer than this lists the rest as a count: chat webhooks cap message sizes. */
#define DIGEST_MAX 3500
/* Messages of their own per run; past this (a flood from a broken or hostile source) the digest. */
#define ALERTS_MAX 20

bool mon_alert_urgent(const struct mon_finding *f)
{
	return f->sev >= MON_SEV_HIGH && f->host != MON_HOST_NOT_AFFECTED;
}

/*
 * Which new findings get a message of their own (the first ALERTS_MAX
 * urgent ones) and which go to the digest (MEDIUM, HIGH/CRITICAL outside
 * this host's versions, urgent ones past the cap).
 */
static void route(struct mon_report *r)
{
	size_t alerts = 0;

	for (size_t i = 0; i < r->findings.n; i++) {
		struct mon_finding *f = &r->findings.v[i];
		bool alert = f->is_new && mon_alert_urgent(f) && alerts < ALERTS_MAX;

		alerts += alert;
		f->in_digest = f->is_new && !alert && f->sev >= MON_SEV_MEDIUM;
	}
}

static char *finding_text(const struct mon_finding *f)
{
	struct strbuf b = { 0 };

	strbuf_addf(&b, "%s\nrule files: %s\n", f->title, f->rules);
	if (f->host_note[0])
		strbuf_addf(&b, "%s\n", f->host_note);
	if (f->cvss > 0)
		strbuf_addf(&b, "CVSS 3.1: %.1f\n", f->cvss);
	strbuf_addf(&b, "%s", f->url);
	return strbuf_take(&b);
}

static void send_urgent(struct notifier *n, struct mon_report *r, struct mon_finding *f)
{
	char title[128], *text = finding_text(f);
	size_t failed;

	snprintf(title, sizeof(title), "xnft monitor: %s %s from %s", mon_severity_name(f->sev),
		 f->source == MONITOR_SRC_NVD ? f->id : "finding", mon_source_label(f->source));
	failed = text ? notifier_send(n, title, text) : 1;
	free(text);
	f->notified = failed == 0;
	r->sent += !failed;
	r->send_failed += failed;
}

static void send_digest(struct notifier *n, struct mon_report *r)
{
	struct strbuf b = { 0 };
	size_t count = 0, listed = 0, failed;
	char title[96], *text;

	for (size_t i = 0; i < r->findings.n; i++) {
		const struct mon_finding *f = &r->findings.v[i];

		if (!f->in_digest)
			continue;
		count++;
		if (b.len > DIGEST_MAX)
			continue;
		listed++;
		strbuf_addf(&b, "- %s [%s] %s (%s)%s%s\n", mon_severity_name(f->sev),
			    mon_source_label(f->source), f->title, f->rules, f->host_note[0] ? "; " : "",
			    f->host_note);
	}
	if (!count) {
		strbuf_free(&b);
		return;
	}
	if (listed < count)
		strbuf_addf(&b, "... and %zu more (xnft monitor --json lists them all)\n",
			    count - listed);
	snprintf(title, sizeof(title), "xnft monitor digest: %zu %s", count,
		 count == 1 ? "finding" : "findings");
	text = strbuf_take(&b);
	failed = text ? notifier_send(n, title, text) : 1;
	free(text);
	r->sent += !failed;
	r->send_failed += failed;
	for (size_t i = 0; !failed && i < r->findings.n; i++) {
		struct mon_finding *f = &r->findings.v[i];

		if (f->in_digest)
			f->notified = true;
	}
}

int mon_alert_open(const struct xnft_config *cfg, struct notifier **n, struct xerr *e)
{
	int rc = notifier_start(cfg, n, e);

	if (rc == 1) {
		notifier_stop(*n);   /* libcurl missing: e says so */
		*n = NULL;
	}
	return rc ? -1 : 0;
}

void mon_alert_send(struct notifier *n, struct mon_report *r)
{
	if (!n)
		return;   /* no endpoint configured */
	route(r);
	for (size_t i = 0; i < r->findings.n; i++) {
		struct mon_finding *f = &r->findings.v[i];

		if (f->is_new && mon_alert_urgent(f) && !f->in_digest)
			send_urgent(n, r, f);
	}
	send_digest(n, r);
}
