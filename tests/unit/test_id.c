/* UUIDv7 identifiers: lib/id.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "id.h"

/*
 * The generator keeps its last time in the process, so the tests that pass
 * their own time run after the ones on the real clock and each uses a time
 * later than the one before (starting far in the future).
 */
#define FUTURE_MS	((uint64_t)0x0234567890abULL)	/* year 2047 */

static int
group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The 48-bit unix_ts_ms field. */
static uint64_t
id_ms(const char *id)
{
	uint64_t	 ms = 0;
	size_t		 i;

	for (i = 0; i < 13; i++) {
		if (i == 8)
			continue;	/* the dash */
		assert_true(hexval(id[i]) >= 0);
		ms = ms << 4 | (uint64_t)hexval(id[i]);
	}
	return ms;
}

static void
assert_v7_form(const char *id)
{
	size_t	 i;

	assert_int_equal(strlen(id), GH_ID_LEN);
	for (i = 0; i < GH_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(id[i], '-');
		else if (hexval(id[i]) < 0)
			fail_msg("id %s: character %zu is not lower-case hex",
			    id, i);
	}
	assert_int_equal(id[14], '7');			/* version */
	assert_true(strchr("89ab", id[19]) != NULL);	/* variant 10xx */
	assert_true(gh_id_is_valid(id));
}

/* ---- form ---------------------------------------------------------- */

static void
test_new_form(void **state)
{
	char	 id[GH_ID_LEN + 1];

	(void)state;
	gh_id_new(id);
	assert_v7_form(id);
}

static void
test_new_timestamp_is_now(void **state)
{
	char		 id[GH_ID_LEN + 1];
	struct timespec	 ts;
	uint64_t	 before, after;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000u +
	    (uint64_t)ts.tv_nsec / 1000000u;
	gh_id_new(id);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	assert_true(id_ms(id) >= before);
	/* A borrowed millisecond or two is allowed after bursts. */
	assert_true(id_ms(id) <= after + 1000);
}

static void
test_many_have_v7_form(void **state)
{
	char	 id[GH_ID_LEN + 1];
	int	 i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		gh_id_new(id);
		assert_v7_form(id);
	}
}

static void
test_strictly_increasing_tight_loop(void **state)
{
	char	 prev[GH_ID_LEN + 1], cur[GH_ID_LEN + 1];
	int	 i;

	(void)state;
	gh_id_new(prev);
	for (i = 0; i < 10000; i++) {
		gh_id_new(cur);
		if (strcmp(prev, cur) >= 0)
			fail_msg("id %d: %s not after %s", i, cur, prev);
		memcpy(prev, cur, sizeof(prev));
	}
}

static void
test_distinct_random_bits(void **state)
{
	char	 a[GH_ID_LEN + 1], b[GH_ID_LEN + 1];

	(void)state;
	gh_id_new(a);
	gh_id_new(b);
	/* rand_b (the last 62 bits) is fresh for every id. */
	assert_string_not_equal(a + 19, b + 19);
}

/* ---- given times (after the real-clock tests) ---------------------- */

static void
test_timestamp_bits_match(void **state)
{
	char	 id[GH_ID_LEN + 1];

	(void)state;
	gh_id_new_at(id, FUTURE_MS);
	assert_v7_form(id);
	assert_int_equal(id_ms(id), FUTURE_MS);
	assert_int_equal(strncmp(id, "02345678-90ab-7", 15), 0);
}

static void
test_same_ms_increases(void **state)
{
	char	 a[GH_ID_LEN + 1], b[GH_ID_LEN + 1];

	(void)state;
	gh_id_new_at(a, FUTURE_MS + 1000);
	gh_id_new_at(b, FUTURE_MS + 1000);
	assert_true(strcmp(a, b) < 0);
	assert_int_equal(id_ms(a), FUTURE_MS + 1000);
	assert_int_equal(id_ms(b), FUTURE_MS + 1000);
	assert_v7_form(b);
}

static void
test_clock_going_back_stays_monotonic(void **state)
{
	char	 a[GH_ID_LEN + 1], b[GH_ID_LEN + 1];

	(void)state;
	gh_id_new_at(a, FUTURE_MS + 2000);
	gh_id_new_at(b, FUTURE_MS + 1500);
	assert_true(strcmp(a, b) < 0);
	assert_true(id_ms(b) >= FUTURE_MS + 2000);
	assert_v7_form(b);
}

static void
test_real_clock_after_future_stays_monotonic(void **state)
{
	char	 a[GH_ID_LEN + 1], b[GH_ID_LEN + 1];

	(void)state;
	gh_id_new_at(a, FUTURE_MS + 3000);
	gh_id_new(b);
	assert_true(strcmp(a, b) < 0);
}

static void
test_counter_overflow_in_one_ms(void **state)
{
	char	 prev[GH_ID_LEN + 1], cur[GH_ID_LEN + 1];
	int	 i;

	/* More ids than the 12-bit counter holds: still increasing, and
	 * the time runs ahead by a millisecond or two, no more. */
	(void)state;
	gh_id_new_at(prev, FUTURE_MS + 5000);
	for (i = 0; i < 6000; i++) {
		gh_id_new_at(cur, FUTURE_MS + 5000);
		if (strcmp(prev, cur) >= 0)
			fail_msg("id %d: %s not after %s", i, cur, prev);
		assert_true(cur[14] == '7');
		memcpy(prev, cur, sizeof(prev));
	}
	assert_true(id_ms(prev) > FUTURE_MS + 5000);
	assert_true(id_ms(prev) <= FUTURE_MS + 5004);
}

static void
test_later_ms_after_burst(void **state)
{
	char	 a[GH_ID_LEN + 1];

	(void)state;
	gh_id_new_at(a, FUTURE_MS + 9000);
	assert_int_equal(id_ms(a), FUTURE_MS + 9000);
}

/* ---- gh_id_is_valid ------------------------------------------------ */

static void
test_is_valid_good(void **state)
{
	(void)state;
	assert_true(gh_id_is_valid("0190c2a4-1111-7aaa-8bbb-123456789abc"));
	assert_true(gh_id_is_valid("00000000-0000-0000-0000-000000000000"));
	/* Any version. */
	assert_true(gh_id_is_valid("f47ac10b-58cc-4372-a567-0e02b2c3d479"));
}

static void
test_is_valid_upper_case(void **state)
{
	(void)state;
	assert_false(gh_id_is_valid("0190C2A4-1111-7AAA-8BBB-123456789ABC"));
	assert_false(gh_id_is_valid("0190c2a4-1111-7aaa-8bbb-123456789abC"));
}

static void
test_is_valid_dashes(void **state)
{
	(void)state;
	assert_false(gh_id_is_valid("0190c2a41111-7aaa-8bbb-123456789abc-"));
	assert_false(gh_id_is_valid("0190c2a4-11117-aaa-8bbb-123456789abc"));
	assert_false(gh_id_is_valid("0190c2a4_1111_7aaa_8bbb_123456789abc"));
	assert_false(gh_id_is_valid("0190c2a4111117aaa08bbb0123456789abc0"));
}

static void
test_is_valid_length(void **state)
{
	(void)state;
	assert_false(gh_id_is_valid(""));
	assert_false(gh_id_is_valid("0190c2a4-1111-7aaa-8bbb-123456789ab"));
	assert_false(gh_id_is_valid("0190c2a4-1111-7aaa-8bbb-123456789abcd"));
	assert_false(gh_id_is_valid("{0190c2a4-1111-7aaa-8bbb-123456789abc}"));
	assert_false(gh_id_is_valid(NULL));
}

static void
test_is_valid_non_hex(void **state)
{
	(void)state;
	assert_false(gh_id_is_valid("0190c2a4-1111-7aaa-8bbb-123456789abg"));
	assert_false(gh_id_is_valid("0190c2a4-1111-7aaa-8bbb-12345678 abc"));
	assert_false(gh_id_is_valid("../../../../etc/passwd/xxxxxxxxxxxxx"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_form),
		cmocka_unit_test(test_new_timestamp_is_now),
		cmocka_unit_test(test_many_have_v7_form),
		cmocka_unit_test(test_strictly_increasing_tight_loop),
		cmocka_unit_test(test_distinct_random_bits),
		cmocka_unit_test(test_timestamp_bits_match),
		cmocka_unit_test(test_same_ms_increases),
		cmocka_unit_test(test_clock_going_back_stays_monotonic),
		cmocka_unit_test(test_real_clock_after_future_stays_monotonic),
		cmocka_unit_test(test_counter_overflow_in_one_ms),
		cmocka_unit_test(test_later_ms_after_burst),
		cmocka_unit_test(test_is_valid_good),
		cmocka_unit_test(test_is_valid_upper_case),
		cmocka_unit_test(test_is_valid_dashes),
		cmocka_unit_test(test_is_valid_length),
		cmocka_unit_test(test_is_valid_non_hex),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
