/*
 * mfa.fcgi — mounted at /v1/mfa: TOTP two-factor authentication with
 * backup codes (DESIGN.md §6, docs/mfa.md). Turning 2FA on or off ends the
 * user's other sessions; every change is a security event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account.h"
#include "audit.h"
#include "clock.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "mfa.h"
#include "password.h"
#include "problem.h"
#include "serve.h"
#include "session.h"
#include "store_user.h"
#include "str.h"
#include "totp.h"

#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))
#define F_CODE(flags) { "code", GH_JSON_STRING, (flags) | GH_F_SECRET, 6, 6, \
	check_digits, "6 digits" }

static int
check_digits(const char *s, size_t len)
{
	return strspn(s, "0123456789") == len;
}

/*
 * After a code that did not pass, inside the transaction: a wrong one is
 * kept (it counts towards the user's lock) and answered 400 invalid_code;
 * a lock is 429 with Retry-After; anything else is undone and passed on.
 */
static enum gh_err
code_refused(struct gh_db *db, struct gh_res *res, enum gh_err er,
    int64_t retry_after)
{
	if (er == GH_EINVAL || er == GH_ENOTFOUND) {
		if (er == GH_ENOTFOUND)
			gh_db_rollback(db);
		else if ((er = gh_db_commit(db)) != GH_OK)
			return er;
		gh_problem(res, 400, "invalid_code", "the code is wrong, was "
		    "used already, or is too old");
		return GH_OK;
	}
	gh_db_rollback(db);
	if (er == GH_ELIMIT) {
		gh_server_too_many(res, retry_after);
		return GH_OK;
	}
	return er;
}

/* 200 {backup_codes}: shown this once. */
static void
codes_answer(struct gh_res *res, gh_backup_code codes[GH_MFA_BACKUP_CODES])
{
	json_object	*a = json_object_new_array(), *o;
	size_t		 i;

	for (i = 0; i < GH_MFA_BACKUP_CODES; i++)
		json_object_array_add(a, json_object_new_string(codes[i]));
	o = json_object_new_object();
	gh_json_add(o, "backup_codes", a);
	gh_res_json(res, 200, o);
}

/* Ends the user's other sessions after a 2FA change, and logs both. */
static enum gh_err
changed(struct gh_req *req, const char *action)
{
	int64_t		 n;
	enum gh_err	 er;

	if ((er = gh_session_revoke_others(req->srv->db, req->auth.user_id,
	    req->auth.session_id, action, &n)) != GH_OK ||
	    (er = gh_audit(req, action, req->auth.application_id,
	    req->auth.user_id, req->auth.session_id)) != GH_OK)
		return er;
	if (n > 0 && (er = gh_audit(req, "sessions_revoked_others",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK)
		return er;
	return gh_db_commit(req->srv->db);
}

/* POST /totp/setup: a new pending secret, its otpauth URI and QR code. */
static enum gh_err
mfa_setup(struct gh_req *req, struct gh_res *res)
{
	struct gh_server	*srv = req->srv;
	char			 secret[GH_TOTP_SECRET_B32 + 1];
	char			 email_id[GH_ID_LEN + 1], email[256];
	char			*uri = NULL, *svg = NULL;
	int			 verified;
	json_object		*o;
	enum gh_err		 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	/* The authenticator's account name: the address, else the handle. */
	if ((er = gh_store_email_of(srv->db, req->auth.user_id, NULL, email_id,
	    email, &verified)) == GH_ENOTFOUND)
		gh_store_username(srv->db, req->auth.user_id, email);
	else if (er != GH_OK)
		return er;
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_mfa_setup(srv, req->auth.user_id, secret)) ==
	    GH_ECONFLICT) {
		gh_db_rollback(srv->db);
		gh_problem(res, 409, "mfa_enabled", "two-factor authentication "
		    "is on already; turn it off first to set up a new one");
		return GH_OK;
	}
	if (er != GH_OK || (er = gh_audit(req, "mfa_setup",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK) {
		gh_db_rollback(srv->db);
		goto out;
	}
	er = GH_ENOMEM;
	if ((uri = gh_totp_uri(srv->cfg.app_name, email, secret)) == NULL ||
	    (svg = gh_totp_qr_svg(uri)) == NULL)
		goto out;
	o = json_object_new_object();
	gh_json_add(o, "secret", json_object_new_string(secret));
	gh_json_add(o, "otpauth_uri", json_object_new_string(uri));
	gh_json_add(o, "qr_svg", json_object_new_string(svg));
	gh_res_json(res, 200, o);
	er = GH_OK;
out:
	sodium_memzero(secret, sizeof(secret));
	if (uri != NULL) {
		sodium_memzero(uri, strlen(uri));
		free(uri);
	}
	free(svg);
	return er;
}

/* POST /totp/enable {code}: the first code confirms the secret. */
static enum gh_err
mfa_enable(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = { F_CODE(GH_F_REQUIRED) };
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_server	*srv = req->srv;
	gh_backup_code		 codes[GH_MFA_BACKUP_CODES];
	int64_t			 retry_after;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = gh_mfa_check_totp(srv, req->auth.application_id,
	    req->auth.user_id, v[0].s, 1, &retry_after);
	if (er == GH_ENOTFOUND && gh_mfa_enabled(srv->db,
	    req->auth.user_id) == 1) {
		gh_db_rollback(srv->db);
		gh_problem(res, 409, "mfa_enabled", "two-factor authentication "
		    "is on already");
		return GH_OK;
	}
	if (er == GH_ENOTFOUND) {
		gh_db_rollback(srv->db);
		gh_problem(res, 409, "mfa_not_set_up", "call POST "
		    "/v1/mfa/totp/setup first");
		return GH_OK;
	}
	if (er != GH_OK)
		return code_refused(srv->db, res, er, retry_after);
	if ((er = gh_mfa_enable(srv, req->auth.user_id, codes)) != GH_OK ||
	    (er = changed(req, "mfa_enabled")) != GH_OK) {
		gh_db_rollback(srv->db);
		goto out;
	}
	codes_answer(res, codes);
out:
	sodium_memzero(codes, sizeof(codes));
	return er;
}

static enum gh_err
mfa_status(struct gh_req *req, struct gh_res *res)
{
	json_object	*o;
	enum gh_err	 er;

	if ((er = gh_mfa_status(req->srv->db, req->auth.user_id, &o)) !=
	    GH_OK)
		return er;
	gh_res_json(res, 200, o);
	return GH_OK;
}

/* Whether password is the user's: GH_OK, GH_EAUTH, or an error. */
static enum gh_err
password_ok(struct gh_req *req, const char *pw, size_t len)
{
	struct gh_db	*db = req->srv->db;
	struct gh_login	 login;
	char		 email_id[GH_ID_LEN + 1], email[256];
	int		 verified;
	enum gh_err	 er;

	memset(&login, 0, sizeof(login));
	if ((er = gh_store_email_of(db, req->auth.user_id, NULL, email_id,
	    email, &verified)) == GH_OK)
		er = gh_store_user_login(db, req->auth.application_id, "email",
		    email, &login);
	if (er == GH_OK && (login.hash[0] == '\0' ||
	    strcmp(login.user_id, req->auth.user_id) != 0))
		er = GH_EAUTH;
	if (er == GH_OK)
		er = gh_password_verify(login.hash, pw, len) == GH_OK ? GH_OK :
		    GH_EAUTH;
	else if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		gh_password_burn(&req->srv->pw, pw, len);
		er = GH_EAUTH;
	}
	sodium_memzero(&login, sizeof(login));
	return er;
}

/* POST /totp/disable {code} or {password}. */
static enum gh_err
mfa_disable(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		F_CODE(0),
		{ "password", GH_JSON_STRING, GH_F_SECRET, 1, 1024, NULL,
		    "password" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_server	*srv = req->srv;
	int64_t			 retry_after = 0;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (v[0].present == v[1].present) {
		gh_problem(res, 400, "validation_failed", "send either code or "
		    "password");
		return GH_OK;
	}
	if (gh_mfa_enabled(srv->db, req->auth.user_id) != 1) {
		gh_problem(res, 409, "mfa_not_enabled", "two-factor "
		    "authentication is off");
		return GH_OK;
	}
	if (v[1].present && (er = password_ok(req, v[1].s, v[1].len)) !=
	    GH_OK) {
		if (er == GH_EAUTH)
			gh_problem(res, 401, "invalid_credentials", "the "
			    "password is wrong");
		return er == GH_EAUTH ? GH_OK : er;
	}
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if (v[0].present && (er = gh_mfa_check_totp(srv,
	    req->auth.application_id, req->auth.user_id, v[0].s, 0,
	    &retry_after)) != GH_OK)
		return code_refused(srv->db, res, er, retry_after);
	if ((er = gh_mfa_disable(srv->db, req->auth.user_id)) != GH_OK ||
	    (er = changed(req, "mfa_disabled")) != GH_OK) {
		gh_db_rollback(srv->db);
		return er;
	}
	gh_res_empty(res, 204);
	return GH_OK;
}

/* POST /totp/backup-codes/regenerate {code}. */
static enum gh_err
mfa_regenerate(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = { F_CODE(GH_F_REQUIRED) };
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_server	*srv = req->srv;
	gh_backup_code		 codes[GH_MFA_BACKUP_CODES];
	int64_t			 retry_after = 0;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_mfa_check_totp(srv, req->auth.application_id,
	    req->auth.user_id, v[0].s, 0, &retry_after)) != GH_OK)
		return code_refused(srv->db, res, er, retry_after);
	if ((er = gh_mfa_new_backup_codes(srv, req->auth.user_id, codes)) !=
	    GH_OK || (er = gh_audit(req, "mfa_backup_codes_regenerated",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK) {
		gh_db_rollback(srv->db);
		goto out;
	}
	codes_answer(res, codes);
out:
	sodium_memzero(codes, sizeof(codes));
	return er;
}

/*
 * POST /totp/verify {mfa_token, code | backup_code}: the second step of a
 * sign-in. The token is used up by the code that finishes it; each wrong
 * code counts on the token (five void it) and on the user's lock.
 */
static enum gh_err
mfa_verify(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "mfa_token", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 1,
		    128, gh_check_token_chars, "mfa token" },
		F_CODE(0),
		{ "backup_code", GH_JSON_STRING, GH_F_SECRET, 8, 9, NULL,
		    "xxxx-xxxx" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_signed_in	 in;
	int64_t			 retry_after;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (v[1].present == v[2].present) {
		gh_problem(res, 400, "validation_failed", "send either code or "
		    "backup_code");
		return GH_OK;
	}
	er = gh_account_second_factor(req, v[0].s, v[0].len, v[1].present ?
	    v[1].s : v[2].s, v[2].present, &in, &retry_after);
	if (er == GH_ENOTFOUND || er == GH_EAUTH)
		gh_problem(res, 401, er == GH_EAUTH ? "token_expired" :
		    "invalid_token", "this sign-in is unknown, finished or too "
		    "old: sign in again");
	else if (er == GH_EINVAL)
		gh_problem(res, 400, "invalid_code", "the code is wrong, was "
		    "used already, or is too old");
	else if (er == GH_ELIMIT)
		gh_server_too_many(res, retry_after);
	else if (er == GH_OK)
		er = gh_account_answer(req, res, 200, &in);
	gh_signed_in_free(&in);
	return er == GH_ENOTFOUND || er == GH_EAUTH || er == GH_EINVAL ||
	    er == GH_ELIMIT ? GH_OK : er;
}

static const struct gh_route routes[] = {
	{ "POST", "/totp/setup", mfa_setup,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/totp/enable", mfa_enable, GH_ROUTE_AUTH | GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
	{ "GET", "/totp/status", mfa_status, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "POST", "/totp/disable", mfa_disable, GH_ROUTE_AUTH | GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/totp/backup-codes/regenerate", mfa_regenerate,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON, GH_LIMIT_CREDENTIAL },
	{ "POST", "/totp/verify", mfa_verify, GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
};

static const struct gh_app app = {
	"mfa", "/v1/mfa", routes, sizeof(routes) / sizeof(routes[0]),
	GH_APP_PASSWORDS
};

int
main(void)
{
	return gh_serve(&app);
}
