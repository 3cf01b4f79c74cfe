/*
 * outbox-cost: what an email costs the request that sends it (docs/email.md
 * "Cost"): a one-time token, rendering and the outbox insert of a reset
 * email inside a relaxed transaction, against the same transaction empty,
 * and rendering alone. Uses a throw-away database; prints microseconds per
 * operation.
 *
 * usage: bench/outbox-cost [COUNT]   (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "db.h"
#include "email.h"
#include "onetime.h"

static double
now_us(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int
main(int argc, char *argv[])
{
	static const struct gh_email_var vars[] = {
		{ "link", "http://127.0.0.1:8080/ui/reset-password?token="
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
		{ "email", "ada@example.com" }, { "minutes", "60" },
	};
	struct gh_config	 cfg;
	struct gh_onetime	 t;
	struct gh_db		*db = NULL;
	char			 dir[] = "/tmp/gh-outbox-cost-XXXXXX", path[64];
	char			 err[256], tok[GH_OPAQUE_LEN + 1];
	char			*s, *x, *h;
	double			 a, b, c, d;
	int			 i, n = argc > 1 ? atoi(argv[1]) : 2000, applied;
	int			 rc = 1;

	if (n <= 0 || sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/gatehouse.db", dir);
	if (gh_config_load_from(&cfg, NULL, NULL, err, sizeof(err)) != GH_OK ||
	    gh_db_open(path, 1, &db) != GH_OK ||
	    gh_db_migrate(db, &applied) != GH_OK)
		goto out;
	memset(&t, 0, sizeof(t));
	strcpy(t.application_id, "app");
	strcpy(t.email, "ada@example.com");
	a = now_us();
	for (i = 0; i < n; i++)
		if (gh_db_begin(db, GH_DB_RELAXED) != GH_OK ||
		    gh_db_commit(db) != GH_OK)
			goto out;
	b = now_us();
	for (i = 0; i < n; i++)
		if (gh_db_begin(db, GH_DB_RELAXED) != GH_OK ||
		    gh_onetime_issue(db, "reset_password", &t, 1700000000, 3600,
		    tok) != GH_OK || gh_email_enqueue(db, &cfg,
		    "ada@example.com", "reset_password", vars, 3) != GH_OK ||
		    gh_db_commit(db) != GH_OK)
			goto out;
	c = now_us();
	for (i = 0; i < n; i++) {
		if (gh_email_render(&cfg, "reset_password", vars, 3, &s, &x,
		    &h) != GH_OK)
			goto out;
		free(s);
		free(x);
		free(h);
	}
	d = now_us();
	printf("outbox_cost n=%d empty_txn_us=%.1f token_render_insert_txn_us="
	    "%.1f render_us=%.1f\n", n, (b - a) / n, (c - b) / n, (d - c) / n);
	rc = 0;
out:
	gh_db_close(db);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		rc = 1;
	return rc;
}
