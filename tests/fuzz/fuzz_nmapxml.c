// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bytes -> nmapxml_parse (nmap's -oX report, read by xnft scan), then the
 * comparison with a proof that opens a few ports. It must never crash; an
 * error carries a message; a report that parses is whole (<finished>) and
 * its drift never outnumbers the ports scanned over two protocols.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan/nmapxml.h"
#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_expect *x = calloc(1, sizeof(*x));
	struct scan_result r = { 0 };
	struct xerr e;

	if (!x)
		return 0;
	x->tcp[22] = x->tcp[8080] = x->udp[51820] = true;
	if (nmapxml_parse((const char *)data, size, "fuzz.xml", &r.report, &e) < 0) {
		if (!e.msg[0] || r.report.ports || r.report.nports)
			abort();
	} else {
		if (!r.report.finished)
			abort();
		if (scan_compare(x, &r, &e) == 0 && r.ndrift > 2 * 65536)
			abort();
	}
	scan_result_free(&r);
	free(x);
	return 0;
}
