/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of bans: elements of the policy's ban sets (BANNED4,
 * BANNED6 for addresses and IPv6 ban prefixes; the interval sets
 * BANNED_NETS4, BANNED_NETS6 for wider or other ranges) written with
 * libnftnl over one netlink socket, many per transaction, no text to parse. Also reads the sets back (reconcile at
 * start) and watches nf_tables events, so that a policy re-apply that
 * recreates the sets empty is noticed at once.
 */
#ifndef XNFT_BAN_KERNEL_H
#define XNFT_BAN_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ban/engine.h"
#include "daemon/config.h"
#include "core/err.h"

struct kwriter;

/* The ban sets, by what they hold. */
enum kw_set { KW_SET4, KW_SET6, KW_NETS4, KW_NETS6, KW_NSETS };

/* The table and set names come from cfg ([daemon] table, set4, set6, nets4, nets6); copied. */
int kw_open(const struct xnft_config *cfg, struct kwriter **out, struct xerr *e);
void kw_close(struct kwriter *kw);
void kw_set_target(struct kwriter *kw, const struct xnft_config *cfg);

/*
 * Queue an element. renew: the element may already be there, so it is
 * replaced (add, delete, add in the same transaction) and its timeout
 * starts over; otherwise a plain add. timeout_ms is the time left.
 */
int kw_queue_add(struct kwriter *kw, const struct ban_key *key, uint64_t timeout_ms, bool renew);
/* Queue a removal; an element that is not there is not an error. */
int kw_queue_del(struct kwriter *kw, const struct ban_key *key);
size_t kw_pending(const struct kwriter *kw);
void kw_discard(struct kwriter *kw);

/*
 * Send everything queued as one transaction and wait for the kernel's
 * answer. *kerr: the errno the kernel refused the batch with, 0 if none.
 * When the table or a set is missing (ENOENT) or a set is full (ENFILE):
 * -1 with e->code = XNFT_EXIT_FINDINGS and the queue kept, so the caller
 * can retry once the policy is back or bans expired. Other errors drop
 * the queue.
 */
int kw_flush(struct kwriter *kw, int *kerr, struct xerr *e);

/*
 * The set a key goes to: an IPv4 address or an IPv6 ban prefix to the hash
 * sets, any other prefix (a range) to the interval sets.
 */
enum kw_set kw_set_of(const struct kwriter *kw, const struct ban_key *key);
const char *kw_set_name(const struct kwriter *kw, enum kw_set set);

/* The `size` of one ban set; 0 when it has none. A missing set: -1, e->code XNFT_EXIT_FINDINGS. */
int kw_set_size(struct kwriter *kw, enum kw_set set, uint32_t *size, struct xerr *e);

/* One element of a ban set as the kernel holds it. */
struct kw_elem {
	struct ban_key key;
	uint64_t timeout_ms;   /* 0: no timeout */
	uint64_t expires_ms;   /* time left; 0 when none */
};

/*
 * Every element of the ban sets; a range (an interval of the interval sets)
 * as one element whose key has the range's prefix length. A missing hash
 * set: -1, *missing = true; a missing interval set is skipped (a policy
 * from before ranges).
 */
int kw_list(struct kwriter *kw, int (*fn)(void *ctx, const struct kw_elem *el), void *ctx,
	    unsigned plen6, bool *missing, struct xerr *e);

/*
 * nf_tables event monitor (NFNLGRP_NFTABLES): an fd to poll, and what the
 * events of other programs said. Our own transactions are skipped.
 */
enum {
	KW_EV_SETS_NEW = 1 << 0,   /* one of our sets was (re)created */
	KW_EV_TABLE_GONE = 1 << 1, /* our table or one of our sets was deleted */
	KW_EV_RESYNC = 1 << 2,     /* events were lost: put every ban back */
	KW_EV_ELEMS_GONE = 1 << 3, /* elements were deleted: kw_monitor_deleted */
	KW_EV_MORE = 1 << 4,       /* the read stopped at its budget: read again */
};
int kw_monitor_fd(struct kwriter *kw, struct xerr *e);
/* Read (a bounded amount of) what is pending on the monitor fd; returns KW_EV_* bits. */
unsigned kw_monitor_read(struct kwriter *kw);
/* kw_flush read events too: call kw_monitor_read without waiting for the fd. */
bool kw_monitor_pending(const struct kwriter *kw);
/*
 * The elements others deleted from our sets since the last call (expired
 * ones too, on kernels that announce expiry): *keys is valid until the
 * next kw_monitor_read.
 */
size_t kw_monitor_deleted(struct kwriter *kw, const struct ban_key **keys);

#endif
