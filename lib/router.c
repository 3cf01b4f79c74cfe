#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "url.h"

/* Matches one route pattern against path; fills params on success. */
static int
match(const char *pat, const char *path, struct gh_route_result *r)
{
	const char	*pe, *se;
	size_t		 plen, slen;
	char		*v;

	r->nparams = 0;
	for (;;) {
		if (*pat != '/' || *path != '/')
			return *pat == '\0' && *path == '\0';
		pat++;
		path++;
		pe = strchr(pat, '/');
		se = strchr(path, '/');
		plen = pe != NULL ? (size_t)(pe - pat) : strlen(pat);
		slen = se != NULL ? (size_t)(se - path) : strlen(path);
		if (plen > 2 && pat[0] == '{' && pat[plen - 1] == '}') {
			if (slen == 0 || r->nparams == GH_ROUTE_PARAMS ||
			    (v = gh_url_decode(path, slen, GH_URL_NO_SLASH)) == NULL)
				return 0;
			r->param_names[r->nparams] = pat + 1;
			r->params[r->nparams++] = v;
		} else if (plen != slen || strncmp(pat, path, plen) != 0)
			return 0;
		pat += plen;
		path += slen;
	}
}

static void
drop_params(struct gh_route_result *r)
{
	size_t	 i;

	for (i = 0; i < r->nparams; i++)
		free(r->params[i]);
	r->nparams = 0;
}

enum gh_route_match
gh_router_match(const struct gh_route *routes, size_t n, const char *method,
    const char *path, struct gh_route_result *out)
{
	size_t	 i, alen;
	int	 path_seen = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		/* "*" for both: every request (the authorizer). */
		if (strcmp(routes[i].path, "*") == 0 &&
		    strcmp(routes[i].method, "*") == 0) {
			out->route = &routes[i];
			return GH_ROUTE_FOUND;
		}
		if (!match(routes[i].path, path, out)) {
			drop_params(out);
			continue;
		}
		if (strcmp(routes[i].method, method) == 0) {
			out->route = &routes[i];
			return GH_ROUTE_FOUND;
		}
		drop_params(out);
		alen = strlen(out->allow);
		if (strstr(out->allow, routes[i].method) == NULL &&
		    alen + strlen(routes[i].method) + 3 < sizeof(out->allow)) {
			if (alen > 0)
				strcat(out->allow, ", ");
			strcat(out->allow, routes[i].method);
		}
		path_seen = 1;
	}
	return path_seen ? GH_ROUTE_NO_METHOD : GH_ROUTE_NO_PATH;
}

void
gh_router_result_free(struct gh_route_result *r)
{
	drop_params(r);
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t	 a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *
strip(const char *path, const char *prefix)
{
	size_t	 n = strlen(prefix);

	while (n > 0 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n) != 0 ||
	    (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path + n;
}

char *
gh_router_relative(const char *uri_path, const char *script_name,
    const char *mount)
{
	const char	*rest = NULL;

	if (uri_path == NULL || uri_path[0] != '/')
		return NULL;
	/* Plain CGI (RFC 3875 §4.1.13): the script is a file of ours. */
	if (script_name != NULL && (has_suffix(script_name, ".fcgi") ||
	    has_suffix(script_name, ".cgi")))
		rest = strip(uri_path, script_name);
	if (rest == NULL && mount != NULL)
		rest = strip(uri_path, mount);
	if (rest == NULL)
		return NULL;
	return strdup(*rest == '\0' ? "/" : rest);
}
