/*
 * The provider side of OAuth 2 and OpenID Connect sign-in (docs/oauth.md):
 * discovery, the authorization URL (PKCE S256, state, nonce), the code
 * exchange, ID-token verification against the provider's JWKS, userinfo
 * and the GitHub and Facebook user APIs. Discovery documents and key sets
 * are kept per process for oauth_cache_ttl; an unknown kid fetches the key
 * set again. What to do with the person is src/oauth's business.
 */
#ifndef GH_OAUTH_H
#define GH_OAUTH_H

#include <stddef.h>

#include <json-c/json.h>
#include <sodium.h>

#include "config.h"
#include "err.h"

struct gh_server;

#define GH_OAUTH_DERIVED_LEN	43	/* base64url of 32 bytes */
#define GH_OAUTH_URL_MAX	1024

/* What the provider says about the person signing in. */
struct gh_oauth_user {
	char		 subject[256];
	char		 email[256];		/* "" when none was shared */
	int		 email_verified;
	char		 username[64];		/* the provider's handle, or "" */
	char		 name[128];
	char		 given_name[64];
	char		 family_name[64];
	char		 picture[512];
	char		 locale[36];
	char		 access_token[4096];
	char		 refresh_token[2048];
};

enum gh_oauth_err {
	GH_OAUTH_OK = 0,
	GH_OAUTH_UNAVAILABLE,	/* down, slow, 5xx, not JSON, misconfigured: 502 */
	GH_OAUTH_REFUSED,	/* the provider refused the code: 400 */
	GH_OAUTH_BAD_TOKEN,	/* the ID token did not verify: 401 */
	GH_OAUTH_FAILED,	/* ours (memory): 500 */
};

/* 1 for providers that answer with an ID token (an issuer is set). */
int		 gh_oauth_is_oidc(const struct gh_oauth_cfg *);
/* Where the provider sends the browser back. */
void		 gh_oauth_redirect_uri(const struct gh_config *,
		    const struct gh_oauth_cfg *, char out[GH_OAUTH_URL_MAX]);
/* A per-flow secret derived from the state with the installation key
 * (what: "pkce" for the code verifier, "nonce"), so neither is stored. */
void		 gh_oauth_derive(const unsigned char key[crypto_secretbox_KEYBYTES],
		    const char *what, const char *state,
		    char out[GH_OAUTH_DERIVED_LEN + 1]);
/* The provider's endpoints known (discovery fetched or cached). */
enum gh_oauth_err gh_oauth_ready(struct gh_server *,
		    const struct gh_oauth_cfg *) GH_WUR;
/* The provider's authorization URL for state; owned (free()). */
enum gh_oauth_err gh_oauth_authorize_url(struct gh_server *,
		    const struct gh_oauth_cfg *, const char *state, char **url)
		    GH_WUR;
/* Exchanges code (the flow of state) and says who signed in; *why names
 * what failed, for the log and the problem's detail. */
enum gh_oauth_err gh_oauth_exchange(struct gh_server *,
		    const struct gh_oauth_cfg *, const char *state,
		    const char *code, struct gh_oauth_user *,
		    const char **why) GH_WUR;
/* Verifies an ID token a client brings (Google One Tap, apps): signature,
 * issuer, audience (client_id or one of audiences), expiry, and nonce
 * when given. */
enum gh_oauth_err gh_oauth_id_token(struct gh_server *,
		    const struct gh_oauth_cfg *, const char *jwt, size_t len,
		    const char *nonce, struct gh_oauth_user *,
		    const char **why) GH_WUR;
void		 gh_oauth_user_wipe(struct gh_oauth_user *);

/* What is read from each answer of a provider, apart from fetching it:
 * for the tests and the fuzzer (a discovery document is compared with
 * the issuer https://issuer.example; userinfo with u->subject). */
enum gh_oauth_doc {
	GH_OAUTH_DOC_DISCOVERY,
	GH_OAUTH_DOC_TOKEN,
	GH_OAUTH_DOC_USERINFO,
	GH_OAUTH_DOC_GITHUB_USER,
	GH_OAUTH_DOC_GITHUB_EMAILS,
	GH_OAUTH_DOC_FACEBOOK_ME,
};
enum gh_oauth_err gh_oauth_read(enum gh_oauth_doc, const char *body,
		    size_t len, struct gh_oauth_user *) GH_WUR;
/* [{id, type, name, authorize_url}] of the configured providers, in
 * their order (with id_token: whether ID tokens are taken too). */
json_object	*gh_oauth_providers_json(const struct gh_config *,
		    int id_token);

#endif
