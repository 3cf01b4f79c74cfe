/*
 * Sign-in backoff per identifier (docs/abuse.md): after
 * sign_in_backoff_after failed sign-ins in a row, sign-in with that email
 * or username is refused for sign_in_backoff_base seconds, doubling with
 * each further failure up to sign_in_backoff_max. Unknown identifiers are
 * counted the same way, so a lock tells nothing about whether an account
 * exists. A success, or sign_in_backoff_reset seconds without failure,
 * forgets the count. The owner's known devices are let through a lock
 * (device.h), so guessing cannot lock the owner out.
 */
#ifndef GH_BACKOFF_H
#define GH_BACKOFF_H

#include <stdint.h>

#include <sodium.h>

#include "err.h"

struct gh_config;
struct gh_db;

#define GH_BACKOFF_KEY_BYTES	32

/* The row key of an identifier: BLAKE2b keyed with the installation
 * secret over application, kind ("email", "username") and the folded
 * login, so the table names nobody. */
void		 gh_backoff_key(
		    const unsigned char secret[crypto_secretbox_KEYBYTES],
		    const char *application_id, const char *by,
		    const char *login, unsigned char key[GH_BACKOFF_KEY_BYTES]);
/* GH_OK: may try now. GH_ELIMIT: locked for *retry_after more seconds. */
enum gh_err	 gh_backoff_check(struct gh_db *,
		    const unsigned char key[GH_BACKOFF_KEY_BYTES], int64_t now,
		    int64_t *retry_after) GH_WUR;
/* Counts a failure, inside the caller's transaction. *locked_for: the
 * seconds of the lock this failure starts, 0 when none. */
enum gh_err	 gh_backoff_fail(struct gh_db *, const struct gh_config *,
		    const unsigned char key[GH_BACKOFF_KEY_BYTES], int64_t now,
		    int64_t *locked_for) GH_WUR;
/* Forgets the failures, inside the caller's transaction. */
enum gh_err	 gh_backoff_clear(struct gh_db *,
		    const unsigned char key[GH_BACKOFF_KEY_BYTES]) GH_WUR;

#endif
