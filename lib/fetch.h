/*
 * Outgoing HTTP through libcurl, for the few places the server asks
 * another one (breached passwords, OAuth providers): http and https only,
 * no redirects followed, a time limit and a bound on the answer's size.
 */
#ifndef GH_FETCH_H
#define GH_FETCH_H

#include <stddef.h>

#include "err.h"

struct gh_fetch {
	const char	*what;		/* names it in the log (never the URL) */
	const char	*url;
	const char	*form;		/* POST body, form-encoded; NULL: GET */
	const char	*bearer;	/* Authorization: Bearer <this> */
	const char	*basic_user;	/* HTTP Basic, both sent as given */
	const char	*basic_password;
	const char	*headers[3];	/* more "Name: value" lines, or NULL */
	long		 timeout_ms;
	size_t		 max;		/* the largest answer body taken */
};

struct gh_fetched {
	long		 status;
	char		*body;		/* NUL-terminated; len bytes */
	size_t		 len;
};

/* GH_OK with the answer (any status); GH_EIO when there was none in time,
 * it was larger than max, or the connection failed (logged, naming what). */
enum gh_err	 gh_fetch(const struct gh_fetch *, struct gh_fetched *) GH_WUR;
void		 gh_fetched_free(struct gh_fetched *);

#endif
