/*
 * Signing up and signing in with a password, shared by the JSON API
 * (auth.fcgi) and the hosted pages (ui.fcgi): each owns its transaction and
 * its action-log rows; the caller only turns the outcome into an answer.
 */
#ifndef GH_ACCOUNT_H
#define GH_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "id.h"
#include "policy.h"
#include "session.h"

struct gh_req;

struct gh_signed_in {
	char		 user_id[GH_ID_LEN + 1];
	char		 membership_id[GH_ID_LEN + 1];
	char		 session_id[GH_ID_LEN + 1];
	struct gh_tokens tokens;
	char		 device[GH_OPAQUE_LEN + 1];	/* a new device cookie, or "" */
	/* Cookie mode with the browser's cookie still naming the session
	 * (an account switch): answer {csrf_token, profile}, set nothing. */
	int		 cookie_kept;
	/* Set instead of a session when the user's second factor must finish
	 * the sign-in (docs/mfa.md). */
	char		 mfa_token[GH_OPAQUE_LEN + 1];
	int64_t		 retry_after;	/* GH_ELIMIT: seconds of the lock */
};

struct gh_credentials {
	const char	*application_id;
	const char	*client_id;
	const char	*by;		/* "email" or "username" */
	const char	*login;
	const char	*password;
	size_t		 password_len;
	int		 cookie;	/* start a cookie-mode session */
};

struct gh_new_account {
	const char	*application_id;
	const char	*client_id;
	const char	*email;
	const char	*username;	/* NULL: made from the email */
	const char	*display_name;	/* may be NULL */
	const char	*password;
	size_t		 password_len;
	const char	*invite_code;	/* NULL: none */
	int		 cookie;
};

/* GH_OK: a new session, committed. GH_EAUTH: unknown account or wrong
 * password, told apart by nobody (same work, same answer, a sign_in_failed
 * row and a backoff count either way). GH_EFORBIDDEN: the account is
 * disabled. GH_ECONFLICT: require_email_verification is on and the
 * address is not verified yet. GH_ELIMIT: sign-in with this identifier is
 * locked (backoff.h)
 * for out->retry_after seconds and this is not a known device of it. */
enum gh_err	 gh_account_sign_in(struct gh_req *,
		    const struct gh_credentials *, struct gh_signed_in *) GH_WUR;
/* GH_OK: the user, its personal account and a session, committed; with
 * an invite code, the invite used too (an account invite's membership is
 * the session's). Otherwise nothing is written and *code says why:
 * GH_ECONFLICT email_taken or username_taken; GH_EFORBIDDEN
 * invite_required (signup_invite_only and no code); or the invite's
 * refusal (gh_invite_refusal(), *code NULL for a code that names none). */
enum gh_err	 gh_account_sign_up(struct gh_req *,
		    const struct gh_new_account *, struct gh_signed_in *,
		    const char **code) GH_WUR;
/* A password reset asked for email: a known, active account gets the
 * email; any other address does the same work, rolled back, so neither
 * the answer nor its time tells them apart. GH_OK either way. */
enum gh_err	 gh_account_request_reset(struct gh_req *, const char *app_id,
		    const char *email) GH_WUR;
/* The same for a magic link carrying redirect_to (already checked). */
enum gh_err	 gh_account_request_magic(struct gh_req *, const char *app_id,
		    const char *email, const char *redirect_to) GH_WUR;

/* Emails a fresh 6-digit sign-in code to email (known or not: the code
 * also makes a visitor account); it replaces any earlier one. */
enum gh_err	 gh_account_code_start(struct gh_req *, const char *app_id,
		    const char *email) GH_WUR;
/*
 * Signs in with an emailed code: GH_OK with a session (*created when a
 * visitor account was made for an unknown address); GH_ENOTFOUND for no
 * live code or a wrong one (email_code_attempts wrong guesses void it);
 * GH_EAUTH when it expired; GH_EFORBIDDEN for a disabled account, or
 * with *created set when sign-up is by invite only (signup_invite_only).
 */
enum gh_err	 gh_account_code_verify(struct gh_req *, const char *app_id,
		    const char *email, const char *code, int cookie,
		    struct gh_signed_in *, int *created) GH_WUR;

#define GH_REDIRECT_MAX	2048
/*
 * Signs in with a magic link's token (once): GH_OK with a new session, the
 * address marked verified, and the link's redirect_to ("" when none);
 * GH_ENOTFOUND / GH_EAUTH (expired) for a token that is no good;
 * GH_EFORBIDDEN for a disabled account.
 */
enum gh_err	 gh_account_sign_in_with_token(struct gh_req *,
		    const char *token, size_t len, int cookie,
		    struct gh_signed_in *, char redirect_to[GH_REDIRECT_MAX])
		    GH_WUR;
/*
 * A new password by a reset token: GH_OK (sessions revoked, sign-in lock
 * forgotten, token used); GH_ENOTFOUND for a token that is not a live
 * reset token; GH_EAUTH when it expired; GH_EINVAL when the policy
 * refused the password (*verdict says why; the token stays usable).
 */
enum gh_err	 gh_account_reset_password(struct gh_req *, const char *token,
		    size_t token_len, const char *password, size_t len,
		    enum gh_policy *verdict) GH_WUR;
/* Inside the caller's write transaction: a session for out->user_id in
 * out->membership_id ("" for none), its action-log row, and the commit.
 * When the user has 2FA on and amr has no second factor yet ("mfa"), no
 * session starts: out->mfa_token is set instead (and committed). */
enum gh_err	 gh_account_start(struct gh_req *, const char *app_id,
		    const char *client_id, int cookie, const char *amr,
		    const char *action, struct gh_signed_in *out) GH_WUR;
/* The AuthenticationResult {tokens, profile} with status, or in cookie
 * mode {csrf_token, profile} and the session cookie; or, when the second
 * factor is due, 200 {mfa_required, mfa_token, methods}. */
struct gh_res;
enum gh_err	 gh_account_answer(struct gh_req *, struct gh_res *,
		    int status, const struct gh_signed_in *) GH_WUR;
/*
 * The second step of a sign-in (docs/mfa.md): the first step's mfa_token
 * and a TOTP code, or with backup set a backup code. GH_OK with the
 * session (amr: the first factor's, "otp" or "backup_code", and "mfa");
 * GH_ENOTFOUND, or GH_EAUTH when expired, for a token that is no good;
 * GH_EINVAL for a wrong code (counted on the token, five void it, and on
 * the user's lock); GH_ELIMIT while that lock holds (*retry_after).
 */
enum gh_err	 gh_account_second_factor(struct gh_req *, const char *token,
		    size_t len, const char *code, int backup,
		    struct gh_signed_in *, int64_t *retry_after) GH_WUR;
/*
 * An emailed invite's link (GET /v1/auth/accept-invite): signs in the
 * user of the invite's address, made without a password when there is
 * none (*created), the address now verified; the invite is used and an
 * account invite's membership is the session's. GH_ENOTFOUND / GH_EAUTH
 * (expired) for a token that is no good; GH_EFORBIDDEN for a disabled
 * account; otherwise an invite refusal with *problem (gh_invite_refusal).
 * Nothing is written unless it all succeeded.
 */
enum gh_err	 gh_account_accept_invite(struct gh_req *, const char *token,
		    size_t len, int cookie, struct gh_signed_in *,
		    int *created, const char **problem) GH_WUR;
void		 gh_signed_in_free(struct gh_signed_in *);

#endif
