/* The SQLite layer and signing keys: lib/db.h, lib/keys.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "db.h"
#include "keys.h"

#define DEFAULT_APP	"00000000-0000-7000-8000-000000000000"
#define B64URL		sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* One fresh database file per test, in its own directory. */
struct fx {
	char		 dir[64];
	char		 path[128];
	struct gh_db	*db;
};

static int
group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/gh-test-db-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/gatehouse.db", f->dir);
	*state = f;
	return 0;
}

/* setup plus an open, migrated database. */
static int
setup_migrated(void **state)
{
	struct fx	*f;
	int		 applied;

	if (setup(state) != 0)
		return -1;
	f = *state;
	if (gh_db_open(f->path, 1, &f->db) != GH_OK ||
	    gh_db_migrate(f->db, &applied) != GH_OK)
		return -1;
	return 0;
}

static void
rm(const char *dir, const char *name)
{
	char	 p[192];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	gh_db_close(f->db);
	rm(f->dir, "gatehouse.db");
	rm(f->dir, "gatehouse.db-wal");
	rm(f->dir, "gatehouse.db-shm");
	rm(f->dir, "secret.key");
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
count_users(struct gh_db *db, const char *id)
{
	struct gh_stmt	*st = gh_db_prepare(db, GH_STMT_USER_BY_ID, "t", id);
	int64_t		 n = 0;

	assert_non_null(st);
	while (gh_stmt_step(st) == GH_STEP_ROW)
		n++;
	gh_stmt_reset(st);
	return n;
}

static enum gh_err
insert_user(struct gh_db *db, const char *id, const char *app,
    const char *name)
{
	struct gh_stmt	*st = gh_db_prepare(db, GH_STMT_USER_INSERT, "ttttti",
	    id, app, name, name, name, (int64_t)1700000000);

	assert_non_null(st);
	return gh_stmt_exec(st);
}

/* ---- open and migrate ---------------------------------------------- */

static void
test_open_missing_without_create(void **state)
{
	struct fx	*f = *state;

	assert_int_not_equal(gh_db_open(f->path, 0, &f->db), GH_OK);
	assert_null(f->db);
	assert_int_not_equal(access(f->path, F_OK), 0);
}

static void
test_open_creates(void **state)
{
	struct fx	*f = *state;
	int		 v = -1;

	assert_int_equal(gh_db_open(f->path, 1, &f->db), GH_OK);
	assert_non_null(f->db);
	assert_int_equal(access(f->path, F_OK), 0);
	assert_int_equal(gh_db_schema_version(f->db, &v), GH_OK);
	assert_int_equal(v, 0);
}

static void
test_migrate_applies_all_then_none(void **state)
{
	struct fx	*f = *state;
	int		 applied = -1, v = -1;

	assert_true(gh_db_schema_latest() >= 1);
	assert_int_equal(gh_db_open(f->path, 1, &f->db), GH_OK);
	assert_int_equal(gh_db_migrate(f->db, &applied), GH_OK);
	assert_int_equal(applied, gh_db_schema_latest());
	assert_int_equal(gh_db_schema_version(f->db, &v), GH_OK);
	assert_int_equal(v, gh_db_schema_latest());
	assert_int_equal(gh_db_migrate(f->db, &applied), GH_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(gh_db_schema_version(f->db, &v), GH_OK);
	assert_int_equal(v, gh_db_schema_latest());
}

static void
test_migrate_persists_across_open(void **state)
{
	struct fx	*f = *state;
	int		 applied = -1, v = -1;

	assert_int_equal(gh_db_open(f->path, 1, &f->db), GH_OK);
	assert_int_equal(gh_db_migrate(f->db, &applied), GH_OK);
	gh_db_close(f->db);
	f->db = NULL;
	assert_int_equal(gh_db_open(f->path, 0, &f->db), GH_OK);
	assert_int_equal(gh_db_schema_version(f->db, &v), GH_OK);
	assert_int_equal(v, gh_db_schema_latest());
	assert_int_equal(gh_db_migrate(f->db, &applied), GH_OK);
	assert_int_equal(applied, 0);
}

static void
test_default_application_exists(void **state)
{
	struct fx	*f = *state;
	struct gh_stmt	*st;

	st = gh_db_prepare(f->db, GH_STMT_APP_BY_CLIENT_ID, "t", "default");
	assert_non_null(st);
	assert_int_equal(gh_stmt_step(st), GH_STEP_ROW);
	assert_string_equal(gh_stmt_col_text(st, 0), DEFAULT_APP);
	assert_int_equal(gh_stmt_step(st), GH_STEP_DONE);
	gh_stmt_reset(st);
}

static void
test_unknown_application(void **state)
{
	struct fx	*f = *state;
	struct gh_stmt	*st;

	st = gh_db_prepare(f->db, GH_STMT_APP_BY_CLIENT_ID, "t", "nope");
	assert_non_null(st);
	assert_int_equal(gh_stmt_step(st), GH_STEP_DONE);
	gh_stmt_reset(st);
}

static void
test_ping(void **state)
{
	struct fx	*f = *state;
	struct gh_stmt	*st = gh_db_stmt(f->db, GH_STMT_PING);

	assert_non_null(st);
	assert_int_equal(gh_stmt_step(st), GH_STEP_ROW);
	assert_int_equal(gh_stmt_col_int(st, 0), gh_db_schema_latest());
	gh_stmt_reset(st);
}

/* Every statement's SQL fits the migrated schema: a misspelt column is
 * found here, not by the first request that runs it. */
static void
test_every_statement_prepares(void **state)
{
	struct fx	*f = *state;
	int		 i;

	for (i = 0; i < GH_STMT__MAX; i++)
		if (gh_db_stmt(f->db, (enum gh_stmt_id)i) == NULL)
			fail_msg("statement %d does not prepare", i);
}

/* ---- binding ------------------------------------------------------- */

static void
test_prepare_too_few_args(void **state)
{
	struct fx	*f = *state;

	assert_null(gh_db_prepare(f->db, GH_STMT_APP_BY_CLIENT_ID, "tt",
	    "x"));
}

static void
test_prepare_too_many_args(void **state)
{
	struct fx	*f = *state;

	assert_null(gh_db_prepare(f->db, GH_STMT_APP_BY_CLIENT_ID, "t", "x",
	    "y"));
}

static void
test_prepare_blob_takes_two(void **state)
{
	struct fx	*f = *state;
	unsigned char	 b[4] = { 1, 2, 3, 4 };

	/* "b" is a pointer and a length: one argument is not enough. */
	assert_null(gh_db_prepare(f->db, GH_STMT_REFRESH_BY_HASH, "b", b));
	assert_non_null(gh_db_prepare(f->db, GH_STMT_REFRESH_BY_HASH, "b", b,
	    sizeof(b)));
}

static void
test_prepare_unknown_letter(void **state)
{
	struct fx	*f = *state;

	assert_null(gh_db_prepare(f->db, GH_STMT_APP_BY_CLIENT_ID, "x",
	    "default"));
}

static void
test_prepare_null_text_binds_null(void **state)
{
	struct fx	*f = *state;
	struct gh_stmt	*st;

	st = gh_db_prepare(f->db, GH_STMT_APP_BY_CLIENT_ID, "t",
	    (const char *)NULL);
	assert_non_null(st);
	assert_int_equal(gh_stmt_step(st), GH_STEP_DONE);
	gh_stmt_reset(st);
}

/* ---- writes and transactions --------------------------------------- */

static const char U1[] = "0190c2a4-0000-7000-8000-000000000001";
static const char U2[] = "0190c2a4-0000-7000-8000-000000000002";

static void
test_insert_and_read_back(void **state)
{
	struct fx	*f = *state;
	struct gh_stmt	*st;

	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	assert_int_equal(gh_db_changes(f->db), 1);
	st = gh_db_prepare(f->db, GH_STMT_USER_BY_ID, "t", U1);
	assert_non_null(st);
	assert_int_equal(gh_stmt_step(st), GH_STEP_ROW);
	assert_string_equal(gh_stmt_col_text(st, 0), U1);
	assert_string_equal(gh_stmt_col_text(st, 2), "active");
	assert_string_equal(gh_stmt_col_text(st, 3), "alice");
	assert_true(gh_stmt_col_is_null(st, 5));	/* avatar_url */
	assert_null(gh_stmt_col_text(st, 5));
	assert_false(gh_stmt_col_is_null(st, 3));
	gh_stmt_reset(st);
}

static void
test_rollback_leaves_no_row(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	assert_int_equal(count_users(f->db, U1), 1);	/* inside: visible */
	gh_db_rollback(f->db);
	assert_int_equal(count_users(f->db, U1), 0);
}

static void
test_commit_keeps_row(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(gh_db_begin(f->db, GH_DB_RELAXED), GH_OK);
	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
	gh_db_rollback(f->db);		/* nothing open: a no-op */
	assert_int_equal(count_users(f->db, U1), 1);
}

static void
test_commit_survives_reopen(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
	gh_db_close(f->db);
	f->db = NULL;
	assert_int_equal(gh_db_open(f->path, 0, &f->db), GH_OK);
	assert_int_equal(count_users(f->db, U1), 1);
}

static void
test_begin_twice_fails(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_not_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	gh_db_rollback(f->db);
}

static void
test_unique_violation_is_conflict(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	/* Same application and username_norm, another id. */
	assert_int_equal(insert_user(f->db, U2, DEFAULT_APP, "alice"),
	    GH_ECONFLICT);
	assert_int_equal(count_users(f->db, U2), 0);
}

static void
test_primary_key_violation_is_conflict(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "bob"),
	    GH_ECONFLICT);
}

static void
test_foreign_keys_enforced(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(insert_user(f->db, U1,
	    "00000000-0000-7000-8000-00000000dead", "alice"), GH_ECONFLICT);
	assert_int_equal(count_users(f->db, U1), 0);
}

static void
test_statement_usable_after_conflict(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(insert_user(f->db, U1, DEFAULT_APP, "alice"), GH_OK);
	assert_int_equal(insert_user(f->db, U2, DEFAULT_APP, "alice"),
	    GH_ECONFLICT);
	assert_int_equal(insert_user(f->db, U2, DEFAULT_APP, "bob"), GH_OK);
	assert_int_equal(count_users(f->db, U2), 1);
}

/* ---- the installation secret --------------------------------------- */

static void
secret_path(const struct fx *f, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/secret.key", f->dir);
}

static void
test_secret_create_then_read(void **state)
{
	struct fx	*f = *state;
	char		 p[192];
	unsigned char	 a[crypto_secretbox_KEYBYTES], b[crypto_secretbox_KEYBYTES];
	unsigned char	 zero[crypto_secretbox_KEYBYTES] = { 0 };
	struct stat	 sb;

	secret_path(f, p, sizeof(p));
	assert_int_equal(gh_keys_secret_load(p, 1, a), GH_OK);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(gh_keys_secret_load(p, 0, b), GH_OK);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, crypto_secretbox_KEYBYTES);
}

static void
test_secret_create_twice_keeps_first(void **state)
{
	struct fx	*f = *state;
	char		 p[192];
	unsigned char	 a[crypto_secretbox_KEYBYTES], b[crypto_secretbox_KEYBYTES];

	secret_path(f, p, sizeof(p));
	assert_int_equal(gh_keys_secret_load(p, 1, a), GH_OK);
	assert_int_equal(gh_keys_secret_load(p, 1, b), GH_OK);
	assert_memory_equal(a, b, sizeof(a));
}

static void
test_secret_missing_without_create(void **state)
{
	struct fx	*f = *state;
	char		 p[192];
	unsigned char	 a[crypto_secretbox_KEYBYTES];

	secret_path(f, p, sizeof(p));
	assert_int_equal(gh_keys_secret_load(p, 0, a), GH_EIO);
	assert_int_not_equal(access(p, F_OK), 0);
}

static void
write_bytes(const char *p, size_t n)
{
	FILE		*fp = fopen(p, "wb");
	unsigned char	 buf[64];

	assert_non_null(fp);
	memset(buf, 0x42, sizeof(buf));
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void
test_secret_short_file(void **state)
{
	struct fx	*f = *state;
	char		 p[192];
	unsigned char	 a[crypto_secretbox_KEYBYTES];

	secret_path(f, p, sizeof(p));
	write_bytes(p, crypto_secretbox_KEYBYTES - 1);
	assert_int_not_equal(gh_keys_secret_load(p, 1, a), GH_OK);
	assert_int_not_equal(gh_keys_secret_load(p, 0, a), GH_OK);
}

static void
test_secret_long_file(void **state)
{
	struct fx	*f = *state;
	char		 p[192];
	unsigned char	 a[crypto_secretbox_KEYBYTES];

	secret_path(f, p, sizeof(p));
	write_bytes(p, crypto_secretbox_KEYBYTES + 1);
	assert_int_not_equal(gh_keys_secret_load(p, 0, a), GH_OK);
}

static void
test_secret_empty_file(void **state)
{
	struct fx	*f = *state;
	char		 p[192];
	unsigned char	 a[crypto_secretbox_KEYBYTES];

	secret_path(f, p, sizeof(p));
	write_bytes(p, 0);
	assert_int_not_equal(gh_keys_secret_load(p, 1, a), GH_OK);
}

/* ---- signing keys -------------------------------------------------- */

static void
test_keys_generate_load_round_trip(void **state)
{
	struct fx		*f = *state;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	unsigned char		 sig[crypto_sign_BYTES];
	char			 kid[GH_KID_MAX + 1];
	struct gh_keyring	 ring;
	const struct gh_key	*k;
	static const unsigned char msg[] = "signed message";

	crypto_secretbox_keygen(secret);
	assert_int_equal(gh_keys_generate(f->db, secret, kid), GH_OK);
	assert_true(strlen(kid) > 0 && strlen(kid) <= GH_KID_MAX);
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(gh_keys_load(f->db, secret, (int64_t)time(NULL),
	    &ring), GH_OK);
	assert_int_equal(ring.nkeys, 1);
	k = gh_keys_find(&ring, kid);
	assert_non_null(k);
	assert_true(k->has_sk);
	/* The opened secret half matches the public half. */
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), k->sk);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    k->pk), 0);
	assert_null(gh_keys_find(&ring, "no-such-kid"));
	gh_keys_wipe(&ring);
	assert_int_equal(ring.nkeys, 0);
}

static void
test_keys_other_secret_verify_only(void **state)
{
	struct fx		*f = *state;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	unsigned char		 wrong[crypto_secretbox_KEYBYTES];
	unsigned char		 zero[crypto_sign_SECRETKEYBYTES] = { 0 };
	char			 kid[GH_KID_MAX + 1];
	struct gh_keyring	 good, bad;

	crypto_secretbox_keygen(secret);
	crypto_secretbox_keygen(wrong);
	assert_int_equal(gh_keys_generate(f->db, secret, kid), GH_OK);
	memset(&good, 0, sizeof(good));
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(gh_keys_load(f->db, secret, (int64_t)time(NULL),
	    &good), GH_OK);
	assert_int_equal(gh_keys_load(f->db, wrong, (int64_t)time(NULL),
	    &bad), GH_OK);
	assert_int_equal(bad.nkeys, 1);
	assert_string_equal(bad.keys[0].kid, kid);
	assert_int_equal(bad.keys[0].has_sk, 0);
	assert_memory_equal(bad.keys[0].sk, zero, sizeof(zero));
	assert_memory_equal(bad.keys[0].pk, good.keys[0].pk,
	    sizeof(good.keys[0].pk));
	gh_keys_wipe(&good);
	gh_keys_wipe(&bad);
}

static void
test_keys_several_distinct(void **state)
{
	struct fx		*f = *state;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	char			 k1[GH_KID_MAX + 1], k2[GH_KID_MAX + 1];
	struct gh_keyring	 ring;

	crypto_secretbox_keygen(secret);
	assert_int_equal(gh_keys_generate(f->db, secret, k1), GH_OK);
	assert_int_equal(gh_keys_generate(f->db, secret, k2), GH_OK);
	assert_string_not_equal(k1, k2);
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(gh_keys_load(f->db, secret, (int64_t)time(NULL),
	    &ring), GH_OK);
	assert_int_equal(ring.nkeys, 2);
	assert_non_null(gh_keys_find(&ring, k1));
	assert_non_null(gh_keys_find(&ring, k2));
	assert_memory_not_equal(gh_keys_find(&ring, k1)->pk,
	    gh_keys_find(&ring, k2)->pk, crypto_sign_PUBLICKEYBYTES);
	gh_keys_wipe(&ring);
}

static void
test_keys_newest_first(void **state)
{
	struct fx		*f = *state;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	char			 kids[GH_KEYS_MAX][GH_KID_MAX + 1];
	struct gh_keyring	 ring;
	size_t			 i, j;

	/* keys.h: "Loads the live keys, newest first" (the first signs).
	 * Keys made in quick succession (init then keys rotate) usually share
	 * one created_at second, so this checks the order among those too. */
	crypto_secretbox_keygen(secret);
	for (i = 0; i < GH_KEYS_MAX; i++)
		assert_int_equal(gh_keys_generate(f->db, secret, kids[i]),
		    GH_OK);
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(gh_keys_load(f->db, secret, (int64_t)time(NULL),
	    &ring), GH_OK);
	assert_int_equal(ring.nkeys, GH_KEYS_MAX);
	for (i = 0; i < GH_KEYS_MAX; i++) {
		for (j = 0; j < GH_KEYS_MAX; j++)
			if (strcmp(ring.keys[i].kid, kids[j]) == 0)
				break;
		if (j != GH_KEYS_MAX - 1 - i)
			fail_msg("ring position %zu holds key #%zu of %d, "
			    "want key #%zu (newest first)", i, j + 1,
			    GH_KEYS_MAX, (size_t)GH_KEYS_MAX - i);
	}
	gh_keys_wipe(&ring);
}

static void
test_keys_load_empty(void **state)
{
	struct fx		*f = *state;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	struct gh_keyring	 ring;

	crypto_secretbox_keygen(secret);
	memset(&ring, 0x11, sizeof(ring));
	assert_int_equal(gh_keys_load(f->db, secret, 1700000000, &ring),
	    GH_OK);
	assert_int_equal(ring.nkeys, 0);
	assert_int_equal(ring.loaded_at, 1700000000);
}

static void
test_keys_jwks_shape(void **state)
{
	struct fx		*f = *state;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
	char			 kid[GH_KID_MAX + 1];
	struct gh_keyring	 ring;
	json_object		*doc, *keys, *k, *v;
	const char		*x;
	size_t			 i, pklen;

	crypto_secretbox_keygen(secret);
	assert_int_equal(gh_keys_generate(f->db, secret, kid), GH_OK);
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(gh_keys_load(f->db, secret, (int64_t)time(NULL),
	    &ring), GH_OK);
	doc = gh_keys_jwks(&ring);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "keys", &keys));
	assert_true(json_object_is_type(keys, json_type_array));
	assert_int_equal(json_object_array_length(keys), 1);
	k = json_object_array_get_idx(keys, 0);
	assert_true(json_object_object_get_ex(k, "kty", &v));
	assert_string_equal(json_object_get_string(v), "OKP");
	assert_true(json_object_object_get_ex(k, "crv", &v));
	assert_string_equal(json_object_get_string(v), "Ed25519");
	assert_true(json_object_object_get_ex(k, "kid", &v));
	assert_string_equal(json_object_get_string(v), kid);
	assert_true(json_object_object_get_ex(k, "alg", &v));
	assert_string_equal(json_object_get_string(v), "EdDSA");
	assert_true(json_object_object_get_ex(k, "use", &v));
	assert_string_equal(json_object_get_string(v), "sig");
	assert_true(json_object_object_get_ex(k, "x", &v));
	x = json_object_get_string(v);
	assert_int_equal(strlen(x), 43);
	for (i = 0; i < 43; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", x[i]));
	assert_int_equal(sodium_base642bin(pk, sizeof(pk), x, strlen(x), NULL,
	    &pklen, NULL, B64URL), 0);
	assert_int_equal(pklen, sizeof(pk));
	assert_memory_equal(pk, ring.keys[0].pk, sizeof(pk));
	/* Never the secret half. */
	assert_false(json_object_object_get_ex(k, "d", NULL));
	json_object_put(doc);
	gh_keys_wipe(&ring);
}

static void
test_keys_jwks_empty_ring(void **state)
{
	struct gh_keyring	 ring;
	json_object		*doc, *keys;

	(void)state;
	memset(&ring, 0, sizeof(ring));
	doc = gh_keys_jwks(&ring);
	assert_true(json_object_object_get_ex(doc, "keys", &keys));
	assert_int_equal(json_object_array_length(keys), 0);
	json_object_put(doc);
}

/* ---- the commit stamp ------------------------------------------------ */

static void
stamp(struct gh_db *db, unsigned char out[GH_DB_STAMP_LEN])
{
	assert_int_equal(gh_db_stamp(db, out), GH_OK);
}

static void
test_stamp_steady_without_commits(void **state)
{
	struct fx	*f = *state;
	unsigned char	 a[GH_DB_STAMP_LEN], b[GH_DB_STAMP_LEN];

	stamp(f->db, a);
	assert_int_equal(count_users(f->db, "nobody"), 0);	/* a read */
	stamp(f->db, b);
	assert_memory_equal(a, b, sizeof(a));
}

static void
test_stamp_moves_on_own_commit(void **state)
{
	struct fx	*f = *state;
	unsigned char	 a[GH_DB_STAMP_LEN], b[GH_DB_STAMP_LEN];

	stamp(f->db, a);
	assert_int_equal(insert_user(f->db, "u-own", DEFAULT_APP, "own"),
	    GH_OK);
	stamp(f->db, b);
	assert_memory_not_equal(a, b, sizeof(a));
}

/* What the authorizer's cookie cache rests on: another connection's
 * commit (another process, the CLI, sqlite3) is seen at once, and so is a
 * rolled-back one's absence. */
static void
test_stamp_moves_on_other_connection_commit(void **state)
{
	struct fx	*f = *state;
	struct gh_db	*other;
	unsigned char	 a[GH_DB_STAMP_LEN], b[GH_DB_STAMP_LEN];
	unsigned char	 c[GH_DB_STAMP_LEN];

	assert_int_equal(gh_db_open(f->path, 0, &other), GH_OK);
	stamp(f->db, a);
	assert_int_equal(gh_db_begin(other, GH_DB_DURABLE), GH_OK);
	assert_int_equal(insert_user(other, "u-gone", DEFAULT_APP, "gone"),
	    GH_OK);
	gh_db_rollback(other);
	stamp(f->db, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(insert_user(other, "u-other", DEFAULT_APP, "other"),
	    GH_OK);
	stamp(f->db, c);
	assert_memory_not_equal(b, c, sizeof(b));
	gh_db_close(other);
}

static void
test_stamp_missing_index_is_unknown(void **state)
{
	struct fx	*f = *state;
	unsigned char	 a[GH_DB_STAMP_LEN];

	/* The index is opened at the first stamp: take it away before. */
	assert_int_equal(gh_db_open(f->path, 1, &f->db), GH_OK);
	rm(f->dir, "gatehouse.db-shm");
	assert_int_equal(gh_db_stamp(f->db, a), GH_ENOTFOUND);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
#define M(f)	cmocka_unit_test_setup_teardown(f, setup_migrated, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_missing_without_create),
		T(test_open_creates),
		T(test_migrate_applies_all_then_none),
		T(test_migrate_persists_across_open),
		M(test_default_application_exists),
		M(test_unknown_application),
		M(test_ping),
		M(test_every_statement_prepares),
		M(test_prepare_too_few_args),
		M(test_prepare_too_many_args),
		M(test_prepare_blob_takes_two),
		M(test_prepare_unknown_letter),
		M(test_prepare_null_text_binds_null),
		M(test_insert_and_read_back),
		M(test_rollback_leaves_no_row),
		M(test_commit_keeps_row),
		M(test_commit_survives_reopen),
		M(test_begin_twice_fails),
		M(test_unique_violation_is_conflict),
		M(test_primary_key_violation_is_conflict),
		M(test_foreign_keys_enforced),
		M(test_statement_usable_after_conflict),
		T(test_secret_create_then_read),
		T(test_secret_create_twice_keeps_first),
		T(test_secret_missing_without_create),
		T(test_secret_short_file),
		T(test_secret_long_file),
		T(test_secret_empty_file),
		M(test_keys_generate_load_round_trip),
		M(test_keys_other_secret_verify_only),
		M(test_keys_several_distinct),
		M(test_keys_newest_first),
		M(test_keys_load_empty),
		M(test_keys_jwks_shape),
		cmocka_unit_test(test_keys_jwks_empty_ring),
		M(test_stamp_steady_without_commits),
		M(test_stamp_moves_on_own_commit),
		M(test_stamp_moves_on_other_connection_commit),
		T(test_stamp_missing_index_is_unknown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
