// SPDX-License-Identifier: GPL-2.0-or-later
#include "scan/history.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, at_s INTEGER NOT NULL, "
	"target TEXT NOT NULL, class TEXT NOT NULL, open INTEGER NOT NULL, ndrift INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS drift (scan_id INTEGER NOT NULL REFERENCES scans(id), "
	"protocol TEXT NOT NULL, port INTEGER NOT NULL, severity TEXT NOT NULL, observed TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS scans_by_target ON scans(target, class, id);";

static int db_err(sqlite3 *db, const char *path, const char *what, struct xerr *e)
{
	xerr_set(e, XNFT_EXIT_USAGE, "scan history %s: %s: %s", path, what,
		 db ? sqlite3_errmsg(db) : "cannot open");
	return xerr_hint(e, "give --history a file in a writable directory");
}

/* Created 0600 first, as ban/store.c does: SQLite would use the umask. */
static int open_db(const char *path, sqlite3 **db, struct xerr *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST) {
		xerr_set(e, XNFT_EXIT_USAGE, "scan history %s: %s", path, strerror(errno));
		return xerr_hint(e, "give --history a file in a writable directory");
	}
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_err(*db, path, "open", e);
	sqlite3_busy_timeout(*db, 2000);
	if (sqlite3_exec(*db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(*db, path, "setup", e);
	return 0;
}

/* Was proto/port in the drift of the last scan of target from cls? */
static int mark_new(sqlite3 *db, const char *target, const char *cls, struct scan_result *r)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM drift WHERE scan_id = (SELECT max(id) FROM scans "
				    "WHERE target = ?1 AND class = ?2) AND protocol = ?3 AND port = ?4",
				    -1, &q, NULL);

	if (rc != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < r->ndrift; i++) {
		sqlite3_bind_text(q, 1, target, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, cls, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, r->drift[i].proto, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, r->drift[i].port);
		rc = sqlite3_step(q);
		r->drift[i].is_new = rc == SQLITE_DONE;
		sqlite3_reset(q);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			break;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK ? 0 : -1;
}

static int insert_run(sqlite3 *db, const char *target, const char *cls,
		      const struct scan_result *r)
{
	sqlite3_stmt *s = NULL, *d = NULL;
	sqlite3_int64 id;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO scans (at_s, target, class, open, ndrift) "
			       "VALUES (?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO drift VALUES (?, ?, ?, ?, ?)", -1, &d, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(s, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, cls, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)r->nopen);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)r->ndrift);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	id = sqlite3_last_insert_rowid(db);
	for (size_t i = 0; i < r->ndrift; i++) {
		sqlite3_bind_int64(d, 1, id);
		sqlite3_bind_text(d, 2, r->drift[i].proto, -1, SQLITE_STATIC);
		sqlite3_bind_int(d, 3, r->drift[i].port);
		sqlite3_bind_text(d, 4, r->drift[i].critical ? "critical" : "warning", -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 5, r->drift[i].observed, -1, SQLITE_STATIC);
		if (sqlite3_step(d) != SQLITE_DONE)
			goto out;
		sqlite3_reset(d);
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	return rc;
}

int scan_history_record(const char *path, const char *target, const char *cls,
			struct scan_result *r, struct xerr *e)
{
	sqlite3 *db = NULL;
	int rc = open_db(path, &db, e);

	if (!rc && (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    mark_new(db, target, cls, r) || insert_run(db, target, cls, r) ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)) {
		rc = db_err(db, path, "record", e);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return rc;
}
