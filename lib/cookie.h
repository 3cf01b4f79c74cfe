/*
 * Browser sessions (cookie mode): the session cookie (an opaque token, not
 * a JWT: small, and revocable by the session row), the CSRF token that
 * cookie-authenticated writes must echo in X-CSRF-Token, and the Origin
 * check of those writes.
 */
#ifndef GH_COOKIE_H
#define GH_COOKIE_H

#include <stdint.h>

#include <sodium.h>

#include "err.h"
#include "token.h"

struct gh_config;
struct gh_req;
struct gh_res;

#define GH_CSRF_LEN	43	/* base64url of 32 bytes */

/* "__Host-gh_session" when cookie_secure is set (RFC 6265bis §4.1.3.2:
 * Secure, Path=/, no Domain), "gh_session" for plain http in development. */
const char	*gh_cookie_name(const struct gh_config *);
/* The session cookie's value in a Cookie header (RFC 6265 §5.4): 1 and the
 * value copied when present and of the right form, 0 when absent, -1 when
 * present but malformed (wrong length or characters). */
int		 gh_cookie_session(const char *header, const char *name,
		    char out[GH_OPAQUE_LEN + 1]);
/* Set-Cookie for a new session, and the one that removes it. */
enum gh_err	 gh_cookie_set(struct gh_res *, const struct gh_config *,
		    const char *token) GH_WUR;
enum gh_err	 gh_cookie_clear(struct gh_res *, const struct gh_config *)
		    GH_WUR;
/* The device cookie (device.h): a year, named like the session cookie. */
#define GH_DEVICE_COOKIE_AGE	(365LL * 86400)
const char	*gh_cookie_device_name(const struct gh_config *);
enum gh_err	 gh_cookie_device_set(struct gh_res *,
		    const struct gh_config *, const char *token) GH_WUR;

/* The cookie that binds an OAuth sign-in to the browser that started it
 * (docs/oauth.md): short-lived; SameSite=None only for a provider that
 * answers with a cross-site form post (Apple), which needs Secure. */
const char	*gh_cookie_oauth_name(const struct gh_config *);
enum gh_err	 gh_cookie_oauth_set(struct gh_res *, const struct gh_config *,
		    const char *value, int64_t max_age, int cross_site) GH_WUR;

/* A session's CSRF token: BLAKE2b keyed with the installation secret over
 * the session id, so it needs no storage and dies with the session. */
void		 gh_csrf_token(const unsigned char secret[crypto_secretbox_KEYBYTES],
		    const char *session_id, char out[GH_CSRF_LEN + 1]);
/* 1 when presented is that token (compared in constant time). */
int		 gh_csrf_ok(const unsigned char secret[crypto_secretbox_KEYBYTES],
		    const char *session_id, const char *presented);
/* 1 when the request's Origin (or, without one, its Referer) is this site
 * (scheme and Host of the request) or one of allowed_origins; 1 when
 * neither header is sent (not a browser); 0 otherwise, "null" included. */
int		 gh_origin_ok(const struct gh_req *, const struct gh_config *);
/* 1 when url may be a redirect target: a path on this site
 * (gh_url_is_local), or an http(s) URL whose origin is public_url's or one
 * of allowed_origins, without userinfo, backslashes or control
 * characters. Everything else ("//evil", "javascript:") is refused. */
int		 gh_redirect_allowed(const struct gh_config *, const char *url);

#endif
