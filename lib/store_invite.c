#include "db.h"
#include "json.h"
#include "store_invite.h"
#include "store_user.h"

/* Columns of GH_STMT_INVITES_PENDING; the creator's start at I_CREATOR. */
enum { I_ID, I_TYPE, I_TARGET, I_ROLE, I_EXPIRES, I_CREATED, I_CREATOR };

static json_object *
pending_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "id", gh_json_col_text(st, I_ID));
	gh_json_add(o, "type", gh_json_col_text(st, I_TYPE));
	gh_json_add(o, "creator", gh_store_user_public_row(st, I_CREATOR));
	gh_json_add(o, "target_id", gh_json_col_text(st, I_TARGET));
	gh_json_add(o, "role", gh_json_col_text(st, I_ROLE));
	gh_json_add(o, "expires_at", gh_json_col_time(st, I_EXPIRES));
	gh_json_add(o, "created_at", gh_json_col_time(st, I_CREATED));
	return o;
}

enum gh_err
gh_store_invite_pending(struct gh_db *db, const char *user_id, int64_t now,
    json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_INVITES_PENDING, "tii", user_id,
	    now, (int64_t)GH_INVITES_PENDING_MAX)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, pending_json, NULL, out);
}
