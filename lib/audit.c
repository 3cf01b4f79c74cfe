#include "audit.h"
#include "clock.h"
#include "db.h"
#include "http.h"
#include "id.h"
#include "ip.h"
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
