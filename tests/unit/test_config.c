/* Configuration: defaults, file, environment: lib/config.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* ---- environment stand-ins ----------------------------------------- */

static const char *
env_none(const char *name)
{
	(void)name;
	return NULL;
}

/* name=value pairs the current test hands to the loader. */
static const char *const *env_pairs;

static const char *
env_table(const char *name)
{
	size_t	 i;

	for (i = 0; env_pairs != NULL && env_pairs[i] != NULL; i += 2)
		if (strcmp(env_pairs[i], name) == 0)
			return env_pairs[i + 1];
	return NULL;
}

/* ---- temporary files ----------------------------------------------- */

static char	 tmp_path[64];

static const char *
write_file(const char *text)
{
	int	 fd;
	size_t	 len = strlen(text);

	strcpy(tmp_path, "/tmp/gh-test-config-XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return tmp_path;
}

static int
teardown(void **state)
{
	(void)state;
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	tmp_path[0] = '\0';
	env_pairs = NULL;
	return 0;
}

static enum gh_err
load(struct gh_config *c, const char *path, char *err)
{
	err[0] = '\0';
	return gh_config_load_from(c, path, env_table, err, 256);
}

/* ---- defaults ------------------------------------------------------ */

static void
test_defaults_without_file_or_env(void **state)
{
	struct gh_config	 c;
	char			 err[256] = "";

	(void)state;
	assert_int_equal(gh_config_load_from(&c, NULL, env_none, err,
	    sizeof(err)), GH_OK);
	assert_string_equal(c.data_dir, "./var");
	assert_string_equal(c.db_path, "");
	assert_string_equal(c.secret_key_file, "");
	assert_string_equal(c.issuer, "http://127.0.0.1:8080");
	assert_int_equal(c.access_ttl, 900);
	assert_int_equal(c.refresh_ttl, 30 * 86400);
	assert_int_equal(c.refresh_grace, 10);
	assert_int_equal(c.argon2_opslimit, 2);
	assert_int_equal(c.argon2_memlimit_kib, 19456);
	assert_int_equal(c.body_limit, 65536);
	assert_int_equal(c.json_max_depth, 16);
	assert_int_equal(c.log_requests, 1);
	assert_int_equal(c.key_reload_interval, 60);
	assert_string_equal(gh_config_db_path(&c), "./var/gatehouse.db");
	assert_string_equal(gh_config_secret_key_file(&c), "./var/secret.key");
}

static void
test_defaults_with_null_getenv_and_empty_path(void **state)
{
	struct gh_config	 c;
	char			 err[256] = "";

	(void)state;
	assert_int_equal(gh_config_load_from(&c, "", NULL, err, sizeof(err)),
	    GH_OK);
	assert_int_equal(c.access_ttl, 900);
	assert_string_equal(c.data_dir, "./var");
}

static void
test_defaults_overwrite_previous_contents(void **state)
{
	struct gh_config	 c;
	char			 err[256] = "";

	(void)state;
	memset(&c, 'x', sizeof(c));
	assert_int_equal(gh_config_load_from(&c, NULL, env_none, err,
	    sizeof(err)), GH_OK);
	assert_string_equal(c.db_path, "");
	assert_int_equal(c.access_ttl, 900);
}

/* ---- the file ------------------------------------------------------ */

static void
test_file_comments_blanks_spaces(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file(
	    "# Gatehouse\n"
	    "\n"
	    "   \n"
	    "access_ttl=120\n"
	    "  refresh_ttl   =   3600  \n"
	    "\t# indented comment\n"
	    "issuer = https://auth.example.test\n"
	    "data_dir\t=\t/srv/gatehouse\n"
	    "log_requests = 0\n"), err), GH_OK);
	assert_string_equal(err, "");
	assert_int_equal(c.access_ttl, 120);
	assert_int_equal(c.refresh_ttl, 3600);
	assert_string_equal(c.issuer, "https://auth.example.test");
	assert_string_equal(c.data_dir, "/srv/gatehouse");
	assert_int_equal(c.log_requests, 0);
	/* Untouched keys keep their defaults. */
	assert_int_equal(c.body_limit, 65536);
}

static void
test_file_without_final_newline(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 300"), err), GH_OK);
	assert_int_equal(c.access_ttl, 300);
}

static void
test_file_crlf_lines(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 300\r\n"
	    "issuer = https://a.test\r\n"), err), GH_OK);
	assert_int_equal(c.access_ttl, 300);
	assert_string_equal(c.issuer, "https://a.test");
}

static void
test_file_value_may_contain_equals(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("issuer = https://a.test/?x=1\n"),
	    err), GH_OK);
	assert_string_equal(c.issuer, "https://a.test/?x=1");
}

static void
test_file_later_line_wins(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 100\n"
	    "access_ttl = 200\n"), err), GH_OK);
	assert_int_equal(c.access_ttl, 200);
}

static void
test_file_unknown_key(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 100\n"
	    "acess_tll = 5\n"), err), GH_EINVAL);
	assert_non_null(strstr(err, "acess_tll"));
	assert_non_null(strstr(err, ":2"));	/* the line number */
}

static void
test_file_key_prefix_is_unknown(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access = 100\n"), err),
	    GH_EINVAL);
	assert_non_null(strstr(err, "access"));
}

static void
test_file_line_without_equals(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl 100\n"), err),
	    GH_EINVAL);
	assert_string_not_equal(err, "");
}

static void
test_file_out_of_range_low(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 29\n"), err),
	    GH_EINVAL);
	assert_non_null(strstr(err, "access_ttl"));
	assert_non_null(strstr(err, "30"));
	assert_non_null(strstr(err, "86400"));
}

static void
test_file_out_of_range_high(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("log_requests = 2\n"), err),
	    GH_EINVAL);
	assert_non_null(strstr(err, "log_requests"));
}

static void
test_file_range_bounds_inclusive(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 30\n"
	    "json_max_depth = 64\n"), err), GH_OK);
	assert_int_equal(c.access_ttl, 30);
	assert_int_equal(c.json_max_depth, 64);
}

static void
test_file_negative_number(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("refresh_grace = -1\n"), err),
	    GH_EINVAL);
	assert_non_null(strstr(err, "refresh_grace"));
}

static void
test_file_not_a_number(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = fifteen\n"), err),
	    GH_EINVAL);
	assert_non_null(strstr(err, "access_ttl"));
}

static void
test_file_number_with_suffix(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl = 15m\n"), err),
	    GH_EINVAL);
}

static void
test_file_empty_number(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("access_ttl =\n"), err),
	    GH_EINVAL);
}

static void
test_file_number_overflow(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file(
	    "body_limit = 99999999999999999999999\n"), err), GH_EINVAL);
	assert_non_null(strstr(err, "body_limit"));
}

static void
test_file_string_too_long(void **state)
{
	struct gh_config	 c;
	char			 err[256], text[400];

	(void)state;
	/* issuer holds 255 bytes and its NUL. */
	strcpy(text, "issuer = ");
	memset(text + 9, 'a', 256);
	strcpy(text + 9 + 256, "\n");
	assert_int_equal(load(&c, write_file(text), err), GH_EINVAL);
	assert_non_null(strstr(err, "issuer"));
	assert_non_null(strstr(err, "too long"));
}

static void
test_file_string_longest_fits(void **state)
{
	struct gh_config	 c;
	char			 err[256], text[400];

	(void)state;
	strcpy(text, "issuer = ");
	memset(text + 9, 'a', 255);
	strcpy(text + 9 + 255, "\n");
	assert_int_equal(load(&c, write_file(text), err), GH_OK);
	assert_int_equal(strlen(c.issuer), 255);
}

static void
test_file_line_too_long(void **state)
{
	struct gh_config	 c;
	char			 err[256], *text;

	(void)state;
	text = malloc(5000);
	assert_non_null(text);
	strcpy(text, "data_dir = ");
	memset(text + 11, 'd', 4000);
	strcpy(text + 11 + 4000, "\naccess_ttl = 100\n");
	assert_int_equal(load(&c, write_file(text), err), GH_EINVAL);
	assert_string_not_equal(err, "");
	free(text);
}

static void
test_missing_file(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, "/nonexistent/gatehouse/config", err),
	    GH_EIO);
	assert_non_null(strstr(err, "/nonexistent/gatehouse/config"));
}

static void
test_error_message_truncated_safely(void **state)
{
	struct gh_config	 c;
	char			 err[8];

	(void)state;
	memset(err, 'z', sizeof(err));
	assert_int_equal(gh_config_load_from(&c, write_file("bogus = 1\n"),
	    env_none, err, sizeof(err)), GH_EINVAL);
	assert_true(memchr(err, '\0', sizeof(err)) != NULL);
}

/* ---- the environment ----------------------------------------------- */

static void
test_env_overrides_file(void **state)
{
	static const char *const pairs[] = {
		"GATEHOUSE_ACCESS_TTL", "600",
		"GATEHOUSE_ISSUER", "https://env.example.test",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, write_file("access_ttl = 120\n"
	    "issuer = https://file.example.test\n"
	    "refresh_grace = 5\n"), err), GH_OK);
	assert_int_equal(c.access_ttl, 600);
	assert_string_equal(c.issuer, "https://env.example.test");
	assert_int_equal(c.refresh_grace, 5);	/* from the file */
}

static void
test_env_every_key_name(void **state)
{
	static const char *const pairs[] = {
		"GATEHOUSE_DATA_DIR", "/d",
		"GATEHOUSE_DB_PATH", "/db/x.db",
		"GATEHOUSE_SECRET_KEY_FILE", "/k/s.key",
		"GATEHOUSE_ISSUER", "https://i.test",
		"GATEHOUSE_ACCESS_TTL", "31",
		"GATEHOUSE_REFRESH_TTL", "61",
		"GATEHOUSE_REFRESH_GRACE", "1",
		"GATEHOUSE_ARGON2_OPSLIMIT", "3",
		"GATEHOUSE_ARGON2_MEMLIMIT_KIB", "4096",
		"GATEHOUSE_BODY_LIMIT", "2048",
		"GATEHOUSE_JSON_MAX_DEPTH", "8",
		"GATEHOUSE_LOG_REQUESTS", "0",
		"GATEHOUSE_KEY_RELOAD_INTERVAL", "5",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, NULL, err), GH_OK);
	assert_string_equal(c.data_dir, "/d");
	assert_string_equal(c.db_path, "/db/x.db");
	assert_string_equal(c.secret_key_file, "/k/s.key");
	assert_string_equal(c.issuer, "https://i.test");
	assert_int_equal(c.access_ttl, 31);
	assert_int_equal(c.refresh_ttl, 61);
	assert_int_equal(c.refresh_grace, 1);
	assert_int_equal(c.argon2_opslimit, 3);
	assert_int_equal(c.argon2_memlimit_kib, 4096);
	assert_int_equal(c.body_limit, 2048);
	assert_int_equal(c.json_max_depth, 8);
	assert_int_equal(c.log_requests, 0);
	assert_int_equal(c.key_reload_interval, 5);
}

static void
test_env_bad_value(void **state)
{
	static const char *const pairs[] = {
		"GATEHOUSE_BODY_LIMIT", "lots",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, NULL, err), GH_EINVAL);
	assert_non_null(strstr(err, "GATEHOUSE_BODY_LIMIT"));
}

static void
test_env_out_of_range(void **state)
{
	static const char *const pairs[] = {
		"GATEHOUSE_ACCESS_TTL", "86401",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, NULL, err), GH_EINVAL);
	assert_non_null(strstr(err, "access_ttl"));
}

static void
test_env_lower_case_name_ignored(void **state)
{
	static const char *const pairs[] = {
		"gatehouse_access_ttl", "100",
		"access_ttl", "100",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, NULL, err), GH_OK);
	assert_int_equal(c.access_ttl, 900);
}

static void
test_bad_file_fails_despite_env_override(void **state)
{
	static const char *const pairs[] = {
		"GATEHOUSE_ACCESS_TTL", "600",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	/* A bad file is an error even when the environment would fix it. */
	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, write_file("access_ttl = 1\n"), err),
	    GH_EINVAL);
}

/* ---- derived paths ------------------------------------------------- */

static void
test_derived_paths_from_data_dir(void **state)
{
	static const char *const pairs[] = {
		"GATEHOUSE_DATA_DIR", "/var/lib/gatehouse",
		NULL,
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = pairs;
	assert_int_equal(load(&c, NULL, err), GH_OK);
	assert_string_equal(gh_config_db_path(&c),
	    "/var/lib/gatehouse/gatehouse.db");
	assert_string_equal(gh_config_secret_key_file(&c),
	    "/var/lib/gatehouse/secret.key");
}

static void
test_explicit_paths_win(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("data_dir = /srv/gh\n"
	    "db_path = /db/main.sqlite\n"
	    "secret_key_file = /etc/gatehouse/secret\n"), err), GH_OK);
	assert_string_equal(gh_config_db_path(&c), "/db/main.sqlite");
	assert_string_equal(gh_config_secret_key_file(&c),
	    "/etc/gatehouse/secret");
}

static void
test_explicit_db_path_only(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("data_dir = /srv/gh\n"
	    "db_path = /db/main.sqlite\n"), err), GH_OK);
	assert_string_equal(gh_config_db_path(&c), "/db/main.sqlite");
	assert_string_equal(gh_config_secret_key_file(&c),
	    "/srv/gh/secret.key");
}

/* ---- abuse-control settings ---------------------------------------- */

static void
test_rate_defaults_and_values(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, NULL, err), GH_OK);
	assert_int_equal(c.rate_limit_sign_in.count, 30);
	assert_int_equal(c.rate_limit_sign_in.period, 300);
	assert_int_equal(c.rate_limit_api.count, 0);	/* off */
	assert_int_equal(load(&c, write_file("rate_limit_sign_in = 7/60\n"
	    "rate_limit_refresh = off\nrate_limit_api = 1000000000/1\n"),
	    err), GH_OK);
	assert_int_equal(c.rate_limit_sign_in.count, 7);
	assert_int_equal(c.rate_limit_sign_in.period, 60);
	assert_int_equal(c.rate_limit_refresh.count, 0);
	assert_int_equal(c.rate_limit_api.count, 1000000000);
}

static void
test_rate_refused(void **state)
{
	static const char *const bad[] = {
		"0/60", "5/0", "5", "/60", "5/", "5/60s", "-1/60", "5/-60",
		"1000000001/1", "1/1000000001", "Off", "5 / 60", "5/+60", "",
		"99999999999999999999/1",
	};
	struct gh_config	 c;
	char			 err[256], text[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "rate_limit_sign_up = %s\n",
		    bad[i]);
		assert_int_equal(load(&c, write_file(text), err), GH_EINVAL);
		assert_non_null(strstr(err, "rate_limit_sign_up"));
		unlink(tmp_path);
	}
}

static void
test_rate_from_environment(void **state)
{
	static const char *const env[] = {
		"GATEHOUSE_RATE_LIMIT_EMAIL", "3/30", NULL
	};
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	env_pairs = env;
	assert_int_equal(load(&c, NULL, err), GH_OK);
	assert_int_equal(c.rate_limit_email.count, 3);
	assert_int_equal(c.rate_limit_email.period, 30);
}

static void
test_abuse_settings_checked_together(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, write_file("password_min_length = 20\n"
	    "password_max_length = 12\n"), err), GH_EINVAL);
	assert_non_null(strstr(err, "password_min_length"));
	unlink(tmp_path);
	assert_int_equal(load(&c, write_file(
	    "breached_password_on_error = maybe\n"), err), GH_EINVAL);
	assert_non_null(strstr(err, "breached_password_on_error"));
	unlink(tmp_path);
	assert_int_equal(load(&c, write_file("trusted_proxies = proxy.lan\n"),
	    err), GH_EINVAL);
	assert_non_null(strstr(err, "trusted_proxies"));
	unlink(tmp_path);
	assert_int_equal(load(&c, write_file(
	    "trusted_proxies = 10.0.0.0/8, ::1\n"), err), GH_OK);
}

#define T(f)	cmocka_unit_test_teardown(f, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults_without_file_or_env),
		T(test_defaults_with_null_getenv_and_empty_path),
		T(test_defaults_overwrite_previous_contents),
		T(test_file_comments_blanks_spaces),
		T(test_file_without_final_newline),
		T(test_file_crlf_lines),
		T(test_file_value_may_contain_equals),
		T(test_file_later_line_wins),
		T(test_file_unknown_key),
		T(test_file_key_prefix_is_unknown),
		T(test_file_line_without_equals),
		T(test_file_out_of_range_low),
		T(test_file_out_of_range_high),
		T(test_file_range_bounds_inclusive),
		T(test_file_negative_number),
		T(test_file_not_a_number),
		T(test_file_number_with_suffix),
		T(test_file_empty_number),
		T(test_file_number_overflow),
		T(test_file_string_too_long),
		T(test_file_string_longest_fits),
		T(test_file_line_too_long),
		T(test_missing_file),
		T(test_error_message_truncated_safely),
		T(test_env_overrides_file),
		T(test_env_every_key_name),
		T(test_env_bad_value),
		T(test_env_out_of_range),
		T(test_env_lower_case_name_ignored),
		T(test_bad_file_fails_despite_env_override),
		T(test_derived_paths_from_data_dir),
		T(test_explicit_paths_win),
		T(test_explicit_db_path_only),
		T(test_rate_defaults_and_values),
		T(test_rate_refused),
		T(test_rate_from_environment),
		T(test_abuse_settings_checked_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
