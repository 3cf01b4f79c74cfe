-- Browser sessions (cookie mode): the session cookie is an opaque token of
-- its own, kept only as a SHA-256 like every other looked-up secret.
ALTER TABLE sessions ADD COLUMN cookie_hash BLOB;
CREATE UNIQUE INDEX sessions_cookie ON sessions(cookie_hash);
