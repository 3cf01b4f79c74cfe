/*
 * accounts.fcgi — /v1/accounts, /v1/invites and /v1/membership (DESIGN.md
 * §6): accounts and their members (docs/accounts.md), invites
 * (docs/invites.md), membership tiers (docs/membership.md). The program
 * is mounted at /v1 and the web server sends it the three prefixes.
 */
#include "handlers.h"
#include "mailer.h"
#include "serve.h"

#define AUTH_READ	(GH_ROUTE_AUTH | GH_ROUTE_READ)

static const struct gh_route routes[] = {
	{ "GET", "/membership/me", membership_me, AUTH_READ, GH_LIMIT_API },
};

static const struct gh_app app = {
	"accounts", "/v1", routes, sizeof(routes) / sizeof(routes[0]), 0
};

int
main(void)
{
	/* Emailed invites go out once the answer is sent. */
	gh_serve_after(gh_mailer_after_answer);
	return gh_serve(&app);
}
