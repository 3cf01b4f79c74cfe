/*
 * libFuzzer harness for the request environment (lib/http.c), what the
 * web server hands every program:
 *
 * - gh_http_req_init: the input split at each newline gives the
 *   environment, one "NAME=value" string a line (up to its first NUL;
 *   lines without '=' are kept too), read once as FastCGI parameters
 *   (a zeroed FCGX_Request with this envp) and once as plain CGI (the same
 *   array as environ);
 * - gh_router_relative on the request's uri_path and script_name under
 *   the mount "/v1/auth";
 * - gh_ip_client_key on its REMOTE_ADDR and X-Forwarded-For, trusting
 *   "127.0.0.1 10.0.0.0/8 ::1".
 *
 * Besides the sanitizers, it aborts when a result breaks lib/http.h,
 * lib/router.h or lib/ip.h: a result other than GH_OK or GH_EINVAL,
 * GH_EINVAL for a CONTENT_LENGTH of digits well within int64_t or GH_OK
 * for one that is not digits; on GH_OK, a field that is not the variable
 * gh_io_param() reads cut to its bound (the bounds of http.c; those of
 * Accept and Cookie are in lib/http.h too), one documented as NULL when
 * absent that is not, a query not "" when absent, a NULL method; a
 * request id that is empty, fills its buffer or is not [A-Za-z0-9._-]
 * (it goes out as a response header), or that drops a tame X-Request-Id;
 * a relative path that does not start with '/' or is not what is left of
 * uri_path once the mount or the script name is taken off, or none when
 * the mount is a prefix; a client key not NUL-terminated within
 * GH_IP_KEY_LEN, nor "unknown", an address or an IPv6 /64.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"
#include "http_io.h"
#include "ip.h"
#include "router.h"
#include "fuzz.h"

#define MOUNT	"/v1/auth"

/* A field of struct gh_req copied from one variable, and its bound. */
struct copied {
	const char	*var;
	size_t		 offset;
	size_t		 max;
	int		 null_when_absent;	/* documented in lib/http.h */
};

static const struct copied copied_fields[] = {
	{ "SCRIPT_NAME", offsetof(struct gh_req, script_name), 1024, 1 },
	{ "CONTENT_TYPE", offsetof(struct gh_req, content_type), 256, 1 },
	{ "HTTP_USER_AGENT", offsetof(struct gh_req, user_agent), 512, 0 },
	{ "REMOTE_ADDR", offsetof(struct gh_req, remote_addr), 64, 0 },
	{ "HTTP_X_FORWARDED_FOR", offsetof(struct gh_req, forwarded_for),
	    2048, 1 },
	{ "HTTP_ACCEPT", offsetof(struct gh_req, accept), 512, 0 },
	{ "HTTP_COOKIE", offsetof(struct gh_req, cookie), 8192, 0 },
	{ "HTTP_ORIGIN", offsetof(struct gh_req, origin), 512, 0 },
	{ "HTTP_REFERER", offsetof(struct gh_req, referer), 2048, 0 },
	{ "HTTP_HOST", offsetof(struct gh_req, host), 256, 0 },
	{ "HTTP_X_CSRF_TOKEN", offsetof(struct gh_req, csrf_token), 256, 0 },
};
#define NCOPIED	(sizeof(copied_fields) / sizeof(copied_fields[0]))

static struct gh_cidrs	trusted;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (gh_ip_parse_cidrs("127.0.0.1 10.0.0.0/8 ::1", &trusted) != GH_OK)
		abort();
	return 0;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* got is want[0..min(want_len, max)); NULL never is. */
static int
is_cut_n(const char *got, const char *want, size_t want_len, size_t max)
{
	size_t	n = min_size(want_len, max);

	return got != NULL && strlen(got) == n && memcmp(got, want, n) == 0;
}

static int
is_cut(const char *got, const char *want, size_t max)
{
	return is_cut_n(got, want, strlen(want), max);
}

/* got is a[0..min(len a, max)) followed by b[0..min(len b, max)). */
static int
is_cut_pair(const char *got, const char *a, const char *b, size_t max)
{
	size_t	na = min_size(strlen(a), max), nb = min_size(strlen(b), max);

	return got != NULL && strlen(got) == na + nb &&
	    memcmp(got, a, na) == 0 && memcmp(got + na, b, nb) == 0;
}

/* RFC 3875 §4.1.2 CONTENT_LENGTH: -1 when it is not digits, -2 when it is
 * digits over INT64_MAX, else the value (0 when absent or empty). */
static int64_t
content_length(const char *s)
{
	uint64_t	v = 0;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
			v = (uint64_t)INT64_MAX + 1;	/* stays over */
		else
			v = v * 10 + (uint64_t)(*s - '0');
	}
	return v > (uint64_t)INT64_MAX ? -2 : (int64_t)v;
}

static int
id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static void
check_request_id(const struct gh_req *req, const char *sent)
{
	const char	*id = req->request_id;
	size_t		 n;

	n = strnlen(id, sizeof(req->request_id));
	if (n == 0 || n == sizeof(req->request_id))
		abort();
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != n)
		abort();
	/* A tame X-Request-Id that fits is the request's id. */
	if (sent != NULL && *sent != '\0' &&
	    strlen(sent) < sizeof(req->request_id)) {
		for (n = 0; sent[n] != '\0' && id_char(sent[n]); n++)
			;
		if (sent[n] == '\0' && strcmp(id, sent) != 0)
			abort();
	}
}

static void
check_fields(const struct gh_req *req, struct gh_io *io, enum gh_err r)
{
	const char	*v, *uri, *q, *auth, *path_info;
	char		*field;
	size_t		 i;
	int64_t		 length;

	length = content_length(gh_io_param(io, "CONTENT_LENGTH"));
	if (r == GH_OK) {
		if (length < 0 || req->content_length != length)
			abort();
	} else if (r == GH_EINVAL) {
		/* "Bounded": a huge value may be refused too. */
		if (length >= 0 && length < INT64_MAX / 10)
			abort();
		return;
	} else
		abort();

	if ((v = gh_io_param(io, "REQUEST_METHOD")) != NULL) {
		if (!is_cut(req->method, v, 16))
			abort();
	} else if (req->method == NULL)
		abort();

	if ((uri = gh_io_param(io, "REQUEST_URI")) != NULL) {
		/* The path as sent, and what follows the first '?'. */
		q = strchr(uri, '?');
		if (!is_cut_n(req->uri_path, uri, strcspn(uri, "?"), 4096) ||
		    !is_cut(req->query, q != NULL ? q + 1 : "", 8192))
			abort();
	} else {
		/* RFC 3875: SCRIPT_NAME and PATH_INFO make up the path. */
		v = gh_io_param(io, "SCRIPT_NAME");
		path_info = gh_io_param(io, "PATH_INFO");
		if (!is_cut_pair(req->uri_path, v != NULL ? v : "",
		    path_info != NULL ? path_info : "", 2048))
			abort();
		v = gh_io_param(io, "QUERY_STRING");
		if (!is_cut(req->query, v != NULL ? v : "", 8192))
			abort();
	}

	for (i = 0; i < NCOPIED; i++) {
		memcpy(&field, (const char *)req + copied_fields[i].offset,
		    sizeof(field));
		v = gh_io_param(io, copied_fields[i].var);
		if (v != NULL) {
			if (!is_cut(field, v, copied_fields[i].max))
				abort();
		} else if (field != NULL &&
		    (copied_fields[i].null_when_absent || *field != '\0'))
			abort();
	}

	/* Apache hands the header on as REDIRECT_ under mod_rewrite. */
	auth = gh_io_param(io, "HTTP_AUTHORIZATION");
	if (auth == NULL)
		auth = gh_io_param(io, "REDIRECT_HTTP_AUTHORIZATION");
	if (auth != NULL ? !is_cut(req->authorization, auth, 8192) :
	    req->authorization != NULL && *req->authorization != '\0')
		abort();

	v = gh_io_param(io, "HTTPS");
	if (req->https != (v != NULL && strcasecmp(v, "on") == 0))
		abort();

	check_request_id(req, gh_io_param(io, "HTTP_X_REQUEST_ID"));
}

/* lib/router.h: uri_path without the script name or the mount. */
static void
check_relative(const char *uri_path, const char *script_name)
{
	char	*rel;
	size_t	 ulen = strlen(uri_path), rlen, plen;
	int	 under_mount;

	rel = gh_router_relative(uri_path, script_name, MOUNT);
	under_mount = strncmp(uri_path, MOUNT, strlen(MOUNT)) == 0 &&
	    (uri_path[strlen(MOUNT)] == '/' || uri_path[strlen(MOUNT)] == '\0');
	if (rel == NULL) {
		if (under_mount)
			abort();
		return;
	}
	if (uri_path[0] != '/' || rel[0] != '/')
		abort();
	rlen = strlen(rel);
	/* "/x/auth.fcgi" and "/v1/auth" themselves are "/". */
	plen = strcmp(rel, "/") == 0 && (strcmp(uri_path, MOUNT) == 0 ||
	    (script_name != NULL && strcmp(uri_path, script_name) == 0)) ?
	    ulen : ulen - rlen;
	if (rlen > ulen && plen != ulen)
		abort();
	if (plen == ulen - rlen && strcmp(uri_path + plen, rel) != 0)
		abort();
	if (!(plen == strlen(MOUNT) && strncmp(uri_path, MOUNT, plen) == 0) &&
	    !(script_name != NULL && plen == strlen(script_name) &&
	    strncmp(uri_path, script_name, plen) == 0))
		abort();
	free(rel);
}

static void
check_client_key(const char *remote_addr, const char *xff)
{
	char		 key[GH_IP_KEY_LEN], net[GH_IP_KEY_LEN];
	unsigned char	 a[16];
	size_t		 n;

	memset(key, 'x', sizeof(key));
	gh_ip_client_key(remote_addr, xff, &trusted, key);
	if (memchr(key, '\0', sizeof(key)) == NULL)
		abort();
	if (strcmp(key, "unknown") == 0 || inet_pton(AF_INET, key, a) == 1 ||
	    inet_pton(AF_INET6, key, a) == 1)
		return;
	n = strlen(key);
	if (n < 3 || strcmp(key + n - 3, "/64") != 0)
		abort();
	memcpy(net, key, n - 3);
	net[n - 3] = '\0';
	if (inet_pton(AF_INET6, net, a) != 1)
		abort();
}

static void
check_request(struct gh_io *io)
{
	struct gh_req	req;
	enum gh_err	r;

	memset(&req, 0, sizeof(req));
	r = gh_http_req_init(&req, io);
	check_fields(&req, io, r);
	if (req.uri_path != NULL)
		check_relative(req.uri_path, req.script_name);
	check_client_key(req.remote_addr, req.forwarded_for);
	check_client_key(req.remote_addr, NULL);
	gh_http_req_free(&req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FCGX_Request	 fcgi;
	struct gh_io	 io;
	char		**envp, **saved_environ;
	size_t		 i, start = 0, n = 0;

	if ((envp = calloc(size + 2, sizeof(*envp))) == NULL)
		abort();
	for (i = 0; i <= size; i++)
		if (i == size || data[i] == '\n') {
			envp[n++] = dup_n(data + start, i - start);
			start = i + 1;
		}
	envp[n] = NULL;

	/* FastCGI: the parameters of one FCGX_Request. */
	memset(&fcgi, 0, sizeof(fcgi));
	fcgi.envp = envp;
	io.fcgi = &fcgi;
	check_request(&io);

	/* Plain CGI: the process environment. */
	saved_environ = environ;
	environ = envp;
	io.fcgi = NULL;
	check_request(&io);
	environ = saved_environ;

	for (i = 0; i < n; i++)
		free(envp[i]);
	free(envp);
	return 0;
}
