// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Load a ruleset in a throwaway network namespace. A child process makes
 * the namespace (a user namespace first when it is not root), loads the
 * file, lists what the kernel accepted and sends the results back over a
 * pipe in frames of [type:1][length:4][payload]. The namespace dies with
 * the child, so nothing of the load ever reaches the host.
 */
#include "core/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "core/fdio.h"
#include "core/rtnl.h"
#include "core/spawn.h"

enum frame_type {
	FRAME_JSON = 'J',  /* the terse `list ruleset` output */
	FRAME_SET = 'S',   /* one set's elements from the netlink dump, packed */
	FRAME_SET_JSON = 'M', /* one other set's own JSON listing */
	FRAME_DIAG = 'D',  /* one struct nft_diag */
	FRAME_ERR = 'E',   /* the struct xerr that ended the child */
	FRAME_END = 'Z',   /* all of the listing has been sent */
};

/* Child exit codes. */
enum {
	CHILD_OK = 0,
	CHILD_FINDINGS = 1,
	CHILD_ENV = 2,
};

#define FRAME_MAX (256u << 20) /* a listing larger than 256 MiB is not a ruleset */

void sandbox_result_free(struct sandbox_result *r)
{
	if (!r)
		return;
	listing_free(&r->listing);
	nft_diags_free(&r->diags);
}

/* ---- child ------------------------------------------------------------- */

static int send_frame(int fd, char type, const void *data, size_t len)
{
	unsigned char hdr[5];
	uint32_t n = (uint32_t)len;

	hdr[0] = (unsigned char)type;
	memcpy(hdr + 1, &n, sizeof(n));
	if (fd_write_all(fd, hdr, sizeof(hdr)))
		return -1;
	return len ? fd_write_all(fd, data, len) : 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fd_write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* Become root of a new user namespace that owns a new network namespace. */
static int enter_user_netns(struct xerr *e)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return xerr_set(e, XNFT_EXIT_USAGE,
				"cannot create a private network namespace: %s", strerror(errno));
	if (write_file("/proc/self/setgroups", "deny"))
		return xerr_set(e, XNFT_EXIT_USAGE, "writing /proc/self/setgroups: %s",
				strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map))
		return xerr_set(e, XNFT_EXIT_USAGE, "writing /proc/self/uid_map: %s",
				strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map))
		return xerr_set(e, XNFT_EXIT_USAGE, "writing /proc/self/gid_map: %s",
				strerror(errno));
	return 0;
}

static int enter_private_netns(struct xerr *e)
{
	/* Root in a container may lack CAP_SYS_ADMIN: try a user namespace then. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0)
		return 0;
	if (enter_user_netns(e) == 0)
		return 0;
	return xerr_hint(e, "run as root, or enable unprivileged user namespaces "
			 "(sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0)");
}

/* ---- stand-in interfaces ---------------------------------------------- */

/*
 * `iif eth0` is resolved to an interface index when the rule is loaded, so
 * a policy naming the host's interfaces (or another host's) fails in an
 * empty namespace. The name comes from the diagnostic's source text; a
 * stand-in link of that name makes the load go through.
 */
static int add_missing_interfaces(const struct nft_diags *d)
{
	struct xerr ignored;   /* a link that cannot be made: the load reports the interface */
	int added = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct nft_diag *x = &d->v[i];
		char name[16];
		size_t len;
		const char *p;

		if (strcmp(x->msg, "Interface does not exist") || x->col < 1 ||
		    (size_t)x->col > strlen(x->text))
			return 0;
		p = x->text + x->col - 1;
		if (*p == '"')
			p++;
		len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@:");
		if (len == 0 || len >= sizeof(name))
			return 0;
		memcpy(name, p, len);
		name[len] = '\0';
		if (rtnl_link_add(name, "dummy", &ignored) == 0 ||
		    rtnl_link_add(name, "bridge", &ignored) == 0)
			added++;
	}
	return added;
}

#define MAX_LOAD_ROUNDS 16

static int load_with_stand_ins(struct nftctx *ctx, const char *path,
			       struct nft_diags *diags, struct xerr *e)
{
	for (int round = 0; round < MAX_LOAD_ROUNDS; round++) {
		nft_diags_free(diags);
		if (nftctx_load_file(ctx, path, diags, e) == 0)
			return 0;
		if (!add_missing_interfaces(diags))
			return -1;
	}
	return -1;
}

static int send_sets(int fd, const struct listing *l)
{
	for (size_t i = 0; i < l->sets.n; i++) {
		size_t len;
		void *buf = setelem_set_pack(&l->sets.v[i], &len);
		int rc = buf && len <= FRAME_MAX ? send_frame(fd, FRAME_SET, buf, len) : -1;

		free(buf);
		if (rc)
			return -1;
	}
	for (size_t i = 0; i < l->nset_json; i++)
		if (send_frame(fd, FRAME_SET_JSON, l->set_json[i], strlen(l->set_json[i])))
			return -1;
	return 0;
}

/*
 * The JSON listing and its anonymous chains, with this process's stderr
 * shut meanwhile: libnftables 1.0.6 prints "warning: stmt ops chain have no
 * json callback" there for every anonymous chain, which core/bound.c then
 * reads; its real complaints come through the context's error buffer.
 */
static int read_json_quietly(struct nftctx *ctx, struct listing *l, struct xerr *e)
{
	int saved = fd_stderr_mute(), rc;

	rc = listing_read_json(l, ctx, e) || listing_read_anonymous(l, ctx, e) ? -1 : 0;
	fd_stderr_restore(saved);
	return rc;
}

/*
 * The ruleset's JSON goes first: the parent builds the model from it while
 * this process is still dumping set elements, which for large interval
 * sets is most of the kernel's work.
 */
static int send_listing(int fd, struct nftctx *ctx, struct listing *l, struct xerr *e)
{
	if (read_json_quietly(ctx, l, e))
		return -1;
	if (send_frame(fd, FRAME_JSON, l->json, strlen(l->json)))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot hand the listing over");
	/* nothing else runs in this namespace: a change under the dump is a failure */
	if (listing_read_sets(l, ctx, e)) {
		if (!e->msg[0])
			xerr_set(e, XNFT_EXIT_USAGE, "the private namespace's ruleset changed while read");
		return -1;
	}
	if (send_sets(fd, l))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot hand the set elements over");
	return 0;
}

static int child_load(int fd, const char *path, const char *include_dir)
{
	struct nft_diags diags = { 0 };
	struct listing l = { 0 };
	struct nftctx *ctx;
	struct xerr e;
	int rc = CHILD_ENV;

	xerr_clear(&e);
	if (enter_private_netns(&e))
		goto out;
	ctx = nftctx_new(0, &e);
	if (!ctx)
		goto out;
	if (include_dir && nftctx_add_include_path(ctx, include_dir, &e)) {
		nftctx_free(ctx);
		goto out;
	}
	if (load_with_stand_ins(ctx, path, &diags, &e)) {
		nftctx_free(ctx);
		for (size_t i = 0; i < diags.n; i++)
			send_frame(fd, FRAME_DIAG, &diags.v[i], sizeof(diags.v[i]));
		rc = CHILD_FINDINGS;
		goto out;
	}
	/*
	 * The load's context lists too, and is not freed: the first netlink
	 * socket closed after a commit costs the kernel ~10 ms, which the
	 * process exit pays once the parent has its result (FRAME_END).
	 */
	if (send_listing(fd, ctx, &l, &e) == 0 && send_frame(fd, FRAME_END, NULL, 0) == 0)
		rc = CHILD_OK;
out:
	if (rc != CHILD_OK)
		send_frame(fd, FRAME_ERR, &e, sizeof(e));
	listing_free(&l);
	nft_diags_free(&diags);
	return rc;
}

/* ---- parent ------------------------------------------------------------ */

/* Read one frame; 1 on a frame, 0 at end of stream, -1 on a broken stream. */
static int recv_frame(int fd, char *type, char **data, size_t *len)
{
	unsigned char hdr[5];
	uint32_t n;
	ssize_t r;

	do
		r = read(fd, hdr, 1);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0 || fd_read_full(fd, hdr + 1, 4) != 4)
		return -1;
	memcpy(&n, hdr + 1, sizeof(n));
	if (n > FRAME_MAX)
		return -1;
	*type = (char)hdr[0];
	*data = malloc((size_t)n + 1);
	if (!*data)
		return -1;
	if (n && fd_read_full(fd, *data, n) != n) {
		free(*data);
		return -1;
	}
	(*data)[n] = '\0';
	*len = n;
	return 1;
}

static int take_set(struct sandbox_result *r, const char *data, size_t len)
{
	struct setelem_set set;

	if (setelem_set_unpack(data, len, &set))
		return -1;
	if (setelem_dump_take(&r->listing.sets, &set)) {
		setelem_set_free(&set);
		return -1;
	}
	return 0;
}

static int take_diag(struct sandbox_result *r, const char *data, size_t len)
{
	struct nft_diag *v;

	if (len != sizeof(struct nft_diag))
		return -1;
	v = realloc(r->diags.v, (r->diags.n + 1) * sizeof(*v));
	if (!v)
		return -1;
	memcpy(&v[r->diags.n++], data, sizeof(*v));
	r->diags.v = v;
	return 0;
}

static int take_err(struct xerr *child_err, int *have_err, const char *data, size_t len)
{
	if (len != sizeof(*child_err))
		return -1;
	memcpy(child_err, data, sizeof(*child_err));
	xerr_terminate(child_err);
	*have_err = 1;
	return 0;
}

/* Keep one frame; data is taken (kept or freed). */
static int take_frame(struct sandbox_result *r, struct xerr *child_err, int *have_err,
		      char type, char *data, size_t len)
{
	int rc = -1;

	switch (type) {
	case FRAME_JSON:
		free(r->listing.json);
		r->listing.json = data;
		return 0;
	case FRAME_SET_JSON:
		if (listing_add_set_json(&r->listing, data) == 0)
			return 0;
		break;
	case FRAME_SET:
		rc = take_set(r, data, len);
		break;
	case FRAME_DIAG:
		rc = take_diag(r, data, len);
		break;
	case FRAME_ERR:
		rc = take_err(child_err, have_err, data, len);
		break;
	case FRAME_END:
		rc = 0;
		break;
	}
	free(data);
	return rc;
}

/*
 * Read frames into the job until the end of the stream or, with
 * until_json, until the ruleset's JSON has come (the sets come after it).
 */
static void collect(struct sandbox_job *job, bool until_json)
{
	char type, *data;
	size_t len;
	int got;

	while (!job->eof) {
		got = recv_frame(job->fd, &type, &data, &len);
		if (got <= 0) {
			job->eof = true;
			job->broken |= got < 0;
			break;
		}
		if (take_frame(&job->res, &job->child_err, &job->have_err, type, data, len))
			job->broken = true;
		if (type == FRAME_END) {
			job->ended = true;
			job->eof = true;
		}
		if (until_json && type == FRAME_JSON)
			break;
	}
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Children whose result is in but which are still exiting: reaped at the
 * next sandbox start, or by init once this process is gone. A full list
 * waits instead.
 */
static pid_t exiting[16];
static size_t nexiting;

static void reap_exited(void)
{
	size_t k = 0;

	for (size_t i = 0; i < nexiting; i++) {
		if (waitpid(exiting[i], NULL, WNOHANG) == 0)
			exiting[k++] = exiting[i];
	}
	nexiting = k;
}

static void reap_later(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, WNOHANG) != 0)
		return;
	reap_exited();
	if (nexiting < sizeof(exiting) / sizeof(exiting[0]))
		exiting[nexiting++] = pid;
	else
		wait_child(pid, &status);
}

int sandbox_start(const char *path, const char *include_dir, struct sandbox_job *job,
		  struct xerr *e)
{
	pid_t pid;
	int fd;

	reap_exited();
	memset(job, 0, sizeof(*job));
	job->fd = -1;
	xerr_clear(&job->child_err);
	snprintf(job->path, sizeof(job->path), "%s", path);
	if (spawn_fork_piped(&pid, &fd, e))
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		signal(SIGPIPE, SIG_IGN);
		/* a policy that includes /dev/stdin must not wait for a terminal */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
		_exit(child_load(fd, path, include_dir));
	}
	job->pid = pid;
	job->fd = fd;
	return 0;
}

const char *sandbox_wait_json(struct sandbox_job *job)
{
	collect(job, true);
	return job->res.listing.json;
}

int sandbox_finish(struct sandbox_job *job, struct sandbox_result *r, struct xerr *e)
{
	const struct xerr *child_err = &job->child_err;
	const char *path = job->path;
	int status = 0;

	collect(job, false);
	close(job->fd);
	job->fd = -1;
	*r = job->res;
	memset(&job->res, 0, sizeof(job->res));
	if (job->ended && !job->have_err && !job->broken && r->listing.json) {
		/* the whole result is in: the child may take its time to exit */
		reap_later(job->pid);
		return 0;
	}
	if (wait_child(job->pid, &status))
		return xerr_set(e, XNFT_EXIT_USAGE, "waitpid: %s", strerror(errno));
	if (job->have_err && WIFEXITED(status) &&
	    (WEXITSTATUS(status) == CHILD_FINDINGS || WEXITSTATUS(status) == CHILD_ENV)) {
		*e = *child_err;
		e->code = WEXITSTATUS(status) == CHILD_FINDINGS ? XNFT_EXIT_FINDINGS
							      : XNFT_EXIT_USAGE;
		return -1;
	}
	if (WIFSIGNALED(status))
		return xerr_set(e, XNFT_EXIT_USAGE,
				"the sandbox process loading %s died of signal %d",
				path, WTERMSIG(status));
	return xerr_set(e, XNFT_EXIT_USAGE,
			"the sandbox process loading %s ended without a result", path);
}

int sandbox_load(const char *path, const char *include_dir,
		 struct sandbox_result *r, struct xerr *e)
{
	struct sandbox_job job;

	memset(r, 0, sizeof(*r));
	if (sandbox_start(path, include_dir, &job, e))
		return -1;
	return sandbox_finish(&job, r, e);
}
