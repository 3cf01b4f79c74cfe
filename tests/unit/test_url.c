/* lib/url.c: percent-decoding and encoding (RFC 3986 §2.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "url.h"

static void
expect_decode(const char *in, unsigned flags, const char *want)
{
	char	*got = gh_url_decode(in, strlen(in), flags);

	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

static void
test_decode_plain_and_escapes(void **state)
{
	(void)state;
	expect_decode("abc", 0, "abc");
	expect_decode("a%20b%2fc", 0, "a b/c");
	expect_decode("%C3%A9", 0, "\xc3\xa9");
	expect_decode("", 0, "");
}

static void
test_decode_plus(void **state)
{
	(void)state;
	expect_decode("a+b", 0, "a+b");
	expect_decode("a+b", GH_URL_PLUS_SPACE, "a b");
}

static void
test_decode_refuses_malformed(void **state)
{
	(void)state;
	expect_decode("%", 0, NULL);
	expect_decode("%4", 0, NULL);
	expect_decode("%zz", 0, NULL);
	expect_decode("a%g0", 0, NULL);
}

static void
test_decode_refuses_nul_and_slash(void **state)
{
	(void)state;
	expect_decode("a%00b", 0, NULL);
	expect_decode("a%2Fb", GH_URL_NO_SLASH, NULL);
	expect_decode("a%2fb", GH_URL_NO_SLASH, NULL);
}

static void
test_encode(void **state)
{
	char	*e;

	(void)state;
	e = gh_url_encode("/private/x.cgi?a=1&b=two words");
	assert_non_null(e);
	assert_string_equal(e, "/private/x.cgi%3Fa%3D1%26b%3Dtwo%20words");
	free(e);
	e = gh_url_encode("-._~AZaz09\xc3\xa9");
	assert_non_null(e);
	assert_string_equal(e, "-._~AZaz09%C3%A9");
	free(e);
}

static void
test_encode_decode_round_trip(void **state)
{
	const char	*in = "a b&c=d/%e\xe2\x82\xac";
	char		*e, *d;

	(void)state;
	e = gh_url_encode(in);
	assert_non_null(e);
	d = gh_url_decode(e, strlen(e), 0);
	assert_non_null(d);
	assert_string_equal(d, in);
	free(e);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_plain_and_escapes),
		cmocka_unit_test(test_decode_plus),
		cmocka_unit_test(test_decode_refuses_malformed),
		cmocka_unit_test(test_decode_refuses_nul_and_slash),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_decode_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
