/* Abuse controls: client addresses (lib/ip.h), rate limits
 * (lib/ratelimit.h) and sign-in backoff (lib/backoff.h). */
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

#include "backoff.h"
#include "breach.h"
#include "config.h"
#include "cookie.h"
#include "db.h"
#include "ip.h"
#include "policy.h"
#include "ratelimit.h"

/* ---- trusted proxies and the client address ------------------------ */

static void
test_cidrs_parse(void **state)
{
	struct gh_cidrs	 c;

	(void)state;
	assert_int_equal(gh_ip_parse_cidrs("", &c), GH_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(gh_ip_parse_cidrs(" 127.0.0.1, 10.0.0.0/8 ::1\t"
	    "fd00::/8,", &c), GH_OK);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.v[0].bits, 128);
	assert_int_equal(c.v[1].bits, 96 + 8);
	assert_int_equal(c.v[3].bits, 8);
}

static void
test_cidrs_refused(void **state)
{
	static const char *const bad[] = {
		"localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x",
		"10.0.0.0/8/8", "1.2.3", "1.2.3.4.5", "10.0.0.0/-1", "/8",
		"10.0.0.0/08x", "fe80::1%eth0",
	};
	struct gh_cidrs	 c;
	char		 many[40 * 12] = "";
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gh_ip_parse_cidrs(bad[i], &c), GH_EINVAL);
	for (i = 0; i < GH_IP_MAX_CIDRS + 1; i++)
		strcat(many, "10.0.0.1 ");
	assert_int_equal(gh_ip_parse_cidrs(many, &c), GH_EINVAL);
}

static void
test_trusted_prefixes(void **state)
{
	struct gh_cidrs	 c;

	(void)state;
	assert_int_equal(gh_ip_parse_cidrs("10.1.0.0/16 2001:db8::/33", &c),
	    GH_OK);
	assert_true(gh_ip_trusted(&c, "10.1.255.4"));
	assert_false(gh_ip_trusted(&c, "10.2.0.1"));
	assert_true(gh_ip_trusted(&c, "2001:db8:7fff::1"));
	assert_false(gh_ip_trusted(&c, "2001:db8:8000::1"));
	assert_false(gh_ip_trusted(&c, "::ffff:10.1.0.1") &&
	    !gh_ip_trusted(&c, "10.1.0.1"));
	assert_false(gh_ip_trusted(&c, "garbage"));
	assert_false(gh_ip_trusted(&c, NULL));
}

static void
key(const char *remote, const char *xff, const char *trusted,
    const char *want)
{
	struct gh_cidrs	 c;
	char		 out[GH_IP_KEY_LEN];

	assert_int_equal(gh_ip_parse_cidrs(trusted, &c), GH_OK);
	gh_ip_client_key(remote, xff, &c, out);
	assert_string_equal(out, want);
}

static void
test_client_key_without_proxies(void **state)
{
	(void)state;
	key("192.0.2.7", NULL, "", "192.0.2.7");
	/* Not a trusted proxy: its X-Forwarded-For is the client's claim. */
	key("192.0.2.7", "203.0.113.1", "", "192.0.2.7");
	key("192.0.2.7", "203.0.113.1", "10.0.0.0/8", "192.0.2.7");
	key(NULL, NULL, "", "unknown");
	key("", NULL, "", "unknown");
	key("not an address", NULL, "", "unknown");
}

static void
test_client_key_through_proxies(void **state)
{
	(void)state;
	key("10.0.0.1", "203.0.113.9", "10.0.0.0/8", "203.0.113.9");
	/* Right to left, skipping our own proxies. */
	key("10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.2", "10.0.0.0/8",
	    "203.0.113.9");
	/* Everything trusted: the leftmost hop. */
	key("10.0.0.1", "10.0.0.3,10.0.0.2", "10.0.0.0/8", "10.0.0.3");
	/* Garbage stops the walk at the last address read. */
	key("10.0.0.1", "x, 10.0.0.2", "10.0.0.0/8", "10.0.0.2");
	key("10.0.0.1", "", "10.0.0.0/8", "10.0.0.1");
	key("10.0.0.1", ",,,", "10.0.0.0/8", "10.0.0.1");
	/* Ports and brackets some proxies add. */
	key("10.0.0.1", "203.0.113.9:5555", "10.0.0.0/8", "203.0.113.9");
	key("10.0.0.1", "[2001:db8::1]:443", "10.0.0.0/8", "2001:db8::/64");
}

static void
test_ipv6_keyed_by_64(void **state)
{
	(void)state;
	key("2001:db8:1:2:3:4:5:6", NULL, "", "2001:db8:1:2::/64");
	key("2001:db8:1:2::ffff", NULL, "", "2001:db8:1:2::/64");
	key("::1", "2001:db8::1", "::1", "2001:db8::/64");
	/* IPv4-mapped: the IPv4 address, not a share of ::/64. */
	key("::ffff:192.0.2.1", NULL, "", "192.0.2.1");
	key("::ffff:192.0.2.2", NULL, "", "192.0.2.2");
	key("10.0.0.1", "::ffff:203.0.113.9", "10.0.0.0/8", "203.0.113.9");
}

static void
test_client_whole_address(void **state)
{
	struct gh_cidrs	 c;
	char		 out[GH_IP_KEY_LEN];

	(void)state;
	assert_int_equal(gh_ip_parse_cidrs("::1", &c), GH_OK);
	gh_ip_client("::1", "2001:db8::1:2", &c, out);
	assert_string_equal(out, "2001:db8::1:2");
	gh_ip_client("192.0.2.1", NULL, &c, out);
	assert_string_equal(out, "192.0.2.1");
}

/* ---- the database-backed parts ------------------------------------- */

struct fx {
	char		 dir[64];
	char		 path[128];
	struct gh_db	*db;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	int		 applied;

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/gh-test-abuse-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/gatehouse.db", f->dir);
	if (gh_db_open(f->path, 1, &f->db) != GH_OK ||
	    gh_db_migrate(f->db, &applied) != GH_OK)
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

static enum gh_err
take(struct gh_db *db, const char *k, int64_t count, int64_t period,
    int64_t now_ms, int64_t *retry_after)
{
	struct gh_rate	 r = { count, period };

	return gh_ratelimit_take(db, k, &r, now_ms, retry_after);
}

static void
test_rate_burst_then_refill(void **state)
{
	struct fx	*f = *state;
	int64_t		 ra, t = 1700000000000LL;
	int		 i;

	/* 3 per 30 s: a burst of 3, then one every 10 s. */
	for (i = 0; i < 3; i++)
		assert_int_equal(take(f->db, "k", 3, 30, t, &ra), GH_OK);
	assert_int_equal(take(f->db, "k", 3, 30, t, &ra), GH_ELIMIT);
	assert_int_equal(ra, 10);
	assert_int_equal(take(f->db, "k", 3, 30, t + 4000, &ra), GH_ELIMIT);
	assert_int_equal(ra, 6);
	assert_int_equal(take(f->db, "k", 3, 30, t + 10000, &ra), GH_OK);
	assert_int_equal(take(f->db, "k", 3, 30, t + 10000, &ra), GH_ELIMIT);
	/* A long quiet time gives the whole burst back, no more. */
	t += 1000000;
	for (i = 0; i < 3; i++)
		assert_int_equal(take(f->db, "k", 3, 30, t, &ra), GH_OK);
	assert_int_equal(take(f->db, "k", 3, 30, t, &ra), GH_ELIMIT);
}

static void
test_rate_keys_apart_and_off(void **state)
{
	struct fx	*f = *state;
	int64_t		 ra, t = 1700000000000LL;
	char		 longkey[GH_RATELIMIT_KEY_MAX + 2];

	assert_int_equal(take(f->db, "a", 1, 60, t, &ra), GH_OK);
	assert_int_equal(take(f->db, "a", 1, 60, t, &ra), GH_ELIMIT);
	assert_int_equal(take(f->db, "b", 1, 60, t, &ra), GH_OK);
	/* Off: always allowed, nothing written. */
	assert_int_equal(take(f->db, "a", 0, 1, t, &ra), GH_OK);
	assert_int_equal(ra, 0);
	memset(longkey, 'x', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(take(f->db, longkey, 1, 60, t, &ra), GH_EINVAL);
}

static void
test_rate_retry_after_rounds_up(void **state)
{
	struct fx	*f = *state;
	int64_t		 ra, t = 1700000000000LL;

	assert_int_equal(take(f->db, "r", 1, 3, t, &ra), GH_OK);
	assert_int_equal(take(f->db, "r", 1, 3, t + 1, &ra), GH_ELIMIT);
	assert_int_equal(ra, 3);	/* 2.999 s */
	assert_int_equal(take(f->db, "r", 1, 3, t + 2999, &ra), GH_ELIMIT);
	assert_int_equal(ra, 1);	/* never 0 */
	assert_int_equal(take(f->db, "r", 1, 3, t + 3000, &ra), GH_OK);
}

static void
cfg_backoff(struct gh_config *c)
{
	char	 err[256];

	assert_int_equal(gh_config_load_from(c, NULL, NULL, err, sizeof(err)),
	    GH_OK);
	c->sign_in_backoff_after = 3;
	c->sign_in_backoff_base = 10;
	c->sign_in_backoff_max = 35;
	c->sign_in_backoff_reset = 3600;
}

static enum gh_err
count_failure(struct gh_db *db, const struct gh_config *c, const unsigned char *k,
    int64_t now, int64_t *locked_for)
{
	enum gh_err	 er;

	assert_int_equal(gh_db_begin(db, GH_DB_RELAXED), GH_OK);
	er = gh_backoff_fail(db, c, k, now, locked_for);
	assert_int_equal(gh_db_commit(db), GH_OK);
	return er;
}

static void
test_backoff_locks_doubles_and_caps(void **state)
{
	struct fx		*f = *state;
	struct gh_config	 c;
	unsigned char		 secret[crypto_secretbox_KEYBYTES] = { 1 };
	unsigned char		 k[GH_BACKOFF_KEY_BYTES];
	int64_t			 lf, ra, now = 1700000000;

	cfg_backoff(&c);
	gh_backoff_key(secret, "app", "email", "Who@Example.com", k);
	assert_int_equal(gh_backoff_check(f->db, k, now, &ra), GH_OK);
	assert_int_equal(count_failure(f->db, &c, k, now, &lf), GH_OK);
	assert_int_equal(lf, 0);
	assert_int_equal(count_failure(f->db, &c, k, now, &lf), GH_OK);
	assert_int_equal(lf, 0);
	assert_int_equal(count_failure(f->db, &c, k, now, &lf), GH_OK);
	assert_int_equal(lf, 10);
	assert_int_equal(gh_backoff_check(f->db, k, now + 3, &ra), GH_ELIMIT);
	assert_int_equal(ra, 7);
	assert_int_equal(gh_backoff_check(f->db, k, now + 10, &ra), GH_OK);
	assert_int_equal(count_failure(f->db, &c, k, now + 10, &lf), GH_OK);
	assert_int_equal(lf, 20);
	assert_int_equal(count_failure(f->db, &c, k, now + 30, &lf), GH_OK);
	assert_int_equal(lf, 35);	/* 40, capped */
	/* An hour without failures forgets them. */
	assert_int_equal(count_failure(f->db, &c, k, now + 30 + 3600, &lf), GH_OK);
	assert_int_equal(lf, 0);
}

static void
test_backoff_clear_and_keys(void **state)
{
	struct fx		*f = *state;
	struct gh_config	 c;
	unsigned char		 secret[crypto_secretbox_KEYBYTES] = { 1 };
	unsigned char		 other[crypto_secretbox_KEYBYTES] = { 2 };
	unsigned char		 k[GH_BACKOFF_KEY_BYTES], k2[GH_BACKOFF_KEY_BYTES];
	int64_t			 lf, ra, now = 1700000000;
	int			 i;

	cfg_backoff(&c);
	gh_backoff_key(secret, "app", "email", "a@example.com", k);
	gh_backoff_key(secret, "app", "email", "A@EXAMPLE.COM", k2);
	assert_memory_equal(k, k2, sizeof(k));	/* folded */
	gh_backoff_key(secret, "app", "username", "a@example.com", k2);
	assert_memory_not_equal(k, k2, sizeof(k));
	gh_backoff_key(secret, "app2", "email", "a@example.com", k2);
	assert_memory_not_equal(k, k2, sizeof(k));
	gh_backoff_key(other, "app", "email", "a@example.com", k2);
	assert_memory_not_equal(k, k2, sizeof(k));
	for (i = 0; i < 3; i++)
		assert_int_equal(count_failure(f->db, &c, k, now, &lf), GH_OK);
	assert_int_equal(gh_backoff_check(f->db, k, now, &ra), GH_ELIMIT);
	assert_int_equal(gh_db_begin(f->db, GH_DB_RELAXED), GH_OK);
	assert_int_equal(gh_backoff_clear(f->db, k), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
	assert_int_equal(gh_backoff_check(f->db, k, now, &ra), GH_OK);
}

/* ---- password policy and range bodies ------------------------------ */

#define SUFFIX	"1E4C9B93F3F0682250B6CF8331B7EE68FD8"	/* "password" */

static void
test_range_body_matches(void **state)
{
	static const char body[] =
	    "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n"
	    SUFFIX ":9545824\r\n"
	    "011053FD0102E94D6AE2F8B83D76FAF94F6:0";
	static const char lower[] = "1e4c9b93f3f0682250b6cf8331b7ee68fd8:3";
	static const char padded[] = SUFFIX ":0\n0018A45C4D1DEF81644B54AB7F969B88D65:2";

	(void)state;
	assert_int_equal(gh_breach_range_has(body, strlen(body), SUFFIX),
	    GH_BREACH_YES);
	assert_int_equal(gh_breach_range_has(lower, strlen(lower), SUFFIX),
	    GH_BREACH_YES);
	assert_int_equal(gh_breach_range_has(padded, strlen(padded), SUFFIX),
	    GH_BREACH_NO);	/* count 0 is padding */
	assert_int_equal(gh_breach_range_has(body, strlen(body),
	    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), GH_BREACH_NO);
}

static void
test_range_body_refused(void **state)
{
	static const char *const bad[] = {
		"", "<html></html>", SUFFIX, SUFFIX ":", SUFFIX ":12x",
		SUFFIX "0:1", "1E4C9B93F3F0682250B6CF8331B7EE68FD:1",
		"GE4C9B93F3F0682250B6CF8331B7EE68FD8:1", SUFFIX ":1\r\r\n",
		"\n",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gh_breach_range_has(bad[i], strlen(bad[i]),
		    SUFFIX), GH_BREACH_UNKNOWN);
}

static void
test_policy_lengths_and_identifiers(void **state)
{
	struct gh_config	 c;
	char			 err[256], buf[96];

	(void)state;
	assert_int_equal(gh_config_load_from(&c, NULL, NULL, err, sizeof(err)),
	    GH_OK);
	assert_int_equal(gh_policy_password(&c, "1234567", 7, NULL, NULL),
	    GH_POLICY_LENGTH);
	assert_int_equal(gh_policy_password(&c, "12345678", 8, NULL, NULL),
	    GH_POLICY_OK);
	/* Code points, not bytes: 8 two-byte letters. */
	assert_int_equal(gh_policy_password(&c, "\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 16, NULL, NULL),
	    GH_POLICY_OK);
	assert_int_equal(gh_policy_password(&c, "xxJane.Doexx", 12,
	    "jane.doe@example.com", NULL), GH_POLICY_IDENTIFIER);
	assert_int_equal(gh_policy_password(&c, "jane.doe@example.com", 20,
	    "jane.doe@example.com", NULL), GH_POLICY_IDENTIFIER);
	assert_int_equal(gh_policy_password(&c, "my name is jdoe!", 16,
	    NULL, "JDoe"), GH_POLICY_IDENTIFIER);
	/* Three letters are too common to police. */
	assert_int_equal(gh_policy_password(&c, "bob likes cake", 14,
	    "bob@example.com", "bob"), GH_POLICY_OK);
	c.password_min_length = 12;
	c.password_max_length = 12;
	assert_int_equal(gh_policy_password(&c, "123456789012", 12, NULL,
	    NULL), GH_POLICY_OK);
	assert_int_equal(gh_policy_password(&c, "1234567890123", 13, NULL,
	    NULL), GH_POLICY_LENGTH);
	assert_string_equal(gh_policy_param(&c, GH_POLICY_LENGTH, buf,
	    sizeof(buf)), "length");
	assert_string_equal(buf, "12..12 characters");
	assert_string_equal(gh_policy_param(&c, GH_POLICY_BREACHED, buf,
	    sizeof(buf)), "breached");
}

static void
test_policy_unreachable_service(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(gh_config_load_from(&c, NULL, NULL, err, sizeof(err)),
	    GH_OK);
	c.breached_password_check = 1;
	c.breached_password_timeout_ms = 500;
	/* Port 9 (discard) on loopback: nothing listens. */
	snprintf(c.breached_password_url, sizeof(c.breached_password_url),
	    "http://127.0.0.1:9/range/");
	assert_int_equal(gh_policy_password(&c, "a fine password", 15, NULL,
	    NULL), GH_POLICY_OK);
	snprintf(c.breached_password_on_error,
	    sizeof(c.breached_password_on_error), "refuse");
	assert_int_equal(gh_policy_password(&c, "a fine password", 15, NULL,
	    NULL), GH_POLICY_UNCHECKED);
	/* Not http(s): refused by curl, so unknown too. */
	snprintf(c.breached_password_url, sizeof(c.breached_password_url),
	    "file:///etc/");
	assert_int_equal(gh_policy_password(&c, "a fine password", 15, NULL,
	    NULL), GH_POLICY_UNCHECKED);
}

/* ---- redirect targets (no open redirect) ---------------------------- */

static void
test_redirect_targets(void **state)
{
	static const char *const good[] = {
		"/", "/private/x?a=1", "https://app.example.com/after",
		"http://127.0.0.1:8080/ui/me", "https://APP.example.com",
	};
	static const char *const bad[] = {
		"", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
		"https://evil.example/", "https://app.example.com.evil.example/",
		"https://app.example.com@evil.example/",
		"https://user@app.example.com/", "ftp://app.example.com/",
		"https://app.example.com:444/", "http://app.example.com/",
		"https://app.example.com/a\\b", "https://app.example.com/\r\n",
		"data:text/html,x", "relative/path",
	};
	struct gh_config	 c;
	char			 err[256];
	size_t			 i;

	(void)state;
	assert_int_equal(gh_config_load_from(&c, NULL, NULL, err, sizeof(err)),
	    GH_OK);
	snprintf(c.allowed_origins, sizeof(c.allowed_origins),
	    "https://app.example.com https://admin.example.com");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(gh_redirect_allowed(&c, good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gh_redirect_allowed(&c, bad[i]))
			fail_msg("allowed: %s", bad[i]);
	assert_false(gh_redirect_allowed(&c, NULL));
}

#define D(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidrs_parse),
		cmocka_unit_test(test_cidrs_refused),
		cmocka_unit_test(test_trusted_prefixes),
		cmocka_unit_test(test_client_key_without_proxies),
		cmocka_unit_test(test_client_key_through_proxies),
		cmocka_unit_test(test_ipv6_keyed_by_64),
		cmocka_unit_test(test_client_whole_address),
		D(test_rate_burst_then_refill),
		D(test_rate_keys_apart_and_off),
		D(test_rate_retry_after_rounds_up),
		D(test_backoff_locks_doubles_and_caps),
		D(test_backoff_clear_and_keys),
		cmocka_unit_test(test_range_body_matches),
		cmocka_unit_test(test_range_body_refused),
		cmocka_unit_test(test_policy_lengths_and_identifiers),
		cmocka_unit_test(test_policy_unreachable_service),
		cmocka_unit_test(test_redirect_targets),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
