#include <stdio.h>
#include <string.h>

#include "breach.h"
#include "config.h"
#include "json.h"
#include "log.h"
#include "policy.h"

/* Shorter pieces of an email or username are left alone: a password may
 * well contain "bob" without being "about" the account. */
#define IDENTIFIER_MIN	4

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Whether hay contains the first n bytes of needle, ASCII case folded. */
static int
contains_folded(const char *hay, size_t haylen, const char *needle, size_t n)
{
	size_t	 i, j;

	if (n < IDENTIFIER_MIN || n > haylen)
		return 0;
	for (i = 0; i + n <= haylen; i++) {
		for (j = 0; j < n && fold((unsigned char)hay[i + j]) ==
		    fold((unsigned char)needle[j]); j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

static int
about_the_account(const char *pw, size_t len, const char *email,
    const char *username)
{
	const char	*at;

	if (email != NULL) {
		if (contains_folded(pw, len, email, strlen(email)))
			return 1;
		if ((at = strchr(email, '@')) != NULL &&
		    contains_folded(pw, len, email, (size_t)(at - email)))
			return 1;
	}
	return username != NULL &&
	    contains_folded(pw, len, username, strlen(username));
}

enum gh_policy
gh_policy_password(const struct gh_config *cfg, const char *pw, size_t len,
    const char *email, const char *username)
{
	int64_t	 chars = gh_json_utf8_count(pw, len);

	if (chars < cfg->password_min_length ||
	    chars > cfg->password_max_length)
		return GH_POLICY_LENGTH;
	if (about_the_account(pw, len, email, username))
		return GH_POLICY_IDENTIFIER;
	if (!cfg->breached_password_check)
		return GH_POLICY_OK;
	switch (gh_breach_check(cfg, pw, len)) {
	case GH_BREACH_NO:
		return GH_POLICY_OK;
	case GH_BREACH_YES:
		return GH_POLICY_BREACHED;
	case GH_BREACH_UNKNOWN:
		break;
	}
	if (strcmp(cfg->breached_password_on_error, "refuse") == 0)
		return GH_POLICY_UNCHECKED;
	gh_log("breached-password check unavailable; password allowed "
	    "(breached_password_on_error = allow)");
	return GH_POLICY_OK;
}

const char *
gh_policy_param(const struct gh_config *cfg, enum gh_policy p, char *buf,
    size_t buflen)
{
	switch (p) {
	case GH_POLICY_LENGTH:
		snprintf(buf, buflen, "%lld..%lld characters",
		    (long long)cfg->password_min_length,
		    (long long)cfg->password_max_length);
		return "length";
	case GH_POLICY_IDENTIFIER:
		snprintf(buf, buflen, "a password that does not contain the "
		    "email or username");
		return "contains_identifier";
	case GH_POLICY_BREACHED:
		snprintf(buf, buflen, "a password not found in known data "
		    "breaches");
		return "breached";
	case GH_POLICY_OK:
	case GH_POLICY_UNCHECKED:
		break;
	}
	snprintf(buf, buflen, "a password");
	return "invalid";
}
