/*
 * Signing keys: Ed25519 pairs in the signing_keys table, the secret half
 * sealed with secretbox under the installation's secret key. The newest live
 * key signs; every key not yet retired past the token lifetime verifies and
 * is published in the JWKS.
 */
#ifndef GH_KEYS_H
#define GH_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include <json-c/json.h>

#include "err.h"

struct gh_db;

#define GH_KEYS_MAX	8
#define GH_KID_MAX	32

struct gh_key {
	char		 kid[GH_KID_MAX + 1];
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES]; /* zero when unknown */
	int		 has_sk;
	int64_t		 created_at;
};

struct gh_keyring {
	struct gh_key	 keys[GH_KEYS_MAX];	/* newest first */
	size_t		 nkeys;
	int64_t		 loaded_at;
};

/* Reads or creates the 32-byte installation secret (mode 0600). */
enum gh_err	 gh_keys_secret_load(const char *path, int create,
		    unsigned char out[crypto_secretbox_KEYBYTES]) GH_WUR;
/* Adds a new signing key (it signs from now on). */
enum gh_err	 gh_keys_generate(struct gh_db *,
		    const unsigned char secret[crypto_secretbox_KEYBYTES],
		    char kid_out[GH_KID_MAX + 1]) GH_WUR;
/* In one durable transaction: every key not yet retired is retired at
 * retire_at (it keeps verifying, and stays in the JWKS, until then) and a
 * new key is added that signs from now on. */
enum gh_err	 gh_keys_rotate(struct gh_db *,
		    const unsigned char secret[crypto_secretbox_KEYBYTES],
		    int64_t retire_at, char kid_out[GH_KID_MAX + 1]) GH_WUR;
/* Loads the live keys, newest first. */
enum gh_err	 gh_keys_load(struct gh_db *,
		    const unsigned char secret[crypto_secretbox_KEYBYTES],
		    int64_t now, struct gh_keyring *) GH_WUR;
/* The key for a kid, or NULL. Borrowed from the ring. */
const struct gh_key *gh_keys_find(const struct gh_keyring *, const char *kid);
/* The JWKS document (RFC 7517, OKP keys of RFC 8037). Owned. */
json_object	*gh_keys_jwks(const struct gh_keyring *);
void		 gh_keys_wipe(struct gh_keyring *);

#endif
