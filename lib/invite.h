/*
 * Invites (docs/invites.md): a long random code that lets someone join an
 * account, a group, a membership tier, or become the creator's friend.
 * The code is shown once, to its creator; only its SHA-256 is stored. An
 * invite may be bound to an email address (then only a user who proved
 * that address may use it, and it is mailed as a one-time link), may have
 * a number of uses, always has an expiry, and can be revoked.
 */
#ifndef GH_INVITE_H
#define GH_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"
#include "token.h"

struct gh_config;
struct gh_db;

/* The kinds an accepting route takes (a mask). */
enum gh_invite_kind {
	GH_INVITE_ACCOUNT = 1 << 0,
	GH_INVITE_GROUP = 1 << 1,
	GH_INVITE_FRIEND = 1 << 2,
	GH_INVITE_MEMBERSHIP = 1 << 3,
	GH_INVITE_ANY = 0xf,
};

#define GH_INVITE_TARGET_MAX	128	/* a group id, a tier name */
#define GH_INVITE_USES_MAX	10000
#define GH_INVITE_LIVE_MAX	200	/* open invites one user may have */

struct gh_invite {
	char		 id[GH_ID_LEN + 1];
	char		 application_id[GH_ID_LEN + 1];
	char		 type[16];
	char		 creator_id[GH_ID_LEN + 1];
	char		 target_id[GH_INVITE_TARGET_MAX + 1];	/* "" none */
	char		 role[16];				/* "" none */
	char		 email[256];				/* "" none */
	int64_t		 max_uses;	/* 0: no limit */
	int64_t		 uses;
	int64_t		 expires_at;
	int64_t		 revoked_at;	/* 0: not revoked */
	int64_t		 created_at;
};

struct gh_invite_new {
	const char	*application_id;
	const char	*creator_id;
	const char	*type;		/* account, group, friend, membership */
	const char	*target_id;	/* NULL: none (or, membership: mine) */
	const char	*role;		/* account invites; NULL: member */
	const char	*email;		/* NULL: anyone with the code */
	int64_t		 max_uses;	/* 0: no limit */
	int64_t		 expires_in;	/* seconds */
};

/*
 * Inside the caller's write transaction: a new invite, when the creator
 * may invite to its target (an account's owner; invite:create for a tier
 * at or below the creator's own; group:invite for a group; anyone for
 * friend). GH_OK fills code (shown once) and *out. Otherwise *problem
 * names why: GH_EINVAL (invalid_target, invalid_role), GH_EFORBIDDEN
 * (forbidden), GH_ELIMIT (invite_limit).
 */
enum gh_err	 gh_invite_create(struct gh_db *, const struct gh_config *,
		    const struct gh_invite_new *, int64_t now,
		    char code[GH_OPAQUE_LEN + 1], struct gh_invite *out,
		    const char **problem) GH_WUR;
/* The invite a code names in app_id (NULL: any); GH_ENOTFOUND for a code of the wrong
 * form or none (dead invites are found: gh_invite_live() tells). */
enum gh_err	 gh_invite_by_code(struct gh_db *, const char *app_id,
		    const char *code, size_t len, struct gh_invite *) GH_WUR;
enum gh_err	 gh_invite_by_id(struct gh_db *, const char *app_id,
		    const char *id, struct gh_invite *) GH_WUR;
/* NULL while it can be used, else the problem code: invite_revoked,
 * invite_expired, invite_used_up. */
const char	*gh_invite_dead(const struct gh_invite *, int64_t now);
/*
 * Inside the caller's write transaction: user_id uses the invite, whose
 * type must be in kinds. An account invite makes a membership with its
 * role (*membership_id, else ""), a membership invite raises the user's
 * tier; every use is a row of invite_uses. The last use goes to exactly
 * one of two racing users. On failure the caller rolls back; *problem:
 * GH_EGONE (invite_revoked, invite_expired, invite_used_up), GH_EINVAL
 * (invite_wrong_type), GH_EFORBIDDEN (invite_email_mismatch: bound to an
 * address the user has not proven), GH_ECONFLICT (invite_own,
 * invite_already_used, already_member).
 */
enum gh_err	 gh_invite_accept(struct gh_db *, const struct gh_config *,
		    const struct gh_invite *, const char *user_id,
		    unsigned kinds, int64_t now,
		    char membership_id[GH_ID_LEN + 1],
		    const char **problem) GH_WUR;
/* Inside a write transaction: revokes it when user_id made it or owns
 * the account it invites to; GH_ENOTFOUND otherwise (and for none). An
 * invite revoked already stays as it was (GH_OK). */
enum gh_err	 gh_invite_revoke(struct gh_db *, const struct gh_invite *,
		    const char *user_id, int64_t now) GH_WUR;
/* The invites user_id made, newest first, older than before_id ("" from
 * the newest), at most limit: an array of gh_invite_json(). */
enum gh_err	 gh_invite_list(struct gh_db *, const char *user_id,
		    const char *before_id, int64_t limit, int64_t now,
		    json_object **out) GH_WUR;
/* What its creator sees: {id, type, target_id, role, email, max_uses,
 * uses, status, expires_at, revoked_at, created_at}; owned. */
json_object	*gh_invite_json(const struct gh_invite *, int64_t now);
/* What anyone holding the code sees: {code, type, creator, target,
 * expires_at}: the creator's public profile, the target's name (an
 * account's name, a tier and its level, a group's id), nothing else. */
enum gh_err	 gh_invite_preview(struct gh_db *, const struct gh_config *,
		    const struct gh_invite *, const char *code,
		    json_object **out) GH_WUR;
/* The account's name for an account invite ("" otherwise). */
enum gh_err	 gh_invite_target_name(struct gh_db *, const struct gh_invite *,
		    char *name, size_t size) GH_WUR;

/* The most pending invites one answer holds, newest first. */
#define GH_INVITE_PENDING_MAX	50
/*
 * The invites user_id could still accept at now, as the invited see
 * them: addressed to one of their verified email addresses, not revoked,
 * not expired, not used up, not used by them already. An owned array of
 * {id, type, creator (PublicProfile, null when that user is disabled),
 * target_id, role, expires_at, created_at}; never the code.
 */
enum gh_err	 gh_invite_pending(struct gh_db *, const char *user_id,
		    int64_t now, json_object **out) GH_WUR;
/* The link a creator hands on for code: invite_url with {code} filled
 * in (or the code appended), else public_url/v1/invites/{code}. */
void		 gh_invite_url(const struct gh_config *, const char *code,
		    char *out, size_t size);
/* Whether gh_invite_accept() (or a lookup) refused rather than failed:
 * then gh_invite_problem() answers it. */
int		 gh_invite_refusal(enum gh_err, const char *problem);
/* What a refusal's problem code means, in words ("no such invite" for
 * NULL); NULL for a code that is not an invite's. */
const char	*gh_invite_refusal_detail(const char *problem);
/* The problem+json for a refused invite: 404 not_found, 410, 400, 403 or
 * 409 with *problem as its code. */
struct gh_res;
void		 gh_invite_problem(struct gh_res *, enum gh_err,
		    const char *problem);

#endif
