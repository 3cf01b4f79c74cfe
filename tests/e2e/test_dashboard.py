"""The dashboard (docs/dashboard.md): GET /v1/auth/dashboard, the signed-in
user's summary in one request, through lighttpd as FastCGI and as plain
CGI. Real sessions (one revoked), real 2FA (codes from Debian's oathtool,
sign-ins finished with backup codes), a tier set by the admin command,
pending invites with every reason an invite is not pending, the user's
own recent events only; refusals; nothing written.

Some rows are put in with sqlite, each where it is done: the accounts and
invites APIs are being written in parallel (no route creates a second
account or an invite yet), the OAuth flow needs a provider (test_oauth.py
covers linking), and no route adds a second address to a user.
"""

import os
import subprocess
import time
import uuid

import pytest
import requests

import ghlib
from ghlib import (PUBLIC_KEYS, TIMEOUT, Api, assert_common_headers,
                   assert_problem, assert_recent, jwt_claims, media_type,
                   unique_email, unique_password)

TIERS = {
    "membership_tiers": "free pro",
    "membership_tier_free": "profile:edit",
    "membership_tier_pro": "cloud:deploy invite:create",
}

TOP_KEYS = {"user", "sessions", "linked_accounts", "mfa", "memberships",
            "active_membership", "membership", "pending_invites",
            "recent_events"}
USER_KEYS = {"id", "username", "display_name", "avatar_url", "status"}
INVITE_KEYS = {"id", "type", "creator", "target_id", "role", "expires_at",
               "created_at"}
EVENT_KEYS = {"id", "action", "ip", "user_agent", "created_at"}
# What a read of the dashboard must leave as it was.
TABLES = ghlib.SNAPSHOT_TABLES + ("identities", "totp", "backup_codes",
                                  "action_logs", "applications")


@pytest.fixture(scope="module")
def srv(root):
    if not ghlib._which("oathtool"):
        pytest.fail("oathtool is needed (apt-get install oathtool; ./dev "
                    "test installs it)", pytrace=False)
    settings = dict(TIERS, cookie_secure=0)
    with ghlib.running_server(root, settings=settings) as s:
        yield s


# -- helpers ------------------------------------------------------------------

def uuid7():
    """A UUIDv7 as the server makes them (rows put in by hand sort by
    time among the server's own)."""
    b = bytearray(int(time.time() * 1000).to_bytes(6, "big") + os.urandom(10))
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(b)))


def bearer(token):
    return {"Authorization": "Bearer " + token}


def dashboard(api, token=None, method="GET", headers=None):
    h = dict(headers or {})
    if token is not None:
        h.update(bearer(token))
    return requests.request(method, api.auth + "/dashboard", headers=h,
                            timeout=TIMEOUT)


def ok(r):
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json"
    assert_common_headers(r)
    j = r.json()
    assert set(j) == TOP_KEYS, j
    return j


def get_json(url, token):
    r = requests.get(url, headers=bearer(token), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def sign_up(api):
    body = {"email": unique_email("dash"), "password": unique_password(),
            "username": ghlib.unique_username()}
    r = api.sign_up(body)
    assert r.status_code == 201, r.text
    j = r.json()
    return {"email": body["email"], "password": body["password"],
            "username": body["username"], "profile": j["profile"],
            "id": j["profile"]["id"], "app": j["profile"]["application_id"],
            "access": j["tokens"]["access_token"]}


def totp(secret):
    r = subprocess.run(["oathtool", "--totp", "-b", secret], timeout=10,
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def enable_totp(api, u):
    """2FA on through /v1/mfa, as a user does it: the backup codes."""
    r = requests.post(api.mfa + "/totp/setup", json={}, timeout=TIMEOUT,
                      headers=bearer(u["access"]))
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    while time.time() % 30 > 26:  # the same step for oathtool and server
        time.sleep(0.5)
    r = requests.post(api.mfa + "/totp/enable", json={"code": totp(secret)},
                      headers=bearer(u["access"]), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["backup_codes"]


def sign_in_2fa(api, u, backup_code):
    """A new session: password, then a backup code (a TOTP code counts
    once, so two sign-ins in one 30 s step could not both use one)."""
    r = api.sign_in({"email": u["email"], "password": u["password"]})
    assert r.status_code == 200 and r.json().get("mfa_required"), r.text
    r = requests.post(api.mfa + "/totp/verify", timeout=TIMEOUT,
                      json={"mfa_token": r.json()["mfa_token"],
                            "backup_code": backup_code})
    assert r.status_code == 200, r.text
    return r.json()["tokens"]["access_token"]


def sid(token):
    return jwt_claims(token)["sid"]


def gatehouse(srv, *args):
    r = subprocess.run([srv.root + "/src/cli/gatehouse"] + list(args),
                       capture_output=True, text=True, timeout=30,
                       env=ghlib.clean_env(GATEHOUSE_CONFIG=srv.conf_path))
    assert r.returncode == 0, r.stderr
    return r


def verify_email(srv, u):
    # Verification by link is test_email.py's subject; here only the
    # state matters.
    srv.query("UPDATE emails SET verified_at = ? WHERE user_id = ?",
              int(time.time()), u["id"])


def add_email(srv, u, address):
    # No route adds a second address to a user.
    srv.query("INSERT INTO emails (id, user_id, application_id, email,"
              " email_norm, created_at) VALUES (?, ?, ?, ?, ?, ?)",
              uuid7(), u["id"], u["app"], address, address.lower(),
              int(time.time()))


def add_account(srv, u, name, role):
    # The accounts API is being written in parallel: an account the user
    # was added to, as rows.
    acct, mid, now = uuid7(), uuid7(), int(time.time())
    srv.query("INSERT INTO accounts (id, application_id, name, avatar_url,"
              " personal, created_at) VALUES (?, ?, ?, ?, 0, ?)",
              acct, u["app"], name, "https://example.com/a.png", now)
    srv.query("INSERT INTO memberships (id, account_id, user_id, role,"
              " created_at) VALUES (?, ?, ?, ?, ?)",
              mid, acct, u["id"], role, now)
    return acct, mid


def link_identity(srv, u):
    # Linking through a provider is test_oauth.py's (it needs an OpenID
    # provider running); the dashboard only reads the row.
    iid, now = uuid7(), int(time.time())
    srv.query("INSERT INTO identities (id, user_id, application_id, provider,"
              " subject, email, email_verified, created_at, last_used_at)"
              " VALUES (?, ?, ?, 'corp', ?, ?, 1, ?, ?)",
              iid, u["id"], u["app"], "sub-" + iid, u["email"], now, now)
    return iid


def invite(srv, creator, email, app=None, type_="account", target_id=None,
           role=None, max_uses=None, uses=0, expires_in=3600, revoked=False):
    # The invites API is being written in parallel: an invite as the row
    # it will write (only the code's hash is kept: any 32 bytes here).
    iid, now = uuid7(), int(time.time())
    srv.query("INSERT INTO invites (id, application_id, code_hash, type,"
              " creator_id, target_id, role, email, email_norm, max_uses,"
              " uses, expires_at, revoked_at, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              iid, app or creator["app"], os.urandom(32), type_,
              creator["id"], target_id, role, email, email.lower(), max_uses,
              uses, now + expires_in, now if revoked else None, now)
    return iid


def used_by(srv, invite_id, u):
    srv.query("INSERT INTO invite_uses (invite_id, user_id, used_at)"
              " VALUES (?, ?, ?)", invite_id, u["id"], int(time.time()))


# -- the happy path, as FastCGI and as plain CGI ----------------------------

@pytest.mark.parametrize("mode", ["fcgi", "cgi"])
def test_dashboard_of_a_real_user(srv, mode):
    api = Api(srv.base_url, mode)
    u = sign_up(api)
    inviter, other = sign_up(api), sign_up(api)
    codes = enable_totp(api, u)
    gone = sign_in_2fa(api, u, codes[0])
    tok = sign_in_2fa(api, u, codes[1])
    # Another user's events land between this user's.
    assert api.sign_in({"email": other["email"],
                        "password": other["password"]}).status_code == 200
    r = requests.delete(api.sessions + "/" + sid(gone), timeout=TIMEOUT,
                        headers=bearer(u["access"]))
    assert r.status_code == 204, r.text
    for _ in range(2):  # events enough to pass the limit of ten
        assert api.sign_in({"email": u["email"], "password": "wrong-" +
                            unique_password()}).status_code == 401
    gatehouse(srv, "user", "tier", u["id"], "pro")
    team, team_mid = add_account(srv, u, "Team " + mode, "member")
    link_identity(srv, u)

    verify_email(srv, u)
    verify_email(srv, other)
    unverified = unique_email("dash-unverified")
    add_email(srv, u, unverified)
    # Listed: addressed (in another case) to the verified address, and
    # one use left of five.
    first = invite(srv, inviter, u["email"].upper(), target_id=team,
                   role="member")
    second = invite(srv, inviter, u["email"], type_="friend", max_uses=5,
                    uses=4)
    # Not listed, each for one reason.
    invite(srv, inviter, unverified)
    invite(srv, inviter, u["email"], expires_in=-10)
    invite(srv, inviter, u["email"], revoked=True)
    invite(srv, inviter, u["email"], max_uses=2, uses=2)
    used_by(srv, invite(srv, inviter, u["email"], uses=1), u)
    invite(srv, inviter, other["email"])
    other_app = uuid7()
    srv.query("INSERT INTO applications (id, client_id, name, created_at)"
              " VALUES (?, ?, 'Other', 0)", other_app, "other-" + other_app)
    invite(srv, inviter, u["email"], app=other_app)

    j = ok(dashboard(api, tok))

    assert j["user"] == {k: u["profile"][k] for k in USER_KEYS}
    assert j["user"]["status"] == "active"

    # Sign-up, two sign-ins, one of them revoked: two live sessions.
    assert j["sessions"] == {"active": 2, "current_id": sid(tok)}
    live = get_json(api.sessions, tok)
    assert len(live["data"]) == 2 and live["current_session_id"] == sid(tok)

    assert j["linked_accounts"] == get_json(api.oauth + "/accounts", tok)["data"]
    (ident,) = j["linked_accounts"]
    assert ident["provider"] == "corp" and ident["email"] == u["email"]

    assert j["mfa"] == {"enabled": True, "backup_codes_remaining": 8}
    assert j["mfa"] == get_json(api.mfa + "/totp/status", tok)

    me = get_json(api.auth + "/me", tok)
    assert j["memberships"] == me["memberships"]
    assert j["active_membership"] == me["active_membership"]
    personal, extra = j["memberships"]
    assert personal["role"] == "owner" and personal["id"] == j["active_membership"]
    assert extra == {"id": team_mid, "account_id": team, "role": "member",
                     "account": {"id": team, "name": "Team " + mode,
                                 "avatar_url": "https://example.com/a.png"}}

    assert j["membership"] == get_json(api.membership + "/me", tok)
    assert j["membership"] == {"status": "active", "tier": "pro", "level": 1,
                               "is_member": True, "expires_at": None,
                               "capabilities": ["profile:edit", "cloud:deploy",
                                                "invite:create"]}

    pending = j["pending_invites"]
    assert [i["id"] for i in pending] == [second, first]  # newest first
    for i in pending:
        assert set(i) == INVITE_KEYS, i
        assert set(i["creator"]) == PUBLIC_KEYS, i
        assert i["creator"]["id"] == inviter["id"]
        assert i["creator"]["username"] == inviter["username"]
        assert_recent(i["expires_at"], slack=4000)
        assert_recent(i["created_at"])
    assert (pending[1]["type"], pending[1]["target_id"], pending[1]["role"]) == \
        ("account", team, "member")
    assert (pending[0]["type"], pending[0]["target_id"], pending[0]["role"]) == \
        ("friend", None, None)

    ev = j["recent_events"]
    mine = srv.query("SELECT id, action FROM action_logs WHERE user_id = ?"
                     " ORDER BY id DESC", u["id"])
    assert len(mine) > 10
    assert [(e["id"], e["action"]) for e in ev] == mine[:10]
    actions = [e["action"] for e in ev]
    assert actions.count("sign_in") == 2 and "sign_in_failed" in actions
    assert "session_revoked" in actions and "tier_changed" in actions
    for e in ev:
        assert set(e) == EVENT_KEYS, e
        assert_recent(e["created_at"])
    assert [e["created_at"] for e in ev] == sorted(
        (e["created_at"] for e in ev), reverse=True)
    assert next(e for e in ev if e["action"] == "sign_in")["ip"] == "127.0.0.1"
    # Every row is this user's; the other user's sign-in is not there.
    theirs = {r[0] for r in srv.query(
        "SELECT id FROM action_logs WHERE user_id <> ? OR user_id IS NULL",
        u["id"])}
    assert theirs and not theirs & {e["id"] for e in ev}


def test_a_new_user_has_empty_parts(srv):
    api = Api(srv.base_url, "fcgi")
    u = sign_up(api)
    j = ok(dashboard(api, u["access"]))
    assert j["sessions"] == {"active": 1, "current_id": sid(u["access"])}
    assert j["linked_accounts"] == [] and j["pending_invites"] == []
    assert j["mfa"] == {"enabled": False, "backup_codes_remaining": 0}
    assert j["membership"]["tier"] == "free" and j["membership"]["status"] == "none"
    assert len(j["memberships"]) == 1
    assert j["active_membership"] == j["memberships"][0]["id"]
    assert [e["action"] for e in j["recent_events"]] == ["sign_up"]


def test_an_invite_of_a_disabled_creator_shows_no_creator(srv):
    """Still pending (the invite's own state decides), but a disabled
    user's public profile is shown nowhere (as GET /v1/users/{id})."""
    api = Api(srv.base_url, "fcgi")
    u, inviter = sign_up(api), sign_up(api)
    verify_email(srv, u)
    iid = invite(srv, inviter, u["email"])
    gatehouse(srv, "user", "disable", inviter["id"])
    (i,) = ok(dashboard(api, u["access"]))["pending_invites"]
    assert i["id"] == iid and i["creator"] is None


def test_an_unverified_address_reveals_no_invite(srv):
    api = Api(srv.base_url, "fcgi")
    u, inviter = sign_up(api), sign_up(api)
    invite(srv, inviter, u["email"])
    assert ok(dashboard(api, u["access"]))["pending_invites"] == []
    verify_email(srv, u)
    assert len(ok(dashboard(api, u["access"]))["pending_invites"]) == 1


def test_cookie_session(srv):
    api = Api(srv.base_url, "fcgi")
    u = sign_up(api)
    s = requests.Session()
    r = s.post(api.auth + "/sign-in", timeout=TIMEOUT, json={
        "email": u["email"], "password": u["password"], "cookie": True})
    assert r.status_code == 200, r.text
    j = ok(s.get(api.auth + "/dashboard", timeout=TIMEOUT))
    assert j["user"]["id"] == u["id"] and j["sessions"]["active"] == 2


# -- nothing is written ---------------------------------------------------------

def test_reading_changes_nothing(srv):
    api = Api(srv.base_url, "fcgi")
    u, inviter = sign_up(api), sign_up(api)
    verify_email(srv, u)
    invite(srv, inviter, u["email"])
    link_identity(srv, u)
    # The first authenticated request of a session may write its
    # last_active_at (presence, once a minute, every route alike): done
    # before the snapshot, so what is compared is the dashboard alone.
    ok(dashboard(api, u["access"]))
    before = srv.db_snapshot(TABLES)
    for mode in ("fcgi", "cgi"):
        ok(dashboard(Api(srv.base_url, mode), u["access"]))
    assert srv.db_snapshot(TABLES) == before


# -- refusals -------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["fcgi", "cgi"])
def test_without_a_token_is_401(srv, mode):
    r = dashboard(Api(srv.base_url, mode))
    assert_problem(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_a_bad_token_is_401(srv):
    api = Api(srv.base_url, "fcgi")
    u = sign_up(api)
    assert_problem(dashboard(api, "not.a.token"), 401, "invalid_token")
    assert_problem(dashboard(api, ghlib.flip_char(u["access"], -3)), 401,
                   "invalid_token")


def test_an_expired_token_is_401(fapi, expiring_token):
    tok = expiring_token["token"]
    assert expiring_token["fresh_status"] == 200
    while time.time() < jwt_claims(tok)["exp"] + 1.2:
        time.sleep(0.2)
    assert_problem(dashboard(fapi, tok), 401, "token_expired")


def test_a_revoked_session_is_401(srv):
    api = Api(srv.base_url, "fcgi")
    u = sign_up(api)
    assert api.sign_out(u["access"]).status_code == 204
    assert_problem(dashboard(api, u["access"]), 401, "session_revoked")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_405(srv, method):
    api = Api(srv.base_url, "fcgi")
    u = sign_up(api)
    before = srv.db_snapshot(TABLES)
    r = dashboard(api, u["access"], method=method,
                  headers={"Content-Type": "application/json"})
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET"
    assert srv.db_snapshot(TABLES) == before


# -- every serving mode, and the documents ----------------------------------------

def test_every_serving_mode(api, new_user):
    u = new_user(api)
    j = ok(dashboard(api, u["access"]))
    assert j["user"]["id"] == u["profile"]["id"]
    assert j["sessions"]["current_id"] == sid(u["access"])
    assert j["memberships"] == u["profile"]["memberships"]


def conforms(doc, schema, value, where="$"):
    """value against the document's schema: types, enums, required and no
    other members where additionalProperties is false, $ref, oneOf
    (enough for this route; no validator is installed)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return conforms(doc, doc["components"]["schemas"][name], value, where)
    if "oneOf" in schema:
        fits = 0
        for s in schema["oneOf"]:
            try:
                conforms(doc, s, value, where)
                fits += 1
            except AssertionError:
                pass
        assert fits == 1, "%s: %r fits %d of oneOf" % (where, value, fits)
        return
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types or []
    py = {"object": dict, "array": list, "string": str, "boolean": bool,
          "integer": int, "null": type(None)}
    if types:
        assert any(isinstance(value, py[t]) and not (t == "integer" and
                   isinstance(value, bool)) for t in types), \
            "%s: %r is not %s" % (where, value, types)
    if "enum" in schema:
        assert value in schema["enum"], "%s: %r not in %s" % (where, value, schema["enum"])
    if isinstance(value, dict):
        props = schema.get("properties", {})
        assert set(schema.get("required", [])) <= set(value), (where, value)
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(props), "%s: extra %s" % (where, set(value) - set(props))
        for k, v in value.items():
            if k in props:
                conforms(doc, props[k], v, where + "." + k)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            conforms(doc, schema["items"], v, "%s[%d]" % (where, i))


def test_openapi_describes_the_route(srv):
    doc = requests.get(srv.base_url + "/openapi.json", timeout=TIMEOUT).json()
    op = doc["paths"]["/v1/auth/dashboard"]["get"]
    assert {"200", "401", "403"} <= set(op["responses"])
    schema = doc["components"]["schemas"]["Dashboard"]
    assert set(schema["required"]) == TOP_KEYS == set(schema["properties"])
    # A full answer fits it.
    api = Api(srv.base_url, "fcgi")
    u, inviter = sign_up(api), sign_up(api)
    verify_email(srv, u)
    acct, _ = add_account(srv, u, "Team", "viewer")
    invite(srv, inviter, u["email"], target_id=acct, role="viewer")
    invite(srv, inviter, u["email"], type_="membership", target_id="pro")
    link_identity(srv, u)
    j = ok(dashboard(api, u["access"]))
    assert len(j["pending_invites"]) == 2 and len(j["memberships"]) == 2
    conforms(doc, op["responses"]["200"]["content"]["application/json"]["schema"], j)
    # The memberships are SessionProfile's: accounts, not the tier.
    profile = doc["components"]["schemas"]["SessionProfile"]
    assert profile["properties"]["memberships"]["items"] == \
        schema["properties"]["memberships"]["items"] == \
        {"$ref": "#/components/schemas/AccountMembership"}
    conforms(doc, profile, get_json(api.auth + "/me", u["access"]))
