/*
 * libFuzzer harness for lib/useragent.c, the device of a session:
 *
 * - gh_useragent_parse: the input up to its first NUL, as User-Agent;
 * - gh_useragent_client: the input split at NUL or newline gives the five
 *   X-Client-* headers, laid over the parse;
 * - gh_useragent_clean: the whole input into buffers of every size up to
 *   40 bytes.
 *
 * Besides the sanitizers, it aborts when a result breaks lib/useragent.h:
 * a field not NUL-terminated in its buffer, a byte below 0x20 or 0x7f, a
 * field that is not UTF-8, white space at either end, a device type that
 * is not one of the five, or a cleaned length that is not strlen of what
 * was written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "useragent.h"

static void
check_text(const char *s, size_t size)
{
	size_t	 n;

	if (memchr(s, '\0', size) == NULL)
		abort();
	n = strlen(s);
	if (gh_json_utf8_count(s, n) < 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
		abort();
}

static void
check(const struct gh_ua *u)
{
	static const char *const types[] = { "desktop", "mobile", "tablet",
	    "bot", "unknown" };
	size_t	 i;
	int	 ok = 0;

	check_text(u->device_type, sizeof(u->device_type));
	check_text(u->os, sizeof(u->os));
	check_text(u->os_version, sizeof(u->os_version));
	check_text(u->app_name, sizeof(u->app_name));
	check_text(u->app_version, sizeof(u->app_version));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ok |= strcmp(u->device_type, types[i]) == 0;
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gh_ua		 u;
	struct gh_ua_client	 c;
	const char		*part[5] = { NULL };
	char			*text, *all, *p, out[40];
	size_t			 i, n;

	text = dup_n(data, size);	/* up to the first NUL */
	gh_useragent_parse(text, &u);
	check(&u);

	/* The headers: the input cut at each NUL or newline. */
	all = dup_n(data, size);
	for (i = 0, p = all; i < 5 && p <= all + size; i++) {
		part[i] = p;
		n = strcspn(p, "\n");
		if (p[n] == '\n')
			p[n] = '\0';
		p += n + 1;
	}
	c.name = part[0];
	c.version = part[1];
	c.os = part[2];
	c.os_version = part[3];
	c.device = part[4];
	gh_useragent_client(&u, &c);
	check(&u);

	for (i = 1; i <= sizeof(out); i++) {
		memset(out, 'x', sizeof(out));
		n = gh_useragent_clean(out, i, text);
		if (n >= i || strlen(out) != n)
			abort();
		check_text(out, i);
	}

	free(all);
	free(text);
	return 0;
}
