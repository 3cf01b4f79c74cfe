/* Accounts and their members: the rows behind /v1/accounts
 * (accounts.fcgi, docs/accounts.md). Every user owns a personal account
 * from sign-up (store_user.h); these are the others, and the roles. */
#ifndef GH_STORE_ACCOUNT_H
#define GH_STORE_ACCOUNT_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"

struct gh_db;

/* An account's name: 1..GH_ACCOUNT_NAME_MAX characters once the spaces
 * around it are trimmed. */
#define GH_ACCOUNT_NAME_MAX	100
/* The most accounts one user owns, the personal one included: nobody
 * fills the table from one sign-up. */
#define GH_ACCOUNTS_OWNED_MAX	100
/* Rows in one page of a list. */
#define GH_ACCOUNT_PAGE_MAX	100

/* The roles, most rights first. */
#define GH_ROLE_OWNER	"owner"
#define GH_ROLE_MEMBER	"member"
#define GH_ROLE_VIEWER	"viewer"
#define GH_ROLE_MAX	6	/* bytes of the longest */

/* 1 when role is one of owner, member, viewer. */
int		 gh_store_account_role_is_valid(const char *role);

struct gh_member {
	char		 membership_id[GH_ID_LEN + 1];
	char		 role[GH_ROLE_MAX + 1];
};

/* user_id's membership of account_id into *m; GH_ENOTFOUND when the
 * account is unknown or user_id is not a member (told apart by nobody). */
enum gh_err	 gh_store_account_member(struct gh_db *,
		    const char *account_id, const char *user_id,
		    struct gh_member *m) GH_WUR;

/*
 * The accounts user_id belongs to, in the order joined, after membership
 * id after ("" for the first page), at most limit: an owned array of
 * Account {id, name, avatar_url, personal, role, membership_id,
 * created_at}.
 */
enum gh_err	 gh_store_account_list(struct gh_db *, const char *user_id,
		    const char *after, int64_t limit, json_object **out) GH_WUR;
/* One Account as its member user_id sees it; owned. GH_ENOTFOUND as for
 * gh_store_account_member(). */
enum gh_err	 gh_store_account_get(struct gh_db *, const char *account_id,
		    const char *user_id, json_object **out) GH_WUR;

/* Inside the caller's transaction: a new account of application_id named
 * name (avatar_url may be NULL), and user_id its owner; the ids into
 * account_id and membership_id. GH_ELIMIT when user_id owns
 * GH_ACCOUNTS_OWNED_MAX accounts already (nothing written). */
enum gh_err	 gh_store_account_create(struct gh_db *,
		    const char *application_id, const char *user_id,
		    const char *name, const char *avatar_url, int64_t now,
		    char account_id[GH_ID_LEN + 1],
		    char membership_id[GH_ID_LEN + 1]) GH_WUR;
/* Inside the caller's transaction: name unless NULL, and avatar_url (NULL
 * clears it) when set_avatar. */
enum gh_err	 gh_store_account_update(struct gh_db *,
		    const char *account_id, const char *name, int set_avatar,
		    const char *avatar_url) GH_WUR;

/*
 * The members of account_id in the order they joined, after membership id
 * after ("" for the first page), at most limit; only user_id's when it is
 * not NULL. An owned array of {membership_id, user_id, role, joined_at,
 * user: PublicProfile, null for a disabled user}.
 */
enum gh_err	 gh_store_account_members(struct gh_db *,
		    const char *account_id, const char *after, int64_t limit,
		    const char *user_id, json_object **out) GH_WUR;
/* Inside the caller's transaction: user_id's role in account_id becomes
 * role. GH_ENOTFOUND: not a member. GH_ECONFLICT: that would leave the
 * account without an owner (nothing changes); the check and the change
 * are one statement. */
enum gh_err	 gh_store_account_set_role(struct gh_db *,
		    const char *account_id, const char *user_id,
		    const char *role) GH_WUR;
/* Inside the caller's transaction: ends user_id's membership of
 * account_id; the user's sessions that were in it move to the user's
 * first membership left (or none). GH_ENOTFOUND and GH_ECONFLICT as for
 * gh_store_account_set_role(). */
enum gh_err	 gh_store_account_remove(struct gh_db *,
		    const char *account_id, const char *user_id) GH_WUR;

#endif
