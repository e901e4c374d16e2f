/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intents: what a policy must do, one statement a line, in packet words
 * (core/match.h). `xnft verify` proves each for every packet. The shipped
 * example is policy/intents.
 *
 * Grammar, one line at a time:
 *
 *   line   := blank | '#' comment | intent ['#' comment]
 *   intent := 'expect' ['hook' HOOK] ('accept' | 'drop') MATCH
 *           | 'expect' ['hook' HOOK] 'only' [MATCH] ':' ALLOW ('or' ALLOW)*
 *   HOOK   := 'input' | 'forward' | 'output'
 *
 *   expect accept MATCH        every packet matching MATCH is accepted
 *   expect drop MATCH          every packet matching MATCH is dropped
 *   expect only MATCH : ALLOW  of the packets matching MATCH, those matching
 *                              ALLOW may be accepted and every other one is
 *                              dropped; `A or B or C` allows any of them
 *
 * MATCH and ALLOW are packet words with the full grammar of match.h: sets,
 * ranges, prefixes, '!=', masks, `$DEFINE` and `@set` of the policy (kept
 * unresolved here). Fields not named are "any value": `expect drop tcp
 * flags 0x0` speaks of every packet with no tcp flags, from anywhere, in
 * any state. tcp flags without '&' name the exact flags (match.h).
 *
 * The ':' must stand alone as a word (spaces around it) so that IPv6
 * addresses keep theirs; `or` is a reserved word in an intent (quote an
 * interface that is really called "or"). MATCH may be empty only for
 * `expect only` ("of all packets"). ALLOW alternatives may not be empty.
 *
 * The hook is `input` unless written, or unless MATCH says otherwise: an
 * input and an output interface (iif/iifname and oif/oifname) mean forward,
 * an output interface alone means output. A written hook that contradicts
 * the interfaces (an input packet with an oif) is an error.
 *
 * Every intent keeps its file, line, column and original text, so that a
 * violation can be reported as `policy/intents:12: expect ...`. Errors name
 * file:line:col, what is wrong and what to write instead.
 */
#ifndef XNFT_ANALYZE_INTENTS_H
#define XNFT_ANALYZE_INTENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/match.h"

/* Longest line accepted; a longer one is an error, never cut. */
#define INTENT_LINE_MAX 4096

/* Biggest intents file read. */
#define INTENTS_FILE_MAX (1024 * 1024)

enum intent_kind { INTENT_ACCEPT, INTENT_DROP, INTENT_ONLY };

enum intent_hook { INTENT_INPUT, INTENT_FORWARD, INTENT_OUTPUT };

struct intent {
	enum intent_kind kind;
	enum intent_hook hook;
	bool hook_written;          /* "hook X" was in the line */
	struct match_list match;    /* MATCH (may be empty only for INTENT_ONLY) */
	size_t nallow;              /* INTENT_ONLY: >= 1 alternatives; else 0 */
	struct match_list *allow;
	const char *file;           /* the intents' file name (owned by struct intents) */
	int line, col;              /* of the word 'expect' */
	char *text;                 /* the line as written, without surrounding whitespace */
};

struct intents {
	char *file;
	size_t n, cap;
	struct intent *v;
};

/*
 * Parse text[0..len) as the intents file named file (used in messages and
 * kept in each intent). Stops at the first error. On error *out is empty.
 */
int intents_parse(struct intents *out, const char *file, const char *text, size_t len,
		  struct xerr *e);

/* Read and parse the file at path. */
int intents_load(struct intents *out, const char *path, struct xerr *e);

void intents_free(struct intents *in);

/* Canonical text of one intent: "expect only iifname $WAN_IF ct state new : udp dport 51820". */
void intent_format(const struct intent *it, char *buf, size_t size);

const char *intent_kind_name(enum intent_kind k);   /* "accept", "drop", "only" */
const char *intent_hook_name(enum intent_hook h);   /* "input", "forward", "output" */

#endif
