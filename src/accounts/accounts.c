/*
 * /v1/accounts: the accounts a user belongs to, their members and roles,
 * and moving the session between them (DESIGN.md §6, docs/accounts.md).
 * An account the caller is not a member of answers as one that does not
 * exist (404 for both), so an id tells an outsider nothing. Only owners
 * change an account or its members' roles; anyone may leave; an account
 * always keeps an owner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "clock.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "id.h"
#include "json.h"
#include "problem.h"
#include "serve.h"
#include "session.h"
#include "store_account.h"
#include "str.h"

#define MOUNT		"/v1/accounts"
#define NO_ACCOUNT	"no such account"
#define NO_MEMBER	"no such member of this account"
/* A name of GH_ACCOUNT_NAME_MAX characters of up to 4 bytes each. */
#define NAME_BYTES	(GH_ACCOUNT_NAME_MAX * 4 + 1)
/* The longest link: the members of an account, a limit and a cursor. */
#define LINK_MAX	(sizeof(MOUNT "//members?limit=100&cursor=") + \
			    2 * GH_ID_LEN)

/* The refusal er stands for, in res (GH_OK); or er itself when it is a
 * failure (the answer is a 500). missing: the detail of a 404. */
static enum gh_err
refuse(struct gh_res *res, enum gh_err er, const char *missing)
{
	switch (er) {
	case GH_ENOTFOUND:
		gh_problem(res, 404, "not_found", missing);
		return GH_OK;
	case GH_EFORBIDDEN:
		gh_problem(res, 403, "forbidden", "only an owner of the "
		    "account may do this");
		return GH_OK;
	case GH_ECONFLICT:
		gh_problem(res, 409, "last_owner", "an account keeps at least "
		    "one owner: make another member an owner first");
		return GH_OK;
	case GH_ELIMIT:
		gh_problem(res, 409, "account_limit", "you own 100 accounts "
		    "already");
		return GH_OK;
	default:
		return er;
	}
}

/* Ends a handler's write transaction: commits when er is GH_OK and leaves
 * res alone; otherwise rolls back and refuses. The handler goes on when
 * this returns GH_OK and res->status is still 0. */
static enum gh_err
finish(struct gh_db *db, struct gh_res *res, enum gh_err er,
    const char *missing)
{
	if (er == GH_OK && (er = gh_db_commit(db)) == GH_OK)
		return GH_OK;
	gh_db_rollback(db);
	return refuse(res, er, missing);
}

/* The caller's membership of the account in the path into *m.
 * GH_ENOTFOUND for a malformed id, an unknown account and one the caller
 * is not in alike; GH_EFORBIDDEN when owner is set and the caller is not
 * an owner. */
static enum gh_err
caller_in(struct gh_req *req, int owner, struct gh_member *m)
{
	const char	*id = gh_req_param(req, "id");
	enum gh_err	 er;

	if (!gh_id_is_valid(id))
		return GH_ENOTFOUND;
	if ((er = gh_store_account_member(req->srv->db, id, req->auth.user_id,
	    m)) != GH_OK)
		return er;
	if (owner && strcmp(m->role, GH_ROLE_OWNER) != 0)
		return GH_EFORBIDDEN;
	return GH_OK;
}

/* -- lists ------------------------------------------------------------- */

struct page {
	int64_t		 limit;
	/* The membership_id the page starts after; "" on the first. */
	char		 after[GH_ID_LEN + 1];
	int		 asked;	/* a limit or cursor was given */
};

/* ?limit= (1..GH_ACCOUNT_PAGE_MAX, default the most) and ?cursor= (the
 * membership_id the previous page ended with). 1, or 0 when res holds the
 * 400. */
static int
take_page(struct gh_req *req, struct gh_res *res, struct page *pg)
{
	struct gh_problem	 p = { NULL };
	char			*limit = gh_req_query(req, "limit");
	char			*cursor = gh_req_query(req, "cursor");
	char			*end;
	long long		 n;

	memset(pg, 0, sizeof(*pg));
	pg->limit = GH_ACCOUNT_PAGE_MAX;
	if (limit != NULL) {
		pg->asked = 1;
		errno = 0;
		n = strtoll(limit, &end, 10);
		if (limit[0] < '0' || limit[0] > '9' || *end != '\0' ||
		    errno != 0 || n < 1 || n > GH_ACCOUNT_PAGE_MAX)
			gh_problem_param(&p, "query", "limit", "range",
			    "1..100", NULL);
		else
			pg->limit = n;
	}
	if (cursor != NULL) {
		pg->asked = 1;
		if (gh_id_is_valid(cursor))
			memcpy(pg->after, cursor, sizeof(pg->after));
		else
			gh_problem_param(&p, "query", "cursor", "format",
			    "the membership_id of a page's last item", NULL);
	}
	free(limit);
	free(cursor);
	if (!gh_problem_has_params(&p))
		return 1;
	gh_problem_send_invalid(&p, res);
	return 0;
}

/* base, and when told a limit and cursor, as a query; GH_EINVAL when it
 * does not fit in link[LINK_MAX]. */
static enum gh_err
page_link(char link[LINK_MAX], const char *base, int64_t limit,
    const char *cursor)
{
	int	 n;

	if (limit == 0)
		n = snprintf(link, LINK_MAX, "%s", base);
	else
		n = snprintf(link, LINK_MAX, "%s?limit=%lld%s%s", base,
		    (long long)limit, *cursor != '\0' ? "&cursor=" : "",
		    cursor);
	return n < 0 || (size_t)n >= LINK_MAX ? GH_EINVAL : GH_OK;
}

/*
 * 200 {data, links:{self, next}} of one page. data holds up to limit + 1
 * rows, each with a membership_id: a last row past the limit only tells
 * that there is a next page, which starts after the row before it. Takes
 * data.
 */
static enum gh_err
page_answer(struct gh_res *res, json_object *data, const char *base,
    const struct page *pg)
{
	json_object	*o, *l, *last, *id;
	size_t		 n = json_object_array_length(data);
	char		 self[LINK_MAX], next[LINK_MAX];
	enum gh_err	 er;

	if ((er = page_link(self, base, pg->asked ? pg->limit : 0,
	    pg->after)) != GH_OK)
		goto fail;
	next[0] = '\0';
	if (n > (size_t)pg->limit) {
		json_object_array_del_idx(data, (size_t)pg->limit,
		    n - (size_t)pg->limit);
		last = json_object_array_get_idx(data,
		    (size_t)pg->limit - 1);
		if (!json_object_object_get_ex(last, "membership_id", &id) ||
		    (er = page_link(next, base, pg->limit,
		    json_object_get_string(id))) != GH_OK)
			goto fail;
	}
	l = json_object_new_object();
	gh_json_add(l, "self", json_object_new_string(self));
	gh_json_add(l, "next", next[0] != '\0' ?
	    json_object_new_string(next) : NULL);
	o = json_object_new_object();
	gh_json_add(o, "data", data);
	gh_json_add(o, "links", l);
	gh_res_json(res, 200, o);
	return GH_OK;
fail:
	json_object_put(data);
	return er != GH_OK ? er : GH_EDB;
}

enum gh_err
accounts_list(struct gh_req *req, struct gh_res *res)
{
	struct page	 pg;
	json_object	*a;
	enum gh_err	 er;

	if (!take_page(req, res, &pg))
		return GH_OK;
	if ((er = gh_store_account_list(req->srv->db, req->auth.user_id,
	    pg.after, pg.limit + 1, &a)) != GH_OK)
		return er;
	return page_answer(res, a, MOUNT, &pg);
}

enum gh_err
accounts_members(struct gh_req *req, struct gh_res *res)
{
	struct gh_member	 m;
	struct page		 pg;
	json_object		*a;
	const char		*id = gh_req_param(req, "id");
	char			 base[LINK_MAX];
	enum gh_err		 er;

	if (!take_page(req, res, &pg))
		return GH_OK;
	if ((er = caller_in(req, 0, &m)) != GH_OK)
		return refuse(res, er, NO_ACCOUNT);
	if ((size_t)snprintf(base, sizeof(base), MOUNT "/%s/members", id) >=
	    sizeof(base))
		return GH_EINVAL;
	if ((er = gh_store_account_members(req->srv->db, id, pg.after,
	    pg.limit + 1, NULL, &a)) != GH_OK)
		return er;
	return page_answer(res, a, base, &pg);
}

/* -- one account ------------------------------------------------------- */

/* status and the account as the caller sees it. */
static enum gh_err
send_account(struct gh_req *req, struct gh_res *res, int status,
    const char *id)
{
	json_object	*o;
	enum gh_err	 er;

	if ((er = gh_store_account_get(req->srv->db, id, req->auth.user_id,
	    &o)) != GH_OK)
		return refuse(res, er, NO_ACCOUNT);
	gh_res_json(res, status, o);
	return GH_OK;
}

enum gh_err
accounts_get(struct gh_req *req, struct gh_res *res)
{
	const char	*id = gh_req_param(req, "id");

	if (!gh_id_is_valid(id))
		return refuse(res, GH_ENOTFOUND, NO_ACCOUNT);
	return send_account(req, res, 200, id);
}

enum { F_NAME, F_AVATAR, F__MAX };

/* The trimmed name into out when it is 1..GH_ACCOUNT_NAME_MAX characters
 * without control characters (C0, DEL, C1); otherwise an entry in p. */
static void
check_name(const struct gh_json_value *v, char out[NAME_BYTES],
    struct gh_problem *p)
{
	const unsigned char	*s = (const unsigned char *)v->s;
	size_t			 len = v->len, i;
	int64_t			 n;
	char			 got[32];

	for (; len > 0 && s[0] == ' '; s++, len--)
		;
	for (; len > 0 && s[len - 1] == ' '; len--)
		;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 &&
		    i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)) {
			gh_problem_param(p, "body", "name", "format",
			    "text without control characters", NULL);
			return;
		}
	if ((n = gh_json_utf8_count((const char *)s, len)) < 1 ||
	    n > GH_ACCOUNT_NAME_MAX) {
		snprintf(got, sizeof(got), "%lld characters", (long long)n);
		gh_problem_param(p, "body", "name", "length",
		    "1..100 characters", got);
		return;
	}
	memcpy(out, s, len);
	out[len] = '\0';
}

/* The body of POST (create: name required) and PATCH: 1 with v filled and
 * the trimmed name in name; 0 when res holds the 400. */
static int
take_account(struct gh_req *req, struct gh_res *res, int create,
    struct gh_json_value v[F__MAX], char name[NAME_BYTES])
{
	/* The name's length is checked once trimmed; the body limit bounds
	 * it before that. */
#define FIELDS(name_flags) { \
	{ "name", GH_JSON_STRING, (name_flags), 0, INT64_MAX, NULL, NULL }, \
	{ "avatar_url", GH_JSON_STRING, GH_F_NULLABLE, 10, 2048, \
	    gh_check_url, "url" } }
	static const struct gh_json_field create_fields[F__MAX] =
	    FIELDS(GH_F_REQUIRED), patch_fields[F__MAX] = FIELDS(0);
#undef FIELDS
	struct gh_problem	 p = { NULL };

	name[0] = '\0';
	if (gh_json_fields(req->json, create ? create_fields : patch_fields,
	    F__MAX, v, &p) == GH_OK && !v[F_NAME].present)
		return 1;
	if (v[F_NAME].s != NULL)
		check_name(&v[F_NAME], name, &p);
	if (!gh_problem_has_params(&p))
		return 1;
	gh_problem_send_invalid(&p, res);
	return 0;
}

enum gh_err
accounts_create(struct gh_req *req, struct gh_res *res)
{
	struct gh_db		*db = req->srv->db;
	struct gh_json_value	 v[F__MAX];
	char			 name[NAME_BYTES];
	char			 id[GH_ID_LEN + 1];
	char			 membership[GH_ID_LEN + 1];
	enum gh_err		 er;

	if (!take_account(req, res, 1, v, name))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	er = gh_store_account_create(db, req->auth.application_id,
	    req->auth.user_id, name, v[F_AVATAR].is_null ? NULL :
	    v[F_AVATAR].s, gh_clock_now(), id, membership);
	if (er == GH_OK)
		er = gh_audit(req, "account_created", req->auth.application_id,
		    req->auth.user_id, req->auth.session_id);
	if ((er = finish(db, res, er, NO_ACCOUNT)) != GH_OK || res->status)
		return er;
	if ((er = send_account(req, res, 201, id)) != GH_OK ||
	    res->status != 201)
		return er;
	return gh_res_header(res, "Location", MOUNT "/%s", id);
}

enum gh_err
accounts_patch(struct gh_req *req, struct gh_res *res)
{
	struct gh_db		*db = req->srv->db;
	struct gh_json_value	 v[F__MAX];
	struct gh_member	 m;
	const char		*id = gh_req_param(req, "id");
	char			 name[NAME_BYTES];
	enum gh_err		 er;

	if (!take_account(req, res, 0, v, name))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	/* An empty patch changes nothing and is not logged. */
	if ((er = caller_in(req, 1, &m)) == GH_OK &&
	    (v[F_NAME].present || v[F_AVATAR].present) &&
	    (er = gh_store_account_update(db, id, v[F_NAME].present ? name :
	    NULL, v[F_AVATAR].present, v[F_AVATAR].is_null ? NULL :
	    v[F_AVATAR].s)) == GH_OK)
		er = gh_audit(req, "account_updated", req->auth.application_id,
		    req->auth.user_id, req->auth.session_id);
	if ((er = finish(db, res, er, NO_ACCOUNT)) != GH_OK || res->status)
		return er;
	return send_account(req, res, 200, id);
}

/* -- members ----------------------------------------------------------- */

static int
check_role(const char *s, size_t len)
{
	(void)len;
	return gh_store_account_role_is_valid(s);
}

enum gh_err
accounts_member_patch(struct gh_req *req, struct gh_res *res)
{
	static const struct gh_json_field fields[] = {
		{ "role", GH_JSON_STRING, GH_F_REQUIRED, 1, GH_ROLE_MAX,
		    check_role, "owner, member or viewer" },
	};
	struct gh_db		*db = req->srv->db;
	struct gh_json_value	 v[1];
	struct gh_member	 m;
	json_object		*a;
	const char		*id = gh_req_param(req, "id");
	const char		*user = gh_req_param(req, "user_id");
	enum gh_err		 er;

	if (!gh_json_take(req, res, fields, 1, v))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = caller_in(req, 1, &m)) != GH_OK)
		return finish(db, res, er, NO_ACCOUNT);
	er = gh_id_is_valid(user) ? gh_store_account_set_role(db, id, user,
	    v[0].s) : GH_ENOTFOUND;
	if (er == GH_OK)
		er = gh_audit(req, "member_role_changed",
		    req->auth.application_id, req->auth.user_id,
		    req->auth.session_id);
	if ((er = finish(db, res, er, NO_MEMBER)) != GH_OK || res->status)
		return er;
	if ((er = gh_store_account_members(db, id, "", 1, user, &a)) != GH_OK)
		return er;
	if (json_object_array_length(a) == 1)
		gh_res_json(res, 200,
		    json_object_get(json_object_array_get_idx(a, 0)));
	else	/* removed since the commit */
		er = refuse(res, GH_ENOTFOUND, NO_MEMBER);
	json_object_put(a);
	return er;
}

/* An owner removes anyone; anyone removes themselves (leaves). */
enum gh_err
accounts_member_delete(struct gh_req *req, struct gh_res *res)
{
	struct gh_db		*db = req->srv->db;
	struct gh_member	 m;
	const char		*id = gh_req_param(req, "id");
	const char		*user = gh_req_param(req, "user_id");
	int			 self = strcmp(user, req->auth.user_id) == 0;
	enum gh_err		 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = caller_in(req, !self, &m)) != GH_OK)
		return finish(db, res, er, NO_ACCOUNT);
	er = gh_id_is_valid(user) ? gh_store_account_remove(db, id, user) :
	    GH_ENOTFOUND;
	if (er == GH_OK)
		er = gh_audit(req, self ? "account_left" : "member_removed",
		    req->auth.application_id, req->auth.user_id,
		    req->auth.session_id);
	if ((er = finish(db, res, er, NO_MEMBER)) != GH_OK || res->status)
		return er;
	gh_res_empty(res, 204);
	return GH_OK;
}

/* -- switching --------------------------------------------------------- */

/*
 * The session moves into the caller's membership of the account: an
 * AuthenticationResult with fresh tokens whose claims name it, or, for a
 * browser in cookie mode, {csrf_token, profile} with the same cookie,
 * which now carries the new membership.
 */
enum gh_err
accounts_switch(struct gh_req *req, struct gh_res *res)
{
	struct gh_db		*db = req->srv->db;
	struct gh_signed_in	 si;
	struct gh_member	 m;
	enum gh_err		 er;

	if (!gh_json_take(req, res, NULL, 0, NULL))
		return GH_OK;
	memset(&si, 0, sizeof(si));
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		return er;
	if ((er = caller_in(req, 0, &m)) == GH_OK &&
	    (er = gh_session_switch(req, m.membership_id, req->by_cookie ?
	    NULL : &si.tokens)) == GH_OK)
		er = gh_audit(req, "account_switched",
		    req->auth.application_id, req->auth.user_id,
		    req->auth.session_id);
	if ((er = finish(db, res, er, NO_ACCOUNT)) == GH_OK &&
	    res->status == 0) {
		gh_strlcpy(si.user_id, req->auth.user_id, sizeof(si.user_id));
		gh_strlcpy(si.membership_id, m.membership_id,
		    sizeof(si.membership_id));
		gh_strlcpy(si.session_id, req->auth.session_id,
		    sizeof(si.session_id));
		si.cookie_kept = req->by_cookie;
		er = gh_account_answer(req, res, 200, &si);
	}
	gh_signed_in_free(&si);
	return er;
}
