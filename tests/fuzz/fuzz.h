/* What the harnesses share. */
#ifndef GH_FUZZ_H
#define GH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The input as a NUL-terminated string of exactly n bytes (an exact-size
 * copy, so reading past it is caught). */
static inline char *
dup_n(const uint8_t *s, size_t n)
{
	char	*p = malloc(n + 1);

	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

#endif
