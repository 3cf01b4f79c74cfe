-- Abuse controls (docs/abuse.md). Counters, not account data: bad input may
-- move them, and losing them in a crash only forgets some recent attempts.

-- One row per limited key ("sign_in|ip|192.0.2.1"): the theoretical
-- arrival time of the next request (GCRA), in milliseconds.
CREATE TABLE rate_limits (
	key		TEXT PRIMARY KEY,
	tat_ms		INTEGER NOT NULL
) WITHOUT ROWID;

-- Failed sign-ins per identifier, known account or not (the key is a keyed
-- hash of application, kind and folded email or username, so the table
-- neither names accounts nor tells which exist).
CREATE TABLE sign_in_failures (
	key		BLOB PRIMARY KEY,
	failures	INTEGER NOT NULL,
	last_at		INTEGER NOT NULL,
	locked_until	INTEGER NOT NULL
) WITHOUT ROWID;

-- Browsers that have signed in to an account: their device cookie lets the
-- owner sign in while the account's sign-in is locked by someone else's
-- guessing. Only a SHA-256 of the cookie is kept.
CREATE TABLE known_devices (
	hash		BLOB PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at	INTEGER NOT NULL,
	last_used_at	INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX known_devices_user ON known_devices(user_id);
