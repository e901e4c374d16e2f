/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xnft doctor: the host checklist. Each check group (kernel, conntrack,
 * policy, neighbours) reads the host under a root directory ("/" on a real
 * host, a fixture tree in tests) and adds checks to one report: PASS, WARN
 * or FAIL, what was found, why it matters and the command that fixes it.
 * Checks with a safe fix (a sysctl, a conntrack module option) also add a
 * change that `--fix` can apply; no check ever changes a firewall rule.
 */
#ifndef XNFT_DOCTOR_DOCTOR_H
#define XNFT_DOCTOR_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum doctor_level { DOCTOR_PASS, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor_check {
	char group[16];    /* kernel, conntrack, policy, neighbours */
	char id[48];       /* stable name, e.g. "sysctl.tcp_syncookies" */
	enum doctor_level level;
	char found[512];
	char why[400];     /* "" for a PASS */
	char fix[512];     /* the exact command; "" for a PASS */
};

/* A safe change --fix may make: a sysctl (written live and kept in sysctl.d) or a module option. */
enum doctor_change_kind { DOCTOR_SYSCTL, DOCTOR_MODOPT };

struct doctor_change {
	enum doctor_change_kind kind;
	char key[96];      /* "net.ipv4.tcp_syncookies", or "nf_conntrack hashsize" */
	char value[32];
};

struct doctor_report {
	struct doctor_check *checks;
	size_t n, cap;
	struct doctor_change *changes;
	size_t nchanges, capchanges;
	bool oom;          /* a check or change was lost for want of memory */
};

struct doctor_opts {
	const char *root;    /* where /proc, /sys, /etc are read; "/" on a real host */
	const char *policy;  /* NULL: the default policy */
};

/* Where --fix keeps its settings, under the root. */
#define DOCTOR_SYSCTL_FILE "/etc/sysctl.d/90-xnft-doctor.conf"
#define DOCTOR_MODPROBE_FILE "/etc/modprobe.d/xnft-doctor.conf"

/* Run every check group. -1 when not root, or when the report cannot be built (memory). */
int doctor_run(const struct doctor_opts *o, struct doctor_report *r, struct xerr *e);
void doctor_report_free(struct doctor_report *r);

/* Counts by level; the worst level found. */
size_t doctor_count(const struct doctor_report *r, enum doctor_level level);
const char *doctor_level_name(enum doctor_level level);

/*
 * The file texts --fix writes (the sysctl.d file, the modprobe.d file), for
 * showing before applying; NULL when there is nothing of that kind. malloc'd.
 */
char *doctor_change_file_text(const struct doctor_report *r, enum doctor_change_kind kind);

/* Apply the changes: write both files under the root, then each sysctl live. */
int doctor_apply_changes(const struct doctor_opts *o, const struct doctor_report *r,
			 struct xerr *e);

/* ---- for the check groups ----------------------------------------------- */

void doctor_add(struct doctor_report *r, const char *group, const char *id, enum doctor_level level,
		const char *why, const char *fix, const char *found_fmt, ...)
	__attribute__((format(printf, 7, 8)));
void doctor_add_change(struct doctor_report *r, enum doctor_change_kind kind, const char *key,
		       const char *value);

/* root + path into buf; -1 when it does not fit. */
int doctor_path(const struct doctor_opts *o, const char *path, char *buf, size_t n);
/* The first line of root/path, without its newline; -1 when it cannot be read. */
int doctor_read_line(const struct doctor_opts *o, const char *path, char *buf, size_t n);
/* A whole number from the first line of root/path; -1 when missing or not a number. */
int doctor_read_ll(const struct doctor_opts *o, const char *path, long long *v);
/* A whole file under the root (malloc'd, NUL-ended); NULL when it cannot be read. */
char *doctor_read_file(const struct doctor_opts *o, const char *path);
/* "net.ipv4.tcp_syncookies" -> "/proc/sys/net/ipv4/tcp_syncookies" */
void doctor_sysctl_path(const char *key, char *buf, size_t n);
/* Is a systemd unit enabled: a symlink to it in root/etc/systemd/system/ *.wants? */
bool doctor_unit_enabled(const struct doctor_opts *o, const char *unit);

/*
 * Call fn on each network interface name until it returns true (then true).
 * On "/" they are the calling namespace's own (if_nameindex: the mounted
 * sysfs may show another namespace's); under a root, root/sys/class/net.
 */
bool doctor_each_iface(const struct doctor_opts *o, bool (*fn)(const char *name, void *arg),
		       void *arg);

void doctor_check_kernel(const struct doctor_opts *o, struct doctor_report *r);
void doctor_check_conntrack(const struct doctor_opts *o, struct doctor_report *r);
void doctor_check_policy(const struct doctor_opts *o, struct doctor_report *r);
void doctor_check_policy_state(const struct doctor_opts *o, struct doctor_report *r);
void doctor_check_neighbours(const struct doctor_opts *o, struct doctor_report *r);

#endif
