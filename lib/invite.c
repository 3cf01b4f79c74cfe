#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "invite.h"
#include "json.h"
#include "membership.h"
#include "problem.h"
#include "store_user.h"
#include "str.h"

static const char *const kinds_by_bit[] = {
	"account", "group", "friend", "membership"
};

static unsigned
kind_of(const char *type)
{
	size_t	 i;

	for (i = 0; i < sizeof(kinds_by_bit) / sizeof(kinds_by_bit[0]); i++)
		if (strcmp(type, kinds_by_bit[i]) == 0)
			return 1u << i;
	return 0;
}

static void
read_row(struct gh_stmt *st, struct gh_invite *iv)
{
	const char	*s;

	memset(iv, 0, sizeof(*iv));
	gh_strlcpy(iv->id, gh_stmt_col_text(st, 0), sizeof(iv->id));
	gh_strlcpy(iv->application_id, gh_stmt_col_text(st, 1),
	    sizeof(iv->application_id));
	gh_strlcpy(iv->type, gh_stmt_col_text(st, 2), sizeof(iv->type));
	gh_strlcpy(iv->creator_id, gh_stmt_col_text(st, 3),
	    sizeof(iv->creator_id));
	if ((s = gh_stmt_col_text(st, 4)) != NULL)
		gh_strlcpy(iv->target_id, s, sizeof(iv->target_id));
	if ((s = gh_stmt_col_text(st, 5)) != NULL)
		gh_strlcpy(iv->role, s, sizeof(iv->role));
	if ((s = gh_stmt_col_text(st, 6)) != NULL)
		gh_strlcpy(iv->email, s, sizeof(iv->email));
	iv->max_uses = gh_stmt_col_is_null(st, 7) ? 0 : gh_stmt_col_int(st, 7);
	iv->uses = gh_stmt_col_int(st, 8);
	iv->expires_at = gh_stmt_col_int(st, 9);
	iv->revoked_at = gh_stmt_col_is_null(st, 10) ? 0 :
	    gh_stmt_col_int(st, 10);
	iv->created_at = gh_stmt_col_int(st, 11);
}

/* One invite from a prepared statement: GH_ENOTFOUND when no row. */
static enum gh_err
read_one(struct gh_stmt *st, struct gh_invite *iv)
{
	enum gh_step	 rc;

	if (st == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		read_row(st, iv);
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		return GH_OK;
	return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
}

enum gh_err
gh_invite_by_code(struct gh_db *db, const char *app_id, const char *code,
    size_t len, struct gh_invite *iv)
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];

	if (gh_token_opaque_hash(code, len, hash) != GH_OK)
		return GH_ENOTFOUND;
	return read_one(gh_db_prepare(db, GH_STMT_INVITE_BY_HASH, "bt", hash,
	    sizeof(hash), app_id), iv);
}

enum gh_err
gh_invite_by_id(struct gh_db *db, const char *app_id, const char *id,
    struct gh_invite *iv)
{
	return read_one(gh_db_prepare(db, GH_STMT_INVITE_BY_ID, "tt", id,
	    app_id), iv);
}

const char *
gh_invite_dead(const struct gh_invite *iv, int64_t now)
{
	if (iv->revoked_at != 0)
		return "invite_revoked";
	if (iv->expires_at <= now)
		return "invite_expired";
	if (iv->max_uses != 0 && iv->uses >= iv->max_uses)
		return "invite_used_up";
	return NULL;
}

/* A row's single text column into out ("" for none); GH_ENOTFOUND when
 * there is no row. */
static enum gh_err
one_text(struct gh_stmt *st, char *out, size_t size)
{
	enum gh_step	 rc;
	const char	*s;

	out[0] = '\0';
	if (st == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW &&
	    (s = gh_stmt_col_text(st, 0)) != NULL)
		gh_strlcpy(out, s, size);
	gh_stmt_reset(st);
	if (rc == GH_STEP_ROW)
		return GH_OK;
	return rc == GH_STEP_DONE ? GH_ENOTFOUND : GH_EDB;
}

/* The role of user_id in account_id; "" when not a member. */
static enum gh_err
role_in(struct gh_db *db, const char *account_id, const char *user_id,
    char role[16])
{
	enum gh_err	 er;

	er = one_text(gh_db_prepare(db, GH_STMT_INVITE_ACCOUNT_ROLE, "tt",
	    account_id, user_id), role, 16);
	return er == GH_ENOTFOUND ? GH_OK : er;
}

/* A group's id is the application's own: printable, no spaces. */
static int
group_id_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > GH_INVITE_TARGET_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Whether creator may invite to the target, and the target and role to
 * store (role only for accounts; a membership invite without a target is
 * to the creator's own tier). */
static enum gh_err
may_invite(struct gh_db *db, const struct gh_config *cfg,
    const struct gh_invite_new *in, int64_t now, struct gh_invite *iv,
    const char **problem)
{
	struct gh_membership	 m;
	char			 role[16];
	int			 level, can;
	enum gh_err		 er;

	*problem = "invalid_target";
	if (strcmp(in->type, "account") == 0) {
		if (in->target_id == NULL)
			return GH_EINVAL;
		if ((er = role_in(db, in->target_id, in->creator_id, role)) !=
		    GH_OK)
			return er;
		*problem = "forbidden";
		if (strcmp(role, "owner") != 0)
			return role[0] == '\0' ? GH_ENOTFOUND : GH_EFORBIDDEN;
		*problem = "invalid_role";
		gh_strlcpy(iv->role, in->role != NULL ? in->role : "member",
		    sizeof(iv->role));
		if (strcmp(iv->role, "owner") != 0 &&
		    strcmp(iv->role, "member") != 0 &&
		    strcmp(iv->role, "viewer") != 0)
			return GH_EINVAL;
		gh_strlcpy(iv->target_id, in->target_id, sizeof(iv->target_id));
		return GH_OK;
	}
	*problem = "invalid_role";
	if (in->role != NULL)
		return GH_EINVAL;
	*problem = "invalid_target";
	if (strcmp(in->type, "friend") == 0)
		return in->target_id == NULL ? GH_OK : GH_EINVAL;
	if (strcmp(in->type, "group") == 0) {
		if (in->target_id == NULL || !group_id_ok(in->target_id))
			return GH_EINVAL;
		gh_strlcpy(iv->target_id, in->target_id, sizeof(iv->target_id));
		can = gh_membership_can(db, cfg, in->creator_id, "group:invite");
		*problem = "forbidden";
		return can < 0 ? GH_EDB : can ? GH_OK : GH_EFORBIDDEN;
	}
	/* membership: a tier above the lowest, at most the creator's own */
	if ((er = gh_membership_of(db, cfg, in->creator_id, now, &m)) != GH_OK)
		return er;
	can = gh_membership_can(db, cfg, in->creator_id, "invite:create");
	if (can <= 0) {
		*problem = "forbidden";
		return can < 0 ? GH_EDB : GH_EFORBIDDEN;
	}
	gh_strlcpy(iv->target_id, in->target_id != NULL ? in->target_id :
	    m.tier->name, sizeof(iv->target_id));
	level = gh_membership_level(cfg, iv->target_id);
	if (level <= 0)
		return GH_EINVAL;
	*problem = "forbidden";
	return (size_t)level <= m.level ? GH_OK : GH_EFORBIDDEN;
}

static const char *
or_null(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

enum gh_err
gh_invite_create(struct gh_db *db, const struct gh_config *cfg,
    const struct gh_invite_new *in, int64_t now,
    char code[GH_OPAQUE_LEN + 1], struct gh_invite *iv, const char **problem)
{
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	struct gh_stmt	*st;
	char		*email_norm = NULL, count[24];
	enum gh_err	 er;

	memset(iv, 0, sizeof(*iv));
	code[0] = '\0';
	*problem = "invalid_type";
	if (kind_of(in->type) == 0)
		return GH_EINVAL;
	if ((er = may_invite(db, cfg, in, now, iv, problem)) != GH_OK)
		return er;
	*problem = "invite_limit";
	if ((er = one_text(gh_db_prepare(db, GH_STMT_INVITE_LIVE_COUNT, "ti",
	    in->creator_id, now), count, sizeof(count))) != GH_OK)
		return er;
	if (strtoll(count, NULL, 10) >= GH_INVITE_LIVE_MAX)
		return GH_ELIMIT;
	*problem = NULL;
	gh_id_new(iv->id);
	gh_strlcpy(iv->application_id, in->application_id,
	    sizeof(iv->application_id));
	gh_strlcpy(iv->type, in->type, sizeof(iv->type));
	gh_strlcpy(iv->creator_id, in->creator_id, sizeof(iv->creator_id));
	if (in->email != NULL) {
		gh_strlcpy(iv->email, in->email, sizeof(iv->email));
		if ((email_norm = strdup(in->email)) == NULL)
			return GH_ENOMEM;
		gh_store_fold(email_norm);
	}
	iv->max_uses = in->max_uses;
	iv->expires_at = now + in->expires_in;
	iv->created_at = now;
	if ((er = gh_token_opaque_new(code, hash)) != GH_OK)
		goto out;
	st = gh_db_prepare(db, GH_STMT_INVITE_INSERT, "ttbtttttttii", iv->id,
	    iv->application_id, hash, sizeof(hash), iv->type, iv->creator_id,
	    or_null(iv->target_id), or_null(iv->role), or_null(iv->email),
	    email_norm, NULL, iv->expires_at, now);
	if (st == NULL) {
		er = GH_EDB;
		goto out;
	}
	/* max_uses NULL is "no limit"; bound apart from the text columns */
	if (iv->max_uses != 0 && (er = gh_stmt_int(st, 10, iv->max_uses)) !=
	    GH_OK) {
		gh_stmt_reset(st);
		goto out;
	}
	er = gh_stmt_exec(st);
out:
	free(email_norm);
	if (er != GH_OK)
		sodium_memzero(code, GH_OPAQUE_LEN + 1);
	return er;
}

/* Whether user_id proved (verified) the address the invite is for. */
static enum gh_err
address_proven(struct gh_db *db, const struct gh_invite *iv,
    const char *user_id, int *proven)
{
	char		*norm, one[4];
	enum gh_err	 er;

	*proven = 0;
	if ((norm = strdup(iv->email)) == NULL)
		return GH_ENOMEM;
	gh_store_fold(norm);
	er = one_text(gh_db_prepare(db, GH_STMT_INVITE_EMAIL_PROVEN, "tt",
	    user_id, norm), one, sizeof(one));
	free(norm);
	if (er == GH_OK)
		*proven = 1;
	return er == GH_ENOTFOUND ? GH_OK : er;
}

/* What using it does beyond counting: joins the account, raises the tier. */
static enum gh_err
apply(struct gh_db *db, const struct gh_config *cfg,
    const struct gh_invite *iv, const char *user_id, int64_t now,
    char membership_id[GH_ID_LEN + 1], const char **problem)
{
	struct gh_membership	 m;
	struct gh_stmt		*st;
	char			 role[16];
	int			 level;
	enum gh_err		 er;

	if (strcmp(iv->type, "account") == 0) {
		/* An owner's invite lapses when they are no owner any more:
		 * whoever demoted or removed them need not hunt it down. */
		if ((er = role_in(db, iv->target_id, iv->creator_id, role)) !=
		    GH_OK)
			return er;
		if (strcmp(role, "owner") != 0) {
			*problem = "invite_revoked";
			return GH_EGONE;
		}
		gh_id_new(membership_id);
		st = gh_db_prepare(db, GH_STMT_MEMBERSHIP_INSERT, "tttti",
		    membership_id, iv->target_id, user_id, iv->role, now);
		if (st == NULL)
			return GH_EDB;
		if ((er = gh_stmt_exec(st)) == GH_ECONFLICT)
			*problem = "already_member";
		return er;
	}
	if (strcmp(iv->type, "membership") != 0)
		return GH_OK;
	if ((er = gh_membership_of(db, cfg, user_id, now, &m)) != GH_OK)
		return er;
	/* A tier the configuration dropped since is no use any more. */
	if ((level = gh_membership_level(cfg, iv->target_id)) <= 0) {
		*problem = "invite_expired";
		return GH_EGONE;
	}
	if ((size_t)level <= m.level) {
		*problem = "already_member";
		return GH_ECONFLICT;
	}
	return gh_membership_set(db, cfg, user_id, iv->target_id, now, 0);
}

enum gh_err
gh_invite_accept(struct gh_db *db, const struct gh_config *cfg,
    const struct gh_invite *iv, const char *user_id, unsigned kinds,
    int64_t now, char membership_id[GH_ID_LEN + 1], const char **problem)
{
	struct gh_stmt	*st;
	int		 proven;
	enum gh_err	 er;

	membership_id[0] = '\0';
	if ((*problem = gh_invite_dead(iv, now)) != NULL)
		return GH_EGONE;
	*problem = "invite_wrong_type";
	if ((kind_of(iv->type) & kinds) == 0)
		return GH_EINVAL;
	*problem = "invite_own";
	if (strcmp(iv->creator_id, user_id) == 0)
		return GH_ECONFLICT;
	if (iv->email[0] != '\0') {
		if ((er = address_proven(db, iv, user_id, &proven)) != GH_OK)
			return er;
		*problem = "invite_email_mismatch";
		if (!proven)
			return GH_EFORBIDDEN;
	}
	*problem = "invite_already_used";
	if ((st = gh_db_prepare(db, GH_STMT_INVITE_USE_INSERT, "tti", iv->id,
	    user_id, now)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	*problem = NULL;
	if ((er = apply(db, cfg, iv, user_id, now, membership_id, problem)) !=
	    GH_OK)
		return er;
	/* Counted last: what decides a race for the last use is this one
	 * conditional UPDATE (the write lock makes the two run in turn). */
	if ((st = gh_db_prepare(db, GH_STMT_INVITE_TAKE, "ti", iv->id,
	    now)) == NULL)
		return GH_EDB;
	if ((er = gh_stmt_exec(st)) != GH_OK)
		return er;
	if (gh_db_changes(db) != 1) {
		*problem = "invite_used_up";
		return GH_EGONE;
	}
	return GH_OK;
}

enum gh_err
gh_invite_revoke(struct gh_db *db, const struct gh_invite *iv,
    const char *user_id, int64_t now)
{
	struct gh_stmt	*st;
	char		 role[16];
	enum gh_err	 er;

	if (strcmp(iv->creator_id, user_id) != 0) {
		if (strcmp(iv->type, "account") != 0)
			return GH_ENOTFOUND;
		if ((er = role_in(db, iv->target_id, user_id, role)) != GH_OK)
			return er;
		if (strcmp(role, "owner") != 0)
			return GH_ENOTFOUND;
	}
	st = gh_db_prepare(db, GH_STMT_INVITE_REVOKE, "ti", iv->id, now);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}

static json_object *
time_or_null(int64_t t)
{
	char	 s[GH_RFC3339_LEN + 1];

	if (t == 0)
		return NULL;
	gh_clock_rfc3339(t, s);
	return json_object_new_string(s);
}

static json_object *
text_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

json_object *
gh_invite_json(const struct gh_invite *iv, int64_t now)
{
	json_object	*o = json_object_new_object();
	const char	*dead = gh_invite_dead(iv, now);

	gh_json_add(o, "id", json_object_new_string(iv->id));
	gh_json_add(o, "type", json_object_new_string(iv->type));
	gh_json_add(o, "target_id", text_or_null(iv->target_id));
	gh_json_add(o, "role", text_or_null(iv->role));
	gh_json_add(o, "email", text_or_null(iv->email));
	gh_json_add(o, "max_uses", iv->max_uses != 0 ?
	    json_object_new_int64(iv->max_uses) : NULL);
	gh_json_add(o, "uses", json_object_new_int64(iv->uses));
	/* "active", or what made it unusable without the prefix */
	gh_json_add(o, "status", json_object_new_string(dead == NULL ?
	    "active" : dead + sizeof("invite_") - 1));
	gh_json_add(o, "expires_at", time_or_null(iv->expires_at));
	gh_json_add(o, "revoked_at", time_or_null(iv->revoked_at));
	gh_json_add(o, "created_at", time_or_null(iv->created_at));
	return o;
}

enum gh_err
gh_invite_list(struct gh_db *db, const char *user_id, const char *before_id,
    int64_t limit, int64_t now, json_object **out)
{
	struct gh_invite	 iv;
	struct gh_stmt		*st;
	enum gh_step		 rc;

	*out = NULL;
	/* every UUIDv7 sorts below "~" */
	if ((st = gh_db_prepare(db, GH_STMT_INVITES_OF_CREATOR, "tti",
	    user_id, before_id[0] != '\0' ? before_id : "~", limit)) == NULL)
		return GH_EDB;
	*out = json_object_new_array();
	while ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		read_row(st, &iv);
		json_object_array_add(*out, gh_invite_json(&iv, now));
	}
	gh_stmt_reset(st);
	if (rc != GH_STEP_DONE) {
		json_object_put(*out);
		*out = NULL;
		return GH_EDB;
	}
	return GH_OK;
}

enum gh_err
gh_invite_target_name(struct gh_db *db, const struct gh_invite *iv,
    char *name, size_t size)
{
	enum gh_err	 er;

	name[0] = '\0';
	if (strcmp(iv->type, "account") != 0)
		return GH_OK;
	er = one_text(gh_db_prepare(db, GH_STMT_INVITE_ACCOUNT_NAME, "tt",
	    iv->target_id, iv->application_id), name, size);
	return er == GH_ENOTFOUND ? GH_OK : er;
}

/* The target as anyone holding the code may see it. */
static enum gh_err
target_json(struct gh_db *db, const struct gh_config *cfg,
    const struct gh_invite *iv, json_object **out)
{
	char		 name[256];
	int		 level;
	enum gh_err	 er;

	*out = NULL;
	if (strcmp(iv->type, "friend") == 0)
		return GH_OK;
	*out = json_object_new_object();
	if (strcmp(iv->type, "account") == 0) {
		if ((er = gh_invite_target_name(db, iv, name, sizeof(name))) !=
		    GH_OK)
			return er;
		gh_json_add(*out, "id", json_object_new_string(iv->target_id));
		gh_json_add(*out, "name", json_object_new_string(name));
		gh_json_add(*out, "role", json_object_new_string(iv->role));
	} else if (strcmp(iv->type, "membership") == 0) {
		level = gh_membership_level(cfg, iv->target_id);
		gh_json_add(*out, "tier", json_object_new_string(iv->target_id));
		gh_json_add(*out, "level", level >= 0 ?
		    json_object_new_int(level) : NULL);
	} else
		gh_json_add(*out, "id", json_object_new_string(iv->target_id));
	return GH_OK;
}

enum gh_err
gh_invite_preview(struct gh_db *db, const struct gh_config *cfg,
    const struct gh_invite *iv, const char *code, json_object **out)
{
	json_object	*creator = NULL, *target = NULL;
	enum gh_err	 er;

	*out = NULL;
	if ((er = gh_store_user_public(db, iv->creator_id, &creator)) !=
	    GH_OK || (er = target_json(db, cfg, iv, &target)) != GH_OK) {
		json_object_put(creator);
		json_object_put(target);
		return er;
	}
	*out = json_object_new_object();
	gh_json_add(*out, "code", json_object_new_string(code));
	gh_json_add(*out, "type", json_object_new_string(iv->type));
	gh_json_add(*out, "creator", creator);
	gh_json_add(*out, "target", target);
	gh_json_add(*out, "expires_at", time_or_null(iv->expires_at));
	return GH_OK;
}

const char *
gh_invite_refusal_detail(const char *problem)
{
	static const struct {
		const char	*code;
		const char	*detail;
	} details[] = {
		{ "invite_revoked", "this invite was withdrawn" },
		{ "invite_expired", "this invite has expired" },
		{ "invite_used_up", "this invite has been used as often as it "
		    "may be" },
		{ "invite_wrong_type", "this kind of invite is not taken "
		    "here" },
		{ "invite_email_mismatch", "this invite is for another email "
		    "address: verify that address, or use the link in the "
		    "email" },
		{ "invite_own", "you cannot accept your own invite" },
		{ "invite_already_used", "you have used this invite already" },
		{ "already_member", "you are a member already" },
	};
	size_t	 i;

	if (problem == NULL)
		return "no such invite";
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++)
		if (strcmp(details[i].code, problem) == 0)
			return details[i].detail;
	return NULL;
}

void
gh_invite_problem(struct gh_res *res, enum gh_err er, const char *problem)
{
	if (er == GH_ENOTFOUND || problem == NULL)
		gh_problem(res, 404, "not_found", "no such invite");
	else
		gh_problem(res, gh_err_status(er), problem,
		    gh_invite_refusal_detail(problem));
}

int
gh_invite_refusal(enum gh_err er, const char *problem)
{
	return er == GH_ENOTFOUND || (problem != NULL && (er == GH_EGONE ||
	    er == GH_EINVAL || er == GH_EFORBIDDEN || er == GH_ECONFLICT));
}

/* The link a creator hands on: invite_url with {code} filled in (or the
 * code appended), else the preview route itself. */
void
gh_invite_url(const struct gh_config *cfg, const char *code, char *out,
    size_t size)
{
	const char	*at;

	if (cfg->invite_url[0] == '\0')
		snprintf(out, size, "%s/v1/invites/%s", cfg->public_url, code);
	else if ((at = strstr(cfg->invite_url, "{code}")) != NULL)
		snprintf(out, size, "%.*s%s%s", (int)(at - cfg->invite_url),
		    cfg->invite_url, code, at + sizeof("{code}") - 1);
	else
		snprintf(out, size, "%s%s", cfg->invite_url, code);
}

/* Columns of GH_STMT_INVITES_PENDING; the creator's start at I_CREATOR. */
enum { I_ID, I_TYPE, I_TARGET, I_ROLE, I_EXPIRES, I_CREATED, I_CREATOR };

static json_object *
pending_json(struct gh_stmt *st, const void *unused)
{
	json_object	*o = json_object_new_object();

	(void)unused;
	gh_json_add(o, "id", gh_json_col_text(st, I_ID));
	gh_json_add(o, "type", gh_json_col_text(st, I_TYPE));
	gh_json_add(o, "creator", gh_store_user_public_row(st, I_CREATOR));
	gh_json_add(o, "target_id", gh_json_col_text(st, I_TARGET));
	gh_json_add(o, "role", gh_json_col_text(st, I_ROLE));
	gh_json_add(o, "expires_at", gh_json_col_time(st, I_EXPIRES));
	gh_json_add(o, "created_at", gh_json_col_time(st, I_CREATED));
	return o;
}

enum gh_err
gh_invite_pending(struct gh_db *db, const char *user_id, int64_t now,
    json_object **out)
{
	struct gh_stmt	*st;

	*out = NULL;
	if ((st = gh_db_prepare(db, GH_STMT_INVITES_PENDING, "tii", user_id,
	    now, (int64_t)GH_INVITE_PENDING_MAX)) == NULL)
		return GH_EDB;
	return gh_json_rows(st, pending_json, NULL, out);
}
