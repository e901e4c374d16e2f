// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fill the shipped policy with one host's values. Only lines that end in
 * `# xnft-init: KEY` change; every other byte is copied as it is, so the
 * written tree diffs cleanly against the shipped one and stays readable.
 */
#include "policy/render.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/fdio.h"
#include "core/strbuf.h"

/* ------------------------------------------------------------------ */
/* Markers                                                             */
/* ------------------------------------------------------------------ */

enum marker_kind {
	MK_STRING,     /* define NAME = "value" */
	MK_NUMBER,     /* define NAME = 123 */
	MK_LIST,       /* elements = { ... } filled from the user's list */
	MK_BOGON,      /* elements = { ... } kept minus the exemptions */
	MK_SERVICES,   /* one rule per --service after the marker line */
	MK_REGION,     /* the lines after it (to a blank line or '}'), on or behind "# off: " */
};

struct marker {
	const char *key;
	enum marker_kind kind;
	const char *file;      /* where the shipped policy has it */
	const char *option;    /* the init option that sets it */
	int family;            /* lists: AF_INET or AF_INET6 */
};

static const struct marker markers[] = {
	{ "wan",      MK_STRING,   "rules/00-tables.nft",   "--wan",          0 },
	{ "mesh-if",  MK_STRING,   "rules/00-tables.nft",   "--mesh-if",      0 },
	{ "wg-port",  MK_NUMBER,   "rules/00-tables.nft",   "--wg-port",      0 },
	{ "ssh-port", MK_NUMBER,   "rules/00-tables.nft",   "--ssh-port",     0 },
	{ "mesh4",    MK_LIST,     "rules/00-tables.nft",   "--mesh",         AF_INET },
	{ "mesh6",    MK_LIST,     "rules/00-tables.nft",   "--mesh",         AF_INET6 },
	{ "admin4",   MK_LIST,     "rules/00-tables.nft",   "--admin",        AF_INET },
	{ "admin6",   MK_LIST,     "rules/00-tables.nft",   "--admin",        AF_INET6 },
	{ "bogon4",   MK_BOGON,    "rules/00-tables.nft",   "--bogon-exempt", AF_INET },
	{ "bogon6",   MK_BOGON,    "rules/00-tables.nft",   "--bogon-exempt", AF_INET6 },
	{ "services", MK_SERVICES, "rules/40-services.nft", "--service",      0 },
	{ "wg-rules", MK_REGION,   "rules/50-vpn-endpoint.nft", "--profile",  0 },
	{ "wg-intents", MK_REGION, "intents",               "--profile",      0 },
};

#define N_MARKERS (sizeof(markers) / sizeof(markers[0]))

static const char MARKER_TAG[] = "# xnft-init:";
/* How a region's line is switched off: kept whole behind this, so it can come back. */
static const char REGION_OFF[] = "# off: ";

static const struct marker *marker_find(const char *key, size_t len)
{
	for (size_t i = 0; i < N_MARKERS; i++) {
		if (strlen(markers[i].key) == len && !memcmp(markers[i].key, key, len))
			return &markers[i];
	}
	return NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* One line of a file being rendered, without its '\n'. */
struct line {
	const char *s;
	size_t len;
	int no;               /* 1-based */
	size_t marker;        /* offset of "# xnft-init:" */
};

struct render_ctx {
	const struct policy_values *v;
	const char *path;
	struct xerr *e;
	char set_name[64];    /* the last `set NAME {` seen, for messages */
	struct strbuf out;
	bool existing;        /* re-rendering a tree on disk, not the shipped text */
	bool in_services;     /* just after the services marker: owned rules follow */
	bool in_region;       /* inside a switchable region (MK_REGION) */
	char cont[1024];      /* the further lines of the rated service just read */
	size_t cont_pos;      /* how much of cont the lines after it matched */
	struct policy_values *read;   /* reading values back instead of rendering */
	unsigned *seen;
};

static void out_add(struct render_ctx *c, const char *s, size_t n)
{
	strbuf_add(&c->out, s, n);
}

static void out_str(struct render_ctx *c, const char *s)
{
	strbuf_adds(&c->out, s);
}

static void out_printf(struct render_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct render_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&c->out, fmt, ap);
	va_end(ap);
}

/* A broken marker in the embedded policy: a bug in xnft, not the user's doing. */
static int internal(struct render_ctx *c, const struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int internal(struct render_ctx *c, const struct line *l, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xerr_at(c->e, XNFT_EXIT_USAGE, c->path, l->no, 0, "internal error: %s", msg);
	return xerr_hint(c->e, "the policy built into xnft is inconsistent with its renderer; "
			 "rebuild xnft from a clean tree or report this");
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* p starts with word followed by a blank or end; returns the position after the word. */
static const char *skip_word(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - p) < n || memcmp(p, word, n))
		return NULL;
	if (p + n < end && !is_blank(p[n]) && p[n] != '=' && p[n] != '{')
		return NULL;
	return p + n;
}

/* Remember `set NAME {` so messages can name the set a marker belongs to. */
static void note_set_name(struct render_ctx *c, const struct line *l)
{
	const char *end = l->s + l->len, *p = skip_blank(l->s, end), *name;

	p = skip_word(p, end, "set");
	if (!p)
		return;
	name = p = skip_blank(p, end);
	while (p < end && !is_blank(*p) && *p != '{')
		p++;
	if (p > name && (size_t)(p - name) < sizeof(c->set_name))
		snprintf(c->set_name, sizeof(c->set_name), "%.*s", (int)(p - name), name);
}

/*
 * 0: no marker; 1: a marker with a known key (*m, l->marker set); -1: the
 * tag is there, but not as "# xnft-init: KEY" ending the line with a known KEY.
 */
static int line_marker(struct render_ctx *c, struct line *l, const struct marker **m)
{
	const char *hit = NULL, *p = l->s, *end = l->s + l->len, *key, *q;
	size_t tag = strlen(MARKER_TAG);

	while ((p = memmem(p, (size_t)(end - p), MARKER_TAG, tag))) {
		hit = p;
		p += tag;
	}
	if (!hit)
		return 0;
	while (end > hit && is_blank(end[-1]))
		end--;
	key = hit + tag;
	if (key >= end || *key != ' ' || key + 1 >= end)
		return internal(c, l, "malformed marker '%.*s': expected '# xnft-init: KEY' at the "
				"end of the line", (int)(end - hit), hit);
	key++;
	for (q = key; q < end; q++) {
		if (!is_key_char(*q))
			return internal(c, l, "malformed marker '%.*s': expected '# xnft-init: KEY' "
					"at the end of the line", (int)(end - hit), hit);
	}
	*m = marker_find(key, (size_t)(end - key));
	if (!*m)
		return internal(c, l, "unknown marker key '%.*s'", (int)(end - key), key);
	l->marker = (size_t)(hit - l->s);
	return 1;
}

static int render_define(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	const char *s = l->s, *end = s + l->marker, *p, *val, *val_end;

	p = skip_word(skip_blank(s, end), end, "define");
	if (!p || !(p = memchr(p, '=', (size_t)(end - p))))
		return internal(c, l, "'# xnft-init: %s' must end a `define NAME = VALUE` line",
				m->key);
	val = p = skip_blank(p + 1, end);
	if (m->kind == MK_STRING) {
		if (p >= end || *p != '"' || !(val_end = memchr(p + 1, '"', (size_t)(end - p - 1))))
			return internal(c, l, "the define marked '%s' must have a quoted value",
					m->key);
		val_end++;
	} else {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == val)
			return internal(c, l, "the define marked '%s' must have a number", m->key);
		val_end = p;
	}
	if (skip_blank(val_end, end) != end)
		return internal(c, l, "unexpected text after the value of the define marked '%s'",
				m->key);
	out_add(c, s, (size_t)(val - s));
	if (!strcmp(m->key, "wan"))
		out_printf(c, "\"%s\"", c->v->wan_if);
	else if (!strcmp(m->key, "mesh-if"))
		out_printf(c, "\"%s\"", c->v->mesh_if);
	else if (!strcmp(m->key, "wg-port"))
		out_printf(c, "%u", c->v->wg_port);
	else
		out_printf(c, "%u", c->v->ssh_port);
	out_add(c, val_end, l->len - (size_t)(val_end - s));
	return 0;
}

/* An `elements = { ... }` line, possibly commented out with '#'. */
struct elements_line {
	size_t indent;               /* leading blanks */
	const char *list, *list_end; /* between the braces */
	size_t gap;                  /* offset of the blanks before the marker */
};

static int parse_elements(struct render_ctx *c, const struct line *l, const struct marker *m,
			  struct elements_line *el)
{
	const char *s = l->s, *end = s + l->marker, *p = skip_blank(s, end), *q, *g;

	el->indent = (size_t)(p - s);
	if (p < end && *p == '#')
		p = skip_blank(p + 1, end);
	if (!(p = skip_word(p, end, "elements")) ||
	    (p = skip_blank(p, end)) >= end || *p != '=' ||
	    (p = skip_blank(p + 1, end)) >= end || *p != '{' ||
	    !(q = memchr(p, '}', (size_t)(end - p))))
		return internal(c, l, "'# xnft-init: %s' must end an `elements = { ... }` line",
				m->key);
	el->list = p + 1;
	el->list_end = q;
	g = end;
	while (g > q + 1 && is_blank(g[-1]))
		g--;
	el->gap = (size_t)(g - s);
	return 0;
}

/* The rest of an elements line: the original blanks, then the marker as it was. */
static void out_marker_tail(struct render_ctx *c, const struct line *l,
			    const struct elements_line *el)
{
	if (el->gap == l->marker)
		out_str(c, "   ");
	else
		out_add(c, l->s + el->gap, l->marker - el->gap);
	out_add(c, l->s + l->marker, l->len - l->marker);
}

static void out_empty_elements(struct render_ctx *c, const char *why)
{
	out_printf(c, "# elements = { }  (empty: %s)", why);
}

static const char (*user_list(const struct policy_values *v, const char *key, size_t *n))[48]
{
	if (!strcmp(key, "mesh4")) {
		*n = v->n_mesh4;
		return v->mesh4;
	}
	if (!strcmp(key, "mesh6")) {
		*n = v->n_mesh6;
		return v->mesh6;
	}
	if (!strcmp(key, "admin4")) {
		*n = v->n_admin4;
		return v->admin4;
	}
	*n = v->n_admin6;
	return v->admin6;
}

static int render_list(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	struct elements_line el;
	const char (*list)[48];
	size_t n;
	char why[96];

	if (parse_elements(c, l, m, &el) < 0)
		return -1;
	list = user_list(c->v, m->key, &n);
	out_add(c, l->s, el.indent);
	if (!n) {
		snprintf(why, sizeof(why), "add with xnft init %s CIDR", m->option);
		out_empty_elements(c, why);
	} else {
		out_str(c, "elements = { ");
		for (size_t i = 0; i < n; i++)
			out_printf(c, "%s%s", i ? ", " : "", list[i]);
		out_str(c, " }");
	}
	out_marker_tail(c, l, &el);
	return 0;
}

#define BOGON_MAX 128

struct bogon_list {
	char text[BOGON_MAX][PREFIX_STRLEN];   /* as written in the shipped file */
	struct prefix p[BOGON_MAX];
	bool exempt[BOGON_MAX];
	size_t n;
};

static int parse_bogons(struct render_ctx *c, const struct line *l, const struct marker *m,
			const struct elements_line *el, struct bogon_list *b)
{
	const char *p = el->list, *end = el->list_end;
	struct xerr tmp;

	b->n = 0;
	if (skip_blank(p, end) == end)
		return 0;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p)), *tok_end = comma ? comma : end;
		const char *tok = skip_blank(p, tok_end);

		while (tok_end > tok && is_blank(tok_end[-1]))
			tok_end--;
		if (b->n >= BOGON_MAX || tok == tok_end ||
		    (size_t)(tok_end - tok) >= sizeof(b->text[0]))
			return internal(c, l, "the list marked '%s' is not a short list of prefixes",
					m->key);
		snprintf(b->text[b->n], sizeof(b->text[0]), "%.*s", (int)(tok_end - tok), tok);
		if (prefix_parse(&b->p[b->n], b->text[b->n], &tmp) < 0 ||
		    b->p[b->n].family != m->family)
			return internal(c, l, "element '%s' of the list marked '%s' is not an %s "
					"prefix", b->text[b->n], m->key,
					m->family == AF_INET6 ? "IPv6" : "IPv4");
		b->exempt[b->n++] = false;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static int bogon_not_listed(struct render_ctx *c, const char *exempt, const struct bogon_list *b)
{
	char holds[400] = "";
	struct fixbuf out = { holds, sizeof(holds), 0 };

	for (size_t i = 0; i < b->n; i++)
		fixbuf_addf(&out, "%s%s", i ? ", " : "", b->text[i]);
	xerr_set(c->e, XNFT_EXIT_FINDINGS, "--bogon-exempt %s is not an element of %s (%s)",
		 exempt, c->set_name[0] ? c->set_name : "the bogon set", c->path);
	return xerr_hint(c->e, "exempt one of the listed prefixes exactly; %s holds: %s",
			 c->set_name[0] ? c->set_name : "it", b->n ? holds : "nothing");
}

/* The line of the shipped policy that carries marker m. */
static int shipped_line(struct render_ctx *c, const struct marker *m, struct line *out)
{
	const struct embedded_file *f = embedded_policy_find(m->file);
	struct render_ctx probe = { .path = m->file, .e = c->e };
	size_t pos = 0;

	for (int no = 1; f && pos < f->size; no++) {
		const char *nl = memchr(f->content + pos, '\n', f->size - pos);
		const struct marker *hit;

		*out = (struct line){ .s = f->content + pos, .no = no,
				      .len = nl ? (size_t)(nl - (f->content + pos)) : f->size - pos };
		if (line_marker(&probe, out, &hit) > 0 && hit == m)
			return 0;
		pos += out->len + 1;
	}
	xerr_set(c->e, XNFT_EXIT_USAGE, "internal error: the built-in %s has no '%s %s' line",
		 m->file, MARKER_TAG, m->key);
	return xerr_hint(c->e, "rebuild xnft from a clean tree or report this");
}

static int render_bogon(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	struct bogon_list b;
	struct elements_line el;
	size_t kept = 0, n_exempt = 0;

	struct line shipped;

	if (c->existing) {
		/* The tree's line already lacks its exemptions: start from the shipped list. */
		if (shipped_line(c, m, &shipped) < 0)
			return -1;
		if (parse_elements(c, &shipped, m, &el) < 0 ||
		    parse_bogons(c, &shipped, m, &el, &b) < 0 || parse_elements(c, l, m, &el) < 0)
			return -1;
	} else if (parse_elements(c, l, m, &el) < 0 || parse_bogons(c, l, m, &el, &b) < 0) {
		return -1;
	}
	for (size_t i = 0; i < c->v->n_bogon_exempt; i++) {
		struct prefix x;
		size_t j;

		if (prefix_parse(&x, c->v->bogon_exempt[i], c->e) < 0)
			return xerr_wrap(c->e, "--bogon-exempt");
		if (x.family != m->family)
			continue;
		for (j = 0; j < b.n && !prefix_equal(&x, &b.p[j]); j++)
			;
		if (j == b.n)
			return bogon_not_listed(c, c->v->bogon_exempt[i], &b);
		b.exempt[j] = true;
		n_exempt++;
	}
	if (!n_exempt && c->existing) {
		out_add(c, shipped.s, shipped.len);
		return 0;
	}
	if (!n_exempt) {
		out_add(c, l->s, l->len);   /* nothing exempted: the shipped line as it is */
		return 0;
	}
	out_add(c, l->s, el.indent);
	for (size_t i = 0; i < b.n; i++) {
		if (b.exempt[i])
			continue;
		out_printf(c, "%s%s", kept++ ? ", " : "elements = { ", b.text[i]);
	}
	if (kept)
		out_str(c, " }");
	else
		out_empty_elements(c, "every range exempted with --bogon-exempt");
	out_marker_tail(c, l, &el);
	return 0;
}

/*
 * The idle time after which a source's bucket is forgotten: one UNIT (a
 * bucket of burst N refills in that time, so forgetting it then changes
 * nothing), at least a minute (fewer entries come and go).
 */
static const char *rate_timeout(const char *unit)
{
	if (!strcmp(unit, "hour"))
		return "1h";
	if (!strcmp(unit, "day"))
		return "1d";
	return "1m";
}

/* A meter's name: unique per service rule, from its protocol, ports, source and family. */
static void meter_name(const struct policy_service *s, bool six, char *buf, size_t size)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "svc%c_%s_%u", six ? '6' : '4', s->proto, s->port);
	if (s->port_hi && n < size)
		n += (size_t)snprintf(buf + n, size - n, "_%u", s->port_hi);
	for (const char *f = s->from; *f && n + 2 < size; f++) {
		if (f == s->from)
			buf[n++] = '_';
		buf[n++] = isalnum((unsigned char)*f) ? *f : '_';
	}
	if (n < size)
		buf[n] = '\0';
}

/* The per-source accept of a rated service for one family, appended to b. */
static void format_rated_accept(struct strbuf *b, const struct policy_service *s, bool six,
				const char *match, const char *why)
{
	char meter[128];

	meter_name(s, six, meter, sizeof(meter));
	strbuf_addf(b, "%s ct state new meter %s size 65536 { %s saddr timeout %s limit rate "
		      "%u/%s burst %u packets } counter accept comment \"service: %s%s (mesh-only%s, "
		      "per-source %u/%s)\"", match, meter, six ? "ip6" : "ip",
		      rate_timeout(s->rate_unit), s->rate, s->rate_unit, s->rate, s->name,
		      six && !s->from[0] ? " over IPv6" : "", why, s->rate, s->rate_unit);
}

int policy_format_service(const struct policy_service *s, char *buf, size_t size)
{
	char ports[16], match[128], why[80] = "";
	struct strbuf b = { 0 };
	bool six = strchr(s->from, ':') != NULL;
	int n;

	if (s->port_hi)
		snprintf(ports, sizeof(ports), "%u-%u", s->port, s->port_hi);
	else
		snprintf(ports, sizeof(ports), "%u", s->port);
	if (s->from[0]) {
		snprintf(match, sizeof(match), "%s saddr %s %s dport %s", six ? "ip6" : "ip",
			 s->from, s->proto, ports);
		snprintf(why, sizeof(why), ", from %s", s->from);
	} else {
		snprintf(match, sizeof(match), "%s dport %s", s->proto, ports);
	}
	if (!s->rate) {
		n = snprintf(buf, size, "%s ct state new counter accept comment \"service: %s "
			     "(mesh-only%s)\"", match, s->name, why);
		return n < 0 || (size_t)n >= size ? -1 : n;
	}
	if (!s->from[0] || !six)
		format_rated_accept(&b, s, false, match, why);
	if (!s->from[0])
		strbuf_add(&b, "\n", 1);
	if (!s->from[0] || six)
		format_rated_accept(&b, s, true, match, why);
	strbuf_addf(&b, "\n%s ct state new counter drop comment \"service: %s over the "
		      "per-source rate (mesh-only%s)\"", match, s->name, why);
	n = !b.oom && b.s && b.len < size ? snprintf(buf, size, "%s", b.s) : -1;
	strbuf_free(&b);
	return n;
}

/* The rate of a rated service's first line: the token after `limit rate`, "N/UNIT". */
static void rate_from_tokens(char **tok, size_t n, struct policy_service *svc)
{
	for (size_t k = 0; k + 1 < n; k++) {
		char *slash, *stop;

		if (strcmp(tok[k], "rate") || !(slash = strchr(tok[k + 1], '/')))
			continue;
		svc->rate = (unsigned)strtoul(tok[k + 1], &stop, 10);
		if (stop != slash || strlen(slash + 1) >= sizeof(svc->rate_unit))
			svc->rate = 0;
		else
			snprintf(svc->rate_unit, sizeof(svc->rate_unit), "%s", slash + 1);
		return;
	}
}

/*
 * A rule line a previous render wrote after the services marker: parsed
 * back, and owned only when rendering it again gives the very same bytes.
 * A rated service's further lines are kept in c->cont, to be matched by
 * the lines that follow (service_continuation).
 */
static bool service_from_line(struct render_ctx *c, const struct line *l,
			      struct policy_service *svc)
{
	const char *end = l->s + l->len, *p = skip_blank(l->s, end), *nl;
	char buf[512], again[1024], *tok[48], *save = NULL, *t, *dash;
	size_t n = 0, i = 0, k, len = (size_t)(end - p);

	while (len && is_blank(p[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	memset(svc, 0, sizeof(*svc));
	for (t = strtok_r(buf, " ", &save); t && n < 48; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	if (n > 3 && (!strcmp(tok[0], "ip") || !strcmp(tok[0], "ip6")) && !strcmp(tok[1], "saddr")) {
		snprintf(svc->from, sizeof(svc->from), "%s", tok[2]);
		i = 3;
	}
	for (k = i; k + 1 < n && strcmp(tok[k], "\"service:"); k++)
		;
	if (i + 3 > n || k + 1 >= n || strlen(tok[i]) >= sizeof(svc->proto))
		return false;
	snprintf(svc->proto, sizeof(svc->proto), "%s", tok[i]);
	svc->port = (unsigned)strtoul(tok[i + 2], &dash, 10);
	if (*dash == '-')
		svc->port_hi = (unsigned)strtoul(dash + 1, NULL, 10);
	snprintf(svc->name, sizeof(svc->name), "%s", tok[k + 1]);
	rate_from_tokens(tok, k, svc);
	if (policy_format_service(svc, again, sizeof(again)) < 0)
		return false;
	nl = strchr(again, '\n');
	if ((nl ? (size_t)(nl - again) : strlen(again)) != len || memcmp(again, p, len))
		return false;
	snprintf(c->cont, sizeof(c->cont), "%s", nl ? nl + 1 : "");
	c->cont_pos = 0;
	return true;
}

/* Is l the next further line of the rated service just read? Consumes it if so. */
static bool service_continuation(struct render_ctx *c, const struct line *l)
{
	const char *end = l->s + l->len, *p = skip_blank(l->s, end);
	const char *want = c->cont + c->cont_pos, *nl = strchr(want, '\n');
	size_t len = (size_t)(end - p), wlen = nl ? (size_t)(nl - want) : strlen(want);

	while (len && is_blank(p[len - 1]))
		len--;
	if (!wlen || wlen != len || memcmp(want, p, len)) {
		c->cont[0] = '\0';
		c->cont_pos = 0;
		return false;
	}
	c->cont_pos += wlen + (nl ? 1 : 0);
	return true;
}

/* 1: l is a rule a previous render wrote (*svc filled), 2: a further line of one, 0: neither. */
static int owned_service_line(struct render_ctx *c, const struct line *l,
			      struct policy_service *svc)
{
	if (!c->in_services)
		return 0;
	if (service_continuation(c, l))
		return 2;
	return service_from_line(c, l, svc) ? 1 : 0;
}

static int render_services(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	const char *indent_end = skip_blank(l->s, l->s + l->len);
	char rules[1024];

	if (indent_end != l->s + l->marker)
		return internal(c, l, "'# xnft-init: %s' must be alone on its line", m->key);
	out_add(c, l->s, l->len);
	for (size_t i = 0; i < c->v->n_services; i++) {
		if (policy_format_service(&c->v->services[i], rules, sizeof(rules)) < 0)
			return internal(c, l, "service rule too long");
		for (char *r = rules, *nl; r; r = nl ? nl + 1 : NULL) {
			nl = strchr(r, '\n');
			out_str(c, "\n");
			out_add(c, l->s, (size_t)(indent_end - l->s));
			out_add(c, r, nl ? (size_t)(nl - r) : strlen(r));
		}
	}
	c->in_services = c->existing;
	return 0;
}

/* --log nflog:N: `log prefix` becomes `log group N prefix` (nft has no define for a keyword). */
static int render_log_line(struct render_ctx *c, const struct line *l)
{
	/* Each "log" (3 bytes) grows by at most " group 65535" (12 bytes). */
	size_t size = l->len * 5 + 16;
	char *buf = malloc(size);
	int n;

	if (!buf) {
		c->out.oom = true;
		return 0;
	}
	n = policy_render_log_line(l->s, l->len, c->v->log_group, buf, size);
	if (n < 0) {
		free(buf);
		return internal(c, l, "log statement rewrite overflow");
	}
	out_add(c, buf, (size_t)n);
	free(buf);
	return 0;
}

/* A line that closes a region: blank, or the '}' of its block. */
static bool ends_region(const struct line *l)
{
	const char *end = l->s + l->len, *p = skip_blank(l->s, end);

	return p == end || *p == '}';
}

/* A region's marker: alone on its line, copied; the lines after it are owned. */
static int open_region(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	if (skip_blank(l->s, l->s + l->len) != l->s + l->marker)
		return internal(c, l, "'# xnft-init: %s' must be alone on its line", m->key);
	out_add(c, l->s, l->len);
	c->in_region = true;
	return 0;
}

/* Where a region line's text starts: after its indent and, when *off, "# off: ". */
static const char *region_text(const struct line *l, bool *off)
{
	const char *end = l->s + l->len, *p = skip_blank(l->s, end);
	size_t n = strlen(REGION_OFF);

	*off = (size_t)(end - p) >= n && !memcmp(p, REGION_OFF, n);
	return *off ? p + n : p;
}

/*
 * One line of a region, on or off as the values say (the only regions are
 * WG_PORT's rules and intent). Only the "# off: " in front changes, so hand
 * edits to the line survive switching it off and on again.
 */
static int render_region_line(struct render_ctx *c, const struct line *l)
{
	const char *indent_end = skip_blank(l->s, l->s + l->len), *text;
	bool was_off, off = c->v->wg_port_closed;
	struct strbuf b = { 0 };
	struct line out;
	int r = 0;

	text = region_text(l, &was_off);
	if (was_off == off && !c->v->log_nflog) {
		out_add(c, l->s, l->len);
		return 0;
	}
	strbuf_add(&b, l->s, (size_t)(indent_end - l->s));
	strbuf_adds(&b, off ? REGION_OFF : "");
	strbuf_add(&b, text, (size_t)(l->s + l->len - text));
	if (b.oom) {
		c->out.oom = true;
	} else {
		out = (struct line){ .s = b.s, .len = b.len, .no = l->no };
		if (c->v->log_nflog)
			r = render_log_line(c, &out);
		else
			out_add(c, out.s, out.len);
	}
	strbuf_free(&b);
	return r;
}

static int render_line(struct render_ctx *c, struct line *l)
{
	const struct marker *m;
	int r;

	note_set_name(c, l);
	r = line_marker(c, l, &m);
	if (r < 0)
		return -1;
	if (r == 0 && c->v->log_nflog)
		return render_log_line(c, l);
	if (r == 0) {
		out_add(c, l->s, l->len);
		return 0;
	}
	switch (m->kind) {
	case MK_STRING:
	case MK_NUMBER:
		return render_define(c, l, m);
	case MK_LIST:
		return render_list(c, l, m);
	case MK_BOGON:
		return render_bogon(c, l, m);
	case MK_SERVICES:
		return render_services(c, l, m);
	case MK_REGION:
		return open_region(c, l, m);
	}
	return internal(c, l, "marker kind %d", (int)m->kind);
}

/* Call fn on every line of text; stops at the first failure. */
static int each_line(struct render_ctx *c, const char *text, size_t size,
		     int (*fn)(struct render_ctx *c, struct line *l, void *arg), void *arg)
{
	size_t pos = 0;
	int no = 1;

	while (pos < size) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		struct line l = {
			.s = text + pos,
			.len = nl ? (size_t)(nl - (text + pos)) : size - pos,
			.no = no++,
		};

		if (fn(c, &l, arg) < 0)
			return -1;
		pos += l.len + (nl ? 1 : 0);
	}
	return 0;
}

static int render_one(struct render_ctx *c, struct line *l, void *arg)
{
	const char *text_end = arg;
	struct policy_service old;

	if (owned_service_line(c, l, &old))
		return 0;   /* an owned rule of the previous render: replaced above */
	c->in_services = false;
	c->in_region = c->in_region && !ends_region(l);
	if ((c->in_region ? render_region_line(c, l) : render_line(c, l)) < 0)
		return -1;
	if (l->s + l->len < text_end)
		out_add(c, "\n", 1);
	return 0;
}

static int render_text(struct render_ctx *c, const char *text, size_t size, char **out)
{
	*out = NULL;
	if (policy_values_validate(c->v, c->e) < 0)
		return -1;
	out_add(c, "", 0);
	if (each_line(c, text, size, render_one, (void *)(text + size)) < 0) {
		strbuf_free(&c->out);
		return -1;
	}
	*out = strbuf_take(&c->out);
	if (!*out)
		return xerr_set(c->e, XNFT_EXIT_USAGE, "%s: out of memory while rendering", c->path);
	return 0;
}

int policy_render_existing(const struct policy_values *v, const char *path, const char *text,
			   size_t size, char **out, struct xerr *e)
{
	struct render_ctx c = { .v = v, .path = path, .e = e, .existing = true };

	return render_text(&c, text, size, out);
}

int policy_render_text(const struct policy_values *v, const char *path, const char *text,
		       size_t size, char **out, struct xerr *e)
{
	struct render_ctx c = { .v = v, .path = path, .e = e };

	return render_text(&c, text, size, out);
}

int policy_render_file(const struct policy_values *v, const char *path, char **out,
		       struct xerr *e)
{
	const struct embedded_file *f = embedded_policy_find(path);

	*out = NULL;
	if (!f) {
		xerr_set(e, XNFT_EXIT_USAGE, "internal error: the built-in policy has no file '%s'",
			 path);
		return xerr_hint(e, "the files are nftables.conf, intents and rules/NN-name.nft");
	}
	return policy_render_text(v, f->path, f->content, f->size, out, e);
}

/* ------------------------------------------------------------------ */
/* Reading an existing tree's values back                              */
/* ------------------------------------------------------------------ */

static int bad_owned(struct render_ctx *c, const struct line *l, const struct marker *m,
		     const char *what)
{
	xerr_at(c->e, XNFT_EXIT_FINDINGS, c->path, l->no, 0, "the line marked '%s %s' %s",
		MARKER_TAG, m->key, what);
	return xerr_hint(c->e, "lines marked '%s' belong to xnft: put back what xnft init wrote "
			 "there (or re-run xnft init into a new directory and compare)", MARKER_TAG);
}

static int read_define(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	const char *end = l->s + l->marker, *p = skip_word(skip_blank(l->s, end), end, "define");
	char val[32];
	size_t n;

	if (!p || !(p = memchr(p, '=', (size_t)(end - p))))
		return bad_owned(c, l, m, "is not a `define NAME = VALUE` line");
	p = skip_blank(p + 1, end);
	for (n = 0; p + n < end && !is_blank(p[n]); n++)
		;
	if (n < 1 || n >= sizeof(val))
		return bad_owned(c, l, m, "has no value");
	memcpy(val, p, n);
	val[n] = '\0';
	if (m->kind == MK_NUMBER) {
		unsigned *dst = !strcmp(m->key, "wg-port") ? &c->read->wg_port : &c->read->ssh_port;

		if (port_parse(dst, val, c->e) < 0)
			return bad_owned(c, l, m, "does not hold a port number 1..65535");
		return 0;
	}
	if (n < 3 || val[0] != '"' || val[n - 1] != '"')
		return bad_owned(c, l, m, "does not hold a quoted interface name");
	val[n - 1] = '\0';
	if (ifname_validate(val + 1, NULL) < 0)
		return bad_owned(c, l, m, "does not hold a valid interface name");
	snprintf(!strcmp(m->key, "wan") ? c->read->wan_if : c->read->mesh_if, 16, "%s", val + 1);
	return 0;
}

static int read_list(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	struct elements_line el;
	struct bogon_list b;
	size_t *n, have;
	char (*list)[48];

	if (parse_elements(c, l, m, &el) < 0)
		return bad_owned(c, l, m, "is not an `elements = { ... }` line");
	if (l->s[el.indent] == '#')
		return 0;   /* commented out: the set is empty */
	if (parse_bogons(c, l, m, &el, &b) < 0)
		return bad_owned(c, l, m, "does not hold a list of prefixes");
	list = (char (*)[48])user_list(c->read, m->key, &have);
	n = !strcmp(m->key, "mesh4") ? &c->read->n_mesh4 : !strcmp(m->key, "mesh6") ?
	    &c->read->n_mesh6 : !strcmp(m->key, "admin4") ? &c->read->n_admin4 : &c->read->n_admin6;
	for (size_t i = 0; i < b.n && *n < POLICY_MAX_LIST; i++)
		prefix_format(&b.p[i], list[(*n)++], 48);
	return 0;
}

static int read_bogon(struct render_ctx *c, const struct line *l, const struct marker *m)
{
	struct elements_line el;
	struct bogon_list shipped, tree;
	struct line sl;

	if (shipped_line(c, m, &sl) < 0 || parse_elements(c, &sl, m, &el) < 0 ||
	    parse_bogons(c, &sl, m, &el, &shipped) < 0)
		return -1;
	if (parse_elements(c, l, m, &el) < 0)
		return bad_owned(c, l, m, "is not an `elements = { ... }` line");
	tree.n = 0;
	if (l->s[el.indent] != '#' && parse_bogons(c, l, m, &el, &tree) < 0)
		return bad_owned(c, l, m, "does not hold a list of prefixes");
	for (size_t i = 0; i < shipped.n; i++) {
		size_t j;

		for (j = 0; j < tree.n && !prefix_equal(&shipped.p[i], &tree.p[j]); j++)
			;
		if (j == tree.n && c->read->n_bogon_exempt < POLICY_MAX_LIST)
			prefix_format(&shipped.p[i], c->read->bogon_exempt[c->read->n_bogon_exempt++],
				      48);
	}
	return 0;
}

static int read_one(struct render_ctx *c, struct line *l, void *arg)
{
	const struct marker *m;
	struct policy_service svc;
	int r;

	(void)arg;
	switch (owned_service_line(c, l, &svc)) {
	case 1:
		if (c->read->n_services < POLICY_MAX_LIST)
			c->read->services[c->read->n_services++] = svc;
		return 0;
	case 2:
		return 0;
	}
	c->in_services = false;
	c->in_region = c->in_region && !ends_region(l);
	if (c->in_region) {
		bool off;

		region_text(l, &off);
		c->read->wg_port_closed |= off;
		return 0;
	}
	r = line_marker(c, l, &m);
	if (r <= 0)
		return r;
	c->seen[m - markers]++;
	switch (m->kind) {
	case MK_STRING:
	case MK_NUMBER:
		return read_define(c, l, m);
	case MK_LIST:
		return read_list(c, l, m);
	case MK_BOGON:
		return read_bogon(c, l, m);
	case MK_SERVICES:
		c->in_services = true;
		return 0;
	case MK_REGION:
		c->in_region = true;
		return 0;
	}
	return 0;
}

int policy_read_text(struct policy_values *v, const char *path, const char *text, size_t size,
		     unsigned *seen, struct xerr *e)
{
	struct render_ctx c = { .path = path, .e = e, .read = v, .seen = seen };

	return each_line(&c, text, size, read_one, NULL);
}

size_t policy_marker_count(void)
{
	return N_MARKERS;
}

const char *policy_marker_key(size_t i, const char **file)
{
	if (file)
		*file = markers[i].file;
	return markers[i].key;
}

bool policy_marker_optional(size_t i)
{
	return markers[i].kind == MK_REGION;
}

static int count_marker(struct render_ctx *c, struct line *l, void *arg)
{
	unsigned *seen = arg;
	const struct marker *m;
	int r = line_marker(c, l, &m);

	if (r > 0)
		seen[m - markers]++;
	return r < 0 ? -1 : 0;
}

int policy_check_markers(const struct embedded_file *files, struct xerr *e)
{
	unsigned seen[N_MARKERS] = { 0 };

	for (const struct embedded_file *f = files; f->path; f++) {
		struct render_ctx c = { .path = f->path, .e = e };

		if (each_line(&c, f->content, f->size, count_marker, seen) < 0)
			return -1;
	}
	for (size_t i = 0; i < N_MARKERS; i++) {
		if (seen[i])
			continue;
		xerr_at(e, XNFT_EXIT_USAGE, markers[i].file, 0, 0, "internal error: the built-in "
			"policy has no '%s %s' line, so %s would be ignored", MARKER_TAG,
			markers[i].key, markers[i].option);
		return xerr_hint(e, "rebuild xnft from a clean tree or report this");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing the tree                                                    */
/* ------------------------------------------------------------------ */

static int fs_error(struct xerr *e, const char *what, const char *path, int err)
{
	xerr_set(e, XNFT_EXIT_USAGE, "cannot %s %s: %s", what, path, strerror(err));
	switch (err) {
	case EACCES:
	case EPERM:
		return xerr_hint(e, "run it as root (sudo xnft init ...), or give a directory "
				 "you can write: xnft init DIR");
	case EROFS:
		return xerr_hint(e, "the file system is read-only; give another directory");
	case ENOSPC:
	case EDQUOT:
		return xerr_hint(e, "the file system is full; free some space and run it again");
	case EISDIR:
		return xerr_hint(e, "a directory is in the way; move it aside or give another "
				 "directory");
	case ENOTDIR:
	case EEXIST:
		return xerr_hint(e, "a part of the path is a file, not a directory; give "
				 "another directory");
	default:
		return xerr_hint(e, "check the path, or give another directory: xnft init DIR");
	}
}

static int join_path(char *buf, size_t size, const char *dir, const char *rel, struct xerr *e)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if ((size_t)snprintf(buf, size, "%.*s/%s", (int)n, dir, rel) >= size)
		return xerr_set(e, XNFT_EXIT_USAGE, "path too long: %s/%s", dir, rel);
	return 0;
}

/* mkdir -p with mode 0755 for the directories it creates. */
static int make_dirs(const char *dir, struct xerr *e)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return xerr_set(e, XNFT_EXIT_USAGE, "unusable directory name '%s'", dir);
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (chmod(buf, 0755) < 0)
				return fs_error(e, "set the mode of", buf, errno);
		} else if (errno != EEXIST) {
			return fs_error(e, "create directory", buf, errno);
		} else if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
			return fs_error(e, "use directory", buf, ENOTDIR);
		}
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Write path so that a reader sees the old file or the new one, never half:
 * a temp file in the same directory, fsync'd, then renamed over path.
 */
int policy_write_atomic(const char *path, const char *data, size_t len, struct xerr *e)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd, err;

	base = base ? base + 1 : path;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	if (!dir[0])
		snprintf(dir, sizeof(dir), ".");
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%s.XXXXXX", base == path ? "" : dir, base) >=
	    sizeof(tmp))
		return xerr_set(e, XNFT_EXIT_USAGE, "path too long: %s", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fs_error(e, "create a file in", dir, errno);
	if (fchmod(fd, 0644) < 0 || fd_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		return fs_error(e, "write", path, err);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		return fs_error(e, "write", path, err);
	}
	sync_dir(dir);
	return 0;
}

static int refuse_existing(const char *dir, int force, struct xerr *e)
{
	char path[PATH_MAX];
	struct stat st;

	if (join_path(path, sizeof(path), dir, "nftables.conf", e) < 0)
		return -1;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return fs_error(e, "look at", path, errno);
	}
	if (S_ISDIR(st.st_mode))
		return fs_error(e, "write", path, EISDIR);
	if (force)
		return 0;
	xerr_set(e, XNFT_EXIT_USAGE, "%s already exists; not overwriting it", path);
	return xerr_hint(e, "pass --force to replace the shipped files with freshly rendered "
			 "ones (other files in the directory are left alone), or give another "
			 "directory");
}

static int write_one(const char *dir, const char *rel, const char *data, struct xerr *e)
{
	char path[PATH_MAX], parent[PATH_MAX];
	const char *slash;

	if (join_path(path, sizeof(path), dir, rel, e) < 0)
		return -1;
	slash = strrchr(path, '/');
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	if (parent[0] && make_dirs(parent, e) < 0)
		return -1;
	return policy_write_atomic(path, data, strlen(data), e);
}

static size_t count_files(const struct embedded_file *files)
{
	size_t n = 0;

	while (files[n].path)
		n++;
	return n;
}

static void free_rendered(char **r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i]);
	free(r);
}

int policy_write_tree_from(const struct policy_values *v, const struct embedded_file *files,
			   const char *dir, int force, struct xerr *e)
{
	size_t n = count_files(files), i;
	char **rendered;
	int ret = -1;

	if (!dir || !*dir)
		return xerr_set(e, XNFT_EXIT_USAGE, "no directory to write the policy to");
	if (policy_values_validate(v, e) < 0 || policy_check_markers(files, e) < 0)
		return -1;
	rendered = calloc(n + 1, sizeof(*rendered));
	if (!rendered)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	/* Render everything first: a bad value must not leave half a tree behind. */
	for (i = 0; i < n; i++) {
		if (policy_render_text(v, files[i].path, files[i].content, files[i].size,
				       &rendered[i], e) < 0)
			goto out;
	}
	if (refuse_existing(dir, force, e) < 0 || make_dirs(dir, e) < 0)
		goto out;
	/* nftables.conf last, so its presence means the tree is complete. */
	for (i = 0; i < n; i++) {
		if (strcmp(files[i].path, "nftables.conf") &&
		    write_one(dir, files[i].path, rendered[i], e) < 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(files[i].path, "nftables.conf") &&
		    write_one(dir, files[i].path, rendered[i], e) < 0)
			goto out;
	}
	ret = 0;
out:
	free_rendered(rendered, n);
	return ret;
}

int policy_write_tree(const struct policy_values *v, const char *dir, int force,
		      struct xerr *e)
{
	return policy_write_tree_from(v, embedded_policy, dir, force, e);
}
