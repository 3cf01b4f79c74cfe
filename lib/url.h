/* Percent-decoding (RFC 3986 §2.1) for path segments and query values. */
#ifndef GH_URL_H
#define GH_URL_H

#include <stddef.h>

enum gh_url_flags {
	GH_URL_PLUS_SPACE = 1 << 0,	/* '+' is a space (form encoding) */
	GH_URL_NO_SLASH = 1 << 1,	/* refuse a decoded '/' */
};

/* Decodes s[0..len) into a new string (free()). NULL when an escape is
 * malformed, when s holds or would decode to NUL (or to '/' with
 * GH_URL_NO_SLASH), or when memory runs out. */
char	*gh_url_decode(const char *s, size_t len, unsigned flags);

/* Percent-encodes s for a query value: everything but RFC 3986's
 * unreserved characters and '/'. Returns a new string (free()). */
char	*gh_url_encode(const char *s);

/* 1 when target may follow a sign-in: a path on this site ("/x?y"), never
 * a scheme, a host ("//evil", "/\\evil") or a control character. */
int	 gh_url_is_local(const char *target);

#endif
