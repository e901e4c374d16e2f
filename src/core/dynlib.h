/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared libraries loaded at run time (dlopen), for the few that only one
 * code path needs: libcurl for the daemon's webhooks, libsystemd for
 * sd_notify and the journal event source. Linked normally they would cost
 * every xnft process their loading and relocation (and that of their ~30
 * dependencies); loaded here they cost only the process that uses them.
 *
 * A user keeps a struct of function pointers and a table saying which
 * symbol goes into which member:
 *
 *   static struct { __typeof__(curl_easy_init) *easy_init; } api;
 *   static const struct dynlib_sym syms[] = {
 *           DYNLIB_SYM(api, easy_init, "curl_easy_init"),
 *   };
 *   static struct dynlib lib = DYNLIB_INIT("libcurl.so.4", "libcurl4", syms, &api);
 *
 *   if (dynlib_get(&lib, e) < 0) ...    // then call api.easy_init()
 */
#ifndef XNFT_CORE_DYNLIB_H
#define XNFT_CORE_DYNLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct dynlib_sym {
	const char *name;    /* the symbol, "curl_easy_init" */
	size_t offset;       /* of its function pointer in the caller's table */
};

#define DYNLIB_SYM(table, member, name) { (name), offsetof(__typeof__(table), member) }

/*
 * dlopen(soname) and fill the function pointers at table + syms[i].offset.
 * On error (library not found, or one of syms missing: the first is named)
 * the library is closed again, the table zeroed and e says what is missing;
 * package, if not NULL, is the Debian package named in the hint. Not
 * synchronised: use dynlib_get for a library shared between threads.
 */
int dynlib_load(const char *soname, const char *package, const struct dynlib_sym *syms,
		size_t n, void *table, void **handle, struct xerr *e);

/* One library, loaded at most once per process. */
struct dynlib {
	const char *soname;
	const char *package;
	const struct dynlib_sym *syms;
	size_t nsyms;
	void *table;
	pthread_mutex_t lock;
	bool loaded;          /* under lock */
	void *handle;         /* never closed once loaded */
};

#define DYNLIB_INIT(soname, package, syms, table) {                                     \
	(soname), (package), (syms), sizeof(syms) / sizeof((syms)[0]), (table),          \
	PTHREAD_MUTEX_INITIALIZER, false, NULL }

/*
 * Load lib unless it is loaded already; 0 when its table is filled. Safe
 * from any thread. A failure is not remembered: the next call tries again,
 * so a package installed meanwhile is picked up (by a daemon reload, say).
 */
int dynlib_get(struct dynlib *lib, struct xerr *e);

#endif
