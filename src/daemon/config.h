/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/xnft/xnft.conf: the daemon's configuration, an INI file read with
 * libinih. This is the one reader of that file; every error names the file,
 * the line and the key, so a typo is found before the daemon runs with it.
 *
 *   [daemon]        sources, policy, ban sets, control socket, database, caps
 *   [escalation]    repeat offenders: factor, cap, how long history counts
 *   [whitelist]     addresses never banned (loopback and the policy's mesh
 *                   and admin sets are always added by the daemon)
 *   [notify]        ntfy / Slack / Discord webhooks, email (SMTP)
 *   [mesh]          peer sync: MESH_PEERS from a WireGuard interface, on an
 *                   interval and on SIGHUP
 *   [metrics]       the Prometheus /metrics endpoint: listen address, per-rule series
 *   [crowdsec]      a CrowdSec Local API whose ban decisions the daemon enforces
 *   [monitor]       xnft monitor: the upstream sources' URLs, TLS, limits, state
 *   [ban.NAME]      one rule: categories and ports -> N events in a window
 *                   -> ban for a time
 */
#ifndef XNFT_DAEMON_CONFIG_H
#define XNFT_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define XNFT_DEFAULT_CONFIG   "/etc/xnft/xnft.conf"
#define XNFT_DEFAULT_SOCKET   "/run/xnft/daemon.sock"
#define XNFT_DEFAULT_DATABASE "/var/lib/xnft/bans.db"
#define XNFT_DEFAULT_MONITOR_DB "/var/lib/xnft/monitor.db"

#define CONFIG_NAME_MAX 64
#define CONFIG_PATH_MAX 512
/* Bounds that keep a typo from becoming a denial of service on ourselves. */
#define CONFIG_THRESHOLD_MAX 100000u
#define CONFIG_OFFENDERS_MAX 100000000u
#define CONFIG_BANTIME_MAX_MS (3650ull * 86400 * 1000)   /* ten years */

/* A port range of a rule; [lo, hi] inclusive. */
struct config_ports {
	uint16_t lo, hi;
};

struct config_rule {
	char name[CONFIG_NAME_MAX];   /* NAME of [ban.NAME] */
	int line;                     /* line of the section header */
	bool enabled;
	char **categories;            /* glob patterns, "XNFT-" prefix optional */
	size_t ncategories;
	struct config_ports *ports;   /* destination ports; NULL/0 = any */
	size_t nports;
	uint8_t *protocols;           /* IP protocol numbers; NULL/0 = any */
	size_t nprotocols;
	unsigned threshold;           /* events ... */
	uint64_t window_ms;           /* ... within this window ... */
	uint64_t bantime_ms;          /* ... ban for this long (first offence) */
};

struct config_notify {
	char kind[16];                /* "ntfy", "slack", "discord", "email" */
	char url[CONFIG_PATH_MAX];    /* email: smtp:// or smtps://HOST[:PORT] */
};

/* The sources of xnft monitor, in the order it reads them. */
enum config_monitor_source {
	MONITOR_SRC_KERNEL,           /* kernel.org releases.json */
	MONITOR_SRC_NFTABLES,         /* netfilter.org's nftables download listing */
	MONITOR_SRC_NVD,              /* NVD CVE API 2.0 */
	MONITOR_SRC_LIST,             /* netfilter-devel archive feed (Atom or RSS) */
	MONITOR_SRC_GIT,              /* netfilter git log feed (Atom) */
	MONITOR_SRC_COUNT
};

struct xnft_config {
	char path[CONFIG_PATH_MAX];   /* the file it came from ("" for a buffer) */

	/* [daemon] */
	char **sources;               /* evsource specs: "nflog:0", "journal", "kmsg",
				       * "file:/PATH", "stdin"; none = the system's default */
	size_t nsources;
	char policy[CONFIG_PATH_MAX]; /* policy dir/file for the whitelist, or "live" */
	char table_family[16];        /* "inet" */
	char table[CONFIG_NAME_MAX];  /* "xnft" */
	char set4[CONFIG_NAME_MAX];   /* "BANNED4" */
	char set6[CONFIG_NAME_MAX];   /* "BANNED6" */
	char nets4[CONFIG_NAME_MAX];  /* "BANNED_NETS4": ranges, an interval set */
	char nets6[CONFIG_NAME_MAX];  /* "BANNED_NETS6" */
	char socket_path[CONFIG_PATH_MAX];
	char db_path[CONFIG_PATH_MAX];
	size_t max_offenders;         /* tracked addresses; least recently seen evicted */
	unsigned ipv6_prefix;         /* IPv6 bans cover this prefix (64) */
	uint64_t batch_ms;            /* gather bans this long before one transaction */

	/* [escalation] */
	bool esc_enabled;
	double esc_factor;            /* bantime * factor^(previous offences) */
	uint64_t esc_max_ms;          /* never longer than this */
	uint64_t esc_forget_ms;       /* offences older than this no longer count */

	/* [whitelist] */
	struct prefix *whitelist;
	size_t nwhitelist;

	/* [notify] */
	struct config_notify *notify;
	size_t nnotify;
	uint64_t notify_timeout_ms;
	size_t notify_queue;
	char notify_email_from[256];  /* envelope and From: of email notifications */
	char notify_email_to[512];    /* recipients, comma-separated */
	char notify_email_secret[CONFIG_PATH_MAX]; /* "user:password" for SMTP AUTH, mode 0600 */
	char notify_ca_file[CONFIG_PATH_MAX]; /* CA bundle for https webhooks and SMTP TLS ("" = the system's) */

	/* [mesh] */
	char mesh_iface[16];          /* WireGuard interface to sync MESH_PEERS from; "" = off */
	uint64_t mesh_sync_ms;        /* how often (30s) */
	/* [metrics] */
	bool metrics_enabled;         /* serve /metrics (on when the section sets it or listen) */
	char metrics_listen[128];     /* "mesh", "mesh:PORT", "ADDR:PORT", "[ADDR6]:PORT" */
	char metrics_mesh_if[CONFIG_NAME_MAX]; /* the interface "mesh" means ("wg0") */
	bool metrics_force;           /* allow an address not on the mesh interface or lo */
	bool metrics_rules;           /* per-rule series */
	bool metrics_analysis;        /* lint and intents on the loaded ruleset, every 5 minutes */
	/* [crowdsec]: the bouncer of a CrowdSec Local API; off while url is "" */
	char cs_url[CONFIG_PATH_MAX];      /* "http://127.0.0.1:8080" */
	char cs_key_file[CONFIG_PATH_MAX]; /* the bouncer's API key, a file of mode 0600 */
	char cs_ca_file[CONFIG_PATH_MAX];  /* TLS: CA bundle to trust ("" = the system's) */
	char cs_cert_file[CONFIG_PATH_MAX];/* TLS client certificate and key ("" = none) */
	char cs_certkey_file[CONFIG_PATH_MAX];
	char cs_machine_file[CONFIG_PATH_MAX]; /* watcher: cscli's credentials file (login,
					      * password), mode 0600; "" = no watcher */
	uint64_t cs_poll_ms;               /* between two pulls of the decision stream */
	uint64_t cs_timeout_ms;            /* one request, connection included */
	uint64_t cs_full_timeout_ms;       /* a complete pull (the LAPI's whole table) */
	size_t cs_max_bytes;               /* a larger answer is refused */

	/* [monitor]: an empty URL ("off" in the file) skips that source */
	char mon_url[MONITOR_SRC_COUNT][CONFIG_PATH_MAX];
	char mon_nvd_keywords[256];        /* one NVD query per comma-separated keyword */
	char mon_nvd_key_file[CONFIG_PATH_MAX]; /* NVD API key, mode 0600; "" = none */
	char mon_ca_file[CONFIG_PATH_MAX]; /* CA bundle to trust ("" = the system's) */
	char mon_db_path[CONFIG_PATH_MAX]; /* seen items and HTTP validators */
	uint64_t mon_timeout_ms;           /* one request, whole */
	uint64_t mon_connect_timeout_ms;
	size_t mon_max_bytes;              /* a larger answer is refused */
	uint64_t mon_since_ms;             /* default --since */
	char mon_kernel_version[64];       /* "" = this host's (uname) */
	char mon_nft_version[64];          /* "" = this host's (nft --version) */

	/* [ban.*] */
	struct config_rule *rules;
	size_t nrules;
};

/* The defaults alone (no rules): what an empty file gives. */
struct xnft_config *config_defaults(struct xerr *e);

/*
 * Read and check a config file. Errors: -1, e->file/e->line point at the
 * offending line and the message names the section and key; a missing or
 * unreadable file is XNFT_EXIT_USAGE, bad content XNFT_EXIT_FINDINGS.
 */
int config_load(const char *path, struct xnft_config **out, struct xerr *e);

/* Same over text in memory; name stands for the file in messages. */
int config_parse(const char *name, const char *text, struct xnft_config **out, struct xerr *e);

void config_free(struct xnft_config *c);

/*
 * The daemon's control socket for a client: the [daemon] socket of config
 * (NULL: the default config, or the default socket when that file does not
 * exist). A config given by name that cannot be read, or any config that
 * does not parse, is an error (-1, e as config_load sets it): a client must
 * not knock at the wrong socket because of a typo in the file.
 */
int config_socket_of(const char *config, char *buf, size_t size, struct xerr *e);

/* Does category (with or without the "XNFT-" prefix and ':') match the rule? */
bool config_rule_matches_category(const struct config_rule *r, const char *category);
bool config_rule_matches_port(const struct config_rule *r, uint8_t proto, uint16_t dport);

#endif
