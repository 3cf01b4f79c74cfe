#include <string.h>

#include "account.h"
#include "audit.h"
#include "db.h"
#include "http.h"
#include "serve.h"
#include "store_user.h"

void
gh_signed_in_free(struct gh_signed_in *s)
{
	gh_tokens_free(&s->tokens);
	memset(s, 0, sizeof(*s));
}

static enum gh_err
start(struct gh_req *req, const char *app_id, const char *client_id,
    int cookie, const char *action, struct gh_signed_in *out)
{
	struct gh_subject	 subj;
	enum gh_err		 er;

	subj.user_id = out->user_id;
	subj.application_id = app_id;
	subj.client_id = client_id;
	subj.membership_id = out->membership_id[0] != '\0' ?
	    out->membership_id : NULL;
	if ((er = gh_session_start(req, &subj, "pwd", cookie, out->session_id,
	    &out->tokens)) != GH_OK ||
	    (er = gh_audit(req, action, app_id, out->user_id,
	    out->session_id)) != GH_OK)
		return er;
	return gh_db_commit(req->srv->db);
}

enum gh_err
gh_account_sign_up(struct gh_req *req, const struct gh_new_account *in,
    struct gh_signed_in *out, const char **code)
{
	struct gh_db		*db = req->srv->db;
	struct gh_new_user	 nu;
	char			 hash[GH_PASSWORD_HASH_MAX];
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	*code = NULL;
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
	    (er = start(req, in->application_id, in->client_id, in->cookie,
	    "sign_up", out)) != GH_OK)
		gh_db_rollback(db);
out:
	sodium_memzero(hash, sizeof(hash));
	if (er != GH_OK)
		gh_signed_in_free(out);
	return er;
}

static enum gh_err
refuse(struct gh_req *req, const char *app_id, const char *user_id)
{
	enum gh_err	 er;

	if ((er = gh_audit(req, "sign_in_failed", app_id, user_id, NULL)) !=
	    GH_OK)
		return er;
	return GH_EAUTH;
}

enum gh_err
gh_account_sign_in(struct gh_req *req, const struct gh_credentials *in,
    struct gh_signed_in *out)
{
	struct gh_server	*srv = req->srv;
	struct gh_login		 login;
	char			 fresh[GH_PASSWORD_HASH_MAX];
	int			 rehash;
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	fresh[0] = '\0';
	er = gh_store_user_login(srv->db, in->application_id, in->by,
	    in->login, &login);
	if (er == GH_ENOTFOUND || (er == GH_OK && login.hash[0] == '\0')) {
		/* The same work and answer as a wrong password. */
		gh_password_burn(&srv->pw, in->password, in->password_len);
		er = refuse(req, in->application_id, NULL);
		goto out;
	}
	if (er != GH_OK)
		goto out;
	if (gh_password_verify(login.hash, in->password, in->password_len) !=
	    GH_OK) {
		er = refuse(req, in->application_id, login.user_id);
		goto out;
	}
	if (!login.active) {
		er = GH_EFORBIDDEN;
		goto out;
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
	if ((rehash && (er = gh_store_password_set(srv->db, login.user_id,
	    fresh)) != GH_OK) ||
	    (er = gh_store_user_first_membership(srv->db, login.user_id,
	    out->membership_id)) != GH_OK ||
	    (er = start(req, in->application_id, in->client_id, in->cookie,
	    "sign_in", out)) != GH_OK)
		gh_db_rollback(srv->db);
out:
	sodium_memzero(&login, sizeof(login));
	sodium_memzero(fresh, sizeof(fresh));
	if (er != GH_OK)
		gh_signed_in_free(out);
	return er;
}
