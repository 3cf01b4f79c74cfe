#include <stdio.h>
#include <string.h>

#include "account.h"
#include "cookie.h"
#include "json.h"
#include "audit.h"
#include "backoff.h"
#include "clock.h"
#include "db.h"
#include "device.h"
#include "email.h"
#include "log.h"
#include "mailflow.h"
#include "mfa.h"
#include "onetime.h"
#include "store_admin.h"
#include "str.h"
#include "http.h"
#include "invite.h"
#include "serve.h"
#include "store_user.h"

void
gh_signed_in_free(struct gh_signed_in *s)
{
	gh_tokens_free(&s->tokens);
	memset(s, 0, sizeof(*s));
}

enum gh_err
gh_account_start(struct gh_req *req, const char *app_id,
    const char *client_id, int cookie, const char *amr, const char *action,
    struct gh_signed_in *out)
{
	struct gh_subject	 subj;
	struct gh_mfa_pending	 p;
	int			 mfa = 0;
	enum gh_err		 er;

	/* The first factor alone does not sign in a user with 2FA on. */
	if (strstr(amr, "mfa") == NULL &&
	    (mfa = gh_mfa_enabled(req->srv->db, out->user_id)) < 0)
		return GH_EDB;
	if (mfa) {
		memset(&p, 0, sizeof(p));
		gh_strlcpy(p.application_id, app_id, sizeof(p.application_id));
		gh_strlcpy(p.user_id, out->user_id, sizeof(p.user_id));
		gh_strlcpy(p.client_id, client_id, sizeof(p.client_id));
		gh_strlcpy(p.amr, amr, sizeof(p.amr));
		gh_strlcpy(p.action, action, sizeof(p.action));
		p.cookie = cookie;
		if ((er = gh_mfa_challenge(req->srv->db, &p, gh_clock_now(),
		    out->mfa_token)) != GH_OK ||
		    (er = gh_audit(req, "mfa_challenge", app_id, out->user_id,
		    NULL)) != GH_OK)
			return er;
		return gh_db_commit(req->srv->db);
	}
	subj.user_id = out->user_id;
	subj.application_id = app_id;
	subj.client_id = client_id;
	subj.membership_id = out->membership_id[0] != '\0' ?
	    out->membership_id : NULL;
	if ((er = gh_session_start(req, &subj, amr, cookie, out->session_id,
	    &out->tokens)) != GH_OK ||
	    (er = gh_audit(req, action, app_id, out->user_id,
	    out->session_id)) != GH_OK)
		return er;
	return gh_db_commit(req->srv->db);
}

/* The session of out->user_id in their first (personal) membership. */
static enum gh_err
start_first(struct gh_req *req, const char *app_id, const char *client_id,
    int cookie, const char *amr, const char *action, struct gh_signed_in *out)
{
	enum gh_err	 er;

	if ((er = gh_store_user_first_membership(req->srv->db, out->user_id,
	    out->membership_id)) != GH_OK)
		return er;
	return gh_account_start(req, app_id, client_id, cookie, amr, action,
	    out);
}

/* {tokens, profile}: the AuthenticationResult of DESIGN.md §6. In cookie
 * mode the tokens stay out of reach of scripts: the session cookie is set
 * (HttpOnly) and the body carries the profile and the CSRF token. */
enum gh_err
gh_account_answer(struct gh_req *req, struct gh_res *res, int status,
    const struct gh_signed_in *in)
{
	json_object	*o, *profile, *methods;
	char		 csrf[GH_CSRF_LEN + 1];
	enum gh_err	 er;

	if (in->mfa_token[0] != '\0') {
		o = json_object_new_object();
		methods = json_object_new_array();
		json_object_array_add(methods, json_object_new_string("totp"));
		json_object_array_add(methods,
		    json_object_new_string("backup_code"));
		gh_json_add(o, "mfa_required", json_object_new_boolean(1));
		gh_json_add(o, "mfa_token", json_object_new_string(
		    in->mfa_token));
		gh_json_add(o, "methods", methods);
		gh_res_json(res, 200, o);
		/* The password was right: the device is known from now on. */
		return in->device[0] != '\0' ? gh_cookie_device_set(res,
		    &req->srv->cfg, in->device) : GH_OK;
	}
	if ((er = gh_store_user_profile(req->srv->db, in->user_id,
	    in->membership_id, &profile)) != GH_OK)
		return er;
	o = json_object_new_object();
	if (in->tokens.cookie[0] != '\0' || in->cookie_kept) {
		gh_csrf_token(req->srv->secret, in->session_id, csrf);
		gh_json_add(o, "csrf_token", json_object_new_string(csrf));
	} else
		gh_json_add(o, "tokens", gh_tokens_json(&in->tokens));
	gh_json_add(o, "profile", profile);
	gh_res_json(res, status, o);
	if (in->device[0] != '\0' &&
	    (er = gh_cookie_device_set(res, &req->srv->cfg, in->device)) !=
	    GH_OK)
		return er;
	if (in->tokens.cookie[0] != '\0')
		return gh_cookie_set(res, &req->srv->cfg, in->tokens.cookie);
	return GH_OK;
}

/* Inside the sign-up's transaction: the new user takes the invite; an
 * account invite's membership becomes the one the session starts in. */
static enum gh_err
use_invite(struct gh_req *req, const char *app_id, const char *code,
    struct gh_signed_in *out, const char **problem)
{
	struct gh_invite	 iv;
	char			 joined[GH_ID_LEN + 1];
	enum gh_err		 er;

	*problem = NULL;
	if ((er = gh_invite_by_code(req->srv->db, app_id, code, strlen(code),
	    &iv)) != GH_OK ||
	    (er = gh_invite_accept(req->srv->db, &req->srv->cfg, &iv,
	    out->user_id, GH_INVITE_ANY, gh_clock_now(), joined, problem)) !=
	    GH_OK)
		return er;
	if (joined[0] != '\0')
		gh_strlcpy(out->membership_id, joined,
		    sizeof(out->membership_id));
	return gh_audit(req, "invite_accepted", app_id, out->user_id, NULL);
}

enum gh_err
gh_account_sign_up(struct gh_req *req, const struct gh_new_account *in,
    struct gh_signed_in *out, const char **code)
{
	struct gh_db		*db = req->srv->db;
	struct gh_new_user	 nu;
	char			 hash[GH_PASSWORD_HASH_MAX];
	char			 email_id[GH_ID_LEN + 1], email[256];
	int			 verified;
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	*code = NULL;
	if (req->srv->cfg.signup_invite_only && in->invite_code == NULL) {
		*code = "invite_required";
		return GH_EFORBIDDEN;
	}
	/* The slow hash runs before the write lock is taken. */
	if ((er = gh_password_hash(&req->srv->pw, in->password,
	    in->password_len, hash)) != GH_OK)
		goto out;
	memset(&nu, 0, sizeof(nu));
	nu.application_id = in->application_id;
	nu.email = in->email;
	nu.username = in->username;
	nu.display_name = in->display_name;
	nu.password_hash = hash;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	if ((er = gh_store_user_create(db, &nu, out->user_id,
	    out->membership_id, code)) != GH_OK ||
	    (in->invite_code != NULL && (er = use_invite(req,
	    in->application_id, in->invite_code, out, code)) != GH_OK) ||
	    (er = gh_store_email_of(db, out->user_id, NULL, email_id, email,
	    &verified)) != GH_OK ||
	    (er = gh_mailflow_verification(req, in->application_id,
	    out->user_id, email_id, email)) != GH_OK ||
	    (er = gh_device_new(db, out->user_id, gh_clock_now(),
	    out->device)) != GH_OK ||
	    (er = gh_account_start(req, in->application_id, in->client_id,
	    in->cookie, "pwd", "sign_up", out)) != GH_OK)
		gh_db_rollback(db);
out:
	sodium_memzero(hash, sizeof(hash));
	if (er != GH_OK)
		gh_signed_in_free(out);
	return er;
}

/* A wrong password or an unknown identifier: counted towards the backoff
 * and logged in one relaxed transaction, the same for both. */
static enum gh_err
failed(struct gh_req *req, const struct gh_credentials *in,
    const char *user_id, const unsigned char *key, int64_t now)
{
	struct gh_db	*db = req->srv->db;
	int64_t		 locked_for;
	enum gh_err	 er;

	if ((er = gh_db_begin(db, GH_DB_RELAXED)) != GH_OK)
		return er;
	if ((er = gh_backoff_fail(db, &req->srv->cfg, key, now,
	    &locked_for)) != GH_OK ||
	    (er = gh_audit(req, "sign_in_failed", in->application_id, user_id,
	    NULL)) != GH_OK ||
	    (locked_for > 0 && (er = gh_audit(req, "sign_in_locked",
	    in->application_id, user_id, NULL)) != GH_OK) ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		return er;
	}
	if (locked_for > 0)
		gh_log("rid=%s sign-in by this %s locked for %llds after "
		    "repeated failures", req->request_id, in->by,
		    (long long)locked_for);
	return GH_EAUTH;
}

enum gh_err
gh_account_sign_in(struct gh_req *req, const struct gh_credentials *in,
    struct gh_signed_in *out)
{
	struct gh_server	*srv = req->srv;
	struct gh_login		 login;
	unsigned char		 key[GH_BACKOFF_KEY_BYTES];
	char			 fresh[GH_PASSWORD_HASH_MAX];
	char			 email_id[GH_ID_LEN + 1], email[256];
	int64_t			 now = gh_clock_now(), wait;
	int			 rehash, known, device, locked, verified;
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	fresh[0] = '\0';
	er = gh_store_user_login(srv->db, in->application_id, in->by,
	    in->login, &login);
	if (er != GH_OK && er != GH_ENOTFOUND)
		goto out;
	known = er == GH_OK && login.hash[0] != '\0';
	gh_backoff_key(srv->secret, in->application_id, in->by, in->login,
	    key);
	/* Looked up whenever the cookie is sent, account or not: the same
	 * work for both. */
	device = gh_device_known(srv->db, &srv->cfg, req->cookie,
	    known ? login.user_id : "");
	er = gh_backoff_check(srv->db, key, now, &out->retry_after);
	if (er != GH_OK && er != GH_ELIMIT)
		goto out;
	locked = er == GH_ELIMIT;
	if (locked && !device) {
		gh_log("rid=%s sign-in refused: this %s is locked for %llds",
		    req->request_id, in->by, (long long)out->retry_after);
		goto out;
	}
	if (!known) {
		/* The same work and answer as a wrong password. */
		gh_password_burn(&srv->pw, in->password, in->password_len);
		er = failed(req, in, NULL, key, now);
		goto out;
	}
	if (gh_password_verify(login.hash, in->password, in->password_len) !=
	    GH_OK) {
		er = failed(req, in, login.user_id, key, now);
		goto out;
	}
	if (!login.active) {
		er = GH_EFORBIDDEN;
		goto out;
	}
	/* Told only to whoever has the password. */
	if (srv->cfg.require_email_verification) {
		if ((er = gh_store_email_of(srv->db, login.user_id, NULL,
		    email_id, email, &verified)) != GH_OK)
			goto out;
		if (!verified) {
			er = GH_ECONFLICT;
			goto out;
		}
	}
	memcpy(out->user_id, login.user_id, sizeof(out->user_id));
	rehash = gh_password_needs_rehash(&srv->pw, login.hash);
	if (rehash && (er = gh_password_hash(&srv->pw, in->password,
	    in->password_len, fresh)) != GH_OK)
		goto out;
	/* A session is bookkeeping; a new password hash is an account change. */
	if ((er = gh_db_begin(srv->db, rehash ? GH_DB_DURABLE :
	    GH_DB_RELAXED)) != GH_OK)
		goto out;
	/* A known device signing in through a lock leaves the lock to its
	 * end: the guessing it stopped may go on. */
	if ((rehash && (er = gh_store_password_set(srv->db, login.user_id,
	    fresh)) != GH_OK) ||
	    (!locked && (er = gh_backoff_clear(srv->db, key)) != GH_OK) ||
	    (!device && (er = gh_device_new(srv->db, login.user_id, now,
	    out->device)) != GH_OK) ||
	    (er = gh_store_user_first_membership(srv->db, login.user_id,
	    out->membership_id)) != GH_OK ||
	    (er = gh_account_start(req, in->application_id, in->client_id,
	    in->cookie, "pwd", "sign_in", out)) != GH_OK)
		gh_db_rollback(srv->db);
out:
	sodium_memzero(&login, sizeof(login));
	sodium_memzero(fresh, sizeof(fresh));
	sodium_memzero(key, sizeof(key));
	if (er != GH_OK) {
		wait = out->retry_after;
		gh_signed_in_free(out);
		out->retry_after = wait;
	}
	return er;
}

enum { MAIL_RESET, MAIL_MAGIC };

/* The link email of kind to email: a known, active account gets it; any
 * other address does the same work, rolled back. */
static enum gh_err
request_link(struct gh_req *req, int kind, const char *app_id,
    const char *email, const char *redirect_to)
{
	struct gh_db	*db = req->srv->db;
	struct gh_login	 login;
	const char	*uid;
	int		 known;
	enum gh_err	 er;

	er = gh_store_user_login(db, app_id, "email", email, &login);
	if (er != GH_OK && er != GH_ENOTFOUND)
		goto out;
	known = er == GH_OK && login.active;
	uid = known ? login.user_id : "";
	/* Relaxed: a request lost to a power cut is asked again, and a
	 * durable commit would take an fsync longer than the rollback of an
	 * unknown address. */
	if ((er = gh_db_begin(db, GH_DB_RELAXED)) != GH_OK)
		goto out;
	er = kind == MAIL_RESET ? gh_mailflow_reset(req, app_id, uid, email) :
	    gh_mailflow_magic(req, app_id, uid, email, redirect_to);
	if (er != GH_OK || (known && (er = gh_audit(req, kind == MAIL_RESET ?
	    "password_reset_requested" : "magic_link_requested", app_id, uid,
	    NULL)) != GH_OK) || (known && (er = gh_db_commit(db)) != GH_OK) ||
	    !known)
		gh_db_rollback(db);
out:
	sodium_memzero(&login, sizeof(login));
	return er;
}

enum gh_err
gh_account_request_reset(struct gh_req *req, const char *app_id,
    const char *email)
{
	return request_link(req, MAIL_RESET, app_id, email, NULL);
}

enum gh_err
gh_account_request_magic(struct gh_req *req, const char *app_id,
    const char *email, const char *redirect_to)
{
	return request_link(req, MAIL_MAGIC, app_id, email, redirect_to);
}

/* A link or code reached the user's address: it counts as verified. */
static enum gh_err
address_proven(struct gh_db *db, const char *user_id, int64_t now)
{
	char		 email_id[GH_ID_LEN + 1], email[256];
	int		 verified;
	enum gh_err	 er;

	if ((er = gh_store_email_of(db, user_id, NULL, email_id, email,
	    &verified)) != GH_OK || verified)
		return er;
	return gh_store_email_verify(db, email_id, now);
}

enum gh_err
gh_account_sign_in_with_token(struct gh_req *req, const char *token,
    size_t len, int cookie, struct gh_signed_in *out,
    char redirect_to[GH_REDIRECT_MAX])
{
	struct gh_server	*srv = req->srv;
	struct gh_onetime	 t;
	int64_t			 now = gh_clock_now();
	int			 active, federated = 0;
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	redirect_to[0] = '\0';
	if ((er = gh_db_begin(srv->db, GH_DB_RELAXED)) != GH_OK)
		return er;
	/* A magic link's token, or the login token of an OAuth sign-in
	 * (docs/oauth.md), whose data is the client it was for. */
	er = gh_onetime_use(srv->db, "magic_link", token, len, now, 1, &t);
	if (er == GH_ENOTFOUND) {
		federated = 1;
		er = gh_onetime_use(srv->db, "oauth_login", token, len, now, 1,
		    &t);
	}
	if (er != GH_OK)
		goto fail;
	if (t.user_id[0] == '\0') {
		er = GH_ENOTFOUND;
		goto fail;
	}
	if ((er = gh_store_user_active(srv->db, t.user_id, &active)) != GH_OK)
		goto fail;
	if (!active) {
		er = GH_EFORBIDDEN;
		goto fail;
	}
	gh_strlcpy(out->user_id, t.user_id, sizeof(out->user_id));
	if (!federated)
		gh_strlcpy(redirect_to, t.data, GH_REDIRECT_MAX);
	if ((!federated && (er = address_proven(srv->db, t.user_id, now)) !=
	    GH_OK) ||
	    (er = start_first(req, t.application_id, federated &&
	    t.data[0] != '\0' ? t.data : "default", cookie, federated ?
	    "fed" : "email", federated ? "sign_in_oauth" :
	    "sign_in_magic_link", out)) != GH_OK)
		goto fail;
	return GH_OK;
fail:
	gh_db_rollback(srv->db);
	gh_signed_in_free(out);
	return er;
}

enum gh_err
gh_account_reset_password(struct gh_req *req, const char *token,
    size_t token_len, const char *pw, size_t len, enum gh_policy *verdict)
{
	struct gh_server	*srv = req->srv;
	struct gh_onetime	 t;
	unsigned char		 key[GH_BACKOFF_KEY_BYTES];
	char			 hash[GH_PASSWORD_HASH_MAX];
	char			 username[GH_USERNAME_MAX + 1];
	int64_t			 revoked;
	enum gh_err		 er;

	*verdict = GH_POLICY_OK;
	hash[0] = '\0';
	memset(key, 0, sizeof(key));
	/* Looked at first without using it: a refused password keeps the
	 * link working. */
	if ((er = gh_onetime_use(srv->db, "reset_password", token, token_len,
	    gh_clock_now(), 0, &t)) != GH_OK)
		return er;
	if (t.user_id[0] == '\0')
		return GH_ENOTFOUND;
	gh_store_username(srv->db, t.user_id, username);
	if ((*verdict = gh_policy_password(&srv->cfg, pw, len, t.email,
	    username)) != GH_POLICY_OK)
		return GH_EINVAL;
	if ((er = gh_password_hash(&srv->pw, pw, len, hash)) != GH_OK)
		goto out;
	gh_backoff_key(srv->secret, t.application_id, "email", t.email, key);
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	/* A new password ends every session and forgets the failed sign-ins
	 * that may have locked the address. */
	if ((er = gh_onetime_use(srv->db, "reset_password", token, token_len,
	    gh_clock_now(), 1, &t)) != GH_OK ||
	    (er = gh_store_password_set(srv->db, t.user_id, hash)) != GH_OK ||
	    (er = gh_store_admin_revoke_sessions(srv->db, t.user_id,
	    "password_reset", &revoked)) != GH_OK ||
	    (er = gh_backoff_clear(srv->db, key)) != GH_OK ||
	    (er = gh_audit(req, "password_reset", t.application_id,
	    t.user_id, NULL)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK)
		gh_db_rollback(srv->db);
out:
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(key, sizeof(key));
	return er;
}

/* The row key of an address's code, and the stored form of a code: keyed
 * BLAKE2b, so six digits cannot be tried offline against a stolen
 * database. */
static void
code_key(const struct gh_server *srv, const char *app_id, const char *email,
    const char *code, unsigned char out[32])
{
	crypto_generichash_state	 h;
	char				 c;

	crypto_generichash_init(&h, srv->secret, sizeof(srv->secret), 32);
	crypto_generichash_update(&h, (const unsigned char *)"email_code", 11);
	crypto_generichash_update(&h, (const unsigned char *)app_id,
	    strlen(app_id) + 1);
	for (; *email != '\0'; email++) {
		c = *email >= 'A' && *email <= 'Z' ?
		    (char)(*email - 'A' + 'a') : *email;
		crypto_generichash_update(&h, (const unsigned char *)&c, 1);
	}
	if (code != NULL)
		crypto_generichash_update(&h, (const unsigned char *)code,
		    strlen(code) + 1);
	crypto_generichash_final(&h, out, 32);
}

enum gh_err
gh_account_code_start(struct gh_req *req, const char *app_id,
    const char *email)
{
	struct gh_server	*srv = req->srv;
	unsigned char		 key[32], value[32];
	char			 code[8], hex[65], minutes[24];
	struct gh_email_var	 vars[3];
	struct gh_stmt		*st;
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	snprintf(code, sizeof(code), "%06u", randombytes_uniform(1000000));
	code_key(srv, app_id, email, NULL, key);
	code_key(srv, app_id, email, code, value);
	sodium_bin2hex(hex, sizeof(hex), value, sizeof(value));
	snprintf(minutes, sizeof(minutes), "%lld",
	    (long long)(srv->cfg.email_code_ttl / 60));
	vars[0] = (struct gh_email_var){ "code", code };
	vars[1] = (struct gh_email_var){ "email", email };
	vars[2] = (struct gh_email_var){ "minutes", minutes };
	if ((er = gh_db_begin(srv->db, GH_DB_RELAXED)) != GH_OK)
		goto out;
	if ((st = gh_db_prepare(srv->db, GH_STMT_CODE_PUT, "btttii", key,
	    sizeof(key), app_id, email, hex, now, now +
	    srv->cfg.email_code_ttl)) == NULL)
		er = GH_EDB;
	else
		er = gh_stmt_exec(st);
	if (er != GH_OK || (er = gh_email_enqueue(srv->db, &srv->cfg, email,
	    "email_code", vars, 3)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK)
		gh_db_rollback(srv->db);
out:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(value, sizeof(value));
	sodium_memzero(hex, sizeof(hex));
	return er;
}

/* Checks the code against the address's live one, inside the caller's
 * transaction; a wrong guess is counted (and committed by the caller). */
static enum gh_err
code_check(struct gh_server *srv, const char *app_id, const char *email,
    const char *code, int64_t now)
{
	unsigned char	 key[32], value[32];
	char		 hex[65];
	struct gh_stmt	*st;
	enum gh_step	 rc;
	int		 live = 0, expired = 0, right = 0;
	enum gh_err	 er;

	code_key(srv, app_id, email, NULL, key);
	code_key(srv, app_id, email, code, value);
	sodium_bin2hex(hex, sizeof(hex), value, sizeof(value));
	if ((st = gh_db_prepare(srv->db, GH_STMT_CODE_GET, "b", key,
	    sizeof(key))) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		live = gh_stmt_col_is_null(st, 2);
		expired = gh_stmt_col_int(st, 1) <= now;
		right = strlen(gh_stmt_col_text(st, 0)) == 64 &&
		    sodium_memcmp(gh_stmt_col_text(st, 0), hex, 64) == 0;
	}
	gh_stmt_reset(st);
	sodium_memzero(hex, sizeof(hex));
	if (rc != GH_STEP_ROW && rc != GH_STEP_DONE)
		return GH_EDB;
	if (!live)
		return GH_ENOTFOUND;
	if (expired)
		return GH_EAUTH;
	if (right) {
		st = gh_db_prepare(srv->db, GH_STMT_ONETIME_USE, "bi", key,
		    sizeof(key), now);
		return st != NULL ? gh_stmt_exec(st) : GH_EDB;
	}
	if ((st = gh_db_prepare(srv->db, GH_STMT_CODE_MISS, "bii", key,
	    sizeof(key), srv->cfg.email_code_attempts, now)) == NULL ||
	    (er = gh_stmt_exec(st)) != GH_OK)
		return GH_EDB;
	return GH_EINVAL;
}

/* A visitor account for a proven address: no password, email verified. */
static enum gh_err
make_visitor(struct gh_db *db, const char *app_id, const char *email,
    struct gh_signed_in *out, int64_t now)
{
	struct gh_new_user	 nu;
	struct gh_stmt		*st;
	const char		*code;
	enum gh_err		 er;

	memset(&nu, 0, sizeof(nu));
	nu.application_id = app_id;
	nu.email = email;
	if ((er = gh_store_user_create(db, &nu, out->user_id,
	    out->membership_id, &code)) != GH_OK)
		return er;
	if ((st = gh_db_prepare(db, GH_STMT_USER_SET_VISITOR, "t",
	    out->user_id)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	return address_proven(db, out->user_id, now);
}

enum gh_err
gh_account_code_verify(struct gh_req *req, const char *app_id,
    const char *email, const char *code, int cookie,
    struct gh_signed_in *out, int *created)
{
	struct gh_server	*srv = req->srv;
	struct gh_login		 login;
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	*created = 0;
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = code_check(srv, app_id, email, code, now)) != GH_OK) {
		/* A wrong guess is kept: it counts towards voiding. */
		if (er == GH_EINVAL && gh_db_commit(srv->db) == GH_OK)
			return GH_ENOTFOUND;
		goto fail;
	}
	er = gh_store_user_login(srv->db, app_id, "email", email, &login);
	if (er == GH_OK && !login.active)
		er = GH_EFORBIDDEN;
	else if (er == GH_OK) {
		memcpy(out->user_id, login.user_id, sizeof(out->user_id));
		if ((er = address_proven(srv->db, out->user_id, now)) == GH_OK)
			er = gh_store_user_first_membership(srv->db,
			    out->user_id, out->membership_id);
	} else if (er == GH_ENOTFOUND) {
		*created = 1;
		er = srv->cfg.signup_invite_only ? GH_EFORBIDDEN :
		    make_visitor(srv->db, app_id, email, out, now);
	}
	sodium_memzero(&login, sizeof(login));
	if (er != GH_OK || (er = gh_account_start(req, app_id, "default",
	    cookie, "otp", *created ? "sign_up_email_code" :
	    "sign_in_email_code", out)) != GH_OK)
		goto fail;
	return GH_OK;
fail:
	gh_db_rollback(srv->db);
	gh_signed_in_free(out);
	return er;
}

/* The methods of a sign-in with its second factor ("pwd" + "otp" ->
 * "pwd otp mfa"), each once. */
static void
amr_with(char out[64], const char *first, const char *second)
{
	snprintf(out, 64, "%s", first);
	if (strstr(first, second) == NULL)
		snprintf(out + strlen(out), 64 - strlen(out), " %s", second);
	snprintf(out + strlen(out), 64 - strlen(out), " mfa");
}

enum gh_err
gh_account_second_factor(struct gh_req *req, const char *token, size_t len,
    const char *code, int backup, struct gh_signed_in *out,
    int64_t *retry_after)
{
	struct gh_server	*srv = req->srv;
	struct gh_mfa_pending	 p;
	char			 amr[64];
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_mfa_pending_get(srv->db, token, len, &p)) != GH_OK)
		goto fail;
	er = backup ? gh_mfa_check_backup(srv, p.application_id, p.user_id,
	    code, retry_after) : gh_mfa_check_totp(srv, p.application_id,
	    p.user_id, code, 0, retry_after);
	if (er == GH_EINVAL || er == GH_ENOTFOUND) {
		/* Kept: it counts on the token and towards the lock. */
		if ((er = gh_mfa_pending_use(srv->db, token, len, 0)) != GH_OK ||
		    (er = gh_audit(req, "mfa_failed", p.application_id,
		    p.user_id, NULL)) != GH_OK ||
		    (er = gh_db_commit(srv->db)) != GH_OK)
			goto fail;
		return GH_EINVAL;
	}
	if (er != GH_OK)
		goto fail;
	amr_with(amr, p.amr, backup ? "backup_code" : "otp");
	gh_strlcpy(out->user_id, p.user_id, sizeof(out->user_id));
	if ((er = gh_mfa_pending_use(srv->db, token, len, 1)) != GH_OK ||
	    (er = start_first(req, p.application_id, p.client_id, p.cookie,
	    amr, p.action, out)) != GH_OK)
		goto fail;
	return GH_OK;
fail:
	gh_db_rollback(srv->db);
	gh_signed_in_free(out);
	return er;
}

/* The user of a proven address in app_id: found (active), or made
 * without a password (*created). GH_EFORBIDDEN for a disabled one. */
static enum gh_err
user_of_address(struct gh_db *db, const char *app_id, const char *email,
    struct gh_signed_in *out, int *created)
{
	struct gh_new_user	 nu;
	struct gh_login		 login;
	const char		*code;
	enum gh_err		 er;

	*created = 0;
	er = gh_store_user_login(db, app_id, "email", email, &login);
	if (er == GH_OK) {
		if (!login.active)
			er = GH_EFORBIDDEN;
		else
			memcpy(out->user_id, login.user_id,
			    sizeof(out->user_id));
	} else if (er == GH_ENOTFOUND) {
		memset(&nu, 0, sizeof(nu));
		nu.application_id = app_id;
		nu.email = email;
		*created = 1;
		er = gh_store_user_create(db, &nu, out->user_id,
		    out->membership_id, &code);
	}
	sodium_memzero(&login, sizeof(login));
	return er;
}

enum gh_err
gh_account_accept_invite(struct gh_req *req, const char *token, size_t len,
    int cookie, struct gh_signed_in *out, int *created,
    const char **problem)
{
	struct gh_db		*db = req->srv->db;
	struct gh_onetime	 t;
	struct gh_invite	 iv;
	char			 joined[GH_ID_LEN + 1];
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	*created = 0;
	*problem = NULL;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_onetime_use(db, "invite", token, len, now, 1, &t)) !=
	    GH_OK)
		goto fail;
	/* The link proves the address: its user is found or made, and the
	 * address counts as verified before the invite checks it. */
	if ((er = gh_invite_by_id(db, t.application_id, t.data, &iv)) !=
	    GH_OK) {
		*problem = "invite_revoked";
		er = er == GH_ENOTFOUND ? GH_EGONE : er;
		goto fail;
	}
	if ((er = user_of_address(db, t.application_id, t.email, out,
	    created)) != GH_OK ||
	    (er = address_proven(db, out->user_id, now)) != GH_OK)
		goto fail;
	er = gh_invite_accept(db, &req->srv->cfg, &iv, out->user_id,
	    GH_INVITE_ANY, now, joined, problem);
	/* Already in the account: the link still signs them in. */
	if (er == GH_ECONFLICT && *problem != NULL &&
	    strcmp(*problem, "already_member") == 0) {
		*problem = NULL;
		joined[0] = '\0';
		er = GH_OK;
	}
	if (er != GH_OK || (er = gh_audit(req, "invite_accepted",
	    t.application_id, out->user_id, NULL)) != GH_OK)
		goto fail;
	if (joined[0] != '\0')
		gh_strlcpy(out->membership_id, joined,
		    sizeof(out->membership_id));
	else if ((er = gh_store_user_first_membership(db, out->user_id,
	    out->membership_id)) != GH_OK)
		goto fail;
	if ((er = gh_account_start(req, t.application_id, "default", cookie,
	    "email", *created ? "sign_up_invite" : "sign_in_invite", out)) !=
	    GH_OK)
		goto fail;
	sodium_memzero(&t, sizeof(t));
	return GH_OK;
fail:
	gh_db_rollback(db);
	sodium_memzero(&t, sizeof(t));
	gh_signed_in_free(out);
	return er;
}
