#include <string.h>

#include "clock.h"
#include "db.h"
#include "json.h"
#include "store_session.h"

/* Columns of GH_STMT_SESSIONS_OF_USER. */
enum { S_ID, S_CLIENT, S_DEVICE, S_OS, S_OS_VERSION, S_APP, S_APP_VERSION,
	S_IP, S_AGENT, S_COUNTRY, S_REGION, S_CREATED, S_ACTIVE, S_OFFLINE };

/* One Session (DESIGN.md §6), and offline_at for presence. */
static json_object *
session_json(struct gh_stmt *st, const void *current_id)
{
	json_object	*o = json_object_new_object();

	gh_json_add(o, "id", gh_json_col_text(st, S_ID));
	gh_json_add(o, "client_id", gh_json_col_text(st, S_CLIENT));
	gh_json_add(o, "device_type", gh_json_col_text(st, S_DEVICE));
	gh_json_add(o, "os", gh_json_col_text(st, S_OS));
	gh_json_add(o, "os_version", gh_json_col_text(st, S_OS_VERSION));
	gh_json_add(o, "app_name", gh_json_col_text(st, S_APP));
	gh_json_add(o, "app_version", gh_json_col_text(st, S_APP_VERSION));
	gh_json_add(o, "ip", gh_json_col_text(st, S_IP));
	gh_json_add(o, "user_agent", gh_json_col_text(st, S_AGENT));
	gh_json_add(o, "country", gh_json_col_text(st, S_COUNTRY));
	gh_json_add(o, "region", gh_json_col_text(st, S_REGION));
	gh_json_add(o, "created_at", gh_json_col_time(st, S_CREATED));
	gh_json_add(o, "last_active_at", gh_json_col_time(st, S_ACTIVE));
	gh_json_add(o, "offline_at", gh_json_col_time(st, S_OFFLINE));
	gh_json_add(o, "current", json_object_new_boolean(
	    strcmp(gh_stmt_col_text(st, S_ID), current_id) == 0));
	return o;
}

enum gh_err
gh_store_session_list(struct gh_db *db, const char *user_id,
    const char *current_id, int64_t live_after, json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_SESSIONS_OF_USER, "tii", user_id,
	    live_after, (int64_t)GH_SESSIONS_LIST_MAX)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, session_json, current_id, out);
}

enum gh_err
gh_store_session_count(struct gh_db *db, const char *user_id,
    int64_t live_after, int64_t *n)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	*n = 0;
	if ((st = gh_db_prepare(db, GH_STMT_SESSIONS_LIVE_COUNT, "ti", user_id,
	    live_after)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		*n = gh_stmt_col_int(st, 0);
	gh_stmt_reset(st);
	return rc == GH_STEP_ROW ? GH_OK : GH_EDB;
}

enum gh_err
gh_store_session_revoke_own(struct gh_db *db, const char *user_id,
    const char *id, int64_t now, const char *reason)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((st = gh_db_prepare(db, GH_STMT_SESSION_REVOKE_OWNED, "ttit", id,
	    user_id, now, reason)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	return gh_db_changes(db) == 1 ? GH_OK : GH_ENOTFOUND;
}

enum gh_err
gh_store_session_offline(struct gh_db *db, const char *session_id,
    int64_t now)
{
	struct gh_stmt	*st;

	st = gh_db_prepare(db, GH_STMT_SESSION_OFFLINE, "ti", session_id, now);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}
