#include <string.h>

#include "db.h"
#include "json.h"
#include "store_account.h"
#include "store_user.h"
#include "str.h"

/* Columns of GH_STMT_ACCOUNTS_OF_USER and GH_STMT_ACCOUNT_OF_MEMBER. */
enum { A_ID, A_NAME, A_AVATAR, A_PERSONAL, A_ROLE, A_MEMBERSHIP, A_CREATED };
/* Columns of GH_STMT_ACCOUNT_MEMBERS; the user's start at M_USER. */
enum { M_ID, M_USER_ID, M_ROLE, M_JOINED, M_USER };

int
gh_store_account_role_is_valid(const char *role)
{
	return strcmp(role, GH_ROLE_OWNER) == 0 ||
	    strcmp(role, GH_ROLE_MEMBER) == 0 ||
	    strcmp(role, GH_ROLE_VIEWER) == 0;
}

static json_object *
account_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "id", gh_json_col_text(st, A_ID));
	gh_json_add(o, "name", gh_json_col_text(st, A_NAME));
	gh_json_add(o, "avatar_url", gh_json_col_text(st, A_AVATAR));
	gh_json_add(o, "personal", json_object_new_boolean(
	    gh_stmt_col_int(st, A_PERSONAL) != 0));
	gh_json_add(o, "role", gh_json_col_text(st, A_ROLE));
	gh_json_add(o, "membership_id", gh_json_col_text(st, A_MEMBERSHIP));
	gh_json_add(o, "created_at", gh_json_col_time(st, A_CREATED));
	return o;
}

static json_object *
member_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "membership_id", gh_json_col_text(st, M_ID));
	gh_json_add(o, "user_id", gh_json_col_text(st, M_USER_ID));
	gh_json_add(o, "role", gh_json_col_text(st, M_ROLE));
	gh_json_add(o, "joined_at", gh_json_col_time(st, M_JOINED));
	gh_json_add(o, "user", gh_store_user_public_row(st, M_USER));
	return o;
}

/* GH_STMT_ACCOUNT_OF_MEMBER stepped onto its row; the caller resets it.
 * GH_ENOTFOUND (reset) when there is none. */
static enum gh_err
member_row(struct gh_db *db, const char *account_id, const char *user_id,
    struct gh_stmt **out)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	if ((st = gh_db_prepare(db, GH_STMT_ACCOUNT_OF_MEMBER, "tt",
	    account_id, user_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) != GH_STEP_ROW) {
		gh_stmt_reset(st);
		return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
	}
	*out = st;
	return GH_OK;
}

enum gh_err
gh_store_account_member(struct gh_db *db, const char *account_id,
    const char *user_id, struct gh_member *m)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	memset(m, 0, sizeof(*m));
	if ((er = member_row(db, account_id, user_id, &st)) != GH_OK)
		return er;
	gh_strlcpy(m->membership_id, gh_stmt_col_text(st, A_MEMBERSHIP),
	    sizeof(m->membership_id));
	gh_strlcpy(m->role, gh_stmt_col_text(st, A_ROLE), sizeof(m->role));
	gh_stmt_reset(st);
	return GH_OK;
}

enum gh_err
gh_store_account_get(struct gh_db *db, const char *account_id,
    const char *user_id, json_object **out)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	*out = NULL;
	if ((er = member_row(db, account_id, user_id, &st)) != GH_OK)
		return er;
	*out = account_json(st, NULL);
	gh_stmt_reset(st);
	return GH_OK;
}

enum gh_err
gh_store_account_list(struct gh_db *db, const char *user_id,
    const char *after, int64_t limit, json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_ACCOUNTS_OF_USER, "tti", user_id,
	    after, limit)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, account_json, NULL, out);
}

enum gh_err
gh_store_account_members(struct gh_db *db, const char *account_id,
    const char *after, int64_t limit, const char *user_id, json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_ACCOUNT_MEMBERS, "ttit",
	    account_id, after, limit, user_id)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, member_json, NULL, out);
}

enum gh_err
gh_store_account_create(struct gh_db *db, const char *application_id,
    const char *user_id, const char *name, const char *avatar_url,
    int64_t now, char account_id[GH_ID_LEN + 1],
    char membership_id[GH_ID_LEN + 1])
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	gh_id_new(account_id);
	gh_id_new(membership_id);
	if ((st = gh_db_prepare(db, GH_STMT_ACCOUNT_CREATE, "ttttiti",
	    account_id, application_id, name, avatar_url, now, user_id,
	    (int64_t)GH_ACCOUNTS_OWNED_MAX)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	/* No row: the user owns as many accounts as anyone may. */
	if (gh_db_changes(db) != 1)
		return GH_ELIMIT;
	st = gh_db_prepare(db, GH_STMT_MEMBERSHIP_INSERT, "tttti",
	    membership_id, account_id, user_id, GH_ROLE_OWNER, now);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

enum gh_err
gh_store_account_update(struct gh_db *db, const char *account_id,
    const char *name, int set_avatar, const char *avatar_url)
{
	struct gh_stmt	*st;

	st = gh_db_prepare(db, GH_STMT_ACCOUNT_UPDATE, "ttit", account_id,
	    name, (int64_t)(set_avatar != 0), avatar_url);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

/* Runs a statement of (account_id, user_id[, ...]) already bound that
 * keeps the last owner: GH_ECONFLICT when it changed no row. */
static enum gh_err
keeping_an_owner(struct gh_db *db, struct gh_stmt *st)
{
	enum gh_err	 er;

	if (st == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	return gh_db_changes(db) == 1 ? GH_OK : GH_ECONFLICT;
}

enum gh_err
gh_store_account_set_role(struct gh_db *db, const char *account_id,
    const char *user_id, const char *role)
{
	struct gh_member	 m;
	enum gh_err		 er;

	/* In the caller's write transaction: the member is still there when
	 * the update runs, so no row changed means the last owner. */
	if ((er = gh_store_account_member(db, account_id, user_id, &m)) !=
	    GH_OK)
		return er;
	return keeping_an_owner(db, gh_db_prepare(db, GH_STMT_MEMBER_SET_ROLE,
	    "ttt", account_id, user_id, role));
}

enum gh_err
gh_store_account_remove(struct gh_db *db, const char *account_id,
    const char *user_id)
{
	struct gh_member	 m;
	struct gh_stmt		*st;
	enum gh_err		 er;

	if ((er = gh_store_account_member(db, account_id, user_id, &m)) !=
	    GH_OK || (er = keeping_an_owner(db, gh_db_prepare(db,
	    GH_STMT_MEMBER_DELETE, "tt", account_id, user_id))) != GH_OK)
		return er;
	/* A session must not keep a role its user no longer has. */
	st = gh_db_prepare(db, GH_STMT_SESSIONS_LEAVE_MEMBERSHIP, "tt",
	    m.membership_id, user_id);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}
