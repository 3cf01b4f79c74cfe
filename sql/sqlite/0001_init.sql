-- Gatehouse schema, version 1. Times are Unix seconds (UTC); ids are UUIDv7.

CREATE TABLE applications (
	id		TEXT PRIMARY KEY,
	client_id	TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL,
	allowed_origins	TEXT NOT NULL DEFAULT '',
	created_at	INTEGER NOT NULL
);

-- The default application: a single-site install never has to name one.
INSERT INTO applications (id, client_id, name, created_at)
VALUES ('00000000-0000-7000-8000-000000000000', 'default', 'Default',
	CAST(strftime('%s', 'now') AS INTEGER));

CREATE TABLE users (
	id		TEXT PRIMARY KEY,
	application_id	TEXT NOT NULL REFERENCES applications(id),
	status		TEXT NOT NULL DEFAULT 'active'
			CHECK (status IN ('active', 'disabled')),
	username	TEXT NOT NULL,
	username_norm	TEXT NOT NULL,
	display_name	TEXT,
	avatar_url	TEXT,
	banner_url	TEXT,
	is_bot		INTEGER NOT NULL DEFAULT 0,
	given_name	TEXT,
	family_name	TEXT,
	locale		TEXT,
	timezone	TEXT,
	preferred_language TEXT,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	UNIQUE (application_id, username_norm)
);

CREATE TABLE emails (
	id		TEXT PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	application_id	TEXT NOT NULL REFERENCES applications(id),
	email		TEXT NOT NULL,
	email_norm	TEXT NOT NULL,
	verified_at	INTEGER,
	created_at	INTEGER NOT NULL,
	UNIQUE (application_id, email_norm)
);
CREATE INDEX emails_user ON emails(user_id, id);

CREATE TABLE passwords (
	user_id		TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	hash		TEXT NOT NULL,
	updated_at	INTEGER NOT NULL
);

CREATE TABLE accounts (
	id		TEXT PRIMARY KEY,
	application_id	TEXT NOT NULL REFERENCES applications(id),
	name		TEXT NOT NULL,
	avatar_url	TEXT,
	personal	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL
);

CREATE TABLE memberships (
	id		TEXT PRIMARY KEY,
	account_id	TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role		TEXT NOT NULL CHECK (role IN ('owner', 'member', 'viewer')),
	created_at	INTEGER NOT NULL,
	UNIQUE (account_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id, id);

-- One session per refresh-token family.
CREATE TABLE sessions (
	id		TEXT PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	application_id	TEXT NOT NULL REFERENCES applications(id),
	active_membership_id TEXT,
	amr		TEXT NOT NULL DEFAULT 'pwd',	-- how it signed in (RFC 8176)
	ip		TEXT,
	user_agent	TEXT,
	created_at	INTEGER NOT NULL,
	revoked_at	INTEGER,
	revoke_reason	TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Only a SHA-256 of each refresh token is kept, and it is the key: a
-- rotation touches this table's two pages and one index page, no more.
-- A session's last activity is its newest token's created_at.
CREATE TABLE refresh_tokens (
	token_hash	BLOB PRIMARY KEY,
	session_id	TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	parent_hash	BLOB,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	used_at_ms	INTEGER		-- milliseconds: the grace window is short
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id, created_at);

-- Ed25519 signing keys; the secret half sealed with the installation key.
CREATE TABLE signing_keys (
	kid		TEXT PRIMARY KEY,
	alg		TEXT NOT NULL DEFAULT 'EdDSA',
	public_key	BLOB NOT NULL,
	sealed_secret	BLOB NOT NULL,
	created_at	INTEGER NOT NULL,
	retired_at	INTEGER
);

CREATE TABLE action_logs (
	id		TEXT PRIMARY KEY,
	application_id	TEXT,
	user_id		TEXT,
	session_id	TEXT,
	action		TEXT NOT NULL,
	ip		TEXT,
	user_agent	TEXT,
	created_at	INTEGER NOT NULL
);
CREATE INDEX action_logs_user ON action_logs(user_id, id);
