/*
 * Configuration: one key = value file named by GATEHOUSE_CONFIG, every key
 * overridable by the environment variable GATEHOUSE_<KEY> (upper case), and
 * defaults that need no file at all (SQLite and keys under ./var).
 */
#ifndef GH_CONFIG_H
#define GH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define GH_CONFIG_PATH_MAX	1024

/* A rate: count requests per period seconds ("30/300"); count 0 is off. */
struct gh_rate {
	int64_t		 count;
	int64_t		 period;
};

/* A membership tier (docs/membership.md): its name and the capabilities
 * it adds to those of the tiers below it, from membership_tier_<name>. */
#define GH_TIERS_MAX		16
#define GH_TIER_NAME_MAX	32
struct gh_tier {
	char		 name[GH_TIER_NAME_MAX + 1];
	char		 capabilities[1024];	/* space-separated */
};

/* One OAuth 2 / OpenID Connect provider (docs/oauth.md), from the keys
 * oauth_<name>_<field>; fields left empty take the preset of its type. */
#define GH_OAUTH_MAX		8
#define GH_OAUTH_NAME_MAX	24
struct gh_oauth_cfg {
	char		 name[GH_OAUTH_NAME_MAX + 1];	/* [a-z0-9]+ */
	char		 type[16];	/* oidc google microsoft apple github facebook */
	char		 display_name[64];
	char		 client_id[256];
	char		 client_secret[1024];	/* "sealed:..." or plain */
	char		 issuer[512];		/* OIDC: discovery from here */
	char		 authorize_url[512];	/* the rest: presets or overrides */
	char		 token_url[512];
	char		 userinfo_url[512];
	char		 jwks_url[512];
	char		 api_url[512];		/* GitHub and Facebook user APIs */
	char		 scopes[256];
	char		 redirect_uri[512];	/* "" = public_url/v1/oauth/<name>/callback */
	char		 audiences[1024];	/* more client ids an ID token may name */
	char		 team_id[64];		/* Apple: the client secret is a JWT */
	char		 key_id[64];
	char		 private_key_file[GH_CONFIG_PATH_MAX];
};

struct gh_config {
	char		 data_dir[GH_CONFIG_PATH_MAX];
	char		 db_path[GH_CONFIG_PATH_MAX];	/* "" = data_dir/gatehouse.db */
	char		 secret_key_file[GH_CONFIG_PATH_MAX]; /* "" = data_dir/secret.key */
	char		 issuer[256];
	char		 sign_in_url[512];	/* where the authorizer sends browsers */
	char		 allowed_origins[1024];	/* space-separated; "" = same origin */
	int64_t		 access_ttl;		/* seconds */
	int64_t		 refresh_ttl;		/* seconds of inactivity */
	int64_t		 refresh_grace;		/* seconds a rotated token still works */
	int64_t		 argon2_opslimit;
	int64_t		 argon2_memlimit_kib;
	int64_t		 body_limit;		/* bytes */
	int64_t		 json_max_depth;
	int64_t		 log_requests;		/* 0 or 1 */
	int64_t		 key_reload_interval;	/* seconds between key table reads */
	int64_t		 cookie_secure;		/* 1: __Host- name and Secure */
	/* Abuse controls (docs/abuse.md). Rates are per client address. */
	char		 trusted_proxies[1024];	/* addresses/CIDRs; "" = none */
	struct gh_rate	 rate_limit_sign_in;
	struct gh_rate	 rate_limit_sign_up;
	struct gh_rate	 rate_limit_refresh;
	struct gh_rate	 rate_limit_credential;	/* other credential checks */
	struct gh_rate	 rate_limit_email;	/* routes that send email */
	struct gh_rate	 rate_limit_email_address; /* per address mailed */
	struct gh_rate	 rate_limit_api;	/* every other route */
	int64_t		 sign_in_backoff_after;	/* failures before a lock */
	int64_t		 sign_in_backoff_base;	/* seconds of the first lock */
	int64_t		 sign_in_backoff_max;	/* seconds, the longest lock */
	int64_t		 sign_in_backoff_reset;	/* seconds that forget failures */
	int64_t		 password_min_length;
	int64_t		 password_max_length;
	int64_t		 breached_password_check;	/* 0 or 1 */
	char		 breached_password_url[512];	/* + 5 hex digits */
	int64_t		 breached_password_timeout_ms;
	char		 breached_password_on_error[8];	/* allow | refuse */
	/* Email (docs/email.md). */
	char		 public_url[512];	/* links in emails start here */
	char		 app_name[128];
	char		 mail_from[320];	/* "Name <addr>" or "addr" */
	char		 smtp_url[512];		/* "" = write .eml files */
	char		 smtp_username[256];
	char		 smtp_password[256];
	int64_t		 smtp_starttls;		/* 1: smtp:// must upgrade */
	int64_t		 smtp_timeout_ms;
	char		 smtp_ca_file[GH_CONFIG_PATH_MAX];	/* "" = system CAs */
	char		 mail_dir[GH_CONFIG_PATH_MAX];	/* "" = data_dir/mail */
	char		 templates_dir[GH_CONFIG_PATH_MAX]; /* "" = built-in */
	int64_t		 email_verification_ttl;	/* seconds */
	int64_t		 password_reset_ttl;
	char		 verify_redirect_url[512];	/* after GET /verify */
	int64_t		 email_cooldown;	/* seconds between emails to one address */
	int64_t		 magic_link_ttl;	/* seconds */
	int64_t		 check_email;		/* 1: POST /check-email answers */
	int64_t		 email_code_ttl;	/* seconds */
	int64_t		 email_code_attempts;	/* wrong guesses a code takes */
	int64_t		 require_email_verification;	/* 1: before password sign-in */
	/* OAuth and OpenID Connect sign-in (docs/oauth.md). */
	char		 oauth_providers[256];	/* names, space-separated */
	int64_t		 oauth_state_ttl;	/* seconds a sign-in may take */
	int64_t		 oauth_timeout_ms;	/* per request to a provider */
	int64_t		 oauth_cache_ttl;	/* seconds discovery and JWKS are kept */
	int64_t		 oauth_auto_link;	/* 1: link by an email both sides verified */
	struct gh_oauth_cfg oauth[GH_OAUTH_MAX];
	size_t		 noauth;
	/* Where a session's country and region come from (docs/sessions.md):
	 * headers a trusted front sets, or a MaxMind database. */
	char		 geo_country_header[64];	/* "CF-IPCountry"; "" = off */
	char		 geo_region_header[64];		/* "" = off */
	char		 geoip_database[GH_CONFIG_PATH_MAX];	/* .mmdb; "" = off */
	/* Membership tiers, lowest level first (docs/membership.md). */
	char		 membership_tiers[512];	/* names, space-separated */
	struct gh_tier	 tiers[GH_TIERS_MAX];
	size_t		 ntiers;
	/* Invites (docs/invites.md). */
	int64_t		 signup_invite_only;	/* 1: new users need an invite */
	int64_t		 invite_ttl;		/* seconds, when not asked for */
	char		 invite_url[512];	/* "" = public_url/v1/invites/{code} */
	char		 invite_redirect_url[512];	/* a browser after the emailed link */
};

/* The longest an invite may live (POST /v1/invites expires_in). */
#define GH_INVITE_TTL_MAX	(90LL * 86400)

/* Fills defaults, then the file (if GATEHOUSE_CONFIG names one), then the
 * environment. On error writes a one-line reason into err. */
enum gh_err	 gh_config_load(struct gh_config *, char *err, size_t errsz) GH_WUR;
/* The same from an explicit file (NULL: none) and environment lookup
 * function, so tests need not touch the process environment. */
enum gh_err	 gh_config_load_from(struct gh_config *, const char *path,
		    const char *(*getenv_fn)(const char *),
		    char *err, size_t errsz) GH_WUR;
/* The provider named name, or NULL. */
const struct gh_oauth_cfg *gh_config_oauth(const struct gh_config *,
		    const char *name);

/* Resolved paths (derived from data_dir where left empty). */
const char	*gh_config_db_path(const struct gh_config *);
const char	*gh_config_mail_dir(const struct gh_config *);
const char	*gh_config_secret_key_file(const struct gh_config *);

#endif
