/*
 * ui.fcgi — the hosted pages, mounted at /ui: sign-in, sign-up, the signed-in
 * user, sign-out. Plain HTML forms that work without JavaScript; a session
 * is a cookie-mode session (docs/cookies.md), so the authorizer lets the
 * browser into protected locations afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "cookie.h"
#include "db.h"
#include "form.h"
#include "http.h"
#include "json.h"
#include "policy.h"
#include "problem.h"
#include "mailer.h"
#include "serve.h"
#include "store_user.h"
#include "url.h"

/* What a page shows besides its form: an error, the values to keep. */
struct view {
	const char	*error;		/* shown in a role="alert" box */
	const char	*email;
	const char	*display_name;
	const char	*return_to;	/* already checked local */
	const char	*token;		/* a reset link's token */
	const char	*notice;	/* shown in a role="status" box */
};

static void
put_escaped(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
}

static void
head(FILE *f, const char *title)
{
	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>", f);
	put_escaped(f, title);
	fputs("</title><style>"
	    "body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;"
	    "margin:3rem auto;padding:0 1rem;color:#1a1a1a}"
	    "label{display:block;margin-top:1rem;font-weight:600}"
	    "input{display:block;width:100%;box-sizing:border-box;"
	    "padding:.5rem;font:inherit;margin-top:.25rem}"
	    "button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit}"
	    ".alert{border:2px solid #b00020;padding:.75rem;color:#b00020}"
	    ":focus{outline:3px solid #1f6feb;outline-offset:2px}"
	    "</style></head><body><main>\n<h1>", f);
	put_escaped(f, title);
	fputs("</h1>\n", f);
}

static void
alert(FILE *f, const struct view *v)
{
	if (v->notice != NULL) {
		fputs("<p role=\"status\" id=\"notice\">", f);
		put_escaped(f, v->notice);
		fputs("</p>\n", f);
	}
	if (v->error == NULL)
		return;
	fputs("<p class=\"alert\" role=\"alert\" id=\"error\">", f);
	put_escaped(f, v->error);
	fputs("</p>\n", f);
}

static void
hidden_return(FILE *f, const struct view *v)
{
	if (v->return_to == NULL)
		return;
	fputs("<input type=\"hidden\" name=\"return_to\" value=\"", f);
	put_escaped(f, v->return_to);
	fputs("\">\n", f);
}

static void
link_with_return(FILE *f, const char *path, const char *text,
    const struct view *v)
{
	char	*enc = v->return_to != NULL ? gh_url_encode(v->return_to) : NULL;

	fprintf(f, "<p><a href=\"%s", path);
	if (enc != NULL) {
		fputs("?return_to=", f);
		put_escaped(f, enc);
	}
	fputs("\">", f);
	put_escaped(f, text);
	fputs("</a></p>\n", f);
	free(enc);
}

static void
email_and_password(FILE *f, const struct view *v, const char *pw_complete)
{
	fputs("<label for=\"email\">Email</label>\n<input id=\"email\" "
	    "name=\"email\" type=\"email\" autocomplete=\"email\" required "
	    "autofocus", f);
	if (v->error != NULL)
		fputs(" aria-describedby=\"error\"", f);
	fputs(" value=\"", f);
	put_escaped(f, v->email);
	fprintf(f, "\">\n<label for=\"password\">Password</label>\n<input "
	    "id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"%s\" required minlength=\"8\" maxlength=\"128\">\n",
	    pw_complete);
}

/* Sends the page written to f, with headers that keep it out of frames
 * and caches and let it load nothing from anywhere. */
static enum gh_err
send_page(struct gh_res *res, int status, FILE *f, char **buf, size_t *len)
{
	fputs("</main></body></html>\n", f);
	if (fclose(f) != 0)
		return GH_ENOMEM;
	gh_res_empty(res, status);
	res->content_type = "text/html; charset=utf-8";
	res->body = *buf;
	res->body_len = *len;
	*buf = NULL;
	if (gh_res_header(res, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'") != GH_OK ||
	    gh_res_header(res, "X-Frame-Options", "DENY") != GH_OK ||
	    /* Not no-referrer: with it a browser posts our own forms with
	     * "Origin: null", which same_site() must refuse. */
	    gh_res_header(res, "Referrer-Policy", "same-origin") != GH_OK ||
	    gh_res_header(res, "Vary", "Cookie") != GH_OK)
		return GH_ENOMEM;
	return GH_OK;
}

static void
sign_in_form(FILE *f, const struct view *v)
{
	fputs("<form method=\"post\" action=\"/ui/sign-in\">\n", f);
	hidden_return(f, v);
	email_and_password(f, v, "current-password");
	fputs("<button type=\"submit\">Sign in</button>\n</form>\n", f);
	link_with_return(f, "/ui/sign-up", "New here? Create an account", v);
	fputs("<p><a href=\"/ui/forgot\">Forgot your password?</a></p>\n", f);
}

static void
sign_up_form(FILE *f, const struct view *v)
{
	fputs("<form method=\"post\" action=\"/ui/sign-up\">\n", f);
	hidden_return(f, v);
	fputs("<label for=\"display_name\">Your name</label>\n<input "
	    "id=\"display_name\" name=\"display_name\" autocomplete=\"name\" "
	    "maxlength=\"64\" value=\"", f);
	put_escaped(f, v->display_name);
	fputs("\">\n", f);
	email_and_password(f, v, "new-password");
	fputs("<p id=\"pw-hint\">At least 8 characters.</p>\n"
	    "<button type=\"submit\">Create account</button>\n</form>\n", f);
	link_with_return(f, "/ui/sign-in", "Have an account? Sign in", v);
}

struct page {
	const char	*title;
	void		(*form)(FILE *, const struct view *);
};

static void
forgot_form(FILE *f, const struct view *v)
{
	if (v->notice != NULL) {	/* sent: nothing more to ask */
		fputs("<p><a href=\"/ui/sign-in\">Back to sign-in</a></p>\n", f);
		return;
	}
	fputs("<p>Enter the email address of your account. We will send you "
	    "a link to choose a new password.</p>\n"
	    "<form method=\"post\" action=\"/ui/forgot\">\n"
	    "<label for=\"email\">Email</label>\n<input id=\"email\" "
	    "name=\"email\" type=\"email\" autocomplete=\"email\" required "
	    "autofocus value=\"", f);
	put_escaped(f, v->email);
	fputs("\">\n<button type=\"submit\">Send the link</button>\n</form>\n"
	    "<p><a href=\"/ui/sign-in\">Back to sign-in</a></p>\n", f);
}

static void
reset_form(FILE *f, const struct view *v)
{
	if (v->token == NULL) {		/* done, or a dead link */
		fputs(v->notice != NULL ?
		    "<p><a href=\"/ui/sign-in\">Sign in</a></p>\n" :
		    "<p><a href=\"/ui/forgot\">Ask for a new link</a></p>\n", f);
		return;
	}
	fputs("<form method=\"post\" action=\"/ui/reset-password\">\n"
	    "<input type=\"hidden\" name=\"token\" value=\"", f);
	put_escaped(f, v->token);
	fputs("\">\n<label for=\"password\">New password</label>\n<input "
	    "id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"new-password\" required minlength=\"8\" "
	    "maxlength=\"1024\" autofocus", f);
	if (v->error != NULL)
		fputs(" aria-describedby=\"error\"", f);
	fputs(">\n<p>Choosing a new password signs you out everywhere.</p>\n"
	    "<button type=\"submit\">Change password</button>\n</form>\n", f);
}

/* The magic link's landing: one button, so that a mail scanner that
 * opens links does not use the token up. */
static void
magic_form(FILE *f, const struct view *v)
{
	if (v->token == NULL) {
		fputs("<p><a href=\"/ui/sign-in\">Sign in another way</a></p>\n",
		    f);
		return;
	}
	fputs("<form method=\"post\" action=\"/ui/magic\">\n"
	    "<input type=\"hidden\" name=\"token\" value=\"", f);
	put_escaped(f, v->token);
	fputs("\">\n<button type=\"submit\" autofocus>Sign in</button>\n"
	    "</form>\n", f);
}

static void
nothing_more(FILE *f, const struct view *v)
{
	(void)v;
	fputs("<p><a href=\"/ui/me\">Your account</a></p>\n", f);
}

static const struct page sign_in = { "Sign in", sign_in_form };
static const struct page sign_up = { "Create an account", sign_up_form };
static const struct page forgot = { "Forgot your password", forgot_form };
static const struct page reset = { "Choose a new password", reset_form };
static const struct page verified = { "Email address", nothing_more };
static const struct page magic = { "Sign in with your link", magic_form };

/* The second step of a sign-in with 2FA on (docs/mfa.md): the first
 * step's mfa_token rides along hidden; one field takes either kind of
 * code. */
static void
mfa_form(FILE *f, const struct view *v)
{
	fputs("<p>Enter the 6-digit code from your authenticator app, or one "
	    "of your backup codes.</p>\n<form method=\"post\" "
	    "action=\"/ui/mfa\">\n", f);
	hidden_return(f, v);
	fputs("<input type=\"hidden\" name=\"mfa_token\" value=\"", f);
	put_escaped(f, v->token);
	fputs("\">\n<label for=\"code\">Code</label>\n<input id=\"code\" "
	    "name=\"code\" autocomplete=\"one-time-code\" required autofocus "
	    "minlength=\"6\" maxlength=\"9\"", f);
	if (v->error != NULL)
		fputs(" aria-describedby=\"error\"", f);
	fputs(">\n<button type=\"submit\">Continue</button>\n</form>\n", f);
}

static const struct page mfa = { "Two-step verification", mfa_form };

/* Sign-in with the configured OAuth providers (docs/oauth.md): links
 * that start a cookie-mode flow and come back where the page would. */
static void
provider_links(FILE *f, const struct gh_config *cfg, const struct view *v)
{
	char	*enc;
	size_t	 i;

	if (cfg->noauth == 0)
		return;
	enc = gh_url_encode(v->return_to != NULL ? v->return_to : "/ui/me");
	fputs("<ul class=\"providers\">\n", f);
	for (i = 0; i < cfg->noauth && enc != NULL; i++) {
		fputs("<li><a href=\"/v1/oauth/", f);
		put_escaped(f, cfg->oauth[i].name);
		fputs("/authorize?mode=cookie&amp;redirect_to=", f);
		put_escaped(f, enc);
		fputs("\">Continue with ", f);
		put_escaped(f, cfg->oauth[i].display_name);
		fputs("</a></li>\n", f);
	}
	fputs("</ul>\n", f);
	free(enc);
}

static enum gh_err
render(struct gh_req *req, struct gh_res *res, int status,
    const struct page *pg, const struct view *v)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return GH_ENOMEM;
	head(f, pg->title);
	alert(f, v);
	pg->form(f, v);
	if (pg == &sign_in || pg == &sign_up)
		provider_links(f, &req->srv->cfg, v);
	return send_page(res, status, f, &buf, &len);
}

/* 303 to where the browser was going, or to its own page. */
static enum gh_err
see_other(struct gh_res *res, const char *where)
{
	gh_res_empty(res, 303);
	return gh_res_header(res, "Location", "%s", where);
}

/* return_to from the query (GET) or the form (POST), kept only when it is
 * a path on this site: an open redirect would hand the session's first
 * page to anyone who sent the link. */
static char *
return_to(const struct gh_req *req)
{
	char	*r = req->body != NULL ? gh_form_value(req->body,
		    req->body_len, "return_to") : gh_req_query(req, "return_to");

	if (r != NULL && !gh_url_is_local(r)) {
		free(r);
		r = NULL;
	}
	return r;
}

static enum gh_err
show(struct gh_req *req, struct gh_res *res, const struct page *pg)
{
	struct view	 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	char		*back = return_to(req);
	enum gh_err	 er;

	v.return_to = back;
	er = render(req, res, 200, pg, &v);
	free(back);
	return er;
}

static enum gh_err
get_sign_in(struct gh_req *req, struct gh_res *res)
{
	return show(req, res, &sign_in);
}

static enum gh_err
get_sign_up(struct gh_req *req, struct gh_res *res)
{
	return show(req, res, &sign_up);
}

/* Login CSRF: a form posted from another site must not sign the browser
 * into an account of the attacker's. */
static int
same_site(struct gh_req *req)
{
	return gh_origin_ok(req, &req->srv->cfg);
}

/* A refusal of the password policy (lib/policy.h) in words; *status is
 * the answer's status. */
static const char *
policy_words(const struct gh_config *cfg, enum gh_policy verdict, char *buf,
    size_t len, int *status)
{
	*status = 400;
	switch (verdict) {
	case GH_POLICY_OK:
		return NULL;
	case GH_POLICY_LENGTH:
		snprintf(buf, len, "Choose a password of %lld to %lld "
		    "characters.", (long long)cfg->password_min_length,
		    (long long)cfg->password_max_length);
		return buf;
	case GH_POLICY_IDENTIFIER:
		return "Choose a password that does not contain your email "
		    "address or username.";
	case GH_POLICY_BREACHED:
		return "This password has appeared in a data breach, so others "
		    "may try it. Choose another one.";
	case GH_POLICY_UNCHECKED:
		break;
	}
	*status = 503;
	return "We could not check your password just now. Try again in a "
	    "minute.";
}

/* The API's password policy for a new account, in words: NULL when the
 * password may be used. */
static const char *
password_refused(struct gh_req *req, const char *pw, const char *email,
    char *buf, size_t len, int *status)
{
	return policy_words(&req->srv->cfg, gh_policy_password(&req->srv->cfg,
	    pw != NULL ? pw : "", pw != NULL ? strlen(pw) : 0, email, NULL),
	    buf, len, status);
}

struct form {
	char	*email, *password, *display_name, *back;
};

static void
form_read(struct gh_req *req, struct form *fm)
{
	fm->email = gh_form_value(req->body, req->body_len, "email");
	fm->password = gh_form_value(req->body, req->body_len, "password");
	fm->display_name = gh_form_value(req->body, req->body_len,
	    "display_name");
	fm->back = return_to(req);
}

static void
form_free(struct form *fm)
{
	free(fm->email);
	if (fm->password != NULL) {
		sodium_memzero(fm->password, strlen(fm->password));
		free(fm->password);
	}
	free(fm->display_name);
	free(fm->back);
}

/* Signed in: the session cookie, and on to where the browser was going;
 * or, with 2FA on, the page that asks for the second factor first. */
static enum gh_err
signed_in(struct gh_req *req, struct gh_res *res, struct gh_signed_in *in,
    const char *back)
{
	struct view	 v = { NULL, NULL, NULL, back, in->mfa_token, NULL };
	enum gh_err	 er;

	if (in->mfa_token[0] != '\0')
		er = render(req, res, 200, &mfa, &v);
	else
		er = see_other(res, back != NULL ? back : "/ui/me");
	if (er != GH_OK)
		return er;
	if (in->device[0] != '\0' && (er = gh_cookie_device_set(res,
	    &req->srv->cfg, in->device)) != GH_OK)
		return er;
	if (in->mfa_token[0] != '\0')
		return GH_OK;
	return gh_cookie_set(res, &req->srv->cfg, in->tokens.cookie);
}

/* A refusal for retry_after seconds as a page: pg with what and "Try
 * again in 3 minutes." in its alert box, 429 and Retry-After. msg holds
 * the words. */
static enum gh_err
too_many(struct gh_req *req, struct gh_res *res, const struct page *pg,
    struct view *v, char *msg, size_t msglen, const char *what,
    int64_t retry_after)
{
	int64_t		 minutes = (retry_after + 59) / 60;
	enum gh_err	 er;

	if (retry_after < 60)
		snprintf(msg, msglen, "%s Try again in %lld second%s.", what,
		    (long long)retry_after, retry_after == 1 ? "" : "s");
	else
		snprintf(msg, msglen, "%s Try again in %lld minute%s.", what,
		    (long long)minutes, minutes == 1 ? "" : "s");
	v->error = msg;
	if ((er = render(req, res, 429, pg, v)) != GH_OK)
		return er;
	return gh_res_header(res, "Retry-After", "%lld",
	    (long long)retry_after);
}

/* The route's rate limit, answered as a page: 1 to go on, 0 when res
 * holds the page (429 with Retry-After) or an error was returned in *er. */
static int
page_limit(struct gh_req *req, struct gh_res *res, const char *name,
    const struct gh_rate *rate, const struct page *pg, struct view *v,
    char *msg, size_t msglen, enum gh_err *er)
{
	int64_t	 retry_after;

	*er = gh_server_take(req, name, rate, NULL, &retry_after);
	if (*er == GH_OK)
		return 1;
	if (*er == GH_ELIMIT)
		*er = too_many(req, res, pg, v, msg, msglen, "Too many attempts "
		    "from your network.", retry_after);
	return 0;
}

static enum gh_err
post_sign_in(struct gh_req *req, struct gh_res *res)
{
	struct form		 fm;
	struct view		 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct gh_credentials	 cr;
	struct gh_signed_in	 in;
	char			 app_id[GH_ID_LEN + 1], msg[128];
	int			 status = 400;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	form_read(req, &fm);
	v.email = fm.email;
	v.return_to = fm.back;
	if (!page_limit(req, res, "sign_in", &req->srv->cfg.rate_limit_sign_in,
	    &sign_in, &v, msg, sizeof(msg), &er))
		goto out;
	if (!same_site(req)) {
		v.error = "This form was sent from another site. Sign in here.";
		status = 403;
	} else if (fm.email == NULL || !gh_check_email(fm.email,
	    strlen(fm.email)))
		v.error = "Enter your email address, like name@example.com.";
	else if (fm.password == NULL || *fm.password == '\0')
		v.error = "Enter your password.";
	if (v.error != NULL) {
		er = render(req, res, status, &sign_in, &v);
		goto out;
	}
	if ((er = gh_store_app_by_client(req->srv->db, "default", app_id)) !=
	    GH_OK)
		goto out;
	memset(&cr, 0, sizeof(cr));
	cr.application_id = app_id;
	cr.client_id = "default";
	cr.by = "email";
	cr.login = fm.email;
	cr.password = fm.password;
	cr.password_len = strlen(fm.password);
	cr.cookie = 1;
	er = gh_account_sign_in(req, &cr, &in);
	if (er == GH_ELIMIT)
		er = too_many(req, res, &sign_in, &v, msg, sizeof(msg), "Too many "
		    "failed sign-ins with this email.", in.retry_after);
	else if (er == GH_EAUTH || er == GH_EFORBIDDEN) {
		v.error = er == GH_EAUTH ? "That email and password do not "
		    "match an account. Check them and try again." :
		    "This account has been disabled.";
		er = render(req, res, er == GH_EAUTH ? 401 : 403, &sign_in, &v);
	} else if (er == GH_ECONFLICT) {
		v.error = "Confirm your email address first: open the link we "
		    "sent you.";
		er = render(req, res, 403, &sign_in, &v);
	} else if (er == GH_OK)
		er = signed_in(req, res, &in, fm.back);
out:
	gh_signed_in_free(&in);
	form_free(&fm);
	return er;
}

static enum gh_err
post_sign_up(struct gh_req *req, struct gh_res *res)
{
	struct form		 fm;
	struct view		 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct gh_new_account	 na;
	struct gh_signed_in	 in;
	char			 app_id[GH_ID_LEN + 1], msg[128];
	const char		*code;
	int			 status = 400;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	form_read(req, &fm);
	v.email = fm.email;
	v.display_name = fm.display_name;
	v.return_to = fm.back;
	if (!page_limit(req, res, "sign_up", &req->srv->cfg.rate_limit_sign_up,
	    &sign_up, &v, msg, sizeof(msg), &er))
		goto out;
	if (fm.display_name != NULL && *fm.display_name == '\0') {
		free(fm.display_name);
		fm.display_name = NULL;
		v.display_name = NULL;
	}
	if (!same_site(req)) {
		v.error = "This form was sent from another site. Create your "
		    "account here.";
		status = 403;
	} else if (fm.email == NULL || !gh_check_email(fm.email,
	    strlen(fm.email)))
		v.error = "Enter your email address, like name@example.com.";
	else if (fm.display_name != NULL && (gh_json_utf8_count(
	    fm.display_name, strlen(fm.display_name)) > 64 ||
	    !gh_check_display_text(fm.display_name, strlen(fm.display_name))))
		v.error = "Use up to 64 characters for your name.";
	else
		v.error = password_refused(req, fm.password, fm.email, msg,
		    sizeof(msg), &status);
	if (v.error != NULL) {
		er = render(req, res, status, &sign_up, &v);
		goto out;
	}
	if ((er = gh_store_app_by_client(req->srv->db, "default", app_id)) !=
	    GH_OK)
		goto out;
	memset(&na, 0, sizeof(na));
	na.application_id = app_id;
	na.client_id = "default";
	na.email = fm.email;
	na.display_name = fm.display_name;
	na.password = fm.password;
	na.password_len = strlen(fm.password);
	na.cookie = 1;
	er = gh_account_sign_up(req, &na, &in, &code);
	if (er == GH_ECONFLICT) {
		v.error = "An account with this email already exists. Sign in "
		    "instead.";
		er = render(req, res, 409, &sign_up, &v);
	} else if (er == GH_EFORBIDDEN) {
		v.error = "Sign-up is by invitation only. Open the link in "
		    "your invite email.";
		er = render(req, res, 403, &sign_up, &v);
	} else if (er == GH_OK)
		er = signed_in(req, res, &in, fm.back);
out:
	gh_signed_in_free(&in);
	form_free(&fm);
	return er;
}

static enum gh_err
to_sign_in(struct gh_res *res, const char *back)
{
	char		*enc = gh_url_encode(back), *loc = NULL;
	enum gh_err	 er = GH_ENOMEM;

	if (enc != NULL && asprintf(&loc, "/ui/sign-in?return_to=%s", enc) >= 0)
		er = see_other(res, loc);
	free(enc);
	free(loc);
	return er;
}

static enum gh_err
get_me(struct gh_req *req, struct gh_res *res)
{
	json_object	*p, *v;
	const char	*code, *name, *email = NULL;
	char		 csrf[GH_CSRF_LEN + 1];
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;
	enum gh_err	 er;

	if ((er = gh_server_authenticate(req->srv, req, &code)) != GH_OK)
		return er == GH_EAUTH || er == GH_EFORBIDDEN ?
		    to_sign_in(res, "/ui/me") : er;
	if ((er = gh_store_user_profile(req->srv->db, req->auth.user_id,
	    req->auth.membership_id, &p)) != GH_OK)
		return er;
	name = json_object_object_get_ex(p, "display_name", &v) && v != NULL ?
	    json_object_get_string(v) : NULL;
	if (name == NULL && json_object_object_get_ex(p, "username", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(p, "credentials", &v) &&
	    json_object_array_length(v) > 0 && json_object_object_get_ex(
	    json_object_array_get_idx(v, 0), "email", &v))
		email = json_object_get_string(v);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		json_object_put(p);
		return GH_ENOMEM;
	}
	head(f, "Your account");
	fputs("<p id=\"who\">Signed in as <strong>", f);
	put_escaped(f, name);
	fputs("</strong>", f);
	if (email != NULL) {
		fputs(" (", f);
		put_escaped(f, email);
		fputs(")", f);
	}
	gh_csrf_token(req->srv->secret, req->auth.session_id, csrf);
	fputs(".</p>\n<form method=\"post\" action=\"/ui/sign-out\">\n"
	    "<input type=\"hidden\" name=\"csrf_token\" value=\"", f);
	put_escaped(f, csrf);
	fputs("\">\n<button type=\"submit\">Sign out</button>\n</form>\n", f);
	json_object_put(p);
	return send_page(res, 200, f, &buf, &len);
}

/* A form cannot send X-CSRF-Token: the token comes as a field instead. */
static enum gh_err
post_sign_out(struct gh_req *req, struct gh_res *res)
{
	const char	*code;
	char		*csrf;
	enum gh_err	 er;

	if ((er = gh_server_authenticate(req->srv, req, &code)) != GH_OK)
		return er == GH_EAUTH || er == GH_EFORBIDDEN ?
		    to_sign_in(res, "/ui/me") : er;
	csrf = gh_form_value(req->body, req->body_len, "csrf_token");
	if (!req->by_cookie || !same_site(req) ||
	    !gh_csrf_ok(req->srv->secret, req->auth.session_id, csrf)) {
		free(csrf);
		gh_problem(res, 403, "csrf_failed", "sign out from your "
		    "account page");
		return GH_OK;
	}
	free(csrf);
	if ((er = gh_db_begin(req->srv->db, GH_DB_DURABLE)) != GH_OK ||
	    (er = gh_session_revoke(req, req->auth.session_id,
	    "sign_out")) != GH_OK ||
	    (er = gh_audit(req, "sign_out", req->auth.application_id,
	    req->auth.user_id, req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(req->srv->db)) != GH_OK ||
	    (er = see_other(res, "/ui/sign-in")) != GH_OK)
		return er;
	return gh_cookie_clear(res, &req->srv->cfg);
}

/* Where GET /v1/auth/verify sends the browser (verify_redirect_url). */
static enum gh_err
get_verified(struct gh_req *req, struct gh_res *res)
{
	struct view	 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	char		*status = gh_req_query(req, "status");
	enum gh_err	 er;

	if (status != NULL && strcmp(status, "verified") == 0)
		v.notice = "Your email address is confirmed. Thank you.";
	else if (status != NULL && strcmp(status, "changed") == 0)
		v.notice = "Your new email address is confirmed. Sign in with "
		    "it from now on.";
	else if (status != NULL && strcmp(status, "taken") == 0)
		v.error = "Another account uses this address by now, so it "
		    "was not changed.";
	else if (status != NULL && strcmp(status, "expired") == 0)
		v.error = "This link has expired. Sign in and ask for a new "
		    "one from your account page.";
	else
		v.error = "This link is not valid or was already used.";
	er = render(req, res, 200, &verified, &v);
	free(status);
	return er;
}

static enum gh_err
get_forgot(struct gh_req *req, struct gh_res *res)
{
	return show(req, res, &forgot);
}

/* The same page for every address: whether it has an account is not
 * said (gh_account_request_reset does the same work either way). */
static enum gh_err
post_forgot(struct gh_req *req, struct gh_res *res)
{
	struct form	 fm;
	struct view	 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	char		 app_id[GH_ID_LEN + 1], msg[160];
	int64_t		 retry_after;
	int		 status = 400;
	enum gh_err	 er;

	form_read(req, &fm);
	v.email = fm.email;
	if (!page_limit(req, res, "email", &req->srv->cfg.rate_limit_email,
	    &forgot, &v, msg, sizeof(msg), &er))
		goto out;
	if (!same_site(req)) {
		v.error = "This form was sent from another site. Ask here.";
		status = 403;
	} else if (fm.email == NULL || !gh_check_email(fm.email,
	    strlen(fm.email)))
		v.error = "Enter your email address, like name@example.com.";
	if (v.error != NULL) {
		er = render(req, res, status, &forgot, &v);
		goto out;
	}
	if ((er = gh_server_address_take(req, fm.email, &retry_after)) ==
	    GH_ELIMIT) {
		er = too_many(req, res, &forgot, &v, msg, sizeof(msg), "We just sent "
		    "a link to this address.", retry_after);
		goto out;
	}
	if (er != GH_OK || (er = gh_store_app_by_client(req->srv->db,
	    "default", app_id)) != GH_OK ||
	    (er = gh_account_request_reset(req, app_id, fm.email)) != GH_OK)
		goto out;
	v.notice = "If an account uses this address, we sent it a link to "
	    "choose a new password. Check your email.";
	er = render(req, res, 200, &forgot, &v);
out:
	form_free(&fm);
	return er;
}

/* A link's landing page: the form of pg carrying the link's token. */
static enum gh_err
link_page(struct gh_req *req, struct gh_res *res, const struct page *pg)
{
	struct view	 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	char		*token = gh_req_query(req, "token");
	enum gh_err	 er;

	v.token = token;
	if (token == NULL)
		v.error = "This link is not complete. Ask for a new one.";
	er = render(req, res, token != NULL ? 200 : 400, pg, &v);
	if (token != NULL)
		sodium_memzero(token, strlen(token));
	free(token);
	return er;
}

static enum gh_err
get_reset(struct gh_req *req, struct gh_res *res)
{
	return link_page(req, res, &reset);
}

static enum gh_err
post_reset(struct gh_req *req, struct gh_res *res)
{
	struct form	 fm;
	struct view	 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	char		*token, msg[160];
	enum gh_policy	 verdict;
	int		 status = 200;
	enum gh_err	 er;

	form_read(req, &fm);
	token = gh_form_value(req->body, req->body_len, "token");
	if (!page_limit(req, res, "credential",
	    &req->srv->cfg.rate_limit_credential, &reset, &v, msg,
	    sizeof(msg), &er))
		goto out;
	v.token = token;
	if (!same_site(req)) {
		v.error = "This form was sent from another site. Open the link "
		    "from your email again.";
		er = render(req, res, 403, &reset, &v);
		goto out;
	}
	er = token == NULL ? GH_ENOTFOUND : gh_account_reset_password(req,
	    token, strlen(token), fm.password != NULL ? fm.password : "",
	    fm.password != NULL ? strlen(fm.password) : 0, &verdict);
	if (er == GH_OK) {
		v.token = NULL;
		v.notice = "Your password is changed, and you are signed out "
		    "everywhere. Sign in with the new one.";
	} else if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		v.token = NULL;
		v.error = "This link has expired or was already used.";
		status = 400;
	} else if (er == GH_EINVAL)
		v.error = policy_words(&req->srv->cfg, verdict, msg,
		    sizeof(msg), &status);
	else
		goto out;
	er = render(req, res, status, &reset, &v);
out:
	if (token != NULL)
		sodium_memzero(token, strlen(token));
	free(token);
	form_free(&fm);
	return er;
}

static enum gh_err
get_magic(struct gh_req *req, struct gh_res *res)
{
	return link_page(req, res, &magic);
}

/* Signs in by the link's token (a cookie session) and goes on to the
 * link's redirect_to, checked when the link was asked for. */
static enum gh_err
post_magic(struct gh_req *req, struct gh_res *res)
{
	struct view		 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct gh_signed_in	 in;
	char			*token, redirect[GH_REDIRECT_MAX], msg[160];
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	token = gh_form_value(req->body, req->body_len, "token");
	if (!page_limit(req, res, "credential",
	    &req->srv->cfg.rate_limit_credential, &magic, &v, msg,
	    sizeof(msg), &er))
		goto out;
	if (!same_site(req)) {
		v.token = token;
		v.error = "This form was sent from another site. Open the link "
		    "from your email again.";
		er = render(req, res, 403, &magic, &v);
		goto out;
	}
	er = token == NULL ? GH_ENOTFOUND : gh_account_sign_in_with_token(req,
	    token, strlen(token), 1, &in, redirect);
	if (er == GH_OK)
		er = signed_in(req, res, &in, redirect[0] != '\0' ? redirect :
		    NULL);
	else if (er == GH_ENOTFOUND || er == GH_EAUTH || er == GH_EFORBIDDEN) {
		v.error = er == GH_EFORBIDDEN ? "This account has been "
		    "disabled." : "This link has expired or was already used.";
		er = render(req, res, er == GH_EFORBIDDEN ? 403 : 400, &magic, &v);
	}
out:
	gh_signed_in_free(&in);
	if (token != NULL)
		sodium_memzero(token, strlen(token));
	free(token);
	return er;
}

/* GET /ui/mfa?mfa_token=&return_to=: where a sign-in started elsewhere
 * (an OAuth provider, in cookie mode) asks for the second factor. */
static enum gh_err
get_mfa(struct gh_req *req, struct gh_res *res)
{
	struct view	 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	char		*token = gh_req_query(req, "mfa_token");
	char		*back = return_to(req);
	enum gh_err	 er;

	v.token = token;
	v.return_to = back;
	if (token == NULL || !gh_check_token_chars(token, strlen(token))) {
		v.token = NULL;
		v.error = "This sign-in link is not complete. Sign in again.";
		er = render(req, res, 400, &sign_in, &v);
	} else
		er = render(req, res, 200, &mfa, &v);
	if (token != NULL)
		sodium_memzero(token, strlen(token));
	free(token);
	free(back);
	return er;
}

/* POST /ui/mfa: the second factor of a sign-in started on these pages. */
static enum gh_err
post_mfa(struct gh_req *req, struct gh_res *res)
{
	struct view		 v = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct gh_signed_in	 in;
	char			*token, *code, *back, msg[160];
	int64_t			 retry_after;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	token = gh_form_value(req->body, req->body_len, "mfa_token");
	code = gh_form_value(req->body, req->body_len, "code");
	back = return_to(req);
	v.token = token;
	v.return_to = back;
	if (!page_limit(req, res, "credential",
	    &req->srv->cfg.rate_limit_credential, &mfa, &v, msg, sizeof(msg),
	    &er))
		goto out;
	if (!same_site(req)) {
		v.error = "This form was sent from another site. Sign in here.";
		er = render(req, res, 403, &sign_in, &v);
		goto out;
	}
	if (token == NULL || code == NULL) {
		er = GH_ENOTFOUND;
	} else
		er = gh_account_second_factor(req, token, strlen(token), code,
		    strspn(code, "0123456789") != 6 || strlen(code) != 6, &in,
		    &retry_after);
	if (er == GH_OK)
		er = signed_in(req, res, &in, back);
	else if (er == GH_EINVAL) {
		v.error = "That code is not right, or was used already. Try "
		    "the newest code.";
		er = render(req, res, 400, &mfa, &v);
	} else if (er == GH_ELIMIT)
		er = too_many(req, res, &mfa, &v, msg, sizeof(msg), "Too many "
		    "wrong codes.", retry_after);
	else if (er == GH_ENOTFOUND || er == GH_EAUTH) {
		v.token = NULL;
		v.error = "This sign-in took too long or was finished. Sign in "
		    "again.";
		er = render(req, res, 400, &sign_in, &v);
	}
out:
	gh_signed_in_free(&in);
	if (token != NULL)
		sodium_memzero(token, strlen(token));
	if (code != NULL)
		sodium_memzero(code, strlen(code));
	free(token);
	free(code);
	free(back);
	return er;
}

static const struct gh_route routes[] = {
	{ "GET", "/sign-in", get_sign_in, 0, GH_LIMIT_API },
	/* The forms count against sign_in and sign_up themselves, to answer
	 * with a page. */
	{ "POST", "/sign-in", post_sign_in, GH_ROUTE_FORM, GH_LIMIT_NONE },
	{ "GET", "/sign-up", get_sign_up, 0, GH_LIMIT_API },
	{ "POST", "/sign-up", post_sign_up, GH_ROUTE_FORM, GH_LIMIT_NONE },
	{ "GET", "/me", get_me, GH_ROUTE_READ, GH_LIMIT_API },
	{ "POST", "/sign-out", post_sign_out, GH_ROUTE_FORM, GH_LIMIT_API },
	{ "GET", "/verified", get_verified, 0, GH_LIMIT_API },
	{ "GET", "/forgot", get_forgot, 0, GH_LIMIT_API },
	{ "POST", "/forgot", post_forgot, GH_ROUTE_FORM, GH_LIMIT_NONE },
	{ "GET", "/reset-password", get_reset, 0, GH_LIMIT_API },
	{ "POST", "/reset-password", post_reset, GH_ROUTE_FORM, GH_LIMIT_NONE },
	{ "GET", "/magic", get_magic, 0, GH_LIMIT_API },
	{ "POST", "/magic", post_magic, GH_ROUTE_FORM, GH_LIMIT_NONE },
	{ "GET", "/mfa", get_mfa, 0, GH_LIMIT_API },
	{ "POST", "/mfa", post_mfa, GH_ROUTE_FORM, GH_LIMIT_NONE },
};

static const struct gh_app app = {
	"ui", "/ui", routes, sizeof(routes) / sizeof(routes[0]),
	GH_APP_PASSWORDS
};

int
main(void)
{
	gh_serve_after(gh_mailer_after_answer);
	return gh_serve(&app);
}
