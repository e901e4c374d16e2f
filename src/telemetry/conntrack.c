// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conntrack health from /proc (conntrack.h).
 */
#include "telemetry/conntrack.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_SYSCTL "sys/net/netfilter/"
#define CT_STAT_FILE "net/stat/nf_conntrack"
/*
 * Where /proc is. The tests point it at a directory of their own: the
 * table's limit is one value for the whole host, which a test must not
 * change to see the warnings.
 */
#define CT_PROC_ENV "XNFT_TEST_PROC"

static const char *proc_dir(void)
{
	const char *d = getenv(CT_PROC_ENV);

	return d && *d ? d : "/proc";
}

static const char *const stat_names[CT_NSTATS] = {
	[CT_FOUND] = "found", [CT_INVALID] = "invalid", [CT_INSERT_FAILED] = "insert_failed",
	[CT_DROP] = "drop", [CT_EARLY_DROP] = "early_drop", [CT_SEARCH_RESTART] = "search_restart",
};

const char *ct_stat_name(enum ct_stat s)
{
	return stat_names[s];
}

/* 1 when the file is not there (the module is not loaded). */
static int read_u64(const char *name, uint64_t *v, struct xerr *e)
{
	char path[4200];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/" CT_SYSCTL "%s", proc_dir(), name);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", path, strerror(errno));
	}
	ok = fscanf(f, "%" SCNu64, v) == 1;
	fclose(f);
	if (!ok)
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: not a number", path);
	return 0;
}

/* Which column of the header line holds each statistic; -1 when absent. */
static void find_columns(char *header, int col[CT_NSTATS])
{
	char *save = NULL;
	int i = 0;

	for (int s = 0; s < CT_NSTATS; s++)
		col[s] = -1;
	for (char *w = strtok_r(header, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++)
		for (int s = 0; s < CT_NSTATS; s++)
			if (!strcmp(w, stat_names[s]))
				col[s] = i;
}

static void add_cpu_line(char *line, const int col[CT_NSTATS], struct ct_health *h)
{
	char *save = NULL;
	int i = 0;

	for (char *w = strtok_r(line, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++)
		for (int s = 0; s < CT_NSTATS; s++)
			if (col[s] == i)
				h->stat[s] += strtoull(w, NULL, 16);
}

static int read_stats(struct ct_health *h, struct xerr *e)
{
	char path[4200], line[1024];
	int col[CT_NSTATS];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" CT_STAT_FILE, proc_dir());
	if (!(f = fopen(path, "re"))) {
		if (errno == ENOENT)
			return 0;
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: %s", path, strerror(errno));
	}
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return xerr_set(e, XNFT_EXIT_USAGE, "%s: empty", path);
	}
	find_columns(line, col);
	while (fgets(line, sizeof(line), f))
		add_cpu_line(line, col, h);
	fclose(f);
	return 0;
}

int ct_health_read(struct ct_health *h, struct xerr *e)
{
	int rc;

	memset(h, 0, sizeof(*h));
	rc = read_u64("nf_conntrack_count", &h->count, e);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (read_u64("nf_conntrack_max", &h->max, e) < 0 ||
	    read_u64("nf_conntrack_buckets", &h->buckets, e) < 0)
		return -1;
	h->loaded = true;
	return read_stats(h, e);
}

double ct_fill_ratio(const struct ct_health *h)
{
	return h->max ? (double)h->count / (double)h->max : 0.0;
}

int ct_fill_level(const struct ct_health *h)
{
	double r = ct_fill_ratio(h);

	return r >= 0.95 ? 95 : r >= 0.80 ? 80 : 0;
}
