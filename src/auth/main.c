/* auth.fcgi — mounted at /v1/auth (DESIGN.md §6). */
#include "handlers.h"
#include "serve.h"

static const struct gh_route routes[] = {
	{ "POST", "/sign-up", auth_sign_up, GH_ROUTE_JSON },
	{ "POST", "/sign-in", auth_sign_in, GH_ROUTE_JSON },
	{ "POST", "/refresh", auth_refresh, GH_ROUTE_JSON },
	{ "POST", "/sign-out", auth_sign_out,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL },
	{ "GET", "/me", auth_me_get, GH_ROUTE_AUTH | GH_ROUTE_READ },
	{ "GET", "/csrf-token", auth_csrf_token,
	    GH_ROUTE_AUTH | GH_ROUTE_READ },
	{ "PATCH", "/me", auth_me_patch, GH_ROUTE_AUTH | GH_ROUTE_JSON },
};

static const struct gh_app app = {
	"auth", "/v1/auth", routes, sizeof(routes) / sizeof(routes[0]),
	GH_APP_PASSWORDS
};

int
main(void)
{
	return gh_serve(&app);
}
