#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "str.h"

size_t
gh_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 len = src != NULL ? strlen(src) : 0, n;

	if (size > 0) {
		n = len < size - 1 ? len : size - 1;
		if (n > 0)
			memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

char *
gh_b64url_encode(const unsigned char *bin, size_t len)
{
	size_t	 n = sodium_base64_encoded_len(len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*out;

	if ((out = malloc(n)) == NULL)
		return NULL;
	sodium_bin2base64(out, n, bin, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

int
gh_b64url_decode(const char *s, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	const char	*end;

	if (len == 0 || sodium_base642bin(out, outsz, s, len, NULL, outlen,
	    &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + len)
		return -1;
	return 0;
}

int
gh_str_jws_split(const char *s, size_t len, size_t max, size_t *dot1,
    size_t *dot2)
{
	const char	*a, *b;

	if (s == NULL || len == 0 || len > max || memchr(s, '\0', len) != NULL)
		return -1;
	if ((a = memchr(s, '.', len)) == NULL)
		return -1;
	*dot1 = (size_t)(a - s);
	if ((b = memchr(a + 1, '.', len - *dot1 - 1)) == NULL)
		return -1;
	*dot2 = (size_t)(b - s);
	if (memchr(b + 1, '.', len - *dot2 - 1) != NULL || *dot1 == 0 ||
	    *dot2 == *dot1 + 1 || *dot2 + 1 == len)
		return -1;
	return 0;
}
