/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The peers of a WireGuard interface and their AllowedIPs, read from
 * WireGuard itself: wireguard-go / boringtun over their userspace API socket
 * (/var/run/wireguard/IF.sock, "get=1"), the kernel module over generic
 * netlink (WG_CMD_GET_DEVICE). The socket is tried first: a userspace
 * implementation has one, the kernel module does not.
 */
#ifndef XNFT_MESH_WGREAD_H
#define XNFT_MESH_WGREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/addr.h"
#include "core/err.h"

#define WG_UAPI_DIR "/var/run/wireguard"

struct wg_allowed {
	struct prefix *v;    /* every AllowedIP of every peer */
	size_t n, cap;
	size_t npeers;
	const char *source;  /* "userspace API socket" or "kernel (generic netlink)" */
};

/* A missing or down interface is an environment error that says which. */
int wg_read_allowed(const char *iface, struct wg_allowed *out, struct xerr *e);
void wg_allowed_free(struct wg_allowed *a);

/* The UAPI "get" reply parsed (exposed for tests). */
int wg_parse_uapi(const char *reply, struct wg_allowed *out, struct xerr *e);

/* What a WG_CMD_GET_DEVICE dump carries from one message to the next. */
struct wg_genl_state {
	unsigned char last_key[32];   /* the public key of the last peer seen */
	bool have_key;
	bool oom;
};

/*
 * One buffer of the kernel's answer to WG_CMD_GET_DEVICE (netlink messages
 * as recv() returns them; seq and portid 0 check neither) added to out. A
 * peer split across messages counts once. Returns 1 while more messages
 * follow, 0 after NLMSG_DONE, -1 when the kernel reports an error
 * (NLMSG_ERROR, or a negative code in NLMSG_DONE) or the buffer is
 * malformed. Exposed for tests: this kernel path cannot run without the
 * wireguard module.
 */
int wg_genl_feed(struct wg_genl_state *st, const void *buf, size_t len, unsigned seq,
		 unsigned portid, struct wg_allowed *out, struct xerr *e);

#endif
