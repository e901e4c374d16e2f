/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scan history in SQLite: every run of xnft scan --history FILE, with its
 * drift, so a run can tell which drift is new since the last scan of the
 * same target from the same class (what a timer notifies about).
 */
#ifndef XNFT_SCAN_HISTORY_H
#define XNFT_SCAN_HISTORY_H

#include "core/err.h"
#include "scan/scan.h"

/*
 * Mark r->drift[i].is_new against the previous run for (target, cls), then
 * record this run. The file is created 0600.
 */
int scan_history_record(const char *path, const char *target, const char *cls,
			struct scan_result *r, struct xerr *e);

#endif
