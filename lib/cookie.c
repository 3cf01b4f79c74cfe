#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "cookie.h"
#include "http.h"
#include "url.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING

const char *
gh_cookie_name(const struct gh_config *cfg)
{
	return cfg->cookie_secure ? "__Host-gh_session" : "gh_session";
}

int
gh_cookie_session(const char *header, const char *name,
    char out[GH_OPAQUE_LEN + 1])
{
	size_t		 n = strlen(name), len;
	const char	*p = header, *v, *end;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=') {
			v = p + n + 1;
			len = (size_t)(end - v);
			while (len > 0 && v[len - 1] == ' ')
				len--;
			if (len != GH_OPAQUE_LEN)
				return -1;
			memcpy(out, v, len);
			out[len] = '\0';
			return strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
			    "klmnopqrstuvwxyz0123456789-_") == len ? 1 : -1;
		}
		p = end;
	}
	return 0;
}

/* One cookie of ours: host-only, whole site, never for scripts. */
static enum gh_err
set_cookie(struct gh_res *res, const struct gh_config *cfg, const char *name,
    const char *value, int64_t max_age)
{
	return gh_res_header(res, "Set-Cookie", "%s=%s; Path=/; Max-Age=%lld; "
	    "HttpOnly; SameSite=Lax%s", name, value, (long long)max_age,
	    cfg->cookie_secure ? "; Secure" : "");
}

enum gh_err
gh_cookie_set(struct gh_res *res, const struct gh_config *cfg,
    const char *token)
{
	return set_cookie(res, cfg, gh_cookie_name(cfg), token,
	    cfg->refresh_ttl);
}

enum gh_err
gh_cookie_clear(struct gh_res *res, const struct gh_config *cfg)
{
	return set_cookie(res, cfg, gh_cookie_name(cfg), "", 0);
}

const char *
gh_cookie_device_name(const struct gh_config *cfg)
{
	return cfg->cookie_secure ? "__Host-gh_device" : "gh_device";
}

enum gh_err
gh_cookie_device_set(struct gh_res *res, const struct gh_config *cfg,
    const char *token)
{
	return set_cookie(res, cfg, gh_cookie_device_name(cfg), token,
	    GH_DEVICE_COOKIE_AGE);
}

const char *
gh_cookie_oauth_name(const struct gh_config *cfg)
{
	return cfg->cookie_secure ? "__Host-gh_oauth" : "gh_oauth";
}

enum gh_err
gh_cookie_oauth_set(struct gh_res *res, const struct gh_config *cfg,
    const char *value, int64_t max_age, int cross_site)
{
	if (!cross_site || !cfg->cookie_secure)
		return set_cookie(res, cfg, gh_cookie_oauth_name(cfg), value,
		    max_age);
	return gh_res_header(res, "Set-Cookie", "%s=%s; Path=/; Max-Age=%lld; "
	    "HttpOnly; SameSite=None; Secure", gh_cookie_oauth_name(cfg),
	    value, (long long)max_age);
}

void
gh_csrf_token(const unsigned char secret[crypto_secretbox_KEYBYTES],
    const char *session_id, char out[GH_CSRF_LEN + 1])
{
	unsigned char	 mac[32];
	char		 msg[64];

	snprintf(msg, sizeof(msg), "csrf:%s", session_id);
	crypto_generichash(mac, sizeof(mac), (const unsigned char *)msg,
	    strlen(msg), secret, crypto_secretbox_KEYBYTES);
	sodium_bin2base64(out, GH_CSRF_LEN + 1, mac, sizeof(mac), B64URL);
	sodium_memzero(mac, sizeof(mac));
}

int
gh_csrf_ok(const unsigned char secret[crypto_secretbox_KEYBYTES],
    const char *session_id, const char *presented)
{
	char	 want[GH_CSRF_LEN + 1];
	int	 ok;

	if (presented == NULL || strlen(presented) != GH_CSRF_LEN)
		return 0;
	gh_csrf_token(secret, session_id, want);
	ok = sodium_memcmp(want, presented, GH_CSRF_LEN) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}

/* scheme://host[:port] of an absolute URL, into buf; 0 when it has none. */
static int
origin_of(const char *url, char *buf, size_t bufsz)
{
	const char	*p = strstr(url, "://"), *end;
	size_t		 n;

	if (p == NULL)
		return 0;
	end = strchr(p + 3, '/');
	n = end != NULL ? (size_t)(end - url) : strlen(url);
	if (n == 0 || n >= bufsz)
		return 0;
	memcpy(buf, url, n);
	buf[n] = '\0';
	return 1;
}

static int
listed(const char *list, const char *origin)
{
	size_t		 n = strlen(origin);
	const char	*p = list;

	if (n == 0)	/* strstr would find "" forever */
		return 0;
	while ((p = strstr(p, origin)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

int
gh_origin_ok(const struct gh_req *req, const struct gh_config *cfg)
{
	char	 have[600], self[600];

	if (req->origin != NULL) {
		if (strcmp(req->origin, "null") == 0 ||
		    snprintf(have, sizeof(have), "%s", req->origin) >=
		    (int)sizeof(have))
			return 0;
	} else if (req->referer != NULL) {
		if (!origin_of(req->referer, have, sizeof(have)))
			return 0;
	} else
		return 1;
	if (have[0] == '\0')
		return 0;
	if (req->host != NULL &&
	    snprintf(self, sizeof(self), "%s://%s", req->https ? "https" :
	    "http", req->host) < (int)sizeof(self) &&
	    strcasecmp(self, have) == 0)
		return 1;
	return cfg->allowed_origins[0] != '\0' &&
	    listed(cfg->allowed_origins, have);
}

int
gh_redirect_allowed(const struct gh_config *cfg, const char *url)
{
	char		 want[600], have[600];
	const char	*p;

	if (url == NULL || *url == '\0' || strlen(url) > 2048)
		return 0;
	if (gh_url_is_local(url))
		return 1;
	if (strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0)
		return 0;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	if (!origin_of(url, have, sizeof(have)) ||
	    strchr(strstr(have, "://") + 3, '@') != NULL)
		return 0;
	for (p = have; *p != '\0'; p++)	/* hosts are case-blind */
		have[p - have] = (char)tolower((unsigned char)*p);
	if (origin_of(cfg->public_url, want, sizeof(want)) &&
	    strcasecmp(want, have) == 0)
		return 1;
	return cfg->allowed_origins[0] != '\0' &&
	    listed(cfg->allowed_origins, have);
}
