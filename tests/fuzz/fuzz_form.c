/* libFuzzer: HTML form bodies (lib/form.c) and return addresses
 * (gh_url_is_local), as ui.fcgi reads them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "url.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "email", "password",
	    "display_name", "return_to", "csrf_token", "" };
	const char	*body = (const char *)data;
	char		*v, *copy;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = gh_form_value(body, size, names[i]);
		if (v != NULL) {
			(void)gh_url_is_local(v);
			free(v);
		}
	}
	/* A decoded value never hides a NUL: input with a raw NUL byte is
	 * refused (an encoded one too, which the decoder checks itself), and
	 * what is returned is never longer than what came in. */
	v = gh_url_decode(body, size, GH_URL_PLUS_SPACE);
	if (v != NULL && (memchr(body, '\0', size) != NULL ||
	    strlen(v) > size))
		abort();
	free(v);
	(void)gh_form_is_type(NULL);
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	(void)gh_form_is_type(copy);
	if (gh_url_is_local(copy) && (copy[1] == '/' || copy[1] == '\\'))
		abort();	/* "//host" must never count as local */
	free(copy);
	return 0;
}
