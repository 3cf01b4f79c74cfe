#include <string.h>

#include "clock.h"
#include "db.h"
#include "json.h"
#include "store_identity.h"
#include "str.h"

enum gh_err
gh_identity_find(struct gh_db *db, const char *app_id, const char *provider,
    const char *subject, char id[GH_ID_LEN + 1], char user_id[GH_ID_LEN + 1],
    int *active)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	*active = 0;
	if ((st = gh_db_prepare(db, GH_STMT_IDENTITY_FIND, "ttt", app_id,
	    provider, subject)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		gh_strlcpy(id, gh_stmt_col_text(st, 0), GH_ID_LEN + 1);
		gh_strlcpy(user_id, gh_stmt_col_text(st, 1), GH_ID_LEN + 1);
		*active = strcmp(gh_stmt_col_text(st, 2), "active") == 0;
	}
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		return GH_OK;
	return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
}

enum gh_err
gh_identity_link(struct gh_db *db, const char *user_id,
    const struct gh_identity *in, int64_t now)
{
	char		 id[GH_ID_LEN + 1];
	struct gh_stmt	*st;

	gh_id_new(id);
	if ((st = gh_db_prepare(db, GH_STMT_IDENTITY_INSERT, "ttttttitti",
	    id, user_id, in->application_id, in->provider, in->subject,
	    in->email, (int64_t)(in->email_verified != 0), in->access_token,
	    in->refresh_token, now)) == NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}

enum gh_err
gh_identity_touch(struct gh_db *db, const char *id,
    const struct gh_identity *in, int64_t now)
{
	struct gh_stmt	*st;

	if ((st = gh_db_prepare(db, GH_STMT_IDENTITY_TOUCH, "ttitti", id,
	    in->email, (int64_t)(in->email_verified != 0), in->access_token,
	    in->refresh_token, now)) == NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}

/* One row of GH_STMT_IDENTITIES_OF_USER. */
static json_object *
identity_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "id", json_object_new_string(gh_stmt_col_text(st, 0)));
	gh_json_add(o, "provider", json_object_new_string(
	    gh_stmt_col_text(st, 1)));
	gh_json_add(o, "email", gh_json_col_text(st, 2));
	gh_json_add(o, "email_verified", json_object_new_boolean(
	    gh_stmt_col_int(st, 3) != 0));
	gh_json_add(o, "created_at", gh_json_col_time(st, 4));
	gh_json_add(o, "last_used_at", gh_json_col_time(st, 5));
	return o;
}

enum gh_err
gh_identity_list(struct gh_db *db, const char *user_id, json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_IDENTITIES_OF_USER, "t",
	    user_id)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, identity_json, NULL, out);
}

enum gh_err
gh_identity_unlink(struct gh_db *db, const char *user_id, const char *id)
{
	struct gh_stmt	*st;
	int64_t		 ways = 0;
	enum gh_step	 rc;
	enum gh_err	 er;

	if ((st = gh_db_prepare(db, GH_STMT_SIGN_IN_WAYS, "t", user_id)) ==
	    NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		ways = gh_stmt_col_int(st, 0);
	gh_stmt_reset(st);
	if (rc != GH_STEP_ROW)
		return GH_EDB;
	if ((st = gh_db_prepare(db, GH_STMT_IDENTITY_DELETE, "tt", id,
	    user_id)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	if (gh_db_changes(db) != 1)
		return GH_ENOTFOUND;
	/* Counted before the delete: the identity was one of them. */
	return ways <= 1 ? GH_ECONFLICT : GH_OK;
}
