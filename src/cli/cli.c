// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/hspace.h"
#include "cli/json.h"
#include "core/err.h"
#include "core/policy_load.h"

const char *cli_plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int cli_help_shown(int argc, char **argv, void (*usage)(FILE *out))
{
	if (!cli_wants_help(argc, argv))
		return 0;
	usage(stdout);
	return 1;
}

int cli_start(int argc, char **argv, void (*usage)(FILE *out))
{
	if (cli_help_shown(argc, argv, usage))
		return 1;
	cli_json_errors(cli_wants_json(argc, argv));
	return 0;
}

int cli_wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--json"))
			return 1;
	}
	return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xnft %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  hint: run 'xnft %s --help'\n", cmd);
	if (cli_json_errors_on()) {
		struct xerr e;

		xerr_clear(&e);
		e.code = XNFT_EXIT_USAGE;
		va_start(ap, fmt);
		vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
		va_end(ap);
		snprintf(e.hint, sizeof(e.hint), "run 'xnft %s --help'", cmd);
		cli_json_print(cli_json_failure(&e, NULL), 0);
	}
	return XNFT_EXIT_USAGE;
}

int cli_usage_xerr(struct xerr *e, const char *cmd, const char *fmt, ...)
{
	char msg[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xerr_set(e, XNFT_EXIT_USAGE, "%s", msg);  /* printed as "xnft CMD: msg" */
	return xerr_hint(e, "run 'xnft %s --help' for the options", cmd);
}

int cli_parse_number(const char *cmd, const char *opt, const char *text, unsigned long long min,
		     unsigned long long max, unsigned long long *out, struct xerr *e)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		goto bad;
	v = strtoull(text, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	if (max == ULLONG_MAX)
		return cli_usage_xerr(e, cmd, "%s '%s' is not a whole number of at least %llu", opt,
				      text, min);
	return cli_usage_xerr(e, cmd, "%s '%s' is not a number %llu..%llu", opt, text, min, max);
}

/*
 * What getopt_long refused. A long option tells: optopt is 0 for an unknown
 * one and the option's value when its argument is missing (or one was given
 * to an option that takes none: "--json=1"). A short one sets optopt either
 * way; its value can only be missing when it ends the command line.
 */
int cli_exit_code(const struct xerr *e)
{
	return e->code == XNFT_EXIT_FINDINGS ? XNFT_EXIT_FINDINGS : XNFT_EXIT_USAGE;
}

void cli_step_progress(void *arg, const char *step, const char *msg)
{
	(void)arg;
	fprintf(stderr, "xnft %s: %s\n", step, msg);
}

int cli_bad_option(const char *cmd, char **argv)
{
	const char *arg = argv[optind - 1];
	size_t n = strcspn(arg, "=");

	if (!strncmp(arg, "--", 2)) {
		if (!optopt)
			return cli_usage_error(cmd, "unknown option '%.*s'", (int)n, arg);
		if (arg[n] == '=')
			return cli_usage_error(cmd, "option '%.*s' takes no value", (int)n, arg);
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	}
	if (!argv[optind] && arg[strlen(arg) - 1] == optopt)
		return cli_usage_error(cmd, "option '-%c' is unknown or needs a value", optopt);
	return cli_usage_error(cmd, "unknown option '-%c'", optopt);
}

int cli_policy_operand(const char *cmd, int argc, char **argv, int live, const char **policy)
{
	if (optind < argc)
		*policy = argv[optind++];
	if (optind < argc)
		return cli_usage_error(cmd, "give one POLICY, not '%s' too", argv[optind]);
	if (live && *policy)
		return cli_usage_error(cmd, "give a POLICY or --live, not both");
	return -1;
}

static void print_load_diags(const struct nft_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct xerr one;

		xerr_clear(&one);
		xerr_at(&one, XNFT_EXIT_FINDINGS, d->v[i].file, d->v[i].line, d->v[i].col, "%s",
			d->v[i].msg);
		xerr_print(stderr, &one);
	}
}

/* Print why one policy did not load; the exit code for it. */
static int load_failed(const char *cmd, const char *policy, struct nft_diags *diags,
		       const struct xerr *e)
{
	if (diags->n) {
		print_load_diags(diags);
		fprintf(stderr, "xnft %s: %s does not load; 'xnft check %s' shows each error "
			"in its source line\n", cmd, policy, policy);
	} else {
		xerr_print(stderr, e);
	}
	if (cli_json_errors_on())
		cli_json_print(cli_json_failure(e, diags), 0);
	nft_diags_free(diags);
	return cli_exit_code(e);
}

int cli_load_policy(const char *cmd, const char *policy, int live, struct ruleset **rs)
{
	struct nft_diags diags = { 0 };
	struct xerr e;

	xerr_clear(&e);
	if (live ? policy_load_live(rs, &e) : policy_load(policy, rs, &diags, &e))
		return load_failed(cmd, policy, &diags, &e);
	return 0;
}

int cli_local_add(const char *cmd, struct cli_local *l, const char *arg)
{
	struct xerr e;

	xerr_clear(&e);
	if (l->n == CLI_LOCAL_MAX)
		return cli_usage_error(cmd, "--local-addr: at most %d addresses", CLI_LOCAL_MAX);
	if (prefix_parse(&l->v[l->n], arg, &e))
		return cli_usage_error(cmd, "--local-addr %s: %s (give one of this host's addresses, "
				       "like 203.0.113.7 or 2001:db8::7, or a prefix like "
				       "10.0.0.0/24 for a whole subnet of them)", arg, e.msg);
	l->n++;
	return -1;
}

int cli_brnf_parse(const char *cmd, struct cli_local *l, const char *arg)
{
	if (!strcmp(arg, "yes"))
		l->brnf = RS_BRNF_ON;
	else if (!strcmp(arg, "no"))
		l->brnf = RS_BRNF_OFF;
	else
		return cli_usage_error(cmd, "--br-netfilter %s: give yes (bridged IP frames also "
				       "meet the IP hooks) or no", arg);
	return -1;
}

const char *cli_brnf_text(enum rs_brnf v4, enum rs_brnf v6)
{
	if (v4 == RS_BRNF_UNKNOWN || v6 == RS_BRNF_UNKNOWN)
		return "bridged frames: with and without br_netfilter (the host's is not known; "
		       "--br-netfilter yes|no chooses): with it, the IP prerouting, forward and "
		       "postrouting chains see them too, the bridge as iif/oif";
	if (v4 == RS_BRNF_ON && v6 == RS_BRNF_ON)
		return "bridged frames: br_netfilter on (bridge-nf-call-iptables and -ip6tables): the "
		       "IP prerouting, forward and postrouting chains see them too, the bridge as "
		       "iif/oif";
	if (v4 == RS_BRNF_ON)
		return "bridged frames: br_netfilter on for IPv4 only (bridge-nf-call-iptables): the "
		       "IP prerouting, forward and postrouting chains see bridged IPv4 too";
	if (v6 == RS_BRNF_ON)
		return "bridged frames: br_netfilter on for IPv6 only (bridge-nf-call-ip6tables): the "
		       "IP prerouting, forward and postrouting chains see bridged IPv6 too";
	return "bridged frames: br_netfilter off (not loaded, or its bridge-nf-call sysctls 0): "
	       "no IP hook sees them";
}

const char *cli_brnf_json(enum rs_brnf v4, enum rs_brnf v6)
{
	if (v4 == RS_BRNF_UNKNOWN || v6 == RS_BRNF_UNKNOWN)
		return "both";
	if (v4 == RS_BRNF_ON)
		return v6 == RS_BRNF_ON ? "yes" : "ipv4";
	return v6 == RS_BRNF_ON ? "ipv6" : "no";
}

int cli_local_apply(const char *cmd, const struct cli_local *l, struct ruleset *rs)
{
	if (l->brnf != RS_BRNF_UNKNOWN)
		rs->brnf4 = rs->brnf6 = l->brnf;
	for (size_t i = 0; i < l->n; i++)
		if (ruleset_add_local(rs, &l->v[i])) {
			fprintf(stderr, "xnft %s: out of memory\n", cmd);
			return XNFT_EXIT_USAGE;
		}
	return 0;
}

int cli_load_policies(const char *cmd, const char *const *policies, size_t n,
		      struct ruleset **rs)
{
	struct nft_diags diags[POLICY_LOAD_MAX];
	struct xerr e[POLICY_LOAD_MAX];
	int rc = 0;

	if (policy_load_many(policies, n, rs, diags, e) == 0)
		return 0;
	for (size_t i = 0; i < n && i < POLICY_LOAD_MAX; i++) {
		if (!rs[i] && !rc)
			rc = load_failed(cmd, policies[i], &diags[i], &e[i]);
		nft_diags_free(&diags[i]);
		ruleset_free(rs[i]);
		rs[i] = NULL;
	}
	return rc ? rc : XNFT_EXIT_USAGE;
}

void cli_warn_unnamed_iface(const char *cmd, const struct ruleset *rs, const char *name)
{
	/* the last name looked at: a packet file names the same interface again and again */
	static char seen[IFNAME_MAXLEN + 1];
	struct hspace *hs;
	struct xerr e;
	size_t idx;

	if (!name || !*name || !strcmp(seen, name))
		return;
	snprintf(seen, sizeof(seen), "%s", name);
	xerr_clear(&e);
	if (hs_new_layout(&rs, 1, &hs, &e) < 0)
		return;   /* only a warning: the command itself reports real failures */
	idx = hs_iface_index(hs, name);
	hs_free(hs);
	if (idx)
		return;
	fprintf(stderr, "xnft %s: warning: no rule of the policy names interface '%s': its "
		"packets are judged as those of any other interface\n  hint: check the name "
		"(typo? WAN_IF and MESH_IF in rules/00-tables.nft)\n", cmd, name);
}
