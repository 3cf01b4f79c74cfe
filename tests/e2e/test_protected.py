"""A protected directory behind authz.fcgi under Apache (mod_authnz_fcgi,
apache-conf/proxy-fcgi.conf.in) and nginx (auth_request,
nginx-conf/nginx.conf.in): tests/e2e/site/private/ served at /private/,
secret.txt static and whoami.cgi a CGI script printing what the authorizer
handed it (docs/authorizer.md, docs/deploy-apache.md, docs/deploy-nginx.md).
lighttpd's authorizer set-up is tested in test_authz.py."""

import urllib.parse

import pytest
import requests

from ghlib import TIMEOUT

SECRET = "the protected file\n"


@pytest.fixture(scope="session", params=["apache-proxy", "nginx"])
def site(request, fronts):
    """The /private/ URL of one Apache/nginx instance."""
    front = fronts(request.param)
    assert front.private_url, "%s has no protected directory" % request.param
    return front.private_url


def bearer(token):
    return {"Authorization": "Bearer " + token}


def whoami(r):
    assert r.status_code == 200, r.text[:300]
    out = {}
    for line in r.text.splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


def assert_refused(r, invalid_token):
    # The status and WWW-Authenticate carry the meaning: Apache sends the
    # authorizer's body as text/html, nginx sends its own body
    # (FASTCGI.md §4.4, §6.2).
    assert r.status_code == 401, "%d %s" % (r.status_code, r.text[:300])
    wa = r.headers.get("WWW-Authenticate", "")
    assert wa.startswith("Bearer"), "WWW-Authenticate: %r" % wa
    assert 'realm="gatehouse"' in wa, wa
    assert ('error="invalid_token"' in wa) == invalid_token, wa
    assert SECRET not in r.text and "GATEHOUSE_USER_ID" not in r.text


@pytest.mark.parametrize("path", ["secret.txt", "whoami.cgi"])
def test_no_token_is_401_bearer(site, path):
    assert_refused(requests.get(site + path, timeout=TIMEOUT), invalid_token=False)


@pytest.mark.parametrize("path", ["secret.txt", "whoami.cgi"])
def test_garbage_token_is_401_invalid_token(site, path):
    r = requests.get(site + path, headers=bearer("not.a.token"), timeout=TIMEOUT)
    assert_refused(r, invalid_token=True)


def test_valid_token_gets_static_file(site, user):
    r = requests.get(site + "secret.txt", headers=bearer(user["access"]), timeout=TIMEOUT)
    assert r.status_code == 200, r.text[:300]
    assert r.text == SECRET


def test_whoami_sees_user(site, user):
    env = whoami(requests.get(site + "whoami.cgi", headers=bearer(user["access"]),
                              timeout=TIMEOUT))
    p = user["profile"]
    assert env["REMOTE_USER"] == user["username"], env
    assert env["GATEHOUSE_USERNAME"] == user["username"], env
    assert env["GATEHOUSE_USER_ID"] == p["id"], env
    assert env["GATEHOUSE_EMAIL"].lower() == user["email"].lower(), env
    assert env["GATEHOUSE_ROLES"] == "owner", env


def test_whoami_user_without_chosen_username(site, new_user):
    # Sign-up without a username: the authorizer still names the user
    # (REMOTE_USER must not be empty: Apache's UserExpr would fail).
    u = new_user(username=False)
    env = whoami(requests.get(site + "whoami.cgi", headers=bearer(u["access"]),
                              timeout=TIMEOUT))
    assert env["GATEHOUSE_USER_ID"] == u["profile"]["id"], env
    assert env["REMOTE_USER"], env
    assert env["REMOTE_USER"] == env["GATEHOUSE_USERNAME"] == u["profile"]["username"], env


def test_after_sign_out_same_token_is_401(site, new_user, fapi):
    u = new_user()
    h = bearer(u["access"])
    assert requests.get(site + "secret.txt", headers=h, timeout=TIMEOUT).status_code == 200
    r = fapi.sign_out(u["access"])
    assert r.status_code in (200, 204), r.text
    for path in ("secret.txt", "whoami.cgi"):
        assert_refused(requests.get(site + path, headers=h, timeout=TIMEOUT),
                       invalid_token=True)


def test_browser_without_session_is_sent_to_sign_in(site):
    r = requests.get(site + "whoami.cgi?x=1", headers={"Accept": "text/html"},
                     allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 302, "%d %s" % (r.status_code, r.text[:300])
    loc = r.headers.get("Location", "")
    path = urllib.parse.urlsplit(loc).path
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    assert path == "/ui/sign-in", loc
    assert query.get("return_to") == ["/private/whoami.cgi?x=1"], loc
