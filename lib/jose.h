/*
 * ID tokens from outside OpenID providers (Google, Microsoft, Apple, any
 * OIDC issuer): their key sets (JWKS, RFC 7517) and compact JWS (RFC 7515)
 * signed with RS256, ES256 (RFC 7518 §3.3, §3.4) or EdDSA over Ed25519
 * (RFC 8037). Only signatures are checked here; the caller checks the
 * claims (iss, aud, exp, nonce). Also the ES256 signer for Apple's client
 * secret.
 */
#ifndef GH_JOSE_H
#define GH_JOSE_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

#define GH_JWKS_MAX		65536	/* longest key set document we read */
#define GH_JWKS_KEYS_MAX	32	/* usable keys we keep from one set */
#define GH_JWS_MAX		16384	/* longest token we read */
#define GH_JOSE_KID_MAX		255	/* longest kid, bytes */

struct gh_jwks;

/* Parses a JWKS document doc[0..len), at most GH_JWKS_MAX bytes, into an
 * owned key set (free with gh_jwks_free()). Kept: kty RSA with n and e,
 * modulus 2048..8192 bits; EC crv P-256 with x and y, a point on the curve;
 * OKP crv Ed25519 with x. A key is kept only when its use is "sig" or
 * absent, its key_ops (when present) include "verify", and its alg is the
 * one its type verifies (RS256, ES256, EdDSA) or absent. Other keys and
 * keys of those types that fail a check are skipped. GH_EINVAL when the
 * document is not a JSON object with a "keys" array; GH_ETOOBIG when it is
 * too long or holds more than GH_JWKS_KEYS_MAX usable keys; GH_ENOMEM,
 * GH_ECRYPTO. *out is NULL unless GH_OK. */
enum gh_err	 gh_jwks_parse(const char *doc, size_t len,
		    struct gh_jwks **out) GH_WUR;
/* Frees a key set; NULL is fine. */
void		 gh_jwks_free(struct gh_jwks *);
/* How many keys the set kept (0 for NULL). */
size_t		 gh_jwks_count(const struct gh_jwks *);

enum gh_jose_err {
	GH_JOSE_OK = 0,
	GH_JOSE_MALFORMED,	/* not three base64url parts, bad JSON, ... */
	GH_JOSE_BAD_ALG,	/* not RS256/ES256/EdDSA, or not the key's */
	GH_JOSE_UNKNOWN_KID,	/* no key for it: re-fetch the JWKS */
	GH_JOSE_BAD_SIGNATURE,	/* including one of the wrong length */
};

/* Verifies the compact JWS jws[0..len), at most GH_JWS_MAX bytes, with the
 * key named by the header's kid; without a kid, with the set's only key
 * of the type the alg needs. A kid naming only keys of another type is
 * GH_JOSE_BAD_ALG. On GH_JOSE_OK *payload is the payload, a JSON object,
 * owned by the caller (json_object_put()); otherwise it is NULL. Claims
 * are not checked. */
enum gh_jose_err gh_jose_verify(const struct gh_jwks *, const char *jws,
		    size_t len, json_object **payload) GH_WUR;

/* Copies the header's kid, unverified, into kid[0..kidsz) (for logs and
 * the decision to re-fetch keys). Returns 1 when it did; 0 when the token
 * has no kid, is malformed, or the kid does not fit, kid then "". */
int		 gh_jose_peek_kid(const char *jws, size_t len, char *kid,
		    size_t kidsz);

/* Signs claims as a compact JWS with header {"alg":"ES256","kid":kid},
 * using pem[0..pem_len), an unencrypted PKCS#8 PEM EC P-256 private key
 * (Apple's .p8). Returns an owned NUL-terminated token through *out
 * (free()). GH_EINVAL for a key that does not parse or is not P-256, a kid
 * empty or longer than GH_JOSE_KID_MAX, or claims that are not an object;
 * GH_ENOMEM, GH_ECRYPTO. */
enum gh_err	 gh_jose_sign_es256(const char *pem, size_t pem_len,
		    const char *kid, json_object *claims, char **out) GH_WUR;

/* Is the "aud" claim of payload aud, or an array holding it? Compares
 * whole strings (a NUL inside does not end them); 0 for an empty aud. */
int		 gh_jose_claim_aud_has(json_object *payload, const char *aud);

#endif
