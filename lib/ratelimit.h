/*
 * Rate limits shared by every process and machine: the state is a row per
 * key in the database, updated by one statement (GCRA: each key keeps the
 * theoretical arrival time of its next request, so a limit of N per P
 * seconds allows a burst of N and then one request every P/N seconds).
 */
#ifndef GH_RATELIMIT_H
#define GH_RATELIMIT_H

#include <stdint.h>

#include "config.h"
#include "err.h"

struct gh_db;

#define GH_RATELIMIT_KEY_MAX	160

/*
 * Counts one request under key (at most GH_RATELIMIT_KEY_MAX bytes, e.g.
 * "sign_in|ip|192.0.2.1") against rate. GH_OK: allowed, and counted.
 * GH_ELIMIT: refused, not counted; *retry_after is the whole seconds
 * until one more would pass (at least 1). An "off" rate (count 0) passes
 * without touching the database. Commits a relaxed transaction of its
 * own: never call it inside one.
 */
enum gh_err	 gh_ratelimit_take(struct gh_db *, const char *key,
		    const struct gh_rate *, int64_t now_ms,
		    int64_t *retry_after) GH_WUR;

#endif
