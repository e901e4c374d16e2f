// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Building and removing the lab. Namespaces, veth pairs, addresses and
 * routes are made by `ip`, run from an argv with its exit status checked;
 * everything started is written to the state file at once, so `lab down`
 * can undo a lab that was only half built.
 */
#include "lab/lab.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/control.h"
#include "core/clock.h"
#include "core/netns.h"
#include "core/nftctx.h"
#include "core/spawn.h"
#include "policy/render.h"

#define LAB_STR_(x) #x
#define LAB_STR(x)  LAB_STR_(x)

static const char *const lab_netns[3] = { LAB_NS_INTERNET, LAB_NS_HOST, LAB_NS_PEER1 };

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run a NULL-terminated argument list; its output only shows up in the error. */
static int run(struct xerr *e, const char *arg0, ...)
{
	char *argv[32];
	size_t n = 0;
	va_list ap;

	argv[n++] = (char *)arg0;
	va_start(ap, arg0);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 31;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return spawn_capture(argv, NULL, e);
}

static int netns_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return access(path, F_OK) == 0;
}

static int interrupted(lab_stop_flag *stop, struct xerr *e)
{
	if (stop && *stop)
		return xerr_set(e, XNFT_EXIT_USAGE, "interrupted");
	return 0;
}

/* ----- processes ----- */

/* The very process we recorded is alive (not exited, not reused, not a zombie). */
static int proc_alive(const struct lab_proc *pr)
{
	return proc_is(pr->pid, pr->start);
}

/* ----- state file ----- */

static int state_write(const struct lab_state *st, struct xerr *e)
{
	char tmp[] = LAB_DIR "/.state.XXXXXX";
	int fd = mkostemp(tmp, O_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return xerr_set(e, 2, "cannot write %s: %s", LAB_STATE_FILE, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return xerr_set(e, 2, "cannot write %s: %s", LAB_STATE_FILE, strerror(errno));
	}
	fprintf(f, "# xnft lab: what `xnft lab up` built; `xnft lab down` removes it\n");
	fprintf(f, "up %d\nhandshake_ms %ld\n", st->up, st->handshake_ms);
	if (st->host_pub[0])
		fprintf(f, "host_pub %s\n", st->host_pub);
	if (st->peer1_pub[0])
		fprintf(f, "peer1_pub %s\n", st->peer1_pub);
	for (size_t i = 0; i < st->n_procs; i++)
		fprintf(f, "proc %s %d %llu\n", st->procs[i].role, (int)st->procs[i].pid,
			st->procs[i].start);
	if (fclose(f) || rename(tmp, LAB_STATE_FILE)) {
		int err = errno;
		unlink(tmp);
		return xerr_set(e, 2, "cannot write %s: %s", LAB_STATE_FILE, strerror(err));
	}
	return 0;
}

static void state_line(struct lab_state *st, const char *line)
{
	char role[32], key[64];
	int pid;
	unsigned long long start;

	if (sscanf(line, "proc %31s %d %llu", role, &pid, &start) == 3) {
		if (st->n_procs < LAB_MAX_PROCS && pid > 1) {
			struct lab_proc *p = &st->procs[st->n_procs++];
			snprintf(p->role, sizeof(p->role), "%s", role);
			p->pid = pid;
			p->start = start;
		}
	} else if (sscanf(line, "up %d", &st->up) == 1) {
	} else if (sscanf(line, "handshake_ms %ld", &st->handshake_ms) == 1) {
	} else if (sscanf(line, "host_pub %63s", key) == 1) {
		snprintf(st->host_pub, sizeof(st->host_pub), "%s", key);
	} else if (sscanf(line, "peer1_pub %63s", key) == 1) {
		snprintf(st->peer1_pub, sizeof(st->peer1_pub), "%s", key);
	}
}

int lab_state_read(struct lab_state *st, int *found, struct xerr *e)
{
	char line[256];
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->handshake_ms = -1;
	*found = 0;
	f = fopen(LAB_STATE_FILE, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return xerr_set(e, 2, "cannot read %s: %s", LAB_STATE_FILE, strerror(errno));
	}
	*found = 1;
	while (fgets(line, sizeof(line), f))
		state_line(st, line);
	fclose(f);
	return 0;
}

static int record_proc(struct lab_state *st, const char *role, pid_t pid, struct xerr *e)
{
	if (st->n_procs == LAB_MAX_PROCS)
		return xerr_set(e, 2, "lab: too many processes to record");
	struct lab_proc *p = &st->procs[st->n_procs++];
	snprintf(p->role, sizeof(p->role), "%s", role);
	p->pid = pid;
	p->start = proc_start_time(pid);
	return state_write(st, e);
}

/* ----- building ----- */

static int make_dirs(struct xerr *e)
{
	if (mkdir(XNFT_RUN_DIR, 0755) && errno != EEXIST)
		return xerr_set(e, 2, "cannot create %s: %s", XNFT_RUN_DIR, strerror(errno));
	/* mkdir is the lock: of two `lab up`s only one gets the directory. */
	if (mkdir(LAB_DIR, 0700)) {
		if (errno == EEXIST) {
			xerr_set(e, XNFT_EXIT_USAGE, "a lab is already up (%s exists)", LAB_DIR);
			return xerr_hint(e, "'xnft lab status' shows it; 'xnft lab down' removes it");
		}
		return xerr_set(e, 2, "cannot create %s: %s", LAB_DIR, strerror(errno));
	}
	return 0;
}

static int ns_make(const char *ns, struct xerr *e)
{
	if (run(e, "ip", "netns", "add", ns, NULL))
		return -1;
	return run(e, "ip", "-n", ns, "link", "set", "lo", "up", NULL);
}

/* A veth pair from the internet namespace to `ns`, whose end is called eth0. */
static int veth_to(const char *inet_end, const char *ns, struct xerr *e)
{
	if (run(e, "ip", "-n", LAB_NS_INTERNET, "link", "add", inet_end, "type", "veth",
		"peer", "name", "eth0", "netns", ns, NULL))
		return -1;
	if (run(e, "ip", "-n", LAB_NS_INTERNET, "link", "set", inet_end, "up", NULL))
		return -1;
	return run(e, "ip", "-n", ns, "link", "set", "eth0", "up", NULL);
}

static int addr(const char *ns, const char *cidr, const char *dev, struct xerr *e)
{
	/* nodad: IPv6 addresses usable at once, not after duplicate detection. */
	if (strchr(cidr, ':'))
		return run(e, "ip", "-n", ns, "addr", "add", cidr, "dev", dev, "nodad", NULL);
	return run(e, "ip", "-n", ns, "addr", "add", cidr, "dev", dev, NULL);
}

static int build_network(struct xerr *e)
{
	for (size_t i = 0; i < 3; i++) {
		if (ns_make(lab_netns[i], e))
			return -1;
	}
	if (veth_to("to-host", LAB_NS_HOST, e) || veth_to("to-peer1", LAB_NS_PEER1, e))
		return -1;
	if (addr(LAB_NS_HOST, LAB_HOST_WAN4 "/24", "eth0", e) ||
	    addr(LAB_NS_HOST, LAB_HOST_WAN6 "/64", "eth0", e) ||
	    addr(LAB_NS_INTERNET, LAB_INET_HOST4 "/24", "to-host", e) ||
	    addr(LAB_NS_INTERNET, LAB_INET_HOST6 "/64", "to-host", e) ||
	    addr(LAB_NS_INTERNET, LAB_OUTSIDE4 "/24", "to-host", e) ||
	    addr(LAB_NS_INTERNET, LAB_OUTSIDE6 "/128", "lo", e) ||
	    addr(LAB_NS_INTERNET, LAB_ADMIN4 "/32", "lo", e) ||
	    addr(LAB_NS_INTERNET, LAB_INET_PEER4 "/24", "to-peer1", e) ||
	    addr(LAB_NS_PEER1, LAB_PEER1_WAN4 "/24", "eth0", e))
		return -1;
	if (run(e, "ip", "-n", LAB_NS_HOST, "route", "add", "default", "via", LAB_INET_HOST4, NULL) ||
	    run(e, "ip", "-n", LAB_NS_HOST, "-6", "route", "add", "default", "via", LAB_INET_HOST6,
		NULL) ||
	    run(e, "ip", "-n", LAB_NS_PEER1, "route", "add", "default", "via", LAB_INET_PEER4, NULL))
		return -1;
	/* Unbound traffic to the host (nmap's) leaves from the outside view's addresses. */
	if (run(e, "ip", "-n", LAB_NS_INTERNET, "route", "add", LAB_HOST_WAN4 "/32", "dev",
		"to-host", "src", LAB_OUTSIDE4, NULL) ||
	    run(e, "ip", "-n", LAB_NS_INTERNET, "-6", "route", "add", LAB_HOST_WAN6 "/128", "dev",
		"to-host", "src", LAB_OUTSIDE6, NULL))
		return -1;
	/* The internet routes between host and peer1. */
	if (lab_sysctl(LAB_NS_INTERNET, "net/ipv4/ip_forward", "1", e))
		return -1;
	/* Ping sockets (no raw sockets needed) for the probes, in every namespace. */
	for (size_t i = 0; i < 3; i++) {
		if (lab_sysctl(lab_netns[i], "net/ipv4/ping_group_range", "0 2147483647", e))
			return -1;
	}
	/*
	 * No reverse-path filter on the host: whatever the machine's default,
	 * the policy alone must drop a forged source inside the tunnel.
	 */
	if (lab_sysctl(LAB_NS_HOST, "net/ipv4/conf/all/rp_filter", "0", e) ||
	    lab_sysctl(LAB_NS_HOST, "net/ipv4/conf/default/rp_filter", "0", e))
		return -1;
	return 0;
}

static int key_file(const char *name, char *path, size_t len, const struct lab_wg_keys *k,
		    struct xerr *e)
{
	snprintf(path, len, LAB_DIR "/%s.key", name);
	return lab_wg_write_key(path, k, e);
}

static int start_wireguard(struct lab_state *st, lab_stop_flag *stop, struct xerr *e)
{
	pid_t ph, pp;

	if (lab_wg_clear_stale(LAB_WG_HOST, e) || lab_wg_clear_stale(LAB_WG_PEER1, e))
		return -1;
	if (lab_wg_start(LAB_NS_HOST, LAB_WG_HOST, LAB_DIR "/wireguard-go-host.log", &ph, e) ||
	    record_proc(st, "wireguard-go-host", ph, e))
		return -1;
	if (lab_wg_start(LAB_NS_PEER1, LAB_WG_PEER1, LAB_DIR "/wireguard-go-peer1.log", &pp, e) ||
	    record_proc(st, "wireguard-go-peer1", pp, e))
		return -1;
	if (lab_wg_wait_ready(LAB_WG_HOST, ph, 10000, stop, LAB_DIR "/wireguard-go-host.log", e) ||
	    lab_wg_wait_ready(LAB_WG_PEER1, pp, 10000, stop, LAB_DIR "/wireguard-go-peer1.log", e))
		return -1;
	return 0;
}

static int configure_wireguard(struct lab_state *st, struct xerr *e)
{
	struct lab_wg_keys kh, kp;
	char path_h[128], path_p[128];

	if (lab_wg_genkey(&kh, e) || lab_wg_genkey(&kp, e))
		return -1;
	snprintf(st->host_pub, sizeof(st->host_pub), "%s", kh.pub);
	snprintf(st->peer1_pub, sizeof(st->peer1_pub), "%s", kp.pub);
	if (key_file("host", path_h, sizeof(path_h), &kh, e) ||
	    key_file("peer1", path_p, sizeof(path_p), &kp, e))
		return -1;
	if (state_write(st, e))
		return -1;
	/* The host's AllowedIPs for peer1 wrongly include LAB_SPOOF_NET: the policy must cope. */
	if (run(e, "ip", "netns", "exec", LAB_NS_HOST, "wg", "set", LAB_WG_HOST,
		"private-key", path_h, "listen-port", "51820",
		"peer", kp.pub, "allowed-ips",
		LAB_PEER1_MESH4 "/32," LAB_PEER1_MESH6 "/128," LAB_SPOOF_NET, NULL))
		return -1;
	if (run(e, "ip", "netns", "exec", LAB_NS_PEER1, "wg", "set", LAB_WG_PEER1,
		"private-key", path_p, "listen-port", "51820",
		"peer", kh.pub, "allowed-ips", LAB_MESH4 "," LAB_MESH6,
		"endpoint", LAB_HOST_WAN4 ":51820", "persistent-keepalive", "25", NULL))
		return -1;
	if (addr(LAB_NS_HOST, LAB_HOST_MESH4 "/24", LAB_WG_HOST, e) ||
	    addr(LAB_NS_HOST, LAB_HOST_MESH6 "/64", LAB_WG_HOST, e) ||
	    addr(LAB_NS_PEER1, LAB_PEER1_MESH4 "/32", LAB_WG_PEER1, e) ||
	    addr(LAB_NS_PEER1, LAB_PEER1_MESH6 "/128", LAB_WG_PEER1, e) ||
	    /* The forged source peer1 can send from, for the spoofing check. */
	    addr(LAB_NS_PEER1, LAB_SPOOF4 "/32", LAB_WG_PEER1, e))
		return -1;
	if (run(e, "ip", "-n", LAB_NS_HOST, "link", "set", LAB_WG_HOST, "up", NULL) ||
	    run(e, "ip", "-n", LAB_NS_PEER1, "link", "set", LAB_WG_PEER1, "up", NULL))
		return -1;
	if (run(e, "ip", "-n", LAB_NS_PEER1, "route", "add", LAB_MESH4, "dev", LAB_WG_PEER1,
		NULL) ||
	    run(e, "ip", "-n", LAB_NS_PEER1, "-6", "route", "add", LAB_MESH6, "dev", LAB_WG_PEER1,
		NULL))
		return -1;
	return 0;
}

/* Add cidr to the policy's mesh unless the defaults already hold it. */
static int mesh_add_once(struct policy_values *v, const char *cidr, struct xerr *e)
{
	for (size_t i = 0; i < v->n_mesh4; i++) {
		if (!strcmp(v->mesh4[i], cidr))
			return 0;
	}
	for (size_t i = 0; i < v->n_mesh6; i++) {
		if (!strcmp(v->mesh6[i], cidr))
			return 0;
	}
	return policy_values_add_mesh(v, cidr, e);
}

static int render_policy(struct xerr *e)
{
	struct policy_values v;

	policy_values_defaults(&v);
	if (policy_values_set_iface(v.wan_if, "wan", "eth0", e) ||
	    policy_values_set_iface(v.mesh_if, "mesh-if", LAB_WG_HOST, e) ||
	    mesh_add_once(&v, LAB_MESH4, e) || mesh_add_once(&v, LAB_MESH6, e) ||
	    policy_values_add_admin(&v, LAB_ADMIN4 "/32", e) ||
	    /* The lab's public side lives in the benchmark ranges the bogon sets hold. */
	    policy_values_exempt_bogon(&v, "198.18.0.0/15", e) ||
	    policy_values_exempt_bogon(&v, "2001:2::/48", e) ||
	    /* Drops go to NFLOG, where the lab's ban daemon reads them. */
	    policy_values_set_log(&v, "nflog:" LAB_STR(LAB_NFLOG_GROUP), e))
		return xerr_wrap(e, "lab policy values");
	if (policy_write_tree(&v, LAB_POLICY_DIR, 1, e))
		return xerr_wrap(e, "writing the lab policy");
	return 0;
}

static int load_policy_child(void *arg, struct xerr *e)
{
	(void)arg;
	struct nftctx *ctx = nftctx_new(0, e);
	int rc;

	if (!ctx)
		return -1;
	rc = nftctx_add_include_path(ctx, LAB_POLICY_DIR, e);
	if (rc == 0)
		rc = nftctx_load_file(ctx, LAB_POLICY_DIR "/nftables.conf", NULL, e);
	nftctx_free(ctx);
	return rc;
}

static int load_policy(struct xerr *e)
{
	if (render_policy(e))
		return -1;
	if (netns_call(LAB_NS_HOST, load_policy_child, NULL, e))
		return xerr_wrap(e, "loading the policy into %s", LAB_NS_HOST);
	return 0;
}

/* Nudge peer1 to handshake and wait (bounded) until it reports one. */
static int wait_handshake(struct lab_state *st, lab_stop_flag *stop, struct xerr *e)
{
	long long t0 = clock_mono_ms(), last_nudge = -10000, when = 0;
	struct lab_probe nudge = {
		.ns = LAB_NS_PEER1, .kind = PROBE_UDP, .dst = LAB_HOST_MESH4,
		.port = LAB_UDP_DNS, .count = 1, .timeout_ms = 50,
	};

	while (clock_mono_ms() - t0 < 10000) {
		if (interrupted(stop, e))
			return -1;
		if (clock_mono_ms() - last_nudge >= 1000) {
			if (lab_probe_run(&nudge, e))
				return -1;
			last_nudge = clock_mono_ms();
		}
		if (lab_wg_latest_handshake(LAB_NS_PEER1, LAB_WG_PEER1, &when, e))
			return -1;
		if (when > 0) {
			st->handshake_ms = (long)(clock_mono_ms() - t0);
			return 0;
		}
		sleep_ms(100);
	}
	char host_log[256], peer_log[256];
	lab_log_tail(LAB_DIR "/wireguard-go-host.log", host_log, sizeof(host_log));
	lab_log_tail(LAB_DIR "/wireguard-go-peer1.log", peer_log, sizeof(peer_log));
	xerr_set(e, 2, "no WireGuard handshake between %s and %s within 10 s "
		 "(host's wireguard-go: \"%s\"; peer1's: \"%s\")", LAB_NS_PEER1, LAB_NS_HOST,
		 host_log, peer_log);
	return xerr_hint(e, "the policy must let UDP %d in from the internet; "
			 "'xnft check' shows whether it loads", LAB_WG_PORT);
}

/* ----- the ban daemon ----- */

static int write_daemon_conf(struct xerr *e)
{
	FILE *f = fopen(LAB_DAEMON_CONF, "wxe");

	if (!f)
		return xerr_set(e, 2, "cannot create %s: %s", LAB_DAEMON_CONF, strerror(errno));
	fprintf(f,
		"# xnft lab: the host's ban daemon (xnft.conf(5)); removed by 'xnft lab down'\n"
		"[daemon]\n"
		"sources = nflog:%d\n"
		"# The whitelist (mesh peers, admin) comes from the table in this namespace.\n"
		"policy = live\n"
		"socket = %s\n"
		"database = %s\n"
		"\n"
		"[escalation]\n"
		"enabled = no\n"
		"\n"
		"[ban.%s]\n"
		"categories = %s\n"
		"threshold = %d\n"
		"window = %ds\n"
		"bantime = %ds\n",
		LAB_NFLOG_GROUP, LAB_DAEMON_SOCK, LAB_DAEMON_DB, LAB_BAN_RULE, LAB_BAN_CATEGORIES,
		LAB_BAN_THRESHOLD, LAB_BAN_WINDOW_S, LAB_BAN_TIME_S);
	if (fclose(f))
		return xerr_set(e, 2, "cannot write %s: %s", LAB_DAEMON_CONF, strerror(errno));
	return 0;
}

/* Bounded: the daemon answers on its socket once its event source is open. */
static int daemon_wait_ready(pid_t pid, lab_stop_flag *stop, struct xerr *e)
{
	long long t0 = clock_mono_ms();
	char tail[256];

	while (clock_mono_ms() - t0 < 15000) {
		struct xerr ignored;
		char *reply = NULL;
		int status;

		if (control_request(LAB_DAEMON_SOCK, "status", &reply, &ignored) == 0) {
			json_t *j = reply ? json_loads(reply, 0, NULL) : NULL;
			int ok = json_is_true(json_object_get(j, "ok"));
			json_decref(j);
			free(reply);
			if (ok)
				return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			lab_log_tail(LAB_DAEMON_LOG, tail, sizeof(tail));
			return xerr_set(e, 2, "xnft daemon exited before it was ready%s%s",
					*tail ? ": " : "", tail);
		}
		if (interrupted(stop, e))
			return -1;
		sleep_ms(50);
	}
	lab_log_tail(LAB_DAEMON_LOG, tail, sizeof(tail));
	return xerr_set(e, 2, "xnft daemon did not answer on %s within 15 s%s%s", LAB_DAEMON_SOCK,
			*tail ? "; its log ends: " : "", tail);
}

int lab_self_exe(char *buf, size_t len, struct xerr *e)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0 || (size_t)n >= len - 1)
		return xerr_set(e, 2, "cannot find xnft's own binary (/proc/self/exe): %s",
				n < 0 ? strerror(errno) : "path too long");
	buf[n] = '\0';
	return 0;
}

int lab_daemon_start(pid_t *pid, struct xerr *e)
{
	char self[512];

	if (lab_self_exe(self, sizeof(self), e) || write_daemon_conf(e))
		return -1;
	/* `ip netns exec` execs xnft in place: the PID is the daemon's. */
	char *argv[] = { "ip", "netns", "exec", LAB_NS_HOST, self, "daemon",
			 "--config", LAB_DAEMON_CONF, NULL };
	if (spawn_start(argv, LAB_DAEMON_LOG, pid, e))
		return xerr_wrap(e, "starting xnft daemon in %s", LAB_NS_HOST);
	return 0;
}

static int start_daemon(struct lab_state *st, lab_stop_flag *stop, struct xerr *e)
{
	pid_t pid;

	if (lab_daemon_start(&pid, e) || record_proc(st, "xnft-daemon", pid, e))
		return -1;
	return daemon_wait_ready(pid, stop, e);
}

static int build(struct lab_state *st, lab_stop_flag *stop, struct xerr *e)
{
	pid_t lp;

	if (build_network(e) || interrupted(stop, e))
		return -1;
	if (start_wireguard(st, stop, e) || interrupted(stop, e))
		return -1;
	/* Policy first, so the handshake itself has to pass through it. */
	if (load_policy(e) || interrupted(stop, e))
		return -1;
	if (configure_wireguard(st, e) || interrupted(stop, e))
		return -1;
	if (lab_listeners_start(LAB_NS_HOST, &lp, e) || record_proc(st, "listeners", lp, e))
		return -1;
	if (start_daemon(st, stop, e) || interrupted(stop, e))
		return -1;
	if (wait_handshake(st, stop, e))
		return -1;
	st->up = 1;
	return state_write(st, e);
}

int lab_preflight(struct xerr *e)
{
	if (geteuid() != 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "the lab needs root: it creates network namespaces");
		return xerr_hint(e, "run it as root, e.g. 'sudo xnft lab up'");
	}
	for (size_t i = 0; i < 3; i++) {
		if (netns_exists(lab_netns[i])) {
			xerr_set(e, XNFT_EXIT_USAGE, "a lab is already up (namespace %s exists)",
				 lab_netns[i]);
			return xerr_hint(e, "'xnft lab status' shows it; 'xnft lab down' removes it");
		}
	}
	if (access(LAB_DIR, F_OK) == 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "a lab is already up (%s exists)", LAB_DIR);
		return xerr_hint(e, "'xnft lab status' shows it; 'xnft lab down' removes it");
	}
	return 0;
}

int lab_up(lab_stop_flag *stop, struct lab_state *st, struct xerr *e)
{
	struct lab_down_result dr;
	struct xerr ignored;

	memset(st, 0, sizeof(*st));
	st->handshake_ms = -1;
	if (lab_preflight(e) || make_dirs(e))
		return -1;
	if (state_write(st, e) || build(st, stop, e)) {
		/* Half a lab is no use to anyone: take it down again. */
		if (lab_down(&dr, &ignored) == 0 && !e->hint[0])
			xerr_hint(e, "what was built so far has been removed again");
		return -1;
	}
	return 0;
}

/* ----- removing ----- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) && errno != ENOENT ? -1 : 0;
	return unlink(path) && errno != ENOENT ? -1 : 0;
}

int lab_down(struct lab_down_result *r, struct xerr *e)
{
	struct lab_state st;
	struct xerr ignored;
	int found;

	memset(r, 0, sizeof(*r));
	if (geteuid() != 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "the lab needs root: it removes network namespaces");
		return xerr_hint(e, "run it as root, e.g. 'sudo xnft lab down'");
	}
	if (lab_state_read(&st, &found, e))
		return -1;
	r->had_state = found;
	/* Only the very processes recorded: a PID reused since is somebody else's. */
	for (size_t i = 0; i < st.n_procs; i++) {
		if (!proc_alive(&st.procs[i])) {
			r->n_gone++;
			continue;
		}
		if (spawn_stop(st.procs[i].pid, st.procs[i].start, 3000))
			r->n_failed++;
		else
			r->n_stopped++;
	}
	/* A killed wireguard-go leaves its socket behind; only a dead one is removed. */
	lab_wg_clear_stale(LAB_WG_HOST, &ignored);
	lab_wg_clear_stale(LAB_WG_PEER1, &ignored);
	for (size_t i = 0; i < 3; i++) {
		if (!netns_exists(lab_netns[i]))
			continue;
		if (run(e, "ip", "netns", "del", lab_netns[i], NULL))
			return xerr_wrap(e, "removing the lab");
		r->n_netns++;
	}
	if (nftw(LAB_DIR, rm_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		return xerr_set(e, 2, "cannot remove %s: %s", LAB_DIR, strerror(errno));
	if (r->n_failed) {
		xerr_set(e, 2, "%zu lab process(es) would not stop", r->n_failed);
		return xerr_hint(e, "check them with 'ps'; the namespaces are gone");
	}
	return 0;
}

/* ----- status ----- */

int lab_get_status(struct lab_status *s, struct xerr *e)
{
	struct lab_state st;
	struct lab_counters *c;
	struct xerr ignored;
	int found;

	memset(s, 0, sizeof(*s));
	s->handshake_age_s = -1;
	s->policy_rules = -1;
	if (lab_state_read(&st, &found, e))
		return -1;
	s->state_found = found;
	s->up = st.up;
	for (size_t i = 0; i < 3; i++)
		s->netns[i] = netns_exists(lab_netns[i]);
	s->n_procs = st.n_procs;
	for (size_t i = 0; i < st.n_procs; i++) {
		s->procs[i] = st.procs[i];
		s->alive[i] = proc_alive(&st.procs[i]);
	}
	if (s->netns[2] && lab_wg_in_use(LAB_WG_PEER1)) {
		long long when = 0;
		if (lab_wg_latest_handshake(LAB_NS_PEER1, LAB_WG_PEER1, &when, &ignored) == 0 &&
		    when > 0)
			s->handshake_age_s = (long)(time(NULL) - when);
	}
	if (s->netns[1]) {
		c = malloc(sizeof(*c));
		if (c && lab_counters_read(LAB_NS_HOST, c, &ignored) == 0)
			s->policy_rules = (long)c->n;
		free(c);
	}
	return 0;
}
