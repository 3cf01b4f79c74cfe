"""OAuth 2 and OpenID Connect sign-in (docs/oauth.md) through lighttpd,
against a real OpenID provider (panva's oidc-provider, tests/e2e/oidc) and a
stand-in for GitHub's OAuth 2 and user API (github_standin.py), both on
127.0.0.1. The tests drive the flows as a browser does: an HTTP client that
keeps cookies follows the redirects from /authorize through the provider
back to /callback."""

import contextlib
import subprocess
import time
import urllib.parse

import pytest
import requests

import ghlib
from ghlib import (TIMEOUT, assert_problem, free_port, unique_email,
                   unique_password)
from oauth_peers import GitHubStandin, start_oidc_provider

OIDC_SECRET = "corp-secret-0123456789"
GH_SECRET = "gh-secret-0123456789"
IDENTITY_TABLES = ghlib.SNAPSHOT_TABLES + ("identities",)


@pytest.fixture(scope="module")
def port():
    return free_port()


def callback(port, name):
    return "http://127.0.0.1:%d/v1/oauth/%s/callback" % (port, name)


@pytest.fixture(scope="module")
def op(port):
    """The OpenID provider: one client per signing algorithm, and one for
    Google's ID-token route."""
    clients = [
        {"client_id": "corp", "client_secret": OIDC_SECRET,
         "redirect_uris": [callback(port, "corp")],
         "token_endpoint_auth_method": "client_secret_basic",
         "id_token_signed_response_alg": "RS256"},
        {"client_id": "corpes", "client_secret": OIDC_SECRET,
         "redirect_uris": [callback(port, "corpes")],
         "token_endpoint_auth_method": "client_secret_post",
         "id_token_signed_response_alg": "ES256"},
        {"client_id": "corped", "client_secret": OIDC_SECRET,
         "redirect_uris": [callback(port, "corped")],
         "token_endpoint_auth_method": "client_secret_basic",
         "id_token_signed_response_alg": "EdDSA"},
        {"client_id": "corpcgi", "client_secret": OIDC_SECRET,
         "redirect_uris": ["http://127.0.0.1:%d/cgi-bin/oauth.fcgi/corpcgi/"
                           "callback" % port],
         "token_endpoint_auth_method": "client_secret_basic",
         "id_token_signed_response_alg": "RS256"},
        {"client_id": "apple-svc", "client_secret": OIDC_SECRET,
         "redirect_uris": [callback(port, "apple")],
         "token_endpoint_auth_method": "client_secret_post",
         "id_token_signed_response_alg": "ES256"},
        {"client_id": "google-web", "client_secret": OIDC_SECRET,
         "redirect_uris": [callback(port, "google")],
         "token_endpoint_auth_method": "client_secret_basic",
         "id_token_signed_response_alg": "RS256"},
    ]
    p = start_oidc_provider(clients)
    yield p
    p.close()


@pytest.fixture(scope="module")
def gh(port):
    g = GitHubStandin(clients={"gh-client": (GH_SECRET,
                                             callback(port, "github"))})
    g.start()
    yield g
    g.stop()


def seal(srv, value):
    r = subprocess.run([srv.root + "/src/cli/gatehouse", "secret", "seal"],
                       input=value + "\n", capture_output=True, text=True,
                       env=ghlib.clean_env(GATEHOUSE_CONFIG=srv.conf_path),
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("sealed:") and value not in r.stdout
    return r.stdout.strip()


@pytest.fixture(scope="module")
def srv(root, port, op, gh):
    """Gatehouse with five providers; client secrets sealed (one plain, as
    a configuration may still have it)."""
    dead = free_port()
    settings = {
        "public_url": "http://127.0.0.1:%d" % port,
        "cookie_secure": 0,
        "oauth_providers": "corp corpes corped github google down apple corpcgi",
        "oauth_timeout_ms": 2000,
        "oauth_corp_issuer": op.issuer,
        "oauth_corp_client_id": "corp",
        "oauth_corp_display_name": "Corp SSO",
        "oauth_corpes_issuer": op.issuer,
        "oauth_corpes_client_id": "corpes",
        "oauth_corpes_client_secret": OIDC_SECRET,
        "oauth_corped_issuer": op.issuer,
        "oauth_corped_client_id": "corped",
        "oauth_github_client_id": "gh-client",
        "oauth_github_authorize_url": gh.url + "/login/oauth/authorize",
        "oauth_github_token_url": gh.url + "/login/oauth/access_token",
        "oauth_github_api_url": gh.url,
        "oauth_google_issuer": op.issuer,
        "oauth_google_client_id": "google-web",
        "oauth_google_audiences": "google-android google-ios",
        "oauth_down_issuer": "http://127.0.0.1:%d" % dead,
        "oauth_down_client_id": "x",
        "oauth_down_client_secret": "y",
        # Apple's preset (form_post) against the local provider.
        "oauth_apple_issuer": op.issuer,
        "oauth_apple_client_id": "apple-svc",
        "oauth_apple_client_secret": OIDC_SECRET,
        "oauth_apple_scopes": "openid email profile",
        # Served as plain CGI: the callback is under the script's name.
        "oauth_corpcgi_issuer": op.issuer,
        "oauth_corpcgi_client_id": "corpcgi",
        "oauth_corpcgi_client_secret": OIDC_SECRET,
        "oauth_corpcgi_redirect_uri": "http://127.0.0.1:%d/cgi-bin/oauth.fcgi/"
                                      "corpcgi/callback" % port,
    }
    sealed = ("corp", "corped", "github", "google")
    for name in sealed:
        settings["oauth_%s_client_secret" % name] = "placeholder"
    s = ghlib.Server(root, settings=settings, port=port)
    try:
        s.prepare()
        # The secrets are sealed with the installation's key, made by
        # prepare()'s `gatehouse init`; placeholders until then.
        with open(s.conf_path) as f:
            text = f.read()
        for name in sealed:
            secret = GH_SECRET if name == "github" else OIDC_SECRET
            line = "oauth_%s_client_secret = " % name
            text = text.replace(line + "placeholder", line + seal(s, secret))
        assert "placeholder" not in text
        with open(s.conf_path, "w") as f:
            f.write(text)
        s.spawn()
    except Exception as e:
        s.stop()
        pytest.fail(str(e), pytrace=False)
    yield s
    s.stop()
    s.cleanup()


@pytest.fixture(autouse=True)
def fresh_peers(op, gh):
    op.reset()
    gh.reset()
    yield


def url(srv, path):
    return srv.base_url + "/v1/oauth" + path


def db(srv, sql, *args):
    return srv.query(sql, *args)


@contextlib.contextmanager
def unchanged(srv, tables=IDENTITY_TABLES):
    before = srv.db_snapshot(tables)
    yield
    assert srv.db_snapshot(tables) == before, "the database changed"


def new_oidc_user(op, verified=True, **extra):
    sub = "sub-" + unique_password()[:12]
    claims = {"sub": sub, "email": unique_email("oidc"),
              "email_verified": verified, "name": "Ada Lovelace",
              "given_name": "Ada", "family_name": "Lovelace",
              "locale": "en-GB"}
    claims.update(extra)
    op.set_user(**claims)
    return claims


def start(srv, provider, session=None, **params):
    """GET /authorize: the 303 to the provider (and the binding cookie)."""
    s = session or requests.Session()
    params.setdefault("redirect_to", "/after")
    r = s.get(url(srv, "/%s/authorize" % provider), params=params,
              allow_redirects=False, timeout=TIMEOUT)
    return s, r


def to_callback(srv, s, r):
    """Follows the provider's redirects until it sends the browser back
    to us; returns the callback URL (not yet fetched)."""
    assert r.status_code == 303, r.text
    loc = r.headers["Location"]
    for _ in range(10):
        if loc.startswith(srv.base_url + "/v1/oauth/"):
            return loc
        r = s.get(loc, allow_redirects=False, timeout=TIMEOUT)
        assert r.status_code in (302, 303), (loc, r.status_code, r.text[:500])
        loc = urllib.parse.urljoin(loc, r.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def flow(srv, provider, session=None, **params):
    """A whole sign-in: returns (session, callback URL, callback answer)."""
    s, r = start(srv, provider, session, **params)
    cb = to_callback(srv, s, r)
    return s, cb, s.get(cb, allow_redirects=False, timeout=TIMEOUT)


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def login_token(r):
    assert r.status_code == 303, r.text
    q = query_of(r.headers["Location"])
    assert urllib.parse.urlsplit(r.headers["Location"]).path == "/after"
    assert "login_token" in q, r.headers["Location"]
    return q["login_token"]


def exchange(srv, token):
    return requests.get(srv.base_url + "/v1/auth/sign-in-with-token",
                        params={"token": token}, timeout=TIMEOUT)


def sign_in(srv, provider, session=None):
    """The flow and the login_token exchange: the AuthenticationResult."""
    _, _, r = flow(srv, provider, session)
    r = exchange(srv, login_token(r))
    assert r.status_code == 200, r.text
    return r.json()


def claims_of(access_token):
    return ghlib.jwt_claims(access_token)


# -- configuration and discovery -------------------------------------------

def test_providers_lists_the_configured_ones(srv):
    r = requests.get(url(srv, "/providers"), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    got = {p["id"]: p for p in r.json()["data"]}
    assert list(got) == ["corp", "corpes", "corped", "github", "google", "down",
                         "apple", "corpcgi"]
    assert got["corp"] == {"id": "corp", "type": "oidc", "name": "Corp SSO",
                           "authorize_url": "/v1/oauth/corp/authorize",
                           "id_token": True}
    assert got["github"]["type"] == "github" and got["github"]["name"] == "GitHub"
    assert got["github"]["id_token"] is False
    assert got["google"]["type"] == "google" and got["google"]["name"] == "Google"
    # Nothing secret is listed.
    assert OIDC_SECRET not in r.text and "sealed:" not in r.text


def test_login_methods_lists_providers_with_their_authorize_urls(srv):
    r = requests.post(srv.base_url + "/v1/auth/login-methods", json={},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    provs = r.json()["providers"]
    assert [p["id"] for p in provs] == ["corp", "corpes", "corped", "github",
                                        "google", "down", "apple", "corpcgi"]
    assert provs[3] == {"id": "github", "type": "github", "name": "GitHub",
                        "authorize_url": "/v1/oauth/github/authorize"}


def test_unknown_provider_is_404(srv):
    for path in ("/nope/authorize", "/nope/callback?state=x"):
        r = requests.get(url(srv, path), timeout=TIMEOUT)
        assert_problem(r, 404, "not_found")


def test_authorize_sends_pkce_s256_state_and_nonce(srv, op):
    new_oidc_user(op)
    s, r = start(srv, "corp")
    assert r.status_code == 303
    loc = r.headers["Location"]
    assert loc.startswith(op.issuer + "/")
    q = query_of(loc)
    assert q["response_type"] == "code" and q["client_id"] == "corp"
    assert q["redirect_uri"] == callback(srv.port, "corp")
    assert q["code_challenge_method"] == "S256"
    assert len(q["code_challenge"]) == 43 and len(q["state"]) == 43
    assert len(q["nonce"]) == 43 and q["nonce"] != q["state"]
    assert set(q["scope"].split()) == {"openid", "email", "profile"}
    # The browser binding: HttpOnly, short, not a session cookie.
    sc = r.headers["Set-Cookie"]
    assert sc.startswith("gh_oauth=") and "HttpOnly" in sc
    assert "Max-Age=600" in sc and "SameSite=Lax" in sc
    # The provider saw what we sent, and the token request carried the
    # verifier, authenticated by client_secret_basic (from discovery).
    cb = to_callback(srv, s, r)
    assert s.get(cb, allow_redirects=False, timeout=TIMEOUT).status_code == 303
    last = op.last()
    assert last["authorization"]["code_challenge"] == q["code_challenge"]
    assert last["token"]["code_verifier_present"] is True
    assert last["token"]["auth_method"] == "client_secret_basic"
    assert last["token"]["status"] == 200


def test_state_is_not_stored_with_secrets(srv, op):
    new_oidc_user(op)
    _, r = start(srv, "corp")
    state = query_of(r.headers["Location"])["state"]
    rows = db(srv, "SELECT data, user_id FROM one_time_tokens WHERE "
              "purpose = 'oauth_state' ORDER BY created_at DESC LIMIT 1")
    data = rows[0][0]
    assert state not in data
    q = query_of(r.headers["Location"])
    assert q["nonce"] not in data and q["code_challenge"] not in data


# -- sign-up, sign-in ---------------------------------------------------------

@pytest.mark.parametrize("provider", ["corp", "corpes", "corped"])
def test_sign_up_by_oidc_then_sign_in_again(srv, op, provider):
    claims = new_oidc_user(op)
    body = sign_in(srv, provider)
    p = body["profile"]
    assert p["credentials"][0]["email"] == claims["email"]
    assert p["credentials"][0]["email_verified_at"] is not None
    assert p["display_name"] == "Ada Lovelace"
    assert p["identity"]["given_name"] == "Ada"
    assert p["identity"]["family_name"] == "Lovelace"
    assert p["identity"]["locale"] == "en-GB"
    assert len(p["memberships"]) == 1 and p["memberships"][0]["role"] == "owner"
    c = claims_of(body["tokens"]["access_token"])
    assert c["sub"] == p["id"] and c["amr"] == ["fed"]
    # One identity, no password.
    assert db(srv, "SELECT provider, subject FROM identities WHERE user_id = ?",
              p["id"]) == [(provider, claims["sub"])]
    assert db(srv, "SELECT count(*) FROM passwords WHERE user_id = ?",
              p["id"]) == [(0,)]
    # Signing in again is the same user, no new one.
    users = db(srv, "SELECT count(*) FROM users")[0][0]
    again = sign_in(srv, provider)
    assert again["profile"]["id"] == p["id"]
    assert db(srv, "SELECT count(*) FROM users")[0][0] == users


def test_unverified_provider_email_signs_up_unverified(srv, op):
    claims = new_oidc_user(op, verified=False)
    p = sign_in(srv, "corp")["profile"]
    assert p["credentials"][0]["email"] == claims["email"]
    assert p["credentials"][0]["email_verified_at"] is None


def test_provider_tokens_are_sealed_at_rest(srv, op):
    claims = new_oidc_user(op)
    sign_in(srv, "corp")
    (access,) = db(srv, "SELECT access_token FROM identities WHERE subject = ?",
                   claims["sub"])[0]
    assert access.startswith("sealed:")
    # The provider's token is not in the database in the clear.
    tok = op.last()["token"]
    assert tok["status"] == 200
    assert not db(srv, "SELECT 1 FROM identities WHERE access_token NOT LIKE "
                  "'sealed:%' AND access_token IS NOT NULL")


def test_login_token_is_single_use(srv, op):
    new_oidc_user(op)
    _, _, r = flow(srv, "corp")
    tok = login_token(r)
    assert exchange(srv, tok).status_code == 200
    assert_problem(exchange(srv, tok), 400, "invalid_token")


def test_cookie_mode_sets_the_session_cookie(srv, op):
    claims = new_oidc_user(op)
    s, _, r = flow(srv, "corp", mode="cookie")
    assert r.status_code == 303
    assert r.headers["Location"] == "/after"
    assert "login_token" not in r.headers["Location"]
    assert ghlib.set_cookie(r, "gh_session").startswith("gh_session=")
    me = s.get(srv.base_url + "/v1/auth/me", timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.json()["credentials"][0]["email"] == claims["email"]
    # The binding cookie is cleared by the callback.
    cleared = ghlib.set_cookie(r, "gh_oauth")
    assert cleared.startswith("gh_oauth=;") and "Max-Age=0" in cleared


def test_redirect_to_an_allowed_absolute_url(srv, op):
    new_oidc_user(op)
    target = srv.base_url + "/app/done?x=1"
    _, _, r = flow(srv, "corp", redirect_to=target)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(target + "&login_token=")


# -- GitHub -------------------------------------------------------------------

def test_github_sign_up_uses_the_verified_primary_email(srv, gh):
    login = "octo-" + unique_password()[:6].lower().replace("-", "")
    primary = unique_email("gh")
    gh.set_user(login=login, id=int(time.time() * 1000) % 10**9, name="Octo Cat",
                emails=[(unique_email("other"), False, True),
                        (primary, True, True)], public_email=None)
    body = sign_in(srv, "github")
    p = body["profile"]
    assert p["credentials"][0]["email"] == primary
    assert p["credentials"][0]["email_verified_at"] is not None
    assert p["username"] == login.replace("-", "_")
    assert p["display_name"] == "Octo Cat"
    # PKCE and the headers GitHub's API needs were sent.
    tok = gh.last("/login/oauth/access_token")
    assert tok["form"].get("code_verifier")
    assert tok["headers"].get("accept") == "application/json"
    assert gh.last("/user")["headers"].get("user-agent")
    assert gh.requests_to("/user/emails")


def test_github_unverified_primary_does_not_link(srv, gh):
    """An address GitHub has not verified never joins an account here."""
    addr, pw = unique_email("victim"), unique_password()
    r = requests.post(srv.base_url + "/v1/auth/sign-up",
                      json={"email": addr, "password": pw}, timeout=TIMEOUT)
    assert r.status_code == 201
    db(srv, "UPDATE emails SET verified_at = 1 WHERE email = ?", addr)
    gh.set_user(login="mallory" + unique_password()[:5].lower().replace("-", ""),
                id=7, emails=[(addr, True, False)])
    with unchanged(srv):
        _, _, r = flow(srv, "github")
    assert_problem(r, 409, "account_exists")


# -- account linking ----------------------------------------------------------

def password_user(srv, verified):
    addr, pw = unique_email("pw"), unique_password()
    r = requests.post(srv.base_url + "/v1/auth/sign-up",
                      json={"email": addr, "password": pw}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    if verified:
        db(srv, "UPDATE emails SET verified_at = 1 WHERE email = ?", addr)
    return addr, r.json()


def test_auto_link_when_both_sides_verified_the_email(srv, op):
    addr, body = password_user(srv, verified=True)
    op.set_user(sub="auto-" + unique_password()[:8], email=addr,
                email_verified=True)
    got = sign_in(srv, "corp")
    assert got["profile"]["id"] == body["profile"]["id"]
    assert len(db(srv, "SELECT 1 FROM identities WHERE user_id = ?",
                  body["profile"]["id"])) == 1


@pytest.mark.parametrize("ours,theirs", [(False, True), (True, False)])
def test_no_auto_link_unless_both_verified(srv, op, ours, theirs):
    addr, _ = password_user(srv, verified=ours)
    op.set_user(sub="nolink-" + unique_password()[:8], email=addr,
                email_verified=theirs)
    with unchanged(srv):
        _, _, r = flow(srv, "corp")
    assert_problem(r, 409, "account_exists")


def test_link_then_sign_in_with_either(srv, op):
    addr, body = password_user(srv, verified=False)
    token = body["tokens"]["access_token"]
    r = requests.post(url(srv, "/corp/link"), json={"redirect_to": "/linked"},
                      headers={"Authorization": "Bearer " + token},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    link_url = r.json()["authorize_url"]
    assert link_url.startswith(srv.base_url + "/v1/oauth/corp/authorize?link_token=")
    # Another address at the provider: linking needs no matching email.
    claims = new_oidc_user(op, email=unique_email("elsewhere"))
    s = requests.Session()
    r = s.get(link_url, allow_redirects=False, timeout=TIMEOUT)
    cb = to_callback(srv, s, r)
    r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/linked?linked=corp"
    ids = requests.get(url(srv, "/accounts"), timeout=TIMEOUT,
                       headers={"Authorization": "Bearer " + token})
    assert ids.status_code == 200
    data = ids.json()["data"]
    assert len(data) == 1 and data[0]["provider"] == "corp"
    assert data[0]["email"] == claims["email"] and data[0]["email_verified"]
    assert set(data[0]) == {"id", "provider", "email", "email_verified",
                            "created_at", "last_used_at"}
    # Signing in with the provider is now that user.
    assert sign_in(srv, "corp")["profile"]["id"] == body["profile"]["id"]
    # The link URL was single-use.
    r = requests.get(link_url, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 400, "invalid_token")


def test_link_of_an_identity_owned_by_another_user_is_409(srv, op):
    claims = new_oidc_user(op)
    sign_in(srv, "corp")               # the identity belongs to a new user
    _, body = password_user(srv, verified=False)
    r = requests.post(url(srv, "/corp/link"), json={},
                      headers={"Authorization": "Bearer " +
                               body["tokens"]["access_token"]},
                      timeout=TIMEOUT)
    s = requests.Session()
    r = s.get(r.json()["authorize_url"], allow_redirects=False, timeout=TIMEOUT)
    op.set_user(**claims)
    cb = to_callback(srv, s, r)
    with unchanged(srv):
        r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 409, "identity_taken")


def test_link_needs_authentication(srv):
    r = requests.post(url(srv, "/corp/link"), json={}, timeout=TIMEOUT)
    assert r.status_code == 401


def test_link_refuses_an_open_redirect(srv):
    _, body = password_user(srv, verified=False)
    with unchanged(srv, IDENTITY_TABLES + ("one_time_tokens",)):
        r = requests.post(url(srv, "/corp/link"),
                          json={"redirect_to": "https://evil.example/x"},
                          headers={"Authorization": "Bearer " +
                                   body["tokens"]["access_token"]},
                          timeout=TIMEOUT)
    assert_problem(r, 400, "validation_failed")


def test_unlink_and_the_last_way_to_sign_in(srv, op):
    new_oidc_user(op)
    body = sign_in(srv, "corp")
    auth = {"Authorization": "Bearer " + body["tokens"]["access_token"]}
    ident = requests.get(url(srv, "/accounts"), headers=auth,
                         timeout=TIMEOUT).json()["data"][0]
    # The only identity and no password: refused, nothing changed.
    with unchanged(srv):
        r = requests.delete(url(srv, "/accounts/" + ident["id"]), headers=auth,
                            timeout=TIMEOUT)
    assert_problem(r, 409, "last_sign_in_method")
    # Link a second provider, then the first one can go.
    r = requests.post(url(srv, "/corpes/link"), json={}, headers=auth,
                      timeout=TIMEOUT)
    s = requests.Session()
    r = s.get(r.json()["authorize_url"], allow_redirects=False, timeout=TIMEOUT)
    r = s.get(to_callback(srv, s, r), allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303 and "linked=corpes" in r.headers["Location"]
    r = requests.delete(url(srv, "/accounts/" + ident["id"]), headers=auth,
                        timeout=TIMEOUT)
    assert r.status_code == 204
    left = requests.get(url(srv, "/accounts"), headers=auth,
                        timeout=TIMEOUT).json()["data"]
    assert [i["provider"] for i in left] == ["corpes"]
    # Gone: 404; another user's identity: 404 as well, nothing changed.
    r = requests.delete(url(srv, "/accounts/" + ident["id"]), headers=auth,
                        timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")
    _, other = password_user(srv, verified=False)
    with unchanged(srv):
        r = requests.delete(url(srv, "/accounts/" + left[0]["id"]),
                            headers={"Authorization": "Bearer " +
                                     other["tokens"]["access_token"]},
                            timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")
    for bad in ("not-an-id", "x" * 300):
        r = requests.delete(url(srv, "/accounts/" + bad), headers=auth,
                            timeout=TIMEOUT)
        assert_problem(r, 404, "not_found")
    # An encoded NUL in a path segment is refused by the router.
    r = requests.delete(url(srv, "/accounts/%00"), headers=auth,
                        timeout=TIMEOUT)
    assert r.status_code == 400


def test_unlink_with_a_password_left(srv, op):
    addr, body = password_user(srv, verified=True)
    op.set_user(sub="pw-" + unique_password()[:8], email=addr,
                email_verified=True)
    sign_in(srv, "corp")               # auto-linked
    auth = {"Authorization": "Bearer " + body["tokens"]["access_token"]}
    ident = requests.get(url(srv, "/accounts"), headers=auth,
                         timeout=TIMEOUT).json()["data"][0]
    r = requests.delete(url(srv, "/accounts/" + ident["id"]), headers=auth,
                        timeout=TIMEOUT)
    assert r.status_code == 204


# -- complete-signup ----------------------------------------------------------

def test_complete_signup_when_the_handle_is_taken(srv, op):
    _, taken = password_user(srv, verified=False)
    handle = taken["profile"]["username"]
    claims = new_oidc_user(op, preferred_username=handle)
    with unchanged(srv):
        _, _, r = flow(srv, "corp")
    assert r.status_code == 303
    q = query_of(r.headers["Location"])
    assert "signup_token" in q and "login_token" not in q
    tok = q["signup_token"]
    # Still taken: 409, the token still works.
    r = requests.post(url(srv, "/complete-signup"),
                      json={"signup_token": tok, "username": handle},
                      timeout=TIMEOUT)
    assert_problem(r, 409, "username_taken")
    for bad in ({"signup_token": tok}, {"signup_token": tok, "username": "1x"},
                {"signup_token": tok, "username": 5},
                {"signup_token": tok, "username": "ok_name", "extra": 1}):
        r = requests.post(url(srv, "/complete-signup"), json=bad,
                          timeout=TIMEOUT)
        assert_problem(r, 400, "validation_failed")
    mine = "chosen_" + unique_password()[:6].lower().replace("-", "_")
    r = requests.post(url(srv, "/complete-signup"),
                      json={"signup_token": tok, "username": mine},
                      timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    p = r.json()["profile"]
    assert p["username"] == mine
    assert p["credentials"][0]["email"] == claims["email"]
    assert claims_of(r.json()["tokens"]["access_token"])["amr"] == ["fed"]
    # Used once.
    r = requests.post(url(srv, "/complete-signup"),
                      json={"signup_token": tok, "username": mine + "2"},
                      timeout=TIMEOUT)
    assert_problem(r, 400, "invalid_token")
    # And the provider now signs that user in.
    assert sign_in(srv, "corp")["profile"]["id"] == p["id"]


def test_complete_signup_with_a_bad_token(srv):
    with unchanged(srv):
        for tok in ("x" * 43, "short", "A" * 512):
            r = requests.post(url(srv, "/complete-signup"),
                              json={"signup_token": tok, "username": "someone"},
                              timeout=TIMEOUT)
            assert_problem(r, 400, "invalid_token")


# -- refused callbacks ---------------------------------------------------------

def test_wrong_state_is_refused(srv, op):
    new_oidc_user(op)
    s, r = start(srv, "corp")
    cb = to_callback(srv, s, r)
    q = query_of(cb)
    bad = cb.replace(q["state"], ghlib.flip_char(q["state"], 5))
    with unchanged(srv):
        r = s.get(bad, allow_redirects=False, timeout=TIMEOUT)
        assert_problem(r, 400, "oauth_state_invalid")
        r = s.get(url(srv, "/corp/callback?code=abc"), timeout=TIMEOUT)
        assert_problem(r, 400, "oauth_state_invalid")


def test_state_of_another_browser_is_refused(srv, op):
    """A callback injected into another browser (login CSRF): the state is
    real, the binding cookie is not there."""
    new_oidc_user(op)
    s, r = start(srv, "corp")
    cb = to_callback(srv, s, r)
    with unchanged(srv):
        r = requests.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 400, "oauth_state_mismatch")
    # And it was used up: the real browser cannot finish it either.
    r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 400, "oauth_state_invalid")


def test_callback_hit_twice_answers_a_clear_page(srv, op):
    new_oidc_user(op)
    s, cb, r = flow(srv, "corp")
    assert r.status_code == 303
    with unchanged(srv):
        again = s.get(cb, allow_redirects=False, timeout=TIMEOUT,
                      headers={"Accept": "text/html,application/xhtml+xml"})
    assert again.status_code == 400
    assert again.headers["Content-Type"].startswith("text/html")
    assert "already finished" in again.text and "Start again" in again.text
    assert 'href="/ui/sign-in"' in again.text
    # An API client gets the same as problem+json.
    r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 400, "oauth_state_invalid")


def test_replayed_code_is_refused_by_the_provider(srv, op):
    """The code of a finished sign-in, brought back with a fresh state."""
    new_oidc_user(op)
    s, cb, r = flow(srv, "corp")
    assert r.status_code == 303
    code = query_of(cb)["code"]
    s2, r2 = start(srv, "corp")
    state2 = query_of(r2.headers["Location"])["state"]
    with unchanged(srv):
        r = s2.get(url(srv, "/corp/callback"), params={"state": state2,
                                                       "code": code},
                   allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 400, "oauth_code_rejected")
    assert op.last()["token"]["error"] == "invalid_grant"


@pytest.mark.parametrize("mode,why", [
    ("wrong_nonce", "nonce"),
    ("other_key", "signature"),
    ("unknown_kid", "key the provider does not publish"),
    ("bad_signature", "signature"),
    ("expired", "expired"),
    ("wrong_aud", "another client"),
    ("wrong_iss", "another issuer"),
    # Unsigned: refused before its header's "none" is even read.
    ("alg_none", "ID token is malformed"),
])
def test_doctored_id_token_is_refused(srv, op, mode, why):
    new_oidc_user(op)
    s, r = start(srv, "corp")
    cb = to_callback(srv, s, r)
    op.tamper(mode)
    with unchanged(srv):
        r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 401, "invalid_id_token")
    assert why in r.json()["detail"]
    assert op.last()["token"]["tampered"]


def test_rotated_provider_keys_are_fetched_again(srv, op):
    """The provider replaces its signing keys: the cached key set lacks the
    new kid, so it is fetched again (at most once per 10 s) and the
    sign-in goes through."""
    import os
    before = requests.get(op.discovery()["jwks_uri"], timeout=TIMEOUT).json()
    new_oidc_user(op)
    sign_in(srv, "corped")            # the key set is cached now
    op.stop()
    os.unlink(op.keys_path)
    op.start()                        # new keys, new kids
    after = requests.get(op.discovery()["jwks_uri"], timeout=TIMEOUT).json()
    assert not {k["kid"] for k in before["keys"]} & \
        {k["kid"] for k in after["keys"]}
    time.sleep(10.5)                  # past the refetch gap
    new_oidc_user(op)
    assert sign_in(srv, "corped")["profile"]["id"]


def test_provider_down_at_authorize_is_502_and_writes_nothing(srv):
    with unchanged(srv, IDENTITY_TABLES + ("one_time_tokens",)):
        _, r = start(srv, "down")
    assert_problem(r, 502, "provider_unavailable")
    assert "Set-Cookie" not in r.headers


def test_provider_down_at_callback_is_502_and_changes_nothing(srv, op):
    new_oidc_user(op)
    s, r = start(srv, "corpes")
    cb = to_callback(srv, s, r)
    op.stop()
    try:
        with unchanged(srv):
            r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
        assert_problem(r, 502, "provider_unavailable")
    finally:
        op.restart()


def test_github_down_at_callback_is_502(srv, gh):
    gh.set_user(login="downcat", id=99, emails=[(unique_email("d"), True, True)])
    s, r = start(srv, "github")
    cb = to_callback(srv, s, r)
    gh.down = "503"
    with unchanged(srv):
        r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 502, "provider_unavailable")


def test_denied_at_the_provider_goes_back_with_an_error(srv, gh):
    gh.deny_next()
    s, r = start(srv, "github")
    cb = to_callback(srv, s, r)
    with unchanged(srv):
        r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303
    assert r.headers["Location"] == "/after?error=access_denied"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example",
    "javascript:alert(1)", "http://127.0.0.1:1/elsewhere", "https://evil.example@127.0.0.1/",
])
def test_open_redirect_in_redirect_to_is_refused(srv, target):
    with unchanged(srv, IDENTITY_TABLES + ("one_time_tokens",)):
        _, r = start(srv, "corp", redirect_to=target)
    assert_problem(r, 400, "validation_failed")
    assert "Location" not in r.headers


@pytest.mark.parametrize("params,field", [
    ({"mode": "session"}, "mode"),
    ({"client_id": "bad client"}, "client_id"),
])
def test_authorize_bad_query(srv, params, field):
    with unchanged(srv, IDENTITY_TABLES + ("one_time_tokens",)):
        _, r = start(srv, "corp", **params)
    p = assert_problem(r, 400, "validation_failed")
    assert ghlib.find_param(p, field, "format", in_="query")


def test_authorize_unknown_client_id(srv):
    _, r = start(srv, "corp", client_id="nobody")
    assert_problem(r, 400, "validation_failed")


def test_callback_wrong_method(srv):
    r = requests.put(url(srv, "/corp/callback"), timeout=TIMEOUT)
    assert r.status_code == 405


# -- POST /{provider}/id-token ------------------------------------------------

def id_token_sign_in(srv, token, **more):
    body = {"id_token": token}
    body.update(more)
    return requests.post(url(srv, "/google/id-token"), json=body,
                         timeout=TIMEOUT)


def test_google_id_token_signs_up_then_in(srv, op):
    claims = new_oidc_user(op)
    tok = op.mint_id_token(aud="google-web")
    r = id_token_sign_in(srv, tok)
    assert r.status_code == 200, r.text
    body = r.json()
    ghlib.check_tokens(body["tokens"])
    assert body["profile"]["credentials"][0]["email"] == claims["email"]
    again = id_token_sign_in(srv, op.mint_id_token(aud="google-web"))
    assert again.json()["profile"]["id"] == body["profile"]["id"]
    # A mobile app's client id, listed in audiences, is accepted too.
    mobile = id_token_sign_in(srv, op.mint_id_token(aud="google-android"))
    assert mobile.status_code == 200 and \
        mobile.json()["profile"]["id"] == body["profile"]["id"]


def test_google_id_token_nonce(srv, op):
    new_oidc_user(op)
    tok = op.mint_id_token(aud="google-web", nonce="n-123456")
    assert id_token_sign_in(srv, tok, nonce="n-123456").status_code == 200
    with unchanged(srv):
        r = id_token_sign_in(srv, tok, nonce="n-other")
    assert_problem(r, 401, "invalid_id_token")


@pytest.mark.parametrize("mode", ["other_key", "unknown_kid", "expired",
                                  "wrong_aud", "wrong_iss", "alg_none",
                                  "bad_signature"])
def test_google_id_token_doctored(srv, op, mode):
    new_oidc_user(op)
    tok = op.mint_id_token(aud="google-web", mode=mode)
    with unchanged(srv):
        r = id_token_sign_in(srv, tok)
    assert_problem(r, 401, "invalid_id_token")


def test_google_id_token_for_another_audience(srv, op):
    new_oidc_user(op)
    with unchanged(srv):
        r = id_token_sign_in(srv, op.mint_id_token(aud="someone-else"))
    assert_problem(r, 401, "invalid_id_token")


def test_google_id_token_bad_bodies(srv):
    with unchanged(srv):
        for body in ({}, {"id_token": 5}, {"id_token": "a.b.c"},
                     {"id_token": "x" * 20, "more": 1},
                     {"id_token": "x" * 20000},
                     {"id_token": "x" * 20, "cookie": "yes"}):
            r = requests.post(url(srv, "/google/id-token"), json=body,
                              timeout=TIMEOUT)
            assert_problem(r, 400, "validation_failed")
        r = requests.post(url(srv, "/google/id-token"), data="{",
                          headers={"Content-Type": "application/json"},
                          timeout=TIMEOUT)
        assert r.status_code == 400
        r = requests.post(url(srv, "/google/id-token"), data="id_token=x",
                          headers={"Content-Type":
                                   "application/x-www-form-urlencoded"},
                          timeout=TIMEOUT)
        assert_problem(r, 415, "unsupported_media_type")
        r = requests.get(url(srv, "/google/id-token"), timeout=TIMEOUT)
        assert r.status_code == 405


def test_id_token_for_a_non_oidc_provider_is_404(srv):
    r = requests.post(url(srv, "/github/id-token"),
                      json={"id_token": "a" * 40}, timeout=TIMEOUT)
    assert_problem(r, 404, "not_found")


def test_id_token_provider_down_is_502(srv, op):
    """The key set cannot be fetched (the provider's process is gone and
    this process has not cached it yet for the 'down' provider)."""
    with unchanged(srv):
        r = requests.post(url(srv, "/down/id-token"),
                          json={"id_token": op.mint_id_token(aud="x")},
                          timeout=TIMEOUT)
    assert_problem(r, 502, "provider_unavailable")


# -- plain CGI ----------------------------------------------------------------

def test_providers_as_plain_cgi(srv):
    r = requests.get(srv.base_url + "/cgi-bin/oauth.fcgi/providers",
                     timeout=TIMEOUT)
    assert r.status_code == 200
    assert len(r.json()["data"]) == 8


def test_whole_flow_as_plain_cgi(srv, op):
    """authorize and callback as CGI runs: each run fetches discovery and
    the key set anew (no process outlives a request)."""
    claims = new_oidc_user(op)
    s = requests.Session()
    r = s.get(srv.base_url + "/cgi-bin/oauth.fcgi/corpcgi/authorize",
              params={"redirect_to": "/after"}, allow_redirects=False,
              timeout=TIMEOUT)
    assert r.status_code == 303, r.text
    loc = r.headers["Location"]
    for _ in range(10):
        if loc.startswith(srv.base_url + "/cgi-bin/"):
            break
        r = s.get(loc, allow_redirects=False, timeout=TIMEOUT)
        loc = urllib.parse.urljoin(loc, r.headers["Location"])
    r = s.get(loc, allow_redirects=False, timeout=TIMEOUT)
    body = exchange(srv, login_token(r)).json()
    assert body["profile"]["credentials"][0]["email"] == claims["email"]


# -- the hosted pages ---------------------------------------------------------

def test_sign_in_page_offers_the_providers_and_signs_in(srv, op):
    claims = new_oidc_user(op)
    s = requests.Session()
    page = s.get(srv.base_url + "/ui/sign-in", params={"return_to": "/ui/me"},
                 timeout=TIMEOUT)
    assert page.status_code == 200
    link = ('href="/v1/oauth/corp/authorize?mode=cookie&amp;'
            'redirect_to=/ui/me">Continue with Corp SSO</a>')
    assert link in page.text
    assert "Continue with GitHub" in page.text
    r = s.get(srv.base_url + "/v1/oauth/corp/authorize?mode=cookie&"
              "redirect_to=/ui/me", allow_redirects=False, timeout=TIMEOUT)
    cb = to_callback(srv, s, r)
    r = s.get(cb, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"] == "/ui/me"
    me = s.get(srv.base_url + "/ui/me", timeout=TIMEOUT)
    assert me.status_code == 200
    assert claims["email"] in me.text


# -- Apple's form post ----------------------------------------------------------

def test_form_post_callback(srv, op):
    """response_mode=form_post (Apple's preset): the provider answers a page
    whose form posts code and state back; the callback takes the POST."""
    import re
    claims = new_oidc_user(op)
    s, r = start(srv, "apple")
    assert query_of(r.headers["Location"])["response_mode"] == "form_post"
    loc = r.headers["Location"]
    for _ in range(10):
        r = s.get(loc, allow_redirects=False, timeout=TIMEOUT)
        if r.status_code == 200:
            break
        loc = urllib.parse.urljoin(loc, r.headers["Location"])
    action = re.search(r'<form[^>]*action="([^"]+)"', r.text).group(1)
    assert action == callback(srv.port, "apple")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" '
                             r'value="([^"]*)"', r.text))
    assert {"code", "state"} <= set(fields)
    r = s.post(action, data=fields, allow_redirects=False, timeout=TIMEOUT)
    body = exchange(srv, login_token(r)).json()
    assert body["profile"]["credentials"][0]["email"] == claims["email"]
    # The same POST again: the state is gone.
    r = s.post(action, data=fields, allow_redirects=False, timeout=TIMEOUT)
    assert_problem(r, 400, "oauth_state_invalid")


def test_in_chromium_sign_in_then_the_callback_again(srv, op):
    """A real browser: the provider link on the hosted page, the session
    cookie set by the callback, and the callback opened again (Back,
    reload) answering a readable page, not an error dump."""
    claims = new_oidc_user(op)
    seen = ghlib.run_browser("oauth.mjs", srv.base_url, "Corp SSO")
    assert seen["landed"] == "/ui/me"
    assert claims["email"] in seen["me_text"]
    assert seen["callbacks_on_the_way"] == 1
    assert seen["again_status"] == 400
    assert seen["again_type"].startswith("text/html")
    assert seen["again_heading"] == "Sign-in did not finish"
    assert "already finished" in seen["again_text"]
    assert seen["again_link"] == "/ui/sign-in"
    assert seen["start_again"].startswith("/ui/sign-in")


# -- with two-factor authentication on ------------------------------------------

def test_oauth_sign_in_asks_for_the_second_factor(srv, op):
    import ghlib as g
    if not g._which("oathtool"):
        pytest.fail("oathtool is needed", pytrace=False)
    new_oidc_user(op)
    body = sign_in(srv, "corp")
    auth = {"Authorization": "Bearer " + body["tokens"]["access_token"]}
    secret = requests.post(srv.base_url + "/v1/mfa/totp/setup", json={},
                           headers=auth, timeout=TIMEOUT).json()["secret"]

    def code(offset):
        while time.time() % 30 > 26:
            time.sleep(0.5)
        return subprocess.run(["oathtool", "--totp", "-b", secret, "-N",
                               "@%d" % (int(time.time()) + offset)],
                              capture_output=True, text=True,
                              check=True).stdout.strip()
    r = requests.post(srv.base_url + "/v1/mfa/totp/enable",
                      json={"code": code(0)}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    # Token mode: the login_token's exchange asks for the code.
    _, _, r = flow(srv, "corp")
    r = exchange(srv, login_token(r))
    assert r.status_code == 200 and r.json()["mfa_required"] is True
    r = requests.post(srv.base_url + "/v1/mfa/totp/verify",
                      json={"mfa_token": r.json()["mfa_token"],
                            "code": code(30)}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["tokens"]["access_token"])["amr"] == \
        ["fed", "otp", "mfa"]
    # Cookie mode back to this site: the hosted page asks for it, no
    # session cookie yet.
    s, _, r = flow(srv, "corp", mode="cookie", redirect_to="/ui/me")
    assert r.status_code == 303
    loc = r.headers["Location"]
    assert loc.startswith("/ui/mfa?mfa_token=") and \
        loc.endswith("&return_to=/ui/me")
    assert ghlib.set_cookie(r, "gh_session") == ""
    page = s.get(srv.base_url + loc, timeout=TIMEOUT)
    assert page.status_code == 200 and "Two-step verification" in page.text
