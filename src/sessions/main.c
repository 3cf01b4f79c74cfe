/*
 * sessions.fcgi — mounted at /v1/sessions: the signed-in user's sessions,
 * where each one is and what runs it, and ending them (DESIGN.md §6,
 * docs/sessions.md). Only the owner sees or ends a session; another
 * user's session is as unknown as one that never existed.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "cookie.h"
#include "db.h"
#include "http.h"
#include "id.h"
#include "json.h"
#include "problem.h"
#include "serve.h"
#include "session.h"
#include "store_session.h"

#define REVOKE_MAX	100	/* ids in one POST /revoke */

static enum gh_err
sessions_list(struct gh_req *req, struct gh_res *res)
{
	json_object	*o, *a;
	enum gh_err	 er;

	if ((er = gh_store_session_list(req->srv->db, req->auth.user_id,
	    req->auth.session_id, gh_clock_now() - req->srv->cfg.refresh_ttl,
	    &a)) != GH_OK)
		return er;
	o = json_object_new_object();
	gh_json_add(o, "data", a);
	gh_json_add(o, "current_session_id",
	    json_object_new_string(req->auth.session_id));
	gh_res_json(res, 200, o);
	return GH_OK;
}

/* Inside the caller's transaction: ends one of the user's sessions and
 * logs it; GH_ENOTFOUND when it is not one of theirs. */
static enum gh_err
revoke_one(struct gh_req *req, const char *id)
{
	enum gh_err	 er;

	if ((er = gh_store_session_revoke_own(req->srv->db, req->auth.user_id,
	    id, gh_clock_now(), "user_revoked")) != GH_OK)
		return er;
	return gh_audit(req, "session_revoked", req->auth.application_id,
	    req->auth.user_id, id);
}

/* The answer to a revocation: a cookie that named an ended session is
 * cleared with it. */
static enum gh_err
revoked(struct gh_req *req, struct gh_res *res, int own, json_object *body)
{
	if (body != NULL)
		gh_res_json(res, 200, body);
	else
		gh_res_empty(res, 204);
	return own && req->by_cookie ? gh_cookie_clear(res, &req->srv->cfg) :
	    GH_OK;
}

static enum gh_err
session_delete(struct gh_req *req, struct gh_res *res)
{
	struct gh_db	*db = req->srv->db;
	const char	*id = gh_req_param(req, "id");
	enum gh_err	 er;

	/* A malformed id names no session: the same 404 as an unknown one. */
	if (!gh_id_is_valid(id)) {
		gh_problem(res, 404, "not_found", "no such session");
		return GH_OK;
	}
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = revoke_one(req, id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		if (er != GH_ENOTFOUND)
			return er;
		gh_problem(res, 404, "not_found", "no such session");
		return GH_OK;
	}
	return revoked(req, res, strcmp(id, req->auth.session_id) == 0, NULL);
}

/* {ids: [...]}: 1..REVOKE_MAX session ids. 1 with *ids set, or 0 when res
 * holds the 400. */
static int
take_ids(struct gh_req *req, struct gh_res *res, json_object **ids)
{
	struct gh_problem	 p = { NULL };
	json_object		*e;
	char			 path[16], got[32];
	size_t			 i, n;

	*ids = NULL;
	json_object_object_foreach(req->json, key, val) {
		(void)val;
		if (strcmp(key, "ids") != 0)
			gh_problem_param(&p, "body", key, "unknown", NULL, NULL);
	}
	if (!json_object_object_get_ex(req->json, "ids", ids))
		gh_problem_param(&p, "body", "ids", "required",
		    "array of session ids", NULL);
	else if (!json_object_is_type(*ids, json_type_array))
		gh_problem_param(&p, "body", "ids", "type",
		    "array of session ids",
		    json_type_to_name(json_object_get_type(*ids)));
	else if ((n = json_object_array_length(*ids)) < 1 || n > REVOKE_MAX) {
		snprintf(got, sizeof(got), "%zu items", n);
		gh_problem_param(&p, "body", "ids", "length", "1..100 items",
		    got);
	} else
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(*ids, i);
			snprintf(path, sizeof(path), "ids[%zu]", i);
			if (!json_object_is_type(e, json_type_string))
				gh_problem_param(&p, "body", path, "type",
				    "string", json_type_to_name(
				    json_object_get_type(e)));
			else if (!gh_id_is_valid(json_object_get_string(e)))
				gh_problem_param(&p, "body", path, "format",
				    "session id", NULL);
		}
	if (!gh_problem_has_params(&p))
		return 1;
	gh_problem_send_invalid(&p, res);
	return 0;
}

/* 1 when ids[i] appeared before i: a repeated id is ended once. */
static int
seen(json_object *ids, size_t i)
{
	const char	*s = json_object_get_string(
			    json_object_array_get_idx(ids, i));
	size_t		 j;

	for (j = 0; j < i; j++)
		if (strcmp(s, json_object_get_string(
		    json_object_array_get_idx(ids, j))) == 0)
			return 1;
	return 0;
}

/* All or nothing: every id must be a live session of the caller, or the
 * answer is 404 and nothing ends (docs/sessions.md). */
static enum gh_err
sessions_revoke(struct gh_req *req, struct gh_res *res)
{
	struct gh_db	*db = req->srv->db;
	json_object	*ids, *o;
	const char	*id;
	int64_t		 n = 0;
	int		 own = 0;
	size_t		 i;
	enum gh_err	 er;

	if (!take_ids(req, res, &ids))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	for (i = 0; i < json_object_array_length(ids); i++) {
		if (seen(ids, i))
			continue;
		id = json_object_get_string(json_object_array_get_idx(ids, i));
		if ((er = revoke_one(req, id)) != GH_OK)
			break;
		own |= strcmp(id, req->auth.session_id) == 0;
		n++;
	}
	if (er != GH_OK || (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		if (er != GH_ENOTFOUND)
			return er;
		gh_problem(res, 404, "not_found", "not every id names a "
		    "session of yours; none was ended");
		return GH_OK;
	}
	o = json_object_new_object();
	gh_json_add(o, "revoked", json_object_new_int64(n));
	return revoked(req, res, own, o);
}

static enum gh_err
sessions_revoke_others(struct gh_req *req, struct gh_res *res)
{
	struct gh_db	*db = req->srv->db;
	json_object	*o;
	int64_t		 n;
	enum gh_err	 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = gh_session_revoke_others(db, req->auth.user_id,
	    req->auth.session_id, "user_revoked_others", &n)) != GH_OK ||
	    (er = gh_audit(req, "sessions_revoked_others",
	    req->auth.application_id, req->auth.user_id,
	    req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		return er;
	}
	o = json_object_new_object();
	gh_json_add(o, "revoked", json_object_new_int64(n));
	gh_res_json(res, 200, o);
	return GH_OK;
}

static const struct gh_route routes[] = {
	{ "GET", "/", sessions_list, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "POST", "/revoke", sessions_revoke, GH_ROUTE_AUTH | GH_ROUTE_JSON,
	    GH_LIMIT_API },
	{ "POST", "/revoke-others", sessions_revoke_others,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_API },
	{ "DELETE", "/{id}", session_delete, GH_ROUTE_AUTH, GH_LIMIT_API },
};

static const struct gh_app app = {
	"sessions", "/v1/sessions", routes, sizeof(routes) / sizeof(routes[0]),
	0
};

int
main(void)
{
	return gh_serve(&app);
}
