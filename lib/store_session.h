/* The sessions a user sees and ends themselves (sessions.fcgi,
 * docs/sessions.md). Starting, refreshing and revoking by id for other
 * reasons is lib/session.h. */
#ifndef GH_STORE_SESSION_H
#define GH_STORE_SESSION_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

struct gh_db;

/* The most a list holds: the newest sessions first. */
#define GH_SESSIONS_LIST_MAX	500

/* The live sessions of user_id (not revoked, a refresh token newer than
 * live_after), newest first, as an owned array of Session objects;
 * current is set on the one named current_id. */
enum gh_err	 gh_store_session_list(struct gh_db *, const char *user_id,
		    const char *current_id, int64_t live_after,
		    json_object **out) GH_WUR;
/* How many live sessions (as gh_store_session_list() decides) user_id
 * has, without the cap of a list. */
enum gh_err	 gh_store_session_count(struct gh_db *, const char *user_id,
		    int64_t live_after, int64_t *n) GH_WUR;
/* Inside the caller's transaction: ends session id if it is a live
 * session of user_id; GH_ENOTFOUND when it is not (nothing changes). */
enum gh_err	 gh_store_session_revoke_own(struct gh_db *,
		    const char *user_id, const char *id, int64_t now,
		    const char *reason) GH_WUR;
/* Marks the session offline now (presence); it comes back online with
 * its next authenticated request. */
enum gh_err	 gh_store_session_offline(struct gh_db *,
		    const char *session_id, int64_t now) GH_WUR;

#endif
