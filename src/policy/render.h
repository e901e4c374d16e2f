/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Render the embedded default policy with one host's values: the `define`s
 * and named sets of rules/00-tables.nft and the service rules of
 * rules/40-services.nft. Lines marked `# xnft-init: KEY` in the shipped
 * files are the only ones replaced, so the shipped files stay valid nft.
 */
#ifndef XNFT_POLICY_RENDER_H
#define XNFT_POLICY_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "policy/embedded.h"

#define POLICY_MAX_LIST 64

struct policy_service {
	char proto[4];   /* "tcp" or "udp" */
	unsigned port;
	unsigned port_hi;  /* last port of a range port-port_hi; 0: the one port */
	char from[48];     /* a source prefix inside the mesh; "": every mesh peer */
	char name[64];
	unsigned rate;     /* --rate N/UNIT: new connections per source; 0: no limit */
	char rate_unit[8]; /* "second", "minute", "hour" or "day" */
};

struct policy_values {
	char wan_if[16];
	char mesh_if[16];
	unsigned wg_port;
	unsigned ssh_port;
	char mesh4[POLICY_MAX_LIST][48];  size_t n_mesh4;   /* canonical CIDRs */
	char mesh6[POLICY_MAX_LIST][48];  size_t n_mesh6;
	char admin4[POLICY_MAX_LIST][48]; size_t n_admin4;
	char admin6[POLICY_MAX_LIST][48]; size_t n_admin6;
	char bogon_exempt[POLICY_MAX_LIST][48]; size_t n_bogon_exempt;
	struct policy_service services[POLICY_MAX_LIST]; size_t n_services;
	/*
	 * Where the log statements send drops: the kernel log (`log prefix
	 * "..."`, the default; zeroed values mean this too) or NFLOG group
	 * log_group (`log group N prefix "..."`), which `xnft events --source
	 * nflog:N` reads. The kernel log does not print drops from network
	 * namespaces other than the first, so a policy in a namespace needs NFLOG.
	 */
	bool log_nflog;
	unsigned log_group;
	/*
	 * No rule opens WG_PORT to the internet: the mesh's own daemon
	 * (tailscaled, netbird) traverses NAT, so its flows are established.
	 * The rules and the intent that speak of the port are written behind
	 * "# off: " (the regions marked wg-rules and wg-intents).
	 */
	bool wg_port_closed;
};

/* The shipped defaults: eth0, wg0, 51820, SSH 22, mesh 10.10.0.0/24, no admin. */
void policy_values_defaults(struct policy_values *v);

/* Forget every mesh prefix (the shipped default included) before adding the user's. */
void policy_values_clear_mesh(struct policy_values *v);

/*
 * Validate and add; each returns -1 with a clear message for nonsense. A
 * bogon exemption must also equal one element of BOGON_V4/BOGON_V6 exactly;
 * that is checked when rendering, against the shipped list.
 */
int policy_values_set_iface(char dst[16], const char *what, const char *name, struct xerr *e);
int policy_values_set_port(unsigned *dst, const char *what, const char *text, struct xerr *e);
int policy_values_add_mesh(struct policy_values *v, const char *cidr, struct xerr *e);
int policy_values_add_admin(struct policy_values *v, const char *cidr, struct xerr *e);
int policy_values_add_service(struct policy_values *v, const char *spec, struct xerr *e);
int policy_values_exempt_bogon(struct policy_values *v, const char *cidr, struct xerr *e);

/* A service name for a rule's comment: 1..48 of A-Z a-z 0-9 . _ - */
bool policy_service_name_ok(const char *name);

/* --log: "kernel" or "nflog:N" (N 0..65535). */
int policy_values_set_log(struct policy_values *v, const char *spec, struct xerr *e);

/*
 * Rewrite one rule line's log statements for NFLOG: every `log` statement
 * outside a string or comment that has no group gains `group N` ("log
 * prefix ..." -> "log group N prefix ..."). Writes the line to out (size
 * bytes) and returns its length; a line without one is copied as it is.
 * Returns -1 when out is too small.
 */
int policy_render_log_line(const char *line, size_t len, unsigned group, char *out, size_t size);

/*
 * Checks that need every value at once: interface names and ports valid,
 * WireGuard and SSH on different ports, no service on either of them, at
 * least one mesh prefix. The render and write functions call it first.
 */
int policy_values_validate(const struct policy_values *v, struct xerr *e);

/*
 * The interface of the IPv4 default route (lowest metric) from a file in
 * /proc/net/route format (route_path NULL = /proc/net/route). Returns 1 and
 * fills dst when found, 0 when there is none or the file cannot be read.
 */
int policy_detect_wan(char dst[16], const char *route_path);

/* Every `# xnft-init: KEY` marker the renderer fills appears in files. */
int policy_check_markers(const struct embedded_file *files, struct xerr *e);

/* Render text as the file at path (relative to the policy root) would be rendered. */
int policy_render_text(const struct policy_values *v, const char *path, const char *text,
		       size_t size, char **out, struct xerr *e);

/* Render one embedded file (path relative to the policy root) into *out (malloc'd). */
int policy_render_file(const struct policy_values *v, const char *path, char **out,
		       struct xerr *e);

/*
 * Re-render one file of an existing tree (text as it is on disk): marked
 * lines get v's values, the service rules a previous render wrote after the
 * services marker are replaced, every other line is copied byte for byte.
 * Bogon lists are rebuilt from the shipped list minus v's exemptions.
 * Log lines are rewritten only when v->log_nflog (a tree's own log setting
 * lives outside the owned lines and is otherwise left alone).
 */
int policy_render_existing(const struct policy_values *v, const char *path, const char *text,
			   size_t size, char **out, struct xerr *e);

/*
 * Read the values of the marked lines of one file of an existing tree into
 * v (whose lists the caller has emptied); seen[] counts each marker key
 * found, in the order of policy_marker_key(). Returns -1 with file:line for
 * a marked line that does not hold what its marker says.
 */
int policy_read_text(struct policy_values *v, const char *path, const char *text, size_t size,
		     unsigned *seen, struct xerr *e);

/* The number of marker keys, and the key and file of the i-th one. */
size_t policy_marker_count(void);
const char *policy_marker_key(size_t i, const char **file);

/*
 * The i-th marker may be missing from a tree: a switchable region (trees
 * written before it existed have its lines unmarked, always on).
 */
bool policy_marker_optional(size_t i);

/*
 * The rule lines (no indent, '\n' between them) render writes for s; -1
 * when they do not fit. One accept rule; with a rate, one per-source meter
 * accept per address family the source can have, then the drop of what is
 * over the rate.
 */
int policy_format_service(const struct policy_service *s, char *buf, size_t size);

/*
 * Write the whole tree under dir (created if needed): nftables.conf,
 * intents and every rules/NN-name.nft. Refuses to overwrite an existing nftables.conf
 * unless force. Files are written atomically (temp file + rename).
 */
int policy_write_tree(const struct policy_values *v, const char *dir, int force,
		      struct xerr *e);

/* Write path so a reader sees the old file or the new one, never half (temp + rename). */
int policy_write_atomic(const char *path, const char *data, size_t len, struct xerr *e);

/* The same for any file set (terminated by a NULL path), for tests. */
int policy_write_tree_from(const struct policy_values *v, const struct embedded_file *files,
			   const char *dir, int force, struct xerr *e);

#endif
