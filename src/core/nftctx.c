// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libnftables behind a small interface: output and errors are buffered, and
 * the error text is turned into diagnostics with file, line and column so
 * the commands can print them the way a compiler does.
 */
#include "core/nftctx.h"
#include "core/didyoumean.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#define NFTCTX_MAX_INCLUDES 16
#define NFT_DEFAULT_INCLUDE "/etc"

struct nftctx {
	struct nft_ctx *nft;
	unsigned flags;
	char *includes[NFTCTX_MAX_INCLUDES];
	size_t nincludes;
};

void nft_diags_free(struct nft_diags *d)
{
	if (!d)
		return;
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static unsigned output_flags(unsigned flags)
{
	unsigned f = 0;

	if (flags & NFTCTX_JSON)
		f |= NFT_CTX_OUTPUT_JSON;
	if (flags & NFTCTX_NUMERIC)
		f |= NFT_CTX_OUTPUT_NUMERIC_ALL;
	if (flags & NFTCTX_HANDLES)
		f |= NFT_CTX_OUTPUT_HANDLE;
	if (flags & NFTCTX_ECHO)
		f |= NFT_CTX_OUTPUT_ECHO;
	if (flags & NFTCTX_STATELESS)
		f |= NFT_CTX_OUTPUT_STATELESS;
	if (flags & NFTCTX_TERSE)
		f |= NFT_CTX_OUTPUT_TERSE;
	return f;
}

struct nftctx *nftctx_new(unsigned flags, struct xerr *e)
{
	struct nftctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		return NULL;
	}
	ctx->flags = flags;
	ctx->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx->nft) {
		free(ctx);
		xerr_set(e, XNFT_EXIT_USAGE, "cannot create a libnftables context");
		return NULL;
	}
	if (nft_ctx_buffer_output(ctx->nft) || nft_ctx_buffer_error(ctx->nft)) {
		nftctx_free(ctx);
		xerr_set(e, XNFT_EXIT_USAGE, "cannot buffer libnftables output");
		return NULL;
	}
	nft_ctx_output_set_flags(ctx->nft, output_flags(flags));
	nft_ctx_set_dry_run(ctx->nft, (flags & NFTCTX_DRY_RUN) != 0);
	return ctx;
}

void nftctx_set_output(struct nftctx *ctx, unsigned flags)
{
	ctx->flags = (ctx->flags & NFTCTX_DRY_RUN) | (flags & ~(unsigned)NFTCTX_DRY_RUN);
	nft_ctx_output_set_flags(ctx->nft, output_flags(ctx->flags));
}

void nftctx_free(struct nftctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->nft)
		nft_ctx_free(ctx->nft);
	for (size_t i = 0; i < ctx->nincludes; i++)
		free(ctx->includes[i]);
	free(ctx);
}

/*
 * libnftables searches its default /etc before any path added later, so a
 * file of the policy could be shadowed by one of the same name under /etc.
 * The paths xnft adds come first, in the order added, and /etc last; the
 * source-location scanner searches in the same order.
 */
int nftctx_add_include_path(struct nftctx *ctx, const char *dir, struct xerr *e)
{
	if (ctx->nincludes >= NFTCTX_MAX_INCLUDES)
		return xerr_set(e, XNFT_EXIT_USAGE, "too many include paths (at most %d)",
				NFTCTX_MAX_INCLUDES);
	ctx->includes[ctx->nincludes] = strdup(dir);
	if (!ctx->includes[ctx->nincludes])
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	ctx->nincludes++;
	nft_ctx_clear_include_paths(ctx->nft);
	for (size_t i = 0; i < ctx->nincludes; i++) {
		if (nft_ctx_add_include_path(ctx->nft, ctx->includes[i]))
			return xerr_set(e, XNFT_EXIT_USAGE, "cannot add include path '%s'", dir);
	}
	if (nft_ctx_add_include_path(ctx->nft, NFT_DEFAULT_INCLUDE))
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot add include path '%s'",
				NFT_DEFAULT_INCLUDE);
	return 0;
}

/* Reading a buffer hands back its content and rewinds it for the next command. */
static void drain_buffers(struct nftctx *ctx)
{
	nft_ctx_get_output_buffer(ctx->nft);
	nft_ctx_get_error_buffer(ctx->nft);
}

/* ---- diagnostics ------------------------------------------------------- */

/*
 * The kernel's ENOENT for a statement whose kernel feature is missing says
 * nothing of the feature: name it, from the statement on the line.
 */
static const char *missing_feature(const struct nft_diag *x)
{
	if (!strstr(x->msg, "No such file or directory"))
		return NULL;
	if (strstr(x->text, "flowtable "))
		return "this kernel has no flowtable support (nf_flow_table, nf_flow_table_inet): "
		       "load the modules or build them in, or remove the flowtable";
	if (strstr(x->text, "flow add ") || strstr(x->text, "flow offload "))
		return "the flowtable it names did not load (this kernel may lack flowtable "
		       "support: see the flowtable's own error)";
	if (strstr(x->text, "ct helper set "))
		return "the ct helper object it names did not load (see that object's error)";
	if (strstr(x->text, "ct helper "))
		return "this kernel has no conntrack helper of the object's type (module "
		       "nf_conntrack_TYPE, e.g. nf_conntrack_ftp): load it, or check the type's spelling";
	return NULL;
}

/* libnftables' bare messages, explained: a keyword's typo, a missing kernel feature. */
static void add_suggestion(struct nft_diag *x)
{
	char hint[128];
	const char *why = missing_feature(x);
	struct fixbuf b = { x->msg, sizeof(x->msg), strlen(x->msg) };

	if (why) {
		fixbuf_addf(&b, "; %s", why);
		return;
	}
	if (strncmp(x->msg, "syntax error", 12) || !nft_did_you_mean(x->text, hint, sizeof(hint)))
		return;
	fixbuf_addf(&b, "; %s", hint);
}

static int diag_push(struct nft_diags *d, const struct nft_diag *x)
{
	struct nft_diag *v = realloc(d->v, (d->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	v[d->n] = *x;
	add_suggestion(&v[d->n++]);
	d->v = v;
	return 0;
}

/* Copy [s, s+len) into dst (size n), always terminated. */
static void copy_span(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Walk back over digits ending at *end (exclusive); returns the value or -1. */
static long digits_back(const char *start, const char **end)
{
	const char *p = *end;
	long v = 0, mul = 1;

	if (p == start || !isdigit((unsigned char)p[-1]))
		return -1;
	while (p > start && isdigit((unsigned char)p[-1])) {
		p--;
		v += (p[0] - '0') * mul;
		mul *= 10;
		if (mul > 100000000)
			return -1;
	}
	*end = p;
	return v;
}

/*
 * Split "FILE:LINE:COL-END" (the part before ": Error: ") into its pieces,
 * reading from the right because file names may hold colons.
 */
static int parse_location(const char *s, size_t len, struct nft_diag *d)
{
	const char *end = s + len;
	long line, col;

	if (digits_back(s, &end) < 0 || end == s || *--end != '-')
		return -1;
	col = digits_back(s, &end);
	if (col < 0 || end == s || *--end != ':')
		return -1;
	line = digits_back(s, &end);
	if (line < 0 || end == s || *--end != ':')
		return -1;
	copy_span(d->file, sizeof(d->file), s, (size_t)(end - s));
	d->line = (int)line;
	d->col = (int)col;
	/* libnftables' own pseudo-location for errors outside any file */
	if (!strcmp(d->file, "internal") && line == 0) {
		d->file[0] = '\0';
		d->col = 0;
	}
	return 0;
}

static int is_caret_line(const char *s, size_t len)
{
	int marks = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '^' || s[i] == '~')
			marks++;
		else if (s[i] != ' ' && s[i] != '\t')
			return 0;
	}
	return marks > 0;
}

static int is_context_line(const char *s, size_t len)
{
	static const char *const pfx[] = { "In file included from ", "                 from " };

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(pfx[i]);

		if (len >= n && !strncmp(s, pfx[i], n))
			return 1;
	}
	return 0;
}

/* Parse one "...Error: msg" line into d; 0 when the line is an error line. */
static int parse_error_line(const char *s, size_t len, struct nft_diag *d)
{
	static const char tag[] = "Error: ";
	const char *hit = NULL;

	for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++) {
		if (!strncmp(s + i, tag, sizeof(tag) - 1)) {
			hit = s + i;
			break;
		}
	}
	if (!hit)
		return -1;
	memset(d, 0, sizeof(*d));
	/* "FILE:L:C-E: Error: " or a bare "Error: " */
	if (hit - s >= 2 && hit[-1] == ' ' && hit[-2] == ':')
		parse_location(s, (size_t)(hit - s - 2), d);
	else if (hit != s)
		return -1;
	hit += sizeof(tag) - 1;
	copy_span(d->msg, sizeof(d->msg), hit, (size_t)(s + len - hit));
	return 0;
}

int nft_diags_parse(const char *errtext, struct nft_diags *d)
{
	const char *p = errtext;
	struct nft_diag cur;
	int have = 0, have_text = 0;

	if (!errtext || !d)
		return 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct nft_diag next;

		if (!is_context_line(p, len) && parse_error_line(p, len, &next) == 0) {
			if (have && diag_push(d, &cur))
				return -1;
			cur = next;
			have = 1;
			have_text = 0;
		} else if (have && !have_text && !is_context_line(p, len) &&
			   !is_caret_line(p, len)) {
			copy_span(cur.text, sizeof(cur.text), p, len);
			have_text = 1;
		}
		p += len + (nl ? 1 : 0);
	}
	if (have && diag_push(d, &cur))
		return -1;
	return 0;
}

/* ---- running ----------------------------------------------------------- */

/* The first line of a multi-line text, for messages without diagnostics. */
static void first_line(char *dst, size_t n, const char *s)
{
	size_t len;

	while (*s == '\n' || *s == ' ')
		s++;
	len = strcspn(s, "\n");
	copy_span(dst, n, s, len);
}

/*
 * After a failed command: collect diagnostics (renaming the file `from` to
 * `to` when the input came through a memory file) and fill e from the first.
 */
static int fail_with_diags(struct nftctx *ctx, const char *what, const char *from,
			   const char *to, struct nft_diags *diags, struct xerr *e)
{
	const char *err = nft_ctx_get_error_buffer(ctx->nft);
	struct nft_diags local = { 0 };
	struct nft_diags *d = diags ? diags : &local;
	size_t first = d->n;

	if (nft_diags_parse(err, d))
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	for (size_t i = first; from && i < d->n; i++) {
		if (!strcmp(d->v[i].file, from))
			snprintf(d->v[i].file, sizeof(d->v[i].file), "%s", to);
	}
	if (d->n > first) {
		const struct nft_diag *x = &d->v[first];

		xerr_at(e, XNFT_EXIT_FINDINGS, x->file, x->line, x->col, "%s", x->msg);
	} else {
		char msg[512];

		first_line(msg, sizeof(msg), err ? err : "");
		xerr_set(e, XNFT_EXIT_FINDINGS, "%s failed%s%s", what, msg[0] ? ": " : "", msg);
	}
	nft_diags_free(&local);
	return -1;
}

int nftctx_load_file(struct nftctx *ctx, const char *path,
		     struct nft_diags *diags, struct xerr *e)
{
	drain_buffers(ctx);
	if (nft_run_cmd_from_filename(ctx->nft, path) != 0)
		return fail_with_diags(ctx, "loading the ruleset", NULL, NULL, diags, e);
	return 0;
}

/*
 * A buffer goes through a memory file: libnftables reports locations only
 * for files, and the messages should still say which line is wrong.
 */
int nftctx_load_buffer(struct nftctx *ctx, const char *name, const char *text,
		       struct nft_diags *diags, struct xerr *e)
{
	char path[64];
	size_t len = strlen(text);
	int fd, rc;

	fd = memfd_create("xnft-buffer", MFD_CLOEXEC);
	if (fd < 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "memfd_create: %s", strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return xerr_set(e, XNFT_EXIT_USAGE, "writing a memory file: %s",
					strerror(errno));
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	drain_buffers(ctx);
	rc = nft_run_cmd_from_filename(ctx->nft, path);
	if (rc != 0)
		fail_with_diags(ctx, "loading the ruleset", path, name ? name : "<buffer>",
				diags, e);
	close(fd);
	return rc != 0 ? -1 : 0;
}

int nftctx_run(struct nftctx *ctx, const char *cmd, char **out, struct xerr *e)
{
	const char *buf;

	if (out)
		*out = NULL;
	drain_buffers(ctx);
	if (nft_run_cmd_from_buffer(ctx->nft, cmd) != 0) {
		fail_with_diags(ctx, cmd, NULL, NULL, NULL, e);
		return xerr_wrap(e, "nft %s", cmd);
	}
	buf = nft_ctx_get_output_buffer(ctx->nft);
	if (out) {
		*out = strdup(buf ? buf : "");
		if (!*out)
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	return 0;
}
