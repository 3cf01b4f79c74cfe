"""Two-factor authentication (docs/mfa.md) through lighttpd: TOTP codes are
made by Debian's oathtool (a real authenticator implementation, not our
code), including the previous and next 30-second steps and old ones;
backup codes; the two-step sign-in and its mfa_token; bad input."""

import glob
import os
import re
import subprocess
import time

import pytest
import requests

import ghlib
from ghlib import (TIMEOUT, assert_problem, free_port, unique_email,
                   unique_password)

B32 = re.compile(r"^[A-Z2-7]{32}$")
BACKUP = re.compile(r"^[ACDEFGHJKMNPQRTUVWXYZ234679]{4}-[ACDEFGHJKMNPQRTUVWXYZ234679]{4}$")
LOCK_AFTER = 6


@pytest.fixture(scope="module")
def srv(root):
    if not ghlib._which("oathtool"):
        pytest.fail("oathtool is needed (apt-get install oathtool; ./dev "
                    "test installs it)", pytrace=False)
    port = free_port()
    settings = {"public_url": "http://127.0.0.1:%d" % port,
                "email_cooldown": 0, "sign_in_backoff_after": LOCK_AFTER,
                "app_name": "Gatehouse Tests"}
    with ghlib.running_server(root, settings=settings, port=port) as s:
        yield s


def url(srv, path):
    return srv.base_url + path


def totp(secret, at=None, offset=0):
    """The code oathtool computes for time at (now) + offset seconds."""
    t = int(time.time() if at is None else at) + offset
    r = subprocess.run(["oathtool", "--totp", "-b", secret, "-N", "@%d" % t],
                       capture_output=True, text=True, timeout=10, check=True)
    return r.stdout.strip()


def away_from_step_edge():
    """Waits while the 30 s step is about to turn, so that 'now' is the
    same step for oathtool and the server."""
    while time.time() % 30 > 26:
        time.sleep(0.5)


def sign_up(srv):
    email, pw = unique_email("mfa"), unique_password()
    r = requests.post(url(srv, "/v1/auth/sign-up"),
                      json={"email": email, "password": pw}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return {"email": email, "password": pw,
            "access": r.json()["tokens"]["access_token"],
            "refresh": r.json()["tokens"]["refresh_token"],
            "id": r.json()["profile"]["id"]}


def auth(u):
    return {"Authorization": "Bearer " + u["access"]}


def post(srv, path, body=None, u=None, raw=None, headers=None):
    h = dict(auth(u) if u else {})
    h.update(headers or {})
    if raw is not None:
        h.setdefault("Content-Type", "application/json")
        return requests.post(url(srv, path), data=raw, headers=h,
                             timeout=TIMEOUT)
    return requests.post(url(srv, path), json=body, headers=h,
                         timeout=TIMEOUT)


def totp_setup(srv, u):
    r = post(srv, "/v1/mfa/totp/setup", {}, u)
    assert r.status_code == 200, r.text
    return r.json()


def enabled_user(srv):
    """A user with 2FA on: (user, secret, backup codes)."""
    u = sign_up(srv)
    secret = totp_setup(srv, u)["secret"]
    away_from_step_edge()
    r = post(srv, "/v1/mfa/totp/enable", {"code": totp(secret)}, u)
    assert r.status_code == 200, r.text
    return u, secret, r.json()["backup_codes"]


def sign_in(srv, u, **more):
    body = {"email": u["email"], "password": u["password"]}
    body.update(more)
    return requests.post(url(srv, "/v1/auth/sign-in"), json=body,
                         timeout=TIMEOUT)


def challenge(srv, u):
    r = sign_in(srv, u)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mfa_required"] is True, body
    return body["mfa_token"]


def verify(srv, token, **code):
    body = {"mfa_token": token}
    body.update(code)
    return post(srv, "/v1/mfa/totp/verify", body)


def events(srv, user_id):
    return [a for (a,) in srv.query(
        "SELECT action FROM action_logs WHERE user_id = ? ORDER BY rowid",
        user_id)]


def totp_row(srv, user_id):
    return srv.query("SELECT secret, enabled_at, last_step FROM totp "
                     "WHERE user_id = ?", user_id)


# -- setting up ------------------------------------------------------------------

def test_setup_gives_secret_uri_and_qr(srv):
    u = sign_up(srv)
    body = totp_setup(srv, u)
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    assert B32.match(body["secret"])
    assert body["otpauth_uri"] == (
        "otpauth://totp/Gatehouse%%20Tests:%s?secret=%s&issuer=Gatehouse%%20Tests"
        "&algorithm=SHA1&digits=6&period=30"
        % (u["email"].replace("@", "%40"), body["secret"]))
    assert body["qr_svg"].startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    assert body["qr_svg"].count("h1v1h-1z") > 100
    # Stored sealed, pending.
    (secret, enabled_at, _), = totp_row(srv, u["id"])
    assert secret.startswith("sealed:") and body["secret"] not in secret
    assert enabled_at is None
    r = requests.get(url(srv, "/v1/mfa/totp/status"), headers=auth(u),
                     timeout=TIMEOUT)
    assert r.json() == {"enabled": False, "backup_codes_remaining": 0}
    assert "mfa_setup" in events(srv, u["id"])


def test_pending_secret_does_not_ask_for_a_code(srv):
    u = sign_up(srv)
    totp_setup(srv, u)
    r = sign_in(srv, u)
    assert r.status_code == 200 and "tokens" in r.json()


def test_a_new_setup_replaces_a_pending_one(srv):
    u = sign_up(srv)
    first = totp_setup(srv, u)["secret"]
    second = totp_setup(srv, u)["secret"]
    assert first != second
    away_from_step_edge()
    r = post(srv, "/v1/mfa/totp/enable", {"code": totp(first)}, u)
    assert_problem(r, 400, "invalid_code")
    r = post(srv, "/v1/mfa/totp/enable", {"code": totp(second)}, u)
    assert r.status_code == 200, r.text


def test_enable_with_an_authenticator_code(srv):
    u = sign_up(srv)
    other = requests.post(url(srv, "/v1/auth/sign-in"),
                          json={"email": u["email"], "password": u["password"]},
                          timeout=TIMEOUT).json()["tokens"]
    secret = totp_setup(srv, u)["secret"]
    away_from_step_edge()
    with_wrong = post(srv, "/v1/mfa/totp/enable", {"code": "000000"
                      if totp(secret) != "000000" else "111111"}, u)
    assert_problem(with_wrong, 400, "invalid_code")
    r = post(srv, "/v1/mfa/totp/enable", {"code": totp(secret)}, u)
    assert r.status_code == 200, r.text
    codes = r.json()["backup_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(BACKUP.match(c) for c in codes), codes
    st = requests.get(url(srv, "/v1/mfa/totp/status"), headers=auth(u),
                      timeout=TIMEOUT).json()
    assert st == {"enabled": True, "backup_codes_remaining": 10}
    me = requests.get(url(srv, "/v1/auth/me"), headers=auth(u), timeout=TIMEOUT)
    assert me.json()["mfa_enabled"] is True
    # The other session ended; this one goes on.
    r = requests.get(url(srv, "/v1/auth/me"),
                     headers={"Authorization": "Bearer " + other["access_token"]},
                     timeout=TIMEOUT)
    assert_problem(r, 401, "session_revoked")
    r = requests.post(url(srv, "/v1/auth/refresh"),
                      json={"refresh_token": other["refresh_token"]},
                      timeout=TIMEOUT)
    assert r.status_code == 401
    # Stored as keyed hashes only.
    stored = srv.query("SELECT code_hash FROM backup_codes WHERE user_id = ?",
                       u["id"])
    assert len(stored) == 10
    assert all(c.encode() not in h for (h,) in stored for c in codes)
    ev = events(srv, u["id"])
    assert "mfa_enabled" in ev and "sessions_revoked_others" in ev
    # Enabled: neither a new setup nor a second enable.
    assert_problem(post(srv, "/v1/mfa/totp/setup", {}, u), 409, "mfa_enabled")
    assert_problem(post(srv, "/v1/mfa/totp/enable", {"code": totp(secret)}, u),
                   409, "mfa_enabled")


def test_enable_without_setup(srv):
    u = sign_up(srv)
    assert_problem(post(srv, "/v1/mfa/totp/enable", {"code": "123456"}, u),
                   409, "mfa_not_set_up")


# -- two-step sign-in ---------------------------------------------------------------

def test_sign_in_asks_for_the_second_factor(srv):
    u, secret, _ = enabled_user(srv)
    r = sign_in(srv, u)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"mfa_required", "mfa_token", "methods"}
    assert body["methods"] == ["totp", "backup_code"]
    assert len(body["mfa_token"]) == 43
    # No session was started by the password alone.
    n = srv.query("SELECT count(*) FROM sessions WHERE user_id = ? AND "
                  "revoked_at IS NULL", u["id"])[0][0]
    away_from_step_edge()
    r = verify(srv, body["mfa_token"], code=totp(secret, offset=30))
    assert r.status_code == 200, r.text
    out = r.json()
    ghlib.check_tokens(out["tokens"])
    assert ghlib.jwt_claims(out["tokens"]["access_token"])["amr"] == \
        ["pwd", "otp", "mfa"]
    assert out["profile"]["mfa_enabled"] is True
    assert srv.query("SELECT count(*) FROM sessions WHERE user_id = ? AND "
                     "revoked_at IS NULL", u["id"])[0][0] == n + 1
    # The token works; the same mfa_token again (stolen, replayed): refused.
    me = requests.get(url(srv, "/v1/auth/me"), timeout=TIMEOUT, headers={
        "Authorization": "Bearer " + out["tokens"]["access_token"]})
    assert me.status_code == 200
    r = verify(srv, body["mfa_token"], code=totp(secret, offset=30))
    assert_problem(r, 401, "invalid_token")


def test_previous_next_and_old_steps(srv):
    """±1 step of drift; a code counts once, and no older step after a
    newer one; two steps back is too old."""
    u, secret, _ = enabled_user(srv)
    away_from_step_edge()
    now = time.time()
    # Enabling used the current step: the previous one is older now.
    assert_problem(verify(srv, challenge(srv, u), code=totp(secret, now, -30)),
                   400, "invalid_code")
    r = verify(srv, challenge(srv, u), code=totp(secret, now, +30))
    assert r.status_code == 200, r.text
    # The current step is below the next one, already used.
    assert_problem(verify(srv, challenge(srv, u), code=totp(secret, now)),
                   400, "invalid_code")
    assert_problem(verify(srv, challenge(srv, u),
                          code=totp(secret, now, +30)), 400, "invalid_code")
    assert_problem(verify(srv, challenge(srv, u),
                          code=totp(secret, now, -60)), 400, "invalid_code")
    assert_problem(verify(srv, challenge(srv, u),
                          code=totp(secret, now, +90)), 400, "invalid_code")


def test_previous_step_is_accepted_on_a_fresh_secret(srv):
    u = sign_up(srv)
    secret = totp_setup(srv, u)["secret"]
    away_from_step_edge()
    r = post(srv, "/v1/mfa/totp/enable", {"code": totp(secret, offset=-30)}, u)
    assert r.status_code == 200, r.text
    # And the current one after it.
    r = verify(srv, challenge(srv, u), code=totp(secret))
    assert r.status_code == 200, r.text


def test_backup_code_works_once(srv):
    u, _, codes = enabled_user(srv)
    r = verify(srv, challenge(srv, u), backup_code=codes[3].lower())
    assert r.status_code == 200, r.text
    assert ghlib.jwt_claims(r.json()["tokens"]["access_token"])["amr"] == \
        ["pwd", "backup_code", "mfa"]
    assert_problem(verify(srv, challenge(srv, u), backup_code=codes[3]),
                   400, "invalid_code")
    st = requests.get(url(srv, "/v1/mfa/totp/status"), headers=auth(u),
                      timeout=TIMEOUT).json()
    assert st["backup_codes_remaining"] == 9
    # Without the dash it is the same code.
    r = verify(srv, challenge(srv, u), backup_code=codes[4].replace("-", ""))
    assert r.status_code == 200, r.text


def test_mfa_token_is_void_after_five_wrong_codes(srv):
    u, secret, _ = enabled_user(srv)
    token = challenge(srv, u)
    away_from_step_edge()
    good = totp(secret, offset=30)
    for i in range(5):
        bad = "%06d" % ((int(good) + 1 + i) % 1000000)
        assert_problem(verify(srv, token, code=bad), 400, "invalid_code")
    assert_problem(verify(srv, token, code=good), 401, "invalid_token")
    assert events(srv, u["id"]).count("mfa_failed") == 5


def test_wrong_codes_lock_the_second_factor(srv):
    u, secret, _ = enabled_user(srv)
    away_from_step_edge()
    good = totp(secret, offset=30)
    for i in range(LOCK_AFTER):
        token = challenge(srv, u)
        bad = "%06d" % ((int(good) + 7 + i) % 1000000)
        assert_problem(verify(srv, token, code=bad), 400, "invalid_code")
    r = verify(srv, challenge(srv, u), code=good)
    assert_problem(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0


def test_cookie_mode_second_step_sets_the_cookie(srv):
    u, secret, _ = enabled_user(srv)
    r = sign_in(srv, u, cookie=True)
    assert r.json()["mfa_required"] is True
    assert ghlib.set_cookie(r, "gh_session") == ""
    s = requests.Session()
    away_from_step_edge()
    r = s.post(url(srv, "/v1/mfa/totp/verify"),
               json={"mfa_token": r.json()["mfa_token"],
                     "code": totp(secret, offset=30)}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert "csrf_token" in r.json() and "tokens" not in r.json()
    assert ghlib.set_cookie(r, "gh_session").startswith("__Host-gh_session=")


def test_email_code_sign_in_also_asks(srv):
    u, secret, _ = enabled_user(srv)
    mail_dir = os.path.join(srv.data_dir, "mail")
    before = set(glob.glob(mail_dir + "/*.eml"))
    r = requests.post(url(srv, "/v1/auth/email-code/start"),
                      json={"email": u["email"]}, timeout=TIMEOUT)
    assert r.status_code == 204
    code = None
    for _ in range(50):
        new = set(glob.glob(mail_dir + "/*.eml")) - before
        for path in new:
            with open(path, errors="replace") as f:
                m = re.search(r"\b(\d{6})\b", f.read())
            if m:
                code = m.group(1)
        if code:
            break
        time.sleep(0.1)
    assert code, "no email with a code"
    r = requests.post(url(srv, "/v1/auth/email-code/verify"),
                      json={"email": u["email"], "code": code}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["mfa_required"] is True
    away_from_step_edge()
    r = verify(srv, r.json()["mfa_token"], code=totp(secret, offset=30))
    assert r.status_code == 200, r.text
    assert ghlib.jwt_claims(r.json()["tokens"]["access_token"])["amr"] == \
        ["otp", "mfa"]


# -- turning it off, new backup codes -----------------------------------------------

def test_disable_with_the_password(srv):
    u, _, _ = enabled_user(srv)
    r = post(srv, "/v1/mfa/totp/disable", {"password": "wrong" + u["password"]},
             u)
    assert_problem(r, 401, "invalid_credentials")
    assert requests.get(url(srv, "/v1/mfa/totp/status"), headers=auth(u),
                        timeout=TIMEOUT).json()["enabled"] is True
    r = post(srv, "/v1/mfa/totp/disable", {"password": u["password"]}, u)
    assert r.status_code == 204, r.text
    assert totp_row(srv, u["id"]) == []
    assert srv.query("SELECT count(*) FROM backup_codes WHERE user_id = ?",
                     u["id"]) == [(0,)]
    r = sign_in(srv, u)
    assert "tokens" in r.json()
    assert "mfa_disabled" in events(srv, u["id"])
    assert_problem(post(srv, "/v1/mfa/totp/disable", {"password": u["password"]},
                        u), 409, "mfa_not_enabled")


def test_disable_with_a_code_ends_other_sessions(srv):
    u, secret, codes = enabled_user(srv)
    other = verify(srv, challenge(srv, u), backup_code=codes[0]).json()
    away_from_step_edge()
    # Enabling used this step: its code does not count twice.
    r = post(srv, "/v1/mfa/totp/disable", {"code": totp(secret)}, u)
    assert_problem(r, 400, "invalid_code")
    r = post(srv, "/v1/mfa/totp/disable", {"code": totp(secret, offset=30)}, u)
    assert r.status_code == 204, r.text
    r = requests.get(url(srv, "/v1/auth/me"), timeout=TIMEOUT, headers={
        "Authorization": "Bearer " + other["tokens"]["access_token"]})
    assert_problem(r, 401, "session_revoked")
    assert requests.get(url(srv, "/v1/auth/me"), headers=auth(u),
                        timeout=TIMEOUT).status_code == 200


def test_regenerate_backup_codes(srv):
    u, secret, old = enabled_user(srv)
    away_from_step_edge()
    r = post(srv, "/v1/mfa/totp/backup-codes/regenerate",
             {"code": totp(secret, offset=30)}, u)
    assert r.status_code == 200, r.text
    new = r.json()["backup_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert_problem(verify(srv, challenge(srv, u), backup_code=old[0]), 400,
                   "invalid_code")
    assert verify(srv, challenge(srv, u), backup_code=new[0]).status_code == 200
    assert "mfa_backup_codes_regenerated" in events(srv, u["id"])
    r = post(srv, "/v1/mfa/totp/backup-codes/regenerate", {"code": "123456"},
             sign_up(srv))
    assert_problem(r, 400, "invalid_code")


# -- bad input --------------------------------------------------------------------

AUTHED = ["/v1/mfa/totp/setup", "/v1/mfa/totp/enable", "/v1/mfa/totp/disable",
          "/v1/mfa/totp/backup-codes/regenerate"]


@pytest.mark.parametrize("path", AUTHED)
def test_routes_need_a_session(srv, path):
    assert_problem(post(srv, path, {"code": "123456"}), 401, "unauthorized")


def test_status_needs_a_session(srv):
    r = requests.get(url(srv, "/v1/mfa/totp/status"), timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")


@pytest.mark.parametrize("body", [
    {}, {"code": 123456}, {"code": "12345"}, {"code": "1234567"},
    {"code": "12345a"}, {"code": "123456", "extra": 1}, {"code": None},
])
def test_enable_bad_bodies(srv, body):
    u = sign_up(srv)
    totp_setup(srv, u)
    before = srv.db_snapshot(("totp", "backup_codes", "sessions"))
    r = post(srv, "/v1/mfa/totp/enable", body, u)
    assert_problem(r, 400, "validation_failed")
    assert srv.db_snapshot(("totp", "backup_codes", "sessions")) == before


@pytest.mark.parametrize("body", [
    {"mfa_token": "x" * 43},
    {"mfa_token": "x" * 43, "code": "123456", "backup_code": "ABCD-EFGH"},
    {"code": "123456"}, {"mfa_token": 5, "code": "123456"},
    {"mfa_token": "x" * 43, "code": "123456", "more": True},
    {"mfa_token": "x" * 43, "backup_code": "A" * 20},
])
def test_verify_bad_bodies(srv, body):
    assert_problem(post(srv, "/v1/mfa/totp/verify", body), 400,
                   "validation_failed")


@pytest.mark.parametrize("token", ["x" * 43, "short", "A" * 128])
def test_verify_unknown_token(srv, token):
    assert_problem(verify(srv, token, code="123456"), 401, "invalid_token")


def test_disable_needs_one_of_code_or_password(srv):
    u, _, _ = enabled_user(srv)
    for body in ({}, {"code": "123456", "password": u["password"]}):
        assert_problem(post(srv, "/v1/mfa/totp/disable", body, u), 400,
                       "validation_failed")


@pytest.mark.parametrize("path", AUTHED + ["/v1/mfa/totp/verify"])
def test_malformed_json_and_wrong_type(srv, path):
    u = sign_up(srv)
    assert_problem(post(srv, path, raw=b'{"code": ', u=u), 400,
                   "malformed_json")
    r = post(srv, path, raw=b"code=123456", u=u,
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415, "unsupported_media_type")
    r = requests.get(url(srv, path), headers=auth(u), timeout=TIMEOUT)
    assert_problem(r, 405, "method_not_allowed")


def test_mfa_routes_as_plain_cgi(srv):
    u = sign_up(srv)
    r = requests.get(url(srv, "/cgi-bin/mfa.fcgi/totp/status"),
                     headers=auth(u), timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["enabled"] is False


# -- the hosted pages ------------------------------------------------------------

def test_hosted_sign_in_asks_for_the_code(srv):
    u, secret, codes = enabled_user(srv)
    s = requests.Session()
    r = s.post(url(srv, "/ui/sign-in"), data={
        "email": u["email"], "password": u["password"],
        "return_to": "/ui/me"}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert "<h1>Two-step verification</h1>" in r.text
    assert ghlib.set_cookie(r, "gh_session") == ""
    token = re.search(r'name="mfa_token" value="([A-Za-z0-9_-]{43})"',
                      r.text).group(1)
    assert 'name="return_to" value="/ui/me"' in r.text
    # A wrong code: the same page again, with the reason.
    r = s.post(url(srv, "/ui/mfa"), data={"mfa_token": token, "code": "000000"
               if totp(secret) != "000000" else "111111",
               "return_to": "/ui/me"}, allow_redirects=False,
               timeout=TIMEOUT)
    assert r.status_code == 400 and 'role="alert"' in r.text
    assert "Two-step verification" in r.text
    away_from_step_edge()
    r = s.post(url(srv, "/ui/mfa"), data={"mfa_token": token,
               "code": totp(secret, offset=30), "return_to": "/ui/me"},
               allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"] == "/ui/me"
    assert ghlib.set_cookie(r, "gh_session").startswith("__Host-gh_session=")
    # A backup code works on the page too; a used token does not.
    r = s.post(url(srv, "/ui/mfa"), data={"mfa_token": token,
               "code": codes[0]}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and "Sign in again" in r.text
