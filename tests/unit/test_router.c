/* Routing and mount-relative paths: lib/router.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"
#include "router.h"

static enum gh_err
h_dummy(struct gh_req *req, struct gh_res *res)
{
	(void)req;
	(void)res;
	return GH_OK;
}

static const struct gh_route routes[] = {
	{ "POST", "/sign-in", h_dummy, 0, GH_LIMIT_API },
	{ "GET", "/users/me", h_dummy, 0, GH_LIMIT_API },
	{ "GET", "/users/{id}", h_dummy, 0, GH_LIMIT_API },
	{ "PATCH", "/users/{id}", h_dummy, 0, GH_LIMIT_API },
	{ "GET", "/users/{id}", h_dummy, 0, GH_LIMIT_API },		/* duplicate method */
	{ "GET", "/users/{id}/emails/{email}", h_dummy, 0, GH_LIMIT_API },
	{ "GET", "/", h_dummy, 0, GH_LIMIT_API },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

static enum gh_route_match
route(const char *method, const char *path, struct gh_route_result *r)
{
	return gh_router_match(routes, NROUTES, method, path, r);
}

/* ---- gh_router_match ----------------------------------------------- */

static void
test_exact_match(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("POST", "/sign-in", &r), GH_ROUTE_FOUND);
	assert_ptr_equal(r.route, &routes[0]);
	assert_int_equal(r.nparams, 0);
	gh_router_result_free(&r);
}

static void
test_root_match(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/", &r), GH_ROUTE_FOUND);
	assert_ptr_equal(r.route, &routes[6]);
	gh_router_result_free(&r);
}

static void
test_literal_before_param(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/users/me", &r), GH_ROUTE_FOUND);
	assert_ptr_equal(r.route, &routes[1]);
	assert_int_equal(r.nparams, 0);
	gh_router_result_free(&r);
}

static void
test_param_captured(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("PATCH", "/users/abc-123", &r), GH_ROUTE_FOUND);
	assert_ptr_equal(r.route, &routes[3]);
	assert_int_equal(r.nparams, 1);
	assert_string_equal(r.params[0], "abc-123");
	assert_int_equal(strncmp(r.param_names[0], "id}", 3), 0);
	gh_router_result_free(&r);
}

static void
test_param_found_by_name_through_req(void **state)
{
	struct gh_route_result	 r;
	struct gh_req		 req;
	size_t			 i;

	(void)state;
	assert_int_equal(route("GET", "/users/u1/emails/e2", &r),
	    GH_ROUTE_FOUND);
	assert_int_equal(r.nparams, 2);
	memset(&req, 0, sizeof(req));
	for (i = 0; i < r.nparams; i++) {
		req.param_names[i] = r.param_names[i];
		req.params[i] = r.params[i];
	}
	req.nparams = r.nparams;
	assert_string_equal(gh_req_param(&req, "id"), "u1");
	assert_string_equal(gh_req_param(&req, "email"), "e2");
	assert_null(gh_req_param(&req, "i"));
	assert_null(gh_req_param(&req, "nope"));
	gh_router_result_free(&r);
}

static void
test_param_percent_decoded(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/users/%41b%2ec%20d", &r),
	    GH_ROUTE_FOUND);
	assert_string_equal(r.params[0], "Ab.c d");
	gh_router_result_free(&r);
}

static void
test_param_utf8_decoded(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/users/%C3%A9", &r), GH_ROUTE_FOUND);
	assert_string_equal(r.params[0], "\xc3\xa9");
	gh_router_result_free(&r);
}

static void
test_param_encoded_slash_refused(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_not_equal(route("GET", "/users/a%2Fb", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
	assert_int_not_equal(route("GET", "/users/a%2fb", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
}

static void
test_param_encoded_nul_refused(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_not_equal(route("GET", "/users/a%00b", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
}

static void
test_param_malformed_percent_refused(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_not_equal(route("GET", "/users/%zz", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
	assert_int_not_equal(route("GET", "/users/a%4", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
	assert_int_not_equal(route("GET", "/users/a%", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
	assert_int_not_equal(route("GET", "/users/%4g", &r), GH_ROUTE_FOUND);
	gh_router_result_free(&r);
}

static void
test_param_percent_at_segment_end(void **state)
{
	struct gh_route_result	 r;

	/* "%4" then the next segment: the escape may not borrow from it. */
	(void)state;
	assert_int_not_equal(route("GET", "/users/a%4/emails/1", &r),
	    GH_ROUTE_FOUND);
	gh_router_result_free(&r);
}

static void
test_param_empty_segment(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/users//emails/x", &r),
	    GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
	assert_int_equal(route("PATCH", "/users/", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
}

static void
test_wrong_method_allow_list(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("DELETE", "/users/42", &r), GH_ROUTE_NO_METHOD);
	assert_string_equal(r.allow, "GET, PATCH");
	assert_null(r.route);
	assert_int_equal(r.nparams, 0);
	gh_router_result_free(&r);
}

static void
test_wrong_method_literal_and_param(void **state)
{
	struct gh_route_result	 r;

	/* /users/me matches both the literal and {id}: GET once. */
	(void)state;
	assert_int_equal(route("PUT", "/users/me", &r), GH_ROUTE_NO_METHOD);
	assert_string_equal(r.allow, "GET, PATCH");
	gh_router_result_free(&r);
}

static void
test_wrong_method_single(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/sign-in", &r), GH_ROUTE_NO_METHOD);
	assert_string_equal(r.allow, "POST");
	gh_router_result_free(&r);
}

static void
test_method_case_sensitive(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("post", "/sign-in", &r), GH_ROUTE_NO_METHOD);
	gh_router_result_free(&r);
}

static void
test_unknown_path(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("GET", "/nowhere", &r), GH_ROUTE_NO_PATH);
	assert_null(r.route);
	assert_string_equal(r.allow, "");
	gh_router_result_free(&r);
	assert_int_equal(route("GET", "/users/1/emails", &r),
	    GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
	assert_int_equal(route("GET", "/users/1/emails/2/3", &r),
	    GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
}

static void
test_trailing_slash_differs(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("POST", "/sign-in/", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
	assert_int_equal(route("GET", "/users/me/", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
}

static void
test_prefix_is_not_match(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("POST", "/sign-inx", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
	assert_int_equal(route("POST", "/sign", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
}

static void
test_relative_path_needs_slash(void **state)
{
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(route("POST", "sign-in", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
	assert_int_equal(route("GET", "", &r), GH_ROUTE_NO_PATH);
	gh_router_result_free(&r);
}

static void
test_too_many_params(void **state)
{
	static const struct gh_route many[] = {
		{ "GET", "/{a}/{b}/{c}/{d}/{e}", h_dummy, 0, GH_LIMIT_API },
	};
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(gh_router_match(many, 1, "GET", "/1/2/3/4/5", &r),
	    GH_ROUTE_NO_PATH);
	assert_int_equal(r.nparams, 0);
	gh_router_result_free(&r);
}

static void
test_four_params(void **state)
{
	static const struct gh_route four[] = {
		{ "GET", "/{a}/{b}/{c}/{d}", h_dummy, 0, GH_LIMIT_API },
	};
	struct gh_route_result	 r;

	(void)state;
	assert_int_equal(gh_router_match(four, 1, "GET", "/1/2/3/4", &r),
	    GH_ROUTE_FOUND);
	assert_int_equal(r.nparams, 4);
	assert_string_equal(r.params[3], "4");
	gh_router_result_free(&r);
}

/* ---- gh_router_relative -------------------------------------------- */

static const char *
show(const char *s)
{
	return s != NULL ? s : "(null)";
}

static void
expect_relative(const char *uri, const char *script, const char *mount,
    const char *want)
{
	char	*got = gh_router_relative(uri, script, mount);
	char	 copy[256];
	int	 ok = (got == NULL) == (want == NULL) &&
		    (got == NULL || strcmp(got, want) == 0);

	snprintf(copy, sizeof(copy), "%s", show(got));
	free(got);
	if (!ok)
		fail_msg("gh_router_relative(%s, %s, %s) = %s, want %s",
		    show(uri), show(script), show(mount), copy, show(want));
}

static void
test_relative_cgi_script_name(void **state)
{
	(void)state;
	expect_relative("/cgi-bin/auth.fcgi/sign-in", "/cgi-bin/auth.fcgi",
	    "/v1/auth", "/sign-in");
	expect_relative("/cgi-bin/users.cgi/users/me", "/cgi-bin/users.cgi",
	    NULL, "/users/me");
}

static void
test_relative_cgi_script_alone(void **state)
{
	(void)state;
	expect_relative("/cgi-bin/auth.fcgi", "/cgi-bin/auth.fcgi", NULL, "/");
}

static void
test_relative_mount(void **state)
{
	(void)state;
	expect_relative("/v1/auth/sign-in", NULL, "/v1/auth", "/sign-in");
	expect_relative("/v1/auth/users/1/emails", NULL, "/v1/auth",
	    "/users/1/emails");
}

static void
test_relative_mount_prefix_of_segment(void **state)
{
	(void)state;
	expect_relative("/v1/authx/sign-in", NULL, "/v1/auth", NULL);
	expect_relative("/v1/au", NULL, "/v1/auth", NULL);
}

static void
test_relative_other_path(void **state)
{
	(void)state;
	expect_relative("/v2/auth/sign-in", NULL, "/v1/auth", NULL);
	expect_relative("/v1/authx/sign-in", "/cgi-bin/auth.fcgi", "/v1/auth",
	    NULL);
}

static void
test_relative_empty_mount(void **state)
{
	(void)state;
	expect_relative("/sign-in", NULL, "", "/sign-in");
	expect_relative("/users/me", NULL, "/", "/users/me");
}

static void
test_relative_exactly_mount(void **state)
{
	(void)state;
	expect_relative("/v1/auth", NULL, "/v1/auth", "/");
	expect_relative("/v1/auth/", NULL, "/v1/auth", "/");
}

static void
test_relative_mount_trailing_slash(void **state)
{
	(void)state;
	expect_relative("/v1/auth/sign-in", NULL, "/v1/auth/", "/sign-in");
}

static void
test_relative_script_name_not_a_program(void **state)
{
	/* lighttpd's FastCGI sets SCRIPT_NAME to the whole path. */
	(void)state;
	expect_relative("/v1/auth/sign-in", "/v1/auth/sign-in", "/v1/auth",
	    "/sign-in");
	expect_relative("/v1/auth/sign-in", "/v1/auth", "/v1/auth",
	    "/sign-in");
}

static void
test_relative_script_name_elsewhere(void **state)
{
	/* A script name that is no prefix falls back to the mount. */
	(void)state;
	expect_relative("/v1/auth/sign-in", "/cgi-bin/auth.fcgi", "/v1/auth",
	    "/sign-in");
}

static void
test_relative_script_prefix_of_segment(void **state)
{
	(void)state;
	expect_relative("/cgi-bin/auth.fcgix/sign-in", "/cgi-bin/auth.fcgi",
	    NULL, NULL);
}

static void
test_relative_bad_uri(void **state)
{
	(void)state;
	expect_relative(NULL, NULL, "/v1/auth", NULL);
	expect_relative("", NULL, "", NULL);
	expect_relative("v1/auth/sign-in", NULL, "/v1/auth", NULL);
	expect_relative("/v1/auth/sign-in", NULL, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_match),
		cmocka_unit_test(test_root_match),
		cmocka_unit_test(test_literal_before_param),
		cmocka_unit_test(test_param_captured),
		cmocka_unit_test(test_param_found_by_name_through_req),
		cmocka_unit_test(test_param_percent_decoded),
		cmocka_unit_test(test_param_utf8_decoded),
		cmocka_unit_test(test_param_encoded_slash_refused),
		cmocka_unit_test(test_param_encoded_nul_refused),
		cmocka_unit_test(test_param_malformed_percent_refused),
		cmocka_unit_test(test_param_percent_at_segment_end),
		cmocka_unit_test(test_param_empty_segment),
		cmocka_unit_test(test_wrong_method_allow_list),
		cmocka_unit_test(test_wrong_method_literal_and_param),
		cmocka_unit_test(test_wrong_method_single),
		cmocka_unit_test(test_method_case_sensitive),
		cmocka_unit_test(test_unknown_path),
		cmocka_unit_test(test_trailing_slash_differs),
		cmocka_unit_test(test_prefix_is_not_match),
		cmocka_unit_test(test_relative_path_needs_slash),
		cmocka_unit_test(test_too_many_params),
		cmocka_unit_test(test_four_params),
		cmocka_unit_test(test_relative_cgi_script_name),
		cmocka_unit_test(test_relative_cgi_script_alone),
		cmocka_unit_test(test_relative_mount),
		cmocka_unit_test(test_relative_mount_prefix_of_segment),
		cmocka_unit_test(test_relative_other_path),
		cmocka_unit_test(test_relative_empty_mount),
		cmocka_unit_test(test_relative_exactly_mount),
		cmocka_unit_test(test_relative_mount_trailing_slash),
		cmocka_unit_test(test_relative_script_name_not_a_program),
		cmocka_unit_test(test_relative_script_name_elsewhere),
		cmocka_unit_test(test_relative_script_prefix_of_segment),
		cmocka_unit_test(test_relative_bad_uri),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
