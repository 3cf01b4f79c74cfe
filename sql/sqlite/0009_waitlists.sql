-- Waitlists (docs/waitlists.md): one row per user and feature they signed
-- up for; signing up twice finds the same row, and it goes with the user.
CREATE TABLE waitlists (
	id		TEXT PRIMARY KEY,	-- UUIDv7
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	application_id	TEXT NOT NULL REFERENCES applications(id),
	feature_key	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	UNIQUE (user_id, feature_key)
);
-- A user's list, oldest first.
CREATE INDEX waitlists_user_created ON waitlists(user_id, created_at);
