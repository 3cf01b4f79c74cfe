#include <string.h>

#include "db.h"
#include "json.h"
#include "store_waitlist.h"

/* Columns of GH_STMT_WAITLISTS_OF_USER. */
enum { W_KEY, W_ID, W_CREATED };

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
gh_store_waitlist_key_is_valid(const char *key)
{
	size_t	 i;

	if (!is_alnum(key[0]))
		return 0;
	for (i = 1; key[i] != '\0'; i++)
		if (i >= GH_WAITLIST_KEY_MAX || (!is_alnum(key[i]) &&
		    strchr("-_.:", key[i]) == NULL))
			return 0;
	return 1;
}

static json_object *
signup_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "feature_key", gh_json_col_text(st, W_KEY));
	gh_json_add(o, "signed_up", json_object_new_boolean(1));
	gh_json_add(o, "waitlist_id", gh_json_col_text(st, W_ID));
	gh_json_add(o, "created_at", gh_json_col_time(st, W_CREATED));
	return o;
}

enum gh_err
gh_store_waitlist_list(struct gh_db *db, const char *user_id,
    json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_WAITLISTS_OF_USER, "ti", user_id,
	    (int64_t)GH_WAITLISTS_MAX)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, signup_json, NULL, out);
}

enum gh_err
gh_store_waitlist_get(struct gh_db *db, const char *user_id, const char *key,
    char id[GH_ID_LEN + 1])
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	const char	*s;
	enum gh_err	 er = GH_ENOTFOUND;

	id[0] = '\0';
	if ((st = gh_db_prepare(db, GH_STMT_WAITLIST_GET, "tt", user_id,
	    key)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		if ((s = gh_stmt_col_text(st, 0)) != NULL &&
		    strlen(s) == GH_ID_LEN) {
			memcpy(id, s, GH_ID_LEN + 1);
			er = GH_OK;
		} else
			er = GH_EDB;
	} else if (rc != GH_STEP_DONE)
		er = GH_EDB;
	gh_stmt_reset(st);
	return er;
}

enum gh_err
gh_store_waitlist_join(struct gh_db *db, const char *user_id,
    const char *application_id, const char *key, int64_t now,
    char id[GH_ID_LEN + 1])
{
	struct gh_stmt	*st;
	char		 fresh[GH_ID_LEN + 1];
	enum gh_err	 er;

	gh_id_new(fresh);
	if ((st = gh_db_prepare(db, GH_STMT_WAITLIST_INSERT, "ttttii", fresh,
	    user_id, application_id, key, now,
	    (int64_t)GH_WAITLISTS_MAX)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	if (gh_db_changes(db) == 1) {
		memcpy(id, fresh, sizeof(fresh));
		return GH_OK;
	}
	/* No row: signed up already, or on too many waitlists. */
	er = gh_store_waitlist_get(db, user_id, key, id);
	return er == GH_ENOTFOUND ? GH_ELIMIT : er;
}

enum gh_err
gh_store_waitlist_leave(struct gh_db *db, const char *user_id,
    const char *key)
{
	struct gh_stmt	*st;

	st = gh_db_prepare(db, GH_STMT_WAITLIST_DELETE, "tt", user_id, key);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}
