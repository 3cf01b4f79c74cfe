/* The waitlists a user signs up for, one row per feature key
 * (waitlists.fcgi, docs/waitlists.md). */
#ifndef GH_STORE_WAITLIST_H
#define GH_STORE_WAITLIST_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "id.h"

struct gh_db;

/* A feature key is 1..GH_WAITLIST_KEY_MAX bytes. */
#define GH_WAITLIST_KEY_MAX	64
/* The most waitlists one user is on: the list needs no pages, and nobody
 * fills the table from one account. */
#define GH_WAITLISTS_MAX	100

/* 1 when key is a feature key: [a-z0-9] first, then [a-z0-9._:-], at
 * most GH_WAITLIST_KEY_MAX bytes. */
int		 gh_store_waitlist_key_is_valid(const char *key);
/* The signups of user_id, oldest first, as an owned array of
 * {feature_key, signed_up, waitlist_id, created_at}. */
enum gh_err	 gh_store_waitlist_list(struct gh_db *, const char *user_id,
		    json_object **out) GH_WUR;
/* The id of user_id's signup for key into id; GH_ENOTFOUND when there is
 * none. */
enum gh_err	 gh_store_waitlist_get(struct gh_db *, const char *user_id,
		    const char *key, char id[GH_ID_LEN + 1]) GH_WUR;
/* Inside the caller's transaction: signs user_id up for key, or finds the
 * signup already there; its id into id. GH_ELIMIT when the user is on
 * GH_WAITLISTS_MAX others (nothing changes). */
enum gh_err	 gh_store_waitlist_join(struct gh_db *, const char *user_id,
		    const char *application_id, const char *key, int64_t now,
		    char id[GH_ID_LEN + 1]) GH_WUR;
/* Inside the caller's transaction: ends user_id's signup for key; GH_OK
 * when there was none as well. */
enum gh_err	 gh_store_waitlist_leave(struct gh_db *, const char *user_id,
		    const char *key) GH_WUR;

#endif
