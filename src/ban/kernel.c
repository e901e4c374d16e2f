// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ban set writer over libnftnl + libmnl. One transaction per flush: batch
 * begin, a few NEWSETELEM/DELSETELEM messages of up to CHUNK elements each,
 * batch end; the kernel applies all of it or none. Only the last element
 * message asks for an ack: the kernel reports every failing message anyway,
 * and the acks of a 100k-element batch (hundreds of them) used to overflow
 * the receive buffer, which read as "no answer from the kernel". Answers
 * are matched to the batch by sequence number; leftovers of an earlier
 * batch are drained before the next one is sent.
 *
 * A renewal (ban extended, ban put back) is "add without timeout, delete,
 * add with timeout" in the same transaction: the delete never fails
 * because the element is missing, and the final add starts a fresh
 * timeout on every kernel version.
 *
 * A range is two elements of an interval set: its first address, which
 * carries the timeout, and the address after its last, flagged as the
 * interval's end (the kernel takes no timeout on an end).
 */
#include "ban/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/grow.h"
#include "core/nldump.h"

#define CHUNK 512              /* elements per netlink message */
#define ACK_TIMEOUT_MS 10000
/* Room for the kernel's error reports of a whole failed batch (CAP_ACK keeps them small). */
#define RCVBUF_BYTES (8 << 20)
/* Monitor reads per loop turn (64 KiB each): a flush of a huge set waits for the next turn. */
#define MONITOR_ROUNDS 64

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

enum op { OP_ADD, OP_RENEW, OP_DEL };

struct qitem {
	struct ban_key key;
	uint64_t timeout_ms;
	enum op op;
};

struct kwriter {
	struct mnl_socket *nl;
	struct mnl_socket *mon;
	uint32_t portid;
	uint32_t seq;
	int sndbuf;
	uint16_t family;             /* NFPROTO_* of the table */
	unsigned plen6;              /* the IPv6 ban prefix: keys read back get it */
	char table[CONFIG_NAME_MAX];
	char set[KW_NSETS][CONFIG_NAME_MAX];   /* by enum kw_set */

	struct qitem *q;
	size_t nq, capq;

	char *buf;                   /* the batch being built */
	size_t len, cap;
	size_t last_msg;             /* offset of the last element message; 0: none */
	uint32_t first_seq;          /* the batch's sequence numbers, first..last */

	struct ban_key *deleted;     /* keys others deleted from our sets (monitor) */
	size_t ndel, capdel;
	unsigned ev_pending;         /* KW_EV_* read around a flush, for kw_monitor_read */
	int only_set;                /* an enum kw_set: the batch holds that set's alone; -1 all */
	size_t batch_end;            /* the batch is made of q[0 .. batch_end) */
	uint32_t gen;                /* the ruleset generation before the batch in flight */
	bool gen_known;
};

static uint16_t nfproto_of(const char *fam)
{
	if (!strcmp(fam, "ip"))
		return NFPROTO_IPV4;
	if (!strcmp(fam, "ip6"))
		return NFPROTO_IPV6;
	return NFPROTO_INET;
}

void kw_set_target(struct kwriter *kw, const struct xnft_config *cfg)
{
	kw->family = nfproto_of(cfg->table_family);
	snprintf(kw->table, sizeof(kw->table), "%s", cfg->table);
	snprintf(kw->set[KW_SET4], CONFIG_NAME_MAX, "%s", cfg->set4);
	snprintf(kw->set[KW_SET6], CONFIG_NAME_MAX, "%s", cfg->set6);
	snprintf(kw->set[KW_NETS4], CONFIG_NAME_MAX, "%s", cfg->nets4);
	snprintf(kw->set[KW_NETS6], CONFIG_NAME_MAX, "%s", cfg->nets6);
	kw->plen6 = cfg->ipv6_prefix;
}

enum kw_set kw_set_of(const struct kwriter *kw, const struct ban_key *key)
{
	if (key->family == AF_INET)
		return key->plen == 32 ? KW_SET4 : KW_NETS4;
	return key->plen == kw->plen6 ? KW_SET6 : KW_NETS6;
}

const char *kw_set_name(const struct kwriter *kw, enum kw_set set)
{
	return kw->set[set];
}

static int family_of_set(enum kw_set set)
{
	return set == KW_SET4 || set == KW_NETS4 ? AF_INET : AF_INET6;
}

static bool is_interval_set(enum kw_set set)
{
	return set == KW_NETS4 || set == KW_NETS6;
}

/* The address after the key's last one (the interval's end); false when there is none. */
static bool interval_end(const struct ban_key *key, uint8_t *end)
{
	size_t len = key->family == AF_INET ? 4 : 16;

	memcpy(end, key->addr, len);
	for (size_t i = 0; i < len; i++) {
		unsigned bits = key->plen > i * 8 ? key->plen - (unsigned)i * 8 : 0;

		if (bits < 8)
			end[i] |= (uint8_t)(0xff >> bits);
	}
	for (size_t i = len; i-- > 0;) {
		if (++end[i])
			return true;
	}
	return false;   /* the range reaches the last address */
}

/* SO_RCVBUFFORCE passes net.core.rmem_max (we have CAP_NET_ADMIN); else as much as allowed. */
static void size_rcvbuf(struct mnl_socket *nl, int bytes)
{
	int fd = mnl_socket_get_fd(nl);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

int kw_open(const struct xnft_config *cfg, struct kwriter **out, struct xerr *e)
{
	struct kwriter *kw = calloc(1, sizeof(*kw));
	int one = 1;

	*out = NULL;
	if (!kw)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	kw->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!kw->nl || mnl_socket_bind(kw->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot open a netfilter netlink socket: %s",
			 strerror(errno));
		kw_close(kw);
		return xerr_hint(e, "the daemon needs CAP_NET_ADMIN (run it as root or from "
				 "xnft-daemon.service)");
	}
	kw->portid = mnl_socket_get_portid(kw->nl);
	kw->seq = (uint32_t)time(NULL);
	kw->only_set = -1;
	mnl_socket_setsockopt(kw->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(kw->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	size_rcvbuf(kw->nl, RCVBUF_BYTES);
	kw_set_target(kw, cfg);
	*out = kw;
	return 0;
}

void kw_close(struct kwriter *kw)
{
	if (!kw)
		return;
	if (kw->nl)
		mnl_socket_close(kw->nl);
	if (kw->mon)
		mnl_socket_close(kw->mon);
	free(kw->q);
	free(kw->buf);
	free(kw->deleted);
	free(kw);
}

/* ---- queue ---------------------------------------------------------------- */

static int push(struct kwriter *kw, const struct ban_key *key, uint64_t t, enum op op)
{
	if (grow_for_one(&kw->q, &kw->capq, kw->nq, sizeof(kw->q[0]), 256))
		return -1;
	kw->q[kw->nq].key = *key;
	kw->q[kw->nq].timeout_ms = t;
	kw->q[kw->nq].op = op;
	kw->nq++;
	return 0;
}

int kw_queue_add(struct kwriter *kw, const struct ban_key *key, uint64_t timeout_ms, bool renew)
{
	if (!timeout_ms)
		timeout_ms = 1;
	return push(kw, key, timeout_ms, renew ? OP_RENEW : OP_ADD);
}

int kw_queue_del(struct kwriter *kw, const struct ban_key *key)
{
	/* An add queued earlier would otherwise come back in the add phase. */
	for (size_t i = 0; i < kw->nq; i++) {
		if (kw->q[i].op != OP_DEL && !memcmp(&kw->q[i].key, key, sizeof(*key))) {
			kw->q[i] = kw->q[--kw->nq];
			i--;
		}
	}
	return push(kw, key, 0, OP_DEL);
}

size_t kw_pending(const struct kwriter *kw)
{
	return kw->nq;
}

void kw_discard(struct kwriter *kw)
{
	kw->nq = 0;
}

/* ---- batch building ----------------------------------------------------------- */

static int reserve(struct kwriter *kw, size_t more)
{
	size_t cap;
	char *b;

	if (kw->len + more <= kw->cap)
		return 0;
	cap = kw->cap ? kw->cap : 65536;
	while (cap < kw->len + more)
		cap *= 2;
	b = realloc(kw->buf, cap);
	if (!b)
		return -1;
	kw->buf = b;
	kw->cap = cap;
	return 0;
}

/* Worst case for one message of CHUNK IPv6 elements with timeouts (a range counts two). */
#define MSG_MAX (1024 + CHUNK * 96)

static int put_batch_marker(struct kwriter *kw, bool begin)
{
	struct nlmsghdr *nlh;

	if (reserve(kw, 256) < 0)
		return -1;
	memset(kw->buf + kw->len, 0, 256);   /* attribute padding goes to the kernel too */
	nlh = begin ? nftnl_batch_begin(kw->buf + kw->len, kw->seq++) :
		      nftnl_batch_end(kw->buf + kw->len, kw->seq++);
	kw->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

/* One element into s: a key, maybe its timeout, maybe flagged as an interval's end. */
static int put_elem(struct nftnl_set *s, const uint8_t *key, size_t alen, uint64_t timeout_ms,
		    bool end)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	if (!el)
		return -1;
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, (uint32_t)alen);
	if (timeout_ms)
		nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT, timeout_ms);
	if (end)
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, el);
	return 0;
}

/*
 * One message: the elements of q[] whose op is in ops and which go to set,
 * from *pos on, at most CHUNK; with_timeout adds their timeouts.
 */
static int put_elems(struct kwriter *kw, enum kw_set set, unsigned ops, uint16_t type,
		     bool with_timeout, size_t *pos)
{
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	size_t n = 0, alen = family_of_set(set) == AF_INET ? 4 : 16;

	s = nftnl_set_alloc();
	if (!s)
		return -1;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, kw->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, kw->set[set]);
	for (; *pos < kw->batch_end && n < CHUNK; (*pos)++) {
		const struct qitem *it = &kw->q[*pos];
		uint8_t end[16];
		int rc;

		if (kw_set_of(kw, &it->key) != set || !(ops & (1u << it->op)))
			continue;
		if (is_interval_set(set) && !interval_end(&it->key, end))
			continue;   /* refused before it got here; never sent */
		rc = put_elem(s, it->key.addr, alen, with_timeout ? it->timeout_ms : 0, false);
		if (rc == 0 && is_interval_set(set))
			rc = put_elem(s, end, alen, 0, true);
		if (rc < 0) {
			nftnl_set_free(s);
			return -1;
		}
		n += is_interval_set(set) ? 2 : 1;
	}
	if (n) {
		if (reserve(kw, MSG_MAX) < 0) {
			nftnl_set_free(s);
			return -1;
		}
		memset(kw->buf + kw->len, 0, MSG_MAX);
		nlh = nftnl_nlmsg_build_hdr(kw->buf + kw->len, type, kw->family,
					    type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
					    kw->seq++);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		kw->last_msg = kw->len;
		kw->len += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	nftnl_set_free(s);
	return 0;
}

static int put_phase(struct kwriter *kw, unsigned ops, uint16_t type, bool with_timeout)
{
	for (int set = 0; set < KW_NSETS; set++) {
		size_t pos = 0;

		if (kw->only_set >= 0 && kw->only_set != set)
			continue;
		while (pos < kw->batch_end) {
			if (put_elems(kw, (enum kw_set)set, ops, type, with_timeout, &pos) < 0)
				return -1;
		}
	}
	return 0;
}

/* The last element message asks for the ack that says the kernel is done. */
static int build(struct kwriter *kw)
{
	kw->len = 0;
	kw->last_msg = 0;
	kw->first_seq = kw->seq;
	if (put_batch_marker(kw, true) < 0 ||
	    /* make sure renewed and deleted elements exist, so the delete cannot fail */
	    put_phase(kw, 1u << OP_RENEW | 1u << OP_DEL, NFT_MSG_NEWSETELEM, false) < 0 ||
	    put_phase(kw, 1u << OP_RENEW | 1u << OP_DEL, NFT_MSG_DELSETELEM, false) < 0 ||
	    put_phase(kw, 1u << OP_RENEW | 1u << OP_ADD, NFT_MSG_NEWSETELEM, true) < 0 ||
	    put_batch_marker(kw, false) < 0)
		return -1;
	if (kw->last_msg)
		((struct nlmsghdr *)(kw->buf + kw->last_msg))->nlmsg_flags |= NLM_F_ACK;
	return 0;
}

/* ---- talking to the kernel --------------------------------------------------------- */

static void grow_sndbuf(struct kwriter *kw, size_t len)
{
	int want;

	if (len + 4096 <= (size_t)kw->sndbuf || len > (1u << 30))
		return;
	want = (int)(len + 65536);
	/* SO_SNDBUFFORCE passes the rmem/wmem caps (we have CAP_NET_ADMIN). */
	if (setsockopt(mnl_socket_get_fd(kw->nl), SOL_SOCKET, SO_SNDBUFFORCE, &want,
		       sizeof(want)) < 0)
		setsockopt(mnl_socket_get_fd(kw->nl), SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	kw->sndbuf = want;
}

static bool monitor_drain(struct kwriter *kw);
static int get_gen(struct kwriter *kw, uint32_t *gen);

/* Throw away what an earlier, abandoned batch left on the socket. */
static void drain(struct kwriter *kw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	while (recv(mnl_socket_get_fd(kw->nl), buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
	       errno == EINTR || errno == ENOBUFS)
		;
}

struct answer {
	int kerr;        /* the first errno the kernel reported for the batch; 0 */
	bool done;       /* the last message's ack (or error) arrived */
	bool overflow;   /* the receive buffer overflowed: answers were lost */
};

static void read_answers(struct kwriter *kw, const char *buf, int left, uint32_t last_seq,
			 struct answer *a)
{
	const struct nlmsghdr *nlh;

	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != kw->portid ||
		    nlh->nlmsg_seq - kw->first_seq > last_seq - kw->first_seq)
			continue;   /* not about this batch */
		if (err->error < 0 && !a->kerr)
			a->kerr = nl_errno(err->error);
		if (nlh->nlmsg_seq == last_seq)
			a->done = true;
	}
}

/*
 * Read the answers to the batch whose last message is last_seq. The kernel
 * handles a batch while we send it, so everything it has to say is queued
 * by the time sendto returns; the wait only covers a slow scheduler. A
 * batch the kernel refused as a whole (bad header) gets one error for some
 * message, and no ack for the last: an error already seen ends the wait.
 */
static void wait_answer(struct kwriter *kw, uint32_t last_seq, struct answer *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	int fd = mnl_socket_get_fd(kw->nl);

	memset(a, 0, sizeof(*a));
	while (!a->done) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t got;

		if (poll(&p, 1, a->kerr || a->overflow ? 0 : ACK_TIMEOUT_MS) <= 0)
			return;
		got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (got < 0) {
			if (errno == ENOBUFS)
				a->overflow = true;
			continue;
		}
		read_answers(kw, buf, (int)got, last_seq, a);
	}
}

/*
 * The monitor hears our own batches too: the kernel announces every element
 * added, and a batch of 50k overflows its receive buffer, which reads as
 * "events lost". So the monitor is read up to the batch, and after it; when
 * it overflowed meanwhile but the ruleset generation moved by one (our
 * commit, nobody else's), what was lost were our own announcements.
 */
static void gen_before_batch(struct kwriter *kw)
{
	if (!kw->mon)
		return;
	if (monitor_drain(kw))
		kw->ev_pending |= KW_EV_RESYNC;
	kw->gen_known = get_gen(kw, &kw->gen) == 0;
}

static void gen_after_batch(struct kwriter *kw)
{
	uint32_t gen1;

	if (kw->mon && monitor_drain(kw) &&
	    (!kw->gen_known || get_gen(kw, &gen1) < 0 || gen1 - kw->gen != 1))
		kw->ev_pending |= KW_EV_RESYNC;
}

/* The queued elements the batch being built covers (one set, or all; up to batch_end). */
static bool in_batch(const struct kwriter *kw, size_t i)
{
	return i < kw->batch_end &&
	       (kw->only_set < 0 || (int)kw_set_of(kw, &kw->q[i].key) == kw->only_set);
}

/* The batch: the first cap queued elements (of only_set, when set); how many. */
static size_t choose_batch(struct kwriter *kw, size_t cap)
{
	size_t n = 0;

	kw->batch_end = kw->nq;
	for (size_t i = 0; i < kw->nq; i++) {
		if (n == cap) {
			kw->batch_end = i;
			break;
		}
		n += in_batch(kw, i);
	}
	return n;
}

/* The batch is done with (sent, or refused for good): out of the queue. */
static void drop_batch(struct kwriter *kw)
{
	size_t keep = 0;

	for (size_t i = 0; i < kw->nq; i++) {
		if (!in_batch(kw, i))
			kw->q[keep++] = kw->q[i];
	}
	kw->nq = keep;
}

static const char *batch_sets(const struct kwriter *kw, char *buf, size_t size)
{
	if (kw->only_set >= 0)
		snprintf(buf, size, "%s", kw->set[kw->only_set]);
	else
		snprintf(buf, size, "%s, %s, %s or %s", kw->set[KW_SET4], kw->set[KW_SET6],
			 kw->set[KW_NETS4], kw->set[KW_NETS6]);
	return buf;
}

/* One transaction of the batch choose_batch(cap) makes. */
static int flush_batch(struct kwriter *kw, size_t cap, int *kerr_out, struct xerr *e)
{
	char sets[KW_NSETS * CONFIG_NAME_MAX + 16];
	size_t n = choose_batch(kw, cap);
	struct answer a;
	int kerr;

	*kerr_out = 0;
	if (!n)
		return 0;
	if (build(kw) < 0) {
		drop_batch(kw);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory building a ban batch");
	}
	if (!kw->last_msg) {   /* nothing of an address family we write */
		drop_batch(kw);
		return 0;
	}
	grow_sndbuf(kw, kw->len);
	drain(kw);
	gen_before_batch(kw);
	if (mnl_socket_sendto(kw->nl, kw->buf, kw->len) < 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "sending %zu set elements to the kernel: %s", n,
			 strerror(errno));
		drop_batch(kw);
		return -1;
	}
	wait_answer(kw, ((const struct nlmsghdr *)(kw->buf + kw->last_msg))->nlmsg_seq, &a);
	gen_after_batch(kw);
	kerr = *kerr_out = a.kerr;
	if (!a.done && !kerr) {
		drop_batch(kw);
		if (a.overflow)
			return xerr_set(e, XNFT_EXIT_USAGE, "the kernel's answer to a batch of %zu ban "
					"elements was lost (netlink receive buffer overflow)", n);
		return xerr_set(e, XNFT_EXIT_USAGE, "no answer from the kernel to a ban batch "
				"within %d ms", ACK_TIMEOUT_MS);
	}
	if (kerr == ENOENT) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "table %s or its set %s is not loaded",
			 kw->table, batch_sets(kw, sets, sizeof(sets)));
		return xerr_hint(e, "load the policy (xnft apply, or nft -f); the daemon puts the "
				 "bans in as soon as the sets exist");
	}
	if (kerr == ENFILE) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "ban set %s is full: the kernel refused a batch of "
			 "%zu elements", batch_sets(kw, sets, sizeof(sets)), n);
		return xerr_hint(e, "the batch is kept and sent again once bans expire; raise the "
				 "sets' size in the policy to ban more");
	}
	if (kerr) {
		xerr_set(e, XNFT_EXIT_USAGE, "the kernel refused a batch of %zu ban elements: %s",
			 n, strerror(kerr));
		drop_batch(kw);
		return xerr_hint(e, "check that %s and %s are 'flags timeout' sets of ipv4_addr "
				 "and ipv6_addr, and %s and %s the same with 'flags interval, timeout'",
				 kw->set[KW_SET4], kw->set[KW_SET6], kw->set[KW_NETS4],
				 kw->set[KW_NETS6]);
	}
	drop_batch(kw);
	return 0;
}

/*
 * The kernel refused a batch because a set is full (elements the daemon
 * does not count take room too): put in what still fits of one set,
 * halving the batch at each refusal; the rest stays queued.
 */
static int fill_set(struct kwriter *kw, enum kw_set set, int *kerr, struct xerr *e)
{
	size_t cap = SIZE_MAX, left;
	int rc;

	kw->only_set = (int)set;
	for (;;) {
		rc = flush_batch(kw, cap, kerr, e);
		left = choose_batch(kw, SIZE_MAX);
		if (!left || (rc < 0 && *kerr != ENFILE))
			break;
		if (rc < 0) {
			cap = (cap < left ? cap : left) / 2;
			if (!cap)
				break;
		}
	}
	kw->only_set = -1;
	return rc;
}

int kw_flush(struct kwriter *kw, int *kerr, struct xerr *e)
{
	int rc;

	kw->only_set = -1;
	rc = flush_batch(kw, SIZE_MAX, kerr, e);
	if (rc == 0 || *kerr != ENFILE)
		return rc;
	/* one full set must not hold up the other sets' bans; a refusal other than full wins */
	rc = 0;
	*kerr = 0;
	for (int set = 0; set < KW_NSETS; set++) {
		struct xerr es;
		int ks;

		if (fill_set(kw, (enum kw_set)set, &ks, &es) < 0 && (rc == 0 || ks != ENFILE)) {
			*kerr = ks;
			*e = es;
			rc = -1;
		}
	}
	return rc;
}

/* ---- intervals ------------------------------------------------------------------------ */

/* The elements of an interval set, gathered to be paired into ranges. */
struct ivl {
	uint8_t key[16];
	bool end;                    /* NFT_SET_ELEM_INTERVAL_END */
	uint64_t timeout_ms, expires_ms;
};

struct ivls {
	struct ivl *v;
	size_t n, cap;
	bool oom;
};

static void ivls_add(struct ivls *iv, struct nftnl_set_elem *el, const void *k,
		     uint32_t len)
{
	struct ivl *it;

	if (grow_for_one(&iv->v, &iv->cap, iv->n, sizeof(iv->v[0]), 64)) {
		iv->oom = true;
		return;
	}
	it = &iv->v[iv->n++];
	memset(it, 0, sizeof(*it));
	memcpy(it->key, k, len);
	it->end = nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_FLAGS) &&
		  (nftnl_set_elem_get_u32(el, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END);
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_TIMEOUT))
		it->timeout_ms = nftnl_set_elem_get_u64(el, NFTNL_SET_ELEM_TIMEOUT);
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_EXPIRATION))
		it->expires_ms = nftnl_set_elem_get_u64(el, NFTNL_SET_ELEM_EXPIRATION);
}

static int ivl_cmp(const void *a, const void *b)
{
	const struct ivl *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));

	/* at one address, an interval's end sorts before the next one's start */
	return c ? c : (int)y->end - (int)x->end;
}

/* The prefix whose addresses are exactly lo .. end-1; false when the interval is no prefix. */
static bool prefix_of_interval(int fam, const uint8_t *lo, const uint8_t *end,
			       struct ban_key *key)
{
	unsigned bits = fam == AF_INET ? 32 : 128;

	memset(key, 0, sizeof(*key));
	key->family = (uint8_t)fam;
	memcpy(key->addr, lo, bits / 8);
	for (unsigned plen = 0; plen <= bits; plen++) {
		uint8_t e[16];

		key->plen = (uint8_t)plen;
		if (interval_end(key, e) && !memcmp(e, end, bits / 8)) {
			uint8_t masked[16];

			memcpy(masked, lo, bits / 8);
			for (size_t i = 0; i < bits / 8; i++) {
				unsigned b = plen > i * 8 ? plen - (unsigned)i * 8 : 0;

				if (b < 8)
					masked[i] &= (uint8_t)~(0xff >> b);
			}
			return !memcmp(masked, lo, bits / 8);
		}
	}
	return false;
}

/*
 * Pair each start with the end that follows it; fn sees each range that is
 * a prefix (others, put there by hand, are not ours). Returns fn's stop.
 */
static int ivls_pair(struct ivls *iv, int fam, int (*fn)(void *ctx, const struct kw_elem *el),
		     void *ctx)
{
	if (iv->n < 2)
		return 0;
	qsort(iv->v, iv->n, sizeof(*iv->v), ivl_cmp);
	for (size_t i = 0; i + 1 < iv->n; i++) {
		struct kw_elem ke = { .timeout_ms = iv->v[i].timeout_ms,
				      .expires_ms = iv->v[i].expires_ms };

		if (iv->v[i].end || !iv->v[i + 1].end ||
		    !prefix_of_interval(fam, iv->v[i].key, iv->v[i + 1].key, &ke.key))
			continue;
		if (fn(ctx, &ke))
			return 1;
	}
	return 0;
}

/* ---- listing ------------------------------------------------------------------------ */

struct list_ctx {
	enum kw_set set;
	unsigned plen6;
	int (*fn)(void *ctx, const struct kw_elem *el);
	void *ctx;
	int stop;
	struct ivls iv;              /* an interval set's elements, paired at the end */
};

static int elem_cb(struct nftnl_set_elem *el, void *data)
{
	struct list_ctx *lc = data;
	struct kw_elem ke = { 0 };
	int fam = family_of_set(lc->set);
	uint32_t len = 0;
	const void *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &len);

	if (!k || len != (fam == AF_INET ? 4u : 16u))
		return 0;
	if (is_interval_set(lc->set)) {
		ivls_add(&lc->iv, el, k, len);
		return 0;
	}
	ke.key.family = (uint8_t)fam;
	ke.key.plen = fam == AF_INET ? 32 : (uint8_t)lc->plen6;
	memcpy(ke.key.addr, k, len);
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_TIMEOUT))
		ke.timeout_ms = nftnl_set_elem_get_u64(el, NFTNL_SET_ELEM_TIMEOUT);
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_EXPIRATION))
		ke.expires_ms = nftnl_set_elem_get_u64(el, NFTNL_SET_ELEM_EXPIRATION);
	if (!lc->stop && lc->fn(lc->ctx, &ke))
		lc->stop = 1;
	return 0;
}

/* One message of a set's elements (nldump_run's callback). */
static int elems_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *rs = nftnl_set_alloc();

	if (!rs) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, rs) >= 0)
		nftnl_set_elem_foreach(rs, elem_cb, data);
	nftnl_set_free(rs);
	return MNL_CB_OK;
}

/*
 * A request about one ban set (its elements or the set itself) in buf, which
 * holds MNL_SOCKET_BUFFER_SIZE bytes at least; NULL when out of memory.
 */
static struct nlmsghdr *set_request(struct kwriter *kw, enum kw_set set, uint16_t type,
				    uint16_t flags, char *buf)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return NULL;
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, kw->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, kw->set[set]);
	nlh = nftnl_nlmsg_build_hdr(buf, type, kw->family, flags, kw->seq++);
	if (type == NFT_MSG_GETSETELEM)
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
	else
		nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nlh;
}

/* List one ban set; *kerr: the kernel's answer (ENOENT: no such set). */
static int list_one(struct kwriter *kw, enum kw_set set, struct list_ctx *lc, int *kerr,
		    struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct nldump_result r;
	struct nlmsghdr *nlh;
	int rc = 0;

	*kerr = 0;
	nlh = set_request(kw, set, NFT_MSG_GETSETELEM, NLM_F_DUMP | NLM_F_ACK, buf);
	if (!nlh)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	lc->set = set;
	lc->iv.n = 0;
	if (nldump_run(kw->nl, buf, sizeof(buf), nlh, ACK_TIMEOUT_MS, elems_msg_cb, lc, &r, e))
		rc = -1;
	else if (r.cb_error || lc->iv.oom)
		rc = xerr_set(e, XNFT_EXIT_USAGE, "%s", strerror(r.cb_error ? r.cb_error : ENOMEM));
	else if (!lc->stop && ivls_pair(&lc->iv, family_of_set(set), lc->fn, lc->ctx))
		lc->stop = 1;
	*kerr = r.kernel_error;
	return rc;
}

int kw_list(struct kwriter *kw, int (*fn)(void *ctx, const struct kw_elem *el), void *ctx,
	    unsigned plen6, bool *missing, struct xerr *e)
{
	struct list_ctx lc = { .plen6 = plen6, .fn = fn, .ctx = ctx };
	int rc = 0;

	*missing = false;
	for (int set = 0; set < KW_NSETS && rc == 0; set++) {
		int kerr;

		if (list_one(kw, (enum kw_set)set, &lc, &kerr, e) < 0) {
			rc = xerr_wrap(e, "listing the ban sets");
			break;
		}
		if (kerr == ENOENT && is_interval_set((enum kw_set)set))
			continue;   /* a policy from before ranges: they are refused, not listed */
		if (kerr == ENOENT) {
			*missing = true;
			rc = xerr_set(e, XNFT_EXIT_FINDINGS, "set %s %s %s is not loaded", kw->table,
				      kw->set[set], "(policy not applied?)");
		} else if (kerr) {
			rc = xerr_set(e, XNFT_EXIT_USAGE, "listing the ban sets: %s",
				      strerror(kerr));
		}
	}
	free(lc.iv.v);
	return rc;
}

/* ---- monitor -------------------------------------------------------------------------- */

int kw_monitor_fd(struct kwriter *kw, struct xerr *e)
{
	int grp = NFNLGRP_NFTABLES, big = 4 << 20;

	if (kw->mon)
		return mnl_socket_get_fd(kw->mon);
	kw->mon = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!kw->mon || mnl_socket_bind(kw->mon, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(kw->mon, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		if (kw->mon)
			mnl_socket_close(kw->mon);
		kw->mon = NULL;
		return xerr_set(e, XNFT_EXIT_USAGE, "cannot watch nf_tables events: %s",
				strerror(errno));
	}
	if (setsockopt(mnl_socket_get_fd(kw->mon), SOL_SOCKET, SO_RCVBUFFORCE, &big,
		       sizeof(big)) < 0)
		setsockopt(mnl_socket_get_fd(kw->mon), SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return mnl_socket_get_fd(kw->mon);
}

/* Which of our sets table/set names; -1 when none. */
static int our_set(const struct kwriter *kw, const char *table, const char *set)
{
	if (!table || !set || strcmp(table, kw->table))
		return -1;
	for (int i = 0; i < KW_NSETS; i++) {
		if (!strcmp(set, kw->set[i]))
			return i;
	}
	return -1;
}

static int note_key(struct kwriter *kw, const struct ban_key *key)
{
	if (grow_for_one(&kw->deleted, &kw->capdel, kw->ndel, sizeof(kw->deleted[0]), 64))
		return -1;
	kw->deleted[kw->ndel++] = *key;
	return 0;
}

static int note_range(void *ctx, const struct kw_elem *el)
{
	return note_key(ctx, &el->key);
}

struct deleted_ctx {
	struct kwriter *kw;
	struct ivls iv;   /* an interval set's: its starts and ends, paired after */
	bool interval;
};

static int note_deleted(struct nftnl_set_elem *el, void *data)
{
	struct deleted_ctx *dc = data;
	struct kwriter *kw = dc->kw;
	struct ban_key key;
	uint32_t len = 0;
	const void *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &len);

	if (!k || (len != 4 && len != 16))
		return 0;
	if (dc->interval) {
		ivls_add(&dc->iv, el, k, len);
		return dc->iv.oom ? -1 : 0;
	}
	memset(&key, 0, sizeof(key));
	key.family = len == 4 ? AF_INET : AF_INET6;
	key.plen = len == 4 ? 32 : (uint8_t)kw->plen6;
	memcpy(key.addr, k, len);
	return note_key(kw, &key);
}

/*
 * The elements of one deletion event; a range's start and end come in
 * the same message, so they are paired here.
 */
static unsigned elems_deleted(struct kwriter *kw, struct nftnl_set *s, int set)
{
	struct deleted_ctx dc = { .kw = kw, .interval = is_interval_set((enum kw_set)set) };
	unsigned ev = KW_EV_ELEMS_GONE;

	if (nftnl_set_elem_foreach(s, note_deleted, &dc) < 0 ||
	    (dc.interval && ivls_pair(&dc.iv, family_of_set((enum kw_set)set), note_range, kw)))
		ev = KW_EV_RESYNC;   /* out of memory: put everything back */
	free(dc.iv.v);
	return ev;
}

/* Elements of our sets that someone else deleted (or flushed): remembered for the daemon. */
static unsigned set_event(struct kwriter *kw, const struct nlmsghdr *nlh, uint16_t type)
{
	struct nftnl_set *s = nftnl_set_alloc();
	unsigned ev = 0;
	int set;

	if (!s)
		return KW_EV_RESYNC;
	if ((type == NFT_MSG_DELSETELEM ? nftnl_set_elems_nlmsg_parse(nlh, s) :
					  nftnl_set_nlmsg_parse(nlh, s)) >= 0 &&
	    (set = our_set(kw, nftnl_set_get_str(s, NFTNL_SET_TABLE),
			   nftnl_set_get_str(s, NFTNL_SET_NAME))) >= 0) {
		if (type == NFT_MSG_NEWSET)
			ev = KW_EV_SETS_NEW;
		else if (type == NFT_MSG_DELSET)
			ev = KW_EV_TABLE_GONE;
		else
			ev = elems_deleted(kw, s, set);
	}
	nftnl_set_free(s);
	return ev;
}

static unsigned event_of(struct kwriter *kw, const struct nlmsghdr *nlh)
{
	uint16_t type = nlh->nlmsg_type;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	unsigned ev = 0;

	/* our own transactions (renewals delete and add) are no news */
	if (NFNL_SUBSYS_ID(type) != NFNL_SUBSYS_NFTABLES || g->nfgen_family != kw->family ||
	    nlh->nlmsg_pid == kw->portid)
		return 0;
	type = NFNL_MSG_TYPE(type);
	if (type == NFT_MSG_NEWSET || type == NFT_MSG_DELSET || type == NFT_MSG_DELSETELEM) {
		ev = set_event(kw, nlh, type);
	} else if (type == NFT_MSG_DELTABLE) {
		struct nftnl_table *t = nftnl_table_alloc();

		if (t && nftnl_table_nlmsg_parse(nlh, t) >= 0) {
			const char *n = nftnl_table_get_str(t, NFTNL_TABLE_NAME);

			if (n && !strcmp(n, kw->table))
				ev = KW_EV_TABLE_GONE;
		}
		nftnl_table_free(t);
	}
	return ev;
}

/*
 * Read at most rounds buffers of events into kw->ev_pending. *overflow:
 * the kernel dropped events. True when the socket was read empty.
 */
static bool monitor_read_some(struct kwriter *kw, int rounds, bool *overflow)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 8];

	for (int i = 0; i < rounds; i++) {
		ssize_t got = recv(mnl_socket_get_fd(kw->mon), buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int left;

		if (got < 0) {
			if (errno == ENOBUFS)
				*overflow = true;
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return true;
		}
		if (!got)
			return true;
		left = (int)got;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			kw->ev_pending |= event_of(kw, nlh);
	}
	return false;
}

/* Read the monitor empty (it holds at most its buffer); true when events were lost. */
static bool monitor_drain(struct kwriter *kw)
{
	bool overflow = false;

	while (!monitor_read_some(kw, MONITOR_ROUNDS, &overflow))
		;
	return overflow;
}

unsigned kw_monitor_read(struct kwriter *kw)
{
	bool overflow = false;
	unsigned ev;

	if (!kw->mon)
		return 0;
	if (!monitor_read_some(kw, MONITOR_ROUNDS, &overflow))
		kw->ev_pending |= KW_EV_MORE;
	if (overflow)
		kw->ev_pending |= KW_EV_RESYNC;   /* the kernel dropped events */
	ev = kw->ev_pending;
	kw->ev_pending = 0;
	return ev;
}

bool kw_monitor_pending(const struct kwriter *kw)
{
	return kw->ev_pending != 0;
}

size_t kw_monitor_deleted(struct kwriter *kw, const struct ban_key **keys)
{
	size_t n = kw->ndel;

	*keys = kw->deleted;
	kw->ndel = 0;   /* the array stays valid until the next kw_monitor_read */
	return n;
}

/* ---- set sizes and the ruleset generation ---------------------------------------------- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_gen_nlmsg_parse(nlh, g) >= 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

static int get_gen(struct kwriter *kw, uint32_t *gen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nldump_result r;
	struct nlmsghdr *nlh;
	struct xerr e;

	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, kw->seq++);
	if (nldump_run(kw->nl, buf, sizeof(buf), nlh, ACK_TIMEOUT_MS, gen_cb, gen, &r, &e) ||
	    r.kernel_error || r.cb_error)
		return -1;
	return 0;
}

static int size_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t *size = data;

	if (!s) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_set_nlmsg_parse(nlh, s) >= 0 && nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		*size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int kw_set_size(struct kwriter *kw, enum kw_set set, uint32_t *size, struct xerr *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct nldump_result r;
	struct nlmsghdr *nlh;

	*size = 0;
	nlh = set_request(kw, set, NFT_MSG_GETSET, NLM_F_ACK, buf);
	if (!nlh)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	if (nldump_run(kw->nl, buf, sizeof(buf), nlh, ACK_TIMEOUT_MS, size_cb, size, &r, e))
		return -1;
	if (r.kernel_error || r.cb_error)
		return xerr_set(e, r.kernel_error == ENOENT ? XNFT_EXIT_FINDINGS : XNFT_EXIT_USAGE,
				"reading set %s: %s", kw->set[set],
				strerror(r.kernel_error ? r.kernel_error : r.cb_error));
	return 0;
}
