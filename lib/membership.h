/*
 * Membership tiers and capabilities (docs/membership.md). The tiers come
 * from configuration (membership_tiers, lowest level first, and
 * membership_tier_<name> = capabilities); a tier has its own capabilities
 * and those of every tier below it. A user without a tier, or whose tier
 * ended or left the configuration, is at the lowest one. Handlers that
 * need a capability ask gh_membership_can().
 */
#ifndef GH_MEMBERSHIP_H
#define GH_MEMBERSHIP_H

#include <stdint.h>

#include <json-c/json.h>

#include "config.h"
#include "err.h"

struct gh_db;

struct gh_membership {
	const struct gh_tier *tier;	/* borrowed from the configuration */
	size_t		 level;		/* the tier's place, 0 the lowest */
	const char	*status;	/* "active", "expired" or "none" */
	int64_t		 expires_at;	/* 0: no end */
};

/* The level of the tier the configuration names name, or -1. */
int		 gh_membership_level(const struct gh_config *, const char *name);
/* The user's membership now. */
enum gh_err	 gh_membership_of(struct gh_db *, const struct gh_config *,
		    const char *user_id, int64_t now,
		    struct gh_membership *) GH_WUR;
/* 1 when the user's tier grants capability, 0 when not, -1 on error. */
int		 gh_membership_can(struct gh_db *, const struct gh_config *,
		    const char *user_id, const char *capability);
/* {status, tier, level, is_member, capabilities, expires_at}; owned. */
json_object	*gh_membership_json(const struct gh_config *,
		    const struct gh_membership *);
/* Inside a transaction: the user's tier from now (NULL or the lowest one:
 * back to the lowest), ending at expires_at (0: no end). GH_EINVAL for a
 * tier the configuration does not name. */
enum gh_err	 gh_membership_set(struct gh_db *, const struct gh_config *,
		    const char *user_id, const char *tier, int64_t now,
		    int64_t expires_at) GH_WUR;

#endif
