/*
 * Secrets kept at rest under the installation key (secretbox): OAuth client
 * secrets in the configuration and the provider tokens stored with a linked
 * identity. The text form is "sealed:" and base64url of nonce || box, so a
 * sealed value fits a configuration line or a TEXT column.
 */
#ifndef GH_SEAL_H
#define GH_SEAL_H

#include <stddef.h>

#include <sodium.h>

#include "err.h"

#define GH_SEAL_PREFIX	"sealed:"

/* The sealed text of plain[0..len); owned (free()). */
enum gh_err	 gh_seal_text(const unsigned char key[crypto_secretbox_KEYBYTES],
		    const char *plain, size_t len, char **out) GH_WUR;
/* Opens sealed text into out (NUL-terminated). GH_EINVAL when it is not
 * sealed text, GH_ECRYPTO when it was sealed under another key or
 * altered, GH_ETOOBIG when out is too small. */
enum gh_err	 gh_seal_open(const unsigned char key[crypto_secretbox_KEYBYTES],
		    const char *sealed, char *out, size_t outsz) GH_WUR;
/* 1 when value is sealed text (starts with the prefix). */
int		 gh_seal_is_sealed(const char *value);

#endif
