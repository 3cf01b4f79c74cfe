/* Passwords: argon2id through libsodium (crypto_pwhash_str), parameters
 * from configuration, rehash on sign-in when they change. */
#ifndef GH_PASSWORD_H
#define GH_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "err.h"

#define GH_PASSWORD_HASH_MAX	crypto_pwhash_STRBYTES

struct gh_password_params {
	uint64_t	 opslimit;
	size_t		 memlimit;	/* bytes */
};

enum gh_err	 gh_password_hash(const struct gh_password_params *,
		    const char *pw, size_t len,
		    char out[GH_PASSWORD_HASH_MAX]) GH_WUR;
/* GH_OK on a match, GH_EAUTH on a mismatch or malformed hash. */
enum gh_err	 gh_password_verify(const char *hash, const char *pw,
		    size_t len) GH_WUR;
/* 1 when hash was made with other parameters than these. */
int		 gh_password_needs_rehash(const struct gh_password_params *,
		    const char *hash);
/* Spends the time of one verification at these parameters against a hash
 * that matches nothing, so an unknown account answers as slowly as a wrong
 * password. */
void		 gh_password_burn(const struct gh_password_params *,
		    const char *pw, size_t len);

#endif
