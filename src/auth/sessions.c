/*
 * The signed-in session's own routes of auth.fcgi: presence (POST
 * /disconnect) and a new password for a user who knows the current one
 * (POST /change-password). See docs/sessions.md.
 */
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "backoff.h"
#include "clock.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "password.h"
#include "policy.h"
#include "problem.h"
#include "serve.h"
#include "session.h"
#include "sessions.h"
#include "store_session.h"
#include "store_user.h"

#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))

enum gh_err
auth_disconnect(struct gh_req *req, struct gh_res *res)
{
	enum gh_err	 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	/* One statement, its own commit; the request's own presence write
	 * (lib/serve.c) must not undo it. */
	if ((er = gh_store_session_offline(req->srv->db, req->auth.session_id,
	    gh_clock_now())) != GH_OK)
		return er;
	req->presence_set = 1;
	gh_res_empty(res, 204);
	return GH_OK;
}

/* A wrong current password counts towards the sign-in backoff of the
 * account's address (lib/backoff.h), so a stolen access token cannot
 * guess it faster than sign-in could; it is also logged. */
static enum gh_err
wrong_password(struct gh_req *req, struct gh_res *res,
    const unsigned char *key)
{
	struct gh_db	*db = req->srv->db;
	int64_t		 locked_for;
	enum gh_err	 er;

	if ((er = gh_db_begin(db, GH_DB_RELAXED)) != GH_OK)
		return er;
	if ((er = gh_backoff_fail(db, &req->srv->cfg, key, gh_clock_now(),
	    &locked_for)) != GH_OK ||
	    (er = gh_audit(req, "password_change_refused",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		return er;
	}
	gh_problem(res, 401, "invalid_credentials",
	    "the current password is not right");
	return GH_OK;
}

/* new_password under the policy, knowing the user's handle. */
static int
new_password_allowed(struct gh_req *req, struct gh_res *res,
    const struct gh_json_value *pw, const char *email)
{
	char	 username[GH_USERNAME_MAX + 1];

	gh_store_username(req->srv->db, req->auth.user_id, username);
	return auth_password_allowed(req, res, "new_password", pw, email,
	    username);
}

/*
 * A new password for the signed-in user: the current one must be right
 * (401 invalid_credentials), the new one must pass the policy (400). Every
 * other session of the user ends ("password_changed"); this one stays.
 */
enum gh_err
auth_change_password(struct gh_req *req, struct gh_res *res)
{
	struct gh_json_field fields[] = {
		{ "current_password", GH_JSON_STRING,
		    GH_F_REQUIRED | GH_F_SECRET, 1, 1024, gh_check_password,
		    "password" },
		{ "new_password", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET,
		    8, 128, gh_check_password, "password" },
	};
	enum { CURRENT, NEW };
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_server	*srv = req->srv;
	struct gh_login		 login;
	unsigned char		 key[GH_BACKOFF_KEY_BYTES];
	char			 hash[GH_PASSWORD_HASH_MAX];
	char			 email_id[GH_ID_LEN + 1], email[256];
	int64_t			 retry_after, revoked;
	int			 verified;
	enum gh_err		 er;

	memset(&login, 0, sizeof(login));
	memset(key, 0, sizeof(key));
	hash[0] = '\0';
	fields[NEW].min = srv->cfg.password_min_length;
	fields[NEW].max = srv->cfg.password_max_length;
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if ((er = gh_store_email_of(srv->db, req->auth.user_id, NULL,
	    email_id, email, &verified)) != GH_OK ||
	    (er = gh_store_user_login(srv->db, req->auth.application_id,
	    "email", email, &login)) != GH_OK)
		goto out;
	gh_backoff_key(srv->secret, req->auth.application_id, "email", email,
	    key);
	if ((er = gh_backoff_check(srv->db, key, gh_clock_now(),
	    &retry_after)) == GH_ELIMIT) {
		gh_server_too_many(res, retry_after);
		er = GH_OK;
		goto out;
	}
	if (er != GH_OK)
		goto out;
	/* An account without a password (OAuth, email codes) has none to
	 * match: it sets one by reset-password. */
	if (login.hash[0] == '\0' || gh_password_verify(login.hash,
	    v[CURRENT].s, v[CURRENT].len) != GH_OK) {
		er = wrong_password(req, res, key);
		goto out;
	}
	if (!new_password_allowed(req, res, &v[NEW], email))
		goto out;
	/* The slow hash runs before the write lock is taken. */
	if ((er = gh_password_hash(&srv->pw, v[NEW].s, v[NEW].len, hash)) !=
	    GH_OK || (er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	if ((er = gh_store_password_set(srv->db, req->auth.user_id, hash)) !=
	    GH_OK ||
	    (er = gh_session_revoke_others(srv->db, req->auth.user_id,
	    req->auth.session_id, "password_changed", &revoked)) != GH_OK ||
	    (er = gh_backoff_clear(srv->db, key)) != GH_OK ||
	    (er = gh_audit(req, "password_changed", req->auth.application_id,
	    req->auth.user_id, req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK) {
		gh_db_rollback(srv->db);
		goto out;
	}
	gh_res_empty(res, 204);
out:
	sodium_memzero(&login, sizeof(login));
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(key, sizeof(key));
	return er;
}
