/* OAuth providers in the configuration, sealed secrets and the per-flow
 * values derived from a state: lib/config.h, lib/seal.h, lib/oauth.h. */
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
#include "oauth.h"
#include "seal.h"

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

static char	 tmp_path[64];

/* Loads text as a configuration file (and env_pairs): the result. */
static enum gh_err
load(struct gh_config *c, const char *text, char *err, size_t errsz)
{
	int		 fd;
	size_t		 len = strlen(text);
	enum gh_err	 er;

	strcpy(tmp_path, "/tmp/gh-test-oauth-XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	err[0] = '\0';
	er = gh_config_load_from(c, tmp_path, env_table, err, errsz);
	unlink(tmp_path);
	env_pairs = NULL;
	return er;
}

static void
test_no_providers_by_default(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, "", err, sizeof(err)), GH_OK);
	assert_int_equal(c.noauth, 0);
	assert_null(gh_config_oauth(&c, "google"));
	assert_int_equal(c.oauth_state_ttl, 600);
	assert_int_equal(c.oauth_auto_link, 1);
}

static void
test_presets_fill_what_is_left_empty(void **state)
{
	struct gh_config		 c;
	const struct gh_oauth_cfg	*p;
	char				 err[256];

	(void)state;
	assert_int_equal(load(&c,
	    "oauth_providers = google github corp\n"
	    "oauth_google_client_id = g\n"
	    "oauth_google_client_secret = gs\n"
	    "oauth_github_client_id = h\n"
	    "oauth_github_client_secret = hs\n"
	    "oauth_corp_issuer = https://id.example.com/\n"
	    "oauth_corp_client_id = c\n"
	    "oauth_corp_client_secret = cs\n"
	    "oauth_corp_scopes = openid email\n", err, sizeof(err)), GH_OK);
	assert_int_equal(c.noauth, 3);
	p = gh_config_oauth(&c, "google");
	assert_non_null(p);
	assert_string_equal(p->type, "google");
	assert_string_equal(p->display_name, "Google");
	assert_string_equal(p->issuer, "https://accounts.google.com");
	assert_string_equal(p->scopes, "openid email profile");
	assert_true(gh_oauth_is_oidc(p));
	p = gh_config_oauth(&c, "github");
	assert_string_equal(p->type, "github");
	assert_string_equal(p->issuer, "");
	assert_false(gh_oauth_is_oidc(p));
	assert_string_equal(p->api_url, "https://api.github.com");
	assert_string_equal(p->token_url,
	    "https://github.com/login/oauth/access_token");
	assert_string_equal(p->scopes, "read:user user:email");
	p = gh_config_oauth(&c, "corp");
	assert_string_equal(p->type, "oidc");
	assert_string_equal(p->display_name, "corp");
	assert_string_equal(p->scopes, "openid email");
	/* The order of first mention is the order they are listed in. */
	assert_string_equal(c.oauth[0].name, "google");
	assert_string_equal(c.oauth[2].name, "corp");
}

static void
test_environment_sets_provider_fields(void **state)
{
	static const char *const env[] = {
		"GATEHOUSE_OAUTH_PROVIDERS", "ms",
		"GATEHOUSE_OAUTH_MS_TYPE", "microsoft",
		"GATEHOUSE_OAUTH_MS_CLIENT_ID", "m",
		"GATEHOUSE_OAUTH_MS_CLIENT_SECRET", "sealed:abc",
		NULL,
	};
	struct gh_config		 c;
	const struct gh_oauth_cfg	*p;
	char				 err[256];

	(void)state;
	env_pairs = env;
	assert_int_equal(load(&c, "", err, sizeof(err)), GH_OK);
	p = gh_config_oauth(&c, "ms");
	assert_non_null(p);
	assert_string_equal(p->issuer,
	    "https://login.microsoftonline.com/common/v2.0");
	assert_string_equal(p->client_secret, "sealed:abc");
}

static void
refused(const char *text, const char *needle)
{
	struct gh_config	 c;
	char			 err[256];

	assert_int_equal(load(&c, text, err, sizeof(err)), GH_EINVAL);
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void
test_provider_mistakes_are_refused(void **state)
{
	(void)state;
	/* Keys of a provider that is not listed. */
	refused("oauth_x_client_id = a\n", "not in oauth_providers");
	/* A listed provider without its client. */
	refused("oauth_providers = x\noauth_x_issuer = https://i\n",
	    "oauth_x_client_id is required");
	refused("oauth_providers = x\noauth_x_issuer = https://i\n"
	    "oauth_x_client_id = a\n", "oauth_x_client_secret is required");
	/* OIDC needs an issuer. */
	refused("oauth_providers = x\noauth_x_client_id = a\n"
	    "oauth_x_client_secret = b\n", "oauth_x_issuer is required");
	refused("oauth_providers = x\noauth_x_type = myspace\n"
	    "oauth_x_client_id = a\noauth_x_client_secret = b\n",
	    "oauth_x_type must be");
	/* Unknown fields and bad names are unknown keys. */
	refused("oauth_providers = x\noauth_x_colour = red\n", "unknown key");
	refused("oauth_Bad_client_id = a\n", "unknown key");
	refused("oauth_providers = Bad\n", "not a provider name");
	refused("oauth_providers = a b c d e f g h i\n", "at most 8");
	/* The names its routes use are not provider names. */
	refused("oauth_providers = accounts\noauth_accounts_client_id = a\n"
	    "oauth_accounts_client_secret = b\n"
	    "oauth_accounts_issuer = https://i\n", "reserved");
}

static void
test_seal_round_trip(void **state)
{
	unsigned char	 key[crypto_secretbox_KEYBYTES], other[sizeof(key)];
	char		*sealed = NULL, out[64];

	(void)state;
	crypto_secretbox_keygen(key);
	crypto_secretbox_keygen(other);
	assert_int_equal(gh_seal_text(key, "s3cret", 6, &sealed), GH_OK);
	assert_true(gh_seal_is_sealed(sealed));
	assert_null(strstr(sealed, "s3cret"));
	assert_int_equal(gh_seal_open(key, sealed, out, sizeof(out)), GH_OK);
	assert_string_equal(out, "s3cret");
	/* Another key, a changed byte, a buffer too small, not sealed. */
	assert_int_equal(gh_seal_open(other, sealed, out, sizeof(out)),
	    GH_ECRYPTO);
	sealed[strlen(sealed) - 3] = sealed[strlen(sealed) - 3] == 'A' ?
	    'B' : 'A';
	assert_int_equal(gh_seal_open(key, sealed, out, sizeof(out)),
	    GH_ECRYPTO);
	free(sealed);
	assert_int_equal(gh_seal_text(key, "s3cret", 6, &sealed), GH_OK);
	assert_int_equal(gh_seal_open(key, sealed, out, 6), GH_ETOOBIG);
	assert_int_equal(gh_seal_open(key, "s3cret", out, sizeof(out)),
	    GH_EINVAL);
	assert_int_equal(gh_seal_open(key, "sealed:!!", out, sizeof(out)),
	    GH_EINVAL);
	assert_int_equal(gh_seal_open(key, "sealed:", out, sizeof(out)),
	    GH_EINVAL);
	/* Two seals of one value differ (a fresh nonce each). */
	{
		char	*again = NULL;

		assert_int_equal(gh_seal_text(key, "s3cret", 6, &again), GH_OK);
		assert_string_not_equal(again, sealed);
		free(again);
	}
	free(sealed);
}

static void
test_seal_refuses_embedded_nul(void **state)
{
	unsigned char	 key[crypto_secretbox_KEYBYTES];
	char		*sealed = NULL, out[16];

	(void)state;
	crypto_secretbox_keygen(key);
	assert_int_equal(gh_seal_text(key, "a\0b", 3, &sealed), GH_OK);
	assert_int_equal(gh_seal_open(key, sealed, out, sizeof(out)),
	    GH_EINVAL);
	free(sealed);
}

static void
test_derived_values(void **state)
{
	unsigned char	 key[crypto_secretbox_KEYBYTES], other[sizeof(key)];
	char		 a[GH_OAUTH_DERIVED_LEN + 1], b[sizeof(a)], c[sizeof(a)];

	(void)state;
	crypto_secretbox_keygen(key);
	crypto_secretbox_keygen(other);
	gh_oauth_derive(key, "pkce", "state-1", a);
	gh_oauth_derive(key, "pkce", "state-1", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), GH_OAUTH_DERIVED_LEN);
	/* RFC 7636 §4.1: 43 characters of [A-Za-z0-9-._~]. */
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno"
	    "pqrstuvwxyz0123456789-_"), GH_OAUTH_DERIVED_LEN);
	gh_oauth_derive(key, "nonce", "state-1", c);
	assert_string_not_equal(a, c);
	gh_oauth_derive(key, "pkce", "state-2", c);
	assert_string_not_equal(a, c);
	gh_oauth_derive(other, "pkce", "state-1", c);
	assert_string_not_equal(a, c);
}

static void
test_redirect_uri(void **state)
{
	struct gh_config	 c;
	char			 err[256], uri[GH_OAUTH_URL_MAX];

	(void)state;
	assert_int_equal(load(&c,
	    "public_url = https://auth.example.com/\n"
	    "oauth_providers = google other\n"
	    "oauth_google_client_id = g\noauth_google_client_secret = s\n"
	    "oauth_other_type = github\n"
	    "oauth_other_client_id = o\noauth_other_client_secret = s\n"
	    "oauth_other_redirect_uri = https://x.example/cgi-bin/oauth.fcgi/"
	    "other/callback\n", err, sizeof(err)), GH_OK);
	gh_oauth_redirect_uri(&c, gh_config_oauth(&c, "google"), uri);
	assert_string_equal(uri,
	    "https://auth.example.com/v1/oauth/google/callback");
	gh_oauth_redirect_uri(&c, gh_config_oauth(&c, "other"), uri);
	assert_string_equal(uri,
	    "https://x.example/cgi-bin/oauth.fcgi/other/callback");
}

static enum gh_oauth_err
read_doc(enum gh_oauth_doc kind, const char *body, struct gh_oauth_user *u)
{
	return gh_oauth_read(kind, body, strlen(body), u);
}

static void
test_github_email_choice(void **state)
{
	struct gh_oauth_user	 u;

	(void)state;
	/* The verified primary wins, wherever it is in the list. */
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_EMAILS,
	    "[{\"email\":\"a@x.example\",\"verified\":true,\"primary\":false},"
	    "{\"email\":\"p@x.example\",\"verified\":true,\"primary\":true},"
	    "{\"email\":\"b@x.example\",\"verified\":true,\"primary\":false}]",
	    &u), GH_OAUTH_OK);
	assert_string_equal(u.email, "p@x.example");
	assert_true(u.email_verified);
	/* An unverified primary loses to a verified other address. */
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_EMAILS,
	    "[{\"email\":\"p@x.example\",\"verified\":false,\"primary\":true},"
	    "{\"email\":\"v@x.example\",\"verified\":true,\"primary\":false}]",
	    &u), GH_OAUTH_OK);
	assert_string_equal(u.email, "v@x.example");
	assert_true(u.email_verified);
	/* Only an unverified primary: kept, unverified. */
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_EMAILS,
	    "[{\"email\":\"p@x.example\",\"verified\":false,\"primary\":true}]",
	    &u), GH_OAUTH_OK);
	assert_string_equal(u.email, "p@x.example");
	assert_false(u.email_verified);
	/* Not an address: dropped. */
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_EMAILS,
	    "[{\"email\":\"not an address\",\"verified\":true,\"primary\":true}]",
	    &u), GH_OAUTH_OK);
	assert_string_equal(u.email, "");
	assert_false(u.email_verified);
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_EMAILS, "{}", &u),
	    GH_OAUTH_UNAVAILABLE);
}

static void
test_github_user(void **state)
{
	struct gh_oauth_user	 u;

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_USER,
	    "{\"login\":\"octo-cat\",\"id\":583231,\"name\":\"The Octocat\"}",
	    &u), GH_OAUTH_OK);
	assert_string_equal(u.subject, "583231");
	assert_string_equal(u.username, "octo-cat");
	/* An id that is not a number is not GitHub's. */
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_GITHUB_USER,
	    "{\"login\":\"x\",\"id\":\"583231\"}", &u), GH_OAUTH_UNAVAILABLE);
}

static void
test_userinfo_must_name_the_same_subject(void **state)
{
	struct gh_oauth_user	 u;

	(void)state;
	memset(&u, 0, sizeof(u));
	strcpy(u.subject, "s-1");
	assert_int_equal(read_doc(GH_OAUTH_DOC_USERINFO,
	    "{\"sub\":\"s-2\",\"email\":\"e@x.example\"}", &u),
	    GH_OAUTH_BAD_TOKEN);
	assert_string_equal(u.email, "");
	assert_int_equal(read_doc(GH_OAUTH_DOC_USERINFO,
	    "{\"sub\":\"s-1\",\"email\":\"e@x.example\","
	    "\"email_verified\":\"true\",\"name\":\"E\\u0007x\"}", &u),
	    GH_OAUTH_OK);
	/* Apple's string "true" counts; a control character drops a field. */
	assert_string_equal(u.email, "e@x.example");
	assert_true(u.email_verified);
	assert_string_equal(u.name, "");
}

static void
test_token_answers(void **state)
{
	struct gh_oauth_user	 u;

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN,
	    "{\"access_token\":\"t\",\"token_type\":\"bearer\"}", &u),
	    GH_OAUTH_OK);
	/* The code was no good: the person's problem (400). */
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN,
	    "{\"error\":\"invalid_grant\"}", &u), GH_OAUTH_REFUSED);
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN,
	    "{\"error\":\"bad_verification_code\"}", &u), GH_OAUTH_REFUSED);
	/* Our credentials were refused: the site's problem (502). */
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN,
	    "{\"error\":\"invalid_client\"}", &u), GH_OAUTH_UNAVAILABLE);
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN,
	    "{\"error\":\"incorrect_client_credentials\"}", &u),
	    GH_OAUTH_UNAVAILABLE);
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN, "{}", &u),
	    GH_OAUTH_UNAVAILABLE);
	assert_int_equal(read_doc(GH_OAUTH_DOC_TOKEN, "<html>", &u),
	    GH_OAUTH_UNAVAILABLE);
}

static void
test_discovery_must_be_the_issuers_own(void **state)
{
	struct gh_oauth_user	 u;

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(read_doc(GH_OAUTH_DOC_DISCOVERY,
	    "{\"issuer\":\"https://issuer.example/\"}", &u), GH_OAUTH_OK);
	assert_int_equal(read_doc(GH_OAUTH_DOC_DISCOVERY,
	    "{\"issuer\":\"https://evil.example\"}", &u), GH_OAUTH_UNAVAILABLE);
	assert_int_equal(read_doc(GH_OAUTH_DOC_DISCOVERY,
	    "{\"issuer\":\"https://issuer.example.evil\"}", &u),
	    GH_OAUTH_UNAVAILABLE);
	assert_int_equal(read_doc(GH_OAUTH_DOC_DISCOVERY, "{}", &u),
	    GH_OAUTH_UNAVAILABLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_providers_by_default),
		cmocka_unit_test(test_presets_fill_what_is_left_empty),
		cmocka_unit_test(test_environment_sets_provider_fields),
		cmocka_unit_test(test_provider_mistakes_are_refused),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_seal_refuses_embedded_nul),
		cmocka_unit_test(test_derived_values),
		cmocka_unit_test(test_redirect_uri),
		cmocka_unit_test(test_github_email_choice),
		cmocka_unit_test(test_github_user),
		cmocka_unit_test(test_userinfo_must_name_the_same_subject),
		cmocka_unit_test(test_token_answers),
		cmocka_unit_test(test_discovery_must_be_the_issuers_own),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
