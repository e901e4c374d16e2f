/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Load a ruleset where it cannot touch the host: in a child process that has
 * its own network namespace (unshare(CLONE_NEWNET) as root; a user namespace
 * first when not root). The child reads back what the kernel accepted (a
 * struct listing) and hands it over a pipe; the parent's namespace never
 * changes.
 */
#ifndef XNFT_CORE_SANDBOX_H
#define XNFT_CORE_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/listing.h"
#include "core/nftctx.h"

struct sandbox_result {
	struct listing listing; /* what the kernel accepted */
	struct nft_diags diags; /* load errors with file:line:col */
};

void sandbox_result_free(struct sandbox_result *r);

/*
 * Load `path` (include_dir added to the include path, may be NULL) in a
 * private namespace. Returns 0 on success; -1 with e set when the ruleset
 * does not load (r->diags holds every diagnostic, e->code = XNFT_EXIT_FINDINGS)
 * or the sandbox cannot be made (e->code = XNFT_EXIT_USAGE, with a hint).
 */
int sandbox_load(const char *path, const char *include_dir,
		 struct sandbox_result *r, struct xerr *e);

/*
 * The same in two halves, so that several loads run at once: start forks
 * the child, finish collects its result. Every started job must be
 * finished; a child whose whole result came may still be exiting and is
 * reaped by a later start (or by init). In between, sandbox_wait_json()
 * returns the ruleset's JSON as soon as it has come (NULL if it will not),
 * while the child still reads the set elements: the model can be built
 * from it meanwhile, and the elements added after finish.
 */
struct sandbox_job {
	pid_t pid;
	int fd;
	char path[4096];
	/* what has come so far */
	struct sandbox_result res;
	struct xerr child_err;
	int have_err;
	bool broken, eof, ended;
};

int sandbox_start(const char *path, const char *include_dir, struct sandbox_job *job,
		  struct xerr *e);
const char *sandbox_wait_json(struct sandbox_job *job);
int sandbox_finish(struct sandbox_job *job, struct sandbox_result *r, struct xerr *e);

#endif
