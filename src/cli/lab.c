// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft lab up|down|demo|status: parse, call src/lab, print. The lab code
 * does the work and returns what happened; only this file talks.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/state.h"
#include "cli/cli.h"
#include "core/err.h"
#include "core/netns.h"
#include "doctor/doctor.h"
#include "lab/lab.h"

#define LAB_STR_(x) #x
#define LAB_STR(x)  LAB_STR_(x)

static lab_stop_flag stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Ctrl-C and SIGTERM only raise a flag: the lab must still be torn down. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft lab up|down|demo|status\n"
		"A network-namespace lab: an attacker on the internet, a protected host with the\n"
		"default policy loaded and its ban daemon running, and a mesh peer joined to it\n"
		"by WireGuard (wireguard-go).\n\n"
		"  up      build the lab and leave it running for manual play\n"
		"  down    remove the lab (also a half-built one); safe to run twice\n"
		"  demo    up, probe with real traffic, print a report, down (also on Ctrl-C);\n"
		"          its last check is xnft scan (nmap) from the internet against the proof\n"
		"  status  show what of the lab exists\n\n"
		"Needs root. Namespaces: " LAB_NS_INTERNET ", " LAB_NS_HOST ", " LAB_NS_PEER1 ".\n"
		"Exit status: 0 fine, 1 a demo expectation failed (or no lab for status),\n"
		"2 usage or environment error.\n");
}

static void print_map(FILE *out)
{
	fprintf(out,
		"  " LAB_NS_INTERNET "  attacker " LAB_INET_HOST4 " / " LAB_INET_HOST6
		", admin " LAB_ADMIN4 ", scanner " LAB_OUTSIDE4 " / "
		LAB_OUTSIDE6 ", router to peer1\n"
		"  " LAB_NS_HOST "      eth0 " LAB_HOST_WAN4 " / " LAB_HOST_WAN6 ", " LAB_WG_HOST
		" " LAB_HOST_MESH4 " / " LAB_HOST_MESH6 ", listeners on TCP 22, 80 and UDP 53\n"
		"  " LAB_NS_PEER1 "     eth0 " LAB_PEER1_WAN4 ", " LAB_WG_PEER1 " " LAB_PEER1_MESH4
		" / " LAB_PEER1_MESH6 " (and the forged " LAB_SPOOF4 ")\n");
}

static void print_play(const struct lab_state *st)
{
	printf("The lab is up (WireGuard handshake after %ld ms):\n", st->handshake_ms);
	print_map(stdout);
	printf("\nTry:\n"
	       "  ip netns exec " LAB_NS_INTERNET " nmap -Pn -sS -p 1-1024 " LAB_HOST_WAN4
	       "     # nothing answers\n"
	       "  ip netns exec " LAB_NS_INTERNET " nmap -Pn -sS -S " LAB_ADMIN4 " -e to-host -p 22 "
	       LAB_HOST_WAN4 "   # break-glass\n"
	       "  ip netns exec " LAB_NS_PEER1 " nmap -Pn -sS -p 1-1024 " LAB_HOST_MESH4
	       "         # 22 open over WireGuard\n"
	       "  ip netns exec " LAB_NS_PEER1 " nmap -sn -PE " LAB_HOST_MESH4
	       "                    # ping over WireGuard\n"
	       "  ip netns exec " LAB_NS_HOST " nft list table inet xnft   # rule counters\n"
	       "  ip netns exec " LAB_NS_HOST " wg show " LAB_WG_HOST "\n"
	       "  xnft bans list --socket " LAB_DAEMON_SOCK "   # the host's ban daemon\n"
	       "The policy is in " LAB_POLICY_DIR ". Remove the lab with: xnft lab down\n");
}

static int do_up(void)
{
	struct lab_state st;
	struct xerr e;

	xerr_clear(&e);
	if (lab_preflight(&e)) {
		xerr_print(stderr, &e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	catch_signals();
	printf("xnft lab: building namespaces, veth pairs, wireguard-go and the policy...\n");
	fflush(stdout);
	if (lab_up(&stop_requested, &st, &e)) {
		xerr_print(stderr, &e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	print_play(&st);
	return XNFT_EXIT_OK;
}

static int do_down(void)
{
	struct lab_down_result r;
	struct xerr e;

	xerr_clear(&e);
	if (lab_down(&r, &e)) {
		xerr_print(stderr, &e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	if (!r.had_state && !r.n_netns) {
		printf("xnft lab: no lab was up; nothing to remove\n");
		return XNFT_EXIT_OK;
	}
	printf("xnft lab: down (%zu process%s stopped, %zu already gone, %zu namespace%s "
	       "removed)\n", r.n_stopped, r.n_stopped == 1 ? "" : "es", r.n_gone, r.n_netns,
	       r.n_netns == 1 ? "" : "s");
	return XNFT_EXIT_OK;
}

static int do_status(void)
{
	static const char *const names[3] = { LAB_NS_INTERNET, LAB_NS_HOST, LAB_NS_PEER1 };
	struct lab_status s;
	struct xerr e;
	int healthy;

	xerr_clear(&e);
	if (lab_get_status(&s, &e)) {
		xerr_print(stderr, &e);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	if (!s.state_found && !s.netns[0] && !s.netns[1] && !s.netns[2]) {
		printf("xnft lab: no lab is up ('xnft lab up' builds one)\n");
		return XNFT_EXIT_FINDINGS;
	}
	healthy = s.up && s.netns[0] && s.netns[1] && s.netns[2];
	for (size_t i = 0; i < s.n_procs; i++)
		healthy = healthy && s.alive[i];
	printf("xnft lab: %s\n", healthy ? "up" :
	       s.up ? "up but damaged (run 'xnft lab down')" :
	       "half built (run 'xnft lab down')");
	for (size_t i = 0; i < 3; i++)
		printf("  namespace %-18s %s\n", names[i], s.netns[i] ? "present" : "missing");
	for (size_t i = 0; i < s.n_procs; i++)
		printf("  %-28s pid %-7d %s\n", s.procs[i].role, (int)s.procs[i].pid,
		       s.alive[i] ? "running" : "gone");
	if (s.policy_rules >= 0)
		printf("  policy: %ld rules with counters in inet xnft of %s\n", s.policy_rules,
		       LAB_NS_HOST);
	else
		printf("  policy: not loaded\n");
	if (s.handshake_age_s >= 0)
		printf("  WireGuard: peer1's last handshake %ld s ago\n", s.handshake_age_s);
	else
		printf("  WireGuard: no handshake\n");
	return healthy ? XNFT_EXIT_OK : XNFT_EXIT_FINDINGS;
}

static const char *section_title(const char *section)
{
	if (!strcmp(section, "proof"))
		return "What xnft proves before any packet is sent: every new connection the host's "
		       "live ruleset\n  accepts (xnft exposure --live --new), and its intents";
	if (!strcmp(section, "internet"))
		return "From the internet: attacker " LAB_INET_HOST4 " / " LAB_INET_HOST6
		       " -> host " LAB_HOST_WAN4 " / " LAB_HOST_WAN6;
	if (!strcmp(section, "break-glass"))
		return "Break-glass: the admin's address, on the public interface";
	if (!strcmp(section, "mesh"))
		return "From mesh peer1 through WireGuard: " LAB_PEER1_MESH4 " -> " LAB_HOST_MESH4;
	if (!strcmp(section, "host"))
		return "On the host itself";
	if (!strcmp(section, "scanner"))
		return "Scanner: " LAB_INET_HOST4 " scans TCP 1-" LAB_STR(LAB_SCAN_PORTS)
		       "; the host's xnft daemon reads the drops (NFLOG group "
		       LAB_STR(LAB_NFLOG_GROUP) ")\n  and bans after " LAB_STR(LAB_BAN_THRESHOLD)
		       " in " LAB_STR(LAB_BAN_WINDOW_S) "s ([ban." LAB_BAN_RULE "] categories "
		       LAB_BAN_CATEGORIES ")";
	if (!strcmp(section, "outside"))
		return "The outside view: xnft scan (nmap SYN and UDP, ports " LAB_OUTSIDE_PORTS
		       ") from the unbanned " LAB_OUTSIDE4 " / " LAB_OUTSIDE6 "\n  against the proof "
		       "of the applied policy (--expect " LAB_POLICY_DIR " --class internet)";
	return section;
}

/* The proven lines, grouped like `xnft exposure` groups them. */
static void print_proof(const struct lab_proof *p)
{
	const char *last = "";
	int path = -1;

	for (size_t i = 0; i < p->nlines; i++) {
		const struct lab_proof_line *l = &p->lines[i];

		if (l->forward != path) {
			path = l->forward;
			last = "";
			printf("    %s\n", path ? "routed through the host:" : "to the host:");
		}
		if (strcmp(last, l->iface))
			printf("      %s:\n", l->iface);
		last = l->iface;
		printf("        %s\n", l->text);
	}
	if (p->truncated)
		printf("        ... (more lines: xnft exposure --live --new shows them all)\n");
}

static void print_report(const struct lab_report *rep)
{
	const char *section = "";

	printf("\nxnft lab demo: real traffic against the default policy\n");
	printf("Policy: %s\n"
	       "        (the benchmark ranges are where the lab's \"internet\" lives);\n"
	       "        loaded into %s from %s: %ld rules, each with a counter\n",
	       rep->policy_origin, LAB_NS_HOST, rep->policy_dir, rep->policy_rules);
	printf("Lab:\n");
	print_map(stdout);
	for (size_t i = 0; i < rep->n_checks; i++) {
		const struct lab_check *c = &rep->checks[i];
		char counted[128] = "";

		if (strcmp(section, c->section)) {
			section = c->section;
			printf("\n%s\n", section_title(section));
			if (!strcmp(section, "proof"))
				print_proof(&rep->proof);
		}
		int pad = 10 - (int)strlen(c->expected);

		if (c->rule[0])
			snprintf(counted, sizeof(counted), "+%lld %s", c->delta < 0 ? 0 : c->delta,
				 c->rule);
		else
			snprintf(counted, sizeof(counted), "%s", c->note);
		printf("  %s  %-40s %-10s (expected %s)%*s %s\n", c->pass ? "PASS" : "FAIL",
		       c->what, c->seen, c->expected, pad > 0 ? pad : 0, "", counted);
	}
	printf("\n%zu of %zu expectations held%s\n", rep->n_checks - rep->n_failed,
	       rep->n_checks, rep->n_failed ? "" :
	       ": the internet sees only the WireGuard port, a scanner gets banned,\n"
	       "and nmap from the internet sees only udp/" LAB_STR(LAB_WG_PORT) " - as proven");
}

/*
 * xnft doctor on the lab host, in its namespace (a child: netns_call). The
 * lab loads its policy with nft, not apply, and has no boot unit: those
 * checks say so; the apply state is the lab's own (none), never the host's.
 */
static int lab_doctor(void *arg, struct xerr *e)
{
	struct doctor_opts o = { .root = "/", .policy = LAB_POLICY_DIR };
	struct doctor_report r;

	(void)arg;
	if (setenv(STATE_DIR_ENV, LAB_DIR "/state", 1))
		return xerr_set(e, XNFT_EXIT_USAGE, "setenv: out of memory");
	if (doctor_run(&o, &r, e))
		return -1;
	printf("\nxnft doctor on the lab host (%s):\n", LAB_NS_HOST);
	for (size_t i = 0; i < r.n; i++)
		if (r.checks[i].level != DOCTOR_PASS)
			printf("  [%s] %-32s %s\n", doctor_level_name(r.checks[i].level),
			       r.checks[i].id, r.checks[i].found);
	printf("  %zu passed, %zu %s, %zu failed (xnft doctor: why and the fix for each)\n",
	       doctor_count(&r, DOCTOR_PASS), doctor_count(&r, DOCTOR_WARN),
	       cli_plural((long long)doctor_count(&r, DOCTOR_WARN), "warning", "warnings"),
	       doctor_count(&r, DOCTOR_FAIL));
	fflush(stdout);
	doctor_report_free(&r);
	return 0;
}

static int do_demo(void)
{
	struct lab_state st;
	struct lab_report *rep;
	struct lab_down_result dr;
	struct xerr e, de;
	int rc = XNFT_EXIT_OK;

	xerr_clear(&e);
	xerr_clear(&de);
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(stderr, "xnft lab: out of memory\n");
		return XNFT_EXIT_USAGE;
	}
	if (lab_preflight(&e)) {
		xerr_print(stderr, &e);
		free(rep);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	catch_signals();
	printf("xnft lab demo: building namespaces, veth pairs, wireguard-go and the policy...\n");
	fflush(stdout);
	if (lab_up(&stop_requested, &st, &e)) {
		xerr_print(stderr, &e);
		free(rep);
		return e.code ? e.code : XNFT_EXIT_USAGE;
	}
	printf("xnft lab demo: up; probing with real packets...\n");
	fflush(stdout);
	if (lab_run_checks(&stop_requested, &st, rep, &e)) {
		xerr_print(stderr, &e);
		rc = e.code ? e.code : XNFT_EXIT_USAGE;
	} else {
		print_report(rep);
		if (rep->n_failed)
			rc = XNFT_EXIT_FINDINGS;
		fflush(stdout);
		/* shown, not an expectation: a lab host is not set up as a real one */
		if (netns_call(LAB_NS_HOST, lab_doctor, NULL, &e))
			printf("\nxnft doctor on the lab host: did not run: %s\n", e.msg);
	}
	/* Always down: after success, failure and Ctrl-C alike. */
	if (lab_down(&dr, &de)) {
		xerr_print(stderr, &de);
		rc = XNFT_EXIT_USAGE;
	} else {
		printf("Lab removed (%zu processes stopped, %zu namespaces deleted).\n",
		       dr.n_stopped, dr.n_netns);
	}
	free(rep);
	return rc;
}

int cmd_lab(int argc, char **argv)
{
	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	if (argc != 2) {
		usage(stderr);
		return XNFT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "up"))
		return do_up();
	if (!strcmp(argv[1], "down"))
		return do_down();
	if (!strcmp(argv[1], "demo"))
		return do_demo();
	if (!strcmp(argv[1], "status"))
		return do_status();
	fprintf(stderr, "xnft lab: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return XNFT_EXIT_USAGE;
}
