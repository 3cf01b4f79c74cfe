/* Bounded string copy: snprintf(dst, size, "%s", src) without the format
 * machinery, which the hot paths pay for per field. */
#ifndef GH_STR_H
#define GH_STR_H

#include <stddef.h>

/* Copies src (NULL copies "") into dst[0..size), always terminated when
 * size > 0; returns strlen(src), so a result >= size means it was cut. */
size_t	gh_strlcpy(char *dst, const char *src, size_t size);

/* base64url without padding (RFC 4648 §5), as JOSE writes it: an owned
 * string (free()), NULL when out of memory. */
char	*gh_b64url_encode(const unsigned char *bin, size_t len);
/* Decodes exactly one base64url value s[0..len): no padding, white space
 * or stray bits in the last character (RFC 7515 §2). 0, or -1. */
int	 gh_b64url_decode(const char *s, size_t len, unsigned char *out,
	    size_t outsz, size_t *outlen);
/* The two dots of a compact JWS or JWT s[0..len) (RFC 7515 §7.1): 0 when
 * there are exactly three non-empty parts, no NUL and len <= max. */
int	 gh_str_jws_split(const char *s, size_t len, size_t max,
	    size_t *dot1, size_t *dot2);

#endif
