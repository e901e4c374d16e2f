// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Putting a known table back: the snapshot, the confirmed policy, the
 * built-in fallback. Each restore file has a note written with it (the
 * fingerprint of the table it loads and a hash of its bytes), so a file
 * that was truncated, emptied or overwritten is refused before it reaches
 * the kernel, and what the kernel holds afterwards is checked against the
 * note. The chain goes on until something known is loaded; it never ends
 * with no table where a table was.
 */
#include "apply/apply_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/state.h"
#include "core/paths.h"
#include "core/strbuf.h"

int restore_note_write(const char *note_name, const char *fingerprint, const char *data,
		       size_t len, struct xerr *e)
{
	char sum[TABLE_HASH_HEX], note[256];
	int n;

	table_bytes_hash(data, len, sum);
	n = snprintf(note, sizeof(note), "fingerprint=%s\nfile=%s\n", fingerprint, sum);
	if (n < 0 || (size_t)n >= sizeof(note))
		return xerr_set(e, XNFT_EXIT_USAGE, "restore note too long");
	return state_write_atomic(note_name, note, (size_t)n, e);
}

/*
 * The file's bytes against its note: 0 with fp the fingerprint to expect
 * ("" = no table); -1 when the file is missing, has no note, or is not the
 * file the note describes (truncated, emptied, replaced). A file without a
 * note is not used: loading an unknown file could remove the table.
 */
static int check_file(const char *name, const char *note_name, char fp[TABLE_HASH_HEX],
		      struct xerr *e)
{
	char *note = NULL, *text = NULL, file[TABLE_HASH_HEX], sum[TABLE_HASH_HEX];
	size_t len = 0;
	int rc;

	fp[0] = '\0';
	rc = state_read(name, &text, &len, e);
	if (rc == 1)
		xerr_set(e, XNFT_EXIT_USAGE, "%s/%s is missing", state_dir(), name);
	if (rc)
		return -1;
	rc = state_read(note_name, &note, NULL, e);
	if (rc == 0 && (kv_get(note, "fingerprint", fp, TABLE_HASH_HEX) ||
			kv_get(note, "file", file, sizeof(file))))
		rc = 1;
	if (rc == 1)
		rc = xerr_set(e, XNFT_EXIT_USAGE, "%s/%s (%zu bytes) has no usable note in %s to "
			      "check it against: not loaded", state_dir(), name, len, note_name);
	if (rc == 0) {
		table_bytes_hash(text, len, sum);
		if (strcmp(sum, file))
			rc = xerr_set(e, XNFT_EXIT_USAGE, "%s/%s (%zu bytes) is not the file recorded "
				      "in %s (damaged, truncated or replaced): not loaded",
				      state_dir(), name, len, note_name);
	}
	free(note);
	free(text);
	return rc;
}

int restore_check(const char *name, const char *note_name, struct xerr *e)
{
	char fp[TABLE_HASH_HEX];

	return check_file(name, note_name, fp, e);
}

int restore_verified(const char *name, const char *note_name, char got[TABLE_HASH_HEX],
		     struct xerr *e)
{
	char fp[TABLE_HASH_HEX];

	got[0] = '\0';
	if (check_file(name, note_name, fp, e) || table_restore(name, e))
		return -1;
	if (table_expect(fp, got, e))
		return xerr_wrap(e, "%s was loaded, but", name);
	return 0;
}

/* What is known of a way in: break-glass SSH, or SSH over the mesh with WireGuard up. */
bool fallback_has_way_in(const struct fallback_values *v)
{
	if (v->admin4[0] || v->admin6[0])
		return true;
	return v->mesh_if[0] && v->wg_port && (v->mesh4[0] || v->mesh6[0]);
}

void fallback_describe(const struct fallback_values *v, char *buf, size_t n)
{
	char wg[32] = "not opened (port unknown)";

	if (v->wg_port)
		snprintf(wg, sizeof(wg), "udp port %d open", v->wg_port);
	snprintf(buf, n, "the built-in FALLBACK policy (loopback, established, IPv6 neighbour "
		 "discovery; break-glass SSH to port %d from: %s%s%s; mesh SSH on %s from: %s%s%s; "
		 "WireGuard %s; everything else dropped)", v->ssh_port ? v->ssh_port : 22,
		 v->admin4, v->admin4[0] && v->admin6[0] ? ", " : "",
		 v->admin4[0] || v->admin6[0] ? v->admin6 : "nobody known",
		 v->mesh_if[0] ? v->mesh_if : "(mesh interface unknown)", v->mesh4,
		 v->mesh4[0] && v->mesh6[0] ? ", " : "",
		 v->mesh4[0] || v->mesh6[0] ? v->mesh6 : "nobody known", wg);
}

int fallback_load(const struct fallback_values *v, struct xerr *e)
{
	char got[TABLE_HASH_HEX], *text = fallback_policy_text(v);
	bool present;
	int rc;

	if (!text)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	rc = table_load_isolated(NULL, NULL, "xnft-fallback", text, e);
	free(text);
	if (rc)
		return -1;
	if (table_fingerprint_live(got, &present, e))
		return xerr_wrap(e, "reading back the fallback");
	if (!present)
		return xerr_set(e, XNFT_EXIT_USAGE, "the fallback loaded, but no table %s %s is "
				"there afterwards", XNFT_TABLE_FAMILY, XNFT_TABLE_NAME);
	return 0;
}

void fallback_values_state(struct fallback_values *v)
{
	struct xerr ignored;
	char *text = NULL;

	if (state_read(ST_FALLBACK_VALUES, &text, NULL, &ignored) < 0)
		text = NULL;
	fallback_values_parse(text, v);
	free(text);
}

const char *restore_source_text(enum restore_source s)
{
	switch (s) {
	case RESTORE_SNAPSHOT:  return "the snapshot";
	case RESTORE_CONFIRMED: return "the last confirmed policy";
	case RESTORE_FALLBACK:  return "the built-in FALLBACK policy";
	case RESTORE_KEPT:      return "nothing new (the table that was loaded stays)";
	case RESTORE_NOTHING:   break;
	}
	return "NOTHING";
}

/*
 * Try the snapshot (when asked), then the confirmed policy, then the
 * fallback when it has a way in. Each failure is journaled under id and
 * added to why. When even the fallback cannot be used: keep what is loaded
 * (RESTORE_KEPT) when there is a table, else RESTORE_NOTHING.
 */
enum restore_source restore_chain(const char *id, bool from_snapshot, char *why, size_t n,
				  struct xerr *e)
{
	static const struct { const char *name, *note; enum restore_source src; } steps[] = {
		{ ST_SNAPSHOT, ST_SNAPSHOT_HASH, RESTORE_SNAPSHOT },
		{ ST_CONFIRMED, ST_CONFIRMED_HASH, RESTORE_CONFIRMED },
	};
	char got[TABLE_HASH_HEX], said[1200];
	struct fallback_values *v;
	enum restore_source r = RESTORE_NOTHING;
	bool present = false;
	struct fixbuf w = { why, n, 0 };

	why[0] = '\0';
	for (size_t i = from_snapshot ? 0 : 1; i < 2; i++) {
		if (restore_verified(steps[i].name, steps[i].note, got, e) == 0)
			return steps[i].src;
		journal_append(id, "restore", "failed", "%s: %s", restore_source_text(steps[i].src),
			       e->msg);
		fixbuf_addf(&w, "%s%s: %s", w.len ? "; " : "", restore_source_text(steps[i].src),
			    e->msg);
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
		return RESTORE_NOTHING;
	}
	fallback_values_state(v);
	fallback_describe(v, said, sizeof(said));
	if (fallback_has_way_in(v) && fallback_load(v, e) == 0) {
		journal_append(id, "fallback", "loaded", "%s", said);
		free(v);
		return RESTORE_FALLBACK;
	}
	if (fallback_has_way_in(v))
		journal_append(id, "fallback", "failed", "%s", e->msg);
	else
		journal_append(id, "fallback", "skipped", "no remote way in is recorded (%s), so the "
			       "fallback would make the host console-only", ST_FALLBACK_VALUES);
	free(v);
	if (table_present(&present, e) == 0 && present)
		r = RESTORE_KEPT;
	xerr_set(e, XNFT_EXIT_USAGE, "%s", why);
	return r;
}
