/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow every day-two command shares (allow, deny, remove, admin): read
 * the tree's values, change them, render, show the semantic diff, check the
 * changed tree, write it (not with --dry-run), and apply it safely with
 * --apply or print the command that does.
 */
#ifndef XNFT_CLI_EDIT_H
#define XNFT_CLI_EDIT_H

#include <stdbool.h>

#include "core/err.h"
#include "policy/render.h"

struct edit_opts {
	const char *cmd;        /* "allow", for messages */
	const char *dir;        /* the policy tree; default /etc/xnft */
	const char *name;       /* --name */
	const char *rate;       /* --rate */
	const char *for_dur;    /* --for */
	const char *confirm;    /* --confirm SECS, as given */
	bool dry_run, apply, force, json;
	int nargs;              /* the operands left after the options */
	char **args;
};

/*
 * Parse the options the day-two commands share; returns -1 to go on, else
 * the exit code (help printed, or a usage error printed).
 */
int edit_parse(struct edit_opts *o, const char *cmd, int argc, char **argv,
	       void (*usage)(FILE *out));

/*
 * The "Options:" block of a day-two command's --help, the same for all of
 * them (shell completions read it): for_help is the --for line's text (NULL:
 * no --for), force_help the --force line's (NULL: the common one).
 */
void edit_usage_options(FILE *out, const char *for_help, const char *force_help);

/* The change itself, on the values read from the tree. */
typedef int (*edit_fn)(struct policy_values *v, void *arg, struct xerr *e);

/* Run the shared flow for one change; returns the exit code. */
int edit_run(const struct edit_opts *o, edit_fn change, void *arg);

/* Put a reviewed change into the loaded ruleset. */
typedef int (*edit_live_fn)(void *arg, struct xerr *e);

/*
 * A change that lives only in the kernel (admin add --for): change() runs on
 * the tree's values to review it like any other (the diff and check of a
 * staged tree), the files are never written, and with --apply live() puts
 * it into the loaded ruleset. Returns the exit code.
 */
int edit_run_live(const struct edit_opts *o, edit_fn change, edit_live_fn live, void *arg);

struct policy_tree;

/* A change to the rendered files themselves, for what no owned value holds. */
typedef int (*edit_tree_fn)(struct policy_tree *t, void *arg, struct xerr *e);

/* The shared flow for a change made by tree() after the values are rendered unchanged. */
int edit_run_tree(const struct edit_opts *o, edit_tree_fn tree, void *arg);

#endif
