/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where xnft keeps things on a host. Fixed, like /etc/wireguard for wg-quick. */
#ifndef XNFT_CORE_PATHS_H
#define XNFT_CORE_PATHS_H

#define XNFT_ETC_DIR        "/etc/xnft"
#define XNFT_DEFAULT_POLICY "/etc/xnft/nftables.conf"
#define XNFT_STATE_DIR      "/var/lib/xnft"
#define XNFT_RUN_DIR        "/run/xnft"
#define XNFT_TABLE_FAMILY   "inet"
#define XNFT_TABLE_NAME     "xnft"

#endif
