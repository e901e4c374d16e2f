/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xnft monitor: upstream advisories for the things this firewall runs on.
 * Five sources (kernel.org releases, nftables releases, the NVD CVE API,
 * the netfilter-devel archive feed, the netfilter git log feed) are fetched
 * over https, parsed into findings, each finding mapped to the rule file it
 * most likely touches and to this host's kernel and nft versions, then
 * HIGH/CRITICAL ones notified one by one and MEDIUM ones in one digest.
 * What was notified is remembered (SQLite), so nothing is sent twice.
 */
#ifndef XNFT_MONITOR_MONITOR_H
#define XNFT_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "daemon/config.h"
#include "core/err.h"

enum mon_severity { MON_SEV_NONE, MON_SEV_LOW, MON_SEV_MEDIUM, MON_SEV_HIGH, MON_SEV_CRITICAL };

/* What a finding means for this host. */
enum mon_host {
	MON_HOST_UNKNOWN,      /* the source gives no versions, or the host's is unknown */
	MON_HOST_AFFECTED,     /* the host's version is in a vulnerable range */
	MON_HOST_NOT_AFFECTED, /* outside every vulnerable range */
	MON_HOST_BEHIND,       /* a release newer than the host's, in its series */
	MON_HOST_CURRENT,      /* a release the host already has (or is past) */
};

/* A vulnerable version range from the NVD (cpeMatch). Empty start or end: open. */
#define MON_RANGES_MAX 16
struct mon_range {
	char product[16];      /* "kernel", "nftables" */
	char start[32], end[32];
	bool start_incl, end_incl;
	char exact[32];        /* a single vulnerable version (no range) */
};

struct mon_finding {
	char id[160];          /* the key remembered: CVE id, "kernel:6.1.76", a feed entry's id */
	int source;            /* enum config_monitor_source */
	enum mon_severity sev;
	double cvss;           /* CVSS v3.1 base score; 0 = none */
	char title[256];
	char url[512];
	char published[40];    /* as the source gives it */
	time_t when;           /* 0 = unknown */
	char product[16];      /* a release: "kernel" or "nftables" */
	char version[40];      /* a release's version */
	char series[16];       /* kernel.org moniker: stable, longterm, mainline */
	struct mon_range ranges[MON_RANGES_MAX];
	size_t nranges;
	char text[600];        /* description (start of it): what the rule mapping reads */
	char rules[160];       /* "30-established.nft, 20-mesh.nft" */
	enum mon_host host;
	char host_note[200];   /* "this host runs 6.1.0-18; fixed in 6.1.76: affected" */
	bool is_new;           /* not in the state database */
	bool in_digest;        /* sent (or to be sent) in the run's digest, not on its own */
	bool notified;         /* sent this run */
	unsigned query;        /* index in mon_report.src of the query that found it */
};

struct mon_list {
	struct mon_finding *v;
	size_t n, cap;
	bool oom;
};

/* A zeroed finding appended to l; NULL (and l->oom) when out of memory or past the cap. */
struct mon_finding *mon_list_push(struct mon_list *l);
void mon_list_free(struct mon_list *l);

enum mon_status { MON_SRC_OK, MON_SRC_NOT_MODIFIED, MON_SRC_FAILED, MON_SRC_OFF };

struct mon_source_result {
	char name[48];         /* "kernel", "nftables", "nvd:netfilter", "list", "git" */
	int source;
	char url[CONFIG_PATH_MAX + 128];
	enum mon_status status;
	size_t items;          /* findings it gave (before dedup across NVD keywords) */
	char error[1024];      /* why it failed, with what to do */
};

#define MON_QUERIES_MAX 16
struct mon_report {
	struct mon_source_result src[MON_QUERIES_MAX];
	size_t nsrc;
	size_t nfailed;        /* sources that failed */
	struct mon_list findings;
	char host_kernel[96];  /* as shown: "6.1.0-18-amd64 (Debian 6.1.76-1)" */
	char host_nft[40];
	size_t sent, send_failed; /* notifications: messages delivered, endpoint failures */
	bool dry_run;
};

struct mon_opts {
	uint64_t since_ms;     /* the window; 0 = the config's */
	bool dry_run;          /* fetch and show; no state written, nothing sent */
	time_t now;            /* 0 = time(NULL) (tests fix it) */
};

/*
 * Run every enabled source. A source that fails is recorded in r->src with
 * its message and the others still run; -1 only for what stops the whole run
 * (the state database cannot be opened, the notifier cannot start).
 */
int monitor_run(const struct xnft_config *cfg, const struct mon_opts *o, struct mon_report *r,
		struct xerr *e);
void monitor_report_free(struct mon_report *r);

const char *mon_severity_name(enum mon_severity s);
const char *mon_host_name(enum mon_host h);
const char *mon_source_label(int source);

#endif
