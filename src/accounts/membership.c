/* /v1/membership: the signed-in user's tier (docs/membership.md). */
#include "clock.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "membership.h"
#include "serve.h"

enum gh_err
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
