#include <string.h>

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
