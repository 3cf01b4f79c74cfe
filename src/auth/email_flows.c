/* auth.fcgi: the flows that go through email (docs/email.md): address
 * verification and password reset. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "account.h"
#include "audit.h"
#include "clock.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "mailflow.h"
#include "onetime.h"
#include "policy.h"
#include "problem.h"
#include "serve.h"
#include "store_user.h"

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

/* GET /verify?token= from the email's link: done or not, the browser goes
 * on to verify_redirect_url with ?status=verified|expired|invalid. */
enum gh_err
auth_verify_get(struct gh_req *req, struct gh_res *res)
{
	const char	*url = req->srv->cfg.verify_redirect_url, *status;
	char		*tok = gh_req_query(req, "token");
	enum gh_err	 er;

	er = tok != NULL ? verify(req, tok, strlen(tok)) : GH_ENOTFOUND;
	if (tok != NULL) {
		sodium_memzero(tok, strlen(tok));
		free(tok);
	}
	if (er == GH_OK)
		status = "verified";
	else if (er == GH_EAUTH)
		status = "expired";
	else if (er == GH_ENOTFOUND)
		status = "invalid";
	else
		return er;
	gh_res_empty(res, 303);
	return gh_res_header(res, "Location", "%s%sstatus=%s", url,
	    strchr(url, '?') != NULL ? "&" : "?", status);
}

enum gh_err
auth_verify_post(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = { F_TOKEN };
	struct gh_json_value	 v[NFIELDS(fields)];
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	er = verify(req, v[0].s, v[0].len);
	if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		token_problem(res, er);
		return GH_OK;
	}
	if (er == GH_OK)
		gh_res_empty(res, 204);
	return er;
}

/* 204 for every address (gh_account_request_reset: the same work and
 * time, known account or not). */
enum gh_err
auth_send_reset(struct gh_req *req, struct gh_res *res)
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
	er = gh_store_app_by_client(req->srv->db, v[1].present ? v[1].s :
	    "default", app_id);
	if (er == GH_ENOTFOUND) {
		gh_problem(res, 400, "validation_failed", "client_id names no "
		    "application");
		return GH_OK;
	}
	if (er != GH_OK || !address_limits(req, res, v[0].s))
		return er;
	if ((er = gh_account_request_reset(req, app_id, v[0].s)) == GH_OK)
		gh_res_empty(res, 204);
	return er;
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
