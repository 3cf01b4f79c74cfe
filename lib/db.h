/*
 * The database. Handlers and stores name statements by enum gh_stmt; the
 * SQL text of each dialect lives in one table (sql_sqlite.c), prepared once
 * per process and kept. Nothing outside db*.c and sql_*.c sees SQLite, so a
 * PostgreSQL driver can be added behind the same calls.
 */
#ifndef GH_DB_H
#define GH_DB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct gh_db;
struct gh_stmt;

enum gh_stmt_id {
	/* Transaction control, prepared once like the rest. */
	GH_STMT_BEGIN_WRITE,
	GH_STMT_BEGIN_READ,
	GH_STMT_COMMIT,
	GH_STMT_ROLLBACK,
	GH_STMT_PING,
	GH_STMT_APP_BY_CLIENT_ID,
	GH_STMT_USER_INSERT,
	GH_STMT_USER_BY_ID,
	GH_STMT_USER_UPDATE_PROFILE,
	GH_STMT_USERNAME_TAKEN,
	GH_STMT_EMAIL_INSERT,
	GH_STMT_EMAIL_TAKEN,
	GH_STMT_PROFILE,
	GH_STMT_LOGIN_BY_EMAIL,
	GH_STMT_LOGIN_BY_USERNAME,
	GH_STMT_PASSWORD_INSERT,
	GH_STMT_PASSWORD_UPDATE,
	GH_STMT_ACCOUNT_INSERT,
	GH_STMT_MEMBERSHIP_INSERT,
	GH_STMT_MEMBERSHIPS_BY_USER,
	GH_STMT_SESSION_INSERT,
	GH_STMT_SESSION_STATE,
	GH_STMT_SESSION_REVOKE,
	GH_STMT_REFRESH_INSERT,
	GH_STMT_REFRESH_BY_HASH,
	GH_STMT_REFRESH_MARK_USED,
	GH_STMT_KEY_INSERT,
	GH_STMT_KEYS_LIVE,
	GH_STMT_ACTION_LOG_INSERT,
	/* The authorizer's view of a signed-in user. */
	GH_STMT_AUTHZ_IDENTITY,
	/* Administration (the gatehouse command). */
	GH_STMT_USERS_LIST,
	GH_STMT_USER_FIND,
	GH_STMT_USER_SET_STATUS,
	GH_STMT_KEYS_RETIRE,
	/* Browser sessions. */
	GH_STMT_SESSION_SET_COOKIE,
	GH_STMT_SESSION_BY_COOKIE,
	/* Abuse controls. */
	GH_STMT_RATE_TAKE,
	GH_STMT_RATE_GET,
	GH_STMT_RATE_SWEEP,
	GH_STMT_BACKOFF_GET,
	GH_STMT_BACKOFF_PUT,
	GH_STMT_BACKOFF_CLEAR,
	GH_STMT_DEVICE_OWNER,
	GH_STMT_DEVICE_INSERT,
	/* Email: the outbox and one-time tokens. */
	GH_STMT_OUTBOX_INSERT,
	GH_STMT_OUTBOX_CLAIM,
	GH_STMT_OUTBOX_SENT,
	GH_STMT_OUTBOX_RETRY,
	GH_STMT_ONETIME_INSERT,
	GH_STMT_ONETIME_RETIRE,
	GH_STMT_ONETIME_GET,
	GH_STMT_ONETIME_USE,
	GH_STMT_EMAIL_OF_USER,
	GH_STMT_EMAIL_VERIFY,
	GH_STMT_USER_USERNAME,
	GH_STMT_EMAIL_CHANGE,
	GH_STMT_CODE_PUT,
	GH_STMT_CODE_GET,
	GH_STMT_CODE_MISS,
	GH_STMT_USER_SET_VISITOR,
	/* OAuth identities. */
	GH_STMT_IDENTITY_FIND,
	GH_STMT_IDENTITY_INSERT,
	GH_STMT_IDENTITY_TOUCH,
	GH_STMT_IDENTITIES_OF_USER,
	GH_STMT_IDENTITY_DELETE,
	GH_STMT_SIGN_IN_WAYS,
	/* Sessions. */
	GH_STMT_SESSIONS_REVOKE_OTHERS,
	/* Two-factor authentication. */
	GH_STMT_TOTP_GET,
	GH_STMT_TOTP_PENDING,
	GH_STMT_TOTP_STEP,
	GH_STMT_TOTP_ENABLE,
	GH_STMT_TOTP_DELETE,
	GH_STMT_BACKUP_CLEAR,
	GH_STMT_BACKUP_INSERT,
	GH_STMT_BACKUP_USE,
	GH_STMT_BACKUP_LEFT,
	/* Sessions: devices, presence, the list (docs/sessions.md). */
	GH_STMT_SESSION_TOUCH,
	GH_STMT_SESSION_OFFLINE,
	GH_STMT_SESSIONS_OF_USER,
	GH_STMT_SESSION_REVOKE_OWNED,
	/* Waitlists (docs/waitlists.md). */
	GH_STMT_WAITLISTS_OF_USER,
	GH_STMT_WAITLIST_GET,
	GH_STMT_WAITLIST_INSERT,
	GH_STMT_WAITLIST_DELETE,
	/* Membership tiers. */
	GH_STMT_TIER_GET,
	GH_STMT_TIER_PUT,
	GH_STMT_TIER_CLEAR,
	/* invites (lib/invite.c) */
	GH_STMT_INVITE_INSERT,
	GH_STMT_INVITE_LIVE_COUNT,
	GH_STMT_INVITE_BY_HASH,
	GH_STMT_INVITE_BY_ID,
	GH_STMT_INVITES_OF_CREATOR,
	GH_STMT_INVITE_TAKE,
	GH_STMT_INVITE_USE_INSERT,
	GH_STMT_INVITE_REVOKE,
	GH_STMT_INVITE_ACCOUNT_ROLE,
	GH_STMT_INVITE_ACCOUNT_NAME,
	GH_STMT_INVITE_EMAIL_PROVEN,
	/* The dashboard (docs/dashboard.md). */
	GH_STMT_SESSIONS_LIVE_COUNT,
	GH_STMT_INVITES_PENDING,
	GH_STMT_ACTION_LOGS_RECENT,
	/* Accounts and their members (docs/accounts.md). */
	GH_STMT_ACCOUNTS_OF_USER,
	GH_STMT_ACCOUNT_OF_MEMBER,
	GH_STMT_ACCOUNT_CREATE,
	GH_STMT_ACCOUNT_UPDATE,
	GH_STMT_ACCOUNT_MEMBERS,
	GH_STMT_MEMBER_SET_ROLE,
	GH_STMT_MEMBER_DELETE,
	GH_STMT_SESSIONS_LEAVE_MEMBERSHIP,
	GH_STMT_MEMBERSHIP_ACCOUNT,
	GH_STMT_SESSION_SWITCH,
	GH_STMT_REFRESH_RETIRE,
	GH_STMT__MAX
};

enum gh_db_durability {
	GH_DB_DURABLE,	/* account-changing writes: synchronous=FULL */
	GH_DB_RELAXED,	/* session bookkeeping: synchronous=NORMAL (see docs) */
};

enum gh_step {
	GH_STEP_ROW,
	GH_STEP_DONE,
	GH_STEP_CONSTRAINT,	/* a UNIQUE or other constraint refused it */
	GH_STEP_ERROR,
};

/* Opens (creating when create is set) the database at path. */
enum gh_err	 gh_db_open(const char *path, int create, struct gh_db **) GH_WUR;
void		 gh_db_close(struct gh_db *);

/*
 * A fingerprint of the last commit to the database by any connection in any
 * process: while two stamps are equal nothing was committed in between, so
 * what was read before the first is still current. GH_ENOTFOUND when it
 * cannot be told (no WAL index yet, a write in progress): then assume
 * everything changed. Costs one pread(), not a transaction.
 */
#define GH_DB_STAMP_LEN	48
enum gh_err	 gh_db_stamp(struct gh_db *,
		    unsigned char stamp[GH_DB_STAMP_LEN]) GH_WUR;

/* Applies every embedded migration newer than the schema. */
enum gh_err	 gh_db_migrate(struct gh_db *, int *applied) GH_WUR;
/* Schema version in the file, and the newest this build knows. */
enum gh_err	 gh_db_schema_version(struct gh_db *, int *version) GH_WUR;
int		 gh_db_schema_latest(void);

/* BEGIN IMMEDIATE at the given durability; commit or roll back. */
enum gh_err	 gh_db_begin(struct gh_db *, enum gh_db_durability) GH_WUR;
/* A read transaction: every read until gh_db_rollback() sees one snapshot
 * and pays for SQLite's locks once. */
enum gh_err	 gh_db_begin_read(struct gh_db *) GH_WUR;
enum gh_err	 gh_db_commit(struct gh_db *) GH_WUR;
void		 gh_db_rollback(struct gh_db *);

/* The prepared statement, reset and with bindings cleared. Borrowed; valid
 * until the next gh_db_stmt() of the same id or gh_db_close(). Column text
 * is valid until the next step or reset of that statement. */
struct gh_stmt	*gh_db_stmt(struct gh_db *, enum gh_stmt_id);
/* The statement with its parameters bound in order from ?1, one letter of
 * fmt each: 't' text (const char *, NULL binds NULL), 'i' int64_t,
 * 'b' blob (const void *, size_t). NULL on any failure (logged), also when
 * the number of arguments does not fit fmt. Bound text and blobs are not
 * copied: keep them alive until the statement is reset. */
#define gh_db_prepare(db, id, fmt, ...) gh_db_prepare_n((db), (id), (fmt), \
	GH_NARGS(__VA_ARGS__), __VA_ARGS__)
#define GH_NARGS(...) GH_NARGS_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, \
	9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define GH_NARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, \
	a14, a15, a16, n, ...) n
struct gh_stmt	*gh_db_prepare_n(struct gh_db *, enum gh_stmt_id,
		    const char *fmt, int nargs, ...);
/* Parameters are numbered from 1. */
enum gh_err	 gh_stmt_text(struct gh_stmt *, int, const char *) GH_WUR;
enum gh_err	 gh_stmt_textn(struct gh_stmt *, int, const char *, size_t) GH_WUR;
enum gh_err	 gh_stmt_int(struct gh_stmt *, int, int64_t) GH_WUR;
enum gh_err	 gh_stmt_blob(struct gh_stmt *, int, const void *, size_t) GH_WUR;
enum gh_err	 gh_stmt_null(struct gh_stmt *, int) GH_WUR;
enum gh_step	 gh_stmt_step(struct gh_stmt *);
/* Steps a statement that returns no rows; GH_ECONFLICT on a constraint. */
enum gh_err	 gh_stmt_exec(struct gh_stmt *) GH_WUR;
void		 gh_stmt_reset(struct gh_stmt *);
/* Columns are numbered from 0. NULL column text is returned as NULL. */
const char	*gh_stmt_col_text(struct gh_stmt *, int);
int64_t		 gh_stmt_col_int(struct gh_stmt *, int);
const void	*gh_stmt_col_blob(struct gh_stmt *, int, size_t *len);
int		 gh_stmt_col_is_null(struct gh_stmt *, int);
/* Rows changed by the last statement. */
int64_t		 gh_db_changes(struct gh_db *);

#endif
