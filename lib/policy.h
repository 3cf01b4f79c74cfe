/*
 * The password policy of NIST SP 800-63B §5.1.1.2 (docs/abuse.md): a
 * length between password_min_length and password_max_length characters
 * (code points), no composition rules, nothing that contains the account's
 * email or username, and, when breached_password_check is on, nothing
 * found in the breached-password corpus (breach.h).
 */
#ifndef GH_POLICY_H
#define GH_POLICY_H

#include <stddef.h>

struct gh_config;

enum gh_policy {
	GH_POLICY_OK,
	GH_POLICY_LENGTH,		/* outside the configured lengths */
	GH_POLICY_IDENTIFIER,		/* contains the email or username */
	GH_POLICY_BREACHED,		/* found in the breach corpus */
	GH_POLICY_UNCHECKED,		/* corpus unreachable, policy: refuse */
};

/*
 * Checks a new password (sign-up, a changed or reset password). email and
 * username may be NULL. The breach check runs last, only when everything
 * else passed, and may take up to breached_password_timeout_ms.
 */
enum gh_policy	 gh_policy_password(const struct gh_config *,
		    const char *password, size_t len, const char *email,
		    const char *username);
/* The invalid_params type ("length", "contains_identifier", "breached")
 * and what is expected, for the 400 of a refused password; expected is
 * written into buf. */
const char	*gh_policy_param(const struct gh_config *, enum gh_policy,
		    char *buf, size_t buflen);

#endif
