#include <string.h>

#include <sodium.h>

#include "db.h"
#include "onetime.h"
#include "str.h"

static const char *
or_null(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

enum gh_err
gh_onetime_issue(struct gh_db *db, const char *purpose,
    const struct gh_onetime *t, int64_t now, int64_t ttl,
    char out[GH_OPAQUE_LEN + 1])
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt	*st;
	enum gh_err	 er;

	if (or_null(t->user_id) != NULL &&
	    ((st = gh_db_prepare(db, GH_STMT_ONETIME_RETIRE, "tti", t->user_id,
	    purpose, now)) == NULL || (er = gh_stmt_exec(st)) != GH_OK))
		return st == NULL ? GH_EDB : er;
	if ((er = gh_token_opaque_new(out, hash)) != GH_OK)
		return er;
	if ((st = gh_db_prepare(db, GH_STMT_ONETIME_INSERT, "bttttttii", hash,
	    sizeof(hash), purpose, t->application_id, or_null(t->user_id),
	    or_null(t->email_id), or_null(t->email), or_null(t->data), now,
	    now + ttl)) == NULL)
		er = GH_EDB;
	else
		er = gh_stmt_exec(st);
	sodium_memzero(hash, sizeof(hash));
	return er;
}

static void
copy_col(struct gh_stmt *st, int col, char *dst, size_t len)
{
	const char	*v = gh_stmt_col_is_null(st, col) ? "" :
			    gh_stmt_col_text(st, col);

	gh_strlcpy(dst, v != NULL ? v : "", len);
}

enum gh_err
gh_onetime_use(struct gh_db *db, const char *purpose, const char *token,
    size_t len, int64_t now, int consume, struct gh_onetime *out)
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	const void	*stored;
	size_t		 slen = 0;
	struct gh_stmt	*st;
	enum gh_step	 rc;
	enum gh_err	 er = GH_ENOTFOUND;

	memset(out, 0, sizeof(*out));
	if (gh_token_opaque_hash(token, len, hash) != GH_OK)
		return GH_ENOTFOUND;
	if ((st = gh_db_prepare(db, GH_STMT_ONETIME_GET, "b", hash,
	    sizeof(hash))) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) != GH_STEP_ROW) {
		er = rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
		goto out;
	}
	/* Found by the hash already; compared once more without shortcuts
	 * so nothing depends on how the index compared it. */
	stored = gh_stmt_col_blob(st, 0, &slen);
	if (slen != sizeof(hash) || sodium_memcmp(stored, hash,
	    sizeof(hash)) != 0 || strcmp(gh_stmt_col_text(st, 1), purpose) != 0 ||
	    !gh_stmt_col_is_null(st, 8))
		goto out;
	if (gh_stmt_col_int(st, 7) <= now) {
		er = GH_EAUTH;
		goto out;
	}
	copy_col(st, 2, out->application_id, sizeof(out->application_id));
	copy_col(st, 3, out->user_id, sizeof(out->user_id));
	copy_col(st, 4, out->email_id, sizeof(out->email_id));
	copy_col(st, 5, out->email, sizeof(out->email));
	copy_col(st, 6, out->data, sizeof(out->data));
	gh_stmt_reset(st);
	er = GH_OK;
	if (!consume)
		goto wipe;
	if ((st = gh_db_prepare(db, GH_STMT_ONETIME_USE, "bi", hash,
	    sizeof(hash), now)) == NULL) {
		er = GH_EDB;
		goto wipe;
	}
	er = gh_stmt_exec(st);
	if (er == GH_OK && gh_db_changes(db) != 1)
		er = GH_ENOTFOUND;	/* used meanwhile (never inside a txn) */
	goto wipe;
out:
	gh_stmt_reset(st);
wipe:
	sodium_memzero(hash, sizeof(hash));
	return er;
}
