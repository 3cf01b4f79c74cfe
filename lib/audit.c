#include "audit.h"
#include "clock.h"
#include "db.h"
#include "http.h"
#include "id.h"
#include "ip.h"
#include "json.h"
#include "serve.h"

enum gh_err
gh_audit_db(struct gh_db *db, const char *action, const char *application_id,
    const char *user_id, const char *session_id, const char *ip,
    const char *user_agent)
{
	struct gh_stmt	*st;
	char		 id[GH_ID_LEN + 1];

	gh_id_new(id);
	st = gh_db_prepare(db, GH_STMT_ACTION_LOG_INSERT, "ttttttti", id,
	    application_id, user_id, session_id, action, ip, user_agent,
	    gh_clock_now());
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

enum gh_err
gh_audit(struct gh_req *req, const char *action, const char *application_id,
    const char *user_id, const char *session_id)
{
	char	 client[GH_IP_KEY_LEN];

	/* Behind a trusted proxy, the address it names. */
	gh_ip_client(req->remote_addr, req->forwarded_for, &req->srv->trusted,
	    client);
	return gh_audit_db(req->srv->db, action, application_id, user_id,
	    session_id, req->remote_addr != NULL ? client : NULL,
	    req->user_agent);
}

static json_object *
event_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "id", gh_json_col_text(st, 0));
	gh_json_add(o, "action", gh_json_col_text(st, 1));
	gh_json_add(o, "ip", gh_json_col_text(st, 2));
	gh_json_add(o, "user_agent", gh_json_col_text(st, 3));
	gh_json_add(o, "created_at", gh_json_col_time(st, 4));
	return o;
}

enum gh_err
gh_audit_recent(struct gh_db *db, const char *user_id, json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_ACTION_LOGS_RECENT, "ti", user_id,
	    (int64_t)GH_AUDIT_RECENT_MAX)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, event_json, NULL, out);
}
