#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "email.h"
#include "http.h"
#include "mailflow.h"
#include "onetime.h"
#include "serve.h"
#include "str.h"

/* Issues the token and queues template with {{link}} = base + path +
 * "?token=" + token, {{email}}, {{hours}} and {{minutes}}. */
static enum gh_err
send_with_vars(struct gh_req *req, const char *purpose,
    const struct gh_onetime *t, int64_t ttl, const char *path,
    const char *template, const struct gh_email_var *extra, size_t nextra)
{
	const struct gh_config	*cfg = &req->srv->cfg;
	char			 tok[GH_OPAQUE_LEN + 1], link[1024];
	char			 hours[24], minutes[24];
	struct gh_email_var	 vars[6];
	size_t			 i;
	enum gh_err		 er;

	if ((er = gh_onetime_issue(req->srv->db, purpose, t, gh_clock_now(),
	    ttl, tok)) != GH_OK)
		goto out;
	snprintf(link, sizeof(link), "%s%s?token=%s", cfg->public_url, path,
	    tok);
	snprintf(hours, sizeof(hours), "%lld", (long long)(ttl / 3600));
	snprintf(minutes, sizeof(minutes), "%lld", (long long)(ttl / 60));
	vars[0] = (struct gh_email_var){ "link", link };
	vars[1] = (struct gh_email_var){ "email", t->email };
	vars[2] = (struct gh_email_var){ "hours", hours };
	vars[3] = (struct gh_email_var){ "minutes", minutes };
	for (i = 0; i < nextra && i < 2; i++)
		vars[4 + i] = extra[i];
	er = gh_email_enqueue(req->srv->db, cfg, t->email, template, vars,
	    4 + i);
out:
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(link, sizeof(link));
	return er;
}

static enum gh_err
send_with_token(struct gh_req *req, const char *purpose,
    const struct gh_onetime *t, int64_t ttl, const char *path,
    const char *template)
{
	return send_with_vars(req, purpose, t, ttl, path, template, NULL, 0);
}

static void
fill(struct gh_onetime *t, const char *app_id, const char *user_id,
    const char *email_id, const char *email)
{
	memset(t, 0, sizeof(*t));
	gh_strlcpy(t->application_id, app_id, sizeof(t->application_id));
	gh_strlcpy(t->user_id, user_id, sizeof(t->user_id));
	if (email_id != NULL)
		gh_strlcpy(t->email_id, email_id, sizeof(t->email_id));
	gh_strlcpy(t->email, email, sizeof(t->email));
}

enum gh_err
gh_mailflow_verification(struct gh_req *req, const char *app_id,
    const char *user_id, const char *email_id, const char *email)
{
	struct gh_onetime	 t;

	fill(&t, app_id, user_id, email_id, email);
	return send_with_token(req, "verify_email", &t,
	    req->srv->cfg.email_verification_ttl, "/v1/auth/verify",
	    "verify_email");
}

enum gh_err
gh_mailflow_reset(struct gh_req *req, const char *app_id,
    const char *user_id, const char *email)
{
	struct gh_onetime	 t;

	fill(&t, app_id, user_id, NULL, email);
	return send_with_token(req, "reset_password", &t,
	    req->srv->cfg.password_reset_ttl, "/ui/reset-password",
	    "reset_password");
}

enum gh_err
gh_mailflow_magic(struct gh_req *req, const char *app_id, const char *user_id,
    const char *email, const char *redirect_to)
{
	struct gh_onetime	 t;

	fill(&t, app_id, user_id, NULL, email);
	if (redirect_to != NULL)
		gh_strlcpy(t.data, redirect_to, sizeof(t.data));
	return send_with_token(req, "magic_link", &t,
	    req->srv->cfg.magic_link_ttl, "/ui/magic", "magic_link");
}

enum gh_err
gh_mailflow_change_email(struct gh_req *req, const char *app_id,
    const char *user_id, const char *email_id, const char *old_email,
    const char *new_email)
{
	struct gh_onetime	 t;
	struct gh_email_var	 vars[2];
	enum gh_err		 er;

	fill(&t, app_id, user_id, email_id, new_email);
	if ((er = send_with_token(req, "change_email", &t,
	    req->srv->cfg.email_verification_ttl,
	    "/v1/auth/confirm-email-change", "confirm_email_change")) !=
	    GH_OK)
		return er;
	vars[0] = (struct gh_email_var){ "email", old_email };
	vars[1] = (struct gh_email_var){ "new_email", new_email };
	return gh_email_enqueue(req->srv->db, &req->srv->cfg, old_email,
	    "email_change_notice", vars, 2);
}

enum gh_err
gh_mailflow_invite(struct gh_req *req, const char *app_id,
    const char *invite_id, const char *email, const char *inviter,
    const char *target, int64_t ttl)
{
	struct gh_onetime	 t;
	struct gh_email_var	 vars[2];

	fill(&t, app_id, "", NULL, email);
	gh_strlcpy(t.data, invite_id, sizeof(t.data));
	vars[0] = (struct gh_email_var){ "inviter", inviter };
	vars[1] = (struct gh_email_var){ "target", target };
	return send_with_vars(req, "invite", &t, ttl,
	    "/v1/auth/accept-invite", "invite", vars, 2);
}
