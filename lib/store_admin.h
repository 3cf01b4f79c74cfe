/*
 * Administration: what the gatehouse command does to users, their sessions
 * and the action log, outside any HTTP request. Writes run inside the
 * caller's transaction (gh_db_begin); nothing here opens or ends one.
 */
#ifndef GH_STORE_ADMIN_H
#define GH_STORE_ADMIN_H

#include <stdint.h>

#include "err.h"
#include "id.h"
#include "store_user.h"

struct gh_db;

#define GH_ADMIN_EMAIL_MAX	254

/* One row of a user listing. Strings are copies; "" where NULL. */
struct gh_admin_user {
	char		 id[GH_ID_LEN + 1];
	char		 username[GH_USERNAME_MAX + 1];
	char		 status[16];
	char		 email[GH_ADMIN_EMAIL_MAX + 1];	/* the first one */
	int64_t		 created_at;
};

/* Called once per row, in id order; a non-zero return stops the listing
 * (gh_store_admin_users then returns GH_OK). The row is only valid during
 * the call. */
typedef int (*gh_admin_user_fn)(const struct gh_admin_user *, void *arg);

/* Up to limit users of the application whose id sorts after after ("" for
 * the start). */
enum gh_err	 gh_store_admin_users(struct gh_db *, const char *app_id,
		    const char *after, int64_t limit, gh_admin_user_fn,
		    void *arg) GH_WUR;
/* The user named by who: an id, a username or an email (the last two
 * compared case-insensitively). GH_ENOTFOUND when none, GH_ECONFLICT when
 * who names two different users. */
enum gh_err	 gh_store_admin_find(struct gh_db *, const char *app_id,
		    const char *who, char user_id[GH_ID_LEN + 1]) GH_WUR;
/* Sets status to "active" or "disabled"; GH_ENOTFOUND when no such user. */
enum gh_err	 gh_store_admin_set_status(struct gh_db *, const char *user_id,
		    const char *status) GH_WUR;
/* Revokes every session of the user not yet revoked, with this reason;
 * *count is how many. */
enum gh_err	 gh_store_admin_revoke_sessions(struct gh_db *,
		    const char *user_id, const char *reason,
		    int64_t *count) GH_WUR;
#endif
