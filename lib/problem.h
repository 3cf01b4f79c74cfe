/* RFC 7807 problem details: every failure is application/problem+json with
 * type, title, status, code and, where useful, detail and invalid_params. */
#ifndef GH_PROBLEM_H
#define GH_PROBLEM_H

#include <json-c/json.h>

struct gh_res;

struct gh_problem {
	json_object	*invalid_params;	/* array, or NULL while empty */
};

/* Adds one entry of invalid_params; received may be NULL (left out, as for
 * secrets). */
void	gh_problem_param(struct gh_problem *, const char *in, const char *path,
	    const char *type, const char *expected, const char *received);
int	gh_problem_has_params(const struct gh_problem *);
/* Fills res with a 400 validation_failed carrying the collected params
 * (ownership moves to res). */
void	gh_problem_send_invalid(struct gh_problem *, struct gh_res *);
void	gh_problem_free(struct gh_problem *);

/* Fills res with a problem of this status and stable snake_case code;
 * detail may be NULL. The title comes from the code. */
void	gh_problem(struct gh_res *, int status, const char *code,
	    const char *detail);

/* For a browser that navigated here (Accept names text/html): a small
 * HTML page, heading, detail and a link_text link to sign_in_url; for
 * anything else (or no detail) the problem+json. Same status either way.
 * heading and link_text are literals (not escaped). */
struct gh_req;
void	gh_problem_page(struct gh_req *, struct gh_res *, int status,
	    const char *code, const char *detail, const char *heading,
	    const char *link_text);

#endif
