// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/dynlib.h"

#include <dlfcn.h>
#include <string.h>

static void package_hint(struct xerr *e, const char *verb, const char *package)
{
	if (package)
		xerr_hint(e, "%s the %s package (apt-get install %s)", verb, package, package);
}

int dynlib_load(const char *soname, const char *package, const struct dynlib_sym *syms,
		size_t n, void *table, void **handle, struct xerr *e)
{
	void *h;

	*handle = NULL;
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();

		xerr_set(e, XNFT_EXIT_USAGE, "cannot load %s: %s", soname,
			 why ? why : "not found");
		package_hint(e, "install", package);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);

		if (!p) {
			xerr_set(e, XNFT_EXIT_USAGE, "%s has no symbol %s (too old a version?)",
				 soname, syms[i].name);
			package_hint(e, "upgrade", package);
			for (size_t k = 0; k < n; k++)
				memset((char *)table + syms[k].offset, 0, sizeof(p));
			dlclose(h);
			return -1;
		}
		/* POSIX: a function's address converts to and from void * unchanged */
		memcpy((char *)table + syms[i].offset, &p, sizeof(p));
	}
	*handle = h;
	return 0;
}

int dynlib_get(struct dynlib *lib, struct xerr *e)
{
	int rc = 0;

	pthread_mutex_lock(&lib->lock);
	if (!lib->loaded) {
		rc = dynlib_load(lib->soname, lib->package, lib->syms, lib->nsyms, lib->table,
				 &lib->handle, e);
		lib->loaded = rc == 0;
	}
	pthread_mutex_unlock(&lib->lock);
	return rc;
}
