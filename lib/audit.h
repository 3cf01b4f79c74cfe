/* The action log: every security event (sign-in, failure, token reuse,
 * revocation, profile change) as one row. */
#ifndef GH_AUDIT_H
#define GH_AUDIT_H

#include "err.h"

struct gh_req;

/* Writes inside the caller's transaction when one is open. Any id may be
 * NULL. */
enum gh_err	 gh_audit(struct gh_req *, const char *action,
		    const char *application_id, const char *user_id,
		    const char *session_id) GH_WUR;

#endif
