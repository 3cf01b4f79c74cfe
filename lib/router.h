/*
 * Routing on method + path relative to the program's mount. Route paths
 * are literal segments and {name} parameters: "/users/{id}/avatar".
 * A route with method "*" and path "*" takes every request.
 */
#ifndef GH_ROUTER_H
#define GH_ROUTER_H

#include <stddef.h>

#include "err.h"

struct gh_req;
struct gh_res;

typedef enum gh_err (*gh_handler)(struct gh_req *, struct gh_res *);

enum gh_route_flags {
	GH_ROUTE_AUTH = 1 << 0,	/* bearer access token and live session */
	GH_ROUTE_JSON = 1 << 1,	/* body must be a JSON object (415 otherwise) */
	GH_ROUTE_BODY_OPTIONAL = 1 << 2, /* with JSON: an empty body is {} */
	GH_ROUTE_READ = 1 << 3,	/* never writes: runs in one read transaction */
	GH_ROUTE_FORM = 1 << 4,	/* body is an HTML form (415 otherwise) */
};

/* The rate limit a route counts against, per client address (config
 * rate_limit_*, docs/abuse.md). Routes that name none are GH_LIMIT_API. */
enum gh_limit {
	GH_LIMIT_API = 0,
	GH_LIMIT_SIGN_IN,
	GH_LIMIT_SIGN_UP,
	GH_LIMIT_REFRESH,
	GH_LIMIT_CREDENTIAL,
	GH_LIMIT_EMAIL,
	GH_LIMIT_NONE,		/* never limited (the authorizer) */
};

struct gh_route {
	const char	*method;
	const char	*path;
	gh_handler	 handler;
	unsigned	 flags;
	enum gh_limit	 limit;
};

enum gh_route_match {
	GH_ROUTE_FOUND,
	GH_ROUTE_NO_PATH,	/* 404 */
	GH_ROUTE_NO_METHOD,	/* 405; allow lists the methods */
};

#define GH_ROUTE_PARAMS	4

struct gh_route_result {
	const struct gh_route *route;
	const char	*param_names[GH_ROUTE_PARAMS];
	char		*params[GH_ROUTE_PARAMS]; /* owned, percent-decoded */
	size_t		 nparams;
	char		 allow[64];	/* "GET, PATCH" for 405 */
};

/* Matches path (already relative to the mount, query removed) against the
 * table. A parameter segment must be non-empty and may not decode to
 * anything containing '/' or NUL. */
enum gh_route_match gh_router_match(const struct gh_route *, size_t nroutes,
		    const char *method, const char *path,
		    struct gh_route_result *out);
void		 gh_router_result_free(struct gh_route_result *);

/* The path of uri_path relative to the program: strips the script name when
 * it is a prefix (plain CGI: /cgi-bin/auth.fcgi/sign-in -> /sign-in), else
 * the mount (/v1/auth/sign-in -> /sign-in). NULL when neither applies.
 * Returns an owned string. */
char		*gh_router_relative(const char *uri_path, const char *script_name,
		    const char *mount);

#endif
