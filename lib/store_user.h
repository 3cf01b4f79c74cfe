/* Users, their emails, passwords and personal accounts. */
#ifndef GH_STORE_USER_H
#define GH_STORE_USER_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"
#include "password.h"

struct gh_db;

#define GH_USERNAME_MAX	32

struct gh_new_user {
	const char	*application_id;
	const char	*email;
	const char	*username;	/* NULL: made from the email */
	const char	*display_name;	/* may be NULL */
	const char	*password_hash;
};

struct gh_login {
	char		 user_id[GH_ID_LEN + 1];
	char		 hash[GH_PASSWORD_HASH_MAX];	/* "" without password */
	int		 active;
};

/* The application's id for a client_id; GH_ENOTFOUND when unknown. */
enum gh_err	 gh_store_app_by_client(struct gh_db *, const char *client_id,
		    char app_id[GH_ID_LEN + 1]) GH_WUR;
/* Inside an open transaction: the user, their email, password and personal
 * account with an owner membership. GH_ECONFLICT with *code set to
 * email_taken or username_taken when either is in use. */
enum gh_err	 gh_store_user_create(struct gh_db *, const struct gh_new_user *,
		    char user_id[GH_ID_LEN + 1],
		    char membership_id[GH_ID_LEN + 1],
		    const char **code) GH_WUR;
/* The account to check a password against; GH_ENOTFOUND when none. by is
 * "email" or "username"; value is compared case-insensitively. */
enum gh_err	 gh_store_user_login(struct gh_db *, const char *app_id,
		    const char *by, const char *value,
		    struct gh_login *) GH_WUR;
/* The membership a new session starts in: the user's first (personal)
 * one; "" when there is none. */
enum gh_err	 gh_store_user_first_membership(struct gh_db *,
		    const char *user_id, char out[GH_ID_LEN + 1]) GH_WUR;
enum gh_err	 gh_store_password_set(struct gh_db *, const char *user_id,
		    const char *hash) GH_WUR;
/* SessionProfile and PublicProfile (DESIGN.md §6); owned. */
enum gh_err	 gh_store_user_profile(struct gh_db *, const char *user_id,
		    const char *active_membership, json_object **) GH_WUR;
enum gh_err	 gh_store_user_public(struct gh_db *, const char *user_id,
		    json_object **) GH_WUR;
/* The PublicProfile of a result row that holds GH_STMT_USER_BY_ID's
 * columns from column base (a join of another statement); NULL when the
 * user is not active, who has no public profile. Owned. */
struct gh_stmt;
json_object	*gh_store_user_public_row(struct gh_stmt *, int base);
/* The fields PATCH /me may change, in the order of the UPDATE. */
enum gh_profile_field {
	GH_P_DISPLAY_NAME,
	GH_P_AVATAR_URL,
	GH_P_USERNAME,
	GH_P_GIVEN_NAME,
	GH_P_FAMILY_NAME,
	GH_P_LOCALE,
	GH_P_TIMEZONE,
	GH_P_LANGUAGE,
	GH_P__MAX
};

struct gh_profile_patch {
	int		 set[GH_P__MAX];
	const char	*value[GH_P__MAX];	/* NULL clears */
};

/* Inside an open transaction: applies the fields that are set. */
enum gh_err	 gh_store_user_update(struct gh_db *, const char *user_id,
		    const struct gh_profile_patch *) GH_WUR;
/* 1 when another user of the application has this username. */
int		 gh_store_username_taken(struct gh_db *, const char *app_id,
		    const char *username, const char *except_user_id);
/* Lower-cases ASCII in place (the form unique keys are compared in). */
void		 gh_store_fold(char *);

/* An email of user_id (email_id NULL: the first): its id, address and
 * whether it is verified. GH_ENOTFOUND when there is none. */
enum gh_err	 gh_store_email_of(struct gh_db *, const char *user_id,
		    const char *email_id, char id[GH_ID_LEN + 1],
		    char email[256], int *verified) GH_WUR;
/* Marks an email verified (once; later calls change nothing). */
enum gh_err	 gh_store_email_verify(struct gh_db *, const char *email_id,
		    int64_t now) GH_WUR;
/* 1 when an account of the application uses email (compared folded),
 * 0 when none does, -1 on error. */
int		 gh_store_email_taken(struct gh_db *, const char *app_id,
		    const char *email);
/* Replaces an address with a confirmed new one: GH_ECONFLICT when an
 * account uses it by now. */
enum gh_err	 gh_store_email_change(struct gh_db *, const char *email_id,
		    const char *email, int64_t now) GH_WUR;
/* Whether the user exists and is active. */
enum gh_err	 gh_store_user_active(struct gh_db *, const char *user_id,
		    int *active) GH_WUR;
/* The user's username, or "" when unknown. */
void		 gh_store_username(struct gh_db *, const char *user_id,
		    char out[GH_USERNAME_MAX + 1]);

#endif
