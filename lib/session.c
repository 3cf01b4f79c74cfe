#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "geo.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "serve.h"
#include "session.h"
#include "str.h"
#include "useragent.h"

/* What an access token says of its session; membership_id and
 * account_id may be NULL or "" (none). */
struct grant {
	const char	*user_id;
	const char	*client_id;
	const char	*session_id;
	const char	*amr;
	const char	*membership_id;
	const char	*account_id;
};

static enum gh_err
sign_access(struct gh_req *req, const struct grant *g, int64_t now,
    struct gh_tokens *out)
{
	struct gh_server	*srv = req->srv;
	const struct gh_key	*key;
	struct gh_claims	 c;
	const char		*amr = g->amr;
	size_t			 n;

	if ((key = gh_server_signing_key(srv)) == NULL)
		return GH_ECRYPTO;
	memset(&c, 0, sizeof(c));
	gh_strlcpy(c.iss, srv->cfg.issuer, sizeof(c.iss));
	gh_strlcpy(c.aud, g->client_id, sizeof(c.aud));
	gh_strlcpy(c.sub, g->user_id, sizeof(c.sub));
	gh_strlcpy(c.sid, g->session_id, sizeof(c.sid));
	gh_strlcpy(c.active_membership, g->membership_id,
	    sizeof(c.active_membership));
	gh_strlcpy(c.account_id, g->account_id, sizeof(c.account_id));
	/* The session keeps its methods space-separated ("pwd otp mfa"). */
	while (*amr != '\0' && c.namr < sizeof(c.amr) / sizeof(c.amr[0])) {
		n = strcspn(amr, " ");
		if (n > 0 && n < sizeof(c.amr[0])) {
			memcpy(c.amr[c.namr], amr, n);
			c.amr[c.namr++][n] = '\0';
		}
		amr += n + (amr[n] == ' ');
	}
	c.iat = now;
	c.exp = now + srv->cfg.access_ttl;
	out->expires_in = srv->cfg.access_ttl;
	return gh_token_sign(key, &c, &out->access_token);
}

static enum gh_err
new_refresh(struct gh_req *req, const char *session_id,
    const unsigned char *parent_hash, int64_t now, struct gh_tokens *out)
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((er = gh_token_opaque_new(out->refresh_token, hash)) != GH_OK)
		return er;
	st = gh_db_prepare(req->srv->db, GH_STMT_REFRESH_INSERT, "btbii", hash,
	    sizeof(hash), session_id, parent_hash,
	    (size_t)(parent_hash != NULL ? GH_TOKEN_HASH_BYTES : 0), now,
	    now + req->srv->cfg.refresh_ttl);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

/* The session cookie's token; only its hash is kept. */
static enum gh_err
new_cookie(struct gh_req *req, const char *session_id, struct gh_tokens *out)
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((er = gh_token_opaque_new(out->cookie, hash)) != GH_OK)
		return er;
	st = gh_db_prepare(req->srv->db, GH_STMT_SESSION_SET_COOKIE, "tb",
	    session_id, hash, sizeof(hash));
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

/* The account of user_id's membership_id into account_id ("" when
 * there is none), for the access token's claims. */
static enum gh_err
account_of(struct gh_db *db, const char *user_id, const char *membership_id,
    char account_id[GH_ID_LEN + 1])
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	account_id[0] = '\0';
	if (membership_id == NULL || *membership_id == '\0')
		return GH_OK;
	if ((st = gh_db_prepare(db, GH_STMT_MEMBERSHIP_ACCOUNT, "tt",
	    membership_id, user_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		gh_strlcpy(account_id, gh_stmt_col_text(st, 0), GH_ID_LEN + 1);
	gh_stmt_reset(st);
	return rc == GH_STEP_ERROR ? GH_EDB : GH_OK;
}

/* "" as NULL: a field nobody told is unknown, not empty. */
static const char *
told(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

enum gh_err
gh_session_start(struct gh_req *req, const struct gh_subject *subj,
    const char *amr, int cookie, char session_id[GH_ID_LEN + 1],
    struct gh_tokens *out)
{
	struct gh_ua_client	 client;
	struct gh_ua		 ua;
	struct gh_geo		 geo;
	struct gh_stmt		*st;
	char			 ip[GH_IP_KEY_LEN], agent[GH_UA_MAX + 1];
	char			 account_id[GH_ID_LEN + 1];
	int64_t			 now = gh_clock_now();
	enum gh_err		 er;

	memset(out, 0, sizeof(*out));
	gh_id_new(session_id);
	/* The device (docs/sessions.md): the User-Agent, then what the app
	 * says of itself; the place: behind a trusted proxy, its client. */
	gh_useragent_parse(req->user_agent, &ua);
	client.name = req->client_name;
	client.version = req->client_version;
	client.os = req->client_os;
	client.os_version = req->client_os_version;
	client.device = req->client_device;
	gh_useragent_client(&ua, &client);
	gh_useragent_clean(agent, sizeof(agent), req->user_agent);
	gh_ip_client(req->remote_addr, req->forwarded_for, &req->srv->trusted,
	    ip);
	gh_geo_lookup(req, req->remote_addr != NULL ? ip : NULL, &geo);
	st = gh_db_prepare(req->srv->db, GH_STMT_SESSION_INSERT,
	    "ttttttitttttttt", session_id, subj->user_id, subj->application_id,
	    subj->membership_id, req->remote_addr != NULL ? ip : NULL,
	    told(agent), now, amr, ua.device_type, told(ua.os),
	    told(ua.os_version), told(ua.app_name), told(ua.app_version),
	    told(geo.country), told(geo.region));
	if (st == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK ||
	    (er = new_refresh(req, session_id, NULL, now, out)) != GH_OK ||
	    (cookie && (er = new_cookie(req, session_id, out)) != GH_OK) ||
	    (er = account_of(req->srv->db, subj->user_id, subj->membership_id,
	    account_id)) != GH_OK)
		return er;
	return sign_access(req, &(const struct grant){ subj->user_id,
	    subj->client_id, session_id, amr, subj->membership_id, account_id },
	    now, out);
}

enum gh_err
gh_session_revoke(struct gh_req *req, const char *session_id,
    const char *reason)
{
	struct gh_stmt	*st;

	st = gh_db_prepare(req->srv->db, GH_STMT_SESSION_REVOKE, "tit",
	    session_id, gh_clock_now(), reason);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

enum gh_err
gh_session_revoke_others(struct gh_db *db, const char *user_id,
    const char *keep_session_id, const char *reason, int64_t *revoked)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	*revoked = 0;
	if ((st = gh_db_prepare(db, GH_STMT_SESSIONS_REVOKE_OTHERS, "titt",
	    user_id, gh_clock_now(), reason, keep_session_id)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) == GH_OK)
		*revoked = gh_db_changes(db);
	return er;
}

/* What the refresh needs of the token's row, copied out of SQLite. */
struct found {
	char		 session_id[GH_ID_LEN + 1];
	char		 user_id[GH_ID_LEN + 1];
	char		 client_id[128];
	char		 application_id[GH_ID_LEN + 1];
	char		 amr[64];
	char		 membership_id[GH_ID_LEN + 1];	/* "": none */
	char		 account_id[GH_ID_LEN + 1];
	int64_t		 expires_at;
	int64_t		 used_at_ms;	/* -1: never used */
	int		 revoked;
	int		 active;
};

static enum gh_err
find(struct gh_req *req, const unsigned char hash[GH_TOKEN_HASH_BYTES],
    struct found *f)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	const char	*status;

	st = gh_db_prepare(req->srv->db, GH_STMT_REFRESH_BY_HASH, "b", hash,
	    (size_t)GH_TOKEN_HASH_BYTES);
	if (st == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) != GH_STEP_ROW) {
		gh_stmt_reset(st);
		return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
	}
	gh_strlcpy(f->session_id, gh_stmt_col_text(st, 0),
	    sizeof(f->session_id));
	f->expires_at = gh_stmt_col_int(st, 1);
	f->used_at_ms = gh_stmt_col_is_null(st, 2) ? -1 :
	    gh_stmt_col_int(st, 2);
	f->revoked = !gh_stmt_col_is_null(st, 3);
	gh_strlcpy(f->user_id, gh_stmt_col_text(st, 4), sizeof(f->user_id));
	status = gh_stmt_col_text(st, 5);
	f->active = status != NULL && strcmp(status, "active") == 0;
	gh_strlcpy(f->client_id, gh_stmt_col_text(st, 6), sizeof(f->client_id));
	gh_strlcpy(f->application_id, gh_stmt_col_text(st, 7),
	    sizeof(f->application_id));
	gh_strlcpy(f->amr, gh_stmt_col_text(st, 8), sizeof(f->amr));
	gh_strlcpy(f->membership_id, gh_stmt_col_text(st, 9),
	    sizeof(f->membership_id));
	gh_strlcpy(f->account_id, gh_stmt_col_text(st, 10),
	    sizeof(f->account_id));
	gh_stmt_reset(st);
	return GH_OK;
}

/* A rotated token presented after the grace window means two parties hold
 * the family: end the session for both and keep a record. */
static enum gh_err
punish_reuse(struct gh_req *req, const struct found *f)
{
	enum gh_err	 er;

	if ((er = gh_session_revoke(req, f->session_id,
	    "refresh_token_reused")) != GH_OK ||
	    (er = gh_audit(req, "token_reused", f->application_id, f->user_id,
	    f->session_id)) != GH_OK)
		return er;
	gh_log("rid=%s refresh token reuse: session %s revoked",
	    req->request_id, f->session_id);
	return gh_db_commit(req->srv->db);
}

enum gh_err
gh_session_refresh(struct gh_req *req, const char *token, size_t len,
    struct gh_tokens *out, const char **code)
{
	struct gh_db	*db = req->srv->db;
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct found	 f;
	struct gh_stmt	*st;
	int64_t		 now = gh_clock_now(), now_ms;
	enum gh_err	 er;

	memset(out, 0, sizeof(*out));
	*code = "invalid_token";
	if (gh_token_opaque_hash(token, len, hash) != GH_OK)
		return GH_EAUTH;
	/* Relaxed durability: losing the newest rotation to a power cut
	 * signs a user out; it never lets anyone in (docs/durability.md). */
	if ((er = gh_db_begin(db, GH_DB_RELAXED)) != GH_OK)
		return er;
	if ((er = find(req, hash, &f)) != GH_OK) {
		if (er == GH_ENOTFOUND)
			er = GH_EAUTH;
		goto fail;
	}
	er = GH_EAUTH;
	if (f.revoked) {
		*code = "session_revoked";
		goto fail;
	}
	if (!f.active) {
		*code = "account_disabled";
		goto fail;
	}
	if (f.expires_at <= now) {
		*code = "token_expired";
		goto fail;
	}
	now_ms = gh_clock_now_ms();
	if (f.used_at_ms >= 0 &&
	    now_ms - f.used_at_ms > req->srv->cfg.refresh_grace * 1000) {
		*code = "token_reused";
		if ((er = punish_reuse(req, &f)) != GH_OK)
			goto fail;
		return GH_EAUTH;
	}
	if (f.used_at_ms < 0) {
		st = gh_db_prepare(db, GH_STMT_REFRESH_MARK_USED, "bi", hash,
		    sizeof(hash), now_ms);
		if (st == NULL || (er = gh_stmt_exec(st)) != GH_OK)
			goto fail;
	}
	/* A refresh is activity too: within the same commit. */
	if ((er = new_refresh(req, f.session_id, hash, now, out)) != GH_OK ||
	    (er = gh_server_touch(req->srv, f.session_id, now)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK)
		goto fail;
	return sign_access(req, &(const struct grant){ f.user_id, f.client_id,
	    f.session_id, f.amr, f.membership_id, f.account_id }, now, out);
fail:
	if (er == GH_OK)
		er = GH_EDB;
	gh_db_rollback(db);
	sodium_memzero(out->refresh_token, sizeof(out->refresh_token));
	return er;
}

enum gh_err
gh_session_switch(struct gh_req *req, const char *membership_id,
    struct gh_tokens *out)
{
	struct gh_db	*db = req->srv->db;
	const char	*sid = req->auth.session_id;
	char		 user_id[GH_ID_LEN + 1], amr[64], client_id[128];
	char		 account_id[GH_ID_LEN + 1];
	struct gh_stmt	*st;
	enum gh_step	 rc;
	int64_t		 now = gh_clock_now();
	enum gh_err	 er;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((st = gh_db_prepare(db, GH_STMT_SESSION_SWITCH, "tt", sid,
	    membership_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		gh_strlcpy(user_id, gh_stmt_col_text(st, 0), sizeof(user_id));
		gh_strlcpy(amr, gh_stmt_col_text(st, 1), sizeof(amr));
		gh_strlcpy(client_id, gh_stmt_col_text(st, 2),
		    sizeof(client_id));
		gh_strlcpy(account_id, gh_stmt_col_text(st, 3),
		    sizeof(account_id));
		/* RETURNING: the change is made by the steps to the end. */
		while ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
			;
		if (rc == GH_STEP_DONE)
			rc = GH_STEP_ROW;
	}
	gh_stmt_reset(st);
	if (rc != GH_STEP_ROW)
		return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
	/* A browser's cookie names the session, which now sits in the new
	 * membership: there is no token to hand out. */
	if (out == NULL)
		return GH_OK;
	/* Tokens issued before the switch rotate out like any used one: a
	 * copy still presented after refresh_grace is reuse. */
	if ((st = gh_db_prepare(db, GH_STMT_REFRESH_RETIRE, "ti", sid,
	    gh_clock_now_ms())) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK ||
	    (er = new_refresh(req, sid, NULL, now, out)) != GH_OK)
		return er;
	return sign_access(req, &(const struct grant){ user_id, client_id, sid,
	    amr, membership_id, account_id }, now, out);
}

json_object *
gh_tokens_json(const struct gh_tokens *t)
{
	json_object	*o = json_object_new_object();

	gh_json_add(o, "access_token",
	    json_object_new_string(t->access_token));
	gh_json_add(o, "refresh_token",
	    json_object_new_string(t->refresh_token));
	gh_json_add(o, "token_type",
	    json_object_new_string("Bearer"));
	gh_json_add(o, "expires_in",
	    json_object_new_int64(t->expires_in));
	return o;
}

void
gh_tokens_free(struct gh_tokens *t)
{
	if (t->access_token != NULL) {
		sodium_memzero(t->access_token, strlen(t->access_token));
		free(t->access_token);
	}
	sodium_memzero(t, sizeof(*t));
}
