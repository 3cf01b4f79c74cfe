/* Linked identities: a provider's account (provider, subject) of a user. */
#ifndef GH_STORE_IDENTITY_H
#define GH_STORE_IDENTITY_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"

struct gh_db;

struct gh_identity {
	const char	*application_id;
	const char	*provider;
	const char	*subject;
	const char	*email;			/* may be NULL */
	int		 email_verified;
	const char	*access_token;		/* sealed, may be NULL */
	const char	*refresh_token;		/* sealed, may be NULL */
};

/* The identity's id and user; GH_ENOTFOUND when nobody linked it.
 * *active says whether the user may sign in. */
enum gh_err	 gh_identity_find(struct gh_db *, const char *app_id,
		    const char *provider, const char *subject,
		    char id[GH_ID_LEN + 1], char user_id[GH_ID_LEN + 1],
		    int *active) GH_WUR;
/* Inside a transaction. GH_ECONFLICT when the identity is linked already. */
enum gh_err	 gh_identity_link(struct gh_db *, const char *user_id,
		    const struct gh_identity *, int64_t now) GH_WUR;
/* What the provider said at a later sign-in. */
enum gh_err	 gh_identity_touch(struct gh_db *, const char *id,
		    const struct gh_identity *, int64_t now) GH_WUR;
/* [{id, provider, email, email_verified, created_at, last_used_at}]. */
enum gh_err	 gh_identity_list(struct gh_db *, const char *user_id,
		    json_object **) GH_WUR;
/* Inside a transaction: unlinks, unless it is the user's last way to sign
 * in (a password or another identity): GH_ECONFLICT. GH_ENOTFOUND when the
 * user has no such identity. On any error the caller rolls back. */
enum gh_err	 gh_identity_unlink(struct gh_db *, const char *user_id,
		    const char *id) GH_WUR;

#endif
