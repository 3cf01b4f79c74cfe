/*
 * GET /v1/auth/dashboard: the signed-in user's summary in one request
 * (docs/dashboard.md). The route is a read, so every part below comes
 * from one snapshot of the database. A part that a route also serves
 * alone (/me, /v1/sessions, /v1/oauth/accounts, /v1/mfa/totp/status,
 * /v1/membership/me) is read by that route's store call, so the two
 * never tell different stories.
 */
#include "audit.h"
#include "clock.h"
#include "handlers.h"
#include "http.h"
#include "invite.h"
#include "json.h"
#include "membership.h"
#include "mfa.h"
#include "serve.h"
#include "store_identity.h"
#include "store_session.h"
#include "store_user.h"

/* A new reference to member key of o; NULL (JSON null) when absent. */
static json_object *
member(json_object *o, const char *key)
{
	json_object	*v = NULL;

	(void)json_object_object_get_ex(o, key, &v);
	return json_object_get(v);
}

/* The user's part of their SessionProfile: who is signed in. */
static json_object *
user_json(json_object *profile)
{
	json_object	*u = json_object_new_object();

	gh_json_add(u, "id", member(profile, "id"));
	gh_json_add(u, "username", member(profile, "username"));
	gh_json_add(u, "display_name", member(profile, "display_name"));
	gh_json_add(u, "avatar_url", member(profile, "avatar_url"));
	gh_json_add(u, "status", member(profile, "status"));
	return u;
}

static json_object *
sessions_json(int64_t live, const char *current_id)
{
	json_object	*s = json_object_new_object();

	gh_json_add(s, "active", json_object_new_int64(live));
	gh_json_add(s, "current_id", json_object_new_string(current_id));
	return s;
}

enum gh_err
auth_dashboard(struct gh_req *req, struct gh_res *res)
{
	struct gh_server	*srv = req->srv;
	const char		*uid = req->auth.user_id;
	struct gh_membership	 m;
	json_object		*o, *profile = NULL, *part;
	int64_t			 now = gh_clock_now(), live;
	enum gh_err		 er;

	o = json_object_new_object();
	/* The profile's one statement brings the memberships as /me has
	 * them. */
	if ((er = gh_store_user_profile(srv->db, uid, req->auth.membership_id,
	    &profile)) != GH_OK)
		goto out;
	gh_json_add(o, "user", user_json(profile));
	if ((er = gh_store_session_count(srv->db, uid,
	    now - srv->cfg.refresh_ttl, &live)) != GH_OK)
		goto out;
	gh_json_add(o, "sessions", sessions_json(live, req->auth.session_id));
	if ((er = gh_identity_list(srv->db, uid, &part)) != GH_OK)
		goto out;
	gh_json_add(o, "linked_accounts", part);
	if ((er = gh_mfa_status(srv->db, uid, &part)) != GH_OK)
		goto out;
	gh_json_add(o, "mfa", part);
	gh_json_add(o, "memberships", member(profile, "memberships"));
	gh_json_add(o, "active_membership",
	    member(profile, "active_membership"));
	if ((er = gh_membership_of(srv->db, &srv->cfg, uid, now, &m)) != GH_OK)
		goto out;
	gh_json_add(o, "membership", gh_membership_json(&srv->cfg, &m));
	if ((er = gh_invite_pending(srv->db, uid, now, &part)) != GH_OK)
		goto out;
	gh_json_add(o, "pending_invites", part);
	if ((er = gh_audit_recent(srv->db, uid, &part)) != GH_OK)
		goto out;
	gh_json_add(o, "recent_events", part);
	gh_res_json(res, 200, o);
	o = NULL;
out:
	json_object_put(profile);
	json_object_put(o);
	return er;
}
