// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The exposition writer (expo.h).
 */
#include "telemetry/expo.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "telemetry/applystate.h"
#include "telemetry/conntrack.h"
#include "telemetry/counters.h"

void expo_label(FILE *out, const char *value)
{
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', out);
		if (*p == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*p, out);
	}
}

static void family_header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void table_labels(FILE *out, uint32_t family, const char *table)
{
	fprintf(out, "family=\"%s\",table=\"", tm_family_name(family));
	expo_label(out, table);
	fputc('"', out);
}

static void rule_labels(FILE *out, const struct tm_rule *r)
{
	fputc('{', out);
	table_labels(out, r->family, r->table);
	fputs(",chain=\"", out);
	expo_label(out, r->chain);
	fprintf(out, "\",handle=\"%" PRIu64 "\",location=\"", r->handle);
	if (r->file) {
		expo_label(out, r->file);
		fprintf(out, ":%d", r->line);
	}
	fputs("\",comment=\"", out);
	expo_label(out, r->comment);
	fputs("\"}", out);
}

static void write_rules(FILE *out, const struct tm_snapshot *s)
{
	static const char *const names[2] = { "xnft_rule_packets_total", "xnft_rule_bytes_total" };
	static const char *const helps[2] = { "Packets counted by the rule's counter.",
					      "Bytes counted by the rule's counter." };

	for (int k = 0; k < 2; k++) {
		family_header(out, names[k], "counter", helps[k]);
		for (size_t i = 0; i < s->nrules; i++) {
			const struct tm_rule *r = &s->rules[i];

			if (!r->has_counter)
				continue;
			fputs(names[k], out);
			rule_labels(out, r);
			fprintf(out, " %" PRIu64 "\n", k ? r->bytes : r->packets);
		}
	}
}

static void name_labels(FILE *out, uint32_t family, const char *table, const char *key,
			const char *name)
{
	fputc('{', out);
	table_labels(out, family, table);
	fprintf(out, ",%s=\"", key);
	expo_label(out, name);
	fputs("\"}", out);
}

/* The metrics of named objects, in the order they are written: one sample per object. */
enum named_value {
	CHAIN_RULES, CHAIN_PACKETS, SET_ELEMENTS, SET_LIMIT, OBJECT_PACKETS, OBJECT_BYTES
};

static const struct named_metric {
	enum named_value what;
	const char *name, *type, *help;
	const char *key;  /* the label that names the object */
} named_metrics[] = {
	{ CHAIN_RULES, "xnft_chain_rules", "gauge", "Rules in the chain.", "chain" },
	{ CHAIN_PACKETS, "xnft_chain_packets_total", "counter",
	  "Packets counted by the chain's rules, summed.", "chain" },
	{ SET_ELEMENTS, "xnft_set_elements", "gauge", "Elements in the named set.", "set" },
	{ SET_LIMIT, "xnft_set_elements_limit", "gauge",
	  "The set's size limit (sets declared with a size).", "set" },
	{ OBJECT_PACKETS, "xnft_object_packets_total", "counter", "Packets of the named counter.",
	  "object" },
	{ OBJECT_BYTES, "xnft_object_bytes_total", "counter", "Bytes of the named counter.",
	  "object" },
};

struct named_sample {
	uint32_t family;
	const char *table, *name;
	uint64_t value;
};

#define NAMED_SAMPLE(obj, field) \
	((struct named_sample){ (obj).family, (obj).table, (obj).name, (obj).field })

static size_t named_count(const struct tm_snapshot *s, enum named_value what)
{
	return what <= CHAIN_PACKETS ? s->nchains : what <= SET_LIMIT ? s->nsets : s->ncounters;
}

/* Object i's sample of metric what; false leaves it out (a set without a size limit). */
static bool named_sample_at(const struct tm_snapshot *s, enum named_value what, size_t i,
			    struct named_sample *v)
{
	switch (what) {
	case CHAIN_RULES: *v = NAMED_SAMPLE(s->chains[i], rules); break;
	case CHAIN_PACKETS: *v = NAMED_SAMPLE(s->chains[i], packets); break;
	case SET_ELEMENTS: *v = NAMED_SAMPLE(s->sets[i], elements); break;
	case SET_LIMIT: *v = NAMED_SAMPLE(s->sets[i], size_limit); break;
	case OBJECT_PACKETS: *v = NAMED_SAMPLE(s->counters[i], packets); break;
	case OBJECT_BYTES: *v = NAMED_SAMPLE(s->counters[i], bytes); break;
	default: return false;
	}
	return what != SET_LIMIT || v->value;
}

static void write_named_objects(FILE *out, const struct tm_snapshot *s)
{
	for (size_t m = 0; m < sizeof(named_metrics) / sizeof(named_metrics[0]); m++) {
		const struct named_metric *nm = &named_metrics[m];
		struct named_sample v;

		family_header(out, nm->name, nm->type, nm->help);
		for (size_t i = 0; i < named_count(s, nm->what); i++) {
			if (!named_sample_at(s, nm->what, i, &v))
				continue;
			fputs(nm->name, out);
			name_labels(out, v.family, v.table, nm->key, v.name);
			fprintf(out, " %" PRIu64 "\n", v.value);
		}
	}
}

static void write_conntrack(FILE *out, const struct ct_health *h)
{
	char name[96];

	if (!h->loaded)
		return;
	family_header(out, "xnft_conntrack_entries", "gauge", "Connections tracked now.");
	fprintf(out, "xnft_conntrack_entries %" PRIu64 "\n", h->count);
	family_header(out, "xnft_conntrack_entries_limit", "gauge", "nf_conntrack_max.");
	fprintf(out, "xnft_conntrack_entries_limit %" PRIu64 "\n", h->max);
	family_header(out, "xnft_conntrack_buckets", "gauge", "nf_conntrack_buckets.");
	fprintf(out, "xnft_conntrack_buckets %" PRIu64 "\n", h->buckets);
	family_header(out, "xnft_conntrack_fill_ratio", "gauge", "Entries over the limit (0..1).");
	fprintf(out, "xnft_conntrack_fill_ratio %.6f\n", ct_fill_ratio(h));
	for (int s = 0; s < CT_NSTATS; s++) {
		snprintf(name, sizeof(name), "xnft_conntrack_%s_total", ct_stat_name(s));
		family_header(out, name, "counter", "Conntrack statistic, summed over the CPUs.");
		fprintf(out, "%s %" PRIu64 "\n", name, h->stat[s]);
	}
}

int expo_render(const struct expo_opts *o, char **text, size_t *len, struct xerr *e)
{
	struct tm_snapshot s;
	struct ct_health h;
	long long t0 = clock_mono_us();
	FILE *out;

	if (tm_read(&s, o->family, o->table, true, o->elem_cache, e))
		return -1;
	if (ct_health_read(&h, e)) {
		tm_snapshot_free(&s);
		return -1;
	}
	if (o->per_rule && o->policy_entry)
		tm_locate(&s, o->policy_entry, e);
	out = open_memstream(text, len);
	if (!out) {
		tm_snapshot_free(&s);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	if (o->per_rule)
		write_rules(out, &s);
	write_named_objects(out, &s);
	write_conntrack(out, &h);
	if (o->apply)
		tm_apply_write(out, o->apply);
	if (o->extra)
		o->extra(out, o->extra_data);
	family_header(out, "xnft_scrape_duration_seconds", "gauge",
		      "How long reading the kernel's counters took.");
	fprintf(out, "xnft_scrape_duration_seconds %.6f\n", (double)(clock_mono_us() - t0) / 1e6);
	tm_snapshot_free(&s);
	if (fclose(out)) {
		free(*text);
		*text = NULL;
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	}
	return 0;
}
