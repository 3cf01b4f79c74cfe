#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cookie.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "problem.h"
#include "serve.h"
#include "session.h"
#include "store_user.h"

#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))

#define F_EMAIL(flags) { "email", GH_JSON_STRING, (flags), 3, 254, \
	gh_check_email, "email" }
#define F_PASSWORD(name) { name, GH_JSON_STRING, \
	GH_F_REQUIRED | GH_F_SECRET, 8, 128, gh_check_password, "password" }
#define F_USERNAME(flags) { "username", GH_JSON_STRING, (flags), 3, \
	GH_USERNAME_MAX, gh_check_username, "username" }
#define F_CLIENT_ID { "client_id", GH_JSON_STRING, 0, 1, 128, \
	gh_check_token_chars, "client id" }
#define F_COOKIE { "cookie", GH_JSON_BOOL, 0, 0, 0, NULL, NULL }

/* A 400 naming one field, for checks the field table cannot express. */
static enum gh_err
invalid_one(struct gh_res *res, const char *path, const char *type,
    const char *expected)
{
	struct gh_problem	 p = { NULL };

	gh_problem_param(&p, "body", path, type, expected, NULL);
	gh_problem_send_invalid(&p, res);
	return GH_OK;
}

/* The application named by client_id (default "default"). */
static int
application(struct gh_req *req, struct gh_res *res,
    const struct gh_json_value *client, char app_id[GH_ID_LEN + 1],
    const char **client_id)
{
	enum gh_err	 er;

	*client_id = client->present ? client->s : "default";
	er = gh_store_app_by_client(req->srv->db, *client_id, app_id);
	if (er == GH_ENOTFOUND)
		invalid_one(res, "client_id", "not_found", "a known client id");
	else if (er != GH_OK)
		gh_problem(res, 500, "internal_error", NULL);
	return er == GH_OK;
}

/* {tokens, profile}: the AuthenticationResult of DESIGN.md §6. In cookie
 * mode the tokens stay out of reach of scripts: the session cookie is set
 * (HttpOnly) and the body carries the profile and the CSRF token. */
static enum gh_err
auth_result(struct gh_req *req, struct gh_res *res, int status,
    const char *user_id, const char *membership_id, const char *session_id,
    struct gh_tokens *t)
{
	json_object	*o, *profile;
	char		 csrf[GH_CSRF_LEN + 1];
	enum gh_err	 er;

	if ((er = gh_store_user_profile(req->srv->db, user_id, membership_id,
	    &profile)) != GH_OK)
		return er;
	o = json_object_new_object();
	if (t->cookie[0] != '\0') {
		gh_csrf_token(req->srv->secret, session_id, csrf);
		gh_json_add(o, "csrf_token", json_object_new_string(csrf));
	} else
		gh_json_add(o, "tokens", gh_tokens_json(t));
	gh_json_add(o, "profile", profile);
	gh_res_json(res, status, o);
	if (t->cookie[0] != '\0')
		return gh_cookie_set(res, &req->srv->cfg, t->cookie);
	return GH_OK;
}

enum gh_err
auth_sign_up(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		F_EMAIL(GH_F_REQUIRED),
		F_PASSWORD("password"),
		F_USERNAME(0),
		{ "display_name", GH_JSON_STRING, 0, 1, 64,
		    gh_check_display_text, "text without control characters" },
		{ "invite_code", GH_JSON_STRING, 0, 1, 128,
		    gh_check_token_chars, "invite code" },
		F_CLIENT_ID,
		F_COOKIE,
	};
	enum { EMAIL, PASSWORD, USERNAME, DISPLAY, INVITE, CLIENT, COOKIE };
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_db		*db = req->srv->db;
	struct gh_new_user	 nu;
	struct gh_subject	 subj;
	struct gh_tokens	 tok;
	char			 hash[GH_PASSWORD_HASH_MAX];
	char			 app_id[GH_ID_LEN + 1], user_id[GH_ID_LEN + 1];
	char			 mem_id[GH_ID_LEN + 1], sid[GH_ID_LEN + 1];
	const char		*client_id, *code;
	enum gh_err		 er;

	memset(&tok, 0, sizeof(tok));
	memset(hash, 0, sizeof(hash));
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	/* Invites arrive with accounts (issue 8); until then none is valid. */
	if (v[INVITE].present)
		return invalid_one(res, "invite_code", "invalid",
		    "a valid invite code");
	if (!application(req, res, &v[CLIENT], app_id, &client_id))
		return GH_OK;
	/* The slow hash runs before the write lock is taken. */
	if ((er = gh_password_hash(&req->srv->pw, v[PASSWORD].s,
	    v[PASSWORD].len, hash)) != GH_OK)
		goto out;
	memset(&nu, 0, sizeof(nu));
	nu.application_id = app_id;
	nu.email = v[EMAIL].s;
	nu.username = v[USERNAME].present ? v[USERNAME].s : NULL;
	nu.display_name = v[DISPLAY].present ? v[DISPLAY].s : NULL;
	nu.password_hash = hash;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	er = gh_store_user_create(db, &nu, user_id, mem_id, &code);
	if (er == GH_ECONFLICT) {
		gh_db_rollback(db);
		gh_problem(res, 409, code, strcmp(code, "email_taken") == 0 ?
		    "an account with this email exists; sign in instead" :
		    "choose another username");
		er = GH_OK;
		goto out;
	}
	subj.user_id = user_id;
	subj.application_id = app_id;
	subj.client_id = client_id;
	subj.membership_id = mem_id;
	if (er != GH_OK ||
	    (er = gh_session_start(req, &subj, "pwd", v[COOKIE].b, sid,
	    &tok)) != GH_OK ||
	    (er = gh_audit(req, "sign_up", app_id, user_id, sid)) != GH_OK ||
	    (er = auth_result(req, res, 201, user_id, mem_id, sid, &tok)) !=
	    GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK)
		gh_res_empty(res, 0);	/* nothing is said until committed */
out:
	sodium_memzero(hash, sizeof(hash));
	gh_tokens_free(&tok);
	return er;
}

static enum gh_err
reject_credentials(struct gh_req *req, struct gh_res *res,
    const char *app_id, const char *user_id)
{
	enum gh_err	 er;

	if ((er = gh_audit(req, "sign_in_failed", app_id, user_id, NULL)) !=
	    GH_OK)
		return er;
	gh_problem(res, 401, "invalid_credentials",
	    "the email, username or password is not right");
	return GH_OK;
}

enum gh_err
auth_sign_in(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		F_EMAIL(0),
		F_USERNAME(0),
		F_PASSWORD("password"),
		F_CLIENT_ID,
		F_COOKIE,
	};
	enum { EMAIL, USERNAME, PASSWORD, CLIENT, COOKIE };
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_server	*srv = req->srv;
	struct gh_login		 login;
	struct gh_subject	 subj;
	struct gh_tokens	 tok;
	char			 app_id[GH_ID_LEN + 1], mem_id[GH_ID_LEN + 1];
	char			 sid[GH_ID_LEN + 1], fresh[GH_PASSWORD_HASH_MAX];
	const char		*client_id;
	struct gh_problem	 p = { NULL };
	int			 rehash, bad;
	enum gh_err		 er;

	memset(&tok, 0, sizeof(tok));
	memset(&login, 0, sizeof(login));
	fresh[0] = '\0';
	/* The either-or rule joins the table's findings in one answer. */
	bad = gh_json_fields(req->json, fields, NFIELDS(fields), v, &p) != GH_OK;
	if (v[EMAIL].present && v[USERNAME].present) {
		gh_problem_param(&p, "body", "username", "exclusive",
		    "email or username, not both", NULL);
		bad = 1;
	} else if (!v[EMAIL].present && !v[USERNAME].present) {
		gh_problem_param(&p, "body", "email", "required", "string",
		    NULL);
		bad = 1;
	}
	if (bad) {
		gh_problem_send_invalid(&p, res);
		gh_problem_free(&p);
		return GH_OK;
	}
	if (!application(req, res, &v[CLIENT], app_id, &client_id))
		return GH_OK;
	er = gh_store_user_login(srv->db, app_id, v[EMAIL].present ? "email" :
	    "username", v[EMAIL].present ? v[EMAIL].s : v[USERNAME].s, &login);
	if (er == GH_ENOTFOUND || (er == GH_OK && login.hash[0] == '\0')) {
		/* The same work and answer as a wrong password. */
		gh_password_burn(&srv->pw, v[PASSWORD].s, v[PASSWORD].len);
		er = reject_credentials(req, res, app_id, NULL);
		goto out;
	}
	if (er != GH_OK)
		goto out;
	if (gh_password_verify(login.hash, v[PASSWORD].s, v[PASSWORD].len) !=
	    GH_OK) {
		er = reject_credentials(req, res, app_id, login.user_id);
		goto out;
	}
	if (!login.active) {
		gh_problem(res, 403, "account_disabled",
		    "this account has been disabled");
		goto out;
	}
	rehash = gh_password_needs_rehash(&srv->pw, login.hash);
	if (rehash && (er = gh_password_hash(&srv->pw, v[PASSWORD].s,
	    v[PASSWORD].len, fresh)) != GH_OK)
		goto out;
	if ((er = gh_db_begin(srv->db, rehash ? GH_DB_DURABLE :
	    GH_DB_RELAXED)) != GH_OK)
		goto out;
	if (rehash && (er = gh_store_password_set(srv->db, login.user_id,
	    fresh)) != GH_OK)
		goto out;
	if ((er = gh_store_user_first_membership(srv->db, login.user_id,
	    mem_id)) != GH_OK)
		goto out;
	subj.user_id = login.user_id;
	subj.application_id = app_id;
	subj.client_id = client_id;
	subj.membership_id = mem_id[0] != '\0' ? mem_id : NULL;
	if ((er = gh_session_start(req, &subj, "pwd", v[COOKIE].b, sid,
	    &tok)) != GH_OK ||
	    (er = gh_audit(req, "sign_in", app_id, login.user_id, sid)) !=
	    GH_OK ||
	    (er = auth_result(req, res, 200, login.user_id, mem_id, sid,
	    &tok)) != GH_OK || (er = gh_db_commit(srv->db)) != GH_OK)
		gh_res_empty(res, 0);
out:
	sodium_memzero(&login, sizeof(login));
	sodium_memzero(fresh, sizeof(fresh));
	gh_tokens_free(&tok);
	return er;
}

enum gh_err
auth_refresh(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		/* Any string: one that is not a token of ours is the 401
		 * invalid_token of every other unknown token. */
		{ "refresh_token", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET,
		    1, 512, NULL, NULL },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_tokens	 tok;
	const char		*code;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	er = gh_session_refresh(req, v[0].s, v[0].len, &tok, &code);
	if (er == GH_EAUTH) {
		gh_problem(res, strcmp(code, "account_disabled") == 0 ? 403 :
		    401, code, strcmp(code, "token_reused") == 0 ?
		    "this refresh token was already used; the session has "
		    "been ended for safety" : NULL);
		er = GH_OK;
	} else if (er == GH_OK)
		gh_res_json(res, 200, gh_tokens_json(&tok));
	gh_tokens_free(&tok);
	return er;
}

enum gh_err
auth_sign_out(struct gh_req *req, struct gh_res *res)
{
	struct gh_db	*db = req->srv->db;
	enum gh_err	 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK ||
	    (er = gh_session_revoke(req, req->auth.session_id,
	    "sign_out")) != GH_OK ||
	    (er = gh_audit(req, "sign_out", req->auth.application_id,
	    req->auth.user_id, req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK)
		return er;
	gh_res_empty(res, 204);
	return req->by_cookie ? gh_cookie_clear(res, &req->srv->cfg) : GH_OK;
}

enum gh_err
auth_csrf_token(struct gh_req *req, struct gh_res *res)
{
	char		 csrf[GH_CSRF_LEN + 1];
	json_object	*o = json_object_new_object();

	gh_csrf_token(req->srv->secret, req->auth.session_id, csrf);
	gh_json_add(o, "csrf_token", json_object_new_string(csrf));
	gh_res_json(res, 200, o);
	return GH_OK;
}

static enum gh_err
send_profile(struct gh_req *req, struct gh_res *res)
{
	json_object	*p;
	enum gh_err	 er;

	if ((er = gh_store_user_profile(req->srv->db, req->auth.user_id,
	    req->auth.membership_id, &p)) != GH_OK)
		return er;
	gh_res_json(res, 200, p);
	return GH_OK;
}

enum gh_err
auth_me_get(struct gh_req *req, struct gh_res *res)
{
	return send_profile(req, res);
}

enum gh_err
auth_me_patch(struct gh_req *req, struct gh_res *res)
{
#define NAME(n) { n, GH_JSON_STRING, GH_F_NULLABLE, 1, 64, \
	gh_check_display_text, "text without control characters" }
	/* In the order of enum gh_profile_field. */
	static const struct gh_json_field fields[GH_P__MAX] = {
		NAME("display_name"),
		{ "avatar_url", GH_JSON_STRING, GH_F_NULLABLE, 10, 2048,
		    gh_check_url, "url" },
		F_USERNAME(0),
		NAME("given_name"),
		NAME("family_name"),
		{ "locale", GH_JSON_STRING, GH_F_NULLABLE, 2, 35,
		    gh_check_locale, "BCP 47 language tag" },
		{ "timezone", GH_JSON_STRING, GH_F_NULLABLE, 1, 64,
		    gh_check_timezone, "IANA time zone" },
		{ "preferred_language", GH_JSON_STRING, GH_F_NULLABLE, 2, 35,
		    gh_check_locale, "BCP 47 language tag" },
	};
#undef NAME
	struct gh_json_value	 v[GH_P__MAX];
	struct gh_profile_patch	 patch;
	struct gh_db		*db = req->srv->db;
	size_t			 i;
	int			 taken;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, GH_P__MAX, v))
		return GH_OK;
	memset(&patch, 0, sizeof(patch));
	for (i = 0; i < GH_P__MAX; i++) {
		patch.set[i] = v[i].present;
		patch.value[i] = v[i].is_null ? NULL : v[i].s;
	}
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if (v[GH_P_USERNAME].present) {
		taken = gh_store_username_taken(db, req->auth.application_id,
		    v[GH_P_USERNAME].s, req->auth.user_id);
		if (taken != 0) {
			gh_db_rollback(db);
			if (taken < 0)
				return GH_EDB;
			gh_problem(res, 409, "username_taken",
			    "choose another username");
			return GH_OK;
		}
	}
	if ((er = gh_store_user_update(db, req->auth.user_id, &patch)) !=
	    GH_OK || (er = gh_audit(req, "profile_updated",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK || (er = gh_db_commit(db)) != GH_OK)
		return er;
	return send_profile(req, res);
}
