#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "session.h"
#include "store_admin.h"
#include "str.h"

/* Columns of GH_STMT_USERS_LIST. */
enum { L_ID, L_USERNAME, L_STATUS, L_CREATED, L_EMAIL };

enum gh_err
gh_store_admin_users(struct gh_db *db, const char *app_id, const char *after,
    int64_t limit, gh_admin_user_fn fn, void *arg)
{
	struct gh_admin_user	 u;
	struct gh_stmt		*st;
	enum gh_step		 rc;

	if ((st = gh_db_prepare(db, GH_STMT_USERS_LIST, "tti", app_id,
	    after != NULL ? after : "", limit)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		memset(&u, 0, sizeof(u));
		gh_strlcpy(u.id, gh_stmt_col_text(st, L_ID), sizeof(u.id));
		gh_strlcpy(u.username, gh_stmt_col_text(st, L_USERNAME),
		    sizeof(u.username));
		gh_strlcpy(u.status, gh_stmt_col_text(st, L_STATUS),
		    sizeof(u.status));
		gh_strlcpy(u.email, gh_stmt_col_text(st, L_EMAIL),
		    sizeof(u.email));
		u.created_at = gh_stmt_col_int(st, L_CREATED);
		if (fn(&u, arg) != 0) {
			rc = GH_STEP_DONE;
			break;
		}
	}
	gh_stmt_reset(st);
	return rc == GH_STEP_DONE ? GH_OK : GH_EDB;
}

enum gh_err
gh_store_admin_find(struct gh_db *db, const char *app_id, const char *who,
    char user_id[GH_ID_LEN + 1])
{
	struct gh_stmt	*st = NULL;
	enum gh_step	 rc;
	char		*norm;
	int		 rows = 0;
	enum gh_err	 er = GH_ENOMEM;

	user_id[0] = '\0';
	if ((norm = strdup(who)) == NULL)
		goto out;
	gh_store_fold(norm);
	er = GH_EDB;
	if ((st = gh_db_prepare(db, GH_STMT_USER_FIND, "ttt", app_id, who,
	    norm)) == NULL)
		goto out;
	/* The statement stops at two rows: one is the answer, two mean who
	 * is, say, one user's username and another's email. */
	while ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		if (rows++ == 0)
			gh_strlcpy(user_id, gh_stmt_col_text(st, 0),
			    GH_ID_LEN + 1);
	}
	if (rc != GH_STEP_DONE)
		goto out;
	if (rows == 0)
		er = GH_ENOTFOUND;
	else
		er = rows == 1 ? GH_OK : GH_ECONFLICT;
out:
	if (st != NULL)
		gh_stmt_reset(st);
	if (er != GH_OK)
		user_id[0] = '\0';
	free(norm);	/* bound until the reset */
	return er;
}

enum gh_err
gh_store_admin_set_status(struct gh_db *db, const char *user_id,
    const char *status)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((st = gh_db_prepare(db, GH_STMT_USER_SET_STATUS, "tti", user_id,
	    status, gh_clock_now())) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	return gh_db_changes(db) > 0 ? GH_OK : GH_ENOTFOUND;
}

enum gh_err
gh_store_admin_revoke_sessions(struct gh_db *db, const char *user_id,
    const char *reason, int64_t *count)
{
	return gh_session_revoke_others(db, user_id, NULL, reason, count);
}
