/* Invites against a real SQLite file: lib/invite.h. Who may make one, the
 * states that refuse a use, counting uses, and the share URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "config.h"
#include "db.h"
#include "invite.h"
#include "store_user.h"

#define APP	"00000000-0000-7000-8000-000000000000"
#define NOW	((int64_t)1900000000)

struct fx {
	char		 dir[64];
	char		 path[128];
	struct gh_db	*db;
	struct gh_config cfg;
	char		 owner[GH_ID_LEN + 1], owner_membership[GH_ID_LEN + 1];
	char		 a[GH_ID_LEN + 1], b[GH_ID_LEN + 1];
	char		 account[GH_ID_LEN + 1];
};

static void
user(struct fx *f, const char *email, char id[GH_ID_LEN + 1],
    char membership[GH_ID_LEN + 1])
{
	struct gh_new_user	 nu;
	const char		*code;

	memset(&nu, 0, sizeof(nu));
	nu.application_id = APP;
	nu.email = email;
	assert_int_equal(gh_store_user_create(f->db, &nu, id, membership,
	    &code), GH_OK);
}

static int
setup(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	char			 m[GH_ID_LEN + 1], err[128];
	struct gh_stmt		*st;
	int			 applied;

	if (f == NULL || sodium_init() < 0)
		return -1;
	strcpy(f->dir, "/tmp/gh-test-invite-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/gatehouse.db", f->dir);
	if (gh_config_load_from(&f->cfg, NULL, NULL, err, sizeof(err)) !=
	    GH_OK || gh_db_open(f->path, 1, &f->db) != GH_OK ||
	    gh_db_migrate(f->db, &applied) != GH_OK ||
	    gh_db_begin(f->db, GH_DB_DURABLE) != GH_OK)
		return -1;
	user(f, "owner@example.com", f->owner, f->owner_membership);
	user(f, "a@example.com", f->a, m);
	user(f, "b@example.com", f->b, m);
	st = gh_db_prepare(f->db, GH_STMT_MEMBERSHIPS_BY_USER, "t", f->owner);
	if (st == NULL || gh_stmt_step(st) != GH_STEP_ROW)
		return -1;
	snprintf(f->account, sizeof(f->account), "%s",
	    gh_stmt_col_text(st, 1));
	gh_stmt_reset(st);
	if (gh_db_commit(f->db) != GH_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[192];

	gh_db_close(f->db);
	snprintf(p, sizeof(p), "%s/gatehouse.db", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/gatehouse.db-wal", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/gatehouse.db-shm", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* An invite to the owner's account, committed; its code in code. */
static void
make(struct fx *f, const char *type, const char *target, int64_t uses,
    const char *email, char code[GH_OPAQUE_LEN + 1], struct gh_invite *iv)
{
	struct gh_invite_new	 in;
	const char		*problem = NULL;

	memset(&in, 0, sizeof(in));
	in.application_id = APP;
	in.creator_id = f->owner;
	in.type = type;
	in.target_id = target;
	in.email = email;
	in.max_uses = uses;
	in.expires_in = 3600;
	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(gh_invite_create(f->db, &f->cfg, &in, NOW, code, iv,
	    &problem), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
}

/* One use in its own transaction, committed only when it worked; the
 * problem code ("" for none). */
static enum gh_err
use(struct fx *f, const char *code, const char *user_id, unsigned kinds,
    int64_t now, const char **problem)
{
	struct gh_invite	 iv;
	char			 joined[GH_ID_LEN + 1];
	enum gh_err		 er;

	*problem = "";
	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	er = gh_invite_by_code(f->db, APP, code, strlen(code), &iv);
	if (er == GH_OK)
		er = gh_invite_accept(f->db, &f->cfg, &iv, user_id, kinds, now,
		    joined, problem);
	if (er == GH_OK)
		assert_int_equal(gh_db_commit(f->db), GH_OK);
	else
		gh_db_rollback(f->db);
	if (*problem == NULL)
		*problem = "";
	return er;
}

static void
test_uses_are_counted_once_per_user(void **state)
{
	struct fx		*f = *state;
	struct gh_invite	 iv;
	char			 code[GH_OPAQUE_LEN + 1];
	const char		*problem;

	make(f, "account", f->account, 1, NULL, code, &iv);
	assert_string_equal(iv.role, "member");
	assert_int_equal(use(f, code, f->owner, GH_INVITE_ANY, NOW, &problem),
	    GH_ECONFLICT);
	assert_string_equal(problem, "invite_own");
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW, &problem),
	    GH_OK);
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW, &problem),
	    GH_EGONE);
	assert_string_equal(problem, "invite_used_up");
	assert_int_equal(use(f, code, f->b, GH_INVITE_ANY, NOW, &problem),
	    GH_EGONE);
	/* Unlimited: each user once. */
	make(f, "friend", NULL, 0, NULL, code, &iv);
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW, &problem),
	    GH_OK);
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW, &problem),
	    GH_ECONFLICT);
	assert_string_equal(problem, "invite_already_used");
	assert_int_equal(use(f, code, f->b, GH_INVITE_ANY, NOW, &problem),
	    GH_OK);
}

static void
test_dead_and_wrong_invites_refuse(void **state)
{
	struct fx		*f = *state;
	struct gh_invite	 iv;
	char			 code[GH_OPAQUE_LEN + 1];
	const char		*problem;

	make(f, "friend", NULL, 1, NULL, code, &iv);
	assert_int_equal(use(f, code, f->a, GH_INVITE_MEMBERSHIP, NOW,
	    &problem), GH_EINVAL);
	assert_string_equal(problem, "invite_wrong_type");
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW + 3600,
	    &problem), GH_EGONE);
	assert_string_equal(problem, "invite_expired");
	assert_int_equal(use(f, "not a code", f->a, GH_INVITE_ANY, NOW,
	    &problem), GH_ENOTFOUND);
	/* Only its creator (or, for accounts, an owner) revokes it. */
	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(gh_invite_revoke(f->db, &iv, f->a, NOW),
	    GH_ENOTFOUND);
	assert_int_equal(gh_invite_revoke(f->db, &iv, f->owner, NOW), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW, &problem),
	    GH_EGONE);
	assert_string_equal(problem, "invite_revoked");
	/* Bound to an address nobody has proven. */
	make(f, "friend", NULL, 1, "A@example.com", code, &iv);
	assert_int_equal(use(f, code, f->a, GH_INVITE_ANY, NOW, &problem),
	    GH_EFORBIDDEN);
	assert_string_equal(problem, "invite_email_mismatch");
}

static void
test_only_owners_invite_to_accounts(void **state)
{
	struct fx		*f = *state;
	struct gh_invite_new	 in;
	struct gh_invite	 iv;
	char			 code[GH_OPAQUE_LEN + 1];
	const char		*problem;

	memset(&in, 0, sizeof(in));
	in.application_id = APP;
	in.creator_id = f->a;
	in.type = "account";
	in.target_id = f->account;
	in.max_uses = 1;
	in.expires_in = 60;
	assert_int_equal(gh_invite_create(f->db, &f->cfg, &in, NOW, code, &iv,
	    &problem), GH_ENOTFOUND);
	in.creator_id = f->owner;
	in.role = "admin";
	assert_int_equal(gh_invite_create(f->db, &f->cfg, &in, NOW, code, &iv,
	    &problem), GH_EINVAL);
	assert_string_equal(problem, "invalid_role");
	in.type = "membership";
	in.role = NULL;
	in.target_id = NULL;
	assert_int_equal(gh_invite_create(f->db, &f->cfg, &in, NOW, code, &iv,
	    &problem), GH_EFORBIDDEN);
	in.type = "group";
	in.target_id = "has space";
	assert_int_equal(gh_invite_create(f->db, &f->cfg, &in, NOW, code, &iv,
	    &problem), GH_EINVAL);
}

static void
test_url(void **state)
{
	struct fx	*f = *state;
	char		 url[256];

	gh_invite_url(&f->cfg, "CODE", url, sizeof(url));
	assert_string_equal(url, "http://127.0.0.1:8080/v1/invites/CODE");
	strcpy(f->cfg.invite_url, "https://app.example/join/{code}?x=1");
	gh_invite_url(&f->cfg, "CODE", url, sizeof(url));
	assert_string_equal(url, "https://app.example/join/CODE?x=1");
	strcpy(f->cfg.invite_url, "https://app.example/join?code=");
	gh_invite_url(&f->cfg, "CODE", url, sizeof(url));
	assert_string_equal(url, "https://app.example/join?code=CODE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_uses_are_counted_once_per_user, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dead_and_wrong_invites_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_only_owners_invite_to_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
