/* The SQLite driver behind db.h: WAL, a busy timeout, prepared statements
 * kept for the life of the process, numbered migrations. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "log.h"
#include "sql.h"

struct gh_stmt {
	sqlite3_stmt	*st;
	struct gh_db	*db;
};

struct gh_db {
	sqlite3		*h;
	struct gh_stmt	 stmts[GH_STMT__MAX];
	int		 sync_full;	/* current synchronous setting */
	int64_t		 checkpoint_ms;	/* when this process last checkpointed */
	char		*shm_path;	/* the WAL index, for gh_db_stamp() */
	int		 shm_fd;	/* -1 until first needed */
};

/* How often a writing process copies the WAL back into the database. */
#define CHECKPOINT_INTERVAL_MS	1000

static enum gh_err
exec(struct gh_db *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		gh_log("sqlite: %s: %s", sql, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return GH_EDB;
	}
	return GH_OK;
}

/*
 * Writers queue on SQLite's one write lock. The default busy handler sleeps
 * 1, 2, 5, 10 ms..., far longer than a write here takes (tens of
 * microseconds), so waiters would idle while the lock sits free: poll in
 * short steps instead, for five seconds at most.
 */
static int
busy_wait(void *arg, int count)
{
	struct timespec	 ts;

	(void)arg;
	if (count >= 5000 + 50)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = count < 50 ? 20000L * (count + 1) : 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

/*
 * Once per process, before the first connection: each program uses a
 * connection from one thread only, and SQLite's memory statistics take a
 * mutex on every allocation (Debian's build has no lookaside, so a query
 * allocates a few dozen times).
 */
static void
configure_library(void)
{
	static int	 done;

	if (done)
		return;
	done = 1;
	(void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum gh_err
gh_db_open(const char *path, int create, struct gh_db **out)
{
	struct gh_db	*db;
	int		 flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	enum gh_err	 er = GH_EDB;

	*out = NULL;
	configure_library();
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return GH_ENOMEM;
	db->shm_fd = -1;
	if (asprintf(&db->shm_path, "%s-shm", path) < 0) {
		db->shm_path = NULL;
		er = GH_ENOMEM;
		goto out;
	}
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		gh_log("sqlite: cannot open %s: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(db->h, 1);
	if (sqlite3_busy_handler(db->h, busy_wait, NULL) != SQLITE_OK ||
	    (er = exec(db, "PRAGMA journal_mode=WAL")) != GH_OK ||
	    (er = exec(db, "PRAGMA foreign_keys=ON")) != GH_OK ||
	    (er = exec(db, "PRAGMA wal_autocheckpoint=0")) != GH_OK ||
	    (er = exec(db, "PRAGMA journal_size_limit=16777216")) != GH_OK ||
	    (er = exec(db, "PRAGMA synchronous=FULL")) != GH_OK)
		goto out;
	db->sync_full = 1;
	*out = db;
	db = NULL;
	er = GH_OK;
out:
	gh_db_close(db);
	return er;
}

void
gh_db_close(struct gh_db *db)
{
	size_t	 i;

	if (db == NULL)
		return;
	for (i = 0; i < GH_STMT__MAX; i++)
		sqlite3_finalize(db->stmts[i].st);
	sqlite3_close(db->h);
	if (db->shm_fd >= 0)
		close(db->shm_fd);
	free(db->shm_path);
	free(db);
}

/*
 * The stamp is the WAL-index header in the -shm file (unix VFS; layout in
 * SQLite's wal.c and walformat.html). Every commit rewrites it: the change
 * counter, the last frame and the checksums move, and restarting the WAL
 * changes the salts. It is kept twice and written second copy first, so
 * two equal copies are a finished commit (what SQLite's own readers check).
 * The file is read, not mapped: a truncated file is a short read, never a
 * SIGBUS. Any doubt answers GH_ENOTFOUND, which only costs a cache miss.
 */
#define WAL_INDEX_VERSION	3007000u

enum gh_err
gh_db_stamp(struct gh_db *db, unsigned char stamp[GH_DB_STAMP_LEN])
{
	unsigned char	 hdr[2 * GH_DB_STAMP_LEN];
	uint32_t	 version;

	if (db->shm_fd < 0 &&
	    (db->shm_fd = open(db->shm_path, O_RDONLY | O_CLOEXEC)) < 0)
		return GH_ENOTFOUND;
	if (pread(db->shm_fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return GH_ENOTFOUND;
	memcpy(&version, hdr, sizeof(version));	/* native byte order */
	if (version != WAL_INDEX_VERSION || hdr[12] != 1 /* isInit */ ||
	    memcmp(hdr, hdr + GH_DB_STAMP_LEN, GH_DB_STAMP_LEN) != 0)
		return GH_ENOTFOUND;
	memcpy(stamp, hdr, GH_DB_STAMP_LEN);
	return GH_OK;
}

static enum gh_err	run(struct gh_db *, enum gh_stmt_id);

/*
 * Durable writes wait for the WAL to reach the disk at commit; relaxed ones
 * (session bookkeeping) only at checkpoints. Both survive a killed process:
 * a committed WAL frame is in the OS, not in us. See docs/durability.md.
 */
enum gh_err
gh_db_begin(struct gh_db *db, enum gh_db_durability d)
{
	int		 want_full = d == GH_DB_DURABLE;
	enum gh_err	 er;

	if (want_full != db->sync_full) {
		if ((er = exec(db, want_full ? "PRAGMA synchronous=FULL" :
		    "PRAGMA synchronous=NORMAL")) != GH_OK)
			return er;
		db->sync_full = want_full;
	}
	return run(db, GH_STMT_BEGIN_WRITE);
}

enum gh_err
gh_db_begin_read(struct gh_db *db)
{
	return run(db, GH_STMT_BEGIN_READ);
}

/*
 * SQLite's automatic checkpoint runs in the committing connection once the
 * WAL passes 1000 pages, and under steady writes from several processes the
 * WAL seldom gets to restart, so from then on nearly every commit
 * checkpoints and pays two fsyncs. Instead each process checkpoints
 * passively (never waiting) at most once a second after a commit of its own;
 * when the WAL holds more than WAL_RESTART_FRAMES, it waits for the
 * readers (RESTART) so the next writer starts the WAL from its beginning
 * and the file stays bounded.
 */
#define WAL_RESTART_FRAMES	4096

static void
checkpoint_now_and_then(struct gh_db *db)
{
	struct timespec	 ts;
	int64_t		 now;
	int		 log = 0, rc;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now - db->checkpoint_ms < CHECKPOINT_INTERVAL_MS)
		return;
	db->checkpoint_ms = now;
	rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, NULL);
	if (rc == SQLITE_OK && log > WAL_RESTART_FRAMES)
		rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
		    SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		gh_log("sqlite: checkpoint: %s", sqlite3_errmsg(db->h));
}

enum gh_err
gh_db_commit(struct gh_db *db)
{
	enum gh_err	 er;

	if ((er = run(db, GH_STMT_COMMIT)) == GH_OK)
		checkpoint_now_and_then(db);
	return er;
}

void
gh_db_rollback(struct gh_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		(void)run(db, GH_STMT_ROLLBACK);
}

struct gh_stmt *
gh_db_stmt(struct gh_db *db, enum gh_stmt_id id)
{
	struct gh_stmt	*s = &db->stmts[id];

	if (s->st == NULL) {
		if (sqlite3_prepare_v3(db->h, gh_sql_sqlite[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st, NULL) != SQLITE_OK) {
			gh_log("sqlite: prepare %d: %s", (int)id,
			    sqlite3_errmsg(db->h));
			s->st = NULL;
			return NULL;
		}
		s->db = db;
	}
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	return s;
}

/* A statement without parameters or rows (transaction control). */
static enum gh_err
run(struct gh_db *db, enum gh_stmt_id id)
{
	struct gh_stmt	*s = gh_db_stmt(db, id);

	return s != NULL ? gh_stmt_exec(s) : GH_EDB;
}

static enum gh_err
bound(struct gh_stmt *s, int rc)
{
	if (rc == SQLITE_OK)
		return GH_OK;
	gh_log("sqlite: bind: %s", sqlite3_errmsg(s->db->h));
	return GH_EDB;
}

enum gh_err
gh_stmt_text(struct gh_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return bound(s, sqlite3_bind_null(s->st, i));
	return bound(s, sqlite3_bind_text(s->st, i, v, -1, SQLITE_STATIC));
}

enum gh_err
gh_stmt_textn(struct gh_stmt *s, int i, const char *v, size_t len)
{
	if (v == NULL)
		return bound(s, sqlite3_bind_null(s->st, i));
	return bound(s, sqlite3_bind_text64(s->st, i, v, len, SQLITE_STATIC,
	    SQLITE_UTF8));
}

enum gh_err
gh_stmt_int(struct gh_stmt *s, int i, int64_t v)
{
	return bound(s, sqlite3_bind_int64(s->st, i, v));
}

enum gh_err
gh_stmt_blob(struct gh_stmt *s, int i, const void *v, size_t len)
{
	return bound(s, sqlite3_bind_blob64(s->st, i, v, len, SQLITE_STATIC));
}

enum gh_err
gh_stmt_null(struct gh_stmt *s, int i)
{
	return bound(s, sqlite3_bind_null(s->st, i));
}

struct gh_stmt *
gh_db_prepare_n(struct gh_db *db, enum gh_stmt_id id, const char *fmt,
    int nargs, ...)
{
	struct gh_stmt	*s;
	va_list		 ap;
	const void	*blob;
	size_t		 len;
	int		 i;
	enum gh_err	 er = GH_OK;

	for (i = 0; fmt[i] != '\0'; i++)	/* a blob takes two */
		nargs -= fmt[i] == 'b' ? 2 : 1;
	if (nargs != 0) {
		gh_log("sqlite: statement %d: arguments do not fit \"%s\"",
		    (int)id, fmt);
		return NULL;
	}
	if ((s = gh_db_stmt(db, id)) == NULL)
		return NULL;
	va_start(ap, nargs);
	for (i = 0; fmt[i] != '\0' && er == GH_OK; i++) {
		switch (fmt[i]) {
		case 't':
			er = gh_stmt_text(s, i + 1, va_arg(ap, const char *));
			break;
		case 'i':
			er = gh_stmt_int(s, i + 1, va_arg(ap, int64_t));
			break;
		case 'b':
			blob = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			er = gh_stmt_blob(s, i + 1, blob, len);
			break;
		default:
			er = GH_EINVAL;
			break;
		}
	}
	va_end(ap);
	if (er != GH_OK) {
		gh_log("sqlite: statement %d: bad bindings \"%s\"", (int)id, fmt);
		return NULL;
	}
	return s;
}

enum gh_step
gh_stmt_step(struct gh_stmt *s)
{
	int	 rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return GH_STEP_ROW;
	if (rc == SQLITE_DONE)
		return GH_STEP_DONE;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return GH_STEP_CONSTRAINT;
	gh_log("sqlite: step: %s", sqlite3_errmsg(s->db->h));
	return GH_STEP_ERROR;
}

enum gh_err
gh_stmt_exec(struct gh_stmt *s)
{
	enum gh_step	 rc = gh_stmt_step(s);

	sqlite3_reset(s->st);
	if (rc == GH_STEP_DONE)
		return GH_OK;
	return rc == GH_STEP_CONSTRAINT ? GH_ECONFLICT : GH_EDB;
}

void
gh_stmt_reset(struct gh_stmt *s)
{
	if (s != NULL)
		sqlite3_reset(s->st);
}

const char *
gh_stmt_col_text(struct gh_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s->st, i);
}

int64_t
gh_stmt_col_int(struct gh_stmt *s, int i)
{
	return sqlite3_column_int64(s->st, i);
}

const void *
gh_stmt_col_blob(struct gh_stmt *s, int i, size_t *len)
{
	const void	*p = sqlite3_column_blob(s->st, i);

	*len = (size_t)sqlite3_column_bytes(s->st, i);
	return p;
}

int
gh_stmt_col_is_null(struct gh_stmt *s, int i)
{
	return sqlite3_column_type(s->st, i) == SQLITE_NULL;
}

int64_t
gh_db_changes(struct gh_db *db)
{
	return sqlite3_changes64(db->h);
}

int
gh_db_schema_latest(void)
{
	int	 n = 0;

	while (gh_migrations_sqlite[n] != NULL)
		n++;
	return n;
}

enum gh_err
gh_db_schema_version(struct gh_db *db, int *version)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	*version = 0;
	rc = sqlite3_prepare_v2(db->h, "SELECT coalesce(max(version), 0)"
	    " FROM schema_migrations", -1, &st, NULL);
	if (rc != SQLITE_OK) {	/* no table yet: an empty database */
		sqlite3_finalize(st);
		return GH_OK;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return GH_OK;
}

enum gh_err
gh_db_migrate(struct gh_db *db, int *applied)
{
	int		 have, v, latest = gh_db_schema_latest();
	char		 ins[128];
	enum gh_err	 er;

	*applied = 0;
	if ((er = exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")) !=
	    GH_OK)
		return er;
	if ((er = gh_db_schema_version(db, &have)) != GH_OK)
		return er;
	for (v = have + 1; v <= latest; v++) {
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations "
		    "VALUES (%d, CAST(strftime('%%s','now') AS INTEGER))", v);
		if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
			return er;
		if ((er = exec(db, gh_migrations_sqlite[v - 1])) != GH_OK ||
		    (er = exec(db, ins)) != GH_OK ||
		    (er = gh_db_commit(db)) != GH_OK) {
			gh_db_rollback(db);
			return er;
		}
		(*applied)++;
	}
	return GH_OK;
}
