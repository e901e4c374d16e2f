// SPDX-License-Identifier: GPL-2.0-or-later
#include "scan/nmapxml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

/* A report is one host per target here; a cap keeps hostile input bounded. */
#define NMAPXML_MAX_PORTS 200000

struct parse_state {
	struct nmap_report *r;
	char addr[64];
	struct nmap_port cur;
	bool in_port;
	bool oom;
	bool too_many;
};

static const char *attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	return NULL;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static bool parse_portid(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static void push_port(struct parse_state *st)
{
	struct nmap_report *r = st->r;
	struct nmap_port *grown;

	if (r->nports >= NMAPXML_MAX_PORTS) {
		st->too_many = true;
		return;
	}
	grown = realloc(r->ports, (r->nports + 1) * sizeof(*grown));
	if (!grown) {
		st->oom = true;
		return;
	}
	r->ports = grown;
	r->ports[r->nports++] = st->cur;
}

static void push_extra(struct parse_state *st, const char *proto, const char *ports)
{
	struct nmap_report *r = st->r;
	struct nmap_extra *grown, *x;

	if (r->nextras >= NMAPXML_MAX_PORTS) {
		st->too_many = true;
		return;
	}
	grown = realloc(r->extras, (r->nextras + 1) * sizeof(*grown));
	if (!grown) {
		st->oom = true;
		return;
	}
	r->extras = grown;
	x = &r->extras[r->nextras];
	memset(x, 0, sizeof(*x));
	copy_field(x->proto, sizeof(x->proto), proto);
	copy_field(x->state, sizeof(x->state), r->extra_state);
	x->ports = strdup(ports);
	if (!x->ports) {
		st->oom = true;
		return;
	}
	r->nextras++;
}

static void on_start(void *ud, const char *name, const char **atts)
{
	struct parse_state *st = ud;

	if (!strcmp(name, "host")) {
		st->addr[0] = '\0';
	} else if (!strcmp(name, "address")) {
		const char *type = attr(atts, "addrtype");

		/* the MAC nmap adds on a LAN is not the address scanned */
		if (type && strcmp(type, "mac"))
			copy_field(st->addr, sizeof(st->addr), attr(atts, "addr"));
	} else if (!strcmp(name, "status")) {
		const char *state = attr(atts, "state");

		if (state && !strcmp(state, "up"))
			st->r->nhosts_up++;
	} else if (!strcmp(name, "port")) {
		memset(&st->cur, 0, sizeof(st->cur));
		st->in_port = parse_portid(attr(atts, "portid"), &st->cur.port);
		copy_field(st->cur.addr, sizeof(st->cur.addr), st->addr);
		copy_field(st->cur.proto, sizeof(st->cur.proto), attr(atts, "protocol"));
	} else if (!strcmp(name, "state") && st->in_port) {
		copy_field(st->cur.state, sizeof(st->cur.state), attr(atts, "state"));
	} else if (!strcmp(name, "extraports")) {
		copy_field(st->r->extra_state, sizeof(st->r->extra_state), attr(atts, "state"));
	} else if (!strcmp(name, "extrareasons")) {
		const char *proto = attr(atts, "proto"), *ports = attr(atts, "ports");

		if (proto && ports)
			push_extra(st, proto, ports);
	} else if (!strcmp(name, "scaninfo")) {
		const char *proto = attr(atts, "protocol"), *services = attr(atts, "services");
		char **slot = NULL;

		if (proto && !strcmp(proto, "tcp"))
			slot = &st->r->tcp_services;
		else if (proto && !strcmp(proto, "udp"))
			slot = &st->r->udp_services;
		if (slot && services && !*slot && !(*slot = strdup(services)))
			st->oom = true;
	} else if (!strcmp(name, "finished")) {
		st->r->finished = true;
	}
}

static void on_end(void *ud, const char *name)
{
	struct parse_state *st = ud;

	if (!strcmp(name, "port") && st->in_port) {
		if (st->cur.proto[0] && st->cur.state[0])
			push_port(st);
		st->in_port = false;
	}
}

int nmapxml_parse(const char *buf, size_t len, const char *name, struct nmap_report *out,
		  struct xerr *e)
{
	struct parse_state st = { .r = out };
	XML_Parser p;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	p = XML_ParserCreate(NULL);
	if (!p)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: out of memory for the XML parser", name);
	XML_SetUserData(p, &st);
	XML_SetElementHandler(p, on_start, on_end);
	/* nmap's report needs no entities; refusing them keeps a hostile file from expanding */
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (len > (size_t)INT32_MAX) {
		rc = xerr_set(e, XNFT_EXIT_FINDINGS, "%s: nmap report too large (%zu bytes)", name, len);
	} else if (XML_Parse(p, buf, (int)len, 1) == XML_STATUS_ERROR) {
		rc = xerr_at(e, XNFT_EXIT_FINDINGS, name, (int)XML_GetCurrentLineNumber(p),
			     (int)XML_GetCurrentColumnNumber(p) + 1, "nmap XML report: %s",
			     XML_ErrorString(XML_GetErrorCode(p)));
		xerr_hint(e, "nmap was cut short or wrote something else; run it by hand to see why");
	} else if (st.oom) {
		rc = xerr_set(e, XNFT_EXIT_USAGE, "%s: out of memory reading the nmap report", name);
	} else if (st.too_many) {
		rc = xerr_set(e, XNFT_EXIT_FINDINGS, "%s: more than %d ports in the nmap report",
			      name, NMAPXML_MAX_PORTS);
	} else if (!out->finished) {
		rc = xerr_set(e, XNFT_EXIT_FINDINGS,
			      "%s: the nmap report has no <finished> element: the scan did not complete",
			      name);
	}
	XML_ParserFree(p);
	if (rc)
		nmapxml_free(out);
	return rc;
}

void nmapxml_free(struct nmap_report *r)
{
	free(r->ports);
	for (size_t i = 0; i < r->nextras; i++)
		free(r->extras[i].ports);
	free(r->extras);
	free(r->tcp_services);
	free(r->udp_services);
	memset(r, 0, sizeof(*r));
}
