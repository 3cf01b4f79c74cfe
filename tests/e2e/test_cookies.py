"""Cookie mode: browser sessions with an HttpOnly session cookie, CSRF
tokens on cookie-authenticated writes, the Origin check, and the
authorizer reading the cookie.

A sibling lighttpd on the same data directory runs with cookie_secure = 0
(plain http on 127.0.0.1, as in development) so the client can send the
cookie back; another with cookie_secure = 1 shows the production cookie.
"""

import secrets

import pytest
import requests

from ghlib import (TIMEOUT, Api, assert_problem, set_cookie, unique_email,
                   unique_password)

NAME = "gh_session"


@pytest.fixture(scope="module")
def plain(sibling, server):
    return sibling(cookie_secure=0, issuer=server.issuer)


@pytest.fixture
def browser(plain):
    """A signed-up user with a cookie session: (session, csrf, body)."""
    s = requests.Session()
    body = {"email": unique_email("cookie"), "password": unique_password(),
            "cookie": True}
    r = s.post(plain.base_url + "/v1/auth/sign-up", json=body, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return s, r.json()["csrf_token"], body, r


def url(srv, path):
    return srv.base_url + path


def test_sign_up_sets_http_only_cookie_and_no_tokens(browser):
    _, csrf, _, r = browser
    sc = set_cookie(r, NAME)
    assert sc.startswith(NAME + "="), sc
    for attr in ("Path=/", "HttpOnly", "SameSite=Lax", "Max-Age="):
        assert attr in sc, sc
    assert "Secure" not in sc  # cookie_secure = 0
    assert "tokens" not in r.json()
    assert len(csrf) == 43
    assert r.json()["profile"]["credentials"][0]["email"]


def test_cookie_value_is_opaque_and_small(browser):
    s, _, _, _ = browser
    v = s.cookies.get(NAME)
    assert len(v) == 43 and "." not in v


def test_secure_cookie_name_in_production(sibling, server):
    srv = sibling(cookie_secure=1, issuer=server.issuer)
    r = requests.post(url(srv, "/v1/auth/sign-up"), timeout=TIMEOUT, json={
        "email": unique_email("secure"), "password": unique_password(),
        "cookie": True})
    assert r.status_code == 201, r.text
    sc = set_cookie(r, "gh_session")
    assert sc.startswith("__Host-gh_session="), sc
    assert "; Secure" in sc and "Path=/" in sc and "Domain" not in sc


def test_sign_in_with_cookie(plain):
    body = {"email": unique_email("cookie-in"), "password": unique_password()}
    a = Api(plain.base_url, "fcgi")
    assert a.sign_up(body).status_code == 201
    s = requests.Session()
    r = s.post(url(plain, "/v1/auth/sign-in"), json=dict(body, cookie=True),
               timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert s.cookies.get(NAME)
    assert s.get(url(plain, "/v1/auth/me"), timeout=TIMEOUT).status_code == 200


def test_me_with_cookie(browser, plain):
    s, _, body, _ = browser
    r = s.get(url(plain, "/v1/auth/me"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["credentials"][0]["email"] == body["email"]


def test_csrf_token_route_matches(browser, plain):
    s, csrf, _, _ = browser
    r = s.get(url(plain, "/v1/auth/csrf-token"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json() == {"csrf_token": csrf}


def test_csrf_token_route_needs_a_session(plain):
    r = requests.get(url(plain, "/v1/auth/csrf-token"), timeout=TIMEOUT)
    assert_problem(r, 401, "unauthorized")


def test_write_without_csrf_header_is_403(browser, plain, db_unchanged):
    s, _, _, _ = browser
    with db_unchanged():
        r = s.patch(url(plain, "/v1/auth/me"), json={"display_name": "x"},
                    timeout=TIMEOUT)
    assert_problem(r, 403, "csrf_failed")


def test_write_with_wrong_csrf_is_403(browser, plain, db_unchanged):
    s, csrf, _, _ = browser
    wrong = ("A" if csrf[0] != "A" else "B") + csrf[1:]
    with db_unchanged():
        r = s.patch(url(plain, "/v1/auth/me"), json={"display_name": "x"},
                    headers={"X-CSRF-Token": wrong}, timeout=TIMEOUT)
    assert_problem(r, 403, "csrf_failed")


def test_csrf_of_another_session_is_refused(browser, plain, db_unchanged):
    s, _, _, _ = browser
    other = requests.post(url(plain, "/v1/auth/sign-up"), timeout=TIMEOUT, json={
        "email": unique_email("other"), "password": unique_password(),
        "cookie": True}).json()["csrf_token"]
    with db_unchanged():
        r = s.patch(url(plain, "/v1/auth/me"), json={"display_name": "x"},
                    headers={"X-CSRF-Token": other}, timeout=TIMEOUT)
    assert_problem(r, 403, "csrf_failed")


def test_write_from_other_origin_is_403(browser, plain, db_unchanged):
    s, csrf, _, _ = browser
    for h in ({"Origin": "https://evil.example"}, {"Origin": "null"},
              {"Referer": "https://evil.example/page"}):
        with db_unchanged():
            r = s.patch(url(plain, "/v1/auth/me"), json={"display_name": "x"},
                        headers=dict(h, **{"X-CSRF-Token": csrf}),
                        timeout=TIMEOUT)
        assert_problem(r, 403, "origin_mismatch")


def test_write_with_csrf_and_same_origin(browser, plain):
    s, csrf, _, _ = browser
    r = s.patch(url(plain, "/v1/auth/me"), json={"display_name": "Cookie"},
                headers={"X-CSRF-Token": csrf, "Origin": plain.base_url},
                timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == "Cookie"


def test_bearer_writes_need_no_csrf(new_user, fapi):
    u = new_user()
    r = fapi.patch_me(u["access"], {"display_name": "Bearer"})
    assert r.status_code == 200, r.text


def test_forged_cookie_is_401(plain):
    for v in ("A" * 43, "short", "x" * 43 + "!", "A" * 6000):
        r = requests.get(url(plain, "/v1/auth/me"), timeout=TIMEOUT,
                         headers={"Cookie": "%s=%s" % (NAME, v)})
        assert_problem(r, 401, "invalid_token")


def test_sign_out_clears_cookie_and_ends_session(browser, plain):
    s, csrf, _, _ = browser
    old = s.cookies.get(NAME)
    r = s.post(url(plain, "/v1/auth/sign-out"), headers={"X-CSRF-Token": csrf},
               timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    sc = set_cookie(r, NAME)
    assert sc.startswith(NAME + "=;") and "Max-Age=0" in sc, sc
    r = requests.get(url(plain, "/v1/auth/me"), timeout=TIMEOUT,
                     headers={"Cookie": "%s=%s" % (NAME, old)})
    assert_problem(r, 401, "session_revoked")


def test_sign_out_by_cookie_needs_csrf(browser, plain):
    s, _, _, _ = browser
    r = s.post(url(plain, "/v1/auth/sign-out"), timeout=TIMEOUT)
    assert_problem(r, 403, "csrf_failed")
    assert s.get(url(plain, "/v1/auth/me"), timeout=TIMEOUT).status_code == 200


def test_authorizer_accepts_the_cookie(browser, plain):
    s, _, body, _ = browser
    r = s.get(url(plain, "/private/whoami.cgi"), timeout=TIMEOUT,
              allow_redirects=False)
    assert r.status_code == 200, r.text
    assert "GATEHOUSE_EMAIL=%s" % body["email"] in r.text


def test_authorizer_locks_after_cookie_sign_out(browser, plain):
    s, csrf, _, _ = browser
    old = s.cookies.get(NAME)
    assert s.post(url(plain, "/v1/auth/sign-out"), timeout=TIMEOUT,
                  headers={"X-CSRF-Token": csrf}).status_code == 204
    r = requests.get(url(plain, "/private/secret.txt"), timeout=TIMEOUT,
                     allow_redirects=False,
                     headers={"Cookie": "%s=%s" % (NAME, old)})
    assert_problem(r, 401, "session_revoked")


def test_authorizer_sends_browser_with_bad_cookie_to_sign_in(plain):
    r = requests.get(url(plain, "/private/secret.txt"), timeout=TIMEOUT,
                     allow_redirects=False,
                     headers={"Cookie": NAME + "=" + "A" * 43,
                              "Accept": "text/html"})
    assert r.status_code == 302, r.text
    assert r.headers["Location"].startswith("/ui/sign-in?return_to=")


def test_expired_cookie_is_401(browser, plain):
    import sqlite3
    import time
    s, _, _, r = browser
    user_id = r.json()["profile"]["id"]
    con = sqlite3.connect(plain.db_path)
    # A session older than refresh_ttl (30 days by default).
    con.execute("UPDATE sessions SET created_at = ? WHERE user_id = ?",
                (int(time.time()) - 31 * 86400, user_id))
    con.commit()
    con.close()
    assert_problem(s.get(url(plain, "/v1/auth/me"), timeout=TIMEOUT),
                   401, "token_expired")
    r = s.get(url(plain, "/private/secret.txt"), timeout=TIMEOUT,
              allow_redirects=False)
    assert_problem(r, 401, "token_expired")


# The authorizer keeps the cookies it has checked while the database is
# unchanged (lib/serve.c). These warm every authz.fcgi process first, so a
# stale entry would answer 200 below.
WARM = 12


def warm(s, plain):
    for _ in range(WARM):
        r = s.get(url(plain, "/private/secret.txt"), timeout=TIMEOUT,
                  allow_redirects=False)
        assert r.status_code == 200, r.text


def each(s, plain, n=WARM):
    return [s.get(url(plain, "/private/secret.txt"), timeout=TIMEOUT,
                  allow_redirects=False) for _ in range(n)]


def db_write(plain, sql, *args):
    import sqlite3
    con = sqlite3.connect(plain.db_path)
    con.execute(sql, args)
    con.commit()
    con.close()


def test_warm_authorizer_locks_after_sign_out(browser, plain):
    s, csrf, _, _ = browser
    warm(s, plain)
    old = s.cookies.get(NAME)
    assert s.post(url(plain, "/v1/auth/sign-out"), timeout=TIMEOUT,
                  headers={"X-CSRF-Token": csrf}).status_code == 204
    s.cookies.set(NAME, old)
    for r in each(s, plain):
        assert_problem(r, 401, "session_revoked")


@pytest.mark.parametrize("sql, status, code", [
    ("UPDATE sessions SET revoked_at = 1 WHERE user_id = ?",
     401, "session_revoked"),
    ("UPDATE users SET status = 'disabled' WHERE id = ?",
     403, "account_disabled"),
], ids=["revoked", "disabled"])
def test_warm_authorizer_sees_changes_made_elsewhere(browser, plain, sql,
                                                     status, code):
    s, _, _, r = browser
    warm(s, plain)
    db_write(plain, sql, r.json()["profile"]["id"])
    for r in each(s, plain):
        assert_problem(r, status, code)


def test_warm_authorizer_sees_username_change(browser, plain):
    s, csrf, _, _ = browser
    warm(s, plain)
    name = "renamed_" + secrets.token_hex(4)
    r = s.patch(url(plain, "/v1/auth/me"), json={"username": name},
                timeout=TIMEOUT, headers={"X-CSRF-Token": csrf,
                                          "Origin": plain.base_url})
    assert r.status_code == 200, r.text
    for _ in range(WARM):
        r = s.get(url(plain, "/private/whoami.cgi"), timeout=TIMEOUT,
                  allow_redirects=False)
        assert r.status_code == 200, r.text
        assert "GATEHOUSE_USERNAME=%s" % name in r.text, r.text


def test_warm_authorizer_keeps_users_apart(plain):
    users = []
    for _ in range(3):
        s = requests.Session()
        body = {"email": unique_email("apart"), "password": unique_password(),
                "cookie": True}
        r = s.post(plain.base_url + "/v1/auth/sign-up", json=body,
                   timeout=TIMEOUT)
        assert r.status_code == 201, r.text
        users.append((s, body["email"]))
    for _ in range(4):
        for s, email in users:
            r = s.get(url(plain, "/private/whoami.cgi"), timeout=TIMEOUT,
                      allow_redirects=False)
            assert r.status_code == 200, r.text
            assert "GATEHOUSE_EMAIL=%s\n" % email in r.text, r.text
