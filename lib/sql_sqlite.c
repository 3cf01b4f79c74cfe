/* Every statement the programs run, in SQLite's dialect. Parameters are
 * numbered (?1) so the PostgreSQL table can use $1 in the same places. */
#include "sql.h"

/* The columns lib/invite.c reads an invite from, in its order. */
#define INVITE_COLUMNS \
	"SELECT id, application_id, type, creator_id, target_id, role," \
	" email, max_uses, uses, expires_at, revoked_at, created_at" \
	" FROM invites"
/* A live session s of user ?1: not revoked, and a refresh token younger
 * than refresh_ttl (?2 = now - refresh_ttl). The session list and the
 * dashboard's count share it, so the two never disagree. */
#define LIVE_SESSION_OF_USER \
	" s.user_id = ?1 AND s.revoked_at IS NULL" \
	" AND (SELECT max(r.created_at) FROM refresh_tokens r" \
	"  WHERE r.session_id = s.id) > ?2"

const char *const gh_sql_sqlite[GH_STMT__MAX] = {
	/* A writer takes the write lock first: no deadlock upgrading. */
	[GH_STMT_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[GH_STMT_BEGIN_READ] = "BEGIN",
	[GH_STMT_COMMIT] = "COMMIT",
	[GH_STMT_ROLLBACK] = "ROLLBACK",
	[GH_STMT_PING] = "SELECT count(*) FROM schema_migrations",
	[GH_STMT_APP_BY_CLIENT_ID] =
	    "SELECT id FROM applications WHERE client_id = ?1",
	[GH_STMT_USER_INSERT] =
	    "INSERT INTO users (id, application_id, username, username_norm,"
	    " display_name, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	[GH_STMT_USER_BY_ID] =
	    "SELECT id, application_id, status, username, display_name,"
	    " avatar_url, banner_url, is_bot, given_name, family_name, locale,"
	    " timezone, preferred_language, created_at"
	    " FROM users WHERE id = ?1",
	[GH_STMT_USER_UPDATE_PROFILE] =
	    "UPDATE users SET display_name = ?2, avatar_url = ?3,"
	    " username = ?4, username_norm = ?5, given_name = ?6,"
	    " family_name = ?7, locale = ?8, timezone = ?9,"
	    " preferred_language = ?10, updated_at = ?11 WHERE id = ?1",
	[GH_STMT_USERNAME_TAKEN] =
	    "SELECT 1 FROM users WHERE application_id = ?1"
	    " AND username_norm = ?2 AND id <> ?3",
	[GH_STMT_EMAIL_INSERT] =
	    "INSERT INTO emails (id, user_id, application_id, email,"
	    " email_norm, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[GH_STMT_EMAIL_TAKEN] =
	    "SELECT 1 FROM emails WHERE application_id = ?1"
	    " AND email_norm = ?2",
	/* A SessionProfile in one statement, one row per part: kind 0 the
	 * user (the columns of GH_STMT_USER_BY_ID), kind 1 an email (id,
	 * email, verified_at), kind 2 a membership (id, account_id, role,
	 * account name, account avatar). UNION ALL yields the parts in this
	 * order and each walks its (user_id, id) index, so the rows come in
	 * id order without a sort (an ORDER BY here costs more than the rest
	 * of the request's SQL). */
	[GH_STMT_PROFILE] =
	    "SELECT 0, id, application_id,"
	    " CASE WHEN is_visitor THEN 'visitor' ELSE status END,"
	    " username, display_name,"
	    " avatar_url, banner_url, is_bot, given_name, family_name, locale,"
	    " timezone, preferred_language, created_at,"
	    " EXISTS (SELECT 1 FROM totp t WHERE t.user_id = ?1"
	    "  AND t.enabled_at IS NOT NULL) FROM users WHERE id = ?1"
	    " UNION ALL"
	    " SELECT 1, id, email, verified_at, NULL, NULL, NULL, NULL, NULL,"
	    " NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM emails"
	    " WHERE user_id = ?1"
	    " UNION ALL"
	    " SELECT 2, m.id, m.account_id, m.role, a.name, a.avatar_url, NULL,"
	    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
	    " FROM memberships m JOIN accounts a ON a.id = m.account_id"
	    " WHERE m.user_id = ?1",
	[GH_STMT_LOGIN_BY_EMAIL] =
	    "SELECT u.id, u.status, p.hash FROM emails e"
	    " JOIN users u ON u.id = e.user_id"
	    " LEFT JOIN passwords p ON p.user_id = u.id"
	    " WHERE e.application_id = ?1 AND e.email_norm = ?2",
	[GH_STMT_LOGIN_BY_USERNAME] =
	    "SELECT u.id, u.status, p.hash FROM users u"
	    " LEFT JOIN passwords p ON p.user_id = u.id"
	    " WHERE u.application_id = ?1 AND u.username_norm = ?2",
	[GH_STMT_PASSWORD_INSERT] =
	    "INSERT INTO passwords (user_id, hash, updated_at)"
	    " VALUES (?1, ?2, ?3)",
	[GH_STMT_PASSWORD_UPDATE] =
	    "UPDATE passwords SET hash = ?2, updated_at = ?3"
	    " WHERE user_id = ?1",
	[GH_STMT_ACCOUNT_INSERT] =
	    "INSERT INTO accounts (id, application_id, name, personal,"
	    " created_at) VALUES (?1, ?2, ?3, 1, ?4)",
	[GH_STMT_MEMBERSHIP_INSERT] =
	    "INSERT INTO memberships (id, account_id, user_id, role,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[GH_STMT_MEMBERSHIPS_BY_USER] =
	    "SELECT m.id, m.account_id, m.role, a.name, a.avatar_url"
	    " FROM memberships m JOIN accounts a ON a.id = m.account_id"
	    " WHERE m.user_id = ?1 ORDER BY m.id",
	[GH_STMT_SESSION_INSERT] =
	    "INSERT INTO sessions (id, user_id, application_id,"
	    " active_membership_id, ip, user_agent, created_at, amr,"
	    " device_type, os, os_version, app_name, app_version, country,"
	    " region, last_active_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?7)",
	/* then the presence the request may have to refresh (serve.c) */
	[GH_STMT_SESSION_STATE] =
	    "SELECT s.revoked_at, s.user_id, u.status, a.client_id,"
	    " s.active_membership_id, s.application_id,"
	    " coalesce(s.last_active_at, 0), s.offline_at IS NOT NULL"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " JOIN applications a ON a.id = s.application_id"
	    " WHERE s.id = ?1",
	[GH_STMT_SESSION_REVOKE] =
	    "UPDATE sessions SET revoked_at = ?2, revoke_reason = ?3"
	    " WHERE id = ?1 AND revoked_at IS NULL",
	[GH_STMT_REFRESH_INSERT] =
	    "INSERT INTO refresh_tokens (token_hash, session_id, parent_hash,"
	    " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	/* then the session's active membership and its account, for the
	 * access token's claims (NULL when it has none, or it ended) */
	[GH_STMT_REFRESH_BY_HASH] =
	    "SELECT r.session_id, r.expires_at, r.used_at_ms,"
	    " s.revoked_at, s.user_id, u.status, a.client_id,"
	    " s.application_id, s.amr, m.id, m.account_id"
	    " FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id"
	    " JOIN users u ON u.id = s.user_id"
	    " JOIN applications a ON a.id = s.application_id"
	    " LEFT JOIN memberships m ON m.id = s.active_membership_id"
	    "  AND m.user_id = s.user_id"
	    " WHERE r.token_hash = ?1",
	[GH_STMT_REFRESH_MARK_USED] =
	    "UPDATE refresh_tokens SET used_at_ms = ?2"
	    " WHERE token_hash = ?1 AND used_at_ms IS NULL",
	[GH_STMT_KEY_INSERT] =
	    "INSERT INTO signing_keys (kid, public_key, sealed_secret,"
	    " created_at) VALUES (?1, ?2, ?3, ?4)",
	[GH_STMT_KEYS_LIVE] =
	    "SELECT kid, public_key, sealed_secret, created_at"
	    " FROM signing_keys WHERE retired_at IS NULL OR retired_at > ?1"
	    " ORDER BY created_at DESC, rowid DESC LIMIT 8",
	[GH_STMT_ACTION_LOG_INSERT] =
	    "INSERT INTO action_logs (id, application_id, user_id,"
	    " session_id, action, ip, user_agent, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* username, first email, role in the session's active membership */
	[GH_STMT_AUTHZ_IDENTITY] =
	    "SELECT u.username,"
	    " (SELECT email FROM emails WHERE user_id = u.id ORDER BY id"
	    "  LIMIT 1),"
	    " (SELECT role FROM memberships WHERE id = ?2 AND user_id = u.id)"
	    " FROM users u WHERE u.id = ?1",
	/* id, username, status, created_at, first email; after id ?1 */
	[GH_STMT_USERS_LIST] =
	    "SELECT u.id, u.username, u.status, u.created_at,"
	    " (SELECT email FROM emails WHERE user_id = u.id ORDER BY id"
	    "  LIMIT 1)"
	    " FROM users u WHERE u.application_id = ?1 AND u.id > ?2"
	    " ORDER BY u.id LIMIT ?3",
	/* a user by id, username or email (?3 folded) in application ?1 */
	[GH_STMT_USER_FIND] =
	    "SELECT id FROM users WHERE application_id = ?1"
	    " AND (id = ?2 OR username_norm = ?3)"
	    " UNION SELECT user_id FROM emails WHERE application_id = ?1"
	    " AND email_norm = ?3 LIMIT 2",
	[GH_STMT_USER_SET_STATUS] =
	    "UPDATE users SET status = ?2, updated_at = ?3 WHERE id = ?1",
	/* keys that signed until now verify until ?1 (now + access_ttl) */
	[GH_STMT_KEYS_RETIRE] =
	    "UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL",
	[GH_STMT_SESSION_SET_COOKIE] =
	    "UPDATE sessions SET cookie_hash = ?2 WHERE id = ?1",
	/* the columns of GH_STMT_SESSION_STATE, then id and created_at, then
	 * what the authorizer hands on (username, first email, role), so a
	 * browser's check is one statement; no client_id (a cookie names no
	 * audience), which saves the authorizer a join */
	[GH_STMT_SESSION_BY_COOKIE] =
	    "SELECT s.revoked_at, s.user_id, u.status, NULL,"
	    " s.active_membership_id, s.application_id, s.id, s.created_at,"
	    " u.username,"
	    " (SELECT email FROM emails WHERE user_id = u.id ORDER BY id"
	    "  LIMIT 1),"
	    " (SELECT role FROM memberships WHERE id = s.active_membership_id"
	    "  AND user_id = u.id),"
	    " coalesce(s.last_active_at, 0), s.offline_at IS NOT NULL"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.cookie_hash = ?1",
	/* GCRA: ?2 now, ?3 the interval between requests, ?4 the period,
	 * all in ms. The new arrival time may run ahead of now by at most
	 * one period (the burst); a refused request changes nothing and
	 * returns no row. */
	[GH_STMT_RATE_TAKE] =
	    "INSERT INTO rate_limits (key, tat_ms) VALUES (?1, ?2 + ?3)"
	    " ON CONFLICT (key) DO UPDATE SET tat_ms = max(tat_ms, ?2) + ?3"
	    " WHERE max(tat_ms, ?2) + ?3 - ?2 <= ?4"
	    " RETURNING tat_ms",
	[GH_STMT_RATE_GET] =
	    "SELECT tat_ms FROM rate_limits WHERE key = ?1",
	[GH_STMT_RATE_SWEEP] =
	    "DELETE FROM rate_limits WHERE tat_ms < ?1",
	[GH_STMT_BACKOFF_GET] =
	    "SELECT failures, last_at, locked_until FROM sign_in_failures"
	    " WHERE key = ?1",
	[GH_STMT_BACKOFF_PUT] =
	    "INSERT INTO sign_in_failures (key, failures, last_at, locked_until)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET"
	    " failures = ?2, last_at = ?3, locked_until = ?4",
	[GH_STMT_BACKOFF_CLEAR] =
	    "DELETE FROM sign_in_failures WHERE key = ?1",
	[GH_STMT_DEVICE_OWNER] =
	    "SELECT user_id FROM known_devices WHERE hash = ?1",
	[GH_STMT_DEVICE_INSERT] =
	    "INSERT INTO known_devices (hash, user_id, created_at, last_used_at)"
	    " VALUES (?1, ?2, ?3, ?3)",
	[GH_STMT_OUTBOX_INSERT] =
	    "INSERT INTO outbox (id, to_addr, template, message, created_at,"
	    " next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* ?1 now, ?2 until when the claim holds; the oldest due first */
	[GH_STMT_OUTBOX_CLAIM] =
	    "UPDATE outbox SET claimed_until = ?2, attempts = attempts + 1"
	    " WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL"
	    "  AND next_attempt_at <= ?1 AND claimed_until <= ?1"
	    "  ORDER BY next_attempt_at LIMIT 1)"
	    " RETURNING id, to_addr, message, attempts",
	/* the message holds a live link: not kept once delivered */
	[GH_STMT_OUTBOX_SENT] =
	    "UPDATE outbox SET sent_at = ?2, message = '', claimed_until = 0,"
	    " last_error = NULL WHERE id = ?1",
	[GH_STMT_OUTBOX_RETRY] =
	    "UPDATE outbox SET next_attempt_at = ?2, claimed_until = 0,"
	    " last_error = ?3 WHERE id = ?1",
	[GH_STMT_ONETIME_INSERT] =
	    "INSERT INTO one_time_tokens (hash, purpose, application_id,"
	    " user_id, email_id, email, data, created_at, expires_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* a newer token of the same purpose voids the older ones */
	[GH_STMT_ONETIME_RETIRE] =
	    "UPDATE one_time_tokens SET used_at = ?3"
	    " WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL",
	[GH_STMT_ONETIME_GET] =
	    "SELECT hash, purpose, application_id, user_id, email_id, email,"
	    " data, expires_at, used_at FROM one_time_tokens WHERE hash = ?1",
	[GH_STMT_ONETIME_USE] =
	    "UPDATE one_time_tokens SET used_at = ?2"
	    " WHERE hash = ?1 AND used_at IS NULL",
	/* ?2 NULL: the user's first email */
	[GH_STMT_EMAIL_OF_USER] =
	    "SELECT id, email, verified_at FROM emails"
	    " WHERE user_id = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY id LIMIT 1",
	[GH_STMT_EMAIL_VERIFY] =
	    "UPDATE emails SET verified_at = ?2 WHERE id = ?1"
	    " AND verified_at IS NULL",
	[GH_STMT_USER_USERNAME] =
	    "SELECT username, status FROM users WHERE id = ?1",
	/* a confirmed change: the new address is verified by its link */
	[GH_STMT_EMAIL_CHANGE] =
	    "UPDATE emails SET email = ?2, email_norm = ?3, verified_at = ?4"
	    " WHERE id = ?1",
	/* one live code per address: a new one replaces the old */
	[GH_STMT_CODE_PUT] =
	    "INSERT INTO one_time_tokens (hash, purpose, application_id, email,"
	    " data, created_at, expires_at) VALUES (?1, 'email_code', ?2, ?3,"
	    " ?4, ?5, ?6) ON CONFLICT (hash) DO UPDATE SET data = ?4,"
	    " created_at = ?5, expires_at = ?6, used_at = NULL, attempts = 0",
	[GH_STMT_CODE_GET] =
	    "SELECT data, expires_at, used_at FROM one_time_tokens"
	    " WHERE hash = ?1 AND purpose = 'email_code'",
	/* a wrong guess; the last one allowed voids the code */
	[GH_STMT_CODE_MISS] =
	    "UPDATE one_time_tokens SET attempts = attempts + 1,"
	    " used_at = CASE WHEN attempts + 1 >= ?2 THEN ?3 ELSE used_at END"
	    " WHERE hash = ?1",
	[GH_STMT_USER_SET_VISITOR] =
	    "UPDATE users SET is_visitor = 1 WHERE id = ?1",
	[GH_STMT_IDENTITY_FIND] =
	    "SELECT i.id, i.user_id, u.status FROM identities i"
	    " JOIN users u ON u.id = i.user_id"
	    " WHERE i.application_id = ?1 AND i.provider = ?2"
	    " AND i.subject = ?3",
	[GH_STMT_IDENTITY_INSERT] =
	    "INSERT INTO identities (id, user_id, application_id, provider,"
	    " subject, email, email_verified, access_token, refresh_token,"
	    " created_at, last_used_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
	/* what the provider said at the latest sign-in */
	[GH_STMT_IDENTITY_TOUCH] =
	    "UPDATE identities SET email = ?2, email_verified = ?3,"
	    " access_token = ?4, refresh_token = coalesce(?5, refresh_token),"
	    " last_used_at = ?6 WHERE id = ?1",
	[GH_STMT_IDENTITIES_OF_USER] =
	    "SELECT id, provider, email, email_verified, created_at,"
	    " last_used_at FROM identities WHERE user_id = ?1 ORDER BY id",
	[GH_STMT_IDENTITY_DELETE] =
	    "DELETE FROM identities WHERE id = ?1 AND user_id = ?2",
	/* a password and every linked identity each sign the user in */
	[GH_STMT_SIGN_IN_WAYS] =
	    "SELECT (SELECT count(*) FROM identities WHERE user_id = ?1)"
	    " + (SELECT count(*) FROM passwords WHERE user_id = ?1)",
	/* ?4 NULL: every live session of the user */
	[GH_STMT_SESSIONS_REVOKE_OTHERS] =
	    "UPDATE sessions SET revoked_at = ?2, revoke_reason = ?3"
	    " WHERE user_id = ?1 AND revoked_at IS NULL"
	    " AND (?4 IS NULL OR id <> ?4)",
	[GH_STMT_TOTP_GET] =
	    "SELECT secret, enabled_at, last_step FROM totp WHERE user_id = ?1",
	/* a pending secret is replaced; an enabled one stays (no row changes) */
	[GH_STMT_TOTP_PENDING] =
	    "INSERT INTO totp (user_id, secret, created_at) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (user_id) DO UPDATE SET secret = ?2, created_at = ?3,"
	    " last_step = 0 WHERE enabled_at IS NULL",
	/* a step is used once, and no older one after it */
	[GH_STMT_TOTP_STEP] =
	    "UPDATE totp SET last_step = ?2 WHERE user_id = ?1"
	    " AND last_step < ?2",
	[GH_STMT_TOTP_ENABLE] =
	    "UPDATE totp SET enabled_at = ?2 WHERE user_id = ?1"
	    " AND enabled_at IS NULL",
	[GH_STMT_TOTP_DELETE] =
	    "DELETE FROM totp WHERE user_id = ?1",
	[GH_STMT_BACKUP_CLEAR] =
	    "DELETE FROM backup_codes WHERE user_id = ?1",
	[GH_STMT_BACKUP_INSERT] =
	    "INSERT INTO backup_codes (user_id, code_hash) VALUES (?1, ?2)",
	[GH_STMT_BACKUP_USE] =
	    "UPDATE backup_codes SET used_at = ?3 WHERE user_id = ?1"
	    " AND code_hash = ?2 AND used_at IS NULL",
	[GH_STMT_BACKUP_LEFT] =
	    "SELECT count(*) FROM backup_codes WHERE user_id = ?1"
	    " AND used_at IS NULL",
	/* ?3: now - 60; a session seen within the minute, and not
	 * disconnected, is left alone, so the write (and the commit that ends
	 * every process's cookie cache) happens once a minute at most */
	[GH_STMT_SESSION_TOUCH] =
	    "UPDATE sessions SET last_active_at = ?2, offline_at = NULL"
	    " WHERE id = ?1 AND revoked_at IS NULL"
	    " AND (last_active_at IS NULL OR last_active_at <= ?3"
	    " OR offline_at IS NOT NULL)",
	[GH_STMT_SESSION_OFFLINE] =
	    "UPDATE sessions SET offline_at = ?2, last_active_at = ?2"
	    " WHERE id = ?1 AND revoked_at IS NULL",
	/* newest first, at most ?3 */
	[GH_STMT_SESSIONS_OF_USER] =
	    "SELECT s.id, a.client_id, s.device_type, s.os, s.os_version,"
	    " s.app_name, s.app_version, s.ip, s.user_agent, s.country,"
	    " s.region, s.created_at, coalesce(s.last_active_at, s.created_at),"
	    " s.offline_at"
	    " FROM sessions s JOIN applications a ON a.id = s.application_id"
	    " WHERE" LIVE_SESSION_OF_USER
	    " ORDER BY s.created_at DESC, s.id DESC LIMIT ?3",
	/* one of the user's own live sessions, or no row changes */
	[GH_STMT_SESSION_REVOKE_OWNED] =
	    "UPDATE sessions SET revoked_at = ?3, revoke_reason = ?4"
	    " WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
	/* oldest first, at most ?2 */
	[GH_STMT_WAITLISTS_OF_USER] =
	    "SELECT feature_key, id, created_at FROM waitlists"
	    " WHERE user_id = ?1 ORDER BY created_at, id LIMIT ?2",
	[GH_STMT_WAITLIST_GET] =
	    "SELECT id FROM waitlists WHERE user_id = ?1 AND feature_key = ?2",
	/* no row changes when the user is already signed up, or already on
	 * ?6 waitlists */
	[GH_STMT_WAITLIST_INSERT] =
	    "INSERT INTO waitlists (id, user_id, application_id, feature_key,"
	    " created_at) SELECT ?1, ?2, ?3, ?4, ?5"
	    " WHERE (SELECT count(*) FROM waitlists WHERE user_id = ?2) < ?6"
	    " ON CONFLICT (user_id, feature_key) DO NOTHING",
	[GH_STMT_WAITLIST_DELETE] =
	    "DELETE FROM waitlists WHERE user_id = ?1 AND feature_key = ?2",
	[GH_STMT_TIER_GET] =
	    "SELECT tier, expires_at FROM user_tiers WHERE user_id = ?1",
	[GH_STMT_TIER_PUT] =
	    "INSERT INTO user_tiers (user_id, tier, granted_at, expires_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO UPDATE"
	    " SET tier = ?2, granted_at = ?3, expires_at = ?4",
	[GH_STMT_TIER_CLEAR] =
	    "DELETE FROM user_tiers WHERE user_id = ?1",
	[GH_STMT_INVITE_INSERT] =
	    "INSERT INTO invites (id, application_id, code_hash, type,"
	    " creator_id, target_id, role, email, email_norm, max_uses,"
	    " expires_at, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[GH_STMT_INVITE_LIVE_COUNT] =
	    "SELECT count(*) FROM invites WHERE creator_id = ?1"
	    " AND revoked_at IS NULL AND expires_at > ?2"
	    " AND (max_uses IS NULL OR uses < max_uses)",
	[GH_STMT_INVITE_BY_HASH] = INVITE_COLUMNS
	    " WHERE code_hash = ?1 AND (?2 IS NULL OR application_id = ?2)",
	[GH_STMT_INVITE_BY_ID] = INVITE_COLUMNS
	    " WHERE id = ?1 AND application_id = ?2",
	[GH_STMT_INVITES_OF_CREATOR] = INVITE_COLUMNS
	    " WHERE creator_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
	/* the use is counted only while the invite lives: of two users
	 * racing for the last use, the second changes no row */
	[GH_STMT_INVITE_TAKE] =
	    "UPDATE invites SET uses = uses + 1 WHERE id = ?1"
	    " AND revoked_at IS NULL AND expires_at > ?2"
	    " AND (max_uses IS NULL OR uses < max_uses)",
	[GH_STMT_INVITE_USE_INSERT] =
	    "INSERT INTO invite_uses (invite_id, user_id, used_at)"
	    " VALUES (?1, ?2, ?3)",
	[GH_STMT_INVITE_REVOKE] =
	    "UPDATE invites SET revoked_at = ?2 WHERE id = ?1"
	    " AND revoked_at IS NULL",
	[GH_STMT_INVITE_ACCOUNT_ROLE] =
	    "SELECT role FROM memberships WHERE account_id = ?1"
	    " AND user_id = ?2",
	[GH_STMT_INVITE_ACCOUNT_NAME] =
	    "SELECT name FROM accounts WHERE id = ?1 AND application_id = ?2",
	[GH_STMT_INVITE_EMAIL_PROVEN] =
	    "SELECT 1 FROM emails WHERE user_id = ?1 AND email_norm = ?2"
	    " AND verified_at IS NOT NULL",
	[GH_STMT_SESSIONS_LIVE_COUNT] =
	    "SELECT count(*) FROM sessions s WHERE" LIVE_SESSION_OF_USER,
	/* Invites addressed to a verified address of user ?1 that the user
	 * could still take at ?2 (live, not used up, not used by them),
	 * newest first, at most ?3. An address is in its user's application,
	 * so e.application_id is the user's. Then the creator, in the
	 * columns of GH_STMT_USER_BY_ID (the public ones; NULL for the
	 * rest). Walks the user's emails, then invites_email. */
	[GH_STMT_INVITES_PENDING] =
	    "SELECT i.id, i.type, i.target_id, i.role, i.expires_at,"
	    " i.created_at, c.id, c.application_id, c.status, c.username,"
	    " c.display_name, c.avatar_url, c.banner_url, c.is_bot, NULL, NULL,"
	    " NULL, NULL, NULL, c.created_at"
	    " FROM emails e JOIN invites i"
	    " ON i.application_id = e.application_id"
	    " AND i.email_norm = e.email_norm"
	    " JOIN users c ON c.id = i.creator_id"
	    " WHERE e.user_id = ?1 AND e.verified_at IS NOT NULL"
	    " AND i.revoked_at IS NULL AND i.expires_at > ?2"
	    " AND (i.max_uses IS NULL OR i.uses < i.max_uses)"
	    " AND NOT EXISTS (SELECT 1 FROM invite_uses u"
	    "  WHERE u.invite_id = i.id AND u.user_id = ?1)"
	    " ORDER BY i.id DESC LIMIT ?3",
	/* the user's newest first (ids are UUIDv7), at most ?2; walks
	 * action_logs_user backwards, no sort */
	[GH_STMT_ACTION_LOGS_RECENT] =
	    "SELECT id, action, ip, user_agent, created_at FROM action_logs"
	    " WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
	/* An Account as its member ?1 sees it: id, name, avatar_url,
	 * personal, role, membership id, created_at; in the order the user
	 * joined (membership ids are UUIDv7), after membership ?2, at most
	 * ?3, along the memberships_user index */
	[GH_STMT_ACCOUNTS_OF_USER] =
	    "SELECT a.id, a.name, a.avatar_url, a.personal, m.role, m.id,"
	    " a.created_at FROM memberships m"
	    " JOIN accounts a ON a.id = m.account_id"
	    " WHERE m.user_id = ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3",
	/* the same columns for one account ?1 of member ?2 */
	[GH_STMT_ACCOUNT_OF_MEMBER] =
	    "SELECT a.id, a.name, a.avatar_url, a.personal, m.role, m.id,"
	    " a.created_at FROM memberships m"
	    " JOIN accounts a ON a.id = m.account_id"
	    " WHERE m.account_id = ?1 AND m.user_id = ?2",
	/* no row when user ?6 owns ?7 accounts already */
	[GH_STMT_ACCOUNT_CREATE] =
	    "INSERT INTO accounts (id, application_id, name, avatar_url,"
	    " personal, created_at) SELECT ?1, ?2, ?3, ?4, 0, ?5"
	    " WHERE (SELECT count(*) FROM memberships WHERE user_id = ?6"
	    "  AND role = 'owner') < ?7",
	/* ?2 NULL keeps the name; ?3 says whether ?4 is the new avatar_url */
	[GH_STMT_ACCOUNT_UPDATE] =
	    "UPDATE accounts SET name = coalesce(?2, name),"
	    " avatar_url = CASE WHEN ?3 THEN ?4 ELSE avatar_url END"
	    " WHERE id = ?1",
	/* membership id, user id, role, joined, then the user as
	 * GH_STMT_USER_BY_ID has it (PublicProfile); after membership ?2, at
	 * most ?3; ?4 NULL or the one user */
	[GH_STMT_ACCOUNT_MEMBERS] =
	    "SELECT m.id, m.user_id, m.role, m.created_at,"
	    " u.id, u.application_id, u.status, u.username, u.display_name,"
	    " u.avatar_url, u.banner_url, u.is_bot, NULL, NULL, NULL, NULL,"
	    " NULL, u.created_at"
	    " FROM memberships m JOIN users u ON u.id = m.user_id"
	    " WHERE m.account_id = ?1 AND m.id > ?2"
	    " AND (?4 IS NULL OR m.user_id = ?4) ORDER BY m.id LIMIT ?3",
	/* An account always keeps an owner: taking the role from its last
	 * owner changes no row. The count is read in the same statement, so
	 * two owners demoting each other at once cannot both succeed. */
	[GH_STMT_MEMBER_SET_ROLE] =
	    "UPDATE memberships SET role = ?3"
	    " WHERE account_id = ?1 AND user_id = ?2"
	    " AND (?3 = 'owner' OR role <> 'owner'"
	    "  OR (SELECT count(*) FROM memberships"
	    "   WHERE account_id = ?1 AND role = 'owner') > 1)",
	[GH_STMT_MEMBER_DELETE] =
	    "DELETE FROM memberships WHERE account_id = ?1 AND user_id = ?2"
	    " AND (role <> 'owner'"
	    "  OR (SELECT count(*) FROM memberships"
	    "   WHERE account_id = ?1 AND role = 'owner') > 1)",
	/* user ?2's sessions in the ended membership ?1 move to the user's
	 * first one left (NULL when none) */
	[GH_STMT_SESSIONS_LEAVE_MEMBERSHIP] =
	    "UPDATE sessions SET active_membership_id = (SELECT id"
	    "  FROM memberships WHERE user_id = ?2 ORDER BY id LIMIT 1)"
	    " WHERE user_id = ?2 AND active_membership_id = ?1",
	[GH_STMT_MEMBERSHIP_ACCOUNT] =
	    "SELECT account_id FROM memberships WHERE id = ?1 AND user_id = ?2",
	/* a live session ?1 into membership ?2 of its own user; then what
	 * the new access token says: user, amr, audience, account */
	[GH_STMT_SESSION_SWITCH] =
	    "UPDATE sessions SET active_membership_id = ?2"
	    " WHERE id = ?1 AND revoked_at IS NULL AND EXISTS (SELECT 1"
	    "  FROM memberships m WHERE m.id = ?2"
	    "  AND m.user_id = sessions.user_id)"
	    " RETURNING user_id, amr, (SELECT client_id FROM applications"
	    "  WHERE id = sessions.application_id),"
	    " (SELECT account_id FROM memberships WHERE id = ?2)",
	/* the session's refresh tokens not used yet count as used from ?2
	 * (ms): after refresh_grace, presenting one is reuse */
	[GH_STMT_REFRESH_RETIRE] =
	    "UPDATE refresh_tokens SET used_at_ms = ?2"
	    " WHERE session_id = ?1 AND used_at_ms IS NULL",
};
