/* Password hashing (argon2id through libsodium): lib/password.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "password.h"

/* Small parameters so the tests run fast. */
static const struct gh_password_params small = { 1, 8192 * 8 };
static const struct gh_password_params other_ops = { 2, 8192 * 8 };
static const struct gh_password_params other_mem = { 1, 8192 * 16 };

#define PW	"correct horse battery staple"

static char	 hash[GH_PASSWORD_HASH_MAX];	/* PW at small */

static int
group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (gh_password_hash(&small, PW, strlen(PW), hash) != GH_OK)
		return -1;
	return 0;
}

static void
test_hash_is_argon2id(void **state)
{
	(void)state;
	assert_int_equal(strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
	    strlen(crypto_pwhash_argon2id_STRPREFIX)), 0);
	assert_non_null(strstr(hash, "m=64,t=1,"));
}

static void
test_verify_right_password(void **state)
{
	(void)state;
	assert_int_equal(gh_password_verify(hash, PW, strlen(PW)), GH_OK);
}

static void
test_verify_wrong_password(void **state)
{
	(void)state;
	assert_int_equal(gh_password_verify(hash, "correct horse battery stapl",
	    strlen(PW) - 1), GH_EAUTH);
	assert_int_equal(gh_password_verify(hash, "Correct horse battery "
	    "staple", strlen(PW)), GH_EAUTH);
	assert_int_equal(gh_password_verify(hash, "", 0), GH_EAUTH);
}

static void
test_verify_uses_length_not_nul(void **state)
{
	char	 pw[] = PW "\0tail";

	(void)state;
	/* The same bytes followed by more are another password. */
	assert_int_equal(gh_password_verify(hash, pw, sizeof(pw) - 1),
	    GH_EAUTH);
	assert_int_equal(gh_password_verify(hash, pw, strlen(PW)), GH_OK);
}

static void
test_two_hashes_differ(void **state)
{
	char	 h2[GH_PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(gh_password_hash(&small, PW, strlen(PW), h2), GH_OK);
	assert_string_not_equal(hash, h2);	/* random salt */
	assert_int_equal(gh_password_verify(h2, PW, strlen(PW)), GH_OK);
}

static void
test_empty_password_round_trip(void **state)
{
	char	 h[GH_PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(gh_password_hash(&small, "", 0, h), GH_OK);
	assert_int_equal(gh_password_verify(h, "", 0), GH_OK);
	assert_int_equal(gh_password_verify(h, "x", 1), GH_EAUTH);
}

static void
test_verify_malformed_hash(void **state)
{
	(void)state;
	assert_int_equal(gh_password_verify("", PW, strlen(PW)), GH_EAUTH);
	assert_int_equal(gh_password_verify("not a hash", PW, strlen(PW)),
	    GH_EAUTH);
	assert_int_equal(gh_password_verify("$argon2id$", PW, strlen(PW)),
	    GH_EAUTH);
	assert_int_equal(gh_password_verify("$argon2id$v=19$m=64,t=1,p=1$"
	    "!!!!$????", PW, strlen(PW)), GH_EAUTH);
}

static void
test_verify_truncated_hash(void **state)
{
	char	 h[GH_PASSWORD_HASH_MAX];

	(void)state;
	memcpy(h, hash, sizeof(h));
	h[strlen(h) - 5] = '\0';
	assert_int_equal(gh_password_verify(h, PW, strlen(PW)), GH_EAUTH);
}

static void
test_verify_argon2i_hash_refused(void **state)
{
	char	 h[crypto_pwhash_STRBYTES];

	/* A correct argon2i hash of the right password: not our algorithm. */
	(void)state;
	assert_int_equal(crypto_pwhash_str_alg(h, PW, strlen(PW),
	    crypto_pwhash_argon2i_OPSLIMIT_MIN, 8192 * 8,
	    crypto_pwhash_ALG_ARGON2I13), 0);
	assert_int_equal(strncmp(h, "$argon2i$", 9), 0);
	assert_int_equal(crypto_pwhash_str_verify(h, PW, strlen(PW)), 0);
	assert_int_equal(gh_password_verify(h, PW, strlen(PW)), GH_EAUTH);
}

static void
test_needs_rehash_same_params(void **state)
{
	(void)state;
	assert_int_equal(gh_password_needs_rehash(&small, hash), 0);
}

static void
test_needs_rehash_other_opslimit(void **state)
{
	(void)state;
	assert_int_equal(gh_password_needs_rehash(&other_ops, hash), 1);
}

static void
test_needs_rehash_other_memlimit(void **state)
{
	(void)state;
	assert_int_equal(gh_password_needs_rehash(&other_mem, hash), 1);
}

static void
test_needs_rehash_malformed(void **state)
{
	(void)state;
	assert_int_equal(gh_password_needs_rehash(&small, "garbage"), 1);
}

static void
test_burn_runs(void **state)
{
	(void)state;
	gh_password_burn(&small, PW, strlen(PW));
	gh_password_burn(&small, "", 0);
	/* Other parameters make a new decoy; still nothing crashes. */
	gh_password_burn(&other_ops, PW, strlen(PW));
	/* And the real hash still verifies afterwards. */
	assert_int_equal(gh_password_verify(hash, PW, strlen(PW)), GH_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_is_argon2id),
		cmocka_unit_test(test_verify_right_password),
		cmocka_unit_test(test_verify_wrong_password),
		cmocka_unit_test(test_verify_uses_length_not_nul),
		cmocka_unit_test(test_two_hashes_differ),
		cmocka_unit_test(test_empty_password_round_trip),
		cmocka_unit_test(test_verify_malformed_hash),
		cmocka_unit_test(test_verify_truncated_hash),
		cmocka_unit_test(test_verify_argon2i_hash_refused),
		cmocka_unit_test(test_needs_rehash_same_params),
		cmocka_unit_test(test_needs_rehash_other_opslimit),
		cmocka_unit_test(test_needs_rehash_other_memlimit),
		cmocka_unit_test(test_needs_rehash_malformed),
		cmocka_unit_test(test_burn_runs),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
