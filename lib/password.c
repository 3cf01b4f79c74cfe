#include <string.h>

#include "password.h"

enum gh_err
gh_password_hash(const struct gh_password_params *p, const char *pw,
    size_t len, char out[GH_PASSWORD_HASH_MAX])
{
	if (crypto_pwhash_str_alg(out, pw, len, p->opslimit, p->memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return GH_ENOMEM;	/* libsodium fails only on memory */
	return GH_OK;
}

enum gh_err
gh_password_verify(const char *hash, const char *pw, size_t len)
{
	if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
	    strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return GH_EAUTH;
	return crypto_pwhash_str_verify(hash, pw, len) == 0 ? GH_OK : GH_EAUTH;
}

int
gh_password_needs_rehash(const struct gh_password_params *p, const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, p->opslimit,
	    p->memlimit) != 0;
}

void
gh_password_burn(const struct gh_password_params *p, const char *pw,
    size_t len)
{
	/* A hash of random bytes at the current parameters: verifying
	 * against it costs what a real verification costs. */
	static char			 dummy[GH_PASSWORD_HASH_MAX];
	static struct gh_password_params made;
	unsigned char			 rnd[16];

	if (dummy[0] == '\0' || made.opslimit != p->opslimit ||
	    made.memlimit != p->memlimit) {
		randombytes_buf(rnd, sizeof(rnd));
		if (crypto_pwhash_str_alg(dummy, (const char *)rnd,
		    sizeof(rnd), p->opslimit, p->memlimit,
		    crypto_pwhash_ALG_ARGON2ID13) != 0)
			return;
		made = *p;
	}
	/* The outcome is known (no match); only the time spent matters. */
	if (crypto_pwhash_str_verify(dummy, pw, len) == 0)
		dummy[0] = '\0';

}
