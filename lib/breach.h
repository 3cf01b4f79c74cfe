/*
 * The breached-password check by k-anonymity (the "range" API of Have I
 * Been Pwned, or a mirror at breached_password_url): only the first 5 hex
 * digits of the password's SHA-1 leave the machine; the service answers
 * every suffix it knows under that prefix ("SUFFIX:COUNT" lines) and the
 * match is made here.
 */
#ifndef GH_BREACH_H
#define GH_BREACH_H

#include <stddef.h>

struct gh_config;

enum gh_breach {
	GH_BREACH_NO,
	GH_BREACH_YES,
	GH_BREACH_UNKNOWN,	/* no answer in time, or not a range body */
};

/* Asks breached_password_url + prefix, waiting at most
 * breached_password_timeout_ms. */
enum gh_breach	 gh_breach_check(const struct gh_config *,
		    const char *password, size_t len);
/* Whether a range body lists suffix (35 hex digits, any case) with a
 * count above 0 (padding lines have 0). GH_BREACH_UNKNOWN when the body
 * is not a range body. Exposed for tests and the fuzzer. */
enum gh_breach	 gh_breach_range_has(const char *body, size_t len,
		    const char *suffix);

/* The largest range body read (real ones are ~30 KiB, padded ~40 KiB). */
#define GH_BREACH_BODY_MAX	(1024 * 1024)

#endif
