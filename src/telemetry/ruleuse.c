// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule-use baseline (ruleuse.h). The file: "since EPOCH" then one line
 * per rule: key TAB packets TAB bytes TAB first_seen TAB last_hit TAB sampled.
 */
#include "telemetry/ruleuse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/state.h"

struct base_entry {
	char *key;
	uint64_t packets, bytes;
	long long first_seen, last_hit, sampled;
};

struct baseline {
	long long since;
	struct base_entry *v;
	size_t n;
};

/* The rule's identity across applies; tabs and newlines would break the file. */
static char *rule_key(const struct tm_rule *r)
{
	char *k = NULL;
	int n = r->file ? asprintf(&k, "%s:%d %s", r->file, r->line, r->text ? r->text : "")
			: asprintf(&k, "%s %s %s #%" PRIu64, tm_family_name(r->family), r->table,
				   r->chain, r->handle);

	if (n < 0)
		return NULL;
	for (char *p = k; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	return k;
}

static void baseline_free(struct baseline *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].key);
	free(b->v);
}

static int parse_line(char *line, struct baseline *b)
{
	char *tab = strchr(line, '\t');
	struct base_entry be = { 0 }, *v;

	if (!tab)
		return 0;
	*tab = '\0';
	if (sscanf(tab + 1, "%" SCNu64 "\t%" SCNu64 "\t%lld\t%lld\t%lld", &be.packets, &be.bytes,
		   &be.first_seen, &be.last_hit, &be.sampled) != 5)
		return 0; /* a damaged line: that rule starts anew */
	v = realloc(b->v, (b->n + 1) * sizeof(*v));
	if (!v || !(be.key = strdup(line))) {
		if (v)
			b->v = v;
		return -1;
	}
	b->v = v;
	b->v[b->n++] = be;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct base_entry *)a)->key, ((const struct base_entry *)b)->key);
}

static int baseline_read(struct baseline *b, struct xerr *e)
{
	char *text = NULL, *save = NULL;
	size_t len = 0;
	int rc = state_read(RULEUSE_FILE, &text, &len, e);

	memset(b, 0, sizeof(*b));
	if (rc)
		return rc < 0 ? -1 : 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "since ", 6))
			b->since = atoll(l + 6);
		else if (parse_line(l, b)) {
			free(text);
			baseline_free(b);
			return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		}
	}
	free(text);
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), by_key);
	return 0;
}

/* b->v sorted by key (baseline_read): a 10,000-rule baseline is searched, not scanned. */
static const struct base_entry *find(const struct baseline *b, const char *key)
{
	struct base_entry probe = { .key = (char *)key };

	return b->n ? bsearch(&probe, b->v, b->n, sizeof(*b->v), by_key) : NULL;
}

/* Fill u from the previous sample; a counter lower than before was reset by an apply. */
static void compare(const struct tm_rule *r, const struct base_entry *old, time_t now,
		    struct ruleuse *u)
{
	bool reset = old && r->packets < old->packets;
	uint64_t grew = !old ? r->packets : reset ? r->packets : r->packets - old->packets;

	u->first_seen = old ? (time_t)old->first_seen : now;
	u->last_hit = old ? (time_t)old->last_hit : 0;
	if (grew)
		u->last_hit = now;
	u->rate_pps = u->rate_bps = -1;
	if (old && !reset && now > old->sampled) {
		u->rate_pps = (double)(r->packets - old->packets) / (double)(now - old->sampled);
		u->rate_bps = (double)(r->bytes - old->bytes) / (double)(now - old->sampled);
	}
}

static int baseline_write(const struct tm_snapshot *s, const struct ruleuse *use, char **keys,
			  time_t since, time_t now, struct xerr *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rc;

	if (!out)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	fprintf(out, "since %lld\n", (long long)since);
	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].has_counter)
			fprintf(out, "%s\t%" PRIu64 "\t%" PRIu64 "\t%lld\t%lld\t%lld\n", keys[i],
				s->rules[i].packets, s->rules[i].bytes,
				(long long)use[i].first_seen, (long long)use[i].last_hit,
				(long long)now);
	if (fclose(out)) {
		free(text);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	rc = state_prepare(e) ? -1 : state_write_atomic(RULEUSE_FILE, text, len, e);
	free(text);
	return rc;
}

int ruleuse_update(const struct tm_snapshot *s, time_t now, struct ruleuse *use, time_t *since,
		   struct xerr *e)
{
	struct baseline b;
	char **keys = calloc(s->nrules + 1, sizeof(*keys));
	int rc = -1;

	if (!keys)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	if (baseline_read(&b, e)) {
		free(keys);
		return xerr_wrap(e, "reading the stats baseline");
	}
	*since = b.since ? (time_t)b.since : now;
	for (size_t i = 0; i < s->nrules; i++) {
		if (!(keys[i] = rule_key(&s->rules[i]))) {
			xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
			goto out;
		}
		compare(&s->rules[i], find(&b, keys[i]), now, &use[i]);
	}
	rc = baseline_write(s, use, keys, *since, now, e);
	if (rc)
		xerr_wrap(e, "writing the stats baseline");
out:
	for (size_t i = 0; i < s->nrules; i++)
		free(keys[i]);
	free(keys);
	baseline_free(&b);
	return rc;
}
