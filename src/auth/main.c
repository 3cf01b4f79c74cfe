/* auth.fcgi — mounted at /v1/auth (DESIGN.md §6). */
#include "handlers.h"
#include "mailer.h"
#include "serve.h"
#include "sessions.h"

static const struct gh_route routes[] = {
	{ "POST", "/sign-up", auth_sign_up, GH_ROUTE_JSON, GH_LIMIT_SIGN_UP },
	{ "POST", "/sign-in", auth_sign_in, GH_ROUTE_JSON, GH_LIMIT_SIGN_IN },
	{ "POST", "/refresh", auth_refresh, GH_ROUTE_JSON, GH_LIMIT_REFRESH },
	{ "POST", "/sign-out", auth_sign_out,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_API },
	{ "GET", "/me", auth_me_get, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "GET", "/dashboard", auth_dashboard, GH_ROUTE_AUTH | GH_ROUTE_READ,
	    GH_LIMIT_API },
	{ "GET", "/csrf-token", auth_csrf_token,
	    GH_ROUTE_AUTH | GH_ROUTE_READ, GH_LIMIT_API },
	{ "PATCH", "/me", auth_me_patch, GH_ROUTE_AUTH | GH_ROUTE_JSON,
	    GH_LIMIT_API },
	{ "POST", "/send-email-verification", auth_send_verification,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_EMAIL },
	{ "GET", "/verify", auth_verify_get, 0, GH_LIMIT_CREDENTIAL },
	{ "POST", "/verify", auth_verify_post, GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/send-password-reset", auth_send_reset, GH_ROUTE_JSON,
	    GH_LIMIT_EMAIL },
	{ "POST", "/reset-password", auth_reset_password, GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/send-magic-link", auth_send_magic_link, GH_ROUTE_JSON,
	    GH_LIMIT_EMAIL },
	{ "GET", "/sign-in-with-token", auth_sign_in_with_token, 0,
	    GH_LIMIT_CREDENTIAL },
	{ "GET", "/accept-invite", auth_accept_invite, 0,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/check-email", auth_check_email, GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/login-methods", auth_login_methods,
	    GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL, GH_LIMIT_API },
	{ "POST", "/change-email", auth_change_email,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON, GH_LIMIT_EMAIL },
	{ "GET", "/confirm-email-change", auth_confirm_change_get, 0,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/confirm-email-change", auth_confirm_change_post,
	    GH_ROUTE_JSON, GH_LIMIT_CREDENTIAL },
	{ "POST", "/email-code/start", auth_code_start, GH_ROUTE_JSON,
	    GH_LIMIT_EMAIL },
	{ "POST", "/email-code/verify", auth_code_verify, GH_ROUTE_JSON,
	    GH_LIMIT_CREDENTIAL },
	{ "POST", "/disconnect", auth_disconnect,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL,
	    GH_LIMIT_API },
	{ "POST", "/change-password", auth_change_password,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON, GH_LIMIT_CREDENTIAL },
};

static const struct gh_app app = {
	"auth", "/v1/auth", routes, sizeof(routes) / sizeof(routes[0]),
	GH_APP_PASSWORDS
};

int
main(void)
{
	gh_serve_after(gh_mailer_after_answer);
	return gh_serve(&app);
}
