#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "breach.h"
#include "config.h"
#include "fetch.h"
#include "log.h"

#define SHA1_HEX	40
#define PREFIX_LEN	5

static int
hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
	    (c >= 'a' && c <= 'f');
}

enum gh_breach
gh_breach_range_has(const char *body, size_t len, const char *suffix)
{
	const char	*p = body, *end = body + len, *nl, *colon, *digits;
	size_t		 slen = SHA1_HEX - PREFIX_LEN, i;
	unsigned long	 count;
	int		 lines = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL || (size_t)(colon - p) != slen)
			return GH_BREACH_UNKNOWN;
		for (i = 0; i < slen; i++)
			if (!hex_digit(p[i]))
				return GH_BREACH_UNKNOWN;
		count = 0;
		digits = ++colon;
		for (; colon < nl && *colon >= '0' && *colon <= '9'; colon++)
			count = count < 100000000UL ?
			    count * 10 + (unsigned long)(*colon - '0') : count;
		if (colon == digits ||
		    (colon < nl && !(*colon == '\r' && colon + 1 == nl)))
			return GH_BREACH_UNKNOWN;
		if (strncasecmp(p, suffix, slen) == 0 && count > 0)
			return GH_BREACH_YES;
		lines++;
		p = nl + 1;
	}
	/* An empty answer is a broken one: every prefix has entries. */
	return lines > 0 ? GH_BREACH_NO : GH_BREACH_UNKNOWN;
}

/* The SHA-1 of the password in upper-case hex (the range API's form). */
static int
sha1_hex(const char *pw, size_t len, char out[SHA1_HEX + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 i;

	if (EVP_Digest(pw, len, md, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != SHA1_HEX / 2)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = "0123456789ABCDEF"[md[i] >> 4];
		out[2 * i + 1] = "0123456789ABCDEF"[md[i] & 0xf];
	}
	out[SHA1_HEX] = '\0';
	sodium_memzero(md, sizeof(md));
	return 0;
}

enum gh_breach
gh_breach_check(const struct gh_config *cfg, const char *pw, size_t len)
{
	struct gh_fetch		 f;
	struct gh_fetched	 got = { 0, NULL, 0 };
	char			 hex[SHA1_HEX + 1];
	char			 url[sizeof(cfg->breached_password_url) + 8];
	enum gh_breach		 verdict = GH_BREACH_UNKNOWN;

	if (sha1_hex(pw, len, hex) != 0)
		return GH_BREACH_UNKNOWN;
	snprintf(url, sizeof(url), "%s%.5s", cfg->breached_password_url, hex);
	memset(&f, 0, sizeof(f));
	f.what = "breached-password check";
	f.url = url;
	f.headers[0] = "Add-Padding: true";
	f.timeout_ms = (long)cfg->breached_password_timeout_ms;
	f.max = GH_BREACH_BODY_MAX;
	if (gh_fetch(&f, &got) != GH_OK)
		goto out;
	if (got.status != 200) {
		gh_log("breached-password check: HTTP %ld", got.status);
		goto out;
	}
	verdict = gh_breach_range_has(got.body, got.len, hex + PREFIX_LEN);
	if (verdict == GH_BREACH_UNKNOWN)
		gh_log("breached-password check: not a range answer");
out:
	sodium_memzero(hex, sizeof(hex));
	gh_fetched_free(&got);
	return verdict;
}
