/*
 * authz.fcgi — the FastCGI Authorizer (FastCGI spec §6.3) that puts any
 * location behind the login. lighttpd and Apache call it in the AUTHORIZER
 * role; nginx's auth_request reaches it as a RESPONDER. It answers the same
 * either way (docs/authorizer.md): 200 with Variable-GATEHOUSE_* headers,
 * 401 for API clients, or a redirect to the sign-in page for browsers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "serve.h"
#include "url.h"

/* Only [A-Z0-9_] names: servers mangle anything else differently.
 * REMOTE_USER is the one name lighttpd (1.4.69, checked) hands on as the
 * application's REMOTE_USER; Apache and nginx set it from GATEHOUSE_USERNAME
 * in their configuration instead. */
static enum gh_err
allow(struct gh_req *req, struct gh_res *res)
{
	const struct gh_auth	*a = &req->auth;
	struct gh_stmt		*st = NULL;
	const char		*username = a->username, *email = a->email;
	const char		*role = a->role;
	enum gh_err		 er = GH_EDB;

	/* A bearer token names only the user: look the rest up. */
	if (!a->has_identity) {
		st = gh_db_prepare(req->srv->db, GH_STMT_AUTHZ_IDENTITY, "tt",
		    a->user_id, a->membership_id);
		if (st == NULL || gh_stmt_step(st) != GH_STEP_ROW)
			goto out;
		username = gh_stmt_col_text(st, 0);
		email = gh_stmt_col_text(st, 1);
		role = gh_stmt_col_text(st, 2);
	}
	gh_res_empty(res, 200);
	if ((er = gh_res_header(res, "Variable-GATEHOUSE_USER_ID", "%s",
	    a->user_id)) != GH_OK ||
	    (er = gh_res_header(res, "Variable-GATEHOUSE_USERNAME", "%s",
	    username != NULL ? username : "")) != GH_OK ||
	    (er = gh_res_header(res, "Variable-GATEHOUSE_EMAIL", "%s",
	    email != NULL ? email : "")) != GH_OK ||
	    (er = gh_res_header(res, "Variable-GATEHOUSE_ROLES", "%s",
	    role != NULL ? role : "")) != GH_OK ||
	    (er = gh_res_header(res, "Variable-REMOTE_USER", "%s",
	    username != NULL ? username : "")) != GH_OK ||
	    (er = gh_res_header(res, "Variable-GATEHOUSE_SESSION_ID", "%s",
	    a->session_id)) != GH_OK)
		res->status = 0;
out:
	gh_stmt_reset(st);
	return er;
}

/* A browser without a session goes to the sign-in page, which brings it
 * back. The return address is the path of this server only: anything that
 * could name another host ("//evil", "/\evil") becomes "/". */
static enum gh_err
to_sign_in(struct gh_req *req, struct gh_res *res)
{
	const char	*url = req->srv->cfg.sign_in_url;
	char		*back = NULL, *enc = NULL;
	enum gh_err	 er = GH_ENOMEM;

	if (req->uri_path[0] != '/' || req->uri_path[1] == '/' ||
	    req->uri_path[1] == '\\')
		back = strdup("/");
	else if (asprintf(&back, "%s%s%s", req->uri_path, *req->query !=
	    '\0' ? "?" : "", req->query) < 0)
		back = NULL;
	if (back == NULL || (enc = gh_url_encode(back)) == NULL)
		goto out;
	gh_res_empty(res, 302);
	er = gh_res_header(res, "Location", "%s%sreturn_to=%s", url,
	    strchr(url, '?') != NULL ? "&" : "?", enc);
out:
	free(back);
	free(enc);
	return er;
}

static int
is_browser(const struct gh_req *req)
{
	return req->authorization == NULL && req->accept != NULL &&
	    strstr(req->accept, "text/html") != NULL;
}

static enum gh_err
authorize(struct gh_req *req, struct gh_res *res)
{
	const char	*code;
	enum gh_err	 er;

	/* Browser or API client, token or cookie: each its own answer. */
	if ((er = gh_res_header(res, "Vary", "Accept, Authorization, Cookie")) !=
	    GH_OK)
		return er;
	er = gh_server_authenticate(req->srv, req, &code);
	if (er == GH_OK)
		return allow(req, res);
	if ((er == GH_EAUTH || er == GH_EFORBIDDEN) && is_browser(req))
		return to_sign_in(req, res);
	gh_server_refuse(res, er, code);
	return GH_OK;
}

static const struct gh_route routes[] = {
	/* No read transaction: a cookie is checked in one statement. */
	{ "*", "*", authorize, 0, GH_LIMIT_NONE },
};

static const struct gh_app app = {
	"authz", "", routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	return gh_serve(&app);
}
