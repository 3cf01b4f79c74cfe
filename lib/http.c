#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"
#include "http_io.h"
#include "json.h"
#include "serve.h"
#include "url.h"

const char *
gh_io_param(struct gh_io *io, const char *name)
{
	if (io->fcgi != NULL)
		return FCGX_GetParam(name, io->fcgi->envp);
	return getenv(name);
}

static int
io_read(struct gh_io *io, char *buf, size_t len)
{
	if (io->fcgi != NULL)
		return FCGX_GetStr(buf, (int)len, io->fcgi->in);
	return (int)fread(buf, 1, len, stdin);
}

static int
io_write(struct gh_io *io, const char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (io->fcgi != NULL)
		return FCGX_PutStr(buf, (int)len, io->fcgi->out) == (int)len ?
		    0 : -1;
	return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
}

enum gh_err
gh_http_parse_length(const char *s, int64_t *out)
{
	int64_t	 v = 0;

	*out = 0;
	if (s == NULL || *s == '\0')
		return GH_OK;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return GH_EINVAL;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return GH_OK;
}

static int
id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A request id: the caller's X-Request-Id when it is tame, else this
 * process's random prefix and a counter (unique, and no system call per
 * request as random bytes would cost). */
static void
request_id(struct gh_req *req, const char *in)
{
	static char		 prefix[13];
	static uint64_t		 counter;
	unsigned char		 rnd[6];
	uint64_t		 n;
	size_t			 i;

	if (in != NULL && *in != '\0' && strlen(in) < sizeof(req->request_id)) {
		for (i = 0; in[i] != '\0' && id_char(in[i]); i++)
			;
		if (in[i] == '\0') {
			memcpy(req->request_id, in, i + 1);
			return;
		}
	}
	if (prefix[0] == '\0') {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(prefix, sizeof(prefix), rnd, sizeof(rnd));
	}
	n = ++counter;
	memcpy(req->request_id, prefix, 12);
	for (i = 24; i > 12; i--, n >>= 4)	/* 12 hex digits, no printf */
		req->request_id[i - 1] = "0123456789abcdef"[n & 0xf];
	req->request_id[24] = '\0';
}

/* The CGI/1.1 variables a request is built from (RFC 3875 §4.1). */
enum var {
	V_METHOD, V_URI, V_SCRIPT, V_PATH_INFO, V_QUERY, V_CONTENT_TYPE,
	V_CONTENT_LENGTH, V_AUTHORIZATION, V_REDIRECT_AUTHORIZATION,
	V_USER_AGENT, V_REMOTE_ADDR, V_REQUEST_ID, V_ACCEPT, V_COOKIE, V_ORIGIN,
	V_REFERER, V_HOST, V_CSRF, V_HTTPS, V_FORWARDED_FOR, V_CLIENT_NAME,
	V_CLIENT_VERSION, V_CLIENT_OS, V_CLIENT_OS_VERSION, V_CLIENT_DEVICE,
	V__MAX
};

static const char *const var_names[V__MAX] = {
	"REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME", "PATH_INFO",
	"QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_AUTHORIZATION",
	"REDIRECT_HTTP_AUTHORIZATION", "HTTP_USER_AGENT", "REMOTE_ADDR",
	"HTTP_X_REQUEST_ID", "HTTP_ACCEPT", "HTTP_COOKIE", "HTTP_ORIGIN",
	"HTTP_REFERER", "HTTP_HOST", "HTTP_X_CSRF_TOKEN", "HTTPS",
	"HTTP_X_FORWARDED_FOR", "HTTP_X_CLIENT_NAME", "HTTP_X_CLIENT_VERSION",
	"HTTP_X_CLIENT_OS", "HTTP_X_CLIENT_OS_VERSION", "HTTP_X_CLIENT_DEVICE",
};

/* One pass over the environment instead of a lookup (a scan) per name;
 * each variable is compared only with the names of its length. */
static void
read_vars(struct gh_io *io, const char *v[V__MAX])
{
	static signed char	 by_len[32], next[V__MAX], ready;
	char			**env = io->fcgi != NULL ? io->fcgi->envp : environ;
	const char		*eq;
	size_t			 n;
	int			 i;

	if (!ready) {
		memset(by_len, -1, sizeof(by_len));
		for (i = V__MAX - 1; i >= 0; i--) {
			n = strlen(var_names[i]);	/* all under 32 */
			next[i] = by_len[n];
			by_len[n] = (signed char)i;
		}
		ready = 1;
	}
	memset(v, 0, V__MAX * sizeof(v[0]));
	for (; env != NULL && *env != NULL; env++) {
		if ((eq = strchr(*env, '=')) == NULL ||
		    (n = (size_t)(eq - *env)) >= sizeof(by_len))
			continue;
		for (i = by_len[n]; i >= 0; i = next[i])
			if (v[i] == NULL && memcmp(*env, var_names[i], n) == 0) {
				v[i] = eq + 1;
				break;
			}
	}
}

/* The request header name as the web server passes it (RFC 3875 §4.1.18:
 * "HTTP_" and the name in upper case, '-' as '_'); NULL for "" (off). */
static const char *
header_param(struct gh_io *io, const char *name)
{
	char	 var[80] = "HTTP_";
	size_t	 i;

	if (name[0] == '\0' || strlen(name) >= sizeof(var) - 5)
		return NULL;
	for (i = 0; name[i] != '\0'; i++)
		var[5 + i] = name[i] == '-' ? '_' : (name[i] >= 'a' &&
		    name[i] <= 'z' ? (char)(name[i] - 'a' + 'A') : name[i]);
	var[5 + i] = '\0';
	return gh_io_param(io, var);
}

/* A copy cut to max bytes (header values are attacker-sized; we never
 * need more than this of them). */
static char *
dup_var(const char *v, size_t max)
{
	return v != NULL ? strndup(v, max) : NULL;
}

enum gh_err
gh_http_req_init(struct gh_req *req, struct gh_io *io)
{
	const char	*v[V__MAX], *q;
	size_t		 plen;

	read_vars(io, v);
	request_id(req, v[V_REQUEST_ID]);
	req->method = strndup(v[V_METHOD] != NULL ? v[V_METHOD] : "GET", 16);
	if (v[V_URI] != NULL) {
		q = strchr(v[V_URI], '?');
		plen = q != NULL ? (size_t)(q - v[V_URI]) : strlen(v[V_URI]);
		req->uri_path = strndup(v[V_URI], plen < 4096 ? plen : 4096);
		req->query = strndup(q != NULL ? q + 1 : "", 8192);
	} else {	/* RFC 3875 servers need not send REQUEST_URI */
		if (asprintf(&req->uri_path, "%.2048s%.2048s",
		    v[V_SCRIPT] != NULL ? v[V_SCRIPT] : "",
		    v[V_PATH_INFO] != NULL ? v[V_PATH_INFO] : "") < 0)
			req->uri_path = NULL;
		req->query = strndup(v[V_QUERY] != NULL ? v[V_QUERY] : "", 8192);
	}
	req->script_name = dup_var(v[V_SCRIPT], 1024);
	req->content_type = dup_var(v[V_CONTENT_TYPE], 256);
	req->authorization = dup_var(v[V_AUTHORIZATION] != NULL ?
	    v[V_AUTHORIZATION] : v[V_REDIRECT_AUTHORIZATION], 8192);
	req->user_agent = dup_var(v[V_USER_AGENT], 512);
	req->remote_addr = dup_var(v[V_REMOTE_ADDR], 64);
	req->forwarded_for = dup_var(v[V_FORWARDED_FOR], 2048);
	req->accept = dup_var(v[V_ACCEPT], 512);
	/* A longer Cookie header is cut, and a session cookie cut in two
	 * then fails like any other bad cookie. */
	req->cookie = dup_var(v[V_COOKIE], 8192);
	req->origin = dup_var(v[V_ORIGIN], 512);
	req->referer = dup_var(v[V_REFERER], 2048);
	req->host = dup_var(v[V_HOST], 256);
	req->csrf_token = dup_var(v[V_CSRF], 256);
	req->https = v[V_HTTPS] != NULL && strcasecmp(v[V_HTTPS], "on") == 0;
	req->client_name = dup_var(v[V_CLIENT_NAME], 256);
	req->client_version = dup_var(v[V_CLIENT_VERSION], 256);
	req->client_os = dup_var(v[V_CLIENT_OS], 256);
	req->client_os_version = dup_var(v[V_CLIENT_OS_VERSION], 256);
	req->client_device = dup_var(v[V_CLIENT_DEVICE], 256);
	if (req->srv != NULL) {
		req->geo_country = dup_var(header_param(io,
		    req->srv->cfg.geo_country_header), 64);
		req->geo_region = dup_var(header_param(io,
		    req->srv->cfg.geo_region_header), 64);
	}
	if (req->method == NULL || req->uri_path == NULL || req->query == NULL)
		return GH_ENOMEM;
	if (gh_http_parse_length(v[V_CONTENT_LENGTH], &req->content_length) !=
	    GH_OK)
		return GH_EINVAL;
	return GH_OK;
}

enum gh_err
gh_http_req_read_body(struct gh_req *req, struct gh_io *io, size_t limit)
{
	size_t	 want = (size_t)req->content_length, got = 0;
	int	 n;

	if (req->content_length > (int64_t)limit)
		return GH_ETOOBIG;
	if ((req->body = malloc(want + 1)) == NULL)
		return GH_ENOMEM;
	while (got < want) {
		n = io_read(io, req->body + got,
		    want - got < 65536 ? want - got : 65536);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	return got == want ? GH_OK : GH_EINVAL;
}

void
gh_http_req_drain(struct gh_req *req, struct gh_io *io, size_t max)
{
	char	 buf[8192];
	size_t	 left;
	int	 n;

	if (io->fcgi != NULL || req->content_length <= (int64_t)req->body_len)
		return;
	left = (size_t)req->content_length - req->body_len;
	if (left > max)
		left = max;
	while (left > 0 && (n = io_read(io, buf, left < sizeof(buf) ?
	    left : sizeof(buf))) > 0)
		left -= (size_t)n;
}

void
gh_http_req_free(struct gh_req *req)
{
	size_t	 i;

	free(req->method);
	free(req->uri_path);
	free(req->script_name);
	free(req->path);
	free(req->query);
	free(req->content_type);
	if (req->authorization != NULL) {
		sodium_memzero(req->authorization, strlen(req->authorization));
		free(req->authorization);
	}
	free(req->user_agent);
	free(req->remote_addr);
	free(req->forwarded_for);
	free(req->accept);
	if (req->cookie != NULL) {
		sodium_memzero(req->cookie, strlen(req->cookie));
		free(req->cookie);
	}
	free(req->origin);
	free(req->referer);
	free(req->host);
	free(req->csrf_token);
	free(req->client_name);
	free(req->client_version);
	free(req->client_os);
	free(req->client_os_version);
	free(req->client_device);
	free(req->geo_country);
	free(req->geo_region);
	if (req->body != NULL) {	/* may hold a password */
		sodium_memzero(req->body, req->body_len);
		free(req->body);
	}
	if (req->json != NULL)
		json_object_put(req->json);
	for (i = 0; i < req->nparams; i++)
		free(req->params[i]);
	memset(req, 0, sizeof(*req));
}

const char *
gh_req_param(const struct gh_req *req, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < req->nparams; i++)
		if (strncmp(req->param_names[i], name, n) == 0 &&
		    req->param_names[i][n] == '}')
			return req->params[i];
	return NULL;
}

char *
gh_req_query(const struct gh_req *req, const char *name)
{
	const char	*p = req->query, *end;
	size_t		 n = strlen(name);

	while (p != NULL && *p != '\0') {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=')
			return gh_url_decode(p + n + 1, (size_t)(end - p) - n - 1,
			    GH_URL_PLUS_SPACE);
		p = *end == '&' ? end + 1 : end;
	}
	return NULL;
}

void
gh_res_json(struct gh_res *res, int status, json_object *obj)
{
	if (res->json != NULL)
		json_object_put(res->json);
	res->status = status;
	res->json = obj;
	res->content_type = "application/json";
}

void
gh_res_empty(struct gh_res *res, int status)
{
	if (res->json != NULL)
		json_object_put(res->json);
	res->json = NULL;
	res->status = status;
	res->content_type = NULL;
}

/* Appends s to buf[cap] at *off; -1 (and nothing written) when it does
 * not fit with room for a final NUL. */
static int
put(char *buf, size_t cap, size_t *off, const char *s)
{
	size_t	 n = strlen(s);

	if (n >= cap - *off)
		return -1;
	memcpy(buf + *off, s, n + 1);
	*off += n;
	return 0;
}

enum gh_err
gh_res_header(struct gh_res *res, const char *name, const char *fmt, ...)
{
	char	 line[1280];
	size_t	 off = 0;
	va_list	 ap;
	int	 vn = 0;

	if (res->nheaders == GH_MAX_HEADERS || strlen(name) + 3 > 256)
		return GH_ENOMEM;
	(void)put(line, sizeof(line), &off, name);
	(void)put(line, sizeof(line), &off, ": ");
	va_start(ap, fmt);
	/* Most values are one string: skip vsnprintf, the costliest part of
	 * the authorizer's answer. */
	if (strcmp(fmt, "%s") == 0)
		vn = put(line, sizeof(line), &off, va_arg(ap, const char *));
	else if ((vn = vsnprintf(line + off, sizeof(line) - off, fmt,
	    ap)) >= 0 && (size_t)vn >= sizeof(line) - off)
		vn = -1;
	va_end(ap);
	if (vn < 0 || strpbrk(line + strlen(name) + 2, "\r\n") != NULL)
		return GH_EINVAL;	/* never split a header */
	if ((res->headers[res->nheaders] = strdup(line)) == NULL)
		return GH_ENOMEM;
	res->nheaders++;
	return GH_OK;
}

static int
has_header(const struct gh_res *res, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < res->nheaders; i++)
		if (strncasecmp(res->headers[i], name, n) == 0 &&
		    res->headers[i][n] == ':')
			return 1;
	return 0;
}

enum gh_err
gh_res_send(struct gh_res *res, const struct gh_req *req, struct gh_io *io)
{
	char		 head[8192], status[5];
	const char	*body = res->body;
	size_t		 blen = res->body_len, i, off = 0;

	if (res->json != NULL)
		body = gh_json_string(res->json, &blen);
	if (res->status < 100 || res->status > 999)
		return GH_EINVAL;
	status[0] = (char)('0' + res->status / 100);
	status[1] = (char)('0' + res->status / 10 % 10);
	status[2] = (char)('0' + res->status % 10);
	memcpy(status + 3, " ", 2);
	if (put(head, sizeof(head), &off, "Status: ") ||
	    put(head, sizeof(head), &off, status) ||
	    put(head, sizeof(head), &off, gh_http_reason(res->status)) ||
	    put(head, sizeof(head), &off, "\r\nX-Request-Id: ") ||
	    put(head, sizeof(head), &off, req->request_id) ||
	    put(head, sizeof(head), &off,
	    "\r\nX-Content-Type-Options: nosniff\r\n"))
		return GH_ENOMEM;
	if (res->content_type != NULL && body != NULL &&
	    (put(head, sizeof(head), &off, "Content-Type: ") ||
	    put(head, sizeof(head), &off, res->content_type) ||
	    put(head, sizeof(head), &off, "\r\n")))
		return GH_ENOMEM;
	/* Safe defaults a handler may override (docs/security.md): nothing
	 * is stored by caches, framed, or given a Referer; an answer that is
	 * not a page of ours may not run or load anything. */
	if ((!has_header(res, "Cache-Control") &&
	    put(head, sizeof(head), &off, "Cache-Control: no-store\r\n")) ||
	    (!has_header(res, "Content-Security-Policy") &&
	    put(head, sizeof(head), &off, "Content-Security-Policy: "
	    "default-src 'none'; frame-ancestors 'none'\r\n")) ||
	    (!has_header(res, "X-Frame-Options") &&
	    put(head, sizeof(head), &off, "X-Frame-Options: DENY\r\n")) ||
	    (!has_header(res, "Referrer-Policy") &&
	    put(head, sizeof(head), &off, "Referrer-Policy: no-referrer\r\n")))
		return GH_ENOMEM;
	for (i = 0; i < res->nheaders; i++)
		if (put(head, sizeof(head), &off, res->headers[i]) ||
		    put(head, sizeof(head), &off, "\r\n"))
			return GH_ENOMEM;
	if (put(head, sizeof(head), &off, "\r\n"))
		return GH_ENOMEM;
	if (io_write(io, head, off) != 0 ||
	    (body != NULL && io_write(io, body, blen) != 0))
		return GH_EIO;
	return GH_OK;
}

void
gh_res_free(struct gh_res *res)
{
	size_t	 i;

	if (res->json != NULL)
		json_object_put(res->json);
	free(res->body);
	for (i = 0; i < res->nheaders; i++)
		free(res->headers[i]);
	memset(res, 0, sizeof(*res));
}

const char *
gh_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

int
gh_http_is_json_type(const char *ct)
{
	size_t	 n = strlen("application/json");

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}
