/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One netlink dump request, read to its end. The set-element reader
 * (setelems.c) and the ban writer's listing (ban/kernel.c) both send a
 * NLM_F_DUMP request over a libmnl socket and feed every answer to a
 * callback; what they make of the kernel's answer differs, so this says
 * what happened and leaves the meaning to them.
 *
 * The dump is always read to NLMSG_DONE (or the kernel's error), also
 * after the callback failed, so that the socket stays in step for the next
 * request. Answers to other requests (another sequence number, or port)
 * are skipped.
 */
#ifndef XNFT_CORE_NLDUMP_H
#define XNFT_CORE_NLDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "core/err.h"

struct nldump_result {
	int kernel_error;     /* the errno value the kernel answered with; 0 none */
	bool interrupted;     /* NLM_F_DUMP_INTR: the ruleset changed during the dump */
	int cb_error;         /* errno when the callback failed (it is not called again); 0 */
};

/*
 * Send req and read its dump into buf (buflen bytes: 32 KiB holds any one
 * dump message; req may be built in buf). timeout_ms: how long to wait for each message, or -1 for
 * as long as it takes. -1 with e set when the socket fails or the wait
 * runs out (the dump is then abandoned); else 0 and *r filled.
 */
/*
 * The errno a netlink error field (NLMSG_ERROR's error, a DONE's result)
 * stands for: 0 for an ACK; the kernel sends -errno; a value no errno can be
 * (a broken or forged message, INT_MIN among them) is EBADMSG, never negated.
 */
int nl_errno(int error);

int nldump_run(struct mnl_socket *sock, void *buf, size_t buflen, const struct nlmsghdr *req,
	       int timeout_ms, mnl_cb_t cb, void *data, struct nldump_result *r, struct xerr *e);

/*
 * One dump of an nftables object type (NFT_MSG_GETTABLE, NFT_MSG_GETRULE, ...)
 * in every family, over a netfilter socket opened for it and closed after.
 * -1 with e set when the socket cannot be had ("cannot read WHAT over
 * netlink: ...") or nldump_run fails; else 0 and *r filled.
 */
int nldump_nft(uint16_t type, const char *what, mnl_cb_t cb, void *data,
	       struct nldump_result *r, struct xerr *e);

#endif
