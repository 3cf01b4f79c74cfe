/* auth.fcgi: sign-up, sign-in, tokens and the signed-in user's profile. */
#ifndef GH_AUTH_HANDLERS_H
#define GH_AUTH_HANDLERS_H

#include "router.h"

struct gh_signed_in;

enum gh_err	auth_sign_up(struct gh_req *, struct gh_res *);
enum gh_err	auth_sign_in(struct gh_req *, struct gh_res *);
enum gh_err	auth_refresh(struct gh_req *, struct gh_res *);
enum gh_err	auth_sign_out(struct gh_req *, struct gh_res *);
enum gh_err	auth_csrf_token(struct gh_req *, struct gh_res *);
enum gh_err	auth_me_get(struct gh_req *, struct gh_res *);
enum gh_err	auth_me_patch(struct gh_req *, struct gh_res *);
/* email_flows.c */
enum gh_err	auth_send_verification(struct gh_req *, struct gh_res *);
enum gh_err	auth_verify_get(struct gh_req *, struct gh_res *);
enum gh_err	auth_verify_post(struct gh_req *, struct gh_res *);
enum gh_err	auth_send_reset(struct gh_req *, struct gh_res *);
enum gh_err	auth_reset_password(struct gh_req *, struct gh_res *);
enum gh_err	auth_send_magic_link(struct gh_req *, struct gh_res *);
enum gh_err	auth_sign_in_with_token(struct gh_req *, struct gh_res *);
enum gh_err	auth_accept_invite(struct gh_req *, struct gh_res *);
enum gh_err	auth_check_email(struct gh_req *, struct gh_res *);
enum gh_err	auth_login_methods(struct gh_req *, struct gh_res *);
enum gh_err	auth_change_email(struct gh_req *, struct gh_res *);
enum gh_err	auth_confirm_change_get(struct gh_req *, struct gh_res *);
enum gh_err	auth_confirm_change_post(struct gh_req *, struct gh_res *);
enum gh_err	auth_code_start(struct gh_req *, struct gh_res *);
enum gh_err	auth_code_verify(struct gh_req *, struct gh_res *);

/* dashboard.c */
enum gh_err	auth_dashboard(struct gh_req *, struct gh_res *);

/* The password policy for a new password in field: 1 to go on, 0 when res
 * holds the refusal (400 naming field, or 503). handlers.c */
struct gh_json_value;
int		auth_password_allowed(struct gh_req *, struct gh_res *,
		    const char *field, const struct gh_json_value *pw,
		    const char *email, const char *username);

#endif
