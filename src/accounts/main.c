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
#define AUTH_JSON	(GH_ROUTE_AUTH | GH_ROUTE_JSON)

static const struct gh_route routes[] = {
	{ "GET", "/accounts", accounts_list, AUTH_READ, GH_LIMIT_API },
	{ "POST", "/accounts", accounts_create, AUTH_JSON, GH_LIMIT_API },
	{ "GET", "/accounts/{id}", accounts_get, AUTH_READ, GH_LIMIT_API },
	{ "PATCH", "/accounts/{id}", accounts_patch, AUTH_JSON, GH_LIMIT_API },
	{ "GET", "/accounts/{id}/members", accounts_members, AUTH_READ,
	    GH_LIMIT_API },
	{ "PATCH", "/accounts/{id}/members/{user_id}", accounts_member_patch,
	    AUTH_JSON, GH_LIMIT_API },
	{ "DELETE", "/accounts/{id}/members/{user_id}",
	    accounts_member_delete, AUTH_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_API },
	{ "POST", "/accounts/{id}/switch", accounts_switch,
	    AUTH_JSON | GH_ROUTE_BODY_OPTIONAL, GH_LIMIT_API },
	{ "POST", "/invites", invites_create, AUTH_JSON, GH_LIMIT_EMAIL },
	{ "GET", "/invites", invites_list, AUTH_READ, GH_LIMIT_API },
	/* Anyone holding a code may look at it. */
	{ "GET", "/invites/{code}", invites_preview, GH_ROUTE_READ,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/invites/{code}/accept", invites_accept,
	    AUTH_JSON | GH_ROUTE_BODY_OPTIONAL, GH_LIMIT_CREDENTIAL },
	{ "DELETE", "/invites/{code}", invites_revoke,
	    AUTH_JSON | GH_ROUTE_BODY_OPTIONAL, GH_LIMIT_API },
	{ "GET", "/membership/me", membership_me, AUTH_READ, GH_LIMIT_API },
	{ "POST", "/membership/redeem-invite", membership_redeem, AUTH_JSON,
	    GH_LIMIT_CREDENTIAL },
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
