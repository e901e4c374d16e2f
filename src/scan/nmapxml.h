/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmapxml: the ports nmap's -oX report lists, read with libexpat. Only what
 * xnft scan compares with the proof is kept: address, protocol, port, state.
 * Ports nmap folds into <extraports> are kept as runs (struct nmap_extra)
 * when nmap names them (<extrareasons ports=>, nmap 7.90 and later).
 */
#ifndef XNFT_SCAN_NMAPXML_H
#define XNFT_SCAN_NMAPXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct nmap_port {
	char addr[64];      /* the host's address as nmap printed it */
	char proto[8];      /* "tcp", "udp", "sctp" */
	uint16_t port;
	char state[24];     /* "open", "closed", "filtered", "open|filtered", ... */
};

/* A run of ports nmap folded into <extraports>, from its <extrareasons proto= ports=>. */
struct nmap_extra {
	char proto[8];
	char state[24];
	char *ports;        /* "1-30,8080" */
};

struct nmap_report {
	struct nmap_port *ports;
	size_t nports;
	struct nmap_extra *extras;
	size_t nextras;
	char extra_state[24]; /* the last <extraports state>: for a port no extrareasons names */
	size_t nhosts_up;
	bool finished;      /* <runstats><finished> seen: the report is whole */
	char *tcp_services; /* <scaninfo services=...>: the ports scanned, "1-1024,8080"; or NULL */
	char *udp_services;
};

/* Parse len bytes of -oX output; name is for messages. -1 with e set on bad or cut XML. */
int nmapxml_parse(const char *buf, size_t len, const char *name, struct nmap_report *out,
		  struct xerr *e);
void nmapxml_free(struct nmap_report *r);

#endif
