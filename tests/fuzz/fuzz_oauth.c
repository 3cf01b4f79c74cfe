/*
 * libFuzzer harness for what oauth.fcgi reads from a provider's answers
 * (lib/oauth.h gh_oauth_read): discovery documents, token answers,
 * userinfo, GitHub's /user and /user/emails, Facebook's /me; and for sealed
 * text (lib/seal.h), the form client secrets take in the configuration.
 * The first byte picks the reader; the rest is the answer's body.
 *
 * Besides the sanitizers, it aborts when a result breaks the contract: a
 * value outside the enum, a person's field not NUL-terminated within its
 * buffer, an email kept that is not one, "verified" without an email, or
 * sealed text opening under a key it was not sealed with.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "json.h"
#include "oauth.h"
#include "seal.h"

#define FIELD_OK(u, f)	(memchr((u)->f, '\0', sizeof((u)->f)) != NULL)

static void
check_user(const struct gh_oauth_user *u, enum gh_oauth_err er)
{
	if (er != GH_OAUTH_OK && er != GH_OAUTH_UNAVAILABLE &&
	    er != GH_OAUTH_REFUSED && er != GH_OAUTH_BAD_TOKEN &&
	    er != GH_OAUTH_FAILED)
		abort();
	if (!FIELD_OK(u, subject) || !FIELD_OK(u, email) ||
	    !FIELD_OK(u, username) || !FIELD_OK(u, name) ||
	    !FIELD_OK(u, given_name) || !FIELD_OK(u, family_name) ||
	    !FIELD_OK(u, picture) || !FIELD_OK(u, locale))
		abort();
	if (u->email[0] != '\0' && !gh_check_email(u->email, strlen(u->email)))
		abort();
	if (u->email_verified && u->email[0] == '\0')
		abort();
}

static void
check_sealed(const char *text)
{
	static unsigned char	 key[crypto_secretbox_KEYBYTES] = { 7 };
	char			 out[256];
	enum gh_err		 er = gh_seal_open(key, text, out, sizeof(out));

	/* Nobody can seal under this key without it: any input that opens
	 * would be a forgery. */
	if (er == GH_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gh_oauth_user	 u;
	enum gh_oauth_doc	 kind;
	char			*body;

	if (size < 1 || size > 65536)
		return 0;
	body = dup_n(data + 1, size - 1);
	memset(&u, 0, sizeof(u));
	if (data[0] % 7 == 6)
		check_sealed(body);
	else {
		kind = (enum gh_oauth_doc)(data[0] % 7);
		/* userinfo is compared with the ID token's subject. */
		if (kind == GH_OAUTH_DOC_USERINFO)
			memcpy(u.subject, "248289761001", 13);
		check_user(&u, gh_oauth_read(kind, body, size - 1, &u));
	}
	free(body);
	return 0;
}
