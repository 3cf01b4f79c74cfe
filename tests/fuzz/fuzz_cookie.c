/*
 * libFuzzer harness for lib/cookie.c, the parsers of browser-session input:
 *
 * - gh_cookie_session: the input (up to its first NUL) is a Cookie header,
 *   searched for both cookie names ("__Host-gh_session", "gh_session");
 * - gh_origin_ok: the input split at NUL or newline gives Origin, Referer
 *   and Host (a missing field is an absent header, an empty one a header
 *   sent empty), checked over http and https against allowed_origins =
 *   "https://a.example https://b.example:8443"; then once more with the
 *   first field as the Referer and no Origin, so origin_of() is reached;
 * - gh_csrf_ok: the whole input as the presented X-CSRF-Token for a fixed
 *   secret and session id.
 *
 * Besides the sanitizers, it aborts when a result breaks the contract in
 * lib/cookie.h (a value returned that is not 43 base64url characters, an
 * Origin of "null" accepted, a foreign origin accepted, the right CSRF
 * token refused).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "cookie.h"
#include "http.h"
#include "fuzz.h"

#define B64URL_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-_"

static struct gh_config	cfg;
static unsigned char	secret[crypto_secretbox_KEYBYTES];
static const char	session_id[] = "0190a6c2-7f3e-7a41-9c55-3b1f2d4e6a88";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t	i;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.allowed_origins, "https://a.example https://b.example:8443");
	cfg.cookie_secure = 1;
	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)(i * 7 + 1);
	return 0;
}

static void
cookie(const char *header, const char *name)
{
	char	out[GH_OPAQUE_LEN + 1];
	int	r;

	memset(out, 'x', sizeof(out));
	r = gh_cookie_session(header, name, out);
	switch (r) {
	case 1:
		if (strlen(out) != GH_OPAQUE_LEN ||
		    strspn(out, B64URL_CHARS) != GH_OPAQUE_LEN ||
		    strstr(header, name) == NULL ||
		    strstr(header, out) == NULL)
			abort();
		break;
	case 0:
		/* Absent: the name followed by '=' cannot start a pair. */
		break;
	case -1:
		if (strstr(header, name) == NULL)
			abort();
		break;
	default:
		abort();
	}
}

/* 1 when origin is one of the allowed origins, or (a quirk of listed(),
 * harmless: no browser sends such an Origin) a space-separated run of
 * them as they stand in the list. */
static int
allowed(const char *origin)
{
	const char	*list = cfg.allowed_origins, *p;
	size_t		 n = strlen(origin);

	if (n == 0)
		return 0;
	for (p = list; (p = strstr(p, origin)) != NULL; p++)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' '))
			return 1;
	return 0;
}

static void
origin(char *o, char *ref, char *host, int https)
{
	struct gh_req	req;
	char		self[600];
	int		ok;

	memset(&req, 0, sizeof(req));
	req.origin = o;
	req.referer = ref;
	req.host = host;
	req.https = https;
	ok = gh_origin_ok(&req, &cfg);
	if (ok != 0 && ok != 1)
		abort();
	if (o == NULL && ref == NULL && !ok)
		abort();		/* not a browser: passes */
	if (o != NULL && strcmp(o, "null") == 0 && ok)
		abort();
	if (o != NULL && allowed(o) && !ok)
		abort();
	if (o != NULL && ok && !allowed(o)) {
		/* Only this site itself may be accepted besides the list. */
		if (host == NULL)
			abort();
		snprintf(self, sizeof(self), "%s://%s",
		    https ? "https" : "http", host);
		if (strcasecmp(self, o) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*all, *f[3] = { NULL, NULL, NULL };
	char		 want[GH_CSRF_LEN + 1];
	size_t		 start = 0, i, nf = 0;

	/* The Cookie header: the input up to its first NUL. */
	all = dup_n(data, size);
	cookie(all, "__Host-gh_session");
	cookie(all, "gh_session");

	/* The presented CSRF token. */
	gh_csrf_token(secret, session_id, want);
	if (gh_csrf_ok(secret, session_id, all) !=
	    (strcmp(all, want) == 0))
		abort();
	if (!gh_csrf_ok(secret, session_id, want))
		abort();

	/* Origin, Referer, Host. */
	for (i = 0; i <= size && nf < 3; i++)
		if (i == size || data[i] == '\0' || data[i] == '\n') {
			f[nf++] = dup_n(data + start, i - start);
			start = i + 1;
		}
	origin(f[0], f[1], f[2], 0);
	origin(f[0], f[1], f[2], 1);
	origin(NULL, f[0], f[2], 1);

	for (i = 0; i < nf; i++)
		free(f[i]);
	free(all);
	return 0;
}
