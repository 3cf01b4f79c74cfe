#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "config.h"
#include "db.h"
#include "store_user.h"

void
gh_backoff_key(const unsigned char secret[crypto_secretbox_KEYBYTES],
    const char *application_id, const char *by, const char *login,
    unsigned char key[GH_BACKOFF_KEY_BYTES])
{
	crypto_generichash_state	 h;
	char				 c;
	const char			*p;

	crypto_generichash_init(&h, secret, crypto_secretbox_KEYBYTES,
	    GH_BACKOFF_KEY_BYTES);
	crypto_generichash_update(&h, (const unsigned char *)application_id,
	    strlen(application_id) + 1);
	crypto_generichash_update(&h, (const unsigned char *)by,
	    strlen(by) + 1);
	for (p = login; *p != '\0'; p++) {	/* folded as the stores fold */
		c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		crypto_generichash_update(&h, (const unsigned char *)&c, 1);
	}
	crypto_generichash_final(&h, key, GH_BACKOFF_KEY_BYTES);
}

enum gh_err
gh_backoff_check(struct gh_db *db, const unsigned char key[GH_BACKOFF_KEY_BYTES],
    int64_t now, int64_t *retry_after)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	int64_t		 until = 0;

	*retry_after = 0;
	if ((st = gh_db_prepare(db, GH_STMT_BACKOFF_GET, "b", key,
	    (size_t)GH_BACKOFF_KEY_BYTES)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		until = gh_stmt_col_int(st, 2);
	gh_stmt_reset(st);
	if (rc != GH_STEP_ROW && rc != GH_STEP_DONE)
		return GH_EDB;
	if (until <= now)
		return GH_OK;
	*retry_after = until - now;
	return GH_ELIMIT;
}

/* base doubled for each failure past the threshold, at most max. */
static int64_t
lock_seconds(const struct gh_config *c, int64_t failures)
{
	int64_t	 past = failures - c->sign_in_backoff_after, s;

	if (past < 0)
		return 0;
	if (past >= 40)
		return c->sign_in_backoff_max;
	s = c->sign_in_backoff_base << past;
	return s < c->sign_in_backoff_max ? s : c->sign_in_backoff_max;
}

enum gh_err
gh_backoff_fail(struct gh_db *db, const struct gh_config *cfg,
    const unsigned char key[GH_BACKOFF_KEY_BYTES], int64_t now,
    int64_t *locked_for)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	int64_t		 failures = 0, last_at = 0;

	*locked_for = 0;
	if ((st = gh_db_prepare(db, GH_STMT_BACKOFF_GET, "b", key,
	    (size_t)GH_BACKOFF_KEY_BYTES)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		failures = gh_stmt_col_int(st, 0);
		last_at = gh_stmt_col_int(st, 1);
	}
	gh_stmt_reset(st);
	if (rc != GH_STEP_ROW && rc != GH_STEP_DONE)
		return GH_EDB;
	if (now - last_at >= cfg->sign_in_backoff_reset)
		failures = 0;
	failures++;
	*locked_for = lock_seconds(cfg, failures);
	if ((st = gh_db_prepare(db, GH_STMT_BACKOFF_PUT, "biii", key,
	    (size_t)GH_BACKOFF_KEY_BYTES, failures, now,
	    now + *locked_for)) == NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}

enum gh_err
gh_backoff_clear(struct gh_db *db, const unsigned char key[GH_BACKOFF_KEY_BYTES])
{
	struct gh_stmt	*st;

	if ((st = gh_db_prepare(db, GH_STMT_BACKOFF_CLEAR, "b", key,
	    (size_t)GH_BACKOFF_KEY_BYTES)) == NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}
