// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lint in a child process, side by side with the caller. BuDDy holds one
 * engine per process, so lint's symbolic engine (which treats empty sets
 * as open) and the one verify and exposure share can run at the same time
 * only in two processes. The child inherits the model by fork, lints it and
 * writes the report to a pipe; the parent reads it back when its own work
 * is done. A report is a flat record: counts, then per finding its
 * severity, line, rule (as its index in the model) and seven strings.
 */
#include "analyze/lint.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/spawn.h"

#define NO_STRING UINT32_MAX
#define REPORT_MAX (64u << 20)

/* ---- a growing byte buffer ------------------------------------------------- */

struct wbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wbuf *w, const void *data, size_t len)
{
	if (w->oom)
		return;
	if (w->len + len > w->cap) {
		size_t cap = (w->len + len) * 2;
		char *p = realloc(w->p, cap);

		if (!p) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, len);
	w->len += len;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_str(struct wbuf *w, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	put_u32(w, s ? (uint32_t)len : NO_STRING);
	if (s)
		put(w, s, len);
}

/* ---- rules as indexes ------------------------------------------------------ */

static int64_t rule_index(const struct ruleset *rs, const struct rs_rule *rule)
{
	int64_t n = 0;

	for (size_t t = 0; rule && t < rs->ntables; t++) {
		for (size_t c = 0; c < rs->tables[t]->nchains; c++) {
			const struct rs_chain *ch = rs->tables[t]->chains[c];

			if (rule >= ch->rules && rule < ch->rules + ch->nrules)
				return n + (rule - ch->rules);
			n += (int64_t)ch->nrules;
		}
	}
	return -1;
}

static const struct rs_rule *rule_at(const struct ruleset *rs, int64_t i)
{
	for (size_t t = 0; i >= 0 && t < rs->ntables; t++) {
		for (size_t c = 0; c < rs->tables[t]->nchains; c++) {
			const struct rs_chain *ch = rs->tables[t]->chains[c];

			if (i < (int64_t)ch->nrules)
				return &ch->rules[i];
			i -= (int64_t)ch->nrules;
		}
	}
	return NULL;
}

/* ---- the child -------------------------------------------------------------- */

static void pack_report(struct wbuf *w, const struct ruleset *rs, const struct lint_report *r)
{
	put_u32(w, (uint32_t)r->n);
	put_u32(w, r->oom);
	put_u32(w, r->incomplete);
	put_u32(w, (uint32_t)r->unchecked);
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->v[i];
		int64_t idx = rule_index(rs, f->rule);

		put_u32(w, (uint32_t)f->sev);
		put_u32(w, (uint32_t)f->line);
		put(w, &idx, sizeof(idx));
		put_str(w, f->id);
		put_str(w, f->file);
		put_str(w, f->where);
		put_str(w, f->text);
		put_str(w, f->comment);
		put_str(w, f->message);
		put_str(w, f->hint);
	}
}

/* Lint and write [rc][the error or the report]; never returns. */
static void child(int fd, const char *policy, const struct ruleset *rs)
{
	struct lint_report r = { 0 };
	struct wbuf w = { 0 };
	struct xerr e;
	int rc;

	xerr_clear(&e);
	rc = policy ? lint_check(policy, rs, &r, &e) : lint_ruleset(rs, NULL, &r, &e);
	put_u32(&w, (uint32_t)(rc ? 1 : 0));
	if (rc)
		put(&w, &e, sizeof(e));
	else
		pack_report(&w, rs, &r);
	rc = !w.oom && fd_write_all(fd, w.p, w.len) == 0 ? 0 : 1;
	_exit(rc);
}

/* ---- the parent -------------------------------------------------------------- */

struct rbuf {
	const char *p, *end;
	bool bad;
};

static uint32_t get_u32(struct rbuf *r)
{
	uint32_t v = 0;

	if (r->end - r->p < (ptrdiff_t)sizeof(v)) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static char *get_str(struct rbuf *r)
{
	uint32_t len = get_u32(r);
	char *s;

	if (r->bad || len == NO_STRING)
		return NULL;
	if (r->end - r->p < (ptrdiff_t)len) {
		r->bad = true;
		return NULL;
	}
	s = malloc((size_t)len + 1);
	if (!s) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, r->p, len);
	s[len] = '\0';
	r->p += len;
	return s;
}

static int unpack_finding(struct rbuf *r, const struct ruleset *rs, struct lint_finding *f)
{
	int64_t idx = -1;
	char *id;
	const struct lint_id_info *info;

	memset(f, 0, sizeof(*f));
	f->sev = (enum lint_severity)get_u32(r);
	f->line = (int)get_u32(r);
	if (r->end - r->p < (ptrdiff_t)sizeof(idx))
		return -1;
	memcpy(&idx, r->p, sizeof(idx));
	r->p += sizeof(idx);
	f->rule = rule_at(rs, idx);
	id = get_str(r);
	info = id ? lint_id_lookup(id) : NULL;
	free(id);
	f->id = info ? info->id : NULL;
	f->file = get_str(r);
	f->where = get_str(r);
	f->text = get_str(r);
	f->comment = get_str(r);
	f->message = get_str(r);
	f->hint = get_str(r);
	return r->bad || !f->id ? -1 : 0;
}

static int unpack(const char *buf, size_t len, const struct ruleset *rs, struct lint_report *out,
		  struct xerr *e)
{
	struct rbuf r = { buf, buf + len, false };
	uint32_t n;

	if (get_u32(&r)) {
		if (r.end - r.p != (ptrdiff_t)sizeof(*e))
			return xerr_set(e, XNFT_EXIT_USAGE, "lint: a broken error from its process");
		memcpy(e, r.p, sizeof(*e));
		xerr_terminate(e);
		return -1;
	}
	n = get_u32(&r);
	out->oom = get_u32(&r);
	out->incomplete = get_u32(&r);
	out->unchecked = get_u32(&r);
	if (r.bad || n > len / 16)
		return xerr_set(e, XNFT_EXIT_USAGE, "lint: a broken report from its process");
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	out->cap = n ? n : 1;
	for (uint32_t i = 0; i < n; i++) {
		int rc = unpack_finding(&r, rs, &out->v[out->n]);

		out->n++;
		if (rc) {
			lint_report_free(out);
			return xerr_set(e, XNFT_EXIT_USAGE, "lint: a broken report from its process");
		}
	}
	return 0;
}

int lint_async_start(const char *policy, const struct ruleset *rs, struct lint_async *a,
		     struct xerr *e)
{
	if (spawn_fork_piped(&a->pid, &a->fd, e))
		return -1;
	if (a->pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		child(a->fd, policy, rs);
	}
	return 0;
}

int lint_async_finish(struct lint_async *a, const struct ruleset *rs, struct lint_report *out,
		      struct xerr *e)
{
	char *buf = NULL;
	size_t len = 0;
	int status = 0, got, rc;

	memset(out, 0, sizeof(*out));
	got = fd_read_all(a->fd, REPORT_MAX, &buf, &len);
	close(a->fd);
	a->fd = -1;
	while (waitpid(a->pid, &status, 0) < 0 && errno == EINTR)
		;
	a->pid = -1;
	if (got || !len || !WIFEXITED(status) || WEXITSTATUS(status)) {
		free(buf);
		return xerr_set(e, XNFT_EXIT_USAGE, "lint: its process ended without a report%s",
				WIFSIGNALED(status) ? " (killed by a signal)" : "");
	}
	rc = unpack(buf, len, rs, out, e);
	free(buf);
	return rc;
}
