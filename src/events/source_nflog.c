// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NFLOG group (libnetfilter_log): the policy's `log group N prefix "..."`
 * statements send the prefix and the packet's first bytes here instead of
 * to the kernel log. This is the only way to see events from a network
 * namespace other than the first (the kernel log does not print them), and
 * it costs no text formatting in the kernel. The packet is decoded into the
 * same event struct the log line parser fills.
 *
 * Only one process can bind a group. The kernel batches messages for up to
 * FLUSH_TIMEOUT or QTHRESH packets, whichever comes first: a few ms of
 * latency when traffic is light, few system calls under a flood.
 */
#include "events/source_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_log/libnetfilter_log.h>

/* Bytes of each packet copied: IPv6 + extension headers + TCP with options. */
#define NFLOG_SNAPLEN 256
/* Kernel flush timeout, in 1/100 s. */
#define NFLOG_FLUSH_TIMEOUT 1
#define NFLOG_QTHRESH 64
#define NFLOG_RCVBUF (8 * 1024 * 1024)
#define NFLOG_RECV_MAX (256 * 1024)
/* Interface names are looked up again after this long (they can be renamed). */
#define IFCACHE_US (5 * 1000000LL)
#define IFCACHE_SIZE 32

struct ifcache_entry {
	uint32_t index;
	int64_t when;
	char name[EVENT_IFNAME_MAX];
};

struct nflog_src {
	struct nflog_handle *h;
	struct nflog_g_handle *gh;
	int fd;
	unsigned group;
	struct evsource *s;
	struct ifcache_entry ifcache[IFCACHE_SIZE];
	char buf[NFLOG_RECV_MAX];
};

static void ifname_of(struct nflog_src *n, uint32_t index, int64_t now, char out[EVENT_IFNAME_MAX])
{
	struct ifcache_entry *slot = &n->ifcache[index % IFCACHE_SIZE];
	char name[IF_NAMESIZE];

	out[0] = '\0';
	if (!index)
		return;
	if (slot->index == index && now - slot->when < IFCACHE_US) {
		memcpy(out, slot->name, EVENT_IFNAME_MAX);
		return;
	}
	if (!if_indextoname(index, name))
		snprintf(name, sizeof(name), "if%u", index);
	snprintf(out, EVENT_IFNAME_MAX, "%s", name);
	slot->index = index;
	slot->when = now;
	memcpy(slot->name, out, EVENT_IFNAME_MAX);
}

static int on_packet(struct nflog_g_handle *gh, struct nfgenmsg *nfmsg, struct nflog_data *nfa,
		     void *data)
{
	struct nflog_src *n = data;
	struct evsource *s = n->s;
	struct xevent ev;
	struct timeval tv;
	struct nfulnl_msg_packet_hw *hw;
	char *payload = NULL, *prefix;
	int plen;
	uint32_t id;
	int64_t now = event_now_us();

	(void)gh;
	(void)nfmsg;
	event_init(&ev);
	s->stats.records++;
	if (nflog_get_timestamp(nfa, &tv) == 0) {
		ev.time_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		ev.time_src = EVENT_TIME_SOURCE;
	} else {
		ev.time_us = now;
		ev.time_src = EVENT_TIME_RECEIVED;
	}
	ifname_of(n, nflog_get_indev(nfa), now, ev.in);
	ifname_of(n, nflog_get_outdev(nfa), now, ev.out);
	hw = nflog_get_packet_hw(nfa);
	if (hw && ntohs(hw->hw_addrlen) == 6) {
		memcpy(ev.mac_src, hw->hw_addr, 6);
		ev.has |= EVENT_HAS_MAC;
	}
	ev.mark = nflog_get_nfmark(nfa);
	if (ev.mark)
		ev.has |= EVENT_HAS_MARK;   /* as the kernel log: only a non-zero mark */
	if (nflog_get_uid(nfa, &id) == 0) {
		ev.uid = id;
		if (nflog_get_gid(nfa, &id) == 0)
			ev.gid = id;
		ev.has |= EVENT_HAS_UID;
	}
	plen = nflog_get_payload(nfa, &payload);
	if (plen < 0 || event_from_packet(&ev, (const unsigned char *)payload, (size_t)plen) < 0) {
		source_unparsed(s, "(an NFLOG packet that is not IPv4 or IPv6)", 42);
		return 0;
	}
	prefix = nflog_get_prefix(nfa);
	event_set_prefix(&ev, prefix ? prefix : "", prefix ? strnlen(prefix, EVENT_PREFIX_MAX) : 0);
	source_event(s, &ev);
	return 0;
}

static int nflog_read(struct evsource *s, struct xerr *e)
{
	struct nflog_src *n = s->priv;

	for (int i = 0; i < SOURCE_BUDGET / 64 && !s->stopped; i++) {
		ssize_t len = recv(n->fd, n->buf, sizeof(n->buf), MSG_DONTWAIT);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {
				/* The socket buffer overflowed: some packets were not delivered. */
				s->stats.lost++;
				continue;
			}
			return source_errno(e, errno, "receiving from NFLOG", s->spec);
		}
		nflog_handle_packet(n->h, n->buf, (int)len);
	}
	s->busy = !s->stopped;
	return 0;
}

static int nflog_fd_of(struct evsource *s)
{
	struct nflog_src *n = s->priv;

	return n->fd;
}

static void nflog_close_src(struct evsource *s)
{
	struct nflog_src *n = s->priv;

	if (!n)
		return;
	if (n->gh)
		nflog_unbind_group(n->gh);
	if (n->h)
		nflog_close(n->h);
	free(n);
	s->priv = NULL;
}

const struct source_ops source_nflog_ops = {
	.read = nflog_read,
	.fd = nflog_fd_of,
	.close = nflog_close_src,
};

static int nflog_fail(struct evsource *s, struct xerr *e, int err, const char *what, bool binding)
{
	nflog_close_src(s);
	source_errno(e, err, what, s->spec);
	/* The kernel answers EPERM both to a missing CAP_NET_ADMIN and to a group another socket holds. */
	if (binding && (err == EBUSY || err == EEXIST || (err == EPERM && geteuid() == 0)))
		xerr_hint(e, "another program (ulogd, another xnft) holds this NFLOG group in this "
			  "network namespace; stop it or use another group");
	return -1;
}

int source_nflog_open(struct evsource *s, unsigned group, struct xerr *e)
{
	struct nflog_src *n = calloc(1, sizeof(*n));
	int size = NFLOG_RCVBUF;

	if (!n)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory opening NFLOG");
	n->group = group;
	n->s = s;
	s->priv = n;
	s->ops = &source_nflog_ops;
	s->live = true;
	errno = 0;
	n->h = nflog_open();
	if (!n->h)
		return nflog_fail(s, e, errno ? errno : EPERM, "cannot open an NFLOG socket", false);
	errno = 0;
	n->gh = nflog_bind_group(n->h, (uint16_t)group);
	if (!n->gh)
		return nflog_fail(s, e, errno ? errno : EBUSY, "cannot bind the NFLOG group", true);
	if (nflog_set_mode(n->gh, NFULNL_COPY_PACKET, NFLOG_SNAPLEN) < 0)
		return nflog_fail(s, e, errno, "cannot set the NFLOG copy mode", false);
	/* Batching knobs: failures only cost latency or system calls. */
	nflog_set_timeout(n->gh, NFLOG_FLUSH_TIMEOUT);
	nflog_set_qthresh(n->gh, NFLOG_QTHRESH);
	nflog_callback_register(n->gh, on_packet, n);
	n->fd = nflog_fd(n->h);
	/* A big receive buffer rides out bursts; FORCE needs CAP_NET_ADMIN, which we have. */
	if (setsockopt(n->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}
