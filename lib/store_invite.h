/* Invites as the invited see them (sql/sqlite/0011_invites.sql). */
#ifndef GH_STORE_INVITE_H
#define GH_STORE_INVITE_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

struct gh_db;

/* The most pending invites one answer holds, newest first. */
#define GH_INVITES_PENDING_MAX	50

/*
 * The invites user_id could still accept at now: addressed to one of
 * their verified email addresses, not revoked, not expired, not used up,
 * not used by them already. An owned array of {id, type, creator
 * (PublicProfile, null when that user is disabled), target_id, role,
 * expires_at, created_at}; never the code, whose hash alone is kept.
 */
enum gh_err	 gh_store_invite_pending(struct gh_db *, const char *user_id,
		    int64_t now, json_object **out) GH_WUR;

#endif
