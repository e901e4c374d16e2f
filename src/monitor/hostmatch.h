/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a finding means here: the rule files of the default policy it most
 * likely touches, and the host's running kernel and nft against the versions
 * the source names.
 */
#ifndef XNFT_MONITOR_HOSTMATCH_H
#define XNFT_MONITOR_HOSTMATCH_H

#include <stdbool.h>

#include "daemon/config.h"
#include "monitor/monitor.h"

struct mon_host_info {
	char kernel[40];       /* compared: "6.1.76" (Debian's upstream version when uname -v has it) */
	char kernel_shown[96]; /* "6.1.0-18-amd64 (Debian 6.1.76-1)" */
	char nft[40];          /* "1.0.6"; "" = unknown */
};

/* The host's versions: [monitor] kernel_version / nft_version, else uname and `nft --version`. */
void mon_host_detect(const struct xnft_config *cfg, struct mon_host_info *h);

/*
 * Release versions, numerically by dot-separated parts ("6.1.9" < "6.1.76");
 * a "-rcN" suffix sorts before the release. <0, 0, >0 as strcmp.
 */
int mon_version_cmp(const char *a, const char *b);

/* Does text hold word or its plural in -s (case-insensitive), not as part of a longer word? */
bool mon_has_word(const char *text, const char *word);

/* f->rules from f->title and f->text. */
void mon_map_rules(struct mon_finding *f);

/* f->host and f->host_note. */
void mon_match_host(struct mon_finding *f, const struct mon_host_info *h);

#endif
