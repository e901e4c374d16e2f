/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint: what is wrong with a ruleset, before it is ever applied.
 *
 * Every finding has a stable id (XL001 ...; the catalogue is lint_ids() and
 * docs/lint-ids.md), a severity, the place it is about (file:line of a rule,
 * of a `define` or of a `flush ruleset`; a set or a chain when it has no
 * line), a message saying what is wrong and why, and a hint saying what to
 * write instead. The library only collects findings; src/cli/lint.c prints.
 *
 * Findings come from three places:
 *   - the model (struct ruleset): rules, chains, sets, as the kernel holds them;
 *   - the policy's source files (struct lint_source): defines and commands
 *     that never show in a listing, such as `flush ruleset`;
 *   - libnftables' load diagnostics, when the policy does not load at all
 *     (overlapping intervals, a jump to a missing chain, a jump loop).
 */
#ifndef XNFT_ANALYZE_LINT_H
#define XNFT_ANALYZE_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/nftctx.h"
#include "core/ruleset.h"

enum lint_severity { LINT_INFO = 0, LINT_WARNING = 1, LINT_ERROR = 2 };

/* One entry of the catalogue. */
struct lint_id_info {
	const char *id;            /* "XL001" */
	enum lint_severity sev;    /* the usual severity; a finding may be milder */
	const char *family;        /* "structure", "conntrack", "rate", "icmp", "mesh", ... */
	const char *title;         /* one line: what it finds */
};

/* The whole catalogue, in id order. */
const struct lint_id_info *lint_ids(size_t *n);
const struct lint_id_info *lint_id_lookup(const char *id);

struct lint_finding {
	const char *id;            /* static: from the catalogue */
	enum lint_severity sev;
	const struct rs_rule *rule; /* the rule it is about, or NULL */
	char *file;                /* NULL when unknown (a listing without sources) */
	int line;                  /* 1-based; 0 = unknown */
	char *where;               /* "inet xnft input" (chain) or "inet xnft @BOGON_V4" (set) */
	char *text;                /* the rule (or line) as written; else as listed; may be NULL */
	char *comment;             /* the rule's comment, or NULL */
	char *message;             /* what is wrong and why */
	char *hint;                /* what to do about it */
};

struct lint_report {
	struct lint_finding *v;
	size_t n, cap;
	bool oom;                  /* a finding was lost for lack of memory */
	bool incomplete;           /* a traversal hit its budget: dead-code checks skipped */
	size_t unchecked;          /* rules XL009 could not decide (time or engine limits) */
};

/* ---- the policy's source files -------------------------------------------- */

struct lint_define {
	char *name;                /* without '$' */
	char *value;               /* as written, quotes removed, whitespace collapsed */
	bool quoted;               /* the value was a quoted string */
	char *file;
	int line;
};

struct lint_srcline {
	char *file;
	int line;
	char *text;
};

struct lint_source {
	struct lint_define *defines;
	size_t ndefines;
	struct lint_srcline *flushes;   /* `flush ruleset` commands */
	size_t nflushes;
	struct lint_srcline *decls;     /* `chain NAME`, `set NAME`, `map NAME`: text is
					   "chain NAME" (the first declaration of a name) */
	size_t ndecls;
	size_t files;                   /* files read, the entry included */
};

/*
 * Read the entry file and what it includes (relative includes looked up in
 * incdir, then /etc, as xnft loads them) for defines and `flush ruleset`.
 * A file that cannot be read is skipped (the load reports it better).
 */
int lint_source_scan(const char *entry, const char *incdir, struct lint_source *out,
		     struct xerr *e);
/* The same on a text in memory, named `name` in findings. */
int lint_source_scan_buffer(const char *name, const char *text, struct lint_source *out,
			    struct xerr *e);
void lint_source_free(struct lint_source *s);

/* Interface names a define holds: `wg0`, `{ eth0, eth1 }` (quotes removed). */
void lint_define_names(const char *value, void (*fn)(const char *name, void *arg), void *arg);
/*
 * A define that names interfaces, not a port or an address: its value is
 * interface names and its name says so (MESH_IF, UPLINK_DEV, LAN_IFS), or
 * the value was quoted under a name like WAN, LAN, MESH, DMZ, VPN, WG.
 */
bool lint_define_is_iface(const struct lint_define *d);

/* ---- running it ------------------------------------------------------------- */

/*
 * Every check over a loaded ruleset. src may be NULL (a live ruleset):
 * then the checks that need the sources (defines, flush ruleset) are
 * skipped. Findings are appended to out, sorted by file, line and id.
 */
int lint_ruleset(const struct ruleset *rs, const struct lint_source *src,
		 struct lint_report *out, struct xerr *e);

/*
 * Findings for a policy that did not load: each libnftables diagnostic
 * becomes one finding, with the id of the failure it shows (XL061 for
 * conflicting intervals, XL002 for a jump to a missing chain, XL003 for a
 * loop) or XL000 for any other load error.
 */
int lint_from_diags(const struct nft_diags *d, struct lint_report *out);

/* The id a single load diagnostic shows, or NULL when it is not one of ours. */
const char *lint_diag_id(const struct nft_diag *d);

/*
 * Load POLICY (file or directory) in the sandbox, scan its sources and lint
 * it. A policy that does not load is not a failure of this function: its
 * diagnostics become findings (lint_from_diags) and 0 is returned. -1 only
 * for environment problems (missing file, no namespace), e->code set.
 */
int lint_policy(const char *policy, struct lint_report *out, struct xerr *e);

/* The ruleset in the kernel now (no sources, no locations). */
int lint_live(struct lint_report *out, struct xerr *e);

/*
 * For `xnft check`: lint a policy it has already loaded (rs), reading the
 * policy's sources for defines and `flush ruleset`. Errors among the
 * findings mean check must exit 1.
 */
int lint_check(const char *policy, const struct ruleset *rs, struct lint_report *out,
	       struct xerr *e);

/*
 * lint_check (policy given) or lint_ruleset (policy NULL, no sources) in a
 * child process, so that the caller can run its own engine meanwhile
 * (BuDDy holds one per process). Every started job must be finished:
 * finish collects the report (rule pointers into rs, as the caller's) and
 * reaps the child.
 */
struct lint_async {
	pid_t pid;
	int fd;
};

int lint_async_start(const char *policy, const struct ruleset *rs, struct lint_async *a,
		     struct xerr *e);
int lint_async_finish(struct lint_async *a, const struct ruleset *rs, struct lint_report *out,
		      struct xerr *e);

size_t lint_count(const struct lint_report *r, enum lint_severity sev);
const char *lint_severity_name(enum lint_severity s);
void lint_report_free(struct lint_report *r);

#endif
