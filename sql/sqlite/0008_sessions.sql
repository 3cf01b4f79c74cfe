-- What each session's device is, where it signed in from, and when it was
-- last seen (docs/sessions.md). Values the client did not tell are NULL.
ALTER TABLE sessions ADD COLUMN device_type TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE sessions ADD COLUMN os TEXT;
ALTER TABLE sessions ADD COLUMN os_version TEXT;
ALTER TABLE sessions ADD COLUMN app_name TEXT;
ALTER TABLE sessions ADD COLUMN app_version TEXT;
ALTER TABLE sessions ADD COLUMN country TEXT;
ALTER TABLE sessions ADD COLUMN region TEXT;
-- Written at most once a minute per session (docs/sessions.md).
ALTER TABLE sessions ADD COLUMN last_active_at INTEGER;
-- Presence: set by POST /v1/auth/disconnect, cleared by the next request.
ALTER TABLE sessions ADD COLUMN offline_at INTEGER;
-- Until now a session's last activity was its newest token's created_at.
UPDATE sessions SET last_active_at = coalesce((SELECT max(r.created_at)
	FROM refresh_tokens r WHERE r.session_id = sessions.id), created_at);
-- The list of a user's sessions, newest first; it serves everything the
-- index on user_id alone did.
CREATE INDEX sessions_user_created ON sessions(user_id, created_at);
DROP INDEX sessions_user;
