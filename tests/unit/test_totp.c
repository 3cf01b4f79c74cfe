/* TOTP (RFC 6238), base32 (RFC 4648) and the otpauth URI: lib/totp.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "totp.h"

/* RFC 6238 Appendix B: the SHA-1 key and its 8-digit codes, of which an
 * authenticator shows the last 6. */
static const unsigned char rfc_key[] = "12345678901234567890";

static void
test_rfc6238_vectors(void **state)
{
	static const struct {
		int64_t		 t;
		const char	*code;
	} v[] = {
		{ 59, "287082" }, { 1111111109, "081804" },
		{ 1111111111, "050471" }, { 1234567890, "005924" },
		{ 2000000000, "279037" }, { 20000000000LL, "353130" },
	};
	char	 out[GH_TOTP_DIGITS + 1];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		gh_totp_code(rfc_key, 20, v[i].t / 30, out);
		assert_string_equal(out, v[i].code);
	}
}

static void
test_match_window_and_replay(void **state)
{
	char	 prev[7], cur[7], next[7], old[7];
	int64_t	 now = 1234567890, step = now / 30;

	(void)state;
	gh_totp_code(rfc_key, 20, step - 1, prev);
	gh_totp_code(rfc_key, 20, step, cur);
	gh_totp_code(rfc_key, 20, step + 1, next);
	gh_totp_code(rfc_key, 20, step - 2, old);
	assert_int_equal(gh_totp_match(rfc_key, 20, prev, now, 0), step - 1);
	assert_int_equal(gh_totp_match(rfc_key, 20, cur, now, 0), step);
	assert_int_equal(gh_totp_match(rfc_key, 20, next, now, 0), step + 1);
	assert_int_equal(gh_totp_match(rfc_key, 20, old, now, 0), 0);
	/* A step at or below the last one used is not accepted again. */
	assert_int_equal(gh_totp_match(rfc_key, 20, cur, now, step), 0);
	assert_int_equal(gh_totp_match(rfc_key, 20, prev, now, step), 0);
	assert_int_equal(gh_totp_match(rfc_key, 20, next, now, step), step + 1);
	/* Not six digits. */
	assert_int_equal(gh_totp_match(rfc_key, 20, "12345", now, 0), 0);
	assert_int_equal(gh_totp_match(rfc_key, 20, "1234567", now, 0), 0);
	assert_int_equal(gh_totp_match(rfc_key, 20, "12a456", now, 0), 0);
	assert_int_equal(gh_totp_match(rfc_key, 20, "", now, 0), 0);
}

static void
test_base32(void **state)
{
	static const struct {
		const char	*plain, *b32;
	} v[] = {	/* RFC 4648 §10, without the padding */
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char		 out[64];
	unsigned char	 bin[64];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		gh_totp_base32((const unsigned char *)v[i].plain,
		    strlen(v[i].plain), out, sizeof(out));
		assert_string_equal(out, v[i].b32);
		assert_int_equal(gh_totp_unbase32(v[i].b32, bin, sizeof(bin),
		    &n), 0);
		assert_int_equal(n, strlen(v[i].plain));
		assert_memory_equal(bin, v[i].plain, n);
	}
	/* Lower case and spaces as people type them. */
	assert_int_equal(gh_totp_unbase32("mzxw 6ytb oi", bin, sizeof(bin),
	    &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(gh_totp_unbase32("MZXW1", bin, sizeof(bin), &n), -1);
	assert_int_equal(gh_totp_unbase32("MZXW=", bin, sizeof(bin), &n), -1);
	assert_int_equal(gh_totp_unbase32("MZXW6YTBOI", bin, 3, &n), -1);
}

static void
test_uri_and_qr(void **state)
{
	char	*uri, *svg;

	(void)state;
	uri = gh_totp_uri("Acme Co", "ada@example.com", "JBSWY3DPEHPK3PXP");
	assert_string_equal(uri, "otpauth://totp/Acme%20Co:ada%40example.com?"
	    "secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Co&algorithm=SHA1&"
	    "digits=6&period=30");
	svg = gh_totp_qr_svg(uri);
	assert_non_null(svg);
	assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
	    39) == 0);
	assert_non_null(strstr(svg, "h1v1h-1z"));
	assert_non_null(strstr(svg, "</svg>"));
	free(svg);
	free(uri);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_match_window_and_replay),
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_uri_and_qr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
