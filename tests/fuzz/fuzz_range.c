/*
 * libFuzzer harness for gh_breach_range_has (lib/breach.h), the parser of
 * the breached-password service's answer: the input is the range body,
 * searched for a fixed suffix and, when the input starts with 35 hex
 * digits, for that suffix too.
 *
 * Besides the sanitizers, it aborts when a result breaks the contract: a
 * verdict outside the enum, or YES for a suffix that the body does not
 * contain (in any case).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "breach.h"

#define SUFFIX_LEN	35

static const char fixed[] = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";

static int
contains_folded(const char *body, size_t len, const char *suffix)
{
	size_t	 i;

	for (i = 0; i + SUFFIX_LEN <= len; i++)
		if (strncasecmp(body + i, suffix, SUFFIX_LEN) == 0)
			return 1;
	return 0;
}

static void
check(const char *body, size_t len, const char *suffix)
{
	enum gh_breach	 v = gh_breach_range_has(body, len, suffix);

	if (v != GH_BREACH_NO && v != GH_BREACH_YES && v != GH_BREACH_UNKNOWN)
		abort();
	if (v == GH_BREACH_YES && !contains_folded(body, len, suffix))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*body, suffix[SUFFIX_LEN + 1];

	if (size > GH_BREACH_BODY_MAX)
		return 0;
	/* An exact-size copy, so reading past the end is caught. */
	if ((body = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(body, data, size);
	check(body, size, fixed);
	if (size >= SUFFIX_LEN) {
		memcpy(suffix, body, SUFFIX_LEN);
		suffix[SUFFIX_LEN] = '\0';
		if (strspn(suffix, "0123456789ABCDEFabcdef") == SUFFIX_LEN)
			check(body, size, suffix);
	}
	free(body);
	return 0;
}
