/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses, prefixes, ports and interface names as the user types them on
 * the command line or in a config file. Parsing is strict on purpose: a
 * firewall value that is "almost" right (host bits set, a port with a sign,
 * an interface name with a slash) is a mistake the user wants to hear about
 * before it reaches the kernel.
 */
#ifndef XNFT_CORE_ADDR_H
#define XNFT_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Longest text prefix_format() writes, NUL included: a full IPv6 address plus "/128". */
#define PREFIX_STRLEN 50

/* Linux IFNAMSIZ - 1: the longest interface name. */
#define IFNAME_MAXLEN 15

struct prefix {
	int family;                /* AF_INET or AF_INET6 */
	unsigned char addr[16];    /* network byte order; IPv4 uses addr[0..3], the rest is 0 */
	unsigned len;              /* 0..32 or 0..128 */
};

/* Flags for prefix_parse_flags(). */
enum {
	PREFIX_KEEP_HOST_BITS = 1 << 0,   /* "10.0.0.1/24" is fine, keeps the host bits */
	PREFIX_ADDR_ONLY      = 1 << 1,   /* no "/len" allowed */
};

/*
 * "10.10.0.0/24", "fd10::/64", or a bare address (= /32 or /128). Host bits
 * below the length are an error whose hint names the canonical network.
 * On error p is left zeroed and e says what is wrong with which text.
 */
int prefix_parse(struct prefix *p, const char *text, struct xerr *e);
int prefix_parse_flags(struct prefix *p, const char *text, unsigned flags, struct xerr *e);

/* 32 for AF_INET, 128 for AF_INET6. */
unsigned prefix_max_len(int family);

/* "10.10.0.0/24", "fd10::/64" (IPv6 compressed as inet_ntop does); always with "/len". */
void prefix_format(const struct prefix *p, char *buf, size_t size);

/* Only the address part: "10.10.0.0", "fd10::". */
void prefix_format_addr(const struct prefix *p, char *buf, size_t size);

/* Clear the bits below p->len. */
void prefix_mask(struct prefix *p);

/*
 * The lowest (lo) and highest (hi) address of the plen-bit prefix that
 * holds a, each len bytes, network order; lo or hi may be NULL, or a itself.
 */
void addr_prefix_bounds(const unsigned char *a, size_t len, unsigned plen, unsigned char *lo,
			unsigned char *hi);

bool prefix_equal(const struct prefix *a, const struct prefix *b);

/* Every address of inner is in outer (same family; a prefix contains itself). */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);

/* The two share at least one address (same family). */
bool prefix_overlaps(const struct prefix *a, const struct prefix *b);

/* A TCP/UDP port 1..65535, decimal digits only: no sign, space, hex or leading zero. */
int port_parse(unsigned *port, const char *text, struct xerr *e);

/*
 * A Linux interface name as nft matches it: 1..15 printable characters, no
 * '/', ':', whitespace or quote, not "." or "..". A '*' wildcard (nft's
 * iifname "eth*") is allowed only as the last character and not alone.
 */
int ifname_validate(const char *name, struct xerr *e);

/*
 * Copy text into buf for an error message: at most size-1 bytes, each
 * unprintable byte shown as '?', "..." when cut. Never fails.
 */
void addr_shown(char *buf, size_t size, const char *text);

#endif
