/*
 * accounts.fcgi — will serve /v1/accounts, /v1/invites and /v1/membership
 * (DESIGN.md §6). So far it is mounted at /v1/membership: the signed-in
 * user's membership tier and capabilities (docs/membership.md).
 */
#include "clock.h"
#include "http.h"
#include "json.h"
#include "membership.h"
#include "serve.h"

static enum gh_err
membership_me(struct gh_req *req, struct gh_res *res)
{
	struct gh_membership	 m;
	enum gh_err		 er;

	if ((er = gh_membership_of(req->srv->db, &req->srv->cfg,
	    req->auth.user_id, gh_clock_now(), &m)) != GH_OK)
		return er;
	gh_res_json(res, 200, gh_membership_json(&req->srv->cfg, &m));
	return GH_OK;
}

static const struct gh_route routes[] = {
	{ "GET", "/me", membership_me,
	    GH_ROUTE_AUTH | GH_ROUTE_READ, GH_LIMIT_API },
};

static const struct gh_app app = {
	"accounts", "/v1/membership", routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	return gh_serve(&app);
}
