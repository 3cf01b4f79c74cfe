#include <string.h>

#include <sodium.h>

#include "cookie.h"
#include "db.h"
#include "device.h"

int
gh_device_known(struct gh_db *db, const struct gh_config *cfg,
    const char *cookie_header, const char *user_id)
{
	char		 val[GH_OPAQUE_LEN + 1];
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt	*st = NULL;
	const char	*owner;
	int		 known = 0;

	if (gh_cookie_session(cookie_header, gh_cookie_device_name(cfg),
	    val) != 1 || gh_token_opaque_hash(val, strlen(val), hash) != GH_OK)
		goto out;
	if ((st = gh_db_prepare(db, GH_STMT_DEVICE_OWNER, "b", hash,
	    sizeof(hash))) == NULL)
		goto out;
	if (gh_stmt_step(st) == GH_STEP_ROW &&
	    (owner = gh_stmt_col_text(st, 0)) != NULL)
		known = strcmp(owner, user_id) == 0;
out:
	gh_stmt_reset(st);
	sodium_memzero(val, sizeof(val));
	return known;
}

enum gh_err
gh_device_new(struct gh_db *db, const char *user_id, int64_t now,
    char out[GH_OPAQUE_LEN + 1])
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((er = gh_token_opaque_new(out, hash)) != GH_OK)
		return er;
	if ((st = gh_db_prepare(db, GH_STMT_DEVICE_INSERT, "bti", hash,
	    sizeof(hash), user_id, now)) == NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}
