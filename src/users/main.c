/* users.fcgi — mounted at /v1/users: public profiles (DESIGN.md §6). */
#include "db.h"
#include "http.h"
#include "id.h"
#include "problem.h"
#include "serve.h"
#include "store_user.h"

static enum gh_err
user_get(struct gh_req *req, struct gh_res *res)
{
	const char	*id = gh_req_param(req, "id");
	json_object	*o;
	enum gh_err	 er;

	/* A malformed id names no user: the same 404 as an unknown one. */
	if (!gh_id_is_valid(id)) {
		gh_problem(res, 404, "not_found", "no such user");
		return GH_OK;
	}
	er = gh_store_user_public(req->srv->db, id, &o);
	if (er == GH_ENOTFOUND) {
		gh_problem(res, 404, "not_found", "no such user");
		return GH_OK;
	}
	if (er == GH_OK)
		gh_res_json(res, 200, o);
	return er;
}

static const struct gh_route routes[] = {
	{ "GET", "/{id}", user_get, GH_ROUTE_READ, GH_LIMIT_API },
};

static const struct gh_app app = {
	"users", "/v1/users", routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	return gh_serve(&app);
}
