#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "fetch.h"
#include "jose.h"
#include "json.h"
#include "log.h"
#include "oauth.h"
#include "seal.h"
#include "serve.h"
#include "str.h"
#include "url.h"

#define DOC_MAX		(64 * 1024)	/* discovery, token and user answers */
#define JWKS_MAX	GH_JWKS_MAX
#define JSON_DEPTH	16
#define SKEW		60	/* seconds of clock difference forgiven */
#define REFETCH_GAP	10	/* seconds between two key-set fetches for a kid */
#define ID_TOKEN_MAX	(16 * 1024)

struct endpoints {
	char		 issuer[512];
	char		 authorize[512];
	char		 token[512];
	char		 userinfo[512];
	char		 jwks[512];
	int		 basic;		/* client_secret_basic at the token endpoint */
};

/* What one process remembers of a provider. */
static struct cache {
	char		 name[GH_OAUTH_NAME_MAX + 1];
	struct endpoints ep;
	int64_t		 ep_at;		/* 0: not fetched */
	struct gh_jwks	*jwks;
	int64_t		 jwks_at;
} caches[GH_OAUTH_MAX];

static struct cache *
cache_of(const struct gh_oauth_cfg *p)
{
	size_t	 i;

	for (i = 0; i < GH_OAUTH_MAX; i++)
		if (strcmp(caches[i].name, p->name) == 0)
			return &caches[i];
	for (i = 0; i < GH_OAUTH_MAX; i++)
		if (caches[i].name[0] == '\0') {
			gh_strlcpy(caches[i].name, p->name,
			    sizeof(caches[i].name));
			return &caches[i];
		}
	return &caches[0];	/* never: there are at most GH_OAUTH_MAX */
}

int
gh_oauth_is_oidc(const struct gh_oauth_cfg *p)
{
	return p->issuer[0] != '\0';
}

void
gh_oauth_redirect_uri(const struct gh_config *cfg, const struct gh_oauth_cfg *p,
    char out[GH_OAUTH_URL_MAX])
{
	size_t	 n = strlen(cfg->public_url);

	if (p->redirect_uri[0] != '\0') {
		gh_strlcpy(out, p->redirect_uri, GH_OAUTH_URL_MAX);
		return;
	}
	while (n > 0 && cfg->public_url[n - 1] == '/')
		n--;
	snprintf(out, GH_OAUTH_URL_MAX, "%.*s/v1/oauth/%s/callback", (int)n,
	    cfg->public_url, p->name);
}

void
gh_oauth_derive(const unsigned char key[crypto_secretbox_KEYBYTES],
    const char *what, const char *state, char out[GH_OAUTH_DERIVED_LEN + 1])
{
	crypto_generichash_state	 h;
	unsigned char			 d[32];

	crypto_generichash_init(&h, key, crypto_secretbox_KEYBYTES, sizeof(d));
	crypto_generichash_update(&h, (const unsigned char *)what,
	    strlen(what) + 1);
	crypto_generichash_update(&h, (const unsigned char *)state,
	    strlen(state));
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2base64(out, GH_OAUTH_DERIVED_LEN + 1, d, sizeof(d),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(d, sizeof(d));
}

void
gh_oauth_user_wipe(struct gh_oauth_user *u)
{
	sodium_memzero(u, sizeof(*u));
}

/* A growing string for URLs and form bodies. */
struct sb {
	char		*s;
	size_t		 len;
	int		 failed;
};

static void
sb_add(struct sb *b, const char *s)
{
	size_t	 n = strlen(s);
	char	*grown;

	if (b->failed)
		return;
	if ((grown = realloc(b->s, b->len + n + 1)) == NULL) {
		b->failed = 1;
		return;
	}
	b->s = grown;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* "&name=value" (the first without '&'), value percent-encoded. */
static void
sb_param(struct sb *b, const char *name, const char *value)
{
	char	*enc;

	if (b->len > 0 && b->s[b->len - 1] != '?')
		sb_add(b, "&");
	sb_add(b, name);
	sb_add(b, "=");
	if ((enc = gh_url_encode(value)) == NULL) {
		b->failed = 1;
		return;
	}
	sb_add(b, enc);
	free(enc);
}

static void
sb_wipe(struct sb *b)
{
	if (b->s != NULL) {
		sodium_memzero(b->s, b->len);
		free(b->s);
	}
	memset(b, 0, sizeof(*b));
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Copies a string claim that fits and holds no control character. */
static void
jcopy(json_object *o, const char *key, char *dst, size_t size)
{
	const char	*v = jstr(o, key);
	size_t		 i;

	if (v == NULL || strlen(v) >= size)
		return;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return;
	gh_strlcpy(dst, v, size);
}

static int
jint(json_object *o, const char *key, int64_t *out)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	*out = json_object_get_int64(v);
	return 1;
}

/* true, or "true" as Apple sends it. */
static int
jtrue(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "true") == 0;
}

static enum gh_oauth_err
get(struct gh_server *srv, const char *what, const char *url,
    const char *bearer, const char *accept, size_t max,
    struct gh_fetched *out)
{
	struct gh_fetch	 f;

	memset(&f, 0, sizeof(f));
	f.what = what;
	f.url = url;
	f.bearer = bearer;
	f.headers[0] = accept;
	f.timeout_ms = (long)srv->cfg.oauth_timeout_ms;
	f.max = max;
	return gh_fetch(&f, out) == GH_OK ? GH_OAUTH_OK : GH_OAUTH_UNAVAILABLE;
}

/* A 200 answer holding JSON of the type wanted; NULL otherwise (logged). */
static json_object *
answer_json(const char *who, const struct gh_fetched *r, json_type want)
{
	json_object	*o = NULL;

	if (r->status != 200) {
		gh_log("%s: HTTP %ld", who, r->status);
		return NULL;
	}
	if (gh_json_parse_any(r->body, r->len, JSON_DEPTH, &o) != GH_JSON_OK ||
	    !json_object_is_type(o, want)) {
		gh_log("%s: not the JSON expected", who);
		if (o != NULL)
			json_object_put(o);
		return NULL;
	}
	return o;
}

static int
same_issuer(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	/* "https://x/" and "https://x" name the same issuer. */
	if (la > 0 && a[la - 1] == '/')
		la--;
	if (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

/* A discovery document (OpenID Connect Discovery 1.0 §4), which must be
 * the issuer's own (§4.3). */
static enum gh_oauth_err
read_discovery(json_object *doc, const char *issuer, struct endpoints *ep)
{
	json_object	*methods, *m;
	const char	*iss;
	size_t		 i;

	if ((iss = jstr(doc, "issuer")) == NULL || !same_issuer(iss, issuer))
		return GH_OAUTH_UNAVAILABLE;
	jcopy(doc, "issuer", ep->issuer, sizeof(ep->issuer));
	jcopy(doc, "authorization_endpoint", ep->authorize,
	    sizeof(ep->authorize));
	jcopy(doc, "token_endpoint", ep->token, sizeof(ep->token));
	jcopy(doc, "userinfo_endpoint", ep->userinfo, sizeof(ep->userinfo));
	jcopy(doc, "jwks_uri", ep->jwks, sizeof(ep->jwks));
	/* Basic is the default (RFC 8414 §2); post only when basic is not
	 * offered. */
	if (json_object_object_get_ex(doc,
	    "token_endpoint_auth_methods_supported", &methods) &&
	    json_object_is_type(methods, json_type_array)) {
		ep->basic = 0;
		for (i = 0; i < json_object_array_length(methods); i++) {
			m = json_object_array_get_idx(methods, i);
			if (json_object_is_type(m, json_type_string) &&
			    strcmp(json_object_get_string(m),
			    "client_secret_basic") == 0)
				ep->basic = 1;
		}
	}
	return GH_OAUTH_OK;
}

/* The provider's endpoints: its configuration, and for OpenID Connect its
 * discovery document. */
static enum gh_oauth_err
endpoints(struct gh_server *srv, const struct gh_oauth_cfg *p,
    struct cache *c)
{
	struct gh_fetched	 r;
	json_object		*doc = NULL;
	char			 url[600], who[64];
	int64_t			 now = gh_clock_now();
	size_t			 n;
	enum gh_oauth_err	 er;

	if (c->ep_at != 0 && now - c->ep_at < srv->cfg.oauth_cache_ttl)
		return GH_OAUTH_OK;
	memset(&c->ep, 0, sizeof(c->ep));
	c->ep.basic = !gh_oauth_is_oidc(p) ? 0 : 1;
	if (gh_oauth_is_oidc(p) && (p->authorize_url[0] == '\0' ||
	    p->token_url[0] == '\0' || p->jwks_url[0] == '\0')) {
		n = strlen(p->issuer);
		while (n > 0 && p->issuer[n - 1] == '/')
			n--;
		snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
		    (int)n, p->issuer);
		snprintf(who, sizeof(who), "oauth %s: discovery", p->name);
		if ((er = get(srv, who, url, NULL, "Accept: application/json",
		    DOC_MAX, &r)) != GH_OAUTH_OK)
			return er;
		doc = answer_json(who, &r, json_type_object);
		gh_fetched_free(&r);
		if (doc == NULL)
			return GH_OAUTH_UNAVAILABLE;
		er = read_discovery(doc, p->issuer, &c->ep);
		if (er != GH_OAUTH_OK)
			gh_log("%s: the document names another issuer", who);
		json_object_put(doc);
		if (er != GH_OAUTH_OK)
			return er;
	}
	if (c->ep.issuer[0] == '\0')
		gh_strlcpy(c->ep.issuer, p->issuer, sizeof(c->ep.issuer));
	if (p->authorize_url[0] != '\0')
		gh_strlcpy(c->ep.authorize, p->authorize_url,
		    sizeof(c->ep.authorize));
	if (p->token_url[0] != '\0')
		gh_strlcpy(c->ep.token, p->token_url, sizeof(c->ep.token));
	if (p->userinfo_url[0] != '\0')
		gh_strlcpy(c->ep.userinfo, p->userinfo_url,
		    sizeof(c->ep.userinfo));
	if (p->jwks_url[0] != '\0')
		gh_strlcpy(c->ep.jwks, p->jwks_url, sizeof(c->ep.jwks));
	if (c->ep.authorize[0] == '\0' || c->ep.token[0] == '\0' ||
	    (gh_oauth_is_oidc(p) && c->ep.jwks[0] == '\0')) {
		gh_log("oauth %s: no authorization, token or JWKS endpoint",
		    p->name);
		return GH_OAUTH_UNAVAILABLE;
	}
	c->ep_at = now;
	return GH_OAUTH_OK;
}

/* The provider's key set, fetched when missing, old, or (force) when a
 * token names a kid it lacks, at most once per REFETCH_GAP. */
static enum gh_oauth_err
keys(struct gh_server *srv, const struct gh_oauth_cfg *p, struct cache *c,
    int force)
{
	struct gh_fetched	 r;
	struct gh_jwks		*set = NULL;
	char			 who[64];
	int64_t			 now = gh_clock_now();
	enum gh_oauth_err	 er;

	if (c->jwks != NULL && (force ? now - c->jwks_at < REFETCH_GAP :
	    now - c->jwks_at < srv->cfg.oauth_cache_ttl))
		return GH_OAUTH_OK;
	snprintf(who, sizeof(who), "oauth %s: JWKS", p->name);
	if ((er = get(srv, who, c->ep.jwks, NULL, "Accept: application/json",
	    JWKS_MAX, &r)) != GH_OAUTH_OK)
		return c->jwks != NULL && !force ? GH_OAUTH_OK : er;
	if (r.status != 200 || gh_jwks_parse(r.body, r.len, &set) != GH_OK) {
		gh_log("%s: HTTP %ld, or not a key set", who, r.status);
		gh_fetched_free(&r);
		return c->jwks != NULL && !force ? GH_OAUTH_OK :
		    GH_OAUTH_UNAVAILABLE;
	}
	gh_fetched_free(&r);
	gh_jwks_free(c->jwks);
	c->jwks = set;
	c->jwks_at = now;
	return GH_OAUTH_OK;
}

/* Whether s is one of the space-separated words of list. */
static int
in_list(const char *list, const char *s)
{
	size_t	 n = strlen(s);

	while (*list != '\0') {
		while (*list == ' ' || *list == ',')
			list++;
		if (strncmp(list, s, n) == 0 && (list[n] == '\0' ||
		    list[n] == ' ' || list[n] == ','))
			return 1;
		while (*list != '\0' && *list != ' ' && *list != ',')
			list++;
	}
	return 0;
}

static int
audience_ok(const struct gh_oauth_cfg *p, json_object *claims, int others)
{
	const char	*azp = jstr(claims, "azp");
	json_object	*aud, *a;
	size_t		 i;

	if (gh_jose_claim_aud_has(claims, p->client_id))
		;
	else if (!others || !json_object_object_get_ex(claims, "aud", &aud))
		return 0;
	else if (json_object_is_type(aud, json_type_string)) {
		if (!in_list(p->audiences, json_object_get_string(aud)))
			return 0;
	} else if (json_object_is_type(aud, json_type_array)) {
		for (i = 0; i < json_object_array_length(aud); i++) {
			a = json_object_array_get_idx(aud, i);
			if (json_object_is_type(a, json_type_string) &&
			    in_list(p->audiences, json_object_get_string(a)))
				break;
		}
		if (i == json_object_array_length(aud))
			return 0;
	} else
		return 0;
	/* The party it was issued to, when named, must be us (OIDC §3.1.3.7). */
	return azp == NULL || strcmp(azp, p->client_id) == 0 ||
	    (others && in_list(p->audiences, azp));
}

static int
issuer_ok(const struct gh_oauth_cfg *p, const struct cache *c,
    json_object *claims)
{
	const char	*iss = jstr(claims, "iss"), *tid, *tmpl;
	char		 want[600];

	if (iss == NULL)
		return 0;
	/* Microsoft's multi-tenant document names "{tenantid}": the
	 * token's own tenant goes there. */
	if ((tmpl = strstr(c->ep.issuer, "{tenantid}")) != NULL) {
		if ((tid = jstr(claims, "tid")) == NULL || strlen(tid) > 64)
			return 0;
		snprintf(want, sizeof(want), "%.*s%s%s",
		    (int)(tmpl - c->ep.issuer), c->ep.issuer, tid, tmpl + 10);
		return strcmp(iss, want) == 0;
	}
	if (strcmp(p->type, "google") == 0 &&
	    strcmp(iss, "accounts.google.com") == 0 &&
	    strcmp(c->ep.issuer, "https://accounts.google.com") == 0)
		return 1;
	return strcmp(iss, c->ep.issuer) == 0;
}

/* The person in verified claims (ID token or userinfo). */
static void
person(json_object *o, struct gh_oauth_user *u)
{
	if (u->email[0] == '\0') {
		jcopy(o, "email", u->email, sizeof(u->email));
		u->email_verified = u->email[0] != '\0' &&
		    jtrue(o, "email_verified");
		if (u->email[0] != '\0' && !gh_check_email(u->email,
		    strlen(u->email))) {
			u->email[0] = '\0';
			u->email_verified = 0;
		}
	}
	if (u->name[0] == '\0')
		jcopy(o, "name", u->name, sizeof(u->name));
	if (u->given_name[0] == '\0')
		jcopy(o, "given_name", u->given_name, sizeof(u->given_name));
	if (u->family_name[0] == '\0')
		jcopy(o, "family_name", u->family_name,
		    sizeof(u->family_name));
	if (u->username[0] == '\0')
		jcopy(o, "preferred_username", u->username,
		    sizeof(u->username));
	if (u->picture[0] == '\0')
		jcopy(o, "picture", u->picture, sizeof(u->picture));
	if (u->locale[0] == '\0')
		jcopy(o, "locale", u->locale, sizeof(u->locale));
}

static const char *
jose_why(enum gh_jose_err e)
{
	switch (e) {
	case GH_JOSE_BAD_ALG:
		return "the ID token's algorithm is not accepted";
	case GH_JOSE_UNKNOWN_KID:
		return "the ID token is signed by a key the provider does "
		    "not publish";
	case GH_JOSE_BAD_SIGNATURE:
		return "the ID token's signature does not verify";
	default:
		return "the ID token is malformed";
	}
}

/* OpenID Connect Core §3.1.3.7, and the person in it. */
static enum gh_oauth_err
verify_id_token(struct gh_server *srv, const struct gh_oauth_cfg *p,
    struct cache *c, const char *jwt, size_t len, const char *nonce,
    int others, struct gh_oauth_user *u, const char **why)
{
	json_object		*claims = NULL;
	const char		*sub, *got;
	int64_t			 exp, iat, now = gh_clock_now();
	enum gh_jose_err	 je;
	enum gh_oauth_err	 er;

	if (len > ID_TOKEN_MAX) {
		*why = "the ID token is too long";
		return GH_OAUTH_BAD_TOKEN;
	}
	if ((er = keys(srv, p, c, 0)) != GH_OAUTH_OK) {
		*why = "the provider's keys could not be fetched";
		return er;
	}
	je = gh_jose_verify(c->jwks, jwt, len, &claims);
	if (je == GH_JOSE_UNKNOWN_KID) {
		/* Keys rotate: fetch once more before refusing. */
		if (keys(srv, p, c, 1) == GH_OAUTH_OK)
			je = gh_jose_verify(c->jwks, jwt, len, &claims);
	}
	if (je != GH_JOSE_OK) {
		*why = jose_why(je);
		return GH_OAUTH_BAD_TOKEN;
	}
	er = GH_OAUTH_BAD_TOKEN;
	if (!issuer_ok(p, c, claims))
		*why = "the ID token is from another issuer";
	else if (!audience_ok(p, claims, others))
		*why = "the ID token is for another client";
	else if (!jint(claims, "exp", &exp) || exp + SKEW <= now)
		*why = "the ID token has expired";
	else if (!jint(claims, "iat", &iat) || iat > now + SKEW)
		*why = "the ID token's issue time is missing or in the future";
	else if (nonce != NULL && ((got = jstr(claims, "nonce")) == NULL ||
	    strlen(got) != strlen(nonce) ||
	    sodium_memcmp(got, nonce, strlen(nonce)) != 0))
		*why = "the ID token's nonce is not this sign-in's";
	else if ((sub = jstr(claims, "sub")) == NULL || *sub == '\0' ||
	    strlen(sub) >= sizeof(u->subject))
		*why = "the ID token names no subject";
	else {
		gh_strlcpy(u->subject, sub, sizeof(u->subject));
		person(claims, u);
		er = GH_OAUTH_OK;
	}
	json_object_put(claims);
	return er;
}

/* Apple's client secret: a short JWT signed with the team's key. */
static enum gh_oauth_err
apple_secret(const struct gh_oauth_cfg *p, char *out, size_t outsz)
{
	FILE		*f;
	char		 pem[4096], *jwt = NULL;
	size_t		 n;
	json_object	*claims;
	int64_t		 now = gh_clock_now();
	enum gh_oauth_err er = GH_OAUTH_UNAVAILABLE;

	if ((f = fopen(p->private_key_file, "r")) == NULL) {
		gh_log("oauth %s: cannot read %s", p->name, p->private_key_file);
		return GH_OAUTH_UNAVAILABLE;
	}
	n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	claims = json_object_new_object();
	gh_json_add(claims, "iss", json_object_new_string(p->team_id));
	gh_json_add(claims, "iat", json_object_new_int64(now));
	gh_json_add(claims, "exp", json_object_new_int64(now + 300));
	gh_json_add(claims, "aud", json_object_new_string(
	    "https://appleid.apple.com"));
	gh_json_add(claims, "sub", json_object_new_string(p->client_id));
	if (gh_jose_sign_es256(pem, n, p->key_id, claims, &jwt) == GH_OK &&
	    strlen(jwt) < outsz) {
		gh_strlcpy(out, jwt, outsz);
		er = GH_OAUTH_OK;
	} else
		gh_log("oauth %s: cannot sign the client secret with %s",
		    p->name, p->private_key_file);
	json_object_put(claims);
	free(jwt);
	sodium_memzero(pem, sizeof(pem));
	return er;
}

static enum gh_oauth_err
client_secret(struct gh_server *srv, const struct gh_oauth_cfg *p, char *out,
    size_t outsz)
{
	if (p->client_secret[0] == '\0')
		return apple_secret(p, out, outsz);
	if (!gh_seal_is_sealed(p->client_secret)) {
		gh_strlcpy(out, p->client_secret, outsz);
		return GH_OAUTH_OK;
	}
	if (gh_seal_open(srv->secret, p->client_secret, out, outsz) != GH_OK) {
		gh_log("oauth %s: the sealed client secret does not open with "
		    "this installation's key", p->name);
		return GH_OAUTH_UNAVAILABLE;
	}
	return GH_OAUTH_OK;
}

enum gh_oauth_err
gh_oauth_ready(struct gh_server *srv, const struct gh_oauth_cfg *p)
{
	return endpoints(srv, p, cache_of(p));
}

enum gh_oauth_err
gh_oauth_authorize_url(struct gh_server *srv, const struct gh_oauth_cfg *p,
    const char *state, char **url)
{
	struct cache		*c = cache_of(p);
	struct sb		 b = { NULL, 0, 0 };
	unsigned char		 digest[crypto_hash_sha256_BYTES];
	char			 verifier[GH_OAUTH_DERIVED_LEN + 1];
	char			 challenge[GH_OAUTH_DERIVED_LEN + 1];
	char			 nonce[GH_OAUTH_DERIVED_LEN + 1];
	char			 redirect[GH_OAUTH_URL_MAX];
	enum gh_oauth_err	 er;

	*url = NULL;
	if ((er = endpoints(srv, p, c)) != GH_OAUTH_OK)
		return er;
	/* RFC 7636 §4.2: S256 of the verifier. */
	gh_oauth_derive(srv->secret, "pkce", state, verifier);
	crypto_hash_sha256(digest, (const unsigned char *)verifier,
	    strlen(verifier));
	sodium_bin2base64(challenge, sizeof(challenge), digest, sizeof(digest),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	gh_oauth_redirect_uri(&srv->cfg, p, redirect);
	sb_add(&b, c->ep.authorize);
	sb_add(&b, strchr(c->ep.authorize, '?') != NULL ? "&" : "?");
	sb_param(&b, "response_type", "code");
	sb_param(&b, "client_id", p->client_id);
	sb_param(&b, "redirect_uri", redirect);
	sb_param(&b, "scope", p->scopes);
	sb_param(&b, "state", state);
	sb_param(&b, "code_challenge", challenge);
	sb_param(&b, "code_challenge_method", "S256");
	if (gh_oauth_is_oidc(p)) {
		gh_oauth_derive(srv->secret, "nonce", state, nonce);
		sb_param(&b, "nonce", nonce);
	}
	/* Apple sends name and email only to a form post. */
	if (strcmp(p->type, "apple") == 0)
		sb_param(&b, "response_mode", "form_post");
	sodium_memzero(verifier, sizeof(verifier));
	if (b.failed) {
		sb_wipe(&b);
		return GH_OAUTH_FAILED;
	}
	*url = b.s;
	return GH_OAUTH_OK;
}

/* A token endpoint's JSON answer of HTTP status (RFC 6749 §5.1, §5.2).
 * GitHub answers errors with 200 and an error member. */
static enum gh_oauth_err
read_token(json_object *o, long status, const char **why)
{
	const char	*err = jstr(o, "error");

	if (err != NULL && (strcmp(err, "invalid_client") == 0 ||
	    strcmp(err, "unauthorized_client") == 0 ||
	    strcmp(err, "incorrect_client_credentials") == 0)) {
		*why = "the provider refused this server's credentials";
		return GH_OAUTH_UNAVAILABLE;
	}
	if (err != NULL) {
		*why = "the provider refused the sign-in code (used, expired or "
		    "not this flow's)";
		return GH_OAUTH_REFUSED;
	}
	if (status != 200 || jstr(o, "access_token") == NULL) {
		*why = "the provider's answer was not understood";
		return GH_OAUTH_UNAVAILABLE;
	}
	return GH_OAUTH_OK;
}

/* The code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5). */
static enum gh_oauth_err
token_request(struct gh_server *srv, const struct gh_oauth_cfg *p,
    const struct cache *c, const char *state, const char *code,
    json_object **out, const char **why)
{
	struct gh_fetch		 f;
	struct gh_fetched	 r = { 0, NULL, 0 };
	struct sb		 form = { NULL, 0, 0 };
	char			 secret[1024], verifier[GH_OAUTH_DERIVED_LEN + 1];
	char			 redirect[GH_OAUTH_URL_MAX], who[64];
	char			*user = NULL, *pass = NULL;
	json_object		*o = NULL;
	enum gh_oauth_err	 er;

	*out = NULL;
	snprintf(who, sizeof(who), "oauth %s: token endpoint", p->name);
	if ((er = client_secret(srv, p, secret, sizeof(secret))) !=
	    GH_OAUTH_OK) {
		*why = "the provider is not set up correctly";
		return er;
	}
	gh_oauth_derive(srv->secret, "pkce", state, verifier);
	gh_oauth_redirect_uri(&srv->cfg, p, redirect);
	sb_param(&form, "grant_type", "authorization_code");
	sb_param(&form, "code", code);
	sb_param(&form, "redirect_uri", redirect);
	sb_param(&form, "code_verifier", verifier);
	memset(&f, 0, sizeof(f));
	if (c->ep.basic) {
		/* RFC 6749 §2.3.1: form-encoded, then Basic. */
		if ((user = gh_url_encode(p->client_id)) == NULL ||
		    (pass = gh_url_encode(secret)) == NULL)
			form.failed = 1;
		f.basic_user = user;
		f.basic_password = pass;
	} else {
		sb_param(&form, "client_id", p->client_id);
		sb_param(&form, "client_secret", secret);
	}
	er = GH_OAUTH_FAILED;
	if (form.failed)
		goto out;
	f.what = who;
	f.url = c->ep.token;
	f.form = form.s;
	f.headers[0] = "Accept: application/json";
	f.timeout_ms = (long)srv->cfg.oauth_timeout_ms;
	f.max = DOC_MAX;
	er = GH_OAUTH_UNAVAILABLE;
	*why = "the provider could not be reached";
	if (gh_fetch(&f, &r) != GH_OK)
		goto out;
	*why = "the provider's answer was not understood";
	if (r.status >= 500 || gh_json_parse(r.body, r.len, JSON_DEPTH, &o) !=
	    GH_JSON_OK) {
		gh_log("%s: HTTP %ld, not JSON", who, r.status);
		goto out;
	}
	if ((er = read_token(o, r.status, why)) != GH_OAUTH_OK) {
		gh_log("%s: HTTP %ld, error %.64s", who, r.status,
		    jstr(o, "error") != NULL ? jstr(o, "error") : "(none)");
		goto out;
	}
	*out = o;
	o = NULL;
	er = GH_OAUTH_OK;
out:
	if (o != NULL)
		json_object_put(o);
	gh_fetched_free(&r);
	sb_wipe(&form);
	if (pass != NULL) {
		sodium_memzero(pass, strlen(pass));
		free(pass);
	}
	free(user);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(verifier, sizeof(verifier));
	return er;
}

/* GET url with the access token; the JSON answer of type want. */
static enum gh_oauth_err
api(struct gh_server *srv, const struct gh_oauth_cfg *p, const char *what,
    const char *url, const char *token, const char *accept, json_type want,
    json_object **out)
{
	struct gh_fetched	 r;
	char			 who[96];
	enum gh_oauth_err	 er;

	snprintf(who, sizeof(who), "oauth %s: %s", p->name, what);
	if ((er = get(srv, who, url, token, accept, DOC_MAX, &r)) !=
	    GH_OAUTH_OK)
		return er;
	*out = answer_json(who, &r, want);
	gh_fetched_free(&r);
	return *out != NULL ? GH_OAUTH_OK : GH_OAUTH_UNAVAILABLE;
}

/* OIDC Core §5.3.2: the same subject as the ID token, or none of it is
 * used. */
static enum gh_oauth_err
read_userinfo(json_object *o, struct gh_oauth_user *u)
{
	const char	*sub = jstr(o, "sub");

	if (sub == NULL || strcmp(sub, u->subject) != 0)
		return GH_OAUTH_BAD_TOKEN;
	person(o, u);
	return GH_OAUTH_OK;
}

static enum gh_oauth_err
userinfo(struct gh_server *srv, const struct gh_oauth_cfg *p,
    const struct cache *c, struct gh_oauth_user *u, const char **why)
{
	json_object		*o;
	enum gh_oauth_err	 er;

	if (c->ep.userinfo[0] == '\0')
		return GH_OAUTH_OK;
	*why = "the provider's userinfo could not be read";
	if ((er = api(srv, p, "userinfo", c->ep.userinfo, u->access_token,
	    "Accept: application/json", json_type_object, &o)) != GH_OAUTH_OK)
		return er;
	if ((er = read_userinfo(o, u)) != GH_OAUTH_OK) {
		gh_log("oauth %s: userinfo names another subject", p->name);
		*why = "the provider's userinfo names someone else";
	}
	json_object_put(o);
	return er;
}

/* GitHub's GET /user: the numeric id is the subject, login the handle. */
static enum gh_oauth_err
read_github_user(json_object *o, struct gh_oauth_user *u)
{
	int64_t	 id;

	if (!jint(o, "id", &id))
		return GH_OAUTH_UNAVAILABLE;
	snprintf(u->subject, sizeof(u->subject), "%lld", (long long)id);
	jcopy(o, "login", u->username, sizeof(u->username));
	jcopy(o, "name", u->name, sizeof(u->name));
	jcopy(o, "avatar_url", u->picture, sizeof(u->picture));
	return GH_OAUTH_OK;
}

/* GitHub's GET /user/emails: the verified primary; else any verified one;
 * else the primary, unverified. */
static enum gh_oauth_err
read_github_emails(json_object *list, struct gh_oauth_user *u)
{
	json_object	*e;
	size_t		 i;

	if (!json_object_is_type(list, json_type_array))
		return GH_OAUTH_UNAVAILABLE;
	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		if (!json_object_is_type(e, json_type_object) ||
		    jstr(e, "email") == NULL)
			continue;
		if (jtrue(e, "verified") && (jtrue(e, "primary") ||
		    !u->email_verified)) {
			u->email[0] = '\0';
			jcopy(e, "email", u->email, sizeof(u->email));
			u->email_verified = u->email[0] != '\0';
		} else if (u->email[0] == '\0' && jtrue(e, "primary"))
			jcopy(e, "email", u->email, sizeof(u->email));
	}
	if (u->email[0] != '\0' && !gh_check_email(u->email,
	    strlen(u->email))) {
		u->email[0] = '\0';
		u->email_verified = 0;
	}
	return GH_OAUTH_OK;
}

/* GitHub's user and its email (docs.github.com REST users and emails). */
static enum gh_oauth_err
github_user(struct gh_server *srv, const struct gh_oauth_cfg *p,
    struct gh_oauth_user *u, const char **why)
{
	static const char	 accept[] = "Accept: application/vnd.github+json";
	json_object		*o;
	char			 url[600];
	enum gh_oauth_err	 er;

	*why = "GitHub's user API could not be read";
	snprintf(url, sizeof(url), "%s/user", p->api_url);
	if ((er = api(srv, p, "user", url, u->access_token, accept,
	    json_type_object, &o)) != GH_OAUTH_OK)
		return er;
	er = read_github_user(o, u);
	json_object_put(o);
	if (er != GH_OAUTH_OK)
		return er;
	snprintf(url, sizeof(url), "%s/user/emails", p->api_url);
	if ((er = api(srv, p, "emails", url, u->access_token, accept,
	    json_type_array, &o)) != GH_OAUTH_OK)
		return er;
	er = read_github_emails(o, u);
	json_object_put(o);
	return er;
}

/* Facebook's /me. Its email is not said to be verified, so it never links
 * an account by itself (docs/oauth.md). */
static enum gh_oauth_err
read_facebook_me(json_object *o, struct gh_oauth_user *u)
{
	jcopy(o, "id", u->subject, sizeof(u->subject));
	jcopy(o, "name", u->name, sizeof(u->name));
	jcopy(o, "first_name", u->given_name, sizeof(u->given_name));
	jcopy(o, "last_name", u->family_name, sizeof(u->family_name));
	jcopy(o, "email", u->email, sizeof(u->email));
	if (u->email[0] != '\0' && !gh_check_email(u->email,
	    strlen(u->email)))
		u->email[0] = '\0';
	return u->subject[0] != '\0' ? GH_OAUTH_OK : GH_OAUTH_UNAVAILABLE;
}

/* Facebook's Graph API /me, with appsecret_proof. */
static enum gh_oauth_err
facebook_user(struct gh_server *srv, const struct gh_oauth_cfg *p,
    struct gh_oauth_user *u, const char **why)
{
	unsigned char		 mac[crypto_auth_hmacsha256_BYTES];
	char			 proof[2 * sizeof(mac) + 1], secret[1024];
	struct sb		 url = { NULL, 0, 0 };
	crypto_auth_hmacsha256_state h;
	json_object		*o;
	enum gh_oauth_err	 er;

	*why = "Facebook's user API could not be read";
	if ((er = client_secret(srv, p, secret, sizeof(secret))) !=
	    GH_OAUTH_OK)
		return er;
	/* appsecret_proof: HMAC-SHA256 of the token under the app secret. */
	crypto_auth_hmacsha256_init(&h, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)u->access_token,
	    strlen(u->access_token));
	crypto_auth_hmacsha256_final(&h, mac);
	sodium_bin2hex(proof, sizeof(proof), mac, sizeof(mac));
	sodium_memzero(secret, sizeof(secret));
	sb_add(&url, p->api_url);
	sb_add(&url, "/me?");
	sb_param(&url, "fields", "id,name,email,first_name,last_name");
	sb_param(&url, "appsecret_proof", proof);
	er = GH_OAUTH_FAILED;
	if (url.failed || (er = api(srv, p, "me", url.s, u->access_token,
	    "Accept: application/json", json_type_object, &o)) !=
	    GH_OAUTH_OK)
		goto out;
	er = read_facebook_me(o, u);
	json_object_put(o);
out:
	sb_wipe(&url);
	return er;
}

enum gh_oauth_err
gh_oauth_exchange(struct gh_server *srv, const struct gh_oauth_cfg *p,
    const char *state, const char *code, struct gh_oauth_user *u,
    const char **why)
{
	struct cache		*c = cache_of(p);
	json_object		*tok = NULL;
	const char		*idt;
	char			 nonce[GH_OAUTH_DERIVED_LEN + 1];
	enum gh_oauth_err	 er;

	memset(u, 0, sizeof(*u));
	*why = "the provider could not be reached";
	if ((er = endpoints(srv, p, c)) != GH_OAUTH_OK)
		return er;
	if ((er = token_request(srv, p, c, state, code, &tok, why)) !=
	    GH_OAUTH_OK)
		return er;
	jcopy(tok, "access_token", u->access_token, sizeof(u->access_token));
	jcopy(tok, "refresh_token", u->refresh_token,
	    sizeof(u->refresh_token));
	if (u->access_token[0] == '\0') {
		*why = "the provider's access token is unusable";
		er = GH_OAUTH_UNAVAILABLE;
	} else if (strcmp(p->type, "github") == 0)
		er = github_user(srv, p, u, why);
	else if (strcmp(p->type, "facebook") == 0)
		er = facebook_user(srv, p, u, why);
	else if ((idt = jstr(tok, "id_token")) == NULL) {
		*why = "the provider sent no ID token";
		er = GH_OAUTH_BAD_TOKEN;
	} else {
		gh_oauth_derive(srv->secret, "nonce", state, nonce);
		er = verify_id_token(srv, p, c, idt, strlen(idt), nonce, 0, u,
		    why);
		/* Many providers keep the profile out of the ID token. */
		if (er == GH_OAUTH_OK && (u->email[0] == '\0' ||
		    u->name[0] == '\0'))
			er = userinfo(srv, p, c, u, why);
	}
	json_object_put(tok);
	if (er != GH_OAUTH_OK)
		gh_oauth_user_wipe(u);
	return er;
}

enum gh_oauth_err
gh_oauth_id_token(struct gh_server *srv, const struct gh_oauth_cfg *p,
    const char *jwt, size_t len, const char *nonce, struct gh_oauth_user *u,
    const char **why)
{
	struct cache		*c = cache_of(p);
	enum gh_oauth_err	 er;

	memset(u, 0, sizeof(*u));
	*why = "the provider could not be reached";
	if (!gh_oauth_is_oidc(p)) {
		*why = "this provider does not issue ID tokens";
		return GH_OAUTH_BAD_TOKEN;
	}
	if ((er = endpoints(srv, p, c)) != GH_OAUTH_OK)
		return er;
	er = verify_id_token(srv, p, c, jwt, len, nonce, 1, u, why);
	if (er != GH_OAUTH_OK)
		gh_oauth_user_wipe(u);
	return er;
}

json_object *
gh_oauth_providers_json(const struct gh_config *cfg, int id_token)
{
	json_object	*a = json_object_new_array(), *o;
	char		 url[64];
	size_t		 i;

	for (i = 0; i < cfg->noauth; i++) {
		snprintf(url, sizeof(url), "/v1/oauth/%s/authorize",
		    cfg->oauth[i].name);
		o = json_object_new_object();
		gh_json_add(o, "id", json_object_new_string(cfg->oauth[i].name));
		gh_json_add(o, "type", json_object_new_string(
		    cfg->oauth[i].type));
		gh_json_add(o, "name", json_object_new_string(
		    cfg->oauth[i].display_name));
		gh_json_add(o, "authorize_url", json_object_new_string(url));
		if (id_token)
			gh_json_add(o, "id_token", json_object_new_boolean(
			    gh_oauth_is_oidc(&cfg->oauth[i])));
		json_object_array_add(a, o);
	}
	return a;
}

enum gh_oauth_err
gh_oauth_read(enum gh_oauth_doc kind, const char *body, size_t len,
    struct gh_oauth_user *u)
{
	struct endpoints	 ep;
	json_object		*o = NULL;
	const char		*why = "";
	enum gh_oauth_err	 er = GH_OAUTH_UNAVAILABLE;

	if (gh_json_parse_any(body, len, JSON_DEPTH, &o) != GH_JSON_OK)
		return GH_OAUTH_UNAVAILABLE;
	memset(&ep, 0, sizeof(ep));
	switch (kind) {
	case GH_OAUTH_DOC_DISCOVERY:
		if (json_object_is_type(o, json_type_object))
			er = read_discovery(o, "https://issuer.example", &ep);
		break;
	case GH_OAUTH_DOC_TOKEN:
		if (json_object_is_type(o, json_type_object))
			er = read_token(o, 200, &why);
		break;
	case GH_OAUTH_DOC_USERINFO:
		if (json_object_is_type(o, json_type_object))
			er = read_userinfo(o, u);
		break;
	case GH_OAUTH_DOC_GITHUB_USER:
		if (json_object_is_type(o, json_type_object))
			er = read_github_user(o, u);
		break;
	case GH_OAUTH_DOC_GITHUB_EMAILS:
		er = read_github_emails(o, u);
		break;
	case GH_OAUTH_DOC_FACEBOOK_ME:
		if (json_object_is_type(o, json_type_object))
			er = read_facebook_me(o, u);
		break;
	}
	json_object_put(o);
	return er;
}
