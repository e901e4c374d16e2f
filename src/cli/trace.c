// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft trace: follow one concrete packet through a policy (or the live
 * ruleset), hook by hook, rule by rule, and print where it ends.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "analyze/trace.h"
#include "cli/json.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/policy_load.h"
#include "core/strbuf.h"

#define MAX_IN_SETS 64
#define LINE_MAX_LEN 4096

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft trace [POLICY | --live] [OPTIONS] PACKET...\n"
		"       xnft trace [POLICY | --live] [OPTIONS] --packets FILE\n"
		"Follow one packet through POLICY (a file, or a directory holding\n"
		"nftables.conf; default " XNFT_DEFAULT_POLICY ") the way the kernel\n"
		"would: hook by hook, every base chain in priority order, every rule met\n"
		"with its file:line, text and comment, matched or not (and why not), and\n"
		"the verdict. PACKET is nft's own match words, the remaining arguments or\n"
		"one quoted string, e.g.\n"
		"    xnft trace iif eth0 ip saddr 203.0.113.5 tcp dport 22 ct state new\n"
		"    xnft trace iif eth0 arp operation request arp daddr ip 192.0.2.1\n"
		"    xnft trace iif veth1 ibrname br0 oif veth2 obrname br0 udp dport 53\n"
		"Fields not given take the defaults printed in the header; $NAME words\n"
		"take the values of the policy's define lines. See xnft(8) for every word.\n"
		"\n"
		"Options:\n"
		"  --live          the ruleset loaded in the kernel now (needs root)\n"
		"  --over-limit    every limit, meter, quota and ct count is over its limit\n"
		"                  (default: under; `limit rate over` then does not match)\n"
		"                  (without it ct count counts the packet's connection alone)\n"
		"  --local-addr ADDR  an address of this host (repeatable): a dnat to it is\n"
		"                  delivered here, to another address forwarded; fib daddr\n"
		"                  type is decided by them (--live takes the host's own)\n"
		"  --br-netfilter yes|no  whether br_netfilter hands a frame bridged port to\n"
		"                  port (iif P ibrname B oif Q obrname B) to the IP\n"
		"                  prerouting, forward and postrouting chains too, the bridge\n"
		"                  as iif/oif (default: --live reads the host's; a file: no,\n"
		"                  said on the trace)\n"
		"  --in-set NAME   the packet is in set @NAME, which is filled at run time\n"
		"                  (e.g. BANNED4); repeatable; a set the ruleset lacks\n"
		"                  is refused\n"
		"  --packets FILE  one PACKET per line ('-' = standard input, '#' comments);\n"
		"                  with --json, one JSON object per line\n"
		"  --matched       show only the rules that matched\n"
		"  --json          print the trace as JSON\n"
		"  -h, --help      show this help\n"
		"\n"
		"Exit status: 0 traced (whatever the verdict), 1 invalid packet words\n"
		"(the message gives the column) or a policy that does not load, 2 usage\n"
		"or environment error.\n");
}

struct trace_cli {
	const char *policy;
	const char *packets;
	bool live, json, matched;
	struct trace_opts topts;
	struct cli_local local;
	const char *in_sets[MAX_IN_SETS];
	int nwords;
	char **words;
};

static int add_in_set(struct trace_cli *o, const char *name)
{
	if (name[0] == '@')
		name++;
	if (!name[0])
		return cli_usage_error("trace", "--in-set needs a set name");
	if (o->topts.nin_sets == MAX_IN_SETS)
		return cli_usage_error("trace", "at most 64 --in-set options");
	o->in_sets[o->topts.nin_sets++] = name;
	return -1;
}

/* The first free argument is the POLICY when it names a file or directory. */
static bool looks_like_policy(const char *arg)
{
	struct stat st;

	if (strchr(arg, ' '))
		return false;
	return strchr(arg, '/') || !stat(arg, &st);
}

static int parse_args(int argc, char **argv, struct trace_cli *o)
{
	static const struct option options[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "over-limit", no_argument, NULL, 'o' },
		{ "in-set", required_argument, NULL, 's' },
		{ "local-addr", required_argument, NULL, 'L' },
		{ "br-netfilter", required_argument, NULL, 'B' },
		{ "packets", required_argument, NULL, 'p' },
		{ "matched", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'l': o->live = o->topts.live_routes = true; break;
		case 'o': o->topts.over_limit = true; break;
		case 'p': o->packets = optarg; break;
		case 'm': o->matched = true; break;
		case 'j': o->json = true; break;
		case 'L':
			rc = cli_local_add("trace", &o->local, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'B':
			rc = cli_brnf_parse("trace", &o->local, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 's':
			rc = add_in_set(o, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default: return cli_bad_option("trace", argv);
		}
	}
	o->topts.in_sets = o->in_sets;
	if (optind < argc && !o->live && looks_like_policy(argv[optind]))
		o->policy = argv[optind++];
	o->words = argv + optind;
	o->nwords = argc - optind;
	if (!o->packets && !o->nwords)
		return cli_usage_error("trace", "no PACKET given");
	if (o->packets && o->nwords)
		return cli_usage_error("trace", "give PACKET words or --packets FILE, not both ('%s')",
				       o->words[0]);
	if (!o->policy)
		o->policy = XNFT_DEFAULT_POLICY;
	return -1;
}

/* ---- loading ------------------------------------------------------------------------------ */

struct session {
	struct trace_cli *o;
	struct ruleset *rs;
	struct trace_defines defs;
	bool defs_loaded;
	char base[4096];
	bool color;
	int shown;
	int exit;
};

static int load(struct session *s)
{
	char entry[4096];
	struct xerr e;

	xerr_clear(&e);
	if (!s->o->live &&
	    policy_resolve(s->o->policy, entry, sizeof(entry), s->base, sizeof(s->base), &e)) {
		cli_error(&e);
		return cli_exit_code(&e);
	}
	int rc = cli_load_policy("trace", s->o->policy, s->o->live, &s->rs);

	return rc ? rc : cli_local_apply("trace", &s->o->local, s->rs);
}

/* --in-set names a set the ruleset has: a typo would silently trace the other case. */
static int check_in_sets(struct session *s)
{
	struct xerr e;

	for (size_t i = 0; i < s->o->topts.nin_sets; i++) {
		xerr_clear(&e);
		if (ruleset_require_set(s->rs, s->o->in_sets[i], &e)) {
			xerr_wrap(&e, "--in-set %s", s->o->in_sets[i]);
			cli_error(&e);
			return XNFT_EXIT_USAGE;
		}
	}
	return XNFT_EXIT_OK;
}

/* $NAME words: the values of the policy files' define lines. */
static int resolve(struct session *s, struct packet *p, char *note, size_t size, struct xerr *e)
{
	struct fixbuf b = { note, size, 0 };

	note[0] = '\0';
	if (!p->unresolved)
		return 0;
	if (s->o->live) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "$%s: a live ruleset has no define lines",
			 p->define[__builtin_ctz(p->unresolved)]);
		return xerr_hint(e, "give the value itself, or trace the policy file instead "
				 "of --live");
	}
	if (!s->defs_loaded) {
		if (trace_defines_load(s->o->policy, &s->defs, e))
			return -1;
		s->defs_loaded = true;
	}
	for (int f = 0; f < PF__COUNT; f++) {
		char v[256];

		if (!(p->unresolved & PF_BIT(f)) || trace_defines_lookup(&s->defs, p->define[f], v,
									 sizeof(v)))
			continue;
		fixbuf_addf(&b, "%s$%s = %s", b.len ? ", " : "", p->define[f], v);
	}
	return packet_resolve(p, trace_defines_lookup, &s->defs, e);
}

/* ---- one packet ---------------------------------------------------------------------------- */

static void print_error(struct session *s, const struct xerr *e, int lineno)
{
	struct xerr x = *e;

	if (lineno && s->o->packets) {
		snprintf(x.file, sizeof(x.file), "%s", !strcmp(s->o->packets, "-") ? "stdin" :
			 s->o->packets);
		x.line = lineno;
	}
	/* one failure object per packet that cannot be traced, in the shape of every command */
	if (s->o->json)
		cli_json_print(cli_json_failure(&x, NULL), s->o->packets ? JSON_COMPACT : 0);
	xerr_print(stderr, &x);
}

static void print_trace(struct session *s, const struct trace_result *r, const char *note)
{
	const char *base = s->o->live ? NULL : s->base;

	if (s->o->json) {
		json_t *o = trace_to_json(r, base);

		if (o && note[0])
			json_object_set_new(o, "defines", json_string(note));
		cli_json_print(o, s->o->packets ? JSON_COMPACT : JSON_INDENT(2));
		return;
	}
	char *t = trace_format_text(r, base, (s->color ? TRACE_FMT_COLOR : 0) |
				    (s->o->matched ? TRACE_FMT_MATCHED : 0));

	if (note[0])
		printf("defines:  %s (from the policy's define lines)\n", note);
	if (t)
		fputs(t, stdout);
	free(t);
}

static void trace_one(struct session *s, const char *text, int argc, char **argv, int lineno)
{
	struct trace_result r;
	struct packet p;
	char note[512] = "";
	struct xerr e;
	int rc;

	xerr_clear(&e);
	rc = text ? packet_parse(&p, text, &e) : packet_parse_argv(&p, argc, argv, &e);
	if (!rc)
		rc = resolve(s, &p, note, sizeof(note), &e);
	if (!rc)
		cli_warn_unnamed_iface("trace", s->rs, p.iif);
	if (!rc)
		rc = trace_packet(s->rs, &p, &s->o->topts, &r, &e);
	if (rc) {
		print_error(s, &e, lineno);
		if (s->exit == XNFT_EXIT_OK || e.code == XNFT_EXIT_USAGE)
			s->exit = e.code == XNFT_EXIT_USAGE ? XNFT_EXIT_USAGE : XNFT_EXIT_FINDINGS;
		return;
	}
	if (s->shown++ && !s->o->json)
		printf("\n");
	print_trace(s, &r, note);
	trace_result_free(&r);
}

static int trace_file(struct session *s)
{
	FILE *f = strcmp(s->o->packets, "-") ? fopen(s->o->packets, "r") : stdin;
	char line[LINE_MAX_LEN];
	int lineno = 0;

	if (!f) {
		struct xerr e;

		xerr_set(&e, XNFT_EXIT_USAGE, "cannot open %s", s->o->packets);
		xerr_hint(&e, "give a readable file of packets, one a line");
		cli_error(&e);
		return XNFT_EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		trace_one(s, p, 0, NULL, lineno);
	}
	if (f != stdin)
		fclose(f);
	return s->exit;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_cli o;
	struct session s = { .o = &o };
	int rc;

	memset(&o, 0, sizeof(o));
	if (cli_start(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cli_json_errors(o.json);
	rc = load(&s);
	if (rc)
		return rc;
	rc = check_in_sets(&s);
	if (rc) {
		ruleset_free(s.rs);
		return rc;
	}
	s.color = !o.json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (o.packets)
		rc = trace_file(&s);
	else {
		trace_one(&s, NULL, o.nwords, o.words, 0);
		rc = s.exit;
	}
	if (s.defs_loaded)
		trace_defines_free(&s.defs);
	ruleset_free(s.rs);
	return rc;
}
