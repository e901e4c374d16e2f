/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify: prove a policy's intents (intents.h) for every packet, with the
 * exhaustive engine (symexec.h). `$NAME` in an intent takes the value of the
 * policy's define NAME (read from the policy files), `@NAME` the elements of
 * the policy's set NAME.
 *
 * Semantics. A packet's fate depends on state the analysis cannot know (a
 * limit's bucket, a dynamic set's contents, fib, ...): each such match is a
 * free choice (symexec.h). A well-behaved source is under every limit,
 * quota and connection count and in no set filled at run time; matches
 * xnft does not model may go either way.
 *
 *   expect accept MATCH   every packet of MATCH is accepted for a
 *                         well-behaved source: with the stateful choices at
 *                         their well-behaved values, SOME choice of the
 *                         unmodelled matches accepts it. A packet is a
 *                         fragment only when MATCH says so (`fragment` or
 *                         an `ip frag-off` condition), as in packet words.
 *   expect drop MATCH     no packet of MATCH is accepted under ANY choice:
 *                         over or under every limit, in or out of every
 *                         dynamic set. Fragments included.
 *   expect only MATCH : A1 or A2 ...
 *                         every packet of MATCH matching none of the Ai is
 *                         dropped as in `expect drop`; the Ai may be
 *                         accepted (nothing is required of them).
 *
 * "Every packet" ranges over the header space of hspace.h on the intent's
 * hook path, inside the universe of packets conntrack lets exist
 * (symexec.h): fields the intent does not name take every value, the input
 * interface included (`lo` too). A violation comes with one counterexample
 * packet (fields the intent leaves open take packet.h's defaults where they
 * can) and, for drop and only, the choices that let it through.
 */
#ifndef XNFT_ANALYZE_VERIFY_H
#define XNFT_ANALYZE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/intents.h"
#include "analyze/symexec.h"
#include "analyze/trace.h"
#include "core/err.h"
#include "core/packet.h"
#include "core/ruleset.h"

struct verify_item {
	const struct intent *intent;   /* into verify_result.intents */
	bool holds;
	enum sx_path path;
	struct packet pkt;             /* a counterexample when !holds */
	bool accepted;                 /* its fate under the choices below (drop/only: true) */
	char **conditions;             /* the free choices the counterexample needs */
	size_t nconditions;
	bool over_limit;               /* the tracer's view of those choices (trace_opts) */
	char **in_sets;
	size_t nin_sets;
	char resolved[INTENT_LINE_MAX];  /* the intent with the defines put in */
};

struct verify_result {
	char intents_path[4096];
	struct intents intents;
	struct verify_item *items;
	size_t n, held, violated;
	/*
	 * Tables with chains the engine does not evaluate ("bridge br": forward,
	 * frames bridged from port to port; arp tables never see an IP packet).
	 */
	char not_analysed[512];
	size_t nnot_analysed;
};

/* The intents file next to a policy's entry file: "DIR/intents" ("./intents" for a bare name). */
void verify_intents_next_to(const char *entry, char *buf, size_t size);

/*
 * Prove every intent of intents_path (NULL: the file `intents` next to the
 * policy's entry file) against rs, the model of the policy at entry. The
 * defines come from trace_defines_load() (trace.h), which finds the
 * includes from entry itself: incdir is accepted for the callers' symmetry
 * with policy_resolve() and not otherwise used.
 * An intents file that does not parse, a define or set it names that the
 * policy lacks: -1 with e->code XNFT_EXIT_FINDINGS. No intents file where
 * one was expected: -1 with XNFT_EXIT_USAGE. shared: an engine started for
 * rs (symexec.h), or NULL to start one here.
 */
int verify_policy(const char *entry, const char *incdir, const struct ruleset *rs,
		  struct sx_engine *shared, const char *intents_path, struct verify_result *out,
		  struct xerr *e);

/* The same with intents and defines already read (hs must be made for rs). */
int verify_intents(struct hspace *hs, const struct ruleset *rs, const struct sx_result *sx,
		   const struct intents *in, const struct trace_defines *defs,
		   struct verify_result *out, struct xerr *e);

void verify_result_free(struct verify_result *r);

/* "policy/intents:12: expect drop ..." plus the counterexample, as text (malloc'd). */
char *verify_item_format(const struct verify_item *it);

/* The tracer's options that reproduce a counterexample's choices. */
void verify_item_trace_opts(const struct verify_item *it, struct trace_opts *o);

#endif
