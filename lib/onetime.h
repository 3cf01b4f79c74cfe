/*
 * One-time tokens (docs/email.md): the secrets in email links (verify,
 * reset, magic link, email change, login). 256 random bits; only their
 * SHA-256 is stored; single use; short-lived; a newer token of the same
 * purpose for the same user voids the older ones.
 */
#ifndef GH_ONETIME_H
#define GH_ONETIME_H

#include <stdint.h>

#include "err.h"
#include "id.h"
#include "token.h"

struct gh_db;

struct gh_onetime {
	char		 application_id[GH_ID_LEN + 1];
	char		 user_id[GH_ID_LEN + 1];	/* "" when none */
	char		 email_id[GH_ID_LEN + 1];	/* "" when none */
	char		 email[256];			/* "" when none */
	char		 data[2048];			/* "" when none */
};

/* A new token for purpose, inside the caller's transaction; out is what
 * the link carries. Any may be NULL but application_id and purpose. */
enum gh_err	 gh_onetime_issue(struct gh_db *, const char *purpose,
		    const struct gh_onetime *, int64_t now, int64_t ttl,
		    char out[GH_OPAQUE_LEN + 1]) GH_WUR;
/*
 * Checks a presented token of purpose and, with consume set, marks it used
 * (inside the caller's transaction). GH_OK fills *out. GH_ENOTFOUND for
 * anything not a live token of that purpose (malformed, unknown, another
 * purpose, used, voided); GH_EAUTH when it was one but has expired.
 */
enum gh_err	 gh_onetime_use(struct gh_db *, const char *purpose,
		    const char *token, size_t len, int64_t now, int consume,
		    struct gh_onetime *out) GH_WUR;

#endif
