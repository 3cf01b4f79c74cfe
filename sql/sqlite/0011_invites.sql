-- Invites (docs/invites.md). The code is 256 random bits that only its
-- creator ever sees; the table keeps its SHA-256. A use is one row of
-- invite_uses, so a user counts once per invite and the count of uses
-- cannot pass max_uses even when two users take the last one at once
-- (the conditional UPDATE of `uses` decides; see lib/invite.c).
CREATE TABLE invites (
	id		TEXT PRIMARY KEY,	-- UUIDv7
	application_id	TEXT NOT NULL REFERENCES applications(id),
	code_hash	BLOB NOT NULL UNIQUE,
	type		TEXT NOT NULL
			CHECK (type IN ('account', 'group', 'friend', 'membership')),
	creator_id	TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	-- account: accounts.id; membership: a tier's name; group: the
	-- application's own group id; friend: NULL (the creator)
	target_id	TEXT,
	role		TEXT CHECK (role IS NULL OR role IN ('owner', 'member', 'viewer')),
	email		TEXT,			-- only this address may use it
	email_norm	TEXT,
	max_uses	INTEGER,		-- NULL: no limit
	uses		INTEGER NOT NULL DEFAULT 0,
	expires_at	INTEGER NOT NULL,
	revoked_at	INTEGER,
	created_at	INTEGER NOT NULL
);
CREATE INDEX invites_creator ON invites(creator_id, id);
CREATE INDEX invites_email ON invites(application_id, email_norm)
	WHERE email_norm IS NOT NULL;
-- The open invites to an account, for its owners.
CREATE INDEX invites_target ON invites(target_id) WHERE target_id IS NOT NULL;

CREATE TABLE invite_uses (
	invite_id	TEXT NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	used_at		INTEGER NOT NULL,
	PRIMARY KEY (invite_id, user_id)
) WITHOUT ROWID;
CREATE INDEX invite_uses_user ON invite_uses(user_id);
