/*
 * Two-factor authentication (docs/mfa.md): a user's TOTP secret (sealed at
 * rest, pending until a code confirms it), the steps already used (a code
 * counts once), ten one-time backup codes kept as keyed hashes, wrong
 * codes counted like wrong passwords (lib/backoff.h), and the mfa_token of
 * a sign-in that waits for its second factor.
 */
#ifndef GH_MFA_H
#define GH_MFA_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"
#include "token.h"
#include "totp.h"

struct gh_db;
struct gh_req;
struct gh_server;

#define GH_MFA_BACKUP_CODES	10
#define GH_MFA_BACKUP_LEN	9	/* "xxxx-xxxx" */

typedef char gh_backup_code[GH_MFA_BACKUP_LEN + 1];

/* 1 when the user signs in with a second factor, 0 when not, -1 on error. */
int		 gh_mfa_enabled(struct gh_db *, const char *user_id);
/* Backup codes not used yet; -1 on error. */
int64_t		 gh_mfa_backup_left(struct gh_db *, const char *user_id);
/* {enabled, backup_codes_remaining} of the user, owned, through out. */
enum gh_err	 gh_mfa_status(struct gh_db *, const char *user_id,
		    json_object **out) GH_WUR;
/* Inside a transaction: a new pending secret (base32 in secret), replacing
 * a pending one. GH_ECONFLICT when 2FA is on already. */
enum gh_err	 gh_mfa_setup(struct gh_server *, const char *user_id,
		    char secret[GH_TOTP_SECRET_B32 + 1]) GH_WUR;
/*
 * Inside a transaction: checks a TOTP code against the user's secret
 * (pending: only when it is pending, else only when enabled) and records
 * its step. GH_OK; GH_EINVAL for a wrong, old or used code (counted
 * towards the lock, which the caller commits); GH_ELIMIT while locked
 * (*retry_after); GH_ENOTFOUND when there is no such secret.
 */
enum gh_err	 gh_mfa_check_totp(struct gh_server *, const char *app_id,
		    const char *user_id, const char *code, int pending,
		    int64_t *retry_after) GH_WUR;
/* The same for a backup code, which is used up. */
enum gh_err	 gh_mfa_check_backup(struct gh_server *, const char *app_id,
		    const char *user_id, const char *code,
		    int64_t *retry_after) GH_WUR;
/* Inside a transaction: 2FA on, and ten new backup codes. */
enum gh_err	 gh_mfa_enable(struct gh_server *, const char *user_id,
		    gh_backup_code codes[GH_MFA_BACKUP_CODES]) GH_WUR;
/* Inside a transaction: ten new backup codes; the old ones are void. */
enum gh_err	 gh_mfa_new_backup_codes(struct gh_server *,
		    const char *user_id,
		    gh_backup_code codes[GH_MFA_BACKUP_CODES]) GH_WUR;
/* Inside a transaction: 2FA off; secret and backup codes gone. */
enum gh_err	 gh_mfa_disable(struct gh_db *, const char *user_id) GH_WUR;

/* The sign-in a second factor will finish. */
struct gh_mfa_pending {
	char		 application_id[GH_ID_LEN + 1];
	char		 user_id[GH_ID_LEN + 1];
	char		 client_id[129];
	char		 amr[32];	/* the first factor's */
	char		 action[40];	/* its action-log name */
	int		 cookie;
};
/* Inside a transaction: an mfa_token for p (single use, 5 minutes). */
enum gh_err	 gh_mfa_challenge(struct gh_db *,
		    const struct gh_mfa_pending *p, int64_t now,
		    char token[GH_OPAQUE_LEN + 1]) GH_WUR;
/* Inside a transaction: the sign-in of a live mfa_token (not used up).
 * GH_ENOTFOUND for anything else; GH_EAUTH when it expired. */
enum gh_err	 gh_mfa_pending_get(struct gh_db *, const char *token,
		    size_t len, struct gh_mfa_pending *) GH_WUR;
/* Uses the token up (consume) or counts a wrong code on it (a fifth
 * voids it). */
enum gh_err	 gh_mfa_pending_use(struct gh_db *, const char *token,
		    size_t len, int consume) GH_WUR;

#endif
