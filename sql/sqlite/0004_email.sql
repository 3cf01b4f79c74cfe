-- Email (docs/email.md): the outbox every message goes through, written in
-- the transaction of the action that causes it, and the one-time tokens
-- its links carry.

CREATE TABLE outbox (
	id		TEXT PRIMARY KEY,
	to_addr		TEXT NOT NULL,
	template	TEXT NOT NULL,
	-- The whole RFC 5322 message; emptied once the server took it, since
	-- its link is a live credential until used.
	message		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL,
	claimed_until	INTEGER NOT NULL DEFAULT 0,	-- a sender holds it
	last_error	TEXT,
	sent_at		INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL;

-- Verification, reset, magic-link, email-change and login tokens: only a
-- SHA-256 of each is kept, single use, short-lived.
CREATE TABLE one_time_tokens (
	hash		BLOB PRIMARY KEY,
	purpose		TEXT NOT NULL,
	application_id	TEXT NOT NULL,
	user_id		TEXT REFERENCES users(id) ON DELETE CASCADE,
	email_id	TEXT,
	email		TEXT,
	data		TEXT,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	used_at		INTEGER
) WITHOUT ROWID;
CREATE INDEX one_time_tokens_user ON one_time_tokens(user_id, purpose);
