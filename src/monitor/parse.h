/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One parser per source format. Each reads a whole body (not NUL-terminated),
 * appends findings to out and returns 0, or -1 with e saying what is wrong
 * with the body (name stands for it in messages); out keeps only whole
 * findings either way. since: entries dated before it are skipped (0 = none).
 */
#ifndef XNFT_MONITOR_PARSE_H
#define XNFT_MONITOR_PARSE_H

#include <jansson.h>

#include "monitor/monitor.h"

/* kernel.org releases.json: every release but linux-next, as a "kernel" release finding. */
int mon_parse_kernel(const char *body, size_t len, const char *name, time_t since,
		     struct mon_list *out, struct xerr *e);

/* netfilter.org's download listing (HTML): each nftables-X.Y.Z.tar.* once. */
int mon_parse_nftables(const char *body, size_t len, const char *name, struct mon_list *out,
		       struct xerr *e);

/* NVD CVE API 2.0: one finding per CVE, CVSS v3.1 severity, kernel/nftables ranges. */
int mon_parse_nvd(const char *body, size_t len, const char *name, struct mon_list *out,
		  struct xerr *e);

/*
 * An Atom or RSS 2.0 feed: entries whose title names a security problem
 * (use-after-free, overflow, bypass, CVE-..., crash, ...), as findings of
 * source (MONITOR_SRC_LIST or MONITOR_SRC_GIT).
 */
int mon_parse_feed(const char *body, size_t len, const char *name, int source, time_t since,
		   struct mon_list *out, struct xerr *e);

/* One item of a JSON source's array: append its finding to out, or -1 with e set. */
typedef int (*mon_json_item_fn)(json_t *item, const char *name, void *arg,
				struct mon_list *out, struct xerr *e);

/*
 * A JSON body whose array key holds the items, each given to one (with
 * arg); format names the answer expected in the message when the array is
 * missing ("%s: not FORMAT: no \"KEY\" array").
 */
int mon_parse_json_items(const char *body, size_t len, const char *name, const char *format,
			 const char *key, mon_json_item_fn one, void *arg, struct mon_list *out,
			 struct xerr *e);

/* "2024-02-01T12:00:00Z", "...+01:00", "...T12:00:00.123", "2024-02-01": seconds, or 0. */
time_t mon_parse_iso_time(const char *s);

#endif
