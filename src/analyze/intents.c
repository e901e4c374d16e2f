// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intents file (grammar in intents.h): lines -> words -> intents, each
 * MATCH and ALLOW parsed by core/match.
 */
#include "analyze/intents.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"

const char *intent_kind_name(enum intent_kind k)
{
	switch (k) {
	case INTENT_ACCEPT: return "accept";
	case INTENT_DROP: return "drop";
	case INTENT_ONLY: return "only";
	}
	return "?";
}

const char *intent_hook_name(enum intent_hook h)
{
	switch (h) {
	case INTENT_INPUT: return "input";
	case INTENT_FORWARD: return "forward";
	case INTENT_OUTPUT: return "output";
	}
	return "?";
}

static void intent_free(struct intent *it)
{
	match_list_free(&it->match);
	for (size_t i = 0; i < it->nallow; i++)
		match_list_free(&it->allow[i]);
	free(it->allow);
	free(it->text);
	memset(it, 0, sizeof(*it));
}

void intents_free(struct intents *in)
{
	for (size_t i = 0; i < in->n; i++)
		intent_free(&in->v[i]);
	free(in->v);
	free(in->file);
	memset(in, 0, sizeof(*in));
}

/* ---- one line ------------------------------------------------------------- */

struct line_ctx {
	const char *file;
	int line;
	int end_col;                 /* column just after the last character */
	const struct match_tok *t;
	size_t n;
	struct xerr *e;
};

static int lerr(const struct line_ctx *lc, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lerr(const struct line_ctx *lc, int col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = xerr_vat(lc->e, XNFT_EXIT_FINDINGS, lc->file, lc->line, col, fmt, ap);
	va_end(ap);
	return rc;
}

static bool word_is(const struct match_tok *t, const char *s)
{
	return t->kind == MTOK_WORD && t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

static void shown(const struct match_tok *t, char *buf, size_t size)
{
	char tmp[64];
	size_t n = t->len < sizeof(tmp) - 1 ? t->len : sizeof(tmp) - 1;

	memcpy(tmp, t->s, n);
	tmp[n] = '\0';
	addr_shown(buf, size, tmp);
}

/* Levenshtein distance <= 2 between the word and s, for "did you mean". */
static bool near_word(const struct match_tok *t, const char *s)
{
	size_t ls = strlen(s), lt = t->len;
	unsigned row[16];

	if (lt >= 15 || ls >= 15 || lt < 2)
		return false;
	for (size_t j = 0; j <= ls; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= lt; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= ls; j++) {
			unsigned up = row[j], best = diag + (t->s[i - 1] != s[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[ls] <= 2;
}

static int expect_word(const struct line_ctx *lc, size_t i, const char *what,
		       const char *after, const char *const *choices)
{
	char got[64];

	if (i >= lc->n)
		return lerr(lc, lc->end_col, "expected %s after '%s', got nothing", what, after);
	shown(&lc->t[i], got, sizeof(got));
	lerr(lc, lc->t[i].col, "expected %s after '%s', got '%s'", what, after, got);
	for (; choices && *choices; choices++)
		if (near_word(&lc->t[i], *choices))
			return xerr_hint(lc->e, "did you mean '%s'?", *choices);
	return xerr_hint(lc->e, "each line is 'expect [hook input|forward|output] accept|drop "
			 "MATCH' or 'expect [hook ...] only MATCH : ALLOW'");
}

static int parse_part(const struct line_ctx *lc, size_t from, size_t to, int end_col,
		      struct match_list *out)
{
	struct match_src src = { lc->file, lc->line };

	return match_parse_toks(out, lc->t + from, to - from, end_col, &src, lc->e);
}

static bool has_field(const struct match_list *m, enum match_field a, enum match_field b)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->cond[i].field == a || m->cond[i].field == b)
			return true;
	return false;
}

/* The hook: written, or from the interfaces MATCH names; checked against them. */
static int settle_hook(const struct line_ctx *lc, struct intent *it, int hook_col)
{
	bool in = has_field(&it->match, MF_IIF, MF_IIFNAME);
	bool out = has_field(&it->match, MF_OIF, MF_OIFNAME);

	if (!it->hook_written) {
		it->hook = in && out ? INTENT_FORWARD : out ? INTENT_OUTPUT : INTENT_INPUT;
		return 0;
	}
	if (it->hook == INTENT_INPUT && out) {
		lerr(lc, hook_col, "'hook input' with an output interface in the MATCH: a packet "
		     "for this host has none");
		return xerr_hint(lc->e, "write 'hook forward' for routed packets, or drop the "
				 "oif/oifname words");
	}
	if (it->hook == INTENT_OUTPUT && in) {
		lerr(lc, hook_col, "'hook output' with an input interface in the MATCH: a packet "
		     "this host sends has none");
		return xerr_hint(lc->e, "write 'hook forward' for routed packets, or drop the "
				 "iif/iifname words");
	}
	return 0;
}

/* MATCH [':' ALLOW ('or' ALLOW)*] from word i on. */
static int parse_body(const struct line_ctx *lc, size_t i, struct intent *it, const char *verb)
{
	size_t colon = lc->n, start;

	for (size_t k = i; k < lc->n; k++) {
		if (word_is(&lc->t[k], ":")) {
			if (colon < lc->n) {
				lerr(lc, lc->t[k].col, "a second ':' in one intent");
				return xerr_hint(lc->e, "write 'or' between the allowed alternatives");
			}
			colon = k;
		} else if (word_is(&lc->t[k], "or") && colon == lc->n) {
			lerr(lc, lc->t[k].col, "'or' before the ':'");
			return xerr_hint(lc->e, "'or' separates what 'expect only MATCH : ALLOW' "
					 "allows; write one intent per line for the rest");
		}
	}
	if (it->kind != INTENT_ONLY && colon < lc->n) {
		lerr(lc, lc->t[colon].col, "':' belongs to 'expect only'; 'expect %s' takes a "
		     "MATCH alone", verb);
		return xerr_hint(lc->e, "write 'expect only MATCH : ALLOW', or drop the ':' part");
	}
	if (it->kind == INTENT_ONLY && colon == lc->n) {
		lerr(lc, lc->end_col, "'expect only' needs ' : ' and then what is allowed");
		return xerr_hint(lc->e, "e.g. expect only iifname eth0 ct state new : udp dport "
				 "51820 (the ':' with spaces around it)");
	}
	if (it->kind != INTENT_ONLY && i == lc->n) {
		lerr(lc, lc->end_col, "'expect %s' needs a MATCH: which packets?", verb);
		return xerr_hint(lc->e, "e.g. expect %s iif lo", verb);
	}
	if (parse_part(lc, i, colon, colon < lc->n ? lc->t[colon].col : lc->end_col,
		       &it->match) < 0)
		return -1;
	if (it->kind != INTENT_ONLY)
		return 0;
	for (start = colon + 1;;) {
		size_t end = start;
		struct match_list *v;
		struct match_src src = { lc->file, lc->line };

		while (end < lc->n && !word_is(&lc->t[end], "or"))
			end++;
		if (end == start) {
			int col = end < lc->n ? lc->t[end].col : lc->end_col;

			lerr(lc, col, "an empty alternative: nothing is allowed %s",
			     start == colon + 1 ? "after ':'" : "after 'or'");
			return xerr_hint(lc->e, "write packet words, e.g. udp dport 51820");
		}
		v = realloc(it->allow, (it->nallow + 1) * sizeof(*v));
		if (!v)
			return xerr_set(lc->e, XNFT_EXIT_USAGE, "out of memory reading intents");
		it->allow = v;
		memset(&it->allow[it->nallow], 0, sizeof(*v));
		if (parse_part(lc, start, end, end < lc->n ? lc->t[end].col : lc->end_col,
			       &it->allow[it->nallow]) < 0)
			return -1;
		it->nallow++;
		if (match_check(&it->match, &it->allow[it->nallow - 1], &src, lc->e) < 0)
			return xerr_hint(lc->e, "what ALLOW names must be possible within MATCH");
		if (end == lc->n)
			return 0;
		start = end + 1;
	}
}

static int parse_intent(const struct line_ctx *lc, struct intent *it)
{
	static const char *const verbs[] = { "accept", "drop", "only", NULL };
	static const char *const hooks[] = { "input", "forward", "output", NULL };
	size_t i = 1;
	int hook_col = 0;
	const char *verb;

	if (!word_is(&lc->t[0], "expect")) {
		char got[64];

		shown(&lc->t[0], got, sizeof(got));
		lerr(lc, lc->t[0].col, "expected 'expect' at the start of the line, got '%s'", got);
		if (near_word(&lc->t[0], "expect"))
			return xerr_hint(lc->e, "did you mean 'expect'?");
		return xerr_hint(lc->e, "each line is 'expect accept|drop MATCH' or 'expect only "
				 "MATCH : ALLOW'; '#' starts a comment");
	}
	it->col = lc->t[0].col;
	if (i < lc->n && word_is(&lc->t[i], "hook")) {
		hook_col = lc->t[i].col;
		i++;
		if (i >= lc->n || !(word_is(&lc->t[i], "input") || word_is(&lc->t[i], "forward") ||
				    word_is(&lc->t[i], "output")))
			return expect_word(lc, i, "input, forward or output", "hook", hooks);
		it->hook_written = true;
		it->hook = word_is(&lc->t[i], "input") ? INTENT_INPUT :
			   word_is(&lc->t[i], "forward") ? INTENT_FORWARD : INTENT_OUTPUT;
		i++;
	}
	if (i >= lc->n || !(word_is(&lc->t[i], "accept") || word_is(&lc->t[i], "drop") ||
			    word_is(&lc->t[i], "only")))
		return expect_word(lc, i, "accept, drop or only", it->hook_written ?
				   intent_hook_name(it->hook) : "expect", verbs);
	verb = word_is(&lc->t[i], "accept") ? "accept" : word_is(&lc->t[i], "drop") ? "drop" :
	       "only";
	it->kind = !strcmp(verb, "accept") ? INTENT_ACCEPT : !strcmp(verb, "drop") ?
		   INTENT_DROP : INTENT_ONLY;
	if (parse_body(lc, i + 1, it, verb) < 0)
		return -1;
	return settle_hook(lc, it, hook_col);
}

/* text of one line without surrounding whitespace, as a new string. */
static char *trimmed_copy(const char *s, size_t len)
{
	char *out;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	return out;
}

static int add_intent(struct intents *in, struct intent *it, struct xerr *e)
{
	if (grow_for_one(&in->v, &in->cap, in->n, sizeof(*in->v), 16))
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading intents");
	in->v[in->n++] = *it;
	return 0;
}

static int parse_line(struct intents *in, const char *s, size_t len, int line, struct xerr *e)
{
	struct match_src src = { in->file, line };
	struct match_toks toks;
	struct intent it = { 0 };
	struct line_ctx lc = { in->file, line, (int)len + 1, NULL, 0, e };

	if (len > INTENT_LINE_MAX) {
		xerr_at(e, XNFT_EXIT_FINDINGS, in->file, line, 0,
			"line is longer than %d characters", INTENT_LINE_MAX);
		return xerr_hint(e, "write one intent per line; split long sets into several "
				 "intents");
	}
	if (memchr(s, '\0', len)) {
		xerr_at(e, XNFT_EXIT_FINDINGS, in->file, line, (int)((const char *)memchr(s, '\0', len) - s) + 1,
			"a NUL byte: an intents file is text");
		return xerr_hint(e, "check that this is the intents file and not a binary");
	}
	while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	lc.end_col = (int)len + 1;
	if (match_tokenize(&toks, s, len, 1, &src, e) < 0)
		return -1;
	if (!toks.n) {
		match_toks_free(&toks);
		return 0;
	}
	lc.t = toks.v;
	lc.n = toks.n;
	it.file = in->file;
	it.line = line;
	it.text = trimmed_copy(s, len);
	if (!it.text || parse_intent(&lc, &it) < 0 || add_intent(in, &it, e) < 0) {
		if (!it.text)
			xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading intents");
		intent_free(&it);
		match_toks_free(&toks);
		return -1;
	}
	match_toks_free(&toks);
	return 0;
}

int intents_parse(struct intents *out, const char *file, const char *text, size_t len,
		  struct xerr *e)
{
	const char *p = text, *end = text + len;
	int line = 1;

	memset(out, 0, sizeof(*out));
	out->file = strdup(file ? file : "");
	if (!out->file)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading intents");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (parse_line(out, p, n, line, e) < 0) {
			intents_free(out);
			return -1;
		}
		p += n + (nl ? 1 : 0);
		line++;
	}
	return 0;
}

int intents_load(struct intents *out, const char *path, struct xerr *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if (!f) {
		xerr_at(e, XNFT_EXIT_USAGE, path, 0, 0, "cannot open the intents file: %s",
			strerror(errno));
		return xerr_hint(e, "give an existing file with --intents FILE");
	}
	buf = malloc(INTENTS_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading %s", path);
	}
	n = fread(buf, 1, INTENTS_FILE_MAX + 1, f);
	if (ferror(f)) {
		xerr_at(e, XNFT_EXIT_USAGE, path, 0, 0, "cannot read the intents file: %s",
			strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if (n > INTENTS_FILE_MAX) {
		free(buf);
		xerr_at(e, XNFT_EXIT_FINDINGS, path, 0, 0, "the intents file is larger than %d bytes",
			INTENTS_FILE_MAX);
		return xerr_hint(e, "an intents file holds statements, one a line; is this the "
				 "right file?");
	}
	r = intents_parse(out, path, buf, n, e);
	free(buf);
	return r;
}

void intent_format(const struct intent *it, char *buf, size_t size)
{
	size_t len;

	if (!size)
		return;
	snprintf(buf, size, "expect %s%s%s", it->hook_written ? "hook " : "",
		 it->hook_written ? intent_hook_name(it->hook) : "", it->hook_written ? " " : "");
	len = strlen(buf);
	snprintf(buf + len, size - len, "%s", intent_kind_name(it->kind));
	len = strlen(buf);
	if (it->match.n && len + 1 < size) {
		buf[len++] = ' ';
		buf[len] = '\0';
		match_format(&it->match, buf + len, size - len);
		len = strlen(buf);
	}
	for (size_t i = 0; i < it->nallow && len + 4 < size; i++) {
		snprintf(buf + len, size - len, i ? " or " : " : ");
		len = strlen(buf);
		match_format(&it->allow[i], buf + len, size - len);
		len = strlen(buf);
	}
}
