// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

struct mon_store {
	sqlite3 *db;       /* NULL: a dry run with no state file yet */
	char path[512];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, source TEXT NOT NULL, "
	"severity TEXT NOT NULL, title TEXT NOT NULL, first_seen_s INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS validators (name TEXT PRIMARY KEY, url TEXT NOT NULL, "
	"etag TEXT NOT NULL, last_modified TEXT NOT NULL);";

static int db_err(struct mon_store *st, const char *what, struct xerr *e)
{
	xerr_set(e, XNFT_EXIT_USAGE, "monitor state %s: %s: %s", st->path, what,
		 st->db ? sqlite3_errmsg(st->db) : "cannot open");
	return xerr_hint(e, "[monitor] database must name a file in a writable directory "
			 "(the default /var/lib/xnft needs root)");
}

int mon_store_open(const char *path, bool readonly, struct mon_store **out, struct xerr *e)
{
	struct mon_store *st = calloc(1, sizeof(*st));
	int fd;

	*out = NULL;
	if (!st)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (readonly) {
		if (access(path, F_OK) < 0) {
			*out = st;   /* nothing seen yet, and a dry run creates nothing */
			return 0;
		}
		if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			goto fail;
	} else {
		/* created 0600 first, as ban/store.c does: SQLite would use the umask */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST) {
			xerr_set(e, XNFT_EXIT_USAGE, "monitor state %s: %s", path, strerror(errno));
			free(st);
			return xerr_hint(e, "[monitor] database must name a file in a writable "
					 "directory (the default /var/lib/xnft needs root)");
		}
		if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_busy_timeout(st->db, 5000);
		if (sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	*out = st;
	return 0;
fail:
	db_err(st, "open", e);
	mon_store_close(st);
	return -1;
}

void mon_store_close(struct mon_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

bool mon_store_seen(struct mon_store *st, const char *id)
{
	sqlite3_stmt *q;
	bool seen = false;

	if (!st->db || sqlite3_prepare_v2(st->db, "SELECT 1 FROM seen WHERE id = ?", -1, &q,
					  NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	seen = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return seen;
}

void mon_store_validators(struct mon_store *st, const char *name, const char *url, char *etag,
			  size_t etag_size, char *last_modified, size_t lm_size)
{
	sqlite3_stmt *q;

	etag[0] = last_modified[0] = '\0';
	if (!st->db || sqlite3_prepare_v2(st->db, "SELECT etag, last_modified FROM validators "
					  "WHERE name = ? AND url = ?", -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, url, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(etag, etag_size, "%s", (const char *)sqlite3_column_text(q, 0));
		snprintf(last_modified, lm_size, "%s", (const char *)sqlite3_column_text(q, 1));
	}
	sqlite3_finalize(q);
}

static int insert_seen(sqlite3 *db, const struct mon_finding *const *seen, size_t n)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?, ?)", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_bind_text(s, 1, seen[i]->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, mon_source_label(seen[i]->source), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, mon_severity_name(seen[i]->sev), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, seen[i]->title, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

static int save_validators(sqlite3 *db, const struct mon_validators *v, size_t n)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?)", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_bind_text(s, 1, v[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, v[i].url, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, v[i].etag ? v[i].etag : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, v[i].last_modified ? v[i].last_modified : "", -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

int mon_store_commit(struct mon_store *st, const struct mon_finding *const *seen, size_t nseen,
		     const struct mon_validators *v, size_t nv, struct xerr *e)
{
	if (!st->db)
		return 0;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    insert_seen(st->db, seen, nseen) || save_validators(st->db, v, nv) ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "record", e);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}
