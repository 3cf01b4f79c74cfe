#include <string.h>
#include <strings.h>

#include "form.h"
#include "url.h"

char *
gh_form_value(const char *body, size_t len, const char *name)
{
	const char	*p = body, *end = body + len, *amp, *eq;
	size_t		 n = strlen(name);

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq != NULL && (size_t)(eq - p) == n && memcmp(p, name, n) == 0)
			return gh_url_decode(eq + 1, (size_t)(amp - eq - 1),
			    GH_URL_PLUS_SPACE);
		p = amp + 1;
	}
	return NULL;
}

int
gh_form_is_type(const char *ct)
{
	static const char	 type[] = "application/x-www-form-urlencoded";
	size_t			 n = sizeof(type) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, type, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}
