-- Email-code sign-in (docs/email.md): wrong guesses per code, and visitor
-- accounts, made by a first sign-in with a code, that have no password.
ALTER TABLE one_time_tokens ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN is_visitor INTEGER NOT NULL DEFAULT 0;
