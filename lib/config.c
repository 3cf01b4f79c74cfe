#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ip.h"
#include "str.h"

enum kind { K_STR, K_INT, K_RATE };

/* Every key once: its type, bounds and default. */
static const struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	size_t		 size;		/* strings: buffer size */
	int64_t		 min, max;
	int64_t		 idef;
	const char	*sdef;
} keys[] = {
#define S(n, d) { #n, K_STR, offsetof(struct gh_config, n), \
	sizeof(((struct gh_config *)0)->n), 0, 0, 0, d }
#define I(n, lo, hi, d) { #n, K_INT, offsetof(struct gh_config, n), 0, \
	lo, hi, d, NULL }
#define R(n, d) { #n, K_RATE, offsetof(struct gh_config, n), 0, 0, 0, 0, d }
	S(data_dir, "./var"),
	S(db_path, ""),
	S(secret_key_file, ""),
	S(issuer, "http://127.0.0.1:8080"),
	S(sign_in_url, "/ui/sign-in"),
	S(allowed_origins, ""),
	I(access_ttl, 30, 86400, 900),
	I(refresh_ttl, 60, 400LL * 86400, 30LL * 86400),
	I(refresh_grace, 0, 86400 * 30, 10),
	I(argon2_opslimit, 1, 64, 2),
	I(argon2_memlimit_kib, 8, 4LL * 1024 * 1024, 19456),
	I(body_limit, 1024, 64LL * 1024 * 1024, 65536),
	I(json_max_depth, 2, 64, 16),
	I(log_requests, 0, 1, 1),
	I(key_reload_interval, 1, 86400, 60),
	I(cookie_secure, 0, 1, 1),
	S(trusted_proxies, ""),
	R(rate_limit_sign_in, "30/300"),
	R(rate_limit_sign_up, "30/3600"),
	R(rate_limit_refresh, "300/300"),
	R(rate_limit_credential, "30/300"),
	R(rate_limit_email, "30/3600"),
	R(rate_limit_email_address, "5/3600"),
	R(rate_limit_api, "off"),
	I(sign_in_backoff_after, 1, 1000, 5),
	I(sign_in_backoff_base, 1, 86400, 15),
	I(sign_in_backoff_max, 1, 7LL * 86400, 900),
	I(sign_in_backoff_reset, 60, 365LL * 86400, 86400),
	I(password_min_length, 8, 1024, 8),
	I(password_max_length, 8, 1024, 128),
	I(breached_password_check, 0, 1, 0),
	S(breached_password_url, "https://api.pwnedpasswords.com/range/"),
	I(breached_password_timeout_ms, 100, 60000, 2000),
	S(breached_password_on_error, "allow"),
	S(public_url, "http://127.0.0.1:8080"),
	S(app_name, "Gatehouse"),
	S(mail_from, "Gatehouse <noreply@localhost>"),
	S(smtp_url, ""),
	S(smtp_username, ""),
	S(smtp_password, ""),
	I(smtp_starttls, 0, 1, 0),
	I(smtp_timeout_ms, 100, 600000, 10000),
	S(smtp_ca_file, ""),
	S(mail_dir, ""),
	S(templates_dir, ""),
	I(email_verification_ttl, 60, 30LL * 86400, 86400),
	I(password_reset_ttl, 60, 86400, 3600),
	S(verify_redirect_url, "/ui/verified"),
	I(email_cooldown, 0, 86400, 60),
	I(magic_link_ttl, 60, 86400, 900),
	I(check_email, 0, 1, 1),
	I(email_code_ttl, 60, 3600, 900),
	I(email_code_attempts, 1, 20, 5),
	I(require_email_verification, 0, 1, 0),
	S(oauth_providers, ""),
	I(oauth_state_ttl, 60, 3600, 600),
	I(oauth_timeout_ms, 100, 60000, 5000),
	I(oauth_cache_ttl, 60, 7LL * 86400, 3600),
	I(oauth_auto_link, 0, 1, 1),
	S(geo_country_header, ""),
	S(geo_region_header, ""),
	S(geoip_database, ""),
	S(membership_tiers, "free"),
	I(signup_invite_only, 0, 1, 0),
	I(invite_ttl, 60, GH_INVITE_TTL_MAX, 7LL * 86400),
	S(invite_url, ""),
	S(invite_redirect_url, "/ui/me"),
#undef S
#undef I
#undef R
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* The fields of a provider: oauth_<name>_<field>. */
static const struct pkey {
	const char	*name;
	size_t		 off;
	size_t		 size;
} pkeys[] = {
#define P(n) { #n, offsetof(struct gh_oauth_cfg, n), \
	sizeof(((struct gh_oauth_cfg *)0)->n) }
	P(type), P(display_name), P(client_id), P(client_secret), P(issuer),
	P(authorize_url), P(token_url), P(userinfo_url), P(jwks_url),
	P(api_url), P(scopes), P(redirect_uri), P(audiences), P(team_id),
	P(key_id), P(private_key_file),
#undef P
};

#define NPKEYS	(sizeof(pkeys) / sizeof(pkeys[0]))

/* What a provider type fills in when left empty. */
static const struct preset {
	const char	*type, *display_name, *issuer, *authorize_url;
	const char	*token_url, *api_url, *scopes;
} presets[] = {
	{ "oidc", NULL, NULL, NULL, NULL, NULL, "openid email profile" },
	{ "google", "Google", "https://accounts.google.com", NULL, NULL, NULL,
	    "openid email profile" },
	{ "microsoft", "Microsoft",
	    "https://login.microsoftonline.com/common/v2.0", NULL, NULL, NULL,
	    "openid email profile" },
	{ "apple", "Apple", "https://appleid.apple.com", NULL, NULL, NULL,
	    "openid email name" },
	{ "github", "GitHub", NULL, "https://github.com/login/oauth/authorize",
	    "https://github.com/login/oauth/access_token",
	    "https://api.github.com", "read:user user:email" },
	{ "facebook", "Facebook", NULL,
	    "https://www.facebook.com/v19.0/dialog/oauth",
	    "https://graph.facebook.com/v19.0/oauth/access_token",
	    "https://graph.facebook.com/v19.0", "email public_profile" },
};

static int
provider_name_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > GH_OAUTH_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* The slot of provider name[0..len), made when new; NULL when full. */
static struct gh_oauth_cfg *
provider_slot(struct gh_config *c, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < c->noauth; i++)
		if (strlen(c->oauth[i].name) == len &&
		    memcmp(c->oauth[i].name, name, len) == 0)
			return &c->oauth[i];
	if (c->noauth == GH_OAUTH_MAX)
		return NULL;
	memcpy(c->oauth[c->noauth].name, name, len);
	c->oauth[c->noauth].name[len] = '\0';
	return &c->oauth[c->noauth++];
}

static enum gh_err
set_provider_field(struct gh_oauth_cfg *p, const struct pkey *k,
    const char *val, const char *where, char *err, size_t errsz)
{
	if (strlen(val) >= k->size) {
		snprintf(err, errsz, "%s: oauth_%s_%s is too long", where,
		    p->name, k->name);
		return GH_EINVAL;
	}
	memcpy((char *)p + k->off, val, strlen(val) + 1);
	return GH_OK;
}

/* oauth_<name>_<field> = val; GH_ENOTFOUND when key is not of that form. */
static enum gh_err
set_provider(struct gh_config *c, const char *key, const char *val,
    const char *where, char *err, size_t errsz)
{
	const char		*name, *us;
	struct gh_oauth_cfg	*p;
	size_t			 i;

	if (strncmp(key, "oauth_", 6) != 0)
		return GH_ENOTFOUND;
	name = key + 6;
	if ((us = strchr(name, '_')) == NULL ||
	    !provider_name_ok(name, (size_t)(us - name)))
		return GH_ENOTFOUND;
	for (i = 0; i < NPKEYS; i++)
		if (strcmp(us + 1, pkeys[i].name) == 0)
			break;
	if (i == NPKEYS)
		return GH_ENOTFOUND;
	if ((p = provider_slot(c, name, (size_t)(us - name))) == NULL) {
		snprintf(err, errsz, "%s: at most %d OAuth providers", where,
		    GH_OAUTH_MAX);
		return GH_EINVAL;
	}
	return set_provider_field(p, &pkeys[i], val, where, err, errsz);
}

/* The providers named in oauth_providers, their environment overrides
 * (GATEHOUSE_OAUTH_<NAME>_<FIELD>). */
static enum gh_err
providers_from_env(struct gh_config *c,
    const char *(*getenv_fn)(const char *), char *err, size_t errsz)
{
	char			 envname[96];
	const char		*s = c->oauth_providers, *v;
	struct gh_oauth_cfg	*p;
	size_t			 len, i, j, n;
	enum gh_err		 er;

	while (*s != '\0') {
		while (*s == ' ' || *s == ',')
			s++;
		for (len = 0; s[len] != '\0' && s[len] != ' ' &&
		    s[len] != ','; len++)
			;
		if (len == 0)
			break;
		if (!provider_name_ok(s, len)) {
			snprintf(err, errsz, "oauth_providers: \"%.*s\" is not "
			    "a provider name (a-z, 0-9, at most %d)",
			    (int)(len > 32 ? 32 : len), s, GH_OAUTH_NAME_MAX);
			return GH_EINVAL;
		}
		if ((p = provider_slot(c, s, len)) == NULL) {
			snprintf(err, errsz, "oauth_providers: at most %d",
			    GH_OAUTH_MAX);
			return GH_EINVAL;
		}
		for (i = 0; getenv_fn != NULL && i < NPKEYS; i++) {
			n = (size_t)snprintf(envname, sizeof(envname),
			    "GATEHOUSE_OAUTH_%s_%s", p->name, pkeys[i].name);
			for (j = 16; j < n && j < sizeof(envname); j++)
				envname[j] = (char)toupper(
				    (unsigned char)envname[j]);
			if ((v = getenv_fn(envname)) != NULL &&
			    (er = set_provider_field(p, &pkeys[i], v, envname,
			    err, errsz)) != GH_OK)
				return er;
		}
		s += len;
	}
	return GH_OK;
}

static int
listed(const char *list, const char *name)
{
	size_t	 n = strlen(name);
	const char *s = list;

	while ((s = strstr(s, name)) != NULL) {
		if ((s == list || s[-1] == ' ' || s[-1] == ',') &&
		    (s[n] == '\0' || s[n] == ' ' || s[n] == ','))
			return 1;
		s += n;
	}
	return 0;
}

static void
fill(char *field, size_t size, const char *value)
{
	if (*field == '\0' && value != NULL)
		snprintf(field, size, "%s", value);
}

/* A tier name or a capability: [a-z0-9] first, then [a-z0-9_.:-]. */
static int
word_ok(const char *s, size_t len, size_t max)
{
	size_t	 i;

	if (len == 0 || len > max || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("_.:-", s[i]) != NULL))
			return 0;
	return 1;
}

/* membership_tier_<name> = capabilities; GH_ENOTFOUND when key is not of
 * that form. The tier must be in membership_tiers (checked at the end,
 * when the list is known). */
static enum gh_err
set_tier(struct gh_config *c, const char *key, const char *val,
    const char *where, char *err, size_t errsz)
{
	const char	*name = key + 16, *p;
	size_t		 i, n;

	if (strncmp(key, "membership_tier_", 16) != 0 ||
	    !word_ok(name, strlen(name), GH_TIER_NAME_MAX))
		return GH_ENOTFOUND;
	for (p = val; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) > 0 && !word_ok(p, n, 64)) {
			snprintf(err, errsz, "%s: %s: capabilities are words "
			    "of a-z, 0-9 and _.:- (\"%.*s\")", where, key,
			    (int)(n > 32 ? 32 : n), p);
			return GH_EINVAL;
		}
	}
	for (i = 0; i < c->ntiers; i++)
		if (strcmp(c->tiers[i].name, name) == 0)
			break;
	if (i == GH_TIERS_MAX) {
		snprintf(err, errsz, "%s: at most %d tiers", where,
		    GH_TIERS_MAX);
		return GH_EINVAL;
	}
	if (strlen(val) >= sizeof(c->tiers[i].capabilities)) {
		snprintf(err, errsz, "%s: too many capabilities", where);
		return GH_EINVAL;
	}
	if (i == c->ntiers)
		gh_strlcpy(c->tiers[c->ntiers++].name, name,
		    sizeof(c->tiers[i].name));
	gh_strlcpy(c->tiers[i].capabilities, val,
	    sizeof(c->tiers[i].capabilities));
	return GH_OK;
}

/* The tiers in membership_tiers' order (their levels), each with the
 * capabilities its key gave it; a key for an unlisted tier is refused. */
static enum gh_err
check_tiers(struct gh_config *c, char *err, size_t errsz)
{
	struct gh_tier	 ordered[GH_TIERS_MAX];
	const char	*s = c->membership_tiers;
	size_t		 n = 0, len, i, used = 0;

	memset(ordered, 0, sizeof(ordered));
	for (; *s != '\0'; s += len) {
		s += strspn(s, " ");
		if ((len = strcspn(s, " ")) == 0)
			break;
		if (!word_ok(s, len, GH_TIER_NAME_MAX) || n == GH_TIERS_MAX) {
			snprintf(err, errsz, "membership_tiers: names of a-z, "
			    "0-9 and _.:-, at most %d", GH_TIERS_MAX);
			return GH_EINVAL;
		}
		memcpy(ordered[n].name, s, len);
		for (i = 0; i < c->ntiers; i++)
			if (strcmp(c->tiers[i].name, ordered[n].name) == 0) {
				memcpy(ordered[n].capabilities,
				    c->tiers[i].capabilities,
				    sizeof(ordered[n].capabilities));
				used++;
			}
		for (i = 0; i < n; i++)
			if (strcmp(ordered[i].name, ordered[n].name) == 0) {
				snprintf(err, errsz, "membership_tiers: %s is "
				    "listed twice", ordered[n].name);
				return GH_EINVAL;
			}
		n++;
	}
	if (n == 0) {
		snprintf(err, errsz, "membership_tiers: at least one tier");
		return GH_EINVAL;
	}
	if (used != c->ntiers) {
		snprintf(err, errsz, "membership_tier_*: a tier that is not in "
		    "membership_tiers");
		return GH_EINVAL;
	}
	memcpy(c->tiers, ordered, sizeof(ordered));
	c->ntiers = n;
	return GH_OK;
}

/* Every provider listed, configured and complete; presets filled in. */
static enum gh_err
check_providers(struct gh_config *c, char *err, size_t errsz)
{
	struct gh_oauth_cfg	*p;
	const struct preset	*pre = NULL;
	size_t			 i, j;

	for (i = 0; i < c->noauth; i++) {
		p = &c->oauth[i];
		/* oauth.fcgi's own routes: /accounts/{id}, /providers. */
		if (strcmp(p->name, "accounts") == 0 ||
		    strcmp(p->name, "providers") == 0) {
			snprintf(err, errsz, "oauth_providers: \"%s\" is "
			    "reserved", p->name);
			return GH_EINVAL;
		}
		if (!listed(c->oauth_providers, p->name)) {
			snprintf(err, errsz, "oauth_%s_*: %s is not in "
			    "oauth_providers", p->name, p->name);
			return GH_EINVAL;
		}
		for (j = 0; j < sizeof(presets) / sizeof(presets[0]); j++)
			if (strcmp(presets[j].type, *p->type != '\0' ?
			    p->type : p->name) == 0)
				pre = &presets[j];
		if (pre == NULL && *p->type != '\0') {
			snprintf(err, errsz, "oauth_%s_type must be oidc, google, "
			    "microsoft, apple, github or facebook", p->name);
			return GH_EINVAL;
		}
		if (pre == NULL)
			pre = &presets[0];
		fill(p->type, sizeof(p->type), pre->type);
		fill(p->display_name, sizeof(p->display_name),
		    pre->display_name != NULL ? pre->display_name : p->name);
		fill(p->issuer, sizeof(p->issuer), pre->issuer);
		fill(p->authorize_url, sizeof(p->authorize_url),
		    pre->authorize_url);
		fill(p->token_url, sizeof(p->token_url), pre->token_url);
		fill(p->api_url, sizeof(p->api_url), pre->api_url);
		fill(p->scopes, sizeof(p->scopes), pre->scopes);
		if (*p->client_id == '\0') {
			snprintf(err, errsz, "oauth_%s_client_id is required",
			    p->name);
			return GH_EINVAL;
		}
		if (*p->client_secret == '\0' && !(strcmp(p->type, "apple") ==
		    0 && *p->private_key_file != '\0')) {
			snprintf(err, errsz, "oauth_%s_client_secret is "
			    "required", p->name);
			return GH_EINVAL;
		}
		if (*p->issuer == '\0' && (*p->authorize_url == '\0' ||
		    *p->token_url == '\0')) {
			snprintf(err, errsz, "oauth_%s_issuer is required",
			    p->name);
			return GH_EINVAL;
		}
		pre = NULL;
	}
	return GH_OK;
}

const struct gh_oauth_cfg *
gh_config_oauth(const struct gh_config *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->noauth; i++)
		if (strcmp(c->oauth[i].name, name) == 0)
			return &c->oauth[i];
	return NULL;
}

static const struct key *
find(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len &&
		    strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

/* "count/seconds" (1..10^9 each) or "off". */
static enum gh_err
set_rate(struct gh_config *c, const struct key *k, const char *val,
    const char *where, char *err, size_t errsz)
{
	struct gh_rate	*r = (struct gh_rate *)(void *)((char *)c + k->off);
	char		*end, *end2;
	long long	 n, p;

	if (strcmp(val, "off") == 0) {
		r->count = 0;
		r->period = 1;
		return GH_OK;
	}
	errno = 0;
	n = strtoll(val, &end, 10);
	if (errno == 0 && end != val && *end == '/' && end[1] >= '0' &&
	    end[1] <= '9') {
		p = strtoll(end + 1, &end2, 10);
		if (errno == 0 && *end2 == '\0' && n >= 1 && n <= 1000000000 &&
		    p >= 1 && p <= 1000000000) {
			r->count = n;
			r->period = p;
			return GH_OK;
		}
	}
	snprintf(err, errsz, "%s: %s must be \"off\" or requests/seconds, "
	    "e.g. 30/300 (each 1 to 1000000000)", where, k->name);
	return GH_EINVAL;
}

static enum gh_err
set(struct gh_config *c, const struct key *k, const char *val,
    const char *where, char *err, size_t errsz)
{
	char	*end;
	long long v;

	if (k->kind == K_STR) {
		if (strlen(val) >= k->size) {
			snprintf(err, errsz, "%s: %s is too long", where,
			    k->name);
			return GH_EINVAL;
		}
		memcpy((char *)c + k->off, val, strlen(val) + 1);
		return GH_OK;
	}
	if (k->kind == K_RATE)
		return set_rate(c, k, val, where, err, errsz);
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || v < k->min ||
	    v > k->max) {
		snprintf(err, errsz, "%s: %s must be a whole number from "
		    "%lld to %lld", where, k->name, (long long)k->min,
		    (long long)k->max);
		return GH_EINVAL;
	}
	*(int64_t *)(void *)((char *)c + k->off) = (int64_t)v;
	return GH_OK;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static enum gh_err
read_file(struct gh_config *c, const char *path, char *err, size_t errsz)
{
	FILE		*f;
	char		 line[2048], where[GH_CONFIG_PATH_MAX + 32];
	char		*p, *eq, *name, *val;
	const struct key *k;
	unsigned	 lineno = 0;
	enum gh_err	 er = GH_OK;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return GH_EIO;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s: line too long", where);
			er = GH_EINVAL;
			goto out;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errsz, "%s: expected key = value", where);
			er = GH_EINVAL;
			goto out;
		}
		*eq = '\0';
		name = trim(p);
		val = trim(eq + 1);
		if ((k = find(name, strlen(name))) == NULL) {
			er = set_provider(c, name, val, where, err, errsz);
			if (er == GH_ENOTFOUND)
				er = set_tier(c, name, val, where, err, errsz);
			if (er == GH_ENOTFOUND) {
				snprintf(err, errsz, "%s: unknown key \"%.64s\"",
				    where, name);
				er = GH_EINVAL;
			}
			if (er != GH_OK)
				goto out;
			continue;
		}
		if ((er = set(c, k, val, where, err, errsz)) != GH_OK)
			goto out;
	}
out:
	fclose(f);
	return er;
}

/* What a header name the web server hands on as HTTP_<NAME> may hold. */
#define HEADER_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789-"

/* What one key alone cannot say. */
static enum gh_err
check(struct gh_config *c, const char *(*getenv_fn)(const char *),
    char *err, size_t errsz)
{
	struct gh_cidrs	 cidrs;
	enum gh_err	 er;

	if (c->password_min_length > c->password_max_length) {
		snprintf(err, errsz, "password_min_length (%lld) is above "
		    "password_max_length (%lld)",
		    (long long)c->password_min_length,
		    (long long)c->password_max_length);
		return GH_EINVAL;
	}
	if (strcmp(c->breached_password_on_error, "allow") != 0 &&
	    strcmp(c->breached_password_on_error, "refuse") != 0) {
		snprintf(err, errsz, "breached_password_on_error must be "
		    "allow or refuse");
		return GH_EINVAL;
	}
	if (strpbrk(c->mail_from, "\r\n") != NULL ||
	    strpbrk(c->app_name, "\r\n") != NULL) {
		snprintf(err, errsz, "mail_from and app_name must be one line");
		return GH_EINVAL;
	}
	if (gh_ip_parse_cidrs(c->trusted_proxies, &cidrs) != GH_OK) {
		snprintf(err, errsz, "trusted_proxies must be addresses or "
		    "prefixes (10.0.0.0/8, ::1), at most %d",
		    GH_IP_MAX_CIDRS);
		return GH_EINVAL;
	}
	if (strspn(c->geo_country_header, HEADER_CHARS) !=
	    strlen(c->geo_country_header) ||
	    strspn(c->geo_region_header, HEADER_CHARS) !=
	    strlen(c->geo_region_header)) {
		snprintf(err, errsz, "geo_country_header and geo_region_header "
		    "must be header names (CF-IPCountry)");
		return GH_EINVAL;
	}
	if ((er = providers_from_env(c, getenv_fn, err, errsz)) != GH_OK)
		return er;
	if ((er = check_providers(c, err, errsz)) != GH_OK)
		return er;
	return check_tiers(c, err, errsz);
}

enum gh_err
gh_config_load_from(struct gh_config *c, const char *path,
    const char *(*getenv_fn)(const char *), char *err, size_t errsz)
{
	char		 envname[64];
	const char	*v;
	size_t		 i, j;
	enum gh_err	 er;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].kind == K_STR)
			memcpy((char *)c + keys[i].off, keys[i].sdef,
			    strlen(keys[i].sdef) + 1);
		else if (keys[i].kind == K_RATE)
			(void)set_rate(c, &keys[i], keys[i].sdef, "", NULL, 0);
		else
			*(int64_t *)(void *)((char *)c + keys[i].off) =
			    keys[i].idef;
	}
	if (path != NULL && *path != '\0' &&
	    (er = read_file(c, path, err, errsz)) != GH_OK)
		return er;
	if (getenv_fn == NULL)
		return check(c, getenv_fn, err, errsz);
	for (i = 0; i < NKEYS; i++) {
		snprintf(envname, sizeof(envname), "GATEHOUSE_");
		for (j = 0; keys[i].name[j] != '\0'; j++)
			envname[10 + j] = (char)toupper(
			    (unsigned char)keys[i].name[j]);
		envname[10 + j] = '\0';
		if ((v = getenv_fn(envname)) != NULL &&
		    (er = set(c, &keys[i], v, envname, err, errsz)) != GH_OK)
			return er;
	}
	return check(c, getenv_fn, err, errsz);
}

static const char *
env(const char *name)
{
	return getenv(name);
}

enum gh_err
gh_config_load(struct gh_config *c, char *err, size_t errsz)
{
	return gh_config_load_from(c, getenv("GATEHOUSE_CONFIG"), env, err,
	    errsz);
}

static const char *
derived(const char *set, const char *dir, const char *file, char *buf,
    size_t bufsz)
{
	if (*set != '\0')
		return set;
	snprintf(buf, bufsz, "%s/%s", dir, file);
	return buf;
}

const char *
gh_config_db_path(const struct gh_config *c)
{
	static char	 buf[GH_CONFIG_PATH_MAX + 32];

	return derived(c->db_path, c->data_dir, "gatehouse.db", buf,
	    sizeof(buf));
}

const char *
gh_config_mail_dir(const struct gh_config *c)
{
	static char	 buf[GH_CONFIG_PATH_MAX + 32];

	return derived(c->mail_dir, c->data_dir, "mail", buf, sizeof(buf));
}

const char *
gh_config_secret_key_file(const struct gh_config *c)
{
	static char	 buf[GH_CONFIG_PATH_MAX + 32];

	return derived(c->secret_key_file, c->data_dir, "secret.key", buf,
	    sizeof(buf));
}
