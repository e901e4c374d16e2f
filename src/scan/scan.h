/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scan: what a real scan (nmap, from a vantage point) sees of a host,
 * compared with the proof (xnft exposure --json of the host's policy) for
 * the scanner's source class. Drift both ways: a port the proof keeps
 * closed that answered open (critical: something outside the proof lets it
 * in), and a port the proof opens that stayed silent (a service down).
 */
#ifndef XNFT_SCAN_SCAN_H
#define XNFT_SCAN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "scan/nmapxml.h"

enum scan_class { SCAN_CLASS_INTERNET, SCAN_CLASS_MESH };

/* The ports the proof opens to one source class, per protocol. */
struct scan_expect {
	bool tcp[65536];
	bool udp[65536];
	size_t nlines;      /* exposure lines that applied to the class */
};

struct scan_opts {
	const char *target;     /* address or name nmap scans */
	const char *ports;      /* nmap port list for TCP and UDP, or NULL: 1-1024 + the proof's */
	const char *nmap;       /* program name or path; NULL: "nmap" from PATH */
	enum scan_class cls;
	unsigned max_rate;      /* packets per second; 0: nmap's own */
	bool ipv6;
	bool no_stealth;        /* skip the NULL, XMAS and FIN scans (root only) */
};

struct scan_drift {
	char proto[8];
	uint16_t port;
	bool critical;          /* observed open, predicted closed */
	char observed[24];
	char scan[8];           /* the scan that saw it: syn, connect, udp, null, xmas, fin */
	bool is_new;            /* not in the previous run's drift (scan_history_record) */
};

struct scan_result {
	struct nmap_report report;
	struct scan_drift *drift;
	size_t ndrift;
	size_t nopen;
};

/* The proof for cls from `xnft exposure --json`'s object (name for messages). */
int scan_expect_from_json(json_t *root, const char *name, enum scan_class cls, bool ipv6,
			  struct scan_expect *x, struct xerr *e);

/* Read the proof for cls from an `xnft exposure --json` file. */
int scan_expect_load(const char *path, enum scan_class cls, bool ipv6, struct scan_expect *x,
		     struct xerr *e);

/* Run nmap against o->target and compare with x. */
int scan_run(const struct scan_opts *o, const struct scan_expect *x, struct scan_result *r,
	     struct xerr *e);

/* Compare a SYN/UDP report with the proof (scan_run's second half; tests use it alone). */
int scan_compare(const struct scan_expect *x, struct scan_result *r, struct xerr *e);

void scan_result_free(struct scan_result *r);

#endif
