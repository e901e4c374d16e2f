// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SQLite store. One table, keyed by the 18-byte ban key; the text form is
 * kept beside it for people who open the file with sqlite3. WAL with
 * synchronous=NORMAL: a crash may lose the last few records, never corrupt
 * the file, and a ban never waits on an fsync.
 */
#include "ban/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ban_store {
	sqlite3 *db;
	sqlite3_stmt *get, *put, *lift, *active, *count, *row;
	char path[512];
	int create_errno;      /* why the file could not be created; 0 */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS offenders ("
	" key BLOB PRIMARY KEY,"
	" addr TEXT NOT NULL,"
	" offences INTEGER NOT NULL,"
	" last_ban_ms INTEGER NOT NULL,"
	" bantime_ms INTEGER NOT NULL,"
	" until_ms INTEGER NOT NULL,"
	" rule TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS offenders_until ON offenders(until_ms);";

/* What to do about the error SQLite last reported: the hint names the real cause. */
static const char *cause_hint(struct ban_store *s)
{
	int code = s->db ? sqlite3_extended_errcode(s->db) & 0xff : SQLITE_CANTOPEN;
	int sys = s->db ? sqlite3_system_errno(s->db) : 0;

	/* SQLite's own open may fail on something else (no such file) after ours said why */
	if (code == SQLITE_CANTOPEN && s->create_errno)
		sys = s->create_errno;

	if (code == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT)
		return "the filesystem holding it is full: free space there";
	if (code == SQLITE_READONLY || sys == EROFS)
		return "it, or the filesystem holding it, is read-only: make it writable or set "
		       "[daemon] database in xnft.conf to a writable place";
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return "the file is damaged or not an SQLite database: move it aside (the "
		       "daemon then starts a new history)";
	if (sys == EACCES || sys == EPERM || code == SQLITE_PERM)
		return "the daemon may not write it or its directory: fix the owner or mode";
	return "check that the directory exists and is writable by the daemon "
	       "([daemon] database in xnft.conf)";
}

static int db_err(struct ban_store *s, struct xerr *e, const char *what)
{
	xerr_set(e, XNFT_EXIT_USAGE, "bans database %s: %s: %s", s->path, what,
		 s->db ? sqlite3_errmsg(s->db) : "cannot open");
	return xerr_hint(e, "%s", cause_hint(s));
}

/* Create the file 0600 (SQLite would use the umask): the WAL files then take its mode. */
static void create_private(struct ban_store *s)
{
	int fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST)
		s->create_errno = errno;
}

int ban_store_open(const char *path, struct ban_store **out, struct xerr *e)
{
	struct ban_store *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	snprintf(s->path, sizeof(s->path), "%s", path);
	create_private(s);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_err(s, e, "open");
		ban_store_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 2000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT offences, last_ban_ms, bantime_ms FROM offenders "
			       "WHERE key = ?", -1, &s->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO offenders VALUES (?, ?, ?, ?, ?, ?, ?) "
			       "ON CONFLICT(key) DO UPDATE SET offences = excluded.offences, "
			       "last_ban_ms = excluded.last_ban_ms, bantime_ms = excluded.bantime_ms, "
			       "until_ms = excluded.until_ms, rule = excluded.rule", -1, &s->put,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "UPDATE offenders SET until_ms = ? WHERE key = ? AND "
			       "until_ms > ?", -1, &s->lift, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT key, offences, last_ban_ms, bantime_ms, until_ms, rule "
			       "FROM offenders WHERE until_ms > ?", -1, &s->active, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT count(*) FROM offenders", -1, &s->count, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT offences, last_ban_ms, bantime_ms, until_ms, rule "
			       "FROM offenders WHERE key = ?", -1, &s->row, NULL) != SQLITE_OK) {
		db_err(s, e, "setup");
		ban_store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void ban_store_close(struct ban_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->lift);
	sqlite3_finalize(s->active);
	sqlite3_finalize(s->count);
	sqlite3_finalize(s->row);
	sqlite3_close(s->db);
	free(s);
}

int ban_store_history(void *ctx, const struct ban_key *key, struct ban_history *h)
{
	struct ban_store *s = ctx;
	int rc;

	memset(h, 0, sizeof(*h));
	sqlite3_reset(s->get);
	sqlite3_bind_blob(s->get, 1, key, sizeof(*key), SQLITE_STATIC);
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_ROW) {
		h->offences = (unsigned)sqlite3_column_int64(s->get, 0);
		h->last_ban_ms = (uint64_t)sqlite3_column_int64(s->get, 1);
		h->last_bantime_ms = (uint64_t)sqlite3_column_int64(s->get, 2);
	}
	sqlite3_reset(s->get);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int ban_store_lookup(struct ban_store *s, const struct ban_key *key, struct ban_active *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->key = *key;
	sqlite3_reset(s->row);
	sqlite3_bind_blob(s->row, 1, key, sizeof(*key), SQLITE_STATIC);
	rc = sqlite3_step(s->row);
	if (rc == SQLITE_ROW) {
		const unsigned char *rule = sqlite3_column_text(s->row, 4);

		b->offence = (unsigned)sqlite3_column_int64(s->row, 0);
		b->since_ms = (uint64_t)sqlite3_column_int64(s->row, 1);
		b->bantime_ms = (uint64_t)sqlite3_column_int64(s->row, 2);
		b->until_ms = (uint64_t)sqlite3_column_int64(s->row, 3);
		snprintf(b->rule, sizeof(b->rule), "%s", rule ? (const char *)rule : "");
	}
	sqlite3_reset(s->row);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int ban_store_record(struct ban_store *s, const struct ban_active *b, struct xerr *e)
{
	char addr[PREFIX_STRLEN];
	int rc;

	ban_key_format(&b->key, addr, sizeof(addr));
	sqlite3_reset(s->put);
	sqlite3_bind_blob(s->put, 1, &b->key, sizeof(b->key), SQLITE_STATIC);
	sqlite3_bind_text(s->put, 2, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->put, 3, b->offence);
	sqlite3_bind_int64(s->put, 4, (sqlite3_int64)b->since_ms);
	sqlite3_bind_int64(s->put, 5, (sqlite3_int64)b->bantime_ms);
	sqlite3_bind_int64(s->put, 6, (sqlite3_int64)b->until_ms);
	sqlite3_bind_text(s->put, 7, b->rule, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s->put);
	sqlite3_reset(s->put);
	return rc == SQLITE_DONE ? 0 : db_err(s, e, "record");
}

int ban_store_lift(struct ban_store *s, const struct ban_key *key, uint64_t now_ms,
		   struct xerr *e)
{
	int rc;

	sqlite3_reset(s->lift);
	sqlite3_bind_int64(s->lift, 1, (sqlite3_int64)now_ms);
	sqlite3_bind_blob(s->lift, 2, key, sizeof(*key), SQLITE_STATIC);
	sqlite3_bind_int64(s->lift, 3, (sqlite3_int64)now_ms);
	rc = sqlite3_step(s->lift);
	sqlite3_reset(s->lift);
	return rc == SQLITE_DONE ? 0 : db_err(s, e, "lift");
}

int ban_store_begin(struct ban_store *s, struct xerr *e)
{
	return sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : db_err(s, e, "begin");
}

int ban_store_commit(struct ban_store *s, struct xerr *e)
{
	return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 :
	       db_err(s, e, "commit");
}

void ban_store_rollback(struct ban_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int ban_store_active(struct ban_store *s, uint64_t now_ms,
		     int (*fn)(void *ctx, const struct ban_active *b), void *ctx, struct xerr *e)
{
	int rc;

	sqlite3_reset(s->active);
	sqlite3_bind_int64(s->active, 1, (sqlite3_int64)now_ms);
	while ((rc = sqlite3_step(s->active)) == SQLITE_ROW) {
		struct ban_active b = { 0 };
		const void *k = sqlite3_column_blob(s->active, 0);
		const unsigned char *rule = sqlite3_column_text(s->active, 5);

		if (!k || sqlite3_column_bytes(s->active, 0) != (int)sizeof(b.key))
			continue;   /* not ours: a row someone wrote by hand */
		memcpy(&b.key, k, sizeof(b.key));
		b.offence = (unsigned)sqlite3_column_int64(s->active, 1);
		b.since_ms = (uint64_t)sqlite3_column_int64(s->active, 2);
		b.bantime_ms = (uint64_t)sqlite3_column_int64(s->active, 3);
		b.until_ms = (uint64_t)sqlite3_column_int64(s->active, 4);
		snprintf(b.rule, sizeof(b.rule), "%s", rule ? (const char *)rule : "");
		if (fn(ctx, &b))
			break;
	}
	sqlite3_reset(s->active);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_err(s, e, "read active bans");
}

int64_t ban_store_count(struct ban_store *s)
{
	int64_t n = -1;

	sqlite3_reset(s->count);
	if (sqlite3_step(s->count) == SQLITE_ROW)
		n = sqlite3_column_int64(s->count, 0);
	sqlite3_reset(s->count);
	return n;
}
