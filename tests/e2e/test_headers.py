"""Security headers on every answer (docs/security.md), in every serving
mode: nothing cached that carries tokens, no sniffing, no framing, no
Referer, a strict CSP (strict on the pages too), and Vary where the answer
depends on the credential."""

import requests

from ghlib import TIMEOUT, unique_email, unique_password

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"


def assert_safe(r, cache="no-store", referrer="no-referrer"):
    h = r.headers
    assert h.get("Cache-Control") == cache, h
    assert h.get("X-Content-Type-Options") == "nosniff", h
    assert h.get("X-Frame-Options") == "DENY", h
    assert h.get("Referrer-Policy") == referrer, h
    csp = h.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, h


def vary(r):
    return {v.strip().lower() for v in r.headers.get("Vary", "").split(",")
            if v.strip()}


def test_tokens_and_problems_carry_the_headers(api):
    body = {"email": unique_email("hdr"), "password": unique_password()}
    r = api.sign_up(body)
    assert r.status_code == 201, r.text
    assert_safe(r)
    assert r.headers["Content-Security-Policy"] == STRICT_CSP
    tokens = r.json()["tokens"]
    for resp in (api.sign_in(body), api.refresh(tokens["refresh_token"]),
                 api.sign_in({"email": body["email"], "password": "wrong-pw"}),
                 api.post("/sign-in", raw=b"{", headers={
                     "Content-Type": "application/json"})):
        assert_safe(resp)


def test_authenticated_answers_vary_on_the_credential(api):
    r = api.sign_up({"email": unique_email("hdr"), "password": unique_password()})
    tok = r.json()["tokens"]["access_token"]
    for resp in (api.me(tok), api.me(None), api.me("garbage")):
        assert_safe(resp)
        assert {"authorization", "cookie"} <= vary(resp), resp.headers


def test_public_keys_may_be_cached(server):
    r = requests.get(server.base_url + "/.well-known/jwks.json",
                     timeout=TIMEOUT)
    assert r.status_code == 200
    assert_safe(r, cache="public, max-age=300")


def test_pages_have_their_own_strict_policy(server):
    r = requests.get(server.base_url + "/ui/sign-in", timeout=TIMEOUT)
    assert r.status_code == 200
    # same-origin: a browser then sends our Origin with the page's forms.
    assert_safe(r, referrer="same-origin")
    csp = r.headers["Content-Security-Policy"]
    assert "form-action 'self'" in csp and "script-src" not in csp, csp
    assert "cookie" in vary(r)


def test_authorizer_answers_vary_on_accept_and_credential(server):
    for headers, status in (({}, 401), ({"Accept": "text/html"}, 302)):
        r = requests.get(server.base_url + "/private/secret.txt",
                         headers=headers, timeout=TIMEOUT,
                         allow_redirects=False)
        assert r.status_code == status, r.text
        assert r.headers.get("Cache-Control") == "no-store", r.headers
        assert {"accept", "authorization", "cookie"} <= vary(r), r.headers
