/* meta.fcgi — mounted at /: health, the public signing keys, the API
 * description. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "json.h"
#include "keys.h"
#include "problem.h"
#include "serve.h"

static enum gh_err
health(struct gh_req *req, struct gh_res *res)
{
	struct gh_stmt	*st;
	enum gh_step	 rc = GH_STEP_ERROR;
	json_object	*o, *checks;

	if ((st = gh_db_stmt(req->srv->db, GH_STMT_PING)) != NULL) {
		rc = gh_stmt_step(st);
		gh_stmt_reset(st);
	}
	if (rc != GH_STEP_ROW) {
		gh_problem(res, 503, "unavailable", "the database does not "
		    "answer");
		return GH_OK;
	}
	o = json_object_new_object();
	checks = json_object_new_object();
	gh_json_add(checks, "database",
	    json_object_new_string("ok"));
	gh_json_add(o, "status", json_object_new_string("ok"));
	gh_json_add(o, "checks", checks);
	gh_res_json(res, 200, o);
	return GH_OK;
}

/* RFC 7517 key set; old keys stay until their tokens have expired. */
static enum gh_err
jwks(struct gh_req *req, struct gh_res *res)
{
	(void)gh_server_signing_key(req->srv);	/* re-reads when stale */
	gh_res_json(res, 200, gh_keys_jwks(&req->srv->keys));
	return gh_res_header(res, "Cache-Control", "public, max-age=300");
}

/* share/openapi.json, compiled in by build-aux/embed-file.sh. */
extern const char gh_openapi_json[];

static enum gh_err
openapi(struct gh_req *req, struct gh_res *res)
{
	(void)req;
	res->status = 200;
	res->content_type = "application/json";
	if ((res->body = strdup(gh_openapi_json)) == NULL)
		return GH_ENOMEM;
	res->body_len = strlen(res->body);
	return gh_res_header(res, "Cache-Control", "public, max-age=300");
}

static const struct gh_route routes[] = {
	/* Monitors poll it: never limited. */
	{ "GET", "/health", health, 0, GH_LIMIT_NONE },
	{ "GET", "/.well-known/jwks.json", jwks, GH_ROUTE_READ, GH_LIMIT_API },
	{ "GET", "/openapi.json", openapi, 0, GH_LIMIT_API },
};

static const struct gh_app app = {
	"meta", "", routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	return gh_serve(&app);
}
