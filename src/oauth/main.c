/*
 * oauth.fcgi — mounted at /v1/oauth: sign-in with OAuth 2 and OpenID
 * Connect providers (DESIGN.md §6, docs/oauth.md). The protocol is
 * lib/oauth.c; this file decides who the person is here: an identity
 * already linked signs in, a signed-in user links, a verified email both
 * sides agree on links, anyone else signs up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account.h"
#include "audit.h"
#include "clock.h"
#include "cookie.h"
#include "db.h"
#include "form.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "oauth.h"
#include "onetime.h"
#include "problem.h"
#include "seal.h"
#include "serve.h"
#include "store_identity.h"
#include "store_user.h"
#include "str.h"
#include "url.h"

#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))
#define REDIRECT_MAX	1024	/* a flow's redirect_to, kept in its state */
#define LOGIN_TTL	120	/* seconds a login_token lives */
#define SIGNUP_TTL	900	/* seconds to choose a username */

/* Where a finished flow goes and how it signs in. */
struct flow {
	char		 provider[GH_OAUTH_NAME_MAX + 1];
	char		 redirect_to[REDIRECT_MAX + 1];
	char		 client_id[129];
	char		 app_id[GH_ID_LEN + 1];
	char		 link_user[GH_ID_LEN + 1];	/* "" unless linking */
	int		 cookie;
};

static const struct gh_oauth_cfg *
provider_of(struct gh_req *req, struct gh_res *res)
{
	const struct gh_oauth_cfg *p;

	p = gh_config_oauth(&req->srv->cfg, gh_req_param(req, "provider"));
	if (p == NULL)
		gh_problem(res, 404, "not_found", "no such sign-in provider");
	return p;
}

static enum gh_err
oauth_providers(struct gh_req *req, struct gh_res *res)
{
	json_object	*o = json_object_new_object();

	gh_json_add(o, "data", gh_oauth_providers_json(&req->srv->cfg, 1));
	gh_res_json(res, 200, o);
	return GH_OK;
}

/* A browser navigates through authorize and callback: it gets a page it
 * can read; anything else gets problem+json. Same status either way. */
static void
refuse(struct gh_req *req, struct gh_res *res, int status, const char *code,
    const char *detail)
{
	gh_problem_page(req, res, status, code, detail,
	    "Sign-in did not finish", "Start again");
}

/* 1 when the query value name, if present, passed check (or is absent);
 * 0 when res holds the 400. */
static int
query_ok(struct gh_res *res, const char *name, const char *value,
    size_t max, int ok, const char *expected)
{
	struct gh_problem	 pb = { NULL };

	if (value == NULL || (strlen(value) <= max && ok))
		return 1;
	gh_problem_param(&pb, "query", name, "format", expected, NULL);
	gh_problem_send_invalid(&pb, res);
	return 0;
}

/* The state's data: what the callback needs and nothing secret. */
static char *
flow_data(const struct flow *f, const char *binding_hash)
{
	json_object	*o = json_object_new_object();
	char		*s;

	gh_json_add(o, "p", json_object_new_string(f->provider));
	gh_json_add(o, "r", json_object_new_string(f->redirect_to));
	gh_json_add(o, "c", json_object_new_string(f->client_id));
	gh_json_add(o, "m", json_object_new_boolean(f->cookie));
	gh_json_add(o, "b", json_object_new_string(binding_hash));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static void
binding_hash(const char *binding, char out[65])
{
	unsigned char	 h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)binding, strlen(binding));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/*
 * GET /{provider}/authorize?redirect_to=&client_id=&mode=token|cookie
 * [&link_token=]: a new flow (state, PKCE, nonce), bound to this browser
 * by a short cookie, and 303 to the provider.
 */
static enum gh_err
oauth_authorize(struct gh_req *req, struct gh_res *res)
{
	struct gh_server		*srv = req->srv;
	const struct gh_oauth_cfg	*p;
	struct gh_onetime		 t, link;
	struct flow			 f;
	char				*redirect = gh_req_query(req, "redirect_to");
	char				*client = gh_req_query(req, "client_id");
	char				*mode = gh_req_query(req, "mode");
	char				*link_token = gh_req_query(req, "link_token");
	char				 state[GH_OPAQUE_LEN + 1];
	char				 binding[GH_OPAQUE_LEN + 1], bhash[65];
	unsigned char			 unused[GH_TOKEN_HASH_BYTES];
	char				*data = NULL, *url = NULL;
	int64_t				 now = gh_clock_now();
	enum gh_oauth_err		 oe;
	enum gh_err			 er = GH_OK;

	memset(&f, 0, sizeof(f));
	memset(&t, 0, sizeof(t));
	if ((p = provider_of(req, res)) == NULL)
		goto out;
	if (!query_ok(res, "redirect_to", redirect, REDIRECT_MAX,
	    redirect != NULL && gh_redirect_allowed(&srv->cfg, redirect),
	    "a path on this site or an allowed origin") ||
	    !query_ok(res, "client_id", client, 128, client != NULL &&
	    gh_check_token_chars(client, strlen(client)), "client id") ||
	    !query_ok(res, "mode", mode, 8, mode != NULL &&
	    (strcmp(mode, "token") == 0 || strcmp(mode, "cookie") == 0),
	    "token or cookie"))
		goto out;
	gh_strlcpy(f.provider, p->name, sizeof(f.provider));
	gh_strlcpy(f.redirect_to, redirect != NULL ? redirect : "/",
	    sizeof(f.redirect_to));
	gh_strlcpy(f.client_id, client != NULL ? client : "default",
	    sizeof(f.client_id));
	f.cookie = mode != NULL && strcmp(mode, "cookie") == 0;
	if ((er = gh_store_app_by_client(srv->db, f.client_id, f.app_id)) ==
	    GH_ENOTFOUND) {
		refuse(req, res, 400, "validation_failed", "client_id names no "
		    "application");
		er = GH_OK;
		goto out;
	}
	if (er != GH_OK)
		goto out;
	/* Discovery before anything is written: a provider that is down
	 * leaves nothing behind. */
	if ((oe = gh_oauth_ready(srv, p)) != GH_OAUTH_OK) {
		refuse(req, res, oe == GH_OAUTH_FAILED ? 500 : 502,
		    oe == GH_OAUTH_FAILED ? "internal_error" :
		    "provider_unavailable", "The sign-in provider cannot be "
		    "reached right now. Try again in a moment.");
		goto out;
	}
	if ((er = gh_token_opaque_new(binding, unused)) != GH_OK)
		goto out;
	binding_hash(binding, bhash);
	if ((data = flow_data(&f, bhash)) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	gh_strlcpy(t.application_id, f.app_id, sizeof(t.application_id));
	gh_strlcpy(t.data, data, sizeof(t.data));
	if ((er = gh_db_begin(srv->db, GH_DB_RELAXED)) != GH_OK)
		goto out;
	/* Linking: the link token (from POST /{provider}/link) names the
	 * signed-in user; it is used up here. */
	if (link_token != NULL) {
		er = gh_onetime_use(srv->db, "oauth_link", link_token,
		    strlen(link_token), now, 1, &link);
		if (er == GH_OK && strcmp(link.data, p->name) != 0)
			er = GH_ENOTFOUND;
		if (er == GH_ENOTFOUND || er == GH_EAUTH) {
			gh_db_rollback(srv->db);
			refuse(req, res, 400, er == GH_EAUTH ? "token_expired" :
			    "invalid_token", "This link request is not valid "
			    "or was already used. Start linking again.");
			er = GH_OK;
			goto out;
		}
		if (er != GH_OK)
			goto fail;
		gh_strlcpy(t.user_id, link.user_id, sizeof(t.user_id));
		sodium_memzero(&link, sizeof(link));
	}
	if ((er = gh_onetime_issue(srv->db, "oauth_state", &t, now,
	    srv->cfg.oauth_state_ttl, state)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK)
		goto fail;
	if ((oe = gh_oauth_authorize_url(srv, p, state, &url)) !=
	    GH_OAUTH_OK) {
		er = GH_ENOMEM;
		goto out;
	}
	gh_res_empty(res, 303);
	if ((er = gh_res_header(res, "Location", "%s", url)) == GH_OK)
		er = gh_cookie_oauth_set(res, &srv->cfg, binding,
		    srv->cfg.oauth_state_ttl, strcmp(p->type, "apple") == 0);
	goto out;
fail:
	gh_db_rollback(srv->db);
out:
	sodium_memzero(binding, sizeof(binding));
	sodium_memzero(state, sizeof(state));
	if (link_token != NULL) {
		sodium_memzero(link_token, strlen(link_token));
		free(link_token);
	}
	free(url);
	free(data);
	free(redirect);
	free(client);
	free(mode);
	return er;
}

/* A callback parameter: the query, or the form body of a form post. */
static char *
callback_param(struct gh_req *req, const char *name)
{
	if (strcmp(req->method, "POST") == 0)
		return req->body != NULL ? gh_form_value(req->body,
		    req->body_len, name) : NULL;
	return gh_req_query(req, name);
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static int
member_true(json_object *o, const char *key)
{
	json_object	*m;

	return json_object_object_get_ex(o, key, &m) &&
	    json_object_get_boolean(m);
}

/* Reads a state's data back (it is ours: a failure is a bug). */
static enum gh_err
flow_parse(const struct gh_onetime *t, struct flow *f, char bhash[65])
{
	json_object	*o = NULL;
	enum gh_err	 er = GH_EINVAL;

	memset(f, 0, sizeof(*f));
	if (gh_json_parse(t->data, strlen(t->data), 4, &o) != GH_JSON_OK)
		return GH_EINVAL;
	gh_json_copy_string(o, "p", f->provider, sizeof(f->provider));
	gh_json_copy_string(o, "r", f->redirect_to, sizeof(f->redirect_to));
	gh_json_copy_string(o, "c", f->client_id, sizeof(f->client_id));
	gh_json_copy_string(o, "b", bhash, 65);
	f->cookie = member_true(o, "m");
	gh_strlcpy(f->app_id, t->application_id, sizeof(f->app_id));
	gh_strlcpy(f->link_user, t->user_id, sizeof(f->link_user));
	if (f->provider[0] != '\0' && f->redirect_to[0] != '\0')
		er = GH_OK;
	json_object_put(o);
	return er;
}

/* What resolving the person came to. */
enum outcome {
	SIGNED_IN,		/* out is a user to sign in */
	LINKED,			/* the identity joined flow->link_user */
	NEEDS_USERNAME,		/* *signup holds a signup_token */
	REFUSED,		/* res holds the answer */
};

/* A username from the provider's handle: '-' and '.' as '_'; "" when
 * it still is not one of ours. */
static void
handle_of(const struct gh_oauth_user *u, char out[GH_USERNAME_MAX + 1])
{
	size_t	 i;

	gh_strlcpy(out, u->username, GH_USERNAME_MAX + 1);
	if (strlen(u->username) > GH_USERNAME_MAX) {
		out[0] = '\0';
		return;
	}
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '-' || out[i] == '.')
			out[i] = '_';
	if (!gh_check_username(out, strlen(out)))
		out[0] = '\0';
}

/* The profile fields a provider fills in on a new user, each only when it
 * passes the check PATCH /me would make. */
static enum gh_err
new_profile(struct gh_db *db, const char *user_id,
    const struct gh_oauth_user *u)
{
	const struct {
		enum gh_profile_field	 field;
		const char		*value;
		gh_json_check		 check;
	} from[] = {
		{ GH_P_GIVEN_NAME, u->given_name, gh_check_display_text },
		{ GH_P_FAMILY_NAME, u->family_name, gh_check_display_text },
		{ GH_P_AVATAR_URL, u->picture, gh_check_url },
		{ GH_P_LOCALE, u->locale, gh_check_locale },
	};
	struct gh_profile_patch	 pp;
	size_t			 i;

	memset(&pp, 0, sizeof(pp));
	for (i = 0; i < NFIELDS(from); i++)
		if (from[i].value[0] != '\0' && from[i].check(from[i].value,
		    strlen(from[i].value))) {
			pp.set[from[i].field] = 1;
			pp.value[from[i].field] = from[i].value;
		}
	return gh_store_user_update(db, user_id, &pp);
}

/* Inside a transaction: the user, their personal account, verified email
 * when the provider vouches for it, the profile and the identity. */
static enum gh_err
sign_up(struct gh_db *db, const char *app_id, const char *username,
    const struct gh_oauth_user *u, const struct gh_identity *id,
    struct gh_signed_in *out, const char **code)
{
	struct gh_new_user	 nu;
	char			 email_id[GH_ID_LEN + 1], email[256];
	int			 verified;
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	memset(&nu, 0, sizeof(nu));
	nu.application_id = app_id;
	nu.email = u->email;
	nu.username = username;
	nu.display_name = u->name[0] != '\0' && strlen(u->name) <= 64 &&
	    gh_check_display_text(u->name, strlen(u->name)) ? u->name : NULL;
	if ((er = gh_store_user_create(db, &nu, out->user_id,
	    out->membership_id, code)) != GH_OK)
		return er;
	if (u->email_verified && ((er = gh_store_email_of(db, out->user_id,
	    NULL, email_id, email, &verified)) != GH_OK ||
	    (er = gh_store_email_verify(db, email_id, now)) != GH_OK))
		return er;
	if ((er = new_profile(db, out->user_id, u)) != GH_OK)
		return er;
	return gh_identity_link(db, out->user_id, id, now);
}

/* A token for POST /complete-signup: the person as the provider said,
 * without its tokens (kept at the next sign-in). */
static enum gh_err
signup_token(struct gh_db *db, const struct flow *f,
    const struct gh_oauth_user *u, char out[GH_OPAQUE_LEN + 1])
{
	struct gh_onetime	 t;
	json_object		*o = json_object_new_object();
	const char		*s;
	enum gh_err		 er;

	gh_json_add(o, "p", json_object_new_string(f->provider));
	gh_json_add(o, "s", json_object_new_string(u->subject));
	gh_json_add(o, "e", json_object_new_string(u->email));
	gh_json_add(o, "v", json_object_new_boolean(u->email_verified));
	gh_json_add(o, "n", json_object_new_string(u->name));
	gh_json_add(o, "g", json_object_new_string(u->given_name));
	gh_json_add(o, "f", json_object_new_string(u->family_name));
	gh_json_add(o, "a", json_object_new_string(u->picture));
	gh_json_add(o, "l", json_object_new_string(u->locale));
	gh_json_add(o, "c", json_object_new_string(f->client_id));
	gh_json_add(o, "m", json_object_new_boolean(f->cookie));
	memset(&t, 0, sizeof(t));
	gh_strlcpy(t.application_id, f->app_id, sizeof(t.application_id));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (strlen(s) >= sizeof(t.data))
		er = GH_ETOOBIG;
	else {
		gh_strlcpy(t.data, s, sizeof(t.data));
		er = gh_onetime_issue(db, "oauth_signup", &t, gh_clock_now(),
		    SIGNUP_TTL, out);
	}
	json_object_put(o);
	return er;
}

/* The provider's tokens, sealed for the identity row. */
static enum gh_err
seal_tokens(struct gh_server *srv, const struct gh_oauth_user *u,
    char **access, char **refresh)
{
	enum gh_err	 er = GH_OK;

	*access = *refresh = NULL;
	if (u->access_token[0] != '\0')
		er = gh_seal_text(srv->secret, u->access_token,
		    strlen(u->access_token), access);
	if (er == GH_OK && u->refresh_token[0] != '\0')
		er = gh_seal_text(srv->secret, u->refresh_token,
		    strlen(u->refresh_token), refresh);
	return er;
}

/*
 * Inside a durable transaction: who u is here. The caller commits on
 * SIGNED_IN, LINKED and NEEDS_USERNAME (after its own writes) and rolls
 * back on REFUSED or an error.
 */
static enum gh_err
resolve(struct gh_req *req, struct gh_res *res, const struct flow *f,
    const struct gh_oauth_cfg *p, const struct gh_oauth_user *u,
    const struct gh_identity *id, struct gh_signed_in *out,
    char signup[GH_OPAQUE_LEN + 1], enum outcome *oc)
{
	struct gh_server	*srv = req->srv;
	struct gh_db		*db = srv->db;
	struct gh_login		 login;
	char			 idid[GH_ID_LEN + 1], owner[GH_ID_LEN + 1];
	char			 handle[GH_USERNAME_MAX + 1];
	char			 email_id[GH_ID_LEN + 1], email[256];
	const char		*code = NULL;
	int			 active, verified, taken;
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	*oc = REFUSED;
	memset(&login, 0, sizeof(login));
	er = gh_identity_find(db, f->app_id, p->name, u->subject, idid, owner,
	    &active);
	if (er == GH_OK) {
		if (f->link_user[0] != '\0' && strcmp(owner, f->link_user) != 0) {
			refuse(req, res, 409, "identity_taken", "This account "
			    "at the provider is linked to another user.");
			return GH_OK;
		}
		if (!active) {
			refuse(req, res, 403, "account_disabled", "This account "
			    "has been disabled.");
			return GH_OK;
		}
		gh_strlcpy(out->user_id, owner, sizeof(out->user_id));
		if ((er = gh_identity_touch(db, idid, id, now)) != GH_OK ||
		    (er = gh_audit(req, "oauth_sign_in", f->app_id, owner,
		    NULL)) != GH_OK)
			return er;
		*oc = f->link_user[0] != '\0' ? LINKED : SIGNED_IN;
		return GH_OK;
	}
	if (er != GH_ENOTFOUND)
		return er;
	if (f->link_user[0] != '\0') {
		if ((er = gh_identity_link(db, f->link_user, id, now)) != GH_OK ||
		    (er = gh_audit(req, "identity_linked", f->app_id,
		    f->link_user, NULL)) != GH_OK)
			return er;
		*oc = LINKED;
		return GH_OK;
	}
	if (u->email[0] == '\0') {
		refuse(req, res, 400, "email_required", "The provider shared no "
		    "email address; allow access to it, or sign up another "
		    "way.");
		return GH_OK;
	}
	er = gh_store_user_login(db, f->app_id, "email", u->email, &login);
	if (er == GH_OK) {
		/* Linked by email only when both sides proved the address:
		 * otherwise whoever registers someone's address at a provider
		 * would get into their account here. */
		verified = 0;
		if (u->email_verified && srv->cfg.oauth_auto_link &&
		    (er = gh_store_email_of(db, login.user_id, NULL, email_id,
		    email, &verified)) != GH_OK)
			goto out;
		if (!verified || !login.active) {
			refuse(req, res, 409, "account_exists", "An account with "
			    "this email address already exists. Sign in to it, "
			    "then link this provider from your account.");
			er = GH_OK;
			goto out;
		}
		gh_strlcpy(out->user_id, login.user_id, sizeof(out->user_id));
		if ((er = gh_identity_link(db, login.user_id, id, now)) !=
		    GH_OK || (er = gh_audit(req, "identity_linked", f->app_id,
		    login.user_id, NULL)) != GH_OK)
			goto out;
		*oc = SIGNED_IN;
		goto out;
	}
	if (er != GH_ENOTFOUND)
		goto out;
	/* New people come in by invite only (docs/invites.md). */
	if (srv->cfg.signup_invite_only) {
		refuse(req, res, 403, "invite_required", "Sign-up is by "
		    "invitation only. Accept your invite first, then link "
		    "this provider from your account.");
		er = GH_OK;
		goto out;
	}
	handle_of(u, handle);
	if (handle[0] != '\0') {
		if ((taken = gh_store_username_taken(db, f->app_id, handle,
		    NULL)) < 0) {
			er = GH_EDB;
			goto out;
		}
		if (taken) {
			if ((er = signup_token(db, f, u, signup)) == GH_OK)
				*oc = NEEDS_USERNAME;
			goto out;
		}
	}
	if ((er = sign_up(db, f->app_id, handle[0] != '\0' ? handle : NULL, u,
	    id, out, &code)) == GH_ECONFLICT) {
		refuse(req, res, 409, code != NULL ? code : "email_taken",
		    "An account with this email address already exists.");
		er = GH_OK;
		goto out;
	}
	if (er == GH_OK && (er = gh_audit(req, "sign_up_oauth", f->app_id,
	    out->user_id, NULL)) == GH_OK)
		*oc = SIGNED_IN;
out:
	sodium_memzero(&login, sizeof(login));
	return er;
}

/* ?name=value appended to url. */
static enum gh_err
redirect_with(struct gh_res *res, const char *url, const char *name,
    const char *value)
{
	char		*enc = gh_url_encode(value);
	enum gh_err	 er;

	if (enc == NULL)
		return GH_ENOMEM;
	gh_res_empty(res, 303);
	er = gh_res_header(res, "Location", "%s%s%s=%s", url,
	    strchr(url, '?') != NULL ? "&" : "?", name, enc);
	free(enc);
	return er;
}

/* Cookie mode with 2FA on: the hosted page asks for the code when the
 * flow returns to this site; another origin gets ?mfa_token= to finish at
 * POST /v1/mfa/totp/verify. */
static enum gh_err
second_factor(struct gh_res *res, const struct flow *f, const char *token)
{
	char		*back;
	enum gh_err	 er;

	if (!gh_url_is_local(f->redirect_to))
		return redirect_with(res, f->redirect_to, "mfa_token", token);
	if ((back = gh_url_encode(f->redirect_to)) == NULL)
		return GH_ENOMEM;
	gh_res_empty(res, 303);
	er = gh_res_header(res, "Location", "/ui/mfa?mfa_token=%s&return_to=%s",
	    token, back);
	free(back);
	return er;
}

/*
 * After resolve(), inside its transaction: the answer of a flow that
 * ended well. Token mode: a one-time login_token in the redirect; cookie
 * mode: a session and its cookie; linking: ?linked=provider.
 */
static enum gh_err
finish(struct gh_req *req, struct gh_res *res, const struct flow *f,
    enum outcome oc, struct gh_signed_in *in, const char *signup)
{
	struct gh_server	*srv = req->srv;
	struct gh_onetime	 t;
	char			 login[GH_OPAQUE_LEN + 1];
	enum gh_err		 er;

	if (oc == LINKED) {
		if ((er = gh_db_commit(srv->db)) != GH_OK)
			return er;
		return redirect_with(res, f->redirect_to, "linked",
		    f->provider);
	}
	if (oc == NEEDS_USERNAME) {
		if ((er = gh_db_commit(srv->db)) != GH_OK)
			return er;
		return redirect_with(res, f->redirect_to, "signup_token",
		    signup);
	}
	if ((er = gh_store_user_first_membership(srv->db, in->user_id,
	    in->membership_id)) != GH_OK)
		return er;
	if (f->cookie) {
		if ((er = gh_account_start(req, f->app_id, f->client_id, 1,
		    "fed", "session_oauth", in)) != GH_OK)
			return er;
		if (in->mfa_token[0] != '\0')
			return second_factor(res, f, in->mfa_token);
		gh_res_empty(res, 303);
		if ((er = gh_res_header(res, "Location", "%s",
		    f->redirect_to)) != GH_OK)
			return er;
		return gh_cookie_set(res, &srv->cfg, in->tokens.cookie);
	}
	memset(&t, 0, sizeof(t));
	gh_strlcpy(t.application_id, f->app_id, sizeof(t.application_id));
	gh_strlcpy(t.user_id, in->user_id, sizeof(t.user_id));
	gh_strlcpy(t.data, f->client_id, sizeof(t.data));
	if ((er = gh_onetime_issue(srv->db, "oauth_login", &t, gh_clock_now(),
	    LOGIN_TTL, login)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK)
		return er;
	er = redirect_with(res, f->redirect_to, "login_token", login);
	sodium_memzero(login, sizeof(login));
	return er;
}

static void
exchange_refused(struct gh_req *req, struct gh_res *res, enum gh_oauth_err e,
    const char *why)
{
	char	 detail[256];

	if (e == GH_OAUTH_UNAVAILABLE)
		refuse(req, res, 502, "provider_unavailable", "The sign-in "
		    "provider cannot be reached or answered in a way this "
		    "server does not accept. Try again in a moment.");
	else if (e == GH_OAUTH_REFUSED) {
		snprintf(detail, sizeof(detail), "The provider refused this "
		    "sign-in: %s. Start again.", why);
		refuse(req, res, 400, "oauth_code_rejected", detail);
	} else if (e == GH_OAUTH_BAD_TOKEN) {
		snprintf(detail, sizeof(detail), "The provider's answer was "
		    "refused: %s.", why);
		refuse(req, res, 401, "invalid_id_token", detail);
	} else
		refuse(req, res, 500, "internal_error", NULL);
}

/*
 * Signs in, signs up or links once the person is known, and answers:
 * used by the callback (answer 303) and by the ID-token route (answer
 * AuthenticationResult, with a signup_token in a 409 when a username must
 * be chosen).
 */
static enum gh_err
conclude(struct gh_req *req, struct gh_res *res, const struct flow *f,
    const struct gh_oauth_cfg *p, const struct gh_oauth_user *u, int direct)
{
	struct gh_server	*srv = req->srv;
	struct gh_identity	 id;
	struct gh_signed_in	 in;
	char			*access = NULL, *refresh = NULL;
	char			 signup[GH_OPAQUE_LEN + 1];
	enum outcome		 oc;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	signup[0] = '\0';
	if ((er = seal_tokens(srv, u, &access, &refresh)) != GH_OK)
		goto out;
	memset(&id, 0, sizeof(id));
	id.application_id = f->app_id;
	id.provider = p->name;
	id.subject = u->subject;
	id.email = u->email[0] != '\0' ? u->email : NULL;
	id.email_verified = u->email_verified;
	id.access_token = access;
	id.refresh_token = refresh;
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	if ((er = resolve(req, res, f, p, u, &id, &in, signup, &oc)) !=
	    GH_OK || oc == REFUSED) {
		gh_db_rollback(srv->db);
		goto out;
	}
	if (!direct) {
		if ((er = finish(req, res, f, oc, &in, signup)) != GH_OK)
			gh_db_rollback(srv->db);
		goto out;
	}
	if (oc == NEEDS_USERNAME) {
		if ((er = gh_db_commit(srv->db)) != GH_OK)
			goto out;
		gh_problem(res, 409, "username_required", "The provider's "
		    "username is taken here: choose one at "
		    "POST /v1/oauth/complete-signup with this signup_token.");
		gh_json_add(res->json, "signup_token",
		    json_object_new_string(signup));
		goto out;
	}
	if ((er = gh_store_user_first_membership(srv->db, in.user_id,
	    in.membership_id)) != GH_OK ||
	    (er = gh_account_start(req, f->app_id, f->client_id, f->cookie,
	    "fed", "session_oauth", &in)) != GH_OK) {
		gh_db_rollback(srv->db);
		goto out;
	}
	er = gh_account_answer(req, res, 200, &in);
out:
	sodium_memzero(signup, sizeof(signup));
	gh_signed_in_free(&in);
	wipe_free(access);
	wipe_free(refresh);
	return er;
}

/* GET (or, for Apple, POST form) /{provider}/callback. */
static enum gh_err
oauth_callback(struct gh_req *req, struct gh_res *res)
{
	struct gh_server		*srv = req->srv;
	const struct gh_oauth_cfg	*p;
	struct gh_onetime		 t;
	struct gh_oauth_user		 u;
	struct flow			 f;
	char				*state = callback_param(req, "state");
	char				*code = callback_param(req, "code");
	char				*error = callback_param(req, "error");
	char				 bhash[65], want[65];
	char				 binding[GH_OPAQUE_LEN + 1];
	const char			*why = "";
	enum gh_oauth_err		 oe;
	enum gh_err			 er = GH_OK;

	memset(&u, 0, sizeof(u));
	memset(&t, 0, sizeof(t));
	bhash[0] = want[0] = '\0';
	if ((p = provider_of(req, res)) == NULL)
		goto out;
	if (state == NULL) {
		refuse(req, res, 400, "oauth_state_invalid", "This page needs "
		    "the sign-in's state. Start again.");
		goto out;
	}
	/* The state is used up first, in its own commit: whatever happens
	 * next, this callback cannot be played again. */
	if ((er = gh_db_begin(srv->db, GH_DB_RELAXED)) != GH_OK)
		goto out;
	if ((er = gh_onetime_use(srv->db, "oauth_state", state,
	    strlen(state), gh_clock_now(), 1, &t)) != GH_OK) {
		gh_db_rollback(srv->db);
		if (er == GH_ENOTFOUND || er == GH_EAUTH) {
			refuse(req, res, 400, er == GH_EAUTH ?
			    "oauth_state_expired" : "oauth_state_invalid",
			    er == GH_EAUTH ? "This sign-in took too long. "
			    "Start again." : "This sign-in was already "
			    "finished, or was never started here. If you "
			    "went back in your browser, start again.");
			er = GH_OK;
		}
		goto out;
	}
	if ((er = gh_db_commit(srv->db)) != GH_OK)
		goto out;
	if ((er = flow_parse(&t, &f, want)) != GH_OK ||
	    strcmp(f.provider, p->name) != 0) {
		refuse(req, res, 400, "oauth_state_invalid", "This sign-in "
		    "was started for another provider. Start again.");
		er = GH_OK;
		goto out;
	}
	/* RFC 6749 §10.12: the browser that comes back must be the one
	 * that set out. */
	if (gh_cookie_session(req->cookie, gh_cookie_oauth_name(&srv->cfg),
	    binding) != 1 || (binding_hash(binding, bhash),
	    sodium_memcmp(bhash, want, 64) != 0)) {
		refuse(req, res, 400, "oauth_state_mismatch", "This sign-in was "
		    "started in another browser or its cookie is gone. Start "
		    "again from this browser.");
		goto out;
	}
	if ((er = gh_cookie_oauth_set(res, &srv->cfg, "", 0, 0)) != GH_OK)
		goto out;
	if (error != NULL) {
		/* The person said no (or the provider could not ask). */
		er = redirect_with(res, f.redirect_to, "error",
		    strcmp(error, "access_denied") == 0 ? "access_denied" :
		    "provider_error");
		goto out;
	}
	if (code == NULL || strlen(code) > 2048) {
		refuse(req, res, 400, "validation_failed", "The provider sent "
		    "no usable code.");
		goto out;
	}
	if ((oe = gh_oauth_exchange(srv, p, state, code, &u, &why)) !=
	    GH_OAUTH_OK) {
		gh_log("rid=%s oauth %s: %s", req->request_id, p->name, why);
		exchange_refused(req, res, oe, why);
		goto out;
	}
	er = conclude(req, res, &f, p, &u, 0);
out:
	gh_oauth_user_wipe(&u);
	sodium_memzero(&t, sizeof(t));
	sodium_memzero(binding, sizeof(binding));
	wipe_free(state);
	wipe_free(code);
	free(error);
	return er;
}

/* POST /{provider}/id-token {id_token, nonce?, client_id?, cookie?}: an ID
 * token the client got from the provider itself (Google One Tap, a mobile
 * SDK), verified here, then sign-in or sign-up. */
static enum gh_err
oauth_id_token(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "id_token", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 16,
		    16384, gh_check_token_chars, "a JWT" },
		{ "nonce", GH_JSON_STRING, 0, 1, 256, gh_check_token_chars,
		    "the nonce given to the provider" },
		{ "client_id", GH_JSON_STRING, 0, 1, 128, gh_check_token_chars,
		    "client id" },
		{ "cookie", GH_JSON_BOOL, 0, 0, 0, NULL, NULL },
	};
	struct gh_json_value		 v[NFIELDS(fields)];
	const struct gh_oauth_cfg	*p;
	struct gh_oauth_user		 u;
	struct flow			 f;
	const char			*why = "";
	enum gh_oauth_err		 oe;
	enum gh_err			 er;

	if ((p = provider_of(req, res)) == NULL ||
	    !gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (!gh_oauth_is_oidc(p)) {
		gh_problem(res, 404, "not_found", "this provider issues no ID "
		    "tokens");
		return GH_OK;
	}
	memset(&f, 0, sizeof(f));
	gh_strlcpy(f.provider, p->name, sizeof(f.provider));
	gh_strlcpy(f.client_id, v[2].present ? v[2].s : "default",
	    sizeof(f.client_id));
	f.cookie = v[3].present && v[3].b;
	if ((er = gh_store_app_by_client(req->srv->db, f.client_id,
	    f.app_id)) == GH_ENOTFOUND) {
		gh_problem(res, 400, "validation_failed", "client_id names no "
		    "application");
		return GH_OK;
	}
	if (er != GH_OK)
		return er;
	if ((oe = gh_oauth_id_token(req->srv, p, v[0].s, v[0].len,
	    v[1].present ? v[1].s : NULL, &u, &why)) != GH_OAUTH_OK) {
		gh_log("rid=%s oauth %s id-token: %s", req->request_id,
		    p->name, why);
		exchange_refused(req, res, oe, why);
		return GH_OK;
	}
	er = conclude(req, res, &f, p, &u, 1);
	gh_oauth_user_wipe(&u);
	return er;
}

/* POST /{provider}/link {redirect_to?}: for a signed-in user, the URL
 * that links this provider (our authorize with a one-time link token). */
static enum gh_err
oauth_link(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "redirect_to", GH_JSON_STRING, 0, 1, REDIRECT_MAX, NULL,
		    "a path on this site or an allowed origin" },
	};
	struct gh_json_value		 v[NFIELDS(fields)];
	struct gh_server		*srv = req->srv;
	const struct gh_oauth_cfg	*p;
	struct gh_onetime		 t;
	struct gh_problem		 pb = { NULL };
	char				 token[GH_OPAQUE_LEN + 1], *url;
	char				*enc;
	size_t				 n;
	json_object			*o;
	enum gh_err			 er;

	if ((p = provider_of(req, res)) == NULL ||
	    !gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	if (v[0].present && !gh_redirect_allowed(&srv->cfg, v[0].s)) {
		gh_problem_param(&pb, "body", "redirect_to", "format",
		    fields[0].format, v[0].s);
		gh_problem_send_invalid(&pb, res);
		return GH_OK;
	}
	memset(&t, 0, sizeof(t));
	gh_strlcpy(t.application_id, req->auth.application_id,
	    sizeof(t.application_id));
	gh_strlcpy(t.user_id, req->auth.user_id, sizeof(t.user_id));
	gh_strlcpy(t.data, p->name, sizeof(t.data));
	if ((er = gh_db_begin(srv->db, GH_DB_RELAXED)) != GH_OK)
		return er;
	if ((er = gh_onetime_issue(srv->db, "oauth_link", &t, gh_clock_now(),
	    srv->cfg.oauth_state_ttl, token)) != GH_OK ||
	    (er = gh_db_commit(srv->db)) != GH_OK) {
		gh_db_rollback(srv->db);
		return er;
	}
	if ((enc = gh_url_encode(v[0].present ? v[0].s : "/")) == NULL)
		return GH_ENOMEM;
	n = strlen(srv->cfg.public_url);
	while (n > 0 && srv->cfg.public_url[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s%s/%s/authorize?link_token=%s&redirect_to=%s",
	    (int)n, srv->cfg.public_url, srv->app->mount, p->name, token,
	    enc) < 0) {
		free(enc);
		return GH_ENOMEM;
	}
	free(enc);
	o = json_object_new_object();
	gh_json_add(o, "authorize_url", json_object_new_string(url));
	gh_res_json(res, 200, o);
	sodium_memzero(url, strlen(url));
	free(url);
	sodium_memzero(token, sizeof(token));
	return GH_OK;
}

static enum gh_err
oauth_accounts(struct gh_req *req, struct gh_res *res)
{
	json_object	*a, *o;
	enum gh_err	 er;

	if ((er = gh_identity_list(req->srv->db, req->auth.user_id, &a)) !=
	    GH_OK)
		return er;
	o = json_object_new_object();
	gh_json_add(o, "data", a);
	gh_res_json(res, 200, o);
	return GH_OK;
}

static enum gh_err
oauth_unlink(struct gh_req *req, struct gh_res *res)
{
	struct gh_db	*db = req->srv->db;
	const char	*id = gh_req_param(req, "id");
	enum gh_err	 er;

	if (!gh_id_is_valid(id)) {
		gh_problem(res, 404, "not_found", "no such linked account");
		return GH_OK;
	}
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = gh_identity_unlink(db, req->auth.user_id, id);
	if (er == GH_OK && (er = gh_audit(req, "identity_unlinked",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) == GH_OK &&
	    (er = gh_db_commit(db)) == GH_OK) {
		gh_res_empty(res, 204);
		return GH_OK;
	}
	gh_db_rollback(db);
	if (er == GH_ENOTFOUND) {
		gh_problem(res, 404, "not_found", "no such linked account");
		return GH_OK;
	}
	if (er == GH_ECONFLICT) {
		gh_problem(res, 409, "last_sign_in_method", "This is the "
		    "account's last way to sign in: set a password or link "
		    "another provider first.");
		return GH_OK;
	}
	return er;
}

/* The person of a signup token's data. */
static int
signup_person(const char *data, struct flow *f, struct gh_oauth_user *u)
{
	json_object	*o = NULL;

	if (gh_json_parse(data, strlen(data), 4, &o) != GH_JSON_OK)
		return 0;
	gh_json_copy_string(o, "p", f->provider, sizeof(f->provider));
	gh_json_copy_string(o, "c", f->client_id, sizeof(f->client_id));
	gh_json_copy_string(o, "s", u->subject, sizeof(u->subject));
	gh_json_copy_string(o, "e", u->email, sizeof(u->email));
	gh_json_copy_string(o, "n", u->name, sizeof(u->name));
	gh_json_copy_string(o, "g", u->given_name, sizeof(u->given_name));
	gh_json_copy_string(o, "f", u->family_name, sizeof(u->family_name));
	gh_json_copy_string(o, "a", u->picture, sizeof(u->picture));
	gh_json_copy_string(o, "l", u->locale, sizeof(u->locale));
	u->email_verified = member_true(o, "v");
	f->cookie = member_true(o, "m");
	json_object_put(o);
	return u->subject[0] != '\0' && u->email[0] != '\0';
}

/* POST /complete-signup {signup_token, username}: the sign-up a provider's
 * taken username held back. */
static enum gh_err
oauth_complete_signup(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "signup_token", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET,
		    1, 512, NULL, NULL },
		{ "username", GH_JSON_STRING, GH_F_REQUIRED, 3, 32,
		    gh_check_username, "username" },
	};
	struct gh_json_value		 v[NFIELDS(fields)];
	struct gh_server		*srv = req->srv;
	const struct gh_oauth_cfg	*p;
	struct gh_onetime		 t;
	struct gh_oauth_user		 u;
	struct gh_identity		 id;
	struct gh_signed_in		 in;
	struct flow			 f;
	const char			*code = NULL;
	enum gh_err			 er;

	if (!gh_json_take(req, res, fields, NFIELDS(fields), v))
		return GH_OK;
	memset(&u, 0, sizeof(u));
	memset(&f, 0, sizeof(f));
	memset(&in, 0, sizeof(in));
	if ((er = gh_db_begin(srv->db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = gh_onetime_use(srv->db, "oauth_signup", v[0].s, v[0].len,
	    gh_clock_now(), 1, &t);
	if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		gh_problem(res, 400, er == GH_EAUTH ? "token_expired" :
		    "invalid_token", "this signup token is not valid or was "
		    "already used");
		er = GH_OK;
		goto fail;
	}
	if (er != GH_OK)
		goto fail;
	if (!signup_person(t.data, &f, &u) ||
	    (p = gh_config_oauth(&srv->cfg, f.provider)) == NULL) {
		gh_problem(res, 400, "invalid_token", "this signup token's "
		    "provider is no longer configured");
		goto fail;
	}
	gh_strlcpy(f.app_id, t.application_id, sizeof(f.app_id));
	memset(&id, 0, sizeof(id));
	id.application_id = f.app_id;
	id.provider = p->name;
	id.subject = u.subject;
	id.email = u.email;
	id.email_verified = u.email_verified;
	er = sign_up(srv->db, f.app_id, v[1].s, &u, &id, &in, &code);
	if (er == GH_ECONFLICT) {
		gh_problem(res, 409, code != NULL ? code : "username_taken",
		    code != NULL && strcmp(code, "email_taken") == 0 ?
		    "an account uses this email address by now" :
		    "this username is taken; choose another");
		er = GH_OK;
		goto fail;
	}
	if (er != GH_OK || (er = gh_audit(req, "sign_up_oauth", f.app_id,
	    in.user_id, NULL)) != GH_OK ||
	    (er = gh_account_start(req, f.app_id, f.client_id, f.cookie,
	    "fed", "session_oauth", &in)) != GH_OK)
		goto fail;
	er = gh_account_answer(req, res, 201, &in);
	goto out;
fail:
	gh_db_rollback(srv->db);
out:
	gh_signed_in_free(&in);
	gh_oauth_user_wipe(&u);
	sodium_memzero(&t, sizeof(t));
	return er;
}

static const struct gh_route routes[] = {
	{ "GET", "/providers", oauth_providers, GH_ROUTE_READ, GH_LIMIT_API },
	{ "GET", "/accounts", oauth_accounts, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "DELETE", "/accounts/{id}", oauth_unlink, GH_ROUTE_AUTH,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/complete-signup", oauth_complete_signup, GH_ROUTE_JSON,
	    GH_LIMIT_SIGN_UP },
	{ "GET", "/{provider}/authorize", oauth_authorize, 0,
	    GH_LIMIT_SIGN_IN },
	{ "GET", "/{provider}/callback", oauth_callback, 0, GH_LIMIT_SIGN_IN },
	/* Apple answers with a form post (response_mode=form_post). */
	{ "POST", "/{provider}/callback", oauth_callback, GH_ROUTE_FORM,
	    GH_LIMIT_SIGN_IN },
	{ "POST", "/{provider}/link", oauth_link,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/{provider}/id-token", oauth_id_token, GH_ROUTE_JSON,
	    GH_LIMIT_SIGN_IN },
};

static const struct gh_app app = {
	"oauth", "/v1/oauth", routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	return gh_serve(&app);
}
