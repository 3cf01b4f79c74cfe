/*
 * Known devices: a browser that has signed in to an account gets a device
 * cookie (an opaque token; only its SHA-256 is stored). Sign-in backoff
 * (backoff.h) lets a known device of the account through a lock, so
 * someone guessing the password cannot lock the owner out.
 */
#ifndef GH_DEVICE_H
#define GH_DEVICE_H

#include <stdint.h>

#include "err.h"
#include "token.h"

struct gh_config;
struct gh_db;

/* 1 when the Cookie header carries a device cookie of user_id. */
int		 gh_device_known(struct gh_db *, const struct gh_config *,
		    const char *cookie_header, const char *user_id);
/* A new device of user_id, stored inside the caller's transaction; out is
 * the cookie's value. */
enum gh_err	 gh_device_new(struct gh_db *, const char *user_id, int64_t now,
		    char out[GH_OPAQUE_LEN + 1]) GH_WUR;

#endif
