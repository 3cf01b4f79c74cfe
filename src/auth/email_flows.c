/* auth.fcgi: the flows that go through email (docs/email.md): address
 * verification and password reset. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "account.h"
#include "audit.h"
#include "cookie.h"
#include "clock.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "invite.h"
#include "json.h"
#include "mailflow.h"
#include "oauth.h"
#include "onetime.h"
#include "policy.h"
#include "password.h"
#include "problem.h"
#include "serve.h"
#include "store_user.h"
#include "url.h"

#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))
#define F_TOKEN { "token", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 1, \
	512, NULL, NULL }

/* Per-address limits (gh_server_address_take): 1 to go on; 0 when res
 * holds the 429. */
static int
address_limits(struct gh_req *req, struct gh_res *res, const char *email)
{
	int64_t		 retry_after;
	enum gh_err	 er;

	if ((er = gh_server_address_take(req, email, &retry_after)) == GH_OK)
		return 1;
	if (er == GH_ELIMIT)
		gh_server_too_many(res, retry_after);
	else
		gh_problem(res, 500, "internal_error", NULL);
	return 0;
}

/* The application of an optional client_id field: 1 with app_id set;
 * 0 when res holds the answer (400 for an unknown one). */
static int
application_of(struct gh_req *req, struct gh_res *res,
    const struct gh_json_value *client, char app_id[GH_ID_LEN + 1],
    enum gh_err *er)
{
	*er = gh_store_app_by_client(req->srv->db, client->present ?
	    client->s : "default", app_id);
	if (*er == GH_ENOTFOUND) {
		gh_problem(res, 400, "validation_failed", "client_id names no "
		    "application");
		*er = GH_OK;
	}
	return *er == GH_OK && res->status == 0;
}

/* The heading and link of the page a browser gets for a bad invite link. */
#define INVITE_PAGE	"This invite link did not work", "Sign in"

static void
token_problem(struct gh_res *res, enum gh_err er)
{
	if (er == GH_EAUTH)
		gh_problem(res, 400, "token_expired", "this link has expired; "
		    "ask for a new one");
	else
		gh_problem(res, 400, "invalid_token", "this link is not valid "
		    "or was already used");
}

enum gh_err
auth_send_verification(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "email_id", GH_JSON_STRING, 0, 36, 36, NULL, "email id" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_db		*db = req->srv->db;
	char			 email_id[GH_ID_LEN + 1], email[256];
	int			 verified;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	er = gh_store_email_of(db, req->auth.user_id, v[0].present ? v[0].s :
	    NULL, email_id, email, &verified);
	if (er == GH_ENOTFOUND) {
		gh_problem(res, 404, "not_found", "no such email on this "
		    "account");
		return GH_OK;
	}
	if (er != GH_OK)
		return er;
	if (verified) {		/* nothing to do, nothing to say */
		gh_res_empty(res, 204);
		return GH_OK;
	}
	if (!address_limits(req, res, email))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_mailflow_verification(req, req->auth.application_id,
	    req->auth.user_id, email_id, email)) != GH_OK ||
	    (er = gh_audit(req, "email_verification_sent",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		return er;
	}
	gh_res_empty(res, 204);
	return GH_OK;
}

/* Uses a verify_email token and marks its address verified. */
static enum gh_err
verify(struct gh_req *req, const char *token, size_t len)
{
	struct gh_db		*db = req->srv->db;
	struct gh_onetime	 t;
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_onetime_use(db, "verify_email", token, len, now, 1,
	    &t)) != GH_OK ||
	    (er = gh_store_email_verify(db, t.email_id, now)) != GH_OK ||
	    (er = gh_audit(req, "email_verified", t.application_id,
	    t.user_id, NULL)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		return er;
	}
	return GH_OK;
}

/* What a link's GET does with its token. */
typedef enum gh_err (*token_action)(struct gh_req *, const char *, size_t);

/*
 * GET ?token= from an email's link: done or not, the browser goes on to
 * verify_redirect_url with ?status=done|expired|invalid|taken.
 */
static enum gh_err
link_then_redirect(struct gh_req *req, struct gh_res *res, token_action act,
    const char *done)
{
	const char	*url = req->srv->cfg.verify_redirect_url, *status;
	char		*tok = gh_req_query(req, "token");
	enum gh_err	 er;

	er = tok != NULL ? act(req, tok, strlen(tok)) : GH_ENOTFOUND;
	if (tok != NULL) {
		sodium_memzero(tok, strlen(tok));
		free(tok);
	}
	if (er == GH_OK)
		status = done;
	else if (er == GH_EAUTH)
		status = "expired";
	else if (er == GH_ENOTFOUND)
		status = "invalid";
	else if (er == GH_ECONFLICT)
		status = "taken";
	else
		return er;
	gh_res_empty(res, 303);
	return gh_res_header(res, "Location", "%s%sstatus=%s", url,
	    strchr(url, '?') != NULL ? "&" : "?", status);
}

enum gh_err
auth_verify_get(struct gh_req *req, struct gh_res *res)
{
	return link_then_redirect(req, res, verify, "verified");
}

/* POST {token}: what a link's GET does, for apps: 204; 400 for a token
 * that is no good; 409 when the address was taken meanwhile. */
static enum gh_err
link_by_post(struct gh_req *req, struct gh_res *res, token_action act)
{
	static const struct gh_json_field fields[] = { F_TOKEN };
	struct gh_json_value	 v[NFIELDS(fields)];
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	er = act(req, v[0].s, v[0].len);
	if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		token_problem(res, er);
		return GH_OK;
	}
	if (er == GH_ECONFLICT) {
		gh_problem(res, 409, "email_taken", "an account uses this "
		    "address by now");
		return GH_OK;
	}
	if (er == GH_OK)
		gh_res_empty(res, 204);
	return er;
}

enum gh_err
auth_verify_post(struct gh_req *req, struct gh_res *res)
{
	return link_by_post(req, res, verify);
}

/* What a route that mails one address does once the request passed. */
typedef enum gh_err (*address_mail)(struct gh_req *, const char *app_id,
    const char *email);

/* {email, client_id?} -> 204 for every address, after the limits. */
static enum gh_err
mail_address(struct gh_req *req, struct gh_res *res, address_mail send)
{
	static const struct gh_json_field fields[] = {
		{ "email", GH_JSON_STRING, GH_F_REQUIRED, 3, 254,
		    gh_check_email, "email" },
		{ "client_id", GH_JSON_STRING, 0, 1, 128, gh_check_token_chars,
		    "client id" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	char			 app_id[GH_ID_LEN + 1];
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (!application_of(req, res, &v[1], app_id, &er) ||
	    !address_limits(req, res, v[0].s))
		return er;
	if ((er = send(req, app_id, v[0].s)) == GH_OK)
		gh_res_empty(res, 204);
	return er;
}

/* gh_account_request_reset: the same work and time, known account or
 * not. */
enum gh_err
auth_send_reset(struct gh_req *req, struct gh_res *res)
{
	return mail_address(req, res, gh_account_request_reset);
}

enum gh_err
auth_reset_password(struct gh_req *req, struct gh_res *res)
{
	struct gh_json_field fields[] = {
		F_TOKEN,
		{ "new_password", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET,
		    8, 128, gh_check_password, "password" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_problem	 p = { NULL };
	char			 expected[96];
	const char		*type;
	enum gh_policy		 verdict;
	enum gh_err		 er;

	fields[1].min = req->srv->cfg.password_min_length;
	fields[1].max = req->srv->cfg.password_max_length;
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	er = gh_account_reset_password(req, v[0].s, v[0].len, v[1].s, v[1].len,
	    &verdict);
	if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		token_problem(res, er);
		return GH_OK;
	}
	if (er == GH_EINVAL && verdict == GH_POLICY_UNCHECKED) {
		gh_problem(res, 503, "password_check_unavailable", "the "
		    "password could not be checked against known breaches; "
		    "try again later");
		return GH_OK;
	}
	if (er == GH_EINVAL) {
		type = gh_policy_param(&req->srv->cfg, verdict, expected,
		    sizeof(expected));
		gh_problem_param(&p, "body", "new_password", type, expected,
		    NULL);
		gh_problem_send_invalid(&p, res);
		return GH_OK;
	}
	if (er == GH_OK)
		gh_res_empty(res, 204);
	return er;
}

/* 204 for every address, like the reset. */
enum gh_err
auth_send_magic_link(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "email", GH_JSON_STRING, GH_F_REQUIRED, 3, 254,
		    gh_check_email, "email" },
		{ "redirect_to", GH_JSON_STRING, 0, 1, 2048, NULL, NULL },
		{ "client_id", GH_JSON_STRING, 0, 1, 128, gh_check_token_chars,
		    "client id" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_problem	 p = { NULL };
	char			 app_id[GH_ID_LEN + 1];
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (v[1].present && !gh_redirect_allowed(&req->srv->cfg, v[1].s)) {
		gh_problem_param(&p, "body", "redirect_to", "not_allowed",
		    "a path on this site or a URL of allowed_origins", NULL);
		gh_problem_send_invalid(&p, res);
		return GH_OK;
	}
	if (!application_of(req, res, &v[2], app_id, &er) ||
	    !address_limits(req, res, v[0].s))
		return er;
	if ((er = gh_account_request_magic(req, app_id, v[0].s,
	    v[1].present ? v[1].s : NULL)) == GH_OK)
		gh_res_empty(res, 204);
	return er;
}

/* GET ?token= of a magic link, for apps: the AuthenticationResult
 * (browsers land on /ui/magic instead). */
enum gh_err
auth_sign_in_with_token(struct gh_req *req, struct gh_res *res)
{
	struct gh_signed_in	 in;
	char			 redirect[GH_REDIRECT_MAX];
	char			*tok = gh_req_query(req, "token");
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	er = tok == NULL ? GH_ENOTFOUND : gh_account_sign_in_with_token(req,
	    tok, strlen(tok), 0, &in, redirect);
	if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		token_problem(res, er);
		er = GH_OK;
	} else if (er == GH_EFORBIDDEN) {
		gh_problem(res, 403, "account_disabled", "this account has "
		    "been disabled");
		er = GH_OK;
	} else if (er == GH_OK)
		er = gh_account_answer(req, res, 200, &in);
	gh_signed_in_free(&in);
	if (tok != NULL) {
		sodium_memzero(tok, strlen(tok));
		free(tok);
	}
	return er;
}

/* A browser that opened the emailed link: signed in with the session
 * cookie and sent on to invite_redirect_url, or to the hosted page that
 * asks for the second factor; a link that did not work is a page that
 * says why. */
static enum gh_err
accept_invite_page(struct gh_req *req, struct gh_res *res, enum gh_err er,
    const struct gh_signed_in *in, const char *problem)
{
	const struct gh_config	*cfg = &req->srv->cfg;
	char			*back;

	if (er == GH_OK && in->mfa_token[0] != '\0') {
		if ((back = gh_url_encode(cfg->invite_redirect_url)) == NULL)
			return GH_ENOMEM;
		gh_res_empty(res, 303);
		er = gh_res_header(res, "Location",
		    "/ui/mfa?mfa_token=%s&return_to=%s", in->mfa_token, back);
		free(back);
		return er;
	}
	if (er == GH_OK) {
		gh_res_empty(res, 303);
		if ((er = gh_res_header(res, "Location", "%s",
		    cfg->invite_redirect_url)) != GH_OK)
			return er;
		return gh_cookie_set(res, cfg, in->tokens.cookie);
	}
	if (problem != NULL && gh_invite_refusal(er, problem))
		gh_problem_page(req, res, gh_err_status(er), problem,
		    gh_invite_refusal_detail(problem), INVITE_PAGE);
	else if (er == GH_ENOTFOUND || er == GH_EAUTH)
		gh_problem_page(req, res, 400, er == GH_EAUTH ?
		    "token_expired" : "invalid_token", er == GH_EAUTH ?
		    "This invite link has expired. Ask for a new invite." :
		    "This invite link is not valid or was already used.",
		    INVITE_PAGE);
	else if (er == GH_EFORBIDDEN)
		gh_problem_page(req, res, 403, "account_disabled", "The "
		    "account of this address has been disabled.", INVITE_PAGE);
	else
		return er;
	return GH_OK;
}

/* GET ?token= of an emailed invite (docs/invites.md): for apps, the
 * AuthenticationResult of the invited address's user, 201 when the link
 * made that user; for a browser, the session cookie and a redirect. The
 * invite is used either way. */
enum gh_err
auth_accept_invite(struct gh_req *req, struct gh_res *res)
{
	struct gh_signed_in	 in;
	char			*tok = gh_req_query(req, "token");
	const char		*problem = NULL;
	int			 created = 0, browser;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	browser = req->accept != NULL && strstr(req->accept, "text/html") !=
	    NULL;
	er = tok == NULL ? GH_ENOTFOUND : gh_account_accept_invite(req, tok,
	    strlen(tok), browser, &in, &created, &problem);
	if (browser)
		er = accept_invite_page(req, res, er, &in, problem);
	else if (problem == NULL && (er == GH_ENOTFOUND || er == GH_EAUTH)) {
		token_problem(res, er);
		er = GH_OK;
	} else if (er == GH_EFORBIDDEN && problem == NULL) {
		gh_problem(res, 403, "account_disabled", "this account has "
		    "been disabled");
		er = GH_OK;
	} else if (gh_invite_refusal(er, problem)) {
		gh_invite_problem(res, er, problem);
		er = GH_OK;
	} else if (er == GH_OK)
		er = gh_account_answer(req, res, created ? 201 : 200, &in);
	gh_signed_in_free(&in);
	if (tok != NULL) {
		sodium_memzero(tok, strlen(tok));
		free(tok);
	}
	return er;
}

static json_object *
method_list(int password)
{
	json_object	*a = json_object_new_array();

	if (password)
		json_object_array_add(a, json_object_new_string("password"));
	json_object_array_add(a, json_object_new_string("magic_link"));
	return a;
}

/* Says whether an email has an account, by design (DESIGN.md): rate
 * limited (credential group) and switched off by check_email = 0. */
enum gh_err
auth_check_email(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "email", GH_JSON_STRING, GH_F_REQUIRED, 3, 254,
		    gh_check_email, "email" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_login		 login;
	char			 app_id[GH_ID_LEN + 1];
	json_object		*o, *preferred;
	int			 exists, password;
	enum gh_err		 er;

	if (!req->srv->cfg.check_email) {
		gh_problem(res, 404, "not_found", "check-email is switched off "
		    "on this server");
		return GH_OK;
	}
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if ((er = gh_store_app_by_client(req->srv->db, "default", app_id)) !=
	    GH_OK)
		return er;
	er = gh_store_user_login(req->srv->db, app_id, "email", v[0].s,
	    &login);
	if (er != GH_OK && er != GH_ENOTFOUND)
		return er;
	exists = er == GH_OK;
	password = exists && login.hash[0] != '\0';
	sodium_memzero(&login, sizeof(login));
	o = json_object_new_object();
	gh_json_add(o, "status", json_object_new_string(exists ? "existing" :
	    "new"));
	/* A new address signs up with a password; an account without one
	 * signs in by link. */
	preferred = json_object_new_array();
	json_object_array_add(preferred, json_object_new_string(exists &&
	    !password ? "magic_link" : "password"));
	gh_json_add(o, "preferred", preferred);
	gh_json_add(o, "available", method_list(!exists || password));
	gh_res_json(res, 200, o);
	return GH_OK;
}

static json_object *
method(const char *type, const char *url)
{
	json_object	*m = json_object_new_object();

	gh_json_add(m, "type", json_object_new_string(type));
	gh_json_add(m, "url", json_object_new_string(url));
	return m;
}

/* The sign-in methods this server offers, with where to start each. */
enum gh_err
auth_login_methods(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "client_id", GH_JSON_STRING, 0, 1, 128, gh_check_token_chars,
		    "client id" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	char			 app_id[GH_ID_LEN + 1];
	json_object		*o, *a;
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (!application_of(req, res, &v[0], app_id, &er))
		return er;
	a = json_object_new_array();
	json_object_array_add(a, method("password", "/v1/auth/sign-in"));
	json_object_array_add(a, method("magic_link",
	    "/v1/auth/send-magic-link"));
	o = json_object_new_object();
	gh_json_add(o, "methods", a);
	gh_json_add(o, "providers", gh_oauth_providers_json(&req->srv->cfg,
	    0));
	gh_res_json(res, 200, o);
	return GH_OK;
}

/* Asks to move the account to new_email: needs the password; the change
 * waits for the new address to confirm it, and the old one is told. */
enum gh_err
auth_change_email(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "new_email", GH_JSON_STRING, GH_F_REQUIRED, 3, 254,
		    gh_check_email, "email" },
		{ "password", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 8,
		    1024, gh_check_password, "password" },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_db		*db = req->srv->db;
	struct gh_login		 login;
	char			 email_id[GH_ID_LEN + 1], email[256];
	int			 verified, taken, right;
	enum gh_err		 er;

	memset(&login, 0, sizeof(login));
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if ((er = gh_store_email_of(db, req->auth.user_id, NULL, email_id,
	    email, &verified)) != GH_OK ||
	    (er = gh_store_user_login(db, req->auth.application_id, "email",
	    email, &login)) != GH_OK)
		goto out;
	right = login.hash[0] != '\0' && gh_password_verify(login.hash,
	    v[1].s, v[1].len) == GH_OK;
	if (!right) {
		if ((er = gh_audit(req, "email_change_refused",
		    req->auth.application_id, req->auth.user_id,
		    req->auth.session_id)) == GH_OK)
			gh_problem(res, 401, "invalid_credentials", "the "
			    "password is not right");
		goto out;
	}
	if ((taken = gh_store_email_taken(db, req->auth.application_id,
	    v[0].s)) != 0) {
		if (taken < 0)
			er = GH_EDB;
		else
			gh_problem(res, 409, "email_taken", "an account uses "
			    "this address already");
		goto out;
	}
	if (!address_limits(req, res, v[0].s))
		goto out;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	if ((er = gh_mailflow_change_email(req, req->auth.application_id,
	    req->auth.user_id, email_id, email, v[0].s)) != GH_OK ||
	    (er = gh_audit(req, "email_change_requested",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		goto out;
	}
	gh_res_empty(res, 204);
out:
	sodium_memzero(&login, sizeof(login));
	return er;
}

/* Uses a change_email token: GH_OK, GH_ENOTFOUND / GH_EAUTH for a token
 * that is no good, GH_ECONFLICT when the address was taken meanwhile. */
static enum gh_err
confirm_change(struct gh_req *req, const char *token, size_t len)
{
	struct gh_db		*db = req->srv->db;
	struct gh_onetime	 t;
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_onetime_use(db, "change_email", token, len, now, 1,
	    &t)) != GH_OK ||
	    (er = gh_store_email_change(db, t.email_id, t.email, now)) !=
	    GH_OK ||
	    (er = gh_audit(req, "email_changed", t.application_id, t.user_id,
	    NULL)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		return er;
	}
	return GH_OK;
}

enum gh_err
auth_confirm_change_get(struct gh_req *req, struct gh_res *res)
{
	return link_then_redirect(req, res, confirm_change, "changed");
}

enum gh_err
auth_confirm_change_post(struct gh_req *req, struct gh_res *res)
{
	return link_by_post(req, res, confirm_change);
}

/* A known address signs in with the code, an unknown one becomes a
 * visitor account: every address gets one. */
enum gh_err
auth_code_start(struct gh_req *req, struct gh_res *res)
{
	return mail_address(req, res, gh_account_code_start);
}

static int
six_digits(const char *s, size_t len)
{
	return len == 6 && strspn(s, "0123456789") == 6;
}

enum gh_err
auth_code_verify(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "email", GH_JSON_STRING, GH_F_REQUIRED, 3, 254,
		    gh_check_email, "email" },
		{ "code", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 6, 6,
		    six_digits, "6 digits" },
		{ "client_id", GH_JSON_STRING, 0, 1, 128, gh_check_token_chars,
		    "client id" },
		{ "cookie", GH_JSON_BOOL, 0, 0, 0, NULL, NULL },
	};
	struct gh_json_value	 v[NFIELDS(fields)];
	struct gh_signed_in	 in;
	char			 app_id[GH_ID_LEN + 1];
	int			 created;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (!application_of(req, res, &v[2], app_id, &er))
		return er;
	er = gh_account_code_verify(req, app_id, v[0].s, v[1].s, v[3].b, &in,
	    &created);
	if (er == GH_ENOTFOUND) {
		gh_problem(res, 400, "invalid_code", "this code is not right, "
		    "or no longer valid; ask for a new one");
		er = GH_OK;
	} else if (er == GH_EAUTH) {
		gh_problem(res, 400, "token_expired", "this code has expired; "
		    "ask for a new one");
		er = GH_OK;
	} else if (er == GH_EFORBIDDEN) {
		gh_problem(res, 403, created ? "invite_required" :
		    "account_disabled", created ? "there is no account for "
		    "this address, and sign-up is by invite only" :
		    "this account has been disabled");
		er = GH_OK;
	} else if (er == GH_OK)
		er = gh_account_answer(req, res, created ? 201 : 200, &in);
	gh_signed_in_free(&in);
	return er;
}
