#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "backoff.h"
#include "clock.h"
#include "db.h"
#include "json.h"
#include "mfa.h"
#include "onetime.h"
#include "seal.h"
#include "serve.h"
#include "str.h"

#define PENDING_TTL	300	/* seconds an mfa_token waits for its code */
#define PENDING_TRIES	5	/* wrong codes that void an mfa_token */

/* Backup codes: no 0/O, 1/I/L, 5/S, 8/B to misread. */
static const char code_alphabet[] = "ACDEFGHJKMNPQRTUVWXYZ234679";

static int
one_row_int(struct gh_db *db, enum gh_stmt_id id, const char *user_id,
    int64_t *out)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;

	if ((st = gh_db_prepare(db, id, "t", user_id)) == NULL)
		return -1;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		*out = gh_stmt_col_int(st, 0);
	gh_stmt_reset(st);
	return rc == GH_STEP_ROW ? 1 : rc == GH_STEP_DONE ? 0 : -1;
}

int64_t
gh_mfa_backup_left(struct gh_db *db, const char *user_id)
{
	int64_t	 n = 0;

	return one_row_int(db, GH_STMT_BACKUP_LEFT, user_id, &n) < 0 ? -1 : n;
}

enum gh_err
gh_mfa_status(struct gh_db *db, const char *user_id, json_object **out)
{
	int		 on;
	int64_t		 left;

	*out = NULL;
	if ((on = gh_mfa_enabled(db, user_id)) < 0 ||
	    (left = gh_mfa_backup_left(db, user_id)) < 0)
		return GH_EDB;
	*out = json_object_new_object();
	gh_json_add(*out, "enabled", json_object_new_boolean(on));
	/* Backup codes stand in for a second factor only while it is on. */
	gh_json_add(*out, "backup_codes_remaining",
	    json_object_new_int64(on ? left : 0));
	return GH_OK;
}

/* The user's secret (decoded) and state; 0 when there is none. */
struct secret {
	unsigned char	 key[GH_TOTP_SECRET_BYTES];
	size_t		 keylen;
	int		 enabled;
	int64_t		 last_step;
};

static int
secret_of(struct gh_server *srv, const char *user_id, struct secret *s)
{
	struct gh_stmt	*st;
	char		 b32[GH_TOTP_SECRET_B32 + 8];
	enum gh_step	 rc;
	int		 found = -1;

	memset(s, 0, sizeof(*s));
	if ((st = gh_db_prepare(srv->db, GH_STMT_TOTP_GET, "t", user_id)) ==
	    NULL)
		return -1;
	if ((rc = gh_stmt_step(st)) == GH_STEP_DONE)
		found = 0;
	else if (rc == GH_STEP_ROW &&
	    gh_seal_open(srv->secret, gh_stmt_col_text(st, 0), b32,
	    sizeof(b32)) == GH_OK &&
	    gh_totp_unbase32(b32, s->key, sizeof(s->key), &s->keylen) == 0) {
		s->enabled = !gh_stmt_col_is_null(st, 1);
		s->last_step = gh_stmt_col_int(st, 2);
		found = 1;
	}
	gh_stmt_reset(st);
	sodium_memzero(b32, sizeof(b32));
	return found;
}

int
gh_mfa_enabled(struct gh_db *db, const char *user_id)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	int		 on = 0;

	if ((st = gh_db_prepare(db, GH_STMT_TOTP_GET, "t", user_id)) == NULL)
		return -1;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		on = !gh_stmt_col_is_null(st, 1);
	gh_stmt_reset(st);
	return rc == GH_STEP_ROW || rc == GH_STEP_DONE ? on : -1;
}

enum gh_err
gh_mfa_setup(struct gh_server *srv, const char *user_id,
    char secret[GH_TOTP_SECRET_B32 + 1])
{
	unsigned char	 key[GH_TOTP_SECRET_BYTES];
	char		*sealed = NULL;
	struct gh_stmt	*st;
	enum gh_err	 er;

	randombytes_buf(key, sizeof(key));
	gh_totp_base32(key, sizeof(key), secret, GH_TOTP_SECRET_B32 + 1);
	sodium_memzero(key, sizeof(key));
	if ((er = gh_seal_text(srv->secret, secret, strlen(secret),
	    &sealed)) != GH_OK)
		return er;
	if ((st = gh_db_prepare(srv->db, GH_STMT_TOTP_PENDING, "tti", user_id,
	    sealed, gh_clock_now())) == NULL)
		er = GH_EDB;
	else if ((er = gh_stmt_exec(st)) == GH_OK && gh_db_changes(srv->db) != 1)
		er = GH_ECONFLICT;	/* enabled already: left as it is */
	free(sealed);
	return er;
}

/* Counts a wrong code towards the user's lock (docs/abuse.md). */
static enum gh_err
wrong(struct gh_server *srv, const unsigned char key[GH_BACKOFF_KEY_BYTES])
{
	int64_t		 locked_for;
	enum gh_err	 er;

	if ((er = gh_backoff_fail(srv->db, &srv->cfg, key, gh_clock_now(),
	    &locked_for)) != GH_OK)
		return er;
	return GH_EINVAL;
}

/* The lock key of a user's second factor, and whether it is locked. */
static enum gh_err
locked(struct gh_server *srv, const char *app_id, const char *user_id,
    unsigned char key[GH_BACKOFF_KEY_BYTES], int64_t *retry_after)
{
	gh_backoff_key(srv->secret, app_id, "mfa", user_id, key);
	return gh_backoff_check(srv->db, key, gh_clock_now(), retry_after);
}

enum gh_err
gh_mfa_check_totp(struct gh_server *srv, const char *app_id,
    const char *user_id, const char *code, int pending,
    int64_t *retry_after)
{
	unsigned char	 key[GH_BACKOFF_KEY_BYTES];
	struct secret	 s;
	struct gh_stmt	*st;
	int64_t		 step;
	int		 found;
	enum gh_err	 er;

	*retry_after = 0;
	if ((er = locked(srv, app_id, user_id, key, retry_after)) != GH_OK)
		return er;
	if ((found = secret_of(srv, user_id, &s)) < 0)
		return GH_EDB;
	if (found == 0 || s.enabled == pending) {
		er = GH_ENOTFOUND;
		goto out;
	}
	step = gh_totp_match(s.key, s.keylen, code, gh_clock_now(),
	    s.last_step);
	/* Recorded only if no other request took this step meanwhile. */
	if (step == 0 || (st = gh_db_prepare(srv->db, GH_STMT_TOTP_STEP, "ti",
	    user_id, step)) == NULL || gh_stmt_exec(st) != GH_OK ||
	    gh_db_changes(srv->db) != 1) {
		er = wrong(srv, key);
		goto out;
	}
	er = gh_backoff_clear(srv->db, key);
out:
	sodium_memzero(&s, sizeof(s));
	return er;
}

/* The stored form of a backup code: keyed BLAKE2b over the user and the
 * code without its dash, upper case. */
static int
backup_hash(const struct gh_server *srv, const char *user_id,
    const char *code, unsigned char out[32])
{
	crypto_generichash_state	 h;
	char				 c;
	size_t				 n = 0;

	crypto_generichash_init(&h, srv->secret, sizeof(srv->secret), 32);
	crypto_generichash_update(&h, (const unsigned char *)user_id,
	    strlen(user_id) + 1);
	for (; *code != '\0'; code++) {
		if (*code == '-' || *code == ' ')
			continue;
		c = *code >= 'a' && *code <= 'z' ? (char)(*code - 'a' + 'A') :
		    *code;
		if (strchr(code_alphabet, c) == NULL || ++n > 8)
			return -1;
		crypto_generichash_update(&h, (const unsigned char *)&c, 1);
	}
	crypto_generichash_final(&h, out, 32);
	return n == 8 ? 0 : -1;
}

enum gh_err
gh_mfa_check_backup(struct gh_server *srv, const char *app_id,
    const char *user_id, const char *code, int64_t *retry_after)
{
	unsigned char	 key[GH_BACKOFF_KEY_BYTES], hash[32];
	struct gh_stmt	*st;
	enum gh_err	 er;

	*retry_after = 0;
	if ((er = locked(srv, app_id, user_id, key, retry_after)) != GH_OK)
		return er;
	if (gh_mfa_enabled(srv->db, user_id) != 1)
		return GH_ENOTFOUND;
	if (backup_hash(srv, user_id, code, hash) != 0 ||
	    (st = gh_db_prepare(srv->db, GH_STMT_BACKUP_USE, "tbi", user_id,
	    hash, sizeof(hash), gh_clock_now())) == NULL ||
	    gh_stmt_exec(st) != GH_OK || gh_db_changes(srv->db) != 1)
		return wrong(srv, key);
	return gh_backoff_clear(srv->db, key);
}

enum gh_err
gh_mfa_new_backup_codes(struct gh_server *srv, const char *user_id,
    gh_backup_code codes[GH_MFA_BACKUP_CODES])
{
	unsigned char	 hash[32];
	struct gh_stmt	*st;
	size_t		 i, j, k;
	enum gh_err	 er;

	if ((st = gh_db_prepare(srv->db, GH_STMT_BACKUP_CLEAR, "t",
	    user_id)) == NULL || (er = gh_stmt_exec(st)) != GH_OK)
		return GH_EDB;
	for (i = 0; i < GH_MFA_BACKUP_CODES; i++) {
		/* 8 of 27 characters: 38 bits, tried online only. */
		for (j = k = 0; j < 8; j++) {
			if (j == 4)
				codes[i][k++] = '-';
			codes[i][k++] = code_alphabet[randombytes_uniform(
			    sizeof(code_alphabet) - 1)];
		}
		codes[i][k] = '\0';
		if (backup_hash(srv, user_id, codes[i], hash) != 0 ||
		    (st = gh_db_prepare(srv->db, GH_STMT_BACKUP_INSERT, "tb",
		    user_id, hash, sizeof(hash))) == NULL ||
		    (er = gh_stmt_exec(st)) != GH_OK)
			return GH_EDB;
	}
	return GH_OK;
}

enum gh_err
gh_mfa_enable(struct gh_server *srv, const char *user_id,
    gh_backup_code codes[GH_MFA_BACKUP_CODES])
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((st = gh_db_prepare(srv->db, GH_STMT_TOTP_ENABLE, "ti", user_id,
	    gh_clock_now())) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	if (gh_db_changes(srv->db) != 1)
		return GH_ECONFLICT;
	return gh_mfa_new_backup_codes(srv, user_id, codes);
}

enum gh_err
gh_mfa_disable(struct gh_db *db, const char *user_id)
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	if ((st = gh_db_prepare(db, GH_STMT_TOTP_DELETE, "t", user_id)) ==
	    NULL || (er = gh_stmt_exec(st)) != GH_OK)
		return GH_EDB;
	if ((st = gh_db_prepare(db, GH_STMT_BACKUP_CLEAR, "t", user_id)) ==
	    NULL)
		return GH_EDB;
	return gh_stmt_exec(st);
}

enum gh_err
gh_mfa_challenge(struct gh_db *db, const struct gh_mfa_pending *p,
    int64_t now, char token[GH_OPAQUE_LEN + 1])
{
	struct gh_onetime	 t;
	json_object		*o = json_object_new_object();
	const char		*s;
	enum gh_err		 er;

	gh_json_add(o, "c", json_object_new_string(p->client_id));
	gh_json_add(o, "a", json_object_new_string(p->amr));
	gh_json_add(o, "x", json_object_new_string(p->action));
	gh_json_add(o, "m", json_object_new_boolean(p->cookie));
	memset(&t, 0, sizeof(t));
	gh_strlcpy(t.application_id, p->application_id,
	    sizeof(t.application_id));
	gh_strlcpy(t.user_id, p->user_id, sizeof(t.user_id));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	gh_strlcpy(t.data, s, sizeof(t.data));
	er = strlen(s) < sizeof(t.data) ? gh_onetime_issue(db, "mfa", &t, now,
	    PENDING_TTL, token) : GH_ETOOBIG;
	json_object_put(o);
	return er;
}

enum gh_err
gh_mfa_pending_get(struct gh_db *db, const char *token, size_t len,
    struct gh_mfa_pending *p)
{
	struct gh_onetime	 t;
	json_object		*o = NULL, *m;
	enum gh_err		 er;

	memset(p, 0, sizeof(*p));
	if ((er = gh_onetime_use(db, "mfa", token, len, gh_clock_now(), 0,
	    &t)) != GH_OK)
		return er;
	if (t.user_id[0] == '\0' || gh_json_parse(t.data, strlen(t.data), 4,
	    &o) != GH_JSON_OK)
		return GH_ENOTFOUND;
	gh_strlcpy(p->application_id, t.application_id,
	    sizeof(p->application_id));
	gh_strlcpy(p->user_id, t.user_id, sizeof(p->user_id));
	gh_json_copy_string(o, "c", p->client_id, sizeof(p->client_id));
	gh_json_copy_string(o, "a", p->amr, sizeof(p->amr));
	gh_json_copy_string(o, "x", p->action, sizeof(p->action));
	p->cookie = json_object_object_get_ex(o, "m", &m) &&
	    json_object_get_boolean(m);
	json_object_put(o);
	return GH_OK;
}

enum gh_err
gh_mfa_pending_use(struct gh_db *db, const char *token, size_t len,
    int consume)
{
	struct gh_onetime	 t;
	unsigned char		 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt		*st;
	enum gh_err		 er;

	if (consume)
		return gh_onetime_use(db, "mfa", token, len, gh_clock_now(), 1,
		    &t);
	if ((er = gh_token_opaque_hash(token, len, hash)) != GH_OK)
		return GH_ENOTFOUND;
	st = gh_db_prepare(db, GH_STMT_CODE_MISS, "bii", hash, sizeof(hash),
	    (int64_t)PENDING_TRIES, gh_clock_now());
	er = st != NULL ? gh_stmt_exec(st) : GH_EDB;
	sodium_memzero(hash, sizeof(hash));
	return er;
}
