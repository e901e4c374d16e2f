// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft lint (src/analyze/lint*.c), driven by tests/lint/: one small ruleset
 * per finding id that shows it (ID-bad*.nft) and one that does not
 * (ID-ok*.nft), each its own TAP test. A file says what it expects in its
 * comments:
 *
 *   # expect: XL001 line 15      a finding with this id at this line of the file
 *   # expect: XL020 line 8 warning   ... and of this severity
 *   # expect-not: XL001          no finding with this id
 *
 * .nft files are loaded through the sandbox (a private network namespace),
 * as `xnft lint FILE` does; .json files are captured listings (for what the
 * kernel never lists, such as an expression xnft does not model), with
 * their expectations in a .expect file beside them (line 0: no location).
 * Then: every id of the catalogue has a positive and a negative file, the
 * docs name every id, the default policy lints with no error and no
 * unjustified warning, and the pieces (sources, diagnostics, order) alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lint.h"
#include "core/policy_load.h"

#define LINT_DIR FIXTURES "/../../lint"
#define POLICY_DIR FIXTURES "/../../../policy"
#define DOCS_IDS FIXTURES "/../../../docs/lint-ids.md"
#define MAN_PAGE FIXTURES "/../../../docs/xnft.8"

#define MAX_CASES 256
#define MAX_EXPECT 16

struct expect {
	char id[8];
	int line;
	char sev[16];    /* "" when the file does not say */
};

struct lcase {
	char name[128];
	char path[512];
	bool json;
	struct expect want[MAX_EXPECT];
	size_t nwant;
	char not[MAX_EXPECT][8];
	size_t nnot;
};

static struct lcase cases[MAX_CASES];
static size_t ncases;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* ---- expectations ------------------------------------------------------------------- */

static void parse_expect(struct lcase *c, const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "# expect")) != NULL) {
		char id[8];
		int line;

		char sev[16] = "";

		if (sscanf(p, "# expect: %7s line %d%*[ \t]%15[a-z]", id, &line, sev) >= 2 &&
		    c->nwant < MAX_EXPECT) {
			snprintf(c->want[c->nwant].id, sizeof(c->want[0].id), "%s", id);
			snprintf(c->want[c->nwant].sev, sizeof(c->want[0].sev), "%s", sev);
			c->want[c->nwant++].line = line;
		} else if (sscanf(p, "# expect-not: %7s", id) == 1 && c->nnot < MAX_EXPECT) {
			snprintf(c->not[c->nnot++], sizeof(c->not[0]), "%s", id);
		}
		p += 8;
	}
}

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p;
}

static bool has_finding(const struct lint_report *r, const struct lcase *c,
			const struct expect *w)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->v[i];

		if (strcmp(f->id, w->id) || f->line != w->line)
			continue;
		if (w->sev[0] && strcmp(lint_severity_name(f->sev), w->sev))
			continue;
		if (c->json || !strcmp(base_name(f->file), c->name))
			return true;
	}
	return false;
}

static bool has_id(const struct lint_report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!strcmp(r->v[i].id, id))
			return true;
	}
	return false;
}

static void print_findings(const struct lint_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		print_message("  got %s %s at %s:%d: %s\n", r->v[i].id,
			      lint_severity_name(r->v[i].sev), r->v[i].file ? r->v[i].file : "-",
			      r->v[i].line, r->v[i].message);
}

/* ---- running one case ------------------------------------------------------------------ */

static void lint_json_file(const char *path, struct lint_report *r)
{
	struct ruleset *rs = NULL;
	struct xerr e;
	size_t len = 0;
	char *json = slurp(path, &len);

	assert_non_null(json);
	xerr_clear(&e);
	assert_int_equal(policy_load_json(json, len, NULL, &rs, &e), 0);
	assert_int_equal(lint_ruleset(rs, NULL, r, &e), 0);
	ruleset_free(rs);
	free(json);
}

static void test_case(void **state)
{
	const struct lcase *c = *state;
	struct lint_report r = { 0 };
	struct xerr e;
	bool ok = true;

	xerr_clear(&e);
	if (c->json) {
		lint_json_file(c->path, &r);
	} else if (lint_policy(c->path, &r, &e)) {
		fail_msg("%s: %s (%s)", c->name, e.msg, e.hint);
	}
	if (strstr(c->name, "-bad"))
		assert_true(c->nwant > 0);
	else
		assert_true(c->nnot > 0);
	for (size_t i = 0; i < c->nwant; i++) {
		if (!has_finding(&r, c, &c->want[i])) {
			print_message("%s: missing %s at line %d\n", c->name, c->want[i].id,
				      c->want[i].line);
			ok = false;
		}
	}
	for (size_t i = 0; i < c->nnot; i++) {
		if (has_id(&r, c->not[i])) {
			print_message("%s: %s must not be reported\n", c->name, c->not[i]);
			ok = false;
		}
	}
	if (!ok)
		print_findings(&r);
	lint_report_free(&r);
	assert_true(ok);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lcase *)a)->name, ((const struct lcase *)b)->name);
}

static void add_case(const char *name)
{
	size_t n = strlen(name);
	struct lcase *c;
	char exp[600];
	char *text;

	if (ncases >= MAX_CASES)
		return;
	c = &cases[ncases++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->path, sizeof(c->path), "%s/%s", LINT_DIR, name);
	c->json = n > 5 && !strcmp(name + n - 5, ".json");
	if (c->json)
		snprintf(exp, sizeof(exp), "%s/%.*s.expect", LINT_DIR, (int)(n - 5), name);
	text = slurp(c->json ? exp : c->path, NULL);
	if (text)
		parse_expect(c, text);
	free(text);
}

static void load_cases(void)
{
	DIR *d = opendir(LINT_DIR);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if ((n > 4 && !strcmp(de->d_name + n - 4, ".nft")) ||
		    (n > 5 && !strcmp(de->d_name + n - 5, ".json")))
			add_case(de->d_name);
	}
	closedir(d);
	qsort(cases, ncases, sizeof(cases[0]), name_cmp);
}

/* ---- the catalogue ------------------------------------------------------------------------ */

static bool case_exists(const char *id, const char *kind)
{
	char pre[32];

	snprintf(pre, sizeof(pre), "%s-%s", id, kind);
	for (size_t i = 0; i < ncases; i++) {
		if (!strncmp(cases[i].name, pre, strlen(pre)))
			return true;
	}
	return false;
}

static void test_every_id_has_cases(void **state)
{
	size_t n;
	const struct lint_id_info *v = lint_ids(&n);

	(void)state;
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		bool retired = !strncmp(v[i].title, "retired", 7);

		if (!retired && !case_exists(v[i].id, "bad"))
			fail_msg("%s has no tests/lint/%s-bad file", v[i].id, v[i].id);
		if (!case_exists(v[i].id, "ok"))
			fail_msg("%s has no tests/lint/%s-ok file", v[i].id, v[i].id);
	}
}

static void test_catalogue(void **state)
{
	size_t n;
	const struct lint_id_info *v = lint_ids(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(v[i].id), 5);
		assert_memory_equal(v[i].id, "XL", 2);
		if (i)
			assert_true(strcmp(v[i - 1].id, v[i].id) < 0);
		assert_ptr_equal(lint_id_lookup(v[i].id), &v[i]);
		assert_true(v[i].sev <= LINT_ERROR);
		assert_non_null(v[i].title);
		assert_non_null(v[i].family);
	}
	assert_null(lint_id_lookup("XL999"));
	assert_null(lint_id_lookup(NULL));
	assert_string_equal(lint_severity_name(LINT_ERROR), "error");
	assert_string_equal(lint_severity_name(LINT_WARNING), "warning");
	assert_string_equal(lint_severity_name(LINT_INFO), "info");
}

static void docs_name_every_id(const char *path)
{
	size_t n;
	const struct lint_id_info *v = lint_ids(&n);
	char *text = slurp(path, NULL);

	assert_non_null(text);
	for (size_t i = 0; i < n; i++) {
		if (!strstr(text, v[i].id))
			fail_msg("%s does not document %s", path, v[i].id);
	}
	free(text);
}

static void test_docs(void **state)
{
	(void)state;
	docs_name_every_id(DOCS_IDS);
	docs_name_every_id(MAN_PAGE);
}

/* ---- the default policy ---------------------------------------------------------------------- */

/*
 * Warnings and infos the default policy may have, each with the reason it
 * is right as it is. Empty: it has none today; add an entry (id and file
 * name) only with a justification next to it.
 */
static const char *const justified[][2] = {
	{ NULL, NULL },
};

static bool is_justified(const struct lint_finding *f)
{
	for (size_t i = 0; justified[i][0]; i++) {
		if (!strcmp(f->id, justified[i][0]) && f->file && strstr(f->file, justified[i][1]))
			return true;
	}
	return false;
}

static void test_default_policy(void **state)
{
	struct lint_report r = { 0 };
	struct xerr e;
	size_t bad = 0;

	(void)state;
	xerr_clear(&e);
	if (lint_policy(POLICY_DIR, &r, &e))
		fail_msg("%s (%s)", e.msg, e.hint);
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].sev == LINT_ERROR || !is_justified(&r.v[i])) {
			print_message("default policy: %s %s at %s:%d: %s\n", r.v[i].id,
				      lint_severity_name(r.v[i].sev), r.v[i].file, r.v[i].line,
				      r.v[i].message);
			bad++;
		}
	}
	assert_int_equal(lint_count(&r, LINT_ERROR), 0);
	assert_int_equal(bad, 0);
	assert_false(r.incomplete);
	lint_report_free(&r);
}

/* The captured listing of the default policy, as `--live` would see it: no sources. */
static void test_default_policy_json(void **state)
{
	struct lint_report r = { 0 };

	(void)state;
	lint_json_file(FIXTURES "/policy.json", &r);
	print_findings(&r);
	assert_int_equal(lint_count(&r, LINT_ERROR), 0);
	lint_report_free(&r);
}

/* Every captured fixture lints without trouble (no crash, no leak under ASan). */
static void test_fixtures_robust(void **state)
{
	static const char *const files[] = {
		"constructs.json", "more.json", "ex_overview.json", "ex_load_balancing.json",
		"ex_sets_and_maps.json", "srcloc.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct lint_report r = { 0 };
		char path[600];

		snprintf(path, sizeof(path), "%s/%s", FIXTURES, files[i]);
		lint_json_file(path, &r);
		for (size_t k = 0; k < r.n; k++) {
			assert_non_null(lint_id_lookup(r.v[k].id));
			assert_non_null(r.v[k].message);
			assert_non_null(r.v[k].hint);
		}
		lint_report_free(&r);
	}
}

static void same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Lint in a child process gives the report lint in this process gives, finding by finding. */
static void test_async_same_report(void **state)
{
	static const char *const files[] = { "constructs.json", "more.json", "ex_overview.json",
					     "ex_sets_and_maps.json", "policy.json" };
	size_t total = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct lint_report here = { 0 }, there = { 0 };
		struct ruleset *rs = NULL;
		struct lint_async la;
		struct xerr e;
		char path[600];
		size_t len = 0;
		char *json;

		snprintf(path, sizeof(path), "%s/%s", FIXTURES, files[i]);
		json = slurp(path, &len);
		assert_non_null(json);
		xerr_clear(&e);
		assert_int_equal(policy_load_json(json, len, NULL, &rs, &e), 0);
		assert_int_equal(lint_ruleset(rs, NULL, &here, &e), 0);
		assert_int_equal(lint_async_start(NULL, rs, &la, &e), 0);
		assert_int_equal(lint_async_finish(&la, rs, &there, &e), 0);
		assert_int_equal(here.n, there.n);
		assert_int_equal(here.incomplete, there.incomplete);
		assert_int_equal(here.unchecked, there.unchecked);
		for (size_t k = 0; k < here.n; k++) {
			const struct lint_finding *a = &here.v[k], *b = &there.v[k];

			assert_ptr_equal(a->id, b->id);
			assert_int_equal(a->sev, b->sev);
			assert_ptr_equal(a->rule, b->rule);
			assert_int_equal(a->line, b->line);
			same_string(a->file, b->file);
			same_string(a->where, b->where);
			same_string(a->text, b->text);
			same_string(a->comment, b->comment);
			same_string(a->message, b->message);
			same_string(a->hint, b->hint);
		}
		total += here.n;
		lint_report_free(&here);
		lint_report_free(&there);
		ruleset_free(rs);
		free(json);
	}
	/* the fixtures do have findings: the comparison compared something */
	assert_true(total > 5);
}

/* ---- the sources ------------------------------------------------------------------------------- */

static const struct lint_define *find_define(const struct lint_source *s, const char *name)
{
	for (size_t i = 0; i < s->ndefines; i++) {
		if (!strcmp(s->defines[i].name, name))
			return &s->defines[i];
	}
	return NULL;
}

static void test_source_scan(void **state)
{
	static const char text[] =
		"# flush ruleset (a comment, not a command)\n"
		"define WAN_IF = \"eth0\"   # the public side\n"
		"define MESH_IF = wg0\n"
		"define WG_PORT = 51820\n"
		"define LAN_IFS = {\n"
		"\t\"eth1\",\n"
		"\t\"eth2\" }\n"
		"define LOG = \"flush ruleset\"\n"
		"flush ruleset\n"
		"table inet t { flush ruleset ; }\n"
		"table inet x {\n"
		"\tset BOGON { type ipv4_addr; }\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority 0;\n"
		"\t}\n"
		"}\n";
	struct lint_source s;
	const struct lint_define *d;
	struct xerr e;

	(void)state;
	assert_int_equal(lint_source_scan_buffer("p.nft", text, &s, &e), 0);
	assert_int_equal(s.ndefines, 5);
	d = find_define(&s, "WAN_IF");
	assert_non_null(d);
	assert_string_equal(d->value, "eth0");
	assert_true(d->quoted);
	assert_int_equal(d->line, 2);
	assert_true(lint_define_is_iface(d));
	d = find_define(&s, "MESH_IF");
	assert_string_equal(d->value, "wg0");
	assert_false(d->quoted);
	assert_true(lint_define_is_iface(d));
	assert_false(lint_define_is_iface(find_define(&s, "WG_PORT")));
	d = find_define(&s, "LAN_IFS");
	assert_string_equal(d->value, "{ eth1, eth2 }");
	assert_int_equal(d->line, 5);
	assert_true(lint_define_is_iface(d));
	assert_false(lint_define_is_iface(find_define(&s, "LOG")));
	assert_int_equal(s.nflushes, 2);
	assert_int_equal(s.flushes[0].line, 9);
	assert_string_equal(s.flushes[0].file, "p.nft");
	assert_int_equal(s.flushes[1].line, 10);
	assert_int_equal(s.ndecls, 4);
	assert_string_equal(s.decls[0].text, "set BOGON");
	assert_int_equal(s.decls[0].line, 12);
	assert_string_equal(s.decls[1].text, "inet x set BOGON");
	assert_int_equal(s.decls[1].line, 12);
	assert_string_equal(s.decls[2].text, "chain input");
	assert_int_equal(s.decls[2].line, 13);
	assert_string_equal(s.decls[3].text, "inet x chain input");
	assert_int_equal(s.decls[3].line, 13);
	lint_source_free(&s);
}

/* Define names as nft reads them (core/nftsrc.c): 'lan-ifs' was taken as 'lan'. */
static void test_source_define_names(void **state)
{
	static const char text[] = "define lan-ifs = { eth1, eth2 }\nredefine lan-ifs = eth3\n";
	struct lint_source s;
	struct xerr e;

	(void)state;
	assert_int_equal(lint_source_scan_buffer("n.nft", text, &s, &e), 0);
	assert_int_equal(s.ndefines, 2);
	assert_string_equal(s.defines[0].name, "lan-ifs");
	assert_string_equal(s.defines[0].value, "{ eth1, eth2 }");
	assert_string_equal(s.defines[1].name, "lan-ifs");
	assert_string_equal(s.defines[1].value, "eth3");
	assert_int_equal(s.defines[1].line, 2);
	lint_source_free(&s);
}

static void test_source_includes(void **state)
{
	char entry[600];
	struct lint_source s;
	struct xerr e;

	(void)state;
	snprintf(entry, sizeof(entry), "%s/nftables.conf", POLICY_DIR);
	assert_int_equal(lint_source_scan(entry, POLICY_DIR, &s, &e), 0);
	assert_true(s.files >= 10);
	assert_int_equal(s.nflushes, 0);
	assert_non_null(find_define(&s, "MESH_IF"));
	assert_string_equal(find_define(&s, "MESH_IF")->value, "wg0");
	assert_non_null(strstr(find_define(&s, "WAN_IF")->file, "00-tables.nft"));
	lint_source_free(&s);
	/* a missing entry is not an error of the scan: the load says it better */
	assert_int_equal(lint_source_scan("/nonexistent/x.nft", NULL, &s, &e), 0);
	assert_int_equal(s.files, 0);
	lint_source_free(&s);
}

/* Text that is not nft at all: no crash, no read past the end, nothing invented. */
static void test_source_hostile(void **state)
{
	static const char *const texts[] = {
		"", "\"", "define", "define =", "define X", "define X = \"unterminated\n",
		"define X = {{{{{{", "}}}}}}", "flush", "flush ruleset\\", "\\\n\\\n",
		"include \"", "include \"/dev/stdin\"", "define X = { a,\n b,\n", "#\n#\n#",
		"chain", "set {", "map ", "table inet t { chain c { flush ruleset } }",
	};
	char buf[512];
	unsigned seed = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct lint_source s;
		struct xerr e;

		assert_int_equal(lint_source_scan_buffer("h.nft", texts[i], &s, &e), 0);
		lint_source_free(&s);
	}
	/* random printable text with the scanner's special characters mixed in */
	for (int round = 0; round < 2000; round++) {
		static const char alphabet[] = "abdefilnrsu \t\n;{}\"#\\=$@*,";
		size_t n = (size_t)(round % (int)(sizeof(buf) - 1));
		struct lint_source s;
		struct xerr e;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		buf[n] = '\0';
		assert_int_equal(lint_source_scan_buffer("r.nft", buf, &s, &e), 0);
		for (size_t i = 0; i < s.ndefines; i++)
			lint_define_is_iface(&s.defines[i]);
		lint_source_free(&s);
	}
}

static void test_define_is_iface(void **state)
{
	static const struct { const char *name, *value; bool quoted, want; } v[] = {
		{ "MESH_IF", "wg0", false, true },
		{ "WAN_IF", "eth0", true, true },
		{ "UPLINK_DEV", "enp3s0", false, true },
		{ "WAN", "eth0", true, true },
		{ "WAN", "eth0", false, false },
		{ "SSH_PORT", "22", false, false },
		{ "MESH_IF", "10.0.0.1", false, false },
		{ "TRUSTED_IFS", "{ eth1, eth2 }", false, true },
		{ "TOO_LONG_IF", "averyveryverylongname", false, false },
		{ "EMPTY_IF", "", false, false },
		{ "int_if1", "eth0", false, true },
		{ "ext_ifs", "{ $ext_if1, $ext_if2 }", false, true },
		{ "tcp_ports", "{ ssh, domain, https, 123-125 }", false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lint_define d = { .name = (char *)v[i].name, .value = (char *)v[i].value,
					 .quoted = v[i].quoted };

		if (lint_define_is_iface(&d) != v[i].want)
			fail_msg("%s = %s: expected %d", v[i].name, v[i].value, v[i].want);
	}
}

/* ---- load diagnostics ------------------------------------------------------------------------- */

static void test_diags(void **state)
{
	struct nft_diag v[4];
	struct nft_diags d = { v, 4 };
	struct lint_report r = { 0 };

	(void)state;
	memset(v, 0, sizeof(v));
	snprintf(v[0].file, sizeof(v[0].file), "b.nft");
	v[0].line = 9;
	snprintf(v[0].msg, sizeof(v[0].msg), "conflicting intervals specified");
	snprintf(v[1].file, sizeof(v[1].file), "a.nft");
	v[1].line = 3;
	snprintf(v[1].msg, sizeof(v[1].msg), "Could not process rule: No such file or directory");
	snprintf(v[1].text, sizeof(v[1].text), "\t\tjump nosuch");
	snprintf(v[2].file, sizeof(v[2].file), "a.nft");
	v[2].line = 8;
	snprintf(v[2].msg, sizeof(v[2].msg), "Could not process rule: Too many links");
	snprintf(v[3].file, sizeof(v[3].file), "a.nft");
	v[3].line = 1;
	snprintf(v[3].msg, sizeof(v[3].msg), "syntax error, unexpected newline");
	assert_string_equal(lint_diag_id(&v[0]), "XL061");
	assert_string_equal(lint_diag_id(&v[1]), "XL002");
	assert_string_equal(lint_diag_id(&v[2]), "XL003");
	assert_null(lint_diag_id(&v[3]));
	assert_int_equal(lint_from_diags(&d, &r), 0);
	assert_int_equal(r.n, 4);
	/* sorted by file, then line */
	assert_string_equal(r.v[0].id, "XL000");
	assert_int_equal(r.v[0].line, 1);
	assert_string_equal(r.v[1].id, "XL002");
	assert_string_equal(r.v[1].text, "\t\tjump nosuch");
	assert_string_equal(r.v[2].id, "XL003");
	assert_string_equal(r.v[3].id, "XL061");
	assert_string_equal(r.v[3].file, "b.nft");
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.v[i].sev, LINT_ERROR);
		assert_non_null(r.v[i].hint);
	}
	assert_int_equal(lint_count(&r, LINT_ERROR), 4);
	lint_report_free(&r);
	assert_int_equal(r.n, 0);
}

/* A missing policy is an environment error, not a finding. */
static void test_missing_policy(void **state)
{
	struct lint_report r = { 0 };
	struct xerr e;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(lint_policy("/nonexistent/policy", &r, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_int_equal(r.n, 0);
	lint_report_free(&r);
}

/* XL043 names the define's value: a copy, not a pointer into the scanner's stack buffer. */
static void test_xl043_names_value(void **state)
{
	struct lint_report r = { 0 };
	struct xerr e;
	bool found = false;

	(void)state;
	xerr_clear(&e);
	assert_int_equal(lint_policy(LINT_DIR "/XL043-bad.nft", &r, &e), 0);
	for (size_t i = 0; i < r.n; i++) {
		if (strcmp(r.v[i].id, "XL043"))
			continue;
		found = true;
		if (!strstr(r.v[i].message, "$MESH_IF is \"wg0\""))
			print_message("message: %s\n", r.v[i].message);
		assert_non_null(strstr(r.v[i].message, "$MESH_IF is \"wg0\""));
	}
	lint_report_free(&r);
	assert_true(found);
}

int main(void)
{
	static struct CMUnitTest tests[MAX_CASES + 16];
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_every_id_has_cases),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_docs),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_default_policy_json),
		cmocka_unit_test(test_fixtures_robust),
		cmocka_unit_test(test_async_same_report),
		cmocka_unit_test(test_source_scan),
		cmocka_unit_test(test_source_define_names),
		cmocka_unit_test(test_source_includes),
		cmocka_unit_test(test_source_hostile),
		cmocka_unit_test(test_define_is_iface),
		cmocka_unit_test(test_diags),
		cmocka_unit_test(test_missing_policy),
		cmocka_unit_test(test_xl043_names_value),
	};
	size_t n = 0;

	load_cases();
	for (size_t i = 0; i < ncases; i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_case, &cases[i]);
		tests[n++].name = cases[i].name;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("lint", tests, n, NULL, NULL);
}
