#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "problem.h"
#include "serve.h"

/* Titles for the stable codes; a code without one gets the HTTP reason. */
static const struct {
	const char	*code;
	const char	*title;
} titles[] = {
	{ "validation_failed", "Invalid request" },
	{ "bad_request", "Bad request" },
	{ "malformed_json", "Malformed JSON body" },
	{ "unauthorized", "Authentication required" },
	{ "invalid_token", "Invalid token" },
	{ "token_expired", "Token expired" },
	{ "token_reused", "Token already used" },
	{ "session_revoked", "Session ended" },
	{ "invalid_credentials", "Invalid credentials" },
	{ "account_disabled", "Account disabled" },
	{ "forbidden", "Forbidden" },
	{ "csrf_failed", "CSRF token missing or wrong" },
	{ "origin_mismatch", "Request from another site" },
	{ "not_found", "Not found" },
	{ "method_not_allowed", "Method not allowed" },
	{ "email_taken", "Email already registered" },
	{ "username_taken", "Username already taken" },
	{ "payload_too_large", "Request body too large" },
	{ "unsupported_media_type", "Unsupported media type" },
	{ "rate_limited", "Too many requests" },
	{ "invalid_code", "Invalid code" },
	{ "email_not_verified", "Email address not verified" },
	{ "internal_error", "Internal error" },
	{ "unavailable", "Service unavailable" },
	{ "password_check_unavailable", "Password check unavailable" },
	{ "provider_unavailable", "Sign-in provider unavailable" },
	{ "oauth_state_invalid", "Sign-in not found or already finished" },
	{ "oauth_state_expired", "Sign-in took too long" },
	{ "oauth_state_mismatch", "Sign-in started in another browser" },
	{ "oauth_code_rejected", "Provider refused the sign-in" },
	{ "invalid_id_token", "Invalid ID token" },
	{ "account_exists", "An account with this email exists" },
	{ "identity_taken", "Linked to another account" },
	{ "email_required", "The provider shared no email address" },
	{ "username_required", "Choose a username" },
	{ "last_sign_in_method", "Last way to sign in" },
	{ "mfa_enabled", "Two-factor authentication is on" },
	{ "mfa_not_enabled", "Two-factor authentication is off" },
	{ "mfa_not_set_up", "Two-factor authentication not set up" },
	{ "waitlist_limit", "Too many waitlists" },
	{ "invite_revoked", "Invite revoked" },
	{ "invite_expired", "Invite expired" },
	{ "invite_used_up", "Invite used up" },
	{ "invite_wrong_type", "Wrong kind of invite" },
	{ "invite_email_mismatch", "Invite is for another address" },
	{ "invite_own", "Your own invite" },
	{ "invite_already_used", "Invite already used" },
	{ "already_member", "Already a member" },
	{ "invite_required", "Invite required" },
	{ "invite_limit", "Too many open invites" },
	{ "last_owner", "Last owner of the account" },
	{ "account_limit", "Too many accounts" },
};

static const char *
title_of(const char *code, int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].code, code) == 0)
			return titles[i].title;
	return gh_http_reason(status);
}

void
gh_problem(struct gh_res *res, int status, const char *code,
    const char *detail)
{
	json_object	*o;
	char		 type[96];

	snprintf(type, sizeof(type), "urn:gatehouse:problem:%s", code);
	o = json_object_new_object();
	gh_json_add(o, "type", json_object_new_string(type));
	gh_json_add(o, "title",
	    json_object_new_string(title_of(code, status)));
	gh_json_add(o, "status", json_object_new_int(status));
	if (detail != NULL)
		gh_json_add(o, "detail",
		    json_object_new_string(detail));
	gh_json_add(o, "code", json_object_new_string(code));
	gh_res_json(res, status, o);
	res->content_type = "application/problem+json";
}

void
gh_problem_param(struct gh_problem *p, const char *in, const char *path,
    const char *type, const char *expected, const char *received)
{
	json_object	*e;

	if (p->invalid_params == NULL)
		p->invalid_params = json_object_new_array();
	e = json_object_new_object();
	gh_json_add(e, "in", json_object_new_string(in));
	gh_json_add(e, "path", json_object_new_string(path));
	gh_json_add(e, "type", json_object_new_string(type));
	if (expected != NULL)
		gh_json_add(e, "expected",
		    json_object_new_string(expected));
	if (received != NULL)
		gh_json_add(e, "received",
		    json_object_new_string(received));
	json_object_array_add(p->invalid_params, e);
}

int
gh_problem_has_params(const struct gh_problem *p)
{
	return p->invalid_params != NULL;
}

void
gh_problem_send_invalid(struct gh_problem *p, struct gh_res *res)
{
	size_t	 n = p->invalid_params != NULL ?
	    json_object_array_length(p->invalid_params) : 0;
	char	 detail[64];

	snprintf(detail, sizeof(detail), "%zu field%s failed validation", n,
	    n == 1 ? "" : "s");
	gh_problem(res, 400, "validation_failed", detail);
	if (p->invalid_params != NULL) {
		gh_json_add(res->json, "invalid_params",
		    p->invalid_params);
		p->invalid_params = NULL;
	}
}

void
gh_problem_free(struct gh_problem *p)
{
	if (p->invalid_params != NULL)
		json_object_put(p->invalid_params);
	p->invalid_params = NULL;
}

/* s with HTML's five special characters escaped; owned, NULL when out of
 * memory. */
static char *
html_escaped(const char *s)
{
	char	*out, *o;

	if ((out = malloc(strlen(s) * 6 + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0'; s++)
		switch (*s) {
		case '&': o = stpcpy(o, "&amp;"); break;
		case '<': o = stpcpy(o, "&lt;"); break;
		case '>': o = stpcpy(o, "&gt;"); break;
		case '"': o = stpcpy(o, "&quot;"); break;
		case '\'': o = stpcpy(o, "&#39;"); break;
		default: *o++ = *s;
		}
	*o = '\0';
	return out;
}

void
gh_problem_page(struct gh_req *req, struct gh_res *res, int status,
    const char *code, const char *detail, const char *heading,
    const char *link_text)
{
	static const char fmt[] =
	    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>%s</title></head><body>"
	    "<h1>%s</h1><p>%s</p>"
	    "<p><a href=\"%s\">%s</a></p></body></html>\n";
	char	*text = NULL, *href = NULL, *page = NULL;
	int	 n;

	if (req->accept == NULL || strstr(req->accept, "text/html") == NULL ||
	    detail == NULL) {
		gh_problem(res, status, code, detail);
		return;
	}
	/* heading and link_text are the caller's literals */
	if ((text = html_escaped(detail)) == NULL ||
	    (href = html_escaped(req->srv->cfg.sign_in_url)) == NULL ||
	    (n = snprintf(NULL, 0, fmt, heading, heading, text, href,
	    link_text)) < 0 || (page = malloc((size_t)n + 1)) == NULL) {
		gh_problem(res, status, code, detail);
		goto out;
	}
	snprintf(page, (size_t)n + 1, fmt, heading, heading, text, href,
	    link_text);
	res->status = status;
	res->content_type = "text/html; charset=utf-8";
	res->body = page;
	res->body_len = (size_t)n;
out:
	free(text);
	free(href);
}
