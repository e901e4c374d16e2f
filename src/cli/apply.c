// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft apply: the safe-apply protocol of src/apply/, with one progress line
 * per step on stderr and the findings of a refusing step printed in full.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/strbuf.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft apply [POLICY] [--confirm SECS] [--force] [--force-intents] [--dry-run]\n"
		"Load POLICY (a file, or a directory holding nftables.conf; default\n"
		XNFT_DEFAULT_POLICY ") into the kernel safely, replacing only table inet xnft:\n"
		"  1. check     load it in a private network namespace (errors as FILE:LINE:COL)\n"
		"  2. lint      lint errors refuse the apply (unless --force)\n"
		"  3. intents   the policy's intents must hold (unless --force-intents)\n"
		"  4. lockout   every live SSH session (sshd's sockets, conntrack in both\n"
		"               directions, SSH_CONNECTION) must survive the new policy, its\n"
		"               packets and this host's replies; SSH_PORT must be a port sshd\n"
		"               listens on\n"
		"  5. snapshot  xnft's table is saved to the state directory and must reload\n"
		"  6. commit    one transaction replaces table inet xnft; other tables are untouched\n"
		"  7. confirm   with --confirm SECS, a detached guard restores the snapshot after\n"
		"               SECS seconds unless 'xnft confirm' comes first; without it the new\n"
		"               policy is confirmed at once and becomes the boot policy; a guard\n"
		"               killed outright (kill -9) is reverted by the next xnft command\n"
		"\n"
		"Options:\n"
		"  --confirm SECS   keep the new policy only if 'xnft confirm' comes within SECS s\n"
		"                   (seconds, or a duration in whole seconds: 90s, 5m, 1h)\n"
		"  --force          apply despite lint errors\n"
		"  --force-intents  apply despite failing intents\n"
		"  --dry-run        steps 1-5, then print what would change; the kernel is untouched\n"
		"  -h, --help       show this help\n"
		"\n"
		"One apply at a time. Every step goes to stderr and to the journal in the state\n"
		"directory (" XNFT_STATE_DIR ", or $XNFT_STATE_DIR); see 'xnft status'.\n"
		"Exit status: 0 applied (or dry run done), 1 refused because of the policy\n"
		"(invalid, lint, intents, lockout), 2 usage or environment error (lock held,\n"
		"state directory not writable or full, kernel refused).\n");
}

struct apply_cli {
	struct apply_opts o;
	char what[512];
};

/* --confirm's value in the one duration grammar (60, 90s, 5m), whole seconds only. */
static int parse_secs(const char *s, int *out)
{
	struct xerr ignored;
	uint64_t ms;

	if (duration_parse(s, &ms, &ignored) < 0 || ms % 1000 || ms < 1000 ||
	    ms / 1000 > APPLY_CONFIRM_MAX)
		return -1;
	*out = (int)(ms / 1000);
	return 0;
}

static void build_what(struct apply_cli *c, int argc, char **argv)
{
	struct fixbuf b = { c->what, sizeof(c->what), 0 };

	fixbuf_addf(&b, "xnft");
	for (int i = 0; i < argc; i++)
		fixbuf_addf(&b, " %s", argv[i]);
}

static int parse_args(int argc, char **argv, struct apply_cli *c)
{
	static const struct option options[] = {
		{ "confirm",       required_argument, NULL, 'c' },
		{ "force",         no_argument,       NULL, 'f' },
		{ "force-intents", no_argument,       NULL, 'i' },
		{ "dry-run",       no_argument,       NULL, 'n' },
		{ "help",          no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(c, 0, sizeof(*c));
	build_what(c, argc, argv);
	c->o.what = c->what;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (parse_secs(optarg, &c->o.confirm_secs)) {
				fprintf(stderr, "xnft apply: --confirm takes seconds (60, 90s, 5m), 1 to %d: '%s'\n",
					APPLY_CONFIRM_MAX, optarg);
				fprintf(stderr, "  hint: --confirm 60 gives a minute to run 'xnft confirm'\n");
				return XNFT_EXIT_USAGE;
			}
			break;
		case 'f': c->o.force = true; break;
		case 'i': c->o.force_intents = true; break;
		case 'n': c->o.dry_run = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("apply", argv);
		}
	}
	if (cli_policy_operand("apply", argc, argv, 0, &c->o.policy) >= 0)
		return XNFT_EXIT_USAGE;
	if (!c->o.policy)
		c->o.policy = XNFT_DEFAULT_POLICY;
	if (c->o.dry_run && c->o.confirm_secs) {
		fprintf(stderr, "xnft apply: --dry-run changes nothing, so there is nothing to confirm\n");
		return XNFT_EXIT_USAGE;
	}
	return -1;
}

static void progress(void *arg, const char *step, const char *msg)
{
	(void)arg;
	fprintf(stderr, "xnft apply: [%s] %s\n", step, msg);
	fflush(stderr);
}

static void print_caret(const struct nft_diag *d)
{
	if (!d->text[0])
		return;
	fprintf(stderr, "%s\n", d->text);
	if (d->col < 1)
		return;
	for (size_t i = 0; i + 1 < (size_t)d->col && d->text[i]; i++)
		fputc(d->text[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/*
 * A lockout refusal: name the way out that keeps SSH whatever the mesh does,
 * the break-glass allowlist, with the caller's own address when SSH told it.
 */
static void print_lockout_hint(void)
{
	const char *conn = getenv("SSH_CONNECTION");
	char addr[64] = "<your address>";
	size_t n = conn ? strcspn(conn, " ") : 0;

	if (n && n < sizeof(addr) - 4)
		snprintf(addr, sizeof(addr), "%.*s/%s", (int)n, conn,
			 memchr(conn, ':', n) ? "128" : "32");
	fprintf(stderr, "  hint: to keep SSH from where you are, add your address to the break-glass "
		"allowlist: xnft init DIR --admin %s --force (or add it to ADMIN_ALLOWLIST), "
		"then apply again\n", addr);
}

static void print_refusal(const struct apply_result *r, const struct xerr *e)
{
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct nft_diag *x = &r->diags.v[i];
		struct xerr one;

		xerr_clear(&one);
		xerr_at(&one, XNFT_EXIT_FINDINGS, x->file, x->line, x->col, "%s", x->msg);
		xerr_print(stderr, &one);
		print_caret(x);
	}
	if (r->details)
		fprintf(stderr, "%s%s", r->details,
			r->details[0] && r->details[strlen(r->details) - 1] != '\n' ? "\n" : "");
	if (!r->diags.n || !e->file[0])
		xerr_print(stderr, e);
	if (r->refused_at && !strcmp(r->refused_at, "lockout"))
		print_lockout_hint();
	fprintf(stderr, "xnft apply: refused at step %s; the kernel was not changed\n",
		r->refused_at ? r->refused_at : "?");
}

int cmd_apply(int argc, char **argv)
{
	struct apply_result r;
	struct apply_cli c;
	struct xerr e;
	int rc;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse_args(argc, argv, &c);
	if (rc >= 0)
		return rc;
	c.o.progress.fn = progress;
	xerr_clear(&e);
	if (apply_run(&c.o, &r, &e)) {
		if (r.refused_at && strcmp(r.refused_at, "commit"))
			print_refusal(&r, &e);
		else
			xerr_print(stderr, &e);
		apply_result_free(&r);
		return cli_exit_code(&e);
	}
	if (c.o.dry_run) {
		if (r.details)
			fputs(r.details, stdout);
		printf("dry run: %s\n", r.unchanged ? "no change" : "the kernel was not changed");
	} else if (c.o.confirm_secs) {
		printf("applied %s (%.12s); run 'xnft confirm' within %d s or it is reverted\n",
		       c.o.policy, r.hash, c.o.confirm_secs);
	} else {
		printf("applied and confirmed %s (%.12s)\n", c.o.policy, r.hash);
	}
	apply_result_free(&r);
	return XNFT_EXIT_OK;
}
