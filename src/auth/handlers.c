#include <stdio.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "cookie.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "invite.h"
#include "json.h"
#include "policy.h"
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

/* The password policy (lib/policy.h) for a new password in field: 1 to go
 * on, 0 when res holds the refusal. */
int
auth_password_allowed(struct gh_req *req, struct gh_res *res,
    const char *field, const struct gh_json_value *pw, const char *email,
    const char *username)
{
	const struct gh_config	*cfg = &req->srv->cfg;
	enum gh_policy		 verdict;
	char			 expected[96];
	const char		*type;

	verdict = gh_policy_password(cfg, pw->s, pw->len, email, username);
	if (verdict == GH_POLICY_OK)
		return 1;
	if (verdict == GH_POLICY_UNCHECKED) {
		gh_problem(res, 503, "password_check_unavailable", "the "
		    "password could not be checked against known breaches; "
		    "try again later");
		return 0;
	}
	type = gh_policy_param(cfg, verdict, expected, sizeof(expected));
	invalid_one(res, field, type, expected);
	return 0;
}

enum gh_err
auth_sign_up(struct gh_req *req, struct gh_res *res)
{
	/* Not static: the password's lengths come from the configuration. */
	struct gh_json_field fields[] = {
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
	struct gh_new_account	 na;
	struct gh_signed_in	 in;
	char			 app_id[GH_ID_LEN + 1];
	const char		*client_id, *code;
	enum gh_err		 er;

	fields[PASSWORD].min = req->srv->cfg.password_min_length;
	fields[PASSWORD].max = req->srv->cfg.password_max_length;
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (req->srv->cfg.signup_invite_only && !v[INVITE].present) {
		gh_problem(res, 403, "invite_required", "sign-up is by invite "
		    "only: send invite_code");
		return GH_OK;
	}
	if (!application(req, res, &v[CLIENT], app_id, &client_id))
		return GH_OK;
	if (!auth_password_allowed(req, res, "password", &v[PASSWORD], v[EMAIL].s,
	    v[USERNAME].present ? v[USERNAME].s : NULL))
		return GH_OK;
	memset(&na, 0, sizeof(na));
	na.application_id = app_id;
	na.client_id = client_id;
	na.email = v[EMAIL].s;
	na.username = v[USERNAME].present ? v[USERNAME].s : NULL;
	na.display_name = v[DISPLAY].present ? v[DISPLAY].s : NULL;
	na.password = v[PASSWORD].s;
	na.password_len = v[PASSWORD].len;
	na.cookie = v[COOKIE].b;
	na.invite_code = v[INVITE].present ? v[INVITE].s : NULL;
	er = gh_account_sign_up(req, &na, &in, &code);
	if (er == GH_ECONFLICT && (strcmp(code, "email_taken") == 0 ||
	    strcmp(code, "username_taken") == 0)) {
		gh_problem(res, 409, code, strcmp(code, "email_taken") == 0 ?
		    "an account with this email exists; sign in instead" :
		    "choose another username");
		return GH_OK;
	}
	if (er == GH_ENOTFOUND)
		return invalid_one(res, "invite_code", "invalid",
		    "a valid invite code");
	if (gh_invite_refusal(er, code)) {
		gh_invite_problem(res, er, code);
		return GH_OK;
	}
	if (er == GH_OK)
		er = gh_account_answer(req, res, 201, &in);
	gh_signed_in_free(&in);
	return er;
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
	struct gh_credentials	 cr;
	struct gh_signed_in	 in;
	char			 app_id[GH_ID_LEN + 1];
	struct gh_problem	 p = { NULL };
	int			 bad;
	enum gh_err		 er;

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
	memset(&cr, 0, sizeof(cr));
	if (!application(req, res, &v[CLIENT], app_id, &cr.client_id))
		return GH_OK;
	cr.application_id = app_id;
	cr.by = v[EMAIL].present ? "email" : "username";
	cr.login = v[EMAIL].present ? v[EMAIL].s : v[USERNAME].s;
	cr.password = v[PASSWORD].s;
	cr.password_len = v[PASSWORD].len;
	cr.cookie = v[COOKIE].b;
	er = gh_account_sign_in(req, &cr, &in);
	if (er == GH_EAUTH) {
		gh_problem(res, 401, "invalid_credentials",
		    "the email, username or password is not right");
		er = GH_OK;
	} else if (er == GH_EFORBIDDEN) {
		gh_problem(res, 403, "account_disabled",
		    "this account has been disabled");
		er = GH_OK;
	} else if (er == GH_ELIMIT) {
		gh_server_too_many(res, in.retry_after);
		er = GH_OK;
	} else if (er == GH_ECONFLICT) {
		gh_problem(res, 403, "email_not_verified", "confirm your email "
		    "address first: open the link we sent, or ask for a new "
		    "one");
		er = GH_OK;
	} else if (er == GH_OK)
		er = gh_account_answer(req, res, 200, &in);
	gh_signed_in_free(&in);
	return er;
}

enum gh_err
auth_refresh(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		/* Any string: one that is not a token of ours is the 401
		 * invalid_token of every other unknown token, an access token
		 * too (with its claims it is longer than a refresh token). */
		{ "refresh_token", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET,
		    1, GH_JWT_MAX, NULL, NULL },
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
