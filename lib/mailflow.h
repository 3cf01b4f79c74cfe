/*
 * The emails of the account flows (docs/email.md): each makes its one-time
 * token and queues its message inside the caller's transaction, so the
 * message exists exactly when the action committed.
 */
#ifndef GH_MAILFLOW_H
#define GH_MAILFLOW_H

#include <stdint.h>

#include "err.h"

struct gh_req;

/* "Confirm your email": a verify_email token for email_id, linked to
 * public_url/v1/auth/verify. */
enum gh_err	 gh_mailflow_verification(struct gh_req *, const char *app_id,
		    const char *user_id, const char *email_id,
		    const char *email) GH_WUR;
/* "Reset your password": a reset_password token, linked to the hosted
 * page public_url/ui/reset-password. */
enum gh_err	 gh_mailflow_reset(struct gh_req *, const char *app_id,
		    const char *user_id, const char *email) GH_WUR;

/* "Your sign-in link": a magic_link token carrying redirect_to (may be
 * NULL), linked to the hosted page public_url/ui/magic. */
enum gh_err	 gh_mailflow_magic(struct gh_req *, const char *app_id,
		    const char *user_id, const char *email,
		    const char *redirect_to) GH_WUR;

/* "Confirm your new email address" to new_email (a change_email token
 * for email_id), and a notice of it to old_email. */
enum gh_err	 gh_mailflow_change_email(struct gh_req *, const char *app_id,
		    const char *user_id, const char *email_id,
		    const char *old_email, const char *new_email) GH_WUR;

/* "X invited you to Y": an invite token (no user yet: the invite's
 * address may have no account) carrying the invite's id, linked to
 * public_url/v1/auth/accept-invite, living ttl seconds. */
enum gh_err	 gh_mailflow_invite(struct gh_req *, const char *app_id,
		    const char *invite_id, const char *email,
		    const char *inviter, const char *target,
		    int64_t ttl) GH_WUR;

#endif
