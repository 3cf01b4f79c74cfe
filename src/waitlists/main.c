/*
 * waitlists.fcgi — mounted at /v1/waitlists: the features the signed-in
 * user waits for (DESIGN.md §6, docs/waitlists.md). A feature key is the
 * user's own: another user's signup for the same key is not visible.
 * PUT and DELETE are idempotent and answer 200 with the state they left.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "http.h"
#include "id.h"
#include "json.h"
#include "problem.h"
#include "serve.h"
#include "store_waitlist.h"

#define MOUNT	"/v1/waitlists"

/* The path parameter, or NULL when res holds the 400. */
static const char *
take_key(struct gh_req *req, struct gh_res *res)
{
	struct gh_problem	 p = { NULL };
	const char		*key = gh_req_param(req, "feature_key");

	if (gh_store_waitlist_key_is_valid(key))
		return key;
	/* The key is not echoed: it may be any bytes at all. */
	gh_problem_param(&p, "path", "feature_key",
	    strlen(key) > GH_WAITLIST_KEY_MAX ? "length" : "format",
	    "1..64 of a-z 0-9 - _ . :, starting with a-z or 0-9", NULL);
	gh_problem_send_invalid(&p, res);
	return NULL;
}

/* 200 {data, links:{self}}; takes data. */
static void
document(struct gh_res *res, json_object *data, const char *self)
{
	json_object	*o, *l;

	l = json_object_new_object();
	gh_json_add(l, "self", json_object_new_string(self));
	o = json_object_new_object();
	gh_json_add(o, "data", data);
	gh_json_add(o, "links", l);
	gh_res_json(res, 200, o);
}

/* {data:{feature_key, signed_up, waitlist_id}, links:{self}}; id NULL when
 * not signed up. */
static enum gh_err
answer(struct gh_res *res, const char *key, const char *id)
{
	json_object	*d;
	char		 self[sizeof(MOUNT "/") + GH_WAITLIST_KEY_MAX];

	if ((size_t)snprintf(self, sizeof(self), MOUNT "/%s", key) >=
	    sizeof(self))
		return GH_EINVAL;
	d = json_object_new_object();
	gh_json_add(d, "feature_key", json_object_new_string(key));
	gh_json_add(d, "signed_up", json_object_new_boolean(id != NULL));
	gh_json_add(d, "waitlist_id", id != NULL ?
	    json_object_new_string(id) : NULL);
	document(res, d, self);
	return GH_OK;
}

static enum gh_err
waitlists_list(struct gh_req *req, struct gh_res *res)
{
	json_object	*a;
	enum gh_err	 er;

	if ((er = gh_store_waitlist_list(req->srv->db, req->auth.user_id,
	    &a)) != GH_OK)
		return er;
	document(res, a, MOUNT);
	return GH_OK;
}

static enum gh_err
waitlist_get(struct gh_req *req, struct gh_res *res)
{
	const char	*key;
	char		 id[GH_ID_LEN + 1];
	enum gh_err	 er;

	if ((key = take_key(req, res)) == NULL)
		return GH_OK;
	er = gh_store_waitlist_get(req->srv->db, req->auth.user_id, key, id);
	if (er != GH_OK && er != GH_ENOTFOUND)
		return er;
	return answer(res, key, er == GH_OK ? id : NULL);
}

/* PUT joins, DELETE leaves; both take no body (none, or an empty JSON
 * object) and answer with the state they leave, however often repeated. */
static enum gh_err
waitlist_set(struct gh_req *req, struct gh_res *res)
{
	struct gh_db	*db = req->srv->db;
	const char	*key;
	char		 id[GH_ID_LEN + 1];
	int		 join = strcmp(req->method, "PUT") == 0;
	enum gh_err	 er;

	if ((key = take_key(req, res)) == NULL ||
	    !gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = join ? gh_store_waitlist_join(db, req->auth.user_id,
	    req->auth.application_id, key, gh_clock_now(), id) :
	    gh_store_waitlist_leave(db, req->auth.user_id, key);
	if (er != GH_OK || (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		if (er != GH_ELIMIT)
			return er;
		gh_problem(res, 409, "waitlist_limit", "you are on 100 "
		    "waitlists already; leave one first");
		return GH_OK;
	}
	return answer(res, key, join ? id : NULL);
}

#define BODY_NONE	(GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL)

static const struct gh_route routes[] = {
	{ "GET", "/", waitlists_list, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "GET", "/{feature_key}", waitlist_get, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "PUT", "/{feature_key}", waitlist_set, BODY_NONE, GH_LIMIT_API },
	{ "DELETE", "/{feature_key}", waitlist_set, BODY_NONE, GH_LIMIT_API },
};

static const struct gh_app app = {
	"waitlists", MOUNT, routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	return gh_serve(&app);
}
