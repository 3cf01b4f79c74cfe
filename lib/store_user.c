#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "db.h"
#include "json.h"
#include "store_user.h"
#include "str.h"

void
gh_store_fold(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static char *
folded(const char *s)
{
	char	*f = strdup(s);

	if (f != NULL)
		gh_store_fold(f);
	return f;
}

enum gh_err
gh_store_app_by_client(struct gh_db *db, const char *client_id,
    char app_id[GH_ID_LEN + 1])
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	if ((st = gh_db_prepare(db, GH_STMT_APP_BY_CLIENT_ID, "t",
	    client_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		gh_strlcpy(app_id, gh_stmt_col_text(st, 0), GH_ID_LEN + 1);
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		return GH_OK;
	return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
}

/* 1 when the statement finds a row, 0 when not, -1 on error. */
static int
exists(struct gh_stmt *st)
{
	enum gh_step	 rc;

	if (st == NULL)
		return -1;
	rc = gh_stmt_step(st);
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		return 1;
	return rc == GH_STEP_DONE ? 0 : -1;
}

int
gh_store_username_taken(struct gh_db *db, const char *app_id,
    const char *username, const char *except_user_id)
{
	char	*norm = folded(username);
	int	 r;

	if (norm == NULL)
		return -1;
	r = exists(gh_db_prepare(db, GH_STMT_USERNAME_TAKEN, "ttt", app_id,
	    norm, except_user_id != NULL ? except_user_id : ""));
	free(norm);
	return r;
}

/* A handle from the email's local part plus four random digits, retried
 * while taken; then twelve random letters, which do not collide. */
static enum gh_err
make_username(struct gh_db *db, const char *app_id, const char *email,
    char out[GH_USERNAME_MAX + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz";
	size_t	 n = 0, i;
	int	 tries, taken;

	if (!((email[0] >= 'a' && email[0] <= 'z') ||
	    (email[0] >= 'A' && email[0] <= 'Z')))
		out[n++] = 'u';
	for (i = 0; email[i] != '@' && email[i] != '\0' && n < 20; i++)
		if ((email[i] >= 'a' && email[i] <= 'z') ||
		    (email[i] >= 'A' && email[i] <= 'Z') ||
		    (email[i] >= '0' && email[i] <= '9') || email[i] == '_')
			out[n++] = email[i];
	for (tries = 0; tries < 9; tries++) {
		if (tries < 8)
			snprintf(out + n, GH_USERNAME_MAX + 1 - n, "_%04u",
			    (unsigned)randombytes_uniform(10000));
		else {
			memcpy(out, "user_", 5);
			for (i = 5; i < 17; i++)
				out[i] = alphabet[randombytes_uniform(26)];
			out[i] = '\0';
		}
		if ((taken = gh_store_username_taken(db, app_id, out, NULL)) < 0)
			return GH_EDB;
		if (!taken)
			return GH_OK;
	}
	return GH_ECONFLICT;
}

enum gh_err
gh_store_user_create(struct gh_db *db, const struct gh_new_user *in,
    char user_id[GH_ID_LEN + 1], char membership_id[GH_ID_LEN + 1],
    const char **code)
{
	char		 username[GH_USERNAME_MAX + 1], email_id[GH_ID_LEN + 1];
	char		 account_id[GH_ID_LEN + 1];
	char		*email_norm = NULL, *user_norm = NULL;
	struct gh_stmt	*st;
	int64_t		 now = gh_clock_now();
	int		 r;
	enum gh_err	 er = GH_ENOMEM;

	*code = NULL;
	if ((email_norm = folded(in->email)) == NULL)
		goto out;
	r = exists(gh_db_prepare(db, GH_STMT_EMAIL_TAKEN, "tt",
	    in->application_id, email_norm));
	if (r != 0) {
		er = r < 0 ? GH_EDB : GH_ECONFLICT;
		*code = "email_taken";
		goto out;
	}
	if (in->username != NULL) {
		gh_strlcpy(username, in->username, sizeof(username));
		if ((r = gh_store_username_taken(db, in->application_id,
		    username, NULL)) != 0) {
			er = r < 0 ? GH_EDB : GH_ECONFLICT;
			*code = "username_taken";
			goto out;
		}
	} else if ((er = make_username(db, in->application_id, in->email,
	    username)) != GH_OK)
		goto out;
	if ((user_norm = folded(username)) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	gh_id_new(user_id);
	gh_id_new(email_id);
	gh_id_new(account_id);
	gh_id_new(membership_id);
	er = GH_EDB;
	if ((st = gh_db_prepare(db, GH_STMT_USER_INSERT, "ttttti", user_id,
	    in->application_id, username, user_norm, in->display_name,
	    now)) == NULL || (er = gh_stmt_exec(st)) != GH_OK)
		goto out;
	if ((st = gh_db_prepare(db, GH_STMT_EMAIL_INSERT, "ttttti", email_id,
	    user_id, in->application_id, in->email, email_norm, now)) == NULL ||
	    (er = gh_stmt_exec(st)) != GH_OK)
		goto out;
	/* A visitor (email-code sign-in) has no password. */
	if (in->password_hash != NULL && ((st = gh_db_prepare(db,
	    GH_STMT_PASSWORD_INSERT, "tti", user_id, in->password_hash,
	    now)) == NULL || (er = gh_stmt_exec(st)) != GH_OK))
		goto out;
	if ((st = gh_db_prepare(db, GH_STMT_ACCOUNT_INSERT, "ttti", account_id,
	    in->application_id, in->display_name != NULL ? in->display_name :
	    username, now)) == NULL || (er = gh_stmt_exec(st)) != GH_OK)
		goto out;
	if ((st = gh_db_prepare(db, GH_STMT_MEMBERSHIP_INSERT, "tttti",
	    membership_id, account_id, user_id, "owner", now)) == NULL ||
	    (er = gh_stmt_exec(st)) != GH_OK)
		goto out;
	er = GH_OK;
out:
	if (er == GH_ECONFLICT && *code == NULL)
		*code = "username_taken";
	free(email_norm);
	free(user_norm);
	return er;
}

enum gh_err
gh_store_user_login(struct gh_db *db, const char *app_id, const char *by,
    const char *value, struct gh_login *out)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	char		*norm = folded(value);
	const char	*hash, *status;

	memset(out, 0, sizeof(*out));
	if (norm == NULL)
		return GH_ENOMEM;
	st = gh_db_prepare(db, strcmp(by, "email") == 0 ?
	    GH_STMT_LOGIN_BY_EMAIL : GH_STMT_LOGIN_BY_USERNAME, "tt", app_id,
	    norm);
	if (st == NULL) {
		free(norm);
		return GH_EDB;
	}
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		gh_strlcpy(out->user_id, gh_stmt_col_text(st, 0),
		    sizeof(out->user_id));
		status = gh_stmt_col_text(st, 1);
		out->active = status != NULL && strcmp(status, "active") == 0;
		hash = gh_stmt_col_text(st, 2);
		if (hash != NULL && strlen(hash) < sizeof(out->hash))
			memcpy(out->hash, hash, strlen(hash) + 1);
	}
	gh_stmt_reset(st);
	free(norm);	/* bound until the reset */
	if (rc == GH_STEP_ROW)
		return GH_OK;
	return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
}

enum gh_err
gh_store_user_first_membership(struct gh_db *db, const char *user_id,
    char out[GH_ID_LEN + 1])
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	out[0] = '\0';
	if ((st = gh_db_prepare(db, GH_STMT_MEMBERSHIPS_BY_USER, "t",
	    user_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		gh_strlcpy(out, gh_stmt_col_text(st, 0), GH_ID_LEN + 1);
	gh_stmt_reset(st);
	return rc == GH_STEP_ERROR ? GH_EDB : GH_OK;
}

enum gh_err
gh_store_password_set(struct gh_db *db, const char *user_id, const char *hash)
{
	struct gh_stmt	*st;

	st = gh_db_prepare(db, GH_STMT_PASSWORD_UPDATE, "tti", user_id, hash,
	    gh_clock_now());
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

/* Columns of GH_STMT_USER_BY_ID. */
enum { U_ID, U_APP, U_STATUS, U_USERNAME, U_DISPLAY, U_AVATAR, U_BANNER,
	U_BOT, U_GIVEN, U_FAMILY, U_LOCALE, U_TZ, U_LANG, U_CREATED };

/* The PublicProfile fields of a user row whose columns start at base. */
static void
add_public(json_object *o, struct gh_stmt *st, int base)
{
	gh_json_add(o, "id", gh_json_col_text(st, base + U_ID));
	gh_json_add(o, "username", gh_json_col_text(st, base + U_USERNAME));
	gh_json_add(o, "display_name", gh_json_col_text(st, base + U_DISPLAY));
	gh_json_add(o, "avatar_url", gh_json_col_text(st, base + U_AVATAR));
	gh_json_add(o, "banner_url", gh_json_col_text(st, base + U_BANNER));
	gh_json_add(o, "is_bot",
	    json_object_new_boolean(gh_stmt_col_int(st, base + U_BOT) != 0));
	gh_json_add(o, "created_at", gh_json_col_time(st, base + U_CREATED));
}

static enum gh_err
user_row(struct gh_db *db, const char *user_id, struct gh_stmt **out)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	if ((st = gh_db_prepare(db, GH_STMT_USER_BY_ID, "t", user_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) != GH_STEP_ROW) {
		gh_stmt_reset(st);
		return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
	}
	*out = st;
	return GH_OK;
}

json_object *
gh_store_user_public_row(struct gh_stmt *st, int base)
{
	const char	*status = gh_stmt_col_text(st, base + U_STATUS);
	json_object	*o;

	if (status == NULL || strcmp(status, "active") != 0)
		return NULL;
	o = json_object_new_object();
	add_public(o, st, base);
	return o;
}

enum gh_err
gh_store_user_public(struct gh_db *db, const char *user_id, json_object **out)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	*out = NULL;
	if ((er = user_row(db, user_id, &st)) != GH_OK)
		return er;
	*out = gh_store_user_public_row(st, 0);
	gh_stmt_reset(st);
	return *out != NULL ? GH_OK : GH_ENOTFOUND;
}

static void
credential_row(json_object *o, struct gh_stmt *st)
{
	gh_json_add(o, "id", gh_json_col_text(st, 1));
	gh_json_add(o, "email", gh_json_col_text(st, 2));
	gh_json_add(o, "email_verified_at", gh_json_col_time(st, 3));
}

static void
membership_row(json_object *o, struct gh_stmt *st)
{
	json_object	*acct = json_object_new_object();

	gh_json_add(o, "id", gh_json_col_text(st, 1));
	gh_json_add(o, "account_id", gh_json_col_text(st, 2));
	gh_json_add(o, "role", gh_json_col_text(st, 3));
	gh_json_add(acct, "id", gh_json_col_text(st, 2));
	gh_json_add(acct, "name", gh_json_col_text(st, 4));
	gh_json_add(acct, "avatar_url", gh_json_col_text(st, 5));
	gh_json_add(o, "account", acct);
}

/* The user's own part of a SessionProfile (a kind 0 row). */
static json_object *
profile_of(struct gh_stmt *st)
{
	json_object	*p = json_object_new_object(), *ident;

	add_public(p, st, 1);
	gh_json_add(p, "application_id", gh_json_col_text(st, 1 + U_APP));
	gh_json_add(p, "status", gh_json_col_text(st, 1 + U_STATUS));
	ident = json_object_new_object();
	gh_json_add(ident, "given_name", gh_json_col_text(st, 1 + U_GIVEN));
	gh_json_add(ident, "family_name", gh_json_col_text(st, 1 + U_FAMILY));
	gh_json_add(ident, "locale", gh_json_col_text(st, 1 + U_LOCALE));
	gh_json_add(ident, "timezone", gh_json_col_text(st, 1 + U_TZ));
	gh_json_add(ident, "preferred_language", gh_json_col_text(st, 1 + U_LANG));
	gh_json_add(p, "identity", ident);
	return p;
}

enum gh_err
gh_store_user_profile(struct gh_db *db, const char *user_id,
    const char *active_membership, json_object **out)
{
	struct gh_stmt	*st;
	json_object	*p = NULL, *creds, *mems, *o;
	enum gh_step	 rc;
	int64_t		 kind;
	int		 mfa = 0;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_PROFILE, "t", user_id)) == NULL)
		return GH_EDB;
	creds = json_object_new_array();
	mems = json_object_new_array();
	while ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		if ((kind = gh_stmt_col_int(st, 0)) == 0) {
			p = profile_of(st);
			mfa = gh_stmt_col_int(st, 15) != 0;
			continue;
		}
		o = json_object_new_object();
		if (kind == 1)
			credential_row(o, st);
		else
			membership_row(o, st);
		json_object_array_add(kind == 1 ? creds : mems, o);
	}
	gh_stmt_reset(st);
	if (rc != GH_STEP_DONE || p == NULL) {
		json_object_put(p);
		json_object_put(creds);
		json_object_put(mems);
		return rc != GH_STEP_DONE ? GH_EDB : GH_ENOTFOUND;
	}
	gh_json_add(p, "credentials", creds);
	gh_json_add(p, "memberships", mems);
	gh_json_add(p, "active_membership",
	    active_membership != NULL && *active_membership != '\0' ?
	    json_object_new_string(active_membership) : NULL);
	gh_json_add(p, "mfa_enabled", json_object_new_boolean(mfa));
	*out = p;
	return GH_OK;
}

enum gh_err
gh_store_user_update(struct gh_db *db, const char *user_id,
    const struct gh_profile_patch *patch)
{
	/* Where each field stands in GH_STMT_USER_BY_ID. */
	static const int	 col[GH_P__MAX] = { U_DISPLAY, U_AVATAR,
				    U_USERNAME, U_GIVEN, U_FAMILY, U_LOCALE,
				    U_TZ, U_LANG };
	char			*cur[GH_P__MAX], *norm = NULL;
	const char		*v;
	struct gh_stmt		*st;
	size_t			 i;
	enum gh_err		 er;

	memset(cur, 0, sizeof(cur));
	if ((er = user_row(db, user_id, &st)) != GH_OK)
		return er;
	for (i = 0; i < GH_P__MAX; i++) {
		v = patch->set[i] ? patch->value[i] :
		    gh_stmt_col_text(st, col[i]);
		if (v != NULL && (cur[i] = strdup(v)) == NULL)
			er = GH_ENOMEM;
	}
	gh_stmt_reset(st);
	if (er != GH_OK || cur[GH_P_USERNAME] == NULL ||
	    (norm = folded(cur[GH_P_USERNAME])) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	st = gh_db_prepare(db, GH_STMT_USER_UPDATE_PROFILE, "tttttttttti",
	    user_id, cur[GH_P_DISPLAY_NAME], cur[GH_P_AVATAR_URL],
	    cur[GH_P_USERNAME], norm, cur[GH_P_GIVEN_NAME],
	    cur[GH_P_FAMILY_NAME], cur[GH_P_LOCALE], cur[GH_P_TIMEZONE],
	    cur[GH_P_LANGUAGE], gh_clock_now());
	er = st != NULL ? gh_stmt_exec(st) : GH_EDB;
out:
	for (i = 0; i < GH_P__MAX; i++)
		free(cur[i]);
	free(norm);
	return er;
}

enum gh_err
gh_store_email_of(struct gh_db *db, const char *user_id, const char *email_id,
    char id[GH_ID_LEN + 1], char email[256], int *verified)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	if ((st = gh_db_prepare(db, GH_STMT_EMAIL_OF_USER, "tt", user_id,
	    email_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		gh_strlcpy(id, gh_stmt_col_text(st, 0), GH_ID_LEN + 1);
		gh_strlcpy(email, gh_stmt_col_text(st, 1), 256);
		*verified = !gh_stmt_col_is_null(st, 2);
	}
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		return GH_OK;
	return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
}

enum gh_err
gh_store_email_verify(struct gh_db *db, const char *email_id, int64_t now)
{
	struct gh_stmt	*st;

	if ((st = gh_db_prepare(db, GH_STMT_EMAIL_VERIFY, "ti", email_id,
	    now)) == NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}

void
gh_store_username(struct gh_db *db, const char *user_id,
    char out[GH_USERNAME_MAX + 1])
{
	struct gh_stmt	*st;

	out[0] = '\0';
	if ((st = gh_db_prepare(db, GH_STMT_USER_USERNAME, "t", user_id)) ==
	    NULL)
		return;
	if (gh_stmt_step(st) == GH_STEP_ROW)
		gh_strlcpy(out, gh_stmt_col_text(st, 0), GH_USERNAME_MAX + 1);
	gh_stmt_reset(st);
}

enum gh_err
gh_store_user_active(struct gh_db *db, const char *user_id, int *active)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	const char	*status;

	*active = 0;
	if ((st = gh_db_prepare(db, GH_STMT_USER_USERNAME, "t", user_id)) ==
	    NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		status = gh_stmt_col_text(st, 1);
		*active = status != NULL && strcmp(status, "active") == 0;
	}
	gh_stmt_reset(st);
	return rc == GH_STEP_ROW || rc == GH_STEP_DONE ? GH_OK : GH_EDB;
}

int
gh_store_email_taken(struct gh_db *db, const char *app_id, const char *email)
{
	char	*norm = folded(email);
	int	 r;

	if (norm == NULL)
		return -1;
	r = exists(gh_db_prepare(db, GH_STMT_EMAIL_TAKEN, "tt", app_id, norm));
	free(norm);
	return r;
}

enum gh_err
gh_store_email_change(struct gh_db *db, const char *email_id,
    const char *email, int64_t now)
{
	struct gh_stmt	*st;
	char		*norm = folded(email);
	enum gh_err	 er;

	if (norm == NULL)
		return GH_ENOMEM;
	if ((st = gh_db_prepare(db, GH_STMT_EMAIL_CHANGE, "ttti", email_id,
	    email, norm, now)) == NULL)
		er = GH_EDB;
	else
		er = gh_stmt_exec(st);
	free(norm);
	return er;
}
