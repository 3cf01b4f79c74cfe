#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "breach.h"
#include "config.h"
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

struct body {
	char	*buf;
	size_t	 len;
	int	 too_big;
};

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct body	*b = arg;
	size_t		 add = size * n;
	char		*grown;

	if (add > GH_BREACH_BODY_MAX - b->len) {
		b->too_big = 1;
		return 0;	/* makes curl stop with an error */
	}
	if ((grown = realloc(b->buf, b->len + add + 1)) == NULL)
		return 0;
	b->buf = grown;
	memcpy(b->buf + b->len, data, add);
	b->len += add;
	return add;
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
	static int		 curl_ready;
	CURL			*c = NULL;
	struct curl_slist	*hdrs = NULL;
	struct body		 b = { NULL, 0, 0 };
	char			 hex[SHA1_HEX + 1];
	char			 url[sizeof(cfg->breached_password_url) + 8];
	long			 status = 0;
	CURLcode		 rc;
	enum gh_breach		 verdict = GH_BREACH_UNKNOWN;

	if (sha1_hex(pw, len, hex) != 0)
		return GH_BREACH_UNKNOWN;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			goto out;
		curl_ready = 1;
	}
	snprintf(url, sizeof(url), "%s%.5s", cfg->breached_password_url, hex);
	if ((c = curl_easy_init()) == NULL ||
	    (hdrs = curl_slist_append(NULL, "Add-Padding: true")) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)cfg->breached_password_timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->breached_password_timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gatehouse");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		gh_log("breached-password check: %s%s", curl_easy_strerror(rc),
		    b.too_big ? " (answer too large)" : "");
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		gh_log("breached-password check: HTTP %ld", status);
		goto out;
	}
	verdict = gh_breach_range_has(b.buf != NULL ? b.buf : "", b.len,
	    hex + PREFIX_LEN);
	if (verdict == GH_BREACH_UNKNOWN)
		gh_log("breached-password check: not a range answer");
out:
	sodium_memzero(hex, sizeof(hex));
	curl_slist_free_all(hdrs);
	if (c != NULL)
		curl_easy_cleanup(c);
	free(b.buf);
	return verdict;
}
