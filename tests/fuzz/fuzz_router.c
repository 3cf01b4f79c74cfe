/*
 * libFuzzer harness for lib/router.c: the input is "METHOD\0path" (or
 * "METHOD\npath"; without a separator the whole input is a GET path),
 * matched against a fixed table; the path also goes through
 * gh_router_relative as REQUEST_URI.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "fuzz.h"

static const struct gh_route routes[] = {
	{ "GET", "/", NULL, 0, GH_LIMIT_API },
	{ "POST", "/sign-in", NULL, GH_ROUTE_JSON, GH_LIMIT_API },
	{ "POST", "/sign-out", NULL, GH_ROUTE_AUTH, GH_LIMIT_API },
	{ "GET", "/me", NULL, GH_ROUTE_AUTH, GH_LIMIT_API },
	{ "PATCH", "/me", NULL, GH_ROUTE_AUTH | GH_ROUTE_JSON, GH_LIMIT_API },
	{ "GET", "/.well-known/jwks.json", NULL, 0, GH_LIMIT_API },
	{ "GET", "/{id}", NULL, GH_ROUTE_AUTH, GH_LIMIT_API },
	{ "DELETE", "/{id}", NULL, GH_ROUTE_AUTH, GH_LIMIT_API },
	{ "PUT", "/{id}/avatar", NULL, GH_ROUTE_AUTH, GH_LIMIT_API },
	{ "GET", "/accounts/{id}/members/{user_id}", NULL, GH_ROUTE_AUTH,
	    GH_LIMIT_API },
	{ "DELETE", "/accounts/{id}/members/{user_id}", NULL, GH_ROUTE_AUTH,
	    GH_LIMIT_API },
	{ "PATCH", "/accounts/{id}/members/{user_id}", NULL,
	    GH_ROUTE_AUTH | GH_ROUTE_JSON | GH_ROUTE_BODY_OPTIONAL, GH_LIMIT_API },
	/* More parameters than a result holds: must never match. */
	{ "GET", "/{a}/{b}/{c}/{d}/{e}", NULL, 0, GH_LIMIT_API },
	{ "OPTIONS", "/{a}/{b}/{c}/{d}", NULL, 0, GH_LIMIT_API },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

static void
match(const char *method, const char *path)
{
	struct gh_route_result	 r;
	enum gh_route_match	 m;
	size_t			 i;

	m = gh_router_match(routes, NROUTES, method, path, &r);
	if (memchr(r.allow, '\0', sizeof(r.allow)) == NULL ||
	    r.nparams > GH_ROUTE_PARAMS)
		abort();
	switch (m) {
	case GH_ROUTE_FOUND:
		if (r.route == NULL || strcmp(r.route->method, method) != 0)
			abort();
		for (i = 0; i < r.nparams; i++)
			if (r.params[i] == NULL || r.params[i][0] == '\0' ||
			    strchr(r.params[i], '/') != NULL ||
			    r.param_names[i] == NULL)
				abort();
		break;
	case GH_ROUTE_NO_METHOD:
		if (r.route != NULL || r.nparams != 0 || r.allow[0] == '\0')
			abort();
		break;
	case GH_ROUTE_NO_PATH:
		if (r.route != NULL || r.nparams != 0)
			abort();
		break;
	default:
		abort();
	}
	gh_router_result_free(&r);
}

static void
relative(const char *path, const char *script, const char *mount)
{
	char	*rel = gh_router_relative(path, script, mount);

	if (rel == NULL)
		return;
	if (rel[0] != '/' || strlen(rel) > strlen(path))
		abort();
	free(rel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*sep;
	char		*method, *path;

	sep = memchr(data, '\0', size);
	if (sep == NULL)
		sep = memchr(data, '\n', size);
	if (sep != NULL) {
		method = dup_n(data, (size_t)(sep - data));
		path = dup_n(sep + 1, size - (size_t)(sep - data) - 1);
	} else {
		method = dup_n((const uint8_t *)"GET", 3);
		path = dup_n(data, size);
	}

	match(method, path);
	relative(path, "/cgi-bin/auth.fcgi", "/v1/auth");
	relative(path, "/cgi-bin/auth.cgi/", "/");
	relative(path, "/index.php", NULL);

	free(method);
	free(path);
	return 0;
}
