/*
 * Sessions: one per refresh-token family. Starting one issues the first
 * refresh token and an access token; refreshing rotates the refresh token
 * (RFC 6819 §5.2.2.3) with a grace window for concurrent tabs, and a
 * rotated token used after it revokes the whole session.
 */
#ifndef GH_SESSION_H
#define GH_SESSION_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"
#include "token.h"

struct gh_req;

struct gh_tokens {
	char		*access_token;	/* owned */
	char		 refresh_token[GH_OPAQUE_LEN + 1];
	char		 cookie[GH_OPAQUE_LEN + 1];	/* "" unless cookie mode */
	int64_t		 expires_in;
};

struct gh_subject {
	const char	*user_id;
	const char	*application_id;
	const char	*client_id;	/* the access token's audience */
	const char	*membership_id;	/* active membership; may be NULL */
};

/* Inside the caller's open transaction: a new session for subject, its
 * first refresh token, a signed access token and, with cookie set, the
 * session cookie's token (cookie mode). amr: the methods used,
 * space-separated ("pwd", "pwd otp mfa"), as the access token's amr. */
enum gh_err	 gh_session_start(struct gh_req *, const struct gh_subject *,
		    const char *amr, int cookie,
		    char session_id[GH_ID_LEN + 1], struct gh_tokens *) GH_WUR;
/* Rotates a presented refresh token (its own transaction). On GH_EAUTH,
 * *code names why: invalid_token, token_expired, token_reused,
 * session_revoked, account_disabled. */
enum gh_err	 gh_session_refresh(struct gh_req *, const char *token,
		    size_t len, struct gh_tokens *, const char **code) GH_WUR;
/*
 * Inside the caller's write transaction: moves req's session into
 * membership_id, one of the session user's own (GH_ENOTFOUND otherwise, or
 * when the session ended). With out (a bearer session): a fresh refresh
 * token and access token for the same session, and its refresh tokens
 * not used yet marked used, so after refresh_grace presenting one is
 * reuse. out NULL (cookie mode): only the move.
 */
enum gh_err	 gh_session_switch(struct gh_req *, const char *membership_id,
		    struct gh_tokens *out) GH_WUR;
/* Ends a session; 0 rows changed is not an error. */
enum gh_err	 gh_session_revoke(struct gh_req *, const char *session_id,
		    const char *reason) GH_WUR;
/* Inside the caller's transaction: ends every live session of user_id
 * but keep_session_id (NULL: every one); *revoked says how many. */
struct gh_db;
enum gh_err	 gh_session_revoke_others(struct gh_db *, const char *user_id,
		    const char *keep_session_id, const char *reason,
		    int64_t *revoked) GH_WUR;
/* {access_token, refresh_token, token_type, expires_in}; owned. */
json_object	*gh_tokens_json(const struct gh_tokens *);
void		 gh_tokens_free(struct gh_tokens *);

#endif
