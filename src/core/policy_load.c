// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Policy loading: resolve the path, load in the sandbox, build the model,
 * recover source locations.
 */
#include "core/policy_load.h"

#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/nftctx.h"
#include "core/paths.h"
#include "core/rtnl.h"
#include "core/sandbox.h"
#include "core/srcloc.h"

static int missing(const char *path, const char *what, struct xerr *e)
{
	int err = errno;

	xerr_set(e, XNFT_EXIT_USAGE, "%s %s: %s", what, path, strerror(err));
	errno = err;
	if (errno == ENOENT && (!strcmp(path, XNFT_DEFAULT_POLICY) || !strcmp(path, XNFT_ETC_DIR)))
		return xerr_hint(e, "create one with: xnft init %s", XNFT_ETC_DIR);
	if (errno == ENOENT)
		return xerr_hint(e, "give a policy file, or a directory holding %s "
				 "(xnft init DIR writes one)", POLICY_ENTRY_NAME);
	if (errno == EACCES)
		return xerr_hint(e, "make it readable for this user, or run as root");
	return -1;
}

/*
 * nft reads any bytes and echoes the line it failed on: a binary file given
 * by mistake would fill the terminal with raw bytes. A control character
 * other than whitespace in the first 64 KiB means it is not a policy.
 */
static int text_file(const char *path, struct xerr *e)
{
	unsigned char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return missing(path, "cannot read policy", e);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if ((c < 0x20 && !strchr("\t\n\r\f\v", c)) || c == 0x7f) {
			xerr_at(e, XNFT_EXIT_FINDINGS, path, 0, 0, "not a text file (byte 0x%02x "
				"at offset %zu)", c, i);
			return xerr_hint(e, "give the nftables policy file (text), or a directory "
					 "holding %s", POLICY_ENTRY_NAME);
		}
	}
	return 0;
}

int policy_resolve(const char *path_or_dir, char *entry, size_t entry_len,
		   char *incdir, size_t incdir_len, struct xerr *e)
{
	struct stat st;
	const char *slash;

	if (!path_or_dir || !*path_or_dir)
		return xerr_set(e, XNFT_EXIT_USAGE, "empty policy path");
	if (stat(path_or_dir, &st))
		return missing(path_or_dir, "cannot open policy", e);
	if (S_ISDIR(st.st_mode)) {
		size_t n = strlen(path_or_dir);

		while (n > 1 && path_or_dir[n - 1] == '/')
			n--;
		if ((size_t)snprintf(entry, entry_len, "%.*s/%s", (int)n, path_or_dir,
				     POLICY_ENTRY_NAME) >= entry_len)
			return xerr_set(e, XNFT_EXIT_USAGE, "policy path too long: %s", path_or_dir);
		snprintf(incdir, incdir_len, "%.*s", (int)n, path_or_dir);
		if (stat(entry, &st))
			return missing(entry, "cannot open policy", e);
	} else {
		if ((size_t)snprintf(entry, entry_len, "%s", path_or_dir) >= entry_len)
			return xerr_set(e, XNFT_EXIT_USAGE, "policy path too long: %s", path_or_dir);
		slash = strrchr(entry, '/');
		if (!slash)
			snprintf(incdir, incdir_len, ".");
		else if (slash == entry)
			snprintf(incdir, incdir_len, "/");
		else
			snprintf(incdir, incdir_len, "%.*s", (int)(slash - entry), entry);
	}
	if (!S_ISREG(st.st_mode))
		return xerr_set(e, XNFT_EXIT_USAGE, "policy %s is not a regular file", entry);
	if (access(entry, R_OK))
		return missing(entry, "cannot read policy", e);
	return text_file(entry, e);
}

static void add_locations(struct ruleset *rs, const char *entry)
{
	char incdir[4096];
	const char *dirs[2] = { incdir, "/etc" };
	const char *slash = strrchr(entry, '/');
	struct srcloc sl;
	struct xerr ignored;

	if (!slash)
		snprintf(incdir, sizeof(incdir), ".");
	else
		snprintf(incdir, sizeof(incdir), "%.*s",
			 (int)(slash == entry ? 1 : slash - entry), entry);
	/* locations are a help for messages: without them the model still stands */
	if (srcloc_scan(entry, dirs, 2, &sl, &ignored))
		return;
	srcloc_apply(&sl, rs);
	srcloc_free(&sl);
}

/*
 * Build the model from the ruleset's JSON as soon as it has come, while
 * the child still dumps set elements; 0 also when it will not come (the
 * finish says why).
 */
static int model_early(struct sandbox_job *job, const char *entry, struct ruleset **out,
		       struct xerr *e)
{
	const char *json = sandbox_wait_json(job);

	if (!json)
		return 0;
	if (ruleset_from_json(json, strlen(json), out, e))
		return xerr_wrap(e, "reading the listing of %s", entry);
	add_locations(*out, entry);
	return 0;
}

/* Collect the rest of one load and complete its model; diags taken when it did not load. */
static int model_finish(struct sandbox_job *job, const char *entry, struct ruleset **out,
			struct nft_diags *diags, struct xerr *e)
{
	struct sandbox_result r;
	int rc = -1;

	if (sandbox_finish(job, &r, e)) {
		if (diags) {
			*diags = r.diags;
			r.diags.v = NULL;
			r.diags.n = 0;
		}
	} else if (*out && listing_model_sets(&r.listing, *out, e) == 0) {
		rc = 0;
	} else if (*out) {
		xerr_wrap(e, "reading the set elements of %s", entry);
	}
	sandbox_result_free(&r);
	if (rc) {
		ruleset_free(*out);
		*out = NULL;
	}
	return rc;
}

int policy_load_many(const char *const *paths, size_t n, struct ruleset **out,
		     struct nft_diags *diags, struct xerr *e)
{
	char entry[POLICY_LOAD_MAX][4096], incdir[4096];
	struct sandbox_job jobs[POLICY_LOAD_MAX];
	size_t started = 0, i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		out[i] = NULL;
		if (diags)
			memset(&diags[i], 0, sizeof(diags[i]));
		xerr_clear(&e[i]);
	}
	if (n > POLICY_LOAD_MAX)
		return xerr_set(&e[0], XNFT_EXIT_USAGE, "at most %d policies at once",
				POLICY_LOAD_MAX);
	/* every load in its own child at once: on two cores, two loads cost one */
	for (i = 0; i < n; i++) {
		if (policy_resolve(paths[i], entry[i], sizeof(entry[i]), incdir, sizeof(incdir),
				   &e[i]) ||
		    sandbox_start(entry[i], incdir, &jobs[i], &e[i])) {
			rc = -1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		struct xerr early;

		xerr_clear(&early);
		if (model_early(&jobs[i], entry[i], &out[i], &early)) {
			/* the JSON did not parse: finish the load, then report that */
			model_finish(&jobs[i], entry[i], &out[i], diags ? &diags[i] : NULL, &e[i]);
			e[i] = early;
			jobs[i].pid = 0;
			rc = -1;
		}
	}
	for (i = 0; i < started; i++) {
		if (jobs[i].pid &&
		    model_finish(&jobs[i], entry[i], &out[i], diags ? &diags[i] : NULL, &e[i]))
			rc = -1;
	}
	return rc;
}

int policy_load(const char *path_or_dir, struct ruleset **out, struct nft_diags *diags,
		struct xerr *e)
{
	return policy_load_many(&path_or_dir, 1, out, diags, e);
}

/* The calling namespace's own addresses: a live ruleset's dnat targets are judged by them. */
static int add_host_addresses(struct ruleset *rs, struct xerr *e)
{
	struct ifaddrs *all, *i;
	int rc = 0;

	if (getifaddrs(&all))
		return xerr_set(e, XNFT_EXIT_USAGE, "reading this host's addresses: %s",
				strerror(errno));
	for (i = all; i && !rc; i = i->ifa_next) {
		int fam = i->ifa_addr ? i->ifa_addr->sa_family : AF_UNSPEC;
		struct prefix p = { .family = fam, .len = fam == AF_INET6 ? 128 : 32 };

		if (fam == AF_INET)
			memcpy(p.addr, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		else if (fam == AF_INET6)
			memcpy(p.addr, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		else
			continue;
		if (ruleset_add_local(rs, &p))
			rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	freeifaddrs(all);
	rs->local_known = true;   /* even a host with no address has told us so */
	return rc;
}

/* The calling namespace's bridge ports: which packets the bridge family's chains can see. */
static int add_bridge_ports(struct ruleset *rs, struct xerr *e)
{
	struct rtnl_brport *v;
	size_t n;
	int rc = 0;

	if (rtnl_bridge_ports(&v, &n, e))
		return -1;
	for (size_t i = 0; i < n && !rc; i++)
		if (ruleset_add_brport(rs, v[i].port, v[i].bridge))
			rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	free(v);
	rs->brports_known = true;   /* a host with no bridge has told us so too */
	return rc;
}

/*
 * One of the calling namespace's net.bridge.bridge-nf-call-* sysctls (per
 * namespace): absent means br_netfilter is not loaded, so off.
 */
static enum rs_brnf read_brnf(const char *name)
{
	char path[96], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/bridge/%s", name);
	f = fopen(path, "r");
	if (!f)
		return RS_BRNF_OFF;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] == '1' ? RS_BRNF_ON : RS_BRNF_OFF;
}

/* The calling namespace's ruleset as nft prints it, into file fd; -1 when it cannot be had. */
static int write_live_text(int fd)
{
	struct nftctx *ctx;
	char *text = NULL;
	struct xerr e;
	int rc = -1;

	xerr_clear(&e);
	ctx = nftctx_new(0, &e);
	if (ctx && nftctx_run(ctx, "list ruleset", &text, &e) == 0 && text)
		rc = fd_write_all(fd, text, strlen(text));
	free(text);
	nftctx_free(ctx);
	return rc;
}

/*
 * Anonymous chains of the host's ruleset (`jump { ... }`): libnftables
 * 1.0.6 lists them only as text, and core/bound.c reads them by loading
 * them as chains, which must never happen to the host's ruleset. So the
 * ruleset, as nft prints it, is loaded again in a private namespace
 * (sandbox.h), the chains are read there, and the host's listing takes
 * them (listing_take_anonymous). When the copy does not load, the
 * statements stay text: unknown statements, widened and reported.
 */
static void read_live_anonymous(struct listing *l)
{
	const char *tmp = getenv("TMPDIR");
	struct sandbox_result r;
	char path[PATH_MAX];
	struct xerr e;
	int fd;

	if (!l->json || !strstr(l->json, " {\\n"))
		return;
	if ((size_t)snprintf(path, sizeof(path), "%s/xnft-live.XXXXXX",
			     tmp && *tmp ? tmp : "/tmp") >= sizeof(path))
		return;
	fd = mkstemp(path);
	if (fd < 0)
		return;
	xerr_clear(&e);
	if (write_live_text(fd) == 0 && sandbox_load(path, NULL, &r, &e) == 0) {
		listing_take_anonymous(l, &r.listing, &e);
		sandbox_result_free(&r);
	}
	close(fd);
	unlink(path);
}

/* A base chain at ingress or egress whose listing names no device. */
static bool lacks_devices(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->ntables; t++)
		for (size_t c = 0; c < rs->tables[t]->nchains; c++) {
			const struct rs_chain *ch = rs->tables[t]->chains[c];

			if (ch->base && !ch->ndevices &&
			    (ch->hook == RS_HOOK_INGRESS || ch->hook == RS_HOOK_EGRESS))
				return true;
		}
	return false;
}

/*
 * nft's JSON listing leaves a netdev (or inet ingress) chain's devices out;
 * its text listing names them in the chain header, which srcloc reads.
 * Without them the analysis takes the chain as bound to every interface.
 */
static void add_live_devices(struct ruleset *rs)
{
	struct srcloc s = { 0 };
	struct nftctx *ctx;
	char *text = NULL;
	struct xerr e;

	if (!lacks_devices(rs))
		return;
	xerr_clear(&e);
	ctx = nftctx_new(0, &e);
	if (ctx && nftctx_run(ctx, "list ruleset", &text, &e) == 0 && text &&
	    srcloc_scan_buffer("live", text, NULL, 0, &s, &e) == 0)
		srcloc_apply_devices(&s, rs);
	srcloc_free(&s);
	free(text);
	nftctx_free(ctx);
}

int policy_load_live(struct ruleset **out, struct xerr *e)
{
	struct listing l;
	int rc, saved;

	*out = NULL;
	/* libnftables warns on stderr for each anonymous chain, read below */
	saved = fd_stderr_mute();
	rc = listing_read(&l, e);
	fd_stderr_restore(saved);
	if (rc) {
		if (e->code != XNFT_EXIT_USAGE)
			e->code = XNFT_EXIT_USAGE;
		return xerr_hint(e, "reading the kernel's ruleset needs CAP_NET_ADMIN: run as root");
	}
	read_live_anonymous(&l);
	rc = listing_model(&l, out, e);
	listing_free(&l);
	if (!rc) {
		add_live_devices(*out);
		(*out)->brnf4 = read_brnf("bridge-nf-call-iptables");
		(*out)->brnf6 = read_brnf("bridge-nf-call-ip6tables");
	}
	if (!rc && (add_host_addresses(*out, e) || add_bridge_ports(*out, e))) {
		ruleset_free(*out);
		*out = NULL;
		rc = -1;
	}
	return rc;
}

int policy_load_listing(const struct listing *l, const char *src_entry, struct ruleset **out,
			struct xerr *e)
{
	if (listing_model(l, out, e))
		return xerr_wrap(e, "reading the listing of %s", src_entry ? src_entry : "the ruleset");
	if (src_entry)
		add_locations(*out, src_entry);
	return 0;
}

int policy_load_json(const char *json, size_t len, const char *src_entry,
		     struct ruleset **out, struct xerr *e)
{
	if (ruleset_from_json(json, len, out, e))
		return -1;
	if (src_entry)
		add_locations(*out, src_entry);
	return 0;
}
