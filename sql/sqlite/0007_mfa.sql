-- Two-factor authentication (docs/mfa.md): one TOTP secret per user, sealed
-- under the installation key, pending until a first code confirms it; and
-- one-time backup codes, kept only as keyed hashes.
CREATE TABLE totp (
	user_id		TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	secret		TEXT NOT NULL,		-- "sealed:..." (lib/seal.h)
	enabled_at	INTEGER,		-- NULL: set up, not confirmed
	last_step	INTEGER NOT NULL DEFAULT 0,	-- newest 30 s step used
	created_at	INTEGER NOT NULL
);

CREATE TABLE backup_codes (
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_hash	BLOB NOT NULL,		-- keyed BLAKE2b of the code
	used_at		INTEGER,
	PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;
