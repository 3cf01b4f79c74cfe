/* auth.fcgi: the signed-in session's own routes (docs/sessions.md). */
#ifndef GH_AUTH_SESSIONS_H
#define GH_AUTH_SESSIONS_H

#include "router.h"

enum gh_err	auth_disconnect(struct gh_req *, struct gh_res *);
enum gh_err	auth_change_password(struct gh_req *, struct gh_res *);

#endif
