#include <string.h>

#include "db.h"
#include "ratelimit.h"

/* Rows whose time has passed count for nothing; sweep them now and then. */
#define SWEEP_EVERY	1024

static enum gh_err
retry_after_of(struct gh_db *db, const char *key, int64_t interval_ms,
    int64_t period_ms, int64_t now_ms, int64_t *retry_after)
{
	struct gh_stmt	*st;
	int64_t		 wait_ms;
	enum gh_step	 rc;

	if ((st = gh_db_prepare(db, GH_STMT_RATE_GET, "t", key)) == NULL)
		return GH_EDB;
	rc = gh_stmt_step(st);
	wait_ms = rc == GH_STEP_ROW ? gh_stmt_col_int(st, 0) + interval_ms -
	    period_ms - now_ms : 0;
	gh_stmt_reset(st);
	if (rc == GH_STEP_ERROR)
		return GH_EDB;
	*retry_after = wait_ms <= 1000 ? 1 : (wait_ms + 999) / 1000;
	return GH_OK;
}

enum gh_err
gh_ratelimit_take(struct gh_db *db, const char *key,
    const struct gh_rate *rate, int64_t now_ms, int64_t *retry_after)
{
	static unsigned	 takes;
	struct gh_stmt	*st;
	int64_t		 period_ms, interval_ms;
	enum gh_step	 rc;
	enum gh_err	 er;

	*retry_after = 0;
	if (rate->count <= 0)
		return GH_OK;
	if (strlen(key) > GH_RATELIMIT_KEY_MAX)
		return GH_EINVAL;
	period_ms = rate->period * 1000;
	interval_ms = period_ms / rate->count;
	if ((er = gh_db_begin(db, GH_DB_RELAXED)) != GH_OK)
		return er;
	if (++takes % SWEEP_EVERY == 0 &&
	    ((st = gh_db_prepare(db, GH_STMT_RATE_SWEEP, "i", now_ms)) ==
	    NULL || gh_stmt_exec(st) != GH_OK)) {
		er = GH_EDB;
		goto out;
	}
	if ((st = gh_db_prepare(db, GH_STMT_RATE_TAKE, "tiii", key, now_ms,
	    interval_ms, period_ms)) == NULL) {
		er = GH_EDB;
		goto out;
	}
	rc = gh_stmt_step(st);
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		er = gh_db_commit(db);
	else if (rc == GH_STEP_DONE && (er = retry_after_of(db, key,
	    interval_ms, period_ms, now_ms, retry_after)) == GH_OK)
		er = GH_ELIMIT;
	else if (rc != GH_STEP_DONE)
		er = GH_EDB;
out:
	if (er != GH_OK)
		gh_db_rollback(db);
	return er;
}
