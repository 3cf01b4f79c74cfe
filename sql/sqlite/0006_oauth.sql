-- OAuth and OpenID Connect sign-in (docs/oauth.md): an identity is a
-- provider's account (provider, subject) linked to one user. The
-- provider's tokens are kept sealed under the installation key.
CREATE TABLE identities (
	id		TEXT PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	application_id	TEXT NOT NULL REFERENCES applications(id),
	provider	TEXT NOT NULL,
	subject		TEXT NOT NULL,
	email		TEXT,
	email_verified	INTEGER NOT NULL DEFAULT 0,
	access_token	TEXT,		-- "sealed:..." (lib/seal.h)
	refresh_token	TEXT,		-- "sealed:..."
	created_at	INTEGER NOT NULL,
	last_used_at	INTEGER NOT NULL,
	UNIQUE (application_id, provider, subject)
);
CREATE INDEX identities_user ON identities(user_id, id);
