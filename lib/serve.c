#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include <fcgiapp.h>

#include "clock.h"
#include "cookie.h"
#include "db.h"
#include "form.h"
#include "http.h"
#include "http_io.h"
#include "json.h"
#include "log.h"
#include "problem.h"
#include "ratelimit.h"
#include "serve.h"
#include "str.h"

#define VERIFIED_SLOTS	256

struct gh_verified {
	unsigned char	 digest[crypto_generichash_BYTES];
	struct gh_claims claims;
	int		 used;
};

/*
 * Session cookies this process has checked, valid while the database stamp
 * is unchanged: any commit anywhere (a sign-out, a revocation, a disabled
 * user, `gatehouse` or sqlite3 on the side) starts a new generation, so
 * revocation still locks at once. It spares the authorizer its one query,
 * most of its cost (bench/README.md).
 */
#define COOKIE_SLOTS	64

struct gh_cookie_slot {
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_auth	 auth;
	uint64_t	 gen;		/* current while it is the cache's gen */
};

struct gh_cookie_cache {
	unsigned char	 stamp[GH_DB_STAMP_LEN];	/* what gen was read at */
	int		 stamped;	/* stamp holds a readable stamp */
	uint64_t	 gen;
	struct gh_cookie_slot slot[COOKIE_SLOTS];
};

enum gh_err
gh_server_open(struct gh_server *srv, const struct gh_app *app, char *err,
    size_t errsz)
{
	int		 have;
	enum gh_err	 er;

	memset(srv, 0, sizeof(*srv));
	srv->app = app;
	if ((srv->verified = calloc(VERIFIED_SLOTS,
	    sizeof(*srv->verified))) == NULL ||
	    (srv->cookies = calloc(1, sizeof(*srv->cookies))) == NULL)
		return GH_ENOMEM;
	if ((er = gh_config_load(&srv->cfg, err, errsz)) != GH_OK)
		return er;
	if (gh_ip_parse_cidrs(srv->cfg.trusted_proxies, &srv->trusted) !=
	    GH_OK) {
		snprintf(err, errsz, "trusted_proxies: not a list of addresses");
		return GH_EINVAL;
	}
	srv->pw.opslimit = (uint64_t)srv->cfg.argon2_opslimit;
	srv->pw.memlimit = (size_t)srv->cfg.argon2_memlimit_kib * 1024;
	if ((er = gh_db_open(gh_config_db_path(&srv->cfg), 0, &srv->db)) !=
	    GH_OK) {
		snprintf(err, errsz, "cannot open the database %s (run "
		    "`gatehouse init`)", gh_config_db_path(&srv->cfg));
		return er;
	}
	if ((er = gh_db_schema_version(srv->db, &have)) != GH_OK)
		return er;
	if (have != gh_db_schema_latest()) {
		snprintf(err, errsz, "database schema is version %d, this "
		    "build needs %d (run `gatehouse migrate`)", have,
		    gh_db_schema_latest());
		return GH_EDB;
	}
	if ((er = gh_keys_secret_load(gh_config_secret_key_file(&srv->cfg), 0,
	    srv->secret)) != GH_OK) {
		snprintf(err, errsz, "cannot read the secret key %s",
		    gh_config_secret_key_file(&srv->cfg));
		return er;
	}
	if ((er = gh_keys_load(srv->db, srv->secret, gh_clock_now(),
	    &srv->keys)) != GH_OK)
		return er;
	if (srv->keys.nkeys == 0) {
		snprintf(err, errsz, "no signing key (run `gatehouse init`)");
		return GH_ECRYPTO;
	}
	return GH_OK;
}

void
gh_server_close(struct gh_server *srv)
{
	gh_db_close(srv->db);
	srv->db = NULL;
	sodium_memzero(srv->secret, sizeof(srv->secret));
	gh_keys_wipe(&srv->keys);
	free(srv->verified);
	srv->verified = NULL;
	if (srv->cookies != NULL)
		sodium_memzero(srv->cookies, sizeof(*srv->cookies));
	free(srv->cookies);
	srv->cookies = NULL;
}

static void
reload_keys(struct gh_server *srv, int64_t now)
{
	struct gh_keyring	 ring;

	memset(&ring, 0, sizeof(ring));
	if (gh_keys_load(srv->db, srv->secret, now, &ring) == GH_OK &&
	    ring.nkeys > 0)
		srv->keys = ring;
	else
		srv->keys.loaded_at = now;	/* keep the old ring a while */
	gh_keys_wipe(&ring);
}

const struct gh_key *
gh_server_signing_key(struct gh_server *srv)
{
	int64_t	 now = gh_clock_now();
	size_t	 i;

	if (now - srv->keys.loaded_at >= srv->cfg.key_reload_interval)
		reload_keys(srv, now);
	for (i = 0; i < srv->keys.nkeys; i++)
		if (srv->keys.keys[i].has_sk)
			return &srv->keys.keys[i];
	return NULL;
}

enum gh_token_err
gh_server_verify(struct gh_server *srv, const char *jwt, size_t len,
    struct gh_claims *c)
{
	int64_t			 now = gh_clock_now();
	unsigned char		 digest[crypto_generichash_BYTES];
	struct gh_verified	*slot;
	enum gh_token_err	 rc;

	if (len == 0 || len > GH_JWT_MAX)
		return GH_TOKEN_MALFORMED;
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)jwt,
	    len, NULL, 0);
	slot = &srv->verified[(digest[0] | digest[1] << 8) % VERIFIED_SLOTS];
	if (slot->used && sodium_memcmp(slot->digest, digest,
	    sizeof(digest)) == 0) {
		if (slot->claims.exp <= now)
			return GH_TOKEN_EXPIRED;
		*c = slot->claims;
		return GH_TOKEN_OK;
	}
	rc = gh_token_verify(&srv->keys, jwt, len, srv->cfg.issuer, NULL, now,
	    c);
	/* A key made by another process since we last looked: read the
	 * table again, at most once a second so garbage kids cost nothing. */
	if (rc == GH_TOKEN_UNKNOWN_KID && srv->keys_missed_at != now) {
		srv->keys_missed_at = now;
		reload_keys(srv, now);
		rc = gh_token_verify(&srv->keys, jwt, len, srv->cfg.issuer,
		    NULL, now, c);
	}
	if (rc == GH_TOKEN_OK) {
		memcpy(slot->digest, digest, sizeof(digest));
		slot->claims = *c;
		slot->used = 1;
	}
	return rc;
}

static void
unauthorized(struct gh_res *res, const char *code, const char *detail)
{
	gh_problem(res, 401, code, detail);
	if (strcmp(code, "unauthorized") == 0)
		(void)gh_res_header(res, "WWW-Authenticate",
		    "Bearer realm=\"gatehouse\"");
	else
		(void)gh_res_header(res, "WWW-Authenticate",
		    "Bearer realm=\"gatehouse\", error=\"invalid_token\"");
}

/* Fills req->auth from a GH_STMT_SESSION_STATE-shaped row (the cookie
 * statement starts with the same columns); the presence is at column
 * presence and the one after. */
static void
fill_auth(struct gh_req *req, struct gh_stmt *st, const char *user_id,
    const char *session_id, int64_t exp, int presence)
{
	gh_strlcpy(req->auth.user_id, user_id, sizeof(req->auth.user_id));
	gh_strlcpy(req->auth.session_id, session_id,
	    sizeof(req->auth.session_id));
	gh_strlcpy(req->auth.application_id, gh_stmt_col_text(st, 5),
	    sizeof(req->auth.application_id));
	gh_strlcpy(req->auth.membership_id,
	    gh_stmt_col_is_null(st, 4) ? "" : gh_stmt_col_text(st, 4),
	    sizeof(req->auth.membership_id));
	req->auth.exp = exp;
	req->auth.last_active_at = gh_stmt_col_int(st, presence);
	req->auth.offline = gh_stmt_col_int(st, presence + 1) != 0;
	req->authenticated = 1;
}

/*
 * Brings the cookie cache up to date with the database and returns the
 * slot for hash, or NULL when the database cannot say whether it changed
 * (then nothing is cached). A new stamp starts a new generation, which
 * invalidates every slot at once.
 */
static struct gh_cookie_slot *
cookie_slot(struct gh_server *srv, const unsigned char *hash)
{
	struct gh_cookie_cache	*cc = srv->cookies;
	unsigned char		 stamp[GH_DB_STAMP_LEN];

	if (gh_db_stamp(srv->db, stamp) != GH_OK) {
		cc->stamped = 0;
		return NULL;
	}
	if (!cc->stamped || memcmp(stamp, cc->stamp, sizeof(stamp)) != 0) {
		memcpy(cc->stamp, stamp, sizeof(stamp));
		cc->stamped = 1;
		cc->gen++;	/* from 1: a zeroed slot is never current */
	}
	return &cc->slot[(hash[0] | hash[1] << 8) % COOKIE_SLOTS];
}

/* The session cookie of cookie mode: its hash names a live session no
 * older than refresh_ttl, the cookie's own Max-Age. */
static enum gh_err
by_cookie(struct gh_server *srv, struct gh_req *req, const char **code)
{
	char			 val[GH_OPAQUE_LEN + 1];
	unsigned char		 hash[GH_TOKEN_HASH_BYTES];
	struct gh_cookie_slot	*slot;
	struct gh_stmt		*st;
	enum gh_step		 step;
	int64_t			 expires;
	int			 found;
	enum gh_err		 er = GH_EAUTH;

	found = gh_cookie_session(req->cookie, gh_cookie_name(&srv->cfg), val);
	if (found == 0)
		return GH_EAUTH;	/* *code is still "unauthorized" */
	*code = "invalid_token";
	if (found < 0 || gh_token_opaque_hash(val, strlen(val), hash) != GH_OK)
		goto wipe;
	slot = cookie_slot(srv, hash);
	if (slot != NULL && slot->gen == srv->cookies->gen &&
	    sodium_memcmp(slot->hash, hash, sizeof(hash)) == 0 &&
	    slot->auth.exp > gh_clock_now()) {
		req->auth = slot->auth;
		req->authenticated = 1;
		req->by_cookie = 1;
		*code = NULL;
		er = GH_OK;
		goto wipe;
	}
	if ((st = gh_db_prepare(srv->db, GH_STMT_SESSION_BY_COOKIE, "b", hash,
	    sizeof(hash))) == NULL) {
		er = GH_EDB;
		goto wipe;
	}
	if ((step = gh_stmt_step(st)) != GH_STEP_ROW) {
		er = step == GH_STEP_DONE ? GH_EAUTH : GH_EDB;
		goto out;
	}
	expires = gh_stmt_col_int(st, 7) + srv->cfg.refresh_ttl;
	if (!gh_stmt_col_is_null(st, 0))
		*code = "session_revoked";
	else if (expires <= gh_clock_now())
		*code = "token_expired";
	else if (strcmp(gh_stmt_col_text(st, 2), "active") != 0) {
		*code = "account_disabled";
		er = GH_EFORBIDDEN;
	} else {
		fill_auth(req, st, gh_stmt_col_text(st, 1),
		    gh_stmt_col_text(st, 6), expires, 11);
		gh_strlcpy(req->auth.username, gh_stmt_col_text(st, 8),
		    sizeof(req->auth.username));
		gh_strlcpy(req->auth.email, gh_stmt_col_text(st, 9),
		    sizeof(req->auth.email));
		gh_strlcpy(req->auth.role, gh_stmt_col_text(st, 10),
		    sizeof(req->auth.role));
		req->auth.has_identity = 1;
		req->by_cookie = 1;
		*code = NULL;
		er = GH_OK;
		if (slot != NULL) {
			memcpy(slot->hash, hash, sizeof(hash));
			slot->auth = req->auth;
			slot->gen = srv->cookies->gen;
		}
	}
out:
	gh_stmt_reset(st);
wipe:
	sodium_memzero(val, sizeof(val));
	sodium_memzero(hash, sizeof(hash));
	return er;
}

enum gh_err
gh_server_authenticate(struct gh_server *srv, struct gh_req *req,
    const char **code)
{
	const char		*h = req->authorization, *tok;
	struct gh_claims	 c;
	struct gh_stmt		*st;
	enum gh_token_err	 rc;
	enum gh_step		 step;
	enum gh_err		 er = GH_EAUTH;

	*code = "unauthorized";
	if (h == NULL)
		return by_cookie(srv, req, code);
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return GH_EAUTH;
	for (tok = h + 7; *tok == ' '; tok++)
		;
	rc = gh_server_verify(srv, tok, strlen(tok), &c);
	*code = rc == GH_TOKEN_EXPIRED ? "token_expired" : "invalid_token";
	if (rc != GH_TOKEN_OK)
		return GH_EAUTH;
	if ((st = gh_db_prepare(srv->db, GH_STMT_SESSION_STATE, "t",
	    c.sid)) == NULL)
		return GH_EDB;
	if ((step = gh_stmt_step(st)) != GH_STEP_ROW) {
		er = step == GH_STEP_DONE ? GH_EAUTH : GH_EDB;
		goto out;
	}
	if (!gh_stmt_col_is_null(st, 0)) {
		*code = "session_revoked";
		goto out;
	}
	if (strcmp(gh_stmt_col_text(st, 1), c.sub) != 0 ||
	    strcmp(gh_stmt_col_text(st, 3), c.aud) != 0)
		goto out;
	if (strcmp(gh_stmt_col_text(st, 2), "active") != 0) {
		*code = "account_disabled";
		er = GH_EFORBIDDEN;
		goto out;
	}
	fill_auth(req, st, c.sub, c.sid, c.exp, 6);
	*code = NULL;
	er = GH_OK;
out:
	gh_stmt_reset(st);
	return er;
}

void
gh_server_refuse(struct gh_res *res, enum gh_err er, const char *code)
{
	static const struct {
		const char	*code;
		const char	*detail;
	} details[] = {
		{ "unauthorized",
		    "send an access token as Authorization: Bearer <token>" },
		{ "token_expired", "the access token has expired; refresh it" },
		{ "session_revoked", "this session has ended; sign in again" },
	};
	const char	*detail = NULL;
	size_t		 i;

	if (er == GH_EFORBIDDEN) {
		gh_problem(res, 403, code, NULL);
		return;
	}
	if (er != GH_EAUTH) {
		gh_problem(res, 500, "internal_error", NULL);
		return;
	}
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++)
		if (strcmp(details[i].code, code) == 0)
			detail = details[i].detail;
	unauthorized(res, code, detail);
}

/* Bounded like a JSON body; the handler reads the fields. */
static int
read_form_body(struct gh_server *srv, struct gh_req *req, struct gh_io *io,
    struct gh_res *res)
{
	if (req->content_length > srv->cfg.body_limit) {
		gh_problem(res, 413, "payload_too_large", NULL);
		return 0;
	}
	if (req->content_length > 0 && !gh_form_is_type(req->content_type)) {
		gh_problem(res, 415, "unsupported_media_type",
		    "send the form as application/x-www-form-urlencoded");
		return 0;
	}
	if (gh_http_req_read_body(req, io, (size_t)srv->cfg.body_limit) !=
	    GH_OK) {
		gh_problem(res, 400, "bad_request",
		    "the body ended before Content-Length bytes");
		return 0;
	}
	return 1;
}

static int
read_json_body(struct gh_server *srv, struct gh_req *req, struct gh_io *io,
    unsigned flags, struct gh_res *res)
{
	char		 detail[96];
	enum gh_err	 er;

	if (req->content_length > srv->cfg.body_limit) {
		snprintf(detail, sizeof(detail), "the body may be at most "
		    "%lld bytes", (long long)srv->cfg.body_limit);
		gh_problem(res, 413, "payload_too_large", detail);
		return 0;
	}
	if (req->content_length > 0 && !gh_http_is_json_type(req->content_type)) {
		gh_problem(res, 415, "unsupported_media_type",
		    "send the body as Content-Type: application/json");
		return 0;
	}
	if ((er = gh_http_req_read_body(req, io,
	    (size_t)srv->cfg.body_limit)) != GH_OK) {
		gh_problem(res, 400, "malformed_json",
		    "the body ended before Content-Length bytes");
		return 0;
	}
	if (req->body_len == 0 && (flags & GH_ROUTE_BODY_OPTIONAL)) {
		req->json = json_object_new_object();
		return 1;
	}
	switch (gh_json_parse(req->body, req->body_len,
	    (int)srv->cfg.json_max_depth, &req->json)) {
	case GH_JSON_OK:
		return 1;
	case GH_JSON_DEPTH:
		snprintf(detail, sizeof(detail), "JSON nested deeper than %lld "
		    "levels", (long long)srv->cfg.json_max_depth);
		gh_problem(res, 400, "malformed_json", detail);
		return 0;
	case GH_JSON_NOT_OBJECT:
		gh_problem(res, 400, "malformed_json",
		    "the body must be a JSON object");
		return 0;
	default:
		gh_problem(res, 400, "malformed_json", req->body_len == 0 ?
		    "a JSON object body is required" :
		    "the body is not valid JSON in UTF-8");
		return 0;
	}
}

static int
safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "OPTIONS") == 0;
}

/* A write authenticated by the cookie alone could be forged by another
 * site: it must come from an allowed origin and echo the session's CSRF
 * token (OWASP double-submit, here derived, not stored). */
static int
cookie_write_allowed(struct gh_server *srv, struct gh_req *req,
    struct gh_res *res)
{
	if (!gh_origin_ok(req, &srv->cfg)) {
		gh_problem(res, 403, "origin_mismatch", "this site may not "
		    "write with this session's cookie");
		return 0;
	}
	if (!gh_csrf_ok(srv->secret, req->auth.session_id, req->csrf_token)) {
		gh_problem(res, 403, "csrf_failed", "send the session's CSRF "
		    "token (GET /v1/auth/csrf-token) as X-CSRF-Token");
		return 0;
	}
	return 1;
}

void
gh_server_too_many(struct gh_res *res, int64_t retry_after)
{
	gh_problem(res, 429, "rate_limited", "too many requests; try again "
	    "after the number of seconds in Retry-After");
	(void)gh_res_header(res, "Retry-After", "%lld",
	    (long long)retry_after);
}

enum gh_err
gh_server_take(struct gh_req *req, const char *name,
    const struct gh_rate *rate, const char *subject, int64_t *retry_after)
{
	char		 client[GH_IP_KEY_LEN], key[GH_RATELIMIT_KEY_MAX + 1];
	enum gh_err	 er;
	int		 n;

	*retry_after = 0;
	if (rate->count == 0)
		return GH_OK;
	if (subject == NULL)
		gh_ip_client_key(req->remote_addr, req->forwarded_for,
		    &req->srv->trusted, client);
	n = snprintf(key, sizeof(key), "%s|%s|%s", name,
	    subject == NULL ? "ip" : "id", subject == NULL ? client : subject);
	if (n < 0 || (size_t)n >= sizeof(key))
		return GH_EINVAL;
	er = gh_ratelimit_take(req->srv->db, key, rate, gh_clock_now_ms(),
	    retry_after);
	if (er == GH_ELIMIT)
		gh_log("rid=%s rate limited: %s", req->request_id, key);
	return er;
}

int
gh_server_limit(struct gh_req *req, struct gh_res *res, const char *name,
    const struct gh_rate *rate, const char *subject)
{
	int64_t		 retry_after;
	enum gh_err	 er;

	if ((er = gh_server_take(req, name, rate, subject, &retry_after)) ==
	    GH_OK)
		return 1;
	if (er == GH_ELIMIT)
		gh_server_too_many(res, retry_after);
	else
		gh_problem(res, 500, "internal_error", NULL);
	return 0;
}

void
gh_server_address_key(const struct gh_server *srv, const char *email,
    char out[33])
{
	crypto_generichash_state	 h;
	unsigned char			 mac[16];
	char				 c;

	crypto_generichash_init(&h, srv->secret, sizeof(srv->secret),
	    sizeof(mac));
	for (; *email != '\0'; email++) {
		c = *email >= 'A' && *email <= 'Z' ?
		    (char)(*email - 'A' + 'a') : *email;
		crypto_generichash_update(&h, (const unsigned char *)&c, 1);
	}
	crypto_generichash_final(&h, mac, sizeof(mac));
	sodium_bin2hex(out, 33, mac, sizeof(mac));
}

enum gh_err
gh_server_address_take(struct gh_req *req, const char *email,
    int64_t *retry_after)
{
	const struct gh_config	*cfg = &req->srv->cfg;
	struct gh_rate		 cooldown = { cfg->email_cooldown > 0, 1 };
	char			 key[33];
	enum gh_err		 er;

	if (cfg->email_cooldown > 0)
		cooldown.period = cfg->email_cooldown;
	gh_server_address_key(req->srv, email, key);
	if ((er = gh_server_take(req, "email_address",
	    &cfg->rate_limit_email_address, key, retry_after)) != GH_OK)
		return er;
	return gh_server_take(req, "email_cooldown", &cooldown, key,
	    retry_after);
}

/* A route's limit: the configured rate and the name in its keys. */
static const struct gh_rate *
route_rate(const struct gh_config *c, enum gh_limit l, const char **name)
{
	switch (l) {
	case GH_LIMIT_SIGN_IN:
		*name = "sign_in";
		return &c->rate_limit_sign_in;
	case GH_LIMIT_SIGN_UP:
		*name = "sign_up";
		return &c->rate_limit_sign_up;
	case GH_LIMIT_REFRESH:
		*name = "refresh";
		return &c->rate_limit_refresh;
	case GH_LIMIT_CREDENTIAL:
		*name = "credential";
		return &c->rate_limit_credential;
	case GH_LIMIT_EMAIL:
		*name = "email";
		return &c->rate_limit_email;
	case GH_LIMIT_API:
		*name = "api";
		return &c->rate_limit_api;
	case GH_LIMIT_NONE:
		break;
	}
	return NULL;
}

static void
route(struct gh_server *srv, struct gh_req *req, struct gh_io *io,
    struct gh_res *res)
{
	const struct gh_rate	*rate;
	const char		*limit_name;
	struct gh_route_result	 rr;
	const struct gh_route	*rt;
	const char		*code;
	enum gh_err		 er;
	size_t			 i;

	req->path = gh_router_relative(req->uri_path, req->script_name,
	    srv->app->mount);
	if (req->path == NULL) {
		gh_problem(res, 404, "not_found", NULL);
		return;
	}
	switch (gh_router_match(srv->app->routes, srv->app->nroutes,
	    req->method, req->path, &rr)) {
	case GH_ROUTE_NO_PATH:
		gh_problem(res, 404, "not_found", NULL);
		return;
	case GH_ROUTE_NO_METHOD:
		gh_problem(res, 405, "method_not_allowed", NULL);
		(void)gh_res_header(res, "Allow", "%s", rr.allow);
		return;
	case GH_ROUTE_FOUND:
		break;
	}
	rt = rr.route;
	for (i = 0; i < rr.nparams; i++) {	/* ownership moves to req */
		req->param_names[i] = rr.param_names[i];
		req->params[i] = rr.params[i];
	}
	req->nparams = rr.nparams;
	/* The answer depends on who asks: shared caches must keep them apart
	 * (they are told no-store as well). */
	if ((rt->flags & GH_ROUTE_AUTH) &&
	    gh_res_header(res, "Vary", "Authorization, Cookie") != GH_OK) {
		gh_problem(res, 500, "internal_error", NULL);
		return;
	}
	/* Counted before anything else is looked at, bad input included. */
	if ((rate = route_rate(&srv->cfg, rt->limit, &limit_name)) != NULL &&
	    !gh_server_limit(req, res, limit_name, rate, NULL))
		return;
	/* A reading route: one snapshot for the session check and the
	 * handler, and SQLite's locks taken once. */
	if ((rt->flags & GH_ROUTE_READ) && gh_db_begin_read(srv->db) != GH_OK) {
		gh_problem(res, 500, "internal_error", NULL);
		return;
	}
	if ((rt->flags & GH_ROUTE_AUTH) &&
	    (er = gh_server_authenticate(srv, req, &code)) != GH_OK) {
		gh_server_refuse(res, er, code);
		return;
	}
	if (req->by_cookie && !safe_method(req->method) &&
	    !cookie_write_allowed(srv, req, res))
		return;
	if ((rt->flags & GH_ROUTE_JSON) &&
	    !read_json_body(srv, req, io, rt->flags, res))
		return;
	if ((rt->flags & GH_ROUTE_FORM) && !read_form_body(srv, req, io, res))
		return;
	er = rt->handler(req, res);
	if (er != GH_OK && res->status == 0) {
		gh_log("rid=%s handler failed: %s", req->request_id,
		    gh_err_name(er));
		gh_problem(res, 500, "internal_error", NULL);
	} else if (er != GH_OK && res->status < 400) {
		gh_problem(res, 500, "internal_error", NULL);
	}
}

enum gh_err
gh_server_touch(struct gh_server *srv, const char *session_id, int64_t now)
{
	struct gh_stmt	*st;

	st = gh_db_prepare(srv->db, GH_STMT_SESSION_TOUCH, "tii", session_id,
	    now, now - GH_TOUCH_INTERVAL);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

static void
dispatch(struct gh_server *srv, struct gh_req *req, struct gh_io *io,
    struct gh_res *res)
{
	int64_t	 now;

	route(srv, req, io, res);
	gh_db_rollback(srv->db);	/* a read, or one a handler left open */
	/* Presence, outside any transaction and only when due: a session
	 * is written at most once a minute (or to end a disconnect), so the
	 * reads stay reads and the cookie cache keeps its generation. */
	if (!req->authenticated || req->presence_set)
		return;
	now = gh_clock_now();
	if ((req->auth.offline ||
	    now - req->auth.last_active_at >= GH_TOUCH_INTERVAL) &&
	    gh_server_touch(srv, req->auth.session_id, now) != GH_OK)
		gh_log("rid=%s session presence not written",
		    req->request_id);
}

void
gh_server_handle(struct gh_server *srv, struct gh_io *io)
{
	struct gh_req	 req;
	struct gh_res	 res;
	enum gh_err	 er;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.srv = srv;
	req.started_ms = gh_clock_ms();
	if ((er = gh_http_req_init(&req, io)) == GH_EINVAL)
		gh_problem(&res, 400, "bad_request",
		    "Content-Length is not a number");
	else if (er != GH_OK)
		gh_problem(&res, 500, "internal_error", NULL);
	else
		dispatch(srv, &req, io, &res);
	if (res.status == 0)
		gh_problem(&res, 500, "internal_error", NULL);
	(void)gh_res_send(&res, &req, io);
	gh_http_req_drain(&req, io, (size_t)srv->cfg.body_limit * 64);
	if (srv->cfg.log_requests)
		gh_log_request(req.request_id, req.method, req.uri_path,
		    res.status, gh_clock_ms() - req.started_ms);
	gh_res_free(&res);
	gh_http_req_free(&req);
}

static gh_after_answer	 after_answer;

void
gh_serve_after(gh_after_answer fn)
{
	after_answer = fn;
}

/* Without a working set-up there is nothing to serve; as plain CGI the
 * client still gets a problem+json answer instead of a server error page. */
static int
fail_start(const char *why)
{
	gh_log("cannot start: %s", why);
	if (FCGX_IsCGI()) {
		fputs("Status: 500 Internal Server Error\r\n"
		    "Content-Type: application/problem+json\r\n"
		    "Cache-Control: no-store\r\n\r\n"
		    "{\"type\":\"urn:gatehouse:problem:internal_error\","
		    "\"title\":\"Internal error\",\"status\":500,"
		    "\"code\":\"internal_error\"}", stdout);
		fflush(stdout);
	}
	return 1;
}

int
gh_serve(const struct gh_app *app)
{
	struct gh_server	 srv;
	struct gh_io		 io;
	FCGX_Request		 r;
	char			 err[512] = "";

	gh_log_set_program(app->name);
	if (sodium_init() < 0)
		return fail_start("libsodium cannot initialise");
	if (gh_server_open(&srv, app, err, sizeof(err)) != GH_OK)
		return fail_start(err[0] != '\0' ? err : "see above");
	if (app->flags & GH_APP_PASSWORDS)
		gh_password_burn(&srv.pw, "", 0);
	/* Set-up done: nothing later may gain privileges (setuid helpers). */
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (FCGX_IsCGI()) {
		io.fcgi = NULL;
		gh_server_handle(&srv, &io);
		/* The web server sends the answer once our output ends. */
		fflush(stdout);
		fclose(stdout);
		if (after_answer != NULL)
			after_answer(&srv, 1);
		gh_server_close(&srv);
		return 0;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return fail_start("FastCGI initialisation failed");
	io.fcgi = &r;
	while (FCGX_Accept_r(&r) >= 0) {
		gh_server_handle(&srv, &io);
		FCGX_Finish_r(&r);
		if (after_answer != NULL)
			after_answer(&srv, 0);
	}
	gh_server_close(&srv);
	return 0;
}
