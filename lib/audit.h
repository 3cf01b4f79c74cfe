/* The action log: every security event (sign-in, failure, token reuse,
 * revocation, profile change) as one row. */
#ifndef GH_AUDIT_H
#define GH_AUDIT_H

#include <json-c/json.h>

#include "err.h"

struct gh_db;
struct gh_req;

/* Writes inside the caller's transaction when one is open. Any id may be
 * NULL. */
enum gh_err	 gh_audit(struct gh_req *, const char *action,
		    const char *application_id, const char *user_id,
		    const char *session_id) GH_WUR;

/* The same row from outside a request (the admin command): ip and
 * user_agent may be NULL. */
enum gh_err	 gh_audit_db(struct gh_db *, const char *action,
		    const char *application_id, const char *user_id,
		    const char *session_id, const char *ip,
		    const char *user_agent) GH_WUR;

/* The most a user's recent events hold. */
#define GH_AUDIT_RECENT_MAX	10

/* The newest rows of user_id's own, newest first, at most
 * GH_AUDIT_RECENT_MAX: an owned array of {id, action, ip, user_agent,
 * created_at}. */
enum gh_err	 gh_audit_recent(struct gh_db *, const char *user_id,
		    json_object **out) GH_WUR;

#endif
