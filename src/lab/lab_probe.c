// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Real traffic inside the lab. Every probe runs in a forked child that
 * entered a namespace (netns_call), so xnft's own namespace never changes;
 * results come back through a shared anonymous mapping. Every wait is
 * bounded by the probe's timeout.
 */
#include "lab/lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fdio.h"
#include "core/netns.h"
#include "core/nftctx.h"
#include "core/spawn.h"

const char *lab_probe_result_name(enum lab_probe_result r)
{
	switch (r) {
	case PROBE_OPEN:        return "open";
	case PROBE_REFUSED:     return "refused";
	case PROBE_FILTERED:    return "filtered";
	case PROBE_UNREACHABLE: return "unreachable";
	case PROBE_ANSWERED:    return "answered";
	case PROBE_NO_ANSWER:   return "no answer";
	}
	return "?";
}

static int sockaddr_of(const char *text, unsigned port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

/* What the probe child hands back. */
struct probe_out {
	enum lab_probe_result result;
	long elapsed_ms;
	char detail[96];
};

struct probe_job {
	const struct lab_probe *p;
	struct probe_out *out;   /* in the shared mapping */
};

/* Socket of the probe's family and type, bound to p->src when given, connected to dst. */
static int probe_socket(const struct lab_probe *p, int type, int proto, int *fd_out,
			struct xerr *e)
{
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen;
	int fam = sockaddr_of(p->dst, p->port, &dst, &dlen);

	if (fam < 0)
		return xerr_set(e, 2, "probe: '%s' is not an IP address", p->dst);
	int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return xerr_set(e, 2, "probe: socket: %s", strerror(errno));
	if (p->src) {
		if (sockaddr_of(p->src, 0, &src, &slen) != fam) {
			close(fd);
			return xerr_set(e, 2, "probe: source '%s' does not match '%s'", p->src,
					p->dst);
		}
		if (bind(fd, (struct sockaddr *)&src, slen)) {
			int err = errno;
			close(fd);
			return xerr_set(e, 2, "probe: cannot bind to %s: %s", p->src,
					strerror(err));
		}
	}
	if (connect(fd, (struct sockaddr *)&dst, dlen) && errno != EINPROGRESS) {
		int err = errno;
		close(fd);
		if (err == ENETUNREACH || err == EHOSTUNREACH) {
			*fd_out = -1;
			return 0;
		}
		return xerr_set(e, 2, "probe: connect to %s: %s", p->dst, strerror(err));
	}
	*fd_out = fd;
	return 0;
}

static enum lab_probe_result from_errno(int err, enum lab_probe_result quiet)
{
	switch (err) {
	case 0:            return quiet;
	case ECONNREFUSED: return PROBE_REFUSED;
	case ETIMEDOUT:    return quiet;
	default:           return PROBE_UNREACHABLE;
	}
}

static int probe_tcp(const struct lab_probe *p, struct probe_out *o, struct xerr *e)
{
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	if (probe_socket(p, SOCK_STREAM, 0, &fd, e))
		return -1;
	if (fd < 0) {
		o->result = PROBE_UNREACHABLE;
		snprintf(o->detail, sizeof(o->detail), "no route");
		return 0;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	long long deadline = clock_mono_ms() + p->timeout_ms;
	int n;
	/* A signal (Ctrl-C reaches the whole process group) must not end the wait early. */
	do {
		long long left = deadline - clock_mono_ms();
		n = left > 0 ? poll(&pfd, 1, (int)left) : 0;
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		o->result = PROBE_FILTERED;
		snprintf(o->detail, sizeof(o->detail), "no answer in %d ms", p->timeout_ms);
	} else {
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		o->result = err ? from_errno(err, PROBE_FILTERED) : PROBE_OPEN;
		snprintf(o->detail, sizeof(o->detail), "%s", err ? strerror(err) : "connected");
	}
	close(fd);
	return 0;
}

/* Wait for a datagram (or an ICMP error) until the deadline; 1 answered, 0 not, <0 -errno. */
static int wait_reply(int fd, long long deadline, int want_type)
{
	for (;;) {
		long long left = deadline - clock_mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n = poll(&pfd, 1, (int)left);
		if (n <= 0)
			continue;
		unsigned char buf[1500];
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		/* Ping sockets deliver the ICMP header: only an echo reply counts. */
		if (want_type < 0 || (r > 0 && buf[0] == want_type))
			return 1;
	}
}

static int probe_udp(const struct lab_probe *p, struct probe_out *o, struct xerr *e)
{
	static const char payload[] = "xnft-lab probe\n";
	int fd, sent = 0;

	if (probe_socket(p, SOCK_DGRAM, 0, &fd, e))
		return -1;
	if (fd < 0) {
		o->result = PROBE_UNREACHABLE;
		snprintf(o->detail, sizeof(o->detail), "no route");
		return 0;
	}
	for (unsigned i = 0; i < p->count; i++) {
		if (send(fd, payload, sizeof(payload) - 1, 0) >= 0)
			sent++;
	}
	int r = wait_reply(fd, clock_mono_ms() + p->timeout_ms, -1);
	close(fd);
	if (r > 0)
		o->result = PROBE_ANSWERED;
	else
		o->result = from_errno(r < 0 ? -r : 0, PROBE_NO_ANSWER);
	snprintf(o->detail, sizeof(o->detail), "%d sent, %s", sent,
		 r > 0 ? "reply received" : r < 0 ? strerror(-r) : "no reply");
	return 0;
}

static int probe_icmp(const struct lab_probe *p, struct probe_out *o, struct xerr *e)
{
	struct sockaddr_storage tmp;
	socklen_t tlen;
	int fam = sockaddr_of(p->dst, 0, &tmp, &tlen);
	int fd, sent = 0;

	if (fam < 0)
		return xerr_set(e, 2, "probe: '%s' is not an IP address", p->dst);
	/* Ping sockets: the kernel fills the identifier and checksum (needs ping_group_range). */
	if (probe_socket(p, SOCK_DGRAM, fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6, &fd, e))
		return xerr_hint(e, "ping sockets need net.ipv4.ping_group_range to hold gid %d",
				 (int)getgid());
	if (fd < 0) {
		o->result = PROBE_UNREACHABLE;
		snprintf(o->detail, sizeof(o->detail), "no route");
		return 0;
	}
	for (unsigned i = 0; i < p->count; i++) {
		unsigned char pkt[16] = { 0 };
		pkt[0] = fam == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
		pkt[7] = (unsigned char)(i + 1);   /* sequence */
		memcpy(pkt + 8, "xnft-lab", 8);
		if (send(fd, pkt, sizeof(pkt), 0) >= 0)
			sent++;
	}
	int r = wait_reply(fd, clock_mono_ms() + p->timeout_ms,
			   fam == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY);
	close(fd);
	if (r > 0)
		o->result = PROBE_ANSWERED;
	else
		o->result = from_errno(r < 0 ? -r : 0, PROBE_NO_ANSWER);
	snprintf(o->detail, sizeof(o->detail), "%d echo request%s sent, %s", sent,
		 sent == 1 ? "" : "s", r > 0 ? "reply received" : r < 0 ? strerror(-r) : "no reply");
	return 0;
}

static int probe_child(void *arg, struct xerr *e)
{
	struct probe_job *job = arg;
	long long t0 = clock_mono_ms();
	int rc;

	switch (job->p->kind) {
	case PROBE_TCP:  rc = probe_tcp(job->p, job->out, e); break;
	case PROBE_UDP:  rc = probe_udp(job->p, job->out, e); break;
	case PROBE_ICMP: rc = probe_icmp(job->p, job->out, e); break;
	default:         return xerr_set(e, 2, "probe: unknown kind %d", (int)job->p->kind);
	}
	job->out->elapsed_ms = (long)(clock_mono_ms() - t0);
	return rc;
}

void *lab_shared_alloc(size_t size, struct xerr *e)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		xerr_set(e, 2, "mmap: %s", strerror(errno));
		return NULL;
	}
	return m;
}

int lab_probe_run(struct lab_probe *p, struct xerr *e)
{
	struct probe_job job = { .p = p };
	int rc;

	if (!p->ns || !p->dst)
		return xerr_set(e, 2, "probe: namespace and destination are required");
	if (p->count == 0)
		p->count = 1;
	if (p->timeout_ms <= 0 || p->timeout_ms > 30000)
		return xerr_set(e, 2, "probe: timeout %d ms out of range", p->timeout_ms);
	job.out = lab_shared_alloc(sizeof(*job.out), e);
	if (!job.out)
		return -1;
	memset(job.out, 0, sizeof(*job.out));
	rc = netns_call(p->ns, probe_child, &job, e);
	if (rc == 0) {
		p->result = job.out->result;
		p->elapsed_ms = job.out->elapsed_ms;
		memcpy(p->detail, job.out->detail, sizeof(p->detail));
		p->detail[sizeof(p->detail) - 1] = '\0';
	}
	munmap(job.out, sizeof(*job.out));
	return rc;
}

/* ----- counters ----- */

static uint64_t rule_packets(json_t *expr, int *found)
{
	size_t i;
	json_t *x;

	*found = 0;
	json_array_foreach(expr, i, x) {
		json_t *c = json_object_get(x, "counter");
		json_t *pk = c ? json_object_get(c, "packets") : NULL;
		if (json_is_integer(pk)) {
			*found = 1;
			return (uint64_t)json_integer_value(pk);
		}
	}
	return 0;
}

/* nft's JSON listing: *root (json_decref it) and its "nftables" array; NULL with e set. */
static json_t *nft_json_items(const char *json, const char *what, json_t **root, struct xerr *e)
{
	json_error_t jerr;
	json_t *items;

	*root = json_loads(json ? json : "", 0, &jerr);
	if (!*root) {
		xerr_set(e, 2, "%s: nft JSON does not parse: %s (line %d)", what, jerr.text, jerr.line);
		return NULL;
	}
	items = json_object_get(*root, "nftables");
	if (!json_is_array(items)) {
		json_decref(*root);
		*root = NULL;
		xerr_set(e, 2, "%s: nft JSON has no \"nftables\" array", what);
		return NULL;
	}
	return items;
}

int lab_counters_parse(const char *json, struct lab_counters *c, struct xerr *e)
{
	json_t *root, *items = nft_json_items(json, "counters", &root, e), *it;
	size_t i;

	c->n = 0;
	if (!items)
		return -1;
	json_array_foreach(items, i, it) {
		json_t *rule = json_object_get(it, "rule");
		int found;
		if (!json_is_object(rule))
			continue;
		uint64_t pk = rule_packets(json_object_get(rule, "expr"), &found);
		if (!found)
			continue;
		if (c->n == LAB_MAX_COUNTERS)
			break;
		struct lab_counter *k = &c->v[c->n++];
		const char *chain = json_string_value(json_object_get(rule, "chain"));
		const char *comment = json_string_value(json_object_get(rule, "comment"));
		snprintf(k->chain, sizeof(k->chain), "%s", chain ? chain : "");
		snprintf(k->comment, sizeof(k->comment), "%s", comment ? comment : "");
		k->packets = pk;
	}
	json_decref(root);
	return 0;
}

static int counters_child(void *arg, struct xerr *e)
{
	struct lab_counters *c = arg;
	struct nftctx *ctx = nftctx_new(NFTCTX_JSON, e);
	char *out = NULL;
	int rc;

	if (!ctx)
		return -1;
	rc = nftctx_run(ctx, "list table " XNFT_TABLE_FAMILY " " XNFT_TABLE_NAME, &out, e);
	nftctx_free(ctx);
	if (rc == 0)
		rc = lab_counters_parse(out, c, e);
	free(out);
	return rc;
}

int lab_counters_read(const char *ns, struct lab_counters *c, struct xerr *e)
{
	struct lab_counters *shm = lab_shared_alloc(sizeof(*shm), e);
	int rc;

	if (!shm)
		return -1;
	shm->n = 0;
	rc = netns_call(ns, counters_child, shm, e);
	if (rc == 0) {
		c->n = shm->n < LAB_MAX_COUNTERS ? shm->n : LAB_MAX_COUNTERS;
		memcpy(c->v, shm->v, c->n * sizeof(c->v[0]));
	}
	munmap(shm, sizeof(*shm));
	if (rc)
		xerr_wrap(e, "reading rule counters in %s", ns);
	return rc;
}

long long lab_counter_sum(const struct lab_counters *c, const char *needle)
{
	long long sum = -1;

	for (size_t i = 0; i < c->n; i++) {
		if (!strstr(c->v[i].comment, needle))
			continue;
		sum = (sum < 0 ? 0 : sum) + (long long)c->v[i].packets;
	}
	return sum;
}

const char *lab_counter_comment(const struct lab_counters *c, const char *needle)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strstr(c->v[i].comment, needle))
			return c->v[i].comment;
	}
	return NULL;
}

/* ----- sysctl ----- */

struct sysctl_job {
	const char *key;
	const char *value;
};

static int sysctl_child(void *arg, struct xerr *e)
{
	const struct sysctl_job *j = arg;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", j->key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return xerr_set(e, 2, "cannot open %s: %s", path, strerror(errno));
	size_t len = strlen(j->value);
	ssize_t n = write(fd, j->value, len);
	int err = errno;
	close(fd);
	if (n != (ssize_t)len)
		return xerr_set(e, 2, "cannot write '%s' to %s: %s", j->value, path,
				n < 0 ? strerror(err) : "short write");
	return 0;
}

int lab_sysctl(const char *ns, const char *key, const char *value, struct xerr *e)
{
	struct sysctl_job j = { key, value };

	if (!key || !*key || key[0] == '/' || strstr(key, ".."))
		return xerr_set(e, 2, "invalid sysctl key '%s'", key ? key : "");
	return netns_call(ns, sysctl_child, &j, e);
}

/* ----- listeners ----- */

static int listen_socket(int type, unsigned port, struct xerr *e)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int off = 0, on = 1;
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return xerr_set(e, 2, "listener: socket: %s", strerror(errno));
	/* One socket for IPv4 and IPv6. */
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = errno;
		close(fd);
		return xerr_set(e, 2, "listener: cannot bind %s port %u: %s",
				type == SOCK_STREAM ? "TCP" : "UDP", port, strerror(err));
	}
	if (type == SOCK_STREAM && listen(fd, 64)) {
		int err = errno;
		close(fd);
		return xerr_set(e, 2, "listener: listen on TCP %u: %s", port, strerror(err));
	}
	return fd;
}

static void __attribute__((noreturn)) serve(struct pollfd *pfd, size_t n)
{
	for (;;) {
		if (poll(pfd, n, -1) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (i < n - 1) {
				/* TCP: the connect succeeding is the whole point. */
				int c = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0)
					close(c);
				continue;
			}
			unsigned char buf[1500];
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			ssize_t r = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&from, &flen);
			if (r >= 0)
				sendto(pfd[i].fd, buf, (size_t)r, 0, (struct sockaddr *)&from, flen);
		}
	}
}

static void __attribute__((noreturn)) listeners_child(int wfd, const char *ns)
{
	struct xerr err;
	struct pollfd pfd[3];
	const unsigned tcp_ports[2] = { LAB_TCP_SSH, LAB_TCP_HTTP };

	xerr_clear(&err);
	/* A server now: default signals, no terminal, nothing of the parent's open. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	setsid();
	fd_stdio_to_devnull();
	/* The parent's descriptors (a caller's pipe, say) must not stay open for days. */
	if (wfd > 3)
		close_range(3, (unsigned)wfd - 1, 0);
	close_range((unsigned)wfd + 1, ~0U, 0);
	if (netns_enter(ns, &err))
		goto fail;
	for (size_t i = 0; i < 2; i++) {
		pfd[i].fd = listen_socket(SOCK_STREAM, tcp_ports[i], &err);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0)
			goto fail;
	}
	pfd[2].fd = listen_socket(SOCK_DGRAM, LAB_UDP_DNS, &err);
	pfd[2].events = POLLIN;
	if (pfd[2].fd < 0)
		goto fail;
	if (write(wfd, "", 1) != 1)
		_exit(1);
	close(wfd);
	serve(pfd, 3);
fail:
	if (write(wfd, &err, sizeof(err)) < 0)
		_exit(1);
	_exit(1);
}

int lab_listeners_start(const char *ns, pid_t *pid, struct xerr *e)
{
	struct xerr cerr;
	int fd, status;

	fflush(NULL);
	if (spawn_fork_piped(pid, &fd, e))
		return -1;
	if (*pid == 0)
		listeners_child(fd, ns);
	ssize_t n = read(fd, &cerr, sizeof(cerr));
	close(fd);
	if (n == 1)
		return 0;
	waitpid(*pid, &status, 0);
	*pid = 0;
	if (n == (ssize_t)sizeof(cerr)) {
		xerr_terminate(&cerr);
		*e = cerr;
		return -1;
	}
	return xerr_set(e, 2, "the listener process in %s died while starting", ns);
}

/* ----- a port scan: many connects at once ----- */

struct scan_job {
	const struct lab_scan *s;
	unsigned *counts;        /* in the shared mapping: open, refused, filtered */
};

static int scan_child(void *arg, struct xerr *e)
{
	struct scan_job *job = arg;
	const struct lab_scan *s = job->s;
	struct pollfd pfd[LAB_SCAN_PORTS];
	size_t n = 0;

	for (unsigned port = s->lo; port <= s->hi && n < LAB_SCAN_PORTS; port++) {
		struct lab_probe p = { .ns = s->ns, .kind = PROBE_TCP, .src = s->src,
				       .dst = s->dst, .port = port };
		int fd;

		if (probe_socket(&p, SOCK_STREAM, 0, &fd, e)) {
			for (size_t i = 0; i < n; i++)
				close(pfd[i].fd);
			return -1;
		}
		if (fd < 0) {
			job->counts[1]++;     /* no route: counted with the refused */
			continue;
		}
		pfd[n].fd = fd;
		pfd[n].events = POLLOUT;
		pfd[n].revents = 0;
		n++;
	}
	long long deadline = clock_mono_ms() + s->timeout_ms;
	size_t pending = n;

	while (pending > 0) {
		long long left = deadline - clock_mono_ms();
		if (left <= 0)
			break;
		int r = poll(pfd, n, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		for (size_t i = 0; r > 0 && i < n; i++) {
			int err = 0;
			socklen_t elen = sizeof(err);

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &elen);
			job->counts[err ? 1 : 0]++;
			close(pfd[i].fd);
			pfd[i].fd = -1;     /* poll ignores it from now on */
			pending--;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (pfd[i].fd >= 0) {
			job->counts[2]++;
			close(pfd[i].fd);
		}
	}
	return 0;
}

int lab_scan_run(struct lab_scan *s, struct xerr *e)
{
	struct scan_job job = { .s = s };
	int rc;

	if (!s->ns || !s->dst || s->lo == 0 || s->hi < s->lo || s->hi > 65535 ||
	    s->hi - s->lo + 1 > LAB_SCAN_PORTS)
		return xerr_set(e, 2, "scan: bad namespace, destination or ports %u-%u", s->lo, s->hi);
	if (s->timeout_ms <= 0 || s->timeout_ms > 30000)
		return xerr_set(e, 2, "scan: timeout %d ms out of range", s->timeout_ms);
	job.counts = lab_shared_alloc(3 * sizeof(unsigned), e);
	if (!job.counts)
		return -1;
	memset(job.counts, 0, 3 * sizeof(unsigned));
	rc = netns_call(s->ns, scan_child, &job, e);
	if (rc == 0) {
		s->n_open = job.counts[0];
		s->n_refused = job.counts[1];
		s->n_filtered = job.counts[2];
	}
	munmap(job.counts, 3 * sizeof(unsigned));
	return rc;
}

/* ----- set elements ----- */

static void set_elem_add(struct lab_set *out, json_t *el)
{
	json_t *inner = json_object_get(el, "elem");
	json_t *val = inner ? json_object_get(inner, "val") : el;
	json_t *t = inner ? json_object_get(inner, "timeout") : NULL;
	json_t *x = inner ? json_object_get(inner, "expires") : NULL;

	if (!json_is_string(val) || out->n == LAB_MAX_SET_ELEMS)
		return;
	struct lab_set_elem *s = &out->v[out->n++];
	snprintf(s->addr, sizeof(s->addr), "%s", json_string_value(val));
	s->timeout_s = json_is_integer(t) ? (long long)json_integer_value(t) : -1;
	s->expires_s = json_is_integer(x) ? (long long)json_integer_value(x) : -1;
}

int lab_set_parse(const char *json, struct lab_set *out, struct xerr *e)
{
	json_t *root, *items = nft_json_items(json, "set", &root, e), *it;
	size_t i;

	out->n = 0;
	if (!items)
		return -1;
	json_array_foreach(items, i, it) {
		json_t *set = json_object_get(it, "set");
		json_t *elems = set ? json_object_get(set, "elem") : NULL;
		json_t *el;
		size_t j;

		json_array_foreach(elems, j, el)
			set_elem_add(out, el);
	}
	json_decref(root);
	return 0;
}

struct set_job {
	const char *set;
	struct lab_set *out;     /* in the shared mapping */
};

static int set_child(void *arg, struct xerr *e)
{
	struct set_job *job = arg;
	struct nftctx *ctx = nftctx_new(NFTCTX_JSON, e);
	char cmd[128], *out = NULL;
	int rc;

	if (!ctx)
		return -1;
	snprintf(cmd, sizeof(cmd), "list set %s %s %s", XNFT_TABLE_FAMILY, XNFT_TABLE_NAME,
		 job->set);
	rc = nftctx_run(ctx, cmd, &out, e);
	nftctx_free(ctx);
	if (rc == 0)
		rc = lab_set_parse(out, job->out, e);
	free(out);
	return rc;
}

int lab_set_read(const char *ns, const char *set, struct lab_set *out, struct xerr *e)
{
	struct set_job job = { .set = set };
	int rc;

	for (const char *c = set; *c; c++) {
		if (!(*c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= 'a' && *c <= 'z')))
			return xerr_set(e, 2, "invalid set name '%s'", set);
	}
	job.out = lab_shared_alloc(sizeof(*job.out), e);
	if (!job.out)
		return -1;
	job.out->n = 0;
	rc = netns_call(ns, set_child, &job, e);
	if (rc == 0) {
		out->n = job.out->n < LAB_MAX_SET_ELEMS ? job.out->n : LAB_MAX_SET_ELEMS;
		memcpy(out->v, job.out->v, out->n * sizeof(out->v[0]));
	}
	munmap(job.out, sizeof(*job.out));
	if (rc)
		xerr_wrap(e, "reading set %s in %s", set, ns);
	return rc;
}

const struct lab_set_elem *lab_set_find(const struct lab_set *s, const char *addr)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!strcmp(s->v[i].addr, addr))
			return &s->v[i];
	}
	return NULL;
}
