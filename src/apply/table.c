// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft's table in the kernel: listings through libnftables, restore files,
 * the one-transaction commit, and a fingerprint that ignores what changes
 * at run time (handles, counters, dynamic set contents).
 */
#include "apply/table.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <sodium.h>

#include "apply/state.h"
#include "core/listing.h"
#include "core/nftctx.h"
#include "core/paths.h"
#include "core/sandbox.h"
#include "core/spawn.h"

#define TABLE_SPEC XNFT_TABLE_FAMILY " " XNFT_TABLE_NAME
#define TABLE_SPEC_TEXT XNFT_TABLE_FAMILY, XNFT_TABLE_NAME

int table_present(bool *present, struct xerr *e)
{
	struct nftctx *ctx = nftctx_new(0, e);
	char *out = NULL;
	int rc;

	*present = false;
	if (!ctx)
		return -1;
	rc = nftctx_run(ctx, "list tables", &out, e);
	nftctx_free(ctx);
	if (rc) {
		free(out);
		return xerr_hint(e, "reading the kernel's tables needs CAP_NET_ADMIN: run as root");
	}
	for (char *line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len == strlen("table " TABLE_SPEC) && !strncmp(line, "table " TABLE_SPEC, len))
			*present = true;
		line = nl ? nl + 1 : NULL;
	}
	free(out);
	return 0;
}

static int list_table(unsigned flags, char **out, struct xerr *e)
{
	struct nftctx *ctx;
	bool present;
	int rc;

	*out = NULL;
	if (table_present(&present, e))
		return -1;
	if (!present)
		return 0;
	ctx = nftctx_new(flags, e);
	if (!ctx)
		return -1;
	rc = nftctx_run(ctx, "list table " TABLE_SPEC, out, e);
	nftctx_free(ctx);
	return rc;
}

int table_list_text(char **out, struct xerr *e)
{
	if (list_table(NFTCTX_STATELESS, out, e))
		return -1;
	if (!*out) {
		*out = strdup("");
		if (!*out)
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	return 0;
}

char *table_restore_text(const char *listing, const char *origin)
{
	static const char head[] =
		"# Written by xnft: a restore file for xnft's own table.\n"
		"# Loading it replaces `table " TABLE_SPEC "` in one transaction and touches\n"
		"# no other table:  nft -f THIS_FILE\n";
	size_t len = strlen(head) + strlen(origin) + strlen(listing) + 128;
	char *s = malloc(len);

	if (!s)
		return NULL;
	snprintf(s, len, "%s# %s\ntable " TABLE_SPEC "\ndelete table " TABLE_SPEC "\n%s", head,
		 origin, listing);
	return s;
}

static int load_state_file(const char *state_name, struct xerr *e)
{
	char path[4096];

	if (state_path(path, sizeof(path), state_name, e))
		return -1;
	return table_load_isolated(path, NULL, NULL, NULL, e);
}

/* The child's side of table_load_isolated: load, send the error back, exit. */
static void load_child(int fd, const char *path, const char *incdir, const char *name,
		       const char *text)
{
	struct xerr child;
	struct nftctx *ctx;
	int rc = -1;

	xerr_clear(&child);
	ctx = nftctx_new(0, &child);
	if (ctx && incdir)
		rc = nftctx_add_include_path(ctx, incdir, &child);
	if (ctx && (!incdir || rc == 0))
		rc = path ? nftctx_load_file(ctx, path, NULL, &child)
			  : nftctx_load_buffer(ctx, name, text, NULL, &child);
	nftctx_free(ctx);
	if (rc == 0)
		_exit(0);
	if (write(fd, &child, sizeof(child)) != (ssize_t)sizeof(child))
		_exit(2);
	_exit(1);
}

int table_load_isolated(const char *path, const char *incdir, const char *name,
			const char *text, struct xerr *e)
{
	const char *what = path ? path : name;
	struct xerr child;
	int fd, status = 0;
	size_t got;
	pid_t pid;

	if (spawn_fork_piped(&pid, &fd, e))
		return -1;
	if (pid == 0)
		load_child(fd, path, incdir, name, text);
	xerr_clear(&child);
	got = spawn_fork_collect(pid, fd, &child, sizeof(child), &status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return xerr_set(e, XNFT_EXIT_USAGE, "libnftables died (signal %d, %s) while "
				"loading %s: the file is damaged; nothing of it was committed",
				WTERMSIG(status), strsignal(WTERMSIG(status)), what);
	if (got != sizeof(child))
		return xerr_set(e, XNFT_EXIT_USAGE, "loading %s: the loader ended without a "
				"result (exit %d)", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	xerr_terminate(&child);
	*e = child;
	if (!e->code)
		e->code = XNFT_EXIT_USAGE;
	return -1;
}

int table_expect(const char *want, char got[TABLE_HASH_HEX], struct xerr *e)
{
	bool present;

	if (table_fingerprint_live(got, &present, e))
		return xerr_wrap(e, "reading back what is loaded");
	if (!want[0] && !present)
		return 0;
	if (!present)
		return xerr_set(e, XNFT_EXIT_USAGE, "no table %s %s is loaded afterwards",
				TABLE_SPEC_TEXT);
	if (!want[0])
		return xerr_set(e, XNFT_EXIT_USAGE, "a table %s %s (%.12s) is loaded where none "
				"was expected", TABLE_SPEC_TEXT, got);
	if (strcmp(want, got))
		return xerr_set(e, XNFT_EXIT_USAGE, "the loaded table %s %s is %.12s, not the "
				"expected %.12s", TABLE_SPEC_TEXT, got, want);
	return 0;
}

int table_restore(const char *state_name, struct xerr *e)
{
	if (!state_exists(state_name)) {
		char path[4096];

		if (state_path(path, sizeof(path), state_name, e) == 0)
			xerr_set(e, XNFT_EXIT_USAGE, "nothing to restore: %s is missing", path);
		return -1;
	}
	if (load_state_file(state_name, e))
		return xerr_wrap(e, "restoring %s", state_name);
	return 0;
}

/*
 * Load a file in a throwaway network namespace without listing anything
 * back: for a reload check only the kernel's yes or no matters, and a
 * listing of a large set costs more than its load. 1 when this cannot be
 * done here (no unshare) or the file names interfaces the empty namespace
 * lacks: the sandbox, which makes stand-ins, must decide then.
 */
static int private_load(const char *path, struct xerr *e)
{
	struct xerr child;
	int fd, status = 0;
	size_t got = 0;
	pid_t pid;

	if (spawn_fork_piped(&pid, &fd, e))
		return -1;
	if (pid == 0) {
		struct nftctx *ctx;
		int rc = 2;

		xerr_clear(&child);
		if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0) {
			ctx = nftctx_new(0, &child);
			rc = ctx && nftctx_load_file(ctx, path, NULL, &child) == 0 ? 0 : 1;
			nftctx_free(ctx);
		}
		if (write(fd, &child, sizeof(child)) != (ssize_t)sizeof(child))
			rc = 2;
		_exit(rc);
	}
	xerr_clear(&child);
	got = spawn_fork_collect(pid, fd, &child, sizeof(child), &status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || got != sizeof(child) ||
	    strstr(child.msg, "Interface does not exist"))
		return 1;
	xerr_terminate(&child);
	*e = child;
	e->code = XNFT_EXIT_FINDINGS;
	return -1;
}

int table_verify_reload(const char *state_name, struct xerr *e)
{
	struct sandbox_result r;
	char path[4096];
	int rc;

	if (state_path(path, sizeof(path), state_name, e))
		return -1;
	rc = private_load(path, e);
	if (rc < 0)
		return xerr_wrap(e, "%s does not reload in a private namespace", path);
	if (rc == 0)
		return 0;
	rc = sandbox_load(path, NULL, &r, e);
	sandbox_result_free(&r);
	if (rc)
		return xerr_wrap(e, "%s does not reload in a private namespace", path);
	return 0;
}

int table_commit_policy(const char *entry, const char *incdir, struct xerr *e)
{
	return table_load_isolated(entry, incdir, NULL, NULL, e);
}

/* ---- fingerprint ------------------------------------------------------- */

static bool is_ours(json_t *body)
{
	const char *fam = json_string_value(json_object_get(body, "family"));
	const char *tab = json_string_value(json_object_get(body, "table"));

	return fam && tab && !strcmp(fam, XNFT_TABLE_FAMILY) && !strcmp(tab, XNFT_TABLE_NAME);
}

static bool set_is_runtime(json_t *set)
{
	json_t *flags = json_object_get(set, "flags"), *f;
	size_t i;

	if (json_is_string(flags))
		return !strcmp(json_string_value(flags), "timeout") ||
		       !strcmp(json_string_value(flags), "dynamic");
	json_array_foreach(flags, i, f) {
		const char *s = json_string_value(f);

		if (s && (!strcmp(s, "timeout") || !strcmp(s, "dynamic")))
			return true;
	}
	return false;
}

/* Drop run-time state anywhere below v: handles, counter values, expiry, quota use. */
static void scrub(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	void *tmp;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			scrub(x);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_del(v, "handle");
	json_object_del(v, "expires");
	json_object_del(v, "used");
	/* stateless listings say "counter": null, others give the values */
	if (json_is_object(json_object_get(v, "counter")))
		json_object_set_new(v, "counter", json_null());
	json_object_foreach_safe(v, tmp, key, x)
		scrub(x);
}

/* Keep xnft's table objects only, scrubbed; returns a new array. */
static json_t *our_objects(json_t *root, bool *present)
{
	json_t *list = json_object_get(root, "nftables"), *item, *out = json_array();
	size_t i;

	*present = false;
	if (!out)
		return NULL;
	json_array_foreach(list, i, item) {
		const char *kind;
		json_t *body;

		if (!json_is_object(item) || json_object_size(item) != 1)
			continue;
		kind = json_object_iter_key(json_object_iter(item));
		body = json_object_iter_value(json_object_iter(item));
		if (!strcmp(kind, "metainfo") || !json_is_object(body))
			continue;
		if (!strcmp(kind, "table")) {
			const char *fam = json_string_value(json_object_get(body, "family"));
			const char *name = json_string_value(json_object_get(body, "name"));

			if (!fam || !name || strcmp(fam, XNFT_TABLE_FAMILY) ||
			    strcmp(name, XNFT_TABLE_NAME))
				continue;
			*present = true;
		} else if (!is_ours(body)) {
			continue;
		}
		body = json_deep_copy(body);
		if (!body)
			continue;
		if ((!strcmp(kind, "set") || !strcmp(kind, "map")) && set_is_runtime(body))
			json_object_del(body, "elem");
		scrub(body);
		json_array_append_new(out, json_pack("{s:o}", kind, body));
	}
	return out;
}

/* Hash our table's objects from one JSON listing (terse, or one set's own). */
static int hash_json_objects(crypto_hash_sha256_state *st, const char *json, bool *present,
			     struct xerr *e)
{
	json_error_t jerr;
	json_t *root, *mine;
	char *canon;
	bool here = false;

	root = json_loads(json, 0, &jerr);
	if (!root)
		return xerr_set(e, XNFT_EXIT_USAGE, "listing is not JSON: %s (line %d)", jerr.text,
				jerr.line);
	mine = our_objects(root, &here);
	json_decref(root);
	if (!mine)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	canon = json_dumps(mine, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(mine);
	if (!canon)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	crypto_hash_sha256_update(st, (const unsigned char *)canon, strlen(canon));
	free(canon);
	if (present)
		*present = here;
	return 0;
}

/*
 * Hash the dumped elements of our table's sets that only a policy changes:
 * not those of sets filled at run time (dynamic, or hash sets with timeouts
 * like the ban sets); of an interval set with timeouts (ADMIN_ALLOWLIST),
 * the elements the files list, not a temporary entry (admin add --for).
 */
static void hash_set_elems(crypto_hash_sha256_state *st, const struct setelem_set *s)
{
	bool timed = s->flags & NFT_SET_TIMEOUT;

	if (s->family != NFPROTO_INET || strcmp(s->table, XNFT_TABLE_NAME) ||
	    (s->flags & NFT_SET_EVAL) || (timed && !(s->flags & NFT_SET_INTERVAL)))
		return;
	crypto_hash_sha256_update(st, (const unsigned char *)s->name, strlen(s->name) + 1);
	for (size_t i = 0; i < s->n; i++) {
		const struct setelem_range *r = &s->v[i];
		const char *comment = r->comment ? s->comments + r->comment - 1 : "";

		if (timed && r->timeout_ms)
			continue;
		crypto_hash_sha256_update(st, r->lo, s->key_len);
		crypto_hash_sha256_update(st, r->hi, s->key_len);
		crypto_hash_sha256_update(st, (const unsigned char *)&r->timeout_ms,
					  sizeof(r->timeout_ms));
		crypto_hash_sha256_update(st, (const unsigned char *)comment, strlen(comment) + 1);
	}
}

int table_fingerprint(const struct listing *l, char hex[TABLE_HASH_HEX], bool *present,
		      struct xerr *e)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	hex[0] = '\0';
	*present = false;
	if (!l->json || !*l->json)
		return 0;
	if (sodium_init() < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "libsodium failed to initialise");
	crypto_hash_sha256_init(&st);
	if (hash_json_objects(&st, l->json, present, e))
		return -1;
	/* the dump and the lone listings come in the kernel's order: the same for the same table */
	for (size_t i = 0; i < l->sets.n; i++)
		hash_set_elems(&st, &l->sets.v[i]);
	for (size_t i = 0; i < l->nset_json; i++)
		if (hash_json_objects(&st, l->set_json[i], NULL, e))
			return -1;
	crypto_hash_sha256_final(&st, digest);
	if (*present)
		sodium_bin2hex(hex, TABLE_HASH_HEX, digest, sizeof(digest));
	return 0;
}

int table_fingerprint_live(char hex[TABLE_HASH_HEX], bool *present, struct xerr *e)
{
	struct listing l;
	int rc;

	hex[0] = '\0';
	*present = false;
	if (listing_read(&l, e))
		return -1;
	rc = table_fingerprint(&l, hex, present, e);
	listing_free(&l);
	return rc;
}

void table_bytes_hash(const void *data, size_t len, char hex[TABLE_HASH_HEX])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(hex, TABLE_HASH_HEX, digest, sizeof(digest));
}
