// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Atom (<feed><entry><title/><link href/><id/><updated/>) and RSS 2.0
 * (<rss><channel><item><title/><link/><guid/><pubDate/>) with libexpat: the
 * netfilter-devel archive (lore's new.atom) and the netfilter git log
 * (cgit's atom). Only an entry's own title, link, id and date are read; its
 * content (xhtml, any depth) is skipped. An entry whose title names a
 * security problem becomes a finding: HIGH for the kinds that give an
 * attacker memory or a way past a rule, MEDIUM for crashes, leaks and races.
 * A list entry is keyed by its thread's subject (without "Re:" and
 * "[PATCH nf v2 1/3]"): the replies to a thread and the next version of a
 * patch are the same finding, not one message each.
 */
#include "monitor/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "monitor/hostmatch.h"

#define FEED_MAX_ENTRIES 20000
/* Findings kept from one feed: a real one holds a few dozen entries; this bounds the dedup scan. */
#define FEED_MAX_FINDINGS 2000

enum field { F_NONE, F_TITLE, F_LINK, F_ID, F_DATE };

static void squeeze(char *s);

struct feed_state {
	XML_Parser p;
	int source;
	time_t since;
	struct mon_list *out;
	int depth, entry_depth;   /* entry_depth: 0 outside an entry */
	bool root_ok, root_seen;
	bool entity;              /* an entity declaration: refused */
	size_t entries;
	size_t first;             /* out->n when this feed started */
	enum field cur;
	int field_depth;
	char title[256], link[512], id[160], date[64];
};

static const char *const high_words[] = {
	"cve-", "use-after-free", "use after free", "uaf", "overflow", "underflow", "out-of-bounds",
	"out of bounds", "oob", "bypass", "privilege", "double free", "double-free", "arbitrary",
	"type confusion", "exploit",
};
static const char *const medium_words[] = {
	"crash", "null pointer", "null-ptr", "null deref", "kasan", "syzbot", "memory leak", "leak",
	"race", "panic", "deadlock", "infinite loop", "denial of service", "uninitialized",
	"uninit-value", "security",
};

static enum mon_severity title_severity(const char *title)
{
	for (size_t i = 0; i < sizeof(high_words) / sizeof(high_words[0]); i++)
		if (mon_has_word(title, high_words[i]))
			return MON_SEV_HIGH;
	for (size_t i = 0; i < sizeof(medium_words) / sizeof(medium_words[0]); i++)
		if (mon_has_word(title, medium_words[i]))
			return MON_SEV_MEDIUM;
	return MON_SEV_NONE;
}

static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	return NULL;
}

static void append(char *dst, size_t size, const char *s, int len)
{
	size_t have = strlen(dst);

	if (len <= 0 || have + 1 >= size)
		return;
	if ((size_t)len > size - 1 - have)
		len = (int)(size - 1 - have);
	memcpy(dst + have, s, (size_t)len);
	dst[have + (size_t)len] = '\0';
}

static void start_entry(struct feed_state *st)
{
	st->entry_depth = st->depth;
	st->title[0] = st->link[0] = st->id[0] = st->date[0] = '\0';
}

static void on_start(void *arg, const char *el, const char **atts)
{
	struct feed_state *st = arg;
	const char *n = local(el), *href, *rel;

	st->depth++;
	if (!st->root_seen) {
		st->root_seen = true;
		st->root_ok = !strcmp(n, "feed") || !strcmp(n, "rss") || !strcmp(n, "RDF");
		return;
	}
	if (!st->entry_depth) {
		if (!strcmp(n, "entry") || !strcmp(n, "item"))
			start_entry(st);
		return;
	}
	if (st->depth != st->entry_depth + 1 || st->cur != F_NONE)
		return;
	if (!strcmp(n, "title"))
		st->cur = F_TITLE;
	else if (!strcmp(n, "id") || !strcmp(n, "guid"))
		st->cur = F_ID;
	else if ((!strcmp(n, "updated") || !strcmp(n, "pubDate") || !strcmp(n, "date") ||
		  !strcmp(n, "published")) && !st->date[0])
		st->cur = F_DATE;
	else if (!strcmp(n, "link")) {
		href = attr(atts, "href");
		rel = attr(atts, "rel");
		if (href && (!rel || !strcmp(rel, "alternate")))
			snprintf(st->link, sizeof(st->link), "%s", href);
		else if (!href && !st->link[0])
			st->cur = F_LINK;
	}
	st->field_depth = st->depth;
}

/* A thread's subject: title without leading "Re:", "Fwd:" and "[...]" tags, on one line. */
static void thread_subject(const char *title, char *out, size_t size)
{
	const char *p = title;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!strncasecmp(p, "re:", 3) || !strncasecmp(p, "aw:", 3) || !strncasecmp(p, "fw:", 3))
			p += 3;
		else if (!strncasecmp(p, "fwd:", 4))
			p += 4;
		else if (*p == '[' && strchr(p, ']'))
			p = strchr(p, ']') + 1;
		else
			break;
	}
	snprintf(out, size, "%s", p);
	squeeze(out);
}

static bool listed(const struct feed_state *st, const char *id)
{
	for (size_t i = st->first; i < st->out->n; i++)
		if (!strcmp(st->out->v[i].id, id))
			return true;
	return false;
}

static void finish_entry(struct feed_state *st)
{
	enum mon_severity sev = title_severity(st->title);
	time_t when = mon_parse_iso_time(st->date);
	const char *key = st->id[0] ? st->id : st->link[0] ? st->link : st->title;
	char subject[sizeof(st->title)], id[sizeof(((struct mon_finding *)0)->id)];
	struct mon_finding *f;

	if (++st->entries > FEED_MAX_ENTRIES || sev == MON_SEV_NONE || !key[0] ||
	    (st->since && when && when < st->since) || st->out->n - st->first >= FEED_MAX_FINDINGS)
		return;
	thread_subject(st->title, subject, sizeof(subject));
	if (st->source == MONITOR_SRC_LIST && subject[0])
		key = subject;
	snprintf(id, sizeof(id), "%s:%.150s", st->source == MONITOR_SRC_GIT ? "git" : "list", key);
	if (listed(st, id) || !(f = mon_list_push(st->out)))
		return;
	f->source = st->source;
	f->sev = sev;
	f->when = when;
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->title, sizeof(f->title), "%s", st->title);
	snprintf(f->url, sizeof(f->url), "%s", st->link);
	snprintf(f->published, sizeof(f->published), "%s", st->date);
	snprintf(f->text, sizeof(f->text), "%s", st->title);
}

static void on_end(void *arg, const char *el)
{
	struct feed_state *st = arg;

	(void)el;
	if (st->cur != F_NONE && st->depth == st->field_depth)
		st->cur = F_NONE;
	else if (st->entry_depth && st->depth == st->entry_depth) {
		finish_entry(st);
		st->entry_depth = 0;
	}
	st->depth--;
}

static void on_text(void *arg, const char *s, int len)
{
	struct feed_state *st = arg;

	switch (st->cur) {
	case F_TITLE: append(st->title, sizeof(st->title), s, len); break;
	case F_LINK: append(st->link, sizeof(st->link), s, len); break;
	case F_ID: append(st->id, sizeof(st->id), s, len); break;
	case F_DATE: append(st->date, sizeof(st->date), s, len); break;
	case F_NONE: break;
	}
}

/* A feed has no use for entities of its own; refusing them refuses entity expansion bombs. */
static void on_entity(void *arg, const XML_Char *name, int pe, const XML_Char *value, int vlen,
		      const XML_Char *base, const XML_Char *sys, const XML_Char *pub,
		      const XML_Char *notation)
{
	struct feed_state *st = arg;

	(void)name; (void)pe; (void)value; (void)vlen; (void)base; (void)sys; (void)pub;
	(void)notation;
	st->entity = true;
	XML_StopParser(st->p, XML_FALSE);
}

/* Titles come with newlines and runs of blanks in them: one line, single spaces. */
static void squeeze(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		char c = (*r == '\n' || *r == '\r' || *r == '\t') ? ' ' : *r;

		if (c == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = c;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

int mon_parse_feed(const char *body, size_t len, const char *name, int source, time_t since,
		   struct mon_list *out, struct xerr *e)
{
	struct feed_state st = { .source = source, .since = since, .out = out, .first = out->n };
	size_t first = out->n;
	enum XML_Status rc;
	int ret = 0;

	if (!(st.p = XML_ParserCreate("UTF-8")))
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: out of memory", name);
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, on_start, on_end);
	XML_SetCharacterDataHandler(st.p, on_text);
	XML_SetEntityDeclHandler(st.p, on_entity);
	rc = len > (size_t)1 << 30 ? XML_STATUS_ERROR : XML_Parse(st.p, body, (int)len, XML_TRUE);
	if (st.entity)
		ret = xerr_set(e, XNFT_EXIT_FINDINGS, "%s: declares an XML entity (refused in a feed)",
			       name);
	else if (rc != XML_STATUS_OK)
		ret = xerr_set(e, XNFT_EXIT_FINDINGS, "%s: not a whole XML feed: line %lu: %s", name,
			       (unsigned long)XML_GetCurrentLineNumber(st.p),
			       XML_ErrorString(XML_GetErrorCode(st.p)));
	else if (!st.root_ok)
		ret = xerr_set(e, XNFT_EXIT_FINDINGS, "%s: not an Atom or RSS feed (no <feed> or "
			       "<rss> root)", name);
	XML_ParserFree(st.p);
	if (ret) {
		out->n = first;
		return ret;
	}
	for (size_t i = first; i < out->n; i++) {
		squeeze(out->v[i].title);
		squeeze(out->v[i].text);
	}
	return 0;
}

time_t mon_parse_iso_time(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;

	if (!s || !*s)
		return 0;
	/* RSS: "Thu, 01 Feb 2024 12:00:00 +0000" */
	if ((rest = strptime(s, "%a, %d %b %Y %H:%M:%S %z", &tm)))
		return timegm(&tm) - tm.tm_gmtoff;
	memset(&tm, 0, sizeof(tm));
	if (!(rest = strptime(s, "%Y-%m-%d", &tm)))
		return 0;
	if (*rest == 'T' && (rest = strptime(rest + 1, "%H:%M:%S", &tm))) {
		time_t t;

		while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
			rest++;
		t = timegm(&tm);
		if ((*rest == '+' || *rest == '-') && strlen(rest) >= 6) {
			long off = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600L +
				   ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60L;

			t -= *rest == '+' ? off : -off;
		}
		return t;
	}
	return timegm(&tm);
}
