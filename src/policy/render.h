/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Render the embedded default policy with one host's values: the `define`s
 * and named sets of rules/00-tables.nft and the service rules of
 * rules/40-services.nft. Lines marked `# xnft-init: KEY` in the shipped
 * files are the only ones replaced, so the shipped files stay valid nft.
 */
#ifndef XNFT_POLICY_RENDER_H
#define XNFT_POLICY_RENDER_H

#include <stddef.h>

#include "core/err.h"

#define POLICY_MAX_LIST 64

struct policy_service {
	char proto[4];   /* "tcp" or "udp" */
	unsigned port;
	char name[64];
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
};

/* The shipped defaults: eth0, wg0, 51820, SSH 22, mesh 10.10.0.0/24, no admin. */
void policy_values_defaults(struct policy_values *v);

/* Validate and add; each returns -1 with a clear message for nonsense. */
int policy_values_set_iface(char dst[16], const char *what, const char *name, struct xerr *e);
int policy_values_set_port(unsigned *dst, const char *what, const char *text, struct xerr *e);
int policy_values_add_mesh(struct policy_values *v, const char *cidr, struct xerr *e);
int policy_values_add_admin(struct policy_values *v, const char *cidr, struct xerr *e);
int policy_values_add_service(struct policy_values *v, const char *spec, struct xerr *e);
int policy_values_exempt_bogon(struct policy_values *v, const char *cidr, struct xerr *e);

/* Render one embedded file (path relative to the policy root) into *out (malloc'd). */
int policy_render_file(const struct policy_values *v, const char *path, char **out,
		       struct xerr *e);

/*
 * Write the whole tree under dir (created if needed): nftables.conf,
 * intents and every rules/NN-name.nft. Refuses to overwrite an existing nftables.conf
 * unless force. Files are written atomically (temp file + rename).
 */
int policy_write_tree(const struct policy_values *v, const char *dir, int force,
		      struct xerr *e);

#endif
