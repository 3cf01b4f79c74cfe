/* HTML form bodies: application/x-www-form-urlencoded (the URL standard's
 * serialisation, what a browser sends without JavaScript). */
#ifndef GH_FORM_H
#define GH_FORM_H

#include <stddef.h>

/* The decoded value of the first name=value pair called name in
 * body[0..len), as a new string (free()); NULL when absent or malformed
 * (a bad escape, an encoded NUL). The body need not be NUL-terminated. */
char	*gh_form_value(const char *body, size_t len, const char *name);
/* 1 when the media type (before any ';') is the form type. */
int	 gh_form_is_type(const char *content_type);

#endif
