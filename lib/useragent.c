#include <string.h>
#include <strings.h>

#include "str.h"
#include "useragent.h"

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4), 0 when
 * it is not one. C1 controls (U+0080..U+009F) count as not one. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xc2)
		lo = 0xa0;
	else if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t
gh_useragent_clean(char *dst, size_t size, const char *src)
{
	const unsigned char	*p = (const unsigned char *)src;
	size_t			 o = 0, n;

	if (size == 0)
		return 0;
	for (; p != NULL && *p != '\0' && o + 1 < size; p += n) {
		n = 1;
		if (*p < 0x20 || *p == 0x7f)
			continue;
		if (*p < 0x80) {
			if (*p != ' ' || o > 0)		/* leading space */
				dst[o++] = (char)*p;
			continue;
		}
		if ((n = utf8_len(p)) == 0) {
			n = 1;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, p, n);
		o += n;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
	return o;
}

static void
set(char *dst, size_t size, const char *src)
{
	gh_strlcpy(dst, src, size);
}

/* A version as it stands at p: digits, letters and dots (underscores
 * read as dots, as Apple writes them), no trailing dot. */
static void
version_at(char *dst, size_t size, const char *p)
{
	size_t	 o = 0;
	char	 c;

	for (; p != NULL && *p != '\0' && o + 1 < size; p++) {
		c = *p == '_' ? '.' : *p;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '.'))
			break;
		dst[o++] = c;
	}
	while (o > 0 && dst[o - 1] == '.')
		o--;
	dst[o] = '\0';
}

static int
token_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.' ||
	    c == '+';
}

/* The version after the product token "name/" (RFC 9110 §10.1.5) in ua,
 * where name starts a token; NULL when ua has no such token. */
static const char *
product(const char *ua, const char *name)
{
	const char	*p = ua;
	size_t		 n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == ua || !token_char(p[-1])) && p[n] == '/')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

/* The text after marker in ua, NULL when absent. */
static const char *
after(const char *ua, const char *marker)
{
	const char	*p = strstr(ua, marker);

	return p != NULL ? p + strlen(marker) : NULL;
}

static void
app(struct gh_ua *out, const char *name, const char *version)
{
	set(out->app_name, sizeof(out->app_name), name);
	version_at(out->app_version, sizeof(out->app_version), version);
}

/* The token around ua[at]: its name into app_name, and the version after
 * a '/' that ends it. */
static void
app_of_token(struct gh_ua *out, const char *ua, const char *at)
{
	const char	*b = at, *e = at;
	size_t		 n;

	while (b > ua && token_char(b[-1]))
		b--;
	while (*e != '\0' && token_char(*e))
		e++;
	n = (size_t)(e - b);
	if (n >= sizeof(out->app_name))
		n = sizeof(out->app_name) - 1;
	memcpy(out->app_name, b, n);
	out->app_name[n] = '\0';
	out->app_version[0] = '\0';
	if (*e == '/')
		version_at(out->app_version, sizeof(out->app_version), e + 1);
}

/* Crawlers, monitors and headless browsers name themselves; "bot" must end
 * a word ("Googlebot/2.1", "AhrefsBot;") so phone models like "CUBOT X30"
 * stay phones. */
static const char *
bot_marker(const char *ua)
{
	static const char *const words[] = { "crawler", "spider", "slurp",
	    "facebookexternalhit", "headlesschrome", "lighthouse" };
	const char	*p;
	size_t		 i;

	for (p = ua; (p = strcasestr(p, "bot")) != NULL; p += 3)
		if (p > ua && strchr("/-;)", p[3]) != NULL && p[3] != '\0')
			return p;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((p = strcasestr(ua, words[i])) != NULL)
			return p;
	return NULL;
}

static void
windows_version(struct gh_ua *out, const char *v)
{
	static const struct {
		const char	*nt, *name;
	} map[] = {
		/* Windows 11 still says 10.0 (only Client Hints tell them
		 * apart). */
		{ "10.0", "10" }, { "6.3", "8.1" }, { "6.2", "8" },
		{ "6.1", "7" }, { "6.0", "Vista" }, { "5.1", "XP" },
	};
	size_t	 i;

	version_at(out->os_version, sizeof(out->os_version), v);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(out->os_version, map[i].nt) == 0) {
			set(out->os_version, sizeof(out->os_version),
			    map[i].name);
			return;
		}
}

/* The platform, from the comment browsers and most apps put in
 * parentheses. browser: a Mozilla/ string, where Android without
 * "Mobile" is a tablet (Google's rule for Chrome). */
static void
platform(struct gh_ua *out, const char *ua, int browser)
{
	const char	*v;
	const char	*device = "unknown";

	if (strstr(ua, "iPhone") != NULL || strstr(ua, "iPod") != NULL) {
		set(out->os, sizeof(out->os), "iOS");
		device = "mobile";
		if ((v = after(ua, "iPhone OS ")) == NULL &&
		    (v = after(ua, "CPU OS ")) == NULL)
			v = after(ua, "iOS ");
		version_at(out->os_version, sizeof(out->os_version), v);
	} else if (strstr(ua, "iPad") != NULL) {
		set(out->os, sizeof(out->os), "iPadOS");
		device = "tablet";
		if ((v = after(ua, "CPU OS ")) == NULL &&
		    (v = after(ua, "iPadOS ")) == NULL)
			v = after(ua, "iOS ");
		version_at(out->os_version, sizeof(out->os_version), v);
	} else if ((v = after(ua, "Android")) != NULL) {
		set(out->os, sizeof(out->os), "Android");
		version_at(out->os_version, sizeof(out->os_version),
		    *v == ' ' ? v + 1 : v);
		device = !browser || strstr(ua, "Mobile") != NULL ?
		    "mobile" : "tablet";
	} else if ((v = after(ua, "Windows Phone ")) != NULL) {
		set(out->os, sizeof(out->os), "Windows Phone");
		version_at(out->os_version, sizeof(out->os_version), v);
		device = "mobile";
	} else if ((v = after(ua, "Windows NT ")) != NULL) {
		set(out->os, sizeof(out->os), "Windows");
		windows_version(out, v);
		device = "desktop";
	} else if (strstr(ua, "Windows") != NULL) {
		set(out->os, sizeof(out->os), "Windows");
		device = "desktop";
	} else if ((v = after(ua, "Mac OS X ")) != NULL ||
	    strstr(ua, "Macintosh") != NULL) {
		/* Safari froze this at 10_15_7 years ago; it is what is
		 * sent, so it is what is shown. */
		set(out->os, sizeof(out->os), "macOS");
		version_at(out->os_version, sizeof(out->os_version), v);
		device = "desktop";
	} else if (strstr(ua, "CrOS ") != NULL) {
		set(out->os, sizeof(out->os), "ChromeOS");
		device = "desktop";
	} else if (strstr(ua, "FreeBSD") != NULL) {
		set(out->os, sizeof(out->os), "FreeBSD");
		device = "desktop";
	} else if (strstr(ua, "OpenBSD") != NULL) {
		set(out->os, sizeof(out->os), "OpenBSD");
		device = "desktop";
	} else if (strstr(ua, "Linux") != NULL || strstr(ua, "X11") != NULL) {
		set(out->os, sizeof(out->os), "Linux");
		device = "desktop";
	} else if (product(ua, "okhttp") != NULL) {
		/* OkHttp's own string names no platform; nearly every
		 * client of it is an Android app. */
		set(out->os, sizeof(out->os), "Android");
		device = "mobile";
	}
	set(out->device_type, sizeof(out->device_type), device);
}

/* The browser of a Mozilla/ string. Order matters: each one names the
 * engines it imitates (Edge says Chrome and Safari, Chrome says Safari). */
static void
browser(struct gh_ua *out, const char *ua)
{
	static const struct {
		const char	*token, *name;
	} named[] = {
		{ "Edg", "Edge" }, { "EdgA", "Edge" }, { "EdgiOS", "Edge" },
		{ "Edge", "Edge" }, { "OPR", "Opera" }, { "OPiOS", "Opera" },
		{ "SamsungBrowser", "Samsung Internet" },
		{ "YaBrowser", "Yandex Browser" }, { "Vivaldi", "Vivaldi" },
		{ "Firefox", "Firefox" }, { "FxiOS", "Firefox" },
		{ "CriOS", "Chrome" },
	};
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if ((v = product(ua, named[i].token)) != NULL) {
			app(out, named[i].name, v);
			return;
		}
	/* An Android app's embedded browser marks itself "; wv)". */
	if ((v = product(ua, "Chrome")) != NULL && strstr(ua, "; wv)") != NULL)
		app(out, "Android WebView", v);
	else if (v != NULL || (v = product(ua, "Chromium")) != NULL)
		app(out, "Chrome", v);
	else if (product(ua, "Safari") != NULL &&
	    (v = product(ua, "Version")) != NULL)
		app(out, "Safari", v);
	else if (product(ua, "AppleWebKit") != NULL &&
	    (strstr(ua, "iPhone") != NULL || strstr(ua, "iPad") != NULL))
		app(out, "WebKit", "");	/* an iOS app's web view */
}

void
gh_useragent_parse(const char *raw, struct gh_ua *out)
{
	char		 ua[GH_UA_MAX + 1];
	const char	*bot, *e;
	int		 mozilla;

	memset(out, 0, sizeof(*out));
	set(out->device_type, sizeof(out->device_type), "unknown");
	if (gh_useragent_clean(ua, sizeof(ua), raw) == 0)
		return;
	mozilla = strncmp(ua, "Mozilla/", 8) == 0;
	platform(out, ua, mozilla);
	if ((bot = bot_marker(ua)) != NULL) {
		set(out->device_type, sizeof(out->device_type), "bot");
		app_of_token(out, ua, bot);
		return;
	}
	if (mozilla) {
		browser(out, ua);
		return;
	}
	/* An app or a library: its own product token comes first. */
	for (e = ua; token_char(*e); e++)
		;
	if (e > ua)
		app_of_token(out, ua, ua);
}

static int
is_device(const char *s)
{
	static const char *const types[] = { "desktop", "mobile", "tablet",
	    "bot", "unknown" };
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i]) == 0)
			return 1;
	return 0;
}

/* Replaces field with src cleaned, unless src is absent or nothing is
 * left of it; 1 when it did. */
static int
over(char *field, size_t size, const char *src)
{
	char	 tmp[GH_UA_NAME_MAX + 1];

	if (src == NULL || gh_useragent_clean(tmp, size < sizeof(tmp) ? size :
	    sizeof(tmp), src) == 0)
		return 0;
	set(field, size, tmp);
	return 1;
}

void
gh_useragent_client(struct gh_ua *out, const struct gh_ua_client *c)
{
	char	 dev[GH_UA_DEVICE_MAX + 2];
	char	*p;

	/* A name without a version must not keep the browser's version;
	 * the same for the system. */
	if (over(out->app_name, sizeof(out->app_name), c->name))
		out->app_version[0] = '\0';
	(void)over(out->app_version, sizeof(out->app_version), c->version);
	if (over(out->os, sizeof(out->os), c->os))
		out->os_version[0] = '\0';
	(void)over(out->os_version, sizeof(out->os_version), c->os_version);
	/* One byte more than the longest type: "desktops" is no type. */
	if (c->device != NULL &&
	    gh_useragent_clean(dev, sizeof(dev), c->device) > 0 &&
	    is_device(dev)) {
		for (p = dev; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		set(out->device_type, sizeof(out->device_type), dev);
	}
}
