"""The FastCGI authorizer (authz.fcgi) under lighttpd: /private/ is a
protected directory with a static file and a CGI script (tests/e2e/site).
"""

import sqlite3
import urllib.parse

import requests

from ghlib import TIMEOUT, assert_problem, flip_char, jwt_split, \
    b64url_json

SECRET = "/private/secret.txt"
WHOAMI = "/private/whoami.cgi"


def get(server, path, token=None, headers=None):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    return requests.get(server.base_url + path, headers=h, timeout=TIMEOUT,
                        allow_redirects=False)


def env_of(r):
    return dict(line.split("=", 1) for line in r.text.splitlines() if "=" in line)


def assert_bearer_challenge(r, error=None):
    h = r.headers.get("WWW-Authenticate", "")
    assert h.startswith("Bearer "), h
    assert 'realm="gatehouse"' in h, h
    if error:
        assert 'error="%s"' % error in h, h
    else:
        assert "error=" not in h, h


def test_no_token_is_401_with_challenge(server):
    r = get(server, SECRET)
    assert_problem(r, 401, "unauthorized")
    assert_bearer_challenge(r)
    assert "the protected file" not in r.text


def test_valid_token_serves_static_file(server, user):
    r = get(server, SECRET, user["access"])
    assert r.status_code == 200, r.text
    assert r.text == "the protected file\n"


def test_cgi_sees_user_as_remote_user_and_variables(server, user):
    r = get(server, WHOAMI, user["access"])
    assert r.status_code == 200, r.text
    env = env_of(r)
    assert env["REMOTE_USER"] == user["username"]
    assert env["GATEHOUSE_USERNAME"] == user["username"]
    assert env["GATEHOUSE_USER_ID"] == user["profile"]["id"]
    assert env["GATEHOUSE_EMAIL"] == user["email"]
    assert env["GATEHOUSE_ROLES"] == "owner"


def test_no_authorizer_headers_leak_to_client(server, user):
    r = get(server, SECRET, user["access"])
    assert r.status_code == 200
    assert not any(k.lower().startswith("variable-") for k in r.headers), r.headers


def test_sign_out_locks_at_once(server, user, fapi):
    assert get(server, SECRET, user["access"]).status_code == 200
    assert fapi.sign_out(user["access"]).status_code == 204
    r = get(server, SECRET, user["access"])
    assert_problem(r, 401, "session_revoked")
    assert_bearer_challenge(r, "invalid_token")


def test_token_reuse_revocation_locks(server, user, fapi):
    first = fapi.refresh(user["refresh"])
    assert first.status_code == 200, first.text
    new_access = first.json()["access_token"]
    assert get(server, SECRET, new_access).status_code == 200
    # Revoke the session the way reuse detection does: by the database.
    con = sqlite3.connect(server.db_path)
    con.execute("UPDATE sessions SET revoked_at = 1 WHERE user_id = ?",
                (user["profile"]["id"],))
    con.commit()
    con.close()
    assert_problem(get(server, SECRET, new_access), 401, "session_revoked")


def test_forged_signature_is_401(server, user):
    h, p, s = jwt_split(user["access"])
    forged = "%s.%s.%s" % (h, p, flip_char(s, 5))
    r = get(server, WHOAMI, forged)
    assert_problem(r, 401, "invalid_token")
    assert_bearer_challenge(r, "invalid_token")


def test_alg_none_is_401(server, user):
    _, p, _ = jwt_split(user["access"])
    none = b64url_json({"alg": "none", "typ": "JWT"}) + "." + p + "."
    assert_problem(get(server, WHOAMI, none), 401, "invalid_token")


def test_garbage_and_huge_tokens_are_401(server):
    assert_problem(get(server, SECRET, "garbage"), 401, "invalid_token")
    assert_problem(get(server, SECRET, "a" * 6000), 401, "invalid_token")


def test_refresh_token_is_not_an_access_token(server, user):
    assert_problem(get(server, SECRET, user["refresh"]), 401, "invalid_token")


def test_disabled_user_is_403(server, new_user):
    u = new_user()
    con = sqlite3.connect(server.db_path)
    con.execute("UPDATE users SET status = 'disabled' WHERE id = ?",
                (u["profile"]["id"],))
    con.commit()
    con.close()
    assert_problem(get(server, SECRET, u["access"]), 403, "account_disabled")


def test_browser_is_sent_to_sign_in_with_return_address(server):
    r = get(server, WHOAMI + "?a=1&b=two%20words",
            headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 302, r.text
    loc = urllib.parse.urlsplit(r.headers["Location"])
    assert loc.scheme == "" and loc.netloc == "", loc
    assert loc.path == "/ui/sign-in"
    q = urllib.parse.parse_qs(loc.query)
    assert q["return_to"] == ["/private/whoami.cgi?a=1&b=two%20words"]
    assert r.headers.get("Cache-Control") == "no-store"


def test_browser_with_bad_token_gets_401_not_redirect(server):
    r = get(server, SECRET, "garbage", headers={"Accept": "text/html"})
    assert_problem(r, 401, "invalid_token")


def test_api_client_without_token_gets_401_not_redirect(server):
    r = get(server, SECRET, headers={"Accept": "application/json"})
    assert_problem(r, 401, "unauthorized")


def test_unprotected_paths_need_no_token(server):
    r = requests.get(server.base_url + "/health", timeout=TIMEOUT)
    assert r.status_code == 200
