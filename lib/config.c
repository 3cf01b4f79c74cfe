#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ip.h"

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
#undef S
#undef I
#undef R
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

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
			snprintf(err, errsz, "%s: unknown key \"%.64s\"", where,
			    name);
			er = GH_EINVAL;
			goto out;
		}
		if ((er = set(c, k, val, where, err, errsz)) != GH_OK)
			goto out;
	}
out:
	fclose(f);
	return er;
}

/* What one key alone cannot say. */
static enum gh_err
check(const struct gh_config *c, char *err, size_t errsz)
{
	struct gh_cidrs	 cidrs;

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
	return GH_OK;
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
		return check(c, err, errsz);
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
	return check(c, err, errsz);
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
