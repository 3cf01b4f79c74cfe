/*
 * Access tokens are JWTs signed with Ed25519 (RFC 8037 "EdDSA"); only that
 * algorithm verifies. Refresh and one-time tokens are 256 random bits,
 * base64url on the wire, stored only as a SHA-256 hash.
 */
#ifndef GH_TOKEN_H
#define GH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "err.h"

struct gh_key;
struct gh_keyring;

#define GH_JWT_MAX		4096	/* longest token we read */
#define GH_OPAQUE_BYTES		32
#define GH_OPAQUE_LEN		43	/* base64url, no padding */
#define GH_TOKEN_HASH_BYTES	crypto_hash_sha256_BYTES

struct gh_claims {
	char		 iss[256];
	char		 aud[128];
	char		 sub[40];
	char		 sid[40];
	char		 amr[4][16];
	size_t		 namr;
	int64_t		 iat;
	int64_t		 exp;
	/* The session's active membership and its account when it has one,
	 * "" otherwise (docs/accounts.md). For resource servers: the session
	 * row stays the truth, and the role is never a claim because an
	 * owner can change it at any time. */
	char		 active_membership[40];
	char		 account_id[40];
};

enum gh_token_err {
	GH_TOKEN_OK = 0,
	GH_TOKEN_MALFORMED,	/* not three base64url parts of JSON */
	GH_TOKEN_BAD_ALG,	/* anything but EdDSA */
	GH_TOKEN_UNKNOWN_KID,
	GH_TOKEN_BAD_SIGNATURE,
	GH_TOKEN_BAD_CLAIMS,	/* iss/aud mismatch, missing claims */
	GH_TOKEN_EXPIRED,
};

/* Signs the claims with key; returns an owned string (free()). */
enum gh_err	 gh_token_sign(const struct gh_key *, const struct gh_claims *,
		    char **out) GH_WUR;
/* Verifies signature, alg, kid, iss, aud and exp against now. With aud
 * NULL any string audience passes and is copied for the caller to check. */
enum gh_token_err gh_token_verify(const struct gh_keyring *, const char *jwt,
		    size_t len, const char *iss, const char *aud, int64_t now,
		    struct gh_claims *out) GH_WUR;
/* Just the kid of the header (to reload keys on an unknown one). */
enum gh_token_err gh_token_peek_kid(const char *jwt, size_t len,
		    char *kid, size_t kidsz);

/* A new opaque token and its hash. out must hold GH_OPAQUE_LEN + 1. */
enum gh_err	 gh_token_opaque_new(char out[GH_OPAQUE_LEN + 1],
		    unsigned char hash[GH_TOKEN_HASH_BYTES]) GH_WUR;
/* The hash of a presented opaque token; GH_EINVAL when it is not of the
 * right form (so we never hash arbitrary input of any length). */
enum gh_err	 gh_token_opaque_hash(const char *tok, size_t len,
		    unsigned char hash[GH_TOKEN_HASH_BYTES]) GH_WUR;

#endif
