/*
 * Requests and responses. The same code serves FastCGI (through the FCGX_*
 * API, never fcgi_stdio.h) and plain CGI (environment and stdio): only
 * http.c knows which. Everything a handler sees is copied out of libfcgi's
 * environment at the start of the request and owned by struct gh_req.
 */
#ifndef GH_HTTP_H
#define GH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

struct gh_server;

#define GH_MAX_PARAMS	4
#define GH_MAX_HEADERS	16

struct gh_auth {
	char		 user_id[40];
	char		 session_id[40];
	char		 application_id[40];
	char		 membership_id[40];	/* active membership, "" if none */
	int64_t		 exp;
	/* The session's presence as read (docs/sessions.md): when it was
	 * last seen, and whether it said it went offline. */
	int64_t		 last_active_at;
	int		 offline;
	/* Filled by the cookie check, which reads them anyway: */
	int		 has_identity;
	char		 username[40];
	char		 email[256];
	char		 role[16];
};

struct gh_req {
	struct gh_server *srv;		/* borrowed; the running program */
	char		 request_id[40];
	char		*method;
	char		*uri_path;	/* path part of REQUEST_URI, as sent */
	char		*script_name;	/* SCRIPT_NAME; NULL when absent */
	char		*path;		/* relative to the program's mount */
	char		*query;		/* "" when absent */
	char		*content_type;	/* NULL when absent */
	char		*authorization;
	char		*user_agent;
	char		*remote_addr;
	char		*forwarded_for;	/* X-Forwarded-For; NULL when absent */
	char		*accept;	/* Accept, cut to 512 bytes */
	char		*cookie;	/* Cookie, cut to 8 KiB */
	char		*origin;
	char		*referer;
	char		*host;
	char		*csrf_token;	/* X-CSRF-Token */
	/* An app naming itself (docs/sessions.md), each cut to 256 bytes: */
	char		*client_name;	/* X-Client-Name */
	char		*client_version;	/* X-Client-Version */
	char		*client_os;	/* X-Client-OS */
	char		*client_os_version;	/* X-Client-OS-Version */
	char		*client_device;	/* X-Client-Device */
	/* The headers named by geo_country_header and geo_region_header,
	 * when configured; cut to 64 bytes. */
	char		*geo_country;
	char		*geo_region;
	int		 https;		/* HTTPS=on from the server */
	char		*body;		/* NUL-terminated; body_len bytes */
	size_t		 body_len;
	int64_t		 content_length; /* 0 when absent or empty */
	json_object	*json;		/* parsed body, owned */
	const char	*param_names[GH_MAX_PARAMS];
	char		*params[GH_MAX_PARAMS]; /* decoded {name} path segments */
	size_t		 nparams;
	struct gh_auth	 auth;		/* filled for authenticated routes */
	int		 authenticated;
	int		 by_cookie;	/* authenticated by the session cookie */
	int		 presence_set;	/* the handler wrote the presence itself */
	double		 started_ms;
};

struct gh_res {
	int		 status;
	const char	*content_type;	/* static string */
	json_object	*json;		/* owned; serialised at the end */
	char		*body;		/* owned raw body, used when json is NULL */
	size_t		 body_len;
	char		*headers[GH_MAX_HEADERS]; /* owned "Name: value" lines */
	size_t		 nheaders;
};

/* Per-request header and parameter reading over FastCGI or CGI. */
struct gh_io;

/* Copies the CGI/1.1 variables of this request into req (RFC 3875).
 * Does not read the body. */
enum gh_err	 gh_http_req_init(struct gh_req *, struct gh_io *) GH_WUR;
/* Reads exactly CONTENT_LENGTH bytes when it is within limit; GH_ETOOBIG
 * without reading when it is over; GH_EINVAL when fewer bytes arrive
 * (FastCGI spec §6.2: abort the update). */
enum gh_err	 gh_http_req_read_body(struct gh_req *, struct gh_io *,
		    size_t limit) GH_WUR;
/* As plain CGI, reads and drops what is left of the body, up to max bytes:
 * under Apache mod_cgid the body and the answer share one socket, and
 * closing it with input unread resets the connection before the answer
 * (a 413, say) reaches the client. FastCGI needs nothing: libfcgi drains. */
void		 gh_http_req_drain(struct gh_req *, struct gh_io *, size_t max);
void		 gh_http_req_free(struct gh_req *);

/* A request parameter from the web server (NULL when absent). Borrowed;
 * valid until the request is finished. */
const char	*gh_io_param(struct gh_io *, const char *name);

/* The value of a path parameter declared as {name} in the route. */
const char	*gh_req_param(const struct gh_req *, const char *name);
/* A query string value, percent-decoded; owned by the caller (free()). */
char		*gh_req_query(const struct gh_req *, const char *name);

/* Response building. Setting a JSON body takes ownership of obj. */
void		 gh_res_json(struct gh_res *, int status, json_object *obj);
void		 gh_res_empty(struct gh_res *, int status);
enum gh_err	 gh_res_header(struct gh_res *, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes status line, headers and body to the web server. */
enum gh_err	 gh_res_send(struct gh_res *, const struct gh_req *,
		    struct gh_io *);
void		 gh_res_free(struct gh_res *);

/* The reason phrase for a status ("Not Found"). */
const char	*gh_http_reason(int status);
/* 1 when the media type (before any ';') is application/json. */
int		 gh_http_is_json_type(const char *content_type);
/* Bounded decimal parse of a CONTENT_LENGTH value (RFC 3875 §4.1.2):
 * NULL or "" is 0 here; anything that is not digits is an error. */
enum gh_err	 gh_http_parse_length(const char *s, int64_t *out) GH_WUR;

#endif
