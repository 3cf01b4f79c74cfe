/*
 * /v1/invites (docs/invites.md): make, list, look at, accept and revoke
 * invites; and /v1/membership/redeem-invite, which takes only invites to
 * a membership tier.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "invite.h"
#include "json.h"
#include "mailflow.h"
#include "membership.h"
#include "problem.h"
#include "serve.h"
#include "store_user.h"
#include "str.h"

#define LIST_DEFAULT	50
#define LIST_MAX	100

/* What the email calls the target: "the account "Acme"", ... */
static enum gh_err
target_words(struct gh_db *db, const struct gh_invite *iv, char *out,
    size_t size)
{
	char		 name[256];
	enum gh_err	 er;

	if (strcmp(iv->type, "account") == 0) {
		if ((er = gh_invite_target_name(db, iv, name, sizeof(name))) !=
		    GH_OK)
			return er;
		snprintf(out, size, "the account \"%s\"", name);
	} else if (strcmp(iv->type, "membership") == 0)
		snprintf(out, size, "the \"%s\" membership", iv->target_id);
	else if (strcmp(iv->type, "group") == 0)
		snprintf(out, size, "the group \"%s\"", iv->target_id);
	else
		gh_strlcpy(out, "connect", size);
	return GH_OK;
}

/* Mails the invite's one-time link to its address (in the transaction). */
static enum gh_err
mail_invite(struct gh_req *req, const struct gh_invite *iv, int64_t now)
{
	char	 inviter[GH_USERNAME_MAX + 1], target[400];
	enum gh_err er;

	gh_store_username(req->srv->db, iv->creator_id, inviter);
	if ((er = target_words(req->srv->db, iv, target, sizeof(target))) !=
	    GH_OK)
		return er;
	return gh_mailflow_invite(req, iv->application_id, iv->id, iv->email,
	    inviter, target, iv->expires_at - now);
}

/* A refusal of gh_invite_create as its answer. */
static void
create_refused(struct gh_res *res, enum gh_err er, const char *problem)
{
	struct gh_problem	 p = { NULL };

	if (er == GH_EINVAL) {
		gh_problem_param(&p, "body", strcmp(problem, "invalid_role") ==
		    0 ? "role" : strcmp(problem, "invalid_type") == 0 ? "type" :
		    "target_id", "invalid", strcmp(problem, "invalid_role") ==
		    0 ? "owner, member or viewer, for account invites only" :
		    strcmp(problem, "invalid_type") == 0 ?
		    "account, group, friend or membership" :
		    "an account you own, a tier, or a group id, as the type "
		    "needs", NULL);
		gh_problem_send_invalid(&p, res);
	} else if (er == GH_ENOTFOUND)
		gh_problem(res, 404, "not_found", "no such account");
	else if (er == GH_EFORBIDDEN)
		gh_problem(res, 403, "forbidden", "you may not invite to this");
	else
		gh_problem(res, 409, "invite_limit", "you have "
		    "200 open invites; revoke some first");
}

enum gh_err
invites_create(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "type", GH_JSON_STRING, GH_F_REQUIRED, 1, 16, NULL, NULL },
		{ "target_id", GH_JSON_STRING, GH_F_NULLABLE, 1,
		    GH_INVITE_TARGET_MAX, NULL, NULL },
		{ "role", GH_JSON_STRING, GH_F_NULLABLE, 1, 16, NULL, NULL },
		{ "email", GH_JSON_STRING, GH_F_NULLABLE, 3, 254,
		    gh_check_email, "email" },
		{ "max_uses", GH_JSON_INT, GH_F_NULLABLE, 1,
		    GH_INVITE_USES_MAX, NULL, NULL },
		{ "expires_in", GH_JSON_INT, 0, 60, GH_INVITE_TTL_MAX, NULL,
		    NULL },
	};
	enum { TYPE, TARGET, ROLE, EMAIL, USES, EXPIRES };
	struct gh_db		*db = req->srv->db;
	const struct gh_config	*cfg = &req->srv->cfg;
	struct gh_json_value	 v[sizeof(fields) / sizeof(fields[0])];
	struct gh_invite_new	 in;
	struct gh_invite	 iv;
	const char		*problem = NULL;
	char			 code[GH_OPAQUE_LEN + 1], url[1024];
	int64_t			 now = gh_clock_now(), retry_after;
	json_object		*o;
	enum gh_err		 er;

#define GIVEN(i)	(v[i].present && !v[i].is_null)
	if (!gh_json_take(req, res, fields, sizeof(fields) / sizeof(fields[0]),
	    v))
		return GH_OK;
	memset(&in, 0, sizeof(in));
	in.application_id = req->auth.application_id;
	in.creator_id = req->auth.user_id;
	in.type = v[TYPE].s;
	in.target_id = GIVEN(TARGET) ? v[TARGET].s : NULL;
	in.role = GIVEN(ROLE) ? v[ROLE].s : NULL;
	in.email = GIVEN(EMAIL) ? v[EMAIL].s : NULL;
	/* absent: one use; null: no limit */
	in.max_uses = !v[USES].present ? 1 : v[USES].is_null ? 0 : v[USES].i;
	in.expires_in = v[EXPIRES].present ? v[EXPIRES].i : cfg->invite_ttl;
#undef GIVEN
	/* An invite by email is a message to someone else's address: it
	 * counts as the other mailing routes do, outside the transaction. */
	if (in.email != NULL &&
	    (er = gh_server_address_take(req, in.email, &retry_after)) !=
	    GH_OK) {
		if (er != GH_ELIMIT)
			return er;
		gh_server_too_many(res, retry_after);
		return GH_OK;
	}
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = gh_invite_create(db, cfg, &in, now, code, &iv, &problem);
	if (er != GH_OK) {
		gh_db_rollback(db);
		if (problem == NULL)
			return er;
		create_refused(res, er, problem);
		return GH_OK;
	}
	if ((in.email != NULL && (er = mail_invite(req, &iv, now)) != GH_OK) ||
	    (er = gh_audit(req, "invite_created", iv.application_id,
	    req->auth.user_id, req->auth.session_id)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		gh_db_rollback(db);
		goto out;
	}
	gh_invite_url(cfg, code, url, sizeof(url));
	o = gh_invite_json(&iv, now);
	gh_json_add(o, "code", json_object_new_string(code));
	gh_json_add(o, "url", json_object_new_string(url));
	gh_res_json(res, 201, o);
out:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(url, sizeof(url));
	return er;
}

/* ?limit= as 1..LIST_MAX; 0 when res holds the 400. */
static int64_t
list_limit(struct gh_req *req, struct gh_res *res)
{
	struct gh_problem	 p = { NULL };
	char			*s = gh_req_query(req, "limit"), *end;
	long long		 n = LIST_DEFAULT;

	if (s != NULL) {
		n = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || n < 1 || n > LIST_MAX)
			n = 0;
		free(s);
	}
	if (n == 0) {
		gh_problem_param(&p, "query", "limit", "range", "1..100", NULL);
		gh_problem_send_invalid(&p, res);
	}
	return n;
}

enum gh_err
invites_list(struct gh_req *req, struct gh_res *res)
{
	struct gh_problem	 p = { NULL };
	char			*cursor = gh_req_query(req, "cursor");
	char			 next[128];
	json_object		*data = NULL, *o, *links, *last;
	int64_t			 limit;
	size_t			 n;
	enum gh_err		 er = GH_OK;

	if ((limit = list_limit(req, res)) == 0)
		goto out;
	if (cursor != NULL && !gh_id_is_valid(cursor)) {
		gh_problem_param(&p, "query", "cursor", "format",
		    "the id of the last invite of the page before", NULL);
		gh_problem_send_invalid(&p, res);
		goto out;
	}
	if ((er = gh_invite_list(req->srv->db, req->auth.user_id,
	    cursor != NULL ? cursor : "", limit, gh_clock_now(), &data)) !=
	    GH_OK)
		goto out;
	links = json_object_new_object();
	gh_json_add(links, "self", json_object_new_string("/v1/invites"));
	n = json_object_array_length(data);
	last = n > 0 ? json_object_array_get_idx(data, n - 1) : NULL;
	if ((int64_t)n == limit && last != NULL) {
		snprintf(next, sizeof(next), "/v1/invites?limit=%lld&cursor=%s",
		    (long long)limit, json_object_get_string(
		    json_object_object_get(last, "id")));
		gh_json_add(links, "next", json_object_new_string(next));
	} else
		gh_json_add(links, "next", NULL);
	o = json_object_new_object();
	gh_json_add(o, "data", data);
	gh_json_add(o, "links", links);
	gh_res_json(res, 200, o);
out:
	free(cursor);
	return er;
}

/* The invite of the {code} parameter (or, where allow_id is set, its id,
 * which its creator sees in lists); 0 when res holds the refusal. */
static int
find(struct gh_req *req, struct gh_res *res, const char *app_id,
    int allow_id, struct gh_invite *iv, enum gh_err *er)
{
	const char	*code = gh_req_param(req, "code");

	if (allow_id && gh_id_is_valid(code))
		*er = gh_invite_by_id(req->srv->db, app_id, code, iv);
	else
		*er = gh_invite_by_code(req->srv->db, app_id, code,
		    strlen(code), iv);
	if (*er == GH_ENOTFOUND) {
		gh_invite_problem(res, *er, NULL);
		*er = GH_OK;
		return 0;
	}
	return *er == GH_OK;
}

enum gh_err
invites_preview(struct gh_req *req, struct gh_res *res)
{
	struct gh_invite	 iv;
	const char		*dead;
	json_object		*o;
	enum gh_err		 er;

	/* Only the code (256 bits) finds an invite here: no app, no id. */
	if (!find(req, res, NULL, 0, &iv, &er))
		return er;
	if ((dead = gh_invite_dead(&iv, gh_clock_now())) != NULL) {
		gh_invite_problem(res, GH_EGONE, dead);
		return GH_OK;
	}
	if ((er = gh_invite_preview(req->srv->db, &req->srv->cfg, &iv,
	    gh_req_param(req, "code"), &o)) != GH_OK)
		return er;
	gh_res_json(res, 200, o);
	return GH_OK;
}

/* Uses the {code} invite for the signed-in user: GH_OK with *iv and the
 * new membership committed; otherwise res holds the refusal. */
static enum gh_err
accept_code(struct gh_req *req, struct gh_res *res, const char *code,
    unsigned kinds, struct gh_invite *iv, char membership_id[GH_ID_LEN + 1])
{
	struct gh_db	*db = req->srv->db;
	const char	*problem = NULL;
	enum gh_err	 er;

	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = gh_invite_by_code(db, req->auth.application_id, code,
	    strlen(code), iv);
	if (er == GH_OK)
		er = gh_invite_accept(db, &req->srv->cfg, iv,
		    req->auth.user_id, kinds, gh_clock_now(), membership_id,
		    &problem);
	if (er == GH_OK &&
	    (er = gh_audit(req, "invite_accepted", iv->application_id,
	    req->auth.user_id, req->auth.session_id)) == GH_OK &&
	    (er = gh_db_commit(db)) == GH_OK)
		return GH_OK;
	gh_db_rollback(db);
	if (!gh_invite_refusal(er, problem))
		return er;
	gh_invite_problem(res, er, problem);
	return GH_EINVAL;
}

enum gh_err
invites_accept(struct gh_req *req, struct gh_res *res)
{
	struct gh_invite	 iv;
	char			 membership_id[GH_ID_LEN + 1];
	json_object		*o;
	enum gh_err		 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	er = accept_code(req, res, gh_req_param(req, "code"), GH_INVITE_ANY,
	    &iv, membership_id);
	if (er != GH_OK)
		return res->status != 0 ? GH_OK : er;
	o = json_object_new_object();
	gh_json_add(o, "invite_id", json_object_new_string(iv.id));
	gh_json_add(o, "type", json_object_new_string(iv.type));
	gh_json_add(o, "target_id", iv.target_id[0] != '\0' ?
	    json_object_new_string(iv.target_id) : NULL);
	gh_json_add(o, "role", iv.role[0] != '\0' ?
	    json_object_new_string(iv.role) : NULL);
	gh_json_add(o, "membership_id", membership_id[0] != '\0' ?
	    json_object_new_string(membership_id) : NULL);
	gh_res_json(res, 200, o);
	return GH_OK;
}

enum gh_err
invites_revoke(struct gh_req *req, struct gh_res *res)
{
	struct gh_db		*db = req->srv->db;
	struct gh_invite	 iv;
	enum gh_err		 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if (!find(req, res, req->auth.application_id, 1, &iv, &er))
		goto fail;
	if ((er = gh_invite_revoke(db, &iv, req->auth.user_id,
	    gh_clock_now())) == GH_ENOTFOUND) {
		gh_invite_problem(res, er, NULL);
		er = GH_OK;
		goto fail;
	}
	if (er != GH_OK || (er = gh_audit(req, "invite_revoked",
	    iv.application_id, req->auth.user_id, req->auth.session_id)) !=
	    GH_OK || (er = gh_db_commit(db)) != GH_OK)
		goto fail;
	gh_res_empty(res, 204);
	return GH_OK;
fail:
	gh_db_rollback(db);
	return er;
}

enum gh_err
membership_redeem(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "code", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 1, 512,
		    NULL, NULL },
	};
	struct gh_json_value	 v[1];
	struct gh_invite	 iv;
	struct gh_membership	 m;
	char			 membership_id[GH_ID_LEN + 1];
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, 1, v))
		return GH_OK;
	if ((er = accept_code(req, res, v[0].s, GH_INVITE_MEMBERSHIP, &iv,
	    membership_id)) != GH_OK)
		return res->status != 0 ? GH_OK : er;
	if ((er = gh_membership_of(req->srv->db, &req->srv->cfg,
	    req->auth.user_id, gh_clock_now(), &m)) != GH_OK)
		return er;
	gh_res_json(res, 200, gh_membership_json(&req->srv->cfg, &m));
	return GH_OK;
}
