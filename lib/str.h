/* Bounded string copy: snprintf(dst, size, "%s", src) without the format
 * machinery, which the hot paths pay for per field. */
#ifndef GH_STR_H
#define GH_STR_H

#include <stddef.h>

/* Copies src (NULL copies "") into dst[0..size), always terminated when
 * size > 0; returns strlen(src), so a result >= size means it was cut. */
size_t	gh_strlcpy(char *dst, const char *src, size_t size);

#endif
