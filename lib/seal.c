#include <stdlib.h>
#include <string.h>

#include "seal.h"

#define PREFIX_LEN	(sizeof(GH_SEAL_PREFIX) - 1)
#define OVERHEAD	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
#define SEALED_MAX	8192	/* plain text bytes; provider tokens are smaller */

int
gh_seal_is_sealed(const char *value)
{
	return strncmp(value, GH_SEAL_PREFIX, PREFIX_LEN) == 0;
}

enum gh_err
gh_seal_text(const unsigned char key[crypto_secretbox_KEYBYTES],
    const char *plain, size_t len, char **out)
{
	unsigned char	*box = NULL;
	size_t		 blen = OVERHEAD + len, tlen;
	enum gh_err	 er = GH_ENOMEM;

	*out = NULL;
	if (len > SEALED_MAX)
		return GH_ETOOBIG;
	tlen = PREFIX_LEN + sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((box = malloc(blen)) == NULL || (*out = malloc(tlen)) == NULL)
		goto out;
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)plain, len, box, key);
	memcpy(*out, GH_SEAL_PREFIX, PREFIX_LEN);
	sodium_bin2base64(*out + PREFIX_LEN, tlen - PREFIX_LEN, box, blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	er = GH_OK;
out:
	free(box);
	if (er != GH_OK) {
		free(*out);
		*out = NULL;
	}
	return er;
}

enum gh_err
gh_seal_open(const unsigned char key[crypto_secretbox_KEYBYTES],
    const char *sealed, char *out, size_t outsz)
{
	unsigned char	*box = NULL;
	size_t		 slen, blen = 0;
	enum gh_err	 er = GH_EINVAL;

	if (outsz > 0)
		out[0] = '\0';
	if (!gh_seal_is_sealed(sealed))
		return GH_EINVAL;
	sealed += PREFIX_LEN;
	slen = strlen(sealed);
	if (slen > 2 * SEALED_MAX)
		return GH_EINVAL;
	if ((box = malloc(slen)) == NULL)
		return GH_ENOMEM;
	if (sodium_base642bin(box, slen, sealed, slen, NULL, &blen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || blen < OVERHEAD)
		goto out;
	if (blen - OVERHEAD + 1 > outsz) {
		er = GH_ETOOBIG;
		goto out;
	}
	if (crypto_secretbox_open_easy((unsigned char *)out,
	    box + crypto_secretbox_NONCEBYTES,
	    blen - crypto_secretbox_NONCEBYTES, box, key) != 0) {
		er = GH_ECRYPTO;
		goto out;
	}
	out[blen - OVERHEAD] = '\0';
	if (memchr(out, '\0', blen - OVERHEAD) != NULL) {
		sodium_memzero(out, outsz);
		er = GH_EINVAL;
		goto out;
	}
	er = GH_OK;
out:
	sodium_memzero(box, slen);
	free(box);
	return er;
}
