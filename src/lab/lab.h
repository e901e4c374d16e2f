/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network-namespace lab: an outsider on the internet, a protected host
 * with the default policy loaded, and a mesh peer joined to it by real
 * WireGuard (wireguard-go). Names and addresses are the lab's own; only one
 * lab exists at a time. Everything the lab starts is recorded, by PID and
 * start time, in LAB_STATE_FILE so `lab down` stops exactly that.
 */
#ifndef XNFT_LAB_LAB_H
#define XNFT_LAB_LAB_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/paths.h"

#define LAB_DIR        XNFT_RUN_DIR "/lab"
#define LAB_STATE_FILE LAB_DIR "/state"
#define LAB_POLICY_DIR LAB_DIR "/policy"

#define LAB_NS_INTERNET "xnft-lab-internet"
#define LAB_NS_HOST     "xnft-lab-host"
#define LAB_NS_PEER1    "xnft-lab-peer1"

/* WireGuard interfaces: their UAPI sockets share /var/run/wireguard, so names differ. */
#define LAB_WG_HOST  "wgh0"
#define LAB_WG_PEER1 "wgp1"
#define LAB_WG_PORT  51820

/* internet <-> host; 198.18.0.0/15 is the RFC 2544 benchmark range. */
#define LAB_HOST_WAN4     "198.18.0.1"
#define LAB_HOST_WAN6     "2001:2::1"
#define LAB_INET_HOST4    "198.18.0.2"  /* the attacker */
#define LAB_INET_HOST6    "2001:2::2"
#define LAB_ADMIN4        "198.18.2.10" /* the admin's break-glass source */
/*
 * The outside view's scanner: second internet addresses, the source of
 * whatever the internet namespace sends to the host unbound (nmap), so the
 * scan that ends the demo does not come from the attacker banned before it
 * (nor share the attacker's /64, whose events count towards the same ban).
 */
#define LAB_OUTSIDE4      "198.18.0.3"
#define LAB_OUTSIDE6      "2001:2:0:1::3" /* its own /64: IPv6 is counted and banned per /64 */
#define LAB_OUTSIDE6_NET  "2001:2:0:1::"  /* its /64 as BANNED6 holds it: masked */
/* internet <-> peer1 */
#define LAB_PEER1_WAN4    "198.18.1.2"
#define LAB_INET_PEER4    "198.18.1.1"
/* The mesh */
#define LAB_MESH4         "10.10.0.0/24"
#define LAB_MESH6         "fd10::/64"
#define LAB_HOST_MESH4    "10.10.0.1"
#define LAB_HOST_MESH6    "fd10::1"
#define LAB_PEER1_MESH4   "10.10.0.2"
#define LAB_PEER1_MESH6   "fd10::2"
/* Inside the host's AllowedIPs for peer1 by mistake; the policy must still drop it. */
#define LAB_SPOOF_NET     "10.99.0.0/24"
#define LAB_SPOOF4        "10.99.0.5"

/* Ports of the host's listeners (accept and close; UDP echoes). */
#define LAB_TCP_SSH  22
#define LAB_TCP_HTTP 80
#define LAB_UDP_DNS  53

#define LAB_MAX_PROCS 8

/*
 * The ban daemon of the host: `xnft daemon` run inside LAB_NS_HOST, fed by
 * the policy's drop logs over NFLOG group LAB_NFLOG_GROUP (the kernel log
 * prints nothing from a namespace other than the first). Its config,
 * socket, database and log live in LAB_DIR and go with the lab.
 */
#define LAB_NFLOG_GROUP     7
#define LAB_DAEMON_CONF     LAB_DIR "/xnft.conf"
#define LAB_DAEMON_SOCK     LAB_DIR "/daemon.sock"
#define LAB_DAEMON_DB       LAB_DIR "/bans.db"
#define LAB_DAEMON_LOG      LAB_DIR "/xnft-daemon.log"
#define LAB_BAN_RULE        "scan"
#define LAB_BAN_CATEGORIES  "TCPFL-*, DROP"
/*
 * 15 events in a minute: the internet probes before the scan send at most
 * 5 logged drops from the attacker (two SYNs each to TCP 22 and 80, one UDP
 * datagram; the ping is ICMP4-DROP, not in the rule), so only the scan can
 * cross it; the scan's 30 SYNs fit in the log rule's burst of 20.
 */
#define LAB_BAN_THRESHOLD   15
#define LAB_BAN_WINDOW_S    60
#define LAB_BAN_TIME_S      60
#define LAB_SCAN_PORTS      30      /* TCP 1..30 */
/*
 * The outside view's nmap ports, each as TCP and UDP, SYN and UDP scans only:
 * WireGuard and the listeners SSH (TCP) and echo (UDP 53). With one retry,
 * and nmap's two DNS payloads to 53, they make 12 logged drops per address
 * (measured with nmap 7.93's --packet-trace): under LAB_BAN_THRESHOLD, so
 * the scan is not banned before it ends. HTTP (TCP 80) would add 4 and
 * cross it; the internet probes cover it.
 */
#define LAB_OUTSIDE_PORTS   "22,53,51820"

/* A process the lab started; start is /proc/PID/stat field 22, to survive PID reuse. */
struct lab_proc {
	char role[32];
	pid_t pid;
	unsigned long long start;
};

struct lab_state {
	struct lab_proc procs[LAB_MAX_PROCS];
	size_t n_procs;
	int up;                 /* 1 once `lab up` finished */
	long handshake_ms;      /* time to the first WireGuard handshake; -1 unknown */
	char host_pub[64];      /* base64 WireGuard public keys */
	char peer1_pub[64];
};

/* Set by the caller's SIGINT/SIGTERM handler; long steps check it and give up. */
typedef volatile sig_atomic_t lab_stop_flag;

/* Fail (XNFT_EXIT_USAGE, with a hint) unless root and no lab exists yet. */
int lab_preflight(struct xerr *e);

/*
 * Build the lab and wait for the first handshake. Refuses (XNFT_EXIT_USAGE)
 * if a lab exists. On failure or interruption it tears down what it built.
 */
int lab_up(lab_stop_flag *stop, struct lab_state *st, struct xerr *e);

/* What `lab down` did. */
struct lab_down_result {
	int had_state;          /* a state file was found */
	size_t n_stopped;       /* processes stopped */
	size_t n_gone;          /* recorded processes already gone (or PID reused) */
	size_t n_failed;        /* processes that would not die */
	size_t n_netns;         /* namespaces deleted */
};

/* Remove whatever exists of the lab; succeeds on a half-built or absent lab. */
int lab_down(struct lab_down_result *r, struct xerr *e);

struct lab_status {
	int state_found;
	int up;
	int netns[3];           /* internet, host, peer1 exist */
	struct lab_proc procs[LAB_MAX_PROCS];
	int alive[LAB_MAX_PROCS];
	size_t n_procs;
	long handshake_age_s;   /* seconds since peer1's last handshake; -1 none */
	long policy_rules;      /* rules in the host's inet xnft table; -1 unknown */
};

int lab_get_status(struct lab_status *s, struct xerr *e);

/* One expectation checked with real traffic. */
struct lab_check {
	char section[32];       /* "internet", "break-glass", "mesh", "host", "scanner", "outside" */
	char what[96];
	char expected[48];
	char seen[128];
	char rule[96];          /* comment of the rule whose counter proves it; "" none */
	long long delta;        /* that counter's increase; -1 unknown */
	char note[128];         /* shown where the counter would be, when there is none */
	int pass;
};

#define LAB_MAX_CHECKS 32

/*
 * What xnft proves about the host's live ruleset before a packet is sent
 * (lab_proof.c): the new connections it accepts, as `xnft exposure --live
 * --new` shows them, and the policy's intents proven against it.
 */
#define LAB_PROOF_LINES 24

struct lab_proof_line {
	int forward;            /* 0: to the host (input), 1: routed through it */
	char iface[64];         /* "from eth0", "from wgh0 to wgh0" */
	char text[384];         /* "IPv4 source ...: udp dport 51820 — while ..." */
};

struct lab_proof {
	struct lab_proof_line lines[LAB_PROOF_LINES];
	size_t nlines;
	int truncated;
	size_t wan_lines;       /* new connections from the internet interface */
	size_t wan_wireguard;   /* of which to the WireGuard port and nothing else */
	size_t wan_breakglass;  /* of which the admin's SSH from ADMIN_ALLOWLIST */
	size_t intents, held;
	long elapsed_ms;        /* reading the ruleset and proving, in the host's namespace */
};

struct lab_report {
	char policy_origin[320];  /* where the policy came from */
	char policy_dir[128];
	long policy_rules;
	long handshake_ms;
	struct lab_proof proof;
	struct lab_check checks[LAB_MAX_CHECKS];
	size_t n_checks;
	size_t n_failed;
};

/*
 * The outside view's verdict (lab_checks.c) from what `xnft scan` printed
 * (exit_ok) or spawn's message when it exited non-zero: c's seen, note and
 * pass; "as proven" only for "TARGET: N ports open, 0 drift".
 */
void lab_outside_judge(struct lab_check *c, int exit_ok, const char *text);

/* Prove what the host's live ruleset lets through (lab_proof.c); the lab must be up. */
int lab_prove(struct lab_proof *p, struct xerr *e);

/* Memory a child forked by netns_call() writes and the parent reads back (munmap it). */
void *lab_shared_alloc(size_t size, struct xerr *e);

/* Send the demo's probes through a lab that is up; fills rep. */
int lab_run_checks(lab_stop_flag *stop, const struct lab_state *st, struct lab_report *rep,
		   struct xerr *e);

/* State file (lab.c). */
int lab_state_read(struct lab_state *st, int *found, struct xerr *e);

/* ----- the ban daemon (lab.c) ----- */

/* This binary's path (/proc/self/exe), to run it inside a namespace. */
int lab_self_exe(char *buf, size_t len, struct xerr *e);

/* Write LAB_DAEMON_CONF and start `xnft daemon` in LAB_NS_HOST (lab_up waits for it). */
int lab_daemon_start(pid_t *pid, struct xerr *e);

/* ----- lab_wg.c: WireGuard keys and wireguard-go ----- */

struct lab_wg_keys {
	char priv[64];          /* base64, original variant, as wg(8) uses */
	char pub[64];
};

int lab_wg_genkey(struct lab_wg_keys *k, struct xerr *e);

/* Write the private key to path (mode 0600) for `wg set ... private-key`. */
int lab_wg_write_key(const char *path, const struct lab_wg_keys *k, struct xerr *e);

/* Start wireguard-go for iface inside ns; logs to log_path. */
int lab_wg_start(const char *ns, const char *iface, const char *log_path, pid_t *pid,
		 struct xerr *e);

/* Wait (bounded) until iface's UAPI socket answers; fail early if pid died. */
int lab_wg_wait_ready(const char *iface, pid_t pid, int timeout_ms, lab_stop_flag *stop,
		      const char *log_path, struct xerr *e);

/* Last line of a log file (for messages; the lab's logs go when it does). */
void lab_log_tail(const char *path, char *buf, size_t len);

/* Remove iface's UAPI socket if nothing listens on it (a crashed wireguard-go's). */
int lab_wg_clear_stale(const char *iface, struct xerr *e);

/* 1 if a process listens on iface's UAPI socket. */
int lab_wg_in_use(const char *iface);

/* Newest handshake time (unix seconds) any peer of iface reports; 0 none. */
int lab_wg_latest_handshake(const char *ns, const char *iface, long long *when,
			    struct xerr *e);

/* ----- lab_probe.c: real traffic from inside a namespace ----- */

enum lab_probe_kind { PROBE_TCP, PROBE_UDP, PROBE_ICMP };

enum lab_probe_result {
	PROBE_OPEN,        /* TCP: connected */
	PROBE_REFUSED,     /* TCP RST or ICMP port unreachable */
	PROBE_FILTERED,    /* TCP: no answer within the timeout */
	PROBE_UNREACHABLE, /* ICMP host/net/admin unreachable */
	PROBE_ANSWERED,    /* UDP reply or ICMP echo reply */
	PROBE_NO_ANSWER,   /* UDP or ICMP: nothing within the timeout */
};

struct lab_probe {
	const char *ns;
	enum lab_probe_kind kind;
	const char *src;   /* source address to bind, or NULL */
	const char *dst;
	unsigned port;     /* TCP/UDP */
	unsigned count;    /* UDP datagrams / echo requests to send (>= 1) */
	int timeout_ms;
	/* results */
	enum lab_probe_result result;
	long elapsed_ms;
	char detail[96];
};

const char *lab_probe_result_name(enum lab_probe_result r);

/* Run one probe in a child that entered p->ns; bounded by p->timeout_ms. */
int lab_probe_run(struct lab_probe *p, struct xerr *e);

/* Per-rule counters of a namespace's inet xnft table. */
struct lab_counter {
	char chain[48];
	char comment[160];
	uint64_t packets;
};

#define LAB_MAX_COUNTERS 512

struct lab_counters {
	struct lab_counter v[LAB_MAX_COUNTERS];
	size_t n;
};

int lab_counters_read(const char *ns, struct lab_counters *c, struct xerr *e);

/* TCP connects to ports lo..hi at once from src in ns; each waits timeout_ms. */
struct lab_scan {
	const char *ns, *src, *dst;
	unsigned lo, hi;
	int timeout_ms;
	/* results */
	unsigned n_open, n_refused, n_filtered;
};

int lab_scan_run(struct lab_scan *s, struct xerr *e);

/* Elements of a set of the namespace's inet xnft table. */
struct lab_set_elem {
	char addr[64];
	long long timeout_s;    /* -1: none */
	long long expires_s;    /* -1: none */
};

#define LAB_MAX_SET_ELEMS 64

struct lab_set {
	struct lab_set_elem v[LAB_MAX_SET_ELEMS];
	size_t n;
};

int lab_set_read(const char *ns, const char *set, struct lab_set *out, struct xerr *e);

/* Parse `list set` JSON (exposed for tests). */
int lab_set_parse(const char *json, struct lab_set *out, struct xerr *e);

/* The element for addr, or NULL. */
const struct lab_set_elem *lab_set_find(const struct lab_set *s, const char *addr);

/* Sum of the packets of every rule whose comment contains needle; -1 if none does. */
long long lab_counter_sum(const struct lab_counters *c, const char *needle);

/* Comment of the first rule whose comment contains needle; NULL if none does. */
const char *lab_counter_comment(const struct lab_counters *c, const char *needle);

/* Parse `list table` JSON into counters (exposed for tests). */
int lab_counters_parse(const char *json, struct lab_counters *c, struct xerr *e);

/*
 * Fork a child that leaves the terminal (setsid), enters ns and serves
 * LAB_TCP_SSH, LAB_TCP_HTTP (accept, close) and LAB_UDP_DNS (echo) on IPv4
 * and IPv6. Returns once the sockets are bound.
 */
int lab_listeners_start(const char *ns, pid_t *pid, struct xerr *e);

/* Write a sysctl under /proc/sys inside ns ("net/ipv4/ip_forward", "1"). */
int lab_sysctl(const char *ns, const char *key, const char *value, struct xerr *e);

#endif
