// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft.conf reader. libinih does the INI syntax; we feed it through our own
 * line reader so that every key is known with its line number (the Debian
 * build of inih does not pass line numbers to the handler), and so that an
 * over-long line is an error instead of being silently cut in two.
 */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/initext.h"

#define LINE_MAX_LEN 4096

struct parse_ctx {
	struct xnft_config *cfg;
	const char *name;
	struct ini_text in;     /* the whole input, read a line at a time */
	int line;               /* line just handed to inih */
	bool failed;
	bool sources_set;
	int cs_url_line;        /* [crowdsec] url, for the errors found at the end */
	struct xerr err;
	char section[CONFIG_NAME_MAX + 8];
};

/* ---- small helpers ------------------------------------------------------- */

static int fail(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return 0;
	c->failed = true;
	xerr_at(&c->err, XNFT_EXIT_FINDINGS, c->name, c->line, 0, "%s", "");
	va_start(ap, fmt);
	vsnprintf(c->err.msg, sizeof(c->err.msg), fmt, ap);
	va_end(ap);
	return 0;
}

static int fail_hint(struct parse_ctx *c, const char *hint)
{
	if (c->failed && !c->err.hint[0])
		snprintf(c->err.hint, sizeof(c->err.hint), "%s", hint);
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* inih keeps "10 # ten" whole; a '#' after whitespace starts a comment here. */
static void strip_comment(char *v)
{
	for (char *p = v; *p; p++) {
		if ((*p == '#' || *p == ';') && p > v && isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	}
	{
		char *t = trim(v);

		memmove(v, t, strlen(t) + 1);
	}
}

static int parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" }, *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_uint(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return -1;
	*out = n;
	return 0;
}

static int copy_name(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (!n || n >= size)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)v[i]) && v[i] != '_' && v[i] != '-' && v[i] != '.')
			return -1;
	}
	memcpy(dst, v, n + 1);
	return 0;
}

static int copy_path(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (!n || n >= size || v[0] != '/')
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

/* Split "a, b ,c" into trimmed non-empty items; calls fn for each. */
static int for_each_item(struct parse_ctx *c, const char *key, const char *v,
			 int (*fn)(struct parse_ctx *c, const char *key, const char *item, void *arg),
			 void *arg)
{
	char *dup = strdup(v), *save = NULL, *tok;
	int rc = 1, n = 0;

	if (!dup)
		return fail(c, "out of memory");
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *item = trim(tok);

		if (!*item)
			continue;
		n++;
		if (!fn(c, key, item, arg)) {
			rc = 0;
			break;
		}
	}
	free(dup);
	if (rc && !n)
		return fail(c, "[%s] %s: empty list", c->section, key);
	return rc;
}

static int push_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}


/* ---- matching ------------------------------------------------------------- */

bool config_rule_matches_category(const struct config_rule *r, const char *category)
{
	char cat[128];
	size_t n;

	if (!category)
		return false;
	if (!strncmp(category, "XNFT-", 5))
		category += 5;
	n = strcspn(category, ": ");
	if (n >= sizeof(cat))
		return false;
	memcpy(cat, category, n);
	cat[n] = '\0';
	for (size_t i = 0; i < r->ncategories; i++) {
		const char *pat = r->categories[i];

		if (!strncmp(pat, "XNFT-", 5))
			pat += 5;
		if (!fnmatch(pat, cat, 0))
			return true;
	}
	return false;
}

bool config_rule_matches_port(const struct config_rule *r, uint8_t proto, uint16_t dport)
{
	bool ok = !r->nprotocols;

	for (size_t i = 0; i < r->nprotocols; i++)
		ok = ok || r->protocols[i] == proto;
	if (!ok)
		return false;
	if (!r->nports)
		return true;
	for (size_t i = 0; i < r->nports; i++) {
		if (dport >= r->ports[i].lo && dport <= r->ports[i].hi)
			return true;
	}
	return false;
}

/* ---- [ban.NAME] ----------------------------------------------------------- */

static struct config_rule *rule_find(struct xnft_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nrules; i++) {
		if (!strcmp(cfg->rules[i].name, name))
			return &cfg->rules[i];
	}
	return NULL;
}

static int rule_new(struct parse_ctx *c, const char *name)
{
	struct xnft_config *cfg = c->cfg;
	struct config_rule *nr, *old;

	if ((old = rule_find(cfg, name)))
		return fail(c, "[ban.%s] is defined twice (first at line %d)", name, old->line);
	if (copy_name((char[CONFIG_NAME_MAX]){ 0 }, CONFIG_NAME_MAX, name) < 0) {
		fail(c, "[ban.%s]: a rule name is 1-%d letters, digits, '_', '-' or '.'", name,
		     CONFIG_NAME_MAX - 1);
		return 0;
	}
	nr = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*nr));
	if (!nr)
		return fail(c, "out of memory");
	cfg->rules = nr;
	nr = &cfg->rules[cfg->nrules++];
	memset(nr, 0, sizeof(*nr));
	snprintf(nr->name, sizeof(nr->name), "%s", name);
	nr->line = c->line;
	nr->enabled = true;
	return 1;
}

static int add_category(struct parse_ctx *c, const char *key, const char *item, void *arg)
{
	struct config_rule *r = arg;

	if (strlen(item) >= 64 || strpbrk(item, " \t:\"'"))
		return fail(c, "[%s] %s: '%s' is not a log category (like TCPFL-NULL, DROP, TCPFL-*)",
			    c->section, key, item);
	if (push_str(&r->categories, &r->ncategories, item) < 0)
		return fail(c, "out of memory");
	return 1;
}

static int add_port(struct parse_ctx *c, const char *key, const char *item, void *arg)
{
	struct config_rule *r = arg;
	struct config_ports p, *np;
	unsigned long long lo, hi;
	char buf[32];
	const char *dash;

	if (!strcasecmp(item, "any")) {
		free(r->ports);
		r->ports = NULL;
		r->nports = 0;
		return 1;
	}
	if (strlen(item) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", item);
	dash = strchr(item, '-');
	if (dash) {
		buf[dash - item] = '\0';
		if (parse_uint(trim(buf), 65535, &lo) < 0 || parse_uint(trim(buf + (dash - item) + 1),
									65535, &hi) < 0 || lo > hi)
			goto bad;
	} else if (parse_uint(buf, 65535, &lo) < 0) {
		struct servent *se = getservbyname(buf, NULL);

		if (!se)
			goto bad;
		lo = hi = ntohs((uint16_t)se->s_port);
	} else {
		hi = lo;
	}
	p.lo = (uint16_t)lo;
	p.hi = (uint16_t)hi;
	np = realloc(r->ports, (r->nports + 1) * sizeof(*np));
	if (!np)
		return fail(c, "out of memory");
	r->ports = np;
	r->ports[r->nports++] = p;
	return 1;
bad:
	fail(c, "[%s] %s: '%s' is not a port, a range LO-HI or 'any'", c->section, key, item);
	return fail_hint(c, "write e.g. ports = 22, 3306, 8000-8999 (or any)");
}

static int add_proto(struct parse_ctx *c, const char *key, const char *item, void *arg)
{
	static const struct { const char *name; uint8_t num; } protos[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 }, { "sctp", 132 },
		{ "udplite", 136 }, { "dccp", 33 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 },
	};
	struct config_rule *r = arg;
	uint8_t *np;
	int num = -1;

	if (!strcasecmp(item, "any")) {
		free(r->protocols);
		r->protocols = NULL;
		r->nprotocols = 0;
		return 1;
	}
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcasecmp(item, protos[i].name))
			num = protos[i].num;
	}
	if (num < 0)
		return fail(c, "[%s] %s: unknown protocol '%s' (tcp, udp, icmp, icmpv6, sctp, "
			    "udplite, dccp, gre, esp, ah or any)", c->section, key, item);
	np = realloc(r->protocols, r->nprotocols + 1);
	if (!np)
		return fail(c, "out of memory");
	r->protocols = np;
	r->protocols[r->nprotocols++] = (uint8_t)num;
	return 1;
}

static int duration_key(struct parse_ctx *c, const char *key, const char *v, uint64_t *out,
			uint64_t min, uint64_t max)
{
	struct xerr e;
	char a[32], b[32];

	if (duration_parse(v, out, &e) < 0) {
		fail(c, "[%s] %s: %s", c->section, key, e.msg);
		return fail_hint(c, e.hint[0] ? e.hint : "write e.g. 60s, 10m, 1h");
	}
	if (*out < min || *out > max) {
		duration_format(min, a, sizeof(a));
		duration_format(max, b, sizeof(b));
		return fail(c, "[%s] %s: %s is out of range (%s to %s)", c->section, key, v, a, b);
	}
	return 1;
}

static int rule_key(struct parse_ctx *c, struct config_rule *r, const char *key, const char *v)
{
	unsigned long long n;

	if (!strcmp(key, "categories") || !strcmp(key, "category"))
		return for_each_item(c, key, v, add_category, r);
	if (!strcmp(key, "ports") || !strcmp(key, "port"))
		return for_each_item(c, key, v, add_port, r);
	if (!strcmp(key, "protocols") || !strcmp(key, "protocol"))
		return for_each_item(c, key, v, add_proto, r);
	if (!strcmp(key, "threshold")) {
		if (parse_uint(v, CONFIG_THRESHOLD_MAX, &n) < 0 || !n)
			return fail(c, "[%s] threshold: '%s' is not a number of events from 1 to %u",
				    c->section, v, CONFIG_THRESHOLD_MAX);
		r->threshold = (unsigned)n;
		return 1;
	}
	if (!strcmp(key, "window"))
		return duration_key(c, key, v, &r->window_ms, 1, 30ull * 86400000);
	if (!strcmp(key, "bantime"))
		return duration_key(c, key, v, &r->bantime_ms, 1000, CONFIG_BANTIME_MAX_MS);
	if (!strcmp(key, "enabled")) {
		if (parse_bool(v, &r->enabled) < 0)
			return fail(c, "[%s] enabled: '%s' is not yes or no", c->section, v);
		return 1;
	}
	fail(c, "[%s]: unknown key '%s'", c->section, key);
	return fail_hint(c, "a [ban.NAME] rule knows categories, ports, protocols, threshold, "
			 "window, bantime and enabled");
}

/* ---- [daemon] ------------------------------------------------------------- */

static int add_source(struct parse_ctx *c, const char *key, const char *item, void *arg)
{
	struct xnft_config *cfg = arg;
	unsigned long long g;
	bool ok = false;

	(void)key;
	if (!strcmp(item, "journal") || !strcmp(item, "journald") || !strcmp(item, "kmsg") ||
	    !strcmp(item, "stdin") || !strcmp(item, "-"))
		ok = true;
	else if (!strncmp(item, "nflog:", 6))
		ok = !parse_uint(item + 6, 65535, &g);
	else if (!strncmp(item, "file:", 5))
		ok = item[5] == '/' && strlen(item) < CONFIG_PATH_MAX;
	else if (!strncmp(item, "journal-file:", 13))
		ok = item[13] == '/' && strlen(item) < CONFIG_PATH_MAX;
	if (!ok) {
		fail(c, "[daemon] sources: '%s' is not an event source", item);
		return fail_hint(c, "sources are nflog:GROUP, journal, journal-file:/PATH, kmsg, "
				 "file:/PATH and stdin, separated by commas");
	}
	for (size_t i = 0; i < cfg->nsources; i++) {
		if (!strcmp(cfg->sources[i], item))
			return fail(c, "[daemon] sources: '%s' is listed twice", item);
	}
	if (push_str(&cfg->sources, &cfg->nsources, item) < 0)
		return fail(c, "out of memory");
	return 1;
}

static int daemon_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xnft_config *cfg = c->cfg;
	unsigned long long n;

	if (!strcmp(key, "sources")) {
		/* The first "sources" replaces the default; later lines add to it. */
		if (!c->sources_set) {
			for (size_t i = 0; i < cfg->nsources; i++)
				free(cfg->sources[i]);
			cfg->nsources = 0;
			c->sources_set = true;
		}
		return for_each_item(c, key, v, add_source, cfg);
	}
	if (!strcmp(key, "policy")) {
		if (strcmp(v, "live") && copy_path(cfg->policy, sizeof(cfg->policy), v) < 0)
			return fail(c, "[daemon] policy: '%s' is neither an absolute path nor 'live'", v);
		if (!strcmp(v, "live"))
			snprintf(cfg->policy, sizeof(cfg->policy), "live");
		return 1;
	}
	if (!strcmp(key, "table")) {
		char fam[16], name[CONFIG_NAME_MAX + 1];

		if (sscanf(v, "%15s %64s", fam, name) != 2 ||
		    (strcmp(fam, "inet") && strcmp(fam, "ip") && strcmp(fam, "ip6")) ||
		    copy_name(cfg->table, sizeof(cfg->table), name) < 0)
			return fail(c, "[daemon] table: '%s' is not 'FAMILY NAME' (like 'inet xnft')", v);
		snprintf(cfg->table_family, sizeof(cfg->table_family), "%s", fam);
		return 1;
	}
	if (!strcmp(key, "set4") || !strcmp(key, "set6") || !strcmp(key, "nets4") ||
	    !strcmp(key, "nets6")) {
		char *dst = key[0] == 's' ? (key[3] == '4' ? cfg->set4 : cfg->set6) :
			    (key[4] == '4' ? cfg->nets4 : cfg->nets6);

		if (copy_name(dst, CONFIG_NAME_MAX, v) < 0)
			return fail(c, "[daemon] %s: '%s' is not a set name", key, v);
		return 1;
	}
	if (!strcmp(key, "socket") || !strcmp(key, "database")) {
		char *dst = key[0] == 's' ? cfg->socket_path : cfg->db_path;

		if (copy_path(dst, CONFIG_PATH_MAX, v) < 0)
			return fail(c, "[daemon] %s: '%s' is not an absolute path", key, v);
		return 1;
	}
	if (!strcmp(key, "max_offenders")) {
		if (parse_uint(v, CONFIG_OFFENDERS_MAX, &n) < 0 || n < 16)
			return fail(c, "[daemon] max_offenders: '%s' is not a number from 16 to %u",
				    v, CONFIG_OFFENDERS_MAX);
		cfg->max_offenders = (size_t)n;
		return 1;
	}
	if (!strcmp(key, "ipv6_prefix")) {
		if (parse_uint(v, 128, &n) < 0 || n < 16)
			return fail(c, "[daemon] ipv6_prefix: '%s' is not a prefix length from 16 to 128",
				    v);
		cfg->ipv6_prefix = (unsigned)n;
		return 1;
	}
	if (!strcmp(key, "batch"))
		return duration_key(c, key, v, &cfg->batch_ms, 0, 1000);
	fail(c, "[daemon]: unknown key '%s'", key);
	return fail_hint(c, "[daemon] knows sources, policy, table, set4, set6, nets4, nets6, "
			 "socket, database, max_offenders, ipv6_prefix and batch");
}

/* ---- [mesh]: the daemon's peer sync ------------------------------------------ */

static int mesh_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xerr e;

	if (!strcmp(key, "sync_interface")) {
		if (ifname_validate(v, &e) < 0 || strchr(v, '*')) {
			fail(c, "[mesh] sync_interface: '%s' is not an interface name", v);
			return fail_hint(c, "the WireGuard interface, e.g. sync_interface = wg0");
		}
		snprintf(c->cfg->mesh_iface, sizeof(c->cfg->mesh_iface), "%s", v);
		return 1;
	}
	if (!strcmp(key, "sync_interval"))
		return duration_key(c, key, v, &c->cfg->mesh_sync_ms, 1000, 86400000);
	fail(c, "[mesh]: unknown key '%s'", key);
	return fail_hint(c, "[mesh] knows sync_interface and sync_interval");
}

/* ---- [escalation], [whitelist], [notify] ------------------------------------ */

static int escalation_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xnft_config *cfg = c->cfg;

	if (!strcmp(key, "enabled")) {
		if (parse_bool(v, &cfg->esc_enabled) < 0)
			return fail(c, "[escalation] enabled: '%s' is not yes or no", v);
		return 1;
	}
	if (!strcmp(key, "factor")) {
		char *end;
		double f;

		errno = 0;
		f = strtod(v, &end);
		if (errno || *end || !isdigit((unsigned char)v[0]) || !isfinite(f) || f < 1.0 ||
		    f > 100.0)
			return fail(c, "[escalation] factor: '%s' is not a number from 1 to 100", v);
		cfg->esc_factor = f;
		return 1;
	}
	if (!strcmp(key, "max"))
		return duration_key(c, key, v, &cfg->esc_max_ms, 1000, CONFIG_BANTIME_MAX_MS);
	if (!strcmp(key, "forget"))
		return duration_key(c, key, v, &cfg->esc_forget_ms, 1000, CONFIG_BANTIME_MAX_MS);
	fail(c, "[escalation]: unknown key '%s'", key);
	return fail_hint(c, "[escalation] knows enabled, factor, max and forget");
}

static int add_whitelist(struct parse_ctx *c, const char *key, const char *item, void *arg)
{
	struct xnft_config *cfg = arg;
	struct prefix p, *np;
	struct xerr e;

	if (prefix_parse(&p, item, &e) < 0) {
		fail(c, "[whitelist] %s: %s", key, e.msg);
		return fail_hint(c, e.hint[0] ? e.hint : "write an address or CIDR, like 192.0.2.7 "
				 "or 2001:db8::/48");
	}
	np = realloc(cfg->whitelist, (cfg->nwhitelist + 1) * sizeof(*np));
	if (!np)
		return fail(c, "out of memory");
	cfg->whitelist = np;
	cfg->whitelist[cfg->nwhitelist++] = p;
	return 1;
}

static int whitelist_key(struct parse_ctx *c, const char *key, const char *v)
{
	if (!strcmp(key, "addresses") || !strcmp(key, "address"))
		return for_each_item(c, key, v, add_whitelist, c->cfg);
	fail(c, "[whitelist]: unknown key '%s'", key);
	return fail_hint(c, "[whitelist] knows addresses (repeat the key or separate with commas)");
}

static int notify_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xnft_config *cfg = c->cfg;
	struct config_notify *nn;
	unsigned long long n;

	if (!strcmp(key, "timeout"))
		return duration_key(c, key, v, &cfg->notify_timeout_ms, 100, 300000);
	if (!strcmp(key, "queue")) {
		if (parse_uint(v, 100000, &n) < 0 || !n)
			return fail(c, "[notify] queue: '%s' is not a number from 1 to 100000", v);
		cfg->notify_queue = (size_t)n;
		return 1;
	}
	if (!strcmp(key, "email_from") || !strcmp(key, "email_to")) {
		char *dst = key[6] == 'f' ? cfg->notify_email_from : cfg->notify_email_to;
		size_t n = key[6] == 'f' ? sizeof(cfg->notify_email_from) : sizeof(cfg->notify_email_to);

		if (strlen(v) >= n || !strchr(v, '@') || strpbrk(v, key[6] == 'f' ? " \t\"'<>,"
								 : "\t\"'<>"))
			return fail(c, "[notify] %s: '%s' is not an address like admin@example.org%s",
				    key, v, key[6] == 't' ? " (several: separate with commas)" : "");
		snprintf(dst, n, "%s", v);
		return 1;
	}
	if (!strcmp(key, "email_secret_file") || !strcmp(key, "ca_file")) {
		char *dst = key[0] == 'e' ? cfg->notify_email_secret : cfg->notify_ca_file;

		if (copy_path(dst, CONFIG_PATH_MAX, v) < 0)
			return fail(c, "[notify] %s: '%s' is not an absolute path", key, v);
		return 1;
	}
	if (!strcmp(key, "email")) {
		if ((strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8)) ||
		    strlen(v) >= CONFIG_PATH_MAX || strpbrk(v, " \t\"'"))
			return fail(c, "[notify] email: '%s' is not an smtp:// or smtps:// URL", v);
	} else if (strcmp(key, "ntfy") && strcmp(key, "slack") && strcmp(key, "discord")) {
		fail(c, "[notify]: unknown key '%s'", key);
		return fail_hint(c, "[notify] knows ntfy, slack, discord (webhook URLs), email (an "
				 "smtp:// URL), email_from, email_to, email_secret_file, ca_file, timeout and queue");
	} else if ((strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) ||
		   strlen(v) >= CONFIG_PATH_MAX || strpbrk(v, " \t\"'")) {
		return fail(c, "[notify] %s: '%s' is not an http:// or https:// URL", key, v);
	}
	nn = realloc(cfg->notify, (cfg->nnotify + 1) * sizeof(*nn));
	if (!nn)
		return fail(c, "out of memory");
	cfg->notify = nn;
	nn = &cfg->notify[cfg->nnotify++];
	snprintf(nn->kind, sizeof(nn->kind), "%s", key);
	snprintf(nn->url, sizeof(nn->url), "%s", v);
	return 1;
}

static int metrics_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xnft_config *cfg = c->cfg;
	bool *flag = !strcmp(key, "enabled") ? &cfg->metrics_enabled
		   : !strcmp(key, "force") ? &cfg->metrics_force
		   : !strcmp(key, "rules") ? &cfg->metrics_rules
		   : !strcmp(key, "analysis") ? &cfg->metrics_analysis : NULL;

	if (flag) {
		if (parse_bool(v, flag) < 0)
			return fail(c, "[metrics] %s: '%s' is not yes or no", key, v);
		return 1;
	}
	if (!strcmp(key, "listen") || !strcmp(key, "mesh_if")) {
		char *dst = key[0] == 'l' ? cfg->metrics_listen : cfg->metrics_mesh_if;
		size_t n = key[0] == 'l' ? sizeof(cfg->metrics_listen) : sizeof(cfg->metrics_mesh_if);

		if (strlen(v) >= n || strpbrk(v, " \t\"'/"))
			return fail(c, "[metrics] %s: '%s' is not an %s", key, v,
				    key[0] == 'l' ? "address:port or mesh[:port]" : "interface name");
		snprintf(dst, n, "%s", v);
		cfg->metrics_enabled = cfg->metrics_enabled || key[0] == 'l';
		return 1;
	}
	fail(c, "[metrics]: unknown key '%s'", key);
	return fail_hint(c, "[metrics] knows enabled, listen, mesh_if, force, rules and analysis");
}

/* ---- [crowdsec] ------------------------------------------------------------- */

static int crowdsec_path(struct parse_ctx *c, const char *key, const char *v, char *dst)
{
	if (copy_path(dst, CONFIG_PATH_MAX, v) < 0)
		return fail(c, "[crowdsec] %s: '%s' is not an absolute path", key, v);
	return 1;
}

static int crowdsec_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xnft_config *cfg = c->cfg;
	unsigned long long n;

	if (!strcmp(key, "url")) {
		if ((strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) ||
		    strlen(v) >= CONFIG_PATH_MAX - 64 || strpbrk(v, " \t\"'?#"))
			return fail(c, "[crowdsec] url: '%s' is not an http:// or https:// URL", v);
		snprintf(cfg->cs_url, sizeof(cfg->cs_url), "%s", v);
		c->cs_url_line = c->line;
		/* the API paths are appended: one trailing slash would double */
		if (cfg->cs_url[strlen(cfg->cs_url) - 1] == '/')
			cfg->cs_url[strlen(cfg->cs_url) - 1] = '\0';
		return 1;
	}
	if (!strcmp(key, "api_key_file"))
		return crowdsec_path(c, key, v, cfg->cs_key_file);
	if (!strcmp(key, "ca_cert"))
		return crowdsec_path(c, key, v, cfg->cs_ca_file);
	if (!strcmp(key, "machine_credentials"))
		return crowdsec_path(c, key, v, cfg->cs_machine_file);
	if (!strcmp(key, "cert"))
		return crowdsec_path(c, key, v, cfg->cs_cert_file);
	if (!strcmp(key, "key"))
		return crowdsec_path(c, key, v, cfg->cs_certkey_file);
	if (!strcmp(key, "poll"))
		return duration_key(c, key, v, &cfg->cs_poll_ms, 100, 3600000);
	if (!strcmp(key, "timeout"))
		return duration_key(c, key, v, &cfg->cs_timeout_ms, 100, 300000);
	if (!strcmp(key, "full_timeout"))
		return duration_key(c, key, v, &cfg->cs_full_timeout_ms, 100, 3600000);
	if (!strcmp(key, "max_response_mb")) {
		if (parse_uint(v, 4096, &n) < 0 || !n)
			return fail(c, "[crowdsec] max_response_mb: '%s' is not a number from 1 to "
				    "4096", v);
		cfg->cs_max_bytes = (size_t)n << 20;
		return 1;
	}
	fail(c, "[crowdsec]: unknown key '%s'", key);
	return fail_hint(c, "[crowdsec] knows url, api_key_file, machine_credentials, ca_cert, "
			 "cert, key, poll, timeout, full_timeout and max_response_mb");
}

/* ---- [monitor] -------------------------------------------------------------- */

static const char *const monitor_url_keys[MONITOR_SRC_COUNT] = {
	[MONITOR_SRC_KERNEL] = "kernel_url", [MONITOR_SRC_NFTABLES] = "nftables_url",
	[MONITOR_SRC_NVD] = "nvd_url", [MONITOR_SRC_LIST] = "list_url", [MONITOR_SRC_GIT] = "git_url",
};

/* A source's URL: https only (the monitor refuses anything else), or "off". */
static int monitor_url(struct parse_ctx *c, const char *key, const char *v, char *dst)
{
	if (!strcmp(v, "off")) {
		dst[0] = '\0';
		return 1;
	}
	if (strncmp(v, "https://", 8) || strlen(v) >= CONFIG_PATH_MAX - 256 || strpbrk(v, " \t\"'#"))
		return fail(c, "[monitor] %s: '%s' is not an https:// URL (or off)", key, v);
	snprintf(dst, CONFIG_PATH_MAX, "%s", v);
	return 1;
}

/* A host version override: digits, dots, dashes, letters ("6.1.76", "6.1.0-18-amd64"). */
static int monitor_version(struct parse_ctx *c, const char *key, const char *v, char *dst)
{
	if (copy_name(dst, 64, v) < 0 || !isdigit((unsigned char)v[0]))
		return fail(c, "[monitor] %s: '%s' is not a version like 6.1.76", key, v);
	return 1;
}

static int monitor_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct xnft_config *cfg = c->cfg;
	unsigned long long n;

	for (int i = 0; i < MONITOR_SRC_COUNT; i++)
		if (!strcmp(key, monitor_url_keys[i]))
			return monitor_url(c, key, v, cfg->mon_url[i]);
	if (!strcmp(key, "nvd_keywords")) {
		/* the words go into the query string as they are: nothing that needs escaping */
		if (strlen(v) >= sizeof(cfg->mon_nvd_keywords) ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-., ") !=
		    strlen(v))
			return fail(c, "[monitor] nvd_keywords: '%s' is not a comma-separated list of "
				    "words (letters, digits, '_', '-', '.')", v);
		snprintf(cfg->mon_nvd_keywords, sizeof(cfg->mon_nvd_keywords), "%s", v);
		return 1;
	}
	if (!strcmp(key, "nvd_api_key_file") || !strcmp(key, "ca_file") || !strcmp(key, "database")) {
		char *dst = key[0] == 'n' ? cfg->mon_nvd_key_file : key[0] == 'c' ? cfg->mon_ca_file
			    : cfg->mon_db_path;

		if (copy_path(dst, CONFIG_PATH_MAX, v) < 0)
			return fail(c, "[monitor] %s: '%s' is not an absolute path", key, v);
		return 1;
	}
	if (!strcmp(key, "timeout"))
		return duration_key(c, key, v, &cfg->mon_timeout_ms, 100, 600000);
	if (!strcmp(key, "connect_timeout"))
		return duration_key(c, key, v, &cfg->mon_connect_timeout_ms, 100, 300000);
	if (!strcmp(key, "since"))
		return duration_key(c, key, v, &cfg->mon_since_ms, 60000, 120ull * 86400000);
	if (!strcmp(key, "max_response_kb")) {
		if (parse_uint(v, 1048576, &n) < 0 || !n)
			return fail(c, "[monitor] max_response_kb: '%s' is not a number from 1 to "
				    "1048576", v);
		cfg->mon_max_bytes = (size_t)n << 10;
		return 1;
	}
	if (!strcmp(key, "kernel_version"))
		return monitor_version(c, key, v, cfg->mon_kernel_version);
	if (!strcmp(key, "nft_version"))
		return monitor_version(c, key, v, cfg->mon_nft_version);
	fail(c, "[monitor]: unknown key '%s'", key);
	return fail_hint(c, "[monitor] knows kernel_url, nftables_url, nvd_url, list_url, git_url, "
			 "nvd_keywords, nvd_api_key_file, ca_file, database, timeout, "
			 "connect_timeout, max_response_kb, since, kernel_version and nft_version");
}

/* ---- inih glue -------------------------------------------------------------- */

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	char v[LINE_MAX_LEN];

	if (c->failed)
		return 1;   /* keep the first error only */
	snprintf(c->section, sizeof(c->section), "%s", section);
	snprintf(v, sizeof(v), "%s", value ? value : "");
	strip_comment(v);
	if (!value)
		return fail(c, "[%s] %s: expected 'key = value'", section, name);
	if (!v[0])
		return fail(c, "[%s] %s: empty value", section, name);
	if (!section[0])
		return fail(c, "key '%s' outside any section", name);
	if (!strcmp(section, "daemon"))
		return daemon_key(c, name, v);
	if (!strcmp(section, "escalation"))
		return escalation_key(c, name, v);
	if (!strcmp(section, "whitelist"))
		return whitelist_key(c, name, v);
	if (!strcmp(section, "notify"))
		return notify_key(c, name, v);
	if (!strcmp(section, "mesh"))
		return mesh_key(c, name, v);
	if (!strcmp(section, "metrics"))
		return metrics_key(c, name, v);
	if (!strcmp(section, "crowdsec"))
		return crowdsec_key(c, name, v);
	if (!strcmp(section, "monitor"))
		return monitor_key(c, name, v);
	if (!strncmp(section, "ban.", 4)) {
		struct config_rule *r = rule_find(c->cfg, section + 4);

		if (!r)
			return 1;   /* its header failed; already reported */
		return rule_key(c, r, name, v);
	}
	fail(c, "unknown section [%s]", section);
	return fail_hint(c, "sections are [daemon], [escalation], [whitelist], [notify], [mesh], "
			 "[metrics], [crowdsec], [monitor] and [ban.NAME]");
}

/* A section header as inih will see it: remember [ban.NAME] with its line. */
static void see_header(struct parse_ctx *c, const char *line)
{
	const char *s = line, *end;
	char name[CONFIG_NAME_MAX + 16];

	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[')
		return;
	if (!(end = strchr(s, ']'))) {
		fail(c, "syntax error: '[' without ']'");
		return;
	}
	if ((size_t)(end - s - 1) >= sizeof(name)) {
		fail(c, "section name too long");
		return;
	}
	memcpy(name, s + 1, (size_t)(end - s - 1));
	name[end - s - 1] = '\0';
	snprintf(c->section, sizeof(c->section), "%s", name);
	if (!strncmp(name, "ban.", 4))
		rule_new(c, name + 4);
	else if (strcmp(name, "daemon") && strcmp(name, "escalation") && strcmp(name, "whitelist") &&
		 strcmp(name, "notify") && strcmp(name, "mesh") && strcmp(name, "metrics") &&
		 strcmp(name, "crowdsec") && strcmp(name, "monitor")) {
		fail(c, "unknown section [%s]", name);
		fail_hint(c, "sections are [daemon], [escalation], [whitelist], [notify], [mesh], "
			  "[metrics], [crowdsec], [monitor] and [ban.NAME]");
	}
}

/* inih's reader hands each line here first (core/initext.h). */
static void line_seen(void *ctx, int line, const char *text, int max)
{
	struct parse_ctx *c = ctx;

	c->line = line;
	if (!text)
		fail(c, "line longer than %d characters", max - 2);
	else if (!c->failed)
		see_header(c, text);
}

static int check_rule(struct parse_ctx *c, const struct config_rule *r)
{
	const char *missing = !r->ncategories ? "categories" : !r->threshold ? "threshold" :
			      !r->window_ms ? "window" : !r->bantime_ms ? "bantime" : NULL;

	if (!missing)
		return 1;
	c->line = r->line;
	fail(c, "[ban.%s]: missing key '%s'", r->name, missing);
	return fail_hint(c, "a rule needs categories, threshold, window and bantime, e.g.\n"
			 "  categories = TCPFL-*\n  threshold = 10\n  window = 60s\n  bantime = 1h");
}

struct xnft_config *config_defaults(struct xerr *e)
{
	struct xnft_config *c = calloc(1, sizeof(*c));

	if (!c) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		return NULL;
	}
	snprintf(c->policy, sizeof(c->policy), "live");
	snprintf(c->table_family, sizeof(c->table_family), "inet");
	snprintf(c->table, sizeof(c->table), "xnft");
	snprintf(c->set4, sizeof(c->set4), "BANNED4");
	snprintf(c->set6, sizeof(c->set6), "BANNED6");
	snprintf(c->nets4, sizeof(c->nets4), "BANNED_NETS4");
	snprintf(c->nets6, sizeof(c->nets6), "BANNED_NETS6");
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", XNFT_DEFAULT_SOCKET);
	snprintf(c->db_path, sizeof(c->db_path), "%s", XNFT_DEFAULT_DATABASE);
	c->max_offenders = 100000;
	c->ipv6_prefix = 64;
	c->batch_ms = 2;
	c->esc_enabled = true;
	c->esc_factor = 2.0;
	c->esc_max_ms = 7ull * 86400000;
	c->esc_forget_ms = 30ull * 86400000;
	c->notify_timeout_ms = 5000;
	snprintf(c->metrics_listen, sizeof(c->metrics_listen), "mesh");
	snprintf(c->metrics_mesh_if, sizeof(c->metrics_mesh_if), "wg0");
	c->metrics_rules = true;
	c->metrics_analysis = true;
	c->notify_queue = 256;
	c->mesh_sync_ms = 30000;
	c->cs_poll_ms = 10000;
	c->cs_timeout_ms = 10000;
	/* the LAPI 1.4.6 needs ~7 s for 100,000 decisions when idle, several times that when busy */
	c->cs_full_timeout_ms = 120000;
	c->cs_max_bytes = 64u << 20;
	snprintf(c->mon_url[MONITOR_SRC_KERNEL], CONFIG_PATH_MAX, "https://www.kernel.org/releases.json");
	snprintf(c->mon_url[MONITOR_SRC_NFTABLES], CONFIG_PATH_MAX,
		 "https://www.netfilter.org/projects/nftables/downloads.html");
	snprintf(c->mon_url[MONITOR_SRC_NVD], CONFIG_PATH_MAX,
		 "https://services.nvd.nist.gov/rest/json/cves/2.0");
	snprintf(c->mon_url[MONITOR_SRC_LIST], CONFIG_PATH_MAX,
		 "https://lore.kernel.org/netfilter-devel/new.atom");
	snprintf(c->mon_url[MONITOR_SRC_GIT], CONFIG_PATH_MAX,
		 "https://git.kernel.org/pub/scm/linux/kernel/git/netfilter/nf.git/atom/");
	snprintf(c->mon_nvd_keywords, sizeof(c->mon_nvd_keywords), "netfilter,nftables");
	snprintf(c->mon_db_path, sizeof(c->mon_db_path), "%s", XNFT_DEFAULT_MONITOR_DB);
	c->mon_timeout_ms = 60000;
	c->mon_connect_timeout_ms = 10000;
	c->mon_max_bytes = 16u << 20;
	c->mon_since_ms = 7ull * 86400000;
	return c;
}

int config_parse(const char *name, const char *text, struct xnft_config **out, struct xerr *e)
{
	struct parse_ctx c = { .name = name ? name : "<config>" };
	int rc;

	c.in = (struct ini_text){ .text = text ? text : "", .seen = line_seen, .ctx = &c };

	*out = NULL;
	if (!(c.cfg = config_defaults(e)))
		return -1;
	snprintf(c.cfg->path, sizeof(c.cfg->path), "%s", name ? name : "");
	rc = ini_parse_stream(ini_text_reader, &c.in, handler, &c);
	if (!c.failed && rc > 0) {
		/* inih's own syntax errors: no '=' or an unclosed '['. */
		c.line = rc;
		fail(&c, "syntax error: expected '[section]' or 'key = value'");
	}
	for (size_t i = 0; !c.failed && i < c.cfg->nrules; i++)
		check_rule(&c, &c.cfg->rules[i]);
	if (!c.failed && c.cfg->cs_url[0] && !c.cfg->cs_key_file[0]) {
		c.line = c.cs_url_line;
		fail(&c, "[crowdsec] url is set but api_key_file is not");
		fail_hint(&c, "create a bouncer key with 'cscli bouncers add xnft-HOST', write it to "
			  "a file of mode 0600 and name it in api_key_file");
	}
	if (!c.failed && !c.cfg->cs_cert_file[0] != !c.cfg->cs_certkey_file[0]) {
		c.line = c.cs_url_line;
		fail(&c, "[crowdsec] cert and key go together: give both or neither");
	}
	if (!c.failed && c.cfg->esc_max_ms) {
		for (size_t i = 0; i < c.cfg->nrules; i++) {
			if (c.cfg->rules[i].bantime_ms > c.cfg->esc_max_ms)
				c.cfg->esc_max_ms = c.cfg->rules[i].bantime_ms;
		}
	}
	if (c.failed) {
		*e = c.err;
		config_free(c.cfg);
		return -1;
	}
	*out = c.cfg;
	return 0;
}

int config_load(const char *path, struct xnft_config **out, struct xerr *e)
{
	FILE *f;
	char *text;
	long size;
	size_t got;
	int rc;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		xerr_set(e, XNFT_EXIT_USAGE, "cannot read config %s: %s", path, strerror(errno));
		return xerr_hint(e, "start from the example: cp /usr/share/doc/xnft/xnft.conf.example "
				 "%s (or pass --config FILE)", path);
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    size > 4 * 1024 * 1024) {
		fclose(f);
		return xerr_set(e, XNFT_EXIT_USAGE, "config %s is not a regular file of at most 4 MiB",
				path);
	}
	text = malloc((size_t)size + 1);
	if (!text) {
		fclose(f);
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory reading %s", path);
	}
	got = fread(text, 1, (size_t)size, f);
	fclose(f);
	text[got] = '\0';
	rc = config_parse(path, text, out, e);
	free(text);
	return rc;
}

int config_socket_of(const char *config, char *buf, size_t size, struct xerr *e)
{
	struct xnft_config *cfg;

	if (config_load(config ? config : XNFT_DEFAULT_CONFIG, &cfg, e) < 0) {
		if (config || e->code != XNFT_EXIT_USAGE)
			return -1;
		snprintf(buf, size, "%s", XNFT_DEFAULT_SOCKET);
		return 0;
	}
	snprintf(buf, size, "%s", cfg->socket_path);
	config_free(cfg);
	return 0;
}

void config_free(struct xnft_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsources; i++)
		free(c->sources[i]);
	free(c->sources);
	for (size_t i = 0; i < c->nrules; i++) {
		struct config_rule *r = &c->rules[i];

		for (size_t j = 0; j < r->ncategories; j++)
			free(r->categories[j]);
		free(r->categories);
		free(r->ports);
		free(r->protocols);
	}
	free(c->rules);
	free(c->whitelist);
	free(c->notify);
	free(c);
}
