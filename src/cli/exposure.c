// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft exposure: every packet the policy accepts, per input interface and
 * source class, in readable lines.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/exposure.h"
#include "cli/json.h"
#include "cli/printers.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/policy_load.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft exposure [POLICY] [--from IF] [--new] [--br-netfilter yes|no] [--json]\n"
		"       xnft exposure --live [--from IF] [--new] [--json]\n"
		"Show everything POLICY accepts, computed for every packet at once (not by\n"
		"probing): for packets to this host (input), per input interface and source\n"
		"class, then for packets routed through it (forward), then the port forwards\n"
		"(packets to this host that a dnat sends on, with their target). Each line decodes one\n"
		"region field by field and names the state it depends on (\"while under\n"
		"30/minute per ip saddr (@wg4)\"). POLICY is a file, or a directory holding\n"
		"nftables.conf (default " XNFT_DEFAULT_POLICY ").\n"
		"A packet that arrives through a bridge port meets the bridge's prerouting\n"
		"and input chains first (\"from br0 via port eth1\"), one routed out by a\n"
		"bridge its output and postrouting chains; without --live any interface\n"
		"may be a bridge and any other its port (said once). With a bridge forward\n"
		"chain, the frames a bridge passes from port to port (not to this host)\n"
		"follow in a section of their own (\"from port eth1 to port eth2\").\n"
		"\n"
		"Options:\n"
		"  --live      the ruleset loaded in the kernel now, with the host's bridge\n"
		"              ports (needs root)\n"
		"  --from IF   only packets arriving on interface IF\n"
		"  --local-addr ADDR  an address of this host (repeatable): a dnat to it\n"
		"              is delivered here, to another address forwarded (a port\n"
		"              forward, listed apart with its target); without it both\n"
		"              are shown as conditions (--live takes the host's own)\n"
		"  --br-netfilter yes|no  whether br_netfilter hands bridged IP frames to\n"
		"              the IP prerouting, forward and postrouting chains too (the\n"
		"              bridge as iif/oif); default: --live reads the host's, a file\n"
		"              shows both outcomes as conditions (said once)\n"
		"  --new       only packets that open a connection (ct state new): who can\n"
		"              start what, without the replies and related traffic\n"
		"  --json      print the lines as one JSON object\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 shown, 1 the policy does not load, 2 usage or environment error.\n");
}

struct exposure_opts {
	const char *policy;
	const char *from;
	bool json, live, only_new;
	struct cli_local local;
};

static int parse_args(int argc, char **argv, struct exposure_opts *o)
{
	static const struct option options[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "new", no_argument, NULL, 'n' },
		{ "live", no_argument, NULL, 'l' },
		{ "local-addr", required_argument, NULL, 'L' },
		{ "br-netfilter", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'L':
			rc = cli_local_add("exposure", &o->local, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'B':
			rc = cli_brnf_parse("exposure", &o->local, optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'f': o->from = optarg; break;
		case 'j': o->json = true; break;
		case 'l': o->live = true; break;
		case 'n': o->only_new = true; break;
		case 'h': usage(stdout); return XNFT_EXIT_OK;
		default:
			return cli_bad_option("exposure", argv);
		}
	}
	if (cli_policy_operand("exposure", argc, argv, o->live, &o->policy) >= 0)
		return XNFT_EXIT_USAGE;
	if (o->from) {
		struct xerr e;

		xerr_clear(&e);
		if (ifname_validate(o->from, &e)) {
			fprintf(stderr, "xnft exposure: --from: %s\n", e.msg);
			fprintf(stderr, "  hint: give an interface name like eth0 or wg0\n");
			return XNFT_EXIT_USAGE;
		}
	}
	if (!o->policy)
		o->policy = XNFT_DEFAULT_POLICY;
	return -1;
}

static json_t *strings_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a ? a : json_array();
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/*
 * An address match as xnft words it ("not in 127.0.0.0/8 and in @BOGON_V4"):
 * the text, and the named sets it requires the address to be in, or not in.
 */
static json_t *addr_json(const char *match)
{
	json_t *in = json_array(), *not_in = json_array();

	for (const char *p = match ? strchr(match, '@') : NULL; p; p = strchr(p + 1, '@')) {
		size_t n = strcspn(p + 1, " ,}");
		bool negated = p - match >= 7 && !strncmp(p - 7, "not in ", 7);
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
		json_array_append_new(negated ? not_in : in, json_string(name));
	}
	if (!match) {
		json_decref(in);
		json_decref(not_in);
		return json_null();
	}
	return json_pack("{s:s, s:o, s:o}", "match", match, "in_sets", in, "not_in_sets", not_in);
}

/* A line's field by its JSON name ("dport"), or NULL. */
static const char *part(const struct ds_line *l, const char *name)
{
	for (size_t i = 0; i < DS_PARTS; i++) {
		if (!strcmp(ds_part_name(i), name))
			return l->part[i];
	}
	return NULL;
}

void cli_ds_line_fields(json_t *o, const struct ds_line *l)
{
	json_t *fields = json_object();

	for (size_t i = 0; fields && i < DS_PARTS; i++) {
		if (l->part[i])
			json_object_set_new(fields, ds_part_name(i), json_string(l->part[i]));
	}
	json_object_set_new(o, "interfaces", json_pack("{s:o, s:o}", "in",
						       strings_json(l->in_ifs, l->nin_ifs), "out",
						       strings_json(l->out_ifs, l->nout_ifs)));
	json_object_set_new(o, "family", l->family ? json_string(l->family == 6 ? "ipv6" : "ipv4")
						   : json_null());
	/* one protocol: its name and number; several ("!= tcp"): see fields.protocol */
	json_object_set_new(o, "protocol", text_or_null(l->l4 >= 0 ? part(l, "protocol") : NULL));
	json_object_set_new(o, "protocol_number", l->l4 >= 0 ? json_integer(l->l4) : json_null());
	json_object_set_new(o, "ports", json_pack("{s:o, s:o}", "sport", text_or_null(part(l, "sport")),
						  "dport", text_or_null(part(l, "dport"))));
	json_object_set_new(o, "source", addr_json(part(l, "source")));
	json_object_set_new(o, "destination", addr_json(part(l, "destination")));
	json_object_set_new(o, "fields", fields ? fields : json_object());
}

static json_t *lines_json(const struct ds_lines *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++) {
		json_t *c = json_array(), *o;

		for (size_t k = 0; c && k < l->v[i].nconds; k++)
			json_array_append_new(c, json_string(l->v[i].conds[k]));
		o = json_pack("{s:s, s:s, s:o}", "interface", l->v[i].iface,
			      "accepted", l->v[i].text, "conditions", c ? c : json_array());
		if (o)
			cli_ds_line_fields(o, &l->v[i]);
		json_array_append_new(a, o);
	}
	return a;
}

json_t *cli_exposure_json(const struct exposure *x)
{
	/* bridged: frames a bridge passes port to port, [] without a bridge forward chain */
	return json_pack("{s:o, s:o, s:o, s:o, s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, "
			 "s:b, s:s}",
			 "input", lines_json(&x->input), "forward", lines_json(&x->forward),
			 "port_forwards", lines_json(&x->dnat), "bridged", lines_json(&x->bridged),
			 "bridged_bridges", x->bridges,
			 "new_only", x->only_new,
			 "input_truncated", x->input.truncated,
			 "forward_truncated", x->forward.truncated,
			 "bridged_truncated", x->bridged.truncated,
			 "over_approximated", x->input.merged || x->forward.merged || x->dnat.merged ||
					      x->bridged.merged,
			 "free_choices", (int)x->nfree, "not_modelled", (int)x->nunknown,
			 "tables_not_analysed", x->not_analysed, "arp_tables", x->arp_tables,
			 "bridge_ports_assumed", x->bridge_ports,
			 "br_netfilter", cli_brnf_json(x->brnf4, x->brnf6));
}

static void print_json(const char *policy, const struct exposure *x)
{
	json_t *o = cli_exposure_json(x);

	if (o)
		json_object_set_new(o, "policy", json_string(policy));
	cli_json_print(o, 0);
}

/* Lines grouped under their interface header. */
static void print_lines(const struct ds_lines *l)
{
	const char *last = NULL;

	if (!l->n) {
		printf("  nothing\n");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct ds_line *d = &l->v[i];

		if (!last || strcmp(last, d->iface))
			printf("  %s:\n", d->iface);
		char *body = ds_line_body(d);

		last = d->iface;
		printf("    %s\n", body ? body : d->text);
		free(body);
	}
	if (l->truncated)
		printf("  ... (cut after %d lines)\n", DS_MAX_LINES);
	if (l->merged)
		printf("  (over-approximated: a field had more than %d distinct cases; the last line of such a\n"
		       "   split stands for the rest and may show more than is accepted, never less)\n",
		       DS_MAX_CLASSES);
}

void cli_exposure_print(const char *policy, const struct exposure *x)
{
	const char *what = x->only_new ? "new connections accepted" : "accepted";

	printf("%s: %s for this host (input: prerouting, input):\n", policy, what);
	print_lines(&x->input);
	printf("%s through this host (forward: prerouting, forward, postrouting):\n",
	       x->only_new ? "new connections routed" : "routed");
	print_lines(&x->forward);
	if (x->dnat.n) {
		printf("%s to this host and forwarded by dnat (port forwards: prerouting, "
		       "forward, postrouting):\n", x->only_new ? "new connections sent" : "sent");
		print_lines(&x->dnat);
	}
	if (x->has_bridged) {
		printf("%s between ports of %s (not to this host: bridge prerouting, forward, "
		       "postrouting):\n", x->only_new ? "New connections bridged" : "Bridged",
		       x->bridges);
		print_lines(&x->bridged);
		printf("%s.\n", cli_brnf_text(x->brnf4, x->brnf6));
	}
	if (x->nunknown)
		printf("%zu match%s xnft cannot decide for every packet %s shown as conditions "
		       "(\"not modelled\", or what %s depend%s on).\n", x->nunknown,
		       x->nunknown == 1 ? "" : "es", x->nunknown == 1 ? "is" : "are",
		       x->nunknown == 1 ? "it" : "they", x->nunknown == 1 ? "s" : "");
	if (x->nnot_analysed)
		printf("Not analysed (chains the engine does not evaluate; xnft trace follows "
		       "them): %s.\n", x->not_analysed);
	if (x->bridge_ports)
		printf("Bridge ports: the host's bridges are not known, so any interface but lo may be "
		       "a bridge and any other its port; \"a bridge via a port\" lines are packets "
		       "that arrived through one, and a frame may be bridged between any two ports "
		       "of one bridge (an over-approximation).\n");
	if (x->narp_tables)
		printf("arp tables filter ARP only (%s): no IP packet meets them, so they change "
		       "nothing shown here.\n", x->arp_tables);
}

int cmd_exposure(int argc, char **argv)
{
	struct exposure_opts o;
	struct exposure_query q;
	struct ruleset *rs = NULL;
	struct exposure x;
	struct xerr e;
	int rc;

	if (cli_start(argc, argv, usage))
		return XNFT_EXIT_OK;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cli_json_errors(o.json);
	rc = cli_load_policy("exposure", o.policy, o.live, &rs);
	if (!rc)
		rc = cli_local_apply("exposure", &o.local, rs);
	if (rc) {
		ruleset_free(rs);
		return rc;
	}
	cli_warn_unnamed_iface("exposure", rs, o.from);
	xerr_clear(&e);
	q.only_iface = o.from;
	q.only_new = o.only_new;
	rc = exposure_compute(rs, NULL, &q, &x, &e);
	ruleset_free(rs);
	if (rc) {
		cli_error(&e);
		return cli_exit_code(&e);
	}
	if (o.json)
		print_json(o.live ? "live" : o.policy, &x);
	else
		cli_exposure_print(o.live ? "live ruleset" : o.policy, &x);
	exposure_free(&x);
	return XNFT_EXIT_OK;
}
