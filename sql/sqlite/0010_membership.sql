-- Membership tiers (docs/membership.md): the tier of a user who is above
-- the lowest one. The tiers, their levels and capabilities are
-- configuration, so a new tier needs no migration.
CREATE TABLE user_tiers (
	user_id		TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	tier		TEXT NOT NULL,
	granted_at	INTEGER NOT NULL,
	expires_at	INTEGER			-- NULL: no end
);
