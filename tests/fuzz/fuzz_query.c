/*
 * libFuzzer harness for query strings and percent-encoding (lib/http.c,
 * lib/url.c):
 *
 * - gh_req_query: the input up to its first NUL is the query of a struct
 *   gh_req with nothing else set, searched for "return_to", "a", "" and
 *   "x"; each value found goes through gh_url_is_local, as ui.fcgi's
 *   return_to does, and through gh_url_encode;
 * - gh_url_decode: the whole input (raw bytes, NULs included) under each
 *   combination of GH_URL_PLUS_SPACE and GH_URL_NO_SLASH;
 * - gh_url_encode and gh_url_is_local: the input up to its first NUL.
 *
 * Besides the sanitizers, it aborts when a result breaks lib/url.h or
 * lib/http.h: a query value that no pair of that name decodes to, or none
 * although every pair of that name decodes; a decoding that is not
 * RFC 3986 percent-decoding (a malformed escape or a %00 accepted, so a
 * NUL hidden in the value; a well-formed input refused); an encoding that
 * leaves anything but unreserved characters and '/' as it is, or that does
 * not decode back to its input; a "local" target that does not start with
 * a single '/' (no "//host", no "/\\host") or that holds a control
 * character.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "url.h"
#include "fuzz.h"

static const char *const query_names[] = { "return_to", "a", "", "x" };

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 §2.3: left as they are by gh_url_encode, with '/'. */
static int
unreserved_or_slash(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '/';
}

/*
 * Percent-decoding of s[0..len) as lib/url.h describes it, into out (len
 * + 1 bytes, NUL-terminated) and *out_len: 0 when an escape is malformed
 * or decodes to NUL, or to '/' under GH_URL_NO_SLASH.
 */
static int
reference_decode(const char *s, size_t len, unsigned flags, char *out,
    size_t *out_len)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < len; i++) {
		if (s[i] == '+' && (flags & GH_URL_PLUS_SPACE)) {
			out[o++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
		    (lo = hex_value(s[i + 2])) < 0)
			return 0;
		c = hi * 16 + lo;
		if (c == 0 || (c == '/' && (flags & GH_URL_NO_SLASH)))
			return 0;
		out[o++] = (char)c;
		i += 2;
	}
	out[o] = '\0';
	*out_len = o;
	return 1;
}

static void
check_decode(const char *s, size_t len, unsigned flags)
{
	char	*got, *want;
	size_t	 want_len;
	int	 valid;

	if ((want = malloc(len + 1)) == NULL)
		abort();
	valid = reference_decode(s, len, flags, want, &want_len);
	got = gh_url_decode(s, len, flags);
	if (got != NULL) {
		/* Byte for byte, the final NUL included: no NUL that the
		 * input did not hold raw, and nothing cut. */
		if (!valid || memcmp(got, want, want_len + 1) != 0)
			abort();
	} else if (valid) {
		/* The header leaves open whether a raw NUL byte (it "would
		 * decode to NUL") or, under GH_URL_NO_SLASH, a raw '/' is
		 * refused; anything else well-formed must decode. */
		if (memchr(s, '\0', len) == NULL &&
		    !((flags & GH_URL_NO_SLASH) && memchr(s, '/', len) != NULL))
			abort();
	}
	free(got);
	free(want);
}

/* gh_url_encode(s): every byte but the unreserved ones and '/' as %XX,
 * which decodes back to s with or without GH_URL_PLUS_SPACE. */
static void
check_encode(const char *s)
{
	char		*enc, *back;
	const char	*in, *e;
	unsigned char	 c;
	int		 hi, lo;
	unsigned	 flags;

	if ((enc = gh_url_encode(s)) == NULL)
		return;			/* out of memory */
	for (in = s, e = enc; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (unreserved_or_slash(c)) {
			if ((unsigned char)*e++ != c)
				abort();
			continue;
		}
		if (e[0] != '%' || (hi = hex_value(e[1])) < 0 ||
		    (lo = hex_value(e[2])) < 0 || hi * 16 + lo != c)
			abort();
		e += 3;
	}
	if (*e != '\0')
		abort();
	for (flags = 0; flags <= GH_URL_PLUS_SPACE;
	    flags += GH_URL_PLUS_SPACE) {
		back = gh_url_decode(enc, strlen(enc), flags);
		if (back == NULL || strcmp(back, s) != 0)
			abort();
		free(back);
	}
	free(enc);
}

/* lib/url.h: never a scheme, a host or a control character. */
static void
check_local(const char *target)
{
	const unsigned char	*p = (const unsigned char *)target;

	if (!gh_url_is_local(target))
		return;
	if (p[0] != '/' || p[1] == '/' || p[1] == '\\')
		abort();
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

/*
 * Whether value is what one pair "name=raw" of query decodes to (with '+'
 * as a space or not: lib/http.h says only "percent-decoded"); a bare
 * "name" may count as the empty value. *all_decode is set to 1 when the
 * query has a pair "name=..." and every such pair decodes.
 */
static int
query_has_value(const char *query, const char *name, const char *value,
    int *all_decode)
{
	const char	*p = query, *end, *eq;
	size_t		 name_len = strlen(name), raw_len, dec_len;
	char		*dec;
	int		 found = 0, named = 0, bad = 0;
	unsigned	 flags;

	for (;;) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL) {
			if ((size_t)(end - p) == name_len &&
			    strncmp(p, name, name_len) == 0 && *value == '\0')
				found = 1;
		} else if ((size_t)(eq - p) == name_len &&
		    strncmp(p, name, name_len) == 0) {
			named = 1;
			raw_len = (size_t)(end - eq - 1);
			if ((dec = malloc(raw_len + 1)) == NULL)
				abort();
			for (flags = 0; flags <= GH_URL_PLUS_SPACE;
			    flags += GH_URL_PLUS_SPACE) {
				if (!reference_decode(eq + 1, raw_len, flags,
				    dec, &dec_len))
					bad = 1;
				else if (strcmp(dec, value) == 0)
					found = 1;
			}
			free(dec);
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*all_decode = named && !bad;
	return found;
}

static void
check_query(char *query)
{
	struct gh_req	 req;
	char		*value;
	size_t		 i;
	int		 all_decode;

	memset(&req, 0, sizeof(req));
	req.query = query;
	for (i = 0; i < sizeof(query_names) / sizeof(query_names[0]); i++) {
		value = gh_req_query(&req, query_names[i]);
		if (value == NULL) {
			(void)query_has_value(query, query_names[i], "",
			    &all_decode);
			if (all_decode)
				abort();
			continue;
		}
		if (!query_has_value(query, query_names[i], value,
		    &all_decode))
			abort();
		check_local(value);
		check_encode(value);
		free(value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*raw = (const char *)data;
	char		*text;
	unsigned	 flags;

	for (flags = 0; flags <= (GH_URL_PLUS_SPACE | GH_URL_NO_SLASH);
	    flags++)
		check_decode(raw, size, flags);

	text = dup_n(data, size);	/* up to the first NUL */
	check_query(text);
	check_encode(text);
	check_local(text);
	free(text);
	return 0;
}
