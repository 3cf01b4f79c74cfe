/* Requests and responses (the parts without a web server): lib/http.h. */
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

#include "http.h"
#include "http_io.h"

static int
group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

/* ---- gh_http_parse_length ------------------------------------------ */

static void
test_length_empty_and_null(void **state)
{
	int64_t	 n = 99;

	(void)state;
	assert_int_equal(gh_http_parse_length("", &n), GH_OK);
	assert_int_equal(n, 0);
	n = 99;
	assert_int_equal(gh_http_parse_length(NULL, &n), GH_OK);
	assert_int_equal(n, 0);
}

static void
test_length_digits(void **state)
{
	int64_t	 n = 0;

	(void)state;
	assert_int_equal(gh_http_parse_length("123", &n), GH_OK);
	assert_int_equal(n, 123);
	assert_int_equal(gh_http_parse_length("0", &n), GH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gh_http_parse_length("007", &n), GH_OK);
	assert_int_equal(n, 7);
	assert_int_equal(gh_http_parse_length("922337203685477579", &n),
	    GH_OK);
	assert_int_equal(n, 922337203685477579LL);
}

static void
test_length_negative(void **state)
{
	int64_t	 n;

	(void)state;
	assert_int_equal(gh_http_parse_length("-1", &n), GH_EINVAL);
	assert_int_equal(gh_http_parse_length("+1", &n), GH_EINVAL);
}

static void
test_length_not_digits(void **state)
{
	int64_t	 n;

	(void)state;
	assert_int_equal(gh_http_parse_length("1e3", &n), GH_EINVAL);
	assert_int_equal(gh_http_parse_length("0x10", &n), GH_EINVAL);
	assert_int_equal(gh_http_parse_length("12abc", &n), GH_EINVAL);
	assert_int_equal(gh_http_parse_length("1.0", &n), GH_EINVAL);
}

static void
test_length_spaces(void **state)
{
	int64_t	 n;

	(void)state;
	assert_int_equal(gh_http_parse_length(" 1", &n), GH_EINVAL);
	assert_int_equal(gh_http_parse_length("1 ", &n), GH_EINVAL);
	assert_int_equal(gh_http_parse_length("1 2", &n), GH_EINVAL);
}

static void
test_length_overflow(void **state)
{
	int64_t	 n;

	(void)state;
	assert_int_equal(gh_http_parse_length("99999999999999999999999", &n),
	    GH_EINVAL);
	assert_int_equal(gh_http_parse_length("18446744073709551616", &n),
	    GH_EINVAL);
	assert_int_equal(gh_http_parse_length("9223372036854775808", &n),
	    GH_EINVAL);
}

static void
test_length_out_zero_on_error(void **state)
{
	int64_t	 n = 55;

	(void)state;
	assert_int_equal(gh_http_parse_length("5x", &n), GH_EINVAL);
	assert_true(n == 0 || n == 55);
	assert_int_not_equal(n, 5);
}

/* ---- gh_http_is_json_type ------------------------------------------ */

static void
test_json_type_plain(void **state)
{
	(void)state;
	assert_true(gh_http_is_json_type("application/json"));
}

static void
test_json_type_with_parameters(void **state)
{
	(void)state;
	assert_true(gh_http_is_json_type("application/json; charset=utf-8"));
	assert_true(gh_http_is_json_type("application/json;charset=UTF-8"));
}

static void
test_json_type_case_insensitive(void **state)
{
	(void)state;
	assert_true(gh_http_is_json_type("APPLICATION/JSON"));
	assert_true(gh_http_is_json_type("Application/Json; charset=utf-8"));
}

static void
test_json_type_others(void **state)
{
	(void)state;
	assert_false(gh_http_is_json_type("application/jsonx"));
	assert_false(gh_http_is_json_type("application/json-patch+json"));
	assert_false(gh_http_is_json_type("text/plain"));
	assert_false(gh_http_is_json_type("application/x-www-form-urlencoded"));
	assert_false(gh_http_is_json_type("text/json"));
	assert_false(gh_http_is_json_type("application/jso"));
	assert_false(gh_http_is_json_type(""));
}

static void
test_json_type_null(void **state)
{
	(void)state;
	assert_false(gh_http_is_json_type(NULL));
}

/* ---- responses ----------------------------------------------------- */

static void
test_res_header_added(void **state)
{
	struct gh_res	 res;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(gh_res_header(&res, "Allow", "%s", "GET, PATCH"),
	    GH_OK);
	assert_int_equal(gh_res_header(&res, "Retry-After", "%d", 30), GH_OK);
	assert_int_equal(res.nheaders, 2);
	assert_string_equal(res.headers[0], "Allow: GET, PATCH");
	assert_string_equal(res.headers[1], "Retry-After: 30");
	gh_res_free(&res);
	assert_int_equal(res.nheaders, 0);
}

static void
test_res_header_refuses_crlf(void **state)
{
	struct gh_res	 res;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(gh_res_header(&res, "Location", "%s",
	    "https://a.test/\r\nSet-Cookie: x=1"), GH_EINVAL);
	assert_int_equal(gh_res_header(&res, "Location", "%s",
	    "https://a.test/\nSet-Cookie: x=1"), GH_EINVAL);
	assert_int_equal(gh_res_header(&res, "Location", "%s",
	    "https://a.test/\rx"), GH_EINVAL);
	assert_int_equal(gh_res_header(&res, "X", "a\r\nb"), GH_EINVAL);
	assert_int_equal(res.nheaders, 0);
	gh_res_free(&res);
}

static void
test_res_header_too_long(void **state)
{
	struct gh_res	 res;
	char		 big[2000];

	(void)state;
	memset(&res, 0, sizeof(res));
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(gh_res_header(&res, "X-Big", "%s", big), GH_EINVAL);
	assert_int_equal(res.nheaders, 0);
	gh_res_free(&res);
}

static void
test_res_header_limit(void **state)
{
	struct gh_res	 res;
	int		 i;

	(void)state;
	memset(&res, 0, sizeof(res));
	for (i = 0; i < GH_MAX_HEADERS; i++)
		assert_int_equal(gh_res_header(&res, "X-N", "%d", i), GH_OK);
	assert_int_not_equal(gh_res_header(&res, "X-N", "%d", i), GH_OK);
	assert_int_equal(res.nheaders, GH_MAX_HEADERS);
	gh_res_free(&res);
}

static void
test_res_json_replaces_body(void **state)
{
	struct gh_res	 res;

	(void)state;
	memset(&res, 0, sizeof(res));
	gh_res_json(&res, 200, json_object_new_object());
	gh_res_json(&res, 201, json_object_new_object());
	assert_int_equal(res.status, 201);
	assert_string_equal(res.content_type, "application/json");
	gh_res_empty(&res, 204);
	assert_null(res.json);
	assert_null(res.content_type);
	assert_int_equal(res.status, 204);
	gh_res_free(&res);
}

static void
test_reason(void **state)
{
	(void)state;
	assert_string_equal(gh_http_reason(404), "Not Found");
	assert_string_equal(gh_http_reason(200), "OK");
	assert_string_equal(gh_http_reason(405), "Method Not Allowed");
	assert_string_equal(gh_http_reason(413), "Content Too Large");
	assert_non_null(gh_http_reason(799));
}

/* ---- query strings ------------------------------------------------- */

static char *
query(const char *q, const char *name)
{
	struct gh_req	 req;

	memset(&req, 0, sizeof(req));
	req.query = (char *)(uintptr_t)q;
	return gh_req_query(&req, name);
}

static void
expect_query(const char *q, const char *name, const char *want)
{
	char	*got = query(q, name);
	char	 copy[128];
	int	 ok = (got == NULL) == (want == NULL) &&
		    (got == NULL || strcmp(got, want) == 0);

	snprintf(copy, sizeof(copy), "%s", got != NULL ? got : "(null)");
	free(got);
	if (!ok)
		fail_msg("gh_req_query(\"%s\", %s) = %s, want %s", q, name,
		    copy, want != NULL ? want : "(null)");
}

static void
test_query_decoded(void **state)
{
	(void)state;
	expect_query("a=1&b=x%20y+z", "b", "x y z");
	expect_query("a=1&b=2", "a", "1");
	expect_query("t=%41%62", "t", "Ab");
}

static void
test_query_name_must_match_whole(void **state)
{
	(void)state;
	expect_query("ab=1&a=2", "a", "2");
	expect_query("ab=1", "a", NULL);
	expect_query("a", "a", NULL);
}

static void
test_query_missing(void **state)
{
	(void)state;
	expect_query("", "a", NULL);
	expect_query("b=1", "a", NULL);
}

static void
test_query_bad_escape_refused(void **state)
{
	(void)state;
	/* A malformed escape makes the value absent, never a guess. */
	expect_query("a=%zz", "a", NULL);
	expect_query("a=%4", "a", NULL);
	expect_query("a=%00x", "a", NULL);	/* never a NUL */
	expect_query("a=%zz&b=1", "b", "1");	/* the others still read */
}

/* ---- request set-up from CGI variables ------------------------------ */

static const char *const cgi_vars[] = {
	"REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME", "PATH_INFO",
	"QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_AUTHORIZATION",
	"REDIRECT_HTTP_AUTHORIZATION", "HTTP_USER_AGENT", "REMOTE_ADDR",
	"HTTP_X_REQUEST_ID", NULL,
};

static int
clear_env(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; cgi_vars[i] != NULL; i++)
		unsetenv(cgi_vars[i]);
	return 0;
}

static void
test_req_init_cgi(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	setenv("REQUEST_METHOD", "POST", 1);
	setenv("REQUEST_URI", "/v1/auth/sign-in?x=1&y=2", 1);
	setenv("CONTENT_TYPE", "application/json", 1);
	setenv("CONTENT_LENGTH", "17", 1);
	setenv("HTTP_AUTHORIZATION", "Bearer abc", 1);
	setenv("REMOTE_ADDR", "192.0.2.1", 1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gh_http_req_init(&req, &io), GH_OK);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.uri_path, "/v1/auth/sign-in");
	assert_string_equal(req.query, "x=1&y=2");
	assert_string_equal(req.content_type, "application/json");
	assert_int_equal(req.content_length, 17);
	assert_string_equal(req.authorization, "Bearer abc");
	assert_string_equal(req.remote_addr, "192.0.2.1");
	assert_null(req.user_agent);
	gh_http_req_free(&req);
}

static void
test_req_init_without_request_uri(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	setenv("SCRIPT_NAME", "/cgi-bin/auth.fcgi", 1);
	setenv("PATH_INFO", "/sign-in", 1);
	setenv("QUERY_STRING", "a=b", 1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gh_http_req_init(&req, &io), GH_OK);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.uri_path, "/cgi-bin/auth.fcgi/sign-in");
	assert_string_equal(req.query, "a=b");
	gh_http_req_free(&req);
}

static void
test_req_init_bad_content_length(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	setenv("REQUEST_URI", "/x", 1);
	setenv("CONTENT_LENGTH", "-5", 1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gh_http_req_init(&req, &io), GH_EINVAL);
	gh_http_req_free(&req);
}

static void
test_req_init_request_id_passthrough(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	setenv("REQUEST_URI", "/x", 1);
	setenv("HTTP_X_REQUEST_ID", "edge-42.a_b", 1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gh_http_req_init(&req, &io), GH_OK);
	assert_string_equal(req.request_id, "edge-42.a_b");
	gh_http_req_free(&req);
}

static void
test_req_init_request_id_unsafe_replaced(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };
	size_t		 i;

	(void)state;
	setenv("REQUEST_URI", "/x", 1);
	setenv("HTTP_X_REQUEST_ID", "evil\r\nSet-Cookie: a=b", 1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gh_http_req_init(&req, &io), GH_OK);
	assert_int_equal(strlen(req.request_id), 24);
	for (i = 0; i < 24; i++)
		assert_non_null(strchr("0123456789abcdef", req.request_id[i]));
	gh_http_req_free(&req);
}

static void
test_req_init_authorization_fallback(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	setenv("REQUEST_URI", "/x", 1);
	setenv("REDIRECT_HTTP_AUTHORIZATION", "Bearer r", 1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gh_http_req_init(&req, &io), GH_OK);
	assert_string_equal(req.authorization, "Bearer r");
	gh_http_req_free(&req);
}

/* ---- body reading over CGI stdin ----------------------------------- */

static char	 body_path[64];

static void
stdin_from(const char *bytes, size_t len)
{
	int	 fd;

	strcpy(body_path, "/tmp/gh-test-body-XXXXXX");
	fd = mkstemp(body_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_non_null(freopen(body_path, "r", stdin));
}

static int
body_teardown(void **state)
{
	(void)state;
	if (body_path[0] != '\0')
		unlink(body_path);
	body_path[0] = '\0';
	return 0;
}

static void
test_read_body_exact(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	stdin_from("{\"a\":1}TRAILING", 15);
	memset(&req, 0, sizeof(req));
	req.content_length = 7;
	assert_int_equal(gh_http_req_read_body(&req, &io, 1024), GH_OK);
	assert_int_equal(req.body_len, 7);
	assert_string_equal(req.body, "{\"a\":1}");
	gh_http_req_free(&req);
}

static void
test_read_body_short(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	stdin_from("{\"a\"", 4);
	memset(&req, 0, sizeof(req));
	req.content_length = 7;
	assert_int_equal(gh_http_req_read_body(&req, &io, 1024), GH_EINVAL);
	gh_http_req_free(&req);
}

static void
test_read_body_over_limit(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	stdin_from("0123456789", 10);
	memset(&req, 0, sizeof(req));
	req.content_length = 10;
	assert_int_equal(gh_http_req_read_body(&req, &io, 9), GH_ETOOBIG);
	assert_null(req.body);
	/* Nothing was read. */
	assert_int_equal(fgetc(stdin), '0');
	gh_http_req_free(&req);
}

static void
test_read_body_empty(void **state)
{
	struct gh_req	 req;
	struct gh_io	 io = { NULL };

	(void)state;
	stdin_from("", 0);
	memset(&req, 0, sizeof(req));
	req.content_length = 0;
	assert_int_equal(gh_http_req_read_body(&req, &io, 1024), GH_OK);
	assert_int_equal(req.body_len, 0);
	assert_string_equal(req.body, "");
	gh_http_req_free(&req);
}

#define E(f)	cmocka_unit_test_setup_teardown(f, clear_env, clear_env)
#define B(f)	cmocka_unit_test_teardown(f, body_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_empty_and_null),
		cmocka_unit_test(test_length_digits),
		cmocka_unit_test(test_length_negative),
		cmocka_unit_test(test_length_not_digits),
		cmocka_unit_test(test_length_spaces),
		cmocka_unit_test(test_length_overflow),
		cmocka_unit_test(test_length_out_zero_on_error),
		cmocka_unit_test(test_json_type_plain),
		cmocka_unit_test(test_json_type_with_parameters),
		cmocka_unit_test(test_json_type_case_insensitive),
		cmocka_unit_test(test_json_type_others),
		cmocka_unit_test(test_json_type_null),
		cmocka_unit_test(test_res_header_added),
		cmocka_unit_test(test_res_header_refuses_crlf),
		cmocka_unit_test(test_res_header_too_long),
		cmocka_unit_test(test_res_header_limit),
		cmocka_unit_test(test_res_json_replaces_body),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_query_decoded),
		cmocka_unit_test(test_query_name_must_match_whole),
		cmocka_unit_test(test_query_missing),
		cmocka_unit_test(test_query_bad_escape_refused),
		E(test_req_init_cgi),
		E(test_req_init_without_request_uri),
		E(test_req_init_bad_content_length),
		E(test_req_init_request_id_passthrough),
		E(test_req_init_request_id_unsafe_replaced),
		E(test_req_init_authorization_fallback),
		B(test_read_body_exact),
		B(test_read_body_short),
		B(test_read_body_over_limit),
		B(test_read_body_empty),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
