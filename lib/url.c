#include <stdlib.h>
#include <string.h>

#include "url.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
gh_url_decode(const char *s, size_t len, unsigned flags)
{
	char	*out, *o;
	size_t	 i;
	int	 hi, lo, c;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (s[i] == '+' && (flags & GH_URL_PLUS_SPACE)) {
			*o++ = ' ';
			continue;
		}
		if (s[i] == '\0')	/* a raw NUL would cut the value short */
			goto bad;
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0)
			goto bad;
		c = hi * 16 + lo;
		if (c == 0 || (c == '/' && (flags & GH_URL_NO_SLASH)))
			goto bad;
		*o++ = (char)c;
		i += 2;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

char *
gh_url_encode(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 len = strlen(s);
	char			*out, *o;
	unsigned char		 c;

	if (len > ((size_t)-1 - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/", c) != NULL)
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o = '\0';
	return out;
}

int
gh_url_is_local(const char *t)
{
	size_t	 i;

	if (t == NULL || t[0] != '/' || t[1] == '/' || t[1] == '\\' ||
	    strlen(t) > 2048)
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x21 || t[i] == 0x7f || t[i] == '\\')
			return 0;
	return 1;
}
