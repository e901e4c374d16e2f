/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mesh inventory, /etc/xnft/mesh.conf: every host of the WireGuard mesh
 * in one INI file (read with libinih, like xnft.conf), from which keys,
 * wg-quick configs and the per-peer part of the policy are made.
 *
 *   [mesh]          interface, port, topology (star|full), network, network6
 *   [host NAME]     address, address6, allowed_ips, endpoint, public_key,
 *                   role (hub|peer), keepalive, services, reach, groups
 *   [group NAME]    reach: what every member of the group may reach
 *
 * services = tcp/22:ssh, tcp/5432:postgres   what the host opens to the mesh
 * reach    = hub:ssh, db:postgres            HOST:SERVICE this host may use
 *
 * Parsing also checks the inventory as a whole; every error names the file
 * and line (duplicate address, overlapping AllowedIPs, a key that is not 32
 * bytes of base64, a star without a hub, a service the target does not open).
 */
#ifndef XNFT_MESH_INVENTORY_H
#define XNFT_MESH_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/addr.h"
#include "core/err.h"

#define MESH_DEFAULT_INVENTORY "/etc/xnft/mesh.conf"
#define MESH_NAME_MAX     32   /* host, group and service names, NUL included */
#define MESH_KEY_B64      45   /* 32 bytes in base64 (44 characters) and the NUL */
#define MESH_SERVICES_MAX 32
#define MESH_REACH_MAX    32
#define MESH_EXTRA_MAX    16   /* allowed_ips beyond the host's own addresses */
#define MESH_GROUPS_MAX   8
#define MESH_ENDPOINT_MAX 256

enum mesh_role { MESH_ROLE_PEER, MESH_ROLE_HUB };
enum mesh_topology { MESH_TOPO_STAR, MESH_TOPO_FULL };

struct mesh_service {
	char name[MESH_NAME_MAX];
	int proto;        /* IPPROTO_TCP or IPPROTO_UDP */
	unsigned port;
	int line;
};

/* "HOST:SERVICE" of a reach list. */
struct mesh_reach {
	char host[MESH_NAME_MAX];
	char service[MESH_NAME_MAX];
	int line;
};

struct mesh_host {
	char name[MESH_NAME_MAX];
	int line;                          /* of its [host NAME] header */
	struct prefix addr4, addr6;        /* family 0 when not given */
	int addr4_line, addr6_line;
	struct prefix extra[MESH_EXTRA_MAX];
	size_t nextra;
	int extra_line;
	char endpoint[MESH_ENDPOINT_MAX];  /* "host:port"; "" for a roaming peer */
	char public_key[MESH_KEY_B64];     /* "" until `xnft mesh keys` made one */
	int key_line;
	enum mesh_role role;
	unsigned keepalive;                /* seconds; 0 = off */
	struct mesh_service services[MESH_SERVICES_MAX];
	size_t nservices;
	struct mesh_reach reach[MESH_REACH_MAX];
	size_t nreach;
	char groups[MESH_GROUPS_MAX][MESH_NAME_MAX];
	int groups_line;
	size_t ngroups;
};

struct mesh_group {
	char name[MESH_NAME_MAX];
	int line;
	struct mesh_reach reach[MESH_REACH_MAX];
	size_t nreach;
};

struct mesh_inventory {
	char path[512];
	char iface[16];
	unsigned port;
	enum mesh_topology topology;
	int topology_line;
	struct prefix net4, net6;          /* family 0 when not given */
	struct mesh_host *hosts;
	size_t nhosts;
	struct mesh_group *groups;
	size_t ngroups;
};

/* Parse text (name is the file name errors carry) and check it whole. */
int mesh_inventory_parse(const char *name, const char *text, struct mesh_inventory **out,
			 struct xerr *e);
/* Read and parse a file; a missing file is an environment error that points to `mesh init`. */
int mesh_inventory_load(const char *path, struct mesh_inventory **out, struct xerr *e);
void mesh_inventory_free(struct mesh_inventory *inv);

const struct mesh_host *mesh_host_find(const struct mesh_inventory *inv, const char *name);
const struct mesh_service *mesh_service_find(const struct mesh_host *h, const char *name);

/* Does host a exchange packets with b directly (a [Peer] of each other)? star: one is a hub. */
bool mesh_direct_peers(const struct mesh_inventory *inv, const struct mesh_host *a,
		       const struct mesh_host *b);

/* base64 text of exactly 32 bytes (a WireGuard key) into raw; -1 otherwise. */
int mesh_key_decode(const char *text, unsigned char raw[32]);

/* A host, group or service name: 1..31 of [A-Za-z0-9_.-], starting with a letter or digit. */
bool mesh_name_valid(const char *name);

#endif
