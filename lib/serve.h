/*
 * The request path every program shares (DESIGN.md §3):
 *   accept -> read request (bounded) -> route (method + path) ->
 *   authenticate (bearer) -> handler(req, res) -> JSON or problem+json.
 * Each program's main() is a route table and gh_serve().
 */
#ifndef GH_SERVE_H
#define GH_SERVE_H

#include <stddef.h>

#include <sodium.h>

#include "config.h"
#include "err.h"
#include "ip.h"
#include "keys.h"
#include "password.h"
#include "router.h"
#include "token.h"

struct gh_db;
struct gh_io;
struct gh_verified;

enum gh_app_flags {
	/* Checks passwords: prepare the decoy hash at start-up so the first
	 * unknown account costs what every later one does. */
	GH_APP_PASSWORDS = 1 << 0,
};

struct gh_app {
	const char		*name;	/* "auth": logs, and the binary */
	const char		*mount;	/* "/v1/auth"; "" for the root */
	const struct gh_route	*routes;
	size_t			 nroutes;
	unsigned		 flags;
};

struct gh_cookie_cache;

struct gh_server {
	const struct gh_app	*app;
	struct gh_config	 cfg;
	struct gh_db		*db;
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	struct gh_keyring	 keys;
	struct gh_password_params pw;
	int64_t			 keys_missed_at;	/* last reload for an unknown kid */
	struct gh_verified	*verified;	/* cache of checked access tokens */
	struct gh_cookie_cache	*cookies;	/* cache of checked session cookies */
	struct gh_cidrs		 trusted;	/* trusted_proxies, parsed */
};

/* What a program does once an answer is out and the client no longer
 * waits (cgi: the one answer of a plain-CGI run), e.g. deliver email
 * (lib/mailer.h). Set before gh_serve(); NULL does nothing. */
typedef void (*gh_after_answer)(struct gh_server *, int cgi);
void		 gh_serve_after(gh_after_answer);

/* Runs the program: one request as plain CGI, or the FastCGI accept loop.
 * Returns the process exit status. */
int		 gh_serve(const struct gh_app *);

/* Set-up shared with the CLI and tests: configuration, database (schema
 * must be current), secret and signing keys. */
enum gh_err	 gh_server_open(struct gh_server *, const struct gh_app *,
		    char *err, size_t errsz) GH_WUR;
void		 gh_server_close(struct gh_server *);
/* One request, start to finish. */
void		 gh_server_handle(struct gh_server *, struct gh_io *);

/* The bearer access token of req (RFC 6750 §2.1) and its session: a valid
 * signature, issuer and expiry, a session not revoked, an active user, an
 * audience that is the session's application. GH_OK fills req->auth;
 * GH_EAUTH or GH_EFORBIDDEN name why in *code (unauthorized,
 * invalid_token, token_expired, session_revoked, account_disabled). */
enum gh_err	 gh_server_authenticate(struct gh_server *, struct gh_req *,
		    const char **code) GH_WUR;
/* The answer to a failed gh_server_authenticate(): 401 with
 * WWW-Authenticate, 403, or 500 for anything else. */
struct gh_res;
void		 gh_server_refuse(struct gh_res *, enum gh_err,
		    const char *code);
/* 429 rate_limited with Retry-After: seconds. */
void		 gh_server_too_many(struct gh_res *, int64_t retry_after);
/*
 * Counts this request against rate under name ("sign_in"): per client
 * address when subject is NULL, else per subject (an account, a hashed
 * email). 1: go on. 0: res holds the answer (429, or 500 when the
 * database failed). Must run outside a transaction.
 */
struct gh_req;
int		 gh_server_limit(struct gh_req *, struct gh_res *,
		    const char *name, const struct gh_rate *,
		    const char *subject) GH_WUR;
/* The key of an email address in rate limits: a keyed BLAKE2b of the
 * folded address, in hex, so the table names nobody. */
void		 gh_server_address_key(const struct gh_server *,
		    const char *email, char out[33]);
/* Per-address limits of every route that mails someone (known address
 * or not): rate_limit_email_address, and email_cooldown between two.
 * GH_OK, GH_ELIMIT with *retry_after, or an error. */
enum gh_err	 gh_server_address_take(struct gh_req *, const char *email,
		    int64_t *retry_after) GH_WUR;
/* The same count for callers that answer for themselves (the hosted
 * pages): GH_OK, GH_ELIMIT with *retry_after, or an error. */
enum gh_err	 gh_server_take(struct gh_req *, const char *name,
		    const struct gh_rate *, const char *subject,
		    int64_t *retry_after) GH_WUR;

/* A session's last_active_at is written at most this often (seconds),
 * and on the first request after a disconnect (docs/sessions.md). */
#define GH_TOUCH_INTERVAL	60
/* Outside the caller's transaction or inside it: marks the session seen
 * now and online, unless it was seen within GH_TOUCH_INTERVAL and is
 * online (then nothing is written). */
enum gh_err	 gh_server_touch(struct gh_server *, const char *session_id,
		    int64_t now) GH_WUR;

/* The key that signs now (keys are re-read every key_reload_interval so a
 * rotation reaches every process); NULL when there is none. */
const struct gh_key *gh_server_signing_key(struct gh_server *);
/* Verifies an access token, re-reading the keys once on an unknown kid.
 * Tokens already verified by this process are remembered (by a BLAKE2b
 * digest of the whole token) until they expire: a client sends the same
 * token for its whole life, and Ed25519 verification dominates a request. */
enum gh_token_err gh_server_verify(struct gh_server *, const char *jwt,
		    size_t len, struct gh_claims *) GH_WUR;

#endif
