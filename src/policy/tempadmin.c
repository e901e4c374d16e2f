// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Temporary break-glass entries: added live with a timeout, listed with the
 * time they have left, expired by the kernel. The element is added through
 * libnftables in one transaction, as xnft sync-peers adds mesh peers.
 */
#include "policy/tempadmin.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/duration.h"
#include "core/addr.h"
#include "core/nftctx.h"
#include "core/paths.h"
#include "core/setelems.h"

static const char *const admin_sets[] = { "ADMIN_ALLOWLIST", "ADMIN_ALLOWLIST6" };

int tempadmin_parse_for(const char *text, unsigned *secs, struct xerr *e)
{
	uint64_t ms;

	if (duration_parse(text, &ms, e) < 0)
		return xerr_wrap(e, "--for");
	if (ms < 1000 || ms % 1000) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--for %s: the kernel counts set timeouts in whole "
			 "seconds here, at least 1s", text);
		return xerr_hint(e, "give whole seconds or more, like 90s, 30m or 2h");
	}
	if (ms / 1000 > TEMPADMIN_MAX_SECS) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "--for %s: a temporary entry lasts at most 30 days",
			 text);
		return xerr_hint(e, "an address kept longer belongs in the files: xnft admin add CIDR "
				 "(without --for)");
	}
	*secs = (unsigned)(ms / 1000);
	return 0;
}

/* Is table inet xnft's set name loaded, and does it take timeouts? */
static int check_loaded_set(const char *name, struct xerr *e)
{
	struct setelem_dump d;
	const char *names[] = { name };
	int rc = setelem_read_named("inet", XNFT_TABLE_NAME, names, 1, &d, e);

	if (rc < 0)
		return xerr_wrap(e, "reading the loaded %s", name);
	if (rc > 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "the ruleset kept changing while %s was read; "
				"try again", name);
	rc = 0;
	if (d.n == 0) {
		xerr_set(e, XNFT_EXIT_USAGE, "table inet %s with set %s is not loaded in the kernel, "
			 "so there is nowhere to put a temporary entry", XNFT_TABLE_NAME, name);
		rc = xerr_hint(e, "load the policy first: xnft apply --confirm 60");
	} else if (!(d.v[0].flags & NFT_SET_TIMEOUT)) {
		xerr_set(e, XNFT_EXIT_USAGE, "the loaded %s has no timeout flag (a policy from "
			 "before xnft admin add --for)", name);
		rc = xerr_hint(e, "add 'timeout' to its flags in rules/00-tables.nft (the shipped "
			       "policy has 'flags interval, timeout'), xnft apply, then try again");
	}
	setelem_dump_free(&d);
	return rc;
}

/* Is text a temporary entry in the kernel now? */
static bool is_loaded(const struct tempadmin_entry *v, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].cidr, text))
			return true;
	return false;
}

/*
 * One `add element` line per prefix, into a malloc'd batch; checks each set
 * once. `add` leaves an element that is there already as it is, so a
 * temporary entry given again is deleted first, in the same transaction:
 * its time starts again.
 */
static char *build_batch(char *const *cidrs, size_t n, unsigned secs,
			 const struct tempadmin_entry *loaded, size_t nloaded, struct xerr *e)
{
	bool checked[2] = { false, false };
	char *cmd = NULL, text[PREFIX_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&cmd, &len);
	struct prefix p;
	int rc = 0;

	if (!f)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory"), NULL;
	for (size_t i = 0; i < n && !rc; i++) {
		int six;

		rc = prefix_parse(&p, cidrs[i], e);
		if (rc < 0)
			break;
		six = p.family == AF_INET6;
		if (!checked[six] && (rc = check_loaded_set(admin_sets[six], e)) < 0)
			break;
		checked[six] = true;
		prefix_format(&p, text, sizeof(text));
		if (is_loaded(loaded, nloaded, text))
			fprintf(f, "delete element inet %s %s { %s }\n", XNFT_TABLE_NAME,
				admin_sets[six], text);
		fprintf(f, "add element inet %s %s { %s timeout %us }\n", XNFT_TABLE_NAME,
			admin_sets[six], text, secs);
	}
	if (fclose(f) && !rc)
		rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	if (rc < 0) {
		free(cmd);
		return NULL;
	}
	return cmd;
}

int tempadmin_add(char *const *cidrs, size_t n, unsigned secs, struct xerr *e)
{
	struct tempadmin_entry *loaded = NULL;
	size_t nloaded = 0;
	struct nftctx *ctx;
	char *cmd;
	int rc;

	if (tempadmin_list(&loaded, &nloaded, e) < 0)
		return -1;
	cmd = build_batch(cidrs, n, secs, loaded, nloaded, e);
	free(loaded);
	if (!cmd)
		return -1;
	ctx = nftctx_new(0, e);
	rc = ctx ? nftctx_load_buffer(ctx, "admin-add-for", cmd, NULL, e) : -1;
	nftctx_free(ctx);
	free(cmd);
	if (rc < 0)
		return xerr_wrap(e, "the kernel refused the temporary entry (nothing was added; "
				 "one that overlaps an entry already in the set is refused)");
	return 0;
}

/* The prefix whose bounds are lo..hi, as text; "lo-hi" when it is no prefix. */
static void range_text(const struct setelem_set *s, const struct setelem_range *r, char *buf,
		       size_t size)
{
	int family = s->key_len == 16 ? AF_INET6 : AF_INET;
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	struct prefix p = { .family = family };
	unsigned char a[16], b[16];

	memcpy(p.addr, r->lo, s->key_len);
	for (unsigned len = 0; len <= s->key_len * 8; len++) {
		addr_prefix_bounds(r->lo, s->key_len, len, a, b);
		if (!memcmp(a, r->lo, s->key_len) && !memcmp(b, r->hi, s->key_len)) {
			p.len = len;
			prefix_format(&p, buf, size);
			return;
		}
	}
	inet_ntop(family, r->lo, lo, sizeof(lo));
	inet_ntop(family, r->hi, hi, sizeof(hi));
	snprintf(buf, size, "%s-%s", lo, hi);
}

static int take_entries(const struct setelem_set *s, struct tempadmin_entry **v, size_t *n)
{
	for (size_t i = 0; i < s->n; i++) {
		struct tempadmin_entry *nv;

		if (!s->v[i].timeout_ms)
			continue;
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv)
			return -1;
		*v = nv;
		range_text(s, &s->v[i], nv[*n].cidr, sizeof(nv[*n].cidr));
		nv[*n].timeout_ms = s->v[i].timeout_ms;
		nv[*n].expires_ms = s->v[i].expires_ms;
		(*n)++;
	}
	return 0;
}

int tempadmin_list(struct tempadmin_entry **v, size_t *n, struct xerr *e)
{
	struct setelem_dump d;
	int rc = setelem_read_named("inet", XNFT_TABLE_NAME, admin_sets, 2, &d, e);

	*v = NULL;
	*n = 0;
	if (rc < 0)
		return xerr_wrap(e, "reading the loaded ADMIN_ALLOWLIST sets");
	if (rc > 0)
		return xerr_set(e, XNFT_EXIT_USAGE, "the ruleset kept changing while "
				"ADMIN_ALLOWLIST was read; try again");
	for (size_t k = 0; k < 2; k++)   /* IPv4 first, whatever order the dump has */
		for (size_t i = 0; rc == 0 && i < d.n; i++)
			if (!strcmp(d.v[i].name, admin_sets[k]) && take_entries(&d.v[i], v, n) < 0)
				rc = xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	setelem_dump_free(&d);
	if (rc) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}
